"""Weight files for the RTL: layout of the ROMs and an all-or-nothing hex writer.

Layouts (documented again in each RTL header):
- matrix ROM (row_by_matrix_multiply, conv1d): PASSES*BEATS words of
  COLS*LANES*W bits; word pass*BEATS + beat holds, at bits
  [(u*LANES + l)*W +: W], M[beat*LANES + l][pass*COLS + u], zero past the matrix.
- bias ROM (conv1d): PASSES words of COLS*W bits; word pass holds bias[pass*COLS + u]
  at bits [u*W +: W].
- conv1d's matrix is the kernel (K, IN_D, OUT_D) flattened tap-major to
  (K*IN_D, OUT_D): row k*IN_D + c is tap k, channel c, matching the packed taps vector.
"""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from golden.errors import ShapeError
from golden.qformat import QFormat, check_positive, check_shape


def pack_vector(codes: Sequence[int] | np.ndarray, width: int) -> int:
    """Element i of `codes` at bits [i*width +: width], two's complement."""
    mask = (1 << width) - 1
    packed = 0
    for index, code in enumerate(np.asarray(codes, dtype=np.int64).ravel()):
        packed |= (int(code) & mask) << (index * width)
    return packed


def unpack_vector(packed: int, width: int, count: int) -> np.ndarray:
    """Inverse of pack_vector: `count` signed elements of `width` bits."""
    mask = (1 << width) - 1
    sign = 1 << (width - 1)
    values = [(packed >> (index * width)) & mask for index in range(count)]
    return np.array([value - (1 << width) if value & sign else value for value in values], dtype=np.int64)


def matrix_rom_words(weights: ArrayLike, fmt: QFormat, lanes: int, cols: int) -> list[int]:
    """ROM words of a (IN_D, OUT_D) matrix for LANES multipliers x COLS parallel columns."""
    codes = fmt.check_codes(weights, "matrix weights")
    check_shape(codes, (None, None), "matrix weights")
    lanes = check_positive(lanes, "lanes")
    cols = check_positive(cols, "cols")
    in_d, out_d = codes.shape
    if lanes > in_d or cols > out_d:
        raise ShapeError(f"matrix ROM: lanes {lanes} must be <= IN_D {in_d} and cols {cols} <= OUT_D {out_d}")
    beats = math.ceil(in_d / lanes)
    passes = math.ceil(out_d / cols)
    padded = np.zeros((beats * lanes, passes * cols), dtype=np.int64)
    padded[:in_d, :out_d] = codes
    words = []
    for pass_index in range(passes):
        for beat in range(beats):
            block = padded[beat * lanes:(beat + 1) * lanes, pass_index * cols:(pass_index + 1) * cols]
            words.append(pack_vector(block.T.ravel(), fmt.width))  # unit-major, lane-minor
    return words


def bias_rom_words(bias: ArrayLike, fmt: QFormat, cols: int) -> list[int]:
    codes = fmt.check_codes(bias, "bias")
    check_shape(codes, (None,), "bias")
    cols = check_positive(cols, "cols")
    passes = math.ceil(codes.shape[0] / cols)
    padded = np.zeros(passes * cols, dtype=np.int64)
    padded[: codes.shape[0]] = codes
    return [pack_vector(padded[p * cols:(p + 1) * cols], fmt.width) for p in range(passes)]


def conv_matrix(kernel: ArrayLike, fmt: QFormat) -> np.ndarray:
    """(K, IN_D, OUT_D) kernel -> (K*IN_D, OUT_D) matrix, tap-major rows."""
    codes = fmt.check_codes(kernel, "conv1d kernel")
    check_shape(codes, (None, None, None), "conv1d kernel")
    taps, in_d, out_d = codes.shape
    return codes.reshape(taps * in_d, out_d)


def write_hex(path: Path, words: Iterable[int], word_bits: int) -> Path:
    """Write one hex word per line for $readmemh; the file appears complete or not at all."""
    path = Path(path).resolve()
    digits = max(1, math.ceil(word_bits / 4))
    lines = []
    for index, word in enumerate(words):
        if word < 0 or word >> word_bits:
            raise ShapeError(f"{path.name}: word {index} does not fit in {word_bits} bits")
        lines.append(f"{word:0{digits}x}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.writelines(lines)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path
