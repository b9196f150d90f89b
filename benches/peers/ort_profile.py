"""onnxruntime's own per-node profile of one model, the peer of `strata-run --profile`.

  python3 ort_profile.py MODEL.onnx --threads T --runs N [--warmup W] [--json OUT.json]

The session is the same as ort_peer.py's: CPU provider, default graph optimizations
(ORT_ENABLE_ALL, so Conv+BatchNorm+Relu(+Add) become one fused node named after the Conv),
`intra_op_num_threads=T`, `inter_op_num_threads=1`. Inputs are random normal (seed 0; never
zeros, so no kernel takes a data-dependent shortcut). onnxruntime profiles from session start,
so the warm-up runs are dropped by run index: each `model_run` event delimits one run, and a
node event belongs to the run whose interval contains it.

Node names are onnxruntime's, after its own rewrites: with NCHWc layouts on (AVX-512 or AVX2
machines) a fused Conv+BatchNormalization(+Relu, +Add) node is named after its output tensor,
e.g. `/layer1/layer1.0/relu/Relu_output_0_nchwc`, not after the ONNX Conv node.

Prints a table (node, op type, median µs, share of the summed node medians) sorted by
median, then the end-to-end median of the timed runs, and writes the same as JSON with --json:
{"threads", "runs", "warmup", "version", "run_median_us", "nodes": [{"node", "op", "median_us",
"calls"}]} in graph execution order.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile

# Run from the source tree, not installed: no __pycache__ left in it.
sys.dont_write_bytecode = True

try:
    import numpy as np
    import onnxruntime as ort
except ImportError as e:
    print(f"ort_profile.py: {e} (pip install onnxruntime numpy)", file=sys.stderr)
    sys.exit(2)

KERNEL_SUFFIX = "_kernel_time"


def make_session(model: str, threads: int, prefix: str) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.enable_profiling = True
    opts.profile_file_prefix = prefix
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


def random_feeds(sess: ort.InferenceSession) -> dict:
    rng = np.random.default_rng(0)
    feeds = {}
    for inp in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in inp.shape]
        dtype = np.float32 if inp.type == "tensor(float)" else np.int64
        feeds[inp.name] = rng.standard_normal(shape).astype(dtype)
    return feeds


def per_run_events(events: list) -> tuple[list, list]:
    """Splits node events by the `model_run` interval that contains them."""
    runs = sorted(
        (e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"),
        key=lambda e: e["ts"],
    )
    nodes = [
        e
        for e in events
        if e.get("cat") == "Node" and e.get("name", "").endswith(KERNEL_SUFFIX)
    ]
    buckets: list[list] = [[] for _ in runs]
    for n in nodes:
        for i, r in enumerate(runs):
            if r["ts"] <= n["ts"] <= r["ts"] + r["dur"]:
                buckets[i].append(n)
                break
    return runs, buckets


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        try:
            sess = make_session(args.model, args.threads, os.path.join(tmp, "ort"))
            feeds = random_feeds(sess)
            for _ in range(args.warmup + args.runs):
                sess.run(None, feeds)
        except Exception as e:  # onnxruntime raises its own Fail/InvalidGraph types
            print(f"ort_profile.py: {e}", file=sys.stderr)
            return 1
        with open(sess.end_profiling()) as f:
            events = json.load(f)

    runs, buckets = per_run_events(events)
    timed_runs = runs[args.warmup :]
    timed = buckets[args.warmup :]
    order: list[str] = []
    durs: dict[str, list[float]] = {}
    ops: dict[str, str] = {}
    for bucket in timed:
        for e in bucket:
            node = e["name"][: -len(KERNEL_SUFFIX)]
            if node not in durs:
                order.append(node)
                durs[node] = []
            durs[node].append(float(e["dur"]))
            ops[node] = e.get("args", {}).get("op_name", "?")

    nodes = [
        {
            "node": n,
            "op": ops[n],
            "median_us": statistics.median(durs[n]),
            "calls": len(durs[n]),
        }
        for n in order
    ]
    run_median = statistics.median(float(r["dur"]) for r in timed_runs)
    total = sum(n["median_us"] for n in nodes) or 1.0

    print(f"{'node':<40} {'op':<18} {'median µs':>10} {'share':>7}")
    for n in sorted(nodes, key=lambda n: -n["median_us"]):
        share = 100.0 * n["median_us"] / total
        print(f"{n['node']:<40} {n['op']:<18} {n['median_us']:>10.1f} {share:>6.1f}%")
    print(
        f"nodes: {len(nodes)}, summed node medians {total / 1000:.3f} ms, "
        f"run median {run_median / 1000:.3f} ms over {len(timed_runs)} runs, "
        f"{args.threads} thread(s), onnxruntime {ort.__version__}"
    )

    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(
                {
                    "threads": args.threads,
                    "runs": len(timed_runs),
                    "warmup": args.warmup,
                    "version": ort.__version__,
                    "run_median_us": run_median,
                    "nodes": nodes,
                },
                f,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
