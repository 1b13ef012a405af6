"""QKeras model file -> model manifest, for the supported subset only (docs/qkeras-mapping.md).

The walk turns a chain of Keras layers into manifest layers ("stages"): each
layer a registered kind claims (golden.kinds: `LayerKind.claims`) opens a
stage, read by that kind's import rule (`LayerKind.keras_import`: its options,
weight quantizers and weights), and the quantizers after it (its own
activation, then QActivation layers) close it. The walk names no kind. Every
tensor keeps its own format: the kind's import gives the weights' formats,
the quantizer on the sum gives the output's (quantized_bits: linear, signed or
unsigned; quantized_relu: ReLU into an unsigned range), and a stage with no
quantizer passes the exact sum on (full precision). Every problem found is
collected, so one `UnsupportedModelError` lists all of them; nothing is
written unless the whole model is supported.

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
from golden.frontend.load import inbound_layers, load_qkeras_model  # noqa: F401  (load_qkeras_model re-exported)
from golden.frontend.quantizers import bits_format, relu_format, show
from golden.kinds import KINDS
from golden.kinds.base import KerasImport
from golden.layer_format import Activation, OutputStage
from golden.manifest import INPUT_TENSOR, NetworkManifest, save_manifest
from golden.qformat import QFormat, Rounding


def keras_layer_names() -> list[str]:
    """The Keras layer classes the registered kinds take, each once, in registry order."""
    return list(dict.fromkeys(name for kind in KINDS.values() for name in kind.keras_layers))


class UnsupportedModelError(GoldenError):
    """The model is outside the supported subset; the message lists every layer and reason."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = list(problems)
        super().__init__(
            f"{source} cannot be exported: it is outside the supported subset "
            f"(a graph of {' / '.join(keras_layer_names())} layers with quantized_bits/quantized_relu quantizers, "
            f"docs/qkeras-mapping.md). {len(self.problems)} problem(s): " + "; ".join(self.problems) + "."
        )


@dataclass
class Stage:
    """One manifest layer: a Keras layer a kind claimed (read by its import rule) and the quantizer layers that
    close it."""

    source: KerasImport
    name: str
    quantizers: list[tuple[Any, str]] = field(default_factory=list)  # (quantizer, where) applied to the output
    keras_layers: list[Any] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # the stages it reads (their names), or INPUT_TENSOR

    @property
    def keras_layer(self) -> Any:
        return self.source.keras_layer

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
    output: str = ""  # the stage whose output is the model's

    @property
    def is_chain(self) -> bool:
        names = [INPUT_TENSOR] + [stage.name for stage in self.stages]
        return (all(stage.inputs == [names[i]] for i, stage in enumerate(self.stages))
                and (not self.stages or self.output == self.stages[-1].name))

    @property
    def input_format(self) -> QFormat | None:
        """The default input format: the one the first layer's kind suggests (a conv's kernel format)."""
        return self.stages[0].source.default_input_format if self.stages else None


def walk_model(model: Any, rounding: Rounding | str = Rounding.RNE) -> ModelWalk:
    """Check `model` against the supported subset; collect every problem."""
    from qkeras import QActivation
    import tensorflow as tf

    problems: list[str] = []
    notes: list[str] = []
    layers = [layer for layer in model.layers if not isinstance(layer, tf.keras.layers.InputLayer)]
    problems += _graph_problems(model, layers)
    # Which stage each Keras layer's output belongs to (the network input: INPUT_TENSOR), and how many layers
    # (and the model output) read it: a quantizer may close a stage only if nothing else reads its raw output.
    owner: dict[int, str] = {}
    for layer in layers:  # a Sequential model's InputLayer is not among its layers
        owner.update({id(inbound): INPUT_TENSOR for inbound in inbound_layers(layer)
                      if isinstance(inbound, tf.keras.layers.InputLayer)})
    readers: dict[int, int] = {}
    for layer in layers:
        for inbound in inbound_layers(layer):
            readers[id(inbound)] = readers.get(id(inbound), 0) + 1
    for tensor in model.outputs:
        producer = tensor._keras_history.layer
        readers[id(producer)] = readers.get(id(producer), 0) + 1
    stages: list[Stage] = []
    by_name: dict[str, Stage] = {}
    for layer in layers:
        where = f"layer '{layer.name}' ({type(layer).__name__})"
        inbound = inbound_layers(layer)
        claimed = [kind for kind in KINDS.values() if kind.claims(layer)]
        if len(claimed) > 1:
            problems.append(f"{where}: layer kinds {', '.join(kind.name for kind in claimed)} all claim it")
        elif claimed:
            source = claimed[0].keras_import(layer, where)
            stage = Stage(source=source, name=_identifier(layer.name, {s.name for s in stages}), keras_layers=[layer])
            unknown = [l.name for l in inbound if id(l) not in owner]
            if unknown:
                problems.append(f"{where}: reads {', '.join(unknown)}, which is not a supported layer's output")
            stage.inputs = [owner[id(l)] for l in inbound if id(l) in owner]
            stages.append(stage)
            by_name[stage.name] = stage
            owner[id(layer)] = stage.name
            problems += source.problems
            stage.quantizers += [(quantizer, f"{where} activation") for quantizer in source.output_quantizers()]
        elif type(layer) is QActivation:
            before = inbound[0] if len(inbound) == 1 else None
            stage = by_name.get(owner.get(id(before), "")) if before is not None else None
            if stage is None:
                problems.append(f"{where}: an activation before any {' or '.join(keras_layer_names())} layer has no "
                                "layer to belong to")
                continue
            if stage.last_layer is not before or readers.get(id(before), 0) > 1:
                problems.append(f"{where}: quantizes the output of '{before.name}', which is also read unquantized "
                                "elsewhere; a tensor is read after all its quantizers")
                owner[id(layer)] = stage.name  # its readers are not refused for it again
                continue
            stage.keras_layers.append(layer)
            stage.quantizers.append((layer.quantizer, where))
            owner[id(layer)] = stage.name
        else:
            problems.append(f"{where}: layer type {type(layer).__name__} is not supported (only "
                            f"{', '.join(dict.fromkeys([*keras_layer_names(), 'QActivation']))})")
    output = ""
    if len(model.outputs) == 1:
        producer = model.outputs[0]._keras_history.layer
        output = owner.get(id(producer), "")
        if output and output != INPUT_TENSOR and by_name[output].last_layer is not producer:
            problems.append(f"the model output is '{producer.name}', inside layer '{output}' (before its quantizers)")
    if not stages:
        problems.append(f"the model has no {' or '.join(keras_layer_names())} layer")
    outputs = [_output_stage(stage, Rounding.parse(rounding), problems, notes) for stage in stages]
    walk = ModelWalk(stages=stages, outputs=outputs, problems=problems, notes=notes, output=output)
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
    if not problems and input_format is None and walk.input_format is None:
        problems.append(_undeclared_input_format(walk))
    if problems:
        raise UnsupportedModelError(origin, problems)
    formats: dict[str, QFormat] = {INPUT_TENSOR: input_format or walk.input_format}
    layers = []
    for stage, output in zip(walk.stages, walk.outputs):
        layer = stage.source.build(stage.name, _given(stage, formats), output)
        layers.append(layer)
        formats[stage.name] = layer.output_format
    provenance: dict[str, Any] = {
        "framework": "qkeras",
        "keras_layers": {stage.name: [layer.name for layer in stage.keras_layers] for stage in walk.stages},
        "quantizers": {
            stage.name: {**stage.source.provenance(), "output": [show(quantizer) for quantizer, _ in stage.quantizers]}
            for stage in walk.stages
        },
    }
    if walk.notes:
        provenance["notes"] = walk.notes
    provenance.update(source or {})
    input_channels = int(model.inputs[0].shape[-1])
    graph = {} if walk.is_chain else {"inputs": tuple(tuple(stage.inputs) for stage in walk.stages),
                                      "output": walk.output}
    return NetworkManifest(
        name=name, input_format=input_format or walk.input_format, input_channels=input_channels,
        layers=tuple(layers), source=provenance, **graph,
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
        name=name or manifest_name(model_path),
        rounding=rounding,
        source={"file": model_path.name, "sha256": hashlib.sha256(model_path.read_bytes()).hexdigest()},
        origin=str(model_path),
        input_format=input_format,
    )
    save_manifest(manifest, out)
    return manifest


def manifest_name(model_path: Path | str) -> str:
    """The manifest name of a model file: its stem as an ASCII identifier (modèle.h5 -> mod_le), the one rule
    scripts/export_model.py and scripts/audit.py share."""
    return _identifier(Path(model_path).stem, set())


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
        if stage.keras_layer.dtype != "float64":
            raise GoldenError(
                f"layer '{stage.name}' computes in {stage.keras_layer.dtype}; load the model with load_qkeras_model "
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
    """One (batch, time, channels) input, one output, every layer used once (the walk follows the graph)."""
    problems = []
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        problems.append(f"the model has {len(model.inputs)} inputs and {len(model.outputs)} outputs; one of each is supported")
    if len(model.inputs) == 1 and len(model.inputs[0].shape) != 3:
        problems.append(f"the input has shape {tuple(model.inputs[0].shape)}; (batch, time, channels) is supported")
    for layer in layers:
        if len(layer._inbound_nodes) != 1:
            problems.append(f"layer '{layer.name}': used {len(layer._inbound_nodes)} times; shared layers are not supported")
    return problems


def _given(stage: Stage, formats: dict[str, QFormat | None]) -> Any:
    """The input format(s) a stage's import takes: its one input's, or the tuple of a join's."""
    given = tuple(formats.get(name) for name in stage.inputs)
    return given if len(given) > 1 else given[0] if given else None


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
            fmt, reason = bits_format(quantizer)
            formats.append(("bits", fmt))
        elif type(quantizer) is quantized_relu:
            fmt, reason = relu_format(quantizer)
            formats.append(("relu", fmt))
        else:
            name = show(quantizer)
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
    chain = ", ".join(show(q) for q, _ in stage.quantizers)
    problems.append(
        f"layer '{stage.keras_layer.name}': quantizers {chain} in a row are not supported (a later quantizer with other "
        "fractional bits rounds a second time, and the ranges must nest)"
    )
    return None


def _sum_width_problems(walk: ModelWalk, input_format: QFormat | None, problems: list[str]) -> None:
    """Every layer's exact sum must fit float64's 53 bits, or QKeras predict itself is not exact (each kind's
    import says what its sums need)."""
    formats: dict[str, QFormat | None] = {INPUT_TENSOR: input_format}
    for stage, output in zip(walk.stages, walk.outputs):
        given = _given(stage, formats)
        if output is None or given is None or (isinstance(given, tuple) and None in given):
            return
        try:
            problem = stage.source.sum_problem(given)
            if problem:  # the layers after it have no known input format
                problems.append(problem)
                return
            formats[stage.name] = stage.source.output_format(given, output)
        except GoldenError as error:
            problems.append(f"layer '{stage.keras_layer.name}': {error}")
            return


def _undeclared_input_format(walk: ModelWalk) -> str:
    """The refusal when nothing defines the network input's format: never guessed (from a bias, say)."""
    first = walk.stages[0].keras_layer
    return (f"layer '{first.name}' ({type(first).__name__}), the first layer, does not define the network input's "
            "format (its layer kind suggests none, and a bias format is never taken for it); declare it: "
            "--input-format Q(W,F) "
            "(scripts/export_model.py, scripts/audit.py; make audit INPUT_FORMAT=), or input_format= of "
            "model_to_manifest / export_model_file")


def _weight_problems(walk: ModelWalk) -> list[str]:
    """Non-finite weights always; codes on the grid once the structure is supported (else the quantizers are unknown)."""
    problems = []
    for stage in walk.stages:
        for what, variable in stage.source.weights():
            raw = np.asarray(variable.numpy(), dtype=np.float64)
            bad = ~np.isfinite(raw)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                problems.append(f"{what}: weight {raw[index]} at index {index} is not finite ({int(bad.sum())} in total)")
    if problems or walk.problems:
        return problems
    for stage in walk.stages:
        problems += stage.source.weight_problems()
    return problems


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
