// fixed_mul: one exact A_W x B_W multiplier with a registered product.
//
// This is the multiplier interface every datapath block instantiates, so a
// different multiplier (for example a shift-based power-of-two one) can be
// dropped in without touching the blocks around it.
//
// Parameters
//   A_W       width of a_i; A_SIGNED = 0 reads it as unsigned (a ReLU output)
//   B_W       width of b_i, always signed two's complement (weights)
//   LATENCY   register stages, 1 or 2: 1 registers the product; 2 also
//             registers the operands in front of the multiply
//
// Timing: product_o = a_i * b_i of LATENCY clock edges before (throughput 1
// per cycle). The product is exact in A_W + B_W signed bits:
// |a*b| <= 2^(A_W-1) * 2^(B_W-1) signed, < 2^A_W * 2^(B_W-1) unsigned. No
// rounding, no wrap. Operands wider than 18 bits are split by yosys into
// several MULT18X18D plus adders (docs/arithmetic.md section 3); the product
// stays exact, which sim/network_netlist checks at gate level.
// No reset: a pure datapath register.
//
// Implementation. Simulation, lint and the formal proofs use the behavioural
// multiply below. The ECP5 synthesis flows define TARGET_ECP5: an operand pair
// that fits one MULT18X18D (A_W + 1 <= 18, B_W <= 18) then instantiates it with
// its output register (REG_OUTPUT_CLK = CLK0) as the product register. yosys
// keeps a product register in the fabric, so the multiply sat between two
// fabric registers on either side of the DSP column (7.3 ns, 61% routing, at
// 150 MHz on the 85F); inside the DSP only the operand routing is left in front
// of the multiply. LATENCY = 2 turns on the DSP's operand registers as well
// (REG_INPUTA/B_CLK = CLK0): the operand routes then end at a register instead
// of the multiplier's 2.2 ns input setup. A network that fills most of the DSP
// columns needs that (golden.rtlgen.top.WIDE_NETWORK_DSPS; docs/results.md,
// has the figures). Latency and result match the behavioural model;
// sim/network_netlist runs the netlist against golden with a model of those
// registers (synth/sim_models/MULT18X18D.v).

`default_nettype none

module fixed_mul #(
  parameter int A_W      = 16,
  parameter int B_W      = 16,
  parameter bit A_SIGNED = 1'b1,
  parameter int LATENCY  = 1
) (
  input  wire logic                       clk_i,
  input  wire logic [A_W-1:0]             a_i,
  input  wire logic signed [B_W-1:0]      b_i,
  output      logic signed [A_W+B_W-1:0]  product_o
);

  // a as a signed operand: an unsigned code gains a zero sign bit.
  logic signed [A_W:0] a_ext;
  assign a_ext = A_SIGNED ? {a_i[A_W-1], a_i} : {1'b0, a_i};

`ifdef TARGET_ECP5
  localparam bit OneDsp = (A_W + 1 <= 18) && (B_W <= 18);
`else
  localparam bit OneDsp = 1'b0;
`endif

  if (OneDsp) begin : g_mult18x18d
`ifdef TARGET_ECP5
    // Both operands sign-extended to 18 bits and multiplied signed: the 36-bit
    // product is exact, its low A_W + B_W bits are the result.
    localparam OperandReg = (LATENCY == 2) ? "CLK0" : "NONE";
    logic [17:0] a18, b18;
    logic [35:0] p36;
    assign a18 = 18'($signed(a_ext));
    assign b18 = 18'(b_i);
    MULT18X18D #(
      .REG_INPUTA_CLK  (OperandReg),
      .REG_INPUTA_CE   ("CE0"),
      .REG_INPUTA_RST  ("RST0"),
      .REG_INPUTB_CLK  (OperandReg),
      .REG_INPUTB_CE   ("CE0"),
      .REG_INPUTB_RST  ("RST0"),
      .REG_PIPELINE_CLK("NONE"),
      .REG_OUTPUT_CLK  ("CLK0"),
      .REG_OUTPUT_CE   ("CE0"),
      .REG_OUTPUT_RST  ("RST0"),
      .RESETMODE       ("SYNC")
    ) u_dsp (
      .A17(a18[17]), .A16(a18[16]), .A15(a18[15]), .A14(a18[14]), .A13(a18[13]), .A12(a18[12]),
      .A11(a18[11]), .A10(a18[10]), .A9(a18[9]), .A8(a18[8]), .A7(a18[7]), .A6(a18[6]),
      .A5(a18[5]), .A4(a18[4]), .A3(a18[3]), .A2(a18[2]), .A1(a18[1]), .A0(a18[0]),
      .B17(b18[17]), .B16(b18[16]), .B15(b18[15]), .B14(b18[14]), .B13(b18[13]), .B12(b18[12]),
      .B11(b18[11]), .B10(b18[10]), .B9(b18[9]), .B8(b18[8]), .B7(b18[7]), .B6(b18[6]),
      .B5(b18[5]), .B4(b18[4]), .B3(b18[3]), .B2(b18[2]), .B1(b18[1]), .B0(b18[0]),
      .C17(1'b0), .C16(1'b0), .C15(1'b0), .C14(1'b0), .C13(1'b0), .C12(1'b0),
      .C11(1'b0), .C10(1'b0), .C9(1'b0), .C8(1'b0), .C7(1'b0), .C6(1'b0),
      .C5(1'b0), .C4(1'b0), .C3(1'b0), .C2(1'b0), .C1(1'b0), .C0(1'b0),
      .SIGNEDA(1'b1), .SIGNEDB(1'b1), .SOURCEA(1'b0), .SOURCEB(1'b0),
      .CLK0(clk_i), .CLK1(1'b0), .CLK2(1'b0), .CLK3(1'b0),
      .CE0(1'b1), .CE1(1'b0), .CE2(1'b0), .CE3(1'b0),
      .RST0(1'b0), .RST1(1'b0), .RST2(1'b0), .RST3(1'b0),
      .P35(p36[35]), .P34(p36[34]), .P33(p36[33]), .P32(p36[32]), .P31(p36[31]), .P30(p36[30]),
      .P29(p36[29]), .P28(p36[28]), .P27(p36[27]), .P26(p36[26]), .P25(p36[25]), .P24(p36[24]),
      .P23(p36[23]), .P22(p36[22]), .P21(p36[21]), .P20(p36[20]), .P19(p36[19]), .P18(p36[18]),
      .P17(p36[17]), .P16(p36[16]), .P15(p36[15]), .P14(p36[14]), .P13(p36[13]), .P12(p36[12]),
      .P11(p36[11]), .P10(p36[10]), .P9(p36[9]), .P8(p36[8]), .P7(p36[7]), .P6(p36[6]),
      .P5(p36[5]), .P4(p36[4]), .P3(p36[3]), .P2(p36[2]), .P1(p36[1]), .P0(p36[0])
    );
    assign product_o = p36[A_W+B_W-1:0];
`endif
  end else begin : g_fabric
    logic signed [A_W:0]     a_op;
    logic signed [B_W-1:0]   b_op;
    logic signed [A_W+B_W:0] full;

    if (LATENCY == 2) begin : g_operand_reg
      always_ff @(posedge clk_i) begin
        a_op <= a_ext;
        b_op <= b_i;
      end
    end else begin : g_operand_wire
      assign a_op = a_ext;
      assign b_op = b_i;
    end

    assign full = a_op * b_op;

    always_ff @(posedge clk_i) begin
      product_o <= full[A_W+B_W-1:0];  // the top bit only repeats the sign (see Timing)
    end

    logic unused_full_top;
    assign unused_full_top = full[A_W+B_W];
  end

  if (A_W < 2 || B_W < 2) begin : g_bad_width
    $error("fixed_mul: A_W and B_W must be at least 2");
  end
  if (LATENCY != 1 && LATENCY != 2) begin : g_bad_latency
    $error("fixed_mul: LATENCY must be 1 or 2");
  end

endmodule

`default_nettype wire
