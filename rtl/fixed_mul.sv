// fixed_mul: one signed W x W -> 2W multiplier with a registered product.
//
// This is the multiplier interface every datapath block instantiates, so a
// different multiplier (for example a shift-based power-of-two one) can be
// dropped in without touching the blocks around it.
//
// Parameters
//   W  operand width in bits (both operands signed two's complement)
//
// Timing: product_o = a_i * b_i of the previous clock edge (latency 1,
// throughput 1 per cycle). The product is exact: no rounding, no wrap.
// No reset: a pure datapath register (lets synthesis pack it into the DSP).

`default_nettype none

module fixed_mul #(
  parameter int W = 16
) (
  input  wire logic                  clk_i,
  input  wire logic signed [W-1:0]   a_i,
  input  wire logic signed [W-1:0]   b_i,
  output      logic signed [2*W-1:0] product_o
);

  always_ff @(posedge clk_i) begin
    product_o <= a_i * b_i;
  end

endmodule

`default_nettype wire
