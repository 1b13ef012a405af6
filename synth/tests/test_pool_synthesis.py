"""The shared multiplier pool (rtl/pool_network.sv) synthesises for ECP5 with exactly P MULT18X18D.

The default fpga model on a pool of 2, the 192 kHz at 150 MHz configuration
(768 cycles per sample): the multipliers are the pool's lanes and nothing else,
the history memory and the schedule and weight ROMs are block RAM, and the
logic stays small (a ROM that fell into LUTs would cost thousands). The cell
counts are written to build/synth/pool/cells.json for the record.
"""
from __future__ import annotations

import json
from pathlib import Path

from golden.manifest import load_manifest
from golden.rtlgen.pool import plan_pool
from golden.rtlgen.top import export_network
from synth.out_of_context import REPO, OutOfContextRun

POOL = 2
LUT4_BOUND = 1500  # measured 365 LUT4 (+152 CCU2C) at the time of writing


def test_pooled_fpga_network_maps_to_pool_multipliers() -> None:
    folder = REPO / "build" / "synth" / "pool"  # inside the repository: the yowasp sandbox sees it
    plan = plan_pool(load_manifest(REPO / "golden" / "models" / "fpga.yaml"), POOL)
    info = export_network(plan, folder / "rtl").description
    cells = OutOfContextRun(
        top=info["top"], modules=[], parameters=dict(info["parameters"]),
        sources=[Path(source) for source in info["sources"]],
    ).cell_counts()
    (folder / "cells.json").write_text(json.dumps({"model": "fpga", "pool": POOL, "cells": cells}, indent=1) + "\n")
    assert info["dsp_count"] == POOL
    assert cells.get("MULT18X18D", 0) == POOL, (POOL, cells)
    assert cells.get("DP16KD", 0) >= 3, f"history, schedule and weights belong in block RAM: {cells}"
    assert cells.get("LUT4", 0) < LUT4_BOUND, f"the pool's logic grew past {LUT4_BOUND} LUT4: {cells}"
