"""TensorFlow settings every QKeras user here needs, applied before TensorFlow is imported.

QKeras 0.9.0 works with the legacy Keras 2 (tf_keras) only, and predict must
run in float64 so that every sum of Q(W,F) products is exact (docs/qkeras-mapping.md).
"""
from __future__ import annotations

import os
import sys

from golden.errors import GoldenError


def configure() -> None:
    """Select legacy Keras and quiet TensorFlow's start-up logging; set float64 once TF is importable."""
    legacy_keras()
    tf = _tensorflow()
    tf.keras.backend.set_floatx("float64")


def user_session() -> None:
    """Legacy Keras in Keras's default float32: the session a QKeras user trains and saves models in.

    Not exact (float32 rounds wide sums), so not for proofs; the float32-trained seed models
    (golden.frontend.builders) are trained and checked this way, as their users would."""
    legacy_keras()
    tf = _tensorflow()
    tf.keras.backend.set_floatx("float32")


def _tensorflow():
    """The tensorflow module, or a GoldenError that says how to install it (the scripts print it as one line)."""
    try:
        import tensorflow
    except ModuleNotFoundError as error:
        if error.name != "tensorflow":
            raise
        raise GoldenError("TensorFlow is not installed: the QKeras steps need the `train` extra "
                          "(make model, make audit and make qkeras-test install it)") from None
    return tensorflow


def legacy_keras() -> None:
    """Select legacy Keras and quiet TensorFlow's start-up logging; refuse if TensorFlow came first without it."""
    if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        raise RuntimeError(
            "TensorFlow was imported before golden.frontend.tf_setup.configure(): set TF_USE_LEGACY_KERAS=1 "
            "before importing tensorflow (QKeras 0.9.0 needs the legacy Keras)"
        )
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
