"""conv1d: one K-tap convolution output with per-tensor formats, bit-exact against golden.kinds.conv1d.

Directed corners reach saturation at both ends (all-min / all-max inputs through
all-min / all-max kernel columns and extreme biases) and exact rounding ties
(through a kernel column that is a single weight of code 1), in both rounding
modes, with and without ReLU, for one-format layers and for the formats QKeras
models mix (the seeds' Q(16,11) x UQ(16,12) through float32, full-precision
outputs, biases finer and coarser than the product, outputs with more
fractional bits than the sum, operands wider than 18 bits). The layer's RTL
parameters, weight files, latency and interval all come from its kind (golden.kinds.conv1d);
samples are streamed through the core port contract (simlib.core_stream): overlapped starts,
consumer backpressure and stalls, resets with results in flight.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cocotb
import numpy as np
import pytest

from golden.kinds.conv1d import CONV1D, ConvLayer
from golden.kinds.base import Parallelism
from golden.layer_format import OperandFormats, OutputStage
from golden.manifest import load_manifest, manifest_to_dict, NetworkManifest, save_manifest
from golden.memfile import write_hex
from golden.qformat import QFormat
from simlib.runner import BlockRun, sv_string
from simlib.seed import base_seed, derived_seed
from simlib.stimulus import corner_bias, corner_matrix, corner_rows, random_rows, tie_rows
from simlib.core_stream import BURSTY, FULL_RATE, RANDOM, CoreStreamBench


def _load_layer() -> tuple[ConvLayer, Parallelism]:
    manifest = load_manifest(os.environ["LAYER_MANIFEST"])
    return manifest.layers[0], Parallelism(int(os.environ["PARAM_LANES"]), int(os.environ["PARAM_COLS"]),
                                           mul_latency=int(os.environ["PARAM_MUL_LATENCY"]))


class Conv1dBench(CoreStreamBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.layer, self.setting = _load_layer()
        self.in_fmt = self.layer.input_format  # of the taps
        self.out_fmt = self.layer.output_format
        self.taps, self.in_d, self.out_d = self.layer.kernel.shape
        self.length = self.taps * self.in_d
        self.latency = CONV1D.core_latency(self.layer, self.setting)
        self.interval = CONV1D.core_interval(self.layer, self.setting)
        self.label = "conv1d"
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"conv1d-stimulus-{os.environ['SIM_TAG']}"))
        self.idle_inputs()
        dut.taps_i.value = 0
        dut._log.info("conv1d %s x %s + %s -> %s (%s, %s, float32 %d) K=%d %d->%d %s LATENCY=%d INTERVAL=%d "
                      "SIM_SEED=%d", self.in_fmt, self.layer.operands.kernel, self.layer.operands.bias, self.out_fmt,
                      self.layer.output.activation.value, self.layer.output.rounding.value,
                      self.layer.output.float32_input, self.taps, self.in_d, self.out_d, self.setting, self.latency,
                      self.interval, self.seed)

    def expected(self, rows: np.ndarray) -> np.ndarray:
        taps = rows.reshape(-1, self.taps, self.in_d)
        return np.array([CONV1D.step(self.layer, window) for window in taps])


@cocotb.test(timeout_time=4, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_conv1d(dut):
    tb = Conv1dBench(dut)
    await tb.start()
    fmt, length = tb.in_fmt, tb.length
    corners = np.clip(corner_rows(fmt, length), fmt.min_code, fmt.max_code)
    await tb.stream("corners at full rate", corners, FULL_RATE, check_timing=True)
    ops = tb.layer.operands
    dropped = ops.acc_frac - tb.out_fmt.frac - ops.product_shift  # input 0's bits the output stage drops
    if 1 <= dropped < fmt.width:
        await tb.stream("rounding ties", tie_rows(tb.rng, QFormat(fmt.width, dropped, fmt.signed), length), RANDOM)
    await tb.stream("random, random gaps and backpressure", random_rows(tb.rng, fmt, 30, length), RANDOM)
    await tb.stream("random, consumer stalls", random_rows(tb.rng, fmt, 30, length), BURSTY)
    for accepted, delay in ((1, 1), (2, tb.latency // 2), (2, tb.latency - 1)):
        await tb.reset_mid_stream(accepted, delay)
        await tb.stream(f"after a reset {delay} cycles into {accepted} starts", random_rows(tb.rng, fmt, 4, length),
                        FULL_RATE, check_timing=True)


@dataclass(frozen=True)
class Case:
    """One parameter set: formats (output None: full precision), shape and parallelism."""

    name: str
    x: QFormat
    kernel: QFormat
    bias: QFormat
    out: QFormat | None
    k: int
    in_d: int
    out_d: int
    lanes: int
    cols: int
    rounding: str = "rne"
    relu: bool = False
    float32: bool = False
    mul_latency: int = 1  # 2: the multipliers' operand registers too (the generator's wide networks)


def _one(w: int, f: int, k: int, in_d: int, out_d: int, lanes: int, cols: int, rounding: str, relu: int) -> Case:
    fmt = QFormat(w, f)
    return Case(f"q{w}_{f}", fmt, fmt, fmt, fmt, k, in_d, out_d, lanes, cols, rounding, bool(relu))


Q16_11, UQ16_12 = QFormat(16, 11), QFormat(16, 12, signed=False)
CASES = [
    # one format for every tensor: the seeds' layers at three parallelism settings, uneven splits, Q(8,6),
    # both rounding modes, ReLU on and off
    _one(16, 12, 4, 4, 16, 4, 16, "rne", 1),
    _one(16, 12, 4, 16, 16, 1, 16, "trunc", 1),
    _one(16, 12, 4, 16, 4, 16, 2, "rne", 0),
    _one(20, 19, 2, 3, 5, 2, 2, "rne", 1),
    _one(10, 1, 3, 2, 3, 3, 1, "trunc", 1),
    _one(16, 12, 4, 16, 16, 64, 4, "trunc", 0),
    _one(8, 6, 3, 5, 7, 4, 3, "rne", 1),
    _one(8, 6, 1, 8, 5, 8, 5, "trunc", 0),
    _one(12, 4, 2, 3, 6, 2, 1, "rne", 0),
    # per-tensor formats
    Case("seed_relu_f32", UQ16_12, Q16_11, Q16_11, UQ16_12, 4, 4, 5, 4, 3, "rne", True, True),
    Case("seed_first_f32", Q16_11, Q16_11, Q16_11, UQ16_12, 2, 4, 4, 2, 4, "rne", True, True),
    Case("seed_last_full", UQ16_12, Q16_11, Q16_11, None, 4, 3, 4, 3, 2),
    Case("mixed_relu", QFormat(12, 9, False), QFormat(8, 6), QFormat(8, 6), QFormat(10, 8, False), 2, 5, 5, 3, 2, "rne", True),
    Case("bias_finer", QFormat(6, 2), QFormat(5, 3), QFormat(12, 11), QFormat(8, 3), 3, 2, 3, 2, 3, "trunc"),
    Case("out_finer", QFormat(4, 1), QFormat(4, 1), QFormat(4, 0), QFormat(12, 6), 2, 3, 2, 6, 1),
    Case("wide_24x22", QFormat(24, 20), QFormat(22, 20), QFormat(20, 19), QFormat(24, 20), 2, 3, 3, 2, 3, "rne", True),
    # operand registers: a walk of one cycle (the interval stretched by the longer pipeline), and a seed layer
    Case("q16_12_mul2", QFormat(16, 12), QFormat(16, 12), QFormat(16, 12), QFormat(16, 12), 1, 4, 4, 4, 4, "rne",
         True, mul_latency=2),
    Case("seed_relu_f32_mul2", UQ16_12, Q16_11, Q16_11, UQ16_12, 4, 4, 5, 4, 3, "rne", True, True, mul_latency=2),
    # a walk over 64 words: the weight ROM is block RAM, registered once more (WEIGHT_REG, golden.kinds.conv1d)
    Case("q16_12_deep_rom", QFormat(16, 12), QFormat(16, 12), QFormat(16, 12), QFormat(16, 12), 4, 6, 9, 2, 1, "rne",
         True),
    Case("q16_12_deep_rom_mul2", QFormat(16, 12), QFormat(16, 12), QFormat(16, 12), QFormat(16, 12), 4, 6, 9, 1, 2,
         "rne", False, mul_latency=2),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-K{c.k}-{c.in_d}x{c.out_d}-L{c.lanes}C{c.cols}-{c.rounding}"
                                            f"{'-M2' if c.mul_latency == 2 else ''}" for c in CASES])
def test_conv1d(case: Case) -> None:
    operands = OperandFormats(case.x, case.kernel, case.bias)
    stage = OutputStage("relu" if case.relu else "linear", case.out, case.rounding, case.float32)
    setting = Parallelism(case.lanes, case.cols, mul_latency=case.mul_latency)
    tag_source = f"{case.name}-{case.k}-{case.in_d}-{case.out_d}-{case.lanes}-{case.cols}-{case.rounding}-{case.relu}"
    rng = np.random.default_rng(derived_seed(f"conv1d-layer-{tag_source}"))
    kernel = corner_matrix(rng, case.kernel, case.k * case.in_d, case.out_d).reshape(case.k, case.in_d, case.out_d)
    bias = corner_bias(rng, case.bias, case.out_d)
    layer = ConvLayer("layer", kernel, bias, operands, stage).validate("conv1d bench layer")
    placeholder = {"weights": "WEIGHTS", "bias": "BIAS"}
    parameters = {name: value for name, value in CONV1D.rtl_parameters(layer, setting, placeholder).items()
                  if not name.endswith("_FILE")}
    run = BlockRun(
        toplevel="conv1d",
        modules=list(CONV1D.rtl_dependencies) + [CONV1D.rtl_module],
        test_module="test_conv1d",
        parameters=parameters,
        env={"PARAM_CASE": case.name},
    )
    run.build_dir.mkdir(parents=True, exist_ok=True)
    manifest = NetworkManifest("bench", case.x, case.in_d, (layer,))
    layer_file = save_manifest(manifest, run.build_dir / "layer.yaml")
    for role, (words, bits) in CONV1D.rom_files(layer, setting).items():
        path = write_hex(run.build_dir / f"{role}.hex", words, bits)
        run.parameters[f"{role.upper()}_FILE"] = sv_string(str(path))
    run.env.update({"PARAM_LANES": case.lanes, "PARAM_COLS": case.cols, "PARAM_MUL_LATENCY": case.mul_latency,
                    "LAYER_MANIFEST": layer_file})
    run.run()
