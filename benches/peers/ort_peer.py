"""onnxruntime as the peer of `cargo run --release -p strata-benches --bin onnx-models`: one
model, one thread count, timed on this machine, as JSON on stdout.

  python3 ort_peer.py MODEL.onnx --threads T --runs N [--warmup W] --outputs DIR input.npy...

The session is the real peer, not the plain reference of onnx/tests/py/run_ort.py: CPU
provider, graph optimizations at onnxruntime's default (ORT_ENABLE_ALL: constant folding,
conv + batch norm, LayerNorm/GELU/attention fusions, NCHWc layouts), `intra_op_num_threads=T`
and `inter_op_num_threads=1` (one model at batch 1: the threads split ops, not branches).

Inputs are given in graph-input order. The outputs of the first run (after which every run
computes the same thing) are written as DIR/output_<i>.npy in graph-output order, so the
caller can check that both sides computed the same function before it compares times.

Prints {"median_ms", "min_ms", "max_ms", "p25_ms", "p75_ms", "runs", "warmup", "threads",
"session_ms", "optimization", "version", "outputs"}. Exit status 2 with a one-line message on
stderr when onnxruntime or numpy cannot be imported, 1 when the model fails to load or run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# Run from the source tree, not installed: no __pycache__ left in it.
sys.dont_write_bytecode = True

try:
    import numpy as np
    import onnxruntime as ort
except ImportError as e:
    print(f"ort_peer.py: {e} (pip install onnxruntime numpy)", file=sys.stderr)
    sys.exit(2)


def session(model: str, threads: int) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])


def quantile(sorted_ms: list[float], q: float) -> float:
    """The `q` quantile of sorted values, linearly interpolated (numpy's default)."""
    return float(np.quantile(np.asarray(sorted_ms), q))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    p.add_argument("model")
    p.add_argument("inputs", nargs="+", help="input .npy files, in graph-input order")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--outputs", required=True, help="directory for output_<i>.npy")
    a = p.parse_args(argv)
    if a.threads < 1 or a.runs < 1 or a.warmup < 0:
        p.error("--threads and --runs must be at least 1, --warmup at least 0")

    try:
        t = time.perf_counter()
        sess = session(a.model, a.threads)
        session_ms = 1e3 * (time.perf_counter() - t)
        names = [i.name for i in sess.get_inputs()]
        if len(names) != len(a.inputs):
            raise ValueError(f"the model has {len(names)} inputs ({', '.join(names)}), {len(a.inputs)} given")
        feed = dict(zip(names, (np.load(f) for f in a.inputs), strict=True))
        first = sess.run(None, feed)
        for _ in range(a.warmup):
            sess.run(None, feed)
        times = []
        for _ in range(a.runs):
            t = time.perf_counter()
            sess.run(None, feed)
            times.append(1e3 * (time.perf_counter() - t))
    except Exception as e:  # onnxruntime raises its own exception types for bad models/inputs.
        print(f"ort_peer.py: {a.model}: {e}", file=sys.stderr)
        return 1

    out = Path(a.outputs)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for i, value in enumerate(first):
        f = out / f"output_{i}.npy"
        np.save(f, value)
        files.append(str(f))
    times.sort()
    print(
        json.dumps(
            {
                "median_ms": times[len(times) // 2],
                "min_ms": times[0],
                "max_ms": times[-1],
                "p25_ms": quantile(times, 0.25),
                "p75_ms": quantile(times, 0.75),
                "runs": a.runs,
                "warmup": a.warmup,
                "threads": a.threads,
                "session_ms": session_ms,
                "optimization": "ORT_ENABLE_ALL",
                "version": ort.__version__,
                "outputs": files,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
