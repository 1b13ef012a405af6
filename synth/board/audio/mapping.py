"""The channel map in gateware: ADC words -> network input codes, network outputs -> DAC words (docs/audio.md).

The arithmetic is docs/audio.md's, step for step; golden/audio/mapping.py is
its reference and the audio benches compare every word with it. Both mappers
are fixed-length pipelines (`LATENCY` cycles from strobe in to strobe out),
whatever the map holds, so the frame schedule does not depend on the map. A
calibration that is the identity (shift 0, mult 1024) builds no multiplier.
"""
from __future__ import annotations

from amaranth import Cat, Const, Elaboratable, Module, Mux, Signal, signed

from golden.audio.channel_map import ChannelMap, ConstantInput, SilentSlot
from synth.board.audio import schedule

CAL_FRAC_BITS = 10  # calibration: ((x - shift) * mult) >>> 10
CAL_LIMIT = 32767  # the calibrated sample and the DAC word are clamped to +-32767
WORD_MIN, WORD_MAX = -(1 << 15), (1 << 15) - 1
IDENTITY = (0, 1 << CAL_FRAC_BITS)


def _clamp(m: Module, value, low: int, high: int, width: int) -> Signal:
    """A signed `width`-bit signal holding `value` clamped to [low, high] (combinational)."""
    out = Signal(signed(width))
    m.d.comb += out.eq(Mux(value < low, low, Mux(value > high, high, value)))
    return out


def _delayed(m: Module, value: Signal, stages: int, name: str) -> Signal:
    """`value` through `stages` registers."""
    for stage in range(stages):
        delayed = Signal.like(value, name=f"{name}_d{stage}")
        m.d.sync += delayed.eq(value)
        value = delayed
    return value


def _shifted(value, shift: int):
    """value >>> shift (floor) for shift >= 0, value << -shift otherwise; `value` is signed."""
    return value >> shift if shift >= 0 else value << -shift


class _Calibration:
    """clamp(((x - shift) * mult) >>> 10, -32767, 32767) in three registered stages."""

    STAGES = 3

    def __init__(self, m: Module, x, shift: int, mult: int, name: str):
        self.out = Signal(signed(16), name=f"{name}_cal")
        diff = Signal(signed(18), name=f"{name}_diff")
        product = Signal(signed(18 + 17), name=f"{name}_product")
        m.d.sync += diff.eq(x - shift)
        if (shift, mult) == IDENTITY:
            m.d.sync += product.eq(diff << CAL_FRAC_BITS)  # wiring, no multiplier
        else:
            m.d.sync += product.eq(diff * Const(mult, 17))
        m.d.sync += self.out.eq(_clamp(m, product >> CAL_FRAC_BITS, -CAL_LIMIT, CAL_LIMIT, 18 + 17))


class InputMapper(Elaboratable):
    """adc_words (slot 0 on top), plugged (jack bits 0-3), strobe -> codes (input 0 in the low bits), valid.

    Also `samples`: the four calibrated samples (after unplugged substitution), for the level meters."""

    LATENCY = _Calibration.STAGES + 2  # invert/calibrate, substitute, shift into the input format

    def __init__(self, channel_map: ChannelMap, input_width: int, input_signed: bool, input_min: int, input_max: int):
        self.channel_map = channel_map
        self.input_width, self.input_signed = input_width, input_signed
        self.input_min, self.input_max = input_min, input_max
        self.inputs = len(channel_map.network_inputs)
        self.adc_words = Signal(schedule.SLOTS * schedule.WORD_BITS)
        self.plugged = Signal(schedule.SLOTS)
        self.strobe = Signal()
        self.codes = Signal(self.inputs * input_width)
        self.valid = Signal()
        self.samples = [Signal(signed(16), name=f"sample{s}") for s in range(schedule.SLOTS)]

    def elaborate(self, platform) -> Module:
        m = Module()
        cmap = self.channel_map
        plugged = Signal(schedule.SLOTS)
        for slot in range(schedule.SLOTS):
            word = self.adc_words.word_select(schedule.SLOTS - 1 - slot, schedule.WORD_BITS).as_signed()
            x = ~word if cmap.adc.invert else word  # ~w = -w - 1 on a signed word
            shift, mult = cmap.adc.calibration[slot].shift, cmap.adc.calibration[slot].mult
            calibrated = _Calibration(m, x, shift, mult, f"adc{slot}").out
            m.d.sync += self.samples[slot].eq(Mux(plugged[slot], calibrated, cmap.adc.unplugged[slot]))
        # the jack state of the frame: taken with its words, aligned with the calibration stages
        m.d.comb += plugged.eq(_delayed(m, self.plugged, _Calibration.STAGES, "plugged"))

        codes = []
        for index, entry in enumerate(cmap.network_inputs):
            code = Signal(self.input_width, name=f"input{index}")
            if isinstance(entry, ConstantInput):
                m.d.sync += code.eq(Const(entry.constant, self.input_width))
            else:
                shifted = _shifted(self.samples[entry.slot], entry.shift)
                m.d.sync += code.eq(_clamp(m, shifted, self.input_min, self.input_max, 16 + 25))
            codes.append(code)
        m.d.comb += self.codes.eq(Cat(*codes))

        m.d.comb += self.valid.eq(_delayed(m, self.strobe, self.LATENCY, "in_valid"))
        return m


class OutputMapper(Elaboratable):
    """outputs (output 0 in the low bits), strobe -> words (4 x 16, slot 0 on top), valid."""

    LATENCY = 1 + _Calibration.STAGES  # shift and saturate to 16 bits, calibrate

    def __init__(self, channel_map: ChannelMap, output_count: int, output_width: int, output_signed: bool):
        self.channel_map = channel_map
        self.output_count, self.output_width, self.output_signed = output_count, output_width, output_signed
        self.outputs = Signal(output_count * output_width)
        self.strobe = Signal()
        self.words = Signal(schedule.SLOTS * schedule.WORD_BITS)
        self.valid = Signal()

    def elaborate(self, platform) -> Module:
        m = Module()
        cmap = self.channel_map
        words = []
        for slot, entry in enumerate(cmap.dac_slots):
            word = Signal(signed(16), name=f"dac{slot}")
            if isinstance(entry, SilentSlot):
                m.d.sync += word.eq(0)  # a constant: nothing to pipeline
            else:
                raw = self.outputs.word_select(entry.output, self.output_width)
                y = raw.as_signed() if self.output_signed else raw.as_unsigned()
                saturated = Signal(signed(16), name=f"dac{slot}_sat")
                wide = self.output_width + 25
                m.d.sync += saturated.eq(_clamp(m, _shifted(y, entry.shift), WORD_MIN, WORD_MAX, wide))
                cal = cmap.dac.calibration[slot]
                m.d.comb += word.eq(_Calibration(m, saturated, cal.shift, cal.mult, f"dac{slot}").out)
            words.append(word)
        m.d.comb += self.words.eq(Cat(*reversed(words)))  # slot 0 on top

        m.d.comb += self.valid.eq(_delayed(m, self.strobe, self.LATENCY, "out_valid"))
        return m
