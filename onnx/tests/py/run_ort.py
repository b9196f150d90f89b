"""Runs an ONNX model through onnxruntime as the plain reference, writing its outputs as .npy.

Usage: python3 run_ort.py MODEL.onnx OUTDIR input.npy...

Inputs are given in graph-input order; outputs are written as OUTDIR/output_<i>.npy in
graph-output order. The session is the reference, not a competitor: CPU provider, one thread
(intra- and inter-op), and every graph optimization disabled, so onnxruntime evaluates the graph
as written (no fusions that change rounding, e.g. LayerNorm or GELU kernels, or folding of
constants into different precision). The Rust tests and benchmarks call this, and `models.py`
imports `run_reference` from it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort


def session(model: bytes | str) -> ort.InferenceSession:
    """A single-threaded CPU session with graph optimizations off."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])


def run_reference(model: bytes | str, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The model's outputs on `inputs` (graph-input order), in graph-output order."""
    sess = session(model)
    names = [i.name for i in sess.get_inputs()]
    if len(names) != len(inputs):
        raise ValueError(f"the model has {len(names)} inputs ({', '.join(names)}), {len(inputs)} given")
    return sess.run(None, dict(zip(names, inputs, strict=True)))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    model, out_dir, *input_files = argv
    try:
        outputs = run_reference(model, [np.load(f) for f in input_files])
    except Exception as e:  # onnxruntime raises its own exception types for bad models/inputs.
        print(f"run_ort.py: {model}: {e}", file=sys.stderr)
        return 1
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for i, value in enumerate(outputs):
        np.save(out / f"output_{i}.npy", value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
