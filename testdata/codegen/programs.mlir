// End-to-end programs compiled by Cranelift (JIT for the host, and an x86-64 object linked
// with a generated C driver) against the interpreter, on random inputs. Sizes are chosen not
// to be multiples of the vector width (4 lanes), so every vector loop has a scalar tail.
// testdata/codegen/aarch64.mlir runs the same programs under qemu-aarch64.
//
// Tolerances: elementwise math is compared at strata-run's default (rtol 1e-5, atol 1e-6):
// the inline polynomials are within 4 ulp (about 5e-7 relative). Reductions (softmax, layer
// norm, matmul, convolution) sum in another order and with fused multiply-adds, so each output
// may move by a few ulp of the largest partial sum: rtol 1e-4, atol 1e-5.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: strata-run %s --entry math --random-inputs 11 --output-dir %t/math > /dev/null
// RUN: strata-run %s --entry math --input %t/math/input0.npy --target host --compare %t/math/output0.npy | FileCheck %s
// RUN: strata-run %s --entry math --input %t/math/input0.npy --target x86-64 --compare %t/math/output0.npy | FileCheck %s
// RUN: strata-run %s --entry layers --random-inputs 12 --output-dir %t/layers > /dev/null
// RUN: strata-run %s --entry layers --input %t/layers/input0.npy --input %t/layers/input1.npy --target host --rtol 1e-4 --atol 1e-5 --compare %t/layers/output0.npy | FileCheck %s
// RUN: strata-run %s --entry layers --input %t/layers/input0.npy --input %t/layers/input1.npy --target host --threads 1 --rtol 1e-4 --atol 1e-5 --compare %t/layers/output0.npy | FileCheck %s
// RUN: strata-run %s --entry layers --input %t/layers/input0.npy --input %t/layers/input1.npy --target x86-64 --rtol 1e-4 --atol 1e-5 --compare %t/layers/output0.npy | FileCheck %s
// RUN: strata-run %s --entry conv --random-inputs 13 --output-dir %t/conv > /dev/null
// RUN: strata-run %s --entry conv --input %t/conv/input0.npy --target host --rtol 1e-4 --atol 1e-5 --compare %t/conv/output0.npy | FileCheck %s
// RUN: strata-run %s --entry conv --input %t/conv/input0.npy --target x86-64 --rtol 1e-4 --atol 1e-5 --compare %t/conv/output0.npy | FileCheck %s
// RUN: strata-run %s --entry row_max --random-inputs 14 --output-dir %t/row_max > /dev/null
// RUN: strata-run %s --entry row_max --input %t/row_max/input0.npy --target host --compare %t/row_max/output0.npy | FileCheck %s
// RUN: strata-run %s --entry row_max --input %t/row_max/input0.npy --target x86-64 --compare %t/row_max/output0.npy | FileCheck %s
// RUN: strata-run %s --entry collatz --random-inputs 15 --output-dir %t/collatz > /dev/null
// RUN: strata-run %s --entry collatz --input %t/collatz/input0.npy --target host --compare %t/collatz/output0.npy --compare %t/collatz/output1.npy | FileCheck %s --check-prefix=TWO
// RUN: strata-run %s --entry collatz --input %t/collatz/input0.npy --target x86-64 --compare %t/collatz/output0.npy --compare %t/collatz/output1.npy | FileCheck %s --check-prefix=TWO
// CHECK: compare: all 1 outputs match
// TWO: compare: all 2 outputs match

// A function the code generator cannot take is a diagnostic naming it, not a crash.
// RUN: not strata-run %s --entry odd_vector --random-inputs 1 --target host 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not strata-run %s --entry odd_vector --random-inputs 1 --target x86-64 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: in function @odd_vector: 'vector.load': vector<3xf32>: vectors must fill 128-bit registers
// What Cranelift itself rejects (it has no vector integer division) is reported the same way.
// RUN: not strata-run %s --entry vector_divide --random-inputs 1 --target host 2>&1 | FileCheck %s --check-prefix=CRANELIFT
// CRANELIFT: error: in function @vector_divide: Cranelift failed: {{.*}}sdiv.i32x4

// Math functions, each in a range where it is well conditioned, on 5x13 (a tail of 1).
func.func @math(%x: tensor<5x13xf32>) -> tensor<5x13xf32> {
  %e = "nn.exp"(%x) : (tensor<5x13xf32>) -> tensor<5x13xf32>
  %l = "nn.log"(%e) : (tensor<5x13xf32>) -> tensor<5x13xf32>
  %t = "nn.tanh"(%l) : (tensor<5x13xf32>) -> tensor<5x13xf32>
  %s = "nn.sigmoid"(%t) : (tensor<5x13xf32>) -> tensor<5x13xf32>
  %g = "nn.gelu"(%x) : (tensor<5x13xf32>) -> tensor<5x13xf32>
  %a = "nn.add"(%s, %g) : (tensor<5x13xf32>, tensor<5x13xf32>) -> tensor<5x13xf32>
  %q = "nn.sqrt"(%e) : (tensor<5x13xf32>) -> tensor<5x13xf32>
  %r = "nn.mul"(%a, %q) : (tensor<5x13xf32>, tensor<5x13xf32>) -> tensor<5x13xf32>
  return %r : tensor<5x13xf32>
}

// A matmul, softmax and layer norm over rows of 37 (a tail of 1), as in attention.
func.func @layers(%x: tensor<7x13xf32>, %w: tensor<13x37xf32>) -> tensor<7x37xf32> {
  %m = "nn.matmul"(%x, %w) : (tensor<7x13xf32>, tensor<13x37xf32>) -> tensor<7x37xf32>
  %s = "nn.softmax"(%m) {axis = 1 : i64} : (tensor<7x37xf32>) -> tensor<7x37xf32>
  %g = "nn.constant"() {value = dense<1.5> : tensor<37xf32>} : () -> tensor<37xf32>
  %b = "nn.constant"() {value = dense<-0.25> : tensor<37xf32>} : () -> tensor<37xf32>
  %n = "nn.layer_norm"(%s, %g, %b) {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<7x37xf32>, tensor<37xf32>, tensor<37xf32>) -> tensor<7x37xf32>
  return %n : tensor<7x37xf32>
}

// A 3x3 convolution with bias and relu, then max pooling: 3 channels in, 6 out, 11x9 pixels.
func.func @conv(%x: tensor<1x3x11x9xf32>) -> tensor<1x6x5x4xf32> {
  %w = "nn.constant"() {value = dense<0.125> : tensor<6x3x3x3xf32>} : () -> tensor<6x3x3x3xf32>
  %b = "nn.constant"() {value = dense<-0.5> : tensor<6xf32>} : () -> tensor<6xf32>
  %y = "nn.conv2d"(%x, %w, %b) {strides = [1, 1], padding = [1, 1, 1, 1], dilations = [1, 1], groups = 1 : i64} : (tensor<1x3x11x9xf32>, tensor<6x3x3x3xf32>, tensor<6xf32>) -> tensor<1x6x11x9xf32>
  %r = "nn.relu"(%y) : (tensor<1x6x11x9xf32>) -> tensor<1x6x11x9xf32>
  %p = "nn.max_pool2d"(%r) {kernel = [2, 2], strides = [2, 2], padding = [0, 0, 0, 0]} : (tensor<1x6x11x9xf32>) -> tensor<1x6x5x4xf32>
  return %p : tensor<1x6x5x4xf32>
}

// Loops written by hand: scf.for carrying a value, scf.if, a comparison and select.
func.func @row_max(%m: memref<3x10xf32>) -> memref<3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c10 = arith.constant 10 : index
  %low = arith.constant -1.0e30 : f32
  %out = memref.alloc() : memref<3xf32>
  "scf.parallel"(%c0, %c3, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %s = "scf.for"(%c0, %c10, %c1, %low) ({
    ^bb0(%j: index, %acc: f32):
      %x = memref.load %m[%i, %j] : memref<3x10xf32>
      %gt = arith.cmpf ogt, %x, %acc : f32
      %n = arith.select %gt, %x, %acc : f32
      scf.yield %n : f32
    }) : (index, index, index, f32) -> f32
    %neg = arith.cmpf olt, %s, %low : f32
    %v = "scf.if"(%neg) ({
      scf.yield %low : f32
    }, {
      %d = arith.mulf %s, %s : f32
      scf.yield %d : f32
    }) : (i1) -> f32
    memref.store %v, %out[%i] : memref<3xf32>
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return %out : memref<3xf32>
}

// Control flow between blocks on integers: Collatz steps of |n| + 1, with calls from a
// parallel loop.
func.func private @step(%n: i64) -> i64 {
  %c1 = arith.constant 1 : i64
  %c2 = arith.constant 2 : i64
  %c3 = arith.constant 3 : i64
  %r = arith.remsi %n, %c2 : i64
  %odd = arith.cmpi eq, %r, %c1 : i64
  %t = arith.muli %n, %c3 : i64
  %t1 = arith.addi %t, %c1 : i64
  %h = arith.divsi %n, %c2 : i64
  %next = arith.select %odd, %t1, %h : i64
  return %next : i64
}

func.func private @steps(%n0: i64) -> (i64, i64) {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %neg = arith.cmpi slt, %n0, %c0 : i64
  %m = arith.subi %c0, %n0 : i64
  %abs = arith.select %neg, %m, %n0 : i64
  %n = arith.addi %abs, %c1 : i64
  cf.br ^loop(%n, %c0 : i64, i64)
^loop(%k: i64, %steps: i64):
  %done = arith.cmpi sle, %k, %c1 : i64
  cf.cond_br %done, ^exit(%steps : i64), ^body
^body:
  %next = func.call @step(%k) : (i64) -> i64
  %s1 = arith.addi %steps, %c1 : i64
  cf.br ^loop(%next, %s1 : i64, i64)
^exit(%r: i64):
  return %n, %r : i64, i64
}

func.func @collatz(%ns: memref<7xi64>) -> (memref<7xi64>, memref<7xi64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %starts = memref.alloc() : memref<7xi64>
  %counts = memref.alloc() : memref<7xi64>
  "scf.parallel"(%c0, %c7, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    %n = memref.load %ns[%i] : memref<7xi64>
    %s:2 = func.call @steps(%n) : (i64) -> (i64, i64)
    memref.store %s#0, %starts[%i] : memref<7xi64>
    memref.store %s#1, %counts[%i] : memref<7xi64>
    "scf.reduce"() : () -> ()
  }) : (index, index, index) -> ()
  return %starts, %counts : memref<7xi64>, memref<7xi64>
}

func.func @odd_vector(%m: memref<6xf32>) -> memref<6xf32> {
  %c0 = arith.constant 0 : index
  %v = vector.load %m[%c0] : memref<6xf32>, vector<3xf32>
  vector.store %v, %m[%c0] : memref<6xf32>, vector<3xf32>
  return %m : memref<6xf32>
}

func.func @vector_divide(%m: memref<8xi32>) -> memref<8xi32> {
  %c0 = arith.constant 0 : index
  %v = vector.load %m[%c0] : memref<8xi32>, vector<4xi32>
  %q = arith.divsi %v, %v : vector<4xi32>
  vector.store %q, %m[%c0] : memref<8xi32>, vector<4xi32>
  return %m : memref<8xi32>
}
