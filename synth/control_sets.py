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
with `fold` the same passes in two runs around `dffunmap -srst-only`, which turns the synchronous
set/resets into a multiplexer on the flip-flop's D input before yosys maps the flip-flops (map_ffs) and
LUTs (abc9 then packs the multiplexer into the LUTs in front): all but the resets that come through a
module's reset port (RESET_PORT), a few nets of hundreds of flip-flops each. Clock enables stay. The flow synthesises
as usual, counts the netlist's LSR nets (`lsr_net_count`), and synthesises again folded above
LSR_NET_LIMIT: the netlists below it are the ones measured so far, unchanged.
"""
from __future__ import annotations

import json
from pathlib import Path

# Above this many distinct LSR nets the flow folds the synchronous set/resets (the module docstring).
LSR_NET_LIMIT = 200
# Every rtl/ module takes its reset through a port of this name (lowRISC's convention; the generated tops wire
# their reset tree into it): a flip-flop reset by such a net keeps LSR, a few large groups, and the reset's
# fan-out stays off the data path.
RESET_PORT = "rst_i"


def lsr_net_count(netlist: Path) -> int:
    """Distinct LSR nets of the TRELLIS_FF cells in a yosys JSON netlist; flip-flops without one count as one
    more net (they too may share a tile only with each other)."""
    design = json.loads(netlist.read_text())
    nets: set[tuple] = set()
    for module in design["modules"].values():
        for cell in module["cells"].values():
            if cell["type"] == "TRELLIS_FF":
                nets.add(tuple(cell["connections"].get("LSR", ())))
    return len(nets)


def yosys_synth_commands(top: str, netlist: str | None, fold: bool, options: tuple[str, ...] = ()) -> list[str]:
    """synth_ecp5 (with `options`) of `top`, into the JSON `netlist` if given; `fold`: the synchronous
    set/resets in LUT logic but those of a reset port."""
    synth = " ".join(["synth_ecp5", *options, "-top", top])
    json_output = f" -json {netlist}" if netlist is not None else ""
    if not fold:
        return [synth + json_output]
    return [f"{synth} -run begin:map_ffs",
            # the flip-flops with a synchronous set/reset, less those reset through a reset port
            f"select -set reset_ports w:*{RESET_PORT} %a %co1:+[R]",  # %a: every alias of the net
            "select -set folded t:$_SDFF* @reset_ports %d",
            "dffunmap -srst-only @folded",
            f"{synth} -run map_ffs:{json_output}"]
