// Property wrapper for po2_mul: for every input and every weight code, the
// registered product equals a * weight scaled by 2^-EMIN, where the weight is
// decoded here independently of the shifter: 0 for the zero flag, otherwise
// (-1)^negative * 2^offset, computed as a multiplication by a one-hot constant
// in a width where nothing wraps. Offsets past EXP_SPAN never occur in golden
// codes and are assumed away.
//
// Parameters
//   A_W, A_SIGNED, EXP_SPAN  the multiplier under proof

`default_nettype none

module formal_po2_mul #(
  parameter int A_W      = 8,
  parameter bit A_SIGNED = 1'b1,
  parameter int EXP_SPAN = 7
) (
  input wire logic                 clk_i,
  input wire logic [A_W-1:0]       a_i,
  input wire logic [fixed_pkg::index_width(EXP_SPAN + 1) + 1:0] b_i
);

  localparam int EW = fixed_pkg::index_width(EXP_SPAN + 1);
  localparam int PW = A_W + EXP_SPAN + 2;
  localparam int SW = PW + 2;  // the specification's width: nothing wraps

  logic signed [PW-1:0] product;

  po2_mul #(.A_W(A_W), .A_SIGNED(A_SIGNED), .EXP_SPAN(EXP_SPAN)) u_dut (
    .clk_i,
    .a_i,
    .b_i,
    .product_o(product)
  );

  // the weight as an integer: 0, or +-(one-hot at the offset)
  logic signed [SW-1:0] a_value;
  logic signed [SW-1:0] weight;
  logic signed [SW-1:0] expected_now;
  assign a_value      = A_SIGNED ? SW'($signed(a_i)) : SW'(a_i);
  assign weight       = b_i[EW+1] ? '0 : (b_i[EW] ? -(SW'(1) << b_i[EW-1:0]) : (SW'(1) << b_i[EW-1:0]));
  assign expected_now = a_value * weight;

  logic signed [SW-1:0] expected;
  logic                 primed = 1'b0;
  always_ff @(posedge clk_i) begin
    expected <= expected_now;
    primed   <= 1'b1;
  end

  always_comb begin
    assume (32'(b_i[EW-1:0]) <= EXP_SPAN);
    if (primed) begin
      a_product_exact: assert (SW'(product) == expected);
    end
  end

endmodule

`default_nettype wire
