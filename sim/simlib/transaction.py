"""A start/ready -> done block driven one transaction at a time."""
from __future__ import annotations

from simlib.clocked import ClockedBench


class StartDoneBench(ClockedBench):
    """Drives start_i when ready_o allows it and reports the cycles it took.

    The DUT must have start_i, ready_o and done_o; `apply` sets the data inputs.
    """

    async def transaction(self, apply) -> tuple[int, int]:
        """Returns (start cycle, done cycle) under the clocked.py convention."""
        while True:
            cycle = await self.next_drive_slot()
            if self.dut.ready_o.value == 1:
                break
        apply()
        self.dut.start_i.value = 1
        start_cycle = cycle
        await self.next_drive_slot()
        self.dut.start_i.value = 0
        while True:
            done_cycle = await self.next_sample()
            if self.dut.done_o.value == 1:
                return start_cycle, done_cycle
