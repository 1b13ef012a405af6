"""golden.compare.mismatch_report and the tests' assert_codes_equal: what a mismatch message must say."""
from __future__ import annotations

import numpy as np
import pytest

from golden.compare import format_code, mismatch_report
from golden.compare import assert_codes_equal


def test_equal_is_none() -> None:
    assert mismatch_report([1, -2, 3], np.array([1, -2, 3]), what="x", seed=1) is None
    assert mismatch_report(np.zeros((0, 3), dtype=np.int64), np.zeros((0, 3), dtype=np.int64), what="x", seed=1) is None
    assert mismatch_report([], [], what="x", seed=1) is None  # empty lists become float64 arrays


def test_off_by_one_lsb_is_reported_with_index_hex_decimal_seed() -> None:
    report = mismatch_report([0, 2047, -32768], [0, 2048, -32768], what="requantise Q(16,12)", seed=1234, width=16)
    assert report is not None
    assert "requantise Q(16,12): 1 of 3 codes differ" in report
    assert "[1]: expected 0x07FF (2047), actual 0x0800 (2048)" in report
    assert "seed 1234" in report


def test_twos_complement_hex_at_width() -> None:
    report = mismatch_report([-32768, -1], [32767, 0], what="w", seed=7, width=16)
    assert report is not None
    assert "[0]: expected 0x8000 (-32768), actual 0x7FFF (32767)" in report
    assert "[1]: expected 0xFFFF (-1), actual 0x0000 (0)" in report


def test_signed_hex_without_width() -> None:
    assert format_code(-56623104, None) == "-0x3600000 (-56623104)"
    assert format_code(-56623104, 32) == "0xFCA00000 (-56623104)"
    assert format_code(-(2**63), 64) == "0x8000000000000000 (-9223372036854775808)"
    assert format_code(5, 3) == "0x5 (5)"


def test_nd_index_and_limit() -> None:
    expected = np.zeros((4, 5), dtype=np.int64)
    actual = expected + 1
    report = mismatch_report(expected, actual, what="grid", seed=None, limit=3)
    assert report is not None
    lines = report.splitlines()
    assert lines[0] == "grid: 20 of 20 codes differ [seed none (directed stimulus)]"
    assert lines[1:4] == [
        "  [0] at (0, 0): expected 0x0 (0), actual 0x1 (1)",
        "  [1] at (0, 1): expected 0x0 (0), actual 0x1 (1)",
        "  [2] at (0, 2): expected 0x0 (0), actual 0x1 (1)",
    ]
    assert "... and 17 more" in report
    assert "20 mismatch(es) in total" in report


def test_shape_mismatch() -> None:
    report = mismatch_report([1, 2, 3], [[1, 2, 3]], what="y", seed=9)
    assert report == "y: shape mismatch, expected (3,), actual (1, 3) [seed 9]"


def test_python_ints_beyond_int64() -> None:
    report = mismatch_report(np.array([2**70], dtype=object), np.array([2**70 + 1], dtype=object), what="big", seed=0)
    assert report is not None and f"expected 0x{2**70:X} ({2**70})" in report


def test_mixed_signedness_is_exact() -> None:
    """-1 as int64 against 2^64 - 1 as uint64 (the same bits) is a mismatch, shown in both readings."""
    report = mismatch_report(np.array([-1]), np.array([2**64 - 1], dtype=np.uint64), what="bus", seed=0, width=64)
    assert report is not None
    assert "expected 0xFFFFFFFFFFFFFFFF (-1), actual 0xFFFFFFFFFFFFFFFF (18446744073709551615)" in report


@pytest.mark.parametrize("values", ([0.5, 1.0], np.array([1.0, 2.0])))
def test_floats_are_refused(values: object) -> None:
    with pytest.raises(TypeError, match="integer codes for a bit-exact comparison"):
        mismatch_report(values, [0, 1], what="z", seed=0)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", ({"width": 0}, {"limit": 0}, {"width": True}))
def test_bad_options(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        mismatch_report([1], [1], what="z", seed=0, **kwargs)  # type: ignore[arg-type]


def test_assert_codes_equal_raises_with_seed() -> None:
    assert_codes_equal([1, 2], [1, 2], "same", 5)
    with pytest.raises(AssertionError, match=r"(?s)\[1\]: expected 0x02 \(2\), actual 0x03 \(3\).*seed 5"):
        assert_codes_equal([1, 2], [1, 3], "off by one", 5, width=8)


def test_assert_codes_equal_shows_inputs() -> None:
    with pytest.raises(AssertionError, match=r"accumulator at those indices: \[1\] 0x1800 \(6144\)"):
        assert_codes_equal([1, 2], [1, 1], "ties", 3, 16, inputs=[4096, 6144], input_name="accumulator")
