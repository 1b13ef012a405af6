// join_core: the add and multiply kinds' core (golden/kinds/join.py, docs/arithmetic.md 9):
// N tensors of C channels, each in its own format, combined channel by channel,
// then one output stage.
//
//   OP = 0 (add)       acc = sum_i x_i[c] <<< IN_SHIFT_i    (the inputs on the finest grid)
//   OP = 1 (multiply)  acc = x_0[c] * x_1[c]                (N = 2, one fixed_mul)
//   y[c] = layer_output_stage(acc): saturate, round, ReLU, or full precision
//
// It plugs into rtl/network_stage.sv's core port contract with K = 1 and the
// inputs' concatenation as one word: input i's channel c at
// [OFF_i + c*W_i +: W_i], OFF_i the widths of inputs 0 .. i-1 times C.
//
// Parameters
//   OP             0 add, 1 multiply
//   N              inputs, 2 .. 16 (multiply: 2)
//   C              channels
//   IN_W           packed, 8 bits per input: input i's code width at [8*i +: 8]
//   IN_SHIFT       packed, 8 bits per input: its left shift onto the result's grid (add)
//   IN_SIGNED      bit i: input i's codes are two's complement (else unsigned)
//   ACC_W          signed width of the exact result (golden JoinLayer.acc_width)
//   YW, Y_SIGNED, Y_SHIFT, FULL_PRECISION, ROUNDING, RELU, FLOAT32_INPUT
//                  the output stage's (rtl/layer_output_stage.sv)
//   MUL_LATENCY    fixed_mul register stages (multiply), 1
//   COMBINE_REG    1: the combine has a register of its own (golden JoinLayer.combine_stages
//                  says when): the add sums its operands in groups of four into registers,
//                  then the group sums into the result (two short adder trees a cycle each,
//                  not one of N operands); the multiply copies the DSP's product register
//                  into a fabric register before the output stage (the route out of the
//                  DSP column is a path of its own)
//
// Handshake and timing (network_stage's core port contract): a start accepted in
// cycle s latches taps_i; channel c's operands are read in cycle s + 1 + c and
// combined into the result register (the product register for a multiply) R
// cycles later (R = COMBINE_REG); the output stage follows it
// (one more register with FLOAT32_INPUT); the result word is loaded in cycle
// s + C + 1 + F + R (F = FLOAT32_INPUT) and presented from
// s + C + 2 + F + R:
//   LAT = C + 2 + F + R,  II = C + 2 + F + R (ready_o rises with y_valid_o, and a
//   start is taken then only if the result is taken in the same cycle)
// One result is stored: ready_o is high when the core is idle and holds no
// result, or its result is taken this cycle.

`default_nettype none

module join_core #(
  parameter int          OP             = 0,
  parameter int          N              = 2,
  parameter int          C              = 4,
  parameter logic [127:0] IN_W          = {16{8'd8}},
  parameter logic [127:0] IN_SHIFT      = '0,
  parameter logic [15:0] IN_SIGNED      = '1,
  parameter int          ACC_W          = 18,
  parameter int          YW             = 8,
  parameter bit          Y_SIGNED       = 1'b1,
  parameter int          Y_SHIFT        = 0,
  parameter bit          FULL_PRECISION = 1'b0,
  parameter int          ROUNDING       = fixed_pkg::RoundRne,
  parameter bit          RELU           = 1'b0,
  parameter bit          FLOAT32_INPUT  = 1'b0,
  parameter int          MUL_LATENCY    = 1,
  parameter bit          COMBINE_REG    = 1'b0,
  localparam int         XW             = C * total_width(IN_W, N)
) (
  input  wire logic            clk_i,
  input  wire logic            rst_i,
  input  wire logic            start_i,
  output      logic            ready_o,
  input  wire logic [XW-1:0]   taps_i,
  output      logic            y_valid_o,
  input  wire logic            y_ready_i,
  output      logic [C*YW-1:0] y_o
);

  function automatic int width_of(input logic [127:0] widths, input int i);
    width_of = int'(widths[8*i +: 8]);
  endfunction

  function automatic int total_width(input logic [127:0] widths, input int count);
    total_width = 0;
    for (int i = 0; i < count; i++) total_width += int'(widths[8*i +: 8]);
  endfunction

  function automatic int offset_of(input logic [127:0] widths, input int i, input int channels);
    offset_of = 0;
    for (int j = 0; j < i; j++) offset_of += channels * int'(widths[8*j +: 8]);
  endfunction

  localparam int F      = FLOAT32_INPUT ? 1 : 0;
  localparam int R      = COMBINE_REG ? 1 : 0;
  localparam int D      = F + R;  // registers between the last operands and the result word's load
  localparam int CNT_W  = fixed_pkg::index_width(C + 1);
  localparam int LAST_W = (C > 1) ? C - 1 : 1;

  // ---- control: a start, C operand cycles, the output stage's tail, the result ---------
  logic             busy;       // operand cycles s+1 .. s+C
  logic [CNT_W-1:0] count;      // channel of this operand cycle
  logic [D:0]       tail;       // tail[k]: the last channel's operands were read k+1 cycles ago
  logic             combine;    // a channel's combined operands enter the result register this cycle
  logic             take;

  assign take    = y_valid_o && y_ready_i;
  assign ready_o = !busy && !(|tail) && (!y_valid_o || y_ready_i);

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      busy      <= 1'b0;
      count     <= '0;
      tail      <= '0;
      y_valid_o <= 1'b0;
    end else begin
      tail <= (D+1)'({tail, busy && (32'(count) == C - 1)});
      if (start_i && ready_o) begin
        busy  <= 1'b1;
        count <= '0;
      end else if (busy) begin
        count <= count + 1'b1;
        if (32'(count) == C - 1) busy <= 1'b0;
      end
      if (tail[D])   y_valid_o <= 1'b1;
      else if (take) y_valid_o <= 1'b0;
    end
  end

  // ---- the operands of channel `count`: the low channel of each input's part -----------
  // Each input's part of the latched word shifts one channel down per operand cycle.
  // While idle it follows taps_i, so it holds the started word from the start on
  // without a load enable: the enable would be start_i & ready_o, and ready_o
  // follows y_ready_i, the consumer's ready through the network's forks (the
  // WaveNet's critical path, docs/results.md). Only operand cycles (busy) read it.
  logic signed [ACC_W-1:0] aligned [N];
  for (genvar i = 0; i < N; i++) begin : g_input
    localparam int W   = width_of(IN_W, i);
    localparam int OFF = offset_of(IN_W, i, C);
    localparam int SH  = int'(IN_SHIFT[8*i +: 8]);
    logic [C*W-1:0] part;
    always_ff @(posedge clk_i) begin
      if (busy) part <= part >> W;
      else      part <= taps_i[OFF +: C*W];
    end
    assign aligned[i] = IN_SIGNED[i] ? (ACC_W'($signed(part[W-1:0])) <<< SH) : (ACC_W'({1'b0, part[W-1:0]}) <<< SH);
  end

  // ---- the combine: the exact result register -------------------------------------------
  logic signed [ACC_W-1:0] acc;

  if (COMBINE_REG) begin : g_combine_later
    always_ff @(posedge clk_i) begin
      if (rst_i) combine <= 1'b0;
      else       combine <= busy;
    end
  end else begin : g_combine_now
    assign combine = busy;
  end

  if (OP == 0) begin : g_add
    // With COMBINE_REG the terms are the registered sums of groups of four operands, else the operands. Sums wrap
    // modulo 2^ACC_W, so grouping cannot change the exact result.
    localparam int Group  = 4;
    localparam int Groups = (N + Group - 1) / Group;
    localparam int Terms  = COMBINE_REG ? Groups : N;
    logic signed [ACC_W-1:0] term [Terms];
    if (COMBINE_REG) begin : g_grouped
      for (genvar g = 0; g < Groups; g++) begin : g_group
        logic signed [ACC_W-1:0] group_sum;
        always_comb begin
          group_sum = '0;
          for (int i = g * Group; i < N && i < (g + 1) * Group; i++) group_sum += aligned[i];
        end
        always_ff @(posedge clk_i) begin
          term[g] <= group_sum;
        end
      end
    end else begin : g_direct
      for (genvar i = 0; i < N; i++) begin : g_operand
        assign term[i] = aligned[i];
      end
    end
    logic signed [ACC_W-1:0] sum;
    always_comb begin
      sum = '0;
      for (int t = 0; t < Terms; t++) sum += term[t];
    end
    always_ff @(posedge clk_i) begin
      if (combine) acc <= sum;
    end
  end else begin : g_multiply
    localparam int A_W = width_of(IN_W, 0);
    localparam int B_W = width_of(IN_W, 1) + (IN_SIGNED[1] ? 0 : 1);  // fixed_mul's b is signed
    logic signed [A_W+B_W-1:0] product;
    // the operands as the add sees them (shift 0): sign- or zero-extended codes, cut to the multiplier's widths
    logic [A_W-1:0] a;
    logic [B_W-1:0] b;
    assign a = aligned[0][A_W-1:0];
    assign b = aligned[1][B_W-1:0];
    fixed_mul #(
      .A_W     (A_W),
      .B_W     (B_W),
      .A_SIGNED(IN_SIGNED[0]),
      .LATENCY (MUL_LATENCY)
    ) u_mul (
      .clk_i,
      .a_i      (a),
      .b_i      (b),
      .product_o(product)
    );
    if (COMBINE_REG) begin : g_product_reg
      // the product a cycle after its operands (fixed_mul), into the fabric the cycle after that
      always_ff @(posedge clk_i) begin
        if (combine) acc <= ACC_W'(product);
      end
    end else begin : g_product_direct
      assign acc = ACC_W'(product);
      logic unused_combine;
      assign unused_combine = combine;
    end
    logic unused_multiply;
    assign unused_multiply = ^{aligned[0][ACC_W-1:A_W], aligned[1][ACC_W-1:B_W]};
  end

  // ---- the output stage and the result word ------------------------------------------------
  logic [YW-1:0] q;
  logic          stage_valid;  // acc holds a channel's result (the output stage's float32 register loads then)
  logic          storing;      // q is a channel's output code this cycle
  logic [CNT_W-1:0] stored;    // channels stored into `staging` so far

  always_ff @(posedge clk_i) begin
    if (rst_i) stage_valid <= 1'b0;
    else       stage_valid <= combine;
  end

  layer_output_stage #(
    .ACC_W         (ACC_W),
    .YW            (YW),
    .Y_SIGNED      (Y_SIGNED),
    .Y_SHIFT       (Y_SHIFT),
    .FULL_PRECISION(FULL_PRECISION),
    .ROUNDING      (ROUNDING),
    .RELU          (RELU),
    .FLOAT32_INPUT (FLOAT32_INPUT)
  ) u_output (
    .clk_i,
    .valid_i(stage_valid),
    .acc_i  (acc),
    .q_o    (q)
  );

  if (F == 0) begin : g_store_now
    assign storing = stage_valid;
  end else begin : g_store_later
    logic stage_valid_q;
    always_ff @(posedge clk_i) begin
      if (rst_i) stage_valid_q <= 1'b0;
      else       stage_valid_q <= stage_valid;
    end
    assign storing = stage_valid_q;
  end

  // channels 0 .. C-2 wait in `staging`; the last one completes the word, loaded into y_o at once
  logic [LAST_W*YW-1:0] staging;
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      stored <= '0;
    end else if (storing) begin
      stored <= (32'(stored) == C - 1) ? '0 : stored + 1'b1;
    end
  end

  if (C > 1) begin : g_staging
    for (genvar c = 0; c < C - 1; c++) begin : g_channel
      always_ff @(posedge clk_i) begin
        if (storing && 32'(stored) == c) staging[c*YW +: YW] <= q;
      end
    end
    always_ff @(posedge clk_i) begin
      if (storing && 32'(stored) == C - 1) y_o <= {q, staging};
    end
  end else begin : g_single
    always_ff @(posedge clk_i) begin
      if (storing) y_o <= q;
    end
    assign staging = '0;
    logic unused_staging;
    assign unused_staging = ^{staging, stored};
  end

`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // written by always_ff below (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end
  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      // the word is complete when the last channel is stored: the tail and the store counter agree
      a_word_complete: assert (!(tail[D] && !(storing && 32'(stored) == C - 1)));
      // no start while a result would have no room
      a_room: assert (!(start_i && ready_o && y_valid_o && !y_ready_i));
    end
  end
`endif

  // ---- elaboration checks ---------------------------------------------------------------
  if (OP != 0 && OP != 1) begin : g_bad_op
    $error("join_core: OP must be 0 (add) or 1 (multiply)");
  end
  if (N < 2 || N > 16 || (OP == 1 && N != 2)) begin : g_bad_n
    $error("join_core: N must be 2 .. 16 (multiply: 2)");
  end
  if (C < 1) begin : g_bad_c
    $error("join_core: C must be >= 1");
  end
  if (OP == 1 && MUL_LATENCY != 1) begin : g_bad_latency
    $error("join_core: the multiply's formulas assume MUL_LATENCY = 1");
  end

endmodule

`default_nettype wire
