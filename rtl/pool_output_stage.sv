// pool_output_stage: the output stages of every layer of a pooled network
// (rtl/pool_network.sv) behind one pipeline: a raw sum of products and its
// bias in, the layer's output code out, the layer's formats chosen by class.
//
//   biased = (raw << PROD_SHIFT) + (bias << BIAS_SHIFT)      (exact, ACC_W bits)
//   y      = requantise(biased), after float32_round when FLOAT32_INPUT,
//            or biased itself when FULL_PRECISION
//
// exactly as rtl/conv1d.sv computes one output (docs/arithmetic.md 7.2-7.4).
// Layers whose output stages have the same parameters share a class; the
// generator (golden/rtlgen/pool.py) numbers the classes and passes one 32-bit
// field per class in each table parameter (class c at [c*32 +: 32]). Every
// class has its own requantise (and float32_round) with constant parameters;
// the class of the sum in flight selects the result.
//
// Parameters
//   NC            classes
//   RAW_W         width of raw_i: the sum of products before the alignment shift (signed)
//   BW            width of bias_i (signed; narrower bias formats sign-extended)
//   Y_W           width of y_o; class c's YW-bit code is sign-extended (Y_SIGNED) or
//                 zero-extended to it
//   C_PROD_SHIFT, C_BIAS_SHIFT  per class: alignment of the sum and the bias (>= 0)
//   C_ACC_W       per class: the aligned sum's width (golden: OperandFormats.accumulator_width,
//                 the widest of the class's layers)
//   C_YW, C_Y_SIGNED, C_Y_SHIFT, C_FULL_PRECISION, C_ROUNDING, C_RELU, C_FLOAT32_INPUT
//                 per class: rtl/conv1d.sv's output parameters of the same names
//
// Timing: y_o and valid_o in cycle c + LATENCY for valid_i in cycle c,
//   LATENCY = 2 + (1 if any class has FLOAT32_INPUT); one sum per cycle.

`default_nettype none

module pool_output_stage #(
  parameter int                NC               = 1,
  parameter int                RAW_W            = 36,
  parameter int                BW               = 16,
  parameter int                Y_W              = 16,
  parameter logic [NC*32-1:0]  C_PROD_SHIFT     = 0,
  parameter logic [NC*32-1:0]  C_BIAS_SHIFT     = 12,
  parameter logic [NC*32-1:0]  C_ACC_W          = 36,
  parameter logic [NC*32-1:0]  C_YW             = 16,
  parameter logic [NC*32-1:0]  C_Y_SIGNED       = 1,
  parameter logic [NC*32-1:0]  C_Y_SHIFT        = 12,
  parameter logic [NC*32-1:0]  C_FULL_PRECISION = 0,
  parameter logic [NC*32-1:0]  C_ROUNDING       = 1,
  parameter logic [NC*32-1:0]  C_RELU           = 0,
  parameter logic [NC*32-1:0]  C_FLOAT32_INPUT  = 0,
  localparam int               CLW              = fixed_pkg::index_width(NC)
) (
  input  wire logic              clk_i,
  input  wire logic              rst_i,
  input  wire logic              valid_i,
  input  wire logic [CLW-1:0]    class_i,
  input  wire logic [RAW_W-1:0]  raw_i,
  input  wire logic [BW-1:0]     bias_i,
  output      logic              valid_o,
  output      logic [Y_W-1:0]    y_o
);

  function automatic int field(input logic [NC*32-1:0] table_v, input int index);
    field = int'(table_v[index*32 +: 32]);
  endfunction

  function automatic int table_max(input logic [NC*32-1:0] table_v);
    table_max = 0;
    for (int c = 0; c < NC; c++) begin
      if (field(table_v, c) > table_max) table_max = field(table_v, c);
    end
  endfunction

  localparam int  AccMax = table_max(C_ACC_W);
  localparam bit  HasF32 = table_max(C_FLOAT32_INPUT) != 0;
  localparam int  ValW   = AccMax + 1;  // room for float32_round's carry
  localparam int  Latency = 2 + (HasF32 ? 1 : 0);

  // ---- stage 1: align sum and bias per class, keep the selected class's ----------
  logic [NC*ValW-1:0] biased_all;
  logic [ValW-1:0]    biased_q;
  logic [CLW-1:0]     class_q;
  logic               valid_q;

  for (genvar c = 0; c < NC; c++) begin : g_align
    localparam int AccW = field(C_ACC_W, c);
    localparam int Ps   = field(C_PROD_SHIFT, c);
    localparam int Bs   = field(C_BIAS_SHIFT, c);
    logic signed [AccW-1:0] raw_c;
    logic signed [AccW-1:0] bias_c;
    logic signed [AccW-1:0] biased_c;
    // The class's sum fits AccW bits, so resizing raw_i (built for the widest layer) is exact.
    assign raw_c    = AccW'($signed(raw_i));
    assign bias_c   = AccW'($signed(bias_i));
    bias_align #(
      .SUM_W(AccW), .BIAS_W(AccW), .ACC_W(AccW), .PROD_SHIFT(Ps), .BIAS_SHIFT(Bs)
    ) u_align (
      .sum_i (raw_c),
      .bias_i(bias_c),
      .acc_o (biased_c)
    );
    assign biased_all[c*ValW +: ValW] = ValW'(biased_c);
  end

  always_ff @(posedge clk_i) begin
    biased_q <= biased_all[class_i*ValW +: ValW];
    class_q  <= class_i;
  end

  // ---- stage F (only if some class rounds through float32) ------------------------
  logic [ValW-1:0] value_q;
  logic [CLW-1:0]  class_v;
  logic            valid_v;

  if (HasF32) begin : g_stage_f
    logic [NC*ValW-1:0] rounded_all;
    logic               valid_f;
    for (genvar c = 0; c < NC; c++) begin : g_round
      localparam int AccW = field(C_ACC_W, c);
      if (field(C_FLOAT32_INPUT, c) != 0) begin : g_float32
        logic signed [AccW:0] rounded;
        float32_round #(.ACC_W(AccW)) u_float32 (
          .value_i(biased_q[AccW-1:0]),
          .value_o(rounded)
        );
        assign rounded_all[c*ValW +: ValW] = ValW'(rounded);
      end else begin : g_pass
        assign rounded_all[c*ValW +: ValW] = biased_q;
      end
    end
    always_ff @(posedge clk_i) begin
      value_q <= rounded_all[class_q*ValW +: ValW];
      class_v <= class_q;
    end
    always_ff @(posedge clk_i) begin
      if (rst_i) valid_f <= 1'b0;
      else       valid_f <= valid_q;
    end
    assign valid_v = valid_f;
  end else begin : g_no_stage_f
    assign value_q = biased_q;
    assign class_v = class_q;
    assign valid_v = valid_q;
  end

  // ---- stage 2: requantise per class, extend, keep the selected class's ----------
  logic [NC*Y_W-1:0] y_all;

  for (genvar c = 0; c < NC; c++) begin : g_output
    localparam int  AccW = field(C_ACC_W, c);
    localparam int  InW  = AccW + field(C_FLOAT32_INPUT, c);  // float32_round adds a carry bit
    localparam int  Yw   = field(C_YW, c);
    localparam bit  YSigned = field(C_Y_SIGNED, c) != 0;
    logic [Yw-1:0] y_c;
    if (field(C_FULL_PRECISION, c) != 0) begin : g_full
      assign y_c = value_q[Yw-1:0];
    end else begin : g_requantise
      requantise #(
        .ACC_W   (InW),
        .W       (Yw),
        .SHIFT   (field(C_Y_SHIFT, c)),
        .SIGNED  (YSigned),
        .ROUNDING(field(C_ROUNDING, c)),
        .RELU    (field(C_RELU, c) != 0)
      ) u_requantise (
        .acc_i(value_q[InW-1:0]),
        .q_o  (y_c)
      );
    end
    if (Yw == Y_W) begin : g_same
      assign y_all[c*Y_W +: Y_W] = y_c;
    end else if (YSigned) begin : g_sign
      assign y_all[c*Y_W +: Y_W] = {{(Y_W - Yw){y_c[Yw-1]}}, y_c};
    end else begin : g_zero
      assign y_all[c*Y_W +: Y_W] = {{(Y_W - Yw){1'b0}}, y_c};
    end

    if (Yw > Y_W) begin : g_bad_width
      $error("pool_output_stage: a class's YW exceeds Y_W");
    end
    if (field(C_FULL_PRECISION, c) != 0 && Yw != AccW) begin : g_bad_full
      $error("pool_output_stage: a full-precision class needs YW == ACC_W");
    end
    if (field(C_FLOAT32_INPUT, c) != 0 && (field(C_RELU, c) == 0 || field(C_FULL_PRECISION, c) != 0))
    begin : g_bad_float32
      $error("pool_output_stage: FLOAT32_INPUT needs RELU and an output stage");
    end
  end

  always_ff @(posedge clk_i) begin
    y_o <= y_all[class_v*Y_W +: Y_W];
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      valid_q <= 1'b0;
      valid_o <= 1'b0;
    end else begin
      valid_q <= valid_i;
      valid_o <= valid_v;
    end
  end

  logic unused;
  assign unused = ^{value_q, raw_i, bias_i, Latency[0]};  // the classes read what their widths need

  if (NC < 1) begin : g_bad_classes
    $error("pool_output_stage: NC must be >= 1");
  end

endmodule

`default_nettype wire
