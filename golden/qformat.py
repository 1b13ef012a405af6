"""The fixed-point formats Q(W,F) (signed) and UQ(W,F) (unsigned) and the rules of docs/arithmetic.md.

Everything here works on integer codes (`numpy.int64`); real values appear only
at the boundary (`from_real`, `to_real`).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike

from golden.errors import ParameterError, RepresentationError, ShapeError

MAX_WIDTH = 24  # with MAX_ACC_WIDTH: every accumulator fits an int64 (see docs/arithmetic.md)
MAX_FRAC = 48  # |F| bound: QKeras's integer bits may exceed the width or be negative (docs/arithmetic.md 1)
MAX_ACC_WIDTH = 64
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


class Rounding(str, Enum):
    """How requantisation drops the extra fractional bits."""

    TRUNC = "trunc"  # floor: the seeds' RTL slices bits
    RNE = "rne"  # round half to even: QKeras (tf.round)

    @classmethod
    def parse(cls, value: "Rounding | str") -> "Rounding":
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ParameterError(f"unknown rounding mode {value!r}; expected one of {names}") from None

    @property
    def rtl_code(self) -> int:
        """The ROUNDING parameter value of the RTL (fixed_pkg::RoundTrunc / RoundRne)."""
        return {Rounding.TRUNC: 0, Rounding.RNE: 1}[self]


@dataclass(frozen=True)
class QFormat:
    """Two's-complement (signed) or plain binary (unsigned) code of `width` bits with `frac` fractional bits.

    value = code / 2^frac. `frac` may be anything QKeras expresses: 0, negative (a step
    coarser than 1) or at least `width` (every value below 1)."""

    width: int = 16
    frac: int = 12
    signed: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.width, bool) or not isinstance(self.width, int) or not 2 <= self.width <= MAX_WIDTH:
            raise ParameterError(f"format width must be an integer in [2, {MAX_WIDTH}], got {self.width!r}")
        if isinstance(self.frac, bool) or not isinstance(self.frac, int) or not -MAX_FRAC <= self.frac <= MAX_FRAC:
            raise ParameterError(
                f"format fractional bits must be an integer in [-{MAX_FRAC}, {MAX_FRAC}], got {self.frac!r}"
            )
        if not isinstance(self.signed, (bool, np.bool_)):
            raise ParameterError(f"format signedness must be true or false, got {self.signed!r}")
        object.__setattr__(self, "signed", bool(self.signed))

    def __str__(self) -> str:
        return f"{'' if self.signed else 'U'}Q({self.width},{self.frac})"

    @property
    def operand_width(self) -> int:
        """Bits of the signed two's-complement operand that holds every code: an unsigned code gains a 0 sign bit."""
        return self.width if self.signed else self.width + 1

    def as_signed(self) -> "QFormat":
        """The smallest signed format holding every code of this one, same step (UQ(W,F) -> Q(W+1,F))."""
        return self if self.signed else QFormat(self.operand_width, self.frac, True)

    def to_dict(self) -> dict[str, int | bool]:
        return {"width": self.width, "frac": self.frac, "signed": self.signed}

    @property
    def min_code(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_code(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def scale(self) -> int:
        """2^frac, for formats with frac >= 0 (codes <-> reals of any format: from_real / to_real)."""
        if self.frac < 0:
            raise ParameterError(f"{self} has a step of 2^{-self.frac}: its scale is not an integer")
        return 1 << self.frac

    def check_codes(self, values: ArrayLike, what: str) -> np.ndarray:
        """Return `values` as int64 codes, or raise naming `what` and the first bad index."""
        return check_integers(values, what, self.min_code, self.max_code, "code", str(self)).astype(np.int64)

    def check_code(self, value: object, what: str, index: int | tuple[int, ...] | None = None) -> int:
        """One code as a Python int, or raise naming `what` and `index` (when given)."""
        return check_integer(value, what, self.min_code, self.max_code, "code", str(self), index)

    def from_real(self, values: ArrayLike, what: str) -> np.ndarray:
        """Exact conversion of real values to codes; raise if any is not representable."""
        array = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(array)
        if not np.all(finite):
            index = _first_index(~finite)
            raise RepresentationError(f"{what}: value {array[index]} at index {index} is not finite")
        scaled = np.ldexp(array, self.frac)  # exact: multiplying by a power of two
        off_grid = scaled != np.round(scaled)
        if np.any(off_grid):
            index = _first_index(off_grid)
            raise RepresentationError(
                f"{what}: value {float(array[index])!r} at index {index} is not a multiple of 2^{-self.frac} "
                f"and so not representable in {self}"
            )
        return self.check_codes(scaled, what)  # range-checked before the cast to int64

    def to_real(self, codes: ArrayLike) -> np.ndarray:
        return np.ldexp(np.asarray(codes, dtype=np.float64), -self.frac)


def parse_format(text: str) -> QFormat:
    """'Q(16,11)', 'UQ(16,12)' or '16,11' (signed) -> QFormat; ParameterError naming the text otherwise."""
    import re

    match = re.fullmatch(r"\s*(U?)(?:Q\(\s*)?(-?\d+)\s*,\s*(-?\d+)\s*\)?\s*", text or "")
    if not match:
        raise ParameterError(f"format {text!r}: expected Q(W,F), UQ(W,F) or W,F, e.g. Q(16,11)")
    return QFormat(int(match.group(2)), int(match.group(3)), not match.group(1))


def format_from_dict(data: object, what: str) -> QFormat:
    """A format from its manifest mapping {width, frac, signed (default true)}; errors name `what`."""
    if not isinstance(data, dict):
        raise ParameterError(f"{what}: expected a mapping with width, frac and signed, got {data!r}")
    unknown = sorted(set(data) - {"width", "frac", "signed"})
    if unknown:
        raise ParameterError(f"{what}: unknown field(s) {', '.join(unknown)}")
    for key in ("width", "frac"):
        if key not in data:
            raise ParameterError(f"{what}: missing field {key!r}")
    try:
        return QFormat(data["width"], data["frac"], data.get("signed", True))
    except ParameterError as error:
        raise ParameterError(f"{what}: {error}") from None


def accumulator_width(fmt: QFormat, terms: int) -> int:
    """Bits of a signed accumulator that holds `terms` products plus one aligned bias, never wrapping."""
    if isinstance(terms, bool) or not isinstance(terms, int) or terms < 1:
        raise ParameterError(f"accumulator term count must be a positive integer, got {terms!r}")
    width = 2 * fmt.width - 1 + math.ceil(math.log2(terms + 1))
    if width > MAX_ACC_WIDTH:
        raise ParameterError(
            f"{terms} terms of {fmt} need a {width}-bit accumulator; the models support at most {MAX_ACC_WIDTH} bits"
        )
    return width


def check_shape(array: np.ndarray, shape: tuple[int | None, ...], what: str) -> None:
    """Raise ShapeError unless `array` has `shape` (None matches any size)."""
    if array.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, array.shape)):
        expected = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        raise ShapeError(f"{what}: expected shape {expected}, got {tuple(array.shape)}")


def check_positive(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def check_accumulators(values: ArrayLike, what: str) -> np.ndarray:
    """Return accumulator values as int64, or raise naming `what` and the first bad index.

    Integer values only (integer dtypes, integral finite floats, Python ints of any size),
    each within int64: nothing is truncated or wrapped on the way."""
    return check_integers(values, what, INT64_MIN, INT64_MAX, "accumulator", "int64").astype(np.int64)


def check_integers(values: ArrayLike, what: str, low: int, high: int, noun: str, domain: str) -> np.ndarray:
    """`values` as an array of integer values in [low, high]; else RepresentationError naming `what` and the index.

    Accepted: integer dtypes, integral finite floats, and object arrays of such values (numpy
    makes one of Python ints too large for int64). The array is returned unconverted, since
    its dtype may not hold [low, high]; `low` and `high + 1` must be powers of two (or zero)
    so that comparing them with a float array is exact."""
    array = np.asarray(values)
    if array.dtype.kind == "f" and not isinstance(values, np.ndarray):
        array = np.asarray(values, dtype=object)  # numpy turns [0, 2**64 - 1] into floats: keep the exact ints
    kind = array.dtype.kind
    if kind not in "iufO":
        raise RepresentationError(f"{what}: expected integer {noun}s of {domain}, got dtype {array.dtype}")
    if kind in "fO":  # integer dtypes hold integers by construction
        if kind == "f":
            not_integer = ~(np.isfinite(array) & (array == np.round(array)))
        else:
            not_integer = np.vectorize(lambda value: not _is_integer_value(value), otypes=[bool])(array)
        if np.any(not_integer):
            index = _first_index(not_integer)
            raise RepresentationError(
                f"{what}: expected integer {noun}s of {domain}, got {_show(array[index])}{_at(index)}"
            )
    # compared in the input's own dtype (numpy compares Python ints exactly): casting first
    # would wrap uint64 >= 2^63 and overflow large floats or Python ints
    outside = (array < low) | (array >= high + 1)
    if np.any(outside):
        index = _first_index(outside)
        raise RepresentationError(
            f"{what}: {noun} {int(array[index])}{_at(index)} is outside {domain} [{low}, {high}]"
        )
    return array


def check_integer(
    value: object, what: str, low: int, high: int, noun: str, domain: str, index: int | tuple[int, ...] | None = None
) -> int:
    """Scalar `check_integers` for the plain-Python reference: `value` as an int in [low, high]."""
    at = "" if index is None else _at(index)
    if not _is_integer_value(value):
        raise RepresentationError(f"{what}: expected an integer {noun} of {domain}, got {_show(value)}{at}")
    code = int(value)  # type: ignore[call-overload]  # exact: an integral value
    if not low <= code <= high:
        raise RepresentationError(f"{what}: {noun} {code}{at} is outside {domain} [{low}, {high}]")
    return code


def _is_integer_value(value: object) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer()


def _show(value: object) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _at(index: int | tuple[int, ...]) -> str:
    return "" if index == () else f" at index {index}"


def _first_index(mask: np.ndarray) -> tuple[int, ...] | int:
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    return index[0] if len(index) == 1 else index
