#!/usr/bin/env python3
"""Generate the streaming network RTL from a model manifest (docs/network.md).

Writes DIR/<top>.sv, DIR/<top>_<layer>_weights.hex and _bias.hex per layer,
and DIR/<top>.json (sources, parameters, cycles per sample, latency, DSPs),
all or nothing. Two structures: per-layer (each layer's LANES x COLS is the
cheapest setting whose stage interval fits --cycles-per-sample, unless
--parallelism sets it: LAYER=LANESxCOLS, or LAYER=IMPLEMENTATION for a kind with two
implementations, such as po2's lanes and baked; otherwise the one with the lower
estimated LUT cost) and shared (one pool of 1-8 multipliers for the whole
network, golden/rtlgen/pool.py). --structure auto (the default) takes the
shared pool when it meets the budget with no more DSPs, i.e. at large budgets,
and the cheapest configuration within the budget that keeps >= 90% of its
multiplier cycles busy where the plain cheapest would not
(golden/rtlgen/structure.py).

    scripts/gen_network.py golden/models/fpga.yaml --out build/network/fpga
    scripts/gen_network.py M.yaml --out D --cycles-per-sample 32 --parallelism qconv_1=4x8
    scripts/gen_network.py M.yaml --out D --cycles-per-sample 781          # 192 kHz at 150 MHz: a pool of 2
    scripts/gen_network.py M.yaml --out D --structure shared --pool 3
    scripts/gen_network.py M.yaml --out D --rate 192000 --freq 150          # the cheapest that meets 192 kHz
    scripts/gen_network.py golden/models/seed_po2.yaml --out D --parallelism qconv_1_1a_po2=baked

--rate (samples/s) with --freq (MHz) and --device picks the cheapest structure
that sustains the rate at that clock and fits the part's MULT18X18D
(golden/rtlgen/rate.py: fewest DSPs, then estimated LUTs) and says why; it
replaces --cycles-per-sample, --structure, --pool and --parallelism.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from golden.errors import GoldenError
from golden.manifest import load_manifest
from golden.rtlgen.pool import POOL_SIZES
from golden.rtlgen.structure import STRUCTURES, plan_structure
from golden.rtlgen.rate import choose_for_rate
from golden.rtlgen.top import DEFAULT_CYCLES_PER_SAMPLE, export_network, parse_override
from synth.devices import Device, DeviceError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path, help="model manifest YAML (golden/manifest.py)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument("--top", default=None, help="top module name (default wavenet_<manifest name>)")
    parser.add_argument("--cycles-per-sample", type=int, default=None,
                        help=f"throughput budget per layer in clock cycles (default {DEFAULT_CYCLES_PER_SAMPLE})")
    parser.add_argument("--parallelism", action="append", default=[], metavar="LAYER=LANESxCOLS|IMPLEMENTATION",
                        help="fix one layer's parallelism (repeatable), e.g. qconv_1=4x8, or its implementation, "
                             "e.g. qconv_1_1a_po2=baked (po2 layers: lanes or baked; per-layer structure)")
    parser.add_argument("--structure", choices=STRUCTURES, default="auto",
                        help="per-layer multipliers, one shared pool, or auto: the cheaper that meets the budget, or a "
                             "more efficient one below 90%% MAC efficiency (golden/rtlgen/structure.py)")
    parser.add_argument("--pool", type=int, choices=POOL_SIZES, default=None,
                        help="multipliers of the shared pool (implies --structure shared; default: the fewest "
                             "that meet the budget)")
    parser.add_argument("--rate", type=float, default=None, metavar="SAMPLES_PER_S",
                        help="pick the cheapest structure that sustains this sample rate at --freq on --device")
    parser.add_argument("--freq", type=float, default=100.0, help="clock in MHz for --rate (default 100)")
    parser.add_argument("--device", default="LFE5UM5G-85F",
                        help="ECP5 part whose MULT18X18D count bounds --rate's choice (default LFE5UM5G-85F)")
    args = parser.parse_args(argv)
    if args.rate is not None:
        given = [flag for flag, value in (("--cycles-per-sample", args.cycles_per_sample is not None),
                                          ("--structure", args.structure != "auto"), ("--pool", args.pool is not None),
                                          ("--parallelism", bool(args.parallelism))) if value]
        if given:
            parser.error(f"--rate picks the structure and budget itself; it cannot be combined with {', '.join(given)}")
    try:
        manifest = load_manifest(args.manifest)
        if args.rate is not None:
            device = Device(args.device)
            choice = choose_for_rate(manifest, args.rate, args.freq, device.multipliers, device.part, top=args.top,
                                     block_ram_limit=device.block_rams)
            print(choice.explain())
            plan = choice.plan
        else:
            overrides = dict(parse_override(text) for text in args.parallelism)
            plan = plan_structure(manifest, args.cycles_per_sample or DEFAULT_CYCLES_PER_SAMPLE, overrides, args.top,
                                  args.structure, args.pool)
        result = export_network(plan, args.out)
    except (GoldenError, DeviceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    info = result.description
    print(f"{info['top']}: {len(plan.manifest.layers)} layers, {info['structure']} structure, "
          f"{info['cycles_per_sample']} cycles per sample, latency {info['latency_cycles']} cycles, "
          f"{info['multipliers']} multipliers ({info['dsp_count']} MULT18X18D)")
    efficiency = plan.mac_efficiency
    if efficiency is not None:
        print(f"  MAC efficiency {efficiency:.1%} (multiply-accumulates / (multipliers x cycles per sample))")
    for line in plan.outline():
        print(line)
    print(f"wrote {result.top_file}, {result.json_file} and {len(result.weight_files)} {plan.hex_files_noun}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
