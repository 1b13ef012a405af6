"""Bad arguments and bad input files to the board and synthesis scripts: one `error:` line, the right exit
status, no traceback, no output left behind (docs/faults.md).

scripts/synth_network.py exits 2 for bad arguments and 1 for a flow error (a part that does not come in the
package, a model that does not exist) and deletes the old report first, so a refused run never leaves one
claiming success. scripts/synth_blocks.py refuses an unknown part the same way. scripts/stream_board.py
checks its CSV before it opens the serial port, so every CSV refusal here runs without a board.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from synth.out_of_context import REPO

SCRIPTS = REPO / "scripts"


def run_script(name: str, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPTS / name), *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def assert_refused(result: subprocess.CompletedProcess, status: int, *fragments: str) -> None:
    """Exit `status`, no traceback, every fragment in the one error line (argparse's `<prog>: error:` too)."""
    assert result.returncode == status, f"exit {result.returncode}, expected {status}:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def stale_reports(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    reports = [out / "report.json", out / "report.md"]
    for report in reports:
        report.write_text("PASS (from an earlier run)")
    return reports


@pytest.mark.parametrize("args,status,fragments", [
    (["--device", "LFE5U-99F"], 2, ["unknown ECP5 part 'LFE5U-99F'", "known parts"]),
    (["--package", "QFN32"], 2, ["unknown ECP5 package 'QFN32'"]),
    (["--speed", "9"], 2, ["unknown ECP5 speed grade 9"]),
    (["--device", "LFE5U-25F", "--package", "CABGA554"], 1, ["LFE5U-25F does not come in CABGA554",
                                                            "CABGA256, CABGA381, CSFBGA285, TQFP144"]),
    (["--model", "nowhere/absent.yaml"], 1, ["model manifest nowhere/absent.yaml not found", "fpga"]),
    (["--model", "nowhere/absent.h5"], 1, ["nowhere/absent.h5 is a QKeras model: export it to a manifest first"]),
    (["--rate", "192000", "--cycles-per-sample", "64"], 2, ["give --rate or --cycles-per-sample, not both"]),
    (["--rate", "1e9"], 2, ["no configuration of fpga meets 1,000.00 M samples/s at 100 MHz",
                            "on LFE5UM5G-85F (156 MULT18X18D, 208 DP16KD); the fastest that fits is per-layer"]),
    (["--rate", "-1"], 2, ["the sample rate (samples/s) must be a positive number"]),
    (["--board", "pmod", "--audio-rate", "8000"], 2, ["AUDIO_RATE 8000: the PLL cannot make 256 fs = 2.048 MHz",
                                                      "the nearest rate it makes is 12,207 Hz"]),
    (["--board", "pmod", "--audio-rate", "96000"], 2, ["AUDIO_RATE 96000: the AK4619 runs TDM128 at 8000-48000 Hz"]),
    (["--board", "pmod", "--model", "golden/models/mcu.yaml"], 2, ["seeds_map.yaml: network_inputs: maps 4 input(s), "
                                                                   "but model mcu has 3 inputs"]),
    (["--board", "pmod", "--package", "CABGA381"], 2, ["--board pmod: the eurorack-pmod sits on the ECPIX-5"]),
    (["--board", "pmod", "--channel-map", "nowhere/map.yaml"], 2, ["nowhere/map.yaml"]),
    (["--board", "pmod", "--rate", "192000"], 2, ["--board pmod picks the structure from --audio-rate"]),
    (["--model", "golden/models/scale/scale_w64_l8.yaml", "--device", "LFE5UM5G-45F", "--cycles-per-sample", "1536"],
     2, ["scale_w64_l8 does not fit on LFE5UM5G-45F: it needs 137 DP16KD block RAMs, 108 are available"]),
    (["--model", "golden/models/scale/scale_w128_l4.yaml", "--cycles-per-sample", "768"], 2,
     ["scale_w128_l4 does not fit on LFE5UM5G-85F: it needs 176 MULT18X18D, 156 are available"]),
], ids=["part", "package", "speed", "part-not-in-package", "missing-manifest", "unexported-h5", "rate-and-budget",
        "impossible-rate", "negative-rate", "pmod-pll", "pmod-rate-class", "pmod-map-vs-model", "pmod-package",
        "pmod-missing-map", "pmod-rate-knob", "block-rams", "multipliers"])
def test_synth_network_refuses_and_deletes_the_old_report(args: list[str], status: int, fragments: list[str],
                                                          tmp_path: Path) -> None:
    reports = stale_reports(tmp_path / "out")
    result = run_script("synth_network.py", *args, "--out", tmp_path / "out")
    assert_refused(result, status, *fragments)
    assert not any(report.exists() for report in reports), "a refused run left the old report claiming success"
    assert not list((tmp_path / "out").iterdir()), "a refused run left files behind"


@pytest.mark.parametrize("inputs,outputs,what", [(5, 1, "5 inputs"), (4, 6, "6 outputs")])
def test_pmod_refuses_a_model_that_does_not_fit(inputs: int, outputs: int, what: str, tmp_path: Path) -> None:
    import numpy as np

    from golden.manifest import save_manifest
    from golden.tests.network_cases import LayerShape, NetworkShape, random_manifest

    model = save_manifest(random_manifest(NetworkShape("wide", inputs, (LayerShape(1, outputs, relu=False),)),
                                          np.random.default_rng(1)), tmp_path / "wide.yaml")
    reports = stale_reports(tmp_path / "out")
    result = run_script("synth_network.py", "--board", "pmod", "--model", model, "--out", tmp_path / "out")
    assert_refused(result, 2, f"{model}: does not fit the pmod: it has {what}, the pmod 4")
    assert not any(report.exists() for report in reports)
    assert not list((tmp_path / "out").iterdir()), "a refused run left files behind"


def test_synth_blocks_refuses_an_unknown_part(tmp_path: Path) -> None:
    result = run_script("synth_blocks.py", "--device", "LFE5U-12F", "--out", tmp_path / "out")
    assert_refused(result, 2, "unknown ECP5 part 'LFE5U-12F'", "known parts")
    assert not (tmp_path / "out").exists()


# CSV text -> what the error line must say after the file name
BAD_CSV = {
    "columns": ("a,b,c,d\n1,2,3,4\n5,6,7\n", ":3: 3 columns, the model takes 4 input channels"),
    "not-codes": ("1,2,3,4\n1,2.5,3,4\n", ":2: not integer codes"),
    "out-of-range": ("1,2,3,4\n1,2,3,99999\n", ":2: code outside Q(16,12) [-32768, 32767]"),
    "empty": ("a,b,c,d\n", ": no samples"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_stream_board_refuses_a_bad_csv_before_opening_the_port(case: str, tmp_path: Path) -> None:
    text, message = BAD_CSV[case]
    source = tmp_path / "in.csv"
    source.write_text(text)
    # The port does not exist: the CSV is refused first, so the message names the CSV, not the port.
    result = run_script("stream_board.py", source, tmp_path / "out.csv", "--model", REPO / "golden" / "models" /
                        "fpga.yaml", "--port", tmp_path / "no-such-tty")
    assert_refused(result, 1, f"{source}{message}")
    assert not (tmp_path / "out.csv").exists()


def test_stream_board_refuses_a_missing_port_and_bad_constants(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("1,2,3,4\n")
    model = REPO / "golden" / "models" / "fpga.yaml"
    no_port = run_script("stream_board.py", source, tmp_path / "out.csv", "--model", model,
                         "--port", tmp_path / "no-such-tty")
    assert_refused(no_port, 1, "no-such-tty")
    constants = run_script("stream_board.py", source, tmp_path / "out.csv", "--constants", "1,x")
    assert_refused(constants, 2, "--constants", "expected comma-separated numbers, got '1,x'")
    assert not (tmp_path / "out.csv").exists()
