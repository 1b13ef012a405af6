"""golden.frontend.load takes the model files users bring, and refuses what it cannot take in one paragraph.

Accepted: models built here the way users build them (golden/tests_qkeras/user_models.py)
-- float32 or float64 session, fixed-length or variable-length input, quantizers
as objects or strings, Sequential or functional, saved as .h5 or .keras. Each is
loaded, must come back float64 on Input((None, C)) with every weight copied, run
3000 samples, and its exported manifest's golden network must equal QKeras
float64 predict, every code of every layer (both the streaming and the
full-sequence model).

Refused with a GoldenError naming the file (exit status 2 from the scripts,
nothing written): a missing, corrupt or foreign file, a plain Keras model, a
model with two inputs, quantizers that cannot even run in float64.
"""
from __future__ import annotations

import itertools
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from golden.compare import assert_codes_equal
from golden.errors import GoldenError
from golden.frontend.export import UnsupportedModelError, export_model_file, qkeras_layer_outputs
from golden.frontend.load import load_qkeras_model
from golden.manifest import load_manifest
from golden.network import StreamingNetwork, full_sequence, saturation_count
from golden.tests_qkeras.conftest import REPO
from golden.tests_qkeras.user_models import CHANNELS, FIXED_LENGTH, FMT, LAYER_NAMES, UserModel, float_session, save_user_model
from golden.waveshaping import network_input, random_input

LONG = 3000  # far past the fixed length of 96 the users' models were built with


def _user_models() -> list[UserModel]:
    # every combination as users save models: a float32 session (QKeras's default, the case that used to crash)
    # with a fixed-length Input ...
    float32 = [
        UserModel("float32", FIXED_LENGTH, quantizers, kind, suffix)
        for quantizers, kind, suffix in itertools.product(("objects", "strings"), ("functional", "sequential"),
                                                          (".h5", ".keras"))
    ]
    # ... every pair of the other three with a variable-length Input (each case costs ~10 s of CI's 20 minutes) ...
    float32 += [
        UserModel("float32", None, quantizers, kind, suffix)
        for quantizers, kind, suffix in [("objects", "functional", ".h5"), ("objects", "sequential", ".keras"),
                                         ("strings", "functional", ".keras"), ("strings", "sequential", ".h5")]
    ]
    # ... and every pair of the other four choices from a float64 session
    float64 = [
        UserModel("float64", length, quantizers, kind, suffix)
        for length, quantizers, kind, suffix in [
            (FIXED_LENGTH, "objects", "functional", ".h5"), (FIXED_LENGTH, "strings", "sequential", ".keras"),
            (None, "objects", "sequential", ".keras"), (None, "strings", "functional", ".keras"),
            (None, "strings", "sequential", ".h5"),
        ]
    ]
    return float32 + float64


USER_MODELS = _user_models()


@pytest.mark.parametrize("user", USER_MODELS, ids=lambda user: user.id)
def test_user_model_loads_as_float64_and_is_bit_exact(
    user: UserModel, tmp_path: Path, rng: np.random.Generator, seed: int
) -> None:
    path, original = save_user_model(user, tmp_path, rng)
    assert {layer.dtype for layer in original.layers} == {user.session}

    model = load_qkeras_model(path)
    assert {(layer.dtype, layer.compute_dtype) for layer in model.layers} == {("float64", "float64")}
    assert tuple(model.inputs[0].shape) == (None, None, CHANNELS)
    assert [layer.name for layer in model.layers[1:]] == list(LAYER_NAMES)
    for name in LAYER_NAMES:  # copied by name: every variable of every layer, widened exactly
        want, got = original.get_layer(name).get_weights(), model.get_layer(name).get_weights()
        assert len(want) == len(got)
        for w, g in zip(want, got):
            assert g.dtype == np.float64 and np.array_equal(w.astype(np.float64), g), f"layer {name}"

    manifest_path = tmp_path / "user.yaml"
    export_model_file(path, manifest_path)
    manifest = load_manifest(manifest_path)
    assert manifest.input_format == FMT and manifest.input_channels == CHANNELS
    assert [(l.kernel_size, l.dilation, l.out_channels, l.relu) for l in manifest.layers] == [
        (3, 1, 4, True), (2, 3, 5, True), (1, 1, 2, False)]

    stimuli = {"random": random_input(LONG, CHANNELS, FMT, seed), "sine": network_input("sine", LONG, CHANNELS, FMT, seed)}
    assert saturation_count(manifest, stimuli["random"]) > 0, "the full-range stimulus must reach the saturation corners"
    for name, samples in stimuli.items():
        expected = qkeras_layer_outputs(model, samples, manifest)
        plain = full_sequence(manifest, samples)
        # the streaming model (the RTL's reference) sample by sample takes seconds: on the full-range stimulus only
        streamed = StreamingNetwork(manifest).run_layers(samples) if name == "random" else [None] * len(plain)
        assert len(expected) == len(streamed) == len(plain) == len(manifest.layers)
        for layer, want, got, whole in zip(manifest.layers, expected, streamed, plain):
            assert want.shape == (LONG, layer.out_channels)
            what = f"{user.id} {name} x{LONG} layer {layer.name}"
            if got is not None:
                assert_codes_equal(want, got, what=f"{what}: golden streaming vs QKeras float64", seed=seed,
                                   width=layer.output_format.width)
            assert_codes_equal(want, whole.outputs, what=f"{what}: golden full sequence vs QKeras float64", seed=seed,
                               width=FMT.width)


# --- refusals ---------------------------------------------------------------------------------------------


def _plain_keras(folder: Path) -> Path:
    """A Keras model without QKeras: Dense on a vector."""
    with float_session("float32"):
        inputs = tf.keras.Input((8,))
        model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, name="plain_dense")(inputs))
        model.save(folder / "plain.h5")
    return folder / "plain.h5"


def _two_inputs(folder: Path) -> Path:
    from qkeras import QConv1D

    with float_session("float32"):
        left, right = tf.keras.Input((None, 2), name="left"), tf.keras.Input((None, 1), name="right")
        joined = tf.keras.layers.Concatenate(name="join")([left, right])
        conv = QConv1D(2, 2, padding="causal", kernel_quantizer="quantized_bits(12,3,alpha=1)",
                       bias_quantizer="quantized_bits(12,3,alpha=1)", activation="quantized_bits(12,3,alpha=1)",
                       name="conv")(joined)
        model = tf.keras.Model([left, right], conv)
        model.save(folder / "two_inputs.keras")
    return folder / "two_inputs.keras"


def _po2(folder: Path) -> Path:
    """quantized_po2 and alpha="auto_po2" cannot run in float64 in QKeras 0.9.0: the list of problems, no TypeError."""
    from qkeras import QConv1D, quantized_bits, quantized_po2

    def conv(name: str, kernel_quantizer: object) -> QConv1D:
        return QConv1D(2, 2, padding="causal", kernel_quantizer=kernel_quantizer, name=name,
                       bias_quantizer=quantized_bits(12, 3, alpha=1), activation=quantized_bits(12, 3, alpha=1))

    with float_session("float32"):
        inputs = tf.keras.Input((FIXED_LENGTH, 2))
        x = conv("c_ok", quantized_bits(12, 3, alpha=1))(inputs)  # sets the model's format
        x = conv("c_po2", quantized_po2(4, log2_rounding="floor"))(x)  # a po2 kernel needs log2_rounding="rnd"
        x = conv("c_auto", quantized_bits(12, 3, symmetric=1, alpha="auto_po2"))(x)
        tf.keras.Model(inputs, x).save(folder / "po2.keras")
    return folder / "po2.keras"


def _truncated_keras(folder: Path) -> Path:
    """A .keras file cut short, as by an interrupted copy."""
    with float_session("float32"):
        inputs = tf.keras.Input((4, 1))
        tf.keras.Model(inputs, tf.keras.layers.Dense(1)(inputs)).save(folder / "whole.keras")
    data = (folder / "whole.keras").read_bytes()
    (folder / "truncated.keras").write_bytes(data[: len(data) // 2])
    return folder / "truncated.keras"


def _weights_only(folder: Path) -> Path:
    """model.save_weights: an HDF5 file without a model config (Keras's reason names a GFile object address,
    different in each of the two sessions tried)."""
    from qkeras import QConv1D

    with float_session("float32"):
        inputs = tf.keras.Input((None, 2))
        conv = QConv1D(2, 2, padding="causal", kernel_quantizer="quantized_bits(12,3,alpha=1)",
                       bias_quantizer="quantized_bits(12,3,alpha=1)", name="conv")(inputs)
        tf.keras.Model(inputs, conv).save_weights(folder / "weights.h5")
    return folder / "weights.h5"


def _junk(folder: Path) -> Path:
    (folder / "junk.h5").write_bytes(bytes(range(256)) * 8)
    return folder / "junk.h5"


def _no_model_in_zip(folder: Path) -> Path:
    with zipfile.ZipFile(folder / "empty.keras", "w") as archive:
        archive.writestr("readme.txt", "no model here")
    return folder / "empty.keras"


# name -> (file maker, error class, fragments of the one-paragraph message after the file name)
REFUSALS = {
    "missing": (lambda folder: folder / "absent.h5", GoldenError, ["model file not found"]),
    "junk": (_junk, GoldenError, ["cannot load as a QKeras model, tried in float64 and float32 sessions (OSError"]),
    "truncated": (_truncated_keras, GoldenError, ["cannot load as a QKeras model"]),
    "no_model_in_zip": (_no_model_in_zip, GoldenError, ["cannot load as a QKeras model"]),
    "directory": (lambda folder: folder, GoldenError, ["not a file"]),
    "weights_only": (_weights_only, GoldenError, ["holds weights only", "model.save_weights", "save the whole model"]),
    "plain_keras": (_plain_keras, UnsupportedModelError,
                    ["cannot be exported", "'plain_dense' (Dense): layer type Dense is not supported",
                     "the input has shape (None, 8)", "no QConv1D or QDense or"]),
    "po2": (_po2, UnsupportedModelError, ["cannot be exported", "'c_po2' (QConv1D) kernel quantizer: quantized_po2", "log2_rounding='floor'",
                                          "'c_auto' (QConv1D) kernel quantizer", "alpha='auto_po2'"]),
    "two_inputs": (_two_inputs, UnsupportedModelError,
                   ["cannot be exported", "the model has 2 inputs and 1 outputs", "'join' (Concatenate)"]),
}
# The scripts' error plumbing (status 2, one paragraph, nothing written), each through a file that does not
# load and one that loads but is refused; every refusal reaches the API test above. Each run imports TensorFlow
# (~14 s), so not every refusal goes through both scripts.
EXPORT_CLI_REFUSALS = ("junk", "two_inputs")  # a corrupt file, a two-input model
AUDIT_CLI_REFUSALS = ("missing", "plain_keras")  # a missing file, a model without QKeras layers


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_bad_model_file_is_refused_in_one_paragraph(refusal: str, tmp_path: Path) -> None:
    make, error_class, fragments = REFUSALS[refusal]
    path = make(tmp_path)
    with pytest.raises(error_class) as caught:
        load_qkeras_model(path)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert " at 0x" not in message, f"an object address: {message}"
    assert message.count(str(path)) == 1, message
    assert message.startswith(f"{path}: " if error_class is GoldenError else f"{path} cannot be exported")
    for fragment in fragments:
        assert fragment in message, message


def test_unknown_file_type_is_refused(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"\0" * 16)
    with pytest.raises(GoldenError, match=r"weights\.bin: unknown model file type '\.bin'; .*\.h5, \.hdf5, \.keras"):
        load_qkeras_model(tmp_path / "weights.bin")


def _run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=600)


def _assert_one_paragraph(result: subprocess.CompletedProcess, path: Path, fragments: list[str]) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert str(path) in errors[0]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


@pytest.mark.parametrize("refusal", EXPORT_CLI_REFUSALS)
def test_export_script_refuses_with_status_2_and_writes_nothing(refusal: str, tmp_path: Path) -> None:
    make, _, fragments = REFUSALS[refusal]
    models, out = tmp_path / "models", tmp_path / "out"
    models.mkdir()
    out.mkdir()
    path = make(models)
    result = _run(REPO / "scripts" / "export_model.py", path, "--out", out / "m.yaml")
    _assert_one_paragraph(result, path, fragments)
    assert not list(out.iterdir()), "no manifest and no temporary file may be left"


@pytest.mark.parametrize("refusal", AUDIT_CLI_REFUSALS)
def test_audit_script_refuses_with_status_2_and_writes_nothing(refusal: str, tmp_path: Path) -> None:
    make, _, fragments = REFUSALS[refusal]
    models, out = tmp_path / "models", tmp_path / "audit"
    models.mkdir()
    out.mkdir()
    (out / "report.json").write_text('{"passed": true}')  # a stale success must not survive
    path = make(models)
    result = _run(REPO / "scripts" / "audit.py", path, "--out", out)
    _assert_one_paragraph(result, path, fragments)
    assert not list(out.iterdir()), "no report, manifest or RTL build may be left"
