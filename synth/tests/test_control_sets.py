"""Control-set reduction (synth/control_sets.py): the count the flow decides by, and a folded synthesis
with no flip-flop left on an LSR net."""
from __future__ import annotations

import json
from pathlib import Path

from synth.control_sets import lsr_net_count
from synth.out_of_context import OutOfContextRun


def _ff(lsr: list[int] | None) -> dict:
    return {"type": "TRELLIS_FF", "connections": {"CLK": [2], **({"LSR": lsr} if lsr is not None else {})}}


def test_lsr_net_count_counts_distinct_nets_and_none_once(tmp_path: Path) -> None:
    netlist = tmp_path / "top.json"
    cells = {"a": _ff([5]), "b": _ff([5]), "c": _ff([6]), "d": _ff(None), "e": _ff(None),
             "lut": {"type": "LUT4", "connections": {"A": [7]}}}
    netlist.write_text(json.dumps({"modules": {"top": {"cells": cells}, "LUT4": {"cells": {}}}}))
    assert lsr_net_count(netlist) == 3


def test_folding_leaves_no_flip_flop_on_an_lsr_net() -> None:
    # tap_ring: a reset (rst_i) and the chunk register's synchronous clear, each on an LSR net unless folded
    ring = OutOfContextRun("tap_ring", ["tap_ring"], {"W": 8, "CHANNELS": 4, "LANES": 2, "K": 3, "DILATION": 2})
    plain = ring.lsr_net_count()
    assert plain >= 3, f"tap_ring should use at least two LSR nets besides none, got {plain} nets in all"
    assert ring.lsr_net_count(fold_sync_resets=True) == 1
