// quantized_activation: QKeras's quantized_tanh or quantized_sigmoid on every
// channel of one sample, exactly as golden.kinds.activation (the
// quantized_activation kind; golden/activations.py defines the arithmetic).
// K = 1: the core port contract of rtl/network_stage.sv with one tap.
//
// Two forms, chosen at elaboration by TABLE:
//
//   TABLE = 0  the hard and smooth forms (use_real false, internal sigmoid hard
//              or smooth): a line, rounded half to even and saturated, as
//              golden.activations.piecewise_linear_codes computes it, with
//              slope * x / 2^shift (+ 1/2):
//                hard tanh     x          smooth tanh     3x / 8
//                hard sigmoid  x/2 + 1/2  smooth sigmoid  3x / 16 + 1/2
//              x (X_FRAC fractional bits) clamped to [-reach, reach], reach =
//              2^(X_FRAC + 2) (|x| = 4, where every form has saturated; 1 code
//              when X_FRAC < -2), times the slope (x or 2x + x), shifted left
//              to AccFrac = max(X_FRAC + shift, 1) fractional bits, plus the half
//              (2^(AccFrac - 1)) for the sigmoid, registered (a wide input's
//              clamp, adder and requantise are three carry chains: two cycles'
//              worth in one), then requantise (RNE, no ReLU) to the output
//              format. Shifts, one adder, compares: no table.
//   TABLE = 1  the step forms (use_real true, or internal sigmoid real): the
//              output is FIRST + #{j : T_j <= x} for the STEPS thresholds
//              T_1 <= ... <= T_STEPS of THRESHOLDS_FILE (golden.activations.
//              StepTable). Each lane finds the count by a binary search over the
//              table, one bit of the count per search step, most significant
//              first: with S = max(1, clog2(STEPS + 1)) and the table padded to
//              D = 2^S - 1 words with the top input code, step i probes word
//              p - 1, p = count | 2^(S-1-i), and keeps p when T_p <= x. The
//              search finds how many of the D words are <= x, which exceeds
//              STEPS only at the top input code, where every real threshold
//              counts too: the count is clamped to STEPS. Thresholds may repeat
//              (one input step skipping output codes). The ROM has a registered
//              address and a registered output (block RAM when deep), and with
//              ROM_REG one fabric register after it: a search step is
//              PHASES = 3 + ROM_REG cycles (address, read, [register,] compare,
//              update). The compare's result is registered before the count
//              and the next address use it: the block RAM sits apart from the
//              taps register, and a compare and that route in one cycle were
//              the WaveNet's critical path (docs/results.md).
//
// Every input code is computed as it is: nothing is truncated, whatever XW.
//
// Lanes: LANES channels are computed side by side, BEATS = ceil(CHANNELS / LANES)
// beats one after another (beat b: channels b*LANES .. b*LANES + LANES - 1;
// padding channels past CHANNELS are computed and dropped). The taps register
// shifts by one beat's channels per beat (no variable multiplexer), and the
// results are shifted into an assembly register, then copied into y_o with the
// last beat's. Each step-form lane holds its own copy of the threshold ROM.
//
// Parameters (golden.kinds.activation.ActivationKind.rtl_parameters writes them)
//   XW, X_SIGNED  input code width (up to 53: a full-precision sum) and range;
//                 X_SIGNED = 0 reads the input as unsigned
//   X_FRAC        input fractional bits (any sign; the line's alignment, TABLE = 0)
//   CHANNELS      channels (IN_D = OUT_D of the layer)
//   LANES         channels computed in parallel, 1..CHANNELS
//   SIGMOID       0: quantized_tanh, output Q(BITS, BITS-1) (signed);
//                 1: quantized_sigmoid, output UQ(BITS, BITS) (unsigned)
//   BITS          output code width (QKeras's bits), 2..24
//   TABLE         0: the line (hard or smooth); 1: the step table
//   SMOOTH        (TABLE = 0) 1: internal sigmoid smooth, 0: hard
//   STEPS         (TABLE = 1) thresholds in the table, 0..2^BITS - 1
//   FIRST         (TABLE = 1) the output code at the lowest input code, as its BITS-bit
//                 pattern (two's complement for tanh: -128 at 8 bits is 128), so that
//                 every tool takes it as a parameter (yosys's chparam reads no minus sign)
//   ROM_REG       (TABLE = 1) one fabric register after the ROM (the generator sets
//                 it where the ROM is block RAM: deeper than 64 words)
//   THRESHOLDS_FILE (TABLE = 1) absolute path of a $readmemh file written by
//                 golden.memfile: D words of XW bits, T_1 .. T_STEPS as two's
//                 complement (X_SIGNED) or plain codes, then the top input code
//
// Handshake (the core port contract of rtl/network_stage.sv, room for one result)
//   start_i & ready_o  accept taps_i (channel c at [c*XW +: XW]); latched, so taps_i
//                      may change afterwards. ready_o = !busy || (y_valid_o &&
//                      y_ready_i): low while a sample is computed or its result
//                      waits, except in the cycle that result is taken. A start in
//                      a reset cycle is dropped (ready_o is not defined there).
//   y_valid_o & y_ready_i  the result y_o (channel c at [c*BITS +: BITS]) is taken;
//                      y_valid_o and y_o hold until then, and y_o holds after the
//                      take until the next result.
//
// Timing (start accepted in cycle s, results taken at once):
//   y_valid_o in cycle s + LAT, LAT = 1 + BEATS * BEAT_CYCLES + PIPE: the taps
//   register, BEAT_CYCLES per beat, then PIPE = 1 for the line (its accumulator
//   register), 0 for a table; BEAT_CYCLES = 1 (TABLE = 0: one beat a cycle) or
//   S * (3 + ROM_REG) (TABLE = 1: S search steps per beat). The next start in that
//   cycle, so the interval II = LAT. One sample at a time: the layer's interval is
//   its walk, and one result register keeps the core small.
//   golden.kinds.activation.ActivationKind.core_latency and core_interval are
//   these formulas.

`default_nettype none

module quantized_activation #(
  parameter int XW              = 16,
  parameter bit X_SIGNED        = 1'b1,
  parameter int X_FRAC          = 12,
  parameter int CHANNELS        = 4,
  parameter int LANES           = 2,
  parameter bit SIGMOID         = 1'b0,
  parameter int BITS            = 8,
  parameter bit TABLE           = 1'b0,
  parameter bit SMOOTH          = 1'b0,
  parameter int STEPS           = 0,
  parameter int FIRST           = 0,
  parameter bit ROM_REG         = 1'b0,
  parameter     THRESHOLDS_FILE = ""
) (
  input  wire logic                     clk_i,
  input  wire logic                     rst_i,
  input  wire logic                     start_i,
  output      logic                     ready_o,
  input  wire logic [CHANNELS*XW-1:0]   taps_i,
  output      logic                     y_valid_o,
  input  wire logic                     y_ready_i,
  output      logic [CHANNELS*BITS-1:0] y_o
);

  localparam int Beats      = fixed_pkg::ceil_div(CHANNELS, LANES);
  localparam int S          = TABLE ? fixed_pkg::index_width(STEPS + 1) : 1;  // search steps (count bits)
  localparam int D          = (1 << S) - 1;                                   // ROM words
  localparam int Phases     = TABLE ? 3 + (ROM_REG ? 1 : 0) : 1;              // cycles per search step
  localparam int BeatCycles = S * Phases;
  localparam int Lat        = 1 + Beats * BeatCycles + (TABLE ? 0 : 1);
  localparam int PW         = fixed_pkg::index_width(Phases);
  localparam int SW         = fixed_pkg::index_width(S);
  localparam int BW         = fixed_pkg::index_width(Beats);
  localparam int LaneXW     = LANES * XW;
  localparam int LaneYW     = LANES * BITS;

  // ---- control: one sample at a time -----------------------------------------
  logic          accept;
  logic          taken;
  logic          busy;      // a sample accepted and its result not yet taken
  logic          walking;   // its beats are being computed
  logic [PW-1:0] phase;     // cycle within a search step (0 for the line)
  logic [SW-1:0] step;      // search step within a beat (0 for the line)
  logic [BW-1:0] beat;
  logic          step_end;  // the last cycle of a search step (every cycle for the line)
  logic          beat_end;  // the last cycle of a beat: the lanes' results are ready
  logic          walk_end;  // the last beat's last cycle
  logic          lane_valid;  // the lanes' results of a beat are on lane_y (a cycle after beat_end for the line)
  logic          lane_last;   // ... of the last beat

`ifdef ASSERTIONS
  // The assertions hold from the first reset on (a_armed), outside reset.
  logic a_armed;
  initial a_armed = 1'b0;  // not a declaration initialiser: always_ff writes it (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end
`endif

  assign accept   = start_i && ready_o;
  assign taken    = y_valid_o && y_ready_i;
  // No rst_i term: reset has priority over every control register, so a start in
  // reset is dropped, and ready_o (the taps register's enable) stays off the reset net.
  assign ready_o  = !busy || taken;
  assign step_end = walking && (32'(phase) == Phases - 1);
  assign beat_end = step_end && (32'(step) == S - 1);
  assign walk_end = beat_end && (32'(beat) == Beats - 1);

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      busy      <= 1'b0;
      walking   <= 1'b0;
      phase     <= '0;
      step      <= '0;
      beat      <= '0;
      y_valid_o <= 1'b0;
    end else begin
      if (accept) begin
        busy    <= 1'b1;
        walking <= 1'b1;
      end else if (taken) begin
        busy <= 1'b0;
      end
      if (walk_end) walking <= 1'b0;
      if (walking) phase <= step_end ? '0 : phase + PW'(1);
      if (step_end) step <= beat_end ? '0 : step + SW'(1);
      if (beat_end) beat <= walk_end ? '0 : beat + BW'(1);
      if (lane_last) begin
        y_valid_o <= 1'b1;
      end else if (taken) begin
        y_valid_o <= 1'b0;
      end
    end
  end

  // ---- taps register: beat b's channels at the bottom during beat b -----------
  // Only the walk reads it, and a beat's end is the last cycle that reads its
  // bottom, so it is written in every cycle outside a walk (following taps_i: a
  // start is accepted only then, so it holds the started taps from the start on)
  // and at each beat's end (the shift; after the last beat, taps_i again).
  // Loading on `accept` put the consumer's ready (ready_o follows y_ready_i) on
  // the enable of every bit, and the enable from the walk's counters was a path
  // of its own: the WaveNet's critical paths (docs/results.md). So the enable,
  // x_en = !walking || beat_end, comes from a register of its own, set a cycle
  // ahead (a table walk's beat ends in phase Phases - 1 >= 2, never in its first
  // cycle), and in the line form, where every walking cycle ends a beat, it is 1.
  logic [Beats*LaneXW-1:0] x_q;
  logic                    x_en;

  if (TABLE) begin : g_x_en_ahead
    logic x_en_q;
    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        x_en_q <= 1'b1;
      end else begin
        x_en_q <= (!accept && (!walking || walk_end))  // no walk in the next cycle
                  || (walking && 32'(phase) == Phases - 2 && 32'(step) == S - 1);  // a beat ends in it
      end
    end
    assign x_en = x_en_q;
  end else begin : g_x_en_line
    assign x_en = 1'b1;
  end

  if (Beats == 1) begin : g_x_one_beat
    always_ff @(posedge clk_i) begin
      if (x_en) x_q <= (Beats*LaneXW)'(taps_i);
    end
  end else begin : g_x_shift
    always_ff @(posedge clk_i) begin
      if (x_en) begin
        x_q <= walking ? {LaneXW'(0), x_q[Beats*LaneXW-1:LaneXW]}
                       : (Beats*LaneXW)'(taps_i);  // padding channels zero
      end
    end
  end

  // ---- the lanes ---------------------------------------------------------------
  logic [LaneYW-1:0] lane_y;  // lane l's result at [l*BITS +: BITS], valid with lane_valid

  if (!TABLE) begin : g_line
    // hard tanh: x; smooth tanh: 3x/8; hard sigmoid: x/2 + 1/2; smooth sigmoid: 3x/16 + 1/2
    localparam int  Slope     = SMOOTH ? 3 : 1;
    localparam int  LineShift = SIGMOID ? (SMOOTH ? 4 : 1) : (SMOOTH ? 3 : 0);
    localparam int  YFrac     = SIGMOID ? BITS : BITS - 1;
    localparam int  XS        = XW + (X_SIGNED ? 0 : 1);         // signed bits of every input code
    localparam int  ReachBits = (X_FRAC >= -2) ? X_FRAC + 2 : 0;  // reach = 2^ReachBits codes
    localparam bit  Clamp     = ReachBits < XS - 1;               // else no code is beyond the reach
    localparam int  CLW       = Clamp ? ReachBits + 2 : XS;       // signed bits of the clamped code
    localparam int  AccFrac   = (X_FRAC + LineShift > 1) ? X_FRAC + LineShift : 1;
    localparam int  Left      = AccFrac - X_FRAC - LineShift;     // >= 0
    localparam int  SlopeW    = CLW + 2 + Left;                   // |slope * c| << Left < 2^(CLW + 1 + Left)
    localparam int  AccW      = ((SlopeW > AccFrac + 1) ? SlopeW : AccFrac + 1) + 1;
    localparam logic signed [AccW-1:0] HalfCode = SIGMOID ? (AccW'(1) <<< (AccFrac - 1)) : '0;

    for (genvar l = 0; l < LANES; l++) begin : g_lane
      logic signed [XS-1:0]   x;
      logic signed [CLW-1:0]  c;
      logic signed [AccW-1:0] c_ext;
      logic signed [AccW-1:0] acc;
      logic signed [AccW-1:0] acc_q;  // the pipeline register between the line and requantise

      assign x = X_SIGNED ? XS'($signed(x_q[l*XW +: XW])) : XS'($signed({1'b0, x_q[l*XW +: XW]}));
      if (Clamp) begin : g_clamp
        // Clamping x = +-reach to itself changes nothing, so the tests are x >= reach and
        // x < -reach: bit tests of x's sign and its bits from ReachBits up (x >>> ReachBits
        // >= 1, or <= -2), no compare's carry chain.
        localparam logic signed [XS-1:0] Reach = XS'(1) <<< ReachBits;
        logic above;  // x >= reach
        logic below;  // x < -reach
        assign above = !x[XS-1] && (|x[XS-2:ReachBits]);
        assign below = x[XS-1] && !(&x[XS-2:ReachBits]);
        always_comb begin
          if (above) begin
            c = CLW'(Reach);
          end else if (below) begin
            c = CLW'(-Reach);
          end else begin
            c = CLW'(x);
          end
        end
      end else begin : g_no_clamp
        assign c = x;
      end
      assign c_ext = AccW'(c);
      if (Slope == 3) begin : g_slope3
        assign acc = (((c_ext <<< 1) + c_ext) <<< Left) + HalfCode;
      end else begin : g_slope1
        assign acc = (c_ext <<< Left) + HalfCode;
      end

      always_ff @(posedge clk_i) begin
        acc_q <= acc;
      end

      requantise #(
        .ACC_W   (AccW),
        .W       (BITS),
        .SHIFT   (AccFrac - YFrac),
        .SIGNED  (!SIGMOID),
        .ROUNDING(fixed_pkg::RoundRne),
        .RELU    (1'b0)
      ) u_requantise (
        .acc_i(acc_q),
        .q_o  (lane_y[l*BITS +: BITS])
      );
    end

    // A beat's results come out of requantise a cycle after the beat.
    always_ff @(posedge clk_i) begin
      if (rst_i) begin
        lane_valid <= 1'b0;
        lane_last  <= 1'b0;
      end else begin
        lane_valid <= beat_end;
        lane_last  <= walk_end;
      end
    end
  end else begin : g_table
    localparam logic [S-1:0] FirstAddr = S'((1 << (S - 1)) - 1);  // probe 2^(S-1), word 2^(S-1) - 1
    localparam logic [BITS-1:0] First = BITS'(FIRST);
    localparam logic [S-1:0] Steps = S'(STEPS);

    // The step's count bit, 2^(S-1-step), and the next step's.
    logic [S-1:0] probe_bit;
    logic [S-1:0] next_bit;
    assign probe_bit = S'(1) << (SW'(S - 1) - step);
    assign next_bit  = probe_bit >> 1;
    // The next probe's word is (count_next | next_bit) - 1. Before a beat's last step next_bit is one bit
    // below every bit count_next may have, so that is count_next | (next_bit - 1): an OR with a mask of the
    // step, no carry chain after the compare (the search step's path is the compare, then an OR).
    logic [S-1:0] below_next;  // next_bit - 1 before the last step
    assign below_next = ({S{1'b1}} >> 2) >> step;

    for (genvar l = 0; l < LANES; l++) begin : g_lane
      logic [XW-1:0] rom [D];
      logic [XW-1:0] rom_q;     // word addr_q, read one cycle after addr_q is set
      logic [XW-1:0] t_word;    // the probed threshold in the compare cycle (the step's last but one)
      logic [S-1:0]  count;     // thresholds known <= x: its bits below probe_bit are zero
      logic [S-1:0]  addr_q;
      logic [S-1:0]  count_next;
      logic          le;

      // The explicit range makes a short threshold file an error, not zeros.
      initial begin
        $readmemh(THRESHOLDS_FILE, rom, 0, D - 1);
      end

      always_ff @(posedge clk_i) begin
        rom_q <= rom[addr_q];
      end

      if (ROM_REG) begin : g_rom_reg
        logic [XW-1:0] rom_qq;
        always_ff @(posedge clk_i) begin
          rom_qq <= rom_q;
        end
        assign t_word = rom_qq;
      end else begin : g_rom_direct
        assign t_word = rom_q;
      end

      if (X_SIGNED) begin : g_signed
        assign le = $signed(t_word) <= $signed(x_q[l*XW +: XW]);
      end else begin : g_unsigned
        assign le = t_word <= x_q[l*XW +: XW];
      end
      // The compare's result, registered: read in the step's last cycle (step_end), when the count and the
      // next address take it; the cycle before, the compare sees the probed word.
      logic le_q;
      always_ff @(posedge clk_i) begin
        le_q <= le;
      end
      assign count_next = le_q ? (count | probe_bit) : count;

      // Idle: the first probe's address, ready for a start; a beat's last step sets it again.
      always_ff @(posedge clk_i) begin
        if (!walking || beat_end) begin
          count  <= '0;
          addr_q <= FirstAddr;
        end else if (step_end) begin
          count  <= count_next;
          addr_q <= count_next | below_next;
        end
      end
`ifdef ASSERTIONS
      always_ff @(posedge clk_i) begin
        if (a_armed && !rst_i && step_end && !beat_end) begin
          // unlabelled: yosys names a label once for every lane of the generate loop
          assert ((count_next | below_next) == (count_next | next_bit) - S'(1));
        end
      end
`endif

      // The result, First + min(count_next, STEPS), for both outcomes of the compare: each from the count
      // register alone, so only a multiplexer follows the compare's register.
      logic [S-1:0]    count_le;  // count_next if T_p <= x
      logic [S-1:0]    total_le;  // clamped to STEPS
      logic [S-1:0]    total_gt;
      logic [BITS-1:0] y_le;
      logic [BITS-1:0] y_gt;
      assign count_le = count | probe_bit;
      if (D == STEPS) begin : g_no_pad
        assign total_le = count_le;
        assign total_gt = count;
      end else begin : g_pad  // padding counts at the top code only
        assign total_le = (count_le > Steps) ? Steps : count_le;
        assign total_gt = (count > Steps) ? Steps : count;
      end
      assign y_le = First + BITS'(total_le);
      assign y_gt = First + BITS'(total_gt);
      assign lane_y[l*BITS +: BITS] = le_q ? y_le : y_gt;
    end

    assign lane_valid = beat_end;
    assign lane_last  = walk_end;
  end

  // ---- results: assembled beat by beat, then into y_o ------------------------------
  logic [Beats*LaneYW-1:0] y_all;  // every beat's results, the last beat's from the lanes

  if (Beats == 1) begin : g_y_one_beat
    assign y_all = lane_y;
    logic unused_lane_valid;  // the one beat's results go to y_o with lane_last
    assign unused_lane_valid = lane_valid;
  end else begin : g_y_assembly
    logic [(Beats-1)*LaneYW-1:0] y_asm;  // earlier beats' results, beat 0 at the bottom at the end
    if (Beats == 2) begin : g_asm_one
      always_ff @(posedge clk_i) begin
        if (lane_valid) y_asm <= lane_y;
      end
    end else begin : g_asm_shift
      always_ff @(posedge clk_i) begin
        if (lane_valid) y_asm <= {lane_y, y_asm[(Beats-1)*LaneYW-1:LaneYW]};
      end
    end
    assign y_all = {lane_y, y_asm};
  end

  always_ff @(posedge clk_i) begin
    if (lane_last) y_o <= y_all[CHANNELS*BITS-1:0];
  end

  if (Beats * LANES > CHANNELS) begin : g_unused_padding
    logic unused_padding;
    assign unused_padding = ^y_all[Beats*LaneYW-1:CHANNELS*BITS];
  end

  // The header's rules, compiled only with ASSERTIONS defined: every cocotb run
  // (Verilator --assert) and make formal (yosys -formal) define it; synthesis
  // never sees this code. Checked from the first reset on (a_armed), outside reset.
`ifdef ASSERTIONS

  logic [Lat-1:0]           a_started;  // [j]: a start accepted j+1 cycles ago
  logic                     a_pending;  // a start accepted and its result not yet presented
  logic [CHANNELS*BITS-1:0] a_y;        // y_o as of the last result
  logic                     a_have_y;   // a result presented since the last reset
  logic                     a_done;     // a result presented in this cycle

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      a_started <= '0;
      a_pending <= 1'b0;
      a_have_y  <= 1'b0;
      a_done    <= 1'b0;
    end else begin
      a_started <= {a_started[Lat-2:0], accept};  // Lat >= 2
      if (accept) a_pending <= 1'b1;
      else if (lane_last) a_pending <= 1'b0;
      if (lane_last) a_have_y <= 1'b1;
      a_done <= lane_last;
    end
    if (lane_last) a_y <= y_all[CHANNELS*BITS-1:0];
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      // LAT: a new result exactly LAT cycles after each accepted start, never otherwise.
      a_latency: assert (a_done == a_started[Lat-1]);
      a_valid_with_result: assert (!a_done || y_valid_o);
      // One sample at a time, and no start while a result waits untaken (it would be overwritten).
      a_one_at_a_time: assert (!(accept && a_pending));
      a_no_overwrite: assert (!(accept && y_valid_o && !y_ready_i));
      a_walk_counters: assert (walking || (phase == '0 && step == '0 && beat == '0));
      // x_q follows taps_i outside a walk: a start must find no walk running
      a_start_idle: assert (!(accept && walking));
      // the taps register's enable, set a cycle ahead, is the one its rule says
      a_x_enable: assert (x_en == (!walking || beat_end));
      // ready_o high when nothing is in flight or waiting.
      if (!a_pending && !y_valid_o) begin
        a_ready_when_idle: assert (ready_o);
      end
      // y_o holds from its result until the next one.
      if (a_have_y && !a_done) begin
        a_y_holds: assert (y_o == a_y);
      end
    end
  end
`endif

  // ---- elaboration-time checks --------------------------------------------------
  if (XW < 2 || XW > 53) begin : g_bad_xw
    $error("quantized_activation: XW must be in [2, 53] (QKeras sees codes of up to 53 bits exactly)");
  end
  if (BITS < 2 || BITS > 24) begin : g_bad_bits
    $error("quantized_activation: BITS must be in [2, 24]");
  end
  if (CHANNELS < 1 || LANES < 1 || LANES > CHANNELS) begin : g_bad_lanes
    $error("quantized_activation: CHANNELS must be at least 1 and LANES in [1, CHANNELS]");
  end
  if (X_FRAC < -96 || X_FRAC > 96) begin : g_bad_frac
    $error("quantized_activation: X_FRAC must be in [-96, 96]");
  end
  if (TABLE && (STEPS < 0 || STEPS > (1 << BITS) - 1)) begin : g_bad_steps
    $error("quantized_activation: STEPS must be in [0, 2^BITS - 1]");
  end
  if (TABLE && (FIRST < 0 || FIRST > (1 << BITS) - 1)) begin : g_bad_first
    $error("quantized_activation: FIRST must be a BITS-bit pattern, in [0, 2^BITS - 1]");
  end
  if (TABLE && SIGMOID && FIRST + STEPS > (1 << BITS) - 1) begin : g_bad_steps_unsigned
    $error("quantized_activation: FIRST .. FIRST + STEPS must be codes of UQ(BITS, BITS)");
  end
  if (TABLE && !SIGMOID && FIRST < (1 << (BITS - 1)) && FIRST + STEPS > (1 << (BITS - 1)) - 1)
  begin : g_bad_steps_positive
    $error("quantized_activation: FIRST .. FIRST + STEPS must be codes of Q(BITS, BITS-1)");
  end
  if (TABLE && !SIGMOID && FIRST >= (1 << (BITS - 1)) && FIRST - (1 << BITS) + STEPS > (1 << (BITS - 1)) - 1)
  begin : g_bad_steps_negative
    $error("quantized_activation: FIRST .. FIRST + STEPS must be codes of Q(BITS, BITS-1)");
  end
  if (!TABLE && (STEPS != 0 || FIRST != 0 || ROM_REG)) begin : g_bad_line
    $error("quantized_activation: the line (TABLE = 0) has no STEPS, FIRST or ROM_REG");
  end
  if (TABLE && SMOOTH) begin : g_bad_table
    $error("quantized_activation: SMOOTH selects a line; a step table (TABLE = 1) has none");
  end

endmodule

`default_nettype wire
