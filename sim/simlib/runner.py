"""Build a Verilator model for one parameter set and run a block's cocotb tests on it."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cocotb_tools.runner import get_runner

from simlib.seed import derived_seed
from synth.toolchain import verilator_environment

REPO = Path(__file__).resolve().parents[2]
RTL = REPO / "rtl"
BUILD = REPO / "build" / "sim"
OBJECT_CACHE = REPO / "build" / "objcache"  # Verilator's run-time library objects, shared by every build
# The RTL's assertions (`ifdef ASSERTIONS`, docs/regression.md) run in every simulation:
# a violated one stops the simulator with its label, and BlockRun.run fails the test with it.
ASSERTION_ARGS = ["--assert", "-DASSERTIONS"]
# cocotb's runner makes every internal signal VPI-visible (--public-flat-rw), which keeps Verilator from
# optimising them away: a network simulates 2x slower. Every bench reads and drives the top's ports only.
PORTS_ONLY_ARGS = ["--no-public-flat-rw", "--public-depth", "1"]


def rtl_sources(*modules: str) -> list[Path]:
    """The package first, then the named modules' files from rtl/."""
    paths = [RTL / "fixed_pkg.sv"] + [RTL / f"{name}.sv" for name in modules]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"RTL source not found: {', '.join(missing)}")
    return paths


UNOPTIMISED_FLAGS = ("OPT_FAST=-O0", "OPT_SLOW=-O0", "OPT_GLOBAL=-O0")  # the Verilated makefile's C++ levels
UNOPTIMISED = tuple(flag.split("=")[0] + "=" for flag in UNOPTIMISED_FLAGS)


def sv_string(text: str) -> str:
    """A string parameter as Verilator's -G wants it (quoted)."""
    return f'"{text}"'


@dataclass
class BlockRun:
    """One parameter set of one block: where it builds and what it is told.

    `parameters` become HDL parameters; `env` reaches the cocotb test (values
    the HDL does not take, such as F for a block that never requantises, go
    there as PARAM_<name>). The tag names the build directory after both, so
    no two parameter sets share a build.
    """

    toplevel: str
    modules: list[str]
    test_module: str
    parameters: dict[str, object]
    env: dict[str, object] = field(default_factory=dict)
    sources: list[Path] | None = None  # instead of rtl_sources(*modules), e.g. a generated top's list
    build_root: Path | None = None  # instead of build/sim/<toplevel>: callers that run concurrently own theirs
    # The C++ compile dominates a block bench (short simulations): -O0 builds it ~40% faster (82 s -> 49 s
    # measured). Long streams (the networks) keep the Verilated makefile's optimised default.
    optimised_cxx: bool = False

    @property
    def tag(self) -> str:
        settings = {k: v for k, v in self.parameters.items() if not str(k).endswith("FILE")}
        for key, value in self.env.items():
            name = key.removeprefix("PARAM_")
            if key.startswith("PARAM_") and name not in settings:
                settings[name] = value
        text = re.sub(r"[^A-Za-z0-9_.-]", "", "-".join(f"{k}{v}" for k, v in sorted(settings.items())))
        if len(text) > 120:  # e.g. weights baked into a parameter: a folder name must stay short
            text = f"{text[:80]}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
        return text

    @property
    def build_dir(self) -> Path:
        return (self.build_root or BUILD / self.toplevel) / self.tag

    def check_files(self) -> None:
        for name, value in self.parameters.items():
            if str(name).endswith("FILE"):
                path = Path(str(value).strip('"'))
                if not path.is_absolute() or not path.is_file():
                    raise FileNotFoundError(f"{self.toplevel} parameter {name}: no file at {path} (absolute path needed)")

    def run(self) -> Path:
        """Build and test; the results.xml path (pytest fails the test itself, other callers check it)."""
        self.check_files()
        # Verilator must be found by the runner's subprocesses: the runner copies os.environ.
        os.environ.update(verilator_environment(dict(os.environ), object_cache=OBJECT_CACHE))
        flags = [flag for flag in os.environ.get("MAKEFLAGS", "").split() if not flag.startswith(UNOPTIMISED)]
        os.environ["MAKEFLAGS"] = " ".join(flags if self.optimised_cxx else [*flags, *UNOPTIMISED_FLAGS])
        runner = get_runner("verilator")
        runner.build(
            sources=self.sources if self.sources is not None else rtl_sources(*self.modules),
            hdl_toplevel=self.toplevel,
            parameters=self.parameters,
            build_dir=self.build_dir,
            build_args=["-Wall", "-Wno-DECLFILENAME", "-O3", "--x-assign", "unique", "--x-initial", "unique",
                        *ASSERTION_ARGS, *PORTS_ONLY_ARGS],
            timescale=("1ns", "1ps"),
        )
        # Registers and memories without a reset start random, not zero, so a
        # missing reset shows up as a mismatch (reproducible: seeded per tag).
        state_seed = derived_seed(f"initial-state-{self.toplevel}-{self.tag}") % (1 << 31) + 1
        log = self.build_dir / "sim.log"
        try:
            return runner.test(
                hdl_toplevel=self.toplevel,
                test_module=self.test_module,
                test_dir=self.build_dir,  # results.xml lands per parameter set, never in the source tree
                build_dir=self.build_dir,
                plusargs=["+verilator+rand+reset+2", f"+verilator+seed+{state_seed}"],
                extra_env={"SIM_TAG": self.tag, **{key: str(value) for key, value in self.env.items()}},
                log_file=log,
            )
        except (SystemExit, RuntimeError) as failure:  # a failed test or simulator exit; name the assertion, if one fired
            assertions = violated_assertions(log)
            if assertions:
                raise AssertionError(f"{self.toplevel} {self.tag}: RTL assertion violated (log {log}):\n"
                                     + "\n".join(assertions)) from None
            raise AssertionError(f"{self.toplevel} {self.tag}: simulation failed ({failure}); log {log}") from None
        finally:
            if log.is_file():
                print(log.read_text())  # pytest shows it with the failure, as before the log went to a file


def violated_assertions(log: Path) -> list[str]:
    """Verilator's 'Assertion failed in <scope>.<label>' lines of a simulation log."""
    if not log.is_file():
        return []
    return [line.strip() for line in log.read_text(errors="replace").splitlines() if "Assertion failed" in line]
