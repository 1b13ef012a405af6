"""The join kinds' QKeras import rule: a Keras `Add` or `Multiply` layer (no weights, no quantizers of its own).

Its inputs' formats come from the graph (the producers' output formats), its output stage from the QActivation
quantizers that follow it in the model (the front end collects them, as after a conv), or full precision. Keras
computes Add and Multiply in float: the rule refuses a layer whose exact result needs more than float64's 53
significant bits (`sum_problem`), naming it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from golden.errors import GoldenError
from golden.kinds.base import KerasImport, Layer
from golden.kinds.join import exact_in_float64
from golden.layer_format import OutputStage
from golden.qformat import QFormat

if TYPE_CHECKING:
    from golden.kinds.join import JoinKind


class JoinImport(KerasImport):
    def __init__(self, keras_layer: Any, where: str, kind: "JoinKind") -> None:
        self.keras_layer = keras_layer
        self.where = where
        self.kind = kind
        self.problems: list[str] = []
        inputs = keras_layer.input if isinstance(keras_layer.input, (list, tuple)) else [keras_layer.input]
        shapes = {tuple(tensor.shape[1:]) for tensor in inputs}
        if len(shapes) != 1:
            self.problems.append(f"{where}: its inputs have shapes {sorted(shapes)}; element-wise {kind.name} of "
                                 "tensors of one shape (no broadcasting) is supported")
        if not kind.min_inputs <= len(inputs) <= kind.max_inputs:
            self.problems.append(f"{where}: {len(inputs)} inputs; a {kind.name} layer takes {kind.min_inputs} to "
                                 f"{kind.max_inputs}")
        self.channels = int(keras_layer.output.shape[-1])

    @property
    def default_input_format(self) -> QFormat | None:
        return None

    def _layer(self, name: str, input_format: Any, output: OutputStage) -> Layer:
        formats = tuple(input_format) if isinstance(input_format, tuple) else (input_format,)
        return self.kind.make_layer(name, formats, self.channels, output)

    def sum_problem(self, input_format: Any) -> str | None:
        name = self.keras_layer.name
        try:
            layer = self._layer(name, input_format, OutputStage("linear", None))
        except GoldenError as error:
            return f"{self.where}: {str(error).removeprefix(f'layer {name}: ')}"
        return exact_in_float64(layer)

    def output_format(self, input_format: Any, output: OutputStage) -> QFormat:
        return self._layer(self.keras_layer.name, input_format, output).output_format

    def weights(self) -> list[tuple[str, Any]]:
        return []

    def weight_problems(self) -> list[str]:
        return []

    def build(self, name: str, input_format: Any, output: OutputStage) -> Layer:
        return self._layer(name, input_format, output)

    def provenance(self) -> dict[str, Any]:
        return {"layer": type(self.keras_layer).__name__}
