"""golden.rtlgen.resources: block RAM counts against yosys's, and the refusal of a network the part cannot hold.

The expected counts are yosys's own (`stat` of synth_ecp5 on the 85F), measured on the networks named."""
from __future__ import annotations

from pathlib import Path

import pytest

from golden.manifest import load_manifest
from golden.rtlgen.rate import RateError, choose_for_rate
from golden.rtlgen.resources import (
    ResourceError, block_ram_count, check_fits, memories, ram_block_rams, rom_block_rams,
)

SCALE = Path(__file__).resolve().parents[1] / "models" / "scale"
PART, DSPS, BLOCK_RAMS = "LFE5UM5G-85F", 156, 208


@pytest.mark.parametrize("depth,width,blocks", [
    (779, 1056, 59),  # scale_w112_l4's 11x6 weight ROMs (latched taps): 1024 x 18 blocks
    (760, 1104, 62),  # its 23x3 weight ROMs (streamed taps)
    (608, 48, 3),  # its first layer's 1x3 ROM
    (448, 16, 1),  # its 1x1 output layer's ROM
    (64, 1024, 0),  # a ROM of 64 words stays in logic
])
def test_rom_blocks_as_yosys_maps_them(depth: int, width: int, blocks: int) -> None:
    assert rom_block_rams(depth, width) == blocks


@pytest.mark.parametrize("depth,width,blocks", [
    (64, 1792, 50),  # scale_w112_l4's dilation-16 cache: 512 x 36 blocks
    (16, 1792, 0),  # its dilation-4 cache: LUT RAM (yosys made TRELLIS_DPR16X4s of it)
])
def test_cache_blocks_as_yosys_maps_them(depth: int, width: int, blocks: int) -> None:
    assert ram_block_rams(depth, width) == blocks


@pytest.mark.parametrize("depth,width,blocks", [
    (512, 368, 11),  # scale_w112_l4's dilation-16 tap ring: 64 slots x 8 groups of 23 codes, 512 x 36 blocks
    (128, 368, 11),  # its dilation-4 ring: 16 slots x 8 groups, block RAM (LUT RAM would cost yosys more)
])
def test_tap_ring_blocks_as_yosys_maps_them(depth: int, width: int, blocks: int) -> None:
    assert ram_block_rams(depth, width) == blocks


def test_whole_network_as_yosys_counted_it() -> None:
    network = load_manifest(SCALE / "scale_w112_l4.yaml")
    plan = choose_for_rate(network, 192_000, 150, DSPS, PART, block_ram_limit=BLOCK_RAMS).plan
    assert plan.dsp_count == 142
    assert block_ram_count(plan) == 150  # yosys: 150 DP16KD (with latched taps, 136 MULT18X18D: 172 and 172)
    rings = [m for m in memories(plan) if m.role == "tap ring"]
    assert [(m.owner, m.depth, m.width) for m in rings] == [("conv_1", 128, 368), ("conv_2", 512, 368)]


def test_check_fits_names_the_resource_and_counts() -> None:
    network = load_manifest(SCALE / "scale_w112_l4.yaml")
    plan = choose_for_rate(network, 192_000, 150, DSPS, PART).plan
    check_fits(plan, DSPS, BLOCK_RAMS, PART)
    with pytest.raises(ResourceError, match=r"scale_w112_l4 does not fit on LFE5UM5G-45F: it needs 142 MULT18X18D, "
                                            r"72 are available"):
        check_fits(plan, 72, 108, "LFE5UM5G-45F")
    with pytest.raises(ResourceError, match=r"it needs 150 DP16KD block RAMs, 108 are available \(the largest memory: "
                                            r"conv_1 weights, 760 x 1104 bits, 62 DP16KD\)"):
        check_fits(plan, DSPS, 108, "LFE5UM5G-45F")


def test_check_fits_counts_the_flip_flops() -> None:
    """The 100k-MAC network's estimate (25,741 TRELLIS_FF measured) fits the 85F's 83,640 and not the 25F's."""
    network = load_manifest(SCALE / "scale_w112_l4.yaml")
    plan = choose_for_rate(network, 192_000, 150, DSPS, PART).plan
    check_fits(plan, DSPS, BLOCK_RAMS, PART, 83_640)
    with pytest.raises(ResourceError, match=r"scale_w112_l4 does not fit on LFE5UM5G-25F: it needs about \d+ "
                                            r"flip-flops \(the generator's estimate\), 24288 TRELLIS_FF are available"):
        check_fits(plan, DSPS, BLOCK_RAMS, "LFE5UM5G-25F", 24_288)


def test_rate_search_keeps_to_the_block_rams() -> None:
    """scale_w64_l8 meets 192 kHz on 135 MULT18X18D and 182 DP16KD. On a part with 150 DP16KD no plan that fast
    fits; with 170 the search trades DSPs for block RAM (wider lanes, shorter weight ROMs)."""
    network = load_manifest(SCALE / "scale_w64_l8.yaml")
    unbounded = choose_for_rate(network, 192_000, 150, DSPS, PART)
    assert (unbounded.plan.dsp_count, block_ram_count(unbounded.plan)) == (135, 182)
    with pytest.raises(RateError) as refusal:
        choose_for_rate(network, 192_000, 150, DSPS, PART, block_ram_limit=150)
    message = str(refusal.value)
    assert "(156 MULT18X18D, 150 DP16KD)" in message, message
    assert "configurations fast enough do not fit" in message and "182 DP16KD" in message, message
    traded = choose_for_rate(network, 192_000, 150, DSPS, PART, block_ram_limit=170)
    assert block_ram_count(traded.plan) <= 170 and traded.plan.dsp_count > 135
    slower = choose_for_rate(network, 150_000, 150, DSPS, PART, block_ram_limit=150)
    assert block_ram_count(slower.plan) <= 150
    with pytest.raises(RateError, match=r"the fewest DP16KD block RAMs any needs is \d+, 10 are available"):
        choose_for_rate(network, 1_000, 150, DSPS, PART, block_ram_limit=10)
