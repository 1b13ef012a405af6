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
        reference.LeftShiftBuffer(4, 3).push([0, 0])
    with pytest.raises(ShapeError, match="sample has 4 channels, expected 3"):
        reference.ActivationCache(2, 2, 3).push([0, 0, 0, 0])
