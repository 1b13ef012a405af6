"""dot_product: streaming MAC, checked bit-exact against golden.fast.dot_product.

Checks every sum and the header's timing: the sum of a dot product whose last
beat is driven in cycle c appears in cycle c + MUL_LATENCY + clog2(LANES) + 1.
"""
from __future__ import annotations

import math
import os

import cocotb
import numpy as np
import pytest

from golden import fast
from golden.memfile import pack_vector
from golden.qformat import QFormat, accumulator_width
from simlib.check import assert_codes_equal, assert_cycles
from simlib.clocked import ClockedBench
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed


class DotProductBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.fmt = QFormat(int(os.environ["PARAM_W"]), int(os.environ["PARAM_F"]))
        self.terms = int(os.environ["PARAM_N"])
        self.lanes = int(os.environ["PARAM_LANES"])
        self.beats = math.ceil(self.terms / self.lanes)
        self.mul_latency = int(os.environ["PARAM_MUL_LATENCY"])
        self.latency = self.mul_latency + math.ceil(math.log2(self.lanes)) + 1
        self.acc_width = accumulator_width(self.fmt, self.terms)
        self.seed = base_seed()  # reported on failure: SIM_SEED=<seed> reproduces the run
        self.rng = np.random.default_rng(derived_seed(f"dot_product-{self.fmt}-{self.terms}-{self.lanes}"))
        self.results: list[tuple[int, int]] = []  # (cycle, sum)
        dut.in_valid_i.value = 0
        dut.in_last_i.value = 0
        dut.in_a_i.value = 0
        dut.in_b_i.value = 0
        dut._log.info("dot_product %s N=%d LANES=%d MUL_LATENCY=%d SIM_SEED=%d", self.fmt, self.terms, self.lanes,
                      self.mul_latency, self.seed)

    async def monitor(self) -> None:
        while True:
            cycle = await self.next_sample()
            if self.dut.out_valid_o.value == 1:
                self.results.append((cycle, self.dut.out_sum_o.value.to_signed()))

    async def drive(self, a: np.ndarray, b: np.ndarray, gap_probability: float) -> list[int]:
        """Stream the vector pairs; returns the cycle each last beat was driven in."""
        last_cycles = []
        pad = self.beats * self.lanes - self.terms
        for a_row, b_row in zip(a, b):
            a_pad = np.concatenate([a_row, np.zeros(pad, dtype=np.int64)])
            b_pad = np.concatenate([b_row, np.zeros(pad, dtype=np.int64)])
            for beat in range(self.beats):
                while self.rng.random() < gap_probability:
                    await self.next_drive_slot()
                    self.dut.in_valid_i.value = 0
                cycle = await self.next_drive_slot()
                chunk = slice(beat * self.lanes, (beat + 1) * self.lanes)
                self.dut.in_valid_i.value = 1
                self.dut.in_last_i.value = int(beat == self.beats - 1)
                self.dut.in_a_i.value = pack_vector(a_pad[chunk], self.fmt.width)
                self.dut.in_b_i.value = pack_vector(b_pad[chunk], self.fmt.width)
                if beat == self.beats - 1:
                    last_cycles.append(cycle)
        await self.next_drive_slot()
        self.dut.in_valid_i.value = 0
        self.dut.in_last_i.value = 0
        return last_cycles

    async def check(self, name: str, a: np.ndarray, b: np.ndarray, gap_probability: float = 0.0) -> None:
        self.results.clear()
        last_cycles = await self.drive(a, b, gap_probability)
        for _ in range(self.latency + 2):
            await self.next_drive_slot()
        expected = fast.dot_product(a, b, self.fmt)
        assert len(self.results) == len(expected), f"{name}: {len(self.results)} sums out, {len(expected)} expected"
        assert_codes_equal(expected, [s for _, s in self.results], what=f"dot_product {name}", seed=self.seed, width=self.acc_width)
        for index, (last_cycle, (out_cycle, _)) in enumerate(zip(last_cycles, self.results)):
            assert_cycles(self.latency, out_cycle - last_cycle, what=f"dot_product {name} #{index} latency")

    def random_vectors(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        shape = (count, self.terms)
        low, high = self.fmt.min_code, self.fmt.max_code + 1
        return self.rng.integers(low, high, shape), self.rng.integers(low, high, shape)

    def corner_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi, n = self.fmt.min_code, self.fmt.max_code, self.terms
        alternating = np.where(np.arange(n) % 2 == 0, hi, lo)
        rows = [
            (np.full(n, lo), np.full(n, lo)),  # every product the single largest one: the top of the accumulator
            (np.full(n, lo), np.full(n, hi)),  # the most negative sum
            (np.full(n, hi), np.full(n, hi)),
            (np.zeros(n), np.full(n, lo)),
            (alternating, alternating),
            (alternating, -alternating - 1),
            (np.full(n, 1), np.full(n, -1)),
        ]
        return np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.int64)


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_dot_product(dut):
    tb = DotProductBench(dut)
    await tb.start()
    cocotb.start_soon(tb.monitor())
    await tb.check("corners", *tb.corner_vectors())
    await tb.check("random back-to-back", *tb.random_vectors(150))
    await tb.check("random with gaps", *tb.random_vectors(60), gap_probability=0.3)


# (W, F, N, LANES, MUL_LATENCY): three parallelism settings at Q(16,12), odd sizes and Q(8,6); two with the
# multipliers' operand registers (the generator's wide networks)
PARAMETER_SETS = [
    (16, 12, 16, 1, 1),
    (16, 12, 16, 4, 1),
    (16, 12, 16, 16, 1),
    (8, 6, 13, 3, 1),
    (8, 6, 64, 8, 1),
    (12, 4, 1, 1, 1),
    (16, 12, 16, 4, 2),
    (8, 6, 13, 1, 2),
]


@pytest.mark.parametrize("width,frac,terms,lanes,mul_latency", PARAMETER_SETS)
def test_dot_product(width: int, frac: int, terms: int, lanes: int, mul_latency: int) -> None:
    BlockRun(
        toplevel="dot_product",
        modules=["fixed_mul", "dot_product"],
        test_module="test_dot_product",
        parameters={"W": width, "N": terms, "LANES": lanes, "MUL_LATENCY": mul_latency},
        env={"PARAM_W": width, "PARAM_F": frac, "PARAM_N": terms, "PARAM_LANES": lanes,
             "PARAM_MUL_LATENCY": mul_latency},
    ).run()
