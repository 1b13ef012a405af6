"""Small graph manifests (version 3) with random codes: a gated residual block with a skip sum, for the golden
graph tests and the generated-RTL benches."""
from __future__ import annotations

import numpy as np

from golden.kinds.add import ADD
from golden.kinds.conv1d import ConvLayer
from golden.kinds.multiply import MULTIPLY
from golden.layer_format import Activation, OperandFormats, OutputStage
from golden.manifest import INPUT_TENSOR, NetworkManifest
from golden.qformat import QFormat, Rounding


def _conv(rng: np.random.Generator, name: str, fmt_in: QFormat, k: int, dilation: int, cin: int, cout: int,
          output: OutputStage) -> ConvLayer:
    kernel_fmt, bias_fmt = QFormat(8, 6), QFormat(10, 8)
    kernel = rng.integers(kernel_fmt.min_code, kernel_fmt.max_code + 1, (k, cin, cout))
    bias = rng.integers(bias_fmt.min_code, bias_fmt.max_code + 1, cout)
    return ConvLayer(name, kernel, bias, OperandFormats(fmt_in, kernel_fmt, bias_fmt), output,
                     dilation=dilation).validate(name)


def gated_residual(rng: np.random.Generator, channels: int = 3, blocks: int = 2, name: str = "gated",
                   input_channels: int = 1) -> NetworkManifest:
    """input -> 1x1 conv -> `blocks` x [dilated filter/gate convs, their product, 1x1 residual added to the block's
    input, 1x1 skip] -> sum of the skips -> ReLU 1x1 head. Formats differ between tensors on purpose."""
    x_fmt = QFormat(12, 10)
    act = QFormat(10, 7)
    layers = [_conv(rng, "front", x_fmt, 1, 1, input_channels, channels, OutputStage(Activation.LINEAR, act, Rounding.RNE))]
    inputs: list[tuple[str, ...]] = [(INPUT_TENSOR,)]
    current, skips = "front", []
    for block in range(blocks):
        dilation = 2 ** block
        layers.append(_conv(rng, f"filter{block}", act, 2, dilation, channels, channels,
                            OutputStage(Activation.LINEAR, QFormat(8, 7), Rounding.RNE)))
        inputs.append((current,))
        layers.append(_conv(rng, f"gate{block}", act, 2, dilation, channels, channels,
                            OutputStage(Activation.RELU, QFormat(8, 8, False), Rounding.RNE)))
        inputs.append((current,))
        layers.append(MULTIPLY.make_layer(f"gated{block}", (QFormat(8, 7), QFormat(8, 8, False)), channels,
                                          OutputStage(Activation.LINEAR, QFormat(10, 8), Rounding.RNE)))
        inputs.append((f"filter{block}", f"gate{block}"))
        layers.append(_conv(rng, f"res{block}", QFormat(10, 8), 1, 1, channels, channels,
                            OutputStage(Activation.LINEAR, QFormat(12, 9), Rounding.RNE)))
        inputs.append((f"gated{block}",))
        layers.append(ADD.make_layer(f"resadd{block}", (act, QFormat(12, 9)), channels,
                                     OutputStage(Activation.LINEAR, act, Rounding.RNE)))
        inputs.append((current, f"res{block}"))
        layers.append(_conv(rng, f"skip{block}", QFormat(10, 8), 1, 1, channels, 2,
                            OutputStage(Activation.LINEAR, QFormat(11, 8), Rounding.RNE)))
        inputs.append((f"gated{block}",))
        skips.append(f"skip{block}")
        current = f"resadd{block}"
    head_input, skip_fmt = skips[0], QFormat(11, 8)
    if len(skips) > 1:
        layers.append(ADD.make_layer("skipsum", tuple(QFormat(11, 8) for _ in skips), 2,
                                     OutputStage(Activation.LINEAR, None)))
        inputs.append(tuple(skips))
        head_input, skip_fmt = "skipsum", layers[-1].output_format
    layers.append(_conv(rng, "head", skip_fmt, 1, 1, 2, 1, OutputStage(Activation.LINEAR, QFormat(12, 8))))
    inputs.append((head_input,))
    # the last block's residual path would feed nothing (WaveNet's last block ends in its skip): leave it out
    unused = {f"res{blocks - 1}", f"resadd{blocks - 1}"}
    keep = [i for i, layer in enumerate(layers) if layer.name not in unused]
    return NetworkManifest(name, x_fmt, input_channels, tuple(layers[i] for i in keep), inputs=tuple(inputs[i] for i in keep),
                           output="head")
