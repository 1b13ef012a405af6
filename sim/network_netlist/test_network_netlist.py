"""The synthesised network, not the RTL, against the golden network: gate-level, bit-exact.

RTL simulation never sees what yosys makes of the source -- its reading of
the SystemVerilog, of the weight ROM hex files, of the cache memories. Here
the generated top of a committed model goes through yosys `synth_ecp5`; the
mapped netlist (LUT4, PFUMX, CCU2C, TRELLIS_FF, TRELLIS_DPR16X4, MULT18X18D, and
the caches in DP16KD block RAM, as `make synth` maps them: synth/netlist_sim.py)
is simulated with yosys's ECP5 cell models and ours for MULT18X18D and DP16KD
(synth/sim_models/), driven by network_netlist_tb.sv (plain SystemVerilog:
see its header for why not cocotb), and every output is compared with
golden.network.StreamingNetwork. Stimulus: full-range random codes (every
layer saturates) and each waveshaping corner, each sequence from reset.
Cases (NETLIST_CASES): mcu, also with MULT18X18D operand registers (the
multipliers of networks wider than WIDE_NETWORK_DSPS) and with its synchronous
set/resets folded into LUT logic (synth/control_sets.py); seed_po2's first po2
pair with both po2 implementations (baked adder trees and po2_mul shifter
lanes); on request the whole seed_po2 network, and the scale family's
largest member as planned for 192 kHz (NETLIST_MODELS=scale).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from golden.compare import assert_codes_equal
from golden.manifest import NetworkManifest, load_manifest
from golden.memfile import pack_vector, unpack_vector
from golden.network import StreamingNetwork, saturation_count
from golden.rtlgen.rate import choose_for_rate
from golden.rtlgen.top import export_network, plan_network
from golden.waveshaping import CORNERS, network_input, random_input
from simlib.runner import BUILD, OBJECT_CACHE, REPO, UNOPTIMISED_FLAGS
from simlib.seed import base_seed, derived_seed
from synth.devices import Device
from synth.netlist_sim import gate_level_sources
from synth.toolchain import run_tool, verilator_environment

HERE = Path(__file__).resolve().parent
# 750 samples per sequence (3,000 in all) use every weight (each output uses all of them) and every
# cache word many times over; the gate-level model runs far slower than the RTL one (at -O0, about
# 150 samples a second), and the RTL regression streams 10,000 per class. NETLIST_SAMPLES=N for more.
SAMPLES = int(os.environ.get("NETLIST_SAMPLES", "750"))


@dataclass(frozen=True)
class NetlistCase:
    """A committed model, or the slice [first, stop) of its layers, with per-layer implementation overrides."""

    model: str
    overrides: dict[str, str]
    samples: int
    layers: tuple[int, int] | None = None
    mul_latency: int | None = None  # the plan's rule when None; 2: MULT18X18D operand and product registers
    # the plan the rate search picks for this sample rate at 150 MHz on the 85F (None: the default budget's)
    rate_hz: float | None = None
    # synthesised with the synchronous set/resets folded into logic, as make synth does above
    # synth.control_sets.LSR_NET_LIMIT LSR nets
    fold_sync_resets: bool = False

    @property
    def model_path(self) -> Path:
        return REPO / "golden" / "models" / f"{self.model}.yaml"

    def manifests(self) -> tuple[NetworkManifest, NetworkManifest | None]:
        """The network under test and the model's layers before it (None for a whole model), which turn
        waveshaping input into the slice's input."""
        model = load_manifest(self.model_path)
        if self.layers is None:
            return model, None
        first, stop = self.layers
        head = model.layers[first]
        piece = NetworkManifest(f"{self.model}_layers_{first}_{stop}", head.input_format, head.in_channels,
                                model.layers[first:stop])
        before = NetworkManifest(f"{self.model}_layers_0_{first}", model.input_format, model.input_channels,
                                 model.layers[:first]) if first else None
        return piece, before


PO2_SAMPLES = int(os.environ.get("NETLIST_SAMPLES_PO2", "300"))
MUL2_SAMPLES = int(os.environ.get("NETLIST_SAMPLES_MUL2", "300"))
SCALE_SAMPLES = int(os.environ.get("NETLIST_SAMPLES_SCALE", "20"))
NETLIST_CASES = {
    "mcu": NetlistCase("mcu", {}, SAMPLES),
    # the same network with every MULT18X18D registering its operands too, as the generator builds networks of
    # more than WIDE_NETWORK_DSPS (too big to simulate at gate level): one cycle more per layer, the same outputs
    "mcu_mul2": NetlistCase("mcu", {}, MUL2_SAMPLES, mul_latency=2),
    # the same network with every synchronous set/reset in LUT logic (dffunmap), as make synth folds a big one
    "mcu_folded": NetlistCase("mcu", {}, SAMPLES, fold_sync_resets=True),
    # seed_po2's first 1x1 po2 pair: 1a baked into adder trees, 1b on po2_mul shifter lanes with its float32
    # rounding and ReLU, fed with what the model's first two layers make of the input (and full-range codes)
    "seed_po2_pair": NetlistCase("seed_po2", {"qconv_1_1a_po2": "baked"}, SAMPLES, layers=(2, 4)),
    # the whole seed_po2 network (both pairs, beside three MULT18X18D layers): the bigger netlist, on request
    "seed_po2": NetlistCase("seed_po2", {"qconv_1_1a_po2": "baked", "qconv_1_2a_po2": "baked"}, PO2_SAMPLES),
    # the scale family's largest member as the rate search builds it for 192 kHz (sim/network test_scale_network):
    # 142 MULT18X18D with both registers, two layers' taps streamed from tap rings, weight ROMs in DP16KD behind
    # the fabric register; on request
    "scale": NetlistCase("scale/scale_w112_l4", {}, SCALE_SAMPLES, mul_latency=2, rate_hz=192_000),
}


@dataclass
class NetlistBench:
    """Owns the netlist build, the stimulus and response files, the simulation run and the check."""

    manifest: NetworkManifest
    work: Path
    overrides: dict[str, object]
    samples: int
    mul_latency: int | None = None
    rate_hz: float | None = None
    fold_sync_resets: bool = False

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.fmt, self.out_fmt = self.manifest.input_format, self.manifest.output_format
        self.in_bits = self.manifest.input_channels * self.fmt.width
        self.out_bits = self.manifest.output_channels * self.out_fmt.width

    def build(self) -> Path:
        """yosys synth_ecp5 of the generated top, then `verilator --binary` of the bench around it."""
        if self.rate_hz is not None:
            part = Device("LFE5UM5G-85F")
            plan = choose_for_rate(self.manifest, self.rate_hz, 150, part.multipliers, part.part,
                                   block_ram_limit=part.block_rams).plan
        else:
            plan = plan_network(self.manifest, overrides=self.overrides, mul_latency=self.mul_latency)
        description = export_network(plan, self.work / "rtl").description
        self.implementations = {layer["name"]: layer.get("implementation") for layer in description["layers"]}
        gates = gate_level_sources(description, self.work / "netlist", self.fold_sync_resets)
        self.netlist = gates.netlist
        obj = self.work / "obj"
        command = [
            "verilator", "--binary", "-j", "2", "-Mdir", str(obj), "--top-module", "network_netlist_tb",
            "-o", "network_netlist_tb", f"-DDUT={description['top']}",
            f"-GIN_BITS={self.in_bits}", f"-GOUT_BITS={self.out_bits}", f"-GMAX_SAMPLES={self.samples * (1 + len(CORNERS))}",
            "--x-assign", "unique", "--x-initial", "unique", *gates.build_args,
            "-CFLAGS", "-std=c++20 -fcoroutines",  # the wheel's build config omits what --timing (the bench clock) needs
            *(f"-I{folder}" for folder in gates.include_dirs),
            str(HERE / "network_netlist_tb.sv"), *(str(source) for source in gates.sources),
        ]
        # The C++ of a flat netlist is huge and the run short: -O0 builds and runs the mcu netlist in 64 s,
        # the Verilated makefile's -Os in 101 s (91 s of it compiling), -O1 in 85 s (measured, one core).
        self._run(command, self.work / "build.log", "Verilator build of the netlist", UNOPTIMISED_FLAGS)
        return obj / "network_netlist_tb"

    def write_stimulus(self, sequences: list[np.ndarray]) -> Path:
        """One hex line per sample; the bit above the vector marks the first sample of a sequence."""
        lines = []
        for sequence in sequences:
            for index, vector in enumerate(sequence):
                lines.append(f"{(int(index == 0) << self.in_bits) | pack_vector(vector, self.fmt.width, self.fmt.signed):x}")
        path = self.work / "stimulus.hex"
        path.write_text("\n".join(lines) + "\n")
        return path

    def simulate(self, binary: Path, sequences: list[np.ndarray]) -> list[np.ndarray]:
        stimulus, response = self.write_stimulus(sequences), self.work / "response.hex"
        response.unlink(missing_ok=True)
        total = sum(len(sequence) for sequence in sequences)
        state_seed = derived_seed(f"initial-state-netlist-{self.manifest.name}") % (1 << 31) + 1
        log = self.work / "sim.log"
        self._run([str(binary), f"+STIMULUS={stimulus}", f"+RESPONSE={response}", f"+SAMPLES={total}",
                   "+verilator+rand+reset+2", f"+verilator+seed+{state_seed}"], log, "netlist simulation")
        errors = [line for line in log.read_text().splitlines() if "error" in line.lower()]
        assert not errors, f"netlist simulation of {self.manifest.name}: {errors[0]} (log: {log})"
        lines = response.read_text().split() if response.is_file() else []
        assert len(lines) == total, f"{self.manifest.name} netlist: {len(lines)} outputs for {total} inputs (log: {log})"
        codes = np.array([unpack_vector(int(line, 16), self.out_fmt.width, self.manifest.output_channels,
                                         self.out_fmt.signed)
                          for line in lines], dtype=np.int64)
        bounds = np.cumsum([0, *(len(sequence) for sequence in sequences)])
        return [codes[start:end] for start, end in zip(bounds[:-1], bounds[1:])]

    def check(self, names: list[str], sequences: list[np.ndarray], outputs: list[np.ndarray]) -> None:
        for name, inputs, actual in zip(names, sequences, outputs):
            assert_codes_equal(StreamingNetwork(self.manifest).run(inputs), actual,
                               what=f"{self.manifest.name} synth_ecp5 netlist vs golden, {name} input",
                               seed=base_seed(), width=self.out_fmt.width)

    def cell_count(self, cell: str) -> int:
        """Instances of an ECP5 primitive in the netlist (after build)."""
        return len(re.findall(rf"^\s*{cell}\s+#\(", self.netlist.read_text(), re.M))

    @staticmethod
    def _run(command: list[str], log: Path, what: str, make_flags: tuple[str, ...] = ()) -> None:
        env = verilator_environment(os.environ, object_cache=OBJECT_CACHE)
        env["MAKEFLAGS"] = " ".join([env.get("MAKEFLAGS", ""), *make_flags]).strip()
        run_tool(command, what=what, cwd=log.parent, env=env, log=log, tail_lines=12)


# make sim runs mcu (with either MULT18X18D register set) and seed_po2's first po2 pair; the whole seed_po2 netlist (250 MB of C++, over 10 minutes
# to build on 2 cores; passed: 1,500 outputs bit-exact) on request: NETLIST_MODELS="mcu seed_po2" make sim.
NETLIST_MODELS = os.environ.get("NETLIST_MODELS", "mcu mcu_mul2 mcu_folded seed_po2_pair").split()


@pytest.mark.parametrize("name", NETLIST_MODELS)
def test_network_netlist(name: str) -> None:
    assert name in NETLIST_CASES, f"NETLIST_MODELS: unknown case {name!r}; known: {', '.join(NETLIST_CASES)}"
    case = NETLIST_CASES[name]
    manifest, before = case.manifests()
    bench = NetlistBench(manifest, BUILD / "network_netlist" / name, case.overrides, case.samples, case.mul_latency,
                         case.rate_hz, case.fold_sync_resets)
    model = load_manifest(case.model_path)
    names = ["random", *CORNERS]
    sequences = [random_input(case.samples, manifest.input_channels, manifest.input_format,
                              derived_seed(f"netlist-random-{name}"))]
    for wave in CORNERS:
        waveform = network_input(wave, case.samples, model.input_channels, model.input_format,
                                 derived_seed(f"netlist-{wave}-{case.model}"))
        sequences.append(waveform if before is None else StreamingNetwork(before).run(waveform))
    if case.rate_hz is None:  # a random-code scale network's +-1 LSB weights never reach the range
        assert saturation_count(manifest, sequences[0]) > 0, f"{name}: the random stimulus never saturates a layer"
    binary = bench.build()
    # Where there are caches they must really be block RAM, or the DP16KD model is not what is being tested.
    if any(layer.kernel_size > 1 and layer.dilation > 1 for layer in manifest.layers):
        assert bench.cell_count("DP16KD") > 0, f"{name}: no DP16KD in the netlist ({bench.netlist})"
    # Every MULT18X18D registers its product, and its operands when the case asks: what runs here (a po2 pair
    # has no MULT18X18D).
    operands = "CLK0" if case.mul_latency == 2 else "NONE"
    registers = re.findall(r'\.REG_(INPUTA|INPUTB|OUTPUT)_CLK\("(\w+)"\)', bench.netlist.read_text())
    if bench.cell_count("MULT18X18D") > 0:
        assert registers and all(value == {"OUTPUT": "CLK0"}.get(port, operands) for port, value in registers), \
            (name, sorted(set(registers)))
    assert all(bench.implementations[layer] == value for layer, value in case.overrides.items()), bench.implementations
    if case.fold_sync_resets:  # what runs is folded: no flip-flop has an LSR net
        lsr = set(re.findall(r"\.LSR\(([^)]*)\)", bench.netlist.read_text())) - {"1'h0"}
        assert not lsr, sorted(lsr)
    bench.check(names, sequences, bench.simulate(binary, sequences))
