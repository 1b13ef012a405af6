"""Manifest files: exact round trip, and every malformed file refused with its name and the field."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from golden.errors import GoldenError
from golden.kinds.conv1d import ConvLayer
from golden.manifest import (
    ManifestError, NetworkManifest, dump_manifest, load_manifest, manifest_to_dict, save_manifest,
)
from golden.network import StreamingNetwork
from golden.qformat import QFormat
from golden.tests.network_cases import SHAPES, random_manifest


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_round_trip_is_exact(shape, rng, tmp_path: Path) -> None:
    manifest = random_manifest(shape, rng)
    path = save_manifest(manifest, tmp_path / "model.yaml")
    loaded = load_manifest(path)
    assert manifest_to_dict(loaded) == manifest_to_dict(manifest)
    for a, b in zip(manifest.layers, loaded.layers):
        assert a.kernel.dtype == b.kernel.dtype == np.int64
        assert np.array_equal(a.kernel, b.kernel) and np.array_equal(a.bias, b.bias)
    samples = rng.integers(shape.input_format.min_code, shape.input_format.max_code + 1, (50, shape.input_channels))
    assert np.array_equal(StreamingNetwork(manifest).run(samples), StreamingNetwork(loaded).run(samples))


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _valid(rng) -> dict:
    return manifest_to_dict(random_manifest(SHAPES[2], rng, 6))


def _set(data: dict, keys: tuple, value: object) -> dict:
    target = data
    for key in keys[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


_DELETE = object()

BREAKAGES = [
    (("manifest_version",), 4, r"manifest_version 4 is not supported"),
    (("input_format", "width"), 40, r"input_format: format width"),
    (("input_format", "frac"), _DELETE, r"input_format: missing field 'frac'"),
    (("input_format", "sign"), True, r"input_format: unknown field\(s\) sign"),
    (("layers", 0, "output", "rounding"), "half_up", r"unknown rounding mode 'half_up'"),
    (("layers", 1, "output", "activation"), "tanh", r"conv_1\): output: unknown activation 'tanh'"),
    (("layers", 0, "kind"), "po3", r"layers\[0\] \(conv_0\): unknown layer kind 'po3'; known kinds: conv1d"),
    (("input_channels",), 3, r"layer 0 \(conv_0\): input has 2 channels in the layer, the network input gives 3"),
    (("layers", 1, "dilation"), 0, r"conv_1\): dilation must be an integer in \[1, 4096\]"),
    (("layers", 1, "formats", "input", "frac"), 3, r"conv_1\): input format Q\(12,3\) differs from the previous stage's"),
    (("layers", 3, "output", "full_precision"), True, r"conv_3\): output.format .*'width': 12.* must be the exact sum's format .*'width': 28"),
    (("layers", 1, "output", "float32_input"), "yes", r"conv_1\) output: field 'float32_input' must be bool"),
    (("layers", 0, "kernel", 1, 0, 2), 1 << 11, r"conv_0\) kernel.*2048.*Q\(12,8\)"),
    (("layers", 0, "kernel", 0, 0, 0), 1.5, r"conv_0\) kernel"),
    (("layers", 2, "bias"), [1, 2], r"conv_2\): bias must have shape \(6,\), got \(2,\)"),
    (("layers", 1, "kernel_size"), 5, r"kernel has shape \(2, 5, 3\), but kernel_size/in_channels/out_channels say \(5, 5, 3\)"),
    (("layers", 3, "name"), "conv_0", r"duplicate layer name"),
    (("layers", 0, "name"), "0bad", r"must be an identifier"),
    (("layers",), [], r"no layers"),
    (("name",), _DELETE, r"missing field 'name'"),
]


@pytest.mark.parametrize("keys, value, message", BREAKAGES, ids=[".".join(map(str, b[0])) for b in BREAKAGES])
def test_malformed_manifest_names_file_and_field(keys, value, message, rng, tmp_path: Path) -> None:
    path = _write(tmp_path, _set(_valid(rng), keys, value))
    with pytest.raises(ManifestError, match=message) as error:
        load_manifest(path)
    assert str(path) in str(error.value)


def test_ragged_kernel(rng, tmp_path: Path) -> None:
    data = _valid(rng)
    data["layers"][0]["kernel"][0].pop()
    with pytest.raises(ManifestError, match=r"bad.yaml.*conv_0\) kernel"):
        load_manifest(_write(tmp_path, data))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"missing.yaml: manifest file not found"):
        load_manifest(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("layers: [1, 2\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"broken.yaml: not valid YAML"):
        load_manifest(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"list.yaml: expected a mapping"):
        load_manifest(listed)


def test_failed_save_keeps_the_old_file(rng, tmp_path: Path, monkeypatch) -> None:
    path = save_manifest(random_manifest(SHAPES[3], rng), tmp_path / "model.yaml")
    before = path.read_text()

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("golden.manifest.manifest_to_dict", explode)
    with pytest.raises(RuntimeError):
        save_manifest(random_manifest(SHAPES[3], rng), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.yaml"]


def test_constructor_validates(rng) -> None:
    fmt = QFormat(8, 4)
    good = ConvLayer.single_format("a", np.zeros((2, 1, 1), dtype=np.int64), np.zeros(1, dtype=np.int64), fmt,
                                   relu=True, rounding="trunc").validate("a")
    with pytest.raises(GoldenError, match="bias must have shape"):
        ConvLayer.single_format("a", np.zeros((2, 1, 3)), np.zeros(2), fmt).validate("a")
    with pytest.raises(ManifestError, match="input_channels must be an integer"):
        NetworkManifest("m", fmt, 0, (good,))
    with pytest.raises(ManifestError, match=r"input format Q\(8,4\) differs from the network input's output format Q\(8,3\)"):
        NetworkManifest("m", QFormat(8, 3), 1, (good,))
    manifest = NetworkManifest("m", fmt, 1, (good,))
    assert "rounding: trunc" in dump_manifest(manifest)
    with pytest.raises(ValueError):
        manifest.layers[0].kernel[0, 0, 0] = 1  # codes are frozen once validated


V1_TEXT = """
manifest_version: 1
name: old
format: {width: 8, frac: 4}
rounding: trunc
input_channels: 2
layers:
- {name: a, kernel_size: 2, dilation: 3, in_channels: 2, out_channels: 2, relu: true,
   kernel: [[[100, -128], [5, 7]], [[-3, 127], [64, -64]]], bias: [120, -7]}
- {name: b, kernel_size: 1, dilation: 1, in_channels: 2, out_channels: 1, relu: false,
   kernel: [[[90], [-90]]], bias: [3]}
"""


def test_version_1_still_loads_and_means_the_same(tmp_path: Path, rng) -> None:
    """A version-1 file: one Q(W,F), one rounding, relu per layer; the same network as its version-2 rewrite."""
    path = tmp_path / "old.yaml"
    path.write_text(V1_TEXT, encoding="utf-8")
    old = load_manifest(path)
    assert [str(layer.output_format) for layer in old.layers] == ["Q(8,4)", "Q(8,4)"]
    assert old.layers[0].relu and not old.layers[1].relu
    rewritten = load_manifest(save_manifest(old, tmp_path / "new.yaml"))
    assert "manifest_version: 2" in (tmp_path / "new.yaml").read_text()
    samples = rng.integers(-128, 128, (40, 2))
    expected = []
    x = samples
    for kernel, bias, dilation, relu in (([[[100, -128], [5, 7]], [[-3, 127], [64, -64]]], [120, -7], 3, True),
                                         ([[[90], [-90]]], [3], 1, False)):
        kernel = np.array(kernel)
        taps = np.stack([np.concatenate([np.zeros((dilation * (1 - k), x.shape[1]), dtype=np.int64), x])[:len(x)]
                         for k in range(kernel.shape[0])], axis=1) if kernel.shape[0] == 2 else x[:, None, :]
        acc = np.einsum("tki,kio->to", taps, kernel) + (np.array(bias) << 4)
        y = np.clip(acc >> 4, -128, 127)  # trunc: floor
        x = np.maximum(y, 0) if relu else y
        expected.append(x)
    for network in (StreamingNetwork(old), StreamingNetwork(rewritten)):
        assert network.run(samples).tolist() == expected[-1].tolist()
