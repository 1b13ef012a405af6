"""accumulator_width(fmt, N) = 2W - 1 + ceil(log2(N + 1)) holds every sum, and no narrower width does.

What is true (and tested), found by brute force over the code box:
* the largest sum, N products (-2^(W-1))^2 plus the largest bias << F, needs exactly
  ACC_W signed bits for *every* N (even one product 2^(2W-2) needs 2W bits), so
  ACC_W - 1 bits are never enough;
* the most negative sum, N products min*max plus the most negative bias << F, always
  fits in ACC_W bits; it needs all ACC_W bits when N + 1 is a power of two, and for
  other N sometimes only ACC_W - 1.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from golden import fast, reference
from golden.errors import ParameterError
from golden.qformat import QFormat, accumulator_width
from golden.compare import assert_codes_equal
from golden.tests.stimulus import FORMATS, max_sum, min_sum, signed_bits

TERMS = (1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 1023, 1024, 4096)


def _fits(value: int, bits: int) -> bool:
    return -(1 << (bits - 1)) <= value <= (1 << (bits - 1)) - 1


def _corner_extremes(fmt: QFormat, terms: int) -> tuple[int, int]:
    """Extremes of sum(a_n*b_n) + (bias << F) over the code box: a bilinear sum of independent
    terms is extreme at the box's corners, so enumerating the corners is exhaustive."""
    corners = (fmt.min_code, fmt.max_code)
    products = [a * b for a, b in itertools.product(corners, corners)]
    biases = [c << fmt.frac for c in corners]
    return terms * max(products) + max(biases), terms * min(products) + min(biases)


def test_signed_bits_helper() -> None:
    assert [signed_bits(v) for v in (0, 1, -1, 127, 128, -128, -129)] == [1, 2, 1, 8, 9, 8, 9]


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("terms", TERMS)
def test_extreme_sums_fit_and_bound_is_tight(fmt: QFormat, terms: int) -> None:
    acc_w = accumulator_width(fmt, terms)
    largest, most_negative = _corner_extremes(fmt, terms)
    assert (largest, most_negative) == (max_sum(fmt, terms), min_sum(fmt, terms))
    context = f"{fmt} N={terms} ACC_W={acc_w}: largest {largest}, most negative {most_negative}"
    assert _fits(largest, acc_w) and _fits(most_negative, acc_w), f"extreme sum overflows ACC_W, {context}"
    assert not _fits(largest, acc_w - 1), f"ACC_W-1 bits would hold every sum, {context}"
    assert max(signed_bits(largest), signed_bits(most_negative)) == acc_w, context


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("terms", TERMS)
def test_most_negative_sum_width(fmt: QFormat, terms: int) -> None:
    acc_w = accumulator_width(fmt, terms)
    needed = signed_bits(min_sum(fmt, terms))
    context = f"{fmt} N={terms} ACC_W={acc_w}: most negative sum {min_sum(fmt, terms)} needs {needed} bits"
    if (terms + 1) & terms == 0:  # N + 1 is a power of two
        assert needed == acc_w, context
    else:
        assert needed in (acc_w - 1, acc_w), context


@pytest.mark.parametrize("fmt", (QFormat(2, 1), QFormat(3, 1), QFormat(3, 2), QFormat(4, 2)), ids=str)
@pytest.mark.parametrize("terms", (1, 2, 3))
def test_exhaustive_small_formats(fmt: QFormat, terms: int) -> None:
    """Every a, b vector and bias of a tiny format: the true extremes equal the corner extremes and need ACC_W bits."""
    codes = np.arange(fmt.min_code, fmt.max_code + 1, dtype=np.int64)
    product_values = np.unique(np.multiply.outer(codes, codes))
    sums = np.zeros(1, dtype=np.int64)
    for _ in range(terms):  # all sums of `terms` products (sets suffice: extremes only)
        sums = np.unique(np.add.outer(sums, product_values))
    sums = np.add.outer(sums, codes << fmt.frac).ravel()
    largest, most_negative = int(sums.max()), int(sums.min())
    assert (largest, most_negative) == _corner_extremes(fmt, terms)
    assert max(signed_bits(largest), signed_bits(most_negative)) == accumulator_width(fmt, terms)


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("terms", (1, 3, 16, 64))
def test_models_reach_the_extremes(fmt: QFormat, terms: int, seed: int) -> None:
    """Both models produce the extreme sums exactly (the reference checks ACC_W itself) and saturate them."""
    lo, hi = fmt.min_code, fmt.max_code
    a = np.array([[lo] * terms, [lo] * terms], dtype=np.int64)
    b = np.array([[lo] * terms, [hi] * terms], dtype=np.int64)
    bias = np.array([hi, lo], dtype=np.int64) << fmt.frac
    expected = [max_sum(fmt, terms), min_sum(fmt, terms)]
    width = accumulator_width(fmt, terms)
    assert_codes_equal(expected, fast.dot_product(a, b, fmt) + bias, f"fast extreme sums {fmt} N={terms}", seed, width)
    ref = [reference.dot_product(x.tolist(), w.tolist(), fmt) + int(s) for x, w, s in zip(a, b, bias)]
    assert_codes_equal(expected, ref, f"reference extreme sums {fmt} N={terms}", seed, width)
    for rounding in ("trunc", "rne"):
        saturated = fast.requantise(expected, fmt, rounding, False)
        assert_codes_equal([hi, lo], saturated, f"saturation {fmt} {rounding}", seed, fmt.width)


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
def test_fast_int64_exact_up_to_64_bit_accumulators(fmt: QFormat, seed: int) -> None:
    """The fast model sums in int64: exact at the largest N whose ACC_W is 64 (capped at 2^17 - 1 terms)."""
    terms = min((1 << (64 - (2 * fmt.width - 1))) - 1, (1 << 17) - 1)
    assert accumulator_width(fmt, terms) <= 64
    a = np.full(terms, fmt.min_code, dtype=np.int64)
    total = int(fast.dot_product(a, a, fmt))
    assert_codes_equal([terms * fmt.min_code**2], [total], f"int64 sum {fmt} N={terms}", seed)


@pytest.mark.parametrize("terms", (0, -1, 2.0))
def test_invalid_term_count(terms: object) -> None:
    with pytest.raises(ParameterError, match="term count"):
        accumulator_width(QFormat(16, 12), terms)  # type: ignore[arg-type]
