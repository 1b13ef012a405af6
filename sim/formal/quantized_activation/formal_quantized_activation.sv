// Property wrapper for quantized_activation (two channels): every result is the
// activation of the sample it came from, and the activation is monotone.
//
//   thresholds respected (TABLE = 1): each channel's output == FIRST + #{j :
//     T_j <= x}, counted here over the table given as a parameter (THRESHOLDS),
//     while the core searches its ROM (THRESHOLDS_FILE, the same table padded to
//     2^S - 1 words): a wrong address, compare, clamp of the padding or count bit
//     fails it;
//   the line (TABLE = 0): each output == clip(round_half_even(p * 2^YFrac)) with
//     p = slope * x / 2^shift (+ 1/2 for the sigmoid), written here from QKeras's
//     definition (golden/activations.py) in exact integers: no clamp of the input,
//     no alignment to the core's accumulator, no requantise;
//   monotone: with x0 <= x1 (signed or unsigned as X_SIGNED), y0 <= y1 (signed for
//     tanh): a larger input never gives a smaller output.
// Checked whenever y_valid_o is high, against the taps of the last accepted start
// (one sample at a time: the next start is accepted in the cycle its result is
// taken, at the earliest). The first cycle is a reset; later resets, starts and
// the consumer's ready are free. The core's own assertions (LAT, one at a time,
// no overwrite, y_o holds) are proof obligations too.
//
// Parameters: the core's (rtl/quantized_activation.sv), CHANNELS = 2, and
//   THRESHOLDS  the table, T_j (j from 1) at [(j-1)*XW +: XW] (TABLE = 1)

`default_nettype none

module formal_quantized_activation #(
  parameter int XW              = 5,
  parameter bit X_SIGNED        = 1'b1,
  parameter int X_FRAC          = 2,
  parameter int LANES           = 2,
  parameter bit SIGMOID         = 1'b0,
  parameter int BITS            = 4,
  parameter bit TABLE           = 1'b1,
  parameter bit SMOOTH          = 1'b0,
  parameter int STEPS           = 15,
  parameter int FIRST           = 8,  // the 4-bit pattern of -8
  parameter bit ROM_REG         = 1'b0,
  parameter     THRESHOLDS_FILE = "fv_tanh4_q5_2.hex",
  parameter logic [((STEPS > 0) ? STEPS : 1)*XW-1:0] THRESHOLDS = 75'h148310821003fff779a
) (
  input wire logic          clk_i,
  input wire logic          rst_i,
  input wire logic          start_i,
  input wire logic [2*XW-1:0] taps_i,
  input wire logic          y_ready_i
);

  localparam int Slope = SMOOTH ? 3 : 1;
  localparam int Shift = SIGMOID ? (SMOOTH ? 4 : 1) : (SMOOTH ? 3 : 0);
  localparam int YFrac = SIGMOID ? BITS : BITS - 1;
  localparam int E     = X_FRAC + Shift - YFrac;  // p * 2^YFrac = (slope * x + half) / 2^E in input codes
  localparam int Up    = (E > 0) ? E : 0;
  localparam int Left  = (E < 0) ? -E : 0;
  localparam int SpecW = XW + BITS + Up + Left + 8;

  logic                 ready;
  logic                 y_valid;
  logic [2*BITS-1:0]    y;

  quantized_activation #(
    .XW(XW), .X_SIGNED(X_SIGNED), .X_FRAC(X_FRAC), .CHANNELS(2), .LANES(LANES), .SIGMOID(SIGMOID), .BITS(BITS),
    .TABLE(TABLE), .SMOOTH(SMOOTH), .STEPS(STEPS), .FIRST(FIRST), .ROM_REG(ROM_REG),
    .THRESHOLDS_FILE(THRESHOLDS_FILE)
  ) u_dut (
    .clk_i,
    .rst_i,
    .start_i,
    .ready_o  (ready),
    .taps_i,
    .y_valid_o(y_valid),
    .y_ready_i,
    .y_o      (y)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;
  always_comb begin
    if (!past_valid) assume (rst_i);
  end

  // An input code as a signed SpecW-bit number.
  function automatic logic signed [SpecW-1:0] value(input logic [XW-1:0] code);
    value = X_SIGNED ? SpecW'($signed(code)) : SpecW'($signed({1'b0, code}));
  endfunction

  function automatic logic signed [SpecW-1:0] spec(input logic [XW-1:0] code);
    logic signed [SpecW-1:0] x, n, q, r, half, lo, hi;
    x = value(code);
    if (TABLE) begin
      q = SpecW'(FIRST) - ((!SIGMOID && FIRST >= (1 << (BITS - 1))) ? (SpecW'(1) <<< BITS) : '0);  // its value
      for (int j = 0; j < STEPS; j++) begin
        if (value(THRESHOLDS[j*XW +: XW]) <= x) q = q + 1;
      end
    end else begin
      if (E > 0) begin
        n = Slope * x + (SIGMOID ? (SpecW'(1) <<< (YFrac - 1 + Up)) : '0);
        q = n >>> Up;
        r = n - (q <<< Up);
        half = SpecW'(1) <<< (Up - 1);
        if (r > half || (r == half && q[0])) q = q + 1;
      end else begin
        q = ((Slope * x) <<< Left) + (SIGMOID ? (SpecW'(1) <<< (YFrac - 1)) : '0);
      end
      lo = SIGMOID ? '0 : -(SpecW'(1) <<< (BITS - 1));
      hi = SIGMOID ? ((SpecW'(1) <<< BITS) - 1) : ((SpecW'(1) <<< (BITS - 1)) - 1);
      if (q < lo) q = lo;
      if (q > hi) q = hi;
    end
    spec = q;
  endfunction

  function automatic logic signed [SpecW-1:0] output_value(input logic [BITS-1:0] code);
    output_value = SIGMOID ? SpecW'($signed({1'b0, code})) : SpecW'($signed(code));
  endfunction

  // The taps of the last accepted start.
  logic [2*XW-1:0] x_rec;
  always_ff @(posedge clk_i) begin
    if (start_i && ready) x_rec <= taps_i;
  end

  logic [1:0] ok;
  logic       monotone;
  for (genvar c = 0; c < 2; c++) begin : g_channel
    assign ok[c] = output_value(y[c*BITS +: BITS]) == spec(x_rec[c*XW +: XW]);
  end
  assign monotone = !(value(x_rec[XW-1:0]) <= value(x_rec[2*XW-1:XW]))
                    || output_value(y[BITS-1:0]) <= output_value(y[2*BITS-1:BITS]);

  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i && y_valid) begin
      a_equals_spec: assert (&ok);  // ok[c]: channel c
      a_monotone: assert (monotone);
    end
  end

  // Reached within the depth (mode cover): two results, the second after a wait, with different channels.
  logic [1:0] results;
  always_ff @(posedge clk_i) begin
    if (rst_i) results <= '0;
    else if (y_valid && y_ready_i && results != 2'd3) results <= results + 2'd1;
  end
  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i) begin
      c_two_results: cover (results == 2'd1 && y_valid && !y_ready_i && y[BITS-1:0] != y[2*BITS-1:BITS]);
    end
  end

endmodule

`default_nettype wire
