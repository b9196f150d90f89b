"""The ONNX backend node-test cases for chosen op types, generated from the `onnx` package.

The PyPI `onnx` wheel no longer ships the backend test data (`onnx/backend/test/data/node`),
but it still ships the generators that produce it: `onnx.backend.test.case.node`, whose
`collect_testcases()` imports every per-op module and returns `TestCase`s, each with a
single-node model and `data_sets` of (inputs, expected outputs) computed by numpy reference
code. Models whose op has a function body also come "expanded" (name suffix `_expanded`, or
`_expanded_ver<N>`): the same inputs and outputs, computed by the function's nodes. This script
writes those cases to disk in the layout of the shipped data, for the importer's tests.

Usage: python3 node_tests.py OUT [--ops Conv,Relu,...] [--no-expanded]

Writes, for each kept case, `OUT/<case name>/model.onnx`, `input_<i>.npy` and `output_<i>.npy`
(graph-input and graph-output order), and `OUT/index.json`:

    {"onnx_version": ..., "cases": [{"name", "op_type", "expanded", "graph_ops", "opset",
      "rtol", "atol", "inputs": [{"name", "dtype", "shape", "file"}], "outputs": [...]}],
     "skipped": [{"name", "op_type", "reason"}],
     "summary": {op_type: {"cases", "eligible", "opsets": [min, max] of the kept cases}}}

`op_type` is the op under test (an expanded case's graph holds other ops, listed in
`graph_ops`). `rtol`/`atol` are the generator's own tolerances. Kept cases are those whose
inputs and outputs are float32, except where the op needs another type: int64 for indices,
shapes, axes, pads and split sizes (Gather, Reshape, Expand, Slice, Squeeze, Unsqueeze, Split,
Pad, Reduce*, ConstantOfShape), bool for Where's condition and Dropout's training flag and mask,
int64 for Shape's output and MaxPool's argmax indices, and for Cast, float32 to or from an
integer type. Everything else for the requested ops is listed under "skipped" with the reason.

Determinism: the generators draw from numpy's global RNG; onnx's exporter metaclass calls
`np.random.seed(0)` before each export function, and this script also seeds numpy and Python's
`random` with 0 before collecting, so two runs write identical data. Training-mode Dropout with
a non-zero ratio is skipped: its expected output is numpy's random mask, which no backend can
reproduce.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

# The ops of issue 17, the default selection.
ISSUE_OPS = (
    "Conv ConvTranspose Gemm MatMul BatchNormalization MaxPool AveragePool GlobalAveragePool "
    "GlobalMaxPool Flatten Reshape Transpose Concat Split Slice Squeeze Unsqueeze Pad Gather Expand "
    "Softmax LogSoftmax LayerNormalization Gelu Erf Sigmoid Tanh Relu LeakyRelu PRelu Clip "
    "HardSigmoid HardSwish Add Sub Mul Div Pow Sqrt Exp Log Abs Neg Reciprocal Max Min Sum Mean "
    "ReduceMean ReduceSum ReduceMax Where Cast Dropout Identity Shape ConstantOfShape Range"
).split()

F32 = "float32"
# Non-float32 inputs an op needs, by input position.
INDEX_INPUTS: dict[str, dict[int, str]] = {
    "Gather": {1: "int64"},
    "Reshape": {1: "int64"},
    "Expand": {1: "int64"},
    "Slice": {1: "int64", 2: "int64", 3: "int64", 4: "int64"},
    "Squeeze": {1: "int64"},
    "Unsqueeze": {1: "int64"},
    "Split": {1: "int64"},
    "Pad": {1: "int64", 3: "int64"},
    "ReduceMean": {1: "int64"},
    "ReduceSum": {1: "int64"},
    "ReduceMax": {1: "int64"},
    "ConstantOfShape": {0: "int64"},
    "Where": {0: "bool"},
    "Dropout": {2: "bool"},
}
# Non-float32 outputs that are the op's nature, by output position.
INDEX_OUTPUTS: dict[str, dict[int, str]] = {
    "Shape": {0: "int64"},
    "MaxPool": {1: "int64"},
    "Dropout": {1: "bool"},
}
INT_TYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"}


def collect() -> list:
    """Every node test case of the installed onnx, generated deterministically."""
    random.seed(0)
    np.random.seed(0)
    # Some generators compute overflowing casts and log(0) on purpose.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases

        return collect_testcases()


def base_name(name: str) -> str:
    """The case an expanded case was made from ("test_x_expanded_ver18" -> "test_x")."""
    return name.split("_expanded")[0]


def elem_name(vi: onnx.ValueInfoProto) -> str:
    """The value's element type as a numpy-style name, or why it is not a plain tensor."""
    kind = vi.type.WhichOneof("value")
    if kind != "tensor_type":
        return f"<{kind}>"
    elem = vi.type.tensor_type.elem_type
    try:
        return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem)).name
    except (KeyError, TypeError, ValueError):
        return TensorProto.DataType.Name(elem).lower()


def rejection(op: str, in_types: list[str], out_types: list[str], case) -> str | None:
    """Why the case is not kept, or None if it is (rules in the module docstring)."""
    if op == "Cast":
        pair = (in_types[0], out_types[0])
        ok = F32 in pair and (pair[0] in INT_TYPES | {F32} and pair[1] in INT_TYPES | {F32})
        return None if ok else f"Cast {pair[0]} -> {pair[1]} (kept: float32 to or from an integer type)"
    for kind, types, allowed in (("input", in_types, INDEX_INPUTS), ("output", out_types, INDEX_OUTPUTS)):
        for i, t in enumerate(types):
            if t != F32 and allowed.get(op, {}).get(i) != t:
                return f"{kind} {i} is {t} (kept: float32, plus the op's own index/shape/condition types)"
    if op == "Dropout" and len(case.model.graph.node[0].input) == 3:
        inputs = case.data_sets[0][0]
        if bool(np.asarray(inputs[2])) and float(np.asarray(inputs[1])) != 0.0:
            return "training-mode Dropout: the expected output is the generator's random mask"
    return None


def as_array(value) -> np.ndarray:
    return numpy_helper.to_array(value) if isinstance(value, TensorProto) else np.asarray(value)


def tensor_entries(infos, values, prefix: str) -> list[dict]:
    return [
        {"name": vi.name, "dtype": as_array(v).dtype.name, "shape": list(as_array(v).shape), "file": f"{prefix}_{i}.npy"}
        for i, (vi, v) in enumerate(zip(infos, values, strict=True))
    ]


def write_case(out: Path, case, op: str) -> dict:
    """Writes one case's directory; returns its index entry."""
    inputs, outputs = case.data_sets[0]
    graph = case.model.graph
    d = out / case.name
    d.mkdir(parents=True, exist_ok=True)
    onnx.save(case.model, d / "model.onnx")
    for prefix, values in (("input", inputs), ("output", outputs)):
        for i, v in enumerate(values):
            np.save(d / f"{prefix}_{i}.npy", as_array(v))
    opset = next(o.version for o in case.model.opset_import if o.domain in ("", "ai.onnx"))
    return {
        "name": case.name,
        "op_type": op,
        "expanded": case.name != base_name(case.name),
        "graph_ops": sorted({n.op_type for n in graph.node}),
        "opset": opset,
        "rtol": case.rtol,
        "atol": case.atol,
        "inputs": tensor_entries(graph.input, inputs, "input"),
        "outputs": tensor_entries(graph.output, outputs, "output"),
    }


def generate(out: Path, ops: list[str], expanded: bool = True) -> dict:
    """Writes the cases of `ops` under `out` with `out/index.json`; returns the index."""
    cases = collect()
    op_of = {c.name: c.model.graph.node[0].op_type for c in cases if c.name == base_name(c.name)}
    wanted = set(ops)
    kept, skipped = [], []
    summary = {op: {"cases": 0, "eligible": 0, "opsets": None} for op in ops}
    opsets: dict[str, list[int]] = defaultdict(list)
    out.mkdir(parents=True, exist_ok=True)
    for case in cases:
        op = op_of.get(base_name(case.name))
        if op not in wanted:
            continue
        is_expanded = case.name != base_name(case.name)
        if is_expanded and not expanded:
            continue
        summary[op]["cases"] += 1
        graph = case.model.graph
        if len(case.data_sets) != 1:
            reason = f"{len(case.data_sets)} data sets (kept: exactly one)"
        else:
            reason = rejection(op, [elem_name(v) for v in graph.input], [elem_name(v) for v in graph.output], case)
        if reason:
            skipped.append({"name": case.name, "op_type": op, "reason": reason})
            continue
        entry = write_case(out, case, op)
        kept.append(entry)
        summary[op]["eligible"] += 1
        opsets[op].append(entry["opset"])
    for op, versions in opsets.items():
        summary[op]["opsets"] = [min(versions), max(versions)]
    index = {"onnx_version": onnx.__version__, "cases": kept, "skipped": skipped, "summary": summary}
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return index


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--ops", default=",".join(ISSUE_OPS), help="comma-separated op types (default: the issue's list)")
    ap.add_argument("--no-expanded", action="store_true", help="leave out the function-expanded cases")
    ap.add_argument("--summary", action="store_true", help="print cases / eligible / opsets per op")
    args = ap.parse_args(argv)
    ops = [o for o in args.ops.split(",") if o]
    index = generate(args.out, ops, expanded=not args.no_expanded)
    missing = [op for op, s in index["summary"].items() if s["cases"] == 0]
    if missing:
        print(f"node_tests.py: onnx {onnx.__version__} has no node tests for {', '.join(missing)}", file=sys.stderr)
    if args.summary:
        for op, s in index["summary"].items():
            span = "-" if s["opsets"] is None else f"{s['opsets'][0]}..{s['opsets'][1]}"
            print(f"{op:20} {s['cases']:4} {s['eligible']:4}  opset {span}")
        print(f"{'total':20} {len(index['cases']) + len(index['skipped']):4} {len(index['cases']):4}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
