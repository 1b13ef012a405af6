// Behavioural model of the ECP5 MULT18X18D for simulating yosys netlists (synth/netlist_sim.py).
//
// yosys ships no simulation model for MULT18X18D (only a black box in
// share/ecp5/cells_bb.v). Two uses are modelled: synth_ecp5 maps each `$mul` to
// this cell with every register bypassed (the REG_* parameters left at "NONE"),
// a combinational 18x18 multiply signed per operand by SIGNEDA/SIGNEDB; and
// rtl/fixed_mul.sv instantiates it with the output register on
// (REG_OUTPUT_CLK = "CLK0", clock enable CE0, synchronous reset RST0), with
// LATENCY = 2 also the two operand registers (REG_INPUTA_CLK = REG_INPUTB_CLK =
// "CLK0", CE0, RST0). Any other
// configuration stops the simulation at time 0 rather than simulate something
// the silicon does not do. Ports neither use connects are left out, so a
// netlist that uses one fails to elaborate.
`default_nettype none
module MULT18X18D (
  input  wire A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0,
  input  wire B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0,
  input  wire C17, C16, C15, C14, C13, C12, C11, C10, C9, C8, C7, C6, C5, C4, C3, C2, C1, C0,
  input  wire SIGNEDA, SIGNEDB, SOURCEA, SOURCEB,
  input  wire CLK0, CLK1, CLK2, CLK3, CE0, CE1, CE2, CE3, RST0, RST1, RST2, RST3,
  output wire P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18, P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0
);
  parameter REG_INPUTA_CLK = "NONE";
  parameter REG_INPUTA_CE = "CE0";
  parameter REG_INPUTA_RST = "RST0";
  parameter REG_INPUTB_CLK = "NONE";
  parameter REG_INPUTB_CE = "CE0";
  parameter REG_INPUTB_RST = "RST0";
  parameter REG_INPUTC_CLK = "NONE";
  parameter REG_INPUTC_CE = "CE0";
  parameter REG_INPUTC_RST = "RST0";
  parameter REG_PIPELINE_CLK = "NONE";
  parameter REG_PIPELINE_CE = "CE0";
  parameter REG_PIPELINE_RST = "RST0";
  parameter REG_OUTPUT_CLK = "NONE";
  parameter REG_OUTPUT_CE = "CE0";
  parameter REG_OUTPUT_RST = "RST0";
  parameter CLK0_DIV = "ENABLED";
  parameter CLK1_DIV = "ENABLED";
  parameter CLK2_DIV = "ENABLED";
  parameter CLK3_DIV = "ENABLED";
  parameter HIGHSPEED_CLK = "NONE";
  parameter GSR = "ENABLED";
  parameter CAS_MATCH_REG = "FALSE";
  parameter SOURCEB_MODE = "B_SHIFT";
  parameter MULT_BYPASS = "DISABLED";
  parameter RESETMODE = "SYNC";

  wire [17:0] a_in = {A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0};
  wire [17:0] b_in = {B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0};
  reg  [17:0] a_q = 18'd0;
  reg  [17:0] b_q = 18'd0;
  always @(posedge CLK0) begin
    if (RST0) begin
      a_q <= 18'd0;
      b_q <= 18'd0;
    end else if (CE0) begin
      a_q <= a_in;
      b_q <= b_in;
    end
  end
  wire [17:0] a = (REG_INPUTA_CLK == "CLK0") ? a_q : a_in;
  wire [17:0] b = (REG_INPUTB_CLK == "CLK0") ? b_q : b_in;
  // Sign- or zero-extend each operand to 36 bits; the low 36 bits of the product are exact either way.
  wire [35:0] a_ext = {{18{SIGNEDA & a[17]}}, a};
  wire [35:0] b_ext = {{18{SIGNEDB & b[17]}}, b};
  wire [35:0] product = a_ext * b_ext;
  reg  [35:0] product_q = 36'd0;
  always @(posedge CLK0) begin
    if (RST0)     product_q <= 36'd0;
    else if (CE0) product_q <= product;
  end
  wire [35:0] p = (REG_OUTPUT_CLK == "CLK0") ? product_q : product;
  assign {P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18, P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0} = p;

  initial begin
    if (REG_INPUTA_CLK != REG_INPUTB_CLK || (REG_INPUTA_CLK != "NONE" && REG_INPUTA_CLK != "CLK0") ||
        (REG_INPUTA_CLK == "CLK0" && (REG_INPUTA_CE != "CE0" || REG_INPUTA_RST != "RST0" || REG_INPUTB_CE != "CE0" ||
                                      REG_INPUTB_RST != "RST0" || RESETMODE != "SYNC")) ||
        REG_INPUTC_CLK != "NONE" ||
        REG_PIPELINE_CLK != "NONE" || (REG_OUTPUT_CLK != "NONE" && REG_OUTPUT_CLK != "CLK0") ||
        (REG_OUTPUT_CLK == "CLK0" && (REG_OUTPUT_CE != "CE0" || REG_OUTPUT_RST != "RST0" || RESETMODE != "SYNC")) ||
        MULT_BYPASS != "DISABLED") begin
      $display("MULT18X18D model: only the unregistered multiply and the CLK0 operand and output registers are modelled (%m)");
      $finish;
    end
  end
  always @* begin
    if (SOURCEA === 1'b1 || SOURCEB === 1'b1) begin
      $display("MULT18X18D model: shift-register operand sources are not modelled (%m)");
      $finish;
    end
  end
endmodule
`default_nettype wire
