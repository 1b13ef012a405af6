"""golden.memfile against docs/weight-files.md: ROM layouts, vector packing, the hex writer and its errors.

The expected layouts are written from the document's rules (explicit index arithmetic and
hand-computed words), never with memfile's own helpers.
"""
from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from golden import atomic, memfile
from golden.errors import ParameterError, RepresentationError, ShapeError
from golden.memfile import bias_rom_words, conv_matrix, matrix_rom_words, pack_vector, unpack_vector, write_hex
from golden.qformat import QFormat
from golden.tests.stimulus import corner_codes, random_codes

Q8_6 = QFormat(8, 6)
Q16_12 = QFormat(16, 12)

# A 5 x 3 matrix of W = 8 codes, LANES = 2, COLS = 2: BEATS = ceil(5/2) = 3, PASSES = ceil(3/2) = 2,
# 6 words of COLS * LANES * W = 32 bits. Field u*LANES + l of word pass*BEATS + beat is
# M[beat*LANES + l][pass*COLS + u], zero past row 4 or column 2; computed by hand below.
MATRIX_5X3 = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -2, -3], [10, 11, -128]]
MATRIX_5X3_WORDS = [
    0x05_02_04_01,  # pass 0 beat 0: fields M[0][0], M[1][0], M[0][1], M[1][1]
    0xFE_08_FF_07,  # pass 0 beat 1: M[2][0], M[3][0] = -1, M[2][1], M[3][1] = -2
    0x00_0B_00_0A,  # pass 0 beat 2: M[4][0], row 5 padding, M[4][1], padding
    0x00_00_06_03,  # pass 1 beat 0: M[0][2], M[1][2], column 3 padding x2
    0x00_00_FD_09,  # pass 1 beat 1: M[2][2], M[3][2] = -3
    0x00_00_00_80,  # pass 1 beat 2: M[4][2] = -128
]
# Bias of OUT_D = 5, COLS = 2: PASSES = 3 words of 16 bits, field u of word p is bias[p*COLS + u].
BIAS_5 = [1, -2, 3, -128, 127]
BIAS_5_WORDS = [0xFE01, 0x8003, 0x007F]


def _field(word: int, index: int, width: int) -> int:
    """Signed field `index` of `width` bits: bits [index*width +: width] of `word`."""
    raw = (word >> (index * width)) & ((1 << width) - 1)
    return raw - (1 << width) if raw >> (width - 1) else raw


def test_matrix_rom_5x3_hand_computed() -> None:
    assert matrix_rom_words(MATRIX_5X3, Q8_6, 2, 2) == MATRIX_5X3_WORDS


def test_bias_rom_hand_computed() -> None:
    assert bias_rom_words(BIAS_5, Q8_6, 2) == BIAS_5_WORDS


@pytest.mark.parametrize("fmt", (Q8_6, QFormat(2, 1), QFormat(5, 3), QFormat(24, 20)), ids=str)
@pytest.mark.parametrize(
    "in_d,out_d,lanes,cols",
    ((5, 3, 2, 2), (1, 1, 1, 1), (7, 5, 3, 2), (4, 6, 4, 3), (8, 8, 1, 8), (3, 9, 3, 4), (6, 2, 5, 1)),
)
def test_matrix_rom_fields(
    fmt: QFormat, in_d: int, out_d: int, lanes: int, cols: int, rng: np.random.Generator
) -> None:
    """Every field of every word, by the document's formula; nothing above COLS*LANES*W bits."""
    matrix = random_codes(rng, fmt, (in_d, out_d)).tolist()
    words = matrix_rom_words(matrix, fmt, lanes, cols)
    beats, passes = math.ceil(in_d / lanes), math.ceil(out_d / cols)
    assert len(words) == passes * beats
    for number, word in enumerate(words):
        pass_index, beat = divmod(number, beats)
        assert 0 <= word < 1 << (cols * lanes * fmt.width), f"word {number} wider than COLS*LANES*W"
        for u in range(cols):
            for lane in range(lanes):
                row, col = beat * lanes + lane, pass_index * cols + u
                expected = matrix[row][col] if row < in_d and col < out_d else 0
                actual = _field(word, u * lanes + lane, fmt.width)
                assert actual == expected, f"word {number} unit {u} lane {lane}: M[{row}][{col}]"


def test_matrix_rom_one_lane_one_col_is_column_major() -> None:
    """LANES = COLS = 1: word pass*IN_D + beat is M[beat][pass], one code per word."""
    matrix = [[1, -2, 3], [-4, 5, -6]]
    words = matrix_rom_words(matrix, Q8_6, 1, 1)
    assert [_field(word, 0, 8) for word in words] == [1, -4, -2, 5, 3, -6]


@pytest.mark.parametrize("fmt", (Q8_6, QFormat(2, 1), QFormat(5, 3), QFormat(24, 20)), ids=str)
@pytest.mark.parametrize("out_d,cols", ((5, 2), (1, 1), (6, 3), (7, 7), (9, 4)))
def test_bias_rom_fields(fmt: QFormat, out_d: int, cols: int, rng: np.random.Generator) -> None:
    bias = random_codes(rng, fmt, (out_d,)).tolist()
    words = bias_rom_words(bias, fmt, cols)
    assert len(words) == math.ceil(out_d / cols)
    for pass_index, word in enumerate(words):
        assert 0 <= word < 1 << (cols * fmt.width), f"bias word {pass_index} wider than COLS*W"
        for u in range(cols):
            index = pass_index * cols + u
            expected = bias[index] if index < out_d else 0
            assert _field(word, u, fmt.width) == expected, f"bias word {pass_index} unit {u}: bias[{index}]"


def test_conv_matrix_rows_are_tap_major() -> None:
    """Row k*IN_D + c of the flattened kernel is tap k, channel c, as in the packed taps vector."""
    taps, in_d, out_d = 3, 2, 4
    kernel = [[[100 * k + 10 * c + o for o in range(out_d)] for c in range(in_d)] for k in range(taps)]
    matrix = conv_matrix(kernel, Q16_12)
    assert matrix.shape == (taps * in_d, out_d)
    for k in range(taps):
        for c in range(in_d):
            assert matrix[k * in_d + c].tolist() == kernel[k][c], f"row {k * in_d + c} is not tap {k} channel {c}"
    window = [[10 * k + c for c in range(in_d)] for k in range(taps)]
    packed = pack_vector(np.array(window), Q16_12.width)
    for k in range(taps):
        for c in range(in_d):
            assert _field(packed, k * in_d + c, Q16_12.width) == window[k][c]


def test_pack_vector_hand_computed() -> None:
    assert pack_vector([-1, 1], 4) == 0x1F
    assert pack_vector([1, 2, 3], 8) == 0x030201
    assert pack_vector([-128, 127], 8) == 0x7F80
    assert pack_vector([], 8) == 0
    assert unpack_vector(0x7F80, 8, 2).tolist() == [-128, 127]
    assert unpack_vector(0x1F, 4, 3).tolist() == [-1, 1, 0]
    assert unpack_vector(0xFF, 8, 0).tolist() == []


@pytest.mark.parametrize("width", (*range(2, 25), 32, 64))
def test_pack_unpack_round_trip(width: int, rng: np.random.Generator) -> None:
    low, high = -(1 << (width - 1)), (1 << (width - 1)) - 1
    corners = [low, low + 1, -1, 0, 1, high - 1, high]
    codes = np.concatenate([corners, rng.integers(low, high, size=13, endpoint=True, dtype=np.int64)])
    packed = pack_vector(codes, width)
    assert 0 <= packed < 1 << (width * len(codes))
    assert unpack_vector(packed, width, len(codes)).tolist() == codes.tolist()
    assert [_field(packed, i, width) for i in range(len(codes))] == codes.tolist()


def test_pack_vector_accepts_integral_values_of_any_integer_type() -> None:
    fmt_codes = corner_codes(Q8_6)
    expected = pack_vector(fmt_codes.tolist(), 8)
    assert pack_vector(fmt_codes.astype(np.int16), 8) == expected
    assert pack_vector(fmt_codes.astype(np.float64), 8) == expected


# ----------------------------------------------------------------------------- write_hex


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process umask after a test that sets it."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize(
    "words,bits,text",
    (
        (MATRIX_5X3_WORDS, 32, "05020401\nfe08ff07\n000b000a\n00000603\n0000fd09\n00000080\n"),
        (BIAS_5_WORDS, 16, "fe01\n8003\n007f\n"),
        ([0, 1, 1], 1, "0\n1\n1\n"),
        ([0x1F, 0], 5, "1f\n00\n"),
        ([0xABCDEF, 1], 24, "abcdef\n000001\n"),
        ([1 << 32, 0xF], 33, "100000000\n00000000f\n"),
        ([(1 << 96) - 1, np.uint64(2**64 - 1), np.int64(3)], 96,
         "ffffffffffffffffffffffff\n00000000ffffffffffffffff\n000000000000000000000003\n"),
        ([], 8, ""),
    ),
    ids=("matrix_5x3", "bias", "1bit", "5bit", "24bit", "33bit", "96bit_numpy", "empty"),
)
def test_write_hex_exact_text(tmp_path: Path, words: list[int], bits: int, text: str) -> None:
    """Lower-case hex, exactly ceil(bits/4) digits, one word per line, nothing else."""
    target = write_hex(tmp_path / "sub" / "rom.hex", iter(words), bits)
    assert target == (tmp_path / "sub" / "rom.hex").resolve()
    assert target.read_bytes() == text.encode("ascii")
    assert sorted(p.name for p in target.parent.iterdir()) == ["rom.hex"]


@pytest.mark.parametrize("mask,mode", ((0o022, 0o644), (0o027, 0o640), (0o002, 0o644), (0o077, 0o600)))
def test_write_hex_permissions_follow_umask(tmp_path: Path, umask: None, mask: int, mode: int) -> None:
    """0o644 less the umask (mkstemp alone would always give 0o600)."""
    os.umask(mask)
    target = write_hex(tmp_path / "rom.hex", [1, 2], 8)
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_write_hex_replaced_file_gets_normal_permissions(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "rom.hex"
    target.write_text("old\n")
    target.chmod(0o600)
    write_hex(target, [1], 8)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_text() == "01\n"


def test_write_hex_fsyncs_before_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append(f"fsync {os.fstat(fd).st_size}")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)
    write_hex(tmp_path / "rom.hex", [1, 2, 3], 8)
    assert calls == ["fsync 9", "replace"]  # the whole text is on disk before the rename


@pytest.mark.parametrize(
    "words",
    ([1, 2, 256, 4], [1, 2, -1, 4], [1, 2, 2.0, 4], [1, 2, None, 4]),
    ids=("too_wide", "negative", "float", "none"),
)
def test_write_hex_all_or_nothing_without_target(tmp_path: Path, words: list[object]) -> None:
    """A bad word in the middle: no target and no temporary file left behind."""
    with pytest.raises(RepresentationError, match=r"word 2"):
        write_hex(tmp_path / "rom.hex", words, 8)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failure", ("bad_word", "fsync", "replace"))
def test_write_hex_failure_leaves_existing_target_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """Whether the words are refused or the disk fails mid-write, the old file stays as it was, alone."""
    target = tmp_path / "rom.hex"
    target.write_text("aa\nbb\n")
    target.chmod(0o640)
    before = target.stat()
    words: list[object] = [1, 2, 3]
    expected_error: type[Exception] = OSError
    if failure == "bad_word":
        words, expected_error = [1, 2.5, 3], RepresentationError
    else:
        def fail(*args: object) -> None:
            raise OSError(f"{failure} failed")

        monkeypatch.setattr(atomic.os, failure, fail)
    with pytest.raises(expected_error):
        write_hex(target, words, 8)  # type: ignore[arg-type]
    assert target.read_text() == "aa\nbb\n"
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns, stat.S_IMODE(after.st_mode)) == (
        before.st_ino, before.st_mtime_ns, 0o640
    )
    assert [p.name for p in tmp_path.iterdir()] == ["rom.hex"]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "codes,width,pattern",
    (
        ([200], 8, r"code 200 at index 0 is outside 8-bit two's complement \[-128, 127\]"),
        ([0, 1, -129], 8, r"code -129 at index 2 is outside 8-bit two's complement"),
        ([1, 2], 2, r"code 2 at index 1 is outside 2-bit two's complement \[-2, 1\]"),
        ([[0, 0], [0, 1 << 23]], 24, r"code 8388608 at index \(1, 1\) is outside 24-bit"),
        ([0, 2**70], 64, r"code 1180591620717411303424 at index 1 is outside 64-bit"),
        ([1, 2.5], 8, r"expected integer codes of 8-bit two's complement, got 2\.5 at index 1"),
        ([np.nan], 8, r"expected integer codes of 8-bit two's complement, got nan at index 0"),
    ),
    ids=("200_w8", "neg_w8", "w2", "2d_w24", "2^70_w64", "fraction", "nan"),
)
def test_pack_vector_refuses_codes_that_do_not_fit(codes: list[object], width: int, pattern: str) -> None:
    """Out-of-range codes used to be masked silently ([200] at width 8 became 0xc8)."""
    with pytest.raises(RepresentationError, match=rf"^pack_vector codes: {pattern}"):
        pack_vector(codes, width)  # type: ignore[arg-type]


@pytest.mark.parametrize("width", (0, -1, 1.5, True), ids=("0", "-1", "1.5", "True"))
def test_pack_vector_bad_width(width: object) -> None:
    with pytest.raises(ParameterError, match=rf"pack_vector width must be a positive integer, got {width!r}"):
        pack_vector([0], width)  # type: ignore[arg-type]


@pytest.mark.parametrize("width", (0, -3, 65, 8.0, True), ids=("0", "-3", "65", "8.0", "True"))
def test_unpack_vector_bad_width(width: object) -> None:
    with pytest.raises(ParameterError, match=rf"unpack_vector width must be an integer in \[1, 64\], got {width!r}"):
        unpack_vector(0, width, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("count", (-1, 2.0, False), ids=("-1", "2.0", "False"))
def test_unpack_vector_bad_count(count: object) -> None:
    with pytest.raises(ParameterError, match=rf"unpack_vector count must be a non-negative integer, got {count!r}"):
        unpack_vector(0, 8, count)  # type: ignore[arg-type]


@pytest.mark.parametrize("bits", (0, -4, 8.0, None), ids=("0", "-4", "8.0", "None"))
def test_write_hex_bad_word_bits(tmp_path: Path, bits: object) -> None:
    target = tmp_path / "rom.hex"
    pattern = rf"{re.escape(str(target))}: word_bits must be a positive integer, got {bits!r}"
    with pytest.raises(ParameterError, match=pattern):
        write_hex(target, [0], bits)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "bad,shown",
    ((1.5, "1.5"), (np.float64(3.0), "np.float64(3.0)"), ("ff", "'ff'"), (True, "True"), (None, "None")),
    ids=("float", "numpy_float", "str", "bool", "none"),
)
def test_write_hex_non_integer_word(tmp_path: Path, bad: object, shown: str) -> None:
    target = tmp_path / "rom.hex"
    pattern = rf"^{re.escape(str(target))}: word 1 is {re.escape(shown)}, not an integer$"
    with pytest.raises(RepresentationError, match=pattern):
        write_hex(target, [0, bad, 0], 8)  # type: ignore[list-item]


@pytest.mark.parametrize(
    "bad,bits,pattern",
    (
        (-1, 8, r"word 3 = -1 does not fit in 8 bits \[0, 2\^8 - 1\]"),
        (256, 8, r"word 3 = 256 does not fit in 8 bits"),
        (np.int64(-5), 16, r"word 3 = -5 does not fit in 16 bits"),
        (np.uint64(2**64 - 1), 63, r"word 3 = 18446744073709551615 does not fit in 63 bits"),
        (1 << 96, 96, r"word 3 = 79228162514264337593543950336 does not fit in 96 bits"),
    ),
    ids=("negative", "too_wide", "numpy_negative", "uint64_too_wide", "2^96"),
)
def test_write_hex_word_out_of_range(tmp_path: Path, bad: int, bits: int, pattern: str) -> None:
    target = tmp_path / "weights.hex"
    with pytest.raises(RepresentationError, match=rf"^{re.escape(str(target))}: {pattern}"):
        write_hex(target, [0, 1, 2, bad], bits)


@pytest.mark.parametrize(
    "lanes,cols,pattern",
    (
        (6, 2, r"matrix ROM: lanes 6 must be <= IN_D 5 and cols 2 <= OUT_D 3"),
        (2, 4, r"matrix ROM: lanes 2 must be <= IN_D 5 and cols 4 <= OUT_D 3"),
        (0, 1, r"matrix ROM lanes must be a positive integer, got 0"),
        (1, 1.0, r"matrix ROM cols must be a positive integer, got 1\.0"),
    ),
    ids=("lanes", "cols", "lanes_zero", "cols_float"),
)
def test_matrix_rom_bad_parallelism(lanes: object, cols: object, pattern: str) -> None:
    with pytest.raises(ParameterError, match=pattern):
        matrix_rom_words(MATRIX_5X3, Q8_6, lanes, cols)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "cols,pattern",
    ((6, r"bias ROM: cols 6 must be <= OUT_D 5"), (0, r"bias ROM cols must be a positive integer, got 0")),
    ids=("cols_above_out_d", "zero"),
)
def test_bias_rom_bad_cols(cols: int, pattern: str) -> None:
    """The RTL requires COLS <= OUT_D."""
    with pytest.raises(ParameterError, match=pattern):
        bias_rom_words(BIAS_5, Q8_6, cols)


def test_rom_codes_and_shapes_are_checked() -> None:
    with pytest.raises(RepresentationError, match=r"matrix weights: code 128 at index \(1, 0\) is outside Q\(8,6\)"):
        matrix_rom_words([[0], [128]], Q8_6, 1, 1)
    with pytest.raises(ShapeError, match=r"matrix weights: expected shape \(\*, \*\), got \(3,\)"):
        matrix_rom_words([1, 2, 3], Q8_6, 1, 1)
    with pytest.raises(RepresentationError, match=r"bias: code -129 at index 2 is outside Q\(8,6\)"):
        bias_rom_words([0, 0, -129], Q8_6, 1)
    with pytest.raises(ShapeError, match=r"conv1d kernel: expected shape \(\*, \*, \*\), got \(2, 2\)"):
        conv_matrix([[0, 0], [0, 0]], Q8_6)
