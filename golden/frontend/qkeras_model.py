"""QKeras builder for the seeds' family: stacks of causal dilated QConv1D whose arithmetic IS the hardware's.

Every convolution of a Q(W,F) model is built as (docs/qkeras-mapping.md)

    QConv1D(kernel/bias quantizer quantized_bits(W, W-F-1, alpha=1),
            activation quantized_bits(W, W-F-1, alpha=1))      # saturate + round half to even
    QActivation(quantized_relu(W-1, W-F-1))                    # ReLU, every conv but the last

and the last one as QConv1D(..., activation=None) followed by the output
quantizer QActivation(quantized_bits(W, W-F-1, alpha=1)). The requantiser sits
inside the conv rather than leaving it to quantized_relu because QKeras's
quantized_relu casts its input to float32 first, which rounds a wide
accumulator before the RNE step and so differs from the contract by one LSB
now and then; quantized_bits works in the Keras float type (float64 here), and
quantized_relu of a value already on the grid is exact.

The configurations need only numpy; `build_model` imports TensorFlow (legacy
Keras, float64: `golden.frontend.tf_setup.configure`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from golden.errors import ParameterError
from golden.qformat import QFormat
from golden.frontend.tf_setup import configure


def _positive(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"{what} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class ConvSpec:
    """One QConv1D: `filters` outputs, `kernel_size` taps spaced `dilation` samples apart."""

    name: str
    filters: int
    kernel_size: int
    dilation: int = 1


@dataclass(frozen=True)
class ModelConfig:
    """A chain of causal convolutions in one format; ReLU after every conv but the last."""

    name: str
    input_channels: int
    convs: tuple[ConvSpec, ...]
    fmt: QFormat = QFormat(16, 12)

    def __post_init__(self) -> None:
        if not self.convs:
            raise ParameterError(f"model {self.name}: no convolutions")
        _positive(self.input_channels, f"model {self.name} input_channels")
        names = [conv.name for conv in self.convs]
        if len(set(names)) != len(names):
            raise ParameterError(f"model {self.name}: duplicate layer names {names}")
        for conv in self.convs:
            for field_name in ("filters", "kernel_size", "dilation"):
                _positive(getattr(conv, field_name), f"model {self.name} layer {conv.name} {field_name}")

    @property
    def output_channels(self) -> int:
        return self.convs[-1].filters

    @property
    def receptive_field(self) -> int:
        return 1 + sum((conv.kernel_size - 1) * conv.dilation for conv in self.convs)

    @property
    def parameter_count(self) -> int:
        channels, total = self.input_channels, 0
        for conv in self.convs:
            total += conv.kernel_size * channels * conv.filters + conv.filters
            channels = conv.filters
        return total


def dilated_stack(
    name: str,
    input_channels: int,
    filters: Sequence[int],
    *,
    kernel_size: int = 4,
    dilations: Sequence[int] | None = None,
    pointwise: bool = False,
    output_channels: int | None = None,
    fmt: QFormat = QFormat(16, 12),
) -> ModelConfig:
    """The seeds' layout: layer i is a K-tap conv with dilation K^i (or `dilations[i]`),
    optionally followed by a 1x1 conv of the same width; optionally a final 1x1 conv to `output_channels`."""
    if dilations is None:
        dilations = [kernel_size**index for index in range(len(filters))]
    if len(dilations) != len(filters):
        raise ParameterError(f"model {name}: {len(filters)} filter counts but {len(dilations)} dilations")
    convs: list[ConvSpec] = []
    for index, (width, dilation) in enumerate(zip(filters, dilations)):
        convs.append(ConvSpec(f"qconv_{index}", width, kernel_size, dilation))
        if pointwise:
            convs.append(ConvSpec(f"qconv_{index}_1x1", width, 1))
    if output_channels is not None:
        convs.append(ConvSpec("qconv_out", output_channels, 1))
    return ModelConfig(name, input_channels, tuple(convs), fmt)


# The seeds' FPGA model: 4 -> 16 -> 16 -> 4, K=4, dilations 1, 4, 16 (receptive field 64), 1,572 parameters.
# Inputs: core wave, e0, e1, and channel 3 held at 0 (the fourth ADC of the eurorack-pmod, unused).
# Outputs: channel 0 the shaped wave; channels 1-3 trained to 0 (unused DAC outputs stay quiet).
FPGA = dilated_stack("fpga", 4, [16, 16, 4])
# The seeds' MCU model: 3 inputs, four K=4 layers (dilations 1, 4, 16, 64) each with a 1x1 conv,
# filters 4, 4, 4, 8, then a 1x1 regression to one output (receptive field 256), 465 parameters.
MCU = dilated_stack("mcu", 3, [4, 4, 4, 8], pointwise=True, output_channels=1)
NAMED_CONFIGS: dict[str, ModelConfig] = {"fpga": FPGA, "mcu": MCU}


def weight_quantizer(fmt: QFormat) -> str:
    """quantized_bits for Q(W,F): W bits, W-F-1 integer bits (the sign is not counted), scale 1."""
    return f"quantized_bits({fmt.width},{fmt.width - fmt.frac - 1},alpha=1)"


def relu_quantizer(fmt: QFormat) -> str:
    """quantized_relu for Q(W,F) after ReLU: W-1 unsigned bits, W-F-1 integer bits: [0, qmax/2^F]."""
    return f"quantized_relu({fmt.width - 1},{fmt.width - fmt.frac - 1})"


def build_model(config: ModelConfig) -> "tf.keras.Model":
    """The QKeras model of `config`; input shape (None, C), so any sequence length works."""
    configure()
    import tensorflow as tf
    from qkeras import QActivation, QConv1D

    quantizer = weight_quantizer(config.fmt)
    inputs = tf.keras.Input(shape=(None, config.input_channels), name="input")
    x = inputs
    last = len(config.convs) - 1
    for index, conv in enumerate(config.convs):
        x = QConv1D(
            conv.filters,
            conv.kernel_size,
            dilation_rate=conv.dilation,
            padding="causal",
            kernel_quantizer=quantizer,
            bias_quantizer=quantizer,
            activation=None if index == last else quantizer,
            name=conv.name,
        )(x)
        if index < last:
            x = QActivation(relu_quantizer(config.fmt), name=f"{conv.name}_relu")(x)
    outputs = QActivation(quantizer, name="output_quantizer")(x)
    return tf.keras.Model(inputs, outputs, name=config.name)

