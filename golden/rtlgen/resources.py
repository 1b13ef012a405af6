"""A plan's block RAM: every memory the generated RTL holds, and the DP16KD blocks yosys makes of it.

The generator refuses a network that does not fit the part before anything is synthesised
(`check_fits`; golden.rtlgen.rate.choose_for_rate filters its candidates by it). The memories:

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
from typing import Union

from golden.kinds import kind_of
from golden.kinds.base import LUT_ROM_MAX_DEPTH
from golden.rtlgen.pool import PoolPlan
from golden.rtlgen.top import NetworkPlan, RtlExportError

Plan = Union[NetworkPlan, PoolPlan]

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
    """Every memory the plan's RTL holds that may become block RAM."""
    if isinstance(plan, PoolPlan):
        shapes = plan.rom_shapes()
        found = [Memory("pool", role, *shapes[role], rom_block_rams(*shapes[role])) for role in ("weights", "schedule")]
        copy = ram_block_rams(plan.depth, plan.data_width)
        found.append(Memory("pool", f"history ({plan.pool} copies)", plan.depth, plan.data_width, copy * plan.pool))
        return found
    found = []
    for lp in plan.layers:
        layer, kind = lp.layer, kind_of(lp.layer)
        shapes = kind.rom_shapes(layer, lp.setting)
        for role in kind.registered_roms:
            if role in shapes:
                found.append(Memory(layer.name, role, *shapes[role], rom_block_rams(*shapes[role])))
        if lp.streamed:
            slots = max(2, 1 << (layer.history + 1).bit_length())  # 2^clog2(history + 2)
            depth = slots * (1 << (lp.chunks - 1).bit_length())
            width = lp.lanes * layer.input_format.width
            found.append(Memory(layer.name, "tap ring", depth, width, ram_block_rams(depth, width)))
        elif lp.uses_cache:
            depth = max(2, 1 << (layer.history).bit_length())  # 2^clog2(history + 1)
            width = layer.in_channels * layer.input_format.width
            found.append(Memory(layer.name, "activation cache", depth, width, ram_block_rams(depth, width)))
    return found


def block_ram_count(plan: Plan) -> int:
    """DP16KD blocks the plan needs."""
    return sum(memory.block_rams for memory in memories(plan))


# ---- logic: LUTs and flip-flops ----------------------------------------------------------------------------
STAGE_CONTROL_LUTS = 40  # a network stage's handshake and its source's counters
STAGE_CONTROL_FFS = 30
# The pool (rtl/pool_network.sv), calibrated on the default model's P = 1..8 and the scale family's pools
# (docs/results.md, "Estimates"): per multiplier lane its adder and address logic, per layer its table entries
# and compares; flip-flops from its registers.
POOL_LUTS_BASE, POOL_LUTS_PER_LANE, POOL_LUTS_PER_LAYER = 200, 101, 137


@dataclass(frozen=True)
class LogicEstimate:
    """TRELLIS_COMB and TRELLIS_FF of the network (not the board around it)."""

    luts: int
    flip_flops: int


def estimated_logic(plan: Plan) -> LogicEstimate | None:
    """The network's logic from its kinds' core estimates and the stages around them, or the pool's formula;
    None if some layer's kind has no estimate."""
    if isinstance(plan, PoolPlan):
        return _pool_logic(plan)
    luts = flip_flops = 0
    for lp in plan.layers:
        layer, kind = lp.layer, kind_of(lp.layer)
        core_luts, core_ffs = kind.estimated_luts(layer, lp.setting), kind.estimated_flip_flops(layer, lp.setting)
        if core_luts is None or core_ffs is None:
            return None
        vector = layer.in_channels * layer.input_format.width
        if lp.streamed:
            # the tap ring: a G:1 multiplexer picks the chunk to write (about G/2 LUT4s per bit), and one
            # chunk register after the RAM (its zeroing is the flip-flops' synchronous clear)
            chunk = lp.lanes * layer.input_format.width
            luts += core_luts + chunk * (lp.chunks // 2) + STAGE_CONTROL_LUTS
            flip_flops += core_ffs + chunk + STAGE_CONTROL_FFS
            continue
        # the taps register: a cache shifts its words in (a zeroing mux on the newest only), a shift buffer
        # moves them on its enable; the core latches them again (its own estimate)
        luts += core_luts + (vector if lp.uses_cache else 0) + STAGE_CONTROL_LUTS
        flip_flops += core_ffs + layer.kernel_size * vector + STAGE_CONTROL_FFS
    return LogicEstimate(luts, flip_flops)


def _pool_logic(plan: PoolPlan) -> LogicEstimate:
    schedule = plan.rom_shapes()["schedule"][1]
    raw = plan.data_width + plan.kernel_width + math.ceil(math.log2(plan.max_terms + 1))
    first, last = plan.layers[0], plan.layers[-1]
    stages = 7 + (1 if plan.pool > 4 else 0)  # rtl/pool_network.sv: S1 .. S6, S3b, S4b beyond 4 lanes
    luts = POOL_LUTS_BASE + POOL_LUTS_PER_LANE * plan.pool + POOL_LUTS_PER_LAYER * len(plan.layers)
    flip_flops = (first.in_channels * first.input_format.width + (2 * last.out_channels - 1) * last.output_format.width
                  + 2 * schedule + stages * schedule // 4 + plan.pool * (plan.data_width + plan.kernel_width + 2)
                  + 3 * raw + 20)
    return LogicEstimate(luts, flip_flops)


def check_fits(plan: Plan, dsp_limit: int | None, block_ram_limit: int | None, part: str | None = None) -> None:
    """Raise ResourceError if the plan needs more MULT18X18D or DP16KD than the part has."""
    where = f" on {part}" if part else ""
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
