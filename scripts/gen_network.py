#!/usr/bin/env python3
"""Generate the streaming network RTL from a model manifest (docs/network.md).

Writes DIR/<top>.sv, DIR/<top>_<layer>_weights.hex and _bias.hex per layer,
and DIR/<top>.json (sources, parameters, cycles per sample, latency, DSPs),
all or nothing. Each layer's setting is the cheapest whose stage interval fits
--cycles-per-sample (for a kind with two implementations, such as po2's lanes
and baked, the one with the lower estimated LUT cost), unless --parallelism sets
it: LAYER=LANESxCOLS (the lanes implementation) or LAYER=IMPLEMENTATION.

    scripts/gen_network.py golden/models/fpga.yaml --out build/network/fpga
    scripts/gen_network.py M.yaml --out D --cycles-per-sample 32 --parallelism qconv_1=4x8
    scripts/gen_network.py golden/models/seed_po2.yaml --out D --parallelism qconv_1_1a_po2=baked
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from golden.errors import GoldenError
from golden.manifest import load_manifest
from golden.rtlgen.top import DEFAULT_CYCLES_PER_SAMPLE, export_network, parse_override, plan_network


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path, help="model manifest YAML (golden/manifest.py)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument("--top", default=None, help="top module name (default wavenet_<manifest name>)")
    parser.add_argument("--cycles-per-sample", type=int, default=DEFAULT_CYCLES_PER_SAMPLE,
                        help=f"throughput budget per layer in clock cycles (default {DEFAULT_CYCLES_PER_SAMPLE})")
    parser.add_argument("--parallelism", action="append", default=[], metavar="LAYER=LANESxCOLS|IMPLEMENTATION",
                        help="fix one layer's parallelism (repeatable), e.g. qconv_1=4x8, or its implementation, "
                             "e.g. qconv_1_1a_po2=baked (po2 layers: lanes or baked)")
    args = parser.parse_args(argv)
    try:
        overrides = dict(parse_override(text) for text in args.parallelism)
        manifest = load_manifest(args.manifest)
        plan = plan_network(manifest, args.cycles_per_sample, overrides, args.top)
        result = export_network(plan, args.out)
    except GoldenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    info = result.description
    print(f"{info['top']}: {len(plan.layers)} layers, {info['cycles_per_sample']} cycles per sample, "
          f"latency {info['latency_cycles']} cycles, {info['multipliers']} multipliers ({info['dsp_count']} MULT18X18D)")
    for layer in info["layers"]:
        print(f"  {layer['name']:16s} K={layer['kernel_size']} d={layer['dilation']:<4d} "
              f"{layer['in_channels']:>3d}->{layer['out_channels']:<3d} {layer['tap_source']:17s} "
              f"{layer['implementation']:6s} LANES={layer['lanes']:<3d} COLS={layer['cols']:<3d} "
              f"interval {layer['interval_cycles']:>4d} "
              f"latency {layer['latency_cycles']:>4d}")
    print(f"wrote {result.top_file}, {result.json_file} and {len(result.weight_files)} weight files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
