"""CodecControl: power-up, set-up and jack polling of the eurorack-pmod over I2C (docs/audio.md, "Codec set-up").

After reset: PDN low for `pdn_low_us`, then high for good; `access_wait_us`
later (the AK4619's register access time) one auto-increment write to the
codec (0x10) from register 0x00 with `setup_registers(fs_hz)`. A byte the codec
does not acknowledge ends the attempt with a STOP, counts in `failures`, and
the whole write starts over after `retry_wait_us`, for ever: nothing waits on
the set-up (TDM keeps running, the DAC slots stay muted), so the only thing a
dead codec may cost is the counter, never a hang. Once written, `configured`
rises and the PCA9557 jack detector (0x18) is polled every `poll_interval_us`:
write its command byte 0 (input port), repeated START, read one byte with NACK,
STOP. `jack` is the last byte read (raw: with the PCA9557's power-up polarity
register 0xF0, bits 4-7 read inverted), `jack_valid` says one was read. A
NACKed poll also counts in `failures` and keeps the old `jack`.

PDN is a register without a reset: once high it stays high, even if this
block's domain is reset again (a hard codec reset while it plays pops). A reset
restarts the sequence with PDN already high, so it re-runs the set-up.

Ports (one clock domain, `sync`; the audio top renames it): `pdn`, `scl_oe`,
`sda_oe` (1 = pull the line low), `sda_i` (the raw SDA line), `configured`,
`failures` (8 bits, saturating), `jack` (8), `jack_valid`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from amaranth import Elaboratable, Module, Signal

from synth.board.audio.ak4619_setup import AK4619_ADDRESS, setup_registers
from synth.board.audio.i2c_master import DEFAULT_BUS_HZ, I2cCommand, I2cMaster

PCA9557_ADDRESS = 0x18
PCA9557_INPUT_PORT = 0x00  # the command byte naming the input port register
PDN_MIN_US = 0.6  # AK4619: PDN low for at least 600 ns
FAILURES_MAX = 255


@dataclass(frozen=True)
class CodecControlTiming:
    """The waits of the sequence in clock cycles (each at least one)."""

    pdn_low: int
    access_wait: int
    retry_wait: int
    poll_interval: int

    @classmethod
    def for_clock(cls, clock_hz: float, *, pdn_low_us: float, access_wait_us: float, retry_wait_us: float,
                  poll_interval_us: float) -> "CodecControlTiming":
        if pdn_low_us < PDN_MIN_US:
            raise ValueError(f"CodecControl: pdn_low_us={pdn_low_us:g}; the AK4619 needs PDN low >= {PDN_MIN_US} us")
        waits = dict(pdn_low_us=pdn_low_us, access_wait_us=access_wait_us, retry_wait_us=retry_wait_us,
                     poll_interval_us=poll_interval_us)
        cycles = {}
        for name, us in waits.items():
            if not us > 0:
                raise ValueError(f"CodecControl: {name}={us:g} must be positive")
            cycles[name.removesuffix("_us")] = max(1, math.ceil(us * clock_hz / 1e6))
        return cls(**cycles)


def _program(registers: bytes) -> list[tuple[I2cCommand, int]]:
    """The two bus transactions as one command list: the set-up write, then the jack poll."""
    write = [(I2cCommand.WRITE, byte) for byte in (AK4619_ADDRESS << 1, 0x00, *registers)]
    setup = [(I2cCommand.START, 0), *write, (I2cCommand.STOP, 0)]
    poll = [(I2cCommand.START, 0), (I2cCommand.WRITE, PCA9557_ADDRESS << 1), (I2cCommand.WRITE, PCA9557_INPUT_PORT),
            (I2cCommand.START, 0), (I2cCommand.WRITE, PCA9557_ADDRESS << 1 | 1), (I2cCommand.READ, 0),
            (I2cCommand.STOP, 0)]
    return setup + poll


class CodecControl(Elaboratable):
    """PDN, the AK4619 set-up write (retried for ever) and the PCA9557 jack poll; see the module docstring.

    Parameters: `clock_hz` (this domain's clock), `fs_hz` (48000 or 192000: the register table),
    the waits in microseconds (`pdn_low_us` >= 0.6; the defaults are the doc's 1 ms and the datasheet's
    10 ms register access time; benches shorten them), `bus_hz` (I2C rate, <= 400 kHz). All checked here:
    ValueError naming the parameter.
    """

    def __init__(self, clock_hz: float, fs_hz: int, *, pdn_low_us: float = 1000.0, access_wait_us: float = 10000.0,
                 retry_wait_us: float = 10000.0, poll_interval_us: float = 1000.0, bus_hz: float = DEFAULT_BUS_HZ):
        self.registers = setup_registers(fs_hz)
        self.timing = CodecControlTiming.for_clock(clock_hz, pdn_low_us=pdn_low_us, access_wait_us=access_wait_us,
                                                   retry_wait_us=retry_wait_us, poll_interval_us=poll_interval_us)
        self.i2c = I2cMaster(clock_hz, bus_hz)
        self.pdn = Signal(reset_less=True)
        self.scl_oe = Signal()
        self.sda_oe = Signal()
        self.sda_i = Signal(init=1)
        self.configured = Signal()
        self.failures = Signal(8)
        self.jack = Signal(8)
        self.jack_valid = Signal()

    def elaborate(self, platform) -> Module:
        m = Module()
        t = self.timing
        m.submodules.i2c = i2c = self.i2c
        m.d.comb += [self.scl_oe.eq(i2c.scl_oe), self.sda_oe.eq(i2c.sda_oe), i2c.sda_i.eq(self.sda_i)]

        program = _program(self.registers)
        setup_stop = len(self.registers) + 3  # START, address, register pointer, the registers, then STOP
        poll_start, poll_stop = setup_stop + 1, len(program) - 1
        pc = Signal(range(len(program)))
        is_write = Signal()
        with m.Switch(pc):
            for index, (command, byte) in enumerate(program):
                with m.Case(index):
                    m.d.comb += [i2c.cmd.eq(command), i2c.wdata.eq(byte)]
                    if command is I2cCommand.WRITE:
                        m.d.comb += is_write.eq(1)
        m.d.comb += i2c.read_ack.eq(0)  # one byte per poll: the read ends with NACK

        timer = Signal(range(max(t.pdn_low, t.access_wait, t.retry_wait, t.poll_interval)), init=t.pdn_low - 1)

        def pause(cycles: int) -> list:
            return [timer.eq(cycles - 1)]

        with m.FSM(name="codec"):
            with m.State("PDN_LOW"):
                with m.If(timer == 0):
                    m.d.sync += [self.pdn.eq(1), *pause(t.access_wait)]
                    m.next = "ACCESS_WAIT"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("ACCESS_WAIT"):
                with m.If(timer == 0):
                    m.d.sync += pc.eq(0)
                    m.next = "ISSUE"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)

            with m.State("ISSUE"):
                m.d.comb += i2c.cmd_valid.eq(1)
                with m.If(i2c.cmd_ready):
                    m.next = "WAIT"
            with m.State("WAIT"):
                with m.If(i2c.done):
                    with m.If(is_write & ~i2c.ack):
                        m.next = "ABORT"
                    with m.Elif(pc == setup_stop):
                        m.d.sync += [self.configured.eq(1), pc.eq(poll_start)]
                        m.next = "ISSUE"
                    with m.Elif(pc == poll_stop):
                        m.d.sync += pause(t.poll_interval)
                        m.next = "PAUSE"
                    with m.Else():
                        with m.If(i2c.cmd == I2cCommand.READ):
                            m.d.sync += [self.jack.eq(i2c.rdata), self.jack_valid.eq(1)]
                        m.d.sync += pc.eq(pc + 1)
                        m.next = "ISSUE"

            # --- a NACK: STOP, count it, wait, start the transaction over --------------------------
            with m.State("ABORT"):
                m.d.comb += [i2c.cmd.eq(I2cCommand.STOP), i2c.cmd_valid.eq(1)]
                with m.If(i2c.cmd_ready):
                    m.next = "ABORT_WAIT"
            with m.State("ABORT_WAIT"):
                with m.If(i2c.done):
                    with m.If(self.failures != FAILURES_MAX):
                        m.d.sync += self.failures.eq(self.failures + 1)
                    with m.If(self.configured):
                        m.d.sync += pause(t.poll_interval)
                    with m.Else():
                        m.d.sync += pause(t.retry_wait)
                    m.next = "PAUSE"
            with m.State("PAUSE"):
                with m.If(timer == 0):
                    with m.If(self.configured):
                        m.d.sync += pc.eq(poll_start)
                    with m.Else():
                        m.d.sync += pc.eq(0)
                    m.next = "ISSUE"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
        return m
