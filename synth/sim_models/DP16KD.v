// Behavioural model of the ECP5 DP16KD block RAM for simulating yosys netlists (synth/netlist_sim.py).
//
// yosys ships only a black box for DP16KD (share/ecp5/cells_sim.v); this model has
// the same ports and parameters (synth/tests/test_sim_models.py checks that) and the
// behaviour of the modes yosys's ECP5 memory mapping uses (share/lattice/brams_16kd.txt,
// brams_map_16kd.v):
//   $__DP16KD_   true dual port, each port 1, 2, 4, 9 or 18 bits wide; at 18 bits AD1:AD0
//                are the two 9-bit byte write enables; WRITEMODE NORMAL (a write leaves
//                the port's output unchanged), WRITETHROUGH (shows the new word) or
//                READBEFOREWRITE (shows the old word)
//   $__PDPW16KD_ DATA_WIDTH_A = 36: port A writes 36 bits {DIB, DIA} at ADA13:ADA5 with
//                AD3:AD0 as byte write enables; DATA_WIDTH_B = 36: port B reads 36 bits
//                onto {DOB, DOA} (18: onto DOB, as a plain 18-bit read port)
// plus what both share: clock enables CE, chip selects CS against CSDECODE, CLKxMUX
// "INV" (negative edge), RESETMODE SYNC (RST at the clock edge, over CE) or ASYNC
// (RST clears the output at once), outputs zero at start, INITVAL_00..3F contents.
//
// Memory layout: 1024 words of 18 bits; INITVAL_xx holds words 16*xx .. 16*xx + 15,
// word i at bits [20*i +: 18]. Narrower widths split a word as yosys's memory
// library describes it (passes/memory/memlib.md: each width is two of the next
// narrower words plus spare bits): an 18-bit word is two 9-bit words (low first), a
// 9-bit word two 4-bit words in bits 0..7 (bit 8 spare), and so on down to 1 bit; a
// 36-bit word is two 18-bit words, low first.
//
// Not modelled, and refused at time 0 rather than simulated wrongly: REGMODE
// OUTREG (yosys always maps NOREG), any *MUX other than its own pin name (CLKxMUX
// may also be "INV"), DATA_WIDTH_B = 36 without DATA_WIDTH_A = 36, other widths. A
// read and a write of the same word through different ports in the same edge is
// undefined on silicon; yosys never relies on it (no wrtrans in brams_16kd.txt), and
// the model returns whichever the simulator evaluates first. GSR, WID, INIT_DATA and
// ASYNC_RESET_RELEASE have no effect here.
`default_nettype none
module DP16KD (
  input  wire DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0,
  input  wire ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0,
  input  wire CEA, OCEA, CLKA, WEA, RSTA,
  input  wire CSA2, CSA1, CSA0,
  output wire DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0,

  input  wire DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0,
  input  wire ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0,
  input  wire CEB, OCEB, CLKB, WEB, RSTB,
  input  wire CSB2, CSB1, CSB0,
  output wire DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0
);
  parameter DATA_WIDTH_A = 18;
  parameter DATA_WIDTH_B = 18;
  parameter REGMODE_A = "NOREG";
  parameter REGMODE_B = "NOREG";
  parameter RESETMODE = "SYNC";
  parameter ASYNC_RESET_RELEASE = "SYNC";
  parameter CSDECODE_A = "0b000";
  parameter CSDECODE_B = "0b000";
  parameter WRITEMODE_A = "NORMAL";
  parameter WRITEMODE_B = "NORMAL";
  parameter WID = 0;
  parameter GSR = "ENABLED";
  parameter INITVAL_00 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_01 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_02 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_03 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_04 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_05 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_06 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_07 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_08 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_09 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_0A = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_0B = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_0C = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_0D = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_0E = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_0F = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_10 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_11 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_12 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_13 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_14 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_15 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_16 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_17 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_18 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_19 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_1A = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_1B = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_1C = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_1D = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_1E = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_1F = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_20 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_21 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_22 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_23 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_24 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_25 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_26 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_27 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_28 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_29 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_2A = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_2B = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_2C = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_2D = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_2E = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_2F = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_30 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_31 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_32 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_33 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_34 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_35 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_36 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_37 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_38 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_39 = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_3A = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_3B = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_3C = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_3D = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_3E = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INITVAL_3F = 320'h00000000000000000000000000000000000000000000000000000000000000000000000000000000;
  parameter INIT_DATA = "STATIC";
  parameter DIA17MUX = "DIA17";
  parameter DIA16MUX = "DIA16";
  parameter DIA15MUX = "DIA15";
  parameter DIA14MUX = "DIA14";
  parameter DIA13MUX = "DIA13";
  parameter DIA12MUX = "DIA12";
  parameter DIA11MUX = "DIA11";
  parameter DIA10MUX = "DIA10";
  parameter DIA9MUX = "DIA9";
  parameter DIA8MUX = "DIA8";
  parameter DIA7MUX = "DIA7";
  parameter DIA6MUX = "DIA6";
  parameter DIA5MUX = "DIA5";
  parameter DIA4MUX = "DIA4";
  parameter DIA3MUX = "DIA3";
  parameter DIA2MUX = "DIA2";
  parameter DIA1MUX = "DIA1";
  parameter DIA0MUX = "DIA0";
  parameter ADA13MUX = "ADA13";
  parameter ADA12MUX = "ADA12";
  parameter ADA11MUX = "ADA11";
  parameter ADA10MUX = "ADA10";
  parameter ADA9MUX = "ADA9";
  parameter ADA8MUX = "ADA8";
  parameter ADA7MUX = "ADA7";
  parameter ADA6MUX = "ADA6";
  parameter ADA5MUX = "ADA5";
  parameter ADA4MUX = "ADA4";
  parameter ADA3MUX = "ADA3";
  parameter ADA2MUX = "ADA2";
  parameter ADA1MUX = "ADA1";
  parameter ADA0MUX = "ADA0";
  parameter CEAMUX = "CEA";
  parameter OCEAMUX = "OCEA";
  parameter CLKAMUX = "CLKA";
  parameter WEAMUX = "WEA";
  parameter RSTAMUX = "RSTA";
  parameter CSA2MUX = "CSA2";
  parameter CSA1MUX = "CSA1";
  parameter CSA0MUX = "CSA0";
  parameter DOA17MUX = "DOA17";
  parameter DOA16MUX = "DOA16";
  parameter DOA15MUX = "DOA15";
  parameter DOA14MUX = "DOA14";
  parameter DOA13MUX = "DOA13";
  parameter DOA12MUX = "DOA12";
  parameter DOA11MUX = "DOA11";
  parameter DOA10MUX = "DOA10";
  parameter DOA9MUX = "DOA9";
  parameter DOA8MUX = "DOA8";
  parameter DOA7MUX = "DOA7";
  parameter DOA6MUX = "DOA6";
  parameter DOA5MUX = "DOA5";
  parameter DOA4MUX = "DOA4";
  parameter DOA3MUX = "DOA3";
  parameter DOA2MUX = "DOA2";
  parameter DOA1MUX = "DOA1";
  parameter DOA0MUX = "DOA0";
  parameter DIB17MUX = "DIB17";
  parameter DIB16MUX = "DIB16";
  parameter DIB15MUX = "DIB15";
  parameter DIB14MUX = "DIB14";
  parameter DIB13MUX = "DIB13";
  parameter DIB12MUX = "DIB12";
  parameter DIB11MUX = "DIB11";
  parameter DIB10MUX = "DIB10";
  parameter DIB9MUX = "DIB9";
  parameter DIB8MUX = "DIB8";
  parameter DIB7MUX = "DIB7";
  parameter DIB6MUX = "DIB6";
  parameter DIB5MUX = "DIB5";
  parameter DIB4MUX = "DIB4";
  parameter DIB3MUX = "DIB3";
  parameter DIB2MUX = "DIB2";
  parameter DIB1MUX = "DIB1";
  parameter DIB0MUX = "DIB0";
  parameter ADB13MUX = "ADB13";
  parameter ADB12MUX = "ADB12";
  parameter ADB11MUX = "ADB11";
  parameter ADB10MUX = "ADB10";
  parameter ADB9MUX = "ADB9";
  parameter ADB8MUX = "ADB8";
  parameter ADB7MUX = "ADB7";
  parameter ADB6MUX = "ADB6";
  parameter ADB5MUX = "ADB5";
  parameter ADB4MUX = "ADB4";
  parameter ADB3MUX = "ADB3";
  parameter ADB2MUX = "ADB2";
  parameter ADB1MUX = "ADB1";
  parameter ADB0MUX = "ADB0";
  parameter CEBMUX = "CEB";
  parameter OCEBMUX = "OCEB";
  parameter CLKBMUX = "CLKB";
  parameter WEBMUX = "WEB";
  parameter RSTBMUX = "RSTB";
  parameter CSB2MUX = "CSB2";
  parameter CSB1MUX = "CSB1";
  parameter CSB0MUX = "CSB0";
  parameter DOB17MUX = "DOB17";
  parameter DOB16MUX = "DOB16";
  parameter DOB15MUX = "DOB15";
  parameter DOB14MUX = "DOB14";
  parameter DOB13MUX = "DOB13";
  parameter DOB12MUX = "DOB12";
  parameter DOB11MUX = "DOB11";
  parameter DOB10MUX = "DOB10";
  parameter DOB9MUX = "DOB9";
  parameter DOB8MUX = "DOB8";
  parameter DOB7MUX = "DOB7";
  parameter DOB6MUX = "DOB6";
  parameter DOB5MUX = "DOB5";
  parameter DOB4MUX = "DOB4";
  parameter DOB3MUX = "DOB3";
  parameter DOB2MUX = "DOB2";
  parameter DOB1MUX = "DOB1";
  parameter DOB0MUX = "DOB0";

  wire [17:0] dia = {DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0};
  wire [17:0] dib = {DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0};
  wire [13:0] ada = {ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0};
  wire [13:0] adb = {ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0};
  wire [17:0] doa;
  wire [17:0] dob;
  assign {DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0} = doa;
  assign {DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0} = dob;

  // ---- configuration checks (time 0) ---------------------------------------
  task unsupported(input [8*24-1:0] name);
    begin
      $display("DP16KD model: %0s setting not modelled (%m)", name);
      $finish;
    end
  endtask

  function width_ok(input integer width);
    width_ok = width == 1 || width == 2 || width == 4 || width == 9 || width == 18 || width == 36;
  endfunction

  initial begin
    if (!width_ok(DATA_WIDTH_A)) unsupported("DATA_WIDTH_A");
    if (!width_ok(DATA_WIDTH_B) || (DATA_WIDTH_B == 36 && DATA_WIDTH_A != 36)) unsupported("DATA_WIDTH_B");
    if (REGMODE_A != "NOREG") unsupported("REGMODE_A");
    if (REGMODE_B != "NOREG") unsupported("REGMODE_B");
    if (RESETMODE != "SYNC" && RESETMODE != "ASYNC") unsupported("RESETMODE");
    if (WRITEMODE_A != "NORMAL" && WRITEMODE_A != "WRITETHROUGH" && WRITEMODE_A != "READBEFOREWRITE")
      unsupported("WRITEMODE_A");
    if (WRITEMODE_B != "NORMAL" && WRITEMODE_B != "WRITETHROUGH" && WRITEMODE_B != "READBEFOREWRITE")
      unsupported("WRITEMODE_B");
    if (DIA17MUX != "DIA17") unsupported("DIA17MUX");
    if (DIA16MUX != "DIA16") unsupported("DIA16MUX");
    if (DIA15MUX != "DIA15") unsupported("DIA15MUX");
    if (DIA14MUX != "DIA14") unsupported("DIA14MUX");
    if (DIA13MUX != "DIA13") unsupported("DIA13MUX");
    if (DIA12MUX != "DIA12") unsupported("DIA12MUX");
    if (DIA11MUX != "DIA11") unsupported("DIA11MUX");
    if (DIA10MUX != "DIA10") unsupported("DIA10MUX");
    if (DIA9MUX != "DIA9") unsupported("DIA9MUX");
    if (DIA8MUX != "DIA8") unsupported("DIA8MUX");
    if (DIA7MUX != "DIA7") unsupported("DIA7MUX");
    if (DIA6MUX != "DIA6") unsupported("DIA6MUX");
    if (DIA5MUX != "DIA5") unsupported("DIA5MUX");
    if (DIA4MUX != "DIA4") unsupported("DIA4MUX");
    if (DIA3MUX != "DIA3") unsupported("DIA3MUX");
    if (DIA2MUX != "DIA2") unsupported("DIA2MUX");
    if (DIA1MUX != "DIA1") unsupported("DIA1MUX");
    if (DIA0MUX != "DIA0") unsupported("DIA0MUX");
    if (ADA13MUX != "ADA13") unsupported("ADA13MUX");
    if (ADA12MUX != "ADA12") unsupported("ADA12MUX");
    if (ADA11MUX != "ADA11") unsupported("ADA11MUX");
    if (ADA10MUX != "ADA10") unsupported("ADA10MUX");
    if (ADA9MUX != "ADA9") unsupported("ADA9MUX");
    if (ADA8MUX != "ADA8") unsupported("ADA8MUX");
    if (ADA7MUX != "ADA7") unsupported("ADA7MUX");
    if (ADA6MUX != "ADA6") unsupported("ADA6MUX");
    if (ADA5MUX != "ADA5") unsupported("ADA5MUX");
    if (ADA4MUX != "ADA4") unsupported("ADA4MUX");
    if (ADA3MUX != "ADA3") unsupported("ADA3MUX");
    if (ADA2MUX != "ADA2") unsupported("ADA2MUX");
    if (ADA1MUX != "ADA1") unsupported("ADA1MUX");
    if (ADA0MUX != "ADA0") unsupported("ADA0MUX");
    if (CEAMUX != "CEA") unsupported("CEAMUX");
    if (OCEAMUX != "OCEA") unsupported("OCEAMUX");
    if (CLKAMUX != "CLKA" && CLKAMUX != "INV") unsupported("CLKAMUX");
    if (WEAMUX != "WEA") unsupported("WEAMUX");
    if (RSTAMUX != "RSTA") unsupported("RSTAMUX");
    if (CSA2MUX != "CSA2") unsupported("CSA2MUX");
    if (CSA1MUX != "CSA1") unsupported("CSA1MUX");
    if (CSA0MUX != "CSA0") unsupported("CSA0MUX");
    if (DOA17MUX != "DOA17") unsupported("DOA17MUX");
    if (DOA16MUX != "DOA16") unsupported("DOA16MUX");
    if (DOA15MUX != "DOA15") unsupported("DOA15MUX");
    if (DOA14MUX != "DOA14") unsupported("DOA14MUX");
    if (DOA13MUX != "DOA13") unsupported("DOA13MUX");
    if (DOA12MUX != "DOA12") unsupported("DOA12MUX");
    if (DOA11MUX != "DOA11") unsupported("DOA11MUX");
    if (DOA10MUX != "DOA10") unsupported("DOA10MUX");
    if (DOA9MUX != "DOA9") unsupported("DOA9MUX");
    if (DOA8MUX != "DOA8") unsupported("DOA8MUX");
    if (DOA7MUX != "DOA7") unsupported("DOA7MUX");
    if (DOA6MUX != "DOA6") unsupported("DOA6MUX");
    if (DOA5MUX != "DOA5") unsupported("DOA5MUX");
    if (DOA4MUX != "DOA4") unsupported("DOA4MUX");
    if (DOA3MUX != "DOA3") unsupported("DOA3MUX");
    if (DOA2MUX != "DOA2") unsupported("DOA2MUX");
    if (DOA1MUX != "DOA1") unsupported("DOA1MUX");
    if (DOA0MUX != "DOA0") unsupported("DOA0MUX");
    if (DIB17MUX != "DIB17") unsupported("DIB17MUX");
    if (DIB16MUX != "DIB16") unsupported("DIB16MUX");
    if (DIB15MUX != "DIB15") unsupported("DIB15MUX");
    if (DIB14MUX != "DIB14") unsupported("DIB14MUX");
    if (DIB13MUX != "DIB13") unsupported("DIB13MUX");
    if (DIB12MUX != "DIB12") unsupported("DIB12MUX");
    if (DIB11MUX != "DIB11") unsupported("DIB11MUX");
    if (DIB10MUX != "DIB10") unsupported("DIB10MUX");
    if (DIB9MUX != "DIB9") unsupported("DIB9MUX");
    if (DIB8MUX != "DIB8") unsupported("DIB8MUX");
    if (DIB7MUX != "DIB7") unsupported("DIB7MUX");
    if (DIB6MUX != "DIB6") unsupported("DIB6MUX");
    if (DIB5MUX != "DIB5") unsupported("DIB5MUX");
    if (DIB4MUX != "DIB4") unsupported("DIB4MUX");
    if (DIB3MUX != "DIB3") unsupported("DIB3MUX");
    if (DIB2MUX != "DIB2") unsupported("DIB2MUX");
    if (DIB1MUX != "DIB1") unsupported("DIB1MUX");
    if (DIB0MUX != "DIB0") unsupported("DIB0MUX");
    if (ADB13MUX != "ADB13") unsupported("ADB13MUX");
    if (ADB12MUX != "ADB12") unsupported("ADB12MUX");
    if (ADB11MUX != "ADB11") unsupported("ADB11MUX");
    if (ADB10MUX != "ADB10") unsupported("ADB10MUX");
    if (ADB9MUX != "ADB9") unsupported("ADB9MUX");
    if (ADB8MUX != "ADB8") unsupported("ADB8MUX");
    if (ADB7MUX != "ADB7") unsupported("ADB7MUX");
    if (ADB6MUX != "ADB6") unsupported("ADB6MUX");
    if (ADB5MUX != "ADB5") unsupported("ADB5MUX");
    if (ADB4MUX != "ADB4") unsupported("ADB4MUX");
    if (ADB3MUX != "ADB3") unsupported("ADB3MUX");
    if (ADB2MUX != "ADB2") unsupported("ADB2MUX");
    if (ADB1MUX != "ADB1") unsupported("ADB1MUX");
    if (ADB0MUX != "ADB0") unsupported("ADB0MUX");
    if (CEBMUX != "CEB") unsupported("CEBMUX");
    if (OCEBMUX != "OCEB") unsupported("OCEBMUX");
    if (CLKBMUX != "CLKB" && CLKBMUX != "INV") unsupported("CLKBMUX");
    if (WEBMUX != "WEB") unsupported("WEBMUX");
    if (RSTBMUX != "RSTB") unsupported("RSTBMUX");
    if (CSB2MUX != "CSB2") unsupported("CSB2MUX");
    if (CSB1MUX != "CSB1") unsupported("CSB1MUX");
    if (CSB0MUX != "CSB0") unsupported("CSB0MUX");
    if (DOB17MUX != "DOB17") unsupported("DOB17MUX");
    if (DOB16MUX != "DOB16") unsupported("DOB16MUX");
    if (DOB15MUX != "DOB15") unsupported("DOB15MUX");
    if (DOB14MUX != "DOB14") unsupported("DOB14MUX");
    if (DOB13MUX != "DOB13") unsupported("DOB13MUX");
    if (DOB12MUX != "DOB12") unsupported("DOB12MUX");
    if (DOB11MUX != "DOB11") unsupported("DOB11MUX");
    if (DOB10MUX != "DOB10") unsupported("DOB10MUX");
    if (DOB9MUX != "DOB9") unsupported("DOB9MUX");
    if (DOB8MUX != "DOB8") unsupported("DOB8MUX");
    if (DOB7MUX != "DOB7") unsupported("DOB7MUX");
    if (DOB6MUX != "DOB6") unsupported("DOB6MUX");
    if (DOB5MUX != "DOB5") unsupported("DOB5MUX");
    if (DOB4MUX != "DOB4") unsupported("DOB4MUX");
    if (DOB3MUX != "DOB3") unsupported("DOB3MUX");
    if (DOB2MUX != "DOB2") unsupported("DOB2MUX");
    if (DOB1MUX != "DOB1") unsupported("DOB1MUX");
    if (DOB0MUX != "DOB0") unsupported("DOB0MUX");
  end

  // ---- the array: 1024 words of 18 bits ------------------------------------
  reg [17:0] mem [0:1023];

  task load(input [5:0] row, input [319:0] value);
    integer i;
    begin
      for (i = 0; i < 16; i = i + 1) mem[row * 16 + i] = value[i * 20 +: 18];
    end
  endtask

  initial begin
    load(6'h00, INITVAL_00);
    load(6'h01, INITVAL_01);
    load(6'h02, INITVAL_02);
    load(6'h03, INITVAL_03);
    load(6'h04, INITVAL_04);
    load(6'h05, INITVAL_05);
    load(6'h06, INITVAL_06);
    load(6'h07, INITVAL_07);
    load(6'h08, INITVAL_08);
    load(6'h09, INITVAL_09);
    load(6'h0A, INITVAL_0A);
    load(6'h0B, INITVAL_0B);
    load(6'h0C, INITVAL_0C);
    load(6'h0D, INITVAL_0D);
    load(6'h0E, INITVAL_0E);
    load(6'h0F, INITVAL_0F);
    load(6'h10, INITVAL_10);
    load(6'h11, INITVAL_11);
    load(6'h12, INITVAL_12);
    load(6'h13, INITVAL_13);
    load(6'h14, INITVAL_14);
    load(6'h15, INITVAL_15);
    load(6'h16, INITVAL_16);
    load(6'h17, INITVAL_17);
    load(6'h18, INITVAL_18);
    load(6'h19, INITVAL_19);
    load(6'h1A, INITVAL_1A);
    load(6'h1B, INITVAL_1B);
    load(6'h1C, INITVAL_1C);
    load(6'h1D, INITVAL_1D);
    load(6'h1E, INITVAL_1E);
    load(6'h1F, INITVAL_1F);
    load(6'h20, INITVAL_20);
    load(6'h21, INITVAL_21);
    load(6'h22, INITVAL_22);
    load(6'h23, INITVAL_23);
    load(6'h24, INITVAL_24);
    load(6'h25, INITVAL_25);
    load(6'h26, INITVAL_26);
    load(6'h27, INITVAL_27);
    load(6'h28, INITVAL_28);
    load(6'h29, INITVAL_29);
    load(6'h2A, INITVAL_2A);
    load(6'h2B, INITVAL_2B);
    load(6'h2C, INITVAL_2C);
    load(6'h2D, INITVAL_2D);
    load(6'h2E, INITVAL_2E);
    load(6'h2F, INITVAL_2F);
    load(6'h30, INITVAL_30);
    load(6'h31, INITVAL_31);
    load(6'h32, INITVAL_32);
    load(6'h33, INITVAL_33);
    load(6'h34, INITVAL_34);
    load(6'h35, INITVAL_35);
    load(6'h36, INITVAL_36);
    load(6'h37, INITVAL_37);
    load(6'h38, INITVAL_38);
    load(6'h39, INITVAL_39);
    load(6'h3A, INITVAL_3A);
    load(6'h3B, INITVAL_3B);
    load(6'h3C, INITVAL_3C);
    load(6'h3D, INITVAL_3D);
    load(6'h3E, INITVAL_3E);
    load(6'h3F, INITVAL_3F);
  end

  // Bit j of the word at address `ad` of a `width`-bit port, as a flat index word * 18 + bit.
  function integer bit_index(input integer width, input [13:0] ad, input integer j);
    begin
      case (width)
        36:      bit_index = ad[13:5] * 36 + j;
        18:      bit_index = ad[13:4] * 18 + j;
        9:       bit_index = ad[13:4] * 18 + ad[3] * 9 + j;
        4:       bit_index = ad[13:4] * 18 + ad[3] * 9 + ad[2] * 4 + j;
        2:       bit_index = ad[13:4] * 18 + ad[3] * 9 + ad[2] * 4 + ad[1] * 2 + j;
        default: bit_index = ad[13:4] * 18 + ad[3] * 9 + ad[2] * 4 + ad[1] * 2 + ad[0] + j;
      endcase
    end
  endfunction

  // At 18 and 36 bits the low address bits are the 9-bit byte write enables.
  function byte_enabled(input integer width, input [13:0] ad, input integer j);
    byte_enabled = (width < 18) ? 1'b1 : ad[j / 9];
  endfunction

  function [35:0] read_word(input integer width, input [13:0] ad);
    integer j, index;
    begin
      read_word = 36'd0;
      for (j = 0; j < width; j = j + 1) begin
        index = bit_index(width, ad, j);
        read_word[j] = mem[index / 18][index % 18];
      end
    end
  endfunction

  // What the word reads after a write of `data` (unwritten bytes keep their bits).
  function [35:0] merged_word(input integer width, input [13:0] ad, input [35:0] data);
    integer j;
    begin
      merged_word = read_word(width, ad);
      for (j = 0; j < width; j = j + 1) begin
        if (byte_enabled(width, ad, j)) merged_word[j] = data[j];
      end
    end
  endfunction

  // ---- ports ---------------------------------------------------------------
  // Writes are non-blocking, so every read at the same edge (either port) sees the old word.
  wire        clka = (CLKAMUX == "INV") ? ~CLKA : CLKA;
  wire        clkb = (CLKBMUX == "INV") ? ~CLKB : CLKB;
  wire        csa = {CSA2, CSA1, CSA0} == {CSDECODE_A[16], CSDECODE_A[8], CSDECODE_A[0]};  // "0bXYZ"
  wire        csb = {CSB2, CSB1, CSB0} == {CSDECODE_B[16], CSDECODE_B[8], CSDECODE_B[0]};
  wire        arst_a = (RESETMODE == "ASYNC") && RSTA;
  wire        arst_b = (RESETMODE == "ASYNC") && RSTB;
  wire        srst_a = (RESETMODE == "SYNC") && RSTA;
  wire        srst_b = (RESETMODE == "SYNC") && RSTB;
  wire [35:0] wdata_a = (DATA_WIDTH_A == 36) ? {dib, dia} : {18'd0, dia};
  wire        we_b = (DATA_WIDTH_A != 36) && WEB;  // in the 36-bit mode DIB is port A's upper half
  reg  [17:0] qa = 18'd0;
  reg  [35:0] qb = 36'd0;

  always @(posedge clka) begin : write_a
    integer j, index;
    if (CEA && csa && WEA) begin
      for (j = 0; j < DATA_WIDTH_A; j = j + 1) begin
        if (byte_enabled(DATA_WIDTH_A, ada, j)) begin
          index = bit_index(DATA_WIDTH_A, ada, j);
          mem[index / 18][index % 18] <= wdata_a[j];
        end
      end
    end
  end

  always @(posedge clkb) begin : write_b
    integer j, index;
    if (CEB && csb && we_b) begin
      for (j = 0; j < DATA_WIDTH_B; j = j + 1) begin
        if (byte_enabled(DATA_WIDTH_B, adb, j)) begin
          index = bit_index(DATA_WIDTH_B, adb, j);
          mem[index / 18][index % 18] <= dib[j];
        end
      end
    end
  end

  // Output latches: reset (SYNC over CE, ASYNC at once), a read, or the WRITEMODE on a write.
  always @(posedge clka or posedge arst_a) begin
    if (arst_a || srst_a) begin
      qa <= 18'd0;
    end else if (CEA && csa && DATA_WIDTH_A != 36) begin
      if (!WEA || WRITEMODE_A == "READBEFOREWRITE") begin
        qa <= read_word(DATA_WIDTH_A, ada);
      end else if (WRITEMODE_A == "WRITETHROUGH") begin
        qa <= merged_word(DATA_WIDTH_A, ada, wdata_a);
      end
    end
  end

  always @(posedge clkb or posedge arst_b) begin
    if (arst_b || srst_b) begin
      qb <= 36'd0;
    end else if (CEB && csb) begin
      if (!we_b || WRITEMODE_B == "READBEFOREWRITE") begin
        qb <= read_word(DATA_WIDTH_B, adb);
      end else if (WRITEMODE_B == "WRITETHROUGH") begin
        qb <= merged_word(DATA_WIDTH_B, adb, {18'd0, dib});
      end
    end
  end

  // Port B's 36-bit read drives both output buses, low half on DOA.
  assign doa = (DATA_WIDTH_B == 36) ? qb[17:0] : qa;
  assign dob = (DATA_WIDTH_B == 36) ? qb[35:18] : qb[17:0];
endmodule
`default_nettype wire
