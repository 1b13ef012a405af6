"""The quantized_activation kind: QKeras's quantized_tanh and quantized_sigmoid as a layer of their own (a
QActivation), element-wise on every channel (rtl/quantized_activation.sv).

    y[t][c] = f(x[t][c])      K = 1, dilation 1, in_channels == out_channels

golden/activations.py defines f exactly, for any input format QKeras sees exactly (up to 53 bits: a full-precision
conv sum included):

    the hard and smooth forms (use_real false, internal sigmoid hard or smooth): a line, rounded half to even and
        saturated (`piecewise_linear_codes`); the hardware computes it with shifts, one adder and compares;
    the step forms (use_real true, or internal sigmoid real): a StepTable, first_code + #{j : T_j <= x}, whose
        thresholds the exporter finds from QKeras and proves (golden/frontend/activation_thresholds.py); the
        hardware finds the count by a binary search over a threshold ROM.

A hard or smooth form on inputs finer than its formula takes (more than 52 or 49 fractional bits, where QKeras's
float64 internal sigmoid rounds) is a step form too: its table comes from QKeras like the others.

The manifest entry holds the function, bits, use_real, the internal sigmoid the model assumes (the exporter
assumes QKeras's default, "hard": a saved model does not record set_internal_sigmoid), the input and output
formats and, for a step form, `steps: {first_code, thresholds}` (input codes).

Three models compute a layer: `step` (golden.activations: the formula, or StepTable.apply's binary search),
`sequence` (independently: the line in exact fractions with Python's half-to-even round, or the thresholds
located among the sorted inputs and counted), and the RTL; golden/tests/test_activation_kind.py proves the
first two equal, sim/quantized_activation the RTL equal to `step`, golden/tests_qkeras/test_activation_kind.py
QKeras's own predict equal to both.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Iterable

import numpy as np

from golden.activations import (
    DEFAULT_INTERNAL_SIGMOID, Function, InternalSigmoid, QuantizedActivation, StepTable, UnsupportedActivationError,
    check_input_format, piecewise_linear_codes,
)
from golden.errors import GoldenError
from golden.kinds.base import (
    IMPLEMENTATION_LANES, ElementwiseLayer, KerasImport, Layer, LayerKind, Parallelism, Sequence, rom_in_block_ram,
)
from golden.kinds.conv1d import MAX_CHANNELS, CoreCost, LayerSchemaError, _field
from golden.layer_format import OutputStage, wide_format
from golden.qformat import QFormat, format_from_dict

KIND_NAME = "quantized_activation"
TABLE_ROLE = "thresholds"  # the step forms' ROM (rom_files)
CORE_CONTROL_LUTS = 30  # the phase, step and beat counters, the handshake
CORE_CONTROL_FFS = 20


# The four lines of golden/activations.py, p = slope * x + offset, as exact fractions: the
# independent whole-sequence model (`sequence`) and the hardware's widths (slope = 3 / 2^shift or 1 / 2^shift).
_EXACT_LINES = {
    (Function.TANH, InternalSigmoid.HARD): (Fraction(1), Fraction(0)),
    (Function.TANH, InternalSigmoid.SMOOTH): (Fraction(3, 8), Fraction(0)),
    (Function.SIGMOID, InternalSigmoid.HARD): (Fraction(1, 2), Fraction(1, 2)),
    (Function.SIGMOID, InternalSigmoid.SMOOTH): (Fraction(3, 16), Fraction(1, 2)),
}


@dataclass(frozen=True, eq=False)
class ActivationLayer(ElementwiseLayer):
    """`activation` on each of `channels` channels of `input_fmt` codes; `table` for the step forms (None: the
    line, golden.activations.piecewise_linear_codes)."""

    activation: QuantizedActivation
    channels: int
    input_fmt: QFormat
    table: StepTable | None = None

    @property
    def kind(self) -> str:
        return ACTIVATION.name

    @property
    def in_channels(self) -> int:
        return self.channels

    @property
    def input_format(self) -> QFormat:
        return self.input_fmt

    @property
    def output_format(self) -> QFormat:
        return self.activation.output_format

    def validate(self, where: str) -> "ActivationLayer":
        """Check the activation, channels, input format and table; errors name `where` and the field."""
        if not isinstance(self.activation, QuantizedActivation):
            raise LayerSchemaError(f"{where}: expected a golden.activations.QuantizedActivation, got "
                                   f"{self.activation!r}")
        if isinstance(self.channels, (bool, np.bool_)) or not isinstance(self.channels, (int, np.integer)) \
                or not 1 <= self.channels <= MAX_CHANNELS:
            raise LayerSchemaError(f"{where}: channels must be an integer in [1, {MAX_CHANNELS}], got "
                                   f"{self.channels!r}")
        if not isinstance(self.input_fmt, QFormat):
            raise LayerSchemaError(f"{where}: the input format must be a QFormat, got {self.input_fmt!r}")
        try:
            check_input_format(self.input_fmt, self.activation)
        except GoldenError as error:
            raise LayerSchemaError(f"{where}: {error}") from None
        what = f"{self.activation} on {self.input_fmt}"
        if needs_table(self.activation, self.input_fmt):
            if self.table is None:
                raise LayerSchemaError(f"{where}: {what} is a step function of the input code: it needs `steps` "
                                       "(first_code and thresholds; the exporter finds them from QKeras)")
            if not isinstance(self.table, StepTable):
                raise LayerSchemaError(f"{where}: expected a golden.activations.StepTable, got {self.table!r}")
            if self.table.activation != self.activation or self.table.input_format != self.input_fmt:
                raise LayerSchemaError(f"{where}: the step table is {self.table.activation} on "
                                       f"{self.table.input_format}, not {what}")
        elif self.table is not None:
            raise LayerSchemaError(f"{where}: {what} is exact shifts and clamps (golden.activations."
                                   "piecewise_linear_codes); it takes no `steps`")
        object.__setattr__(self, "channels", int(self.channels))
        return self


def needs_table(activation: QuantizedActivation, fmt: QFormat) -> bool:
    """True for the step forms, and for a hard or smooth form on inputs finer than its formula takes (where
    golden.activations.piecewise_linear_codes refuses them: QKeras's float64 internal sigmoid rounds there)."""
    if not activation.piecewise_linear:
        return True
    try:
        piecewise_linear_codes(activation, fmt, [fmt.min_code])
    except UnsupportedActivationError:
        return True
    return False


# ---- the hardware's shape (rtl/quantized_activation.sv) -------------------------------------------------------

def search_steps(layer: ActivationLayer) -> int:
    """S = max(1, clog2(STEPS + 1)): the binary search's steps, the bits of the count."""
    return max(1, len(layer.table.thresholds).bit_length()) if layer.table is not None else 1


def rom_depth(layer: ActivationLayer) -> int:
    """D = 2^S - 1: the threshold ROM's words, the table padded with the top input code."""
    return (1 << search_steps(layer)) - 1


def rom_registered(layer: ActivationLayer) -> bool:
    """ROM_REG: a fabric register after a threshold ROM that yosys puts in block RAM (as conv1d's WEIGHT_REG)."""
    return layer.table is not None and rom_in_block_ram(rom_depth(layer))


def beat_cycles(layer: ActivationLayer) -> int:
    """Cycles per beat: 1 for the line; S search steps of 3 + ROM_REG cycles for a table (address, read, the
    register after a block RAM, compare, update)."""
    if layer.table is None:
        return 1
    return search_steps(layer) * (3 + int(rom_registered(layer)))


def max_lanes(layer: ActivationLayer) -> int:
    """Every channel in parallel, except for a table in block RAM: each lane holds its own copy of the table, and
    the plan's block RAM count (registered_roms) is one copy, so a deep table is searched by one lane."""
    return 1 if rom_registered(layer) else layer.channels


def activation_latency(layer: ActivationLayer, setting: Parallelism) -> int:
    """rtl/quantized_activation.sv, start to y_valid_o: LAT = 1 + BEATS * BEAT_CYCLES + PIPE, BEATS = ceil(CHANNELS
    / LANES), PIPE = 1 for the line (its accumulator register before requantise), 0 for a table. The only copy of
    the formula: the core's interval is the same (one sample at a time)."""
    return 1 + math.ceil(layer.channels / setting.lanes) * beat_cycles(layer) + int(layer.table is None)


def line_widths(layer: ActivationLayer) -> tuple[int, int]:
    """(AccW, AccFrac) of the line's accumulator in rtl/quantized_activation.sv (its localparams)."""
    activation, fmt = layer.activation, layer.input_fmt
    slope, _ = _EXACT_LINES[(activation.function, activation.internal_sigmoid)]
    shift = slope.denominator.bit_length() - 1  # the line's 2^shift
    signed_bits = fmt.operand_width
    reach_bits = fmt.frac + 2 if fmt.frac >= -2 else 0
    clamped = reach_bits + 2 if reach_bits < signed_bits - 1 else signed_bits
    acc_frac = max(fmt.frac + shift, 1)
    left = acc_frac - fmt.frac - shift
    return max(clamped + 2 + left, acc_frac + 1) + 1, acc_frac


def activation_core_cost(layer: ActivationLayer, setting: Parallelism) -> CoreCost:
    """TRELLIS_COMB and TRELLIS_FF of rtl/quantized_activation.sv, counted from its structure (a comparator or an
    adder of n bits ~ n cells, a 2:1 multiplexer ~ 1 per bit):

    * the taps register (BEATS*LANES input codes; loaded or shifted: a multiplexer per bit when BEATS > 1), the
      assembly register ((BEATS-1)*LANES outputs), the result register y_o;
    * per line lane: the clamp, the slope-3 adder and requantise, which synthesis folds to about 2 x AccW (its
      compares are against constants);
    * per table lane: the threshold compare, the ROM word's read multiplexer, the count and address logic (3S),
      the output adder and the clamp to STEPS; its ROM in LUT4s (XW x ceil(D/16)) when shallow, with its output
      register; the count, address and, with ROM_REG, the fabric register after a block RAM.

    Against yosys synth_ecp5 (LUT4 + 2 x CCU2C, TRELLIS_FF) on the cost variants: within 20%."""
    xw, yw, channels, lanes = layer.input_fmt.width, layer.output_format.width, layer.channels, setting.lanes
    beats = math.ceil(channels / lanes)
    luts = (beats * lanes * xw if beats > 1 else 0) + CORE_CONTROL_LUTS
    flip_flops = beats * lanes * xw + (beats - 1) * lanes * yw + channels * yw + CORE_CONTROL_FFS
    if layer.table is None:
        acc_w, _ = line_widths(layer)
        luts += lanes * 2 * acc_w
        flip_flops += lanes * acc_w + 2  # the accumulator register, the result valids
    else:
        steps, depth = search_steps(layer), rom_depth(layer)
        rom_luts = 0 if rom_registered(layer) else xw * math.ceil(depth / 16)
        luts += lanes * ((xw + 1) + xw + 3 * steps + yw + steps + rom_luts)
        flip_flops += lanes * (2 * steps + xw + 1)  # count, address; a LUT ROM's output register or ROM_REG's;
        # the compare's
    return CoreCost(luts, flip_flops)


# ---- step tables without TensorFlow -------------------------------------------------------------------------

def monotone_step_table(activation: QuantizedActivation, fmt: QFormat,
                        codes_of: Callable[[np.ndarray], np.ndarray]) -> StepTable:
    """The StepTable of a non-decreasing function `codes_of` (input codes -> output codes of `activation`) on
    `fmt`: for each output code above the one at the lowest input, the first input code reaching it, by bisection
    over the whole input range (all levels at once: about 2 x XW evaluations each, never 2^XW)."""
    low, high = fmt.min_code, fmt.max_code
    first, last = (int(code) for code in codes_of(np.array([low, high], dtype=np.int64)))
    levels = np.arange(first + 1, last + 1, dtype=np.int64)
    below = np.full(levels.size, low, dtype=np.int64)  # codes_of(below) < level <= codes_of(above)
    above = np.full(levels.size, high, dtype=np.int64)
    while np.any(above - below > 1):
        middle = below + (above - below) // 2
        reached = codes_of(middle) >= levels
        above = np.where(reached, middle, above)
        below = np.where(reached, below, middle)
    return StepTable(activation, fmt, first, tuple(int(code) for code in np.maximum.accumulate(above)))


def float64_step_table(activation: QuantizedActivation, fmt: QFormat) -> StepTable:
    """A step form's table as numpy's float64 tanh and sigmoid compute it: for the kind's examples, lint and cost
    variants and the benches, which need tables without TensorFlow. The exporter's tables are QKeras's own
    (golden/frontend/activation_thresholds.py), which may differ from these by one code next to a step."""
    out = activation.output_format
    tanh = activation.function is Function.TANH

    def codes_of(codes: np.ndarray) -> np.ndarray:
        x = fmt.to_real(codes)
        if activation.use_real:
            p = np.tanh(x) if tanh else 0.5 * (1.0 + np.tanh(x / 2))  # sigmoid(x) without overflow
        else:  # internal sigmoid real: tanh = 2 sigmoid(x) - 1
            p = np.tanh(x / 2) if tanh else 0.5 * (1.0 + np.tanh(x / 2))
        return np.clip(np.round(np.ldexp(p, out.frac)), out.min_code, out.max_code).astype(np.int64)
    return monotone_step_table(activation, fmt, codes_of)


# ---- the independent whole-sequence models -----------------------------------------------------------------

def _exact_line(activation: QuantizedActivation, fmt: QFormat, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(outputs, clipped) of a line on input codes, each distinct code in exact fractions: round(p * m) half to
    even (Python's round of a Fraction), clipped to the output range."""
    slope, offset = _EXACT_LINES[(activation.function, activation.internal_sigmoid)]
    out = activation.output_format
    m, step = Fraction(2) ** out.frac, Fraction(2) ** -fmt.frac
    distinct, where = np.unique(codes, return_inverse=True)
    rounded = [round((slope * int(code) * step + offset) * m) for code in distinct]
    outputs = np.array([min(out.max_code, max(out.min_code, r)) for r in rounded], dtype=np.int64)
    clipped = np.array([not out.min_code <= r <= out.max_code for r in rounded], dtype=bool)
    return outputs[where].reshape(codes.shape), clipped[where].reshape(codes.shape)


def _counted_table(table: StepTable, codes: np.ndarray) -> np.ndarray:
    """first_code + #{j : T_j <= x} by locating every threshold among the sorted inputs: from a threshold's first
    position on, every input counts it (the reverse of StepTable.apply's search of each input among the
    thresholds)."""
    flat = codes.reshape(-1)
    order = np.argsort(flat, kind="stable")
    starts = np.searchsorted(flat[order], np.asarray(table.thresholds, dtype=np.int64), side="left")
    counted = np.cumsum(np.bincount(starts, minlength=flat.size + 1))[:flat.size]
    outputs = np.empty(flat.size, dtype=np.int64)
    outputs[order] = table.first_code + counted
    return outputs.reshape(codes.shape)


class ActivationKind(LayerKind):
    name = KIND_NAME
    rtl_module = "quantized_activation"
    rtl_dependencies = ("requantise",)
    registered_roms = (TABLE_ROLE,)
    keras_layers = ("QActivation",)  # with quantized_tanh or quantized_sigmoid
    structures = ("per-layer",)
    macs_on_multipliers = False  # no multiply-accumulate at all

    # ---- manifest schema ----
    def from_dict(self, data: dict[str, Any], where: str, input_format: QFormat,
                  defaults: dict[str, Any]) -> ActivationLayer:
        """`channels`, `function` (tanh | sigmoid), `bits`, `use_real`, `internal_sigmoid` (hard | smooth | real),
        `formats` ({input, output}: the output is the activation's, checked) and, for a step form, `steps`
        ({first_code, thresholds})."""
        if "format" in defaults:
            raise LayerSchemaError(f"{where}: kind {self.name} needs manifest_version 2")
        try:
            activation = QuantizedActivation(_field(data, "function", str, where), _field(data, "bits", int, where),
                                             _field(data, "use_real", bool, where),
                                             _field(data, "internal_sigmoid", str, where))
            formats = _field(data, "formats", dict, where)
            unknown = sorted(set(formats) - {"input", "output"})
            if unknown:
                raise LayerSchemaError(f"{where}: formats has unknown field(s) {', '.join(unknown)}")
            input_data = _field(formats, "input", dict, f"{where} formats")
            # a full-precision predecessor's sum may be wider than a QFormat: take the chain's own format
            if {"signed": True, **input_data} == input_format.to_dict():
                input_fmt = input_format
            else:
                input_fmt = format_from_dict(input_data, "formats.input")
            output_data = _field(formats, "output", dict, f"{where} formats")
            if {"signed": True, **output_data} != activation.output_format.to_dict():
                raise LayerSchemaError(f"{where}: formats.output {output_data} must be {activation}'s output format "
                                       f"{activation.output_format.to_dict()}")
        except LayerSchemaError:
            raise
        except GoldenError as error:
            raise LayerSchemaError(f"{where}: {error}") from None
        if input_fmt != input_format:
            raise LayerSchemaError(f"{where}: input format {input_fmt} differs from the previous stage's output "
                                   f"format {input_format}")
        table = None
        if "steps" in data:
            steps = _field(data, "steps", dict, where)
            unknown = sorted(set(steps) - {"first_code", "thresholds"})
            if unknown:
                raise LayerSchemaError(f"{where}: steps has unknown field(s) {', '.join(unknown)}")
            try:
                table = StepTable(activation, input_fmt, _field(steps, "first_code", int, f"{where} steps"),
                                  tuple(_field(steps, "thresholds", list, f"{where} steps")))
            except LayerSchemaError:
                raise
            except GoldenError as error:
                raise LayerSchemaError(f"{where}: {error}") from None
        return ActivationLayer(_field(data, "name", str, where), activation, _field(data, "channels", int, where),
                               input_fmt, table).validate(where)

    def to_dict(self, layer: Layer) -> dict[str, Any]:
        assert_activation(layer)
        activation = layer.activation
        entry: dict[str, Any] = {
            "name": layer.name, "kind": self.name, "channels": layer.channels,
            "function": activation.function.value, "bits": activation.bits, "use_real": activation.use_real,
            "internal_sigmoid": activation.internal_sigmoid.value,
            "formats": {"input": layer.input_fmt.to_dict(), "output": layer.output_format.to_dict()},
        }
        if layer.table is not None:
            entry["steps"] = {"first_code": layer.table.first_code, "thresholds": list(layer.table.thresholds)}
        return entry

    # ---- QKeras import rule ----
    def claims(self, keras_layer: Any) -> bool:
        """A QActivation whose quantizer is quantized_tanh or quantized_sigmoid (the other QActivations close the
        stage before them: their quantizer is its output stage)."""
        quantizer = getattr(keras_layer, "quantizer", None)
        return (type(keras_layer).__name__ == "QActivation"
                and type(quantizer).__name__ in {function.qkeras_name for function in Function})

    def keras_import(self, keras_layer: Any, where: str) -> "QActivationImport":
        return QActivationImport(keras_layer, where)

    def assumptions(self, layer: Layer) -> list[str]:
        """A form that uses QKeras's internal sigmoid depends on set_internal_sigmoid, which no model file records."""
        assert_activation(layer)
        activation = layer.activation
        if activation.use_real:
            return []
        return [f"layer {layer.name}: {activation.function.qkeras_name} with "
                f"{activation.function.use_real_option}=False computes QKeras's internal sigmoid, assumed "
                f"'{activation.internal_sigmoid.value}' (set_internal_sigmoid; QKeras's default, not saved in the model)"]

    # ---- golden ----
    def step(self, layer: Layer, taps: np.ndarray) -> np.ndarray:
        """golden.activations on the one tap: the formula, or the table's search."""
        assert_activation(layer)
        x = layer.input_fmt.check_codes(taps, f"layer {layer.name} taps")
        if x.shape != (1, layer.channels):
            raise GoldenError(f"layer {layer.name}: taps must have shape (1, {layer.channels}), got {x.shape}")
        if layer.table is not None:
            return layer.table.apply(x[0])
        return piecewise_linear_codes(layer.activation, layer.input_fmt, x[0])

    def sequence(self, layer: Layer, samples: np.ndarray) -> Sequence:
        """Every sample at once, independently of `step`: the line in exact fractions, or the thresholds counted
        among the sorted inputs. `sums` are the inputs; `saturated` marks outputs at an end of the output range
        (the line: clipped there)."""
        assert_activation(layer)
        x = layer.input_fmt.check_codes(samples, f"layer {layer.name} input")
        if x.ndim != 2 or x.shape[1] != layer.channels:
            raise GoldenError(f"layer {layer.name}: input must have shape (T, {layer.channels}), got {x.shape}")
        if layer.table is None:
            outputs, saturated = _exact_line(layer.activation, layer.input_fmt, x)
        else:
            out = layer.output_format
            outputs = _counted_table(layer.table, x)
            saturated = (outputs == out.min_code) | (outputs == out.max_code)
        return Sequence(sums=x, outputs=outputs, saturated=saturated)

    # ---- hardware ----
    def settings(self, layer: Layer) -> Iterable[Parallelism]:
        """LANES channels in parallel, 1..CHANNELS (1 for a table in block RAM: max_lanes), one column."""
        assert_activation(layer)
        for lanes in range(1, max_lanes(layer) + 1):
            yield Parallelism(lanes, 1)

    def frontier_settings(self, layer: Layer) -> Iterable[Parallelism]:
        """The fewest lanes for each number of beats ceil(CHANNELS / LANES): more lanes with as many beats have the
        same interval."""
        assert_activation(layer)
        for lanes in sorted({-(-layer.channels // beats) for beats in range(1, layer.channels + 1)}):
            if lanes <= max_lanes(layer):
                yield Parallelism(lanes, 1)

    def check_setting(self, layer: Layer, setting: Parallelism, where: str) -> None:
        assert_activation(layer)
        if setting.implementation != IMPLEMENTATION_LANES:
            raise GoldenError(f"{where}: kind {self.name} has no implementation {setting.implementation!r} (it has "
                              f"{IMPLEMENTATION_LANES!r}: LANES channels in parallel)")
        high = max_lanes(layer)
        if isinstance(setting.lanes, bool) or not isinstance(setting.lanes, int) or not 1 <= setting.lanes <= high:
            reason = (f" (its {rom_depth(layer)}-word threshold table is block RAM, one copy: one lane)"
                      if high < layer.channels else "")
            raise GoldenError(f"{where}: LANES must be an integer in [1, {high}]{reason}, got {setting.lanes!r}")
        if setting.cols != 1:
            raise GoldenError(f"{where}: a {self.name} layer computes every channel in its lanes: COLS must be 1, "
                              f"got {setting.cols!r}")
        if setting.mul_latency != 1:
            raise GoldenError(f"{where}: a {self.name} layer has no multiplier: MUL_LATENCY must be 1, got "
                              f"{setting.mul_latency!r}")
        if setting.stream:
            raise GoldenError(f"{where}: a {self.name} layer latches its taps; it cannot stream them from a tap_ring")

    def core_latency(self, layer: Layer, setting: Parallelism) -> int:
        """rtl/quantized_activation.sv: 1 + BEATS * BEAT_CYCLES + PIPE (activation_latency)."""
        assert_activation(layer)
        return activation_latency(layer, setting)

    def core_interval(self, layer: Layer, setting: Parallelism) -> int:
        """The next start in the cycle the result is taken: the latency."""
        assert_activation(layer)
        return activation_latency(layer, setting)

    def multipliers(self, layer: Layer, setting: Parallelism) -> int:
        """Lanes: each an activation datapath, not a hardware multiplier (as po2's shifter lanes: the setting
        chooser's cost measure within the kind)."""
        return setting.lanes

    def dsp_blocks(self, layer: Layer, setting: Parallelism) -> int:
        """None: shifts, adders and compares."""
        return 0

    def estimated_luts(self, layer: Layer, setting: Parallelism) -> int:
        assert_activation(layer)
        return activation_core_cost(layer, setting).luts

    def estimated_flip_flops(self, layer: Layer, setting: Parallelism) -> int:
        assert_activation(layer)
        return activation_core_cost(layer, setting).flip_flops

    def rtl_parameters(self, layer: Layer, setting: Parallelism, files: dict[str, str]) -> dict[str, int | str]:
        """rtl/quantized_activation.sv's parameters; THRESHOLDS_FILE for a table."""
        assert_activation(layer)
        activation, fmt, table = layer.activation, layer.input_fmt, layer.table
        parameters: dict[str, int | str] = {
            "XW": fmt.width, "X_SIGNED": int(fmt.signed), "X_FRAC": fmt.frac, "CHANNELS": layer.channels,
            "LANES": setting.lanes, "SIGMOID": int(activation.function is Function.SIGMOID), "BITS": activation.bits,
            "TABLE": int(table is not None),
            "SMOOTH": int(table is None and activation.internal_sigmoid is InternalSigmoid.SMOOTH),
            "STEPS": len(table.thresholds) if table is not None else 0,
            # as its BITS-bit pattern: yosys's chparam (make synth-blocks) reads no minus sign
            "FIRST": table.first_code & ((1 << activation.bits) - 1) if table is not None else 0,
            "ROM_REG": int(rom_registered(layer)),
        }
        if table is not None:
            parameters["THRESHOLDS_FILE"] = files[TABLE_ROLE]
        return parameters

    def rom_files(self, layer: Layer, setting: Parallelism) -> dict[str, tuple[list[int], int]]:
        """A table's thresholds as XW-bit two's complement (or plain) codes, padded to D = 2^S - 1 words with the
        top input code; none for the line."""
        assert_activation(layer)
        if layer.table is None:
            return {}
        fmt = layer.input_fmt
        mask = (1 << fmt.width) - 1
        padded = list(layer.table.thresholds) + [fmt.max_code] * (rom_depth(layer) - len(layer.table.thresholds))
        return {TABLE_ROLE: ([code & mask for code in padded], fmt.width)}

    def lint_variants(self) -> list[tuple[Layer, Parallelism]]:
        """Every generate branch: the line with and without the input clamp (a reach of one code for a coarse
        input), slopes 1 and 3, the sigmoid's half, unsigned and 53-bit inputs, one and several beats, padding
        channels; tables shallow and deep (ROM_REG), padded and full, and a constant one (no steps)."""
        def layer(function: str, bits: int, use_real: bool, internal: str, fmt: QFormat, channels: int) -> ActivationLayer:
            return _example("lint", QuantizedActivation(function, bits, use_real, internal), fmt, channels)
        return [
            (layer("tanh", 8, False, "hard", QFormat(16, 12), 4), Parallelism(4, 1)),
            (layer("sigmoid", 6, False, "smooth", QFormat(10, 4, False), 5), Parallelism(2, 1)),
            (layer("sigmoid", 12, False, "hard", wide_format(53, 50), 1), Parallelism(1, 1)),
            (layer("tanh", 4, False, "smooth", QFormat(8, -4), 3), Parallelism(1, 1)),
            (layer("tanh", 4, True, "hard", QFormat(8, 4), 3), Parallelism(2, 1)),
            (layer("sigmoid", 5, False, "real", QFormat(7, 4), 2), Parallelism(2, 1)),  # 30 steps: one pad word
            (layer("tanh", 8, True, "hard", QFormat(12, 8), 2), Parallelism(1, 1)),
            (layer("sigmoid", 4, True, "hard", QFormat(2, 10, False), 2), Parallelism(1, 1)),
        ]

    def example_layers(self, rng: np.random.Generator) -> list[tuple[Layer, Parallelism]]:
        """A hard tanh on 3 channels in 2 lanes (two beats, one padding channel), a real sigmoid's 4-bit table and
        a real tanh's 8-bit table in block RAM (one lane, two beats each). No weights: `rng` is unused."""
        return [
            (_example("example", QuantizedActivation("tanh", 6), QFormat(10, 6), 3), Parallelism(2, 1)),
            (_example("example", QuantizedActivation("sigmoid", 4, True), QFormat(8, 4, False), 2), Parallelism(1, 1)),
            (_example("example", QuantizedActivation("tanh", 8, True), QFormat(12, 8), 2), Parallelism(1, 1)),
        ]

    def cost_variants(self) -> list[tuple[str, Layer, Parallelism]]:
        """16 channels of Q(16,12) (the seeds' format) and a 37-bit full-precision sum: the hard tanh at 1, 4 and
        16 lanes, the 4-bit real sigmoid table (LUT ROMs) at 1 and 16 lanes, the 8-bit real tanh table (block
        RAM) at its one lane."""
        q16 = QFormat(16, 12)
        hard = _example("cost", QuantizedActivation("tanh", 8), q16, 16)
        wide = _example("cost", QuantizedActivation("tanh", 8), wide_format(37, 24), 16)
        small = _example("cost", QuantizedActivation("sigmoid", 4, True), q16, 16)
        deep = _example("cost", QuantizedActivation("tanh", 8, True), q16, 16)
        return [
            ("quantized_activation hard tanh(8) 16 ch Q(16,12)", hard, Parallelism(1, 1)),
            ("quantized_activation hard tanh(8) 16 ch Q(16,12)", hard, Parallelism(4, 1)),
            ("quantized_activation hard tanh(8) 16 ch Q(16,12)", hard, Parallelism(16, 1)),
            ("quantized_activation hard tanh(8) 16 ch on a 37-bit sum", wide, Parallelism(4, 1)),
            ("quantized_activation real sigmoid(4) table 16 ch Q(16,12)", small, Parallelism(1, 1)),
            ("quantized_activation real sigmoid(4) table 16 ch Q(16,12)", small, Parallelism(16, 1)),
            ("quantized_activation real tanh(8) table (block RAM) 16 ch Q(16,12)", deep, Parallelism(1, 1)),
        ]


ACTIVATION = ActivationKind()


def _example(name: str, activation: QuantizedActivation, fmt: QFormat, channels: int) -> ActivationLayer:
    """A layer of the kind's own variants: a step form's table from numpy (float64_step_table)."""
    table = float64_step_table(activation, fmt) if needs_table(activation, fmt) else None
    return ActivationLayer(name, activation, channels, fmt, table).validate(name)


def assert_activation(layer: Layer) -> None:
    if not isinstance(layer, ActivationLayer):
        raise GoldenError(f"layer {layer.name}: the {KIND_NAME} kind got a {type(layer).__name__}")


@lru_cache(maxsize=None)
def proven_table(activation: QuantizedActivation, fmt: QFormat) -> StepTable | None:
    """The layer's table on `fmt` found and proven from QKeras (golden/frontend/activation_thresholds.py), or None
    where the formula computes it; each (activation, format) searched once per process."""
    if not needs_table(activation, fmt):
        return None
    from golden.frontend.activation_thresholds import find_step_table  # TensorFlow: only when a model is exported

    return find_step_table(activation, fmt)


class QActivationImport(KerasImport):
    """The kind's QKeras import rule: a QActivation of quantized_tanh(bits, use_real_tanh) or
    quantized_sigmoid(bits, use_real_sigmoid), symmetric=False, no stochastic rounding, assuming QKeras's default
    internal sigmoid ("hard"; a saved model does not record set_internal_sigmoid). No quantizer may follow it (its
    output is already codes of its format). A step form's table is found and proven from QKeras on the input
    format the chain gives (sum_problem names a format QKeras cannot be matched on)."""

    def __init__(self, keras_layer: Any, where: str):
        self.keras_layer = keras_layer
        self.where = where
        self.activation: QuantizedActivation | None = None
        self.problems: list[str] = []
        quantizer = keras_layer.quantizer
        try:
            self.activation = QuantizedActivation.from_qkeras(type(quantizer).__name__, quantizer.get_config(),
                                                              DEFAULT_INTERNAL_SIGMOID)
        except GoldenError as error:
            self.problems.append(f"{where}: {error}")

    def output_quantizers(self) -> list[Any]:
        return []  # the layer is the activation: QActivations after it are checked by output_format

    @property
    def default_input_format(self) -> QFormat | None:
        return None  # an activation has no format of its own to suggest for the network's input

    def sum_problem(self, input_format: QFormat) -> str | None:
        """Why QKeras's output on `input_format` cannot be reproduced exactly: a code wider than float64 holds, or a
        step whose position depends on TensorFlow's evaluation lane (the threshold proof fails)."""
        if self.activation is None:
            return None
        try:
            proven_table(self.activation, input_format)
        except GoldenError as error:
            return f"{self.where}: {error}"
        return None

    def output_format(self, input_format: QFormat, output: OutputStage) -> QFormat:
        self._check_output(output)
        return self._activation().output_format

    def weights(self) -> list[tuple[str, Any]]:
        return []

    def weight_problems(self) -> list[str]:
        return []

    def build(self, name: str, input_format: QFormat, output: OutputStage) -> Layer:
        activation = self._activation()
        self._check_output(output)
        if input_format is None:
            raise GoldenError(f"{self.where}: {activation} is the first layer, and an activation has no format to "
                              "suggest for the network's input: give the input format (--input-format)")
        channels = int(self.keras_layer.output.shape[-1])
        return ActivationLayer(name, activation, channels, input_format,
                               proven_table(activation, input_format)).validate(f"layer '{name}'")

    def provenance(self) -> dict[str, Any]:
        return {"activation": str(self.keras_layer.quantizer),
                "internal_sigmoid": f"{DEFAULT_INTERNAL_SIGMOID.value} (assumed: QKeras's default; a saved model "
                                    "does not record set_internal_sigmoid)"}

    def _activation(self) -> QuantizedActivation:
        if self.activation is None:
            raise GoldenError(f"{self.where}: {'; '.join(self.problems)}")
        return self.activation

    def _check_output(self, output: OutputStage) -> None:
        if not output.full_precision:
            raise GoldenError(f"{self.where}: a quantizer after {self._activation()} is not supported (its output "
                              f"is already codes of {self._activation().output_format})")
