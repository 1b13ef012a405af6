// stream_fork: one valid/ready stream to N consumers, each of which gets
// every word exactly once: the generated network's fork, where a tensor is
// read by several layers (a WaveNet residual or skip connection).
//
// The word on in_data_i is broadcast on out_data_o, and offered to consumer i
// (out_valid_o[i]) until consumer i takes it (out_valid_o[i] & out_ready_i[i]).
// A per-consumer "done" flag remembers a take, so consumers take the word in
// whatever cycles they are ready, in any order; the producer's word is taken
// (in_ready_o) in the cycle its last consumer takes it, and the flags clear
// for the next word. Nothing is stored but the flags: latency 0.
//
// Parameters
//   N  consumers, >= 1 (N = 1 is a wire: no flag is ever set)
//   W  bits of one word, >= 1
//
// Handshake (valid/ready, AXI-Stream-like)
//   in_valid_i & in_ready_o          the producer's word is taken: every consumer
//                                    has taken it, in an earlier cycle or in this
//                                    one. in_ready_o = AND over i of (done[i] |
//                                    out_ready_i[i]): it depends combinationally on
//                                    out_ready_i (ready from ready), never on
//                                    in_valid_i. The producer must hold in_valid_i
//                                    and in_data_i until then (AXI-Stream): a
//                                    partly taken word is still being delivered.
//   out_valid_o[i] & out_ready_i[i]  consumer i takes the word on out_data_o (one
//                                    bus for every consumer). out_valid_o[i] =
//                                    in_valid_i & !done[i]: from in_valid_i and a
//                                    register, never from any out_ready_i, so no
//                                    valid-from-ready loop; it and out_data_o hold
//                                    until the take (the producer holds).
//   rst_i                            clears the flags. A handshake in a reset cycle
//                                    is undefined (AXI-Stream); no handshake carries
//                                    a reset term.
//
// Timing
//   LATENCY = 0: out_valid_o[i] in the cycle in_valid_i rises. One word per
//   cycle when every consumer is ready; a stalled consumer stalls the producer
//   (after every other consumer has taken the word), never loses a word. The
//   paths in_valid_i -> out_valid_o and out_ready_i -> in_ready_o are
//   combinational: a register slice (e.g. a stream_fifo) goes where a top needs
//   one.

`default_nettype none

module stream_fork #(
  parameter int N = 2,
  parameter int W = 256
) (
  input  wire logic         clk_i,
  input  wire logic         rst_i,
  input  wire logic         in_valid_i,
  output      logic         in_ready_o,
  input  wire logic [W-1:0] in_data_i,
  output      logic [N-1:0] out_valid_o,
  input  wire logic [N-1:0] out_ready_i,
  output      logic [W-1:0] out_data_o
);

  logic [N-1:0] done_q;  // consumer i has taken the current word
  logic [N-1:0] served;  // ... or takes it in this cycle (if it is offered)

  assign out_valid_o = {N{in_valid_i}} & ~done_q;
  assign served      = done_q | out_ready_i;
  assign in_ready_o  = &served;
  assign out_data_o  = in_data_i;

  // A flag lives only while the producer's word waits (in_valid_i & !in_ready_o):
  // it clears with the word's last take, and in any cycle without a word (which
  // a holding producer never has mid-word), so the flags are all zero whenever
  // in_valid_i is low and hold no state a proof could not see.
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      done_q <= '0;
    end else begin
      done_q <= (done_q | (out_valid_o & out_ready_i)) & {N{in_valid_i && !in_ready_o}};
    end
  end

  // ---- assertions -----------------------------------------------------------
  // The header's rules, compiled only with ASSERTIONS defined (every cocotb run,
  // make lint, make formal); synthesis never sees this code. Checked from the
  // first reset on (a_armed), outside reset.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  logic         a_was_reset;
  logic         a_was_waiting;  // in_valid_i && !in_ready_o: the producer must hold
  logic [W-1:0] a_was_data;
  logic [N-1:0] a_was_offered;  // out_valid_o & ~out_ready_i: the offer must stay

  always_ff @(posedge clk_i) begin
    a_was_reset   <= rst_i;
    a_was_waiting <= in_valid_i && !in_ready_o;
    a_was_data    <= in_data_i;
    a_was_offered <= out_valid_o & ~out_ready_i;
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      // A flag is set only while a word is partly delivered.
      a_done_only_with_word: assert (in_valid_i || done_q == '0);
      // N = 1 is a wire: its one flag is never set.
      a_single_never_done: assert (N > 1 || done_q == '0);
      if (!a_was_reset) begin
        // The producer holds a word until every consumer has it (AXI-Stream).
        if (a_was_waiting) begin
          a_producer_holds: assert (in_valid_i && in_data_i == a_was_data);
        end
        // An offer not taken stays (one assertion for every consumer).
        a_offer_holds: assert ((a_was_offered & ~out_valid_o) == '0);
      end
    end
  end
`endif

  if (N < 1) begin : g_bad_n
    $error("stream_fork: N must be >= 1");
  end
  if (W < 1) begin : g_bad_width
    $error("stream_fork: W must be >= 1");
  end

endmodule

`default_nettype wire
