"""The jobs the sweeps hand to Dask workers (synth/sweep.py), and what each one's cache key covers.

Each `*_job` function runs on a worker and returns a JSON-able dict; each `*_sweep_job` builds the `Job` for it
(the function, its arguments, the input files and options of its content hash, its work folder):

* `pareto_point_job`: one point of `make pareto` -- the flow of `make synth` and the cycles probe -> its row.
* `block_cost_job`: one row of `make synth-blocks` -- a block out of context (yosys, nextpnr at a seed).
* `network_synthesis_job`, `network_cycles_job`, `network_seed_job`: `make seeds` / `make synth SEEDS=`:
  synthesis once (seed-independent), the cycles probe, and place and route (and ecppack) per seed on the
  synthesised netlist.

A flow's failure propagates as its own exception; synth.sweep.execute turns it into a JobError with the log.
The measurements' simulation (the cycles probe) is a bench, and the flow never imports the benches: the
scripts pass it in (`cycles_probe`, a function the workers import by reference), as they joined the two before
the sweeps.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from golden.manifest import load_manifest
from synth.block_costs import BlockConfig, measure
from synth.devices import Device
from synth.network_flow import NetworkFlow, Synthesis
from synth.out_of_context import REPO, RTL
from synth.pareto import NO_FIT, Point, measured, planned
from synth.sweep import Job, shown

SYNTH = REPO / "synth"


FLOW_CODE = ("network_flow.py", "out_of_context.py", "devices.py", "toolchain.py")


def code_files() -> list[Path]:
    """Everything a network's synthesis runs: the RTL, the generator, kinds and manifest code (golden/), the flow
    and the board (synth/board/), without tests -- a change to any of them synthesises again (the sweep's own
    modules, the reports and the tests are not among them)."""
    files = [*sorted(RTL.rglob("*.sv")), *sorted((REPO / "golden").rglob("*.py")),
             *(SYNTH / name for name in FLOW_CODE), *sorted((SYNTH / "board").rglob("*.py"))]
    return [path for path in files if "tests" not in path.relative_to(REPO).parts[:-1]]


def _relative(path: Path | str) -> str:
    return str(Path(path).resolve().relative_to(REPO))


# ---- make pareto ------------------------------------------------------------------------------------

CyclesProbe = Callable[[dict, Path], dict]  # (generator description, work folder) -> {"cycles_per_sample": ...}


def pareto_point_job(manifest_path: Path, point: Point, device: Device, freq_mhz: float, seed: int,
                     folder: Path, cycles_probe: CyclesProbe) -> dict:
    """The point's structure through the flow of `make synth` in folder/flow, then its cycles per sample.

    {"measurement": Measurement as a dict}: measured, or "does not fit" when nextpnr cannot place it."""
    plan = point.plan(load_manifest(manifest_path))
    row = planned(point, plan)
    flow = NetworkFlow(manifest_path, device, freq_mhz, folder / "flow", seed=seed, plan=plan)
    try:
        result = flow.run()
    except Exception as error:
        if "does not fit" not in str(error):
            raise
        row.status, row.reason = NO_FIT, str(error).splitlines()[0]
        return {"measurement": asdict(row)}
    cycles = cycles_probe(result.network, flow.work)["cycles_per_sample"]
    return {"measurement": asdict(measured(row, result, int(cycles)))}


def pareto_sweep_job(manifest_path: Path, point: Point, files: list[Path], device: Device, freq_mhz: float,
                     seed: int, folder: Path, cache_version: int, cycles_probe: CyclesProbe) -> Job:
    """`files`: synth.pareto.point_files (the manifest, the generated RTL and ROMs, the RTL and flow sources)."""
    options = {"point": point.name, "part": device.part.upper(), "package": device.package.upper(),
               "speed": device.speed, "freq_mhz": freq_mhz, "seed": seed, "pareto_cache": cache_version}
    return Job(f"pareto {point.name}", pareto_point_job,
               dict(manifest_path=manifest_path, point=point, device=device, freq_mhz=freq_mhz, seed=seed,
                    folder=folder, cycles_probe=cycles_probe), inputs=files, options=options, work=folder)


# ---- make synth-blocks ------------------------------------------------------------------------------

def block_cost_job(config: BlockConfig, device: Device, target_mhz: float, folder: Path, seed: int = 1) -> dict:
    """{"row": synth.block_costs.measure's row} for one block configuration."""
    return {"row": measure(config, device, target_mhz, folder, seed)}


def block_sweep_job(config: BlockConfig, device: Device, target_mhz: float, folder: Path, seed: int = 1) -> Job:
    roms = hashlib.sha256(json.dumps(config.roms, sort_keys=True).encode()).hexdigest()
    options = {"config": {**asdict(config), "roms": roms}, "device": asdict(device), "target_mhz": target_mhz,
               "seed": seed}  # not the folder: the row names no file in it
    sources = [RTL / f"{module}.sv" for module in ("fixed_pkg", *config.modules)]
    return Job(f"{config.name} {config.label()}".strip() + (f" seed {seed}" if seed != 1 else ""), block_cost_job,
               dict(config=config, device=device, target_mhz=target_mhz, folder=folder, seed=seed),
               inputs=[*sources, SYNTH / "out_of_context.py", SYNTH / "block_costs.py"], options=options, work=folder)


# ---- make seeds / make synth SEEDS= -----------------------------------------------------------------

def network_synthesis_job(flow: NetworkFlow) -> dict:
    """flow.synthesise() in flow.work: {"synthesis": its fields (paths repo-relative), "files": what it made}."""
    synthesis = flow.synthesise()
    description = synthesis.description
    generated = [_relative(name) for name in (*description["sources"], *description["parameters"].values())
                 if Path(str(name)).resolve().is_relative_to(flow.work.resolve())]  # the network's RTL and ROMs
    return {"synthesis": synthesis_fields(synthesis),
            "files": [_relative(synthesis.netlist), *([_relative(synthesis.lpf)] if synthesis.lpf else []), *generated]}


def synthesis_fields(synthesis: Synthesis) -> dict:
    return {"description": synthesis.description, "extra": synthesis.extra, "netlist": _relative(synthesis.netlist),
            "lpf": _relative(synthesis.lpf) if synthesis.lpf else None, "seconds": synthesis.seconds}


def synthesis_from(fields: dict) -> Synthesis:
    return Synthesis(description=fields["description"], extra=fields["extra"], netlist=REPO / fields["netlist"],
                     lpf=REPO / fields["lpf"] if fields["lpf"] else None, seconds=dict(fields["seconds"]))


def network_synthesis_sweep_job(flow: NetworkFlow, manifest: Path, options: dict[str, Any],
                                extra_inputs: list[Path] = ()) -> Job:
    """`options`: what decides the build besides the files (part, clock, board, rate, ...)."""
    return Job("synthesis", network_synthesis_job, dict(flow=flow), inputs=[manifest, *extra_inputs, *code_files()],
               options={**options, "work": shown(flow.work)}, work=flow.work)


def network_cycles_job(description: dict, work: Path, cycles_probe: CyclesProbe) -> dict:
    """{"cycles": the cycles probe's measurement} of the synthesised network's RTL."""
    return {"cycles": cycles_probe(description, work)}


def network_cycles_sweep_job(description: dict, work: Path, cycles_probe: CyclesProbe) -> Job:
    inputs = [*(Path(source) for source in description["sources"]), REPO / "sim" / "simlib" / "cycles_probe.py"]
    return Job("cycles probe", network_cycles_job, dict(description=description, work=work, cycles_probe=cycles_probe),
               inputs=inputs,
               options={"description": description, "work": shown(work)}, work=work / "cycles_probe")


def network_seed_job(flow: NetworkFlow, synthesis: dict, seed: int, work: Path) -> dict:
    """nextpnr (and ecppack) at `seed` on the synthesised netlist, into `work`."""
    result = flow.implement(synthesis_from(synthesis), seed, work)
    report = work / "nextpnr.json"
    seconds = {stage: value for stage, value in result.stage_seconds.items() if stage in ("nextpnr", "ecppack")}
    bitstream = _relative(result.bitstream) if result.bitstream else None
    return {"seed": seed, "nextpnr_report": result.nextpnr_report, "seconds": seconds, "bitstream": bitstream,
            "files": [_relative(report), *([bitstream] if bitstream else [])]}


def network_seed_sweep_job(flow: NetworkFlow, synthesis: dict, seed: int, work: Path) -> Job:
    """Keyed by what nextpnr reads (the netlist's and LPF's bytes), the part, the clock and the seed."""
    inputs = [REPO / synthesis["netlist"], *([REPO / synthesis["lpf"]] if synthesis["lpf"] else []),
              SYNTH / "network_flow.py"]
    options = {"nextpnr": flow.device.nextpnr_args, "kind": flow.kind, "target_mhz": flow.target_mhz, "seed": seed,
               "work": shown(work)}
    return Job(f"seed {seed}", network_seed_job, dict(flow=flow, synthesis=synthesis, seed=seed, work=work),
               inputs=inputs, options=options, work=work)
