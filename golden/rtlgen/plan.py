"""The structure interface: what the rate knob, the structure choice, the resource counts, the generator and
synth/pareto.py ask of a plan, whichever structure builds it.

Two structures implement it: the per-layer pipeline (golden.rtlgen.top.NetworkPlan: a network_stage and its
kind's core per layer) and the shared pool (golden.rtlgen.pool.PoolPlan: one pool of P multipliers walks every
layer). Each owns its formulas -- cycles, memories, logic, the rendered top -- so no caller asks which
structure a plan is (golden/tests/test_source_rules.py keeps it so).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from golden.errors import GoldenError

if TYPE_CHECKING:
    from golden.manifest import NetworkManifest
    from golden.rtlgen.resources import LogicEstimate, Memory


class RtlExportError(GoldenError):
    """The network cannot be generated as asked; the message names the layer, file or option."""


@dataclass(frozen=True)
class Rendering:
    """What golden.rtlgen.top.export_network writes for a plan, rendered and checked before anything is."""

    hex_files: list[tuple[str, list[int], int]]  # (file name, words, bits per word): the ROM images
    top_text: str  # <top>.sv
    description: dict[str, Any]  # <top>.json


def mac_efficiency(macs_per_sample: int, multipliers: int, cycles_per_sample: float) -> float:
    """MACs per sample / (multipliers x cycles per sample): the share of multiplier cycles that do work (the one
    copy of the rule: planned cycles here, measured ones in synth/pareto.py and scripts/mac_efficiency.py)."""
    return macs_per_sample / (multipliers * cycles_per_sample)


class StructurePlan(ABC):
    """A manifest planned onto one structure: what the generated top will be, its cycles and its cost."""

    structure: ClassVar[str]  # "per-layer" or "shared": --structure's, the JSON description's and pareto's name
    hex_files_noun: ClassVar[str]  # what scripts/gen_network.py calls the hex files it wrote
    manifest: NetworkManifest
    top: str
    budget: int  # the cycles-per-sample budget it was planned for

    @property
    @abstractmethod
    def cycles_per_sample(self) -> int:
        """Steady-state cycles between accepted samples at full rate."""

    @property
    @abstractmethod
    def latency_cycles(self) -> int:
        """Input accepted in cycle c -> out_valid_o in cycle c + this, the network otherwise idle."""

    @property
    def cycles_lower_bound(self) -> int:
        """cycles_per_sample at least, cheaper to work out (golden.rtlgen.rate tests it first); a structure whose
        cycles are a formula is its own bound."""
        return self.cycles_per_sample

    @property
    def latency_lower_bound(self) -> int:
        """latency_cycles at least, as cycles_lower_bound."""
        return self.latency_cycles

    @property
    @abstractmethod
    def multipliers(self) -> int:
        """Multipliers of the datapath (MAC efficiency's denominator)."""

    @property
    @abstractmethod
    def dsp_count(self) -> int:
        """ECP5 MULT18X18D blocks."""

    @property
    def mac_efficiency(self) -> float | None:
        """The planned MAC efficiency (sim/network measures the cycles equal). None unless every
        multiply-accumulate runs on a multiplier (LayerKind.macs_on_multipliers): a layer that shifts has no
        multiplier work to count."""
        from golden.kinds import kind_of

        if self.multipliers == 0 or not all(kind_of(layer).macs_on_multipliers for layer in self.manifest.layers):
            return None
        return mac_efficiency(self.manifest.macs_per_sample, self.multipliers, self.cycles_per_sample)

    @property
    def pool_size(self) -> int | None:
        """P of a shared pool, None for a structure without one (synth/pareto.py's `pool` field)."""
        return None

    @abstractmethod
    def memories(self) -> list[Memory]:
        """Every memory the plan's RTL holds that may become block RAM (golden.rtlgen.resources counts them)."""

    @abstractmethod
    def estimated_logic(self) -> LogicEstimate | None:
        """TRELLIS_COMB and TRELLIS_FF of the network, calibrated on synthesis; None where a part has no estimate."""

    @abstractmethod
    def estimated_luts(self) -> int:
        """The LUT figure golden.rtlgen.rate ranks configurations of equal DSPs by: estimated_logic's, or a count
        from the datapath's shape where that has none."""

    @abstractmethod
    def label(self) -> str:
        """The configuration in a line (golden.rtlgen.rate's explanations)."""

    @abstractmethod
    def outline(self) -> list[str]:
        """What scripts/gen_network.py prints of the structure after its summary line."""

    @abstractmethod
    def render(self, out_dir: Path, output_ready: bool = False) -> Rendering:
        """The hex files, the top and the JSON description, naming files in `out_dir`; `output_ready` adds an
        out_ready_i port (output backpressure), RtlExportError where the structure has none."""
