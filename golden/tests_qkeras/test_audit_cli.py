"""`make audit` end to end (scripts/audit.py): passes when all three agree, fails on a mismatch or a bad model.

Runs the real CLI as a subprocess on models saved here: a hand-built model unlike
the seeds' (RTL included, a few hundred samples to stay quick), the same model
with trunc hardware rounding (QKeras disagrees: exit 1), an unsupported model
(exit 2, one paragraph, no report), a model as users save it (float32
session, fixed-length input), a non-ASCII file name, the informational float32
comparison (one model where float32 rounds, one where it is exact) and a
refused sample count.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from golden.frontend.export import export_model_file
from golden.tests_qkeras.conftest import REPO
from golden.tests_qkeras.user_models import UserModel, float_session, save_user_model

AUDIT = REPO / "scripts" / "audit.py"
EXAMPLES = REPO / "scripts" / "build_example_model.py"


def _run(*args: object, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    for flag, name in (("", "hand.h5"), ("--unsupported", "unsupported.h5")):
        built = _run(EXAMPLES, *([flag] if flag else []), "--out", folder / name)
        assert built.returncode == 0, built.stderr
    return folder


def test_hand_built_model_passes(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit"
    result = _run(AUDIT, examples / "hand.h5", "--samples", 300, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] is True
    assert report["qkeras_vs_golden"]["mismatches"] == 0 and report["qkeras_vs_golden"]["compared"] > 0
    assert report["rtl_vs_golden"]["mismatches"] == 0 and report["rtl_vs_golden"]["compared"] == 2 * 300 * 3
    assert [layer["name"] for layer in report["layers"]] == ["qconv_0", "qconv_1", "qconv_2", "qconv_out"]
    assert "PASS" in result.stdout and "qconv_out" in result.stdout


def test_trunc_hardware_is_caught(examples: Path, tmp_path: Path) -> None:
    """The same model with floor rounding in the hardware: QKeras disagrees and the audit says so."""
    out = tmp_path / "audit"
    result = _run(AUDIT, examples / "hand.h5", "--samples", 300, "--rounding", "trunc", "--out", out)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] is False and report["qkeras_vs_golden"]["mismatches"] > 0
    assert report["rtl_vs_golden"]["mismatches"] == 0, "RTL built with trunc must still equal the trunc golden model"
    assert "FAIL" in result.stdout and "expected" in result.stdout


def test_unsupported_model_is_refused_in_one_paragraph(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit"
    out.mkdir()
    (out / "report.json").write_text('{"passed": true}')  # a stale success must not survive
    result = _run(AUDIT, examples / "unsupported.h5", "--out", out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    message = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(message) == 1, result.stderr
    for reason in ("padding 'same'", "quantized_po2", "QDense", "Flatten"):
        assert reason in message[0]
    assert not (out / "report.json").exists()
    assert not list(out.glob("*.yaml")), "no manifest may be left behind"


def test_float32_fixed_length_user_model_passes(tmp_path: Path, rng: np.random.Generator) -> None:
    """Saved from a float32 session with Input((96, 3)): audited on longer sequences, in float64, bit-exact."""
    user = UserModel(session="float32", length=96, quantizers="objects", kind="functional", suffix=".h5")
    path, _ = save_user_model(user, tmp_path, rng)
    out = tmp_path / "audit"
    result = _run(AUDIT, path, "--samples", 300, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] is True and report["stimulus"] == dict.fromkeys(
        ["sine", "ramp", "square", "zigzag", "random_full_range", "random_unit_range"], 300)
    assert report["qkeras_vs_golden"]["mismatches"] == 0 and report["qkeras_vs_golden"]["compared"] == 6 * 300 * (4 + 5 + 2)
    assert report["rtl_vs_golden"]["mismatches"] == 0 and report["rtl_vs_golden"]["compared"] == 6 * 300 * 2
    assert [layer["name"] for layer in report["layers"]] == ["conv_a", "conv_b", "conv_out"]


def _save_one_conv(path: Path, rng: np.random.Generator, weights: str, output: str) -> Path:
    """One QConv1D (2 -> 8 channels, K=4) with `weights` as kernel and bias quantizer and `output` on its sum,
    saved from a float32 session as a user saves it."""
    from qkeras import QConv1D

    with float_session("float32"):
        inputs = tf.keras.Input((None, 2))
        conv = QConv1D(8, 4, padding="causal", kernel_quantizer=weights, bias_quantizer=weights, activation=output,
                       name="conv")(inputs)
        model = tf.keras.Model(inputs, conv)
        model.set_weights([rng.normal(0.0, 1.0, size=w.shape).astype(np.float32) for w in model.get_weights()])
        model.save(path)
    return path


def test_non_ascii_name_and_float32_rounding_are_reported(tmp_path: Path, rng: np.random.Generator) -> None:
    """modèle.h5 gets the manifest name export gives it (mod_le), and the audit also reports float32 predict:
    with 36-bit sums (Q(16,12) x Q(16,12), 8 terms) into a Q(24,16) output, float32 rounds some outputs by an
    LSB. The exact float64 comparison still decides: PASS."""
    path = _save_one_conv(tmp_path / "modèle.h5", rng, "quantized_bits(16,3,alpha=1)", "quantized_bits(24,7,alpha=1)")
    out = tmp_path / "audit"
    result = _run(AUDIT, path, "--samples", 200, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "mod_le.yaml").exists() and export_model_file(path, tmp_path / "exported.yaml").name == "mod_le"
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] is True and report["qkeras_vs_golden"]["mismatches"] == 0
    float32 = report["qkeras_float32_vs_golden"]
    assert float32["informational"] is True and float32["compared"] == 2 * 200 * 8
    assert float32["differing"] > 0 and float32["max_error_lsb"] >= 1, float32
    assert float32["first_index"][0] in report["stimulus"] and float32["accumulator_bits"] > 24
    assert "float32 sums keep 24 significant bits" in float32["summary"] and float32["summary"] in result.stdout


def test_float32_agrees_where_every_sum_fits_24_bits(tmp_path: Path, rng: np.random.Generator) -> None:
    """Q(6,3) x Q(6,3), 8 terms: 15-bit sums are exact in float32, so float32 predict equals the exact output."""
    path = _save_one_conv(tmp_path / "narrow.h5", rng, "quantized_bits(6,2,alpha=1)", "quantized_bits(8,3,alpha=1)")
    out = tmp_path / "audit"
    result = _run(AUDIT, path, "--samples", 200, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    float32 = json.loads((out / "report.json").read_text())["qkeras_float32_vs_golden"]
    assert float32["differing"] == 0 and float32["max_error_lsb"] == 0 and float32["first_index"] is None, float32
    assert float32["accumulator_bits"] <= 24 and "every sum fits float32" in float32["summary"]


def test_zero_samples_is_refused_before_anything_is_written(tmp_path: Path, rng: np.random.Generator) -> None:
    """make audit SAMPLES=0: one error, status 2, and no manifest (it used to be written before the refusal)."""
    path = _save_one_conv(tmp_path / "narrow.h5", rng, "quantized_bits(6,2,alpha=1)", "quantized_bits(8,3,alpha=1)")
    out = tmp_path / "audit"
    out.mkdir()
    result = _run(AUDIT, path, "--samples", 0, "--out", out)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "--samples" in errors[0] and "Traceback" not in result.stderr, result.stderr
    assert not list(out.iterdir()), "nothing may be written"
