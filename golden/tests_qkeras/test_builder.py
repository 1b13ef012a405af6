"""The builders: our fpga and mcu models, the seeds' own seed_fpga and seed_po2 and fpga_po2, and arbitrary stacks."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv1D

from golden.errors import ParameterError
from golden.frontend.builders import (
    FPGA_PO2, NAMED_SPECS, SEED_FPGA, SEED_PO2, SEED_RELU, QAct, QConv, QKerasSpec, build, from_config,
)
from golden.qformat import QFormat
from golden.frontend.qkeras_model import FPGA, MCU, ConvSpec, ModelConfig, build_model, dilated_stack
from golden.tests_qkeras.sessions import float32_session  # noqa: F401  (fixture)
from golden.frontend.training import TrainingSettings, predict_settled, train_spec


@pytest.mark.parametrize("config, parameters", [(FPGA, 1572), (MCU, 465)], ids=["fpga", "mcu"])
def test_named_models_parameter_counts(config: ModelConfig, parameters: int) -> None:
    model = build_model(config)
    assert model.count_params() == parameters == config.parameter_count


def test_fpga_layout() -> None:
    model = build_model(FPGA)
    convs = [layer for layer in model.layers if isinstance(layer, QConv1D)]
    assert [(c.kernel_size[0], c.dilation_rate[0], c.filters) for c in convs] == [(4, 1, 16), (4, 4, 16), (4, 16, 4)]
    assert all(c.padding == "causal" for c in convs)
    assert FPGA.receptive_field == 64 and model.inputs[0].shape.as_list() == [None, None, 4]
    relus = [layer for layer in model.layers if isinstance(layer, QActivation) and "relu" in str(layer.quantizer)]
    assert [str(r.quantizer) for r in relus] == ["quantized_relu(15,3)"] * 2
    assert str(model.layers[-1].quantizer) == "quantized_bits(16,3,0,alpha=1)"
    assert str(convs[0].kernel_quantizer_internal) == "quantized_bits(16,3,0,alpha=1)"


def test_mcu_layout() -> None:
    convs = [(c.kernel_size, c.dilation, c.filters) for c in MCU.convs]
    assert convs == [(4, 1, 4), (1, 1, 4), (4, 4, 4), (1, 1, 4), (4, 16, 4), (1, 1, 4), (4, 64, 8), (1, 1, 8), (1, 1, 1)]
    assert MCU.receptive_field == 256 and MCU.input_channels == 3


def test_any_sequence_length() -> None:
    model = build_model(MCU)
    for steps in (1, 7, 300):
        assert model.predict(np.zeros((2, steps, 3)), verbose=0).shape == (2, steps, 1)


def test_arbitrary_stack() -> None:
    config = dilated_stack("odd", 2, [5, 3], kernel_size=3, dilations=[1, 5], pointwise=True, output_channels=2,
                           fmt=QFormat(12, 8))
    model = build_model(config)
    assert model.count_params() == config.parameter_count == (3 * 2 * 5 + 5) + (5 * 5 + 5) + (3 * 5 * 3 + 3) + (3 * 3 + 3) + (3 * 2 + 2)
    assert str(model.layers[1].kernel_quantizer_internal) == "quantized_bits(12,3,0,alpha=1)"
    assert any(str(getattr(layer, "quantizer", "")) == "quantized_relu(11,3)" for layer in model.layers)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ModelConfig("x", 2, ()), "no convolutions"),
        (lambda: ModelConfig("x", 0, (ConvSpec("a", 1, 1),)), "input_channels must be a positive integer"),
        (lambda: ModelConfig("x", 2, (ConvSpec("a", 1, 1), ConvSpec("a", 1, 1))), "duplicate layer names"),
        (lambda: ModelConfig("x", 2, (ConvSpec("a", 1, 0),)), "layer a kernel_size must be a positive integer"),
        (lambda: dilated_stack("x", 2, [4, 4], dilations=[1]), "2 filter counts but 1 dilations"),
    ],
)
def test_bad_configs(make, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        make()


# --- the seeds' own models and fpga_po2 (golden/frontend/builders.py), built in a user's float32 session ---

SEED_BITS_STR = "quantized_bits(16,4,0,alpha=1)"  # QKeras's spelling of quantized_bits(bits=16, integer=4, alpha=1)
PO2_STR = "quantized_po2(16,1)"


def _convs(model) -> list:
    return [layer for layer in model.layers if isinstance(layer, QConv1D)]


def _activation_name(layer) -> str:
    return layer.get_config()["activation"]


@pytest.mark.parametrize("spec, parameters", [(SEED_FPGA, 1572), (SEED_PO2, 1092), (FPGA_PO2, 1572)],
                         ids=["seed_fpga", "seed_po2", "fpga_po2"])
def test_named_specs_parameter_counts(float32_session, spec: QKerasSpec, parameters: int) -> None:
    model = build(spec)
    assert model.count_params() == parameters == spec.parameter_count
    assert model.name == spec.name and NAMED_SPECS[spec.name] is spec
    assert all(layer.dtype == "float32" for layer in model.layers)  # the session's type, nothing forced


def test_seed_fpga_layout(float32_session) -> None:
    model = build(SEED_FPGA)
    assert model.inputs[0].shape.as_list() == [None, 640, 4] and model.outputs[0].shape.as_list() == [None, 640, 4]
    assert [layer.name for layer in model.layers] == ["input_1", "qconv_0", "qrelu_0", "qconv_1", "qrelu_1", "qconv_2"]
    convs = _convs(model)
    assert [(c.kernel_size[0], c.dilation_rate[0], c.filters, c.strides[0]) for c in convs] == [
        (4, 1, 16, 1), (4, 4, 16, 1), (4, 16, 4, 1)]
    assert all(c.padding == "causal" for c in convs)
    assert [str(c.kernel_quantizer_internal) for c in convs] == [SEED_BITS_STR] * 3
    assert [str(c.bias_quantizer_internal) for c in convs] == [SEED_BITS_STR] * 3
    assert [_activation_name(c) for c in convs] == ["linear"] * 3  # the ReLUs are separate QActivations
    relus = [layer for layer in model.layers if isinstance(layer, QActivation)]
    assert [(r.name, str(r.quantizer)) for r in relus] == [("qrelu_0", "quantized_relu(16,4)"),
                                                          ("qrelu_1", "quantized_relu(16,4)")]
    # the last conv IS the output: no quantizer after it, the raw float sum leaves the model
    assert model.layers[-1] is convs[-1] and model.outputs[0] is convs[-1].output
    assert SEED_FPGA.receptive_field == 64


def test_seed_po2_layout(float32_session) -> None:
    model = build(SEED_PO2)
    assert model.inputs[0].shape.as_list() == [None, 640, 4] and model.outputs[0].shape.as_list() == [None, 640, 4]
    layers = [(layer.name, type(layer).__name__) for layer in model.layers]
    assert layers == [
        ("input_1", "InputLayer"),
        ("qconv_0_qb", "QConv1D"), ("qrelu_0", "QActivation"),
        ("qconv_1_qb", "QConv1D"), ("qrelu_1", "QActivation"),
        ("qconv_1_1a_po2", "QConv1D"), ("qconv_1_1b_po2", "QConv1D"), ("qrelu_1_1", "QActivation"),
        ("qconv_1_2a_po2", "QConv1D"), ("qconv_1_2b_po2", "QConv1D"), ("qrelu_1_2", "QActivation"),
        ("qconv_2_qb", "QConv1D"),
    ]
    shapes = {c.name: (c.kernel_size[0], c.dilation_rate[0], c.filters, c.count_params()) for c in _convs(model)}
    assert shapes == {
        "qconv_0_qb": (4, 1, 8, 136), "qconv_1_qb": (4, 4, 8, 264),
        "qconv_1_1a_po2": (1, 1, 16, 144), "qconv_1_1b_po2": (1, 1, 8, 136),
        "qconv_1_2a_po2": (1, 1, 16, 144), "qconv_1_2b_po2": (1, 1, 8, 136),
        "qconv_2_qb": (4, 16, 4, 132),
    }
    for conv in _convs(model):
        expected_kernel = PO2_STR if conv.name.endswith("_po2") else SEED_BITS_STR
        assert str(conv.kernel_quantizer_internal) == expected_kernel, conv.name
        assert str(conv.bias_quantizer_internal) == SEED_BITS_STR, conv.name  # po2 layers' biases too
        assert _activation_name(conv) == "linear" and conv.padding == "causal", conv.name
    relus = [layer for layer in model.layers if isinstance(layer, QActivation)]
    assert {str(r.quantizer) for r in relus} == {"quantized_relu(16,4)"}
    assert model.layers[-1].name == "qconv_2_qb" and model.outputs[0] is model.layers[-1].output
    assert SEED_PO2.receptive_field == 64


def test_fpga_po2_is_fpga_with_po2_kernels(float32_session) -> None:
    po2 = build(FPGA_PO2)
    tf.keras.backend.set_floatx("float64")
    reference = build_model(FPGA)
    assert [layer.name for layer in po2.layers] == [layer.name for layer in reference.layers]
    for ours, theirs in zip(po2.layers, reference.layers):
        mine, other = ours.get_config(), theirs.get_config()
        for config in (mine, other):
            config.pop("dtype", None)  # float32 (a user's session) against float64 (the exact model)
        if isinstance(ours, QConv1D):
            assert str(ours.kernel_quantizer_internal) == PO2_STR, ours.name
            assert str(theirs.kernel_quantizer_internal) == "quantized_bits(16,3,0,alpha=1)"
            for key in ("kernel_quantizer", "kernel_initializer"):  # QKeras wraps the initializer around it
                assert "quantized_po2" in str(mine.pop(key)) and "quantized_bits" in str(other.pop(key)), key
            # and derives a Clip constraint from the quantizer's range: [-1, 1] for po2 with max_value=1
            assert mine.pop("kernel_constraint")["config"] == {"min_value": -1, "max_value": 1}
            other.pop("kernel_constraint")
        assert mine == other, ours.name
    assert po2.inputs[0].shape.as_list() == [None, None, 4]


def test_from_config_builds_what_build_model_builds() -> None:
    """The spec translation of a ModelConfig is exact, so fpga_po2 differs from fpga in its kernels only."""
    for config in (FPGA, MCU):
        ours, theirs = build(from_config(config)), build_model(config)
        assert [layer.get_config() for layer in ours.layers] == [layer.get_config() for layer in theirs.layers]


def test_po2_kernels_are_powers_of_two(float32_session, rng: np.random.Generator) -> None:
    model = build(FPGA_PO2)
    model.set_weights([rng.normal(0.0, 0.6, size=w.shape) for w in model.get_weights()])
    for conv in _convs(model):
        kernel = np.asarray(conv.kernel_quantizer_internal(conv.kernel)).ravel()
        magnitudes = np.abs(kernel[kernel != 0])
        assert magnitudes.size > kernel.size // 2, conv.name
        assert np.all(magnitudes <= 1.0), conv.name
        assert np.array_equal(np.exp2(np.round(np.log2(magnitudes))), magnitudes), conv.name


def test_fixed_length_windows_equal_the_whole_sequence(rng: np.random.Generator) -> None:
    """predict_settled on the seeds' fixed 640-sample input is the full-sequence prediction (float64: exact)."""
    fixed = build(SEED_FPGA)
    free = build(dataclasses.replace(SEED_FPGA, input_length=None))
    weights = [rng.integers(-300, 300, size=w.shape, endpoint=True) / 2**11 for w in fixed.get_weights()]
    fixed.set_weights(weights)
    free.set_weights(weights)
    inputs = rng.integers(-4096, 4096, size=(2000, 4), endpoint=True) / 2**12
    warmup = SEED_FPGA.receptive_field - 1
    whole, windowed = predict_settled(free, inputs, warmup), predict_settled(fixed, inputs, warmup)
    assert np.all(np.isnan(windowed[:warmup])) and not np.any(np.isnan(windowed[warmup:]))
    np.testing.assert_array_equal(windowed[warmup:], whole[warmup:])


def test_train_spec_fixed_length_mismatch(float32_session) -> None:
    settings = TrainingSettings(examples=8, window=320, epochs=1)
    with pytest.raises(ParameterError, match="seed_fpga takes windows of 640 samples"):
        train_spec(SEED_FPGA, settings, verbose=0)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: QKerasSpec("x", 2, ()), "no convolutions"),
        (lambda: QKerasSpec("x", 2, (QConv("a", 1, 1, after=QAct("a", SEED_RELU)),)), r"duplicate layer names \['a'\]"),
        (lambda: QKerasSpec("x", 2, (QConv("c", 1, 1),), input_name="c"), r"duplicate layer names \['c'\]"),
        (lambda: QKerasSpec("x", 2, (QConv("a", 1, 1, 0),)), "layer a dilation must be a positive integer"),
        (lambda: QKerasSpec("x", 2, (QConv("a", 1, 1),), input_length=0), "input_length must be a positive integer"),
    ],
)
def test_bad_specs(make, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        make()
