"""Seeded stimulus and directed corner values shared by the golden tests.

Nothing here holds state: the seed is read from the environment on every call
and each test builds its own generator from it (see `conftest.rng`).
"""
from __future__ import annotations

import os
import zlib

import numpy as np

from golden.qformat import QFormat, accumulator_width

DEFAULT_SEED = 20240607
SEED_VARIABLE = "GOLDEN_SEED"

# The formats of the brief plus the two extremes of F at the widest W.
FORMATS: tuple[QFormat, ...] = (
    QFormat(16, 12),
    QFormat(8, 6),
    QFormat(12, 4),
    QFormat(24, 20),
    QFormat(2, 1),
    QFormat(24, 23),
    QFormat(24, 1),
)
ROUNDINGS: tuple[str, ...] = ("trunc", "rne")


def golden_seed() -> int:
    """The stimulus seed: $GOLDEN_SEED (decimal or 0x hex) if set, else DEFAULT_SEED."""
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return DEFAULT_SEED
    try:
        seed = int(text, 0)
    except ValueError:
        raise ValueError(f"{SEED_VARIABLE} must be a non-negative integer, got {text!r}") from None
    if seed < 0:
        raise ValueError(f"{SEED_VARIABLE} must be a non-negative integer, got {text!r}")
    return seed


def make_rng(seed: int, key: str) -> np.random.Generator:
    """A generator for one test: the same (seed, key) always gives the same stream, whatever else runs."""
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def corner_codes(fmt: QFormat) -> np.ndarray:
    """Most negative, most positive, zero and their neighbours, deduplicated, in code range."""
    candidates = {fmt.min_code, fmt.min_code + 1, -1, 0, 1, fmt.max_code - 1, fmt.max_code}
    return np.array(sorted(c for c in candidates if fmt.min_code <= c <= fmt.max_code), dtype=np.int64)


def random_codes(
    rng: np.random.Generator,
    fmt: QFormat,
    shape: tuple[int, ...],
    *,
    limit: int | None = None,
    corner_fraction: float = 0.125,
) -> np.ndarray:
    """Uniform codes (magnitude <= `limit` when given), with a fraction replaced by corner codes."""
    low = fmt.min_code if limit is None else max(fmt.min_code, -limit)
    high = fmt.max_code if limit is None else min(fmt.max_code, limit)
    codes = rng.integers(low, high, size=shape, endpoint=True, dtype=np.int64)
    corners = corner_codes(fmt)
    if limit is not None:
        corners = corners[(corners >= low) & (corners <= high)]
    mask = rng.random(shape) < corner_fraction
    codes[mask] = rng.choice(corners, size=int(np.count_nonzero(mask)))
    return codes


def max_sum(fmt: QFormat, terms: int) -> int:
    """Largest accumulator: `terms` products min*min plus the largest bias aligned by F."""
    return terms * fmt.min_code * fmt.min_code + (fmt.max_code << fmt.frac)


def min_sum(fmt: QFormat, terms: int) -> int:
    """Most negative accumulator: `terms` products min*max plus the most negative aligned bias."""
    return terms * fmt.min_code * fmt.max_code + (fmt.min_code << fmt.frac)


def rounding_remainders(fmt: QFormat) -> list[int]:
    """Dropped-bit patterns where rounding can go wrong: 0, 1, half-1, half+1, 2^F-1, then half twice."""
    half = fmt.scale >> 1
    others = {0, 1, half - 1, half + 1, fmt.scale - 1} - {half}
    return sorted(r for r in others if 0 <= r < fmt.scale) + [half, half]


def tie_accumulators(fmt: QFormat) -> list[int]:
    """k*2^F + r for integer parts k of both signs and parities and the remainders r above."""
    parts = {-3, -2, -1, 0, 1, 2, 3, fmt.min_code, fmt.min_code + 1, fmt.max_code - 1, fmt.max_code}
    return sorted(
        {k * fmt.scale + r for k in parts if fmt.min_code <= k <= fmt.max_code for r in rounding_remainders(fmt)}
    )


def boundary_accumulators(fmt: QFormat) -> list[int]:
    """Around the saturation bounds min*2^F and max*2^F, including rounding past the top bound."""
    low, high, half = fmt.min_code * fmt.scale, fmt.max_code * fmt.scale, fmt.scale >> 1
    return sorted({low - 1, low, low + 1, high - 1, high, high + 1, high + half, high + fmt.scale - 1})


def directed_accumulators(fmt: QFormat) -> np.ndarray:
    """Corner accumulators: ties (both signs), half +- 1, saturation bounds +- 1, extreme sums, int64 ends."""
    low, high = fmt.min_code * fmt.scale, fmt.max_code * fmt.scale
    values = set(tie_accumulators(fmt)) | set(boundary_accumulators(fmt))
    values |= {0, 1, -1, fmt.scale - 1, -(fmt.scale - 1), fmt.scale, -fmt.scale}
    values |= {low - fmt.scale, high + fmt.scale}
    for terms in (1, 2, 16, 64, 1023):
        values |= {max_sum(fmt, terms), min_sum(fmt, terms)}
    values |= {2**62, -(2**62), 2**63 - 1, -(2**63)}
    return np.array(sorted(values), dtype=np.int64)


def random_accumulators(rng: np.random.Generator, fmt: QFormat, count: int, terms: int = 64) -> np.ndarray:
    """A shuffled mix: whole accumulator range, around the saturation bounds, near ties (any integer
    part, remainders from rounding_remainders), near zero."""
    acc_w = accumulator_width(fmt, terms)
    low, high = fmt.min_code * fmt.scale, fmt.max_code * fmt.scale
    part = count // 4
    whole = rng.integers(-(1 << (acc_w - 1)), (1 << (acc_w - 1)) - 1, size=part, endpoint=True, dtype=np.int64)
    bounds = rng.choice(np.array([low, high], dtype=np.int64), size=part) + rng.integers(
        -2 * fmt.scale, 2 * fmt.scale, size=part, endpoint=True, dtype=np.int64
    )
    parts = rng.integers(fmt.min_code - 1, fmt.max_code + 1, size=part, endpoint=True, dtype=np.int64)
    ties = parts * fmt.scale + rng.choice(np.array(rounding_remainders(fmt), dtype=np.int64), size=part)
    small = rng.integers(-4 * fmt.scale, 4 * fmt.scale, size=count - 3 * part, endpoint=True, dtype=np.int64)
    mixed = np.concatenate([whole, bounds, ties, small])
    rng.shuffle(mixed)
    return mixed


def signed_bits(value: int) -> int:
    """Fewest bits of a signed two's-complement integer that holds `value`."""
    return (value if value >= 0 else -value - 1).bit_length() + 1
