"""The arithmetic of docs/audio.md's channel map, vectorised over frames, and the whole pmod path frame by frame.

Every array is numpy int64, one row per frame. Steps 1, 2 and 4 of the spec are `calibrated_samples`,
`network_inputs` and `dac_words`; `PmodPath` chains them around the golden `StreamingNetwork` (step 3)
and adds the L = 2 frame latency and the muting after reset. `>>` on int64 is the spec's `>>>` (an
arithmetic shift, rounding towards minus infinity).

ADC words are the 16 bits of a slot, given either as the signed value (-32768..32767) or as the raw
unsigned pattern (0..65535): both read the same word (0xFFFF and -1 are one word). DAC words come back
signed, -32768..32767 (in practice -32767..32767: the DAC calibration clamps symmetrically).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from golden.audio.channel_map import (
    CALIBRATION_FRAC, PMOD_SLOTS, SAMPLE_LIMIT, Calibration, ChannelMap, ChannelMapError, ConstantInput, OutputSlot,
    SilentSlot, SlotInput,
)
from golden.errors import RepresentationError, ShapeError
from golden.manifest import NetworkManifest
from golden.network import StreamingNetwork
from golden.qformat import QFormat, check_accumulators, check_integers, check_shape

LATENCY_FRAMES = 2  # ADC frame n's result leaves in DAC frame n + 2
WORD_BITS = 16
WORD_MIN, WORD_MAX = -(1 << (WORD_BITS - 1)), (1 << (WORD_BITS - 1)) - 1


def calibrated_samples(channel_map: ChannelMap, adc_words: ArrayLike, plugged: ArrayLike) -> np.ndarray:
    """Step 1: (N, 4) ADC words and (N, 4) jack states (True = plugged) -> (N, 4) calibrated samples."""
    words = _signed_words(adc_words)
    jacks = np.asarray(plugged)
    if jacks.dtype != np.bool_:
        raise RepresentationError(f"jack states: expected booleans (True = plugged), got dtype {jacks.dtype}")
    check_shape(jacks, words.shape, "jack states")
    adc = channel_map.adc
    x = -words - 1 if adc.invert else words  # the bitwise inverse of a 16-bit two's-complement word
    calibrated = _calibrate(x, adc.calibration)
    return np.where(jacks, calibrated, np.array(adc.unplugged, dtype=np.int64))


def network_inputs(channel_map: ChannelMap, fmt: QFormat, calibrated: ArrayLike) -> np.ndarray:
    """Step 2: (N, 4) calibrated samples -> (N, inputs) codes of `fmt`, one column per `network_inputs` entry."""
    samples = check_integers(calibrated, "calibrated samples", -SAMPLE_LIMIT - 1, SAMPLE_LIMIT, "sample",
                             "16 bits").astype(np.int64)
    check_shape(samples, (None, PMOD_SLOTS), "calibrated samples")
    columns = []
    for index, entry in enumerate(channel_map.network_inputs):
        if isinstance(entry, SlotInput):
            columns.append(_shift_saturate(samples[:, entry.slot], entry.shift, fmt.min_code, fmt.max_code))
        elif isinstance(entry, ConstantInput):
            if not fmt.min_code <= entry.constant <= fmt.max_code:
                raise ChannelMapError(f"{channel_map.origin}: network_inputs[{index}].constant: {entry.constant} is "
                                      f"outside the input format {fmt} [{fmt.min_code}, {fmt.max_code}]")
            columns.append(np.full(len(samples), entry.constant, dtype=np.int64))
    return np.stack(columns, axis=1)


def dac_words(channel_map: ChannelMap, outputs: ArrayLike) -> np.ndarray:
    """Step 4: (N, outputs) network output codes (any width that fits int64) -> (N, 4) signed DAC words."""
    codes = check_accumulators(outputs, "network outputs")
    check_shape(codes, (None, None), "network outputs")
    words = np.zeros((len(codes), PMOD_SLOTS), dtype=np.int64)
    for slot, (source, calibration) in enumerate(zip(channel_map.dac_slots, channel_map.dac.calibration)):
        if isinstance(source, SilentSlot):
            continue  # 0, not calibrated
        if isinstance(source, OutputSlot):
            if source.output >= codes.shape[1]:
                raise ShapeError(f"{channel_map.origin}: dac_slots[{slot}].output: {source.output}, but the network "
                                 f"outputs have {codes.shape[1]} columns")
            value = _shift_saturate(codes[:, source.output], source.shift, WORD_MIN, WORD_MAX)
            words[:, slot] = _calibrate(value[:, None], (calibration,))[:, 0]
    return words


class PmodPath:
    """The audio path frame by frame: ADC frames in, DAC frames out, as the pmod build plays them.

    `run` starts from power-on or a reset (the network's history all zeros): DAC frame n + 2 carries the
    result of ADC frame n, and DAC frames 0 and 1 are muted (0). The results of the last two ADC frames
    are not sent within the run. A bench models a reset by calling `run` again on the frames after it.
    """

    def __init__(self, manifest: NetworkManifest, channel_map: ChannelMap):
        channel_map.check_model(manifest)
        self.manifest = manifest
        self.channel_map = channel_map

    def run(self, adc_words: ArrayLike, plugged: ArrayLike) -> np.ndarray:
        """(N, 4) ADC words and (N, 4) jack states (True = plugged) -> (N, 4) DAC words."""
        calibrated = calibrated_samples(self.channel_map, adc_words, plugged)
        inputs = network_inputs(self.channel_map, self.manifest.input_format, calibrated)
        outputs = StreamingNetwork(self.manifest).run(inputs)  # one step per frame, from zero history
        results = dac_words(self.channel_map, outputs)
        frames = np.zeros_like(results)  # muted until the first valid output
        sent = max(len(results) - LATENCY_FRAMES, 0)
        frames[LATENCY_FRAMES:] = results[:sent]
        return frames


def _signed_words(adc_words: ArrayLike) -> np.ndarray:
    """(N, 4) words as signed 16-bit values, from signed or raw unsigned 16-bit input."""
    raw = check_integers(adc_words, "ADC words", WORD_MIN, (1 << WORD_BITS) - 1, "word",
                         "16 bits (signed or unsigned)").astype(np.int64)
    check_shape(raw, (None, PMOD_SLOTS), "ADC words")
    return np.where(raw > WORD_MAX, raw - (1 << WORD_BITS), raw)


def _calibrate(x: np.ndarray, calibration: tuple[Calibration, ...]) -> np.ndarray:
    """clamp(((x - shift) * mult) >>> 10, -32767, 32767), column s with calibration[s].

    |x - shift| < 2^16 and mult < 2^16: the product stays far inside int64."""
    shift = np.array([c.shift for c in calibration], dtype=np.int64)
    mult = np.array([c.mult for c in calibration], dtype=np.int64)
    return np.clip(((x - shift) * mult) >> CALIBRATION_FRAC, -SAMPLE_LIMIT, SAMPLE_LIMIT)


def _shift_saturate(values: np.ndarray, shift: int, low: int, high: int) -> np.ndarray:
    """`values >>> shift` (or `<< -shift`), saturated to [low, high] (low <= 0 <= high), never wrapping.

    A left shift saturates before it shifts: a value beyond [low, high] stays beyond it when shifted, so
    clamping first gives the same result and keeps `value << 24` inside int64 whatever the value's width."""
    if shift >= 0:
        shifted = values >> shift
    else:
        shifted = np.clip(values, low, high) << -shift
    return np.clip(shifted, low, high)
