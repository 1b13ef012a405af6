"""The registry of layer kinds: the one list the manifest, golden network, generator, lint,
cost table and benches iterate over. Adding a kind is one module here and one line below."""
from __future__ import annotations

from golden.errors import GoldenError
from golden.kinds.activation import ACTIVATION
from golden.kinds.base import Layer, LayerKind, Parallelism, Sequence
from golden.kinds.add import ADD
from golden.kinds.conv1d import CONV1D
from golden.kinds.dense import DENSE
from golden.kinds.multiply import MULTIPLY
from golden.kinds.po2 import PO2

KINDS: dict[str, LayerKind] = {kind.name: kind for kind in (CONV1D, PO2, DENSE, ADD, MULTIPLY, ACTIVATION)}


def kind_of(layer: Layer) -> LayerKind:
    """The kind object that owns `layer`."""
    return lookup(layer.kind, f"layer {layer.name}")


def lookup(name: object, where: str) -> LayerKind:
    if not isinstance(name, str) or name not in KINDS:
        raise GoldenError(f"{where}: unknown layer kind {name!r}; known kinds: {', '.join(KINDS)}")
    return KINDS[name]


__all__ = ["KINDS", "Layer", "LayerKind", "Parallelism", "Sequence", "kind_of", "lookup"]
