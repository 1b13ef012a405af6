"""The seeds' own QKeras models, and a po2 variant of ours, as named configurations.

Unlike `golden.frontend.qkeras_model` (whose quantizers are built to BE the hardware
arithmetic, in float64), these are the models as their authors write them:

* `seed_fpga` -- the seeds' FPGA model (post 002): 4 -> 16 -> 16 -> 4, K=4,
  dilations 1/4/16, `quantized_bits(16,4,alpha=1)` kernels and biases
  (QKeras counts the sign apart: Q(16,11)), `quantized_relu(16,4)` after the
  first two convs (unsigned, 12 fractional bits, [0, 16)), and the last conv
  with no quantizer at all: the model outputs the raw float sum.
* `seed_po2` -- the seeds' power-of-two work-in-progress model (post 002),
  1,092 parameters: two K=4 `_qb` convs, twice a factorised 1x1 pair with
  `quantized_po2(16, max_value=1)` kernels (8 -> 16 -> 8), and a K=4 `_qb`
  output conv without output quantizer.
* `fpga_po2` -- our `fpga` configuration (`golden.frontend.qkeras_model.FPGA`) with
  every kernel quantizer `quantized_po2(16, max_value=1)`, everything else as
  `build_model(FPGA)` builds it.

A `QKerasSpec` lists the layers and quantizers; `build` makes the model in
the session's float type (a user's float32; QKeras 0.9.0's quantized_po2 does
not even run in float64). None of these is inside the exporter's subset yet
(per-layer formats, po2 kernels, raw outputs).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from golden.errors import ParameterError
from golden.frontend.qkeras_model import FPGA, ModelConfig, relu_quantizer, weight_quantizer
from golden.frontend.tf_setup import legacy_keras

# The seeds' quantizers, spelled as the posts spell them.
SEED_BITS = "quantized_bits(16,4,alpha=1)"  # 16 bits, 4 integer bits + sign: Q(16,11)
SEED_RELU = "quantized_relu(16,4)"  # unsigned 16 bits, 4 integer: [0, 16) in steps of 2^-12
PO2 = "quantized_po2(16,max_value=1)"  # +-2^e, e <= 0: a shift instead of a multiplier


def _positive(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"{what} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class QAct:
    """A QActivation layer: its name and quantizer."""

    name: str
    quantizer: str


@dataclass(frozen=True)
class QConv:
    """One causal QConv1D, optionally followed by a QActivation (`after`).

    `activation` is the conv's own activation (a quantizer string, as our
    float64 models requantise inside the conv) or None: the raw float sum."""

    name: str
    filters: int
    kernel_size: int
    dilation: int = 1
    kernel_quantizer: str = SEED_BITS
    bias_quantizer: str = SEED_BITS
    activation: str | None = None
    after: QAct | None = None


@dataclass(frozen=True)
class QKerasSpec:
    """A chain Input -> QConv [-> QActivation] -> ... [-> output QActivation], every conv causal, stride 1.

    `input_length` None accepts any sequence length; the seeds fix it (640)."""

    name: str
    input_channels: int
    convs: tuple[QConv, ...]
    input_length: int | None = None
    input_name: str = "input"
    output: QAct | None = None

    def __post_init__(self) -> None:
        if not self.convs:
            raise ParameterError(f"model {self.name}: no convolutions")
        _positive(self.input_channels, f"model {self.name} input_channels")
        if self.input_length is not None:
            _positive(self.input_length, f"model {self.name} input_length")
        for conv in self.convs:
            for field_name in ("filters", "kernel_size", "dilation"):
                _positive(getattr(conv, field_name), f"model {self.name} layer {conv.name} {field_name}")
        names = self.layer_names
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ParameterError(f"model {self.name}: duplicate layer names {duplicates}")

    @property
    def layer_names(self) -> list[str]:
        """Every layer's name in order, the input first."""
        names = [self.input_name]
        for conv in self.convs:
            names.append(conv.name)
            if conv.after is not None:
                names.append(conv.after.name)
        if self.output is not None:
            names.append(self.output.name)
        return names

    @property
    def output_channels(self) -> int:
        return self.convs[-1].filters

    @property
    def receptive_field(self) -> int:
        return 1 + sum((conv.kernel_size - 1) * conv.dilation for conv in self.convs)

    def build(self) -> Any:
        """The QKeras model (`build`)."""
        return build(self)

    @property
    def parameter_count(self) -> int:
        channels, total = self.input_channels, 0
        for conv in self.convs:
            total += conv.kernel_size * channels * conv.filters + conv.filters
            channels = conv.filters
        return total


def from_config(config: ModelConfig, *, name: str | None = None, kernel_quantizer: str | None = None) -> QKerasSpec:
    """The spec of `build_model(config)` (same layers, names and quantizers), optionally with other kernels."""
    bits = weight_quantizer(config.fmt)
    last = len(config.convs) - 1
    convs = tuple(
        QConv(
            conv.name, conv.filters, conv.kernel_size, conv.dilation,
            kernel_quantizer=kernel_quantizer or bits,
            bias_quantizer=bits,
            activation=None if index == last else bits,
            after=None if index == last else QAct(f"{conv.name}_relu", relu_quantizer(config.fmt)),
        )
        for index, conv in enumerate(config.convs)
    )
    return QKerasSpec(name or config.name, config.input_channels, convs, output=QAct("output_quantizer", bits))


def _seed_conv(name: str, filters: int, kernel_size: int, dilation: int = 1, *, relu: str | None = None,
               kernel_quantizer: str = SEED_BITS) -> QConv:
    return QConv(name, filters, kernel_size, dilation, kernel_quantizer=kernel_quantizer, bias_quantizer=SEED_BITS,
                 after=None if relu is None else QAct(relu, SEED_RELU))


SEED_INPUT_LENGTH = 640  # the seeds' training builds tf.keras.Input((640, 4))

# Post 002, "the current FPGA version": qconv_0 (272), qconv_1 (1040), qconv_2 (260) = 1,572 parameters.
SEED_FPGA = QKerasSpec(
    "seed_fpga", 4,
    (
        _seed_conv("qconv_0", 16, 4, 1, relu="qrelu_0"),
        _seed_conv("qconv_1", 16, 4, 4, relu="qrelu_1"),
        _seed_conv("qconv_2", 4, 4, 16),  # no activation: the model outputs the raw sum
    ),
    input_length=SEED_INPUT_LENGTH, input_name="input_1",
)


def _po2_pair(index: int) -> tuple[QConv, QConv]:
    """The factorised 1x1 of post 002: 8 -> 16 (po2, no activation) -> 8 (po2), then ReLU."""
    return (
        _seed_conv(f"qconv_1_{index}a_po2", 16, 1, kernel_quantizer=PO2),
        _seed_conv(f"qconv_1_{index}b_po2", 8, 1, kernel_quantizer=PO2, relu=f"qrelu_1_{index}"),
    )


# Post 002, "the po2 work in progress model": 136 + 264 + 2 x (144 + 136) + 132 = 1,092 parameters.
# The post's summary lists qrelu_0 after qconv_0_qb, so the first conv has its ReLU too.
SEED_PO2 = QKerasSpec(
    "seed_po2", 4,
    (
        _seed_conv("qconv_0_qb", 8, 4, 1, relu="qrelu_0"),
        _seed_conv("qconv_1_qb", 8, 4, 4, relu="qrelu_1"),
        *_po2_pair(1),
        *_po2_pair(2),
        _seed_conv("qconv_2_qb", 4, 4, 16),  # no output quantizer
    ),
    input_length=SEED_INPUT_LENGTH, input_name="input_1",
)

FPGA_PO2 = from_config(FPGA, name="fpga_po2", kernel_quantizer=PO2)

NAMED_SPECS: dict[str, QKerasSpec] = {spec.name: spec for spec in (SEED_FPGA, SEED_PO2, FPGA_PO2)}


def build(spec: QKerasSpec) -> Any:
    """The QKeras model of `spec`, in the session's float type (set none here: the caller's session decides)."""
    legacy_keras()
    import tensorflow as tf
    from qkeras import QActivation, QConv1D

    inputs = tf.keras.Input(shape=(spec.input_length, spec.input_channels), name=spec.input_name)
    x = inputs
    for conv in spec.convs:
        x = QConv1D(
            conv.filters,
            conv.kernel_size,
            dilation_rate=conv.dilation,
            padding="causal",
            kernel_quantizer=conv.kernel_quantizer,
            bias_quantizer=conv.bias_quantizer,
            activation=conv.activation,
            name=conv.name,
        )(x)
        if conv.after is not None:
            x = QActivation(conv.after.quantizer, name=conv.after.name)(x)
    if spec.output is not None:
        x = QActivation(spec.output.quantizer, name=spec.output.name)(x)
    return tf.keras.Model(inputs, x, name=spec.name)


def custom_objects() -> dict[str, Any]:
    """What `tf.keras.models.load_model` needs to read these models back: every QKeras layer and quantizer."""
    legacy_keras()
    from qkeras.utils import _add_supported_quantized_objects

    objects: dict[str, Any] = {}
    _add_supported_quantized_objects(objects)
    return objects

