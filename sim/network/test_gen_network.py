"""scripts/gen_network.py and golden.rtlgen.top: the parallelism policy, the files, the errors.

No simulation here (sim/network/test_network.py streams the generated tops);
the generated SystemVerilog is linted with Verilator -Wall like every RTL module.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from golden.manifest import save_manifest
from golden.memfile import bias_rom_words, matrix_rom_words
from golden.rtlgen.pool import POOL_SIZES, PoolError, PoolPlan
from golden.rtlgen.structure import plan_structure
from golden.kinds.base import Parallelism
from golden.rtlgen.top import (
    WIDE_NETWORK_DSPS, NetworkPlan, RtlExportError, export_network, layer_plan, plan_network,
)
from golden.tests.network_cases import SHAPES, random_manifest
from simlib.runner import REPO
from synth.toolchain import verilator_environment

SEEDS_FPGA_MULTIPLIERS, SEEDS_FPGA_CYCLES = 132, 77  # the seeds' design (docs/network.md)
CONTRACT_KEYS = {"top", "sources", "parameters", "input_channels", "output_channels", "input_format",
                 "output_format", "input_width", "output_width", "cycles_per_sample", "latency_cycles", "dsp_count",
                 "layers"}


def manifest(name: str):
    shape = next(s for s in SHAPES if s.name == name)
    return random_manifest(shape, np.random.default_rng(7), weight_bits=min(shape.fmt.frac + 1, 12))


def test_default_beats_the_seeds_fpga_design() -> None:
    plan = plan_network(manifest("fpga"))
    assert plan.multipliers < SEEDS_FPGA_MULTIPLIERS / 2, plan.multipliers
    assert plan.cycles_per_sample < SEEDS_FPGA_CYCLES, plan.cycles_per_sample


@pytest.mark.parametrize("name", ["fpga", "mcu", "odd", "seedlike", "mixed"])
@pytest.mark.parametrize("budget", [20, 64, 300])
def test_policy_picks_the_cheapest_setting_within_budget(name: str, budget: int) -> None:
    network = manifest(name)
    try:
        plan = plan_network(network, budget)
    except RtlExportError as error:
        assert budget == 20 and "no parallelism meets 20" in str(error), error
        return
    for chosen in plan.layers:
        assert chosen.interval <= budget
        layer = chosen.layer
        cheaper = [layer_plan(chosen.index, layer, lanes, cols)
                   for lanes in range(1, layer.kernel_size * layer.in_channels + 1)
                   for cols in range(1, layer.out_channels + 1) if lanes * cols < chosen.multipliers]
        assert all(other.interval > budget for other in cheaper), f"{layer.name}: a cheaper setting fits {budget}"
    assert plan.cycles_per_sample == max(p.interval for p in plan.layers)


def test_budget_nothing_meets_names_the_layer() -> None:
    with pytest.raises(RtlExportError, match=r"layer 1 \(conv_1\): no parallelism meets 6 .* needs 8"):
        plan_network(manifest("fpga"), 6, overrides={"conv_0": (16, 16)})


def test_overrides() -> None:
    plan = plan_network(manifest("fpga"), overrides={"conv_1": (4, 8)})
    assert (plan.layers[1].lanes, plan.layers[1].cols) == (4, 8)
    with pytest.raises(RtlExportError, match="unknown layer.*conv_9"):
        plan_network(manifest("fpga"), overrides={"conv_9": (1, 1)})
    with pytest.raises(RtlExportError, match=r"conv_2\): COLS must be an integer in \[1, 4\], got 5"):
        plan_network(manifest("fpga"), overrides={"conv_2": (1, 5)})


def test_export_writes_the_contract(tmp_path: Path) -> None:
    network = manifest("odd")
    result = export_network(plan_network(network, 40), tmp_path / "out")
    info = json.loads(result.json_file.read_text())
    assert CONTRACT_KEYS <= set(info), CONTRACT_KEYS - set(info)
    assert info["top"] == "wavenet_odd" and Path(info["sources"][-1]) == result.top_file
    assert all(Path(source).is_absolute() and Path(source).is_file() for source in info["sources"])
    for layer, described in zip(network.layers, info["layers"]):
        lanes, cols = described["lanes"], described["cols"]
        kernel_fmt, bias_fmt = layer.operands.kernel, layer.operands.bias
        weights = [int(line, 16) for line in Path(described["weights_file"]).read_text().split()]
        assert weights == matrix_rom_words(layer.kernel.reshape(-1, layer.out_channels), kernel_fmt, lanes, cols)
        bias = [int(line, 16) for line in Path(described["bias_file"]).read_text().split()]
        assert bias == bias_rom_words(layer.bias, bias_fmt, cols)
        assert described["output_format"] == layer.output_format.to_dict()
    assert info["output_format"] == network.output_format.to_dict()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [result.top_file.name, result.json_file.name, *(p.name for p in result.weight_files)])


def test_full_precision_output_leaves_with_its_width(tmp_path: Path) -> None:
    """No output quantizer: the exact sum leaves the top, its width and format in the JSON (and the manifest)."""
    network = manifest("seedlike")
    info = export_network(plan_network(network), tmp_path).description
    last = network.layers[-1]
    assert last.output.full_precision
    assert info["output_format"] == {"width": last.accumulator_width, "frac": 23, "signed": True}
    assert info["output_width"] == 39
    assert f"output      logic [{4 * 39 - 1}:0]  out_data_o" in (tmp_path / f"{info['top']}.sv").read_text()


def test_a_failed_export_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import golden.rtlgen.top as rtl_export

    calls = []

    def failing_write_hex(path, words, bits):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return original(path, words, bits)

    original = rtl_export.write_hex
    monkeypatch.setattr(rtl_export, "write_hex", failing_write_hex)
    out = tmp_path / "out"
    with pytest.raises(RtlExportError, match="writing the generated network failed"):
        export_network(plan_network(manifest("fpga")), out)
    assert list(out.iterdir()) == [], "a failed export left files behind"


def test_cli_errors_name_the_problem(tmp_path: Path) -> None:
    script = REPO / "scripts" / "gen_network.py"
    missing = subprocess.run([sys.executable, script, tmp_path / "nope.yaml", "--out", tmp_path / "o"],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "nope.yaml: manifest file not found" in missing.stderr
    manifest_file = save_manifest(manifest("mcu"), tmp_path / "mcu.yaml")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    unwritable = subprocess.run([sys.executable, script, manifest_file, "--out", blocked / "sub"],
                                capture_output=True, text=True)
    assert unwritable.returncode == 2 and "cannot create the output folder" in unwritable.stderr
    too_fast = subprocess.run([sys.executable, script, manifest_file, "--out", tmp_path / "o", "--cycles-per-sample",
                               "5"], capture_output=True, text=True)
    assert too_fast.returncode == 2 and "no parallelism meets 5 cycles per sample" in too_fast.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("name", ["fpga", "mcu", "odd", "narrow", "single", "seedlike", "mixed"])
def test_generated_top_lints_clean(tmp_path: Path, name: str) -> None:
    result = export_network(plan_network(manifest(name)), tmp_path)
    info = result.description
    command = ["verilator", "--lint-only", "-Wall", "--quiet-stats", "--top-module", info["top"], *info["sources"]]
    lint = subprocess.run(command, env=verilator_environment({"PATH": "/usr/bin:/bin"}), capture_output=True,
                          text=True)
    assert lint.returncode == 0 and not lint.stderr.strip(), lint.stderr


# ---- the shared structure (golden/rtlgen/pool.py) -----------------------------------------------

SEEDS_RATE_BUDGET = 781  # 192 kHz (the seeds' sample rate) at 150 MHz: 150e6 / 192e3 = 781.25 cycles


def test_structure_follows_the_budget() -> None:
    """Per-layer at the default budget; at 192 kHz on 150 MHz a pool of 2 (fewer DSPs than per-layer)."""
    network = manifest("fpga")
    assert isinstance(plan_structure(network), NetworkPlan)
    shared = plan_structure(network, SEEDS_RATE_BUDGET)
    per_layer = plan_network(network, SEEDS_RATE_BUDGET)
    assert isinstance(shared, PoolPlan) and shared.pool == 2, shared
    assert shared.cycles_per_sample == 768 <= SEEDS_RATE_BUDGET
    assert shared.dsp_count == 2 < per_layer.dsp_count
    # a pool of 1 needs all 1536 MACs in a row: the budget decides
    assert plan_structure(network, 1536).pool == 1
    assert isinstance(plan_structure(network, SEEDS_RATE_BUDGET, structure="per-layer"), NetworkPlan)
    # overrides are a per-layer notion: auto keeps the per-layer structure
    assert isinstance(plan_structure(network, SEEDS_RATE_BUDGET, overrides={"conv_1": (1, 1)}), NetworkPlan)


def test_budget_choice_keeps_nine_tenths_of_the_multipliers_busy() -> None:
    """The default model at every budget 16..1024: the generator's pick meets the budget with MAC efficiency
    (MACs / (multipliers x cycles), counted here from the manifest's shapes) >= 90%. Where the per-layer
    structure's cheapest plan falls below (whole multipliers per layer: 2 + 7 + 2 at 160 cycles, 87%), the
    pick is the cheapest that reaches it; elsewhere the floor changes nothing."""
    from golden.manifest import load_manifest

    network = load_manifest(REPO / "golden" / "models" / "fpga.yaml")
    macs = sum(layer.kernel_size * layer.in_channels * layer.out_channels for layer in network.layers)
    for budget in range(16, 1025):
        plan = plan_structure(network, budget)
        efficiency = macs / (plan.multipliers * plan.cycles_per_sample)
        assert plan.cycles_per_sample <= budget and efficiency >= 0.9, (
            f"budget {budget}: {plan.multipliers} multipliers x {plan.cycles_per_sample} cycles = {efficiency:.1%}")
    cheapest = plan_network(network, 160)
    assert (cheapest.multipliers, cheapest.cycles_per_sample) == (11, 160)
    assert (plan_structure(network, 160).multipliers, plan_structure(network, 160).cycles_per_sample) == (12, 128)
    assert plan_structure(network, 160, structure="per-layer") == cheapest
    assert plan_structure(network, 64) == plan_network(network, 64)
    # The floor spends at most the multipliers the cheapest leaves idle: mcu's small layers idle at every
    # per-layer plan (10 multipliers at 64 cycles; 90% needs 27 at 16), so it keeps its cheapest.
    mcu = load_manifest(REPO / "golden" / "models" / "mcu.yaml")
    assert plan_structure(mcu, 64) == plan_network(mcu, 64) and plan_network(mcu, 64).multipliers == 10
    # po2 layers shift rather than multiply: no efficiency figure, no floor.
    seed_po2 = load_manifest(REPO / "golden" / "models" / "seed_po2.yaml")
    assert plan_structure(seed_po2, 48).mac_efficiency is None
    assert plan_structure(seed_po2, 48) == plan_network(seed_po2, 48)


def test_wide_network_registers_the_dsp_operands(tmp_path: Path) -> None:
    """Above WIDE_NETWORK_DSPS MULT18X18D every DSP multiplier has two register stages (operands and product):
    one cycle more latency per layer. sim/network streams such a network, sim/network_netlist its netlist."""
    from golden.manifest import load_manifest

    network = load_manifest(REPO / "golden" / "models" / "fpga.yaml")
    narrow, wide = plan_network(network, 16), plan_network(network, 15)
    assert narrow.dsp_count == WIDE_NETWORK_DSPS < wide.dsp_count
    assert [lp.setting.mul_latency for lp in narrow.layers] == [1, 1, 1]
    assert [lp.setting.mul_latency for lp in wide.layers] == [2, 2, 2]
    one_stage = plan_network(network, 15, mul_latency=1)
    assert [lp.setting for lp in one_stage.layers] == [replace(lp.setting, mul_latency=1) for lp in wide.layers]
    assert wide.latency_cycles == one_stage.latency_cycles + 3
    assert plan_network(network, 64, mul_latency=2).latency_cycles == plan_network(network, 64).latency_cycles + 3
    description = export_network(wide, tmp_path).description
    assert [layer["mul_latency"] for layer in description["layers"]] == [2, 2, 2]
    assert (tmp_path / f"{description['top']}.sv").read_text().count(".MUL_LATENCY(2)") == 3
    # po2 lanes are shifters, not MULT18X18D: one stage whatever the network
    seed_po2 = load_manifest(REPO / "golden" / "models" / "seed_po2.yaml")
    assert {lp.setting.mul_latency for lp in plan_network(seed_po2, 48, mul_latency=2).layers
            if lp.layer.kind == "po2"} == {1}
    with pytest.raises(RtlExportError, match="multiplier latency must be 1 or 2, got 3"):
        plan_network(network, 64, mul_latency=3)
    with pytest.raises(RtlExportError, match=r"layer 2 \(qconv_1_1a_po2\): po2_mul lanes have one register stage"):
        plan_network(seed_po2, 48, {"qconv_1_1a_po2": Parallelism(1, 1, mul_latency=2)})


def test_shared_structure_errors_name_the_reason() -> None:
    network = manifest("fpga")
    with pytest.raises(PoolError, match=r"no shared pool of 1..8 multipliers meets 64 cycles per sample for fpga; "
                                        r"the fastest \(P=8\) needs 201"):
        plan_structure(network, structure="shared")
    with pytest.raises(PoolError, match="pool size must be 1..8 multipliers, got 9"):
        plan_structure(network, structure="shared", pool=9)
    with pytest.raises(PoolError, match="applies to the shared structure only"):
        plan_structure(network, structure="per-layer", pool=2)
    with pytest.raises(PoolError, match="overrides apply to the per-layer structure only"):
        plan_structure(network, structure="shared", pool=2, overrides={"conv_1": (1, 1)})
    with pytest.raises(PoolError, match="structure must be one of auto, shared, per-layer"):
        plan_structure(network, structure="pooled")


def test_po2_network_keeps_the_per_layer_structure() -> None:
    """The pool has fixed_mul lanes: a po2 layer keeps its network per-layer, and asking for a pool says why."""
    from golden.kinds.po2 import PO2
    from golden.manifest import NetworkManifest

    layer, _ = PO2.example_layers(np.random.default_rng(1))[0]
    network = NetworkManifest(name="po2net", input_format=layer.input_format, input_channels=layer.in_channels,
                              layers=(layer,))
    po2 = next(layer for layer in network.layers if layer.kind == "po2")
    assert isinstance(plan_structure(network, 100_000), NetworkPlan)
    with pytest.raises(PoolError, match=rf"\({po2.name}\) is a po2 layer; the shared multiplier pool runs "
                                        r"conv1d, dense layers only .* keeps the per-layer structure"):
        plan_structure(network, structure="shared", pool=1)


@pytest.mark.parametrize("name", ["fpga", "mcu", "odd", "narrow", "single", "seedlike", "mixed"])
@pytest.mark.parametrize("pool", POOL_SIZES)
def test_pool_schedule_covers_every_term_once(name: str, pool: int) -> None:
    """Decode the ROMs as rtl/pool_network.sv does: every output channel gets each (tap, channel) term
    once, with its kernel code, the ring offset of its age, its bias; and the beats are in RTL order."""
    network = manifest(name)
    plan = plan_structure(network, structure="shared", pool=pool)
    w = plan.widths
    sched, sched_bits = plan.schedule_words()
    weights, weight_bits = plan.weight_words()
    assert len(sched) == len(weights) == plan.beat_count
    assert all(word < (1 << sched_bits) for word in sched) and all(word < (1 << weight_bits) for word in weights)
    kw, lane_w = plan.kernel_width, w["LaneW"]
    seen: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for word, weight_word in zip(sched, weights):
        position = pool * lane_w + w["CW"]
        layer_index = (word >> position) & ((1 << w["LYW"]) - 1)
        out = (word >> (position + w["LYW"])) & ((1 << w["OW"]) - 1)
        layer = network.layers[layer_index]
        for lane in range(pool):
            field = word >> (lane * lane_w)
            offset = field & ((1 << (w["AW"] + 1)) - 1)
            offset -= (1 << (w["AW"] + 1)) if offset >> w["AW"] else 0
            age = (field >> (w["AW"] + 1)) & ((1 << w["DLW"]) - 1)
            code = (weight_word >> (lane * kw)) & ((1 << kw) - 1)
            code -= (1 << kw) if code >> (kw - 1) else 0
            if age == (1 << w["DLW"]) - 1:
                assert code == 0, "an idle lane must multiply by zero"
                continue
            channel = offset + age * layer.in_channels
            assert age % layer.dilation == 0 and 0 <= channel < layer.in_channels, (offset, age)
            tap = layer.kernel_size - 1 - age // layer.dilation
            assert code == layer.kernel[tap, channel, out]
            seen.setdefault((layer_index, out), []).append((tap, channel, code))
    for index, layer in enumerate(network.layers):
        for out in range(layer.out_channels):
            terms = sorted((tap, channel) for tap, channel, _ in seen[(index, out)])
            assert terms == [(k, c) for k in range(layer.kernel_size) for c in range(layer.in_channels)]
    bias, _ = plan.bias_words()
    flat = [int(code) for layer in network.layers for code in layer.bias]
    assert [b - (1 << plan.bias_width) if b >> (plan.bias_width - 1) else b for b in bias] == flat


def test_pool_export_writes_the_contract(tmp_path: Path) -> None:
    network = manifest("mcu")
    result = export_network(plan_structure(network, structure="shared", pool=3), tmp_path / "out")
    info = json.loads(result.json_file.read_text())
    assert CONTRACT_KEYS <= set(info), CONTRACT_KEYS - set(info)
    assert info["structure"] == "shared" and info["pool"] == 3 and info["multipliers"] == 3
    assert info["dsp_count"] == 3 and info["macs_per_sample"] == 424
    assert info["cycles_per_sample"] == 213 and info["latency_cycles"] == 224  # golden/rtlgen/pool.py's model
    assert set(info["parameters"]) == {"WEIGHTS_FILE", "SCHEDULE_FILE", "BIAS_FILE"}
    assert all(Path(source).is_absolute() and Path(source).is_file() for source in info["sources"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [result.top_file.name, result.json_file.name, *(p.name for p in result.weight_files)])
    per_layer = json.loads(export_network(plan_network(network), tmp_path / "per_layer").json_file.read_text())
    assert per_layer["structure"] == "per-layer"


def test_cli_structure_and_pool(tmp_path: Path) -> None:
    script = REPO / "scripts" / "gen_network.py"
    manifest_file = save_manifest(manifest("fpga"), tmp_path / "fpga.yaml")
    shared = subprocess.run([sys.executable, script, manifest_file, "--out", tmp_path / "a", "--cycles-per-sample",
                             str(SEEDS_RATE_BUDGET)], capture_output=True, text=True)
    assert shared.returncode == 0 and "shared structure, 768 cycles per sample" in shared.stdout, shared.stderr
    assert json.loads((tmp_path / "a" / "wavenet_fpga.json").read_text())["pool"] == 2
    forced = subprocess.run([sys.executable, script, manifest_file, "--out", tmp_path / "b", "--pool", "3"],
                            capture_output=True, text=True)
    assert forced.returncode == 0 and "3 multipliers (3 MULT18X18D)" in forced.stdout, forced.stderr
    refused = subprocess.run([sys.executable, script, manifest_file, "--out", tmp_path / "c", "--structure",
                              "shared"], capture_output=True, text=True)
    assert refused.returncode == 2 and "no shared pool of 1..8 multipliers meets 64" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "c").exists()


@pytest.mark.parametrize("name", ["fpga", "mcu", "narrow", "single", "seedlike", "mixed"])
def test_generated_pool_top_lints_clean(tmp_path: Path, name: str) -> None:
    result = export_network(plan_structure(manifest(name), structure="shared", pool=3), tmp_path)
    info = result.description
    command = ["verilator", "--lint-only", "-Wall", "-DASSERTIONS", "--quiet-stats", "--top-module", info["top"],
               *info["sources"]]
    lint = subprocess.run(command, env=verilator_environment({"PATH": "/usr/bin:/bin"}), capture_output=True,
                          text=True)
    assert lint.returncode == 0 and not lint.stderr.strip(), lint.stderr


# ---- po2: two implementations, chosen by budget and estimated cost (golden.kinds.po2) ----------------------
PO2_MODELS = REPO / "golden" / "models"


def po2_plan(model: str, budget: int, overrides: dict | None = None):
    from golden.manifest import load_manifest
    return plan_network(load_manifest(PO2_MODELS / f"{model}.yaml"), budget, overrides)


@pytest.mark.parametrize("model,budget,expected", [
    ("seed_po2", 64, "lanes"), ("seed_po2", 10, "baked"), ("fpga_po2", 64, "lanes"), ("fpga_po2", 10, "baked")])
def test_po2_implementation_follows_budget_and_cost(model: str, budget: int, expected: str) -> None:
    plan = po2_plan(model, budget)
    for lp in plan.layers:
        if lp.layer.kind != "po2":
            assert lp.implementation == "lanes"
            continue
        assert lp.implementation == expected, (lp.name, lp.setting)
        other = "baked" if expected == "lanes" else "lanes"
        from golden.rtlgen.top import choose_parallelism
        alternative = choose_parallelism(lp.index, lp.layer, budget, other)
        # chosen: it fits and is estimated cheaper, or the other cannot meet the budget
        assert alternative.interval > budget or alternative.estimated_luts >= lp.estimated_luts, (lp.name, alternative)
        assert lp.dsp_blocks == 0 and lp.core_module == ("po2_baked_conv" if expected == "baked" else "conv1d")


def test_po2_overrides_force_an_implementation(tmp_path: Path) -> None:
    from golden.rtlgen.top import parse_override
    name, value = parse_override("qconv_1_1a_po2=baked")
    plan = po2_plan("seed_po2", 64, {name: value, "qconv_1_1b_po2": (2, 4)})
    chosen = {lp.name: lp for lp in plan.layers}
    assert chosen["qconv_1_1a_po2"].implementation == "baked" and chosen["qconv_1_1a_po2"].multipliers == 0
    assert (chosen["qconv_1_1b_po2"].implementation, chosen["qconv_1_1b_po2"].lanes) == ("lanes", 2)  # LANESxCOLS
    info = export_network(plan, tmp_path).description
    by_name = {layer["name"]: layer for layer in info["layers"]}
    assert by_name["qconv_1_1a_po2"]["implementation"] == "baked"
    assert by_name["qconv_1_1a_po2"]["core_module"] == "po2_baked_conv"
    assert "weights_file" not in by_name["qconv_1_1a_po2"]  # its weights are parameters
    assert "po2_baked_conv #(" in (tmp_path / f"{info['top']}.sv").read_text()
    with pytest.raises(RtlExportError, match=r"qconv_0_qb\): kind conv1d has no implementation 'baked'; it has lanes"):
        po2_plan("seed_po2", 64, {"qconv_0_qb": "baked"})
    with pytest.raises(RtlExportError, match=r"kind po2 has no implementation 'unrolled'"):
        po2_plan("seed_po2", 64, {"qconv_1_1a_po2": "unrolled"})
    with pytest.raises(RtlExportError, match=r"expected LAYER=LANESxCOLS or LAYER=IMPLEMENTATION"):
        parse_override("qconv_1_1a_po2=4x")
