"""Shared pieces of the cocotb test benches: toolchain setup, runner, clocking, checking."""
