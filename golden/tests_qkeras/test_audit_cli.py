"""`make audit` end to end (scripts/audit.py): passes when all three agree, fails on a mismatch or a bad model.

Runs the real CLI as a subprocess on models saved here: a hand-built model unlike
the seeds' (RTL included, a few hundred samples to stay quick), the same model
with trunc hardware rounding (QKeras disagrees: exit 1), an unsupported model
(exit 2, one paragraph, no report) and a model as users save it (float32
session, fixed-length input).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from golden.tests_qkeras.conftest import REPO
from golden.tests_qkeras.user_models import UserModel, save_user_model

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
