#!/usr/bin/env python3
"""make pareto: a model across the budget range on ECP5 -> build/synth/pareto.md, pareto.json, pareto.png.

    pareto.py [--model golden/models/fpga.yaml] [--device LFE5UM5G-85F] [--package CABGA554] [--speed 8]
              [--freq 100] [--seed 1] [--points P1,P2,...,P8,16,24,32,48,64,128,256,512,1024] [--fresh]
              [--workers N] [--job-timeout SECONDS]

Points: P1..P8 are the shared pool of that many multipliers, a number is the
structure the generator builds for that cycles-per-sample budget (as `make
synth` does: golden/rtlgen/structure.py), L<budget> the per-layer structure's
cheapest plan for the budget (which RATE= may pick). Each point goes through
the flow of `make synth` (synth/network_flow.py) and a cycles probe in
simulation (simlib.cycles_probe); a point whose planned MULT18X18D exceed the
part is recorded as not fitting and not built. The points to build are
independent jobs on a Dask cluster (synth/sweep.py: a local one sized to the
machine, or DASK_SCHEDULER's; --workers sizes the local one), each working in
build/synth/pareto/<model>-<part>-<package>-<speed>-<freq>mhz-seed<seed>/<point>/.
Their measurements are cached by a content hash (build/synth/cache/) and reused
while the manifest, the generated RTL and ROMs, the RTL sources, the flow, the
part, clock, seed and tool versions are unchanged (--fresh rebuilds them), so
an interrupted run, or a second user's, resumes; the tables are rewritten
after every point, in --points order. Exit status: 0 when every point was
measured or recorded as not fitting, 1 when a point failed (its log is
printed), 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from golden.errors import GoldenError
from golden.manifest import load_manifest
from simlib.cycles_probe import cycles_per_sample
from synth.devices import Device, DeviceError
from synth.jobs import pareto_sweep_job
from synth.network_flow import check_package
from synth.out_of_context import SynthesisError
from synth.pareto import (CACHE_VERSION, DEFAULT_POINTS, FAILED, NO_FIT, Measurement, ParetoError, parse_points,
                          planned, point_files, point_key, save_cached, unbuildable, write_pareto)
from synth.sweep import Job, Outcome, Sweep, SweepError, shown

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
    parser.add_argument("--workers", type=int, default=None,
                        help="local cluster size (default: one per core; 0: no cluster, the jobs run in this "
                             "process; ignored with DASK_SCHEDULER)")
    parser.add_argument("--job-timeout", type=float, default=4 * 3600,
                        help="seconds a point may take (times the rounds the cluster needs) before it is cancelled")
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
    meta = {"model": manifest.name, "manifest": shown(manifest_path), "device": device.part, "package": device.package,
            "speed": device.speed, "freq_mhz": args.freq, "seed": args.seed,
            "build": "board" if device.package.upper() == "CABGA554" else "out-of-context",
            "multipliers_available": device.multipliers}
    rows: dict[int, Measurement] = {}  # by the point's place in --points: the tables keep that order
    jobs: list[Job] = []
    queued: dict[int, tuple[int, str, str]] = {}  # id(job) -> (index in points, the point's key, its plan)
    total = len(points)

    def record(index: int, row: Measurement, text: str) -> None:
        rows[index] = row
        print(f"pareto [{index + 1}/{total}] {points[index].name}: {text}", flush=True)
        write_pareto([rows[i] for i in sorted(rows)], meta, out)

    for index, point in enumerate(points):
        folder = cache / point.name
        try:
            plan = point.plan(manifest)
        except GoldenError as error:
            record(index, unbuildable(point, str(error)), f"not buildable: {error}")
            continue
        if plan.dsp_count > device.multipliers:
            reason = f"{plan.dsp_count} MULT18X18D planned, the part has {device.multipliers}"
            record(index, planned(point, plan, NO_FIT, reason), f"does not fit ({reason})")
            continue
        try:
            files = point_files(manifest_path, point, plan, folder / "key")
            key = point_key(manifest_path, point, plan, device, args.freq, args.seed, folder / "key", files=files)
        except ParetoError as error:
            record(index, unbuildable(point, str(error)), f"not buildable: {error}")
            continue
        jobs.append(pareto_sweep_job(manifest_path, point, files, device, args.freq, args.seed, folder,
                                     CACHE_VERSION, cycles_per_sample))  # the bench measures on the workers
        queued[id(jobs[-1])] = (index, key, f"{plan.multipliers} multipliers, {plan.cycles_per_sample} cycles planned")

    failed = False

    def started(job: Job) -> None:
        index, _, plan = queued[id(job)]
        print(f"pareto [{index + 1}/{total}] {points[index].name}: {plan}; yosys + nextpnr queued", flush=True)

    def done(outcome: Outcome) -> None:
        nonlocal failed
        index, key, _ = queued[id(outcome.job)]
        point, folder = points[index], cache / points[index].name
        if outcome.ok:
            row = Measurement(**outcome.result["measurement"])
            save_cached(folder, key, row)  # the per-point file, as before the sweeps
        else:
            failed = True
            plan = point.plan(manifest)
            row = planned(point, plan, FAILED, outcome.error.summary)
            print(f"error: {outcome.error}", file=sys.stderr, flush=True)
        if outcome.cached:
            text = f"cached ({shown(folder)})"
        else:
            text = row.status + (
                f", {row.dsps} MULT18X18D, {row.comb} COMB, Fmax {row.fmax_mhz} MHz, {row.cycles_per_sample} cycles, "
                f"efficiency {row.mac_efficiency:.0%}" if row.cycles_per_sample else f": {row.reason}") \
                + f" ({outcome.seconds:.0f} s)"
        record(index, row, text)

    if jobs:
        try:
            with Sweep(workers=args.workers, cache=out / "cache", fresh=args.fresh,
                       announce=lambda where: print(f"pareto: building on {where}", flush=True)) as sweep:
                sweep.run(jobs, job_timeout=args.job_timeout, on_submit=started, on_done=done)
        except SweepError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    if not rows:
        return 2
    paths = write_pareto([rows[i] for i in sorted(rows)], meta, out)
    print("wrote " + ", ".join(str(p.relative_to(REPO) if p.is_relative_to(REPO) else p) for p in paths))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
