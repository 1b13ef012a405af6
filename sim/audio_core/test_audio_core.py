"""The audio core end to end: codec words in -> channel map -> network -> channel map -> codec words out.

The amaranth audio core (synth/board/audio/core.py) is converted to Verilog
and simulated with the generated network and the bench wrapper
(audio_core_tb.sv: the board's I/O registers and open-drain lines), two
unrelated clocks (audio at 256 fs, the network at the PLL's network clock),
and the AK4619 + PCA9557 model (simlib.ak4619) on the pins. The model checks
the codec's side of everything (PDN timing, I2C timing, the register set-up
for the measured clocks, TDM128 slot alignment every frame, SDIN1 padding);
the bench checks every DAC word of every frame against the golden path
(golden.audio.mapping + golden.network): DAC frame m carries ADC frame m - 2
(L = 2), and is 0 while muted.

Scenarios (one simulation each, same build): `stream` (real power-up timing,
a triangle with swept control voltages, input jack 1 pulled out and put back
mid-stream), `reset` (the button mid-stream: muted until the first output,
then exact from the restart), `nack` (the codec does not acknowledge for a
while: the core retries, counts, never hangs, and then plays).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge, Timer

from simlib.seed import base_seed, derived_seed

HERE = Path(__file__).parent
WORD_MASK = 0xFFFF
ALL_JACKS = 0x0F  # the four input jacks in


@dataclass
class FrameRecord:
    """What the core used for one ADC frame: taken at its frame strobe."""

    index: int  # the model's frame index (LRCK falling edges before the strobe, minus one)
    jack: int
    in_reset: bool


@dataclass
class AudioBench:
    """Owns the clocks, the codec model, the frame log and the golden check."""

    dut: object
    stimulus: dict
    records: list[FrameRecord] = field(default_factory=list)
    reset_frames: set[int] = field(default_factory=set)  # frames in which the button was pressed
    lrck_falls: int = 0

    def __post_init__(self) -> None:
        from simlib.ak4619 import Ak4619Model, CodecPins

        dut = self.dut
        self.fs = int(self.stimulus["fs_hz"])
        pins = CodecPins(pdn=dut.pdn, scl=dut.scl, sda=dut.sda, sda_pull=dut.sda_pull, mclk=dut.mclk,
                         bick=dut.bick, lrck=dut.lrck, sdin1=dut.sdin1, sdout1=dut.sdout1)
        self.model = Ak4619Model(pins, fs_hz=self.fs, jack=ALL_JACKS,
                                 register_access_ms=float(self.stimulus["access_wait_us"]) / 1000)
        dut.sda_pull.value = 0
        dut.sdout1.value = 0
        dut.soft_reset.value = 0
        dut.audio_rst.value = 1
        dut.rst.value = 1

    async def power_up(self) -> None:
        audio_ps = int(self.stimulus["audio_period_ps"])
        network_ps = int(self.stimulus["network_period_ps"])
        cocotb.start_soon(Clock(self.dut.audio_clk, audio_ps, unit="ps").start())
        await Timer(int(self.stimulus["network_phase_ps"]), unit="ps")  # the two clocks are unrelated
        cocotb.start_soon(Clock(self.dut.clk, network_ps, unit="ps").start())
        self.model.start()
        cocotb.start_soon(self._count_lrck())
        cocotb.start_soon(self._log_frames())
        await ClockCycles(self.dut.audio_clk, 4)
        await FallingEdge(self.dut.audio_clk)
        self.dut.audio_rst.value = 0
        await FallingEdge(self.dut.clk)
        self.dut.rst.value = 0

    async def _count_lrck(self) -> None:
        while True:
            await FallingEdge(self.dut.lrck)
            self.lrck_falls += 1

    async def _log_frames(self) -> None:
        while True:
            await RisingEdge(self.dut.frame)
            await FallingEdge(self.dut.audio_clk)  # mid-cycle: the values the core used in the strobe cycle
            self.records.append(FrameRecord(self.lrck_falls - 1, int(self.dut.jack.value) & 0xF,
                                            bool(self.dut.soft_reset.value)))
            if not self.stimulus.get("expect_late"):
                assert not int(self.dut.late.value), f"frame {self.lrck_falls - 1}: an output missed its DAC frame"
            assert not int(self.dut.overrun.value), f"frame {self.lrck_falls - 1}: the network missed a frame"

    async def wait_configured(self, timeout_ms: float = 40.0) -> None:
        for _ in range(int(timeout_ms * 10)):
            if self.model.configured and int(self.dut.configured.value) and self.records \
                    and self.records[-1].jack == self.model.jack & 0xF:
                return
            await Timer(100, unit="us")
        raise AssertionError(f"not configured after {timeout_ms} ms: core configured={int(self.dut.configured.value)}"
                             f", model configured={self.model.configured}, failures={int(self.dut.failures.value)}")

    async def replug(self, jack: int, frames: int) -> None:
        """Change the jacks, wait until the core has used the new state for `frames` frames."""
        self.model.jack = jack
        for _ in range(int(2 * self.fs * 1e-3) + 4):  # the core polls every millisecond
            await self.model.frames(1)
            if self.records and self.records[-1].jack == jack & 0xF:
                break
        else:
            raise AssertionError(f"jack state 0x{jack:02X} not used by the core within 2 ms")
        await self.model.frames(frames)
        assert self.records[-1].jack == jack & 0xF

    async def check_leds(self) -> None:
        """The level meters while audio plays: LED k is (red, green, blue) = (DAC slot k, ADC slot k, jack k).
        Input 0 carries the triangle and DAC slot 0 the network's output; DAC slot 3 is silent."""
        seen = 0
        for _ in range(2 * 256):
            await FallingEdge(self.dut.audio_clk)
            seen |= int(self.dut.leds.value)
        for bit, what in ((1, "LED 0 green (input 0's level)"), (0, "LED 0 red (output 0's level)")):
            assert seen >> bit & 1, f"{what} never lit while the triangle played"
        assert not seen >> 9 & 1, "LED 3 red lit: DAC slot 3 is silent"

    async def press_reset(self, frames: int) -> None:
        """The button for `frames` frames, pressed and released mid-frame (away from the strobe)."""
        await RisingEdge(self.dut.frame)
        await ClockCycles(self.dut.audio_clk, 128, rising=False)
        self.dut.soft_reset.value = 1
        self.reset_frames.add(self.lrck_falls - 1)
        for _ in range(frames):
            await RisingEdge(self.dut.frame)
        await ClockCycles(self.dut.audio_clk, 128, rising=False)
        self.dut.soft_reset.value = 0

    def check(self) -> int:
        """Every DAC frame the model received against the golden path; the number of frames compared."""
        from golden.audio.channel_map import load_channel_map
        from golden.audio.mapping import LATENCY_FRAMES, calibrated_samples, dac_words, network_inputs
        from golden.manifest import load_manifest
        from golden.network import StreamingNetwork

        manifest = load_manifest(self.stimulus["manifest"])
        channel_map = load_channel_map(self.stimulus["channel_map"])
        sent = {index: np.asarray(words, dtype=np.int64) for index, words in self.model.adc_frames}
        expected: dict[int, np.ndarray] = {}
        network = StreamingNetwork(manifest)
        fed_before = False
        for record in self.records:
            if record.in_reset:
                fed_before = False
                continue
            if not fed_before:
                network.reset()  # the first frame after power-on or a release starts from zero history
                fed_before = True
            words = sent.get(record.index, np.zeros(4, dtype=np.int64))[None, :]
            plugged = np.array([[(record.jack >> slot) & 1 for slot in range(4)]], dtype=bool)
            codes = network_inputs(channel_map, manifest.input_format, calibrated_samples(channel_map, words, plugged))
            outputs = network.step(codes[0])[None, :]
            expected[record.index + LATENCY_FRAMES] = dac_words(channel_map, outputs)[0]
        for frame in self.reset_frames:  # a reset in frame f loses the output due at the end of f
            expected.pop(frame + 1, None)
        compared, mismatches = 0, []
        first = min(index for index, _ in self.model.dac_frames)
        for index, words in self.model.dac_frames:
            want = expected.get(index, np.zeros(4, dtype=np.int64))  # muted: power-up, after a reset
            got = np.asarray(words, dtype=np.int64)
            compared += 1
            for slot in range(4):
                if int(got[slot]) != int(want[slot]):
                    mismatches.append(f"DAC frame {index} slot {slot}: expected {int(want[slot])} "
                                      f"(0x{int(want[slot]) & WORD_MASK:04X}), got {int(got[slot])} "
                                      f"(0x{int(got[slot]) & WORD_MASK:04X})")
        assert not mismatches, (f"{len(mismatches)} mismatching DAC words of {4 * compared} (frames {first}.."
                                f"{first + compared - 1}; seed {base_seed()}):\n" + "\n".join(mismatches[:20]))
        played = sum(1 for index, _ in self.model.dac_frames if index in expected)
        assert played >= int(self.stimulus["min_played"]), f"only {played} DAC frames carried network outputs"
        self.dut._log.info(f"{compared} DAC frames ({4 * compared} words) equal to golden; {played} carried "
                           f"network outputs, the rest muted")
        return compared


def load_stimulus() -> dict:
    """The scenario's settings (prepare() writes them): plain Python values."""
    with np.load(os.environ["AUDIO_STIMULUS"]) as data:
        return {key: data[key].item() for key in data.files}


def stimulus_words(frames: int, rng: np.random.Generator, period: float) -> np.ndarray:
    """ADC words of a triangle (slot 0) with two swept control voltages (slots 1 and 2) and noise on slot 3,
    as the codec delivers them: the inverting input stage makes each word the bitwise inverse of the level."""
    t = np.arange(frames)
    phase = (t / period) % 1.0
    triangle = 1.0 - 4.0 * np.abs(phase - 0.5)
    levels = np.stack([
        np.round(triangle * 16000),  # about 4 V peak
        np.round(np.linspace(-12000, 12000, frames)),  # the embedding x: a slow sweep
        np.round(12000 * np.sin(2 * np.pi * t / frames)),  # the embedding y
        rng.integers(-32768, 32768, frames),  # unused by the seeds' map: must not matter
    ], axis=1).astype(np.int64)
    levels[:3] += rng.integers(-3, 4, levels[:3].shape)  # a little noise in the low bits
    words = ~levels  # the inverting input stage
    return np.clip(words, -32768, 32767)


@cocotb.test()
async def stream(dut) -> None:
    bench = AudioBench(dut, load_stimulus())
    await bench.power_up()
    await bench.wait_configured()
    rng = np.random.default_rng(derived_seed(f"audio-stream-{bench.fs}"))
    frames = int(bench.stimulus["frames"])
    bench.model.queue_adc(stimulus_words(frames, rng, period=37.3))
    await bench.model.frames(frames // 4)
    await bench.replug(ALL_JACKS & ~0b0010, frames // 4)  # the embedding x cable pulled out: input 1 reads 0
    await bench.replug(ALL_JACKS, frames // 4)
    await bench.model.frames(frames // 4 + 8)
    await bench.check_leds()
    assert int(dut.failures.value) == 0, f"{int(dut.failures.value)} I2C failures with a codec that answers"
    bench.check()


@cocotb.test()
async def reset(dut) -> None:
    bench = AudioBench(dut, load_stimulus())
    await bench.power_up()
    await bench.wait_configured()
    rng = np.random.default_rng(derived_seed(f"audio-reset-{bench.fs}"))
    frames = int(bench.stimulus["frames"])
    bench.model.queue_adc(stimulus_words(frames, rng, period=23.0))
    writes = len(bench.model.writes)
    await bench.model.frames(frames // 3)
    await bench.press_reset(3)
    await bench.model.frames(frames // 3)
    await bench.press_reset(1)
    await bench.model.frames(frames - 2 * (frames // 3))
    assert len(bench.model.writes) == writes, "the button re-ran the codec set-up (it must reset the network only)"
    bench.check()


@cocotb.test()
async def nack(dut) -> None:
    bench = AudioBench(dut, load_stimulus())
    bench.model.acknowledge = False
    await bench.power_up()
    await Timer(15, unit="ms")  # the set-up window and a few retries pass unanswered
    failures = int(dut.failures.value)
    assert failures >= 2, f"the core counted {failures} failed set-up attempts with a codec that never answers"
    assert bench.model.nacked_addresses >= failures, "failures counted without a refused address"
    assert not int(dut.configured.value)
    bench.model.acknowledge = True
    await bench.wait_configured(timeout_ms=20)
    rng = np.random.default_rng(derived_seed(f"audio-nack-{bench.fs}"))
    frames = int(bench.stimulus["frames"]) // 4
    bench.model.queue_adc(stimulus_words(frames, rng, period=41.0))
    await bench.model.frames(frames + 4)
    bench.check()


@cocotb.test()
async def late(dut) -> None:
    """A network too slow for L = 2 (built past the planner's refusal): the core must say so, not play garbage."""
    bench = AudioBench(dut, load_stimulus())
    await bench.power_up()
    await bench.wait_configured()
    bench.model.queue_adc(stimulus_words(64, np.random.default_rng(derived_seed("audio-late")), period=19.0))
    await bench.model.frames(64)
    assert int(dut.late.value), "an output missed its DAC frame and the core did not raise `late`"
    assert not int(dut.overrun.value), "the network keeps the rate; only its latency is too long"
    words = [tuple(int(w) for w in frame) for _, frame in bench.model.dac_frames[-40:]]
    assert len(set(words)) > 1, "the DAC slots froze"


# --- pytest: one build per (model, rate), one simulation per scenario ------------------------------------------
RATES = [192000, 48000]
REAL_WAITS = {"pdn_low_us": 1000.0, "access_wait_us": 10000.0}  # the board's: PDN low 1 ms, register access 10 ms
# The gate-level run keeps every check but not the 11 ms of waiting (the netlist simulates far slower): the
# model is told the same shorter register access time, so it still checks that the core waits it out.
SHORT_WAITS = {"pdn_low_us": 20.0, "access_wait_us": 300.0}


@dataclass(frozen=True)
class AudioCoreBuild:
    sources: list[Path]
    work: Path
    stimulus: Path
    tag: str
    netlist: object = None  # synth.netlist_sim.GateLevelSources for a gate-level run


def build_audio_core(model: str, fs_hz: int, work: Path, waits: dict[str, float], for_yosys: bool,
                     network_max_mhz: float = 150.0, plan_budget: int | None = None):
    """Generate the network, elaborate the audio core; (sources, manifest path, AudioBuild). `for_yosys`: name
    the weight files relative to the repository, as the sandboxed yosys sees them (the simulator, run in the
    build folder, reads the generator's absolute paths)."""
    from golden.audio.channel_map import default_channel_map_path
    from golden.manifest import load_manifest
    from golden.rtlgen.top import export_network, plan_network
    from simlib.runner import REPO
    from synth.board.audio.build import plan_audio_build
    from synth.board.audio.core import AudioCore, StandaloneAudioCore
    from synth.board.core import NetworkPorts
    from synth.board.fallback_model import model_manifest
    from synth.board.verilog import to_verilog

    path, _ = model_manifest(model, work)
    manifest = load_manifest(path)
    build = plan_audio_build(manifest, fs_hz, network_max_mhz, 156, "LFE5UM5G-85F", default_channel_map_path())
    plan = build.choice.plan if plan_budget is None else plan_network(manifest, plan_budget)  # the latter: a test of
    description = export_network(plan, work / "rtl").description                               # the deadline monitor
    weights = {name: str(Path(value).relative_to(REPO)) for name, value in description["parameters"].items()
               if name.endswith("_FILE") and for_yosys}
    ports = NetworkPorts.from_description(description, weights)
    core = StandaloneAudioCore(AudioCore(ports, build.channel_map, manifest.input_format, manifest.output_format,
                                         build.register_rate_hz, build.pll.audio_mhz * 1e6,
                                         mclk_ratio=build.mclk_ratio, **waits))
    core_file = work / "audio_core.v"
    core_file.write_text(to_verilog(core, core.ports, "audio_core"))
    return [*map(Path, description["sources"]), core_file], path, build


def run_scenario(build: AudioCoreBuild, testcase: str) -> None:
    from cocotb_tools.runner import get_results, get_runner

    from simlib.runner import ASSERTION_ARGS, OBJECT_CACHE, PORTS_ONLY_ARGS, REPO
    from synth.toolchain import verilator_environment

    os.environ.update(verilator_environment(dict(os.environ), object_cache=OBJECT_CACHE))
    runner = get_runner("verilator")
    build_dir = build.work / "sim_build"
    waivers = ["-Wno-fatal", "-Wno-lint", "-Wno-style"]
    sources, includes = [*build.sources, HERE / "audio_core_tb.sv"], []
    if build.netlist is not None:
        sources = [*build.netlist.sources, HERE / "audio_core_tb.sv"]
        includes, waivers = build.netlist.include_dirs, build.netlist.build_args
    runner.build(sources=sources, includes=includes, hdl_toplevel="audio_core_tb", build_dir=build_dir,
                 build_args=["-O3", *waivers, "--x-assign", "unique", "--x-initial", "unique", *ASSERTION_ARGS,
                             *PORTS_ONLY_ARGS],
                 timescale=("1ns", "1ps"))
    state_seed = derived_seed(f"initial-state-audio-{build.tag}") % (1 << 31) + 1
    log = build_dir / f"{testcase}.log"
    results = runner.test(hdl_toplevel="audio_core_tb", test_module="test_audio_core", testcase=testcase,
                          test_dir=build_dir, build_dir=build_dir, log_file=log,
                          plusargs=["+verilator+rand+reset+2", f"+verilator+seed+{state_seed}"],
                          extra_env={"AUDIO_STIMULUS": str(build.stimulus)})
    tests, failed = get_results(results)
    if failed or tests != 1:
        lines = log.read_text(errors="replace").splitlines()
        raise AssertionError(f"audio core {build.tag} {testcase}: failed (log {log.relative_to(REPO)}):\n"
                             + "\n".join(lines[-60:]))


def prepare(model: str, fs_hz: int, frames: int, gate_level: bool = False, plan_budget: int | None = None,
            waits: dict[str, float] | None = None) -> AudioCoreBuild:
    from simlib.runner import BUILD
    from synth.netlist_sim import gate_level_design

    tag = f"{model}-{fs_hz}" + ("-netlist" if gate_level else "") + (f"-L{plan_budget}" if plan_budget else "")
    work = BUILD / "audio_core" / tag
    work.mkdir(parents=True, exist_ok=True)
    waits = waits or (SHORT_WAITS if gate_level else REAL_WAITS)
    sources, manifest_path, build = build_audio_core(model, fs_hz, work, waits, for_yosys=gate_level,
                                                     plan_budget=plan_budget)
    rng = np.random.default_rng(derived_seed(f"audio-clock-phase-{model}-{fs_hz}"))
    stimulus = work / "stimulus.npz"
    np.savez(stimulus, fs_hz=fs_hz, manifest=str(manifest_path), channel_map=str(build.channel_map_path),
             audio_period_ps=2 * round(0.5e12 / (build.pll.audio_mhz * 1e6)),  # even: cocotb's 50% duty
             network_period_ps=2 * round(0.5e12 / (build.pll.network_mhz * 1e6)),
             network_phase_ps=int(rng.integers(1, 5000)), frames=frames, min_played=frames // 2,
             access_wait_us=waits["access_wait_us"], expect_late=plan_budget is not None)
    netlist = gate_level_design("audio_core", sources, work / "netlist") if gate_level else None
    return AudioCoreBuild(sources, work, stimulus, tag, netlist)


@pytest.mark.parametrize("fs_hz", RATES)
def test_audio_core(fs_hz: int) -> None:
    build = prepare("fpga", fs_hz, frames=600)
    for scenario in ("stream", "reset", "nack"):
        run_scenario(build, scenario)


def test_audio_core_netlist() -> None:
    """The synthesised audio core (yosys synth_ecp5: the TDM master, codec control, crossings, channel map and
    the network as ECP5 cells) against the same codec model and the same golden check, at 192 kHz."""
    run_scenario(prepare("fpga", 192000, frames=240, gate_level=True), "stream")


def test_audio_core_deadline_monitor() -> None:
    """The planner refuses a network whose latency misses L = 2; built anyway (a per-layer plan of 897 cycles
    against a budget of 800 at 192 kHz), the core raises `late` and keeps playing."""
    from golden.manifest import load_manifest
    from golden.rtlgen.top import plan_network
    from simlib.runner import REPO
    from synth.board.audio.build import plan_audio_build
    from synth.board.audio.core import AudioDeadlineError, AudioTiming

    manifest = load_manifest(REPO / "golden" / "models" / "fpga.yaml")
    slow = plan_network(manifest, 400)
    build = plan_audio_build(manifest, 192000, 150.0, 156, "LFE5UM5G-85F",
                             REPO / "golden" / "audio" / "seeds_map.yaml")
    timing = AudioTiming(build.pll.audio_mhz * 1e6, build.pll.network_per_audio, slow.latency_cycles,
                         slow.cycles_per_sample)
    with pytest.raises(AudioDeadlineError, match="misses the DAC frame after next"):
        timing.check()
    run_scenario(prepare("fpga", 192000, frames=64, plan_budget=400, waits=SHORT_WAITS), "late")


def test_audio_core_seed_model() -> None:
    """The seeds' own QKeras model (trained in an ordinary float32 session, exported with its raw 39-bit output
    sum) through the instrument: the output map saturates a full-precision sum into the 16-bit DAC word."""
    run_scenario(prepare("seed_fpga", 192000, frames=300), "stream")
