"""The model manifest: a network as the hardware sees it, in one versioned YAML file.

A manifest is the hand-over point between training (QKeras, `golden.frontend.export`)
and everything that must compute the same thing (`golden.network`, the RTL
generator, the audit). It holds integer codes only, never floats, so it is
exact by construction. Layout (docs/manifest.md), version 2:

    manifest_version: 2
    name: fpga
    input_format: {width: 16, frac: 12, signed: true}
    input_channels: 4
    source: {...}            # free-form provenance (file, sha256, quantizers)
    layers:
      - name: qconv_0
        kind: conv1d         # golden.kinds: the kind owns the rest of the entry
        ...

Version 3 makes the network a graph (docs/manifest.md, "Graphs"): a layer may name its
input tensors, `inputs: [a, b]` (layer names, or `input` for the network input), and
`output:` names the network's output tensor. Without them a layer reads the one before it
and the last layer is the output, so a chain is written as version 2 and reads the same.

Version 1 files (one `format` and `rounding` for the whole network, `relu` per
layer, every layer a conv1d) still load.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from golden.atomic import write_text_atomic
from golden.errors import GoldenError
from golden.kinds import KINDS, Layer, kind_of, lookup
from golden.layer_format import OutputStage
from golden.qformat import QFormat, Rounding, format_from_dict
from golden.yaml_file import read_yaml

MANIFEST_VERSION = 3
CHAIN_VERSION = 2  # a chain is written as version 2: no `inputs`, nothing a version-2 reader would miss
READABLE_VERSIONS = (1, 2, 3)
MAX_CHANNELS = 1024
INPUT_TENSOR = "input"  # the network input's name in `inputs`


class ManifestError(GoldenError):
    """A manifest file or structure is invalid; the message names the file and field."""


@dataclass(frozen=True, eq=False)
class NetworkManifest:
    """A validated network: an input format and a graph of layers whose channels and formats line up.

    `inputs[i]` names the tensors layer i reads (layer names, or INPUT_TENSOR); empty means a chain, each layer
    reading the one before it. `output` names the network output ("" means the last layer). Layers are in
    dataflow order: each reads only the input and layers before it."""

    name: str
    input_format: QFormat
    input_channels: int
    layers: tuple[Layer, ...]
    source: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[tuple[str, ...], ...] = ()
    output: str = ""

    def __post_init__(self) -> None:
        _check_name(self.name, "manifest name")
        if not isinstance(self.input_format, QFormat):
            raise ManifestError(f"manifest {self.name}: input_format must be a QFormat, got {self.input_format!r}")
        _check_count(self.input_channels, "input_channels", 1, MAX_CHANNELS, self.name)
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ManifestError(f"manifest {self.name}: no layers")
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise ManifestError(f"manifest {self.name}, layer {index}: expected a layer of a registered kind, "
                                    f"got {type(layer).__name__}")
        names = [layer.name for layer in self.layers]
        inputs = self.inputs or tuple((INPUT_TENSOR if i == 0 else names[i - 1],) for i in range(len(names)))
        object.__setattr__(self, "inputs", tuple(tuple(names_) for names_ in inputs))
        object.__setattr__(self, "output", self.output or names[-1])
        _check_graph(self.name, names, self.inputs, self.output)
        shapes = {INPUT_TENSOR: (self.input_channels, self.input_format)}
        for index, (layer, reads) in enumerate(zip(self.layers, self.inputs)):
            where = f"manifest {self.name}, layer {index} ({layer.name})"
            kind = kind_of(layer)
            if not kind.min_inputs <= len(reads) <= kind.max_inputs:
                raise ManifestError(f"{where}: {_arity(kind)}, `inputs` names {len(reads)}")
            if len(layer.input_formats) != len(reads) or len(layer.input_channel_counts) != len(reads):
                raise ManifestError(f"{where}: the layer describes {len(layer.input_formats)} inputs, `inputs` names "
                                    f"{len(reads)}")
            for slot, (tensor, channels, fmt) in enumerate(zip(reads, layer.input_channel_counts,
                                                                layer.input_formats)):
                given_channels, given_fmt = shapes[tensor]
                what = f"input {slot} ({tensor})" if len(reads) > 1 else "input"
                source = "the network input" if tensor == INPUT_TENSOR else f"layer {tensor}"
                if channels != given_channels:
                    raise ManifestError(f"{where}: {what} has {channels} channels in the layer, {source} gives "
                                        f"{given_channels}")
                if fmt != given_fmt:
                    raise ManifestError(f"{where}: {what} format {fmt} differs from {source}'s output format "
                                        f"{given_fmt}")
            shapes[layer.name] = (layer.out_channels, layer.output_format)

    @property
    def is_chain(self) -> bool:
        """Every layer reads the one before it (the first the input) and the last is the output."""
        names = [layer.name for layer in self.layers]
        chain = tuple((INPUT_TENSOR if i == 0 else names[i - 1],) for i in range(len(names)))
        return self.inputs == chain and self.output == names[-1]

    @property
    def output_layer(self) -> Layer:
        return self.layers[self.layer_index(self.output)]

    def layer_index(self, name: str) -> int:
        """The position of layer `name` (a ManifestError names an unknown one)."""
        for index, layer in enumerate(self.layers):
            if layer.name == name:
                return index
        raise ManifestError(f"manifest {self.name}: no layer named {name!r}")

    def consumers(self, tensor: str) -> list[tuple[int, int]]:
        """(layer index, input slot) of every read of `tensor`, in layer order."""
        return [(index, slot) for index, reads in enumerate(self.inputs) for slot, name in enumerate(reads)
                if name == tensor]

    @property
    def output_channels(self) -> int:
        return self.output_layer.out_channels

    @property
    def macs_per_sample(self) -> int:
        """Multiply-accumulates per sample over the layers (MAC efficiency's numerator)."""
        return sum(layer.macs_per_sample for layer in self.layers)

    @property
    def output_format(self) -> QFormat:
        return self.output_layer.output_format

    @property
    def receptive_field(self) -> int:
        """Input samples one output depends on: 1 + the longest path's history."""
        reach = {INPUT_TENSOR: 0}
        for layer, reads in zip(self.layers, self.inputs):
            reach[layer.name] = max(reach[name] for name in reads) + layer.history
        return 1 + reach[self.output]

    @property
    def parameter_count(self) -> int:
        return sum(layer.parameter_count for layer in self.layers)


def _arity(kind: Any) -> str:
    wanted = str(kind.min_inputs) if kind.min_inputs == kind.max_inputs else f"{kind.min_inputs} to {kind.max_inputs}"
    return f"a {kind.name} layer reads {wanted} input(s)"


def _check_graph(manifest: str, names: list[str], inputs: tuple[tuple[str, ...], ...], output: str) -> None:
    """Names unique, every input known, no cycle, dataflow order, every tensor used; errors name the layer."""
    seen: set[str] = set()
    for index, name in enumerate(names):
        _check_name(name, f"manifest {manifest}, layer {index} name")
        if name in seen:
            raise ManifestError(f"manifest {manifest}, layer {index} ({name}): duplicate layer name")
        if name == INPUT_TENSOR:
            raise ManifestError(f"manifest {manifest}, layer {index}: the name {INPUT_TENSOR!r} is the network input's")
        seen.add(name)
    if len(inputs) != len(names):
        raise ManifestError(f"manifest {manifest}: `inputs` has {len(inputs)} entries for {len(names)} layers")
    position = {name: index for index, name in enumerate(names)}
    for index, (name, reads) in enumerate(zip(names, inputs)):
        where = f"manifest {manifest}, layer {index} ({name})"
        if not reads:
            raise ManifestError(f"{where}: `inputs` is empty; name at least one tensor")
        for tensor in reads:
            if tensor != INPUT_TENSOR and tensor not in position:
                raise ManifestError(f"{where}: unknown input {tensor!r}; inputs are layer names or {INPUT_TENSOR!r}")
    cycle = _find_cycle(names, inputs)
    if cycle:
        raise ManifestError(f"manifest {manifest}: the layers form a cycle: {' -> '.join(cycle)}")
    for index, (name, reads) in enumerate(zip(names, inputs)):
        later = [tensor for tensor in reads if tensor != INPUT_TENSOR and position[tensor] >= index]
        if later:
            raise ManifestError(f"manifest {manifest}, layer {index} ({name}): reads {later[0]}, which comes later; "
                                f"list the layers in dataflow order")
    if output not in position:
        raise ManifestError(f"manifest {manifest}: output {output!r} is not a layer")
    used = {tensor for reads in inputs for tensor in reads} | {output}
    for index, name in enumerate(names):
        if name not in used:
            raise ManifestError(f"manifest {manifest}, layer {index} ({name}): its output is unused (no layer reads "
                                f"it and it is not the network output {output})")
    if INPUT_TENSOR not in used:
        raise ManifestError(f"manifest {manifest}: no layer reads the network input")


def _find_cycle(names: list[str], inputs: tuple[tuple[str, ...], ...]) -> list[str]:
    """A cycle of layer names (its first name repeated at the end), or [] if the graph is acyclic."""
    reads = dict(zip(names, inputs))
    state: dict[str, int] = {}  # 1 on the path being walked, 2 done
    path: list[str] = []

    def walk(name: str) -> list[str]:
        state[name] = 1
        path.append(name)
        for tensor in reads[name]:
            if tensor == INPUT_TENSOR:
                continue
            if state.get(tensor) == 1:
                return path[path.index(tensor):] + [tensor]
            if tensor not in state:
                found = walk(tensor)
                if found:
                    return found
        path.pop()
        state[name] = 2
        return []

    for name in names:
        if name not in state:
            found = walk(name)
            if found:
                return list(reversed(found))
    return []


def with_rounding(manifest: NetworkManifest, rounding: Rounding | str) -> NetworkManifest:
    """The same network with every layer's output stage rounding by `rounding` (e.g. trunc, to measure it)."""
    mode = Rounding.parse(rounding)
    layers = tuple(dataclasses.replace(layer, output=dataclasses.replace(layer.output, rounding=mode))
                   if isinstance(getattr(layer, "output", None), OutputStage) else layer  # an activation has its own
                   for layer in manifest.layers)
    return dataclasses.replace(manifest, layers=layers)


def manifest_to_dict(manifest: NetworkManifest) -> dict[str, Any]:
    """The YAML structure of `manifest` (plain Python ints, lists and dicts): version 2 for a chain, else the
    current version with every layer's `inputs` and the `output`."""
    chain = manifest.is_chain
    layers = []
    for layer, reads in zip(manifest.layers, manifest.inputs):
        entry = kind_of(layer).to_dict(layer)
        if not chain:
            entry = {"name": entry["name"], "kind": entry["kind"], "inputs": list(reads),
                     **{key: value for key, value in entry.items() if key not in ("name", "kind")}}
        layers.append(entry)
    data = {
        "manifest_version": CHAIN_VERSION if chain else MANIFEST_VERSION,
        "name": manifest.name,
        "input_format": manifest.input_format.to_dict(),
        "input_channels": manifest.input_channels,
        "source": dict(manifest.source),
        "layers": layers,
    }
    if not chain:
        data["output"] = manifest.output
    return data


def manifest_from_dict(data: Any, origin: str = "manifest") -> NetworkManifest:
    """Validate the YAML structure `data` (version 1 or 2); errors name `origin` (a file) and the field."""
    if not isinstance(data, dict):
        raise ManifestError(f"{origin}: expected a mapping at the top level, got {type(data).__name__}")
    version = data.get("manifest_version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise ManifestError(
            f"{origin}: manifest_version {version!r} is not supported; this code reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}"
        )
    defaults: dict[str, Any] = {}
    try:
        if version == 1:
            fmt_data = _field(data, "format", dict, origin)
            fmt = QFormat(_field(fmt_data, "width", int, f"{origin}: format"), _field(fmt_data, "frac", int, f"{origin}: format"))
            defaults = {"format": fmt, "rounding": Rounding.parse(_field(data, "rounding", str, origin))}
            input_format = fmt
        else:
            input_format = format_from_dict(_field(data, "input_format", dict, origin), "input_format")
    except ManifestError:
        raise
    except GoldenError as error:
        raise ManifestError(f"{origin}: {error}") from None
    layers_data = _field(data, "layers", list, origin)
    entries = []
    for index, item in enumerate(layers_data):
        where = f"{origin}: layers[{index}]"
        if not isinstance(item, dict):
            raise ManifestError(f"{where}: expected a mapping, got {type(item).__name__}")
        name = _field(item, "name", str, where)
        where = f"{where} ({name})"
        if "inputs" in item and version < 3:
            raise ManifestError(f"{where}: `inputs` needs manifest_version 3")
        if "inputs" in item:
            reads = _field(item, "inputs", list, where)
            if not all(isinstance(tensor, str) for tensor in reads):
                raise ManifestError(f"{where}: `inputs` must be a list of tensor names, got {reads!r}")
        else:
            reads = [INPUT_TENSOR if index == 0 else _field(layers_data[index - 1], "name", str, origin)]
        entries.append((where, name, tuple(reads), item))
    output = data.get("output", "")
    if "output" in data and (version < 3 or not isinstance(output, str)):
        raise ManifestError(f"{origin}: `output` must be a layer name, in manifest_version 3")
    names = [name for _, name, _, _ in entries]
    inputs = tuple(reads for _, _, reads, _ in entries)
    if not entries:
        raise ManifestError(f"{origin}: no layers")
    try:
        _check_graph(str(origin), names, inputs, output or names[-1])
    except ManifestError as error:
        raise ManifestError(str(error).replace(f"manifest {origin}", origin, 1)) from None
    formats: dict[str, QFormat] = {INPUT_TENSOR: input_format}
    layers = []
    for where, name, reads, item in entries:
        try:
            kind = KINDS["conv1d"] if version == 1 else lookup(_field(item, "kind", str, where), where)
            if not kind.min_inputs <= len(reads) <= kind.max_inputs:
                raise ManifestError(f"{where}: {_arity(kind)}, `inputs` names {len(reads)}")
            given = tuple(formats[tensor] for tensor in reads)
            layer = kind.from_dict(item, where, given if kind.max_inputs > 1 else given[0], defaults)
        except ManifestError:
            raise
        except GoldenError as error:
            raise ManifestError(str(error)) from None
        layers.append(layer)
        formats[name] = layer.output_format
    source = data.get("source", {})
    if not isinstance(source, dict):
        raise ManifestError(f"{origin}: source must be a mapping, got {type(source).__name__}")
    try:
        return NetworkManifest(
            name=_field(data, "name", str, origin),
            input_format=input_format,
            input_channels=_field(data, "input_channels", int, origin),
            layers=tuple(layers),
            source=source,
            inputs=inputs,
            output=output,
        )
    except ManifestError as error:
        raise ManifestError(f"{origin}: {error}") from None
    except GoldenError as error:
        raise ManifestError(f"{origin}: {error}") from None


def load_manifest(path: Path | str) -> NetworkManifest:
    """Read and validate a manifest file; every error names the file."""
    data = read_yaml(path, "manifest", ManifestError)
    return manifest_from_dict(data, str(path))


def dump_manifest(manifest: NetworkManifest) -> str:
    """The manifest as YAML text; code lists in flow style, one line per kernel row."""
    header = "# Model manifest (docs/manifest.md): integer codes, formats per tensor; generated, do not edit by hand.\n"
    return header + yaml.safe_dump(manifest_to_dict(manifest), sort_keys=False, default_flow_style=None, width=100000)


def save_manifest(manifest: NetworkManifest, path: Path | str) -> Path:
    """Write `manifest` to `path` atomically: the old file or the complete new one, never half."""
    return write_text_atomic(Path(path), dump_manifest(manifest), encoding="utf-8")


def _check_name(name: object, what: str) -> None:
    if not isinstance(name, str) or not name or not (name[0].isalpha() and name.replace("_", "a").isalnum()):
        raise ManifestError(f"{what} must be an identifier (letters, digits, _; starting with a letter), got {name!r}")
    if not name.isascii():
        raise ManifestError(f"{what} must be ASCII, got {name!r}")


def _check_count(value: object, what: str, low: int, high: int, manifest: str) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ManifestError(f"manifest {manifest}: {what} must be an integer in [{low}, {high}], got {value!r}")


def _field(mapping: dict, key: str, kind: type, where: str) -> Any:
    if key not in mapping:
        raise ManifestError(f"{where}: missing field {key!r}")
    value = mapping[key]
    if kind is int and isinstance(value, bool):
        raise ManifestError(f"{where}: field {key!r} must be an integer, got {value!r}")
    if not isinstance(value, kind):
        raise ManifestError(f"{where}: field {key!r} must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return value
