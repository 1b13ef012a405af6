"""QKeras models built the way users build them: float32 session, fixed-length input, string or object quantizers.

Every tensor is in one format, Q(12,8): quantized_bits(12,3,alpha=1) for
kernels, biases and conv outputs, quantized_relu(11,3) for the ReLUs (the
exporter's subset). Weights are ordinary float values, off the grid, as
training leaves them; the kernel and bias quantizers put them on it.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
from qkeras import QActivation, QConv1D, quantized_bits, quantized_relu

from golden.qformat import QFormat

FMT = QFormat(12, 8)
CHANNELS = 3  # core, e0, e1: the waveshaping stimuli apply
FIXED_LENGTH = 96
LAYER_NAMES = ("conv_a", "relu_a", "conv_b", "relu_b", "conv_out", "out")
WEIGHT_SPREAD = 0.75  # normal weights of this deviation make the random stimulus saturate every layer


@dataclass(frozen=True)
class UserModel:
    """How a user built and saved the model."""

    session: str = "float32"  # floatx while building and saving (QKeras's default is float32)
    length: int | None = FIXED_LENGTH  # the Input's time dimension
    quantizers: str = "objects"  # "objects": quantized_bits(...) instances; "strings": "quantized_bits(...)"
    kind: str = "functional"  # or "sequential"
    suffix: str = ".h5"  # or ".keras"

    @property
    def id(self) -> str:
        length = "fixed" if self.length else "any_length"
        return f"{self.session}-{length}-{self.quantizers}-{self.kind}-{self.suffix[1:]}"


@contextlib.contextmanager
def float_session(floatx: str) -> Iterator[None]:
    """Build under `floatx` as a user's session would, then give the tests their float64 back."""
    tf.keras.backend.set_floatx(floatx)
    try:
        yield
    finally:
        tf.keras.backend.set_floatx("float64")


def _bits(style: str) -> object:
    return "quantized_bits(12,3,alpha=1)" if style == "strings" else quantized_bits(12, 3, alpha=1)


def _relu(style: str) -> object:
    return "quantized_relu(11,3)" if style == "strings" else quantized_relu(11, 3)


def _layers(style: str) -> list[tf.keras.layers.Layer]:
    def conv(filters: int, kernel: int, name: str, **options: object) -> QConv1D:
        return QConv1D(filters, kernel, kernel_quantizer=_bits(style), bias_quantizer=_bits(style), name=name, **options)

    return [
        conv(4, 3, "conv_a", padding="causal", activation=_bits(style)),
        QActivation(_relu(style), name="relu_a"),
        conv(5, 2, "conv_b", padding="causal", dilation_rate=3, activation=_bits(style)),
        QActivation(_relu(style), name="relu_b"),
        conv(2, 1, "conv_out"),  # a 1x1 with the default 'valid' padding and no activation
        QActivation(_bits(style), name="out"),
    ]


def build_user_model(user: UserModel, rng: np.random.Generator) -> tf.keras.Model:
    """The model in `user.session`, with off-grid float weights."""
    with float_session(user.session):
        inputs = tf.keras.Input((user.length, CHANNELS))
        layers = _layers(user.quantizers)
        if user.kind == "sequential":
            model = tf.keras.Sequential([inputs, *layers], name="user_model")
        else:
            x = inputs
            for layer in layers:
                x = layer(x)
            model = tf.keras.Model(inputs, x, name="user_model")
        model.set_weights([rng.normal(0.0, WEIGHT_SPREAD, size=w.shape) for w in model.get_weights()])
    return model


def save_user_model(user: UserModel, folder: Path, rng: np.random.Generator) -> tuple[Path, tf.keras.Model]:
    """Build and save with model.save; the path and the in-memory model it was saved from."""
    model = build_user_model(user, rng)
    path = folder / f"user{user.suffix}"
    with float_session(user.session):
        model.save(path)
    return path, model
