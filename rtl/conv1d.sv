// conv1d: one output vector of a K-tap convolution layer with per-tensor formats.
//
//   acc[o] = (sum_k sum_c taps[k][c] * kernel[k][c][o]) << PROD_SHIFT  +  bias[o] << BIAS_SHIFT
//   y[o]   = output_stage(acc[o])
//
// The shifts align the product's and the bias's fractional bits (the finer one
// wins, nothing is rounded); the output stage is requantise (saturate, drop
// Y_SHIFT bits with ROUNDING, ReLU, signed or unsigned range), optionally after
// float32_round (QKeras's quantized_relu on a raw sum), or nothing at all for a
// full-precision output (FULL_PRECISION: y is the exact sum, YW = its width).
// docs/arithmetic.md defines every step; golden.kinds.conv1d computes every
// parameter from the layer's formats (the only copy of those formulas).
// The K taps of row-by-matrix multiply are one row_by_matrix_multiply over the
// K*IN_D concatenated taps: integer addition is associative, so this is the
// same sum as K products added afterwards, and LANES/COLS trade multipliers for
// cycles without changing a bit.
//
// Parameters
//   XW, X_SIGNED  input (tap) code width; X_SIGNED = 0: unsigned (ReLU outputs)
//   KW, BW        kernel and bias code widths (signed); for MUL_PO2 KW is the width of
//                 the kernel format that holds every +-2^e exactly (the sum's width follows it)
//   MUL_PO2       0: fixed_mul lanes, weights are KW-bit codes; 1: po2_mul lanes (the po2
//                 kind), weights are {zero, negative, e - EMIN} codes of PO2_SPAN + 1 exponents
//   PO2_SPAN      EMAX - EMIN of a po2 layer (MUL_PO2 only)
//   MUL_LATENCY   multiplier register stages, 1 or 2 (rtl/fixed_mul.sv LATENCY: 2 adds
//                 the MULT18X18D operand registers; the generator sets it for networks
//                 that fill most of the DSP columns, golden.rtlgen.top)
//   WEIGHT_REG    1: row_by_matrix_multiply registers its weight ROM's output once more in the
//                 fabric (one cycle more latency; the generator sets it where the ROM is block RAM)
//   X_STREAM      1: the taps come from the stage's tap_ring (rtl/tap_ring.sv) one chunk of
//                 LANES channels per beat (chunk_i, issue_o, walk_end_o), not latched from
//                 taps_i (unused): no tap vector in flip-flops. Each tap is padded to
//                 G = ceil(IN_D / LANES) chunks, so BEATS = K*G, and the weight ROM is in
//                 that padded layout (golden.kinds.conv1d); the weight word is registered
//                 once more (as WEIGHT_REG) to meet the chunk. LANES <= IN_D.
//   IN_D, OUT_D   input and output channels
//   K             taps (kernel size)
//   LANES         multipliers per dot product, 1..K*IN_D
//   COLS          output channels computed in parallel, 1..OUT_D
//   PROD_SHIFT, BIAS_SHIFT  alignment of the sum of products and of the bias (>= 0)
//   YW, Y_SIGNED  output code width and range
//   Y_SHIFT       accumulator fractional bits - output fractional bits (any sign)
//   FULL_PRECISION 1: no output stage, y = acc (YW must equal the accumulator width)
//   ROUNDING      fixed_pkg::RoundRne (1, QKeras) or fixed_pkg::RoundTrunc (0, floor)
//   RELU          1: clamp below at zero
//   FLOAT32_INPUT 1: round acc to 24 significant bits first (needs RELU)
//   WEIGHTS_FILE  absolute path; kernel flattened tap-major to (K*IN_D, OUT_D)
//                 in the row_by_matrix_multiply ROM layout (golden.memfile), KW (po2: code) bits each
//   BIAS_FILE     absolute path; PASSES words of COLS*BW bits, word p holds
//                 bias[p*COLS + u] at [u*BW +: BW] (golden.memfile.bias_rom_words)
//
// Handshake (the core port contract of rtl/network_stage.sv)
//   start_i & ready_o  accept taps_i: tap k, channel c at [(k*IN_D + c)*XW +: XW],
//                      tap K-1 the newest sample; latched, so taps_i may change
//                      afterwards. ready_o may be high while earlier samples are
//                      still computed and while a result waits to be taken: it is
//                      high when the matrix multiply can start a walk, INTERVAL
//                      cycles have passed since the last accepted start, and fewer
//                      than two samples are accepted and not yet taken. ready_o
//                      is a function of this core's registers only (a take is
//                      counted from the next cycle), so the consumer's ready never
//                      reaches the start and its fan-out; y_valid_o and y_o come
//                      from registers too.
//   rst_i              drops every sample in flight; a start in a reset cycle is
//                      dropped too (ready_o is not defined there: the producer is
//                      reset with this core, see rtl/network_stage.sv).
//   y_valid_o & y_ready_i  the result y_o (channel o at [o*YW +: YW]) is taken;
//                      one result per accepted start, in start order. y_valid_o
//                      and y_o hold until taken, and y_o holds after that until
//                      the next result is presented.
// Two samples accepted and not taken fit: one in the result register, the other
// in flight or finished in the pass assembly register behind it. A third start
// waits for the older result to be taken, so no result is lost or overwritten
// whatever the consumer does.
//
// Timing (start accepted in cycle s), with BEATS = ceil(K*IN_D / LANES) and
// PASSES = ceil(OUT_D / COLS):
//   y_valid_o in cycle s + LATENCY when the previous result has been taken by then,
//   LATENCY = PASSES*BEATS + clog2(LANES) + MUL_LATENCY + W_STAGE + 5 + FLOAT32_INPUT,
//   W_STAGE = WEIGHT_REG || X_STREAM
//   (row_by_matrix_multiply's PASSES*BEATS + clog2(LANES) + MUL_LATENCY + W_STAGE + 2, then one cycle to
//   align and add the bias, one for the float32 rounding when FLOAT32_INPUT, one
//   for the output stage into the pass assembly register and one into the result
//   register);
//   with y_ready_i high, ready_o is high again in cycle s + INTERVAL,
//   INTERVAL = max(PASSES*BEATS, floor(LATENCY / 2) + 1): the next walk starts in
//   the last cycle of this one, unless the older of the two results that fit would
//   not have been taken a cycle before (a short walk behind a long pipeline); the
//   interval is then stretched to floor(LATENCY / 2) + 1 so starts stay evenly
//   spaced.
//   golden.kinds.conv1d.conv1d_latency and conv1d_interval are these formulas.

`default_nettype none

module conv1d #(
  parameter int    XW             = 16,
  parameter bit    X_SIGNED       = 1'b1,
  parameter int    KW             = 16,
  parameter bit    MUL_PO2        = 1'b0,
  parameter int    PO2_SPAN       = 0,
  parameter int    MUL_LATENCY    = 1,
  parameter bit    WEIGHT_REG     = 1'b0,
  parameter bit    X_STREAM       = 1'b0,
  parameter int    BW             = 16,
  parameter int    IN_D           = 4,
  parameter int    OUT_D          = 16,
  parameter int    K              = 4,
  parameter int    LANES          = 4,
  parameter int    COLS           = 4,
  parameter int    PROD_SHIFT     = 0,
  parameter int    BIAS_SHIFT     = 12,
  parameter int    YW             = 16,
  parameter bit    Y_SIGNED       = 1'b1,
  parameter int    Y_SHIFT        = 12,
  parameter bit    FULL_PRECISION = 1'b0,
  parameter int    ROUNDING       = fixed_pkg::RoundRne,
  parameter bit    RELU           = 1'b1,
  parameter bit    FLOAT32_INPUT  = 1'b0,
  parameter        WEIGHTS_FILE   = "",
  parameter        BIAS_FILE      = ""
) (
  input  wire logic                  clk_i,
  input  wire logic                  rst_i,
  input  wire logic                  start_i,
  output      logic                  ready_o,
  input  wire logic [K*IN_D*XW-1:0]  taps_i,
  output      logic                  y_valid_o,
  input  wire logic                  y_ready_i,
  output      logic [OUT_D*YW-1:0]   y_o,
  // X_STREAM: the tap source's chunks (rtl/tap_ring.sv)
  output      logic                  issue_o,
  output      logic                  walk_end_o,
  input  wire logic [LANES*XW-1:0]   chunk_i
);

  localparam int Terms  = K * IN_D;
  // what the matrix multiply walks: the taps, or (X_STREAM) each tap padded to whole chunks
  localparam int Walked = X_STREAM ? K * fixed_pkg::ceil_div(IN_D, LANES) * LANES : Terms;
  localparam int AccW   = fixed_pkg::layer_acc_width(XW, X_SIGNED, KW, BW, PROD_SHIFT, BIAS_SHIFT, Terms);
  localparam int Passes = fixed_pkg::ceil_div(OUT_D, COLS);
  localparam int PassW  = fixed_pkg::index_width(Passes);
  localparam int YRegW  = Passes * COLS * YW;  // whole passes; columns past OUT_D dropped at y_o
  // ROM code width: the kernel codes, or po2_mul's {zero, negative, exponent} codes
  localparam int CodeW  = MUL_PO2 ? fixed_pkg::index_width(PO2_SPAN + 1) + 2 : KW;
  localparam int Walk     = Passes * fixed_pkg::ceil_div(Walked, LANES);
  localparam int Latency  = Walk + fixed_pkg::ceil_log2(LANES) + MUL_LATENCY + int'(WEIGHT_REG || X_STREAM) + 5
                          + int'(FLOAT32_INPUT);
  localparam int Interval = (Walk > Latency / 2 + 1) ? Walk : Latency / 2 + 1;

  // ---- the K taps of row-by-matrix multiply as one multiply -----------------
  logic                  mm_ready;
  logic                  col_valid;
  logic [PassW-1:0]      col_pass;
  logic [COLS*AccW-1:0]  col_sums;
  logic                  mm_done;
  logic                  accept;  // a start is accepted this cycle

  assign accept = start_i && ready_o;

  logic [Walked*XW-1:0] x_latched;  // what the matrix multiply latches at a start

  if (X_STREAM) begin : g_stream
    logic unused_taps;  // the chunks come from the tap source
    assign unused_taps = ^taps_i;
    assign x_latched   = '0;
  end else begin : g_latched
    assign x_latched = taps_i;
  end

  row_by_matrix_multiply #(
    .A_W         (XW),
    .A_SIGNED    (X_SIGNED),
    .B_W         (CodeW),
    .IN_D        (Walked),
    .OUT_D       (OUT_D),
    .LANES       (LANES),
    .COLS        (COLS),
    .ACC_W       (AccW),
    .WEIGHTS_FILE(WEIGHTS_FILE),
    .MUL_PO2     (MUL_PO2),
    .PO2_SPAN    (PO2_SPAN),
    .MUL_LATENCY (MUL_LATENCY),
    .WEIGHT_REG  (WEIGHT_REG),
    .X_STREAM    (X_STREAM)
  ) u_matrix (
    .clk_i,
    .rst_i,
    .start_i    (accept),
    .ready_o    (mm_ready),
    .x_i        (x_latched),
    .col_valid_o(col_valid),
    .col_pass_o (col_pass),
    .col_sums_o (col_sums),
    .done_o     (mm_done),
    .issue_o,
    .walk_end_o,
    .chunk_i
  );

  // ---- bias: a small ROM read asynchronously by the pass index --------------
  logic [COLS*BW-1:0] bias_rom [Passes];

  // The explicit range makes a short bias file an error, not zeros.
  initial begin
    $readmemh(BIAS_FILE, bias_rom, 0, Passes - 1);
  end

  if (BIAS_FILE == "") begin : g_no_bias
    $error("conv1d: BIAS_FILE is not set");
  end

  // ---- stage A: align the sum and add the aligned bias --------------------------
  logic                 biased_valid;
  logic                 biased_last;
  logic                 out_valid;  // the output stage holds a pass: shift it into y
  logic                 out_last;

  // Stage F (FLOAT32_INPUT only) delays the output stage by one register.
  if (FLOAT32_INPUT) begin : g_stage_f
    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        out_valid <= 1'b0;
        out_last  <= 1'b0;
      end else begin
        out_valid <= biased_valid;
        out_last  <= biased_valid && biased_last;
      end
    end
  end else begin : g_no_stage_f
    assign out_valid = biased_valid;
    assign out_last  = biased_last;
  end
  logic [COLS*AccW-1:0] biased;

  for (genvar u = 0; u < COLS; u++) begin : g_bias
    logic signed [BW-1:0]   bias_code;
    logic signed [AccW-1:0] aligned;
    assign bias_code = bias_rom[col_pass][u*BW +: BW];
    bias_align #(
      .SUM_W     (AccW),
      .BIAS_W    (BW),
      .ACC_W     (AccW),
      .PROD_SHIFT(PROD_SHIFT),
      .BIAS_SHIFT(BIAS_SHIFT)
    ) u_align (
      .sum_i (col_sums[u*AccW +: AccW]),
      .bias_i(bias_code),
      .acc_o (aligned)
    );
    always_ff @(posedge clk_i) begin
      if (col_valid) biased[u*AccW +: AccW] <= aligned;
    end
  end

  // ---- stage B: the output stage into the output shift register ---------------
  logic [COLS*YW-1:0] quantised;

  for (genvar u = 0; u < COLS; u++) begin : g_output
    layer_output_stage #(
      .ACC_W         (AccW),
      .YW            (YW),
      .Y_SIGNED      (Y_SIGNED),
      .Y_SHIFT       (Y_SHIFT),
      .FULL_PRECISION(FULL_PRECISION),
      .ROUNDING      (ROUNDING),
      .RELU          (RELU),
      .FLOAT32_INPUT (FLOAT32_INPUT)
    ) u_output (
      .clk_i,
      .valid_i(biased_valid),
      .acc_i  (biased[u*AccW +: AccW]),
      .q_o    (quantised[u*YW +: YW])
    );
  end

  logic [YRegW-1:0] y_shift;  // each pass enters at the top; after all passes pass 0 is at the bottom
  logic [YRegW-1:0] y_shift_next;

  if (Passes > 1) begin : g_shift
    assign y_shift_next = {quantised, y_shift[YRegW-1:COLS*YW]};
  end else begin : g_single
    assign y_shift_next = quantised;
  end

  always_ff @(posedge clk_i) begin
    if (out_valid) y_shift <= y_shift_next;
  end

  // ---- result register: a finished y_shift moves in when it is free or being taken
  logic [OUT_D*YW-1:0] y_q;
  logic                y_full;   // y_shift holds a whole result not yet moved
  logic                y_move;
  logic                y_take;
  logic [1:0]          held;     // samples accepted and not yet taken, 0..2
  logic                held_room;

  assign y_take    = y_valid_o && y_ready_i;
  assign y_move    = y_full && (!y_valid_o || y_ready_i);
  assign held_room = (held != 2'd2);

  always_ff @(posedge clk_i) begin
    if (y_move) y_q <= y_shift[OUT_D*YW-1:0];
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      biased_valid <= 1'b0;
      biased_last  <= 1'b0;
      y_full       <= 1'b0;
      y_valid_o    <= 1'b0;
      held         <= '0;
    end else begin
      biased_valid <= col_valid;
      biased_last  <= mm_done;
      // the last pass shifting in completes a result; a move empties y_shift for the next
      if (out_valid && out_last) y_full <= 1'b1;
      else if (y_move)           y_full <= 1'b0;
      if (y_move)      y_valid_o <= 1'b1;
      else if (y_take) y_valid_o <= 1'b0;
      held <= held + 2'(accept) - 2'(y_take);
    end
  end

  // ---- evenly spaced starts when two results cannot cover the pipeline ------
  logic spaced;  // INTERVAL cycles have passed since the last accepted start

  if (Interval > Walk) begin : g_spacing
    localparam int GapW = fixed_pkg::index_width(Interval);
    logic [GapW-1:0] gap;
    always_ff @(posedge clk_i) begin
      if (rst_i)             gap <= '0;
      else if (accept)       gap <= GapW'(Interval - 1);
      else if (gap != '0)    gap <= gap - 1'b1;
    end
    assign spaced = (gap == '0);
  end else begin : g_no_spacing
    assign spaced = 1'b1;
  end

  // No rst_i term: reset has priority over every register a start touches, so a
  // start in reset is dropped, and ready_o (a clock enable of the taps register)
  // stays off the reset net's fan-out.
  assign ready_o = mm_ready && held_room && spaced;
  assign y_o     = y_q;
  if (YRegW > OUT_D*YW) begin : g_padding
    logic unused_padding;  // columns of the last pass past OUT_D
    assign unused_padding = ^y_shift[YRegW-1:OUT_D*YW];
  end

  // ---- assertions -----------------------------------------------------------
  // The header's rules, compiled only with ASSERTIONS defined: every cocotb run
  // (Verilator --assert) and make formal (yosys -formal) define it; synthesis
  // never sees this code. Checked from the first reset on (a_armed), outside reset.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  logic                a_was_valid;  // y_valid_o && !y_ready_i in the previous cycle
  logic [OUT_D*YW-1:0] a_was_y;

  always_ff @(posedge clk_i) begin
    a_was_valid <= y_valid_o && !y_ready_i && !rst_i;
    a_was_y     <= y_o;
  end

  always_ff @(posedge clk_i) begin
    // (no check in reset: the handshake is undefined there, see the header)
    if (a_armed && !rst_i) begin
      // No result overwritten: a pass never shifts into a finished result that cannot move.
      a_no_overwrite: assert (!(out_valid && y_full && !y_move));
      // At most two samples accepted and not taken, and a result only for an accepted sample.
      a_held_bound: assert (held <= 2'd2);
      a_result_accepted: assert (!y_valid_o || held != 2'd0);
      // A result waiting to be taken holds.
      if (a_was_valid) begin
        a_result_holds: assert (y_valid_o && y_o == a_was_y);
      end
    end
  end
`endif

  if (FULL_PRECISION && YW != AccW) begin : g_bad_full
    $error("conv1d: a full-precision output needs YW == the accumulator width (fixed_pkg::layer_acc_width)");
  end
  if (FLOAT32_INPUT && (!RELU || FULL_PRECISION)) begin : g_bad_float32
    $error("conv1d: FLOAT32_INPUT models QKeras's quantized_relu: it needs RELU and an output stage");
  end
  if (PROD_SHIFT < 0 || BIAS_SHIFT < 0) begin : g_bad_shift
    $error("conv1d: PROD_SHIFT and BIAS_SHIFT must be >= 0");
  end
  if (X_STREAM && LANES > IN_D) begin : g_bad_stream_lanes
    $error("conv1d: X_STREAM reads one tap's chunk per beat: LANES must be <= IN_D");
  end

endmodule

`default_nettype wire
