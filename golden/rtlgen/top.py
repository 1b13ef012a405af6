"""A model manifest as RTL: the generated network top, its weight files and a JSON description.

Nothing here is per-model hand-written RTL: the top is text that chains one
generic `network_stage` (rtl/network_stage.sv) per manifest layer, each with
its kind's compute core plugged in (golden.kinds: the kind owns the core's
module, parameters, weight files and cycle formulas). This module owns only
the stage timing around the cores, the per-layer structure's plan (NetworkPlan:
its cycles, memories, logic estimate and rendered top, behind the structure
interface of golden.rtlgen.plan), and the parallelism policy that picks each
layer's setting (and, for a kind with several, its implementation) from a
cycles-per-sample budget and the kind's cost figures. export_network writes
any structure's plan.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping, Sequence

from golden.errors import GoldenError
from golden.kinds import KINDS, Layer, Parallelism, kind_of
from golden.kinds.base import IMPLEMENTATION_LANES, LUT_ROM_MAX_DEPTH
from golden.manifest import INPUT_TENSOR, NetworkManifest
from golden.memfile import write_hex
from golden.rtlgen.plan import Rendering, RtlExportError, StructurePlan
from golden.rtlgen.resources import LogicEstimate, Memory, ram_block_rams, rom_block_rams

REPO = Path(__file__).resolve().parents[2]
RTL = REPO / "rtl"
STAGE_MODULES = ("fixed_pkg", "left_shift_buffer", "activation_cache", "tap_ring", "network_stage", "stream_fifo",
                 "stream_fork", "stream_join")
# rtl/stream_fifo.sv LATENCY: a join's input waits in a branch-alignment FIFO (NetworkPlan.fifo_depths)
FIFO_LATENCY = 1
STROBE_GUARD = "sample_strobe_guard"  # not in the top; for boards with a fixed-rate sample strobe
DEFAULT_CYCLES_PER_SAMPLE = 64
# Above this many MULT18X18D, a network's DSP multipliers register their operands as well as their products
# (Parallelism.mul_latency = 2, rtl/fixed_mul.sv LATENCY): one cycle more latency per layer. Such a network fills
# most of the DSP columns, and its operands travel far to reach them. Measured on the 85F-8 (make pareto
# FREQ=150, seed 1) with the product register only: budget 16 (96 DSPs) placed at 176.1 MHz; budgets 15 (122)
# and 11 (152) at 132.7 and 136.4 MHz, their critical path a 5 ns route into a MULT18X18D operand (2.18 ns setup);
# with both registers at 176.0 and 170.6 MHz (docs/results.md, Performance).
WIDE_NETWORK_DSPS = 96
JSON_VERSION = 2
# The logic estimate around the kinds' cores (NetworkPlan.estimated_logic), calibrated with them on synthesis
# (docs/results.md, "Estimates").
STAGE_CONTROL_LUTS = 40  # a network stage's handshake and its source's counters
STAGE_CONTROL_FFS = 30
# The structural LUT count of a layer whose kind has no estimate (NetworkPlan.estimated_luts) counts only the LUT
# ROMs, 16 words x 1 bit per LUT4 (golden.kinds.base.LUT_ROM_MAX_DEPTH: a 1x1 layer's ROMs are deep, wide
# settings' shallow).
CONTROL_LUTS = 40  # per stage: counters, handshake, muxes


def rtl_modules() -> tuple[str, ...]:
    """The generic modules a generated top needs, in dependency order (package first), every kind's included."""
    modules = list(STAGE_MODULES[:1])
    for kind in KINDS.values():
        for name in (*kind.rtl_dependencies, kind.rtl_module):
            if name not in modules:
                modules.append(name)
    return tuple(modules + [name for name in STAGE_MODULES[1:] if name not in modules])


RTL_MODULES = rtl_modules()


@dataclass(frozen=True)
class LayerPlan:
    """One layer as hardware: tap source, its kind's core with a parallelism setting, and cycle counts."""

    index: int
    layer: Layer
    setting: Parallelism

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def lanes(self) -> int:
        return self.setting.lanes

    @property
    def cols(self) -> int:
        return self.setting.cols

    @property
    def streamed(self) -> bool:
        """The core reads its taps from a tap_ring chunk by chunk (its kind's tap_stream)."""
        return kind_of(self.layer).tap_stream(self.layer, self.setting)

    @property
    def chunks(self) -> int:
        """G = ceil(IN_D / LANES): the tap_ring chunks of one sample (a streamed layer)."""
        return -(-self.layer.in_channels // self.lanes)

    @property
    def uses_cache(self) -> bool:
        """activation_cache (block RAM) for a latched dilated window; a left_shift_buffer where the window is the
        taps themselves (K == 1 or dilation 1); a streamed layer's tap_ring is neither."""
        return not self.streamed and self.layer.kernel_size > 1 and self.layer.dilation > 1

    @property
    def tap_source(self) -> str:
        if self.streamed:
            return "tap_ring"
        return "activation_cache" if self.uses_cache else "left_shift_buffer"

    @property
    def conv_latency(self) -> int:
        """The core's start-to-result latency (its kind's formula)."""
        return kind_of(self.layer).core_latency(self.layer, self.setting)

    @property
    def conv_interval(self) -> int:
        """The core's start-to-start interval at full rate (its kind's formula)."""
        return kind_of(self.layer).core_interval(self.layer, self.setting)

    @property
    def source_latency(self) -> int:
        """SRC_LAT (rtl/network_stage.sv): a push offered to the idle stage to its core's start."""
        if self.streamed:
            return self.chunks
        return self.layer.kernel_size + 3 if self.uses_cache else 1

    @property
    def latency(self) -> int:
        """A push offered to the idle stage to out_valid_o with nothing stalling: SRC_LAT + LAT
        (rtl/network_stage.sv)."""
        return self.source_latency + self.conv_latency

    @property
    def interval(self) -> int:
        """Cycles between accepted pushes at full rate: max(II, K + 4, G + 1 or 2) (rtl/network_stage.sv)."""
        if self.streamed:
            source = self.chunks + 1
        else:
            source = self.layer.kernel_size + 4 if self.uses_cache else 2
        return max(self.conv_interval, source)

    @property
    def multipliers(self) -> int:
        return kind_of(self.layer).multipliers(self.layer, self.setting)

    @property
    def dsp_blocks(self) -> int:
        return kind_of(self.layer).dsp_blocks(self.layer, self.setting)

    @property
    def implementation(self) -> str:
        return self.setting.implementation

    @property
    def core_module(self) -> str:
        return kind_of(self.layer).core_module(self.layer, self.setting)

    @property
    def estimated_luts(self) -> int | None:
        return kind_of(self.layer).estimated_luts(self.layer, self.setting)

    def describe(self) -> dict[str, Any]:
        layer = self.layer
        return {
            "index": self.index, "name": layer.name, "kind": layer.kind, "kernel_size": layer.kernel_size,
            "dilation": layer.dilation, "in_channels": layer.in_channels, "out_channels": layer.out_channels,
            "input_format": layer.input_format.to_dict(), "output_format": layer.output_format.to_dict(),
            "implementation": self.implementation, "core_module": self.core_module,
            "estimated_luts": self.estimated_luts,
            "lanes": self.lanes, "cols": self.cols, "mul_latency": self.setting.mul_latency,
            "multipliers": self.multipliers, "dsp_blocks": self.dsp_blocks,
            "tap_source": self.tap_source, "core_latency_cycles": self.conv_latency,
            "core_interval_cycles": self.conv_interval, "latency_cycles": self.latency, "interval_cycles": self.interval,
        }


@dataclass(frozen=True)
class NetworkPlan(StructurePlan):
    """A manifest with a parallelism per layer: what the generated top will be (the per-layer structure)."""

    structure: ClassVar[str] = "per-layer"
    hex_files_noun: ClassVar[str] = "weight files"

    manifest: NetworkManifest
    top: str
    layers: tuple[LayerPlan, ...]
    budget: int

    @property
    def cycles_per_sample(self) -> int:
        """Steady-state cycles between accepted samples at full rate: the slowest stage's interval."""
        return max(plan.interval for plan in self.layers)

    @cached_property
    def offered(self) -> tuple[int, ...]:
        """Per layer, the cycle its stage is offered a sample offered to the network in cycle 0, nothing stalling:
        the latest of its inputs (a tensor is offered to its consumers as its stage presents it: forks add no
        cycle), each through its branch-alignment FIFO (FIFO_LATENCY) where the layer joins several."""
        ready = {INPUT_TENSOR: 0}
        offered = []
        for lp, reads in zip(self.layers, self.manifest.inputs):
            through_fifo = FIFO_LATENCY if len(reads) > 1 else 0
            offered.append(max(ready[name] for name in reads) + through_fifo)
            ready[lp.name] = offered[-1] + lp.latency
        return tuple(offered)

    @cached_property
    def fifo_depths(self) -> dict[tuple[int, int], int]:
        """(layer, input slot) -> the depth of the branch-alignment FIFO in front of a join's input, where the
        early operand waits for the late one.

        Samples reach the FIFO no closer than `spacing` cycles apart (the slowest interval among the stages they
        passed), and each waits there until the late operands arrive: at most b - a cycles (b the layer's
        `offered`, a the arrival of its input, nothing stalling), so floor((b - a) / spacing) + 1 words wait when
        the next arrives. A late branch can queue samples besides: a stage slower than that spacing holds up to
        SAMPLES_HELD_AT_MOST(LAT, II) of them before the fork that feeds both branches stalls, so each such
        stage on the late branch (not on the early one) adds that many. One more word covers the FIFO's own
        registered ready. The generated top asserts that no FIFO is ever full while offered a word when the
        output is taken at once (the network benches); backpressure on the output fills them legitimately."""
        ready = {INPUT_TENSOR: 0}
        spacing = {INPUT_TENSOR: 1}
        ancestors: dict[str, frozenset[int]] = {INPUT_TENSOR: frozenset()}
        for index, (lp, start, reads) in enumerate(zip(self.layers, self.offered, self.manifest.inputs)):
            ready[lp.name] = start + lp.latency
            spacing[lp.name] = max([lp.interval] + [spacing[name] for name in reads])
            ancestors[lp.name] = frozenset({index}).union(*(ancestors[name] for name in reads))
        depths = {}
        for index, reads in enumerate(self.manifest.inputs):
            if len(reads) < 2:
                continue
            for slot, name in enumerate(reads):
                queued = max(sum(samples_held_at_most(self.layers[s].conv_latency, self.layers[s].conv_interval)
                                 for s in ancestors[other] - ancestors[name]
                                 if self.layers[s].interval > spacing[name])
                             for other in reads)
                depths[(index, slot)] = (self.offered[index] - ready[name]) // spacing[name] + 2 + queued
        return depths

    @property
    def latency_cycles(self) -> int:
        """Input accepted in cycle c -> out_valid_o in cycle c + this, pipeline otherwise empty: the output layer's
        `offered` plus its latency. The layers' latencies count from a push offered; a streamed layer that reads
        the network input accepts it with its last chunk, G - 1 cycles after it was offered."""
        manifest = self.manifest
        out = manifest.layer_index(manifest.output)
        accepted = max((lp.chunks - 1 if lp.streamed else 0) for lp, reads in zip(self.layers, manifest.inputs)
                       if INPUT_TENSOR in reads)
        return self.offered[out] + self.layers[out].latency - accepted

    @property
    def multipliers(self) -> int:
        return sum(plan.multipliers for plan in self.layers)

    @property
    def dsp_count(self) -> int:
        """ECP5 MULT18X18D blocks: one per multiplier up to 18-bit signed operands, more beyond (the kinds say)."""
        return sum(plan.dsp_blocks for plan in self.layers)

    def memories(self) -> list[Memory]:
        """Per layer, the ROMs its kind reads through a register and its tap source's RAM (golden.rtlgen.resources)."""
        found = []
        for lp in self.layers:
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
                width = layer.input_bits
                found.append(Memory(layer.name, "activation cache", depth, width, ram_block_rams(depth, width)))
        return found

    def estimated_logic(self) -> LogicEstimate | None:
        """The kinds' core estimates and the stages around them; None if some layer's kind has no estimate."""
        luts = flip_flops = 0
        for lp in self.layers:
            layer, kind = lp.layer, kind_of(lp.layer)
            core_luts, core_ffs = kind.estimated_luts(layer, lp.setting), kind.estimated_flip_flops(layer, lp.setting)
            if core_luts is None or core_ffs is None:
                return None
            vector = layer.input_bits
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

    def estimated_luts(self) -> int:
        """estimated_logic's LUTs, or where a layer's kind has no estimate the structural count: per multiplier
        lane an adder-tree input of the product width (2 x the input operand width); per accumulator column the
        accumulator and its requantiser (product width + log2 of the terms, + the output width); shallow ROMs in
        LUT4s; a fixed control cost per stage. It ignores the board."""
        logic = self.estimated_logic()
        if logic is not None:
            return logic.luts
        total = 0
        for lp in self.layers:
            layer = lp.layer
            own = kind_of(layer).estimated_luts(layer, lp.setting)
            if own is not None:  # the kind's own estimate, calibrated on its cores (golden.kinds.base)
                total += own
                continue
            terms = layer.kernel_size * layer.in_channels
            product = 2 * layer.input_format.operand_width
            accumulator = product + math.ceil(math.log2(terms + 1))
            roms = kind_of(layer).rom_shapes(layer, lp.setting)
            total += (lp.multipliers * product + lp.cols * (accumulator + layer.output_format.width) + _rom_luts(roms)
                      + CONTROL_LUTS)
        return total

    def label(self) -> str:
        settings = ", ".join(f"{lp.lanes}x{lp.cols}" for lp in self.layers)
        return f"per-layer (budget {self.budget}; LANESxCOLS {settings})"

    def outline(self) -> list[str]:
        """A line per layer: its shape, tap source, setting and cycles."""
        return [f"  {lp.name:16s} K={lp.layer.kernel_size} d={lp.layer.dilation:<4d} "
                f"{lp.layer.in_channels:>3d}->{lp.layer.out_channels:<3d} {lp.tap_source:17s} "
                f"{lp.implementation:6s} LANES={lp.lanes:<3d} COLS={lp.cols:<3d} "
                f"{'DSP operand+product registers ' if lp.setting.mul_latency == 2 else ''}"
                f"interval {lp.interval:>4d} "
                f"latency {lp.latency:>4d}" for lp in self.layers]

    def render(self, out_dir: Path, output_ready: bool = False) -> Rendering:
        """Each layer's ROM files (its kind's), the top of network_stages and cores, and the JSON description."""
        hex_files = []
        for lp, roles in zip(self.layers, weight_file_names(self)):
            for role, (words, bits) in kind_of(lp.layer).rom_files(lp.layer, lp.setting).items():
                hex_files.append((roles[role], words, bits))
        return Rendering(hex_files, render_top(self, out_dir, output_ready), describe(self, out_dir))


def _rom_luts(roms: dict[str, tuple[int, int]]) -> int:
    """LUT4s of the ROMs yosys keeps in logic: width x ceil(depth / 16), shallow ROMs only; `roms` maps each
    ROM to its (depth, width) (rom_shapes)."""
    return sum(bits * math.ceil(depth / 16) for depth, bits in roms.values() if depth <= LUT_ROM_MAX_DEPTH)


Override = tuple[int, int] | str | Parallelism  # LANESxCOLS, an implementation name, or a whole setting


def layer_plan(index: int, layer: Layer, lanes: int, cols: int, implementation: str = IMPLEMENTATION_LANES,
               mul_latency: int = 1) -> LayerPlan:
    """LANES x COLS of `implementation`, with `mul_latency` stages where it has DSP multipliers, checked."""
    return checked_layer_plan(index, layer, with_mul_latency(layer, Parallelism(lanes, cols, implementation),
                                                             mul_latency))


def checked_layer_plan(index: int, layer: Layer, setting: Parallelism) -> LayerPlan:
    """Check the setting against the layer (its kind's rule) and plan it."""
    try:
        kind_of(layer).check_setting(layer, setting, f"layer {index} ({layer.name})")
    except RtlExportError:
        raise
    except GoldenError as error:
        raise RtlExportError(str(error)) from None
    return LayerPlan(index, layer, setting)


def _cheapest_key(plan: LayerPlan) -> tuple[int, int, int]:
    """Within one implementation: fewest multipliers, then the shortest interval, then fewer COLS
    (narrower ROM words, fewer accumulators and requantisers)."""
    return (plan.multipliers, plan.interval, plan.cols)


def _between_implementations(plans: list[LayerPlan], order: list[str]) -> LayerPlan:
    """Each implementation's cheapest within the budget -> the one with fewer DSP blocks, then the lower estimated
    LUT cost (the kind's estimated_luts), then the kind's first implementation (`order`)."""
    if len(plans) == 1:
        return plans[0]
    unknown = 1 << 62  # a kind without an estimate sorts last among equals
    return min(plans, key=lambda plan: (
        plan.dsp_blocks, unknown if plan.estimated_luts is None else plan.estimated_luts,
        order.index(plan.implementation)))


def with_mul_latency(layer: Layer, setting: Parallelism, mul_latency: int) -> Parallelism:
    """The setting with `mul_latency` multiplier stages where its multipliers are MULT18X18D (lanes cores with
    DSP blocks); other settings keep their one stage."""
    if setting.implementation != IMPLEMENTATION_LANES or kind_of(layer).dsp_blocks(layer, setting) == 0:
        return setting
    return replace(setting, mul_latency=mul_latency)


@dataclass(frozen=True)
class LayerFrontier:
    """choose_parallelism's answer for one layer at every budget: plans[j] for budgets in
    [thresholds[j], thresholds[j + 1]) (the last one for every larger budget); below thresholds[0] no setting
    fits, and `fastest` is the setting that comes closest (the smallest interval, then the fewest multipliers)."""

    index: int
    layer: Layer
    thresholds: tuple[int, ...]
    plans: tuple[LayerPlan, ...]
    fastest: LayerPlan

    def at(self, budget: int) -> LayerPlan | None:
        """The cheapest plan whose interval fits `budget`, or None."""
        position = bisect_right(self.thresholds, budget) - 1
        return self.plans[position] if position >= 0 else None

    def choose(self, budget: int) -> LayerPlan:
        plan = self.at(budget)
        if plan is None:
            best = self.fastest
            raise RtlExportError(
                f"layer {self.index} ({self.layer.name}): no parallelism meets {budget} cycles per sample; the "
                f"fastest setting ({_setting_text(best.setting)}) needs {best.interval}"
            )
        return plan


def layer_frontier(index: int, layer: Layer, mul_latency: int = 1, implementation: str | None = None) -> LayerFrontier:
    """The layer's choice at every budget, in one pass over its kind's frontier settings (choose_parallelism's rule).

    Per implementation the cheapest setting within a budget (_cheapest_key; the first in the kind's order among
    equals) changes only at budgets that are some setting's interval: going through the settings by interval,
    a running minimum per implementation gives the cheapest for each budget, and _between_implementations
    picks among the implementations' cheapest there. The kind's frontier_settings leaves out only settings
    this rule never picks, so the answers are those of every setting."""
    kind = kind_of(layer)
    candidates = [LayerPlan(index, layer, with_mul_latency(layer, setting, mul_latency))
                  for setting in kind.frontier_settings(layer)]
    order = list(dict.fromkeys(plan.implementation for plan in candidates))
    if implementation is not None:
        if implementation not in order:
            raise RtlExportError(f"layer {index} ({layer.name}): kind {layer.kind} has no implementation "
                                 f"{implementation!r}; it has {', '.join(order)}")
        candidates = [plan for plan in candidates if plan.implementation == implementation]
    ranked = sorted(((plan.interval, _cheapest_key(plan), position, plan) for position, plan in enumerate(candidates)),
                    key=lambda entry: entry[:3])
    fastest = min(candidates, key=lambda plan: (plan.interval, plan.multipliers))
    best: dict[str, tuple[tuple[int, int, int], int, LayerPlan]] = {}
    thresholds: list[int] = []
    plans: list[LayerPlan] = []
    for number, (interval, key, position, plan) in enumerate(ranked):
        held = best.get(plan.implementation)
        if held is None or (key, position) < held[:2]:
            best[plan.implementation] = (key, position, plan)
        if number + 1 < len(ranked) and ranked[number + 1][0] == interval:
            continue  # every setting of this interval first
        choice = _between_implementations([best[name][2] for name in order if name in best], order)
        if not plans or choice != plans[-1]:
            thresholds.append(interval)
            plans.append(choice)
    return LayerFrontier(index, layer, tuple(thresholds), tuple(plans), fastest)


def choose_parallelism(index: int, layer: Layer, budget: int, implementation: str | None = None,
                       mul_latency: int = 1) -> LayerPlan:
    """The cheapest setting whose stage interval fits `budget` cycles.

    Per implementation of the layer's kind (one for most kinds), the cheapest
    setting within the budget (_cheapest_key); between implementations, the one
    with fewer DSP blocks, then the lower estimated LUT cost (the kind's
    estimated_luts), then the kind's first. `implementation` restricts the
    choice to one (an override); if none of its settings fits the budget, its
    fastest is taken (an override is not bound by the budget). DSP multipliers
    get `mul_latency` register stages (with_mul_latency). The rule itself is
    layer_frontier's, which answers every budget at once."""
    frontier = layer_frontier(index, layer, mul_latency, implementation)
    if implementation is not None and frontier.at(budget) is None:
        return frontier.fastest
    return frontier.choose(budget)


def _setting_text(setting: Parallelism) -> str:
    text = f"LANES={setting.lanes}, COLS={setting.cols}"
    return text if setting.implementation == IMPLEMENTATION_LANES else f"{setting.implementation}: {text}"


def plan_network(
    manifest: NetworkManifest,
    cycles_per_sample: int = DEFAULT_CYCLES_PER_SAMPLE,
    overrides: Mapping[str, Override] | None = None,
    top: str | None = None,
    mul_latency: int | None = None,
) -> NetworkPlan:
    """Per layer: the override if given, else the cheapest setting within the budget (choose_parallelism).

    An override is (LANES, COLS) of the kind's lanes implementation, an implementation name (e.g. "baked":
    that implementation's cheapest setting), or a whole Parallelism (taken as it is).
    The DSP multipliers' register stages: `mul_latency` if given, else 1, or 2 where the network planned with
    1 needs more than WIDE_NETWORK_DSPS MULT18X18D (planned again with 2: a stretched interval may change a
    layer's choice)."""
    if isinstance(cycles_per_sample, bool) or not isinstance(cycles_per_sample, int) or cycles_per_sample < 1:
        raise RtlExportError(f"cycles per sample must be a positive integer, got {cycles_per_sample!r}")
    overrides = dict(overrides or {})
    names = {layer.name for layer in manifest.layers}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise RtlExportError(
            f"parallelism override for unknown layer(s) {', '.join(unknown)}; "
            f"manifest {manifest.name} has {', '.join(layer.name for layer in manifest.layers)}"
        )
    if mul_latency not in (None, 1, 2):
        raise RtlExportError(f"multiplier latency must be 1 or 2, got {mul_latency!r}")
    plans = with_wide_network_rule(lambda stages: _layer_plans(manifest, cycles_per_sample, overrides, stages),
                                   mul_latency)
    top = top or f"wavenet_{manifest.name}"
    check_top_name(top)
    return NetworkPlan(manifest=manifest, top=top, layers=tuple(plans), budget=cycles_per_sample)


def with_wide_network_rule(plan_layers: Callable[[int], Sequence[LayerPlan]],
                           mul_latency: int | None) -> Sequence[LayerPlan]:
    """`plan_layers(stages)` with `mul_latency` multiplier stages if given, else with 1, or with 2 where that
    needs more than WIDE_NETWORK_DSPS MULT18X18D (plan_network's rule)."""
    plans = plan_layers(mul_latency or 1)
    if mul_latency is None and sum(plan.dsp_blocks for plan in plans) > WIDE_NETWORK_DSPS:
        plans = plan_layers(2)
    return plans


class NetworkFrontier:
    """plan_network's layers (no overrides) at any budget, from each layer's frontier, built once per multiplier
    latency: the per-layer rate candidates (golden.rtlgen.rate.per_layer_plans) ask it at every useful budget."""

    def __init__(self, manifest: NetworkManifest) -> None:
        self.manifest = manifest
        self._frontiers: dict[int, tuple[LayerFrontier, ...]] = {}

    def frontiers(self, mul_latency: int) -> tuple[LayerFrontier, ...]:
        if mul_latency not in self._frontiers:
            self._frontiers[mul_latency] = tuple(layer_frontier(index, layer, mul_latency)
                                                 for index, layer in enumerate(self.manifest.layers))
        return self._frontiers[mul_latency]

    def layers_at(self, budget: int) -> tuple[LayerPlan, ...]:
        """plan_network(manifest, budget).layers; raises RtlExportError as it does when a layer cannot meet it."""
        return tuple(with_wide_network_rule(
            lambda stages: [frontier.choose(budget) for frontier in self.frontiers(stages)], None))


def _layer_plans(
    manifest: NetworkManifest, budget: int, overrides: Mapping[str, Override], mul_latency: int
) -> list[LayerPlan]:
    plans = []
    for index, layer in enumerate(manifest.layers):
        override = overrides.get(layer.name)
        if override is None:
            plans.append(choose_parallelism(index, layer, budget, mul_latency=mul_latency))
        elif isinstance(override, str):
            plans.append(choose_parallelism(index, layer, budget, override, mul_latency))
        elif isinstance(override, Parallelism):
            plans.append(checked_layer_plan(index, layer, override))
        else:
            lanes, cols = override
            plans.append(layer_plan(index, layer, lanes, cols, mul_latency=mul_latency))
    return plans


def check_top_name(top: str) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", top or ""):
        raise RtlExportError(f"top name must be an identifier (letters, digits, _; starting with a letter), got {top!r}")
    if top in RTL_MODULES or top == STROBE_GUARD:
        raise RtlExportError(f"top name {top!r} is the name of a generic RTL module; choose another")


def parse_override(text: str) -> tuple[str, tuple[int, int] | str]:
    """'LAYER=LANESxCOLS' (e.g. qconv_1=4x8) -> (layer, (lanes, cols)); 'LAYER=IMPLEMENTATION' (e.g.
    qconv_1_0a_po2=baked) -> (layer, implementation), checked against the layer's kind by plan_network."""
    match = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if match:
        return match.group(1), (int(match.group(2)), int(match.group(3)))
    match = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*([a-z][a-z0-9_]*)\s*", text)
    if match:
        return match.group(1), match.group(2)
    raise RtlExportError(f"parallelism override {text!r}: expected LAYER=LANESxCOLS or LAYER=IMPLEMENTATION, "
                         "e.g. qconv_1=4x8 or qconv_1_0a_po2=baked")


# ---- generated files -------------------------------------------------------

def weight_file_names(plan: NetworkPlan) -> list[dict[str, str]]:
    """Per layer, per ROM role of its kind: <top>_<layer>_<role>.hex."""
    return [
        {role: f"{plan.top}_{lp.name}_{role}.hex" for role in kind_of(lp.layer).rom_files(lp.layer, lp.setting)}
        for lp in plan.layers
    ]


def _parameter_name(index: int, role: str) -> str:
    return f"L{index}_{role.upper()}_FILE"


def _sv_value(value: int | str) -> str:
    return str(value) if isinstance(value, int) else value


def render_top(plan: NetworkPlan, out_dir: Path, output_ready: bool = False) -> str:
    """The SystemVerilog text of the top: network_stage + kind core per layer, chained by valid/ready.

    `output_ready` adds an out_ready_i port (output backpressure), for the kind contract bench."""
    manifest = plan.manifest
    files = weight_file_names(plan)
    last = len(plan.layers)
    in_fmt, out_fmt = manifest.input_format, manifest.output_format
    lines = [
        f"// {plan.top}: streaming network '{manifest.name}' generated by scripts/gen_network.py",
        "// (golden/rtlgen/top.py) from its model manifest. Do not edit: regenerate.",
        "//",
        f"// {len(plan.layers)} layers, {manifest.input_channels} x {in_fmt} -> {manifest.output_channels} x "
        f"{out_fmt}, receptive field {manifest.receptive_field} samples.",
        "// One network_stage + kind core per layer (docs/network.md), chained by valid/ready, so the",
        "// layers work as a pipeline on successive samples.",
        "//",
        "//   layer  name              kind     K  dil  in  out  in fmt      out fmt     impl   LANES COLS mults latency interval source",
    ]
    for lp in plan.layers:
        layer = lp.layer
        lines.append(
            f"//   {lp.index:5d}  {layer.name:16s}  {layer.kind:7s} {layer.kernel_size:2d} {layer.dilation:4d} "
            f"{layer.in_channels:3d} {layer.out_channels:4d}  {str(layer.input_format):11s} "
            f"{str(layer.output_format):11s} {lp.implementation:6s} {lp.lanes:5d} {lp.cols:4d} {lp.multipliers:5d} "
            f"{lp.latency:7d} "
            f"{lp.interval:8d} {lp.tap_source}"
        )
    lines += [
        "//",
        "// Handshake",
        "//   in_valid_i & in_ready_o  accept in_data_i (channel c at [c*XW +: XW], XW the input",
        "//                           format's width); in_data_i must hold while in_valid_i waits",
        "//   out_valid_o              one-cycle pulse, exactly one per accepted input, in order;",
        "//                           out_data_o (channel o at [o*YW +: YW]) holds until the next",
        "//                           out_valid_o",
        "//   no output backpressure: the consumer must keep up (it always can: outputs come",
        "//   at most one per CYCLES_PER_SAMPLE cycles) or throttle the input side.",
        "//   rst_i (synchronous, active high) empties the pipeline and every cache: the",
        "//   stream restarts from zero history. in_ready_o stays low until the last layer is",
        f"//   out of reset, {len(plan.layers)} cycles after rst_i falls (the reset tree, below).",
        "//",
        f"// Timing: CYCLES_PER_SAMPLE = {plan.cycles_per_sample} (steady-state cycles between accepted samples",
        f"// at full rate); LATENCY = {plan.latency_cycles} (input accepted in cycle c -> out_valid_o in",
        f"// cycle c + LATENCY when the pipeline is otherwise empty). {plan.multipliers} multipliers.",
        "",
        "`default_nettype none",
        "",
    ]
    params = []
    for index, roles in enumerate(files):
        for role, name in roles.items():
            params.append(f'  parameter {_parameter_name(index, role)} = "{(out_dir / name).as_posix()}"')
    if params:
        lines += [f"module {plan.top} #(", ",\n".join(params), ") ("]
    else:  # no weight files (every core has its weights baked in): no parameter list
        lines.append(f"module {plan.top} (")
    lines += [
        "  input  wire logic                  clk_i,",
        "  input  wire logic                  rst_i,",
        "  input  wire logic                  in_valid_i,",
        "  output      logic                  in_ready_o,",
        f"  input  wire logic [{manifest.input_channels * in_fmt.width - 1}:0]  in_data_i,",
        "  output      logic                  out_valid_o,",
        *(["  input  wire logic                  out_ready_i,"] if output_ready else []),
        f"  output      logic [{manifest.output_channels * out_fmt.width - 1}:0]  out_data_o",
        ");",
        "",
        "  // Stage s carries layer s's input: s = 0 is the network input, s = "
        f"{last} its output.",
    ]
    widths = [manifest.input_channels * in_fmt.width] + [
        lp.layer.out_channels * lp.layer.output_format.width for lp in plan.layers
    ]
    for stage, width in enumerate(widths):
        lines.append(f"  logic s{stage}_valid, s{stage}_ready;")
        lines.append(f"  logic [{width - 1}:0] s{stage}_data;")
    lines += [
        "",
        "  // Reset tree: layer i is reset by l_rst[i], rst_i through i + 1 registers in a chain, so",
        "  // no single reset net spans the die (a 50k-MAC network's critical path was that",
        "  // route) and synthesis cannot merge the copies. Layer i leaves reset i + 1 cycles",
        "  // after rst_i falls, before any sample can reach it (each layer takes at least two",
        "  // cycles), and enters it i + 1 cycles after rst_i rises, after the layers before it,",
        "  // so whatever it took from them meanwhile is dropped too. The wiring between the",
        "  // layers follows the same order: a fork takes its producer's reset (the input's fork",
        "  // the ports'), a join and its branch FIFOs their reader's. Only the ports see the",
        "  // combined `resetting`, so rst_i fans out to a few gates (once synthesis folds the",
        "  // synchronous resets into logic, a reset net that reached every fork and FIFO was",
        "  // a die-wide data path).",
        f"  logic [{len(plan.layers) - 1}:0] l_rst;",
        "  logic           any_rst;    // |l_rst, from its own register: the chain's OR stays off the ports",
        "  logic           resetting;  // rst_i, or some layer not yet through its reset",
        "  always_ff @(posedge clk_i) begin",
        *([f"    l_rst   <= {{l_rst[{len(plan.layers) - 2}:0], rst_i}};",
           f"    any_rst <= rst_i || (|l_rst[{len(plan.layers) - 2}:0]);  // the next l_rst's OR"]
          if len(plan.layers) > 1 else
          ["    l_rst   <= rst_i;",
           "    any_rst <= rst_i;"]),
        "  end",
        "  assign resetting = rst_i || any_rst;",
        "`ifdef ASSERTIONS",
        "  logic a_started;",
        "  initial a_started = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)",
        "  always_ff @(posedge clk_i) a_started <= 1'b1;",
        "  always_ff @(posedge clk_i) if (a_started) a_any_rst: assert (any_rst == (|l_rst));",
        "`endif",
        "",
        "  // The stages' handshakes are undefined in reset (rtl/network_stage.sv): the",
        "  // top's own ports carry the reset terms, so nothing is accepted or presented",
        "  // while any layer is resetting and inside, the reset drives resets only.",
        "  assign s0_valid   = in_valid_i && !resetting;  // layer 0 is out of reset before the last",
        "  assign in_ready_o = s0_ready && !resetting;",
        "  assign s0_data    = in_data_i;",
    ]
    wiring, stage_inputs, output_edge = _graph_wiring(plan, output_ready)
    lines += wiring
    for lp, roles in zip(plan.layers, files):
        layer, i = lp.layer, lp.index
        kind = kind_of(layer)
        (xw, in_d), yw = _stage_word(layer), layer.output_format.width
        taps_w = layer.kernel_size * in_d * xw
        in_valid, in_ready, in_data = stage_inputs[i]
        stream_ports = lp.core_module in kind.stream_port_modules
        parameters = kind.rtl_parameters(layer, lp.setting, {role: _parameter_name(i, role) for role in roles})
        rendered = ", ".join(f".{name}({_sv_value(value)})" for name, value in parameters.items())
        lines += [
            "",
            f"  // layer {i}: {layer.name} ({layer.kind})",
            f"  logic l{i}_start, l{i}_ready, l{i}_y_valid, l{i}_y_ready;",
            f"  logic [{taps_w - 1}:0] l{i}_taps;",
            f"  logic [{layer.out_channels * yw - 1}:0] l{i}_y;",
            *([f"  logic l{i}_issue, l{i}_walk_end;",
               f"  logic [{lp.lanes * xw - 1}:0] l{i}_chunk;"] if stream_ports else []),
            "",
            "  network_stage #(",
            f"    .XW({xw}), .YW({yw}), .IN_D({in_d}), .OUT_D({layer.out_channels}),",
            f"    .K({layer.kernel_size}), .DILATION({layer.dilation}), .STREAM({int(lp.streamed)}), "
            f".LANES({lp.lanes})",
            f"  ) u_l{i}_{layer.name} (",
            f"    .clk_i, .rst_i(l_rst[{i}]),",
            f"    .in_valid_i({in_valid}), .in_ready_o({in_ready}), .in_data_i({in_data}),",
            f"    .out_valid_o(s{i + 1}_valid), .out_ready_i(s{i + 1}_ready), .out_data_o(s{i + 1}_data),",
            f"    .core_start_o(l{i}_start), .core_ready_i(l{i}_ready), .core_taps_o(l{i}_taps),",
            f"    .core_y_valid_i(l{i}_y_valid), .core_y_ready_o(l{i}_y_ready), .core_y_i(l{i}_y),",
            *([f"    .core_issue_i(l{i}_issue), .core_walk_end_i(l{i}_walk_end), .core_chunk_o(l{i}_chunk)"]
              if stream_ports else
              ["    /* verilator lint_off PINCONNECTEMPTY */  // a core without the tap-stream ports",
               "    .core_issue_i(1'b0), .core_walk_end_i(1'b0), .core_chunk_o()",
               "    /* verilator lint_on PINCONNECTEMPTY */"]),
            "  );",
            "",
            f"  {lp.core_module} #(",
            f"    {rendered}",
            f"  ) u_l{i}_{layer.name}_core (",
            f"    .clk_i, .rst_i(l_rst[{i}]),",
            f"    .start_i(l{i}_start), .ready_o(l{i}_ready), .taps_i(l{i}_taps),",
            f"    .y_valid_o(l{i}_y_valid), .y_ready_i(l{i}_y_ready), .y_o(l{i}_y)"
            + (f",\n    .issue_o(l{i}_issue), .walk_end_o(l{i}_walk_end), .chunk_i(l{i}_chunk)" if stream_ports else ""),
            "  );",
        ]
    lines += [
        "",
        *(["  // Output backpressure: the last stage holds its result until out_ready_i.",
            f"  assign {output_edge[1]}  = out_ready_i;"] if output_ready else
          ["  // No output backpressure: the last layer's result is taken the cycle it appears.",
           f"  assign {output_edge[1]}  = 1'b1;"]),
        f"  assign out_valid_o = {output_edge[0]} && !resetting;",
        f"  assign out_data_o  = {output_edge[2]};",
        "",
        "endmodule",
        "",
        "`default_nettype wire",
        "",
    ]
    return "\n".join(lines)


def samples_held_at_most(core_latency: int, core_interval: int) -> int:
    """Samples a network stage holds at most: its source's, the core's in flight (one start per II over LAT
    cycles) and its result (rtl/network_stage.sv, core port contract)."""
    return 2 + -(-core_latency // core_interval)


def _stage_word(layer: Layer) -> tuple[int, int]:
    """(XW, IN_D) of the layer's network_stage: its input channels, or for a layer that joins several tensors
    their concatenation as one word (input 0 in the low bits)."""
    if len(layer.input_formats) > 1:
        return layer.input_bits, 1
    return layer.input_format.width, layer.in_channels


Edge = tuple[str, str, str]  # valid, ready, data: one read of a tensor


def _graph_wiring(plan: NetworkPlan, output_ready: bool) -> tuple[list[str], dict[int, Edge], Edge]:
    """The top's wiring between the stages: a stream_fork where a tensor has several readers (the network output
    counts as one), and in front of a layer that joins several tensors a branch-alignment stream_fifo per input
    (NetworkPlan.fifo_depths) and a stream_join. A chain needs none of them: each stage reads s<t> directly.
    Returns the lines, each layer's stage input and the network output's edge."""
    manifest = plan.manifest
    names = [INPUT_TENSOR] + [layer.name for layer in manifest.layers]
    widths = [manifest.input_channels * manifest.input_format.width] + [
        layer.out_channels * layer.output_format.width for layer in manifest.layers]
    lines: list[str] = []
    edges: dict[tuple[int, int] | str, Edge] = {}
    for t, name in enumerate(names):
        readers: list[tuple[int, int] | str] = list(manifest.consumers(name))
        if name == manifest.output:
            readers.append("output")
        if len(readers) == 1:
            edges[readers[0]] = (f"s{t}_valid", f"s{t}_ready", f"s{t}_data")
            continue
        count = len(readers)
        lines += [
            "",
            f"  // {name} is read {count} times: a fork offers it to each reader until taken",
            f"  logic [{count - 1}:0] f{t}_valid, f{t}_ready;",
            f"  logic [{widths[t] - 1}:0] f{t}_data;",
            f"  stream_fork #(.N({count}), .W({widths[t]})) u_fork_{name} (",
            # its producer's reset; the network input's producer is the ports, which drop it with `resetting`
            f"    .clk_i, .rst_i({f'l_rst[{t - 1}]' if t else 'resetting'}),",
            f"    .in_valid_i(s{t}_valid), .in_ready_o(s{t}_ready), .in_data_i(s{t}_data),",
            f"    .out_valid_o(f{t}_valid), .out_ready_i(f{t}_ready), .out_data_o(f{t}_data)",
            "  );",
        ]
        for k, reader in enumerate(readers):
            edges[reader] = (f"f{t}_valid[{k}]", f"f{t}_ready[{k}]", f"f{t}_data")
    stage_inputs: dict[int, Edge] = {}
    for index, (layer, reads) in enumerate(zip(manifest.layers, manifest.inputs)):
        if len(reads) == 1:
            stage_inputs[index] = edges[(index, 0)]
            continue
        slot_widths = [widths[names.index(tensor)] for tensor in reads]
        total = sum(slot_widths)
        packed = "{" + ", ".join(f"32'd{w}" for w in reversed(slot_widths)) + "}"
        lines += [
            "",
            f"  // layer {index} ({layer.name}) joins {', '.join(reads)}: each waits in a FIFO sized from the branch",
            "  // latencies (NetworkPlan.fifo_depths), the join takes one word from each at once",
            f"  logic [{len(reads) - 1}:0] j{index}_valid, j{index}_ready;",
            f"  logic [{total - 1}:0] j{index}_data;",
            f"  logic x{index}_valid, x{index}_ready;",
            f"  logic [{total - 1}:0] x{index}_data;",
        ]
        offset = 0
        for slot, (tensor, width) in enumerate(zip(reads, slot_widths)):
            valid, ready, data = edges[(index, slot)]
            depth = plan.fifo_depths[(index, slot)]
            lines += [
                f"  logic q{index}_{slot}_full;",
                f"  stream_fifo #(.W({width}), .DEPTH({depth})) u_l{index}_fifo{slot} (",
                f"    .clk_i, .rst_i(l_rst[{index}]),  // its reader's reset",
                f"    .in_valid_i({valid}), .in_ready_o({ready}), .in_data_i({data}),",
                f"    .out_valid_o(j{index}_valid[{slot}]), .out_ready_i(j{index}_ready[{slot}]), "
                f".out_data_o(j{index}_data[{offset + width - 1}:{offset}]),",
                f"    .full_o(q{index}_{slot}_full),",
                "    /* verilator lint_off PINCONNECTEMPTY */ .level_o() /* verilator lint_on PINCONNECTEMPTY */",
                "  );",
            ]
            lines += (["  logic unused_q{index}_{slot};".format(index=index, slot=slot),
                       f"  assign unused_q{index}_{slot} = q{index}_{slot}_full;  // output backpressure fills FIFOs"]
                      if output_ready else
                      ["`ifdef ASSERTIONS",
                       "  // the generator's size holds: the FIFO is never full while offered a word",
                       f"  always_ff @(posedge clk_i) if (a_started && !resetting) a_fifo_{index}_{slot}_sized: "
                       f"assert (!(q{index}_{slot}_full && {valid}));",
                       "`endif"])
            offset += width
        lines += [
            f"  stream_join #(.N({len(reads)}), .WIDTHS({packed}), .TOTAL_W({total})) u_l{index}_join (",
            f"    .clk_i, .rst_i(l_rst[{index}]),",
            f"    .in_valid_i(j{index}_valid), .in_ready_o(j{index}_ready), .in_data_i(j{index}_data),",
            f"    .out_valid_o(x{index}_valid), .out_ready_i(x{index}_ready), .out_data_o(x{index}_data)",
            "  );",
        ]
        stage_inputs[index] = (f"x{index}_valid", f"x{index}_ready", f"x{index}_data")
    return lines, stage_inputs, edges["output"]


def contract_description(plan: StructurePlan, modules: tuple[str, ...], parameters: dict[str, str],
                         out_dir: Path) -> dict[str, Any]:
    """The JSON keys every structure's top has (synth/, the board top, the benches and the cycles probe read
    them)."""
    manifest = plan.manifest
    in_fmt, out_fmt = manifest.input_format, manifest.output_format
    return {
        "json_version": JSON_VERSION,
        "top": plan.top,
        "model": manifest.name,
        "structure": plan.structure,
        "sources": [str(RTL / f"{name}.sv") for name in modules] + [str(out_dir / f"{plan.top}.sv")],
        "strobe_guard_source": str(RTL / f"{STROBE_GUARD}.sv"),
        "parameters": parameters,
        "input_channels": manifest.input_channels,
        "output_channels": manifest.output_channels,
        "input_format": in_fmt.to_dict(),
        "output_format": out_fmt.to_dict(),
        "input_width": in_fmt.width,
        "output_width": out_fmt.width,
        "cycles_per_sample": plan.cycles_per_sample,
        "cycles_per_sample_budget": plan.budget,
        "latency_cycles": plan.latency_cycles,
        "multipliers": plan.multipliers,
        "dsp_count": plan.dsp_count,
        "receptive_field": manifest.receptive_field,
    }


def describe(plan: NetworkPlan, out_dir: Path) -> dict[str, Any]:
    """The JSON description: sources, parameters, formats and timing."""
    manifest = plan.manifest
    files = weight_file_names(plan)
    parameters: dict[str, str] = {}
    layers = []
    for lp, roles in zip(plan.layers, files):
        paths = {role: str(out_dir / name) for role, name in roles.items()}
        for role, path in paths.items():
            parameters[_parameter_name(lp.index, role)] = path
        layers.append({**lp.describe(), **{f"{role}_file": path for role, path in paths.items()}})
    return {**contract_description(plan, RTL_MODULES, parameters, out_dir), "layers": layers}


@dataclass(frozen=True)
class ExportResult:
    top_file: Path
    json_file: Path
    weight_files: tuple[Path, ...]
    description: dict[str, Any]


def export_network(plan: StructurePlan, out_dir: Path | str, output_ready: bool = False) -> ExportResult:
    """Write <top>.sv, the weight/bias hex files and <top>.json into `out_dir`, all or nothing.

    Everything is rendered and validated first, written into a temporary folder
    inside `out_dir`, then renamed into place with the JSON last, so a reader
    that finds the JSON finds the files it names; on any error nothing new is
    left in `out_dir`."""
    out_dir = Path(out_dir).resolve()
    rendering = plan.render(out_dir, output_ready)
    json_text = json.dumps(rendering.description, indent=2) + "\n"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".gen_network-", dir=out_dir))
    except OSError as error:
        raise RtlExportError(f"{out_dir}: cannot create the output folder or write into it ({error.strerror})") from None
    try:
        names = []
        for name, words, bits in rendering.hex_files:
            write_hex(staging / name, words, bits)
            names.append(name)
        (staging / f"{plan.top}.sv").write_text(rendering.top_text, encoding="ascii")
        (staging / f"{plan.top}.json").write_text(json_text, encoding="ascii")
        names += [f"{plan.top}.sv", f"{plan.top}.json"]
        for name in names:  # the JSON last
            os.replace(staging / name, out_dir / name)
    except OSError as error:
        raise RtlExportError(f"{out_dir}: writing the generated network failed ({error})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(
        top_file=out_dir / f"{plan.top}.sv",
        json_file=out_dir / f"{plan.top}.json",
        weight_files=tuple(out_dir / name for name, _, _ in rendering.hex_files),
        description=rendering.description,
    )

