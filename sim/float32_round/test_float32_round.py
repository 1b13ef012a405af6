"""float32_round: positive sums rounded to 24 significant bits (QKeras's float32 cast), against golden.fast.

Every bit length from 1 to ACC_W, each with the dropped part just below, at and
just above half (even and odd kept parts), zero, negatives, and random values.
"""
from __future__ import annotations

import os

import cocotb
import numpy as np
import pytest
from cocotb.triggers import Timer

from golden import fast
from simlib.check import assert_codes_equal
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed


def stimulus(width: int, rng: np.random.Generator) -> np.ndarray:
    values = [0, -1, 1, -(1 << (width - 1)), (1 << (width - 1)) - 1]
    for length in range(1, width):
        top = 1 << (length - 1)
        drop = max(length - 24, 0)
        for kept_odd in (0, 1):
            base = top | (kept_odd << drop)
            half = (1 << (drop - 1)) if drop else 0
            for offset in (-1, 0, 1):
                values.append(base + half + offset)
        values.append((1 << length) - 1)  # all ones: rounds up into a new leading bit
    values += list(rng.integers(-(1 << (width - 1)), 1 << (width - 1), 2000))
    array = np.array(values, dtype=np.int64)
    return array[(array >= -(1 << (width - 1))) & (array < (1 << (width - 1)))]


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_float32_round(dut):
    width = int(os.environ["PARAM_ACC_W"])
    seed = base_seed()
    values = stimulus(width, np.random.default_rng(derived_seed(f"float32-round-{width}")))
    dut._log.info("float32_round ACC_W=%d, %d values, SIM_SEED=%d", width, len(values), seed)
    actual = []
    for value in values:
        dut.value_i.value = int(value)
        await Timer(1, unit="ns")
        actual.append(dut.value_o.value.to_signed())
    rounded = fast.round_to_float32(values)
    expected = np.where(values > 0, rounded, values)  # the RTL passes values <= 0 through (a ReLU follows)
    assert_codes_equal(expected, actual, what="float32_round (index into the stimulus)", seed=seed, width=width + 1)


@pytest.mark.parametrize("acc_width", [20, 25, 40, 62])
def test_float32_round(acc_width: int) -> None:
    BlockRun(
        toplevel="float32_round",
        modules=["float32_round"],
        test_module="test_float32_round",
        parameters={"ACC_W": acc_width},
        env={"PARAM_ACC_W": acc_width},
    ).run()
