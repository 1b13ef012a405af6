"""golden.activations without TensorFlow: the piecewise-linear forms against a Fraction reference written from
QKeras's own definitions, monotonicity, the step table's semantics and the refusals; and the threshold search
of golden.frontend.activation_thresholds against a stand-in for QKeras whose steps are known."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pytest

from golden.activations import (
    DEFAULT_INTERNAL_SIGMOID,
    Function,
    InternalSigmoid,
    QuantizedActivation,
    StepTable,
    StepTableError,
    UnsupportedActivationError,
    piecewise_linear_codes,
)
from golden.compare import assert_codes_equal
from golden.errors import ParameterError, RepresentationError
from golden.frontend.activation_thresholds import ActivationProofError, Lane, find_step_table
from golden.layer_format import wide_format
from golden.qformat import QFormat

LINEAR_FORMS = [(function, internal) for function in Function for internal in (InternalSigmoid.HARD,
                                                                                 InternalSigmoid.SMOOTH)]
BITS = (2, 3, 8, 24)
# every code of these: signed and unsigned, a step coarser than 1 (F < 0), every value below 1 (F >= W)
SMALL_FORMATS = (QFormat(8, 4), QFormat(8, 4, signed=False), QFormat(2, 1), QFormat(6, -2), QFormat(10, 12),
                 QFormat(9, 0, signed=False), QFormat(12, 6))
WIDE_SAMPLES = 2000


def qkeras_reference(function: Function, internal: InternalSigmoid, bits: int, code: int, frac: int) -> int:
    """QKeras 0.9.0's quantized_tanh / quantized_sigmoid output code, in exact rationals, from its source:
    hard_sigmoid(x) = clip(0.5x + 0.5, 0, 1), smooth_sigmoid(x) = clip(0.1875x + 0.5, 0, 1); tanh's p is
    2 * sigmoid(x) - 1 with m = 2^(bits-1), sigmoid's p is sigmoid(x) with m = 2^bits; the output is
    clip(round(p * m) / m, min, 1 - 1/m) with tf.round (half to even, as Python's round of a Fraction)."""
    x = Fraction(code) * Fraction(2) ** -frac
    slope = Fraction(1, 2) if internal is InternalSigmoid.HARD else Fraction(3, 16)
    sigmoid = min(max(slope * x + Fraction(1, 2), Fraction(0)), Fraction(1))
    if function is Function.TANH:
        p, m, lowest = 2 * sigmoid - 1, 2 ** (bits - 1), -(2 ** (bits - 1))
    else:
        p, m, lowest = sigmoid, 2 ** bits, 0
    return min(max(round(p * m), lowest), m - 1)


def _reference_codes(activation: QuantizedActivation, fmt: QFormat, codes: np.ndarray) -> np.ndarray:
    return np.array([qkeras_reference(activation.function, activation.internal_sigmoid, activation.bits, int(c),
                                      fmt.frac) for c in codes], dtype=np.int64)


def _wide_codes(fmt: QFormat, rng: np.random.Generator) -> np.ndarray:
    """Random codes over the whole range, more where the line is not clipped (|x| < 4), and the exact ties of
    round(p * m) there (x a multiple of 2^-(bits+5)), plus both ends."""
    anywhere = rng.integers(fmt.min_code, fmt.max_code, WIDE_SAMPLES, endpoint=True)
    reach = min(1 << max(fmt.frac + 2, 0), fmt.max_code)
    inside = rng.integers(-reach, reach, WIDE_SAMPLES, endpoint=True)
    coarse = max(fmt.frac - 29, 0)  # x on a 2^-29 grid: every tie of every form with bits <= 24
    ties = (rng.integers(-(reach >> coarse), reach >> coarse, WIDE_SAMPLES, endpoint=True) << coarse)
    codes = np.concatenate([anywhere, inside, ties, [fmt.min_code, fmt.max_code, 0, -1, 1]])
    return np.clip(codes, fmt.min_code, fmt.max_code).astype(np.int64)


@pytest.mark.parametrize(("function", "internal"), LINEAR_FORMS, ids=lambda v: v.value)
@pytest.mark.parametrize("bits", BITS)
def test_every_code_of_small_formats_matches_the_reference(function: Function, internal: InternalSigmoid,
                                                           bits: int) -> None:
    activation = QuantizedActivation(function, bits, False, internal)
    for fmt in SMALL_FORMATS:
        codes = np.arange(fmt.min_code, fmt.max_code + 1)
        got = piecewise_linear_codes(activation, fmt, codes)
        assert_codes_equal(_reference_codes(activation, fmt, codes), got, what=f"{activation} on {fmt}", seed=None,
                           inputs=codes)
        assert np.all(np.diff(got) >= 0), f"{activation} on {fmt}: not monotone"


@pytest.mark.parametrize(("function", "internal"), LINEAR_FORMS, ids=lambda v: v.value)
@pytest.mark.parametrize("bits", BITS)
def test_random_codes_of_wide_formats_match_the_reference(function: Function, internal: InternalSigmoid, bits: int,
                                                          rng: np.random.Generator, seed: int) -> None:
    activation = QuantizedActivation(function, bits, False, internal)
    finest = 52 if internal is InternalSigmoid.HARD else 49  # QKeras's float64 is exact up to these
    for fmt in (wide_format(40, 24), wide_format(53, finest), wide_format(53, 0), wide_format(53, -40),
                wide_format(32, 30), QFormat(24, 23, signed=False)):
        codes = _wide_codes(fmt, rng)
        got = piecewise_linear_codes(activation, fmt, codes)
        assert_codes_equal(_reference_codes(activation, fmt, codes), got, what=f"{activation} on {fmt}", seed=seed,
                           inputs=codes)
        order = np.argsort(codes, kind="stable")
        assert np.all(np.diff(got[order]) >= 0), f"{activation} on {fmt}: not monotone"


@pytest.mark.parametrize(("function", "internal"), LINEAR_FORMS, ids=lambda v: v.value)
def test_output_covers_the_format_and_keeps_the_shape(function: Function, internal: InternalSigmoid) -> None:
    """The widest input range reaches both ends of the output format (all 2^bits codes, 2^bits - 1 steps),
    and codes of any shape come back in that shape."""
    activation = QuantizedActivation(function, 4, False, internal)
    fmt = QFormat(16, 10)
    got = piecewise_linear_codes(activation, fmt, np.arange(fmt.min_code, fmt.max_code + 1))
    out = activation.output_format
    assert (int(got.min()), int(got.max())) == (out.min_code, out.max_code)
    assert np.unique(got).size == 2 ** 4 == activation.max_steps + 1
    grid = np.array([[fmt.min_code, 0], [1, fmt.max_code]])
    assert piecewise_linear_codes(activation, fmt, grid).shape == (2, 2)


def test_output_formats_and_names() -> None:
    tanh = QuantizedActivation("tanh", 8)
    sigmoid = QuantizedActivation(Function.SIGMOID, 6, True)
    assert tanh.output_format == QFormat(8, 7) and sigmoid.output_format == QFormat(6, 6, signed=False)
    assert tanh.internal_sigmoid is DEFAULT_INTERNAL_SIGMOID is InternalSigmoid.HARD
    assert str(tanh) == "quantized_tanh(8, use_real_tanh=False) [internal sigmoid hard]"
    assert str(sigmoid) == "quantized_sigmoid(6, use_real_sigmoid=True)"
    assert tanh.piecewise_linear and not sigmoid.piecewise_linear
    assert not QuantizedActivation("tanh", 8, False, "real").piecewise_linear


def test_from_qkeras_reads_the_defaults() -> None:
    config = {"bits": 6, "symmetric": False, "use_stochastic_rounding": False, "use_real_tanh": True}
    assert QuantizedActivation.from_qkeras("quantized_tanh", config) == QuantizedActivation("tanh", 6, True)
    smooth = QuantizedActivation.from_qkeras("quantized_sigmoid", {"bits": 4}, "smooth")
    assert smooth == QuantizedActivation("sigmoid", 4, False, InternalSigmoid.SMOOTH)


@pytest.mark.parametrize(("name", "config", "message"), [
    ("quantized_tanh", {"bits": 8, "symmetric": True}, r"quantized_tanh\(8\): symmetric=True"),
    ("quantized_sigmoid", {"bits": 8, "use_stochastic_rounding": 1}, "use_stochastic_rounding=True"),
    ("quantized_sigmoid", {"bits": 8, "symmetric": 1, "use_stochastic_rounding": True},
     "symmetric=True .*, use_stochastic_rounding=True"),
    ("quantized_tanh", {"bits": 8, "use_real_sigmoid": True}, "unknown option 'use_real_sigmoid'"),
    ("quantized_relu", {"bits": 8}, "quantized_relu: not a modelled activation"),
    ("quantized_tanh", {"bits": 1}, r"bits must be an integer in \[2, 24\], got 1"),
    ("quantized_sigmoid", {"bits": 25}, r"bits must be an integer in \[2, 24\], got 25"),
    ("quantized_tanh", {"bits": 8, "use_real_tanh": "yes"}, "use_real_tanh must be true or false"),
])
def test_from_qkeras_refuses_what_it_does_not_model(name: str, config: dict, message: str) -> None:
    with pytest.raises(UnsupportedActivationError, match=message):
        QuantizedActivation.from_qkeras(name, config)


def test_unknown_internal_sigmoid_is_refused() -> None:
    with pytest.raises(UnsupportedActivationError, match="unknown internal sigmoid mode 'soft'; expected one of hard"):
        QuantizedActivation("tanh", 8, False, "soft")


def test_piecewise_linear_refusals() -> None:
    with pytest.raises(UnsupportedActivationError, match="is no formula; its output is a StepTable"):
        piecewise_linear_codes(QuantizedActivation("tanh", 8, True), QFormat(8, 4), [0])
    with pytest.raises(UnsupportedActivationError, match="more than 52 fractional bits"):
        piecewise_linear_codes(QuantizedActivation("tanh", 8), wide_format(53, 53), [0])
    with pytest.raises(UnsupportedActivationError, match="more than 49 fractional bits"):
        piecewise_linear_codes(QuantizedActivation("sigmoid", 8, False, "smooth"), wide_format(53, 50), [0])
    with pytest.raises(UnsupportedActivationError, match="at most 53 bits exactly"):
        piecewise_linear_codes(QuantizedActivation("tanh", 8), wide_format(54, 20), [0])
    with pytest.raises(RepresentationError, match=r"code 128 at index 1 is outside Q\(8,4\)"):
        piecewise_linear_codes(QuantizedActivation("tanh", 8), QFormat(8, 4), [0, 128])


def test_step_table_counts_the_thresholds_at_or_below_each_code() -> None:
    """first_code + #{T <= c}: the step is at T itself, and a repeated T skips an output code."""
    table = StepTable(QuantizedActivation("tanh", 3, True), QFormat(6, 2), -3, (-20, -1, 0, 0, 9))
    codes = np.array([-32, -21, -20, -19, -2, -1, 0, 1, 8, 9, 31])
    assert table.apply(codes).tolist() == [-3, -3, -2, -2, -2, -1, 1, 1, 1, 2, 2]
    assert table.last_code == 2 and table.thresholds == (-20, -1, 0, 0, 9)
    assert table.apply(np.array([[-32], [31]])).shape == (2, 1)
    empty = StepTable(QuantizedActivation("sigmoid", 2, True), QFormat(4, -8), 3, ())  # no step in range
    assert empty.apply([-8, 0, 7]).tolist() == [3, 3, 3]


def test_step_table_of_a_linear_form_equals_its_formula() -> None:
    """The two representations agree: thresholds read off the formula over every code reproduce it."""
    activation, fmt = QuantizedActivation("sigmoid", 5, False, "smooth"), QFormat(12, 7)
    codes = np.arange(fmt.min_code, fmt.max_code + 1)
    formula = piecewise_linear_codes(activation, fmt, codes)
    thresholds = np.repeat(codes[1:], np.diff(formula))  # a jump of n output codes is n equal thresholds
    table = StepTable(activation, fmt, int(formula[0]), tuple(thresholds.tolist()))
    assert_codes_equal(formula, table.apply(codes), what=f"{activation} table vs formula", seed=None)


@pytest.mark.parametrize(("first", "thresholds", "error", "message"), [
    (0, (5, 3), StepTableError, r"thresholds 0 and 1 \(5, 3\) decrease"),
    (0, (-128, 3), StepTableError, "threshold 0 is -128, not above the lowest input code -128"),
    (0, (128,), RepresentationError, r"code 128 at index 0 is outside Q\(8,4\)"),
    (0, (1.5,), RepresentationError, "expected integer codes"),
    (0, (True,), RepresentationError, "expected integer codes"),
    (-9, (), RepresentationError, r"first output code: code -9 is outside Q\(4,3\)"),
    (5, (1, 2, 3), StepTableError, r"3 steps up from code 5 pass the top output code 7 of Q\(4,3\)"),
])
def test_step_table_refuses_what_is_no_step_function(first: int, thresholds: tuple, error: type,
                                                     message: str) -> None:
    with pytest.raises(error, match=message):
        StepTable(QuantizedActivation("tanh", 4, True), QFormat(8, 4), first, thresholds)


def test_step_table_input_checks() -> None:
    table = StepTable(QuantizedActivation("tanh", 4, True), wide_format(40, 24), -8, (0,) * 15)
    with pytest.raises(RepresentationError, match=r"code 549755813888 at index 0 is outside Q\(40,24\)"):
        table.apply([1 << 39])
    with pytest.raises(ParameterError, match="the input format must be a QFormat"):
        StepTable(QuantizedActivation("tanh", 4, True), "Q(8,4)", -8, ())  # type: ignore[arg-type]


@dataclass
class KnownSteps:
    """Stands in for golden.frontend.activation_thresholds.QKerasActivation: `truth`'s step function in the
    packet lane; in the scalar lane too, except at the codes of `scalar_differs` (code -> output there)."""

    truth: StepTable
    scalar_differs: dict[int, int] = field(default_factory=dict)
    calls: int = 0

    @property
    def activation(self) -> QuantizedActivation:
        return self.truth.activation

    @property
    def input_format(self) -> QFormat:
        return self.truth.input_format

    def codes(self, codes: np.ndarray, lane: Lane = Lane.PACKET) -> np.ndarray:
        self.calls += 1
        out = self.truth.apply(codes)
        if Lane(lane) is Lane.SCALAR:
            for code, value in self.scalar_differs.items():
                out[np.asarray(codes) == code] = value
        return out


def _random_table(activation: QuantizedActivation, fmt: QFormat, rng: np.random.Generator) -> StepTable:
    """Steps anywhere in the range (far from where tanh would put them), some repeated, some out of range."""
    out = activation.output_format
    first = int(rng.integers(out.min_code, out.min_code + 3))
    count = int(rng.integers(1, out.max_code - first + 1))
    thresholds = np.sort(rng.integers(fmt.min_code + 1, fmt.max_code, count, endpoint=True))
    thresholds[rng.random(count) < 0.1] = fmt.max_code  # a few steps at the very top
    return StepTable(activation, fmt, first, tuple(np.sort(thresholds).tolist()))


@pytest.mark.parametrize("fmt", [wide_format(40, 24), wide_format(53, -3), QFormat(8, 4, signed=False), QFormat(2, 0)],
                         ids=str)
def test_search_finds_thresholds_anywhere_in_the_range(fmt: QFormat, rng: np.random.Generator) -> None:
    """Bracket and bisection reach steps however far from the analytic guess, in about log2(range) rounds."""
    activation = QuantizedActivation("tanh", 8, True)
    for _ in range(5):
        known = KnownSteps(_random_table(activation, fmt, rng))
        assert find_step_table(activation, fmt, known) == known.truth  # type: ignore[arg-type]
        assert known.calls <= 2 * fmt.width + 6, f"{known.calls} evaluations on {fmt}"


def test_search_refuses_a_decreasing_function_and_disagreeing_lanes() -> None:
    activation, fmt = QuantizedActivation("sigmoid", 4, True), QFormat(10, 4)
    truth = StepTable(activation, fmt, 0, tuple(range(-300, 450, 50)))

    @dataclass
    class Decreasing(KnownSteps):
        def codes(self, codes: np.ndarray, lane: Lane = Lane.PACKET) -> np.ndarray:
            return 15 - self.truth.apply(codes)

    with pytest.raises(ActivationProofError, match="gives 15 at the lowest input code and 0 at the highest"):
        find_step_table(activation, fmt, Decreasing(truth))  # type: ignore[arg-type]
    for code in (-301, -300, 99, 100 + 3):  # T - 1 and T of two steps, and a code 3 above one (the window)
        disagreeing = KnownSteps(truth, {code: int(truth.apply([code])[0]) + 1})
        with pytest.raises(ActivationProofError, match=f"input code {code} .*QKeras scalar lane.*the lanes disagree "
                                                       "at 1 code"):
            find_step_table(activation, fmt, disagreeing)  # type: ignore[arg-type]
