"""Bit-exact comparison of integer codes with a readable mismatch report.

Shared by `golden/tests` and the RTL testbenches in `sim/`, so it depends on
numpy only. Codes are compared as exact integers, never with a tolerance:
float arrays are refused rather than compared approximately.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

SHOWN_MISMATCHES = 10  # listed in an assertion message; the total is always given

__all__ = ["assert_codes_equal", "mismatch_report", "format_code"]


def format_code(value: int, width: int | None) -> str:
    """`0x7FFF (32767)`: hex (two's complement at `width` bits when given) and decimal."""
    value = int(value)
    if width is None:
        hex_text = f"-0x{-value:X}" if value < 0 else f"0x{value:X}"
    else:
        digits = max(1, (width + 3) // 4)
        hex_text = f"0x{value & ((1 << width) - 1):0{digits}X}"
    return f"{hex_text} ({value})"


def mismatch_report(
    expected: ArrayLike,
    actual: ArrayLike,
    *,
    what: str,
    seed: int | None,
    width: int | None = None,
    limit: int = 10,
) -> str | None:
    """None if `actual` equals `expected` exactly, else a multi-line report of the differences.

    The report names `what`, the shapes or the count of differing elements, then
    up to `limit` mismatches, each with its flat index (and N-d index for N-d
    arrays), the expected and the actual code in hex and decimal, and the seed
    of the stimulus (`seed=None` for directed stimulus). `width` selects
    two's-complement hex at that many bits; without it hex is signed.
    """
    if width is not None and (isinstance(width, bool) or not isinstance(width, int) or width < 1):
        raise ValueError(f"mismatch_report width must be a positive integer or None, got {width!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"mismatch_report limit must be a positive integer, got {limit!r}")
    seed_text = f"seed {seed}" if seed is not None else "seed none (directed stimulus)"
    expected_array = _as_integers(expected, "expected", what)
    actual_array = _as_integers(actual, "actual", what)
    if expected_array.shape != actual_array.shape:
        return (
            f"{what}: shape mismatch, expected {expected_array.shape}, actual {actual_array.shape} [{seed_text}]"
        )
    differs = np.asarray(expected_array != actual_array, dtype=bool).reshape(-1)
    count = int(np.count_nonzero(differs))
    if count == 0:
        return None
    flat_expected = expected_array.reshape(-1)
    flat_actual = actual_array.reshape(-1)
    lines = [f"{what}: {count} of {differs.size} codes differ [{seed_text}]"]
    for flat in np.flatnonzero(differs)[:limit]:
        flat = int(flat)
        where = f"[{flat}]"
        if expected_array.ndim > 1:
            where += f" at {tuple(int(i) for i in np.unravel_index(flat, expected_array.shape))}"
        lines.append(
            f"  {where}: expected {format_code(flat_expected[flat], width)}, "
            f"actual {format_code(flat_actual[flat], width)}"
        )
    if count > limit:
        lines.append(f"  ... and {count - limit} more")
    lines.append(f"  {count} mismatch(es) in total, {seed_text}")
    return "\n".join(lines)


def _as_integers(values: ArrayLike, role: str, what: str) -> np.ndarray:
    """An integer (or Python-int object) array; floats are refused, never compared approximately."""
    array = np.asarray(values)
    if array.dtype.kind in "iub" or array.size == 0:  # np.asarray([]) is float64 but holds nothing to round
        return array
    if array.dtype.kind == "O" and all(isinstance(v, (int, np.integer)) for v in array.reshape(-1)):
        return array
    raise TypeError(f"{what}: {role} must hold integer codes for a bit-exact comparison, got dtype {array.dtype}")

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
    report = mismatch_report(expected, actual, what=what, seed=seed, width=width, limit=SHOWN_MISMATCHES)
    if report is None:
        return
    if inputs is not None:
        flat_inputs = np.asarray(inputs, dtype=object).reshape(-1)
        flat_expected, flat_actual = np.asarray(expected).reshape(-1), np.asarray(actual).reshape(-1)
        if flat_inputs.size == flat_expected.size == flat_actual.size:
            shown = np.flatnonzero(flat_expected != flat_actual)[:SHOWN_MISMATCHES]
            listed = ", ".join(f"[{i}] {format_code(flat_inputs[i], None)}" for i in shown)
            report += f"\n  {input_name} at those indices: {listed}"
    raise AssertionError(report)
