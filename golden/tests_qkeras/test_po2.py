"""po2 layers: golden == QKeras float64 predict, bit-exact, every layer, for the committed float32-trained po2
models and for held-out po2 models built here the way a user builds them (float32 session, saved, loaded).

QKeras 0.9.0's quantized_po2 does not run in a float64 graph; golden.frontend.load runs it in float32 and
casts the (exact) power of two back, and the exporter takes the exponents from the same float32 output with
frexp. A model whose sums QKeras itself cannot keep exact in float64 is refused, naming the layer and the bits.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv1D, quantized_bits, quantized_po2, quantized_relu

from golden.compare import assert_codes_equal
from golden.frontend.export import UnsupportedModelError, export_model_file, qkeras_layer_outputs
from golden.frontend.load import load_qkeras_model
from golden.manifest import NetworkManifest, load_manifest
from golden.network import StreamingNetwork, full_sequence, saturation_count
from golden.qformat import QFormat
from golden.tests_qkeras.conftest import REPO
from golden.tests_qkeras.user_models import float_session
from golden.waveshaping import network_input, random_input

SAMPLES = 2000


def _prove(model, manifest: NetworkManifest, seed: int, what: str) -> None:
    """Streaming and full-sequence golden against QKeras float64 predict, every layer, random and a waveform."""
    stimuli = {
        "random": random_input(SAMPLES, manifest.input_channels, manifest.input_format, seed),
        "sine": network_input("sine", SAMPLES, manifest.input_channels, manifest.input_format, seed),
    }
    for name, samples in stimuli.items():
        expected = qkeras_layer_outputs(model, samples, manifest)
        streamed = StreamingNetwork(manifest).run_layers(samples)
        plain = full_sequence(manifest, samples)
        for layer, want, got, whole in zip(manifest.layers, expected, streamed, plain):
            label = f"{what} {name} x{SAMPLES} layer {layer.name} ({layer.kind})"
            width = layer.output_format.width
            assert_codes_equal(want, got, what=f"{label}: golden streaming vs QKeras float64", seed=seed, width=width)
            assert_codes_equal(want, whole.outputs, what=f"{label}: golden full sequence vs QKeras", seed=seed,
                               width=width)


@pytest.mark.parametrize("name", ["seed_po2", "fpga_po2"])
def test_committed_po2_model_bit_exact(name: str, tmp_path: Path, seed: int) -> None:
    """fpga_po2's first layer is po2: its input format (fpga's Q(16,12)) is declared, as its manifest's was."""
    path = REPO / "golden" / "models" / f"{name}.h5"
    export_model_file(path, tmp_path / f"{name}.yaml", input_format=QFormat(16, 12) if name == "fpga_po2" else None)
    manifest = load_manifest(tmp_path / f"{name}.yaml")  # through the file: wide intermediate formats included
    kinds = [layer.kind for layer in manifest.layers]
    assert "po2" in kinds
    if name == "seed_po2":  # the seeds' raw intermediate between the 1x1 po2 convolutions stays exact
        assert kinds == ["conv1d", "conv1d", "po2", "po2", "po2", "po2", "conv1d"]
        assert manifest.layers[2].output.full_precision and manifest.layers[2].output_format.width > 24
    _prove(load_qkeras_model(path), manifest, seed, name)


def _user_po2_model(kernel: object, rng: np.random.Generator, zero: bool) -> tf.keras.Model:
    """4 -> (K=3 po2, relu) -> (1x1 po2, raw sum) -> (1x1 po2) -> quantized_bits out, built in float32."""
    bits = quantized_bits(16, 4, alpha=1)
    with float_session("float32"):
        inputs = tf.keras.Input((None, 4))
        x = QConv1D(6, 3, padding="causal", dilation_rate=2, kernel_quantizer=kernel, bias_quantizer=bits,
                    name="po2_a")(inputs)
        x = QActivation(quantized_relu(16, 4), name="relu_a")(x)
        x = QConv1D(5, 1, kernel_quantizer=kernel, bias_quantizer=bits, name="po2_b")(x)  # no activation: raw sum on
        x = QConv1D(3, 1, kernel_quantizer=kernel, bias_quantizer=bits, activation=bits, name="po2_c")(x)
        model = tf.keras.Model(inputs, x, name="user_po2")
        weights = []
        for index, w in enumerate(model.get_weights()):
            values = rng.normal(0.0, 0.6, size=w.shape)
            values = np.where(np.abs(values) < 1e-3, 0.5, values)  # no accidental tiny weights ...
            if zero and index == 0:
                values.reshape(-1)[0] = 0.0  # ... but one exact zero in po2_a: QKeras makes it +2^EMIN
            if w.ndim == 3:
                values.reshape(-1)[1] = 3.0  # 4 without max_value, clipped to 1 with max_value=1
            weights.append(values.astype(np.float32))
        model.set_weights(weights)
    return model


@pytest.mark.parametrize("kernel,label", [(quantized_po2(5, 1), "po2_5_1"), (quantized_po2(8), "po2_8"),
                                          (quantized_po2(16, max_value=1), "po2_16_1")])
def test_held_out_po2_model_bit_exact(kernel: object, label: str, tmp_path: Path, rng: np.random.Generator,
                                      seed: int) -> None:
    model = _user_po2_model(kernel, rng, zero=label == "po2_5_1")
    path = tmp_path / f"{label}.h5"
    with float_session("float32"):
        model.save(path)
    manifest = export_model_file(path, tmp_path / f"{label}.yaml", input_format=QFormat(16, 11))
    assert [layer.kind for layer in manifest.layers] == ["po2", "po2", "po2"]
    if label == "po2_5_1":  # the zero weight became +2^EMIN (EMIN = -16), not 0
        assert manifest.layers[0].exp_min == -16 and manifest.layers[0].sign.reshape(-1)[0] == 1
    if label == "po2_8":  # no max_value: exponents above zero are reachable
        assert max(layer.exp_max for layer in manifest.layers) > 0
    assert saturation_count(manifest, random_input(SAMPLES, 4, manifest.input_format, seed)) > 0
    _prove(load_qkeras_model(path), manifest, seed, label)


def test_sums_wider_than_float64_are_refused(tmp_path: Path) -> None:
    """po2(16,1) weights from 2^-23 to 1 on both layers of a raw 1x1 pair: QKeras float64 could not be exact."""
    kernel, bits = quantized_po2(16, max_value=1), quantized_bits(16, 4, alpha=1)
    with float_session("float32"):
        inputs = tf.keras.Input((None, 2))
        x = QConv1D(3, 1, kernel_quantizer=kernel, bias_quantizer=bits, name="wide_a")(inputs)
        x = QConv1D(2, 1, kernel_quantizer=kernel, bias_quantizer=bits, name="wide_b")(x)
        model = tf.keras.Model(inputs, x)
        model.set_weights([np.full(w.shape, 2.0**-23, dtype=np.float32) if w.ndim == 3 and i % 2 == 0 else
                           np.ones(w.shape, dtype=np.float32) * (1.0 if w.ndim == 3 else 0.0)
                           for i, w in enumerate(model.get_weights())])
        weights = model.get_weights()
        for w in weights:
            if w.ndim == 3:
                w.reshape(-1)[0] = 1.0  # exponents 0 and -23 in each layer
        model.set_weights(weights)
        model.save(tmp_path / "wide.h5")
    with pytest.raises(UnsupportedModelError) as error:
        export_model_file(tmp_path / "wide.h5", tmp_path / "wide.yaml", input_format=QFormat(16, 11))
    message = str(error.value)
    assert "layer 'wide_b'" in message and "-bit accumulator" in message, message
    assert not (tmp_path / "wide.yaml").exists()


def _po2_first_layer(path: Path, use_bias: bool) -> Path:
    """A po2 first layer (with or without a bias) into a quantized_bits layer, saved from a float32 session."""
    bits = quantized_bits(12, 3, alpha=1)
    with float_session("float32"):
        inputs = tf.keras.Input((None, 3))
        x = QConv1D(4, 2, padding="causal", kernel_quantizer=quantized_po2(8, max_value=1), use_bias=use_bias,
                    bias_quantizer=bits, activation=bits, name="po2_first")(inputs)
        x = QConv1D(2, 1, kernel_quantizer=bits, bias_quantizer=bits, activation=bits, name="bits_next")(x)
        model = tf.keras.Model(inputs, x)
        model.set_weights([np.full(w.shape, 0.25, dtype=np.float32) for w in model.get_weights()])
        model.save(path)
    return path


@pytest.mark.parametrize("use_bias", [False, True], ids=["no_bias", "bias"])
def test_po2_first_layer_input_format_is_declared_never_taken_from_a_bias(use_bias: bool, tmp_path: Path,
                                                                           seed: int) -> None:
    """A po2 kernel suggests no input format, and a bias format (Q(2,0) for the zeros of a missing bias) is no
    input format: the export refuses, naming the layer and how to declare it, and writes nothing; declared,
    the network input is the declared format, and bit-exact."""
    path = _po2_first_layer(tmp_path / "po2_first.h5", use_bias)
    with pytest.raises(UnsupportedModelError) as error:
        export_model_file(path, tmp_path / "po2_first.yaml")
    message = str(error.value)
    assert "layer 'po2_first' (QConv1D)" in message and "does not define the network input's format" in message
    assert "--input-format" in message and "INPUT_FORMAT=" in message, message
    assert not (tmp_path / "po2_first.yaml").exists()
    manifest = export_model_file(path, tmp_path / "po2_first.yaml", input_format=QFormat(12, 8))
    assert manifest.input_format == QFormat(12, 8) and manifest.layers[0].input_format == QFormat(12, 8)
    _prove(load_qkeras_model(path), manifest, seed, "po2_first")


def test_exact_zero_weight_outside_the_exponents_is_named_a_zero_weight(tmp_path: Path) -> None:
    """quantized_po2(8) has no zero: QKeras makes 0.0 its smallest power 2^-64, outside [-48, 48]. The refusal
    says it is a 0.0 weight and where, not only that 2^-64 is out of range."""
    with float_session("float32"):
        inputs = tf.keras.Input((None, 2))
        bits = quantized_bits(12, 3, alpha=1)
        x = QConv1D(3, 2, padding="causal", kernel_quantizer=quantized_po2(8), bias_quantizer=bits, activation=bits,
                    name="po2_zero")(inputs)
        model = tf.keras.Model(inputs, x)
        kernel, bias = model.get_weights()
        kernel[:] = 0.5
        kernel[1, 0, 2] = kernel[1, 1, 0] = 0.0
        model.set_weights([kernel, bias])
        model.save(tmp_path / "zero.h5")
    with pytest.raises(UnsupportedModelError) as error:
        export_model_file(tmp_path / "zero.h5", tmp_path / "zero.yaml", input_format=QFormat(12, 8))
    message = str(error.value)
    assert "layer 'po2_zero' kernel: the weight at index (1, 0, 2) is 0.0 (2 such zero weight(s))" in message, message
    assert "2^-64" in message and "[-48, 48]" in message
    assert not (tmp_path / "zero.yaml").exists()
