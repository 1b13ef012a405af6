#!/usr/bin/env python3
"""Lint every RTL module as its own top with `verilator --lint-only -Wall`.

Each module is linted with its default parameters plus the variants below
(edge cases that change generate structure). File parameters (*_FILE) get a
placeholder path: lint elaborates but never reads them. Exits non-zero on any
warning; there is no waiver file.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from synth.toolchain import ToolchainError, run_tool, verilator_environment

REPO = Path(__file__).resolve().parents[1]

PACKAGE = "fixed_pkg.sv"

# Extra parameter sets per module: structure-changing corners of the generate code. A layer kind's core
# is linted with its kind's own variants (golden.kinds: lint_variants), added in kind_variants().
VARIANTS: dict[str, list[dict[str, int | str]]] = {
    "fixed_mul": [{"A_W": 17, "A_SIGNED": 0, "B_W": 20}, {"A_W": 24, "B_W": 24}, {"LATENCY": 2}],
    "dot_product": [{"LANES": 1}, {"N": 16, "LANES": 16}, {"W": 8, "N": 13, "LANES": 3}, {"LANES": 1, "MUL_LATENCY": 2},
                    {"A_W": 15, "A_SIGNED": 0, "B_W": 12, "N": 5, "LANES": 2},
                    {"A_W": 9, "A_SIGNED": 0, "B_W": 5, "N": 5, "LANES": 3, "ACC_W": 20, "MUL_PO2": 1, "PO2_SPAN": 7}],
    "po2_mul": [{"A_W": 9, "A_SIGNED": 0, "EXP_SPAN": 0}, {"A_W": 24, "EXP_SPAN": 23}, {"A_W": 2, "EXP_SPAN": 4}],
    "row_by_matrix_multiply": [{"LANES": 1, "COLS": 1}, {"IN_D": 5, "OUT_D": 3, "LANES": 5, "COLS": 3},
                               {"LANES": 16, "COLS": 16}, {"MUL_LATENCY": 2}, {"WEIGHT_REG": 1},
                               {"MUL_LATENCY": 2, "WEIGHT_REG": 1}, {"X_STREAM": 1}, {"X_STREAM": 1, "IN_D": 7, "LANES": 3}],
    "activation_cache": [{"K": 1}, {"K": 2, "DILATION": 5, "CHANNELS": 3, "W": 8}, {"DILATION": 64}],
    "bias_align": [{"SUM_W": 1, "BIAS_W": 8, "ACC_W": 20, "SUBTRACT": 1}, {"PROD_SHIFT": 3, "BIAS_SHIFT": 0}],
    "tap_ring": [{"K": 1, "DILATION": 1}, {"LANES": 16}, {"LANES": 3, "CHANNELS": 7, "K": 3, "DILATION": 5, "W": 9},
                 {"LANES": 1, "CHANNELS": 1, "K": 2, "DILATION": 1}],
    "left_shift_buffer": [{"LENGTH": 1}, {"CHANNELS": 1, "LENGTH": 8, "W": 8}],
    "requantise": [{"W": 2, "SHIFT": 1, "ACC_W": 4}, {"ROUNDING": 0, "RELU": 1}, {"SHIFT": -3, "SIGNED": 0},
                   {"SHIFT": 0, "W": 20}],
    "float32_round": [{"ACC_W": 20}, {"ACC_W": 62}],
    "network_stage": [{"K": 1, "DILATION": 3}, {"DILATION": 4},
                      {"XW": 12, "YW": 9, "K": 3, "DILATION": 2, "IN_D": 3, "OUT_D": 5},
                      {"STREAM": 1, "LANES": 4}, {"STREAM": 1, "LANES": 3, "K": 1, "IN_D": 5}],
    "sample_strobe_guard": [{"WIDTH": 1, "COUNT_W": 1}],
    # DEPTH 1 is a register, not a ring; 3 a ring whose pointers wrap before a power of two
    "stream_fifo": [{"DEPTH": 1}, {"DEPTH": 3, "W": 1}, {"DEPTH": 8}, {"DEPTH": 16, "W": 7}],
    "stream_fork": [{"N": 1}, {"N": 5, "W": 1}],
    "stream_join": [{"N": 1, "WIDTHS": "32'd9", "TOTAL_W": 9},
                    {"N": 3, "WIDTHS": "96'h000000010000001000000007", "TOTAL_W": 24}],
    "pool_history": [{"PORTS": 1, "DEPTH": 1, "W": 1}, {"PORTS": 3, "DEPTH": 1060, "W": 17}],
    # two classes: a float32 ReLU into 16 unsigned bits and a full-precision 39-bit sum (the seeds' layers)
    "pool_output_stage": [{"NC": 2, "RAW_W": 40, "Y_W": 39, "C_ACC_W": "64'h0000002700000027",
                           "C_YW": "64'h0000002700000010", "C_Y_SIGNED": "64'h0000000100000000",
                           "C_FULL_PRECISION": "64'h0000000100000000", "C_RELU": "64'h0000000000000001",
                           "C_FLOAT32_INPUT": "64'h0000000000000001", "C_Y_SHIFT": "64'h000000000000000B"}],
    # the generated tops (sim/network/test_gen_network.py) lint every real configuration; these are the corners
    "pool_network": [{"P": 3}, {"P": 6}, {"P": 2, "IN_CH": 3, "XW": 9, "X_SIGNED": 0, "DW": 10, "L_IN": 3, "L_RLEN": 3,
                                "OUT_CH": 2, "NB": 2, "NOUT": 2, "DEPTH": 3}],
}


def kind_variants() -> dict[str, list[dict[str, int | str]]]:
    """Every registered kind's core with the layers and settings its kind names (one copy of its parameters)."""
    from golden.kinds import KINDS

    variants: dict[str, list[dict[str, int | str]]] = {}
    for kind in KINDS.values():
        for layer, setting in kind.lint_variants():
            files = {role: "PLACEHOLDER" for role in kind.rom_files(layer, setting)}
            parameters = kind.rtl_parameters(layer, setting, files)
            variants.setdefault(kind.core_module(layer, setting), []).append(
                {name: value for name, value in parameters.items() if not name.endswith("_FILE")})
    return variants


def file_parameters(source: Path) -> list[str]:
    return re.findall(r"parameter\s+(?:\w+\s+)?(\w+_FILE)\b", source.read_text())


def lint(module: Path, sources: list[Path], overrides: dict[str, int], env: dict[str, str]) -> bool:
    placeholder = REPO / "build" / "lint" / "placeholder.hex"
    args = [f"-G{name}=\"{placeholder}\"" for name in file_parameters(module)]
    args += [f"-G{name}={value}" for name, value in overrides.items()]
    # ASSERTIONS: the assertion code (a superset of what synthesis reads) is linted too.
    command = ["verilator", "--lint-only", "-Wall", "--quiet-stats", "-DASSERTIONS", "--top-module", module.stem, *args,
               *map(str, sources)]
    result = run_tool(command, what=f"verilator lint of {module.stem}", env=env, check=False)  # judged below
    label = module.stem + (" " + " ".join(f"{k}={v}" for k, v in overrides.items()) if overrides else "")
    if result.returncode != 0 or result.stderr.strip():
        print(f"lint FAILED: {label}\n{result.stderr}", file=sys.stderr)
        return False
    print(f"lint ok: {label}")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtl", type=Path, default=REPO / "rtl")
    args = parser.parse_args()
    package = args.rtl / PACKAGE
    modules = sorted(p for p in args.rtl.glob("*.sv") if p.name != PACKAGE)
    sources = [package, *modules]
    variants = {**VARIANTS, **kind_variants()}
    ok = True
    try:
        env = verilator_environment(os.environ)
        for module in modules:
            for overrides in [{}, *variants.get(module.stem, [])]:
                ok &= lint(module, sources, overrides, env)
    except ToolchainError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
