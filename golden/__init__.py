"""Fixed-point reference models for the cached dilated causal convolution network.

`qformat` defines the number format (docs/arithmetic.md), `reference` is the
readable fxpmath audit model, `fast` the vectorised numpy model the RTL is
checked against, and `memfile` writes the weight files the RTL reads.
"""
