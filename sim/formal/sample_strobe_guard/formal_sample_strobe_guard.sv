// Property wrapper for sample_strobe_guard: its header contract.
//   - valid/ready: valid_o stays high and data_o stable until ready_i takes it
//   - LATENCY = 1: a strobe (outside reset) means valid_o in the next cycle
//   - a strobe while the held sample is neither free nor taken is an overrun:
//     the new sample is dropped, overrun_o pulses in the next cycle, the count
//     rises by one, saturating at 2^COUNT_W - 1; otherwise the sample is held
//   - samples are delivered complete and in order, none invented: valid_o
//     rises only after a strobe, and data_o is the newest captured sample
//   - reset forgets the held sample and clears the count
// Shadow: the one-slot queue the header describes (held flag, sample, count).
// Every register it shadows is an output, so k-induction (prove) closes.
//
// Parameters
//   WIDTH, COUNT_W  as sample_strobe_guard (COUNT_W small to reach saturation)

`default_nettype none

module formal_sample_strobe_guard #(
  parameter int WIDTH   = 2,
  parameter int COUNT_W = 2
) (
  input wire logic             clk_i,
  input wire logic             rst_i,
  input wire logic             strobe_i,
  input wire logic [WIDTH-1:0] data_i,
  input wire logic             ready_i
);

  logic               valid;
  logic [WIDTH-1:0]   data;
  logic               overrun;
  logic [COUNT_W-1:0] count;

  sample_strobe_guard #(.WIDTH(WIDTH), .COUNT_W(COUNT_W)) u_dut (
    .clk_i,
    .rst_i,
    .strobe_i,
    .data_i,
    .valid_o        (valid),
    .ready_i,
    .data_o         (data),
    .overrun_o      (overrun),
    .overrun_count_o(count)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;
  always_comb begin
    if (!past_valid) assume (rst_i);
  end

  // ---- shadow: one held sample ------------------------------------------
  logic               held;
  logic [WIDTH-1:0]   held_data;
  logic               dropped;   // a strobe was dropped in the previous cycle
  int unsigned        lost;      // dropped strobes since reset (unbounded here)
  logic               taken;     // the held sample was taken in the previous cycle

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      held    <= 1'b0;
      dropped <= 1'b0;
      lost    <= 0;
    end else begin
      dropped <= strobe_i && held && !ready_i;
      if (strobe_i && held && !ready_i) begin
        if (lost < (1 << COUNT_W) - 1) lost <= lost + 1;  // the header's saturation
      end else if (strobe_i) begin
        held      <= 1'b1;
        held_data <= data_i;
      end else if (ready_i) begin
        held <= 1'b0;
      end
    end
  end

  // ---- the previous cycle, for the handshake rules ------------------------
  logic             was_reset = 1'b1;
  logic             was_waiting;  // valid_o && !ready_i
  logic             was_strobe;
  logic [WIDTH-1:0] was_data;
  always_ff @(posedge clk_i) begin
    was_reset   <= rst_i;
    was_waiting <= valid && !ready_i;
    was_strobe  <= strobe_i;
    was_data    <= data;
  end

  always_ff @(posedge clk_i) begin
    if (past_valid) begin
      a_valid_is_held: assert (valid == held);
      if (held) begin
        a_data_is_held: assert (data == held_data);
      end
      a_overrun_pulse: assert (overrun == dropped);
      a_count: assert (32'(count) == lost);
      if (!was_reset && was_waiting) begin
        a_valid_stays: assert (valid);
        a_data_stable: assert (data == was_data);
      end
      if (!was_reset && was_strobe) begin
        a_strobe_latency_1: assert (valid);
      end
    end
  end

endmodule

`default_nettype wire
