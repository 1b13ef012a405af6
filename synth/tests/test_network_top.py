"""A generated network top (scripts/gen_network.py) synthesises for ECP5 with the DSPs its JSON promises.

The seeds' FPGA shape with random weights: every multiplier of the plan is one
MULT18X18D, and the largest cache (dilation 16, 49 vectors of 256 bits) lands
in block RAM (yosys puts the 13-vector one in LUT RAM, also fine).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from golden.rtlgen.top import export_network, plan_network
from golden.tests.network_cases import SHAPES, random_manifest
from synth.out_of_context import REPO, OutOfContextRun


def test_fpga_shaped_network_maps_multipliers_and_caches() -> None:
    shape = next(s for s in SHAPES if s.name == "fpga")
    manifest = random_manifest(shape, np.random.default_rng(3), weight_bits=13)
    folder = REPO / "build" / "synth" / "network_top"  # inside the repository: the yowasp sandbox sees it
    info = export_network(plan_network(manifest), folder).description
    cells = OutOfContextRun(
        top=info["top"], modules=[], parameters=dict(info["parameters"]),
        sources=[Path(source) for source in info["sources"]],
    ).cell_counts()
    assert cells.get("MULT18X18D", 0) == info["dsp_count"], (info["dsp_count"], cells)
    assert cells.get("DP16KD", 0) >= 1, f"no block RAM for the dilation-16 cache: {cells}"
