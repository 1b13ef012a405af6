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
    parser.add_argument("--input-format", default=None,
                        help="the model input's format, e.g. Q(16,12) (default: the first layer's kernel format; "
                        "a po2 first layer has none and needs it)")
    args = parser.parse_args()
    from golden.frontend.export import export_model_file  # imports TensorFlow: after argument errors are reported
    from golden.qformat import parse_format

    try:
        input_format = parse_format(args.input_format) if args.input_format else None
        manifest = export_model_file(args.model, args.out, name=args.name, rounding=args.rounding,
                                     input_format=input_format)
    except GoldenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    layers = ", ".join(
        f"{layer.name} {layer.kind} K={layer.kernel_size} d={layer.dilation} {layer.in_channels}->{layer.out_channels}"
        f" {layer.input_format}->{layer.output_format}"
        for layer in manifest.layers
    )
    print(
        f"{args.out}: {manifest.name}, input {manifest.input_format}, {args.rounding}, {manifest.parameter_count} "
        f"parameters, receptive field {manifest.receptive_field}: {layers}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
