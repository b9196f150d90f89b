"""Reference networks as ONNX models with seeded random weights, for the importer's tests.

Builds, with `onnx.helper` only (no PyTorch), graphs shaped like `torch.onnx.export` output:

- `resnet18`, `resnet50`: Conv (pads, strides), BatchNormalization left unfolded, Relu,
  MaxPool 3x3/2 pad 1, residual Add, GlobalAveragePool, Flatten, Gemm (transB=1).
- `mobilenetv2`: depthwise Conv (group = channels), ReLU6 as Clip with min/max inputs from
  shared initializers, inverted residuals, BatchNormalization unfolded.
  `mobilenetv2-folded`: the same network (same seed, same function) with batch norm folded
  into the conv weights and biases. `mobilenetv2-constant-clip`: unfolded, with Clip's min/max
  coming from `Constant` nodes, as an export without constant folding writes them.
  (Clip's attribute form is opset < 11, which is out of scope.)
- `bert`: token ids (int64) -> Gather from the embedding table + position embedding Add,
  LayerNormalization (opset >= 17), multi-head self-attention (MatMul/Add projections, Reshape
  to heads with the shape computed by Shape -> Gather -> Unsqueeze -> Concat, Transpose, Div by
  sqrt(d), additive mask, Softmax), GELU in the Erf form (Div, Erf, Add, Mul, Mul), residuals,
  and a pooler (Gather of the first token, Gemm, Tanh).
  `bert-decomposed`: LayerNormalization written out as PyTorch exports it before opset 17
  (ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div, Mul, Add) and the mask applied by
  Where. `bert-gelu`: the Gelu op (opset >= 20).

Sizes: every builder takes size knobs. The default is the real network (ResNet-18 at 224x224
has ~45 MB of weights, BERT-base ~440 MB); `--small` picks variants that run in seconds in an
interpreter; the knob flags override either.

Weights (seeded, `--seed`, default 0): convolutions He-normal with fan-in; batch-norm gains
uniform in [0.5, 1.5], biases and means N(0, 0.1), running variances uniform in [0.5, 2.0]
(positive, not 1, so the normalization is really computed). The last batch norm of each
residual branch has gains in [0.1, 0.4]: trained ResNets have small gains there, and with unit
gains the residual sum's variance would double at every block (x 2^16 through ResNet-50).
Linear layers: PyTorch's uniform +-1/sqrt(fan_in) for classifiers; BERT's projections normal with
std 1/sqrt(fan_in), so attention scores have unit scale and softmax is not near-uniform;
embeddings N(0, 1); layer-norm gains uniform in [0.8, 1.2], biases N(0, 0.05).

Inputs (`--inputs DIR`, seeded from the seed, separate from the weights' stream): images
uniform in [-2, 2], about the range of ImageNet-normalized pixels ((x - mean) / std for x in
[0, 1] spans [-2.1, 2.6]); token ids uniform in [0, vocab); the attention mask keeps a random
prefix of each sequence of length in [seq_len / 2, seq_len - 1]: some keys are always masked,
and no softmax row is fully masked (that would make every score equal).

Files: `OUT.onnx`; with `--inputs DIR`: `DIR/input_<i>.npy` in graph-input order; with
`--reference DIR`: `DIR/output_<i>.npy`, onnxruntime's outputs in graph-output order (named by
index, since output names may hold '/' or ':'), and, in both directories, `io.json` mapping
each index to the graph's name, dtype and shape. Without `--inputs`, `--reference` writes the
inputs it used into its own directory.

Every model is checked with `onnx.checker.check_model(full_check=True)` and run once through
onnxruntime (the plain reference of `run_ort.py`) before it is written; outputs must have the
declared shapes and be finite.

Usage: python3 models.py NAME OUT.onnx [--small] [--opset N] [--dynamic-batch] [--seed S]
           [--batch N] [--inputs DIR] [--reference DIR] [size knobs, see --help]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import helper

# This directory is run from, not installed: no __pycache__ left in the source tree.
sys.dont_write_bytecode = True

from graph import BOOL, FLOAT, INT64, Graph, batch_dim  # noqa: E402
from run_ort import run_reference  # noqa: E402

# Batch-norm epsilon PyTorch writes (nn.BatchNorm2d's default).
BN_EPS = 1e-5
# BERT's layer-norm epsilon.
LN_EPS = 1e-12


# Convolutional building blocks -------------------------------------------------------------


@dataclass
class BatchNorm:
    """Random batch-norm parameters for `channels` channels."""

    gamma: np.ndarray
    beta: np.ndarray
    mean: np.ndarray
    var: np.ndarray

    @staticmethod
    def random(g: Graph, channels: int, small_gain: bool = False) -> BatchNorm:
        lo, hi = (0.1, 0.4) if small_gain else (0.5, 1.5)
        return BatchNorm(
            gamma=g.rng.uniform(lo, hi, channels),
            beta=g.rng.normal(0.0, 0.1, channels),
            mean=g.rng.normal(0.0, 0.1, channels),
            var=g.rng.uniform(0.5, 2.0, channels),
        )


def conv_bn(
    g: Graph,
    x: str,
    conv: str,
    bn: str,
    cin: int,
    cout: int,
    kernel: int,
    stride: int = 1,
    groups: int = 1,
    folded: bool = False,
    small_gain: bool = False,
) -> str:
    """Conv (no bias, padding kernel // 2) then BatchNormalization, or both folded into one Conv.

    `conv` and `bn` are module paths ("layer1.0.conv1"); the draws are the same either way, so
    a folded model computes the function of the unfolded one with the same seed.
    """
    pad = kernel // 2
    weight = g.he_normal((cout, cin // groups, kernel, kernel), fan_in=cin // groups * kernel * kernel)
    stats = BatchNorm.random(g, cout, small_gain)
    attrs = dict(kernel_shape=[kernel, kernel], pads=[pad] * 4, strides=[stride, stride], dilations=[1, 1], group=groups)
    conv_scope = scope_of(conv)
    if folded:
        scale = stats.gamma / np.sqrt(stats.var + BN_EPS)
        w = g.param(f"{conv}.weight", weight * scale[:, None, None, None])
        b = g.param(f"{conv}.bias", stats.beta - stats.mean * scale)
        return g.node(conv_scope, "Conv", [x, w, b], **attrs)
    y = g.node(conv_scope, "Conv", [x, g.param(f"{conv}.weight", weight)], **attrs)
    params = [
        g.param(f"{bn}.weight", stats.gamma),
        g.param(f"{bn}.bias", stats.beta),
        g.param(f"{bn}.running_mean", stats.mean),
        g.param(f"{bn}.running_var", stats.var),
    ]
    return g.node(scope_of(bn), "BatchNormalization", [y, *params], epsilon=BN_EPS, momentum=0.9)


def scope_of(module: str, lists: tuple[str, ...] = ()) -> str:
    """PyTorch's node scope for a module path.

    Each level is the module's attribute name, and an indexed child of a container is written
    with its parent's name: "layer1.0.conv1" -> "/layer1/layer1.0/conv1". A `nn.ModuleList`
    (dotted paths in `lists`) is never called, so it adds no level of its own:
    "encoder.layer.0.attention" with lists ("encoder.layer",) -> "/encoder/layer.0/attention".
    """
    parts = module.split(".")
    levels: list[str] = []
    for i, part in enumerate(parts):
        if ".".join(parts[: i + 1]) in lists:
            continue
        if part.isdigit() and i > 0:
            parent = parts[i - 1] if ".".join(parts[:i]) in lists else levels[-1]
            levels.append(f"{parent}.{part}")
        else:
            levels.append(part)
    return "".join("/" + level for level in levels)


def classifier(g: Graph, x: str, features: int, classes: int, module: str, pool_scope: str) -> str:
    """GlobalAveragePool -> Flatten -> Gemm(transB=1) into the graph output "output"."""
    pooled = g.node(pool_scope, "GlobalAveragePool", [x])
    flat = g.node("", "Flatten", [pooled], axis=1)
    w = g.param(f"{module}.weight", g.linear_uniform((classes, features), features))
    b = g.param(f"{module}.bias", g.linear_uniform((classes,), features))
    return g.node(scope_of(module), "Gemm", [flat, w, b], outputs=["output"], alpha=1.0, beta=1.0, transB=1)


# ResNet ------------------------------------------------------------------------------------


def resnet(
    depth: int,
    resolution: int = 224,
    width: int = 64,
    classes: int = 1000,
    batch: int = 1,
    dynamic: bool = False,
    opset: int = 17,
    seed: int = 0,
) -> onnx.ModelProto:
    """torchvision's ResNet-18 (basic blocks) or ResNet-50 (bottlenecks, stride on the 3x3).

    `width` is the first stage's channel count (64 in the real network).
    """
    bottleneck, blocks = {18: (False, [2, 2, 2, 2]), 50: (True, [3, 4, 6, 3])}[depth]
    expansion = 4 if bottleneck else 1
    g = Graph(opset, seed)
    n = batch_dim(batch, dynamic)
    x = g.input("input", FLOAT, [n, 3, resolution, resolution])
    x = conv_bn(g, x, "conv1", "bn1", 3, width, kernel=7, stride=2)
    x = g.node("/relu", "Relu", [x])
    x = g.node("/maxpool", "MaxPool", [x], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2], ceil_mode=0)
    inplanes = width
    for stage, count in enumerate(blocks):
        planes = width << stage
        for i in range(count):
            stride = 2 if stage > 0 and i == 0 else 1
            m = f"layer{stage + 1}.{i}"
            identity = x
            if bottleneck:
                y = g.node(scope_of(f"{m}.relu"), "Relu", [conv_bn(g, x, f"{m}.conv1", f"{m}.bn1", inplanes, planes, 1)])
                y = conv_bn(g, y, f"{m}.conv2", f"{m}.bn2", planes, planes, 3, stride)
                y = g.node(scope_of(f"{m}.relu_1"), "Relu", [y])
                y = conv_bn(g, y, f"{m}.conv3", f"{m}.bn3", planes, planes * 4, 1, small_gain=True)
            else:
                y = conv_bn(g, x, f"{m}.conv1", f"{m}.bn1", inplanes, planes, 3, stride)
                y = g.node(scope_of(f"{m}.relu"), "Relu", [y])
                y = conv_bn(g, y, f"{m}.conv2", f"{m}.bn2", planes, planes, 3, small_gain=True)
            if stride != 1 or inplanes != planes * expansion:
                identity = conv_bn(g, x, f"{m}.downsample.0", f"{m}.downsample.1", inplanes, planes * expansion, 1, stride)
            y = g.node(scope_of(m), "Add", [y, identity])
            x = g.node(scope_of(f"{m}.relu_2" if bottleneck else f"{m}.relu_1"), "Relu", [y])
            inplanes = planes * expansion
    classifier(g, x, inplanes, classes, "fc", "/avgpool")
    g.output("output", FLOAT, [n, classes])
    return g.model(f"resnet{depth}")


# MobileNetV2 -------------------------------------------------------------------------------


def make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision's channel rounding: to a multiple of 8, never below 90% of `v`."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


# (expansion t, output channels c, repeats n, first stride s), torchvision's table.
MOBILENET_V2_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def mobilenet_v2(
    resolution: int = 224,
    width_mult: float = 1.0,
    classes: int = 1000,
    folded: bool = False,
    clip_from_constants: bool = False,
    batch: int = 1,
    dynamic: bool = False,
    opset: int = 17,
    seed: int = 0,
) -> onnx.ModelProto:
    """torchvision's MobileNetV2; ReLU6 is Clip(x, 0, 6) with min/max as inputs.

    `folded`: batch norm folded into the convolutions (as an eval-mode export with constant
    folding writes it). `clip_from_constants`: min/max from per-Clip `Constant` nodes rather
    than two shared initializers.
    """
    g = Graph(opset, seed)
    n = batch_dim(batch, dynamic)
    shared_bounds = None if clip_from_constants else (g.scalar(0.0), g.scalar(6.0))

    def relu6(module: str, x: str) -> str:
        scope = scope_of(module)
        if shared_bounds is not None:
            lo, hi = shared_bounds
        else:
            lo = g.constant(scope, np.asarray(0.0, dtype=np.float32))
            hi = g.constant(scope, np.asarray(6.0, dtype=np.float32))
        return g.node(scope, "Clip", [x, lo, hi])

    def conv_bn_relu6(x: str, m: str, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> str:
        y = conv_bn(g, x, f"{m}.0", f"{m}.1", cin, cout, kernel, stride, groups, folded)
        return relu6(f"{m}.2", y)

    x = g.input("input", FLOAT, [n, 3, resolution, resolution])
    channels = make_divisible(32 * width_mult)
    last = make_divisible(1280 * max(1.0, width_mult))
    x = conv_bn_relu6(x, "features.0", 3, channels, 3, stride=2)
    index = 1
    for t, c, repeats, s in MOBILENET_V2_SETTINGS:
        out = make_divisible(c * width_mult)
        for i in range(repeats):
            stride = s if i == 0 else 1
            m = f"features.{index}.conv"
            hidden = channels * t
            y, layer = x, 0
            if t != 1:
                y = conv_bn_relu6(y, f"{m}.0", channels, hidden, 1)
                layer = 1
            y = conv_bn_relu6(y, f"{m}.{layer}", hidden, hidden, 3, stride, groups=hidden)
            y = conv_bn(g, y, f"{m}.{layer + 1}", f"{m}.{layer + 2}", hidden, out, 1, folded=folded, small_gain=True)
            if stride == 1 and channels == out:
                y = g.node(scope_of(f"features.{index}"), "Add", [x, y])
            x, channels, index = y, out, index + 1
    x = conv_bn_relu6(x, f"features.{index}", channels, last, 1)
    # torchvision pools with F.adaptive_avg_pool2d, outside any module.
    classifier(g, x, last, classes, "classifier.1", "")
    g.output("output", FLOAT, [n, classes])
    return g.model("mobilenet_v2")


# BERT --------------------------------------------------------------------------------------


def bert(
    layers: int = 12,
    hidden: int = 768,
    heads: int = 12,
    seq_len: int = 128,
    vocab: int = 30522,
    max_positions: int = 512,
    layer_norm: str = "op",
    gelu: str = "erf",
    mask: str = "add",
    batch: int = 1,
    dynamic: bool = False,
    opset: int = 17,
    seed: int = 0,
) -> onnx.ModelProto:
    """A BERT encoder as Hugging Face's model exports: inputs `input_ids` and `attention_mask`
    (int64, [batch, seq_len]), outputs `last_hidden_state` and `pooler_output`.

    `layer_norm`: "op" (LayerNormalization, opset >= 17) or "decomposed" (PyTorch's export
    before 17). `gelu`: "erf" (Div, Erf, Add, Mul, Mul) or "op" (Gelu, opset >= 20). `mask`:
    "add" ((1 - mask) * float32 min added to the scores) or "where" (Where(mask, scores, min)).
    """
    if hidden % heads:
        raise ValueError(f"hidden size {hidden} is not a multiple of {heads} heads")
    if seq_len > max_positions:
        raise ValueError(f"sequence length {seq_len} exceeds the {max_positions} position embeddings")
    if opset < 13:
        raise ValueError("bert needs opset >= 13 (Softmax over the last axis only, Unsqueeze axes as input)")
    if layer_norm == "op" and opset < 17:
        raise ValueError("LayerNormalization needs opset >= 17; use bert-decomposed")
    if gelu == "op" and opset < 20:
        raise ValueError("Gelu needs opset >= 20")
    head_dim = hidden // heads
    inter = 4 * hidden
    g = Graph(opset, seed)
    n = batch_dim(batch, dynamic)
    ids = g.input("input_ids", INT64, [n, seq_len])
    mask_in = g.input("attention_mask", INT64, [n, seq_len])
    lowest = np.finfo(np.float32).min

    def at(module: str) -> str:
        # `encoder.layer` is a ModuleList.
        return scope_of(module, ("encoder.layer",))

    def linear(module: str, x: str, fan_in: int, fan_out: int) -> str:
        # PyTorch exports nn.Linear on a 3-d input as MatMul by the transposed weight + Add.
        scope = at(module)
        w = g.param(g.anonymous("MatMul"), g.lecun_normal((fan_in, fan_out), fan_in))
        y = g.node(scope, "MatMul", [x, w])
        return g.node(scope, "Add", [g.param(f"{module}.bias", g.rng.normal(0.0, 0.02, fan_out)), y])

    def norm(module: str, x: str, output: str | None = None) -> str:
        scope = at(module)
        gamma = g.param(f"{module}.weight", g.rng.uniform(0.8, 1.2, hidden))
        beta = g.param(f"{module}.bias", g.rng.normal(0.0, 0.05, hidden))
        outs = [output] if output else 1
        if layer_norm == "op":
            return g.node(scope, "LayerNormalization", [x, gamma, beta], outputs=outs, axis=-1, epsilon=LN_EPS)
        mean = g.reduce_mean(scope, x, [-1])
        diff = g.node(scope, "Sub", [x, mean])
        sq = g.node(scope, "Pow", [diff, g.constant(scope, np.asarray(2.0, dtype=np.float32))])
        var = g.reduce_mean(scope, sq, [-1])
        std = g.node(scope, "Sqrt", [g.node(scope, "Add", [var, g.constant(scope, np.asarray(LN_EPS, dtype=np.float32))])])
        y = g.node(scope, "Mul", [g.node(scope, "Div", [diff, std]), gamma])
        return g.node(scope, "Add", [y, beta], outputs=outs)

    def dims(scope: str, x: str, tail: list[int]) -> str:
        """The shape [x.shape[0], x.shape[1], *tail], computed from x at run time."""
        shape = g.node(scope, "Shape", [x])
        lead = [
            g.unsqueeze(scope, g.node(scope, "Gather", [shape, g.constant(scope, np.asarray(i, dtype=np.int64))], axis=0), [0])
            for i in (0, 1)
        ]
        return g.node(scope, "Concat", [*lead, *(g.constant(scope, np.asarray([d], dtype=np.int64)) for d in tail)], axis=0)

    def heads_of(scope: str, x: str, perm: list[int]) -> str:
        return g.node(scope, "Transpose", [g.node(scope, "Reshape", [x, dims(scope, x, [heads, head_dim])])], perm=perm)

    def gelu_fn(module: str, x: str) -> str:
        scope = at(module)
        if gelu == "op":
            return g.node(scope, "Gelu", [x], approximate="none")
        y = g.node(scope, "Erf", [g.node(scope, "Div", [x, g.constant(scope, np.asarray(np.sqrt(2.0), dtype=np.float32))])])
        y = g.node(scope, "Mul", [x, g.node(scope, "Add", [y, g.constant(scope, np.asarray(1.0, dtype=np.float32))])])
        return g.node(scope, "Mul", [y, g.constant(scope, np.asarray(0.5, dtype=np.float32))])

    # Embeddings.
    words = g.param("embeddings.word_embeddings.weight", g.rng.normal(0.0, 1.0, (vocab, hidden)))
    positions = g.param("embeddings.position_embeddings.weight", g.rng.normal(0.0, 1.0, (max_positions, hidden)))
    position_ids = g.param("embeddings.position_ids", np.arange(seq_len, dtype=np.int64)[None, :])
    x = g.node("/embeddings/word_embeddings", "Gather", [words, ids], axis=0)
    p = g.node("/embeddings/position_embeddings", "Gather", [positions, position_ids], axis=0)
    x = norm("embeddings.LayerNorm", g.node("/embeddings", "Add", [x, p]))

    # The mask, broadcast to [batch, 1, 1, seq_len] over the scores [batch, heads, seq, seq].
    m = g.unsqueeze("", g.unsqueeze("", mask_in, [1]), [2])
    if mask == "add":
        m = g.node("", "Cast", [m], to=FLOAT)
        m = g.node("", "Sub", [g.constant("", np.asarray(1.0, dtype=np.float32)), m])
        m = g.node("", "Mul", [m, g.constant("", np.asarray(lowest, dtype=np.float32))])
    else:
        m = g.node("", "Cast", [m], to=BOOL)

    for layer in range(layers):
        lm = f"encoder.layer.{layer}"
        attn = f"{lm}.attention.self"
        s = at(attn)
        q = heads_of(s, linear(f"{attn}.query", x, hidden, hidden), [0, 2, 1, 3])
        k = heads_of(s, linear(f"{attn}.key", x, hidden, hidden), [0, 2, 3, 1])
        v = heads_of(s, linear(f"{attn}.value", x, hidden, hidden), [0, 2, 1, 3])
        scores = g.node(s, "MatMul", [q, k])
        scores = g.node(s, "Div", [scores, g.constant(s, np.asarray(np.sqrt(head_dim), dtype=np.float32))])
        if mask == "add":
            scores = g.node(s, "Add", [scores, m])
        else:
            scores = g.node(s, "Where", [m, scores, g.constant(s, np.asarray(lowest, dtype=np.float32))])
        probs = g.node(s, "Softmax", [scores], axis=-1)
        ctx = g.node(s, "Transpose", [g.node(s, "MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = g.node(s, "Reshape", [ctx, dims(s, ctx, [hidden])])
        out = f"{lm}.attention.output"
        y = linear(f"{out}.dense", ctx, hidden, hidden)
        x = norm(f"{out}.LayerNorm", g.node(at(out), "Add", [y, x]))
        y = linear(f"{lm}.intermediate.dense", x, hidden, inter)
        y = gelu_fn(f"{lm}.intermediate.intermediate_act_fn", y)
        y = linear(f"{lm}.output.dense", y, inter, hidden)
        last = layer == layers - 1
        x = norm(f"{lm}.output.LayerNorm", g.node(at(f"{lm}.output"), "Add", [y, x]), "last_hidden_state" if last else None)
    if layers == 0:
        x = g.node("", "Identity", [x], outputs=["last_hidden_state"])

    # Pooler: tanh(dense(first token)).
    first = g.node("/pooler", "Gather", [x, g.constant("/pooler", np.asarray(0, dtype=np.int64))], axis=1)
    w = g.param("pooler.dense.weight", g.lecun_normal((hidden, hidden), hidden))
    b = g.param("pooler.dense.bias", g.rng.normal(0.0, 0.02, hidden))
    pooled = g.node("/pooler/dense", "Gemm", [first, w, b], alpha=1.0, beta=1.0, transB=1)
    g.node("/pooler/activation", "Tanh", [pooled], outputs=["pooler_output"])
    g.output("last_hidden_state", FLOAT, [n, seq_len, hidden])
    g.output("pooler_output", FLOAT, [n, hidden])
    return g.model("bert")


# The catalogue -----------------------------------------------------------------------------


@dataclass
class Spec:
    """A named model: its builder, default opset, and the knobs of its small variant."""

    build: Callable[..., onnx.ModelProto]
    opset: int
    small: dict


RESNET_SMALL = dict(resolution=32, width=8, classes=10)
MOBILENET_SMALL = dict(resolution=32, width_mult=0.25, classes=10)
BERT_SMALL = dict(layers=2, hidden=64, heads=4, seq_len=16, vocab=512, max_positions=64)

MODELS: dict[str, Spec] = {
    "resnet18": Spec(lambda **k: resnet(18, **k), 17, RESNET_SMALL),
    "resnet50": Spec(lambda **k: resnet(50, **k), 17, RESNET_SMALL),
    "mobilenetv2": Spec(mobilenet_v2, 17, MOBILENET_SMALL),
    "mobilenetv2-folded": Spec(lambda **k: mobilenet_v2(folded=True, **k), 17, MOBILENET_SMALL),
    "mobilenetv2-constant-clip": Spec(lambda **k: mobilenet_v2(clip_from_constants=True, **k), 17, MOBILENET_SMALL),
    "bert": Spec(bert, 17, BERT_SMALL),
    "bert-decomposed": Spec(lambda **k: bert(layer_norm="decomposed", mask="where", **k), 14, BERT_SMALL),
    "bert-gelu": Spec(lambda **k: bert(gelu="op", **k), 20, BERT_SMALL),
}

# Knob flags: (flag, builder keyword, type, help); a model given a knob it lacks is an error.
KNOBS = [
    ("--resolution", "resolution", int, "resnet*, mobilenetv2*: image height and width (224; small 32)"),
    ("--width", "width", int, "resnet*: channels of the first stage (64; small 8)"),
    ("--width-mult", "width_mult", float, "mobilenetv2*: width multiplier (1.0; small 0.25)"),
    ("--classes", "classes", int, "resnet*, mobilenetv2*: classifier outputs (1000; small 10)"),
    ("--layers", "layers", int, "bert*: encoder layers (12; small 2)"),
    ("--hidden", "hidden", int, "bert*: hidden size (768; small 64)"),
    ("--heads", "heads", int, "bert*: attention heads (12; small 4)"),
    ("--seq-len", "seq_len", int, "bert*: sequence length (128; small 16)"),
    ("--vocab", "vocab", int, "bert*: vocabulary size (30522; small 512)"),
]


def build(name: str, small: bool = False, opset: int | None = None, dynamic: bool = False, seed: int = 0, batch: int = 1, **knobs) -> onnx.ModelProto:
    """Builds and checks model `name` (see `MODELS`)."""
    spec = MODELS[name]
    kwargs = dict(spec.small) if small else {}
    kwargs.update(knobs)
    model = spec.build(opset=opset or spec.opset, dynamic=dynamic, seed=seed, batch=batch, **kwargs)
    onnx.checker.check_model(model, full_check=True)
    return model


def random_inputs(model: onnx.ModelProto, seed: int, batch: int) -> list[np.ndarray]:
    """Seeded inputs for `model`'s graph inputs (ranges in the module docstring).

    The stream is `default_rng([seed, 1])`, independent of the weights' `default_rng(seed)`.
    """
    rng = np.random.default_rng([seed, 1])
    vocab = next((init.dims[0] for init in model.graph.initializer if init.name == "embeddings.word_embeddings.weight"), None)
    arrays = []
    for vi in model.graph.input:
        shape = [d.dim_value if d.HasField("dim_value") else batch for d in vi.type.tensor_type.shape.dim]
        elem = vi.type.tensor_type.elem_type
        if elem == FLOAT:
            arrays.append(rng.uniform(-2.0, 2.0, shape).astype(np.float32))
        elif vi.name == "input_ids":
            arrays.append(rng.integers(0, vocab, shape, dtype=np.int64))
        elif vi.name == "attention_mask":
            lengths = rng.integers(max(1, shape[1] // 2), max(2, shape[1]), shape[0])
            arrays.append((np.arange(shape[1])[None, :] < lengths[:, None]).astype(np.int64))
        else:
            raise ValueError(f"no input generator for {vi.name} ({helper.tensor_dtype_to_np_dtype(elem)})")
    return arrays


def write_arrays(directory: Path, prefix: str, arrays: list[np.ndarray], infos) -> None:
    """`directory/<prefix>_<i>.npy` for each array, and `io.json`'s entry for them."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, (a, vi) in enumerate(zip(arrays, infos, strict=True)):
        file = f"{prefix}_{i}.npy"
        np.save(directory / file, a)
        entries.append({"index": i, "name": vi.name, "file": file, "dtype": str(a.dtype), "shape": list(a.shape)})
    io_path = directory / "io.json"
    io = json.loads(io_path.read_text()) if io_path.exists() else {}
    io[f"{prefix}s"] = entries
    io_path.write_text(json.dumps(io, indent=1) + "\n")


def check_outputs(model: onnx.ModelProto, outputs: list[np.ndarray], batch: int) -> None:
    """Outputs have the declared shapes (the batch symbol read as `batch`) and are finite."""
    for vi, out in zip(model.graph.output, outputs, strict=True):
        want = [d.dim_value if d.HasField("dim_value") else batch for d in vi.type.tensor_type.shape.dim]
        if list(out.shape) != want:
            raise AssertionError(f"output {vi.name}: shape {list(out.shape)}, declared {want}")
        if not np.isfinite(out).all():
            raise AssertionError(f"output {vi.name} is not finite")


def save(model: onnx.ModelProto, path: Path) -> None:
    """Writes beside the target and renames, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    onnx.save(model, tmp)
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", choices=sorted(MODELS))
    ap.add_argument("out", type=Path, help="the .onnx file to write")
    ap.add_argument("--small", action="store_true", help="the small variant (seconds in an interpreter)")
    ap.add_argument("--opset", type=int, help="default: 17; 14 for bert-decomposed, 20 for bert-gelu")
    ap.add_argument("--dynamic-batch", action="store_true", help='batch dimension is dim_param "batch"')
    ap.add_argument("--seed", type=int, default=0, help="weights and inputs seed (default 0)")
    ap.add_argument("--batch", type=int, default=1, help="batch size (of the model, or of the inputs if dynamic)")
    ap.add_argument("--inputs", type=Path, metavar="DIR", help="write seeded inputs as DIR/input_<i>.npy")
    ap.add_argument("--reference", type=Path, metavar="DIR", help="write onnxruntime's outputs as DIR/output_<i>.npy")
    for flag, key, kind, text in KNOBS:
        ap.add_argument(flag, dest=key, type=kind, help=text)
    args = ap.parse_args(argv)
    knobs = {key: getattr(args, key) for _, key, _, _ in KNOBS if getattr(args, key) is not None}
    try:
        model = build(args.name, args.small, args.opset, args.dynamic_batch, args.seed, args.batch, **knobs)
    except (TypeError, ValueError) as e:
        print(f"models.py: {args.name}: {e}", file=sys.stderr)
        return 2
    inputs = random_inputs(model, args.seed, args.batch)
    outputs = run_reference(model.SerializeToString(), inputs)
    check_outputs(model, outputs, args.batch)
    save(model, args.out)
    if args.inputs:
        write_arrays(args.inputs, "input", inputs, model.graph.input)
    if args.reference:
        if not args.inputs:
            write_arrays(args.reference, "input", inputs, model.graph.input)
        write_arrays(args.reference, "output", outputs, model.graph.output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
