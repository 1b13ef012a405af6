"""The AK4619VN codec of the eurorack-pmod as a cocotb model: the test oracle of the audio gateware.

It plays the codec (and, by default, the pmod's PCA9557 jack detector) on the
bench's pins and checks everything the AK4619VN datasheet asks of the FPGA,
in the project's configuration (docs/audio.md): TDM128, I2S compatible,
BCKP = 1, four 32-bit slots, 16-bit words, set up over I2C at 0x10.

Layers, each usable alone:

- `RegisterFile`, `RegisterFields`, `configuration_errors`: the register map
  (datasheet section 9.14) and the check of a complete set-up against the
  clocks measured on the pins.
- `PowerMonitor`: PDN (low >= 600 ns from power-on, registers accessible
  10 ms after it rises, never low again while running).
- `CodecControl`: the I2C target at 0x10 (auto-increment writes, roll-over
  after 0x14, 0x15-0x7F prohibited).
- `TdmLink`: the TDM128 port. It samples LRCK and SDIN1 on BICK falling,
  checks their setup/hold and the frame structure, decodes the DAC words and
  serialises the ADC words on SDOUT1 with the launch timing SDOPH selects.
- `Ak4619`: the codec, all of the above wired together; plain Python, fed
  with pin events (time in ps), so `sim/codec_model` tests it without a
  simulator.
- `Ak4619Model`: the cocotb part, which only watches edges and writes the two
  pins the codec drives (SDA pull, SDOUT1).

Every violation raises an AssertionError naming the time, frame, slot, bit,
expected and actual value, at the first offending edge; raised inside a
cocotb task it fails the test.

Datasheet timing used (section 8.4.3, BCKP = 1 moves every BICK reference
to the other edge): LRCK setup tLRBD >= 10 ns and hold tBLRD >= 10 ns,
SDIN1 setup tBSIDS >= 10 ns and hold tBSIDH >= 5 ns around BICK falling;
SDOUT1 valid tBSOD1 <= 20 ns after BICK rising (SDOPH = 0) or tBSOD2 5-30 ns
after BICK falling (SDOPH = 1). The model launches each bit after a delay drawn
from that range (its minimum, its maximum or in between, a third of the bits
each), plus the board's delay: the gateware must take every bit inside the
window both ends leave, so sampling a cycle early or late fails.
"""
from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import cocotb
import numpy as np
from cocotb.queue import Queue
from cocotb.simtime import get_sim_time
from cocotb.triggers import Event, First, ReadOnly, RisingEdge, Timer

from simlib.i2c_target import I2cBus, format_duration, format_time
from simlib.pca9557 import Pca9557
from simlib.seed import derived_seed

CODEC_ADDRESS = 0x10  # 7-bit: 0010 00 CAD, CAD = 0 on the pmod
REGISTER_COUNT = 0x15  # 0x00-0x14; writes to 0x15-0x7F are prohibited
DEFAULTS = (0x00, 0x0C, 0x0C, 0x00, 0x22, 0x22, 0x30, 0x30, 0x30, 0x30, 0x00,
            0x00, 0x00, 0x00, 0x18, 0x18, 0x18, 0x18, 0x04, 0x05, 0x0A)
# The bits the register map lists as "0" ("The bits listed 0 must write 0").
ZERO_BITS = {0x00: 0xC8, 0x02: 0xE0, 0x03: 0xF8, 0x0A: 0x88, 0x0C: 0xFF, 0x0D: 0x19,
             0x12: 0xF0, 0x13: 0xF0, 0x14: 0x40}
BICK_PER_FRAME = 128  # TDM128
SLOT_BITS = 32
WORD_BITS = 16  # what the FPGA sends and reads of each slot
SDOUT_WORD_BITS = {0b00: 24, 0b01: 20, 0b10: 16}  # DODL (11 is "N/A")
FS_TOLERANCE = 0.001  # the measured LRCK frequency against the bench's fs_hz
SDOPH_BICK_HZ = 12_288_000  # SDOPH = 1 when BICK is faster than this (datasheet note *32)
PS_PER_NS = 1_000
PS_PER_MS = 1_000_000_000


class CodecError(AssertionError):
    """The FPGA did something the AK4619VN datasheet (or the project's codec set-up) forbids."""


def _fail(time_ps: int, message: str) -> None:
    raise CodecError(f"AK4619 at {format_time(time_ps)}: {message}")


def assumed_mclk_per_frame(fs_hz: float) -> int:
    """MCLK per LRCK period as docs/audio.md builds it: 256 fs up to 48 kHz, 128 fs (= BICK) above."""
    return 256 if fs_hz <= 48_000 * (1 + FS_TOLERANCE) else 128


# ---------------------------------------------------------------------------------------------------
# Registers
# ---------------------------------------------------------------------------------------------------


class RegisterFile:
    """Registers 0x00-0x14 with their datasheet defaults, and which were written since PDN rose."""

    def __init__(self) -> None:
        self.values: list[int] = list(DEFAULTS)
        self.written: set[int] = set()

    def reset(self) -> None:
        """PDN L -> H initialises every register (datasheet 9.14); the list object stays the same."""
        self.values[:] = DEFAULTS
        self.written.clear()

    def write(self, register: int, value: int) -> None:
        self.values[register] = value & 0xFF
        self.written.add(register)

    @property
    def complete(self) -> bool:
        return len(self.written) == REGISTER_COUNT

    @property
    def fields(self) -> RegisterFields:
        return RegisterFields.decode(self.values)


@dataclass(frozen=True)
class RegisterFields:
    """The fields the audio path depends on, decoded from the register map (not from a byte table)."""

    pmad2: int
    pmad1: int
    pmda2: int
    pmda1: int
    rstn: int
    tdm: int
    dcf: int
    dsl: int
    bckp: int
    sdoph: int
    slot: int
    didl: int
    dodl: int
    fs: int
    ad2hpfn: int
    ad1hpfn: int

    @classmethod
    def decode(cls, values: list[int] | tuple[int, ...]) -> RegisterFields:
        r0, r1, r2, r3, r13 = values[0x00], values[0x01], values[0x02], values[0x03], values[0x0D]
        return cls(
            pmad2=(r0 >> 5) & 1, pmad1=(r0 >> 4) & 1, pmda2=(r0 >> 2) & 1, pmda1=(r0 >> 1) & 1, rstn=r0 & 1,
            tdm=(r1 >> 7) & 1, dcf=(r1 >> 4) & 7, dsl=(r1 >> 2) & 3, bckp=(r1 >> 1) & 1, sdoph=r1 & 1,
            slot=(r2 >> 4) & 1, didl=(r2 >> 2) & 3, dodl=r2 & 3,
            fs=r3 & 7,
            ad2hpfn=(r13 >> 2) & 1, ad1hpfn=(r13 >> 1) & 1,
        )


@dataclass(frozen=True)
class ClockRates:
    """The clocks as measured on the pins over one LRCK period."""

    frame_ps: int  # LRCK period
    bick_per_frame: int
    mclk_per_frame: int

    @property
    def fs_hz(self) -> float:
        return 1e12 / self.frame_ps

    @property
    def bick_hz(self) -> float:
        return self.bick_per_frame * self.fs_hz

    def describe(self) -> str:
        return (f"fs = {self.fs_hz:.1f} Hz (LRCK period {format_duration(self.frame_ps)}), "
                f"BICK = {self.bick_per_frame} fs = {self.bick_hz / 1e6:.4f} MHz, MCLK = {self.mclk_per_frame} fs")


def configuration_errors(values: list[int] | tuple[int, ...], clocks: ClockRates, fs_hz: float) -> list[str]:
    """Everything wrong with a complete register set-up for the project's audio path at these clocks.

    Empty when the set-up is valid. Each entry names the register, the field,
    the value written and what it must be.
    """
    f = RegisterFields.decode(values)
    errors: list[str] = []

    def need(ok: bool, message: str) -> None:
        if not ok:
            errors.append(message)

    for register, mask in ZERO_BITS.items():
        need(values[register] & mask == 0,
             f"register 0x{register:02X} = 0x{values[register]:02X}: bits 0x{values[register] & mask:02X} "
             f"are listed \"0\" in the register map and must be written 0")
    for name in ("pmad1", "pmad2", "pmda1", "pmda2", "rstn"):
        need(getattr(f, name) == 1,
             f"register 0x00 = 0x{values[0]:02X}: {name.upper()} = 0; both ADCs, both DACs powered and RSTN = 1 "
             f"are needed")
    need(f.tdm == 1, f"register 0x01 = 0x{values[1]:02X}: TDM = 0 (stereo mode); TDM128 needs TDM = 1")
    need(f.dcf == 0b010, f"register 0x01 = 0x{values[1]:02X}: DCF = {f.dcf:03b}; TDM128 I2S compatible is 010")
    need(f.dsl == 0b11, f"register 0x01 = 0x{values[1]:02X}: DSL = {f.dsl:02b}; 32-bit slots are 11")
    need(f.bckp == 1, f"register 0x01 = 0x{values[1]:02X}: BCKP = 0; the FPGA launches on BICK rising, BCKP = 1")
    fast = clocks.bick_hz > SDOPH_BICK_HZ
    need(f.sdoph == int(fast),
         f"register 0x01 = 0x{values[1]:02X}: SDOPH = {f.sdoph} with BICK = {clocks.bick_hz / 1e6:.4f} MHz; "
         f"SDOPH must be 1 exactly when BICK is above 12.288 MHz (expected {int(fast)})")
    need(f.slot == 1, f"register 0x02 = 0x{values[2]:02X}: SLOT = 0; TDM needs the slot length basis, SLOT = 1")
    need(f.didl in (0b10, 0b11, 0b00),
         f"register 0x02 = 0x{values[2]:02X}: DIDL = {f.didl:02b}; the FPGA's 16-bit words need 16, 24 or 32 bits "
         f"(10, 00, 11)")
    need(f.dodl in (0b00, 0b10),
         f"register 0x02 = 0x{values[2]:02X}: DODL = {f.dodl:02b}; SDOUT words must be 24 or 16 bits (00, 10)")
    mclk, fs = clocks.mclk_per_frame, clocks.fs_hz
    if f.fs == 0b000:
        fs_ok = mclk == 256 and 8_000 * (1 - FS_TOLERANCE) <= fs <= 48_000 * (1 + FS_TOLERANCE)
    elif f.fs & 0b100:
        fs_ok = mclk == 128 and abs(fs - 192_000) <= 192_000 * FS_TOLERANCE
    else:
        fs_ok = False
    need(fs_ok, f"register 0x03 = 0x{values[3]:02X}: FS = {f.fs:03b} does not match the clocks "
                f"(MCLK = {mclk} fs, fs = {fs:.1f} Hz); 000 needs MCLK = 256 fs and 8 kHz <= fs <= 48 kHz, "
                f"1xx needs MCLK = 128 fs and fs = 192 kHz")
    need(abs(fs - fs_hz) <= fs_hz * FS_TOLERANCE,
         f"measured fs = {fs:.1f} Hz, the bench expects {fs_hz} Hz (+-0.1%)")
    need(f.ad1hpfn == 1 and f.ad2hpfn == 1,
         f"register 0x0D = 0x{values[0x0D]:02X}: AD1HPFN = {f.ad1hpfn}, AD2HPFN = {f.ad2hpfn}; both must be 1 "
         f"(no DC-cancelling high-pass: control voltages are DC)")
    return errors


# ---------------------------------------------------------------------------------------------------
# PDN
# ---------------------------------------------------------------------------------------------------


class PowerMonitor:
    """The PDN pin: held low >= tRST = 600 ns from power-on, then high for good.

    Registers may be accessed `access_ps` (10 ms: the datasheet's register
    access time, LDO start-up) after PDN rose. A second fall is a hard reset
    of a running codec, which pops the outputs: always an error here.
    """

    MIN_LOW_PS = 600_000

    def __init__(self, access_ps: int) -> None:
        self.access_ps = access_ps
        self.level = 0
        self.low_since_ps: int | None = None
        self.rose_ps: int | None = None

    @property
    def high(self) -> bool:
        return self.level == 1

    def begin(self, time_ps: int, level: int | None) -> None:
        """The pin at power-on (the model's start, which should be time 0)."""
        if level == 1:
            _fail(time_ps, "PDN is high at power-on; the AK4619 must be powered up with PDN low (tRST >= 600 ns)")
        self.level = 0
        self.low_since_ps = time_ps

    def on_pdn(self, time_ps: int, level: int | None) -> bool:
        """A change of the pin; returns True when PDN rose (the registers are then initialised)."""
        level = 1 if level == 1 else 0  # X/Z is not a valid high
        if level == self.level:
            return False
        self.level = level
        if level == 0:
            if self.rose_ps is not None:
                _fail(time_ps, f"PDN fell while running (it rose at {format_time(self.rose_ps)}): the codec is "
                               f"hard-reset, which pops; the gateware must never do that after power-up")
            self.low_since_ps = time_ps
            return False
        low_ps = time_ps - (self.low_since_ps if self.low_since_ps is not None else 0)
        if low_ps < self.MIN_LOW_PS:
            _fail(time_ps, f"PDN rose after being low for {format_duration(low_ps)}; it must be low for at least "
                           f"600 ns (tRST) from power-on")
        self.rose_ps = time_ps
        return True

    def check_access(self, start_ps: int, what: str) -> None:
        """`what` (an I2C START addressed to the codec at `start_ps`) is allowed now?"""
        if self.rose_ps is None or not self.high:
            _fail(start_ps, f"{what} while PDN is low: the codec is powered down (registers are accessible "
                            f"{self.access_ps / PS_PER_MS:g} ms after PDN rises)")
        early = self.rose_ps + self.access_ps - start_ps
        if early > 0:
            _fail(start_ps, f"{what} {format_duration(start_ps - self.rose_ps)} after PDN rose "
                            f"(at {format_time(self.rose_ps)}); registers are accessible only "
                            f"{self.access_ps / PS_PER_MS:g} ms after PDN rises")


# ---------------------------------------------------------------------------------------------------
# I2C control port
# ---------------------------------------------------------------------------------------------------


class CodecControl:
    """The codec's I2C target at 0x10 (datasheet 9.13): writes with an auto-incrementing address.

    A write's first data byte is the register address, the following bytes
    go to consecutive registers; after 0x14 the address rolls over to 0x00.
    Reads (current and random address) are answered from the same counter.
    `on_write_done` runs at the STOP that ends a transfer which wrote data.
    """

    address = CODEC_ADDRESS

    def __init__(self, registers: RegisterFile, power: PowerMonitor, on_write_done: Callable[[int], None],
                 acknowledge: bool = True) -> None:
        self.registers = registers
        self.power = power
        self.on_write_done = on_write_done
        self.acknowledge = acknowledge
        self.writes: list[tuple[int, int]] = []
        self.nacked_addresses = 0
        self.pointer = 0
        self._bytes = 0  # data bytes of this transfer
        self._wrote = False  # a register was written since the last STOP

    def on_address(self, time_ps: int, read: bool, start_ps: int) -> bool:
        self.power.check_access(start_ps, f"I2C START addressed to the codec (0x{CODEC_ADDRESS:02X})")
        self._bytes = 0
        if not self.acknowledge:
            self.nacked_addresses += 1
            return False
        return True

    def on_write(self, time_ps: int, byte: int) -> bool:
        self._bytes += 1
        if self._bytes == 1:
            if byte & 0x80:
                _fail(time_ps, f"I2C register address byte 0x{byte:02X}: its bit 7 must be 0")
            self.pointer = byte
            return True
        if self.pointer >= REGISTER_COUNT:
            _fail(time_ps, f"I2C write of 0x{byte:02X} to register 0x{self.pointer:02X}: writing to 0x15-0x7F is "
                           f"prohibited")
        self.registers.write(self.pointer, byte)
        self.writes.append((self.pointer, byte))
        self._wrote = True
        self.pointer = (self.pointer + 1) % REGISTER_COUNT
        return True

    def on_read(self, time_ps: int) -> int:
        value = self.registers.values[self.pointer] if self.pointer < REGISTER_COUNT else 0
        self.pointer = (self.pointer + 1) % REGISTER_COUNT
        return value

    def on_end(self, time_ps: int, stop: bool) -> None:
        if stop and self._wrote:
            self._wrote = False
            self.on_write_done(time_ps)


# ---------------------------------------------------------------------------------------------------
# TDM128
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TdmTiming:
    """Audio interface timing in ps (datasheet 8.4.3, with BCKP = 1)."""

    lrck_setup_ps: int = 10_000  # tLRBD: LRCK change to BICK falling
    lrck_hold_ps: int = 10_000  # tBLRD: BICK falling to LRCK change
    sdin_setup_ps: int = 10_000  # tBSIDS
    sdin_hold_ps: int = 5_000  # tBSIDH
    slow_launch_ps: int = 20_000  # tBSOD1 max: SDOPH = 0, after BICK rising
    fast_launch_ps: int = 30_000  # tBSOD2 max: SDOPH = 1, after BICK falling
    slow_launch_min_ps: int = 0  # tBSOD1 has no minimum in the datasheet
    fast_launch_min_ps: int = 5_000  # tBSOD2 min


def slot_bit(period: int) -> tuple[int, int]:
    """(slot, bit of the slot) carried in BICK period 1-128 of a frame (I2S: one BICK after the LRCK edge)."""
    return (period - 1) // SLOT_BITS, (period - 1) % SLOT_BITS


def _signed16(word: int) -> int:
    return word - 0x10000 if word & 0x8000 else word


class TdmLink:
    """The codec's side of TDM128 (I2S compatible, BCKP = 1), fed with pin events.

    Frame f starts at the BICK falling edge where LRCK is first seen low
    (period 0); frame 0 is the first such edge. Period p of the frame is the
    BICK period from the rising edge before that fall; LRCK must be low in
    periods 0-63 and high in 64-127, and fall again after exactly 128. The
    word of slot s (SDIN1 and SDOUT1) starts in period 32 s + 1; period 0
    carries the last bit of the previous frame's slot 3.

    The owner supplies `sdoph` and `sdout_bits` (the launch mode and the
    SDOUT word length, read from the registers at each use) and `sending`
    (whether the codec is running, asked at each frame start); `on_clocks`
    is called with each frame's measurement.
    """

    def __init__(self, *, fs_hz: float, board_delay_ps: int, rng: random.Random,
                 sdoph: Callable[[], int], sdout_bits: Callable[[], int], sending: Callable[[], bool],
                 on_clocks: Callable[[int, ClockRates], None], timing: TdmTiming = TdmTiming(),
                 mclk_connected: bool = True) -> None:
        self.fs_hz = fs_hz
        self.board_delay_ps = board_delay_ps
        self.rng = rng
        self.timing = timing
        self._sdoph, self._sdout_bits, self._sending_now, self._on_clocks = sdoph, sdout_bits, sending, on_clocks
        self.mclk_connected = mclk_connected
        self.adc_queue: deque[np.ndarray] = deque()
        self.adc_frames: list[tuple[int, np.ndarray]] = []
        self.dac_frames: list[tuple[int, np.ndarray]] = []
        self.frames_received = 0
        self.clocks: ClockRates | None = None
        self.frame: int | None = None  # None until the first LRCK falling edge
        self.period = 0
        self._lrck: int | None = None  # LRCK at the last BICK fall
        self._t_fall: int | None = None
        self._t_lrck: int | None = None  # last change of LRCK / SDIN1
        self._t_sdin: int | None = None
        self._t_frame: int | None = None  # the BICK fall that started the current frame
        self._mclk_total = 0
        self._t_mclk: int | None = None
        self._mclk_at_frame: int | None = None
        self._dac = [0] * 4
        self._words = np.zeros(4, dtype=np.int64)
        self._extra = [0] * 4  # the bits after each 16-bit ADC word (random: a gateware must ignore them)
        self._word_bits = WORD_BITS
        self._sending = False
        self._sdout = 0  # the level last scheduled on SDOUT1

    # -- the bench's ADC words ----------------------------------------------------------------------

    def queue_adc(self, words: np.ndarray | Iterable[Iterable[int]]) -> None:
        array = np.asarray(words, dtype=np.int64)
        if array.ndim != 2 or array.shape[1] != 4:
            raise ValueError(f"queue_adc wants an (N, 4) array of ADC words, got shape {array.shape}")
        if array.size and (array.min() < -32768 or array.max() > 32767):
            raise ValueError("queue_adc: ADC words are signed 16-bit, [-32768, 32767]")
        self.adc_queue.extend(row.copy() for row in array)

    # -- pin events ---------------------------------------------------------------------------------

    def on_mclk_rise(self, time_ps: int) -> None:
        self._mclk_total += 1
        self._t_mclk = time_ps

    def on_lrck_change(self, time_ps: int) -> None:
        self._check_hold(time_ps, "LRCK", self.timing.lrck_hold_ps, "tBLRD")
        self._t_lrck = time_ps

    def on_sdin_change(self, time_ps: int) -> None:
        self._check_hold(time_ps, "SDIN1", self.timing.sdin_hold_ps, "tBSIDH")
        self._t_sdin = time_ps

    def on_bick_rise(self, time_ps: int) -> list[tuple[int, int]]:
        """BICK rose: it starts the next BICK period; with SDOPH = 0 that period's bit is launched now."""
        if self.frame is None or self._sdoph():
            return []
        return self._launch(time_ps + self._delay(self.timing.slow_launch_min_ps, self.timing.slow_launch_ps),
                            self.period + 1)

    def _delay(self, minimum_ps: int, maximum_ps: int) -> int:
        """A launch delay inside the datasheet's range, its two ends as often as the inside, plus the board's."""
        pick = self.rng.randrange(3)
        delay = minimum_ps if pick == 0 else maximum_ps if pick == 1 else self.rng.randint(minimum_ps, maximum_ps)
        return delay + self.board_delay_ps

    def on_bick_fall(self, time_ps: int, lrck: int | None, sdin: int | None) -> list[tuple[int, int]]:
        """BICK fell: sample LRCK and SDIN1; returns the SDOUT1 changes to schedule, (time_ps, level)."""
        previous, self._lrck = self._lrck, lrck
        self._t_fall = time_ps
        if self.frame is None:
            if previous != 1 or lrck != 0:
                return []
            self._check_setup(time_ps)
            self.frame, self.period = 0, 0
            self._start_frame(time_ps)
        else:
            self._check_setup(time_ps)
            self.period += 1
            if lrck not in (0, 1) or sdin not in (0, 1):
                self._fail(time_ps, f"LRCK = {lrck}, SDIN1 = {sdin} at the BICK falling edge: not 0/1 "
                                    f"(X or Z sampled)")
            if previous == 1 and lrck == 0:
                if self.period != BICK_PER_FRAME:
                    self._fail(time_ps, f"LRCK fell after {self.period} BICK periods of the frame; a TDM128 "
                                        f"frame is exactly 128 (channels would rotate)")
                self.frame += 1
                self.period = 0
                self._start_frame(time_ps)
            elif self.period >= BICK_PER_FRAME:
                self._fail(time_ps, f"LRCK did not fall after 128 BICK periods (LRCK = {lrck} in period "
                                    f"{self.period}); a TDM128 frame is exactly 128 (channels would rotate)")
            else:
                expected = 0 if self.period < 64 else 1
                if lrck != expected:
                    self._fail(time_ps, f"LRCK = {lrck} in BICK period {self.period}; expected {expected} "
                                        f"(low in periods 0-63, high in 64-127, falling after 128)")
            assert sdin is not None
            self._take_sdin(time_ps, sdin)
        if self._sdoph():
            return self._launch(time_ps + self._delay(self.timing.fast_launch_min_ps, self.timing.fast_launch_ps),
                                self.period + 1)
        return []

    # -- frames -------------------------------------------------------------------------------------

    def _start_frame(self, time_ps: int) -> None:
        mclk_before = self._mclk_total - (1 if self._t_mclk == time_ps else 0)  # an edge at this instant: next frame
        if self._t_frame is not None and self._mclk_at_frame is not None:
            self._measure(time_ps, time_ps - self._t_frame, mclk_before - self._mclk_at_frame)
        self._t_frame = time_ps
        self._mclk_at_frame = mclk_before
        self._sending = self._sending_now()
        words = np.zeros(4, dtype=np.int64)
        if self._sending and self.adc_queue:
            words = self.adc_queue.popleft()
        self._words = words
        self._word_bits = self._sdout_bits()
        extra_bits = max(self._word_bits - WORD_BITS, 0)
        self._extra = [self.rng.getrandbits(extra_bits) for _ in range(4)]
        assert self.frame is not None
        self.adc_frames.append((self.frame, words.copy()))

    def _measure(self, time_ps: int, frame_ps: int, mclk: int) -> None:
        fs = 1e12 / frame_ps
        if abs(fs - self.fs_hz) > self.fs_hz * FS_TOLERANCE:
            self._fail(time_ps, f"LRCK period {format_duration(frame_ps)} (fs = {fs:.1f} Hz) in frame "
                                f"{self.frame - 1}; the bench expects fs = {self.fs_hz} Hz (+-0.1%)")
        if self.mclk_connected:
            if mclk not in (128, 256):
                self._fail(time_ps, f"{mclk} MCLK rising edges in frame {self.frame - 1}; MCLK must be 128 fs "
                                    f"or 256 fs")
            if self.clocks is not None and mclk != self.clocks.mclk_per_frame:
                self._fail(time_ps, f"{mclk} MCLK rising edges in frame {self.frame - 1}, "
                                    f"{self.clocks.mclk_per_frame} in the one before: MCLK must be synchronous")
        else:
            mclk = assumed_mclk_per_frame(fs)
        self.clocks = ClockRates(frame_ps, BICK_PER_FRAME, mclk)
        self._on_clocks(time_ps, self.clocks)

    def _take_sdin(self, time_ps: int, sdin: int) -> None:
        assert self.frame is not None
        if self.period == 0:
            if self.frame == 0:
                return
            slot, bit, frame = 3, SLOT_BITS - 1, self.frame - 1
        else:
            (slot, bit), frame = slot_bit(self.period), self.frame
        if bit < WORD_BITS:
            self._dac[slot] = ((self._dac[slot] << 1) | sdin) & 0xFFFF
        elif sdin:
            self._fail(time_ps, f"SDIN1 = 1 in frame {frame}, slot {slot}, bit {bit} of the slot (BICK period "
                                f"{self.period}); expected 0: the FPGA must send zeros in bits 16-31 of every slot")
        if self.period == BICK_PER_FRAME - 1:
            words = np.array([_signed16(w) for w in self._dac], dtype=np.int64)
            self.dac_frames.append((self.frame, words))
            self.frames_received += 1

    # -- SDOUT1 -------------------------------------------------------------------------------------

    def sdout_bit(self, period: int) -> int:
        """The SDOUT1 level of BICK period 0-128 of the current frame (128 = period 0 of the next)."""
        if not self._sending or period <= 0 or period >= BICK_PER_FRAME:
            return 0
        slot, bit = slot_bit(period)
        if bit < WORD_BITS:
            return (int(self._words[slot]) >> (WORD_BITS - 1 - bit)) & 1
        if bit < self._word_bits:
            return (self._extra[slot] >> (self._word_bits - 1 - bit)) & 1
        return 0

    def _launch(self, time_ps: int, period: int) -> list[tuple[int, int]]:
        level = self.sdout_bit(period)
        if level == self._sdout:
            return []
        self._sdout = level
        return [(time_ps, level)]

    # -- checks -------------------------------------------------------------------------------------

    def _check_setup(self, time_ps: int) -> None:
        t = self.timing
        for name, changed, minimum, symbol in (("LRCK", self._t_lrck, t.lrck_setup_ps, "tLRBD"),
                                               ("SDIN1", self._t_sdin, t.sdin_setup_ps, "tBSIDS")):
            if changed is not None and time_ps - changed < minimum:
                self._fail(time_ps, f"{name} changed {format_duration(time_ps - changed)} before BICK fell; "
                                    f"setup ({symbol}) must be >= {format_duration(minimum)}")

    def _check_hold(self, time_ps: int, name: str, minimum: int, symbol: str) -> None:
        if self.frame is not None and self._t_fall is not None and time_ps - self._t_fall < minimum:
            self._fail(time_ps, f"{name} changed {format_duration(time_ps - self._t_fall)} after BICK fell; hold "
                                f"({symbol}) must be >= {format_duration(minimum)}")

    def _fail(self, time_ps: int, message: str) -> None:
        _fail(time_ps, f"TDM frame {self.frame}, BICK period {self.period}: {message}")


# ---------------------------------------------------------------------------------------------------
# The codec
# ---------------------------------------------------------------------------------------------------


class Ak4619:
    """The AK4619VN as plain Python: PDN, the I2C register port, the configuration check and TDM128.

    Feed it pin events (`on_pdn`, `on_bick_fall`, ... with times in ps) and
    put `control` on an `I2cBus`. `configured` becomes True once a STOP ends
    a write that leaves all 21 registers written since PDN rose, and they
    pass `configuration_errors` for the clocks measured on the pins (checked
    as soon as a frame has been measured if it was not yet); a failing set-up
    raises. SDOUT1 carries the queued ADC words only while configured.
    """

    def __init__(self, *, fs_hz: float, board_delay_ns: float = 5.0, register_access_ms: float = 10.0,
                 acknowledge: bool = True, rng: random.Random | None = None, mclk_connected: bool = True,
                 timing: TdmTiming = TdmTiming()) -> None:
        self.fs_hz = fs_hz
        self.registers = RegisterFile()
        self.power = PowerMonitor(round(register_access_ms * PS_PER_MS))
        self.control = CodecControl(self.registers, self.power, self._write_done, acknowledge)
        self.tdm = TdmLink(fs_hz=fs_hz, board_delay_ps=round(board_delay_ns * PS_PER_NS),
                           rng=rng if rng is not None else random.Random(0),
                           sdoph=lambda: self.registers.values[0x01] & 1,
                           sdout_bits=lambda: SDOUT_WORD_BITS.get(self.registers.values[0x02] & 3, 24),
                           sending=lambda: self.configured and self.power.high,
                           on_clocks=self._clocks_measured, timing=timing, mclk_connected=mclk_connected)
        self.configured = False
        self.clocks: ClockRates | None = None
        self._check_pending = False

    # -- pins ---------------------------------------------------------------------------------------

    def begin(self, time_ps: int, pdn: int | None) -> None:
        self.power.begin(time_ps, pdn)

    def on_pdn(self, time_ps: int, level: int | None) -> None:
        if self.power.on_pdn(time_ps, level):
            self.registers.reset()
            self.configured = False
            self._check_pending = False

    def on_mclk_rise(self, time_ps: int) -> None:
        self.tdm.on_mclk_rise(time_ps)

    def on_lrck_change(self, time_ps: int) -> None:
        self.tdm.on_lrck_change(time_ps)

    def on_sdin_change(self, time_ps: int) -> None:
        self.tdm.on_sdin_change(time_ps)

    def on_bick_rise(self, time_ps: int) -> list[tuple[int, int]]:
        return self.tdm.on_bick_rise(time_ps)

    def on_bick_fall(self, time_ps: int, lrck: int | None, sdin: int | None) -> list[tuple[int, int]]:
        return self.tdm.on_bick_fall(time_ps, lrck, sdin)

    def assume_clocks(self, time_ps: int) -> None:
        """For a bench without TDM pins: take the clocks docs/audio.md would generate for fs_hz."""
        frame_ps = round(1e12 / self.fs_hz)
        self._clocks_measured(time_ps, ClockRates(frame_ps, BICK_PER_FRAME, assumed_mclk_per_frame(self.fs_hz)))

    # -- configuration ------------------------------------------------------------------------------

    def _write_done(self, time_ps: int) -> None:
        if not self.registers.complete:
            return
        if self.clocks is None:
            self._check_pending = True
            return
        self._check(time_ps)

    def _clocks_measured(self, time_ps: int, clocks: ClockRates) -> None:
        self.clocks = clocks
        if self._check_pending:
            self._check_pending = False
            self._check(time_ps)

    def _check(self, time_ps: int) -> None:
        assert self.clocks is not None
        errors = configuration_errors(self.registers.values, self.clocks, self.fs_hz)
        if errors:
            self.configured = False
            _fail(time_ps, f"the register set-up does not fit the clocks ({self.clocks.describe()}):\n  "
                           + "\n  ".join(errors))
        self.configured = True


# ---------------------------------------------------------------------------------------------------
# cocotb
# ---------------------------------------------------------------------------------------------------


@dataclass
class CodecPins:
    """The bench wrapper's pins (cocotb handles). The wrapper resolves the open-drain SDA:
    sda = ~(fpga_sda_oe | sda_pull), combinationally."""

    pdn: Any  # FPGA -> codec, 1 = running
    scl: Any  # the I2C SCL line (read only)
    sda: Any  # SDA as it is on the bus (read only)
    sda_pull: Any  # the model drives it: 1 = a target pulls SDA low
    mclk: Any = None  # TDM pins; None for an I2C-only bench
    bick: Any = None
    lrck: Any = None
    sdin1: Any = None  # FPGA -> codec (DAC slots)
    sdout1: Any = None  # codec -> FPGA (ADC slots): the model drives it


def _level(handle: Any) -> int | None:
    """A 1-bit pin as 0/1, None for X/Z."""
    try:
        return int(handle.value)
    except ValueError:
        return None


class Ak4619Model:
    """The codec (and the PCA9557 at 0x18 unless `pca9557=False`) on a bench's pins.

    `start()` must run at time 0 (PDN's low time is counted from it). The
    public attributes (`writes`, `registers`, `adc_frames`, ...) are views of
    the pure model's state; `acknowledge` and `jack` may be changed at any
    time. Without TDM pins (`pins.bick is None`) the clocks are taken as
    docs/audio.md generates them for `fs_hz`, so `configured` still works; a
    bench with BICK but no MCLK pin assumes MCLK the same way.
    """

    def __init__(self, pins: CodecPins, *, fs_hz: int, acknowledge: bool = True, board_delay_ns: float = 5.0,
                 register_access_ms: float = 10.0, jack: int = 0x0F, pca9557: bool = True) -> None:
        self.pins = pins
        self.fs_hz = fs_hz
        self.codec = Ak4619(fs_hz=fs_hz, board_delay_ns=board_delay_ns, register_access_ms=register_access_ms,
                            acknowledge=acknowledge, rng=random.Random(derived_seed("ak4619 sdout padding")),
                            mclk_connected=pins.mclk is not None)
        self.pca9557 = Pca9557(jack=jack) if pca9557 else None
        self._jack = jack
        targets = [self.codec.control] + ([self.pca9557] if self.pca9557 is not None else [])
        self.bus = I2cBus(targets)
        self._tasks: list[cocotb.task.Task] = []
        self._frame_event = Event()
        self._sdout_queue: Queue[tuple[int, int]] = Queue()

    # -- the API ------------------------------------------------------------------------------------

    @property
    def acknowledge(self) -> bool:
        return self.codec.control.acknowledge

    @acknowledge.setter
    def acknowledge(self, value: bool) -> None:
        self.codec.control.acknowledge = bool(value)

    @property
    def jack(self) -> int:
        return self.pca9557.jack if self.pca9557 is not None else self._jack

    @jack.setter
    def jack(self, value: int) -> None:
        self._jack = int(value) & 0xFF
        if self.pca9557 is not None:
            self.pca9557.jack = self._jack

    @property
    def adc_frames(self) -> list[tuple[int, np.ndarray]]:
        return self.codec.tdm.adc_frames

    @property
    def dac_frames(self) -> list[tuple[int, np.ndarray]]:
        return self.codec.tdm.dac_frames

    @property
    def writes(self) -> list[tuple[int, int]]:
        return self.codec.control.writes

    @property
    def registers(self) -> list[int]:
        return self.codec.registers.values

    @property
    def configured(self) -> bool:
        return self.codec.configured

    @property
    def nacked_addresses(self) -> int:
        return self.codec.control.nacked_addresses

    def queue_adc(self, words: np.ndarray) -> None:
        """(N, 4) signed 16-bit ADC words, sent in the next N frames the codec runs (slot s = ADC s)."""
        self.codec.tdm.queue_adc(words)

    async def frames(self, n: int) -> None:
        """Wait until n more frames have been received on SDIN1."""
        assert self.pins.bick is not None, "frames() needs the TDM pins (this bench has none)"
        target = self.codec.tdm.frames_received + n
        while self.codec.tdm.frames_received < target:
            await self._frame_event.wait()

    def start(self) -> None:
        pins = self.pins
        self.codec.begin(self._now(), _level(pins.pdn))
        pins.sda_pull.value = 0
        watchers = [self._watch_pdn(), self._watch_i2c()]
        if pins.bick is not None:
            assert pins.lrck is not None and pins.sdin1 is not None and pins.sdout1 is not None, \
                "TDM pins: bick, lrck, sdin1 and sdout1 come together"
            pins.sdout1.value = 0
            watchers += [self._watch_bick(), self._watch_change(pins.lrck, self.codec.on_lrck_change),
                         self._watch_change(pins.sdin1, self.codec.on_sdin_change), self._drive_sdout()]
            if pins.mclk is not None:
                watchers.append(self._watch_mclk())
        else:
            self.codec.assume_clocks(self._now())
        self._tasks = [cocotb.start_soon(w) for w in watchers]

    # -- coroutines (edges in, pure model calls, pin writes out) ------------------------------------

    @staticmethod
    def _now() -> int:
        return round(get_sim_time("ps"))

    async def _watch_pdn(self) -> None:
        pdn = self.pins.pdn
        while True:
            await pdn.value_change
            self.codec.on_pdn(self._now(), _level(pdn))

    async def _watch_i2c(self) -> None:
        """Sample both lines once per time step, settled (ReadOnly), so simultaneous changes are one event."""
        scl, sda = self.pins.scl, self.pins.sda
        pull = False
        self.bus.on_scl_sda(self._now(), _level(scl) != 0, _level(sda) != 0)
        while True:
            await First(scl.value_change, sda.value_change)
            await ReadOnly()
            # X/Z reads as 1: the bus is pulled up.
            new_pull = self.bus.on_scl_sda(self._now(), _level(scl) != 0, _level(sda) != 0)
            if new_pull != pull:
                pull = new_pull
                cocotb.start_soon(self._set_pull(new_pull))

    async def _set_pull(self, pull: bool) -> None:
        await Timer(1, "step")  # out of ReadOnly: the change lands one step after the SCL fall it answers
        self.pins.sda_pull.value = int(pull)

    async def _watch_bick(self) -> None:
        bick, lrck, sdin = self.pins.bick, self.pins.lrck, self.pins.sdin1
        queue = self._sdout_queue
        while True:
            await bick.value_change
            now = self._now()
            level = _level(bick)
            if level == 1:
                drives = self.codec.on_bick_rise(now)
            elif level == 0:
                received = self.codec.tdm.frames_received
                drives = self.codec.on_bick_fall(now, _level(lrck), _level(sdin))
                if self.codec.tdm.frames_received != received:
                    self._frame_event.set()  # wakes every frames() waiter, which re-checks its count
                    self._frame_event.clear()
            else:
                continue
            for drive in drives:
                queue.put_nowait(drive)

    async def _watch_change(self, handle: Any, callback: Callable[[int], None]) -> None:
        while True:
            await handle.value_change
            callback(self._now())

    async def _watch_mclk(self) -> None:
        mclk = self.pins.mclk
        while True:
            await RisingEdge(mclk)
            self.codec.on_mclk_rise(self._now())

    async def _drive_sdout(self) -> None:
        """Apply the scheduled SDOUT1 changes in order, each at its launch time."""
        queue, sdout = self._sdout_queue, self.pins.sdout1
        while True:
            time_ps, level = await queue.get()
            delay = time_ps - self._now()
            if delay > 0:
                await Timer(delay, "ps", round_mode="round")
            sdout.value = level
