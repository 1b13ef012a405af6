"""Directed corner stimulus shared by the matrix and convolution benches.

The corner matrix makes the extremes reachable through the real datapath:
column 0 is all most-negative codes and column 1 all most-positive, so an
all-min or all-max input drives their sums to the top and bottom of the
accumulator (saturation); column 2 is a single weight of code 1 on input 0,
so input 0 alone sets that column's accumulator and can place it exactly on
a rounding tie.
"""
from __future__ import annotations

import numpy as np

from golden.qformat import QFormat


def corner_matrix(rng: np.random.Generator, fmt: QFormat, rows: int, cols: int) -> np.ndarray:
    matrix = rng.integers(fmt.min_code, fmt.max_code + 1, (rows, cols))
    alternating = np.where(np.arange(rows) % 2 == 0, fmt.max_code, fmt.min_code)
    special = [
        np.full(rows, fmt.min_code),
        np.full(rows, fmt.max_code),
        np.eye(rows, 1, dtype=np.int64)[:, 0],
        alternating,
    ]
    for column, values in enumerate(special[:cols]):
        matrix[:, column] = values
    return matrix.astype(np.int64)


def corner_bias(rng: np.random.Generator, fmt: QFormat, cols: int) -> np.ndarray:
    bias = rng.integers(fmt.min_code, fmt.max_code + 1, cols)
    special = [fmt.max_code, fmt.min_code, 0]
    bias[: min(cols, 3)] = special[: min(cols, 3)]
    return bias.astype(np.int64)


def corner_rows(fmt: QFormat, length: int) -> np.ndarray:
    """Most negative, most positive, zero and alternating-sign input vectors."""
    alternating = np.where(np.arange(length) % 2 == 0, fmt.max_code, fmt.min_code)
    return np.array(
        [
            np.full(length, fmt.min_code),
            np.full(length, fmt.max_code),
            np.zeros(length),
            alternating,
            -alternating - 1,
            np.full(length, -1),
        ],
        dtype=np.int64,
    )


def tie_rows(rng: np.random.Generator, fmt: QFormat, length: int) -> np.ndarray:
    """Inputs whose element 0 lands exactly on (and one LSB around) rounding ties.

    Through a weight of code 1 the accumulator equals input 0, so its low F bits
    are the bits requantisation drops: half an output LSB is 2^(F-1).
    """
    half = 1 << (fmt.frac - 1)
    scale = 1 << fmt.frac
    candidates = []
    for whole in (0, 1, 2, 3, -1, -2, -3):
        for offset in (0, -1, 1):
            candidates.append(whole * scale + half + offset)
    candidates = [c for c in candidates if fmt.min_code <= c <= fmt.max_code]
    rows = rng.integers(fmt.min_code, fmt.max_code + 1, (len(candidates), length))
    rows[:, 0] = candidates
    return rows.astype(np.int64)


def random_rows(rng: np.random.Generator, fmt: QFormat, count: int, length: int) -> np.ndarray:
    return rng.integers(fmt.min_code, fmt.max_code + 1, (count, length)).astype(np.int64)


def corner_stream(fmt: QFormat, channels: int, steps: int) -> np.ndarray:
    """Per-channel corner vectors, then `steps` vectors alternating most negative / most positive in time."""
    in_time = np.array([np.full(channels, fmt.max_code if t % 2 else fmt.min_code) for t in range(steps)])
    return np.concatenate([corner_rows(fmt, channels), in_time]).astype(np.int64)
