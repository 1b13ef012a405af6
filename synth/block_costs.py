"""What each block and parallelism setting costs on ECP5: the per-block cost table.

Each configuration is implemented out of context (yosys + nextpnr, fixed
seed) so an engineer sees LUTs, FFs, DSPs, block RAMs and Fmax per setting
before building a network. Layers are the seeds' FPGA model's layers.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from golden.atomic import write_text_atomic
from golden.memfile import bias_rom_words, conv_matrix, matrix_rom_words, write_hex
from golden.qformat import QFormat
from synth.devices import Device
from synth.out_of_context import OutOfContextRun

CONV_MODULES = ["fixed_mul", "dot_product", "row_by_matrix_multiply", "requantise", "conv1d"]
MATRIX_MODULES = ["fixed_mul", "dot_product", "row_by_matrix_multiply"]


@dataclass(frozen=True)
class BlockConfig:
    name: str
    top: str
    modules: tuple[str, ...]
    parameters: dict[str, int] = field(default_factory=dict)
    cycles: int = 0  # latency in cycles from the block's header formula

    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.parameters.items())


def _conv(name: str, in_d: int, out_d: int, lanes: int, cols: int, taps: int = 4) -> BlockConfig:
    beats, passes = math.ceil(taps * in_d / lanes), math.ceil(out_d / cols)
    return BlockConfig(name, "conv1d", tuple(CONV_MODULES),
                       {"W": 16, "F": 12, "K": taps, "IN_D": in_d, "OUT_D": out_d, "LANES": lanes, "COLS": cols},
                       passes * beats + math.ceil(math.log2(lanes)) + 5)


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
    configs += [
        _conv("conv1d 4->16 (layer 0)", 4, 16, 4, 16),
        _conv("conv1d 16->16 (layer 1)", 16, 16, 1, 16),
        _conv("conv1d 16->16 (layer 1)", 16, 16, 2, 8),
        _conv("conv1d 16->16 (layer 1)", 16, 16, 4, 16),
        _conv("conv1d 16->4 (layer 2)", 16, 4, 4, 4),
    ]
    configs += [
        BlockConfig(f"activation_cache 16ch K=4 D={dilation}", "activation_cache", ("activation_cache",),
                    {"W": 16, "CHANNELS": 16, "K": 4, "DILATION": dilation}, 4 + 2)
        for dilation in (1, 4, 16, 64)
    ]
    return configs


def weight_parameters(config: BlockConfig, folder: Path, seed: int = 1) -> dict[str, str]:
    """Random weight files of the right layout for a matrix or conv block (costs do not depend on values)."""
    p = config.parameters
    if config.top not in ("conv1d", "row_by_matrix_multiply"):
        return {}
    fmt = QFormat(p["W"], p.get("F", 12))
    rng = np.random.default_rng(seed)
    taps = p.get("K", 1)
    kernel = rng.integers(fmt.min_code, fmt.max_code + 1, (taps, p["IN_D"], p["OUT_D"]))
    files = {"WEIGHTS_FILE": str(write_hex(folder / "weights.hex", matrix_rom_words(
        conv_matrix(kernel, fmt), fmt, p["LANES"], p["COLS"]), p["COLS"] * p["LANES"] * fmt.width))}
    if config.top == "conv1d":
        bias = rng.integers(fmt.min_code, fmt.max_code + 1, p["OUT_D"])
        files["BIAS_FILE"] = str(write_hex(folder / "bias.hex", bias_rom_words(bias, fmt, p["COLS"]),
                                           p["COLS"] * fmt.width))
    return files


def measure(config: BlockConfig, device: Device, target_mhz: float, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    run = OutOfContextRun(config.top, list(config.modules), {**config.parameters, **weight_parameters(config, folder)})
    cells = run.cell_counts(folder / "yosys")
    placed = run.implement(device, target_mhz, work=folder / "pnr")
    used = {cell: v["used"] for cell, v in placed.utilisation.items()}
    return {
        "name": config.name,
        "block": config.top,
        "parameters": config.parameters,
        "cycles": config.cycles,
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
    header = ("| block | parameters | cycles | LUT4 | CCU2C | TRELLIS_COMB | FF | MULT18X18D | DP16KD | RAMW | Fmax MHz |\n"
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    lines = [f"# Per-block cost on {device.part} {device.package} speed {device.speed} "
             f"(out of context, nextpnr seed 1, target {target_mhz:g} MHz)\n\n", header]
    for row in rows:
        params = " ".join(f"{k}={v}" for k, v in row["parameters"].items())
        lines.append(f"| {row['name']} | {params} | {row['cycles']} | {row['lut4']} | {row['carry_ccu2c']} | "
                     f"{row['trellis_comb']} | {row['ff']} | {row['dsp_mult18']} | {row['bram_dp16kd']} | "
                     f"{row['lutram_ramw']} | {row['fmax_mhz']} |\n")
    write_text_atomic(out / "blocks.json", json.dumps(payload, indent=2) + "\n")
    write_text_atomic(out / "blocks.md", "".join(lines))
