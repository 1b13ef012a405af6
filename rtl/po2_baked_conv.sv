// po2_baked_conv: one output vector of a K-tap po2 convolution layer whose weights
// are baked in at generation time: the po2 kind's implementation (b).
//
//   acc[o] = (sum_k sum_c taps[k][c] * w[k][c][o]) << PROD_SHIFT  +  bias[o] << BIAS_SHIFT
//   y[o]   = output_stage(acc[o])                                   (layer_output_stage)
//
// with every weight w = 0 or +-2^(EMIN + offset), offset in [0, PO2_SPAN], counted in
// units of 2^EMIN (the kernel format Q(PO2_SPAN + 2, -EMIN) of golden.kinds.po2, so
// the sum is the same integer conv1d with MUL_PO2 computes, docs/arithmetic.md 7.7).
// The weights are a parameter, so each product is a constant shift (wiring); its
// sign is folded into the adder tree (a node whose leaves are all negative carries
// a "negated" flag and its parent subtracts it), so a negation costs no adder, and
// a zero weight is no leaf at all: a column with n non-zero weights has n - 1
// adders, one per tree node with two present children, plus the bias adder. No
// multiplier, no barrel shifter, no ROM. golden.kinds.po2 writes the parameters.
//
// Datapath (one column o; all OUT_D columns in parallel):
//   taps register -> Depth registered adder levels (a binary tree over the
//   K*IN_D terms, Depth = clog2(K*IN_D)) -> bias stage (align, add the bias,
//   registered) -> layer_output_stage (float32 register if FLOAT32_INPUT) ->
//   output register y. Each level is one carry chain between registers.
// Widths: a term fits TW = XW + PO2_SPAN + 1 signed bits (the most negative input
// shifted by the largest exponent, negated, is positive), a level-l node TW + l;
// the bias stage is fixed_pkg::layer_acc_width bits, conv1d's accumulator.
//
// Parameters
//   XW, X_SIGNED  input (tap) code width; X_SIGNED = 0: unsigned (ReLU outputs)
//   IN_D, OUT_D   input and output channels
//   K             taps (kernel size)
//   PO2_SPAN      EMAX - EMIN >= 0 of the layer's exponent range
//   CODES         the weights, K*IN_D*OUT_D codes of CW = EW + 2 bits,
//                 EW = max(1, clog2(PO2_SPAN + 1)): term t = k*IN_D + c and
//                 output o at [(t*OUT_D + o)*CW +: CW], each {zero, negative,
//                 offset[EW-1:0]} (golden.kinds.po2.Po2Layer.weight_codes);
//                 a zero weight is {1, 0, 0}
//   BW, BIASES    bias code width (signed) and OUT_D codes, bias[o] at [o*BW +: BW]
//   PROD_SHIFT, BIAS_SHIFT  alignment of the sum of products and of the bias (>= 0)
//   YW, Y_SIGNED  output code width and range
//   Y_SHIFT       accumulator fractional bits - output fractional bits (any sign)
//   FULL_PRECISION 1: no output stage, y = acc (YW must equal the accumulator width)
//   ROUNDING      fixed_pkg::RoundRne (1, QKeras) or fixed_pkg::RoundTrunc (0, floor)
//   RELU          1: clamp below at zero
//   FLOAT32_INPUT 1: round acc to 24 significant bits first (needs RELU)
//
// Handshake (the core port contract of rtl/network_stage.sv, with room for one result)
//   start_i & ready_o  accept taps_i: tap k, channel c at [(k*IN_D + c)*XW +: XW],
//                      tap K-1 the newest sample; latched, so taps_i may change
//                      afterwards. ready_o is low while a sample is in the tree or
//                      its result waits, except in the cycle that result is taken
//                      (ready_o = !busy || (y_valid_o && y_ready_i)). A start in a
//                      reset cycle is dropped (ready_o is not defined there).
//   y_valid_o & y_ready_i  the result y_o (channel o at [o*YW +: YW]) is taken;
//                      y_valid_o and y_o hold until then, and y_o holds after the
//                      take until the next result.
//
// Timing (start accepted in cycle s, results taken at once):
//   y_valid_o in cycle s + LATENCY, LATENCY = clog2(K*IN_D) + 3 + FLOAT32_INPUT
//   (taps register, clog2(K*IN_D) adder levels, bias stage, float32 register when
//   FLOAT32_INPUT, output register); the next start in that cycle, so the interval
//   is LATENCY. One sample at a time: the tree could take one per cycle, but a layer
//   interval this short is never the network's bottleneck, and one result register
//   keeps the core small. golden.kinds.po2.Po2Kind.core_latency and core_interval
//   are these formulas.

`default_nettype none

module po2_baked_conv #(
  parameter int XW             = 16,
  parameter bit X_SIGNED       = 1'b1,
  parameter int IN_D           = 2,
  parameter int OUT_D          = 2,
  parameter int K              = 1,
  parameter int PO2_SPAN       = 3,
  // default: +2^EMAX, -2^EMIN, zero, +2^(EMIN+1)
  parameter logic [K*IN_D*OUT_D*(fixed_pkg::index_width(PO2_SPAN + 1) + 2)-1:0] CODES = 16'b0011_1000_0100_0011,
  parameter int BW             = 16,
  parameter logic [OUT_D*BW-1:0] BIASES = '0,
  parameter int PROD_SHIFT     = 0,
  parameter int BIAS_SHIFT     = 0,
  parameter int YW             = 16,
  parameter bit Y_SIGNED       = 1'b1,
  parameter int Y_SHIFT        = 3,
  parameter bit FULL_PRECISION = 1'b0,
  parameter int ROUNDING       = fixed_pkg::RoundRne,
  parameter bit RELU           = 1'b0,
  parameter bit FLOAT32_INPUT  = 1'b0
) (
  input  wire logic                  clk_i,
  input  wire logic                  rst_i,
  input  wire logic                  start_i,
  output      logic                  ready_o,
  input  wire logic [K*IN_D*XW-1:0]  taps_i,
  output      logic                  y_valid_o,
  input  wire logic                  y_ready_i,
  output      logic [OUT_D*YW-1:0]   y_o
);

  localparam int Terms  = K * IN_D;
  localparam int EW     = fixed_pkg::index_width(PO2_SPAN + 1);
  localparam int CW     = EW + 2;
  localparam int KW     = PO2_SPAN + 2;  // the equivalent kernel format's width
  localparam int AccW   = fixed_pkg::layer_acc_width(XW, X_SIGNED, KW, BW, PROD_SHIFT, BIAS_SHIFT, Terms);
  localparam int Depth  = fixed_pkg::ceil_log2(Terms);
  localparam int TW     = XW + PO2_SPAN + 1;
  localparam int RootW  = TW + Depth;
  localparam int Stages = Depth + 2 + (FLOAT32_INPUT ? 1 : 0);  // taps, levels, bias[, float32]

  // Does column o have a non-zero weight of the given sign among the terms of node i of level l,
  // [i << l, (i + 1) << l)? (Terms past K*IN_D, padding up to 2^Depth leaves, have none.)
  function automatic bit has_weight(input int o, input int l, input int i, input bit negative);
    has_weight = 1'b0;
    for (int t = i << l; t < (i + 1) << l; t++) begin
      if (t < Terms) begin
        if (!CODES[(t*OUT_D + o)*CW + EW + 1] && CODES[(t*OUT_D + o)*CW + EW] == negative) has_weight = 1'b1;
      end
    end
  endfunction

  // A node is present if it covers a non-zero weight (otherwise it is no hardware at all),
  // negated if every weight it covers is negative (its value is then minus the node's sum).
  function automatic bit present(input int o, input int l, input int i);
    present = has_weight(o, l, i, 1'b0) || has_weight(o, l, i, 1'b1);
  endfunction

  function automatic bit negated(input int o, input int l, input int i);
    negated = !has_weight(o, l, i, 1'b0) && has_weight(o, l, i, 1'b1);
  endfunction

  // The shift of term t in column o: the code's offset e - EMIN.
  function automatic int weight_offset(input int o, input int t);
    weight_offset = 0;
    for (int b = 0; b < EW; b++) begin
      if (CODES[(t*OUT_D + o)*CW + b]) weight_offset = weight_offset + (1 << b);
    end
  endfunction

  // ---- control: a valid bit per register stage ----------------------------
  logic              accept;
  logic              busy;
  logic              done;   // one-cycle pulse: a new result in y_o
  logic              taken;
  logic [Stages-1:0] stage_valid;  // [j]: stage j holds the accepted sample (0: taps register)

  assign accept = start_i && ready_o;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      stage_valid <= '0;
      busy        <= 1'b0;
      done        <= 1'b0;
      y_valid_o   <= 1'b0;
    end else begin
      stage_valid <= {stage_valid[Stages-2:0], accept};
      done        <= stage_valid[Stages-1];
      if (stage_valid[Stages-1]) begin
        y_valid_o <= 1'b1;
      end else if (y_ready_i) begin
        y_valid_o <= 1'b0;
      end
      if (accept) begin
        busy <= 1'b1;
      end else if (taken) begin
        busy <= 1'b0;
      end
    end
  end

  assign taken   = y_valid_o && y_ready_i;
  // No rst_i term: reset has priority over every control register, so a start in
  // reset is dropped, and ready_o (the taps register's enable) stays off the reset net.
  assign ready_o = !busy || taken;

  // ---- taps register ----------------------------------------------------------
  logic [Terms*XW-1:0] x_q;

  always_ff @(posedge clk_i) begin
    if (accept) x_q <= taps_i;
  end

  // ---- per column: the adder tree, the bias stage, the output stage -------------
  logic [OUT_D*YW-1:0] quantised;

  for (genvar o = 0; o < OUT_D; o++) begin : g_col
    // Level l holds 2^(Depth-l) nodes of TW + l bits; node i covers terms [i << l, (i+1) << l).
    // A present node's value is registered (levels >= 1); with its Negated flag it is the
    // signed sum of the terms it covers.
    for (genvar l = 0; l <= Depth; l++) begin : g_level
      for (genvar i = 0; i < (1 << (Depth - l)); i++) begin : g_node
        if (present(o, l, i)) begin : g_present
          logic signed [TW+l-1:0] value;
          if (l == 0) begin : g_leaf
            // x * 2^offset as wiring; the weight's sign is this leaf's Negated flag
            logic signed [TW-1:0] x_ext;
            assign x_ext = X_SIGNED ? TW'($signed(x_q[i*XW +: XW])) : TW'(x_q[i*XW +: XW]);
            assign value = x_ext <<< weight_offset(o, i);
          end else begin : g_node_sum
            localparam bit LeftPresent  = present(o, l - 1, 2*i);
            localparam bit RightPresent = present(o, l - 1, 2*i + 1);
            localparam bit LeftNeg      = negated(o, l - 1, 2*i);
            localparam bit RightNeg     = negated(o, l - 1, 2*i + 1);
            if (LeftPresent && RightPresent) begin : g_add
              logic signed [TW+l-1:0] left;
              logic signed [TW+l-1:0] right;
              assign left  = (TW+l)'(g_level[l-1].g_node[2*i].g_present.value);
              assign right = (TW+l)'(g_level[l-1].g_node[2*i+1].g_present.value);
              // A negated node is subtracted; two negated children add and stay negated.
              if (LeftNeg == RightNeg) begin : g_plus
                always_ff @(posedge clk_i) value <= left + right;
              end else if (LeftNeg) begin : g_right_minus_left
                always_ff @(posedge clk_i) value <= right - left;
              end else begin : g_left_minus_right
                always_ff @(posedge clk_i) value <= left - right;
              end
            end else if (LeftPresent) begin : g_pass_left
              always_ff @(posedge clk_i) value <= (TW+l)'(g_level[l-1].g_node[2*i].g_present.value);
            end else begin : g_pass_right
              always_ff @(posedge clk_i) value <= (TW+l)'(g_level[l-1].g_node[2*i+1].g_present.value);
            end
          end
        end
      end
    end

    // ---- bias stage: align the root and add the aligned bias ---------------------
    localparam logic signed [BW-1:0] Bias = BIASES[o*BW +: BW];
    logic signed [AccW-1:0] aligned;
    logic signed [AccW-1:0] acc;

    if (!present(o, Depth, 0)) begin : g_bias_only  // every weight of the column is zero
      bias_align #(
        .SUM_W(1), .BIAS_W(BW), .ACC_W(AccW), .PROD_SHIFT(PROD_SHIFT), .BIAS_SHIFT(BIAS_SHIFT)
      ) u_align (
        .sum_i (1'b0),
        .bias_i(Bias),
        .acc_o (aligned)
      );
    end else begin : g_bias_add
      bias_align #(
        .SUM_W(RootW), .BIAS_W(BW), .ACC_W(AccW), .PROD_SHIFT(PROD_SHIFT), .BIAS_SHIFT(BIAS_SHIFT),
        .SUBTRACT(negated(o, Depth, 0))
      ) u_align (
        .sum_i (g_level[Depth].g_node[0].g_present.value),
        .bias_i(Bias),
        .acc_o (aligned)
      );
    end
    always_ff @(posedge clk_i) acc <= aligned;

    // ---- the output stage (layer_output_stage: conv1d's) ---------------------------
    layer_output_stage #(
      .ACC_W         (AccW),
      .YW            (YW),
      .Y_SIGNED      (Y_SIGNED),
      .Y_SHIFT       (Y_SHIFT),
      .FULL_PRECISION(FULL_PRECISION),
      .ROUNDING      (ROUNDING),
      .RELU          (RELU),
      .FLOAT32_INPUT (FLOAT32_INPUT)
    ) u_output (
      .clk_i,
      .valid_i(stage_valid[Depth+1]),
      .acc_i  (acc),
      .q_o    (quantised[o*YW +: YW])
    );
  end

  // ---- output register ----------------------------------------------------------
  always_ff @(posedge clk_i) begin
    if (stage_valid[Stages-1]) y_o <= quantised;
  end

  // The header's rules, compiled only with ASSERTIONS defined: every cocotb run
  // (Verilator --assert) and make formal (yosys -formal) define it; synthesis
  // never sees this code. Checked from the first reset on (a_armed), outside reset.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  localparam int ALatency = Stages + 1;

  logic [ALatency-1:0]  a_started;  // [j]: a start accepted j+1 cycles ago
  logic                 a_pending;  // a start accepted and its result not yet presented
  logic [OUT_D*YW-1:0]  a_y;        // y_o as of the last result
  logic                 a_have_y;   // a result seen since the last reset

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      a_started <= '0;
      a_pending <= 1'b0;
      a_have_y  <= 1'b0;
    end else begin
      a_started <= {a_started[ALatency-2:0], accept};
      if (accept) a_pending <= 1'b1;
      else if (done) a_pending <= 1'b0;
      if (done) a_have_y <= 1'b1;
    end
    if (done) a_y <= y_o;
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      // LATENCY: a new result exactly LATENCY cycles after each accepted start, never otherwise.
      a_latency: assert (done == a_started[ALatency-1]);
      a_valid_with_result: assert (!done || y_valid_o);
      // One computation at a time, and no start while a result waits untaken (it would be overwritten).
      a_one_at_a_time: assert (!(accept && a_pending && !done));
      a_no_overwrite: assert (!(accept && y_valid_o && !y_ready_i));
      // ready_o high when nothing is in flight or waiting.
      if (!a_pending && !y_valid_o) begin
        a_ready_when_idle: assert (ready_o);
      end
      // y_o holds from its result until the next one.
      if (a_have_y && !done) begin
        a_y_holds: assert (y_o == a_y);
      end
    end
  end
`endif

  // ---- elaboration-time checks --------------------------------------------------
  if (XW < 2 || BW < 2 || YW < 2) begin : g_bad_width
    $error("po2_baked_conv: XW, BW and YW must be at least 2");
  end
  if (K < 1 || IN_D < 1 || OUT_D < 1) begin : g_bad_shape
    $error("po2_baked_conv: K, IN_D and OUT_D must be at least 1");
  end
  if (PO2_SPAN < 0) begin : g_bad_span
    $error("po2_baked_conv: PO2_SPAN (EMAX - EMIN) must be >= 0");
  end
  if (PROD_SHIFT < 0 || BIAS_SHIFT < 0) begin : g_bad_shift
    $error("po2_baked_conv: PROD_SHIFT and BIAS_SHIFT must be >= 0");
  end
  if (RootW + PROD_SHIFT > AccW) begin : g_bad_acc
    $error("po2_baked_conv: the adder tree's root does not fit the accumulator (fixed_pkg::layer_acc_width)");
  end
  if (FULL_PRECISION && YW != AccW) begin : g_bad_full
    $error("po2_baked_conv: a full-precision output needs YW == the accumulator width (fixed_pkg::layer_acc_width)");
  end
  if (FLOAT32_INPUT && (!RELU || FULL_PRECISION)) begin : g_bad_float32
    $error("po2_baked_conv: FLOAT32_INPUT models QKeras's quantized_relu: it needs RELU and an output stage");
  end
  for (genvar t = 0; t < Terms * OUT_D; t++) begin : g_check_code
    // one encoding per weight: a zero is {1, 0, 0}; an offset never exceeds the span
    if (CODES[t*CW + EW + 1] && CODES[t*CW +: EW+1] != '0) begin : g_bad_zero
      $error("po2_baked_conv: CODES holds a zero weight that is not {1, 0, 0}");
    end
    if (!CODES[t*CW + EW + 1] && 32'(CODES[t*CW +: EW]) > PO2_SPAN) begin : g_bad_offset
      $error("po2_baked_conv: CODES holds an exponent offset above PO2_SPAN");
    end
  end

endmodule

`default_nettype wire
