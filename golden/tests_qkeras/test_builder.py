"""The builder: the seeds' two models with their parameter counts, and arbitrary stacks."""
from __future__ import annotations

import numpy as np
import pytest
from qkeras import QActivation, QConv1D

from golden.errors import ParameterError
from golden.qformat import QFormat
from golden.qkeras_model import FPGA, MCU, ConvSpec, ModelConfig, build_model, dilated_stack


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
