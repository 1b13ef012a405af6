// network_layer: one pipeline stage of the streaming network: a tap source,
// conv1d, and a valid/ready output towards the next stage.
//
//   x[t] (IN_D) --> tap source --> K taps --> conv1d --> y[t] (OUT_D)
//
// Tap source, chosen from K and DILATION at elaboration:
//   K == 1 or DILATION == 1  left_shift_buffer of LENGTH = K registers: the
//                            window is the taps, no storage beyond them (for
//                            K == 1 it is the stage's input register).
//   otherwise                activation_cache: the (K-1)*DILATION+1 history in
//                            block RAM, read into a K-tap register.
// Direct wiring for K == 1 would save IN_D*W flip-flops but make in_ready_o
// a combinational function of the next stage's ready, chained through every
// consecutive 1x1 layer; the register keeps every stage boundary registered.
//
// conv1d latches the taps at its start, so the source takes the next sample
// while conv1d computes: a sample's taps are read while the previous one is
// multiplied, and the stages of a network overlap the same way (a new sample
// enters layer 0 while later layers work on older samples).
//
// Parameters
//   W, F          format Q(W,F)
//   IN_D, OUT_D   input and output channels
//   K, DILATION   kernel size and dilation (tap k = x[t - (K-1-k)*DILATION])
//   LANES, COLS   conv1d parallelism: LANES*COLS multipliers
//   ROUNDING      fixed_pkg::RoundRne (1) or fixed_pkg::RoundTrunc (0)
//   RELU          1: ReLU after requantisation
//   WEIGHTS_FILE, BIAS_FILE  conv1d ROM files (golden.memfile layouts)
//   HOLD_OUTPUT   1: out_data_o comes from a register loaded at each result,
//                 so it holds until the next out_valid_o even while conv1d
//                 computes the next sample (the last layer of a network,
//                 whose consumer has no ready); 0: out_data_o is conv1d's own
//                 result register, valid while out_valid_o is high and until
//                 the cycle the result is taken (intermediate layers)
//
// Handshake (valid/ready both sides; in_ready_o and out_valid_o are functions
// of this stage's registers only, so stages chain without combinational paths
// longer than one stage)
//   in_valid_i & in_ready_o    push in_data_i (channel c at [c*W +: W]); in_data_i
//                              must hold while in_valid_i waits for in_ready_o
//   out_valid_o & out_ready_i  the result y (channel o at [o*W +: W]) is taken;
//                              out_valid_o stays high until then. conv1d starts
//                              the next sample only when its result register
//                              is free or being taken in that cycle.
//   rst_i                      clears the history and drops samples in flight
//
// Timing, with LAT = conv1d's PASSES*BEATS + clog2(LANES) + 5 and no stall:
//   LATENCY  = SRC_LAT + LAT + 1 from an accepted push to out_valid_o,
//              SRC_LAT = 1 (shift buffer) or K + 2 (activation cache)
//   INTERVAL = max(LAT + 1, 2) (shift buffer) or max(LAT + 1, K + 3) (cache):
//              cycles between accepted pushes at full rate when the next
//              stage keeps up (conv1d is ready again the cycle after done;
//              the next push is taken the cycle after conv1d starts).

`default_nettype none

module network_layer #(
  parameter int W            = 16,
  parameter int F            = 12,
  parameter int IN_D         = 4,
  parameter int OUT_D        = 16,
  parameter int K            = 4,
  parameter int DILATION     = 1,
  parameter int LANES        = 4,
  parameter int COLS         = 4,
  parameter int ROUNDING     = fixed_pkg::RoundRne,
  parameter bit RELU         = 1'b1,
  parameter bit HOLD_OUTPUT  = 1'b0,
  parameter     WEIGHTS_FILE = "",
  parameter     BIAS_FILE    = ""
) (
  input  wire logic                clk_i,
  input  wire logic                rst_i,
  input  wire logic                in_valid_i,
  output      logic                in_ready_o,
  input  wire logic [IN_D*W-1:0]   in_data_i,
  output      logic                out_valid_o,
  input  wire logic                out_ready_i,
  output      logic [OUT_D*W-1:0]  out_data_o
);

  localparam bit UseCache = (K > 1) && (DILATION > 1);

  // ---- tap source --------------------------------------------------------
  logic                  push;
  logic                  src_ready;     // the source can take a push
  logic                  taps_new;      // one-cycle pulse: a fresh tap set on taps
  logic                  taps_pending;  // a tap set conv1d has not started on yet
  logic                  taps_waiting;
  logic [K*IN_D*W-1:0]   taps;

  // A source's taps hold until its next push, so no push is taken while a tap
  // set waits for conv1d.
  assign taps_waiting = taps_new || taps_pending;
  assign in_ready_o   = src_ready && !taps_waiting;
  assign push         = in_valid_i && in_ready_o;

  if (UseCache) begin : g_cache
    activation_cache #(
      .W       (W),
      .CHANNELS(IN_D),
      .K       (K),
      .DILATION(DILATION)
    ) u_cache (
      .clk_i,
      .rst_i,
      .in_valid_i (push),
      .in_ready_o (src_ready),
      .in_data_i,
      .out_valid_o(taps_new),
      .taps_o     (taps)
    );
  end else begin : g_shift
    left_shift_buffer #(
      .W       (W),
      .CHANNELS(IN_D),
      .LENGTH  (K)
    ) u_shift (
      .clk_i,
      .rst_i,
      .in_valid_i (push),
      .in_data_i,
      .out_valid_o(taps_new),
      .window_o   (taps)
    );
    assign src_ready = !rst_i;  // nothing is accepted while in reset
  end

  // ---- conv1d ------------------------------------------------------------
  logic                conv_ready;
  logic                conv_start;
  logic                conv_done;
  logic [OUT_D*W-1:0]  conv_y;
  logic                result_free;  // conv1d's result register may be overwritten

  assign result_free = !out_valid_o || out_ready_i;
  assign conv_start  = taps_waiting && conv_ready && result_free;

  conv1d #(
    .W           (W),
    .F           (F),
    .IN_D        (IN_D),
    .OUT_D       (OUT_D),
    .K           (K),
    .LANES       (LANES),
    .COLS        (COLS),
    .ROUNDING    (ROUNDING),
    .RELU        (RELU),
    .WEIGHTS_FILE(WEIGHTS_FILE),
    .BIAS_FILE   (BIAS_FILE)
  ) u_conv (
    .clk_i,
    .rst_i,
    .start_i(conv_start),
    .ready_o(conv_ready),
    .taps_i (taps),
    .done_o (conv_done),
    .y_o    (conv_y)
  );

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      taps_pending <= 1'b0;
      out_valid_o  <= 1'b0;
    end else begin
      taps_pending <= taps_waiting && !conv_start;
      if (conv_done) begin
        out_valid_o <= 1'b1;
      end else if (out_ready_i) begin
        out_valid_o <= 1'b0;
      end
    end
  end

  // ---- output ------------------------------------------------------------
  // conv1d's y_o holds from done until its next start, and the next start
  // waits for the result to be taken, so it is the stage's result register.
  // Its columns shift in pass by pass during the next computation, though, so
  // a consumer without ready (HOLD_OUTPUT) gets a copy taken at done.
  if (HOLD_OUTPUT) begin : g_hold
    always_ff @(posedge clk_i) begin
      if (conv_done) out_data_o <= conv_y;
    end
  end else begin : g_direct
    assign out_data_o = conv_y;
  end

endmodule

`default_nettype wire
