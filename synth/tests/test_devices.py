"""Device names map to nextpnr-ecp5 flags; anything unknown is refused with the valid choices."""
from __future__ import annotations

import pytest

from synth.devices import Device, DeviceError


@pytest.mark.parametrize("part,flag", [
    ("LFE5UM5G-85F", "--um5g-85k"), ("LFE5U-25F", "--25k"), ("LFE5U-45F", "--45k"),
    ("LFE5UM-85F", "--um-85k"), ("lfe5um5g-25f", "--um5g-25k"),
])
def test_known_parts(part: str, flag: str) -> None:
    assert Device(part, "CABGA381", 6).nextpnr_args == [flag, "--package", "CABGA381", "--speed", "6"]


def test_default_is_the_ecpix5_board() -> None:
    assert Device().nextpnr_args == ["--um5g-85k", "--package", "CABGA554", "--speed", "8"]


@pytest.mark.parametrize("part,package,speed,named", [
    ("LFE5U-12F", "CABGA256", 6, "part 'LFE5U-12F'"),
    ("ICE40HX8K", "CABGA256", 6, "part 'ICE40HX8K'"),
    ("LFE5U-25F", "BGA999", 6, "package 'BGA999'"),
    ("LFE5U-25F", "CABGA256", 9, "speed grade 9"),
])
def test_unknown_choices_are_refused(part: str, package: str, speed: int, named: str) -> None:
    with pytest.raises(DeviceError, match="known") as error:
        Device(part, package, speed)
    assert named in str(error.value)
