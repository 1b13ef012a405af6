"""Cycles per sample of a generated network, measured in simulation (for the synthesis report).

`make sim` leaves build/sim/network/<model>/cycles.json from the network
regression; when it is missing or describes a different build of the network,
`cycles_per_sample` runs this short cocotb test instead: random samples offered
back to back, the steady-state interval between accepted samples measured.
The file is both the runner (pytest-free) and the cocotb test module. It is a
bench, so it lives here and not in synth/: scripts/synth_network.py measures
with it and hands the numbers to synth.report.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from simlib.runner import BUILD, OBJECT_CACHE, PORTS_ONLY_ARGS, REPO

# Samples are offered back to back until every interval between accepted samples in the second half of the
# run is the same (and at least MIN_PROBE_SAMPLES were accepted): that interval is the measurement. A stage
# faster than the slowest one behind it fills the slack between them a few cycles per sample (budget 52:
# layer 0 every 48 cycles, the others every 52: 16 samples at 48, then 48-52 for dozens more), so when the
# pipeline settles depends on the plan; a fixed window (the last 20 of 40) measured nothing there, and 16
# equal intervals in a row can still be the fill. MAX_PROBE_SAMPLES bounds the run; a network that never
# settles fails with its intervals.
MIN_PROBE_SAMPLES = 40
MAX_PROBE_SAMPLES = 2000


class CyclesProbeError(RuntimeError):
    """The probe simulation could not be built or run, or measured nothing; the message says which."""


def cycles_per_sample(description: dict, work: Path) -> dict:
    """{"cycles_per_sample": n, "source": text} from the network regression's file or a fresh probe."""
    regression = BUILD / "network" / str(description.get("model")) / "cycles.json"
    if regression.is_file():
        data = json.loads(regression.read_text())
        if all(data.get(key) == description.get(key) for key in ("top", "multipliers", "latency_cycles")):
            return {"cycles_per_sample": int(data["cycles_per_sample"]),
                    "source": f"simulation, {regression.relative_to(REPO)}"}
    return {"cycles_per_sample": measure_cycles_per_sample(description, work),
            "source": "simulation, sim/simlib/cycles_probe.py"}


def measure_cycles_per_sample(description: dict, work: Path) -> int:
    """Always simulate (never the regression's file): the probe's steady-state interval."""
    from cocotb_tools.runner import get_runner

    from synth.toolchain import verilator_environment

    os.environ.update(verilator_environment(dict(os.environ), object_cache=OBJECT_CACHE))
    result = work / "cycles_probe.json"
    result.unlink(missing_ok=True)
    runner = get_runner("verilator")
    build = work / "cycles_probe"
    try:
        runner.build(sources=description["sources"], hdl_toplevel=description["top"], build_dir=build,
                     build_args=["-O3", "-Wno-fatal", *PORTS_ONLY_ARGS], timescale=("1ns", "1ps"))
        runner.test(hdl_toplevel=description["top"], test_module="simlib.cycles_probe", test_dir=build,
                    build_dir=build, extra_env={"PROBE_RESULT": str(result),
                                                "PROBE_IN_BITS": str(description["input_channels"] *
                                                                     description["input_width"])})
    except RuntimeError as error:  # cocotb's runner reports a failed Verilator, make or simulation this way
        raise CyclesProbeError(f"cycles probe of {description['top']}: {error}; see {build}") from None
    if not result.is_file():
        raise CyclesProbeError(f"cycles probe of {description['top']} wrote no result; see {build}")
    return int(json.loads(result.read_text())["cycles_per_sample"])


try:
    import cocotb
    from cocotb.clock import Clock
    from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge
except ImportError:  # the runner half works without cocotb's simulator side
    cocotb = None

if cocotb is not None:
    @cocotb.test(timeout_time=1000, timeout_unit="ms")
    async def probe(dut):
        import random

        cocotb.start_soon(Clock(dut.clk_i, 10, unit="ns").start())
        bits = int(os.environ["PROBE_IN_BITS"])
        dut.rst_i.value, dut.in_valid_i.value, dut.in_data_i.value = 1, 0, 0
        await ClockCycles(dut.clk_i, 4)
        await FallingEdge(dut.clk_i)
        dut.rst_i.value = 0
        accepted, cycle = [], 0
        rng = random.Random(1)
        dut.in_valid_i.value, dut.in_data_i.value = 1, rng.getrandbits(bits)
        def last_intervals() -> set[int]:
            steady = accepted[len(accepted) // 2:]
            return {b - a for a, b in zip(steady, steady[1:])}

        while len(accepted) < MIN_PROBE_SAMPLES or len(last_intervals()) != 1:
            assert len(accepted) < MAX_PROBE_SAMPLES, \
                f"accepted samples at uneven intervals {sorted(last_intervals())} after {len(accepted)} samples"
            await RisingEdge(dut.clk_i)
            await ReadOnly()
            cycle += 1
            taken = dut.in_ready_o.value == 1
            await FallingEdge(dut.clk_i)
            if taken:
                accepted.append(cycle)
                dut.in_data_i.value = rng.getrandbits(bits)
        Path(os.environ["PROBE_RESULT"]).write_text(json.dumps({"cycles_per_sample": last_intervals().pop(),
                                                                 "samples": len(accepted)}))
