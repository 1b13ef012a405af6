"""A model manifest as RTL: the generated network top, its weight files and a JSON description.

Nothing here is per-model hand-written RTL: the top is text that chains one
generic `network_layer` (rtl/network_layer.sv) per manifest layer, each with
its own parameters and weight files (docs/network.md). This module also owns
the timing model of that chain, so the numbers in the JSON (cycles per sample,
latency, multipliers) come from the same formulas the RTL headers document,
and the parallelism policy that picks each layer's LANES x COLS from a
cycles-per-sample budget.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from golden.errors import GoldenError
from golden.manifest import ConvLayer, NetworkManifest
from golden.memfile import bias_rom_words, conv_matrix, matrix_rom_words, write_hex

REPO = Path(__file__).resolve().parents[1]
RTL = REPO / "rtl"
# The generic modules the generated top needs, in dependency order (package first).
RTL_MODULES = ("fixed_pkg", "fixed_mul", "dot_product", "row_by_matrix_multiply", "requantise", "conv1d",
               "left_shift_buffer", "activation_cache", "network_layer")
STROBE_GUARD = "sample_strobe_guard"  # not in the top; for boards with a fixed-rate sample strobe
DEFAULT_CYCLES_PER_SAMPLE = 64
JSON_VERSION = 1
MULT18_BITS = 18  # ECP5 MULT18X18D operand width


class RtlExportError(GoldenError):
    """The network cannot be generated as asked; the message names the layer, file or option."""


@dataclass(frozen=True)
class LayerPlan:
    """One layer as hardware: tap source, parallelism and its cycle counts (rtl/network_layer.sv)."""

    index: int
    layer: ConvLayer
    lanes: int
    cols: int

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def uses_cache(self) -> bool:
        """activation_cache (block RAM) unless the window is the taps themselves (K == 1 or dilation 1)."""
        return self.layer.kernel_size > 1 and self.layer.dilation > 1

    @property
    def tap_source(self) -> str:
        return "activation_cache" if self.uses_cache else "left_shift_buffer"

    @property
    def beats(self) -> int:
        return math.ceil(self.layer.kernel_size * self.layer.in_channels / self.lanes)

    @property
    def passes(self) -> int:
        return math.ceil(self.layer.out_channels / self.cols)

    @property
    def conv_latency(self) -> int:
        """conv1d's PASSES*BEATS + clog2(LANES) + 5."""
        return self.passes * self.beats + _ceil_log2(self.lanes) + 5

    @property
    def source_latency(self) -> int:
        return self.layer.kernel_size + 2 if self.uses_cache else 1

    @property
    def latency(self) -> int:
        """Accepted push to out_valid_o with nothing stalling: SRC_LAT + LAT + 1."""
        return self.source_latency + self.conv_latency + 1

    @property
    def interval(self) -> int:
        """Cycles between accepted pushes at full rate: max(LAT + 1, K + 3 or 2)."""
        source = self.layer.kernel_size + 3 if self.uses_cache else 2
        return max(self.conv_latency + 1, source)

    @property
    def multipliers(self) -> int:
        return self.lanes * self.cols

    def describe(self) -> dict[str, Any]:
        layer = self.layer
        return {
            "index": self.index, "name": layer.name, "kernel_size": layer.kernel_size, "dilation": layer.dilation,
            "in_channels": layer.in_channels, "out_channels": layer.out_channels, "relu": layer.relu,
            "lanes": self.lanes, "cols": self.cols, "multipliers": self.multipliers, "tap_source": self.tap_source,
            "beats": self.beats, "passes": self.passes, "conv_latency_cycles": self.conv_latency,
            "latency_cycles": self.latency, "interval_cycles": self.interval,
        }


@dataclass(frozen=True)
class NetworkPlan:
    """A manifest with a parallelism per layer: what the generated top will be."""

    manifest: NetworkManifest
    top: str
    layers: tuple[LayerPlan, ...]
    budget: int

    @property
    def cycles_per_sample(self) -> int:
        """Steady-state cycles between accepted samples at full rate: the slowest stage's interval."""
        return max(plan.interval for plan in self.layers)

    @property
    def latency_cycles(self) -> int:
        """Input accepted in cycle c -> out_valid_o in cycle c + this, pipeline otherwise empty."""
        return sum(plan.latency for plan in self.layers)

    @property
    def multipliers(self) -> int:
        return sum(plan.multipliers for plan in self.layers)

    @property
    def dsp_count(self) -> int:
        """ECP5 MULT18X18D blocks: one per multiplier up to 18-bit operands, (ceil(W/18))^2 beyond."""
        return self.multipliers * math.ceil(self.manifest.fmt.width / MULT18_BITS) ** 2


def layer_plan(index: int, layer: ConvLayer, lanes: int, cols: int) -> LayerPlan:
    """Check LANES/COLS against the layer (1..K*IN, 1..OUT) and plan it."""
    terms = layer.kernel_size * layer.in_channels
    for value, what, high in ((lanes, "LANES", terms), (cols, "COLS", layer.out_channels)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            raise RtlExportError(f"layer {index} ({layer.name}): {what} must be an integer in [1, {high}], got {value!r}")
    return LayerPlan(index, layer, lanes, cols)


def choose_parallelism(index: int, layer: ConvLayer, budget: int) -> LayerPlan:
    """The cheapest LANES x COLS whose stage interval fits `budget` cycles.

    Fewest multipliers first; among those the shortest interval, then fewer
    COLS (narrower ROM words, fewer accumulators and requantisers)."""
    candidates = [
        layer_plan(index, layer, lanes, cols)
        for lanes in range(1, layer.kernel_size * layer.in_channels + 1)
        for cols in range(1, layer.out_channels + 1)
    ]
    fitting = [plan for plan in candidates if plan.interval <= budget]
    if not fitting:
        best = min(candidates, key=lambda plan: (plan.interval, plan.multipliers))
        raise RtlExportError(
            f"layer {index} ({layer.name}): no parallelism meets {budget} cycles per sample; the fastest setting "
            f"(LANES={best.lanes}, COLS={best.cols}) needs {best.interval}"
        )
    return min(fitting, key=lambda plan: (plan.multipliers, plan.interval, plan.cols))


def plan_network(
    manifest: NetworkManifest,
    cycles_per_sample: int = DEFAULT_CYCLES_PER_SAMPLE,
    overrides: Mapping[str, tuple[int, int]] | None = None,
    top: str | None = None,
) -> NetworkPlan:
    """Per layer: the override (LANES, COLS) if given, else the cheapest setting within the budget."""
    if isinstance(cycles_per_sample, bool) or not isinstance(cycles_per_sample, int) or cycles_per_sample < 1:
        raise RtlExportError(f"cycles per sample must be a positive integer, got {cycles_per_sample!r}")
    overrides = dict(overrides or {})
    names = {layer.name for layer in manifest.layers}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise RtlExportError(
            f"parallelism override for unknown layer(s) {', '.join(unknown)}; "
            f"manifest {manifest.name} has {', '.join(layer.name for layer in manifest.layers)}"
        )
    plans = []
    for index, layer in enumerate(manifest.layers):
        if layer.name in overrides:
            lanes, cols = overrides[layer.name]
            plans.append(layer_plan(index, layer, lanes, cols))
        else:
            plans.append(choose_parallelism(index, layer, cycles_per_sample))
    top = top or f"wavenet_{manifest.name}"
    check_top_name(top)
    return NetworkPlan(manifest=manifest, top=top, layers=tuple(plans), budget=cycles_per_sample)


def check_top_name(top: str) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", top or ""):
        raise RtlExportError(f"top name must be an identifier (letters, digits, _; starting with a letter), got {top!r}")
    if top in RTL_MODULES or top == STROBE_GUARD:
        raise RtlExportError(f"top name {top!r} is the name of a generic RTL module; choose another")


def parse_override(text: str) -> tuple[str, tuple[int, int]]:
    """'LAYER=LANESxCOLS' (e.g. qconv_1=4x8) -> (layer, (lanes, cols))."""
    match = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise RtlExportError(f"parallelism override {text!r}: expected LAYER=LANESxCOLS, e.g. qconv_1=4x8")
    return match.group(1), (int(match.group(2)), int(match.group(3)))


# ---- generated files -------------------------------------------------------

def weight_file_names(plan: NetworkPlan) -> list[tuple[str, str]]:
    """Per layer (weights, bias) file names: <top>_<layer>_weights.hex / _bias.hex."""
    return [(f"{plan.top}_{lp.name}_weights.hex", f"{plan.top}_{lp.name}_bias.hex") for lp in plan.layers]


def render_top(plan: NetworkPlan, out_dir: Path) -> str:
    """The SystemVerilog text of the top: network_layer instances chained by valid/ready."""
    manifest, fmt = plan.manifest, plan.manifest.fmt
    files = weight_file_names(plan)
    last = len(plan.layers)
    lines = [
        f"// {plan.top}: streaming network '{manifest.name}' generated by scripts/gen_network.py",
        "// (golden/rtl_export.py) from its model manifest. Do not edit: regenerate.",
        "//",
        f"// {len(plan.layers)} layers, {fmt}, rounding {manifest.rounding.value}, "
        f"{manifest.input_channels} -> {manifest.output_channels} channels, receptive field "
        f"{manifest.receptive_field} samples.",
        "// One network_layer per layer (docs/network.md), chained by valid/ready, so the",
        "// layers work as a pipeline on successive samples.",
        "//",
        "//   layer  name              K  dil  in  out relu source             LANES COLS mults latency interval",
    ]
    for lp in plan.layers:
        layer = lp.layer
        lines.append(
            f"//   {lp.index:5d}  {layer.name:16s} {layer.kernel_size:2d} {layer.dilation:4d} {layer.in_channels:3d} "
            f"{layer.out_channels:4d} {int(layer.relu):4d} {lp.tap_source:18s} {lp.lanes:5d} {lp.cols:4d} "
            f"{lp.multipliers:5d} {lp.latency:7d} {lp.interval:8d}"
        )
    lines += [
        "//",
        "// Handshake",
        "//   in_valid_i & in_ready_o  accept in_data_i (channel c at [c*W +: W]); in_data_i",
        "//                           must hold while in_valid_i waits for in_ready_o",
        "//   out_valid_o              one-cycle pulse, exactly one per accepted input, in order;",
        "//                           out_data_o (channel o at [o*W +: W]) holds until the next",
        "//                           out_valid_o",
        "//   no output backpressure: the consumer must keep up (it always can: outputs come",
        "//   at most one per CYCLES_PER_SAMPLE cycles) or throttle the input side.",
        "//   rst_i (synchronous, active high) empties the pipeline and every cache: the",
        "//   stream restarts from zero history.",
        "//",
        f"// Timing: CYCLES_PER_SAMPLE = {plan.cycles_per_sample} (steady-state cycles between accepted samples",
        f"// at full rate); LATENCY = {plan.latency_cycles} (input accepted in cycle c -> out_valid_o in",
        f"// cycle c + LATENCY when the pipeline is otherwise empty). {plan.multipliers} multipliers.",
        "",
        "`default_nettype none",
        "",
        f"module {plan.top} #(",
    ]
    params = []
    for index, (weights, bias) in enumerate(files):
        params.append(f'  parameter L{index}_WEIGHTS_FILE = "{(out_dir / weights).as_posix()}"')
        params.append(f'  parameter L{index}_BIAS_FILE    = "{(out_dir / bias).as_posix()}"')
    lines.append(",\n".join(params))
    lines += [
        ") (",
        "  input  wire logic                  clk_i,",
        "  input  wire logic                  rst_i,",
        "  input  wire logic                  in_valid_i,",
        "  output      logic                  in_ready_o,",
        f"  input  wire logic [{manifest.input_channels * fmt.width - 1}:0]  in_data_i,",
        "  output      logic                  out_valid_o,",
        f"  output      logic [{manifest.output_channels * fmt.width - 1}:0]  out_data_o",
        ");",
        "",
        f"  localparam int W = {fmt.width};",
        f"  localparam int F = {fmt.frac};",
        f"  localparam int ROUNDING = {manifest.rounding.rtl_code};  // {manifest.rounding.value}",
        "",
        "  // Stage s carries layer s's input: s = 0 is the network input, s = "
        f"{last} its output.",
    ]
    channels = [manifest.input_channels] + [lp.layer.out_channels for lp in plan.layers]
    for stage, width in enumerate(channels):
        lines.append(f"  logic s{stage}_valid, s{stage}_ready;")
        lines.append(f"  logic [{width}*W-1:0] s{stage}_data;")
    lines += [
        "",
        "  assign s0_valid   = in_valid_i;",
        "  assign in_ready_o = s0_ready;",
        "  assign s0_data    = in_data_i;",
    ]
    for lp in plan.layers:
        layer, i = lp.layer, lp.index
        lines += [
            "",
            f"  network_layer #(",
            f"    .W(W), .F(F), .IN_D({layer.in_channels}), .OUT_D({layer.out_channels}),",
            f"    .K({layer.kernel_size}), .DILATION({layer.dilation}), .LANES({lp.lanes}), .COLS({lp.cols}),",
            f"    .ROUNDING(ROUNDING), .RELU(1'b{int(layer.relu)}), .HOLD_OUTPUT(1'b{int(i == last - 1)}),",
            f"    .WEIGHTS_FILE(L{i}_WEIGHTS_FILE), .BIAS_FILE(L{i}_BIAS_FILE)",
            f"  ) u_l{i}_{layer.name} (",
            "    .clk_i, .rst_i,",
            f"    .in_valid_i(s{i}_valid), .in_ready_o(s{i}_ready), .in_data_i(s{i}_data),",
            f"    .out_valid_o(s{i + 1}_valid), .out_ready_i(s{i + 1}_ready), .out_data_o(s{i + 1}_data)",
            "  );",
        ]
    lines += [
        "",
        "  // No output backpressure: the last layer's result is taken the cycle it appears.",
        f"  assign s{last}_ready  = 1'b1;",
        f"  assign out_valid_o = s{last}_valid;",
        f"  assign out_data_o  = s{last}_data;",
        "",
        "endmodule",
        "",
        "`default_nettype wire",
        "",
    ]
    return "\n".join(lines)


def describe(plan: NetworkPlan, out_dir: Path) -> dict[str, Any]:
    """The JSON description (contract 4): sources, parameters, formats and timing."""
    manifest = plan.manifest
    files = weight_file_names(plan)
    parameters: dict[str, str] = {}
    for index, (weights, bias) in enumerate(files):
        parameters[f"L{index}_WEIGHTS_FILE"] = str(out_dir / weights)
        parameters[f"L{index}_BIAS_FILE"] = str(out_dir / bias)
    layers = []
    for lp, (weights, bias) in zip(plan.layers, files):
        layers.append({**lp.describe(), "weights_file": str(out_dir / weights), "bias_file": str(out_dir / bias)})
    return {
        "json_version": JSON_VERSION,
        "top": plan.top,
        "model": manifest.name,
        "sources": [str(RTL / f"{name}.sv") for name in RTL_MODULES] + [str(out_dir / f"{plan.top}.sv")],
        "strobe_guard_source": str(RTL / f"{STROBE_GUARD}.sv"),
        "parameters": parameters,
        "input_channels": manifest.input_channels,
        "output_channels": manifest.output_channels,
        "width": manifest.fmt.width,
        "frac": manifest.fmt.frac,
        "rounding": manifest.rounding.value,
        "cycles_per_sample": plan.cycles_per_sample,
        "cycles_per_sample_budget": plan.budget,
        "latency_cycles": plan.latency_cycles,
        "multipliers": plan.multipliers,
        "dsp_count": plan.dsp_count,
        "receptive_field": manifest.receptive_field,
        "layers": layers,
    }


@dataclass(frozen=True)
class ExportResult:
    top_file: Path
    json_file: Path
    weight_files: tuple[Path, ...]
    description: dict[str, Any]


def export_network(plan: NetworkPlan, out_dir: Path | str) -> ExportResult:
    """Write <top>.sv, the weight/bias hex files and <top>.json into `out_dir`, all or nothing.

    Everything is rendered and validated first, written into a temporary folder
    inside `out_dir`, then renamed into place with the JSON last, so a reader
    that finds the JSON finds the files it names; on any error nothing new is
    left in `out_dir`."""
    out_dir = Path(out_dir).resolve()
    manifest, fmt = plan.manifest, plan.manifest.fmt
    contents: list[tuple[str, list[int], int]] = []
    for lp, (weights, bias) in zip(plan.layers, weight_file_names(plan)):
        matrix = conv_matrix(lp.layer.kernel, fmt)
        contents.append((weights, matrix_rom_words(matrix, fmt, lp.lanes, lp.cols), lp.lanes * lp.cols * fmt.width))
        contents.append((bias, bias_rom_words(lp.layer.bias, fmt, lp.cols), lp.cols * fmt.width))
    top_text = render_top(plan, out_dir)
    description = describe(plan, out_dir)
    json_text = json.dumps(description, indent=2) + "\n"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".gen_network-", dir=out_dir))
    except OSError as error:
        raise RtlExportError(f"{out_dir}: cannot create the output folder or write into it ({error.strerror})") from None
    try:
        names = []
        for name, words, bits in contents:
            write_hex(staging / name, words, bits)
            names.append(name)
        (staging / f"{plan.top}.sv").write_text(top_text, encoding="ascii")
        (staging / f"{plan.top}.json").write_text(json_text, encoding="ascii")
        names += [f"{plan.top}.sv", f"{plan.top}.json"]
        for name in names:  # the JSON last
            os.replace(staging / name, out_dir / name)
    except OSError as error:
        raise RtlExportError(f"{out_dir}: writing the generated network failed ({error})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(
        top_file=out_dir / f"{plan.top}.sv",
        json_file=out_dir / f"{plan.top}.json",
        weight_files=tuple(out_dir / name for name, _, _ in contents),
        description=description,
    )


def _ceil_log2(value: int) -> int:
    return max(0, (value - 1).bit_length())
