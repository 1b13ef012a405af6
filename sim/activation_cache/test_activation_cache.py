"""activation_cache: dilated ring buffer, checked bit-exact against golden.fast.activation_cache.

Every tap set is compared in full (all K taps, all channels) and so are the
header's cycle numbers: a push accepted in cycle c gives its taps in cycle
c + K + 3, and in_ready_o lets the next push in K + 3 cycles after the last.
While in_ready_o is low the bench offers garbage, which must be ignored.
Streams are several times the ring depth, so the write pointer wraps. Reset
is asserted with the ring full of data and at every point of a push in
flight: the push must vanish and the taps before the new t = 0 read zero,
although the memory itself is never cleared.
"""
from __future__ import annotations

import os

import cocotb
import numpy as np
import pytest

from golden import fast
from golden.memfile import pack_vector, unpack_vector
from golden.qformat import QFormat
from simlib.check import assert_codes_equal, assert_cycles
from simlib.clocked import ClockedBench
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed
from simlib.stimulus import corner_stream, random_rows


def ring_depth(taps: int, dilation: int) -> int:
    """The header's DEPTH: (K-1)*DILATION + 1 rounded up to a power of two, at least 2."""
    span = (taps - 1) * dilation + 1
    return 1 << max(1, (span - 1).bit_length())


class ActivationCacheBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.fmt = QFormat(int(os.environ["PARAM_W"]), int(os.environ["PARAM_F"]))
        self.channels = int(os.environ["PARAM_CHANNELS"])
        self.taps = int(os.environ["PARAM_K"])
        self.dilation = int(os.environ["PARAM_DILATION"])
        self.span = (self.taps - 1) * self.dilation + 1
        self.depth = ring_depth(self.taps, self.dilation)
        self.latency = self.taps + 3  # header: accepted in cycle c -> out_valid_o in cycle c + K + 3
        self.interval = self.taps + 3  # header: in_ready_o high again with out_valid_o
        self.seed = base_seed()  # reported on failure: SIM_SEED=<seed> reproduces the run
        label = f"activation_cache-{self.fmt}-{self.channels}-{self.taps}-{self.dilation}"
        self.rng = np.random.default_rng(derived_seed(label))
        self.history: list[np.ndarray] = []  # every vector accepted since the last reset
        self.results: list[tuple[int, np.ndarray]] = []  # (cycle, taps codes)
        dut.in_valid_i.value = 0
        dut.in_data_i.value = 0
        dut._log.info("activation_cache %s CHANNELS=%d K=%d DILATION=%d depth %d SIM_SEED=%d derived seed %d",
                      self.fmt, self.channels, self.taps, self.dilation, self.depth, self.seed, derived_seed(label))

    async def monitor(self) -> None:
        while True:
            cycle = await self.next_sample()
            if self.dut.out_valid_o.value == 1:
                codes = unpack_vector(int(self.dut.taps_o.value), self.fmt.width, self.taps * self.channels)
                self.results.append((cycle, codes))

    def garbage(self) -> int:
        return pack_vector(random_rows(self.rng, self.fmt, 1, self.channels)[0], self.fmt.width)

    async def push(self, row: np.ndarray) -> int:
        """Offer `row` until in_ready_o takes it; returns the cycle it was accepted in.

        While the cache is busy the bench drives random valid/data, which must not be accepted.
        """
        while True:
            cycle = await self.next_drive_slot()
            if self.dut.in_ready_o.value == 1:  # registered: this is in_ready_o for the whole cycle
                self.dut.in_valid_i.value = 1
                self.dut.in_data_i.value = pack_vector(row, self.fmt.width)
                self.history.append(row)
                return cycle
            self.dut.in_valid_i.value = int(self.rng.random() < 0.5)
            self.dut.in_data_i.value = self.garbage()

    async def idle(self, cycles: int) -> None:
        for _ in range(cycles):
            await self.next_drive_slot()
            self.dut.in_valid_i.value = 0
            self.dut.in_data_i.value = self.garbage()

    async def drive(self, rows: np.ndarray, gap_probability: float) -> list[int]:
        accept_cycles = []
        for row in rows:
            if self.rng.random() < gap_probability:
                await self.idle(int(self.rng.integers(1, self.latency + 6)))
            accept_cycles.append(await self.push(row))
        await self.idle(1)
        return accept_cycles

    async def check(self, name: str, rows: np.ndarray, gap_probability: float = 0.0) -> None:
        """Continue the stream with `rows`; the expected taps include the history since reset."""
        self.results.clear()
        accept_cycles = await self.drive(rows, gap_probability)
        await self.idle(self.latency + 2)
        expected = fast.activation_cache(np.array(self.history), self.taps, self.dilation, self.fmt)[-len(rows):]
        assert len(self.results) == len(rows), f"{name}: {len(self.results)} tap sets out, {len(rows)} pushed"
        actual = np.array([codes for _, codes in self.results]).reshape(expected.shape)
        assert_codes_equal(expected, actual, what=f"activation_cache {name}", seed=self.seed, width=self.fmt.width)
        for index, (accept, (out_cycle, _)) in enumerate(zip(accept_cycles, self.results)):
            assert_cycles(self.latency, out_cycle - accept, what=f"activation_cache {name} #{index} latency")
        if gap_probability == 0.0:
            for index, gap in enumerate(np.diff(accept_cycles)):
                assert_cycles(self.interval, int(gap), what=f"activation_cache {name} #{index + 1} push interval")

    def idle_inputs(self) -> None:
        self.dut.in_valid_i.value = 0

    async def reset(self, cycles: int = 2) -> None:
        await self.pulse_reset(cycles)
        self.history.clear()

    async def reset_in_flight(self, delay: int) -> None:
        """Accept a push, assert rst_i `delay` cycles later (1 .. K+1): no taps may come out."""
        self.results.clear()
        await self.push(random_rows(self.rng, self.fmt, 1, self.channels)[0])
        await self.idle(delay - 1)
        await self.reset()
        await self.idle(self.latency + 2)
        assert not self.results, f"reset {delay} cycles after a push: {len(self.results)} tap sets still came out"

    def corner_stream(self) -> np.ndarray:
        return corner_stream(self.fmt, self.channels, 8)


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_activation_cache(dut):
    tb = ActivationCacheBench(dut)
    await tb.start()
    cocotb.start_soon(tb.monitor())
    await tb.check("corners", tb.corner_stream())
    await tb.check("random back-to-back", random_rows(tb.rng, tb.fmt, 3 * tb.depth + 40, tb.channels))
    await tb.check("random with gaps", random_rows(tb.rng, tb.fmt, tb.depth + 30, tb.channels), gap_probability=0.3)
    # The ring now holds non-zero data everywhere; reset must hide all of it.
    await tb.reset()
    await tb.check("after reset", random_rows(tb.rng, tb.fmt, tb.span + 10, tb.channels), gap_probability=0.2)
    for delay in range(1, tb.taps + 2):
        await tb.check(f"refill before reset {delay}", random_rows(tb.rng, tb.fmt, 3, tb.channels))
        await tb.reset_in_flight(delay)
        await tb.check(f"after reset in flight {delay}", tb.corner_stream())
    await tb.check("random after resets", random_rows(tb.rng, tb.fmt, tb.span + 10, tb.channels))


# (W, F, CHANNELS, K, DILATION): the seeds' 16-channel Q(16,12) layer at dilations 1 and 16,
# a Q(8,6) ring whose span (6) is not a power of two, a large ring (256 words) and K = 1.
PARAMETER_SETS = [
    (16, 12, 16, 4, 1),
    (16, 12, 16, 4, 16),
    (8, 6, 3, 2, 5),
    (16, 12, 4, 4, 64),
    (8, 6, 2, 1, 1),
]


@pytest.mark.parametrize("width,frac,channels,taps,dilation", PARAMETER_SETS)
def test_activation_cache(width: int, frac: int, channels: int, taps: int, dilation: int) -> None:
    BlockRun(
        toplevel="activation_cache",
        modules=["activation_cache"],
        test_module="test_activation_cache",
        parameters={"W": width, "CHANNELS": channels, "K": taps, "DILATION": dilation},
        env={"PARAM_W": width, "PARAM_F": frac, "PARAM_CHANNELS": channels, "PARAM_K": taps,
             "PARAM_DILATION": dilation},
    ).run()
