"""stream_fork: one stream to N consumers; each consumer gets each word exactly once, in order.

A reference of the header's rules runs beside the DUT and every output is
compared every cycle: out_valid_o[i] exactly while the producer offers a word
consumer i has not taken (latency 0), out_data_o the producer's word, and
in_ready_o exactly when every consumer has the word or takes it in this
cycle. The producer offers words at random rates and holds each until taken;
every consumer has its own ready probability (one always ready, one rarely,
the others in between, redrawn per phase), so consumers take one word in
different cycles and a stalled consumer holds up the producer. Independently
of the reference, each consumer's words must be the producer's, in order,
none dropped or duplicated. Throughput is measured: one word per cycle with
every consumer ready.
"""
from __future__ import annotations

import os

import cocotb
import numpy as np
import pytest
from cocotb.triggers import ReadOnly

from simlib.clocked import ClockedBench
from simlib.runner import BlockRun
from simlib.seed import base_seed, derived_seed


class ForkBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.n = int(os.environ["PARAM_N"])
        self.width = int(os.environ["PARAM_W"])
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"stream_fork-{self.n}-{self.width}"))
        self.offer: int | None = None          # the producer's word, held until taken
        self.taken = [False] * self.n           # reference: consumer i has the current word
        self.sent: list[int] = []
        self.received: list[list[int]] = [[] for _ in range(self.n)]
        self.staggered = 0                      # words whose consumers took them in different cycles
        self.idle_inputs()
        dut.in_data_i.value = 0

    def idle_inputs(self) -> None:
        self.dut.in_valid_i.value = 0
        self.dut.out_ready_i.value = 0

    def word(self) -> int:
        return int.from_bytes(self.rng.bytes((self.width + 7) // 8), "little") & ((1 << self.width) - 1)

    async def run(self, cycles: int, valid_probability: float, ready_probabilities: list[float]) -> int:
        """Random offers and per-consumer ready for `cycles` cycles, checked every cycle; words sent."""
        sent = 0
        for _ in range(cycles):
            cycle = await self.next_drive_slot()
            if self.offer is None and self.rng.random() < valid_probability:
                self.offer = self.word()
            ready = [self.rng.random() < p for p in ready_probabilities]
            self.dut.in_valid_i.value = int(self.offer is not None)
            if self.offer is not None:
                self.dut.in_data_i.value = self.offer
            self.dut.out_ready_i.value = sum(int(r) << i for i, r in enumerate(ready))
            await ReadOnly()
            where = f"cycle {cycle} (N={self.n}, W={self.width}) [seed {self.seed}]"
            in_ready, out_valid = int(self.dut.in_ready_o.value), int(self.dut.out_valid_o.value)
            for i in range(self.n):
                owed = self.offer is not None and not self.taken[i]
                assert (out_valid >> i) & 1 == int(owed), (
                    f"{where}: out_valid_o[{i}] {(out_valid >> i) & 1}, consumer {i} "
                    f"{'is owed' if owed else 'is not owed'} the current word")
            served = all(t or r for t, r in zip(self.taken, ready))
            assert in_ready == int(served), f"{where}: in_ready_o {in_ready}, every consumer served: {served}"
            if out_valid:
                data = int(self.dut.out_data_o.value)
                assert data == self.offer, f"{where}: out_data_o {data:#x}, the producer offers {self.offer:#x}"
            # What the rising edge at the end of this cycle does.
            takes = [bool((out_valid >> i) & 1) and ready[i] for i in range(self.n)]
            for i in range(self.n):
                if takes[i]:
                    self.received[i].append(self.offer)
            if self.offer is not None and in_ready:
                if any(self.taken) and any(takes):
                    self.staggered += 1
                self.sent.append(self.offer)
                self.offer = None
                self.taken = [False] * self.n
                sent += 1
            else:
                self.taken = [t or k for t, k in zip(self.taken, takes)]
        return sent

    def check_streams(self, name: str) -> None:
        """Each consumer's words are the producer's, in order; a consumer is at most the current word ahead."""
        for i, words in enumerate(self.received):
            ahead = int(self.taken[i])
            assert len(words) == len(self.sent) + ahead, (
                f"{name}: consumer {i} took {len(words)} words, the producer sent {len(self.sent)} "
                f"(+{ahead} current) [seed {self.seed}]")
            assert words[:len(self.sent)] == self.sent, (
                f"{name}: consumer {i}'s words are not the producer's, in order [seed {self.seed}]")

    def ready_mix(self) -> list[float]:
        """One consumer always ready, one rarely, the others anywhere between."""
        mix = [float(p) for p in self.rng.uniform(0.2, 0.9, self.n)]
        mix[0] = 1.0
        if self.n > 1:
            mix[1] = 0.1
        self.rng.shuffle(mix)
        return mix


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def run_stream_fork(dut):
    tb = ForkBench(dut)
    await tb.start()
    # Throughput: always valid, every consumer always ready: one word per cycle, latency 0.
    sent = await tb.run(200, valid_probability=1.0, ready_probabilities=[1.0] * tb.n)
    assert sent == 200, f"{sent} words in 200 cycles with every consumer ready, the header promises 200"
    tb.check_streams("full rate")
    # Random backpressure: consumers take at different cycles, stalled ones hold up the producer.
    for valid_probability in [0.5, 1.0, 0.8, 0.3, 1.0]:
        await tb.run(1500, valid_probability, tb.ready_mix())
        tb.check_streams(f"valid {valid_probability}")
    # One consumer stalls for long: the others take the word once, the producer waits, nothing is lost.
    if tb.n > 1:
        await tb.run(50, 1.0, [0.0] + [1.0] * (tb.n - 1))
        assert tb.offer is not None and all(tb.taken[1:]) and not tb.taken[0], "the stall did not hold the word"
        await tb.run(50, 1.0, [1.0] * tb.n)
        tb.check_streams("one consumer stalled")
        assert tb.staggered > 500, f"only {tb.staggered} words taken in different cycles"
    # Reset mid-word forgets the flags; the stream starts again.
    await tb.run(20, 1.0, tb.ready_mix())
    await tb.pulse_reset()
    tb.offer, tb.taken = None, [False] * tb.n
    tb.sent, tb.received = [], [[] for _ in range(tb.n)]
    await tb.run(1000, 0.7, tb.ready_mix())
    tb.check_streams("after reset")


# (N, W): a wire (one consumer), the 16 x 16-bit tensor read by two layers, five narrow consumers.
@pytest.mark.parametrize("n,width", [(1, 16), (2, 256), (5, 7)])
def test_stream_fork(n: int, width: int) -> None:
    BlockRun(
        toplevel="stream_fork",
        modules=["stream_fork"],
        test_module="test_stream_fork",
        parameters={"N": n, "W": width},
        env={"PARAM_N": n, "PARAM_W": width},
    ).run()
