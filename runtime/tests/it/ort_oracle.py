"""Runs the cases the Rust test wrote through onnxruntime: one ONNX model per case, built with
the onnx package's helpers. Usage: ort_oracle.py CASES_DIR (reads cases.json, writes
<case>/ort_<output>.npy)."""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

OPSET = 20  # Gelu (erf form) is in opset 20.


def build(case, folder):
    feeds = {}
    graph_inputs = []
    for name in case["inputs"]:
        value = np.load(os.path.join(folder, name + ".npy"))
        feeds[name] = value
        graph_inputs.append(
            helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(value.dtype), value.shape)
        )
    initializers = []
    for const in case["consts"]:
        array = np.array(const["values"], dtype=np.dtype(const["dtype"])).reshape(const["dims"])
        initializers.append(numpy_helper.from_array(array, const["name"]))
    nodes = [
        helper.make_node(n["op"], n["inputs"], n["outputs"], **n["attrs"]) for n in case["nodes"]
    ]
    outputs = [
        helper.make_tensor_value_info(o, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), shape)
        for o, shape, dtype in zip(case["outputs"], case["output_shapes"], case["output_types"])
    ]
    graph = helper.make_graph(nodes, case["name"], graph_inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model, feeds


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "cases.json")) as f:
        cases = json.load(f)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    for case in cases:
        folder = os.path.join(root, case["name"])
        model, feeds = build(case, folder)
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        results = session.run(case["outputs"], feeds)
        for name, value in zip(case["outputs"], results):
            np.save(os.path.join(folder, "ort_" + name + ".npy"), value)


if __name__ == "__main__":
    main()
