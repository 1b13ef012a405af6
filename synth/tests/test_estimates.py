"""The generator's logic estimates against place-and-route measurements (issue 23: within 25 %).

The measured TRELLIS_COMB / TRELLIS_FF are nextpnr's utilisation of `make synth` UART board builds on the
LFE5UM5G-85F (docs/results.md: the default model's pareto points, the scale family at RATE=192000 FREQ=150);
the estimate is golden.rtlgen.resources' network estimate plus the board's own logic (synth/board/top.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from golden.manifest import load_manifest
from golden.rtlgen.pool import plan_pool
from golden.rtlgen.rate import choose_for_rate
from golden.rtlgen.resources import estimated_logic
from golden.rtlgen.top import plan_network
from synth.board.top import UART_BOARD_FLIP_FLOPS, UART_BOARD_LUTS

REPO = Path(__file__).resolve().parents[2]
LIMIT = 0.25

# (model, plan: "P<n>" a pool, "B<n>" the per-layer plan at a budget, "R" the 192 kHz / 150 MHz choice),
# measured (TRELLIS_COMB, TRELLIS_FF)
MEASURED = [
    ("fpga", "P1", 1314, 1183), ("fpga", "P2", 1347, 1264), ("fpga", "P4", 1577, 1429), ("fpga", "P8", 2023, 1906),
    ("fpga", "B16", 7314, 12412), ("fpga", "B24", 8347, 10777), ("fpga", "B32", 7300, 9522),
    ("fpga", "B48", 7122, 8905), ("fpga", "B64", 6738, 8065), ("fpga", "B128", 4241, 7174),
    ("fpga", "B256", 4051, 6887),
    ("scale/scale_w16_l3", "R", 1300, 1255), ("scale/scale_w8_l16", "R", 3710, 2306),
    ("scale/scale_w32_l4", "R", 4047, 7084), ("scale/scale_w64_l5", "R", 7868, 18069),
    ("scale/scale_w64_l8", "R", 14712, 30749), ("scale/scale_w112_l4", "R", 12355, 25741),
    ("scale/scale_w32_l16", "R", 17205, 28139),
]


def plan_of(model: str, which: str):
    network = load_manifest(REPO / "golden" / "models" / f"{model}.yaml")
    if which.startswith("P"):
        return plan_pool(network, int(which[1:]))
    if which.startswith("B"):
        return plan_network(network, int(which[1:]))
    return choose_for_rate(network, 192_000, 150, 156, "LFE5UM5G-85F", block_ram_limit=208).plan


@pytest.mark.parametrize("model,which,luts,flip_flops", MEASURED, ids=[f"{m}-{w}" for m, w, _, _ in MEASURED])
def test_logic_estimate_within_a_quarter(model: str, which: str, luts: int, flip_flops: int) -> None:
    logic = estimated_logic(plan_of(model, which))
    assert logic is not None
    for what, estimate, measured in (("TRELLIS_COMB", logic.luts + UART_BOARD_LUTS, luts),
                                     ("TRELLIS_FF", logic.flip_flops + UART_BOARD_FLIP_FLOPS, flip_flops)):
        error = (estimate - measured) / measured
        assert abs(error) <= LIMIT, f"{model} {which} {what}: estimated {estimate}, measured {measured} ({error:+.0%})"


def test_estimate_table_refuses_a_missing_report(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "estimate_table.py"), str(tmp_path / "no.json")],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"error: {tmp_path / 'no.json'}:" in result.stderr, result.stderr
