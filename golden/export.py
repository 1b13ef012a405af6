"""QKeras model file -> model manifest, for the supported subset only (docs/qkeras-mapping.md).

The walk turns a chain of Keras layers into manifest layers ("stages"): each
QConv1D opens a stage, and the quantizers after it (its own activation, then
QActivation layers) close it. A stage must end requantised to the model's
format (quantized_bits or quantized_relu), because the manifest's layers always
requantise. Every problem found is collected, so one `UnsupportedModelError`
lists all of them; nothing is written unless the whole model is supported.

Weights are quantized with each layer's own QKeras quantizer (as QKeras does
in predict) and must then be exact codes of the format.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from golden.errors import GoldenError
from golden.frontend.load import load_qkeras_model
from golden.manifest import ConvLayer, NetworkManifest, save_manifest
from golden.qformat import QFormat, Rounding, accumulator_width

FLOAT64_MANTISSA_BITS = 53  # a float64 holds every integer of up to 53 bits exactly


class UnsupportedModelError(GoldenError):
    """The model is outside the supported subset; the message lists every layer and reason."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = list(problems)
        super().__init__(
            f"{source} cannot be exported: it is outside the supported subset "
            "(causal QConv1D chains with quantized_bits/quantized_relu of one Q(W,F) format, "
            f"docs/qkeras-mapping.md). {len(self.problems)} problem(s): " + "; ".join(self.problems) + "."
        )


@dataclass
class Stage:
    """One manifest layer: a QConv1D and the quantizer layers that close it."""

    conv: Any
    name: str
    relu: bool = False
    requantised: bool = False  # quantized_bits or quantized_relu has brought it back to the format
    float32_relu: bool = False  # quantized_relu saw the raw accumulator: QKeras rounds it through float32
    keras_layers: list[Any] = field(default_factory=list)

    @property
    def last_layer(self) -> Any:
        return self.keras_layers[-1]


@dataclass
class ModelWalk:
    """The result of checking a model: its format, stages and every problem found."""

    fmt: QFormat | None
    stages: list[Stage]
    problems: list[str]
    notes: list[str]


def walk_model(model: Any) -> ModelWalk:
    """Check `model` against the supported subset; collect every problem."""
    from qkeras import QActivation, QConv1D
    import tensorflow as tf

    problems: list[str] = []
    notes: list[str] = []
    layers = [layer for layer in model.layers if not isinstance(layer, tf.keras.layers.InputLayer)]
    problems += _graph_problems(model, layers)
    fmt = _model_format(layers, problems)
    stages: list[Stage] = []
    for layer in layers:
        where = f"layer '{layer.name}' ({type(layer).__name__})"
        if type(layer) is QConv1D:
            _close(stages, problems, f"before {where}")
            stage = Stage(conv=layer, name=_identifier(layer.name, {s.name for s in stages}), keras_layers=[layer])
            stages.append(stage)
            problems += _conv_problems(layer, where, fmt)
            activation = layer.activation
            if activation is not None and getattr(activation, "__name__", None) != "linear":
                _apply_quantizer(stage, activation, f"{where} activation", fmt, problems)
        elif type(layer) is QActivation:
            if not stages:
                problems.append(f"{where}: an activation before any QConv1D has no layer to belong to")
                continue
            stages[-1].keras_layers.append(layer)
            _apply_quantizer(stages[-1], layer.quantizer, where, fmt, problems)
        else:
            problems.append(f"{where}: layer type {type(layer).__name__} is not supported (only QConv1D and QActivation)")
    if not stages:
        problems.append("the model has no QConv1D layer")
    else:
        _close(stages, problems, "at the end of the QConv1D chain")
    for stage in stages:
        if stage.float32_relu:
            notes.append(
                f"layer '{stage.name}': quantized_relu rounds the raw accumulator, which QKeras casts to float32 "
                "first; predict may then differ from the exact arithmetic by 1 LSB (quantize with quantized_bits first)"
            )
    return ModelWalk(fmt=fmt, stages=stages, problems=problems, notes=notes)


def audit_subset(model: Any) -> list[str]:
    """Every reason `model` is outside the supported subset; empty if it can be exported."""
    walk = walk_model(model)
    return walk.problems + _weight_problems(walk)


def model_to_manifest(
    model: Any, name: str, rounding: Rounding | str = Rounding.RNE, source: dict[str, Any] | None = None, origin: str = "model"
) -> NetworkManifest:
    """The manifest of a supported model; raise UnsupportedModelError listing every problem otherwise."""
    walk = walk_model(model)
    problems = walk.problems + _weight_problems(walk)
    if problems:
        raise UnsupportedModelError(origin, problems)
    fmt = walk.fmt
    layers = []
    for stage in walk.stages:
        kernel, bias = _weight_codes(stage, fmt)
        layers.append(
            ConvLayer(name=stage.name, kernel=kernel, bias=bias, dilation=int(stage.conv.dilation_rate[0]), relu=stage.relu)
        )
    provenance = {
        "framework": "qkeras",
        "kernel_quantizer": str(walk.stages[0].conv.kernel_quantizer_internal),
        "keras_layers": {stage.name: [layer.name for layer in stage.keras_layers] for stage in walk.stages},
    }
    if walk.notes:
        provenance["notes"] = walk.notes
    provenance.update(source or {})
    input_channels = int(model.inputs[0].shape[-1])
    return NetworkManifest(
        name=name, fmt=fmt, rounding=Rounding.parse(rounding), input_channels=input_channels, layers=tuple(layers), source=provenance
    )


def export_model_file(
    model_path: Path | str, out: Path | str, name: str | None = None, rounding: Rounding | str = Rounding.RNE
) -> NetworkManifest:
    """Load a QKeras model file, convert it and write the manifest atomically (nothing on error)."""
    model_path = Path(model_path)
    model = load_qkeras_model(model_path)
    manifest = model_to_manifest(
        model,
        name=name or _identifier(model_path.stem, set()),
        rounding=rounding,
        source={"file": model_path.name, "sha256": hashlib.sha256(model_path.read_bytes()).hexdigest()},
        origin=str(model_path),
    )
    save_manifest(manifest, out)
    return manifest


def qkeras_layer_outputs(model: Any, samples_codes: np.ndarray, fmt: QFormat) -> list[np.ndarray]:
    """QKeras float64 predict of (T, IN) input codes: per manifest layer the (T, OUT) output codes.

    Each layer's output is taken after its last quantizer and converted to codes
    exactly; a value off the grid or out of range raises (it would mean the model
    does not compute the format's arithmetic)."""
    import tensorflow as tf

    walk = walk_model(model)
    if walk.problems:
        raise UnsupportedModelError(model.name, walk.problems)
    for stage in walk.stages:
        if stage.conv.dtype != "float64":
            raise GoldenError(
                f"layer '{stage.name}' computes in {stage.conv.dtype}; load the model with load_qkeras_model "
                "(float64) so that every sum is exact"
            )
    codes = fmt.check_codes(samples_codes, "QKeras input samples")
    probe = tf.keras.Model(model.inputs, [stage.last_layer.output for stage in walk.stages])
    outputs = probe.predict(fmt.to_real(codes)[np.newaxis].astype(np.float64), verbose=0, batch_size=1)
    if len(walk.stages) == 1:
        outputs = [outputs]
    result = []
    for stage, values in zip(walk.stages, outputs):
        values = np.asarray(values, dtype=np.float64)  # quantized_relu returns float32: exact for on-grid codes
        result.append(fmt.from_real(values[0], f"QKeras output of layer '{stage.name}'"))
    return result


# --- checks -----------------------------------------------------------------------------------------------


def _graph_problems(model: Any, layers: list[Any]) -> list[str]:
    """The layers must form one chain input -> ... -> output, in list order."""
    problems = []
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        problems.append(f"the model has {len(model.inputs)} inputs and {len(model.outputs)} outputs; one of each is supported")
    if len(model.inputs) == 1 and len(model.inputs[0].shape) != 3:
        problems.append(f"the input has shape {tuple(model.inputs[0].shape)}; (batch, time, channels) is supported")
    previous = model.inputs[0] if model.inputs else None
    for layer in layers:
        if len(layer._inbound_nodes) != 1:
            problems.append(f"layer '{layer.name}': used {len(layer._inbound_nodes)} times; shared layers are not supported")
            continue
        inbound = layer._inbound_nodes[0].input_tensors
        if isinstance(inbound, (list, tuple)) or previous is None or inbound is not previous:
            problems.append(f"layer '{layer.name}': does not take the previous layer's output only; branches are not supported")
        previous = layer.output
    if layers and model.outputs and model.outputs[0] is not layers[-1].output:
        problems.append(f"the model output is not the output of its last layer '{layers[-1].name}'")
    return problems


def _model_format(layers: list[Any], problems: list[str]) -> QFormat | None:
    """The format Q(W,F) of the first conv's kernel quantizer; every other quantizer must match it."""
    from qkeras import QConv1D

    for layer in layers:
        if type(layer) is QConv1D:
            fmt, reason = _bits_format(layer.kernel_quantizer_internal)
            if fmt is None:
                problems.append(f"layer '{layer.name}' (QConv1D) kernel quantizer: {reason}")
            return fmt
    return None


def _bits_format(quantizer: Any) -> tuple[QFormat | None, str]:
    """The Q(W,F) of quantized_bits(W, W-F-1, alpha=1, keep_negative=1, symmetric=0), or why not."""
    from qkeras.quantizers import quantized_bits

    if quantizer is None:
        return None, "none (an unquantized float is not supported)"
    if type(quantizer) is not quantized_bits:
        return None, f"{_show(quantizer)} is not supported (only quantized_bits with alpha=1)"
    unsupported = []
    if not (isinstance(quantizer.alpha, (int, float)) and not isinstance(quantizer.alpha, bool) and quantizer.alpha == 1):
        unsupported.append(f"alpha={quantizer.alpha!r} (needs alpha=1: a fixed scale)")
    if not quantizer.keep_negative:
        unsupported.append("keep_negative=0 (needs a signed format)")
    if quantizer.symmetric:
        unsupported.append("symmetric=1 (needs the full two's-complement range)")
    if quantizer.use_stochastic_rounding:
        unsupported.append("stochastic rounding")
    if quantizer.qnoise_factor != 1:
        unsupported.append(f"qnoise_factor={quantizer.qnoise_factor} (needs 1: fully quantized)")
    fmt = None
    try:
        fmt = QFormat(int(quantizer.bits), int(quantizer.bits) - int(quantizer.integer) - 1)
    except GoldenError:
        unsupported.append(
            f"bits={quantizer.bits}, integer={quantizer.integer} is no Q(W,F) with 2 <= W <= 24, 1 <= F <= W-1"
        )
    if unsupported:
        return None, f"{_show(quantizer)}: " + ", ".join(unsupported)
    return fmt, ""


def _relu_matches(quantizer: Any, fmt: QFormat) -> str:
    """Empty if `quantizer` is quantized_relu(W-1, W-F-1) of `fmt`, else the reason."""
    expected = f"quantized_relu({fmt.width - 1},{fmt.width - fmt.frac - 1})"
    reasons = []
    if (int(quantizer.bits), int(quantizer.integer)) != (fmt.width - 1, fmt.width - fmt.frac - 1):
        reasons.append(f"bits={quantizer.bits}, integer={quantizer.integer} differ from {expected} of the model's format {fmt}")
    if quantizer.negative_slope:
        reasons.append(f"negative_slope={quantizer.negative_slope} (leaky ReLU)")
    if quantizer.use_sigmoid:
        reasons.append("use_sigmoid")
    if quantizer.relu_upper_bound is not None:
        reasons.append(f"relu_upper_bound={quantizer.relu_upper_bound}")
    if quantizer.use_stochastic_rounding:
        reasons.append("stochastic rounding")
    if quantizer.qnoise_factor != 1:
        reasons.append(f"qnoise_factor={quantizer.qnoise_factor}")
    return ", ".join(reasons)


def _apply_quantizer(stage: Stage, quantizer: Any, where: str, fmt: QFormat | None, problems: list[str]) -> None:
    """Fold one activation quantizer into the stage: the output quantizer or the ReLU."""
    from qkeras.quantizers import quantized_bits, quantized_relu

    if type(quantizer) is quantized_bits:
        own, reason = _bits_format(quantizer)
        if own is None:
            problems.append(f"{where}: {reason}")
        elif fmt is not None and own != fmt:
            problems.append(f"{where}: output quantizer {_show(quantizer)} is {own}, the model's format is {fmt} (mixed formats)")
        stage.requantised = True
    elif type(quantizer) is quantized_relu:
        reason = _relu_matches(quantizer, fmt) if fmt is not None else ""
        if reason:
            problems.append(f"{where}: {_show(quantizer)}: {reason}")
        stage.float32_relu = stage.float32_relu or not stage.requantised
        stage.relu = stage.requantised = True
    else:
        problems.append(f"{where}: activation {_show(quantizer)} is not supported (only quantized_bits and quantized_relu)")


def _close(stages: list[Stage], problems: list[str], when: str) -> None:
    if stages and not stages[-1].requantised:
        problems.append(
            f"layer '{stages[-1].conv.name}' (QConv1D): no output quantizer (quantized_bits or quantized_relu "
            f"of the format) {when}; the hardware requantises every layer"
        )


def _conv_problems(layer: Any, where: str, fmt: QFormat | None) -> list[str]:
    problems = []
    kernel_size, dilation = int(layer.kernel_size[0]), int(layer.dilation_rate[0])
    if layer.padding != "causal" and not (layer.padding == "valid" and kernel_size == 1):
        problems.append(f"{where}: padding '{layer.padding}' is not supported (only 'causal', or 'valid' for kernel size 1)")
    if int(layer.strides[0]) != 1:
        problems.append(f"{where}: strides {layer.strides[0]} are not supported (only 1)")
    if layer.data_format != "channels_last":
        problems.append(f"{where}: data_format '{layer.data_format}' is not supported (only channels_last)")
    if getattr(layer, "groups", 1) != 1:
        problems.append(f"{where}: groups={layer.groups} are not supported (only 1)")
    quantizers = [("kernel", layer.kernel_quantizer_internal)]
    if layer.use_bias:
        quantizers.append(("bias", layer.bias_quantizer_internal))
    for role, quantizer in quantizers:
        own, reason = _bits_format(quantizer)
        if own is None:
            if role != "kernel" or fmt is not None:  # a bad first kernel quantizer is reported by _model_format
                problems.append(f"{where} {role} quantizer: {reason}")
        elif fmt is not None and own != fmt:
            problems.append(f"{where} {role} quantizer: {_show(quantizer)} is {own}, the model's format is {fmt} (mixed formats)")
    if fmt is not None:
        terms = kernel_size * int(layer.kernel.shape[1])
        width = accumulator_width(fmt, terms) if 2 * fmt.width - 1 + terms.bit_length() <= 64 else None
        if width is None or width > FLOAT64_MANTISSA_BITS:
            problems.append(
                f"{where}: {terms} products of {fmt} need a {width or 'more than 64'}-bit accumulator; QKeras float64 "
                f"predict is exact only up to {FLOAT64_MANTISSA_BITS} bits, so it could not be proven equal"
            )
    if dilation < 1:
        problems.append(f"{where}: dilation {dilation} is not supported")
    return problems


def _weight_problems(walk: ModelWalk) -> list[str]:
    """Non-finite weights always; codes on the grid once the structure is supported (else the quantizers are unknown)."""
    problems = []
    for stage in walk.stages:
        for what, variable in _weights(stage.conv):
            raw = np.asarray(variable.numpy(), dtype=np.float64)
            bad = ~np.isfinite(raw)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                problems.append(f"{what}: weight {raw[index]} at index {index} is not finite ({int(bad.sum())} in total)")
    if problems or walk.problems or walk.fmt is None:
        return problems
    for stage in walk.stages:
        try:
            _weight_codes(stage, walk.fmt)
        except GoldenError as error:
            problems.append(str(error))
    return problems


def _weights(conv: Any) -> list[tuple[str, Any]]:
    weights = [(f"layer '{conv.name}' kernel", conv.kernel)]
    if conv.use_bias:
        weights.append((f"layer '{conv.name}' bias", conv.bias))
    return weights


def _weight_codes(stage: Stage, fmt: QFormat) -> tuple[np.ndarray, np.ndarray]:
    """Kernel (K, IN, OUT) and bias (OUT,) codes, quantized by the layer's own quantizers."""
    import tensorflow as tf

    conv = stage.conv
    kernel = _quantized(conv.kernel, conv.kernel_quantizer_internal, f"layer '{conv.name}' kernel", fmt, tf)
    if conv.use_bias:
        bias = _quantized(conv.bias, conv.bias_quantizer_internal, f"layer '{conv.name}' bias", fmt, tf)
    else:
        bias = np.zeros(kernel.shape[2], dtype=np.int64)  # no bias is a zero bias
    return kernel, bias


def _quantized(variable: Any, quantizer: Any, what: str, fmt: QFormat, tf: Any) -> np.ndarray:
    raw = np.asarray(variable.numpy(), dtype=np.float64)  # finite: checked by _weight_problems
    values = np.asarray(quantizer(tf.constant(raw, dtype=tf.float64)).numpy(), dtype=np.float64)
    return fmt.from_real(values, f"{what} after its quantizer {_show(quantizer)}")


def _identifier(text: str, taken: set[str]) -> str:
    """A manifest name from a Keras name: letters, digits and _, starting with a letter, unique."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text) or "layer"
    if not name[0].isalpha():
        name = "l_" + name
    unique, count = name, 1
    while unique in taken:
        count += 1
        unique = f"{name}_{count}"
    return unique


def _show(quantizer: Any) -> str:
    name = getattr(quantizer, "__name__", None)
    return str(quantizer) if name is None or hasattr(quantizer, "bits") else name
