"""Exceptions raised on invalid input; each message names what and where."""


class GoldenError(ValueError):
    """Base class: invalid input to a golden model or exporter."""


class RepresentationError(GoldenError):
    """A value is non-finite, off the fixed-point grid or out of range."""


class ShapeError(GoldenError):
    """An array has the wrong number of dimensions or the wrong size."""


class ParameterError(GoldenError):
    """A structural parameter (width, taps, dilation, parallelism...) is invalid."""
