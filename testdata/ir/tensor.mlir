// tensor in its custom forms: insert and from_elements, dim, rank, casts, splats of static and
// dynamic sizes, empty tensors with dynamic sizes.

func.func @f(%t: tensor<2x3xf32>, %x: f32, %n: index, %i: index) -> f32 {
  %u = tensor.insert %x into %t[%i, %i] : tensor<2x3xf32>
  %f = tensor.from_elements %x, %x : tensor<2xf32>
  %d = tensor.dim %t, %i : tensor<2x3xf32>
  %c = tensor.cast %t : tensor<2x3xf32> to tensor<?x3xf32>
  %s = tensor.splat %x : tensor<2x3xf32>
  %s2 = tensor.splat %x[%n] : tensor<?x3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %r = tensor.rank %t : tensor<2x3xf32>
  %v = tensor.extract %u[%i, %i] : tensor<2x3xf32>
  return %v : f32
}
