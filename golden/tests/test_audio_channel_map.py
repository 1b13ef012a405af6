"""The channel map loader (golden/audio/channel_map.py): the default map is the spec's, and every bad file, field
or model is refused with one message naming the file and the field path -- never a traceback, never half a map."""
from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import yaml

from golden.audio.channel_map import (
    AdcMap, Calibration, ChannelMap, ChannelMapError, ConstantInput, DacMap, OutputSlot, SilentSlot, SlotInput,
    channel_map_from_dict, default_channel_map_path, load_channel_map,
)
from golden.errors import GoldenError
from golden.manifest import NetworkManifest, load_manifest
from golden.tests.network_cases import LayerShape, NetworkShape, random_manifest

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "golden" / "models"
ORIGIN = "seeds_map.yaml"
IDENTITY = Calibration(0, 1024)
SEEDS = ChannelMap(
    adc=AdcMap(invert=True, calibration=(IDENTITY,) * 4, unplugged=(0, 0, 0, 0)),
    dac=DacMap(calibration=(IDENTITY,) * 4),
    network_inputs=(SlotInput(0, 2), SlotInput(1, 2), SlotInput(2, 2), ConstantInput(0)),
    dac_slots=(OutputSlot(0, -2), SilentSlot(), SilentSlot(), SilentSlot()),
)


def seeds_data() -> dict[str, Any]:
    return yaml.safe_load(default_channel_map_path().read_text())


def small_manifest(name: str, inputs: int, outputs: int) -> NetworkManifest:
    shape = NetworkShape(name, inputs, (LayerShape(1, outputs, relu=False),))
    return random_manifest(shape, np.random.default_rng(0))


def test_default_map_is_the_seeds_map() -> None:
    assert default_channel_map_path() == REPO / "golden" / "audio" / "seeds_map.yaml"
    loaded = load_channel_map(default_channel_map_path())
    assert loaded == SEEDS
    assert loaded.origin == str(default_channel_map_path())


def test_default_map_is_the_one_docs_audio_md_shows() -> None:
    """The file may carry more comments, but its fields are exactly the spec's block."""
    text = (REPO / "docs" / "audio.md").read_text()
    section = text[text.index("## The channel map"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None, "docs/audio.md: no yaml block in 'The channel map'"
    assert yaml.safe_load(block.group(1)) == seeds_data()


@pytest.mark.parametrize("model", ["fpga", "fpga_po2", "seed_fpga", "seed_po2"])
def test_the_seeds_map_fits_the_four_input_models(model: str) -> None:
    SEEDS.check_model(load_manifest(MODELS / f"{model}.yaml"))


def _set(path: str, value: Any) -> Callable[[dict], None]:
    """A mutation of the seeds' data: `path` like 'adc.calibration.2.mult'."""
    def apply(data: dict) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return apply


def _delete(path: str) -> Callable[[dict], None]:
    def apply(data: dict) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[int(last) if isinstance(node, list) else last]
    return apply


FULL_RANGE = "must be an integer in [-32768, 32767]"
BAD_FIELDS = {
    "dac-shift": (_set("dac_slots.1", {"output": 0, "shift": 30}),
                  "dac_slots[1].shift: must be an integer in [-24, 24], got 30"),
    "dac-shift-low": (_set("dac_slots.0.shift", -25), "dac_slots[0].shift: must be an integer in [-24, 24], got -25"),
    "dac-output": (_set("dac_slots.3", {"output": 4, "shift": 0}),
                   "dac_slots[3].output: must be an integer in [0, 3], got 4"),
    "dac-output-negative": (_set("dac_slots.0.output", -1),
                            "dac_slots[0].output: must be an integer in [0, 3], got -1"),
    "adc-mult-high": (_set("adc.calibration.2.mult", 65536),
                      "adc.calibration[2].mult: must be an integer in [0, 65535], got 65536"),
    "adc-mult-negative": (_set("adc.calibration.0.mult", -1),
                          "adc.calibration[0].mult: must be an integer in [0, 65535], got -1"),
    "adc-shift-low": (_set("adc.calibration.1.shift", -32769), f"adc.calibration[1].shift: {FULL_RANGE}, got -32769"),
    "dac-shift-high": (_set("dac.calibration.3.shift", 32768), f"dac.calibration[3].shift: {FULL_RANGE}, got 32768"),
    "dac-mult-bool": (_set("dac.calibration.3.mult", True),
                      "dac.calibration[3].mult: must be an integer in [0, 65535], got true"),
    "unplugged": (_set("adc.unplugged.1", 32768), "adc.unplugged[1]: must be an integer in [-32767, 32767], got 32768"),
    "unplugged-low": (_set("adc.unplugged.3", -32768),
                      "adc.unplugged[3]: must be an integer in [-32767, 32767], got -32768"),
    "unplugged-count": (_set("adc.unplugged", [0, 0, 0]),
                        "adc.unplugged: must be a list of exactly 4 entries (one sample per ADC slot), got 3 entries"),
    "unplugged-scalar": (_set("adc.unplugged", 0),
                         "adc.unplugged: must be a list of exactly 4 entries (one sample per ADC slot), got 0"),
    "calibration-count": (_set("dac.calibration", [{"shift": 0, "mult": 1024}] * 5),
                          "dac.calibration: must be a list of exactly 4 entries (one {shift, mult} per slot), "
                          "got 5 entries"),
    "calibration-not-list": (_set("adc.calibration", {"shift": 0, "mult": 1024}),
                             "adc.calibration: must be a list, got a mapping"),
    "calibration-entry": (_set("adc.calibration.0", [0, 1024]),
                          "adc.calibration[0]: must be a mapping with the fields shift, mult, got a list of 2"),
    "calibration-missing": (_delete("adc.calibration.2.mult"), "adc.calibration[2]: missing field(s) 'mult'"),
    "invert-int": (_set("adc.invert", 1), "adc.invert: must be true or false, got 1"),
    "invert-string": (_set("adc.invert", "yes please"), "adc.invert: must be true or false, got 'yes please'"),
    "slot-bool": (_set("network_inputs.0.slot", True),
                  "network_inputs[0].slot: must be an integer in [0, 3], got true"),
    "slot-high": (_set("network_inputs.2.slot", 4), "network_inputs[2].slot: must be an integer in [0, 3], got 4"),
    "shift-float": (_set("network_inputs.0.shift", 2.0),
                    "network_inputs[0].shift: must be an integer in [-24, 24], got 2.0"),
    "shift-string": (_set("network_inputs.1.shift", "2"),
                     "network_inputs[1].shift: must be an integer in [-24, 24], got '2'"),
    "shift-empty": (_set("network_inputs.1.shift", None),
                    "network_inputs[1].shift: must be an integer in [-24, 24], got null (nothing)"),
    "shift-high": (_set("network_inputs.1.shift", 25),
                   "network_inputs[1].shift: must be an integer in [-24, 24], got 25"),
    "constant-huge": (_set("network_inputs.3.constant", 1 << 24),
                      "network_inputs[3].constant: must be an integer in [-8388608, 16777215], got 16777216"),
    "constant-float": (_set("network_inputs.3.constant", 0.5),
                       "network_inputs[3].constant: must be an integer in [-8388608, 16777215], got 0.5"),
    "constant-and-slot": (_set("network_inputs.3", {"constant": 0, "slot": 1}),
                          "network_inputs[3]: unknown field(s) 'slot' (a constant input has only the field "
                          "'constant')"),
    "input-missing-shift": (_set("network_inputs.0", {"slot": 0}),
                            "network_inputs[0]: missing field(s) 'shift' (an input is {slot, shift} or {constant})"),
    "input-typo": (_set("network_inputs.0", {"slot": 0, "shfit": 2}),
                   "network_inputs[0]: unknown field(s) 'shfit' (an input is {slot, shift} or {constant})"),
    "input-scalar": (_set("network_inputs.0", 5),
                     "network_inputs[0]: must be a mapping with the fields slot, shift, got 5"),
    "inputs-empty": (_set("network_inputs", []),
                     "network_inputs: must be a list of 1 to 4 entries (one per network input; the pmod has 4 ADC "
                     "slots), got 0 entries"),
    "inputs-five": (_set("network_inputs", [{"slot": 0, "shift": 2}] * 5),
                    "network_inputs: must be a list of 1 to 4 entries (one per network input; the pmod has 4 ADC "
                    "slots), got 5 entries"),
    "inputs-mapping": (_set("network_inputs", {"slot": 0, "shift": 2}),
                       "network_inputs: must be a list, got a mapping"),
    "dac-slots-three": (_delete("dac_slots.3"),
                        "dac_slots: must be a list of exactly 4 entries (one per DAC slot), got 3 entries"),
    "silent-false": (_set("dac_slots.1", {"silent": False}),
                     "dac_slots[1].silent: must be true (a slot that sends an output is {output, shift}), got false"),
    "silent-and-output": (_set("dac_slots.2", {"silent": True, "output": 1}),
                          "dac_slots[2]: unknown field(s) 'output' (a silent slot has only the field 'silent')"),
    "dac-slot-missing": (_set("dac_slots.0", {"output": 0}),
                         "dac_slots[0]: missing field(s) 'shift' (a DAC slot is {output, shift} or {silent: true})"),
    "adc-unknown": (_set("adc.gain", 2), "adc: unknown field(s) 'gain'"),
    "adc-missing": (_delete("adc.unplugged"), "adc: missing field(s) 'unplugged'"),
    "adc-not-mapping": (_set("adc", None),
                        "adc: must be a mapping with the fields invert, calibration, unplugged, got null (nothing)"),
    "top-unknown": (_set("rate", 48000), "unknown field(s) 'rate'"),
    "top-missing": (_delete("dac_slots"), "missing field(s) 'dac_slots'"),
    "version": (_set("version", 2), "version: must be 1 (the version this code reads), got 2"),
    "version-bool": (_set("version", True), "version: must be 1 (the version this code reads), got true"),
}


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_a_bad_field_is_refused_naming_the_file_and_the_field(case: str) -> None:
    mutate, message = BAD_FIELDS[case]
    data = seeds_data()
    mutate(data)
    before = copy.deepcopy(data)
    with pytest.raises(ChannelMapError) as caught:
        channel_map_from_dict(data, ORIGIN)
    assert str(caught.value) == f"{ORIGIN}: {message}"
    assert isinstance(caught.value, GoldenError)
    assert caught.value.__cause__ is None and "\n" not in str(caught.value)
    assert data == before, "the loader changed the data it was given"


@pytest.mark.parametrize("data,message", [
    ([1, 2], "must be a mapping with the fields version, adc, dac, network_inputs, dac_slots, got a list of 2"),
    ("text", "must be a mapping with the fields version, adc, dac, network_inputs, dac_slots, got 'text'"),
])
def test_the_top_level_must_be_a_mapping(data: Any, message: str) -> None:
    with pytest.raises(ChannelMapError, match=f"^{re.escape(f'{ORIGIN}: {message}')}$"):
        channel_map_from_dict(data, ORIGIN)


def test_a_bad_file_is_refused_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    with pytest.raises(ChannelMapError, match=f"^{re.escape(str(missing))}: channel map file not found$"):
        load_channel_map(missing)
    with pytest.raises(ChannelMapError, match=f"^{re.escape(str(tmp_path))}: cannot read the channel map "
                                              r"\(Is a directory\)$"):
        load_channel_map(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00version")
    with pytest.raises(ChannelMapError, match=f"^{re.escape(str(binary))}: not a text file \\(not UTF-8\\)$"):
        load_channel_map(binary)
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nadc: {invert: true, calibration: [\n")
    with pytest.raises(ChannelMapError) as caught:
        load_channel_map(broken)
    assert str(caught.value).startswith(f"{broken}: not valid YAML (")
    assert "\n" not in str(caught.value)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing but a comment\n")
    with pytest.raises(ChannelMapError, match=f"^{re.escape(str(empty))}: must be a mapping with the fields version, "
                                              r"adc, dac, network_inputs, dac_slots, got null \(nothing\)$"):
        load_channel_map(empty)


def test_an_edited_copy_loads_from_its_file(tmp_path: Path) -> None:
    data = seeds_data()
    data["dac_slots"][1] = {"output": 1, "shift": 3}
    data["adc"]["calibration"][2] = {"shift": -5, "mult": 2048}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data))
    loaded = load_channel_map(path)
    assert loaded.dac_slots[1] == OutputSlot(1, 3)
    assert loaded.adc.calibration[2] == Calibration(-5, 2048)
    assert loaded.origin == str(path)
    data["dac_slots"][1]["shift"] = 30
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ChannelMapError, match=f"^{re.escape(str(path))}: dac_slots\\[1\\].shift: must be an integer "
                                              r"in \[-24, 24\], got 30$"):
        load_channel_map(path)


def test_a_map_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SEEDS.dac_slots = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        SEEDS.adc.calibration[0].mult = 7  # type: ignore[misc]


def test_the_dataclasses_check_their_own_fields() -> None:
    """Built in code, not from a file: the same checks, the field named relative to the dataclass."""
    with pytest.raises(ChannelMapError, match=r"^mult: must be an integer in \[0, 65535\], got true$"):
        Calibration(0, True)
    with pytest.raises(ChannelMapError, match=r"^calibration\[1\]: must be Calibration, got dict$"):
        DacMap(calibration=(IDENTITY, {"shift": 0, "mult": 1024}, IDENTITY, IDENTITY))  # type: ignore[arg-type]
    with pytest.raises(ChannelMapError, match=r"^dac_slots\[2\]: must be OutputSlot or SilentSlot, got SlotInput$"):
        dataclasses.replace(SEEDS, dac_slots=(SilentSlot(), SilentSlot(), SlotInput(0, 0), SilentSlot()))
    assert Calibration(np.int64(-3), np.int32(5)) == Calibration(-3, 5)  # numpy integers become ints
    assert type(Calibration(np.int64(-3), 5).shift) is int


@pytest.mark.parametrize("inputs,outputs,what,count", [(5, 4, "inputs", 5), (4, 5, "outputs", 5),
                                                       (8, 1, "inputs", 8)])
def test_a_model_that_does_not_fit_the_pmod_is_refused(inputs: int, outputs: int, what: str, count: int) -> None:
    manifest = small_manifest("big", inputs, outputs)
    with pytest.raises(ChannelMapError, match=f"^model big: does not fit the pmod: it has {count} {what}, the pmod 4$"):
        SEEDS.check_model(manifest)
    with pytest.raises(ChannelMapError, match=f"^models/big.yaml: does not fit the pmod: it has {count} {what}, "):
        SEEDS.check_model(manifest, model_origin="models/big.yaml")


def test_a_map_that_does_not_fit_the_model_is_refused() -> None:
    seeds = channel_map_from_dict(seeds_data(), ORIGIN)
    mcu = load_manifest(MODELS / "mcu.yaml")  # 3 inputs, 1 output
    with pytest.raises(ChannelMapError, match=f"^{ORIGIN}: network_inputs: maps 4 input\\(s\\), but model mcu has 3 "
                                              r"inputs \(one entry per input, in order\)$"):
        seeds.check_model(mcu)
    data = seeds_data()
    data["network_inputs"] = data["network_inputs"][:3]
    data["dac_slots"][2] = {"output": 1, "shift": 0}
    with pytest.raises(ChannelMapError, match=f"^{ORIGIN}: dac_slots\\[2\\].output: 1 is not an output of model mcu "
                                              r"\(it has 1: 0 to 0\)$"):
        channel_map_from_dict(data, ORIGIN).check_model(mcu)
    data["dac_slots"][2] = {"silent": True}
    channel_map_from_dict(data, ORIGIN).check_model(mcu)  # three inputs, output 0 only: fits


@pytest.mark.parametrize("constant,fits", [(32767, True), (-32768, True), (32768, False), (-32769, False)])
def test_a_constant_must_be_a_code_of_the_input_format(constant: int, fits: bool) -> None:
    data = seeds_data()
    data["network_inputs"][3] = {"constant": constant}
    channel_map = channel_map_from_dict(data, ORIGIN)
    fpga = load_manifest(MODELS / "fpga.yaml")
    if fits:
        channel_map.check_model(fpga)
        return
    with pytest.raises(ChannelMapError, match=f"^{ORIGIN}: network_inputs\\[3\\].constant: {constant} is outside "
                                              r"model fpga's input format Q\(16,12\) \[-32768, 32767\]$"):
        channel_map.check_model(fpga)
