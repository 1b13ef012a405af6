"""Every arithmetic block synthesises for ECP5 with yosys, with the multiplier count its parameters promise.

The simulations prove the numbers; this proves the same source is accepted by
the synthesis flow (weight files included) and that parallelism settings cost
exactly LANES x COLS hardware multipliers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from golden.memfile import bias_rom_words, conv_matrix, matrix_rom_words, write_hex
from golden.qformat import QFormat
from synth.out_of_context import OutOfContextRun

FMT = QFormat(16, 12)


def weight_files(folder: Path, taps: int, in_d: int, out_d: int, lanes: int, cols: int) -> dict[str, str]:
    rng = np.random.default_rng(1)
    kernel = rng.integers(FMT.min_code, FMT.max_code + 1, (taps, in_d, out_d))
    bias = rng.integers(FMT.min_code, FMT.max_code + 1, out_d)
    weights = write_hex(folder / "weights.hex", matrix_rom_words(conv_matrix(kernel, FMT), FMT, lanes, cols),
                        cols * lanes * FMT.width)
    biases = write_hex(folder / "bias.hex", bias_rom_words(bias, FMT, cols), cols * FMT.width)
    return {"WEIGHTS_FILE": str(weights), "BIAS_FILE": str(biases)}


def test_dot_product_uses_one_dsp_per_lane() -> None:
    cells = OutOfContextRun("dot_product", ["fixed_mul", "dot_product"], {"W": 16, "N": 16, "LANES": 4}).cell_counts()
    assert cells.get("MULT18X18D", 0) == 4, cells


@pytest.mark.parametrize("lanes,cols", [(2, 8), (1, 4)])
def test_conv1d_synthesises_with_lanes_times_cols_dsps(tmp_path: Path, lanes: int, cols: int) -> None:
    files = weight_files(tmp_path, 4, 16, 16, lanes, cols)
    cells = OutOfContextRun(
        "conv1d",
        ["fixed_mul", "dot_product", "row_by_matrix_multiply", "requantise", "conv1d"],
        {"W": 16, "F": 12, "K": 4, "IN_D": 16, "OUT_D": 16, "LANES": lanes, "COLS": cols, **files},
    ).cell_counts()
    assert cells.get("MULT18X18D", 0) == lanes * cols, cells


def test_row_by_matrix_multiply_synthesises(tmp_path: Path) -> None:
    files = weight_files(tmp_path, 1, 16, 16, 4, 4)
    cells = OutOfContextRun(
        "row_by_matrix_multiply",
        ["fixed_mul", "dot_product", "row_by_matrix_multiply"],
        {"W": 16, "IN_D": 16, "OUT_D": 16, "LANES": 4, "COLS": 4, "WEIGHTS_FILE": files["WEIGHTS_FILE"]},
    ).cell_counts()
    assert cells.get("MULT18X18D", 0) == 16, cells


def test_left_shift_buffer_synthesises() -> None:
    cells = OutOfContextRun("left_shift_buffer", ["left_shift_buffer"], {"W": 16, "CHANNELS": 4, "LENGTH": 4}).cell_counts()
    assert cells.get("TRELLIS_FF", 0) >= 4 * 4 * 16, cells
