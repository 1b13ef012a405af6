"""Fixtures: the stimulus seed (from $GOLDEN_SEED) and one seeded generator per test."""
from __future__ import annotations

from collections.abc import Generator

import numpy as np
import pytest

from golden.tests.stimulus import SEED_VARIABLE, golden_seed, make_rng


def pytest_configure(config: pytest.Config) -> None:
    """Reject a malformed $GOLDEN_SEED before any test runs."""
    try:
        golden_seed()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_report_header() -> str:
    return f"golden stimulus seed: {SEED_VARIABLE}={golden_seed()}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Every failing test's report carries the seed, whatever the assertion that failed."""
    report = yield
    if report.failed:
        report.sections.append(("golden seed", f"reproduce with {SEED_VARIABLE}={golden_seed()} ({item.nodeid})"))
    return report


@pytest.fixture(scope="session")
def seed() -> int:
    return golden_seed()


@pytest.fixture
def rng(seed: int, request: pytest.FixtureRequest) -> np.random.Generator:
    """Stream fixed by (seed, module, test name with parameters): reproducible one test at a time."""
    return make_rng(seed, f"{request.module.__name__}::{request.node.name}")
