"""TDM128 master for the AK4619VN (I2S compatible, BCKP = 1): clocks, SDIN1 out, SDOUT1 in, the frame strobe.

The cycle numbers come from synth/board/audio/schedule.py. The outputs here
are the values the I/O registers take (the board top puts one register on
every pin, the bench's wrapper models them), so the pins are one cycle later
than the counter; the SDOUT1 input is the I/O register's output.

MCLK is two bits for an ODDRX1F (`mclk[0]` in the first half of the cycle,
`mclk[1]` in the second): 256 fs is the audio clock itself (1, 0); 128 fs is
BICK, the clock divided by two (both halves equal).
"""
from __future__ import annotations

from amaranth import Cat, Elaboratable, Module, Signal

from synth.board.audio import schedule

MCLK_RATIOS = (128, 256)  # MCLK / fs the generator supports (AK4619 FS = 1xx and 000)


class Tdm128Master(Elaboratable):
    """Ports: mclk (2, DDR halves), bick, lrck, sdin (to the output registers); sdout (from the input register);
    dac_words (4 x 16 bits, slot 0 in the top bits: the frame to send, loaded into the shifter once per frame at
    DAC_LOAD_CYCLE); adc_words (4 x 16, slot 0 on top, held from one strobe to the next); strobe (one cycle per
    frame, at FRAME_STROBE_CYCLE, when adc_words has just been updated); dac_load (one cycle: dac_words is taken
    at the end of this cycle)."""

    def __init__(self, mclk_ratio: int):
        if mclk_ratio not in MCLK_RATIOS:
            raise ValueError(f"TDM128 master: MCLK must be one of {MCLK_RATIOS} x fs, got {mclk_ratio!r}")
        self.mclk_ratio = mclk_ratio
        words = schedule.SLOTS * schedule.WORD_BITS
        self.mclk = Signal(2)
        self.bick = Signal()
        self.lrck = Signal()
        self.sdin = Signal()
        self.sdout = Signal()
        self.dac_words = Signal(words)
        self.adc_words = Signal(words)
        self.strobe = Signal()
        self.dac_load = Signal()
        self.cycle = Signal(range(schedule.CYCLES_PER_FRAME))  # for the bench and the level meters

    def elaborate(self, platform) -> Module:
        m = Module()
        cycle = self.cycle
        bick_period = cycle[1:]  # cycle // 2
        m.d.sync += cycle.eq(cycle + 1)  # 256 wraps by itself

        m.d.comb += [
            self.bick.eq(~cycle[0]),  # high in 2b (rising: LRCK and SDIN1 change), low in 2b + 1
            self.lrck.eq(bick_period >= schedule.BICK_PER_FRAME // 2),
            self.mclk.eq(Cat(self.bick, self.bick) if self.mclk_ratio == 128 else 0b01),
        ]

        # --- SDIN1: the frame's four words, each MSB first in its slot's word periods, zero elsewhere --------
        frame = Signal.like(self.dac_words)  # loaded once per frame: stable while it is sent
        m.d.comb += self.dac_load.eq(cycle == schedule.DAC_LOAD_CYCLE)
        with m.If(self.dac_load):
            m.d.sync += frame.eq(self.dac_words)
        slot, position = bick_period[5:], bick_period[:5]  # 32 BICK periods a slot
        in_word = (position >= schedule.I2S_DELAY) & (position < schedule.I2S_DELAY + schedule.WORD_BITS)
        bit = Signal(range(schedule.WORD_BITS))
        m.d.comb += bit.eq(schedule.WORD_BITS - 1 + schedule.I2S_DELAY - position)  # MSB first (mod 16)
        word = frame.word_select(~slot, schedule.WORD_BITS)  # slot 0 on top: ~slot = 3 - slot
        m.d.comb += self.sdin.eq(in_word & word.bit_select(bit, 1))

        # --- SDOUT1: bit b arrives in cycle 2b + CAPTURE_DELAY; only the 16-bit words are kept -----------------
        captured = Signal(range(schedule.CYCLES_PER_FRAME))
        m.d.comb += captured.eq(cycle - schedule.CAPTURE_DELAY)  # 2b in the cycle that holds bit b
        cap_period = captured[1:]
        cap_position = cap_period[:5]
        take = (~captured[0] & (cycle >= schedule.CAPTURE_DELAY)
                & (cap_position >= schedule.I2S_DELAY) & (cap_position < schedule.I2S_DELAY + schedule.WORD_BITS))
        shifter, shifted = Signal.like(self.adc_words), Signal.like(self.adc_words)
        m.d.comb += shifted.eq(Cat(self.sdout, shifter[:-1]))
        with m.If(take):
            m.d.sync += shifter.eq(shifted)
        # The last bit (slot 3's LSB) is taken in the cycle before the strobe: the words go out with it.
        with m.If(cycle == schedule.FRAME_STROBE_CYCLE - 1):
            m.d.sync += self.adc_words.eq(shifted)
        m.d.comb += self.strobe.eq(cycle == schedule.FRAME_STROBE_CYCLE)
        return m
