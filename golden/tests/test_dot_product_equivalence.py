"""fast.dot_product == reference.dot_product (exact sums at scale 2^(2F))."""
from __future__ import annotations

import numpy as np
import pytest

from golden import fast, reference
from golden.qformat import QFormat, accumulator_width
from golden.compare import assert_codes_equal
from golden.tests.stimulus import FORMATS, random_codes

LENGTHS = (1, 2, 5, 16, 64)
BATCH = 16


def _reference_sums(a: np.ndarray, b: np.ndarray, fmt: QFormat) -> list[int]:
    return [reference.dot_product([int(v) for v in x], [int(v) for v in w], fmt) for x, w in zip(a, b)]


def directed_pairs(fmt: QFormat, n: int) -> dict[str, tuple[list[int], list[int]]]:
    """Named corner vectors: all extremes, alternating +max/-min signs, zeros."""
    lo, hi = fmt.min_code, fmt.max_code
    alternating = [hi if i % 2 == 0 else lo for i in range(n)]
    flipped = [lo if i % 2 == 0 else hi for i in range(n)]
    return {
        "min*min (largest sum)": ([lo] * n, [lo] * n),
        "min*max (most negative)": ([lo] * n, [hi] * n),
        "max*max": ([hi] * n, [hi] * n),
        "alternating*alternating (all positive)": (alternating, alternating),
        "alternating*flipped (all negative)": (alternating, flipped),
        "alternating*min": (alternating, [lo] * n),
        "zero*min": ([0] * n, [lo] * n),
        "ones*alternating": ([1] * n, alternating),
    }


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("n", LENGTHS)
def test_random(fmt: QFormat, n: int, rng: np.random.Generator, seed: int) -> None:
    a = random_codes(rng, fmt, (BATCH, n))
    b = random_codes(rng, fmt, (BATCH, n))
    width = accumulator_width(fmt, n)
    assert_codes_equal(_reference_sums(a, b, fmt), fast.dot_product(a, b, fmt), f"dot_product {fmt} N={n}", seed, width)


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("n", (1, 2, 7, 64))
def test_directed(fmt: QFormat, n: int, seed: int) -> None:
    pairs = directed_pairs(fmt, n)
    a = np.array([pair[0] for pair in pairs.values()], dtype=np.int64)
    b = np.array([pair[1] for pair in pairs.values()], dtype=np.int64)
    expected = _reference_sums(a, b, fmt)
    actual = fast.dot_product(a, b, fmt)
    names = ", ".join(f"{i}={name}" for i, name in enumerate(pairs))
    assert_codes_equal(expected, actual, f"dot_product directed {fmt} N={n} ({names})", seed, accumulator_width(fmt, n))
