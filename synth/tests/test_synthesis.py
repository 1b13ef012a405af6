"""Every arithmetic block synthesises for ECP5 with yosys, with the multiplier count its parameters promise.

The simulations prove the numbers; this proves the same source is accepted by
the synthesis flow (weight files included) and that parallelism settings cost
exactly LANES x COLS hardware multipliers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from golden.kinds.base import Parallelism
from golden.kinds.conv1d import CONV1D, ConvLayer
from golden.layer_format import OperandFormats, OutputStage
from golden.memfile import bias_rom_words, matrix_rom_words, write_hex
from golden.qformat import QFormat
from synth.out_of_context import OutOfContextRun

FMT = QFormat(16, 12)


def weight_files(folder: Path, taps: int, in_d: int, out_d: int, lanes: int, cols: int) -> dict[str, str]:
    rng = np.random.default_rng(1)
    kernel = rng.integers(FMT.min_code, FMT.max_code + 1, (taps, in_d, out_d))
    bias = rng.integers(FMT.min_code, FMT.max_code + 1, out_d)
    weights = write_hex(folder / "weights.hex", matrix_rom_words(kernel.reshape(-1, out_d), FMT, lanes, cols),
                        cols * lanes * FMT.width)
    biases = write_hex(folder / "bias.hex", bias_rom_words(bias, FMT, cols), cols * FMT.width)
    return {"WEIGHTS_FILE": str(weights), "BIAS_FILE": str(biases)}


def test_dot_product_uses_one_dsp_per_lane() -> None:
    cells = OutOfContextRun("dot_product", ["fixed_mul", "dot_product"], {"W": 16, "N": 16, "LANES": 4}).cell_counts()
    assert cells.get("MULT18X18D", 0) == 4, cells


# (input, kernel) formats and the MULT18X18D count per multiplier the kind promises: 18-bit signed operands are
# one block (an unsigned 16-bit input is a 17-bit signed operand); wider ones are split by yosys into several.
@pytest.mark.parametrize("lanes,cols,x,w,per_multiplier", [
    (2, 8, QFormat(16, 12), QFormat(16, 12), 1),
    (1, 4, QFormat(16, 12), QFormat(16, 12), 1),
    (1, 4, QFormat(16, 12, False), QFormat(16, 11), 1),
    (1, 2, QFormat(24, 20), QFormat(20, 18), 4),
])
def test_conv1d_synthesises_with_the_dsps_its_kind_promises(tmp_path: Path, lanes: int, cols: int, x: QFormat,
                                                            w: QFormat, per_multiplier: int) -> None:
    rng = np.random.default_rng(1)
    in_d, out_d = 16, 16
    kernel = rng.integers(w.min_code, w.max_code + 1, (4, in_d, out_d))
    layer = ConvLayer("synth", kernel, rng.integers(-100, 100, out_d), OperandFormats(x, w, w),
                      OutputStage("relu", QFormat(16, 12, False))).validate("synth")
    setting = Parallelism(lanes, cols)
    files = {role: str(write_hex(tmp_path / f"{role}.hex", words, bits))
             for role, (words, bits) in CONV1D.rom_files(layer, setting).items()}
    cells = OutOfContextRun(
        "conv1d", [*CONV1D.rtl_dependencies, CONV1D.rtl_module], CONV1D.rtl_parameters(layer, setting, files),
    ).cell_counts()
    assert CONV1D.dsp_blocks(layer, setting) == lanes * cols * per_multiplier
    assert cells.get("MULT18X18D", 0) == CONV1D.dsp_blocks(layer, setting), cells


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
