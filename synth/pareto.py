"""make pareto: the default model implemented across the budget range, measured, tabulated and plotted.

Each point is one structure of the generator -- the shared pool of P
multipliers, or what the generator builds for a cycles-per-sample budget
(golden.rtlgen.structure.plan_structure: per-layer, or a pool when that needs no
more DSPs; the structure `make synth` builds at that budget) -- built
through the flow of `make synth` (synth/network_flow.py: yosys + nextpnr, fixed
seed). scripts/pareto.py runs the points and measures cycles per sample in
simulation (simlib.cycles_probe: a bench, which this flow module does not
import); this module plans the points, keeps one cached measurement per point
(keyed by everything that decides the result: manifest, generated RTL and ROMs,
part, clock, seed), and writes build/synth/pareto.md, pareto.json and
pareto.png. Every figure in them is measured (nextpnr's utilisation and Fmax,
simulated cycles); only MACs per sample come from the manifest.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from golden.atomic import write_bytes_atomic, write_text_atomic
from golden.errors import GoldenError
from golden.manifest import NetworkManifest
from golden.rtlgen.plan import StructurePlan, mac_efficiency
from golden.rtlgen.pool import POOL_SIZES
from golden.rtlgen.structure import plan_structure
from golden.rtlgen.top import export_network
from synth.devices import Device
from synth.network_flow import FlowResult

BUDGETS = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
DEFAULT_POINTS = tuple(f"P{size}" for size in POOL_SIZES) + tuple(str(budget) for budget in BUDGETS)
CACHE_VERSION = 1  # bump when a measurement's meaning changes: every cached point is then rebuilt
# The implementation around the network is part of what a point measures (the board core's logic shares the
# clock and the part): a change to the flow or the board core rebuilds every point too.
FLOW_SOURCES = (Path(__file__).with_name("network_flow.py"), *sorted(Path(__file__).with_name("board").glob("*.py")))

OK, NO_FIT, NOT_BUILDABLE, FAILED = "ok", "does not fit", "not buildable", "failed"


class ParetoError(ValueError):
    """A bad --points list; the message names the bad entry and the accepted forms."""


@dataclass(frozen=True)
class Point:
    """`P<n>`: the shared pool of n multipliers; `<budget>`: the generator's structure for that budget;
    `L<budget>`: the per-layer structure's cheapest plan for that budget (`--structure per-layer`, and what
    `RATE=` may pick where the generator's budget choice takes a more efficient one)."""

    name: str
    kind: str  # "pool" (value = P), "budget" or "per-layer" (value = cycles per sample)
    value: int

    @property
    def budget(self) -> int | None:
        return None if self.kind == "pool" else self.value

    def plan(self, manifest: NetworkManifest) -> StructurePlan:
        if self.kind == "pool":
            return plan_structure(manifest, structure="shared", pool=self.value)
        if self.kind == "per-layer":
            return plan_structure(manifest, self.value, structure="per-layer")
        return plan_structure(manifest, self.value)


def parse_points(text: str) -> list[Point]:
    """'P1,P2,64,128' -> points, in the given order, each once."""
    points: list[Point] = []
    for entry in (part.strip() for part in text.split(",")):
        pool = re.fullmatch(r"[Pp](\d+)", entry)
        if pool and int(pool.group(1)) in POOL_SIZES:
            point = Point(f"P{int(pool.group(1))}", "pool", int(pool.group(1)))
        elif re.fullmatch(r"\d+", entry) and int(entry) >= 1:
            point = Point(str(int(entry)), "budget", int(entry))
        elif re.fullmatch(r"[Ll]\d+", entry) and int(entry[1:]) >= 1:
            point = Point(f"L{int(entry[1:])}", "per-layer", int(entry[1:]))
        else:
            raise ParetoError(f"--points entry {entry!r}: expected P1..P{POOL_SIZES[-1]} (a shared pool), a positive "
                              f"cycles-per-sample budget, or L<budget> (the per-layer plan for it), e.g. "
                              f"{','.join(DEFAULT_POINTS[:4])},L160")
        if point not in points:
            points.append(point)
    return points


@dataclass
class Measurement:
    """One point's row: what the generator planned and what yosys/nextpnr and simulation measured."""

    point: str
    structure: str  # what was built: "shared" or "per-layer" ("budget": a budget point the generator refused)
    # (a refused pool or L point keeps its own structure)
    status: str  # ok, does not fit, not buildable, failed
    budget: int | None = None
    pool: int | None = None
    reason: str = ""
    multipliers: int | None = None  # of the generated structure
    planned_dsps: int | None = None
    planned_cycles: int | None = None
    macs_per_sample: int | None = None
    dsps: int | None = None  # MULT18X18D placed
    comb: int | None = None  # TRELLIS_COMB
    ff: int | None = None  # TRELLIS_FF
    dp16kd: int | None = None
    comb_available: int | None = None
    fmax_mhz: float | None = None
    target_mhz: float | None = None
    cycles_per_sample: int | None = None  # simulated
    max_rate_hz: float | None = None  # Fmax / cycles per sample
    mac_efficiency: float | None = None  # MACs per sample / (multipliers x cycles per sample)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def timing_met(self) -> bool | None:
        return None if self.fmax_mhz is None or self.target_mhz is None else self.fmax_mhz >= self.target_mhz


def macs_per_sample(description: dict) -> int:
    """Multiply-accumulates per sample: K * IN * OUT summed over the generator's layer records."""
    return sum(layer["kernel_size"] * layer["in_channels"] * layer["out_channels"] for layer in description["layers"])


def planned(point: Point, plan: StructurePlan, status: str = OK, reason: str = "") -> Measurement:
    """A row with the plan's figures only (a point not built, or before it is measured)."""
    return Measurement(
        point=point.name, structure=plan.structure, status=status, reason=reason, budget=point.budget,
        pool=plan.pool_size,
        multipliers=plan.multipliers, planned_dsps=plan.dsp_count, planned_cycles=plan.cycles_per_sample)


def unbuildable(point: Point, reason: str) -> Measurement:
    """A point the generator refused: its structure is unknown ("budget" names the budget point)."""
    return Measurement(point=point.name, structure={"pool": "shared"}.get(point.kind, point.kind),
                       status=NOT_BUILDABLE, reason=reason, budget=point.budget,
                       pool=point.value if point.kind == "pool" else None)


def measured(row: Measurement, result: FlowResult, cycles: int) -> Measurement:
    """Fill a planned row from a flow result and the simulated cycles per sample."""
    used = result.nextpnr_report.get("utilization", {})

    def count(cell: str) -> int:
        return int(used.get(cell, {}).get("used", 0))
    fmax = [float(v["achieved"]) for v in result.nextpnr_report.get("fmax", {}).values()]
    row.dsps, row.comb, row.ff, row.dp16kd = count("MULT18X18D"), count("TRELLIS_COMB"), count("TRELLIS_FF"), \
        count("DP16KD")
    row.comb_available = int(used.get("TRELLIS_COMB", {}).get("available", 0)) or None
    row.fmax_mhz = round(min(fmax), 2) if fmax else None
    row.target_mhz = result.target_mhz
    row.cycles_per_sample = cycles
    row.macs_per_sample = macs_per_sample(result.network)
    row.multipliers = int(result.network["multipliers"])
    if row.fmax_mhz:
        row.max_rate_hz = round(row.fmax_mhz * 1e6 / cycles)
    row.mac_efficiency = round(mac_efficiency(row.macs_per_sample, row.multipliers, cycles), 4)
    row.seconds = {stage: round(seconds, 1) for stage, seconds in result.stage_seconds.items()}
    return row


# ---- the per-point cache -------------------------------------------------------------------------

def point_key(manifest_path: Path, point: Point, plan: StructurePlan, device: Device, freq_mhz: float,
              seed: int, scratch: Path, *, files: list[Path] | None = None) -> str:
    """A digest of everything that decides a point's measurement: the manifest, the generated top and ROMs,
    every RTL source (so an RTL change rebuilds), the flow and board core, the part, the clock and the seed.
    `files`: point_files' list when the caller has it (the network is not exported again)."""
    digest = hashlib.sha256()
    for text in (f"v{CACHE_VERSION}", point.name, device.part.upper(), device.package.upper(), str(device.speed),
                 f"{freq_mhz:g}", str(seed)):
        digest.update(text.encode() + b"\0")
    digest.update(Path(manifest_path).read_bytes())
    for name in (files or point_files(manifest_path, point, plan, scratch))[1:]:
        digest.update(Path(name).name.encode() + b"\0" + Path(name).read_bytes())
    return digest.hexdigest()


def point_files(manifest_path: Path, point: Point, plan: StructurePlan, scratch: Path) -> list[Path]:
    """The files whose bytes decide a point: the manifest, then the generated top and ROMs (exported to
    `scratch`), the RTL sources, the flow and the board core."""
    try:
        description = export_network(plan, scratch).description
    except GoldenError as error:
        raise ParetoError(f"point {point.name}: {error}") from None
    return [Path(manifest_path), *(Path(name) for name in (*description["sources"],
                                                           *description["parameters"].values(), *FLOW_SOURCES))]


def load_cached(folder: Path, key: str) -> Measurement | None:
    """The stored measurement when its key matches; None when there is none or it is stale or unreadable."""
    path = folder / "measurement.json"
    try:
        data = json.loads(path.read_text())
        if data.get("key") != key:
            return None
        return Measurement(**data["measurement"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def save_cached(folder: Path, key: str, row: Measurement) -> None:
    write_text_atomic(folder / "measurement.json", json.dumps({"key": key, "measurement": asdict(row)}, indent=2) + "\n")


# ---- the table and the plot -----------------------------------------------------------------------

def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def _rate(hz: float | None) -> str:
    if hz is None:
        return "–"
    return f"{hz / 1e6:.2f} M/s" if hz >= 1e6 else f"{hz / 1e3:,.0f} k/s"


def markdown(rows: list[Measurement], meta: dict[str, Any]) -> str:
    lines = [
        f"# Pareto: {meta['model']} on {meta['device']} {meta['package']} speed {meta['speed']}",
        "",
        f"- manifest `{meta['manifest']}`; the flow of `make synth` ({meta['build']} build), nextpnr seed "
        f"{meta['seed']}, target {meta['freq_mhz']:g} MHz; the part has {meta['multipliers_available']} MULT18X18D",
        "- DSPs, COMB, FF, DP16KD and Fmax from nextpnr; cycles per sample from simulation "
        "(sim/simlib/cycles_probe.py); max rate = Fmax / cycles; MAC efficiency = MACs per sample / "
        "(multipliers x cycles per sample)",
        "",
        "| point | structure | multipliers | MULT18X18D | TRELLIS_COMB | TRELLIS_FF | DP16KD | Fmax MHz | cycles/sample "
        "| max rate | MAC efficiency | status |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        shape = {"shared": f"pool P={row.pool}", "per-layer": "per-layer"}.get(row.structure, "")
        if row.budget is not None:
            shape = f"{shape}, budget {row.budget}" if shape else f"budget {row.budget}"
        status = row.status
        if row.status == OK and row.timing_met is False:
            status = f"ok, misses {row.target_mhz:g} MHz"
        efficiency = "–" if row.mac_efficiency is None else f"{100 * row.mac_efficiency:.0f}%"
        lines.append(
            f"| {row.point} | {shape} | {_number(row.multipliers)} | {_number(row.dsps)} | {_number(row.comb)} | "
            f"{_number(row.ff)} | {_number(row.dp16kd)} | {_number(row.fmax_mhz, 1)} | {_number(row.cycles_per_sample)} "
            f"| {_rate(row.max_rate_hz)} | {efficiency} | {status} |")
    notes = [row for row in rows if row.reason]
    if notes:
        lines += ["", "Points not measured:", ""]
        lines += [f"- {row.point}: {row.status}: {row.reason}" for row in notes]
    lines.append("")
    return "\n".join(lines)


def plot_png(rows: list[Measurement], meta: dict[str, Any]) -> bytes:
    """Max sample rate against MULT18X18D and against TRELLIS_COMB (log-log), each point labelled."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [row for row in rows if row.status == OK and row.max_rate_hz]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    for axis, attribute, label in ((axes[0], "dsps", "MULT18X18D"), (axes[1], "comb", "TRELLIS_COMB (LUT4)")):
        for structure, marker in (("shared", "s"), ("per-layer", "o")):
            chosen = [row for row in done if row.structure == structure and getattr(row, attribute)]
            axis.scatter([getattr(row, attribute) for row in chosen], [row.max_rate_hz for row in chosen],
                         marker=marker, label=structure)
            for row in chosen:
                axis.annotate(row.point, (getattr(row, attribute), row.max_rate_hz), textcoords="offset points",
                              xytext=(4, 4), fontsize=8)
        axis.set_xlabel(label)
        axis.set_ylabel("max sample rate (samples/s)")
        if not done:  # nothing measured yet (every point refused or failed): an empty, labelled frame
            axis.text(0.5, 0.5, "no measured points", ha="center", va="center", transform=axis.transAxes)
            continue
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.margins(0.15)  # room for the labels at the edges
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle(f"{meta['model']} on {meta['device']}-{meta['speed']}: measured Fmax / simulated cycles")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def write_pareto(rows: list[Measurement], meta: dict[str, Any], out: Path) -> list[Path]:
    """pareto.json, pareto.md and pareto.png in `out`, each whole or not at all."""
    data = {**meta, "points": [{**asdict(row), "timing_met": row.timing_met} for row in rows]}
    paths = [out / "pareto.json", out / "pareto.md", out / "pareto.png"]
    png = plot_png(rows, meta)  # rendered first: a plotting error leaves the old files as they were
    write_text_atomic(paths[0], json.dumps(data, indent=2) + "\n")
    write_text_atomic(paths[1], markdown(rows, meta), encoding="utf-8")
    write_bytes_atomic(paths[2], png)
    return paths
