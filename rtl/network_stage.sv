// network_stage: one pipeline stage of the streaming network: a tap source,
// the port contract a layer kind's compute core plugs into, and a valid/ready
// output towards the next stage. It knows nothing about what the core computes.
//
//   x[t] (IN_D) --> tap source --> K taps --> core (the kind's module) --> y[t] (OUT_D)
//
// Tap source, chosen from K and DILATION at elaboration:
//   K == 1 or DILATION == 1  left_shift_buffer of LENGTH = K registers: the
//                            window is the taps, no storage beyond them (for
//                            K == 1 it is the stage's input register).
//   otherwise                activation_cache: the (K-1)*DILATION+1 history in
//                            block RAM, read into a K-tap register.
// Direct wiring for K == 1 would save IN_D*XW flip-flops but make in_ready_o
// a combinational function of the next stage's ready, chained through every
// consecutive 1x1 layer; the register keeps every stage boundary registered.
//
// Core port contract (what every layer kind's core provides; golden.kinds):
//   core_start_o & core_ready_i  the core takes core_taps_o (tap k, channel c at
//                      [(k*IN_D + c)*XW +: XW], tap K-1 newest) and latches
//                      them; core_ready_i low while it computes and in reset
//   core_done_i        one-cycle pulse; core_y_i (channel o at [o*YW +: YW])
//                      is valid from then until the core's next accepted start
//   core_ready_i is high again at the latest the cycle after core_done_i.
//   The stage starts the core only when its result has been taken, so the
//   core's own output register is the stage's result register.
//
// The core latches the taps at its start, so the source takes the next sample
// while the core computes: a sample's taps are read while the previous one is
// multiplied, and the stages of a network overlap the same way (a new sample
// enters layer 0 while later layers work on older samples).
//
// Parameters
//   XW, YW        input and output code widths per channel
//   IN_D, OUT_D   input and output channels
//   K, DILATION   kernel size and dilation (tap k = x[t - (K-1-k)*DILATION])
//   HOLD_OUTPUT   1: out_data_o comes from a register loaded at each result,
//                 so it holds until the next out_valid_o even while the core
//                 computes the next sample (the last layer of a network,
//                 whose consumer has no ready); 0: out_data_o is the core's
//                 own result register, valid while out_valid_o is high and
//                 until the cycle the result is taken (intermediate layers)
//
// Handshake (valid/ready both sides; in_ready_o and out_valid_o are functions
// of this stage's registers only, so stages chain without combinational paths
// longer than one stage)
//   in_valid_i & in_ready_o    push in_data_i (channel c at [c*XW +: XW]); in_data_i
//                              must hold while in_valid_i waits for in_ready_o
//   out_valid_o & out_ready_i  the result y is taken; out_valid_o stays high
//                              until then.
//   rst_i                      clears the history and drops samples in flight
//
// Timing, with LAT = the core's latency (its kind's core_latency) and no stall:
//   LATENCY  = SRC_LAT + LAT + 1 from an accepted push to out_valid_o,
//              SRC_LAT = 1 (shift buffer) or K + 2 (activation cache)
//   INTERVAL = max(LAT + 1, 2) (shift buffer) or max(LAT + 1, K + 3) (cache):
//              cycles between accepted pushes at full rate when the next
//              stage keeps up. golden.rtlgen computes both from these rules.

`default_nettype none

module network_stage #(
  parameter int XW           = 16,
  parameter int YW           = 16,
  parameter int IN_D         = 4,
  parameter int OUT_D        = 16,
  parameter int K            = 4,
  parameter int DILATION     = 1,
  parameter bit HOLD_OUTPUT  = 1'b0
) (
  input  wire logic                 clk_i,
  input  wire logic                 rst_i,
  input  wire logic                 in_valid_i,
  output      logic                 in_ready_o,
  input  wire logic [IN_D*XW-1:0]   in_data_i,
  output      logic                 out_valid_o,
  input  wire logic                 out_ready_i,
  output      logic [OUT_D*YW-1:0]  out_data_o,
  // the kind's compute core
  output      logic                 core_start_o,
  input  wire logic                 core_ready_i,
  output      logic [K*IN_D*XW-1:0] core_taps_o,
  input  wire logic                 core_done_i,
  input  wire logic [OUT_D*YW-1:0]  core_y_i
);

  localparam bit UseCache = (K > 1) && (DILATION > 1);

  // ---- tap source --------------------------------------------------------
  logic                  push;
  logic                  src_ready;     // the source can take a push
  logic                  taps_new;      // one-cycle pulse: a fresh tap set on taps
  logic                  taps_pending;  // a tap set conv1d has not started on yet
  logic                  taps_waiting;
  logic [K*IN_D*XW-1:0]  taps;

  // A source's taps hold until its next push, so no push is taken while a tap
  // set waits for conv1d.
  assign taps_waiting = taps_new || taps_pending;
  assign in_ready_o   = src_ready && !taps_waiting;
  assign push         = in_valid_i && in_ready_o;

  if (UseCache) begin : g_cache
    activation_cache #(
      .W       (XW),
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
      .W       (XW),
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

  // ---- the core -----------------------------------------------------------
  logic conv_ready;
  logic conv_start;
  logic conv_done;
  logic result_free;  // the core's result register may be overwritten

  assign conv_ready   = core_ready_i;
  assign conv_done    = core_done_i;
  assign result_free  = !out_valid_o || out_ready_i;
  assign conv_start   = taps_waiting && conv_ready && result_free;
  assign core_start_o = conv_start;
  assign core_taps_o  = taps;

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
  // The core's y holds from done until its next start, and the next start
  // waits for the result to be taken, so it is the stage's result register.
  // It may change during the next computation, though (conv1d shifts its
  // columns in pass by pass), so a consumer without ready (HOLD_OUTPUT) gets a
  // copy taken at done.
  if (HOLD_OUTPUT) begin : g_hold
    always_ff @(posedge clk_i) begin
      if (conv_done) out_data_o <= core_y_i;
    end
  end else begin : g_direct
    assign out_data_o = core_y_i;
  end

endmodule

`default_nettype wire
