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

Cycles per sample and DSPs come from the plan objects (the only copies of the
cycle and DSP formulas). Candidates are ordered by MULT18X18D first, then by
`estimated_luts` (a simple structural estimate, below: no kind provides a LUT
cost), then by cycles per sample. The chosen one is the first whose cycles per
sample <= FREQ * 1e6 / RATE among those that fit the part's multipliers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Union

from golden.kinds import kind_of
from golden.manifest import NetworkManifest
from golden.rtlgen.pool import POOL_SIZES, PoolError, PoolPlan, check_poolable, plan_pool
from golden.rtlgen.top import NetworkPlan, RtlExportError, plan_network

Plan = Union[NetworkPlan, PoolPlan]

UNBOUNDED_BUDGET = 1 << 40  # the first per-layer budget: every layer at its cheapest setting
# yosys maps a ROM deeper than this to DP16KD block RAM, a shallower one to LUT4s (16 words x 1 bit each);
# the estimate counts only the LUT ROMs (the pool's and a 1x1 layer's ROMs are deep, wide settings' shallow).
LUT_ROM_MAX_DEPTH = 64
CONTROL_LUTS = 40  # per stage (or for the pool's issue logic): counters, handshake, muxes


class RateError(RtlExportError):
    """No configuration meets the rate, or the rate, frequency or options are invalid; the message says why."""


@dataclass(frozen=True)
class Candidate:
    """One buildable configuration and its cost."""

    plan: Plan
    estimated_luts: int

    @property
    def structure(self) -> str:
        return "shared" if isinstance(self.plan, PoolPlan) else "per-layer"

    @property
    def cycles_per_sample(self) -> int:
        return self.plan.cycles_per_sample

    @property
    def dsp_count(self) -> int:
        return self.plan.dsp_count

    def max_rate(self, freq_mhz: float) -> float:
        """Samples per second at `freq_mhz`."""
        return freq_mhz * 1e6 / self.cycles_per_sample

    def label(self) -> str:
        if isinstance(self.plan, PoolPlan):
            return f"shared pool P={self.plan.pool}"
        settings = ", ".join(f"{lp.lanes}x{lp.cols}" for lp in self.plan.layers)
        return f"per-layer (budget {self.plan.budget}; LANESxCOLS {settings})"

    def summary(self, freq_mhz: float) -> str:
        return (f"{self.label()}: {self.dsp_count} MULT18X18D, ~{self.estimated_luts:,} LUTs (estimate), "
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
    meeting: int  # candidates that meet the rate and fit the part
    considered: int  # every candidate

    @property
    def plan(self) -> Plan:
        return self.chosen.plan

    @property
    def cycle_budget(self) -> float:
        return self.freq_mhz * 1e6 / self.rate_hz

    def explain(self) -> str:
        where = f" on {self.part} ({self.dsp_limit} MULT18X18D)" if self.part else ""
        return (f"rate {format_rate(self.rate_hz)} at {self.freq_mhz:g} MHz needs at most "
                f"{math.floor(self.cycle_budget)} cycles per sample{where}; picked {self.chosen.summary(self.freq_mhz)} "
                f"-- the cheapest (MULT18X18D first, then estimated LUTs) of {self.meeting} of {self.considered} "
                f"configurations that meet it")


def format_rate(rate_hz: float) -> str:
    if rate_hz >= 1e6:
        return f"{rate_hz / 1e6:,.2f} M samples/s"
    if rate_hz >= 1e3:
        return f"{rate_hz / 1e3:,.1f} k samples/s"
    return f"{rate_hz:,.1f} samples/s"


def _rom_luts(roms: dict[str, tuple[list[int], int]]) -> int:
    """LUT4s of the ROMs yosys keeps in logic: width x ceil(depth / 16), shallow ROMs only."""
    return sum(bits * math.ceil(len(words) / 16) for words, bits in roms.values() if len(words) <= LUT_ROM_MAX_DEPTH)


def estimated_luts(plan: Plan) -> int:
    """A structural LUT4 estimate, only to order configurations with equal DSPs.

    Per multiplier lane: an adder-tree input of the product width (2 x the input
    operand width); per accumulator column: the accumulator and its requantiser
    (product width + log2 of the terms, + the output width); shallow ROMs in
    LUT4s; a fixed control cost per stage. It ignores routing and the UART."""
    if isinstance(plan, PoolPlan):
        product = 2 * plan.data_width
        accumulator = product + math.ceil(math.log2(plan.max_terms + 1))
        classes, _ = plan.classes
        output = sum(accumulator + int(c["YW"]) for c in classes)
        return plan.pool * product + output + _rom_luts(plan.rom_files()) + CONTROL_LUTS
    total = 0
    for lp in plan.layers:
        layer = lp.layer
        terms = layer.kernel_size * layer.in_channels
        product = 2 * layer.input_format.operand_width
        accumulator = product + math.ceil(math.log2(terms + 1))
        roms = kind_of(layer).rom_files(layer, lp.setting)
        total += (lp.multipliers * product + lp.cols * (accumulator + layer.output_format.width) + _rom_luts(roms)
                  + CONTROL_LUTS)
    return total


def per_layer_plans(manifest: NetworkManifest, top: str | None = None) -> list[NetworkPlan]:
    """Every distinct per-layer plan, slowest first: budget = the previous plan's cycles per sample - 1."""
    plans: list[NetworkPlan] = []
    budget = UNBOUNDED_BUDGET
    while budget >= 1:
        try:
            plan = plan_network(manifest, budget, top=top)
        except RtlExportError:  # no setting of some layer meets the budget: the fastest plan was the last
            break
        # recorded at the tightest budget that gives it: --cycles-per-sample <that> rebuilds the same plan
        plans.append(replace(plan, budget=plan.cycles_per_sample))
        budget = plan.cycles_per_sample - 1
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
    found = [Candidate(plan, estimated_luts(plan)) for plan in plans]
    return sorted(found, key=lambda c: (c.dsp_count, c.estimated_luts, c.cycles_per_sample))


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
) -> RateChoice:
    """The cheapest candidate whose cycles per sample <= freq_mhz * 1e6 / rate_hz within `dsp_limit` MULT18X18D
    and, if given, whose latency is at most `max_latency_cycles` (the audio path's deadline).

    `options` (from `candidates`) saves enumerating them again. An impossible rate
    raises RateError naming the fastest configuration that fits the part."""
    rate = _positive(rate_hz, "the sample rate (samples/s)")
    freq = _positive(freq_mhz, "the clock frequency (MHz)")
    options = candidates(manifest, top) if options is None else options
    fitting = [c for c in options if dsp_limit is None or c.dsp_count <= dsp_limit]
    if max_latency_cycles is not None:
        prompt = [c for c in fitting if c.plan.latency_cycles <= max_latency_cycles]
        if not prompt and fitting:
            quickest = min(fitting, key=lambda c: (c.plan.latency_cycles, c.dsp_count))
            raise RateError(f"no configuration of {manifest.name} answers within {max_latency_cycles} cycles at "
                            f"{freq:g} MHz; the quickest that fits is {quickest.summary(freq)} with a latency of "
                            f"{quickest.plan.latency_cycles} cycles")
        fitting = prompt
    meeting = [c for c in fitting if c.cycles_per_sample * rate <= freq * 1e6]
    if meeting:
        return RateChoice(chosen=meeting[0], rate_hz=rate, freq_mhz=freq, dsp_limit=dsp_limit, part=part,
                          meeting=len(meeting), considered=len(options))
    where = ""
    if dsp_limit is not None:
        where = f" on {part} ({dsp_limit} MULT18X18D)" if part else f" within {dsp_limit} MULT18X18D"
    if not fitting:
        raise RateError(f"no configuration of {manifest.name} fits{where}: the smallest needs "
                        f"{min(c.dsp_count for c in options)} MULT18X18D")
    fastest = min(fitting, key=lambda c: (c.cycles_per_sample, c.dsp_count, c.estimated_luts))
    raise RateError(
        f"no configuration of {manifest.name} meets {format_rate(rate)} at {freq:g} MHz (at most "
        f"{math.floor(freq * 1e6 / rate)} cycles per sample){where}; the fastest that fits is "
        f"{fastest.summary(freq)}"
    )
