"""Random-weight manifests of chosen shapes and formats, for the network tests and the network regression."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.kinds.conv1d import ConvLayer
from golden.layer_format import Activation, OperandFormats, OutputStage
from golden.manifest import NetworkManifest
from golden.qformat import QFormat


@dataclass(frozen=True)
class LayerShape:
    kernel_size: int
    out_channels: int
    dilation: int = 1
    relu: bool = True
    # per-tensor formats; None: the network's `fmt` (output None with full_precision: the exact sum)
    kernel_fmt: QFormat | None = None
    bias_fmt: QFormat | None = None
    out_fmt: QFormat | None = None
    full_precision: bool = False
    float32_input: bool = False


@dataclass(frozen=True)
class NetworkShape:
    name: str
    input_channels: int
    layers: tuple[LayerShape, ...]
    fmt: QFormat = QFormat(16, 12)
    rounding: str = "rne"

    @property
    def input_format(self) -> QFormat:
        return self.fmt


Q16_11 = QFormat(16, 11)
UQ16_12 = QFormat(16, 12, signed=False)

# The seeds' two networks and odd shapes: K=1, K=2/3, dilation not a power of K, one channel, narrow formats;
# then per-tensor formats: the seeds' own quantizers (Q(16,11) weights, relu(16,4) through float32, a raw last
# sum) and a per-layer mix (12/8/16-bit kernels, relu(12,3), relu(10,2)).
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
    NetworkShape(
        "seedlike", 4,
        (
            LayerShape(4, 16, 1, True, Q16_11, Q16_11, UQ16_12, float32_input=True),
            LayerShape(4, 16, 4, True, Q16_11, Q16_11, UQ16_12, float32_input=True),
            LayerShape(4, 4, 16, False, Q16_11, Q16_11, full_precision=True),
        ),
        Q16_11,
    ),
    NetworkShape(
        "mixed", 3,
        (
            LayerShape(3, 6, 1, True, QFormat(12, 8), QFormat(12, 8), QFormat(12, 9, signed=False)),
            LayerShape(2, 5, 3, True, QFormat(8, 6), QFormat(8, 6), QFormat(10, 8, signed=False)),
            LayerShape(3, 2, 5, False, QFormat(16, 12), QFormat(16, 12), QFormat(16, 12)),
        ),
        QFormat(12, 8),
    ),
)


def random_manifest(shape: NetworkShape, rng: np.random.Generator, weight_bits: int | None = None) -> NetworkManifest:
    """Weights uniform over +-2^(weight_bits-1) codes (default: each format's whole range, so layers saturate)."""
    channels, fmt = shape.input_channels, shape.input_format
    layers = []
    for index, layer in enumerate(shape.layers):
        kernel_fmt, bias_fmt = layer.kernel_fmt or shape.fmt, layer.bias_fmt or shape.fmt
        operands = OperandFormats(fmt, kernel_fmt, bias_fmt)
        if layer.full_precision:
            stage = OutputStage(Activation.LINEAR, None, shape.rounding)
        else:
            activation = Activation.RELU if layer.relu else Activation.LINEAR
            stage = OutputStage(activation, layer.out_fmt or shape.fmt, shape.rounding, layer.float32_input)
        kernel = _codes(rng, kernel_fmt, weight_bits, (layer.kernel_size, channels, layer.out_channels))
        bias = _codes(rng, bias_fmt, weight_bits, (layer.out_channels,))
        built = ConvLayer(f"conv_{index}", kernel, bias, operands, stage, layer.dilation).validate(f"conv_{index}")
        layers.append(built)
        channels, fmt = layer.out_channels, built.output_format
    return NetworkManifest(shape.name, shape.input_format, shape.input_channels, tuple(layers))


def _codes(rng: np.random.Generator, fmt: QFormat, bits: int | None, shape: tuple[int, ...]) -> np.ndarray:
    bound = fmt.max_code if bits is None else min(fmt.max_code, 1 << (bits - 1))
    return rng.integers(max(-bound, fmt.min_code), bound + 1, shape)
