"""The po2 kind's baked core (rtl/po2_baked_conv.sv: weights as parameters, a registered adder tree per
output): one K-tap po2 convolution output, bit-exact against golden.kinds.po2, cycles = its core_latency.

Corners: the smallest and largest exponent of each range (every random layer
holds both), zero weights (random ones, so the tree has absent leaves and
pass-through nodes, and a column of zeros only: the bias alone), a column of
negative weights only (a negated root: the bias stage subtracts), the most
negative, most positive, zero and alternating inputs through all +2^EMAX and
all -2^EMAX columns (sums that saturate at both ends), exact rounding ties
(a column whose only weight is +2^EMIN on input 0), unsigned inputs, a wide
full-precision input, both rounding modes, ReLU, the float32 cast,
full-precision outputs, exponents all above zero, a single exponent (span 0)
and a single term (no adder level). Expected values come from PO2.step only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import cocotb
import numpy as np
import pytest

from golden.kinds.po2 import PO2, Po2Layer, baked_setting, random_layer
from golden.layer_format import OutputStage, wide_format
from golden.qformat import QFormat
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed
from simlib.core_stream import CoreStreamBench, stream_layer_suite

SEED_IN = QFormat(16, 12, False)
DIRECTED = 5  # columns 0..4 are directed (see make_layer), the rest random


@dataclass(frozen=True)
class Case:
    name: str
    x: QFormat
    span: tuple[int, int]
    bias: QFormat
    out: OutputStage
    k: int
    in_d: int
    out_d: int
    zeros: float = 0.3


CASES = {c.name: c for c in [
    Case("q16_12_relu_k4", QFormat(16, 12), (-8, 0), QFormat(16, 12), OutputStage("relu", QFormat(16, 12)), 4, 4, 7),
    Case("seed_na_full", SEED_IN, (-15, 0), QFormat(16, 11), OutputStage("linear", None), 1, 8, 7),
    Case("seed_nb_wide_in_f32", wide_format(30, 22), (-7, 0), QFormat(16, 11),
         OutputStage("relu", SEED_IN, float32_input=True), 1, 5, 6),
    Case("f32_trunc_e23", SEED_IN, (-23, 0), QFormat(16, 11),
         OutputStage("relu", SEED_IN, "trunc", float32_input=True), 2, 3, 6),
    Case("positive_exp_trunc", QFormat(8, 4), (2, 5), QFormat(6, 1), OutputStage("linear", QFormat(10, 2), "trunc"),
         3, 2, 6),
    Case("single_term_span0", QFormat(10, 6), (-1, -1), QFormat(8, 5), OutputStage("linear", QFormat(8, 6)), 1, 1, 6),
]}


def make_layer(case: Case) -> Po2Layer:
    """Random weights (a `zeros` share of zero weights) over the whole exponent range, plus directed columns:
    0 all +2^EMAX and 1 all -2^EMAX (saturation at both ends; 1 is a negated tree), 2 a lone +2^EMIN on input 0
    (the sum is input 0: rounding ties), 3 all zero (the bias alone), 4 negative weights only, mixed exponents."""
    rng = np.random.default_rng(derived_seed(f"po2_baked_conv-layer-{case.name}"))
    layer = random_layer(rng, "layer", case.x, case.span, case.bias, case.out, (case.k, case.in_d, case.out_d),
                         zeros=case.zeros)
    sign, exponent, bias = layer.sign.copy(), layer.exponent.copy(), layer.bias.copy()
    emin, emax = case.span
    sign[:, :, 0], exponent[:, :, 0] = 1, emax
    sign[:, :, 1], exponent[:, :, 1] = -1, emax
    sign[:, :, 2], exponent[:, :, 2] = 0, emin
    sign[-1, 0, 2] = 1
    sign[:, :, 3], exponent[:, :, 3] = 0, emin
    sign[:, :, 4] = -1
    exponent[:, :, 4] = rng.integers(emin, emax + 1, exponent[:, :, 4].shape)
    bias[:3] = 0
    return Po2Layer("layer", sign, exponent, emin, emax, bias, case.x, case.bias, case.out).validate("po2_baked bench")


class Po2BakedBench(CoreStreamBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.case = CASES[os.environ["PARAM_CASE"]]
        self.layer = make_layer(self.case)
        self.setting = baked_setting(self.layer)
        self.in_fmt = self.layer.input_format
        self.out_fmt = self.layer.output_format
        self.length = self.layer.terms
        self.out_d = self.layer.out_channels
        self.latency = PO2.core_latency(self.layer, self.setting)
        self.interval = PO2.core_interval(self.layer, self.setting)
        self.label = f"po2_baked_conv {self.case.name}"
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"po2_baked_conv-stimulus-{self.case.name}"))
        self.idle_inputs()
        dut.taps_i.value = 0
        dut._log.info("po2_baked_conv %s: %s x 2^[%d, %d] + %s -> %s K=%d %d->%d SIM_SEED=%d", self.case.name,
                      self.in_fmt, self.layer.exp_min, self.layer.exp_max, self.layer.bias_format, self.out_fmt,
                      self.layer.kernel_size, self.layer.in_channels, self.layer.out_channels, self.seed)

    def expected(self, rows: np.ndarray) -> np.ndarray:
        taps = rows.reshape(-1, self.layer.kernel_size, self.layer.in_channels)
        return np.array([PO2.step(self.layer, window) for window in taps])


@cocotb.test(timeout_time=4, timeout_unit="ms")
async def run_po2_baked_conv(dut):
    tb = Po2BakedBench(dut)
    await tb.start()
    await stream_layer_suite(tb)


@pytest.mark.parametrize("name", sorted(CASES))
def test_po2_baked_conv(name: str) -> None:
    layer = make_layer(CASES[name])
    setting = baked_setting(layer)
    module = PO2.core_module(layer, setting)
    assert not PO2.rom_files(layer, setting), "the baked core has its weights as parameters, no files"
    BlockRun(
        toplevel=module,
        modules=list(PO2.rtl_dependencies),  # the baked core among them
        test_module="test_po2_baked_conv",
        parameters=PO2.rtl_parameters(layer, setting, {}),
        env={"PARAM_CASE": name},
    ).run()
