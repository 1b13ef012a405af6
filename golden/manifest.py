"""The model manifest: a network as the hardware sees it, in one versioned YAML file.

A manifest is the hand-over point between training (QKeras, `golden.export`)
and everything that must compute the same thing (`golden.network`, the RTL
generator, the audit). It holds integer codes only, never floats, so it is
exact by construction. Layout (docs/manifest.md):

    manifest_version: 1
    name: fpga
    format: {width: 16, frac: 12}
    rounding: rne
    input_channels: 4
    source: {...}            # free-form provenance (file, sha256, quantizers)
    layers:
      - name: qconv_0
        kernel_size: 4
        dilation: 1
        in_channels: 4
        out_channels: 16
        relu: true
        kernel: [[[...OUT codes...] ...IN rows...] ...K taps...]   # tap K-1 newest
        bias: [...OUT codes...]

Every layer is a causal dilated convolution (a 1x1 convolution is K=1) with
the requantisation of docs/arithmetic.md: saturate, round, optional ReLU.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from golden.atomic import write_text_atomic
from golden.errors import GoldenError
from golden.qformat import QFormat, Rounding

MANIFEST_VERSION = 1
MAX_KERNEL_SIZE = 64
MAX_DILATION = 4096
MAX_CHANNELS = 1024


class ManifestError(GoldenError):
    """A manifest file or structure is invalid; the message names the file and field."""


@dataclass(frozen=True, eq=False)
class ConvLayer:
    """One causal dilated convolution: kernel codes (K, IN, OUT), bias codes (OUT,)."""

    name: str
    kernel: np.ndarray
    bias: np.ndarray
    dilation: int = 1
    relu: bool = False

    @property
    def kernel_size(self) -> int:
        return int(self.kernel.shape[0])

    @property
    def in_channels(self) -> int:
        return int(self.kernel.shape[1])

    @property
    def out_channels(self) -> int:
        return int(self.kernel.shape[2])

    @property
    def history(self) -> int:
        """Past input vectors this layer reads besides the current one: (K-1)*dilation."""
        return (self.kernel_size - 1) * self.dilation

    @property
    def parameter_count(self) -> int:
        return int(self.kernel.size + self.bias.size)


@dataclass(frozen=True, eq=False)
class NetworkManifest:
    """A validated network: format, rounding and a chain of layers whose channels line up."""

    name: str
    fmt: QFormat
    rounding: Rounding
    input_channels: int
    layers: tuple[ConvLayer, ...]
    source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_name(self.name, "manifest name")
        if not isinstance(self.fmt, QFormat):
            raise ManifestError(f"manifest {self.name}: format must be a QFormat, got {self.fmt!r}")
        object.__setattr__(self, "rounding", Rounding.parse(self.rounding))
        _check_count(self.input_channels, "input_channels", 1, MAX_CHANNELS, self.name)
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ManifestError(f"manifest {self.name}: no layers")
        channels = self.input_channels
        names: set[str] = set()
        for index, layer in enumerate(self.layers):
            where = f"manifest {self.name}, layer {index}"
            if not isinstance(layer, ConvLayer):
                raise ManifestError(f"{where}: expected a ConvLayer, got {type(layer).__name__}")
            _check_name(layer.name, f"{where} name")
            where = f"{where} ({layer.name})"
            if layer.name in names:
                raise ManifestError(f"{where}: duplicate layer name")
            names.add(layer.name)
            kernel = _codes(layer.kernel, self.fmt, f"{where} kernel")
            bias = _codes(layer.bias, self.fmt, f"{where} bias")
            if kernel.ndim != 3 or 0 in kernel.shape:
                raise ManifestError(f"{where}: kernel must have shape (K, IN, OUT) with no empty axis, got {kernel.shape}")
            if kernel.shape[0] > MAX_KERNEL_SIZE:
                raise ManifestError(f"{where}: kernel size {kernel.shape[0]} exceeds {MAX_KERNEL_SIZE}")
            if kernel.shape[1] != channels:
                raise ManifestError(
                    f"{where}: kernel has {kernel.shape[1]} input channels, the previous stage gives {channels}"
                )
            _check_count(kernel.shape[2], f"layer {layer.name} out_channels", 1, MAX_CHANNELS, self.name)
            if bias.shape != (kernel.shape[2],):
                raise ManifestError(f"{where}: bias must have shape ({kernel.shape[2]},), got {bias.shape}")
            _check_count(layer.dilation, f"layer {layer.name} dilation", 1, MAX_DILATION, self.name)
            if not isinstance(layer.relu, (bool, np.bool_)):
                raise ManifestError(f"{where}: relu must be true or false, got {layer.relu!r}")
            kernel.setflags(write=False)
            bias.setflags(write=False)
            object.__setattr__(layer, "kernel", kernel)
            object.__setattr__(layer, "bias", bias)
            object.__setattr__(layer, "relu", bool(layer.relu))
            channels = kernel.shape[2]

    @property
    def output_channels(self) -> int:
        return self.layers[-1].out_channels

    @property
    def receptive_field(self) -> int:
        """Input samples one output depends on: 1 + sum of every layer's history."""
        return 1 + sum(layer.history for layer in self.layers)

    @property
    def parameter_count(self) -> int:
        return sum(layer.parameter_count for layer in self.layers)


def manifest_to_dict(manifest: NetworkManifest) -> dict[str, Any]:
    """The YAML structure of `manifest` (plain Python ints, lists and dicts)."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": manifest.name,
        "format": {"width": manifest.fmt.width, "frac": manifest.fmt.frac},
        "rounding": manifest.rounding.value,
        "input_channels": manifest.input_channels,
        "source": dict(manifest.source),
        "layers": [
            {
                "name": layer.name,
                "kernel_size": layer.kernel_size,
                "dilation": layer.dilation,
                "in_channels": layer.in_channels,
                "out_channels": layer.out_channels,
                "relu": layer.relu,
                "kernel": layer.kernel.tolist(),
                "bias": layer.bias.tolist(),
            }
            for layer in manifest.layers
        ],
    }


def manifest_from_dict(data: Any, origin: str = "manifest") -> NetworkManifest:
    """Validate the YAML structure `data`; errors name `origin` (a file) and the field."""
    if not isinstance(data, dict):
        raise ManifestError(f"{origin}: expected a mapping at the top level, got {type(data).__name__}")
    version = data.get("manifest_version")
    if version != MANIFEST_VERSION:
        raise ManifestError(
            f"{origin}: manifest_version {version!r} is not supported; this code reads version {MANIFEST_VERSION}"
        )
    fmt_data = _field(data, "format", dict, origin)
    try:
        fmt = QFormat(_field(fmt_data, "width", int, f"{origin}: format"), _field(fmt_data, "frac", int, f"{origin}: format"))
        rounding = Rounding.parse(_field(data, "rounding", str, origin))
    except GoldenError as error:
        raise ManifestError(f"{origin}: {error}") from None
    layers_data = _field(data, "layers", list, origin)
    layers = []
    for index, item in enumerate(layers_data):
        where = f"{origin}: layers[{index}]"
        if not isinstance(item, dict):
            raise ManifestError(f"{where}: expected a mapping, got {type(item).__name__}")
        name = _field(item, "name", str, where)
        where = f"{where} ({name})"
        kernel = _array(_field(item, "kernel", list, where), f"{where} kernel")
        bias = _array(_field(item, "bias", list, where), f"{where} bias")
        declared = {key: _field(item, key, int, where) for key in ("kernel_size", "in_channels", "out_channels")}
        shape = (declared["kernel_size"], declared["in_channels"], declared["out_channels"])
        if kernel.shape != shape:
            raise ManifestError(
                f"{where}: kernel has shape {kernel.shape}, but kernel_size/in_channels/out_channels say {shape}"
            )
        layers.append(
            ConvLayer(
                name=name,
                kernel=kernel,
                bias=bias,
                dilation=_field(item, "dilation", int, where),
                relu=_field(item, "relu", bool, where),
            )
        )
    source = data.get("source", {})
    if not isinstance(source, dict):
        raise ManifestError(f"{origin}: source must be a mapping, got {type(source).__name__}")
    try:
        return NetworkManifest(
            name=_field(data, "name", str, origin),
            fmt=fmt,
            rounding=rounding,
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
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest file not found") from None
    except OSError as error:
        raise ManifestError(f"{path}: cannot read manifest ({error.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ManifestError(f"{path}: not valid YAML ({error})") from None
    return manifest_from_dict(data, str(path))


def dump_manifest(manifest: NetworkManifest) -> str:
    """The manifest as YAML text; code lists in flow style, one line per kernel row."""
    header = (
        "# Model manifest (docs/manifest.md). Integer codes in "
        f"{manifest.fmt}; generated, do not edit by hand.\n"
    )
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


def _codes(values: Any, fmt: QFormat, what: str) -> np.ndarray:
    try:
        return np.array(fmt.check_codes(values, what), dtype=np.int64)
    except GoldenError as error:
        raise ManifestError(str(error)) from None


def _array(values: list, what: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=object)
    except ValueError:
        raise ManifestError(f"{what}: ragged nested lists") from None
    if array.dtype == object and any(isinstance(v, list) for v in array.reshape(-1)):
        raise ManifestError(f"{what}: ragged nested lists")
    return array


def _field(mapping: dict, key: str, kind: type, where: str) -> Any:
    if key not in mapping:
        raise ManifestError(f"{where}: missing field {key!r}")
    value = mapping[key]
    if kind is int and isinstance(value, bool):
        raise ManifestError(f"{where}: field {key!r} must be an integer, got {value!r}")
    if not isinstance(value, kind):
        raise ManifestError(f"{where}: field {key!r} must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return value
