"""Every arithmetic block synthesises for ECP5 with yosys, with the multiplier count its parameters promise.

The simulations prove the numbers; this proves the same source is accepted by
the synthesis flow (weight files included) and that parallelism settings cost
exactly LANES x COLS hardware multipliers, and po2 layers none in either
implementation.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from golden.kinds.base import Parallelism
from golden.kinds.conv1d import CONV1D, ConvLayer
from golden.kinds.po2 import PO2, Po2Layer, baked_setting, random_layer
from golden.layer_format import OperandFormats, OutputStage
from golden.memfile import bias_rom_words, matrix_rom_words, write_hex
from golden.qformat import QFormat
from synth.out_of_context import REPO, OutOfContextRun

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


def po2_cells(folder: Path, layer, setting: Parallelism) -> dict[str, int]:
    """yosys cell counts of the po2 kind's core for `setting` (either implementation), with its own files."""
    files = {f"{role.upper()}_FILE": str(write_hex(folder / f"{role}.hex", words, bits))
             for role, (words, bits) in PO2.rom_files(layer, setting).items()}
    parameters = {**PO2.rtl_parameters(layer, setting, {role: "" for role in PO2.rom_files(layer, setting)}), **files}
    return OutOfContextRun(PO2.core_module(layer, setting), [*PO2.rtl_dependencies, PO2.rtl_module],
                           parameters).cell_counts()


def po2_layer(span: tuple[int, int], stage: OutputStage = OutputStage("linear", None)) -> Po2Layer:
    """The seeds' 1x1 po2 layer (UQ(16,12) inputs, Q(16,11) bias, full-precision output), 8->4 to stay quick."""
    return random_layer(np.random.default_rng(1), "synth", QFormat(16, 12, False), span, QFormat(16, 11),
                        stage, (1, 8, 4), zeros=0.2)


# Both po2 implementations map to logic only: the lanes core (conv1d with po2_mul shifters) and the baked core
# (po2_baked_conv, an adder tree); the kind promises 0 DSP blocks for each.
@pytest.mark.parametrize("implementation,span", [("lanes", (-15, 0)), ("lanes", (-3, 1)), ("baked", (-15, 0)),
                                                 ("baked", (-3, 1))])
def test_po2_layers_map_to_no_multiplier(tmp_path: Path, implementation: str, span: tuple[int, int]) -> None:
    layer = po2_layer(span)
    setting = baked_setting(layer) if implementation == "baked" else Parallelism(2, 2)
    cells = po2_cells(tmp_path, layer, setting)
    assert PO2.dsp_blocks(layer, setting) == 0
    assert cells.get("MULT18X18D", 0) == 0 and cells.get("ALU54B", 0) == 0, cells
    assert cells.get("TRELLIS_FF", 0) > 0, f"nothing synthesised: {cells}"


def test_the_dsp_check_sees_a_multiplier(tmp_path: Path) -> None:
    """The check above can fail: the lanes core with fixed_mul lanes instead of po2_mul (MUL_PO2=0, the same
    layer's codes read as plain 17-bit weights) maps to MULT18X18D, and this count sees them."""
    layer = po2_layer((-15, 0), OutputStage("relu", QFormat(16, 12, False)))  # YW does not follow KW
    setting = Parallelism(2, 2)
    files = {f"{role.upper()}_FILE": str(write_hex(tmp_path / f"{role}.hex", words, bits))
             for role, (words, bits) in PO2.rom_files(layer, setting).items()}
    parameters = {**PO2.rtl_parameters(layer, setting, {"weights": "", "bias": ""}), **files, "MUL_PO2": 0}
    parameters["KW"] = layer.code_width  # fixed_mul reads the ROM's code-wide words as signed weights
    cells = OutOfContextRun(PO2.rtl_module, [*PO2.rtl_dependencies, PO2.rtl_module], parameters).cell_counts()
    assert cells.get("MULT18X18D", 0) == 4, cells


@pytest.mark.parametrize("latency,operands", [(1, "NONE"), (2, "CLK0")])
def test_fixed_mul_maps_its_registers_into_the_dsp(latency: int, operands: str) -> None:
    """The MULT18X18D's output register is the product register; LATENCY = 2 turns on its operand registers
    too (sim/network_netlist runs both against golden). No fabric flip-flop is left beside it."""
    run = OutOfContextRun("fixed_mul", ["fixed_mul"], {"A_W": 16, "B_W": 16, "LATENCY": latency})
    # under the repository: the yowasp tools see nothing outside it
    netlist = run.write_netlist(REPO / "build" / "synth_tests" / f"fixed_mul_latency{latency}").read_text()
    assert netlist.count("MULT18X18D #(") == 1, netlist
    for name, value in (("REG_INPUTA_CLK", operands), ("REG_INPUTB_CLK", operands), ("REG_OUTPUT_CLK", "CLK0")):
        assert re.search(rf'\.{name}\("{value}"\)', netlist), (name, value)
    assert "TRELLIS_FF" not in netlist
