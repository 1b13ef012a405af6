"""scripts/render_audio.py run as a user runs it: its OUT.wav is the golden PmodPath of the words its convention
defines, and every refusal is one `error:` line, exit status 2 and no file left behind.

The script imports only golden, so its test lives with golden's. The WAV convention is checked with literal
words: through a pass-through model and a transparent map, DAC slot t carries ADC slot t's calibrated sample."""
from __future__ import annotations

import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml

from golden.audio.channel_map import default_channel_map_path, load_channel_map
from golden.audio.mapping import PmodPath
from golden.manifest import load_manifest, save_manifest
from golden.tests.network_cases import LayerShape, NetworkShape, random_manifest
from golden.tests.test_audio_mapping import passthrough

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "render_audio.py"
FPGA = REPO / "golden" / "models" / "fpga.yaml"
RATE = 48000


def run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def write_pcm16(path: Path, pcm: np.ndarray, rate: int = RATE) -> Path:
    """(frames, channels) int16 samples as a 16-bit PCM WAV."""
    with wave.open(str(path), "wb") as stream:
        stream.setnchannels(pcm.shape[1])
        stream.setsampwidth(2)
        stream.setframerate(rate)
        stream.writeframes(pcm.astype("<i2").tobytes())
    return path


def riff(tag: int, channels: int, width: int, data: bytes, rate: int = RATE) -> bytes:
    """A WAV by hand, for the formats Python's `wave` does not write (float)."""
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * channels * width, channels * width, 8 * width)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def read_dac(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as stream:
        assert (stream.getnchannels(), stream.getsampwidth()) == (4, 2)
        frames = np.frombuffer(stream.readframes(stream.getnframes()), dtype="<i2").reshape(-1, 4)
        return frames.astype(np.int64), stream.getframerate()


def assert_refused(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit 2, no traceback, one `error:` line (argparse's `render_audio.py: error:` too) holding every fragment."""
    assert result.returncode == 2, f"exit {result.returncode}:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def triangle(frames: int, period: int, amplitude: float) -> np.ndarray:
    phase = (np.arange(frames) % period) / period
    return np.rint(amplitude * 32767 * (4 * np.abs(phase - 0.5) - 1)).astype(np.int64)


def test_a_triangle_with_constant_cvs_is_the_golden_path(tmp_path: Path) -> None:
    pcm = triangle(300, 40, 0.6)
    source = write_pcm16(tmp_path / "in.wav", pcm[:, None])
    result = run(source, tmp_path / "out.wav", "--cv1", "0.25", "--cv2", "-0.5")
    assert result.returncode == 0, result.stderr
    # the convention by hand: x = round(v * 32767), half to even, v = pcm / 32768; the word is ~x (the seeds invert)
    x_audio = np.rint(pcm / 32768 * 32767).astype(np.int64)
    words = np.stack([-x_audio - 1, np.full(300, -8193), np.full(300, 16383), np.full(300, -1)], axis=1)
    # 0.25 * 32767 = 8191.75 -> 8192 -> word -8193; -0.5 * 32767 = -16383.5 -> -16384 (even) -> word 16383;
    # slot 3's jack is out (its word does not matter: it reads the map's unplugged sample)
    plugged = np.broadcast_to(np.array([True, True, True, False]), (300, 4))
    expected = PmodPath(load_manifest(FPGA), load_channel_map(default_channel_map_path())).run(words, plugged)
    dac, rate = read_dac(tmp_path / "out.wav")
    assert rate == RATE
    assert np.array_equal(dac, expected)
    assert dac[:2].tolist() == [[0, 0, 0, 0]] * 2 and np.abs(dac[2:, 0]).max() > 1000
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{tmp_path / 'out.wav'}: 300 frames (0.006 s at 48000 Hz) "
                                                   f"through fpga with seeds_map.yaml"), result.stdout


@pytest.fixture
def transparent(tmp_path: Path) -> tuple[Path, Path]:
    """A pass-through model and a map that carries ADC slot t's calibrated sample to DAC slot t unchanged;
    slot 3 unplugged reads 123."""
    model = save_manifest(passthrough(1), tmp_path / "passthrough.yaml")
    data = yaml.safe_load(default_channel_map_path().read_text())
    data["adc"]["unplugged"] = [-11, -22, -33, 123]
    data["network_inputs"] = [{"slot": slot, "shift": 0} for slot in range(4)]
    data["dac_slots"] = [{"output": slot, "shift": 0} for slot in range(4)]
    channel_map = tmp_path / "transparent.yaml"
    channel_map.write_text(yaml.safe_dump(data))
    return model, channel_map


# WAV sample -> the calibrated sample x = round(v * 32767), by hand: full scale 32768 counts in the file
CONVENTION = [(16384, 16384), (-8192, -8192), (0, 0), (-32768, -32767), (32767, 32766), (1, 1), (-1, -1),
              (3, 3), (-16385, -16384)]  # 16383.5 -> 16384 (even); 32766.0000305 -> 32766; 2.99990 -> 3


def test_the_wav_convention_and_cv_channels_word_for_word(tmp_path: Path, transparent: tuple[Path, Path]) -> None:
    model, channel_map = transparent
    audio = [pcm for pcm, _ in CONVENTION]
    cv = audio[::-1]
    source = write_pcm16(tmp_path / "in.wav", np.array([audio, cv]).T)
    result = run(source, tmp_path / "out.wav", "--model", model, "--channel-map", channel_map,
                 "--cv1-channel", 1, "--cv2", "-1")
    assert result.returncode == 0, result.stderr
    dac, _ = read_dac(tmp_path / "out.wav")
    samples = [x for _, x in CONVENTION]
    # slot 0: the audio; slot 1: WAV channel 1; slot 2: -1.0 -> -32767; slot 3: unplugged -> 123; 2 frames late
    expected = [[0, 0, 0, 0], [0, 0, 0, 0]] + [[a, c, -32767, 123] for a, c in zip(samples, samples[::-1])][:-2]
    assert dac.tolist() == expected


def test_an_absent_cv_is_an_unplugged_jack(tmp_path: Path, transparent: tuple[Path, Path]) -> None:
    model, channel_map = transparent
    source = write_pcm16(tmp_path / "in.wav", np.array([[100, 200], [300, 400], [500, 600], [700, 800]]))
    result = run(source, tmp_path / "out.wav", "--model", model, "--channel-map", channel_map, "--cv2-channel", 0)
    assert result.returncode == 0, result.stderr
    # 100 * 32767 / 32768 = 99.997 -> 100; 500 -> 499.98 -> 500; CV1 unplugged reads -22
    assert read_dac(tmp_path / "out.wav")[0].tolist() == [[0, 0, 0, 0], [0, 0, 0, 0], [100, -22, 100, 123],
                                                         [300, -22, 300, 123]]


# the same four values [0.5, -0.25, 0, -1.0] in each sample format -> x = [16384, -8192, 0, -32767]
VALUES = [0.5, -0.25, 0.0, -1.0]
FORMATS = {
    "pcm8": riff(1, 1, 1, bytes([192, 96, 128, 0])),
    "pcm24": riff(1, 1, 3, b"".join(int(v * (1 << 23)).to_bytes(3, "little", signed=True) for v in VALUES)),
    "pcm32": riff(1, 1, 4, np.array([v * (1 << 31) for v in VALUES], dtype="<i4").tobytes()),
    "float32": riff(3, 1, 4, np.array(VALUES, dtype="<f4").tobytes()),
    "float64": riff(3, 1, 8, np.array(VALUES, dtype="<f8").tobytes()),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_pcm_and_float_format_reads_the_same(name: str, tmp_path: Path, transparent: tuple[Path, Path]) -> None:
    model, channel_map = transparent
    (tmp_path / "in.wav").write_bytes(FORMATS[name])
    result = run(tmp_path / "in.wav", tmp_path / "out.wav", "--model", model, "--channel-map", channel_map,
                 "--cv1", "0", "--cv2", "0")
    assert result.returncode == 0, result.stderr
    assert read_dac(tmp_path / "out.wav")[0][:, 0].tolist() == [0, 0, 16384, -8192]


def test_the_plot_is_a_png(tmp_path: Path) -> None:
    source = write_pcm16(tmp_path / "in.wav", triangle(400, 50, 0.8)[:, None])
    result = run(source, tmp_path / "out.wav", "--cv1", "0.5", "--plot", tmp_path / "scope.png")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "scope.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot {tmp_path / 'scope.png'}" in result.stdout


def big_model(tmp_path: Path) -> Path:
    shape = NetworkShape("big", 5, (LayerShape(1, 4, relu=False),))
    return save_manifest(random_manifest(shape, np.random.default_rng(0)), tmp_path / "big.yaml")


def bad_map(tmp_path: Path) -> Path:
    data = yaml.safe_load(default_channel_map_path().read_text())
    data["dac_slots"][1] = {"output": 0, "shift": 30}
    path = tmp_path / "bad_map.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


REFUSALS = {
    "missing-input": (lambda d: [d / "absent.wav"], ["absent.wav: file not found"]),
    "not-a-wav": (lambda d: [default_channel_map_path()], ["seeds_map.yaml: not a WAV file (no RIFF/WAVE header)"]),
    "no-samples": (lambda d: [write_pcm16(d / "empty.wav", np.zeros((0, 1)))], ["empty.wav: no samples"]),
    "cv-twice": (lambda d: [d / "in.wav", "--cv1", "0", "--cv1-channel", "0"],
                 ["argument --cv1-channel: not allowed with argument --cv1"]),
    "cv-range": (lambda d: [d / "in.wav", "--cv2", "1.5"],
                 ["argument --cv2: expected a number in [-1, 1] (full scale), got '1.5'"]),
    "no-channel": (lambda d: [d / "in.wav", "--cv2-channel", "2"],
                   ["--cv2-channel 2: ", "in.wav has 2 channel(s), 0 to 1"]),
    "too-big": (lambda d: [d / "in.wav", "--model", big_model(d)],
                ["big.yaml: does not fit the pmod: it has 5 inputs, the pmod 4"]),
    "map-misfit": (lambda d: [d / "in.wav", "--model", REPO / "golden" / "models" / "mcu.yaml"],
                   ["seeds_map.yaml: network_inputs: maps 4 input(s), but model mcu has 3 inputs"]),
    "bad-map": (lambda d: [d / "in.wav", "--channel-map", bad_map(d)],
                ["bad_map.yaml: dac_slots[1].shift: must be an integer in [-24, 24], got 30"]),
    "missing-model": (lambda d: [d / "in.wav", "--model", d / "nowhere.yaml"],
                      ["nowhere.yaml: manifest file not found"]),
    "missing-map": (lambda d: [d / "in.wav", "--channel-map", d / "nomap.yaml"],
                    ["nomap.yaml: channel map file not found"]),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refusal_is_one_error_line_and_leaves_no_file(case: str, tmp_path: Path) -> None:
    write_pcm16(tmp_path / "in.wav", np.array([[1, 2], [3, 4], [5, 6]]))
    arguments, fragments = REFUSALS[case]
    first, *options = arguments(tmp_path)
    out = tmp_path / "out"  # OUT.wav and OUT.png go to a folder of their own: nothing may appear there
    result = run(first, out / "out.wav", *options, "--plot", out / "scope.png")
    assert_refused(result, *fragments)
    assert not out.exists(), f"left behind: {sorted(out.iterdir())}"
