"""Host streaming (synth/board/host.py) over a noisy line to a Python model of the board's framing.

The model board follows docs/uart-protocol.md (expected seq, ERROR replies,
RESET) and computes outputs with the golden streaming network, so a host that
loses, duplicates or reorders a sample produces a mismatch. The line flips
bits and drops bytes at random in both directions.
"""
from __future__ import annotations

import numpy as np
import pytest

from golden.compare import assert_codes_equal
from golden.network import StreamingNetwork
from synth.board.fallback_model import random_manifest
from synth.board.host import BoardLink, LinkError
from synth.board.protocol import (
    SEQ_MODULUS, ErrorReason, FrameType, encode_frame, host_decoder, pack_codes,
)


class ModelBoard:
    """The board's frame handling in Python, behind a line that corrupts bytes with probability `noise`."""

    def __init__(self, manifest, noise_up: float, noise_down: float, seed: int):
        self.network = StreamingNetwork(manifest)
        self.manifest = manifest
        self.decoder = host_decoder(manifest.input_channels, manifest.input_format.width)
        self.rng = np.random.default_rng(seed)
        self.noise_up, self.noise_down = noise_up, noise_down
        self.expected = 0
        self.outbox = bytearray()
        self.accepted: list[np.ndarray] = []

    def _line(self, data: bytes, noise: float) -> bytes:
        out = bytearray()
        for byte in data:
            roll = self.rng.random()
            if roll < noise / 2:
                continue  # a byte lost
            if roll < noise:
                byte ^= 1 << int(self.rng.integers(0, 8))  # a bit flipped
            out.append(byte)
        return bytes(out)

    def write(self, data: bytes) -> None:
        rejected_before = self.decoder.rejected
        for frame in self.decoder.feed(self._line(data, self.noise_up)):
            if frame.kind == FrameType.RESET:
                self.network.reset()
                self.accepted = []
                self.expected = 0
                self.outbox += encode_frame(FrameType.RESET, frame.seq)
            elif frame.seq != self.expected:
                self.outbox += encode_frame(FrameType.ERROR, self.expected, [ErrorReason.OUT_OF_SEQUENCE])
            else:
                codes = np.array(frame.codes(self.manifest.input_channels, self.manifest.input_format.width))
                self.accepted.append(codes)
                output = self.network.step(codes)
                self.outbox += encode_frame(FrameType.SAMPLE, self.expected, pack_codes(output, self.manifest.output_format.width, self.manifest.output_format.signed))
                self.expected = (self.expected + 1) % SEQ_MODULUS
        if self.decoder.rejected != rejected_before:
            self.outbox += encode_frame(FrameType.ERROR, self.expected, [ErrorReason.BAD_CHECK])

    def read(self, timeout: float) -> bytes:
        data, self.outbox = bytes(self.outbox), bytearray()
        return self._line(data, self.noise_down)


# (host->board, board->host) byte error rates: lost or bit-flipped bytes. Lost answers force a RESET and a
# replay of one receptive field, so that direction is kept rarer (a real UART loses far fewer than either).
@pytest.mark.parametrize("noise_up,noise_down,window", [(0.0, 0.0, 8), (0.01, 0.0, 8), (0.01, 0.0, 1),
                                                        (0.002, 0.0005, 8), (0.0, 0.001, 4)])
def test_host_streams_every_sample_once_in_order(noise_up: float, noise_down: float, window: int) -> None:
    manifest = random_manifest("fpga", seed=3)
    fmt = manifest.input_format
    rng = np.random.default_rng(11)
    samples = rng.integers(fmt.min_code, fmt.max_code + 1, (400, manifest.input_channels))
    board = ModelBoard(manifest, noise_up, noise_down, seed=int(noise_up * 1e4 + noise_down * 1e5) + window)
    link = BoardLink(board, manifest.input_channels, manifest.output_channels, fmt.width,
                     receptive_field=manifest.receptive_field, window=window, timeout=0.001, max_timeouts=50)
    actual = link.stream(samples)
    if not link.stats.replays:
        assert_codes_equal(samples, np.array(board.accepted), what="samples the network received", seed=11)
    assert_codes_equal(StreamingNetwork(manifest).run(samples), actual, what="outputs returned to the host", seed=11,
                       width=manifest.output_format.width)
    if noise_up or noise_down:
        assert link.stats.resent + link.stats.replays > 0, "a noisy line must have cost some resends"
    else:
        assert link.stats.resent == link.stats.replays == 0


def test_silent_board_is_reported() -> None:
    class Silent:
        def write(self, data: bytes) -> None:
            pass

        def read(self, timeout: float) -> bytes:
            return b""

    with pytest.raises(LinkError, match="no RESET acknowledgement"):
        BoardLink(Silent(), 4, 4, 16, receptive_field=64, timeout=0.001).reset()


def run_stream_board_script(manifest, arguments: list[str]) -> tuple[int, ModelBoard]:
    """scripts/stream_board.py's main with `arguments`, its serial port a pty served by a noiseless model board;
    its exit status and the board (which records the input vectors it accepted)."""
    import importlib.util
    import os
    import select
    import threading

    from synth.out_of_context import REPO

    master, slave = os.openpty()
    board = ModelBoard(manifest, 0.0, 0.0, seed=1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            if select.select([master], [], [], 0.01)[0]:
                board.write(os.read(master, 4096))
                answer = board.read(0)
                if answer:
                    os.write(master, answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    spec = importlib.util.spec_from_file_location("stream_board", REPO / "scripts" / "stream_board.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    try:
        return script.main([*arguments, "--port", os.ttyname(slave)]), board
    finally:
        stop.set()
        thread.join()
        os.close(master)
        os.close(slave)


def test_stream_board_script_over_a_pseudo_terminal(tmp_path) -> None:
    """scripts/stream_board.py end to end: CSV in, termios serial port (a pty), the model board, CSV out."""
    from golden.manifest import save_manifest

    manifest = random_manifest("fpga", seed=5)
    model = save_manifest(manifest, tmp_path / "fpga.yaml")
    rng = np.random.default_rng(2)
    samples = rng.integers(manifest.input_format.min_code, manifest.input_format.max_code + 1, (150, manifest.input_channels))
    (tmp_path / "in.csv").write_text("a,b,c,d\n" + "\n".join(",".join(map(str, row)) for row in samples) + "\n")
    status, _ = run_stream_board_script(manifest, [str(tmp_path / "in.csv"), str(tmp_path / "out.csv"),
                                                "--model", str(model)])
    assert status == 0
    actual = np.loadtxt(tmp_path / "out.csv", delimiter=",", dtype=np.int64, ndmin=2)
    assert_codes_equal(StreamingNetwork(manifest).run(samples), actual, what="stream_board.py output CSV", seed=2)


def _write_wav(path, pcm: np.ndarray, rate: int) -> None:
    import wave

    with wave.open(str(path), "wb") as stream:
        stream.setnchannels(pcm.shape[1])
        stream.setsampwidth(2)
        stream.setframerate(rate)
        stream.writeframes(pcm.astype("<i2").tobytes())


def test_stream_board_script_wav_in_wav_out(tmp_path) -> None:
    """A mono 16-bit WAV plus constants for the other inputs in, a WAV of the outputs back at the same rate."""
    import wave
    from fractions import Fraction

    from golden.manifest import save_manifest

    manifest = random_manifest("fpga", seed=6)
    model = save_manifest(manifest, tmp_path / "fpga.yaml")
    frac = manifest.input_format.frac
    pcm = np.random.default_rng(3).integers(-32768, 32768, (200, 1))
    pcm[:4, 0] = [-32768, 32767, 4, 12]  # full scale both ways; two ties of the 16 -> Q.12 rounding
    _write_wav(tmp_path / "in.wav", pcm, 22050)
    status, board = run_stream_board_script(manifest, [str(tmp_path / "in.wav"), str(tmp_path / "out.wav"),
                                                "--model", str(model), "--constants", "1,0,-0.5"])
    assert status == 0
    # Expected inputs: audio s / 32768 on the Q grid, ties to even (Python's round on exact fractions).
    audio = [round(Fraction(int(s), 32768) * (1 << frac)) for s in pcm[:, 0]]
    constants = [1 << frac, 0, -(1 << (frac - 1))]
    inputs = np.array([[a, *constants] for a in audio], dtype=np.int64)
    assert_codes_equal(inputs, np.array(board.accepted), what="input vectors from the WAV", seed=3)
    outputs = StreamingNetwork(manifest).run(inputs)
    expected_pcm = np.clip(outputs * (32768 // (1 << frac)), -32768, 32767)  # 1.0 = full scale, clipped
    with wave.open(str(tmp_path / "out.wav"), "rb") as stream:
        assert (stream.getframerate(), stream.getnchannels(), stream.getsampwidth()) == (22050, 4, 2)
        actual = np.frombuffer(stream.readframes(stream.getnframes()), dtype="<i2").reshape(-1, 4)
    assert_codes_equal(expected_pcm, actual.astype(np.int64), what="stream_board.py output WAV", seed=3)


def test_wav_with_the_wrong_channel_count_is_refused(tmp_path) -> None:
    from synth.board.wavfile import WavError, read_wav_inputs

    manifest = random_manifest("fpga", seed=6)
    _write_wav(tmp_path / "stereo.wav", np.zeros((10, 2), dtype=np.int64), 8000)
    with pytest.raises(WavError, match=r"stereo.wav: 2 audio channel\(s\) \+ 1 constant\(s\) given, the model takes 4"):
        read_wav_inputs(tmp_path / "stereo.wav", manifest.input_channels, manifest.input_format, [0.0])
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(WavError, match="text.wav: not a PCM WAV file"):
        read_wav_inputs(tmp_path / "text.wav", manifest.input_channels, manifest.input_format, [0.0, 0.0, 0.0])
