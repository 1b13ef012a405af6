#!/usr/bin/env python3
"""Audit a QKeras model end to end (make audit MODEL=path/to/model.h5).

1. export the model to a manifest (stops with one paragraph if it is outside
   the supported subset);
2. QKeras predict in float64 vs the golden streaming network, layer by layer;
3. the generated RTL (Verilator) vs the golden network, at the output;
4. for information only: QKeras predict in float32 (what a user's TensorFlow
   session shows; its sums round) vs the golden network, at the output;

on one stimulus set: every waveshaping class (for models with the waveshaping
inputs core, e0, e1) plus full-range and moderate random inputs. Prints a
per-layer table, writes build/audit/report.json and exits 1 on any mismatch,
2 on a model or tool problem.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from golden import waveshaping
from golden.audit import AuditReport, LayerAudit, compare_codes, compare_float32, merge
from golden.errors import GoldenError
from golden.kinds import kind_of
from golden.manifest import NetworkManifest, save_manifest
from golden.network import StreamingNetwork, full_sequence
from golden.qformat import Rounding, parse_format

REPO = Path(__file__).resolve().parents[1]

DEFAULT_SEED = 20261121


def stimulus_sets(manifest: NetworkManifest, samples: int, seed: int) -> dict[str, np.ndarray]:
    """Name -> (T, IN) input codes. Each set is streamed from a reset network."""
    fmt, channels = manifest.input_format, manifest.input_channels
    sets: dict[str, np.ndarray] = {}
    if channels >= 1 + waveshaping.EMBEDDING_CHANNELS:
        for index, wave in enumerate(waveshaping.WAVE_CLASSES):
            sets[wave] = waveshaping.network_input(wave, samples, channels, fmt, seed + index)
    sets["random_full_range"] = waveshaping.random_input(samples, channels, fmt, seed + 10)
    # Moderate amplitudes (|x| <= 1.0): the range a trained model sees, fewer saturations.
    rng = np.random.default_rng(seed + 11)
    unit = min(1 << max(fmt.frac, 0), fmt.max_code)
    sets["random_unit_range"] = rng.integers(max(-unit, fmt.min_code), unit, (samples, channels), endpoint=True)
    return sets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="QKeras model file (.h5 or .keras, as written by model.save)")
    parser.add_argument("--samples", type=int, default=10000, help="samples per stimulus set (default 10000)")
    parser.add_argument("--rounding", default="rne", choices=[r.value for r in Rounding],
                        help="requantisation of the hardware (rne = QKeras); trunc shows the difference")
    parser.add_argument("--input-format", default=None,
                        help="the model input's format, e.g. Q(16,12) (default: the first layer's kernel format; "
                        "a po2 first layer has none and needs it)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=REPO / "build" / "audit")
    args = parser.parse_args()
    report_path = args.out / "report.json"
    report_path.unlink(missing_ok=True)  # never leave an old report that claims a pass
    if args.samples < 1:  # before anything is written: a refused audit leaves no manifest behind
        print(f"error: --samples (make audit SAMPLES=) must be at least 1, got {args.samples}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        from golden.frontend.export import (
            UnsupportedModelError, load_qkeras_model, manifest_name, model_to_manifest, qkeras_layer_outputs,
        )
        from golden.frontend.load import predict_float32
        from simlib.network_stream import NetworkStreamError, stream_through_rtl
    except ImportError as error:
        print(f"error: {error.name or error} is not installed; `make audit` installs the train extra", file=sys.stderr)
        return 2

    try:
        input_format = parse_format(args.input_format) if args.input_format else None
        model = load_qkeras_model(args.model)
        manifest = model_to_manifest(model, name=manifest_name(args.model), rounding=args.rounding,
                                     origin=str(args.model), input_format=input_format)
        manifest_path = save_manifest(manifest, args.out / f"{manifest.name}.yaml")
        formats = " -> ".join([str(manifest.input_format)] + [str(layer.output_format) for layer in manifest.layers])
        print(f"exported {args.model} -> {manifest_path}: {len(manifest.layers)} layers, formats {formats}, "
              f"{args.rounding}, {manifest.parameter_count} parameters, receptive field {manifest.receptive_field}")
        sets = stimulus_sets(manifest, args.samples, args.seed)

        width = manifest.output_format.width
        per_layer_qkeras: list[list] = [[] for _ in manifest.layers]
        saturations = [0] * len(manifest.layers)
        golden_outputs = []
        for set_name, inputs in sets.items():
            golden_layers = StreamingNetwork(manifest).run_layers(inputs)
            golden_outputs.append(golden_layers[manifest.layer_index(manifest.output)])
            qkeras_layers = qkeras_layer_outputs(model, inputs, manifest)
            for index, (layer, want, got, plain) in enumerate(
                zip(manifest.layers, golden_layers, qkeras_layers, full_sequence(manifest, inputs))
            ):
                per_layer_qkeras[index].append(
                    compare_codes(want, got, f"{set_name}: layer {layer.name} QKeras vs golden", args.seed,
                                  layer.output_format.width)
                )
                saturations[index] += int(plain.saturated.sum())
        float32 = compare_float32(
            golden_outputs, predict_float32(model, [manifest.input_format.to_real(inputs) for inputs in sets.values()]),
            list(sets), manifest.output_format.frac,
            {layer.name: layer.accumulator_width for layer in manifest.layers
             if getattr(layer, "accumulator_width", None) is not None},  # the layers that sum
        )
        assumptions = [text for layer in manifest.layers for text in kind_of(layer).assumptions(layer)]
        for text in assumptions:
            print(f"assumption: {text}")
        print(f"QKeras (float64) and golden: {len(sets)} stimulus sets x {args.samples} samples compared; running the RTL")

        rtl_outputs = stream_through_rtl(manifest, list(sets.values()), work=args.out / "rtl")
        rtl = merge([
            compare_codes(want, got, f"{set_name}: network output RTL vs golden", args.seed, width)
            for set_name, want, got in zip(sets, golden_outputs, rtl_outputs)
        ])
    except UnsupportedModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (GoldenError, NetworkStreamError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    layers = [
        LayerAudit(layer.name, merge(comparisons), saturations[index],
                   rtl if index == manifest.layer_index(manifest.output) else None)  # the RTL's one output
        for index, (layer, comparisons) in enumerate(zip(manifest.layers, per_layer_qkeras))
    ]
    report = AuditReport(
        model=str(args.model),
        manifest=str(manifest_path),
        stimulus={name: len(inputs) for name, inputs in sets.items()},
        qkeras_vs_golden=merge([layer.qkeras_vs_golden for layer in layers]),
        rtl_vs_golden=rtl,
        layers=layers,
        extra={"rounding": args.rounding, "input_format": str(manifest.input_format), "assumptions": assumptions,
               "output_formats": {layer.name: str(layer.output_format) for layer in manifest.layers}, "seed": args.seed,
               "seconds": round(time.monotonic() - started, 1)},
        float32=float32,
    )
    print(report.table())
    for comparison in (report.qkeras_vs_golden, report.rtl_vs_golden):
        if comparison.first_mismatch:
            print(comparison.first_mismatch)
    report.write(report_path)
    print(f"wrote {report_path}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
