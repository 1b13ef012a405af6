// A stand-in network for the board core's flow-control test: an identity (out_data_o is the sample
// as it came in) that holds samples back and releases them in a burst, one per cycle. That is
// legal under the network contract (no output backpressure; any latency), and it is the worst
// case for the core's output FIFO: every sample the core lets in can reach the FIFO at once.
//
// Parameters
//   BITS     sample width in and out (the board's input and output vectors are the same width here)
//   BURST    a burst starts once this many samples are held ...
//   TIMEOUT  ... or once the oldest held sample has waited this many cycles (so a core that stops
//            feeding early still gets its outputs)
//   CAP      samples held at most; in_ready_o falls at CAP and while a burst is draining
`default_nettype none

module bursty_network #(
  parameter int unsigned BITS    = 16,
  parameter int unsigned BURST   = 3,
  parameter int unsigned TIMEOUT = 1000,
  parameter int unsigned CAP     = 8
) (
  input  logic            clk_i,
  input  logic            rst_i,
  input  logic            in_valid_i,
  output logic            in_ready_o,
  input  logic [BITS-1:0] in_data_i,
  output logic            out_valid_o,
  output logic [BITS-1:0] out_data_o
);
  initial begin
    if (BITS < 1 || BURST < 1 || CAP < BURST || TIMEOUT < 1) $fatal(1, "bursty_network: bad parameters");
  end

  logic [BITS-1:0]           held [CAP];
  logic [$clog2(CAP+1)-1:0]  count;
  logic [$clog2(CAP+1)-1:0]  sent;   // of the held samples, already released in this burst
  logic [31:0]               age;    // cycles the oldest held sample has waited
  logic                      draining;

  assign in_ready_o  = !rst_i && !draining && (count < CAP);
  assign out_valid_o = !rst_i && draining;
  assign out_data_o  = held[sent];

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      count <= '0;
      sent <= '0;
      age <= '0;
      draining <= 1'b0;
    end else if (draining) begin
      if (sent + 1 == count) begin
        draining <= 1'b0;
        count <= '0;
        sent <= '0;
        age <= '0;
      end else begin
        sent <= sent + 1;
      end
    end else begin
      if (in_valid_i && in_ready_o) begin
        held[count] <= in_data_i;
        count <= count + 1;
      end
      age <= (count == 0) ? '0 : age + 1;
      if (count >= BURST || (count != 0 && age >= TIMEOUT)) draining <= 1'b1;
    end
  end
endmodule

`default_nettype wire
