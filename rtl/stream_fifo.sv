// stream_fifo: a first-in first-out buffer of DEPTH words with valid/ready on
// both sides: the generated network's branch-alignment buffer, where the
// early operand of a join waits for the late one.
//
// The words live in a ring of DEPTH entries written at the write pointer and
// read asynchronously at the read pointer: flip-flops up to DEPTH = 4 (a single
// register when DEPTH = 1), distributed (LUT) RAM on ECP5 beyond
// (TRELLIS_DPR16X4: any DEPTH <= 16 costs ceil(W / 4) of them). Memory and
// data are not reset; the level, the pointers and the flags are.
//
// Parameters
//   W      bits of one word (e.g. 16 channels x 16 bits = 256), >= 1
//   DEPTH  words held at most (accepted, not yet taken), >= 1; the generator's
//          size from the branch latencies
//
// Handshake (valid/ready both sides, AXI-Stream-like; in_ready_o, out_valid_o,
// full_o and level_o are registers, so there is no combinational path from
// in_valid_i to out_valid_o nor from out_ready_i to in_ready_o, and FIFOs and
// stages chain without long combinational paths)
//   in_valid_i & in_ready_o    push in_data_i. in_ready_o is high exactly while
//                              fewer than DEPTH words are held (level_o < DEPTH).
//                              The FIFO needs no hold from its producer: a word
//                              is taken in the cycle of the handshake.
//   out_valid_o & out_ready_i  the oldest word, out_data_o, is taken. out_valid_o
//                              is high exactly while a word is held (level_o > 0);
//                              out_valid_o and out_data_o hold until the take.
//   full_o                     level_o == DEPTH (== !in_ready_o): a word offered
//                              now would wait. A generated top asserts, under
//                              ASSERTIONS, !(full_o && in_valid_i) on a FIFO the
//                              generator sized: that is the size's check.
//   level_o                    words held (accepted, not taken), 0..DEPTH
//   rst_i                      empties the FIFO. As in AXI-Stream a handshake in a
//                              reset cycle is undefined (a push or take there is
//                              dropped or ignored); no handshake carries a reset
//                              term, the reset net drives resets only.
//
// Timing
//   LATENCY = 1: a word pushed into an empty FIFO in cycle c is offered
//   (out_valid_o) in cycle c + 1. Words leave in push order, none lost or
//   duplicated. A push and a take in one cycle leave level_o unchanged, also
//   when full (a full FIFO refuses the push: in_ready_o is registered).
//   Throughput: one word per cycle in and out for DEPTH >= 2 (a producer that
//   is always valid and a consumer that is always ready keep one word in it);
//   DEPTH = 1 moves one word every 2 cycles (its one entry is full in the cycle
//   it is taken, and in_ready_o does not look at out_ready_i). A branch that
//   must stream at one word per cycle needs DEPTH >= 2.

`default_nettype none

module stream_fifo #(
  parameter int W      = 256,
  parameter int DEPTH  = 2,
  localparam int LevelW = fixed_pkg::ceil_log2(DEPTH + 1)
) (
  input  wire logic              clk_i,
  input  wire logic              rst_i,
  input  wire logic              in_valid_i,
  output      logic              in_ready_o,
  input  wire logic [W-1:0]      in_data_i,
  output      logic              out_valid_o,
  input  wire logic              out_ready_i,
  output      logic [W-1:0]      out_data_o,
  output      logic              full_o,
  output      logic [LevelW-1:0] level_o
);

  localparam logic [LevelW-1:0] Depth = LevelW'(DEPTH);
  localparam int RegisterDepth = 4;  // up to this depth the words sit in flip-flops, deeper in LUT RAM

  logic              push;
  logic              pop;
  logic [LevelW-1:0] level_d;

  assign push    = in_valid_i && in_ready_o;
  assign pop     = out_valid_o && out_ready_i;
  assign level_d = level_o + LevelW'(push) - LevelW'(pop);
  assign full_o  = !in_ready_o;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      level_o     <= '0;
      in_ready_o  <= 1'b1;
      out_valid_o <= 1'b0;
    end else begin
      level_o     <= level_d;
      in_ready_o  <= level_d != Depth;
      out_valid_o <= level_d != '0;
    end
  end

  // ---- storage ------------------------------------------------------------
`ifdef ASSERTIONS
  logic a_ptr_ok;  // the ring's pointer invariant (checked below)
`endif

  if (DEPTH == 1) begin : g_single
    logic [W-1:0] word_q;
    always_ff @(posedge clk_i) begin
      if (push) word_q <= in_data_i;
    end
    assign out_data_o = word_q;
`ifdef ASSERTIONS
    assign a_ptr_ok = 1'b1;
`endif
  end else begin : g_ring
    localparam int PtrW = fixed_pkg::index_width(DEPTH);
    localparam logic [PtrW-1:0] Last = PtrW'(DEPTH - 1);

    logic [PtrW-1:0] wr_q;
    logic [PtrW-1:0] rd_q;

    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        wr_q <= '0;
        rd_q <= '0;
      end else begin
        if (push) wr_q <= (wr_q == Last) ? '0 : wr_q + 1'b1;
        if (pop)  rd_q <= (rd_q == Last) ? '0 : rd_q + 1'b1;
      end
    end

    if (DEPTH <= RegisterDepth) begin : g_registers
      // A short FIFO in flip-flops: LUT RAM would spend ceil(W/4) TRELLIS_DPR16X4 on it whatever its depth,
      // and a WaveNet's 48 such FIFOs (1,476 LUT RAM cells) slowed nextpnr's placer a hundredfold.
      (* ram_style = "logic" *) logic [W-1:0] mem [DEPTH];
      always_ff @(posedge clk_i) begin
        if (push) mem[wr_q] <= in_data_i;
      end
      assign out_data_o = mem[rd_q];
    end else begin : g_lut_ram
      logic [W-1:0] mem [DEPTH];
      always_ff @(posedge clk_i) begin
        if (push) mem[wr_q] <= in_data_i;
      end
      assign out_data_o = mem[rd_q];
    end

`ifdef ASSERTIONS
    // Both pointers inside the ring, the write pointer level_o entries past
    // the read pointer, around it.
    int a_wr_expected;
    assign a_wr_expected = 32'(rd_q) + 32'(level_o) - ((32'(rd_q) + 32'(level_o) >= DEPTH) ? DEPTH : 0);
    assign a_ptr_ok      = 32'(rd_q) < DEPTH && 32'(wr_q) < DEPTH && 32'(wr_q) == a_wr_expected;
`endif
  end

  // ---- assertions -----------------------------------------------------------
  // The header's rules, compiled only with ASSERTIONS defined (every cocotb run,
  // make lint, make formal); synthesis never sees this code. Checked from the
  // first reset on (a_armed), outside reset.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  logic              a_was_reset;
  logic              a_was_waiting;  // out_valid_o && !out_ready_i: the word must stay
  logic [W-1:0]      a_was_data;
  logic [LevelW-1:0] a_was_level;
  logic              a_was_push;
  logic              a_was_pop;

  always_ff @(posedge clk_i) begin
    a_was_reset   <= rst_i;
    a_was_waiting <= out_valid_o && !out_ready_i;
    a_was_data    <= out_data_o;
    a_was_level   <= level_o;
    a_was_push    <= push;
    a_was_pop     <= pop;
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      // level_o counts the words held and never passes DEPTH.
      a_level_bound: assert (32'(level_o) <= DEPTH);
      // The registered flags are the level's: offered iff held, ready iff not full.
      a_valid_iff_held: assert (out_valid_o == (level_o != '0));
      a_ready_iff_room: assert (in_ready_o == (level_o != Depth));
      a_ring_pointers: assert (a_ptr_ok);
      if (!a_was_reset) begin
        // One push adds a word, one take removes one.
        a_level_step: assert (level_o == a_was_level + LevelW'(a_was_push) - LevelW'(a_was_pop));
        // valid/ready: a word not taken stays, unchanged.
        if (a_was_waiting) begin
          a_out_holds: assert (out_valid_o && out_data_o == a_was_data);
        end
      end
    end
  end
`endif

  if (W < 1) begin : g_bad_width
    $error("stream_fifo: W must be >= 1");
  end
  if (DEPTH < 1) begin : g_bad_depth
    $error("stream_fifo: DEPTH must be >= 1");
  end

endmodule

`default_nettype wire
