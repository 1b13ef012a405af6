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
from golden.qformat import QFormat, Rounding, format_from_dict
from golden.yaml_file import read_yaml

MANIFEST_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_CHANNELS = 1024


class ManifestError(GoldenError):
    """A manifest file or structure is invalid; the message names the file and field."""


@dataclass(frozen=True, eq=False)
class NetworkManifest:
    """A validated network: an input format and a chain of layers whose channels and formats line up."""

    name: str
    input_format: QFormat
    input_channels: int
    layers: tuple[Layer, ...]
    source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_name(self.name, "manifest name")
        if not isinstance(self.input_format, QFormat):
            raise ManifestError(f"manifest {self.name}: input_format must be a QFormat, got {self.input_format!r}")
        _check_count(self.input_channels, "input_channels", 1, MAX_CHANNELS, self.name)
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ManifestError(f"manifest {self.name}: no layers")
        channels, fmt = self.input_channels, self.input_format
        names: set[str] = set()
        for index, layer in enumerate(self.layers):
            where = f"manifest {self.name}, layer {index}"
            if not isinstance(layer, Layer):
                raise ManifestError(f"{where}: expected a layer of a registered kind, got {type(layer).__name__}")
            _check_name(layer.name, f"{where} name")
            where = f"{where} ({layer.name})"
            if layer.name in names:
                raise ManifestError(f"{where}: duplicate layer name")
            names.add(layer.name)
            if layer.in_channels != channels:
                raise ManifestError(
                    f"{where}: kernel has {layer.in_channels} input channels, the previous stage gives {channels}"
                )
            if layer.input_format != fmt:
                raise ManifestError(
                    f"{where}: input format {layer.input_format} differs from the previous stage's output format {fmt}"
                )
            channels, fmt = layer.out_channels, layer.output_format

    @property
    def output_channels(self) -> int:
        return self.layers[-1].out_channels

    @property
    def macs_per_sample(self) -> int:
        """Multiply-accumulates per sample, K * IN * OUT over the layers (MAC efficiency's numerator)."""
        return sum(layer.kernel_size * layer.in_channels * layer.out_channels for layer in self.layers)

    @property
    def output_format(self) -> QFormat:
        return self.layers[-1].output_format

    @property
    def receptive_field(self) -> int:
        """Input samples one output depends on: 1 + sum of every layer's history."""
        return 1 + sum(layer.history for layer in self.layers)

    @property
    def parameter_count(self) -> int:
        return sum(layer.parameter_count for layer in self.layers)


def with_rounding(manifest: NetworkManifest, rounding: Rounding | str) -> NetworkManifest:
    """The same network with every layer's output stage rounding by `rounding` (e.g. trunc, to measure it)."""
    mode = Rounding.parse(rounding)
    layers = tuple(dataclasses.replace(layer, output=dataclasses.replace(layer.output, rounding=mode))
                   for layer in manifest.layers)
    return dataclasses.replace(manifest, layers=layers)


def manifest_to_dict(manifest: NetworkManifest) -> dict[str, Any]:
    """The YAML structure of `manifest` (plain Python ints, lists and dicts), always the current version."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": manifest.name,
        "input_format": manifest.input_format.to_dict(),
        "input_channels": manifest.input_channels,
        "source": dict(manifest.source),
        "layers": [kind_of(layer).to_dict(layer) for layer in manifest.layers],
    }


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
    layers = []
    fmt = input_format
    for index, item in enumerate(layers_data):
        where = f"{origin}: layers[{index}]"
        if not isinstance(item, dict):
            raise ManifestError(f"{where}: expected a mapping, got {type(item).__name__}")
        where = f"{where} ({_field(item, 'name', str, where)})"
        try:
            kind = KINDS["conv1d"] if version == 1 else lookup(_field(item, "kind", str, where), where)
            layer = kind.from_dict(item, where, fmt, defaults)
        except ManifestError:
            raise
        except GoldenError as error:
            raise ManifestError(str(error)) from None
        layers.append(layer)
        fmt = layer.output_format
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
