// Property wrapper for stream_fifo: its header contract.
//   - no word dropped or duplicated, words in push order: a shadow FIFO of
//     the accepted words (DEPTH + 1 slots, so an overflow is asserted, not
//     lost); whenever out_valid_o is high, out_data_o is the shadow's oldest
//     word, and a take pops it
//   - level_o is the number of words accepted and not taken, never above
//     DEPTH; full_o exactly when it is DEPTH
//   - out_valid_o exactly while a word is held (LATENCY 1: a push into an
//     empty FIFO is offered in the next cycle), in_ready_o exactly while
//     there is room (full throughput: never a refusal with room)
//   - out_valid_o and out_data_o hold while the consumer waits
//   - registered outputs: a second copy of the FIFO sees the same inputs,
//     except that in one cycle of the solver's choosing its in_valid_i,
//     in_data_i and out_ready_i are inverted. Equal input histories up to
//     that cycle mean equal state (no register named), so equal in_ready_o,
//     out_valid_o, out_data_o, full_o and level_o in that cycle prove that no
//     input reaches an output combinationally.
// The producer is not constrained (the FIFO needs no hold from it) and
// neither is the consumer; rst_i is free after the first cycle (a reset in
// the first cycle is assumed), and the shadow forgets what reset drops.
//
// DATA = 0 keeps only the level, flag and valid-hold rules, which are
// k-inductive together with the RTL's own assertions (its pointer invariant:
// both pointers inside the ring, level_o apart; and its data hold); the
// wrapper's data rules are not (the ring holds words the wrapper cannot name,
// and a stalled consumer can hide a wrong word for any number of cycles), so
// they are proven bounded (DATA = 1).
//
// Parameters
//   W, DEPTH  as stream_fifo
//   DATA      1: the shadow FIFO's data rules and the registered-output twin

`default_nettype none

module formal_stream_fifo #(
  parameter int W     = 2,
  parameter int DEPTH = 3,
  parameter bit DATA  = 1'b1
) (
  input wire logic         clk_i,
  input wire logic         rst_i,
  input wire logic         in_valid_i,
  input wire logic [W-1:0] in_data_i,
  input wire logic         out_ready_i,
  input wire logic         diverge_i   // the cycle copy B's inputs are inverted
);

  localparam int LevelW = fixed_pkg::ceil_log2(DEPTH + 1);
  localparam int Slots  = DEPTH + 1;
  localparam int CountW = fixed_pkg::ceil_log2(Slots + 1);

  // ---- the FIFO under test (A) ----------------------------------------------
  logic              in_ready;
  logic              out_valid;
  logic [W-1:0]      out_data;
  logic              full;
  logic [LevelW-1:0] level;

  stream_fifo #(.W(W), .DEPTH(DEPTH)) u_a (
    .clk_i, .rst_i, .in_valid_i, .in_ready_o(in_ready), .in_data_i,
    .out_valid_o(out_valid), .out_ready_i, .out_data_o(out_data), .full_o(full), .level_o(level)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;
  always_comb begin
    if (!past_valid) assume (rst_i);
  end

  // ---- shadow FIFO of accepted words ----------------------------------------
  logic [W-1:0]      fifo [Slots];
  logic [CountW-1:0] count;
  logic              push, pop;

  assign push = in_valid_i && in_ready && !rst_i;
  assign pop  = out_valid && out_ready_i && !rst_i;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      count <= '0;
    end else begin
      if (pop) begin
        for (int i = 0; i < Slots - 1; i++) fifo[i] <= fifo[i + 1];
      end
      if (push && 32'(count) - 32'(pop) < Slots) fifo[32'(count) - 32'(pop)] <= in_data_i;
      count <= count + CountW'(push) - CountW'(pop);
    end
  end

  // ---- the contract -----------------------------------------------------------
  always_comb begin
    if (past_valid && !rst_i) begin
      a_level_is_held_words: assert (32'(level) == 32'(count));
      a_level_bound: assert (32'(count) <= DEPTH);
      a_full_iff_depth: assert (full == (32'(count) == DEPTH));
      a_valid_iff_held: assert (out_valid == (count != '0));
      a_ready_iff_room: assert (in_ready == (32'(count) != DEPTH));
      a_no_take_from_empty: assert (!pop || count != '0);
    end
  end

  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i && !$past(rst_i) && $past(out_valid && !out_ready_i)) begin
      a_out_valid_holds: assert (out_valid);
    end
  end

  if (DATA) begin : g_data
    // Every word offered is the oldest accepted, untaken one, and holds.
    always_comb begin
      if (past_valid && !rst_i && out_valid) begin
        a_oldest_word_first: assert (out_data == fifo[0]);
      end
    end
    always_ff @(posedge clk_i) begin
      if (past_valid && !rst_i && !$past(rst_i) && $past(out_valid && !out_ready_i)) begin
        a_out_data_holds: assert (out_data == $past(out_data));
      end
    end

    // ---- copy B: its inputs inverted in one chosen cycle ----------------------
    logic              diverged;  // B's inputs have differed once: stop comparing
    logic              in_valid_b, out_ready_b, in_ready_b, out_valid_b, full_b;
    logic [W-1:0]      in_data_b, out_data_b;
    logic [LevelW-1:0] level_b;
    logic              flip;

    initial diverged = 1'b0;
    always_ff @(posedge clk_i) begin
      if (diverge_i) diverged <= 1'b1;
    end

    assign flip        = diverge_i && !diverged;
    assign in_valid_b  = in_valid_i ^ flip;
    assign in_data_b   = in_data_i ^ {W{flip}};
    assign out_ready_b = out_ready_i ^ flip;

    stream_fifo #(.W(W), .DEPTH(DEPTH)) u_b (
      .clk_i, .rst_i, .in_valid_i(in_valid_b), .in_ready_o(in_ready_b), .in_data_i(in_data_b),
      .out_valid_o(out_valid_b), .out_ready_i(out_ready_b), .out_data_o(out_data_b), .full_o(full_b),
      .level_o(level_b)
    );

    always_comb begin
      if (past_valid && flip) begin
        a_outputs_registered: assert (in_ready_b == in_ready && out_valid_b == out_valid && full_b == full
                                      && level_b == level && (!out_valid || out_data_b == out_data));
      end
    end

    // The bounded proof is worthless if its depth never fills the ring, wraps
    // it, or streams through it at one word per cycle.
    logic [3:0] streak;  // consecutive cycles with a push and a take
    logic [3:0] pushes;  // pushes since reset (saturating)
    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        streak <= '0;
        pushes <= '0;
      end else begin
        streak <= (push && pop) ? ((streak == '1) ? streak : streak + 1'b1) : '0;
        if (push && pushes != '1) pushes <= pushes + 1'b1;
      end
    end
    always_ff @(posedge clk_i) begin
      if (past_valid && !rst_i) begin
        c_full: cover (full && pop);
        c_wrapped_twice: cover (32'(pushes) > 2 * DEPTH && pop);
        c_full_rate: cover (32'(streak) >= DEPTH + 2);
      end
    end
  end else begin : g_no_data
    logic unused_diverge;
    assign unused_diverge = diverge_i;
  end

endmodule

`default_nettype wire
