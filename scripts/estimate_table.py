#!/usr/bin/env python3
"""The generator's logic and block RAM estimates against what place and route measured (issue 23).

    scripts/estimate_table.py build/final/*/report.json [--limit 25]

For each `make synth` report (UART board builds), the plan is rebuilt from the generated network's JSON
beside it (every layer's LANES x COLS, implementation and multiplier stages, or the pool's size), and
golden.rtlgen.resources estimates its TRELLIS_COMB, TRELLIS_FF (plus the UART board around it) and DP16KD.
Prints a Markdown table; exits 1 if an estimate is off by more than --limit percent.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from golden.errors import GoldenError
from golden.kinds.base import Parallelism
from golden.manifest import load_manifest
from golden.rtlgen.pool import plan_pool
from golden.rtlgen.resources import block_ram_count, estimated_logic
from golden.rtlgen.top import plan_network
from synth.board.top import UART_BOARD_FLIP_FLOPS, UART_BOARD_LUTS

REPO = Path(__file__).resolve().parents[1]


class TableError(Exception):
    """A report or its network description cannot be read; the message names the file."""


def rebuilt_plan(report_path: Path, report: dict):
    top = report["model"]["top"]
    found = sorted(report_path.parent.glob(f"*/rtl/{top}.json"))
    if not found:
        raise TableError(f"{report_path}: no generated {top}.json beside it (expected <build>/rtl/{top}.json)")
    description = json.loads(found[0].read_text(encoding="utf-8"))
    manifest = load_manifest(REPO / report["model"]["manifest"])
    if description["structure"] == "shared":
        return plan_pool(manifest, description["pool"], top)
    overrides = {layer["name"]: Parallelism(layer["lanes"], layer["cols"], layer["implementation"], layer["mul_latency"])
                 for layer in description["layers"]}
    return plan_network(manifest, description["cycles_per_sample"], overrides, top, mul_latency=None)


def rows(paths: list[Path]) -> list[dict]:
    table = []
    for path in paths:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise TableError(f"{path}: {error}") from None
        if report.get("build") != "board" or report.get("audio"):
            raise TableError(f"{path}: not a UART board build (the board's own logic is only known for that one)")
        try:
            plan = rebuilt_plan(path, report)
        except GoldenError as error:
            raise TableError(f"{path}: {error}") from None
        logic = estimated_logic(plan)
        if logic is None:
            raise TableError(f"{path}: a layer's kind has no logic estimate")
        used = {name: cell["used"] for name, cell in report["utilisation"].items()}
        table.append({
            "network": report["model"]["name"], "dsps": plan.dsp_count, "cycles": plan.cycles_per_sample,
            "luts": (logic.luts + UART_BOARD_LUTS, used.get("TRELLIS_COMB", 0)),
            "flip_flops": (logic.flip_flops + UART_BOARD_FLIP_FLOPS, used.get("TRELLIS_FF", 0)),
            "block_rams": (block_ram_count(plan), used.get("DP16KD", 0)),
        })
    return table


def error_percent(estimate: int, measured: int) -> float:
    return 100.0 * (estimate - measured) / measured if measured else (0.0 if estimate == 0 else float("inf"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path, help="report.json files of make synth (UART board builds)")
    parser.add_argument("--limit", type=float, default=25.0, help="largest error accepted, percent")
    args = parser.parse_args(argv)
    try:
        table = rows(args.reports)
    except TableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("| network | MULT18X18D | cycles | TRELLIS_COMB est. / measured | TRELLIS_FF est. / measured | "
          "DP16KD est. / measured |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for row in table:
        cells = []
        for key in ("luts", "flip_flops", "block_rams"):
            estimate, measured = row[key]
            error = error_percent(estimate, measured)
            worst = max(worst, abs(error))
            cells.append(f"{estimate:,} / {measured:,} ({error:+.0f} %)")
        print(f"| {row['network']} | {row['dsps']} | {row['cycles']} | " + " | ".join(cells) + " |")
    print(f"\nlargest logic error {worst:.0f} % (limit {args.limit:g} %)")
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
