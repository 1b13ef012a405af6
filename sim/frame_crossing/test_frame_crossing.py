"""FrameCrossing (synth/board/audio/frame_crossing.py) between two unrelated, jittery clocks.

The amaranth block is converted to Verilog inside a wrapper with plain ports
(src_* in the source domain, tgt_* in the target domain) and simulated with
Verilator. Each clock is a Python coroutine: its own period (the pairs below are
nudged off any integer ratio, so the edges drift through every phase relation),
a random start phase and a random jitter on every half period. Source edges fall
on even picoseconds and target edges on odd ones, so no two ever coincide.

Checks, per clock pair:
* >= 500 random 64-bit vectors at exactly `min_interval` source cycles, then
  >= 500 at random intervals from `min_interval` up: every vector arrives
  exactly once, in order, unchanged, and `too_fast` stays low;
* 300 more at the simulator's own bound, tighter than `min_interval`: a
  simulated first synchroniser flop never misses a change (no metastability,
  no coinciding edges), so the round trip here is the analysis of
  `min_interval` minus the edge a real flop may miss on each side and the
  margin. Any latency beyond the analysis (an extra register on either path)
  makes this phase overrun, which the legal phases alone would not show;
* at every target edge, o_data changes only with o_stb (or to 0 in a target reset);
* strobes too fast: bursts whose second strobe follows the first by one cycle.
  What arrives is an in-order subsequence of the burst starting with its first
  vector, never a mix, and `too_fast` is high exactly when something was dropped;
  a source reset clears it;
* either domain reset on its own while idle: no spurious strobe, and the stream
  resumes intact.
Mismatches name the index, expected and actual vector (hex and decimal) and the seed.
"""
from __future__ import annotations

import os
from pathlib import Path

import cocotb
import numpy as np
import pytest
from amaranth import ClockDomain, ClockSignal, Elaboratable, Module, ResetSignal, Signal
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge, Timer
from cocotb.utils import get_sim_time

from golden.compare import format_code
from simlib.seed import base_seed, derived_seed
from synth.board.audio.frame_crossing import FrameCrossing, min_interval

WIDTH = 64  # four 16-bit audio channels
JITTER = 0.005  # each half period varies by up to +-0.5 %
# name: (source period, target period) in ps. The nominal clocks (49.152, 147.5, 12.288, 147, 49 MHz),
# each nudged a few hundred ppm so no pair has an integer ratio; multiples of 4 ps, so both half periods are
# even and a clock started on an odd picosecond stays on odd ones.
CLOCK_PAIRS: dict[str, tuple[int, int]] = {
    "49M152_to_147M5": (20344, 6780),
    "49M152_to_12M288": (20344, 81392),
    "147M_to_49M": (6804, 20416),
}
TIGHT_VECTORS = 300
LEGAL_VECTORS = 600  # per legal phase
BURSTS = 40
TAIL_VECTORS = 100  # after the resets


def report(what: str, index: int, expected: int | None, actual: int | None) -> str:
    shown = {key: "nothing" if value is None else format_code(value, WIDTH)
             for key, value in (("expected", expected), ("actual", actual))}
    return f"{what}: vector [{index}] expected {shown['expected']}, actual {shown['actual']} [seed {base_seed()}]"


class CrossingBench:
    def __init__(self, dut):
        self.dut = dut
        self.source_ps, self.target_ps = int(os.environ["SOURCE_PS"]), int(os.environ["TARGET_PS"])
        self.interval = min_interval(1e12 / self.source_ps, 1e12 / self.target_ps)
        # The simulator's bound: the toggle is taken <= 3 target periods after its source edge (stages + the
        # load; no missed edge), the first source edge after that and the 2 stages of the acknowledge follow,
        # and the next i_stb is taken on the edge after those. Periods at their jittered extremes.
        slowest_target, fastest_source = self.target_ps * (1 + JITTER), self.source_ps * (1 - JITTER)
        self.tight_interval = int(3 * slowest_target // fastest_source) + 3
        self.rng = np.random.default_rng(derived_seed(f"frame-crossing-{os.environ['SIM_TAG']}"))
        self.received: list[int] = []
        dut.src_stb.value = 0
        dut.src_data.value = 0
        dut.src_rst.value = 1
        dut.tgt_rst.value = 1

    def vector(self) -> int:
        return int.from_bytes(self.rng.bytes(WIDTH // 8), "little")

    async def clock(self, signal, period_ps: int, parity: int) -> None:
        """A free-running clock with a random start phase and per-half-period jitter (up to JITTER / 2 of the
        period each), every edge on a picosecond of the given parity."""
        assert period_ps % 4 == 0, f"clock period {period_ps} ps: a multiple of 4 keeps the edges' parity"
        signal.value = 0
        await Timer(2 * int(self.rng.integers(1, period_ps // 2)) + parity, unit="ps")
        half = period_ps // 2
        steps = int(period_ps * JITTER / 4)  # jitter in 2 ps steps
        while True:
            signal.value = 1
            await Timer(half + 2 * int(self.rng.integers(-steps, steps + 1)), unit="ps")
            signal.value = 0
            await Timer(half + 2 * int(self.rng.integers(-steps, steps + 1)), unit="ps")

    async def start(self) -> None:
        cocotb.start_soon(self.clock(self.dut.src_clk, self.source_ps, parity=0))
        cocotb.start_soon(self.clock(self.dut.tgt_clk, self.target_ps, parity=1))
        await ClockCycles(self.dut.src_clk, 3, rising=False)
        self.dut.src_rst.value = 0
        await ClockCycles(self.dut.tgt_clk, 3, rising=False)
        self.dut.tgt_rst.value = 0
        cocotb.start_soon(self.monitor())

    async def monitor(self) -> None:
        """At every target edge: record strobed vectors; o_data may change only with o_stb (or reset)."""
        last = int(self.dut.tgt_data.value)
        while True:
            await RisingEdge(self.dut.tgt_clk)
            await ReadOnly()
            data, stb = int(self.dut.tgt_data.value), int(self.dut.tgt_stb.value)
            if int(self.dut.tgt_rst.value):  # the reset sampled at this edge
                assert (data, stb) == (0, 0), f"target reset: o_data {data:#x}, o_stb {stb} (expected 0, 0)"
            elif stb:
                self.received.append(data)
            else:
                assert data == last, (f"o_data changed without o_stb at {get_sim_time('ns'):.1f} ns: "
                                      + report("held output", len(self.received) - 1, last, data))
            last = data

    async def send(self, gaps: list[int]) -> list[int]:
        """One random vector per entry, each `gap` source cycles after the previous strobe; the vectors.

        Between strobes i_data carries random garbage, so a target that took i_data (not the held
        vector) or a source that registered it without i_stb would show up as a mismatch."""
        sent = []
        for gap in gaps:
            for cycle in range(gap):
                await FallingEdge(self.dut.src_clk)
                if cycle < gap - 1:
                    self.dut.src_stb.value = 0
                    self.dut.src_data.value = self.vector()
            sent.append(self.vector())
            self.dut.src_stb.value = 1
            self.dut.src_data.value = sent[-1]
        await FallingEdge(self.dut.src_clk)
        self.dut.src_stb.value = 0
        return sent

    async def settle(self) -> None:
        """Long enough for the last vector to arrive and its acknowledge to return."""
        await ClockCycles(self.dut.src_clk, 4 * self.interval, rising=False)

    async def reset(self, clock, reset) -> None:
        await FallingEdge(clock)
        reset.value = 1
        await ClockCycles(clock, 2, rising=False)
        reset.value = 0
        await ClockCycles(clock, 2, rising=False)

    def check_all_arrived(self, what: str, sent: list[int]) -> None:
        received, self.received = self.received, []
        for index in range(max(len(sent), len(received))):
            expected = sent[index] if index < len(sent) else None
            actual = received[index] if index < len(received) else None
            assert expected == actual, report(f"{what} ({len(sent)} sent, {len(received)} received)", index,
                                              expected, actual)

    def check_too_fast(self, expected: int, what: str) -> None:
        actual = int(self.dut.src_too_fast.value)
        assert actual == expected, f"{what}: too_fast is {actual}, expected {expected} [seed {base_seed()}]"


@cocotb.test(timeout_time=2, timeout_unit="sec")
async def run_crossing(dut):
    tb = CrossingBench(dut)
    dut._log.info("source %d ps, target %d ps: min_interval %d source cycles (simulator bound %d), SIM_SEED=%d",
                  tb.source_ps, tb.target_ps, tb.interval, tb.tight_interval, base_seed())
    await tb.start()
    await ClockCycles(dut.src_clk, 10)

    # 1. back to back at the minimum legal interval
    sent = await tb.send([tb.interval] * LEGAL_VECTORS)
    await tb.settle()
    tb.check_all_arrived("at min_interval", sent)
    tb.check_too_fast(0, "at min_interval")

    # 2. random legal intervals, now and then a long pause
    gaps = [int(g) for g in tb.rng.integers(tb.interval, 4 * tb.interval, LEGAL_VECTORS)]
    for index in tb.rng.integers(0, LEGAL_VECTORS, LEGAL_VECTORS // 20):
        gaps[index] = 20 * tb.interval
    sent = await tb.send(gaps)
    await tb.settle()
    tb.check_all_arrived("random intervals", sent)
    tb.check_too_fast(0, "random intervals")

    # 2b. at the simulator's bound (no missed edge, no margin): no latency beyond the analysis
    sent = await tb.send([tb.tight_interval] * TIGHT_VECTORS)
    await tb.settle()
    tb.check_all_arrived(f"at the simulator's bound of {tb.tight_interval} cycles", sent)
    tb.check_too_fast(0, f"at the simulator's bound of {tb.tight_interval} cycles (latency beyond the analysis)")

    # 3. too fast: a burst drops what arrives while a vector is in flight, and says so
    for burst in range(BURSTS):
        extra = int(tb.rng.integers(0, 4))
        gaps = [tb.interval, 1, *(int(g) for g in tb.rng.integers(1, tb.interval, extra))]
        sent = await tb.send(gaps)
        await tb.settle()
        received, tb.received = tb.received, []
        what = f"overrun burst {burst} (gaps {gaps})"
        assert received and received[0] == sent[0], report(what, 0, sent[0], received[0] if received else None)
        position = 0  # received must be an in-order subsequence of sent: nothing mixed, repeated or reordered
        for index, vector in enumerate(received):
            while position < len(sent) and sent[position] != vector:
                position += 1
            assert position < len(sent), report(f"{what}: not an in-order subsequence of the burst", index, None,
                                                vector)
            position += 1
        tb.check_too_fast(int(len(received) < len(sent)), f"{what}, {len(received)} of {len(sent)} arrived")
        await tb.reset(dut.src_clk, dut.src_rst)
        tb.check_too_fast(0, f"after the source reset following {what}")
        if burst % 4 == 0:  # the target reset alone, while idle: no strobe may come out of it
            await tb.reset(dut.tgt_clk, dut.tgt_rst)
            await tb.settle()
            assert not tb.received, report(f"target reset after {what}: spurious strobe", 0, None, tb.received[0])

    # 4. after all those resets the stream is still intact
    sent = await tb.send([int(g) for g in tb.rng.integers(tb.interval, 3 * tb.interval, TAIL_VECTORS)])
    await tb.settle()
    tb.check_all_arrived("after the resets", sent)
    tb.check_too_fast(0, "after the resets")


class CrossingTop(Elaboratable):
    """FrameCrossing between domains `source` and `target`, each with its own clock and reset port."""

    def __init__(self, width: int):
        self.crossing = FrameCrossing(width, "source", "target")
        self.src_clk, self.src_rst = Signal(name="src_clk"), Signal(name="src_rst")
        self.tgt_clk, self.tgt_rst = Signal(name="tgt_clk"), Signal(name="tgt_rst")
        self.src_data, self.src_stb = Signal(width, name="src_data"), Signal(name="src_stb")
        self.src_too_fast = Signal(name="src_too_fast")
        self.tgt_data, self.tgt_stb = Signal(width, name="tgt_data"), Signal(name="tgt_stb")

    def elaborate(self, platform) -> Module:
        m = Module()
        m.domains.source = ClockDomain("source")
        m.domains.target = ClockDomain("target")
        m.submodules.crossing = crossing = self.crossing
        m.d.comb += [
            ClockSignal("source").eq(self.src_clk), ResetSignal("source").eq(self.src_rst),
            ClockSignal("target").eq(self.tgt_clk), ResetSignal("target").eq(self.tgt_rst),
            crossing.i_data.eq(self.src_data), crossing.i_stb.eq(self.src_stb), self.src_too_fast.eq(crossing.too_fast),
            self.tgt_data.eq(crossing.o_data), self.tgt_stb.eq(crossing.o_stb),
        ]
        return m

    @property
    def ports(self) -> list:
        return [self.src_clk, self.src_rst, self.src_data, self.src_stb, self.src_too_fast,
                self.tgt_clk, self.tgt_rst, self.tgt_data, self.tgt_stb]


def run_amaranth(top, name: str, work: Path, test_module: str, extra_env: dict[str, str]) -> None:
    """Convert an amaranth top to Verilog, build it with Verilator and run this module's cocotb tests."""
    from cocotb_tools.runner import get_runner

    from simlib.runner import ASSERTION_ARGS, OBJECT_CACHE, PORTS_ONLY_ARGS
    from synth.board.verilog import to_verilog
    from synth.toolchain import verilator_environment

    work.mkdir(parents=True, exist_ok=True)
    source = work / f"{name}.v"
    source.write_text(to_verilog(top, top.ports, name))
    os.environ.update(verilator_environment(dict(os.environ), object_cache=OBJECT_CACHE))
    runner = get_runner("verilator")
    build_dir = work / "sim_build"
    runner.build(sources=[source], hdl_toplevel=name, build_dir=build_dir,
                 build_args=["-Wno-fatal", "-Wno-lint", "-Wno-style", "--x-assign", "unique", "--x-initial", "unique",
                             *ASSERTION_ARGS, *PORTS_ONLY_ARGS],
                 timescale=("1ns", "1ps"))
    state_seed = derived_seed(f"initial-state-{name}-{extra_env['SIM_TAG']}") % (1 << 31) + 1
    runner.test(hdl_toplevel=name, test_module=test_module, test_dir=build_dir, build_dir=build_dir,
                plusargs=["+verilator+rand+reset+2", f"+verilator+seed+{state_seed}"], extra_env=extra_env)


@pytest.mark.parametrize("pair", list(CLOCK_PAIRS))
def test_frame_crossing(pair: str) -> None:
    from simlib.runner import BUILD

    source_ps, target_ps = CLOCK_PAIRS[pair]
    run_amaranth(CrossingTop(WIDTH), "frame_crossing_top", BUILD / "frame_crossing" / pair, "test_frame_crossing",
                 {"SIM_TAG": pair, "SOURCE_PS": str(source_ps), "TARGET_PS": str(target_ps)})


def test_min_interval() -> None:
    """The documented figures, and the refusals."""
    assert min_interval(49.152e6, 147.5e6) == 7
    assert min_interval(49.152e6, 12.288e6) == 21
    assert min_interval(147e6, 49e6) == 17
    assert min_interval(12.288e6, 100e6) < 256 and min_interval(100e6, 12.288e6) < 256  # one frame at 48 kHz
    for bad in ((0, 1e6), (1e6, -1.0)):
        with pytest.raises(ValueError, match="positive"):
            min_interval(*bad)
