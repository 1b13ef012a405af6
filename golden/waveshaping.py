"""The seeds' waveshaping task, generated: a triangle core wave in, a shaped wave out.

No recordings exist here, so the four oscillator shapes are defined from the
phase `p` (cycles, any real) of the core wave, which makes every target exactly
phase-aligned to the triangle:

    core    triangle, (2/pi) * arcsin(sin(2 pi p)): +1 at p = 1/4, -1 at p = 3/4
    sine    sin(2 pi p)                    (0, 0)  same peaks as the triangle
    ramp    rises from -1 to +1 over one period, jumping down at the triangle's peak (0, 1)
    square  +1 while the triangle rises, -1 while it falls                     (1, 0)
    zigzag  minus the triangle at three times the frequency: a fold of the core,
            its peaks on the triangle's peaks                                   (1, 1)

The embedding (e0, e1) selects the shape; the network input is
(core, e0, e1, 0, ...). Training examples are 50% corners and 50%
constant-power crossfades along one edge of the embedding square: with t in
[0, 1], embedding = (1-t) corner_a + t corner_b and
target = cos(t pi/2) a + sin(t pi/2) b, so cos^2 + sin^2 = 1 (constant power).

The frequency of the core wave changes in random segments (log-uniform period,
continuous phase), as the seeds' data collection sampled random oscillator
voltages. Everything is deterministic given a seed (a local numpy Generator).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.errors import ParameterError
from golden.qformat import QFormat, check_positive

WAVE_CLASSES: tuple[str, ...] = ("sine", "ramp", "square", "zigzag")
CORNERS: dict[str, tuple[int, int]] = {"sine": (0, 0), "ramp": (0, 1), "square": (1, 0), "zigzag": (1, 1)}
# Edges of the embedding square: pairs of corners that differ in one coordinate.
EDGES: tuple[tuple[str, str], ...] = (("sine", "ramp"), ("sine", "square"), ("ramp", "zigzag"), ("square", "zigzag"))
EMBEDDING_CHANNELS = 2
AMPLITUDE = 1.0  # peak of the core wave and of every target
PERIOD_RANGE = (24.0, 160.0)  # samples per cycle of the core wave, drawn log-uniform per segment
SEGMENT_RANGE = (128, 1024)  # samples per constant-frequency segment
CORNER_FRACTION = 0.5  # of training examples; the rest are edge crossfades


def core_wave(phase: np.ndarray) -> np.ndarray:
    """The triangle: (2/pi) arcsin(sin(2 pi p)), in [-1, 1]."""
    return (2.0 / np.pi) * np.arcsin(np.clip(np.sin(2.0 * np.pi * phase), -1.0, 1.0))


def target_wave(wave: str, phase: np.ndarray) -> np.ndarray:
    """The shape `wave` at `phase` (cycles), in [-1, 1], aligned to `core_wave`."""
    cycle = np.mod(phase, 1.0)
    if wave == "sine":
        return np.sin(2.0 * np.pi * phase)
    if wave == "ramp":  # jumps where the triangle peaks (p = 1/4), rises in between
        return 2.0 * np.mod(cycle - 0.25, 1.0) - 1.0
    if wave == "square":  # the triangle rises on (-1/4, 1/4)
        return np.where(np.mod(cycle + 0.25, 1.0) < 0.5, 1.0, -1.0)
    if wave == "zigzag":
        return -core_wave(3.0 * phase)
    raise ParameterError(f"unknown wave class {wave!r}; expected one of {', '.join(WAVE_CLASSES)}")


def random_phase(samples: int, rng: np.random.Generator) -> np.ndarray:
    """Phase (cycles) of a core wave whose frequency changes in random segments, continuous phase."""
    samples = check_positive(samples, "waveshaping samples")
    increments = np.empty(samples, dtype=np.float64)
    start = 0
    while start < samples:
        length = int(rng.integers(SEGMENT_RANGE[0], SEGMENT_RANGE[1], endpoint=True))
        period = float(np.exp(rng.uniform(np.log(PERIOD_RANGE[0]), np.log(PERIOD_RANGE[1]))))
        increments[start : start + length] = 1.0 / period
        start += length
    return rng.uniform(0.0, 1.0) + np.cumsum(increments) - increments[0]


def to_codes(values: np.ndarray, fmt: QFormat) -> np.ndarray:
    """Nearest codes (round half to even), saturated to the format's range."""
    return np.clip(np.round(np.asarray(values, dtype=np.float64) * fmt.scale), fmt.min_code, fmt.max_code).astype(
        np.int64
    )


def on_grid(values: np.ndarray, fmt: QFormat) -> np.ndarray:
    """`values` moved to the nearest representable reals of `fmt` (exact multiples of 2^-F)."""
    return fmt.to_real(to_codes(values, fmt))


@dataclass(frozen=True)
class WaveExample:
    """One stimulus: core wave (T,), embedding (T, 2) and target (T,), reals on the Q grid."""

    phase: np.ndarray
    core: np.ndarray
    embedding: np.ndarray
    target: np.ndarray

    def network_input(self, input_channels: int, fmt: QFormat) -> np.ndarray:
        """(T, input_channels) codes: core, e0, e1, then zeros."""
        return _input_codes(self.core, self.embedding, input_channels, fmt)


def edge_example(
    wave_a: str, wave_b: str, mix: float, samples: int, fmt: QFormat, rng: np.random.Generator
) -> WaveExample:
    """Constant-power crossfade from corner `wave_a` (mix 0) to adjacent corner `wave_b` (mix 1)."""
    corner_a, corner_b = np.array(_corner(wave_a), dtype=np.float64), np.array(_corner(wave_b), dtype=np.float64)
    if np.sum(np.abs(corner_a - corner_b)) > 1:
        raise ParameterError(f"{wave_a} and {wave_b} are not adjacent corners of the embedding square")
    if not 0.0 <= mix <= 1.0:
        raise ParameterError(f"crossfade position must be in [0, 1], got {mix!r}")
    # the embedding is a network input, so the position is taken on the grid first; the target follows it exactly
    mix = float(on_grid(np.array(mix), fmt))
    phase = random_phase(samples, rng)
    angle = mix * np.pi / 2.0
    target = np.cos(angle) * target_wave(wave_a, phase) + np.sin(angle) * target_wave(wave_b, phase)
    embedding = np.broadcast_to((1.0 - mix) * corner_a + mix * corner_b, (samples, EMBEDDING_CHANNELS))
    return WaveExample(
        phase=phase,
        core=on_grid(AMPLITUDE * core_wave(phase), fmt),
        embedding=on_grid(embedding, fmt),
        target=on_grid(AMPLITUDE * target, fmt),
    )


def corner_example(wave: str, samples: int, fmt: QFormat, seed: int) -> WaveExample:
    """The stimulus of one corner (a wave class), deterministic given `seed`."""
    return edge_example(wave, wave, 0.0, samples, fmt, np.random.default_rng(seed))


def network_input(wave: str, samples: int, input_channels: int, fmt: QFormat, seed: int) -> np.ndarray:
    """(samples, input_channels) int64 codes: core wave, the corner's (e0, e1), zeros."""
    return corner_example(wave, samples, fmt, seed).network_input(input_channels, fmt)


def embedding_input(
    e0: float, e1: float, samples: int, input_channels: int, fmt: QFormat, seed: int
) -> np.ndarray:
    """Like `network_input` at any embedding point (e0, e1) (for the grid across the embedding space)."""
    phase = random_phase(samples, np.random.default_rng(seed))
    embedding = np.broadcast_to(np.array([e0, e1], dtype=np.float64), (samples, EMBEDDING_CHANNELS))
    return _input_codes(on_grid(AMPLITUDE * core_wave(phase), fmt), on_grid(embedding, fmt), input_channels, fmt)


def random_input(samples: int, input_channels: int, fmt: QFormat, seed: int) -> np.ndarray:
    """(samples, input_channels) int64 codes, uniform over the whole code range."""
    samples = check_positive(samples, "random_input samples")
    input_channels = check_positive(input_channels, "random_input channels")
    rng = np.random.default_rng(seed)
    return rng.integers(fmt.min_code, fmt.max_code, size=(samples, input_channels), endpoint=True, dtype=np.int64)


def training_examples(
    count: int, samples: int, input_channels: int, output_channels: int, fmt: QFormat, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`count` examples as reals: inputs (count, samples, input_channels), targets (count, samples, output_channels).

    Half are corners, half constant-power crossfades along a random edge at a
    uniform position. Output channel 0 is the shaped wave; any further output
    channel is trained to 0 (unused outputs stay quiet)."""
    count = check_positive(count, "training example count")
    output_channels = check_positive(output_channels, "training output channels")
    inputs = np.zeros((count, samples, input_channels), dtype=np.float64)
    targets = np.zeros((count, samples, output_channels), dtype=np.float64)
    for index in range(count):
        if rng.random() < CORNER_FRACTION:
            wave = WAVE_CLASSES[int(rng.integers(len(WAVE_CLASSES)))]
            example = edge_example(wave, wave, 0.0, samples, fmt, rng)
        else:
            wave_a, wave_b = EDGES[int(rng.integers(len(EDGES)))]
            if rng.random() < 0.5:
                wave_a, wave_b = wave_b, wave_a
            example = edge_example(wave_a, wave_b, float(rng.uniform(0.0, 1.0)), samples, fmt, rng)
        inputs[index] = fmt.to_real(example.network_input(input_channels, fmt))
        targets[index, :, 0] = example.target
    return inputs, targets


def _corner(wave: str) -> tuple[int, int]:
    if wave not in CORNERS:
        raise ParameterError(f"unknown wave class {wave!r}; expected one of {', '.join(WAVE_CLASSES)}")
    return CORNERS[wave]


def _input_codes(core: np.ndarray, embedding: np.ndarray, input_channels: int, fmt: QFormat) -> np.ndarray:
    if isinstance(input_channels, bool) or not isinstance(input_channels, int) or input_channels < 1 + EMBEDDING_CHANNELS:
        raise ParameterError(
            f"waveshaping input needs at least {1 + EMBEDDING_CHANNELS} channels (core, e0, e1), got {input_channels!r}"
        )
    codes = np.zeros((core.shape[0], input_channels), dtype=np.int64)
    codes[:, 0] = fmt.from_real(core, "waveshaping core wave")
    codes[:, 1 : 1 + EMBEDDING_CHANNELS] = fmt.from_real(embedding, "waveshaping embedding")
    return codes
