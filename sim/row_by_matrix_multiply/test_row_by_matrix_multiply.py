"""row_by_matrix_multiply: y = x * M, checked bit-exact against golden.fast.row_by_matrix.

Every pass's COLS sums are checked, and so are the header's cycle numbers:
pass p in cycle s + (p+1)*BEATS + clog2(LANES) + 3, done in the last one,
and starts offered back to back accepted every PASSES*BEATS cycles (the next
walk overlaps the previous start's pipeline); garbage on x_i between starts.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge
import numpy as np
import pytest

from golden import fast
from golden.memfile import matrix_rom_words, pack_vector, unpack_vector, write_hex
from golden.qformat import QFormat, accumulator_width
from simlib.check import assert_codes_equal, assert_cycles
from simlib.clocked import ClockedBench
from simlib.runner import BlockRun, sv_string
from simlib.seed import base_seed, derived_seed
from simlib.stimulus import corner_matrix, corner_rows, random_rows


class RowByMatrixBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.fmt = QFormat(int(os.environ["PARAM_W"]), int(os.environ["PARAM_F"]))
        self.lanes = int(os.environ["PARAM_LANES"])
        self.cols = int(os.environ["PARAM_COLS"])
        self.matrix = np.load(os.environ["MATRIX_NPY"])
        self.in_d, self.out_d = self.matrix.shape
        self.beats = math.ceil(self.in_d / self.lanes)
        self.passes = math.ceil(self.out_d / self.cols)
        self.walk = self.passes * self.beats
        self.mul_latency = int(os.environ["PARAM_MUL_LATENCY"])
        self.weight_reg = int(os.environ["PARAM_WEIGHT_REG"])
        # rtl/row_by_matrix_multiply.sv's header: ROM read, weight register, adder tree, multiplier stages
        self.latency = self.walk + math.ceil(math.log2(self.lanes)) + self.mul_latency + self.weight_reg + 2
        self.acc_width = accumulator_width(self.fmt, self.in_d)
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"rbm-stimulus-{os.environ['SIM_TAG']}"))
        dut.start_i.value = 0
        dut.x_i.value = 0
        dut._log.info("row_by_matrix_multiply %s %dx%d LANES=%d COLS=%d SIM_SEED=%d",
                      self.fmt, self.in_d, self.out_d, self.lanes, self.cols, self.seed)

    def idle_inputs(self) -> None:
        self.dut.start_i.value = 0

    async def check(self, name: str, rows: np.ndarray, offer: float) -> None:
        """Offer every row (held until ready_o; garbage on x_i otherwise); `offer` = 1: back to back, so walks
        overlap the previous starts' pipelines and every start follows the last after exactly PASSES*BEATS."""
        dut = self.dut
        expected = fast.row_by_matrix(rows, self.matrix, self.fmt)
        starts: list[int] = []
        passes: list[tuple[int, int, np.ndarray]] = []  # (cycle, reported pass, sums)
        offering = False
        for _ in range((len(rows) + 2) * (self.latency + 4) * 4):
            await FallingEdge(dut.clk_i)
            cycle = self.cycle
            if not offering and len(starts) < len(rows) and self.rng.random() < offer:
                offering = True
            row = rows[len(starts)] if offering else random_rows(self.rng, self.fmt, 1, self.in_d)[0]
            dut.x_i.value = pack_vector(row, self.fmt.width)
            dut.start_i.value = int(offering)
            await ReadOnly()
            if dut.col_valid_o.value == 1:
                sums = unpack_vector(int(dut.col_sums_o.value), self.acc_width, self.cols)
                passes.append((cycle, int(dut.col_pass_o.value), sums))
                assert int(dut.done_o.value) == int(passes[-1][1] == self.passes - 1), \
                    f"{name}: done_o {int(dut.done_o.value)} with pass {passes[-1][1]} in cycle {cycle}"
            else:
                assert dut.done_o.value == 0, f"{name}: done_o without col_valid_o in cycle {cycle}"
            if offering and dut.ready_o.value == 1:
                starts.append(cycle)
                offering = False
            await RisingEdge(dut.clk_i)
            if len(passes) == len(rows) * self.passes:
                break
        assert len(passes) == len(rows) * self.passes, f"{name}: {len(passes)} passes, expected {len(rows) * self.passes}"
        dut.start_i.value = 0
        for index, (row, start) in enumerate(zip(rows, starts)):
            actual = np.zeros(self.passes * self.cols, dtype=np.int64)
            for p, (cycle, reported, sums) in enumerate(passes[index * self.passes:(index + 1) * self.passes]):
                assert reported == p, f"{name} #{index}: pass {p} reports pass index {reported}"
                pass_latency = self.latency - (self.passes - 1 - p) * self.beats
                assert_cycles(pass_latency, cycle - start, what=f"{name} #{index} pass {p}")
                actual[p * self.cols:(p + 1) * self.cols] = sums
            assert_codes_equal(expected[index], actual[: self.out_d], what=f"row_by_matrix {name} #{index}",
                               seed=self.seed, width=self.acc_width)
            assert not np.any(actual[self.out_d:]), f"{name} #{index}: padding columns are not zero"
        if offer == 1.0:
            for index, (a, b) in enumerate(zip(starts, starts[1:])):
                assert_cycles(self.walk, b - a, what=f"{name} #{index + 1} start interval (back to back)")


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_row_by_matrix(dut):
    tb = RowByMatrixBench(dut)
    await tb.start()
    await tb.check("corners, back to back", corner_rows(tb.fmt, tb.in_d), offer=1.0)
    await tb.check("random, random gaps", random_rows(tb.rng, tb.fmt, 40, tb.in_d), offer=0.3)


# (W, F, IN_D, OUT_D, LANES, COLS, MUL_LATENCY, WEIGHT_REG): three parallelism settings of the seeds'
# 16x16 layer, uneven splits (padding in both directions) and Q(8,6); one with the multipliers' operand
# registers, and with the weight ROM's fabric register (with and without the operand registers).
PARAMETER_SETS = [
    (16, 12, 16, 16, 1, 16, 1, 0),
    (16, 12, 16, 16, 4, 4, 1, 0),
    (16, 12, 16, 16, 16, 1, 1, 0),
    (8, 6, 12, 7, 5, 3, 1, 0),
    (8, 6, 4, 16, 4, 16, 1, 0),
    (8, 6, 12, 7, 5, 3, 2, 0),
    (8, 6, 12, 7, 5, 3, 1, 1),
    (16, 12, 16, 16, 4, 4, 2, 1),
]


@pytest.mark.parametrize("width,frac,in_d,out_d,lanes,cols,mul_latency,weight_reg", PARAMETER_SETS)
def test_row_by_matrix_multiply(width: int, frac: int, in_d: int, out_d: int, lanes: int, cols: int,
                                mul_latency: int, weight_reg: int) -> None:
    fmt = QFormat(width, frac)
    run = BlockRun(
        toplevel="row_by_matrix_multiply",
        modules=["fixed_mul", "dot_product", "row_by_matrix_multiply"],
        test_module="test_row_by_matrix_multiply",
        parameters={"W": width, "IN_D": in_d, "OUT_D": out_d, "LANES": lanes, "COLS": cols,
                    "MUL_LATENCY": mul_latency, "WEIGHT_REG": weight_reg},
    )
    rng = np.random.default_rng(derived_seed(f"rbm-matrix-{run.tag}"))
    matrix = corner_matrix(rng, fmt, in_d, out_d)
    matrix_npy = run.build_dir / "matrix.npy"
    matrix_npy.parent.mkdir(parents=True, exist_ok=True)
    np.save(matrix_npy, matrix)
    weights = write_hex(run.build_dir / "weights.hex", matrix_rom_words(matrix, fmt, lanes, cols), cols * lanes * width)
    run.parameters["WEIGHTS_FILE"] = sv_string(str(weights))
    run.env = {"PARAM_W": width, "PARAM_F": frac, "PARAM_LANES": lanes, "PARAM_COLS": cols,
               "PARAM_MUL_LATENCY": mul_latency, "PARAM_WEIGHT_REG": weight_reg, "MATRIX_NPY": matrix_npy}
    run.run()
