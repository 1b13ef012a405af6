"""Clock, reset and a cycle counter shared by the block test benches.

Convention used by every TB: cycle c is the clock period that starts with
rising edge c (counting from the first edge after reset, which is 1). Drivers change inputs at the
falling edge, so an input driven in cycle c is sampled by rising edge c+1;
monitors read outputs in ReadOnly after rising edge c, i.e. in cycle c. A
block whose header says "input in cycle c, output in cycle c + L" is checked
against exactly these numbers.
"""
from __future__ import annotations

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

CLOCK_NS = 10


class ClockedBench:
    """Owns the clock, the reset and the cycle count of one DUT."""

    def __init__(self, dut):
        self.dut = dut
        self.cycle = 0
        self._counter = None

    async def start(self, reset_cycles: int = 3, fast: bool = False) -> None:
        """Clock and reset. `fast` keeps Python out of every clock: the clock runs in the
        simulator (cocotb's GPI clock) and no cycle counter runs (use `sim_cycle`); the bench
        must then drive inputs away from rising edges, as the falling-edge convention does."""
        clock = Clock(self.dut.clk_i, CLOCK_NS, unit="ns", impl="gpi" if fast else None)
        cocotb.start_soon(clock.start())
        self.dut.rst_i.value = 1
        await ClockCycles(self.dut.clk_i, reset_cycles)
        await FallingEdge(self.dut.clk_i)
        self.dut.rst_i.value = 0
        if not fast:
            self._counter = cocotb.start_soon(self._count())

    @staticmethod
    def sim_cycle() -> int:
        """The current cycle from simulation time (rising edge c at c * CLOCK_NS): no per-clock counting."""
        return int(get_sim_time("ns") // CLOCK_NS)

    async def _count(self) -> None:
        while True:
            await RisingEdge(self.dut.clk_i)
            self.cycle += 1

    async def pulse_reset(self, cycles: int = 2) -> None:
        """Assert rst_i for `cycles` cycles mid-run, with the DUT's inputs idle (see `idle_inputs`)."""
        await self.next_drive_slot()
        self.dut.rst_i.value = 1
        self.idle_inputs()
        for _ in range(cycles):
            await self.next_drive_slot()
        self.dut.rst_i.value = 0

    def idle_inputs(self) -> None:
        """Drive the DUT's handshake inputs inactive; a bench with inputs overrides this."""

    async def next_drive_slot(self) -> int:
        """Wait for the falling edge; returns the current cycle number."""
        await FallingEdge(self.dut.clk_i)
        return self.cycle

    async def next_sample(self) -> int:
        """Wait for the next rising edge and settle; returns the new cycle number."""
        await RisingEdge(self.dut.clk_i)
        await ReadOnly()
        return self.cycle
