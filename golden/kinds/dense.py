"""The dense kind: QKeras's QDense applied at every time step, a 1x1 convolution (rtl/conv1d.sv with K = 1).

    y[t][o] = output_stage( (sum_c x[t][c] * kernel[c][o]) << PS  +  bias[o] << BS )

The arithmetic, the hardware and its formulas are conv1d's (docs/arithmetic.md): a dense layer is a
ConvLayer of kernel size 1 and dilation 1 that says it is `dense`. This module owns only what differs: its
manifest entry (a 2-D kernel, no kernel_size or dilation), its QKeras import rule (QDense, whose kernel is
(IN, OUT) and which has no padding, strides or dilation) and its examples. docs/extending.md walks through it
as the model of adding a kind.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from golden.kinds.base import Layer, Parallelism
from golden.kinds.conv1d import (
    Conv1dKind, ConvLayer, LayerSchemaError, QConv1DImport, _array, _field, assert_conv, formats_dict, layer_formats,
)
from golden.layer_format import OperandFormats, OutputStage
from golden.qformat import QFormat


@dataclass(frozen=True, eq=False)
class DenseLayer(ConvLayer):
    """A ConvLayer with kernel (1, IN, OUT) and dilation 1."""

    @property
    def kind(self) -> str:
        return DENSE.name

    def validate(self, where: str) -> "DenseLayer":
        super().validate(where)
        if self.kernel_size != 1 or self.dilation != 1:
            raise LayerSchemaError(f"{where}: a dense layer has kernel size 1 and dilation 1, got "
                                   f"{self.kernel_size} and {self.dilation}")
        return self


class DenseKind(Conv1dKind):
    name = "dense"
    keras_layers = ("QDense",)
    # conv1d's core, structures, formulas, ROMs and estimates, inherited

    # ---- manifest schema ----
    def from_dict(self, data: dict[str, Any], where: str, input_format: QFormat, defaults: dict[str, Any]) -> DenseLayer:
        """`kernel` (IN, OUT), `bias` (OUT,), `in_channels`, `out_channels`, and conv1d's `formats` and `output`."""
        kernel = _array(_field(data, "kernel", list, where), f"{where} kernel")
        bias = _array(_field(data, "bias", list, where), f"{where} bias")
        declared = tuple(_field(data, key, int, where) for key in ("in_channels", "out_channels"))
        if kernel.shape != declared:
            raise LayerSchemaError(f"{where}: kernel has shape {kernel.shape}, but in_channels/out_channels say "
                                   f"{declared}")
        operands, stage = layer_formats(data, where, input_format, defaults, kernel.shape[0])
        layer = DenseLayer(name=_field(data, "name", str, where), kernel=kernel[np.newaxis], bias=bias,
                           operands=operands, output=stage)
        return layer.validate(where)

    def to_dict(self, layer: Layer) -> dict[str, Any]:
        assert_conv(layer)
        return {"name": layer.name, "kind": self.name, "in_channels": layer.in_channels,
                "out_channels": layer.out_channels, **formats_dict(layer), "kernel": layer.kernel[0].tolist(),
                "bias": layer.bias.tolist()}

    # ---- QKeras import rule ----
    def claims(self, keras_layer: Any) -> bool:
        """A QDense (on a (batch, time, channels) input Keras applies it at every time step)."""
        return type(keras_layer).__name__ == "QDense"

    def keras_import(self, keras_layer: Any, where: str) -> "QDenseImport":
        return QDenseImport(keras_layer, where)

    # ---- examples for the benches ----
    def lint_variants(self) -> list[tuple[Layer, Parallelism]]:
        """conv1d's core with K = 1: conv1d's own variants cover it."""
        return []

    def example_layers(self, rng: np.random.Generator) -> list[tuple[Layer, Parallelism]]:
        """A 3 -> 4 dense layer into a ReLU on two lanes, and a 4 -> 2 full-precision one on one."""
        def layer(operands: OperandFormats, stage: OutputStage, in_d: int, out_d: int) -> DenseLayer:
            kernel = rng.integers(operands.kernel.min_code, operands.kernel.max_code + 1, (1, in_d, out_d))
            bias = rng.integers(operands.bias.min_code, operands.bias.max_code + 1, out_d)
            return DenseLayer("example", kernel, bias, operands, stage).validate("example")
        q = QFormat(10, 6)
        return [(layer(OperandFormats(q, QFormat(8, 6), q), OutputStage("relu", QFormat(9, 6, False)), 3, 4),
                 Parallelism(2, 2)),
                (layer(OperandFormats(QFormat(9, 6, False), QFormat(6, 4), QFormat(8, 5)), OutputStage("linear", None),
                       4, 2), Parallelism(1, 1))]

    def cost_variants(self) -> list[tuple[str, Layer, Parallelism]]:
        return []  # conv1d's table covers the core


DENSE = DenseKind()


class QDenseImport(QConv1DImport):
    """The dense kind's QKeras import rule: a QDense with quantized_bits kernel and bias (conv1d's rule for the
    weights), applied per time step; its kernel (IN, OUT) is the 1x1 convolution's (1, IN, OUT)."""

    layer_class = DenseLayer

    def option_problems(self) -> list[str]:
        return []  # a QDense has no padding, strides or dilation

    @property
    def terms(self) -> int:
        return int(self.keras_layer.kernel.shape[0])

    def kernel_codes(self) -> np.ndarray:
        return super().kernel_codes()[np.newaxis]
