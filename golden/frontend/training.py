"""Quantisation-aware training of the waveshaping models on the CPU (a few minutes, fixed seeds).

The data comes from `golden.waveshaping`: 50% corners, 50% constant-power
crossfades along the edges. The loss skips the first receptive-field samples
of each window, where the causal zero padding is still visible. Output
channel 0 is the shaped wave; further outputs are trained to 0. Our exact
models (`train`) train in float64; the seeds' own models and fpga_po2
(`train_spec`, golden.frontend.builders) in Keras's default float32, as
their users train them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from golden.errors import GoldenError, ParameterError
from golden.frontend.builders import QKerasSpec, custom_objects
from golden.frontend.wavenet import WaveNetSpec
from golden.qformat import QFormat
from golden.frontend.qkeras_model import ModelConfig, build_model
from golden.frontend.tf_setup import configure, user_session
from golden.waveshaping import WAVE_CLASSES, corner_example, training_examples


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
    # float32, as a user trains them; the seeds' models take windows of exactly 640 samples
    "seed_fpga": TrainingSettings(window=640, examples=2048, seed=20240609),
    "seed_po2": TrainingSettings(window=640, examples=2048, seed=20240610),
    "fpga_po2": TrainingSettings(seed=20240611),
    # the gated residual WaveNet (golden.frontend.wavenet), float32 as a user trains it
    "wavenet": TrainingSettings(window=384, examples=2048, epochs=40, learning_rate=3e-3, seed=20240612),
}
INPUT_FORMAT = QFormat(16, 12)  # the seeds' Q4.12 samples: what every model here is trained on


def train(config: ModelConfig, settings: TrainingSettings, verbose: int = 1) -> tuple[Any, dict[str, float]]:
    """Train a fresh model of `config`; returns the model and the final losses (train, validation, per corner)."""
    configure()
    import tensorflow as tf

    tf.keras.utils.set_random_seed(settings.seed)  # Keras's initialisers draw from TF's global seed
    model = build_model(config)
    warmup = config.receptive_field - 1
    losses = fit_waveshaping(model, warmup, config.input_channels, config.output_channels, config.fmt, settings, verbose)
    losses.update(corner_errors(model, config.input_channels, warmup, config.fmt, settings.seed + 100))
    untrained = build_model(config)  # a clean, uncompiled copy: the saved file holds no optimizer or loss
    untrained.set_weights(model.get_weights())
    return untrained, losses


def train_spec(spec: QKerasSpec | WaveNetSpec, settings: TrainingSettings, verbose: int = 1
               ) -> tuple[Any, dict[str, float]]:
    """Train a fresh model of `spec` as a user would: a plain float32 session; returns the model and losses.

    Inputs and targets are Q4.12 reals as for our models (the seeds' ADC format); a fixed-length
    model (the seeds' Input((640, 4))) trains on windows of exactly that length."""
    user_session()
    import tensorflow as tf

    if spec.input_length is not None and settings.window != spec.input_length:
        raise ParameterError(f"model {spec.name} takes windows of {spec.input_length} samples, "
                             f"the training settings ask for {settings.window}")
    tf.keras.utils.set_random_seed(settings.seed)  # Keras's initialisers draw from TF's global seed
    model = spec.build()
    warmup = spec.receptive_field - 1
    losses = fit_waveshaping(model, warmup, spec.input_channels, spec.output_channels, INPUT_FORMAT, settings, verbose)
    losses.update(corner_errors(model, spec.input_channels, warmup, INPUT_FORMAT, settings.seed + 100))
    untrained = spec.build()  # a clean, uncompiled copy: the saved file holds no optimizer or loss
    untrained.set_weights(model.get_weights())
    return untrained, losses


def predict_settled(model: Any, inputs: np.ndarray, warmup: int) -> np.ndarray:
    """(T, outputs) predictions of a (T, inputs) sequence; rows before `warmup` are NaN.

    A model of fixed input length L sees overlapping windows of L samples, each after its own
    `warmup`: a causal stack's output depends on the last warmup + 1 inputs only, so the settled
    rows are the ones a model of any length computes on the whole sequence."""
    steps = inputs.shape[0]
    length = model.input_shape[1]
    if length is None:
        predicted = model.predict(inputs[np.newaxis], verbose=0)[0].astype(np.float64)
        predicted[:warmup] = np.nan
        return predicted
    if steps < length or length <= warmup:
        raise ParameterError(f"model {model.name}: {steps} samples cannot fill windows of {length} "
                             f"with {warmup} warm-up samples")
    starts = sorted({min(start, steps - length) for start in range(0, steps - warmup, length - warmup)})
    windows = model.predict(np.stack([inputs[start:start + length] for start in starts]), verbose=0)
    predicted = np.full((steps, windows.shape[-1]), np.nan)
    for start, window in zip(starts, windows):
        predicted[start + warmup:start + length] = window[warmup:]
    return predicted


def corner_errors(model: Any, input_channels: int, warmup: int, fmt: QFormat, seed: int,
                  samples: int = 4096) -> dict[str, float]:
    """MSE of output 0 against each corner's target over `samples` samples (after the warm-up)."""
    errors = {}
    for index, wave in enumerate(WAVE_CLASSES):
        example = corner_example(wave, samples, fmt, seed + index)
        inputs = fmt.to_real(example.network_input(input_channels, fmt))
        predicted = predict_settled(model, inputs, warmup)[warmup:, 0]
        errors[wave] = float(np.mean((predicted - example.target[warmup:]) ** 2))
    return errors


def validation_error(model: Any, input_channels: int, output_channels: int, warmup: int, fmt: QFormat, seed: int,
                     examples: int = 256, window: int = 640) -> float:
    """The training loss (settled MSE over every output) on `examples` fresh windows drawn from `seed`."""
    inputs, targets = training_examples(examples, window, input_channels, output_channels, fmt,
                                        np.random.default_rng(seed))
    predicted = model.predict(inputs, verbose=0)
    return float(np.mean((predicted[:, warmup:] - targets[:, warmup:]) ** 2))


def fit_waveshaping(
    model: Any, warmup: int, input_channels: int, output_channels: int, fmt: QFormat, settings: TrainingSettings,
    verbose: int = 1,
) -> dict[str, float]:
    """Adam with a halving learning rate on `settings`' seeded data; the final train and validation losses.

    The loss skips the first `warmup` samples of each window (receptive field - 1: the causal zero
    padding is still visible there); the validation set is drawn from the next seed."""
    import tensorflow as tf

    if settings.window <= warmup:
        raise ParameterError(f"training window {settings.window} must exceed the receptive field {warmup + 1}")

    def settled_mse(y_true: Any, y_pred: Any) -> Any:
        return tf.reduce_mean(tf.square(y_true[:, warmup:] - y_pred[:, warmup:]))

    x_train, y_train = training_examples(
        settings.examples, settings.window, input_channels, output_channels, fmt, np.random.default_rng(settings.seed)
    )
    x_val, y_val = training_examples(
        max(64, settings.examples // 8), settings.window, input_channels, output_channels, fmt,
        np.random.default_rng(settings.seed + 1),
    )
    model.compile(optimizer=tf.keras.optimizers.Adam(settings.learning_rate), loss=settled_mse)
    schedule = tf.keras.callbacks.LearningRateScheduler(
        lambda epoch, rate: settings.learning_rate * (0.5 ** (epoch / max(1, settings.epochs / 3)))
    )
    history = model.fit(
        x_train, y_train, validation_data=(x_val, y_val), epochs=settings.epochs, batch_size=settings.batch_size,
        shuffle=True, verbose=verbose, callbacks=[schedule],
    )
    return {"train": float(history.history["loss"][-1]), "validation": float(history.history["val_loss"][-1])}


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


def load_trained(path: Path, *, float64: bool) -> Any:
    """A saved waveshaping model: ours in float64 (exported subset, `golden.frontend.export.load_qkeras_model`), or a
    float32-trained one as its user loads it, `load_model` with the QKeras custom objects in a float32 session."""
    if float64:
        from golden.frontend.export import load_qkeras_model

        return load_qkeras_model(path)
    user_session()
    import tensorflow as tf

    path = Path(path)
    if not path.is_file():
        raise GoldenError(f"{path}: model file not found")
    try:
        return tf.keras.models.load_model(path, custom_objects=custom_objects(), compile=False)
    except Exception as error:  # Keras raises many types for a bad file; report it as ours
        raise GoldenError(f"{path}: cannot load as a float32 QKeras model ({type(error).__name__}: {error})") from None
