// sample_strobe_guard: a fixed-rate sample strobe turned into valid/ready,
// with overruns detected, dropped and counted instead of corrupting state.
//
// A fixed-rate producer (an ADC, a sample-rate divider) cannot wait: it
// presents data_i with a one-cycle strobe_i whether or not the consumer is
// ready. The guard holds one sample in a register and offers it with
// valid_o/ready_i. A strobe that arrives while the held sample has not been
// accepted (and is not being accepted in that very cycle) is an overrun: the
// NEW sample is dropped, the held one is kept and still delivered, overrun_o
// pulses and overrun_count_o counts up (saturating at 2^COUNT_W - 1). So the
// consumer only ever sees complete samples, in order, and the count says how
// many were lost.
//
// Parameters
//   WIDTH    bits of one sample (e.g. IN_CH*W of the network's input vector)
//   COUNT_W  bits of the saturating overrun counter (32; narrower only to test
//            saturation in simulation)
//
// Handshake
//   strobe_i            one sample per cycle it is high (data_i captured)
//   valid_o & ready_i   the held sample data_o is taken; valid_o stays high
//                       and data_o stable until it is (standard valid/ready)
//   overrun_o           one-cycle pulse in the cycle after a dropped strobe
//   overrun_count_o     dropped strobes since reset, saturating
//   rst_i               forgets a held sample and clears the count
//
// Timing
//   LATENCY = 1: a strobe in cycle c gives valid_o high in cycle c + 1. A
//   strobe in the same cycle as the held sample's acceptance is captured (no
//   overrun), so a consumer with ready_i high every cycle loses nothing at
//   one sample per cycle.

`default_nettype none

module sample_strobe_guard #(
  parameter int WIDTH   = 64,
  parameter int COUNT_W = 32
) (
  input  wire logic             clk_i,
  input  wire logic             rst_i,
  input  wire logic             strobe_i,
  input  wire logic [WIDTH-1:0] data_i,
  output      logic             valid_o,
  input  wire logic             ready_i,
  output      logic [WIDTH-1:0] data_o,
  output      logic             overrun_o,
  output      logic [COUNT_W-1:0] overrun_count_o
);

  logic slot_free;  // the held register may take a new sample this cycle
  logic capture;
  logic overrun;

  assign slot_free = !valid_o || ready_i;
  assign capture   = strobe_i && slot_free;
  assign overrun   = strobe_i && !slot_free;

  always_ff @(posedge clk_i) begin
    if (rst_i) begin
      valid_o         <= 1'b0;
      overrun_o       <= 1'b0;
      overrun_count_o <= '0;
    end else begin
      overrun_o <= overrun;
      if (capture) begin
        valid_o <= 1'b1;
      end else if (ready_i) begin
        valid_o <= 1'b0;
      end
      if (overrun && overrun_count_o != '1) overrun_count_o <= overrun_count_o + 1'b1;
    end
  end

  // Data needs no reset: it is only looked at while valid_o is high.
  always_ff @(posedge clk_i) begin
    if (capture) data_o <= data_i;
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

  logic               a_was_reset;
  logic               a_was_waiting;  // valid_o && !ready_i: the sample must stay
  logic               a_was_valid;
  logic               a_was_strobe;
  logic               a_was_overrun;
  logic [WIDTH-1:0]   a_was_data;
  logic [COUNT_W-1:0] a_was_count;

  always_ff @(posedge clk_i) begin
    a_was_reset   <= rst_i;
    a_was_waiting <= valid_o && !ready_i;
    a_was_valid   <= valid_o;
    a_was_strobe  <= strobe_i;
    a_was_overrun <= strobe_i && valid_o && !ready_i;
    a_was_data    <= data_o;
    a_was_count   <= overrun_count_o;
  end

  always_ff @(posedge clk_i) begin
    if (a_armed && !rst_i) begin
      if (a_was_reset) begin
        a_clear_after_reset: assert (!valid_o && !overrun_o && overrun_count_o == '0);
      end else begin
        // valid/ready: a sample not taken stays, unchanged.
        if (a_was_waiting) begin
          a_valid_holds: assert (valid_o && data_o == a_was_data);
        end
        // LATENCY = 1: a strobe always leaves a sample to take in the next cycle.
        if (a_was_strobe) begin
          a_strobe_latency: assert (valid_o);
        end
        // No invented samples: valid_o rises only after a strobe.
        if (valid_o && !a_was_valid) begin
          a_valid_after_strobe: assert (a_was_strobe);
        end
        // An overrun pulses once and counts, saturating.
        a_overrun_pulse: assert (overrun_o == a_was_overrun);
        a_count_step: assert (overrun_count_o == a_was_count + COUNT_W'(a_was_overrun && a_was_count != '1));
      end
    end
  end
`endif

endmodule

`default_nettype wire
