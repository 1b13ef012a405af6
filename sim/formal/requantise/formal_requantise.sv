// Property wrapper for requantise: for every accumulator value, q_o equals a
// specification of docs/arithmetic.md sections 4-5 written here independently
// (a SAT check over all inputs: the block is combinational).
//
// Specification, in ACC_W + 2 bits where nothing wraps:
//   1. saturate: s = min(max(acc, qmin * 2^F), qmax * 2^F)
//   2. floor = s >>> F, remainder r = s - floor * 2^F in [0, 2^F)
//      trunc: q = floor
//      rne:   q = floor + (r > 2^(F-1) or (r == 2^(F-1) and floor is odd))
//   3. ReLU: q = max(q, 0)
// Every rounding mode x ReLU setting is checked for two accumulator widths:
// fixed_pkg::acc_width(W, TERMS) as conv1d uses it (TERMS = K * IN_D) and the
// narrowest the block accepts for that, acc_width(W, 1).
//
// To adapt to a new interface, change only the instance in g_variant (and the
// specification function if the arithmetic changes).
//
// Parameters
//   W, F    output format Q(W,F)
//   TERMS   products per accumulator (conv1d's K * IN_D)

`default_nettype none

module formal_requantise #(
  parameter int W     = 16,
  parameter int F     = 12,
  parameter int TERMS = 64
) (
  input wire logic signed [fixed_pkg::acc_width(W, TERMS)-1:0] acc_i
);

  localparam int AccWideW = fixed_pkg::acc_width(W, TERMS);
  localparam int AccNarW  = fixed_pkg::acc_width(W, 1);

  // The specification for an accumulator of `width` bits (acc sign-extended to SpecW).
  localparam int SpecW = AccWideW + 2;

  function automatic logic signed [W-1:0] spec(input logic signed [SpecW-1:0] acc, input bit rne, input bit relu);
    logic signed [SpecW-1:0] qmax_scaled, qmin_scaled, s, floor_q, r, half, q;
    qmax_scaled = ((SpecW'(1) <<< (W - 1)) - 1) <<< F;
    qmin_scaled = -(SpecW'(1) <<< (W - 1)) <<< F;
    s = acc;
    if (s > qmax_scaled) s = qmax_scaled;
    if (s < qmin_scaled) s = qmin_scaled;
    floor_q = s >>> F;
    r       = s - (floor_q <<< F);
    half    = SpecW'(1) <<< (F - 1);
    q       = floor_q;
    if (rne && (r > half || (r == half && floor_q[0]))) q = floor_q + 1;
    if (relu && q < 0) q = '0;
    spec = W'(q);  // yosys's front end takes no `return`
  endfunction

  // One bit per variant (the counterexample shows which); one assertion, because
  // yosys names assertion cells per module, not per generate block.
  logic [7:0] ok;

  for (genvar v = 0; v < 8; v++) begin : g_variant
    localparam bit Rne   = v[0];
    localparam bit Relu  = v[1];
    localparam int AccW  = v[2] ? AccNarW : AccWideW;
    logic signed [AccW-1:0] acc;
    logic signed [W-1:0]    q;
    // the narrow variant sees the low bits of the same input: all its values are covered too
    assign acc = AccW'(acc_i);

    requantise #(
      .ACC_W   (AccW),
      .W       (W),
      .F       (F),
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
