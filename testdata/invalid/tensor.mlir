// tensor: sizes and casts upstream rejects, rejected here too (mlir-opt-22 rejects every piece
// as well: the compatibility suite checks it).
// RUN: strata-opt --split-input-file --verify-diagnostics %s

func.func @empty_sizes(%n: index) {
  // expected-error@+1 {{'tensor.empty' op incorrect number of dynamic sizes, has 2, expected 1}}
  %e = tensor.empty(%n, %n) : tensor<?x3xf32>
  return
}

// -----

func.func @cast_rank(%t: tensor<2x3xf32>) {
  // expected-error@+1 {{'tensor.cast' op operand type 'tensor<2x3xf32>' and result type 'tensor<?xf32>' are cast incompatible}}
  %c = tensor.cast %t : tensor<2x3xf32> to tensor<?xf32>
  return
}

// -----

func.func @splat_sizes(%x: f32) {
  // expected-error@+1 {{'tensor.splat' op incorrect number of dynamic sizes, has 0, expected 1}}
  %s = tensor.splat %x : tensor<?x3xf32>
  return
}

// -----

func.func @from_elements_count(%x: f32) {
  // expected-error@+1 {{'tensor.from_elements' op 1 elements for a tensor of 2}}
  %f = "tensor.from_elements"(%x) : (f32) -> tensor<2xf32>
  return
}

// -----

func.func @parallel_insert_slice_outside(%t: tensor<8xf32>, %u: tensor<1xf32>) {
  // expected-error@+1 {{expected InParallelOpInterface parent, got:}}
  tensor.parallel_insert_slice %u into %t[0] [1] [1] : tensor<1xf32> into tensor<8xf32>
  return
}

// -----

func.func @parallel_insert_slice_window(%t: tensor<8xf32>, %u: tensor<2xf32>) {
  %r = scf.forall (%i) in (8) shared_outs(%o = %t) -> (tensor<8xf32>) {
    scf.forall.in_parallel {
      // expected-error@+1 {{expected type to be 'tensor<1xf32>' or a rank-reduced version. (size mismatch)}}
      tensor.parallel_insert_slice %u into %o[%i] [1] [1] : tensor<2xf32> into tensor<8xf32>
    }
  }
  return
}
