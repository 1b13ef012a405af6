"""Test-side assertion on top of golden.compare: bit-exact codes, seed in every failure."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from golden.compare import format_code, mismatch_report

LIMIT = 10


def assert_codes_equal(
    expected: ArrayLike,
    actual: ArrayLike,
    what: str,
    seed: int | None,
    width: int | None = None,
    *,
    inputs: ArrayLike | None = None,
    input_name: str = "input",
) -> None:
    """Fail with index, expected/actual (hex and decimal) and seed unless the codes are identical.

    `inputs`, if given with the same shape, is shown at the first mismatching indices
    (e.g. the accumulator a requantised code came from)."""
    __tracebackhide__ = True
    report = mismatch_report(expected, actual, what=what, seed=seed, width=width, limit=LIMIT)
    if report is None:
        return
    if inputs is not None:
        flat_inputs = np.asarray(inputs, dtype=object).reshape(-1)
        flat_expected, flat_actual = np.asarray(expected).reshape(-1), np.asarray(actual).reshape(-1)
        if flat_inputs.size == flat_expected.size == flat_actual.size:
            shown = np.flatnonzero(flat_expected != flat_actual)[:LIMIT]
            listed = ", ".join(f"[{i}] {format_code(flat_inputs[i], None)}" for i in shown)
            report += f"\n  {input_name} at those indices: {listed}"
    raise AssertionError(report)
