"""A real WaveNet as a QKeras user writes it: gated units, residual and skip connections, a ReLU-and-1x1 head.

Each of the `dilations` layers (van den Oord et al. 2016; the guitar-amplifier WaveNets of Damskaegg et al. 2019):

    f = QActivation(quantized_tanh)(QConv1D(C, K, dilation d)(x))      the filter half
    g = QActivation(quantized_sigmoid)(QConv1D(C, K, dilation d)(x))   the gate half
    z = QActivation(quantized_bits)(Multiply()([f, g]))                the gated unit
    x = QActivation(quantized_bits)(Add()([x, QConv1D(C, 1)(z)]))     the residual (not after the last layer)
    s_i = QActivation(quantized_bits)(QConv1D(S, 1)(z))                the skip

then y = QConv1D(OUT, 1)(relu(QConv1D(S, 1)(relu(Add()(skips))))), the last conv without an output quantizer
(the raw sum). Written with the plain functional API and built in the session's float type (a user's float32);
make model trains it on the waveshaping task and exports it as a graph manifest (manifest version 3).

`quantized_tanh` here uses `use_real_tanh=True` (TensorFlow's tanh, a step table in the hardware) and
`quantized_sigmoid` QKeras's default internal sigmoid, "hard" (a line with clamps), so both activation forms
are in the model. The tanh has 7 bits: its 127 steps take a 7-level search per channel, 225 cycles on 8
channels (4 cycles a search step, rtl/quantized_activation.sv), the network's slowest stage, against the
dilated convs' 192 at one multiplier each; 8 bits (255 steps) would take 257.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from golden.errors import ParameterError
from golden.frontend.tf_setup import legacy_keras

KERNEL = "quantized_bits(8,0,alpha=1)"  # Q(8,7) weights
BIAS = "quantized_bits(8,0,alpha=1)"
TANH = "quantized_tanh(7,use_real_tanh=True)"  # Q(7,6) output, TensorFlow's tanh (127 steps: a 7-level search)
SIGMOID = "quantized_sigmoid(8)"  # UQ(8,8) output, QKeras's hard sigmoid
GATED = "quantized_bits(10,0,alpha=1)"  # Q(10,9)
STREAM = "quantized_bits(12,2,alpha=1)"  # Q(12,9): the residual stream and the skips
HEAD_RELU = "quantized_relu(12,3)"  # UQ(12,9)


@dataclass(frozen=True)
class WaveNetSpec:
    """The WaveNet's shape; `input_length` None accepts any sequence length."""

    name: str
    input_channels: int
    channels: int
    skip_channels: int
    output_channels: int
    kernel_size: int
    dilations: tuple[int, ...]
    input_length: int | None = None

    def __post_init__(self) -> None:
        for field_name in ("input_channels", "channels", "skip_channels", "output_channels", "kernel_size"):
            value = getattr(self, field_name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ParameterError(f"model {self.name}: {field_name} must be a positive integer, got {value!r}")
        if not self.dilations or any(d < 1 for d in self.dilations):
            raise ParameterError(f"model {self.name}: dilations must be positive integers, got {self.dilations!r}")

    @property
    def receptive_field(self) -> int:
        return 1 + sum((self.kernel_size - 1) * d for d in self.dilations)

    @property
    def parameter_count(self) -> int:
        c, s, k = self.channels, self.skip_channels, self.kernel_size
        layers = len(self.dilations)
        front = self.input_channels * c + c
        gates = layers * 2 * (k * c * c + c)
        residual = (layers - 1) * (c * c + c)
        skips = layers * (c * s + s)
        head = s * s + s + s * self.output_channels + self.output_channels
        return front + gates + residual + skips + head

    def build(self) -> Any:
        """The QKeras model, in the session's float type (the caller's session decides)."""
        legacy_keras()
        import tensorflow as tf
        from qkeras import QActivation, QConv1D

        def conv(filters: int, kernel_size: int, dilation: int, name: str) -> Any:
            return QConv1D(filters, kernel_size, dilation_rate=dilation, padding="causal", kernel_quantizer=KERNEL,
                           bias_quantizer=BIAS, name=name)

        inputs = tf.keras.Input(shape=(self.input_length, self.input_channels), name="input")
        x = QActivation(STREAM, name="front_q")(conv(self.channels, 1, 1, "front")(inputs))
        skips = []
        last = len(self.dilations) - 1
        for i, dilation in enumerate(self.dilations):
            f = QActivation(TANH, name=f"tanh_{i}")(conv(self.channels, self.kernel_size, dilation, f"filter_{i}")(x))
            g = QActivation(SIGMOID, name=f"sigmoid_{i}")(conv(self.channels, self.kernel_size, dilation, f"gate_{i}")(x))
            z = QActivation(GATED, name=f"gated_{i}_q")(tf.keras.layers.Multiply(name=f"gated_{i}")([f, g]))
            skips.append(QActivation(STREAM, name=f"skip_{i}_q")(conv(self.skip_channels, 1, 1, f"skip_{i}")(z)))
            if i != last:
                r = QActivation(STREAM, name=f"res_{i}_q")(conv(self.channels, 1, 1, f"res_{i}")(z))
                x = QActivation(STREAM, name=f"residual_{i}_q")(tf.keras.layers.Add(name=f"residual_{i}")([x, r]))
        s = QActivation(HEAD_RELU, name="skips_relu")(tf.keras.layers.Add(name="skips")(skips))
        h = QActivation(HEAD_RELU, name="head_relu")(conv(self.skip_channels, 1, 1, "head")(s))
        y = conv(self.output_channels, 1, 1, "output")(h)
        return tf.keras.Model(inputs, y, name=self.name)


# 10 layers, 8 channels, K = 3, two stacks of dilations 1 .. 16, the waveshaping task's channels. Its held-out
# validation error is 0.0106 (fpga's: 0.0126). 16 channels reach 0.0038 but need ~110k flip-flops (the 85F has
# 83,640): the generator refuses that build (docs/results.md, "WaveNet").
WAVENET = WaveNetSpec("wavenet", input_channels=4, channels=8, skip_channels=8, output_channels=4, kernel_size=3,
                      dilations=(1, 2, 4, 8, 16, 1, 2, 4, 8, 16))

NAMED_GRAPH_SPECS: dict[str, WaveNetSpec] = {WAVENET.name: WAVENET}
