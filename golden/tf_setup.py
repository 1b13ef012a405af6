"""TensorFlow settings every QKeras user here needs, applied before TensorFlow is imported.

QKeras 0.9.0 works with the legacy Keras 2 (tf_keras) only, and predict must
run in float64 so that every sum of Q(W,F) products is exact (docs/qkeras-mapping.md).
"""
from __future__ import annotations

import os
import sys


def configure() -> None:
    """Select legacy Keras and quiet TensorFlow's start-up logging; set float64 once TF is importable."""
    if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        raise RuntimeError(
            "TensorFlow was imported before golden.tf_setup.configure(): set TF_USE_LEGACY_KERAS=1 "
            "before importing tensorflow (QKeras 0.9.0 needs the legacy Keras)"
        )
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.keras.backend.set_floatx("float64")
