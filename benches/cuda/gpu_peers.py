"""PyTorch peers on the GPU for `benches/cuda/device.sh`: one JSON object per line on stdout.

  python3 gpu_peers.py copy N             device-to-device copy of N f32 (bytes read + written)
  python3 gpu_peers.py chain N            the 8-op chain of chain.mlir: eager and torch.compile
  python3 gpu_peers.py rows OP ROWS COLS  softmax / layer_norm over rows: eager and torch.compile
  python3 gpu_peers.py resnet18 BATCH     torchvision ResNet-18, random weights, eval: eager, compile
  python3 gpu_peers.py sgemm N            cuBLAS fp32 (TF32 off) N^3

Times are CUDA-event medians of 20 runs after 3 warm-ups (torch.compile: after compiling).
"""
import json
import sys

import torch


def median_ms(f, runs=20, warm=3):
    for _ in range(warm):
        f()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        f()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def chain(x, y):
    a = x + y
    b = a * x
    c = torch.relu(b)
    d = c - y
    e = -d
    f = torch.maximum(e, a)
    g = f * f
    return g + x


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    what = sys.argv[1]
    dev = "cuda"
    out = {"what": what, "gpu": torch.cuda.get_device_name()}
    if what == "copy":
        n = int(sys.argv[2])
        x = torch.rand(n, device=dev)
        y = torch.empty_like(x)
        ms = median_ms(lambda: y.copy_(x))
        out.update(ms=ms, gbps=2 * 4 * n / ms / 1e6)
    elif what == "chain":
        n = int(sys.argv[2])
        x, y = torch.rand(n, device=dev) * 2 - 1, torch.rand(n, device=dev) * 2 - 1
        eager = median_ms(lambda: chain(x, y))
        compiled = torch.compile(chain)
        compiled(x, y)
        comp = median_ms(lambda: compiled(x, y))
        out.update(eager_ms=eager, compile_ms=comp, bytes=3 * 4 * n)
    elif what == "rows":
        op, rows, cols = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        x = torch.rand(rows, cols, device=dev)
        f = (lambda t: torch.softmax(t, -1)) if op == "softmax" else (lambda t: torch.nn.functional.layer_norm(t, (cols,)))
        eager = median_ms(lambda: f(x))
        compiled = torch.compile(f)
        compiled(x)
        out.update(eager_ms=eager, compile_ms=median_ms(lambda: compiled(x)), bytes=2 * 4 * rows * cols)
    elif what == "resnet18":
        import torchvision

        batch = int(sys.argv[2])
        model = torchvision.models.resnet18().to(dev).eval()
        x = torch.rand(batch, 3, 224, 224, device=dev)
        with torch.no_grad():
            eager = median_ms(lambda: model(x))
            compiled = torch.compile(model)
            compiled(x)
            comp = median_ms(lambda: compiled(x))
        out.update(batch=batch, eager_ms=eager, compile_ms=comp)
    elif what == "sgemm":
        n = int(sys.argv[2])
        a, b = torch.rand(n, n, device=dev), torch.rand(n, n, device=dev)
        ms = median_ms(lambda: a @ b)
        out.update(ms=ms, tflops=2 * n**3 / ms / 1e9)
    else:
        raise SystemExit(f"unknown peer {what}")
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
