"""Quantisation-aware training of the waveshaping models on the CPU (a few minutes, fixed seeds).

The data comes from `golden.waveshaping`: 50% corners, 50% constant-power
crossfades along the edges. The loss skips the first receptive-field samples
of each window, where the causal zero padding is still visible. Output
channel 0 is the shaped wave; further outputs are trained to 0.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from golden.qkeras_model import ModelConfig, build_model
from golden.tf_setup import configure
from golden.waveshaping import WAVE_CLASSES, corner_example


@dataclass(frozen=True)
class TrainingSettings:
    examples: int = 2048  # training windows
    window: int = 320  # samples per window; the loss sees window - receptive field + 1 of them
    epochs: int = 40
    batch_size: int = 32
    learning_rate: float = 3e-3
    seed: int = 20240607


DEFAULT_SETTINGS: dict[str, TrainingSettings] = {
    "fpga": TrainingSettings(),
    "mcu": TrainingSettings(window=640, examples=1536, seed=20240608),
}


def training_data(config: ModelConfig, settings: TrainingSettings, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(examples, window, inputs) and (examples, window, outputs) reals on the Q grid."""
    from golden.waveshaping import training_examples

    return training_examples(
        settings.examples, settings.window, config.input_channels, config.output_channels, config.fmt,
        np.random.default_rng(seed),
    )


def train(config: ModelConfig, settings: TrainingSettings, verbose: int = 1) -> tuple[Any, dict[str, float]]:
    """Train a fresh model of `config`; returns the model and the final losses (train, validation, per corner)."""
    configure()
    import tensorflow as tf

    tf.keras.utils.set_random_seed(settings.seed)  # Keras's initialisers draw from TF's global seed
    model = build_model(config)
    warmup = config.receptive_field - 1
    if settings.window <= warmup:
        raise ValueError(f"training window {settings.window} must exceed the receptive field {config.receptive_field}")

    def settled_mse(y_true: Any, y_pred: Any) -> Any:
        return tf.reduce_mean(tf.square(y_true[:, warmup:] - y_pred[:, warmup:]))

    x_train, y_train = training_data(config, settings, settings.seed)
    x_val, y_val = training_data(config, TrainingSettings(examples=max(64, settings.examples // 8), window=settings.window),
                                 settings.seed + 1)
    model.compile(optimizer=tf.keras.optimizers.Adam(settings.learning_rate), loss=settled_mse)
    schedule = tf.keras.callbacks.LearningRateScheduler(
        lambda epoch, rate: settings.learning_rate * (0.5 ** (epoch / max(1, settings.epochs / 3)))
    )
    history = model.fit(
        x_train, y_train, validation_data=(x_val, y_val), epochs=settings.epochs, batch_size=settings.batch_size,
        shuffle=True, verbose=verbose, callbacks=[schedule],
    )
    losses = {"train": float(history.history["loss"][-1]), "validation": float(history.history["val_loss"][-1])}
    for index, wave in enumerate(WAVE_CLASSES):
        example = corner_example(wave, 4096, config.fmt, settings.seed + 100 + index)
        inputs = config.fmt.to_real(example.network_input(config.input_channels, config.fmt))
        predicted = model.predict(inputs[np.newaxis], verbose=0)[0, warmup:, 0]
        losses[wave] = float(np.mean((predicted - example.target[warmup:]) ** 2))
    untrained = build_model(config)  # a clean, uncompiled copy: the saved file holds no optimizer or loss
    untrained.set_weights(model.get_weights())
    return untrained, losses


def save_model_atomic(model: Any, path: Path) -> Path:
    """model.save to a temporary file beside `path`, then rename: never a half-written model file."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")  # the suffix selects the format
    try:
        model.save(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path
