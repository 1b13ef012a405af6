#!/usr/bin/env python3
"""Stream a CSV or WAV of input samples through the board over its UART and write the outputs as CSV or WAV.

    stream_board.py INPUT.csv|INPUT.wav OUTPUT.csv|OUTPUT.wav [--port /dev/ttyUSB1] [--baud 1000000]
                    [--model golden/models/fpga.yaml] [--real] [--constants 0,1] [--rate 48000] [--window 8]

INPUT.csv: one sample per row, one column per input channel (a header row is
skipped); integer codes, or real values with --real (rounded to the model's
Q format, saturating). OUTPUT.csv gets one row per input row, integer codes
or real values with --real. INPUT.wav (PCM): its channels feed the first input
channels (full scale = 1.0), --constants the rest -- for the waveshaping models
the embedding, e.g. `--constants 1,0` for the square corner (synth/board/wavfile.py).
OUTPUT.wav: 16-bit PCM at the input's sample rate (--rate for a CSV input).
The stream starts from zero history (a RESET).
The protocol is docs/uart-protocol.md; the ECPIX-5's FTDI UART is usually the
second interface of the FT2232 (/dev/ttyUSB1).
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

from golden.atomic import write_text_atomic
from golden.manifest import ManifestError, load_manifest
from golden.qformat import QFormat
from synth.board.host import DEFAULT_WINDOW, BoardLink, LinkError, SerialPort
from synth.board.protocol import DEFAULT_BAUD
from synth.board.wavfile import WavError, read_wav_inputs, write_wav_outputs

REPO = Path(__file__).resolve().parents[1]


def read_samples(path: Path, channels: int, fmt: QFormat, real: bool) -> np.ndarray:
    rows = []
    with path.open(newline="") as stream:
        for number, row in enumerate(csv.reader(stream), 1):
            if not row or (number == 1 and not _numeric(row[0])):
                continue
            if len(row) != channels:
                raise ValueError(f"{path}:{number}: {len(row)} columns, the model takes {channels} input channels")
            try:
                values = [float(v) if real else int(v) for v in row]
            except ValueError:
                raise ValueError(f"{path}:{number}: not {'numbers' if real else 'integer codes'}: {row}") from None
            if real:
                values = [int(np.clip(np.rint(v * (1 << fmt.frac)), fmt.min_code, fmt.max_code)) for v in values]
            elif any(not fmt.min_code <= v <= fmt.max_code for v in values):
                raise ValueError(f"{path}:{number}: code outside {fmt} [{fmt.min_code}, {fmt.max_code}]: {row}")
            rows.append(values)
    if not rows:
        raise ValueError(f"{path}: no samples")
    return np.array(rows, dtype=np.int64)


def _reals(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--port", default="/dev/ttyUSB1")
    parser.add_argument("--baud", type=int, default=DEFAULT_BAUD)
    parser.add_argument("--model", type=Path, default=REPO / "golden" / "models" / "fpga.yaml",
                        help="the manifest the board was built from (channels, format, receptive field)")
    parser.add_argument("--real", action="store_true", help="CSV values are real numbers, not integer codes")
    parser.add_argument("--constants", type=_reals, default=[],
                        help="WAV input: values of the input channels after the audio ones, e.g. 0,1")
    parser.add_argument("--rate", type=int, default=48000, help="sample rate of a WAV output from a CSV input")
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW)
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest(args.model)
        fmt, out_fmt = manifest.input_format, manifest.output_format
        rate = args.rate
        if args.input.suffix.lower() == ".wav":
            samples, rate = read_wav_inputs(args.input, manifest.input_channels, fmt, args.constants)
        else:
            samples = read_samples(args.input, manifest.input_channels, fmt, args.real)
        port = SerialPort(args.port, args.baud)
        try:
            link = BoardLink(port, manifest.input_channels, manifest.output_channels, fmt.width,
                             receptive_field=manifest.receptive_field, window=args.window,
                             out_width=out_fmt.width, out_signed=out_fmt.signed)
            started = time.monotonic()
            outputs = link.stream(samples)
            seconds = time.monotonic() - started
        finally:
            port.close()
    except (ManifestError, ValueError, WavError, LinkError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.output.suffix.lower() == ".wav":
        write_wav_outputs(args.output, outputs, out_fmt, rate)
    else:
        reals = out_fmt.to_real(np.asarray(outputs))
        digits = max(out_fmt.frac, 1)
        lines = [",".join(f"{r:.{digits}g}" if args.real else str(int(v)) for v, r in zip(row, real_row))
                 for row, real_row in zip(outputs, reals)]
        write_text_atomic(args.output, "\n".join(lines) + "\n")
    stats = link.stats
    print(f"{len(samples)} samples in {seconds:.1f} s ({len(samples) / seconds:,.0f} samples/s); resent {stats.resent}, "
          f"board errors {stats.errors}, replays {stats.replays}, bad frames from the board {stats.rejected_frames}; "
          f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
