# Entry points; see README.md. Everything runs inside .venv, created on first use
# from pyproject.toml (only python3, g++, make and perl are needed on the machine).

PYTHON_SYSTEM ?= python3
VENV          := .venv
PY            := $(VENV)/bin/python
PYTEST        := $(VENV)/bin/pytest
STAMP         := $(VENV)/.installed
TRAIN_STAMP   := $(VENV)/.installed-train
JOBS          ?= 2

.PHONY: all venv test golden-test lint sim formal synth-check synth-blocks clean help model qkeras-test audit plots synth synth-ci pareto \
	seeds

all: test

help:
	@echo "make test         golden tests + lint + yosys checks + RTL regression (what CI runs)"
	@echo "make golden-test  golden model tests only"
	@echo "make lint         verilator --lint-only -Wall over every RTL module"
	@echo "make sim          cocotb RTL regression (pytest -n $(JOBS))"
	@echo "make formal       SymbiYosys proofs of the RTL blocks (sim/formal, yowasp-sby + yices)"
	@echo "make synth-check  quick yosys checks: every block synthesises for ECP5, memories map right"
	@echo "make synth-blocks per-block ECP5 cost table (LUT/FF/DSP/BRAM/Fmax) -> build/synth/blocks.md"
	@echo "                  (synth-blocks, pareto and seeds run their jobs on a local Dask cluster, WORKERS=n of them,"
	@echo "                  or DASK_SCHEDULER=tcp://host:8786's; results cached in build/synth/cache; docs/sweeps.md)"
	@echo "make synth        network + ECPIX-5 board top -> .bit, build/synth/report.{json,md} (MODEL DEVICE PACKAGE SPEED FREQ)"
	@echo "                  RATE=<samples/s>: the cheapest structure (DSPs, then LUTs) that sustains RATE at FREQ"
	@echo "                  BOARD=pmod AUDIO_RATE=192000|48000: the eurorack-pmod instrument (docs/audio.md)"
	@echo "                  SEEDS=1-8: place and route at each seed (in parallel), keep the best seed's bitstream"
	@echo "make seeds        SEEDS=1-8 (or 1,3,5): one configuration (options of make synth) at several nextpnr seeds;"
	@echo "                  each clock's Fmax per seed and min/median/max -> build/synth/seeds.{md,json}"
	@echo "make pareto       the default model across budgets (pools P1-P8, per-layer 16..1024): measured table and plot"
	@echo "                  -> build/synth/pareto.{md,json,png}; POINTS=P2,64 a subset; points in parallel, cached (DEVICE ... FREQ)"
	@echo "make synth-ci     CI synthesis check on the ECPIX-5's 45F: mcu UART build, fpga pmod build at 192 kHz"
	@echo "make model        train the QKeras models (CPU, a few minutes each) -> golden/models/*.h5, fpga/mcu also *.yaml"
	@echo "                  MODELS=\"seed_fpga seed_po2\" picks some of fpga mcu seed_fpga seed_po2 fpga_po2 wavenet (default: all)"
	@echo "make qkeras-test  QKeras float64 predict == golden network, bit-exact (needs the train extra)"
	@echo "make audit MODEL=m.h5  export a QKeras model, QKeras vs golden vs RTL -> build/audit/report.json"
	@echo "make plots        RTL waveshaping pictures (corners, embedding grid) -> build/plots/*.png"
	@echo "make venv         create .venv and install pinned dependencies"
	@echo "make clean        remove build/ (keeps .venv)"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON_SYSTEM) >/dev/null || { echo "error: $(PYTHON_SYSTEM) not found"; exit 1; }
	$(PYTHON_SYSTEM) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	@touch $@

# The TensorFlow extra installs beside the RTL regression ($(TRAIN_STAMP) only adds packages; pip waits on the
# network and the disk more than on the cores). The last three then overlap (QKeras runs ~1.4 cores busy, nextpnr
# one). CI's budget is 20 minutes on 2 cores; measured on a clean clone: 14:03 as here (11:03 a stop earlier);
# 21:20 with the install after sim, 22:04 with all of them in one -j4 pool (the cores oversubscribed), 20:46 with
# every target in series (those three before the last cuts to the QKeras tests).
test: golden-test lint synth-check
	$(MAKE) --no-print-directory --output-sync=line -j2 sim $(TRAIN_STAMP)
	$(MAKE) --no-print-directory --output-sync=target -j2 formal qkeras-test synth-ci

golden-test: $(STAMP)
	$(PYTEST) -q -n $(JOBS) golden/tests

# Each module is linted as the top (defaults + structural variants), so unused
# ports and parameters are caught too; any warning fails.
lint: $(STAMP)
	$(PY) scripts/lint_rtl.py

# Quick yosys checks (seconds): every block synthesises, memories and multipliers map as they must.
synth-check: $(STAMP)
	$(PYTEST) -q -n $(JOBS) synth/tests

# Out-of-context yosys + nextpnr of each block at several parallelism settings
# (a few minutes): build/synth/blocks.md and blocks.json.
DEVICE  ?= LFE5UM5G-85F
PACKAGE ?= CABGA554
SPEED   ?= 8
FREQ    ?= 100
synth-blocks: $(STAMP)
	$(PY) scripts/synth_blocks.py --device $(DEVICE) --package $(PACKAGE) --speed $(SPEED) --freq $(FREQ) $(SWEEP_ARGS)

# The sweeps (synth-blocks, pareto, seeds, synth SEEDS=) hand their yosys/nextpnr jobs to Dask (synth/sweep.py,
# docs/sweeps.md): a LocalCluster of WORKERS processes (default: one per core), or the running cluster whose
# scheduler DASK_SCHEDULER names (tcp://host:8786; its workers must share this checkout at the same path).
WORKERS ?=
export DASK_SCHEDULER
SWEEP_ARGS = $(if $(WORKERS),--workers $(WORKERS))

# Full implementation of a model's network (a few minutes for the 85F): fails if it does not fit or misses FREQ.
# MODEL may be a manifest (.yaml) or a committed QKeras model (.h5, its exported .yaml beside it is used).
# RATE (samples/s): build the cheapest structure that sustains it at FREQ on DEVICE (golden/rtlgen/rate.py).
# BOARD=pmod: the eurorack instrument (docs/audio.md) at AUDIO_RATE (48000 or 192000), CHANNEL_MAP the channel map.
RATE    ?=
BOARD   ?= uart
AUDIO_RATE  ?= 192000
CHANNEL_MAP ?= golden/audio/seeds_map.yaml
# SEEDS=1-8 (or 1,3,5): synthesise once, place and route at every seed on the cluster; the best seed's bitstream and
# report are the outputs, build/synth/seeds.{md,json} the spread. make seeds: only the spread.
SEEDS   ?=
SYNTH_ARGS = --model $(MODEL) --device $(DEVICE) --package $(PACKAGE) --speed $(SPEED) --freq $(FREQ) \
	    $(if $(RATE),--rate $(RATE)) --board $(BOARD) \
	    $(if $(filter pmod,$(BOARD)),--audio-rate $(AUDIO_RATE) --channel-map $(CHANNEL_MAP))
synth: $(STAMP)
	$(PY) scripts/synth_network.py $(SYNTH_ARGS) $(if $(SEEDS),--seeds $(SEEDS) $(SWEEP_ARGS))

seeds: $(STAMP)
	$(PY) scripts/synth_network.py $(SYNTH_ARGS) --seeds $(or $(SEEDS),1-8) --seeds-only $(SWEEP_ARGS)

# The default model through the same flow at every point of the budget range (each an 85F place and route:
# 5-40 min; the points in parallel on the cluster, cached by content hash, so a rerun resumes):
# build/synth/pareto.{md,json,png}.
POINTS  ?=
pareto: $(STAMP)
	$(PY) scripts/pareto.py --device $(DEVICE) --package $(PACKAGE) --speed $(SPEED) --freq $(FREQ) \
	    $(if $(POINTS),--points $(POINTS)) $(SWEEP_ARGS)

# CI's synthesis check (about 3 minutes on 2 cores) on the ECPIX-5's 45F: the small model through the UART board
# flow, and the eurorack-pmod instrument at 192 kHz (docs/audio.md); each must fit and meet every clock's target.
synth-ci: $(STAMP)
	$(PY) scripts/synth_network.py --model golden/models/mcu.yaml --device LFE5UM5G-45F --package CABGA554 --speed 8 \
	    --freq 100 --out build/synth/ci
	$(PY) scripts/synth_network.py --model golden/models/fpga.yaml --device LFE5UM5G-45F --package CABGA554 --speed 8 \
	    --freq 150 --board pmod --audio-rate 192000 --out build/synth/ci-pmod

# worksteal: the network and netlist runs take minutes, a block bench seconds; an idle worker takes pending tests.
# The slowest tests are listed at the end: where CI's time goes.
sim: $(STAMP)
	$(PYTEST) -q -n $(JOBS) --dist worksteal --durations=12 sim --ignore=sim/formal

# SymbiYosys proofs (sim/formal/<block>/: .sby + property wrapper), a few minutes on 2 cores.
formal: $(STAMP)
	$(PYTEST) -q -n $(JOBS) sim/formal

# TensorFlow + QKeras (the `train` extra): only for training, export and the QKeras proofs.
# The `train` extra's pins from pyproject.toml, installed as packages beside the editable project (reinstalling the
# project itself would briefly unregister it under the tests that run beside this install in make test).
$(TRAIN_STAMP): $(STAMP) pyproject.toml
	$(VENV)/bin/pip install --quiet $$($(PY) -c "import tomllib; \
	    print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['train']))")
	@touch $@

# MODELS: any of fpga mcu (float64, exported to .yaml) seed_fpga seed_po2 fpga_po2 (float32, .h5 only) wavenet (float32, the graph manifest too); empty = all.
MODELS  ?=
model: $(TRAIN_STAMP)
	$(PY) scripts/train_model.py $(MODELS)

# One TensorFlow thread per worker: its default pools (one thread per core, in each of the JOBS workers) would
# oversubscribe the cores that formal and synth-ci share with it in make test.
qkeras-test: $(TRAIN_STAMP)
	TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 $(PYTEST) -q -n $(JOBS) golden/tests_qkeras

# Any QKeras model inside the supported subset (docs/qkeras-mapping.md); exits non-zero on any mismatch.
MODEL   ?= golden/models/fpga.h5
SAMPLES ?= 10000
audit: $(TRAIN_STAMP)
	$(PY) scripts/audit.py $(MODEL) --samples $(SAMPLES) $(if $(INPUT_FORMAT),--input-format "$(INPUT_FORMAT)")

# matplotlib and the RTL simulator, both in the base venv: no TensorFlow.
plots: $(STAMP)
	$(PY) scripts/plots.py

clean:
	rm -rf build
