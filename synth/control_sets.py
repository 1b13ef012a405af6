"""Control-set reduction for nextpnr-ecp5: when a netlist has too many set/reset (LSR) nets, fold its
synchronous set/resets into LUT logic.

Why. The eight flip-flops of an ECP5 logic tile share one LSR net (and each slice's two one clock enable);
nextpnr's legaliser only puts a flip-flop in a tile whose other flip-flops have its LSR net. yosys maps
every synchronous clear it infers (`if (cond) q <= '0`, cond anything) onto LSR, so a netlist with many
small clears has hundreds of LSR nets, most on one or two flip-flops, each claiming a tile of its own.
Measured on the WaveNet (docs/results.md, "A real WaveNet"): 409 LSR nets, 183 of them on one flip-flop,
and HeAP's legalisation took 260-1,100 s per iteration; the same netlist with the clears in logic, 5 LSR
nets, 5 s. The networks measured before it have 15-150 LSR nets (scale_w32_l16 the most) and place in
seconds per iteration.

What. `yosys_synth_commands` is the synthesis step of the flow's yosys script: `synth_ecp5` as it is, or
with `fold` the same passes in two runs around `dffunmap -srst-only`, which turns every synchronous
set/reset into a multiplexer on the flip-flop's D input before yosys maps the flip-flops (map_ffs) and
LUTs (abc9 then packs the multiplexer into the LUTs in front). Clock enables stay. The flow synthesises
as usual, counts the netlist's LSR nets (`lsr_net_count`), and synthesises again folded above
LSR_NET_LIMIT: the netlists below it are the ones measured so far, unchanged.

All of them, the reset tree too. Keeping LSR for the nets that came through an rst_i port left 129 LSR
nets, 42 on a single flip-flop; keeping only the nets of 64 flip-flops or more left 84 (83 of them big)
but 1,014 clock-enable nets against 614 fully folded: HeAP was as slow as unfolded both times (no first
iteration in 3 minutes). Folded, the WaveNet's LUTs grow from 41,666 to about 58,600 TRELLIS_COMB (70 %).
"""
from __future__ import annotations

import json
from pathlib import Path

# Above this many distinct LSR nets the flow folds the synchronous set/resets (the module docstring).
LSR_NET_LIMIT = 200


def lsr_net_count(netlist: Path) -> int:
    """Distinct LSR nets of the TRELLIS_FF cells in a yosys JSON netlist; flip-flops without one count as one
    more net (they too may share a tile only with each other)."""
    design = json.loads(netlist.read_text())
    return len({tuple(cell["connections"].get("LSR", ()))
                for module in design["modules"].values() for cell in module.get("cells", {}).values()
                if cell["type"] == "TRELLIS_FF"})


def yosys_synth_commands(top: str, netlist: str | None, fold: bool, options: tuple[str, ...] = ()) -> list[str]:
    """synth_ecp5 (with `options`) of `top`, into the JSON `netlist` if given; `fold`: every synchronous
    set/reset in LUT logic."""
    synth = " ".join(["synth_ecp5", *options, "-top", top])
    json_output = f" -json {netlist}" if netlist is not None else ""
    if not fold:
        return [synth + json_output]
    return [f"{synth} -run begin:map_ffs", "dffunmap -srst-only", f"{synth} -run map_ffs:{json_output}"]
