#!/usr/bin/env python3
"""Train the named waveshaping models on the CPU, save the QKeras files and export their manifests (make model)."""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from golden.qkeras_model import NAMED_CONFIGS
from golden.training import DEFAULT_SETTINGS

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="*", metavar="MODEL", help=f"any of {', '.join(NAMED_CONFIGS)} (default: all)")
    parser.add_argument("--out-dir", type=Path, default=REPO / "golden" / "models")
    parser.add_argument("--epochs", type=int, help="override the default epoch count (quick experiments)")
    args = parser.parse_args()
    unknown = sorted(set(args.models) - set(NAMED_CONFIGS))
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(NAMED_CONFIGS)}")
    from golden.export import export_model_file  # TensorFlow is imported from here on
    from golden.training import save_model_atomic, train

    for name in args.models or list(NAMED_CONFIGS):
        config = NAMED_CONFIGS[name]
        settings = DEFAULT_SETTINGS[name]
        if args.epochs is not None:
            settings = dataclasses.replace(settings, epochs=args.epochs)
        print(f"== {name}: {config.parameter_count} parameters, receptive field {config.receptive_field}, "
              f"{settings.epochs} epochs of {settings.examples} windows x {settings.window} samples", flush=True)
        started = time.monotonic()
        model, losses = train(config, settings, verbose=1 if sys.stdout.isatty() else 2)
        model_path = save_model_atomic(model, args.out_dir / f"{name}.h5")
        manifest = export_model_file(model_path, args.out_dir / f"{name}.yaml", name=name, rounding="rne")
        summary = ", ".join(f"{key} {value:.4f}" for key, value in losses.items())
        print(f"== {name}: {time.monotonic() - started:.0f} s; mse {summary}")
        print(f"   wrote {model_path.relative_to(REPO)} and {name}.yaml ({manifest.parameter_count} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
