"""Per-tensor formats from real QKeras models: golden network == QKeras float64 predict, every code, every layer.

Models are built here the way users write them (string quantizers, per-layer
formats, quantized_relu on the raw sum, no output quantizer) with random
weights that QKeras's own quantizers put on their grids; the exported manifest
must reproduce QKeras exactly, including the float32 cast that quantized_relu
applies to a raw sum (golden.layer_format.OutputStage.float32_input).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv1D, QDense

from golden.compare import assert_codes_equal
from golden.frontend.export import export_model_file, load_qkeras_model, model_to_manifest, qkeras_layer_outputs
from golden.manifest import load_manifest
from golden.network import StreamingNetwork, full_sequence
from golden.qformat import QFormat
from golden.rtlgen.structure import plan_structure
from golden.waveshaping import random_input

SAMPLES = 3000


def seed_builder(input_length: int | None = None, channels: tuple[int, ...] = (16, 16, 4)) -> tf.keras.Model:
    """The seeds' layer list and quantizers: Q(16,11) kernels and biases (quantized_bits(16,4) counts the sign
    apart), relu(16,4) on the raw sums, and a last QConv1D with no output quantizer."""
    bits = "quantized_bits(bits=16, integer=4, alpha=1)"
    inputs = tf.keras.Input((input_length, 4))
    x = inputs
    for index, (filters, dilation) in enumerate(zip(channels, (1, 4, 16))):
        x = QConv1D(filters, 4, dilation_rate=dilation, padding="causal", kernel_quantizer=bits, bias_quantizer=bits,
                    name=f"qconv_{index}")(x)
        if index < len(channels) - 1:
            x = QActivation("quantized_relu(16,4)", name=f"qrelu_{index}")(x)
    return tf.keras.Model(inputs, x)


def mixed_builder() -> tf.keras.Model:
    """12/8/16-bit kernels, relu(12,3) on a raw sum, relu(10,2) after a quantized_bits, a linear output."""
    inputs = tf.keras.Input((None, 3))
    x = QConv1D(6, 3, padding="causal", kernel_quantizer="quantized_bits(12,3,alpha=1)",
                bias_quantizer="quantized_bits(12,3,alpha=1)", name="c12")(inputs)
    x = QActivation("quantized_relu(12,3)", name="relu12")(x)
    x = QConv1D(5, 2, dilation_rate=3, padding="causal", kernel_quantizer="quantized_bits(8,1,alpha=1)",
                bias_quantizer="quantized_bits(10,1,alpha=1)", activation="quantized_bits(10,1,alpha=1)", name="c8")(x)
    x = QActivation("quantized_relu(10,2)", name="relu10")(x)
    x = QConv1D(2, 3, dilation_rate=5, padding="causal", kernel_quantizer="quantized_bits(16,3,alpha=1)",
                bias_quantizer="quantized_bits(16,3,alpha=1)", name="c16")(x)
    x = QActivation("quantized_bits(16,3,alpha=1)", name="out16")(x)
    return tf.keras.Model(inputs, x)


def unsigned_builder() -> tf.keras.Model:
    """quantized_bits(keep_negative=0) as an output quantizer, and a bias coarser than the product."""
    inputs = tf.keras.Input((None, 2))
    x = QConv1D(3, 2, padding="causal", kernel_quantizer="quantized_bits(10,2,alpha=1)",
                bias_quantizer="quantized_bits(6,3,alpha=1)",
                activation="quantized_bits(12,4,keep_negative=0,alpha=1)", name="cu")(inputs)
    x = QConv1D(2, 1, padding="causal", kernel_quantizer="quantized_bits(6,0,alpha=1)",
                bias_quantizer="quantized_bits(14,1,alpha=1)", activation="quantized_bits(20,5,alpha=1)", name="cw")(x)
    return tf.keras.Model(inputs, x)


def randomise(model: tf.keras.Model, rng: np.random.Generator, scale: float) -> None:
    """Random float weights; export quantizes them with each layer's own quantizer, as QKeras predict does."""
    model.set_weights([rng.normal(0.0, scale, size=w.shape) for w in model.get_weights()])


BUILDERS = {"seed": (seed_builder, 0.3), "mixed": (mixed_builder, 0.4), "unsigned": (unsigned_builder, 0.5)}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_per_tensor_formats_bit_exact(name: str, rng: np.random.Generator, seed: int) -> None:
    build, scale = BUILDERS[name]
    model = build()
    randomise(model, rng, scale)
    manifest = model_to_manifest(model, name)
    expected_layers = qkeras_layer_outputs(model, random_input(SAMPLES, manifest.input_channels,
                                                               manifest.input_format, seed), manifest)
    samples = random_input(SAMPLES, manifest.input_channels, manifest.input_format, seed)
    streamed = StreamingNetwork(manifest).run_layers(samples)
    plain = full_sequence(manifest, samples)
    for layer, want, got, full in zip(manifest.layers, expected_layers, streamed, plain):
        what = f"{name} layer {layer.name} ({layer.output_format})"
        assert_codes_equal(want, got, what=f"{what}: golden streaming vs QKeras float64", seed=seed,
                           width=layer.output_format.width)
        assert_codes_equal(full.outputs, got, what=f"{what}: streaming vs full sequence", seed=seed,
                           width=layer.output_format.width)


def test_seed_model_formats() -> None:
    """What the seeds' quantizers really are, as the manifest records them."""
    manifest = model_to_manifest(seed_builder(640), "seed")
    assert str(manifest.input_format) == "Q(16,11)"
    described = [(str(l.operands.kernel), str(l.operands.bias), str(l.output_format), l.output.float32_input,
                  l.output.full_precision) for l in manifest.layers]
    assert described == [
        ("Q(16,11)", "Q(16,11)", "UQ(16,12)", True, False),
        ("Q(16,11)", "Q(16,11)", "UQ(16,12)", True, False),
        ("Q(16,11)", "Q(16,11)", "Q(39,23)", False, True),
    ]


def test_float32_cast_is_what_qkeras_does(rng: np.random.Generator, seed: int) -> None:
    """Without the float32 rounding step the seeds' ReLU layers would disagree with QKeras somewhere: the
    step is not decoration. Sums near [8,16) with their low bits just below a tie are where it shows."""
    model = seed_builder()
    randomise(model, rng, 0.6)
    manifest = model_to_manifest(model, "seed")
    samples = random_input(SAMPLES, 4, manifest.input_format, seed)
    expected = qkeras_layer_outputs(model, samples, manifest)[0]
    layer = manifest.layers[0]
    exact = full_sequence(manifest, samples)[0]
    assert np.array_equal(exact.outputs, expected)
    import dataclasses

    no_cast = dataclasses.replace(layer, output=dataclasses.replace(layer.output, float32_input=False))
    from golden import fast

    without = fast.requantise_to(exact.accumulators, layer.operands.acc_frac, no_cast.output)
    differing = int(np.count_nonzero(without != expected))
    print(f"\nseed layer 0: {differing} of {expected.size} outputs would differ without the float32 cast")
    assert differing > 0


def wide_sum_builder() -> tf.keras.Model:
    """Full-precision sums wider than 24 bits (no output quantizer) feeding a QConv1D and a QDense."""
    inputs = tf.keras.Input((None, 3))
    x = QConv1D(4, 3, padding="causal", kernel_quantizer="quantized_bits(16,3,alpha=1)",
                bias_quantizer="quantized_bits(16,3,alpha=1)", name="raw_conv")(inputs)
    x = QConv1D(3, 2, dilation_rate=2, padding="causal", kernel_quantizer="quantized_bits(6,1,alpha=1)",
                bias_quantizer="quantized_bits(8,1,alpha=1)", name="raw_conv_2")(x)
    x = QDense(2, kernel_quantizer="quantized_bits(4,1,alpha=1)", bias_quantizer="quantized_bits(8,1,alpha=1)",
               activation="quantized_bits(16,5,alpha=1)", name="dense_out")(x)
    return tf.keras.Model(inputs, x)


def test_wide_sum_into_conv_and_dense_reaches_the_generator(tmp_path: Path, rng: np.random.Generator,
                                                            seed: int) -> None:
    """A raw sum of more than 24 bits feeding conv1d and dense layers: the written manifest loads again (formats
    .input is the previous layer's wide sum format, as for po2), the generator plans and renders it in both
    structures, and the manifest read back from the file is still bit-exact against QKeras."""
    model = wide_sum_builder()
    randomise(model, rng, 0.5)
    model.save(tmp_path / "wide.h5")
    export_model_file(tmp_path / "wide.h5", tmp_path / "wide.yaml")
    manifest = load_manifest(tmp_path / "wide.yaml")
    widths = [layer.input_format.width for layer in manifest.layers]
    assert [layer.kind for layer in manifest.layers] == ["conv1d", "conv1d", "dense"]
    assert widths[1] > 24 and widths[2] > 24, widths
    for structure in ("per-layer", "shared"):
        rendering = plan_structure(manifest, 64, structure=structure).render(tmp_path / structure)
        assert f"wavenet_{manifest.name}" in rendering.top_text and rendering.hex_files
    samples = random_input(SAMPLES, manifest.input_channels, manifest.input_format, seed)
    expected = qkeras_layer_outputs(load_qkeras_model(tmp_path / "wide.h5"), samples, manifest)
    for layer, want, got in zip(manifest.layers, expected, StreamingNetwork(manifest).run_layers(samples)):
        assert_codes_equal(want, got, what=f"wide layer {layer.name} ({layer.output_format})", seed=seed,
                           width=layer.output_format.width)
