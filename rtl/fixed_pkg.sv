// fixed_pkg: the arithmetic contract (docs/arithmetic.md) as compile-time functions.
//
// acc_width(W, N): signed accumulator bits that hold N products of two Q(W,F)
// codes plus one bias aligned by << F, with no possible overflow:
//   ACC_W = 2W - 1 + ceil(log2(N + 1))
// golden.qformat.accumulator_width computes the same number.

`default_nettype none

package fixed_pkg;

  function automatic int ceil_log2(input int value);
    int bits;
    bits = 0;
    while ((1 << bits) < value) bits++;
    return bits;
  endfunction

  function automatic int acc_width(input int width, input int terms);
    return 2 * width - 1 + ceil_log2(terms + 1);
  endfunction

  function automatic int ceil_div(input int num, input int den);
    return (num + den - 1) / den;
  endfunction

endpackage

`default_nettype wire
