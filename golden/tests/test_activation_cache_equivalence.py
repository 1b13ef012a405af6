"""fast.activation_cache (all tap sets of a (T, D) sequence) == reference.ActivationCache.push, step by step."""
from __future__ import annotations

import numpy as np
import pytest

from golden import fast, reference
from golden.qformat import QFormat
from golden.compare import assert_codes_equal
from golden.tests.stimulus import FORMATS, random_codes

TAPS = (1, 2, 3, 4)
DILATIONS = (1, 2, 3, 8)


def _reference_taps(samples: np.ndarray, taps: int, dilation: int, fmt: QFormat) -> np.ndarray:
    cache = reference.ActivationCache(taps, dilation, samples.shape[1], fmt)
    outputs = [cache.push(sample.tolist()) for sample in samples]
    return np.array(outputs, dtype=np.int64).reshape(len(samples), taps, samples.shape[1])


@pytest.mark.parametrize("taps", TAPS)
@pytest.mark.parametrize("dilation", DILATIONS)
@pytest.mark.parametrize("fmt", (FORMATS[0], FORMATS[4], FORMATS[3]), ids=str)
def test_random(fmt: QFormat, taps: int, dilation: int, rng: np.random.Generator, seed: int) -> None:
    """Sequences ending before, at and well after the cache fills ((K-1)*dilation + 1 samples)."""
    depth = (taps - 1) * dilation + 1
    for steps in sorted({1, max(1, depth - 1), depth, 2 * depth + 7}):
        for channels in (1, 3):
            samples = random_codes(rng, fmt, (steps, channels))
            assert_codes_equal(
                _reference_taps(samples, taps, dilation, fmt),
                fast.activation_cache(samples, taps, dilation, fmt),
                f"activation_cache {fmt} K={taps} dilation={dilation} D={channels} T={steps}",
                seed,
                fmt.width,
            )


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
def test_all_formats(fmt: QFormat, rng: np.random.Generator, seed: int) -> None:
    samples = random_codes(rng, fmt, (30, 2))
    assert_codes_equal(
        _reference_taps(samples, 3, 4, fmt),
        fast.activation_cache(samples, 3, 4, fmt),
        f"activation_cache {fmt} K=3 dilation=4",
        seed,
        fmt.width,
    )


@pytest.mark.parametrize("taps", TAPS)
@pytest.mark.parametrize("dilation", DILATIONS)
def test_impulse_position(taps: int, dilation: int, seed: int) -> None:
    """Contract, independent of both models: tap k after push t is x[t - (K-1-k)*dilation], zero before t=0."""
    fmt = QFormat(16, 12)
    start = 3
    steps = start + (taps - 1) * dilation + 3
    samples = np.zeros((steps, 1), dtype=np.int64)
    samples[start, 0] = fmt.max_code
    expected = np.zeros((steps, taps, 1), dtype=np.int64)
    for t in range(steps):
        for k in range(taps):
            if t - (taps - 1 - k) * dilation == start:
                expected[t, k, 0] = fmt.max_code
    what = f"K={taps} dilation={dilation} impulse"
    from_reference = _reference_taps(samples, taps, dilation, fmt)
    assert_codes_equal(expected, from_reference, f"ActivationCache {what}", seed, fmt.width)
    actual = fast.activation_cache(samples, taps, dilation, fmt)
    assert_codes_equal(expected, actual, f"activation_cache {what}", seed, fmt.width)


@pytest.mark.parametrize("taps", TAPS)
def test_dilation_one_is_left_shift_buffer(taps: int, rng: np.random.Generator, seed: int) -> None:
    fmt = QFormat(8, 6)
    samples = random_codes(rng, fmt, (12, 2))
    assert_codes_equal(
        fast.left_shift_buffer(samples, taps, fmt),
        fast.activation_cache(samples, taps, 1, fmt),
        f"activation_cache K={taps} dilation=1 vs left_shift_buffer",
        seed,
        fmt.width,
    )


def test_empty_sequence(seed: int) -> None:
    windows = fast.activation_cache(np.zeros((0, 2), dtype=np.int64), 3, 2, QFormat(16, 12))
    assert_codes_equal(np.zeros((0, 3, 2), dtype=np.int64), windows, "activation_cache T=0", seed)
