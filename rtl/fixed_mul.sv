// fixed_mul: one exact A_W x B_W multiplier with a registered product.
//
// This is the multiplier interface every datapath block instantiates, so a
// different multiplier (for example a shift-based power-of-two one) can be
// dropped in without touching the blocks around it.
//
// Parameters
//   A_W       width of a_i; A_SIGNED = 0 reads it as unsigned (a ReLU output)
//   B_W       width of b_i, always signed two's complement (weights)
//
// Timing: product_o = a_i * b_i of the previous clock edge (latency 1,
// throughput 1 per cycle). The product is exact in A_W + B_W signed bits:
// |a*b| <= 2^(A_W-1) * 2^(B_W-1) signed, < 2^A_W * 2^(B_W-1) unsigned. No
// rounding, no wrap. Operands wider than 18 bits are split by yosys into
// several MULT18X18D plus adders (docs/arithmetic.md section 3); the product
// stays exact, which sim/network_netlist checks at gate level.
// No reset: a pure datapath register (lets synthesis pack it into the DSP).

`default_nettype none

module fixed_mul #(
  parameter int A_W      = 16,
  parameter int B_W      = 16,
  parameter bit A_SIGNED = 1'b1
) (
  input  wire logic                       clk_i,
  input  wire logic [A_W-1:0]             a_i,
  input  wire logic signed [B_W-1:0]      b_i,
  output      logic signed [A_W+B_W-1:0]  product_o
);

  // a as a signed operand: an unsigned code gains a zero sign bit.
  logic signed [A_W:0] a_ext;
  assign a_ext = A_SIGNED ? {a_i[A_W-1], a_i} : {1'b0, a_i};

  logic signed [A_W+B_W:0] full;
  assign full = a_ext * b_i;

  always_ff @(posedge clk_i) begin
    product_o <= full[A_W+B_W-1:0];  // the top bit only repeats the sign (see Timing)
  end

  logic unused_full_top;
  assign unused_full_top = full[A_W+B_W];

  if (A_W < 2 || B_W < 2) begin : g_bad_width
    $error("fixed_mul: A_W and B_W must be at least 2");
  end

endmodule

`default_nettype wire
