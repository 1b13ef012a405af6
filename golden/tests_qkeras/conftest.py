"""TensorFlow/QKeras tests: legacy Keras and float64 before the first TensorFlow import; the golden tests' seed fixtures."""
from __future__ import annotations

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"  # QKeras 0.9.0 needs tf_keras; must precede `import tensorflow`

from pathlib import Path  # noqa: E402

from golden.frontend.tf_setup import configure  # noqa: E402

configure()  # float64: every QKeras sum is exact (docs/qkeras-mapping.md)

# the same $GOLDEN_SEED handling, per-test generators and seed-in-failure-report hooks as golden/tests
from golden.tests.conftest import (  # noqa: E402,F401
    pytest_configure,
    pytest_report_header,
    pytest_runtest_makereport,
    rng,
    seed,
)

MODELS = Path(__file__).resolve().parents[1] / "models"
REPO = Path(__file__).resolve().parents[2]
