"""8N1 UART receiver and transmitter (amaranth), one bit every `clocks_per_bit` cycles.

Receiver: the line is synchronised by two flip-flops; a falling edge starts a
byte, the start bit is re-checked half a bit later and every following bit is
sampled in its middle. A missing stop bit is reported (`error` pulse) instead
of a byte, so the framing layer can drop the frame it belongs to.
Transmitter: valid/ready byte input; `ready` is high while idle.
"""
from __future__ import annotations

from amaranth import Elaboratable, Module, Signal
from amaranth.lib.cdc import FFSynchronizer

MIN_CLOCKS_PER_BIT = 4  # mid-bit sampling needs a few cycles per bit


def check_clocks_per_bit(clocks_per_bit: int) -> int:
    if clocks_per_bit < MIN_CLOCKS_PER_BIT:
        raise ValueError(f"UART needs at least {MIN_CLOCKS_PER_BIT} clocks per bit, got {clocks_per_bit}")
    return clocks_per_bit


class UartRx(Elaboratable):
    def __init__(self, clocks_per_bit: int):
        self.clocks_per_bit = check_clocks_per_bit(clocks_per_bit)
        self.rx = Signal(init=1)  # the line (idle high)
        self.data = Signal(8)
        self.valid = Signal()  # one-cycle pulse with `data`
        self.error = Signal()  # one-cycle pulse: stop bit was low

    def elaborate(self, platform) -> Module:
        m = Module()
        line = Signal(init=1)
        m.submodules.sync_rx = FFSynchronizer(self.rx, line, init=1)
        timer = Signal(range(self.clocks_per_bit + 1))
        bits = Signal(range(9))
        shift = Signal(8)
        m.d.sync += [self.valid.eq(0), self.error.eq(0)]
        with m.FSM():
            with m.State("IDLE"):
                with m.If(~line):
                    m.d.sync += timer.eq(self.clocks_per_bit // 2 - 1)
                    m.next = "START"
            with m.State("START"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Elif(line):
                    m.next = "IDLE"  # a glitch, not a start bit
                with m.Else():
                    m.d.sync += [timer.eq(self.clocks_per_bit - 1), bits.eq(0)]
                    m.next = "DATA"
            with m.State("DATA"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Else():
                    m.d.sync += [shift.eq((shift >> 1) | (line << 7)), bits.eq(bits + 1),
                                 timer.eq(self.clocks_per_bit - 1)]
                    with m.If(bits == 7):
                        m.next = "STOP"
            with m.State("STOP"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Else():
                    with m.If(line):
                        m.d.sync += [self.data.eq(shift), self.valid.eq(1)]
                        m.next = "IDLE"
                    with m.Else():
                        m.d.sync += self.error.eq(1)
                        m.next = "BREAK"
            with m.State("BREAK"):
                with m.If(line):  # wait for the line to go idle before hunting for a start bit
                    m.next = "IDLE"
        return m


class UartTx(Elaboratable):
    def __init__(self, clocks_per_bit: int):
        self.clocks_per_bit = check_clocks_per_bit(clocks_per_bit)
        self.tx = Signal(init=1)
        self.data = Signal(8)
        self.valid = Signal()
        self.ready = Signal()

    def elaborate(self, platform) -> Module:
        m = Module()
        timer = Signal(range(self.clocks_per_bit))
        shift = Signal(10, init=0x3FF)  # stop bit, 8 data bits, start bit (sent LSB first)
        remaining = Signal(range(11))
        m.d.comb += self.ready.eq(remaining == 0)
        m.d.comb += self.tx.eq(shift[0])
        with m.If(remaining == 0):
            with m.If(self.valid):
                m.d.sync += [shift.eq((self.data << 1) | (1 << 9)), remaining.eq(10),
                             timer.eq(self.clocks_per_bit - 1)]
        with m.Elif(timer != 0):
            m.d.sync += timer.eq(timer - 1)
        with m.Else():
            m.d.sync += [shift.eq((shift >> 1) | (1 << 9)), remaining.eq(remaining - 1),
                         timer.eq(self.clocks_per_bit - 1)]
        return m
