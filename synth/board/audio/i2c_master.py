"""A byte-level I2C master (fast mode, no clock stretching), the codec set-up's bus driver.

The pmod's bus has one master (the FPGA) and two targets that never stretch the
clock (the AK4619 codec and the PCA9557 jack detector), so SCL is only driven,
never read. Both lines are open drain: `scl_oe`/`sda_oe` = 1 pulls the line low,
0 releases it to the pull-up; `sda_i` is the raw line, synchronised here.

Commands (`cmd`, with `wdata` and `read_ack`; taken when `cmd_valid` and `cmd_ready`):

* START: a START, or a repeated START while the master holds the bus;
* WRITE: send `wdata`; `ack` = 1 if the target acknowledged it;
* READ: receive a byte into `rdata`, then send ACK (`read_ack` = 1) or NACK;
* STOP: a STOP, then the bus free time, so a START may follow at once.

`done` pulses for one cycle when a command has finished; `ack` and `rdata` are
registers, valid from then until the next WRITE / READ finishes. A WRITE or
READ while the bus is not held (no START) and a STOP on a free bus do nothing
and finish at once (`ack` = 0), so a confused caller cannot hang the bus.

Timing. Every bit is a low phase (SDA changes in its middle) and a high phase
(SDA sampled at its end). Each phase is at least the fast-mode minimum plus the
fast-mode worst-case rise/fall time (300 ns), which a real edge takes out of the
time the other end measures: SCL low >= 1.6 us (tLOW 1.3 us), SCL high >= 0.9 us
(tHIGH 0.6 us). START hold, repeated-START setup and STOP setup (>= 0.6 us) are
one high phase, the bus free time after STOP (>= 1.3 us) one low phase. The
cycles left in the requested period go half to each phase. Between commands the
master idles with SCL low in the middle of a low phase, which only stretches it.
SDA changes only while SCL is low (except START/STOP), half a low phase away from
each SCL edge, so setup and hold are about 0.8 us.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from amaranth import Cat, Const, Elaboratable, Module, Signal
from amaranth.lib import enum
from amaranth.lib.cdc import FFSynchronizer

FAST_MODE_MAX_HZ = 400_000
DEFAULT_BUS_HZ = 375_000  # below 400 kHz with room for the cycle rounding at any audio clock
EDGE_US = 0.3  # fast-mode maximum rise / fall time (tr, tf)
LOW_MIN_US = 1.3 + EDGE_US  # tLOW, and tBUF (also 1.3 us) after STOP
HIGH_MIN_US = 0.6 + EDGE_US  # tHIGH, and tHD:STA, tSU:STA, tSU:STO (all 0.6 us)
SDA_SYNC_STAGES = 2
# Each half of the low phase and the high phase need a few cycles: SDA is sampled through the synchroniser
# at the end of the high phase, so the sampled level is from SDA_SYNC_STAGES cycles before, still inside it.
MIN_PHASE_CYCLES = SDA_SYNC_STAGES + 2


class I2cCommand(enum.Enum, shape=2):
    START = 0
    WRITE = 1
    READ = 2
    STOP = 3


@dataclass(frozen=True)
class I2cPhases:
    """Clock cycles of the SCL phases for a clock and a requested bus rate (see the module docstring)."""

    clock_hz: float
    low_cycles: int  # SCL low: SDA changes after low_first_cycles
    high_cycles: int  # SCL high; also START hold, repeated-START / STOP setup

    @classmethod
    def for_clock(cls, clock_hz: float, bus_hz: float = DEFAULT_BUS_HZ) -> "I2cPhases":
        """The phases for `bus_hz` (at most that rate); ValueError naming the parameter that does not fit."""
        if not 0 < bus_hz <= FAST_MODE_MAX_HZ:
            raise ValueError(f"I2C: bus_hz={bus_hz:g} is outside fast mode (0, {FAST_MODE_MAX_HZ}] Hz")
        if clock_hz <= 0:
            raise ValueError(f"I2C: clock_hz={clock_hz:g} must be positive")
        period = math.ceil(clock_hz / bus_hz)
        low_min = math.ceil(LOW_MIN_US * clock_hz / 1e6)
        high_min = math.ceil(HIGH_MIN_US * clock_hz / 1e6)
        if min(high_min, low_min // 2) < MIN_PHASE_CYCLES:
            slowest = max(MIN_PHASE_CYCLES / HIGH_MIN_US, 2 * MIN_PHASE_CYCLES / LOW_MIN_US) * 1e6
            raise ValueError(
                f"I2C: clock_hz={clock_hz:g} is too slow for bus_hz={bus_hz:g}: the SCL high phase gets {high_min} "
                f"cycles and each half of the low phase {low_min // 2}; each needs >= {MIN_PHASE_CYCLES} (SDA is "
                f"sampled through a {SDA_SYNC_STAGES}-flop synchroniser), which takes clock_hz >= {slowest:,.0f}")
        if low_min + high_min > period:
            raise ValueError(
                f"I2C: bus_hz={bus_hz:g} is too fast for clock_hz={clock_hz:g}: a period of {period} cycles cannot "
                f"hold SCL low >= {LOW_MIN_US:.1f} us ({low_min} cycles) and high >= {HIGH_MIN_US:.1f} us "
                f"({high_min} cycles); use bus_hz <= {clock_hz / (low_min + high_min):,.0f}")
        spare = period - low_min - high_min
        return cls(clock_hz, low_min + spare - spare // 2, high_min + spare // 2)

    @property
    def low_first_cycles(self) -> int:
        """From SCL falling to the SDA change (the hold time)."""
        return self.low_cycles // 2

    @property
    def low_second_cycles(self) -> int:
        """From the SDA change to SCL rising (the setup time)."""
        return self.low_cycles - self.low_first_cycles

    @property
    def bus_hz(self) -> float:
        return self.clock_hz / (self.low_cycles + self.high_cycles)


class I2cMaster(Elaboratable):
    """Byte-level I2C master in the `sync` domain (commands and timing in the module docstring).

    Ports: `cmd` (I2cCommand), `wdata` (8), `read_ack`, `cmd_valid`, `cmd_ready`; `done`, `ack`,
    `rdata` (8); bus `scl_oe`, `sda_oe` (1 = pull low), `sda_i` (the raw SDA line).
    """

    def __init__(self, clock_hz: float, bus_hz: float = DEFAULT_BUS_HZ):
        self.timing = I2cPhases.for_clock(clock_hz, bus_hz)
        self.cmd = Signal(I2cCommand)
        self.wdata = Signal(8)
        self.read_ack = Signal()
        self.cmd_valid = Signal()
        self.cmd_ready = Signal()
        self.done = Signal()
        self.ack = Signal()
        self.rdata = Signal(8)
        self.scl_oe = Signal()
        self.sda_oe = Signal()
        self.sda_i = Signal(init=1)

    def elaborate(self, platform) -> Module:
        m = Module()
        t = self.timing
        sda = Signal(init=1)
        m.submodules.sda_sync = FFSynchronizer(self.sda_i, sda, init=1, stages=SDA_SYNC_STAGES)

        timer = Signal(range(max(t.low_cycles, t.high_cycles)), init=t.low_cycles - 1)  # first: BUS_FREE
        owned = Signal()  # a START has been sent and no STOP yet: SCL is held low between commands
        out_bits = Signal(9)  # MSB first: 8 data bits, then the ACK slot; 1 = release SDA
        in_bits = Signal(9)  # SDA sampled at the end of each high phase
        bit_count = Signal(range(9))
        writing = Signal()  # the byte command in progress is a WRITE (cmd may change once taken)
        send_bits = Signal(9)  # what a byte command sends, MSB first
        with m.If(self.cmd == I2cCommand.WRITE):
            m.d.comb += send_bits.eq(Cat(Const(1, 1), self.wdata))  # SDA released in the ACK slot: the target answers
        with m.Else():
            m.d.comb += send_bits.eq(Cat(~self.read_ack, Const(0xFF, 8)))  # released for the data: the target sends

        def wait(cycles: int) -> list:
            return [timer.eq(cycles - 1)]

        def finish() -> list:
            return [self.done.eq(1)]

        m.d.sync += self.done.eq(0)
        with m.FSM(name="i2c"):
            with m.State("BUS_FREE"):  # after reset: the bus free time before a first START
                with m.If(timer == 0):
                    m.next = "IDLE"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)

            with m.State("IDLE"):
                m.d.comb += self.cmd_ready.eq(1)
                with m.If(self.cmd_valid):
                    with m.Switch(self.cmd):
                        with m.Case(I2cCommand.START):
                            with m.If(owned):  # repeated START: release SDA mid-low, then raise SCL
                                m.d.sync += [self.sda_oe.eq(0), *wait(t.low_second_cycles)]
                                m.next = "RESTART_LOW"
                            with m.Else():  # SDA falls while SCL is high
                                m.d.sync += [self.sda_oe.eq(1), *wait(t.high_cycles)]
                                m.next = "START_HOLD"
                        with m.Case(I2cCommand.WRITE, I2cCommand.READ):
                            with m.If(owned):
                                m.d.sync += [out_bits.eq(send_bits << 1), self.sda_oe.eq(~send_bits[8]),
                                             bit_count.eq(0), writing.eq(self.cmd == I2cCommand.WRITE),
                                             *wait(t.low_second_cycles)]
                                m.next = "BIT_LOW"
                            with m.Else():
                                m.d.sync += [self.ack.eq(0), *finish()]
                        with m.Case(I2cCommand.STOP):
                            with m.If(owned):  # SDA low mid-low, SCL up, then SDA up while SCL is high
                                m.d.sync += [self.sda_oe.eq(1), *wait(t.low_second_cycles)]
                                m.next = "STOP_LOW"
                            with m.Else():
                                m.d.sync += finish()

            # --- START / repeated START ---------------------------------------------------------------
            with m.State("RESTART_LOW"):
                with m.If(timer == 0):
                    m.d.sync += [self.scl_oe.eq(0), *wait(t.high_cycles)]
                    m.next = "RESTART_SETUP"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("RESTART_SETUP"):
                with m.If(timer == 0):
                    m.d.sync += [self.sda_oe.eq(1), *wait(t.high_cycles)]
                    m.next = "START_HOLD"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("START_HOLD"):
                with m.If(timer == 0):
                    m.d.sync += [self.scl_oe.eq(1), owned.eq(1), *wait(t.low_first_cycles)]
                    m.next = "TO_MIDDLE"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("TO_MIDDLE"):  # SCL low until the middle of the low phase, where commands start
                with m.If(timer == 0):
                    m.d.sync += finish()
                    m.next = "IDLE"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)

            # --- nine bits: 8 data + ACK slot -------------------------------------------------------
            with m.State("BIT_LOW"):
                with m.If(timer == 0):
                    m.d.sync += [self.scl_oe.eq(0), *wait(t.high_cycles)]
                    m.next = "BIT_HIGH"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("BIT_HIGH"):
                with m.If(timer == 0):
                    m.d.sync += [self.scl_oe.eq(1), in_bits.eq(Cat(sda, in_bits[:8])), *wait(t.low_first_cycles)]
                    m.next = "BIT_FALL"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("BIT_FALL"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Elif(bit_count == 8):
                    # in_bits: the 8 data bits, then the ACK slot (0 = acknowledged)
                    with m.If(writing):
                        m.d.sync += self.ack.eq(~in_bits[0])
                    with m.Else():
                        m.d.sync += self.rdata.eq(in_bits[1:])
                    m.d.sync += finish()
                    m.next = "IDLE"
                with m.Else():
                    m.d.sync += [self.sda_oe.eq(~out_bits[8]), out_bits.eq(out_bits << 1),
                                 bit_count.eq(bit_count + 1), *wait(t.low_second_cycles)]
                    m.next = "BIT_LOW"

            # --- STOP ---------------------------------------------------------------------------
            with m.State("STOP_LOW"):
                with m.If(timer == 0):
                    m.d.sync += [self.scl_oe.eq(0), *wait(t.high_cycles)]
                    m.next = "STOP_SETUP"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("STOP_SETUP"):
                with m.If(timer == 0):
                    m.d.sync += [self.sda_oe.eq(0), owned.eq(0), *wait(t.low_cycles)]
                    m.next = "STOP_FREE"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
            with m.State("STOP_FREE"):  # tBUF before anything else may start
                with m.If(timer == 0):
                    m.d.sync += finish()
                    m.next = "IDLE"
                with m.Else():
                    m.d.sync += timer.eq(timer - 1)
        return m
