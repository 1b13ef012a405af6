// Property wrapper for network_stage with a conv1d core: the stage contract
// of its header, for every input sequence up to the proof depth.
//
// The core is the real conv1d (K=2, IN_D=OUT_D=1, LANES=COLS=1, Q(3,0) in
// and out, Q(2,0) kernel and bias, linear, RNE) with kernel (0, 1) and bias 0
// (fv_weights.hex, fv_bias.hex, golden.memfile.write_hex): y[t] = x[t], so
// every output names the input it came from and a shadow FIFO of accepted
// inputs checks them one for one:
//   - no sample dropped or duplicated, outputs in order: each output taken
//     (out_valid_o & out_ready_i) equals the oldest accepted input not yet
//     taken; none is taken with the FIFO empty; at most MAX_IN_FLIGHT are
//     accepted and not yet taken (one tap set waiting, two in the core: one
//     in its result register, one in flight or finished behind it), so
//     nothing piles up unseen and the core overlaps samples
//   - out_data_o and out_valid_o hold while out_valid_o && !out_ready_i
//   - in_ready_o is not a combinational function of out_ready_i: a second
//     copy of the stage sees the same inputs, except that in one cycle of the
//     solver's choosing its out_ready_i is inverted. Up to that cycle both
//     copies have had identical inputs, so identical state; asserting equal
//     in_ready_o (and out_valid_o) in that cycle proves that no path from
//     out_ready_i reaches them in any reachable state. (Equality of state
//     needs no hierarchical reference: it follows from equal input histories.)
//   - bounded latency: an input accepted into an empty stage, with
//     out_ready_i held high from then on, appears exactly LATENCY cycles
//     later (the header's SRC_LAT + LAT + 1), never earlier
// rst_i is free after the first cycle (a reset in the first cycle is
// assumed): reset drops what is in flight, so the shadow forgets it too.
// The producer contract of the header is assumed: in_valid_i and in_data_i
// hold while in_valid_i waits for in_ready_o (outside reset).
//
// Parameters
//   LATENCY        the stage's documented push-to-out_valid_o latency for
//                  this configuration (golden.kinds conv1d core_latency 8,
//                  shift-buffer source: 1 + 8 = 9)
//   MAX_IN_FLIGHT  accepted, not yet taken samples the stage may hold

`default_nettype none

module formal_network_stage #(
  parameter int LATENCY       = 9,
  parameter int MAX_IN_FLIGHT = 3
) (
  input wire logic          clk_i,
  input wire logic          rst_i,
  input wire logic          in_valid_i,
  input wire logic [2:0]    in_data_i,
  input wire logic          out_ready_i,
  input wire logic          diverge_i   // the cycle copy B's out_ready_i is inverted
);

  localparam int XW = 3;
  localparam int Depth = 4;  // shadow FIFO slots (> MAX_IN_FLIGHT: an overflow is asserted, not lost)

  // ---- the stage under test (A) and its twin (B) ---------------------------
  logic          in_ready_a, out_valid_a, in_ready_b, out_valid_b;
  logic [XW-1:0] out_data_a, out_data_b;
  logic          out_ready_b;
  logic          diverged;  // B's out_ready_i has differed once: stop comparing

  assign out_ready_b = diverge_i && !diverged ? !out_ready_i : out_ready_i;

  formal_network_stage_dut u_a (
    .clk_i, .rst_i, .in_valid_i, .in_ready_o(in_ready_a), .in_data_i,
    .out_valid_o(out_valid_a), .out_ready_i, .out_data_o(out_data_a)
  );
  formal_network_stage_dut u_b (
    .clk_i, .rst_i, .in_valid_i, .in_ready_o(in_ready_b), .in_data_i,
    .out_valid_o(out_valid_b), .out_ready_i(out_ready_b), .out_data_o(out_data_b)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;

  initial diverged = 1'b0;
  always_ff @(posedge clk_i) begin
    if (diverge_i) diverged <= 1'b1;
  end

  // ---- assumptions: first cycle in reset, producer holds its offer ----------
  always_ff @(posedge clk_i) begin
    if (past_valid && $past(in_valid_i && !in_ready_a && !rst_i) && !rst_i) begin
      assume (in_valid_i);
      assume (in_data_i == $past(in_data_i));
    end
  end
  always_comb begin
    if (!past_valid) assume (rst_i);
  end

  // ---- shadow FIFO of accepted inputs -------------------------------------
  logic [XW-1:0] fifo [Depth];
  logic [2:0]    count;
  logic          push, pop;

  assign push = in_valid_i && in_ready_a && !rst_i;
  assign pop  = out_valid_a && out_ready_i && !rst_i;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      count <= '0;
    end else begin
      if (pop) begin
        for (int i = 0; i < Depth - 1; i++) fifo[i] <= fifo[i + 1];
      end
      if (push) fifo[count - 3'(pop)] <= in_data_i;
      count <= count + 3'(push) - 3'(pop);
    end
  end

  // ---- latency: an input into an empty stage, out_ready_i high since ---------
  logic       timing;  // following one such input
  logic [4:0] age;     // cycles since its push

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      timing <= 1'b0;
      age    <= '0;
    end else if (push && count == 3'(pop) && out_ready_i) begin
      timing <= 1'b1;
      age    <= 5'd1;
    end else if (timing) begin
      timing <= out_ready_i && !(pop && age == 5'(LATENCY));
      age    <= age + 5'd1;
    end
  end

  // ---- the contract -------------------------------------------------------
  always_comb begin
    if (!rst_i && past_valid) begin
      a_in_flight_bounded: assert (count <= 3'(MAX_IN_FLIGHT));
      a_no_output_without_input: assert (!pop || count != 0);
      a_outputs_in_order: assert (!pop || out_data_a == fifo[0]);
      if (timing && age <= 5'(LATENCY)) begin
        a_latency_exact: assert (out_valid_a == (age == 5'(LATENCY)));
      end
    end
    if (past_valid && !diverged && diverge_i) begin
      a_in_ready_registered: assert (in_ready_a == in_ready_b);
      a_out_valid_registered: assert (out_valid_a == out_valid_b);
    end
  end

  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i && !$past(rst_i) && $past(out_valid_a && !out_ready_i)) begin
      a_out_valid_holds: assert (out_valid_a);
      a_out_data_holds: assert (out_data_a == $past(out_data_a));
    end
  end

  // The proof is worthless if its depth never sees an output taken after waiting, or three in flight.
  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i) begin
      c_three_in_flight: cover (count == 3'd3);
      c_taken_after_wait: cover ($past(out_valid_a && !out_ready_i && !rst_i) && pop);
      c_latency_met: cover (timing && age == 5'(LATENCY) && pop);
    end
  end

endmodule

`default_nettype wire
