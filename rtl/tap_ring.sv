// tap_ring: the tap source of a streamed core. The history of a causal dilated
// convolution stays in a narrow, deep memory (block RAM when large), read one
// chunk of LANES channels per cycle in the order the core's walk consumes it,
// so no tap vector is held in flip-flops (activation_cache and the core's x
// register hold two copies of K*CHANNELS*W bits; this block holds one chunk).
//
// Layout. A sample x[t] is G = ceil(CHANNELS / LANES) chunks (the last one
// zero-padded), chunk g = channels g*LANES .. g*LANES+LANES-1. The memory is
// SLOTS samples of 2^clog2(G) words of LANES*W bits, addressed {slot, group}:
// SLOTS = 2^clog2((K-1)*DILATION + 2), one sample more than a tap set spans,
// because x[t+1] is written while the walk of x[t] still reads its oldest
// tap. The memory has one write port and one registered read port and no
// reset, so synthesis maps a large ring to DP16KD; a saturating count of
// pushes since reset decides which taps lie before t = 0, and those read as
// zero (golden.fast.activation_cache's zero history).
//
// Walk. For the sample last pushed, the core's walk reads, per pass, tap k =
// 0 .. K-1 (x[t - (K-1-k)*DILATION], oldest first), chunks g = 0 .. G-1 of each:
// beat b = k*G + g, K*G beats per pass, passes repeating the same beats. The
// core says when it issues a beat (issue_i) and which issue ends its walk
// (walk_end_i); the ring keeps its read address one step ahead, and between
// walks (and in a walk's last issue cycle) at the first beat of the sample
// last pushed, so a walk may start in any cycle after that push.
//
// Parameters
//   W         element width in bits (the block only moves bits)
//   CHANNELS  elements per sample
//   LANES     elements per chunk (the core's multipliers per dot product), 1..CHANNELS
//   K         taps, >= 1
//   DILATION  distance between taps in samples, >= 1
//
// Handshake
//   in_valid_i & in_ready_o  push in_data_i (channel c at [c*W +: W]). The G
//                      chunks are written one per cycle while in_valid_i is high,
//                      so in_valid_i and in_data_i must hold until in_ready_o (as
//                      valid/ready requires); in_ready_o is high in the cycle the
//                      last chunk is written (every cycle when G = 1) and is a
//                      function of this block's registers only.
//   out_valid_o        one-cycle pulse, the cycle after each push: its walk may start.
//                      At most one pushed sample may wait for its walk: the user
//                      holds in_valid_i low from out_valid_o until that walk has
//                      started (rtl/network_stage.sv does).
//   issue_i            the core reads one beat this cycle (its walk order, above)
//   walk_end_i         with issue_i: the walk's last beat
//   chunk_o            the beat issued in cycle i, in cycle i + 2 (the memory's
//                      registered read, then one fabric register that also zeroes
//                      taps before t = 0): a streamed core registers its weights
//                      once more to meet it (rtl/row_by_matrix_multiply.sv)
//   rst_i              forgets the history and drops a push in progress; a walk
//                      in progress is the core's to drop (it is reset too)
//
// Timing: a push accepted in cycle c gives out_valid_o in cycle c + 1; G cycles
// of in_valid_i per push; a walk started (first issue) in cycle c + 2 or later
// reads that sample.

`default_nettype none

module tap_ring #(
  parameter int W        = 16,
  parameter int CHANNELS = 16,
  parameter int LANES    = 4,
  parameter int K        = 4,
  parameter int DILATION = 4
) (
  input  wire logic                  clk_i,
  input  wire logic                  rst_i,
  input  wire logic                  in_valid_i,
  output      logic                  in_ready_o,
  input  wire logic [CHANNELS*W-1:0] in_data_i,
  output      logic                  out_valid_o,
  input  wire logic                  issue_i,
  input  wire logic                  walk_end_i,
  output      logic [LANES*W-1:0]    chunk_o
);

  localparam int ChunkW  = LANES * W;
  localparam int Groups  = fixed_pkg::ceil_div(CHANNELS, LANES);
  localparam int GroupW  = fixed_pkg::index_width(Groups);
  localparam int Back    = (K - 1) * DILATION;  // distance from the newest to the oldest tap
  localparam int SlotW   = fixed_pkg::index_width(Back + 2);
  localparam int Span    = Back + 1;            // samples one tap set needs
  localparam int CountW  = $clog2(Span + 1);    // holds 0 .. Span
  localparam int TapW    = fixed_pkg::index_width(K);
  localparam int GroupBits = fixed_pkg::ceil_log2(Groups);  // address bits of the group (0 when G = 1)
  localparam int AddrW   = SlotW + GroupBits;
  localparam int PaddedW = Groups * ChunkW;

  // ---- write side: G chunks per push ---------------------------------------
  logic [SlotW-1:0]  wslot;        // the slot being written
  logic [GroupW-1:0] wgroup;       // the chunk being written
  logic              wlast;        // wgroup == Groups - 1, from a register
  logic [CountW-1:0] filled;       // pushes since reset, saturating at Span
  logic [SlotW-1:0]  newest_base;  // slot of the oldest tap of the sample last pushed
  logic [K-1:0]      newest_keep;  // its taps that were pushed since reset
  logic              push;
  logic [CountW-1:0] filled_next;

  assign in_ready_o  = wlast;
  assign push        = in_valid_i && wlast;
  assign filled_next = (32'(filled) == Span) ? filled : filled + 1'b1;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      wslot       <= '0;
      wgroup      <= '0;
      wlast       <= (Groups == 1);
      filled      <= '0;
      newest_base <= '0;
      newest_keep <= '0;
      out_valid_o <= 1'b0;
    end else begin
      out_valid_o <= push;
      if (in_valid_i) begin
        if (wlast) begin
          wgroup <= '0;
          wlast  <= (Groups == 1);
          wslot  <= wslot + 1'b1;
          filled <= filled_next;
          newest_base <= wslot - SlotW'(Back);
          // tap k = x[t - (K-1-k)*DILATION] exists iff more than (K-1-k)*DILATION pushes were made
          for (int k = 0; k < K; k++) newest_keep[k] <= (32'(filled_next) > (K - 1 - k) * DILATION);
        end else begin
          wgroup <= wgroup + 1'b1;
          wlast  <= (32'(wgroup) + 2 == Groups);
        end
      end
    end
  end

  logic [PaddedW-1:0] padded;
  logic [ChunkW-1:0]  wdata;

  assign padded = PaddedW'(in_data_i);
  assign wdata  = padded[32'(wgroup)*ChunkW +: ChunkW];

  // ---- the memory: write port and registered read port, no reset -----------
  // A read and a write in one cycle always address different slots (SLOTS covers a
  // tap set and the sample written beside it), so the read-during-write result
  // never matters: no_rw_check keeps yosys from adding bypass logic.
  (* no_rw_check *)
  logic [ChunkW-1:0] ring [2**AddrW];
  logic [ChunkW-1:0] ring_q;

  logic [SlotW-1:0]  rslot;
  logic [GroupW-1:0] rgroup;
  logic [TapW-1:0]   rtap;
  logic [SlotW-1:0]  walk_base;
  logic [K-1:0]      walk_keep;
  logic              q_keep;
  logic [AddrW-1:0]  waddr;
  logic [AddrW-1:0]  raddr;

  assign waddr = (AddrW'(wslot) << GroupBits) | AddrW'(wgroup);
  assign raddr = (AddrW'(rslot) << GroupBits) | AddrW'(rgroup);

  // The write port from registers: the chunk select fans out over LANES*W bits and the ring may
  // sit far from its producer (the select's route into a DP16KD was a 100k-MAC network's critical
  // path). A chunk lands in the ring one cycle after it is offered; a walk reads the sample from the
  // second cycle after its push, by when every chunk is in.
  logic              we_q;
  logic [AddrW-1:0]  waddr_q;
  logic [ChunkW-1:0] wdata_q;

  always_ff @(posedge clk_i) begin
    if (rst_i) we_q <= 1'b0;
    else       we_q <= in_valid_i;
  end

  always_ff @(posedge clk_i) begin
    waddr_q <= waddr;
    wdata_q <= wdata;
  end

  always_ff @(posedge clk_i) begin
    if (we_q) ring[waddr_q] <= wdata_q;
  end

  always_ff @(posedge clk_i) begin
    if (issue_i) ring_q <= ring[raddr];
  end

  // ---- read side: the walk's address, one step ahead -----------------------
  // Idle, and in a walk's last issue, the address rests at the first beat of the
  // sample last pushed: the next issue is then a walk's first.
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      q_keep <= 1'b0;
    end else if (issue_i) begin
      q_keep <= walk_keep[rtap];
    end
  end

  always_ff @(posedge clk_i) begin
    if (!issue_i || walk_end_i) begin
      rslot     <= newest_base;
      rgroup    <= '0;
      rtap      <= '0;
      walk_base <= newest_base;
      walk_keep <= newest_keep;
    end else if (32'(rgroup) == Groups - 1) begin
      rgroup <= '0;
      if (32'(rtap) == K - 1) begin
        rtap  <= '0;
        rslot <= walk_base;
      end else begin
        rtap  <= rtap + 1'b1;
        rslot <= rslot + SlotW'(DILATION);
      end
    end else begin
      rgroup <= rgroup + 1'b1;
    end
  end

  // ---- output register: the block RAM's clock-to-out stays off the route to the
  // multipliers, and taps before t = 0 become zero here (a synchronous clear).
  always_ff @(posedge clk_i) begin
    chunk_o <= q_keep ? ring_q : '0;
  end

  // ---- assertions -----------------------------------------------------------
  // Compiled only with ASSERTIONS defined (cocotb runs, make formal); checked
  // from the first reset on, outside reset.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      // The registered last-chunk flag matches the group counter it stands for.
      a_wlast: assert (wlast == (32'(wgroup) == Groups - 1));
      a_filled_bound: assert (32'(filled) <= Span);
      // A walk never reads the slot being written.
      if (issue_i && we_q) a_no_read_of_write_slot: assert (raddr[AddrW-1:GroupBits] != waddr_q[AddrW-1:GroupBits]);
    end
  end
`endif

  if (K < 1) begin : g_bad_taps
    $error("tap_ring: K must be >= 1");
  end
  if (DILATION < 1) begin : g_bad_dilation
    $error("tap_ring: DILATION must be >= 1");
  end
  if (LANES < 1 || LANES > CHANNELS) begin : g_bad_lanes
    $error("tap_ring: LANES must be in [1, CHANNELS]");
  end

endmodule

`default_nettype wire
