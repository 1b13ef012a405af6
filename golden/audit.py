"""Audit bookkeeping: per-layer comparison statistics, the table and build/audit/report.json.

The audit (scripts/audit.py, `make audit`) compares three computations of one
model on one stimulus set: QKeras `predict` in float64, the golden network and
the RTL; and, for information only, QKeras `predict` in float32 (what a user's
TensorFlow session shows) against the golden output. This module only counts
and reports; it computes nothing itself.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from golden.atomic import write_text_atomic
from golden.compare import mismatch_report
from golden.layer_format import FLOAT32_SIGNIFICAND_BITS


@dataclass(frozen=True)
class Comparison:
    """Two computations of the same codes: how many were compared, how many differ, by how much."""

    compared: int
    mismatches: int
    max_error_lsb: int
    first_mismatch: str | None = None  # the readable report (index, expected, actual, seed) if any differ

    @property
    def passed(self) -> bool:
        return self.compared > 0 and self.mismatches == 0


def compare_codes(expected: np.ndarray, actual: np.ndarray, what: str, seed: int | None, width: int) -> Comparison:
    """Exact comparison; the error size is in LSBs of the format (integer codes)."""
    expected = np.asarray(expected)
    actual = np.asarray(actual)
    report = mismatch_report(expected, actual, what=what, seed=seed, width=width, limit=5)
    if expected.shape != actual.shape:
        return Comparison(compared=int(expected.size), mismatches=int(expected.size), max_error_lsb=-1, first_mismatch=report)
    difference = np.abs(expected.astype(np.int64) - actual.astype(np.int64))
    return Comparison(
        compared=int(expected.size),
        mismatches=int(np.count_nonzero(difference)),
        max_error_lsb=int(difference.max(initial=0)),
        first_mismatch=report,
    )


def merge(comparisons: list[Comparison]) -> Comparison:
    """Totals over several comparisons (layers or stimulus sets); keeps the first mismatch report."""
    reports = [c.first_mismatch for c in comparisons if c.first_mismatch]
    return Comparison(
        compared=sum(c.compared for c in comparisons),
        mismatches=sum(c.mismatches for c in comparisons),
        max_error_lsb=max((c.max_error_lsb for c in comparisons), default=0),
        first_mismatch=reports[0] if reports else None,
    )


@dataclass(frozen=True)
class Float32Comparison:
    """QKeras predict in float32 -- what a user running the model in a float32 TensorFlow session sees -- against
    the exact (golden) network output. Informational: float32 sums round, so differences are expected where an
    accumulator needs more than 24 bits; only the float64 comparison decides the audit."""

    compared: int
    differing: int
    max_error_lsb: float  # in LSBs of the output format (a fraction for a full-precision output's rounded sum)
    first_index: tuple[str, int, int] | None  # (stimulus set, time step, channel) of the first difference
    first_difference: str | None  # the same, readable, with the two values
    accumulator_bits: int  # the network's widest accumulator
    widest_layer: str

    def summary(self) -> str:
        """One paragraph: how many differ, by how much, the first, and why."""
        head = f"QKeras float32 predict vs golden (informational): {self.differing} of {self.compared} outputs differ"
        if self.differing:
            share = 100.0 * self.differing / max(self.compared, 1)
            return (f"{head} ({share:.2f}%), by at most {_number(self.max_error_lsb)} LSB; first "
                    f"{self.first_difference}. "
                    f"Why: float32 sums keep {FLOAT32_SIGNIFICAND_BITS} significant bits and this network's "
                    f"accumulators need up to {self.accumulator_bits} (layer {self.widest_layer}), so float32 rounds "
                    "them; the float64 comparison is exact and decides PASS/FAIL")
        if self.accumulator_bits <= FLOAT32_SIGNIFICAND_BITS:
            return f"{head}: every sum fits float32's {FLOAT32_SIGNIFICAND_BITS} significant bits"
        return (f"{head} on these inputs, though sums of up to {self.accumulator_bits} bits (layer "
                f"{self.widest_layer}) can round in float32 on others")


def compare_float32(golden: list[np.ndarray], float32: list[np.ndarray], sets: list[str], frac: int,
                    accumulators: dict[str, int]) -> Float32Comparison:
    """Per stimulus set, the golden output codes (T, OUT) against float32 predict's real outputs, in LSBs of an
    output format with `frac` fractional bits; `accumulators` maps each layer to its accumulator width."""
    compared, differing, largest, index, first = 0, 0, 0.0, None, None
    for name, codes, values in zip(sets, golden, float32):
        error = np.ldexp(np.asarray(values, dtype=np.float64), frac) - np.asarray(codes, dtype=np.float64)
        wrong = error != 0
        compared += int(error.size)
        differing += int(wrong.sum())
        largest = max(largest, float(np.abs(error).max(initial=0.0)))
        if first is None and wrong.any():
            t, channel = (int(i) for i in np.argwhere(wrong)[0])
            seen = _number(codes[t, channel] + error[t, channel])
            index = (name, t, channel)
            first = f"in {name} at time step {t}, channel {channel}: float32 {seen}, exact {int(codes[t, channel])}"
    widest = max(accumulators, key=accumulators.__getitem__)
    return Float32Comparison(compared, differing, largest, index, first, accumulators[widest], widest)


def _number(value: float) -> str:
    """An LSB count as written: an integer without a fraction or an exponent."""
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}"


@dataclass(frozen=True)
class LayerAudit:
    """One layer of the model against the golden network over the whole stimulus set."""

    name: str
    qkeras_vs_golden: Comparison
    saturation_events: int  # accumulators the golden model clipped to the format's range
    rtl_vs_golden: Comparison | None = None  # the RTL exposes the network output only: last layer


@dataclass
class AuditReport:
    model: str
    manifest: str
    stimulus: dict[str, int]  # stimulus set name -> samples
    qkeras_vs_golden: Comparison
    rtl_vs_golden: Comparison
    layers: list[LayerAudit]
    extra: dict[str, Any] = field(default_factory=dict)
    float32: Float32Comparison | None = None  # informational: never part of `passed`

    @property
    def passed(self) -> bool:
        return self.qkeras_vs_golden.passed and self.rtl_vs_golden.passed

    def to_json(self) -> dict[str, Any]:
        def comparison(c: Comparison | None) -> dict[str, Any] | None:
            if c is None:
                return None
            data = asdict(c)
            data["passed"] = c.passed
            return data

        return {
            "model": self.model,
            "manifest": self.manifest,
            "passed": self.passed,
            "stimulus": self.stimulus,
            "qkeras_vs_golden": comparison(self.qkeras_vs_golden),
            "rtl_vs_golden": comparison(self.rtl_vs_golden),
            "qkeras_float32_vs_golden": None if self.float32 is None else {
                **asdict(self.float32), "informational": True, "summary": self.float32.summary()},
            "layers": [
                {
                    "name": layer.name,
                    "qkeras_vs_golden": comparison(layer.qkeras_vs_golden),
                    "rtl_vs_golden": comparison(layer.rtl_vs_golden),
                    "saturation_events": layer.saturation_events,
                }
                for layer in self.layers
            ],
            **self.extra,
        }

    def table(self) -> str:
        """The per-layer table the audit prints."""
        header = f"{'layer':<16} {'compared':>10} {'mismatches':>10} {'max err LSB':>11} {'saturations':>11} {'RTL compared':>12} {'RTL mismatches':>14}"
        rows = [header, "-" * len(header)]
        for layer in self.layers:
            rtl = layer.rtl_vs_golden
            rows.append(
                f"{layer.name:<16} {layer.qkeras_vs_golden.compared:>10} {layer.qkeras_vs_golden.mismatches:>10} "
                f"{layer.qkeras_vs_golden.max_error_lsb:>11} {layer.saturation_events:>11} "
                f"{rtl.compared if rtl else '-':>12} {rtl.mismatches if rtl else '-':>14}"
            )
        rows.append("-" * len(header))
        q, r = self.qkeras_vs_golden, self.rtl_vs_golden
        rows.append(f"QKeras (float64) vs golden: {q.compared} codes compared, {q.mismatches} mismatches")
        rows.append(f"RTL vs golden:              {r.compared} codes compared, {r.mismatches} mismatches")
        if self.float32 is not None:
            rows.append(self.float32.summary())
        rows.append("PASS" if self.passed else "FAIL")
        return "\n".join(rows)

    def write(self, path: Path) -> Path:
        return write_text_atomic(path, json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
