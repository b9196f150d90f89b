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
  gpu/cooperate:softmax,layer_norm,conv gpu/ptx:g gpu/contract:odd,conv,strided,grouped,batched \
  gpu/divide:divide; do
  f="$root/testdata/${spec%%:*}.mlir"
  for e in $(echo "${spec#*:}" | tr ',' ' '); do
    d="$w/$(basename "${spec%%:*}")-$e"
    mkdir -p "$d"
    if [ "$e" = divide ]; then
      # Dividends over the whole range (--random-inputs draws small integers), the ends too.
      python3 - "$d" <<'PY'
import sys
import numpy as np
g = np.random.default_rng(3)
for i, (t, n) in enumerate([(np.int64, 1024), (np.int32, 1024)]):
    info = np.iinfo(t)
    v = g.integers(info.min, info.max, size=n, dtype=t, endpoint=True)
    v[:6] = [info.min, info.min + 1, -1, 0, 1, info.max]
    v[6:200] >>= g.integers(0, 8 * v.itemsize - 1, size=194).astype(t)
    np.save(f"{sys.argv[1]}/input{i}.npy", v)
PY
      "$bin/strata-run" "$f" --entry "$e" --input "$d/input0.npy" --input "$d/input1.npy" --output-dir "$d" >/dev/null
    else
      "$bin/strata-run" "$f" --entry "$e" --random-inputs 3 --output-dir "$d" >/dev/null
    fi
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
