"""Per-tensor formats (docs/arithmetic.md 2-6): fast == reference, accumulator widths are enough, float32 rounding."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from golden import fast, reference
from golden.errors import ParameterError
from golden.layer_format import OperandFormats, OutputStage
from golden.qformat import QFormat

# (input, kernel, bias, output or None) as QKeras expresses them: the seeds' Q(16,11) x UQ(16,12),
# mixed widths, a bias finer and coarser than the product, outputs with more or fewer fractional bits.
CASES = {
    "seed_relu": (QFormat(16, 12, False), QFormat(16, 11), QFormat(16, 11), QFormat(16, 12, False)),
    "seed_first": (QFormat(16, 11), QFormat(16, 11), QFormat(16, 11), QFormat(16, 12, False)),
    "seed_last_full": (QFormat(16, 12, False), QFormat(16, 11), QFormat(16, 11), None),
    "mixed_12_8": (QFormat(12, 9, False), QFormat(8, 6), QFormat(16, 13), QFormat(10, 8, False)),
    "bias_finer": (QFormat(6, 2), QFormat(5, 3), QFormat(12, 11), QFormat(8, 3)),
    "out_finer": (QFormat(4, 1), QFormat(4, 1), QFormat(4, 0), QFormat(12, 6)),
    "negative_frac": (QFormat(8, -2), QFormat(6, 4), QFormat(8, 0), QFormat(10, -1)),
    "wide_24": (QFormat(24, 20), QFormat(24, 22), QFormat(24, 22), QFormat(24, 20)),
}


def _random_layer(rng: np.random.Generator, operands: OperandFormats, k: int, in_d: int, out_d: int):
    def codes(fmt: QFormat, shape: tuple[int, ...]) -> np.ndarray:
        values = rng.integers(fmt.min_code, fmt.max_code + 1, size=shape, dtype=np.int64)
        corners = rng.random(shape) < 0.3  # extremes often, so sums reach the accumulator's ends
        return np.where(corners, np.where(rng.random(shape) < 0.5, fmt.min_code, fmt.max_code), values)

    return codes(operands.kernel, (k, in_d, out_d)), codes(operands.bias, (out_d,)), codes(operands.input, (k, in_d))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("rounding", ("rne", "trunc"))
@pytest.mark.parametrize("activation", ("linear", "relu"))
def test_fast_equals_reference(name: str, rounding: str, activation: str, rng: np.random.Generator) -> None:
    x, w, b, y = CASES[name]
    if y is None and activation == "relu":
        pytest.skip("full precision has no activation")
    operands = OperandFormats(x, w, b)
    stage = OutputStage(activation, y, rounding, float32_input=False)
    for trial in range(30):
        kernel, bias, taps = _random_layer(rng, operands, 3, 2, 3)
        expected = reference.conv1d_layer_step(taps.tolist(), kernel.tolist(), bias.tolist(), operands, stage)
        actual = fast.conv1d_layer_step(taps, kernel, bias, operands, stage)
        assert actual.tolist() == expected, f"{name} trial {trial}: taps {taps.tolist()}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_accumulator_width_holds_the_extremes(name: str) -> None:
    """Every sign combination of extreme operands fits the contract's width (one bit less would not always)."""
    x, w, b, _ = CASES[name]
    operands = OperandFormats(x, w, b)
    terms = 5
    width = operands.accumulator_width(terms)
    extremes = []
    for xv, wv, bv in itertools.product((x.min_code, x.max_code), (w.min_code, w.max_code), (b.min_code, b.max_code)):
        extremes.append(terms * xv * wv * 2**operands.product_shift + bv * 2**operands.bias_shift)
    assert all(-(2 ** (width - 1)) <= value < 2 ** (width - 1) for value in extremes)


def test_float32_rounding_matches_numpy_and_reference(rng: np.random.Generator) -> None:
    """Below 2^53 a float64 holds the integer exactly, so numpy's float32 cast is the one correct rounding."""
    values = np.concatenate([
        rng.integers(-(2**52), 2**52, 20000),
        rng.integers(-(2**30), 2**30, 20000),
        np.array([2**24 + 1, 2**24 + 3, 2**25 + 2, 2**25 + 6, -(2**24) - 1, 2**24 - 1, 0, 1, -1]),
    ])
    expected = np.float32(values.astype(np.float64)).astype(np.float64).astype(np.int64)
    assert fast.round_to_float32(values).tolist() == expected.tolist()
    assert [reference._round_to_float32(int(v)) for v in values[:2000]] == expected[:2000].tolist()


def test_float32_input_matters_and_is_modelled() -> None:
    """QKeras's quantized_relu(16,4) on a raw Q(.,23) sum: a sum just below a tie rounds up through float32."""
    stage_exact = OutputStage("relu", QFormat(16, 12, False), "rne", float32_input=False)
    stage_f32 = OutputStage("relu", QFormat(16, 12, False), "rne", float32_input=True)
    # 8 + 11.5 LSB at 12 fractional bits, minus 2^-23: float32 (20 fractional bits in [8,16)) makes it the tie
    code = 8 * 4096 + 11
    acc = (2 * code + 1) * 2**10 - 1
    exact = int(fast.requantise_to([acc], 23, stage_exact)[0])
    f32 = int(fast.requantise_to([acc], 23, stage_f32)[0])
    assert (exact, f32) == (code, code + 1)
    assert f32 == reference.requantise_to(acc, 23, stage_f32)


def test_operand_rules() -> None:
    with pytest.raises(ParameterError, match=r"kernel format UQ\(8,4\) is unsigned; store it as the signed Q\(9,4\)"):
        OperandFormats(QFormat(8, 4), QFormat(8, 4, False), QFormat(8, 4))
    with pytest.raises(ParameterError, match="full-precision output .* activation relu needs an output format"):
        OutputStage("relu", None)
    with pytest.raises(ParameterError, match="float32_input models QKeras's quantized_relu only"):
        OutputStage("linear", QFormat(8, 4), float32_input=True)
    with pytest.raises(ParameterError, match=r"need a 107-bit accumulator; the models support at most 64 bits"):
        OperandFormats(QFormat(24, 0), QFormat(24, 40), QFormat(24, -40)).accumulator_width(4)
