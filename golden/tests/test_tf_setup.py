"""Without the `train` extra, the QKeras steps stop with one line that says how to get TensorFlow (no traceback in
scripts/export_model.py, audit.py and build_example_model.py, which print a GoldenError as `error: ...`)."""
from __future__ import annotations

import sys

import pytest

from golden.errors import GoldenError
from golden.frontend import tf_setup


@pytest.mark.parametrize("session", [tf_setup.configure, tf_setup.user_session], ids=["float64", "float32"])
def test_missing_tensorflow_names_the_extra(session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # `import tensorflow` raises ModuleNotFoundError
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")  # legacy_keras() sets both; restored after the test
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    with pytest.raises(GoldenError, match=r"TensorFlow is not installed: .*`train` extra \(make model, make audit"):
        session()
