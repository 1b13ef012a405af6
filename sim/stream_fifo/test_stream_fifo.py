"""stream_fifo: the branch-alignment buffer; every word out once, in order, at one word per cycle.

A reference of the header's rules runs beside the DUT and every output is
compared every cycle: out_valid_o exactly while a word is held, in_ready_o
exactly while there is room, full_o and level_o the count, out_data_o the
oldest word (so it holds while the consumer waits). A producer that offers
words at random rates (holding each until taken, as a stage does) meets a
consumer whose ready is random, from always to rarely, so the FIFO fills,
drains and wraps in every order. Independently of the reference, the words
taken must be the words pushed, in order, none dropped or duplicated.
Throughput is a promise of the header and is measured: with a producer that
is always valid and a consumer that is always ready, one word per cycle for
DEPTH >= 2 (one every 2 cycles for DEPTH = 1), the first LATENCY = 1 cycle
after its push.
"""
from __future__ import annotations

import os
from collections import deque

import cocotb
import numpy as np
import pytest
from cocotb.triggers import ReadOnly

from simlib.clocked import ClockedBench
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed

LATENCY = 1


class FifoBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.width = int(os.environ["PARAM_W"])
        self.depth = int(os.environ["PARAM_DEPTH"])
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"stream_fifo-{self.width}-{self.depth}"))
        self.held: deque[int] = deque()  # reference: words accepted, not taken
        self.offer: int | None = None    # the producer's word on in_data_i, held until taken
        self.sent: list[int] = []
        self.received: list[int] = []
        self.full_while_offered = 0      # cycles the producer waited on a full FIFO
        self.idle_inputs()
        dut.in_data_i.value = 0

    def idle_inputs(self) -> None:
        self.dut.in_valid_i.value = 0
        self.dut.out_ready_i.value = 0

    def word(self) -> int:
        return int.from_bytes(self.rng.bytes((self.width + 7) // 8), "little") & ((1 << self.width) - 1)

    def forget(self) -> None:
        """Reset drops the held words and the producer's offer (a handshake in reset is undefined)."""
        self.held.clear()
        self.offer = None

    async def run(self, cycles: int, valid_probability: float, ready_probability: float) -> tuple[int, int]:
        """Random offers and ready for `cycles` cycles, every output checked every cycle; (pushes, takes)."""
        pushes = takes = 0
        for _ in range(cycles):
            cycle = await self.next_drive_slot()
            if self.offer is None and self.rng.random() < valid_probability:
                self.offer = self.word()
            ready = self.rng.random() < ready_probability
            self.dut.in_valid_i.value = int(self.offer is not None)
            if self.offer is not None:
                self.dut.in_data_i.value = self.offer
            self.dut.out_ready_i.value = int(ready)
            await ReadOnly()
            in_ready, out_valid = int(self.dut.in_ready_o.value), int(self.dut.out_valid_o.value)
            full, level = int(self.dut.full_o.value), int(self.dut.level_o.value)
            where = f"cycle {cycle} (W={self.width}, DEPTH={self.depth}) [seed {self.seed}]"
            assert level == len(self.held), f"{where}: level_o {level}, reference holds {len(self.held)}"
            assert out_valid == int(bool(self.held)), f"{where}: out_valid_o {out_valid} with {len(self.held)} held"
            assert in_ready == int(len(self.held) < self.depth), (
                f"{where}: in_ready_o {in_ready} with {len(self.held)} held")
            assert full == int(len(self.held) == self.depth), f"{where}: full_o {full} with {len(self.held)} held"
            if out_valid:
                data = int(self.dut.out_data_o.value)
                assert data == self.held[0], f"{where}: out_data_o {data:#x}, oldest word {self.held[0]:#x}"
            # What the rising edge at the end of this cycle does.
            if out_valid and ready:
                self.received.append(self.held.popleft())
                takes += 1
            if self.offer is not None:
                if in_ready:
                    self.held.append(self.offer)
                    self.sent.append(self.offer)
                    self.offer = None
                    pushes += 1
                elif full:
                    self.full_while_offered += 1
        return pushes, takes

    def check_stream(self, name: str) -> None:
        """The words taken are the words pushed, in order; the rest are still held."""
        assert self.sent[:len(self.received)] == self.received, (
            f"{name}: the words taken are not the words pushed, in order [seed {self.seed}]")
        assert list(self.held) == self.sent[len(self.received):], f"{name}: words unaccounted for [seed {self.seed}]"

    async def drain(self) -> None:
        while self.held:
            await self.run(1, valid_probability=0.0, ready_probability=1.0)


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def run_stream_fifo(dut):
    tb = FifoBench(dut)
    await tb.start()
    # Throughput: always valid, always ready. The first word is offered LATENCY cycles after its push;
    # after that one word per cycle (DEPTH >= 2) or one every 2 cycles (DEPTH = 1).
    cycles = 200
    pushes, takes = await tb.run(cycles, valid_probability=1.0, ready_probability=1.0)
    interval = 1 if tb.depth >= 2 else 2
    expected = (cycles - LATENCY + interval - 1) // interval
    assert takes == expected, f"{takes} words out in {cycles} cycles, the header promises {expected}"
    assert pushes - takes == len(tb.held) <= 1
    await tb.drain()
    # Fill: the consumer stalls, the FIFO fills to DEPTH and refuses (full_o), then drains in order.
    await tb.run(3 * tb.depth + 4, valid_probability=1.0, ready_probability=0.0)
    assert len(tb.held) == tb.depth and tb.full_while_offered > 0, "the FIFO never filled"
    await tb.drain()
    tb.check_stream("fill and drain")
    # Random backpressure on both sides, from a fast producer and slow consumer to the reverse.
    for valid_probability, ready_probability in [(0.5, 0.5), (0.9, 0.3), (0.3, 0.9), (1.0, 0.7), (0.8, 1.0),
                                                 (0.95, 0.95)]:
        await tb.run(1500, valid_probability, ready_probability)
        tb.check_stream(f"valid {valid_probability}, ready {ready_probability}")
    assert len(tb.received) > (4000 if tb.depth >= 2 else 2500), "the stimulus moved too few words"
    # Reset mid-stream empties the FIFO; the stream starts again.
    await tb.run(tb.depth, valid_probability=1.0, ready_probability=0.0)
    await tb.pulse_reset()
    tb.forget()
    tb.sent, tb.received = [], []
    await tb.run(1000, valid_probability=0.6, ready_probability=0.6)
    await tb.drain()
    tb.check_stream("after reset")


# (W, DEPTH): the network's 16 channels x 16 bits at the deepest small depth, the one-register FIFO,
# the smallest ring, a ring whose pointers wrap before a power of two, a 16-deep ring (one DPR16X4 deep).
@pytest.mark.parametrize("width,depth", [(256, 8), (16, 1), (16, 2), (7, 3), (3, 16)])
def test_stream_fifo(width: int, depth: int) -> None:
    BlockRun(
        toplevel="stream_fifo",
        modules=["stream_fifo"],
        test_module="test_stream_fifo",
        parameters={"W": width, "DEPTH": depth},
        env={"PARAM_W": width, "PARAM_DEPTH": depth},
    ).run()
