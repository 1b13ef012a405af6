"""The audio build's decisions before anything is built: the two-output PLL, the rate class, the network plan
and the L = 2 deadline (synth/board/pll.py, synth/board/audio/build.py, AudioTiming in core.py).

Frequencies are recomputed here from the dividers with the EHXPLLL's equations, not read from the setting's
own properties, and the limits are the ECP5 datasheet's.
"""
from __future__ import annotations

from fractions import Fraction

import pytest

from golden.audio.channel_map import default_channel_map_path
from golden.manifest import load_manifest
from synth.board.audio import schedule
from synth.board.audio.build import AudioBuildError, plan_audio_build
from synth.board.audio.core import AudioDeadlineError, AudioTiming
from synth.board.pll import PllError, audio_pll_setting
from synth.out_of_context import REPO

FPGA = REPO / "golden" / "models" / "fpga.yaml"


@pytest.mark.parametrize("fs_hz", [48000, 44100, 32000, 192000])
@pytest.mark.parametrize("network_max_mhz", [100.0, 150.0])
def test_pll_makes_256_fs_within_a_tenth_of_a_percent(fs_hz: int, network_max_mhz: float) -> None:
    s = audio_pll_setting(100.0, 256 * fs_hz / 1e6, network_max_mhz)
    pfd = 100.0 / s.clki_div
    network = pfd * s.clkfb_div  # CLKOP is fed back: f_CLKOP = f_PFD * CLKFB_DIV
    vco = network * s.clkop_div
    audio = vco / s.clkos_div
    assert pfd >= 3.125 and 400.0 <= vco <= 800.0, (pfd, vco)
    assert all(1 <= d <= 128 for d in (s.clki_div, s.clkop_div, s.clkos_div)) and 1 <= s.clkfb_div <= 80
    assert abs(audio / (256 * fs_hz / 1e6) - 1) <= 1e-3, audio
    assert network <= network_max_mhz
    assert network >= 0.9 * network_max_mhz, f"network clock {network} MHz: far below what the PLL could make"
    assert s.network_per_audio == Fraction(s.clkos_div, s.clkop_div)


def test_pll_names_the_nearest_when_it_cannot() -> None:
    with pytest.raises(PllError, match="cannot make the audio clock 2.048 MHz") as caught:
        audio_pll_setting(100.0, 2.048, 150.0)  # 256 x 8 kHz: below the EHXPLLL's 3.125 MHz output
    assert caught.value.nearest_mhz == pytest.approx(3.125)


def test_the_deadline_is_two_frames_from_the_strobe() -> None:
    # The frame strobe follows slot 3's last bit (BICK period 112, taken in cycle 2 * 112 + 2); DAC frame n + 2
    # is loaded at the end of frame n + 1's last cycle.
    assert schedule.FRAME_STROBE_CYCLE == 227
    assert schedule.DEADLINE_CYCLES == 256 + 255 - 227
    assert schedule.LATENCY_FRAMES == 2


def test_timing_refuses_a_network_that_misses_the_frame_after_next() -> None:
    ratio = Fraction(3)  # 147.456 MHz beside 49.152 MHz: 768 network cycles a frame
    budget = AudioTiming(49.152e6, ratio, 0, 1).network_budget_cycles
    assert 700 < budget < 3 * schedule.DEADLINE_CYCLES
    AudioTiming(49.152e6, ratio, budget, 768).check()
    with pytest.raises(AudioDeadlineError, match=f"latency of {budget + 1} cycles misses the DAC frame after next"):
        AudioTiming(49.152e6, ratio, budget + 1, 768).check()
    with pytest.raises(AudioDeadlineError, match="takes a sample every 769 cycles"):
        AudioTiming(49.152e6, ratio, 100, 769).check()


@pytest.mark.parametrize("fs_hz", [48000, 192000])
def test_plan_sustains_the_rate_and_answers_in_time(fs_hz: int) -> None:
    build = plan_audio_build(load_manifest(FPGA), fs_hz, 150.0, 72, "LFE5UM5G-45F", default_channel_map_path())
    plan = build.choice.plan
    frame_cycles = Fraction(256 * build.pll.clkos_div, build.pll.clkop_div)
    assert plan.cycles_per_sample <= frame_cycles
    assert plan.latency_cycles <= build.timing().network_budget_cycles
    assert plan.dsp_count <= 72
    described = build.describe()
    assert described["latency_frames"] == 2
    assert abs(described["sample_rate_hz"] / fs_hz - 1) <= 1e-3


def test_rate_outside_the_codec_classes_is_refused() -> None:
    with pytest.raises(AudioBuildError, match="AUDIO_RATE 96000: the AK4619 runs TDM128"):
        plan_audio_build(load_manifest(FPGA), 96000, 150.0, 156, "LFE5UM5G-85F", default_channel_map_path())
