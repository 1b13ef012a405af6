// Property wrapper for activation_cache: after any sequence of pushes, resets
// and stalls, the taps of push t are x[t - (K-1-k)*DILATION] (zero before the
// first push since reset), on time, once, and they hold as the header says.
//
// Shadow history: the last (K-1)*DILATION + 1 vectors pushed since reset,
// newest first, and how many there are. At a push the expected taps are taken
// from it (including the vector being pushed); the DUT must show them in
// cycle c + LATENCY with out_valid_o, keep in_ready_o low in between, and
// hold taps_o until cycle c' + 2 of the next push c'. A reset empties the
// history and cancels a push in flight. Inputs are free (in_valid_i, data,
// reset at any cycle); only the first cycle is a reset.
//
// Bounded (bmc): the ring memory is internal state the shadow cannot name,
// and stalls are unbounded, so no k closes an induction. The depth covers a
// wrap of the ring (see activation_cache.sby). The ring is flattened to
// flip-flops before solving (memory_map): bit-vectors solve far faster than arrays.
//
// Parameters
//   W, CHANNELS, K, DILATION  as activation_cache

`default_nettype none

module formal_activation_cache #(
  parameter int W        = 2,
  parameter int CHANNELS = 1,
  parameter int K        = 3,
  parameter int DILATION = 2
) (
  input wire logic                  clk_i,
  input wire logic                  rst_i,
  input wire logic                  in_valid_i,
  input wire logic [CHANNELS*W-1:0] in_data_i
);

  localparam int VecW    = CHANNELS * W;
  localparam int TapsW   = K * VecW;
  localparam int Back    = (K - 1) * DILATION;
  localparam int Latency = K + 3;

  logic             in_ready;
  logic             out_valid;
  logic [TapsW-1:0] taps;

  activation_cache #(.W(W), .CHANNELS(CHANNELS), .K(K), .DILATION(DILATION)) u_dut (
    .clk_i,
    .rst_i,
    .in_valid_i,
    .in_ready_o (in_ready),
    .in_data_i,
    .out_valid_o(out_valid),
    .taps_o     (taps)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;
  always_comb begin
    if (!past_valid) assume (rst_i);
  end

  logic push;
  assign push = in_valid_i && in_ready;

  // ---- shadow history and the expected taps of a push ----------------------
  logic [VecW-1:0]  history [Back + 1];  // [0] newest
  int unsigned      count;               // vectors pushed since reset, saturating at Back + 1
  logic [TapsW-1:0] exp_taps;            // computed at a push from the history it completes

  always_comb begin
    for (int k = 0; k < K; k++) begin
      int unsigned age;
      logic [VecW-1:0] word;
      age  = (K - 1 - k) * DILATION;  // 0: the vector being pushed
      word = (age == 0) ? in_data_i : history[age - 1];
      exp_taps[k*VecW +: VecW] = (age < count + 1) ? word : '0;
    end
  end

  // ---- pending push, its age, and the taps that must hold -----------------
  logic             pending;    // a push is in flight
  int unsigned      since;      // cycles since that push (1 in the cycle after it)
  logic [TapsW-1:0] next_taps;  // what the push in flight must produce
  logic             holding;    // taps_o shown with out_valid_o, must hold
  logic [TapsW-1:0] held_taps;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      count   <= 0;
      pending <= 1'b0;
      holding <= 1'b0;
      since   <= 0;
    end else begin
      if (pending) since <= since + 1;
      if (out_valid) begin
        pending   <= 1'b0;
        holding   <= 1'b1;
        held_taps <= taps;
      end
      if (push) begin
        for (int a = Back; a > 0; a--) history[a] <= history[a-1];
        history[0] <= in_data_i;
        if (count < Back + 1) count <= count + 1;
        pending   <= 1'b1;
        since     <= 1;
        next_taps <= exp_taps;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i) begin
      a_out_valid_on_time: assert (out_valid == (pending && since == Latency));
      a_ready_between_pushes: assert (in_ready == !(pending && since < Latency));
      if (out_valid) begin
        a_taps_equal_history: assert (taps == next_taps);
      end
      // Taps hold until cycle c' + 2 of the next push c' (since = 1, 2 there).
      if (holding && !out_valid && (!pending || since <= 2)) begin
        a_taps_hold: assert (taps == held_taps);
      end
    end
  end

endmodule

`default_nettype wire
