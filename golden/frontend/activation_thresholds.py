"""Step tables of QKeras's quantized_tanh / quantized_sigmoid, found and proven from QKeras's own float64 output.

For an activation and an input format, the table (golden.activations.StepTable) holds the output code at the
lowest input code and, for each step up, the first input code T_j whose output is first + j. Finding T_j:
the exact-math point of the step up to output code k = first + j, where p * m = k - 1/2 (for use_real_tanh
x = atanh((k - 1/2) / m)), scaled to the input grid, is the first guess; a bracket around it grows
(doubling) until QKeras gives less than k below it and k or more above it, then bisection narrows it to
adjacent codes. All steps advance together: one TensorFlow call per round evaluates every step's probes,
on the actual input codes (value = code * 2^-F, exact in float64), over the whole input range (nothing is
truncated: a 40-bit input takes at most about 2 x 40 rounds, never 2^40 evaluations).

Proof (`prove_step_table`): QKeras is evaluated at T_j - 1 and T_j for every j (and a few more codes on
each side) and at both ends of the input range, and must give the table's code at each. With QKeras's
quantized output non-decreasing in x, that pins every code: between two checked neighbours the output is
squeezed to one value. For formats small enough to enumerate, golden/tests_qkeras checks every code as
well, which needs no monotonicity.

TensorFlow's float64 tanh and sigmoid depend on where a value sits in its tensor. Eigen computes whole
SIMD packets with its own approximation and the last (size mod packet) elements with the scalar function
(glibc's tanh), and the two differ by up to a few ulps (measured on TF 2.21: on about half of random
inputs). So a value at the tail of a QActivation's tensor can round differently; it happens when the
input grid is fine enough for a code to land within those ulps of a step (4-bit use_real_tanh on
Q(53,49): predict gives 5 inside a packet and 4 at the tail for the same input). The evaluator therefore
has two lanes: PACKET pads every call to a multiple of 16 values (every SIMD packet of doubles divides
it, so no value falls in the tail) and SCALAR evaluates each value alone (tf.map_fn in a tf.function: the
scalar kernel). Thresholds are searched in the packet lane and proven in both; where the lanes disagree,
or QKeras is not monotone (the packet tanh wiggles by ulps where a fine grid meets a wide output, e.g.
16 bits on Q(53,40)), no function of the input matches QKeras and the search raises ActivationProofError.

QKeras reads its internal sigmoid from a process-global (set_internal_sigmoid); the evaluator sets the
mode the activation assumes for each call and restores whatever was set before.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from golden.activations import (
    Function,
    InternalSigmoid,
    QuantizedActivation,
    StepTable,
    check_input_format,
)
from golden.errors import GoldenError
from golden.frontend.tf_setup import configure
from golden.qformat import QFormat

PACKET_MULTIPLE = 16  # a multiple of every SIMD packet of doubles (2, 4, 8, 16): no value lands in the scalar tail
CHUNK = 1 << 20  # values per TensorFlow call (a multiple of PACKET_MULTIPLE)
SHOWN_DISAGREEMENTS = 5
# codes checked on each side of a threshold: T - 1 and T prove the table where QKeras is monotone; the
# others would catch an ulp-level wiggle of TensorFlow's function next to a step (seen with fine input grids)
PROOF_WINDOW = 4


class ActivationProofError(GoldenError):
    """QKeras's own output disagrees with a step table, is not monotone, or depends on the tensor position."""


class Lane(str, Enum):
    """Which of TensorFlow's kernels computes tanh / sigmoid for a value (see the module docstring)."""

    PACKET = "packet"  # inside a SIMD packet: nearly every element of a tensor
    SCALAR = "scalar"  # the last (size mod packet) elements of a tensor, or a tensor of one


def activation_of(quantizer: Any, internal_sigmoid: InternalSigmoid | str) -> QuantizedActivation:
    """The model of a QKeras quantized_tanh / quantized_sigmoid object, assuming `internal_sigmoid`
    (a saved model does not record it; QKeras's default is golden.activations.DEFAULT_INTERNAL_SIGMOID)."""
    return QuantizedActivation.from_qkeras(type(quantizer).__name__, quantizer.get_config(), internal_sigmoid)


@dataclass
class QKerasActivation:
    """QKeras's own quantizer for `activation`, evaluated in float64 on input codes of `input_format`."""

    activation: QuantizedActivation
    input_format: QFormat
    quantizer: Any = field(init=False, repr=False)
    _each: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        check_input_format(self.input_format, self.activation)
        configure()  # legacy Keras and floatx float64: the quantizers compute in the global float type
        import tensorflow as tf
        from qkeras.quantizers import quantized_sigmoid, quantized_tanh

        bits, use_real = self.activation.bits, self.activation.use_real
        if self.activation.function is Function.TANH:
            self.quantizer = quantized_tanh(bits, use_real_tanh=use_real)
        else:
            self.quantizer = quantized_sigmoid(bits, use_real_sigmoid=use_real)
        # a partial, not a lambda: TensorFlow counts retracing per code object and would warn about every
        # evaluator after the fifth; each evaluator traces its own function once
        self._each = tf.function(partial(_each_alone, self.quantizer),
                                 input_signature=[tf.TensorSpec([None], tf.float64)])

    def codes(self, codes: ArrayLike, lane: Lane = Lane.PACKET) -> np.ndarray:
        """QKeras's output codes for input codes (1-D), each distinct code evaluated once; off-grid outputs raise."""
        import tensorflow as tf

        inputs = self.input_format.check_codes(codes, f"{self.activation} input ({self.input_format})").reshape(-1)
        distinct, where = np.unique(inputs, return_inverse=True)
        reals = self.input_format.to_real(distinct)  # exact: at most 53 significant bits
        with _internal_sigmoid(self.activation.internal_sigmoid):
            if Lane(lane) is Lane.SCALAR:
                outputs = [self._each(tf.constant(reals[start:start + CHUNK], tf.float64)).numpy()
                           for start in range(0, reals.size, CHUNK)]
            else:
                padded = np.concatenate([reals, np.zeros((-reals.size) % PACKET_MULTIPLE)])
                outputs = [self.quantizer(tf.constant(padded[start:start + CHUNK], tf.float64)).numpy()
                           for start in range(0, padded.size, CHUNK)]
        values = np.concatenate(outputs)[:reals.size] if outputs else np.zeros(0)
        if values.dtype != np.float64:
            raise GoldenError(f"{self.activation}: QKeras computed in {values.dtype}, not float64")
        out = self.activation.output_format
        return out.from_real(values, f"{self.activation} QKeras output in {out}")[where]


def find_step_table(activation: QuantizedActivation, input_format: QFormat,
                    qkeras: QKerasActivation | None = None) -> StepTable:
    """The step table of `activation` on `input_format`, searched and then proven from QKeras (both lanes).
    `qkeras`: an evaluator of the same activation and format to reuse (each traces a tf.function once)."""
    qkeras = _evaluator(activation, input_format, qkeras)
    low, high = input_format.min_code, input_format.max_code
    first, last = (int(code) for code in qkeras.codes([low, high]))
    if last < first:
        raise ActivationProofError(f"{activation} on {input_format}: QKeras gives {first} at the lowest input code "
                                   f"and {last} at the highest: not a non-decreasing step function")
    levels = np.arange(first + 1, last + 1, dtype=np.int64)  # T_j: the first code with output >= levels[j]
    below = np.clip(_analytic_codes(activation, input_format, levels), low, high - 1)
    above = below + 1
    _bracket(qkeras, levels, below, above, low, high)
    _bisect(qkeras, levels, below, above)
    table = StepTable(activation, input_format, first, tuple(int(code) for code in above))
    prove_step_table(table, qkeras)
    return table


def prove_step_table(table: StepTable, qkeras: QKerasActivation | None = None) -> None:
    """QKeras (both lanes) gives the table's code at both ends of the input range and on both sides of every
    threshold (T - PROOF_WINDOW .. T + PROOF_WINDOW - 1, so T - 1 and T); raise ActivationProofError naming the
    first disagreements otherwise."""
    qkeras = _evaluator(table.activation, table.input_format, qkeras)
    fmt = table.input_format
    thresholds = np.asarray(table.thresholds, dtype=np.int64)
    around = (thresholds[:, None] + np.arange(-PROOF_WINDOW, PROOF_WINDOW)).reshape(-1)
    probes = np.unique(np.clip(np.concatenate([[fmt.min_code, fmt.max_code], around]), fmt.min_code, fmt.max_code))
    expected = table.apply(probes)
    found = {lane: qkeras.codes(probes, lane) for lane in Lane}
    problems = []
    for lane, got in found.items():
        for index in np.flatnonzero(got != expected)[:SHOWN_DISAGREEMENTS]:
            code = int(probes[index])
            problems.append(f"input code {code} ({float(fmt.to_real(code))!r}): table {int(expected[index])}, "
                            f"QKeras {lane.value} lane {int(got[index])}")
    if problems:
        split = np.flatnonzero(found[Lane.PACKET] != found[Lane.SCALAR])
        note = (f"; the lanes disagree at {split.size} code(s), so QKeras's output there depends on the value's "
                f"position in its tensor" if split.size else "")
        raise ActivationProofError(f"{table.activation} on {fmt}: QKeras disagrees with the step table at "
                                   f"{'; '.join(problems)}{note}")


def _evaluator(activation: QuantizedActivation, fmt: QFormat, qkeras: QKerasActivation | None) -> QKerasActivation:
    """`qkeras` if it evaluates `activation` on `fmt`, a new evaluator if None; refuse any other."""
    if qkeras is None:
        return QKerasActivation(activation, fmt)
    if (qkeras.activation, qkeras.input_format) != (activation, fmt):
        raise GoldenError(f"the QKeras evaluator is {qkeras.activation} on {qkeras.input_format}, "
                          f"not {activation} on {fmt}")
    return qkeras


def _each_alone(quantizer: Any, x: Any) -> Any:
    """The quantizer on one value per loop iteration: TensorFlow's scalar kernel, as for a tensor's tail."""
    import tensorflow as tf

    return tf.map_fn(quantizer, x, fn_output_signature=tf.float64)


def _bracket(qkeras: QKerasActivation, levels: np.ndarray, below: np.ndarray, above: np.ndarray, low: int,
             high: int) -> None:
    """Grow each [below, above] (in place, doubling) until QKeras gives < level at below and >= level at above.

    The ends of the range always qualify (QKeras gives the first level at `low` and the last at `high`), and the
    reach doubles, so this ends within log2 of the range rounds."""
    reach = np.ones_like(levels)
    active = np.arange(levels.size)
    for _ in range(_rounds(qkeras.input_format)):
        if not active.size:
            return
        out = qkeras.codes(np.concatenate([below[active], above[active]])).reshape(2, -1)
        down = out[0] >= levels[active]  # the step is at or below `below`
        up = out[1] < levels[active]  # the step is above `above`
        both = down & up
        if np.any(both):
            j = active[np.argmax(both)]
            raise ActivationProofError(f"{qkeras.activation} on {qkeras.input_format}: QKeras is not monotone: "
                                       f"code {int(below[j])} gives more than code {int(above[j])}")
        moving, shift_down, shift_up = active[down | up], active[down], active[up]
        reach[moving] *= 2
        above[shift_down] = below[shift_down]
        below[shift_down] = np.maximum(low, below[shift_down] - reach[shift_down])
        below[shift_up] = above[shift_up]
        above[shift_up] = np.minimum(high, above[shift_up] + reach[shift_up])
        active = moving
    raise ActivationProofError(f"{qkeras.activation} on {qkeras.input_format}: {active.size} step(s) not bracketed "
                               f"after {_rounds(qkeras.input_format)} rounds")


def _bisect(qkeras: QKerasActivation, levels: np.ndarray, below: np.ndarray, above: np.ndarray) -> None:
    """Halve every bracket (in place) until below and above are adjacent codes: above is then T_j."""
    for _ in range(_rounds(qkeras.input_format)):
        active = np.flatnonzero(above - below > 1)
        if not active.size:
            return
        middle = below[active] + (above[active] - below[active]) // 2
        reached = qkeras.codes(middle) >= levels[active]
        above[active[reached]] = middle[reached]
        below[active[~reached]] = middle[~reached]
    raise ActivationProofError(f"{qkeras.activation} on {qkeras.input_format}: the bisection did not end after "
                               f"{_rounds(qkeras.input_format)} rounds")


def _rounds(fmt: QFormat) -> int:
    """Rounds that bracketing or bisection can need on `fmt` (its range has 2^width codes), plus a final check:
    more means the search is broken, so it stops instead of looping."""
    return fmt.width + 3


def _analytic_codes(activation: QuantizedActivation, fmt: QFormat, levels: np.ndarray) -> np.ndarray:
    """Input codes just below each level's step in exact math: where p * m = level - 1/2, p the form's curve."""
    p = np.ldexp(levels - 0.5, -activation.output_format.frac)  # (level - 1/2) / m, exact
    mode = InternalSigmoid.REAL if activation.use_real else activation.internal_sigmoid
    tanh = activation.function is Function.TANH
    if mode is InternalSigmoid.HARD:  # tanh: p = x; sigmoid: p = x/2 + 1/2
        x = p if tanh else 2 * p - 1
    elif mode is InternalSigmoid.SMOOTH:  # tanh: p = 3x/8; sigmoid: p = 3x/16 + 1/2
        x = p * 8 / 3 if tanh else (p - 0.5) * 16 / 3
    elif tanh:  # use_real_tanh: tanh(x); internal real: 2 sigmoid(x) - 1 = tanh(x/2)
        x = np.arctanh(p) * (1 if activation.use_real else 2)
    else:
        x = np.log(p) - np.log1p(-p)  # the logit, sigmoid's inverse (p is never 0 or 1)
    scaled = np.clip(np.floor(np.ldexp(x, fmt.frac)), fmt.min_code, fmt.max_code)  # exact: at most 53 bits
    return scaled.astype(np.int64)


@contextmanager
def _internal_sigmoid(mode: InternalSigmoid) -> Iterator[None]:
    """QKeras's internal sigmoid set to `mode` for the block (read at call time, and when a tf.function is
    traced), then put back as it was."""
    from qkeras import quantizers

    saved = quantizers._sigmoid
    quantizers.set_internal_sigmoid(mode.value)
    try:
        yield
    finally:
        quantizers._sigmoid = saved
