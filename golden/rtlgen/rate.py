"""The sample-rate knob: the cheapest structure that sustains a sample rate at a clock frequency.

`choose_for_rate` is the one home of the choice (scripts/gen_network.py --rate
and scripts/synth_network.py --rate / `make synth RATE=` both call it). The
candidates are every structure the generator builds for the manifest:

* per-layer (golden.rtlgen.top.plan_network) at every useful budget: starting
  from an unbounded budget, each next budget is one cycle below the previous
  plan's cycles per sample, until no setting meets it -- so every distinct
  per-layer plan appears once, whatever the stage timing formulas are;
* the shared pool (golden.rtlgen.pool.plan_pool) of P = 1..8 multipliers (POOL_SIZES),
  when the network is poolable.

Cycles per sample and DSPs come from the plan objects, through the structure
interface (golden.rtlgen.plan: each structure holds the only copies of its
cycle, DSP and cost formulas). Candidates are ordered by MULT18X18D first, then by
`estimated_luts` (golden.rtlgen.resources.estimated_logic: the kinds' core
estimates and the stages', or the pool's), then by cycles per sample. The chosen one is
the first whose cycles per sample <= FREQ * 1e6 / RATE among those that fit the
part's multipliers and block RAMs (golden.rtlgen.resources).

It answers in a tenth of a second for a network of 150k multiply-accumulates per
sample (docs/results.md, "Generator speed"): each layer's choice at every budget comes
from one pass over its kind's frontier settings (golden.rtlgen.top.layer_frontier),
so a step of the per-layer walk is a look-up per layer; the LUT estimate reads the
ROMs' shapes, not their words; and a pool's schedule is replayed only where its
closed-form lower bound on cycles (or latency) does not settle a test. The
candidates, their order and the choice are those of re-planning every layer from
all its settings at every budget (golden/tests/plan_reference.py, compared in
sim/network/test_rate_enumeration.py and by scripts/bench_generator.py --compare).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby
from typing import Callable

from golden.manifest import NetworkManifest
from golden.rtlgen.plan import StructurePlan
from golden.rtlgen.pool import POOL_SIZES, PoolError, check_poolable, plan_pool
from golden.rtlgen.resources import block_ram_count
from golden.rtlgen.top import NetworkFrontier, NetworkPlan, RtlExportError, check_top_name

Plan = StructurePlan

UNBOUNDED_BUDGET = 1 << 40  # the first per-layer budget: every layer at its cheapest setting


class RateError(RtlExportError):
    """No configuration meets the rate, or the rate, frequency or options are invalid; the message says why."""


@dataclass(frozen=True)
class Candidate:
    """One buildable configuration and its cost."""

    plan: Plan
    estimated_luts: int

    @cached_property
    def block_rams(self) -> int:
        """DP16KD blocks (golden.rtlgen.resources)."""
        return block_ram_count(self.plan)

    def fits(self, dsp_limit: int | None, block_ram_limit: int | None) -> bool:
        return ((dsp_limit is None or self.dsp_count <= dsp_limit)
                and (block_ram_limit is None or self.block_rams <= block_ram_limit))

    @property
    def structure(self) -> str:
        return self.plan.structure

    @property
    def cycles_per_sample(self) -> int:
        return self.plan.cycles_per_sample

    @property
    def dsp_count(self) -> int:
        return self.plan.dsp_count

    @property
    def cycles_lower_bound(self) -> int:
        """cycles_per_sample at least; a pool's without replaying its schedule (PoolPlan.cycles_lower_bound)."""
        return self.plan.cycles_lower_bound

    @property
    def latency_lower_bound(self) -> int:
        """plan.latency_cycles at least; a pool's without replaying its schedule."""
        return self.plan.latency_lower_bound

    def max_rate(self, freq_mhz: float) -> float:
        """Samples per second at `freq_mhz`."""
        return freq_mhz * 1e6 / self.cycles_per_sample

    def label(self) -> str:
        return self.plan.label()

    def summary(self, freq_mhz: float) -> str:
        return (f"{self.label()}: {self.dsp_count} MULT18X18D, {self.block_rams} DP16KD, "
                f"~{self.estimated_luts:,} LUTs (estimate), "
                f"{self.cycles_per_sample} cycles per sample, at most {format_rate(self.max_rate(freq_mhz))} "
                f"at {freq_mhz:g} MHz")


@dataclass(frozen=True)
class RateChoice:
    """The picked candidate and why."""

    chosen: Candidate
    rate_hz: float
    freq_mhz: float
    dsp_limit: int | None
    part: str | None
    block_ram_limit: int | None
    meeting: int  # candidates that meet the rate and fit the part
    considered: int  # every candidate

    @property
    def plan(self) -> Plan:
        return self.chosen.plan

    @property
    def cycle_budget(self) -> float:
        return self.freq_mhz * 1e6 / self.rate_hz

    def explain(self) -> str:
        where = f" on {self.part} ({_limits(self.dsp_limit, self.block_ram_limit)})" if self.part else ""
        return (f"rate {format_rate(self.rate_hz)} at {self.freq_mhz:g} MHz needs at most "
                f"{math.floor(self.cycle_budget)} cycles per sample{where}; picked {self.chosen.summary(self.freq_mhz)} "
                f"-- the cheapest (MULT18X18D first, then estimated LUTs) of {self.meeting} of {self.considered} "
                f"configurations that meet it")


def _limits(dsp_limit: int | None, block_ram_limit: int | None) -> str:
    named = [f"{dsp_limit} MULT18X18D" if dsp_limit is not None else "",
             f"{block_ram_limit} DP16KD" if block_ram_limit is not None else ""]
    return ", ".join(name for name in named if name)


def format_rate(rate_hz: float) -> str:
    if rate_hz >= 1e6:
        return f"{rate_hz / 1e6:,.2f} M samples/s"
    if rate_hz >= 1e3:
        return f"{rate_hz / 1e3:,.1f} k samples/s"
    return f"{rate_hz:,.1f} samples/s"


def estimated_luts(plan: Plan) -> int:
    """The LUT estimate configurations with equal DSPs are ordered by: golden.rtlgen.resources.estimated_logic
    (the kinds' core estimates, the stages around them, the pool's formula; within 20 % of synthesis on the
    measured networks, docs/results.md), or where a layer's kind has none a structural count
    (golden.rtlgen.top.NetworkPlan.estimated_luts). It ignores the board."""
    return plan.estimated_luts()


def per_layer_plans(manifest: NetworkManifest, top: str | None = None) -> list[NetworkPlan]:
    """Every distinct per-layer plan, slowest first: plan_network at budget = the previous plan's cycles per
    sample - 1, from an unbounded budget until some layer cannot meet it.

    Each layer's choice at every budget is worked out once (golden.rtlgen.top.NetworkFrontier), so a step
    costs a look-up per layer, not a search of every layer's settings."""
    top = top or f"wavenet_{manifest.name}"
    try:
        check_top_name(top)
    except RtlExportError:  # as plan_network refuses it: no per-layer plan
        return []
    frontier = NetworkFrontier(manifest)
    plans: list[NetworkPlan] = []
    budget = UNBOUNDED_BUDGET
    while budget >= 1:
        try:
            layers = frontier.layers_at(budget)
        except RtlExportError:  # no setting of some layer meets the budget: the fastest plan was the last
            break
        cycles = max(lp.interval for lp in layers)
        # recorded at the tightest budget that gives it: --cycles-per-sample <that> rebuilds the same plan
        plans.append(NetworkPlan(manifest=manifest, top=top, layers=layers, budget=cycles))
        budget = cycles - 1
    return plans


def candidates(manifest: NetworkManifest, top: str | None = None) -> list[Candidate]:
    """Every configuration the generator builds for the manifest (top module `top`), cheapest first."""
    plans: list[Plan] = list(per_layer_plans(manifest, top))
    try:
        check_poolable(manifest)
    except PoolError:  # e.g. a po2 layer: the per-layer structure only
        pass
    else:
        plans += [plan_pool(manifest, size, top) for size in POOL_SIZES]
    found = sorted((Candidate(plan, estimated_luts(plan)) for plan in plans),
                   key=lambda c: (c.dsp_count, c.estimated_luts))
    # then by cycles per sample among equals: a pool's schedule is replayed only if it ties (choose_for_rate
    # mostly gets by with its lower bound)
    ordered: list[Candidate] = []
    for _, run in groupby(found, key=lambda c: (c.dsp_count, c.estimated_luts)):
        tied = list(run)
        ordered += sorted(tied, key=lambda c: c.cycles_per_sample) if len(tied) > 1 else tied
    return ordered


def _least(items: list[Candidate], bound: Callable[[Candidate], int],
           key: Callable[[Candidate], tuple[int, ...]]) -> Candidate:
    """min(items, key=key), first among equals, where bound(c) <= key(c)[0]: the items are visited by their
    bound and the search stops at one above the best key[0] found, so an item's key is rarely computed."""
    best: Candidate | None = None
    best_key: tuple[int, ...] = ()
    for position, item in sorted(enumerate(items), key=lambda pair: bound(pair[1])):
        if best is not None and bound(item) > best_key[0]:
            break
        item_key = (*key(item), position)
        if best is None or item_key < best_key:
            best, best_key = item, item_key
    if best is None:
        raise ValueError("_least of no items")
    return best


def _positive(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise RateError(f"{what} must be a positive number, got {value!r}")
    return float(value)


def choose_for_rate(
    manifest: NetworkManifest,
    rate_hz: float,
    freq_mhz: float,
    dsp_limit: int | None = None,
    part: str | None = None,
    options: list[Candidate] | None = None,
    top: str | None = None,
    max_latency_cycles: int | None = None,
    block_ram_limit: int | None = None,
) -> RateChoice:
    """The cheapest candidate whose cycles per sample <= freq_mhz * 1e6 / rate_hz within `dsp_limit` MULT18X18D
    and `block_ram_limit` DP16KD (golden.rtlgen.resources) and, if given, whose latency is at most
    `max_latency_cycles` (the audio path's deadline).

    `options` (from `candidates`) saves enumerating them again. An impossible rate
    raises RateError naming the fastest configuration that fits the part."""
    rate = _positive(rate_hz, "the sample rate (samples/s)")
    freq = _positive(freq_mhz, "the clock frequency (MHz)")
    options = candidates(manifest, top) if options is None else options
    fitting = [c for c in options if c.fits(dsp_limit, block_ram_limit)]
    # each test on a candidate's cycles or latency tries its lower bound first (a pool's needs no replay)
    if max_latency_cycles is not None:
        prompt = [c for c in fitting if c.latency_lower_bound <= max_latency_cycles
                  and c.plan.latency_cycles <= max_latency_cycles]
        if not prompt and fitting:
            quickest = _least(fitting, lambda c: c.latency_lower_bound, lambda c: (c.plan.latency_cycles, c.dsp_count))
            raise RateError(f"no configuration of {manifest.name} answers within {max_latency_cycles} cycles at "
                            f"{freq:g} MHz; the quickest that fits is {quickest.summary(freq)} with a latency of "
                            f"{quickest.plan.latency_cycles} cycles")
        fitting = prompt
    meeting = [c for c in fitting
               if c.cycles_lower_bound * rate <= freq * 1e6 and c.cycles_per_sample * rate <= freq * 1e6]
    if meeting:
        return RateChoice(chosen=meeting[0], rate_hz=rate, freq_mhz=freq, dsp_limit=dsp_limit, part=part,
                          meeting=len(meeting), considered=len(options), block_ram_limit=block_ram_limit)
    where = ""
    if dsp_limit is not None or block_ram_limit is not None:
        limits = _limits(dsp_limit, block_ram_limit)
        where = f" on {part} ({limits})" if part else f" within {limits}"
    if not fitting and options:
        fewest_dsps = min(options, key=lambda c: (c.dsp_count, c.block_rams))
        fewest_brams = min(options, key=lambda c: (c.block_rams, c.dsp_count))
        short = []
        if dsp_limit is not None and fewest_dsps.dsp_count > dsp_limit:
            short.append(f"the fewest MULT18X18D any needs is {fewest_dsps.dsp_count}, {dsp_limit} are available")
        if block_ram_limit is not None and fewest_brams.block_rams > block_ram_limit:
            short.append(f"the fewest DP16KD block RAMs any needs is {fewest_brams.block_rams}, {block_ram_limit} "
                         f"are available")
        if not short:  # each resource alone fits some configuration, none fits both
            short.append(f"those within {dsp_limit} MULT18X18D need more than {block_ram_limit} DP16KD block RAMs")
        raise RateError(f"no configuration of {manifest.name} fits{where}: " + "; ".join(short))
    fastest = _least(fitting, lambda c: c.cycles_lower_bound,
                     lambda c: (c.cycles_per_sample, c.dsp_count, c.estimated_luts))
    # configurations fast enough that the part cannot hold: name what they lack
    fast = [c for c in options if c.cycles_lower_bound * rate <= freq * 1e6 and c.cycles_per_sample * rate <= freq * 1e6]
    lacking = ""
    if fast:
        least = min(fast, key=lambda c: (c.dsp_count > (dsp_limit or c.dsp_count), c.dsp_count, c.block_rams))
        lacking = (f"; the {len(fast)} configurations fast enough do not fit (the one with the fewest MULT18X18D "
                   f"needs {least.dsp_count} MULT18X18D and {least.block_rams} DP16KD)")
    raise RateError(
        f"no configuration of {manifest.name} meets {format_rate(rate)} at {freq:g} MHz (at most "
        f"{math.floor(freq * 1e6 / rate)} cycles per sample){where}; the fastest that fits is "
        f"{fastest.summary(freq)}{lacking}"
    )
