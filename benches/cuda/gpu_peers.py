"""PyTorch peers on the GPU for `benches/cuda/device.sh`: one JSON object per line on stdout.

  python3 gpu_peers.py copy N             device-to-device copy of N f32 (bytes read + written)
  python3 gpu_peers.py chain N            the 8-op chain of chain.mlir: eager and torch.compile
  python3 gpu_peers.py rows OP ROWS COLS  softmax / layer_norm over rows: eager and torch.compile
  python3 gpu_peers.py resnet18 BATCH     torchvision ResNet-18, random weights, eval: eager, compile
  python3 gpu_peers.py mobilenetv2 BATCH  torchvision MobileNetV2, random weights, eval: eager, compile
  python3 gpu_peers.py encoder BATCH SEQ   a BERT-base encoder as models.py's `bert` (embeddings,
                                          12 post-norm layers of 768 with 12 heads and an erf GELU,
                                          the pooler), from torch.nn: eager (its fused inference
                                          path), compile
  python3 gpu_peers.py sgemm N            cuBLAS fp32 (TF32 off) N^3
  python3 gpu_peers.py conv C HW BATCH    cuDNN fp32 (TF32 off) 3x3 convolution, C to C channels,
                                          padding 1, bias and ReLU (convs.mlir's layers)

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
    elif what in ("resnet18", "mobilenetv2"):
        import torchvision

        batch = int(sys.argv[2])
        model = (torchvision.models.resnet18 if what == "resnet18" else torchvision.models.mobilenet_v2)()
        model = model.to(dev).eval()
        x = torch.rand(batch, 3, 224, 224, device=dev)
        with torch.no_grad():
            eager = median_ms(lambda: model(x))
            compiled = torch.compile(model)
            compiled(x)
            comp = median_ms(lambda: compiled(x))
        out.update(batch=batch, eager_ms=eager, compile_ms=comp)
    elif what == "encoder":
        batch, seq = int(sys.argv[2]), int(sys.argv[3])
        hidden, heads, layers, vocab = 768, 12, 12, 30522

        class Encoder(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.words = torch.nn.Embedding(vocab, hidden)
                self.positions = torch.nn.Embedding(512, hidden)
                self.norm = torch.nn.LayerNorm(hidden, eps=1e-12)
                layer = torch.nn.TransformerEncoderLayer(
                    hidden, heads, 4 * hidden, dropout=0.0, activation="gelu", batch_first=True, layer_norm_eps=1e-12
                )
                self.layers = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
                self.pooler = torch.nn.Linear(hidden, hidden)

            def forward(self, ids, mask):
                pos = torch.arange(ids.shape[1], device=ids.device)
                h = self.norm(self.words(ids) + self.positions(pos)[None])
                h = self.layers(h, src_key_padding_mask=mask == 0)
                return h, torch.tanh(self.pooler(h[:, 0]))

        model = Encoder().to(dev).eval()
        ids = torch.randint(0, vocab, (batch, seq), device=dev)
        mask = torch.ones(batch, seq, dtype=torch.int64, device=dev)
        with torch.no_grad():
            eager = median_ms(lambda: model(ids, mask))
            compiled = torch.compile(model)
            compiled(ids, mask)
            comp = median_ms(lambda: compiled(ids, mask))
        out.update(batch=batch, seq=seq, eager_ms=eager, compile_ms=comp)
    elif what == "sgemm":
        n = int(sys.argv[2])
        a, b = torch.rand(n, n, device=dev), torch.rand(n, n, device=dev)
        ms = median_ms(lambda: a @ b)
        out.update(ms=ms, tflops=2 * n**3 / ms / 1e9)
    elif what == "conv":
        c, hw, batch = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        torch.backends.cudnn.benchmark = True
        x = torch.rand(batch, c, hw, hw, device=dev) * 2 - 1
        w = torch.rand(c, c, 3, 3, device=dev) * 2 - 1
        b = torch.rand(c, device=dev)
        conv = lambda: torch.relu(torch.nn.functional.conv2d(x, w, b, padding=1))
        ms = median_ms(conv)
        flops = 2 * batch * c * c * 9 * hw * hw
        out.update(c=c, hw=hw, batch=batch, ms=ms, tflops=flops / ms / 1e9)
    else:
        raise SystemExit(f"unknown peer {what}")
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
