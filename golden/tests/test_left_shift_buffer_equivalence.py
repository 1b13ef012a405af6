"""fast.left_shift_buffer (all windows of a (T, D) sequence) == reference.LeftShiftBuffer.push, step by step."""
from __future__ import annotations

import numpy as np
import pytest

from golden import fast, reference
from golden.qformat import QFormat
from golden.compare import assert_codes_equal
from golden.tests.stimulus import FORMATS, random_codes


def _reference_windows(samples: np.ndarray, length: int, fmt: QFormat) -> np.ndarray:
    buffer = reference.LeftShiftBuffer(length, samples.shape[1], fmt)
    windows = [buffer.push(sample.tolist()) for sample in samples]
    return np.array(windows, dtype=np.int64).reshape(len(samples), length, samples.shape[1])


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("length", (1, 2, 3, 5, 8))
@pytest.mark.parametrize("channels", (1, 3))
def test_random(fmt: QFormat, length: int, channels: int, rng: np.random.Generator, seed: int) -> None:
    """Sequences shorter than, equal to and longer than the buffer (zero fill before t=0 included)."""
    for steps in sorted({1, max(1, length - 1), length, 2 * length + 5}):
        samples = random_codes(rng, fmt, (steps, channels))
        assert_codes_equal(
            _reference_windows(samples, length, fmt),
            fast.left_shift_buffer(samples, length, fmt),
            f"left_shift_buffer {fmt} length={length} D={channels} T={steps}",
            seed,
            fmt.width,
        )


@pytest.mark.parametrize("length", (1, 4))
def test_empty_sequence(length: int, seed: int) -> None:
    fmt = QFormat(16, 12)
    windows = fast.left_shift_buffer(np.zeros((0, 2), dtype=np.int64), length, fmt)
    assert_codes_equal(np.zeros((0, length, 2), dtype=np.int64), windows, "left_shift_buffer T=0", seed)


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
def test_impulse_position(fmt: QFormat, seed: int) -> None:
    """Contract, independent of both models: after push t, slot s holds x[t - (L-1-s)], newest in the last slot."""
    length, steps, start = 4, 9, 2
    samples = np.zeros((steps, 1), dtype=np.int64)
    samples[start, 0] = fmt.min_code
    expected = np.zeros((steps, length, 1), dtype=np.int64)
    for t in range(steps):
        for slot in range(length):
            if t - (length - 1 - slot) == start:
                expected[t, slot, 0] = fmt.min_code
    from_reference = _reference_windows(samples, length, fmt)
    assert_codes_equal(expected, from_reference, f"LeftShiftBuffer impulse {fmt}", seed, fmt.width)
    actual = fast.left_shift_buffer(samples, length, fmt)
    assert_codes_equal(expected, actual, f"left_shift_buffer impulse {fmt}", seed, fmt.width)
