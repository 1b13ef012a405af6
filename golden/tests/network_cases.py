"""Random-weight manifests of chosen shapes, for the network tests."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.manifest import ConvLayer, NetworkManifest
from golden.qformat import QFormat


@dataclass(frozen=True)
class LayerShape:
    kernel_size: int
    out_channels: int
    dilation: int = 1
    relu: bool = True


@dataclass(frozen=True)
class NetworkShape:
    name: str
    input_channels: int
    layers: tuple[LayerShape, ...]
    fmt: QFormat = QFormat(16, 12)
    rounding: str = "rne"


# The seeds' two networks and odd shapes: K=1, K=2/3, dilation not a power of K, one channel, narrow formats.
SHAPES: tuple[NetworkShape, ...] = (
    NetworkShape("fpga", 4, (LayerShape(4, 16, 1), LayerShape(4, 16, 4), LayerShape(4, 4, 16, relu=False))),
    NetworkShape(
        "mcu",
        3,
        (
            LayerShape(4, 4, 1), LayerShape(1, 4), LayerShape(4, 4, 4), LayerShape(1, 4),
            LayerShape(4, 4, 16), LayerShape(1, 4), LayerShape(4, 8, 64), LayerShape(1, 8),
            LayerShape(1, 1, relu=False),
        ),
    ),
    NetworkShape(
        "odd", 2, (LayerShape(3, 5, 1), LayerShape(2, 3, 3), LayerShape(1, 6), LayerShape(3, 1, 7, relu=False)),
        QFormat(12, 8), "trunc",
    ),
    NetworkShape("narrow", 1, (LayerShape(2, 2, 2), LayerShape(2, 1, 5, relu=False)), QFormat(6, 3), "rne"),
    NetworkShape("single", 3, (LayerShape(5, 2, 3, relu=True),), QFormat(20, 16), "trunc"),
)


def random_manifest(shape: NetworkShape, rng: np.random.Generator, weight_bits: int | None = None) -> NetworkManifest:
    """Weights uniform over +-2^(weight_bits-1) codes (default: the whole range, so layers saturate)."""
    fmt = shape.fmt
    bound = fmt.max_code if weight_bits is None else min(fmt.max_code, 1 << (weight_bits - 1))
    channels = shape.input_channels
    layers = []
    for index, layer in enumerate(shape.layers):
        kernel = rng.integers(-bound, bound + 1, (layer.kernel_size, channels, layer.out_channels))
        bias = rng.integers(-bound, bound + 1, layer.out_channels)
        layers.append(ConvLayer(f"conv_{index}", kernel, bias, layer.dilation, layer.relu))
        channels = layer.out_channels
    return NetworkManifest(shape.name, fmt, shape.rounding, shape.input_channels, tuple(layers))
