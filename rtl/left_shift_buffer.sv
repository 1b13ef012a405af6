// left_shift_buffer: the last LENGTH input vectors as one window, newest on top.
//
// A shift register of LENGTH slots of CHANNELS*W bits: each push moves every
// slot down by one (slot s takes slot s+1, the oldest falls out of slot 0) and
// writes the new vector into slot LENGTH-1. Reset clears every slot, which is
// the causal zero padding: before LENGTH pushes the older slots read zero.
// This is golden.fast.left_shift_buffer, i.e. activation_cache with dilation 1,
// kept in registers because the window is read all at once (no memory).
//
// Parameters
//   W         element width in bits (signed; the block only moves bits)
//   CHANNELS  elements per vector
//   LENGTH    vectors in the window, >= 1
//
// Handshake (valid only, no backpressure; the block accepts one vector per cycle)
//   in_valid_i   push in_data_i (channel c at [c*W +: W])
//   out_valid_o  one-cycle pulse per push: window_o holds the updated window,
//                slot s at [s*CHANNELS*W +: CHANNELS*W] (channel c of slot s at
//                [(s*CHANNELS + c)*W +: W]), slot LENGTH-1 the vector just
//                pushed, slot 0 the oldest. window_o holds its value until
//                the next push.
//
// Timing
//   LATENCY = 1: a vector driven in cycle c gives out_valid_o high in cycle
//   c + 1 with the window that includes it. Pushes may follow each other with
//   no gap, so throughput is one vector per cycle.

`default_nettype none

module left_shift_buffer #(
  parameter int W        = 16,
  parameter int CHANNELS = 4,
  parameter int LENGTH   = 4
) (
  input  wire logic                         clk_i,
  input  wire logic                         rst_i,
  input  wire logic                         in_valid_i,
  input  wire logic [CHANNELS*W-1:0]        in_data_i,
  output      logic                         out_valid_o,
  output      logic [LENGTH*CHANNELS*W-1:0] window_o
);

  localparam int VecW    = CHANNELS * W;
  localparam int WindowW = LENGTH * VecW;

  // The newest vector enters at the top; the rest move down one slot.
  logic [WindowW-1:0] window_next;

  if (LENGTH > 1) begin : g_shift
    assign window_next = {in_data_i, window_o[WindowW-1:VecW]};
  end else begin : g_single
    assign window_next = in_data_i;
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      window_o    <= '0;
      out_valid_o <= 1'b0;
    end else begin
      out_valid_o <= in_valid_i;
      if (in_valid_i) window_o <= window_next;
    end
  end

  // ---- assertions -----------------------------------------------------------
  // The header's rules, compiled only with ASSERTIONS defined: every cocotb run
  // (Verilator --assert) and make formal (yosys -formal) define it; synthesis
  // never sees this code. Checked from the first reset on (a_armed), outside reset.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  logic               a_was_reset;
  logic               a_was_valid;
  logic [VecW-1:0]    a_was_data;
  logic [WindowW-1:0] a_was_window;

  always_ff @(posedge clk_i) begin
    a_was_reset  <= rst_i;
    a_was_valid  <= in_valid_i && !rst_i;
    a_was_data   <= in_data_i;
    a_was_window <= window_o;
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      // LATENCY = 1: out_valid_o in the cycle after each push, never otherwise.
      a_out_valid_latency: assert (out_valid_o == a_was_valid);
      if (a_was_reset) begin
        // Reset is the causal zero padding.
        a_zero_after_reset: assert (window_o == '0);
      end else if (out_valid_o) begin
        // The newest vector in slot LENGTH-1.
        a_newest_on_top: assert (window_o[WindowW-1 -: VecW] == a_was_data);
      end else begin
        // window_o holds until the next push.
        a_window_holds: assert (window_o == a_was_window);
      end
    end
  end
`endif

  if (LENGTH < 1) begin : g_bad_length
    $error("left_shift_buffer: LENGTH must be >= 1");
  end

endmodule

`default_nettype wire
