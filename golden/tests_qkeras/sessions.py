"""The float32 session of a QKeras user, for the tests of float32-trained models (this suite runs in float64)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import tensorflow as tf

from golden.frontend.tf_setup import user_session


@pytest.fixture
def float32_session() -> Iterator[None]:
    """Keras's default float32 for one test (QKeras 0.9.0's quantized_po2 does not run in float64), then float64 again."""
    user_session()
    try:
        yield
    finally:
        tf.keras.backend.set_floatx("float64")
