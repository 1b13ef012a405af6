"""`make seeds` and `make synth SEEDS=...`: one configuration placed and routed at several nextpnr seeds.

yosys' netlist does not depend on the seed, so the network is synthesised once
(one job), then placed and routed at every seed in parallel (one job each, in
build/synth/<slug>-seeds/seed<N>/) beside the cycles probe, all on the sweep's
Dask cluster (synth/sweep.py) and cached by content hash: the synthesis by the
manifest, the code (RTL, generator, flow, board) and the options; each seed by
the bytes nextpnr reads (netlist, LPF), the part, the clock and the seed.

The spread: each clock's Fmax at every seed, and its minimum, median and
maximum. The best seed is the one whose worst clock has the most margin
(achieved / target; for one clock simply the highest Fmax; a tie goes to the
lower seed). build/synth/seeds.md and seeds.json hold the table.
"""
from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golden.atomic import write_text_atomic
from synth.jobs import CyclesProbe, network_cycles_sweep_job, network_seed_sweep_job, network_synthesis_sweep_job, synthesis_from
from synth.network_flow import FlowResult, NetworkFlow, Synthesis
from synth.report import clocks
from synth.sweep import JobError, Outcome, Sweep, shown


class SeedsError(ValueError):
    """A bad SEEDS list; the message names the bad entry and the accepted forms."""


def parse_seeds(text: str) -> list[int]:
    """'1-8' -> 1..8; '1,3,5' and '1-3,7' too; each seed once, in the given order; seeds are >= 1."""
    seeds: list[int] = []
    for entry in (part.strip() for part in str(text).split(",")):
        span = re.fullmatch(r"(\d+)\s*-\s*(\d+)", entry)
        if span and 1 <= int(span.group(1)) <= int(span.group(2)):
            values = range(int(span.group(1)), int(span.group(2)) + 1)
        elif re.fullmatch(r"\d+", entry) and int(entry) >= 1:
            values = range(int(entry), int(entry) + 1)
        else:
            raise SeedsError(f"SEEDS entry {entry!r}: expected a seed (1, 2, ...) or a range a-b with 1 <= a <= b, "
                             f"comma-separated, e.g. 1-8 or 1,3,5")
        seeds += [seed for seed in values if seed not in seeds]
    if len(seeds) > 256:
        raise SeedsError(f"SEEDS: {len(seeds)} seeds; at most 256 in one sweep")
    return seeds


@dataclass
class SeedRun:
    seed: int
    clocks: list[dict] = field(default_factory=list)  # synth.report.clocks rows
    utilisation: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)  # nextpnr's JSON report
    seconds: dict = field(default_factory=dict)
    bitstream: str | None = None  # repo-relative
    folder: str = ""  # repo-relative: the seed's nextpnr outputs and log
    cached: bool = False
    error: JobError | None = None

    @property
    def margin(self) -> float:
        """The worst clock's achieved / target (0 without a clock)."""
        return min((c["fmax_mhz"] / c["target_mhz"] for c in self.clocks if c["target_mhz"]), default=0.0)


@dataclass
class SeedSweep:
    seeds: list[int]
    synthesis: Synthesis | None
    cycles: dict | None
    runs: list[SeedRun]
    errors: list[JobError]  # synthesis or cycles probe failures

    @property
    def measured(self) -> list[SeedRun]:
        return [run for run in self.runs if run.error is None]

    @property
    def best(self) -> SeedRun | None:
        return max(self.measured, key=lambda run: (run.margin, -run.seed), default=None)

    def spread(self) -> dict[str, dict[str, float]]:
        """Per clock: min, median and max Fmax over the measured seeds, and the target."""
        table: dict[str, dict[str, float]] = {}
        for name in sorted({c["name"] for run in self.measured for c in run.clocks}):
            values = [c["fmax_mhz"] for run in self.measured for c in run.clocks if c["name"] == name]
            target = next(c["target_mhz"] for run in self.measured for c in run.clocks if c["name"] == name)
            table[name] = {"min": min(values), "median": round(statistics.median(values), 2), "max": max(values),
                           "target": target, "seeds": len(values)}
        return table

    def describe(self) -> dict[str, Any]:
        """The seeds section of report.json and the body of seeds.json."""
        best = self.best
        return {"seeds": self.seeds, "best_seed": best.seed if best else None, "spread": self.spread(),
                "per_seed": [{"seed": run.seed, "clocks": run.clocks, "margin": round(run.margin, 4),
                              "folder": run.folder, "cached": run.cached,
                              "error": run.error.summary if run.error else None}
                             for run in self.runs]}


def seeds_folder(flow: NetworkFlow) -> Path:
    return flow.work.parent / f"{flow.work.name}-seeds"


def sweep_seeds(sweep: Sweep, flow: NetworkFlow, seeds: list[int], options: dict[str, Any], *,
                cycles_probe: CyclesProbe, extra_inputs: list[Path] = (), job_timeout: float = 2 * 3600,
                say: Callable[[str], None] = print) -> SeedSweep:
    """Synthesis (one job), then the cycles probe and one place and route per seed; every outcome is said."""
    def said(outcome: Outcome) -> None:
        state = "cached" if outcome.cached else f"{outcome.seconds:.0f} s"
        if outcome.ok:
            say(f"seeds: {outcome.job.name} done ({state})")
        else:
            say(f"error: seeds: {outcome.job.name} failed ({state}):\n{outcome.error}")

    first = sweep.run([network_synthesis_sweep_job(flow, flow.manifest_path, options, list(extra_inputs))],
                      job_timeout=job_timeout, on_done=said)[0]
    if not first.ok:
        return SeedSweep(seeds, None, None, [SeedRun(seed, error=first.error) for seed in seeds], [first.error])
    fields = first.result["synthesis"]
    folder = seeds_folder(flow)
    jobs = [network_cycles_sweep_job(fields["description"], flow.work.resolve(), cycles_probe),
            *(network_seed_sweep_job(flow, fields, seed, (folder / f"seed{seed}").resolve()) for seed in seeds)]
    outcomes = sweep.run(jobs, job_timeout=job_timeout, on_done=said)
    probe, placed = outcomes[0], outcomes[1:]
    runs = []
    for seed, outcome in zip(seeds, placed):
        if not outcome.ok:
            runs.append(SeedRun(seed, folder=shown(outcome.job.work), error=outcome.error))
            continue
        report = outcome.result["nextpnr_report"]
        utilisation = {cell: {"used": int(v["used"]), "available": int(v["available"])}
                       for cell, v in sorted(report.get("utilization", {}).items())}
        runs.append(SeedRun(seed, clocks(report), utilisation, report, outcome.result["seconds"],
                            outcome.result["bitstream"], shown(outcome.job.work), outcome.cached))
    return SeedSweep(seeds, synthesis_from(fields), probe.result["cycles"] if probe.ok else None, runs,
                     [] if probe.ok else [probe.error])


def best_result(flow: NetworkFlow, sweep: SeedSweep) -> FlowResult:
    """The best seed's place and route as a FlowResult (report.json's input), its bitstream included."""
    from synth.out_of_context import REPO

    best = sweep.best
    assert best is not None and sweep.synthesis is not None
    seconds = {**sweep.synthesis.seconds, **best.seconds}
    return flow.result(sweep.synthesis, best.report, seconds, REPO / best.bitstream if best.bitstream else None)


def markdown(sweep: SeedSweep, meta: dict[str, Any]) -> str:
    spread = sweep.spread()
    names = list(spread)
    best = sweep.best
    lines = [f"# Seeds: {meta['model']} on {meta['device']} {meta['package']} speed {meta['speed']}", "",
             f"- manifest `{meta['manifest']}`; {meta['build']} build at {meta['freq_mhz']:g} MHz; nextpnr seeds "
             f"{', '.join(map(str, sweep.seeds))}; one synthesis, one place and route per seed",
             f"- best seed: {best.seed} (worst clock at {best.margin:.1%} of its target)" if best else
             "- no seed was placed and routed", "",
             "| seed | " + " | ".join(f"`{name}` Fmax MHz" for name in names) + " | worst margin | |",
             "|---:|" + "---:|" * len(names) + "---:|---|"]
    for run in sweep.runs:
        if run.error is not None:
            lines.append(f"| {run.seed} | " + " | ".join("–" for _ in names)
                         + f" | – | failed: {run.error.summary} |")
            continue
        values = {c["name"]: c["fmax_mhz"] for c in run.clocks}
        lines.append(f"| {run.seed} | " + " | ".join(f"{values[n]:.2f}" if n in values else "–" for n in names)
                     + f" | {run.margin:.1%} | {'best' if best and run.seed == best.seed else ''} |")
    for label in ("min", "median", "max"):
        lines.append(f"| **{label}** | " + " | ".join(f"**{spread[n][label]:.2f}**" for n in names) + " | | |")
    lines.append("| target | " + " | ".join(f"{spread[n]['target']:g}" for n in names) + " | | |")
    lines.append("")
    return "\n".join(lines)


def write_seeds(sweep: SeedSweep, meta: dict[str, Any], out: Path) -> list[Path]:
    """seeds.json and seeds.md in `out`, each whole or not at all."""
    data = {**meta, **sweep.describe()}
    paths = [out / "seeds.json", out / "seeds.md"]
    write_text_atomic(paths[0], json.dumps(data, indent=2) + "\n")
    write_text_atomic(paths[1], markdown(sweep, meta), encoding="utf-8")
    return paths
