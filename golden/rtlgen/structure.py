"""What the generator builds for a cycles-per-sample budget: the per-layer structure or a shared pool.

`plan_structure` is the one home of that choice (scripts/gen_network.py, `make synth`'s budget and the
pareto budget points call it). `auto` takes the fewest MULT18X18D that meet the budget -- the per-layer
plan (golden.rtlgen.top), or the smallest pool (golden.rtlgen.pool) when that needs no more -- unless
that configuration would keep less than MAC_EFFICIENCY_FLOOR of its multiplier cycles busy. Whole
multipliers per layer leave some budgets there (at 160 cycles the default model's layers need
ceil(256/160) + ceil(1024/160) + ceil(256/160) = 11 multipliers, 87% busy); a budget is a ceiling, so
`auto` then builds the cheapest configuration that meets the budget at or above the floor (there: 12
multipliers in 128 cycles, 100%), ranked as the rate knob ranks them (golden.rtlgen.rate: MULT18X18D,
then estimated LUTs), spending at most the multipliers the cheapest leaves idle (rounded up: a network
whose small layers idle at every per-layer plan keeps its cheapest). Networks with layers whose kind does not
compute on multipliers (po2: shifts) have no efficiency figure and keep the cheapest. `RATE=` itself keeps the
plain cheapest: it asks for a rate, not a structure.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Mapping

from golden.manifest import NetworkManifest
from golden.rtlgen.plan import StructurePlan
from golden.rtlgen.pool import POOL_SIZES, PoolError, PoolPlan, plan_pool
from golden.rtlgen.rate import candidates
from golden.rtlgen.top import DEFAULT_CYCLES_PER_SAMPLE, plan_network

STRUCTURES = ("auto", "shared", "per-layer")
# MACs per sample / (multipliers x cycles per sample): the share of multiplier cycles that do work.
MAC_EFFICIENCY_FLOOR = 0.9


def idle_multipliers(plan: StructurePlan) -> float:
    """Multipliers' worth of cycles the plan leaves idle: multipliers - MACs / cycles per sample."""
    return plan.multipliers - plan.manifest.macs_per_sample / plan.cycles_per_sample


def plan_structure(
    manifest: NetworkManifest,
    cycles_per_sample: int = DEFAULT_CYCLES_PER_SAMPLE,
    overrides: Mapping[str, tuple[int, int]] | None = None,
    top: str | None = None,
    structure: str = "auto",
    pool: int | None = None,
) -> StructurePlan:
    """Per-layer or shared, from the cycles-per-sample budget or as asked.

    auto: the per-layer plan for the budget, unless the smallest pool that meets the
    budget needs no more DSPs (large budgets; on a tie the pool, whose one datapath
    costs fewer LUTs, as golden.rtlgen.rate ranks them); below MAC_EFFICIENCY_FLOOR, the
    cheapest configuration within the budget that reaches it, if one does (module
    docstring). A network with a layer the pool cannot compute, or with parallelism
    overrides, stays per-layer. shared: the given pool size (the budget is then not
    enforced, as with overrides), else the smallest that meets the budget. per-layer:
    golden.rtlgen.top.plan_network, the cheapest setting per layer, whatever its efficiency."""
    if structure not in STRUCTURES:
        raise PoolError(f"structure must be one of {', '.join(STRUCTURES)}, got {structure!r}")
    if pool is not None and structure == "auto":
        structure = "shared"
    if structure == "per-layer":
        if pool is not None:
            raise PoolError("a pool size applies to the shared structure only, not to --structure per-layer")
        return plan_network(manifest, cycles_per_sample, overrides, top)
    if structure == "shared":
        if overrides:
            raise PoolError("parallelism overrides apply to the per-layer structure only, not to the shared pool")
        if pool is not None:
            return plan_pool(manifest, pool, top, cycles_per_sample)
        return _smallest_pool(manifest, cycles_per_sample, top, required=True)  # type: ignore[return-value]
    per_layer = plan_network(manifest, cycles_per_sample, overrides, top)
    if overrides:
        return per_layer
    try:
        shared = _smallest_pool(manifest, cycles_per_sample, top, required=False)
    except PoolError:  # not poolable: the per-layer structure is the only one
        shared = None
    cheapest: StructurePlan = per_layer
    if shared is not None and shared.dsp_count <= per_layer.dsp_count:
        cheapest = shared
    efficiency = cheapest.mac_efficiency
    if efficiency is None or efficiency >= MAC_EFFICIENCY_FLOOR:
        return cheapest
    # The floor spends at most the multipliers the cheapest leaves idle (rounded up): a network whose small
    # layers idle at every per-layer plan (mcu: 10 multipliers at 64 cycles, 90% only with 27 at 16) keeps
    # its cheapest configuration.
    dsp_limit = cheapest.dsp_count + math.ceil(idle_multipliers(cheapest))
    for candidate in candidates(manifest, top):  # cheapest first
        if candidate.dsp_count > dsp_limit or candidate.cycles_lower_bound > cycles_per_sample:
            continue  # settled without replaying a pool's schedule
        reached = candidate.plan.mac_efficiency
        if (candidate.cycles_per_sample <= cycles_per_sample and reached is not None
                and reached >= MAC_EFFICIENCY_FLOOR):
            return replace(candidate.plan, budget=cycles_per_sample)
    return cheapest


def _smallest_pool(manifest: NetworkManifest, budget: int, top: str | None, required: bool) -> PoolPlan | None:
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise PoolError(f"cycles per sample must be a positive integer, got {budget!r}")
    plans = [plan_pool(manifest, size, top, budget) for size in POOL_SIZES]
    fitting = [plan for plan in plans if plan.cycles_lower_bound <= budget and plan.cycles_per_sample <= budget]
    if fitting:
        return fitting[0]
    if required:
        fastest = min(plans, key=lambda plan: (plan.cycles_per_sample, plan.pool))
        raise PoolError(
            f"no shared pool of {POOL_SIZES[0]}..{POOL_SIZES[-1]} multipliers meets {budget} cycles per sample for "
            f"{manifest.name}; the fastest (P={fastest.pool}) needs {fastest.cycles_per_sample}"
        )
    return None
