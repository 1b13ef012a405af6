"""The activation cache must land in block RAM on ECP5 when it is large.

A regression here means a coding-style change turned the ring buffer into
flip-flops and multiplexers: the design would still simulate, but a real
network's caches would no longer fit or route.
"""
from __future__ import annotations

from synth.out_of_context import OutOfContextRun


def test_large_activation_cache_maps_to_dp16kd() -> None:
    channels, width = 16, 16
    cells = OutOfContextRun(
        top="activation_cache",
        modules=["activation_cache"],
        parameters={"W": width, "CHANNELS": channels, "K": 4, "DILATION": 64},
    ).cell_counts()
    assert cells.get("DP16KD", 0) >= 1, f"ring buffer did not map to block RAM: {cells}"
    # Only the taps register (K words) and a little control may remain in flip-flops.
    taps_register = 4 * channels * width
    assert cells.get("TRELLIS_FF", 0) <= taps_register + 64, f"ring buffer spilled into flip-flops: {cells}"
    assert cells.get("TRELLIS_DPR16X4", 0) == 0, f"ring buffer mapped to distributed RAM: {cells}"
