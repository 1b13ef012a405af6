// activation_cache: dilated ring buffer giving the K taps of a causal
// convolution, tap k = x[t - (K-1-k)*DILATION] after x[t] is pushed.
//
// The history lives in a simple dual-port memory (one write port, one read
// port with a registered output, no reset), so synthesis maps a large cache
// to block RAM (ECP5 DP16KD) rather than flip-flops. The memory is a ring of
// DEPTH = 2^clog2((K-1)*DILATION + 1) words (at least 2) of CHANNELS*W bits:
// the span of one tap set rounded up to a power of two, so addresses wrap by
// plain overflow. A push writes x[t] at the write pointer, then the K taps
// are read one per cycle, oldest first, at addresses
//   wptr - (K-1-k)*DILATION  (mod DEPTH),   wptr = where x[t] was written,
// and shifted into the taps register from the top, so tap k ends at
// [k*CHANNELS*W +: CHANNELS*W]. The memory cannot be cleared, so a saturating
// count of pushes since reset decides which taps lie before t = 0: those
// shift in as zero, and after reset the cache behaves as if all history were
// zero (golden.fast.activation_cache).
//
// Parameters
//   W         element width in bits (signed; the block only moves bits)
//   CHANNELS  elements per vector
//   K         taps, >= 1 (K = 1 gives the sample just pushed)
//   DILATION  distance between taps in samples, >= 1
//
// Handshake
//   in_valid_i & in_ready_o  push in_data_i (channel c at [c*W +: W]);
//                            in_ready_o is low from then until out_valid_o
//   out_valid_o              one-cycle pulse, exactly one per push: taps_o
//                            holds the K taps, tap k at [k*CHANNELS*W +:
//                            CHANNELS*W] (channel c at [(k*CHANNELS + c)*W +: W]),
//                            tap K-1 the vector just pushed. taps_o is valid
//                            while out_valid_o is high and holds through
//                            cycle c'+2 when the next push is accepted in c'.
//   rst_i                    forgets the history and drops a push in flight; a push
//                            in a reset cycle is dropped (in_ready_o is not defined
//                            there)
//
// Timing (push accepted in cycle c, i.e. in_valid_i & in_ready_o in cycle c):
//   out_valid_o in cycle c + LATENCY, LATENCY = K + 3 (the write at the end of
//   cycle c, the read sequencer started from a register in cycle c+1, K reads
//   issued in cycles c+2 .. c+K+1, each read word shifted into the taps register
//   one cycle after it leaves the memory);
//   in_ready_o is high again in cycle c + K + 3, so back-to-back pushes are
//   accepted every K + 3 cycles.
// The start register (rd_go) keeps the push, which comes from the stage's
// control, off the read address's load enable: the ring of a wide layer spans
// dozens of DP16KD, and that route was a 50k-MAC network's critical path.

`default_nettype none

module activation_cache #(
  parameter int W        = 16,
  parameter int CHANNELS = 16,
  parameter int K        = 4,
  parameter int DILATION = 4
) (
  input  wire logic                    clk_i,
  input  wire logic                    rst_i,
  input  wire logic                    in_valid_i,
  output      logic                    in_ready_o,
  input  wire logic [CHANNELS*W-1:0]   in_data_i,
  output      logic                    out_valid_o,
  output      logic [K*CHANNELS*W-1:0] taps_o
);

  localparam int VecW   = CHANNELS * W;
  localparam int TapsW  = K * VecW;
  localparam int Back   = (K - 1) * DILATION;  // distance from the newest to the oldest tap
  localparam int Span   = Back + 1;              // samples one tap set needs
  localparam int AddrW  = fixed_pkg::index_width(Span);
  localparam int Depth  = 1 << AddrW;  // at least 2
  localparam int CountW = $clog2(Span + 1);      // holds 0 .. Span

  logic push;
  assign push = in_valid_i && in_ready_o;

  // ---- control: write pointer, fill count, read sequencer ----------------
  logic [AddrW-1:0]  wptr;       // next word to write
  logic [CountW-1:0] filled;     // pushes since reset, saturating at Span
  logic              busy;
  logic              rd_go;      // a push was accepted last cycle: start the tap reads
  logic              rd_active;  // a tap read is issued this cycle
  logic [AddrW-1:0]  rd_addr;
  logic [CountW-1:0] rd_back;    // (K-1-k)*DILATION of the tap being read
  logic              rd_last;
  logic              q_valid;    // ring_q holds a tap word (one cycle behind rd_active)
  logic              q_keep;     // ... that was pushed since reset
  logic              q_last;     // ... and is the last tap of the set

  assign rd_last    = (rd_back == '0);
  // No rst_i term: reset has priority over the pointers and the fill count, so a push
  // in reset is forgotten (its ring write lands in a slot no tap reads before it is
  // rewritten), and in_ready_o stays off the reset net's fan-out.
  assign in_ready_o = !busy;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      wptr      <= '0;
      filled    <= '0;
      busy      <= 1'b0;
      rd_go     <= 1'b0;
      rd_active <= 1'b0;
      rd_addr   <= '0;
      rd_back   <= '0;
    end else begin
      rd_go <= push;
      if (push) begin
        wptr <= wptr + 1'b1;
        busy <= 1'b1;
        if (32'(filled) != Span) filled <= filled + 1'b1;
      end
      if (rd_go) begin
        // wptr has moved past x[t] by now: the oldest tap is Back + 1 words behind it
        rd_active <= 1'b1;
        rd_addr   <= wptr - AddrW'(Back + 1);
        rd_back   <= CountW'(Back);
      end else if (rd_active) begin
        rd_addr <= rd_addr + AddrW'(DILATION);
        rd_back <= rd_back - CountW'(DILATION);
        if (rd_last) rd_active <= 1'b0;
      end
      if (q_valid && q_last) busy <= 1'b0;  // last tap shifts in: ready with out_valid_o
    end
  end

  // ---- the ring: write port and registered read port, no reset -----------
  // A push is only accepted while no read is in flight, so a read and a write
  // never share a cycle: no_rw_check tells synthesis the read-during-write
  // result does not matter (yosys would otherwise wrap the block RAM in
  // read-first and bypass emulation, about 2*VecW flip-flops and muxes).
  (* no_rw_check *)
  logic [VecW-1:0] ring [Depth];
  logic [VecW-1:0] ring_q;

  always_ff @(posedge clk_i) begin
    if (push) ring[wptr] <= in_data_i;
  end

  always_ff @(posedge clk_i) begin
    if (rd_active) ring_q <= ring[rd_addr];
  end

  // The read word's flags travel one cycle behind its address. A tap is real
  // only if it was pushed since reset: x[t - back] exists iff filled > back.
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      q_valid     <= 1'b0;
      q_keep      <= 1'b0;
      q_last      <= 1'b0;
      out_valid_o <= 1'b0;
    end else begin
      q_valid     <= rd_active;
      q_keep      <= (filled > rd_back);
      q_last      <= rd_active && rd_last;
      out_valid_o <= q_valid && q_last;
    end
  end

  // ---- taps register: each word enters at the top (tap K-1) and moves down
  logic [VecW-1:0]  tap_in;
  logic [TapsW-1:0] taps_next;

  assign tap_in = q_keep ? ring_q : '0;

  if (K > 1) begin : g_shift
    assign taps_next = {tap_in, taps_o[TapsW-1:VecW]};
  end else begin : g_single
    assign taps_next = tap_in;
  end

  always_ff @(posedge clk_i) begin
    if (q_valid) taps_o <= taps_next;
  end

  // ---- assertions -----------------------------------------------------------
  // The header's rules, compiled only with ASSERTIONS defined: every cocotb run
  // (Verilator --assert) and make formal (yosys -formal) define it; synthesis
  // never sees this code. Checked from the first reset on (a_armed), outside reset.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  localparam int ALatency = K + 3;

  logic                                           a_pending;  // a push in flight
  logic [fixed_pkg::index_width(ALatency+1)-1:0]  a_since;    // cycles since that push

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      a_pending <= 1'b0;
    end else if (push) begin
      a_pending <= 1'b1;
      a_since   <= 1;
    end else if (a_pending) begin
      if (32'(a_since) <= ALatency) a_since <= a_since + 1'b1;
      if (out_valid_o) a_pending <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    // (no check in reset: the handshake is undefined there, see the header)
    if (a_armed && !rst_i) begin
      // One out_valid_o per push, in cycle c + LATENCY.
      a_out_valid_latency: assert (out_valid_o == (a_pending && 32'(a_since) == ALatency));
      // in_ready_o low from a push until out_valid_o, high again with it.
      a_ready_between_pushes: assert (in_ready_o == !(a_pending && 32'(a_since) < ALatency));
      // no_rw_check on the ring is sound only if a write never meets a read.
      a_no_read_during_write: assert (!(push && rd_active));
      // The fill count never passes the span of one tap set.
      a_filled_bound: assert (32'(filled) <= Span);
    end
  end
`endif

  if (K < 1) begin : g_bad_taps
    $error("activation_cache: K must be >= 1");
  end
  if (DILATION < 1) begin : g_bad_dilation
    $error("activation_cache: DILATION must be >= 1");
  end

endmodule

`default_nettype wire
