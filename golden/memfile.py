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
import numbers
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from golden.atomic import write_text_atomic
from golden.errors import ParameterError, RepresentationError
from golden.qformat import QFormat, check_integers, check_positive, check_shape

MAX_UNPACK_WIDTH = 64  # unpack_vector returns int64 elements


def pack_vector(codes: Sequence[int] | np.ndarray, width: int, signed: bool = True) -> int:
    """Element i of `codes` at bits [i*width +: width]; each code must fit `width` bits, two's complement or unsigned."""
    width = check_positive(width, "pack_vector width")
    low, high = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    domain = f"{width}-bit two's complement" if signed else f"{width}-bit unsigned"
    values = check_integers(codes, "pack_vector codes", low, high, "code", domain)
    mask = (1 << width) - 1
    packed = 0
    for index, code in enumerate(values.ravel()):
        packed |= (int(code) & mask) << (index * width)
    return packed


def unpack_vector(packed: int, width: int, count: int, signed: bool = True) -> np.ndarray:
    """Inverse of pack_vector: `count` elements of `width` bits (1..64), signed or unsigned (up to 63 bits)."""
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or not 1 <= width <= MAX_UNPACK_WIDTH:
        raise ParameterError(f"unpack_vector width must be an integer in [1, {MAX_UNPACK_WIDTH}], got {width!r}")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ParameterError(f"unpack_vector count must be a non-negative integer, got {count!r}")
    width, count = int(width), int(count)
    mask = (1 << width) - 1
    sign = 1 << (width - 1) if signed else 1 << 64  # unsigned: no value reaches the "sign"
    values = [(packed >> (index * width)) & mask for index in range(count)]
    return np.array([value - (1 << width) if value & sign else value for value in values], dtype=np.int64)


def matrix_rom_words(weights: ArrayLike, fmt: QFormat, lanes: int, cols: int) -> list[int]:
    """ROM words of a (IN_D, OUT_D) matrix for LANES multipliers x COLS parallel columns."""
    codes = fmt.check_codes(weights, "matrix weights")
    check_shape(codes, (None, None), "matrix weights")
    lanes = check_positive(lanes, "matrix ROM lanes")
    cols = check_positive(cols, "matrix ROM cols")
    in_d, out_d = codes.shape
    if lanes > in_d or cols > out_d:
        raise ParameterError(f"matrix ROM: lanes {lanes} must be <= IN_D {in_d} and cols {cols} <= OUT_D {out_d}")
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


def matrix_rom_depth(in_d: int, out_d: int, lanes: int, cols: int) -> int:
    """Words of matrix_rom_words' ROM, without building them: PASSES*BEATS."""
    return math.ceil(out_d / cols) * math.ceil(in_d / lanes)


def bias_rom_depth(out_d: int, cols: int) -> int:
    """Words of bias_rom_words' ROM, without building them: PASSES."""
    return math.ceil(out_d / cols)


def bias_rom_words(bias: ArrayLike, fmt: QFormat, cols: int) -> list[int]:
    """ROM words of an (OUT_D,) bias for COLS parallel columns (the RTL requires COLS <= OUT_D)."""
    codes = fmt.check_codes(bias, "bias")
    check_shape(codes, (None,), "bias")
    cols = check_positive(cols, "bias ROM cols")
    out_d = codes.shape[0]
    if cols > out_d:
        raise ParameterError(f"bias ROM: cols {cols} must be <= OUT_D {out_d}")
    passes = math.ceil(out_d / cols)
    padded = np.zeros(passes * cols, dtype=np.int64)
    padded[:out_d] = codes
    return [pack_vector(padded[p * cols:(p + 1) * cols], fmt.width) for p in range(passes)]


def conv_matrix(kernel: ArrayLike, fmt: QFormat) -> np.ndarray:
    """(K, IN_D, OUT_D) kernel -> (K*IN_D, OUT_D) matrix, tap-major rows."""
    codes = fmt.check_codes(kernel, "conv1d kernel")
    check_shape(codes, (None, None, None), "conv1d kernel")
    taps, in_d, out_d = codes.shape
    return codes.reshape(taps * in_d, out_d)


def write_hex(path: Path, words: Iterable[int], word_bits: int) -> Path:
    """Write one hex word per line for $readmemh; the file appears complete or not at all.

    Every word is checked before anything is written. The text goes to a temporary file
    beside `path` (mode 0o644 less the umask), is fsync'ed, then renamed over `path`; on
    any failure the temporary file is removed and an existing `path` is left as it was."""
    path = Path(path).resolve()
    word_bits = check_positive(word_bits, f"{path}: word_bits")
    digits = math.ceil(word_bits / 4)
    lines = []
    for index, word in enumerate(words):
        if isinstance(word, (bool, np.bool_)) or not isinstance(word, numbers.Integral):
            raise RepresentationError(f"{path}: word {index} is {word!r}, not an integer")
        value = int(word)  # a Python int: numpy shifts by >= 64 bits are not defined
        if value < 0 or value >> word_bits:
            raise RepresentationError(
                f"{path}: word {index} = {value} does not fit in {word_bits} bits [0, 2^{word_bits} - 1]"
            )
        lines.append(f"{value:0{digits}x}\n")
    return write_text_atomic(path, "".join(lines))
