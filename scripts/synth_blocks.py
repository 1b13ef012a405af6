#!/usr/bin/env python3
"""Per-block ECP5 cost table: build/synth/blocks.md and blocks.json (make synth-blocks).

Each block configuration is an independent yosys + nextpnr job on a Dask cluster
(synth/sweep.py: a local one sized to the machine, or DASK_SCHEDULER's; --workers
sizes the local one), working in build/synth/blocks/<block>/. Results are cached by
a content hash of the block's RTL, parameters, weights, part, clock, seed and tool
versions (build/synth/cache/), so a rerun builds only what changed. Exit status: 0
with both tables written, 1 when a block failed (its log is printed; no tables), 2
for bad arguments.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

from synth.block_costs import default_configs, write_reports
from synth.devices import Device, DeviceError
from synth.jobs import block_sweep_job
from synth.sweep import Job, Outcome, Sweep, SweepError

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="LFE5UM5G-85F")
    parser.add_argument("--package", default="CABGA554")
    parser.add_argument("--speed", type=int, default=8)
    parser.add_argument("--freq", type=float, default=100.0, help="target clock in MHz")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "synth")
    parser.add_argument("--only", default="", help="regular expression: measure only the matching block names")
    parser.add_argument("--fresh", action="store_true", help="rebuild every block, ignoring cached results")
    parser.add_argument("--workers", type=int, default=None,
                        help="local cluster size (default: one per core; 0: no cluster, the jobs run in this "
                             "process; ignored with DASK_SCHEDULER)")
    parser.add_argument("--job-timeout", type=float, default=3600, help="seconds a block may take (per round)")
    args = parser.parse_args()
    try:
        device = Device(args.device, args.package, args.speed)
    except DeviceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    configs = [c for c in default_configs() if re.search(args.only, c.name)]
    jobs: list[Job] = []
    for config in configs:
        slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{config.name} {config.label()}").strip("_")
        if len(slug) > 200:  # a kind's long parameter list: a folder name must stay under the file system's 255
            slug = f"{slug[:180]}_{hashlib.sha256(slug.encode()).hexdigest()[:12]}"
        jobs.append(block_sweep_job(config, device, args.freq, out / "blocks" / slug))
    place = {id(job): index for index, job in enumerate(jobs)}
    failed = 0

    def done(outcome: Outcome) -> None:
        nonlocal failed
        index = place[id(outcome.job)]
        config = configs[index]
        if not outcome.ok:
            failed += 1
            print(f"error: {outcome.error}", file=sys.stderr, flush=True)
            return
        row = outcome.result["row"]
        print(f"[{index + 1}/{len(configs)}] {config.name} {config.label()}: {row['dsp_mult18']} DSP, "
              f"{row['trellis_comb']} LUT/carry cells, {row['ff']} FF, {row['bram_dp16kd']} BRAM, "
              f"{row['fmax_mhz']} MHz ({'cached' if outcome.cached else f'{outcome.seconds:.0f} s'})", flush=True)

    try:
        with Sweep(workers=args.workers, cache=out / "cache", fresh=args.fresh,
                   announce=lambda where: print(f"synth-blocks: {len(jobs)} configurations, the ones not cached on "
                                                f"{where}", flush=True)) as sweep:
            outcomes = sweep.run(jobs, job_timeout=args.job_timeout, on_done=done)
    except SweepError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if failed:
        print(f"error: {failed} of {len(jobs)} blocks failed; no tables written", file=sys.stderr)
        return 1
    write_reports([outcome.result["row"] for outcome in outcomes], device, args.freq, out)
    print(f"wrote {out / 'blocks.md'} and {out / 'blocks.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
