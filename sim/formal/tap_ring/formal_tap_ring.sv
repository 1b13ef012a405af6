// Property wrapper for tap_ring: after any sequence of pushes, walks, stalls
// and resets, every chunk a walk reads is the shadow history's: tap k, group g
// of the sample last pushed when the walk started (zero-padded channels, zero
// before the first push since reset), two cycles after its issue.
//
// The wrapper is the ring's user as rtl/network_stage.sv and a streamed core
// are: in_valid_i holds, with its data, until in_ready_o; no push is offered
// while a pushed sample waits for its walk; a walk starts only when a sample
// waits, in any idle cycle or in the last issue of the walk before, and then
// issues PASSES*K*G beats back to back (pass-major, tap, then group), with
// walk_end_i on the last. Everything else is free: data, when pushes are
// offered, when walks start, resets at any cycle (only the first is forced).
//
// Bounded (bmc): the ring is internal state the shadow cannot name, and
// stalls are unbounded, so no k closes an induction. The depth covers the
// write slot wrapping past the ring (see tap_ring.sby). The ring is flattened
// to flip-flops before solving (memory_map).
//
// Parameters
//   W, CHANNELS, LANES, K, DILATION  as tap_ring
//   PASSES                           the walk's passes over the K*G beats

`default_nettype none

module formal_tap_ring #(
  parameter int W        = 2,
  parameter int CHANNELS = 3,
  parameter int LANES    = 2,
  parameter int K        = 2,
  parameter int DILATION = 2,
  parameter int PASSES   = 2
) (
  input wire logic                  clk_i,
  input wire logic                  rst_i,
  input wire logic                  in_valid_i,
  input wire logic [CHANNELS*W-1:0] in_data_i,
  input wire logic                  start_i
);

  localparam int ChunkW  = LANES * W;
  localparam int Groups  = (CHANNELS + LANES - 1) / LANES;
  localparam int PaddedW = Groups * ChunkW;  // one tap, zero-padded to whole chunks
  localparam int Back    = (K - 1) * DILATION;
  localparam int Beats   = K * Groups;
  localparam int Walk    = PASSES * Beats;

  logic              in_ready;
  logic              out_valid;
  logic              issue;
  logic              walk_end;
  logic [ChunkW-1:0] chunk;

  tap_ring #(.W(W), .CHANNELS(CHANNELS), .LANES(LANES), .K(K), .DILATION(DILATION)) u_dut (
    .clk_i,
    .rst_i,
    .in_valid_i,
    .in_ready_o (in_ready),
    .in_data_i,
    .out_valid_o(out_valid),
    .issue_i    (issue),
    .walk_end_i (walk_end),
    .chunk_o    (chunk)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;
  always_comb begin
    if (!past_valid) assume (rst_i);
  end

  logic push;
  assign push = in_valid_i && in_ready;

  // ---- the user's rules -------------------------------------------------------
  logic                  was_offered;  // in_valid_i without in_ready_o last cycle (outside reset)
  logic [CHANNELS*W-1:0] was_data;
  logic                  waiting;      // a pushed sample waits for its walk

  always_ff @(posedge clk_i) begin
    was_offered <= !rst_i && in_valid_i && !in_ready;
    was_data    <= in_data_i;
  end

  always_comb begin
    if (past_valid && was_offered && !rst_i) assume (in_valid_i && in_data_i == was_data);
    if (waiting) assume (!in_valid_i);
  end

  // ---- shadow history and the padded taps of the sample last pushed -----------
  logic [CHANNELS*W-1:0] history [Back + 1];  // [0] newest
  int unsigned           count;               // pushes since reset, saturating at Back + 1
  logic [K*PaddedW-1:0]  push_taps;           // the taps a push completes (combinational)
  logic [K*PaddedW-1:0]  waiting_taps;        // ... of the sample waiting for its walk
  logic [K*PaddedW-1:0]  walk_taps;           // ... of the sample being walked

  always_comb begin
    for (int k = 0; k < K; k++) begin
      int unsigned age;
      logic [CHANNELS*W-1:0] word;
      age  = (K - 1 - k) * DILATION;  // 0: the vector being pushed
      word = (age == 0) ? in_data_i : history[age - 1];
      push_taps[k*PaddedW +: PaddedW] = (age < count + 1) ? PaddedW'(word) : '0;
    end
  end

  // ---- the walk -----------------------------------------------------------------
  logic        walking;
  int unsigned beat;      // 0 .. Walk-1
  logic        begin_walk;

  assign issue      = walking;
  assign walk_end   = walking && (beat == Walk - 1);
  assign begin_walk = start_i && waiting && (!walking || walk_end);

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      count   <= 0;
      waiting <= 1'b0;
      walking <= 1'b0;
      beat    <= 0;
    end else begin
      if (push) begin
        for (int a = Back; a > 0; a--) history[a] <= history[a-1];
        history[0] <= in_data_i;
        if (count < Back + 1) count <= count + 1;
        waiting      <= 1'b1;
        waiting_taps <= push_taps;
      end
      if (walking) beat <= walk_end ? 0 : beat + 1;
      if (begin_walk) begin
        walking   <= 1'b1;
        walk_taps <= waiting_taps;
        waiting   <= 1'b0;
      end else if (walk_end) begin
        walking <= 1'b0;
      end
    end
  end

  // ---- the expected chunk of each issued beat, two cycles on ---------------------
  logic              pushed;  // a push was accepted last cycle, outside reset
  logic [ChunkW-1:0] exp_now;
  logic [ChunkW-1:0] exp_chunk [2];
  logic [1:0]        exp_valid;

  always_comb begin
    int unsigned tap;
    int unsigned group;
    tap   = (beat % Beats) / Groups;
    group = (beat % Beats) % Groups;
    exp_now = walk_taps[tap*PaddedW + group*ChunkW +: ChunkW];
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      exp_valid <= '0;
    end else begin
      exp_valid <= {exp_valid[0], issue};
    end
    pushed       <= push && !rst_i;
    exp_chunk[0] <= exp_now;
    exp_chunk[1] <= exp_chunk[0];
  end

  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i) begin
      if (exp_valid[1]) a_chunk_is_history: assert (chunk == exp_chunk[1]);
      // one out_valid_o, the cycle after each push (a push in reset is dropped)
      a_out_valid: assert (out_valid == pushed);
    end
  end

endmodule

`default_nettype wire
