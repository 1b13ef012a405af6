"""The generated waveshaping task: shapes, determinism, ranges, corners, alignment and constant power."""
from __future__ import annotations

import numpy as np
import pytest

from golden.errors import ParameterError
from golden.qformat import QFormat
from golden.waveshaping import (
    CORNERS,
    EDGES,
    PERIOD_RANGE,
    WAVE_CLASSES,
    core_wave,
    corner_example,
    edge_example,
    embedding_input,
    network_input,
    random_input,
    random_phase,
    target_wave,
    training_examples,
)

FMT = QFormat(16, 12)


@pytest.mark.parametrize("wave", WAVE_CLASSES)
@pytest.mark.parametrize("channels", [3, 4, 6])
def test_network_input_shape_grid_and_corner(wave: str, channels: int, seed: int) -> None:
    codes = network_input(wave, 3000, channels, FMT, seed)
    assert codes.shape == (3000, channels) and codes.dtype == np.int64
    e0, e1 = CORNERS[wave]
    assert np.all(codes[:, 1] == e0 * FMT.scale) and np.all(codes[:, 2] == e1 * FMT.scale)
    assert np.all(codes[:, 3:] == 0)
    core = codes[:, 0]
    assert core.min() >= -FMT.scale and core.max() <= FMT.scale  # amplitude 1
    assert core.max() > 0.99 * FMT.scale and core.min() < -0.99 * FMT.scale  # whole swing reached


def test_corners_are_the_seeds_table() -> None:
    assert WAVE_CLASSES == ("sine", "ramp", "square", "zigzag")
    assert CORNERS == {"sine": (0, 0), "ramp": (0, 1), "square": (1, 0), "zigzag": (1, 1)}
    for wave_a, wave_b in EDGES:  # each edge changes exactly one coordinate
        assert sum(abs(a - b) for a, b in zip(CORNERS[wave_a], CORNERS[wave_b])) == 1


def test_deterministic_given_seed(seed: int) -> None:
    assert np.array_equal(network_input("ramp", 2000, 4, FMT, seed), network_input("ramp", 2000, 4, FMT, seed))
    assert not np.array_equal(network_input("ramp", 2000, 4, FMT, seed), network_input("ramp", 2000, 4, FMT, seed + 1))
    assert np.array_equal(random_input(500, 4, FMT, seed), random_input(500, 4, FMT, seed))
    first = training_examples(6, 200, 4, 2, FMT, np.random.default_rng(seed))
    again = training_examples(6, 200, 4, 2, FMT, np.random.default_rng(seed))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


def test_frequency_segments_within_range(rng: np.random.Generator) -> None:
    step = np.diff(random_phase(20000, rng))
    assert step.min() >= 1 / PERIOD_RANGE[1] - 1e-12 and step.max() <= 1 / PERIOD_RANGE[0] + 1e-12
    assert len(np.unique(np.round(step, 12))) > 5  # the frequency does change


def test_random_input_covers_the_code_range(seed: int) -> None:
    fmt = QFormat(8, 6)
    codes = random_input(20000, 3, fmt, seed)
    assert codes.shape == (20000, 3) and codes.dtype == np.int64
    assert codes.min() == fmt.min_code and codes.max() == fmt.max_code


@pytest.mark.parametrize("fmt", [QFormat(16, 12), QFormat(12, 8), QFormat(8, 6)], ids=str)
def test_examples_are_on_the_grid(fmt: QFormat, rng: np.random.Generator) -> None:
    inputs, targets = training_examples(20, 300, 3, 1, fmt, rng)
    for values in (inputs, targets):
        scaled = values * fmt.scale
        assert np.array_equal(scaled, np.round(scaled))
        assert scaled.min() >= fmt.min_code and scaled.max() <= fmt.max_code


def test_targets_are_phase_aligned_to_the_triangle(rng: np.random.Generator) -> None:
    phase = random_phase(5000, rng)
    core = core_wave(phase)
    rising = np.diff(core) > 0
    square = target_wave("square", phase)
    inside = np.abs(core[1:]) < 0.9  # away from the turning points, where one step straddles a peak
    assert np.array_equal(square[1:][inside] > 0, rising[inside])
    assert np.allclose(target_wave("sine", phase), np.sin(np.pi / 2 * core))  # a memoryless fold of the core
    ramp_jumps = np.flatnonzero(np.diff(target_wave("ramp", phase)) < -1)
    assert ramp_jumps.size > 10 and np.all(core[ramp_jumps] > 0.8)  # the ramp falls at the triangle's peak
    zigzag = target_wave("zigzag", phase)
    peaks = np.flatnonzero((core[1:-1] > core[:-2]) & (core[1:-1] >= core[2:])) + 1
    assert np.all(zigzag[peaks] > 0.8)


@pytest.mark.parametrize("edge", EDGES, ids=lambda edge: "-".join(edge))
def test_edge_crossfade_is_constant_power(edge: tuple[str, str], rng: np.random.Generator) -> None:
    wave_a, wave_b = edge
    mix = float(rng.uniform(0.05, 0.95))
    example = edge_example(wave_a, wave_b, mix, 4000, FMT, rng)
    grid_mix = np.round(mix * FMT.scale) / FMT.scale  # the embedding is an input, so its position is on the grid
    expected = (1 - grid_mix) * np.array(CORNERS[wave_a]) + grid_mix * np.array(CORNERS[wave_b])
    assert np.array_equal(example.embedding, np.broadcast_to(expected, example.embedding.shape))
    # recover the two crossfade gains from the target; they lie on the unit circle at angle mix*pi/2
    basis = np.stack([target_wave(wave_a, example.phase), target_wave(wave_b, example.phase)], axis=1)
    gains, *_ = np.linalg.lstsq(basis, example.target, rcond=None)
    assert abs(np.hypot(*gains) - 1.0) < 1e-3
    assert abs(np.arctan2(gains[1], gains[0]) - grid_mix * np.pi / 2) < 1e-3


def test_corner_example_matches_edge_ends(seed: int) -> None:
    example = corner_example("square", 1000, FMT, seed)
    assert np.array_equal(example.target, np.round(target_wave("square", example.phase) * FMT.scale) / FMT.scale)
    end = edge_example("sine", "square", 1.0, 1000, FMT, np.random.default_rng(seed))
    # Float training targets, not hardware codes: at mix 1 the crossfade's cos(pi/2) ~ 6e-17 residue of the
    # other wave can tip a grid rounding by one LSB, so one LSB is the honest bound here.
    assert np.array_equal(end.embedding[0], [1.0, 0.0]) and np.allclose(end.target, example.target, atol=1 / FMT.scale)


def test_training_mix_of_corners_and_edges(rng: np.random.Generator) -> None:
    inputs, targets = training_examples(400, 64, 4, 4, FMT, rng)
    embedding = inputs[:, 0, 1:3]
    at_corner = np.all((embedding == 0) | (embedding == 1), axis=1)
    assert 0.4 < at_corner.mean() < 0.65  # 50% corners (+ edge examples that land on a corner)
    assert np.all(np.any((embedding == 0) | (embedding == 1), axis=1))  # every point lies on an edge
    assert np.all(targets[:, :, 1:] == 0) and np.all(inputs[:, :, 3] == 0)
    assert np.all(np.abs(targets[:, :, 0]) <= np.sqrt(2) + 1e-9)


def test_embedding_input_anywhere(seed: int) -> None:
    codes = embedding_input(0.25, 0.75, 100, 3, FMT, seed)
    assert np.all(codes[:, 1] == 1024) and np.all(codes[:, 2] == 3072)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: network_input("saw", 10, 3, FMT, 0), "unknown wave class 'saw'"),
        (lambda: network_input("sine", 10, 2, FMT, 0), "at least 3 channels"),
        (lambda: edge_example("sine", "zigzag", 0.5, 10, FMT, np.random.default_rng(0)), "not adjacent"),
        (lambda: edge_example("sine", "ramp", 1.5, 10, FMT, np.random.default_rng(0)), r"in \[0, 1\]"),
        (lambda: random_input(0, 3, FMT, 0), "samples must be a positive integer"),
    ],
)
def test_bad_arguments(call, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        call()
