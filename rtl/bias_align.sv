// bias_align: a layer's exact sum and its bias on one grid (docs/arithmetic.md:
// the sum of products carries the product's fractional bits, the bias its own;
// the finer one wins and nothing is rounded):
//
//   acc_o = (sum_i <<< PROD_SHIFT) + (bias_i <<< BIAS_SHIFT)       (SUBTRACT = 0)
//   acc_o = (bias_i <<< BIAS_SHIFT) - (sum_i <<< PROD_SHIFT)       (SUBTRACT = 1)
//
// both operands sign-extended to ACC_W first. The one copy of the rule in RTL:
// conv1d, po2_baked_conv (whose baked adder tree may hand over a negated sum)
// and pool_output_stage instantiate it; golden.kinds.conv1d computes the shifts
// and ACC_W (fixed_pkg::layer_acc_width), which is wide enough that nothing wraps.
//
// Parameters
//   SUM_W, BIAS_W           input widths (signed)
//   ACC_W                   output width, >= both shifted inputs
//   PROD_SHIFT, BIAS_SHIFT  the alignment shifts, >= 0
//   SUBTRACT                1: the bias minus the sum
//
// Combinational: no clock, no handshake.

`default_nettype none

module bias_align #(
  parameter int SUM_W      = 32,
  parameter int BIAS_W     = 16,
  parameter int ACC_W      = 40,
  parameter int PROD_SHIFT = 0,
  parameter int BIAS_SHIFT = 12,
  parameter bit SUBTRACT   = 1'b0
) (
  input  wire logic signed [SUM_W-1:0]  sum_i,
  input  wire logic signed [BIAS_W-1:0] bias_i,
  output      logic signed [ACC_W-1:0]  acc_o
);

  logic signed [ACC_W-1:0] sum_aligned;
  logic signed [ACC_W-1:0] bias_aligned;

  assign sum_aligned  = ACC_W'(sum_i) <<< PROD_SHIFT;
  assign bias_aligned = ACC_W'(bias_i) <<< BIAS_SHIFT;

  if (SUBTRACT) begin : g_subtract
    assign acc_o = bias_aligned - sum_aligned;
  end else begin : g_add
    assign acc_o = sum_aligned + bias_aligned;
  end

  if (PROD_SHIFT < 0 || BIAS_SHIFT < 0) begin : g_bad_shift
    $error("bias_align: PROD_SHIFT and BIAS_SHIFT must be >= 0");
  end
  if (SUM_W > ACC_W || BIAS_W > ACC_W) begin : g_bad_width
    $error("bias_align: ACC_W must hold both inputs");
  end

endmodule

`default_nettype wire
