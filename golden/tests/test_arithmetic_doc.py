"""Hand-computed expectations from docs/arithmetic.md (sections 1-4 and the worked examples of section 6).

The expected numbers are literals copied from the document, not computed by
either model, so a bug shared by golden.fast and golden.reference still fails here.
"""
from __future__ import annotations

import numpy as np
import pytest

from golden import fast, reference
from golden.qformat import QFormat, accumulator_width
from golden.compare import assert_codes_equal

Q16_12 = QFormat(16, 12)

# section 6, "Ties" table (plus the 0x1801 requantise example): acc -> (trunc, rne)
TIE_TABLE: tuple[tuple[int, int, int], ...] = (
    (0x1801, 1, 2),
    (2048, 0, 0),
    (6144, 1, 2),
    (-2048, -1, 0),
    (-6144, -2, -2),
    (-1, -1, 0),
)


def _both_requantise(acc: int, fmt: QFormat, rounding: str, relu: bool) -> tuple[int, int]:
    return reference.requantise(acc, fmt, rounding, relu), int(fast.requantise(acc, fmt, rounding, relu))


def test_q16_12_range() -> None:
    """Section 1: Q(16,12) covers [-8, 8 - 2^-12] in steps of 2^-12."""
    assert (Q16_12.min_code, Q16_12.max_code, Q16_12.scale) == (-32768, 32767, 4096)
    assert Q16_12.to_real([Q16_12.min_code, Q16_12.max_code, 1]).tolist() == [-8.0, 8 - 2**-12, 2**-12]


def test_product_example(seed: int) -> None:
    """1.5 * -2.25: a = 0x1800 (6144), b = 0xDC00 (-9216), p = -56623104 = 0xFCA00000 = -3.375 in Q(32,24)."""
    a, b = Q16_12.from_real([1.5, -2.25], "doc example")
    assert (int(a), int(b)) == (6144, -9216)
    assert (int(a) & 0xFFFF, int(b) & 0xFFFF) == (0x1800, 0xDC00)
    assert reference.product(6144, -9216, Q16_12) == -56623104
    assert_codes_equal([-56623104], fast.dot_product([6144], [-9216], Q16_12).reshape(1), "doc product", seed, 32)
    assert -56623104 & 0xFFFFFFFF == 0xFCA00000
    assert -56623104 / 2**24 == -3.375


@pytest.mark.parametrize("acc,trunc,rne", TIE_TABLE)
def test_tie_table(acc: int, trunc: int, rne: int) -> None:
    assert _both_requantise(acc, Q16_12, "trunc", False) == (trunc, trunc), f"acc {acc} trunc"
    assert _both_requantise(acc, Q16_12, "rne", False) == (rne, rne), f"acc {acc} rne"


def test_trunc_is_floor_not_towards_zero() -> None:
    """Section 4: trunc rounds -1.5 LSB to -2 (floor), unlike fxpmath's own 'trunc'."""
    assert _both_requantise(-6144, Q16_12, "trunc", False) == (-2, -2)


@pytest.mark.parametrize("rounding", ("trunc", "rne"))
def test_saturation_example(rounding: str) -> None:
    """acc = 2^34 saturates to 0x7FFF000 -> 0x7FFF; -2^34 -> 0x8000 (-8.0); with ReLU the negative case is 0."""
    assert 32767 * 4096 == 0x7FFF000
    assert _both_requantise(2**34, Q16_12, rounding, False) == (0x7FFF, 0x7FFF)
    assert _both_requantise(0x7FFF000, Q16_12, rounding, False) == (0x7FFF, 0x7FFF)
    assert _both_requantise(-(2**34), Q16_12, rounding, False) == (-0x8000, -0x8000)
    assert _both_requantise(-(2**34), Q16_12, rounding, True) == (0, 0)
    assert _both_requantise(2**34, Q16_12, rounding, True) == (0x7FFF, 0x7FFF)


@pytest.mark.parametrize("rounding", ("trunc", "rne"))
def test_full_dot_product_example(rounding: str, seed: int) -> None:
    """[0x7FFF, 0x8000] . [0x8000, 0x8000]: p0 = -1073709056, p1 = 1073741824, acc = 32768 -> 8 in both modes."""
    a, b = [0x7FFF, -0x8000], [-0x8000, -0x8000]
    assert [reference.product(x, w, Q16_12) for x, w in zip(a, b)] == [-1073709056, 1073741824]
    assert reference.dot_product(a, b, Q16_12) == 32768
    assert int(fast.dot_product(a, b, Q16_12)) == 32768
    assert _both_requantise(32768, Q16_12, rounding, False) == (8, 8)
    # the same sum through a 2-tap, 1-channel convolution step with zero bias
    taps, kernel, bias = [[0x7FFF], [-0x8000]], [[[-0x8000]], [[-0x8000]]], [0]
    assert reference.conv1d_step(taps, kernel, bias, Q16_12, rounding, False) == [8]
    actual = fast.conv1d_step(np.array(taps), np.array(kernel), np.array(bias), Q16_12, rounding, False)
    assert_codes_equal([8], actual, "doc conv", seed, 16)


@pytest.mark.parametrize(
    "fmt,terms,acc_w",
    ((Q16_12, 16, 36), (Q16_12, 64, 38), (QFormat(8, 6), 64, 22)),
    ids=("Q16_12-N16", "Q16_12-N64", "Q8_6-N64"),
)
def test_accumulator_width_table(fmt: QFormat, terms: int, acc_w: int) -> None:
    assert accumulator_width(fmt, terms) == acc_w


def _section4_floor(value: int, fmt: QFormat) -> int:
    return value >> fmt.frac  # Python's >> on int is floor division by 2^F: the arithmetic shift


def _section4_rne(value: int, fmt: QFormat) -> int:
    floor, remainder, half = value >> fmt.frac, value & (fmt.scale - 1), fmt.scale >> 1
    return floor + (1 if remainder > half or (remainder == half and floor % 2 == 1) else 0)


def _section4(acc: int, fmt: QFormat, rounding: str, relu: bool) -> int:
    saturated = min(max(acc, fmt.min_code * fmt.scale), fmt.max_code * fmt.scale)
    code = _section4_rne(saturated, fmt) if rounding == "rne" else _section4_floor(saturated, fmt)
    return max(code, 0) if relu else code


def test_saturate_then_round_equals_round_then_clip() -> None:
    """Section 4's claim, in plain Python integers, for every accumulator around the range of Q(8,3)."""
    fmt = QFormat(8, 3)
    low, high = fmt.min_code * fmt.scale, fmt.max_code * fmt.scale
    for acc in range(low - 3 * fmt.scale, high + 3 * fmt.scale + 1):
        for drop in (_section4_floor, _section4_rne):
            saturate_first = drop(min(max(acc, low), high), fmt)
            clip_after = min(max(drop(acc, fmt), fmt.min_code), fmt.max_code)
            assert saturate_first == clip_after, f"acc {acc} {drop.__name__}"


@pytest.mark.parametrize("fmt", (QFormat(2, 1), QFormat(5, 3), QFormat(6, 1)), ids=str)
@pytest.mark.parametrize("rounding", ("trunc", "rne"))
@pytest.mark.parametrize("relu", (False, True), ids=("linear", "relu"))
def test_requantise_exhaustive_against_section_4(fmt: QFormat, rounding: str, relu: bool, seed: int) -> None:
    """Both models against the section 4/5 definition, for every accumulator from beyond -min to beyond +max."""
    accs = np.arange(fmt.min_code * fmt.scale - 2 * fmt.scale, fmt.max_code * fmt.scale + 2 * fmt.scale + 1)
    expected = [_section4(int(acc), fmt, rounding, relu) for acc in accs]
    what = f"requantise {fmt} {rounding} relu={relu} over accumulators {int(accs[0])}..{int(accs[-1])}"
    from_reference = [reference.requantise(int(acc), fmt, rounding, relu) for acc in accs]
    from_fast = fast.requantise(accs, fmt, rounding, relu)
    for model, actual in (("reference", from_reference), ("fast", from_fast)):
        assert_codes_equal(expected, actual, f"{model} {what}", seed, fmt.width, inputs=accs, input_name="accumulator")


# ---- section 7: per-tensor formats (literals from the document) ----

def test_section7_seed_product_bias_and_relu() -> None:
    from golden.layer_format import OperandFormats, OutputStage

    x_fmt, k_fmt = QFormat(16, 12, signed=False), QFormat(16, 11)
    operands = OperandFormats(x_fmt, k_fmt, k_fmt)
    assert (int(x_fmt.from_real([3.5], "x")[0]), int(k_fmt.from_real([1.25], "k")[0])) == (14336, 2560)
    assert int(k_fmt.from_real([-1.25], "k")[0]) & 0xFFFF == 0xF600
    assert (operands.acc_frac, operands.product_shift, operands.bias_shift) == (23, 0, 12)
    assert operands.accumulator_width(64) == 39
    acc = fast.conv_sums([[14336]], [[[2560]]], [1024], operands)
    assert int(acc[0]) == 40894464
    stage = OutputStage("relu", QFormat(16, 12, signed=False), "rne")
    assert int(fast.requantise_to([40894464], 23, stage)[0]) == 19968 == 0x4E00
    assert reference.requantise_to(40894464, 23, stage) == 19968
    assert int(fast.requantise_to([-36700160 + 4194304], 23, stage)[0]) == 0


def test_section7_bias_finer_and_output_finer() -> None:
    from golden.layer_format import OperandFormats, OutputStage

    finer_bias = OperandFormats(QFormat(6, 2), QFormat(5, 3), QFormat(12, 11))
    assert (finer_bias.acc_frac, finer_bias.product_shift, finer_bias.bias_shift) == (11, 6, 0)
    assert int(fast.conv_sums([[5]], [[[3]]], [2], finer_bias)[0]) == 962
    widen = OperandFormats(QFormat(4, 1), QFormat(4, 1), QFormat(4, 0))
    stage = OutputStage("linear", QFormat(12, 6), "rne")
    assert widen.acc_frac == 2
    assert fast.requantise_to([7, 200], 2, stage).tolist() == [112, 2047]
    assert [reference.requantise_to(v, 2, stage) for v in (7, 200)] == [112, 2047]


def test_section7_float32_cast_example() -> None:
    from golden.layer_format import OutputStage

    exact = OutputStage("relu", QFormat(16, 12, signed=False), "rne")
    cast = OutputStage("relu", QFormat(16, 12, signed=False), "rne", float32_input=True)
    assert int(fast.round_to_float32([67132415])[0]) == 67132416
    assert int(fast.requantise_to([67132415], 23, exact)[0]) == 0x800B
    assert int(fast.requantise_to([67132415], 23, cast)[0]) == 0x800C
    assert reference.requantise_to(67132415, 23, cast) == 0x800C
