"""WAV audio <-> network sample vectors, for streaming sound through the board.

A PCM WAV's channels feed the network's first input channels (full scale
[-1, 1) as real values, rounded half to even onto the model's Q format and
saturated); the remaining input channels take constants given by the user (for
the waveshaping models: the embedding e0, e1). Outputs are written back as
16-bit PCM at the input's sample rate, real value 1.0 = full scale, clipped.
"""
from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from golden.atomic import write_bytes_atomic
from golden.qformat import QFormat


class WavError(ValueError):
    """A WAV file the stream cannot use; the message names the file and the reason."""


def _pcm_to_real(frames: bytes, sample_width: int, channels: int) -> np.ndarray:
    if sample_width == 1:  # 8-bit WAV is unsigned
        values = np.frombuffer(frames, dtype=np.uint8).astype(np.float64) - 128.0
    elif sample_width in (2, 4):
        values = np.frombuffer(frames, dtype=f"<i{sample_width}").astype(np.float64)
    elif sample_width == 3:
        raw = np.frombuffer(frames, dtype=np.uint8).reshape(-1, 3).astype(np.int64)
        values = (raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)).astype(np.int64)
        values = np.where(values >= 1 << 23, values - (1 << 24), values).astype(np.float64)
    else:
        raise WavError(f"{sample_width * 8}-bit samples")
    return values.reshape(-1, channels) / float(1 << (8 * sample_width - 1))


def read_wav_inputs(path: Path, input_channels: int, fmt: QFormat, constants: list[float]) -> tuple[np.ndarray, int]:
    """(samples, input_channels) codes and the sample rate: WAV channels first, then `constants`."""
    try:
        with wave.open(str(path), "rb") as stream:
            channels, width, rate = stream.getnchannels(), stream.getsampwidth(), stream.getframerate()
            frames = stream.readframes(stream.getnframes())
    except (wave.Error, EOFError) as error:
        raise WavError(f"{path}: not a PCM WAV file ({error})") from None
    try:
        audio = _pcm_to_real(frames, width, channels)
    except WavError as error:
        raise WavError(f"{path}: {error} are not supported (8, 16, 24 or 32-bit PCM)") from None
    if len(audio) == 0:
        raise WavError(f"{path}: no samples")
    if channels + len(constants) != input_channels:
        raise WavError(f"{path}: {channels} audio channel(s) + {len(constants)} constant(s) given, the model takes "
                       f"{input_channels} input channels (set --constants)")
    values = np.concatenate([audio, np.broadcast_to(np.asarray(constants, dtype=np.float64),
                                                    (len(audio), len(constants)))], axis=1)
    codes = np.clip(np.rint(values * (1 << fmt.frac)), fmt.min_code, fmt.max_code)  # rint: half to even
    return codes.astype(np.int64), rate


def write_wav_outputs(path: Path, codes: np.ndarray, fmt: QFormat, rate: int) -> Path:
    """Output codes as 16-bit PCM, one channel per network output (written atomically)."""
    real = fmt.to_real(codes)
    pcm = np.clip(np.rint(real * 32768.0), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as stream:
        stream.setnchannels(pcm.shape[1])
        stream.setsampwidth(2)
        stream.setframerate(rate)
        stream.writeframes(pcm.tobytes())
    return write_bytes_atomic(Path(path), buffer.getvalue())
