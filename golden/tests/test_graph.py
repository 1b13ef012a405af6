"""Graph manifests (version 3) and the join kinds (add, multiply): the streaming network equals the full-sequence
model on a gated residual graph from sample 0, the join arithmetic equals an independent exact-rational model,
graphs round-trip through YAML, and bad graphs are refused naming the layer."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from golden.compare import assert_codes_equal
from golden.kinds.add import ADD
from golden.kinds.multiply import MULTIPLY
from golden.layer_format import Activation, OutputStage
from golden.manifest import ManifestError, dump_manifest, manifest_from_dict, manifest_to_dict
from golden.network import StreamingNetwork, full_sequence, network_output
from golden.qformat import QFormat, Rounding
from golden.tests.graph_cases import gated_residual


@pytest.mark.parametrize("blocks", [1, 3])
def test_graph_streaming_equals_full_sequence(blocks: int, rng, seed) -> None:
    manifest = gated_residual(rng, channels=3, blocks=blocks)
    fmt = manifest.input_format
    samples = rng.integers(fmt.min_code, fmt.max_code + 1, (3 * manifest.receptive_field + 40, 1))
    streamed = StreamingNetwork(manifest).run_layers(samples)
    plain = full_sequence(manifest, samples)
    for layer, got, want in zip(manifest.layers, streamed, plain):
        assert_codes_equal(want.outputs, got, what=f"graph layer {layer.name} streaming vs full sequence", seed=seed,
                           width=layer.output_format.width)
    assert np.array_equal(StreamingNetwork(manifest).run(samples), network_output(manifest, plain))
    assert len({tuple(out.outputs[:, 0]) for out in plain}) > 3, "the stimulus must make the layers differ"


def _rational_reference(kind: str, formats: tuple[QFormat, ...], output: OutputStage,
                        codes: list[np.ndarray]) -> np.ndarray:
    """Each code as an exact rational, added or multiplied, then rounded (half to even or floor), ReLU'd and
    saturated into the output format: written from docs/arithmetic.md 9, not from golden.kinds.join."""
    out = []
    for values in zip(*codes):
        reals = [Fraction(int(v), 1 << f.frac) if f.frac >= 0 else Fraction(int(v) << -f.frac)
                 for v, f in zip(values, formats)]
        value = sum(reals, Fraction(0)) if kind == "add" else reals[0] * reals[1]
        if output.activation is Activation.RELU:
            value = max(value, Fraction(0))
        if output.fmt is None:
            out.append(value)
            continue
        scaled = value * (Fraction(1 << output.fmt.frac) if output.fmt.frac >= 0 else Fraction(1, 1 << -output.fmt.frac))
        if output.rounding is Rounding.RNE:
            code = round(scaled)  # Python rounds a Fraction half to even
        else:
            code = scaled.numerator // scaled.denominator
        out.append(min(max(code, output.fmt.min_code), output.fmt.max_code))
    return np.array(out, dtype=object)


JOIN_CASES = [
    ("add", (QFormat(8, 4), QFormat(12, 9), QFormat(6, 2, False)), OutputStage(Activation.LINEAR, QFormat(9, 5))),
    ("add", (QFormat(8, 4), QFormat(12, 9)), OutputStage(Activation.RELU, QFormat(7, 3, False), Rounding.TRUNC)),
    ("add", tuple(QFormat(11, 8) for _ in range(10)), OutputStage(Activation.LINEAR, None)),
    ("multiply", (QFormat(8, 7), QFormat(8, 8, False)), OutputStage(Activation.LINEAR, QFormat(8, 6))),
    ("multiply", (QFormat(10, 3), QFormat(9, 8)), OutputStage(Activation.RELU, QFormat(6, 1, False), Rounding.TRUNC)),
    ("multiply", (QFormat(16, 12), QFormat(16, 15)), OutputStage(Activation.LINEAR, None)),
]


@pytest.mark.parametrize("kind_name, formats, output", JOIN_CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(JOIN_CASES)])
def test_join_arithmetic_equals_rational_reference(kind_name: str, formats, output, rng, seed) -> None:
    kind = ADD if kind_name == "add" else MULTIPLY
    channels = 4
    layer = kind.make_layer("j", formats, channels, output)
    count = 20000 // channels
    codes = [rng.integers(f.min_code, f.max_code + 1, (count, channels)) for f in formats]
    # corners: every input at its extremes together
    for corner in (lambda f: f.min_code, lambda f: f.max_code, lambda f: 0):
        for code, f in zip(codes, formats):
            code[0] = corner(f)
    concatenated = np.concatenate(codes, axis=1)
    got = kind.sequence(layer, concatenated).outputs
    scale = Fraction(1 << layer.output_format.frac) if output.fmt is None else None
    want = _rational_reference(kind_name, formats, output, [c.reshape(-1) for c in codes])
    if scale is not None:  # full precision: the exact value as a code of the wide format
        want = np.array([int(v * scale) for v in want], dtype=np.int64)
    assert_codes_equal(want.astype(np.int64).reshape(count, channels), got, what=f"{kind_name} {formats} -> {output}",
                       seed=seed, width=layer.output_format.width)
    steps = np.array([kind.step(layer, row[np.newaxis]) for row in concatenated[:300]])
    assert_codes_equal(got[:300], steps, what=f"{kind_name} step vs sequence", seed=seed,
                       width=layer.output_format.width)


def test_graph_round_trip_and_chain_version(rng, tmp_path) -> None:
    manifest = gated_residual(rng)
    text = dump_manifest(manifest)
    assert "manifest_version: 3" in text and "inputs: [filter0, gate0]" in text
    again = manifest_from_dict(manifest_to_dict(manifest), "again")
    assert dump_manifest(again) == text
    assert again.inputs == manifest.inputs and again.output == "head"


def _edit(rng, change) -> dict:
    data = manifest_to_dict(gated_residual(rng))
    change(data)
    return data


def _layer(data: dict, name: str) -> dict:
    return next(layer for layer in data["layers"] if layer["name"] == name)


BAD_GRAPHS = [
    ("unknown input", lambda d: _layer(d, "gated0").update(inputs=["filter0", "nothing"]),
     r"layer 3 \(gated0\): unknown input 'nothing'"),
    ("cycle", lambda d: _layer(d, "front").update(inputs=["resadd0"]),
     r"cycle: .*front.*resadd0|cycle: .*resadd0.*front"),
    ("forward reference", lambda d: d["layers"].insert(1, d["layers"].pop(3)),
     r"gated0\): reads filter0, which comes later"),
    ("mismatched channels", lambda d: _layer(d, "skipsum").update(channels=3),
     r"skipsum\): input 0 \(skip0\) has 3 channels in the layer, layer skip0 gives 2"),
    ("unused output", lambda d: _layer(d, "skipsum").update(inputs=["skip0"], formats={"inputs": [
        _layer(d, "skip0")["output"]["format"]]}),
     r"skip1\): its output is unused|skipsum"),
    ("arity", lambda d: _layer(d, "gated0").update(inputs=["filter0", "gate0", "front"]),
     r"gated0\): a multiply layer reads 2 input\(s\), `inputs` names 3"),
    ("output", lambda d: d.update(output="nowhere"), r"output 'nowhere' is not a layer"),
    ("version", lambda d: d.update(manifest_version=2), r"needs manifest_version 3"),
]


@pytest.mark.parametrize("label, change, message", BAD_GRAPHS, ids=[b[0] for b in BAD_GRAPHS])
def test_bad_graphs_name_the_layer(label: str, change, message: str, rng) -> None:
    with pytest.raises(ManifestError, match=message):
        manifest_from_dict(_edit(rng, change), "graph.yaml")


def test_join_refuses_mismatched_formats(rng) -> None:
    data = _edit(rng, lambda d: _layer(d, "gated0")["formats"]["inputs"][0].update(frac=5))
    with pytest.raises(ManifestError, match=r"gated0\): input 0 format Q\(8,5\) differs from its producer"):
        manifest_from_dict(data, "graph.yaml")


def test_with_rounding_keeps_the_graph(rng) -> None:
    from golden.manifest import with_rounding

    manifest = gated_residual(rng)
    truncating = with_rounding(manifest, "trunc")
    assert truncating.inputs == manifest.inputs and truncating.output == manifest.output
    assert all(layer.output.rounding is Rounding.TRUNC for layer in truncating.layers)


def test_join_past_float64_is_named() -> None:
    """Keras adds in float64: a join whose exact result needs more than 53 significant bits is refused, by name."""
    from golden.kinds.join import exact_in_float64
    from golden.layer_format import wide_format

    wide = wide_format(50, 20)
    fits = ADD.make_layer("sum16", (wide,) * 16, 2, OutputStage(Activation.LINEAR, None))
    assert fits.acc_width == 54 and exact_in_float64(fits) is None  # |sum| <= 2^53: every such integer is a float64
    wider = wide_format(51, 20)
    too_wide = ADD.make_layer("sum16", (wider,) * 16, 2, OutputStage(Activation.LINEAR, None))
    assert "layer 'sum16': its exact result needs 55 bits" in (exact_in_float64(too_wide) or "")
