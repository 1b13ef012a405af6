"""Export: committed models reproduce their committed manifests; every unsupported feature is refused clearly."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from golden.compare import assert_codes_equal
from golden.errors import GoldenError
from golden.frontend.export import (
    UnsupportedModelError, audit_subset, export_model_file, load_qkeras_model, model_to_manifest, qkeras_layer_outputs,
)
from golden.manifest import dump_manifest, load_manifest, manifest_to_dict
from golden.network import full_sequence
from golden.qformat import QFormat
from golden.waveshaping import random_input
from golden.tests_qkeras.conftest import MODELS, REPO
from golden.tests_qkeras.models import HAND_BUILT, UNSUPPORTED, _chain, _conv, built


@pytest.mark.parametrize("name", ["fpga", "mcu", "seed_fpga"])
def test_committed_model_exports_to_committed_manifest(name: str, tmp_path: Path) -> None:
    """seed_fpga was trained on Q(16,12) inputs, so its export names that input format (the default would be
    its first kernel's Q(16,11))."""
    out = tmp_path / f"{name}.yaml"
    input_format = QFormat(16, 12) if name == "seed_fpga" else None
    manifest = export_model_file(MODELS / f"{name}.h5", out, name=name, rounding="rne", input_format=input_format)
    assert out.read_text() == (MODELS / f"{name}.yaml").read_text()
    assert manifest.parameter_count == {"fpga": 1572, "mcu": 465, "seed_fpga": 1572}[name]
    assert {layer.output.rounding.value for layer in load_manifest(out).layers} == {"rne"}


def test_hand_built_model_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    model = built(HAND_BUILT, rng, spread=HAND_BUILT.fmt.scale)
    model.save(tmp_path / "hand.keras")
    manifest = export_model_file(tmp_path / "hand.keras", tmp_path / "hand.yaml")
    assert manifest.name == "hand" and str(manifest.input_format) == "Q(12,8)" and manifest.input_channels == 2
    assert [(l.kernel_size, l.dilation, l.out_channels, l.relu) for l in manifest.layers] == [
        (3, 1, 6, True), (3, 3, 5, True), (3, 9, 3, True), (1, 1, 3, False)]
    weights = model.get_weights()  # on-grid reals: the codes are the weights times 2^F, exactly
    assert np.array_equal(manifest.layers[1].kernel, weights[2] * 256) and np.array_equal(manifest.layers[1].bias, weights[3] * 256)


def test_weights_are_quantized_by_the_layer_quantizer(rng: np.random.Generator) -> None:
    """Off-grid and out-of-range float weights export as QKeras's own quantized values (RNE, saturated)."""
    model = built(HAND_BUILT, rng, spread=4)
    weights = model.get_weights()
    weights[0][0, 0, 0] = 2.5 / 256  # a tie: rounds to even code 2
    weights[0][0, 0, 1] = 3.5 / 256  # rounds to 4
    weights[0][0, 1, 0] = 100.0  # saturates to qmax
    weights[1][0] = -0.3 / 256  # rounds to 0
    model.set_weights(weights)
    layer = model_to_manifest(model, "q").layers[0]
    assert layer.kernel[0, 0, 0] == 2 and layer.kernel[0, 0, 1] == 4 and layer.kernel[0, 1, 0] == 2047
    assert layer.bias[0] == 0


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_weight_names_layer_and_index(value: float, rng: np.random.Generator) -> None:
    model = built(HAND_BUILT, rng, spread=4)
    weights = model.get_weights()
    weights[2][1, 3, 2] = value
    model.set_weights(weights)
    with pytest.raises(UnsupportedModelError, match=rf"layer 'qconv_1' kernel: weight {value} at index \(1, 3, 2\) is not finite"):
        model_to_manifest(model, "bad")


@pytest.mark.parametrize("feature", sorted(UNSUPPORTED))
def test_unsupported_feature_is_refused(feature: str) -> None:
    make, fragments = UNSUPPORTED[feature]
    model = make()
    with pytest.raises(UnsupportedModelError) as caught:
        model_to_manifest(model, "x", origin=f"{feature}.h5")
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{feature}.h5 cannot be exported")
    for fragment in fragments:
        assert fragment in message
    assert audit_subset(model) == caught.value.problems


def test_supported_variants_are_accepted(rng: np.random.Generator) -> None:
    """No bias (zero bias), 1x1 with valid padding, ReLU as the conv activation (on the raw sum: through float32),
    a second output quantizer of the same format."""
    from qkeras import QActivation

    model = _chain(
        _conv(3, 2, name="a", use_bias=False, activation="quantized_relu(15,3)"),
        _conv(2, 1, name="b", padding="valid", activation=None),
        QActivation("quantized_bits(16,3,alpha=1)", name="q1"),
        QActivation("quantized_bits(16,3,alpha=1)", name="q2"),
    )
    assert audit_subset(model) == []
    manifest = model_to_manifest(model, "variants")
    assert [l.relu for l in manifest.layers] == [True, False]
    assert np.all(manifest.layers[0].bias == 0)
    assert manifest.layers[0].output.float32_input and not manifest.layers[1].output.float32_input
    assert [str(l.output_format) for l in manifest.layers] == ["UQ(15,12)", "Q(16,12)"]


def test_alpha_left_out_of_bias_and_activation_is_alpha_1(rng: np.random.Generator, seed: int) -> None:
    """QKeras 0.9.0's quantized_bits computes with scale 1.0 when alpha is None, exactly as alpha=1: such a bias
    quantizer, conv activation or QActivation exports to the same manifest, bit-exact. (A kernel quantizer
    without alpha is not this case: the layer turns it into auto_po2, refused: UNSUPPORTED['auto_po2'].)"""
    from qkeras import QActivation

    def model(alpha: str) -> object:
        return _chain(_conv(3, 2, name="a", bias_quantizer=f"quantized_bits(10,2{alpha})",
                            activation=f"quantized_bits(16,3{alpha})"),
                      QActivation(f"quantized_bits(14,1{alpha})", name="q"))  # same step: one output stage

    left_out, explicit = model(""), model(",alpha=1")
    weights = [rng.normal(0.0, 0.5, size=w.shape) for w in left_out.get_weights()]
    left_out.set_weights(weights)
    explicit.set_weights(weights)
    manifest = model_to_manifest(left_out, "left_out")
    assert manifest_to_dict(manifest)["layers"] == manifest_to_dict(model_to_manifest(explicit, "left_out"))["layers"]
    samples = random_input(2000, 2, manifest.input_format, seed)
    (expected,) = qkeras_layer_outputs(left_out, samples, manifest)
    assert_codes_equal(expected, full_sequence(manifest, samples)[0].outputs, what="alpha left out: QKeras vs golden",
                       seed=seed, width=manifest.layers[0].output_format.width)


def test_script_refuses_unsupported_model_without_traceback(tmp_path: Path) -> None:
    model = _chain(_conv(name="c_same", padding="same"), _conv(name="c_last", activation="quantized_tanh(8,2)"))
    model.save(tmp_path / "bad.h5")
    out = tmp_path / "bad.yaml"
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "export_model.py"), str(tmp_path / "bad.h5"),
                             "--out", str(out)], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "'c_same'" in result.stderr and "padding 'same'" in result.stderr and "'c_last'" in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".bad.yaml*"))


def test_script_exports(tmp_path: Path) -> None:
    out = tmp_path / "m.yaml"
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "export_model.py"), str(MODELS / "mcu.h5"),
                             "--out", str(out), "--name", "small", "--rounding", "trunc"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    manifest = load_manifest(out)
    assert manifest.name == "small" and manifest.parameter_count == 465
    assert {layer.output.rounding.value for layer in manifest.layers} == {"trunc"}


def test_missing_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(GoldenError, match="model file not found"):
        load_qkeras_model(tmp_path / "none.h5")
    (tmp_path / "junk.h5").write_text("not a model")
    with pytest.raises(GoldenError, match="junk.h5: cannot load as a QKeras model"):
        load_qkeras_model(tmp_path / "junk.h5")
