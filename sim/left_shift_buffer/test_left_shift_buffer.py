"""left_shift_buffer: window of the last LENGTH vectors, checked bit-exact against golden.fast.left_shift_buffer.

Every window is compared in full (all slots, all channels) and so is the
header's timing: a vector driven in cycle c gives its window in cycle c + 1.
Between pushes window_o must hold; a reset in the middle of a stream must
bring back the zero history of t = 0.
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

LATENCY = 1


class LeftShiftBufferBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.fmt = QFormat(int(os.environ["PARAM_W"]), int(os.environ["PARAM_F"]))
        self.channels = int(os.environ["PARAM_CHANNELS"])
        self.length = int(os.environ["PARAM_LENGTH"])
        self.seed = base_seed()  # reported on failure: SIM_SEED=<seed> reproduces the run
        label = f"left_shift_buffer-{self.fmt}-{self.channels}-{self.length}"
        self.rng = np.random.default_rng(derived_seed(label))
        self.history: list[np.ndarray] = []  # every vector pushed since the last reset
        self.windows: list[tuple[int, np.ndarray]] = []  # (cycle, window codes)
        self.hold_errors: list[str] = []
        dut.in_valid_i.value = 0
        dut.in_data_i.value = 0
        dut._log.info("left_shift_buffer %s CHANNELS=%d LENGTH=%d SIM_SEED=%d derived seed %d",
                      self.fmt, self.channels, self.length, self.seed, derived_seed(label))

    def unpack_window(self) -> np.ndarray:
        return unpack_vector(int(self.dut.window_o.value), self.fmt.width, self.length * self.channels)

    async def monitor(self) -> None:
        """Records each window and checks window_o holds (or is cleared by reset) when no push lands."""
        held = np.zeros(self.length * self.channels, dtype=np.int64)
        while True:
            cycle = await self.next_sample()
            window = self.unpack_window()
            if self.dut.out_valid_o.value == 1:
                self.windows.append((cycle, window))
                held = window
            else:
                if self.dut.rst_i.value == 1:
                    held = np.zeros_like(held)
                if not np.array_equal(window, held):
                    self.hold_errors.append(f"cycle {cycle}: window_o changed without out_valid_o")

    def garbage(self) -> int:
        """Random data for idle cycles: must not enter the window."""
        return pack_vector(random_rows(self.rng, self.fmt, 1, self.channels)[0], self.fmt.width)

    async def drive(self, rows: np.ndarray, gap_probability: float) -> list[int]:
        """Push the rows with random idle gaps; returns the cycle each was driven in."""
        push_cycles = []
        for row in rows:
            while self.rng.random() < gap_probability:
                await self.next_drive_slot()
                self.dut.in_valid_i.value = 0
                self.dut.in_data_i.value = self.garbage()
            cycle = await self.next_drive_slot()
            self.dut.in_valid_i.value = 1
            self.dut.in_data_i.value = pack_vector(row, self.fmt.width)
            push_cycles.append(cycle)
            self.history.append(row)
        await self.next_drive_slot()
        self.dut.in_valid_i.value = 0
        return push_cycles

    async def check(self, name: str, rows: np.ndarray, gap_probability: float = 0.0) -> None:
        """Continue the stream with `rows`; the expected windows include the history since reset."""
        self.windows.clear()
        push_cycles = await self.drive(rows, gap_probability)
        for _ in range(LATENCY + 2):
            await self.next_drive_slot()
        expected = fast.left_shift_buffer(np.array(self.history), self.length, self.fmt)[-len(rows):]
        assert len(self.windows) == len(rows), f"{name}: {len(self.windows)} windows out, {len(rows)} pushed"
        actual = np.array([w for _, w in self.windows]).reshape(expected.shape)
        assert_codes_equal(expected, actual, what=f"left_shift_buffer {name}", seed=self.seed, width=self.fmt.width)
        for index, (push_cycle, (out_cycle, _)) in enumerate(zip(push_cycles, self.windows)):
            assert_cycles(LATENCY, out_cycle - push_cycle, what=f"left_shift_buffer {name} #{index} latency")
        assert not self.hold_errors, f"{name}: " + "; ".join(self.hold_errors[:5])

    def idle_inputs(self) -> None:
        self.dut.in_valid_i.value = 0

    async def reset(self, cycles: int = 2) -> None:
        await self.pulse_reset(cycles)
        self.history.clear()

    def corner_stream(self) -> np.ndarray:
        return corner_stream(self.fmt, self.channels, 2 * self.length + 2)


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_left_shift_buffer(dut):
    tb = LeftShiftBufferBench(dut)
    await tb.start()
    cocotb.start_soon(tb.monitor())
    depth = tb.length
    await tb.check("corners", tb.corner_stream())
    await tb.check("random back-to-back", random_rows(tb.rng, tb.fmt, 4 * depth + 40, tb.channels))
    await tb.check("random with gaps", random_rows(tb.rng, tb.fmt, 4 * depth + 40, tb.channels), gap_probability=0.3)
    await tb.reset()
    await tb.check("after reset", random_rows(tb.rng, tb.fmt, 2 * depth + 5, tb.channels), gap_probability=0.2)


# (W, F, CHANNELS, LENGTH): the seeds' Q(16,12) 4x4 window, one channel of Q(8,6), a single slot
PARAMETER_SETS = [
    (16, 12, 4, 4),
    (8, 6, 1, 8),
    (16, 12, 3, 1),
]


@pytest.mark.parametrize("width,frac,channels,length", PARAMETER_SETS)
def test_left_shift_buffer(width: int, frac: int, channels: int, length: int) -> None:
    BlockRun(
        toplevel="left_shift_buffer",
        modules=["left_shift_buffer"],
        test_module="test_left_shift_buffer",
        parameters={"W": width, "CHANNELS": channels, "LENGTH": length},
        env={"PARAM_W": width, "PARAM_F": frac, "PARAM_CHANNELS": channels, "PARAM_LENGTH": length},
    ).run()
