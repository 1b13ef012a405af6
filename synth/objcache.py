"""A compiler-command prefix for Verilator's OBJCACHE hook: reuse the run-time library's objects.

Every Verilated model compiles Verilator's run-time library (verilated.cpp, verilated_vpi.cpp,
verilated_threads.cpp, ...) again; for a small block that is about 80% of its build. The
objects depend only on the compile command and on Verilator's own headers, so one copy
serves every block built with the same flags. This wrapper (`OBJCACHE="python -m
synth.objcache"`, set by synth.toolchain.verilator_environment) runs the compiler and keeps the object and its
dependency file when every dependency lies outside the build directory; the next identical
command copies them instead of compiling. Anything that includes a generated header (the
model's own files, cocotb's main) always compiles. There is no ccache on a fresh machine,
hence this.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CACHE_ENV = "WAVENET_OBJCACHE_DIR"


def output_and_source(args: list[str]) -> tuple[Path, Path] | None:
    """The object a `-c` compile writes and the source it reads, or None for any other command."""
    if "-c" not in args:
        return None
    sources = [Path(a) for a in args if a.endswith((".cpp", ".cc", ".c"))]
    if len(sources) != 1:
        return None
    source = sources[0]
    if "-o" in args:
        output = Path(args[args.index("-o") + 1])
    else:
        output = Path(source.with_suffix(".o").name)
    return output, source


def dependencies(depfile: Path) -> list[str]:
    """The prerequisites a -MMD dependency file lists (the target and -MP's phony rules left out)."""
    text = depfile.read_text().replace("\\\n", " ")
    first_rule = text.split("\n\n")[0]
    _, _, prerequisites = first_rule.partition(":")
    return prerequisites.split()


def cache_key(args: list[str], source: Path) -> str:
    stat = source.stat()
    text = "\0".join([*args, str(source.resolve()), str(stat.st_size), str(stat.st_mtime_ns),
                      shutil.which(args[0]) or args[0]])
    return hashlib.sha256(text.encode()).hexdigest()


def compile_cached(args: list[str], cache: Path) -> int:
    target = output_and_source(args)
    if target is None or not target[1].is_absolute():
        return subprocess.call(args)  # only library sources named by absolute path are candidates
    output, source = target
    depfile = output.with_suffix(".d")
    entry = cache / cache_key(args, source)
    if (entry / "object").is_file() and (entry / "deps").is_file():
        shutil.copyfile(entry / "object", output)
        shutil.copyfile(entry / "deps", depfile)
        return 0
    status = subprocess.call(args)
    if status != 0 or not output.is_file() or not depfile.is_file():
        return status
    here = Path.cwd().resolve()
    if all(Path(dep).is_absolute() and not Path(dep).resolve().is_relative_to(here)
           for dep in dependencies(depfile)):
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=cache, prefix=".tmp-"))
        shutil.copyfile(output, staging / "object")
        shutil.copyfile(depfile, staging / "deps")
        try:
            staging.rename(entry)  # atomic: a concurrent build either sees the whole entry or none
        except OSError:  # another build stored the same entry first
            shutil.rmtree(staging, ignore_errors=True)
    return 0


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print("usage: python -m synth.objcache <compiler> <arguments...>", file=sys.stderr)
        return 2
    cache = os.environ.get(CACHE_ENV)
    if not cache:
        return subprocess.call(args)
    return compile_cached(args, Path(cache))


if __name__ == "__main__":
    sys.exit(main())
