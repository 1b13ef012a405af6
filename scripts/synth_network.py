#!/usr/bin/env python3
"""make synth: a model's network on ECP5 -> build/synth/<model>-<part>-<package>-<speed>.bit, report.json, report.md.

    synth_network.py [--model golden/models/fpga.yaml] [--device LFE5UM5G-85F] [--package CABGA554]
                     [--speed 8] [--freq 100] [--seed 1] [--baud 1000000] [--rate SAMPLES_PER_S | --cycles-per-sample N]
                     [--board uart|pmod] [--audio-rate 192000] [--channel-map golden/audio/seeds_map.yaml]
                     [--seeds 1-8 [--seeds-only] [--workers N] [--job-timeout SECONDS]]

--board pmod (`make synth BOARD=pmod AUDIO_RATE=192000`) builds the eurorack
instrument instead of the UART top (docs/audio.md): the codec's clocks, the
channel map, and the network structure that sustains --audio-rate at the
network clock (the fastest the PLL makes at or below --freq) with a latency
of 2 frames (synth/board/audio/build.py).

--rate (`make synth RATE=...`) builds the cheapest structure that sustains the
rate at --freq and fits the part's MULT18X18D (golden/rtlgen/rate.py, the same
choice as scripts/gen_network.py --rate) and prints which one and why; an
impossible rate is refused (exit 2) naming the fastest configuration that fits.

--seeds (`make synth SEEDS=1-8`) synthesises once, places and routes at each
seed in parallel on a Dask cluster (synth/seeds.py, synth/sweep.py: a local one,
or DASK_SCHEDULER's), writes build/synth/seeds.md and seeds.json (each clock's
Fmax per seed, min/median/max), and makes the best seed's bitstream and report
the usual outputs (the report names the seed and the spread). With
--seeds-only (`make seeds`) only the seeds table is written: no report, no
bitstream copy; the exit status is then 0 unless a job failed.

Exit status: 0 when the design fits and meets every clock target, 1 when it
does not (the report says why), 2 for bad arguments or a missing tool. The old
report is deleted first, so a failed run never leaves one claiming success.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from golden.rtlgen.rate import Plan, RateChoice, RateError, choose_for_rate
from golden.rtlgen.resources import ResourceError, check_fits
from simlib.cycles_probe import CyclesProbeError, cycles_per_sample
from synth.board.fallback_model import SHAPES, model_manifest
from synth.board.audio.build import AudioBuild, AudioBuildError, plan_audio_build
from synth.board.pll import PllError
from synth.devices import Device, DeviceError
from synth.network_flow import FlowResult, NetworkFlow, check_package
from synth.out_of_context import SynthesisError
from synth.seeds import SeedsError, SeedSweep, best_result, parse_seeds, seeds_folder, sweep_seeds, write_seeds
from synth.sweep import Sweep, SweepError, shown
from synth.toolchain import ToolchainError, ToolNotFoundError

REPO = Path(__file__).resolve().parents[1]


def resolve_model(text: str, scratch: Path) -> tuple[Path, bool]:
    """A manifest path; a committed model's name or missing path falls back to a random stand-in of its shape."""
    path = Path(text)
    if path.suffix in (".h5", ".keras") and path.with_suffix(".yaml").is_file():
        return path.with_suffix(".yaml").resolve(), False  # a committed QKeras model's exported manifest
    if path.suffix in (".h5", ".keras"):
        raise SynthesisError(f"{text} is a QKeras model: export it to a manifest first "
                             f"(scripts/export_model.py) and pass the .yaml")
    if path.is_file():
        return path.resolve(), False
    name = path.stem
    if name in SHAPES and (path.suffix in ("", ".yaml")):
        return model_manifest(name, scratch)
    raise SynthesisError(f"model manifest {text} not found (give a manifest path or one of: {', '.join(SHAPES)})")


def choose_rate(manifest: Path, rate: float, freq: float, device: Device) -> RateChoice:
    """golden/rtlgen/rate.py's choice for the part, printed with its reason (before anything is built)."""
    from golden.errors import GoldenError
    from golden.manifest import load_manifest

    try:
        network = load_manifest(manifest)
    except GoldenError as error:
        raise SynthesisError(f"{manifest}: {error}") from None
    choice = choose_for_rate(network, rate, freq, device.multipliers, device.part,
                             block_ram_limit=device.block_rams)
    print(f"synth: {choice.explain()}", flush=True)
    return choice


def plan_budget(manifest: Path, cycles_per_sample: int | None, device: Device) -> Plan:
    """The generator's plan at the budget (golden/rtlgen/structure.py), refused before anything is built or
    written if the part cannot hold it (golden/rtlgen/resources.py names the resource)."""
    from golden.errors import GoldenError
    from golden.manifest import load_manifest
    from golden.rtlgen.structure import plan_structure
    from golden.rtlgen.top import DEFAULT_CYCLES_PER_SAMPLE

    try:
        plan = plan_structure(load_manifest(manifest), cycles_per_sample or DEFAULT_CYCLES_PER_SAMPLE)
    except GoldenError as error:
        raise SynthesisError(f"{manifest}: {error}") from None
    check_fits(plan, device.multipliers, device.block_rams, device.part, device.flip_flops)  # ResourceError: exit 2
    return plan


def plan_audio(manifest: Path, fs_hz: int, freq: float, device: Device, channel_map: Path) -> AudioBuild:
    """synth/board/audio/build.py's clocks and plan for the pmod, printed (before anything is built)."""
    from golden.errors import GoldenError
    from golden.manifest import load_manifest

    if device.package.upper() != "CABGA554":
        raise AudioBuildError(f"--board pmod: the eurorack-pmod sits on the ECPIX-5, whose parts come in CABGA554, "
                              f"not {device.package}")
    try:
        network = load_manifest(manifest)
        build = plan_audio_build(network, fs_hz, freq, device.multipliers, device.part, channel_map,
                                 block_ram_limit=device.block_rams,
                                 model_origin=str(manifest))
    except GoldenError as error:
        raise AudioBuildError(str(error)) from None
    audio = build.describe()
    print(f"synth: eurorack-pmod at {audio['sample_rate_hz']:,.1f} Hz (asked {fs_hz:,}): audio clock "
          f"{audio['audio_clock_mhz']:.4f} MHz, network clock {audio['network_clock_mhz']:.4f} MHz, latency "
          f"{audio['latency_frames']} frames; {build.choice.explain()}; network latency "
          f"{audio['network_latency_cycles']} of {audio['network_budget_cycles']} cycles", flush=True)
    return build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="golden/models/fpga.yaml", help="manifest path or model name")
    parser.add_argument("--device", default="LFE5UM5G-85F")
    parser.add_argument("--package", default="CABGA554")
    parser.add_argument("--speed", type=int, default=8)
    parser.add_argument("--freq", type=float, default=100.0, help="core clock target in MHz")
    parser.add_argument("--seed", type=int, default=1, help="nextpnr placement seed (fixed: reproducible runs)")
    parser.add_argument("--baud", type=int, default=1_000_000)
    parser.add_argument("--cycles-per-sample", type=int, default=None,
                        help="network throughput budget passed to the generator (default: its default)")
    parser.add_argument("--rate", type=float, default=None, metavar="SAMPLES_PER_S",
                        help="build the cheapest structure that sustains this sample rate at --freq on the part")
    parser.add_argument("--board", choices=("uart", "pmod"), default="uart",
                        help="uart: the UART sample stream; pmod: the eurorack-pmod instrument (docs/audio.md)")
    parser.add_argument("--audio-rate", type=int, default=192000, help="--board pmod: the codec's sample rate")
    parser.add_argument("--channel-map", type=Path, default=REPO / "golden" / "audio" / "seeds_map.yaml",
                        help="--board pmod: the channel map YAML")
    parser.add_argument("--seeds", default=None, metavar="LIST",
                        help="place and route at each of these seeds (1-8, 1,3,5) and keep the best")
    parser.add_argument("--seeds-only", action="store_true",
                        help="with --seeds: only build/synth/seeds.{md,json} (make seeds), no report or bitstream")
    parser.add_argument("--workers", type=int, default=None,
                        help="--seeds: local cluster size (default: one per core; 0: no cluster, the jobs run in "
                             "this process; ignored with DASK_SCHEDULER)")
    parser.add_argument("--job-timeout", type=float, default=2 * 3600,
                        help="--seeds: seconds a job may take (per round of the cluster) before it is cancelled")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "synth")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    seeds = None
    if args.seeds_only and args.seeds is None:
        parser.error("--seeds-only needs --seeds")
    if args.seeds is not None:
        try:
            seeds = parse_seeds(args.seeds)
        except SeedsError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    for stale in ("report.json", "report.md") if not args.seeds_only else ():
        (out / stale).unlink(missing_ok=True)
    if args.rate is not None and args.cycles_per_sample is not None:
        parser.error("--rate picks the cycles-per-sample budget itself; give --rate or --cycles-per-sample, not both")
    if args.board == "pmod" and (args.rate is not None or args.cycles_per_sample is not None):
        parser.error("--board pmod picks the structure from --audio-rate; --rate and --cycles-per-sample do not apply")

    started = time.monotonic()
    try:
        device = Device(args.device, args.package, args.speed)
        check_package(device)
        manifest, fallback = resolve_model(args.model, out / "models")
        choice = choose_rate(manifest, args.rate, args.freq, device) if args.rate is not None else None
        audio = (plan_audio(manifest, args.audio_rate, args.freq, device, args.channel_map)
                 if args.board == "pmod" else None)
        budget_plan = (plan_budget(manifest, args.cycles_per_sample, device)
                       if choice is None and audio is None else None)
        slug = f"{manifest.stem.removesuffix('_random')}-{device.part}-{device.package}-{device.speed}".lower()
        if audio is not None:
            slug += f"-pmod{args.audio_rate}"
        flow = NetworkFlow(manifest, device, args.freq, out / slug, seed=args.seed, baud=args.baud,
                           cycles_per_sample_budget=args.cycles_per_sample,
                           plan=choice.plan if choice else budget_plan,
                           audio=audio)
        seeds_text = f"nextpnr seeds {args.seeds}" if seeds else f"nextpnr seed {args.seed}"
        print(f"synth: {shown(manifest)} -> {device.part} {device.package} speed {device.speed} at {args.freq:g} MHz "
              f"({flow.kind} build, {seeds_text})", flush=True)
        if seeds:
            swept = run_seeds(args, flow, seeds, manifest, device, out)
            if swept is None or args.seeds_only:
                return 1 if swept is None or swept.errors or len(swept.measured) < len(seeds) else 0
            result, cycles = best_result(flow, swept), swept.cycles
        else:
            swept = None
            result = flow.run()
            cycles = cycles_per_sample(result.network, flow.work)  # a bench (simlib) measures; synth.report reports
    except (DeviceError, PllError, ToolNotFoundError, RateError, ResourceError, AudioBuildError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (SynthesisError, ToolchainError, CyclesProbeError, SweepError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    status = finish(result, cycles, swept, args, manifest, fallback, choice, slug, out, started)
    return 1 if swept is not None and len(swept.measured) < len(swept.seeds) else status  # a seed failed


def run_seeds(args: argparse.Namespace, flow: NetworkFlow, seeds: list[int], manifest: Path, device: Device,
              out: Path) -> SeedSweep | None:
    """The seeds sweep on the cluster, its table printed and written; None when synthesis or the probe failed
    (or, unless --seeds-only, when no seed was placed and routed)."""
    options = {"part": device.part.upper(), "package": device.package.upper(), "speed": device.speed,
               "freq_mhz": args.freq, "baud": args.baud, "cycles_per_sample": args.cycles_per_sample,
               "rate": args.rate, "board": args.board, "audio_rate": args.audio_rate if flow.audio else None}
    extra = [args.channel_map.resolve()] if flow.audio is not None else []
    print(f"synth: synthesis once, then {len(seeds)} seeds (each in {shown(seeds_folder(flow))}/seed<N>)", flush=True)
    with Sweep(workers=args.workers, cache=out / "cache",
               announce=lambda where: print(f"synth: the jobs not cached run on {where}", flush=True)) as sweep:
        swept = sweep_seeds(sweep, flow, seeds, options, cycles_probe=cycles_per_sample, extra_inputs=extra,
                            job_timeout=args.job_timeout,
                            say=lambda text: print(text, flush=True,
                                                   file=sys.stderr if text.startswith("error:") else sys.stdout))
    if swept.synthesis is None:
        return None
    meta = {"model": swept.synthesis.description["model"], "manifest": shown(manifest), "device": device.part,
            "package": device.package, "speed": device.speed, "freq_mhz": args.freq, "build": flow.kind}
    paths = write_seeds(swept, meta, out)
    for run in swept.runs:
        if run.error is not None:
            print(f"  seed {run.seed}: failed ({run.error.summary}; log {run.error.log})")
            continue
        print(f"  seed {run.seed}: " + ", ".join(f"{c['name']} {c['fmax_mhz']:.2f} MHz" for c in run.clocks)
              + (" (cached)" if run.cached else ""))
    for name, values in swept.spread().items():
        print(f"  {name}: Fmax min {values['min']:.2f}, median {values['median']:.2f}, max {values['max']:.2f} MHz "
              f"over {values['seeds']} seeds (target {values['target']:g})")
    best = swept.best
    if best is not None:
        print(f"  best seed {best.seed} (worst clock at {best.margin:.1%} of its target)")
    print("wrote " + ", ".join(shown(path) for path in paths), flush=True)
    if swept.errors or (best is None and not args.seeds_only):
        return None
    return swept


def finish(result: FlowResult, cycles: dict, swept: SeedSweep | None, args: argparse.Namespace, manifest: Path,
           fallback: bool, choice: RateChoice | None, slug: str, out: Path, started: float) -> int:
    """The bitstream copy, report.json and report.md of one implementation (the best seed's with --seeds)."""
    from synth.report import build_report, write_reports

    seed = swept.best.seed if swept is not None else args.seed
    bitstream = None
    if result.bitstream is not None:
        bitstream = out / f"{slug}.bit"
        shutil.copyfile(result.bitstream, bitstream)
        result.bitstream = bitstream.relative_to(REPO) if bitstream.is_relative_to(REPO) else bitstream
    if choice is not None:
        result.notes.append(f"RATE: {choice.explain()}")
    if fallback:
        result.notes.append("golden/models has no such model yet: a random-weight stand-in with its shapes was built")
    if swept is not None:
        spread = "; ".join(f"{name} {v['min']:.2f} / {v['median']:.2f} / {v['max']:.2f} MHz"
                           for name, v in swept.spread().items())
        result.notes.append(f"SEEDS: the best of nextpnr seeds {', '.join(map(str, swept.seeds))} (worst clock at "
                            f"{swept.best.margin:.1%} of its target); Fmax min / median / max: {spread} (seeds.md)")
    description = result.network
    model = {"name": description["model"], "manifest": shown(manifest),
             "fallback": fallback, "top": description["top"], "multipliers": description["multipliers"],
             "seed": seed}
    data = build_report(result, model, cycles)
    if swept is not None:
        data["seeds"] = swept.describe()
    data["stage_seconds"]["total"] = round(time.monotonic() - started, 1)
    write_reports(data, out)
    for clock in data["clocks"]:
        print(f"  clock {clock['name']}: {clock['fmax_mhz']} MHz (target {clock['target_mhz']}) "
              f"{'ok' if clock['pass'] else 'MISSED'}")
    used = data["utilisation"]
    print("  " + ", ".join(f"{cell} {v['used']}/{v['available']}" for cell, v in used.items()))
    if data.get("audio"):
        print(f"  audio: {data['audio']['sample_rate_hz']:,.1f} Hz, latency {data['audio']['latency_frames']} frames")
    print(f"  {data['cycles_per_sample']} cycles/sample -> max {data['max_sample_rate_hz'] / 1e3:,.0f} kHz; "
          f"stages {data['stage_seconds']}")
    print(f"wrote {out / 'report.md'} and {out / 'report.json'}" + (f", {bitstream}" if bitstream else ""))
    if data["status"] != "pass":
        print(f"error: {'; '.join(data['failures'])}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
