"""The platform-independent audio core: codec pins <-> TDM128 <-> channel map <-> crossing <-> network.

Two clock domains (docs/audio.md): `audio` (256 fs: TDM master, codec
control, channel map, mute) and `sync` (the network). The frame strobe of the
TDM master is the only timing reference: the channel map turns the frame's ADC
words into one network input vector, FrameCrossing carries it to the network,
the network's output comes back through a second FrameCrossing, the channel
map turns it into DAC words, and the TDM master sends them in the frame after
next (schedule.LATENCY_FRAMES). `check_deadline` proves, before anything is
built, that the network's latency fits.

`soft_reset` (the board's button, synchronous to `audio`) resets the network,
the channel map, the crossings and the mute: the TDM clocks and the codec
control keep running, so the codec is never hard-reset while it plays. The DAC
slots send 0 until the first network output after power-on or a reset.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from amaranth import (ClockSignal, DomainRenamer, Elaboratable, Instance, Module, Mux, ResetInserter, ResetSignal,
                      Signal)
from amaranth.lib.cdc import AsyncFFSynchronizer, FFSynchronizer

from synth.board.audio import schedule
from synth.board.audio.codec_control import CodecControl
from synth.board.audio.frame_crossing import SYNC_STAGES, FrameCrossing
from synth.board.audio.mapping import InputMapper, OutputMapper
from synth.board.audio.tdm import Tdm128Master
from synth.board.core import NetworkPorts

LEVEL_BITS = 8  # LED brightness steps
NETWORK_PORT_CYCLES = 1  # the network-side register that holds a sample until the network takes it
# A crossing's target takes a vector at most this many of its cycles after the source registered it: one edge
# that may miss the toggle, the synchroniser's flip-flops, the edge that loads o_data (frame_crossing.min_interval).
CROSSING_TARGET_CYCLES = SYNC_STAGES + 2


class AudioDeadlineError(ValueError):
    """The network cannot answer a frame in time for the DAC frame after next; the message says by how much."""


@dataclass(frozen=True)
class AudioTiming:
    """The audio path's clocks and the network's latency and interval: whether L = 2 frames holds.

    Both clocks come from one VCO, so their ratio is exact (`network_per_audio`, CLKOS_DIV / CLKOP_DIV): a frame
    is exactly 256 * ratio network cycles, and the network keeps its rate with an interval of up to that."""

    audio_hz: float
    network_per_audio: Fraction
    network_latency_cycles: int
    network_interval_cycles: int

    @property
    def network_hz(self) -> float:
        return self.audio_hz * float(self.network_per_audio)

    @property
    def fs_hz(self) -> float:
        return self.audio_hz / schedule.CYCLES_PER_FRAME

    @property
    def network_cycles_per_frame(self) -> Fraction:
        return schedule.CYCLES_PER_FRAME * self.network_per_audio

    @property
    def crossing_audio_cycles(self) -> int:
        """Audio cycles between the frame strobe and the DAC load that are not the network's: the input mapper
        and the crossing's source register, the output mapper, the crossing into `audio` and one of margin."""
        return InputMapper.LATENCY + 1 + OutputMapper.LATENCY + CROSSING_TARGET_CYCLES + 1

    @property
    def crossing_network_cycles(self) -> int:
        """Network cycles of the crossing into `sync`, the port register, the crossing's source register and one
        cycle of phase margin."""
        return CROSSING_TARGET_CYCLES + NETWORK_PORT_CYCLES + 1 + 1

    @property
    def network_budget_cycles(self) -> int:
        """Network cycles available between its input and its output for L = 2 frames."""
        audio_left = schedule.DEADLINE_CYCLES - self.crossing_audio_cycles
        return math.floor(audio_left * self.network_per_audio) - self.crossing_network_cycles

    def check(self) -> None:
        if self.network_interval_cycles > self.network_cycles_per_frame:
            raise AudioDeadlineError(
                f"the network takes a sample every {self.network_interval_cycles} cycles; at "
                f"{self.network_hz / 1e6:.3f} MHz a frame of {self.fs_hz:,.0f} Hz is "
                f"{float(self.network_cycles_per_frame):.1f} cycles")
        if self.network_latency_cycles > self.network_budget_cycles:
            raise AudioDeadlineError(
                f"the network's latency of {self.network_latency_cycles} cycles misses the DAC frame after next: "
                f"at {self.network_hz / 1e6:.3f} MHz and {self.fs_hz:,.0f} Hz it has "
                f"{self.network_budget_cycles} cycles (latency L = {schedule.LATENCY_FRAMES} frames)")


class AudioCore(Elaboratable):
    """Ports (audio domain unless noted): codec pins `mclk` (2: DDR halves), `bick`, `lrck`, `sdin`, `sdout`,
    `pdn`, `scl_oe`, `sda_oe`, `sda_i` (raw line); `soft_reset`; status `configured`, `failures`, `jack`,
    `late` (sticky: an output missed its frame), `overrun` (sticky: a frame came before the network took the
    last), `frame` (the frame strobe), `leds` (4 x RGB: green input level, red output level, blue jack)."""

    def __init__(self, network: NetworkPorts, channel_map, input_format, output_format, register_rate_hz: int,
                 audio_hz: float, *, mclk_ratio: int, pdn_low_us: float = 1000.0, access_wait_us: float = 10000.0,
                 retry_wait_us: float = 2000.0, poll_interval_us: float = 1000.0):
        if network.input_channels > schedule.SLOTS or network.output_channels > schedule.SLOTS:
            raise ValueError(f"{network.top}: {network.input_channels} inputs and {network.output_channels} outputs; "
                             f"the pmod has {schedule.SLOTS} of each")
        self.network = network
        self.channel_map = channel_map
        self.input_format, self.output_format = input_format, output_format
        self.register_rate_hz, self.audio_hz, self.mclk_ratio = register_rate_hz, audio_hz, mclk_ratio
        self.control_args = dict(pdn_low_us=pdn_low_us, access_wait_us=access_wait_us, retry_wait_us=retry_wait_us,
                                 poll_interval_us=poll_interval_us)
        self.mclk = Signal(2)
        self.bick, self.lrck, self.sdin, self.sdout = Signal(), Signal(), Signal(), Signal()
        self.pdn, self.scl_oe, self.sda_oe, self.sda_i = Signal(), Signal(), Signal(), Signal(init=1)
        self.soft_reset = Signal()
        self.configured, self.failures, self.jack = Signal(), Signal(8), Signal(8)
        self.late, self.overrun, self.frame = Signal(), Signal(), Signal()
        self.leds = Signal(12)

    def elaborate(self, platform) -> Module:
        m = Module()
        net = self.network
        audio = m.d.audio

        # --- codec side: clocks, frames, set-up (never reset by the button) ---------------------------
        m.submodules.tdm = tdm = _in_audio(Tdm128Master(self.mclk_ratio))
        m.submodules.control = control = _in_audio(CodecControl(self.audio_hz, self.register_rate_hz, **self.control_args))
        m.d.comb += [
            self.mclk.eq(tdm.mclk), self.bick.eq(tdm.bick), self.lrck.eq(tdm.lrck), self.sdin.eq(tdm.sdin),
            tdm.sdout.eq(self.sdout), self.frame.eq(tdm.strobe),
            self.pdn.eq(control.pdn), self.scl_oe.eq(control.scl_oe), self.sda_oe.eq(control.sda_oe),
            control.sda_i.eq(self.sda_i), self.configured.eq(control.configured),
            self.failures.eq(control.failures), self.jack.eq(control.jack),
        ]

        # --- the button: the audio datapath now, the network through an async-assert synchroniser -------
        network_soft_reset = Signal()
        m.submodules.network_reset = AsyncFFSynchronizer(self.soft_reset, network_soft_reset, o_domain="sync")
        resets = {"audio": self.soft_reset, "sync": network_soft_reset}

        # --- ADC words -> network inputs -> crossing ------------------------------------------------------
        fmt_in, fmt_out = self.input_format, self.output_format
        m.submodules.input_map = input_map = _reset(
            _in_audio(InputMapper(self.channel_map, fmt_in.width, fmt_in.signed, fmt_in.min_code, fmt_in.max_code)),
            {"audio": self.soft_reset})
        m.d.comb += [input_map.adc_words.eq(tdm.adc_words), input_map.plugged.eq(control.jack[:schedule.SLOTS]),
                     input_map.strobe.eq(tdm.strobe)]
        m.submodules.to_network = to_network = _reset(FrameCrossing(net.in_bits, "audio", "sync"), resets)
        m.d.comb += [to_network.i_data.eq(input_map.codes), to_network.i_stb.eq(input_map.valid)]

        # --- the network, in `sync`: a sample waits in its port register until taken ---------------------
        in_valid, in_ready, in_data = Signal(), Signal(), Signal(net.in_bits)
        out_valid, out_data = Signal(), Signal(net.out_bits)
        network_rst = Signal()
        m.d.comb += network_rst.eq(ResetSignal("sync") | network_soft_reset)
        m.submodules.network = Instance(
            net.top, **{f"p_{name}": value for name, value in net.parameters},
            i_clk_i=ClockSignal("sync"), i_rst_i=network_rst,
            i_in_valid_i=in_valid, o_in_ready_o=in_ready, i_in_data_i=in_data,
            o_out_valid_o=out_valid, o_out_data_o=out_data)
        overrun_sync = Signal()
        with m.If(network_rst):
            m.d.sync += [in_valid.eq(0), overrun_sync.eq(0)]
        with m.Elif(to_network.o_stb):
            m.d.sync += [in_valid.eq(1), in_data.eq(to_network.o_data)]
            with m.If(in_valid & ~in_ready):
                m.d.sync += overrun_sync.eq(1)  # the previous frame was never taken
        with m.Elif(in_ready):
            m.d.sync += in_valid.eq(0)
        m.submodules.overrun_to_audio = FFSynchronizer(overrun_sync, self.overrun, o_domain="audio")  # a level

        # --- network outputs -> crossing -> DAC words ------------------------------------------------------
        m.submodules.from_network = from_network = _reset(FrameCrossing(net.out_bits, "sync", "audio"), resets)
        m.d.comb += [from_network.i_data.eq(out_data), from_network.i_stb.eq(out_valid & ~network_rst)]
        m.submodules.output_map = output_map = _reset(
            _in_audio(OutputMapper(self.channel_map, net.output_channels, fmt_out.width, fmt_out.signed)),
            {"audio": self.soft_reset})
        m.d.comb += [output_map.outputs.eq(from_network.o_data), output_map.strobe.eq(from_network.o_stb)]

        # --- mute and the deadline --------------------------------------------------------------------------
        # Muted (0) until the first output. After it, L = 2 means that at every DAC load (the end of frame k) the
        # outputs of every frame fed so far but frame k's own have arrived: exactly one sample in flight. A count
        # of 2 is an output that missed its frame (it would go out a frame late, shifting the whole stream), 0 or
        # less an output from nowhere: either raises the sticky `late`. A late frame repeats the last words.
        next_words = Signal.like(output_map.words)
        playing = Signal()
        in_flight = Signal(range(-4, 5))  # frames fed to the network minus outputs back from it
        fed, returned = input_map.valid, output_map.valid
        with m.If(self.soft_reset):
            audio += [playing.eq(0), next_words.eq(0), self.late.eq(0), in_flight.eq(0)]
        with m.Else():
            with m.If(fed & ~returned & (in_flight < 4)):
                audio += in_flight.eq(in_flight + 1)
            with m.Elif(returned & ~fed & (in_flight > -4)):
                audio += in_flight.eq(in_flight - 1)
            with m.If(returned):
                audio += [next_words.eq(output_map.words), playing.eq(1)]
            with m.If(tdm.dac_load & playing & (in_flight != 1)):
                audio += self.late.eq(1)
        m.d.comb += tdm.dac_words.eq(next_words)

        # --- LEDs: green = input level, red = output level, blue = jack in ------------------------------------
        pwm = Signal(LEVEL_BITS)
        audio += pwm.eq(pwm + 1)
        for slot in range(schedule.SLOTS):
            dac_word = next_words.word_select(schedule.SLOTS - 1 - slot, schedule.WORD_BITS).as_signed()
            levels = [_level_meter(m, input_map.samples[slot], tdm.strobe, f"in{slot}"),
                      _level_meter(m, dac_word, tdm.strobe, f"out{slot}")]
            m.d.comb += [self.leds[3 * slot + 1].eq(levels[0] > pwm), self.leds[3 * slot].eq(levels[1] > pwm),
                         self.leds[3 * slot + 2].eq(control.jack[slot] & (pwm < 16))]
        return m


def _in_audio(module: Elaboratable) -> Elaboratable:
    return DomainRenamer("audio")(module)


def _reset(module: Elaboratable, resets: dict) -> Elaboratable:
    return ResetInserter(resets)(module)


def _level_meter(m: Module, sample, strobe, name: str) -> Signal:
    """Peak |sample| with a slow decay, as LEVEL_BITS bits of brightness."""
    envelope = Signal(15, name=f"{name}_envelope")
    magnitude = Signal(15, name=f"{name}_magnitude")
    m.d.comb += magnitude.eq(Mux(sample < 0, -sample, sample))
    with m.If(strobe):
        with m.If(magnitude > envelope):
            m.d.audio += envelope.eq(magnitude)
        with m.Else():
            m.d.audio += envelope.eq(envelope - (envelope >> 9) - (envelope != 0))
    return envelope[15 - LEVEL_BITS:]


class StandaloneAudioCore(Elaboratable):
    """The core with plain ports, for the benches and the gate-level netlist: `audio_clk`, `audio_rst` (power-on,
    synchronous to audio_clk), `clk`, `rst` (the network's power-on reset), `soft_reset`, and the core's pins and
    status. The pins here are the I/O registers' D and Q: the bench's wrapper (sim/audio_core) models those
    registers and the open-drain lines as the board top builds them."""

    PINS_OUT = ("mclk", "bick", "lrck", "sdin", "pdn", "scl_oe", "sda_oe", "configured", "failures", "jack", "late",
                "overrun", "frame", "leds")
    PINS_IN = ("sdout", "sda_i", "soft_reset")

    def __init__(self, core: AudioCore):
        self.core = core
        self.audio_clk, self.audio_rst = Signal(name="audio_clk"), Signal(name="audio_rst")
        self.clk, self.rst = Signal(name="clk"), Signal(name="rst")
        self.pins = {name: Signal.like(getattr(core, name), name=name) for name in (*self.PINS_OUT, *self.PINS_IN)}

    def elaborate(self, platform) -> Module:
        from amaranth import ClockDomain

        m = Module()
        m.domains.sync = ClockDomain("sync")
        m.domains.audio = ClockDomain("audio")
        m.d.comb += [ClockSignal("sync").eq(self.clk), ResetSignal("sync").eq(self.rst),
                     ClockSignal("audio").eq(self.audio_clk), ResetSignal("audio").eq(self.audio_rst)]
        m.submodules.core = self.core
        m.d.comb += [self.pins[name].eq(getattr(self.core, name)) for name in self.PINS_OUT]
        m.d.comb += [getattr(self.core, name).eq(self.pins[name]) for name in self.PINS_IN]
        return m

    @property
    def ports(self) -> list[Signal]:
        return [self.audio_clk, self.audio_rst, self.clk, self.rst, *self.pins.values()]
