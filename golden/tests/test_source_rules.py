"""Rules about the source: checks that survive `python -O`, no dead public functions, the repository's
Python layout -- installed packages instead of sys.path edits, imports pointing one way (scripts -> flows
(synth) and benches (simlib) -> models (golden); synth never imports the simulation side) -- and no switch on
a plan's class outside the tests (the structures answer through golden.rtlgen.plan.StructurePlan)."""
from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from golden import fast, reference
from golden.qformat import QFormat
from golden.rtlgen.plan import StructurePlan
from golden.rtlgen.pool import PoolPlan
from golden.rtlgen.top import NetworkPlan

GOLDEN = Path(__file__).resolve().parent.parent
REPO = GOLDEN.parent


@pytest.mark.parametrize("module", sorted(p for p in GOLDEN.rglob("*.py") if not p.relative_to(GOLDEN).parts[0].startswith("tests")), ids=lambda path: str(path.relative_to(GOLDEN)))
def test_no_assert_statements(module: Path) -> None:
    """`python -O` strips asserts: a check in a model must be an explicit raise."""
    tree = ast.parse(module.read_text(), filename=str(module))
    asserts = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    assert not asserts, f"{module.name}: assert statement(s) at line(s) {asserts}"


def test_fast_public_functions() -> None:
    """Every public function of golden.fast is a block model (unused helpers are removed, not kept)."""
    public = {
        name
        for name, value in vars(fast).items()
        if inspect.isfunction(value) and value.__module__ == fast.__name__ and not name.startswith("_")
    }
    assert public == {
        "dot_product",
        "row_by_matrix",
        "requantise",
        "requantise_to",
        "round_to_float32",
        "conv_sums",
        "conv1d_layer_step",
        "conv1d_step",
        "left_shift_buffer",
        "activation_cache",
        "causal_conv1d",
    }


def test_reference_accumulator_check_is_an_explicit_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a contract width one bit too narrow the reference's own check fires, as OverflowError."""
    fmt = QFormat(8, 6)
    monkeypatch.setattr(reference, "accumulator_width", lambda f, terms: 2 * f.width - 1)
    terms = [fmt.min_code] * 3  # 3 * 2^14 needs 17 signed bits, the patched width is 15
    with pytest.raises(OverflowError, match=r"dot_product: the sum 49152 of 3 products of Q\(8,6\) does not fit the "
                                            r"contract's 15-bit accumulator"):
        reference.dot_product(terms, terms, fmt)


# --- Python layout ------------------------------------------------------------------------------
# Folders never scanned: the venv, generated files, tool caches (any hidden folder).
SKIPPED_FOLDERS = {"build", "sim_build", "__pycache__"}
# Methods that change a list in place: called on sys.path, they edit the import path.
LIST_MUTATORS = {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "__setitem__",
                 "__delitem__", "__iadd__"}
# Where each package may not reach (the first dotted name of an import).
FORBIDDEN_IMPORTS = {
    "synth": {"sim", "simlib"},  # the flow never depends on the benches; scripts join the two
    "golden": {"sim", "simlib", "synth"},  # the models depend on nothing of ours
}
# Every package pyproject.toml installs, and the folder it must come from.
PACKAGES = {"golden": GOLDEN, "synth": REPO / "synth", "simlib": REPO / "sim" / "simlib"}


def repo_python_files(root: Path = REPO) -> list[Path]:
    """Every .py file of the repository, outside hidden folders (.venv, .git, ...) and generated ones."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith(".") and name not in SKIPPED_FOLDERS
                               and not name.endswith(".egg-info"))
        found += [Path(folder) / name for name in sorted(files) if name.endswith(".py")]
    return found


def sys_path_edits(source: str) -> list[int]:
    """Line numbers where `source` assigns to, deletes from or mutates sys.path (any alias), or calls
    site.addsitedir."""
    tree = ast.parse(source)
    sys_names, path_names, site_names, addsitedir_names = set(), set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "sys":
                    sys_names.add(alias.asname or "sys")
                elif alias.name == "site":
                    site_names.add(alias.asname or "site")
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                if node.module == "sys" and alias.name == "path":
                    path_names.add(alias.asname or "path")
                elif node.module == "site" and alias.name == "addsitedir":
                    addsitedir_names.add(alias.asname or "addsitedir")

    def is_sys_path(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute):
            return node.attr == "path" and isinstance(node.value, ast.Name) and node.value.id in sys_names
        return isinstance(node, ast.Name) and node.id in path_names

    def is_target(node: ast.AST) -> bool:
        return is_sys_path(node) or (isinstance(node, ast.Subscript) and is_sys_path(node.value))

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(is_target(target) for target in node.targets):
            lines.append(node.lineno)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and is_target(node.target):
            lines.append(node.lineno)
        elif isinstance(node, ast.Delete) and any(is_target(target) for target in node.targets):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in LIST_MUTATORS and is_sys_path(func.value):
                lines.append(node.lineno)
            elif (isinstance(func, ast.Attribute) and func.attr == "addsitedir" and isinstance(func.value, ast.Name)
                  and func.value.id in site_names) or (isinstance(func, ast.Name) and func.id in addsitedir_names):
                lines.append(node.lineno)
    return sorted(lines)


def imported_roots(source: str) -> list[tuple[int, str]]:
    """(line, first dotted name) of every absolute import in `source`: import statements, importlib.import_module
    and __import__ with a constant name, and cocotb's `test_module=` (the simulator imports that module)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            arguments = list(node.args[:1]) if name in ("import_module", "__import__") else []
            arguments += [keyword.value for keyword in node.keywords if keyword.arg == "test_module"]
            found += [(node.lineno, argument.value.split(".")[0]) for argument in arguments
                      if isinstance(argument, ast.Constant) and isinstance(argument.value, str)]
    return found


def test_repo_python_files_sees_every_part() -> None:
    """The walk reaches scripts, benches, the flow and the models, and skips the venv and build/."""
    files = {path.relative_to(REPO).as_posix() for path in repo_python_files()}
    assert {"scripts/gen_network.py", "sim/simlib/runner.py", "sim/board_top/test_board_top.py",
            "synth/toolchain.py", "golden/network.py"} <= files
    assert not [name for name in files if name.startswith((".venv/", "build/"))]


def test_no_file_edits_sys_path() -> None:
    """Packages are installed (pip install -e .): no script, bench, conftest or module edits sys.path."""
    offenders = [f"{path.relative_to(REPO)}:{line}" for path in repo_python_files()
                 for line in sys_path_edits(path.read_text())]
    assert not offenders, f"sys.path edited at {', '.join(offenders)}: import installed packages instead"


@pytest.mark.parametrize("package", sorted(FORBIDDEN_IMPORTS))
def test_imports_point_one_way(package: str) -> None:
    """synth never imports the simulation side (sim/, simlib); golden imports neither synth nor simlib."""
    forbidden = FORBIDDEN_IMPORTS[package]
    offenders = [f"{path.relative_to(REPO)}:{line} imports {root}"
                 for path in repo_python_files(REPO / package)
                 for line, root in imported_roots(path.read_text()) if root in forbidden]
    assert not offenders, f"{package}/ must not import {sorted(forbidden)}: {'; '.join(offenders)}"


@pytest.mark.parametrize("source", [
    "import sys\nsys.path.insert(0, 'x')",
    "import sys\nsys.path.append('x')",
    "import sys\nsys.path.extend(['x'])",
    "import sys\nsys.path = ['x']",
    "import sys\nsys.path += ['x']",
    "import sys\nsys.path[:0] = ['x']",
    "import sys\ndel sys.path[0]",
    "import sys as system\nsystem.path.insert(0, 'x')",
    "from sys import path\npath.insert(0, 'x')",
    "from sys import path as p\np.append('x')",
    "def f():\n    import sys\n    if True:\n        sys.path.insert(0, 'x')",
    "import site\nsite.addsitedir('x')",
    "from site import addsitedir\naddsitedir('x')",
])
def test_sys_path_edit_is_detected(source: str) -> None:
    assert sys_path_edits(source), source


@pytest.mark.parametrize("source", [
    "import sys\nprint(sys.path)",
    "import sys\npaths = list(sys.path)",
    "import sys\nif 'x' in sys.path:\n    pass",
    "import os\nos.path.join('a', 'b')",
    "from pathlib import Path\npath = Path('x')\npath.parent",
    "env = {}\nenv['PATH'] = 'x'",
])
def test_sys_path_read_is_allowed(source: str) -> None:
    assert not sys_path_edits(source), source


@pytest.mark.parametrize(("source", "root"), [
    ("import simlib", "simlib"),
    ("import simlib.runner as runner", "simlib"),
    ("from simlib.toolchain import x", "simlib"),
    ("from sim.simlib import runner", "sim"),
    ("def f():\n    from simlib import seed", "simlib"),
    ("import importlib\nimportlib.import_module('simlib.cycles_probe')", "simlib"),
    ("__import__('simlib')", "simlib"),
    ("runner.test(hdl_toplevel='t', test_module='simlib.cycles_probe')", "simlib"),
])
def test_forbidden_import_is_detected(source: str, root: str) -> None:
    assert root in {name for _, name in imported_roots(source)}, source


def test_packages_import_from_outside_the_repository(tmp_path: Path) -> None:
    """pyproject.toml installs golden, synth and simlib (from sim/simlib): importable from any directory, with
    no PYTHONPATH, each from its folder in this checkout."""
    packages = sorted(
        ".".join([top, *init.parent.relative_to(folder).parts])
        for top, folder in PACKAGES.items() for init in folder.rglob("__init__.py")
        if "__pycache__" not in init.parts
    )
    assert {"golden", "golden.tests", "synth", "synth.board", "simlib"} <= set(packages)
    probe = "import importlib.util, sys\nfor name in sys.argv[1:]:\n    spec = importlib.util.find_spec(name)\n" \
            "    print(name, spec.origin if spec else None)"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", probe, *packages], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    origins = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    expected = {name: str(PACKAGES[name.split(".")[0]].joinpath(*name.split(".")[1:], "__init__.py"))
                for name in packages}
    wrong = {name: origins.get(name) for name in packages if origins.get(name) != expected[name]}
    assert not wrong, f"not installed from this checkout (run 'pip install -e .'): {wrong}"


# --- the structure interface ---------------------------------------------------------------------
# Every structure's plan class: a caller that tests a plan against one asks which structure it is, which the
# interface answers instead (structure, pool_size, memories(), render(), ...).
PLAN_CLASSES = {cls.__name__ for cls in (NetworkPlan, PoolPlan, *StructurePlan.__subclasses__())}
# Where plans are used: the generator (golden/rtlgen, scripts) and the flow (synth); the tests may check classes.
PLAN_USERS = ("golden/rtlgen", "scripts", "synth")


def plan_class_switches(source: str, classes: set[str] = PLAN_CLASSES) -> list[int]:
    """Line numbers where `source` calls isinstance or issubclass with one of `classes` (by name or as a module
    attribute, alone or in a tuple), or compares a type() with one."""
    def names(node: ast.AST) -> set[str]:
        if isinstance(node, ast.Tuple):
            return set().union(*(names(element) for element in node.elts))
        if isinstance(node, ast.BinOp):  # isinstance(x, A | B)
            return names(node.left) | names(node.right)
        if isinstance(node, ast.Attribute):
            return {node.attr}
        return {node.id} if isinstance(node, ast.Name) else set()

    def is_call(node: ast.AST, functions: tuple[str, ...]) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions

    lines = []
    for node in ast.walk(ast.parse(source)):
        if is_call(node, ("isinstance", "issubclass")) and len(node.args) == 2 and names(node.args[1]) & classes:
            lines.append(node.lineno)
        elif isinstance(node, ast.Compare):
            sides = (node.left, *node.comparators)
            if any(is_call(side, ("type",)) for side in sides) and any(names(side) & classes for side in sides):
                lines.append(node.lineno)
    return sorted(lines)


def test_no_switch_on_plan_classes() -> None:
    """The rate knob, the structure choice, the resource counts, the generator and the pareto flow take any
    StructurePlan as it is: no module outside the tests checks a plan's class."""
    offenders = [f"{path.relative_to(REPO)}:{line}" for folder in PLAN_USERS
                 for path in repo_python_files(REPO / folder) if "tests" not in path.relative_to(REPO).parts
                 for line in plan_class_switches(path.read_text())]
    assert not offenders, (f"a switch on a plan's class at {', '.join(offenders)}: ask the plan through "
                           f"golden.rtlgen.plan.StructurePlan instead")


def test_plan_users_cover_the_generator_and_the_flow() -> None:
    """The rule's scan reaches every module that plans or reads plans."""
    scanned = {path.relative_to(REPO).as_posix() for folder in PLAN_USERS for path in repo_python_files(REPO / folder)}
    assert {"golden/rtlgen/rate.py", "golden/rtlgen/structure.py", "golden/rtlgen/resources.py", "golden/rtlgen/top.py",
            "scripts/gen_network.py", "scripts/pareto.py", "synth/pareto.py"} <= scanned


@pytest.mark.parametrize("source", [
    "isinstance(plan, PoolPlan)",
    "if not isinstance(plan, NetworkPlan):\n    pass",
    "isinstance(plan, (int, PoolPlan))",
    "isinstance(plan, NetworkPlan | PoolPlan)",
    "from golden.rtlgen import pool\nisinstance(plan, pool.PoolPlan)",
    "issubclass(type(plan), NetworkPlan)",
    "type(plan) is PoolPlan",
    "PoolPlan == type(plan)",
])
def test_plan_class_switch_is_detected(source: str) -> None:
    assert plan_class_switches(source), source


@pytest.mark.parametrize("source", [
    "isinstance(layer, ConvLayer)",
    "isinstance(value, int)",
    "isinstance(error, PoolError)",
    "type(plan).__name__",
    "plans: list[NetworkPlan] = []",
])
def test_other_class_checks_are_allowed(source: str) -> None:
    assert not plan_class_switches(source), source


# --- the layer-kind extension point ----------------------------------------------------------------
# The modules every kind passes through: the QKeras front end's walk, the per-layer generator, the structure
# interface and choice, the rate knob, the resource counts, the generator script and the pareto flow. They
# reach a kind only through the registry (golden.kinds: KINDS, kind_of) and golden.kinds.base's interfaces, so
# adding a kind touches none of them. (golden/rtlgen/pool.py is the shared pool's conv arithmetic: it runs the
# kinds whose LayerKind.structures name it, with conv1d's parameter rules.)
KIND_AGNOSTIC = ("golden/frontend/export.py", "golden/rtlgen/top.py", "golden/rtlgen/plan.py",
                 "golden/rtlgen/structure.py", "golden/rtlgen/rate.py", "golden/rtlgen/resources.py",
                 "scripts/gen_network.py", "scripts/pareto.py", "synth/pareto.py")


def kind_mentions(source: str, kind_names: set[str]) -> list[str]:
    """Where `source` names a particular kind: an import of a kind's own module (golden.kinds.<module>, other
    than base), or a string literal equal to a registered kind's name (e.g. `kind == "po2"`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("golden.kinds."):
            if node.module != "golden.kinds.base":
                found.append(f"{node.lineno}: imports {node.module}")
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: imports {alias.name}" for alias in node.names
                      if alias.name.startswith("golden.kinds.") and alias.name != "golden.kinds.base"]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in kind_names:
            found.append(f"{node.lineno}: the string {node.value!r}")
    return found


def test_shared_modules_name_no_kind() -> None:
    from golden.kinds import KINDS

    offenders = [f"{name}:{mention}" for name in KIND_AGNOSTIC
                 for mention in kind_mentions((REPO / name).read_text(), set(KINDS))]
    assert not offenders, ("a shared module names a layer kind (ask the kind through golden.kinds' registry and "
                           f"golden.kinds.base's interfaces instead): {'; '.join(offenders)}")


@pytest.mark.parametrize("source", [
    "from golden.kinds.conv1d import CONV1D",
    "import golden.kinds.po2",
    "if layer.kind == 'po2':\n    pass",
    "EXPORT_RULES = ('conv1d', 'po2')",
])
def test_kind_mention_is_detected(source: str) -> None:
    assert kind_mentions(source, {"conv1d", "po2"}), source


@pytest.mark.parametrize("source", [
    "from golden.kinds import KINDS, kind_of",
    "from golden.kinds.base import KerasImport",
    "name = 'qconv_1_0a_po2=baked'",
    "'a QConv1D layer'",
])
def test_registry_use_is_allowed(source: str) -> None:
    assert not kind_mentions(source, {"conv1d", "po2"}), source
