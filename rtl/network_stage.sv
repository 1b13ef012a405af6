// network_stage: one pipeline stage of the streaming network: a tap source,
// the port contract a layer kind's compute core plugs into, and a valid/ready
// output towards the next stage. It knows nothing about what the core computes.
//
//   x[t] (IN_D) --> tap source --> K taps --> core (the kind's module) --> y[t] (OUT_D)
//
// Tap source, chosen from STREAM, K and DILATION at elaboration:
//   STREAM                   tap_ring: the history in a narrow, deep memory (block
//                            RAM when large), read by the core one chunk of LANES
//                            channels per beat (core_issue_i, core_walk_end_i,
//                            core_chunk_o; rtl/tap_ring.sv): no tap vector in
//                            flip-flops. core_taps_o is zero. For a core built with
//                            X_STREAM (rtl/conv1d.sv).
//   K == 1 or DILATION == 1  left_shift_buffer of LENGTH = K registers: the
//                            window is the taps, no storage beyond them (for
//                            K == 1 it is the stage's input register).
//   otherwise                activation_cache: the (K-1)*DILATION+1 history in
//                            block RAM, read into a K-tap register.
// Direct wiring for K == 1 would save IN_D*XW flip-flops but make in_ready_o
// a combinational function of the next stage's ready, chained through every
// consecutive 1x1 layer; the register keeps every stage boundary registered.
//
// Core port contract (what every layer kind's core provides; golden.kinds).
// A core may be started again before its previous result is taken: it owns its
// result storage and applies the backpressure itself, through core_ready_i.
//   core_start_o & core_ready_i  the core takes core_taps_o (tap k, channel c at
//                      [(k*IN_D + c)*XW +: XW], tap K-1 newest) and latches them:
//                      core_taps_o may change from the next cycle on.
//   core_ready_i       low in reset. High only when the core can store the
//                      result of a new start whatever the consumer does from then
//                      on: a core with room for N results (accepted, not yet
//                      taken) is ready only while fewer than N are held, counting
//                      one taken (core_y_valid_i & core_y_ready_o) in this cycle.
//                      It may depend combinationally on core_y_ready_o, never on
//                      core_start_o.
//   core_y_valid_i & core_y_ready_o  the result on core_y_i (channel o at
//                      [o*YW +: YW]) is taken. Exactly one result per accepted
//                      start, in start order, none lost, duplicated or
//                      overwritten. core_y_valid_i and core_y_i come from the
//                      core's registers (no combinational path from core_y_ready_o
//                      or core_start_o). While core_y_valid_i waits for
//                      core_y_ready_o, core_y_valid_i and core_y_i hold; after a
//                      take core_y_i holds until the core presents its next result
//                      (the network's last stage has no ready and reads its output
//                      until the next out_valid_o).
//   Timing, with core_y_ready_o held high (its kind's formulas, the only copy):
//     LAT  (core_latency)  a start accepted in cycle s gives core_y_valid_i in
//                          cycle s + LAT;
//     II   (core_interval) core_ready_i is high again in cycle s + II, at the latest,
//                          after a start in cycle s, exactly II when nothing else
//                          holds it (starts may follow each other every II cycles,
//                          evenly, for ever: II >= 1 and the core's result storage
//                          must cover LAT at that rate).
//   Results are taken in the cycle they appear (core_y_ready_o high) by the
//   network's last stage, and as soon as the next stage's source can take them by
//   the others. Results the consumer does not take stall the core via
//   core_ready_i, never inside its pipeline.
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
//   STREAM        1: the tap_ring source for a streamed core (above)
//   LANES         (STREAM) channels per chunk, the core's LANES, 1..IN_D
//
// Handshake (valid/ready both sides; in_ready_o is a function of this stage's
// registers only and out_valid_o of its core's, so stages chain without
// combinational paths longer than one stage)
//   in_valid_i & in_ready_o    push in_data_i (channel c at [c*XW +: XW]); in_data_i
//                              must hold while in_valid_i waits for in_ready_o
//   out_valid_o & out_ready_i  the result y (out_data_o, channel o at [o*YW +: YW])
//                              is taken; out_valid_o and out_data_o hold until then,
//                              and out_data_o holds after that until the next
//                              out_valid_o. out_valid_o, out_data_o and out_ready_i
//                              are the core's result port.
//   rst_i                      clears the history and drops samples in flight. As in
//                              AXI-Stream, the handshakes are defined outside reset
//                              only: a push or start in a reset cycle is dropped,
//                              and in_ready_o / core_ready_i carry no rst_i term, so
//                              the reset net drives resets only, never a clock
//                              enable. A network top gates its own ports with rst_i.
//
// Timing, with LAT and II the core's (above) and no stall:
//   LATENCY  = SRC_LAT + LAT from a push offered (in_valid_i) to an idle stage to
//              out_valid_o, SRC_LAT = 1 (shift buffer), K + 3 (activation cache)
//              or G = ceil(IN_D / LANES) (tap ring: a push is accepted G - 1
//              cycles after it is offered, while its chunks are written)
//   INTERVAL = max(II, 2) (shift buffer), max(II, K + 4) (cache) or max(II, G + 1)
//              (tap ring): cycles
//              between accepted pushes at full rate when the next stage keeps
//              up (the source takes the next push the cycle after the core
//              starts on its taps and has the next taps 1 or K + 3 cycles
//              later). golden.rtlgen computes both from these rules.

`default_nettype none

module network_stage #(
  parameter int XW           = 16,
  parameter int YW           = 16,
  parameter int IN_D         = 4,
  parameter int OUT_D        = 16,
  parameter int K            = 4,
  parameter int DILATION     = 1,
  parameter bit STREAM       = 1'b0,
  parameter int LANES        = 1
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
  input  wire logic                 core_y_valid_i,
  output      logic                 core_y_ready_o,
  input  wire logic [OUT_D*YW-1:0]  core_y_i,
  // STREAM: the core's walk and the chunks it reads
  input  wire logic                 core_issue_i,
  input  wire logic                 core_walk_end_i,
  output      logic [LANES*XW-1:0]  core_chunk_o
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

  if (STREAM) begin : g_ring
    // The ring writes a push's chunks while it is offered, but only once the tap
    // set before it has started: at most one pushed sample waits for its walk.
    tap_ring #(
      .W       (XW),
      .CHANNELS(IN_D),
      .LANES   (LANES),
      .K       (K),
      .DILATION(DILATION)
    ) u_ring (
      .clk_i,
      .rst_i,
      .in_valid_i (in_valid_i && !taps_waiting),
      .in_ready_o (src_ready),
      .in_data_i,
      .out_valid_o(taps_new),
      .issue_i    (core_issue_i),
      .walk_end_i (core_walk_end_i),
      .chunk_o    (core_chunk_o)
    );
    assign taps = '0;
    logic unused_push;  // the ring counts its own chunks
    assign unused_push = push;
  end else if (UseCache) begin : g_cache
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
    assign src_ready = 1'b1;  // the window register takes a push every cycle
  end

  if (!STREAM) begin : g_no_chunks
    logic unused_walk;
    assign unused_walk  = ^{core_issue_i, core_walk_end_i};
    assign core_chunk_o = '0;
  end

  // ---- the core -----------------------------------------------------------
  // The core applies the result backpressure itself (core_ready_i), so the stage
  // starts it whenever a tap set waits and it is ready.
  logic conv_start;

  assign conv_start   = taps_waiting && core_ready_i;
  assign core_start_o = conv_start;
  assign core_taps_o  = taps;

  always_ff @(posedge clk_i) begin
    if (rst_i) taps_pending <= 1'b0;
    else       taps_pending <= taps_waiting && !conv_start;
  end

  // ---- output: the core's result port is the stage's --------------------------
  assign out_valid_o    = core_y_valid_i;
  assign out_data_o     = core_y_i;
  assign core_y_ready_o = out_ready_i;

endmodule

`default_nettype wire
