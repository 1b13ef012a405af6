"""A start/ready -> done block driven one transaction at a time, with its handshake checked."""
from __future__ import annotations

from typing import Callable

from simlib.clocked import ClockedBench


class StartDoneBench(ClockedBench):
    """Drives start_i when ready_o allows it and checks the documented handshake.

    While a transaction runs, the data inputs carry garbage and start_i pulses
    at random: ready_o is low, so the block must ignore both (it latched its
    inputs at the start). done_o must pulse exactly once; ready_o must be low
    from the cycle after the accepted start through done_o and high again in
    the cycle after done_o. Subclasses provide `scramble_inputs` and `rng`.
    """

    def scramble_inputs(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must drive garbage on its data inputs")

    async def transaction(self, apply: Callable[[], None], max_cycles: int) -> tuple[int, int]:
        """Run one transaction; returns (start cycle, done cycle), clocked.py convention.

        Returns in the cycle after done_o, when outputs documented to hold
        until the next start can still be read.
        """
        for _ in range(max_cycles):
            cycle = await self.next_drive_slot()
            if self.dut.ready_o.value == 1:
                break
        else:
            raise AssertionError(f"ready_o stayed low for {max_cycles} cycles before a start")
        apply()
        self.dut.start_i.value = 1
        start_cycle = cycle
        done_cycle = None
        for _ in range(max_cycles):
            cycle = await self.next_sample()
            ready, done = int(self.dut.ready_o.value), int(self.dut.done_o.value)
            if done_cycle is not None:
                if ready != 1:
                    raise AssertionError(f"ready_o low in cycle {cycle}, the cycle after done_o")
                if done:
                    raise AssertionError(f"done_o pulsed twice (cycles {done_cycle} and {cycle})")
                return start_cycle, done_cycle
            if ready:
                raise AssertionError(f"ready_o high in cycle {cycle}, while busy (started in {start_cycle})")
            if done:
                done_cycle = cycle
            await self.next_drive_slot()
            # Until done_o is seen the block must ignore new starts; after it, stop poking.
            self.dut.start_i.value = int(done_cycle is None and self.rng.random() < 0.3)
            self.scramble_inputs()
        raise AssertionError(f"no done_o within {max_cycles} cycles of the start in cycle {start_cycle}")
