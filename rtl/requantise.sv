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

  // The saturation test and the rounding add work side by side on acc_i, so
  // the path is max(compare, add) + one multiplexer instead of their sum.
  // Equivalent to saturating first: inside the bounds saturated == acc_i, and
  // at or past a bound the result is that bound's code, which rounding from an
  // exact multiple of 2^F could never change.
  logic signed [W-1:0] kept;     // acc_i >>> F, meaningful when not saturating
  logic [F-1:0]        dropped;
  logic                round_up;
  logic                above;
  logic                below;
  logic signed [W-1:0] rounded;

  always_comb begin
    above   = (acc_i > AccMax);
    below   = (acc_i < AccMin);
    kept    = acc_i[F+W-1:F];
    dropped = acc_i[F-1:0];
    if (RoundNearestEven) begin
      // above half, or exactly half and the kept part is odd
      round_up = dropped[F-1] & ((|(dropped & BelowHalf)) | kept[0]);
    end else begin
      round_up = 1'b0;
    end
    if (above) begin
      rounded = W'(AccMax >>> F);
    end else if (below) begin
      rounded = W'(AccMin >>> F);
    end else begin
      // inside the bounds kept + round_up <= qmax: acc_i <= qmax << F leaves no room to round past it
      rounded = kept + W'({1'b0, round_up});
    end
    if (RELU && rounded[W-1]) begin
      q_o = '0;
    end else begin
      q_o = rounded;
    end
  end

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
