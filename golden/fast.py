"""Vectorised integer model of docs/arithmetic.md: the model the RTL is checked against.

Every function takes and returns int64 codes. Leading batch dimensions are
allowed wherever noted, so a whole test's stimulus is evaluated in one call.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from golden.errors import ShapeError
from golden.layer_format import FLOAT32_SIGNIFICAND_BITS, Activation, OperandFormats, OutputStage
from golden.qformat import (
    INT64_MAX,
    INT64_MIN,
    QFormat,
    Rounding,
    accumulator_width,
    check_accumulators,
    check_positive,
    check_shape,
)


def dot_product(a: ArrayLike, b: ArrayLike, fmt: QFormat) -> np.ndarray:
    """Exact sum of products over the last axis: (..., N) x (..., N) -> (...)."""
    a_codes = fmt.check_codes(a, "dot_product a")
    b_codes = fmt.check_codes(b, "dot_product b")
    if a_codes.ndim == 0 or a_codes.shape != b_codes.shape or a_codes.shape[-1] == 0:
        raise ShapeError(
            f"dot_product: a {a_codes.shape} and b {b_codes.shape} must be equal, non-scalar shapes with N >= 1"
        )
    accumulator_width(fmt, a_codes.shape[-1])  # rejects sums that would not fit an int64
    return np.sum(a_codes * b_codes, axis=-1)


def row_by_matrix(x: ArrayLike, weights: ArrayLike, fmt: QFormat) -> np.ndarray:
    """Exact (..., IN_D) x (IN_D, OUT_D) -> (..., OUT_D) sums at scale 2^(2F)."""
    x_codes = fmt.check_codes(x, "row_by_matrix x")
    w_codes = fmt.check_codes(weights, "row_by_matrix weights")
    check_shape(w_codes, (None, None), "row_by_matrix weights")
    if x_codes.ndim == 0 or x_codes.shape[-1] != w_codes.shape[0]:
        raise ShapeError(
            f"row_by_matrix: x has {x_codes.shape[-1] if x_codes.ndim else 0} inputs, "
            f"weights have {w_codes.shape[0]} rows"
        )
    accumulator_width(fmt, w_codes.shape[0])  # rejects sums that would not fit an int64
    return x_codes @ w_codes


def requantise(acc: ArrayLike, fmt: QFormat, rounding: Rounding | str, relu: bool) -> np.ndarray:
    """The one-format case: a Q(., 2F) accumulator of Q(W,F) products back to Q(W,F), optional ReLU."""
    stage = OutputStage(Activation.RELU if relu else Activation.LINEAR, fmt, Rounding.parse(rounding))
    return requantise_to(acc, 2 * fmt.frac, stage)


def requantise_to(acc: ArrayLike, acc_frac: int, stage: OutputStage) -> np.ndarray:
    """An exact sum with `acc_frac` fractional bits -> output codes (docs/arithmetic.md 5).

    Optional float32 rounding of the sum (QKeras quantized_relu), then saturate to the
    output range (ReLU: clamped at 0), then drop acc_frac - F bits with the rounding mode,
    or shift left when the output has more fractional bits. Full precision: unchanged.
    `acc` holds integer values that fit an int64 (any shape); anything else is refused."""
    acc = check_accumulators(acc, "requantise accumulator")
    if stage.fmt is None:
        return acc
    if stage.float32_input:
        acc = round_to_float32(acc)
    low, high = stage.bounds()
    shift = acc_frac - stage.fmt.frac
    if shift <= 0:  # exact left shift, or the bound where the shifted value would leave [low, high]
        up = -shift
        inside = np.clip(acc, -((-low) >> up), high >> up) << up
        return np.where(acc > high >> up, high, np.where(acc < -((-low) >> up), low, inside)).astype(np.int64)
    saturated = np.clip(acc, _clamp64(low << shift), _clamp64(high << shift))
    floor = saturated >> shift
    if stage.rounding is Rounding.RNE:
        remainder = saturated & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        round_up = (remainder > half) | ((remainder == half) & ((floor & 1) == 1))
        floor = floor + round_up
    return floor.astype(np.int64)


def round_to_float32(acc: ArrayLike) -> np.ndarray:
    """Integers rounded to 24 significant bits, half to even: what a cast to float32 does to them."""
    values = check_accumulators(acc, "float32 rounding input")
    magnitude = np.abs(values.astype(np.int64))  # |INT64_MIN| is refused by every accumulator width <= 63
    length = np.zeros(magnitude.shape, dtype=np.int64)
    for bit in range(63):
        length += (magnitude >> bit) > 0
    drop = np.maximum(length - FLOAT32_SIGNIFICAND_BITS, 0)
    unit = np.left_shift(np.int64(1), drop)
    floor = (magnitude >> drop) << drop
    remainder = magnitude - floor
    half = unit >> 1
    odd = ((magnitude >> drop) & 1) == 1
    round_up = (drop > 0) & ((remainder > half) | ((remainder == half) & odd))
    rounded = floor + np.where(round_up, unit, 0)
    return np.where(values < 0, -rounded, rounded).astype(np.int64)


def conv_sums(taps: ArrayLike, kernel: ArrayLike, bias: ArrayLike, operands: OperandFormats) -> np.ndarray:
    """Exact aligned sums of a K-tap convolution: (sum taps*kernel) << ps + bias << bs (docs/arithmetic.md 3-4).

    taps (..., K, IN_D) in the input format, kernel (K, IN_D, OUT_D), bias (OUT_D,) -> (..., OUT_D)."""
    taps_codes = operands.input.check_codes(taps, "conv1d taps")
    kernel_codes = operands.kernel.check_codes(kernel, "conv1d kernel")
    bias_codes = operands.bias.check_codes(bias, "conv1d bias")
    check_shape(kernel_codes, (None, None, None), "conv1d kernel")
    k, in_d, out_d = kernel_codes.shape
    check_shape(bias_codes, (out_d,), "conv1d bias")
    if taps_codes.ndim < 2 or taps_codes.shape[-2:] != (k, in_d):
        raise ShapeError(f"conv1d taps: expected shape (..., {k}, {in_d}), got {taps_codes.shape}")
    operands.accumulator_width(k * in_d)  # rejects sums that would not fit an int64
    products = np.einsum("...ki,kio->...o", taps_codes, kernel_codes)
    return (products << operands.product_shift) + (bias_codes << operands.bias_shift)


def conv1d_layer_step(
    taps: ArrayLike, kernel: ArrayLike, bias: ArrayLike, operands: OperandFormats, stage: OutputStage
) -> np.ndarray:
    """One output vector of a conv1d layer with per-tensor formats: exact sum, then the output stage."""
    return requantise_to(conv_sums(taps, kernel, bias, operands), operands.acc_frac, stage)


def _clamp64(value: int) -> int:
    return min(max(value, INT64_MIN), INT64_MAX)


def conv1d_step(
    taps: ArrayLike,
    kernel: ArrayLike,
    bias: ArrayLike,
    fmt: QFormat,
    rounding: Rounding | str,
    relu: bool,
) -> np.ndarray:
    """One output of a K-tap convolution: taps (..., K, IN_D), kernel (K, IN_D, OUT_D), bias (OUT_D,)."""
    taps_codes = fmt.check_codes(taps, "conv1d taps")
    kernel_codes = fmt.check_codes(kernel, "conv1d kernel")
    bias_codes = fmt.check_codes(bias, "conv1d bias")
    check_shape(kernel_codes, (None, None, None), "conv1d kernel")
    k, in_d, out_d = kernel_codes.shape
    check_shape(bias_codes, (out_d,), "conv1d bias")
    if taps_codes.ndim < 2 or taps_codes.shape[-2:] != (k, in_d):
        raise ShapeError(f"conv1d taps: expected shape (..., {k}, {in_d}), got {taps_codes.shape}")
    accumulator_width(fmt, k * in_d)  # rejects sums that would not fit an int64
    acc = np.einsum("...ki,kio->...o", taps_codes, kernel_codes) + (bias_codes << fmt.frac)
    return requantise(acc, fmt, rounding, relu)


def left_shift_buffer(samples: ArrayLike, length: int, fmt: QFormat) -> np.ndarray:
    """Window after each push: (T, D) -> (T, length, D); slot length-1 is the newest, zeros before t=0."""
    length = check_positive(length, "left_shift_buffer length")
    codes = fmt.check_codes(samples, "left_shift_buffer samples")
    check_shape(codes, (None, None), "left_shift_buffer samples")
    return _delayed_taps(codes, length, 1)


def activation_cache(samples: ArrayLike, taps: int, dilation: int, fmt: QFormat) -> np.ndarray:
    """Taps after each push: (T, D) -> (T, K, D) with tap k = x[t - (K-1-k)*dilation], zero before t=0."""
    taps = check_positive(taps, "activation_cache taps")
    dilation = check_positive(dilation, "activation_cache dilation")
    codes = fmt.check_codes(samples, "activation_cache samples")
    check_shape(codes, (None, None), "activation_cache samples")
    return _delayed_taps(codes, taps, dilation)


def causal_conv1d(
    samples: ArrayLike,
    kernel: ArrayLike,
    bias: ArrayLike,
    dilation: int,
    fmt: QFormat,
    rounding: Rounding | str,
    relu: bool,
) -> np.ndarray:
    """Full-sequence causal dilated convolution (T, IN_D) -> (T, OUT_D), zero padded on the left."""
    kernel_codes = fmt.check_codes(kernel, "conv1d kernel")
    check_shape(kernel_codes, (None, None, None), "conv1d kernel")
    windows = activation_cache(samples, kernel_codes.shape[0], dilation, fmt)
    return conv1d_step(windows, kernel_codes, bias, fmt, rounding, relu)


def _delayed_taps(codes: np.ndarray, count: int, spacing: int) -> np.ndarray:
    steps, channels = codes.shape
    history = (count - 1) * spacing
    padded = np.concatenate([np.zeros((history, channels), dtype=np.int64), codes])
    offsets = np.arange(count) * spacing  # tap k reads history index t + k*spacing of `padded`
    index = np.arange(steps)[:, None] + offsets[None, :]
    return padded[index]
