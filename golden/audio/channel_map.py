"""The channel map of docs/audio.md: ADC slots -> network inputs, network outputs -> DAC slots, with calibration.

A `ChannelMap` is plain frozen data, checked when it is built: one that exists is inside every limit the
spec names, so the arithmetic (golden.audio.mapping) and the RTL never meet an out-of-range field. What
depends on the model (its input and output counts, its input format) is checked by `ChannelMap.check_model`.

Errors are `ChannelMapError`s naming the file and the field path, e.g.
`seeds_map.yaml: dac_slots[1].shift: must be an integer in [-24, 24], got 30`. The dataclasses raise with
the field relative to themselves (`shift: ...`); the loader prefixes where the entry sits and the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np

from golden.errors import GoldenError
from golden.manifest import NetworkManifest
from golden.qformat import MAX_WIDTH
from golden.yaml_file import read_yaml

MAP_VERSION = 1
PMOD_SLOTS = 4  # the AK4619VN: 4 ADC slots and 4 DAC slots, so at most 4 network inputs and outputs
CALIBRATION_FRAC = 10  # mult 1024 is a gain of 1
SAMPLE_LIMIT = 32767  # calibrated samples and DAC words are clamped to +-SAMPLE_LIMIT (symmetric)
CALIBRATION_SHIFT_RANGE = (-32768, 32767)
CALIBRATION_MULT_RANGE = (0, 65535)
SHIFT_RANGE = (-24, 24)  # network-input and DAC-slot shifts
# Every code of every input format the models allow (at most MAX_WIDTH bits, signed or not); the model's own
# format is checked by check_model. The bound keeps a constant inside int64 before that check.
CONSTANT_RANGE = (-(1 << (MAX_WIDTH - 1)), (1 << MAX_WIDTH) - 1)


class ChannelMapError(GoldenError):
    """A channel map is invalid or does not fit the model; the message names the file and the field."""


@dataclass(frozen=True)
class Calibration:
    """One slot's `clamp(((x - shift) * mult) >>> 10, -32767, 32767)`; the defaults are the identity."""

    shift: int = 0
    mult: int = 1 << CALIBRATION_FRAC

    def __post_init__(self) -> None:
        object.__setattr__(self, "shift", _integer(self.shift, "shift", *CALIBRATION_SHIFT_RANGE))
        object.__setattr__(self, "mult", _integer(self.mult, "mult", *CALIBRATION_MULT_RANGE))


@dataclass(frozen=True)
class AdcMap:
    """ADC words to calibrated samples: inversion, per-slot calibration, the sample of an unplugged jack."""

    invert: bool
    calibration: tuple[Calibration, ...]
    unplugged: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "invert", _boolean(self.invert, "invert"))
        object.__setattr__(self, "calibration", _calibrations(self.calibration))
        values = _sequence(self.unplugged, "unplugged", PMOD_SLOTS, "one sample per ADC slot")
        object.__setattr__(self, "unplugged", tuple(
            _integer(value, f"unplugged[{slot}]", -SAMPLE_LIMIT, SAMPLE_LIMIT) for slot, value in enumerate(values)))


@dataclass(frozen=True)
class DacMap:
    """Per DAC slot, the calibration of the word sent."""

    calibration: tuple[Calibration, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "calibration", _calibrations(self.calibration))


@dataclass(frozen=True)
class SlotInput:
    """A network input fed by ADC slot `slot`'s calibrated sample, `>>> shift` (`<< -shift` when negative)."""

    slot: int
    shift: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "slot", _integer(self.slot, "slot", 0, PMOD_SLOTS - 1))
        object.__setattr__(self, "shift", _integer(self.shift, "shift", *SHIFT_RANGE))


@dataclass(frozen=True)
class ConstantInput:
    """A network input held at one code."""

    constant: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "constant", _integer(self.constant, "constant", *CONSTANT_RANGE))


@dataclass(frozen=True)
class OutputSlot:
    """A DAC slot sending network output `output`, `>>> shift` (`<< -shift` when negative), saturated."""

    output: int
    shift: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "output", _integer(self.output, "output", 0, PMOD_SLOTS - 1))
        object.__setattr__(self, "shift", _integer(self.shift, "shift", *SHIFT_RANGE))


@dataclass(frozen=True)
class SilentSlot:
    """A DAC slot that always sends 0."""


NetworkInput = Union[SlotInput, ConstantInput]
DacSource = Union[OutputSlot, SilentSlot]


@dataclass(frozen=True)
class ChannelMap:
    """A validated channel map; `origin` (the file) only names it in messages."""

    adc: AdcMap
    dac: DacMap
    network_inputs: tuple[NetworkInput, ...]
    dac_slots: tuple[DacSource, ...]
    origin: str = field(default="channel map", compare=False)

    def __post_init__(self) -> None:
        _instance(self.adc, "adc", AdcMap)
        _instance(self.dac, "dac", DacMap)
        inputs = tuple(self.network_inputs) if isinstance(self.network_inputs, (list, tuple)) else None
        if inputs is None or not 1 <= len(inputs) <= PMOD_SLOTS:
            got = f"{len(inputs)} entries" if inputs is not None else _describe(self.network_inputs)
            raise ChannelMapError(f"network_inputs: must be a list of 1 to {PMOD_SLOTS} entries (one per network "
                                  f"input; the pmod has {PMOD_SLOTS} ADC slots), got {got}")
        for index, entry in enumerate(inputs):
            _instance(entry, f"network_inputs[{index}]", SlotInput, ConstantInput)
        slots = _sequence(self.dac_slots, "dac_slots", PMOD_SLOTS, "one per DAC slot")
        for index, entry in enumerate(slots):
            _instance(entry, f"dac_slots[{index}]", OutputSlot, SilentSlot)
        object.__setattr__(self, "network_inputs", inputs)
        object.__setattr__(self, "dac_slots", slots)

    def check_model(self, manifest: NetworkManifest, model_origin: str | None = None) -> None:
        """Refuse a model the pmod cannot hold or this map does not fit; `model_origin` names the model in the
        first message (default `model <name>`)."""
        model = model_origin or f"model {manifest.name}"
        for what, count in (("inputs", manifest.input_channels), ("outputs", manifest.output_channels)):
            if count > PMOD_SLOTS:
                raise ChannelMapError(f"{model}: does not fit the pmod: it has {count} {what}, the pmod {PMOD_SLOTS}")
        name = f"model {manifest.name}"
        if len(self.network_inputs) != manifest.input_channels:
            raise ChannelMapError(
                f"{self.origin}: network_inputs: maps {len(self.network_inputs)} input(s), but {name} has "
                f"{manifest.input_channels} inputs (one entry per input, in order)")
        fmt = manifest.input_format
        for index, entry in enumerate(self.network_inputs):
            if isinstance(entry, ConstantInput) and not fmt.min_code <= entry.constant <= fmt.max_code:
                raise ChannelMapError(
                    f"{self.origin}: network_inputs[{index}].constant: {entry.constant} is outside {name}'s input "
                    f"format {fmt} [{fmt.min_code}, {fmt.max_code}]")
        for index, slot in enumerate(self.dac_slots):
            if isinstance(slot, OutputSlot) and slot.output >= manifest.output_channels:
                raise ChannelMapError(
                    f"{self.origin}: dac_slots[{index}].output: {slot.output} is not an output of {name} "
                    f"(it has {manifest.output_channels}: 0 to {manifest.output_channels - 1})")


def default_channel_map_path() -> Path:
    """The seeds' map, the default of every build."""
    return Path(__file__).resolve().with_name("seeds_map.yaml")


def load_channel_map(path: Path | str) -> ChannelMap:
    """Read and validate a channel map file; every error names the file."""
    data = read_yaml(path, "channel map", ChannelMapError)
    return channel_map_from_dict(data, str(path))


def channel_map_from_dict(data: Any, origin: str = "channel map") -> ChannelMap:
    """Validate the YAML structure `data` (version 1); errors name `origin` and the field path. `data` is
    only read."""
    try:
        return _parse(data, origin)
    except ChannelMapError as error:
        raise ChannelMapError(f"{origin}: {error}") from None


# --- the loader: structure (mappings, lists, field names) here, values in the dataclasses ---------------

def _parse(data: Any, origin: str) -> ChannelMap:
    top = _fields(data, "", ("version", "adc", "dac", "network_inputs", "dac_slots"))
    version = top["version"]
    if isinstance(version, bool) or version != MAP_VERSION:
        raise ChannelMapError(f"version: must be {MAP_VERSION} (the version this code reads), got {_show(version)}")
    adc = _fields(top["adc"], "adc", ("invert", "calibration", "unplugged"))
    adc_map = _build(AdcMap, "adc", invert=adc["invert"],
                     calibration=_calibration_entries(adc["calibration"], "adc.calibration"),
                     unplugged=adc["unplugged"])
    dac = _fields(top["dac"], "dac", ("calibration",))
    dac_map = _build(DacMap, "dac", calibration=_calibration_entries(dac["calibration"], "dac.calibration"))
    inputs = [_network_input(entry, f"network_inputs[{index}]")
              for index, entry in enumerate(_list(top["network_inputs"], "network_inputs"))]
    slots = [_dac_slot(entry, f"dac_slots[{index}]")
             for index, entry in enumerate(_list(top["dac_slots"], "dac_slots"))]
    return ChannelMap(adc_map, dac_map, tuple(inputs), tuple(slots), origin)


def _calibration_entries(value: Any, path: str) -> list[Calibration]:
    entries = []
    for index, entry in enumerate(_list(value, path)):
        where = f"{path}[{index}]"
        fields = _fields(entry, where, ("shift", "mult"))
        entries.append(_build(Calibration, where, shift=fields["shift"], mult=fields["mult"]))
    return entries


def _network_input(entry: Any, path: str) -> NetworkInput:
    if isinstance(entry, dict) and "constant" in entry:
        fields = _fields(entry, path, ("constant",), " (a constant input has only the field 'constant')")
        return _build(ConstantInput, path, constant=fields["constant"])
    fields = _fields(entry, path, ("slot", "shift"), " (an input is {slot, shift} or {constant})")
    return _build(SlotInput, path, slot=fields["slot"], shift=fields["shift"])


def _dac_slot(entry: Any, path: str) -> DacSource:
    if isinstance(entry, dict) and "silent" in entry:
        fields = _fields(entry, path, ("silent",), " (a silent slot has only the field 'silent')")
        if fields["silent"] is not True:
            raise ChannelMapError(f"{path}.silent: must be true (a slot that sends an output is {{output, shift}}), "
                                  f"got {_show(fields['silent'])}")
        return SilentSlot()
    fields = _fields(entry, path, ("output", "shift"), " (a DAC slot is {output, shift} or {silent: true})")
    return _build(OutputSlot, path, output=fields["output"], shift=fields["shift"])


def _fields(value: Any, path: str, names: tuple[str, ...], hint: str = "") -> dict:
    """`value` as a mapping with exactly the fields `names`."""
    where = f"{path}: " if path else ""
    if not isinstance(value, dict):
        raise ChannelMapError(f"{where}must be a mapping with the fields {', '.join(names)}, got {_describe(value)}")
    unknown = [key for key in value if key not in names]
    if unknown:
        raise ChannelMapError(f"{where}unknown field(s) {', '.join(repr(key) for key in unknown)}{hint}")
    missing = [name for name in names if name not in value]
    if missing:
        raise ChannelMapError(f"{where}missing field(s) {', '.join(repr(name) for name in missing)}{hint}")
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise ChannelMapError(f"{path}: must be a list, got {_describe(value)}")
    return value


def _build(cls: type, path: str, **fields: Any) -> Any:
    """`cls(**fields)`; its error gets the entry's place: `shift: ...` -> `adc.calibration[1].shift: ...`."""
    try:
        return cls(**fields)
    except ChannelMapError as error:
        raise ChannelMapError(f"{path}.{error}") from None


# --- value checks shared by the dataclasses ---------------------------------------------------------------

def _integer(value: Any, name: str, low: int, high: int) -> int:
    """A bool is refused (YAML's `true` is not 1 here); numpy integers are accepted."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ChannelMapError(f"{name}: must be an integer in [{low}, {high}], got {_show(value)}")
    return int(value)


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ChannelMapError(f"{name}: must be true or false, got {_show(value)}")
    return bool(value)


def _sequence(value: Any, name: str, length: int, what: str) -> tuple:
    if not isinstance(value, (list, tuple)) or len(value) != length:
        got = f"{len(value)} entries" if isinstance(value, (list, tuple)) else _describe(value)
        raise ChannelMapError(f"{name}: must be a list of exactly {length} entries ({what}), got {got}")
    return tuple(value)


def _calibrations(value: Any) -> tuple[Calibration, ...]:
    entries = _sequence(value, "calibration", PMOD_SLOTS, "one {shift, mult} per slot")
    for index, entry in enumerate(entries):
        _instance(entry, f"calibration[{index}]", Calibration)
    return entries


def _instance(value: Any, name: str, *classes: type) -> None:
    if not isinstance(value, classes):
        expected = " or ".join(cls.__name__ for cls in classes)
        raise ChannelMapError(f"{name}: must be {expected}, got {type(value).__name__}")


def _show(value: Any) -> str:
    """A value as the YAML file spells it, so the message quotes what the user wrote."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if value is None:
        return "null (nothing)"
    return repr(value.item() if isinstance(value, np.generic) else value)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    return _show(value)
