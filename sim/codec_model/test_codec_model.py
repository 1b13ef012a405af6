"""The codec model's protocol logic (simlib.ak4619, simlib.i2c_target, simlib.pca9557) without a simulator.

The model is the oracle of the audio gateware, so every check it makes is
shown here to fire on a synthetic sequence that contains the fault (with the
message it must give), and the correct sequences of docs/audio.md (48 kHz and
192 kHz) are shown to pass. The sequences are ideal wires: an I2C master that
keeps exact times, and a TDM128 master whose BICK edges sit at integer
picoseconds, LRCK and SDIN1 changing on BICK rising as the FPGA does.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import pytest

from simlib.ak4619 import (
    CODEC_ADDRESS, DEFAULTS, REGISTER_COUNT, Ak4619, ClockRates, CodecError, TdmLink, TdmTiming, configuration_errors, slot_bit,
)
from simlib.i2c_target import I2cBus, I2cError
from simlib.pca9557 import PCA9557_ADDRESS, Pca9557, Pca9557Error

NS = 1_000
US = 1_000_000
MS = 1_000_000_000

# docs/audio.md: the one auto-increment write from register 0x00.
SETUP = {
    48_000: [0x37, 0xAE, 0x1C, 0x00, 0x22, 0x22, 0x30, 0x30, 0x30, 0x30, 0x22,
             0x55, 0x00, 0x06, 0x18, 0x18, 0x18, 0x18, 0x04, 0x05, 0x0A],
    192_000: [0x37, 0xAF, 0x1C, 0x04, 0x22, 0x22, 0x30, 0x30, 0x30, 0x30, 0x22,
              0x55, 0x00, 0x06, 0x18, 0x18, 0x18, 0x18, 0x04, 0x05, 0x0A],
}
PDN_RISE = 1 * MS
FIRST_ACCESS = PDN_RISE + 10 * MS


# ---------------------------------------------------------------------------------------------------
# An ideal I2C master, sample by sample
# ---------------------------------------------------------------------------------------------------


@dataclass
class Master:
    """Drives an I2cBus like the FPGA's master: SDA changes `hold` after SCL falls, then SCL rises.

    The targets' pull is applied 1 ps after the sample that asked for it, as
    the cocotb wrapper applies it one simulator step later.
    """

    bus: I2cBus
    t: int = 0
    low: int = 1_600 * NS
    high: int = 900 * NS
    hold: int = 300 * NS
    start_hold: int = 600 * NS
    start_setup: int = 600 * NS
    stop_setup: int = 600 * NS
    bus_free: int = 1_300 * NS
    scl: int = 1
    sda: int = 1
    pull: bool = False

    def __post_init__(self) -> None:
        self._sample()

    @property
    def line(self) -> int:
        return int(self.sda and not self.pull)

    def _sample(self) -> None:
        pull = self.bus.on_scl_sda(self.t, self.scl, self.line)
        if pull != self.pull:
            self.pull = pull
            self.bus.on_scl_sda(self.t + 1, self.scl, self.line)

    def set(self, *, scl: int | None = None, sda: int | None = None) -> None:
        if scl is not None:
            self.scl = scl
        if sda is not None:
            self.sda = sda
        self._sample()

    def wait(self, ps: int) -> None:
        self.t += ps

    def start(self) -> None:
        self.set(sda=0)
        self.wait(self.start_hold)
        self.set(scl=0)

    def restart(self) -> None:
        self.wait(self.hold)
        self.set(sda=1)
        self.wait(self.low - self.hold)
        self.set(scl=1)
        self.wait(self.start_setup)
        self.start()

    def stop(self) -> None:
        self.wait(self.hold)
        self.set(sda=0)
        self.wait(self.low - self.hold)
        self.set(scl=1)
        self.wait(self.stop_setup)
        self.set(sda=1)
        self.wait(self.bus_free)

    def bit(self, value: int) -> int:
        """One SCL pulse with SDA = value (1 releases it); returns the line when SCL rose."""
        self.wait(self.hold)
        self.set(sda=value)
        self.wait(self.low - self.hold)
        self.set(scl=1)
        seen = self.line
        self.wait(self.high)
        self.set(scl=0)
        return seen

    def byte(self, value: int) -> bool:
        """Write a byte; True if a target acknowledged it."""
        for i in range(8):
            self.bit((value >> (7 - i)) & 1)
        return self.bit(1) == 0

    def read_byte(self, ack: bool) -> int:
        value = 0
        for _ in range(8):
            value = (value << 1) | self.bit(1)
        self.bit(0 if ack else 1)
        return value

    def write(self, address: int, data: list[int]) -> list[bool]:
        """One write transfer; stops at the first NACK. Returns the ACKs (address byte first)."""
        self.start()
        acks = [self.byte(address << 1)]
        for value in data:
            if not acks[-1]:
                break
            acks.append(self.byte(value))
        self.stop()
        return acks

    def read(self, address: int, count: int) -> list[int]:
        self.start()
        assert self.byte((address << 1) | 1), f"0x{address:02X} did not acknowledge a read"
        values = [self.read_byte(ack=i < count - 1) for i in range(count)]
        self.stop()
        return values

    def write_then_read(self, address: int, command: int, count: int) -> list[int]:
        """Command byte, repeated START, read (the PCA9557's register read)."""
        self.start()
        assert self.byte(address << 1) and self.byte(command)
        self.restart()
        assert self.byte((address << 1) | 1)
        values = [self.read_byte(ack=i < count - 1) for i in range(count)]
        self.stop()
        return values


@dataclass
class Rig:
    codec: Ak4619
    pca: Pca9557
    bus: I2cBus
    master: Master


def rig(fs_hz: int = 48_000, *, pdn_rise: int | None = PDN_RISE, master_at: int = FIRST_ACCESS,
        acknowledge: bool = True, **timing: int) -> Rig:
    """The codec and the jack detector on one bus, PDN low from 0 and high at `pdn_rise`."""
    codec = Ak4619(fs_hz=fs_hz, acknowledge=acknowledge, rng=random.Random(7))
    codec.begin(0, 0)
    if pdn_rise is not None:
        codec.on_pdn(pdn_rise, 1)
    pca = Pca9557()
    bus = I2cBus([codec.control, pca])
    return Rig(codec, pca, bus, Master(bus, t=master_at, **timing))


# ---------------------------------------------------------------------------------------------------
# An ideal TDM128 master
# ---------------------------------------------------------------------------------------------------


def sdin_bits(words: list[int] | np.ndarray) -> list[int]:
    """SDIN1 levels of BICK periods 0-127: each 16-bit word at 32 s + 1, MSB first, zeros elsewhere."""
    bits = [0] * 128
    for p in range(1, 128):
        slot, bit = slot_bit(p)
        if bit < 16:
            bits[p] = (int(words[slot]) & 0xFFFF) >> (15 - bit) & 1
    return bits


def frame(words: list[int] | np.ndarray = (0, 0, 0, 0), *, length: int = 128, rise_at: int = 64,
          flips: tuple[int, ...] = ()) -> list[tuple[int, int]]:
    """(LRCK, SDIN1) of each BICK period of one frame; `flips` inverts SDIN1 in those periods."""
    bits = sdin_bits(words) + [0] * max(0, length - 128)
    return [(0 if p < rise_at else 1, bits[p] ^ (p in flips)) for p in range(length)]


@dataclass
class Tdm:
    """Feeds BICK / LRCK / SDIN1 / MCLK events to a codec (Ak4619 or TdmLink) in time order.

    BICK period k rises at t0 + k T and falls at t0 + (k + 1/2) T (integer ps);
    LRCK and SDIN1 change on the rising edge (plus a per-period shift for the
    timing faults). MCLK rises on both BICK edges (256 fs) or on BICK rising
    (128 fs); `mclk_first` orders an MCLK edge before a BICK edge at the same
    instant (a simulator may do either).
    """

    codec: object
    fs_hz: float
    t0: int = 20 * MS
    mclk_per_frame: int | None = 256
    mclk_first: bool = True
    k: int = 0
    lrck: int = 1
    sdin: int = 0
    drives: list[tuple[int, int]] = field(default_factory=list)
    falls: list[int] = field(default_factory=list)
    rises: list[int] = field(default_factory=list)

    def time(self, half_periods: float) -> int:
        return round(self.t0 + half_periods * 1e12 / (128 * self.fs_hz) / 2)

    def run(self, periods: list[tuple[int, int]], *, sdin_shift: dict[int, int] | None = None,
            lrck_shift: dict[int, int] | None = None) -> None:
        """The periods in order; shifts (ps, keyed by index into `periods`) move a change off the rising edge."""
        sdin_shift, lrck_shift = sdin_shift or {}, lrck_shift or {}
        events: list[tuple[int, int, str, int]] = []
        lrck, sdin = self.lrck, self.sdin
        mclk_order = 0 if self.mclk_first else 3
        for i, (new_lrck, new_sdin) in enumerate(periods):
            rise, fall = self.time(2 * (self.k + i)), self.time(2 * (self.k + i) + 1)
            events.append((rise, 1, "rise", 0))
            if new_lrck != lrck:
                events.append((rise + lrck_shift.get(i, 0), 2, "lrck", new_lrck))
            if new_sdin != sdin:
                events.append((rise + sdin_shift.get(i, 0), 2, "sdin", new_sdin))
            events.append((fall, 1, "fall", 0))
            if self.mclk_per_frame == 256:
                events += [(rise, mclk_order, "mclk", 0), (fall, mclk_order, "mclk", 0)]
            elif self.mclk_per_frame == 128:
                events.append((rise, mclk_order, "mclk", 0))
            elif self.mclk_per_frame == 384:  # three MCLK per BICK period
                events += [(self.time(2 * (self.k + i) + j * 2 / 3), mclk_order, "mclk", 0) for j in range(3)]
            lrck, sdin = new_lrck, new_sdin
        self.k += len(periods)
        codec = self.codec
        for time, _, kind, value in sorted(events, key=lambda e: (e[0], e[1])):
            if kind == "rise":
                self.rises.append(time)
                self.drives += codec.on_bick_rise(time)
            elif kind == "fall":
                self.falls.append(time)
                self.drives += codec.on_bick_fall(time, self.lrck, self.sdin)
            elif kind == "lrck":
                self.lrck = value
                codec.on_lrck_change(time)
            elif kind == "sdin":
                self.sdin = value
                codec.on_sdin_change(time)
            else:
                codec.on_mclk_rise(time)

    def frames(self, words: np.ndarray) -> None:
        """A short lead-in (the end of a frame, LRCK high) the first time, then one frame per row."""
        if self.k == 0:
            self.run([(1, 0)] * 3)
        for row in words:
            self.run(frame(row))

    def sdout_samples(self) -> list[int]:
        """SDOUT1 as the FPGA samples it on every BICK falling edge (a change at the same instant is too late)."""
        samples, level, i = [], 0, 0
        drives = sorted(self.drives)
        for fall in self.falls:
            while i < len(drives) and drives[i][0] < fall:
                level = drives[i][1]
                i += 1
            samples.append(level)
        return samples


def decode_sdout(samples: list[int]) -> list[list[int]]:
    """The 16-bit words of every frame from SDOUT1 samples (one per BICK period, 3 lead-in periods first)."""
    frames = []
    for start in range(3, len(samples) - 127, 128):
        bits = samples[start:start + 128]
        words = []
        for slot in range(4):
            word = 0
            for b in range(16):
                word = (word << 1) | bits[32 * slot + 1 + b]
            words.append(word - 0x10000 if word & 0x8000 else word)
        frames.append(words)
    return frames


def random_words(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    words = rng.integers(-32768, 32768, (n, 4))
    words[0] = [-32768, 32767, -1, 1]
    return words


def configured_codec(fs_hz: int, setup: list[int] | None = None) -> tuple[Rig, Tdm]:
    """Set-up written over I2C, then TDM frames until the codec has measured its clocks."""
    r = rig(fs_hz)
    assert r.master.write(CODEC_ADDRESS, [0x00] + (setup or SETUP[fs_hz])) == [True] * 23
    tdm = Tdm(r.codec, fs_hz, mclk_per_frame=256 if fs_hz <= 48_000 else 128)
    tdm.frames(np.zeros((2, 4), dtype=np.int64))
    return r, tdm


# ---------------------------------------------------------------------------------------------------
# The set-up sequences of docs/audio.md are accepted
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fs_hz", [48_000, 192_000])
def test_setup_sequence_accepted(fs_hz: int) -> None:
    r = rig(fs_hz)
    acks = r.master.write(CODEC_ADDRESS, [0x00] + SETUP[fs_hz])
    assert acks == [True] * 23
    assert r.codec.control.writes == list(enumerate(SETUP[fs_hz]))
    assert r.codec.registers.values == SETUP[fs_hz]
    assert not r.codec.configured, "no clocks measured yet: the check waits for them"
    tdm = Tdm(r.codec, fs_hz, mclk_per_frame=256 if fs_hz <= 48_000 else 128)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    assert not r.codec.configured, "one LRCK fall is not a measured period"
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    assert r.codec.configured
    clocks = r.codec.clocks
    assert clocks is not None and abs(clocks.frame_ps - 1e12 / fs_hz) <= 1  # BICK edges at whole ps
    assert (clocks.bick_per_frame, clocks.mclk_per_frame) == (128, 256 if fs_hz <= 48_000 else 128)


@pytest.mark.parametrize("fs_hz", [48_000, 192_000])
def test_setup_checked_at_stop_when_clocks_are_known(fs_hz: int) -> None:
    r = rig(fs_hz)
    r.codec.assume_clocks(0)  # what a bench without TDM pins does
    r.master.write(CODEC_ADDRESS, [0x00] + SETUP[fs_hz])
    assert r.codec.configured


def test_setup_incomplete_is_not_configured() -> None:
    r = rig(48_000)
    r.codec.assume_clocks(0)
    r.master.write(CODEC_ADDRESS, [0x00] + SETUP[48_000][:-1])
    assert not r.codec.configured and r.codec.registers.written == set(range(REGISTER_COUNT - 1))
    r.master.write(CODEC_ADDRESS, [0x14, 0x0A])  # the last register in a second write completes the set
    assert r.codec.configured


def test_registers_default_until_written() -> None:
    r = rig(48_000)
    assert r.codec.registers.values == list(DEFAULTS)
    r.master.write(CODEC_ADDRESS, [0x0E, 0x20])
    assert r.codec.registers.values[0x0E] == 0x20 and r.codec.registers.written == {0x0E}


def test_auto_increment_rolls_over_after_0x14() -> None:
    r = rig(48_000)
    r.master.write(CODEC_ADDRESS, [0x13, 0x01, 0x02, 0x03])
    assert r.codec.control.writes == [(0x13, 0x01), (0x14, 0x02), (0x00, 0x03)]


def test_codec_random_address_read() -> None:
    r = rig(48_000)
    r.master.write(CODEC_ADDRESS, [0x06, 0x31, 0x32])
    assert r.master.write_then_read(CODEC_ADDRESS, 0x06, 3) == [0x31, 0x32, 0x30]


# ---------------------------------------------------------------------------------------------------
# Register checks
# ---------------------------------------------------------------------------------------------------


def _clocks(fs_hz: float, mclk: int | None = None) -> ClockRates:
    return ClockRates(round(1e12 / fs_hz), 128, mclk or (256 if fs_hz <= 48_000 else 128))


@pytest.mark.parametrize("fs_hz", [48_000, 192_000])
def test_configuration_valid(fs_hz: int) -> None:
    assert configuration_errors(SETUP[fs_hz], _clocks(fs_hz), fs_hz) == []


@pytest.mark.parametrize("register, value", [(0x02, 0x18), (0x02, 0x10), (0x02, 0x12), (0x03, 0x07)])
def test_configuration_accepts_alternatives(register: int, value: int) -> None:
    """DIDL 10 / 00 and DODL 10 are allowed; FS = 1xx means any of 100-111."""
    fs = 192_000 if register == 0x03 else 48_000
    values = list(SETUP[fs])
    values[register] = value
    assert configuration_errors(values, _clocks(fs), fs) == []


@pytest.mark.parametrize("fs_hz, register, value, message", [
    (192_000, 0x01, 0xAE, "SDOPH = 0 with BICK = 24.5760 MHz"),
    (48_000, 0x01, 0xAF, "SDOPH = 1 with BICK = 6.1440 MHz"),
    (192_000, 0x03, 0x00, "FS = 000 does not match the clocks (MCLK = 128 fs, fs = 192000.0 Hz)"),
    (48_000, 0x03, 0x04, "FS = 100 does not match the clocks (MCLK = 256 fs, fs = 48000.0 Hz)"),
    (48_000, 0x03, 0x01, "FS = 001 does not match"),
    (48_000, 0x0D, 0x00, "AD1HPFN = 0, AD2HPFN = 0; both must be 1"),
    (48_000, 0x0D, 0x04, "AD1HPFN = 0, AD2HPFN = 1"),
    (48_000, 0x0D, 0x02, "AD1HPFN = 1, AD2HPFN = 0"),
    (48_000, 0x0C, 0x01, "register 0x0C = 0x01: bits 0x01 are listed \"0\""),
    (48_000, 0x02, 0x9C, "register 0x02 = 0x9C: bits 0x80 are listed \"0\""),
    (48_000, 0x00, 0x3F, "register 0x00 = 0x3F: bits 0x08 are listed \"0\""),
    (48_000, 0x14, 0x4A, "register 0x14 = 0x4A: bits 0x40 are listed \"0\""),
    (48_000, 0x00, 0x36, "RSTN = 0"),
    (48_000, 0x00, 0x27, "PMAD1 = 0"),
    (48_000, 0x00, 0x35, "PMDA1 = 0"),
    (48_000, 0x01, 0x2E, "TDM = 0"),
    (48_000, 0x01, 0x8E, "DCF = 000"),
    (48_000, 0x01, 0xF2, "DCF = 111"),
    (48_000, 0x01, 0xA6, "DSL = 01"),
    (48_000, 0x01, 0xAC, "BCKP = 0"),
    (48_000, 0x02, 0x0C, "SLOT = 0"),
    (48_000, 0x02, 0x14, "DIDL = 01"),
    (48_000, 0x02, 0x1D, "DODL = 01"),
    (48_000, 0x02, 0x1F, "DODL = 11"),
])
def test_configuration_fault(fs_hz: int, register: int, value: int, message: str) -> None:
    values = list(SETUP[fs_hz])
    values[register] = value
    errors = configuration_errors(values, _clocks(fs_hz), fs_hz)
    assert any(message in e for e in errors), errors


def test_configuration_fs_against_mclk_and_bench() -> None:
    errors = configuration_errors(SETUP[48_000], _clocks(48_000, mclk=128), 48_000)
    assert any("FS = 000 does not match the clocks (MCLK = 128 fs" in e for e in errors), errors
    errors = configuration_errors(SETUP[48_000], _clocks(44_100), 48_000)
    assert any("measured fs = 44100.0 Hz, the bench expects 48000 Hz" in e for e in errors), errors
    errors = configuration_errors(SETUP[192_000], _clocks(96_000, mclk=128), 96_000)
    assert any("FS = 100 does not match" in e for e in errors), errors


def test_sdoph_missing_at_192k_fails_at_stop() -> None:
    """The measured clocks come first (TDM running), then the write: the check runs at its STOP."""
    r = rig(192_000)
    Tdm(r.codec, 192_000, t0=2 * MS, mclk_per_frame=128).frames(np.zeros((2, 4), dtype=np.int64))
    setup = list(SETUP[192_000])
    setup[1] = 0xAE
    with pytest.raises(CodecError, match=r"SDOPH = 0 with BICK = 24\.5760 MHz; SDOPH must be 1"):
        r.master.write(CODEC_ADDRESS, [0x00] + setup)
    assert not r.codec.configured


def test_fs_wrong_fails_when_clocks_are_measured() -> None:
    """The write comes first: the check waits for the first measured frame, then fails."""
    r = rig(48_000)
    setup = list(SETUP[48_000])
    setup[3] = 0x04
    r.master.write(CODEC_ADDRESS, [0x00] + setup)
    tdm = Tdm(r.codec, 48_000)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(CodecError, match=r"the register set-up does not fit the clocks .*\n  register 0x03 = 0x04: "
                                         r"FS = 100 does not match the clocks \(MCLK = 256 fs, fs = 48000\.0 Hz\)"):
        tdm.frames(np.zeros((1, 4), dtype=np.int64))


# ---------------------------------------------------------------------------------------------------
# PDN and access time
# ---------------------------------------------------------------------------------------------------


def test_start_too_early_after_pdn() -> None:
    r = rig(48_000, master_at=PDN_RISE + 5 * MS)
    with pytest.raises(CodecError, match=r"I2C START addressed to the codec \(0x10\) 5000\.000 us after PDN rose "
                                         r"\(at t=1\.000000000 ms\); registers are accessible only 10 ms"):
        r.master.write(CODEC_ADDRESS, [0x00, 0x37])


def test_start_while_pdn_low() -> None:
    r = rig(48_000, pdn_rise=None, master_at=20 * MS)
    with pytest.raises(CodecError, match=r"at t=20\.000000000 ms: I2C START addressed to the codec \(0x10\) while "
                                         r"PDN is low"):
        r.master.write(CODEC_ADDRESS, [0x00, 0x37])


def test_pca9557_needs_no_pdn() -> None:
    r = rig(48_000, pdn_rise=None, master_at=100 * NS)
    assert r.master.write_then_read(PCA9557_ADDRESS, 0, 1) == [0xFF]


def test_start_exactly_at_access_time_is_accepted() -> None:
    r = rig(48_000, master_at=FIRST_ACCESS)
    assert r.master.write(CODEC_ADDRESS, [0x00, 0x37]) == [True, True, True]


def test_pdn_low_too_short() -> None:
    codec = Ak4619(fs_hz=48_000)
    codec.begin(0, 0)
    with pytest.raises(CodecError, match=r"PDN rose after being low for 500\.000 ns; it must be low for at least "
                                         r"600 ns"):
        codec.on_pdn(500 * NS, 1)


def test_pdn_high_at_power_on() -> None:
    with pytest.raises(CodecError, match="PDN is high at power-on"):
        Ak4619(fs_hz=48_000).begin(0, 1)


def test_pdn_low_600ns_is_enough() -> None:
    codec = Ak4619(fs_hz=48_000)
    codec.begin(0, 0)
    codec.on_pdn(600 * NS, 1)
    assert codec.power.rose_ps == 600 * NS


def test_pdn_falling_again() -> None:
    r, _ = configured_codec(48_000)
    with pytest.raises(CodecError, match=r"at t=30\.000000000 ms: PDN fell while running \(it rose at "
                                         r"t=1\.000000000 ms\): the codec is hard-reset, which pops"):
        r.codec.on_pdn(30 * MS, 0)


# ---------------------------------------------------------------------------------------------------
# I2C protocol and timing
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("timing, message", [
    ({"low": 1_200 * NS, "high": 1_300 * NS},
     r"SCL low time \(tLOW\) is 1200\.000 ns, fast mode needs >= 1300\.000 ns"),
    ({"low": 2_000 * NS, "high": 500 * NS}, r"SCL high time \(tHIGH\) is 500\.000 ns, fast mode needs >= 600\.000 ns"),
    ({"low": 1_300 * NS, "high": 600 * NS},
     r"SCL period, rising edge to rising edge \(fSCL <= 400 kHz\) is 1900\.000 ns, fast mode needs >= 2500\.000 ns"),
    ({"start_hold": 500 * NS}, r"START hold time to the first SCL fall \(tHD:STA\) is 500\.000 ns"),
    ({"stop_setup": 500 * NS}, r"STOP setup after SCL rises \(tSU:STO\) is 500\.000 ns"),
    ({"hold": 1_550 * NS}, r"SDA setup before SCL rises \(tSU:DAT\) is 50\.000 ns, fast mode needs >= 100\.000 ns"),
])
def test_i2c_timing_fault(timing: dict[str, int], message: str) -> None:
    r = rig(48_000, **timing)
    with pytest.raises(I2cError, match=message):
        r.master.write(CODEC_ADDRESS, [0x00, 0x37])


def test_i2c_bus_free_too_short() -> None:
    r = rig(48_000, bus_free=1_000 * NS)
    r.master.write(CODEC_ADDRESS, [0x00, 0x37])
    with pytest.raises(I2cError, match=r"bus free time between STOP and START \(tBUF\) is 1000\.000 ns"):
        r.master.write(CODEC_ADDRESS, [0x01, 0xAE])


def test_i2c_repeated_start_setup_too_short() -> None:
    r = rig(48_000, start_setup=500 * NS)
    with pytest.raises(I2cError, match=r"repeated START setup after SCL rises \(tSU:STA\) is 500\.000 ns"):
        r.master.write_then_read(PCA9557_ADDRESS, 0, 1)


def test_i2c_error_names_the_transfer() -> None:
    r = rig(48_000)
    r.master.start()
    r.master.byte(CODEC_ADDRESS << 1)
    r.master.low = 1_000 * NS
    with pytest.raises(I2cError, match=r"I2C at t=11\.\d+ ms \(transfer to 0x10, write phase, byte 1, clock 1 of 9\)"):
        r.master.byte(0x00)


def test_sda_change_while_scl_high_in_a_byte() -> None:
    """A glitch of SDA while SCL is high inside a byte is a START/STOP in the middle of the byte."""
    r = rig(48_000)
    m = r.master
    m.start()
    for bit in (0, 0, 1):
        m.bit(bit)
    m.wait(m.hold)
    m.set(sda=0)
    m.wait(m.low - m.hold)
    m.set(scl=1)
    m.wait(300 * NS)
    with pytest.raises(I2cError, match=r"STOP \(SDA rose while SCL high\) in the middle of a byte, after 3 of its 9 "
                                       r"clocks: SDA may change only while SCL is low"):
        m.set(sda=1)


def test_start_in_the_middle_of_a_byte() -> None:
    r = rig(48_000)
    m = r.master
    m.start()
    m.byte(CODEC_ADDRESS << 1)
    for bit in (0, 0, 0, 0, 1):
        m.bit(bit)
    m.wait(m.hold)
    m.set(sda=1)
    m.wait(m.low - m.hold)
    m.set(scl=1)
    m.wait(m.start_setup)
    with pytest.raises(I2cError, match=r"START \(SDA fell while SCL high\) in the middle of a byte, after 5 of its 9 "
                                       r"clocks.*a repeated START must come at a byte boundary"):
        m.set(sda=0)


def test_sda_change_at_scl_rise_is_a_setup_violation() -> None:
    r = rig(48_000)
    m = r.master
    m.start()
    m.wait(m.low)
    with pytest.raises(I2cError, match=r"SDA setup before SCL rises \(tSU:DAT\) is 0\.000 ns"):
        m.set(scl=1, sda=1)


def test_sda_change_with_scl_fall_is_legal() -> None:
    """tHD:DAT min is 0: SDA may change in the same step as the SCL fall."""
    r = rig(48_000, hold=0)
    assert r.master.write(CODEC_ADDRESS, [0x0E, 0x20]) == [True, True, True]
    assert r.codec.control.writes == [(0x0E, 0x20)]


def test_prohibited_register_write() -> None:
    r = rig(48_000)
    with pytest.raises(CodecError, match=r"I2C write of 0x01 to register 0x15: writing to 0x15-0x7F is prohibited"):
        r.master.write(CODEC_ADDRESS, [0x15, 0x01])


def test_register_address_bit7() -> None:
    r = rig(48_000)
    with pytest.raises(CodecError, match=r"register address byte 0x80: its bit 7 must be 0"):
        r.master.write(CODEC_ADDRESS, [0x80, 0x01])


def test_codec_does_not_acknowledge_when_told() -> None:
    r = rig(48_000, acknowledge=False)
    assert r.master.write(CODEC_ADDRESS, [0x00, 0x37]) == [False]
    assert r.master.write(CODEC_ADDRESS, [0x00, 0x37]) == [False]
    assert r.codec.control.nacked_addresses == 2 and r.codec.control.writes == []
    r.codec.control.acknowledge = True
    assert r.master.write(CODEC_ADDRESS, [0x00, 0x37]) == [True, True, True]
    assert r.codec.control.nacked_addresses == 2 and r.codec.control.writes == [(0x00, 0x37)]


@pytest.mark.parametrize("address", [0x05, 0x52])
def test_absent_devices_are_not_acknowledged(address: int) -> None:
    r = rig(48_000)
    assert r.master.write(address, [0x00]) == [False]
    assert [(u.address, u.read) for u in r.bus.unclaimed] == [(address, False)]


def test_master_must_release_sda_in_ack_slot() -> None:
    r = rig(48_000)
    m = r.master
    m.start()
    for i in range(8):
        m.bit((0x05 << 1) >> (7 - i) & 1)
    with pytest.raises(I2cError, match=r"SDA was low in the ACK slot of a byte no target acknowledged"):
        m.bit(0)


def test_master_must_release_sda_while_reading() -> None:
    r = rig(48_000, master_at=FIRST_ACCESS)
    r.pca.jack = 0x0F  # input port reads 0xFF: the target sends 1s
    m = r.master
    m.start()
    m.byte(PCA9557_ADDRESS << 1)
    m.byte(0x00)
    m.restart()
    m.byte((PCA9557_ADDRESS << 1) | 1)
    with pytest.raises(I2cError, match=r"SDA was low while the target sent a 1 \(bit 7 of read byte 0xFF\)"):
        m.bit(0)


# ---------------------------------------------------------------------------------------------------
# PCA9557
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jack", [0x00, 0x0F, 0xA5, 0xFF])
def test_pca9557_reads_jack_bits(jack: int) -> None:
    r = rig(48_000)
    r.pca.jack = jack
    # Power-up polarity 0xF0: bits 4-7 read inverted, bits 0-3 as the pins.
    assert r.master.write_then_read(PCA9557_ADDRESS, 0x00, 1) == [jack ^ 0xF0]


def test_pca9557_polarity_cleared_reads_pins() -> None:
    r = rig(48_000)
    r.pca.jack = 0xA5
    assert r.master.write(PCA9557_ADDRESS, [0x02, 0x00]) == [True, True, True]
    assert r.master.write_then_read(PCA9557_ADDRESS, 0x00, 1) == [0xA5]


def test_pca9557_stop_start_read_repeats_the_register() -> None:
    """STOP + START instead of a repeated START; every byte of a longer read is the same register."""
    r = rig(48_000)
    r.master.write(PCA9557_ADDRESS, [0x00])
    r.pca.jack = 0x03
    assert r.master.read(PCA9557_ADDRESS, 3) == [0xF3, 0xF3, 0xF3]
    r.pca.jack = 0x0C  # the jack changes: the next read sees it
    assert r.master.read(PCA9557_ADDRESS, 1) == [0xFC]


def test_pca9557_power_up_registers() -> None:
    r = rig(48_000)
    assert [r.master.write_then_read(PCA9557_ADDRESS, reg, 1)[0] for reg in (1, 2, 3)] == [0x00, 0xF0, 0xFF]


def test_pca9557_input_port_is_read_only() -> None:
    r = rig(48_000)
    r.master.write(PCA9557_ADDRESS, [0x00, 0x12])
    assert r.master.write_then_read(PCA9557_ADDRESS, 0x00, 1) == [0x0F ^ 0xF0]


def test_pca9557_bad_command_byte() -> None:
    r = rig(48_000)
    with pytest.raises(Pca9557Error, match=r"command byte 0x04; only 0x00-0x03 exist"):
        r.master.write(PCA9557_ADDRESS, [0x04])


# ---------------------------------------------------------------------------------------------------
# TDM128: frames, SDIN1, clocks
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fs_hz, mclk", [(48_000, 256), (192_000, 128)])
@pytest.mark.parametrize("mclk_first", [True, False])
def test_dac_words_received(fs_hz: int, mclk: int, mclk_first: bool) -> None:
    codec = Ak4619(fs_hz=fs_hz)
    tdm = Tdm(codec, fs_hz, mclk_per_frame=mclk, mclk_first=mclk_first)
    words = random_words(5, seed=1)
    tdm.frames(words)
    assert [f for f, _ in codec.tdm.dac_frames] == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(np.array([w for _, w in codec.tdm.dac_frames]), words)
    assert codec.tdm.frames_received == 5
    clocks = codec.tdm.clocks
    assert clocks is not None and abs(clocks.frame_ps - 1e12 / fs_hz) <= 1
    assert (clocks.bick_per_frame, clocks.mclk_per_frame) == (128, mclk)


@pytest.mark.parametrize("fs_hz, mclk", [(48_000, 256), (192_000, 128)])
def test_mclk_edge_order_at_frame_boundary_does_not_matter(fs_hz: int, mclk: int) -> None:
    """An MCLK edge at the instant of the frame's BICK fall belongs to the next frame, whichever the simulator
    delivers first (here it changes from frame to frame)."""
    codec = Ak4619(fs_hz=fs_hz)
    tdm = Tdm(codec, fs_hz, mclk_per_frame=mclk)
    for i in range(6):
        tdm.mclk_first = i % 3 != 0
        tdm.frames(np.zeros((1, 4), dtype=np.int64))
    assert codec.tdm.clocks is not None and codec.tdm.clocks.mclk_per_frame == mclk


def test_frame_127_bick_long() -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 48_000)
    tdm.frames(np.zeros((2, 4), dtype=np.int64))
    tdm.run(frame(length=127))
    with pytest.raises(CodecError, match=r"TDM frame 2, BICK period 127: LRCK fell after 127 BICK periods of the "
                                         r"frame; a TDM128 frame is exactly 128"):
        tdm.run(frame())


def test_frame_129_bick_long() -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 48_000)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(CodecError, match=r"TDM frame 1, BICK period 128: LRCK did not fall after 128 BICK periods"):
        tdm.run(frame(length=129))


def test_lrck_duty_wrong() -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 48_000)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(CodecError, match=r"TDM frame 1, BICK period 63: LRCK = 1 in BICK period 63; expected 0 "
                                         r"\(low in periods 0-63, high in 64-127"):
        tdm.run(frame(rise_at=63))


@pytest.mark.parametrize("period, slot, bit", [(21, 0, 20), (32 * 2 + 1 + 16, 2, 16), (128, 3, 31)])
def test_sdin_padding_not_zero(period: int, slot: int, bit: int) -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 48_000)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    frames = frame(flips=(period,)) if period < 128 else frame() + [(0, 1)]
    expected_frame = 1
    with pytest.raises(CodecError, match=fr"SDIN1 = 1 in frame {expected_frame}, slot {slot}, bit {bit} of the slot "
                                         fr"\(BICK period {period % 128}\); expected 0: the FPGA must send zeros in "
                                         r"bits 16-31 of every slot"):
        tdm.run(frames)


@pytest.mark.parametrize("pin, shift, message", [
    ("sdin", "setup", r"SDIN1 changed 5\.000 ns before BICK fell; setup \(tBSIDS\) must be >= 10\.000 ns"),
    ("sdin", "hold", r"SDIN1 changed 3\.000 ns after BICK fell; hold \(tBSIDH\) must be >= 5\.000 ns"),
    ("lrck", "setup", r"LRCK changed 5\.000 ns before BICK fell; setup \(tLRBD\) must be >= 10\.000 ns"),
    ("lrck", "hold", r"LRCK changed 8\.000 ns after BICK fell; hold \(tBLRD\) must be >= 10\.000 ns"),
])
def test_tdm_setup_hold(pin: str, shift: str, message: str) -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 48_000)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    half = tdm.time(1) - tdm.time(0)
    # LRCK rises in period 64; SDIN1 carries a 1 in period 1 of slot 0 (MSB of -32768). A setup fault moves the
    # change late, to just before the BICK fall that samples it; a hold fault moves it early, to just after the
    # BICK fall before (which still samples the old level).
    index = 64 if pin == "lrck" else 1
    offset = half - 5 * NS if shift == "setup" else -half + (8 * NS if pin == "lrck" else 3 * NS)
    periods = frame([-32768, 0, 0, 0])
    kwargs = {f"{pin}_shift": {index: offset}}
    with pytest.raises(CodecError, match=message):
        tdm.run(periods, **kwargs)


def test_tdm_timing_at_the_limits_is_accepted() -> None:
    """Setup 10 ns and hold 5 ns (SDIN1) are met exactly."""
    codec = Ak4619(fs_hz=192_000)
    tdm = Tdm(codec, 192_000, mclk_per_frame=128)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    half = tdm.time(1) - tdm.time(0)
    tdm.run(frame([-32768, 0, 0, 0]), sdin_shift={1: half - 10 * NS, 2: -half + 5 * NS})
    assert codec.tdm.dac_frames[-1][1].tolist() == [-32768, 0, 0, 0]


def test_mclk_not_128_or_256() -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 48_000, mclk_per_frame=384)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(CodecError, match=r"384 MCLK rising edges in frame 0; MCLK must be 128 fs or 256 fs"):
        tdm.frames(np.zeros((1, 4), dtype=np.int64))


def test_mclk_changes() -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 48_000)
    tdm.frames(np.zeros((2, 4), dtype=np.int64))
    tdm.mclk_per_frame = 128
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(CodecError, match=r"128 MCLK rising edges in frame 2, 256 in the one before"):
        tdm.frames(np.zeros((1, 4), dtype=np.int64))


def test_lrck_frequency_against_bench() -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 44_100)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(CodecError, match=r"TDM frame 1, BICK period 0: LRCK period 22\.676 us \(fs = 44100\.0 Hz\) "
                                         r"in frame 0; the bench expects fs = 48000 Hz"):
        tdm.frames(np.zeros((1, 4), dtype=np.int64))


def test_x_on_sdin() -> None:
    codec = Ak4619(fs_hz=48_000)
    tdm = Tdm(codec, 48_000)
    tdm.frames(np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(CodecError, match=r"LRCK = 0, SDIN1 = None at the BICK falling edge"):
        codec.on_bick_fall(tdm.time(2 * tdm.k + 1), 0, None)


# ---------------------------------------------------------------------------------------------------
# SDOUT1
# ---------------------------------------------------------------------------------------------------


def test_sdout_zero_until_configured() -> None:
    codec = Ak4619(fs_hz=48_000)
    codec.begin(0, 0)
    codec.on_pdn(PDN_RISE, 1)
    codec.tdm.queue_adc(random_words(3, seed=2))
    tdm = Tdm(codec, 48_000)
    tdm.frames(np.zeros((3, 4), dtype=np.int64))
    assert tdm.drives == [] and set(tdm.sdout_samples()) == {0}
    assert [w.tolist() for _, w in codec.tdm.adc_frames] == [[0, 0, 0, 0]] * 3
    assert len(codec.tdm.adc_queue) == 3, "words wait for the codec to run"


@pytest.mark.parametrize("fs_hz", [48_000, 192_000])
def test_sdout_words_and_launch_times(fs_hz: int) -> None:
    """SDOPH as docs/audio.md sets it: 0 at 48 kHz (launch 0-20 + 5 ns after BICK rising), 1 at 192 kHz
    (5-30 + 5 ns after the BICK falling edge before), both ends of each range used. The FPGA, sampling on BICK
    falling, reads every word."""
    r, tdm = configured_codec(fs_hz)
    assert r.codec.configured
    words = random_words(4, seed=3)
    r.codec.tdm.queue_adc(words)
    first_drive = len(tdm.drives)
    tdm.frames(np.zeros((5, 4), dtype=np.int64))
    decoded = decode_sdout(tdm.sdout_samples())
    np.testing.assert_array_equal(np.array(decoded[2:6]), words)  # frames 2-5: the words, in order
    assert [w.tolist() for _, w in r.codec.tdm.adc_frames[2:6]] == words.tolist()
    assert decoded[6] == [0, 0, 0, 0], "an empty queue sends zeros"
    (low, high), edges = ((5 * NS, 25 * NS), tdm.rises) if fs_hz == 48_000 else ((10 * NS, 35 * NS), tdm.falls)
    delays = [time - max(edge for edge in edges if edge <= time - low) for time, _ in tdm.drives[first_drive:]]
    assert all(low <= delay <= high for delay in delays), (min(delays), max(delays))
    assert min(delays) == low and max(delays) == high, "both ends of the launch window must be exercised"
    assert len(tdm.drives) - first_drive > 50


def test_sdout_slot_layout_24_bit() -> None:
    """DODL = 00: each slot is the 16-bit word, 8 random bits, 8 zeros; period 0 is 0."""
    r, tdm = configured_codec(192_000)
    r.codec.tdm.queue_adc(np.array([[-1, -1, -1, -1]] * 8))
    tdm.frames(np.zeros((8, 4), dtype=np.int64))
    samples = tdm.sdout_samples()
    extra_seen = set()
    for f in range(2, 9):  # frames 2-9 carry the words (frame 9 has no period 0 after it here)
        bits = samples[3 + 128 * f: 3 + 128 * (f + 1) + 1]  # and period 0 of the next frame (slot 3, bit 31)
        assert bits[0] == 0
        for slot in range(4):
            slot_bits = bits[32 * slot + 1: 32 * slot + 33]
            assert slot_bits[:16] == [1] * 16
            assert slot_bits[24:] == [0] * 8, (f, slot, slot_bits)
            extra_seen.add(tuple(slot_bits[16:24]))
    assert len(extra_seen) > 4, "bits 16-23 are random, not a constant a gateware could rely on"


def test_sdout_16_bit_words_pad_with_zeros() -> None:
    setup = list(SETUP[48_000])
    setup[2] = 0x1E  # DODL = 10
    r, tdm = configured_codec(48_000, setup)
    r.codec.tdm.queue_adc(np.array([[-1, -1, -1, -1]] * 2))
    tdm.frames(np.zeros((2, 4), dtype=np.int64))
    bits = tdm.sdout_samples()[3 + 128 * 2: 3 + 128 * 3]
    assert bits == [0] + ([1] * 16 + [0] * 16) * 3 + [1] * 16 + [0] * 15


def _bare_link(fs_hz: int, sdoph: int, timing: TdmTiming = TdmTiming()) -> tuple[TdmLink, Tdm]:
    link = TdmLink(fs_hz=fs_hz, board_delay_ps=5 * NS, rng=random.Random(3), sdoph=lambda: sdoph,
                   sdout_bits=lambda: 24, sending=lambda: True, on_clocks=lambda t, c: None, timing=timing)
    return link, Tdm(link, fs_hz, mclk_per_frame=128 if fs_hz > 48_000 else 256)


def test_sdoph_0_at_192k_reads_the_previous_bit() -> None:
    """The failure SDOPH = 1 exists for: at 24.576 MHz BICK a bit launched 25 ns after BICK rising (tBSOD1's
    maximum) arrives after the falling edge 20.3 ns later, so the FPGA samples the bit before."""
    link, tdm = _bare_link(192_000, sdoph=0, timing=TdmTiming(slow_launch_min_ps=20 * NS))
    words = random_words(3, seed=4)
    link.queue_adc(words)
    tdm.frames(np.zeros((3, 4), dtype=np.int64))
    samples = tdm.sdout_samples()
    assert decode_sdout(samples) != words.tolist()
    for f, row in enumerate(words):
        expected = [0] + [b for word in row for b in (sdin_bits([word, 0, 0, 0])[1:17] + [None] * 16)][:127]
        seen = samples[3 + 128 * f + 1: 3 + 128 * f + 128]
        assert all(e is None or s == e for s, e in zip(seen, expected)), f  # period p shows bit p - 1


def test_sdoph_1_at_192k_is_read_right() -> None:
    link, tdm = _bare_link(192_000, sdoph=1)
    words = random_words(3, seed=4)
    link.queue_adc(words)
    tdm.frames(np.zeros((3, 4), dtype=np.int64))
    assert decode_sdout(tdm.sdout_samples()) == words.tolist()


def test_queue_adc_checks_words() -> None:
    codec = Ak4619(fs_hz=48_000)
    with pytest.raises(ValueError, match="signed 16-bit"):
        codec.tdm.queue_adc(np.array([[0, 0, 0, 32768]]))
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        codec.tdm.queue_adc(np.zeros((2, 3)))
