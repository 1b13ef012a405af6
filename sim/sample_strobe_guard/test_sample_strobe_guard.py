"""sample_strobe_guard: a fixed-rate strobe into valid/ready; overruns flagged, counted, never corrupting.

A cycle-accurate reference of the header's rules runs beside the DUT and every
output is compared every cycle: strobes at random rates against a consumer
whose ready_i is random (from always to rarely), so samples are taken, held
and dropped in every order. Independently of the reference, the samples the
DUT hands over must be strobed ones, in strobe order, none twice, and
delivered + dropped + held must account for every strobe. Saturation of the
counter is reached with a narrow COUNT_W (the default, 32 bits, cannot be
reached in a simulation).
"""
from __future__ import annotations

import os

import cocotb
import numpy as np
import pytest

from simlib.clocked import ClockedBench
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed


class GuardBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.width = int(os.environ["PARAM_WIDTH"])
        self.count_max = (1 << int(os.environ["PARAM_COUNT_W"])) - 1
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"sample_strobe_guard-{self.width}"))
        # Reference state (header rules): the held sample and the overrun count.
        self.held: int | None = None
        self.count = 0
        self.overrun = 0  # overrun_o expected in the next cycle
        self.sent: list[int] = []       # strobed samples, in order
        self.delivered: list[int] = []  # samples taken by the consumer
        self.dropped: list[int] = []    # samples the reference says were dropped
        dut.strobe_i.value = 0
        dut.data_i.value = 0
        dut.ready_i.value = 0

    def idle_inputs(self) -> None:
        self.dut.strobe_i.value = 0
        self.dut.ready_i.value = 0

    async def run(self, cycles: int, strobe_probability: float, ready_probability: float) -> None:
        """Drive random strobes and ready for `cycles` cycles, checking every output every cycle."""
        for _ in range(cycles):
            cycle = await self.next_drive_slot()
            # Outputs of this cycle (registered, stable since the rising edge) against the reference.
            valid, overrun = int(self.dut.valid_o.value), int(self.dut.overrun_o.value)
            assert valid == int(self.held is not None), f"cycle {cycle}: valid_o {valid}, reference {self.held}"
            assert overrun == self.overrun, f"cycle {cycle}: overrun_o {overrun}, expected {self.overrun}"
            count = int(self.dut.overrun_count_o.value)
            assert count == self.count, f"cycle {cycle}: overrun_count_o {count}, expected {self.count}"
            data = int(self.dut.data_o.value) if valid else None
            if valid:
                assert data == self.held, f"cycle {cycle}: data_o {data:#x}, reference holds {self.held:#x}"
            strobe = self.rng.random() < strobe_probability
            ready = self.rng.random() < ready_probability
            sample = int.from_bytes(self.rng.bytes((self.width + 7) // 8), "little") & ((1 << self.width) - 1)
            self.dut.strobe_i.value = int(strobe)
            self.dut.ready_i.value = int(ready)
            self.dut.data_i.value = sample
            # Reference: what the rising edge at the end of this cycle does.
            if valid and ready:
                self.delivered.append(data)  # what the DUT hands over at this edge
                self.held = None
            self.overrun = 0
            if strobe:
                self.sent.append(sample)
                if self.held is None:
                    self.held = sample
                else:
                    self.dropped.append(sample)
                    self.overrun = 1
                    self.count = min(self.count + 1, self.count_max)

    def check_stream(self, name: str) -> None:
        """The delivered samples are a subsequence of the strobed ones; nothing appeared or vanished."""
        held = 0 if self.held is None else 1
        assert len(self.delivered) + len(self.dropped) + held == len(self.sent), f"{name}: samples unaccounted for"
        remaining = iter(self.sent)
        for index, sample in enumerate(self.delivered):
            if not any(sample == strobed for strobed in remaining):
                raise AssertionError(f"{name}: delivered sample #{index} {sample:#x} is out of strobe order or "
                                     f"was never strobed [seed {self.seed}]")


@cocotb.test(timeout_time=5, timeout_unit="ms")
async def run_sample_strobe_guard(dut):
    tb = GuardBench(dut)
    await tb.start()
    await tb.run(500, strobe_probability=0.2, ready_probability=1.0)  # consumer keeps up: no overrun
    assert tb.count == 0, "overruns although the consumer was always ready"
    await tb.run(500, strobe_probability=1.0, ready_probability=1.0)  # one sample per cycle: still none
    assert tb.count == 0, "overruns at one strobe per cycle with ready_i always high"
    await tb.run(2000, strobe_probability=0.5, ready_probability=0.3)  # slow consumer: many overruns
    assert tb.count > min(100, tb.count_max - 1), f"only {tb.count} overruns: the stimulus did not stress the guard"
    await tb.run(2000, strobe_probability=0.9, ready_probability=0.05)
    tb.check_stream("random strobes and ready")
    # Reset forgets the held sample and clears the count.
    await tb.pulse_reset()
    tb.held, tb.count, tb.overrun = None, 0, 0
    tb.sent, tb.delivered, tb.dropped = [], [], []
    await tb.run(1000, strobe_probability=0.4, ready_probability=0.4)
    tb.check_stream("after reset")
    if tb.count_max < 1000:
        await tb.run(400, strobe_probability=1.0, ready_probability=0.1)
        assert tb.count == tb.count_max, "the stimulus did not reach saturation"
        tb.check_stream("saturated count")


# (WIDTH, COUNT_W): the network input of the seeds' FPGA model with the real counter; a 1-bit
# sample with a 5-bit counter that saturates during the run.
@pytest.mark.parametrize("width,count_width", [(64, 32), (1, 5)])
def test_sample_strobe_guard(width: int, count_width: int) -> None:
    BlockRun(
        toplevel="sample_strobe_guard",
        modules=["sample_strobe_guard"],
        test_module="test_sample_strobe_guard",
        parameters={"WIDTH": width, "COUNT_W": count_width},
        env={"PARAM_WIDTH": width, "PARAM_COUNT_W": count_width},
    ).run()
