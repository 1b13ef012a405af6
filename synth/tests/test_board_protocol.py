"""The UART protocol: Python encoder/decoder, and the amaranth hardware against the same Python reference.

The CRC-7 is checked against an independent textbook definition (polynomial
division of the message bits, not the shift-register code), the hardware CRC
and UART against the Python module in amaranth's simulator.
"""
from __future__ import annotations

import numpy as np
import pytest
from amaranth import Elaboratable, Module, Signal
from amaranth.sim import Simulator

from synth.board.core import crc7_next
from synth.board.pll import PllError, pll_setting
from synth.board.protocol import (
    ErrorReason, FrameType, ProtocolError, board_decoder, crc7, crc7_update, encode_frame, encode_sample, host_decoder,
    pack_codes, payload_bytes, unpack_codes,
)
from synth.board.top import clocks_per_bit
from synth.board.uart import UartRx, UartTx


def crc7_by_division(data: bytes) -> int:
    """Remainder of message(x) * x^7 divided by x^7 + x^3 + 1, by long division over the bit string."""
    bits = [(byte >> i) & 1 for byte in data for i in range(7, -1, -1)] + [0] * 7
    generator = [1, 0, 0, 0, 1, 0, 0, 1]
    for index in range(len(bits) - 7):
        if bits[index]:
            for offset, g in enumerate(generator):
                bits[index + offset] ^= g
    return int("".join(map(str, bits[-7:])), 2)


def test_crc7_is_the_polynomial_remainder() -> None:
    rng = np.random.default_rng(7)
    for length in (1, 2, 5, 13):
        data = bytes(int(b) for b in rng.integers(0, 256, length))
        assert crc7(data) == crc7_by_division(data), data.hex()
    assert crc7(b"123456789") == 0x75  # the published CRC-7/MMC check value


@pytest.mark.parametrize("channels,width", [(4, 16), (3, 16), (1, 16), (5, 12), (2, 8)])
def test_pack_unpack_round_trip(channels: int, width: int) -> None:
    rng = np.random.default_rng(channels * 100 + width)
    low, high = -(1 << (width - 1)), (1 << (width - 1)) - 1
    vectors = [[low] * channels, [high] * channels, [0] * channels, [-1] * channels,
               *rng.integers(low, high + 1, (20, channels)).tolist()]
    for codes in vectors:
        payload = pack_codes(codes, width)
        assert len(payload) == payload_bytes(channels, width) == -(-channels * width // 7)
        assert all(0 <= b < 0x80 for b in payload), payload
        assert unpack_codes(payload, channels, width) == codes


def test_out_of_range_code_is_refused() -> None:
    with pytest.raises(ProtocolError, match="channel 1: code 32768"):
        pack_codes([0, 32768], 16)


def test_decoder_resynchronises_after_garbage_and_rejects_bad_frames() -> None:
    decoder = host_decoder(4, 16)
    good = [encode_sample(seq, [seq, -seq, 7, -32768], 16) for seq in range(4)]
    bad = bytearray(good[1])
    bad[3] ^= 0x10
    stream = b"\x13\x7f" + good[0] + bytes(bad) + good[2][:5] + good[2] + b"\x00\x01" + good[3]
    frames = list(decoder.feed(stream))
    assert [f.seq for f in frames] == [0, 2, 3]
    assert frames[1].codes(4, 16) == [2, -2, 7, -32768]
    assert decoder.rejected == 2  # the bad check and the truncated copy of frame 2


def test_error_frame_carries_its_reason() -> None:
    frames = list(board_decoder(4, 16).feed(encode_frame(FrameType.ERROR, 9, [ErrorReason.OVERFLOW])))
    assert frames[0].kind == FrameType.ERROR and frames[0].seq == 9 and frames[0].reason == ErrorReason.OVERFLOW


class _CrcProbe(Elaboratable):
    def __init__(self):
        self.crc, self.byte, self.out = Signal(7), Signal(8), Signal(7)

    def elaborate(self, platform) -> Module:
        m = Module()
        m.d.comb += self.out.eq(crc7_next(self.crc, self.byte))
        return m


def test_hardware_crc_matches_python() -> None:
    probe = _CrcProbe()
    sim = Simulator(probe)
    rng = np.random.default_rng(3)
    cases = [(int(c), int(b)) for c, b in zip(rng.integers(0, 128, 300), rng.integers(0, 256, 300))]

    async def bench(ctx) -> None:
        for crc, byte in cases:
            ctx.set(probe.crc, crc)
            ctx.set(probe.byte, byte)
            assert ctx.get(probe.out) == crc7_update(crc, byte), (crc, byte)

    sim.add_testbench(bench)
    sim.run()


class _Loopback(Elaboratable):
    def __init__(self, divisor: int):
        self.tx, self.rx = UartTx(divisor), UartRx(divisor)

    def elaborate(self, platform) -> Module:
        m = Module()
        m.submodules.tx, m.submodules.rx = self.tx, self.rx
        m.d.comb += self.rx.rx.eq(self.tx.tx)
        return m


@pytest.mark.parametrize("divisor", [4, 7, 16])
def test_uart_loopback(divisor: int) -> None:
    loop = _Loopback(divisor)
    sim = Simulator(loop)
    sim.add_clock(1e-8)
    data = [0x00, 0xFF, 0x55, 0xAA, 0x80, 0x01, 0x7E]
    received: list[int] = []

    async def sender(ctx) -> None:
        for byte in data:
            ctx.set(loop.tx.data, byte)
            ctx.set(loop.tx.valid, 1)
            await ctx.tick().until(loop.tx.ready)
            await ctx.tick()
        ctx.set(loop.tx.valid, 0)

    async def receiver(ctx) -> None:
        while len(received) < len(data):
            await ctx.tick()
            assert not ctx.get(loop.rx.error)
            if ctx.get(loop.rx.valid):
                received.append(ctx.get(loop.rx.data))

    sim.add_testbench(sender)
    sim.add_testbench(receiver)
    sim.run_until(1e-8 * divisor * 12 * (len(data) + 2))
    assert received == data


@pytest.mark.parametrize("mhz", [100, 75, 50, 125, 90, 62.5])
def test_pll_hits_the_requested_clock_within_limits(mhz: float) -> None:
    setting = pll_setting(100.0, mhz)
    assert abs(setting.output_mhz - mhz) <= 1e-3 * mhz
    assert 400 <= setting.vco_mhz <= 800
    assert 3.125 <= 100.0 / setting.clki_div <= 400


@pytest.mark.parametrize("mhz,named", [(500, "outside the EHXPLLL range"), (1, "outside the EHXPLLL range"),
                                       (99.77, "closest is")])
def test_impossible_pll_frequency_is_refused(mhz: float, named: str) -> None:
    with pytest.raises(PllError, match=named):
        pll_setting(100.0, mhz)


def test_baud_divisor() -> None:
    assert clocks_per_bit(100, 1_000_000) == 100
    with pytest.raises(ValueError, match="divisor"):
        clocks_per_bit(10, 3_000_000)
