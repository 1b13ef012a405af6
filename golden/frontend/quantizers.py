"""QKeras quantizers read as the arithmetic's formats: what the front end and every kind's import rule share.

Each reader returns the format or the reason it is outside the supported subset (docs/qkeras-mapping.md);
QKeras and TensorFlow are imported only when a quantizer is actually applied.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from golden.errors import GoldenError
from golden.qformat import QFormat

FLOAT64_MANTISSA_BITS = 53  # a float64 holds every integer of up to 53 bits exactly: predict's exact sums


def show(quantizer: Any) -> str:
    """A quantizer as a user wrote it (its repr), or a plain activation's name."""
    name = getattr(quantizer, "__name__", None)
    return str(quantizer) if name is None or hasattr(quantizer, "bits") else name


def bits_format(quantizer: Any) -> tuple[QFormat | None, str]:
    """The format of quantized_bits(bits, integer, keep_negative, alpha=1 or alpha left out): Q or UQ(bits,
    bits - keep_negative - integer), the sign counted apart as QKeras does; or why it is not supported."""
    from qkeras.quantizers import quantized_bits

    if quantizer is None:
        return None, "none (an unquantized float is not supported)"
    if type(quantizer) is not quantized_bits:
        return None, f"{show(quantizer)} is not supported (only quantized_bits with alpha=1)"
    unsupported = []
    alpha = quantizer.alpha
    if isinstance(alpha, str) and alpha == "auto_po2":
        unsupported.append(
            "alpha='auto_po2' (per-output-channel power-of-two scales chosen from the weights at run time; QKeras "
            "0.9.0 cannot evaluate it in float64, so the model cannot be proven exact; set alpha=1)"
        )
    elif not _unit_scale(alpha):
        unsupported.append(f"alpha={alpha!r} (needs alpha=1: a fixed scale)")
    unsupported += _integer_problems(quantizer)
    if quantizer.symmetric:
        unsupported.append("symmetric=1 (needs the full two's-complement range)")
    if quantizer.use_stochastic_rounding:
        unsupported.append("stochastic rounding")
    if quantizer.qnoise_factor != 1:
        unsupported.append(f"qnoise_factor={quantizer.qnoise_factor} (needs 1: fully quantized)")
    fmt = None
    keep_negative = bool(quantizer.keep_negative)
    try:
        bits, integer = int(quantizer.bits), int(quantizer.integer)
        fmt = QFormat(bits, bits - int(keep_negative) - integer, keep_negative)
    except GoldenError as error:
        unsupported.append(f"bits={quantizer.bits}, integer={quantizer.integer}: {error}")
    if unsupported:
        return None, f"{show(quantizer)}: " + ", ".join(unsupported)
    return fmt, ""


def _unit_scale(alpha: Any) -> bool:
    """Whether quantized_bits computes with scale exactly 1. QKeras 0.9.0's __call__ takes scale = 1.0 for
    alpha=None and scale = alpha for a number, so None is exactly alpha=1. (A kernel quantizer never arrives
    with None: QConv1D and QDense turn it into 'auto_po2' when they build it, _set_trainable_parameter.)"""
    if alpha is None:
        return True
    return isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and alpha == 1


def _integer_problems(quantizer: Any) -> list[str]:
    """QKeras 0.9.0 computes 2**integer with TensorFlow's integer Pow, which raises on a negative exponent:
    such a quantizer cannot run at all, so it is refused here rather than failing inside TensorFlow."""
    integer = quantizer.integer
    if isinstance(integer, (int, np.integer)) and not isinstance(integer, bool) and integer < 0:
        same_step = f"{type(quantizer).__name__}({int(quantizer.bits) - int(integer)},0)"
        return [f"integer={integer} (QKeras 0.9.0 cannot compute a negative integer: TensorFlow refuses its "
                f"2**integer; {same_step} has the same step)"]
    return []


def relu_format(quantizer: Any) -> tuple[QFormat | None, str]:
    """The unsigned format UQ(bits, bits - integer) of quantized_relu(bits, integer), or why not."""
    reasons = []
    if quantizer.negative_slope:
        reasons.append(f"negative_slope={quantizer.negative_slope} (leaky ReLU)")
    if quantizer.use_sigmoid:
        reasons.append("use_sigmoid")
    if quantizer.relu_upper_bound is not None:
        reasons.append(f"relu_upper_bound={quantizer.relu_upper_bound}")
    if quantizer.use_stochastic_rounding:
        reasons.append("stochastic rounding")
    if quantizer.qnoise_factor != 1:
        reasons.append(f"qnoise_factor={quantizer.qnoise_factor}")
    reasons += _integer_problems(quantizer)
    fmt = None
    try:
        bits, integer = int(quantizer.bits), int(quantizer.integer)
        fmt = QFormat(bits, bits - integer, signed=False)
    except GoldenError as error:
        reasons.append(f"bits={quantizer.bits}, integer={quantizer.integer}: {error}")
    return (None, f"{show(quantizer)}: " + ", ".join(reasons)) if reasons else (fmt, "")


def quantized_codes(variable: Any, quantizer: Any, what: str, fmt: QFormat) -> np.ndarray:
    """A weight variable through its own quantizer in float64 (as QKeras predict applies it), as codes of `fmt`;
    a value off the grid or out of range raises, naming `what`."""
    import tensorflow as tf

    raw = np.asarray(variable.numpy(), dtype=np.float64)  # finite: the front end checks that first
    values = np.asarray(quantizer(tf.constant(raw, dtype=tf.float64)).numpy(), dtype=np.float64)
    return fmt.from_real(values, f"{what} after its quantizer {show(quantizer)}")


def float32_quantized(quantizer: Any, values: np.ndarray) -> np.ndarray:
    """`quantizer` applied in float32 (how a float32 user trains and QKeras 0.9.0 runs quantized_po2), as float64."""
    import tensorflow as tf

    return np.asarray(quantizer(tf.constant(np.asarray(values, dtype=np.float32))).numpy(), dtype=np.float64)
