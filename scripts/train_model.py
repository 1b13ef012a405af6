#!/usr/bin/env python3
"""Train the named waveshaping models on the CPU, save the QKeras files and export their manifests (make model).

fpga and mcu are built to be the hardware arithmetic (float64) and exported to .yaml manifests;
seed_fpga, seed_po2 and fpga_po2 (golden/frontend/builders.py) are trained in a plain float32
session, as a user would, and saved as .h5 only (the exporter does not take their formats yet).
--evaluate prints the waveshaping errors of the committed files instead of training."""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from golden.frontend.builders import NAMED_SPECS
from golden.frontend.wavenet import NAMED_GRAPH_SPECS
from golden.frontend.qkeras_model import NAMED_CONFIGS
from golden.frontend.training import DEFAULT_SETTINGS

REPO = Path(__file__).resolve().parents[1]

SPECS = {**NAMED_SPECS, **NAMED_GRAPH_SPECS}  # trained in float32, as their users would
NAMES = [*NAMED_CONFIGS, *SPECS]
EVALUATION_SEED = 20240700  # held-out windows none of the models trained or validated on


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", metavar="MODEL", help=f"any of {', '.join(NAMES)} (default: all)")
    parser.add_argument("--out-dir", type=Path, default=REPO / "golden" / "models")
    parser.add_argument("--epochs", type=int, help="override the default epoch count (quick experiments)")
    parser.add_argument("--evaluate", action="store_true",
                        help="do not train: print the waveshaping errors of the saved models in --out-dir")
    args = parser.parse_args()
    unknown = sorted(set(args.models) - set(NAMES))
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be a positive integer, got {args.epochs}")
    names = args.models or NAMES
    sys.stdout.reconfigure(line_buffering=True)  # the per-epoch lines reach a log (make model > log) as they come
    if args.evaluate:
        return evaluate(names, args.out_dir)
    from golden.frontend.export import export_model_file  # TensorFlow is imported from here on
    from golden.frontend.training import INPUT_FORMAT, save_model_atomic, train, train_spec

    for name in names:
        settings = DEFAULT_SETTINGS[name]
        if args.epochs is not None:
            settings = dataclasses.replace(settings, epochs=args.epochs)
        shape = NAMED_CONFIGS.get(name) or SPECS[name]
        session = "float64" if name in NAMED_CONFIGS else "float32"
        print(f"== {name}: {shape.parameter_count} parameters, receptive field {shape.receptive_field}, "
              f"{settings.epochs} epochs of {settings.examples} windows x {settings.window} samples, {session}",
              flush=True)
        started = time.monotonic()
        verbose = 1 if sys.stdout.isatty() else 2  # a progress bar on a terminal, one line per epoch in a log
        if name in NAMED_CONFIGS:
            model, losses = train(NAMED_CONFIGS[name], settings, verbose=verbose)
        else:
            model, losses = train_spec(SPECS[name], settings, verbose=verbose)
        model_path = save_model_atomic(model, args.out_dir / f"{name}.h5")
        summary = ", ".join(f"{key} {value:.4f}" for key, value in losses.items())
        print(f"== {name}: {time.monotonic() - started:.0f} s; mse {summary}")
        if name in NAMED_CONFIGS or name in NAMED_GRAPH_SPECS:
            manifest = export_model_file(model_path, args.out_dir / f"{name}.yaml", name=name, rounding="rne",
                                         input_format=None if name in NAMED_CONFIGS else INPUT_FORMAT)
            print(f"   wrote {_shown(model_path)} and {name}.yaml ({manifest.parameter_count} parameters)")
        else:
            print(f"   wrote {_shown(model_path)} (no manifest: the exporter does not support its formats yet)")
    return 0


def evaluate(names: list[str], out_dir: Path) -> int:
    """One table of errors on the same held-out data: the training loss on fresh 640-sample windows and each
    corner's MSE over 4096 samples (fixed-length models see overlapping windows; the same numbers)."""
    from golden.errors import GoldenError
    from golden.frontend.training import INPUT_FORMAT, corner_errors, load_trained, validation_error
    from golden.waveshaping import WAVE_CLASSES

    print(f"{'model':<10} {'params':>6} {'session':>8} {'validation':>10} " + " ".join(f"{w:>8}" for w in WAVE_CLASSES))
    for name in names:
        shape = NAMED_CONFIGS.get(name) or SPECS[name]
        path = out_dir / f"{name}.h5"
        try:
            model = load_trained(path, float64=name in NAMED_CONFIGS)
        except GoldenError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        warmup = shape.receptive_field - 1
        val = validation_error(model, shape.input_channels, shape.output_channels, warmup, INPUT_FORMAT,
                               EVALUATION_SEED)
        corners = corner_errors(model, shape.input_channels, warmup, INPUT_FORMAT, EVALUATION_SEED + 100)
        print(f"{name:<10} {model.count_params():>6} {model.layers[-1].dtype:>8} {val:>10.4f} "
              + " ".join(f"{corners[w]:>8.4f}" for w in WAVE_CLASSES), flush=True)
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
