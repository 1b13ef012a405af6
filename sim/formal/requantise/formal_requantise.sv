// Property wrapper for requantise: for every accumulator value, q_o equals a
// specification of docs/arithmetic.md sections 5 and 7.4 written here
// independently (a SAT check over all inputs: the block is combinational).
//
// Specification, in SpecW bits where nothing wraps:
//   1. bounds: signed [-2^(W-1), 2^(W-1)-1], unsigned [0, 2^W-1]; ReLU: lo = 0
//   2. SHIFT > 0: s = clamp(acc, lo * 2^SHIFT, hi * 2^SHIFT), floor = s >>> SHIFT,
//                 r = s - floor * 2^SHIFT; trunc: q = floor;
//                 rne: q = floor + (r > 2^(SHIFT-1) or (r == 2^(SHIFT-1) and floor odd))
//      SHIFT <= 0: q = clamp(acc * 2^-SHIFT, lo, hi)
// Every rounding mode x ReLU setting is checked for two accumulator widths:
// ACC_W (as the layer uses it) and a narrower one, ACC_NARROW_W.
//
// To adapt to a new interface, change only the instance in g_variant (and the
// specification function if the arithmetic changes).
//
// Parameters
//   ACC_W, ACC_NARROW_W  the two accumulator widths checked
//   W, SHIFT, SIGNED     output width, accumulator minus output fractional bits, output range

`default_nettype none

module formal_requantise #(
  parameter int ACC_W        = 38,
  parameter int ACC_NARROW_W = 31,
  parameter int W            = 16,
  parameter int SHIFT        = 12,
  parameter bit SIGNED       = 1'b1
) (
  input wire logic signed [ACC_W-1:0] acc_i
);

  localparam int Up    = (SHIFT > 0) ? SHIFT : 0;
  localparam int Left  = (SHIFT < 0) ? -SHIFT : 0;
  localparam int SpecW = ACC_W + W + Up + Left + 4;

  function automatic logic [W-1:0] spec(input logic signed [SpecW-1:0] acc, input bit rne, input bit relu);
    logic signed [SpecW-1:0] hi, lo, s, floor_q, r, half, q;
    hi = SIGNED ? ((SpecW'(1) <<< (W - 1)) - 1) : ((SpecW'(1) <<< W) - 1);
    lo = (SIGNED && !relu) ? -(SpecW'(1) <<< (W - 1)) : '0;
    if (SHIFT > 0) begin
      s = acc;
      if (s > (hi <<< Up)) s = hi <<< Up;
      if (s < (lo <<< Up)) s = lo <<< Up;
      floor_q = s >>> Up;
      r       = s - (floor_q <<< Up);
      half    = SpecW'(1) <<< (Up - 1);
      q       = floor_q;
      if (rne && (r > half || (r == half && floor_q[0]))) q = floor_q + 1;
    end else begin
      q = acc <<< Left;
      if (q > hi) q = hi;
      if (q < lo) q = lo;
    end
    spec = W'(q);  // yosys's front end takes no `return`
  endfunction

  // One bit per variant (the counterexample shows which); one assertion, because
  // yosys names assertion cells per module, not per generate block.
  logic [7:0] ok;

  for (genvar v = 0; v < 8; v++) begin : g_variant
    localparam bit Rne  = v[0];
    localparam bit Relu = v[1];
    localparam int AccW = v[2] ? ACC_NARROW_W : ACC_W;
    logic signed [AccW-1:0] acc;
    logic [W-1:0]           q;
    // the narrow variant sees the low bits of the same input: all its values are covered too
    assign acc = AccW'(acc_i);

    requantise #(
      .ACC_W   (AccW),
      .W       (W),
      .SHIFT   (SHIFT),
      .SIGNED  (SIGNED),
      .ROUNDING(Rne ? fixed_pkg::RoundRne : fixed_pkg::RoundTrunc),
      .RELU    (Relu)
    ) u_dut (
      .acc_i(acc),
      .q_o  (q)
    );

    assign ok[v] = (q == spec(SpecW'(acc), Rne, Relu));
  end

  always_comb begin
    a_equals_spec: assert (&ok);  // ok[v]: v[0] rne, v[1] ReLU, v[2] narrow ACC_W
  end

endmodule

`default_nettype wire
