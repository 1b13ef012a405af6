"""Exact integer models of QKeras 0.9.0's `quantized_tanh` and `quantized_sigmoid`, for any input format.

What QKeras computes (qkeras/quantizers.py, 0.9.0), on a float64 input `x` (predict runs in float64,
docs/qkeras-mapping.md), with `round` = `_round_through` = `x + stop_gradient(-x + tf.round(x))`, which
is `tf.round` (half to even) on an exact value:

    quantized_tanh(bits, use_stochastic_rounding=False, symmetric=False, use_real_tanh=False)
        m = 2^(bits - 1)
        p = tanh(x)                 if use_real_tanh
            2 * _sigmoid(x) - 1     otherwise
        y = clip(round(p * m) / m, -1 + symmetric / m, 1 - 1/m)

    quantized_sigmoid(bits, symmetric=False, use_real_sigmoid=False, use_stochastic_rounding=False)
        m = 2^bits
        p = sigmoid(x)              if use_real_sigmoid
            _sigmoid(x)             otherwise
        y = clip(round(p * m) / m, symmetric / m, 1 - 1/m)

So quantized_tanh's output is a code of Q(bits, bits-1), all 2^bits of them, [-1, 1 - 2^-(bits-1)];
quantized_sigmoid's a code of UQ(bits, bits), [0, 1 - 2^-bits] (p = 1 rounds to m and is clipped to the
top code). `bits` counts the sign for tanh. `symmetric=True` drops the lowest code (-1 for tanh, 0 for
sigmoid); `use_stochastic_rounding=True` rounds at random while K.learning_phase() is set. Neither is
modelled: `QuantizedActivation.from_qkeras` refuses them by name, as it refuses bits outside [2, 24]
(a 1-bit output is not a QFormat; 24 is the models' widest format).

`_sigmoid` is a process-global of qkeras.quantizers, chosen by `set_internal_sigmoid(mode)` and set to
"hard" when QKeras is imported (`_default_sigmoid_type`):

    "hard"    hard_sigmoid(x)   = clip(0.5 * x + 0.5, 0, 1)
    "smooth"  smooth_sigmoid(x) = clip(0.1875 * x + 0.5, 0, 1)
    "real"    tf.keras.backend.sigmoid(x)

A saved model does not record the mode, so `QuantizedActivation.internal_sigmoid` says which one a
model assumes; it defaults to QKeras's default, "hard" (`DEFAULT_INTERNAL_SIGMOID`). It matters only
when use_real_* is false.

Piecewise-linear forms (use_real false, internal sigmoid hard or smooth). With `x = c * 2^-F` and
`|c| < 2^53`, QKeras's float64 arithmetic is exact: 0.5 * x + 0.5 = (c + 2^F) * 2^-(F+1) has at most
F + 1 significant bits where it is not clipped (|x| < 1), so it is exact while F <= 52 (smooth:
(3c + 2^(F+3)) * 2^-(F+4), exact while F <= 49); outside that, float rounding is monotone and 0 and
1 are floats, so the clip still yields exactly 0 or 1. Then 2s - 1, p * m and / m are exact, and the
clip of p before rounding changes nothing because the output range lies inside [-1, 1] or [0, 1]. So
the output code is the exact line, rounded half to even, saturated to the output range:

    hard tanh       p = x                 smooth tanh      p = 3x/8
    hard sigmoid    p = x/2 + 1/2         smooth sigmoid   p = 3x/16 + 1/2

`piecewise_linear_codes` computes it from input codes with a multiply by 1 or 3, shifts, one added
half and golden.fast.requantise_to (saturate, drop bits half to even: docs/arithmetic.md 7.4): no table.
Finer inputs are refused (at F = 53 QKeras's float64 hard sigmoid does leave the exact line next to the
rounding ties); a StepTable found from QKeras covers them.

Step forms (use_real true, or internal sigmoid "real"). p is TensorFlow's float64 tanh or sigmoid, or
2 * sigmoid(x) - 1, which no formula reproduces to the last bit. The output code is a non-decreasing
step function of the input code with at most 2^bits - 1 steps (one per output code after the first).
`StepTable` stores it as data: the output code at the lowest input code and, for each step up, the
input code T_j where the output first reaches first + j (T_j repeats when the input grid is coarser
than the output's, so one input step skips output codes). `StepTable.apply` is a `searchsorted`.
golden.frontend.activation_thresholds finds and proves the thresholds from QKeras itself (and refuses an
input format so fine that TensorFlow's own result depends on a value's position in its tensor); this
module never imports TensorFlow.

Input formats: any QFormat, including golden.layer_format.wide_format for a full-precision layer sum,
up to 53 bits: float64 holds every such code exactly, so QKeras sees the code itself (the exporter
refuses sums wider than that too, docs/qkeras-mapping.md), and int64 holds every intermediate here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

import numpy as np
from numpy.typing import ArrayLike

from golden.errors import ParameterError
from golden.fast import requantise_to
from golden.layer_format import Activation, OutputStage
from golden.qformat import MAX_FRAC, MAX_WIDTH, QFormat, Rounding

FLOAT64_SIGNIFICAND_BITS = 53  # a float64 holds every integer code of up to 53 bits exactly
MAX_INPUT_FRAC = 2 * MAX_FRAC  # a layer's raw sum has the input's plus the kernel's fractional bits
MIN_BITS = 2  # QKeras allows 1, but Q(1,0) / UQ(1,1) is not a QFormat


class UnsupportedActivationError(ParameterError):
    """A QKeras activation or option this model does not reproduce (named with the reason)."""


class StepTableError(ParameterError):
    """A step table's thresholds do not describe a non-decreasing step function of its input format."""


class Function(str, Enum):
    TANH = "tanh"
    SIGMOID = "sigmoid"

    @property
    def qkeras_name(self) -> str:
        return f"quantized_{self.value}"

    @property
    def use_real_option(self) -> str:
        """The QKeras option that selects TensorFlow's own function."""
        return f"use_real_{self.value}"


class InternalSigmoid(str, Enum):
    """qkeras.quantizers.set_internal_sigmoid's modes."""

    HARD = "hard"
    SMOOTH = "smooth"
    REAL = "real"


DEFAULT_INTERNAL_SIGMOID = InternalSigmoid.HARD  # qkeras.quantizers._default_sigmoid_type, set on import

# The options each QKeras class has (its get_config keys) and the only value of each this model reproduces;
# use_real_* is free, bits is checked on its own.
_FIXED_OPTIONS = {
    "symmetric": (False, "symmetric=True (drops the lowest output code; only the full range is modelled)"),
    "use_stochastic_rounding": (False, "use_stochastic_rounding=True (random rounding while training)"),
}


@dataclass(frozen=True)
class _Line:
    """p = slope * x / 2^shift (+ 1/2): a piecewise-linear form before its clip.

    `sigmoid_shift` is the fractional bits the internal sigmoid adds to x's (hard 0.5x: 1, smooth
    0.1875x: 4); QKeras's float64 0.5x + 0.5 (or 0.1875x + 0.5) is exact while F + sigmoid_shift <= 53."""

    slope: int
    shift: int
    half: bool
    sigmoid_shift: int

    @property
    def max_frac(self) -> int:
        return FLOAT64_SIGNIFICAND_BITS - self.sigmoid_shift


_LINES = {
    (Function.TANH, InternalSigmoid.HARD): _Line(1, 0, False, 1),  # 2 * (x/2 + 1/2) - 1
    (Function.TANH, InternalSigmoid.SMOOTH): _Line(3, 3, False, 4),  # 2 * (3x/16 + 1/2) - 1
    (Function.SIGMOID, InternalSigmoid.HARD): _Line(1, 1, True, 1),  # x/2 + 1/2
    (Function.SIGMOID, InternalSigmoid.SMOOTH): _Line(3, 4, True, 4),  # 3x/16 + 1/2
}


@dataclass(frozen=True)
class QuantizedActivation:
    """One QKeras quantized_tanh or quantized_sigmoid (symmetric=False, no stochastic rounding).

    `use_real` is use_real_tanh / use_real_sigmoid; `internal_sigmoid` is the set_internal_sigmoid mode
    the model assumes (used only when `use_real` is false)."""

    function: Function
    bits: int
    use_real: bool = False
    internal_sigmoid: InternalSigmoid = DEFAULT_INTERNAL_SIGMOID

    def __post_init__(self) -> None:
        object.__setattr__(self, "function", _parse(Function, self.function, "activation function"))
        object.__setattr__(self, "internal_sigmoid",
                           _parse(InternalSigmoid, self.internal_sigmoid, "internal sigmoid mode"))
        integer = not isinstance(self.bits, bool) and isinstance(self.bits, (int, np.integer))
        if not integer or not MIN_BITS <= self.bits <= MAX_WIDTH:
            raise UnsupportedActivationError(f"{self.function.qkeras_name}: bits must be an integer in "
                                             f"[{MIN_BITS}, {MAX_WIDTH}], got {self.bits!r}")
        object.__setattr__(self, "bits", int(self.bits))
        if not isinstance(self.use_real, (bool, np.bool_)):
            raise UnsupportedActivationError(
                f"{self.function.qkeras_name}: {self.function.use_real_option} must be true or false, "
                f"got {self.use_real!r}"
            )
        object.__setattr__(self, "use_real", bool(self.use_real))

    def __str__(self) -> str:
        text = f"{self.function.qkeras_name}({self.bits}, {self.function.use_real_option}={self.use_real})"
        return text if self.use_real else f"{text} [internal sigmoid {self.internal_sigmoid.value}]"

    @classmethod
    def from_qkeras(
        cls,
        class_name: str,
        config: Mapping[str, Any],
        internal_sigmoid: InternalSigmoid | str = DEFAULT_INTERNAL_SIGMOID,
    ) -> "QuantizedActivation":
        """The activation of a QKeras quantizer's class name and get_config(); every unsupported option is named."""
        function = next((f for f in Function if f.qkeras_name == class_name), None)
        if function is None:
            names = ", ".join(f.qkeras_name for f in Function)
            raise UnsupportedActivationError(f"{class_name}: not a modelled activation (expected {names})")
        known = {"bits", function.use_real_option, *_FIXED_OPTIONS}
        reasons = [f"unknown option {key!r}" for key in sorted(set(config) - known)]
        reasons += [reason for key, (supported, reason) in _FIXED_OPTIONS.items()
                    if bool(config.get(key, supported)) != supported]
        if reasons:
            raise UnsupportedActivationError(f"{class_name}({config.get('bits')}): {', '.join(reasons)}")
        return cls(function, config.get("bits", 8), config.get(function.use_real_option, False), internal_sigmoid)

    @property
    def output_format(self) -> QFormat:
        """tanh: Q(bits, bits-1), [-1, 1 - 2^-(bits-1)]; sigmoid: UQ(bits, bits), [0, 1 - 2^-bits]."""
        if self.function is Function.TANH:
            return QFormat(self.bits, self.bits - 1, signed=True)
        return QFormat(self.bits, self.bits, signed=False)

    @property
    def piecewise_linear(self) -> bool:
        """True for the hard and smooth forms (a formula), false for the step forms (a StepTable)."""
        return not self.use_real and self.internal_sigmoid is not InternalSigmoid.REAL

    @property
    def max_steps(self) -> int:
        return (1 << self.bits) - 1


def check_input_format(fmt: QFormat, activation: QuantizedActivation) -> QFormat:
    """`fmt` if QKeras sees each of its codes exactly (at most 53 bits, |F| <= 96); else why not."""
    if not isinstance(fmt, QFormat):
        raise ParameterError(f"{activation}: the input format must be a QFormat, got {fmt!r}")
    if fmt.width > FLOAT64_SIGNIFICAND_BITS:
        raise UnsupportedActivationError(
            f"{activation} on {fmt}: float64 holds codes of at most {FLOAT64_SIGNIFICAND_BITS} bits exactly, so QKeras "
            f"would not see a {fmt.width}-bit code as it is"
        )
    if not -MAX_INPUT_FRAC <= fmt.frac <= MAX_INPUT_FRAC:
        raise UnsupportedActivationError(
            f"{activation} on {fmt}: fractional bits must be in [-{MAX_INPUT_FRAC}, {MAX_INPUT_FRAC}]"
        )
    return fmt


def piecewise_linear_codes(activation: QuantizedActivation, fmt: QFormat, codes: ArrayLike) -> np.ndarray:
    """Output codes of a hard or smooth form for input codes of `fmt` (any shape): the exact line, rounded
    half to even and saturated to the output format, as QKeras computes it in float64."""
    if not activation.piecewise_linear:
        raise UnsupportedActivationError(
            f"{activation}: TensorFlow's float64 tanh or sigmoid is no formula; its output is a StepTable found from "
            f"QKeras (golden.frontend.activation_thresholds)"
        )
    line = _LINES[(activation.function, activation.internal_sigmoid)]
    check_input_format(fmt, activation)
    if fmt.frac > line.max_frac:
        raise UnsupportedActivationError(
            f"{activation} on {fmt}: QKeras's float64 internal sigmoid rounds inputs with more than {line.max_frac} "
            f"fractional bits; use a StepTable found from QKeras (golden.frontend.activation_thresholds) instead"
        )
    c = fmt.check_codes(codes, f"{activation} input ({fmt})")
    # every form saturates beyond |x| = 4 (hard at 1, smooth at 8/3): clamping there keeps the sum in an int64
    reach = 1 << (fmt.frac + 2) if fmt.frac >= -2 else 1
    c = np.clip(c, -reach, reach)
    acc_frac = max(fmt.frac + line.shift, 1)  # at least 1, where the sigmoid's + 1/2 is an integer
    acc = (line.slope * c) << (acc_frac - fmt.frac - line.shift)
    if line.half:
        acc = acc + (1 << (acc_frac - 1))
    return requantise_to(acc, acc_frac, OutputStage(Activation.LINEAR, activation.output_format, Rounding.RNE))


@dataclass(frozen=True)
class StepTable:
    """A step form on one input format: `first_code` at the lowest input code, then one more output code at
    each threshold. `thresholds` are input codes in (min_code, max_code], non-decreasing: T_j (j from 1) is
    the first input code whose output is first_code + j (equal T's: one input step skips output codes). Steps beyond
    the input range are absent, so the output codes run from first_code to first_code + len(thresholds)."""

    activation: QuantizedActivation
    input_format: QFormat
    first_code: int
    thresholds: tuple[int, ...]
    _sorted: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.activation, QuantizedActivation):
            raise StepTableError(f"step table: expected a QuantizedActivation, got {self.activation!r}")
        what = f"{self.activation} step table on {self.input_format}"
        fmt = check_input_format(self.input_format, self.activation)
        out = self.activation.output_format
        first = out.check_code(self.first_code, f"{what}: first output code")
        values = np.asarray(self.thresholds, dtype=object).reshape(-1)
        codes = fmt.check_codes(values, f"{what}: thresholds") if values.size else np.zeros(0, dtype=np.int64)
        low = codes <= fmt.min_code
        if np.any(low):
            index = int(np.argmax(low))
            raise StepTableError(f"{what}: threshold {index} is {int(codes[index])}, not above the lowest input code "
                                 f"{fmt.min_code} (the output there is first_code)")
        falling = np.diff(codes) < 0
        if np.any(falling):
            index = int(np.argmax(falling))
            raise StepTableError(f"{what}: thresholds {index} and {index + 1} ({int(codes[index])}, "
                                 f"{int(codes[index + 1])}) decrease; they must be non-decreasing")
        if first + codes.size > out.max_code:
            raise StepTableError(f"{what}: {codes.size} steps up from code {first} pass the top output code "
                                 f"{out.max_code} of {out}")
        object.__setattr__(self, "first_code", first)
        object.__setattr__(self, "thresholds", tuple(int(t) for t in codes))
        object.__setattr__(self, "_sorted", codes)

    @property
    def last_code(self) -> int:
        """The output code at the highest input code."""
        return self.first_code + len(self.thresholds)

    def apply(self, codes: ArrayLike) -> np.ndarray:
        """Output codes for input codes of the table's format (any shape): first_code + #{j : T_j <= c}."""
        c = self.input_format.check_codes(codes, f"{self.activation} input ({self.input_format})")
        return self.first_code + np.searchsorted(self._sorted, c, side="right").astype(np.int64)


def _parse(enum: type[Enum], value: object, what: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        names = ", ".join(member.value for member in enum)
        raise UnsupportedActivationError(f"unknown {what} {value!r}; expected one of {names}") from None
