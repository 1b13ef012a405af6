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

from golden.errors import RepresentationError, ShapeError
from golden.qformat import QFormat, Rounding, accumulator_width, check_positive

# fxpmath's names for our rounding modes: its 'trunc' rounds towards zero, so floor is ours.
_FXP_ROUNDING = {Rounding.TRUNC: "floor", Rounding.RNE: "around"}


def _code(value: int, fmt: QFormat, what: str) -> int:
    value = int(value)
    if not fmt.min_code <= value <= fmt.max_code:
        raise RepresentationError(f"{what}: code {value} outside {fmt}")
    return value


def product(a: int, b: int, fmt: QFormat) -> int:
    """Q(W,F) x Q(W,F) -> exact Q(2W, 2F) code."""
    full = Fxp(None, signed=True, n_word=2 * fmt.width, n_frac=2 * fmt.frac)
    full.set_val(_code(a, fmt, "a") * _code(b, fmt, "b"), raw=True)
    return int(full.val)


def dot_product(a: Sequence[int], b: Sequence[int], fmt: QFormat) -> int:
    if len(a) != len(b) or len(a) == 0:
        raise ShapeError(f"dot_product: lengths {len(a)} and {len(b)} must be equal and non-zero")
    acc_w = accumulator_width(fmt, len(a))
    acc = 0
    for x, w in zip(a, b):
        acc += product(x, w, fmt)
    # the accumulator width of the contract holds the sum: check it, do not assume it
    held = Fxp(None, signed=True, n_word=acc_w, n_frac=2 * fmt.frac, overflow="wrap")
    held.set_val(acc, raw=True)
    assert int(held.val) == acc, "accumulator width of the contract is too small"
    return acc


def row_by_matrix(x: Sequence[int], weights: Sequence[Sequence[int]], fmt: QFormat) -> list[int]:
    """x (IN_D,) times weights[i][j] (IN_D, OUT_D) -> OUT_D sums."""
    if len(weights) != len(x):
        raise ShapeError(f"row_by_matrix: x has {len(x)} inputs, weights have {len(weights)} rows")
    out_d = len(weights[0])
    return [dot_product(x, [row[j] for row in weights], fmt) for j in range(out_d)]


def requantise(acc: int, fmt: QFormat, rounding: Rounding | str, relu: bool) -> int:
    """Q(., 2F) accumulator -> Q(W,F) code via fxpmath: saturate, drop F bits, then ReLU."""
    mode = Rounding.parse(rounding)
    wide = Fxp(None, signed=True, n_word=64, n_frac=2 * fmt.frac)
    wide.set_val(int(acc), raw=True)
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
    out_d = len(bias)
    sums = [0] * out_d
    for tap, tap_weights in zip(taps, kernel):
        for o, partial in enumerate(row_by_matrix(tap, tap_weights, fmt)):
            sums[o] += partial
    return [
        requantise(sums[o] + (_code(bias[o], fmt, "bias") << fmt.frac), fmt, rounding, relu) for o in range(out_d)
    ]


class LeftShiftBuffer:
    """The last `length` input vectors; push shifts left, the newest sits in the last slot."""

    def __init__(self, length: int, channels: int):
        self.length = check_positive(length, "left shift buffer length")
        self.channels = check_positive(channels, "left shift buffer channels")
        self.slots: list[list[int]] = [[0] * channels for _ in range(length)]

    def push(self, sample: Sequence[int]) -> list[list[int]]:
        if len(sample) != self.channels:
            raise ShapeError(f"left shift buffer: sample has {len(sample)} channels, expected {self.channels}")
        self.slots = self.slots[1:] + [list(sample)]
        return [list(slot) for slot in self.slots]


class ActivationCache:
    """Dilated ring buffer: after pushing x[t], taps are x[t - (K-1-k)*dilation] for k = 0..K-1."""

    def __init__(self, taps: int, dilation: int, channels: int):
        self.taps = check_positive(taps, "activation cache taps")
        self.dilation = check_positive(dilation, "activation cache dilation")
        self.channels = check_positive(channels, "activation cache channels")
        depth = (taps - 1) * dilation + 1
        self.ring: deque[list[int]] = deque([[0] * channels for _ in range(depth)], maxlen=depth)

    def push(self, sample: Sequence[int]) -> list[list[int]]:
        if len(sample) != self.channels:
            raise ShapeError(f"activation cache: sample has {len(sample)} channels, expected {self.channels}")
        self.ring.append(list(sample))  # ring[-1] is x[t], ring[-1 - j] is x[t - j]
        return [list(self.ring[-1 - (self.taps - 1 - k) * self.dilation]) for k in range(self.taps)]
