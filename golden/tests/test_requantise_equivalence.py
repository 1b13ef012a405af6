"""fast.requantise == reference.requantise, bit for bit, for both rounding modes and ReLU on/off."""
from __future__ import annotations

import numpy as np
import pytest

from golden import fast, reference
from golden.qformat import QFormat
from golden.compare import assert_codes_equal
from golden.tests.stimulus import FORMATS, ROUNDINGS, directed_accumulators, random_accumulators

RANDOM_COUNT = 240

pytestmark = [
    pytest.mark.parametrize("fmt", FORMATS, ids=str),
    pytest.mark.parametrize("rounding", ROUNDINGS),
    pytest.mark.parametrize("relu", (False, True), ids=("linear", "relu")),
]


def _check(accs: np.ndarray, fmt: QFormat, rounding: str, relu: bool, seed: int | None, kind: str) -> None:
    expected = [reference.requantise(int(acc), fmt, rounding, relu) for acc in accs]
    actual = fast.requantise(accs, fmt, rounding, relu)
    assert_codes_equal(
        expected,
        actual,
        f"requantise {kind} {fmt} {rounding} relu={relu}",
        seed,
        fmt.width,
        inputs=[int(acc) for acc in accs],
        input_name="accumulator",
    )


def test_random(fmt: QFormat, rounding: str, relu: bool, rng: np.random.Generator, seed: int) -> None:
    _check(random_accumulators(rng, fmt, RANDOM_COUNT), fmt, rounding, relu, seed, "random")


def test_directed(fmt: QFormat, rounding: str, relu: bool, seed: int) -> None:
    _check(directed_accumulators(fmt), fmt, rounding, relu, seed, "directed")


def test_batch_shape_kept(fmt: QFormat, rounding: str, relu: bool, rng: np.random.Generator, seed: int) -> None:
    """A (3, 5) batch is requantised element-wise, shape preserved."""
    accs = random_accumulators(rng, fmt, 15).reshape(3, 5)
    expected = [[reference.requantise(int(acc), fmt, rounding, relu) for acc in row] for row in accs]
    assert_codes_equal(expected, fast.requantise(accs, fmt, rounding, relu), f"requantise batch {fmt}", seed, fmt.width)
