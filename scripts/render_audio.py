#!/usr/bin/env python3
"""Render a recording through the eurorack-pmod build's audio path (docs/audio.md), as the golden model computes it.

    render_audio.py IN.wav OUT.wav [--model golden/models/fpga.yaml] [--channel-map golden/audio/seeds_map.yaml]
                    [--cv1 X | --cv1-channel K] [--cv2 Y | --cv2-channel K] [--plot OUT.png]

IN.wav (PCM 8/16/24/32-bit or float, any rate, mono or multi-channel): channel 0 is the audio input, ADC
slot 0. The control voltages CV1 and CV2 (ADC slots 1 and 2; for the waveshaping models the embedding x and y)
are constants (--cv1 X) or channels of IN.wav (--cv1-channel K, 0 = the first). A CV given neither way is an
empty jack: it reads the map's `unplugged` sample. ADC slot 3 is always an empty jack.

The convention: a WAV sample v (full scale [-1, 1)) is the signal the input stage hands the calibration,
x = round(v * 32767) (half to even), saturated to +-32767; the ADC word is ~x when the map inverts (the input
stage inverts, so the codec sees ~x), x otherwise. With an identity calibration (the seeds' map) x is
exactly the calibrated sample the pmod reads. --cv1 and --cv2 are values on the same scale, in [-1, 1].

OUT.wav: 4 channels, the 4 DAC slots, 16-bit PCM at IN.wav's rate, each DAC word as it is sent (full scale
= 32768). It starts as the pmod plays after a reset: the first 2 frames muted, the network's history zero.
--plot OUT.png: an oscilloscope-style picture of a few periods: audio in, CV1, CV2 and DAC slot 0.
Every error exits with status 2 and one `error:` line; no partial OUT.wav or OUT.png is left.
"""
from __future__ import annotations

import argparse
import io
import math
import struct
import sys
import wave
from pathlib import Path

import numpy as np

from golden.atomic import write_bytes_atomic
from golden.audio.channel_map import SAMPLE_LIMIT, ChannelMap, default_channel_map_path, load_channel_map
from golden.audio.mapping import LATENCY_FRAMES, PmodPath, calibrated_samples
from golden.errors import GoldenError
from golden.manifest import NetworkManifest, load_manifest

REPO = Path(__file__).resolve().parents[1]
WORD_FULL_SCALE = 32768  # a DAC word / 32768 is the WAV sample
SHOWN_PERIODS = 3
SHOWN_FRAMES = (64, 4096)  # the plotted window's bounds, in frames, whatever the estimated period
WAVE_FORMAT_PCM, WAVE_FORMAT_FLOAT, WAVE_FORMAT_EXTENSIBLE = 1, 3, 0xFFFE


class RenderError(Exception):
    """A refused input; the message names the file or option and the reason."""


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """(frames, channels) samples with full scale [-1, 1), and the rate.

    Read by hand rather than with `wave`: recorders write float and WAVE_FORMAT_EXTENSIBLE files, which
    Python 3.11's `wave` refuses. A `data` chunk cut short (a recording that stopped) is read as far as it goes.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RenderError(f"{path}: file not found") from None
    except OSError as error:
        raise RenderError(f"{path}: cannot read it ({error.strerror})") from None
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise RenderError(f"{path}: not a WAV file (no RIFF/WAVE header)")
    chunks: dict[bytes, bytes] = {}
    position = 12
    while position + 8 <= len(data):
        name, size = data[position:position + 4], int.from_bytes(data[position + 4:position + 8], "little")
        chunks.setdefault(name, data[position + 8:position + 8 + size])
        position += 8 + size + (size & 1)  # chunks are padded to an even length
    header, samples = chunks.get(b"fmt "), chunks.get(b"data")
    if header is None or len(header) < 16:
        raise RenderError(f"{path}: not a WAV file (no fmt chunk)")
    if samples is None:
        raise RenderError(f"{path}: not a WAV file (no data chunk)")
    tag, channels, rate, _, block, bits = struct.unpack("<HHIIHH", header[:16])
    if tag == WAVE_FORMAT_EXTENSIBLE and len(header) >= 26:
        tag = int.from_bytes(header[24:26], "little")  # the sub-format GUID starts with the plain format tag
    if channels == 0 or rate == 0 or block == 0 or block % channels:
        raise RenderError(f"{path}: malformed WAV header ({channels} channels, {rate} Hz, {block}-byte frames)")
    width = block // channels  # the container; a 24-bit sample in a 4-byte container is left-justified
    frames = len(samples) // block
    if frames == 0:
        raise RenderError(f"{path}: no samples")
    raw = samples[:frames * block]
    if tag == WAVE_FORMAT_PCM and width == 1:  # 8-bit WAV is unsigned
        values = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif tag == WAVE_FORMAT_PCM and width in (2, 3, 4):
        bytes_ = np.frombuffer(raw, dtype=np.uint8).reshape(-1, width).astype(np.int64)
        unsigned = sum(bytes_[:, i] << (8 * i) for i in range(width))
        top = 1 << (8 * width - 1)
        values = np.where(unsigned >= top, unsigned - 2 * top, unsigned).astype(np.float64) / top
    elif tag == WAVE_FORMAT_FLOAT and width in (4, 8):
        values = np.frombuffer(raw, dtype=f"<f{width}").astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise RenderError(f"{path}: a sample is not a finite number")
    else:
        raise RenderError(f"{path}: WAV format {tag} with {bits}-bit samples is not supported "
                          f"(PCM 8, 16, 24 or 32-bit, or 32/64-bit float)")
    return values.reshape(frames, channels), rate


def wav_bytes(words: np.ndarray, rate: int) -> bytes:
    """A 16-bit PCM WAV of `words` (frames, channels), as bytes to write atomically."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as stream:
        stream.setnchannels(words.shape[1])
        stream.setsampwidth(2)
        stream.setframerate(rate)
        stream.writeframes(words.astype("<i2").tobytes())
    return buffer.getvalue()


def adc_words(values: np.ndarray, invert: bool) -> np.ndarray:
    """WAV samples -> the ADC words the codec delivers (the convention of the module docstring)."""
    x = np.clip(np.rint(values * SAMPLE_LIMIT), -SAMPLE_LIMIT, SAMPLE_LIMIT).astype(np.int64)
    return -x - 1 if invert else x  # -x - 1 is the 16-bit bitwise inverse


def control_voltage(audio: np.ndarray, constant: float | None, channel: int | None, option: str,
                    path: Path) -> tuple[np.ndarray, bool]:
    """One CV's samples and whether its jack is plugged."""
    if channel is not None:
        if channel >= audio.shape[1]:
            raise RenderError(f"{option}-channel {channel}: {path} has {audio.shape[1]} channel(s), "
                              f"0 to {audio.shape[1] - 1}")
        return audio[:, channel], True
    if constant is not None:
        return np.full(len(audio), constant), True
    return np.zeros(len(audio)), False


def render(audio: np.ndarray, cv1: tuple[np.ndarray, bool], cv2: tuple[np.ndarray, bool],
           manifest: NetworkManifest, channel_map: ChannelMap) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ADC words, jack states and DAC frames: WAV channel 0 on slot 0, the CVs on 1 and 2, slot 3 empty."""
    values = np.stack([audio[:, 0], cv1[0], cv2[0], np.zeros(len(audio))], axis=1)
    words = adc_words(values, channel_map.adc.invert)
    plugged = np.broadcast_to(np.array([True, cv1[1], cv2[1], False]), words.shape)
    return words, plugged, PmodPath(manifest, channel_map).run(words, plugged)


def plot_png(title: str, rate: int, calibrated: np.ndarray, dac: np.ndarray, start: int) -> bytes:
    """The scope picture as PNG bytes: audio in, CV1, CV2 and DAC slot 0 over a few periods of the audio."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RenderError("--plot: matplotlib is missing (pip install matplotlib)") from None
    shown = _shown_frames(calibrated[:, 0], start)
    time_ms = np.arange(shown.start, shown.stop) * 1000.0 / rate
    traces = [("audio in (ADC 0)", calibrated[shown, 0] / SAMPLE_LIMIT, "#f5e50a"),
              ("CV1 (ADC 1)", calibrated[shown, 1] / SAMPLE_LIMIT, "#00d8ff"),
              ("CV2 (ADC 2)", calibrated[shown, 2] / SAMPLE_LIMIT, "#ff4fd8"),
              ("out (DAC 0)", dac[shown, 0] / WORD_FULL_SCALE, "#5cff5c")]
    with plt.style.context("dark_background"):
        figure, axes = plt.subplots(len(traces), 1, sharex=True, figsize=(10, 7), constrained_layout=True)
        for axis, (label, trace, colour) in zip(axes, traces):
            axis.step(time_ms, trace, where="post", color=colour, linewidth=1.2)
            axis.set_ylim(-1.1, 1.1)
            axis.set_ylabel(label, fontsize=9)
            axis.grid(True, color="#444444", linewidth=0.6)
        axes[-1].set_xlabel("time (ms)")
        figure.suptitle(title, fontsize=10)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110)
        plt.close(figure)
    return buffer.getvalue()


def _shown_frames(audio: np.ndarray, start: int) -> slice:
    """SHOWN_PERIODS periods of the audio (from its rising zero crossings) after the warm-up `start`."""
    centred = audio - audio.mean()
    rising = np.flatnonzero((centred[:-1] < 0) & (centred[1:] >= 0))
    period = int(np.median(np.diff(rising))) if len(rising) >= 2 else SHOWN_FRAMES[1] // SHOWN_PERIODS
    length = min(max(SHOWN_PERIODS * period, SHOWN_FRAMES[0]), SHOWN_FRAMES[1], len(audio))
    start = min(start, len(audio) - length)
    return slice(start, start + length)


def _write(path: Path, data: bytes) -> None:
    """All or nothing: a reader never sees half a file, and a failed write leaves none behind."""
    try:
        write_bytes_atomic(path, data)
    except OSError as error:
        raise RenderError(f"{path}: cannot write it ({error.strerror})") from None


def _full_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not -1.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [-1, 1] (full scale), got {text!r}")
    return value


def _channel(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a WAV channel number (0 = the first), got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="the recording (WAV)")
    parser.add_argument("output", type=Path, help="the 4 DAC slots (16-bit WAV)")
    parser.add_argument("--model", type=Path, default=REPO / "golden" / "models" / "fpga.yaml",
                        help="the manifest the pmod build runs")
    parser.add_argument("--channel-map", type=Path, default=default_channel_map_path(),
                        help="the build's channel map (docs/audio.md)")
    for number in (1, 2):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(f"--cv{number}", type=_full_scale, metavar="XY"[number - 1],
                           help=f"CV{number} as a constant in [-1, 1] of full scale")
        group.add_argument(f"--cv{number}-channel", type=_channel, metavar="K",
                           help=f"CV{number} from channel K of the input WAV")
    parser.add_argument("--plot", type=Path, metavar="PNG", help="write an oscilloscope-style picture")
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest(args.model)
        channel_map = load_channel_map(args.channel_map)
        channel_map.check_model(manifest, model_origin=str(args.model))
        audio, rate = read_wav(args.input)
        cv1 = control_voltage(audio, args.cv1, args.cv1_channel, "--cv1", args.input)
        cv2 = control_voltage(audio, args.cv2, args.cv2_channel, "--cv2", args.input)
        words, plugged, dac = render(audio, cv1, cv2, manifest, channel_map)
        picture = None
        if args.plot is not None:
            title = (f"{args.input.name} through {manifest.name} ({args.channel_map.name}), {rate} Hz, "
                     f"latency {LATENCY_FRAMES} frames")
            calibrated = calibrated_samples(channel_map, words, plugged)
            picture = plot_png(title, rate, calibrated, dac, manifest.receptive_field + LATENCY_FRAMES)
        _write(args.output, wav_bytes(dac, rate))
        if picture is not None:
            _write(args.plot, picture)
    except (GoldenError, RenderError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    peaks = ", ".join(str(int(np.abs(dac[:, slot]).max())) for slot in range(dac.shape[1]))
    plot_note = f"; plot {args.plot}" if args.plot is not None else ""
    print(f"{args.output}: {len(dac)} frames ({len(dac) / rate:.3f} s at {rate} Hz) through {manifest.name} with "
          f"{args.channel_map.name}, latency {LATENCY_FRAMES} frames; DAC slot peaks {peaks}{plot_note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
