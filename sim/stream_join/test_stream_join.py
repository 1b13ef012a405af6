"""stream_join: N streams of their own widths into one stream of their concatenation.

A reference of the header's rules runs beside the DUT and every output is
compared every cycle: out_valid_o exactly when every input is valid,
in_ready_o[j] = out_ready_i and every input valid (all inputs taken
together), out_data_o the concatenation (input 0 in the least significant
bits, input j at the sum of the widths below it). Every producer offers words
at its own random rate and holds each until taken, so inputs arrive early
and wait; the consumer's ready is random. Independently of the reference,
the output words must be the inputs' words zipped in order, none dropped or
duplicated. Throughput is measured: one word per cycle with every input
valid and the consumer ready.
"""
from __future__ import annotations

import json
import os

import cocotb
import numpy as np
import pytest
from cocotb.triggers import ReadOnly

from simlib.clocked import ClockedBench
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed


def widths_parameter(widths: list[int]) -> str:
    """The WIDTHS table parameter: one 32-bit field per input, input j at [j*32 +: 32]."""
    value = sum(w << (32 * j) for j, w in enumerate(widths))
    return f"{32 * len(widths)}'h{value:0{8 * len(widths)}x}"


class JoinBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.widths: list[int] = json.loads(os.environ["PARAM_WIDTHS"])
        self.n = len(self.widths)
        self.offsets = [sum(self.widths[:j]) for j in range(self.n)]
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"stream_join-{'-'.join(map(str, self.widths))}"))
        self.offers: list[int | None] = [None] * self.n  # each producer's word, held until taken
        self.sent: list[list[int]] = [[] for _ in range(self.n)]
        self.received: list[int] = []
        self.waited = 0  # cycles some input waited, valid, for another
        self.idle_inputs()
        dut.in_data_i.value = 0

    def idle_inputs(self) -> None:
        self.dut.in_valid_i.value = 0
        self.dut.out_ready_i.value = 0

    def word(self, j: int) -> int:
        width = self.widths[j]
        return int.from_bytes(self.rng.bytes((width + 7) // 8), "little") & ((1 << width) - 1)

    def concatenation(self, words: list[int]) -> int:
        return sum(word << offset for word, offset in zip(words, self.offsets))

    async def run(self, cycles: int, valid_probabilities: list[float], ready_probability: float) -> int:
        """Random offers per input and random ready for `cycles` cycles, checked every cycle; words out."""
        taken = 0
        for _ in range(cycles):
            cycle = await self.next_drive_slot()
            for j, p in enumerate(valid_probabilities):
                if self.offers[j] is None and self.rng.random() < p:
                    self.offers[j] = self.word(j)
            ready = self.rng.random() < ready_probability
            self.dut.in_valid_i.value = sum(int(o is not None) << j for j, o in enumerate(self.offers))
            self.dut.in_data_i.value = self.concatenation([0 if o is None else o for o in self.offers])
            self.dut.out_ready_i.value = int(ready)
            await ReadOnly()
            where = f"cycle {cycle} (WIDTHS={self.widths}) [seed {self.seed}]"
            all_valid = all(o is not None for o in self.offers)
            out_valid, in_ready = int(self.dut.out_valid_o.value), int(self.dut.in_ready_o.value)
            assert out_valid == int(all_valid), f"{where}: out_valid_o {out_valid}, every input valid: {all_valid}"
            expected_ready = ((1 << self.n) - 1) if (ready and all_valid) else 0
            assert in_ready == expected_ready, f"{where}: in_ready_o {in_ready:#x}, expected {expected_ready:#x}"
            if out_valid:
                data, words = int(self.dut.out_data_o.value), list(self.offers)
                expected = self.concatenation(words)
                assert data == expected, f"{where}: out_data_o {data:#x}, the inputs' concatenation {expected:#x}"
            elif any(o is not None for o in self.offers):
                self.waited += 1
            # What the rising edge at the end of this cycle does.
            if out_valid and ready:
                self.received.append(data)
                for j in range(self.n):
                    self.sent[j].append(self.offers[j])
                self.offers = [None] * self.n
                taken += 1
        return taken

    def check_stream(self, name: str) -> None:
        """The output words are the inputs' words zipped in order, none dropped or duplicated."""
        expected = [self.concatenation(list(words)) for words in zip(*self.sent)]
        assert self.received == expected, f"{name}: the output is not the inputs zipped in order [seed {self.seed}]"


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def run_stream_join(dut):
    tb = JoinBench(dut)
    await tb.start()
    # Throughput: every input always valid, the consumer always ready: one word per cycle, latency 0.
    taken = await tb.run(200, [1.0] * tb.n, 1.0)
    assert taken == 200, f"{taken} words in 200 cycles with every input valid, the header promises 200"
    tb.check_stream("full rate")
    # Random rates per input (one early, one late) and random backpressure.
    for ready_probability in [1.0, 0.5, 0.2, 0.9, 0.7]:
        rates = [float(p) for p in tb.rng.uniform(0.2, 1.0, tb.n)]
        await tb.run(1500, rates, ready_probability)
        tb.check_stream(f"rates {[round(r, 2) for r in rates]}, ready {ready_probability}")
    if tb.n > 1:
        assert tb.waited > 500, f"inputs waited for each other in only {tb.waited} cycles"
    # Reset mid-stream; the stream starts again.
    await tb.run(20, [0.5] * tb.n, 0.5)
    await tb.pulse_reset()
    tb.offers = [None] * tb.n
    tb.sent, tb.received = [[] for _ in range(tb.n)], []
    await tb.run(1000, [0.7] * tb.n, 0.7)
    tb.check_stream("after reset")


# WIDTHS: one 9-bit input (a wire), the residual add's two 16 x 16-bit tensors, three inputs of
# different widths (a 1-bit one between them).
@pytest.mark.parametrize("widths", [[9], [256, 256], [16, 1, 7]], ids=lambda w: "w" + "_".join(map(str, w)))
def test_stream_join(widths: list[int]) -> None:
    BlockRun(
        toplevel="stream_join",
        modules=["stream_join"],
        test_module="test_stream_join",
        parameters={"N": len(widths), "WIDTHS": widths_parameter(widths), "TOTAL_W": sum(widths)},
        env={"PARAM_WIDTHS": json.dumps(widths)},
    ).run()
