#!/usr/bin/env python3
"""make pareto: a model across the budget range on ECP5 -> build/synth/pareto.md, pareto.json, pareto.png.

    pareto.py [--model golden/models/fpga.yaml] [--device LFE5UM5G-85F] [--package CABGA554] [--speed 8]
              [--freq 100] [--seed 1] [--points P1,P2,...,P8,16,24,32,48,64,128,256,512,1024] [--fresh]

Points: P1..P8 are the shared pool of that many multipliers, a number is the
structure the generator builds for that cycles-per-sample budget (as `make
synth` does: golden/rtlgen/structure.py), L<budget> the per-layer structure's
cheapest plan for the budget (which RATE= may pick). Each point goes through
the flow of `make synth` (synth/network_flow.py) and a cycles probe in
simulation (simlib.cycles_probe); a point whose planned MULT18X18D exceed the
part is recorded as not fitting and not built. Measurements are cached per
point in build/synth/pareto/<model>-<part>-<package>-<speed>-<freq>mhz-seed<seed>/<point>/
and reused while the manifest, the generated RTL and ROMs, the RTL sources, the
part, clock and seed are unchanged (--fresh rebuilds them), so an interrupted
run resumes; the tables are rewritten after every point. Exit status: 0 when
every point was measured or recorded as not fitting, 1 when a point failed, 2
for bad arguments.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from golden.errors import GoldenError
from golden.manifest import load_manifest
from simlib.cycles_probe import CyclesProbeError, cycles_per_sample
from synth.devices import Device, DeviceError
from synth.network_flow import NetworkFlow, check_package
from synth.out_of_context import SynthesisError
from synth.pareto import (DEFAULT_POINTS, FAILED, NO_FIT, Measurement, ParetoError, load_cached, measured,
                          parse_points, planned, point_key, save_cached, unbuildable, write_pareto)
from synth.toolchain import ToolchainError, ToolNotFoundError

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "golden" / "models" / "fpga.yaml", help="manifest")
    parser.add_argument("--device", default="LFE5UM5G-85F")
    parser.add_argument("--package", default="CABGA554")
    parser.add_argument("--speed", type=int, default=8)
    parser.add_argument("--freq", type=float, default=100.0, help="clock target in MHz (as make synth)")
    parser.add_argument("--seed", type=int, default=1, help="nextpnr placement seed (as make synth)")
    parser.add_argument("--points", default=",".join(DEFAULT_POINTS),
                        help=f"comma-separated subset (default {','.join(DEFAULT_POINTS)})")
    parser.add_argument("--fresh", action="store_true", help="rebuild every point, ignoring cached measurements")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "synth")
    args = parser.parse_args(argv)

    try:
        points = parse_points(args.points)
        device = Device(args.device, args.package, args.speed)
        check_package(device)
        manifest_path = args.model.resolve()
        manifest = load_manifest(manifest_path)
    except (ParetoError, DeviceError, SynthesisError, GoldenError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    slug = f"{manifest.name}-{device.part}-{device.package}-{device.speed}-{args.freq:g}mhz-seed{args.seed}".lower()
    cache = out / "pareto" / slug
    shown = manifest_path.relative_to(REPO) if manifest_path.is_relative_to(REPO) else manifest_path
    meta = {"model": manifest.name, "manifest": str(shown), "device": device.part, "package": device.package,
            "speed": device.speed, "freq_mhz": args.freq, "seed": args.seed,
            "build": "board" if device.package.upper() == "CABGA554" else "out-of-context",
            "multipliers_available": device.multipliers}
    rows: list[Measurement] = []
    failed = False
    for number, point in enumerate(points, 1):
        started = time.monotonic()
        prefix = f"pareto [{number}/{len(points)}] {point.name}"
        folder = cache / point.name
        try:
            plan = point.plan(manifest)
        except GoldenError as error:
            rows.append(unbuildable(point, str(error)))
            print(f"{prefix}: not buildable: {error}", flush=True)
            write_pareto(rows, meta, out)
            continue
        if plan.dsp_count > device.multipliers:
            reason = f"{plan.dsp_count} MULT18X18D planned, the part has {device.multipliers}"
            rows.append(planned(point, plan, NO_FIT, reason))
            print(f"{prefix}: does not fit ({reason})", flush=True)
            write_pareto(rows, meta, out)
            continue
        try:
            key = point_key(manifest_path, point, plan, device, args.freq, args.seed, folder / "key")
        except ParetoError as error:
            rows.append(unbuildable(point, str(error)))
            write_pareto(rows, meta, out)
            continue
        cached = None if args.fresh else load_cached(folder, key)
        if cached is not None:
            rows.append(cached)
            print(f"{prefix}: cached ({folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder})",
                  flush=True)
            write_pareto(rows, meta, out)
            continue
        print(f"{prefix}: {plan.multipliers} multipliers, {plan.cycles_per_sample} cycles planned; yosys + nextpnr ...",
              flush=True)
        row = planned(point, plan)
        flow = NetworkFlow(manifest_path, device, args.freq, folder / "flow", seed=args.seed, plan=plan)
        try:
            result = flow.run()
            cycles = cycles_per_sample(result.network, flow.work)["cycles_per_sample"]
            row = measured(row, result, int(cycles))
        except (SynthesisError, ToolchainError, ToolNotFoundError, CyclesProbeError) as error:
            text = str(error)
            row.status, row.reason = (NO_FIT if "does not fit" in text else FAILED), text.splitlines()[0]
        if row.status != FAILED:  # a tool failure is retried on the next run; a measurement or a no-fit is kept
            save_cached(folder, key, row)
        failed = failed or row.status == FAILED
        rows.append(row)
        print(f"{prefix}: {row.status}"
              + (f", {row.dsps} MULT18X18D, {row.comb} COMB, Fmax {row.fmax_mhz} MHz, {row.cycles_per_sample} cycles, "
                 f"efficiency {row.mac_efficiency:.0%}" if row.cycles_per_sample else f": {row.reason}")
              + f" ({time.monotonic() - started:.0f} s)", flush=True)
        write_pareto(rows, meta, out)
    if not rows:
        return 2
    paths = write_pareto(rows, meta, out)
    print("wrote " + ", ".join(str(p.relative_to(REPO) if p.is_relative_to(REPO) else p) for p in paths))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
