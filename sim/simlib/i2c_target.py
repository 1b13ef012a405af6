"""An I2C bus decoder and target framework fed with line samples, without a simulator.

The FPGA is the only master on the eurorack-pmod's I2C bus; the targets (the
AK4619 codec, the PCA9557 jack detector) are models. `I2cBus` is told every
settled (SCL, SDA) pair with its time, decodes START / STOP / bits / bytes /
ACK slots, hands bytes to the addressed `I2cTarget`, and returns whether the
targets pull SDA low (ACKs and read data). It checks the master's side of
the bus against the AK4619 datasheet's fast-mode timing table (section 8.4.5):
a model that accepted a faster or sloppier master than the real chips would
let a gateware bug reach the board.

Why line samples and not bit events: a bench (or a unit test) can then feed
exactly what the wires did, including the faults (SDA moving while SCL is
high, a START inside a byte), and the decoder is the one place that decides
what the wires meant. No cocotb here: `simlib.ak4619` wraps this in
coroutines, the unit tests feed synthetic sequences.

Conventions: times are integers in picoseconds; a level is 0 or 1 (the
caller resolves X/Z). Targets change SDA only after SCL has fallen (the
caller applies the returned pull after the SCL fall it answers, one
simulator step later), so their own changes never look like START/STOP.
Every violation raises `I2cError` (an AssertionError, so cocotb fails the
test) at the first offending edge, with the time, the transfer and the bit.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol, Sequence

PS_PER_NS = 1_000
PS_PER_US = 1_000_000


def format_time(time_ps: int) -> str:
    """A simulation time as the benches print it: milliseconds with picosecond resolution."""
    return f"t={time_ps / 1e9:.9f} ms"


def format_duration(duration_ps: int) -> str:
    """A duration in the unit a datasheet would use for it (ns below 10 us, us above)."""
    if abs(duration_ps) < 10 * PS_PER_US:
        return f"{duration_ps / PS_PER_NS:.3f} ns"
    return f"{duration_ps / PS_PER_US:.3f} us"


class I2cError(AssertionError):
    """A violation of the I2C protocol or of the fast-mode timing; cocotb reports it as a failure."""


@dataclass(frozen=True)
class I2cTiming:
    """The minimum times the master must keep, in ps (AK4619 datasheet, I2C fast mode, 400 kHz).

    `data_hold_ps` is tHD:DAT, whose minimum is 0: an SDA change in the same
    step as the SCL fall is legal. The datasheet's note that SDA data must be
    held 300 ns describes the device-internal hold and is not checked here.
    """

    scl_low_ps: int = 1_300_000  # tLOW
    scl_high_ps: int = 600_000  # tHIGH
    scl_period_ps: int = 2_500_000  # 1 / fSCL, fSCL <= 400 kHz (rising edge to rising edge)
    start_hold_ps: int = 600_000  # tHD:STA, START to the first SCL fall
    start_setup_ps: int = 600_000  # tSU:STA, SCL rise to a repeated START
    stop_setup_ps: int = 600_000  # tSU:STO, SCL rise to STOP
    bus_free_ps: int = 1_300_000  # tBUF, STOP to the next START
    data_setup_ps: int = 100_000  # tSU:DAT, SDA change to SCL rise
    data_hold_ps: int = 0  # tHD:DAT


FAST_MODE = I2cTiming()


class I2cTarget(Protocol):
    """A device on the bus. The bus calls it only for transfers to its 7-bit `address`.

    A transfer is START, address byte, data bytes, then STOP or a repeated
    START (`on_end`). The target raises (an AssertionError) for anything its
    datasheet forbids; the bus does the wire-level checks.
    """

    address: int

    def on_address(self, time_ps: int, read: bool, start_ps: int) -> bool:
        """The address byte named this target (START at `start_ps`); True = ACK."""
        ...

    def on_write(self, time_ps: int, byte: int) -> bool:
        """The master wrote one byte; True = ACK."""
        ...

    def on_read(self, time_ps: int) -> int:
        """The master is about to clock in a byte: return it (sent MSB first)."""
        ...

    def on_end(self, time_ps: int, stop: bool) -> None:
        """The transfer ended with a STOP (`stop`) or a repeated START."""
        ...


class Phase(Enum):
    """Where the bus is inside a transfer."""

    IDLE = "idle"  # after STOP (or before the first START)
    ADDRESS = "address"  # after START: the address byte is coming
    WRITE = "write"  # master -> target data bytes
    READ = "read"  # target -> master data bytes
    IGNORE = "ignore"  # NACKed: nobody listens until the next START / STOP


@dataclass(frozen=True)
class Unclaimed:
    """An address byte no target acknowledged (e.g. the pmod's LED driver 0x05 or EEPROM 0x52 when absent)."""

    time_ps: int
    address: int
    read: bool


class I2cBus:
    """Decodes one I2C bus from settled (time, SCL, SDA) samples and plays its targets.

    `on_scl_sda` is called whenever SCL or SDA may have changed (calls with
    no change are harmless) and returns the targets' pull: True = a target
    holds SDA low. The caller applies the pull after the call (the next
    sample shows it on the bus).
    """

    def __init__(self, targets: Sequence[I2cTarget], timing: I2cTiming = FAST_MODE) -> None:
        self.targets: dict[int, I2cTarget] = {}
        for target in targets:
            if target.address in self.targets:
                raise ValueError(f"two I2C targets at address 0x{target.address:02X}")
            self.targets[target.address] = target
        self.timing = timing
        self.unclaimed: list[Unclaimed] = []
        self.phase = Phase.IDLE
        self._scl: int | None = None  # the last settled levels
        self._sda: int | None = None
        self._pull = False
        self._t_scl_rise: int | None = None
        self._t_scl_fall: int | None = None
        self._t_sda_change: int | None = None
        self._t_start: int | None = None
        self._t_stop: int | None = None
        self._condition_in_high = False  # a START/STOP happened while SCL is high: that pulse is no bit
        self._sampled = 0  # SDA at the last SCL rise
        self._bits = 0  # bits of the current byte + ACK slot already clocked (0-8)
        self._shift = 0
        self._byte_index = 0  # bytes of the current transfer, the address byte is 0
        self._address: int | None = None
        self._read = False
        self._target: I2cTarget | None = None
        self._acked = False  # the target's answer for the byte now in its ACK slot
        self._out = 0  # the byte being read out

    # -- the sample interface --------------------------------------------------------------------

    def on_scl_sda(self, time_ps: int, scl: int, sda: int) -> bool:
        """One settled sample of the lines; returns True while a target pulls SDA low."""
        scl, sda = int(scl), int(sda)
        if self._scl is None or self._sda is None:
            self._scl, self._sda = scl, sda
            return self._pull
        scl_changed, sda_changed = scl != self._scl, sda != self._sda
        if scl_changed and scl == 0:
            # SCL fall with SDA in the same step: the fall comes first (tHD:DAT = 0 is legal).
            self._scl_fell(time_ps)
            if sda_changed:
                self._sda_changed(time_ps, sda)
        elif scl_changed:
            # SCL rise with SDA in the same step: SDA moved 0 ps before the rise (a setup violation).
            if sda_changed:
                self._sda_changed(time_ps, sda)
            self._scl_rose(time_ps)
        elif sda_changed:
            self._sda_changed(time_ps, sda)
        return self._pull

    @property
    def pull_low(self) -> bool:
        return self._pull

    # -- edges ------------------------------------------------------------------------------------

    def _scl_rose(self, t: int) -> None:
        timing = self.timing
        if self.phase is not Phase.IDLE:
            if self._t_scl_fall is not None:
                self._at_least(t, t - self._t_scl_fall, timing.scl_low_ps, "SCL low time (tLOW)")
            if self._t_scl_rise is not None:
                self._at_least(t, t - self._t_scl_rise, timing.scl_period_ps,
                               "SCL period, rising edge to rising edge (fSCL <= 400 kHz)")
            if self._t_sda_change is not None:
                self._at_least(t, t - self._t_sda_change, timing.data_setup_ps,
                               "SDA setup before SCL rises (tSU:DAT)")
        self._scl = 1
        self._t_scl_rise = t
        self._sampled = self._sda if self._sda is not None else 1
        self._condition_in_high = False

    def _scl_fell(self, t: int) -> None:
        timing = self.timing
        if self.phase is not Phase.IDLE:
            if self._t_scl_rise is not None:
                self._at_least(t, t - self._t_scl_rise, timing.scl_high_ps, "SCL high time (tHIGH)")
            if self._t_start is not None and (self._t_scl_rise is None or self._t_start >= self._t_scl_rise):
                self._at_least(t, t - self._t_start, timing.start_hold_ps,
                               "START hold time to the first SCL fall (tHD:STA)")
        self._scl = 0
        self._t_scl_fall = t
        if self.phase is not Phase.IDLE and not self._condition_in_high:
            self._clocked(t, self._sampled)

    def _sda_changed(self, t: int, sda: int) -> None:
        self._sda = sda
        if self._scl == 1:
            if sda == 0:
                self._start(t)
            else:
                self._stop(t)
            return
        if self._t_scl_fall is not None and self.phase is not Phase.IDLE:
            self._at_least(t, t - self._t_scl_fall, self.timing.data_hold_ps, "SDA hold after SCL falls (tHD:DAT)")
        self._t_sda_change = t

    # -- conditions -------------------------------------------------------------------------------

    def _start(self, t: int) -> None:
        timing = self.timing
        if self.phase is Phase.IDLE:
            if self._t_stop is not None:
                self._at_least(t, t - self._t_stop, timing.bus_free_ps, "bus free time between STOP and START (tBUF)")
        else:
            if self._bits != 0:
                self._fail(t, f"START (SDA fell while SCL high) in the middle of a byte, after {self._bits} of its "
                              f"9 clocks: SDA may change only while SCL is low, except for START/STOP, and a "
                              f"repeated START must come at a byte boundary")
            if self._t_scl_rise is not None:
                self._at_least(t, t - self._t_scl_rise, timing.start_setup_ps,
                               "repeated START setup after SCL rises (tSU:STA)")
            self._end_transfer(t, stop=False)
        self._t_start = t
        self._condition_in_high = True
        self.phase = Phase.ADDRESS
        self._bits = 0
        self._shift = 0
        self._byte_index = 0
        self._address = None
        self._pull = False

    def _stop(self, t: int) -> None:
        if self.phase is not Phase.IDLE:
            if self._bits != 0:
                self._fail(t, f"STOP (SDA rose while SCL high) in the middle of a byte, after {self._bits} of its "
                              f"9 clocks: SDA may change only while SCL is low, except for START/STOP")
            if self._t_scl_rise is not None:
                self._at_least(t, t - self._t_scl_rise, self.timing.stop_setup_ps,
                               "STOP setup after SCL rises (tSU:STO)")
            self._end_transfer(t, stop=True)
        self._t_stop = t
        self._condition_in_high = True
        self.phase = Phase.IDLE
        self._pull = False

    def _end_transfer(self, t: int, *, stop: bool) -> None:
        if self._target is not None:
            self._target.on_end(t, stop)
        self._target = None

    # -- bits and bytes ---------------------------------------------------------------------------

    def _clocked(self, t: int, bit: int) -> None:
        """One SCL pulse completed (its fall at `t`) with SDA = `bit` when SCL rose."""
        if self._bits < 8:
            if self.phase is Phase.READ:
                sent = (self._out >> (7 - self._bits)) & 1
                if sent and not bit:
                    self._fail(t, f"SDA was low while the target sent a 1 (bit {7 - self._bits} of read byte "
                                  f"0x{self._out:02X}): the master must release SDA while it reads")
            self._shift = ((self._shift << 1) | bit) & 0xFF
            self._bits += 1
            if self._bits == 8:
                self._byte_done(t, self._shift)
            elif self.phase is Phase.READ:
                self._pull = not ((self._out >> (7 - self._bits)) & 1)
            return
        self._ack_slot_done(t, bit)
        self._bits = 0
        self._byte_index += 1

    def _byte_done(self, t: int, byte: int) -> None:
        """Eight bits are in: choose the target's answer for the ACK slot that follows."""
        self._shift = 0
        if self.phase is Phase.ADDRESS:
            self._address, self._read = byte >> 1, bool(byte & 1)
            target = self.targets.get(self._address)
            start_ps = self._t_start if self._t_start is not None else t
            acked = bool(target.on_address(t, self._read, start_ps)) if target is not None else False
            if target is None:
                self.unclaimed.append(Unclaimed(start_ps, self._address, self._read))
            self._target = target if acked else None
            self._acked = acked
        elif self.phase is Phase.WRITE:
            assert self._target is not None
            self._acked = bool(self._target.on_write(t, byte))
        else:  # READ (the master answers) or IGNORE
            self._acked = False
        self._pull = self._acked

    def _ack_slot_done(self, t: int, bit: int) -> None:
        """The ninth clock is over: move to the next byte (and drive its first bit when reading)."""
        if self.phase is Phase.READ:
            if bit == 0:  # the master acknowledged: it wants another byte
                self._load_read_byte(t)
            else:
                self.phase = Phase.IGNORE
                self._pull = False
            return
        if not self._acked and bit == 0:
            self._fail(t, "SDA was low in the ACK slot of a byte no target acknowledged: the master must "
                          "release SDA during the acknowledge clock")
        if self.phase is Phase.ADDRESS:
            self.phase = (Phase.READ if self._read else Phase.WRITE) if self._acked else Phase.IGNORE
        elif self.phase is Phase.WRITE and not self._acked:
            self.phase = Phase.IGNORE
        if self.phase is Phase.READ:
            self._load_read_byte(t)
        else:
            self._pull = False

    def _load_read_byte(self, t: int) -> None:
        assert self._target is not None
        self._out = int(self._target.on_read(t)) & 0xFF
        self._pull = not (self._out >> 7) & 1

    # -- reporting --------------------------------------------------------------------------------

    def _where(self) -> str:
        if self.phase is Phase.IDLE:
            return "bus idle"
        who = f"0x{self._address:02X}" if self._address is not None else "(address not yet sent)"
        return f"transfer to {who}, {self.phase.value} phase, byte {self._byte_index}, clock {self._bits + 1} of 9"

    def _fail(self, t: int, message: str) -> None:
        raise I2cError(f"I2C at {format_time(t)} ({self._where()}): {message}")

    def _at_least(self, t: int, measured_ps: int, minimum_ps: int, what: str) -> None:
        if measured_ps < minimum_ps:
            self._fail(t, f"{what} is {format_duration(measured_ps)}, fast mode needs >= {format_duration(minimum_ps)}")
