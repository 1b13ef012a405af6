"""What every layer kind provides: the extension point of the network (docs/extending.md, "Adding a layer kind").

A kind is one module in golden/kinds/ with one `LayerKind` object, listed in
golden/kinds/__init__.py. It owns everything about its layers: the manifest
schema and validation, the golden step (readable and fast, proven equal in its
tests), the cycle and cost formulas (the only copy: the generator, the benches,
the cost table and the docs call them), its RTL core module with parameters and
weight files, its lint variants and its QKeras import rule. The network stage
(rtl/network_stage.sv, golden.network) is generic: it gives the core K taps of
IN channels and takes OUT channels back, through the port contract documented
in rtl/network_stage.sv.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from golden.layer_format import OutputStage
from golden.qformat import QFormat


@dataclass(frozen=True, eq=False)
class Layer:
    """The part of a layer the network stage sees: name, tap window and the formats at its two ends."""

    name: str

    @property
    def kind(self) -> str:
        raise NotImplementedError

    @property
    def kernel_size(self) -> int:
        raise NotImplementedError

    @property
    def dilation(self) -> int:
        raise NotImplementedError

    @property
    def in_channels(self) -> int:
        raise NotImplementedError

    @property
    def out_channels(self) -> int:
        raise NotImplementedError

    @property
    def input_format(self) -> QFormat:
        raise NotImplementedError

    @property
    def output_format(self) -> QFormat:
        raise NotImplementedError

    @property
    def parameter_count(self) -> int:
        raise NotImplementedError

    @property
    def history(self) -> int:
        """Past input vectors this layer reads besides the current one: (K-1)*dilation."""
        return (self.kernel_size - 1) * self.dilation

    @property
    def input_formats(self) -> tuple[QFormat, ...]:
        """Each input tensor's format, in the order of the manifest's `inputs` (one for a kind that reads one)."""
        return (self.input_format,)

    @property
    def input_channel_counts(self) -> tuple[int, ...]:
        """Each input tensor's channels; a layer with several inputs sees their concatenation (input 0's channels
        first), so these add up to in_channels."""
        return (self.in_channels,)

    @property
    def input_bits(self) -> int:
        """Bits of one input vector as the network stage stores it (all inputs' channels, concatenated)."""
        return self.in_channels * self.input_format.width

    @property
    def macs_per_sample(self) -> int:
        """Multiply-accumulates per sample (MAC efficiency's numerator): K * IN * OUT for a convolution."""
        return self.kernel_size * self.in_channels * self.out_channels


class ElementwiseLayer(Layer):
    """A layer that maps each sample's channels on their own (K = 1, no weights, no multiply-accumulates): an
    activation, or a join of several tensors. Subclasses hold `channels`, the channels of each input and of
    the output."""

    channels: int

    @property
    def kernel_size(self) -> int:
        return 1

    @property
    def dilation(self) -> int:
        return 1

    @property
    def out_channels(self) -> int:
        return self.channels

    @property
    def parameter_count(self) -> int:
        return 0

    @property
    def macs_per_sample(self) -> int:
        return 0


@dataclass(frozen=True)
class Sequence:
    """One layer over a whole sequence: exact sums and outputs, (T, OUT) each."""

    sums: np.ndarray
    outputs: np.ndarray
    saturated: np.ndarray  # bool: the output stage clipped the sum


# yosys maps a ROM deeper than this to DP16KD block RAM, a shallower one to LUT4s (synth/tests/test_memory_mapping.py).
LUT_ROM_MAX_DEPTH = 64


def rom_in_block_ram(depth: int) -> bool:
    """Whether yosys puts a ROM of `depth` words in block RAM (whose output then wants a fabric register)."""
    return depth > LUT_ROM_MAX_DEPTH


class KerasImport(ABC):
    """What a kind read from one Keras layer it claimed (LayerKind.keras_import). The front end
    (golden/frontend/export.py) walks the model, collects every problem and builds the manifest by asking this
    object; it never names a kind. Created for a layer whose kind claims it, whatever is wrong with it: the
    problems are collected, not raised."""

    keras_layer: Any
    problems: list[str]  # everything outside the supported subset, each naming the layer

    @property
    @abstractmethod
    def default_input_format(self) -> QFormat | None:
        """The network input format this layer suggests when it is the first (None where unknown)."""

    @abstractmethod
    def sum_problem(self, input_format: QFormat) -> str | None:
        """Why QKeras float64 cannot compute this layer's exact sums from `input_format` inputs (53 bits), or None."""

    @abstractmethod
    def output_format(self, input_format: QFormat, output: OutputStage) -> QFormat:
        """The layer's output format from `input_format` inputs through `output`."""

    @abstractmethod
    def weights(self) -> list[tuple[str, Any]]:
        """(what, Keras variable) of every weight, for the front end's finiteness check."""

    @abstractmethod
    def weight_problems(self) -> list[str]:
        """Every weight that its quantizer does not put exactly on its format's grid (asked once the rest is
        supported)."""

    @abstractmethod
    def build(self, name: str, input_format: QFormat, output: OutputStage) -> Layer:
        """The validated manifest layer."""

    @abstractmethod
    def provenance(self) -> dict[str, Any]:
        """What the manifest's `source` records about this layer's quantizers."""

    def output_quantizers(self) -> list[Any]:
        """The quantizers the claimed layer applies to its own output, first in its stage's output stage (the front
        end adds the QActivation layers after it): a QConv1D's or QDense's `activation`, unless linear. A kind
        whose layer is itself an activation (a QActivation it claims) has none."""
        activation = getattr(self.keras_layer, "activation", None)
        if activation is None or getattr(activation, "__name__", None) == "linear":
            return []
        return [activation]


IMPLEMENTATION_LANES = "lanes"  # every kind's first implementation: time-multiplexed LANES x COLS


@dataclass(frozen=True)
class Parallelism:
    """One hardware setting of a layer: multipliers (or shifters) per dot product and columns in parallel,
    and which of its kind's implementations (core modules) computes it. A kind with several implementations
    (po2: "lanes" and "baked") lists them all in `settings`; the generator chooses among them by cost."""

    lanes: int
    cols: int
    implementation: str = IMPLEMENTATION_LANES
    # Register stages of each lanes multiplier, 1 or 2 (rtl/fixed_mul.sv LATENCY): 2 also registers the
    # operands, one cycle more latency. The network plan sets it (golden.rtlgen.top.WIDE_NETWORK_DSPS).
    mul_latency: int = 1
    # Where a core that can stream its taps (LayerKind.tap_stream) gets them: None lets the kind's policy decide,
    # True / False force the tap_ring or the latched vector (an override; the kind checks it is possible).
    stream: bool | None = None


class LayerKind(ABC):
    """One layer kind. Subclasses are stateless; `golden.kinds.KINDS` maps names to instances."""

    name: str  # the manifest's `kind:` value
    rtl_module: str  # the core's SystemVerilog module, rtl/<rtl_module>.sv (of the "lanes" implementation)
    rtl_dependencies: tuple[str, ...]  # modules the cores instantiate and any other implementation's core, in order
    # roles of rom_files read through a register (block RAM when deep: golden.rtlgen.resources); the others are
    # read asynchronously and stay in logic
    registered_roms: tuple[str, ...] = ("weights",)
    # core modules of this kind that have the tap-stream ports (issue_o, walk_end_o, chunk_i: rtl/conv1d.sv),
    # connected by the generated top whether or not a layer streams (tap_stream)
    stream_port_modules: tuple[str, ...] = ()
    # the Keras layer classes this kind's `claims` takes (the front end names them when it refuses a layer)
    keras_layers: tuple[str, ...] = ()
    # the structures that can run this kind's layers (golden.rtlgen: "per-layer", a network_stage with the kind's
    # core; "shared", the multiplier pool, which computes conv arithmetic from the layer's kernel, bias, operands
    # and output stage)
    structures: tuple[str, ...] = ("per-layer",)
    # whether every multiply-accumulate of its layers runs on a hardware multiplier (MAC efficiency means
    # something only then: golden.rtlgen.plan.StructurePlan.mac_efficiency)
    macs_on_multipliers: bool = True
    # how many input tensors (the manifest's `inputs`) a layer reads: most kinds one; a join (add, multiply) several,
    # whose concatenation (input 0's channels first) its step, sequence and core see as one input vector
    min_inputs: int = 1
    max_inputs: int = 1

    # ---- manifest schema ----
    @abstractmethod
    def from_dict(self, data: dict[str, Any], where: str, input_format: Any, defaults: dict[str, Any]) -> Layer:
        """A validated layer from its manifest mapping; errors name `where` and the field. `input_format` is the
        format of the tensor it reads, or for a kind with max_inputs > 1 the tuple of its inputs' formats."""

    @abstractmethod
    def to_dict(self, layer: Layer) -> dict[str, Any]:
        """The manifest mapping (plain ints, lists, dicts)."""

    # ---- QKeras import rule ----
    @abstractmethod
    def claims(self, keras_layer: Any) -> bool:
        """True if this kind imports `keras_layer` (the front end asks every registered kind)."""

    @abstractmethod
    def keras_import(self, keras_layer: Any, where: str) -> KerasImport:
        """Read a layer this kind claims: its options, quantizers and weights (`where` names it in problems)."""

    def assumptions(self, layer: Layer) -> list[str]:
        """What the layer's exactness rests on that the model file does not record (`make audit` prints each)."""
        return []

    # ---- golden ----
    @abstractmethod
    def step(self, layer: Layer, taps: np.ndarray) -> np.ndarray:
        """One output vector (OUT,) from taps (K, IN), tap K-1 the newest."""

    @abstractmethod
    def sequence(self, layer: Layer, samples: np.ndarray) -> Sequence:
        """The whole (T, IN) sequence at once, zero history before t=0, written independently of `step`."""

    # ---- hardware: cycles and cost (the only copy of these formulas) ----
    @abstractmethod
    def settings(self, layer: Layer) -> Iterable[Parallelism]:
        """Every legal parallelism setting."""

    def frontier_settings(self, layer: Layer) -> Iterable[Parallelism]:
        """The settings the generator's chooser (golden.rtlgen.top.choose_parallelism) can pick, in `settings`'
        order: every setting but ones it never picks. A setting may be left out only if a listed setting of the
        same implementation has fewer multipliers and no longer an interval (the chooser takes the fewest
        multipliers that fit the budget, so the left-out one never wins). The default: every setting."""
        return self.settings(layer)

    @abstractmethod
    def check_setting(self, layer: Layer, setting: Parallelism, where: str) -> None:
        """Raise naming `where` if `setting` is not legal for `layer`."""

    @abstractmethod
    def core_latency(self, layer: Layer, setting: Parallelism) -> int:
        """Cycles from the core's accepted start to its result valid (y_valid_o), results taken at once
        (rtl/network_stage.sv, core port contract: LAT)."""

    @abstractmethod
    def core_interval(self, layer: Layer, setting: Parallelism) -> int:
        """Cycles between accepted starts when starts are offered back to back and results taken at once
        (rtl/network_stage.sv, core port contract: II); the core may be started again before its
        previous result is taken."""

    @abstractmethod
    def multipliers(self, layer: Layer, setting: Parallelism) -> int:
        """Hardware multipliers (ECP5: one MULT18X18D each up to 18x18 bits)."""

    @abstractmethod
    def dsp_blocks(self, layer: Layer, setting: Parallelism) -> int:
        """MULT18X18D blocks the setting needs."""

    def estimated_flip_flops(self, layer: Layer, setting: Parallelism) -> int | None:
        """Estimated ECP5 flip-flops (TRELLIS_FF) of the core, or None when the kind has no estimate
        (golden.rtlgen.resources adds the tap source and compares the sum with synthesis)."""
        return None

    def estimated_luts(self, layer: Layer, setting: Parallelism) -> int | None:
        """Estimated ECP5 logic cells (TRELLIS_COMB) of the core, or None when the kind has no estimate.

        The generator compares implementations of one kind by it (a kind with one implementation needs none);
        `make synth-blocks` measures the real figure next to it."""
        return None

    def tap_stream(self, layer: Layer, setting: Parallelism) -> bool:
        """True if the core reads its taps chunk by chunk from the stage's tap_ring (rtl/network_stage.sv STREAM,
        rtl/conv1d.sv X_STREAM) instead of latching the tap vector; the kind's cycle formulas and ROM layout
        follow it. The default: the core latches the vector."""
        return False

    def core_module(self, layer: Layer, setting: Parallelism) -> str:
        """The core module that implements `setting` (rtl/<name>.sv); one of rtl_module, rtl_dependencies."""
        return self.rtl_module

    # ---- RTL binding ----
    @abstractmethod
    def rtl_parameters(self, layer: Layer, setting: Parallelism, files: dict[str, str]) -> dict[str, int | str]:
        """The core's parameters; `files` maps rom_files() roles to absolute paths."""

    @abstractmethod
    def rom_files(self, layer: Layer, setting: Parallelism) -> dict[str, tuple[list[int], int]]:
        """Per role (e.g. weights, bias): the $readmemh words and their width in bits."""

    def rom_shapes(self, layer: Layer, setting: Parallelism) -> dict[str, tuple[int, int]]:
        """Per role of rom_files: (words, width in bits), without building the words. The default builds them;
        a kind with many settings states the closed form (the generator's LUT estimate asks for every plan)."""
        return {role: (len(words), bits) for role, (words, bits) in self.rom_files(layer, setting).items()}

    @abstractmethod
    def lint_variants(self) -> list[tuple[Layer, Parallelism]]:
        """Small layers and settings that cover the core's structural variants, for `make lint`."""

    @abstractmethod
    def example_layers(self, rng: np.random.Generator) -> list[tuple[Layer, Parallelism]]:
        """Small layers with random weights for the kind contract bench (sim/kind_contract)."""

    @abstractmethod
    def cost_variants(self) -> list[tuple[str, Layer, Parallelism]]:
        """Labelled layers and settings for the per-block cost table (`make synth-blocks`)."""
