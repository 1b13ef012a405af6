"""ECPIX-5 + eurorack-pmod top: 100 MHz pin -> EHXPLLL (network clock, 256 fs audio clock), resets, PMOD0 pins.

Only this wrapper knows the board. Every codec pin has an I/O register
(`io.FFBuffer`; MCLK an `io.DDRBuffer`, an ODDRX1F): the eurorack-pmod needed
them to meet timing, and they make the pins' timing independent of placement.
The I2C lines are open drain (the pmod pulls them up). The button resets the
network and the channel map only (AudioCore.soft_reset); losing the PLL lock
resets everything, which is the only time PDN goes low.
"""
from __future__ import annotations

from amaranth import ClockDomain, Elaboratable, Module, Signal
from amaranth.build import Attrs, Pins, Resource, Subsignal
from amaranth.lib import io
from amaranth.lib.cdc import FFSynchronizer, ResetSynchronizer

from synth.board.audio.core import AudioCore
from synth.board.pll import AudioPllSetting, ehxplll_audio

BOARD_CLOCK_MHZ = 100.0  # the ECPIX-5 oscillator on K23

# The eurorack-pmod on PMOD0 through its ribbon cable (ECPIX-5 pins; the codec's names).
PMOD0_CODEC = Resource(
    "eurorack_pmod", 0,
    Subsignal("sdin1", Pins("T25", dir="o")),
    Subsignal("sdout1", Pins("U25", dir="i")),
    Subsignal("lrck", Pins("U24", dir="o")),
    Subsignal("bick", Pins("V24", dir="o")),
    Subsignal("scl", Pins("T26", dir="io")),
    Subsignal("sda", Pins("U26", dir="io")),
    Subsignal("pdn", Pins("V26", dir="o")),
    Subsignal("mclk", Pins("W26", dir="o")),
    Attrs(IO_TYPE="LVCMOS33"),
)


class AudioBoardTop(Elaboratable):
    def __init__(self, core: AudioCore, pll: AudioPllSetting):
        self.core = core
        self.pll = pll

    def elaborate(self, platform) -> Module:
        m = Module()
        platform.add_resources([PMOD0_CODEC])
        clk100 = platform.request("clk100", 0)
        button = platform.request("rst", 0)
        pins = platform.request("eurorack_pmod", 0, dir="-")
        leds = [platform.request("rgb_led", index) for index in range(4)]

        m.domains.sync = sync = ClockDomain("sync")
        m.domains.audio = audio = ClockDomain("audio")
        locked = Signal()
        m.submodules.pll = ehxplll_audio(self.pll, clk100.i, sync.clk, audio.clk, locked)
        # Power-on: both domains held until the PLL locks (asynchronous assert, synchronous release).
        m.submodules.reset_sync = ResetSynchronizer(~locked, domain="sync")
        m.submodules.reset_audio = ResetSynchronizer(~locked, domain="audio")
        m.submodules.core = core = self.core
        m.submodules.button = FFSynchronizer(button.i, core.soft_reset, o_domain="audio")

        for name in ("bick", "lrck", "sdin1", "pdn"):
            m.submodules[f"{name}_ff"] = buffer = io.FFBuffer("o", getattr(pins, name), o_domain="audio")
            m.d.comb += buffer.o.eq(getattr(core, "sdin" if name == "sdin1" else name))
        m.submodules.mclk_ddr = mclk = io.DDRBuffer("o", pins.mclk, o_domain="audio")
        m.d.comb += [mclk.o[0].eq(core.mclk[0]), mclk.o[1].eq(core.mclk[1])]
        m.submodules.sdout1_ff = sdout = io.FFBuffer("i", pins.sdout1, i_domain="audio")
        m.d.comb += core.sdout.eq(sdout.i)
        for name in ("scl", "sda"):  # open drain: drive 0 or let go
            m.submodules[f"{name}_buffer"] = buffer = io.Buffer("io", getattr(pins, name))
            m.d.comb += [buffer.o.eq(0), buffer.oe.eq(getattr(core, f"{name}_oe"))]
            if name == "sda":
                m.d.comb += core.sda_i.eq(buffer.i)
        for index, led in enumerate(leds):
            m.d.comb += [led.r.o.eq(core.leds[3 * index]), led.g.o.eq(core.leds[3 * index + 1]),
                         led.b.o.eq(core.leds[3 * index + 2])]
        return m
