"""row_by_matrix_multiply: y = x * M, checked bit-exact against golden.fast.row_by_matrix.

Every pass's COLS sums are checked, and so are the header's cycle numbers:
pass p in cycle s + (p+1)*BEATS + clog2(LANES) + 3, done in the last one,
and the start/ready/done handshake (simlib.transaction).
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import cocotb
import numpy as np
import pytest

from golden import fast
from golden.memfile import matrix_rom_words, pack_vector, unpack_vector, write_hex
from golden.qformat import QFormat, accumulator_width
from simlib.check import assert_codes_equal, assert_cycles
from simlib.runner import BlockRun, sv_string
from simlib.seed import base_seed, derived_seed
from simlib.stimulus import corner_matrix, corner_rows, random_rows
from simlib.transaction import StartDoneBench


class RowByMatrixBench(StartDoneBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.fmt = QFormat(int(os.environ["PARAM_W"]), int(os.environ["PARAM_F"]))
        self.lanes = int(os.environ["PARAM_LANES"])
        self.cols = int(os.environ["PARAM_COLS"])
        self.matrix = np.load(os.environ["MATRIX_NPY"])
        self.in_d, self.out_d = self.matrix.shape
        self.beats = math.ceil(self.in_d / self.lanes)
        self.passes = math.ceil(self.out_d / self.cols)
        self.acc_width = accumulator_width(self.fmt, self.in_d)
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"rbm-stimulus-{os.environ['SIM_TAG']}"))
        self.passes_seen: list[tuple[int, int, np.ndarray]] = []  # (cycle, pass, sums)
        dut.start_i.value = 0
        dut.x_i.value = 0
        dut._log.info("row_by_matrix_multiply %s %dx%d LANES=%d COLS=%d SIM_SEED=%d",
                      self.fmt, self.in_d, self.out_d, self.lanes, self.cols, self.seed)

    async def monitor(self) -> None:
        while True:
            cycle = await self.next_sample()
            if self.dut.col_valid_o.value == 1:
                sums = unpack_vector(int(self.dut.col_sums_o.value), self.acc_width, self.cols)
                self.passes_seen.append((cycle, int(self.dut.col_pass_o.value), sums))

    def scramble_inputs(self) -> None:
        self.dut.x_i.value = pack_vector(random_rows(self.rng, self.fmt, 1, self.in_d)[0], self.fmt.width)

    async def check(self, name: str, rows: np.ndarray) -> None:
        expected = fast.row_by_matrix(rows, self.matrix, self.fmt)
        latency = self.passes * self.beats + math.ceil(math.log2(self.lanes)) + 3
        for index, row in enumerate(rows):
            self.passes_seen.clear()
            start, done = await self.transaction(
                lambda: setattr(self.dut.x_i, "value", pack_vector(row, self.fmt.width)), max_cycles=4 * latency)
            assert_cycles(latency, done - start, what=f"{name} #{index} done")
            assert len(self.passes_seen) == self.passes, f"{name} #{index}: {len(self.passes_seen)} passes, expected {self.passes}"
            actual = np.zeros(self.passes * self.cols, dtype=np.int64)
            for p, (cycle, reported, sums) in enumerate(self.passes_seen):
                assert reported == p, f"{name} #{index}: pass {p} reports pass index {reported}"
                pass_latency = latency - (self.passes - 1 - p) * self.beats
                assert_cycles(pass_latency, cycle - start, what=f"{name} #{index} pass {p}")
                actual[p * self.cols:(p + 1) * self.cols] = sums
            assert_codes_equal(expected[index], actual[: self.out_d], what=f"row_by_matrix {name} #{index}",
                               seed=self.seed, width=self.acc_width)
            assert not np.any(actual[self.out_d:]), f"{name} #{index}: padding columns are not zero"


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_row_by_matrix(dut):
    tb = RowByMatrixBench(dut)
    await tb.start()
    cocotb.start_soon(tb.monitor())
    await tb.check("corners", corner_rows(tb.fmt, tb.in_d))
    await tb.check("random", random_rows(tb.rng, tb.fmt, 40, tb.in_d))


# (W, F, IN_D, OUT_D, LANES, COLS): three parallelism settings of the seeds' 16x16
# layer, uneven splits (padding in both directions) and Q(8,6).
PARAMETER_SETS = [
    (16, 12, 16, 16, 1, 16),
    (16, 12, 16, 16, 4, 4),
    (16, 12, 16, 16, 16, 1),
    (8, 6, 12, 7, 5, 3),
    (8, 6, 4, 16, 4, 16),
]


@pytest.mark.parametrize("width,frac,in_d,out_d,lanes,cols", PARAMETER_SETS)
def test_row_by_matrix_multiply(width: int, frac: int, in_d: int, out_d: int, lanes: int, cols: int) -> None:
    fmt = QFormat(width, frac)
    run = BlockRun(
        toplevel="row_by_matrix_multiply",
        modules=["fixed_mul", "dot_product", "row_by_matrix_multiply"],
        test_module="test_row_by_matrix_multiply",
        parameters={"W": width, "IN_D": in_d, "OUT_D": out_d, "LANES": lanes, "COLS": cols},
    )
    rng = np.random.default_rng(derived_seed(f"rbm-matrix-{run.tag}"))
    matrix = corner_matrix(rng, fmt, in_d, out_d)
    matrix_npy = run.build_dir / "matrix.npy"
    matrix_npy.parent.mkdir(parents=True, exist_ok=True)
    np.save(matrix_npy, matrix)
    weights = write_hex(run.build_dir / "weights.hex", matrix_rom_words(matrix, fmt, lanes, cols), cols * lanes * width)
    run.parameters["WEIGHTS_FILE"] = sv_string(str(weights))
    run.env = {"PARAM_W": width, "PARAM_F": frac, "PARAM_LANES": lanes, "PARAM_COLS": cols, "MATRIX_NPY": matrix_npy}
    run.run()
