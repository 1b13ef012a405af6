// layer_output_stage: one output column of a layer core: the exact aligned sum
// (sum of products + bias) -> the layer's output code (docs/arithmetic.md 5, 7).
// Shared by every core (conv1d, po2_baked_conv) so the output arithmetic has one copy.
//
//   FULL_PRECISION  y = acc (no output stage; YW must equal ACC_W)
//   FLOAT32_INPUT   y = requantise(float32_round(acc)), the rounding registered
//                   (QKeras's quantized_relu on a raw sum)
//   otherwise       y = requantise(acc): saturate, drop Y_SHIFT bits with ROUNDING, ReLU
//
// Parameters
//   ACC_W          width of the signed exact sum acc_i
//   YW, Y_SIGNED   output code width and range
//   Y_SHIFT        accumulator fractional bits - output fractional bits (any sign)
//   FULL_PRECISION 1: y = acc
//   ROUNDING       fixed_pkg::RoundRne (1) or fixed_pkg::RoundTrunc (0)
//   RELU           1: clamp below at zero
//   FLOAT32_INPUT  1: round acc to 24 significant bits first (needs RELU and an output stage)
//
// Timing: combinational from acc_i to q_o, except with FLOAT32_INPUT: the float32
// rounding has a register stage of its own (loaded when valid_i is high), so q_o
// follows acc_i of the cycle valid_i was high, one clock later. In series with
// the requantiser the rounding was the critical path (31 logic levels on the 85F).
// valid_i is unused otherwise.

`default_nettype none

module layer_output_stage #(
  parameter int ACC_W          = 38,
  parameter int YW             = 16,
  parameter bit Y_SIGNED       = 1'b1,
  parameter int Y_SHIFT        = 12,
  parameter bit FULL_PRECISION = 1'b0,
  parameter int ROUNDING       = fixed_pkg::RoundRne,
  parameter bit RELU           = 1'b1,
  parameter bit FLOAT32_INPUT  = 1'b0
) (
  input  wire logic                    clk_i,
  input  wire logic                    valid_i,
  input  wire logic signed [ACC_W-1:0] acc_i,
  output      logic [YW-1:0]           q_o
);

  if (FULL_PRECISION) begin : g_full
    assign q_o = acc_i;
    logic unused_full;
    assign unused_full = ^{clk_i, valid_i};
  end else if (FLOAT32_INPUT) begin : g_float32
    logic signed [ACC_W:0] rounded;
    logic signed [ACC_W:0] rounded_q;
    float32_round #(.ACC_W(ACC_W)) u_float32 (
      .value_i(acc_i),
      .value_o(rounded)
    );
    always_ff @(posedge clk_i) begin
      if (valid_i) rounded_q <= rounded;
    end
    requantise #(
      .ACC_W   (ACC_W + 1),
      .W       (YW),
      .SHIFT   (Y_SHIFT),
      .SIGNED  (Y_SIGNED),
      .ROUNDING(ROUNDING),
      .RELU    (RELU)
    ) u_requantise (
      .acc_i(rounded_q),
      .q_o  (q_o)
    );
  end else begin : g_requantise
    requantise #(
      .ACC_W   (ACC_W),
      .W       (YW),
      .SHIFT   (Y_SHIFT),
      .SIGNED  (Y_SIGNED),
      .ROUNDING(ROUNDING),
      .RELU    (RELU)
    ) u_requantise (
      .acc_i(acc_i),
      .q_o  (q_o)
    );
    logic unused_requantise;
    assign unused_requantise = ^{clk_i, valid_i};
  end

  if (FULL_PRECISION && YW != ACC_W) begin : g_bad_full
    $error("layer_output_stage: a full-precision output needs YW == ACC_W");
  end
  if (FLOAT32_INPUT && (!RELU || FULL_PRECISION)) begin : g_bad_float32
    $error("layer_output_stage: FLOAT32_INPUT models QKeras's quantized_relu: it needs RELU and an output stage");
  end

endmodule

`default_nettype wire
