"""The RTL generator: a model manifest as a SystemVerilog network top, its weight files and a JSON description.

`top` plans each layer's parallelism from a cycles-per-sample budget and renders
one network_stage plus its kind's core per layer (golden.kinds owns each core's
parameters, weight files and cycle formulas).
"""
