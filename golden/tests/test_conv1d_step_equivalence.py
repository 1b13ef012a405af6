"""fast.conv1d_step (arrays) == reference.conv1d_step (nested lists): sum of K x IN_D products + bias, requantised."""
from __future__ import annotations

import numpy as np
import pytest

from golden import fast, reference
from golden.qformat import QFormat
from golden.compare import assert_codes_equal
from golden.tests.conv_cases import ConvCase, extreme_cases, random_case, realise_accumulators, tie_case
from golden.tests.stimulus import (
    FORMATS,
    ROUNDINGS,
    boundary_accumulators,
    max_sum,
    min_sum,
    rounding_remainders,
    tie_accumulators,
)

SHAPES = ((1, 1, 2), (2, 3, 3), (3, 4, 2))  # (K, IN_D, OUT_D)
STEPS = {"full": 3, "in_range": 3, "ties": 8}  # random steps per style and shape

pytestmark = [
    pytest.mark.parametrize("fmt", FORMATS, ids=str),
    pytest.mark.parametrize("rounding", ROUNDINGS),
    pytest.mark.parametrize("relu", (False, True), ids=("linear", "relu")),
]


def _reference(case: ConvCase, fmt: QFormat, rounding: str, relu: bool) -> list[int]:
    return reference.conv1d_step(case.taps.tolist(), case.kernel.tolist(), case.bias.tolist(), fmt, rounding, relu)


def _fast(case: ConvCase, fmt: QFormat, rounding: str, relu: bool) -> np.ndarray:
    return fast.conv1d_step(case.taps, case.kernel, case.bias, fmt, rounding, relu)


def test_random(fmt: QFormat, rounding: str, relu: bool, rng: np.random.Generator, seed: int) -> None:
    """Each case has its own kernel: uniform codes, sums kept mostly in range, and tie-targeted sums."""
    for k, in_d, out_d in SHAPES:
        cases = [
            random_case(rng, fmt, k, in_d, out_d, style, step)
            for style, count in STEPS.items()
            for step in range(count)
        ]
        expected = [_reference(case, fmt, rounding, relu) for case in cases]
        actual = np.stack([_fast(case, fmt, rounding, relu) for case in cases])
        assert_codes_equal(
            expected,
            actual,
            f"conv1d_step {fmt} {rounding} relu={relu} K={k} IN_D={in_d} (rows by style: {STEPS})",
            seed,
            fmt.width,
            inputs=[case.accumulators(fmt) for case in cases],
            input_name="accumulator",
        )


def test_batched_windows(fmt: QFormat, rounding: str, relu: bool, rng: np.random.Generator, seed: int) -> None:
    """A (B, K, IN_D) batch of windows against one kernel equals B separate reference steps.

    The kernel is tie-style with one output per rounding remainder; windows with taps[0][0] = 1
    and other taps in {-1, 0, 1} keep those remainders and the sign of the bias, which is run
    once non-negative and once negative. A few fully random windows complete the batch."""
    k, in_d = 3, 2
    out_d = len(rounding_remainders(fmt))
    tie = tie_case(rng, fmt, k, in_d, out_d, 0)
    unit_windows = rng.integers(-1, 1, size=(6, k, in_d), endpoint=True)
    unit_windows[:, 0, 0] = 1
    full_windows = np.stack([random_case(rng, fmt, k, in_d, out_d, "full").taps for _ in range(2)])
    windows = np.concatenate([unit_windows, full_windows]).astype(np.int64)
    for bias in (tie.bias, np.maximum(-tie.bias - 1, fmt.min_code)):
        expected = [
            reference.conv1d_step(w.tolist(), tie.kernel.tolist(), bias.tolist(), fmt, rounding, relu) for w in windows
        ]
        actual = fast.conv1d_step(windows, tie.kernel, bias, fmt, rounding, relu)
        assert_codes_equal(
            expected, actual, f"conv1d_step batch {fmt} {rounding} relu={relu} bias={bias.tolist()}", seed, fmt.width
        )


def test_extremes(fmt: QFormat, rounding: str, relu: bool, seed: int) -> None:
    """Saturating sums both ways, alternating signs, zeros, bias alone."""
    for k, in_d in ((1, 1), (2, 3), (4, 4)):
        for name, case in extreme_cases(fmt, k, in_d).items():
            assert_codes_equal(
                _reference(case, fmt, rounding, relu),
                _fast(case, fmt, rounding, relu),
                f"conv1d_step {name} {fmt} {rounding} relu={relu} K={k} IN_D={in_d}",
                seed,
                fmt.width,
            )
    sums = extreme_cases(fmt, 4, 4)["extreme sums"].accumulators(fmt)
    assert sums == [max_sum(fmt, 16), min_sum(fmt, 16)], f"extreme conv case does not build the extreme sums {sums}"


def test_ties_and_bounds(fmt: QFormat, rounding: str, relu: bool, seed: int) -> None:
    """Accumulators k*2^F + r (r in rounding_remainders, k of both signs and parities) and +-1 around
    the saturation bounds, each built exactly through unit taps, kernel codes and bias."""
    targets = tie_accumulators(fmt) + boundary_accumulators(fmt)
    case = realise_accumulators(fmt, targets)
    assert case.accumulators(fmt) == targets, "tie case construction does not hit its accumulators"
    assert_codes_equal(
        _reference(case, fmt, rounding, relu),
        _fast(case, fmt, rounding, relu),
        f"conv1d_step ties/bounds {fmt} {rounding} relu={relu}",
        seed,
        fmt.width,
        inputs=targets,
        input_name="accumulator",
    )
