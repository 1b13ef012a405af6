"""Host side of the UART sample protocol: stream input vectors through a board, in order, exactly once.

Go-back-N over synth/board/protocol.py: up to `window` SAMPLE frames are in
flight; outputs come back in seq order. An ERROR frame naming the oldest
unanswered seq, or silence for `timeout` seconds, makes the host resend from
that sample (once per sample for ERRORs: the board answers every stale frame
of the window with the same ERROR). The board drops everything out of
sequence, so no sample reaches the network twice or out of order.
If an output frame is lost, the board is ahead (its ERROR names a later seq);
the network cannot recompute it, so the host RESETs the board and replays the
receptive field before the lost sample, discarding the warm-up outputs: the
network is causal with a finite receptive field, so the outputs from the lost
sample on are exact again.

The serial port is any object with `write(bytes)` and `read(timeout) -> bytes`
(`SerialPort` below uses termios directly, no extra dependency).
"""
from __future__ import annotations

import os
import select
import termios
import time
import tty
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from synth.board.protocol import SEQ_MODULUS, FrameType, board_decoder, encode_reset, encode_sample

DEFAULT_WINDOW = 8  # = the board's output FIFO depth (synth/board/core.py), so it never overflows
MAX_WINDOW = SEQ_MODULUS // 2  # beyond this a 7-bit seq would be ambiguous


class LinkError(RuntimeError):
    """The board stopped answering or answers nonsense; the message says what was last seen."""


class Transport(Protocol):
    def write(self, data: bytes) -> None: ...

    def read(self, timeout: float) -> bytes: ...


@dataclass
class LinkStats:
    resent: int = 0
    errors: int = 0
    timeouts: int = 0
    replays: int = 0
    rejected_frames: int = 0


class BoardLink:
    def __init__(self, port: Transport, input_channels: int, output_channels: int, width: int,
                 receptive_field: int, window: int = DEFAULT_WINDOW, timeout: float = 0.5, max_timeouts: int = 10,
                 out_width: int | None = None, out_signed: bool = True):
        """`width`: bits per input code; `out_width` (default `width`) and `out_signed`: the output codes."""
        if not 1 <= window <= MAX_WINDOW:
            raise ValueError(f"window {window} outside [1, {MAX_WINDOW}]")
        self.port, self.window, self.timeout, self.max_timeouts = port, window, timeout, max_timeouts
        self.input_channels, self.output_channels, self.width = input_channels, output_channels, width
        self.out_width, self.out_signed = out_width or width, out_signed
        self.receptive_field = receptive_field  # inputs one output depends on: what a replay must resend
        self.decoder = board_decoder(output_channels, self.out_width)
        self.stats = LinkStats()

    def reset(self, attempts: int = 5) -> None:
        """Clear the network's history and the board's sequence numbers (RESET, wait for its acknowledgement)."""
        for attempt in range(attempts):
            self.port.write(encode_reset(attempt))
            for frame in self._frames():
                if frame.kind == FrameType.RESET and frame.seq == attempt:
                    return
        raise LinkError(f"no RESET acknowledgement after {attempts} attempts: is the board programmed and "
                        f"the baud rate right?")

    def stream(self, samples: np.ndarray) -> np.ndarray:
        """(T, IN) codes -> (T, OUT) codes, from zero history (the stream starts with a RESET)."""
        samples = np.asarray(samples, dtype=np.int64)
        if samples.ndim != 2 or samples.shape[1] != self.input_channels:
            raise ValueError(f"samples must have shape (T, {self.input_channels}), got {samples.shape}")
        outputs = np.zeros((len(samples), self.output_channels), dtype=np.int64)
        epoch = received = sent = keep_from = 0  # first sample after the last RESET; next answer; next to send
        rewound_for = -1  # the sample we last went back for on an ERROR
        silent = 0
        self.reset()
        while received < len(samples):
            while sent < len(samples) and sent - received < self.window:
                self.port.write(encode_sample((sent - epoch) % SEQ_MODULUS, samples[sent], self.width))
                sent += 1
            frames = self._frames()
            if not frames:
                silent += 1
                self.stats.timeouts += 1
                if silent > self.max_timeouts:
                    raise LinkError(f"no answer for sample {received} after {self.max_timeouts} timeouts of "
                                    f"{self.timeout} s")
                self.stats.resent += sent - received
                sent = received
                continue
            for frame in frames:
                awaited = (received - epoch) % SEQ_MODULUS
                if frame.kind == FrameType.SAMPLE and frame.seq == awaited and received < sent:
                    silent = 0
                    if received >= keep_from:  # replayed warm-up outputs are not the stream's
                        outputs[received] = frame.codes(self.output_channels, self.out_width, self.out_signed)
                    received += 1
                elif frame.kind == FrameType.ERROR:
                    self.stats.errors += 1
                    ahead = (frame.seq - awaited) % SEQ_MODULUS
                    if ahead == 0 and rewound_for != received:
                        rewound_for = received
                        self.stats.resent += sent - received
                        sent = received
                    elif 0 < ahead <= self.window:
                        # The board took samples whose outputs were lost on the line: they cannot be asked
                        # for again, so restart from zero history and replay one receptive field before them.
                        keep_from = max(keep_from, received)
                        epoch = received = sent = max(0, keep_from - (self.receptive_field - 1))
                        rewound_for = -1
                        self.stats.replays += 1
                        self.reset()
                        break
        self.stats.rejected_frames = self.decoder.rejected
        return outputs

    def _frames(self) -> list:
        """The frames completed within `timeout` seconds (returns as soon as there is at least one)."""
        deadline = time.monotonic() + self.timeout
        while True:  # read at least once, even if the deadline passed while this process was not running
            remaining = max(0.0, deadline - time.monotonic())
            frames = list(self.decoder.feed(self.port.read(remaining)))
            if frames or remaining == 0.0:
                return frames


class SerialPort:
    """A raw 8N1 serial port through termios (Linux/macOS), no flow control."""

    def __init__(self, path: Path | str, baud: int):
        speed = getattr(termios, f"B{baud}", None)
        if speed is None:
            raise LinkError(f"{baud} baud is not a termios speed on this system")
        try:
            self.fd = os.open(str(path), os.O_RDWR | os.O_NOCTTY)
        except OSError as error:
            raise LinkError(f"cannot open serial port {path}: {error.strerror}") from None
        tty.setraw(self.fd)
        attributes = termios.tcgetattr(self.fd)
        attributes[4] = attributes[5] = speed  # input and output speed
        attributes[2] &= ~(termios.CSTOPB | termios.PARENB | getattr(termios, "CRTSCTS", 0))
        attributes[2] |= termios.CLOCAL | termios.CREAD | termios.CS8
        termios.tcsetattr(self.fd, termios.TCSANOW, attributes)
        termios.tcflush(self.fd, termios.TCIOFLUSH)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        return os.read(self.fd, 4096) if ready else b""

    def close(self) -> None:
        os.close(self.fd)
