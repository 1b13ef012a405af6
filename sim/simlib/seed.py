"""Stimulus seeds: reproducible by default, overridable with SIM_SEED."""
from __future__ import annotations

import os
import zlib

DEFAULT_SEED = 20231012


def base_seed() -> int:
    value = os.environ.get("SIM_SEED", "")
    if not value:
        return DEFAULT_SEED
    try:
        return int(value, 0)
    except ValueError:
        raise ValueError(f"SIM_SEED must be an integer, got {value!r}") from None


def derived_seed(label: str) -> int:
    """A per-test seed: the base seed mixed with a stable label (CRC32, not Python's hash)."""
    return (base_seed() * 1_000_003 + zlib.crc32(label.encode())) % (1 << 32)
