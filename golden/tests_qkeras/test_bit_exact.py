"""THE proof: the golden network on the exported manifest == QKeras float64 predict, every code, every layer.

10,000 samples of each waveform class and of uniform random codes (which
saturate), for both committed models and a hand-built model of another shape
and format: all of them through the golden full-sequence convolution, the first
STREAMED through the cached streaming model too (per sample in Python, the slow
one; golden/tests prove the two equal on every shape and format). The trunc mode is not QKeras's rounding: its distance is reported
(build/qkeras/trunc_report.json), and rne must give zero mismatches.
"""
from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pytest

from golden.atomic import write_text_atomic
from golden.compare import assert_codes_equal
from golden.frontend.export import load_qkeras_model, model_to_manifest, qkeras_layer_outputs
from golden.manifest import NetworkManifest, load_manifest, with_rounding
from golden.network import StreamingNetwork, full_sequence, saturation_count
from golden.qformat import Rounding
from golden.tests_qkeras.conftest import MODELS, REPO
from golden.tests_qkeras.models import HAND_BUILT, built
from golden.waveshaping import WAVE_CLASSES, network_input, random_input

SAMPLES = 10_000
STREAMED = 2_000
STIMULI = (*WAVE_CLASSES, "random")


def stimulus(name: str, manifest: NetworkManifest, seed: int) -> np.ndarray:
    index = STIMULI.index(name)
    if name == "random":
        return random_input(SAMPLES, manifest.input_channels, manifest.input_format, seed + index)
    return network_input(name, SAMPLES, manifest.input_channels, manifest.input_format, seed + index)


@lru_cache(maxsize=None)
def committed(name: str):
    return load_qkeras_model(MODELS / f"{name}.h5"), load_manifest(MODELS / f"{name}.yaml")


def assert_layers_equal(model, manifest: NetworkManifest, samples: np.ndarray, what: str, seed: int) -> None:
    expected = qkeras_layer_outputs(model, samples, manifest)
    plain = [result.outputs for result in full_sequence(manifest, samples)]
    streamed = StreamingNetwork(manifest).run_layers(samples[:STREAMED])
    assert len(expected) == len(plain) == len(streamed) == len(manifest.layers)
    for layer, want, got, early in zip(manifest.layers, expected, plain, streamed):
        assert want.shape == got.shape == (samples.shape[0], layer.out_channels)
        assert_codes_equal(want, got, what=f"{what} layer {layer.name}: golden full sequence vs QKeras float64",
                           seed=seed, width=layer.output_format.width, inputs=None)
        assert_codes_equal(want[:STREAMED], early, what=f"{what} layer {layer.name}: golden streaming vs QKeras float64",
                           seed=seed, width=layer.output_format.width, inputs=None)


@pytest.mark.parametrize("stimulus_name", STIMULI)
@pytest.mark.parametrize("name", ["fpga", "mcu", "seed_fpga"])
def test_committed_model_bit_exact(name: str, stimulus_name: str, seed: int) -> None:
    model, manifest = committed(name)
    samples = stimulus(stimulus_name, manifest, seed)
    assert_layers_equal(model, manifest, samples, f"{name} {stimulus_name} x{SAMPLES}", seed)
    if stimulus_name == "random":  # the full-range stimulus must reach the saturation corners
        assert saturation_count(manifest, samples) > 0


@pytest.mark.parametrize("spread", [16, 256, 2047], ids=["small", "moderate", "saturating"])
def test_hand_built_model_bit_exact(spread: int, rng: np.random.Generator, seed: int) -> None:
    """2 inputs, K=3, dilations 1, 3, 9, a final 1x1, Q(12,8), random on-grid weights."""
    model = built(HAND_BUILT, rng, spread)
    manifest = model_to_manifest(model, "hand")
    for stimulus_name in ("random", "sine"):
        samples = (random_input(SAMPLES // 2, 2, HAND_BUILT.fmt, seed) if stimulus_name == "random"
                   else network_input("sine", SAMPLES // 2, 3, HAND_BUILT.fmt, seed)[:, :2])
        assert_layers_equal(model, manifest, samples, f"hand-built spread {spread} {stimulus_name}", seed)


def test_trunc_rounding_report(seed: int) -> None:
    """How far the seeds' truncating requantiser is from QKeras; rne must be exactly QKeras."""
    report = {}
    for name in ("fpga", "mcu"):
        model, manifest = committed(name)
        truncating = with_rounding(manifest, Rounding.TRUNC)
        entry = {}
        for stimulus_name in STIMULI:
            samples = stimulus(stimulus_name, manifest, seed)
            expected = qkeras_layer_outputs(model, samples, manifest)[-1]
            rne = full_sequence(manifest, samples)[-1].outputs
            assert_codes_equal(expected, rne, what=f"{name} {stimulus_name} rne output", seed=seed,
                               width=manifest.output_format.width)
            difference = full_sequence(truncating, samples)[-1].outputs - expected
            values, counts = np.unique(difference, return_counts=True)
            entry[stimulus_name] = {
                "compared": int(difference.size),
                "mismatches": int(np.count_nonzero(difference)),
                "max_error_lsb": int(np.abs(difference).max()),
                "histogram_lsb": {str(int(v)): int(c) for v, c in zip(values, counts)},
            }
        report[name] = entry
    path = write_text_atomic(REPO / "build" / "qkeras" / "trunc_report.json", json.dumps(report, indent=2) + "\n")
    print(f"\ntrunc vs QKeras (network outputs; difference trunc - qkeras in LSBs), {path}:")
    for name, entry in report.items():
        for stimulus_name, stats in entry.items():
            print(f"  {name:5s} {stimulus_name:7s} {stats['mismatches']:6d} of {stats['compared']} differ, "
                  f"histogram {stats['histogram_lsb']}")
    assert json.loads(path.read_text()) == report
    assert all(stats["compared"] == SAMPLES * load_manifest(MODELS / f"{name}.yaml").output_channels
               for name, entry in report.items() for stats in entry.values())
