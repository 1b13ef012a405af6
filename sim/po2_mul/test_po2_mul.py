"""po2_mul: a x (+-2^e or 0) as a shift, registered, against the equivalent kernel codes of golden.kinds.po2.

Every weight code of the layer's range (zero, both signs, the smallest and the
largest exponent and everything between) meets the input corners (most
negative, most positive, 0, +-1) and random inputs, one pair per cycle, back to
back; each product must appear exactly one cycle later (latency 1, as fixed_mul).
"""
from __future__ import annotations

import os

import cocotb
import numpy as np
import pytest
from cocotb.clock import Clock

from golden.kinds.po2 import Po2Layer
from golden.layer_format import OutputStage
from golden.memfile import unpack_vector
from golden.qformat import QFormat
from simlib.check import assert_codes_equal
from simlib.clocked import CLOCK_NS, ClockedBench
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed


def _weights(span: int) -> Po2Layer:
    """One weight per (sign, exponent) of the range plus a zero, as a 1x1 layer (EMIN = 0: codes = 2^offset)."""
    signs = [s for s in (1, -1) for _ in range(span + 1)] + [0]
    exponents = [e for _ in (1, -1) for e in range(span + 1)] + [0]
    shape = (1, 1, len(signs))
    return Po2Layer("w", np.array(signs).reshape(shape), np.array(exponents).reshape(shape), 0, span,
                    np.zeros(len(signs), dtype=np.int64), QFormat(8, 0), QFormat(8, 0),
                    OutputStage("linear", None)).validate("po2_mul bench weights")


class Po2MulBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.a_w = int(os.environ["PARAM_A_W"])
        self.fmt = QFormat(self.a_w, 0, os.environ["PARAM_A_SIGNED"] == "1")
        self.span = int(os.environ["PARAM_EXP_SPAN"])
        self.weights = _weights(self.span)
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"po2_mul-{os.environ['SIM_TAG']}"))
        dut._log.info("po2_mul %s x 2^[0, %d] SIM_SEED=%d", self.fmt, self.span, self.seed)

    async def check(self) -> None:
        fmt = self.fmt
        corners = np.array([fmt.min_code, fmt.max_code, 0, 1, fmt.min_code + 1] + ([-1] if fmt.signed else []))
        inputs = np.concatenate([corners, self.rng.integers(fmt.min_code, fmt.max_code + 1, 8)])
        codes = self.weights.weight_codes().ravel()
        values = self.weights.kernel.ravel()  # sign * 2^offset: what a x weight means in product units
        a = np.repeat(inputs, codes.size)
        b_codes = np.tile(codes, inputs.size)
        expected = a * np.tile(values, inputs.size)
        width = self.a_w + self.span + 2
        actual = []
        for a_value, b_value in zip(a.tolist(), b_codes.tolist()):
            await self.next_drive_slot()
            self.dut.a_i.value = a_value & ((1 << self.a_w) - 1)
            self.dut.b_i.value = b_value
            await self.next_sample()  # the edge that registers this pair
            await self.next_drive_slot()
            actual.append(int(unpack_vector(int(self.dut.product_o.value), width, 1)[0]))
        assert_codes_equal(expected, np.array(actual), what="po2_mul products", seed=self.seed, width=width,
                           inputs=[f"a={x} b={y:#x}" for x, y in zip(a.tolist(), b_codes.tolist())],
                           input_name="operands")

    async def check_back_to_back(self) -> None:
        """A new pair every cycle: product_o in cycle c+1 belongs to the pair driven in cycle c."""
        codes = self.weights.weight_codes().ravel()
        values = self.weights.kernel.ravel()
        picks = self.rng.integers(0, codes.size, 64)
        inputs = self.rng.integers(self.fmt.min_code, self.fmt.max_code + 1, 64)
        width = self.a_w + self.span + 2
        actual = []
        await self.next_drive_slot()
        for index in range(64):
            self.dut.a_i.value = int(inputs[index]) & ((1 << self.a_w) - 1)
            self.dut.b_i.value = int(codes[picks[index]])
            await self.next_drive_slot()  # one rising edge later: this pair's product, the next pair goes in
            actual.append(int(unpack_vector(int(self.dut.product_o.value), width, 1)[0]))
        assert_codes_equal(inputs * values[picks], np.array(actual), what="po2_mul back to back", seed=self.seed,
                           width=width)


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def run_po2_mul(dut):
    tb = Po2MulBench(dut)
    dut.a_i.value = 0
    dut.b_i.value = 0
    cocotb.start_soon(Clock(dut.clk_i, CLOCK_NS, unit="ns").start())  # no reset: a pure datapath register
    await tb.check()
    await tb.check_back_to_back()


# (A_W, A_SIGNED, EXP_SPAN): the seeds' 16-bit inputs over po2(16, max_value=1)'s reachable range [-23, 0],
# an unsigned ReLU input, a single exponent (EW = 1), a span that does not fill its offset field, a 2-bit input.
CASES = [(16, 1, 23), (16, 0, 15), (8, 1, 0), (12, 0, 5), (2, 1, 4)]


@pytest.mark.parametrize("a_w,a_signed,span", CASES, ids=[f"A{a}{'s' if s else 'u'}-span{e}" for a, s, e in CASES])
def test_po2_mul(a_w: int, a_signed: int, span: int) -> None:
    BlockRun(
        toplevel="po2_mul",
        modules=["po2_mul"],
        test_module="test_po2_mul",
        parameters={"A_W": a_w, "A_SIGNED": a_signed, "EXP_SPAN": span},
        env={"PARAM_A_W": a_w, "PARAM_A_SIGNED": a_signed, "PARAM_EXP_SPAN": span},
    ).run()
