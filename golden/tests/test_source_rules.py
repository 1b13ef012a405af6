"""Rules about the golden package's source: checks that survive `python -O`, and no dead public functions."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from golden import fast, reference
from golden.qformat import QFormat

GOLDEN = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("module", sorted(p for p in GOLDEN.rglob("*.py") if not p.relative_to(GOLDEN).parts[0].startswith("tests")), ids=lambda path: str(path.relative_to(GOLDEN)))
def test_no_assert_statements(module: Path) -> None:
    """`python -O` strips asserts: a check in a model must be an explicit raise."""
    tree = ast.parse(module.read_text(), filename=str(module))
    asserts = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert not asserts, f"{module.name}: assert statement(s) at line(s) {asserts}"


def test_fast_public_functions() -> None:
    """Every public function of golden.fast is a block model (unused helpers are removed, not kept)."""
    public = {
        name
        for name, value in vars(fast).items()
        if inspect.isfunction(value) and value.__module__ == fast.__name__ and not name.startswith("_")
    }
    assert public == {
        "dot_product",
        "row_by_matrix",
        "requantise",
        "requantise_to",
        "round_to_float32",
        "conv_sums",
        "conv1d_layer_step",
        "conv1d_step",
        "left_shift_buffer",
        "activation_cache",
        "causal_conv1d",
    }


def test_reference_accumulator_check_is_an_explicit_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a contract width one bit too narrow the reference's own check fires, as OverflowError."""
    fmt = QFormat(8, 6)
    monkeypatch.setattr(reference, "accumulator_width", lambda f, terms: 2 * f.width - 1)
    terms = [fmt.min_code] * 3  # 3 * 2^14 needs 17 signed bits, the patched width is 15
    with pytest.raises(OverflowError, match=r"dot_product: the sum 49152 of 3 products of Q\(8,6\) does not fit the "
                                            r"contract's 15-bit accumulator"):
        reference.dot_product(terms, terms, fmt)
