"""Control-set reduction (synth/control_sets.py): the folded synthesis leaves only the reset port's LSR net,
the plain one keeps every clear yosys infers on its own, and the count the flow decides by counts distinct
nets."""
from __future__ import annotations

import json
from pathlib import Path

from synth.control_sets import lsr_net_count
from synth.out_of_context import REPO, RTL, OutOfContextRun


def _ff(lsr: list[int] | None) -> dict:
    return {"type": "TRELLIS_FF", "connections": {"CLK": [2], **({"LSR": lsr} if lsr is not None else {})}}


def test_lsr_net_count_counts_distinct_nets_and_none_once(tmp_path: Path) -> None:
    netlist = tmp_path / "top.json"
    cells = {"a": _ff([5]), "b": _ff([5]), "c": _ff([6]), "d": _ff(None), "e": _ff(None),
             "lut": {"type": "LUT4", "connections": {"A": [7]}}}
    netlist.write_text(json.dumps({"modules": {"top": {"cells": cells}}}))
    assert lsr_net_count(netlist) == 3


def test_folding_keeps_only_the_reset_port_on_lsr() -> None:
    # tap_ring: a reset (rst_i) and the chunk register's synchronous clear, both on LSR nets unless folded
    ring = OutOfContextRun("tap_ring", ["tap_ring"], {"W": 8, "CHANNELS": 4, "LANES": 2, "K": 3, "DILATION": 2})
    plain = ring.lsr_nets(fold_sync_resets=False)
    assert plain >= 3, f"tap_ring should use at least two LSR nets besides none, got {plain} nets in all"
    assert ring.lsr_nets(fold_sync_resets=True) == 2  # none, and rst_i (a reset port keeps LSR)


# A reset that reaches the ring's rst_i port from a register, as a generated top's reset tree does: after
# flattening the port is only an alias of the register's net.
REGISTERED_RESET = """`default_nettype none
module registered_reset_ring (
  input  wire logic        clk_i,
  input  wire logic        rst_in_i,
  input  wire logic        in_valid_i,
  output      logic        in_ready_o,
  input  wire logic [31:0] in_data_i,
  output      logic        out_valid_o,
  input  wire logic        issue_i,
  input  wire logic        walk_end_i,
  output      logic [15:0] chunk_o
);
  logic rst_q;
  always_ff @(posedge clk_i) rst_q <= rst_in_i;
  tap_ring #(.W(8), .CHANNELS(4), .LANES(2), .K(3), .DILATION(2)) u_ring (
    .clk_i, .rst_i(rst_q), .in_valid_i, .in_ready_o, .in_data_i, .out_valid_o, .issue_i, .walk_end_i, .chunk_o);
endmodule
"""


def test_folding_keeps_a_reset_port_fed_by_a_register() -> None:
    folder = REPO / "build" / "synth" / "scratch" / "control_sets"
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "registered_reset_ring.sv"
    wrapper.write_text(REGISTERED_RESET)
    run = OutOfContextRun("registered_reset_ring", [],
                          sources=[RTL / "fixed_pkg.sv", RTL / "tap_ring.sv", wrapper])
    assert run.lsr_nets(fold_sync_resets=True) == 2  # none, and rst_q
