"""Small QKeras models for the export tests: supported ones with random weights, and one per unsupported feature."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf
from qkeras import QActivation, QConv1D, quantized_bits, quantized_po2, quantized_relu

from golden.qformat import QFormat
from golden.frontend.qkeras_model import ModelConfig, build_model, dilated_stack

Q412 = "quantized_bits(16,3,alpha=1)"
RELU412 = "quantized_relu(15,3)"

# A hand-built shape unlike the seeds': 2 inputs, K=3 with dilations 1, 3, 9, a 1x1, Q(12,8).
HAND_BUILT = dilated_stack("hand", 2, [6, 5, 3], kernel_size=3, dilations=[1, 3, 9], output_channels=3, fmt=QFormat(12, 8))


def random_quantized_weights(model: tf.keras.Model, fmt: QFormat, rng: np.random.Generator, spread: int) -> None:
    """Random on-grid weights with magnitudes up to `spread` codes (the grid makes export exact)."""
    weights = [rng.integers(-spread, spread, size=w.shape, endpoint=True) / fmt.scale for w in model.get_weights()]
    model.set_weights(weights)


def built(config: ModelConfig, rng: np.random.Generator, spread: int) -> tf.keras.Model:
    model = build_model(config)
    random_quantized_weights(model, config.fmt, rng, spread)
    return model


def _conv(filters: int = 2, kernel: int = 2, **options) -> QConv1D:
    settings = {"padding": "causal", "kernel_quantizer": Q412, "bias_quantizer": Q412, "activation": Q412}
    settings.update(options)
    return QConv1D(filters, kernel, **settings)


def _chain(*layers, channels: int = 2) -> tf.keras.Model:
    inputs = tf.keras.Input(shape=(None, channels))
    x = inputs
    for layer in layers:
        x = layer(x)
    return tf.keras.Model(inputs, x)


def _float32_session(make: Callable[[], tf.keras.Model]) -> tf.keras.Model:
    """Build as a user's float32 session would (QKeras's auto_po2 cannot even build under float64)."""
    tf.keras.backend.set_floatx("float32")
    try:
        return make()
    finally:
        tf.keras.backend.set_floatx("float64")


def _branches() -> tf.keras.Model:
    """Branches joined by a Concatenate (an Add or Multiply is a join kind's: golden/tests_qkeras/test_graph_models.py)."""
    inputs = tf.keras.Input(shape=(None, 2))
    a = _conv(name="left")(inputs)
    b = _conv(name="right")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Concatenate(name="join")([a, b]))


# name -> (model factory, fragments the message must contain: the layer and the reason)
UNSUPPORTED: dict[str, tuple[Callable[[], tf.keras.Model], list[str]]] = {
    "same_padding": (lambda: _chain(_conv(name="c_same", padding="same")), ["'c_same'", "padding 'same'"]),
    "strides": (lambda: _chain(_conv(name="c_stride", strides=2, padding="valid")), ["'c_stride'", "strides 2"]),
    # a QDense is the dense kind's (golden/tests_qkeras/test_dense.py); a plain Dense is not quantized
    "dense": (lambda: _chain(_conv(name="c0"), tf.keras.layers.Dense(3, name="fc")),
              ["'fc'", "layer type Dense is not supported"]),
    "conv2d": (lambda: _chain(tf.keras.layers.Reshape((4, 1, 2), name="shape"), tf.keras.layers.Conv2D(2, 1, name="c2d")),
               ["'shape'", "'c2d'", "Conv2D is not supported"]),
    # quantized_po2 fails in float64 inside QKeras 0.9.0, so this layer computes in float32; a po2 kernel is
    # the po2 kind's (golden/tests_qkeras/test_po2.py), but not with log2 rounding other than round-to-nearest
    "po2_kernel": (lambda: _chain(_conv(name="c_po2", kernel_quantizer=quantized_po2(4, log2_rounding="floor"),
                                        use_bias=False, dtype="float32")),
                   ["'c_po2'", "quantized_po2", "log2_rounding='floor'"]),
    # (alpha="auto_po2" cannot even run in float64 in QKeras 0.9.0: a float32 constant in its Pow)
    "auto_scale": (lambda: _chain(_conv(name="c_auto", kernel_quantizer=quantized_bits(16, 3, symmetric=1, alpha="auto"))),
                   ["'c_auto'", "alpha='auto'", "symmetric=1"]),
    "double_rounding": (lambda: _chain(_conv(name="c0"), QActivation(quantized_relu(7, 3), name="r0")),
                        ["'c0'", "quantized_relu(7,3)", "rounds a second time"]),
    # alpha left out of a kernel quantizer: QKeras picks per-channel power-of-two scales (float32 only)
    "auto_po2": (lambda: _float32_session(lambda: _chain(_conv(name="c_ap2", kernel_quantizer=quantized_bits(8, 2)))),
                 ["'c_ap2'", "auto_po2", "per-output-channel power-of-two scales"]),
    "tanh": (lambda: _chain(_conv(name="c_tanh", activation="quantized_tanh(8,2)")),
             ["'c_tanh'", "quantized_tanh", "not supported"]),
    "float_relu": (lambda: _chain(_conv(name="c0"), tf.keras.layers.Activation("relu", name="plain_relu")),
                   ["'plain_relu'", "Activation is not supported"]),
    "unquantized_kernel": (lambda: _chain(_conv(name="c_float", kernel_quantizer=None)),
                           ["'c_float'", "unquantized float"]),
    "symmetric": (lambda: _chain(_conv(name="c_sym", bias_quantizer=quantized_bits(16, 3, symmetric=1, alpha=1))),
                  ["'c_sym'", "symmetric=1"]),
    "leaky_relu": (lambda: _chain(_conv(name="c0"), QActivation(quantized_relu(15, 3, negative_slope=0.25), name="leaky")),
                   ["'leaky'", "negative_slope=0.25"]),
    "branches": (_branches, ["'join'", "Concatenate is not supported"]),
    # QKeras 0.9.0 computes 2**integer with TensorFlow's integer Pow: a negative integer cannot run at all (it
    # raised InvalidArgumentError from inside TensorFlow, naming no layer)
    "negative_integer": (lambda: _chain(_conv(name="c_neg", kernel_quantizer=quantized_bits(8, -3, alpha=1)),
                                        QActivation(quantized_relu(8, -2), name="r_neg")),
                         ["layer 'c_neg' (QConv1D) kernel quantizer: quantized_bits(8,-3", "integer=-3",
                          "quantized_bits(11,0) has the same step", "layer 'r_neg' (QActivation): quantized_relu(8,-2",
                          "integer=-2"]),
}
