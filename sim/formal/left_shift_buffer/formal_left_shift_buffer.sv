// Property wrapper for left_shift_buffer: window_o is always the last LENGTH
// vectors pushed since reset (zero before), newest in slot LENGTH-1, and
// out_valid_o pulses in the cycle after each push (LATENCY = 1).
//
// Shadow: the pushed vectors as a list of LENGTH slots, cleared by reset. The
// window is an output, so the property is 1-inductive: k-induction (prove).
//
// Parameters
//   W, CHANNELS, LENGTH  as left_shift_buffer

`default_nettype none

module formal_left_shift_buffer #(
  parameter int W        = 2,
  parameter int CHANNELS = 2,
  parameter int LENGTH   = 3
) (
  input wire logic                  clk_i,
  input wire logic                  rst_i,
  input wire logic                  in_valid_i,
  input wire logic [CHANNELS*W-1:0] in_data_i
);

  localparam int VecW = CHANNELS * W;

  logic                       out_valid;
  logic [LENGTH*VecW-1:0]     window;

  left_shift_buffer #(.W(W), .CHANNELS(CHANNELS), .LENGTH(LENGTH)) u_dut (
    .clk_i,
    .rst_i,
    .in_valid_i,
    .in_data_i,
    .out_valid_o(out_valid),
    .window_o   (window)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;
  always_comb begin
    if (!past_valid) assume (rst_i);
  end

  logic [VecW-1:0] pushed [LENGTH];  // [0] newest
  logic            pushed_now;       // a push in the previous cycle

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      for (int s = 0; s < LENGTH; s++) pushed[s] <= '0;
      pushed_now <= 1'b0;
    end else begin
      pushed_now <= in_valid_i;
      if (in_valid_i) begin
        for (int s = LENGTH - 1; s > 0; s--) pushed[s] <= pushed[s-1];
        pushed[0] <= in_data_i;
      end
    end
  end

  logic [LENGTH*VecW-1:0] expected;  // slot LENGTH-1 the newest
  always_comb begin
    for (int s = 0; s < LENGTH; s++) expected[(LENGTH-1-s)*VecW +: VecW] = pushed[s];
  end

  always_ff @(posedge clk_i) begin
    if (past_valid) begin
      a_out_valid_after_push: assert (out_valid == pushed_now);
      a_window_is_history: assert (window == expected);
    end
  end

endmodule

`default_nettype wire
