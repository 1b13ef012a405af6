"""ECPIX-5 board top: 100 MHz pin -> EHXPLLL -> core clock, reset synchroniser, UART pins, the core.

Only this wrapper knows the board; SampleCore (UART + framing + network) is
platform independent and simulated on its own (sim/board_top).
"""
from __future__ import annotations

from amaranth import ClockDomain, ClockSignal, Elaboratable, Module, Signal
from amaranth.lib.cdc import ResetSynchronizer

from synth.board.core import NetworkPorts, SampleCore
from synth.board.pll import ehxplll, pll_setting
from synth.board.protocol import DEFAULT_BAUD

BOARD_CLOCK_MHZ = 100.0  # the ECPIX-5 oscillator on K23
MAX_BAUD_ERROR = 0.02  # a UART tolerates a few percent between the two ends
# The board's own logic around a network (UART, framing, FIFO, reset synchroniser): what the build adds to
# golden.rtlgen.resources' network estimate (scripts/estimate_table.py). Calibrated together with the pool's
# constants on the default model's P = 1..8 builds (docs/results.md, "Estimates").
UART_BOARD_LUTS = 600
UART_BOARD_FLIP_FLOPS = 700


def clocks_per_bit(core_mhz: float, baud: int) -> int:
    """Core clocks per UART bit; ValueError if the rounding error breaks the link."""
    divisor = round(core_mhz * 1e6 / baud)
    error = abs(core_mhz * 1e6 / divisor - baud) / baud if divisor else 1.0
    if divisor < 4 or error > MAX_BAUD_ERROR:
        raise ValueError(f"{baud} baud from a {core_mhz:g} MHz core clock: divisor {divisor}, "
                         f"error {error:.1%} (need >= 4 and <= {MAX_BAUD_ERROR:.0%})")
    return divisor


class BoardTop(Elaboratable):
    def __init__(self, network: NetworkPorts, core_mhz: float, baud: int = DEFAULT_BAUD):
        self.network = network
        self.pll = pll_setting(BOARD_CLOCK_MHZ, core_mhz)
        self.core_mhz = self.pll.output_mhz
        self.baud = baud
        self.clocks_per_bit = clocks_per_bit(self.core_mhz, baud)

    def elaborate(self, platform) -> Module:
        m = Module()
        clk100 = platform.request("clk100", 0)
        button = platform.request("rst", 0)
        uart = platform.request("uart", 0)
        led = platform.request("rgb_led", 0)

        m.domains.sync = sync = ClockDomain("sync")
        locked = Signal()
        m.submodules.pll = ehxplll(self.pll, clk100.i, sync.clk, locked)
        # No clock constraint on sync.clk: nextpnr derives it from the 100 MHz pin through the PLL's dividers.
        # Asynchronous assert, synchronous release: the core leaves reset cleanly
        # once the PLL has locked and the button is released.
        m.submodules.reset_sync = ResetSynchronizer(~locked | button.i, domain="sync")

        m.submodules.core = core = SampleCore(self.network, self.clocks_per_bit)
        m.d.comb += [core.rx.eq(uart.rx.i), uart.tx.o.eq(core.tx),
                     led.r.o.eq(core.rejected), led.g.o.eq(locked)]
        return m
