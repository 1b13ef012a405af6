// requantise: an exact sum with S more fractional bits than the output -> an
// output code of W bits, combinational (docs/arithmetic.md section 5).
//
//   1. saturate acc to [lo * 2^S, hi * 2^S], where [lo, hi] is the output
//      range: signed [-2^(W-1), 2^(W-1)-1] or unsigned [0, 2^W-1], and lo is
//      raised to 0 by RELU
//   2. S > 0: drop S bits, ROUNDING = fixed_pkg::RoundTrunc -> floor,
//             fixed_pkg::RoundRne -> round half to even (QKeras tf.round)
//      S <= 0: shift left by -S (exact; the output has more fractional bits)
//
// Parameters
//   ACC_W     accumulator width in bits (signed)
//   W         output width in bits
//   SHIFT     S = accumulator fractional bits - output fractional bits (any sign)
//   SIGNED    1: signed output range; 0: unsigned (QKeras quantized_relu,
//             quantized_bits keep_negative=0)
//   ROUNDING  fixed_pkg::RoundTrunc (0) or fixed_pkg::RoundRne (1)
//   RELU      1 to clamp below at zero

`default_nettype none

module requantise #(
  parameter int ACC_W    = 38,
  parameter int W        = 16,
  parameter int SHIFT    = 12,
  parameter bit SIGNED   = 1'b1,
  parameter int ROUNDING = fixed_pkg::RoundRne,
  parameter bit RELU     = 1'b0
) (
  input  wire logic signed [ACC_W-1:0] acc_i,
  output      logic [W-1:0]            q_o
);

  localparam int Up = (SHIFT > 0) ? SHIFT : 0;
  // Comparison width: holds the accumulator and the bounds scaled by 2^SHIFT.
  localparam int CW = ((ACC_W > W + Up) ? ACC_W : W + Up) + 2;
  localparam logic signed [CW-1:0] Hi = SIGNED ? ((CW'(1) <<< (W - 1)) - CW'(1)) : ((CW'(1) <<< W) - CW'(1));
  localparam logic signed [CW-1:0] Lo = (RELU || !SIGNED) ? '0 : -(CW'(1) <<< (W - 1));

  logic signed [CW-1:0] acc_x;
  assign acc_x = CW'(acc_i);  // sign-extended

  if (SHIFT > 0) begin : g_drop
    // The saturation test and the rounding add work side by side on acc_i, so
    // the path is max(compare, add) + one multiplexer instead of their sum.
    // Equivalent to saturating first: inside the bounds saturated == acc_i, and
    // at or past a bound the result is that bound's code, which rounding from an
    // exact multiple of 2^SHIFT could never change.
    localparam logic signed [CW-1:0] AccHi = Hi <<< SHIFT;
    localparam logic signed [CW-1:0] AccLo = Lo <<< SHIFT;
    logic signed [CW-1:0] kept;
    logic                 round_up;
    logic signed [CW-1:0] rounded;

    assign kept = acc_x >>> SHIFT;
    if (ROUNDING == fixed_pkg::RoundRne && SHIFT == 1) begin : g_rne_1
      assign round_up = acc_x[0] & kept[0];  // exactly half: up only to even
    end else if (ROUNDING == fixed_pkg::RoundRne) begin : g_rne
      // above half, or exactly half and the kept part is odd
      assign round_up = acc_x[SHIFT-1] & ((|acc_x[SHIFT-2:0]) | kept[0]);
    end else begin : g_trunc
      assign round_up = 1'b0;
    end
    // inside the bounds kept + round_up <= hi: acc <= hi << S leaves no room to round past it
    assign rounded = kept + CW'(round_up);

    always_comb begin
      if (acc_x > AccHi) begin
        q_o = Hi[W-1:0];
      end else if (acc_x < AccLo) begin
        q_o = Lo[W-1:0];
      end else begin
        q_o = rounded[W-1:0];
      end
    end

    logic unused_rounded;
    assign unused_rounded = ^rounded[CW-1:W];
  end else begin : g_widen
    localparam int Left = -SHIFT;
    localparam logic signed [CW-1:0] AccHi = Hi >>> Left;      // largest acc whose shifted value fits
    localparam logic signed [CW-1:0] AccLo = -((-Lo) >>> Left);  // smallest
    logic signed [CW-1:0] shifted;
    assign shifted = acc_x <<< Left;

    always_comb begin
      if (acc_x > AccHi) begin
        q_o = Hi[W-1:0];
      end else if (acc_x < AccLo) begin
        q_o = Lo[W-1:0];
      end else begin
        q_o = shifted[W-1:0];
      end
    end

    logic unused_shifted;
    assign unused_shifted = ^shifted[CW-1:W];
  end

  // Elaboration-time checks of the parameters.
  if (ROUNDING != fixed_pkg::RoundRne && ROUNDING != fixed_pkg::RoundTrunc) begin : g_bad_rounding
    $error("requantise: ROUNDING must be fixed_pkg::RoundTrunc or fixed_pkg::RoundRne");
  end
  if (W < 2 || ACC_W < 2) begin : g_bad_width
    $error("requantise: W and ACC_W must be at least 2");
  end

endmodule

`default_nettype wire
