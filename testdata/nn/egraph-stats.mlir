// --egraph-stats reports sizes, the stop reason, times and costs per function; --egraph-dot
// writes the chosen graph with fused kernels and layouts coloured; limits are pass options.
// RUN: strata-opt %s --egraph-opt --egraph-stats --egraph-dot=%t.dot -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: FileCheck %s --check-prefix=DOT --input-file=%t.dot
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{iter-limit=1 print-stats=true}))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=LIMIT
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{node-limit=10 print-stats=true}))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NODES
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{extraction=ilp print-stats=true}))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ILP
// RUN: strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{extraction=ilp ilp-max-nodes=5 print-stats=true}))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ILPBIG
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{target=riscv}))' 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not strata-opt %s --pass-pipeline='builtin.module(func.func(egraph-opt{rules=fusion,magic}))' 2>&1 | FileCheck %s --check-prefix=FAMILY
// RUN: not strata-opt %s --egraph-opt --egraph-dot=%t.missing/dir/x.dot 2>&1 | FileCheck %s --check-prefix=DOTERR

// STATS: egraph-opt @f: {{[0-9]+}} e-nodes, {{[0-9]+}} e-classes, {{[0-9]+}} iterations, stopped: saturated; saturation {{.*}} ms, total {{.*}} ms; cost {{.*}} ms -> {{.*}} ms ({{.*}}x)
// STATS-NEXT: rules applied most: {{.*}}fuse-epilogue
// ILP: extraction (ilp)
// ILPBIG: extraction (greedy-dag ({{[0-9]+}} e-nodes is over the ILP limit of 5))
// LIMIT: stopped: iteration limit (1)
// NODES: stopped: node limit
// TARGET: bad value for option 'target'
// FAMILY: unknown rule family 'magic'; families are: simplify, fusion, layout, algorithm
// DOTERR: error: cannot write '{{.*}}x.dot'

// DOT: digraph "@f" {
// DOT-DAG: label="kernel.conv2d\n1x16x14x14xf32\nlayout=NCHW algorithm={{.*}}\nfuses: maximumf\n{{[0-9.]+}} us", fillcolor="orange"
// DOT-DAG: label="%arg0\n1x16x14x14xf32", shape=ellipse
// DOT-DAG: label="@f\negraph-opt: estimated {{[0-9.]+}} us as written, {{[0-9.]+}} us as read
func.func @f(%x: tensor<1x16x14x14xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<1x16x14x14xf32> {
  %c = "nn.conv2d"(%x, %w) {padding = [1, 1, 1, 1]} : (tensor<1x16x14x14xf32>, tensor<16x16x3x3xf32>) -> tensor<1x16x14x14xf32>
  %r = "nn.relu"(%c) : (tensor<1x16x14x14xf32>) -> tensor<1x16x14x14xf32>
  return %r : tensor<1x16x14x14xf32>
}
