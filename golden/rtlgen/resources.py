"""A plan's block RAM: every memory the generated RTL holds, and the DP16KD blocks yosys makes of it.

The generator refuses a network that does not fit the part before anything is synthesised
(`check_fits`; golden.rtlgen.rate.choose_for_rate filters its candidates by it). The memories, each structure's
plan listing its own (`memories()`, golden.rtlgen.plan):

* per layer, the ROMs its kind reads through a register (`LayerKind.registered_roms`: the weights), in block
  RAM when deeper than LUT_ROM_MAX_DEPTH words, and its tap source's RAM: the activation cache of a latched
  dilated layer (rtl/activation_cache.sv: a ring of 2^clog2((K-1)*dilation + 1) words of IN_D input codes),
  or the tap ring of a streamed layer (rtl/tap_ring.sv: 2^clog2((K-1)*dilation + 2) samples of
  2^clog2(G) words of LANES input codes, G = ceil(IN_D / LANES));
* for a shared pool (rtl/pool_network.sv), its weight and schedule ROMs and P copies of the history RAM.

yosys (memory_libmap, share/lattice/brams_16kd.txt and lutrams_trellis.txt) builds a memory from the
DP16KD shape that needs the fewest blocks (512 x 36 to 16384 x 1), and a RAM from TRELLIS_DPR16X4 (16 x 4
bits, cost 4) instead where that costs less than the blocks (cost 128 each). Measured against yosys's
counts in docs/results.md (issue 23).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from golden.kinds.base import LUT_ROM_MAX_DEPTH
from golden.rtlgen.plan import RtlExportError, StructurePlan

Plan = StructurePlan

DP16KD_SHAPES = ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1))  # words x bits
BLOCK_RAM_COST = 128  # memory_libmap's cost of one DP16KD
LUT_RAM_COST = 4  # ... of one TRELLIS_DPR16X4
LUT_RAM_WORDS, LUT_RAM_BITS = 16, 4


class ResourceError(RtlExportError):
    """The plan needs more of a resource than the part has; the message names the resource and both counts."""


def block_rams(depth: int, width: int) -> int:
    """DP16KD blocks of a depth x width memory in the shape that needs the fewest."""
    return min(math.ceil(depth / words) * math.ceil(width / bits) for words, bits in DP16KD_SHAPES)


def rom_block_rams(depth: int, width: int) -> int:
    """A registered-read ROM: logic up to LUT_ROM_MAX_DEPTH words, block RAM beyond."""
    return 0 if depth <= LUT_ROM_MAX_DEPTH else block_rams(depth, width)


def ram_block_rams(depth: int, width: int) -> int:
    """A RAM with one write and one registered read port: block RAM unless LUT RAM costs yosys less."""
    blocks = block_rams(depth, width)
    lut_ram = math.ceil(depth / LUT_RAM_WORDS) * math.ceil(width / LUT_RAM_BITS) * LUT_RAM_COST
    return 0 if lut_ram < blocks * BLOCK_RAM_COST else blocks


@dataclass(frozen=True)
class Memory:
    """One memory of the generated RTL and its DP16KD blocks (0: LUTs or LUT RAM)."""

    owner: str  # a layer's name, or "pool"
    role: str  # weights, schedule, activation cache, history
    depth: int
    width: int
    block_rams: int


def memories(plan: Plan) -> list[Memory]:
    """Every memory the plan's RTL holds that may become block RAM (each structure lists its own:
    golden.rtlgen.top.NetworkPlan.memories, golden.rtlgen.pool.PoolPlan.memories)."""
    return plan.memories()


def block_ram_count(plan: Plan) -> int:
    """DP16KD blocks the plan needs."""
    return sum(memory.block_rams for memory in memories(plan))


# ---- logic: LUTs and flip-flops ----------------------------------------------------------------------------
@dataclass(frozen=True)
class LogicEstimate:
    """TRELLIS_COMB and TRELLIS_FF of the network (not the board around it)."""

    luts: int
    flip_flops: int


def estimated_logic(plan: Plan) -> LogicEstimate | None:
    """The network's logic from its structure's formula (the per-layer stages around their kinds' core estimates,
    or the pool's); None if some layer's kind has no estimate."""
    return plan.estimated_logic()


def check_fits(plan: Plan, dsp_limit: int | None, block_ram_limit: int | None, part: str | None = None,
               flip_flop_limit: int | None = None) -> None:
    """Raise ResourceError if the plan needs more MULT18X18D or DP16KD than the part has, or its estimated
    flip-flops (within 25% of synthesis: docs/results.md, "Estimates") pass the part's."""
    where = f" on {part}" if part else ""
    logic = plan.estimated_logic() if flip_flop_limit is not None else None
    if logic is not None and flip_flop_limit is not None and logic.flip_flops > flip_flop_limit:
        raise ResourceError(f"{plan.manifest.name} does not fit{where}: it needs about {logic.flip_flops} flip-flops "
                            f"(the generator's estimate), {flip_flop_limit} TRELLIS_FF are available")
    if dsp_limit is not None and plan.dsp_count > dsp_limit:
        raise ResourceError(f"{plan.manifest.name} does not fit{where}: it needs {plan.dsp_count} MULT18X18D, "
                            f"{dsp_limit} are available")
    if block_ram_limit is not None:
        needed = block_ram_count(plan)
        if needed > block_ram_limit:
            biggest = max(memories(plan), key=lambda memory: memory.block_rams)
            raise ResourceError(
                f"{plan.manifest.name} does not fit{where}: it needs {needed} DP16KD block RAMs, {block_ram_limit} "
                f"are available (the largest memory: {biggest.owner} {biggest.role}, {biggest.depth} x "
                f"{biggest.width} bits, {biggest.block_rams} DP16KD)")
