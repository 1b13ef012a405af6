"""requantise: the combinational saturate / round / ReLU stage, against golden.fast.requantise_to.

Any shift (dropping bits, none, or widening), signed and unsigned outputs.
Narrow accumulators are swept exhaustively; wide ones get every tie and
tie +- 1 around a spread of codes, both saturation bounds +- 1, and random values.
"""
from __future__ import annotations

import os

import cocotb
import numpy as np
import pytest
from cocotb.triggers import Timer

from golden import fast
from golden.layer_format import OutputStage
from golden.qformat import QFormat, Rounding
from simlib.check import assert_codes_equal
from simlib.runner import BlockRun, sv_string
from simlib.seed import base_seed, derived_seed

EXHAUSTIVE_LIMIT_BITS = 15


class RequantiseBench:
    def __init__(self, dut):
        self.dut = dut
        self.acc_width = int(os.environ["PARAM_ACC_W"])
        self.shift = int(os.environ["PARAM_SHIFT"])
        # the output as a format with 0 fractional bits: the accumulator then has SHIFT of them
        self.fmt = QFormat(int(os.environ["PARAM_W"]), 0, os.environ["PARAM_SIGNED"] == "1")
        self.rounding = os.environ["PARAM_ROUNDING"]
        self.relu = os.environ["PARAM_RELU"] == "1"
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(
            f"requantise-{self.acc_width}-{self.fmt}-{self.shift}-{self.rounding}-{self.relu}"))
        dut._log.info("requantise ACC_W=%d -> %s SHIFT=%d %s relu=%d SIM_SEED=%d", self.acc_width, self.fmt,
                      self.shift, self.rounding, self.relu, self.seed)

    def stimulus(self) -> np.ndarray:
        low, high = -(1 << (self.acc_width - 1)), (1 << (self.acc_width - 1)) - 1
        if self.acc_width <= EXHAUSTIVE_LIMIT_BITS:
            return np.arange(low, high + 1, dtype=np.int64)
        scale, half = 1 << max(self.shift, 0), (1 << max(self.shift, 0)) // 2
        codes = np.unique(np.concatenate([
            np.arange(-8, 9), self.rng.integers(self.fmt.min_code, self.fmt.max_code + 1, 200),
            [self.fmt.min_code, self.fmt.min_code + 1, self.fmt.max_code - 1, self.fmt.max_code]]))
        ties = (codes[:, None] * scale + half + np.array([-1, 0, 1])[None, :]).ravel()
        if self.shift >= 0:
            bounds = np.array([self.fmt.max_code * scale, self.fmt.min_code * scale])
        else:
            bounds = np.array([self.fmt.max_code >> -self.shift, -((-self.fmt.min_code) >> -self.shift)])
        bounds = bounds[:, None] + np.arange(-2, 3)[None, :]
        extremes = np.array([low, low + 1, high - 1, high, 0, -1, 1])
        random = self.rng.integers(low, high, 3000, endpoint=True)
        values = np.concatenate([ties, bounds.ravel(), extremes, random])
        return values[(values >= low) & (values <= high)].astype(np.int64)

    async def check(self) -> None:
        values = self.stimulus()
        actual = []
        for value in values:
            self.dut.acc_i.value = int(value)
            await Timer(1, unit="ns")
            q = self.dut.q_o.value
            actual.append(q.to_signed() if self.fmt.signed else q.to_unsigned())
        stage = OutputStage("relu" if self.relu else "linear", self.fmt, self.rounding)
        expected = fast.requantise_to(values, self.shift, stage)
        assert_codes_equal(expected, actual, what="requantise (index into the stimulus)", seed=self.seed,
                           width=self.fmt.width)


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_requantise(dut):
    await RequantiseBench(dut).check()


# (ACC_W, W, SHIFT, SIGNED, ROUNDING, RELU): the one-format layers (SHIFT = F), unsigned outputs (relu(16,4)
# after Q(16,11) x UQ(16,12): SHIFT 11), no shift, and outputs with more fractional bits than the sum
PARAMETER_SETS = [
    (38, 16, 12, 1, "rne", 0),
    (38, 16, 12, 1, "trunc", 1),
    (15, 8, 6, 1, "rne", 1),
    (15, 8, 6, 1, "trunc", 0),
    (12, 6, 1, 1, "rne", 0),
    (4, 2, 1, 1, "rne", 0),
    (40, 16, 11, 0, "rne", 1),
    (14, 6, 3, 0, "rne", 0),
    (13, 5, 2, 0, "trunc", 1),
    (12, 8, 0, 1, "rne", 0),
    (10, 12, -3, 1, "rne", 1),
    (9, 6, -2, 0, "trunc", 0),
]


@pytest.mark.parametrize("acc_width,width,shift,signed,rounding,relu", PARAMETER_SETS)
def test_requantise(acc_width: int, width: int, shift: int, signed: int, rounding: str, relu: int) -> None:
    BlockRun(
        toplevel="requantise",
        modules=["requantise"],
        test_module="test_requantise",
        parameters={"ACC_W": acc_width, "W": width, "SHIFT": shift, "SIGNED": signed,
                    "ROUNDING": Rounding(rounding).rtl_code, "RELU": relu},
        env={"PARAM_ACC_W": acc_width, "PARAM_W": width, "PARAM_SHIFT": shift, "PARAM_SIGNED": signed,
             "PARAM_ROUNDING": rounding, "PARAM_RELU": relu},
    ).run()
