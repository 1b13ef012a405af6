// row_by_matrix_multiply: y = x * M for a row vector x (IN_D) and a constant
// matrix M (IN_D x OUT_D) held in a ROM, exact sums, no requantisation.
//
// COLS dot products run in parallel, each with LANES multipliers, so one
// multiply costs COLS * LANES multipliers and PASSES * BEATS issue cycles:
//   BEATS  = ceil(IN_D / LANES)   beats per dot product
//   PASSES = ceil(OUT_D / COLS)   groups of COLS output columns, one after another
// x is latched at start into a rotating register that presents LANES elements
// per cycle (a fixed shift, not a variable-index multiplexer), and the ROM is
// read one word per cycle: LANES weights for each of the COLS dot products.
//
// Parameters
//   W             element width in bits (default of A_W and B_W)
//   A_W, A_SIGNED x element width; A_SIGNED = 0 reads x as unsigned (ReLU outputs)
//   B_W           matrix element width (signed)
//   IN_D, OUT_D   matrix shape
//   LANES         multipliers per dot product, 1..IN_D
//   COLS          dot products (output columns) in parallel, 1..OUT_D
//   ACC_W         sum width; the default holds IN_D products + one bias exactly
//   MUL_PO2, PO2_SPAN  dot_product's multiplier choice: 1 = po2_mul lanes, the
//                 matrix elements B_W-bit po2 weight codes (golden.kinds.po2)
//   MUL_LATENCY   dot_product's multiplier register stages, 1 or 2
//   WEIGHT_REG    1: one fabric register between the weight ROM and the multipliers (the
//                 x chunk delayed with it). A DP16KD that yosys maps the ROM to has no
//                 output register it can use, and its clock-to-out is half a 150 MHz
//                 cycle; this register takes the route to the DSPs off that path. The
//                 generator sets it where the ROM is block RAM (golden.kinds.conv1d)
//   X_STREAM      1: no x register. x comes in chunks from the stage's tap source
//                 (rtl/tap_ring.sv), one per issued beat on chunk_i two cycles after its
//                 issue (issue_o, walk_end_o tell the source the walk); the weight ROM's
//                 output is then registered once more whatever WEIGHT_REG says, to meet it.
//                 x_i is unused. IN_D is then K*G*LANES, each tap padded to whole chunks.
//   WEIGHTS_FILE  absolute path of a $readmemh file written by golden.memfile:
//                 PASSES*BEATS words of COLS*LANES*B_W bits; word pass*BEATS+beat,
//                 bits [(u*LANES+l)*B_W +: B_W] = M[beat*LANES+l][pass*COLS+u]
//                 (zero where the index is past IN_D or OUT_D)
//
// Handshake
//   issue_o, walk_end_o  (X_STREAM) a beat is issued this cycle; with issue_o, the walk's
//                       last beat. Beats are issued in cycles s+1 .. s+PASSES*BEATS of a
//                       start accepted in cycle s, word order (pass-major, beat-minor).
//   chunk_i             (X_STREAM) the x elements of the beat issued two cycles before
//   start_i & ready_o   accept x_i (element i at [i*A_W +: A_W]), latched: x_i may
//                       change afterwards. ready_o is low while the issue walk of
//                       an accepted start still has cycles to go, high again in
//                       its last cycle (so starts may follow each other every
//                       PASSES*BEATS cycles and the multipliers never idle). A
//                       start in a reset cycle is dropped (ready_o is not defined
//                       there). Earlier starts' passes still in the
//                       dot products' pipelines come out undisturbed.
//   col_valid_o         one-cycle pulse per pass, starts in order and passes in
//                       order within a start: col_sums_o holds columns
//                       col_pass_o*COLS + u at [u*ACC_W +: ACC_W], u < COLS
//                       (columns past OUT_D are zero, not part of y)
//   done_o              high with the last pass's col_valid_o of each start
//
// Timing (start accepted in cycle s):
//   pass p's col_valid_o is high in cycle s + (p+1)*BEATS + clog2(LANES) + MUL_LATENCY + W_STAGE + 2
//   done_o in cycle s + LATENCY, LATENCY = PASSES*BEATS + clog2(LANES) + MUL_LATENCY + W_STAGE + 2
//   (W_STAGE = WEIGHT_REG || X_STREAM; one cycle to read the ROM word and latch the x chunk,
//   W_STAGE more to register both, then dot_product's latency);
//   ready_o is high again in cycle s + PASSES*BEATS (the walk's last issue cycle;
//   with PASSES*BEATS = 1 it never drops), whatever is still in flight.

`default_nettype none

module row_by_matrix_multiply #(
  /* verilator lint_off UNUSEDPARAM */  // W only sets the defaults of A_W and B_W
  parameter int    W            = 16,
  /* verilator lint_on UNUSEDPARAM */
  parameter int    A_W          = W,
  parameter bit    A_SIGNED     = 1'b1,
  parameter int    B_W          = W,
  parameter int    IN_D         = 16,
  parameter int    OUT_D        = 16,
  parameter int    LANES        = 4,
  parameter int    COLS         = 4,
  parameter int    ACC_W        = fixed_pkg::acc_width2(A_W, A_SIGNED, B_W, IN_D),
  parameter        WEIGHTS_FILE = "",
  parameter bit    MUL_PO2      = 1'b0,
  parameter int    PO2_SPAN     = 0,
  parameter int    MUL_LATENCY  = 1,
  parameter bit    WEIGHT_REG   = 1'b0,
  parameter bit    X_STREAM     = 1'b0
) (
  input  wire logic                    clk_i,
  input  wire logic                    rst_i,
  input  wire logic                    start_i,
  output      logic                    ready_o,
  input  wire logic [IN_D*A_W-1:0]     x_i,
  output      logic                    col_valid_o,
  output      logic [fixed_pkg::index_width(fixed_pkg::ceil_div(OUT_D, COLS))-1:0] col_pass_o,
  output      logic [COLS*ACC_W-1:0]   col_sums_o,
  output      logic                    done_o,
  output      logic                    issue_o,
  output      logic                    walk_end_o,
  input  wire logic [LANES*A_W-1:0]    chunk_i
);

  localparam int Beats   = fixed_pkg::ceil_div(IN_D, LANES);
  localparam int Passes  = fixed_pkg::ceil_div(OUT_D, COLS);
  localparam int Words   = Passes * Beats;
  localparam int AddrW   = fixed_pkg::index_width(Words);
  localparam int ChunkW  = LANES * A_W;     // x elements of one beat
  localparam int WChunkW = LANES * B_W;     // weights of one beat for one column
  localparam int XRegW   = Beats * ChunkW;  // x zero-padded to whole beats
  localparam int BeatW   = fixed_pkg::index_width(Beats);
  localparam int PassW   = fixed_pkg::index_width(Passes);
  localparam bit WeightStage = WEIGHT_REG || X_STREAM;  // the weight ROM's output registered in the fabric

  // ---- issue: walk passes x beats, rotating x and reading the ROM ---------
  logic             issuing;
  logic [BeatW-1:0] beat;
  logic [PassW-1:0] pass;
  logic [AddrW-1:0] addr;
  logic             last_beat;
  logic             last_pass;
  logic             walk_end;  // registered last_beat && last_pass: ready_o is two flip-flops and a LUT
  logic             walk_end_d;  // walk_end's next value
  logic             issuing_d;   // issuing's next value
  logic             rotating;  // registered issuing && !walk_end: x_rot's select (below)

  assign last_beat = (32'(beat) == Beats - 1);
  assign last_pass = (32'(pass) == Passes - 1);
  localparam bit OneWord = (Beats == 1) && (Passes == 1);

  // The counters wrap to 0 at the end of every walk, so an idle walker is at word
  // 0 and a start only sets `issuing`: the accept (start_i, through ready_o from
  // walk_end) drives one flip-flop, not the reset of every counter bit (that fan-out
  // was a budget-104 network's critical path, 6.7 ns at 86% routing). walk_end is
  // a function of the counters alone, one cycle ahead.
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      issuing  <= 1'b0;
      beat     <= '0;
      pass     <= '0;
      addr     <= '0;
      walk_end <= OneWord;
    end else begin
      issuing  <= issuing_d;
      walk_end <= walk_end_d;
      if (issuing) begin
        addr <= walk_end ? '0 : addr + 1'b1;
        if (last_beat) begin
          beat <= '0;
          pass <= last_pass ? '0 : pass + 1'b1;
        end else begin
          beat <= beat + 1'b1;
        end
      end
    end
  end

  assign issuing_d = (start_i && ready_o) || (issuing && !walk_end);

  always_comb begin
    walk_end_d = walk_end;
    if (issuing) begin
      if (last_beat) walk_end_d = (Beats == 1) && (last_pass ? (Passes == 1) : (32'(pass) + 1 == Passes - 1));
      else           walk_end_d = (32'(beat) + 1 == Beats - 1) && last_pass;
    end
  end

  // x_rot's select from its own register, decided a cycle early: it fans out to every
  // x_rot bit (K*IN_D*A_W of them), and through walk_end's logic it was a 100k-MAC
  // network's critical path (6.4 ns of routing).
  always_ff @(posedge clk_i) begin
    if (rst_i) rotating <= 1'b0;
    else       rotating <= issuing_d && !walk_end_d;
  end

  // Datapath registers: no reset needed, qualified by the valid pipeline.
  logic [ChunkW-1:0] chunk_q;  // the x chunk beside the ROM word (registered x only)

  if (X_STREAM) begin : g_x_stream
    // x is the source's: nothing to hold here.
    logic unused_x;
    assign unused_x = ^{x_i, rotating, chunk_q};
    assign chunk_q  = '0;
  end else begin : g_x_register
    logic [XRegW-1:0] x_rot;
    logic [XRegW-1:0] x_rot_next;

    // Rotating right by one chunk brings the next LANES elements to the bottom.
    if (Beats > 1) begin : g_rotate
      assign x_rot_next = {x_rot[ChunkW-1:0], x_rot[XRegW-1:ChunkW]};
    end else begin : g_hold
      assign x_rot_next = x_rot;
    end

    // Outside a walk (and in its last cycle, where the next walk may start) x_rot
    // follows x_i, so it holds the start cycle's x_i afterwards without an enable:
    // the select is two flip-flops, and the start handshake never reaches the
    // register (IN_D*A_W bits: a start-driven enable was the critical path).
    always_ff @(posedge clk_i) begin
      if (rotating) x_rot <= x_rot_next;
      else          x_rot <= XRegW'(x_i);
    end

    always_ff @(posedge clk_i) begin
      if (issuing) chunk_q <= x_rot[ChunkW-1:0];
    end

    logic unused_chunk_i;
    assign unused_chunk_i = ^chunk_i;
  end

  // Weight ROM, synchronous read (maps to block RAM or LUT ROM).
  logic [COLS*WChunkW-1:0] weight_rom [Words];
  logic [COLS*WChunkW-1:0] weight_q;
  logic                   beat_valid_q;
  logic                   beat_last_q;

  // The explicit range makes a short weight file an error, not zeros.
  initial begin
    $readmemh(WEIGHTS_FILE, weight_rom, 0, Words - 1);
  end

  // Read only while issuing.
  always_ff @(posedge clk_i) begin
    if (issuing) begin
      weight_q <= weight_rom[addr];
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      beat_valid_q <= 1'b0;
      beat_last_q  <= 1'b0;
    end else begin
      beat_valid_q <= issuing;
      beat_last_q  <= issuing && last_beat;
    end
  end

  // ---- optional weight register: the ROM's output registered in the fabric --
  logic [COLS*WChunkW-1:0] weight_d;
  logic [ChunkW-1:0]       chunk_d;
  logic                    beat_valid_d;
  logic                    beat_last_d;

  if (WeightStage) begin : g_weight_reg
    always_ff @(posedge clk_i) begin
      weight_d <= weight_q;
    end
    if (X_STREAM) begin : g_chunk_in
      assign chunk_d = chunk_i;  // the source's register, aligned with weight_d
    end else begin : g_chunk_reg
      always_ff @(posedge clk_i) begin
        chunk_d <= chunk_q;
      end
    end
    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        beat_valid_d <= 1'b0;
        beat_last_d  <= 1'b0;
      end else begin
        beat_valid_d <= beat_valid_q;
        beat_last_d  <= beat_last_q;
      end
    end
  end else begin : g_no_weight_reg
    assign weight_d     = weight_q;
    assign chunk_d      = chunk_q;
    assign beat_valid_d = beat_valid_q;
    assign beat_last_d  = beat_last_q;
  end

  // ---- COLS dot products share the x chunk ---------------------------------
  logic [COLS-1:0] dot_valid;

  for (genvar u = 0; u < COLS; u++) begin : g_col
    logic signed [ACC_W-1:0] sum;
    dot_product #(
      .A_W     (A_W),
      .B_W     (B_W),
      .A_SIGNED(A_SIGNED),
      .N    (IN_D),
      .LANES(LANES),
      .ACC_W(ACC_W),
      .MUL_PO2 (MUL_PO2),
      .PO2_SPAN(PO2_SPAN),
      .MUL_LATENCY(MUL_LATENCY)
    ) u_dot (
      .clk_i,
      .rst_i,
      .in_valid_i (beat_valid_d),
      .in_last_i  (beat_last_d),
      .in_a_i     (chunk_d),
      .in_b_i     (weight_d[u*WChunkW +: WChunkW]),
      .out_valid_o(dot_valid[u]),
      .out_sum_o  (sum)
    );
    assign col_sums_o[u*ACC_W +: ACC_W] = sum;
  end

  // All COLS dot products see identical control, so unit 0 speaks for all.
  // Results leave in issue order, so the pass index simply counts them, wrapping
  // after the last pass of each start (overlapped starts need no tag).
  logic [PassW-1:0] out_pass;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      out_pass <= '0;
    end else if (dot_valid[0]) begin
      out_pass <= (32'(out_pass) == Passes - 1) ? '0 : out_pass + 1'b1;
    end
  end

  // Ready while idle and in the walk's last issue cycle: a start then reloads the
  // walk at the same edge the last word is read, so beats follow back to back.
  // No rst_i term: reset has priority over the walk, so a start in reset is dropped.
  assign ready_o     = !issuing || walk_end;
  assign issue_o     = issuing;
  assign walk_end_o  = walk_end;
  assign col_valid_o = dot_valid[0];
  assign col_pass_o  = out_pass;
  assign done_o      = dot_valid[0] && (32'(out_pass) == Passes - 1);

  logic unused_dot_valid;  // units 1.. repeat unit 0's valid
  assign unused_dot_valid = ^dot_valid;

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

  localparam int ATree    = fixed_pkg::ceil_log2(LANES);
  localparam int AWalk    = Passes * Beats;
  localparam int ALatency = AWalk + ATree + MUL_LATENCY + int'(WeightStage) + 2;

  // a_started[i]: a start was accepted i+1 cycles ago (since the last reset). Starts
  // are at least PASSES*BEATS cycles apart, so each cycle's expected pass is unique.
  logic [ALatency-1:0] a_started;
  logic                a_pass_due;   // some earlier start's pass is due this cycle
  logic [PassW-1:0]    a_pass_idx;   // ... and which pass
  logic                a_done_due;
  logic                a_walking;    // an accepted start's walk has cycles left after this one

  always_ff @(posedge clk_i) begin
    if (rst_i) a_started <= '0;
    else       a_started <= {a_started[ALatency-2:0], start_i && ready_o};
  end

  always_comb begin
    a_pass_due = 1'b0;
    a_pass_idx = '0;
    for (int p = 0; p < Passes; p++) begin
      if (a_started[(p + 1) * Beats + ATree + MUL_LATENCY + int'(WeightStage) + 1]) begin
        a_pass_due = 1'b1;
        a_pass_idx = PassW'(p);
      end
    end
    a_done_due = a_started[ALatency - 1];
    a_walking  = 1'b0;
    for (int i = 0; i < AWalk - 1; i++) a_walking = a_walking || a_started[i];
  end

  always_ff @(posedge clk_i) begin
    // (no check in reset: the handshake is undefined there, see the header)
    if (a_armed && !rst_i) begin
      // ready_o low while a walk has cycles left, high in its last cycle and when idle.
      a_ready_after_walk: assert (ready_o == !a_walking);
      // The registered walk end matches the counters it stands for, and an idle
      // walker is at word 0 (a start does not reset the counters).
      a_walk_end: assert (walk_end == (last_beat && last_pass));
      a_rotating: assert (rotating == (issuing && !walk_end));
      if (!issuing) a_idle_at_zero: assert (beat == '0 && pass == '0 && addr == '0);
      // Pass p of the start in cycle s in cycle s + (p+1)*BEATS + clog2(LANES) + MUL_LATENCY + W_STAGE + 2,
      // in order, no strays.
      a_pass_timing: assert (col_valid_o == a_pass_due);
      if (col_valid_o) begin
        a_pass_order: assert (col_pass_o == a_pass_idx);
      end
      // done_o in cycle s + LATENCY, with the last pass's col_valid_o.
      a_done_latency: assert (done_o == a_done_due);
      a_done_with_valid: assert (!done_o || col_valid_o);
    end
  end
`endif

  if (LANES < 1 || LANES > IN_D) begin : g_bad_lanes
    $error("row_by_matrix_multiply: LANES must be in [1, IN_D]");
  end
  if (WEIGHTS_FILE == "") begin : g_no_weights
    $error("row_by_matrix_multiply: WEIGHTS_FILE is not set");
  end
  if (COLS < 1 || COLS > OUT_D) begin : g_bad_cols
    $error("row_by_matrix_multiply: COLS must be in [1, OUT_D]");
  end

endmodule

`default_nettype wire
