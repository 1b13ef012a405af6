"""ECP5 parts nextpnr-ecp5 can target, by their Lattice names."""
from __future__ import annotations

from dataclasses import dataclass

# Lattice part prefix -> nextpnr-ecp5 device flag stem
_FAMILIES = {"LFE5U": "", "LFE5UM": "um-", "LFE5UM5G": "um5g-"}
_SIZES = {"25F": "25k", "45F": "45k", "85F": "85k"}
# MULT18X18D blocks per die (Lattice ECP5 family data sheet; nextpnr's utilisation report agrees)
_MULTIPLIERS = {"25F": 28, "45F": 72, "85F": 156}
# DP16KD (18 kbit) block RAMs per die (the same data sheet; nextpnr's utilisation report agrees)
_BLOCK_RAMS = {"25F": 56, "45F": 108, "85F": 208}
# TRELLIS_FF flip-flops per die (4 per slice; nextpnr's utilisation report: 83640 on the 85F)
_FLIP_FLOPS = {"25F": 24288, "45F": 43848, "85F": 83640}
PACKAGES = ("CABGA256", "CABGA381", "CABGA554", "CABGA756", "CSFBGA285", "TQFP144")
SPEEDS = (6, 7, 8)


class DeviceError(ValueError):
    """An unknown part, package or speed grade; the message lists the valid ones."""


@dataclass(frozen=True)
class Device:
    part: str = "LFE5UM5G-85F"  # the ECPIX-5 board's part
    package: str = "CABGA554"
    speed: int = 8

    def __post_init__(self) -> None:
        family, _, size = self.part.upper().partition("-")
        if family not in _FAMILIES or size not in _SIZES:
            known = ", ".join(f"{f}-{s}" for f in _FAMILIES for s in _SIZES)
            raise DeviceError(f"unknown ECP5 part {self.part!r}; known parts: {known}")
        if self.package.upper() not in PACKAGES:
            raise DeviceError(f"unknown ECP5 package {self.package!r}; known packages: {', '.join(PACKAGES)}")
        if self.speed not in SPEEDS:
            raise DeviceError(f"unknown ECP5 speed grade {self.speed!r}; known grades: {SPEEDS}")

    @property
    def multipliers(self) -> int:
        """MULT18X18D blocks on the die: the DSP limit of a network on this part."""
        return _MULTIPLIERS[self.part.upper().partition("-")[2]]

    @property
    def block_rams(self) -> int:
        """DP16KD blocks on the die: the block RAM limit of a network on this part."""
        return _BLOCK_RAMS[self.part.upper().partition("-")[2]]

    @property
    def flip_flops(self) -> int:
        """TRELLIS_FF on the die: the flip-flop limit of a network on this part."""
        return _FLIP_FLOPS[self.part.upper().partition("-")[2]]

    @property
    def nextpnr_args(self) -> list[str]:
        family, _, size = self.part.upper().partition("-")
        return [f"--{_FAMILIES[family]}{_SIZES[size]}", "--package", self.package.upper(), "--speed", str(self.speed)]
