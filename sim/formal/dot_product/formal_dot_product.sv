// Property wrapper for dot_product: every result equals the sum of the lane
// products of its beats, and arrives LATENCY = clog2(LANES) + 2 cycles after
// its last beat, exactly once.
//
// Shadow model: the sum of a_l * b_l over the lanes of each beat, accumulated
// beat by beat as the producer sends them, and a delay line of LATENCY cycles
// carrying (last beat seen, finished sum). Reset clears both. The producer
// keeps the header's contract (assumed): at most BEATS = ceil(N / LANES) beats
// per dot product; gaps, resets and back-to-back dot products are free.
//
// Bounded (bmc): the accumulator is internal state the shadow cannot name, and
// gaps between beats are unbounded, so no k closes an induction.
//
// Parameters
//   W, N, LANES  as dot_product (ACC_W its default)

`default_nettype none

module formal_dot_product #(
  parameter int W     = 4,
  parameter int N     = 4,
  parameter int LANES = 2
) (
  input wire logic               clk_i,
  input wire logic               rst_i,
  input wire logic               in_valid_i,
  input wire logic               in_last_i,
  input wire logic [LANES*W-1:0] in_a_i,
  input wire logic [LANES*W-1:0] in_b_i
);

  localparam int AccW    = fixed_pkg::acc_width(W, N);
  localparam int Beats   = fixed_pkg::ceil_div(N, LANES);
  localparam int Latency = fixed_pkg::ceil_log2(LANES) + 2;

  logic                   out_valid;
  logic signed [AccW-1:0] out_sum;

  dot_product #(.W(W), .N(N), .LANES(LANES)) u_dut (
    .clk_i,
    .rst_i,
    .in_valid_i,
    .in_last_i,
    .in_a_i,
    .in_b_i,
    .out_valid_o(out_valid),
    .out_sum_o  (out_sum)
  );

  logic past_valid = 1'b0;
  always_ff @(posedge clk_i) past_valid <= 1'b1;

  // ---- the producer's contract --------------------------------------------
  int unsigned beats_in;  // beats of the current dot product so far
  always_comb begin
    if (!past_valid) assume (rst_i);
    if (in_valid_i && beats_in == Beats - 1) assume (in_last_i);
  end

  // ---- shadow model --------------------------------------------------------
  logic signed [AccW-1:0] beat_sum;
  always_comb begin
    beat_sum = '0;
    for (int l = 0; l < LANES; l++) begin
      beat_sum = beat_sum + AccW'($signed(in_a_i[l*W +: W])) * AccW'($signed(in_b_i[l*W +: W]));
    end
  end

  logic signed [AccW-1:0] shadow_acc;
  logic [Latency-1:0]     exp_valid;  // [0]: last beat one cycle ago
  logic signed [AccW-1:0] exp_sum [Latency];

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      beats_in   <= 0;
      shadow_acc <= '0;
      exp_valid  <= '0;
    end else begin
      exp_valid <= {exp_valid[Latency-2:0], in_valid_i && in_last_i};
      if (in_valid_i) begin
        beats_in   <= in_last_i ? 0 : beats_in + 1;
        shadow_acc <= in_last_i ? '0 : shadow_acc + beat_sum;
      end
    end
    exp_sum[0] <= shadow_acc + beat_sum;
    for (int s = 1; s < Latency; s++) exp_sum[s] <= exp_sum[s-1];
  end

  always_ff @(posedge clk_i) begin
    if (past_valid && !rst_i) begin
      a_valid_latency: assert (out_valid == exp_valid[Latency-1]);
      if (out_valid) begin
        a_sum_exact: assert (out_sum == exp_sum[Latency-1]);
      end
    end
  end

endmodule

`default_nettype wire
