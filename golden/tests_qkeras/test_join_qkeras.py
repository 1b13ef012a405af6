"""golden == QKeras float64 on >= 1e5 values per join kind (add, multiply): Keras's Add and Multiply of tensors in
their own formats, then a quantizer (quantized_bits with rne, quantized_relu with its float32 cast) or none (the
exact result), on full-range random codes. Built with the plain functional API in a float32 session, saved and
loaded as a user would."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv1D, quantized_bits, quantized_relu

from golden.compare import assert_codes_equal
from golden.frontend.export import export_model_file, qkeras_layer_outputs
from golden.frontend.load import load_qkeras_model
from golden.manifest import INPUT_TENSOR
from golden.network import full_sequence
from golden.qformat import QFormat
from golden.tests_qkeras.user_models import float_session
from golden.waveshaping import random_input

CHANNELS, STEPS = 8, 12_800  # 102,400 values per join layer


def _conv(name: str, kernel: str, bias: str) -> QConv1D:
    return QConv1D(CHANNELS, 1, kernel_quantizer=kernel, bias_quantizer=bias, name=name)


def build_join_model(rng: np.random.Generator) -> tf.keras.Model:
    """Three tensors of different formats from 1x1 convs, their Multiply (quantized_bits), the Add of all three
    (quantized_relu on the raw sum), and the Add of the two results (no quantizer: the exact sum)."""
    with float_session("float32"):
        inputs = tf.keras.Input((None, CHANNELS))
        a = QActivation(quantized_bits(10, 2, alpha=1), name="a_q")(
            _conv("a", quantized_bits(8, 1, alpha=1), quantized_bits(8, 1, alpha=1))(inputs))
        b = QActivation(quantized_relu(9, 1), name="b_q")(
            _conv("b", quantized_bits(8, 0, alpha=1), quantized_bits(8, 0, alpha=1))(inputs))
        c = QActivation(quantized_bits(14, 5, alpha=1), name="c_q")(
            _conv("c", quantized_bits(8, 2, alpha=1), quantized_bits(8, 2, alpha=1))(inputs))
        product = QActivation(quantized_bits(12, 1, alpha=1), name="product_q")(
            tf.keras.layers.Multiply(name="product")([a, b]))
        total = QActivation(quantized_relu(12, 4), name="total_q")(tf.keras.layers.Add(name="total")([a, b, c]))
        y = tf.keras.layers.Add(name="exact")([product, total])
        model = tf.keras.Model(inputs, y, name="join_model")
        model.set_weights([rng.normal(0.0, 1.0, size=w.shape) for w in model.get_weights()])
    return model


def test_joins_equal_qkeras_on_1e5_values(tmp_path: Path, rng: np.random.Generator, seed: int) -> None:
    path = tmp_path / "joins.h5"
    with float_session("float32"):
        build_join_model(rng).save(path)
    loaded = load_qkeras_model(path)
    manifest = export_model_file(path, tmp_path / "joins.yaml", input_format=QFormat(12, 8))
    assert manifest.inputs[-1] == ("product", "total") and manifest.inputs[0] == (INPUT_TENSOR,)
    samples = random_input(STEPS, CHANNELS, manifest.input_format, seed)
    expected = qkeras_layer_outputs(loaded, samples, manifest)
    whole = full_sequence(manifest, samples)
    counted = {"add": 0, "multiply": 0}
    for layer, want, got in zip(manifest.layers, expected, whole):
        assert_codes_equal(want, got.outputs, what=f"join model layer {layer.name} ({layer.kind}) vs QKeras float64",
                           seed=seed, width=layer.output_format.width)
        if layer.kind in counted:
            counted[layer.kind] += want.size
            assert len(np.unique(want)) > 50, f"{layer.name}: the stimulus must reach many codes"
    assert counted["multiply"] >= 100_000 and counted["add"] >= 200_000, counted
    relu_add = next(layer for layer in manifest.layers if layer.name == "total")
    assert relu_add.output.float32_input, "quantized_relu on a raw sum casts it to float32 first"
