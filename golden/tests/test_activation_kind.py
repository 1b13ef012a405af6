"""The quantized_activation kind (golden/kinds/activation.py): step == the independent whole-sequence model on
every form and every kind of input format, the manifest entry and its errors, the cycle formulas, the settings
and the threshold ROM. QKeras itself: golden/tests_qkeras/test_activation_kind.py; the RTL:
sim/quantized_activation."""
from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import yaml

from golden.activations import QuantizedActivation, StepTable
from golden.compare import assert_codes_equal
from golden.errors import GoldenError
from golden.kinds import KINDS
from golden.kinds.activation import (
    ACTIVATION, ActivationLayer, activation_latency, float64_step_table, monotone_step_table, needs_table,
    rom_depth, rom_registered, search_steps,
)
from golden.kinds.base import Parallelism
from golden.kinds.conv1d import ConvLayer, LayerSchemaError
from golden.layer_format import OperandFormats, OutputStage, wide_format
from golden.manifest import ManifestError, NetworkManifest, dump_manifest, manifest_from_dict, manifest_to_dict
from golden.network import StreamingNetwork, full_sequence
from golden.qformat import QFormat

# (function, use_real, internal sigmoid): every form; the hard and smooth ones are lines, the others tables
FORMS = [("tanh", False, "hard"), ("tanh", False, "smooth"), ("tanh", True, "hard"), ("tanh", False, "real"),
         ("sigmoid", False, "hard"), ("sigmoid", False, "smooth"), ("sigmoid", True, "hard"),
         ("sigmoid", False, "real")]
# narrow (every code): signed, unsigned, a step coarser than 1 (the clamp's reach of one code), every value
# below 1/2^6; wide (random codes and every step point +-1): full-precision sums of 40 and 53 bits, and one finer
# than the lines' formula takes (53 fractional bits: a table for every form)
NARROW = (QFormat(8, 4), QFormat(9, 5, False), QFormat(7, -3), QFormat(10, 16))
WIDE = (wide_format(40, 24), wide_format(53, 47), wide_format(30, 53))
BITS = (3, 8)
RANDOM_CODES = 3000


def layer_of(function: str, use_real: bool, internal: str, bits: int, fmt: QFormat, channels: int = 1,
             name: str = "act") -> ActivationLayer:
    activation = QuantizedActivation(function, bits, use_real, internal)
    table = float64_step_table(activation, fmt) if needs_table(activation, fmt) else None
    return ActivationLayer(name, activation, channels, fmt, table).validate(name)


def step_points(layer: ActivationLayer) -> np.ndarray:
    """Where the output steps up: the table's thresholds, or the line's found by bisection on `step`."""
    if layer.table is not None:
        return np.asarray(layer.table.thresholds, dtype=np.int64)
    table = monotone_step_table(layer.activation, layer.input_fmt,
                                lambda codes: ACTIVATION.step(dataclasses.replace(layer, channels=codes.size),
                                                              codes[np.newaxis]))
    return np.asarray(table.thresholds, dtype=np.int64)


def codes_to_check(layer: ActivationLayer, rng: np.random.Generator) -> np.ndarray:
    fmt = layer.input_fmt
    if fmt.width <= 12:
        return np.arange(fmt.min_code, fmt.max_code + 1, dtype=np.int64)
    near = (step_points(layer)[:, None] + np.arange(-1, 2)).reshape(-1)
    anywhere = rng.integers(fmt.min_code, fmt.max_code, RANDOM_CODES, endpoint=True)
    return np.clip(np.concatenate([anywhere, near, [fmt.min_code, fmt.max_code, 0, 1, -1]]), fmt.min_code,
                   fmt.max_code)


@pytest.mark.parametrize(("function", "use_real", "internal"), FORMS,
                         ids=[f"{f}-{'real' if r else i}" for f, r, i in FORMS])
def test_step_equals_sequence(function: str, use_real: bool, internal: str, rng: np.random.Generator,
                              seed: int) -> None:
    """`step` (golden.activations: the formula, or the table's binary search) and `sequence` (exact fractions, or
    the thresholds counted among the sorted inputs) on every code of the narrow formats and every step point +-1
    of the wide ones; through the network too (StreamingNetwork vs full_sequence)."""
    for bits in BITS:
        for fmt in NARROW + WIDE:
            layer = layer_of(function, use_real, internal, bits, fmt)
            codes = codes_to_check(layer, rng)
            wide = dataclasses.replace(layer, channels=codes.size)
            stepped = ACTIVATION.step(wide, codes[np.newaxis])
            whole = ACTIVATION.sequence(layer, codes[:, np.newaxis])
            what = f"{layer.activation} on {fmt}"
            assert_codes_equal(whole.outputs[:, 0], stepped, what=f"{what}: sequence vs step", seed=seed,
                               width=bits, inputs=codes)
            assert np.array_equal(whole.sums[:, 0], codes)
            out = layer.output_format
            ends = (stepped == out.min_code) | (stepped == out.max_code)
            assert not np.any(whole.saturated[:, 0] & ~ends), f"{what}: saturated off the output range's ends"
            if layer.table is not None:
                assert np.array_equal(whole.saturated[:, 0], ends)
            if layer.table is None and fmt.width > 12:  # the lines' steps were found on `step`: +-1 of each counted
                assert step_points(layer).size > 0
            manifest = NetworkManifest("t", fmt, 1, (layer,))
            streamed = StreamingNetwork(manifest).run(codes[:200, np.newaxis])
            assert_codes_equal(full_sequence(manifest, codes[:200, np.newaxis])[-1].outputs, streamed,
                               what=f"{what}: network full sequence vs streaming", seed=seed)


def test_forms_are_lines_or_tables() -> None:
    """Lines for hard and smooth on inputs their formula takes; tables for the real forms and for finer inputs."""
    fmt, fine = QFormat(16, 12), wide_format(40, 53)
    assert not needs_table(QuantizedActivation("tanh", 8), fmt)
    assert not needs_table(QuantizedActivation("sigmoid", 8, False, "smooth"), wide_format(53, 49))
    assert needs_table(QuantizedActivation("sigmoid", 8, False, "smooth"), wide_format(53, 50))
    assert needs_table(QuantizedActivation("tanh", 8), fine)
    assert needs_table(QuantizedActivation("tanh", 8, True), fmt)
    assert needs_table(QuantizedActivation("sigmoid", 8, False, "real"), fmt)


def chain_manifest(rng: np.random.Generator) -> NetworkManifest:
    """conv (full precision) -> hard tanh -> conv -> real sigmoid table: the kind inside a chain."""
    q = QFormat(10, 6)
    conv_a = ConvLayer("conv_a", rng.integers(-100, 100, (2, 2, 3)), rng.integers(-50, 50, 3),
                       OperandFormats(q, QFormat(8, 6), QFormat(8, 6)), OutputStage("linear", None), 2).validate("a")
    tanh = layer_of("tanh", False, "hard", 8, conv_a.output_format, 3, "tanh_a")
    conv_b = ConvLayer("conv_b", rng.integers(-100, 100, (1, 3, 2)), rng.integers(-50, 50, 2),
                       OperandFormats(tanh.output_format, QFormat(8, 6), QFormat(8, 6)),
                       OutputStage("linear", None)).validate("b")
    sigmoid = layer_of("sigmoid", True, "hard", 4, conv_b.output_format, 2, "sigmoid_b")
    return NetworkManifest("chain", q, 2, (conv_a, tanh, conv_b, sigmoid))


def test_manifest_round_trip_in_a_chain(rng: np.random.Generator, seed: int) -> None:
    """A chain with a line and a table reads back entry for entry from its YAML, and streams == full sequence."""
    manifest = chain_manifest(rng)
    text = dump_manifest(manifest)
    again = manifest_from_dict(yaml.safe_load(text), "chain.yaml")
    assert manifest_to_dict(again) == manifest_to_dict(manifest)
    entry = manifest_to_dict(manifest)["layers"][3]
    assert entry["kind"] == "quantized_activation" and entry["internal_sigmoid"] == "hard"
    assert set(entry["steps"]) == {"first_code", "thresholds"} and "steps" not in manifest_to_dict(manifest)["layers"][1]
    assert again.layers[1].input_format == manifest.layers[0].output_format and again.layers[1].input_format.width > 16
    assert again.layers[3].table == manifest.layers[3].table
    samples = rng.integers(-512, 512, (300, 2))
    streamed = StreamingNetwork(again).run_layers(samples)
    for layer, want, got in zip(again.layers, full_sequence(again, samples), streamed):
        assert_codes_equal(want.outputs, got, what=f"layer {layer.name}: full sequence vs streaming", seed=seed)


def _entry(rng: np.random.Generator) -> tuple[dict, QFormat]:
    manifest = chain_manifest(rng)
    return manifest_to_dict(manifest)["layers"][3], manifest.layers[2].output_format


@pytest.mark.parametrize(("change", "message"), [
    (lambda e: e.pop("steps"), r"quantized_sigmoid\(4, use_real_sigmoid=True\) on Q\(17,13\) is a step function.*needs `steps`"),
    (lambda e: e.update(use_real=False), r"is exact shifts and clamps.*takes no `steps`"),
    (lambda e: e.update(function="relu"), r"unknown activation function 'relu'"),
    (lambda e: e.update(bits=25), r"bits must be an integer in \[2, 24\]"),
    (lambda e: e.update(use_real="yes"), r"field 'use_real' must be bool"),
    (lambda e: e.update(internal_sigmoid="soft"), r"unknown internal sigmoid mode 'soft'"),
    (lambda e: e["formats"]["output"].update(width=5), r"formats.output .* must be quantized_sigmoid\(4, "
                                                       r"use_real_sigmoid=True\)'s output format"),
    (lambda e: e["formats"].update(kernel={"width": 8, "frac": 6}), r"formats has unknown field\(s\) kernel"),
    (lambda e: e["formats"]["input"].update(frac=11), r"input format Q\(17,11\) differs from the previous stage's "
                                                      r"output format Q\(17,13\)"),
    (lambda e: e["steps"].update(thresholds=e["steps"]["thresholds"][::-1]), r"thresholds 0 and 1 .* decrease"),
    (lambda e: e["steps"].update(first_code=16), r"first output code"),
    (lambda e: e["steps"].update(last=3), r"steps has unknown field\(s\) last"),
    (lambda e: e.pop("channels"), r"missing field 'channels'"),
])
def test_entry_errors_name_the_layer_and_the_field(change, message: str, rng: np.random.Generator) -> None:
    entry, input_format = _entry(rng)
    entry = copy.deepcopy(entry)
    change(entry)
    with pytest.raises(LayerSchemaError, match=message) as error:
        ACTIVATION.from_dict(entry, "chain.yaml: layers[3] (sigmoid_b)", input_format, {})
    assert "layers[3] (sigmoid_b)" in str(error.value)


def test_manifest_checks_the_channels(rng: np.random.Generator) -> None:
    data = manifest_to_dict(chain_manifest(rng))
    data["layers"][3]["channels"] = 3
    with pytest.raises(ManifestError, match=r"sigmoid_b.*3 channels in the layer, layer conv_b gives 2"):
        manifest_from_dict(data, "chain.yaml")


def test_layer_errors() -> None:
    activation, fmt = QuantizedActivation("tanh", 4, True), QFormat(8, 4)
    table = float64_step_table(activation, fmt)
    with pytest.raises(LayerSchemaError, match="the step table is quantized_tanh.* on Q\\(8,5\\), not"):
        ActivationLayer("a", activation, 2, fmt, float64_step_table(activation, QFormat(8, 5))).validate("a")
    with pytest.raises(LayerSchemaError, match=r"channels must be an integer in \[1, 1024\], got 0"):
        ActivationLayer("a", activation, 0, fmt, table).validate("a")
    with pytest.raises(LayerSchemaError, match="float64 holds codes of at most 53 bits"):
        ActivationLayer("a", QuantizedActivation("tanh", 4), 1, wide_format(54, 40)).validate("a")
    with pytest.raises(GoldenError, match=r"taps must have shape \(1, 2\)"):
        ACTIVATION.step(ActivationLayer("a", activation, 2, fmt, table).validate("a"), np.zeros((2, 2)))
    with pytest.raises(GoldenError, match="the quantized_activation kind got a ConvLayer"):
        ACTIVATION.core_latency(chain_manifest(np.random.default_rng(0)).layers[0], Parallelism(1, 1))


def test_cycle_formulas() -> None:
    """LAT = II = 1 + BEATS * BEAT_CYCLES + PIPE: the line one cycle a beat and its accumulator register; a table
    S search steps of 3 (LUT ROM) or 4 (block RAM, ROM_REG) cycles: address, read, [register,] compare, update."""
    line = layer_of("tanh", False, "hard", 8, QFormat(16, 12), 16)
    small = layer_of("sigmoid", True, "hard", 4, QFormat(16, 12), 16)  # 15 steps: S = 4, 15 words
    deep = layer_of("tanh", True, "hard", 8, QFormat(16, 12), 16)  # 255 steps: S = 8, block RAM
    constant = layer_of("sigmoid", True, "hard", 4, QFormat(2, 10, False), 2)  # no step: S = 1, one word
    assert [len(t.table.thresholds) for t in (small, deep, constant)] == [15, 255, 0]
    assert [search_steps(t) for t in (line, small, deep, constant)] == [1, 4, 8, 1]
    assert [rom_depth(t) for t in (small, deep, constant)] == [15, 255, 1]
    assert [rom_registered(t) for t in (small, deep, constant)] == [False, True, False]
    for layer, lanes, latency in ((line, 16, 3), (line, 4, 6), (line, 1, 18), (line, 3, 8), (small, 16, 13),
                                  (small, 1, 193), (deep, 1, 513), (constant, 1, 7)):
        setting = Parallelism(lanes, 1)
        assert ACTIVATION.core_latency(layer, setting) == activation_latency(layer, setting) == latency
        assert ACTIVATION.core_interval(layer, setting) == latency
        assert ACTIVATION.multipliers(layer, setting) == lanes and ACTIVATION.dsp_blocks(layer, setting) == 0


def test_settings_and_their_checks() -> None:
    line = layer_of("tanh", False, "hard", 8, QFormat(16, 12), 10)
    deep = layer_of("tanh", True, "hard", 8, QFormat(16, 12), 10)
    assert list(ACTIVATION.settings(line)) == [Parallelism(lanes, 1) for lanes in range(1, 11)]
    assert [s.lanes for s in ACTIVATION.frontier_settings(line)] == [1, 2, 3, 4, 5, 10]
    assert list(ACTIVATION.settings(deep)) == list(ACTIVATION.frontier_settings(deep)) == [Parallelism(1, 1)]
    where = "layer 1 (act)"
    for layer, setting, message in (
            (line, Parallelism(11, 1), r"LANES must be an integer in \[1, 10\], got 11"),
            (deep, Parallelism(2, 1), r"LANES must be an integer in \[1, 1\] \(its 255-word threshold table is block "
                                      r"RAM, one copy: one lane\), got 2"),
            (line, Parallelism(2, 2), "COLS must be 1, got 2"),
            (line, Parallelism(2, 1, "baked"), "has no implementation 'baked'"),
            (line, Parallelism(2, 1, mul_latency=2), "MUL_LATENCY must be 1"),
            (line, Parallelism(2, 1, stream=True), "cannot stream them")):
        with pytest.raises(GoldenError, match=message) as error:
            ACTIVATION.check_setting(layer, setting, where)
        assert str(error.value).startswith(where)


def test_threshold_rom_and_parameters() -> None:
    """The table as XW-bit two's complement words, padded to 2^S - 1 with the top input code; no ROM for a line."""
    layer = layer_of("sigmoid", True, "hard", 4, QFormat(6, 4), 2)  # 12 steps: 3 words of padding
    setting = Parallelism(2, 1)
    words, bits = ACTIVATION.rom_files(layer, setting)["thresholds"]
    thresholds = list(layer.table.thresholds)
    assert bits == 6 and len(thresholds) == 12 and len(words) == 15
    assert words == [code & 0x3F for code in thresholds] + [31] * 3
    assert ACTIVATION.rom_shapes(layer, setting) == {"thresholds": (15, 6)}
    parameters = ACTIVATION.rtl_parameters(layer, setting, {"thresholds": "L0_THRESHOLDS_FILE"})
    assert parameters == {"XW": 6, "X_SIGNED": 1, "X_FRAC": 4, "CHANNELS": 2, "LANES": 2, "SIGMOID": 1, "BITS": 4,
                          "TABLE": 1, "SMOOTH": 0, "STEPS": 12, "FIRST": 2, "ROM_REG": 0,
                          "THRESHOLDS_FILE": "L0_THRESHOLDS_FILE"}
    tanh = layer_of("tanh", True, "hard", 8, QFormat(12, 8), 1)
    assert tanh.table.first_code == -128 and ACTIVATION.rtl_parameters(tanh, Parallelism(1, 1), {"thresholds": "F"})[
        "FIRST"] == 128  # the 8-bit pattern of -128
    line = layer_of("tanh", False, "smooth", 8, wide_format(40, 24), 3)
    assert ACTIVATION.rom_files(line, setting) == {}
    assert ACTIVATION.rtl_parameters(line, setting, {})["SMOOTH"] == 1


def test_the_kind_is_registered_and_names_its_layers() -> None:
    assert KINDS["quantized_activation"] is ACTIVATION
    layer = layer_of("tanh", False, "hard", 8, QFormat(16, 12), 4)
    assert (layer.kind, layer.kernel_size, layer.dilation, layer.in_channels, layer.out_channels) == \
        ("quantized_activation", 1, 1, 4, 4)
    assert layer.macs_per_sample == 0 and layer.parameter_count == 0 and layer.history == 0
    assert str(layer.output_format) == "Q(8,7)"
    assert str(layer_of("sigmoid", False, "hard", 8, QFormat(16, 12)).output_format) == "UQ(8,8)"


def test_monotone_step_table_finds_every_step() -> None:
    """Against every code of a narrow format: the first code reaching each output code."""
    activation, fmt = QuantizedActivation("tanh", 5, True), QFormat(9, 5)
    table = float64_step_table(activation, fmt)
    codes = np.arange(fmt.min_code, fmt.max_code + 1)
    outputs = table.apply(codes)
    for j, threshold in enumerate(table.thresholds):
        assert outputs[codes == threshold][0] >= table.first_code + j + 1
        if threshold > fmt.min_code:
            assert outputs[codes == threshold - 1][0] < table.first_code + j + 1
    assert isinstance(table, StepTable) and table.first_code == outputs[0]
