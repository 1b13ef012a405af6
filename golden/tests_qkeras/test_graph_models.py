"""Gated and residual QKeras models end to end: written with the plain functional API (not our builders), in a
float32 session with a fixed-length input, saved as .h5 and .keras, loaded, exported to a graph manifest
(version 3) and compared with QKeras float64 predict on every code of every layer.

The models: a gated unit (two dilated convs, tanh and sigmoid, Multiply, quantized_bits), a residual Add of the
block's input and a 1x1 conv, skips summed by one Add over every block, and a ReLU-and-1x1 head; one variant has
the real tanh (a step table found from QKeras), one the hard forms. Plus the refusals the graph brings: a join of
sums wider than float64 keeps exact, and a tensor read both before and after its quantizer.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv1D, quantized_bits, quantized_relu

from golden.compare import assert_codes_equal
from golden.frontend.export import UnsupportedModelError, export_model_file, qkeras_layer_outputs
from golden.frontend.load import load_qkeras_model
from golden.manifest import load_manifest
from golden.network import StreamingNetwork, full_sequence, network_output
from golden.qformat import QFormat
from golden.tests_qkeras.user_models import float_session
from golden.waveshaping import random_input

CHANNELS, FIXED_LENGTH, SAMPLES = 3, 96, 1500


def _conv(filters: int, kernel: int, dilation: int, name: str) -> QConv1D:
    return QConv1D(filters, kernel, dilation_rate=dilation, padding="causal",
                   kernel_quantizer=quantized_bits(8, 0, alpha=1), bias_quantizer=quantized_bits(8, 0, alpha=1),
                   name=name)


def build_gated_model(rng: np.random.Generator, tanh: str, sigmoid: str, blocks: int = 2) -> tf.keras.Model:
    with float_session("float32"):
        inputs = tf.keras.Input((FIXED_LENGTH, CHANNELS))
        x = QActivation(quantized_bits(12, 2, alpha=1), name="front_q")(_conv(4, 1, 1, "front")(inputs))
        skips = []
        for i in range(blocks):
            f = QActivation(tanh, name=f"tanh{i}")(_conv(4, 2, 2 ** i, f"filter{i}")(x))
            g = QActivation(sigmoid, name=f"sigmoid{i}")(_conv(4, 2, 2 ** i, f"gate{i}")(x))
            z = QActivation(quantized_bits(10, 0, alpha=1), name=f"z{i}_q")(tf.keras.layers.Multiply(name=f"z{i}")([f, g]))
            skips.append(QActivation(quantized_bits(12, 2, alpha=1), name=f"skip{i}_q")(_conv(2, 1, 1, f"skip{i}")(z)))
            if i < blocks - 1:
                r = QActivation(quantized_bits(12, 2, alpha=1), name=f"res{i}_q")(_conv(4, 1, 1, f"res{i}")(z))
                x = QActivation(quantized_bits(12, 2, alpha=1), name=f"x{i + 1}_q")(
                    tf.keras.layers.Add(name=f"x{i + 1}")([x, r]))
        s = QActivation(quantized_relu(12, 3), name="skips_relu")(tf.keras.layers.Add(name="skips")(skips))
        y = _conv(2, 1, 1, "head")(s)  # no quantizer: the raw sum
        model = tf.keras.Model(inputs, y, name="gated_user_model")
        model.set_weights([rng.normal(0.0, 0.6, size=w.shape) for w in model.get_weights()])
    return model


FORMS = {
    "hard": ("quantized_tanh(8)", "quantized_sigmoid(8)"),
    "real": ("quantized_tanh(8,use_real_tanh=True)", "quantized_sigmoid(6,use_real_sigmoid=True)"),
    "relu_gate": ("quantized_bits(8,0,alpha=1)", "quantized_relu(8,0)"),
}


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
@pytest.mark.parametrize("form", list(FORMS))
def test_gated_residual_model_is_bit_exact(form: str, suffix: str, tmp_path: Path, rng: np.random.Generator,
                                           seed: int) -> None:
    if suffix == ".keras" and form != "real":
        pytest.skip("one form in .keras covers the format; the .h5 runs cover the forms")
    path = tmp_path / f"gated{suffix}"
    model = build_gated_model(rng, *FORMS[form])
    with float_session("float32"):
        model.save(path)
    loaded = load_qkeras_model(path)
    manifest_path = tmp_path / "gated.yaml"
    manifest = export_model_file(path, manifest_path, input_format=None)
    assert load_manifest(manifest_path).inputs == manifest.inputs and not manifest.is_chain
    kinds = {layer.kind for layer in manifest.layers}
    assert {"add", "multiply", "conv1d"} <= kinds, kinds
    samples = random_input(SAMPLES, CHANNELS, manifest.input_format, seed)
    expected = qkeras_layer_outputs(loaded, samples, manifest)
    streamed = StreamingNetwork(manifest).run_layers(samples)
    whole = full_sequence(manifest, samples)
    for layer, want, got, plain in zip(manifest.layers, expected, streamed, whole):
        what = f"{form} gated model {suffix} layer {layer.name} ({layer.kind})"
        assert_codes_equal(want, got, what=f"{what}: golden streaming vs QKeras float64", seed=seed,
                           width=layer.output_format.width)
        assert_codes_equal(want, plain.outputs, what=f"{what}: golden full sequence vs QKeras float64", seed=seed,
                           width=layer.output_format.width)
    assert np.array_equal(network_output(manifest, whole), StreamingNetwork(manifest).run(samples))
    assert len(np.unique(expected[-1])) > 10, "the stimulus must reach many output codes"


def test_graph_refusals_name_the_layer(tmp_path: Path) -> None:
    with float_session("float32"):
        inputs = tf.keras.Input((FIXED_LENGTH, CHANNELS))
        a = _conv(2, 1, 1, "a")(inputs)
        a_q = QActivation(quantized_bits(8, 0, alpha=1), name="a_q")(a)
        both = tf.keras.layers.Add(name="both")([a, a_q])  # a read before and after its quantizer
        tf.keras.Model(inputs, both).save(tmp_path / "unquantized.h5")
        wide = QConv1D(2, 1, kernel_quantizer=quantized_bits(16, 0, alpha=1),
                       bias_quantizer=quantized_bits(16, 0, alpha=1), name="wide")(inputs)
        squared = tf.keras.layers.Multiply(name="square")([wide, wide])  # 66 bits: past the models and float64
        tf.keras.Model(inputs, squared).save(tmp_path / "wide.h5")
    for name, fragments in (("unquantized", ["'a_q'", "read unquantized", "1 problem(s)"]),
                            ("wide", ["layer 'square' (Multiply)", "needs 66 bits", "1 problem(s)"])):
        with pytest.raises(UnsupportedModelError) as error:
            export_model_file(tmp_path / f"{name}.h5", tmp_path / f"{name}.yaml", input_format=QFormat(12, 8))
        text = str(error.value)
        assert all(fragment in text for fragment in fragments), text
        assert not (tmp_path / f"{name}.yaml").exists()
