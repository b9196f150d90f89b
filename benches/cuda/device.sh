#!/usr/bin/env bash
# Strata on the GPU against onnxruntime (correctness) and PyTorch (speed), on a machine with
# an NVIDIA GPU, python3 with torch, torchvision, onnx and onnxruntime, and no cargo: build
# strata-run elsewhere (`cargo build --release -p strata-tools --bin strata-run`) and pass its
# folder.
#
#   benches/cuda/device.sh BIN_DIR WORK_DIR [check|bench|all]
#
# check: the ONNX models (ResNet-18 at batch 1 and 32, MobileNetV2, the BERT-style encoder)
# on --target cuda against onnxruntime's outputs, |got - ort| <= 1e-4 + 1e-4 |ort| (the CPU
# tests' bound is 1e-5 of the scale; the GPU sums in other orders and fuses multiply-adds);
# bench: the same calls timed (CUDA graph replays, device time) beside PyTorch eager and
# torch.compile, the fused chain against the device copy.
set -u
bin=$1
w=$2
what=${3:-all}
mkdir -p "$w"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
nvidia-smi --query-gpu=name,driver_version,utilization.gpu,memory.used --format=csv,noheader

run_model() { # NAME ONNX DIR [extra flags]
  local name=$1 model=$2 dir=$3
  shift 3
  local args=()
  for f in "$dir"/input_*.npy; do args+=(--input "$f"); done
  for f in "$dir"/output_*.npy; do args+=(--compare "$f"); done
  echo "== $name"
  "$bin/strata-run" "$model" --target cuda "${args[@]}" --rtol 1e-4 --atol 1e-4 "$@" 2>&1 | grep -v '^output #'
}

models=(resnet18:1 resnet18:32 mobilenetv2:1 bert:1)
for spec in "${models[@]}"; do
  m=${spec%:*}
  b=${spec#*:}
  [ -f "$w/$m-$b.onnx" ] || python3 "$root/onnx/tests/py/models.py" "$m" "$w/$m-$b.onnx" --batch "$b" \
    --inputs "$w/$m-$b" --reference "$w/$m-$b"
done
if [ "$what" != bench ]; then
  for spec in "${models[@]}"; do
    run_model "$spec" "$w/${spec/:/-}.onnx" "$w/${spec/:/-}"
  done
fi
if [ "$what" != check ]; then
  for spec in "${models[@]}"; do
    run_model "$spec (timed)" "$w/${spec/:/-}.onnx" "$w/${spec/:/-}" --benchmark 20 --profile | head -16
  done
  echo "== chain (256M f32)"
  "$bin/strata-run" "$here/chain.mlir" --target cuda --random-inputs 1 --benchmark 20 2>&1 | grep -v '^output #'
  for f in softmax layer_norm; do
    echo "== $f (16384 x 4096 f32)"
    "$bin/strata-run" "$here/rows.mlir" --entry $f --target cuda --random-inputs 1 --benchmark 20 2>&1 | grep -v '^output #'
  done
  echo "== sgemm 4096^3 f32"
  "$bin/strata-run" "$here/sgemm.mlir" --target cuda --random-inputs 1 --benchmark 5 2>&1 | grep -v '^output #'
  # ResNet-18's 3x3 layers at batch 32, each algorithm alone (the CUDA pipeline without
  # egraph-opt: the file fixes the algorithms), then cuDNN.
  kernels='builtin.module(inline, func.func(plan-memory), func.func(convert-nn-to-loops{vector-units=false}, canonicalize, cse), materialize-arenas, func.func(expand-math, convert-parallel-loops-to-gpu), gpu-kernel-outlining, canonicalize, cse)'
  for l in 1 2 3 4; do
    for a in direct winograd_f2x3 winograd_f4x3; do
      echo "== conv l${l} $a"
      "$bin/strata-run" "$here/convs.mlir" --entry "l${l}_$a" --target cuda --random-inputs 1 --benchmark 10 \
        --pass-pipeline "$kernels" 2>&1 | grep -v '^output #'
    done
  done
  for spec in "64 56" "128 28" "256 14" "512 7"; do
    python3 "$here/gpu_peers.py" conv $spec 32
  done
  python3 "$here/gpu_peers.py" copy 268435456
  python3 "$here/gpu_peers.py" chain 268435456
  python3 "$here/gpu_peers.py" rows softmax 16384 4096
  python3 "$here/gpu_peers.py" rows layer_norm 16384 4096
  python3 "$here/gpu_peers.py" sgemm 4096
  python3 "$here/gpu_peers.py" resnet18 1
  python3 "$here/gpu_peers.py" resnet18 32
  python3 "$here/gpu_peers.py" mobilenetv2 1
  python3 "$here/gpu_peers.py" encoder 1 128
fi
if [ "$what" != bench ]; then
  # Cooperating threads (workgroup memory, a barrier, shuffles) against loops, and a kernel's
  # division by zero reported at its op.
  d="$w/barrier"
  "$bin/strata-run" "$root/testdata/gpu/barrier.mlir" --entry reference --random-inputs 5 --output-dir "$d" >/dev/null
  echo "== barrier and shuffles"
  "$bin/strata-run" "$root/testdata/gpu/barrier.mlir" --entry reverse --target cuda --pass-pipeline 'builtin.module(canonicalize)' \
    --input "$d/input0.npy" --input "$d/input1.npy" --rtol 0 --atol 0 --compare "$d/output0.npy" 2>&1 | grep -v '^output #'
  python3 -c "import numpy as n; n.save('$w/x.npy', n.arange(1, 33, dtype=n.int32).reshape(4, 8)); y = n.ones((4, 8), n.int32); y[2, 3] = 0; n.save('$w/y.npy', y)"
  echo "== division by zero in a kernel (an error at the op)"
  "$bin/strata-run" "$root/testdata/gpu/ptx.mlir" --entry ints --target cuda --input "$w/x.npy" --input "$w/y.npy"
  echo "exit status $?"
fi
