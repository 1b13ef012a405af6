// pool_network: a whole network of conv1d layers on one pool of P multipliers,
// with the valid/ready ports of the generated per-layer top (docs/network.md).
//
// Per sample the pool walks the layers in order, each layer's output channels
// in order, and each output channel's K*IN terms (tap-major: tap 0, the oldest,
// channel 0 first; tap K-1, the sample just produced by the layer before, last)
// in beats of P terms, one beat per cycle. The generator (golden/rtlgen/pool.py)
// writes that static schedule into three ROMs, one word per beat or output:
//
//   SCHEDULE_FILE  NB words, beat b of the sample (fields below): per lane the
//                  term's history address relative to its layer's newest vector
//                  and its age in samples; the beat's layer, output channel and
//                  output number; what it needs of the newest vector; flags
//   WEIGHTS_FILE   NB words of P*KW bits: lane l's kernel code at [l*KW +: KW]
//                  (zero for a lane past the layer's terms)
//   BIAS_FILE      NOUT words of BW bits: output n's bias code
//
// History. Every layer's input history lives in one memory (pool_history, one
// read copy per lane): layer l owns the ring of L_RLEN[l] = SPAN*IN words at
// L_RBASE[l], SPAN = (K-1)*DILATION + 1 vectors of IN channels, element c of a
// vector at word c. Layer 0's ring holds one vector more: the next sample's
// input is written there from the cycle after this sample's last beat, while
// a one-layer network may still be reading this sample's oldest vector.
// head[l] is the first word of the newest vector; a term of age a, channel c
// is at head + c - a*IN, wrapped into the ring. The network
// input is written into layer 0's ring channel by channel, every layer's
// output into the next layer's ring (the last layer's into the output
// register). A term older than the samples the layer has seen since reset
// reads as zero (filled[l], as rtl/activation_cache.sv), so the memory needs
// no clearing and the stream restarts from zero history.
//
// Hazards. A beat that reads channel c of its layer's newest vector issues only
// after that word was written: cur_ring/cur_count count the channels written of
// the vector being filled, and a beat waits (the schedule holds) until its
// need field is covered. Everything else is static, so every sample takes the
// same cycles; golden/rtlgen/pool.py predicts them with the same rules.
//
// Pipeline (beat issued in cycle i):
//   i    S0 schedule word (prefetched into a register) decoded, hazard check,
//        lane address = head + offset
//   i+1  S1 wrap into the ring
//   i+2  S2 history read (and weight ROM read)
//   i+3  S3 register the operands (S3b); a term before t = 0 gets a zero weight
//   i+4  multiply (fixed_mul, registered)
//   i+5  S4 add the P products (P > 4: S4b, pairs summed into registers, then
//        the pairs; every later stage one cycle later, G = 1)
//   i+6  S5 accumulate the output channel's sum (bias ROM read)
//   i+7  pool_output_stage (2 cycles, 3 with a float32 class)
//   i+9+F  the output written into the next layer's ring or the output register
// so an output is visible to the next beat that needs it VISIBLE = 10 + F + G
// cycles after its last beat issued, and out_valid_o rises in that cycle.
//
// Parameters
//   P            multipliers (lanes), >= 1
//   NL, NC       layers and output-stage classes (pool_output_stage)
//   IN_CH, XW, X_SIGNED   network input: channels, code width, signedness
//   OUT_CH, YW   network output: channels and code width
//   DW           history word width: every layer input's signed operand width fits
//                (an unsigned code is stored zero-extended)
//   KW, BW       kernel and bias ROM code widths (signed, narrower codes sign-extended)
//   MAX_TERMS    the largest K*IN of a layer (sizes the accumulator)
//   DEPTH        history words (sum of L_RLEN)
//   NB, NOUT     beats and outputs per sample
//   L_IN, L_RBASE, L_RLEN, L_FILL_MAX, L_CLASS  per layer (layer l at [l*32 +: 32]):
//                input channels, ring base and length in words, SPAN - 1, output class
//   C_*          per class: pool_output_stage's tables
//   *_FILE       absolute paths of the ROM images ($readmemh)
//
// Schedule word, from bit 0 (golden/rtlgen/pool.py packs it):
//   per lane l: offset (AW+1 bits, signed: c - age*IN) at [l*LaneW +: AW+1],
//               age (DLW bits; all ones: no term) above it, LaneW = AW+1+DLW
//   need (CW bits): channels of the newest vector this beat needs written (0: none)
//   layer (LYW), out channel (OW), output number n (NW), then the flags
//   first (first beat of an output), last (its last beat), layer_last, sample_last
//
// Handshake (as the per-layer top)
//   in_valid_i & in_ready_o  accept in_data_i (channel c at [c*XW +: XW]);
//                            in_ready_o is !in_full, low during reset
//   out_valid_o              one-cycle pulse, one per accepted sample, in order, low
//                            during reset;
//                            out_data_o (channel o at [o*YW +: YW]) holds until the next
//   rst_i                    drops the samples in flight and forgets the history
//
// Timing: golden/rtlgen/pool.py (PoolPlan.timing) replays the issue rule above to
// give cycles per sample and latency; sim/network measures both.

`default_nettype none

module pool_network #(
  parameter int               P             = 1,
  parameter int               NL            = 1,
  parameter int               NC            = 1,
  parameter int               IN_CH         = 1,
  parameter int               XW            = 16,
  parameter bit               X_SIGNED      = 1'b1,
  parameter int               OUT_CH        = 1,
  parameter int               YW            = 16,
  parameter int               DW            = 16,
  parameter int               KW            = 16,
  parameter int               BW            = 16,
  parameter int               MAX_TERMS     = 1,
  parameter int               DEPTH         = 1,
  parameter int               NB            = 1,
  parameter int               NOUT          = 1,
  parameter logic [NL*32-1:0] L_IN          = 1,
  parameter logic [NL*32-1:0] L_RBASE       = 0,
  parameter logic [NL*32-1:0] L_RLEN        = 1,
  parameter logic [NL*32-1:0] L_FILL_MAX    = 0,
  parameter logic [NL*32-1:0] L_CLASS       = 0,
  parameter logic [NC*32-1:0] C_PROD_SHIFT     = 0,
  parameter logic [NC*32-1:0] C_BIAS_SHIFT     = 12,
  parameter logic [NC*32-1:0] C_ACC_W          = 32,
  parameter logic [NC*32-1:0] C_YW             = 16,
  parameter logic [NC*32-1:0] C_Y_SIGNED       = 1,
  parameter logic [NC*32-1:0] C_Y_SHIFT        = 12,
  parameter logic [NC*32-1:0] C_FULL_PRECISION = 0,
  parameter logic [NC*32-1:0] C_ROUNDING       = 1,
  parameter logic [NC*32-1:0] C_RELU           = 0,
  parameter logic [NC*32-1:0] C_FLOAT32_INPUT  = 0,
  parameter                   WEIGHTS_FILE  = "",
  parameter                   SCHEDULE_FILE = "",
  parameter                   BIAS_FILE     = ""
) (
  input  wire logic                 clk_i,
  input  wire logic                 rst_i,
  input  wire logic                 in_valid_i,
  output      logic                 in_ready_o,
  input  wire logic [IN_CH*XW-1:0]  in_data_i,
  output      logic                 out_valid_o,
  output      logic [OUT_CH*YW-1:0] out_data_o
);

  function automatic int lfield(input logic [NL*32-1:0] table_v, input int index);
    lfield = int'(table_v[index*32 +: 32]);
  endfunction

  function automatic int lmax(input logic [NL*32-1:0] table_v);
    lmax = 0;
    for (int l = 0; l < NL; l++) begin
      if (lfield(table_v, l) > lmax) lmax = lfield(table_v, l);
    end
  endfunction

  function automatic int cfield(input logic [NC*32-1:0] table_v, input int index);
    cfield = int'(table_v[index*32 +: 32]);
  endfunction

  function automatic int cmax(input logic [NC*32-1:0] table_v);
    cmax = 0;
    for (int c = 0; c < NC; c++) begin
      if (cfield(table_v, c) > cmax) cmax = cfield(table_v, c);
    end
  endfunction

  // ---- derived widths (golden/rtlgen/pool.py computes the same) ---------------------
  localparam int MaxIn   = lmax(L_IN);
  localparam int MaxFill = lmax(L_FILL_MAX);
  localparam int AW      = fixed_pkg::index_width(DEPTH);
  localparam int DLW     = fixed_pkg::index_width(MaxFill + 2);  // all ones is past every fill count
  localparam int CW      = fixed_pkg::index_width(MaxIn + 1);
  localparam int LYW     = fixed_pkg::index_width(NL);
  localparam int OW      = fixed_pkg::index_width((MaxIn > OUT_CH) ? MaxIn : OUT_CH);
  localparam int NW      = fixed_pkg::index_width(NOUT);
  localparam int PCW     = fixed_pkg::index_width(NB);
  localparam int CLW     = fixed_pkg::index_width(NC);
  localparam int LaneW   = AW + 1 + DLW;
  localparam int NeedLsb = P * LaneW;
  localparam int LayerLsb = NeedLsb + CW;
  localparam int OLsb    = LayerLsb + LYW;
  localparam int NLsb    = OLsb + OW;
  localparam int FlagLsb = NLsb + NW;
  localparam int SW      = FlagLsb + 4;
  localparam int ProdW   = DW + KW;
  localparam int RawW    = fixed_pkg::acc_width2(DW, 1'b1, KW, MAX_TERMS);
  localparam int Y_W     = (DW > YW) ? DW : YW;
  localparam int OutLat  = 2 + ((cmax(C_FLOAT32_INPUT) != 0) ? 1 : 0);  // pool_output_stage's latency
  // The sum of the P products: one level of up to SumFanIn products (a carry chain each) in one
  // cycle. A wider pool first adds the products in pairs into registers, one stage more, then the
  // pairs: P = 5 and 6 summed in one cycle reached 139-143 MHz on the 85F-8, P <= 4 170 MHz and
  // more; P = 8 in registered groups of 4 148 MHz (the DSP columns are far from the adders).
  localparam int SumFanIn = 4;
  localparam int SumLat   = (P > SumFanIn) ? 1 : 0;
  localparam int Groups   = (SumLat != 0) ? (P + 1) / 2 : 1;
  localparam int AccS     = 5 + SumLat;  // the stage that accumulates (S5)
  localparam int OutS     = 6 + SumLat;  // the stage that enters the output stage (S6)
  localparam int Stages   = 7 + SumLat;  // S1 .. S6, S3b (and S4b): the beat's control travels with its data

  // ---- ROMs -------------------------------------------------------------------------
  logic [SW-1:0]     sched_rom  [NB];
  logic [P*KW-1:0]   weight_rom [NB];
  logic [BW-1:0]     bias_rom   [NOUT];

  // The explicit ranges make a short file an error, not zeros.
  initial begin
    $readmemh(SCHEDULE_FILE, sched_rom, 0, NB - 1);
    $readmemh(WEIGHTS_FILE, weight_rom, 0, NB - 1);
    $readmemh(BIAS_FILE, bias_rom, 0, NOUT - 1);
  end

  // ---- input register and its writer ------------------------------------------------
  logic                  in_full;      // in_reg holds a sample not yet written into layer 0's ring
  logic [IN_CH*XW-1:0]   in_reg;
  logic                  writing;      // in_reg is being written, one channel per cycle
  logic [CW-1:0]         wr_idx;
  logic                  sample_open;  // the schedule is issuing a sample
  logic                  accept;
  logic                  begin_sample;
  logic                  issue;
  logic                  end_of_sample;

  assign in_ready_o = !in_full && !rst_i;  // nothing is accepted while in reset
  assign accept     = in_valid_i && in_ready_o;

  // ---- the schedule -----------------------------------------------------------------
  // Prefetched: the beat's word (mc) and the next one (nx) are fabric registers and the
  // word after them (word_fa, the ROM's word at fa) waits behind them, so the hazard check
  // and everything it enables start from flip-flops, not from the block RAM's clock-to-out.
  // An issue shifts the three on. After reset two shifts fill mc and nx: the first issue
  // needs an accepted sample written into layer 0's ring, which is three cycles away at the
  // least. The ROM reads at fa's successor every cycle, its address from registers only (an
  // address from the issue decision, through the hazard check, to a block RAM across the
  // die was a 16-layer pool's critical path): after a shift (or reset) its output is the
  // word at the new fa, and otherwise a fabric copy (rom_hold) holds that word.
  logic [PCW-1:0] pc;        // the beat whose word is in mc
  logic [PCW-1:0] fa;        // the word rom_q holds (pc + 2 once primed)
  logic [PCW-1:0] fa_inc;
  logic [PCW-1:0] fa_next;
  logic [1:0]     primed;    // shifts done since reset, up to 2
  logic           shift;
  logic [SW-1:0]  mc;
  logic [SW-1:0]  nx;
  logic [SW-1:0]  rom_q;     // the ROM's word at fa_inc as it was last cycle
  logic [SW-1:0]  rom_hold;  // word_fa, a cycle later
  logic [SW-1:0]  word_fa;   // the ROM's word at fa
  logic           fresh;     // fa moved (or was reset) last cycle: rom_q is the word at fa

  logic [LYW-1:0] mc_layer;
  logic [OW-1:0]  mc_o;
  logic [NW-1:0]  mc_n;
  logic           mc_first, mc_last, mc_layer_last, mc_sample_last;

  assign mc_layer       = mc[LayerLsb +: LYW];
  assign mc_o           = mc[OLsb +: OW];
  assign mc_n           = mc[NLsb +: NW];
  assign mc_first       = mc[FlagLsb];
  assign mc_last        = mc[FlagLsb + 1];
  assign mc_layer_last  = mc[FlagLsb + 2];
  assign mc_sample_last = mc[FlagLsb + 3];

  // the words follow each other beat by beat: beat NB - 1 ends the sample, beat 0 starts the next
  function automatic logic [PCW-1:0] next_beat(input logic [PCW-1:0] beat);
    next_beat = (32'(beat) == NB - 1) ? '0 : beat + 1'b1;
  endfunction

  assign shift   = issue || (primed != 2'd2);
  assign fa_inc  = next_beat(fa);
  assign fa_next = rst_i ? '0 : (shift ? fa_inc : fa);
  assign word_fa = fresh ? rom_q : rom_hold;

  // mc_ends[l]: mc is layer l's last beat of the sample, decoded from nx as it moves into mc, so
  // the heads' enables are `issue` and one flip-flop (decoding mc's layer after the hazard check
  // was a 16-layer pool's critical path).
  logic [NL-1:0] mc_ends;

  always_ff @(posedge clk_i) begin
    fa       <= fa_next;
    rom_q    <= sched_rom[rst_i ? '0 : fa_inc];
    rom_hold <= word_fa;
    fresh    <= rst_i || shift;
    if (shift) begin
      mc <= nx;
      nx <= word_fa;
      for (int l = 0; l < NL; l++) begin
        mc_ends[l] <= nx[FlagLsb + 2] && (nx[LayerLsb +: LYW] == LYW'(l));
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      pc     <= '0;
      primed <= '0;
    end else begin
      if (primed != 2'd2) primed <= primed + 1'b1;
      if (issue)          pc <= next_beat(pc);
    end
  end

  // ---- per layer: newest vector's head and the fill count ---------------------------
  logic [NL*AW-1:0]  head_all;
  logic [AW-1:0]     head0_next;     // layer 0's head as it will be after this clock edge
  logic [NL*DLW-1:0] filled_all;

  for (genvar l = 0; l < NL; l++) begin : g_layer
    localparam int Base = lfield(L_RBASE, l);
    localparam int Len  = lfield(L_RLEN, l);
    localparam int In   = lfield(L_IN, l);
    localparam int Fill = lfield(L_FILL_MAX, l);
    logic [AW-1:0]  head;
    logic [AW-1:0]  head_next;
    logic [DLW-1:0] filled;
    always_comb begin
      if (rst_i)                     head_next = AW'(Base);
      // the layer's last beat of the sample: its reads are issued, the next vector goes one slot on
      else if (issue && mc_ends[l])  head_next = (32'(head) + In == Base + Len) ? AW'(Base) : head + AW'(In);
      else                           head_next = head;
    end
    always_ff @(posedge clk_i) begin
      head <= head_next;
      if (rst_i) begin
        filled <= '0;
      end else if (issue && mc_ends[l]) begin
        if (32'(filled) != Fill) filled <= filled + 1'b1;
      end
    end
    assign head_all[l*AW +: AW]      = head;
    if (l == 0) begin : g_first
      assign head0_next = head_next;
    end
    assign filled_all[l*DLW +: DLW] = filled;
  end

  logic [AW-1:0]  head_sel;
  logic [DLW-1:0] filled_sel;
  assign head_sel   = head_all[mc_layer*AW +: AW];
  assign filled_sel = filled_all[mc_layer*DLW +: DLW];

  // ---- hazard: the newest vector of the issuing layer -------------------------------
  logic [LYW:0] cur_ring;   // the ring whose newest vector is being written
  logic [CW-1:0] cur_count; // its channels written so far
  logic          avail;

  // The hazard rule: a word may issue once what it needs of its layer's newest vector is written.
  /* verilator lint_off UNUSEDSIGNAL */  // the word's other fields
  function automatic logic avail_of(input logic [SW-1:0] word, input logic [LYW:0] ring, input logic [CW-1:0] count);
    logic [CW-1:0]  need;
    logic [LYW-1:0] layer;
    need     = word[NeedLsb +: CW];
    layer    = word[LayerLsb +: LYW];
    avail_of = (need == '0)
            || (ring == {1'b0, layer} && count >= need)
            || (ring == {1'b0, layer} + 1'b1);  // the layer's own outputs started: its input is complete
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  assign avail = avail_of(mc, cur_ring, cur_count);

  // `issue` is a flip-flop: the rule is evaluated a cycle ahead on the next state of mc, the hazard
  // counters and sample_open, once for each value this cycle's issue can take, and the register
  // takes the one that happens (the rule's compares feeding the enables of every layer's head across
  // the die were a 16-layer pool's critical path). a_issue_rule checks it against the rule itself.
  logic issue_r;
  logic begin_if_idle, begin_if_issue;  // begin_sample when this cycle does not / does issue
  logic [LYW:0]  ring_if_idle, ring_if_issue;
  logic [CW-1:0] count_if_idle, count_if_issue;
  logic          next_if_idle, next_if_issue;

  assign begin_if_idle  = in_full && !writing && !sample_open;
  assign begin_if_issue = in_full && !writing && mc_sample_last;  // an issue is inside an open sample

  // the hazard counters' next value (as the control block below updates them) after a begin or not
  function automatic logic [LYW+CW:0] counters_after(input logic begins);
    if (begins)          counters_after = '0;
    else if (writing)    counters_after = {cur_ring, wr_idx + 1'b1};
    else if (w_to_ring)  counters_after = {{1'b0, w_layer} + 1'b1, CW'(w_o) + 1'b1};
    else                 counters_after = {cur_ring, cur_count};
  endfunction

  assign {ring_if_idle, count_if_idle}   = counters_after(begin_if_idle);
  assign {ring_if_issue, count_if_issue} = counters_after(begin_if_issue);

  // idle: mc moves on only while the prefetch fills; sample_open rises on a begin
  assign next_if_idle  = (sample_open || begin_if_idle)
                      && avail_of((primed != 2'd2) ? nx : mc, ring_if_idle, count_if_idle);
  // issue: mc takes nx; the sample stays open unless this was its last word and no sample begins
  assign next_if_issue = (!mc_sample_last || begin_if_issue) && avail_of(nx, ring_if_issue, count_if_issue);

  always_ff @(posedge clk_i) begin
    if (rst_i) issue_r <= 1'b0;
    else       issue_r <= issue ? next_if_issue : next_if_idle;
  end

  assign issue         = issue_r;
  assign end_of_sample = issue && mc_sample_last;
  assign begin_sample  = in_full && !writing && (!sample_open || end_of_sample);

  // ---- S0 -> S1: lane addresses and age masks ---------------------------------------
  logic [P*(AW+1)-1:0] s1_a;
  logic [P-1:0]        s1_keep;

  for (genvar k = 0; k < P; k++) begin : g_lane_a
    logic signed [AW:0] off;
    logic [DLW-1:0]     age;
    assign off = $signed(mc[k*LaneW +: AW+1]);
    assign age = mc[k*LaneW + AW + 1 +: DLW];
    always_ff @(posedge clk_i) begin
      s1_a[k*(AW+1) +: AW+1] <= $signed({1'b0, head_sel}) + off;
      s1_keep[k]             <= (age <= filled_sel);
    end
  end

  // Control of the beat in stage s (1 .. Stages) at [(s-1)*W +: W].
  logic [Stages-1:0]       st_valid;
  logic [Stages-1:0]       st_first;
  logic [Stages-1:0]       st_last;
  logic [Stages-1:0]       st_sample_last;
  logic [Stages*LYW-1:0]   st_layer;
  logic [Stages*OW-1:0]    st_o;
  logic [Stages*NW-1:0]    st_n;
  logic [2*PCW-1:0]        st_pc;  // S1, S2

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      st_valid <= '0;
    end else begin
      st_valid <= {st_valid[Stages-2:0], issue};
    end
  end

  always_ff @(posedge clk_i) begin
    st_first       <= {st_first[Stages-2:0], mc_first};
    st_last        <= {st_last[Stages-2:0], mc_last};
    st_sample_last <= {st_sample_last[Stages-2:0], mc_sample_last};
    st_layer       <= {st_layer[(Stages-1)*LYW-1:0], mc_layer};
    st_o           <= {st_o[(Stages-1)*OW-1:0], mc_o};
    st_n           <= {st_n[(Stages-1)*NW-1:0], mc_n};
    st_pc          <= {st_pc[PCW-1:0], pc};
  end

  // ---- S1 -> S2: wrap into the layer's ring -------------------------------------------
  logic [LYW-1:0]    s1_layer;
  logic [AW:0]       s1_base;
  logic [AW:0]       s1_len;
  logic [P*AW-1:0]   s2_addr;
  logic [P-1:0]      s2_keep;

  assign s1_layer = st_layer[0 +: LYW];
  assign s1_base  = (AW+1)'(lfield(L_RBASE, 32'(s1_layer)));
  assign s1_len   = (AW+1)'(lfield(L_RLEN, 32'(s1_layer)));

  for (genvar k = 0; k < P; k++) begin : g_lane_b
    logic signed [AW:0] a;
    assign a = $signed(s1_a[k*(AW+1) +: AW+1]);
    always_ff @(posedge clk_i) begin
      s2_addr[k*AW +: AW] <= (a < $signed(s1_base)) ? AW'(a + $signed(s1_len)) : AW'(a);
      s2_keep[k]          <= s1_keep[k];
    end
  end

  // ---- S2 -> S3: history and weights ------------------------------------------------
  logic          hist_we;
  logic [AW-1:0] hist_waddr;
  logic [DW-1:0] hist_wdata;
  logic [P*DW-1:0] s3_x_raw;
  logic [P*KW-1:0] s3_w;
  logic [P-1:0]    s3_keep;

  pool_history #(
    .W    (DW),
    .DEPTH(DEPTH),
    .PORTS(P)
  ) u_history (
    .clk_i,
    .we_i   (hist_we),
    .waddr_i(hist_waddr),
    .wdata_i(hist_wdata),
    .raddr_i(s2_addr),
    .rdata_o(s3_x_raw)
  );

  always_ff @(posedge clk_i) begin
    s3_w    <= weight_rom[st_pc[PCW +: PCW]];
    s3_keep <= s2_keep;
  end

  // ---- S3 -> S4: the pool's multipliers ---------------------------------------------
  logic [P*ProdW-1:0] s4_products;

  for (genvar k = 0; k < P; k++) begin : g_mul
    // S3b: both operands registered in front of the multiplier. The history and weight
    // memories are block RAM, whose clock-to-out plus the multiply missed 150 MHz on the 85F
    // (133 MHz; 146 MHz with the zeroing moved off the history path). A term before t = 0
    // (or past the layer's terms) reads as zero history: its weight is zeroed.
    logic signed [DW-1:0] x;
    logic signed [KW-1:0] w;
    always_ff @(posedge clk_i) begin
      x <= s3_x_raw[k*DW +: DW];
      w <= s3_keep[k] ? s3_w[k*KW +: KW] : '0;
    end
    fixed_mul #(
      .A_W     (DW),
      .B_W     (KW),
      .A_SIGNED(1'b1)
    ) u_mul (
      .clk_i,
      .a_i      (x),
      .b_i      (w),
      .product_o(s4_products[k*ProdW +: ProdW])
    );
  end

  // ---- S4 -> S5 -> S6: sum of the products, then the output channel's sum -------------
  logic signed [RawW-1:0] s5_psum;
  logic signed [RawW-1:0] acc;
  logic [BW-1:0]          bias_q;

  logic signed [RawW-1:0] s4_sum;

  if (SumLat == 0) begin : g_sum_flat
    always_comb begin
      s4_sum = '0;
      for (int k = 0; k < P; k++) begin
        s4_sum = s4_sum + RawW'($signed(s4_products[k*ProdW +: ProdW]));
      end
    end
  end else begin : g_sum_groups
    // S4b: the products summed in pairs into registers, then the pairs
    logic [Groups*RawW-1:0] group_sum;
    for (genvar g = 0; g < Groups; g++) begin : g_group
      logic signed [RawW-1:0] sum;
      always_comb begin
        sum = '0;
        for (int k = 2 * g; k < P && k < 2 * g + 2; k++) begin
          sum = sum + RawW'($signed(s4_products[k*ProdW +: ProdW]));
        end
      end
      always_ff @(posedge clk_i) begin
        group_sum[g*RawW +: RawW] <= sum;
      end
    end
    always_comb begin
      s4_sum = '0;
      for (int g = 0; g < Groups; g++) begin
        s4_sum = s4_sum + $signed(group_sum[g*RawW +: RawW]);
      end
    end
  end

  always_ff @(posedge clk_i) begin
    s5_psum <= s4_sum;
  end

  // S5: the accumulator takes the beat (a first beat starts the sum); the bias of the output is read
  always_ff @(posedge clk_i) begin
    if (st_valid[AccS]) acc <= (st_first[AccS] ? '0 : acc) + s5_psum;
    bias_q <= bias_rom[st_n[AccS*NW +: NW]];
  end

  // ---- S6: output stage -------------------------------------------------------------
  logic           os_valid;
  logic [Y_W-1:0] os_y;
  logic [CLW-1:0] s6_class;
  logic [LYW-1:0] s6_layer;

  assign s6_layer = st_layer[OutS*LYW +: LYW];
  assign s6_class = CLW'(lfield(L_CLASS, 32'(s6_layer)));

  pool_output_stage #(
    .NC              (NC),
    .RAW_W           (RawW),
    .BW              (BW),
    .Y_W             (Y_W),
    .C_PROD_SHIFT    (C_PROD_SHIFT),
    .C_BIAS_SHIFT    (C_BIAS_SHIFT),
    .C_ACC_W         (C_ACC_W),
    .C_YW            (C_YW),
    .C_Y_SIGNED      (C_Y_SIGNED),
    .C_Y_SHIFT       (C_Y_SHIFT),
    .C_FULL_PRECISION(C_FULL_PRECISION),
    .C_ROUNDING      (C_ROUNDING),
    .C_RELU          (C_RELU),
    .C_FLOAT32_INPUT (C_FLOAT32_INPUT)
  ) u_output (
    .clk_i,
    .rst_i,
    .valid_i(st_valid[OutS] && st_last[OutS]),
    .class_i(s6_class),
    .raw_i  (acc),
    .bias_i (bias_q),
    .valid_o(os_valid),
    .y_o    (os_y)
  );

  // The output's layer, channel and place in the sample, delayed to meet os_y; the
  // ring address is computed one cycle early, in parallel with the output stage's last register.
  logic [OutLat*LYW-1:0] ow_layer;
  logic [OutLat*OW-1:0]  ow_o;
  logic [OutLat-1:0]     ow_sample_last;
  logic [AW-1:0]         ow_addr;
  logic [LYW-1:0]        w_layer;
  logic [OW-1:0]         w_o;
  logic                  w_to_ring;   // a layer output, not the network's
  logic [LYW:0]          pre_next;    // the layer the output feeds
  logic [LYW-1:0]        pre_layer;
  logic [OW-1:0]         pre_o;

  always_ff @(posedge clk_i) begin
    ow_layer       <= {ow_layer[(OutLat-1)*LYW-1:0], s6_layer};
    ow_o           <= {ow_o[(OutLat-1)*OW-1:0], st_o[OutS*OW +: OW]};
    ow_sample_last <= {ow_sample_last[OutLat-2:0], st_sample_last[OutS]};
  end

  assign pre_layer = ow_layer[(OutLat-2)*LYW +: LYW];
  assign pre_o     = ow_o[(OutLat-2)*OW +: OW];
  assign pre_next  = {1'b0, pre_layer} + 1'b1;
  always_ff @(posedge clk_i) begin
    ow_addr <= (pre_next < (LYW+1)'(NL)) ? head_all[pre_next[LYW-1:0]*AW +: AW] + AW'(pre_o) : '0;
  end

  assign w_layer   = ow_layer[(OutLat-1)*LYW +: LYW];
  assign w_o       = ow_o[(OutLat-1)*OW +: OW];

  // w_to_ring from a register, decided a cycle early beside ow_addr: it enables the
  // history's write port, every copy's block RAMs (a 16-layer pool's critical path ran
  // from w_layer through the compare into 49 DP16KD). ow_valid repeats the output
  // stage's valid pipeline, so ow_valid[OutLat-1] is os_valid (asserted below).
  logic [OutLat-1:0] ow_valid;
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      ow_valid  <= '0;
      w_to_ring <= 1'b0;
    end else begin
      ow_valid  <= {ow_valid[OutLat-2:0], st_valid[OutS] && st_last[OutS]};
      w_to_ring <= ow_valid[OutLat-2] && (32'(pre_layer) != NL - 1);
    end
  end

  // ---- the history write port: the input writer or a layer output ----------------------
  // The writer's address and code come from registers: wr_addr steps from layer 0's head
  // as it is when the sample begins, and in_reg shifts its next channel down (the sum
  // head + wr_idx and a channel mux in front of every copy's write port were a 16-layer
  // pool's critical path).
  logic [XW-1:0] wr_code;
  logic [AW-1:0] wr_addr;
  assign wr_code = in_reg[0 +: XW];

  always_ff @(posedge clk_i) begin
    if (begin_sample) wr_addr <= head0_next;
    else if (writing) wr_addr <= wr_addr + 1'b1;
  end

  always_comb begin
    hist_we    = writing || w_to_ring;
    if (writing) begin
      hist_waddr = wr_addr;
      hist_wdata = X_SIGNED ? DW'($signed(wr_code)) : DW'(wr_code);
    end else begin
      hist_waddr = ow_addr;
      hist_wdata = os_y[DW-1:0];
    end
  end

  // ---- control: input, writer, sample, hazard counters ------------------------------
  // nothing is accepted while writing (in_full holds until the last channel is written)
  always_ff @(posedge clk_i) begin
    if (accept)       in_reg <= in_data_i;
    else if (writing) in_reg <= in_reg >> XW;
  end

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      in_full     <= 1'b0;
      writing     <= 1'b0;
      wr_idx      <= '0;
      sample_open <= 1'b0;
      cur_ring    <= '0;
      cur_count   <= '0;
    end else begin
      if (accept) in_full <= 1'b1;
      if (begin_sample) begin
        writing     <= 1'b1;
        wr_idx      <= '0;
        sample_open <= 1'b1;
        cur_ring    <= '0;
        cur_count   <= '0;
      end else begin
        if (end_of_sample) sample_open <= 1'b0;
        if (writing) begin
          wr_idx    <= wr_idx + 1'b1;
          cur_count <= wr_idx + 1'b1;
          if (32'(wr_idx) == IN_CH - 1) begin
            writing <= 1'b0;
            in_full <= 1'b0;
          end
        end else if (w_to_ring) begin
          cur_ring  <= {1'b0, w_layer} + 1'b1;
          cur_count <= CW'(w_o) + 1'b1;
        end
      end
    end
  end

  // ---- the network output -----------------------------------------------------------
  logic w_out;
  assign w_out = os_valid && (32'(w_layer) == NL - 1);

  if (OUT_CH > 1) begin : g_staging
    // channels 0 .. OUT_CH-2 of the sample in progress, one register each (constant indices:
    // a variable part-select write left stray bits above the wide vector in the simulator)
    logic [(OUT_CH-1)*YW-1:0] staging;
    for (genvar o = 0; o < OUT_CH - 1; o++) begin : g_channel
      logic [YW-1:0] channel;
      always_ff @(posedge clk_i) begin
        if (w_out && w_o == OW'(o)) channel <= os_y[YW-1:0];
      end
      assign staging[o*YW +: YW] = channel;
    end
    always_ff @(posedge clk_i) begin
      if (w_out && ow_sample_last[OutLat-1]) out_data_o <= {os_y[YW-1:0], staging};
    end
  end else begin : g_single
    always_ff @(posedge clk_i) begin
      if (w_out) out_data_o <= os_y[YW-1:0];
    end
  end

  // Gated with rst_i like in_ready_o: the pulse register may still be high in the first reset cycle.
  logic out_pulse;
  always_ff @(posedge clk_i) begin
    if (rst_i) out_pulse <= 1'b0;
    else       out_pulse <= w_out && ow_sample_last[OutLat-1];
  end
  assign out_valid_o = out_pulse && !rst_i;

  logic unused;
  assign unused = ^{os_y, st_valid[Stages-1], st_first[Stages-1], st_last[Stages-1],
                    st_o[0 +: OW], st_n[OutS*NW +: NW], st_sample_last[OutS-1:0]};

  // ---- assertions -----------------------------------------------------------------------
  // Compiled only with ASSERTIONS (every cocotb run and lint); synthesis never sees them.
`ifdef ASSERTIONS
  logic a_armed;
  initial a_armed = 1'b0;  // written by always_ff below (Verilator PROCASSINIT)
  always_ff @(posedge clk_i) begin
    if (rst_i) a_armed <= 1'b1;
  end

  // Accepted samples whose output has not come out: one in in_reg, one issuing, and those still
  // draining: an output comes out Visible cycles after its sample's last beat issued, and samples
  // begin at least MinGap cycles apart (NB beats, one per cycle; the input written first).
  localparam int Visible     = 8 + OutLat + SumLat;
  localparam int MinGap      = (NB > IN_CH + 2) ? NB : IN_CH + 2;
  localparam int MaxInFlight = 2 + (Visible + MinGap - 1) / MinGap;
  logic [3:0] a_in_flight;
  always_ff @(posedge clk_i) begin
    if (rst_i) a_in_flight <= '0;
    else       a_in_flight <= a_in_flight + 4'(accept) - 4'(out_valid_o);
  end

  // the newest-vector word each kept lane reads (one cycle before S2, at its address)
  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      a_ready_low_in_reset: assert (!in_ready_o);
    end else if (a_armed) begin
      // The write port has one writer at a time; a new sample never starts over a ring write.
      a_one_writer: assert (!(writing && w_to_ring));
      a_early_ring_write: assert (w_to_ring == (os_valid && (32'(w_layer) != NL - 1)));
      a_valid_mirror: assert (ow_valid[OutLat-1] == os_valid);
      a_begin_no_write: assert (!(begin_sample && w_to_ring));
      // layer 0's ring slot stays put while the writer fills it
      a_writer_slot: assert (!writing || wr_addr == head_all[0 +: AW] + AW'(wr_idx));
      // out_valid_o is a one-cycle pulse, one per accepted sample.
      a_out_pulse: assert (!(out_pulse && w_out && ow_sample_last[OutLat-1]));
      a_output_has_input: assert (!(out_valid_o && a_in_flight == 4'd0));
      a_bounded_in_flight: assert (32'(a_in_flight) <= MaxInFlight);
      // Issue only inside a sample; the schedule never outruns the history it needs.
      a_issue_in_sample: assert (!issue || sample_open);
      a_issue_rule: assert (issue == (sample_open && avail));
      // The prefetch is full before the first issue, and mc is always the word of beat pc.
      a_primed_before_issue: assert (!issue || primed == 2'd2);
      // the word waiting behind nx is the ROM's word at fa
      a_word_fa: assert (word_fa == sched_rom[fa]);
      // the registered decode equals what it stands for
      if (primed == 2'd2) begin
        for (int l = 0; l < NL; l++) begin
          a_mc_ends: assert (mc_ends[l] == (mc_layer_last && mc_layer == LYW'(l)));
        end
      end
      a_sample_last_is_last_beat: assert (primed != 2'd2 || mc_sample_last == (32'(pc) == NB - 1));
      a_cur_ring_range: assert (32'(cur_ring) < NL + 1);
    end
  end

  // A kept lane never reads a word in the cycle it is written (no_rw_check on the history).
  for (genvar k = 0; k < P; k++) begin : g_a_lane
    always_ff @(posedge clk_i) begin
      if (!rst_i && a_armed && st_valid[1] && s2_keep[k] && hist_we) begin
        a_no_read_during_write: assert (s2_addr[k*AW +: AW] != hist_waddr);
      end
    end
  end
`endif

  // ---- elaboration checks -------------------------------------------------------------
  if (P < 1 || NL < 1 || NC < 1) begin : g_bad_counts
    $error("pool_network: P, NL and NC must be >= 1");
  end
  if (Groups > SumFanIn) begin : g_bad_pool
    $error("pool_network: P must be <= 2 * SumFanIn (8): the products are summed in two levels at most");
  end
  if (lfield(L_IN, 0) != IN_CH) begin : g_bad_input
    $error("pool_network: layer 0's input channels (L_IN) must equal IN_CH");
  end
  if (XW + (X_SIGNED ? 0 : 1) > DW) begin : g_bad_dw
    $error("pool_network: DW must hold the network input's signed operand width");
  end
  if (DEPTH < lfield(L_RBASE, NL - 1) + lfield(L_RLEN, NL - 1)) begin : g_bad_depth
    $error("pool_network: DEPTH must cover every layer's ring");
  end
  if (WEIGHTS_FILE == "" || SCHEDULE_FILE == "" || BIAS_FILE == "") begin : g_no_files
    $error("pool_network: WEIGHTS_FILE, SCHEDULE_FILE and BIAS_FILE must be set");
  end

endmodule

`default_nettype wire
