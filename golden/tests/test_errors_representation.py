"""RepresentationError: non-finite, off-grid and out-of-range values, with what and where in the message."""
from __future__ import annotations

import re
import warnings
from collections.abc import Callable

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


REFERENCE_CALLS = (
    (lambda bad: reference.product(3, bad, Q16_12), "product b", ""),
    (lambda bad: reference.dot_product([0, 0, 0, bad], [1, 1, 1, 1], Q16_12), "dot_product a", " at index 3"),
    (lambda bad: reference.dot_product([1, 1], [0, bad], Q16_12), "dot_product b", " at index 1"),
    (lambda bad: reference.row_by_matrix([1, bad], [[0, 0], [0, 0]], Q16_12), "row_by_matrix x", " at index 1"),
    (lambda bad: reference.row_by_matrix([1, 2], [[0, 0], [bad, 0]], Q16_12), "row_by_matrix weights",
     " at index (1, 0)"),
    (lambda bad: reference.conv1d_step([[0, 0], [0, bad]], [[[1], [1]]] * 2, [0], Q16_12, "rne", False),
     "conv1d taps", " at index (1, 1)"),
    (lambda bad: reference.conv1d_step([[0, 0]], [[[1, 1], [1, bad]]], [0, 0], Q16_12, "rne", False),
     "conv1d kernel", " at index (0, 1, 1)"),
    (lambda bad: reference.conv1d_step([[0]], [[[1, 1]]], [0, bad], Q16_12, "trunc", False), "conv1d bias",
     " at index 1"),
    (lambda bad: reference.LeftShiftBuffer(2, 3, Q16_12).push([0, 0, bad]), "left shift buffer sample", " at index 2"),
    (lambda bad: reference.ActivationCache(2, 3, 2, Q16_12).push([bad, 0]), "activation cache sample", " at index 0"),
)
REFERENCE_IDS = ("product", "dot_a", "dot_b", "row_x", "row_weights", "conv_taps", "conv_kernel", "conv_bias",
                 "lsb_push", "cache_push")


@pytest.mark.parametrize("call,what,where", REFERENCE_CALLS, ids=REFERENCE_IDS)
@pytest.mark.parametrize("bad", (32768, -32769, 2**70), ids=("max+1", "min-1", "2^70"))
def test_reference_out_of_range_code_names_what_and_index(
    call: Callable[[object], object], what: str, where: str, bad: int
) -> None:
    pattern = rf"{re.escape(what)}: code {bad}{re.escape(where)} is outside Q\(16,12\) \[-32768, 32767\]"
    with pytest.raises(RepresentationError, match=pattern):
        call(bad)


@pytest.mark.parametrize("call,what,where", REFERENCE_CALLS, ids=REFERENCE_IDS)
@pytest.mark.parametrize("bad", (2.5, np.float64(-0.5), np.nan, True, "7"), ids=("2.5", "np-0.5", "nan", "True", "str"))
def test_reference_non_integer_code_is_not_truncated(
    call: Callable[[object], object], what: str, where: str, bad: object
) -> None:
    """int(2.5) would silently be 2: the reference refuses it, naming what and where."""
    shown = re.escape(repr(bad.item() if isinstance(bad, np.generic) else bad))
    pattern = rf"{re.escape(what)}: expected an integer code of Q\(16,12\), got {shown}{re.escape(where)}$"
    with pytest.raises(RepresentationError, match=pattern):
        call(bad)


def test_reference_integral_codes_accepted() -> None:
    assert reference.dot_product([1.0, np.int64(-2)], [3, np.float64(4.0)], Q16_12) == -5
    assert reference.LeftShiftBuffer(1, 2, Q16_12).push([np.int64(5), 6.0]) == [[5, 6]]


@pytest.mark.parametrize(
    "acc,pattern",
    (
        ([6144.9], r"expected integer accumulators of int64, got 6144\.9 at index 0"),
        ([0, np.nan], r"expected integer accumulators of int64, got nan at index 1"),
        ([[0, 1], [-np.inf, 2]], r"expected integer accumulators of int64, got -inf at index \(1, 0\)"),
        ([0, 2**63], r"accumulator 9223372036854775808 at index 1 is outside int64"),
        ([-(2**63) - 1], r"accumulator -9223372036854775809 at index 0 is outside int64"),
        ([1, 2**70], r"accumulator 1180591620717411303424 at index 1 is outside int64"),
        ([0, 2**64 - 1], r"accumulator 18446744073709551615 at index 1 is outside int64"),
        (np.array([0, 2**64 - 1], dtype=np.uint64), r"accumulator 18446744073709551615 at index 1 is outside int64"),
        (np.array([0.0, 2.0**63]), r"accumulator 9223372036854775808 at index 1 is outside int64"),
        ([True, False], r"expected integer accumulators of int64, got dtype bool"),
    ),
    ids=("fraction", "nan", "-inf-2d", "2^63", "-2^63-1", "2^70", "2^64-1", "uint64", "float-2^63", "bool"),
)
def test_fast_requantise_refuses_non_int64_accumulators(acc: object, pattern: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no silent cast on the way
        with pytest.raises(RepresentationError, match=rf"^requantise accumulator: {pattern}"):
            fast.requantise(acc, Q16_12, "trunc", False)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "acc,pattern",
    (
        (6144.9, r"expected an integer accumulator of int64, got 6144\.9$"),
        (np.float64(np.nan), r"expected an integer accumulator of int64, got nan$"),
        (2**63, r"accumulator 9223372036854775808 is outside int64"),
        (-(2**63) - 1, r"accumulator -9223372036854775809 is outside int64"),
        (True, r"expected an integer accumulator of int64, got True$"),
    ),
    ids=("fraction", "nan", "2^63", "-2^63-1", "bool"),
)
def test_reference_requantise_refuses_non_int64_accumulators(acc: object, pattern: str) -> None:
    with pytest.raises(RepresentationError, match=rf"^requantise accumulator: {pattern}"):
        reference.requantise(acc, Q16_12, "trunc", False)  # type: ignore[arg-type]


@pytest.mark.parametrize("rounding", ("trunc", "rne"))
def test_requantise_accepts_the_int64_extremes_and_integral_floats(rounding: str) -> None:
    accs = [-(2**63), 2**63 - 1, 6144, -6144]
    expected = [Q16_12.min_code, Q16_12.max_code, 1, -2]  # 6144 / 2^12 = 1.5: floor 1, RNE 2
    if rounding == "rne":
        expected[2:] = [2, -2]
    assert fast.requantise(accs, Q16_12, rounding, False).tolist() == expected
    assert fast.requantise([float(a) for a in accs[2:]], Q16_12, rounding, False).tolist() == expected[2:]
    assert [reference.requantise(a, Q16_12, rounding, False) for a in accs] == expected
    assert [reference.requantise(float(a), Q16_12, rounding, False) for a in accs[2:]] == expected[2:]


@pytest.mark.parametrize(
    "codes,pattern",
    (
        ([0, 2**70], r"code 1180591620717411303424 at index 1 is outside Q\(16,12\)"),
        ([[0], [-(2**70)]], r"code -1180591620717411303424 at index \(1, 0\) is outside Q\(16,12\)"),
        ([0, 2**64 - 1], r"code 18446744073709551615 at index 1 is outside Q\(16,12\)"),
        (2**80, r"code 1208925819614629174706176 is outside Q\(16,12\)"),
        ([1, 2**70, 0.5], r"expected integer codes of Q\(16,12\), got 0\.5 at index 2"),
    ),
    ids=("2^70", "-2^70-2d", "2^64-1", "scalar-2^80", "fraction-among-huge"),
)
def test_check_codes_huge_python_ints_are_out_of_range(codes: object, pattern: str) -> None:
    """numpy holds Python ints beyond int64 in an object array: a range error with the index, not a dtype error."""
    with pytest.raises(RepresentationError, match=rf"^w: {pattern}"):
        Q16_12.check_codes(codes, "w")  # type: ignore[arg-type]


def test_errors_are_value_errors() -> None:
    assert issubclass(RepresentationError, GoldenError) and issubclass(GoldenError, ValueError)
