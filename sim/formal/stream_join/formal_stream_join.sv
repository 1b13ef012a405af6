// Property wrapper for stream_join: one word from every input per output
// word, and the output word is their concatenation.
//   - a transfer takes one word from each input, none without an output
//     word: per input a count of its takes, all equal to the count of output
//     words (mod 2^CountW)
//   - out_data_o is the inputs' words, input j at the sum of the widths below
//     it (as the wrapper's own concatenation of per-input words)
//   - out_valid_o exactly when every input is valid (latency 0, never from
//     out_ready_i); in_ready_o[j] exactly when the consumer is ready and every
//     input valid
//   - the output holds while the consumer waits
// The producer contract of the header is assumed per input (valid and word
// hold while it waits, outside reset); the consumer is free; rst_i is free
// after the first cycle (a reset in the first cycle is assumed). The join has
// no state, so k-induction closes at once.
//
// Parameters
//   CountW  bits of the transfer counters (they wrap: only differences matter)
// The inputs are three, of 2, 1 and 3 bits (WIDTHS below).

`default_nettype none

module formal_stream_join #(
  parameter int CountW = 3
) (
  input wire logic       clk_i,
  input wire logic       rst_i,
  input wire logic [2:0] in_valid_i,
  input wire logic [1:0] a_i,   // input 0
  input wire logic       b_i,   // input 1
  input wire logic [2:0] c_i,   // input 2
  input wire logic       out_ready_i
);

  localparam int N = 3;
  localparam int TotalW = 6;

  logic [N-1:0]      in_ready;
  logic              out_valid;
  logic [TotalW-1:0] out_data;

  stream_join #(.N(N), .WIDTHS({32'd3, 32'd1, 32'd2}), .TOTAL_W(TotalW)) u_dut (
    .clk_i, .rst_i, .in_valid_i, .in_ready_o(in_ready), .in_data_i({c_i, b_i, a_i}),
    .out_valid_o(out_valid), .out_ready_i, .out_data_o(out_data)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;

  // ---- assumptions: first cycle in reset, every producer holds its word -----
  always_comb begin
    if (!past_valid) assume (rst_i);
  end
  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i && !$past(rst_i)) begin
      for (int j = 0; j < N; j++) begin
        if ($past(in_valid_i[j] && !in_ready[j])) assume (in_valid_i[j]);
      end
      if ($past(in_valid_i[0] && !in_ready[0])) assume (a_i == $past(a_i));
      if ($past(in_valid_i[1] && !in_ready[1])) assume (b_i == $past(b_i));
      if ($past(in_valid_i[2] && !in_ready[2])) assume (c_i == $past(c_i));
    end
  end

  // ---- shadow: takes per input, words out --------------------------------------
  logic [N-1:0]      take;
  logic              give;
  logic [CountW-1:0] taken [N];
  logic [CountW-1:0] given;

  assign take = in_valid_i & in_ready & {N{!rst_i}};
  assign give = out_valid && out_ready_i && !rst_i;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      given <= '0;
      for (int j = 0; j < N; j++) taken[j] <= '0;
    end else begin
      given <= given + CountW'(give);
      for (int j = 0; j < N; j++) taken[j] <= taken[j] + CountW'(take[j]);
    end
  end

  logic [N-1:0] counted;
  always_comb begin
    for (int j = 0; j < N; j++) counted[j] = taken[j] == given;
  end

  // ---- the contract -----------------------------------------------------------
  always_comb begin
    if (past_valid && !rst_i) begin
      a_one_word_from_each: assert (&counted);
      a_takes_with_output: assert (take == {N{give}});
      a_valid_iff_all: assert (out_valid == &in_valid_i);
      a_ready_iff_transfer: assert (in_ready == {N{out_ready_i && &in_valid_i}});
      a_concatenation: assert (!out_valid || out_data == {c_i, b_i, a_i});
    end
  end

  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i && !$past(rst_i) && $past(out_valid && !out_ready_i)) begin
      a_out_holds: assert (out_valid && out_data == $past(out_data));
    end
  end

endmodule

`default_nettype wire
