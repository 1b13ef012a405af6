"""Per-tensor formats of one layer and how its exact sum becomes its output (docs/arithmetic.md 2-6).

A layer multiplies input codes by kernel codes, adds a bias, and hands the exact
sum to its output stage. Everything about the sum's alignment and width follows
from the three operand formats; everything about the output from `OutputStage`.
Both are plain data: the arithmetic itself is `golden.fast` (vectorised) and
`golden.reference` (readable), proven equal.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from golden.errors import ParameterError
from golden.qformat import MAX_ACC_WIDTH, QFormat, Rounding, format_from_dict

FLOAT32_SIGNIFICAND_BITS = 24  # QKeras's quantized_relu rounds its input through float32 first


class Activation(str, Enum):
    """What the output stage does besides requantising. Adding one: a value here, its rule in
    `OutputStage.bounds` / golden.fast.requantise_to, its RTL code, and a front-end mapping."""

    LINEAR = "linear"  # requantise into the output format (signed or unsigned range)
    RELU = "relu"  # clamp below at zero, then requantise

    @classmethod
    def parse(cls, value: "Activation | str", what: str = "activation") -> "Activation":
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(a.value for a in cls)
            raise ParameterError(f"{what}: unknown activation {value!r}; expected one of {names}") from None

    @property
    def rtl_code(self) -> int:
        """The RELU parameter of the RTL (1 for relu)."""
        return int(self is Activation.RELU)


@dataclass(frozen=True)
class OperandFormats:
    """Formats of a layer's input, kernel and bias codes (kernel and bias are signed)."""

    input: QFormat
    kernel: QFormat
    bias: QFormat

    def __post_init__(self) -> None:
        for role in ("input", "kernel", "bias"):
            if not isinstance(getattr(self, role), QFormat):
                raise ParameterError(f"{role} format must be a QFormat, got {getattr(self, role)!r}")
        for role in ("kernel", "bias"):
            if not getattr(self, role).signed:
                raise ParameterError(
                    f"{role} format {getattr(self, role)} is unsigned; store it as the signed "
                    f"{getattr(self, role).as_signed()} (same codes, one more bit)"
                )

    @property
    def product_frac(self) -> int:
        return self.input.frac + self.kernel.frac

    @property
    def acc_frac(self) -> int:
        """The sum's fractional bits: the finer of the product's and the bias's, so neither is rounded."""
        return max(self.product_frac, self.bias.frac)

    @property
    def product_shift(self) -> int:
        """Left shift that aligns a product (or a sum of products) to the accumulator."""
        return self.acc_frac - self.product_frac

    @property
    def bias_shift(self) -> int:
        return self.acc_frac - self.bias.frac

    def accumulator_width(self, terms: int) -> int:
        """Signed bits that hold `terms` aligned products plus one aligned bias, never wrapping.

        |product << ps| <= 2^P with P = Wx' + Wk' - 2 + ps (W' the signed operand widths) and
        |bias << bs| <= 2^Q with Q = Wb - 1 + bs, so |acc| <= (terms + 1) * 2^max(P, Q)."""
        if isinstance(terms, bool) or not isinstance(terms, int) or terms < 1:
            raise ParameterError(f"accumulator term count must be a positive integer, got {terms!r}")
        top_product = self.input.operand_width + self.kernel.operand_width - 2 + self.product_shift
        top_bias = self.bias.operand_width - 1 + self.bias_shift
        width = max(top_product, top_bias) + 1 + math.ceil(math.log2(terms + 1))
        if width > MAX_ACC_WIDTH:
            raise ParameterError(
                f"{terms} products of {self.input} x {self.kernel} plus a {self.bias} bias need a {width}-bit "
                f"accumulator; the models support at most {MAX_ACC_WIDTH} bits"
            )
        return width

    def accumulator_format(self, terms: int) -> QFormat:
        """The exact sum as a format: what a layer without output quantizer emits."""
        width = self.accumulator_width(terms)
        return _WideFormat(width, self.acc_frac)

    def to_dict(self) -> dict[str, dict]:
        return {"input": self.input.to_dict(), "kernel": self.kernel.to_dict(), "bias": self.bias.to_dict()}


class _WideFormat(QFormat):
    """A signed accumulator format: up to 64 bits (QFormat itself stops at 24)."""

    def __post_init__(self) -> None:
        if not 2 <= self.width <= MAX_ACC_WIDTH:
            raise ParameterError(f"accumulator width must be in [2, {MAX_ACC_WIDTH}], got {self.width}")


def wide_format(width: int, frac: int) -> QFormat:
    """A signed format of up to 64 bits: a full-precision layer output."""
    return _WideFormat(width, frac)


def recorded_input_format(data: object, previous: QFormat, what: str) -> QFormat:
    """A layer's manifest `formats.input` mapping, read against `previous`, the previous stage's output format.

    A full-precision predecessor's exact sum may be wider than a QFormat's 24 bits (wide_format); a record that
    states exactly that format is that format, so such a sum can feed a layer of any kind. Any other record is
    read as a QFormat (and the caller compares it with `previous`)."""
    if isinstance(data, dict) and {"signed": True, **data} == previous.to_dict():
        return previous
    return format_from_dict(data, what)


@dataclass(frozen=True)
class OutputStage:
    """How a layer's exact sum (at `acc_frac`) becomes its output codes.

    fmt None means full precision: the sum itself is the output (no output quantizer in
    QKeras). `float32_input` reproduces QKeras's quantized_relu, which casts the raw sum to
    float32 (24 significant bits, round half to even) before it quantizes."""

    activation: Activation
    fmt: QFormat | None
    rounding: Rounding = Rounding.RNE
    float32_input: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "activation", Activation.parse(self.activation))
        object.__setattr__(self, "rounding", Rounding.parse(self.rounding))
        if self.fmt is not None and not isinstance(self.fmt, QFormat):
            raise ParameterError(f"output format must be a QFormat or None (full precision), got {self.fmt!r}")
        if self.fmt is None and self.activation is not Activation.LINEAR:
            raise ParameterError(
                f"a full-precision output (no output quantizer) passes the sum on unchanged; activation "
                f"{self.activation.value} needs an output format"
            )
        if self.float32_input and self.activation is not Activation.RELU:
            raise ParameterError("float32_input models QKeras's quantized_relu only: it needs activation relu")

    @property
    def full_precision(self) -> bool:
        return self.fmt is None

    def bounds(self) -> tuple[int, int]:
        """The output code range after saturation: the format's, clamped below at 0 by ReLU."""
        if self.fmt is None:
            raise ParameterError("a full-precision output has no saturation bounds")
        low = max(self.fmt.min_code, 0) if self.activation is Activation.RELU else self.fmt.min_code
        return low, self.fmt.max_code

    def output_format(self, operands: OperandFormats, terms: int) -> QFormat:
        return operands.accumulator_format(terms) if self.fmt is None else self.fmt
