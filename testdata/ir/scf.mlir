// scf in MLIR 22's custom forms: loops with and without carried values (index and integer
// bounds, `unsigned`), conditionals with and without results and else, while loops,
// parallel nests with reductions, execute_region, index_switch; terminators that carry
// nothing left out where upstream leaves them out; attribute dictionaries in each place.

func.func @loops(%lb: index, %ub: index, %st: index, %x: f32, %i32: i32, %i8: i8) -> (f32, f32) {
  scf.for %i = %lb to %ub step %st {
    %y = arith.addf %x, %x : f32
  }
  %r:2 = scf.for %i = %lb to %ub step %st iter_args(%acc = %x, %b = %x) -> (f32, f32) {
    %y = arith.addf %acc, %x : f32
    scf.for %j = %i to %ub step %st {
      %z = arith.mulf %y, %b : f32
    } {tag = "inner"}
    scf.yield %y, %b : f32, f32
  }
  %r2 = scf.for %i = %i32 to %i32 step %i32 iter_args(%acc = %x) -> (f32) : i32 {
    scf.yield %acc : f32
  }
  scf.for unsigned %i = %i8 to %i8 step %i8 : i8 {
  }
  return %r#0, %r2 : f32, f32
}

func.func @conditionals(%c: i1, %x: f32, %n: i32) -> (f32, i32) {
  scf.if %c {
    %y = arith.addf %x, %x : f32
  }
  scf.if %c {
  } else {
    %y = arith.addf %x, %x : f32
  } {note}
  %z:2 = scf.if %c -> (f32, i32) {
    %w = scf.if %c -> (f32) {
      scf.yield %x : f32
    } else {
      %y = arith.mulf %x, %x : f32
      scf.yield %y : f32
    }
    scf.yield %w, %n : f32, i32
  } else {
    scf.yield %x, %n : f32, i32
  }
  return %z#0, %z#1 : f32, i32
}

func.func @whiles(%c: i1, %x: f32, %n: i32) -> i64 {
  %w:2 = scf.while (%a = %x, %k = %n) : (f32, i32) -> (f32, i32) {
    scf.condition(%c) %a, %k : f32, i32
  } do {
  ^bb0(%a2: f32, %k2: i32):
    scf.yield %a2, %k2 : f32, i32
  }
  scf.while : () -> () {
    scf.condition(%c)
  } do {
    scf.yield
  } attributes {tag = 1 : i64}
  // The values passed on need not be the ones carried in.
  %v = scf.while (%k = %n) : (i32) -> i64 {
    %e = arith.extsi %k : i32 to i64
    scf.condition(%c) %e : i64
  } do {
  ^bb0(%e2: i64):
    %t = arith.trunci %e2 : i64 to i32
    scf.yield %t : i32
  }
  return %v : i64
}

func.func @parallel(%lb: index, %ub: index, %st: index, %x: f32, %n: i32) -> (f32, i32) {
  scf.parallel (%i, %j) = (%lb, %lb) to (%ub, %ub) step (%st, %st) {
    %y = arith.addf %x, %x : f32
  }
  scf.parallel (%i) = (%lb) to (%ub) step (%st) {
    %y = arith.addf %x, %x : f32
    scf.reduce
  } {tag}
  %s:2 = scf.parallel (%i) = (%lb) to (%ub) step (%st) init (%x, %n) -> (f32, i32) {
    scf.reduce(%x, %n : f32, i32) {
    ^bb0(%l: f32, %r: f32):
      %m = arith.addf %l, %r : f32
      scf.reduce.return %m : f32
    }, {
    ^bb0(%l: i32, %r: i32):
      %m = arith.maxsi %l, %r : i32
      scf.reduce.return %m : i32
    }
  }
  %one = scf.parallel (%i) = (%lb) to (%ub) step (%st) init (%x) -> f32 {
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %m = arith.maximumf %l, %r : f32
      scf.reduce.return %m : f32
    }
  }
  return %s#0, %s#1 : f32, i32
}

func.func @regions(%k: index, %c: i1, %x: f32, %n: i32) -> (f32, i32) {
  scf.execute_region {
    scf.yield
  }
  %e = scf.execute_region -> f32 no_inline {
    cf.cond_br %c, ^a, ^b
  ^a:
    scf.yield %x : f32
  ^b:
    %y = arith.addf %x, %x : f32
    scf.yield %y : f32
  } {tag}
  %s:2 = scf.index_switch %k {tag} -> f32, i32
  case -3 {
    scf.yield %x, %n : f32, i32
  }
  case 5 {
    scf.yield %e, %n : f32, i32
  }
  default {
    scf.yield %x, %n : f32, i32
  }
  scf.index_switch %k
  case 1 {
    scf.yield
  }
  default {
  }
  return %s#0, %s#1 : f32, i32
}

// scf.forall over tensors (shared outputs written by tensor.parallel_insert_slice in
// scf.forall.in_parallel) and over memrefs; the `in` form and the bounds form, constants and
// values mixed in each list, two outputs, a nest, no loops at all, a device mapping, and an
// attribute dictionary. A body without shared outputs leaves out its empty terminator.
func.func @forall(%t: tensor<8x?xf32>, %u: tensor<4xi32>, %m: memref<16xf32>, %n: index, %k: index) -> (tensor<8x?xf32>, tensor<4xi32>) {
  %r:2 = scf.forall (%i, %j) in (8, %n) shared_outs(%o = %t, %p = %u) -> (tensor<8x?xf32>, tensor<4xi32>) {
    %s = tensor.extract_slice %o[%i, %j] [1, 1] [1, 1] : tensor<8x?xf32> to tensor<1x1xf32>
    %v = tensor.extract_slice %p[%i] [1] [1] : tensor<4xi32> to tensor<1xi32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i, %j] [1, 1] [1, 1] : tensor<1x1xf32> into tensor<8x?xf32>
      tensor.parallel_insert_slice %v into %p[%k] [1] [%n] : tensor<1xi32> into tensor<4xi32>
    }
  } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
  scf.forall (%i) = (%k) to (16) step (%n) {
    %x = memref.load %m[%i] : memref<16xf32>
    scf.forall (%a, %b) = (0, 1) to (%n, 9) step (2, %k) {
      memref.store %x, %m[%a] : memref<16xf32>
    }
  }
  scf.forall () in () {
  }
  %e = scf.forall (%i) in (4) shared_outs(%o = %u) -> tensor<4xi32> {
  } {tag = "empty"}
  return %r#0, %e : tensor<8x?xf32>, tensor<4xi32>
}
