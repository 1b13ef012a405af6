// formal_network_stage_dut: network_stage with its conv1d core (formal_network_stage.sv), wired
// as golden.rtlgen.top wires them, parameters as the conv1d kind's rtl_parameters gives them.
`default_nettype none

module formal_network_stage_dut (
  input  wire logic       clk_i,
  input  wire logic       rst_i,
  input  wire logic       in_valid_i,
  output      logic       in_ready_o,
  input  wire logic [2:0] in_data_i,
  output      logic       out_valid_o,
  input  wire logic       out_ready_i,
  output      logic [2:0] out_data_o
);
  logic       core_start, core_ready, core_y_valid, core_y_ready;
  logic [5:0] core_taps;
  logic [2:0] core_y;

  network_stage #(
    .XW(3), .YW(3), .IN_D(1), .OUT_D(1), .K(2), .DILATION(1)
  ) u_stage (
    .clk_i, .rst_i, .in_valid_i, .in_ready_o, .in_data_i, .out_valid_o, .out_ready_i, .out_data_o,
    .core_start_o(core_start), .core_ready_i(core_ready), .core_taps_o(core_taps),
    .core_y_valid_i(core_y_valid), .core_y_ready_o(core_y_ready), .core_y_i(core_y)
  );

  conv1d #(
    .XW(3), .X_SIGNED(1'b1), .KW(2), .BW(2), .IN_D(1), .OUT_D(1), .K(2), .LANES(1), .COLS(1),
    .PROD_SHIFT(0), .BIAS_SHIFT(0), .YW(3), .Y_SIGNED(1'b1), .Y_SHIFT(0), .FULL_PRECISION(1'b0),
    .ROUNDING(fixed_pkg::RoundRne), .RELU(1'b0), .FLOAT32_INPUT(1'b0),
    .WEIGHTS_FILE("fv_weights.hex"), .BIAS_FILE("fv_bias.hex")
  ) u_core (
    .clk_i, .rst_i, .start_i(core_start), .ready_o(core_ready), .taps_i(core_taps),
    .y_valid_o(core_y_valid), .y_ready_i(core_y_ready), .y_o(core_y)
  );
endmodule

`default_nettype wire
