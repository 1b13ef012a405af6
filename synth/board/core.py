"""The platform-independent board core: UART in -> framing -> network -> framing -> UART out.

The generated network (contract 4: clk_i, rst_i, in_valid_i/in_ready_o/in_data_i,
out_valid_o/out_data_o, no output backpressure) is instantiated by name. The
core only feeds it a sample while the output FIFO is sure to have room for the
result: samples inside the network + vectors in the FIFO < FIFO depth.

Frames follow synth/board/protocol.py (docs/uart-protocol.md). A good SAMPLE
frame with the expected seq waits in a one-vector holding register until the
FIFO is sure to have room, then goes to the network through a register at its
port; anything else is dropped and answered with one ERROR frame.
"""
from __future__ import annotations

from dataclasses import dataclass

from amaranth import Cat, ClockDomain, ClockSignal, Const, Elaboratable, Instance, Module, ResetInserter, ResetSignal, Signal
from amaranth.lib.fifo import SyncFIFOBuffered

from synth.board.protocol import DATA_BITS, SEQ_MODULUS, ErrorReason, FrameType, payload_bytes
from synth.board.uart import UartRx, UartTx

DEFAULT_FIFO_DEPTH = 8


@dataclass(frozen=True)
class NetworkPorts:
    """What the core needs to know about the generated network top (its <top>.json, contract 4)."""

    top: str
    input_channels: int
    output_channels: int
    in_width: int  # bits per input code
    out_width: int  # bits per output code (a full-precision output is as wide as its sum)
    parameters: tuple[tuple[str, str | int], ...] = ()  # HDL parameter overrides, e.g. weight file names

    @classmethod
    def from_description(cls, description: dict, parameters: dict[str, str] | None = None) -> "NetworkPorts":
        return cls(description["top"], int(description["input_channels"]), int(description["output_channels"]),
                   int(description["input_width"]), int(description["output_width"]),
                   tuple((parameters or {}).items()))

    @property
    def in_bits(self) -> int:
        return self.input_channels * self.in_width

    @property
    def out_bits(self) -> int:
        return self.output_channels * self.out_width


def crc7_next(crc, byte) -> list:
    """Hardware mirror of protocol.crc7_update: one byte, MSB first, x^7 + x^3 + 1.

    Works on a list of 1-bit expressions (not nested Cat slices, whose
    expression tree would grow exponentially when lowered); returns Cat-able bits.
    """
    bits = [crc[i] for i in range(7)]
    for bit in range(7, -1, -1):
        feedback = byte[bit] ^ bits[6]
        bits = [feedback, bits[0], bits[1], bits[2] ^ feedback, bits[3], bits[4], bits[5]]
    return Cat(*bits)


class SampleCore(Elaboratable):
    """UART + framing + network, in the `sync` domain. Ports: `rx` (line in), `tx` (line out)."""

    def __init__(self, network: NetworkPorts, clocks_per_bit: int, fifo_depth: int = DEFAULT_FIFO_DEPTH):
        # amaranth's SyncFIFOBuffered of depth 2 refuses the second of two back-to-back writes into an empty
        # FIFO (its inner one-entry FIFO is still full while the first moves to the output register), so a
        # network's two-output burst would lose one (sim/board_top flow-control test); from 3 up a burst of
        # `depth` fits, which is what the feed gate assumes.
        if fifo_depth < 3:
            raise ValueError(f"board core: output FIFO depth {fifo_depth} is below 3; a burst of outputs would be lost")
        self.network = network
        self.clocks_per_bit = clocks_per_bit
        self.fifo_depth = fifo_depth
        self.rx = Signal(init=1)
        self.tx = Signal(init=1)
        # Status for LEDs / debugging: a frame was rejected (sticky until reset).
        self.rejected = Signal()

    def elaborate(self, platform) -> Module:
        m = Module()
        net = self.network
        in_bytes, out_bytes = payload_bytes(net.input_channels, net.in_width), payload_bytes(net.output_channels, net.out_width)

        m.submodules.uart_rx = uart_rx = UartRx(self.clocks_per_bit)
        m.submodules.uart_tx = uart_tx = UartTx(self.clocks_per_bit)
        m.d.comb += [uart_rx.rx.eq(self.rx), self.tx.eq(uart_tx.tx)]

        # --- network and its output FIFO -------------------------------------------------
        # A RESET frame: network, FIFO and sequence numbers start over. reset_network is a register set in
        # the cycle after the frame's check byte, so the frame decode stays out of the reset fan-out (the
        # FIFO, the counters, the sequence numbers); everything the RESET clears is cleared in that cycle.
        reset_network = Signal()
        m.d.sync += reset_network.eq(0)
        # The network's reset comes from one more register: it lags the FIFO's reset by a cycle; the
        # network's ports are gated with its rst_i, so nothing is accepted or presented in that cycle and the
        # FIFO stays consistent.
        network_reset = Signal(init=1)
        m.d.sync += network_reset.eq(reset_network)
        in_valid, in_ready, in_data = Signal(), Signal(), Signal(net.in_bits)
        out_valid, out_data = Signal(), Signal(net.out_bits)
        m.submodules.network = Instance(
            net.top,
            **{f"p_{name}": value for name, value in net.parameters},
            i_clk_i=ClockSignal(), i_rst_i=network_reset,
            i_in_valid_i=in_valid, o_in_ready_o=in_ready, i_in_data_i=in_data,
            o_out_valid_o=out_valid, o_out_data_o=out_data,
        )
        fifo = ResetInserter(reset_network)(SyncFIFOBuffered(width=net.out_bits, depth=self.fifo_depth))
        m.submodules.out_fifo = fifo
        m.d.comb += [fifo.w_data.eq(out_data), fifo.w_en.eq(out_valid)]

        # occupied: samples launched towards the network whose output has not been read from the FIFO yet
        # (at its port, inside it, or in the FIFO). Launching only while it is below the depth keeps the FIFO
        # from overflowing. `room` is that comparison one cycle ahead, in a register.
        #
        # The network sits among the DSP columns, far from this logic by the UART pins, so nothing crosses
        # between them combinationally: the sample waits in `held` (here) until there is room, a registered
        # `launch_r` copies it into `port` (registers at the network's input, so in_valid/in_data come
        # straight from flip-flops there), and the network's take comes back through the register `taken`
        # to free the port slot. Four cycles a sample; a frame is a UART character apart at least.
        occupied = Signal(range(self.fifo_depth + 1))
        occupied_next = Signal.like(occupied)
        held_valid, held_data = Signal(), Signal(net.in_bits)  # a good sample waiting for room
        port_valid, port_data = Signal(), Signal(net.in_bits)  # the sample offered to the network
        port_busy = Signal()  # here: a sample launched and not yet reported taken
        launch, launch_r = Signal(), Signal()
        # `taken` only clears port_busy, which every reset clears itself, so no reset reaches it: its D is
        # port_valid & in_ready alone. With the resets folded into logic (synth/control_sets.py), their terms
        # pulled its LUT towards the reset pin, across the die from the network's port (the WaveNet's critical
        # path at one seed, docs/results.md).
        taken = Signal(reset_less=True)
        room = Signal(init=1)
        drained = Signal(init=1)  # occupied == 0, from a register: the error frame's condition reaches the
        # transmit payload's wide load enable (a 100k-MAC build's critical path at one seed)
        m.d.comb += [
            in_valid.eq(port_valid),
            in_data.eq(port_data),
            launch.eq(held_valid & room & ~port_busy),
            occupied_next.eq(occupied + launch - (fifo.r_en & fifo.r_rdy)),
        ]
        m.d.sync += [occupied.eq(occupied_next), room.eq(occupied_next < self.fifo_depth),
                     drained.eq(occupied_next == 0),
                     launch_r.eq(launch), taken.eq(port_valid & in_ready)]
        with m.If(launch_r):
            m.d.sync += [port_valid.eq(1), port_data.eq(held_data)]  # held_data stays until the next frame
        with m.Elif(in_ready):
            m.d.sync += port_valid.eq(0)
        with m.If(launch):
            m.d.sync += port_busy.eq(1)
        with m.Elif(taken):
            m.d.sync += port_busy.eq(0)

        # --- receive: frame parser ---------------------------------------------------------
        expected_seq = Signal(range(SEQ_MODULUS))
        error_pending, error_reason = Signal(), Signal(DATA_BITS)
        ack_pending, ack_seq = Signal(), Signal(DATA_BITS)
        rx_kind, rx_seq, rx_crc = Signal(8), Signal(DATA_BITS), Signal(7)
        rx_payload = Signal(max(in_bytes, 1) * DATA_BITS)
        rx_count = Signal(range(in_bytes + 1))
        byte = uart_rx.data
        is_header = byte[7]
        crc_after_byte = crc7_next(rx_crc, byte)

        # A good frame's payload enters the holding register one cycle after its check byte, from a
        # registered strobe: the frame checks (CRC, seq, overflow) then end at this flip-flop, not at the
        # clock enables of a holding register placed beside the network's input, possibly far away.
        # That cycle is safe: the next byte is a UART character away, and held_valid is 0 in it (an
        # overflow check let the frame through only if the register was empty or being launched).
        load_held = Signal()
        m.d.sync += load_held.eq(0)
        with m.If(load_held):
            m.d.sync += [held_valid.eq(1), held_data.eq(rx_payload[:net.in_bits])]
        with m.Elif(launch):
            m.d.sync += held_valid.eq(0)

        # The payload shift register's clock enable fans out to every payload bit, and the placer spreads
        # those bits towards the network. A registered enable (and byte) keeps the frame decode out of that
        # net: the byte enters a cycle late, long before the check byte that uses the payload.
        payload_shift, payload_byte = Signal(), Signal(DATA_BITS)
        m.d.sync += payload_shift.eq(0)
        with m.If(payload_shift):
            # LSB-first 7-bit groups: each new byte enters at the top.
            m.d.sync += rx_payload.eq(Cat(rx_payload[DATA_BITS:], payload_byte))

        def reject(reason: ErrorReason) -> list:
            return [error_pending.eq(1), error_reason.eq(int(reason)), self.rejected.eq(1)]

        def start_frame() -> None:
            """`byte` is a header: start the frame it announces, or drop an unknown one."""
            m.d.sync += rx_kind.eq(byte)
            m.d.sync += rx_crc.eq(crc7_next(Const(0, 7), byte))
            with m.If((byte == FrameType.SAMPLE) | (byte == FrameType.RESET)):
                m.next = "SEQ"
            with m.Else():
                m.d.sync += reject(ErrorReason.TRUNCATED)
                m.next = "HUNT"

        with m.FSM(name="rx_frame"):
            with m.State("HUNT"):
                with m.If(uart_rx.valid & is_header):
                    start_frame()
            for state in ("SEQ", "PAYLOAD", "CHECK"):
                with m.State(state):
                    with m.If(uart_rx.error):
                        m.d.sync += reject(ErrorReason.TRUNCATED)
                        m.next = "HUNT"
                    with m.Elif(uart_rx.valid & is_header):
                        m.d.sync += reject(ErrorReason.TRUNCATED)  # the unfinished frame is lost
                        start_frame()
                    with m.Elif(uart_rx.valid):
                        m.d.sync += rx_crc.eq(crc_after_byte)
                        if state == "SEQ":
                            m.d.sync += [rx_seq.eq(byte[:DATA_BITS]), rx_count.eq(0)]
                            with m.If(rx_kind == FrameType.SAMPLE):
                                m.next = "PAYLOAD"
                            with m.Else():
                                m.next = "CHECK"
                        elif state == "PAYLOAD":
                            m.d.sync += [payload_shift.eq(1), payload_byte.eq(byte[:DATA_BITS]),
                                         rx_count.eq(rx_count + 1)]
                            with m.If(rx_count == in_bytes - 1):
                                m.next = "CHECK"
                        else:
                            m.next = "HUNT"
                            with m.If(byte[:7] != rx_crc):
                                m.d.sync += reject(ErrorReason.BAD_CHECK)
                            with m.Elif(rx_kind == FrameType.RESET):
                                m.d.sync += reset_network.eq(1)
                            with m.Elif(rx_seq != expected_seq):
                                m.d.sync += reject(ErrorReason.OUT_OF_SEQUENCE)
                            with m.Elif(held_valid & ~launch):
                                m.d.sync += reject(ErrorReason.OVERFLOW)
                            with m.Else():
                                m.d.sync += [load_held.eq(1), expected_seq.eq(expected_seq + 1)]

        # --- transmit: one frame at a time, outputs first -----------------------------------
        tx_header, tx_seq, tx_crc = Signal(8), Signal(DATA_BITS), Signal(7)
        tx_payload = Signal(max(out_bytes, 1) * DATA_BITS)
        tx_length = Signal(range(out_bytes + 1))  # payload bytes of the current frame
        tx_index = Signal(range(out_bytes + 4))  # byte of the frame being offered
        out_seq = Signal(range(SEQ_MODULUS))
        tx_byte = Signal(8)
        with m.If(tx_index == 0):
            m.d.comb += tx_byte.eq(tx_header)
        with m.Elif(tx_index == 1):
            m.d.comb += tx_byte.eq(tx_seq)
        with m.Elif(tx_index < tx_length + 2):
            m.d.comb += tx_byte.eq(tx_payload[:DATA_BITS])
        with m.Else():
            m.d.comb += tx_byte.eq(tx_crc)
        m.d.comb += [uart_tx.data.eq(tx_byte)]

        # As on the receive side, the payload shift's enable is a register (the next byte is read from the
        # payload a UART character later).
        tx_shift = Signal()
        m.d.sync += tx_shift.eq(0)
        with m.If(tx_shift):
            m.d.sync += tx_payload.eq(tx_payload >> DATA_BITS)

        with m.FSM(name="tx_frame"):
            with m.State("IDLE"):
                m.d.sync += [tx_index.eq(0), tx_crc.eq(0)]
                with m.If(ack_pending):
                    m.d.sync += [tx_header.eq(FrameType.RESET), tx_seq.eq(ack_seq), tx_length.eq(0),
                                 ack_pending.eq(0), out_seq.eq(0)]
                    m.next = "SEND"
                with m.Elif(fifo.r_rdy & ~reset_network):
                    m.next = "TAKE"
                with m.Elif(error_pending & ~held_valid & ~load_held & drained):
                    # Only once every accepted sample's output has gone out: an ERROR naming a seq beyond the
                    # host's oldest unanswered sample then proves outputs were lost (docs/uart-protocol.md).
                    m.d.sync += [tx_header.eq(FrameType.ERROR), tx_seq.eq(expected_seq), tx_length.eq(1),
                                 tx_payload.eq(error_reason), error_pending.eq(0)]
                    m.next = "SEND"
            with m.State("TAKE"):
                # The FIFO's head is read a cycle after it was seen ready, so the FIFO's read side stays out of
                # the transmit payload's wide load enable. Nothing else reads the FIFO; only a RESET can
                # empty it in between.
                with m.If(reset_network):
                    m.next = "IDLE"
                with m.Else():
                    m.d.comb += fifo.r_en.eq(1)
                    m.d.sync += [tx_header.eq(FrameType.SAMPLE), tx_seq.eq(out_seq), tx_length.eq(out_bytes),
                                 tx_payload.eq(fifo.r_data), out_seq.eq(out_seq + 1)]
                    m.next = "SEND"
            with m.State("SEND"):
                m.d.comb += uart_tx.valid.eq(1)
                with m.If(uart_tx.ready):
                    m.d.sync += [tx_index.eq(tx_index + 1), tx_crc.eq(crc7_next(tx_crc, tx_byte))]
                    with m.If((tx_index >= 2) & (tx_index < tx_length + 2)):
                        m.d.sync += tx_shift.eq(1)
                    with m.If(tx_index == tx_length + 2):
                        m.next = "IDLE"
        # Last, so it wins over every other assignment in the cycle.
        with m.If(reset_network):
            m.d.sync += [ack_pending.eq(1), ack_seq.eq(rx_seq), expected_seq.eq(0), out_seq.eq(0),
                         occupied.eq(0), room.eq(1), drained.eq(1), held_valid.eq(0), error_pending.eq(0),
                         launch_r.eq(0), port_valid.eq(0), port_busy.eq(0)]
        return m


class StandaloneCore(Elaboratable):
    """The core with plain ports for simulation and out-of-context builds: clk_i, rst_i, rx_i, tx_o."""

    def __init__(self, core: SampleCore):
        self.core = core
        self.clk_i, self.rst_i = Signal(name="clk_i"), Signal(name="rst_i")
        self.rx_i, self.tx_o = Signal(init=1, name="rx_i"), Signal(init=1, name="tx_o")

    def elaborate(self, platform) -> Module:
        m = Module()
        m.domains.sync = ClockDomain("sync")
        m.d.comb += [ClockSignal("sync").eq(self.clk_i), ResetSignal("sync").eq(self.rst_i)]
        m.submodules.core = self.core
        m.d.comb += [self.core.rx.eq(self.rx_i), self.tx_o.eq(self.core.tx)]
        return m

    @property
    def ports(self) -> list[Signal]:
        return [self.clk_i, self.rst_i, self.rx_i, self.tx_o]
