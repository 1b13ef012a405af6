"""Audit bookkeeping: per-layer comparison statistics, the table and build/audit/report.json.

The audit (scripts/audit.py, `make audit`) compares three computations of one
model on one stimulus set: QKeras `predict` in float64, the golden network and
the RTL. This module only counts and reports; it computes nothing itself.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from golden.atomic import write_text_atomic
from golden.compare import mismatch_report


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
        rows.append("PASS" if self.passed else "FAIL")
        return "\n".join(rows)

    def write(self, path: Path) -> Path:
        return write_text_atomic(path, json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
