"""QKeras model file -> model manifest, for the supported subset only (docs/qkeras-mapping.md).

The walk turns a chain of Keras layers into manifest layers ("stages"): each
QConv1D opens a stage, and the quantizers after it (its own activation, then
QActivation layers) close it. Every tensor keeps its own format: the kernel's
and bias's quantizers give theirs, the quantizer on the sum gives the output's
(quantized_bits: linear, signed or unsigned; quantized_relu: ReLU into an
unsigned range), and a stage with no quantizer passes the exact sum on (full
precision). Every problem found is collected, so one `UnsupportedModelError`
lists all of them; nothing is written unless the whole model is supported.

Weights are quantized with each layer's own QKeras quantizer (as QKeras does
in predict) and must then be exact codes of its format.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from golden.errors import GoldenError
from golden.frontend.load import load_qkeras_model  # noqa: F401  (re-exported: callers import it from here)
from golden.kinds import KINDS
from golden.kinds.conv1d import ConvLayer
from golden.kinds.po2 import Po2Layer, po2_decompose
from golden.layer_format import Activation, OperandFormats, OutputStage, wide_format
from golden.manifest import NetworkManifest, save_manifest
from golden.qformat import QFormat, Rounding

FLOAT64_MANTISSA_BITS = 53  # a float64 holds every integer of up to 53 bits exactly
EXPORT_RULES = ("conv1d", "po2")  # the kinds whose QConv1D this walk maps (a po2 kernel: _po2_kernel)


class UnsupportedModelError(GoldenError):
    """The model is outside the supported subset; the message lists every layer and reason."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = list(problems)
        super().__init__(
            f"{source} cannot be exported: it is outside the supported subset "
            "(causal QConv1D chains with quantized_bits/quantized_relu quantizers, "
            f"docs/qkeras-mapping.md). {len(self.problems)} problem(s): " + "; ".join(self.problems) + "."
        )


@dataclass
class Stage:
    """One manifest layer: a QConv1D and the quantizer layers that close it."""

    conv: Any
    name: str
    quantizers: list[tuple[Any, str]] = field(default_factory=list)  # (quantizer, where) applied to the output
    keras_layers: list[Any] = field(default_factory=list)
    kernel_fmt: QFormat | None = None
    bias_fmt: QFormat | None = None
    kind: str = "conv1d"  # the golden.kinds kind that claimed the QConv1D
    po2: tuple[np.ndarray, np.ndarray, int, int] | None = None  # po2: sign, exponent, EMIN, EMAX of the weights

    @property
    def last_layer(self) -> Any:
        return self.keras_layers[-1]


@dataclass
class ModelWalk:
    """The result of checking a model: its stages, their output stages and every problem found."""

    stages: list[Stage]
    outputs: list[OutputStage | None]  # per stage; None where a problem was found
    problems: list[str]
    notes: list[str]

    @property
    def input_format(self) -> QFormat | None:
        """The default input format: the first layer's kernel format (a signed Q(W,F)); for a po2 first
        layer, whose kernel has no such format, its bias format."""
        if not self.stages:
            return None
        return self.stages[0].bias_fmt if self.stages[0].kind == "po2" else self.stages[0].kernel_fmt


def walk_model(model: Any, rounding: Rounding | str = Rounding.RNE) -> ModelWalk:
    """Check `model` against the supported subset; collect every problem."""
    from qkeras import QActivation
    import tensorflow as tf

    problems: list[str] = []
    notes: list[str] = []
    layers = [layer for layer in model.layers if not isinstance(layer, tf.keras.layers.InputLayer)]
    problems += _graph_problems(model, layers)
    stages: list[Stage] = []
    for layer in layers:
        where = f"layer '{layer.name}' ({type(layer).__name__})"
        claimed = [kind.name for kind in KINDS.values() if kind.claims(layer)]
        if len(claimed) > 1 or (claimed and claimed[0] not in EXPORT_RULES):
            problems.append(f"{where}: layer kind(s) {', '.join(claimed)} claim it and have no single QKeras export "
                            "rule here")
        elif claimed:
            stage = Stage(conv=layer, name=_identifier(layer.name, {s.name for s in stages}), keras_layers=[layer],
                          kind=claimed[0])
            stages.append(stage)
            problems += _conv_problems(layer, where, stage)
            activation = layer.activation
            if activation is not None and getattr(activation, "__name__", None) != "linear":
                stage.quantizers.append((activation, f"{where} activation"))
        elif type(layer) is QActivation:
            if not stages:
                problems.append(f"{where}: an activation before any QConv1D has no layer to belong to")
                continue
            stages[-1].keras_layers.append(layer)
            stages[-1].quantizers.append((layer.quantizer, where))
        else:
            problems.append(f"{where}: layer type {type(layer).__name__} is not supported (only QConv1D and QActivation)")
    if not stages:
        problems.append("the model has no QConv1D layer")
    outputs = [_output_stage(stage, Rounding.parse(rounding), problems, notes) for stage in stages]
    walk = ModelWalk(stages=stages, outputs=outputs, problems=problems, notes=notes)
    if not problems:
        _sum_width_problems(walk, walk.input_format, problems)
    return walk


def audit_subset(model: Any) -> list[str]:
    """Every reason `model` is outside the supported subset; empty if it can be exported."""
    walk = walk_model(model)
    return walk.problems + _weight_problems(walk)


def model_to_manifest(
    model: Any, name: str, rounding: Rounding | str = Rounding.RNE, source: dict[str, Any] | None = None,
    origin: str = "model", input_format: QFormat | None = None,
) -> NetworkManifest:
    """The manifest of a supported model; raise UnsupportedModelError listing every problem otherwise.

    `input_format` overrides the default (the first layer's kernel format)."""
    walk = walk_model(model, rounding)
    problems = walk.problems + _weight_problems(walk)
    if not problems and input_format is not None:
        _sum_width_problems(walk, input_format, problems)
    if problems:
        raise UnsupportedModelError(origin, problems)
    fmt = input_format or walk.input_format
    layers = []
    for stage, output in zip(walk.stages, walk.outputs):
        kernel, bias = _weight_codes(stage)
        dilation = int(stage.conv.dilation_rate[0])
        if stage.po2 is not None:
            sign, exponent, exp_min, exp_max = stage.po2
            layer = Po2Layer(stage.name, sign, exponent, exp_min, exp_max, bias, fmt, stage.bias_fmt, output, dilation)
        else:
            layer = ConvLayer(stage.name, kernel, bias, OperandFormats(fmt, stage.kernel_fmt, stage.bias_fmt), output,
                              dilation)
        layers.append(layer.validate(f"layer '{stage.name}'"))
        fmt = layer.output_format
    provenance: dict[str, Any] = {
        "framework": "qkeras",
        "keras_layers": {stage.name: [layer.name for layer in stage.keras_layers] for stage in walk.stages},
        "quantizers": {
            stage.name: {
                "kernel": str(stage.conv.kernel_quantizer_internal),
                "bias": str(stage.conv.bias_quantizer_internal) if stage.conv.use_bias else None,
                "output": [_show(quantizer) for quantizer, _ in stage.quantizers],
            }
            for stage in walk.stages
        },
    }
    if walk.notes:
        provenance["notes"] = walk.notes
    provenance.update(source or {})
    input_channels = int(model.inputs[0].shape[-1])
    return NetworkManifest(
        name=name, input_format=input_format or walk.input_format, input_channels=input_channels,
        layers=tuple(layers), source=provenance,
    )


def export_model_file(
    model_path: Path | str, out: Path | str, name: str | None = None, rounding: Rounding | str = Rounding.RNE,
    input_format: QFormat | None = None,
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
        input_format=input_format,
    )
    save_manifest(manifest, out)
    return manifest


def qkeras_layer_outputs(model: Any, samples_codes: np.ndarray, manifest: NetworkManifest) -> list[np.ndarray]:
    """QKeras float64 predict of (T, IN) input codes: per manifest layer the (T, OUT) output codes.

    Each layer's output is taken after its last quantizer (or the raw sum, for a
    full-precision layer) and converted to codes of the manifest layer's output
    format exactly; a value off the grid or out of range raises (it would mean the
    model does not compute the manifest's arithmetic)."""
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
    codes = manifest.input_format.check_codes(samples_codes, "QKeras input samples")
    probe = tf.keras.Model(model.inputs, [stage.last_layer.output for stage in walk.stages])
    real = manifest.input_format.to_real(codes)[np.newaxis].astype(np.float64)
    outputs = probe.predict(real, verbose=0, batch_size=1)
    if len(walk.stages) == 1:
        outputs = [outputs]
    result = []
    for stage, layer, values in zip(walk.stages, manifest.layers, outputs):
        values = np.asarray(values, dtype=np.float64)  # quantized_relu returns float32: exact for on-grid codes
        result.append(layer.output_format.from_real(values[0], f"QKeras output of layer '{stage.name}'"))
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


def _bits_format(quantizer: Any) -> tuple[QFormat | None, str]:
    """The format of quantized_bits(bits, integer, keep_negative, alpha=1): Q or UQ(bits, bits - keep_negative -
    integer), the sign counted apart as QKeras does; or why it is not supported."""
    from qkeras.quantizers import quantized_bits

    if quantizer is None:
        return None, "none (an unquantized float is not supported)"
    if type(quantizer) is not quantized_bits:
        return None, f"{_show(quantizer)} is not supported (only quantized_bits with alpha=1)"
    unsupported = []
    alpha = quantizer.alpha
    if isinstance(alpha, str) and alpha == "auto_po2":
        unsupported.append(
            "alpha='auto_po2' (per-output-channel power-of-two scales chosen from the weights at run time; QKeras "
            "0.9.0 cannot evaluate it in float64, so the model cannot be proven exact; set alpha=1)"
        )
    elif not (isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and alpha == 1):
        unsupported.append(f"alpha={alpha!r} (needs alpha=1: a fixed scale)")
    if quantizer.symmetric:
        unsupported.append("symmetric=1 (needs the full two's-complement range)")
    if quantizer.use_stochastic_rounding:
        unsupported.append("stochastic rounding")
    if quantizer.qnoise_factor != 1:
        unsupported.append(f"qnoise_factor={quantizer.qnoise_factor} (needs 1: fully quantized)")
    fmt = None
    keep_negative = bool(quantizer.keep_negative)
    try:
        bits, integer = int(quantizer.bits), int(quantizer.integer)
        fmt = QFormat(bits, bits - int(keep_negative) - integer, keep_negative)
    except GoldenError as error:
        unsupported.append(f"bits={quantizer.bits}, integer={quantizer.integer}: {error}")
    if unsupported:
        return None, f"{_show(quantizer)}: " + ", ".join(unsupported)
    return fmt, ""


def _relu_format(quantizer: Any) -> tuple[QFormat | None, str]:
    """The unsigned format UQ(bits, bits - integer) of quantized_relu(bits, integer), or why not."""
    reasons = []
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
    fmt = None
    try:
        bits, integer = int(quantizer.bits), int(quantizer.integer)
        fmt = QFormat(bits, bits - integer, signed=False)
    except GoldenError as error:
        reasons.append(f"bits={quantizer.bits}, integer={quantizer.integer}: {error}")
    return (None, f"{_show(quantizer)}: " + ", ".join(reasons)) if reasons else (fmt, "")


def _output_stage(stage: Stage, rounding: Rounding, problems: list[str], notes: list[str]) -> OutputStage | None:
    """The quantizers after a QConv1D as one output stage (docs/qkeras-mapping.md):

    none                       -> full precision (the exact sum)
    quantized_bits             -> linear into its (signed or unsigned) format
    quantized_relu             -> ReLU into its unsigned format; on the raw sum through float32, as QKeras does
    several with the same fractional bits (e.g. quantized_bits, then quantized_relu)
                               -> rounded once, clipped to the narrowest range"""
    from qkeras.quantizers import quantized_bits, quantized_relu

    formats = []
    for quantizer, where in stage.quantizers:
        if type(quantizer) is quantized_bits:
            fmt, reason = _bits_format(quantizer)
            formats.append(("bits", fmt))
        elif type(quantizer) is quantized_relu:
            fmt, reason = _relu_format(quantizer)
            formats.append(("relu", fmt))
        else:
            name = _show(quantizer)
            problems.append(
                f"{where}: activation {name} is not supported (only quantized_bits and quantized_relu; "
                "no float activations, quantized_tanh, quantized_po2 activations, ...)"
            )
            return None
        if fmt is None:
            problems.append(f"{where}: {reason}")
            return None
    if not formats:
        return OutputStage(Activation.LINEAR, None, rounding)
    relu = any(role == "relu" for role, _ in formats)
    float32_input = formats[0][0] == "relu"  # quantized_relu on the raw sum casts it to float32 first
    fracs = {fmt.frac for _, fmt in formats}
    low = max(fmt.min_code for _, fmt in formats)
    high = min(fmt.max_code for _, fmt in formats)
    low = max(low, 0) if relu else low
    # After the first quantizer every value is on its grid; a later one with the same fractional bits
    # only clips, so the chain is one rounding and the intersection of the ranges -- expressible when
    # that intersection is one of the formats' own range (ReLU: from 0).
    matching = [fmt for _, fmt in formats if ((max(fmt.min_code, 0) if relu else fmt.min_code), fmt.max_code) == (low, high)]
    if len(fracs) == 1 and matching:
        return OutputStage(Activation.RELU if relu else Activation.LINEAR, matching[-1], rounding, float32_input)
    chain = ", ".join(_show(q) for q, _ in stage.quantizers)
    problems.append(
        f"layer '{stage.conv.name}': quantizers {chain} in a row are not supported (a later quantizer with other "
        "fractional bits rounds a second time, and the ranges must nest)"
    )
    return None


def _sum_width_problems(walk: ModelWalk, input_format: QFormat | None, problems: list[str]) -> None:
    """Every layer's exact sum must fit float64's 53 bits, or QKeras predict itself is not exact."""
    fmt = input_format
    for stage, output in zip(walk.stages, walk.outputs):
        if fmt is None or stage.kernel_fmt is None or stage.bias_fmt is None or output is None:
            return
        terms = int(stage.conv.kernel_size[0]) * int(stage.conv.kernel.shape[1])
        try:
            operands = OperandFormats(fmt, stage.kernel_fmt, stage.bias_fmt)
            width = operands.accumulator_width(terms)
        except GoldenError as error:
            problems.append(f"layer '{stage.conv.name}': {error}")
            return
        if width > FLOAT64_MANTISSA_BITS:
            problems.append(
                f"layer '{stage.conv.name}': {terms} products of {fmt} x {stage.kernel_fmt} need a {width}-bit "
                f"accumulator; QKeras float64 predict is exact only up to {FLOAT64_MANTISSA_BITS} bits, so it "
                "could not be proven equal"
            )
        fmt = output.output_format(operands, terms)


def _conv_problems(layer: Any, where: str, stage: Stage) -> list[str]:
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
    if stage.kind == "po2":
        problems += _po2_kernel(layer, where, stage)
    else:
        kernel_fmt, reason = _bits_format(layer.kernel_quantizer_internal)
        if kernel_fmt is None:
            problems.append(f"{where} kernel quantizer: {reason}")
        else:
            stage.kernel_fmt = kernel_fmt.as_signed()  # an unsigned kernel is stored with a zero sign bit
    if layer.use_bias:
        bias_fmt, reason = _bits_format(layer.bias_quantizer_internal)
        if bias_fmt is None:
            problems.append(f"{where} bias quantizer: {reason}")
        else:
            stage.bias_fmt = bias_fmt.as_signed()
    else:  # no bias is a zero bias; a po2 kernel's equivalent format may be wider than a bias format can be
        stage.bias_fmt = QFormat(2, 0) if stage.kind == "po2" else stage.kernel_fmt
    if dilation < 1:
        problems.append(f"{where}: dilation {dilation} is not supported")
    return problems


def _po2_kernel(layer: Any, where: str, stage: Stage) -> list[str]:
    """A quantized_po2 kernel (docs/arithmetic.md 7.7): its options, then its weights' signs and exponents.

    The exponents come from the quantizer's own float32 output, decomposed with frexp (exact): QKeras
    0.9.0's quantized_po2 does not run in float64, and a log2 in float64 would round differently from
    float32 near the geometric midpoints. The kernel format is the equivalent Q(EMAX-EMIN+2, -EMIN) of
    the exponents the layer actually uses, so the float64 sum-width check sees the real widths."""
    quantizer = layer.kernel_quantizer_internal
    reasons = []
    if quantizer.use_stochastic_rounding:
        reasons.append("stochastic rounding")
    if quantizer.quadratic_approximation:
        reasons.append("quadratic_approximation")
    if quantizer.log2_rounding != "rnd":
        reasons.append(f"log2_rounding={quantizer.log2_rounding!r} (needs 'rnd')")
    if quantizer.qnoise_factor != 1:
        reasons.append(f"qnoise_factor={quantizer.qnoise_factor} (needs 1: fully quantized)")
    if reasons:
        return [f"{where} kernel quantizer: {_show(quantizer)}: " + ", ".join(reasons)]
    raw = np.asarray(layer.kernel.numpy(), dtype=np.float64)
    if not np.isfinite(raw).all():
        return []  # _weight_problems names the weight
    try:
        sign, exponent = po2_decompose(float32_quantized(quantizer, raw), f"layer '{layer.name}' kernel after its "
                                       f"quantizer {_show(quantizer)}")
    except GoldenError as error:
        return [str(error)]
    used = exponent[sign != 0]
    exp_min, exp_max = (int(used.min()), int(used.max())) if used.size else (0, 0)
    stage.po2 = (sign, np.where(sign == 0, exp_min, exponent), exp_min, exp_max)
    stage.kernel_fmt = wide_format(exp_max - exp_min + 2, -exp_min)
    return []


def float32_quantized(quantizer: Any, values: np.ndarray) -> np.ndarray:
    """`quantizer` applied in float32 (how a float32 user trains and QKeras 0.9.0 runs quantized_po2), as float64."""
    import tensorflow as tf

    return np.asarray(quantizer(tf.constant(np.asarray(values, dtype=np.float32))).numpy(), dtype=np.float64)


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
    if problems or walk.problems:
        return problems
    for stage in walk.stages:
        try:
            _weight_codes(stage)
        except GoldenError as error:
            problems.append(str(error))
    return problems


def _weights(conv: Any) -> list[tuple[str, Any]]:
    weights = [(f"layer '{conv.name}' kernel", conv.kernel)]
    if conv.use_bias:
        weights.append((f"layer '{conv.name}' bias", conv.bias))
    return weights


def _weight_codes(stage: Stage) -> tuple[np.ndarray, np.ndarray]:
    """Kernel (K, IN, OUT) and bias (OUT,) codes, quantized by the layer's own quantizers."""
    import tensorflow as tf

    conv = stage.conv
    if stage.po2 is not None:  # already decomposed by _po2_kernel
        kernel = stage.po2[0] << (stage.po2[1] - stage.po2[2])
    else:
        kernel = _quantized(conv.kernel, conv.kernel_quantizer_internal, f"layer '{conv.name}' kernel", stage.kernel_fmt,
                            tf)
    if conv.use_bias:
        bias = _quantized(conv.bias, conv.bias_quantizer_internal, f"layer '{conv.name}' bias", stage.bias_fmt, tf)
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
