"""Readable audit reference of docs/arithmetic.md, built on fxpmath.

Written for clarity, not speed: plain loops over Python integers, with every
quantisation step delegated to fxpmath's own `Fxp` (saturate + floor/around),
so it shares no arithmetic code with `golden.fast`. `golden/tests` proves the
two equal bit for bit.
"""
from __future__ import annotations

from collections import deque
from typing import Sequence

from fxpmath import Fxp

from golden.errors import ShapeError
from golden.layer_format import FLOAT32_SIGNIFICAND_BITS, Activation, OperandFormats, OutputStage
from golden.qformat import INT64_MAX, INT64_MIN, QFormat, Rounding, accumulator_width, check_integer, check_positive

# fxpmath's names for our rounding modes: its 'trunc' rounds towards zero, so floor is ours.
_FXP_ROUNDING = {Rounding.TRUNC: "floor", Rounding.RNE: "around"}

Index = tuple[int, ...]


def product(a: int, b: int, fmt: QFormat) -> int:
    """Q(W,F) x Q(W,F) -> exact Q(2W, 2F) code."""
    return _product(fmt.check_code(a, "product a"), fmt.check_code(b, "product b"), fmt)


def dot_product(a: Sequence[int], b: Sequence[int], fmt: QFormat) -> int:
    if len(a) != len(b) or len(a) == 0:
        raise ShapeError(f"dot_product: lengths {len(a)} and {len(b)} must be equal and non-zero")
    return _dot_product(_codes(a, fmt, "dot_product a"), _codes(b, fmt, "dot_product b"), fmt)


def row_by_matrix(x: Sequence[int], weights: Sequence[Sequence[int]], fmt: QFormat) -> list[int]:
    """x (IN_D,) times weights[i][j] (IN_D, OUT_D) -> OUT_D sums."""
    in_d, out_d = _matrix_shape(weights, "row_by_matrix weights")
    if len(x) != in_d:
        raise ShapeError(f"row_by_matrix: x has {len(x)} inputs, weights have {in_d} rows")
    return _row_by_matrix(_codes(x, fmt, "row_by_matrix x"), _matrix_codes(weights, fmt, "row_by_matrix weights"), fmt)


def requantise(acc: int, fmt: QFormat, rounding: Rounding | str, relu: bool) -> int:
    """Q(., 2F) accumulator -> Q(W,F) code via fxpmath: saturate, drop F bits, then ReLU.

    `acc` must be an integer value that fits an int64; anything else is refused, never truncated."""
    mode = Rounding.parse(rounding)
    return _requantise(
        check_integer(acc, "requantise accumulator", INT64_MIN, INT64_MAX, "accumulator", "int64"), fmt, mode, relu
    )


def conv1d_step(
    taps: Sequence[Sequence[int]],
    kernel: Sequence[Sequence[Sequence[int]]],
    bias: Sequence[int],
    fmt: QFormat,
    rounding: Rounding | str,
    relu: bool,
) -> list[int]:
    """K taps of row-by-matrix, summed, plus bias, requantised: taps[k][i], kernel[k][i][o], bias[o]."""
    if len(taps) != len(kernel):
        raise ShapeError(f"conv1d: {len(taps)} taps given, kernel has {len(kernel)}")
    if len(kernel) == 0:
        raise ShapeError("conv1d kernel: expected at least one tap, got none")
    in_d, out_d = _matrix_shape(kernel[0], "conv1d kernel tap 0")
    for k, tap_weights in enumerate(kernel):
        shape = _matrix_shape(tap_weights, f"conv1d kernel tap {k}")
        if shape != (in_d, out_d):
            raise ShapeError(
                f"conv1d kernel: tap {k} is {shape[0]} x {shape[1]} (IN_D x OUT_D), but tap 0 is {in_d} x {out_d}"
            )
    if len(bias) != out_d:
        raise ShapeError(f"conv1d bias: {len(bias)} values, but the kernel's OUT_D is {out_d}")
    for k, tap in enumerate(taps):
        if len(tap) != in_d:
            raise ShapeError(f"conv1d taps: tap {k} has {len(tap)} channels, but the kernel's IN_D is {in_d}")
    tap_codes = _matrix_codes(taps, fmt, "conv1d taps")
    kernel_codes = [_matrix_codes(tap_weights, fmt, "conv1d kernel", (k,)) for k, tap_weights in enumerate(kernel)]
    bias_codes = _codes(bias, fmt, "conv1d bias")
    mode = Rounding.parse(rounding)
    accumulator_width(fmt, len(kernel) * in_d)  # the sum over all taps, as in golden.fast
    sums = [0] * out_d
    for tap, tap_weights in zip(tap_codes, kernel_codes):
        for o, partial in enumerate(_row_by_matrix(tap, tap_weights, fmt)):
            sums[o] += partial
    return [_requantise(sums[o] + (bias_codes[o] << fmt.frac), fmt, mode, relu) for o in range(out_d)]


def requantise_to(acc: int, acc_frac: int, stage: OutputStage) -> int:
    """An exact sum with `acc_frac` fractional bits -> one output code, via fxpmath (docs/arithmetic.md 5)."""
    acc = check_integer(acc, "requantise accumulator", INT64_MIN, INT64_MAX, "accumulator", "int64")
    if stage.fmt is None:
        return acc  # full precision: the sum is the output
    if stage.float32_input:
        acc = _round_to_float32(acc)
    wide = Fxp(None, signed=True, n_word=65, n_frac=acc_frac)
    wide.set_val(acc, raw=True)
    if stage.activation is Activation.RELU:
        wide.set_val(max(acc, 0), raw=True)
    narrow = Fxp(
        wide,
        signed=stage.fmt.signed,
        n_word=stage.fmt.width,
        n_frac=stage.fmt.frac,
        overflow="saturate",
        rounding=_FXP_ROUNDING[stage.rounding],
    )
    return int(narrow.val)


def conv1d_layer_step(
    taps: Sequence[Sequence[int]],
    kernel: Sequence[Sequence[Sequence[int]]],
    bias: Sequence[int],
    operands: OperandFormats,
    stage: OutputStage,
) -> list[int]:
    """One output vector with per-tensor formats, in plain Python integers, one output at a time."""
    k_taps = len(kernel)
    in_d, out_d = _matrix_shape(kernel[0], "conv1d kernel tap 0")
    if len(taps) != k_taps or any(len(tap) != in_d for tap in taps):
        raise ShapeError(f"conv1d taps: expected {k_taps} taps of {in_d} channels")
    if len(bias) != out_d:
        raise ShapeError(f"conv1d bias: {len(bias)} values, but the kernel's OUT_D is {out_d}")
    tap_codes = [[operands.input.check_code(v, "conv1d taps", (k, c)) for c, v in enumerate(tap)] for k, tap in enumerate(taps)]
    outputs = []
    for o in range(out_d):
        total = 0
        for k in range(k_taps):
            for c in range(in_d):
                weight = operands.kernel.check_code(kernel[k][c][o], "conv1d kernel", (k, c, o))
                total += tap_codes[k][c] * weight
        aligned = total * 2**operands.product_shift + operands.bias.check_code(bias[o], "conv1d bias", o) * 2**operands.bias_shift
        outputs.append(requantise_to(aligned, operands.acc_frac, stage))
    return outputs


def _round_to_float32(value: int) -> int:
    """`value` with only its 24 most significant bits kept, rounded half to even (a float32 cast)."""
    magnitude = abs(value)
    dropped_bits = max(magnitude.bit_length() - FLOAT32_SIGNIFICAND_BITS, 0)
    if dropped_bits == 0:
        return value
    kept, remainder = divmod(magnitude, 2**dropped_bits)
    half = 2 ** (dropped_bits - 1)
    if remainder > half or (remainder == half and kept % 2 == 1):
        kept += 1
    return kept * 2**dropped_bits * (1 if value >= 0 else -1)


class LeftShiftBuffer:
    """The last `length` input vectors; push shifts left, the newest sits in the last slot."""

    def __init__(self, length: int, channels: int, fmt: QFormat):
        self.length = check_positive(length, "left shift buffer length")
        self.channels = check_positive(channels, "left shift buffer channels")
        self.fmt = fmt
        self.slots: list[list[int]] = [[0] * channels for _ in range(length)]

    def push(self, sample: Sequence[int]) -> list[list[int]]:
        if len(sample) != self.channels:
            raise ShapeError(f"left shift buffer: sample has {len(sample)} channels, expected {self.channels}")
        self.slots = self.slots[1:] + [_codes(sample, self.fmt, "left shift buffer sample")]
        return [list(slot) for slot in self.slots]


class ActivationCache:
    """Dilated ring buffer: after pushing x[t], taps are x[t - (K-1-k)*dilation] for k = 0..K-1."""

    def __init__(self, taps: int, dilation: int, channels: int, fmt: QFormat):
        self.taps = check_positive(taps, "activation cache taps")
        self.dilation = check_positive(dilation, "activation cache dilation")
        self.channels = check_positive(channels, "activation cache channels")
        self.fmt = fmt
        depth = (taps - 1) * dilation + 1
        self.ring: deque[list[int]] = deque([[0] * channels for _ in range(depth)], maxlen=depth)

    def push(self, sample: Sequence[int]) -> list[list[int]]:
        if len(sample) != self.channels:
            raise ShapeError(f"activation cache: sample has {len(sample)} channels, expected {self.channels}")
        self.ring.append(_codes(sample, self.fmt, "activation cache sample"))  # ring[-1] is x[t], ring[-1 - j] x[t - j]
        return [list(self.ring[-1 - (self.taps - 1 - k) * self.dilation]) for k in range(self.taps)]


# Below: the arithmetic, on codes the public functions above have checked.


def _product(a: int, b: int, fmt: QFormat) -> int:
    full = Fxp(None, signed=True, n_word=2 * fmt.width, n_frac=2 * fmt.frac)
    full.set_val(a * b, raw=True)
    return int(full.val)


def _dot_product(a: list[int], b: list[int], fmt: QFormat) -> int:
    acc_w = accumulator_width(fmt, len(a))
    acc = 0
    for x, w in zip(a, b):
        acc += _product(x, w, fmt)
    # the accumulator width of the contract holds the sum: check it, do not assume it (an
    # explicit raise, not an assert, so that python -O keeps the check)
    held = Fxp(None, signed=True, n_word=acc_w, n_frac=2 * fmt.frac, overflow="wrap")
    held.set_val(acc, raw=True)
    if int(held.val) != acc:
        raise OverflowError(
            f"dot_product: the sum {acc} of {len(a)} products of {fmt} does not fit the contract's "
            f"{acc_w}-bit accumulator (docs/arithmetic.md)"
        )
    return acc


def _row_by_matrix(x: list[int], weights: list[list[int]], fmt: QFormat) -> list[int]:
    return [_dot_product(x, [row[j] for row in weights], fmt) for j in range(len(weights[0]))]


def _requantise(acc: int, fmt: QFormat, mode: Rounding, relu: bool) -> int:
    wide = Fxp(None, signed=True, n_word=64, n_frac=2 * fmt.frac)
    wide.set_val(acc, raw=True)
    narrow = Fxp(
        wide,
        signed=True,
        n_word=fmt.width,
        n_frac=fmt.frac,
        overflow="saturate",
        rounding=_FXP_ROUNDING[mode],
    )
    code = int(narrow.val)
    return max(code, 0) if relu else code


def _codes(values: Sequence[int], fmt: QFormat, what: str, prefix: Index = ()) -> list[int]:
    """Range-checked codes; an error names `what` and the index (prefix + position)."""
    return [fmt.check_code(value, what, _index(prefix, i)) for i, value in enumerate(values)]


def _matrix_codes(rows: Sequence[Sequence[int]], fmt: QFormat, what: str, prefix: Index = ()) -> list[list[int]]:
    return [_codes(row, fmt, what, prefix + (i,)) for i, row in enumerate(rows)]


def _index(prefix: Index, position: int) -> int | Index:
    return prefix + (position,) if prefix else position


def _matrix_shape(rows: Sequence[Sequence[int]], what: str) -> tuple[int, int]:
    """(rows, columns) of a nested matrix, or ShapeError naming `what` if it is empty or ragged."""
    if len(rows) == 0:
        raise ShapeError(f"{what}: expected at least one row, got none")
    widths = []
    for i, row in enumerate(rows):
        try:
            widths.append(len(row))
        except TypeError:
            raise ShapeError(f"{what}: row {i} is not a sequence, got {row!r}") from None
    for i, width in enumerate(widths):
        if width != widths[0]:
            raise ShapeError(f"{what}: ragged, row {i} has {width} columns but row 0 has {widths[0]}")
    return len(rows), widths[0]
