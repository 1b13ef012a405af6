"""conv1d_step inputs built to hit chosen accumulators exactly (ties, saturation) or at random."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.qformat import QFormat
from golden.tests.stimulus import random_codes, rounding_remainders


@dataclass(frozen=True)
class ConvCase:
    taps: np.ndarray  # (K, IN_D)
    kernel: np.ndarray  # (K, IN_D, OUT_D)
    bias: np.ndarray  # (OUT_D,)

    def accumulators(self, fmt: QFormat) -> list[int]:
        """Exact Python-int accumulators, independent of both models."""
        k, in_d, out_d = self.kernel.shape
        return [
            sum(int(self.taps[t, i]) * int(self.kernel[t, i, o]) for t in range(k) for i in range(in_d))
            + (int(self.bias[o]) << fmt.frac)
            for o in range(out_d)
        ]


def realise_accumulators(fmt: QFormat, targets: list[int], taps: int = 2, in_d: int = 2) -> ConvCase:
    """All taps 1, so output o's accumulator is bias[o] << F plus the sum of its kernel codes == targets[o]."""
    terms = taps * in_d
    kernel = np.zeros((terms, len(targets)), dtype=np.int64)
    bias = np.zeros(len(targets), dtype=np.int64)
    for o, target in enumerate(targets):
        bias[o] = min(max(target >> fmt.frac, fmt.min_code), fmt.max_code)
        rest = target - (int(bias[o]) << fmt.frac)
        for j in range(terms):
            kernel[j, o] = min(max(rest, fmt.min_code), fmt.max_code)
            rest -= int(kernel[j, o])
        if rest != 0:
            raise ValueError(f"accumulator {target} is not reachable with {terms} unit taps in {fmt}")
    return ConvCase(np.ones((taps, in_d), dtype=np.int64), kernel.reshape(taps, in_d, len(targets)), bias)


def extreme_cases(fmt: QFormat, taps: int, in_d: int) -> dict[str, ConvCase]:
    """Named corner cases of K x IN_D products plus bias, all built from the most negative/positive codes."""
    lo, hi = fmt.min_code, fmt.max_code
    shape = (taps, in_d)
    flat = np.arange(taps * in_d).reshape(shape)
    alternating = np.where(flat % 2 == 0, hi, lo).astype(np.int64)  # +max, -min, +max, ...
    flipped = np.where(flat % 2 == 0, lo, hi).astype(np.int64)

    def case(tap_codes: np.ndarray, columns: list[np.ndarray], bias: list[int]) -> ConvCase:
        kernel = np.stack([np.broadcast_to(c, shape) for c in columns], axis=-1).astype(np.int64)
        return ConvCase(np.asarray(tap_codes, dtype=np.int64), kernel, np.array(bias, dtype=np.int64))

    return {
        # min*min products plus max bias: the largest sum, saturates high; then the most negative sum
        "extreme sums": case(np.full(shape, lo), [np.full(shape, lo), np.full(shape, hi)], [hi, lo]),
        # alternating +max/-min taps against the same pattern (all products positive) and its flip (all negative)
        "alternating signs": case(alternating, [alternating, flipped, alternating, flipped], [hi, lo, lo, hi]),
        # zero taps and zero kernel: the result is the bias alone, or zero
        "zeros": case(np.zeros(shape), [np.full(shape, lo), np.zeros(shape)], [0, lo]),
        "bias only": case(np.full(shape, lo), [np.zeros(shape), np.zeros(shape)], [hi, lo]),
    }


def random_case(
    rng: np.random.Generator, fmt: QFormat, taps: int, in_d: int, out_d: int, style: str, step: int = 0
) -> ConvCase:
    """One random step in a `style`:

    'full': any codes (large sums mostly saturate);
    'in_range': small kernel and bias, so sums mostly stay inside the saturation bounds;
    'ties': see tie_case; `step` steers its remainders, signs and parities.
    """
    if style == "ties":
        return tie_case(rng, fmt, taps, in_d, out_d, step)
    taps_codes = random_codes(rng, fmt, (taps, in_d))
    if style == "full":
        return ConvCase(taps_codes, random_codes(rng, fmt, (taps, in_d, out_d)), random_codes(rng, fmt, (out_d,)))
    if style == "in_range":
        kernel = random_codes(rng, fmt, (taps, in_d, out_d), limit=max(1, fmt.scale // (taps * in_d)))
        return ConvCase(taps_codes, kernel, random_codes(rng, fmt, (out_d,), limit=max(1, fmt.max_code // 2)))
    raise ValueError(f"unknown random conv style {style!r}")


def tie_case(rng: np.random.Generator, fmt: QFormat, taps: int, in_d: int, out_d: int, step: int) -> ConvCase:
    """Random step whose outputs land on chosen dropped bits, sign and parity of the integer part.

    taps[0][0] = 1 and every other kernel entry is -2^F, 0 or 2^F, so output o drops
    kernel[0][0][o] mod 2^F: successive (step // 2, o) walk round-robin through
    rounding_remainders (half appears twice, once with each parity). Even steps give
    non-negative integer parts (visible through ReLU), odd steps negative ones; the bias
    sets the integer part, so unless the format is too narrow nothing saturates.
    """
    remainders = rounding_remainders(fmt)
    slots = (step // 2) * out_d + np.arange(out_d)
    remainder = np.array([remainders[i % len(remainders)] for i in slots], dtype=np.int64)
    want_odd = (slots // len(remainders) + (slots % len(remainders) == len(remainders) - 1)) % 2 == 1
    units = np.array([c for c in (-1, 0, 1) if fmt.min_code <= c * fmt.scale <= fmt.max_code], dtype=np.int64)
    kernel = rng.choice(units, size=(taps, in_d, out_d)) * fmt.scale
    kernel[0, 0, :] = np.where(remainder <= fmt.max_code, remainder, remainder - fmt.scale)
    taps_codes = random_codes(rng, fmt, (taps, in_d), limit=max(1, fmt.max_code // (4 * taps * in_d)))
    taps_codes[0, 0] = 1
    partial = ConvCase(taps_codes, kernel, np.zeros(out_d, dtype=np.int64)).accumulators(fmt)
    reach = max(1, fmt.max_code // 4)
    bias = np.zeros(out_d, dtype=np.int64)
    for o in range(out_d):
        if step % 2 == 0:
            part = int(rng.integers(0, reach, endpoint=True))
        else:
            part = -int(rng.integers(1, reach, endpoint=True))
        part += (part % 2 == 1) != bool(want_odd[o])  # fix the parity, keeping the sign
        bias[o] = min(max(part - (partial[o] >> fmt.frac), fmt.min_code), fmt.max_code)
    return ConvCase(taps_codes, kernel, bias)
