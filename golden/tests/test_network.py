"""The streaming cached network equals the plain full-sequence causal convolution, from sample 0.

A third, slow model (golden.reference: fxpmath, Python lists, explicit
windows) checks the first samples of every shape, so the two fast models
cannot agree on a shared mistake in the window arithmetic.
"""
from __future__ import annotations

import numpy as np
import pytest

from golden import reference
from golden.compare import assert_codes_equal
from golden.errors import ShapeError, RepresentationError
from golden.network import StreamingNetwork, full_sequence
from golden.tests.network_cases import SHAPES, NetworkShape, random_manifest

SHAPE_IDS = [shape.name for shape in SHAPES]


def _inputs(rng: np.random.Generator, shape: NetworkShape, steps: int, bits: int | None = None) -> np.ndarray:
    fmt = shape.input_format
    bound = fmt.max_code if bits is None else min(fmt.max_code, 1 << (bits - 1))
    return rng.integers(fmt.min_code if bits is None else max(-bound, fmt.min_code), bound + 1,
                        (steps, shape.input_channels))


@pytest.mark.parametrize("weight_bits", [None, 6], ids=["saturating", "moderate"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_streaming_equals_full_sequence(shape: NetworkShape, weight_bits: int | None, rng, seed) -> None:
    manifest = random_manifest(shape, rng, weight_bits)
    steps = 3 * manifest.receptive_field + 17
    samples = _inputs(rng, shape, steps, None if weight_bits is None else shape.fmt.frac)
    streamed = StreamingNetwork(manifest).run_layers(samples)
    plain = full_sequence(manifest, samples)
    for layer, got, want in zip(manifest.layers, streamed, plain):
        assert_codes_equal(want.outputs, got, what=f"{shape.name} layer {layer.name} streaming vs full sequence",
                           seed=seed, width=layer.output_format.width)
    if weight_bits is None:
        assert any(result.saturated.any() for result in plain), "full-range stimulus must reach saturation"


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_streaming_equals_fxpmath_reference(shape: NetworkShape, rng, seed) -> None:
    """Explicit per-sample windows through golden.reference (fxpmath), zero history before t=0."""
    manifest = random_manifest(shape, rng, min(shape.fmt.frac, 12))
    steps = min(manifest.receptive_field + 8, 90)
    samples = _inputs(rng, shape, steps, min(shape.fmt.frac, 12))
    streamed = StreamingNetwork(manifest).run(samples)
    x = [list(map(int, row)) for row in samples]
    for layer in manifest.layers:
        zero = [0] * layer.in_channels
        kernel = layer.kernel.tolist()
        bias = layer.bias.tolist()
        y = []
        for t in range(steps):
            taps = [
                x[t - (layer.kernel_size - 1 - k) * layer.dilation]
                if t - (layer.kernel_size - 1 - k) * layer.dilation >= 0 else zero
                for k in range(layer.kernel_size)
            ]
            y.append(reference.conv1d_layer_step(taps, kernel, bias, layer.operands, layer.output))
        x = y
    assert_codes_equal(np.array(x), streamed, what=f"{shape.name} streaming vs fxpmath reference", seed=seed,
                       width=manifest.output_format.width)


@pytest.mark.parametrize("shape", SHAPES[:3], ids=SHAPE_IDS[:3])
def test_step_run_and_reset(shape: NetworkShape, rng, seed) -> None:
    manifest = random_manifest(shape, rng, 8)
    samples = _inputs(rng, shape, 2 * manifest.receptive_field, 10)
    network = StreamingNetwork(manifest)
    one_by_one = np.array([network.step(sample) for sample in samples])
    network.reset()
    assert_codes_equal(one_by_one, network.run(samples), what="step vs run after reset", seed=seed)
    # Continuing a stream equals running it in one piece.
    network.reset()
    half = len(samples) // 2
    joined = np.concatenate([network.run(samples[:half]), network.run(samples[half:])])
    assert_codes_equal(one_by_one, joined, what="stream split in two", seed=seed)


@pytest.mark.parametrize("shape", SHAPES[:3], ids=SHAPE_IDS[:3])
def test_causal_with_receptive_field(shape: NetworkShape, rng, seed) -> None:
    """Output t ignores inputs after t and inputs receptive_field or more samples before it."""
    manifest = random_manifest(shape, rng, 8)
    field = manifest.receptive_field
    steps = 2 * field + 5
    samples = _inputs(rng, shape, steps, 10)
    probe = field + 3
    base = full_sequence(manifest, samples)[-1].outputs
    changed = samples.copy()
    changed[probe + 1:] = _inputs(rng, shape, steps - probe - 1, 10)
    changed[: probe - field + 1] = _inputs(rng, shape, probe - field + 1, 10)
    after = full_sequence(manifest, changed)[-1].outputs
    assert_codes_equal(base[probe], after[probe], what=f"output {probe} with past/future changed", seed=seed)
    assert manifest.receptive_field == 1 + sum((l.kernel_size - 1) * l.dilation for l in manifest.layers)


def test_seed_network_sizes(rng) -> None:
    fpga = random_manifest(SHAPES[0], rng)
    mcu = random_manifest(SHAPES[1], rng)
    assert (fpga.parameter_count, fpga.receptive_field) == (1572, 64)
    assert (mcu.parameter_count, mcu.receptive_field) == (465, 256)


def test_bad_samples_are_refused(rng) -> None:
    manifest = random_manifest(SHAPES[0], rng)
    network = StreamingNetwork(manifest)
    with pytest.raises(ShapeError, match=r"fpga: input sample must have shape \(4,\)"):
        network.step([1, 2, 3])
    with pytest.raises(RepresentationError, match="input"):
        network.step([0, 0, 1 << 20, 0])
    with pytest.raises(ShapeError, match=r"shape \(T, 4\)"):
        full_sequence(manifest, np.zeros((5, 3), dtype=np.int64))
    with pytest.raises(RepresentationError):
        network.run(np.full((2, 4), 0.5))
