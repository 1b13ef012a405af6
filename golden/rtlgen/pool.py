"""The shared structure: a whole network on one pool of P multipliers (rtl/pool_network.sv).

The per-layer structure (golden.rtlgen.top) gives every layer its own
multipliers, so a network never uses fewer DSPs than it has layers. The pool
walks the layers of a sample in order, each output channel's K*IN terms in
beats of P, one beat per cycle, and reads every term from one history memory.
This module owns the pool's static schedule (the ROM images the RTL reads),
its parameters, and its cycle model: `PoolPlan.timing` replays the RTL's issue
rule (a beat that needs a word of its layer's newest vector waits until that
word is written) and is the only copy of the pooled network's cycles per sample
and latency; sim/network measures both and asserts equality.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from golden.kinds import KINDS, Layer, Parallelism, kind_of
from golden.kinds.conv1d import MULT18_BITS, ConvLayer, conv1d_parameters
from golden.manifest import NetworkManifest
from golden.memfile import pack_vector
from golden.rtlgen.plan import Rendering, StructurePlan, mac_efficiency
from golden.rtlgen.resources import LogicEstimate, Memory, ram_block_rams, rom_block_rams
from golden.rtlgen.top import (
    DEFAULT_CYCLES_PER_SAMPLE,
    RtlExportError,
    check_top_name,
    contract_description,
)

# 1..8 lanes: enough to cover every budget between the per-layer structure's cheapest plan (one multiplier per
# layer) and the one-multiplier pool; beyond ~8 lanes, lane rounding (K*IN not a multiple of P) and waits for
# the previous layer's outputs cost more than the per-layer structure at the same budget.
POOL_SIZES = tuple(range(1, 9))
POOL_MODULES = ("fixed_pkg", "fixed_mul", "bias_align", "requantise", "float32_round", "pool_history",
                "pool_output_stage", "pool_network")
# rtl/pool_network.sv's pipeline: an output is written VISIBLE - 1 cycles after its last beat issued
# (S1, S2, S3, S3b, S4, S5, the output stage's 2 registers, the write), so a beat that needs it issues
# VISIBLE cycles after, and out_valid_o rises then; one more with a float32 output class, one more for a pool
# wider than SUM_FAN_IN.
VISIBLE_BASE = 10
# Products summed in one cycle; a wider pool sums them in registered pairs first (rtl/pool_network.sv's
# SumFanIn), one pipeline stage more.
SUM_FAN_IN = 4
# The output stage parameters a class shares (rtl/pool_output_stage.sv); ACC_W is the widest of the class.
CLASS_KEYS = ("PROD_SHIFT", "BIAS_SHIFT", "YW", "Y_SIGNED", "Y_SHIFT", "FULL_PRECISION", "ROUNDING", "RELU",
              "FLOAT32_INPUT")
# The pool's logic (PoolPlan.estimated_logic), calibrated on the default model's P = 1..8 and the scale family's
# pools (docs/results.md, "Estimates"): per multiplier lane its adder and address logic, per layer its table
# entries and compares; flip-flops from its registers.
POOL_LUTS_BASE, POOL_LUTS_PER_LANE, POOL_LUTS_PER_LAYER = 200, 101, 137


class PoolError(RtlExportError):
    """The network cannot be built on a multiplier pool; the message names the layer or option."""


SHARED = "shared"  # this structure's name (StructurePlan.structure, LayerKind.structures)

def index_width(count: int) -> int:
    """fixed_pkg::index_width: bits of an index over `count` values, at least one."""
    return max(1, (count - 1).bit_length())


def check_poolable(manifest: NetworkManifest) -> None:
    """The pool runs the layers of kinds that say it can (LayerKind.structures: conv arithmetic on fixed_mul
    lanes) in a chain; a network with any other, or a graph, keeps the per-layer structure."""
    if not manifest.is_chain:
        raise PoolError("the network is a graph (a layer reads more than the layer before it, or its output is not "
                        "the last layer's); the shared multiplier pool runs chains only, so it keeps the per-layer "
                        "structure")
    for index, layer in enumerate(manifest.layers):
        if SHARED not in kind_of(layer).structures:
            runs = [name for name, kind in KINDS.items() if SHARED in kind.structures]
            raise PoolError(
                f"layer {index} ({layer.name}) is a {layer.kind} layer; the shared multiplier pool runs "
                f"{', '.join(runs)} layers only (fixed_mul lanes), so this network keeps the per-layer structure"
            )


@dataclass(frozen=True)
class Beat:
    """One cycle of the pool: up to P terms (k, c) of one output channel of one layer; None = idle lane."""

    layer: int
    out: int
    number: int  # the output's place in the sample (bias ROM word)
    terms: tuple[tuple[int, int] | None, ...]
    first: bool
    last: bool
    layer_last: bool
    sample_last: bool


@dataclass(frozen=True)
class Timing:
    """The pooled network's cycles, replayed from the schedule (see the module docstring)."""

    issue: tuple[int, ...]  # each beat's issue cycle, counted from the cycle the sample begins
    cycles_per_sample: int
    latency_cycles: int
    stall_cycles: int  # cycles a sample's beats wait for the outputs they need


@dataclass(frozen=True)
class PoolPlan(StructurePlan):
    """A manifest on a pool of `pool` multipliers: what the generated top will be (the shared structure)."""

    structure: ClassVar[str] = SHARED
    hex_files_noun: ClassVar[str] = "ROM files"

    manifest: NetworkManifest
    top: str
    pool: int
    budget: int

    # ---- shapes ------------------------------------------------------------------------
    @property
    def layers(self) -> tuple[ConvLayer, ...]:
        return tuple(self.manifest.layers)  # type: ignore[arg-type]

    def beats_per_output(self, layer: Layer) -> int:
        return math.ceil(layer.kernel_size * layer.in_channels / self.pool)

    @property
    def beat_count(self) -> int:
        return sum(self.beats_per_output(layer) * layer.out_channels for layer in self.layers)

    @property
    def output_count(self) -> int:
        return sum(layer.out_channels for layer in self.layers)

    @property
    def macs(self) -> int:
        return self.manifest.macs_per_sample

    @property
    def multipliers(self) -> int:
        return self.pool

    @property
    def pool_size(self) -> int:
        return self.pool

    @property
    def data_width(self) -> int:
        """DW: the history word, every layer input's signed operand width (unsigned codes zero-extended)."""
        return max(layer.input_format.operand_width for layer in self.layers)

    @property
    def kernel_width(self) -> int:
        return max(layer.operands.kernel.width for layer in self.layers)

    @property
    def bias_width(self) -> int:
        return max(layer.operands.bias.width for layer in self.layers)

    @property
    def dsp_count(self) -> int:
        """MULT18X18D blocks: one per lane while both signed operands fit 18 bits (conv1d's rule)."""
        return self.pool * math.ceil(self.data_width / MULT18_BITS) * math.ceil(self.kernel_width / MULT18_BITS)

    @property
    def spans(self) -> tuple[int, ...]:
        """Vectors each layer's ring holds: the K taps' (K-1)*dilation + 1 samples."""
        return tuple(layer.history + 1 for layer in self.layers)

    @property
    def ring_lengths(self) -> tuple[int, ...]:
        """Words of each layer's ring: its span of vectors, and one vector more for layer 0.

        The next sample's input is written into layer 0's ring from the cycle after this sample's
        last beat issues, and the slot after the newest is the oldest (tap 0). In a one-layer
        network a beat reading tap 0 can issue one cycle before that last beat and read the
        history two cycles after it issued: with a ring of exactly the span, that read meets the
        write of the next sample's channel 0 (a pool of 8 on K*IN = 15 terms: two beats per
        output). The spare vector takes the write instead. A later layer's ring is written
        only by the outputs of the layer before it, ten or more cycles after the next sample's
        first beat of that layer, long after this sample's reads."""
        return tuple((span + (index == 0)) * layer.in_channels
                     for index, (span, layer) in enumerate(zip(self.spans, self.layers)))

    @property
    def ring_bases(self) -> tuple[int, ...]:
        bases, total = [], 0
        for length in self.ring_lengths:
            bases.append(total)
            total += length
        return tuple(bases)

    @property
    def depth(self) -> int:
        return sum(self.ring_lengths)

    @property
    def max_terms(self) -> int:
        return max(layer.kernel_size * layer.in_channels for layer in self.layers)

    # ---- schedule ---------------------------------------------------------------------
    @cached_property
    def beats(self) -> tuple[Beat, ...]:
        beats: list[Beat] = []
        number = 0
        for index, layer in enumerate(self.layers):
            terms = [divmod(j, layer.in_channels) for j in range(layer.kernel_size * layer.in_channels)]
            per_output = self.beats_per_output(layer)
            for out in range(layer.out_channels):
                for b in range(per_output):
                    chunk = terms[b * self.pool:(b + 1) * self.pool]
                    lanes = tuple(chunk) + (None,) * (self.pool - len(chunk))
                    beats.append(Beat(
                        layer=index, out=out, number=number, terms=lanes, first=b == 0, last=b == per_output - 1,
                        layer_last=out == layer.out_channels - 1 and b == per_output - 1, sample_last=False))
                number += 1
        beats[-1] = replace(beats[-1], sample_last=True)
        return tuple(beats)

    def need(self, beat: Beat) -> int:
        """Channels of the beat's layer's newest vector (tap K-1) it reads: the highest plus one, or 0."""
        newest = self.layers[beat.layer].kernel_size - 1
        return max((c + 1 for term in beat.terms if term is not None for k, c in [term] if k == newest), default=0)

    @property
    def float32_stage(self) -> int:
        return int(any(layer.output.float32_input for layer in self.layers))

    @property
    def visible_after(self) -> int:
        """Cycles from an output's last beat issuing to the first beat that may read it (and out_valid_o)."""
        return VISIBLE_BASE + self.float32_stage + self.sum_stage

    @property
    def sum_stage(self) -> int:
        return int(self.pool > SUM_FAN_IN)

    @cached_property
    def timing(self) -> Timing:
        """rtl/pool_network.sv's issue rule, replayed: the one copy of the pooled cycle formulas.

        The sample begins in cycle 0 (accepted in cycle -1 into an idle pool); the input
        writer writes channel c at the end of cycle 1 + c, visible from 2 + c; beats issue
        from cycle 1, one per cycle, each once what it needs of its newest vector is visible.
        At full rate the next sample begins when this one's last beat issues, but not before
        it was accepted: in_ready_o rises once the input was written (cycle IN + 1)."""
        visible: dict[tuple[int, int], int] = {}
        issue: list[int] = []
        cycle = 0
        stalls = 0
        for beat in self.beats:
            earliest = cycle + 1
            need = self.need(beat)
            ready = earliest
            if need:
                ready = max(ready, 1 + need) if beat.layer == 0 else max(ready, visible[(beat.layer - 1, need - 1)])
            stalls += ready - earliest
            cycle = ready
            issue.append(cycle)
            if beat.last:
                visible[(beat.layer, beat.out)] = cycle + self.visible_after
        cycles, latency = self._sample_cycles(issue[-1])
        return Timing(issue=tuple(issue), cycles_per_sample=cycles, latency_cycles=latency, stall_cycles=stalls)

    def _sample_cycles(self, last: int) -> tuple[int, int]:
        """(cycles per sample, latency) when the sample's last beat issues in cycle `last`."""
        return max(last, self.layers[0].in_channels + 2), 1 + last + self.visible_after

    @property
    def cycles_per_sample(self) -> int:
        return self.timing.cycles_per_sample

    @property
    def latency_cycles(self) -> int:
        return self.timing.latency_cycles

    @property
    def cycles_lower_bound(self) -> int:
        """cycles_per_sample at least, without the replay: beats issue one per cycle from cycle 1, so the last
        issues in cycle beat_count or later (equal when no beat waits)."""
        return self._sample_cycles(self.beat_count)[0]

    @property
    def latency_lower_bound(self) -> int:
        """latency_cycles at least, without the replay (as cycles_lower_bound)."""
        return self._sample_cycles(self.beat_count)[1]

    # ---- output classes ---------------------------------------------------------------
    def layer_parameters(self, layer: ConvLayer) -> dict[str, int | str]:
        """conv1d's RTL parameters of the layer (the one copy of the format-to-parameter rules)."""
        return conv1d_parameters(layer, Parallelism(1, 1), {"weights": "", "bias": ""},
                                 {"KW": layer.operands.kernel.width})

    @cached_property
    def classes(self) -> tuple[tuple[dict[str, int], ...], tuple[int, ...]]:
        """(class parameter sets, each layer's class): layers with the same output stage share one."""
        keys: list[tuple[int, ...]] = []
        widths: list[int] = []
        of_layer = []
        for layer in self.layers:
            params = self.layer_parameters(layer)
            key = tuple(int(params[name]) for name in CLASS_KEYS)
            if key not in keys:
                keys.append(key)
                widths.append(0)
            index = keys.index(key)
            widths[index] = max(widths[index], layer.accumulator_width)
            of_layer.append(index)
        classes = tuple({**dict(zip(CLASS_KEYS, key)), "ACC_W": width} for key, width in zip(keys, widths))
        return classes, tuple(of_layer)

    # ---- widths and fields of the schedule word (rtl/pool_network.sv computes the same) ----
    @property
    def widths(self) -> dict[str, int]:
        max_in = max(layer.in_channels for layer in self.layers)
        out_ch = self.layers[-1].out_channels
        max_fill = max(span - 1 for span in self.spans)
        aw = index_width(self.depth)
        dlw = index_width(max_fill + 2)
        return {"AW": aw, "DLW": dlw, "CW": index_width(max_in + 1), "LYW": index_width(len(self.layers)),
                "OW": index_width(max(max_in, out_ch)), "NW": index_width(self.output_count), "LaneW": aw + 1 + dlw}

    @property
    def schedule_width(self) -> int:
        """Bits of a SCHEDULE_FILE word: per lane an address offset and an age, then the beat's fields."""
        w = self.widths
        return self.pool * w["LaneW"] + w["CW"] + w["LYW"] + w["OW"] + w["NW"] + 4

    def schedule_words(self) -> tuple[list[int], int]:
        """The SCHEDULE_FILE words and their width."""
        w = self.widths
        words = []
        for beat in self.beats:
            layer = self.layers[beat.layer]
            word, position = 0, 0

            def put(value: int, bits: int) -> None:
                nonlocal word, position
                word |= (value & ((1 << bits) - 1)) << position
                position += bits
            for term in beat.terms:
                if term is None:  # no term: offset 0 (a valid address), age past every fill count
                    put(0, w["AW"] + 1)
                    put((1 << w["DLW"]) - 1, w["DLW"])
                else:
                    k, c = term
                    age = (layer.kernel_size - 1 - k) * layer.dilation
                    put(c - age * layer.in_channels, w["AW"] + 1)
                    put(age, w["DLW"])
            put(self.need(beat), w["CW"])
            put(beat.layer, w["LYW"])
            put(beat.out, w["OW"])
            put(beat.number, w["NW"])
            for flag in (beat.first, beat.last, beat.layer_last, beat.sample_last):
                put(int(flag), 1)
            words.append(word)
        return words, self.schedule_width

    def weight_words(self) -> tuple[list[int], int]:
        """The WEIGHTS_FILE words: lane l's kernel code at [l*KW +: KW], zero for an idle lane."""
        kw = self.kernel_width
        words = []
        for beat in self.beats:
            kernel = self.layers[beat.layer].kernel
            codes = [0 if term is None else int(kernel[term[0], term[1], beat.out]) for term in beat.terms]
            words.append(pack_vector(codes, kw))
        return words, self.weight_width

    @property
    def weight_width(self) -> int:
        return self.pool * self.kernel_width

    def bias_words(self) -> tuple[list[int], int]:
        """The BIAS_FILE words: output n's bias code, sign-extended to BW."""
        bw = self.bias_width
        return [pack_vector([int(code)], bw) for layer in self.layers for code in layer.bias], bw

    def rom_files(self) -> dict[str, tuple[list[int], int]]:
        return {"weights": self.weight_words(), "schedule": self.schedule_words(), "bias": self.bias_words()}

    def rom_shapes(self) -> dict[str, tuple[int, int]]:
        """Per role of rom_files: (words, bits), without building the words: a word per beat, a bias per output."""
        return {"weights": (self.beat_count, self.weight_width), "schedule": (self.beat_count, self.schedule_width),
                "bias": (self.output_count, self.bias_width)}

    # ---- cost ---------------------------------------------------------------------------
    def memories(self) -> list[Memory]:
        """The weight and schedule ROMs and P copies of the history RAM (golden.rtlgen.resources)."""
        shapes = self.rom_shapes()
        found = [Memory("pool", role, *shapes[role], rom_block_rams(*shapes[role])) for role in ("weights", "schedule")]
        copy = ram_block_rams(self.depth, self.data_width)
        found.append(Memory("pool", f"history ({self.pool} copies)", self.depth, self.data_width, copy * self.pool))
        return found

    def estimated_logic(self) -> LogicEstimate:
        """The pool's formula (POOL_LUTS_*; flip-flops from rtl/pool_network.sv's registers): always known."""
        schedule = self.rom_shapes()["schedule"][1]
        raw = self.data_width + self.kernel_width + math.ceil(math.log2(self.max_terms + 1))
        first, last = self.layers[0], self.layers[-1]
        stages = 7 + (1 if self.pool > 4 else 0)  # rtl/pool_network.sv: S1 .. S6, S3b, S4b beyond 4 lanes
        luts = POOL_LUTS_BASE + POOL_LUTS_PER_LANE * self.pool + POOL_LUTS_PER_LAYER * len(self.layers)
        flip_flops = (first.in_channels * first.input_format.width
                      + (2 * last.out_channels - 1) * last.output_format.width
                      + 2 * schedule + stages * schedule // 4 + self.pool * (self.data_width + self.kernel_width + 2)
                      + 3 * raw + 20)
        return LogicEstimate(luts, flip_flops)

    def estimated_luts(self) -> int:
        return self.estimated_logic().luts

    def label(self) -> str:
        return f"shared pool P={self.pool}"

    def outline(self) -> list[str]:
        """The pool's work per sample: its multiply-accumulates, beats and waits."""
        return [f"  one pool of {self.pool}: {self.macs} multiply-accumulates in {self.beat_count} beats + "
                f"{self.timing.stall_cycles} waiting cycles"]

    def render(self, out_dir: Path, output_ready: bool = False) -> Rendering:
        """The weight, schedule and bias ROMs, the top around one pool_network, and the JSON description."""
        if output_ready:
            raise RtlExportError(f"{self.top}: the shared pool has no output backpressure (out_ready_i)")
        names = file_names(self)
        hex_files = [(names[role], words, bits) for role, (words, bits) in self.rom_files().items()]
        return Rendering(hex_files, render_top(self, out_dir), describe(self, out_dir))

    def rtl_parameters(self) -> dict[str, int | str]:
        """pool_network's parameters except the files; tables as {field NL-1, ..., field 0} literals."""
        classes, of_layer = self.classes
        first, last = self.layers[0], self.layers[-1]

        def table(values: list[int]) -> str:
            # 32-bit two's complement fields, layer (class) 0 last: table[l*32 +: 32] is entry l
            return "{" + ", ".join(f"32'd{v}" if v >= 0 else f"32'h{v & 0xFFFFFFFF:08X}" for v in reversed(values)) + "}"
        fill = [span - 1 for span in self.spans]
        params: dict[str, int | str] = {
            "P": self.pool, "NL": len(self.layers), "NC": len(classes),
            "IN_CH": first.in_channels, "XW": first.input_format.width, "X_SIGNED": int(first.input_format.signed),
            "OUT_CH": last.out_channels, "YW": last.output_format.width,
            "DW": self.data_width, "KW": self.kernel_width, "BW": self.bias_width, "MAX_TERMS": self.max_terms,
            "DEPTH": self.depth, "NB": self.beat_count, "NOUT": self.output_count,
            "L_IN": table([layer.in_channels for layer in self.layers]), "L_RBASE": table(list(self.ring_bases)),
            "L_RLEN": table(list(self.ring_lengths)), "L_FILL_MAX": table(fill), "L_CLASS": table(list(of_layer)),
        }
        for name in ("PROD_SHIFT", "BIAS_SHIFT", "ACC_W", "YW", "Y_SIGNED", "Y_SHIFT", "FULL_PRECISION", "ROUNDING",
                     "RELU", "FLOAT32_INPUT"):
            params[f"C_{name}"] = table([int(c[name]) for c in classes])
        return params

    def describe_layers(self) -> list[dict[str, Any]]:
        classes, of_layer = self.classes
        rows = []
        for index, layer in enumerate(self.layers):
            rows.append({
                "index": index, "name": layer.name, "kind": layer.kind, "kernel_size": layer.kernel_size,
                "dilation": layer.dilation, "in_channels": layer.in_channels, "out_channels": layer.out_channels,
                "input_format": layer.input_format.to_dict(), "output_format": layer.output_format.to_dict(),
                "beats_per_output": self.beats_per_output(layer),
                "beats": self.beats_per_output(layer) * layer.out_channels,
                "ring_base": self.ring_bases[index], "ring_length": self.ring_lengths[index],
                "output_class": of_layer[index], "tap_source": "pool_history",
            })
        return rows


def plan_pool(manifest: NetworkManifest, pool: int, top: str | None = None,
              budget: int = DEFAULT_CYCLES_PER_SAMPLE) -> PoolPlan:
    """Check the network and the pool size, and plan it (the budget is recorded, not enforced)."""
    if isinstance(pool, bool) or not isinstance(pool, int) or pool not in POOL_SIZES:
        raise PoolError(f"pool size must be {POOL_SIZES[0]}..{POOL_SIZES[-1]} multipliers, got {pool!r}")
    check_poolable(manifest)
    top = top or f"wavenet_{manifest.name}"
    check_top_name(top)
    return PoolPlan(manifest=manifest, top=top, pool=pool, budget=budget)


# ---- generated files -------------------------------------------------------------------

def file_names(plan: PoolPlan) -> dict[str, str]:
    return {role: f"{plan.top}_{role}.hex" for role in ("weights", "schedule", "bias")}


def parameter_name(role: str) -> str:
    return f"{role.upper()}_FILE"


def _table_literal(value: int | str) -> str:
    return str(value)


def render_top(plan: PoolPlan, out_dir: Path) -> str:
    """The SystemVerilog text of the top: one pool_network with the plan's parameters and files."""
    manifest = plan.manifest
    timing = plan.timing
    in_fmt, out_fmt = manifest.input_format, manifest.output_format
    classes, of_layer = plan.classes
    lines = [
        f"// {plan.top}: streaming network '{manifest.name}' generated by scripts/gen_network.py",
        "// (golden/rtlgen/pool.py) from its model manifest. Do not edit: regenerate.",
        "//",
        f"// {len(plan.layers)} layers, {manifest.input_channels} x {in_fmt} -> {manifest.output_channels} x "
        f"{out_fmt}, receptive field {manifest.receptive_field} samples.",
        f"// Shared structure: one pool of {plan.pool} multipliers (rtl/pool_network.sv) walks every layer of",
        f"// a sample, {plan.macs} multiply-accumulates in {plan.beat_count} beats of {plan.pool}.",
        "//",
        "//   layer  name              K  dil  in  out  in fmt      out fmt     beats  ring base/len  class",
    ]
    for index, layer in enumerate(plan.layers):
        lines.append(
            f"//   {index:5d}  {layer.name:16s} {layer.kernel_size:2d} {layer.dilation:4d} {layer.in_channels:3d} "
            f"{layer.out_channels:4d}  {str(layer.input_format):11s} {str(layer.output_format):11s} "
            f"{plan.beats_per_output(layer) * layer.out_channels:5d}  {plan.ring_bases[index]:6d}/{plan.ring_lengths[index]:<6d}"
            f" {of_layer[index]:5d}"
        )
    lines += [
        "//",
        "// Handshake: as the per-layer top (docs/network.md): in_valid_i & in_ready_o accept in_data_i;",
        "// out_valid_o pulses once per accepted sample, in order, out_data_o holds until the next;",
        "// no output backpressure; rst_i drops the samples in flight and restarts from zero history.",
        "//",
        f"// Timing: CYCLES_PER_SAMPLE = {plan.cycles_per_sample} ({timing.stall_cycles} of them waiting for outputs",
        f"// the next beat needs); LATENCY = {plan.latency_cycles} (input accepted in cycle c -> out_valid_o in",
        f"// cycle c + LATENCY when the pool is idle). {plan.multipliers} multipliers, {plan.dsp_count} MULT18X18D.",
        "",
        "`default_nettype none",
        "",
        f"module {plan.top} #(",
        ",\n".join(f'  parameter {parameter_name(role)} = "{(out_dir / name).as_posix()}"'
                   for role, name in file_names(plan).items()),
        ") (",
        "  input  wire logic                  clk_i,",
        "  input  wire logic                  rst_i,",
        "  input  wire logic                  in_valid_i,",
        "  output      logic                  in_ready_o,",
        f"  input  wire logic [{manifest.input_channels * in_fmt.width - 1}:0]  in_data_i,",
        "  output      logic                  out_valid_o,",
        f"  output      logic [{manifest.output_channels * out_fmt.width - 1}:0]  out_data_o",
        ");",
        "",
        "  pool_network #(",
    ]
    params = [f"    .{name}({_table_literal(value)})" for name, value in plan.rtl_parameters().items()]
    params += [f"    .{parameter_name(role)}({parameter_name(role)})" for role in file_names(plan)]
    lines.append(",\n".join(params))
    lines += [
        "  ) u_pool (",
        "    .clk_i, .rst_i, .in_valid_i, .in_ready_o, .in_data_i, .out_valid_o, .out_data_o",
        "  );",
        "",
        "endmodule",
        "",
        "`default_nettype wire",
        "",
    ]
    return "\n".join(lines)


def describe(plan: PoolPlan, out_dir: Path) -> dict[str, Any]:
    """The JSON description: the per-layer top's keys (its consumers read them) plus the pool's."""
    parameters = {parameter_name(role): str(out_dir / name) for role, name in file_names(plan).items()}
    timing = plan.timing
    return {
        **contract_description(plan, POOL_MODULES, parameters, out_dir),
        "pool": plan.pool,
        "macs_per_sample": plan.macs,
        "beats_per_sample": plan.beat_count,
        "stall_cycles": timing.stall_cycles,
        "mac_efficiency": round(mac_efficiency(plan.macs, plan.multipliers, plan.cycles_per_sample), 4),
        "history_words": plan.depth,
        "output_classes": [dict(c) for c in plan.classes[0]],
        "files": {role: str(out_dir / name) for role, name in file_names(plan).items()},
        "layers": plan.describe_layers(),
    }
