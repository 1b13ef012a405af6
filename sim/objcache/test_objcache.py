"""synth.objcache: a library object compiles once and is reused; a generated header is never cached."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from synth.objcache import CACHE_ENV

FAKE_COMPILER = """#!/bin/sh
# Stands in for c++: logs each call, writes the object and a -MMD dependency file naming $DEPS.
echo call >> "$CALLS"
out=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
echo "object of $SOURCE_TEXT" > "$out"
printf '%s: %s\\n' "$out" "$DEPS" > "${out%.o}.d"
"""


def compile_via_cache(tmp_path: Path, build: str, source: Path, deps: str) -> tuple[int, str]:
    """Run the wrapper in build dir `build` on `source`; (compiler calls so far, object text)."""
    build_dir = tmp_path / build
    build_dir.mkdir(exist_ok=True)
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache"), "CALLS": str(tmp_path / "calls"),
           "DEPS": deps, "SOURCE_TEXT": source.read_text().strip()}
    subprocess.run([sys.executable, "-m", "synth.objcache", str(tmp_path / "cxx"), "-O0", "-MMD", "-c",
                    "-o", "lib.o", str(source)], cwd=build_dir, env=env, check=True)
    calls = len((tmp_path / "calls").read_text().split())
    assert (build_dir / "lib.d").read_text().startswith("lib.o:"), "the dependency file was not restored"
    return calls, (build_dir / "lib.o").read_text().strip()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    compiler = tmp_path / "cxx"
    compiler.write_text(FAKE_COMPILER)
    compiler.chmod(compiler.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def test_library_object_compiles_once(workspace: Path) -> None:
    source = workspace / "verilated.cpp"
    source.write_text("library v1")
    assert compile_via_cache(workspace, "a", source, f"{source} /usr/include/stdio.h") == (1, "object of library v1")
    assert compile_via_cache(workspace, "b", source, f"{source} /usr/include/stdio.h") == (1, "object of library v1")
    # an edited source is a new entry, never the stale object
    source.write_text("library v2 (longer)")
    assert compile_via_cache(workspace, "c", source, str(source)) == (2, "object of library v2 (longer)")


def test_object_with_a_generated_header_always_compiles(workspace: Path) -> None:
    source = workspace / "main.cpp"
    source.write_text("main")
    for expected_calls, build in ((1, "a"), (2, "b")):
        calls, _ = compile_via_cache(workspace, build, source, f"{source} Vtop.h")
        assert calls == expected_calls, f"build {build}: an object depending on the model's Vtop.h was reused"
