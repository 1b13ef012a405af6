"""The whole board core, UART bytes in -> network -> UART bytes out, bit-exact against the golden network.

The amaranth core (synth/board/core.py) is converted to Verilog and simulated
with the generated network SystemVerilog. The bench speaks the protocol of
synth/board/protocol.py over the rx/tx lines, bit by bit, with a UART bit time
of a few clocks. Besides streaming, it sends what a noisy cable delivers -- a
frame with a bad check byte, a frame cut short, line noise, a frame out of
sequence, a frame with a missing stop bit -- and checks each is rejected with
the right ERROR frame, that nothing reaches the network, and that streaming
resumes from the seq the board names; a fault while a sample is still inside
the network is reported only after that sample's output. A RESET frame mid-stream must restart
the network from zero history. Every output vector is compared with
golden.network.StreamingNetwork over exactly the accepted samples.
"""
from __future__ import annotations

import os
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge, with_timeout

from golden.compare import assert_codes_equal
from simlib.seed import base_seed, derived_seed
from synth.board.protocol import (
    ErrorReason, Frame, FrameType, board_decoder, encode_frame, encode_reset, encode_sample, pack_codes,
)

CLOCK_NS = 10
CLOCKS_PER_BIT = 8  # a short bit time keeps the simulation fast; the UART is the same code at any divisor
WINDOW = 4  # samples in flight, like the host script's default window


class BoardBench:
    """Owns the clock, a UART driver on rx_i, a UART monitor on tx_o and the frame bookkeeping."""

    def __init__(self, dut):
        self.dut = dut
        stimulus = np.load(os.environ["BOARD_STIMULUS"])
        self.width = int(stimulus["in_width"])
        self.out_width, self.out_signed = int(stimulus["out_width"]), bool(stimulus["out_signed"])
        self.out_channels = int(stimulus["output_channels"])
        self.first, self.second = stimulus["first"], stimulus["second"]
        self.expected_first, self.expected_second = stimulus["expected_first"], stimulus["expected_second"]
        self.frames: list[Frame] = []
        self.decoder = board_decoder(self.out_channels, self.out_width)
        self.rng = np.random.default_rng(derived_seed(f"board-top-{os.environ['SIM_TAG']}"))
        dut.rx_i.value = 1
        dut.rst_i.value = 1

    async def start(self) -> None:
        cocotb.start_soon(Clock(self.dut.clk_i, CLOCK_NS, unit="ns").start())
        await ClockCycles(self.dut.clk_i, 4)
        await FallingEdge(self.dut.clk_i)
        self.dut.rst_i.value = 0
        cocotb.start_soon(self._monitor())

    async def send_bytes(self, data: bytes, stop_bit: int = 1) -> None:
        for byte in data:
            for bit in [0, *((byte >> i) & 1 for i in range(8)), stop_bit]:
                self.dut.rx_i.value = bit
                await ClockCycles(self.dut.clk_i, CLOCKS_PER_BIT, rising=False)
            self.dut.rx_i.value = 1
            if not stop_bit:
                await ClockCycles(self.dut.clk_i, CLOCKS_PER_BIT, rising=False)

    async def _monitor(self) -> None:
        """Receive bytes from tx_o (sampled mid-bit) and decode frames as the host would."""
        while True:
            await FallingEdge(self.dut.tx_o)
            await ClockCycles(self.dut.clk_i, CLOCKS_PER_BIT // 2)
            assert self.dut.tx_o.value == 0, "tx_o: start bit shorter than half a bit"
            byte = 0
            for index in range(8):
                await ClockCycles(self.dut.clk_i, CLOCKS_PER_BIT)
                byte |= int(self.dut.tx_o.value) << index
            await ClockCycles(self.dut.clk_i, CLOCKS_PER_BIT)
            assert self.dut.tx_o.value == 1, f"tx_o: missing stop bit after byte 0x{byte:02X}"
            self.frames.extend(self.decoder.feed(bytes([byte])))

    async def next_frame(self, timeout_bits: int = 400) -> Frame:
        for _ in range(timeout_bits):
            if self.frames:
                return self.frames.pop(0)
            await ClockCycles(self.dut.clk_i, CLOCKS_PER_BIT)
        raise AssertionError(f"no frame from the board within {timeout_bits} bit times")

    async def expect(self, kind: FrameType, seq: int, reason: ErrorReason | None = None) -> Frame:
        try:
            frame = await self.next_frame()
        except AssertionError as error:
            raise AssertionError(f"expected {kind.name} seq {seq}: {error}") from None
        assert (frame.kind, frame.seq) == (kind, seq), f"expected {kind.name} seq {seq}, got {frame}"
        if reason is not None:
            assert frame.reason == reason, f"expected ERROR {reason.name}, got {frame.reason!r} ({frame})"
        return frame

    async def stream(self, samples: np.ndarray, first_seq: int, window: int = WINDOW) -> list[np.ndarray]:
        """Send samples with up to `window` in flight, like the host; the output vectors in order."""
        outputs: list[np.ndarray] = []
        sent = 0
        while len(outputs) < len(samples):
            if sent < len(samples) and sent - len(outputs) < window:
                await self.send_bytes(encode_sample((first_seq + sent) % 128, samples[sent], self.width))
                sent += 1
                if not self.frames:
                    continue
            frame = await self.expect(FrameType.SAMPLE, (first_seq + len(outputs)) % 128)
            outputs.append(np.array(frame.codes(self.out_channels, self.out_width, self.out_signed)))
        return outputs

    async def disturbed(self, fault: str, seq: int, sample: np.ndarray) -> np.ndarray:
        """With nothing in flight: inject `fault`, check the board rejects it and still expects `seq`,
        then send the good frame for `seq` (error_while_busy: the good frame first, then the fault);
        its output vector."""
        good = encode_sample(seq, sample, self.width)
        if fault == "error_while_busy":
            # The next frame fails (its seq byte loses the stop bit) while `seq` is still inside the network:
            # two bytes take fewer clocks than the network's latency. The ERROR must wait until that
            # sample's output has gone out, so an ERROR naming seq + 1 proves the output of seq was sent.
            await self.send_bytes(good)
            await self.send_bytes(bytes([int(FrameType.SAMPLE)]))
            await self.send_bytes(bytes([(seq + 1) % 128]), stop_bit=0)
            frame = await self.expect(FrameType.SAMPLE, seq)
            await self.expect(FrameType.ERROR, (seq + 1) % 128, ErrorReason.TRUNCATED)
            await ClockCycles(self.dut.clk_i, 30 * CLOCKS_PER_BIT)
            assert not self.frames, f"extra frames after the {fault} fault: {self.frames}"
            return np.array(frame.codes(self.out_channels, self.out_width, self.out_signed))
        if fault == "bad_check":
            bad = bytearray(good)
            bad[2] ^= 0x01  # one payload bit flipped: the check byte no longer matches
            await self.send_bytes(bytes(bad))
            await self.expect(FrameType.ERROR, seq, ErrorReason.BAD_CHECK)
        elif fault == "truncated":
            await self.send_bytes(good[: len(good) // 2])  # cut short by the good frame's header
        elif fault == "noise":
            await self.send_bytes(bytes(int(b) for b in self.rng.integers(0, 0x80, 7)))  # no header bit: ignored
        elif fault == "out_of_sequence":
            await self.send_bytes(encode_sample((seq + 5) % 128, sample, self.width))
            await self.expect(FrameType.ERROR, seq, ErrorReason.OUT_OF_SEQUENCE)
        elif fault == "missing_stop_bit":
            await self.send_bytes(good[:3])
            await self.send_bytes(good[3:4], stop_bit=0)
            await self.expect(FrameType.ERROR, seq, ErrorReason.TRUNCATED)
        elif fault == "unknown_header":
            await self.send_bytes(encode_frame(FrameType.ERROR, seq, [1]))  # only the board sends ERROR
            await self.expect(FrameType.ERROR, seq, ErrorReason.TRUNCATED)
        else:
            raise ValueError(f"unknown fault {fault!r}")
        await self.send_bytes(good)
        if fault == "truncated":  # the good frame's header cut the half frame short: ERROR before its output
            await self.expect(FrameType.ERROR, seq, ErrorReason.TRUNCATED)
        frame = await self.expect(FrameType.SAMPLE, seq)
        await ClockCycles(self.dut.clk_i, 30 * CLOCKS_PER_BIT)
        assert not self.frames, f"extra frames after the {fault} fault: {self.frames}"
        return np.array(frame.codes(self.out_channels, self.out_width, self.out_signed))


FAULTS = ("bad_check", "truncated", "noise", "out_of_sequence", "missing_stop_bit", "unknown_header",
          "error_while_busy")


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def run_board(dut):
    tb = BoardBench(dut)
    dut._log.info("board core: %d + %d samples, %d clocks per bit, SIM_SEED=%d", len(tb.first), len(tb.second),
                  CLOCKS_PER_BIT, base_seed())
    await tb.start()
    await tb.send_bytes(encode_reset(5))
    await tb.expect(FrameType.RESET, 5)
    # Stream 1: clean runs with one fault between them; the faulted sample is then sent properly.
    runs = np.array_split(np.arange(len(tb.first)), len(FAULTS) + 1)
    actual: list[np.ndarray] = []
    for index, run in enumerate(runs):
        actual += await tb.stream(tb.first[run[0]:run[-1]], run[0] % 128)
        if index < len(FAULTS):
            actual.append(await tb.disturbed(FAULTS[index], run[-1] % 128, tb.first[run[-1]]))
        else:
            actual += await tb.stream(tb.first[run[-1]:run[-1] + 1], run[-1] % 128)
    assert_codes_equal(tb.expected_first, np.array(actual), what="board core outputs (stream 1, with faults)",
                       seed=base_seed(), width=tb.out_width)
    # RESET mid-stream: zero history and seq 0 again, exactly like a fresh golden network.
    await tb.send_bytes(encode_reset(77))
    await tb.expect(FrameType.RESET, 77)
    actual = await tb.stream(tb.second, 0)
    assert_codes_equal(tb.expected_second, np.array(actual), what="board core outputs (stream 2, after RESET)",
                       seed=base_seed(), width=tb.out_width)


# --- flow control against a network that releases its outputs in bursts -----------------------------------
FLOW_FIFO_DEPTH = 3  # a small output FIFO, so the core's gate (network + FIFO < depth) really closes
FLOW_WIDTH = 16  # one 16-bit signed channel in and out
FLOW_BURST, FLOW_TIMEOUT = 4, 3000  # bursty_network.sv: a burst at 4 held samples, or after 3,000 cycles (> the host's 5 frames)


@cocotb.test(timeout_time=200, timeout_unit="ms")
async def run_flow_control(dut):
    """An identity network that holds samples and releases them back to back (bursty_network.sv).

    The core may let in only FIFO-depth samples at a time, whatever the network's latency. A host
    that overruns the window (depth + 1 frames: depth in flight, one in the holding register) gets
    exactly its accepted outputs, then one ERROR OVERFLOW naming the first dropped frame; a core
    whose gate let the third sample in would answer that frame with an output instead (and, in a
    longer burst, drop outputs at the full FIFO). Then a window of depth + 1 streams with no error.
    """
    tb = BoardBench(dut)
    await tb.start()
    await tb.send_bytes(encode_reset(9))
    await tb.expect(FrameType.RESET, 9)
    depth = FLOW_FIFO_DEPTH
    samples = tb.first
    for seq in range(depth + 2):  # back to back, no waiting: one frame more than the core can hold
        await tb.send_bytes(encode_sample(seq, samples[seq], tb.width))
    actual = []
    for seq in range(depth + 1):  # depth in flight + the held one: all accepted, in order
        frame = await tb.expect(FrameType.SAMPLE, seq)
        actual.append(np.array(frame.codes(tb.out_channels, tb.out_width, tb.out_signed)))
    await tb.expect(FrameType.ERROR, depth + 1, ErrorReason.OVERFLOW)
    # depth + 1 in flight is what the FIFO and the holding register take without an overflow
    actual += await tb.stream(samples[depth + 1:], depth + 1, window=depth + 1)
    await ClockCycles(dut.clk_i, 3 * FLOW_TIMEOUT)
    assert not tb.frames, f"extra frames after the stream: {tb.frames}"
    assert_codes_equal(tb.expected_first, np.array(actual), what="board core outputs through a bursty network",
                       seed=base_seed(), width=tb.out_width)


def network_for(model: str, work: Path):
    """Generate the network RTL for a committed model (or its random-weight stand-in): (manifest, description)."""
    from golden.manifest import load_manifest
    from golden.rtlgen.top import export_network, plan_network
    from synth.board.fallback_model import model_manifest

    path, _ = model_manifest(model, work)
    manifest = load_manifest(path)
    return manifest, export_network(plan_network(manifest), work / "rtl").description


def run_core(core, network_sources: list, work: Path, tag: str, testcase: str, stimulus: Path,
             optimise: bool = True) -> None:
    """Convert the amaranth core to Verilog, build it with the network's sources and run one cocotb test."""
    from cocotb_tools.runner import get_runner

    from simlib.runner import ASSERTION_ARGS, OBJECT_CACHE, PORTS_ONLY_ARGS
    from synth.board.verilog import to_verilog
    from synth.toolchain import verilator_environment

    core_file = work / "board_core.v"
    core_file.write_text(to_verilog(core, core.ports, "board_core"))
    os.environ.update(verilator_environment(dict(os.environ), object_cache=OBJECT_CACHE))
    runner = get_runner("verilator")
    build_dir = work / "sim_build"
    runner.build(sources=[*network_sources, core_file], hdl_toplevel="board_core", build_dir=build_dir,
                 build_args=[*(["-O3"] if optimise else []), "-Wno-fatal", "-Wno-lint", "-Wno-style",
                             "--x-assign", "unique", "--x-initial", "unique", *ASSERTION_ARGS, *PORTS_ONLY_ARGS],
                 timescale=("1ns", "1ps"))
    state_seed = derived_seed(f"initial-state-board-top-{tag}") % (1 << 31) + 1
    runner.test(hdl_toplevel="board_core", test_module="test_board_top", testcase=testcase, test_dir=build_dir,
                build_dir=build_dir, plusargs=["+verilator+rand+reset+2", f"+verilator+seed+{state_seed}"],
                extra_env={"SIM_TAG": tag, "BOARD_STIMULUS": str(stimulus)})


@pytest.mark.parametrize("model", ["fpga", "mcu"])
def test_board_top(model: str) -> None:
    from golden.network import StreamingNetwork
    from golden.waveshaping import network_input
    from simlib.runner import BUILD
    from synth.board.core import NetworkPorts, SampleCore, StandaloneCore

    work = BUILD / "board_top" / model
    work.mkdir(parents=True, exist_ok=True)
    manifest, description = network_for(model, work)
    core = StandaloneCore(SampleCore(NetworkPorts.from_description(description), CLOCKS_PER_BIT))

    fmt = manifest.input_format
    rng = np.random.default_rng(derived_seed(f"board-top-stimulus-{model}"))
    # Full-range random codes (saturation, sign bits in every payload byte), then the waveshaping input.
    first = rng.integers(fmt.min_code, fmt.max_code + 1, (240, manifest.input_channels)).astype(np.int64)
    second = network_input("sine", 60, manifest.input_channels, fmt, seed=derived_seed(f"board-top-wave-{model}"))
    stimulus = work / "stimulus.npz"
    np.savez(stimulus, in_width=fmt.width, out_width=manifest.output_format.width,
             out_signed=manifest.output_format.signed, output_channels=manifest.output_channels, first=first, second=second,
             expected_first=StreamingNetwork(manifest).run(first), expected_second=StreamingNetwork(manifest).run(second))

    run_core(core, description["sources"], work, model, "run_board", stimulus)


def test_board_flow_control() -> None:
    from simlib.runner import BUILD
    from synth.board.core import NetworkPorts, SampleCore, StandaloneCore

    work = BUILD / "board_top" / "flow_control"
    work.mkdir(parents=True, exist_ok=True)
    network = NetworkPorts("bursty_network", 1, 1, FLOW_WIDTH, FLOW_WIDTH,
                           (("BITS", FLOW_WIDTH), ("BURST", FLOW_BURST), ("TIMEOUT", FLOW_TIMEOUT)))
    core = StandaloneCore(SampleCore(network, CLOCKS_PER_BIT, fifo_depth=FLOW_FIFO_DEPTH))
    rng = np.random.default_rng(derived_seed("board-flow-control-stimulus"))
    first = rng.integers(-(1 << (FLOW_WIDTH - 1)), 1 << (FLOW_WIDTH - 1), (40, 1)).astype(np.int64)
    stimulus = work / "stimulus.npz"
    # The stand-in network is an identity: its outputs are its inputs, whatever the bursts.
    np.savez(stimulus, in_width=FLOW_WIDTH, out_width=FLOW_WIDTH, out_signed=True, output_channels=1, first=first,
             second=first[:0], expected_first=first, expected_second=first[:0])

    run_core(core, [Path(__file__).parent / "bursty_network.sv"], work, "flow_control", "run_flow_control", stimulus,
             optimise=False)
