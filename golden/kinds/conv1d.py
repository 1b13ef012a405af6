"""The conv1d kind: a causal dilated convolution with per-tensor formats (rtl/conv1d.sv).

    y[o] = output_stage( (sum_k sum_c taps[k][c] * kernel[k][c][o]) << PS  +  bias[o] << BS )

docs/arithmetic.md defines the arithmetic; golden.fast and golden.reference
implement it (proven equal by golden/tests/test_layer_formats.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from golden import fast
from golden.errors import GoldenError
from golden.frontend.quantizers import FLOAT64_MANTISSA_BITS, bits_format, quantized_codes
from golden.kinds.base import (
    IMPLEMENTATION_LANES, LUT_ROM_MAX_DEPTH, KerasImport, Layer, LayerKind, Parallelism, Sequence, rom_in_block_ram,
)
from golden.layer_format import Activation, OperandFormats, OutputStage, recorded_input_format
from golden.memfile import bias_rom_depth, bias_rom_words, matrix_rom_depth, matrix_rom_words
from golden.qformat import QFormat, Rounding, format_from_dict

MAX_KERNEL_SIZE = 64
MAX_DILATION = 4096
MAX_CHANNELS = 1024
MULT18_BITS = 18  # ECP5 MULT18X18D operand width (signed)


class LayerSchemaError(GoldenError):
    """A layer's manifest entry is invalid; the message names the layer and the field."""


class ConvArithmetic:
    """What every layer of conv arithmetic (docs/arithmetic.md: K taps of IN channels times a (K, IN, OUT)
    kernel, plus a bias, through an output stage) derives from its kernel's shape, operand formats and output
    stage, written once for conv1d's, po2's and dense's layer classes. A subclass gives `kernel_shape`,
    `operands` and `output`."""

    @property
    def kernel_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def kernel_size(self) -> int:
        return int(self.kernel_shape[0])

    @property
    def in_channels(self) -> int:
        return int(self.kernel_shape[1])

    @property
    def out_channels(self) -> int:
        return int(self.kernel_shape[2])

    @property
    def terms(self) -> int:
        return self.kernel_size * self.in_channels

    @property
    def input_format(self) -> QFormat:
        return self.operands.input

    @property
    def output_format(self) -> QFormat:
        return self.output.output_format(self.operands, self.terms)

    @property
    def accumulator_width(self) -> int:
        return self.operands.accumulator_width(self.terms)

    @property
    def relu(self) -> bool:
        return self.output.activation is Activation.RELU

    def check_conv_limits(self, where: str, shape: tuple[int, ...], bias: np.ndarray) -> None:
        """The checks every conv-arithmetic layer shares, on its (K, IN, OUT) `shape` and checked `bias` codes:
        the size limits, the bias's shape, the dilation, an accumulator the formats allow and, for a float32
        input stage, one of at most 62 bits. Errors name `where`."""
        k, in_d, out_d = shape
        if k > MAX_KERNEL_SIZE:
            raise LayerSchemaError(f"{where}: kernel size {k} exceeds {MAX_KERNEL_SIZE}")
        if in_d > MAX_CHANNELS or out_d > MAX_CHANNELS:
            raise LayerSchemaError(f"{where}: at most {MAX_CHANNELS} channels, got {in_d} in and {out_d} out")
        if bias.shape != (out_d,):
            raise LayerSchemaError(f"{where}: bias must have shape ({out_d},), got {bias.shape}")
        if isinstance(self.dilation, (bool, np.bool_)) or not isinstance(self.dilation, (int, np.integer)) \
                or not 1 <= self.dilation <= MAX_DILATION:
            raise LayerSchemaError(f"{where}: dilation must be an integer in [1, {MAX_DILATION}], got {self.dilation!r}")
        try:
            width = self.operands.accumulator_width(k * in_d)
        except GoldenError as error:
            raise LayerSchemaError(f"{where}: {error}") from None
        if self.output.float32_input and width > 62:
            raise LayerSchemaError(f"{where}: float32 input rounding supports accumulators up to 62 bits, not {width}")


@dataclass(frozen=True, eq=False)
class ConvLayer(ConvArithmetic, Layer):
    """Kernel codes (K, IN, OUT) in operands.kernel, bias codes (OUT,) in operands.bias."""

    kernel: np.ndarray
    bias: np.ndarray
    operands: OperandFormats
    output: OutputStage
    dilation: int = 1

    @property
    def kind(self) -> str:
        return CONV1D.name

    @property
    def kernel_shape(self) -> tuple[int, ...]:
        return tuple(self.kernel.shape)

    @property
    def parameter_count(self) -> int:
        return int(self.kernel.size + self.bias.size)

    @classmethod
    def single_format(
        cls, name: str, kernel: np.ndarray, bias: np.ndarray, fmt: QFormat, dilation: int = 1, relu: bool = False,
        rounding: Rounding | str = Rounding.RNE,
    ) -> "ConvLayer":
        """A layer whose input, kernel, bias and output all use `fmt` (manifest version 1's model)."""
        stage = OutputStage(Activation.RELU if relu else Activation.LINEAR, fmt, Rounding.parse(rounding))
        return cls(name, np.asarray(kernel), np.asarray(bias), OperandFormats(fmt, fmt, fmt), stage, dilation)

    def validate(self, where: str) -> "ConvLayer":
        """Check shapes, ranges and codes; freeze the arrays. Errors name `where`."""
        try:
            kernel = np.array(self.operands.kernel.check_codes(self.kernel, f"{where} kernel"), dtype=np.int64)
            bias = np.array(self.operands.bias.check_codes(self.bias, f"{where} bias"), dtype=np.int64)
        except GoldenError as error:
            raise LayerSchemaError(str(error)) from None
        if kernel.ndim != 3 or 0 in kernel.shape:
            raise LayerSchemaError(f"{where}: kernel must have shape (K, IN, OUT) with no empty axis, got {kernel.shape}")
        self.check_conv_limits(where, kernel.shape, bias)
        kernel.setflags(write=False)
        bias.setflags(write=False)
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "dilation", int(self.dilation))
        return self


class Conv1dKind(LayerKind):
    name = "conv1d"
    rtl_module = "conv1d"
    rtl_dependencies = ("fixed_mul", "dot_product", "row_by_matrix_multiply", "bias_align", "requantise",
                        "float32_round", "layer_output_stage")
    stream_port_modules = ("conv1d",)
    structures = ("per-layer", "shared")
    keras_layers = ("QConv1D",)

    # ---- manifest schema ----
    def from_dict(self, data: dict[str, Any], where: str, input_format: QFormat, defaults: dict[str, Any]) -> ConvLayer:
        """Version 2: formats and output explicit. Version 1 (`defaults` has `format`, `rounding`):
        one Q(W,F) for every tensor and `relu: bool`; a ReLU output stays in the signed Q(W,F)."""
        kernel = _array(_field(data, "kernel", list, where), f"{where} kernel")
        bias = _array(_field(data, "bias", list, where), f"{where} bias")
        declared = tuple(_field(data, key, int, where) for key in ("kernel_size", "in_channels", "out_channels"))
        if kernel.shape != declared:
            raise LayerSchemaError(
                f"{where}: kernel has shape {kernel.shape}, but kernel_size/in_channels/out_channels say {declared}"
            )
        operands, stage = layer_formats(data, where, input_format, defaults, kernel.shape[0] * kernel.shape[1])
        layer = ConvLayer(
            name=_field(data, "name", str, where), kernel=kernel, bias=bias, operands=operands, output=stage,
            dilation=_field(data, "dilation", int, where),
        )
        return layer.validate(where)

    def to_dict(self, layer: Layer) -> dict[str, Any]:
        assert_conv(layer)
        return {
            "name": layer.name,
            "kind": self.name,
            "kernel_size": layer.kernel_size,
            "dilation": layer.dilation,
            "in_channels": layer.in_channels,
            "out_channels": layer.out_channels,
            **formats_dict(layer),
            "kernel": layer.kernel.tolist(),
            "bias": layer.bias.tolist(),
        }

    # ---- QKeras import rule ----
    def claims(self, keras_layer: Any) -> bool:
        """A QConv1D, except one with a quantized_po2 kernel: the po2 kind's."""
        return type(keras_layer).__name__ == "QConv1D" and not has_po2_kernel(keras_layer)

    def keras_import(self, keras_layer: Any, where: str) -> "QConv1DImport":
        return QConv1DImport(keras_layer, where)

    # ---- golden ----
    def step(self, layer: Layer, taps: np.ndarray) -> np.ndarray:
        assert_conv(layer)
        return fast.conv1d_layer_step(taps, layer.kernel, layer.bias, layer.operands, layer.output)

    def sequence(self, layer: Layer, samples: np.ndarray) -> Sequence:
        """Textbook causal dilated convolution: K shifted copies of the sequence times the kernel taps."""
        assert_conv(layer)
        x = layer.input_format.check_codes(samples, f"layer {layer.name} input")
        steps = x.shape[0]
        ops = layer.operands
        padded = np.concatenate([np.zeros((layer.history, layer.in_channels), dtype=np.int64), x])
        products = np.zeros((steps, layer.out_channels), dtype=np.int64)
        for k in range(layer.kernel_size):
            delay = (layer.kernel_size - 1 - k) * layer.dilation
            products = products + padded[layer.history - delay: layer.history - delay + steps] @ layer.kernel[k]
        sums = products * (1 << ops.product_shift) + layer.bias * (1 << ops.bias_shift)
        return sequence_result(sums, ops.acc_frac, layer.output)

    # ---- hardware ----
    def settings(self, layer: Layer) -> Iterable[Parallelism]:
        assert_conv(layer)
        yield from lane_col_settings(layer.terms, layer.out_channels)

    def frontier_settings(self, layer: Layer) -> Iterable[Parallelism]:
        assert_conv(layer)
        yield from lane_col_frontier(layer.terms, layer.out_channels,
                                     layer.in_channels if stream_sized(layer) else None)

    def tap_stream(self, layer: Layer, setting: Parallelism) -> bool:
        assert_conv(layer)
        return streams_taps(layer, setting)

    def check_setting(self, layer: Layer, setting: Parallelism, where: str) -> None:
        assert_conv(layer)
        check_lane_col_setting(layer.terms, layer.out_channels, setting, where)
        if setting.stream and setting.lanes > layer.in_channels:
            raise GoldenError(f"{where}: streamed taps come one tap's chunk of LANES channels per beat: LANES must "
                              f"be at most IN_D = {layer.in_channels}, got {setting.lanes}")

    def core_latency(self, layer: Layer, setting: Parallelism) -> int:
        assert_conv(layer)
        return conv1d_latency(walked_terms(layer, setting), layer.out_channels, setting, layer.output.float32_input,
                              streams_taps(layer, setting))

    def core_interval(self, layer: Layer, setting: Parallelism) -> int:
        assert_conv(layer)
        return conv1d_interval(walked_terms(layer, setting), layer.out_channels, setting,
                               layer.output.float32_input, streams_taps(layer, setting))

    def multipliers(self, layer: Layer, setting: Parallelism) -> int:
        return setting.lanes * setting.cols

    def dsp_blocks(self, layer: Layer, setting: Parallelism) -> int:
        """One MULT18X18D per multiplier while both signed operands fit 18 bits; yosys splits wider ones."""
        assert_conv(layer)
        a, b = layer.operands.input.operand_width, layer.operands.kernel.operand_width
        return self.multipliers(layer, setting) * math.ceil(a / MULT18_BITS) * math.ceil(b / MULT18_BITS)

    def estimated_luts(self, layer: Layer, setting: Parallelism) -> int:
        assert_conv(layer)
        return conv1d_core_cost(layer, setting).luts

    def estimated_flip_flops(self, layer: Layer, setting: Parallelism) -> int:
        assert_conv(layer)
        return conv1d_core_cost(layer, setting).flip_flops

    def rtl_parameters(self, layer: Layer, setting: Parallelism, files: dict[str, str]) -> dict[str, int | str]:
        assert_conv(layer)
        return conv1d_parameters(layer, setting, files, {"KW": layer.operands.kernel.width},
                                 streams_taps(layer, setting))

    def rom_files(self, layer: Layer, setting: Parallelism) -> dict[str, tuple[list[int], int]]:
        assert_conv(layer)
        matrix = walked_matrix(layer.kernel, setting.lanes if streams_taps(layer, setting) else None)
        kernel_fmt, bias_fmt = layer.operands.kernel, layer.operands.bias
        shapes = self.rom_shapes(layer, setting)
        return {
            "weights": (matrix_rom_words(matrix, kernel_fmt, setting.lanes, setting.cols), shapes["weights"][1]),
            "bias": (bias_rom_words(layer.bias, bias_fmt, setting.cols), shapes["bias"][1]),
        }

    def rom_shapes(self, layer: Layer, setting: Parallelism) -> dict[str, tuple[int, int]]:
        assert_conv(layer)
        return lane_col_rom_shapes(walked_terms(layer, setting), layer.out_channels, setting,
                                   layer.operands.kernel.width, layer.operands.bias.width)

    def lint_variants(self) -> list[tuple[Layer, Parallelism]]:
        def layer(operands: OperandFormats, stage: OutputStage, k: int, in_d: int, out_d: int) -> ConvLayer:
            return ConvLayer("lint", np.zeros((k, in_d, out_d), dtype=np.int64), np.zeros(out_d, dtype=np.int64),
                             operands, stage).validate("lint")
        q16 = QFormat(16, 12)
        seed = OperandFormats(QFormat(16, 12, False), QFormat(16, 11), QFormat(16, 11))
        return [
            (layer(OperandFormats(q16, q16, q16), OutputStage("relu", q16), 4, 4, 16), Parallelism(4, 4)),
            # a tap vector of STREAM_MIN_TAP_BITS: streamed from the stage's tap_ring, 64 channels in 3-wide chunks
            (layer(OperandFormats(q16, q16, q16), OutputStage("relu", q16), 4, 64, 5), Parallelism(3, 2)),
            (layer(seed, OutputStage("relu", QFormat(16, 12, False), float32_input=True), 4, 16, 16), Parallelism(1, 16)),
            (layer(seed, OutputStage("linear", None), 4, 16, 4), Parallelism(3, 3)),
            (layer(seed, OutputStage("linear", None), 4, 16, 4), Parallelism(3, 3, mul_latency=2)),
            (layer(OperandFormats(QFormat(8, 10), QFormat(6, 2), QFormat(12, 2)), OutputStage("linear", QFormat(10, 1)),
                   1, 3, 2), Parallelism(3, 1)),
            (layer(OperandFormats(QFormat(20, 18), QFormat(22, 20), QFormat(20, 19)), OutputStage("linear", QFormat(20, 18), "trunc"),
                   2, 3, 3), Parallelism(2, 2)),
        ]


    def example_layers(self, rng: np.random.Generator) -> list[tuple[Layer, Parallelism]]:
        """A K=3 dilated layer into a ReLU, a 1x1 full-precision layer on unsigned inputs, and a K=2 dilated layer
        whose taps stream from a tap_ring in chunks that pad each tap (5 channels in 2s)."""
        def layer(operands: OperandFormats, stage: OutputStage, k: int, in_d: int, out_d: int, dilation: int):
            kernel = rng.integers(operands.kernel.min_code, operands.kernel.max_code + 1, (k, in_d, out_d))
            bias = rng.integers(operands.bias.min_code, operands.bias.max_code + 1, out_d)
            return ConvLayer("example", kernel, bias, operands, stage, dilation).validate("example")
        q = QFormat(10, 6)
        return [
            (layer(OperandFormats(q, QFormat(8, 6), q), OutputStage("relu", QFormat(9, 6, False)), 3, 2, 3, 2),
             Parallelism(2, 2)),
            (layer(OperandFormats(QFormat(9, 6, False), QFormat(6, 4), QFormat(8, 5)), OutputStage("linear", None),
                   1, 3, 2, 1), Parallelism(3, 1)),
            (layer(OperandFormats(q, QFormat(8, 6), q), OutputStage("linear", QFormat(10, 6)), 2, 5, 3, 3),
             Parallelism(2, 2, stream=True)),
        ]

    def cost_variants(self) -> list[tuple[str, Layer, Parallelism]]:
        """The seeds' FPGA layers (one Q(16,12) format) at several settings, and one layer in the seeds' own
        QKeras formats (Q(16,11) weights x UQ(16,12) inputs, float32 ReLU)."""
        rng = np.random.default_rng(1)  # costs do not depend on the weight values

        def layer(operands: OperandFormats, stage: OutputStage, in_d: int, out_d: int) -> ConvLayer:
            kernel = rng.integers(operands.kernel.min_code, operands.kernel.max_code + 1, (4, in_d, out_d))
            bias = rng.integers(operands.bias.min_code, operands.bias.max_code + 1, out_d)
            return ConvLayer("cost", kernel, bias, operands, stage).validate("cost")
        q16 = QFormat(16, 12)
        one = OperandFormats(q16, q16, q16)
        relu = OutputStage("relu", q16)
        seed = OperandFormats(QFormat(16, 12, False), QFormat(16, 11), QFormat(16, 11))
        return [
            ("conv1d 4->16 (layer 0)", layer(one, relu, 4, 16), Parallelism(4, 16)),
            ("conv1d 16->16 (layer 1)", layer(one, relu, 16, 16), Parallelism(1, 16)),
            ("conv1d 16->16 (layer 1)", layer(one, relu, 16, 16), Parallelism(2, 8)),
            ("conv1d 16->16 (layer 1)", layer(one, relu, 16, 16), Parallelism(4, 16)),
            ("conv1d 16->4 (layer 2)", layer(one, OutputStage("linear", q16), 16, 4), Parallelism(4, 4)),
            ("conv1d 16->16 seed formats, float32 ReLU",
             layer(seed, OutputStage("relu", QFormat(16, 12, False), float32_input=True), 16, 16), Parallelism(2, 8)),
        ]


CONV1D = Conv1dKind()


def layer_formats(data: dict[str, Any], where: str, input_format: QFormat, defaults: dict[str, Any],
                  terms: int) -> tuple[OperandFormats, OutputStage]:
    """A conv-arithmetic layer's operand formats and output stage from its manifest mapping (version 2:
    `formats` and `output`; version 1: `defaults`' one format and `relu`); `terms` products per output."""
    try:
        if "format" in defaults:  # version 1
            fmt = defaults["format"]
            relu = _field(data, "relu", bool, where)
            operands = OperandFormats(input_format, fmt, fmt)
            stage = OutputStage(Activation.RELU if relu else Activation.LINEAR, fmt, defaults["rounding"])
        else:
            formats = _field(data, "formats", dict, where)
            operands = OperandFormats(
                recorded_input_format(_field(formats, "input", dict, f"{where} formats"), input_format,
                                      "formats.input"),
                format_from_dict(_field(formats, "kernel", dict, f"{where} formats"), "formats.kernel"),
                format_from_dict(_field(formats, "bias", dict, f"{where} formats"), "formats.bias"),
            )
            stage, out_data = output_stage_from_dict(data, where)
            full = stage.full_precision
            if full:  # the exact sum's format, recorded for readers; it must be right
                derived = operands.accumulator_format(terms).to_dict()
                if {"signed": True, **out_data} != derived:
                    raise LayerSchemaError(
                        f"{where}: output.format {out_data} of a full-precision output must be the exact sum's "
                        f"format {derived}"
                    )
    except LayerSchemaError:
        raise
    except GoldenError as error:
        raise LayerSchemaError(f"{where}: {error}") from None
    if operands.input != input_format:
        raise LayerSchemaError(
            f"{where}: input format {operands.input} differs from the previous stage's output format {input_format}"
        )
    return operands, stage


def output_stage_from_dict(data: dict[str, Any], where: str) -> tuple[OutputStage, dict[str, Any]]:
    """A version-2 layer's `output` mapping as its output stage, and the raw `format` mapping it recorded (a
    full-precision output's is checked against the exact sum's by the caller)."""
    out = _field(data, "output", dict, where)
    full = _field(out, "full_precision", bool, f"{where} output")
    out_data = _field(out, "format", dict, f"{where} output")
    stage = OutputStage(
        Activation.parse(_field(out, "activation", str, f"{where} output"), "output"),
        None if full else format_from_dict(out_data, "output.format"),
        Rounding.parse(_field(out, "rounding", str, f"{where} output")),
        _field(out, "float32_input", bool, f"{where} output"),
    )
    return stage, out_data


def formats_dict(layer: "ConvLayer") -> dict[str, Any]:
    """The manifest's `formats` and `output` of a conv-arithmetic layer."""
    return {
        "formats": layer.operands.to_dict(),
        "output": {
            "activation": layer.output.activation.value,
            "rounding": layer.output.rounding.value,
            "float32_input": layer.output.float32_input,
            "full_precision": layer.output.full_precision,
            "format": layer.output_format.to_dict(),
        },
    }


def has_po2_kernel(keras_layer: Any) -> bool:
    """The layer's kernel quantizer is a quantized_po2 (or its float32 subclass)."""
    quantizer = getattr(keras_layer, "kernel_quantizer_internal", None)
    return any(cls.__name__ == "quantized_po2" for cls in type(quantizer).__mro__)


class QConv1DImport(KerasImport):
    """The conv1d kind's QKeras import rule (docs/qkeras-mapping.md): a QConv1D with causal padding ('valid' for
    kernel size 1), stride 1, channels last and one group, its kernel and bias quantized_bits with alpha=1 (a
    format per tensor, unsigned stored with a zero sign bit); no bias is a zero bias. Other kinds that claim
    QConv1D layers (po2) change how the kernel is read (the read_kernel hook and its companions)."""

    layer_class: type = ConvLayer  # what build makes (a kind with its own ConvLayer subclass sets it)

    def __init__(self, keras_layer: Any, where: str):
        self.keras_layer = keras_layer
        self.where = where
        self.kernel_format: QFormat | None = None
        self.bias_format: QFormat | None = None
        self.dilation = 1
        problems = self.option_problems()
        problems += self.read_kernel()
        layer = keras_layer
        if layer.use_bias:
            bias_fmt, reason = bits_format(layer.bias_quantizer_internal)
            if bias_fmt is None:
                problems.append(f"{where} bias quantizer: {reason}")
            else:
                self.bias_format = bias_fmt.as_signed()
        else:
            self.bias_format = self.no_bias_format()
        self.problems = problems

    def option_problems(self) -> list[str]:
        """The layer's own options (a QConv1D's padding, strides, data format, groups, dilation); sets dilation."""
        layer, where = self.keras_layer, self.where
        kernel_size, self.dilation = int(layer.kernel_size[0]), int(layer.dilation_rate[0])
        problems = []
        if layer.padding != "causal" and not (layer.padding == "valid" and kernel_size == 1):
            problems.append(f"{where}: padding '{layer.padding}' is not supported (only 'causal', or 'valid' for "
                            "kernel size 1)")
        if int(layer.strides[0]) != 1:
            problems.append(f"{where}: strides {layer.strides[0]} are not supported (only 1)")
        if layer.data_format != "channels_last":
            problems.append(f"{where}: data_format '{layer.data_format}' is not supported (only channels_last)")
        if getattr(layer, "groups", 1) != 1:
            problems.append(f"{where}: groups={layer.groups} are not supported (only 1)")
        if self.dilation < 1:
            problems.append(f"{where}: dilation {self.dilation} is not supported")
        return problems

    # ---- the kernel: what a QConv1D-claiming kind changes ----
    def read_kernel(self) -> list[str]:
        """Set kernel_format from the kernel quantizer; the problems found."""
        fmt, reason = bits_format(self.keras_layer.kernel_quantizer_internal)
        if fmt is None:
            return [f"{self.where} kernel quantizer: {reason}"]
        self.kernel_format = fmt.as_signed()  # an unsigned kernel is stored with a zero sign bit
        return []

    def no_bias_format(self) -> QFormat | None:
        """The bias format of a layer without a bias (its zeros fit any)."""
        return self.kernel_format

    def kernel_codes(self) -> np.ndarray:
        """The kernel (K, IN, OUT) as codes of kernel_format, through its own quantizer."""
        layer = self.keras_layer
        return quantized_codes(layer.kernel, layer.kernel_quantizer_internal, f"layer '{layer.name}' kernel",
                               self.kernel_format)

    # ---- KerasImport ----
    @property
    def default_input_format(self) -> QFormat | None:
        return self.kernel_format

    @property
    def terms(self) -> int:
        return int(self.keras_layer.kernel_size[0]) * int(self.keras_layer.kernel.shape[1])

    def operands(self, input_format: QFormat) -> OperandFormats:
        return OperandFormats(input_format, self.kernel_format, self.bias_format)

    def sum_problem(self, input_format: QFormat) -> str | None:
        width = self.operands(input_format).accumulator_width(self.terms)
        if width <= FLOAT64_MANTISSA_BITS:
            return None
        return (f"layer '{self.keras_layer.name}': {self.terms} products of {input_format} x {self.kernel_format} "
                f"need a {width}-bit accumulator; QKeras float64 predict is exact only up to "
                f"{FLOAT64_MANTISSA_BITS} bits, so it could not be proven equal")

    def output_format(self, input_format: QFormat, output: OutputStage) -> QFormat:
        return output.output_format(self.operands(input_format), self.terms)

    def weights(self) -> list[tuple[str, Any]]:
        layer = self.keras_layer
        found = [(f"layer '{layer.name}' kernel", layer.kernel)]
        if layer.use_bias:
            found.append((f"layer '{layer.name}' bias", layer.bias))
        return found

    def bias_codes(self, out_channels: int) -> np.ndarray:
        layer = self.keras_layer
        if not layer.use_bias:
            return np.zeros(out_channels, dtype=np.int64)  # no bias is a zero bias
        return quantized_codes(layer.bias, layer.bias_quantizer_internal, f"layer '{layer.name}' bias",
                               self.bias_format)

    def weight_problems(self) -> list[str]:
        try:
            self.bias_codes(self.kernel_codes().shape[2])
        except GoldenError as error:
            return [str(error)]
        return []

    def build(self, name: str, input_format: QFormat, output: OutputStage) -> Layer:
        kernel = self.kernel_codes()
        layer = self.layer_class(name, kernel, self.bias_codes(kernel.shape[2]), self.operands(input_format), output,
                                 self.dilation)
        return layer.validate(f"layer '{name}'")

    def provenance(self) -> dict[str, Any]:
        layer = self.keras_layer
        return {"kernel": str(layer.kernel_quantizer_internal),
                "bias": str(layer.bias_quantizer_internal) if layer.use_bias else None}


def sequence_result(sums: np.ndarray, acc_frac: int, output: OutputStage) -> Sequence:
    """Whole-sequence sums through the output stage, with the coverage flag of the sums it clipped."""
    outputs = fast.requantise_to(sums, acc_frac, output)
    if output.full_precision:
        return Sequence(sums=sums, outputs=outputs, saturated=np.zeros(sums.shape, dtype=bool))
    low, high = output.bounds()
    shift = acc_frac - output.fmt.frac
    if shift > 0:
        saturated = (sums < low * (1 << shift)) | (sums > high * (1 << shift))
    else:
        saturated = (sums < -((-low) >> -shift)) | (sums > high >> -shift)
    return Sequence(sums=sums, outputs=outputs, saturated=saturated)


def lane_col_settings(terms: int, out_channels: int) -> Iterable[Parallelism]:
    """Every LANES x COLS of rtl/conv1d.sv: 1..K*IN_D by 1..OUT_D."""
    for lanes in range(1, terms + 1):
        for cols in range(1, out_channels + 1):
            yield Parallelism(lanes, cols)


def lane_col_frontier(terms: int, out_channels: int, streamed_channels: int | None = None) -> Iterable[Parallelism]:
    """The LANES x COLS the chooser can pick, in lane_col_settings' order: the fewest lanes for each number of
    beats ceil(terms / LANES), by the fewest columns for each number of passes ceil(out_channels / COLS).
    With `streamed_channels` (IN_D of a layer whose settings up to IN_D lanes stream their taps: streams_taps),
    those settings walk K*ceil(IN_D / LANES) beats, so the lanes up to IN_D are the fewest for each number of
    chunks ceil(IN_D / LANES) instead.

    Any other setting has the walk of one of these with more multipliers, and no shorter an interval
    (conv1d_interval: the walk, or a latency that grows with clog2(LANES)), so the chooser never takes it. The
    fewest lanes giving n beats is ceil(terms / n); those values, n = 1..terms, are about 2 sqrt(terms) of
    the terms lanes (a 4 x 128 -> 128 layer: 44 x 22 of 512 x 128 settings)."""
    lanes = sorted({-(-terms // n) for n in range(1, terms + 1)})
    if streamed_channels is not None:
        lanes = sorted({-(-streamed_channels // n) for n in range(1, streamed_channels + 1)}
                       | {count for count in lanes if count > streamed_channels})
    cols = sorted({-(-out_channels // n) for n in range(1, out_channels + 1)})
    for lane_count in lanes:
        for col_count in cols:
            yield Parallelism(lane_count, col_count)


def lane_col_rom_shapes(terms: int, out_channels: int, setting: Parallelism, kernel_width: int,
                        bias_width: int) -> dict[str, tuple[int, int]]:
    """(words, bits) of rtl/conv1d.sv's weight and bias ROMs (golden.memfile's layouts): LANES x COLS codes of
    `kernel_width` bits per word, COLS biases of `bias_width` bits per word."""
    lanes, cols = setting.lanes, setting.cols
    return {"weights": (matrix_rom_depth(terms, out_channels, lanes, cols), lanes * cols * kernel_width),
            "bias": (bias_rom_depth(out_channels, cols), cols * bias_width)}


def check_lane_col_setting(terms: int, out_channels: int, setting: Parallelism, where: str) -> None:
    if setting.implementation != IMPLEMENTATION_LANES:
        raise GoldenError(f"{where}: no implementation {setting.implementation!r} (this one is "
                          f"{IMPLEMENTATION_LANES!r}: LANES x COLS)")
    if setting.stream not in (None, False, True):
        raise GoldenError(f"{where}: stream must be true, false or unset, got {setting.stream!r}")
    for value, what, high in ((setting.lanes, "LANES", terms), (setting.cols, "COLS", out_channels),
                              (setting.mul_latency, "MUL_LATENCY", 2)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            raise GoldenError(f"{where}: {what} must be an integer in [1, {high}], got {value!r}")


def conv1d_parameters(
    layer: Layer, setting: Parallelism, files: dict[str, str], kernel: dict[str, int], streamed: bool = False
) -> dict[str, int | str]:
    """rtl/conv1d.sv's parameters for a layer with `operands` and an `output` stage (conv1d and po2 layers);
    `kernel` holds the kernel-side ones: KW, or KW, MUL_PO2 and PO2_SPAN; `streamed`: X_STREAM."""
    ops, out = layer.operands, layer.output
    out_fmt = layer.output_format
    return {
        "XW": ops.input.width, "X_SIGNED": int(ops.input.signed), **kernel, "BW": ops.bias.width,
        "IN_D": layer.in_channels, "OUT_D": layer.out_channels, "K": layer.kernel_size,
        "LANES": setting.lanes, "COLS": setting.cols, "MUL_LATENCY": setting.mul_latency,
        "WEIGHT_REG": int(weight_register(padded_terms(layer, setting) if streamed else layer.terms,
                                          layer.out_channels, setting)),
        "X_STREAM": int(streamed),
        "PROD_SHIFT": ops.product_shift, "BIAS_SHIFT": ops.bias_shift,
        "YW": out_fmt.width, "Y_SIGNED": int(out_fmt.signed), "Y_SHIFT": ops.acc_frac - out_fmt.frac,
        "FULL_PRECISION": int(out.full_precision), "ROUNDING": out.rounding.rtl_code,
        "RELU": out.activation.rtl_code, "FLOAT32_INPUT": int(out.float32_input),
        "WEIGHTS_FILE": files["weights"], "BIAS_FILE": files["bias"],
    }


@dataclass(frozen=True)
class CoreCost:
    luts: int
    flip_flops: int


CORE_CONTROL_LUTS = 80  # counters, handshakes, the valid pipelines
CORE_CONTROL_FFS = 60


def conv1d_core_cost(layer: Layer, setting: Parallelism) -> CoreCost:
    """TRELLIS_COMB and TRELLIS_FF of rtl/conv1d.sv with DSP multipliers, from its registers and adders
    (docs/results.md, "Estimates", compares them with synthesis):

    * row_by_matrix_multiply: x_rot (BEATS*LANES input codes, a 2:1 mux per bit when BEATS > 1), the x chunk,
      the weight word's register where the ROM is in logic (a block RAM registers its own) and the
      WEIGHT_REG pair, a shallow ROM's LUT4s (16 words x 1 bit each); a streamed layer (streams_taps) has
      no x_rot and no x chunk (the stage's tap_ring registers the chunk) and always the weight register;
    * per column (dot_product, the bias and the output stage): the registered adder tree (a carry chain per
      node, PW + level bits), the accumulator, the aligned bias and requantise, about the accumulator width each;
    * the pass assembly and result registers (OUT_D*YW each; the assembly shifts, so no LUTs)."""
    ops = layer.operands
    xw, kw, yw = ops.input.width, ops.kernel.width, layer.output_format.width
    terms, lanes, cols = layer.terms, setting.lanes, setting.cols
    streamed = streams_taps(layer, setting)
    beats, passes = math.ceil(walked_terms(layer, setting) / lanes), math.ceil(layer.out_channels / cols)
    product = xw + kw
    accumulator = product + math.ceil(math.log2(terms + 1)) + 4
    levels = (lanes - 1).bit_length()
    tree = sum((1 << (levels - level)) * min(product + level, accumulator) for level in range(1, levels + 1))
    rom_in_logic = beats * passes <= LUT_ROM_MAX_DEPTH
    weight_word = cols * lanes * kw
    registered = weight_register(walked_terms(layer, setting), layer.out_channels, setting) or streamed
    x_rot = 0 if streamed else beats * lanes * xw
    chunk = 0 if streamed else lanes * xw
    luts = ((x_rot if beats > 1 else 0) + cols * (tree + 5 * accumulator)
            + (weight_word * math.ceil(beats * passes / 16) if rom_in_logic else 0) + CORE_CONTROL_LUTS)
    flip_flops = (x_rot + chunk + (weight_word if rom_in_logic else 0)
                  + ((chunk + weight_word) if registered else 0)
                  + cols * (tree + 3 * accumulator) + passes * cols * yw + layer.out_channels * yw
                  + CORE_CONTROL_FFS)
    return CoreCost(luts, flip_flops)


# Layers whose tap vector (K*IN_D*XW bits) is at least this wide stream their taps from block RAM (rtl/tap_ring.sv)
# at every setting of at most IN_D lanes: the vector would otherwise sit twice in flip-flops (the tap source's
# register and x_rot), about half of a 100k-MAC network's 56k flip-flops (docs/results.md, issue 23). Narrower
# layers keep the registers: their vectors are small, and a register walk has no padding beats.
STREAM_MIN_TAP_BITS = 2048


def stream_sized(layer: Layer) -> bool:
    """The layer's tap vector is wide enough to stream (STREAM_MIN_TAP_BITS)."""
    return layer.kernel_size * layer.in_channels * layer.input_format.width >= STREAM_MIN_TAP_BITS


def streams_taps(layer: Layer, setting: Parallelism) -> bool:
    """rtl/conv1d.sv's X_STREAM for this layer and setting: the setting's `stream` where it says, else a
    stream-sized layer's lanes setting whose chunks (LANES channels of one tap) fit in a tap."""
    fits = setting.implementation == IMPLEMENTATION_LANES and setting.lanes <= layer.in_channels
    return fits and (stream_sized(layer) if setting.stream is None else setting.stream)


def padded_terms(layer: Layer, setting: Parallelism) -> int:
    """The walk's terms with each tap padded to whole chunks: K * ceil(IN_D / LANES) * LANES."""
    return layer.kernel_size * math.ceil(layer.in_channels / setting.lanes) * setting.lanes


def walked_terms(layer: Layer, setting: Parallelism) -> int:
    """The terms row_by_matrix_multiply walks: padded_terms when the taps stream, K*IN_D otherwise."""
    return padded_terms(layer, setting) if streams_taps(layer, setting) else layer.terms


def walked_matrix(kernel: np.ndarray, lanes: int | None) -> np.ndarray:
    """The (walked terms, OUT) matrix of a (K, IN, OUT) kernel: tap-major rows as the taps are packed, or (lanes
    given: streamed) each tap's rows zero-padded to whole chunks of `lanes`, as rtl/tap_ring.sv reads them."""
    k, in_d, out_d = kernel.shape
    if lanes is None:
        return kernel.reshape(k * in_d, out_d)
    padded = np.zeros((k, math.ceil(in_d / lanes) * lanes, out_d), dtype=kernel.dtype)
    padded[:, :in_d, :] = kernel
    return padded.reshape(-1, out_d)


def conv1d_walk(terms: int, out_channels: int, setting: Parallelism) -> int:
    """PASSES*BEATS: the cycles row_by_matrix_multiply issues one sample's beats in (`terms`: walked_terms)."""
    return math.ceil(out_channels / setting.cols) * math.ceil(terms / setting.lanes)


def weight_register(terms: int, out_channels: int, setting: Parallelism) -> bool:
    """rtl/conv1d.sv's WEIGHT_REG: a fabric register after the weight ROM where that ROM (PASSES*BEATS words)
    is block RAM. A DP16KD's clock-to-out is about half a 150 MHz cycle, and without the register the route
    to the multipliers was a 50k-MAC network's critical path (docs/results.md, issue 23)."""
    return rom_in_block_ram(conv1d_walk(terms, out_channels, setting))


def conv1d_latency(terms: int, out_channels: int, setting: Parallelism, float32_input: bool,
                   streamed: bool = False) -> int:
    """rtl/conv1d.sv, start to y_valid_o: PASSES*BEATS + clog2(LANES) + MUL_LATENCY + (WEIGHT_REG or X_STREAM)
    + 5, + 1 for the float32 rounding stage (`terms`: walked_terms, `streamed`: X_STREAM). The one copy of the
    formula: every kind whose core is rtl/conv1d.sv uses it."""
    tree = max(0, (setting.lanes - 1).bit_length())
    return (conv1d_walk(terms, out_channels, setting) + tree + setting.mul_latency
            + int(weight_register(terms, out_channels, setting) or streamed) + 5 + int(float32_input))


def conv1d_interval(terms: int, out_channels: int, setting: Parallelism, float32_input: bool,
                    streamed: bool = False) -> int:
    """rtl/conv1d.sv, start to next start at full rate: max(PASSES*BEATS, floor(LATENCY / 2) + 1). The
    next sample's walk starts in the last cycle of this one, unless its two result slots (result register
    and pass assembly register) cannot cover the pipeline at that rate; a take frees a slot from the next
    cycle on (ready_o is registers only), hence the + 1."""
    latency = conv1d_latency(terms, out_channels, setting, float32_input, streamed)
    return max(conv1d_walk(terms, out_channels, setting), latency // 2 + 1)


def assert_conv(layer: Layer) -> None:
    if not isinstance(layer, ConvLayer):
        raise GoldenError(f"layer {layer.name}: the conv1d kind got a {type(layer).__name__}")


def _array(values: list, what: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=object)
    except ValueError:
        raise LayerSchemaError(f"{what}: ragged nested lists") from None
    if array.dtype == object and any(isinstance(v, list) for v in array.reshape(-1)):
        raise LayerSchemaError(f"{what}: ragged nested lists")
    return array


def _field(mapping: dict, key: str, kind: type, where: str) -> Any:
    if key not in mapping:
        raise LayerSchemaError(f"{where}: missing field {key!r}")
    value = mapping[key]
    if kind is int and isinstance(value, bool):
        raise LayerSchemaError(f"{where}: field {key!r} must be an integer, got {value!r}")
    if not isinstance(value, kind):
        raise LayerSchemaError(f"{where}: field {key!r} must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return value
