"""Peers for `cargo run --release -p strata-benches --bin codegen`: numpy (OpenBLAS) and
onnxruntime timings on this machine, as JSON on stdout. Thread counts are fixed per process
(OPENBLAS_NUM_THREADS is read at import), so each call measures one count.

  python3 cpu_peers.py copy RUNS
  python3 cpu_peers.py matmul M N K RUNS        (A[MxK] @ B[KxN]; threads: OPENBLAS_NUM_THREADS)
  python3 cpu_peers.py conv THREADS RUNS C,K,H,W,STRIDE ...
"""
import json
import sys
import time

import numpy as np


def median_ms(f, runs):
    for _ in range(2):
        f()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return 1e3 * ts[len(ts) // 2]


def main():
    what = sys.argv[1]
    if what == "copy":
        runs = int(sys.argv[2])
        a = np.random.rand(1 << 24).astype(np.float32)
        b = np.empty_like(a)
        ms = median_ms(lambda: np.copyto(b, a), runs)
        print(json.dumps({"ms": ms, "gbps": 2 * a.nbytes / ms / 1e6}))
    elif what == "matmul":
        m, n, k, runs = (int(x) for x in sys.argv[2:6])
        a = np.random.rand(m, k).astype(np.float32)
        b = np.random.rand(k, n).astype(np.float32)
        ms = median_ms(lambda: a @ b, runs)
        print(json.dumps({"ms": ms, "gflops": 2 * m * n * k / ms / 1e6}))
    elif what == "conv":
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper

        threads, runs = int(sys.argv[2]), int(sys.argv[3])
        out = []
        for spec in sys.argv[4:]:
            c, k, h, w, s = (int(x) for x in spec.split(","))
            weights = (np.random.rand(k, c, 3, 3).astype(np.float32) - 0.5) * 0.1
            node = helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], strides=[s, s])
            oh, ow = (h + 2 - 3) // s + 1, (w + 2 - 3) // s + 1
            graph = helper.make_graph(
                [node],
                "conv",
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, k, oh, ow])],
                [numpy_helper.from_array(weights, "w")],
            )
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
            x = np.random.rand(1, c, h, w).astype(np.float32)
            out.append(median_ms(lambda: sess.run(None, {"x": x}), runs))
        print(json.dumps({"ms": out}))
    else:
        raise SystemExit(f"unknown measurement {what}")


if __name__ == "__main__":
    main()
