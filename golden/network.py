"""Golden network: a manifest evaluated two independent ways.

* `StreamingNetwork` is the cached inference the hardware performs: one input
  vector in, one output vector out, each layer reading its taps from a ring of
  past activations (the left shift buffer for the first layer, an activation
  cache for every later one). Nothing is recomputed.
* `full_sequence` is the plain textbook causal dilated convolution over a
  whole sequence, zero padded on the left, layer after layer.

Each layer's arithmetic belongs to its kind (golden.kinds): `step` for the
streaming path, `sequence` for the full one; the tests prove they agree from
sample 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from golden.errors import ShapeError
from golden.kinds import Layer, kind_of
from golden.manifest import INPUT_TENSOR, NetworkManifest


class _TapRing:
    """The last (K-1)*dilation+1 input vectors of one layer, zeros before the first push."""

    def __init__(self, layer: Layer):
        self.length = layer.history + 1
        self.dilation = layer.dilation
        self.kernel_size = layer.kernel_size
        self.ring = np.zeros((self.length, layer.in_channels), dtype=np.int64)
        self.newest = self.length - 1

    def push(self, vector: np.ndarray) -> np.ndarray:
        """Store `vector`; return taps (K, IN) with tap k = x[t - (K-1-k)*dilation]."""
        self.newest = (self.newest + 1) % self.length
        self.ring[self.newest] = vector
        offsets = (self.kernel_size - 1 - np.arange(self.kernel_size)) * self.dilation
        return self.ring[(self.newest - offsets) % self.length]


class StreamingNetwork:
    """Cached streaming inference of a manifest, one input vector per `step`. The layers run in the manifest's
    dataflow order; a layer with several inputs reads their concatenation (input 0's channels first)."""

    def __init__(self, manifest: NetworkManifest):
        self.manifest = manifest
        self.reset()

    def reset(self) -> None:
        """Back to the state before the first sample: every cache holds zeros."""
        self._rings = [_TapRing(layer) for layer in self.manifest.layers]

    def step_layers(self, sample: ArrayLike) -> list[np.ndarray]:
        """Push one input vector (IN,) through every layer; the output vector of each layer."""
        manifest = self.manifest
        vector = manifest.input_format.check_codes(sample, "network input sample")
        if vector.shape != (manifest.input_channels,):
            raise ShapeError(
                f"network {manifest.name}: input sample must have shape ({manifest.input_channels},), got {vector.shape}"
            )
        tensors = {INPUT_TENSOR: vector}
        outputs = []
        for ring, layer, reads in zip(self._rings, manifest.layers, manifest.inputs):
            taps = ring.push(np.concatenate([tensors[name] for name in reads]))
            tensors[layer.name] = kind_of(layer).step(layer, taps)
            outputs.append(tensors[layer.name])
        return outputs

    def step(self, sample: ArrayLike) -> np.ndarray:
        """One input vector (IN,) in, one output vector (OUT,) out."""
        return self.step_layers(sample)[self.manifest.layer_index(self.manifest.output)]

    def run_layers(self, samples: ArrayLike) -> list[np.ndarray]:
        """Stream (T, IN) samples from the current state; per layer the (T, OUT_l) outputs."""
        codes = _check_samples(self.manifest, samples)
        per_layer: list[list[np.ndarray]] = [[] for _ in self.manifest.layers]
        for sample in codes:
            for collected, output in zip(per_layer, self.step_layers(sample)):
                collected.append(output)
        return [
            np.array(collected, dtype=np.int64).reshape(len(codes), layer.out_channels)
            for collected, layer in zip(per_layer, self.manifest.layers)
        ]

    def run(self, samples: ArrayLike) -> np.ndarray:
        """Stream (T, IN) samples from the current state; the (T, OUT) network outputs."""
        return self.run_layers(samples)[self.manifest.layer_index(self.manifest.output)]


@dataclass(frozen=True)
class LayerResult:
    """One layer over a whole sequence: exact sums and outputs."""

    accumulators: np.ndarray  # (T, OUT) exact sums at the layer's accumulator scale, before the output stage
    outputs: np.ndarray  # (T, OUT) codes in the layer's output format
    saturated: np.ndarray  # (T, OUT) bool: the output stage clipped the sum to the format's range


def full_sequence(manifest: NetworkManifest, samples: ArrayLike) -> list[LayerResult]:
    """Plain causal dilated convolution of (T, IN) samples, zero padded on the left, every layer (in the
    manifest's order; a layer with several inputs reads their concatenation along the channels)."""
    tensors = {INPUT_TENSOR: _check_samples(manifest, samples)}
    results = []
    for layer, reads in zip(manifest.layers, manifest.inputs):
        x = np.concatenate([tensors[name] for name in reads], axis=1)
        result = kind_of(layer).sequence(layer, x)
        results.append(LayerResult(accumulators=result.sums, outputs=result.outputs, saturated=result.saturated))
        tensors[layer.name] = result.outputs
    return results


def network_output(manifest: NetworkManifest, results: list[LayerResult]) -> np.ndarray:
    """The network's (T, OUT) output codes among full_sequence's per-layer results."""
    return results[manifest.layer_index(manifest.output)].outputs


def saturation_count(manifest: NetworkManifest, samples: ArrayLike) -> int:
    """How many accumulators of every layer saturate on `samples` (a stimulus-coverage measure)."""
    return sum(int(result.saturated.sum()) for result in full_sequence(manifest, samples))


def _check_samples(manifest: NetworkManifest, samples: ArrayLike) -> np.ndarray:
    codes = manifest.input_format.check_codes(samples, f"network {manifest.name} input samples")
    if codes.ndim != 2 or codes.shape[1] != manifest.input_channels:
        raise ShapeError(
            f"network {manifest.name}: input samples must have shape (T, {manifest.input_channels}), got {codes.shape}"
        )
    return codes
