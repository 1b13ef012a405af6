"""conv1d: one K-tap convolution output, checked bit-exact against golden.fast.conv1d_step.

Directed corners reach saturation at both ends (all-min / all-max inputs through
all-min / all-max kernel columns and extreme biases) and exact rounding ties
(through a kernel column that is a single weight of code 1), in both rounding
modes, with and without ReLU. Latency is checked against the header formula.
"""
from __future__ import annotations

import math
import os

import cocotb
import numpy as np
import pytest

from golden import fast
from golden.memfile import bias_rom_words, conv_matrix, matrix_rom_words, pack_vector, unpack_vector, write_hex
from golden.qformat import QFormat, Rounding
from simlib.check import assert_codes_equal, assert_cycles
from simlib.runner import BlockRun, sv_string
from simlib.seed import base_seed, derived_seed
from simlib.stimulus import corner_bias, corner_matrix, corner_rows, random_rows, tie_rows
from simlib.transaction import StartDoneBench


class Conv1dBench(StartDoneBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.fmt = QFormat(int(os.environ["PARAM_W"]), int(os.environ["PARAM_F"]))
        self.lanes = int(os.environ["PARAM_LANES"])
        self.cols = int(os.environ["PARAM_COLS"])
        self.rounding = os.environ["PARAM_ROUNDING"]
        self.relu = os.environ["PARAM_RELU"] == "1"
        layer = np.load(os.environ["LAYER_NPZ"])
        self.kernel, self.bias = layer["kernel"], layer["bias"]
        self.taps, self.in_d, self.out_d = self.kernel.shape
        beats = math.ceil(self.taps * self.in_d / self.lanes)
        passes = math.ceil(self.out_d / self.cols)
        self.latency = passes * beats + math.ceil(math.log2(self.lanes)) + 5
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"conv1d-stimulus-{os.environ['SIM_TAG']}"))
        dut.start_i.value = 0
        dut.taps_i.value = 0
        dut._log.info("conv1d %s K=%d %d->%d LANES=%d COLS=%d %s relu=%d SIM_SEED=%d", self.fmt, self.taps,
                      self.in_d, self.out_d, self.lanes, self.cols, self.rounding, self.relu, self.seed)

    def scramble_inputs(self) -> None:
        garbage = random_rows(self.rng, self.fmt, 1, self.taps * self.in_d)[0]
        self.dut.taps_i.value = pack_vector(garbage, self.fmt.width)

    def idle_inputs(self) -> None:
        self.dut.start_i.value = 0

    async def reset_mid_transaction(self, delay: int) -> None:
        """Start, reset `delay` cycles later: no done_o may follow, and ready_o returns with the reset."""
        while True:
            await self.next_drive_slot()
            if self.dut.ready_o.value == 1:
                break
        self.dut.taps_i.value = pack_vector(random_rows(self.rng, self.fmt, 1, self.taps * self.in_d)[0], self.fmt.width)
        self.dut.start_i.value = 1
        await self.next_drive_slot()
        self.dut.start_i.value = 0
        for _ in range(delay - 1):
            await self.next_drive_slot()
        await self.pulse_reset()
        for _ in range(self.latency + 4):
            cycle = await self.next_sample()
            assert self.dut.done_o.value == 0, f"done_o in cycle {cycle} for a transaction cancelled by reset"
            assert self.dut.ready_o.value == 1, f"ready_o low in cycle {cycle} after a reset"

    async def check(self, name: str, flat_taps: np.ndarray) -> None:
        taps = flat_taps.reshape(-1, self.taps, self.in_d)
        expected = fast.conv1d_step(taps, self.kernel, self.bias, self.fmt, self.rounding, self.relu)
        actual = []
        for index, window in enumerate(taps):
            start, done = await self.transaction(
                lambda: setattr(self.dut.taps_i, "value", pack_vector(window.ravel(), self.fmt.width)),
                max_cycles=4 * self.latency)
            assert_cycles(self.latency, done - start, what=f"conv1d {name} #{index} done")
            actual.append(unpack_vector(int(self.dut.y_o.value), self.fmt.width, self.out_d))
        assert_codes_equal(expected, np.array(actual), what=f"conv1d {name}", seed=self.seed, width=self.fmt.width)


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a hung DUT fails instead of stalling CI
async def run_conv1d(dut):
    tb = Conv1dBench(dut)
    await tb.start()
    length = tb.taps * tb.in_d
    await tb.check("corners", corner_rows(tb.fmt, length))
    await tb.check("rounding ties", tie_rows(tb.rng, tb.fmt, length))
    await tb.check("random", random_rows(tb.rng, tb.fmt, 40, length))
    for delay in (1, tb.latency // 2, tb.latency - 1):
        await tb.reset_mid_transaction(delay)
        await tb.check(f"after a reset {delay} cycles into a transaction", random_rows(tb.rng, tb.fmt, 3, length))


# (W, F, K, IN_D, OUT_D, LANES, COLS, ROUNDING, RELU): the seeds' layers at three
# parallelism settings, uneven splits, Q(8,6), both rounding modes, ReLU on and off.
PARAMETER_SETS = [
    (16, 12, 4, 4, 16, 4, 16, "rne", 1),
    (16, 12, 4, 16, 16, 1, 16, "trunc", 1),
    (16, 12, 4, 16, 4, 16, 2, "rne", 0),
    (20, 19, 2, 3, 5, 2, 2, "rne", 1),
    (10, 1, 3, 2, 3, 3, 1, "trunc", 1),
    (16, 12, 4, 16, 16, 64, 4, "trunc", 0),
    (8, 6, 3, 5, 7, 4, 3, "rne", 1),
    (8, 6, 1, 8, 5, 8, 5, "trunc", 0),
    (12, 4, 2, 3, 6, 2, 1, "rne", 0),
]


@pytest.mark.parametrize("width,frac,taps,in_d,out_d,lanes,cols,rounding,relu", PARAMETER_SETS)
def test_conv1d(width: int, frac: int, taps: int, in_d: int, out_d: int, lanes: int, cols: int, rounding: str,
                relu: int) -> None:
    fmt = QFormat(width, frac)
    run = BlockRun(
        toplevel="conv1d",
        modules=["fixed_mul", "dot_product", "row_by_matrix_multiply", "requantise", "conv1d"],
        test_module="test_conv1d",
        parameters={"W": width, "F": frac, "K": taps, "IN_D": in_d, "OUT_D": out_d, "LANES": lanes, "COLS": cols,
                    "ROUNDING": Rounding(rounding).rtl_code, "RELU": relu},
    )
    rng = np.random.default_rng(derived_seed(f"conv1d-layer-{run.tag}"))
    kernel = corner_matrix(rng, fmt, taps * in_d, out_d).reshape(taps, in_d, out_d)
    bias = corner_bias(rng, fmt, out_d)
    run.build_dir.mkdir(parents=True, exist_ok=True)
    layer_npz = run.build_dir / "layer.npz"
    np.savez(layer_npz, kernel=kernel, bias=bias)
    weights = write_hex(run.build_dir / "weights.hex", matrix_rom_words(conv_matrix(kernel, fmt), fmt, lanes, cols),
                        cols * lanes * width)
    biases = write_hex(run.build_dir / "bias.hex", bias_rom_words(bias, fmt, cols), cols * width)
    run.parameters["WEIGHTS_FILE"] = sv_string(str(weights))
    run.parameters["BIAS_FILE"] = sv_string(str(biases))
    run.env = {"PARAM_W": width, "PARAM_F": frac, "PARAM_LANES": lanes, "PARAM_COLS": cols,
               "PARAM_ROUNDING": rounding, "PARAM_RELU": relu, "LAYER_NPZ": layer_npz}
    run.run()
