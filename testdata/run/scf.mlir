// scf's loops, conditionals and switches in their custom forms, run by the interpreter against
// references computed in plain Python (Inputs/*_expected.npy): `while` (Collatz step counts),
// `if` with results, `index_switch` (negative and missing cases), `execute_region` of several
// blocks, `for` over i8 bounds compared as signed and as unsigned (`scf.for unsigned`; no
// step overflows the type, which upstream's lowering wraps and the interpreter stops at). CI
// runs the same entries through upstream MLIR/LLVM (`--backend llvm`, lowered by
// convert-scf-to-cf) against these files (`.ci/run`).
// RUN: strata-run %s --entry collatz --input %S/Inputs/collatz_in.npy --compare %S/Inputs/collatz_expected.npy | FileCheck %s
// RUN: strata-run %s --entry switch --input %S/Inputs/switch_in.npy --compare %S/Inputs/switch_expected.npy | FileCheck %s
// RUN: strata-run %s --entry loops --input %S/Inputs/loops_in.npy --compare %S/Inputs/loops_expected.npy | FileCheck %s
// CHECK: compare: all 1 outputs match
// The Cranelift backend compiles loops over index bounds only: the others are a clear error.
// RUN: not strata-run %s --entry loops --input %S/Inputs/loops_in.npy --target host 2>&1 | FileCheck %s --check-prefix=HOST
// HOST: error: {{.*}}'scf.for': only loops over index bounds compared as signed are compiled
// The text reads back to itself.
// RUN: strata-opt %s | strata-opt | FileCheck %s --check-prefix=ROUND
// ROUND: scf.while (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) : (i32, i32) -> (i32, i32) {
// ROUND: scf.index_switch %{{.*}} -> i64
// ROUND-NEXT: case -3 {
// ROUND: scf.for unsigned %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (i32)  : i8 {

func.func @collatz(%m: memref<4xi32>) -> memref<4xi32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %out = memref.alloc() : memref<4xi32>
  scf.for %i = %c0 to %c4 step %c1 {
    %n0 = memref.load %m[%i] : memref<4xi32>
    %zero = arith.constant 0 : i32
    %steps:2 = scf.while (%n = %n0, %k = %zero) : (i32, i32) -> (i32, i32) {
      %one = arith.constant 1 : i32
      %more = arith.cmpi ne, %n, %one : i32
      scf.condition(%more) %n, %k : i32, i32
    } do {
    ^bb0(%n: i32, %k: i32):
      %one = arith.constant 1 : i32
      %two = arith.constant 2 : i32
      %three = arith.constant 3 : i32
      %r = arith.remsi %n, %two : i32
      %even = arith.cmpi eq, %r, %zero : i32
      %next = scf.if %even -> (i32) {
        %h = arith.divsi %n, %two : i32
        scf.yield %h : i32
      } else {
        %t = arith.muli %n, %three : i32
        %u = arith.addi %t, %one : i32
        scf.yield %u : i32
      }
      %k1 = arith.addi %k, %one : i32
      scf.yield %next, %k1 : i32, i32
    }
    memref.store %steps#1, %out[%i] : memref<4xi32>
  }
  return %out : memref<4xi32>
}

func.func @switch(%m: memref<6xi64>) -> memref<6xi64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %out = memref.alloc() : memref<6xi64>
  scf.parallel (%i) = (%c0) to (%c6) step (%c1) {
    %x = memref.load %m[%i] : memref<6xi64>
    %k = arith.index_cast %x : i64 to index
    %y = scf.index_switch %k -> i64
    case -3 {
      %zero = arith.constant 0 : i64
      %neg = arith.subi %zero, %x : i64
      scf.yield %neg : i64
    }
    case 0 {
      %ten = arith.constant 10 : i64
      %p = arith.muli %x, %ten : i64
      scf.yield %p : i64
    }
    case 2 {
      // Several blocks where one op is allowed.
      %s = scf.execute_region -> i64 {
        %hundred = arith.constant 100 : i64
        %pos = arith.cmpi sgt, %x, %hundred : i64
        cf.cond_br %pos, ^big, ^small
      ^big:
        scf.yield %x : i64
      ^small:
        %q = arith.addi %x, %hundred : i64
        scf.yield %q : i64
      }
      scf.yield %s : i64
    }
    default {
      %seven = arith.constant 7 : i64
      scf.yield %seven : i64
    }
    memref.store %y, %out[%i] : memref<6xi64>
  }
  return %out : memref<6xi64>
}

// Row r of the input is (lb, ub, step) as i8; the output's row r counts the trips compared
// as unsigned, then as signed.
func.func @loops(%m: memref<4x3xi8>) -> memref<4x2xi32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %out = memref.alloc() : memref<4x2xi32>
  scf.for %r = %c0 to %c4 step %c1 {
    %lb = memref.load %m[%r, %c0] : memref<4x3xi8>
    %ub = memref.load %m[%r, %c1] : memref<4x3xi8>
    %st = memref.load %m[%r, %c2] : memref<4x3xi8>
    %zero = arith.constant 0 : i32
    %one = arith.constant 1 : i32
    %u = scf.for unsigned %i = %lb to %ub step %st iter_args(%n = %zero) -> (i32) : i8 {
      %n1 = arith.addi %n, %one : i32
      scf.yield %n1 : i32
    }
    %s = scf.for %i = %lb to %ub step %st iter_args(%n = %zero) -> (i32) : i8 {
      %n1 = arith.addi %n, %one : i32
      scf.yield %n1 : i32
    }
    memref.store %u, %out[%r, %c0] : memref<4x2xi32>
    memref.store %s, %out[%r, %c1] : memref<4x2xi32>
  }
  return %out : memref<4x2xi32>
}
