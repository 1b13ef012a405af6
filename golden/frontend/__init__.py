"""The QKeras front end: the model files users bring, and the models we build the way users do.

`load` opens a `.h5`/`.keras` file (saved in a float32 or float64 session,
fixed- or variable-length input, quantizers as objects or strings, Sequential
or functional), checks it against the supported subset and rebuilds it to
evaluate exactly in float64 on any sequence length. `builders` describes the
seeds' own models (seed_fpga, seed_po2, fpga_po2) as QKeras layer lists.
"""
