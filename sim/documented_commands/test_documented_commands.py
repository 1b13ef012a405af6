"""Every command README.md and docs/*.md show a user, run in a fast mode: no documented command breaks silently.

The documents' code blocks (indented or fenced) are parsed for `make <target> [VAR=...]`,
`[.venv/bin/]python scripts/<name>.py ...`, `scripts/<name>.py ...` and `.venv/bin/pytest ...` lines. Each
command is keyed by what selects its code path -- the make target and the variables set, the script and its
options, pytest's paths and options -- not by the values, and SMOKE maps every key to a fast invocation:

* a make target: `make -n` with the documented variables must expand (and print what the entry expects); then
  the script line of that expansion runs as make would run it, plus fast arguments (a tiny grid, an --out of
  our own), or, for a target that runs a test suite, pytest collects that suite (`make test` runs the suites
  themselves);
* what places and routes (make synth, pareto, synth-blocks) runs through stop_before.py: for real up to the
  first yosys call (arguments, part, model, RATE choice, network generation, amaranth board top), then stops;
* what needs TensorFlow (make model, make audit, export_model.py) runs through stop_before.py up to the first
  TensorFlow import, whether or not the `train` extra is installed (make test installs it beside make sim, so
  its presence is no constant here); golden/tests_qkeras runs audit.py, export_model.py and
  build_example_model.py for real (test_audit_cli.py, test_load.py, test_export.py);
* a script: a real run on a small input (gen_network.py on a committed model; stream_board.py through a pty to
  the model board of synth/tests/test_stream_board.py).

A documented command without a SMOKE entry fails test_every_documented_command_has_a_smoke_entry (naming it
and its line), an entry no document shows any more fails test_every_smoke_entry_is_documented, a make target
outside the `train` extra that would install TensorFlow fails its run, and every script in scripts/ must answer
--help (its imports). A failed run reports the command, its exit status and the tail of its output. Scratch
output goes to pytest's tmp_path, or build/sim/documented_commands/ where the yowasp tools need paths inside
the repository; nothing of build/synth, build/audit or build/plots is touched.

Why sim/ (make sim): the runs need Verilator and cocotb (make plots simulates the RTL), yosys's amaranth
elaboration and make -- the base venv, not TensorFlow -- and make sim spreads its tests over the workers
(worksteal) and lists the slowest. One test per entry; about 15 s on 2 cores.
"""
from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from simlib.runner import REPO

HERE = Path(__file__).resolve().parent
STOP_BEFORE = HERE / "stop_before.py"
STOP_MARK = "smoke: stopped before"
SCRATCH = REPO / "build" / "sim" / "documented_commands"
DOCUMENTS = ["README.md", *sorted(str(path.relative_to(REPO)) for path in (REPO / "docs").glob("*.md"))]
TAIL_LINES = 40


# --- the documents -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Documented:
    document: str
    line: int
    text: str
    key: str

    def where(self) -> str:
        return f"{self.document}:{self.line}"


COMMAND_START = re.compile(r"^(?:[A-Za-z_]\w*=(?:\"[^\"]*\"|'[^']*'|\S+)\s+)*"  # VAR=value ... first
                           r"(?:make\b|(?:\S*/)?python3?\s+scripts/|scripts/\S+\.py\b|(?:\S*/)?pytest\b)")
ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)=")
OPTION = re.compile(r"^\[?(--?[A-Za-z][\w-]*)")


def code_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, stripped text) of every code-block line: fenced, or indented by 4+ spaces or a tab.
    A line ending in a backslash continues on the next one (numbered by its first line)."""
    fenced = False
    pending: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not (fenced or line.startswith(("    ", "\t"))):
            pending = None
            continue
        stripped = line.strip()
        if pending is not None:
            number, stripped = pending[0], f"{pending[1]} {stripped}"
        if stripped.endswith("\\"):
            pending = (number, stripped[:-1].rstrip())
            continue
        pending = None
        yield number, stripped


def command_key(text: str) -> str | None:
    """`make synth FREQ= RATE=`, `scripts/gen_network.py --out --rate`, `pytest sim/conv1d -k -q`: what picks
    the code path (target and variables, script and options, pytest's paths and options), not the values."""
    try:
        tokens = shlex.split(text, comments=True)
    except ValueError:  # an unbalanced quote in prose-like text: plain words
        tokens = text.split()
    environment = []
    while tokens and ASSIGNMENT.match(tokens[0]):
        environment.append(ASSIGNMENT.match(tokens.pop(0)).group(1))
    if not tokens:
        return None
    program, rest = tokens[0], tokens[1:]
    if program == "make":
        variables = environment + [m.group(1) for token in rest if (m := ASSIGNMENT.match(token))]
        targets = [token for token in rest if not ASSIGNMENT.match(token) and not token.startswith("-")]
        return " ".join(["make", *(targets or ["all"]), *sorted({f"{name}=" for name in variables})])
    if Path(program).name in ("python", "python3"):
        if not rest or not rest[0].startswith("scripts/"):
            return None
        program, rest = rest[0], rest[1:]
    options = sorted({m.group(1) for token in rest if (m := OPTION.match(token))})
    suffix = sorted({f"{name}=" for name in environment})
    if program.startswith("scripts/") and program.endswith(".py"):
        return " ".join([program, *options, *suffix])
    if Path(program).name == "pytest":
        paths = [token for token in rest if "/" in token and not token.startswith("-")]
        return " ".join(["pytest", *paths, *options, *suffix])
    return None


def documented_commands(documents: list[str] = DOCUMENTS) -> list[Documented]:
    found = []
    for document in documents:
        for number, text in code_lines((REPO / document).read_text()):
            if COMMAND_START.match(text) and (key := command_key(text)) is not None:
                found.append(Documented(document, number, text, key))
    return found


# --- the smoke table -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One command. `{recipe}` as the first word: the script or pytest line `make -n` printed for the entry
    (its python made this one); `{tmp}` pytest's tmp_path, `{scratch}` a folder under build/ (for the
    yowasp tools, which see only the repository); `{port}` a pty served by the model board."""
    argv: tuple[str, ...]
    stop: str | None = None  # "tools" / "tensorflow": through stop_before.py, which must report the stop
    status: int = 0
    expect: tuple[str, ...] = ()  # fragments of its output
    files: tuple[str, ...] = ()  # paths it must write ({tmp}/{scratch} expanded)
    timeout: float = 300


@dataclass(frozen=True)
class Smoke:
    make: tuple[str, ...] = ()  # `make -n` arguments: the target and the documented variables
    expands: tuple[str, ...] = ()  # fragments `make -n` must print
    train: bool = False  # the target installs the `train` extra (TensorFlow); no other may
    runs: tuple[Run, ...] = ()
    prepare: Callable[[Path], None] | None = None  # makes the tiny inputs in tmp_path
    check: Callable[[Path], None] | None = None  # a check of its own after the runs
    seconds: float = 1.0  # rough cost; the expensive entries are collected first so workers start them early
    why: str = ""  # what is reduced, and why


COLLECT = ("{recipe}", "--collect-only", "-n", "0")  # with the recipe's -q: node ids and "N tests collected"
SUITE_COLLECTED = (" collected",)
GENERATED = ("wrote ",)


def lint_input(tmp: Path) -> None:
    (tmp / "rtl").mkdir()
    for name in ("fixed_pkg.sv", "requantise.sv"):
        shutil.copy(REPO / "rtl" / name, tmp / "rtl" / name)


STREAM_SAMPLES = 48


def stream_inputs(tmp: Path) -> None:
    """fpga's four inputs as real numbers (CSV) and a mono 16-bit WAV (the other three inputs from --constants)."""
    phase = np.arange(STREAM_SAMPLES) / 16.0
    triangle = 2 * np.abs(2 * (phase - np.floor(phase + 0.5))) - 1
    rows = [f"{value:.4f},0,1,0" for value in triangle]
    (tmp / "in.csv").write_text("\n".join(rows) + "\n")
    with wave.open(str(tmp / "triangle.wav"), "wb") as stream:
        stream.setnchannels(1)
        stream.setsampwidth(2)
        stream.setframerate(48000)
        stream.writeframes(np.rint(triangle * 32000).astype("<i2").tobytes())


def clean_in_a_copy(tmp: Path) -> None:
    """`make clean` for real, on a copy of the Makefile beside a build/ of its own: build/ goes, the rest stays."""
    folder = tmp / "clean"
    (folder / "build" / "sim").mkdir(parents=True)
    (folder / "build" / "sim" / "x.log").write_text("old")
    (folder / "keep.txt").write_text("source")
    shutil.copy(REPO / "Makefile", folder / "Makefile")
    result = subprocess.run(["make", "--no-print-directory", "-C", str(folder), "clean"], capture_output=True,
                            text=True, env=child_environment(), timeout=60)
    report(result.args, result, 0, "make clean in a copy of the Makefile")
    assert not (folder / "build").exists(), "make clean left build/"
    assert (folder / "keep.txt").exists() and (folder / "Makefile").exists(), "make clean removed more than build/"


def stop(argv: tuple[str, ...], stop: str, *expect: str) -> Run:
    return Run(argv, stop=stop, expect=expect)


SYNTH_OUT = ("--out", "{scratch}")
SMOKE: dict[str, Smoke] = {
    # --- the test suites: make test runs them; here their targets expand and their suites collect
    "make test": Smoke(
        make=("test",), train=True,
        expands=("pytest -q -n 2 golden/tests", "scripts/lint_rtl.py", "pytest -q -n 2 synth/tests",
                 "sim --ignore=sim/formal", "pytest -q -n 2 sim/formal", "golden/tests_qkeras",
                 "scripts/synth_network.py --model golden/models/mcu.yaml"),
        why="make -n only: make test is what CI runs, every suite and synth-ci in full"),
    "make sim": Smoke(make=("sim",), runs=(Run(COLLECT, expect=SUITE_COLLECTED),), why="collects the suite"),
    "make formal": Smoke(make=("formal",), runs=(Run(COLLECT, expect=SUITE_COLLECTED),), why="collects the suite"),
    "make golden-test": Smoke(make=("golden-test",), runs=(Run(COLLECT, expect=SUITE_COLLECTED),),
                              why="collects the suite"),
    "make synth-check": Smoke(make=("synth-check",), runs=(Run(COLLECT, expect=SUITE_COLLECTED),),
                              why="collects the suite"),
    "make qkeras-test": Smoke(
        make=("qkeras-test",), train=True, expands=("TF_NUM_INTRAOP_THREADS=1", "pytest -q -n 2 golden/tests_qkeras"),
        why="make -n only: collecting golden/tests_qkeras imports TensorFlow (make test runs the suite)"),
    "pytest sim/conv1d -q": Smoke(runs=(Run((sys.executable, "-m", "pytest", "-q", "sim/conv1d", "--collect-only"),
                                            expect=SUITE_COLLECTED),), why="collects the bench (make sim runs it)"),
    "pytest sim/conv1d -k -q": Smoke(
        runs=(Run((sys.executable, "-m", "pytest", "-q", "sim/conv1d", "-k", "trunc", "--collect-only"),
                  expect=SUITE_COLLECTED),), why="the -k filter still selects some of the bench's cases"),
    "make lint": Smoke(make=("lint",), prepare=lint_input,
                       runs=(Run(("{recipe}", "--rtl", "{tmp}/rtl"), expect=("lint ok: requantise SHIFT=-3",)),),
                       why="lints requantise (and its variants) alone: make lint runs every module in CI"),
    "make clean": Smoke(make=("clean",), expands=("rm -rf build",), check=clean_in_a_copy,
                        why="runs for real on a copy of the Makefile in tmp_path"),
    # --- pictures, audit, training
    "make plots": Smoke(
        make=("plots",), seconds=20,
        runs=(Run(("{recipe}", "--grid", "2", "--periods", "1", "--out", "{tmp}/plots"),
                  expect=("wrote 5 pictures", "RTL == golden on every sample"),
                  files=("{tmp}/plots/corner_sine.png", "{tmp}/plots/embedding_grid.png")),),
        why="the RTL in Verilator on a 2x2 grid and one period"),
    "make model": Smoke(make=("model",), train=True,
                        runs=(stop(("{recipe}", "--out-dir", "{tmp}"), "tensorflow", "== fpga:"),),
                        why="up to TensorFlow: arguments, the model registry, the first model's settings"),
    "make audit MODEL=": Smoke(
        make=("audit", "MODEL=golden/models/fpga.h5"), train=True, expands=("scripts/audit.py golden/models/fpga.h5",),
        runs=(stop(("{recipe}", "--out", "{tmp}/audit"), "tensorflow"),),
        why="up to TensorFlow (arguments, the model file checks); golden/tests_qkeras/test_audit_cli.py runs it"),
    "make audit INPUT_FORMAT= MODEL=": Smoke(
        make=("audit", "MODEL=golden/models/seed_fpga.h5", "INPUT_FORMAT=Q(16,12)"), train=True,
        expands=('--input-format "Q(16,12)"',), runs=(stop(("{recipe}", "--out", "{tmp}/audit"), "tensorflow"),),
        why="as make audit MODEL="),
    "scripts/export_model.py --out": Smoke(
        runs=(stop((sys.executable, "scripts/export_model.py", "golden/models/mcu.h5", "--out", "{tmp}/my.yaml"),
                   "tensorflow"),),
        why="up to TensorFlow; golden/tests_qkeras (test_export.py, test_load.py) runs it"),
    # --- place and route: everything up to the first yosys call
    "make synth": Smoke(make=("synth",), runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "(board build"),),
                        why="stops before yosys (network and board top generated)"),
    "make synth DEVICE= FREQ= MODEL=": Smoke(
        make=("synth", "MODEL=golden/models/mcu.yaml", "DEVICE=LFE5UM5G-45F", "FREQ=125"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "mcu.yaml -> LFE5UM5G-45F CABGA554 speed 8 at 125 MHz"),),
        why="stops before yosys"),
    "make synth DEVICE= PACKAGE= SPEED=": Smoke(
        make=("synth", "DEVICE=LFE5U-25F", "PACKAGE=CABGA256", "SPEED=6"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "(out-of-context build"),), why="stops before yosys"),
    "make synth FREQ= RATE=": Smoke(
        make=("synth", "RATE=192000", "FREQ=150"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "picked shared pool P=2"),), why="stops before yosys"),
    "make synth FREQ= MODEL= RATE=": Smoke(
        make=("synth", "MODEL=golden/models/wavenet.yaml", "RATE=192000", "FREQ=150"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "wavenet.yaml -> LFE5UM5G-85F", "picked per-layer"),),
        why="stops before yosys (the graph network generated, its rate plan picked)"),
    "make synth MODEL=": Smoke(
        make=("synth", "MODEL=golden/models/seed_fpga.yaml"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "seed_fpga.yaml -> LFE5UM5G-85F"),), why="stops before yosys"),
    "make synth AUDIO_RATE= BOARD=": Smoke(
        make=("synth", "BOARD=pmod", "AUDIO_RATE=192000"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "eurorack-pmod at 192,046.4 Hz", "latency 2 frames"),),
        why="stops before yosys (PLL, plan, channel map and the audio top elaborated)"),
    "make synth AUDIO_RATE= BOARD= FREQ=": Smoke(
        make=("synth", "BOARD=pmod", "AUDIO_RATE=48000", "FREQ=150"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "eurorack-pmod at 48,027.7 Hz"),), why="stops before yosys"),
    "make synth BOARD= CHANNEL_MAP= MODEL=": Smoke(
        make=("synth", "BOARD=pmod", "MODEL=golden/models/seed_fpga.yaml", "CHANNEL_MAP=golden/audio/seeds_map.yaml"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "eurorack-pmod", "seed_fpga.yaml -> LFE5UM5G-85F"),),
        why="the committed seed model and the default map stand in for the user's; stops before yosys"),
    "make seeds DEVICE= MODEL= SEEDS=": Smoke(
        make=("seeds", "MODEL=golden/models/mcu.yaml", "DEVICE=LFE5UM5G-45F", "SEEDS=1-2"),
        runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "mcu.yaml -> LFE5UM5G-45F"),),
        why="the sweep's jobs run in this process (synth.sweep.IN_PROCESS) and stop before the first yosys"),
    "make synth SEEDS=": Smoke(
        make=("synth", "SEEDS=1-2"), runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "(board build"),),
        why="stops before yosys"),
    "make synth-blocks": Smoke(make=("synth-blocks",), runs=(stop(("{recipe}", *SYNTH_OUT), "tools"),),
                               why="stops before the first block's yosys"),
    "make pareto": Smoke(make=("pareto",), runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "pareto [1/17] P1"),),
                         why="stops before the first point's yosys"),
    "make pareto POINTS=": Smoke(
        make=("pareto", "POINTS=P2,64"), runs=(stop(("{recipe}", *SYNTH_OUT), "tools", "pareto [1/2] P2"),),
        why="stops before the first point's yosys"),
    # --- the generator: real runs on the committed models
    "scripts/gen_network.py --out": Smoke(
        runs=(Run((sys.executable, "scripts/gen_network.py", "golden/models/fpga.yaml", "--out", "{tmp}/fpga"),
                  expect=("wavenet_fpga: 3 layers", *GENERATED), files=("{tmp}/fpga/wavenet_fpga.sv",)),)),
    "scripts/gen_network.py --cycles-per-sample --out": Smoke(
        runs=(Run((sys.executable, "scripts/gen_network.py", "golden/models/fpga.yaml", "--out", "{tmp}/D",
                   "--cycles-per-sample", "781"), expect=("one pool of 2", *GENERATED)),)),
    "scripts/gen_network.py --device --freq --out --rate": Smoke(
        runs=(Run((sys.executable, "scripts/gen_network.py", "golden/models/fpga.yaml", "--out", "{tmp}/D",
                   "--rate", "192000", "--freq", "150", "--device", "LFE5UM5G-45F"),
                  expect=("picked shared pool P=2", *GENERATED)),)),
    "scripts/gen_network.py --cycles-per-sample --out --parallelism --pool --structure --top": Smoke(
        runs=(Run((sys.executable, "scripts/gen_network.py", "golden/models/fpga.yaml", "--out", "{tmp}/A",
                   "--top", "smoke_top", "--cycles-per-sample", "32", "--parallelism", "qconv_1=4x8",
                   "--structure", "per-layer"), expect=("smoke_top: 3 layers", "LANES=4   COLS=8", *GENERATED)),
              Run((sys.executable, "scripts/gen_network.py", "golden/models/fpga.yaml", "--out", "{tmp}/B",
                   "--structure", "shared", "--pool", "3"), expect=("one pool of 3", *GENERATED))),
        why="two runs: the per-layer options, then the shared pool's"),
    "scripts/bench_generator.py --compare": Smoke(
        runs=(Run((sys.executable, "scripts/bench_generator.py", "golden/models/scale/scale_w16_l3.yaml", "--compare"),
                  expect=("| scale_w16_l3 | 1,536 | 3 | 16 | shared P=2, 2 DSPs, 768 cycles |",
                          "same (41 candidates)")),),
        why="the family's smallest member (docs/results.md shows the whole family)"),
    "scripts/make_scale_family.py --check": Smoke(
        runs=(Run((sys.executable, "scripts/make_scale_family.py", "--check")),), seconds=6,
        why="a real run: golden/models/scale/ is what the script writes, member for member"),
    "scripts/render_audio.py --cv1 --cv2 --plot": Smoke(
        prepare=stream_inputs,
        runs=(Run((sys.executable, "scripts/render_audio.py", "{tmp}/triangle.wav", "{tmp}/out.wav", "--cv1", "0.2",
                   "--cv2", "0.7", "--plot", "{tmp}/scope.png"), files=("{tmp}/out.wav", "{tmp}/scope.png")),),
        why="the golden pmod path on the stream smoke's triangle WAV"),
    # --- the host side of the board, through a pty to the model board (golden network behind the protocol)
    "scripts/stream_board.py --baud --model --port --real": Smoke(
        prepare=stream_inputs,
        runs=(Run((sys.executable, "scripts/stream_board.py", "{tmp}/in.csv", "{tmp}/out.csv", "--port", "{port}",
                   "--baud", "1000000", "--model", "golden/models/fpga.yaml", "--real"),
                  expect=(f"{STREAM_SAMPLES} samples in",), files=("{tmp}/out.csv",)),),
        why="the board is the model of synth/tests/test_stream_board.py on a pty"),
    "scripts/stream_board.py --constants --port": Smoke(
        prepare=stream_inputs,
        runs=(Run((sys.executable, "scripts/stream_board.py", "{tmp}/triangle.wav", "{tmp}/shaped.wav", "--port",
                   "{port}", "--constants", "1,0,0"), expect=(f"{STREAM_SAMPLES} samples in",),
                  files=("{tmp}/shaped.wav",)),),
        why="as above, WAV in and out"),
}


# --- running -----------------------------------------------------------------------------------------------------
def child_environment() -> dict[str, str]:
    """Ours, without what a parent make or pytest-xdist left in it (a jobserver the child cannot reach, the
    worker's identity)."""
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER",
            "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"}
    return {name: value for name, value in os.environ.items() if name not in drop}


def tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def report(argv, result: subprocess.CompletedProcess, status: int, what: str, problem: str = "") -> None:
    """Fail with the command, its exit status and the tail of its output, unless it exited `status`."""
    if result.returncode == status and not problem:
        return
    output = (result.stdout or "") + (result.stderr or "")
    pytest.fail(f"{what}\n$ {shlex.join(map(str, argv))}\nexit status {result.returncode} (expected {status})"
                + (f"; {problem}" if problem else "") + f"\n--- last {TAIL_LINES} lines of its output ---\n"
                + tail(output), pytrace=False)


# what `make -n` prints for the `train` extra's install while .venv/.installed-train is missing (as in CI's
# make sim, which runs beside that install): a target outside `train` that prints it would pull TensorFlow in
TRAIN_INSTALL = "['optional-dependencies']['train']"


def make_dry_run(arguments: tuple[str, ...], expands: tuple[str, ...], train: bool, what: str) -> list[str]:
    """`make -n` of the documented target: the recipe lines it prints (continuations joined)."""
    argv = ["make", "-n", "--no-print-directory", "-C", str(REPO), *arguments]
    result = subprocess.run(argv, capture_output=True, text=True, env=child_environment(), timeout=60)
    report(argv, result, 0, what)
    problems = [f"its expansion lacks {fragment!r}" for fragment in expands if fragment not in result.stdout]
    if not train and TRAIN_INSTALL in result.stdout:
        problems.append("it installs the `train` extra (TensorFlow), which it does not need")
    report(argv, result, 0, what, "; ".join(problems))
    return [line.strip() for line in result.stdout.replace("\\\n", " ").splitlines() if line.strip()]


def recipe_command(lines: list[str], argv: list[str], what: str) -> list[str]:
    """The one `$(PY) scripts/...` or `$(PYTEST) ...` line of the recipe, as words, run by our python."""
    commands = []
    for line in lines:
        try:
            words = shlex.split(line)
        except ValueError:  # not a command of ours (make's own messages, shell constructs)
            continue
        while words and ASSIGNMENT.match(words[0]):
            words.pop(0)
        if len(words) >= 2 and words[0] == ".venv/bin/python" and words[1].startswith("scripts/"):
            commands.append([sys.executable, *words[1:]])
        elif words and words[0] == ".venv/bin/pytest":
            commands.append([sys.executable, "-m", "pytest", *words[1:]])
    if len(commands) != 1:
        pytest.fail(f"{what}\n$ {shlex.join(argv)}\nprinted {len(commands)} script or pytest lines, expected one:\n"
                    + "\n".join(lines), pytrace=False)
    return commands[0]


class ModelBoardOnPty:
    """A pty whose far end is the model board (golden network behind the UART protocol) for fpga.yaml."""

    def __enter__(self) -> str:
        from golden.manifest import load_manifest
        from synth.tests.test_stream_board import ModelBoard

        self.master, self.slave = os.openpty()
        self.board = ModelBoard(load_manifest(REPO / "golden" / "models" / "fpga.yaml"), 0.0, 0.0, seed=1)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return os.ttyname(self.slave)

    def _serve(self) -> None:
        while not self.done.is_set():
            if select.select([self.master], [], [], 0.01)[0]:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    return
                self.board.write(data)
                answer = self.board.read(0)
                if answer:
                    os.write(self.master, answer)

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()
        os.close(self.master)
        os.close(self.slave)


def execute(run: Run, recipe: list[str] | None, tmp: Path, scratch: Path | None, what: str) -> None:
    def expand(word: str) -> str:
        word = word.replace("{tmp}", str(tmp))
        return word.replace("{scratch}", str(scratch.relative_to(REPO))) if scratch is not None else word

    argv = [expand(word) for word in run.argv]
    if argv[0] == "{recipe}":
        argv = [*recipe, *argv[1:]]
    if run.stop is not None:
        assert argv[0] == sys.executable and argv[1].startswith("scripts/"), argv
        argv = [sys.executable, str(STOP_BEFORE), run.stop, *argv[1:]]
    board = ModelBoardOnPty() if "{port}" in argv else None
    if board is not None:
        port = board.__enter__()
        argv = [port if word == "{port}" else word for word in argv]
    try:
        result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=child_environment(),
                                timeout=run.timeout)
    except subprocess.TimeoutExpired as expired:
        output = "".join(part.decode(errors="replace") if isinstance(part, bytes) else (part or "")
                         for part in (expired.stdout, expired.stderr))
        pytest.fail(f"{what}\n$ {shlex.join(argv)}\ntimed out after {run.timeout:g} s\n--- last {TAIL_LINES} "
                    f"lines of its output ---\n{tail(output)}", pytrace=False)
    finally:
        if board is not None:
            board.__exit__()
    report(argv, result, run.status, what)
    output = result.stdout + result.stderr
    problems = [f"no {fragment!r} in its output" for fragment in run.expect if fragment not in output]
    if run.stop is not None and STOP_MARK not in result.stdout:
        problems.append(f"it never reached the {run.stop} stop ({STOP_MARK!r} missing)")
    if "Traceback (most recent call last)" in output:
        problems.append("a traceback")
    problems += [f"it did not write {path}" for path in map(expand, run.files) if not Path(path).is_file()]
    report(argv, result, run.status, what, "; ".join(problems))


def where_documented(key: str) -> str:
    places = [command.where() for command in documented_commands() if command.key == key]
    return ", ".join(places) or "no document"


# expensive first: xdist hands out tests in order, so the slow ones start on separate workers at once
ORDERED = sorted(SMOKE, key=lambda key: -SMOKE[key].seconds)


@pytest.mark.parametrize("key", ORDERED)
def test_documented_command_runs(key: str, tmp_path: Path) -> None:
    entry = SMOKE[key]
    what = f"smoke run of `{key}` (documented at {where_documented(key)}; {entry.why or 'a real run'})"
    scratch = None  # inside the repository for the yowasp tools; kept after a failure, for its logs
    if any("{scratch}" in word for run in entry.runs for word in run.argv):
        SCRATCH.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=re.sub(r"\W+", "_", key).strip("_")[:40] + "-", dir=SCRATCH))
    recipe = None
    if entry.make:
        lines = make_dry_run(entry.make, entry.expands, entry.train, what)
        if any(run.argv[0] == "{recipe}" for run in entry.runs):
            recipe = recipe_command(lines, ["make", "-n", *entry.make], what)
    if entry.prepare is not None:
        entry.prepare(tmp_path)
    for run in entry.runs:
        execute(run, recipe, tmp_path, scratch, what)
    if entry.check is not None:
        entry.check(tmp_path)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


def test_every_documented_command_has_a_smoke_entry() -> None:
    missing = [f"{command.where()}: `{command.text}` (key `{command.key}`)" for command in documented_commands()
               if command.key not in SMOKE]
    assert not missing, ("documented commands without a smoke entry; add a fast invocation of each to SMOKE in "
                         f"{Path(__file__).relative_to(REPO)}:\n" + "\n".join(missing))


def test_every_smoke_entry_is_documented() -> None:
    shown = {command.key for command in documented_commands()}
    stale = sorted(set(SMOKE) - shown)
    assert not stale, f"SMOKE entries no document shows (the command changed or went): {stale}"


SCRIPTS = sorted(path.name for path in (REPO / "scripts").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_answers_help(script: str) -> None:
    """Every script imports and parses its arguments, documented in a code block or not."""
    argv = [sys.executable, f"scripts/{script}", "--help"]
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=child_environment(), timeout=120)
    report(argv, result, 0, f"scripts/{script} --help",
           "" if "usage:" in result.stdout else "no usage: line on stdout")


# --- the parser itself ---------------------------------------------------------------------------------------------
SAMPLE = """\
Prose that mentions `make synth` inline is not a command.

    make synth RATE=192000 FREQ=150      # a comment, with MODEL=ignored
    NETLIST_MODELS="mcu seed_po2" make sim
    .venv/bin/python scripts/gen_network.py M.yaml --out DIR [--top NAME] \\
        [--pool 1..8]
    .venv/bin/pytest -q sim/conv1d -k "trunc"
    git status

```
scripts/stream_board.py in.wav out.wav --port /dev/ttyUSB1 --constants 1,0,0
```
make lint
"""


def test_parser_reads_code_blocks_only() -> None:
    found = [(number, command_key(line)) for number, line in code_lines(SAMPLE) if COMMAND_START.match(line)]
    assert found == [
        (3, "make synth FREQ= RATE="),
        (4, "make sim NETLIST_MODELS="),
        (5, "scripts/gen_network.py --out --pool --top"),
        (7, "pytest sim/conv1d -k -q"),
        (11, "scripts/stream_board.py --constants --port"),
    ]


def test_the_documents_are_read() -> None:
    """The parse finds the quick start's and docs/network.md's commands (a broken parser would pass the rest)."""
    keys = {command.key: command for command in documented_commands()}
    assert {"make test", "make sim", "make plots", "make synth FREQ= RATE=", "make audit MODEL="} <= set(keys)
    assert keys["scripts/gen_network.py --cycles-per-sample --out --parallelism --pool --structure --top"].document \
        == "docs/network.md"
