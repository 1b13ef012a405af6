#!/usr/bin/env python3
"""Export a QKeras model file (.h5 or .keras, as written by model.save) to a model manifest (docs/manifest.md).

Exit status 2, with a one-paragraph message and no file written, if the model is
outside the supported subset (docs/qkeras-mapping.md) or cannot be read.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from golden.errors import GoldenError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path, help="QKeras model file (.h5 or .keras)")
    parser.add_argument("--out", type=Path, required=True, help="manifest to write (YAML)")
    parser.add_argument("--name", help="manifest name (an identifier; default: the model file's stem)")
    parser.add_argument("--rounding", choices=["rne", "trunc"], default="rne",
                        help="requantisation rounding: rne equals QKeras; trunc is the seeds' bit slicing")
    args = parser.parse_args()
    from golden.export import export_model_file  # imports TensorFlow: after argument errors are reported

    try:
        manifest = export_model_file(args.model, args.out, name=args.name, rounding=args.rounding)
    except GoldenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    layers = ", ".join(
        f"{layer.name} K={layer.kernel_size} d={layer.dilation} {layer.in_channels}->{layer.out_channels}"
        f"{' relu' if layer.relu else ''}"
        for layer in manifest.layers
    )
    print(
        f"{args.out}: {manifest.name}, {manifest.fmt}, {manifest.rounding.value}, {manifest.parameter_count} parameters, "
        f"receptive field {manifest.receptive_field}: {layers}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
