#!/usr/bin/env python3
"""Waveshaping pictures from the RTL (make plots): build/plots/*.png.

* corner_<wave>.png: for each corner of the embedding square, the core
  triangle in, the target shape and the RTL output over a few periods;
* embedding_grid.png: RTL output across a grid of embedding points (e0, e1),
  the seeds' figure (corners are the trained shapes, edges the crossfades,
  the inside the model's own interpolation).

Every waveform is computed by the generated RTL in Verilator and checked
bit-exact against the golden network before it is drawn.

`--grid 2 --periods 1` is a quick run (the smoke test's: 8 short segments
instead of 29); the defaults make the pictures docs/qkeras-flow.md describes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from golden import waveshaping
from golden.errors import GoldenError
from golden.manifest import NetworkManifest, load_manifest
from golden.network import StreamingNetwork
from golden.compare import assert_codes_equal
from simlib.network_stream import NetworkStreamError, stream_through_rtl

REPO = Path(__file__).resolve().parents[1]

PERIOD = 64.0  # samples per core-wave cycle in the pictures (inside the trained range)
SHOWN_PERIODS = 3.0  # default --periods
GRID = 5  # default --grid: points per embedding axis


def fixed_frequency_input(manifest: NetworkManifest, e0: float, e1: float, samples: int) -> np.ndarray:
    """Core triangle at PERIOD samples per cycle, constant embedding, as input codes."""
    fmt = manifest.input_format
    phase = np.arange(samples) / PERIOD
    codes = np.zeros((samples, manifest.input_channels), dtype=np.int64)
    codes[:, 0] = waveshaping.to_codes(waveshaping.AMPLITUDE * waveshaping.core_wave(phase), fmt)
    codes[:, 1] = waveshaping.to_codes(np.full(samples, e0), fmt)
    codes[:, 2] = waveshaping.to_codes(np.full(samples, e1), fmt)
    return codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", type=Path, default=REPO / "golden" / "models" / "fpga.yaml")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "plots",
                        help="folder for the pictures; the RTL is built in its rtl/ (default build/plots)")
    parser.add_argument("--grid", type=int, default=GRID,
                        help=f"points per embedding axis, at least 2 (default {GRID})")
    parser.add_argument("--periods", type=float, default=SHOWN_PERIODS,
                        help=f"core-wave periods shown after the warm-up (default {SHOWN_PERIODS:g})")
    args = parser.parse_args()
    if args.grid < 2:
        parser.error(f"--grid must be at least 2, got {args.grid}")
    if not args.periods > 0:
        parser.error(f"--periods must be positive, got {args.periods:g}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("error: matplotlib is missing; `make venv` installs it", file=sys.stderr)
        return 2
    try:
        manifest = load_manifest(args.manifest)
        if manifest.input_channels < 3:
            raise GoldenError(f"{args.manifest}: the waveshaping pictures need inputs (core, e0, e1); "
                              f"this model has {manifest.input_channels}")
        fmt, out_fmt = manifest.input_format, manifest.output_format
        warmup = manifest.receptive_field  # after this every tap has seen real input
        segment = warmup + max(1, int(args.periods * PERIOD))

        points = [(wave, *waveshaping.CORNERS[wave]) for wave in waveshaping.WAVE_CLASSES]
        axis = np.linspace(0.0, 1.0, args.grid)
        points += [(f"grid_{i}_{j}", float(e0), float(e1)) for i, e0 in enumerate(axis) for j, e1 in enumerate(axis)]
        # One stream through the RTL; the network is reset between segments by the runner.
        segments = [fixed_frequency_input(manifest, e0, e1, segment) for _, e0, e1 in points]
        rtl_outputs = stream_through_rtl(manifest, segments, work=args.out / "rtl")
        for (name, _, _), inputs, rtl in zip(points, segments, rtl_outputs):
            golden = StreamingNetwork(manifest).run(inputs)
            assert_codes_equal(golden, rtl, what=f"plots: RTL vs golden at {name}", seed=None, width=out_fmt.width)
    except (GoldenError, NetworkStreamError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except AssertionError as mismatch:  # assert_codes_equal's report: the RTL differs from golden
        print(f"error: {mismatch}", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    shown = slice(warmup, segment)
    time = np.arange(segment)[shown]
    phase = np.arange(segment) / PERIOD
    for index, wave in enumerate(waveshaping.WAVE_CLASSES):
        figure, axes = plt.subplots(figsize=(8, 3))
        axes.plot(time, fmt.to_real(segments[index][shown, 0]), color="tab:green", label="input: core triangle")
        axes.plot(time, waveshaping.target_wave(wave, phase[shown]), color="0.6", linestyle="--", label=f"target: {wave}")
        axes.plot(time, out_fmt.to_real(rtl_outputs[index][shown, 0]), color="tab:blue", label="RTL output")
        e0, e1 = waveshaping.CORNERS[wave]
        axes.set_title(f"{manifest.name}: corner ({e0}, {e1}) = {wave}, {PERIOD:g} samples per period")
        axes.set_xlabel("sample")
        axes.set_ylim(-1.6, 1.6)
        axes.legend(loc="upper right", fontsize=7)
        figure.tight_layout()
        figure.savefig(args.out / f"corner_{wave}.png", dpi=110)
        plt.close(figure)

    figure, grid_axes = plt.subplots(args.grid, args.grid, figsize=(10, 10), sharex=True, sharey=True)
    for offset, (name, e0, e1) in enumerate(points[len(waveshaping.WAVE_CLASSES):]):
        i, j = (int(part) for part in name.split("_")[1:])
        panel = grid_axes[j, i]  # e0 along x, e1 along y
        panel.plot(time, out_fmt.to_real(rtl_outputs[len(waveshaping.WAVE_CLASSES) + offset][shown, 0]), color="tab:blue")
        panel.set_title(f"({e0:.2f}, {e1:.2f})", fontsize=8)
        panel.set_ylim(-1.6, 1.6)
        panel.set_xticks([])
        panel.set_yticks([])
    figure.suptitle(f"{manifest.name}: RTL output across the embedding (e0 →, e1 ↓)")
    figure.tight_layout()
    figure.savefig(args.out / "embedding_grid.png", dpi=100)
    plt.close(figure)
    print(f"wrote {len(waveshaping.WAVE_CLASSES) + 1} pictures to {args.out} (RTL == golden on every sample)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
