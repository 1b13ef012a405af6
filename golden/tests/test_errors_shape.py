"""ShapeError: mismatched or wrong-rank arrays, in both models, with the shapes in the message."""
from __future__ import annotations

import re

import numpy as np
import pytest

from golden import fast, reference
from golden.errors import ShapeError
from golden.qformat import QFormat

Q8_6 = QFormat(8, 6)


@pytest.mark.parametrize(
    "a,b,pattern",
    (
        ([1, 2, 3], [1, 2], r"a \(3,\) and b \(2,\)"),
        (5, 5, r"a \(\) and b \(\)"),
        (np.zeros((2, 3), dtype=np.int64), np.zeros((3, 2), dtype=np.int64), r"a \(2, 3\) and b \(3, 2\)"),
        (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), r"N >= 1"),
    ),
    ids=("lengths", "scalars", "transposed", "empty"),
)
def test_fast_dot_product(a: object, b: object, pattern: str) -> None:
    with pytest.raises(ShapeError, match=pattern):
        fast.dot_product(a, b, Q8_6)  # type: ignore[arg-type]


@pytest.mark.parametrize("a,b", (([1, 2, 3], [1, 2]), ([], [])), ids=("lengths", "empty"))
def test_reference_dot_product(a: list[int], b: list[int]) -> None:
    with pytest.raises(ShapeError, match=f"lengths {len(a)} and {len(b)}"):
        reference.dot_product(a, b, Q8_6)


def test_row_by_matrix_rows_mismatch() -> None:
    with pytest.raises(ShapeError, match="x has 3 inputs, weights have 2 rows"):
        fast.row_by_matrix([1, 2, 3], np.zeros((2, 4), dtype=np.int64), Q8_6)
    with pytest.raises(ShapeError, match="x has 3 inputs, weights have 2 rows"):
        reference.row_by_matrix([1, 2, 3], [[0] * 4, [0] * 4], Q8_6)


def test_row_by_matrix_weights_not_2d() -> None:
    with pytest.raises(ShapeError, match=re.escape("row_by_matrix weights: expected shape (*, *), got (3,)")):
        fast.row_by_matrix([1, 2, 3], [1, 2, 3], Q8_6)


@pytest.mark.parametrize(
    "taps,kernel,bias,pattern",
    (
        (np.zeros((2, 3)), np.zeros((2, 3)), np.zeros(1),
         r"conv1d kernel: expected shape \(\*, \*, \*\), got \(2, 3\)"),
        (np.zeros((2, 3)), np.zeros((2, 3, 4)), np.zeros(3), r"conv1d bias: expected shape \(4\), got \(3,\)"),
        (np.zeros((3, 3)), np.zeros((2, 3, 4)), np.zeros(4),
         r"conv1d taps: expected shape \(\.\.\., 2, 3\), got \(3, 3\)"),
        (np.zeros(3), np.zeros((1, 3, 4)), np.zeros(4), r"conv1d taps: expected shape \(\.\.\., 1, 3\), got \(3,\)"),
    ),
    ids=("kernel_rank", "bias_length", "taps_count", "taps_rank"),
)
def test_fast_conv1d_step(taps: np.ndarray, kernel: np.ndarray, bias: np.ndarray, pattern: str) -> None:
    with pytest.raises(ShapeError, match=pattern):
        fast.conv1d_step(taps.astype(np.int64), kernel.astype(np.int64), bias.astype(np.int64), Q8_6, "rne", False)


def test_reference_conv1d_step_taps_mismatch() -> None:
    with pytest.raises(ShapeError, match="3 taps given, kernel has 2"):
        reference.conv1d_step([[0]] * 3, [[[0]]] * 2, [0], Q8_6, "rne", False)


@pytest.mark.parametrize(
    "samples", (np.zeros(4, dtype=np.int64), np.zeros((2, 2, 2), dtype=np.int64)), ids=("1d", "3d")
)
def test_fast_buffers_need_t_by_d(samples: np.ndarray) -> None:
    with pytest.raises(ShapeError, match=r"left_shift_buffer samples: expected shape \(\*, \*\)"):
        fast.left_shift_buffer(samples, 2, Q8_6)
    with pytest.raises(ShapeError, match=r"activation_cache samples: expected shape \(\*, \*\)"):
        fast.activation_cache(samples, 2, 1, Q8_6)


def test_reference_buffers_check_channels() -> None:
    with pytest.raises(ShapeError, match="sample has 2 channels, expected 3"):
        reference.LeftShiftBuffer(4, 3, Q8_6).push([0, 0])
    with pytest.raises(ShapeError, match="sample has 4 channels, expected 3"):
        reference.ActivationCache(2, 2, 3, Q8_6).push([0, 0, 0, 0])


@pytest.mark.parametrize(
    "x,weights,pattern",
    (
        ([], [], r"row_by_matrix weights: expected at least one row, got none"),
        ([1, 2], [[1, 2], [3]], r"row_by_matrix weights: ragged, row 1 has 1 columns but row 0 has 2"),
        ([1, 2, 3], [[1], [2, 3], [4]], r"row_by_matrix weights: ragged, row 1 has 2 columns but row 0 has 1"),
        ([1, 2], [[1, 2], 3], r"row_by_matrix weights: row 1 is not a sequence, got 3"),
    ),
    ids=("empty", "short_row", "long_row", "scalar_row"),
)
def test_reference_row_by_matrix_weights(x: list[int], weights: list[object], pattern: str) -> None:
    with pytest.raises(ShapeError, match=pattern):
        reference.row_by_matrix(x, weights, Q8_6)  # type: ignore[arg-type]


def test_reference_row_by_matrix_no_columns_matches_fast() -> None:
    """OUT_D = 0 is not an error in either model: no sums."""
    assert reference.row_by_matrix([1, 2], [[], []], Q8_6) == []
    assert fast.row_by_matrix([1, 2], np.zeros((2, 0), dtype=np.int64), Q8_6).shape == (0,)


@pytest.mark.parametrize(
    "taps,kernel,bias,pattern",
    (
        ([[0, 0]], [[[0, 0], [0, 0]]], [0], r"conv1d bias: 1 values, but the kernel's OUT_D is 2"),
        ([[0, 0]], [[[0, 0], [0, 0]]], [0, 0, 0], r"conv1d bias: 3 values, but the kernel's OUT_D is 2"),
        ([[0, 0], [0, 0]], [[[0], [0]], [[0]]], [0],
         r"conv1d kernel: tap 1 is 1 x 1 \(IN_D x OUT_D\), but tap 0 is 2 x 1"),
        ([[0], [0]], [[[0, 0]], [[0]]], [0, 0], r"conv1d kernel: tap 1 is 1 x 1 \(IN_D x OUT_D\), but tap 0 is 1 x 2"),
        ([[0, 0]], [[[0, 0], [0]]], [0, 0], r"conv1d kernel tap 0: ragged, row 1 has 1 columns but row 0 has 2"),
        ([[0], [0]], [[[0]], []], [0], r"conv1d kernel tap 1: expected at least one row, got none"),
        ([], [], [0], r"conv1d kernel: expected at least one tap, got none"),
        ([[0, 0], [0]], [[[0], [0]], [[0], [0]]], [0],
         r"conv1d taps: tap 1 has 1 channels, but the kernel's IN_D is 2"),
    ),
    ids=("bias_short", "bias_long", "kernel_in_d", "kernel_out_d", "kernel_ragged_row", "kernel_empty_tap",
         "no_taps", "taps_channels"),
)
def test_reference_conv1d_step_shapes(taps: list[object], kernel: list[object], bias: list[int], pattern: str) -> None:
    """Shape errors, never a bare IndexError (bias shorter than OUT_D) or extra outputs (bias longer)."""
    with pytest.raises(ShapeError, match=pattern):
        reference.conv1d_step(taps, kernel, bias, Q8_6, "rne", False)  # type: ignore[arg-type]
