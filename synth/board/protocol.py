"""The UART sample protocol (docs/uart-protocol.md): one source of truth for the board and the host.

Every frame starts with a header byte, the only kind of byte with bit 7 set;
all other bytes carry 7 data bits. A receiver that lost its place therefore
resynchronises at the next header byte, whatever garbage came before.

    frame    = header, seq, payload bytes..., check
    header   = 0x80 SAMPLE (host: input vector, board: output vector)
               0x81 RESET  (host: clear the network state and the sequence; board: acknowledge)
               0x82 ERROR  (board only: a frame was rejected; payload = one reason byte)
    seq      = 7-bit sequence number of the sample (RESET: any; ERROR: the seq the board expects next)
    payload  = the vector's bits (channel c at bits [c*W, (c+1)*W), two's complement)
               sent least significant first, 7 bits per byte, zero padded
    check    = CRC-7 (polynomial x^7 + x^3 + 1, initial value 0, bits MSB first)
               over every byte before it, header included

The board accepts a SAMPLE only with the right check and seq == the seq it
expects (go-back-N: anything else is answered with ERROR(expected seq)), so
input samples reach the network exactly once and in order.

The amaranth core (synth/board/core.py) imports these constants and mirrors
`crc7_update`; the host script (scripts/stream_board.py) uses the functions.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable, Iterator

HEADER_BIT = 0x80
SEQ_MODULUS = 128
DATA_BITS = 7  # payload bits per byte
CRC_POLY = 0x09  # x^7 + x^3 + 1 (the SD-card CRC-7), top bit implicit
DEFAULT_BAUD = 1_000_000  # exact on an FT2232H (3 MHz / 3) and 100 clocks per bit at 100 MHz


class FrameType(enum.IntEnum):
    SAMPLE = 0x80
    RESET = 0x81
    ERROR = 0x82


class ErrorReason(enum.IntEnum):
    """Payload of an ERROR frame: why the board dropped a frame."""

    BAD_CHECK = 1  # the check byte did not match
    TRUNCATED = 2  # a header arrived mid-frame, a UART stop bit was missing, or an unknown header
    OUT_OF_SEQUENCE = 3  # a good SAMPLE whose seq is not the one expected (go-back-N)
    OVERFLOW = 4  # a good SAMPLE arrived while the previous one still waited for the network


class ProtocolError(ValueError):
    """A vector or frame that cannot be encoded; the message says which value and why."""


def crc7_update(crc: int, byte: int) -> int:
    """One byte into the CRC-7 register, most significant bit first."""
    for bit in range(7, -1, -1):
        feedback = ((byte >> bit) & 1) ^ ((crc >> 6) & 1)
        crc = (crc << 1) & 0x7F
        if feedback:
            crc ^= CRC_POLY
    return crc


def crc7(data: Iterable[int]) -> int:
    crc = 0
    for byte in data:
        crc = crc7_update(crc, byte)
    return crc


def payload_bytes(channels: int, width: int) -> int:
    """Bytes that carry one vector of `channels` codes of `width` bits."""
    return -(-channels * width // DATA_BITS)


def pack_codes(codes: Iterable[int], width: int, signed: bool = True) -> list[int]:
    """Codes -> 7-bit payload bytes, channel 0 in the least significant bits."""
    codes = [int(c) for c in codes]
    low, high = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    packed = 0
    for channel, code in enumerate(codes):
        if not low <= code <= high:
            kind = "signed" if signed else "unsigned"
            raise ProtocolError(f"channel {channel}: code {code} does not fit in {width} {kind} bits [{low}, {high}]")
        packed |= (code & ((1 << width) - 1)) << (channel * width)
    count = payload_bytes(len(codes), width)
    return [(packed >> (DATA_BITS * i)) & 0x7F for i in range(count)]


def unpack_codes(payload: Iterable[int], channels: int, width: int, signed: bool = True) -> list[int]:
    """7-bit payload bytes -> `channels` codes, signed or unsigned (padding bits ignored)."""
    packed = 0
    for index, byte in enumerate(payload):
        packed |= (byte & 0x7F) << (DATA_BITS * index)
    mask = (1 << width) - 1
    sign = 1 << (width - 1) if signed else 1 << width  # unsigned: no raw value reaches it
    codes = []
    for channel in range(channels):
        raw = (packed >> (channel * width)) & mask
        codes.append(raw - (1 << width) if raw & sign else raw)
    return codes


def encode_frame(kind: FrameType, seq: int, payload: Iterable[int] = ()) -> bytes:
    if not 0 <= seq < SEQ_MODULUS:
        raise ProtocolError(f"sequence number {seq} outside [0, {SEQ_MODULUS})")
    body = [int(kind), seq, *payload]
    if any(not 0 <= b < HEADER_BIT for b in body[1:]):
        raise ProtocolError(f"{kind.name} frame: a payload byte has bit 7 set: {body[1:]}")
    return bytes([*body, crc7(body)])


def encode_sample(seq: int, codes: Iterable[int], width: int) -> bytes:
    return encode_frame(FrameType.SAMPLE, seq, pack_codes(codes, width))


def encode_reset(seq: int = 0) -> bytes:
    return encode_frame(FrameType.RESET, seq)


@dataclass(frozen=True)
class Frame:
    """A frame that passed its check: type, seq and the raw 7-bit payload bytes."""

    kind: FrameType
    seq: int
    payload: tuple[int, ...]

    def codes(self, channels: int, width: int, signed: bool = True) -> list[int]:
        return unpack_codes(self.payload, channels, width, signed)

    @property
    def reason(self) -> ErrorReason:
        return ErrorReason(self.payload[0])


@dataclass
class FrameDecoder:
    """Byte stream -> frames, resynchronising at every header byte.

    `payload_lengths` says how many payload bytes each frame type carries (the
    receiver knows the vector sizes); a frame with the wrong length or check
    is counted in `rejected` and dropped.
    """

    payload_lengths: dict[FrameType, int]
    rejected: int = 0
    _bytes: list[int] = field(default_factory=list)

    def feed(self, data: bytes) -> Iterator[Frame]:
        for byte in data:
            if byte & HEADER_BIT:
                if self._bytes:
                    self.rejected += 1  # a new header cuts the unfinished frame short
                self._bytes = [byte]
                if byte not in self.payload_lengths:
                    self.rejected += 1
                    self._bytes = []
                continue
            if not self._bytes:
                continue  # between frames: noise until the next header
            self._bytes.append(byte)
            kind = FrameType(self._bytes[0])
            if len(self._bytes) == self.payload_lengths[kind] + 3:
                body, check = self._bytes[:-1], self._bytes[-1]
                self._bytes = []
                if crc7(body) != check:
                    self.rejected += 1
                    continue
                yield Frame(kind, body[1], tuple(body[2:]))


def board_decoder(output_channels: int, width: int) -> FrameDecoder:
    """What the host expects from the board."""
    return FrameDecoder({FrameType.SAMPLE: payload_bytes(output_channels, width), FrameType.RESET: 0,
                         FrameType.ERROR: 1})


def host_decoder(input_channels: int, width: int) -> FrameDecoder:
    """What the board expects from the host (used by the tests' model of the board)."""
    return FrameDecoder({FrameType.SAMPLE: payload_bytes(input_channels, width), FrameType.RESET: 0})
