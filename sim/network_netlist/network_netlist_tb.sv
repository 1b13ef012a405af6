// Gate-level test bench: streams stimulus through a synthesised network netlist.
//
// Why not cocotb here: cocotb's Verilator build adds --public-flat-rw, which
// keeps every net of a flat netlist visible and makes the mcu model's C++ 30
// times larger (212 MB, a 7-minute build, against 35 s without it). This bench
// needs no access inside the netlist, so it is plain SystemVerilog, compiled
// with `verilator --binary`; test_network_netlist.py writes its stimulus and
// compares what it writes with the golden network.
//
// Parameters:
//   IN_BITS, OUT_BITS  packed input / output vector widths of the network top
//   MAX_SAMPLES        size of the stimulus memory (>= the +SAMPLES plusarg)
// Plusargs:
//   +STIMULUS=<file>   $readmemh file, one sample per line: bit IN_BITS is set on
//                      the first sample of a sequence (the network is reset before
//                      it, so every sequence starts from zero history), bits
//                      [IN_BITS-1:0] are the packed input vector
//   +SAMPLES=<n>       number of lines to stream
//   +RESPONSE=<file>   written: one packed output vector per line, in hex
// The network's handshake (docs/network.md): a sample is taken when in_valid_i
// and in_ready_o are both high at a rising edge; out_valid_o pulses once per
// sample, in order. The bench feeds at full rate, waits for every output of a
// sequence before the next reset, and stops with an error if outputs stall.
`default_nettype none
`timescale 1ns / 1ps

module network_netlist_tb #(
  parameter int IN_BITS     = 48,
  parameter int OUT_BITS    = 16,
  parameter int MAX_SAMPLES = 65536
);
  localparam int RESET_CYCLES = 4;
  localparam int STALL_LIMIT  = 100000;  // cycles without an output while one is owed: the netlist hangs

  logic                clk = 1'b0;
  logic                rst;
  logic                in_valid;
  logic                in_ready;
  logic [IN_BITS-1:0]  in_data;
  logic                out_valid;
  logic [OUT_BITS-1:0] out_data;

  always #5 clk = ~clk;

  `DUT u_dut (
    .clk_i      (clk),
    .rst_i      (rst),
    .in_valid_i (in_valid),
    .in_ready_o (in_ready),
    .in_data_i  (in_data),
    .out_valid_o(out_valid),
    .out_data_o (out_data)
  );

  logic [IN_BITS:0] stimulus [MAX_SAMPLES];
  int               samples;
  int               response;
  string            stimulus_file, response_file;

  initial begin
    if (!$value$plusargs("STIMULUS=%s", stimulus_file) || !$value$plusargs("RESPONSE=%s", response_file) ||
        !$value$plusargs("SAMPLES=%d", samples)) begin
      $display("network_netlist_tb: error: +STIMULUS=, +RESPONSE= and +SAMPLES= are required");
      $finish;
    end
    if (samples < 1 || samples > MAX_SAMPLES) begin
      $display("network_netlist_tb: error: +SAMPLES=%0d outside 1..%0d", samples, MAX_SAMPLES);
      $finish;
    end
    $readmemh(stimulus_file, stimulus, 0, samples - 1);
    response = $fopen(response_file, "w");
    if (response == 0) begin
      $display("network_netlist_tb: error: cannot write %s", response_file);
      $finish;
    end
  end

  typedef enum logic [1:0] {RESET, FEED, DRAIN} state_e;
  state_e state = RESET;
  int     index = 0;     // next sample to offer
  int     received = 0;  // outputs written
  int     wait_cycles = 0;

  always_ff @(posedge clk) begin
    if (out_valid) begin
      $fwrite(response, "%h\n", out_data);
      received <= received + 1;
    end
  end

  always_ff @(posedge clk) begin
    wait_cycles <= wait_cycles + 1;
    unique case (state)
      RESET: begin
        rst      <= wait_cycles < RESET_CYCLES;
        in_valid <= 1'b0;
        if (wait_cycles == RESET_CYCLES) begin
          state    <= FEED;
          in_valid <= 1'b1;
          in_data  <= stimulus[index][IN_BITS-1:0];
        end
      end
      FEED: begin
        if (wait_cycles > STALL_LIMIT) begin
          $display("network_netlist_tb: error: sample %0d not taken after %0d cycles", index, STALL_LIMIT);
          $fclose(response);
          $finish;
        end
        if (in_valid && in_ready) begin
          wait_cycles <= 0;
          if (index + 1 == samples || stimulus[index + 1][IN_BITS]) begin
            in_valid    <= 1'b0;
            state       <= DRAIN;
            wait_cycles <= 0;
          end else begin
            in_data <= stimulus[index + 1][IN_BITS-1:0];
          end
          index <= index + 1;
        end
      end
      DRAIN: begin
        if (received == index) begin
          if (index == samples) begin
            $fclose(response);
            $finish;
          end
          state       <= RESET;
          wait_cycles <= 0;
        end else if (wait_cycles > STALL_LIMIT) begin
          $display("network_netlist_tb: error: %0d of %0d outputs after %0d idle cycles", received, index,
                   STALL_LIMIT);
          $fclose(response);
          $finish;
        end
      end
      default: state <= RESET;
    endcase
  end
endmodule
`default_nettype wire
