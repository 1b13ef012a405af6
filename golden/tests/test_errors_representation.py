"""RepresentationError: non-finite, off-grid and out-of-range values, with what and where in the message."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from golden import fast, reference
from golden.errors import GoldenError, RepresentationError
from golden.qformat import QFormat

Q16_12 = QFormat(16, 12)


@pytest.mark.parametrize("bad", (np.nan, np.inf, -np.inf), ids=("nan", "inf", "-inf"))
def test_from_real_not_finite_names_index(bad: float) -> None:
    values = [0.5, -1.0, bad, 2.0]
    with pytest.raises(RepresentationError, match=r"weights: value .* at index 2 is not finite"):
        Q16_12.from_real(values, "weights")


def test_from_real_not_finite_2d_index() -> None:
    values = np.zeros((2, 3))
    values[1, 2] = np.nan
    with pytest.raises(RepresentationError, match=re.escape("at index (1, 2) is not finite")):
        Q16_12.from_real(values, "kernel")


def test_from_real_off_grid_names_index() -> None:
    with pytest.raises(RepresentationError, match=r"bias: value 0\.1 at index 1 is not a multiple of 2\^-12"):
        Q16_12.from_real([0.25, 0.1], "bias")


@pytest.mark.parametrize("value", (8.0, -8.000244140625, 1e30, -1e300), ids=("max+lsb", "min-lsb", "1e30", "-1e300"))
def test_from_real_out_of_range_names_index(value: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no silent int64 cast overflow on the way
        with pytest.raises(RepresentationError, match=r"w: code .* at index 3 is outside Q\(16,12\)"):
            Q16_12.from_real([0.0, 1.0, -1.0, value], "w")


def test_from_real_exact_extremes() -> None:
    assert Q16_12.from_real([-8.0, 8 - 2**-12, 2**-12], "w").tolist() == [-32768, 32767, 1]


@pytest.mark.parametrize(
    "call,what",
    (
        (lambda bad: fast.dot_product([0, 0, 0, bad], [1, 1, 1, 1], Q16_12), "dot_product a"),
        (lambda bad: fast.dot_product([1, 1, 1, 1], [0, 0, 0, bad], Q16_12), "dot_product b"),
        (lambda bad: fast.row_by_matrix([1, 2], [[0, 0], [0, bad]], Q16_12), "row_by_matrix weights"),
        (lambda bad: fast.conv1d_step([[0, bad]], [[[1], [1]]], [0], Q16_12, "rne", False), "conv1d taps"),
        (lambda bad: fast.conv1d_step([[0, 0]], [[[1], [bad]]], [0], Q16_12, "rne", False), "conv1d kernel"),
        (lambda bad: fast.conv1d_step([[0, 0]], [[[1], [1]]], [bad], Q16_12, "rne", False), "conv1d bias"),
        (lambda bad: fast.left_shift_buffer([[0], [bad]], 2, Q16_12), "left_shift_buffer samples"),
        (lambda bad: fast.activation_cache([[0], [bad]], 2, 1, Q16_12), "activation_cache samples"),
    ),
    ids=("dot_a", "dot_b", "row_weights", "conv_taps", "conv_kernel", "conv_bias", "lsb_samples", "cache_samples"),
)
@pytest.mark.parametrize("bad", (32768, -32769, 2**40), ids=("max+1", "min-1", "2^40"))
def test_fast_out_of_range_code_names_what_and_index(call, what: str, bad: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RepresentationError, match=rf"{re.escape(what)}: code {bad} at index .* is outside Q\(16,12\)"):
        call(bad)


def test_out_of_range_index_is_the_first_bad_one() -> None:
    with pytest.raises(RepresentationError, match=re.escape("code 40000 at index (1, 0)")):
        fast.row_by_matrix([1, 2], [[0, 0], [40000, -40000]], Q16_12)


def test_unsigned_codes_do_not_wrap() -> None:
    """uint64 2^64 - 1 must not be read as -1."""
    huge = np.array([0, 2**64 - 1], dtype=np.uint64)
    with pytest.raises(RepresentationError, match="code 18446744073709551615 at index 1"):
        fast.dot_product(huge, [1, 1], Q16_12)


def test_non_integer_float_codes_name_index() -> None:
    with pytest.raises(RepresentationError, match=r"dot_product a: expected integer codes .* at index 2"):
        fast.dot_product([1.0, 2.0, 2.5], [1, 1, 1], Q16_12)


def test_non_numeric_codes() -> None:
    with pytest.raises(RepresentationError, match="expected integer codes"):
        fast.dot_product(np.array([True, False]), [1, 1], Q16_12)


def test_integral_float_codes_accepted() -> None:
    assert int(fast.dot_product([1.0, -2.0], [3, 4], Q16_12)) == -5


@pytest.mark.parametrize("bad", (32768, -32769))
def test_reference_out_of_range_code(bad: int) -> None:
    with pytest.raises(RepresentationError, match=f"code {bad} outside Q\\(16,12\\)"):
        reference.dot_product([0, bad], [1, 1], Q16_12)
    with pytest.raises(RepresentationError, match=f"bias: code {bad} outside"):
        reference.conv1d_step([[0]], [[[1]]], [bad], Q16_12, "trunc", False)


def test_errors_are_value_errors() -> None:
    assert issubclass(RepresentationError, GoldenError) and issubclass(GoldenError, ValueError)
