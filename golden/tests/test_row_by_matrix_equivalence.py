"""fast.row_by_matrix (batched arrays) == reference.row_by_matrix (nested lists, one row at a time)."""
from __future__ import annotations

import numpy as np
import pytest

from golden import fast, reference
from golden.qformat import QFormat, accumulator_width
from golden.compare import assert_codes_equal
from golden.tests.stimulus import FORMATS, random_codes

SHAPES = ((1, 1), (4, 3), (16, 2))  # (IN_D, OUT_D)
BATCH = 6


def _reference_rows(x: np.ndarray, weights: np.ndarray, fmt: QFormat) -> list[list[int]]:
    nested = weights.tolist()
    return [reference.row_by_matrix(row.tolist(), nested, fmt) for row in x]


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("in_d,out_d", SHAPES)
def test_random(fmt: QFormat, in_d: int, out_d: int, rng: np.random.Generator, seed: int) -> None:
    x = random_codes(rng, fmt, (BATCH, in_d))
    weights = random_codes(rng, fmt, (in_d, out_d))
    assert_codes_equal(
        _reference_rows(x, weights, fmt),
        fast.row_by_matrix(x, weights, fmt),
        f"row_by_matrix {fmt} IN_D={in_d} OUT_D={out_d}",
        seed,
        accumulator_width(fmt, in_d),
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
@pytest.mark.parametrize("in_d", (1, 4, 9))
def test_directed(fmt: QFormat, in_d: int, seed: int) -> None:
    """Rows of extremes against columns of min, max, alternating +max/-min, zero and one."""
    lo, hi = fmt.min_code, fmt.max_code
    alternating = [hi if i % 2 == 0 else lo for i in range(in_d)]
    flipped = [lo if i % 2 == 0 else hi for i in range(in_d)]
    columns = [[lo] * in_d, [hi] * in_d, alternating, flipped, [0] * in_d, [1] * in_d]
    weights = np.array(columns, dtype=np.int64).T  # (IN_D, OUT_D)
    x = np.array([[lo] * in_d, [hi] * in_d, alternating, flipped, [0] * in_d], dtype=np.int64)
    assert_codes_equal(
        _reference_rows(x, weights, fmt),
        fast.row_by_matrix(x, weights, fmt),
        f"row_by_matrix directed {fmt} IN_D={in_d}",
        seed,
        accumulator_width(fmt, in_d),
    )
