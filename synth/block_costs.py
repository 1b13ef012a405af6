"""What each block and parallelism setting costs on ECP5: the per-block cost table.

Each configuration is implemented out of context (yosys + nextpnr, fixed
seed) so an engineer sees LUTs, FFs, DSPs, block RAMs and Fmax per setting
before building a network. Every registered layer kind contributes its own
rows (golden.kinds: cost_variants), with its own parameters and weight files.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from golden.atomic import write_text_atomic
from golden.kinds import KINDS
from golden.memfile import matrix_rom_words, write_hex
from golden.qformat import QFormat
from synth.devices import Device
from synth.out_of_context import OutOfContextRun

MATRIX_MODULES = ["fixed_mul", "dot_product", "row_by_matrix_multiply"]


@dataclass(frozen=True)
class BlockConfig:
    name: str
    top: str
    modules: tuple[str, ...]
    parameters: dict[str, int] = field(default_factory=dict)
    cycles: int = 0  # latency in cycles from the block's header formula
    roms: dict[str, tuple[list[int], int]] = field(default_factory=dict)  # a kind core's weight files (role -> words)
    estimated_luts: int | None = None  # the kind's estimate (golden.kinds: estimated_luts), beside the measured one

    def label(self) -> str:
        return parameters_text(self.parameters)


def parameters_text(parameters: dict[str, int | str]) -> str:
    """NAME=value ...; a long literal (weights baked into a parameter) as its size only."""
    def value_text(value: int | str) -> str:
        text = str(value)
        size = text.split("'")[0]
        return f"<{size} bits>" if isinstance(value, str) and len(text) > 24 and "'" in text else text
    return " ".join(f"{k}={value_text(v)}" for k, v in parameters.items())


def kind_configs() -> list[BlockConfig]:
    """Every registered kind's cost rows: its core with the kind's own parameters, files and latency."""
    configs = []
    for kind in KINDS.values():
        for label, layer, setting in kind.cost_variants():
            roms = kind.rom_files(layer, setting)
            parameters = {name: value for name, value in kind.rtl_parameters(layer, setting, dict.fromkeys(roms, "")).items()
                          if not name.endswith("_FILE")}
            module = kind.core_module(layer, setting)
            configs.append(BlockConfig(label, module, tuple(dict.fromkeys((*kind.rtl_dependencies, kind.rtl_module))),
                                       parameters, kind.core_latency(layer, setting), roms,
                                       kind.estimated_luts(layer, setting)))
    return configs


def default_configs() -> list[BlockConfig]:
    configs = [
        BlockConfig(f"dot_product N=16 LANES={lanes}", "dot_product", ("fixed_mul", "dot_product"),
                    {"W": 16, "N": 16, "LANES": lanes}, math.ceil(16 / lanes) - 1 + math.ceil(math.log2(lanes)) + 2)
        for lanes in (1, 4, 16)
    ]
    configs += [
        BlockConfig(f"row_by_matrix 16x16 LANES={lanes} COLS={cols}", "row_by_matrix_multiply", tuple(MATRIX_MODULES),
                    {"W": 16, "IN_D": 16, "OUT_D": 16, "LANES": lanes, "COLS": cols},
                    math.ceil(16 / cols) * math.ceil(16 / lanes) + math.ceil(math.log2(lanes)) + 3)
        for lanes, cols in ((1, 4), (4, 4), (4, 16))
    ]
    configs += kind_configs()
    configs += [
        BlockConfig(f"activation_cache 16ch K=4 D={dilation}", "activation_cache", ("activation_cache",),
                    {"W": 16, "CHANNELS": 16, "K": 4, "DILATION": dilation}, 4 + 2)
        for dilation in (1, 4, 16, 64)
    ]
    return configs


def weight_parameters(config: BlockConfig, folder: Path, seed: int = 1) -> dict[str, str]:
    """Random weight files of the right layout for a matrix or conv block (costs do not depend on values)."""
    if config.roms:  # a kind's core: the files its kind writes
        return {f"{role.upper()}_FILE": str(write_hex(folder / f"{role}.hex", words, bits))
                for role, (words, bits) in config.roms.items()}
    p = config.parameters
    if config.top != "row_by_matrix_multiply":
        return {}
    fmt = QFormat(p["W"], 12)
    rng = np.random.default_rng(seed)
    matrix = rng.integers(fmt.min_code, fmt.max_code + 1, (p["IN_D"], p["OUT_D"]))
    return {"WEIGHTS_FILE": str(write_hex(folder / "weights.hex", matrix_rom_words(
        matrix, fmt, p["LANES"], p["COLS"]), p["COLS"] * p["LANES"] * fmt.width))}


def measure(config: BlockConfig, device: Device, target_mhz: float, folder: Path, seed: int = 1) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    run = OutOfContextRun(config.top, list(config.modules), {**config.parameters, **weight_parameters(config, folder)})
    cells = run.cell_counts(folder / "yosys")
    placed = run.implement(device, target_mhz, seed=seed, work=folder / "pnr")
    used = {cell: v["used"] for cell, v in placed.utilisation.items()}
    return {
        "name": config.name,
        "block": config.top,
        "parameters": config.parameters,
        "cycles": config.cycles,
        "estimated_luts": config.estimated_luts,
        "lut4": cells.get("LUT4", 0),
        "carry_ccu2c": cells.get("CCU2C", 0),
        "trellis_comb": used.get("TRELLIS_COMB", 0),
        "ff": used.get("TRELLIS_FF", 0),
        "dsp_mult18": used.get("MULT18X18D", 0),
        "bram_dp16kd": used.get("DP16KD", 0),
        "lutram_ramw": used.get("TRELLIS_RAMW", 0),
        "fmax_mhz": round(placed.fmax_mhz, 1),
    }


def write_reports(rows: list[dict], device: Device, target_mhz: float, out: Path) -> None:
    """blocks.json and blocks.md, each written whole or not at all."""
    payload = {"device": asdict(device), "target_mhz": target_mhz, "blocks": rows}
    header = ("| block | parameters | cycles | LUT4 | CCU2C | TRELLIS_COMB | est. | FF | MULT18X18D | DP16KD | RAMW | "
              "Fmax MHz |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    lines = [f"# Per-block cost on {device.part} {device.package} speed {device.speed} "
             f"(out of context, nextpnr seed 1, target {target_mhz:g} MHz)\n\n", header]
    for row in rows:
        params = parameters_text(row["parameters"])
        estimate = "" if row.get("estimated_luts") is None else row["estimated_luts"]
        lines.append(f"| {row['name']} | {params} | {row['cycles']} | {row['lut4']} | {row['carry_ccu2c']} | "
                     f"{row['trellis_comb']} | {estimate} | {row['ff']} | {row['dsp_mult18']} | {row['bram_dp16kd']} | "
                     f"{row['lutram_ramw']} | {row['fmax_mhz']} |\n")
    write_text_atomic(out / "blocks.json", json.dumps(payload, indent=2) + "\n")
    write_text_atomic(out / "blocks.md", "".join(lines))
