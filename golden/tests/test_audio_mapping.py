"""The channel map's arithmetic (golden/audio/mapping.py) against integers computed by hand from docs/audio.md, and
the frame model PmodPath: the seeds' mapping at its edges, calibration, unplugged jacks, the L = 2 alignment.

Every expected value is a literal worked out from the spec's formulas (the working is in the comments), never a
call of the code under test. Only the wide-output property test uses an oracle: Python's unbounded integers."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from golden.audio.channel_map import (
    AdcMap, Calibration, ChannelMap, ChannelMapError, ConstantInput, DacMap, OutputSlot, SilentSlot, SlotInput,
    default_channel_map_path, load_channel_map,
)
from golden.audio.mapping import LATENCY_FRAMES, PmodPath, calibrated_samples, dac_words, network_inputs
from golden.errors import RepresentationError, ShapeError
from golden.kinds.conv1d import ConvLayer
from golden.layer_format import Activation, OperandFormats, OutputStage
from golden.manifest import NetworkManifest
from golden.qformat import INT64_MAX, INT64_MIN, QFormat

Q16_12 = QFormat(16, 12)
IDENTITY = Calibration(0, 1024)
ALL_PLUGGED = np.ones((1, 4), dtype=bool)


@pytest.fixture(scope="module")
def seeds() -> ChannelMap:
    return load_channel_map(default_channel_map_path())


def column_map(adc: AdcMap | None = None, dac: DacMap | None = None, inputs: tuple = (),
               slots: tuple = ()) -> ChannelMap:
    """A map for one-column-at-a-time tables; identity calibration and no inversion unless given."""
    return ChannelMap(adc or AdcMap(False, (IDENTITY,) * 4, (0, 0, 0, 0)), dac or DacMap((IDENTITY,) * 4),
                      inputs or (SlotInput(0, 0),), slots or (SilentSlot(),) * 4)


def one_slot(words: list[int], slot: int = 0) -> np.ndarray:
    """(N, 4) ADC words with `words` in column `slot`, zeros elsewhere."""
    frames = np.zeros((len(words), 4), dtype=np.int64)
    frames[:, slot] = words
    return frames


def outputs_column(values: list[int], column: int = 0, width: int = 4) -> np.ndarray:
    frames = np.zeros((len(values), width), dtype=np.int64)
    frames[:, column] = values
    return frames


# --- the seeds' mapping: input = (~word clamped to +-32767) >>> 2 ------------------------------------------------

# word -> (calibrated sample = clamp(~word), network input = sample >>> 2)
SEEDS_INPUT = [
    (0, -1, -1),  # ~0 = -1; -1 >>> 2 = -1 (floor of -0.25)
    (-1, 0, 0),  # ~(-1) = 0
    (0xFFFF, 0, 0),  # the same word, given unsigned
    (32767, -32767, -8192),  # ~32767 = -32768, clamped to -32767; floor(-8191.75) = -8192
    (-32768, 32767, 8191),  # the word whose inverse is 32767: 32767 >>> 2 = 8191
    (0x8000, 32767, 8191),  # the same word, given unsigned
    (-32767, 32766, 8191),  # ~(-32767) = 32766; 8191.5 -> 8191
    (100, -101, -26),  # floor(-25.25) = -26
    (-101, 100, 25),
    (2, -3, -1),  # floor(-0.75) = -1
    (-4, 3, 0),
    (-5, 4, 1),
    (0x7FFE, -32767, -8192),  # ~32766 = -32767
]


def test_the_seeds_input_is_the_inverted_word_clamped_and_shifted(seeds: ChannelMap) -> None:
    words = [word for word, _, _ in SEEDS_INPUT]
    plugged = np.ones((len(words), 4), dtype=bool)
    calibrated = calibrated_samples(seeds, one_slot(words), plugged)
    assert calibrated[:, 0].tolist() == [sample for _, sample, _ in SEEDS_INPUT]
    inputs = network_inputs(seeds, Q16_12, calibrated)
    assert inputs.shape == (len(words), 4)
    assert inputs[:, 0].tolist() == [code for _, _, code in SEEDS_INPUT]
    assert inputs[:, 3].tolist() == [0] * len(words)  # {constant: 0}


# network output -> DAC word: y << 2 saturated to 16 bits, then the identity calibration's clamp to +-32767
SEEDS_OUTPUT = [
    (0, 0),
    (1, 4),
    (-1, -4),
    (8191, 32764),  # just below +2.0 in Q(16,12)
    (8192, 32767),  # +2.0: 32768 saturates to 32767
    (8193, 32767),
    (-8191, -32764),
    (-8192, -32767),  # -2.0: -32768 fits 16 bits, the calibration clamp makes it -32767
    (-8193, -32767),  # -32772 saturates to -32768, then -32767
    (32767, 32767),
    (-32768, -32767),
    (4096, 16384),  # 1.0
    (-2049, -8196),
]


def test_the_seeds_output_is_shifted_left_and_saturated_never_wrapped(seeds: ChannelMap) -> None:
    words = dac_words(seeds, outputs_column([y for y, _ in SEEDS_OUTPUT]))
    assert words[:, 0].tolist() == [word for _, word in SEEDS_OUTPUT]
    assert not words[:, 1:].any(), "silent slots send 0"


# --- wide outputs (seed_fpga's are 39 bits): saturation exact for any int64 --------------------------------------

WIDE = ChannelMap(AdcMap(False, (IDENTITY,) * 4, (0, 0, 0, 0)), DacMap((IDENTITY,) * 4), (SlotInput(0, 0),),
                  (OutputSlot(0, -2), OutputSlot(1, 9), OutputSlot(2, -24), OutputSlot(3, 24)))
# one row per frame: outputs (y0, y1, y2, y3) -> DAC words
WIDE_CASES = [
    # y0 << 2           y1 >>> 9                y2 << 24      y3 >>> 24
    ((1 << 62, 1 << 62, 1 << 62, INT64_MAX), (32767, 32767, 32767, 32767)),  # 2^53, 2^39 - 1: saturate
    ((INT64_MIN, -(1 << 62), INT64_MIN, INT64_MIN), (-32767, -32767, -32767, -32767)),
    ((1 << 40, 16777215, 1, 5 << 24), (32767, 32767, 32767, 5)),  # (2^24 - 1) >>> 9 = 32767
    ((-(1 << 40), 16777216, 0, -1), (-32767, 32767, 0, -1)),  # 2^24 >>> 9 = 32768 -> 32767
    ((8191, -16777216, -1, -(1 << 24)), (32764, -32767, -32767, -1)),  # -2^24 >>> 9 = -32768 -> -32767
    ((-8191, 511, 0, -(1 << 24) - 1), (-32764, 0, 0, -2)),  # floor(-1 - 2^-24) = -2
    ((0, 512, 0, (1 << 24) - 1), (0, 1, 0, 0)),
    ((0, -512, 0, 0), (0, -1, 0, 0)),
    ((0, -513, 0, 0), (0, -2, 0, 0)),  # floor(-1.002) = -2
    ((0, -1, 0, 0), (0, -1, 0, 0)),
]


def test_wide_outputs_saturate_exactly_without_overflowing() -> None:
    outputs = np.array([y for y, _ in WIDE_CASES], dtype=np.int64)
    assert dac_words(WIDE, outputs).tolist() == [list(word) for _, word in WIDE_CASES]


def test_any_int64_output_and_shift_matches_unbounded_integers(rng: np.random.Generator) -> None:
    """Oracle: Python ints never overflow, so `y << 24` is exact there; then saturate and clamp by hand."""
    for shift in range(-24, 25):
        channel_map = dataclasses.replace(WIDE, dac_slots=(OutputSlot(0, shift),) + (SilentSlot(),) * 3)
        bits = rng.integers(1, 64, 400)
        values = [int(v) for v in rng.integers(-(1 << 62), 1 << 62, 400) >> (63 - bits)]
        values += [INT64_MIN, INT64_MAX, -1, 0, 1]
        expected = []
        for y in values:
            v = y >> shift if shift >= 0 else y << -shift
            expected.append(max(-32767, min(32767, v)))  # saturation to 16 bits, then the identity clamp
        got = dac_words(channel_map, outputs_column(values))[:, 0].tolist()
        assert got == expected, f"shift {shift}"


# --- calibration that is not the identity ------------------------------------------------------------------------

ADC_CALIBRATED = AdcMap(False, (Calibration(100, 1536), Calibration(-7, 1000), Calibration(0, 0),
                                Calibration(-32768, 65535)), (0, 0, 0, 0))
# one row per frame, x = the word (no inversion): ADC words -> calibrated samples
ADC_CASES = [
    # (x - 100) * 1.5       (x + 7) * 1000 / 1024      * 0         (x + 32768) * 65535 / 1024
    ((1100, 0, 12345, 32767), (1500, 6, 0, 32767)),  # 1536000 >> 10; 7000 >> 10 = 6; 4294836225 >> 10 -> clamp
    ((101, -8, -1, -32768), (1, -1, 0, 0)),  # 1536 >> 10 = 1; -1000 >> 10 = -1
    ((99, 1017, 0, -32767), (-2, 1000, 0, 63)),  # -1536 >> 10 = -2; 1024000 >> 10; 65535 >> 10 = 63
    ((-32768, -1031, 32767, -32766), (-32767, -1000, 0, 127)),  # -32868 * 1536 >> 10 = -49302 -> clamp; 131070>>10
    ((22000, 32767, -32768, 0), (32767, 32005, 0, 32767)),  # 21900*1536>>10 = 32850 -> clamp; 32774000/1024 = 32005.9
    ((21944, -32768, 5, -32000), (32766, -31994, 0, 32767)),  # 21844*1536 = 32766*1024; -32761000/1024 = -31993.2
]


def test_adc_calibration_shift_and_mult() -> None:
    channel_map = column_map(adc=ADC_CALIBRATED)
    words = np.array([w for w, _ in ADC_CASES], dtype=np.int64)
    got = calibrated_samples(channel_map, words, np.ones(words.shape, dtype=bool))
    assert got.tolist() == [list(c) for _, c in ADC_CASES]


def test_inversion_comes_before_the_calibration() -> None:
    channel_map = column_map(adc=dataclasses.replace(ADC_CALIBRATED, invert=True))
    # x = -w - 1: w = -1101 -> x = 1100 -> 1500; w = 6 -> x = -7 -> 0; w = -32768 -> x = 32767 -> 32767
    words = np.array([[-1101, 6, 77, -32768]], dtype=np.int64)
    got = calibrated_samples(channel_map, words, ALL_PLUGGED)
    # slot 3: x = 32767 -> (32767 + 32768) * 65535 >> 10 -> clamp 32767
    assert got.tolist() == [[1500, 0, 0, 32767]]


DAC_CALIBRATED = DacMap((Calibration(10, 512), Calibration(-100, 2048), IDENTITY, Calibration(0, 1023)))
DAC_SLOTS = (OutputSlot(0, 0), OutputSlot(1, -1), OutputSlot(0, 0), OutputSlot(2, 3))
# outputs (y0, y1, y2) -> DAC words:
# slot 0 (y0 - 10) / 2; slot 1 (2 y1 + 100) * 2; slot 2 y0; slot 3 (y2 >>> 3) * 1023/1024
DAC_CASES = [
    ((1010, 16000, 8000), (500, 32767, 1010, 999)),  # 32000 + 100 = 32100 * 2 -> clamp; 1000 * 1023 >> 10 = 999.02
    ((9, -50, -8), (-1, 0, 9, -1)),  # -1 * 512 >> 10 = floor(-0.5) = -1; -100 + 100 = 0; -1 * 1023 >> 10 = -1
    ((-32768, -51, 0), (-16389, -4, -32767, 0)),  # -32778 * 512 >> 10 = -16389; -102 + 100 = -2 -> -4
    ((32767, 7, 262136), (16378, 228, 32767, 32735)),  # 32757 / 2 = 16378.5; 14 + 100 = 228; 32767*1023>>10 = 32735
    ((40000, 20000, -262144), (16378, 32767, 32767, -32736)),  # y0 saturates to 32767 first; -32768*1023 >> 10
]


def test_dac_calibration_shift_and_mult() -> None:
    channel_map = column_map(dac=DAC_CALIBRATED, slots=DAC_SLOTS)
    outputs = np.array([y for y, _ in DAC_CASES], dtype=np.int64)
    assert dac_words(channel_map, outputs).tolist() == [list(word) for _, word in DAC_CASES]


# --- network inputs: shifts both ways, saturation to the format, constants ----------------------------------------

def test_network_input_shifts_saturate_to_the_format() -> None:
    inputs = (SlotInput(0, -2), SlotInput(0, -24), SlotInput(0, 24), SlotInput(0, 0), ConstantInput(-7))
    channel_map = column_map(inputs=inputs[:4])
    samples = one_slot([8191, 8192, -8192, -8193, 32767, -32767, 1, -1, 0])
    got = network_inputs(channel_map, Q16_12, samples)
    assert got.tolist() == [
        # << 2     << 24    >>> 24  as is
        [32764, 32767, 0, 8191],
        [32767, 32767, 0, 8192],  # 32768 saturates
        [-32768, -32768, -1, -8192],  # -32768 fits Q(16,12)
        [-32768, -32768, -1, -8193],  # -32772 saturates
        [32767, 32767, 0, 32767],
        [-32768, -32768, -1, -32767],
        [4, 32767, 0, 1],
        [-4, -32768, -1, -1],
        [0, 0, 0, 0],
    ]
    narrow = network_inputs(column_map(inputs=(SlotInput(0, 0), SlotInput(0, 4), inputs[4])), QFormat(8, 4),
                            one_slot([127, 128, -128, -129, 2047, 2048, -2048, -2049]))
    # Q(8,4) codes are [-128, 127]; >>> 4 of 2048 = 128 -> 127; of -2049 = floor(-128.06) = -129 -> -128
    assert narrow.tolist() == [[127, 7, -7], [127, 8, -7], [-128, -8, -7], [-128, -9, -7],
                               [127, 127, -7], [127, 127, -7], [-128, -128, -7], [-128, -128, -7]]
    unsigned = network_inputs(column_map(inputs=(SlotInput(0, -1), SlotInput(0, 0))), QFormat(16, 12, signed=False),
                              one_slot([-5, 0, 32767, 40]))
    assert unsigned.tolist() == [[0, 0], [0, 0], [65534, 32767], [80, 40]]  # UQ(16,12): [0, 65535]


def test_a_constant_outside_the_format_is_refused() -> None:
    channel_map = column_map(inputs=(ConstantInput(128),))
    with pytest.raises(ChannelMapError, match=r"network_inputs\[0\].constant: 128 is outside the input format Q\(8,4\) "
                                        r"\[-128, 127\]"):
        network_inputs(channel_map, QFormat(8, 4), one_slot([0]))


# --- unplugged jacks ---------------------------------------------------------------------------------------------

def test_an_unplugged_jack_reads_the_maps_sample(seeds: ChannelMap) -> None:
    channel_map = dataclasses.replace(seeds, adc=dataclasses.replace(seeds.adc, unplugged=(5, -6, 32767, -32767)))
    words = np.array([[100, 100, 100, 100], [-32768, 7, 0, -1], [0, 0, 0, 0]], dtype=np.int64)
    plugged = np.array([[True, False, True, False], [False, True, False, True], [False, False, False, False]])
    got = calibrated_samples(channel_map, words, plugged)
    # plugged: ~word (100 -> -101, 7 -> -8, -1 -> 0); unplugged: the map's sample, whatever the word
    assert got.tolist() == [[-101, -6, -101, -32767], [5, -8, 32767, 0], [5, -6, 32767, -32767]]
    assert network_inputs(channel_map, Q16_12, got).tolist() == [
        [-26, -2, -26, 0], [1, -2, 8191, 0], [1, -2, 8191, 0]]  # -6 >>> 2 = -2; 5 >>> 2 = 1


# --- word forms and refusals -------------------------------------------------------------------------------------

def test_words_may_be_signed_or_unsigned(seeds: ChannelMap) -> None:
    signed = np.array([[-32768, -1, 0, 32767], [-2, -3, 1, 2]])
    unsigned = np.array([[0x8000, 0xFFFF, 0, 0x7FFF], [0xFFFE, 0xFFFD, 1, 2]], dtype=np.uint16)
    plugged = np.ones((2, 4), dtype=bool)
    expected = [[32767, 0, -1, -32767], [1, 2, -2, -3]]
    assert calibrated_samples(seeds, signed, plugged).tolist() == expected
    assert calibrated_samples(seeds, unsigned, plugged).tolist() == expected


@pytest.mark.parametrize("words,plugged,error,message", [
    ([[0, 0, 0, 65536]], [[True] * 4], RepresentationError,
     r"ADC words: word 65536 at index \(0, 3\) is outside 16 bits"),
    ([[0, -32769, 0, 0]], [[True] * 4], RepresentationError, r"ADC words: word -32769 at index \(0, 1\) is outside"),
    ([[0, 0.5, 0, 0]], [[True] * 4], RepresentationError, r"ADC words: expected integer words of 16 bits"),
    ([[0, 0, 0]], [[True] * 3], ShapeError, r"ADC words: expected shape \(\*, 4\), got \(1, 3\)"),
    ([[0, 0, 0, 0]], [[1, 1, 1, 1]], RepresentationError, r"jack states: expected booleans \(True = plugged\)"),
    ([[0, 0, 0, 0]], [[True] * 4] * 2, ShapeError, r"jack states: expected shape \(1, 4\), got \(2, 4\)"),
])
def test_bad_words_and_jack_states_are_refused(seeds: ChannelMap, words: list, plugged: list, error: type,
                                               message: str) -> None:
    with pytest.raises(error, match=message):
        calibrated_samples(seeds, np.array(words), np.array(plugged))


def test_an_output_beyond_the_outputs_given_is_refused(seeds: ChannelMap) -> None:
    channel_map = column_map(slots=(SilentSlot(), OutputSlot(2, 0), SilentSlot(), SilentSlot()))
    with pytest.raises(ShapeError, match=r"dac_slots\[1\].output: 2, but the network outputs have 2 columns"):
        dac_words(channel_map, np.zeros((3, 2), dtype=np.int64))


# --- PmodPath: the L = 2 frame alignment and the muting ---------------------------------------------------------

def passthrough(taps: int) -> NetworkManifest:
    """4 in, 4 out, output = input `taps - 1` frames ago: a K-tap kernel of 1.0 (4096 in Q(16,12)) on the oldest
    tap only. Exact: x * 4096 at 24 fractional bits, rounded back to 12, is x."""
    kernel = np.zeros((taps, 4, 4), dtype=np.int64)
    kernel[0] = 4096 * np.eye(4, dtype=np.int64)
    layer = ConvLayer("delay", kernel, np.zeros(4, dtype=np.int64), OperandFormats(Q16_12, Q16_12, Q16_12),
                      OutputStage(Activation.LINEAR, Q16_12, "rne")).validate("delay")
    return NetworkManifest("passthrough", Q16_12, 4, (layer,))


FOUR_WAY = ChannelMap(AdcMap(True, (IDENTITY,) * 4, (0, 0, 0, 0)), DacMap((IDENTITY,) * 4),
                      tuple(SlotInput(slot, 2) for slot in range(4)), tuple(OutputSlot(j, -2) for j in range(4)))
# word w -> DAC word ((~w) >>> 2) << 2, clamped: 0 -> -1 -> -1 -> -4; 99 -> -100 -> -25 -> -100;
# -100 -> 99 -> 24 -> 96; 32767 -> -32767 -> -8192 -> -32768 -> -32767; -32768 -> 32767 -> 8191 -> 32764;
# 1000 -> -1001 -> -251 -> -1004; -1001 -> 1000 -> 250 -> 1000
ADC_FRAMES = [[0, -1, 99, -100], [32767, -32768, 1000, -1001], [-1, 0, -100, 99], [5, 5, 5, 5], [-7, -7, -7, -7]]
PLUGGED = np.ones((len(ADC_FRAMES), 4), dtype=bool)


def test_dac_frame_n_plus_2_carries_adc_frame_n() -> None:
    assert LATENCY_FRAMES == 2
    dac = PmodPath(passthrough(1), FOUR_WAY).run(np.array(ADC_FRAMES), PLUGGED)
    assert dac.tolist() == [
        [0, 0, 0, 0],  # muted: no output yet
        [0, 0, 0, 0],
        [-4, 0, -100, 96],  # ADC frame 0
        [-32767, 32764, -1004, 1000],  # ADC frame 1
        [0, -4, 96, -100],  # ADC frame 2; frames 3 and 4 leave after the run
    ]


def test_the_network_starts_from_zero_history_every_run() -> None:
    """With a one-frame delay in the network, DAC frame 2 is the output for the zero history, and a second run
    (a reset) starts over the same way."""
    path = PmodPath(passthrough(2), FOUR_WAY)
    expected = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [-4, 0, -100, 96], [-32767, 32764, -1004, 1000]]
    assert path.run(np.array(ADC_FRAMES), PLUGGED).tolist() == expected
    assert path.run(np.array(ADC_FRAMES), PLUGGED).tolist() == expected


def test_the_seeds_path_end_to_end(seeds: ChannelMap) -> None:
    """Slot 3's jack is out and input 3 is the constant 0 anyway; slots 1-3 of the DAC are silent."""
    plugged = np.array([[True, True, True, False]] * len(ADC_FRAMES))
    dac = PmodPath(passthrough(1), seeds).run(np.array(ADC_FRAMES), plugged)
    assert dac.tolist() == [[0, 0, 0, 0], [0, 0, 0, 0], [-4, 0, 0, 0], [-32767, 0, 0, 0], [0, 0, 0, 0]]


@pytest.mark.parametrize("frames", [0, 1, 2, 3])
def test_short_runs_are_all_muted_until_frame_2(frames: int) -> None:
    dac = PmodPath(passthrough(1), FOUR_WAY).run(np.array(ADC_FRAMES[:frames]).reshape(frames, 4), PLUGGED[:frames])
    assert dac.shape == (frames, 4)
    assert dac.tolist() == ([[0, 0, 0, 0], [0, 0, 0, 0], [-4, 0, -100, 96]])[:frames]


def test_a_path_refuses_a_map_that_does_not_fit() -> None:
    with pytest.raises(ChannelMapError, match=r"network_inputs: maps 1 input\(s\), but model passthrough has 4 inputs"):
        PmodPath(passthrough(1), column_map())
