"""What an audio build is made of, decided before anything is built: clocks, the network plan, the channel map.

`plan_audio_build` is the one home of these choices (scripts/synth_network.py
--board pmod and the benches call it). The clocks come from one EHXPLLL
(synth/board/pll.py): the audio domain at 256 fs within 0.1 %, the network at
the fastest VCO / N not above the requested frequency. The network structure
is golden.rtlgen.rate's choice for the codec's rate at the network clock,
restricted to plans whose latency meets L = 2 frames (AudioTiming), so
`AUDIO_RATE` is a rate the network sustains by construction.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from golden.audio.channel_map import ChannelMap, load_channel_map
from golden.manifest import NetworkManifest
from golden.rtlgen.rate import RateChoice, choose_for_rate
from synth.board.audio import schedule
from synth.board.audio.core import AudioTiming
from synth.board.pll import AudioPllSetting, PllError, audio_pll_setting

BOARD_CLOCK_MHZ = 100.0
# The AK4619's clock classes (datasheet Table 1) with a TDM128 frame: MCLK / fs for each.
RATE_CLASSES = {"48k": (8000, 48000, 256), "192k": (192000, 192000, 128)}  # (lowest, highest = the table's, MCLK/fs)


class AudioBuildError(ValueError):
    """A rate, map or model the audio build cannot take; the message names the field and the reason."""


def rate_class(fs_hz: int) -> tuple[int, int]:
    """(the class's register-table rate, MCLK / fs) for a supported rate; AudioBuildError otherwise."""
    for low, high, ratio in RATE_CLASSES.values():
        if low <= fs_hz <= high:
            return high, ratio
    raise AudioBuildError(f"AUDIO_RATE {fs_hz}: the AK4619 runs TDM128 at 8000-48000 Hz (MCLK 256 fs) or at "
                          f"192000 Hz (MCLK 128 fs)")


@dataclass(frozen=True)
class AudioBuild:
    fs_hz: int
    pll: AudioPllSetting
    channel_map: ChannelMap
    channel_map_path: Path
    choice: RateChoice

    @property
    def achieved_fs_hz(self) -> float:
        return self.pll.audio_mhz * 1e6 / schedule.CYCLES_PER_FRAME

    @property
    def mclk_ratio(self) -> int:
        return rate_class(self.fs_hz)[1]

    @property
    def register_rate_hz(self) -> int:
        """The rate whose codec register table this build writes (FS depends only on the class)."""
        return rate_class(self.fs_hz)[0]

    def timing(self) -> AudioTiming:
        plan = self.choice.plan
        return AudioTiming(self.pll.audio_mhz * 1e6, self.pll.network_per_audio, plan.latency_cycles,
                           plan.cycles_per_sample)

    def describe(self) -> dict:
        """The report's `audio` section."""
        return {
            "requested_rate_hz": self.fs_hz,
            "sample_rate_hz": round(self.achieved_fs_hz, 3),
            "sample_rate_error": round(self.achieved_fs_hz / self.fs_hz - 1, 6),
            "latency_frames": schedule.LATENCY_FRAMES,
            "latency_us": round(schedule.LATENCY_FRAMES * 1e6 / self.achieved_fs_hz, 2),
            "audio_clock_mhz": round(self.pll.audio_mhz, 6),
            "network_clock_mhz": round(self.pll.network_mhz, 6),
            "mclk_ratio": self.mclk_ratio,
            "network_latency_cycles": self.choice.plan.latency_cycles,
            "network_budget_cycles": self.timing().network_budget_cycles,
            "channel_map": _shown(self.channel_map_path),
            "pll": {"clki_div": self.pll.clki_div, "clkfb_div": self.pll.clkfb_div, "clkop_div": self.pll.clkop_div,
                    "clkos_div": self.pll.clkos_div, "vco_mhz": round(self.pll.vco_mhz, 4)},
        }


def plan_audio_build(manifest: NetworkManifest, fs_hz: int, network_max_mhz: float, dsp_limit: int, part: str,
                     channel_map_path: Path, model_origin: str | None = None,
                     block_ram_limit: int | None = None) -> AudioBuild:
    """Clocks, plan and map for `manifest` (read from `model_origin`, for messages) at `fs_hz`; AudioBuildError /
    golden errors name what is wrong."""
    rate_class(fs_hz)  # a rate the codec runs, or AudioBuildError
    channel_map = load_channel_map(channel_map_path)
    channel_map.check_model(manifest, model_origin)
    try:
        pll = audio_pll_setting(BOARD_CLOCK_MHZ, schedule.CYCLES_PER_FRAME * fs_hz / 1e6, network_max_mhz)
    except PllError as error:
        nearest = ("" if error.nearest_mhz is None else
                   f"; the nearest rate it makes is {error.nearest_mhz * 1e6 / schedule.CYCLES_PER_FRAME:,.0f} Hz")
        raise AudioBuildError(f"AUDIO_RATE {fs_hz}: the PLL cannot make {schedule.CYCLES_PER_FRAME} fs = "
                              f"{schedule.CYCLES_PER_FRAME * fs_hz / 1e6:g} MHz within 0.1 % ({error}){nearest}") from None
    frame = AudioTiming(pll.audio_mhz * 1e6, pll.network_per_audio, 0, 1)
    # The rate knob at the network's clock: a frame is exactly 256 * CLKOS_DIV / CLKOP_DIV network cycles; the
    # rate is nudged down by 1e-12 so that a plan of exactly that many cycles is not lost to float rounding.
    choice = choose_for_rate(manifest, pll.network_mhz * 1e6 / float(frame.network_cycles_per_frame) * (1 - 1e-12),
                             pll.network_mhz, dsp_limit, part, max_latency_cycles=frame.network_budget_cycles,
                             block_ram_limit=block_ram_limit)
    build = AudioBuild(fs_hz, pll, channel_map, channel_map_path, choice)
    build.timing().check()
    return build


def _shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository where it is inside."""
    from synth.out_of_context import REPO

    resolved = Path(path).resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(path)
