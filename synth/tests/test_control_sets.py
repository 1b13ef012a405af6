"""Control-set reduction (synth/control_sets.py): how the flow lists a netlist's LSR nets, and that the folded
synthesis leaves only the nets it is told to keep on LSR."""
from __future__ import annotations

import json
from pathlib import Path

from synth.control_sets import LsrNet, kept_lsr_nets, lsr_nets
from synth.out_of_context import REPO, RTL, OutOfContextRun


def _ff(lsr: list[int] | None) -> dict:
    return {"type": "TRELLIS_FF", "connections": {"CLK": [2], **({"LSR": lsr} if lsr is not None else {})}}


def test_lsr_nets_counts_flip_flops_per_net_and_names_them(tmp_path: Path) -> None:
    netlist = tmp_path / "top.json"
    cells = {"a": _ff([5]), "b": _ff([5]), "c": _ff([6]), "d": _ff(None), "e": _ff(None), "f": _ff([7]),
             "lut": {"type": "LUT4", "connections": {"A": [7]}}}
    netnames = {"u.rst_i": {"bits": [5]}, "tree": {"bits": [4, 6]}, "$abc$7": {"bits": [7], "hide_name": 1}}
    netlist.write_text(json.dumps({"modules": {"top": {"cells": cells, "netnames": netnames}}}))
    nets = lsr_nets(netlist)
    assert sorted(nets, key=lambda net: (net.names, net.flip_flops)) == [
        LsrNet((), 1), LsrNet((), 2), LsrNet(("tree",), 1), LsrNet(("u.rst_i",), 2)]
    assert kept_lsr_nets(nets, keep_min=2) == ("u.rst_i",)


TAP_RING = {"W": 8, "CHANNELS": 4, "LANES": 2, "K": 3, "DILATION": 2}


def test_folding_everything_leaves_no_lsr_net() -> None:
    # tap_ring: a reset (rst_i) and the chunk register's synchronous clear, each on an LSR net unless folded
    ring = OutOfContextRun("tap_ring", ["tap_ring"], TAP_RING)
    plain = ring.lsr_nets()
    assert len(plain) >= 3, f"tap_ring should use at least two LSR nets besides none, got {plain}"
    assert ring.lsr_nets(keep=()) == [LsrNet((), sum(net.flip_flops for net in plain))]


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


def test_folding_keeps_the_big_reset_the_first_synthesis_named() -> None:
    folder = REPO / "build" / "synth" / "scratch" / "control_sets"
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "registered_reset_ring.sv"
    wrapper.write_text(REGISTERED_RESET)
    run = OutOfContextRun("registered_reset_ring", [], sources=[RTL / "fixed_pkg.sv", RTL / "tap_ring.sv", wrapper])
    plain = run.lsr_nets()
    reset = next((net for net in plain if "rst_q" in net.names), None)
    assert reset is not None and reset.flip_flops == 16 and len(plain) >= 3, plain
    # The flow's keep list: every name of every net of 16 flip-flops here, the reset register's and the chunk
    # clear's, which abc9 named after a LUT: no such net exists before mapping, so that clear is folded too.
    keep = kept_lsr_nets(plain, keep_min=16)
    folded = run.lsr_nets(keep=keep)
    assert len(folded) == 2 and [net.flip_flops for net in folded if "rst_q" in net.names] == [16], (keep, folded)
