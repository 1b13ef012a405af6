"""The add kind: Keras's `Add` of 2 to 16 tensors (a residual connection, the sum of a WaveNet's skips).

    y[t][c] = output_stage( sum_i x_i[t][c] << (F - F_i) ),   F = max_i F_i

Each input keeps its own format; the sum is exact on the finest input grid (docs/arithmetic.md 9), in
golden.kinds.join's `sum_width` bits, and the output stage is a conv's: the QActivation quantizer that follows
the Add in the model, or full precision. The join rules (schema, step, core, formulas) are golden.kinds.join's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from golden.kinds.base import Layer, Parallelism
from golden.kinds.join import SUM_GROUP, JoinKind, JoinLayer, sum_width
from golden.kinds.join_import import JoinImport
from golden.layer_format import Activation, OutputStage
from golden.qformat import QFormat, Rounding


@dataclass(frozen=True, eq=False)
class AddLayer(JoinLayer):
    @property
    def kind(self) -> str:
        return ADD.name

    @property
    def acc_frac(self) -> int:
        return max(fmt.frac for fmt in self.formats)

    @property
    def input_shifts(self) -> tuple[int, ...]:
        return tuple(self.acc_frac - fmt.frac for fmt in self.formats)

    @property
    def acc_width(self) -> int:
        return sum_width(self.formats, self.input_shifts, len(self.formats))

    @property
    def combine_stages(self) -> int:
        """More than SUM_GROUP operands are summed in registered groups, then the groups: one N-operand tree in
        a cycle was the WaveNet's critical path (its ten skips, 7.3 ns; docs/results.md)."""
        return int(len(self.formats) > SUM_GROUP)

    def combine(self, operands: list[np.ndarray]) -> np.ndarray:
        total = np.zeros(np.shape(operands[0]), dtype=np.int64)
        for operand in operands:
            total = total + operand
        return total


class AddKind(JoinKind):
    name = "add"
    keras_layers = ("Add",)
    op_code = 0

    def make_layer(self, name: str, formats: tuple[QFormat, ...], channels: int, output: OutputStage) -> AddLayer:
        return AddLayer(name, formats, channels, output).validate(f"layer {name}")

    def claims(self, keras_layer: Any) -> bool:
        return type(keras_layer).__name__ == "Add"

    def keras_import(self, keras_layer: Any, where: str) -> JoinImport:
        return JoinImport(keras_layer, where, self)

    def example_layers(self, rng: np.random.Generator) -> list[tuple[Layer, Parallelism]]:
        """Three Q(10,6) tensors of 3 channels into a rounded Q(8,4), five (more than SUM_GROUP: the grouped sum)
        into a rounded Q(10,4), and two into full precision with a ReLU-free sum (the bench drives one network input
        into every slot, so the formats are equal)."""
        q = QFormat(10, 6)
        return [(self.make_layer("example", (q, q, q), 3, OutputStage(Activation.LINEAR, QFormat(8, 4), Rounding.RNE)),
                 Parallelism(1, 1)),
                (self.make_layer("example", (q,) * 5, 3, OutputStage(Activation.LINEAR, QFormat(10, 4), Rounding.RNE)),
                 Parallelism(1, 1)),
                (self.make_layer("example", (q, q), 2, OutputStage(Activation.LINEAR, None)), Parallelism(1, 1))]


ADD = AddKind()
