// float32_round: a positive integer rounded to 24 significant bits, half to
// even -- what QKeras's quantized_relu does to a raw sum when it casts it to
// float32 before quantising (docs/arithmetic.md section 5). Combinational.
//
//   value <= 0           passes unchanged (a ReLU maps it to 0 either way:
//                        float32 keeps the sign)
//   bit length L <= 24   unchanged (float32 holds it exactly)
//   L > 24               drop D = L - 24 bits, round half to even
//
// Parameters
//   ACC_W  width of the signed input; the output has one more bit, because
//          rounding up may carry into it
//
// The position of the leading one is found as a smeared mask (every bit at and
// below it set); shifting that mask right by 24 leaves exactly the D dropped
// bits, so no shifter or priority encoder is needed.

`default_nettype none

module float32_round #(
  parameter int ACC_W = 40
) (
  input  wire logic signed [ACC_W-1:0] value_i,
  output      logic signed [ACC_W:0]   value_o
);

  localparam int Significand = 24;

  logic [ACC_W-1:0] smear;     // ones from the leading one of value_i down to bit 0
  logic [ACC_W-1:0] dropped;   // the D low bits that float32 cannot keep
  logic [ACC_W-1:0] half;      // the highest dropped bit
  logic [ACC_W-1:0] lsb_kept;  // the lowest kept bit's position
  logic             round_up;
  logic [ACC_W:0]   truncated;

  always_comb begin
    smear = value_i;
    for (int i = 1; i < ACC_W; i = i * 2) begin
      smear = smear | (smear >> i);
    end
  end

  if (ACC_W > Significand) begin : g_round
    assign dropped  = smear >> Significand;
    assign half     = dropped & ~(dropped >> 1);
    assign lsb_kept = (dropped << 1) & ~dropped;
    // above half, or exactly half and the kept part odd
    assign round_up = ((value_i & half) != '0)
                      && (((value_i & (dropped >> 1)) != '0) || ((value_i & lsb_kept) != '0));
    assign truncated = {1'b0, value_i & ~dropped};
    assign value_o = (value_i[ACC_W-1] || value_i == '0) ? {value_i[ACC_W-1], value_i}
                   : $signed(truncated + (round_up ? {1'b0, lsb_kept} : '0));
  end else begin : g_exact
    assign dropped   = '0;
    assign half      = '0;
    assign lsb_kept  = '0;
    assign round_up  = 1'b0;
    assign truncated = '0;
    assign value_o   = {value_i[ACC_W-1], value_i};
  end

  logic unused;
  assign unused = ^{smear, dropped, half, lsb_kept, round_up, truncated};

endmodule

`default_nettype wire
