// Property wrapper for fixed_mul: the registered product is exact for every
// pair of W-bit signed operands.
//
// Two specifications, both in 2W bits where the exact product cannot wrap
// (|a * b| <= 2^(2W-2)):
//   wide       both operands sign-extended to 2W bits, then multiplied: the
//              integer product by the definition of bit-vector arithmetic.
//              Catches a dropped operand sign, a product kept in fewer than
//              2W bits, rounding; the solver proves it at any width.
//   schoolbook (SCHOOLBOOK = 1) the sum of shifted partial products of two's
//              complement numbers, a * b = sum_{i<W-1} b[i] * (a << i)
//              - b[W-1] * (a << (W-1)), written without `*`. A multiplier
//              equivalence is hard for SAT, so this runs at a small width
//              only, where it also shows the two specifications agree.
//
// Parameters
//   W           operand width of the multiplier under proof
//   SCHOOLBOOK  1: also assert the schoolbook specification
//   LATENCY     fixed_mul's register stages (1: product; 2: operands and product)

`default_nettype none

module formal_fixed_mul #(
  parameter int W          = 18,
  parameter bit SCHOOLBOOK = 1'b0,
  parameter int LATENCY    = 1
) (
  input wire logic                clk_i,
  input wire logic signed [W-1:0] a_i,
  input wire logic signed [W-1:0] b_i
);

  logic signed [2*W-1:0] product;

  fixed_mul #(.A_W(W), .B_W(W), .LATENCY(LATENCY)) u_dut (
    .clk_i,
    .a_i,
    .b_i,
    .product_o(product)
  );

  // The operands of the product the DUT shows now (LATENCY cycles ago).
  logic [1:0]            cycles = '0;  // since the start, saturating at LATENCY
  logic signed [W-1:0]   a_pipe [LATENCY];
  logic signed [W-1:0]   b_pipe [LATENCY];
  logic signed [W-1:0]   a_q;
  logic signed [W-1:0]   b_q;
  logic signed [2*W-1:0] expected;     // schoolbook
  logic signed [2*W-1:0] expected_wide;

  assign expected_wide = (2*W)'(a_q) * (2*W)'(b_q);  // casts sign-extend: a_q, b_q are signed

  always_ff @(posedge clk_i) begin
    if (32'(cycles) < LATENCY) cycles <= cycles + 1'b1;
    a_pipe[0]  <= a_i;
    b_pipe[0]  <= b_i;
    for (int i = 1; i < LATENCY; i++) begin
      a_pipe[i] <= a_pipe[i-1];
      b_pipe[i] <= b_pipe[i-1];
    end
  end
  assign a_q = a_pipe[LATENCY-1];
  assign b_q = b_pipe[LATENCY-1];

  always_comb begin
    expected = '0;
    for (int i = 0; i < W; i++) begin
      if (b_q[i]) begin
        if (i == W - 1) begin
          expected = expected - ((2*W)'(a_q) <<< i);
        end else begin
          expected = expected + ((2*W)'(a_q) <<< i);
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (32'(cycles) == LATENCY) begin
      a_product_exact: assert (product == expected_wide);
      if (SCHOOLBOOK) begin
        a_product_schoolbook: assert (product == expected);
      end
    end
  end

endmodule

`default_nettype wire
