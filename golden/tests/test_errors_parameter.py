"""ParameterError: bad formats, taps, dilations, lengths and rounding modes, named in the message."""
from __future__ import annotations

import numpy as np
import pytest

from golden import fast, reference
from golden.errors import ParameterError
from golden.qformat import QFormat, Rounding

SAMPLES = np.zeros((4, 2), dtype=np.int64)


@pytest.mark.parametrize(
    "width,frac,pattern",
    (
        (1, 0, r"width must be an integer in \[2, 24\], got 1"),
        (25, 12, r"width must be an integer in \[2, 24\], got 25"),
        (16, 49, r"fractional bits must be an integer in \[-48, 48\], got 49"),
        (16, -49, r"fractional bits .* got -49"),
        (16, 12.0, r"fractional bits .* got 12\.0"),
        (16.0, 12, r"width .* got 16\.0"),
    ),
)
def test_bad_format(width: object, frac: object, pattern: str) -> None:
    with pytest.raises(ParameterError, match=pattern):
        QFormat(width, frac)  # type: ignore[arg-type]


@pytest.mark.parametrize("width,frac", ((2, 1), (24, 23), (24, 1), (16, 12), (16, 0), (16, 16), (8, -3), (4, 48)))
def test_good_format_edges(width: int, frac: int) -> None:
    assert str(QFormat(width, frac)) == f"Q({width},{frac})"
    assert str(QFormat(width, frac, signed=False)) == f"UQ({width},{frac})"


def test_unsigned_range() -> None:
    fmt = QFormat(16, 12, signed=False)
    assert (fmt.min_code, fmt.max_code, fmt.operand_width) == (0, 65535, 17)
    assert fmt.as_signed() == QFormat(17, 12)
    with pytest.raises(Exception, match=r"code -1 at index 0 is outside UQ\(16,12\) \[0, 65535\]"):
        fmt.check_codes([-1], "x")


@pytest.mark.parametrize("mode", ("nearest", "RNE", "floor", ""))
def test_unknown_rounding_mode(mode: str) -> None:
    fmt = QFormat(16, 12)
    pattern = rf"unknown rounding mode {mode!r}; expected one of trunc, rne"
    with pytest.raises(ParameterError, match=pattern):
        Rounding.parse(mode)
    with pytest.raises(ParameterError, match=pattern):
        fast.requantise([0], fmt, mode, False)
    with pytest.raises(ParameterError, match=pattern):
        reference.requantise(0, fmt, mode, False)
    with pytest.raises(ParameterError, match=pattern):
        fast.conv1d_step([[0]], [[[0]]], [0], fmt, mode, False)


@pytest.mark.parametrize("bad", (0, -1, 1.5, True), ids=("0", "-1", "1.5", "True"))
def test_taps_dilation_length(bad: object) -> None:
    fmt = QFormat(8, 6)
    with pytest.raises(ParameterError, match="activation_cache taps must be a positive integer"):
        fast.activation_cache(SAMPLES, bad, 1, fmt)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="activation_cache dilation must be a positive integer"):
        fast.activation_cache(SAMPLES, 2, bad, fmt)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="left_shift_buffer length must be a positive integer"):
        fast.left_shift_buffer(SAMPLES, bad, fmt)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="activation cache taps must be a positive integer"):
        reference.ActivationCache(bad, 1, 2, fmt)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="activation cache dilation must be a positive integer"):
        reference.ActivationCache(2, bad, 2, fmt)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="left shift buffer length must be a positive integer"):
        reference.LeftShiftBuffer(bad, 2, fmt)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="left shift buffer channels must be a positive integer"):
        reference.LeftShiftBuffer(2, bad, fmt)  # type: ignore[arg-type]
