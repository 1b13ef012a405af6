#!/usr/bin/env python3
"""Write the generator-speed manifest family, golden/models/scale/*.yaml (issue 23; scripts/bench_generator.py).

Random-code conv1d networks in the seeds' shape: 4 inputs, K = 4 layers dilated 1, 4, 16, 64, 1, 4, ...,
then a 1x1 (K = 1) layer down to 4 outputs (the smallest member is the seeds' FPGA shape itself, whose
last layer is K = 4). They span 1.5k to 150k multiply-accumulates per sample, 3 to 16 layers and 4 to
128 channels. The plan and the rate choice depend on the shapes and formats only, never on the weight
values, so the codes are small (-1, 0, +1: golden.tests.network_cases.random_manifest with one weight bit)
and the files stay small; every member comes from one fixed seed, so this script rewrites them bit for bit.

    scripts/make_scale_family.py            # (re)write golden/models/scale/
    scripts/make_scale_family.py --check    # exit 1 if a committed file differs from what it would write
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from golden.manifest import dump_manifest
from golden.tests.network_cases import LayerShape, NetworkShape, random_manifest

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "golden" / "models" / "scale"
SEED = 23  # the number: every member's codes come from default_rng(SEED)
INPUTS = OUTPUTS = 4
DILATIONS = (1, 4, 16, 64)


def seeds_shape(name: str, width: int, dilated: int, one_by_one: bool = True) -> NetworkShape:
    """4 inputs, `dilated` K = 4 layers of `width` channels (dilations 1, 4, 16, 64, repeating), then a 1x1
    layer to 4 outputs; without `one_by_one` the last dilated layer itself narrows to 4 (the seeds' FPGA model)."""
    layers = [LayerShape(4, width, DILATIONS[i % len(DILATIONS)]) for i in range(dilated)]
    if one_by_one:
        layers.append(LayerShape(1, OUTPUTS, 1, relu=False))
    else:
        layers[-1] = LayerShape(4, OUTPUTS, layers[-1].dilation, relu=False)
    return NetworkShape(name, INPUTS, tuple(layers))


# name: MACs per sample, layers, widest layer (K*IN*OUT summed over the layers)
FAMILY: tuple[NetworkShape, ...] = (
    seeds_shape("scale_w16_l3", 16, 3, one_by_one=False),  # 1,536: the seeds' fpga network (4->16->16->4)
    seeds_shape("scale_w8_l16", 8, 15),  # 3,744: 16 layers
    seeds_shape("scale_w32_l4", 32, 3),  # 8,832: the 4->32->32->32->4
    seeds_shape("scale_w64_l5", 64, 4),  # 50,432: the 4->64->64->64->64->4
    seeds_shape("scale_w32_l16", 32, 15),  # 57,984: 16 layers
    seeds_shape("scale_w64_l8", 64, 7),  # 99,584
    seeds_shape("scale_w128_l4", 128, 3),  # 133,632: 128 channels
    seeds_shape("scale_w96_l6", 96, 5),  # 149,376
    # 102,592: the largest that fits the 85F at 192 kHz and 150 MHz (142 MULT18X18D, 150 DP16KD; docs/results.md)
    seeds_shape("scale_w112_l4", 112, 3),
)


def family_texts() -> dict[str, str]:
    """File name -> manifest text, each member from its own generator seeded (SEED, member index)."""
    texts = {}
    for index, shape in enumerate(FAMILY):
        manifest = random_manifest(shape, np.random.default_rng([SEED, index]), weight_bits=1)
        manifest = replace(manifest, source={"generator": "scripts/make_scale_family.py", "seed": [SEED, index]})
        texts[f"{shape.name}.yaml"] = dump_manifest(manifest)
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = parser.parse_args(argv)
    texts = family_texts()
    if args.check:
        stale = [name for name, text in texts.items()
                 if not (FOLDER / name).is_file() or (FOLDER / name).read_text(encoding="utf-8") != text]
        for name in stale:
            print(f"{FOLDER / name}: differs from what scripts/make_scale_family.py writes", file=sys.stderr)
        return 1 if stale else 0
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (FOLDER / name).write_text(text, encoding="utf-8")
        print(f"wrote {FOLDER / name} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
