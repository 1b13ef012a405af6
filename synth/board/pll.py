"""ECP5 EHXPLLL: divider search for a requested core clock, and the primitive instance.

CLKOP feeds back (FEEDBK_PATH=CLKOP), so f_out = f_in * CLKFB_DIV / CLKI_DIV and
f_vco = f_out * CLKOP_DIV. The limits are the ECP5 datasheet's (as used by
Trellis' ecppll): PFD 3.125-400 MHz, VCO 400-800 MHz, output 3.125-400 MHz.
"""
from __future__ import annotations

from dataclasses import dataclass

from amaranth import Instance, Signal

PFD_MHZ = (3.125, 400.0)
VCO_MHZ = (400.0, 800.0)
OUT_MHZ = (3.125, 400.0)
TOLERANCE = 1e-3  # relative: the PLL must hit the requested frequency to 0.1 %


class PllError(ValueError):
    """No divider setting produces the requested frequency; the message says why."""


@dataclass(frozen=True)
class PllSetting:
    input_mhz: float
    clki_div: int
    clkfb_div: int
    clkop_div: int

    @property
    def output_mhz(self) -> float:
        return self.input_mhz * self.clkfb_div / self.clki_div

    @property
    def vco_mhz(self) -> float:
        return self.output_mhz * self.clkop_div


def pll_setting(input_mhz: float, output_mhz: float) -> PllSetting:
    """The setting closest to `output_mhz` (ties: VCO nearest 600 MHz, its middle); PllError if none within 0.1 %."""
    if not OUT_MHZ[0] <= output_mhz <= OUT_MHZ[1]:
        raise PllError(f"PLL output {output_mhz:g} MHz outside the EHXPLLL range {OUT_MHZ[0]:g}-{OUT_MHZ[1]:g} MHz")
    best: tuple[float, float, PllSetting] | None = None
    for clki_div in range(1, 129):
        pfd = input_mhz / clki_div
        if not PFD_MHZ[0] <= pfd <= PFD_MHZ[1]:
            continue
        for clkfb_div in range(1, 81):
            out = pfd * clkfb_div
            if not OUT_MHZ[0] <= out <= OUT_MHZ[1]:
                continue
            for clkop_div in range(1, 129):
                vco = out * clkop_div
                if not VCO_MHZ[0] <= vco <= VCO_MHZ[1]:
                    continue
                key = (abs(out - output_mhz), abs(vco - 600.0))
                if best is None or key < best[:2]:
                    best = (*key, PllSetting(input_mhz, clki_div, clkfb_div, clkop_div))
    if best is None or best[0] > TOLERANCE * output_mhz:
        closest = f"; closest is {best[2].output_mhz:.4f} MHz" if best else ""
        raise PllError(f"EHXPLLL cannot make {output_mhz:g} MHz from {input_mhz:g} MHz within "
                       f"{TOLERANCE:.1%}{closest}")
    return best[2]


def ehxplll(setting: PllSetting, clock_in: Signal, clock_out: Signal, locked: Signal) -> Instance:
    """The primitive, wired as Trellis' ecppll writes it (phase 0: CPHASE = CLKOP_DIV - 1)."""
    return Instance(
        "EHXPLLL",
        a_FREQUENCY_PIN_CLKI=f"{setting.input_mhz:g}",
        a_FREQUENCY_PIN_CLKOP=f"{setting.output_mhz:g}",
        a_ICP_CURRENT="12", a_LPF_RESISTOR="8", a_MFG_ENABLE_FILTEROPAMP="1", a_MFG_GMCREF_SEL="2",
        p_PLLRST_ENA="DISABLED", p_INTFB_WAKE="DISABLED", p_STDBY_ENABLE="DISABLED", p_DPHASE_SOURCE="DISABLED",
        p_OUTDIVIDER_MUXA="DIVA", p_OUTDIVIDER_MUXB="DIVB", p_OUTDIVIDER_MUXC="DIVC", p_OUTDIVIDER_MUXD="DIVD",
        p_CLKI_DIV=setting.clki_div, p_CLKFB_DIV=setting.clkfb_div,
        p_CLKOP_ENABLE="ENABLED", p_CLKOP_DIV=setting.clkop_div,
        p_CLKOP_CPHASE=setting.clkop_div - 1, p_CLKOP_FPHASE=0, p_FEEDBK_PATH="CLKOP",
        i_RST=0, i_STDBY=0, i_CLKI=clock_in, i_CLKFB=clock_out, o_CLKOP=clock_out,
        i_PHASESEL0=0, i_PHASESEL1=0, i_PHASEDIR=1, i_PHASESTEP=1, i_PHASELOADREG=1, i_PLLWAKESYNC=0,
        i_ENCLKOP=0, o_LOCK=locked,
    )
