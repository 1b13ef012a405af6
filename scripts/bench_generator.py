#!/usr/bin/env python3
"""Benchmark the generator's planning and rate search on the scale family (issue 23; docs/results.md).

For each manifest (default: golden/models/scale/*.yaml, written by scripts/make_scale_family.py), in a
process of its own, the CPU time (time.process_time) of

    plan         golden.rtlgen.structure.plan_structure at the default budget (gen_network.py without --rate)
    rate search  golden.rtlgen.rate.choose_for_rate at 192,000 samples/s and 150 MHz on the LFE5UM5G-85F
                 (156 MULT18X18D), as gen_network.py --rate 192000 --freq 150 asks

and prints a Markdown table with the rate search's pick (or, where nothing meets the rate, the fastest
configuration that fits). Loading the manifest is not timed. --limit stops a step that takes more CPU
time than that (the code before issue 23 needs far longer than that for the largest members).

--compare also checks each member against golden/tests/plan_reference.py (the enumeration as it was
before issue 23, vectorised): the same candidates in the same order and the same rate choice or error.

    .venv/bin/python scripts/bench_generator.py
    .venv/bin/python scripts/bench_generator.py --compare
    .venv/bin/python scripts/bench_generator.py --limit 900 golden/models/scale/scale_w64_l5.yaml

The table before issue 23 came from the same script run against that commit's golden package (the script's
own folder, then PYTHONPATH, come before the editable install on the import path):
    mkdir -p /tmp/before && git archive 0063d12 golden | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before .venv/bin/python scripts/bench_generator.py --limit 900
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAMILY = REPO / "golden" / "models" / "scale"
RATE_HZ = 192_000
FREQ_MHZ = 150.0
PART = "LFE5UM5G-85F"


def describe_choice(choice) -> str:
    plan = choice.plan
    return f"{plan.structure}{'' if plan.pool_size is None else f' P={plan.pool_size}'}, " \
           f"{plan.dsp_count} DSPs, {plan.cycles_per_sample} cycles"


def describe_error(message: str) -> str:
    """'none' and the fastest that fits, from RateError's message."""
    match = re.search(r"the fastest that fits is (per-layer|shared pool P=\d+).*?: (\d+) MULT18X18D.*? (\d+) cycles "
                      r"per sample", message)
    if not match:
        return f"none ({message})"
    structure = match.group(1).replace("shared pool", "shared")
    return f"none meets; fastest that fits: {structure}, {match.group(2)} DSPs, {match.group(3)} cycles"


def measure(path: Path, step: str, limit: float | None) -> dict:
    """One step of one member, in a process of its own (the parent collects the JSON lines it prints): `plan`,
    `rate` or `compare`, stopped by the kernel once it has run `limit` CPU seconds."""
    from golden.manifest import load_manifest
    from golden.rtlgen.rate import RateError, choose_for_rate
    from golden.rtlgen.structure import plan_structure
    from golden.rtlgen.top import DEFAULT_CYCLES_PER_SAMPLE
    from synth.devices import Device

    manifest = load_manifest(path)
    device = Device(PART)
    result: dict = {
        "network": manifest.name, "macs": manifest.macs_per_sample, "layers": len(manifest.layers),
        "channels": max(max(layer.in_channels, layer.out_channels) for layer in manifest.layers),
    }
    print(json.dumps(result), flush=True)  # the shape, for the parent, should the limit stop the step
    start = time.process_time()
    if limit is not None:  # SIGXCPU once the step has run `limit` seconds (the loading above not counted)
        resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(start + limit), math.ceil(start + limit) + 5))
    if step == "plan":
        plan_structure(manifest, DEFAULT_CYCLES_PER_SAMPLE)
        return {**result, "seconds": time.process_time() - start}
    try:
        choice = choose_for_rate(manifest, RATE_HZ, FREQ_MHZ, device.multipliers, device.part,
                                 block_ram_limit=device.block_rams)
        picked, text = describe_choice(choice), choice.explain()
    except RateError as error:
        picked, text = describe_error(str(error)), str(error)
    result.update(picked=picked, seconds=time.process_time() - start, explain=text)
    if step == "compare":
        result["same"] = compare_with_reference(manifest, device, text)
    return result


def compare_with_reference(manifest, device, text: str) -> str:
    """'same' if the reference enumeration gives the same candidates, in order, and the same choice text."""
    from golden.rtlgen.rate import RateError, candidates, choose_for_rate
    from golden.tests.plan_reference import reference_candidates

    reference = reference_candidates(manifest, fast=True)
    mine = candidates(manifest)
    if mine != reference:
        first = next((i for i, (a, b) in enumerate(zip(mine, reference)) if a != b), min(len(mine), len(reference)))
        return f"DIFFERENT candidates ({len(mine)} vs {len(reference)}, first difference at {first})"
    try:
        expected = choose_for_rate(manifest, RATE_HZ, FREQ_MHZ, device.multipliers, device.part,
                                   options=reference, block_ram_limit=device.block_rams).explain()
    except RateError as error:
        expected = str(error)
    return f"same ({len(reference)} candidates)" if expected == text else f"DIFFERENT choice: {expected}"


def run_step(path: Path, step: str, limit: float | None) -> dict:
    """measure(path, step) in a child process; `seconds` None if `limit` stopped it."""
    command = [sys.executable, str(Path(__file__).resolve()), "--member", str(path), "--step", step,
               *(["--limit", str(limit)] if limit is not None else [])]
    result = subprocess.run(command, capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    if result.returncode == 0:
        return json.loads(lines[-1])
    if result.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and lines:
        return {**json.loads(lines[-1]), "seconds": None, "picked": "(stopped)"}
    raise SystemExit(f"{path} ({step}): {(result.stderr.strip().splitlines() or ['failed'])[-1]}")


def run_member(path: Path, limit: float | None, compare: bool) -> dict:
    plan = run_step(path, "plan", limit)
    rate = run_step(path, "compare" if compare else "rate", limit)
    print(f"{path.stem}: plan {plan['seconds']} s, rate search {rate['seconds']} s", file=sys.stderr, flush=True)
    return {**rate, "plan_s": plan["seconds"], "rate_s": rate["seconds"]}


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifests", nargs="*", type=Path, help="manifests (default: golden/models/scale/*.yaml)")
    parser.add_argument("--limit", type=float, default=None, metavar="SECONDS",
                        help="CPU seconds after which a step (the plan, the rate search) is stopped")
    parser.add_argument("--compare", action="store_true",
                        help="check candidates and choice against golden/tests/plan_reference.py")
    parser.add_argument("--member", type=Path, help=argparse.SUPPRESS)  # a child process: one step of one member
    parser.add_argument("--step", choices=("plan", "rate", "compare"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.member:
        print(json.dumps(measure(args.member, args.step, args.limit)))
        return 0
    paths = args.manifests or sorted(FAMILY.glob("*.yaml"))
    if not paths:
        parser.error(f"no manifests in {FAMILY}: run scripts/make_scale_family.py")
    rows = [run_member(path, args.limit, args.compare) for path in paths]
    rows.sort(key=lambda row: row["macs"])
    print(f"Machine: {machine()}. Rate search: {RATE_HZ:,} samples/s at {FREQ_MHZ:g} MHz on the {PART} "
          "(156 MULT18X18D). CPU seconds (time.process_time).\n")
    header = ["network", "MAC/sample", "layers", "max channels", "rate search picks (structure, DSPs, cycles)",
              "plan", "rate search"] + (["vs reference"] if args.compare else [])
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i in (0, 4) or i == 7 else "---:" for i in range(len(header))) + "|")
    failed = False
    for row in rows:
        times = [f"{row[key]:.2f} s" if row[key] is not None else f"> {args.limit:g} s (stopped)"
                 for key in ("plan_s", "rate_s")]
        cells = [row["network"], f"{row['macs']:,}", str(row["layers"]), str(row["channels"]), row["picked"], *times]
        if args.compare:
            cells.append(row.get("same", ""))
            failed |= not row.get("same", "").startswith("same")
        print("| " + " | ".join(cells) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
