"""Bit-exact comparison for test benches: equal integers or a report that says where."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from golden.compare import mismatch_report


def assert_codes_equal(
    expected: Sequence[int] | np.ndarray,
    actual: Sequence[int] | np.ndarray,
    *,
    what: str,
    seed: int,
    width: int,
) -> None:
    report = mismatch_report(np.asarray(expected), np.asarray(actual), what=what, seed=seed, width=width)
    if report is not None:
        raise AssertionError(report)


def assert_cycles(expected: int, actual: int, *, what: str) -> None:
    if expected != actual:
        raise AssertionError(f"{what}: {actual} cycles measured, header formula says {expected}")
