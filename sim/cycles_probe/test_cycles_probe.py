"""The cycles probe (sim/simlib/cycles_probe.py) against the plan's cycles per sample.

The probe is what `make synth` and `make pareto` report as measured cycles per
sample for a network the regression did not stream. Budget 52 of the default
model is the hard case: layer 0 runs every 48 cycles and the two others every
52, so the pipeline fills its slack a few cycles per sample and accepts at
48-52 cycles for dozens of samples before it settles at 52 (a fixed window of
the last 20 of 40 samples measured nothing). A pool of one multiplier is the
long-interval case.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from golden.manifest import load_manifest
from golden.rtlgen.structure import plan_structure
from golden.rtlgen.top import export_network
from simlib.cycles_probe import measure_cycles_per_sample
from simlib.runner import BUILD, REPO


@pytest.mark.parametrize("budget", [52, 1536])
def test_probe_measures_the_planned_interval(budget: int) -> None:
    plan = plan_structure(load_manifest(REPO / "golden" / "models" / "fpga.yaml"), budget)
    work = BUILD / "cycles_probe" / f"fpga-{budget}"
    description = export_network(plan, work / "rtl").description
    assert measure_cycles_per_sample(description, work) == plan.cycles_per_sample
