"""The quantized_activation kind end to end from QKeras (golden/kinds/activation.py): a QActivation of
quantized_tanh or quantized_sigmoid exports to a layer of the kind, and golden equals QKeras float64 predict.

* A user's chain, QConv1D (no activation: a full-precision sum) -> QActivation(quantized_tanh(8)) -> QConv1D ->
  QActivation(quantized_sigmoid(4, use_real_sigmoid=True)), saved as .h5 and .keras, loaded and exported: four
  layers, the line and a table QKeras's own thresholds were found and proven for; every layer's codes equal to
  predict's.
* Every form the exporter reads (tanh and sigmoid, use_real false (hard) and true, 4 and 8 bits) on a 28-bit
  full-precision sum: an identity 1x1 QConv1D hands the activation the input codes themselves, every code of
  Q(16,12) plus each step point and the codes either side, >= 1e5 values per form through the manifest layer's
  step and sequence. (golden/tests_qkeras/test_activations_qkeras.py proves the models themselves on more
  formats and modes.)
* The QActivations the kind does not claim (quantized_relu, quantized_bits) still close the conv before them;
  a quantizer after a tanh, a symmetric tanh are refused naming the layer.
* The formal proof's two tables (sim/formal/quantized_activation) are QKeras's own.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv1D, quantized_bits, quantized_relu, quantized_sigmoid, quantized_tanh

from golden.activations import QuantizedActivation
from golden.compare import assert_codes_equal
from golden.errors import GoldenError
from golden.frontend.activation_thresholds import find_step_table
from golden.frontend.export import UnsupportedModelError, export_model_file, model_to_manifest, qkeras_layer_outputs
from golden.frontend.load import load_qkeras_model
from golden.kinds.activation import ACTIVATION, ActivationLayer, float64_step_table, monotone_step_table
from golden.kinds.base import Parallelism
from golden.manifest import load_manifest
from golden.network import StreamingNetwork, full_sequence
from golden.qformat import QFormat
from golden.tests_qkeras.user_models import float_session
from golden.waveshaping import random_input

FORMAL = Path(__file__).resolve().parents[2] / "sim" / "formal" / "quantized_activation"
FORMS = [("tanh", False), ("tanh", True), ("sigmoid", False), ("sigmoid", True)]
INPUT = QFormat(16, 12)  # every code: +-8, where every form has saturated
MIN_VALUES = 100_000


def chain_model(rng: np.random.Generator) -> tf.keras.Model:
    """The user's chain, built in a float32 session with off-grid weights (as training leaves them)."""
    with float_session("float32"):
        inputs = tf.keras.Input((None, 2))
        x = QConv1D(3, 2, padding="causal", dilation_rate=2, kernel_quantizer=quantized_bits(8, 1, alpha=1),
                    bias_quantizer=quantized_bits(8, 1, alpha=1), name="conv_a")(inputs)
        x = QActivation(quantized_tanh(8), name="tanh_a")(x)
        x = QConv1D(2, 1, kernel_quantizer=quantized_bits(8, 1, alpha=1), bias_quantizer=quantized_bits(8, 1, alpha=1),
                    name="conv_b")(x)
        x = QActivation(quantized_sigmoid(4, use_real_sigmoid=True), name="sigmoid_b")(x)
        model = tf.keras.Model(inputs, x, name="activation_chain")
        model.set_weights([rng.normal(0.0, 0.6, size=w.shape) for w in model.get_weights()])
    return model


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_a_chain_exports_to_the_kind_and_is_bit_exact(suffix: str, tmp_path: Path, rng: np.random.Generator,
                                                      seed: int) -> None:
    path = tmp_path / f"chain{suffix}"
    model = chain_model(rng)
    with float_session("float32"):
        model.save(path)
    export_model_file(path, tmp_path / "chain.yaml")
    manifest = load_manifest(tmp_path / "chain.yaml")
    assert [(layer.kind, layer.in_channels, layer.out_channels) for layer in manifest.layers] == [
        ("conv1d", 2, 3), ("quantized_activation", 3, 3), ("conv1d", 3, 2), ("quantized_activation", 2, 2)]
    conv_a, tanh, _, sigmoid = manifest.layers
    assert conv_a.output.full_precision and tanh.input_format == conv_a.output_format
    assert tanh.table is None and str(tanh.output_format) == "Q(8,7)"  # the hard form: the line
    assert sigmoid.table is not None and str(sigmoid.output_format) == "UQ(4,4)"
    assert sigmoid.table == find_step_table(sigmoid.activation, sigmoid.input_format)
    notes = manifest.source["quantizers"]
    assert notes["tanh_a"]["internal_sigmoid"].startswith("hard (assumed") and notes["tanh_a"]["output"] == []
    samples = random_input(3000, 2, manifest.input_format, seed)
    expected = qkeras_layer_outputs(load_qkeras_model(path), samples, manifest)
    streamed = StreamingNetwork(manifest).run_layers(samples)
    for layer, want, got, whole in zip(manifest.layers, expected, streamed, full_sequence(manifest, samples)):
        what = f"chain {suffix} layer {layer.name} ({layer.kind})"
        assert_codes_equal(want, got, what=f"{what}: golden streaming vs QKeras float64", seed=seed,
                           width=layer.output_format.width)
        assert_codes_equal(want, whole.outputs, what=f"{what}: golden full sequence vs QKeras float64", seed=seed,
                           width=layer.output_format.width)
    assert len(np.unique(expected[1])) > 100 and len(np.unique(expected[3])) >= 8  # much of each range reached


def identity_model(quantizer: object) -> tf.keras.Model:
    """Input -> a 1x1 QConv1D of weight 1 (Q(12,0): code 1), no bias -> QActivation(quantizer): the activation
    sees the input codes themselves, as a 28-bit full-precision sum."""
    inputs = tf.keras.Input((None, 1))
    x = QConv1D(1, 1, use_bias=False, kernel_quantizer=quantized_bits(12, 11, alpha=1), name="identity")(inputs)
    x = QActivation(quantizer, name="act")(x)
    model = tf.keras.Model(inputs, x)
    model.set_weights([np.ones((1, 1, 1))])
    return model


def step_points(layer: ActivationLayer) -> np.ndarray:
    table = layer.table or monotone_step_table(
        layer.activation, layer.input_fmt,
        lambda codes: ACTIVATION.step(dataclasses.replace(layer, channels=codes.size), codes[np.newaxis]))
    return np.asarray(table.thresholds, dtype=np.int64)


@pytest.mark.parametrize("bits", [4, 8])
@pytest.mark.parametrize(("function", "use_real"), FORMS, ids=[f"{f}-{'real' if r else 'hard'}" for f, r in FORMS])
def test_golden_equals_qkeras_through_the_kind(function: str, use_real: bool, bits: int,
                                               rng: np.random.Generator, seed: int) -> None:
    quantizer = quantized_tanh(bits, use_real_tanh=use_real) if function == "tanh" else \
        quantized_sigmoid(bits, use_real_sigmoid=use_real)
    model = identity_model(quantizer)
    manifest = model_to_manifest(model, "identity", input_format=INPUT)
    layer = manifest.layers[1]
    assert layer.kind == "quantized_activation" and layer.input_format.width == 28
    assert (layer.table is not None) == use_real
    every = np.arange(INPUT.min_code, INPUT.max_code + 1, dtype=np.int64)
    near = np.clip((step_points(layer)[:, None] + np.arange(-1, 2)).reshape(-1), INPUT.min_code, INPUT.max_code)
    extra = rng.integers(-2 << 12, 2 << 12, max(0, MIN_VALUES - every.size - near.size))  # more around 0
    codes = np.concatenate([every, near, extra])[:, np.newaxis]
    assert codes.size >= MIN_VALUES
    qkeras = qkeras_layer_outputs(model, codes, manifest)[1][:, 0]
    what = f"{layer.activation} on {layer.input_format}"
    whole = full_sequence(manifest, codes)[1].outputs[:, 0]
    assert_codes_equal(qkeras, whole, what=f"{what}: QKeras float64 vs golden sequence", seed=seed, width=bits,
                       inputs=codes[:, 0])
    rows = codes[:, 0][: codes.size // 1000 * 1000].reshape(-1, 1000)
    wide = dataclasses.replace(layer, channels=1000)
    stepped = np.concatenate([ACTIVATION.step(wide, row[np.newaxis]) for row in rows])
    assert_codes_equal(qkeras[: stepped.size], stepped, what=f"{what}: QKeras float64 vs golden step", seed=seed,
                       width=bits, inputs=codes[: stepped.size, 0])
    assert len(np.unique(qkeras)) == 1 << bits  # every output code


def test_other_qactivations_still_close_the_conv(rng: np.random.Generator) -> None:
    """quantized_relu and quantized_bits QActivations are the conv's output stage, as before the kind."""
    relu, bits = QActivation(quantized_relu(8, 2), name="relu"), QActivation(quantized_bits(9, 2, alpha=1), name="q")
    assert not ACTIVATION.claims(relu) and not ACTIVATION.claims(bits)
    assert ACTIVATION.claims(QActivation("quantized_tanh(6)")) and ACTIVATION.claims(QActivation(quantized_sigmoid(3)))
    inputs = tf.keras.Input((None, 2))
    x = QConv1D(2, 2, padding="causal", kernel_quantizer=quantized_bits(8, 1, alpha=1),
                bias_quantizer=quantized_bits(8, 1, alpha=1), name="conv")(inputs)
    x = QActivation(quantized_tanh(6), name="tanh")(bits(relu(x)))
    model = tf.keras.Model(inputs, x)
    manifest = model_to_manifest(model, "closed")
    assert [layer.kind for layer in manifest.layers] == ["conv1d", "quantized_activation"]
    assert manifest.layers[0].relu and manifest.layers[1].input_format == manifest.layers[0].output_format


@pytest.mark.parametrize(("after", "fragments"), [
    (lambda x: QActivation(quantized_bits(8, 2, alpha=1), name="q")(QActivation(quantized_tanh(8), name="t")(x)),
     ["'t'", "a quantizer after quantized_tanh(8, use_real_tanh=False)", "not supported"]),
    (lambda x: QActivation(quantized_tanh(8, symmetric=True), name="t")(x),
     ["'t'", "symmetric=True"]),
])
def test_refusals_name_the_layer(after, fragments: list[str]) -> None:
    inputs = tf.keras.Input((None, 2))
    x = QConv1D(2, 2, padding="causal", kernel_quantizer=quantized_bits(8, 1, alpha=1),
                bias_quantizer=quantized_bits(8, 1, alpha=1), name="conv")(inputs)
    with pytest.raises(UnsupportedModelError) as error:
        model_to_manifest(tf.keras.Model(inputs, after(x)), "refused", origin="refused.h5")
    for fragment in fragments:
        assert fragment in str(error.value)


def test_an_activation_first_needs_the_input_format() -> None:
    inputs = tf.keras.Input((None, 2))
    x = QActivation(quantized_sigmoid(6), name="first")(inputs)
    x = QConv1D(1, 1, kernel_quantizer=quantized_bits(8, 1, alpha=1), bias_quantizer=quantized_bits(8, 1, alpha=1),
                name="conv")(x)
    model = tf.keras.Model(inputs, x)
    with pytest.raises(GoldenError, match="layer 'first'"):  # no input format to suggest: declare it
        model_to_manifest(model, "first")
    manifest = model_to_manifest(model, "first", input_format=QFormat(10, 6))
    assert [layer.kind for layer in manifest.layers] == ["quantized_activation", "conv1d"]
    assert str(manifest.layers[1].input_format) == "UQ(6,6)"


@pytest.mark.parametrize(("name", "function", "fmt"), [("fv_tanh4_q5_2", "tanh", QFormat(5, 2)),
                                                       ("fv_sigmoid4_q5_3", "sigmoid", QFormat(5, 3))])
def test_the_formal_tables_are_qkeras_own(name: str, function: str, fmt: QFormat) -> None:
    activation = QuantizedActivation(function, 4, True)
    table = find_step_table(activation, fmt)
    assert float64_step_table(activation, fmt) == table
    layer = ActivationLayer("fv", activation, 2, fmt, table).validate("fv")
    words, _ = ACTIVATION.rom_files(layer, Parallelism(2, 1))["thresholds"]
    assert [int(line, 16) for line in (FORMAL / f"{name}.hex").read_text().split()] == words
