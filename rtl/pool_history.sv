// pool_history: the activation history of every layer of a pooled network
// (rtl/pool_network.sv) in one memory with one write port and PORTS read
// ports, each with a registered output.
//
// The memory is PORTS copies of a simple dual-port memory (one write, one
// registered read, no reset), written together, so synthesis maps each copy to
// block RAM (ECP5 DP16KD) and every multiplier lane of the pool reads its own
// copy in every cycle. The network keeps a read and a write of the same
// address apart (a read is issued only after the word it needs was written,
// checked by its assertions), so the read-during-write result never matters:
// no_rw_check spares the read-first bypass logic.
//
// Parameters
//   W      word width in bits (the block only moves bits)
//   DEPTH  words
//   PORTS  read ports (the pool's multiplier lanes), >= 1
//
// Ports
//   we_i, waddr_i, wdata_i   write wdata_i at waddr_i at the clock edge
//   raddr_i                  port p's address at [p*AW +: AW]
//   rdata_o                  port p's word at [p*W +: W]: the word at raddr_i of
//                            the previous clock edge (latency 1)

`default_nettype none

module pool_history #(
  parameter int W     = 16,
  parameter int DEPTH = 16,
  parameter int PORTS = 2,
  localparam int AW   = fixed_pkg::index_width(DEPTH)
) (
  input  wire logic                clk_i,
  input  wire logic                we_i,
  input  wire logic [AW-1:0]       waddr_i,
  input  wire logic [W-1:0]        wdata_i,
  input  wire logic [PORTS*AW-1:0] raddr_i,
  output      logic [PORTS*W-1:0]  rdata_o
);

  for (genvar p = 0; p < PORTS; p++) begin : g_copy
    (* no_rw_check *)
    logic [W-1:0] mem [DEPTH];

    always_ff @(posedge clk_i) begin
      if (we_i) mem[waddr_i] <= wdata_i;
    end

    always_ff @(posedge clk_i) begin
      rdata_o[p*W +: W] <= mem[raddr_i[p*AW +: AW]];
    end
  end

  if (W < 1 || DEPTH < 1 || PORTS < 1) begin : g_bad
    $error("pool_history: W, DEPTH and PORTS must be >= 1");
  end

endmodule

`default_nettype wire
