"""A small ONNX graph builder that names things the way `torch.onnx.export` does.

Used by `models.py`. PyTorch names a node after the module path it came from and its op
("/layer1/layer1.0/conv1/Conv"), numbers repeats within a scope ("/encoder/layer.0/attention/
self/MatMul_1"), and names each node output "<node name>_output_<i>". Parameters keep their
module names ("layer1.0.conv1.weight"); weights PyTorch transposes for `MatMul` become
anonymous initializers ("onnx::MatMul_<n>"). The importer must not depend on any of this, but
models named like real exports make its diagnostics and the tests' failures readable.

Weights are drawn from one seeded `numpy.random.Generator`, so a model is a pure function of
its builder arguments and seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64
BOOL = TensorProto.BOOL

# Lowest opset the builders support: below 11, Clip takes min/max as attributes and Pad,
# Resize and friends change signature; the issue puts opset < 11 out of scope.
MIN_OPSET = 11

Dim = int | str


class Graph:
    """Nodes, initializers and graph inputs/outputs of one model under construction."""

    def __init__(self, opset: int, seed: int):
        max_opset = onnx.defs.onnx_opset_version()
        if not MIN_OPSET <= opset <= max_opset:
            raise ValueError(f"opset {opset} outside the supported {MIN_OPSET}..{max_opset}")
        self.opset = opset
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[onnx.ValueInfoProto] = []
        self._used: dict[str, int] = {}
        self._anonymous = 0

    # Names -------------------------------------------------------------------------------

    def _unique(self, base: str) -> str:
        """`base`, then `base_1`, `base_2`, ... as PyTorch numbers repeated ops in a scope."""
        n = self._used.get(base, 0)
        self._used[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def anonymous(self, op: str) -> str:
        """An initializer name like PyTorch's for a constant it made itself ("onnx::MatMul_7")."""
        self._anonymous += 1
        return f"onnx::{op}_{self._anonymous}"

    # Graph interface ---------------------------------------------------------------------

    def input(self, name: str, elem: int, shape: Sequence[Dim]) -> str:
        self.inputs.append(helper.make_tensor_value_info(name, elem, list(shape)))
        return name

    def output(self, name: str, elem: int, shape: Sequence[Dim]) -> None:
        self.outputs.append(helper.make_tensor_value_info(name, elem, list(shape)))

    def param(self, name: str, value: np.ndarray) -> str:
        """An initializer; float arrays are stored as float32."""
        if value.dtype.kind == "f":
            value = value.astype(np.float32)
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def node(self, scope: str, op: str, inputs: Sequence[str], outputs: int | Sequence[str] = 1, **attrs):
        """Appends `op` named "<scope>/<op>" (numbered if repeated); returns its output name(s).

        `outputs` is a count of outputs to name PyTorch's way, or explicit names (a graph output).
        """
        name = self._unique(f"{scope}/{op}")
        if isinstance(outputs, int):
            outs = [f"{name}_output_{i}" for i in range(outputs)]
        else:
            outs = list(outputs)
        self.nodes.append(helper.make_node(op, list(inputs), outs, name=name, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def constant(self, scope: str, value: np.ndarray) -> str:
        """A `Constant` node, as PyTorch emits for literals it does not fold into initializers."""
        if value.dtype.kind == "f":
            value = value.astype(np.float32)
        return self.node(scope, "Constant", [], value=numpy_helper.from_array(value))

    def ints(self, values: Sequence[int]) -> str:
        """An int64 vector initializer (axes, shapes, pads)."""
        return self.param(self.anonymous("Constant"), np.asarray(values, dtype=np.int64))

    def scalar(self, value: float) -> str:
        """A float32 scalar initializer."""
        return self.param(self.anonymous("Constant"), np.asarray(value, dtype=np.float32))

    # Opset-dependent forms ---------------------------------------------------------------

    def unsqueeze(self, scope: str, x: str, axes: Sequence[int]) -> str:
        """`Unsqueeze`: axes an attribute before opset 13, an input from 13 on."""
        if self.opset < 13:
            return self.node(scope, "Unsqueeze", [x], axes=list(axes))
        return self.node(scope, "Unsqueeze", [x, self.constant(scope, np.asarray(axes, dtype=np.int64))])

    def reduce_mean(self, scope: str, x: str, axes: Sequence[int]) -> str:
        """`ReduceMean` keeping dims: axes an attribute before opset 18, an input from 18 on."""
        if self.opset < 18:
            return self.node(scope, "ReduceMean", [x], axes=list(axes), keepdims=1)
        return self.node(scope, "ReduceMean", [x, self.constant(scope, np.asarray(axes, dtype=np.int64))], keepdims=1)

    # Random weights ----------------------------------------------------------------------

    def he_normal(self, shape: Sequence[int], fan_in: int) -> np.ndarray:
        """He (Kaiming) normal with fan-in: std sqrt(2 / fan_in) keeps activations at unit
        scale through conv + ReLU (torchvision's fan-out variant is a training choice)."""
        return self.rng.normal(0.0, np.sqrt(2.0 / fan_in), size=tuple(shape))

    def lecun_normal(self, shape: Sequence[int], fan_in: int) -> np.ndarray:
        """Normal with std 1 / sqrt(fan_in): a linear map without ReLU keeps unit scale."""
        return self.rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=tuple(shape))

    def linear_uniform(self, shape: Sequence[int], fan_in: int) -> np.ndarray:
        """PyTorch's default `nn.Linear` init: uniform in +-1/sqrt(fan_in)."""
        bound = 1.0 / np.sqrt(fan_in)
        return self.rng.uniform(-bound, bound, size=tuple(shape))

    # The model ---------------------------------------------------------------------------

    def model(self, name: str) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, name, self.inputs, self.outputs, initializer=self.initializers)
        # The IR version that goes with the opset, so onnxruntime accepts what onnx writes.
        model = helper.make_model_gen_version(
            graph,
            opset_imports=[helper.make_opsetid("", self.opset)],
            producer_name="strata-tests",
            doc_string="random weights, generated by onnx/tests/py/models.py",
        )
        return model


def batch_dim(batch: int, dynamic: bool) -> Dim:
    """The batch dimension: the symbol "batch" when dynamic, else the size."""
    return "batch" if dynamic else batch
