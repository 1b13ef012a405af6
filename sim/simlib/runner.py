"""Build a Verilator model for one parameter set and run a block's cocotb tests on it."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cocotb_tools.runner import get_runner

from simlib.toolchain import verilator_environment

REPO = Path(__file__).resolve().parents[2]
RTL = REPO / "rtl"
BUILD = REPO / "build" / "sim"


def rtl_sources(*modules: str) -> list[Path]:
    """The package first, then the named modules' files from rtl/."""
    paths = [RTL / "fixed_pkg.sv"] + [RTL / f"{name}.sv" for name in modules]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"RTL source not found: {', '.join(missing)}")
    return paths


def sv_string(text: str) -> str:
    """A string parameter as Verilator's -G wants it (quoted)."""
    return f'"{text}"'


@dataclass
class BlockRun:
    """One parameter set of one block: where it builds and what it is told."""

    toplevel: str
    modules: list[str]
    test_module: str
    parameters: dict[str, object]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        text = "-".join(f"{k}{v}" for k, v in sorted(self.parameters.items()) if not str(k).endswith("FILE"))
        return re.sub(r"[^A-Za-z0-9_.-]", "", text)

    @property
    def build_dir(self) -> Path:
        return BUILD / self.toplevel / self.tag

    def run(self) -> None:
        # Verilator must be found by the runner's subprocesses: the runner copies os.environ.
        os.environ.update(verilator_environment(dict(os.environ)))
        runner = get_runner("verilator")
        runner.build(
            sources=rtl_sources(*self.modules),
            hdl_toplevel=self.toplevel,
            parameters=self.parameters,
            build_dir=self.build_dir,
            build_args=["-Wall", "-Wno-DECLFILENAME", "-O3", "--x-assign", "unique", "--x-initial", "unique"],
            timescale=("1ns", "1ps"),
        )
        runner.test(
            hdl_toplevel=self.toplevel,
            test_module=self.test_module,
            test_dir=self.build_dir,  # results.xml lands per parameter set, never in the source tree
            build_dir=self.build_dir,
            extra_env={key: str(value) for key, value in self.env.items()},
        )
