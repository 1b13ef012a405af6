"""A layer kind's compute core driven through the core port contract of rtl/network_stage.sv.

Ports: start_i & ready_o take taps_i; y_valid_o & y_ready_i hand over y_o. The
core may be started again before its previous result is taken. Checked every
cycle: y_valid_o and y_o hold while a result waits for y_ready_i, y_o holds
after a take until the next result, and no result appears without an accepted
start. Checked per stream: one result per accepted start, in order, bit-exact
against the kind's golden step; with results taken at once and starts offered
back to back, every result LATENCY cycles after its start and every start
INTERVAL cycles after the previous one (the kind's core_latency and
core_interval). Stalls of the consumer (long runs of y_ready_i low) make
results wait while later samples finish behind them: a core that overwrites or
drops one fails the bit-exact comparison.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from golden.memfile import pack_vector, unpack_vector
from golden.qformat import MAX_WIDTH, QFormat
from simlib.check import assert_codes_equal, assert_cycles
from simlib.clocked import ClockedBench
from simlib.stimulus import corner_rows, random_rows, tie_rows


@dataclass(frozen=True)
class Traffic:
    """How a stream is driven. offer: chance a new start is offered in a free cycle (1: back to back);
    consumer: 'always' (y_ready_i high), 'random' (high half the time) or 'bursty' (runs of stalls
    several latencies long)."""

    offer: float
    consumer: str


FULL_RATE = Traffic(1.0, "always")
RANDOM = Traffic(0.6, "random")
BURSTY = Traffic(1.0, "bursty")


class CoreStreamBench(ClockedBench):
    """Subclasses set in_fmt, out_fmt, length (taps words), out_d, latency, interval, rng, seed, label
    and implement expected(rows) -> (N, OUT) codes."""

    in_fmt: QFormat
    out_fmt: QFormat
    length: int
    out_d: int
    latency: int
    interval: int
    rng: np.random.Generator
    seed: int
    label: str

    def expected(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must compute the golden outputs")

    def idle_inputs(self) -> None:
        self.dut.start_i.value = 0
        self.dut.y_ready_i.value = 1

    def _pack(self, row: np.ndarray) -> int:
        return pack_vector(row, self.in_fmt.width, self.in_fmt.signed)

    def _consumer(self, mode: str, stalled: bool) -> tuple[int, bool]:
        if mode == "always":
            return 1, False
        if mode == "random":
            return int(self.rng.random() < 0.5), False
        if self.rng.random() < 1 / max(2, self.latency):  # bursty: toggle between stall and go runs
            stalled = not stalled
        return (0 if stalled else int(self.rng.random() < 0.8)), stalled

    async def stream(self, name: str, rows: np.ndarray, traffic: Traffic, check_timing: bool = False) -> None:
        """Offer every row once (held until accepted), take every result; compare them all."""
        dut = self.dut
        what = f"{self.label} {name}"
        starts: list[int] = []
        presented: list[int] = []
        results: list[np.ndarray] = []
        offering = False
        stalled = False
        held_y: int | None = None  # a result waiting for y_ready_i: y_o must hold
        last_y: int | None = None  # the last result presented: y_o holds after its take
        was_taken = True  # the previous cycle's result (if any) was taken
        quiet = 0
        limit = (len(rows) + 4) * (self.latency + self.interval) * 8
        for _ in range(limit):
            await FallingEdge(dut.clk_i)
            cycle = self.cycle
            if not offering and len(starts) < len(rows) and self.rng.random() < traffic.offer:
                offering = True
            if offering:
                dut.taps_i.value = self._pack(rows[len(starts)])
            else:  # the core latched its taps: garbage on them must not matter
                dut.taps_i.value = self._pack(random_rows(self.rng, self.in_fmt, 1, self.length)[0])
            dut.start_i.value = int(offering)
            ready_in, stalled = self._consumer(traffic.consumer, stalled)
            dut.y_ready_i.value = ready_in
            await ReadOnly()
            ready, valid, y = int(dut.ready_o.value), int(dut.y_valid_o.value), int(dut.y_o.value)
            if held_y is not None:
                assert valid and y == held_y, f"{what}: y_valid_o fell or y_o changed in cycle {cycle} before y_ready_i"
            if valid and was_taken:  # a new result
                presented.append(cycle)
                last_y = y
                assert len(presented) <= len(starts), f"{what}: a result in cycle {cycle} without an accepted start"
            elif not valid and last_y is not None:
                assert y == last_y, f"{what}: y_o changed in cycle {cycle} after its take, before the next result"
            taken = bool(valid and ready_in)
            if taken:
                results.append(unpack_vector(y, self.out_fmt.width, self.out_d, self.out_fmt.signed))
            held_y = y if valid and not ready_in else None
            was_taken = taken or not valid
            if offering and ready:
                starts.append(cycle)
                offering = False
            await RisingEdge(dut.clk_i)
            quiet = quiet + 1 if len(results) == len(rows) else 0
            if quiet > 3:
                break
        else:
            raise AssertionError(f"{what}: {len(starts)} of {len(rows)} starts accepted, {len(results)} results "
                                 f"taken within {limit} cycles")
        dut.start_i.value = 0
        assert_codes_equal(self.expected(rows), np.array(results), what=f"{what} (in order)", seed=self.seed,
                           width=self.out_fmt.width)
        if check_timing:
            for index, (start, shown) in enumerate(zip(starts, presented)):
                assert_cycles(self.latency, shown - start, what=f"{what} #{index} start to y_valid_o")
            for index, (a, b) in enumerate(zip(starts, starts[1:])):
                assert_cycles(self.interval, b - a, what=f"{what} #{index + 1} start interval")

    async def reset_mid_stream(self, accepted: int, delay: int) -> None:
        """Start `accepted` samples back to back with the consumer stalled, reset `delay` cycles after the last
        start, and check that no result of theirs appears and that ready_o is high right after the reset."""
        dut = self.dut
        count = 0
        dut.y_ready_i.value = 0
        while count < accepted:
            await FallingEdge(dut.clk_i)
            dut.taps_i.value = self._pack(random_rows(self.rng, self.in_fmt, 1, self.length)[0])
            dut.start_i.value = 1
            await ReadOnly()
            count += int(dut.ready_o.value)
        await FallingEdge(dut.clk_i)
        dut.start_i.value = 0
        for _ in range(delay - 1):
            await FallingEdge(dut.clk_i)
        await self.pulse_reset()
        for _ in range(self.latency + 4):
            cycle = await self.next_sample()
            assert dut.y_valid_o.value == 0, f"{self.label}: y_valid_o in cycle {cycle} for a start cancelled by reset"
            assert dut.ready_o.value == 1, f"{self.label}: ready_o low in cycle {cycle} after a reset"


async def stream_layer_suite(tb: CoreStreamBench, saturation_check: bool = True) -> None:
    """The layer-core suite: the input corners at full rate (latency and interval checked), exact rounding ties
    of the output stage, random rows under consumer stalls; tb.layer (a conv-like layer with operands and an
    output stage) must make the corners saturate both ends of output channels 0-1 when saturation_check."""
    fmt, layer = tb.in_fmt, tb.layer  # type: ignore[attr-defined]
    corners = np.clip(corner_rows(fmt, tb.length), fmt.min_code, fmt.max_code)  # unsigned: no negatives
    await tb.stream("corners at full rate", corners, FULL_RATE, check_timing=True)
    ops = layer.operands
    dropped = ops.acc_frac - tb.out_fmt.frac - ops.product_shift  # input 0's bits the output stage drops
    if 1 <= dropped < fmt.width <= MAX_WIDTH and not layer.output.full_precision:  # tie_rows: a QFormat
        await tb.stream("rounding ties", tie_rows(tb.rng, QFormat(fmt.width, dropped, fmt.signed), tb.length), RANDOM)
    await tb.stream("random, consumer stalls", random_rows(tb.rng, fmt, 30, tb.length), BURSTY)
    if saturation_check and not layer.output.full_precision:
        outputs = tb.expected(corners)
        low, high = layer.output.bounds()
        assert (outputs[:, :2] == low).any() and (outputs[:, :2] == high).any(), "the corners must saturate both ends"
