"""ECP5 EHXPLLL: divider search for a requested core clock, and the primitive instance.

CLKOP feeds back (FEEDBK_PATH=CLKOP), so f_out = f_in * CLKFB_DIV / CLKI_DIV and
f_vco = f_out * CLKOP_DIV. The limits are the ECP5 datasheet's (as used by
Trellis' ecppll): PFD 3.125-400 MHz, VCO 400-800 MHz, output 3.125-400 MHz.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from amaranth import Instance, Signal

PFD_MHZ = (3.125, 400.0)
VCO_MHZ = (400.0, 800.0)
OUT_MHZ = (3.125, 400.0)
TOLERANCE = 1e-3  # relative: the PLL must hit the requested frequency to 0.1 %


class PllError(ValueError):
    """No divider setting produces the requested frequency; the message says why. `nearest_mhz`: the closest
    frequency the PLL makes, where one was found."""

    def __init__(self, message: str, nearest_mhz: float | None = None):
        super().__init__(message)
        self.nearest_mhz = nearest_mhz


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


@dataclass(frozen=True)
class AudioPllSetting:
    """Two clocks of one VCO: CLKOP (fed back) clocks the network, CLKOS the audio domain (256 fs).

    f_network = f_in * CLKFB_DIV / CLKI_DIV, f_vco = f_network * CLKOP_DIV, f_audio = f_vco / CLKOS_DIV."""

    input_mhz: float
    clki_div: int
    clkfb_div: int
    clkop_div: int
    clkos_div: int

    @property
    def network_mhz(self) -> float:
        return self.input_mhz * self.clkfb_div / self.clki_div

    @property
    def vco_mhz(self) -> float:
        return self.network_mhz * self.clkop_div

    @property
    def audio_mhz(self) -> float:
        return self.vco_mhz / self.clkos_div

    @property
    def network_per_audio(self) -> Fraction:
        """Network cycles per audio cycle, exactly: both divide the same VCO."""
        return Fraction(self.clkos_div, self.clkop_div)


def audio_pll_setting(input_mhz: float, audio_mhz: float, network_max_mhz: float) -> AudioPllSetting:
    """The setting with the fastest network clock not above `network_max_mhz` whose audio clock is within 0.1 %
    of `audio_mhz` (ties: the smaller audio error, then the VCO nearest 600 MHz); PllError naming the nearest
    audio clock the PLL can make when none is within 0.1 %."""
    if not OUT_MHZ[0] <= network_max_mhz:
        raise PllError(f"network clock {network_max_mhz:g} MHz is below the EHXPLLL's {OUT_MHZ[0]:g} MHz")
    best: tuple[tuple[float, float, float], AudioPllSetting] | None = None
    nearest: tuple[float, float] | None = None  # (relative error, audio MHz) over every setting, for the message
    for clki_div in range(1, 129):
        if input_mhz / clki_div < PFD_MHZ[0]:
            break
        for clkfb_div in range(1, 81):
            network = input_mhz * clkfb_div / clki_div
            if not OUT_MHZ[0] <= network <= min(OUT_MHZ[1], network_max_mhz):
                continue
            for clkop_div in range(max(1, math.ceil(VCO_MHZ[0] / network)), 129):
                vco = network * clkop_div
                if vco > VCO_MHZ[1]:
                    break
                for clkos_div in {max(1, min(128, math.floor(vco / audio_mhz))), max(1, min(128, math.ceil(vco / audio_mhz)))}:
                    error = abs(vco / clkos_div - audio_mhz) / audio_mhz
                    if nearest is None or error < nearest[0]:
                        nearest = (error, vco / clkos_div)
                    if error > TOLERANCE:
                        continue
                    key = (-network, error, abs(vco - 600.0))
                    if best is None or key < best[0]:
                        best = (key, AudioPllSetting(input_mhz, clki_div, clkfb_div, clkop_div, clkos_div))
    if best is None:
        closest = f"; the nearest it makes is {nearest[1]:.4f} MHz ({nearest[0]:.3%} off)" if nearest else ""
        raise PllError(f"EHXPLLL cannot make the audio clock {audio_mhz:g} MHz from {input_mhz:g} MHz within "
                       f"{TOLERANCE:.1%} beside a network clock of at most {network_max_mhz:g} MHz{closest}",
                       nearest[1] if nearest else None)
    return best[1]


def ehxplll_audio(setting: AudioPllSetting, clock_in: Signal, network_clock: Signal, audio_clock: Signal,
                  locked: Signal) -> Instance:
    """The primitive with CLKOP (network, fed back) and CLKOS (audio), as Trellis' ecppll writes a second output."""
    return Instance(
        "EHXPLLL",
        a_FREQUENCY_PIN_CLKI=f"{setting.input_mhz:g}",
        a_FREQUENCY_PIN_CLKOP=f"{setting.network_mhz:g}",
        a_FREQUENCY_PIN_CLKOS=f"{setting.audio_mhz:g}",
        a_ICP_CURRENT="12", a_LPF_RESISTOR="8", a_MFG_ENABLE_FILTEROPAMP="1", a_MFG_GMCREF_SEL="2",
        p_PLLRST_ENA="DISABLED", p_INTFB_WAKE="DISABLED", p_STDBY_ENABLE="DISABLED", p_DPHASE_SOURCE="DISABLED",
        p_OUTDIVIDER_MUXA="DIVA", p_OUTDIVIDER_MUXB="DIVB", p_OUTDIVIDER_MUXC="DIVC", p_OUTDIVIDER_MUXD="DIVD",
        p_CLKI_DIV=setting.clki_div, p_CLKFB_DIV=setting.clkfb_div,
        p_CLKOP_ENABLE="ENABLED", p_CLKOP_DIV=setting.clkop_div,
        p_CLKOP_CPHASE=setting.clkop_div - 1, p_CLKOP_FPHASE=0,
        p_CLKOS_ENABLE="ENABLED", p_CLKOS_DIV=setting.clkos_div,
        p_CLKOS_CPHASE=setting.clkos_div - 1, p_CLKOS_FPHASE=0, p_FEEDBK_PATH="CLKOP",
        i_RST=0, i_STDBY=0, i_CLKI=clock_in, i_CLKFB=network_clock, o_CLKOP=network_clock, o_CLKOS=audio_clock,
        i_PHASESEL0=0, i_PHASESEL1=0, i_PHASEDIR=1, i_PHASESTEP=1, i_PHASELOADREG=1, i_PLLWAKESYNC=0,
        i_ENCLKOP=0, i_ENCLKOS=0, o_LOCK=locked,
    )
