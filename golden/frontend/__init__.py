"""The QKeras front end: reading the model files users bring.

`load` opens a `.h5`/`.keras` file (saved in a float32 or float64 session,
fixed- or variable-length input, quantizers as objects or strings, Sequential
or functional), checks it against the supported subset and rebuilds it to
evaluate exactly in float64 on any sequence length.
"""
