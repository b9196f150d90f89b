#!/usr/bin/env bash
# The graphs of the lit suite on the GPU: each entry run by the interpreter on random inputs,
# then with --target cuda against those outputs (rtol 1e-4, atol 1e-5: sums in other orders,
# fused multiply-adds; integers exactly).
#
#   benches/cuda/graphs.sh BIN_DIR WORK_DIR
set -u
bin=$1
w=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
pass=0
fail=0
for spec in codegen/graphs-compiled:ints,calls,halves,typed,wide_select \
  codegen/onnx-ops:reduce,reduce_ints,halves,smooth,tokens,expand,moves,windows,pads \
  codegen/integers-aarch64:main run/integers:id,plus_one,ops32,sums \
  gpu/cooperate:softmax,layer_norm,conv gpu/ptx:g; do
  f="$root/testdata/${spec%%:*}.mlir"
  for e in $(echo "${spec#*:}" | tr ',' ' '); do
    d="$w/$(basename "${spec%%:*}")-$e"
    mkdir -p "$d"
    "$bin/strata-run" "$f" --entry "$e" --random-inputs 3 --output-dir "$d" >/dev/null
    args=()
    for i in "$d"/input*.npy; do [ -e "$i" ] && args+=(--input "$i"); done
    for o in "$d"/output*.npy; do args+=(--compare "$o"); done
    if out=$("$bin/strata-run" "$f" --entry "$e" --target cuda "${args[@]}" --rtol 1e-4 --atol 1e-5 2>&1); then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL: ${spec%%:*} $e"
      echo "$out" | grep -v '^output #'
    fi
  done
done
echo "$pass passed, $fail failed"
