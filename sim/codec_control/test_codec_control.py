"""CodecControl (synth/board/audio/codec_control.py) against the AK4619 + PCA9557 model on the I2C pins.

The amaranth block is converted to Verilog inside a wrapper that resolves the
open-drain bus (scl = ~scl_oe, sda = ~(sda_oe | sda_pull), sda_i = sda) and
simulated with Verilator at the audio clock of each rate (256 fs). The codec
model (simlib.ak4619) plays the AK4619 at 0x10 and the PCA9557 at 0x18 and
raises at the first protocol or timing violation (fast-mode I2C, START too
soon after PDN, PDN falling again). Beside it, this bench decodes the bus on
its own and checks what the block promises beyond the protocol: SDA moved by
the master only in the middle of SCL's low phase, SCL low >= 1.6 us and high
>= 0.9 us (fast mode plus the 300 ns edge allowance), 330-390 kHz, and the
exact shape of each transaction.

The waits are shortened (PDN 20 us, access 100 us, retry 50 us, poll 200 us;
the model is told the same access time). Each cocotb test runs in its own
simulator process (power-on at time 0, where the model starts): the set-up
at the rate's table (compared with registers written here from the datasheet
fields, not from ak4619_setup.py) and PDN timing; the jack byte following the
pins; a codec that does not acknowledge (failures count and saturate, the
write is retried, never hangs, configures once answered); polls NACKed by an
absent PCA9557 (counted, jack kept); a reset of the block's domain (PDN stays
high, the set-up runs again).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import cocotb
import pytest
from amaranth import ClockDomain, ClockSignal, Elaboratable, Module, ResetSignal, Signal
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, First, ReadOnly, RisingEdge, Timer
from cocotb.utils import get_sim_time

from simlib.ak4619 import Ak4619Model, CodecPins
from simlib.seed import base_seed, derived_seed
from synth.board.audio.codec_control import CodecControl

# The shortened waits (us) the block is built with; the model gets the same register access time.
WAITS = dict(pdn_low_us=20.0, access_wait_us=100.0, retry_wait_us=50.0, poll_interval_us=200.0)
RATES = (48000, 192000)
RESET_CYCLES = 3
# What the block promises on the bus (module docstring of i2c_master): fast mode plus the 300 ns edge allowance.
SCL_LOW_MIN_US, SCL_HIGH_MIN_US = 1.6, 0.9
SDA_MARGIN_US = 0.65  # master SDA changes at least half the fast-mode tLOW away from each SCL edge
BUS_HZ_RANGE = (330e3, 390e3)
START_HOLD_US = STOP_SETUP_US = RESTART_SETUP_US = 0.6
BUS_FREE_US = 1.3
PCA9557_POLARITY = 0xF0  # power-up polarity inversion register: input port bits 4-7 read inverted


def expected_registers(fs_hz: int) -> list[int]:
    """Registers 0x00-0x14 for docs/audio.md's audio path, composed from the AK4619 datasheet's fields."""
    fast = fs_hz == 192000  # BICK = 24.576 MHz > 12.288 MHz: SDOPH = 1; MCLK = 128 fs
    power = (1 << 5) | (1 << 4) | (1 << 2) | (1 << 1) | 1  # PMAD2, PMAD1, PMDA2, PMDA1 powered, RSTN = 1
    tdm = 1 << 7 | 0b010 << 4 | 0b11 << 2 | 1 << 1 | int(fast)  # TDM, DCF TDM128 I2S, DSL 32-bit slots, BCKP, SDOPH
    slots = 1 << 4 | 0b11 << 2 | 0b00  # SLOT: slot-length basis, DIDL = 11, DODL = 00 (24-bit SDOUT1)
    fs_field = 0b100 if fast else 0b000  # FS: MCLK = 128 fs at 192 kHz / 256 fs up to 48 kHz
    mic_gain = 0x2 << 4 | 0x2  # both microphone amplifiers of a pair at 0 dB
    adc_volume = 0x30  # 0 dB (+24 dB at 0x00, 0.5 dB steps)
    adc_filter = 0b010 << 4 | 0b010  # short-delay filter, both ADCs
    adc_input = 0x55  # ADC input mode, 01 per channel
    hpf_off = 1 << 2 | 1 << 1  # AD2HPFN, AD1HPFN: no DC-cancelling high-pass
    dac_volume = 0x18  # 0 dB (+12 dB at 0x00, 0.5 dB steps)
    dac_select, deemphasis, dac_filter = 0x04, 0x05, 0x0A
    return [power, tdm, slots, fs_field, mic_gain, mic_gain, *[adc_volume] * 4, adc_filter, adc_input, 0x00,
            hpf_off, *[dac_volume] * 4, dac_select, deemphasis, dac_filter]


def clock_hz(fs_hz: int) -> float:
    return 256.0 * fs_hz


def clock_ps(fs_hz: int) -> int:
    """The simulated period, even (two equal halves at 1 ps resolution): 81380 ps, 20344 ps."""
    return 2 * round(1e12 / clock_hz(fs_hz) / 2)


# --- an independent bus decoder and timing monitor ---------------------------------------------------


@dataclass
class Transaction:
    """One transfer as seen on the wires: START (or repeated START), bytes with their ACK bit, and how it ended."""

    start_us: float
    repeated: bool
    bytes: list[tuple[int, bool]] = field(default_factory=list)  # (byte, acknowledged)
    end: str = ""  # "stop", "restart", or "" while open

    def describe(self) -> str:
        body = " ".join(f"{b:02X}{'A' if a else 'N'}" for b, a in self.bytes)
        return f"{'Sr' if self.repeated else 'S'} {body} {self.end or '...'}"


class BusMonitor:
    """Decodes SCL/SDA and checks the master's timing promises (independently of the codec model)."""

    def __init__(self, dut) -> None:
        self.dut = dut
        self.transactions: list[Transaction] = []
        self.periods_us: list[float] = []  # SCL rise to rise inside a byte

    @staticmethod
    def now_us() -> float:
        return get_sim_time("ps") / 1e6

    def fail(self, message: str) -> None:
        raise AssertionError(f"I2C at {self.now_us():.4f} us: {message} [seed {base_seed()}]")

    async def run(self) -> None:
        dut = self.dut
        scl, sda, oe = 1, 1, 0
        t_rise = t_fall = t_oe = t_stop = None
        bits: list[int] = []
        current: Transaction | None = None
        while True:
            await First(dut.scl.value_change, dut.sda.value_change, dut.sda_oe.value_change)
            await ReadOnly()
            now = self.now_us()
            new_scl, new_sda, new_oe = int(dut.scl.value), int(dut.sda.value), int(dut.sda_oe.value)
            if new_oe != oe and new_scl == 0:  # the master moves SDA during a low phase: in its middle
                if t_fall is not None and now - t_fall < SDA_MARGIN_US:
                    self.fail(f"the master changed SDA {now - t_fall:.3f} us after SCL fell (>= {SDA_MARGIN_US})")
                t_oe = now
            if new_scl != scl:
                if new_scl:  # rise: a bit is sampled
                    if t_fall is not None and current is not None and now - t_fall < SCL_LOW_MIN_US:
                        self.fail(f"SCL low for {now - t_fall:.3f} us (>= {SCL_LOW_MIN_US})")
                    if t_oe is not None and t_fall is not None and t_oe > t_fall and now - t_oe < SDA_MARGIN_US:
                        self.fail(f"the master changed SDA {now - t_oe:.3f} us before SCL rose (>= {SDA_MARGIN_US})")
                    if t_rise is not None and bits:  # inside a byte: no command hand-over in this period
                        self.periods_us.append(now - t_rise)
                    t_rise = now
                    if current is not None:
                        bits.append(new_sda)
                        if len(bits) == 9:
                            byte = int("".join(map(str, bits[:8])), 2)
                            current.bytes.append((byte, bits[8] == 0))
                            bits = []
                else:  # fall
                    if t_rise is not None and now - t_rise < SCL_HIGH_MIN_US:
                        self.fail(f"SCL high for {now - t_rise:.3f} us (>= {SCL_HIGH_MIN_US})")
                    first_fall = current is not None and not current.bytes and not bits
                    if first_fall and now - current.start_us < START_HOLD_US:
                        self.fail(f"START held {now - current.start_us:.3f} us (>= {START_HOLD_US})")
                    t_fall = now
            elif new_sda != sda and new_scl == 1:  # SDA moving while SCL is high: START or STOP
                # The rise of this high phase was taken as the first bit of a byte: a condition may only come there.
                if len(bits) > 1:
                    self.fail(f"SDA changed while SCL high, {len(bits)} clocks into a byte")
                bits = []
                if new_sda == 0:  # START
                    if current is not None:
                        if now - t_rise < RESTART_SETUP_US:
                            self.fail(f"repeated START {now - t_rise:.3f} us after SCL rose (>= {RESTART_SETUP_US})")
                        current.end = "restart"
                    elif t_stop is not None and now - t_stop < BUS_FREE_US:
                        self.fail(f"START {now - t_stop:.3f} us after STOP (bus free >= {BUS_FREE_US})")
                    current = Transaction(now, current is not None)
                    self.transactions.append(current)
                else:  # STOP
                    if current is None:
                        self.fail("STOP without a START")
                    if now - t_rise < STOP_SETUP_US:
                        self.fail(f"STOP {now - t_rise:.3f} us after SCL rose (>= {STOP_SETUP_US})")
                    current.end = "stop"
                    current = None
                    t_stop = now
            scl, sda, oe = new_scl, new_sda, new_oe

    def check_rate(self) -> None:
        assert self.periods_us, "no SCL periods measured"
        lowest, highest = 1e6 / max(self.periods_us), 1e6 / min(self.periods_us)
        assert BUS_HZ_RANGE[0] <= lowest and highest <= BUS_HZ_RANGE[1], (
            f"SCL inside bytes at {lowest / 1e3:.1f}-{highest / 1e3:.1f} kHz; expected within "
            f"{BUS_HZ_RANGE[0] / 1e3:.0f}-{BUS_HZ_RANGE[1] / 1e3:.0f} kHz")


# --- the bench ----------------------------------------------------------------------------------------


def setup_shape(fs_hz: int) -> list[tuple[int, bool]]:
    """The set-up transaction: codec address (write), register 0x00, the 21 registers, all acknowledged."""
    return [(0x10 << 1, True), (0x00, True), *((value, True) for value in expected_registers(fs_hz))]


def poll_shapes(raw: int) -> tuple[list[tuple[int, bool]], list[tuple[int, bool]]]:
    """A jack poll: write command byte 0 (input port), then repeated START, read one byte with NACK."""
    return [(0x18 << 1, True), (0x00, True)], [(0x18 << 1 | 1, True), (raw, False)]


def jack_byte(pins: int) -> int:
    """What the PCA9557 returns for its input port with power-up registers (all inputs, polarity 0xF0)."""
    return (pins ^ PCA9557_POLARITY) & 0xFF


class ControlBench:
    def __init__(self, dut, *, acknowledge: bool = True, jack: int = 0x0F) -> None:
        self.dut = dut
        self.fs_hz = int(os.environ["FS_HZ"])
        self.seed = derived_seed(f"codec-control-{self.fs_hz}")
        self.monitor = BusMonitor(dut)
        self.pdn_rose_us: float | None = None
        dut.rst.value = 1
        dut.sda_pull.value = 0
        pins = CodecPins(pdn=dut.pdn, scl=dut.scl, sda=dut.sda, sda_pull=dut.sda_pull)
        self.model = Ak4619Model(pins, fs_hz=self.fs_hz, acknowledge=acknowledge,
                                 register_access_ms=WAITS["access_wait_us"] / 1000, jack=jack)

    async def start(self) -> None:
        """Power-on: the clock, one step later (the design's initial values settled) the model and the
        monitors; then release reset."""
        cocotb.start_soon(Clock(self.dut.clk, clock_ps(self.fs_hz), unit="ps", impl="gpi").start())
        await Timer(1, unit="step")
        self.model.start()
        cocotb.start_soon(self.monitor.run())
        cocotb.start_soon(self._watch_pdn())
        await ClockCycles(self.dut.clk, RESET_CYCLES, rising=False)
        self.dut.rst.value = 0

    async def _watch_pdn(self) -> None:
        while True:
            await self.dut.pdn.value_change
            if int(self.dut.pdn.value):
                assert self.pdn_rose_us is None, "PDN rose twice"
                self.pdn_rose_us = BusMonitor.now_us()
            else:
                raise AssertionError(f"PDN fell at {BusMonitor.now_us():.3f} us; it must never fall after rising")

    async def wait_for(self, what: str, condition, timeout_us: float) -> float:
        """Poll `condition()` every few microseconds; the time it became true (us)."""
        deadline = BusMonitor.now_us() + timeout_us
        while not condition():
            if BusMonitor.now_us() > deadline:
                raise AssertionError(f"{what}: not within {timeout_us:g} us (at {BusMonitor.now_us():.1f} us) "
                                     f"[seed {base_seed()}]")
            await Timer(2, unit="us")
        return BusMonitor.now_us()

    def status(self) -> str:
        d = self.dut
        return (f"configured {int(d.configured.value)}, failures {int(d.failures.value)}, "
                f"jack 0x{int(d.jack.value):02X}, jack_valid {int(d.jack_valid.value)}")

    def setup_time_us(self) -> float:
        """Generous: 25 commands of 9 SCL periods at >= 330 kHz, plus the bus free times."""
        return 25 * 9 / BUS_HZ_RANGE[0] * 1e6 + 50

    def check_registers(self) -> None:
        expected = expected_registers(self.fs_hz)
        actual = list(self.model.registers)
        for register, (want, got) in enumerate(zip(expected, actual)):
            assert want == got, (f"register 0x{register:02X}: expected 0x{want:02X} ({want}), model has 0x{got:02X} "
                                 f"({got}) at fs {self.fs_hz} [seed {base_seed()}]")

    def check_jack(self, pins: int, what: str) -> None:
        raw = int(self.dut.jack.value)
        want = jack_byte(pins)
        assert raw == want, (f"{what}: jack 0x{raw:02X} ({raw}), expected 0x{want:02X} ({want}) for pins 0x{pins:02X} "
                             f"[seed {base_seed()}]")

    def check_writes(self, setups: int, what: str) -> None:
        """The model saw exactly `setups` complete set-up writes (register, value), nothing else."""
        expected = list(enumerate(expected_registers(self.fs_hz))) * setups
        actual = list(self.model.writes)
        for index in range(max(len(expected), len(actual))):
            want = expected[index] if index < len(expected) else None
            got = actual[index] if index < len(actual) else None
            shown = ["nothing" if w is None else f"register 0x{w[0]:02X} = 0x{w[1]:02X} ({w[1]})" for w in (want, got)]
            assert want == got, (f"{what}: codec write [{index}] expected {shown[0]}, actual {shown[1]} "
                                 f"({len(expected)} expected, {len(actual)} written) [seed {base_seed()}]")


@cocotb.test()
async def setup_and_pdn(dut):
    """PDN timing, the one set-up write at this rate, then polls of the exact shape."""
    tb = ControlBench(dut, jack=0x0B)
    await tb.start()
    start_us = await tb.wait_for("configured", lambda: int(dut.configured.value), 2000)
    pdn_low, access = WAITS["pdn_low_us"], WAITS["access_wait_us"]
    rose = tb.pdn_rose_us
    assert rose is not None and pdn_low <= rose <= pdn_low + 1, f"PDN rose at {rose} us; expected {pdn_low} us"
    first = tb.monitor.transactions[0]
    assert access <= first.start_us - rose <= access + 2, (
        f"first START {first.start_us - rose:.3f} us after PDN rose; expected {access} us")
    tb.check_registers()
    tb.check_writes(1, "the set-up")
    assert first.bytes == setup_shape(tb.fs_hz) and first.end == "stop", (
        f"set-up transaction {first.describe()}; expected one auto-increment write of the 21 registers")
    assert int(dut.failures.value) == 0 and tb.model.nacked_addresses == 0, tb.status()
    assert tb.model.configured, "the model does not consider the codec configured"
    # polls: every poll interval one write of the command byte, a repeated START and a one-byte read
    await tb.wait_for("jack_valid", lambda: int(dut.jack_valid.value), WAITS["poll_interval_us"])
    tb.check_jack(0x0B, "first poll")
    await Timer(4 * WAITS["poll_interval_us"], unit="us")
    transactions = [t for t in tb.monitor.transactions[1:] if t.end]
    assert len(transactions) >= 6, [t.describe() for t in transactions]
    write_part, read_part = poll_shapes(jack_byte(0x0B))
    for index in range(0, len(transactions) - 1, 2):
        command, read = transactions[index], transactions[index + 1]
        assert command.bytes == write_part and command.end == "restart", f"poll {index // 2}: {command.describe()}"
        assert read.repeated and read.bytes == read_part and read.end == "stop", f"poll {index // 2}: {read.describe()}"
    starts = [t.start_us for t in transactions if not t.repeated]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert all(WAITS["poll_interval_us"] <= g <= WAITS["poll_interval_us"] + 150 for g in gaps), f"poll gaps {gaps}"
    tb.check_writes(1, "after the polls")
    tb.monitor.check_rate()
    assert int(dut.pdn.value) == 1 and int(dut.failures.value) == 0, tb.status()


@cocotb.test()
async def jack_follows(dut):
    """Random pin changes reach `jack` within one poll interval (plus one poll's own length)."""
    import numpy as np

    tb = ControlBench(dut)
    await tb.start()
    await tb.wait_for("jack_valid", lambda: int(dut.jack_valid.value), 2000)
    tb.check_jack(0x0F, "first poll")
    rng = np.random.default_rng(tb.seed)
    bound = WAITS["poll_interval_us"] + 150
    for change in range(12):
        pins = int(rng.integers(0, 256))
        await Timer(int(rng.integers(1, 300)), unit="us")
        tb.model.jack = pins
        changed = BusMonitor.now_us()
        want = jack_byte(pins)
        seen = await tb.wait_for(f"jack change {change} to pins 0x{pins:02X}",
                                 lambda: int(dut.jack.value) == want, bound)
        assert seen - changed <= bound, f"change {change}: jack followed after {seen - changed:.1f} us"
        assert int(dut.jack_valid.value) == 1 and int(dut.failures.value) == 0, tb.status()
    tb.monitor.check_rate()


@cocotb.test()
async def nack_retry(dut):
    """A silent codec: each attempt is counted (saturating at 255), retried for ever; configures once it answers."""
    tb = ControlBench(dut, acknowledge=False)
    await tb.start()
    attempt_us = 11 / BUS_HZ_RANGE[0] * 1e6 + WAITS["retry_wait_us"] + 10  # START, address + NACK, STOP, pause
    await tb.wait_for("first failure", lambda: int(dut.failures.value) == 1,
                      WAITS["pdn_low_us"] + WAITS["access_wait_us"] + attempt_us)
    previous, previous_us = 1, BusMonitor.now_us()
    while previous < 255:  # every attempt counts, one per retry interval, none skipped
        count = await tb.wait_for(f"failure {previous + 1}", lambda: int(dut.failures.value) != previous, attempt_us)
        failures = int(dut.failures.value)
        assert failures == previous + 1, f"failures went from {previous} to {failures}"
        assert count - previous_us >= WAITS["retry_wait_us"], f"retry after {count - previous_us:.1f} us"
        assert failures == tb.model.nacked_addresses, f"{failures} failures, {tb.model.nacked_addresses} NACKs"
        assert not int(dut.configured.value) and not int(dut.jack_valid.value), tb.status()
        previous, previous_us = failures, count
    nacked = tb.model.nacked_addresses
    await tb.wait_for("attempts after saturation", lambda: tb.model.nacked_addresses >= nacked + 3, 4 * attempt_us)
    assert int(dut.failures.value) == 255, f"failures {int(dut.failures.value)} after saturation"
    attempts = [t for t in tb.monitor.transactions if t.end]
    wrong = [t.describe() for t in attempts if t.bytes != [(0x10 << 1, False)] or t.end != "stop"]
    assert len(attempts) >= 255 and not wrong, f"{len(attempts)} attempts; not a NACKed address then STOP: {wrong[:3]}"
    tb.model.acknowledge = True
    await tb.wait_for("configured after the codec answered", lambda: int(dut.configured.value),
                      attempt_us + tb.setup_time_us())
    tb.check_registers()
    tb.check_writes(1, "the set-up after the retries")
    assert tb.model.configured
    await tb.wait_for("jack_valid", lambda: int(dut.jack_valid.value), 2 * WAITS["poll_interval_us"])
    assert int(dut.failures.value) == 255, tb.status()


@cocotb.test()
async def poll_nack(dut):
    """The PCA9557 gone for a while: each NACKed poll counts, jack keeps its value, polling resumes."""
    tb = ControlBench(dut, jack=0x05)
    await tb.start()
    await tb.wait_for("jack_valid", lambda: int(dut.jack_valid.value), 2000)
    tb.check_jack(0x05, "first poll")
    # The model's bus keeps its targets in a dict by address: without 0x18 nobody acknowledges a poll.
    pca = tb.model.bus.targets.pop(0x18)
    tb.model.jack = 0xA0
    base = int(dut.failures.value)
    polls = 5
    await tb.wait_for(f"{polls} NACKed polls", lambda: int(dut.failures.value) >= base + polls,
                      (polls + 1) * (WAITS["poll_interval_us"] + 150))
    tb.check_jack(0x05, "while the PCA9557 does not answer")
    assert int(dut.jack_valid.value) and int(dut.configured.value), tb.status()
    tb.model.bus.targets[0x18] = pca
    failures = int(dut.failures.value)
    await tb.wait_for("jack after the PCA9557 answers again", lambda: int(dut.jack.value) == jack_byte(0xA0),
                      2 * (WAITS["poll_interval_us"] + 150))
    assert int(dut.failures.value) == failures, tb.status()
    tb.check_writes(1, "one set-up only")


@cocotb.test()
async def reset_keeps_pdn(dut):
    """A reset of the block's domain while it polls: PDN stays high (the watcher raises otherwise), the
    status clears and the set-up is written again."""
    tb = ControlBench(dut)
    await tb.start()
    await tb.wait_for("jack_valid", lambda: int(dut.jack_valid.value), 2000)
    transactions = len(tb.monitor.transactions)
    await tb.wait_for("the end of a poll", lambda: tb.monitor.transactions[-1].end == "stop"
                      and len(tb.monitor.transactions) > transactions, 2 * WAITS["poll_interval_us"])
    await Timer(10, unit="us")  # inside the poll pause: the bus is idle
    await FallingEdge(dut.clk)
    dut.rst.value = 1
    await ClockCycles(dut.clk, RESET_CYCLES, rising=False)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert (int(dut.configured.value), int(dut.jack_valid.value), int(dut.pdn.value)) == (0, 0, 1), tb.status()
    await tb.wait_for("configured again", lambda: int(dut.configured.value),
                      WAITS["pdn_low_us"] + WAITS["access_wait_us"] + tb.setup_time_us())
    tb.check_writes(2, "the set-up twice, nothing else")
    tb.check_registers()
    assert int(dut.pdn.value) == 1 and int(dut.failures.value) == 0, tb.status()


TESTCASES = ("setup_and_pdn", "jack_follows", "nack_retry", "poll_nack", "reset_keeps_pdn")


class ControlTop(Elaboratable):
    """CodecControl with the open-drain bus resolved: the model's view of the pins."""

    def __init__(self, control: CodecControl):
        self.control = control
        self.clk, self.rst = Signal(name="clk"), Signal(name="rst")
        self.pdn, self.scl, self.sda = Signal(name="pdn"), Signal(name="scl"), Signal(name="sda")
        self.sda_pull = Signal(name="sda_pull")  # the model: 1 = a target pulls SDA low
        self.sda_oe = Signal(name="sda_oe")  # the master's own pull, for the bench's bus monitor
        self.configured, self.failures = Signal(name="configured"), Signal(8, name="failures")
        self.jack, self.jack_valid = Signal(8, name="jack"), Signal(name="jack_valid")

    def elaborate(self, platform) -> Module:
        m = Module()
        m.domains.sync = ClockDomain("sync")
        control = m.submodules.control = self.control
        m.d.comb += [
            ClockSignal("sync").eq(self.clk), ResetSignal("sync").eq(self.rst),
            self.pdn.eq(control.pdn), self.scl.eq(~control.scl_oe), self.sda_oe.eq(control.sda_oe),
            self.sda.eq(~(control.sda_oe | self.sda_pull)), control.sda_i.eq(self.sda),
            self.configured.eq(control.configured), self.failures.eq(control.failures),
            self.jack.eq(control.jack), self.jack_valid.eq(control.jack_valid),
        ]
        return m

    @property
    def ports(self) -> list[Signal]:
        return [self.clk, self.rst, self.pdn, self.scl, self.sda, self.sda_pull, self.sda_oe, self.configured,
                self.failures, self.jack, self.jack_valid]


@pytest.mark.parametrize("fs_hz", RATES)
def test_codec_control(fs_hz: int) -> None:
    """One build per rate; each cocotb test in its own simulator run (power-on at time 0 each time)."""
    from cocotb_tools.runner import get_runner

    from simlib.runner import ASSERTION_ARGS, BUILD, OBJECT_CACHE, PORTS_ONLY_ARGS
    from synth.board.verilog import to_verilog
    from synth.toolchain import verilator_environment

    work = BUILD / "codec_control" / str(fs_hz)
    work.mkdir(parents=True, exist_ok=True)
    top = ControlTop(CodecControl(clock_hz(fs_hz), fs_hz, **WAITS))
    source = work / "codec_control_top.v"
    source.write_text(to_verilog(top, top.ports, "codec_control_top"))
    os.environ.update(verilator_environment(dict(os.environ), object_cache=OBJECT_CACHE))
    runner = get_runner("verilator")
    build_dir = work / "sim_build"
    runner.build(sources=[source], hdl_toplevel="codec_control_top", build_dir=build_dir,
                 build_args=["-Wno-fatal", "-Wno-lint", "-Wno-style", "--x-assign", "unique", "--x-initial", "unique",
                             *ASSERTION_ARGS, *PORTS_ONLY_ARGS],
                 timescale=("1ns", "1ps"))
    state_seed = derived_seed(f"initial-state-codec-control-{fs_hz}") % (1 << 31) + 1
    failed = []
    for testcase in TESTCASES:
        try:
            runner.test(hdl_toplevel="codec_control_top", test_module="test_codec_control", testcase=testcase,
                        test_dir=build_dir, build_dir=build_dir,
                        plusargs=["+verilator+rand+reset+2", f"+verilator+seed+{state_seed}"],
                        extra_env={"FS_HZ": str(fs_hz)})
        except SystemExit:  # the runner's way of reporting a failed cocotb test
            failed.append(testcase)
    assert not failed, f"codec control at {fs_hz} Hz: failed {', '.join(failed)} (logs above; build {build_dir})"


def test_codec_control_parameters() -> None:
    """The refusals, each naming its parameter."""
    # (the checks CodecControl and I2cMaster run at construction, called directly: a refused Elaboratable
    # would only warn that it was never elaborated)
    from synth.board.audio.ak4619_setup import setup_registers
    from synth.board.audio.codec_control import CodecControlTiming
    from synth.board.audio.i2c_master import I2cPhases

    for fs_hz in RATES:  # the module's table is the doc's: the same bytes as the datasheet fields above
        assert list(setup_registers(fs_hz)) == expected_registers(fs_hz)
    with pytest.raises(ValueError, match="fs_hz=44100"):
        setup_registers(44100)
    waits = dict(WAITS)
    for name, bad in (("pdn_low_us", 0.5), ("access_wait_us", 0.0), ("retry_wait_us", -1.0), ("poll_interval_us", 0)):
        with pytest.raises(ValueError, match=name):
            CodecControlTiming.for_clock(12.288e6, **{**waits, name: bad})
    with pytest.raises(ValueError, match="clock_hz=4e"):
        I2cPhases.for_clock(4e6)
    with pytest.raises(ValueError, match="bus_hz=400000"):
        I2cPhases.for_clock(12.288e6, 400_000)
    with pytest.raises(ValueError, match="bus_hz=1e"):
        I2cPhases.for_clock(100e6, 1_000_000)
    timing = I2cPhases.for_clock(12.288e6)
    assert BUS_HZ_RANGE[0] <= timing.bus_hz <= BUS_HZ_RANGE[1]
