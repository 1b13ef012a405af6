"""A random-weight stand-in for a committed model: same shapes, format and rounding as the seeds' FPGA model.

Used by `make synth` / the board test only while golden/models/fpga.yaml does
not exist yet; costs and timing do not depend on the weight values.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from golden.kinds.conv1d import ConvLayer
from golden.manifest import NetworkManifest, save_manifest
from golden.qformat import QFormat

# name -> (input channels, [(kernel size, dilation, filters), ...]); ReLU after every layer but the last.
SHAPES = {
    "fpga": (4, [(4, 1, 16), (4, 4, 16), (4, 16, 4)]),
    "mcu": (3, [(4, 1, 4), (1, 1, 4), (4, 4, 4), (1, 1, 4), (4, 16, 4), (1, 1, 4), (4, 64, 8), (1, 1, 8),
                (1, 1, 1)]),
}


def random_manifest(name: str, seed: int = 1, fmt: QFormat = QFormat(16, 12)) -> NetworkManifest:
    if name not in SHAPES:
        raise ValueError(f"no fallback shape for model {name!r}; known: {', '.join(SHAPES)}")
    rng = np.random.default_rng(seed)
    channels, stack = SHAPES[name]
    layers = []
    for index, (kernel_size, dilation, filters) in enumerate(stack):
        # Small weights keep activations off the rails, so the stream exercises real values.
        scale = max(1, (1 << fmt.frac) // (2 * kernel_size * channels))
        kernel = rng.integers(-scale, scale + 1, (kernel_size, channels, filters))
        bias = rng.integers(-scale, scale + 1, filters)
        layer = ConvLayer.single_format(f"qconv_{index}", kernel, bias, fmt, dilation, relu=index != len(stack) - 1)
        layers.append(layer.validate(f"qconv_{index}"))
        channels = filters
    return NetworkManifest(name, fmt, SHAPES[name][0], tuple(layers),
                           source={"generator": "synth.board.fallback_model", "seed": seed})


def model_manifest(name: str, folder: Path) -> tuple[Path, bool]:
    """golden/models/<name>.yaml if committed, else a random stand-in written into `folder`;
    (path, is_fallback)."""
    committed = Path(__file__).resolve().parents[2] / "golden" / "models" / f"{name}.yaml"
    if committed.is_file():
        return committed, False
    return save_manifest(random_manifest(name), folder / f"{name}_random.yaml"), True
