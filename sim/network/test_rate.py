"""The sample-rate knob (golden/rtlgen/rate.py): the cheapest structure that sustains a rate at a clock.

No simulation and no synthesis: the choice is made from the plan objects' cycles
per sample and DSPs, so these tests hold whatever the stage timing formulas are.
The CLI refusals of scripts/synth_network.py are in synth/tests/test_script_errors.py.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from golden.manifest import load_manifest
from golden.rtlgen.pool import POOL_SIZES, PoolPlan
from golden.rtlgen.rate import Candidate, RateError, candidates, choose_for_rate, per_layer_plans
from golden.rtlgen.top import NetworkPlan, plan_network
from simlib.runner import REPO
from synth.devices import Device

FPGA = REPO / "golden" / "models" / "fpga.yaml"  # the default model of make synth
PART = Device("LFE5UM5G-85F")  # the ECPIX-5's part: 156 MULT18X18D
SCRIPT = REPO / "scripts" / "gen_network.py"


@pytest.fixture(scope="module")
def network():
    return load_manifest(FPGA)


@pytest.fixture(scope="module")
def options(network) -> list[Candidate]:
    return candidates(network)  # about 2 s: every per-layer budget plus the three pools, enumerated once


def meets(candidate: Candidate, rate: float, freq_mhz: float) -> bool:
    return candidate.cycles_per_sample * rate <= freq_mhz * 1e6


def test_candidates_are_every_structure_cheapest_first(network, options: list[Candidate]) -> None:
    """Each per-layer plan once, rebuilt by its recorded budget; every pool size; DSPs first, then LUTs."""
    per_layer = [c.plan for c in options if isinstance(c.plan, NetworkPlan)]
    pools = sorted(c.plan.pool for c in options if isinstance(c.plan, PoolPlan))
    assert pools == list(POOL_SIZES)
    settings = [tuple((lp.lanes, lp.cols) for lp in plan.layers) for plan in per_layer]
    assert len(set(settings)) == len(settings), "a per-layer plan appears twice"
    cycles = sorted(plan.cycles_per_sample for plan in per_layer)
    assert len(set(cycles)) == len(cycles)
    for plan in per_layer:  # the budget reproduces the plan, and one cycle less gives a faster one
        assert plan.budget == plan.cycles_per_sample
        assert [(lp.lanes, lp.cols) for lp in plan_network(network, plan.budget).layers] == \
               [(lp.lanes, lp.cols) for lp in plan.layers]
    # the slowest per-layer plan is the cheapest setting of every layer; the fastest is the generator's limit
    assert all(lp.multipliers == 1 for lp in per_layer_plans(network)[0].layers)
    with pytest.raises(Exception, match="no parallelism meets"):
        plan_network(network, cycles[0] - 1)
    keys = [(c.dsp_count, c.estimated_luts) for c in options]
    assert keys == sorted(keys), "candidates are not ordered by DSPs, then estimated LUTs"


def test_area_rate_picks_the_pool(network, options: list[Candidate]) -> None:
    """192 kHz at 150 MHz (781 cycles): the shared pool of 2, fewer DSPs than any per-layer plan."""
    choice = choose_for_rate(network, 192_000, 150, PART.multipliers, PART.part, options)
    assert isinstance(choice.plan, PoolPlan) and choice.plan.pool == 2, choice.explain()
    assert choice.plan.dsp_count == 2 and choice.plan.cycles_per_sample <= 781
    assert not [c for c in options if c.dsp_count < 2 and meets(c, 192_000, 150)]
    assert min(c.dsp_count for c in options if isinstance(c.plan, NetworkPlan)) > 2
    text = choice.explain()
    assert "needs at most 781 cycles per sample" in text and "picked shared pool P=2: 2 MULT18X18D" in text
    assert f"{choice.plan.cycles_per_sample} cycles per sample" in text and "at 150 MHz" in text


def test_fast_rate_picks_per_layer(network, options: list[Candidate]) -> None:
    """10 M samples/s at 160 MHz (16 cycles) is beyond every pool: the cheapest per-layer plan that meets it."""
    choice = choose_for_rate(network, 10e6, 160, options=options)
    assert isinstance(choice.plan, NetworkPlan), choice.explain()
    assert choice.plan.cycles_per_sample <= 16
    cheaper = [c for c in options if c.dsp_count < choice.plan.dsp_count and meets(c, 10e6, 160)]
    assert not cheaper, cheaper[0].summary(160)
    assert not [c for c in options if isinstance(c.plan, PoolPlan) and meets(c, 10e6, 160)]


def test_fast_rate_on_the_85f(network, options: list[Candidate]) -> None:
    """On the 85F's 156 MULT18X18D: per-layer within the part when some plan fits (the overlapped stages);
    with stages that pay a drain per sample none does, and the error names the fastest that fits."""
    fitting = [c for c in options if c.dsp_count <= PART.multipliers]
    if any(meets(c, 10e6, 160) for c in fitting):
        choice = choose_for_rate(network, 10e6, 160, PART.multipliers, PART.part, options)
        assert isinstance(choice.plan, NetworkPlan) and choice.plan.dsp_count <= PART.multipliers
        assert choice.plan.cycles_per_sample <= 16
    else:
        fastest = min(c.cycles_per_sample for c in fitting)
        with pytest.raises(RateError, match=rf"the fastest that fits is per-layer .* {fastest} cycles per sample"):
            choose_for_rate(network, 10e6, 160, PART.multipliers, PART.part, options)


def test_impossible_rate_names_the_fastest_configuration(network, options: list[Candidate]) -> None:
    fitting = [c for c in options if c.dsp_count <= PART.multipliers]
    fastest = min(fitting, key=lambda c: (c.cycles_per_sample, c.dsp_count))
    with pytest.raises(RateError) as error:
        choose_for_rate(network, 1e9, 100, PART.multipliers, PART.part, options)
    message = str(error.value)
    assert message.startswith("no configuration of fpga meets 1,000.00 M samples/s at 100 MHz (at most 0 cycles per "
                              "sample) on LFE5UM5G-85F (156 MULT18X18D); the fastest that fits is "), message
    assert fastest.summary(100) in message
    assert fastest.dsp_count <= 156 < min(c.dsp_count for c in options if c.cycles_per_sample < fastest.cycles_per_sample)
    # a part too small for anything says so
    with pytest.raises(RateError, match=r"no configuration of fpga fits within 0 MULT18X18D: the fewest MULT18X18D any "
                                        r"needs is 1, 0 are available"):
        choose_for_rate(network, 1, 100, 0, options=options)


@pytest.mark.parametrize("rate,freq,what", [
    (0, 100, "the sample rate"), (-1, 100, "the sample rate"), (math.nan, 100, "the sample rate"),
    (1000, 0, "the clock frequency"), (1000, math.inf, "the clock frequency"),
])
def test_bad_rate_or_frequency(network, options: list[Candidate], rate: float, freq: float, what: str) -> None:
    with pytest.raises(RateError, match=rf"{what} .* must be a positive number"):
        choose_for_rate(network, rate, freq, options=options)


def test_latency_bound_picks_the_cheapest_that_answers_in_time(network, options: list[Candidate]) -> None:
    """The audio path's deadline (synth/board/audio): among the plans that meet the rate, the cheapest whose
    latency is within the bound, which may cost more than the unbounded pick."""
    rate, freq = 192000.0, 147.456
    unbounded = choose_for_rate(network, rate, freq, PART.multipliers, PART.part, options)
    bound = unbounded.plan.latency_cycles - 1
    bounded = choose_for_rate(network, rate, freq, PART.multipliers, PART.part, options, max_latency_cycles=bound)
    assert bounded.plan.latency_cycles <= bound and meets(bounded.chosen, rate, freq)
    answering = [c for c in options if c.plan.latency_cycles <= bound and meets(c, rate, freq)]
    assert bounded.chosen == answering[0], "not the cheapest plan that meets the rate within the latency"
    assert (bounded.chosen.dsp_count, bounded.chosen.estimated_luts) >= (unbounded.chosen.dsp_count,
                                                                          unbounded.chosen.estimated_luts)
    quickest = min(c.plan.latency_cycles for c in options if c.dsp_count <= PART.multipliers)
    with pytest.raises(RateError, match=f"answers within {quickest - 1} cycles.*latency of {quickest} cycles"):
        choose_for_rate(network, rate, freq, PART.multipliers, PART.part, options, max_latency_cycles=quickest - 1)


def test_a_slower_rate_is_never_dearer(network, options: list[Candidate]) -> None:
    """Halving the rate never costs more DSPs; at 1 sample/s the cheapest structure of all is taken."""
    previous = None
    for rate in (4e6, 2e6, 1e6, 5e5, 2.5e5, 1.25e5, 1):
        dsps = choose_for_rate(network, rate, 150, PART.multipliers, options=options).plan.dsp_count
        assert previous is None or dsps <= previous
        previous = dsps
    assert choose_for_rate(network, 1, 150, options=options).chosen == options[0]


def gen(tmp_path: Path, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, SCRIPT, FPGA, "--out", tmp_path / "out", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_cli_rate_picks_and_says_why(tmp_path: Path) -> None:
    result = gen(tmp_path, "--rate", 192000, "--freq", 150)
    assert result.returncode == 0, result.stderr
    assert "picked shared pool P=2: 2 MULT18X18D" in result.stdout and "192.0 k samples/s at 150 MHz" in result.stdout
    info = json.loads((tmp_path / "out" / "wavenet_fpga.json").read_text())
    assert info["structure"] == "shared" and info["pool"] == 2


@pytest.mark.parametrize("args,fragments", [
    (["--rate", 1e6, "--cycles-per-sample", 40], ["--rate", "cannot be combined with --cycles-per-sample"]),
    (["--rate", 1e6, "--pool", 2], ["cannot be combined with --pool"]),
    (["--rate", 1e6, "--parallelism", "qconv_1=4x8"], ["cannot be combined with --parallelism"]),
    (["--rate", 1e9], ["no configuration of fpga meets 1,000.00 M samples/s at 100 MHz", "the fastest that fits is"]),
    (["--rate", 5e6, "--freq", 160, "--device", "LFE5U-25F"], ["on LFE5U-25F (28 MULT18X18D, 56 DP16KD)"]),
    (["--rate", 1e6, "--device", "LFE5U-12F"], ["unknown ECP5 part 'LFE5U-12F'"]),
    (["--rate", 0], ["the sample rate (samples/s) must be a positive number, got 0.0"]),
], ids=["with-budget", "with-pool", "with-parallelism", "impossible", "small-part", "unknown-part", "zero"])
def test_cli_rate_refusals(tmp_path: Path, args: list[object], fragments: list[str]) -> None:
    result = gen(tmp_path, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert not (tmp_path / "out").exists(), "a refused run wrote files"



def test_lut_estimate_uses_the_kinds_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """A layer whose kind estimates its own LUTs (po2) counts that estimate, not the structural one."""
    from golden.kinds.po2 import PO2
    from golden.rtlgen.rate import estimated_luts

    network = load_manifest(REPO / "golden" / "models" / "seed_po2.yaml")
    plan = plan_network(network, 256)
    own = [PO2.estimated_luts(lp.layer, lp.setting) for lp in plan.layers if lp.layer.kind == "po2"]
    assert own, "seed_po2 has po2 layers"
    before = estimated_luts(plan)
    monkeypatch.setattr(type(PO2), "estimated_luts", lambda self, layer, setting: 1_000_000)
    assert estimated_luts(plan) - before == sum(1_000_000 - luts for luts in own)
