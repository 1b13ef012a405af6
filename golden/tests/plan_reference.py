"""The per-layer rate candidates as the generator enumerated them before issue 23, kept as the oracle of the
faster enumeration (golden.rtlgen.top.layer_frontier, golden.rtlgen.rate.per_layer_plans): at every budget,
every layer searches all of its kind's settings (`settings`, not `frontier_settings`), and the ROMs of the
LUT estimate are built word by word (`rom_files`, not `rom_shapes`).

The rules are copied from the code of that time (git show 0063d12:golden/rtlgen/top.py, rate.py); only the
speed differs. sim/network/test_rate_enumeration.py compares the two on the committed models and members of
the scale family, scripts/bench_generator.py --compare on every member (`fast=True`: each setting's figures
computed once per layer and the exhaustive search vectorised: the same answers in seconds, not minutes).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from golden.kinds import kind_of
from golden.kinds.base import IMPLEMENTATION_LANES, LUT_ROM_MAX_DEPTH, Layer
from golden.manifest import NetworkManifest
from golden.rtlgen.pool import POOL_SIZES, PoolError, PoolPlan, check_poolable, plan_pool
from golden.rtlgen.resources import estimated_logic
from golden.rtlgen.rate import UNBOUNDED_BUDGET, Candidate, Plan
from golden.rtlgen.top import (
    CONTROL_LUTS, WIDE_NETWORK_DSPS, LayerPlan, NetworkPlan, RtlExportError, check_top_name, with_mul_latency,
)


class NoFit(Exception):
    """No setting of the layer meets the budget; the message is the one choose_parallelism raised."""


class _Figures:
    """A LayerPlan with its interval, multipliers and COLS worked out once (they are pure functions of it)."""

    def __init__(self, plan: LayerPlan) -> None:
        self.plan, self.implementation = plan, plan.implementation
        self.interval, self.multipliers, self.cols = plan.interval, plan.multipliers, plan.cols


def exhaustive_choice(index: int, layer: Layer, budget: int, mul_latency: int = 1,
                      implementation: str | None = None, memo: dict | None = None) -> LayerPlan:
    """choose_parallelism as it was: every setting, the cheapest per implementation, then between them; with
    `implementation`, that one's only, and its fastest if none fits. Raises NoFit where it raised. `memo`
    keeps each setting's figures between calls for the same layer."""
    memo = {} if memo is None else memo
    key = (id(layer), index, mul_latency)
    if key not in memo:
        memo[key] = [_Figures(LayerPlan(index, layer, with_mul_latency(layer, setting, mul_latency)))
                     for setting in kind_of(layer).settings(layer)]
    candidates = memo[key]
    order = list(dict.fromkeys(plan.implementation for plan in candidates))
    if implementation is not None:
        candidates = [plan for plan in candidates if plan.implementation == implementation]
    fitting = [plan for plan in candidates if plan.interval <= budget]
    if not fitting:
        best = min(candidates, key=lambda plan: (plan.interval, plan.multipliers)).plan
        if implementation is not None:
            return best
        setting = best.setting
        text = f"LANES={setting.lanes}, COLS={setting.cols}"
        text = text if setting.implementation == IMPLEMENTATION_LANES else f"{setting.implementation}: {text}"
        raise NoFit(f"layer {index} ({layer.name}): no parallelism meets {budget} cycles per sample; the fastest "
                    f"setting ({text}) needs {best.interval}")
    best_per_implementation = [
        min([plan for plan in fitting if plan.implementation == name],
            key=lambda plan: (plan.multipliers, plan.interval, plan.cols)).plan
        for name in order if any(plan.implementation == name for plan in fitting)]
    return _between(best_per_implementation, order)


def _between(plans: list[LayerPlan], order: list[str]) -> LayerPlan:
    if len(plans) == 1:
        return plans[0]
    unknown = 1 << 62
    return min(plans, key=lambda plan: (
        plan.dsp_blocks, unknown if plan.estimated_luts is None else plan.estimated_luts,
        order.index(plan.implementation)))


class _VectorChooser:
    """exhaustive_choice's answers for one layer and multiplier latency: every setting's figures computed once,
    then per budget the first setting in (multipliers, interval, COLS, kind order) order that fits, per
    implementation -- the same minimum, found by numpy."""

    def __init__(self, index: int, layer: Layer, mul_latency: int) -> None:
        plans = [LayerPlan(index, layer, with_mul_latency(layer, setting, mul_latency))
                 for setting in kind_of(layer).settings(layer)]
        self.order = list(dict.fromkeys(plan.implementation for plan in plans))
        self.groups = []
        for name in self.order:
            group = [plan for plan in plans if plan.implementation == name]
            ranked = sorted(range(len(group)), key=lambda i: (group[i].multipliers, group[i].interval, group[i].cols))
            self.groups.append(([group[i] for i in ranked], np.array([group[i].interval for i in ranked])))

    def __call__(self, budget: int) -> LayerPlan:
        best = []
        for plans, intervals in self.groups:
            fits = intervals <= budget
            if fits.any():
                best.append(plans[int(np.argmax(fits))])
        if not best:
            raise NoFit
        return _between(best, self.order)


def reference_per_layer_plans(manifest: NetworkManifest, top: str | None = None,
                              fast: bool = False) -> list[NetworkPlan]:
    """per_layer_plans as it was: plan_network (exhaustive choice, the wide-network rule) at every budget one
    below the previous plan's cycles per sample."""
    top = top or f"wavenet_{manifest.name}"
    try:
        check_top_name(top)
    except RtlExportError:
        return []
    choosers: dict[tuple[int, int], Any] = {}
    memo: dict = {}

    def choose(index: int, layer: Layer, budget: int, mul_latency: int) -> LayerPlan:
        if not fast:
            return exhaustive_choice(index, layer, budget, mul_latency, memo=memo)
        if (index, mul_latency) not in choosers:
            choosers[(index, mul_latency)] = _VectorChooser(index, layer, mul_latency)
        return choosers[(index, mul_latency)](budget)

    plans: list[NetworkPlan] = []
    budget = UNBOUNDED_BUDGET
    while budget >= 1:
        try:
            layers = [choose(i, layer, budget, 1) for i, layer in enumerate(manifest.layers)]
            if sum(plan.dsp_blocks for plan in layers) > WIDE_NETWORK_DSPS:
                layers = [choose(i, layer, budget, 2) for i, layer in enumerate(manifest.layers)]
        except NoFit:
            break
        cycles = max(plan.interval for plan in layers)
        plans.append(NetworkPlan(manifest=manifest, top=top, layers=tuple(layers), budget=cycles))
        budget = cycles - 1
    return plans


def _rom_luts(roms: dict[str, tuple[list[int], int]]) -> int:
    return sum(bits * math.ceil(len(words) / 16) for words, bits in roms.values() if len(words) <= LUT_ROM_MAX_DEPTH)


def reference_estimated_luts(plan: Plan, memo: dict | None = None) -> int:
    """estimated_luts as it was, from the ROM words themselves (`memo` keeps a layer setting's ROM figure), for
    plans without a logic estimate (golden.rtlgen.resources, which both use where there is one)."""
    memo = {} if memo is None else memo
    logic = estimated_logic(plan)
    if logic is not None:
        return logic.luts
    if isinstance(plan, PoolPlan):
        product = 2 * plan.data_width
        accumulator = product + math.ceil(math.log2(plan.max_terms + 1))
        classes, _ = plan.classes
        output = sum(accumulator + int(c["YW"]) for c in classes)
        return plan.pool * product + output + _rom_luts(plan.rom_files()) + CONTROL_LUTS
    total = 0
    for lp in plan.layers:
        layer = lp.layer
        own = kind_of(layer).estimated_luts(layer, lp.setting)
        if own is not None:
            total += own
            continue
        terms = layer.kernel_size * layer.in_channels
        product = 2 * layer.input_format.operand_width
        accumulator = product + math.ceil(math.log2(terms + 1))
        key = (id(layer), lp.setting)
        if key not in memo:
            memo[key] = _rom_luts(kind_of(layer).rom_files(layer, lp.setting))
        total += (lp.multipliers * product + lp.cols * (accumulator + layer.output_format.width) + memo[key]
                  + CONTROL_LUTS)
    return total


def reference_candidates(manifest: NetworkManifest, top: str | None = None, fast: bool = False) -> list[Candidate]:
    """candidates as it was: every per-layer plan and every pool, cheapest first."""
    plans: list[Plan] = list(reference_per_layer_plans(manifest, top, fast))
    try:
        check_poolable(manifest)
    except PoolError:
        pass
    else:
        plans += [plan_pool(manifest, size, top) for size in POOL_SIZES]
    memo: dict = {}
    found = [Candidate(plan, reference_estimated_luts(plan, memo)) for plan in plans]
    return sorted(found, key=lambda c: (c.dsp_count, c.estimated_luts, c.cycles_per_sample))
