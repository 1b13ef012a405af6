"""What the join kinds (golden/kinds/add.py, golden/kinds/multiply.py) share: a layer that reads several tensors
of the same channel count, each in its own format, and combines them channel by channel (docs/arithmetic.md 9).

    y[t][c] = output_stage( exact(x_0[t][c], ..., x_{N-1}[t][c]) )

`exact` is the kind's (a sum on the finest input grid, or a product); its result is an exact integer at
`acc_frac` fractional bits in `acc_width` signed bits, and the output stage is a conv's (golden.layer_format:
saturate, round, ReLU, or full precision: the exact result itself). The layer's step and core see the inputs'
concatenation, input 0's channels first, as one vector (the manifest's graph rule), and the network stage hands
it over as one word of `input_bits` bits (K = 1). Keras's Add and Multiply compute in float: the import refuses a
layer whose exact result needs more than float64's 53 significant bits.

The core (rtl/join_core.sv) takes one channel per cycle: a start latches the word, channel c's operands are
combined in cycle s + 1 + c into a register (a cycle later where the combine has a register of its own:
`combine_stages`), the output stage follows, and the result word is complete in cycle s + C + 2 (one more with
a float32 input stage, one more for each combine stage).
"""
from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from golden.errors import GoldenError
from golden.fast import requantise_to
from golden.kinds.base import ElementwiseLayer, KerasImport, Layer, LayerKind, Parallelism, Sequence  # noqa: F401
from golden.kinds.conv1d import _field, output_stage_from_dict, sequence_result
from golden.layer_format import Activation, OutputStage, wide_format
from golden.qformat import MAX_ACC_WIDTH, QFormat, Rounding, format_from_dict

FLOAT64_SIGNIFICAND_BITS = 53
MAX_JOIN_INPUTS = 16  # the core's packed per-input parameters (rtl/join_core.sv)
SUM_GROUP = 4  # operands one adder tree of the core sums in a cycle (rtl/join_core.sv's Group, with COMBINE_REG)


class JoinSchemaError(GoldenError):
    """A join layer's manifest entry or construction is invalid; the message names the layer and field."""


@dataclass(frozen=True, eq=False)
class JoinLayer(ElementwiseLayer):
    """N tensors of `channels` channels, each of its own format, combined channel by channel."""

    formats: tuple[QFormat, ...]
    channels: int
    output: OutputStage

    # ---- the arithmetic: each join kind's own ----
    @property
    @abstractmethod
    def acc_frac(self) -> int:
        """Fractional bits of the exact result."""

    @property
    @abstractmethod
    def acc_width(self) -> int:
        """Signed bits that hold the exact result for any input codes."""

    @property
    @abstractmethod
    def input_shifts(self) -> tuple[int, ...]:
        """Left shift of each input onto the result's grid before it is combined (0 where none)."""

    @abstractmethod
    def combine(self, operands: list[np.ndarray]) -> np.ndarray:
        """The exact result (int64) of the aligned operands (each int64, same shape)."""

    @property
    @abstractmethod
    def combine_stages(self) -> int:
        """Registers inside the combine, 0 or 1 (rtl/join_core.sv COMBINE_REG): each kind's own."""

    # ---- the Layer interface ----
    @property
    def in_channels(self) -> int:
        return self.channels * len(self.formats)

    @property
    def accumulator_width(self) -> int:
        """The exact result's width (a conv's name for it: the audit's float32 report reads it)."""
        return self.acc_width

    @property
    def input_formats(self) -> tuple[QFormat, ...]:
        return self.formats

    @property
    def input_channel_counts(self) -> tuple[int, ...]:
        return (self.channels,) * len(self.formats)

    @property
    def input_format(self) -> QFormat:
        """The first input's format (each input has its own: input_formats)."""
        return self.formats[0]

    @property
    def input_bits(self) -> int:
        return sum(self.channels * fmt.width for fmt in self.formats)

    @property
    def output_format(self) -> QFormat:
        return self.output.fmt if self.output.fmt is not None else wide_format(self.acc_width, self.acc_frac)

    def validate(self, where: str) -> "JoinLayer":
        object.__setattr__(self, "formats", tuple(self.formats))
        if not 2 <= len(self.formats) <= MAX_JOIN_INPUTS:
            raise JoinSchemaError(f"{where}: a {self.kind} layer joins 2 to {MAX_JOIN_INPUTS} tensors, "
                                  f"got {len(self.formats)}")
        for index, fmt in enumerate(self.formats):
            if not isinstance(fmt, QFormat):
                raise JoinSchemaError(f"{where}: input {index} format must be a QFormat, got {fmt!r}")
        if isinstance(self.channels, bool) or not isinstance(self.channels, int) or not 1 <= self.channels <= 1024:
            raise JoinSchemaError(f"{where}: channels must be an integer in [1, 1024], got {self.channels!r}")
        if not isinstance(self.output, OutputStage):
            raise JoinSchemaError(f"{where}: output must be an OutputStage, got {self.output!r}")
        if self.acc_width > MAX_ACC_WIDTH:
            raise JoinSchemaError(f"{where}: the exact result of {', '.join(map(str, self.formats))} needs "
                                  f"{self.acc_width} bits; the models support at most {MAX_ACC_WIDTH}")
        return self

    # ---- golden: the one arithmetic, on (..., N*C) concatenated codes ----
    def split(self, codes: np.ndarray) -> list[np.ndarray]:
        """The concatenated inputs (..., N*C) as N arrays (..., C), each checked against its format."""
        values = np.asarray(codes)
        if values.shape[-1] != self.in_channels:
            raise JoinSchemaError(f"layer {self.name}: expected {self.in_channels} concatenated input channels, "
                                  f"got {values.shape[-1]}")
        parts = []
        for index, fmt in enumerate(self.formats):
            part = values[..., index * self.channels:(index + 1) * self.channels]
            parts.append(fmt.check_codes(part, f"layer {self.name} input {index} ({fmt})"))
        return parts

    def exact(self, codes: np.ndarray) -> np.ndarray:
        """The exact results (int64, at acc_frac) of concatenated input codes (..., N*C)."""
        return self.combine([part.astype(np.int64) << shift for part, shift in zip(self.split(codes), self.input_shifts)])


class JoinKind(LayerKind):
    """A kind of join layer: element-wise over 2..MAX_JOIN_INPUTS tensors, per-layer structure, rtl/join_core.sv."""

    rtl_module = "join_core"
    rtl_dependencies = ("fixed_mul", "requantise", "float32_round", "layer_output_stage")
    registered_roms = ()
    structures = ("per-layer",)
    macs_on_multipliers = False
    min_inputs = 2
    max_inputs = MAX_JOIN_INPUTS
    op_code: int  # rtl/join_core.sv OP

    @abstractmethod
    def make_layer(self, name: str, formats: tuple[QFormat, ...], channels: int, output: OutputStage) -> JoinLayer:
        """The kind's layer (validated)."""

    # ---- manifest schema ----
    def from_dict(self, data: dict[str, Any], where: str, input_format: Any, defaults: dict[str, Any]) -> JoinLayer:
        """`channels`, `formats: {inputs: [...]}` (each input's, checked against what the graph gives) and `output`
        (as a conv's: activation, rounding, float32_input, full_precision, format)."""
        given = tuple(input_format) if isinstance(input_format, tuple) else (input_format,)
        channels = _field(data, "channels", int, where)
        formats_data = _field(_field(data, "formats", dict, where), "inputs", list, f"{where} formats")
        try:
            formats = tuple(format_from_dict(item, f"formats.inputs[{index}]") if index >= len(given)
                            or item != given[index].to_dict() else given[index]
                            for index, item in enumerate(formats_data))
            stage, recorded = output_stage_from_dict(data, where)
        except GoldenError as error:
            raise JoinSchemaError(f"{where}: {error}") from None
        if len(formats) != len(given):
            raise JoinSchemaError(f"{where}: formats.inputs lists {len(formats)} formats for {len(given)} inputs")
        for index, (fmt, graph) in enumerate(zip(formats, given)):
            if fmt != graph:
                raise JoinSchemaError(f"{where}: input {index} format {fmt} differs from its producer's output "
                                      f"format {graph}")
        layer = self.make_layer(_field(data, "name", str, where), formats, channels, stage)
        if stage.full_precision and recorded != layer.output_format.to_dict():
            raise JoinSchemaError(f"{where}: output.format {recorded} must be the exact result's format "
                                  f"{layer.output_format.to_dict()} (full precision)")
        return layer

    def to_dict(self, layer: Layer) -> dict[str, Any]:
        join = _join(layer)
        return {
            "name": join.name, "kind": self.name, "channels": join.channels,
            "formats": {"inputs": [fmt.to_dict() for fmt in join.formats]},
            "output": {
                "activation": join.output.activation.value, "rounding": join.output.rounding.value,
                "float32_input": join.output.float32_input, "full_precision": join.output.full_precision,
                "format": join.output_format.to_dict(),
            },
        }

    # ---- golden ----
    def step(self, layer: Layer, taps: np.ndarray) -> np.ndarray:
        """The concatenated inputs' one tap (1, N*C) -> (C,)."""
        join = _join(layer)
        taps = np.asarray(taps)
        if taps.shape != (1, join.in_channels):
            raise JoinSchemaError(f"layer {join.name}: taps must have shape (1, {join.in_channels}), got {taps.shape}")
        # written per channel, apart from `sequence`'s vectorised path
        out = []
        parts = join.split(taps[0])
        for channel in range(join.channels):
            operands = [np.array([int(part[channel]) << shift], dtype=np.int64)
                        for part, shift in zip(parts, join.input_shifts)]
            out.append(int(requantise_to(join.combine(operands), join.acc_frac, join.output)[0]))
        return np.array(out, dtype=np.int64)

    def sequence(self, layer: Layer, samples: np.ndarray) -> Sequence:
        join = _join(layer)
        return sequence_result(join.exact(np.asarray(samples)), join.acc_frac, join.output)

    # ---- hardware ----
    def settings(self, layer: Layer) -> Iterable[Parallelism]:
        return [Parallelism(1, 1)]

    def check_setting(self, layer: Layer, setting: Parallelism, where: str) -> None:
        if (setting.lanes, setting.cols) != (1, 1) or setting.stream:
            raise JoinSchemaError(f"{where}: a {self.name} layer has one setting, LANES = COLS = 1 (one channel per "
                                  f"cycle), got {setting}")

    def core_latency(self, layer: Layer, setting: Parallelism) -> int:
        join = _join(layer)
        return join.channels + 2 + int(join.output.float32_input) + join.combine_stages

    def core_interval(self, layer: Layer, setting: Parallelism) -> int:
        return self.core_latency(layer, setting)

    def multipliers(self, layer: Layer, setting: Parallelism) -> int:
        return 0

    def dsp_blocks(self, layer: Layer, setting: Parallelism) -> int:
        return 0

    def rom_files(self, layer: Layer, setting: Parallelism) -> dict[str, tuple[list[int], int]]:
        return {}

    def rtl_parameters(self, layer: Layer, setting: Parallelism, files: dict[str, str]) -> dict[str, int | str]:
        join = _join(layer)
        out = join.output
        packed_widths = sum(fmt.width << (8 * index) for index, fmt in enumerate(join.formats))
        packed_shifts = sum(shift << (8 * index) for index, shift in enumerate(join.input_shifts))
        packed_signed = sum(int(fmt.signed) << index for index, fmt in enumerate(join.formats))
        return {
            "OP": self.op_code, "N": len(join.formats), "C": join.channels,
            "IN_W": f"{8 * MAX_JOIN_INPUTS}'h{packed_widths:x}", "IN_SHIFT": f"{8 * MAX_JOIN_INPUTS}'h{packed_shifts:x}",
            "IN_SIGNED": f"{MAX_JOIN_INPUTS}'h{packed_signed:x}",
            "ACC_W": join.acc_width, "YW": join.output_format.width, "Y_SIGNED": int(join.output_format.signed),
            "Y_SHIFT": join.acc_frac - join.output_format.frac, "FULL_PRECISION": int(out.full_precision),
            "ROUNDING": int(out.rounding is Rounding.RNE), "RELU": int(out.activation is Activation.RELU),
            "FLOAT32_INPUT": int(out.float32_input), "COMBINE_REG": join.combine_stages,
        }

    def estimated_luts(self, layer: Layer, setting: Parallelism) -> int | None:
        """The combine (N aligned operands into ACC_W bits) and the output stage, per one channel, plus the word
        register's shift muxes."""
        join = _join(layer)
        return len(join.formats) * join.acc_width + 2 * join.acc_width + join.input_bits // 2

    def estimated_flip_flops(self, layer: Layer, setting: Parallelism) -> int | None:
        """The latched word, the exact result register (and a combine stage's registers: the add's group sums), the
        result word (and its staging), the channel counter."""
        join = _join(layer)
        stage = -(-len(join.formats) // SUM_GROUP) if join.combine_stages and self.op_code == 0 else 0
        return (join.input_bits + (1 + stage) * join.acc_width + 2 * join.channels * join.output_format.width
                + 16)

    # ---- examples ----
    def lint_variants(self) -> list[tuple[Layer, Parallelism]]:
        rng = np.random.default_rng(0)
        return [(layer, setting) for layer, setting in self.example_layers(rng)]

    def cost_variants(self) -> list[tuple[str, Layer, Parallelism]]:
        q = QFormat(16, 12)
        return [(f"{self.name} 2 x 16 ch Q(16,12)", self.make_layer("cost", (q, q), 16,
                                                                      OutputStage(Activation.LINEAR, q)),
                 Parallelism(1, 1))]


def _join(layer: Layer) -> JoinLayer:
    if not isinstance(layer, JoinLayer):
        raise JoinSchemaError(f"layer {layer.name}: expected a join layer, got {type(layer).__name__}")
    return layer


def exact_in_float64(layer: JoinLayer) -> str | None:
    """Why Keras's float64 Add/Multiply cannot compute the layer's exact result, or None."""
    if layer.acc_width - 1 > FLOAT64_SIGNIFICAND_BITS:
        return (f"layer '{layer.name}': its exact result needs {layer.acc_width} bits; Keras computes "
                f"{layer.kind} in float64, exact only up to {FLOAT64_SIGNIFICAND_BITS} significant bits")
    return None


def sum_width(formats: tuple[QFormat, ...], shifts: tuple[int, ...], count: int) -> int:
    """Signed bits that hold `count` aligned operands added (each `operand_width - 1 + shift` magnitude bits)."""
    top = max(fmt.operand_width - 1 + shift for fmt, shift in zip(formats, shifts))
    return top + 1 + math.ceil(math.log2(count))


__all__ = ["JoinKind", "JoinLayer", "JoinSchemaError", "KerasImport", "exact_in_float64", "sum_width"]
