`default_nettype none
// Bench wrapper of the generated audio core (synth/board/audio/core.py, StandaloneAudioCore): the board's
// pin-side cells, modelled as synth/board/audio/top.py builds them, so the codec model sees the pins the
// codec sees. Every codec output leaves through an output register (OFS1P3DX), MCLK through an ODDRX1F
// (first half of the cycle D0, second half D1), SDOUT1 enters through an input register (IFS1P3DX); all of
// them power up at 0, as the ECP5 does. The I2C lines are open drain with pull-ups: the core drives *_oe to
// pull a line low, the codec model pulls SDA through sda_pull.
module audio_core_tb (
    input  wire        audio_clk,
    input  wire        audio_rst,
    input  wire        clk,
    input  wire        rst,
    input  wire        soft_reset,
    // codec pins
    output logic       mclk,
    output logic       bick,
    output logic       lrck,
    output logic       sdin1,
    output logic       pdn,
    input  wire        sdout1,
    output wire        scl,
    output wire        sda,
    input  wire        sda_pull,
    // status
    output wire        configured,
    output wire [7:0]  failures,
    output wire [7:0]  jack,
    output wire        late,
    output wire        overrun,
    output wire        frame,
    output wire [11:0] leds
);
  wire [1:0] core_mclk;
  wire       core_bick, core_lrck, core_sdin, core_pdn, core_scl_oe, core_sda_oe;
  logic [1:0] mclk_q = 2'b00;
  logic       sdout1_q = 1'b0;

  initial begin
    bick = 1'b0;
    lrck = 1'b0;
    sdin1 = 1'b0;
    pdn = 1'b0;
  end

  audio_core u_core (
    .audio_clk(audio_clk), .audio_rst(audio_rst), .clk(clk), .rst(rst),
    .mclk(core_mclk), .bick(core_bick), .lrck(core_lrck), .sdin(core_sdin), .pdn(core_pdn),
    .scl_oe(core_scl_oe), .sda_oe(core_sda_oe), .configured(configured), .failures(failures), .jack(jack),
    .late(late), .overrun(overrun), .frame(frame), .leds(leds),
    .sdout(sdout1_q), .sda_i(sda), .soft_reset(soft_reset)
  );

  always_ff @(posedge audio_clk) begin
    bick <= core_bick;
    lrck <= core_lrck;
    sdin1 <= core_sdin;
    pdn <= core_pdn;
    mclk_q <= core_mclk;
    sdout1_q <= sdout1;
  end

  assign mclk = audio_clk ? mclk_q[0] : mclk_q[1];
  assign scl = ~core_scl_oe;
  assign sda = ~(core_sda_oe | sda_pull);
endmodule
`default_nettype wire
