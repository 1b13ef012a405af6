"""The multiply kind: Keras's `Multiply` of two tensors (a WaveNet's gate, tanh(filter) * sigmoid(gate)).

    y[t][c] = output_stage( x_0[t][c] * x_1[t][c] ),   F = F_0 + F_1

The product is exact (the operands' signed widths added, docs/arithmetic.md 9) and the output stage is a
conv's: the QActivation quantizer that follows the Multiply in the model, or full precision. The core computes
it on one fixed_mul (one MULT18X18D for operands up to 18 bits), one channel per cycle. The join rules (schema,
step, core, formulas) are golden.kinds.join's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from golden.kinds.base import Layer, Parallelism
from golden.kinds.join import JoinKind, JoinLayer, JoinSchemaError
from golden.kinds.join_import import JoinImport
from golden.layer_format import Activation, OutputStage
from golden.qformat import QFormat, Rounding

MAX_OPERAND_WIDTH = 26  # the core's fixed_mul: a product of two operands up to this wide (yosys splits > 18 bits)


@dataclass(frozen=True, eq=False)
class MultiplyLayer(JoinLayer):
    @property
    def kind(self) -> str:
        return MULTIPLY.name

    @property
    def acc_frac(self) -> int:
        return sum(fmt.frac for fmt in self.formats)

    @property
    def input_shifts(self) -> tuple[int, ...]:
        return (0,) * len(self.formats)

    @property
    def acc_width(self) -> int:
        return sum(fmt.operand_width for fmt in self.formats)

    @property
    def combine_stages(self) -> int:
        """The product leaves the DSP's register into a fabric register before the output stage: the route out of
        the DSP column and the output stage's rounding in one cycle was the WaveNet's critical path (docs/results.md).
        """
        return 1

    def combine(self, operands: list[np.ndarray]) -> np.ndarray:
        return operands[0] * operands[1]

    def validate(self, where: str) -> "MultiplyLayer":
        super().validate(where)
        if len(self.formats) != 2:
            raise JoinSchemaError(f"{where}: a multiply layer takes two tensors, got {len(self.formats)}")
        for index, fmt in enumerate(self.formats):
            if fmt.operand_width > MAX_OPERAND_WIDTH:
                raise JoinSchemaError(f"{where}: input {index} format {fmt} is wider than the core's "
                                      f"{MAX_OPERAND_WIDTH}-bit multiplier operand; quantize it first")
        return self


class MultiplyKind(JoinKind):
    name = "multiply"
    keras_layers = ("Multiply",)
    op_code = 1
    max_inputs = 2

    def make_layer(self, name: str, formats: tuple[QFormat, ...], channels: int,
                   output: OutputStage) -> MultiplyLayer:
        return MultiplyLayer(name, formats, channels, output).validate(f"layer {name}")

    def claims(self, keras_layer: Any) -> bool:
        return type(keras_layer).__name__ == "Multiply"

    def keras_import(self, keras_layer: Any, where: str) -> JoinImport:
        return JoinImport(keras_layer, where, self)

    def multipliers(self, layer: Layer, setting: Parallelism) -> int:
        return 1

    def dsp_blocks(self, layer: Layer, setting: Parallelism) -> int:
        formats = layer.input_formats
        a, b = formats[0].operand_width, formats[1].operand_width
        return 1 if a <= 18 and b <= 18 else 2 if min(a, b) <= 18 else 4

    def example_layers(self, rng: np.random.Generator) -> list[tuple[Layer, Parallelism]]:
        """A Q(8,7) tensor squared into a rounded Q(8,6) with a ReLU, and into full precision."""
        q = QFormat(8, 7)
        return [(self.make_layer("example", (q, q), 3, OutputStage(Activation.RELU, QFormat(8, 6, False),
                                                                    Rounding.RNE)), Parallelism(1, 1)),
                (self.make_layer("example", (q, q), 2, OutputStage(Activation.LINEAR, None)), Parallelism(1, 1))]


MULTIPLY = MultiplyKind()
