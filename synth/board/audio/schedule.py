"""The TDM128 frame schedule in `audio` clock cycles: the one home of every cycle number of the audio path.

The `audio` domain runs at 256 fs, so a frame (one LRCK period) is 256 cycles
and a BICK period is 2. In BICK period b (0-127) the core drives BICK high in
cycle 2b (the rising edge, where LRCK and SDIN1 change: BCKP = 1) and low in
cycle 2b + 1 (the falling edge, where the codec samples them). Every pin
leaves through an I/O register, so the pins show the core's cycle-c values in
cycle c + 1. SDOUT1 enters through an I/O register that samples at the edge
where the BICK pin falls, so the core sees ADC bit b in cycle 2b + 2.

Slot s's 16-bit word occupies BICK periods 32 s + 1 ... 32 s + 16 (I2S: one
BICK after the LRCK edge), MSB first, on both SDIN1 and SDOUT1.
"""
from __future__ import annotations

CYCLES_PER_FRAME = 256  # audio clock = 256 fs
BICK_PER_FRAME = 128
SLOTS = 4
SLOT_BICKS = 32
WORD_BITS = 16
I2S_DELAY = 1  # the MSB of a slot comes one BICK period after the slot's start
CAPTURE_DELAY = 2  # core cycle of ADC bit b = 2 b + CAPTURE_DELAY (output and input I/O registers)


def word_bicks(slot: int) -> range:
    """The BICK periods that carry slot `slot`'s word, MSB first."""
    start = SLOT_BICKS * slot + I2S_DELAY
    return range(start, start + WORD_BITS)


def capture_cycle(bick: int) -> int:
    """The core cycle in which ADC bit `bick` is taken from the input register."""
    return 2 * bick + CAPTURE_DELAY


# The last ADC bit (slot 3's LSB) is taken in cycle 226; the frame strobe follows it.
FRAME_STROBE_CYCLE = capture_cycle(word_bicks(SLOTS - 1)[-1]) + 1
# The DAC words of a frame are loaded at the end of the previous frame's last cycle.
DAC_LOAD_CYCLE = CYCLES_PER_FRAME - 1
# ADC frame n's strobe (cycle FRAME_STROBE_CYCLE of frame n) to the load of DAC frame n + 2: the time the
# channel map, the two crossings and the network share. The output for frame n goes out in frame n + 2.
LATENCY_FRAMES = 2
DEADLINE_CYCLES = (LATENCY_FRAMES - 1) * CYCLES_PER_FRAME + DAC_LOAD_CYCLE - FRAME_STROBE_CYCLE

assert word_bicks(SLOTS - 1)[-1] < BICK_PER_FRAME and FRAME_STROBE_CYCLE < DAC_LOAD_CYCLE
