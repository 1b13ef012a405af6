#!/usr/bin/env python3
"""Per-block ECP5 cost table: build/synth/blocks.md and blocks.json (make synth-blocks)."""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from synth.block_costs import default_configs, measure, write_reports
from synth.devices import Device, DeviceError
from synth.out_of_context import SynthesisError
from synth.toolchain import ToolchainError

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="LFE5UM5G-85F")
    parser.add_argument("--package", default="CABGA554")
    parser.add_argument("--speed", type=int, default=8)
    parser.add_argument("--freq", type=float, default=100.0, help="target clock in MHz")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "synth")
    parser.add_argument("--only", default="", help="regular expression: measure only the matching block names")
    args = parser.parse_args()
    try:
        device = Device(args.device, args.package, args.speed)
    except DeviceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    configs = [c for c in default_configs() if re.search(args.only, c.name)]
    rows = []
    for index, config in enumerate(configs, 1):
        started = time.monotonic()
        slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{config.name} {config.label()}").strip("_")
        try:
            row = measure(config, device, args.freq, args.out / "blocks" / slug)
        except (SynthesisError, ToolchainError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        rows.append(row)
        print(f"[{index}/{len(configs)}] {config.name} {config.label()}: {row['dsp_mult18']} DSP, "
              f"{row['trellis_comb']} LUT/carry cells, {row['ff']} FF, {row['bram_dp16kd']} BRAM, "
              f"{row['fmax_mhz']} MHz ({time.monotonic() - started:.0f} s)", flush=True)
    write_reports(rows, device, args.freq, args.out)
    print(f"wrote {args.out / 'blocks.md'} and {args.out / 'blocks.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
