"""Manifest files: exact round trip, and every malformed file refused with its name and the field."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from golden.manifest import (
    ConvLayer, ManifestError, NetworkManifest, dump_manifest, load_manifest, manifest_to_dict, save_manifest,
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
    samples = rng.integers(shape.fmt.min_code, shape.fmt.max_code + 1, (50, shape.input_channels))
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
    (("manifest_version",), 2, r"manifest_version 2 is not supported"),
    (("format", "width"), 40, r"format width"),
    (("format", "frac"), _DELETE, r"format: missing field 'frac'"),
    (("rounding",), "half_up", r"unknown rounding mode 'half_up'"),
    (("input_channels",), 3, r"layer 0 \(conv_0\): kernel has 2 input channels, the previous stage gives 3"),
    (("layers", 1, "dilation"), 0, r"layer conv_1 dilation must be an integer in \[1, 4096\]"),
    (("layers", 1, "relu"), "yes", r"layers\[1\] \(conv_1\): field 'relu' must be bool"),
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
    good = ConvLayer("a", np.zeros((2, 1, 1), dtype=np.int64), np.zeros(1, dtype=np.int64), 1, True)
    with pytest.raises(ManifestError, match="bias must have shape"):
        NetworkManifest("m", fmt, "rne", 1, (ConvLayer("a", np.zeros((2, 1, 3)), np.zeros(2), 1, False),))
    with pytest.raises(ManifestError, match="input_channels must be an integer"):
        NetworkManifest("m", fmt, "rne", 0, (good,))
    manifest = NetworkManifest("m", fmt, "trunc", 1, (good,))
    assert "rounding: trunc" in dump_manifest(manifest)
    with pytest.raises(ValueError):
        manifest.layers[0].kernel[0, 0, 0] = 1  # codes are frozen once validated
