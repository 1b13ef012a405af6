"""The join kinds' core (rtl/join_core.sv): add and multiply of tensors in their own formats, channel by channel,
bit-exact against golden.kinds.add / golden.kinds.multiply (their `step`), cycles = their core_latency and
core_interval.

Corners: every input at its most negative, its most positive and zero, together and crossed (sums and products
that saturate both ends of the output), unsigned inputs beside signed ones, inputs of different fractional bits
(the add's alignment shifts), sixteen inputs (the widest add), exact rounding ties (operands whose dropped bits
are exactly one half), trunc and rne, ReLU with QKeras's float32 cast, full-precision outputs, one channel. Then
random rows under consumer stalls. Expected values come from the kind's step only.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import cocotb
import numpy as np
import pytest

from golden.kinds.add import ADD
from golden.kinds.base import Parallelism
from golden.kinds.join import JoinKind, JoinLayer
from golden.kinds.multiply import MULTIPLY
from golden.layer_format import Activation, OutputStage
from golden.memfile import pack_vector
from golden.qformat import QFormat, Rounding
from simlib.core_stream import BURSTY, FULL_RATE, RANDOM, CoreStreamBench
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed


@dataclass(frozen=True)
class Case:
    name: str
    kind: JoinKind
    formats: tuple[QFormat, ...]
    channels: int
    output: OutputStage
    saturates: bool = True  # the corners reach both ends of the output (a gate's product cannot)


CASES = {c.name: c for c in [
    Case("add_mixed_rne", ADD, (QFormat(8, 4), QFormat(12, 9), QFormat(6, 2, False)), 3,
         OutputStage(Activation.LINEAR, QFormat(9, 5), Rounding.RNE)),
    Case("add_relu_f32", ADD, (QFormat(16, 12), QFormat(16, 12, False)), 2,
         OutputStage(Activation.RELU, QFormat(12, 9, False), Rounding.RNE, float32_input=True)),
    Case("add_16_full", ADD, tuple(QFormat(11, 8) for _ in range(16)), 2, OutputStage(Activation.LINEAR, None)),
    # the WaveNet's skips: ten inputs, summed in registered groups (COMBINE_REG)
    Case("add_10_skips_relu", ADD, tuple(QFormat(12, 9) for _ in range(10)), 8,
         OutputStage(Activation.RELU, QFormat(12, 9, False), Rounding.RNE)),
    Case("add_6_mixed_f32", ADD, (QFormat(8, 4), QFormat(12, 9), QFormat(6, 2, False), QFormat(10, 6),
                                  QFormat(9, 8), QFormat(7, 3, False)), 3,
         OutputStage(Activation.RELU, QFormat(10, 6, False), Rounding.RNE, float32_input=True)),
    Case("add_trunc_one_channel", ADD, (QFormat(10, 2), QFormat(10, 7)), 1,
         OutputStage(Activation.LINEAR, QFormat(8, 4), Rounding.TRUNC)),
    Case("mul_gate", MULTIPLY, (QFormat(8, 7), QFormat(8, 8, False)), 4,
         OutputStage(Activation.LINEAR, QFormat(10, 9), Rounding.RNE), saturates=False),
    Case("mul_relu_trunc", MULTIPLY, (QFormat(12, 3), QFormat(9, 8)), 3,
         OutputStage(Activation.RELU, QFormat(6, 1, False), Rounding.TRUNC)),
    Case("mul_full_wide", MULTIPLY, (QFormat(18, 12), QFormat(17, 16)), 2, OutputStage(Activation.LINEAR, None)),
]}


def make_layer(case: Case) -> JoinLayer:
    return case.kind.make_layer("join", case.formats, case.channels, case.output)


def corner_rows(layer: JoinLayer, rng: np.random.Generator) -> np.ndarray:
    """Each input at min, max or 0, all combinations for up to 3 inputs (else the uniform and alternating ones),
    spread over the channels, plus ties: an input whose bits below the output's grid are exactly one half."""
    levels = [(f.min_code, f.max_code, 0) for f in layer.formats]
    if len(levels) <= 3:
        combos = list(itertools.product(*levels))
    else:
        combos = [tuple(level[i] for level in levels) for i in range(3)]
        combos += [tuple(level[(j + i) % 2] for j, level in enumerate(levels)) for i in range(2)]
    rows = []
    for start in range(0, len(combos), 1):
        row = []
        for index, fmt in enumerate(layer.formats):
            row += [combos[(start + c) % len(combos)][index] for c in range(layer.channels)]
        rows.append(row)
    if layer.output.fmt is not None:
        drop = layer.acc_frac - layer.output.fmt.frac
        for _ in range(8):  # ties: the exact result is (odd or even) + 1/2 on the output grid
            row = []
            for index, fmt in enumerate(layer.formats):
                codes = rng.integers(fmt.min_code, fmt.max_code + 1, layer.channels)
                if index == 0 and drop - layer.input_shifts[0] >= 1:
                    step = 1 << (drop - layer.input_shifts[0] - 1)
                    codes = np.clip((codes // (2 * step)) * (2 * step) + step, fmt.min_code, fmt.max_code)
                elif index > 0 and layer.kind == "add":
                    codes = np.zeros(layer.channels, dtype=np.int64)
                elif index > 0:
                    codes = np.full(layer.channels, 1 << max(0, fmt.frac) if fmt.frac < fmt.width - 1 else 1)
                row += [int(c) for c in codes]
            rows.append(row)
    return np.array(rows, dtype=np.int64)


def random_rows(layer: JoinLayer, rng: np.random.Generator, count: int) -> np.ndarray:
    return np.concatenate([rng.integers(f.min_code, f.max_code + 1, (count, layer.channels)) for f in layer.formats],
                          axis=1).astype(np.int64)


class JoinBench(CoreStreamBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.case = CASES[os.environ["PARAM_CASE"]]
        self.layer = make_layer(self.case)
        setting = Parallelism(1, 1)
        self.in_fmt = self.layer.formats[0]
        self.out_fmt = self.layer.output_format
        self.length = self.layer.in_channels
        self.out_d = self.layer.out_channels
        self.latency = self.case.kind.core_latency(self.layer, setting)
        self.interval = self.case.kind.core_interval(self.layer, setting)
        self.label = f"join_core {self.case.name}"
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"join_core-stimulus-{self.case.name}"))
        self.idle_inputs()
        dut.taps_i.value = 0

    def _pack(self, row: np.ndarray) -> int:
        """Input i's channels at their own width, input 0 in the low bits (garbage rows are wrapped to width)."""
        word, offset = 0, 0
        c = self.layer.channels
        for index, fmt in enumerate(self.layer.formats):
            part = [int(v) & ((1 << fmt.width) - 1) for v in row[index * c:(index + 1) * c]]
            word |= pack_vector(np.array(part), fmt.width, False) << offset
            offset += c * fmt.width
        return word

    def expected(self, rows: np.ndarray) -> np.ndarray:
        return np.array([self.case.kind.step(self.layer, row[np.newaxis]) for row in rows])


@cocotb.test(timeout_time=4, timeout_unit="ms")
async def run_join_core(dut):
    tb = JoinBench(dut)
    await tb.start()
    corners = corner_rows(tb.layer, tb.rng)
    await tb.stream("corners at full rate", corners, FULL_RATE, check_timing=True)
    await tb.stream("random", random_rows(tb.layer, tb.rng, 40), RANDOM)
    await tb.stream("random, consumer stalls", random_rows(tb.layer, tb.rng, 40), BURSTY)
    if tb.case.saturates and not tb.layer.output.full_precision:
        outputs = tb.expected(corners)
        low, high = tb.layer.output.bounds()
        assert (outputs == high).any() and (outputs == low).any(), "the corners must reach both ends of the output"


@pytest.mark.parametrize("name", sorted(CASES))
def test_join_core(name: str) -> None:
    case = CASES[name]
    layer = make_layer(case)
    BlockRun(
        toplevel="join_core",
        modules=[*case.kind.rtl_dependencies, case.kind.rtl_module],
        test_module="test_join_core",
        parameters=case.kind.rtl_parameters(layer, Parallelism(1, 1), {}),
        env={"PARAM_CASE": name},
    ).run()
