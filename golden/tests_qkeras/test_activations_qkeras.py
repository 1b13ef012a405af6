"""golden.activations == QKeras 0.9.0's own quantized_tanh / quantized_sigmoid in float64, bit for bit.

Every form (use_real_* true and false; internal sigmoid hard, smooth and real), 4- and 8-bit outputs, on
narrow signed and unsigned inputs (every code), Q(16,12) (every code) and a 40-bit full-precision sum
(random codes over the whole range and the codes around every threshold): the step forms through the
table golden.frontend.activation_thresholds finds and proves, the piecewise-linear forms through their
formula (and the table found for them must equal it). QKeras runs in both of TensorFlow's lanes.
"""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, quantized_sigmoid, quantized_tanh
from qkeras import quantizers as qkeras_quantizers

from golden.activations import (
    InternalSigmoid,
    QuantizedActivation,
    StepTable,
    UnsupportedActivationError,
    piecewise_linear_codes,
)
from golden.compare import assert_codes_equal
from golden.frontend.activation_thresholds import (
    ActivationProofError,
    Lane,
    QKerasActivation,
    activation_of,
    find_step_table,
    prove_step_table,
)
from golden.layer_format import wide_format
from golden.qformat import QFormat

FORMS = [("tanh", True, "hard"), ("tanh", False, "hard"), ("sigmoid", True, "hard"), ("sigmoid", False, "hard"),
         ("tanh", False, "smooth"), ("sigmoid", False, "smooth"), ("tanh", False, "real"), ("sigmoid", False, "real")]
BITS = (4, 8)
FORMATS = (QFormat(8, 4), QFormat(8, 4, signed=False), QFormat(16, 12), wide_format(40, 24))
ENUMERATED_WIDTH = 16  # formats up to this wide are compared on every code
RANDOM_CODES = 20_000  # per wider format
SCALAR_SAMPLE = 2_000  # codes per format also compared in the scalar lane (one value per kernel call: slower)
MIN_VALUES = 100_000  # golden vs QKeras values per form, over all its bit widths and formats


def _codes_to_compare(fmt: QFormat, table: StepTable, rng: np.random.Generator) -> np.ndarray:
    """Every code of a narrow format; else random codes over the whole range plus 2 codes each side of every
    threshold and both ends."""
    if fmt.width <= ENUMERATED_WIDTH:
        return np.arange(fmt.min_code, fmt.max_code + 1, dtype=np.int64)
    near = (np.asarray(table.thresholds, dtype=np.int64)[:, None] + np.arange(-2, 2)).reshape(-1)
    anywhere = rng.integers(fmt.min_code, fmt.max_code, RANDOM_CODES, endpoint=True)
    return np.clip(np.concatenate([anywhere, near, [fmt.min_code, fmt.max_code]]), fmt.min_code, fmt.max_code)


@pytest.mark.parametrize(("function", "use_real", "internal"), FORMS,
                         ids=[f"{f}-{'real' if r else 'internal_' + i}" for f, r, i in FORMS])
def test_golden_equals_qkeras_float64(function: str, use_real: bool, internal: str, rng: np.random.Generator,
                                      seed: int) -> None:
    compared = 0
    for bits in BITS:
        activation = QuantizedActivation(function, bits, use_real, internal)
        width = activation.output_format.width
        for fmt in FORMATS:
            what = f"{activation} on {fmt}"
            qkeras = QKerasActivation(activation, fmt)
            table = find_step_table(activation, fmt, qkeras)  # raises unless proven in both lanes
            assert len(table.thresholds) <= activation.max_steps
            codes = _codes_to_compare(fmt, table, rng)
            golden = piecewise_linear_codes(activation, fmt, codes) if activation.piecewise_linear \
                else table.apply(codes)
            assert_codes_equal(qkeras.codes(codes), golden, what=f"{what}: QKeras (packet lane) vs golden",
                               seed=seed, width=width, inputs=codes)
            if activation.piecewise_linear:  # the table QKeras gave is the formula
                assert_codes_equal(golden, table.apply(codes), what=f"{what}: table vs formula", seed=seed)
            sample = codes if codes.size <= SCALAR_SAMPLE else rng.choice(codes, SCALAR_SAMPLE)
            assert_codes_equal(qkeras.codes(sample, Lane.SCALAR), table.apply(sample), seed=seed, width=width,
                               what=f"{what}: QKeras (scalar lane) vs golden", inputs=sample)
            thresholds = np.asarray(table.thresholds, dtype=np.int64)
            for lane in Lane:  # QKeras itself steps up exactly at each threshold
                below, at = qkeras.codes(thresholds - 1, lane), qkeras.codes(thresholds, lane)
                assert np.all(below < at), f"{what}: QKeras ({lane.value} lane) does not step up at every threshold"
            compared += codes.size
    assert compared >= MIN_VALUES


def test_a_wrong_threshold_or_first_code_fails_the_proof() -> None:
    activation, fmt = QuantizedActivation("tanh", 4, True), QFormat(16, 12)
    qkeras = QKerasActivation(activation, fmt)
    table = find_step_table(activation, fmt, qkeras)
    thresholds = list(table.thresholds)
    for j, shift in ((0, -1), (7, 1), (14, 1)):
        moved = thresholds[:j] + [thresholds[j] + shift] + thresholds[j + 1:]
        with pytest.raises(ActivationProofError, match=f"input code {min(thresholds[j], moved[j])} "):
            prove_step_table(StepTable(activation, fmt, table.first_code, tuple(moved)), qkeras)
    with pytest.raises(ActivationProofError, match=f"input code {fmt.min_code} .*table -7, QKeras packet lane -8"):
        prove_step_table(StepTable(activation, fmt, -7, table.thresholds[1:]), qkeras)


def test_the_lanes_are_what_a_keras_model_computes() -> None:
    """Measured on TF 2.21: at this code of a fine 53-bit input, Eigen's packet tanh rounds to output 5 and the
    scalar one (glibc) to 4. A QActivation's predict gives 5 inside SIMD packets and 4 at the tensor's tail, as
    the two lanes do; no function of the input can match both, so the finder refuses the format."""
    activation, fmt, code = QuantizedActivation("tanh", 4, True), wide_format(53, 49), 358307983952897
    qkeras = QKerasActivation(activation, fmt)
    assert qkeras.codes([code, -code]).tolist() == [5, -5]
    assert qkeras.codes([code, -code], Lane.SCALAR).tolist() == [4, -4]
    model = tf.keras.Sequential([tf.keras.Input((None, 1), dtype="float64"),
                                 QActivation(quantized_tanh(4, use_real_tanh=True))])
    outputs = model.predict(np.full((1, 17, 1), fmt.to_real(code)), verbose=0).reshape(-1)
    assert activation.output_format.from_real(outputs, "predict").tolist() == [5] * 16 + [4]
    with pytest.raises(ActivationProofError, match="the lanes disagree at 2 code.*depends on the value's position"):
        find_step_table(activation, fmt, qkeras)
    single = [qkeras.quantizer(tf.constant([fmt.to_real(c)], tf.float64)).numpy()[0] for c in (code, -code)]
    assert activation.output_format.from_real(single, "one value").tolist() == [4, -4]  # a tensor of one: scalar


def test_qkeras_internal_sigmoid_is_set_per_call_and_restored() -> None:
    """The activation's assumed mode is what QKeras uses, whatever the process had set, and the process's
    setting comes back afterwards."""
    fmt, codes = QFormat(8, 4), np.arange(-128, 128)
    hard = QuantizedActivation("sigmoid", 8)
    smooth = QuantizedActivation("sigmoid", 8, False, InternalSigmoid.SMOOTH)
    qkeras_quantizers.set_internal_sigmoid("smooth")
    try:
        assert_codes_equal(piecewise_linear_codes(hard, fmt, codes), QKerasActivation(hard, fmt).codes(codes),
                           what="hard sigmoid while QKeras is set to smooth", seed=None)
        assert qkeras_quantizers._sigmoid is qkeras_quantizers.smooth_sigmoid
    finally:
        qkeras_quantizers.set_internal_sigmoid("hard")
    assert_codes_equal(piecewise_linear_codes(smooth, fmt, codes), QKerasActivation(smooth, fmt).codes(codes),
                       what="smooth sigmoid", seed=None)
    assert qkeras_quantizers._sigmoid is qkeras_quantizers.hard_sigmoid


def test_activation_of_reads_qkeras_objects() -> None:
    assert activation_of(quantized_tanh(6, use_real_tanh=True), "hard") == QuantizedActivation("tanh", 6, True)
    assert activation_of(quantized_sigmoid(3), "smooth") == QuantizedActivation("sigmoid", 3, False, "smooth")
    with pytest.raises(UnsupportedActivationError, match=r"quantized_sigmoid\(8\): symmetric=True"):
        activation_of(quantized_sigmoid(8, symmetric=True), "hard")
    with pytest.raises(UnsupportedActivationError, match="use_stochastic_rounding=True"):
        activation_of(quantized_tanh(8, use_stochastic_rounding=True), "hard")
