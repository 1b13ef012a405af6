"""Audit statistics count exactly what differs, and a report without comparisons never passes."""
from __future__ import annotations

import json

import numpy as np

from golden.audit import AuditReport, Comparison, LayerAudit, compare_codes, compare_float32, merge


def test_compare_codes_counts_and_sizes() -> None:
    expected = np.array([[0, 5, -7], [32767, -32768, 3]])
    actual = np.array([[0, 6, -7], [32765, -32768, 3]])
    result = compare_codes(expected, actual, "layer x", seed=11, width=16)
    assert (result.compared, result.mismatches, result.max_error_lsb) == (6, 2, 2)
    assert not result.passed
    assert "seed 11" in result.first_mismatch and "0x7FFF (32767)" in result.first_mismatch
    same = compare_codes(expected, expected.copy(), "layer x", seed=11, width=16)
    assert same.passed and same.first_mismatch is None


def test_shape_mismatch_is_total_failure() -> None:
    result = compare_codes(np.zeros((3, 2), dtype=np.int64), np.zeros((2, 2), dtype=np.int64), "out", seed=1, width=8)
    assert result.mismatches == result.compared == 6 and "shape mismatch" in result.first_mismatch


def test_merge_and_report(tmp_path) -> None:
    good = Comparison(10, 0, 0)
    bad = Comparison(5, 1, 3, "first")
    assert merge([good, bad]) == Comparison(15, 1, 3, "first")
    empty = Comparison(0, 0, 0)
    assert not empty.passed, "nothing compared is not a pass"
    report = AuditReport("m.h5", "m.yaml", {"random": 5}, good, merge([good]), [LayerAudit("c0", good, 4, good)])
    assert report.passed and "PASS" in report.table()
    path = report.write(tmp_path / "report.json")
    data = json.loads(path.read_text())
    assert data["qkeras_vs_golden"] == {"compared": 10, "mismatches": 0, "max_error_lsb": 0, "first_mismatch": None, "passed": True}
    assert data["layers"][0]["saturation_events"] == 4
    failing = AuditReport("m.h5", "m.yaml", {}, good, bad, [])
    assert not failing.passed and "FAIL" in failing.table()


def test_float32_comparison_counts_sizes_and_explains(tmp_path) -> None:
    """float32 predict's outputs against the exact codes, in LSBs of the output format (frac 4 here): counted,
    located, explained, reported -- and never part of the pass/fail."""
    exact = [np.array([[16, -3], [7, 0]]), np.array([[5, 5]])]
    float32 = [np.array([[1.0, -0.1875], [0.5, 0.0]]), np.array([[0.25, 0.375]])]  # codes 16, -3, 8, 0 and 4, 6
    result = compare_float32(exact, float32, ["sine", "random"], 4, {"c0": 20, "c1": 37})
    assert (result.compared, result.differing, result.max_error_lsb) == (6, 3, 1.0)
    assert result.first_index == ("sine", 1, 0) and "float32 8, exact 7" in result.first_difference
    assert "3 of 6 outputs differ" in result.summary() and "up to 37 (layer c1)" in result.summary()
    good = Comparison(6, 0, 0)
    report = AuditReport("m.h5", "m.yaml", {"sine": 2, "random": 1}, good, good, [], float32=result)
    assert report.passed and result.summary() in report.table()
    data = json.loads(report.write(tmp_path / "report.json").read_text())["qkeras_float32_vs_golden"]
    assert data["informational"] is True and data["differing"] == 3 and data["first_index"] == ["sine", 1, 0]
    same = compare_float32(exact[:1], [np.ldexp(exact[0].astype(float), -4)], ["sine"], 4, {"c0": 20})
    assert same.differing == 0 and same.first_index is None and "every sum fits" in same.summary()
