// dot_product: streaming multiply-accumulate of two N-element Q(W,F) vectors.
//
// The vectors arrive in beats of LANES element pairs (LANES multipliers work
// in parallel); a dot product is BEATS = ceil(N / LANES) consecutive or
// gapped beats, the last one flagged with in_last_i. The producer zero-pads
// the last beat when LANES does not divide N. The sum is exact (ACC_W bits,
// see fixed_pkg::acc_width): no rounding here, requantisation is downstream.
//
// Parameters
//   W         element width in bits (default of A_W and B_W)
//   A_W       width of the a elements; A_SIGNED = 0: unsigned (ReLU outputs)
//   B_W       width of the b elements (signed: weights)
//   N         elements per dot product (sets the accumulator width)
//   LANES     multipliers in parallel, 1..N
//   ACC_W     accumulator width; default holds N products + one bias exactly
//   MUL_PO2   0: fixed_mul in every lane; 1: po2_mul (b elements are po2 weight
//             codes {zero, negative, offset}, B_W = clog2(PO2_SPAN + 1) + 2 bits,
//             products A_W + PO2_SPAN + 2 bits; the caller sizes ACC_W)
//   PO2_SPAN  MUL_PO2: the exponent span EMAX - EMIN (po2_mul's EXP_SPAN)
//   MUL_LATENCY  fixed_mul's register stages, 1 or 2 (LATENCY; po2_mul lanes: 1)
//
// Handshake (valid only, no backpressure; the block accepts a beat every cycle)
//   in_valid_i  beat present: in_a_i/in_b_i hold LANES pairs, lane l at [l*W +: W]
//   in_last_i   with in_valid_i: this beat ends the current dot product
//   out_valid_o one-cycle pulse, out_sum_o holds the finished sum
//
// Timing
//   LATENCY = MUL_LATENCY + clog2(LANES) + 1: a last beat presented in cycle c
//   gives out_valid_o high in cycle c + LATENCY (registers: MUL_LATENCY
//   multiplier stages, clog2(LANES) adder-tree stages, 1 accumulator/output stage).
//   Beats presented back to back in cycles s .. s+BEATS-1 give the result in
//   cycle s + BEATS - 1 + LATENCY. Dot products may follow each other with no
//   gap, so throughput is one dot product per BEATS cycles.

`default_nettype none

module dot_product #(
  /* verilator lint_off UNUSEDPARAM */  // W only sets the defaults of A_W and B_W
  parameter int W        = 16,
  /* verilator lint_on UNUSEDPARAM */
  parameter int A_W      = W,
  parameter int B_W      = W,
  parameter bit A_SIGNED = 1'b1,
  parameter int N        = 16,
  parameter int LANES    = 4,
  parameter int ACC_W    = fixed_pkg::acc_width2(A_W, A_SIGNED, B_W, N),
  parameter bit MUL_PO2  = 1'b0,
  parameter int PO2_SPAN = 0,
  parameter int MUL_LATENCY = 1
) (
  input  wire logic                    clk_i,
  input  wire logic                    rst_i,
  input  wire logic                    in_valid_i,
  input  wire logic                    in_last_i,
  input  wire logic [LANES*A_W-1:0]    in_a_i,
  input  wire logic [LANES*B_W-1:0]    in_b_i,
  output      logic                    out_valid_o,
  output      logic signed [ACC_W-1:0] out_sum_o
);

  localparam int Levels = fixed_pkg::ceil_log2(LANES);
  localparam int Leaves = 1 << Levels;  // adder tree padded to a power of two
  localparam int PW     = MUL_PO2 ? A_W + PO2_SPAN + 2 : A_W + B_W;  // exact product width of the multiplier
  localparam int Stages = MUL_LATENCY + Levels;  // register stages from a beat to its tree sum

  // ---- stages 1..MUL_LATENCY: LANES multipliers ------------------------------
  // Flat vectors throughout: synthesis sees plain wires, never a memory.
  logic [LANES*PW-1:0] product;

  for (genvar lane = 0; lane < LANES; lane++) begin : g_lane
    if (MUL_PO2) begin : g_po2
      po2_mul #(.A_W(A_W), .A_SIGNED(A_SIGNED), .EXP_SPAN(PO2_SPAN), .B_W(B_W)) u_mul (
        .clk_i,
        .a_i      (in_a_i[lane*A_W +: A_W]),
        .b_i      (in_b_i[lane*B_W +: B_W]),
        .product_o(product[lane*PW +: PW])
      );
    end else begin : g_fixed
      fixed_mul #(.A_W(A_W), .B_W(B_W), .A_SIGNED(A_SIGNED), .LATENCY(MUL_LATENCY)) u_mul (
        .clk_i,
        .a_i      (in_a_i[lane*A_W +: A_W]),
        .b_i      (in_b_i[lane*B_W +: B_W]),
        .product_o(product[lane*PW +: PW])
      );
    end
  end

  // Control travels beside the data: valid/last delayed to match each stage.
  logic [Stages-1:0] valid_pipe;
  logic [Stages-1:0] last_pipe;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      valid_pipe <= '0;
      last_pipe  <= '0;
    end else begin
      valid_pipe <= (valid_pipe << 1) | Stages'(in_valid_i);
      last_pipe  <= (last_pipe << 1) | Stages'(in_valid_i & in_last_i);
    end
  end

  // ---- stages 2..: registered binary adder tree -----------------------------
  // All tree nodes in one flat vector, level by level: level L has Leaves >> L
  // nodes starting at slot 2*(Leaves - (Leaves >> L)), each ACC_W bits wide.
  // Level 0 are the sign-extended products, zero-padded to a power of two;
  // every other level is a register stage.
  localparam int Nodes = 2 * Leaves - 1;
  logic [Nodes*ACC_W-1:0] node;

  for (genvar n = 0; n < Leaves; n++) begin : g_leaf
    if (n < LANES) begin : g_used
      assign node[n*ACC_W +: ACC_W] = ACC_W'($signed(product[n*PW +: PW]));
    end else begin : g_pad
      assign node[n*ACC_W +: ACC_W] = '0;
    end
  end

  for (genvar level = 1; level <= Levels; level++) begin : g_level
    localparam int Base     = 2 * (Leaves - (Leaves >> level));
    localparam int PrevBase = 2 * (Leaves - (Leaves >> (level - 1)));
    // A sum of 2^level products needs at most PW + level bits: only those are
    // registered, and the node slot carries the sign extension.
    localparam int LevelW = (PW + level < ACC_W) ? PW + level : ACC_W;
    for (genvar n = 0; n < (Leaves >> level); n++) begin : g_node
      logic signed [LevelW-1:0] sum_q;
      always_ff @(posedge clk_i) begin
        sum_q <= LevelW'($signed(node[(PrevBase + 2*n)*ACC_W +: ACC_W]))
               + LevelW'($signed(node[(PrevBase + 2*n + 1)*ACC_W +: ACC_W]));
      end
      assign node[(Base + n)*ACC_W +: ACC_W] = ACC_W'(sum_q);
    end
  end

  logic signed [ACC_W-1:0] tree_sum;
  assign tree_sum = $signed(node[(Nodes-1)*ACC_W +: ACC_W]);

  // ---- final stage: accumulate across beats ---------------------------------
  logic signed [ACC_W-1:0] acc;
  logic                    acc_clear;  // next accepted beat starts a new dot product
  logic signed [ACC_W-1:0] acc_next;

  assign acc_next = (acc_clear ? '0 : acc) + tree_sum;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      acc         <= '0;
      acc_clear   <= 1'b1;
      out_valid_o <= 1'b0;
      out_sum_o   <= '0;
    end else begin
      out_valid_o <= 1'b0;
      if (valid_pipe[Stages-1]) begin
        acc       <= acc_next;
        acc_clear <= last_pipe[Stages-1];
        if (last_pipe[Stages-1]) begin
          out_valid_o <= 1'b1;
          out_sum_o   <= acc_next;
        end
      end
    end
  end

  // ---- assertions -----------------------------------------------------------
  // The header's rules, compiled only with ASSERTIONS defined: every cocotb run
  // (Verilator --assert) and make formal (yosys -formal) define it; synthesis
  // never sees this code. Checked from the first reset on (a_armed), outside reset.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  localparam int ABeats   = fixed_pkg::ceil_div(N, LANES);
  localparam int ALatency = Stages + 1;

  logic [ALatency-1:0]                          a_last_seen;  // [i]: a last beat i+1 cycles ago
  logic [fixed_pkg::index_width(ABeats+1)-1:0]  a_beats;      // beats of the current dot product
  logic signed [ACC_W-1:0]                      a_acc_base;
  assign a_acc_base = acc_clear ? '0 : acc;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      a_last_seen <= '0;
      a_beats     <= '0;
    end else begin
      a_last_seen <= {a_last_seen[ALatency-2:0], in_valid_i && in_last_i};
      if (in_valid_i) a_beats <= in_last_i ? '0 : a_beats + 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      // Producer contract: at most BEATS beats per dot product (more could overflow ACC_W).
      a_at_most_beats: assert (!in_valid_i || 32'(a_beats) < ABeats);
      // LATENCY: out_valid_o exactly LATENCY cycles after each last beat, never otherwise.
      a_latency: assert (out_valid_o == a_last_seen[ALatency-1]);
      // The sum is exact: accumulating never wraps ACC_W.
      if (valid_pipe[Stages-1]) begin
        a_no_wrap: assert (!(a_acc_base[ACC_W-1] == tree_sum[ACC_W-1] && acc_next[ACC_W-1] != tree_sum[ACC_W-1]));
      end
    end
  end
`endif

  if (LANES < 1 || LANES > N) begin : g_bad_lanes
    $error("dot_product: LANES must be in [1, N]");
  end
  if (MUL_LATENCY != 1 && MUL_LATENCY != 2) begin : g_bad_mul_latency
    $error("dot_product: MUL_LATENCY must be 1 or 2");
  end
  if (MUL_PO2 && MUL_LATENCY != 1) begin : g_bad_po2_latency
    $error("dot_product: po2_mul lanes have one register stage (MUL_LATENCY = 1)");
  end

endmodule

`default_nettype wire
