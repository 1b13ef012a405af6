// fixed_pkg: the arithmetic contract (docs/arithmetic.md) as compile-time functions.
//
// acc_width(W, N): signed accumulator bits that hold N products of two Q(W,F)
// codes plus one bias aligned by << F, with no possible overflow:
//   ACC_W = 2W - 1 + ceil(log2(N + 1))
// golden.qformat.accumulator_width computes the same number.
// golden.qformat.Rounding.rtl_code maps the rounding modes to RoundTrunc/RoundRne.

`default_nettype none

package fixed_pkg;

  // Rounding modes of requantisation (docs/arithmetic.md section 4). Integers,
  // not strings, so every tool in the flow accepts them as parameters.
  typedef enum int {
    RoundTrunc = 0,  // floor: drop the bits (the seeds' RTL)
    RoundRne   = 1   // round half to even (QKeras tf.round)
  } rounding_e;

  // Written as plain for loops and assignments to the function name so that
  // every tool in the flow (Verilator, yosys) elaborates them.
  function automatic int ceil_log2(input int value);
    ceil_log2 = 0;
    for (int bits = 0; bits < 31; bits = bits + 1) begin
      if ((1 << bits) < value) ceil_log2 = bits + 1;
    end
  endfunction

  // Bits of a counter or index over `count` values: at least one bit.
  function automatic int index_width(input int count);
    index_width = (count > 1) ? ceil_log2(count) : 1;
  endfunction

  function automatic int acc_width(input int width, input int terms);
    acc_width = 2 * width - 1 + ceil_log2(terms + 1);
  endfunction

  // Signed bits that hold `terms` products of an a_w-bit (signed, or unsigned
  // when a_signed == 0) and a b_w-bit signed operand plus one more such term:
  // the signed operand widths A' + B' - 1 + ceil(log2(terms + 1)).
  function automatic int acc_width2(input int a_w, input bit a_signed, input int b_w, input int terms);
    acc_width2 = a_w + (a_signed ? 0 : 1) + b_w - 1 + ceil_log2(terms + 1);
  endfunction

  // golden.layer_format.OperandFormats.accumulator_width: the aligned sum of
  // `terms` products (shifted left by prod_shift) and one bias (shifted left
  // by bias_shift) never wraps in this many signed bits.
  function automatic int layer_acc_width(input int a_w, input bit a_signed, input int b_w, input int bias_w,
                                         input int prod_shift, input int bias_shift, input int terms);
    int top_product;
    int top_bias;
    top_product = a_w + (a_signed ? 0 : 1) + b_w - 2 + prod_shift;
    top_bias    = bias_w - 1 + bias_shift;
    layer_acc_width = ((top_product > top_bias) ? top_product : top_bias) + 1 + ceil_log2(terms + 1);
  endfunction

  function automatic int ceil_div(input int num, input int den);
    ceil_div = (num + den - 1) / den;
  endfunction

endpackage

`default_nettype wire
