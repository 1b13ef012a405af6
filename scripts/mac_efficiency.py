#!/usr/bin/env python3
"""MAC efficiency of a model across cycles-per-sample budgets, cycles measured by simulation.

    MAC efficiency = multiply-accumulates per sample / (multipliers x measured cycles per sample)

For each budget the network is generated (golden.rtlgen.top, as scripts/gen_network.py does) into
build/mac_efficiency/<model>/<budget>/ and its steady-state cycles per sample are measured by the
cycles probe (sim/simlib/cycles_probe.py: samples offered back to back); the formula's figure is
printed beside it and must agree. Writes a Markdown table to stdout and, with --json, the rows.

    scripts/mac_efficiency.py golden/models/fpga.yaml --budgets 16,24,32,48,64,128,256,512,768,1024
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from golden.errors import GoldenError
from golden.manifest import load_manifest
from golden.rtlgen.plan import mac_efficiency
from golden.rtlgen.top import export_network, plan_network
from simlib.cycles_probe import CyclesProbeError, measure_cycles_per_sample
from simlib.runner import REPO

DEFAULT_BUDGETS = (16, 24, 32, 48, 64, 128, 256, 512, 768, 1024)


def _budgets(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--budgets: comma-separated positive integers, got {text!r}") from None
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(f"--budgets: comma-separated positive integers, got {text!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path, help="model manifest YAML")
    parser.add_argument("--budgets", type=_budgets, default=list(DEFAULT_BUDGETS),
                        help="comma-separated cycles-per-sample budgets")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest(args.manifest)
    except GoldenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    macs = manifest.macs_per_sample
    rows = []
    # Verilator and cocotb print to stdout while they build and run: the table goes out at the end, in one piece.
    table = [f"{manifest.name}: {macs} MACs per sample", "",
             "| budget | multipliers | LANESxCOLS per layer | cycles/sample (formula) | cycles/sample (measured) "
             "| MAC efficiency |", "|---:|---:|---|---:|---:|---:|"]
    for budget in args.budgets:
        try:
            plan = plan_network(manifest, budget)
        except GoldenError as error:
            table.append(f"| {budget} | - | {error} | | | |")
            continue
        work = REPO / "build" / "mac_efficiency" / manifest.name / str(budget)
        try:
            exported = export_network(plan, work / "rtl")
            measured = measure_cycles_per_sample(exported.description, work)
        except (GoldenError, CyclesProbeError) as error:
            print(f"error: budget {budget}: {error}", file=sys.stderr)
            return 1
        efficiency = mac_efficiency(macs, plan.multipliers, measured)
        settings = " ".join(f"{lp.lanes}x{lp.cols}" for lp in plan.layers)
        rows.append({"budget": budget, "multipliers": plan.multipliers, "settings": settings,
                     "formula_cycles": plan.cycles_per_sample, "measured_cycles": measured,
                     "mac_efficiency": efficiency})
        table.append(f"| {budget} | {plan.multipliers} | {settings} | {plan.cycles_per_sample} | {measured} "
                     f"| {100 * efficiency:.1f}% |")
        print(f"mac_efficiency: budget {budget} measured {measured} cycles", file=sys.stderr, flush=True)
    print("\n".join(table))
    if args.json:
        args.json.write_text(json.dumps({"model": manifest.name, "macs_per_sample": macs, "rows": rows}, indent=2))
    return 0 if all(row["formula_cycles"] == row["measured_cycles"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
