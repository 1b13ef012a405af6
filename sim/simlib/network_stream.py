"""Stream input sequences through a generated network in Verilator and return its outputs.

Used by the tools that need the RTL's own answer for arbitrary stimulus (the
audit, the plots), not by the regression, which checks as it streams
(sim/network). `stream_through_rtl` generates the top from the manifest,
writes the sequences to an .npz file, runs the `run_stream` cocotb test below
on it and reads the outputs back. Each sequence starts from reset (zero
history), exactly like `golden.network.StreamingNetwork` after `reset()`.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from golden.errors import GoldenError
from golden.manifest import NetworkManifest
from golden.rtlgen.plan import RtlExportError
from golden.rtlgen.top import DEFAULT_CYCLES_PER_SAMPLE, NetworkPlan, export_network, plan_network

# Below this many samples in all (e.g. the audit's tests, a few hundred per class) the C++ build dominates and
# -O0 builds it faster than the optimised simulation would win back; longer streams (`make audit`'s 10,000 per
# class) keep the optimised build.
SHORT_STREAM_SAMPLES = 20_000
STIMULUS_VARIABLE = "NETWORK_STREAM_STIMULUS"
RESPONSE_VARIABLE = "NETWORK_STREAM_RESPONSE"


class NetworkStreamError(GoldenError):
    """The RTL run failed or returned the wrong number of outputs."""


def _fastest_default_plan(manifest: NetworkManifest) -> NetworkPlan:
    """plan_network's default budget, or where some layer cannot meet it (a step-table activation searches for
    hundreds of cycles) the smallest doubling of it that every layer meets."""
    budget = DEFAULT_CYCLES_PER_SAMPLE
    while True:
        try:
            return plan_network(manifest, cycles_per_sample=budget)
        except RtlExportError:
            if budget > 1 << 20:
                raise
            budget *= 2


def stream_through_rtl(manifest: NetworkManifest, sequences: list[np.ndarray], work: Path) -> list[np.ndarray]:
    """For each (T_i, IN) code sequence, the RTL's (T_i, OUT) outputs, every sequence from reset."""
    from simlib.runner import BlockRun  # cocotb_tools: imported only when a simulation runs

    work = Path(work).resolve()
    exported = export_network(_fastest_default_plan(manifest), work / "rtl")
    stimulus = work / "stimulus.npz"
    response = work / "response.npz"
    response.unlink(missing_ok=True)
    in_fmt, out_fmt = manifest.input_format, manifest.output_format
    np.savez(stimulus, in_width=in_fmt.width, in_signed=in_fmt.signed, out_width=out_fmt.width,
             out_signed=out_fmt.signed, output_channels=manifest.output_channels,
             **{f"seq{i}": np.asarray(seq, dtype=np.int64) for i, seq in enumerate(sequences)})
    run = BlockRun(
        toplevel=exported.description["top"],
        modules=[],
        test_module="simlib.network_stream",
        parameters={},
        env={STIMULUS_VARIABLE: stimulus, RESPONSE_VARIABLE: response, "PARAM_STREAM": manifest.name},
        sources=[Path(path) for path in exported.description["sources"]],
        optimised_cxx=sum(len(seq) for seq in sequences) > SHORT_STREAM_SAMPLES,
        build_root=work / "verilator",
    )
    from cocotb_tools.runner import get_results

    log = work / "rtl_sim.log"
    try:
        with _output_to(log):  # the Verilator build and cocotb chatter go to the log, not the terminal
            tests, failed = get_results(run.run())
    except (Exception, SystemExit) as error:  # the runner exits for a failed build or simulator
        raise NetworkStreamError(f"RTL simulation of {manifest.name} failed ({type(error).__name__}: {error}); "
                                 f"see {log}") from None
    if failed or not tests:
        raise NetworkStreamError(f"RTL simulation of {manifest.name}: {failed} of {tests} cocotb tests failed; see {log}")
    if not response.is_file():
        raise NetworkStreamError(f"RTL simulation of {manifest.name} wrote no response ({response}); see {run.build_dir}")
    with np.load(response) as data:
        outputs = [data[f"seq{i}"] for i in range(len(sequences))]
    for index, (seq, out) in enumerate(zip(sequences, outputs)):
        if out.shape != (len(seq), manifest.output_channels):
            raise NetworkStreamError(f"sequence {index}: the RTL gave {out.shape} outputs for {len(seq)} inputs")
    return outputs


@contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (and its children's) to `log` at the descriptor level."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(log, "w", encoding="utf-8") as stream:
        os.dup2(stream.fileno(), 1)
        os.dup2(stream.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


# ---- the cocotb side (runs inside the simulator) ------------------------------------------------

try:
    import cocotb
    from cocotb.triggers import RisingEdge, Timer
except ImportError:  # only the runner side is used without cocotb
    cocotb = None

if cocotb is not None:
    from golden.memfile import pack_vector, unpack_vector
    from simlib.clocked import CLOCK_NS, ClockedBench

    @cocotb.test(timeout_time=4000, timeout_unit="ms")
    async def run_stream(dut):
        """Every sequence at full rate from a reset network; outputs collected on out_valid_o pulses.

        The timing discipline of sim/network: act at falling-edge times only, move with
        Timers and in_ready_o's rising edge, never wake Python every clock."""
        bench = ClockedBench(dut)
        dut.in_valid_i.value = 0
        dut.in_data_i.value = 0
        await bench.start(fast=True)
        await Timer(CLOCK_NS, unit="ns")  # in_ready_o follows rst_i: let it settle
        with np.load(os.environ[STIMULUS_VARIABLE]) as data:
            in_width, in_signed = int(data["in_width"]), bool(data["in_signed"])
            out_width, out_signed = int(data["out_width"]), bool(data["out_signed"])
            channels = int(data["output_channels"])
            sequences = [data[f"seq{i}"] for i in range(len([f for f in data.files if f.startswith("seq")]))]
        collected: list[np.ndarray] = []

        async def monitor() -> None:
            while True:
                await RisingEdge(dut.out_valid_o)  # after the edge's evaluation: out_data_o is the new value
                collected.append(unpack_vector(int(dut.out_data_o.value), out_width, channels, out_signed))

        cocotb.start_soon(monitor())
        results = {}
        for index, sequence in enumerate(sequences):
            collected.clear()
            for vector in sequence:
                dut.in_data_i.value = pack_vector(vector, in_width, in_signed)
                dut.in_valid_i.value = 1
                if dut.in_ready_o.value == 1:  # registered: stable for the whole cycle
                    await Timer(CLOCK_NS, unit="ns")
                else:
                    await RisingEdge(dut.in_ready_o)
                    await Timer(CLOCK_NS * 3 // 2, unit="ns")
            dut.in_valid_i.value = 0
            for _ in range(200):  # drain: bounded, so a lost output ends as a count mismatch, not a hang
                if len(collected) >= len(sequence):
                    break
                await Timer(64 * CLOCK_NS, unit="ns")
            await Timer(8 * CLOCK_NS, unit="ns")
            results[f"seq{index}"] = np.array(collected, dtype=np.int64).reshape(-1, channels)
            dut.rst_i.value = 1  # the next sequence starts from zero history
            await Timer(2 * CLOCK_NS, unit="ns")
            dut.rst_i.value = 0
            await Timer(CLOCK_NS, unit="ns")
        np.savez(os.environ[RESPONSE_VARIABLE], **results)
