"""build/synth/report.json and report.md from one network implementation (make synth).

Both files are written whole or not at all (golden.atomic). The JSON holds
every cell type nextpnr reports, every clock with its achieved Fmax and
target, cycles per sample from simulation and the sample rate they allow; the
Markdown adds the critical path split into logic and routing delay.
"""
from __future__ import annotations

import json
from pathlib import Path

from golden.atomic import write_text_atomic
from synth.network_flow import FlowResult

# Always listed in the Markdown even when unused: the rows of the seeds' nextpnr dump.
SEED_ROWS = ("TRELLIS_IO", "DCCA", "DP16KD", "MULT18X18D", "EHXPLLL", "TRELLIS_FF", "TRELLIS_COMB", "TRELLIS_RAMW")


def clocks(report: dict) -> list[dict]:
    """[{name, fmax_mhz, target_mhz, pass}] for every clock nextpnr timed."""
    rows = []
    for name, values in sorted(report.get("fmax", {}).items()):
        achieved, target = float(values["achieved"]), float(values["constraint"])
        rows.append({"name": name, "fmax_mhz": round(achieved, 2), "target_mhz": round(target, 2),
                     "pass": achieved >= target})
    return rows


def critical_paths(report: dict) -> list[dict]:
    """Each critical path's end points and its delay split into logic (cells, setup) and routing."""
    paths = []
    for path in report.get("critical_paths", []):
        steps = path.get("path", [])
        if not steps:
            continue
        logic = sum(float(s["delay"]) for s in steps if s.get("type") != "routing")
        routing = sum(float(s["delay"]) for s in steps if s.get("type") == "routing")
        start, end = steps[0].get("from", {}), steps[-1].get("to", {})
        paths.append({
            "from_clock": path.get("from"), "to_clock": path.get("to"),
            "from": f"{start.get('cell', '?')}.{start.get('port', '?')}",
            "to": f"{end.get('cell', '?')}.{end.get('port', '?')}",
            "total_ns": round(logic + routing, 3), "logic_ns": round(logic, 3), "routing_ns": round(routing, 3),
            "logic_levels": sum(1 for s in steps if s.get("type") == "logic"),
        })
    return paths


def build_report(result: FlowResult, model: dict, cycles: dict) -> dict:
    report = result.nextpnr_report
    utilisation = {cell: {"used": int(v["used"]), "available": int(v["available"])}
                   for cell, v in sorted(report.get("utilization", {}).items())}
    clock_rows = clocks(report)
    failures = [f"{c['name']}: Fmax {c['fmax_mhz']} MHz < target {c['target_mhz']} MHz"
                for c in clock_rows if not c["pass"]]
    failures += [f"{cell}: {v['used']} used > {v['available']} available"
                 for cell, v in utilisation.items() if v["used"] > v["available"]]
    if not clock_rows:
        failures.append("nextpnr reported no clock: timing was not analysed")
    # The network's clock bounds its sample rate; the audio build's other clock is the codec's (256 fs).
    network_rows = [c for c in clock_rows if "audio" not in c["name"]] if result.audio else clock_rows
    core_fmax = min((c["fmax_mhz"] for c in network_rows), default=0.0)
    cycles_per_sample = int(cycles["cycles_per_sample"])
    return {
        "status": "fail" if failures else "pass",
        "failures": failures,
        "model": model,
        "build": result.kind,
        "device": result.device.part,
        "package": result.device.package,
        "speed": result.device.speed,
        "nextpnr_seed": model.get("seed", 1),
        "utilisation": utilisation,
        "clocks": clock_rows,
        "core_fmax_mhz": core_fmax,
        "cycles_per_sample": cycles_per_sample,
        "cycles_per_sample_source": cycles["source"],
        "latency_cycles": int(result.network["latency_cycles"]),
        "max_sample_rate_hz": round(core_fmax * 1e6 / cycles_per_sample),
        "critical_paths": critical_paths(report),
        "pll": result.pll,
        "uart_baud": result.baud,
        "audio": result.audio,
        "bitstream": str(result.bitstream) if result.bitstream else None,
        "stage_seconds": {stage: round(seconds, 1) for stage, seconds in result.stage_seconds.items()},
        "notes": result.notes,
    }


def markdown(data: dict) -> str:
    verdict = "PASS: fits and meets timing" if data["status"] == "pass" else "FAIL: " + "; ".join(data["failures"])
    model = data["model"]
    unused = [cell for cell, v in data["utilisation"].items() if not v["used"] and cell not in SEED_ROWS]
    lines = [
        f"# ECP5 implementation: {model['name']} on {data['device']} {data['package']} speed {data['speed']}",
        "",
        f"**{verdict}**",
        "",
        f"- model: `{model['manifest']}`" + (" (random-weight stand-in with the model's shapes)" if model.get("fallback") else ""),
        f"- build: {data['build']}" + (f", bitstream `{data['bitstream']}`" if data["bitstream"] else ", no bitstream"),
        f"- nextpnr seed {data['nextpnr_seed']}; network top `{model['top']}`, {model['multipliers']} multipliers",
        *[f"- note: {note}" for note in data["notes"]],
        "",
        "## Utilisation",
        "",
        "| cell | used | available | % |",
        "|---|---:|---:|---:|",
        *[f"| {cell} | {v['used']} | {v['available']} | {100 * v['used'] / v['available']:.0f}% |"
          for cell, v in data["utilisation"].items() if v["available"] and (v["used"] or cell in SEED_ROWS)],
        "",
        f"Unused (report.json lists them): {', '.join(unused) or 'none'}.",
        "",
        "## Timing",
        "",
        "| clock | Fmax MHz | target MHz | pass |",
        "|---|---:|---:|---|",
        *[f"| `{c['name']}` | {c['fmax_mhz']} | {c['target_mhz']} | {'yes' if c['pass'] else '**NO**'} |"
          for c in data["clocks"]],
        "",
        f"Throughput: {data['cycles_per_sample']} cycles per sample ({data['cycles_per_sample_source']}), "
        f"so at the core Fmax of {data['core_fmax_mhz']} MHz at most "
        f"**{data['max_sample_rate_hz'] / 1e3:,.0f} kHz** sample rate; latency {data['latency_cycles']} cycles.",
        "",
    ]
    if data.get("seeds"):
        seeds = data["seeds"]
        lines += [
            "## Seeds",
            "",
            f"nextpnr seed {seeds['best_seed']} is the best of seeds {', '.join(map(str, seeds['seeds']))} (its worst "
            f"clock has the most margin); this report and the bitstream are that seed's. Each clock's Fmax over the "
            f"seeds (seeds.md has every seed):",
            "",
            "| clock | min MHz | median MHz | max MHz | seeds |",
            "|---|---:|---:|---:|---:|",
            *[f"| `{name}` | {v['min']} | {v['median']} | {v['max']} | {v['seeds']} |"
              for name, v in seeds["spread"].items()],
            "",
        ]
    if data.get("audio"):
        audio = data["audio"]
        lines += [
            "## Audio (eurorack-pmod)",
            "",
            f"- sample rate {audio['sample_rate_hz']:,.3f} Hz (asked {audio['requested_rate_hz']:,} Hz, "
            f"{audio['sample_rate_error']:+.4%}), MCLK {audio['mclk_ratio']} fs",
            f"- audio clock {audio['audio_clock_mhz']} MHz, network clock {audio['network_clock_mhz']} MHz",
            f"- latency {audio['latency_frames']} frames ({audio['latency_us']} us): the network answers in "
            f"{audio['network_latency_cycles']} of its {audio['network_budget_cycles']} cycles",
            f"- channel map `{audio['channel_map']}`",
            "",
        ]
    for path in data["critical_paths"][:1]:
        share = 100 * path["logic_ns"] / path["total_ns"] if path["total_ns"] else 0
        lines += [
            "## Critical path",
            "",
            f"- clock `{path['from_clock']}` -> `{path['to_clock']}`",
            f"- from `{path['from']}`",
            f"- to `{path['to']}`",
            f"- {path['total_ns']} ns = {path['logic_ns']} ns logic ({share:.0f}%, {path['logic_levels']} logic levels) "
            f"+ {path['routing_ns']} ns routing",
            "",
        ]
    lines += ["## Run time", "", "| stage | seconds |", "|---|---:|",
              *[f"| {stage} | {seconds} |" for stage, seconds in data["stage_seconds"].items()], ""]
    return "\n".join(lines)


def write_reports(data: dict, out: Path) -> None:
    write_text_atomic(out / "report.json", json.dumps(data, indent=2) + "\n")
    write_text_atomic(out / "report.md", markdown(data))
