#!/usr/bin/env python3
"""Build QKeras example models for `make audit` demos (seeded random on-grid weights, untrained).

    build_example_model.py [--out build/examples/hand.h5]              a supported model unlike the seeds':
        2 inputs, K=3 with dilations 1, 3, 9 (6, 5, 3 filters), a final 1x1 to 3 outputs, Q(12,8)
    build_example_model.py --unsupported [--out build/examples/unsupported.h5]
        padding='same', a quantized_po2 kernel with floor log2 rounding, a conv without output quantizer and a Dense layer:
        the export must refuse it with one paragraph listing every problem
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from golden.qformat import QFormat
from golden.frontend.qkeras_model import dilated_stack

REPO = Path(__file__).resolve().parents[1]

HAND = dilated_stack("hand", 2, [6, 5, 3], kernel_size=3, dilations=[1, 3, 9], output_channels=3, fmt=QFormat(12, 8))


def build_supported(seed: int):
    import numpy as np

    from golden.frontend.qkeras_model import build_model

    model = build_model(HAND)
    rng = np.random.default_rng(seed)
    spread = HAND.fmt.scale // 2  # weights up to +-0.5: outputs stay lively without saturating everywhere
    model.set_weights([rng.integers(-spread, spread, size=w.shape, endpoint=True) / HAND.fmt.scale
                       for w in model.get_weights()])
    return model


def build_unsupported(seed: int):
    import tensorflow as tf
    from qkeras import QConv1D, QDense, quantized_po2

    tf.keras.utils.set_random_seed(seed)
    tf.keras.backend.set_floatx("float32")  # as most users train; quantized_po2 fails in float64 anyway
    q412 = "quantized_bits(16,3,alpha=1)"
    inputs = tf.keras.Input(shape=(64, 3), name="input")
    x = QConv1D(8, 4, padding="same", kernel_quantizer=q412, bias_quantizer=q412, activation=q412,
                name="conv_same")(inputs)
    # no bias: this layer is refused for its kernel quantizer anyway (po2 kernels need log2_rounding="rnd")
    x = QConv1D(8, 4, padding="causal", kernel_quantizer=quantized_po2(4, log2_rounding="floor"), use_bias=False,
                name="conv_po2")(x)
    x = tf.keras.layers.Flatten(name="flatten")(x)
    outputs = QDense(1, kernel_quantizer=q412, bias_quantizer=q412, name="dense")(x)
    return tf.keras.Model(inputs, outputs, name="unsupported")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unsupported", action="store_true", help="build the deliberately unsupported model")
    parser.add_argument("--out", type=Path, help="model file (.h5 or .keras); default build/examples/<hand|unsupported>.h5")
    parser.add_argument("--seed", type=int, default=20240607)
    args = parser.parse_args()
    out = args.out or REPO / "build" / "examples" / ("unsupported.h5" if args.unsupported else "hand.h5")
    from golden.errors import GoldenError
    from golden.frontend.tf_setup import configure
    from golden.frontend.training import save_model_atomic

    try:
        configure()  # legacy Keras (QKeras 0.9.0) and float64, before the first TensorFlow import
    except GoldenError as error:  # TensorFlow missing
        print(f"error: {error}", file=sys.stderr)
        return 2

    model = build_unsupported(args.seed) if args.unsupported else build_supported(args.seed)
    save_model_atomic(model, out)
    print(f"{out}: {model.name}, {model.count_params()} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
