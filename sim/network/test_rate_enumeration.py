"""The rate knob's enumeration (issue 23): the fast one gives exactly what re-planning every layer from all its
settings at every budget gave (golden/tests/plan_reference.py, the code before issue 23).

No timing here (docs/results.md has the benchmark, scripts/bench_generator.py): only that the plans, their
order, the LUT estimates and the choices are the same, and that the shortcuts they rest on hold -- the
kinds' frontier settings, the ROM shapes and the pools' lower bounds.
"""
from __future__ import annotations

import numpy as np
import pytest

from golden.kinds import KINDS
from golden.manifest import load_manifest
from golden.rtlgen import rate
from golden.rtlgen.pool import POOL_SIZES, plan_pool
from golden.rtlgen.rate import RateError, _least, candidates, choose_for_rate, per_layer_plans
from golden.rtlgen.top import LayerPlan, RtlExportError, choose_parallelism, layer_frontier, with_mul_latency
from golden.tests.plan_reference import (
    NoFit, exhaustive_choice, reference_candidates, reference_per_layer_plans,
)
from simlib.runner import REPO
from synth.devices import Device

MODELS = REPO / "golden" / "models"
COMMITTED = sorted(path.stem for path in MODELS.glob("*.yaml"))
SCALE_SMALL = ["scale_w16_l3", "scale_w8_l16", "scale_w32_l4"]  # the family's members that load in a blink
PART = Device("LFE5UM5G-85F")


def model(name: str):
    return load_manifest(MODELS / f"{name}.yaml" if name in COMMITTED else MODELS / "scale" / f"{name}.yaml")


def test_every_committed_model_is_compared() -> None:
    assert {"fpga", "mcu", "fpga_po2", "seed_fpga", "seed_po2"} <= set(COMMITTED)


@pytest.mark.parametrize("name", COMMITTED)
def test_per_layer_plans_are_the_old_enumerations(name: str) -> None:
    """The committed models: the same plans, in the same order, as the exhaustive search at every budget."""
    network = model(name)
    assert per_layer_plans(network) == reference_per_layer_plans(network)


@pytest.mark.parametrize("name", COMMITTED + SCALE_SMALL)
def test_candidates_and_choices_are_the_old_ones(name: str) -> None:
    """Every candidate (plans, LUT estimates, order), and the choice or the refusal at rates that pick a pool,
    a per-layer plan, nothing, and under a latency bound, word for word."""
    network = model(name)
    mine, old = candidates(network), reference_candidates(network, fast=True)
    assert mine == old
    asks = [dict(rate_hz=192_000, freq_mhz=150, dsp_limit=PART.multipliers, part=PART.part),
            dict(rate_hz=48_000, freq_mhz=150),
            dict(rate_hz=10e6, freq_mhz=160),
            dict(rate_hz=10e6, freq_mhz=160, dsp_limit=PART.multipliers, part=PART.part),
            dict(rate_hz=1e9, freq_mhz=100, dsp_limit=PART.multipliers, part=PART.part),
            dict(rate_hz=1, freq_mhz=100, dsp_limit=0)]
    quickest = min(c.plan.latency_cycles for c in old)
    slowest = max(c.plan.latency_cycles for c in old)
    asks += [dict(rate_hz=192_000, freq_mhz=147.456, dsp_limit=PART.multipliers, max_latency_cycles=bound)
             for bound in (quickest - 1, quickest, (quickest + slowest) // 2)]

    def answer(**ask) -> str:
        try:
            return choose_for_rate(network, options=ask.pop("options", None), **ask).explain()
        except RateError as error:
            return f"refused: {error}"
    for ask in asks:
        assert answer(**ask) == answer(**ask, options=old), ask


@pytest.mark.parametrize("name", ["fpga_po2", "seed_po2", "mcu"])
def test_choose_parallelism_is_the_old_one_at_every_budget(name: str) -> None:
    """Each layer, each multiplier latency and implementation override, at every budget: both answers change only
    where a budget reaches some setting's interval, so those intervals and one below the smallest cover all."""
    network = model(name)
    memo: dict = {}
    for index, layer in enumerate(network.layers):
        kind = KINDS[layer.kind]
        intervals = {LayerPlan(index, layer, with_mul_latency(layer, setting, mul_latency)).interval
                     for setting in kind.settings(layer) for mul_latency in (1, 2)}
        budgets = sorted(intervals | {min(intervals) - 1})
        implementations = [None, *dict.fromkeys(setting.implementation for setting in kind.settings(layer))]
        for mul_latency in (1, 2):
            for implementation in implementations:
                frontier = layer_frontier(index, layer, mul_latency, implementation)
                for number, budget in enumerate(budgets):
                    try:
                        old = exhaustive_choice(index, layer, budget, mul_latency, implementation, memo)
                    except NoFit as refusal:
                        assert frontier.at(budget) is None
                        with pytest.raises(RtlExportError) as error:
                            choose_parallelism(index, layer, budget, implementation, mul_latency)
                        assert str(error.value) == str(refusal)  # naming the same fastest setting
                        continue
                    mine = frontier.at(budget) or frontier.fastest  # an override's fastest, when none fits
                    assert mine == old, (layer.name, mul_latency, implementation, budget)
                    if number % 16 == 0:  # the chooser itself is the frontier's answer (it builds one per call)
                        assert choose_parallelism(index, layer, budget, implementation, mul_latency) == old


def test_equal_dsps_and_luts_are_ordered_by_cycles(monkeypatch: pytest.MonkeyPatch) -> None:
    """No committed model has two candidates with equal DSPs and LUT estimates; with every estimate 0 many tie,
    and the candidates still come in (DSPs, LUTs, cycles per sample) order (pools replayed only on such ties)."""
    monkeypatch.setattr(rate, "estimated_luts", lambda plan: 0)
    mine = candidates(model("fpga"))
    keys = [(c.dsp_count, c.estimated_luts, c.cycles_per_sample) for c in mine]
    assert keys == sorted(keys) and len({key[:2] for key in keys}) < len(keys)


def test_least_is_the_minimum() -> None:
    """The bounded search of choose_for_rate's refusals: min() with its first-among-equals, on ties of the bound,
    the key's first figure and the whole key."""
    rng = np.random.default_rng(23)
    for _ in range(300):
        keys = [tuple(int(v) for v in rng.integers(0, 4, 3)) for _ in range(int(rng.integers(1, 8)))]
        bounds = [key[0] - int(rng.integers(0, 3)) for key in keys]
        items = list(range(len(keys)))
        assert _least(items, bounds.__getitem__, keys.__getitem__) == min(items, key=keys.__getitem__)


def kind_variants() -> list:
    found = []
    for kind in KINDS.values():
        found += [(kind, layer, setting) for layer, setting in kind.lint_variants()]
        found += [(kind, layer, setting) for _, layer, setting in kind.cost_variants()]
        found += [(kind, layer, setting) for layer, setting in kind.example_layers(np.random.default_rng(3))]
    return found


def test_frontier_settings_leave_out_only_settings_the_chooser_never_takes() -> None:
    """Every kind: the frontier settings are settings, in their order, and each left-out setting has a kept one
    of its implementation with fewer multipliers and no longer an interval (the contract in LayerKind)."""
    for kind, layer, _ in kind_variants():
        every = list(kind.settings(layer))
        kept = list(kind.frontier_settings(layer))
        positions = [every.index(setting) for setting in kept]
        assert positions == sorted(positions), f"{kind.name} {layer.name}: not in settings' order"
        for mul_latency in (1, 2):
            figures = {}
            for s in every:
                plan = LayerPlan(0, layer, with_mul_latency(layer, s, mul_latency))
                figures[s] = (plan.implementation, plan.multipliers, plan.interval)
            for setting in set(every) - set(kept):
                name, multipliers, interval = figures[setting]
                assert any(figures[s][0] == name and figures[s][1] < multipliers and figures[s][2] <= interval
                           for s in kept), (kind.name, setting)


def test_rom_shapes_are_the_shapes_of_the_rom_files() -> None:
    """The LUT estimate's (words, bits) per ROM: every kind's variants at every frontier setting, and the pool's."""
    for kind, layer, setting in kind_variants():
        for each in {setting, *kind.frontier_settings(layer)}:
            assert kind.rom_shapes(layer, each) == {role: (len(words), bits) for role, (words, bits)
                                                    in kind.rom_files(layer, each).items()}, (kind.name, each)
    for name in ("fpga", "mcu", "scale_w16_l3"):
        for size in POOL_SIZES:
            plan = plan_pool(model(name), size)
            assert plan.rom_shapes() == {role: (len(words), bits) for role, (words, bits) in plan.rom_files().items()}


@pytest.mark.parametrize("name", ["fpga", "mcu", "seed_fpga", "scale_w8_l16"])
def test_pool_lower_bounds(name: str) -> None:
    """The closed-form bounds the rate search tries first never exceed the replayed cycles and latency, and
    equal them when no beat waits."""
    for size in POOL_SIZES:
        plan = plan_pool(model(name), size)
        assert plan.cycles_lower_bound <= plan.cycles_per_sample
        assert plan.latency_lower_bound <= plan.latency_cycles
        if plan.timing.stall_cycles == 0:
            assert plan.latency_lower_bound == plan.latency_cycles
