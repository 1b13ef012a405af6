"""make pareto's module (synth/pareto.py) with fake measurements: no yosys, nextpnr or simulation here.

The points parser, a row from a (fake) flow result, the per-point cache, and the
writer of pareto.md / pareto.json / pareto.png. scripts/pareto.py runs the real
flow; its argument refusals are checked here too (they exit before any tool runs).
"""
from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from golden.manifest import load_manifest
from synth.devices import Device
from synth.network_flow import FlowResult
from synth.out_of_context import REPO
from synth.pareto import (DEFAULT_POINTS, NO_FIT, NOT_BUILDABLE, OK, Measurement, ParetoError, Point, load_cached,
                          measured, parse_points, planned, point_key, save_cached, write_pareto)

FPGA = REPO / "golden" / "models" / "fpga.yaml"
META = {"model": "fpga", "manifest": "golden/models/fpga.yaml", "device": "LFE5UM5G-85F", "package": "CABGA554",
        "speed": 8, "freq_mhz": 100.0, "seed": 1, "build": "board", "multipliers_available": 156}


def test_points() -> None:
    assert DEFAULT_POINTS[:8] == tuple(f"P{n}" for n in range(1, 9)) and "64" in DEFAULT_POINTS and "1024" in DEFAULT_POINTS
    assert parse_points("P2, 64,p2,0128,l160") == [Point("P2", "pool", 2), Point("64", "budget", 64),
                                                   Point("128", "budget", 128), Point("L160", "per-layer", 160)]
    for bad in ("P9", "P0", "0", "L0", "fast", "", "64,,128"):
        with pytest.raises(ParetoError, match=r"--points entry .*expected P1..P8 \(a shared pool\)"):
            parse_points(bad)


def test_per_layer_point_is_the_cheapest_plan() -> None:
    """At 160 cycles the per-layer plan (11 multipliers, 87% busy) is below the efficiency floor: the budget
    point builds the generator's pick (12 in 128 cycles), L160 the per-layer plan RATE= may still pick."""
    network = load_manifest(FPGA)
    per_layer, budget = Point("L160", "per-layer", 160).plan(network), Point("160", "budget", 160).plan(network)
    assert (per_layer.multipliers, per_layer.cycles_per_sample) == (11, 160)
    assert (budget.multipliers, budget.cycles_per_sample) == (12, 128)


def fake_result(description: dict, dsps: int, comb: int, fmax: float) -> FlowResult:
    report = {"utilization": {"MULT18X18D": {"used": dsps, "available": 156},
                              "TRELLIS_COMB": {"used": comb, "available": 83640},
                              "TRELLIS_FF": {"used": 2 * comb, "available": 83640},
                              "DP16KD": {"used": 7, "available": 208}},
              "fmax": {"$glbnet$clk": {"achieved": fmax, "constraint": 100.0}}}
    return FlowResult(kind="board", device=Device(), target_mhz=100.0, network=description, nextpnr_report=report,
                      stage_seconds={"yosys": 30.04, "nextpnr": 100.0}, bitstream=None)


def load_manifest_plan_dsps() -> int:
    return Point("16", "budget", 16).plan(load_manifest(FPGA)).dsp_count


def rows() -> list[Measurement]:
    """P2 measured, budget 64 measured but missing its target, 16 not fitting, 9 not buildable."""
    network = load_manifest(FPGA)
    pool, per_layer, big = Point("P2", "pool", 2), Point("64", "budget", 64), Point("16", "budget", 16)
    pool_plan, per_layer_plan, big_plan = pool.plan(network), per_layer.plan(network), big.plan(network)
    layers = [{"kernel_size": 4, "in_channels": 4, "out_channels": 16}, {"kernel_size": 4, "in_channels": 16,
               "out_channels": 16}, {"kernel_size": 4, "in_channels": 16, "out_channels": 4}]
    one = measured(planned(pool, pool_plan), fake_result({"multipliers": 2, "layers": layers}, 2, 1500, 151.234), 768)
    two = measured(planned(per_layer, per_layer_plan),
                   fake_result({"multipliers": 31, "layers": layers}, 31, 8320, 95.5), 61)
    three = planned(big, big_plan, NO_FIT, f"{big_plan.dsp_count} MULT18X18D planned, the part has 156")
    four = Measurement(point="9", structure="budget", status=NOT_BUILDABLE, budget=9,
                       reason="layer 1 (qconv_1): no parallelism meets 9 cycles per sample")
    return [one, two, three, four]


def test_a_budget_point_is_what_the_generator_builds_for_it(tmp_path: Path) -> None:
    """Budget 512: a pool of 4 (385 cycles) needs no more DSPs than the per-layer plan (4 at 512 cycles), so
    the point is that pool, as `make synth` at that budget would build it; budget 64 stays per-layer."""
    network = load_manifest(FPGA)
    row = planned(Point("512", "budget", 512), Point("512", "budget", 512).plan(network))
    assert (row.structure, row.pool, row.budget, row.planned_dsps, row.planned_cycles) == ("shared", 4, 512, 4, 385)
    per_layer = planned(Point("64", "budget", 64), Point("64", "budget", 64).plan(network))
    assert (per_layer.structure, per_layer.pool, per_layer.budget) == ("per-layer", None, 64)
    write_pareto([row, per_layer], META, tmp_path)
    lines = (tmp_path / "pareto.md").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("| 512 | pool P=4, budget 512 | 4 |") for line in lines), lines
    assert any(line.startswith("| 64 | per-layer, budget 64 |") for line in lines), lines


def test_a_row_from_a_flow_result() -> None:
    pool, per_layer = rows()[:2]
    assert (pool.dsps, pool.comb, pool.ff, pool.dp16kd, pool.fmax_mhz) == (2, 1500, 3000, 7, 151.23)
    assert pool.macs_per_sample == 1536 and pool.multipliers == 2 and pool.cycles_per_sample == 768
    assert pool.max_rate_hz == round(151.23e6 / 768) and pool.mac_efficiency == 1.0
    assert per_layer.mac_efficiency == round(1536 / (31 * 61), 4) and per_layer.timing_met is False
    assert pool.planned_cycles == 768 and pool.planned_dsps == 2 and pool.seconds == {"yosys": 30.0, "nextpnr": 100.0}


def test_writer_tables_and_plot(tmp_path: Path) -> None:
    paths = write_pareto(rows(), META, tmp_path)
    assert [p.name for p in paths] == ["pareto.json", "pareto.md", "pareto.png"]
    text = (tmp_path / "pareto.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "| P2 | pool P=2 | 2 | 2 | 1,500 | 3,000 | 7 | 151.2 | 768 | 197 k/s | 100% | ok |" in lines, text
    assert "| 64 | per-layer, budget 64 | 31 | 31 | 8,320 | 16,640 | 7 | 95.5 | 61 | 1.57 M/s | 81% | " \
           "ok, misses 100 MHz |" in lines, text
    dsps = load_manifest_plan_dsps()  # the generator's plan for budget 16 (a fake "does not fit" row)
    assert f"| 16 | per-layer, budget 16 | {dsps} | – | – | – | – | – | – | – | – | does not fit |" in lines, text
    assert f"- 16: does not fit: {dsps} MULT18X18D planned, the part has 156" in lines
    assert "- 9: not buildable: layer 1 (qconv_1): no parallelism meets 9 cycles per sample" in lines
    data = json.loads((tmp_path / "pareto.json").read_text())
    assert data["device"] == "LFE5UM5G-85F" and [p["point"] for p in data["points"]] == ["P2", "64", "16", "9"]
    assert data["points"][0]["max_rate_hz"] == 196914 and data["points"][1]["timing_met"] is False
    assert data["points"][2]["status"] == NO_FIT and data["points"][2]["cycles_per_sample"] is None
    png = (tmp_path / "pareto.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 800 and height > 300, (width, height)


def test_writer_with_nothing_measured(tmp_path: Path) -> None:
    write_pareto(rows()[2:], META, tmp_path)
    assert (tmp_path / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    assert "does not fit" in (tmp_path / "pareto.md").read_text(encoding="utf-8")


def test_cache_reuses_a_point_only_while_its_key_holds(tmp_path: Path) -> None:
    network = load_manifest(FPGA)
    point = Point("P2", "pool", 2)
    plan = point.plan(network)
    key = point_key(FPGA, point, plan, Device(), 100.0, 1, tmp_path / "key")
    assert key == point_key(FPGA, point, plan, Device(), 100.0, 1, tmp_path / "key")
    assert key != point_key(FPGA, point, plan, Device(), 150.0, 1, tmp_path / "key")
    assert key != point_key(FPGA, point, plan, Device(), 100.0, 2, tmp_path / "key")
    other = Point("P3", "pool", 3)
    assert key != point_key(FPGA, other, other.plan(network), Device(), 100.0, 1, tmp_path / "key")
    row = rows()[0]
    save_cached(tmp_path, key, row)
    assert load_cached(tmp_path, key) == row
    assert load_cached(tmp_path, "0" * 64) is None
    (tmp_path / "measurement.json").write_text("{not json")
    assert load_cached(tmp_path, key) is None
    assert row.status == OK


@pytest.mark.parametrize("args,fragment", [
    (["--points", "P1,P9"], "--points entry 'P9'"),
    (["--device", "LFE5U-12F"], "unknown ECP5 part 'LFE5U-12F'"),
    (["--model", "nowhere/absent.yaml"], "absent.yaml"),
])
def test_script_refuses_bad_arguments(tmp_path: Path, args: list[str], fragment: str) -> None:
    result = subprocess.run([sys.executable, REPO / "scripts" / "pareto.py", *args, "--out", tmp_path / "out"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and fragment in errors[0], result.stderr
    assert not (tmp_path / "out").exists()
