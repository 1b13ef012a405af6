// stream_join: N valid/ready streams into one whose word is their
// concatenation: the operands of the generated network's element-wise layers
// (a residual add, a gated unit's multiply), one word from each input per
// transfer.
//
// Input j's word is WIDTHS[j] bits wide and sits at [OFF_j +: WIDTHS[j]] of
// in_data_i, OFF_j = the sum of WIDTHS[k] for k < j (input 0 in the least
// significant bits); out_data_o is the same concatenation, so the join adds
// no logic to the data, only the handshake. Inputs may have different widths
// (tensors of different formats); the widths are a table parameter, one
// 32-bit field per input, as in rtl/pool_output_stage.sv.
//
// Parameters
//   N        inputs, >= 1
//   WIDTHS   per input j: its word's bits, >= 1, at [j*32 +: 32]
//   TOTAL_W  the concatenation's bits: must equal the sum of WIDTHS (checked at
//            elaboration)
//
// Handshake (valid/ready, AXI-Stream-like)
//   out_valid_o & out_ready_i        one word is taken from every input at once.
//                                    out_valid_o = AND of in_valid_i: from the
//                                    inputs' valids only, never from a ready.
//   in_valid_i[j] & in_ready_o[j]    input j's word is taken; in_ready_o[j] =
//                                    out_ready_i & out_valid_o (all inputs valid),
//                                    so every input is taken in the same cycle and
//                                    an input that arrives early waits (the
//                                    generator puts a stream_fifo in front of it,
//                                    sized from the branch latencies). Every
//                                    producer must hold its valid and word until
//                                    taken (AXI-Stream): out_valid_o and
//                                    out_data_o then hold until the take.
//   rst_i                            unused: the join has no state (clk_i and
//                                    rst_i only clock its assertions). A handshake
//                                    in a reset cycle is undefined (AXI-Stream).
//
// Timing
//   LATENCY = 0, combinational: in_valid_i -> out_valid_o and out_ready_i ->
//   in_ready_o. One word per cycle when every input is valid and the consumer
//   is ready.

`default_nettype none

module stream_join #(
  parameter int               N       = 2,
  parameter logic [N*32-1:0]  WIDTHS  = {N{32'd128}},
  parameter int               TOTAL_W = 256
) (
  input  wire logic               clk_i,
  input  wire logic               rst_i,
  input  wire logic [N-1:0]       in_valid_i,
  output      logic [N-1:0]       in_ready_o,
  input  wire logic [TOTAL_W-1:0] in_data_i,
  output      logic               out_valid_o,
  input  wire logic               out_ready_i,
  output      logic [TOTAL_W-1:0] out_data_o
);

  // The sum of the first `count` widths: input `count`'s offset (N: the total).
  function automatic int width_sum_below(input logic [N*32-1:0] widths, input int count);
    width_sum_below = 0;
    for (int j = 0; j < count; j++) width_sum_below = width_sum_below + int'(widths[j*32 +: 32]);
  endfunction

  function automatic int width_min(input logic [N*32-1:0] widths);
    width_min = int'(widths[31:0]);
    for (int j = 1; j < N; j++) begin
      if (int'(widths[j*32 +: 32]) < width_min) width_min = int'(widths[j*32 +: 32]);
    end
  endfunction

  assign out_valid_o = &in_valid_i;
  assign in_ready_o  = {N{out_ready_i && out_valid_o}};
  assign out_data_o  = in_data_i;

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

  logic               a_was_reset;
  logic [N-1:0]       a_was_waiting;  // in_valid_i & ~in_ready_o: input j must hold
  logic [TOTAL_W-1:0] a_was_data;
  logic [N-1:0]       a_holds;        // input j held its valid and word (or was not waiting)

  always_ff @(posedge clk_i) begin
    a_was_reset   <= rst_i;
    a_was_waiting <= in_valid_i & ~in_ready_o;
    a_was_data    <= in_data_i;
  end

  for (genvar j = 0; j < N; j++) begin : g_a_input
    localparam int Off = width_sum_below(WIDTHS, j);
    localparam int Wj  = int'(WIDTHS[j*32 +: 32]);
    assign a_holds[j] = !a_was_waiting[j]
                        || (in_valid_i[j] && in_data_i[Off +: Wj] == a_was_data[Off +: Wj]);
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i && !a_was_reset) begin
      // Every producer holds its valid and its word until taken (AXI-Stream),
      // so out_valid_o and out_data_o hold while the consumer waits.
      a_inputs_hold: assert (&a_holds);
    end
  end
`else
  logic unused_clock;  // clk_i and rst_i clock the assertions only
  assign unused_clock = ^{clk_i, rst_i};
`endif

  if (N < 1) begin : g_bad_n
    $error("stream_join: N must be >= 1");
  end
  if (width_min(WIDTHS) < 1) begin : g_bad_widths
    $error("stream_join: every WIDTHS field must be >= 1");
  end
  if (width_sum_below(WIDTHS, N) != TOTAL_W) begin : g_bad_total
    $error("stream_join: TOTAL_W must be the sum of WIDTHS");
  end

endmodule

`default_nettype wire
