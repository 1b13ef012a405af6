"""The generated network top, streamed and checked bit-exact against golden.network.StreamingNetwork.

Per model, golden.rtlgen.top (the library behind scripts/gen_network.py)
generates the top and weight files from the manifest. The stimulus plan is a
list of segments streamed one after another: every waveform class of
golden.waveshaping and full-range random inputs (saturation), SAMPLES each
for fpga and mcu and SAMPLES_OTHER for the other networks,
back to back at the maximum rate and with random gaps; single samples into an
empty pipeline; a stream cut by a reset while later layers are still busy,
after which the stream restarts from zero history. The golden streaming
network runs the same plan (reset where the plan resets) in a thread while
Verilator builds; the bench compares every output vector with it.

The bench measures the steady-state cycles between accepted samples at full
rate and the latency of isolated samples, asserts both equal the generated
JSON and writes them to build/sim/network/<model>/cycles.json.

Python never waits on every clock: the clock runs in the simulator, the
driver waits on in_ready_o's rising edge or a timer, the monitor on
out_valid_o's rising edge (one pulse per sample), and cycle numbers come from
simulation time.
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.triggers import First, RisingEdge, Timer

from golden import waveshaping
from golden.atomic import write_text_atomic
from golden.manifest import NetworkManifest, load_manifest, save_manifest
from golden.memfile import pack_vector, unpack_vector
from golden.kinds import Parallelism
from golden.network import StreamingNetwork, saturation_count
from golden.qformat import QFormat
from golden.rtlgen.pool import POOL_SIZES, PoolPlan
from golden.rtlgen.structure import plan_structure
from golden.rtlgen.top import WIDE_NETWORK_DSPS, NetworkPlan, export_network, plan_network
from golden.tests.network_cases import SHAPES, LayerShape, NetworkShape, random_manifest
from simlib.check import assert_codes_equal, assert_cycles
from simlib.clocked import CLOCK_NS, ClockedBench
from simlib.runner import BUILD, REPO, BlockRun
from simlib.seed import base_seed, derived_seed

MODELS_DIR = REPO / "golden" / "models"
# Per waveform class and of random input. The two named models get the full 10,000 (issue 3's
# regression); every other network shares their RTL and needs far fewer to use every weight and
# saturate every layer, and CI's whole `make test` has 20 minutes.
SAMPLES = int(os.environ.get("NETWORK_SAMPLES", "10000"))
SAMPLES_OTHER = int(os.environ.get("NETWORK_SAMPLES_OTHER", "1500"))
FULL_REGRESSION = ("fpga", "mcu")
ISOLATED = 4  # single samples into an empty pipeline, for the latency
GAP_PROBABILITY = 0.3
GOLDEN_WAIT_SECONDS = 900  # the bench waits this long for the golden thread's file
# Models generated with their 1x1 po2 layers in the baked implementation (rtl/po2_baked_conv.sv) instead of the
# generator's choice, so the regression streams both po2 cores: fpga_po2 keeps the lanes core (K=4 layers).
BAKED_MODELS = ("seed_po2",)
# Different channels, K = 3/2/1, dilations 2, 5 and 1, Q(12,8) and floor rounding.
ODD_SHAPE = NetworkShape(
    "odd", 5,
    (LayerShape(3, 6, 2), LayerShape(1, 7), LayerShape(2, 3, 5), LayerShape(3, 4, 1), LayerShape(1, 3, relu=False)),
    QFormat(12, 8), "trunc",
)


@dataclass(frozen=True)
class Segment:
    """Part of the stimulus plan. kind: 'full_rate' (back to back, interval measured), 'gaps',
    'isolated' (one sample at a time into an empty pipeline) or 'reset' (back to back, then reset)."""

    name: str
    kind: str
    inputs: np.ndarray


def stimulus_plan(manifest: NetworkManifest, samples_per_class: int = SAMPLES, restart_samples: int = 500
                  ) -> list[Segment]:
    channels, fmt = manifest.input_channels, manifest.input_format
    seed = derived_seed(f"network-stimulus-{manifest.name}")
    segments = []
    for index, wave in enumerate(waveshaping.WAVE_CLASSES):
        samples = waveshaping.network_input(wave, samples_per_class, channels, fmt, seed + index)
        kind = "full_rate" if index % 2 == 0 else "gaps"
        segments.append(Segment(f"{wave} {kind}", kind, samples))
    random = waveshaping.random_input(samples_per_class, channels, fmt, seed + 10)
    segments.append(Segment("random full_rate", "full_rate", random[: samples_per_class // 2]))
    segments.append(Segment("random gaps", "gaps", random[samples_per_class // 2:]))
    segments.append(Segment("isolated", "isolated", waveshaping.random_input(ISOLATED, channels, fmt, seed + 11)))
    # Long enough to fill every layer, short enough that samples are still in flight at the reset.
    cut = waveshaping.random_input(3 * len(manifest.layers), channels, fmt, seed + 12)
    segments.append(Segment("cut by reset", "reset", cut))
    restart = waveshaping.network_input("sine", restart_samples, channels, fmt, seed + 13)
    segments.append(Segment("sine after a mid-stream reset", "full_rate", restart))
    return segments


def write_golden(manifest: NetworkManifest, segments: list[Segment], path: Path) -> None:
    """Inputs and golden outputs of every segment in one .npz, plus the plan as JSON beside it."""
    golden = StreamingNetwork(manifest)
    arrays = {}
    for index, segment in enumerate(segments):
        arrays[f"inputs_{index}"] = segment.inputs
        arrays[f"expected_{index}"] = golden.run(segment.inputs)
        if segment.kind == "reset":
            golden.reset()
    temporary = path.with_name(path.name + ".partial.npz")
    np.savez(temporary, **arrays)
    os.replace(temporary, path)  # the bench waits for this name: it appears complete


class NetworkBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.info = json.loads(Path(os.environ["NETWORK_JSON"]).read_text())
        self.plan = json.loads(Path(os.environ["NETWORK_PLAN"]).read_text())
        self.layers = len(self.info["layers"])
        self.in_fmt, self.out_fmt = self.info["input_format"], self.info["output_format"]
        self.width, self.out_channels = self.out_fmt["width"], self.info["output_channels"]
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"network-gaps-{self.info['model']}"))
        self.outputs: list[tuple[int, np.ndarray]] = []  # (cycle, vector) per out_valid_o pulse
        self.max_latency = 0
        dut.in_valid_i.value = 0
        dut.in_data_i.value = 0
        dut._log.info("network %s: %d layers, input %s, output %s, JSON says %d cycles/sample, latency %d; SIM_SEED=%d",
                      self.info["model"], self.layers, self.in_fmt, self.out_fmt,
                      self.info["cycles_per_sample"], self.info["latency_cycles"], self.seed)

    def golden(self) -> dict[str, np.ndarray]:
        """The golden thread's file (it runs while Verilator builds; usually long done)."""
        path = Path(os.environ["NETWORK_GOLDEN"])
        deadline = time.monotonic() + GOLDEN_WAIT_SECONDS
        failure = path.with_name(path.name + ".error")
        while not path.exists():
            if failure.exists():
                raise AssertionError(f"the golden model failed: {failure.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"golden outputs {path} did not appear within {GOLDEN_WAIT_SECONDS} s")
            time.sleep(0.2)
        with np.load(path) as data:
            return {name: data[name] for name in data.files}

    async def monitor(self) -> None:
        while True:
            # The callback runs after the clock edge's evaluation: out_data_o is already the new value.
            await RisingEdge(self.dut.out_valid_o)
            vector = unpack_vector(int(self.dut.out_data_o.value), self.width, self.out_channels,
                                   self.out_fmt["signed"])
            self.outputs.append((self.sim_cycle(), vector))

    # Timing discipline: the driver acts only at falling-edge times (half a period from
    # every rising edge, where inputs are sampled) and moves with Timers and in_ready_o's
    # rising edge, never with a wake-up per clock. FallingEdge triggers are not mixed in:
    # on a falling-edge time a Timer may run before or after the clock toggles.

    async def send(self, vector: np.ndarray) -> int:
        """At a falling-edge time: offer `vector` until accepted; returns the accept cycle.

        Returns at the falling-edge time after the accepting clock edge."""
        self.dut.in_data_i.value = pack_vector(vector, self.in_fmt["width"], self.in_fmt["signed"])
        self.dut.in_valid_i.value = 1
        if self.dut.in_ready_o.value == 1:  # registered: stable for the whole cycle
            accepted = self.sim_cycle()
            await Timer(CLOCK_NS, unit="ns")
        else:
            # just after clock edge m: high for cycle m. A network that never takes the sample again is a
            # hang: fail within the drain bound rather than at the simulation's own time limit, minutes later.
            rose = RisingEdge(self.dut.in_ready_o)
            if await First(rose, Timer(self.drain_bound * CLOCK_NS, unit="ns")) is not rose:
                raise AssertionError(f"in_ready_o stayed low for {self.drain_bound} cycles from cycle "
                                     f"{self.sim_cycle() - self.drain_bound}: the network stalled "
                                     f"({len(self.outputs)} outputs so far, seed {self.seed})")
            accepted = self.sim_cycle()
            await Timer(CLOCK_NS * 3 // 2, unit="ns")
        return accepted

    async def idle(self, cycles: int) -> None:
        self.dut.in_valid_i.value = 0
        await Timer(cycles * CLOCK_NS, unit="ns")

    @property
    def drain_bound(self) -> int:
        """Cycles within which the last accepted sample must come out: latency plus queued samples."""
        return self.info["latency_cycles"] + 4 * self.info["cycles_per_sample"] * self.layers

    async def drain(self, count: int) -> None:
        """Wait until `count` outputs are in (a lost output fails instead of hanging), then a little more."""
        for _ in range(4):
            if len(self.outputs) >= count:
                break
            await self.idle(self.drain_bound // 4 + 1)
        await self.idle(2 * self.info["cycles_per_sample"])  # an extra output would show

    async def stream(self, name: str, inputs: np.ndarray, expected: np.ndarray, gaps: bool) -> list[int]:
        """Stream `inputs` from the current state; every output must equal `expected`."""
        first = len(self.outputs)
        accepts = []
        for vector in inputs:
            if gaps and self.rng.random() < GAP_PROBABILITY:
                await self.idle(int(self.rng.integers(1, 2 * self.info["cycles_per_sample"])))
            accepts.append(await self.send(vector))
        await self.drain(first + len(inputs))
        got = self.outputs[first:]
        assert len(got) == len(inputs), f"{name}: {len(got)} outputs for {len(inputs)} accepted inputs"
        assert_codes_equal(expected, np.array([vector for _, vector in got]), what=f"network {name}",
                           seed=self.seed, width=self.width)
        latencies = [cycle - accept for (cycle, _), accept in zip(got, accepts)]
        assert min(latencies) >= self.info["latency_cycles"], f"{name}: an output came sooner than the latency"
        self.max_latency = max(self.max_latency, max(latencies))
        return accepts

    async def full_rate_interval(self, name: str, inputs: np.ndarray, expected: np.ndarray) -> int:
        """Back to back; every accept interval after the pipeline has filled must be the same."""
        accepts = await self.stream(name, inputs, expected, gaps=False)
        settled = sorted(set(int(v) for v in np.diff(accepts)[len(accepts) // 4:]))
        assert len(settled) == 1, f"{name}: steady-state accept intervals vary: {settled}"
        return settled[0]

    async def isolated_latency(self, inputs: np.ndarray, expected: np.ndarray) -> int:
        """One sample at a time into an empty pipeline: the same latency every time."""
        measured = set()
        for index, vector in enumerate(inputs):
            first = len(self.outputs)
            accept = await self.send(vector)
            await self.drain(first + 1)
            assert len(self.outputs) == first + 1, f"isolated sample {index}: {len(self.outputs) - first} outputs"
            cycle, got = self.outputs[first]
            assert_codes_equal(expected[index], got, what=f"network isolated sample {index}", seed=self.seed,
                               width=self.width)
            measured.add(cycle - accept)
        assert len(measured) == 1, f"isolated-sample latency varies: {sorted(measured)}"
        return measured.pop()

    async def cut_by_reset(self, inputs: np.ndarray, expected: np.ndarray) -> None:
        """Back to back, then reset with samples in flight: they vanish; what came out before matched."""
        first = len(self.outputs)
        for vector in inputs:
            await self.send(vector)
        self.dut.in_valid_i.value = 0
        self.dut.rst_i.value = 1
        reset_cycle = self.sim_cycle()
        await self.idle(2)
        self.dut.rst_i.value = 0
        await self.idle(1)  # in_ready_o follows rst_i combinationally: let it settle
        done = self.outputs[first:]
        assert len(done) < len(inputs), "reset mid-stream: the pipeline was already empty, so this tested nothing"
        assert_codes_equal(expected[:len(done)], np.array([v for _, v in done]).reshape(-1, expected.shape[1]),
                           what="network before a mid-stream reset", seed=self.seed, width=self.width)
        assert all(cycle <= reset_cycle for cycle, _ in done), "an output appeared during reset"
        await self.idle(self.drain_bound)
        late = len(self.outputs) - first - len(done)
        assert late == 0, f"{late} outputs of samples cancelled by the reset came out after it"


@cocotb.test(timeout_time=3000, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_network(dut):
    tb = NetworkBench(dut)
    await tb.start(fast=True)
    await tb.idle(1)  # in_ready_o follows rst_i combinationally: let it settle before driving
    cocotb.start_soon(tb.monitor())
    golden = tb.golden()
    interval = latency = None
    for index, segment in enumerate(tb.plan):
        name, kind = segment["name"], segment["kind"]
        inputs, expected = golden[f"inputs_{index}"], golden[f"expected_{index}"]
        if kind == "full_rate":
            measured = await tb.full_rate_interval(name, inputs, expected)
            assert interval in (None, measured), f"{name}: steady-state interval {measured}, earlier {interval}"
            interval = measured
        elif kind == "gaps":
            await tb.stream(name, inputs, expected, gaps=True)
        elif kind == "isolated":
            latency = await tb.isolated_latency(inputs, expected)
        elif kind == "reset":
            await tb.cut_by_reset(inputs, expected)
        else:
            raise ValueError(f"unknown segment kind {kind!r}")
    assert_cycles(tb.info["cycles_per_sample"], interval, what="network steady-state cycles per sample")
    assert_cycles(tb.info["latency_cycles"], latency, what="network latency of an isolated sample")
    result = {"model": tb.info["model"], "top": tb.info["top"], "cycles_per_sample": interval,
              "latency_cycles": latency, "max_latency_cycles_at_full_rate": tb.max_latency,
              "dsp_count": tb.info["dsp_count"], "multipliers": tb.info["multipliers"],
              "samples_compared": int(sum(len(golden[f"inputs_{i}"]) for i in range(len(tb.plan))))}
    write_text_atomic(Path(os.environ["CYCLES_JSON"]), json.dumps(result, indent=2) + "\n")
    dut._log.info("network %s: %d cycles per sample, latency %d cycles (max %d at full rate), %d multipliers, "
                  "%d samples compared", tb.info["model"], interval, latency, tb.max_latency,
                  tb.info["multipliers"], result["samples_compared"])


def model_manifest(model: str, folder: Path) -> Path:
    """The committed model if it exists, else random weights of its shape written to `folder`."""
    committed = MODELS_DIR / f"{model}.yaml"
    if committed.exists():
        return committed
    shape = ODD_SHAPE if model == "odd" else next(s for s in SHAPES if s.name == model)
    rng = np.random.default_rng(derived_seed(f"network-weights-{model}"))
    manifest = random_manifest(shape, rng, weight_bits=shape.fmt.frac + 1)  # |w| <= 1: not all saturated
    return save_manifest(manifest, folder / f"{model}.yaml")


class GoldenThread(threading.Thread):
    """The golden plan run beside the Verilator build (the build waits in subprocesses, not in Python)."""

    def __init__(self, manifest: NetworkManifest, segments: list[Segment], path: Path):
        super().__init__(daemon=True)
        self.args_ = (manifest, segments, path)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            write_golden(*self.args_)
        except BaseException as error:  # handed to the test, which re-raises it; the bench stops waiting
            self.error = error
            path = self.args_[2]
            write_text_atomic(path.with_name(path.name + ".error"), f"{type(error).__name__}: {error}")


@pytest.mark.parametrize("model", ["fpga", "mcu", "odd", "seed_fpga", "mixed", "seed_po2", "fpga_po2"])
def test_network(model: str) -> None:
    folder = BUILD / "network" / model
    folder.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(model_manifest(model, folder))
    overrides = {layer.name: "baked" for layer in manifest.layers if layer.kind == "po2" and layer.kernel_size == 1} \
        if model in BAKED_MODELS else {}
    plan = plan_network(manifest, overrides=overrides)
    implementations = {layer.name: layer.implementation for layer in plan.layers}
    assert all(implementations[name] == "baked" for name in overrides) and (overrides or model not in BAKED_MODELS), \
        f"{model}: expected baked po2 layers, got {implementations}"
    stream_case(model, manifest, plan, folder, SAMPLES if model in FULL_REGRESSION else SAMPLES_OTHER)


# A network wider than WIDE_NETWORK_DSPS MULT18X18D (golden.rtlgen.top): the default model at 15 cycles per sample,
# 122 multipliers with two register stages each (operands and product), one cycle more latency per layer.
WIDE_SAMPLES = int(os.environ.get("WIDE_SAMPLES", "150"))  # per waveform class and of random input


def test_wide_network() -> None:
    folder = BUILD / "network" / "fpga-wide15"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(model_manifest("fpga", folder))
    plan = plan_network(manifest, 15)
    assert plan.dsp_count > WIDE_NETWORK_DSPS and {lp.setting.mul_latency for lp in plan.layers} == {2}, plan
    stream_case("fpga-wide15", manifest, plan, folder, WIDE_SAMPLES)


# Streamed taps (rtl/tap_ring.sv, rtl/conv1d.sv X_STREAM): every layer forced to read its taps chunk by chunk
# from block RAM, whatever its size (the generator streams tap vectors of golden.kinds.conv1d.STREAM_MIN_TAP_BITS
# and more, only the scale family's here). LANES per case: chunks that pad each tap (16 channels in 3s, 4 in 3s,
# 5 and 7 in 2s), a whole tap per chunk (G = 1), and K = 1 layers; the models' trained weights make every tap
# count (the scale family's +-1 LSB random codes barely do).
STREAM_SAMPLES = int(os.environ.get("STREAM_SAMPLES", "150"))  # per waveform class and of random input
# mcu's stages run at 7 to 16 cycles before its slowest (24): its layers' result slots take ~80 samples to fill,
# and the accept interval must have settled by a quarter of each stream (NetworkBench.full_rate_interval)
STREAM_CASES = [("fpga", 3, 2, STREAM_SAMPLES), ("seed_fpga", 16, 1, STREAM_SAMPLES), ("mcu", 2, 3, 3 * STREAM_SAMPLES),
                ("odd", 2, 1, STREAM_SAMPLES)]


@pytest.mark.parametrize(("model", "lanes", "cols", "samples"), STREAM_CASES)
def test_streamed_network(model: str, lanes: int, cols: int, samples: int) -> None:
    folder = BUILD / "network" / f"{model}-stream{lanes}x{cols}"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(model_manifest(model, folder))
    overrides = {layer.name: Parallelism(min(lanes, layer.in_channels), min(cols, layer.out_channels), stream=True)
                 for layer in manifest.layers}
    plan = plan_network(manifest, overrides=overrides)
    assert all(lp.tap_source == "tap_ring" for lp in plan.layers), [lp.tap_source for lp in plan.layers]
    stream_case(f"{model}-stream{lanes}x{cols}", manifest, plan, folder, samples)


# The scale family's largest member (golden/models/scale, issue 23): 102,592 multiply-accumulates per sample, the
# plan the rate search picks for 192 kHz at 150 MHz on the 85F (142 MULT18X18D with both registers, its two
# 112-channel layers' taps streamed from tap rings, weight ROMs in block RAM behind the fabric register, 150
# DP16KD). A short stream (~1,300 samples, ~780 cycles each: the Verilator
# build is the cost, the run takes seconds), long enough per full-rate segment for backpressure from the slowest
# layer to settle the accept interval: cycles and latency are asserted as for every network. Its gate-level
# netlist: sim/network_netlist, NETLIST_MODELS=scale.
SCALE_SAMPLES = int(os.environ.get("SCALE_SAMPLES", "160"))  # per class and of random input: fills the pipeline


def test_scale_network() -> None:
    from golden.rtlgen.rate import choose_for_rate
    from synth.devices import Device

    part = Device("LFE5UM5G-85F")
    folder = BUILD / "network" / "scale_w112_l4"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(REPO / "golden" / "models" / "scale" / "scale_w112_l4.yaml")
    plan = choose_for_rate(manifest, 192_000, 150, part.multipliers, part.part, block_ram_limit=part.block_rams).plan
    assert manifest.macs_per_sample >= 100_000 and isinstance(plan, NetworkPlan), plan
    stream_case("scale_w112_l4", manifest, plan, folder, SCALE_SAMPLES, restart_samples=SCALE_SAMPLES, saturates=False)


# Graph networks (manifest version 3): a gated residual stack with a skip sum (golden/tests/graph_cases.py), the
# join kinds' cores behind forks, branch-alignment FIFOs and joins. Two settings: every conv on one lane, so the
# branches differ by hundreds of cycles and the FIFOs are deep; and the fastest settings, where the joins' own
# intervals set the rate. Cycles and latency are asserted as for every network, and the generated top asserts that
# no FIFO is ever full while offered a word (the generator's sizes).
GRAPH_SAMPLES = int(os.environ.get("GRAPH_SAMPLES", "120"))


@pytest.mark.parametrize("budget", [None, 10])
def test_graph_network(budget: int | None) -> None:
    from golden.tests.graph_cases import gated_residual

    folder = BUILD / "network" / f"graph-{budget or 'slow'}"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = gated_residual(np.random.default_rng(derived_seed("graph-network")), channels=3, blocks=3,
                              input_channels=3)  # the waveshaping stimulus drives 3 channels
    save_manifest(manifest, folder / "graph.yaml")
    plan = plan_network(manifest, cycles_per_sample=budget) if budget else plan_network(
        manifest, overrides={layer.name: Parallelism(1, 1) for layer in manifest.layers})
    stream_case(f"graph-{budget or 'slow'}", manifest, plan, folder, GRAPH_SAMPLES, restart_samples=GRAPH_SAMPLES,
                saturates=False)


# The trained WaveNet (golden/frontend/wavenet.py, make model): 10 gated residual layers with skips and a ReLU
# head, 82 manifest layers, as `make synth RATE=192000` builds it (the rate plan, 225 cycles per sample).
WAVENET_SAMPLES = int(os.environ.get("WAVENET_SAMPLES", "160"))  # per waveform class and of random input


def test_wavenet() -> None:
    from golden.rtlgen.rate import choose_for_rate
    from synth.devices import Device

    part = Device("LFE5UM5G-85F")
    folder = BUILD / "network" / "wavenet"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(MODELS_DIR / "wavenet.yaml")
    plan = choose_for_rate(manifest, 192_000, 150, part.multipliers, part.part, block_ram_limit=part.block_rams).plan
    assert not manifest.is_chain and {layer.kind for layer in manifest.layers} >= {"add", "multiply"}
    stream_case("wavenet", manifest, plan, folder, WAVENET_SAMPLES, restart_samples=WAVENET_SAMPLES, saturates=False)


# The shared multiplier pool (golden/rtlgen/pool.py, rtl/pool_network.sv): the same bench, bit-exact against
# the same golden network. Shorter streams (the pool takes ~K*IN*OUT/P cycles per sample). Each case is its own
# Verilator build (~10 s with the object cache warm, longer on a clean checkout), so `make sim` runs a covering subset: the default model at 192 kHz on 150 MHz
# (P=2, three K=4 layers) and at 512 cycles (P=4), mcu on P=3 (1x1 layers that wait for their inputs, beats
# across taps), the seeds' float32 ReLU and full-precision 39-bit output on one lane, and one layer on the
# widest pool (P=8, two beats per output: a tap-0 read one cycle before the next sample's input is written). POOL_MATRIX=full runs every model at every pool
# size, including the network of three output formats whose beats cross taps (5 and 6 channels on 3 lanes).
POOL_SAMPLES = int(os.environ.get("POOL_SAMPLES", "150"))  # per waveform class and of random input
POOL_MODELS = ["fpga", "mcu", "odd", "seed_fpga", "single", "mixed"]  # the stimulus needs >= 3 inputs
POOL_CASES = ([(model, pool) for model in POOL_MODELS for pool in POOL_SIZES]
              if os.environ.get("POOL_MATRIX") == "full" else
              [("fpga", 2), ("fpga", 4), ("mcu", 3), ("seed_fpga", 1), ("single", 8)])


@pytest.mark.parametrize(("model", "pool"), POOL_CASES)
def test_pooled_network(model: str, pool: int) -> None:
    folder = BUILD / "network" / f"{model}-pool{pool}"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(model_manifest(model, folder))
    plan = plan_structure(manifest, structure="shared", pool=pool)
    stream_case(f"{model}-pool{pool}", manifest, plan, folder, POOL_SAMPLES)


def stream_case(case: str, manifest: NetworkManifest, plan: NetworkPlan | PoolPlan, folder: Path,
                samples_per_class: int, restart_samples: int = 500, saturates: bool = True) -> None:
    """Generate `plan` into folder/rtl, stream the stimulus plan through it, compare with golden. `saturates`:
    the full-range random stimulus must drive some layer into saturation (False for random-code networks,
    whose +-1 LSB weights never reach the range)."""
    model = case
    exported = export_network(plan, folder / "rtl")
    segments = stimulus_plan(manifest, samples_per_class, restart_samples)
    random = np.concatenate([s.inputs for s in segments if s.name.startswith("random")])
    if saturates:
        assert saturation_count(manifest, random) > 0, f"{model}: the full-range random stimulus never saturates a layer"
    plan_file = write_text_atomic(folder / "plan.json",
                                  json.dumps([{"name": s.name, "kind": s.kind} for s in segments], indent=1))
    golden_file = folder / "golden.npz"
    golden_file.unlink(missing_ok=True)
    golden_file.with_name(golden_file.name + ".error").unlink(missing_ok=True)
    worker = GoldenThread(manifest, segments, golden_file)
    worker.start()
    run = BlockRun(
        toplevel=exported.description["top"],
        modules=[],
        test_module="test_network",
        parameters={},
        env={"PARAM_MODEL": model, "NETWORK_JSON": exported.json_file, "NETWORK_PLAN": plan_file,
             "NETWORK_GOLDEN": golden_file, "CYCLES_JSON": folder / "cycles.json"},
        sources=[Path(path) for path in exported.description["sources"]],
        optimised_cxx=True,  # a long stream: the simulation, not the build, dominates
    )
    try:
        run.run()
    finally:
        worker.join()
    if worker.error is not None:
        raise worker.error
