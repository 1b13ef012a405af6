"""The dense kind end to end from a user's QKeras model: QDense layers, applied at every time step, between
QConv1D layers, built with the plain functional API in a float32 session, saved as .h5 and .keras, loaded,
exported and compared with QKeras float64 predict on every code of every layer (golden/kinds/dense.py).

The model: QConv1D(4, K=3, causal) -> relu -> QDense(6) -> relu -> QDense(2) full precision -> quantized_bits,
with unsigned-input dense weights in their own formats, so the per-tensor formats reach the new kind.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv1D, QDense, quantized_bits, quantized_relu

from golden.compare import assert_codes_equal
from golden.frontend.export import export_model_file, qkeras_layer_outputs
from golden.frontend.load import load_qkeras_model
from golden.manifest import load_manifest
from golden.network import StreamingNetwork, full_sequence, saturation_count
from golden.qformat import QFormat
from golden.tests_qkeras.user_models import float_session
from golden.waveshaping import random_input

CHANNELS, FIXED_LENGTH, SAMPLES = 3, 64, 2000
FMT = QFormat(12, 8)


def build_dense_model(rng: np.random.Generator) -> tf.keras.Model:
    """Functional API, float32 session, fixed-length input, off-grid float weights (as training leaves them)."""
    with float_session("float32"):
        inputs = tf.keras.Input((FIXED_LENGTH, CHANNELS))
        x = QConv1D(4, 3, padding="causal", kernel_quantizer=quantized_bits(12, 3, alpha=1),
                    bias_quantizer=quantized_bits(12, 3, alpha=1), name="conv_in")(inputs)
        x = QActivation(quantized_relu(11, 3), name="relu_in")(x)
        x = QDense(6, kernel_quantizer=quantized_bits(10, 1, alpha=1), bias_quantizer=quantized_bits(14, 5, alpha=1),
                   activation=quantized_relu(12, 4), name="dense_mid")(x)
        x = QDense(2, kernel_quantizer=quantized_bits(9, 2, alpha=1), bias_quantizer=quantized_bits(9, 2, alpha=1),
                   name="dense_out")(x)
        x = QActivation(quantized_bits(12, 3, alpha=1), name="out")(x)
        model = tf.keras.Model(inputs, x, name="dense_user_model")
        model.set_weights([rng.normal(0.0, 0.75, size=w.shape) for w in model.get_weights()])
    return model


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_dense_model_is_bit_exact(suffix: str, tmp_path: Path, rng: np.random.Generator, seed: int) -> None:
    path = tmp_path / f"dense{suffix}"
    model = build_dense_model(rng)
    with float_session("float32"):
        model.save(path)
    loaded = load_qkeras_model(path)
    manifest_path = tmp_path / "dense.yaml"
    export_model_file(path, manifest_path)
    manifest = load_manifest(manifest_path)
    assert [(layer.kind, layer.kernel_size, layer.in_channels, layer.out_channels) for layer in manifest.layers] == [
        ("conv1d", 3, 3, 4), ("dense", 1, 4, 6), ("dense", 1, 6, 2)]
    assert manifest.layers[2].output.full_precision is False  # closed by the `out` QActivation
    samples = random_input(SAMPLES, CHANNELS, manifest.input_format, seed)
    assert saturation_count(manifest, samples) > 0, "the full-range stimulus must reach the saturation corners"
    expected = qkeras_layer_outputs(loaded, samples, manifest)
    streamed = StreamingNetwork(manifest).run_layers(samples)
    whole = full_sequence(manifest, samples)
    for layer, want, got, plain in zip(manifest.layers, expected, streamed, whole):
        what = f"dense model {suffix} layer {layer.name} ({layer.kind})"
        assert_codes_equal(want, got, what=f"{what}: golden streaming vs QKeras float64", seed=seed,
                           width=layer.output_format.width)
        assert_codes_equal(want, plain.outputs, what=f"{what}: golden full sequence vs QKeras float64", seed=seed,
                           width=layer.output_format.width)
