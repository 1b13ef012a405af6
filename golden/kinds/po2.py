"""The po2 kind: a causal dilated convolution whose weights are signed powers of two, no DSP, in one of two
implementations (the setting's `implementation`):

    lanes  rtl/conv1d.sv with MUL_PO2: LANES x COLS time-multiplexed lanes, each a po2_mul shifter
    baked  rtl/po2_baked_conv.sv: the weights are parameters, every product is wiring plus a sign
           folded into a registered adder tree per output, all outputs in parallel

The generator (golden.rtlgen.top) picks the cheaper one (estimated_luts) that meets its cycle budget.

    w[k][c][o] = sign * 2^exponent,  sign in {-1, 0, +1}  (0: an exact zero weight)
    y[o] = output_stage( (sum_k sum_c taps[k][c] * w[k][c][o]) << PS  +  bias[o] << BS )

A multiplication by 2^e is a shift, so the hardware needs no multiplier. The
arithmetic is conv1d's (docs/arithmetic.md 7) with the kernel expressed as a
signed fixed-point format that holds every weight of the layer exactly
(docs/arithmetic.md 7.7): with the layer's exponent range [EMIN, EMAX],

    kernel format Q(EMAX - EMIN + 2, -EMIN),   code of sign * 2^e = sign * 2^(e - EMIN)

so the product x * 2^e has Fx - EMIN fractional bits and OperandFormats
aligns, sizes and requantises exactly as for conv1d. Three models compute it:
`step` (the conv1d numpy step on the equivalent codes), `sequence` (whole
sequence with shifts of the stored exponents) and `reference_step` (plain
Python, one weight at a time); golden/tests/test_po2_kind.py proves them equal.

The RTL stores each weight as EW + 2 bits, {zero, sign, e - EMIN} with
EW = max(1, ceil(log2(EMAX - EMIN + 1))) (`weight_code`, docs/weight-files.md),
and each lane's multiplier is rtl/po2_mul.sv: a shifter over EMAX - EMIN + 1
positions and a negation. The baked core takes the same codes as one packed
parameter (CODES) and the biases as another (BIASES), so it needs no weight files.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from golden import fast, reference
from golden.errors import GoldenError
from golden.kinds.base import IMPLEMENTATION_LANES, Layer, LayerKind, Parallelism, Sequence
from golden.frontend.quantizers import float32_quantized, show
from golden.kinds.conv1d import (
    ConvArithmetic, LayerSchemaError, QConv1DImport, _array, _field,
    check_lane_col_setting, conv1d_interval, conv1d_latency, conv1d_parameters, has_po2_kernel, lane_col_frontier,
    lane_col_rom_shapes, lane_col_settings, output_stage_from_dict, sequence_result,
)
from golden.layer_format import Activation, OperandFormats, OutputStage, recorded_input_format, wide_format
from golden.memfile import bias_rom_words, matrix_rom_words
from golden.qformat import QFormat, Rounding, check_integers, format_from_dict

EXPONENT_LIMIT = 48  # |exponent| bound: the kernel format's fractional bits stay within QFormat's +-48
IMPLEMENTATION_BAKED = "baked"  # implementation (b): rtl/po2_baked_conv.sv
BAKED_MODULE = "po2_baked_conv"


@dataclass(frozen=True, eq=False)
class Po2Layer(ConvArithmetic, Layer):
    """Kernel as sign (K, IN, OUT) in {-1, 0, +1} and exponent (K, IN, OUT) in [exp_min, exp_max]
    (exp_min where sign is 0); bias codes (OUT,) in bias_format."""

    sign: np.ndarray
    exponent: np.ndarray
    exp_min: int
    exp_max: int
    bias: np.ndarray
    input_fmt: QFormat
    bias_format: QFormat
    output: OutputStage
    dilation: int = 1

    @property
    def kind(self) -> str:
        return PO2.name

    @property
    def kernel_shape(self) -> tuple[int, ...]:
        return tuple(self.sign.shape)

    @property
    def span(self) -> int:
        """Shift positions - 1: EMAX - EMIN."""
        return self.exp_max - self.exp_min

    @property
    def kernel_format(self) -> QFormat:
        """The signed fixed-point format that holds every +-2^e, e in [EMIN, EMAX], and nothing finer."""
        return wide_format(self.span + 2, -self.exp_min)

    @property
    def kernel(self) -> np.ndarray:
        """The weights as codes of `kernel_format`: sign * 2^(e - EMIN)."""
        return self.sign * np.left_shift(np.int64(1), self.exponent - self.exp_min)

    @property
    def operands(self) -> OperandFormats:
        return OperandFormats(self.input_fmt, self.kernel_format, self.bias_format)

    @property
    def exponent_width(self) -> int:
        """EW: bits of the exponent offset e - EMIN in the RTL's weight code."""
        return max(1, self.span.bit_length())

    @property
    def code_width(self) -> int:
        """Bits of one RTL weight code {zero, sign, e - EMIN}."""
        return self.exponent_width + 2

    @property
    def parameter_count(self) -> int:
        return int(self.sign.size + self.bias.size)

    def weight_codes(self) -> np.ndarray:
        """RTL weight codes (K, IN, OUT): zero << (EW+1) | negative << EW | (e - EMIN); zero weights are 1 << (EW+1)."""
        ew = self.exponent_width
        zero = (self.sign == 0).astype(np.int64)
        negative = (self.sign < 0).astype(np.int64)
        return (zero << (ew + 1)) | (negative << ew) | np.where(zero == 1, 0, self.exponent - self.exp_min)

    @classmethod
    def from_values(
        cls, name: str, values: np.ndarray, bias: np.ndarray, input_fmt: QFormat, bias_format: QFormat,
        output: OutputStage, dilation: int = 1, exponent_range: tuple[int, int] | None = None, where: str = "",
    ) -> "Po2Layer":
        """A layer from real weights that are each 0 or +-2^e, decomposed exactly with frexp (never log2).

        The exponent range is the weights' own (EMIN = EMAX = 0 when all are zero) unless given."""
        sign, exponent = po2_decompose(values, where or f"layer {name} kernel")
        nonzero = exponent[sign != 0]
        if exponent_range is None:
            exponent_range = (int(nonzero.min()), int(nonzero.max())) if nonzero.size else (0, 0)
        exp_min, exp_max = exponent_range
        exponent = np.where(sign == 0, exp_min, exponent)
        return cls(name, sign, exponent, exp_min, exp_max, np.asarray(bias), input_fmt, bias_format, output,
                   dilation).validate(where or f"layer {name}")

    def validate(self, where: str) -> "Po2Layer":
        """Check shapes, ranges and codes; freeze the arrays. Errors name `where` and the field."""
        for value, what in ((self.exp_min, "exponent_range.min"), (self.exp_max, "exponent_range.max")):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                    or not -EXPONENT_LIMIT <= value <= EXPONENT_LIMIT:
                raise LayerSchemaError(f"{where}: {what} must be an integer in [-{EXPONENT_LIMIT}, {EXPONENT_LIMIT}], "
                                       f"got {value!r}")
        exp_min, exp_max = int(self.exp_min), int(self.exp_max)
        if exp_min > exp_max:
            raise LayerSchemaError(f"{where}: exponent_range min {exp_min} exceeds max {exp_max}")
        try:
            sign = check_integers(self.sign, f"{where} kernel_sign", -1, 1, "sign", "{-1, 0, +1}").astype(np.int64)
            exponent = check_integers(self.exponent, f"{where} kernel_exponent", exp_min, exp_max, "exponent",
                                      f"the exponent_range [{exp_min}, {exp_max}]").astype(np.int64)
        except GoldenError as error:
            raise LayerSchemaError(str(error)) from None
        if sign.ndim != 3 or 0 in sign.shape:
            raise LayerSchemaError(f"{where}: kernel_sign must have shape (K, IN, OUT) with no empty axis, got {sign.shape}")
        if exponent.shape != sign.shape:
            raise LayerSchemaError(f"{where}: kernel_exponent has shape {exponent.shape}, kernel_sign {sign.shape}")
        loose = (sign == 0) & (exponent != exp_min)
        if loose.any():
            index = tuple(int(i) for i in np.argwhere(loose)[0])
            raise LayerSchemaError(f"{where}: kernel_exponent at index {index} of a zero weight must be exponent_range.min "
                                   f"{exp_min} (one encoding per weight), got {int(exponent[index])}")
        try:
            bias = np.array(self.bias_format.check_codes(self.bias, f"{where} bias"), dtype=np.int64)
        except GoldenError as error:
            raise LayerSchemaError(f"{where}: {error}") from None
        object.__setattr__(self, "exp_min", exp_min)
        object.__setattr__(self, "exp_max", exp_max)
        self.check_conv_limits(where, sign.shape, bias)
        for array in (sign, exponent, bias):
            array.setflags(write=False)
        object.__setattr__(self, "sign", sign)
        object.__setattr__(self, "exponent", exponent)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "dilation", int(self.dilation))
        return self


def po2_decompose(values: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact (sign, exponent) of real values that are 0 or +-2^e, |e| <= EXPONENT_LIMIT; raise naming the index.

    frexp returns the exact binary exponent of a float32 or float64, so this never rounds (log2 would)."""
    array = np.asarray(values)
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise LayerSchemaError(f"{what}: value {array[index]} at index {index} is not finite")
    mantissa, exponent = np.frexp(array)  # array = mantissa * 2^exponent, |mantissa| in [0.5, 1)
    sign = np.sign(array).astype(np.int64)
    not_po2 = (sign != 0) & (np.abs(mantissa) != 0.5)
    if not_po2.any():
        index = tuple(int(i) for i in np.argwhere(not_po2)[0])
        raise LayerSchemaError(f"{what}: value {float(array[index])!r} at index {index} is not a power of two")
    exponent = np.where(sign != 0, exponent.astype(np.int64) - 1, 0)
    wide = (sign != 0) & (np.abs(exponent) > EXPONENT_LIMIT)
    if wide.any():
        index = tuple(int(i) for i in np.argwhere(wide)[0])
        raise LayerSchemaError(f"{what}: value 2^{int(exponent[index])} at index {index} is outside the supported "
                               f"exponents [-{EXPONENT_LIMIT}, {EXPONENT_LIMIT}]")
    return sign, exponent


def zero_weight_problem(raw: np.ndarray, values: np.ndarray, what: str, quantizer: Any) -> str | None:
    """Why exact 0.0 weights cannot be exported, or None. quantized_po2 has no zero: it makes 0.0 its smallest
    power 2^min_exp (0 only where float32 flushes that to zero), which may lie outside the exponents the po2
    kind supports; the user must hear it is a zero weight, not some unexplained 2^e."""
    _, exponent = np.frexp(values)
    outside = (raw == 0) & (values != 0) & (np.abs(exponent.astype(np.int64) - 1) > EXPONENT_LIMIT)
    if not outside.any():
        return None
    index = tuple(int(i) for i in np.argwhere(outside)[0])
    return (f"{what}: the weight at index {index} is 0.0 ({int(outside.sum())} such zero weight(s)); "
            f"{show(quantizer)} has no zero and makes it its smallest power 2^{int(exponent[index]) - 1}, outside the "
            f"supported exponents [-{EXPONENT_LIMIT}, {EXPONENT_LIMIT}]: make the weight nonzero, or use a "
            f"quantized_po2 whose smallest power is at least 2^-{EXPONENT_LIMIT}")


def reference_step(layer: Po2Layer, taps: Any) -> list[int]:
    """One output vector in plain Python integers, one weight at a time: a shift and a sign, no multiplication."""
    assert_po2(layer)
    ops = layer.operands
    outputs = []
    for o in range(layer.out_channels):
        total = 0
        for k in range(layer.kernel_size):
            for c in range(layer.in_channels):
                x = ops.input.check_code(taps[k][c], f"layer {layer.name} taps", (k, c))
                sign = int(layer.sign[k][c][o])
                if sign == 0:
                    continue
                shifted = x * 2 ** (int(layer.exponent[k][c][o]) - layer.exp_min)  # x * 2^e at Fx - EMIN frac bits
                total += shifted if sign > 0 else -shifted
        aligned = total * 2**ops.product_shift + int(layer.bias[o]) * 2**ops.bias_shift
        outputs.append(reference.requantise_to(aligned, ops.acc_frac, layer.output))
    return outputs


class Po2Kind(LayerKind):
    name = "po2"
    rtl_module = "conv1d"  # lanes: with MUL_PO2, po2_mul shifters in its lanes
    rtl_dependencies = ("po2_mul", "fixed_mul", "dot_product", "row_by_matrix_multiply", "bias_align", "requantise",
                        "float32_round", "layer_output_stage", BAKED_MODULE)
    stream_port_modules = ("conv1d",)  # the lanes core's ports; a po2 layer's taps are latched (tap_stream False)
    macs_on_multipliers = False  # shifts, in LUT shifter lanes or baked adder trees
    keras_layers = ("QConv1D",)  # with a quantized_po2 kernel

    # ---- manifest schema ----
    def from_dict(self, data: dict[str, Any], where: str, input_format: QFormat, defaults: dict[str, Any]) -> Po2Layer:
        if "format" in defaults:
            raise LayerSchemaError(f"{where}: kind po2 needs manifest_version 2")
        sign = _array(_field(data, "kernel_sign", list, where), f"{where} kernel_sign")
        exponent = _array(_field(data, "kernel_exponent", list, where), f"{where} kernel_exponent")
        bias = _array(_field(data, "bias", list, where), f"{where} bias")
        declared = tuple(_field(data, key, int, where) for key in ("kernel_size", "in_channels", "out_channels"))
        for array, what in ((sign, "kernel_sign"), (exponent, "kernel_exponent")):
            if array.shape != declared:
                raise LayerSchemaError(
                    f"{where}: {what} has shape {array.shape}, but kernel_size/in_channels/out_channels say {declared}"
                )
        span = _field(data, "exponent_range", dict, where)
        unknown = sorted(set(span) - {"min", "max"})
        if unknown:
            raise LayerSchemaError(f"{where}: exponent_range has unknown field(s) {', '.join(unknown)}")
        exp_min = _field(span, "min", int, f"{where} exponent_range")
        exp_max = _field(span, "max", int, f"{where} exponent_range")
        try:
            formats = _field(data, "formats", dict, where)
            unknown = sorted(set(formats) - {"input", "bias"})
            if unknown:
                raise LayerSchemaError(f"{where}: formats has unknown field(s) {', '.join(unknown)} (a po2 kernel has "
                                       "exponent_range, not a format)")
            input_fmt = recorded_input_format(_field(formats, "input", dict, f"{where} formats"), input_format,
                                              "formats.input")
            bias_fmt = format_from_dict(_field(formats, "bias", dict, f"{where} formats"), "formats.bias")
            stage, out_data = output_stage_from_dict(data, where)
            full = stage.full_precision
        except LayerSchemaError:
            raise
        except GoldenError as error:
            raise LayerSchemaError(f"{where}: {error}") from None
        if input_fmt != input_format:
            raise LayerSchemaError(
                f"{where}: input format {input_fmt} differs from the previous stage's output format {input_format}"
            )
        layer = Po2Layer(
            name=_field(data, "name", str, where), sign=sign, exponent=exponent, exp_min=exp_min, exp_max=exp_max,
            bias=bias, input_fmt=input_fmt, bias_format=bias_fmt, output=stage,
            dilation=_field(data, "dilation", int, where),
        ).validate(where)
        if full:  # the exact sum's format, recorded for readers; it must be right
            derived = layer.output_format.to_dict()
            if {"signed": True, **out_data} != derived:
                raise LayerSchemaError(
                    f"{where}: output.format {out_data} of a full-precision output must be the exact sum's format {derived}"
                )
        return layer

    def to_dict(self, layer: Layer) -> dict[str, Any]:
        assert_po2(layer)
        return {
            "name": layer.name,
            "kind": self.name,
            "kernel_size": layer.kernel_size,
            "dilation": layer.dilation,
            "in_channels": layer.in_channels,
            "out_channels": layer.out_channels,
            "formats": {"input": layer.input_fmt.to_dict(), "bias": layer.bias_format.to_dict()},
            "exponent_range": {"min": layer.exp_min, "max": layer.exp_max},
            "output": {
                "activation": layer.output.activation.value,
                "rounding": layer.output.rounding.value,
                "float32_input": layer.output.float32_input,
                "full_precision": layer.output.full_precision,
                "format": layer.output_format.to_dict(),
            },
            "kernel_sign": layer.sign.tolist(),
            "kernel_exponent": layer.exponent.tolist(),
            "bias": layer.bias.tolist(),
        }

    # ---- QKeras import rule ----
    def claims(self, keras_layer: Any) -> bool:
        """A QConv1D whose kernel quantizer is quantized_po2."""
        return type(keras_layer).__name__ == "QConv1D" and has_po2_kernel(keras_layer)

    def keras_import(self, keras_layer: Any, where: str) -> "QPo2Conv1DImport":
        return QPo2Conv1DImport(keras_layer, where)

    # ---- golden ----
    def step(self, layer: Layer, taps: np.ndarray) -> np.ndarray:
        """conv1d's exact step on the equivalent fixed-point kernel codes."""
        assert_po2(layer)
        return fast.conv1d_layer_step(taps, layer.kernel, layer.bias, layer.operands, layer.output)

    def sequence(self, layer: Layer, samples: np.ndarray) -> Sequence:
        """The whole sequence with shifts: per tap and weight, the delayed input shifted by e - EMIN and signed."""
        assert_po2(layer)
        x = layer.input_format.check_codes(samples, f"layer {layer.name} input")
        steps = x.shape[0]
        ops = layer.operands
        padded = np.concatenate([np.zeros((layer.history, layer.in_channels), dtype=np.int64), x])
        sums = np.zeros((steps, layer.out_channels), dtype=np.int64)
        for k in range(layer.kernel_size):
            start = layer.history - (layer.kernel_size - 1 - k) * layer.dilation
            delayed = padded[start:start + steps]  # (T, IN)
            shifted = np.left_shift(delayed[:, :, None], (layer.exponent[k] - layer.exp_min)[None])  # (T, IN, OUT)
            sums += np.sum(shifted * layer.sign[k][None], axis=1)
        sums = (sums << ops.product_shift) + (layer.bias << ops.bias_shift)
        return sequence_result(sums, ops.acc_frac, layer.output)

    # ---- hardware ----
    def settings(self, layer: Layer) -> Iterable[Parallelism]:
        """Every LANES x COLS of the lanes core, then the one setting of the baked core."""
        assert_po2(layer)
        yield from lane_col_settings(layer.terms, layer.out_channels)
        yield baked_setting(layer)

    def frontier_settings(self, layer: Layer) -> Iterable[Parallelism]:
        """The lanes core's LANES x COLS as conv1d's (its multipliers and interval are conv1d's), then baked."""
        assert_po2(layer)
        yield from lane_col_frontier(layer.terms, layer.out_channels)
        yield baked_setting(layer)

    def check_setting(self, layer: Layer, setting: Parallelism, where: str) -> None:
        assert_po2(layer)
        if setting.implementation == IMPLEMENTATION_BAKED:
            if setting != baked_setting(layer):
                raise GoldenError(f"{where}: the baked implementation computes all {layer.terms} terms and "
                                  f"{layer.out_channels} outputs at once; its setting is {baked_setting(layer)}")
            return
        if setting.implementation != IMPLEMENTATION_LANES:
            raise GoldenError(f"{where}: kind po2 has no implementation {setting.implementation!r}; it has "
                              f"{IMPLEMENTATION_LANES!r} (LANES x COLS) and {IMPLEMENTATION_BAKED!r}")
        check_lane_col_setting(layer.terms, layer.out_channels, setting, where)
        if setting.mul_latency != 1:  # rtl/dot_product.sv: only fixed_mul has the second stage
            raise GoldenError(f"{where}: po2_mul lanes have one register stage; MUL_LATENCY must be 1, "
                              f"got {setting.mul_latency}")
        if setting.stream:
            raise GoldenError(f"{where}: a po2 layer latches its taps; it cannot stream them from a tap_ring")

    def core_latency(self, layer: Layer, setting: Parallelism) -> int:
        """lanes: rtl/conv1d.sv's pipeline with po2_mul in each lane (its formula); baked: rtl/po2_baked_conv.sv's
        clog2(K*IN_D) + 3 + FLOAT32_INPUT (taps register, adder levels, bias stage, output register)."""
        assert_po2(layer)
        if setting.implementation == IMPLEMENTATION_BAKED:
            return max(0, (layer.terms - 1).bit_length()) + 3 + int(layer.output.float32_input)
        return conv1d_latency(layer.terms, layer.out_channels, setting, layer.output.float32_input)

    def core_interval(self, layer: Layer, setting: Parallelism) -> int:
        """lanes: rtl/conv1d.sv's start-to-start interval (its formula); baked: rtl/po2_baked_conv.sv takes the
        next start in the cycle its result is taken, LATENCY after the previous start."""
        assert_po2(layer)
        if setting.implementation == IMPLEMENTATION_BAKED:
            return self.core_latency(layer, setting)
        return conv1d_interval(layer.terms, layer.out_channels, setting, layer.output.float32_input)

    def multipliers(self, layer: Layer, setting: Parallelism) -> int:
        """Lanes: each a po2_mul shifter, not a hardware multiplier (the setting chooser's cost measure within
        the lanes implementation). Baked: none, every product is wiring."""
        if setting.implementation == IMPLEMENTATION_BAKED:
            return 0
        return setting.lanes * setting.cols

    def dsp_blocks(self, layer: Layer, setting: Parallelism) -> int:
        """None: a shift and a negation are logic."""
        return 0

    def core_module(self, layer: Layer, setting: Parallelism) -> str:
        return BAKED_MODULE if setting.implementation == IMPLEMENTATION_BAKED else self.rtl_module

    def estimated_luts(self, layer: Layer, setting: Parallelism) -> int:
        """ECP5 logic cells (TRELLIS_COMB; a carry-chain bit counts one) of the core, from its structure.

        Calibrated against `make synth-blocks` (docs/synthesis.md, "make synth-blocks"); used only to choose between the
        two implementations, so it needs to rank them, not to be exact."""
        assert_po2(layer)
        acc_w = layer.accumulator_width
        out_stage = _output_stage_luts(layer.output, acc_w)
        if setting.implementation == IMPLEMENTATION_BAKED:
            adders = sum(_baked_adder_bits(layer, o) for o in range(layer.out_channels))
            return adders + layer.out_channels * out_stage + 16
        lanes, cols = setting.lanes, setting.cols
        if lanes == layer.terms and cols == layer.out_channels:
            # one ROM word: every code is a constant, synthesis folds the shifters into wiring and what is left
            # is a constant-weight tree with conv1d's control around it: 5,738 cells measured on the seeds' 1x1
            # 8->16 layer at 8x16, twice the baked tree's count
            return 2 * self.estimated_luts(layer, baked_setting(layer))
        pw = layer.input_format.width + layer.span + 2  # po2_mul's product width
        shifter = pw * max(1, layer.span.bit_length()) + 2 * pw  # mux levels, then negate and zero
        beats = math.ceil(layer.terms / lanes)
        passes = math.ceil(layer.out_channels / cols)
        words = beats * passes
        rom = 0 if words == 1 else lanes * cols * layer.code_width * math.ceil(words / 16)
        tree = (lanes - 1) * (pw + 2)
        structural = cols * (lanes * shifter + tree + acc_w + acc_w + out_stage) + rom + 40
        # input selection, ROM read multiplexers and control the count above leaves out: 1.4x, from yosys on
        # the seeds' 1x1 8->16 layer at LANES=1, COLS=3 (1,305 cells measured, 910 counted)
        return round(1.4 * structural)

    def rtl_parameters(self, layer: Layer, setting: Parallelism, files: dict[str, str]) -> dict[str, int | str]:
        assert_po2(layer)
        if setting.implementation == IMPLEMENTATION_BAKED:
            return baked_parameters(layer)
        return conv1d_parameters(layer, setting, files, {"KW": layer.span + 2, "MUL_PO2": 1, "PO2_SPAN": layer.span})

    def rom_files(self, layer: Layer, setting: Parallelism) -> dict[str, tuple[list[int], int]]:
        """The weight codes in row_by_matrix_multiply's ROM layout (as CW-bit two's-complement patterns, same bits);
        none for the baked core (its weights are parameters)."""
        assert_po2(layer)
        if setting.implementation == IMPLEMENTATION_BAKED:
            return {}
        cw = layer.code_width
        codes = layer.weight_codes().reshape(layer.terms, layer.out_channels)
        patterns = np.where(codes >= 1 << (cw - 1), codes - (1 << cw), codes)
        shapes = self.rom_shapes(layer, setting)
        return {
            "weights": (matrix_rom_words(patterns, QFormat(cw, 0), setting.lanes, setting.cols), shapes["weights"][1]),
            "bias": (bias_rom_words(layer.bias, layer.bias_format, setting.cols), shapes["bias"][1]),
        }

    def rom_shapes(self, layer: Layer, setting: Parallelism) -> dict[str, tuple[int, int]]:
        assert_po2(layer)
        if setting.implementation == IMPLEMENTATION_BAKED:
            return {}
        return lane_col_rom_shapes(layer.terms, layer.out_channels, setting, layer.code_width,
                                   layer.bias_format.width)

    def lint_variants(self) -> list[tuple[Layer, Parallelism]]:
        """The lanes core at four settings; the baked core on layers whose weights reach every structure of its
        tree (zero weights: absent leaves and pass-through nodes; columns of zeros only and of negative weights
        only; a non-power-of-two term count; a single term, no adder level)."""
        def layer(x: QFormat, span: tuple[int, int], b: QFormat, stage: OutputStage, k: int, in_d: int, out_d: int):
            return _zero_layer("lint", x, span, b, stage, k, in_d, out_d)
        seed_in = QFormat(16, 12, False)
        rng = np.random.default_rng(0)

        def baked(x: QFormat, span: tuple[int, int], b: QFormat, stage: OutputStage, k: int, in_d: int, out_d: int):
            base = random_layer(rng, "lint", x, span, b, stage, (k, in_d, out_d), zeros=0.4)
            sign, exponent = base.sign.copy(), base.exponent.copy()
            sign[..., 0], exponent[..., 0] = 0, span[0]
            if out_d > 1:
                sign[..., 1] = -1
            shaped = Po2Layer("lint", sign, exponent, span[0], span[1], base.bias, x, b, stage).validate("lint")
            return shaped, baked_setting(shaped)
        return [
            (layer(QFormat(16, 12), (-8, 0), QFormat(16, 12), OutputStage("relu", QFormat(16, 12)), 4, 4, 8),
             Parallelism(4, 4)),
            (layer(seed_in, (-15, 0), QFormat(16, 11), OutputStage("relu", seed_in, float32_input=True), 1, 16, 8),
             Parallelism(2, 8)),
            (layer(seed_in, (-7, 0), QFormat(16, 11), OutputStage("linear", None), 1, 8, 16), Parallelism(3, 5)),
            (layer(QFormat(8, 4), (2, 2), QFormat(6, 1), OutputStage("linear", QFormat(10, 2), "trunc"), 2, 3, 2),
             Parallelism(1, 1)),
            baked(QFormat(16, 12), (-8, 0), QFormat(16, 12), OutputStage("relu", QFormat(16, 12)), 3, 4, 6),
            baked(seed_in, (-15, 0), QFormat(16, 11), OutputStage("relu", seed_in, float32_input=True), 1, 16, 4),
            baked(seed_in, (-7, 0), QFormat(16, 11), OutputStage("linear", None), 1, 8, 5),
            baked(QFormat(8, 4), (2, 2), QFormat(6, 1), OutputStage("linear", QFormat(10, 2), "trunc"), 1, 1, 3),
        ]

    def example_layers(self, rng: np.random.Generator) -> list[tuple[Layer, Parallelism]]:
        """A K=3 dilated layer into a ReLU (with zero weights), and a 1x1 full-precision layer on unsigned inputs,
        each with the lanes core and with the baked core."""
        def layer(x: QFormat, span: tuple[int, int], b: QFormat, stage: OutputStage, k: int, in_d: int, out_d: int,
                  dilation: int, zeros: float) -> Po2Layer:
            return random_layer(rng, "example", x, span, b, stage, (k, in_d, out_d), dilation, zeros)
        dilated = layer(QFormat(10, 6), (-4, 1), QFormat(10, 6), OutputStage("relu", QFormat(9, 6, False)), 3, 2, 3, 2,
                        0.2)
        full = layer(QFormat(9, 6, False), (-3, 0), QFormat(8, 5), OutputStage("linear", None), 1, 3, 2, 1, 0.0)
        return [
            (dilated, Parallelism(2, 2)),
            (full, Parallelism(3, 1)),
            (dilated, baked_setting(dilated)),
            (full, baked_setting(full)),
        ]

    def cost_variants(self) -> list[tuple[str, Layer, Parallelism]]:
        """The seeds' po2 1x1 pair (8->16->8, po2(16, max_value=1) exponents [-15, 0]) and K=4 layers, at
        several settings and exponent ranges, in both implementations (lanes: conv1d with po2_mul lanes;
        baked: po2_baked_conv)."""
        rng = np.random.default_rng(1)  # costs hardly depend on the weight values
        seed_in = QFormat(16, 12, False)
        relu = OutputStage("relu", seed_in, float32_input=True)

        def layer(x: QFormat, span: tuple[int, int], stage: OutputStage, shape: tuple[int, int, int]) -> Po2Layer:
            return random_layer(rng, "cost", x, span, QFormat(16, 11), stage, shape, 1, 0.0)
        na = layer(seed_in, (-15, 0), OutputStage("linear", None), (1, 8, 16))
        na_3 = layer(seed_in, (-3, 0), OutputStage("linear", None), (1, 8, 16))
        nb = layer(na.output_format, (-7, 0), relu, (1, 16, 8))
        k4 = layer(seed_in, (-15, 0), relu, (4, 16, 16))
        k4_small = layer(seed_in, (-3, 0), relu, (4, 4, 8))
        return [
            ("po2 lanes 1x1 8->16 full precision, e in [-15, 0]", na, Parallelism(8, 16)),
            ("po2 lanes 1x1 8->16 full precision, e in [-15, 0]", na, Parallelism(2, 4)),
            ("po2 lanes 1x1 8->16 full precision, e in [-15, 0]", na, Parallelism(1, 3)),
            ("po2 baked 1x1 8->16 full precision, e in [-15, 0]", na, baked_setting(na)),
            ("po2 lanes 1x1 8->16 full precision, e in [-3, 0]", na_3, Parallelism(2, 4)),
            ("po2 baked 1x1 8->16 full precision, e in [-3, 0]", na_3, baked_setting(na_3)),
            ("po2 lanes 1x1 16->8 on a full-precision input, e in [-7, 0]", nb, Parallelism(4, 8)),
            ("po2 baked 1x1 16->8 on a full-precision input, e in [-7, 0]", nb, baked_setting(nb)),
            ("po2 lanes K=4 16->16, e in [-15, 0]", k4, Parallelism(2, 8)),
            ("po2 lanes K=4 4->8, e in [-3, 0]", k4_small, Parallelism(2, 4)),
            ("po2 baked K=4 4->8, e in [-3, 0]", k4_small, baked_setting(k4_small)),
        ]


PO2 = Po2Kind()


class QPo2Conv1DImport(QConv1DImport):
    """The po2 kind's QKeras import rule: conv1d's QConv1D rule with a quantized_po2 kernel (docs/arithmetic.md
    7.7). Its exponents come from the quantizer's own float32 output, decomposed with frexp (exact): QKeras
    0.9.0's quantized_po2 does not run in float64, and a log2 in float64 would round differently from float32
    near the geometric midpoints. kernel_format is the equivalent Q(EMAX-EMIN+2, -EMIN) of the exponents the
    layer uses, so the float64 sum-width check sees the real widths; a layer without a bias gets the narrowest
    bias format (a po2 kernel's equivalent format may be wider than a bias format can be)."""

    po2: tuple[np.ndarray, np.ndarray, int, int] | None = None  # sign, exponent, EMIN, EMAX of the weights

    def read_kernel(self) -> list[str]:
        layer, where = self.keras_layer, self.where
        quantizer = layer.kernel_quantizer_internal
        reasons = []
        if quantizer.use_stochastic_rounding:
            reasons.append("stochastic rounding")
        if quantizer.quadratic_approximation:
            reasons.append("quadratic_approximation")
        if quantizer.log2_rounding != "rnd":
            reasons.append(f"log2_rounding={quantizer.log2_rounding!r} (needs 'rnd')")
        if quantizer.qnoise_factor != 1:
            reasons.append(f"qnoise_factor={quantizer.qnoise_factor} (needs 1: fully quantized)")
        if reasons:
            return [f"{where} kernel quantizer: {show(quantizer)}: " + ", ".join(reasons)]
        raw = np.asarray(layer.kernel.numpy(), dtype=np.float64)
        if not np.isfinite(raw).all():
            return []  # the front end's finiteness check names the weight
        values = float32_quantized(quantizer, raw)
        zero_problem = zero_weight_problem(raw, values, f"layer '{layer.name}' kernel", quantizer)
        if zero_problem:
            return [zero_problem]
        try:
            sign, exponent = po2_decompose(values, f"layer '{layer.name}' kernel after its quantizer {show(quantizer)}")
        except GoldenError as error:
            return [str(error)]
        used = exponent[sign != 0]
        exp_min, exp_max = (int(used.min()), int(used.max())) if used.size else (0, 0)
        self.po2 = (sign, np.where(sign == 0, exp_min, exponent), exp_min, exp_max)
        self.kernel_format = wide_format(exp_max - exp_min + 2, -exp_min)
        return []

    def no_bias_format(self) -> QFormat | None:
        return QFormat(2, 0)

    def kernel_codes(self) -> np.ndarray:
        sign, exponent, exp_min, _ = self.po2
        return sign << (exponent - exp_min)

    @property
    def default_input_format(self) -> QFormat | None:
        """None: a po2 kernel has no Q(W,F) to suggest, and a bias format says nothing about the inputs (a
        layer without a bias would even suggest the Q(2,0) of its zeros); the user declares the input format."""
        return None

    def build(self, name: str, input_format: QFormat, output: OutputStage) -> Layer:
        sign, exponent, exp_min, exp_max = self.po2
        bias = self.bias_codes(sign.shape[2])
        layer = Po2Layer(name, sign, exponent, exp_min, exp_max, bias, input_format, self.bias_format, output,
                         self.dilation)
        return layer.validate(f"layer '{name}'")


def baked_setting(layer: Po2Layer) -> Parallelism:
    """The baked core's one setting: every term and every output at once."""
    return Parallelism(layer.terms, layer.out_channels, IMPLEMENTATION_BAKED)


def sv_literal(bits: int, value: int) -> str:
    """A sized SystemVerilog hex literal (the generator writes it verbatim; tools take it as a number)."""
    return f"{bits}'h{value:x}"


def baked_parameters(layer: Po2Layer) -> dict[str, int | str]:
    """rtl/po2_baked_conv.sv's parameters: conv1d's formats and output stage, the weight codes packed into
    CODES (term t = k*IN_D + c, output o at [(t*OUT_D + o)*CW +: CW]) and the bias codes into BIASES."""
    ops, out = layer.operands, layer.output
    out_fmt = layer.output_format
    cw, bw = layer.code_width, layer.bias_format.width
    codes = layer.weight_codes().reshape(-1)  # (K, IN, OUT) row-major: index (t*OUT_D + o)
    packed_codes = 0
    for index, code in enumerate(codes.tolist()):
        packed_codes |= code << (index * cw)
    packed_bias = 0
    for o, code in enumerate(layer.bias.tolist()):
        packed_bias |= (code & ((1 << bw) - 1)) << (o * bw)
    return {
        "XW": ops.input.width, "X_SIGNED": int(ops.input.signed),
        "IN_D": layer.in_channels, "OUT_D": layer.out_channels, "K": layer.kernel_size, "PO2_SPAN": layer.span,
        "CODES": sv_literal(codes.size * cw, packed_codes),
        "BW": bw, "BIASES": sv_literal(layer.out_channels * bw, packed_bias),
        "PROD_SHIFT": ops.product_shift, "BIAS_SHIFT": ops.bias_shift,
        "YW": out_fmt.width, "Y_SIGNED": int(out_fmt.signed), "Y_SHIFT": ops.acc_frac - out_fmt.frac,
        "FULL_PRECISION": int(out.full_precision), "ROUNDING": out.rounding.rtl_code,
        "RELU": out.activation.rtl_code, "FLOAT32_INPUT": int(out.float32_input),
    }


def _baked_adder_bits(layer: Po2Layer, o: int) -> int:
    """Carry-chain bits of column o in rtl/po2_baked_conv.sv, its bias adder included.

    The RTL's tree has one adder per node with two present children (a present node covers a non-zero weight).
    Synthesis keeps only the bits that need a carry chain: a node's sum has as many constant-zero low bits as
    its smallest shift and as many significant bits as its largest shifted input plus one per level; an adder
    spans from the higher of its operands' zero low bits (below, one operand is zero: wires) to its top, and
    the bias adder from the higher of the root's and the aligned bias's low bits to the accumulator's top."""
    ops = layer.operands
    x_bits = layer.input_format.width + int(not layer.input_format.signed)  # signed bits of one input
    column = layer.sign.reshape(layer.terms, layer.out_channels)[:, o]
    offsets = (layer.exponent.reshape(layer.terms, layer.out_channels)[:, o] - layer.exp_min).tolist()
    depth = max(0, (layer.terms - 1).bit_length())
    # per node: None (absent) or (low zero bits, significant top bit, leaves)
    nodes: list[tuple[int, int, int] | None] = [
        (offsets[t], x_bits + offsets[t], 1) if t < layer.terms and column[t] != 0 else None
        for t in range(1 << depth)]
    bits = 0
    for _ in range(depth):
        merged: list[tuple[int, int, int] | None] = []
        for left, right in zip(nodes[0::2], nodes[1::2]):
            if left is None or right is None:
                merged.append(left or right)
                continue
            top = max(left[1], right[1]) + 1  # one carry (or the sign of a difference) more
            bits += top - max(left[0], right[0])  # below that, one operand is zero: wires
            merged.append((min(left[0], right[0]), top, left[2] + right[2]))
        nodes = merged
    root = nodes[0]
    low = ops.bias_shift if root is None else max(root[0] + ops.product_shift, ops.bias_shift)
    return bits + layer.accumulator_width - low


def _output_stage_luts(output: OutputStage, acc_w: int) -> int:
    """layer_output_stage per column: nothing at full precision, else requantise's compare and round
    (about two cells per accumulator bit), plus about four per bit for the float32 rounding."""
    if output.full_precision:
        return 0
    return 2 * acc_w + (4 * acc_w if output.float32_input else 0)


def assert_po2(layer: Layer) -> None:
    if not isinstance(layer, Po2Layer):
        raise GoldenError(f"layer {layer.name}: the po2 kind got a {type(layer).__name__}")


def random_layer(
    rng: np.random.Generator, name: str, x: QFormat, span: tuple[int, int], b: QFormat, stage: OutputStage,
    shape: tuple[int, int, int], dilation: int = 1, zeros: float = 0.1,
) -> Po2Layer:
    """Random signs and exponents over the whole range (both ends present), a `zeros` share of zero weights."""
    exp_min, exp_max = span
    sign = rng.choice(np.array([-1, 1]), size=shape)
    sign = np.where(rng.random(shape) < zeros, 0, sign)
    exponent = rng.integers(exp_min, exp_max + 1, size=shape)
    flat = exponent.reshape(-1)
    if flat.size >= 2 and zeros < 1:  # both ends of the range present, so the shifter is exercised end to end
        flat[0], flat[-1] = exp_min, exp_max
        sign.reshape(-1)[[0, -1]] = [-1, 1]
    exponent = np.where(sign == 0, exp_min, exponent)
    bias = rng.integers(b.min_code, b.max_code + 1, shape[2])
    return Po2Layer(name, sign, exponent, exp_min, exp_max, bias, x, b, stage, dilation).validate(name)


def _zero_layer(name: str, x: QFormat, span: tuple[int, int], b: QFormat, stage: OutputStage, k: int, in_d: int,
                out_d: int) -> Po2Layer:
    shape = (k, in_d, out_d)
    return Po2Layer(name, np.ones(shape, dtype=np.int64), np.full(shape, span[0]), span[0], span[1],
                    np.zeros(out_d, dtype=np.int64), x, b, stage).validate(name)
