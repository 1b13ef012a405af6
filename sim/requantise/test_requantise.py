"""requantise: the combinational saturate / round / ReLU stage, against golden.fast.requantise.

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
from golden.qformat import QFormat, Rounding
from simlib.check import assert_codes_equal
from simlib.runner import BlockRun, sv_string
from simlib.seed import base_seed, derived_seed

EXHAUSTIVE_LIMIT_BITS = 15


class RequantiseBench:
    def __init__(self, dut):
        self.dut = dut
        self.acc_width = int(os.environ["PARAM_ACC_W"])
        self.fmt = QFormat(int(os.environ["PARAM_W"]), int(os.environ["PARAM_F"]))
        self.rounding = os.environ["PARAM_ROUNDING"]
        self.relu = os.environ["PARAM_RELU"] == "1"
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"requantise-{self.acc_width}-{self.fmt}-{self.rounding}-{self.relu}"))
        dut._log.info("requantise ACC_W=%d %s %s relu=%d SIM_SEED=%d", self.acc_width, self.fmt, self.rounding,
                      self.relu, self.seed)

    def stimulus(self) -> np.ndarray:
        low, high = -(1 << (self.acc_width - 1)), (1 << (self.acc_width - 1)) - 1
        if self.acc_width <= EXHAUSTIVE_LIMIT_BITS:
            return np.arange(low, high + 1, dtype=np.int64)
        scale, half = self.fmt.scale, self.fmt.scale // 2
        codes = np.unique(np.concatenate([
            np.arange(-8, 9), self.rng.integers(self.fmt.min_code, self.fmt.max_code + 1, 200),
            [self.fmt.min_code, self.fmt.min_code + 1, self.fmt.max_code - 1, self.fmt.max_code]]))
        ties = (codes[:, None] * scale + half + np.array([-1, 0, 1])[None, :]).ravel()
        bounds = np.array([self.fmt.max_code * scale, self.fmt.min_code * scale])[:, None] + np.arange(-2, 3)[None, :]
        extremes = np.array([low, low + 1, high - 1, high, 0, -1, 1])
        random = self.rng.integers(low, high, 3000, endpoint=True)
        return np.concatenate([ties, bounds.ravel(), extremes, random]).astype(np.int64)

    async def check(self) -> None:
        values = self.stimulus()
        actual = []
        for value in values:
            self.dut.acc_i.value = int(value)
            await Timer(1, unit="ns")
            actual.append(self.dut.q_o.value.to_signed())
        expected = fast.requantise(values, self.fmt, self.rounding, self.relu)
        assert_codes_equal(expected, actual, what="requantise (index into the stimulus)", seed=self.seed,
                           width=self.fmt.width)


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_requantise(dut):
    await RequantiseBench(dut).check()


# (ACC_W, W, F, ROUNDING, RELU)
PARAMETER_SETS = [
    (38, 16, 12, "rne", 0),
    (38, 16, 12, "trunc", 1),
    (15, 8, 6, "rne", 1),
    (15, 8, 6, "trunc", 0),
    (12, 6, 1, "rne", 0),
    (4, 2, 1, "rne", 0),
]


@pytest.mark.parametrize("acc_width,width,frac,rounding,relu", PARAMETER_SETS)
def test_requantise(acc_width: int, width: int, frac: int, rounding: str, relu: int) -> None:
    BlockRun(
        toplevel="requantise",
        modules=["requantise"],
        test_module="test_requantise",
        parameters={"ACC_W": acc_width, "W": width, "F": frac, "ROUNDING": Rounding(rounding).rtl_code, "RELU": relu},
        env={"PARAM_ACC_W": acc_width, "PARAM_W": width, "PARAM_F": frac, "PARAM_ROUNDING": rounding,
             "PARAM_RELU": relu},
    ).run()
