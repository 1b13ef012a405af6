"""The quantized_activation kind's core (rtl/quantized_activation.sv: QKeras's quantized_tanh / quantized_sigmoid
on every channel), bit-exact against golden.kinds.activation's step, cycles = its core_latency / core_interval.

Every form: tanh and sigmoid, each hard and smooth (the line: shifts and clamps) and real (use_real: a step
table searched in a ROM), plus the internal-real tanh. Input formats from 2 to 53 bits: signed and unsigned,
negative and large fractional bits (the clamp's reach of one code; no clamp on the widest), full-precision sums
of 30, 40 and 53 bits. Tables shallow (LUT ROM) and deep (block RAM, ROM_REG), full and padded (the clamp of the
count at the top input code), and a constant one (no steps). One and several beats, padding channels.

Stimulus: the input corners (min, max, 0, +-1, min+1, max-1) at full rate with the latency and interval
checked, every step point of the activation on its input format and the codes either side (for a table its
thresholds; for a line the points where its rounded output steps, found by bisection on golden), every input
code of formats up to 12 bits (else random codes) under consumer stalls, and a reset in mid-computation.
Expected values come from ACTIVATION.step only; the step tables of the real forms are numpy's float64 ones
(golden.kinds.activation.float64_step_table: the hardware computes any table; QKeras's own come from the
exporter, golden/tests_qkeras/test_activation_kind.py).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import cocotb
import numpy as np
import pytest

from golden.activations import QuantizedActivation, piecewise_linear_codes
from golden.kinds.activation import (
    ACTIVATION, ActivationLayer, float64_step_table, monotone_step_table, needs_table, rom_registered,
)
from golden.kinds.base import Parallelism
from golden.layer_format import wide_format
from golden.memfile import write_hex
from golden.qformat import QFormat
from simlib.core_stream import BURSTY, FULL_RATE, RANDOM, CoreStreamBench
from simlib.runner import BlockRun, sv_string
from simlib.seed import base_seed, derived_seed

EXHAUSTIVE_WIDTH = 12  # input formats up to this wide get every code
RANDOM_CODES = 1500  # per wider format


@dataclass(frozen=True)
class Case:
    name: str
    function: str
    bits: int
    use_real: bool
    internal: str
    fmt: QFormat
    channels: int
    lanes: int


CASES = {c.name: c for c in [
    Case("tanh_hard_q10_6", "tanh", 6, False, "hard", QFormat(10, 6), 3, 2),
    Case("tanh_smooth_wide40", "tanh", 8, False, "smooth", wide_format(40, 24), 2, 2),
    Case("tanh_real8_bram_q12_8", "tanh", 8, True, "hard", QFormat(12, 8), 2, 1),
    Case("tanh_internal_real_q6_3", "tanh", 5, False, "real", QFormat(6, 3), 2, 1),
    Case("tanh_hard_coarse_q8_m3", "tanh", 4, False, "hard", QFormat(8, -3), 2, 2),
    Case("sigmoid_hard_uq8_4", "sigmoid", 8, False, "hard", QFormat(8, 4, False), 4, 4),
    Case("sigmoid_smooth_q16_12", "sigmoid", 10, False, "smooth", QFormat(16, 12), 5, 2),
    Case("sigmoid_hard_wide53", "sigmoid", 12, False, "hard", wide_format(53, 50), 1, 1),
    Case("sigmoid_real4_wide30", "sigmoid", 4, True, "hard", wide_format(30, 20), 3, 3),
    Case("sigmoid_real4_padded_q6_4", "sigmoid", 4, True, "hard", QFormat(6, 4), 2, 2),
    Case("sigmoid_real4_constant_uq2_10", "sigmoid", 4, True, "hard", QFormat(2, 10, False), 2, 1),
]}


def make_layer(case: Case) -> tuple[ActivationLayer, Parallelism]:
    activation = QuantizedActivation(case.function, case.bits, case.use_real, case.internal)
    table = float64_step_table(activation, case.fmt) if needs_table(activation, case.fmt) else None
    layer = ActivationLayer("layer", activation, case.channels, case.fmt, table).validate(f"bench {case.name}")
    return layer, Parallelism(case.lanes, 1)


def step_points(layer: ActivationLayer) -> np.ndarray:
    """The input codes where the output steps up: the table's thresholds, or the line's, found on golden."""
    table = layer.table or monotone_step_table(
        layer.activation, layer.input_fmt, lambda codes: piecewise_linear_codes(layer.activation, layer.input_fmt, codes))
    return np.asarray(table.thresholds, dtype=np.int64)


def as_rows(codes: np.ndarray, channels: int, rng: np.random.Generator, fmt: QFormat, rotate: bool) -> np.ndarray:
    """Codes dealt over the channels row by row, the last row filled with random codes; `rotate` repeats the rows
    rotated by one channel (every code in two lanes, or two beats)."""
    padded = np.concatenate([codes, rng.integers(fmt.min_code, fmt.max_code, (-codes.size) % channels, endpoint=True)])
    rows = padded.reshape(-1, channels)
    return np.concatenate([rows, np.roll(rows, 1, axis=1)]) if rotate and channels > 1 else rows


class ActivationBench(CoreStreamBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.case = CASES[os.environ["PARAM_CASE"]]
        self.layer, self.setting = make_layer(self.case)
        self.in_fmt = self.layer.input_format
        self.out_fmt = self.layer.output_format
        self.length = self.out_d = self.layer.channels
        self.latency = ACTIVATION.core_latency(self.layer, self.setting)
        self.interval = ACTIVATION.core_interval(self.layer, self.setting)
        self.label = f"quantized_activation {self.case.name}"
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"quantized_activation-stimulus-{self.case.name}"))
        self.idle_inputs()
        dut.taps_i.value = 0
        table = self.layer.table
        dut._log.info("quantized_activation %s: %s on %s -> %s, %d channels, LANES=%d, %s, LAT=%d II=%d SIM_SEED=%d",
                      self.case.name, self.layer.activation, self.in_fmt, self.out_fmt, self.layer.channels,
                      self.setting.lanes, f"table of {len(table.thresholds)} steps" if table else "line",
                      self.latency, self.interval, self.seed)

    def expected(self, rows: np.ndarray) -> np.ndarray:
        return np.array([ACTIVATION.step(self.layer, row[np.newaxis]) for row in rows], dtype=np.int64)

    def corners(self) -> np.ndarray:
        fmt = self.in_fmt
        values = [fmt.min_code, fmt.max_code, 0, 1, fmt.min_code + 1, fmt.max_code - 1] + ([-1] if fmt.signed else [])
        return as_rows(np.array(values, dtype=np.int64), self.length, self.rng, fmt, rotate=True)

    def around_steps(self) -> np.ndarray:
        fmt = self.in_fmt
        points = step_points(self.layer)
        near = np.clip((points[:, None] + np.arange(-1, 2)).reshape(-1), fmt.min_code, fmt.max_code)
        return as_rows(near, self.length, self.rng, fmt, rotate=True)

    def everywhere(self) -> np.ndarray:
        fmt = self.in_fmt
        if fmt.width <= EXHAUSTIVE_WIDTH:
            codes = self.rng.permutation(np.arange(fmt.min_code, fmt.max_code + 1, dtype=np.int64))
        else:
            codes = self.rng.integers(fmt.min_code, fmt.max_code, RANDOM_CODES, endpoint=True)
        return as_rows(codes, self.length, self.rng, fmt, rotate=False)


@cocotb.test(timeout_time=60, timeout_unit="ms")
async def run_quantized_activation(dut):
    tb = ActivationBench(dut)
    await tb.start()
    await tb.stream("corners at full rate", tb.corners(), FULL_RATE, check_timing=True)
    if step_points(tb.layer).size:
        await tb.stream("every step point and either side", tb.around_steps(), RANDOM)
    await tb.stream("every code" if tb.in_fmt.width <= EXHAUSTIVE_WIDTH else "random codes, consumer stalls",
                    tb.everywhere(), BURSTY)
    await tb.reset_mid_stream(accepted=1, delay=max(1, tb.latency // 2))
    await tb.stream("after a reset, at full rate", tb.corners(), FULL_RATE, check_timing=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_quantized_activation(name: str) -> None:
    layer, setting = make_layer(CASES[name])
    if name.startswith("tanh_real8_bram"):
        assert rom_registered(layer), "the 8-bit table is block RAM: ROM_REG"
    placeholder = {"thresholds": "THRESHOLDS"}
    parameters = {key: value for key, value in ACTIVATION.rtl_parameters(layer, setting, placeholder).items()
                  if not key.endswith("_FILE")}
    run = BlockRun(
        toplevel=ACTIVATION.rtl_module,
        modules=[*ACTIVATION.rtl_dependencies, ACTIVATION.rtl_module],
        test_module="test_quantized_activation",
        parameters=parameters,
        env={"PARAM_CASE": name},
    )
    run.build_dir.mkdir(parents=True, exist_ok=True)
    for role, (words, bits) in ACTIVATION.rom_files(layer, setting).items():
        path = write_hex(run.build_dir / f"{role}.hex", words, bits)
        run.parameters[f"{role.upper()}_FILE"] = sv_string(str(path))
    run.run()
