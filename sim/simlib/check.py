"""Bit-exact comparison for test benches: equal integers or a report that says where."""
from __future__ import annotations

from golden.compare import assert_codes_equal  # noqa: F401  (the benches' bit-exact check, re-exported)


def assert_cycles(expected: int, actual: int, *, what: str) -> None:
    if expected != actual:
        raise AssertionError(f"{what}: {actual} cycles measured, header formula says {expected}")
