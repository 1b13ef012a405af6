// po2_mul: a times a signed power of two, as a shift: the multiplier
// interface of fixed_mul (clk_i, a_i, b_i, product_o; registered, latency 1)
// for weights stored as sign and exponent (the po2 layer kind). No multiplier:
// a shifter over the layer's EXP_SPAN + 1 exponents, a negation and a zero.
//
//   b_i = {zero, negative, offset[EW-1:0]},  weight = (zero ? 0 : (negative ? -1 : 1) * 2^(offset + EMIN))
//   product_o = a * weight * 2^-EMIN = (zero ? 0 : +-(a << offset))
//
// The product is the exact integer a * code of the equivalent fixed-point
// kernel Q(EXP_SPAN + 2, -EMIN) (docs/arithmetic.md 7.7), so it lines up with
// fixed_mul's A_W + KW product bits, KW = EXP_SPAN + 2; EMIN itself only moves
// the binary point and is not a parameter here. golden.kinds.po2 writes the codes.
//
// Parameters
//   A_W, A_SIGNED  width of a_i; A_SIGNED = 0 reads it as unsigned (a ReLU output)
//   EXP_SPAN       EMAX - EMIN >= 0: the largest shift
//   B_W            width of b_i: EW + 2, EW = max(1, clog2(EXP_SPAN + 1))
//                  (checked at elaboration)
//
// Timing: product_o = a_i * weight(b_i) of the previous clock edge (latency 1,
// throughput 1 per cycle). Exact in A_W + EXP_SPAN + 2 signed bits:
// |a << offset| <= 2^(A_W - 1 + EXP_SPAN) signed, < 2^(A_W + EXP_SPAN) unsigned,
// and its negation fits too (the most negative input negated is positive here).
// An offset above EXP_SPAN (no valid code has one) still gives a defined value.
// No reset: a pure datapath register, like fixed_mul's.

`default_nettype none

module po2_mul #(
  parameter int A_W      = 16,
  parameter bit A_SIGNED = 1'b1,
  parameter int EXP_SPAN = 15,
  parameter int B_W      = fixed_pkg::index_width(EXP_SPAN + 1) + 2
) (
  input  wire logic                                clk_i,
  input  wire logic [A_W-1:0]                      a_i,
  input  wire logic [B_W-1:0]                      b_i,
  output      logic signed [A_W+EXP_SPAN+2-1:0]    product_o
);

  localparam int EW = fixed_pkg::index_width(EXP_SPAN + 1);
  localparam int PW = A_W + EXP_SPAN + 2;

  logic          zero;
  logic          negative;
  logic [EW-1:0] offset;
  assign zero     = b_i[EW+1];
  assign negative = b_i[EW];
  assign offset   = b_i[EW-1:0];

  // a as a signed PW-bit operand: an unsigned code gains zero bits, a signed one its sign.
  logic signed [PW-1:0] a_ext;
  assign a_ext = A_SIGNED ? PW'($signed(a_i)) : PW'(a_i);

  // The shifter covers only the layer's exponents: offsets 0..EXP_SPAN.
  logic signed [PW-1:0] shifted;
  assign shifted = a_ext <<< offset;

  always_ff @(posedge clk_i) begin
    if (zero) begin
      product_o <= '0;
    end else if (negative) begin
      product_o <= -shifted;
    end else begin
      product_o <= shifted;
    end
  end

  if (A_W < 2) begin : g_bad_width
    $error("po2_mul: A_W must be at least 2");
  end
  if (EXP_SPAN < 0) begin : g_bad_span
    $error("po2_mul: EXP_SPAN must be >= 0");
  end
  if (B_W != EW + 2) begin : g_bad_code
    $error("po2_mul: B_W must be clog2(EXP_SPAN + 1) + 2 (at least 3): {zero, negative, offset}");
  end

endmodule

`default_nettype wire
