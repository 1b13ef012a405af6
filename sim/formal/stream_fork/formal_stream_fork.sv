// Property wrapper for stream_fork: each consumer receives each word exactly
// once, in order, whenever it takes it. The shadow numbers the producer's
// words (sent: words the producer has handed over since reset) and counts
// each consumer's takes (got[i]); taken[i] says consumer i has the current
// word already.
//   - exactly once, in order: got[i] == sent + taken[i] (mod 2^CountW), so
//     consumer i's n-th take is the producer's n-th word; a take is only of a
//     word consumer i does not have yet, and on out_data_o it is the
//     producer's current word; the producer's word is taken only once every
//     consumer has it or takes it in that cycle (none misses a word)
//   - latency 0, never a refusal without cause: out_valid_o[i] exactly while
//     the producer offers a word consumer i does not have (so out_valid_o
//     never depends on out_ready_i), and, while the producer offers,
//     in_ready_o exactly when every consumer has the word or takes it now
//   - an offer holds until taken
// The producer contract of the header is assumed (in_valid_i and in_data_i
// hold while the word waits, outside reset); consumers are free. rst_i is
// free after the first cycle (a reset in the first cycle is assumed); reset
// clears taken[] (a word partly delivered when reset came is forgotten).
// Every shadow register matches one of the fork's (its flags), so
// k-induction closes.
//
// Parameters
//   N, W    as stream_fork
//   CountW  bits of the word counters (they wrap: only differences matter)

`default_nettype none

module formal_stream_fork #(
  parameter int N      = 3,
  parameter int W      = 2,
  parameter int CountW = 3
) (
  input wire logic         clk_i,
  input wire logic         rst_i,
  input wire logic         in_valid_i,
  input wire logic [W-1:0] in_data_i,
  input wire logic [N-1:0] out_ready_i
);

  logic         in_ready;
  logic [N-1:0] out_valid;
  logic [W-1:0] out_data;

  stream_fork #(.N(N), .W(W)) u_dut (
    .clk_i, .rst_i, .in_valid_i, .in_ready_o(in_ready), .in_data_i,
    .out_valid_o(out_valid), .out_ready_i, .out_data_o(out_data)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;

  // ---- assumptions: first cycle in reset, the producer holds its word -------
  always_comb begin
    if (!past_valid) assume (rst_i);
  end
  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i && $past(in_valid_i && !in_ready && !rst_i)) begin
      assume (in_valid_i);
      assume (in_data_i == $past(in_data_i));
    end
  end

  // ---- shadow: words handed over, takes per consumer -------------------------
  logic              sent_word;  // the producer's word goes in this cycle
  logic [N-1:0]      take;       // consumer i takes in this cycle
  logic [N-1:0]      taken;
  logic [CountW-1:0] sent;
  logic [CountW-1:0] got [N];

  assign sent_word = in_valid_i && in_ready && !rst_i;
  assign take      = out_valid & out_ready_i & {N{!rst_i}};

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      taken <= '0;
      sent  <= '0;
      for (int i = 0; i < N; i++) got[i] <= '0;
    end else begin
      taken <= sent_word ? '0 : taken | take;
      sent  <= sent + CountW'(sent_word);
      for (int i = 0; i < N; i++) got[i] <= got[i] + CountW'(take[i]);
    end
  end

  // ---- the contract -------------------------------------------------------------
  logic [N-1:0] numbered;  // consumer i's takes match the producer's words one for one
  always_comb begin
    for (int i = 0; i < N; i++) numbered[i] = got[i] == sent + CountW'(taken[i]);
  end

  always_comb begin
    if (past_valid && !rst_i) begin
      a_each_word_once_in_order: assert (&numbered);
      a_no_second_take: assert ((take & taken) == '0);
      a_taken_only_with_word: assert (in_valid_i || taken == '0);
      a_take_is_current_word: assert (take == '0 || out_data == in_data_i);
      a_none_missed: assert (!sent_word || &(taken | take));
      a_offer_iff_owed: assert (out_valid == ({N{in_valid_i}} & ~taken));
      if (in_valid_i) begin
        a_ready_iff_all_served: assert (in_ready == &(taken | out_ready_i));
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i && !$past(rst_i)) begin
      a_offer_holds: assert (($past(out_valid & ~out_ready_i) & ~out_valid) == '0);
    end
  end

  // Consumers that take one word in different cycles, and a word at full rate.
  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i) begin
      c_staggered: cover (sent_word && taken != '0 && take != '0 && 32'(sent) >= 1);
      c_back_to_back: cover ($past(sent_word) && sent_word && 32'(sent) >= 2);
    end
  end

endmodule

`default_nettype wire
