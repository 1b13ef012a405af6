"""The po2 kind (golden/kinds/po2.py): step == sequence == readable reference, exact decomposition, schema errors."""
from __future__ import annotations

import numpy as np
import pytest

from golden.compare import assert_codes_equal
from golden.errors import GoldenError
from golden.kinds import KINDS
from golden.kinds.po2 import PO2, Po2Layer, po2_decompose, random_layer, reference_step
from golden.layer_format import OutputStage, wide_format
from golden.manifest import NetworkManifest, dump_manifest, manifest_from_dict, manifest_to_dict
from golden.network import StreamingNetwork, full_sequence
from golden.qformat import QFormat
import yaml

# (input format, exponent range, bias format, output stage): the seeds' po2 pair, narrow and wide ranges,
# exponents all above zero (a coarser product), a single exponent, and the float32 ReLU cast.
SEED_IN = QFormat(16, 12, False)
CASES = {
    "seed_na_full": (SEED_IN, (-15, 0), QFormat(16, 11), OutputStage("linear", None)),
    "seed_relu_f32": (SEED_IN, (-23, 0), QFormat(16, 11), OutputStage("relu", SEED_IN, float32_input=True)),
    "po2_5_1": (QFormat(16, 11), (-8, 1), QFormat(16, 11), OutputStage("linear", QFormat(16, 11))),
    "positive_exponents": (QFormat(8, 4), (2, 5), QFormat(6, 1), OutputStage("relu", QFormat(10, 2, False), "trunc")),
    "single_exponent": (QFormat(10, 6), (-3, -3), QFormat(12, 10), OutputStage("linear", QFormat(8, 2))),
    "wide_input": (wide_format(30, 20), (-7, 0), QFormat(16, 11), OutputStage("linear", QFormat(16, 11), "trunc")),
}


def _taps(rng: np.random.Generator, fmt: QFormat, shape: tuple[int, ...]) -> np.ndarray:
    values = rng.integers(fmt.min_code, fmt.max_code + 1, size=shape, dtype=np.int64)
    corners = rng.random(shape) < 0.3  # extremes often: most negative input, saturating sums
    return np.where(corners, np.where(rng.random(shape) < 0.5, fmt.min_code, fmt.max_code), values)


@pytest.mark.parametrize("name", sorted(CASES))
def test_step_equals_reference(name: str, rng: np.random.Generator, seed: int) -> None:
    x, span, b, stage = CASES[name]
    for trial in range(20):
        layer = random_layer(rng, "t", x, span, b, stage, (3, 4, 5), zeros=0.2)
        taps = _taps(rng, x, (3, 4))
        expected = reference_step(layer, taps.tolist())
        assert_codes_equal(expected, PO2.step(layer, taps), f"po2 {name} trial {trial} step vs reference", seed,
                           inputs=None)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sequence_equals_step(name: str, rng: np.random.Generator, seed: int) -> None:
    """The whole-sequence shift model against the streaming network of step calls, from the first sample."""
    x, span, b, stage = CASES[name]
    layer = random_layer(rng, "t", x, span, b, stage, (4, 3, 5), dilation=3, zeros=0.2)
    samples = _taps(rng, x, (60, 3))
    manifest = NetworkManifest("t", x, 3, (layer,))
    streamed = StreamingNetwork(manifest).run(samples)
    whole = full_sequence(manifest, samples)[-1].outputs
    assert_codes_equal(whole, streamed, f"po2 {name} sequence vs step", seed)


def test_saturation_is_reached_and_flagged(rng: np.random.Generator) -> None:
    """Largest weights on the most negative and largest inputs drive the output to both rails."""
    x, stage = QFormat(8, 4), OutputStage("linear", QFormat(8, 4))
    shape = (1, 4, 2)
    sign = np.array([[[1, -1]] * 4])
    layer = Po2Layer("sat", sign, np.full(shape, 3), -2, 3, np.zeros(2, dtype=np.int64), x, QFormat(8, 4), stage)
    layer.validate("sat")
    result = PO2.sequence(layer, np.full((2, 4), x.min_code))
    assert result.outputs[-1].tolist() == [stage.fmt.min_code, stage.fmt.max_code]
    assert result.saturated[-1].all()


def test_zero_weights_contribute_nothing(rng: np.random.Generator) -> None:
    x = QFormat(10, 6)
    layer = random_layer(rng, "z", x, (-4, 2), QFormat(10, 6), OutputStage("linear", None), (2, 3, 4), zeros=1.0)
    taps = _taps(rng, x, (2, 3))
    assert PO2.step(layer, taps).tolist() == (layer.bias << layer.operands.bias_shift).tolist()
    assert (layer.weight_codes() == 1 << (layer.exponent_width + 1)).all()


def test_equivalent_kernel_codes() -> None:
    """2^e at Q(EMAX-EMIN+2, -EMIN): +-1 at EMIN, +-2^span at EMAX, and the RTL codes {zero, sign, e - EMIN}."""
    sign = np.array([[[1, -1, 1, -1, 0]]])
    exponent = np.array([[[-3, -3, 2, 2, -3]]])
    layer = Po2Layer("k", sign, exponent, -3, 2, np.zeros(5, dtype=np.int64), QFormat(8, 4), QFormat(8, 4),
                     OutputStage("linear", None)).validate("k")
    assert layer.kernel.tolist() == [[[1, -1, 32, -32, 0]]]
    assert (layer.kernel_format.width, layer.kernel_format.frac) == (7, 3)
    assert layer.exponent_width == 3 and layer.code_width == 5
    assert layer.weight_codes().tolist() == [[[0, 8, 5, 13, 16]]]


def test_decompose_is_exact_in_float32_and_float64() -> None:
    values = np.array([0.25, -0.5, 0.0, -0.0, 2.0**-23, -(2.0**5), 1.0])
    for dtype in (np.float32, np.float64):
        sign, exponent = po2_decompose(values.astype(dtype), "w")
        assert sign.tolist() == [1, -1, 0, 0, 1, -1, 1]
        assert exponent.tolist() == [-2, -1, 0, 0, -23, 5, 0]


@pytest.mark.parametrize("value,reason", [(0.375, "not a power of two"), (np.inf, "not finite"),
                                          (2.0**-60, "outside the supported exponents")])
def test_decompose_refuses(value: float, reason: str) -> None:
    with pytest.raises(GoldenError, match=reason) as error:
        po2_decompose(np.array([0.5, value]), "layer q kernel")
    assert "layer q kernel" in str(error.value) and "index (1,)" in str(error.value)


def _manifest(rng: np.random.Generator) -> NetworkManifest:
    """A po2 1x1 pair with a full-precision intermediate (the seeds' Na/Nb), after a conv1d-free input."""
    na = random_layer(rng, "na", SEED_IN, (-6, 0), QFormat(16, 11), OutputStage("linear", None), (1, 3, 4))
    nb = random_layer(rng, "nb", na.output_format, (-5, 1), QFormat(16, 11),
                      OutputStage("relu", SEED_IN, float32_input=True), (1, 4, 3))
    return NetworkManifest("pair", SEED_IN, 3, (na, nb))


def test_manifest_round_trip(rng: np.random.Generator, seed: int) -> None:
    manifest = _manifest(rng)
    text = dump_manifest(manifest)
    again = manifest_from_dict(yaml.safe_load(text), "pair.yaml")
    assert dump_manifest(again) == text
    samples = _taps(rng, SEED_IN, (40, 3))
    assert_codes_equal(StreamingNetwork(manifest).run(samples), StreamingNetwork(again).run(samples), "round trip", seed)


@pytest.mark.parametrize("edit,message", [
    (lambda d: d["kernel_sign"][0][0].__setitem__(0, 2), "kernel_sign: sign 2 at index (0, 0, 0)"),
    (lambda d: d["kernel_exponent"][0][0].__setitem__(0, 7), "kernel_exponent: exponent 7 at index (0, 0, 0)"),
    (lambda d: d["exponent_range"].__setitem__("min", 3), "exponent_range min 3 exceeds max"),
    (lambda d: d.pop("exponent_range"), "missing field 'exponent_range'"),
    (lambda d: d["formats"].__setitem__("kernel", {"width": 8, "frac": 4}), "unknown field(s) kernel"),
    (lambda d: d["kernel_sign"].append(d["kernel_sign"][0]), "kernel_sign has shape (2, 3, 4)"),
])
def test_schema_errors_name_layer_and_field(rng: np.random.Generator, edit, message: str) -> None:
    data = manifest_to_dict(_manifest(rng))
    edit(data["layers"][0])
    with pytest.raises(GoldenError) as error:
        manifest_from_dict(data, "bad.yaml")
    assert "bad.yaml: layers[0] (na)" in str(error.value)
    assert message in str(error.value)


def test_zero_weight_exponent_must_be_canonical(rng: np.random.Generator) -> None:
    data = manifest_to_dict(_manifest(rng))
    layer = data["layers"][0]
    layer["kernel_sign"][0][0][0] = 0
    layer["kernel_exponent"][0][0][0] = layer["exponent_range"]["max"]
    with pytest.raises(GoldenError, match=r"index \(0, 0, 0\) of a zero weight must be exponent_range.min"):
        manifest_from_dict(data, "bad.yaml")


def test_registered_and_costed() -> None:
    assert KINDS["po2"] is PO2
    for label, layer, setting in PO2.cost_variants():
        assert PO2.dsp_blocks(layer, setting) == 0, label
        files = {role: "x" for role in PO2.rom_files(layer, setting)}
        parameters = PO2.rtl_parameters(layer, setting, files)
        if setting.implementation == "baked":  # weights baked into parameters: CW bits per weight, no files
            assert not files and PO2.core_module(layer, setting) == "po2_baked_conv", label
            assert parameters["PO2_SPAN"] == layer.span, label
            assert parameters["CODES"].startswith(f"{layer.sign.size * layer.code_width}'h"), label
            assert PO2.multipliers(layer, setting) == 0, label
        else:
            assert (parameters["MUL_PO2"], parameters["PO2_SPAN"], parameters["KW"]) == (1, layer.span, layer.span + 2)
        assert PO2.estimated_luts(layer, setting) > 0, label
