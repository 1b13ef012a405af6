// requantise: accumulator Q(ACC_W, 2F) -> output code Q(W, F), combinational.
//
// Implements section 4 and 5 of docs/arithmetic.md:
//   1. saturate acc to [qmin * 2^F, qmax * 2^F]
//   2. drop F bits: ROUNDING = fixed_pkg::RoundTrunc -> floor (arithmetic shift),
//                   ROUNDING = fixed_pkg::RoundRne   -> round half to even (QKeras tf.round)
//   3. RELU = 1 -> clamp below at zero
//
// Parameters
//   ACC_W     accumulator width in bits (must exceed W + F)
//   W, F      output format Q(W,F)
//   ROUNDING  fixed_pkg::RoundTrunc (0) or fixed_pkg::RoundRne (1)
//   RELU      1 to apply ReLU after requantisation

`default_nettype none

module requantise #(
  parameter int    ACC_W    = 38,
  parameter int    W        = 16,
  parameter int    F        = 12,
  parameter int    ROUNDING = fixed_pkg::RoundRne,
  parameter bit    RELU     = 1'b0
) (
  input  wire logic signed [ACC_W-1:0] acc_i,
  output      logic signed [W-1:0]     q_o
);

  localparam bit RoundNearestEven = (ROUNDING == fixed_pkg::RoundRne);

  // Saturation bounds at the accumulator's scale: qmax << F and qmin << F.
  localparam logic signed [ACC_W-1:0] AccMax = ACC_W'(((64'sd1 <<< (W - 1)) - 64'sd1) <<< F);
  localparam logic signed [ACC_W-1:0] AccMin = ACC_W'(-(64'sd1 <<< (W - 1)) <<< F);

  // The dropped bits below the half-LSB position; empty (zero) when F == 1.
  localparam logic [F-1:0] BelowHalf = F'((64'd1 << (F - 1)) - 64'd1);

  logic signed [ACC_W-1:0] saturated;
  logic signed [W-1:0] floor_q;
  logic [F-1:0] dropped;
  logic round_up;
  logic signed [W-1:0] rounded;

  always_comb begin
    if (acc_i > AccMax) begin
      saturated = AccMax;
    end else if (acc_i < AccMin) begin
      saturated = AccMin;
    end else begin
      saturated = acc_i;
    end
    floor_q = saturated[F+W-1:F];  // saturated: the bits above are sign copies
    dropped = saturated[F-1:0];
    if (RoundNearestEven) begin
      // above half, or exactly half and the kept part is odd
      round_up = dropped[F-1] & ((|(dropped & BelowHalf)) | floor_q[0]);
    end else begin
      round_up = 1'b0;
    end
    // floor_q + round_up stays inside Q(W,F): the saturated bounds are multiples of 2^F
    rounded = floor_q + W'({1'b0, round_up});
    if (RELU && rounded[W-1]) begin
      q_o = '0;
    end else begin
      q_o = rounded;
    end
  end

  // Above the kept field the saturated value only repeats its sign.
  logic unused_sign_copies;
  assign unused_sign_copies = ^saturated[ACC_W-1:F+W];

  // Elaboration-time checks of the parameters.
  if (ROUNDING != fixed_pkg::RoundRne && ROUNDING != fixed_pkg::RoundTrunc) begin : g_bad_rounding
    $error("requantise: ROUNDING must be fixed_pkg::RoundTrunc or fixed_pkg::RoundRne");
  end
  if (F < 1 || F > W - 1) begin : g_bad_frac
    $error("requantise: F must be in [1, W-1]");
  end
  if (ACC_W <= W + F) begin : g_bad_acc
    $error("requantise: ACC_W must exceed W + F");
  end

endmodule

`default_nettype wire
