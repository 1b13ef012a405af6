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
LUTs (abc9 then packs the multiplexer into the LUTs in front): all but those on the nets that reset at
least KEEP_MIN_FLIP_FLOPS flip-flops in the first synthesis (the reset tree), named in `keep`. Clock
enables stay. The flow synthesises as usual, lists the netlist's LSR nets (`lsr_nets`), and synthesises
again folded above LSR_NET_LIMIT: the netlists below it are the ones measured so far, unchanged.

Small groups matter, not their number alone: a flip-flop on an LSR net of its own needs a tile with no
other flip-flop, rare at 78 % flip-flop use. Keeping every net that came through a reset port (rst_i) left
129 nets, 42 of them on one flip-flop, and HeAP was as slow as before; folding all but the nets of 64
flip-flops or more is what the WaveNet's build uses.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Above this many distinct LSR nets the flow folds the synchronous set/resets (the module docstring).
LSR_NET_LIMIT = 200
# A net that resets at least this many flip-flops (eight tiles' worth) keeps LSR when the flow folds: a reset
# tree's nets stay off the data path; every smaller group claims tiles of its own and goes into logic.
KEEP_MIN_FLIP_FLOPS = 64


@dataclass(frozen=True)
class LsrNet:
    """One distinct LSR connection of a netlist's flip-flops."""

    names: tuple[str, ...]  # the net's public names; none for no LSR, a constant, or a net only yosys named
    flip_flops: int


def lsr_nets(netlist: Path) -> list[LsrNet]:
    """The distinct LSR nets of the TRELLIS_FF cells in a yosys JSON netlist, flip-flops without one as one
    more (they too may share a tile only with each other)."""
    design = json.loads(netlist.read_text())
    nets = []
    for module in design["modules"].values():
        sizes: Counter[tuple] = Counter(tuple(cell["connections"].get("LSR", ()))
                                        for cell in module.get("cells", {}).values() if cell["type"] == "TRELLIS_FF")
        if not sizes:
            continue
        names: dict[int, list[str]] = {}
        for name, net in sorted(module["netnames"].items()):
            if not net.get("hide_name"):
                for bit in net["bits"]:
                    names.setdefault(bit, []).append(name)
        nets += [LsrNet(tuple(names.get(bits[0], ())) if len(bits) == 1 else (), count)
                 for bits, count in sizes.items()]
    return nets


def kept_lsr_nets(nets: list[LsrNet], keep_min: int = KEEP_MIN_FLIP_FLOPS) -> tuple[str, ...]:
    """The public names of the nets that keep LSR when folding (those of at least `keep_min` flip-flops), every
    alias: abc9 names some nets after its LUTs, and only a name from the source exists before mapping."""
    return tuple(sorted({name for net in nets if net.flip_flops >= keep_min for name in net.names}))


def _pattern(name: str) -> str:
    """A yosys select pattern matching the wire `name` (glob characters in it match themselves, or near)."""
    return "w:" + "".join("?" if char in "*?[]" else char for char in name)


def yosys_synth_commands(top: str, netlist: str | None, keep: tuple[str, ...] | None,
                         options: tuple[str, ...] = ()) -> list[str]:
    """synth_ecp5 (with `options`) of `top`, into the JSON `netlist` if given. `keep` None: as it is; else the
    synchronous set/resets folded into LUT logic, but those on the nets named in `keep`."""
    synth = " ".join(["synth_ecp5", *options, "-top", top])
    json_output = f" -json {netlist}" if netlist is not None else ""
    if keep is None:
        return [synth + json_output]
    select = ["select -set folded t:$_SDFF*"]
    if keep:
        select = [f"select -set kept_nets {' '.join(_pattern(name) for name in keep)}",
                  "select -set kept @kept_nets %a %co1:+[R]",  # %a: every alias of a net
                  "select -set folded t:$_SDFF* @kept %d"]
    return [f"{synth} -run begin:map_ffs", *select, "dffunmap -srst-only @folded", f"{synth} -run map_ffs:{json_output}"]
