// conv1d: one output vector of a K-tap convolution layer.
//
//   y[o] = requantise( sum_k sum_c taps[k][c] * kernel[k][c][o]  +  (bias[o] << F) )
//
// with requantise = saturate, drop F bits (ROUNDING), optional ReLU
// (docs/arithmetic.md). The K taps of row-by-matrix multiply are one
// row_by_matrix_multiply over the K*IN_D concatenated taps: integer addition is
// associative, so this is the same sum as K products added afterwards, and
// LANES/COLS trade multipliers for cycles without changing a bit.
//
// Parameters
//   W, F          format Q(W,F) of taps, kernel, bias and output
//   IN_D, OUT_D   input and output channels
//   K             taps (kernel size)
//   LANES         multipliers per dot product, 1..K*IN_D
//   COLS          output channels computed in parallel, 1..OUT_D
//   ROUNDING      fixed_pkg::RoundRne (1, QKeras) or fixed_pkg::RoundTrunc (0, floor)
//   RELU          1: ReLU after requantisation
//   WEIGHTS_FILE  absolute path; kernel flattened tap-major to (K*IN_D, OUT_D)
//                 in the row_by_matrix_multiply ROM layout (golden.memfile)
//   BIAS_FILE     absolute path; PASSES words of COLS*W bits, word p holds
//                 bias[p*COLS + u] at [u*W +: W] (golden.memfile.bias_rom_words)
//
// Handshake
//   start_i & ready_o  accept taps_i: tap k, channel c at [(k*IN_D + c)*W +: W],
//                      tap K-1 the newest sample; latched, so taps_i may change
//                      afterwards; ready_o low until done_o and during reset
//   done_o             one-cycle pulse; y_o (channel o at [o*W +: W]) is valid
//                      from then until the next accepted start
//
// Timing (start accepted in cycle s), with BEATS = ceil(K*IN_D / LANES) and
// PASSES = ceil(OUT_D / COLS):
//   done_o in cycle s + LATENCY, LATENCY = PASSES*BEATS + clog2(LANES) + 5
//   (row_by_matrix_multiply's PASSES*BEATS + clog2(LANES) + 3, then one cycle
//   to add the bias and one to requantise into the output register);
//   ready_o is high again in the cycle after done_o.

`default_nettype none

module conv1d #(
  parameter int    W            = 16,
  parameter int    F            = 12,
  parameter int    IN_D         = 4,
  parameter int    OUT_D        = 16,
  parameter int    K            = 4,
  parameter int    LANES        = 4,
  parameter int    COLS         = 4,
  parameter int    ROUNDING     = fixed_pkg::RoundRne,
  parameter bit    RELU         = 1'b1,
  parameter        WEIGHTS_FILE = "",
  parameter        BIAS_FILE    = ""
) (
  input  wire logic                  clk_i,
  input  wire logic                  rst_i,
  input  wire logic                  start_i,
  output      logic                  ready_o,
  input  wire logic [K*IN_D*W-1:0]   taps_i,
  output      logic                  done_o,
  output      logic [OUT_D*W-1:0]    y_o
);

  localparam int Terms  = K * IN_D;
  localparam int AccW   = fixed_pkg::acc_width(W, Terms);
  localparam int Passes = fixed_pkg::ceil_div(OUT_D, COLS);
  localparam int PassW  = fixed_pkg::index_width(Passes);
  localparam int YRegW  = Passes * COLS * W;  // whole passes; columns past OUT_D dropped at y_o

  // ---- the K taps of row-by-matrix multiply as one multiply -----------------
  logic                  mm_ready;
  logic                  col_valid;
  logic [PassW-1:0]      col_pass;
  logic [COLS*AccW-1:0]  col_sums;
  logic                  mm_done;

  row_by_matrix_multiply #(
    .W           (W),
    .IN_D        (Terms),
    .OUT_D       (OUT_D),
    .LANES       (LANES),
    .COLS        (COLS),
    .ACC_W       (AccW),
    .WEIGHTS_FILE(WEIGHTS_FILE)
  ) u_matrix (
    .clk_i,
    .rst_i,
    .start_i    (start_i && ready_o),
    .ready_o    (mm_ready),
    .x_i        (taps_i),
    .col_valid_o(col_valid),
    .col_pass_o (col_pass),
    .col_sums_o (col_sums),
    .done_o     (mm_done)
  );

  // ---- bias: a small ROM read asynchronously by the pass index --------------
  logic [COLS*W-1:0] bias_rom [Passes];

  // The explicit range makes a short bias file an error, not zeros.
  initial begin
    $readmemh(BIAS_FILE, bias_rom, 0, Passes - 1);
  end

  if (BIAS_FILE == "") begin : g_no_bias
    $error("conv1d: BIAS_FILE is not set");
  end

  // ---- stage A: add the aligned bias -----------------------------------------
  logic                 biased_valid;
  logic                 biased_last;
  logic [COLS*AccW-1:0] biased;

  for (genvar u = 0; u < COLS; u++) begin : g_bias
    logic signed [W-1:0] bias_code;
    assign bias_code = bias_rom[col_pass][u*W +: W];
    always_ff @(posedge clk_i) begin
      if (col_valid) begin
        biased[u*AccW +: AccW] <= $signed(col_sums[u*AccW +: AccW]) + (AccW'(bias_code) <<< F);
      end
    end
  end

  // ---- stage B: requantise into the output shift register --------------------
  logic [COLS*W-1:0] quantised;

  for (genvar u = 0; u < COLS; u++) begin : g_requantise
    requantise #(
      .ACC_W   (AccW),
      .W       (W),
      .F       (F),
      .ROUNDING(ROUNDING),
      .RELU    (RELU)
    ) u_requantise (
      .acc_i(biased[u*AccW +: AccW]),
      .q_o  (quantised[u*W +: W])
    );
  end

  logic [YRegW-1:0] y_shift;  // each pass enters at the top; after all passes pass 0 is at the bottom
  logic             busy;

  logic [YRegW-1:0] y_shift_next;

  if (Passes > 1) begin : g_shift
    assign y_shift_next = {quantised, y_shift[YRegW-1:COLS*W]};
  end else begin : g_single
    assign y_shift_next = quantised;
  end

  always_ff @(posedge clk_i) begin
    if (biased_valid) y_shift <= y_shift_next;
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      biased_valid <= 1'b0;
      biased_last  <= 1'b0;
      done_o       <= 1'b0;
      busy         <= 1'b0;
    end else begin
      biased_valid <= col_valid;
      biased_last  <= mm_done;
      done_o       <= biased_valid && biased_last;
      if (start_i && ready_o) begin
        busy <= 1'b1;
      end else if (done_o) begin
        busy <= 1'b0;
      end
    end
  end

  assign ready_o = !busy && mm_ready && !rst_i;  // nothing is accepted while in reset
  assign y_o     = y_shift[OUT_D*W-1:0];

  if (YRegW > OUT_D*W) begin : g_padding
    logic unused_padding;  // columns of the last pass past OUT_D
    assign unused_padding = ^y_shift[YRegW-1:OUT_D*W];
  end

endmodule

`default_nettype wire
