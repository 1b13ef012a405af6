"""The po2 kind's core (rtl/conv1d.sv with MUL_PO2: a po2_mul shifter per lane): one K-tap po2 convolution
output, bit-exact against golden.kinds.po2, cycles = its core_latency and core_interval, streamed
through the core port contract (simlib.core_stream).

Corners: the smallest and largest exponent of each range (every random layer
holds both), zero weights, the most negative, most positive, zero and
alternating inputs through all-positive / all-negative largest-exponent
columns (sums that saturate at both ends), exact rounding ties (through a
column whose only weight is +2^EMIN, so the sum is input 0 itself), both
rounding modes, ReLU, the float32 cast, full-precision outputs, a wide
full-precision input (the seeds' 1x1 pair), exponents all above zero and a
single exponent. The layer is rebuilt from its case name and seed in the
cocotb process, so a wide input format needs no manifest.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import cocotb
import numpy as np
import pytest

from golden.kinds.base import Parallelism
from golden.kinds.po2 import PO2, Po2Layer, random_layer
from golden.layer_format import OutputStage, wide_format
from golden.memfile import write_hex
from golden.qformat import QFormat
from simlib.runner import BlockRun, sv_string
from simlib.seed import base_seed, derived_seed
from simlib.core_stream import CoreStreamBench, stream_layer_suite

SEED_IN = QFormat(16, 12, False)


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
    lanes: int
    cols: int
    zeros: float = 0.15


CASES = {c.name: c for c in [
    Case("q16_12_relu", QFormat(16, 12), (-8, 0), QFormat(16, 12), OutputStage("relu", QFormat(16, 12)), 4, 4, 6, 4, 3),
    Case("seed_na_full", SEED_IN, (-15, 0), QFormat(16, 11), OutputStage("linear", None), 1, 8, 5, 3, 2),
    Case("seed_nb_wide_in", wide_format(30, 22), (-7, 0), QFormat(16, 11),
         OutputStage("relu", SEED_IN, float32_input=True), 1, 5, 4, 2, 4),
    Case("seed_f32_trunc", SEED_IN, (-23, 0), QFormat(16, 11),
         OutputStage("relu", SEED_IN, "trunc", float32_input=True), 2, 3, 3, 6, 1),
    Case("positive_exp", QFormat(8, 4), (2, 5), QFormat(6, 1), OutputStage("linear", QFormat(10, 2), "trunc"),
         3, 2, 3, 1, 3),
    Case("single_exp_sat", QFormat(10, 6), (-1, -1), QFormat(8, 5), OutputStage("linear", QFormat(8, 6)), 2, 3, 4, 2, 2,
         0.0),
    Case("po2_5_1_rne", QFormat(16, 11), (-8, 1), QFormat(16, 11), OutputStage("linear", QFormat(16, 11)), 2, 4, 7, 8, 7),
]}


def make_layer(case: Case) -> Po2Layer:
    """Random weights over the whole exponent range, plus three directed columns: all +2^EMAX, all -2^EMAX
    (saturation at both ends) and a lone +2^EMIN on input 0 (the sum is input 0: rounding ties)."""
    rng = np.random.default_rng(derived_seed(f"po2_conv-layer-{case.name}"))
    layer = random_layer(rng, "layer", case.x, case.span, case.bias, case.out, (case.k, case.in_d, case.out_d),
                         zeros=case.zeros)
    sign, exponent, bias = layer.sign.copy(), layer.exponent.copy(), layer.bias.copy()
    emin, emax = case.span
    if case.out_d >= 3:
        sign[:, :, 0], exponent[:, :, 0] = 1, emax
        sign[:, :, 1], exponent[:, :, 1] = -1, emax
        sign[:, :, 2], exponent[:, :, 2] = 0, emin
        sign[-1, 0, 2] = 1
        bias[:3] = 0
    return Po2Layer("layer", sign, exponent, emin, emax, bias, case.x, case.bias, case.out).validate("po2_conv bench")


class Po2ConvBench(CoreStreamBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.case = CASES[os.environ["PARAM_CASE"]]
        self.layer = make_layer(self.case)
        self.setting = Parallelism(self.case.lanes, self.case.cols)
        self.in_fmt = self.layer.input_format
        self.out_fmt = self.layer.output_format
        self.length = self.layer.terms
        self.out_d = self.layer.out_channels
        self.latency = PO2.core_latency(self.layer, self.setting)
        self.interval = PO2.core_interval(self.layer, self.setting)
        self.label = f"po2_conv {self.case.name}"
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"po2_conv-stimulus-{os.environ['SIM_TAG']}"))
        self.idle_inputs()
        dut.taps_i.value = 0
        dut._log.info("po2_conv %s: %s x 2^[%d, %d] + %s -> %s K=%d %d->%d %s SIM_SEED=%d", self.case.name,
                      self.in_fmt, self.layer.exp_min, self.layer.exp_max, self.layer.bias_format, self.out_fmt,
                      self.layer.kernel_size, self.layer.in_channels, self.layer.out_channels, self.setting, self.seed)

    def expected(self, rows: np.ndarray) -> np.ndarray:
        taps = rows.reshape(-1, self.layer.kernel_size, self.layer.in_channels)
        return np.array([PO2.step(self.layer, window) for window in taps])


@cocotb.test(timeout_time=4, timeout_unit="ms")
async def run_po2_conv(dut):
    tb = Po2ConvBench(dut)
    await tb.start()
    await stream_layer_suite(tb, saturation_check=tb.layer.out_channels >= 3)


@pytest.mark.parametrize("name", sorted(CASES))
def test_po2_conv(name: str) -> None:
    case = CASES[name]
    layer = make_layer(case)
    setting = Parallelism(case.lanes, case.cols)
    placeholder = {"weights": "WEIGHTS", "bias": "BIAS"}
    parameters = {key: value for key, value in PO2.rtl_parameters(layer, setting, placeholder).items()
                  if not key.endswith("_FILE")}
    run = BlockRun(
        toplevel=PO2.rtl_module,
        modules=list(PO2.rtl_dependencies) + [PO2.rtl_module],
        test_module="test_po2_conv",
        parameters=parameters,
        env={"PARAM_CASE": name},
    )
    run.build_dir.mkdir(parents=True, exist_ok=True)
    for role, (words, bits) in PO2.rom_files(layer, setting).items():
        path = write_hex(run.build_dir / f"{role}.hex", words, bits)
        run.parameters[f"{role.upper()}_FILE"] = sv_string(str(path))
    run.run()
