// Threads that cooperate: workgroup memory, a barrier and warp shuffles, run by the
// interpreter (each thread of a block on a thread of its own, so the barrier is a real
// rendezvous) against the same result computed by plain loops.
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-run %s --entry reference --random-inputs 5 --output-dir %t > /dev/null
// RUN: strata-run %s --entry reverse --input %t/input0.npy --input %t/input1.npy --rtol 0 --atol 0 --compare %t/output0.npy | FileCheck %s
// CHECK: compare: all 1 outputs match within rtol=0e0 atol=0e0
// The PTX of the kernel: workgroup memory is `.shared`, the barrier `bar.sync`, the
// shuffles `shfl.sync.bfly`.
// RUN: strata-translate %s --target cuda --pass-pipeline='builtin.module(canonicalize)' -o %t/k.ptx
// RUN: FileCheck %s --check-prefix=PTX --input-file %t/k.ptx
// PTX: .shared .align 16 .b8 reverse_workgroup_0[256];
// PTX: st.shared.u32
// PTX: bar.sync 0;
// PTX: ld.shared.u32
// PTX: shfl.sync.bfly.b32
// Without their partners, a barrier and a shuffle are errors, never a hang.
// RUN: not strata-run %s --entry diverge --input %t/input0.npy --input %t/input1.npy 2>&1 | FileCheck %s --check-prefix=DIVERGE
// DIVERGE: threads of a block diverged

module attributes {gpu.container_module} {
  // Each block of 64 reverses its elements through workgroup memory; each warp then adds the
  // reversed values of its 32 lanes with xor shuffles, and each thread stores its value plus
  // that sum.
  func.func @reverse(%x: memref<128xi32>, %out: memref<128xi32>) -> memref<128xi32> {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @k::@reverse blocks in (%c2, %c1, %c1) threads in (%c64, %c1, %c1) args(%x : memref<128xi32>, %out : memref<128xi32>)
    return %out : memref<128xi32>
  }
  // Threads 0-31 of each block skip the barrier: a divergent barrier.
  func.func @diverge(%x: memref<128xi32>, %out: memref<128xi32>) -> memref<128xi32> {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @k::@diverge blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%x : memref<128xi32>, %out : memref<128xi32>)
    return %out : memref<128xi32>
  }
  gpu.module @k {
    gpu.func @reverse(%x: memref<128xi32>, %out: memref<128xi32>) workgroup(%tile : memref<64xi32, #gpu.address_space<workgroup>>) kernel {
      %t = gpu.thread_id x
      %b = gpu.block_id x
      %n = gpu.block_dim x
      %base = arith.muli %b, %n : index
      %i = arith.addi %base, %t : index
      %v = memref.load %x[%i] : memref<128xi32>
      memref.store %v, %tile[%t] : memref<64xi32, #gpu.address_space<workgroup>>
      gpu.barrier
      %c63 = arith.constant 63 : index
      %r = arith.subi %c63, %t : index
      %w = memref.load %tile[%r] : memref<64xi32, #gpu.address_space<workgroup>>
      %width = arith.constant 32 : i32
      %o16 = arith.constant 16 : i32
      %o8 = arith.constant 8 : i32
      %o4 = arith.constant 4 : i32
      %o2 = arith.constant 2 : i32
      %o1 = arith.constant 1 : i32
      %s16:2 = gpu.shuffle xor %w, %o16, %width : i32
      %a16 = arith.addi %w, %s16#0 : i32
      %s8:2 = gpu.shuffle xor %a16, %o8, %width : i32
      %a8 = arith.addi %a16, %s8#0 : i32
      %s4:2 = gpu.shuffle xor %a8, %o4, %width : i32
      %a4 = arith.addi %a8, %s4#0 : i32
      %s2:2 = gpu.shuffle xor %a4, %o2, %width : i32
      %a2 = arith.addi %a4, %s2#0 : i32
      %s1:2 = gpu.shuffle xor %a2, %o1, %width : i32
      %sum = arith.addi %a2, %s1#0 : i32
      %y = arith.addi %w, %sum : i32
      memref.store %y, %out[%i] : memref<128xi32>
      gpu.return
    }
    gpu.func @diverge(%x: memref<128xi32>, %out: memref<128xi32>) kernel {
      %t = gpu.thread_id x
      %c32 = arith.constant 32 : index
      %late = arith.cmpi sge, %t, %c32 : index
      "scf.if"(%late) ({
        gpu.barrier
        scf.yield
      }, {
      }) : (i1) -> ()
      gpu.return
    }
  }
  // The same with loops: out[i] = x[r(i)] + the sum of x[r(j)] over the 32 j of i's warp,
  // where r(i) = 64 (i / 64) + 63 - i % 64.
  func.func @reference(%x: memref<128xi32>, %out: memref<128xi32>) -> memref<128xi32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    %c63 = arith.constant 63 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %zero = arith.constant 0 : i32
    "scf.parallel"(%c0, %c128, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
    ^bb0(%i: index):
      %b = arith.divui %i, %c64 : index
      %t = arith.remui %i, %c64 : index
      %base = arith.muli %b, %c64 : index
      %top = arith.addi %base, %c63 : index
      %r = arith.subi %top, %t : index
      %w = memref.load %x[%r] : memref<128xi32>
      %warp = arith.divui %t, %c32 : index
      %first = arith.muli %warp, %c32 : index
      %sum = "scf.for"(%c0, %c32, %c1, %zero) ({
      ^bb1(%l: index, %acc: i32):
        %tl = arith.addi %first, %l : index
        %rl = arith.subi %top, %tl : index
        %wl = memref.load %x[%rl] : memref<128xi32>
        %next = arith.addi %acc, %wl : i32
        scf.yield %next : i32
      }) : (index, index, index, i32) -> i32
      %y = arith.addi %w, %sum : i32
      memref.store %y, %out[%i] : memref<128xi32>
      "scf.reduce"() : () -> ()
    }) : (index, index, index) -> ()
    return %out : memref<128xi32>
  }
}
