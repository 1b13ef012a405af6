"""Load a user's QKeras model file and rebuild it so that `predict` is exact: float64, any sequence length.

What users save and why each needs handling (QKeras 0.9.0 on TF 2.21, legacy Keras):

* A float32 session (QKeras's default) writes float32 layers. quantized_bits
  casts to the *global* float type, so such a file only loads with floatx
  float32 (and a float64-saved one only with float64): both are tried. The
  loaded float32 model cannot be turned into float64 by `Model.from_config`
  of the whole model: a QActivation built with a quantizer object returns the
  object itself from get_config, which Keras refuses as "could not be
  deserialized properly". So the model is rebuilt layer by layer.
* A `.keras` file stores that quantizer object as a dict, and QActivation
  0.9.0 keeps the dict instead of deserialising it (it then fails when called),
  so loading maps QActivation to `_QActivationConfig`, which deserialises it.
* A fixed-length input, `Input((96, C))`, refuses the long stimulus sequences
  of the proofs and the audit: the rebuild starts from `Input((None, C))`.

The subset is checked on the loaded model BEFORE the float64 rebuild, because
some unsupported quantizers (quantized_po2, alpha="auto_po2") cannot run in
float64 at all and their user deserves the list of problems, not a TypeError.
Every failure is a GoldenError (or its UnsupportedModelError) naming the file.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from golden.errors import GoldenError
from golden.frontend.tf_setup import configure

MODEL_SUFFIXES = (".h5", ".hdf5", ".keras")  # what model.save writes; other paths would be read as SavedModels
HDF5_SUFFIXES = (".h5", ".hdf5")
OBJECT_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # Keras names objects by address: the same reason differs per try
FLOATX_TRIED = ("float64", "float32")  # float64 first: the committed models; float32: QKeras's default session
REASON_CHARS = 300  # Keras error messages can embed whole configs; one paragraph stays readable


class _QActivationConfig:
    """Stands in for QActivation while loading: deserialises a quantizer stored as a dict, then builds the real layer."""

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
        from qkeras import QActivation
        from qkeras.quantizers import get_quantizer

        config = dict(config)
        if isinstance(config.get("activation"), dict):
            config["activation"] = get_quantizer(config["activation"])
        return QActivation(**config)


def load_qkeras_model(path: Path | str) -> Any:
    """Load a `.h5`/`.keras` file written by model.save and return it rebuilt with float64 layers on Input((None, C)).

    The result is a functional Model (also for a Sequential file) with the same
    layer names and weights. Raises UnsupportedModelError (every problem listed) for a model outside the
    subset, and GoldenError naming the file and the reason for anything else."""
    path = Path(path)
    if not path.exists():
        raise GoldenError(f"{path}: model file not found")
    if not path.is_file():
        raise GoldenError(f"{path}: not a file; a .h5 or .keras file written by model.save is needed")
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise GoldenError(
            f"{path}: unknown model file type '{path.suffix}'; a file written by model.save ending in "
            + ", ".join(MODEL_SUFFIXES) + " is needed"
        )
    configure()  # after the path checks: a wrong path is reported without waiting for TensorFlow
    custom_objects = _custom_objects()
    model = _load(path, custom_objects)
    _check_subset(model, path)
    return _rebuild_float64(model, custom_objects, str(path))


def _rebuild_float64(model: Any, custom_objects: dict[str, Any], source: str) -> Any:
    """The same graph of layers on Input((None, C)), every layer float64, weights copied by layer name.

    `model` must already have passed the subset check: one input, one output, every layer used once
    (golden.frontend.export.audit_subset)."""
    import tensorflow as tf

    try:
        with tf.keras.utils.custom_object_scope(custom_objects):
            rebuilt = _rebuilt_chain(model)
        for layer in rebuilt.layers:
            if not isinstance(layer, tf.keras.layers.InputLayer):
                _copy_weights(model.get_layer(layer.name), layer)
    except GoldenError as error:
        raise GoldenError(f"{source}: cannot rebuild the model in float64: {error}") from None
    except Exception as error:  # Keras raises many types; the user gets one paragraph, not a traceback
        raise GoldenError(f"{source}: cannot rebuild the model in float64 ({_reason(error)})") from None
    single = [layer.name for layer in rebuilt.layers if layer.dtype != "float64" or layer.compute_dtype != "float64"]
    if single:
        raise GoldenError(f"{source}: layer(s) {', '.join(single)} still compute below float64 after the rebuild")
    return rebuilt


def _custom_objects() -> dict[str, Any]:
    from qkeras.utils import _add_supported_quantized_objects

    custom_objects: dict[str, Any] = {}
    _add_supported_quantized_objects(custom_objects)
    custom_objects["QActivation"] = _QActivationConfig
    return custom_objects


def _load(path: Path, custom_objects: dict[str, Any]) -> Any:
    """The model as saved, in the first float type it loads with."""
    import tensorflow as tf

    _refuse_weights_only(path)
    failures: list[tuple[str, str]] = []
    for floatx in FLOATX_TRIED:
        tf.keras.backend.set_floatx(floatx)
        try:
            return tf.keras.models.load_model(path, custom_objects=custom_objects, compile=False)
        except Exception as error:  # Keras raises many types for a bad file; report it as ours
            failures.append((floatx, _reason(error)))
        finally:
            tf.keras.backend.set_floatx("float64")
    reasons = [reason for _, reason in failures]
    shown = reasons[0] if len(set(reasons)) == 1 else "; ".join(f"as {floatx}: {reason}" for floatx, reason in failures)
    raise GoldenError(f"{path}: cannot load as a QKeras model, tried in {' and '.join(FLOATX_TRIED)} sessions ({shown})")


def _refuse_weights_only(path: Path) -> None:
    """An HDF5 file without a model config holds weights only (model.save_weights): say so once, before Keras
    fails on it in every session with the same reason and a different object address each time."""
    if path.suffix.lower() not in HDF5_SUFFIXES:
        return
    import h5py

    try:
        with h5py.File(path, "r") as file:
            weights_only = "model_config" not in file.attrs
    except OSError:
        return  # not HDF5 at all: Keras's own reason says more
    if weights_only:
        raise GoldenError(f"{path}: holds weights only (no model config: written by model.save_weights?); save the "
                          "whole model with model.save and export that file")


def _check_subset(model: Any, path: Path) -> None:
    from golden.frontend.export import UnsupportedModelError, audit_subset  # here: golden.frontend.export imports this module

    if not getattr(model, "inputs", None):
        raise UnsupportedModelError(
            str(path), ["the model has no defined input (save it after building it on a tf.keras.Input((None, C)))"]
        )
    try:
        problems = audit_subset(model)
    except GoldenError:
        raise
    except Exception as error:  # a structure the checks do not foresee is still refused in one paragraph
        raise GoldenError(f"{path}: cannot check the model against the supported subset ({_reason(error)})") from None
    if problems:
        raise UnsupportedModelError(str(path), problems)


def predict_float32(model: Any, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The network output for each (T, C) array of real `inputs` as a float32 session computes it: `model` (as
    load_qkeras_model returns it) rebuilt with float32 layers, run with the global float type float32 (QKeras's
    quantizers cast to it when they run), its weights rounded to float32 (exact for a model trained in float32).
    Its sums round to float32's 24 significant bits, so it may differ from the exact outputs: the audit reports
    how far, for users who run their model in float32. Returns (T, OUT) float64 values per input array."""
    import tensorflow as tf

    try:
        with tf.keras.utils.custom_object_scope(_custom_objects()):
            single = _rebuilt_chain(model, "float32")
        for layer in single.layers:
            if not isinstance(layer, tf.keras.layers.InputLayer):
                _copy_weights(model.get_layer(layer.name), layer)
        return [np.asarray(single.predict(np.asarray(real, dtype=np.float32)[np.newaxis], verbose=0, batch_size=1)[0],
                           dtype=np.float64) for real in inputs]
    except GoldenError:
        raise
    except Exception as error:  # Keras raises many types; the user gets one paragraph, not a traceback
        raise GoldenError(f"model '{model.name}': cannot run it in float32 ({_reason(error)})") from None
    finally:
        tf.keras.backend.set_floatx("float64")  # the exact computations go on in float64


def _rebuilt_chain(model: Any, floatx: str = "float64") -> Any:
    import tensorflow as tf
    from qkeras import QActivation

    tf.keras.backend.set_floatx(floatx)  # quantized_bits computes in the global float type
    channels = int(model.inputs[0].shape[-1])
    inputs = tf.keras.Input(shape=(None, channels), dtype=floatx, name=_input_name(model))
    outputs: dict[int, Any] = {}  # each original layer's output in the rebuilt graph (layers come in dataflow order)
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.InputLayer):
            outputs[id(layer)] = inputs
            continue
        config = layer.get_config()
        config["dtype"] = floatx  # also replaces a mixed-precision policy
        if isinstance(getattr(layer, "kernel_quantizer_internal", None), _float32_po2_class()):
            # a rebuilt layer (predict_float32 copies one) serialises its float32 wrapper under a class name no
            # deserialiser knows: give the copy the quantized_po2 it stands for (float32_po2_kernel wraps it again)
            config["kernel_quantizer"] = {"class_name": "quantized_po2",
                                          "config": layer.kernel_quantizer_internal.get_config()}
        if isinstance(layer, QActivation) and not isinstance(config["activation"], str):
            # get_config hands out the layer's own quantizer object: give the clone a fresh one
            quantizer = config["activation"]
            config["activation"] = type(quantizer).from_config(quantizer.get_config())
        clone = type(layer).from_config(config)
        float32_po2_kernel(clone)
        read = [inputs if isinstance(inbound, tf.keras.layers.InputLayer) else outputs[id(inbound)]
                for inbound in inbound_layers(layer)]  # a Sequential model's InputLayer is not among its layers
        outputs[id(layer)] = clone(read if len(read) > 1 else read[0])
    return tf.keras.Model(inputs, outputs[id(model.outputs[0]._keras_history.layer)], name=model.name)


def inbound_layers(layer: Any) -> list[Any]:
    """The layers whose outputs `layer` reads, in its call's order (the model graph's edges)."""
    if not layer._inbound_nodes:
        return []
    inbound = layer._inbound_nodes[0].inbound_layers
    return list(inbound) if isinstance(inbound, (list, tuple)) else [inbound]


def float32_po2_kernel(layer: Any) -> None:
    """Make a layer's quantized_po2 kernel quantizer run in float32 and cast its result back.

    QKeras 0.9.0's quantized_po2 raises a float32/float64 TypeError inside a float64 graph. Its
    values are powers of two, exact in both types, so computing it in float32 changes nothing but the
    type: the kernel is the one a float32 session computes, and the one the exporter decomposes
    (golden.kinds.po2.QPo2Conv1DImport.read_kernel). The quantizer stays a quantized_po2 (a subclass)."""
    from qkeras.quantizers import quantized_po2

    quantizer = getattr(layer, "kernel_quantizer_internal", None)
    if isinstance(quantizer, quantized_po2) and not isinstance(quantizer, _float32_po2_class()):
        quantizer.__class__ = _float32_po2_class()


_FLOAT32_PO2: list[type] = []  # the subclass, made once qkeras is imported


def _float32_po2_class() -> type:
    if not _FLOAT32_PO2:
        import tensorflow as tf
        from qkeras.quantizers import quantized_po2

        class Float32Po2(quantized_po2):
            def __call__(self, x: Any) -> Any:
                return tf.cast(super().__call__(tf.cast(x, tf.float32)), x.dtype)

        _FLOAT32_PO2.append(Float32Po2)
    return _FLOAT32_PO2[0]


def _input_name(model: Any) -> str | None:
    history = getattr(model.inputs[0], "_keras_history", None)
    return getattr(getattr(history, "layer", None), "name", None)


def _copy_weights(original: Any, clone: Any) -> None:
    """Every variable of `original` into the clone's variable of the same name, in the clone's type (float64:
    exact; float32: rounded, the float32 user's weights)."""
    names = {_short_name(variable): variable for variable in original.weights}
    targets = {_short_name(variable): variable for variable in clone.weights}
    if names.keys() != targets.keys():
        raise GoldenError(
            f"layer '{original.name}' has weights {sorted(names)} but its rebuilt copy has {sorted(targets)}"
        )
    for name, variable in names.items():
        value = np.asarray(variable.numpy(), dtype=np.float64)
        target = targets[name]
        if tuple(target.shape) != value.shape:
            raise GoldenError(
                f"layer '{original.name}' weight '{name}' has shape {value.shape}, its rebuilt copy {tuple(target.shape)}"
            )
        target.assign(value)


def _short_name(variable: Any) -> str:
    """'c0/kernel:0' -> 'kernel': the variable's name inside its layer."""
    return variable.name.split("/")[-1].split(":")[0]


def _reason(error: BaseException) -> str:
    text = OBJECT_ADDRESS.sub("", " ".join(str(error).split()))  # one paragraph: Keras messages span lines
    if len(text) > REASON_CHARS:
        text = text[: REASON_CHARS - 3] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
