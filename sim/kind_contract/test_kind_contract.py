"""The network stage contract, for every registered layer kind (golden.kinds.KINDS).

Each kind's example layers go through the generic network_stage with the kind's
core plugged in (golden.rtlgen.top renders it with an out_ready_i port), driven
with random input gaps, random output backpressure, inputs offered while the
stage is busy (overrun attempts) and resets in the middle of computations.
Checked every cycle: out_data_o holds while out_valid_o waits for out_ready_i,
and in_data_i is only taken with in_ready_o. Checked per sample: every accepted
input gives exactly one output, in order, bit-exact against the kind's golden
step (golden.network.StreamingNetwork), and no output is older than the last reset.
A new kind gets this bench by being in the registry.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
import numpy as np
import pytest
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from golden.kinds import KINDS
from golden.manifest import INPUT_TENSOR, NetworkManifest, load_manifest, save_manifest
from golden.memfile import pack_vector, unpack_vector
from golden.network import StreamingNetwork
from golden.rtlgen.top import export_network, plan_network
from simlib.check import assert_codes_equal
from simlib.clocked import ClockedBench
from simlib.runner import BUILD, BlockRun
from simlib.seed import base_seed, derived_seed

SAMPLES = 160
RESETS = 3


class ContractBench(ClockedBench):
    def __init__(self, dut):
        super().__init__(dut)
        self.manifest = load_manifest(os.environ["CONTRACT_MANIFEST"])
        self.in_fmt, self.out_fmt = self.manifest.input_format, self.manifest.output_format
        self.layer = self.manifest.layers[0]
        self.seed = base_seed()
        self.rng = np.random.default_rng(derived_seed(f"kind-contract-{os.environ['PARAM_CASE']}"))
        dut.in_valid_i.value = 0
        dut.in_data_i.value = 0
        dut.out_ready_i.value = 0
        dut._log.info("contract: %s layer %s, %s -> %s, SIM_SEED=%d", self.layer.kind, self.layer.name,
                      self.in_fmt, self.out_fmt, self.seed)

    def idle_inputs(self) -> None:
        self.dut.in_valid_i.value = 0

    def vector(self) -> np.ndarray:
        return self.rng.integers(self.in_fmt.min_code, self.in_fmt.max_code + 1, self.manifest.input_channels)

    async def run_segment(self, count: int, reset_after: int | None) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Offer `count` inputs with random gaps and backpressure; with `reset_after`, reset once that many
        have been accepted (outputs still in flight are dropped). Returns (accepted inputs, outputs)."""
        dut = self.dut
        accepted: list[np.ndarray] = []
        outputs: list[np.ndarray] = []
        pending = self.vector()
        offering = False
        held_output: int | None = None
        idle_cycles = 0
        while True:
            await FallingEdge(dut.clk_i)
            # drive: offer (and keep offering the same vector until taken), random backpressure
            if not offering and len(accepted) < count and self.rng.random() < 0.7:
                offering = True
            dut.in_valid_i.value = int(offering)
            dut.in_data_i.value = pack_vector(pending, self.in_fmt.width, self.in_fmt.signed)
            dut.out_ready_i.value = int(self.rng.random() < 0.5)
            await ReadOnly()  # settled values the coming rising edge samples
            in_ready, valid, ready = int(dut.in_ready_o.value), int(dut.out_valid_o.value), int(dut.out_ready_i.value)
            data = int(dut.out_data_o.value) if valid else None
            if held_output is not None:
                assert valid and data == held_output, "out_data_o changed or out_valid_o fell before out_ready_i"
            held_output = data if valid and not ready else None
            if valid and ready:
                outputs.append(unpack_vector(data, self.out_fmt.width, self.manifest.output_channels,
                                             self.out_fmt.signed))
            if offering and in_ready:
                accepted.append(pending)
                pending = self.vector()
                offering = False
            assert len(outputs) <= len(accepted), "an output without an accepted input"
            await RisingEdge(dut.clk_i)
            if reset_after is not None and len(accepted) >= reset_after:
                await self.pulse_reset(2 + int(self.rng.integers(0, 5)))
                return accepted, outputs
            idle_cycles = idle_cycles + 1 if len(accepted) == count and len(outputs) == count else 0
            if idle_cycles > 4:
                return accepted, outputs



@cocotb.test(timeout_time=200, timeout_unit="ms")
async def run_contract(dut):
    tb = ContractBench(dut)
    await tb.start()
    golden = StreamingNetwork(tb.manifest)
    for segment in range(RESETS + 1):
        last = segment == RESETS
        # mid-compute reset: right after an accepted input, while the core is busy with it
        reset_after = None if last else int(tb.rng.integers(2, 12))
        count = SAMPLES if last else reset_after
        inputs, outputs = await tb.run_segment(count, reset_after)
        expected = golden.run(np.array(inputs)) if inputs else np.zeros((0, tb.manifest.output_channels))
        golden.reset()
        if last:
            assert len(outputs) == len(inputs) == count, f"{len(inputs)} inputs accepted, {len(outputs)} outputs"
        got = np.array(outputs).reshape(-1, tb.manifest.output_channels)
        assert_codes_equal(expected[: len(got)], got, what=f"segment {segment} outputs (in order)", seed=tb.seed,
                           width=tb.out_fmt.width)


CASES = [(name, index) for name, kind in KINDS.items()
         for index in range(len(kind.example_layers(np.random.default_rng(0))))]


@pytest.mark.parametrize("kind_name,index", CASES, ids=[f"{name}-{index}" for name, index in CASES])
def test_kind_contract(kind_name: str, index: int) -> None:
    kind = KINDS[kind_name]
    layer, setting = kind.example_layers(np.random.default_rng(derived_seed(f"contract-layer-{kind_name}")))[index]
    folder = BUILD / "kind_contract" / f"{kind_name}_{index}"
    folder.mkdir(parents=True, exist_ok=True)
    # the network input feeds every input of the layer (a join reads it N times: its example formats are equal)
    manifest = NetworkManifest(f"contract_{kind_name}_{index}", layer.input_formats[0], layer.input_channel_counts[0],
                               (layer,), inputs=((INPUT_TENSOR,) * len(layer.input_formats),))
    manifest_file = save_manifest(manifest, folder / "layer.yaml")
    plan = plan_network(manifest, overrides={layer.name: setting})  # the example's setting and implementation
    exported = export_network(plan, folder / "rtl", output_ready=True)
    BlockRun(
        toplevel=exported.description["top"],
        modules=[],
        test_module="test_kind_contract",
        parameters={},
        env={"PARAM_CASE": f"{kind_name}_{index}", "CONTRACT_MANIFEST": manifest_file},
        sources=[Path(path) for path in exported.description["sources"]],
        build_root=folder / "verilator",
    ).run()
