// Affine maps and integer sets as mlir-opt-22 holds and prints them: expressions simplified
// at construction (constants folded, terms merged, `mod` found, operands ordered) and printed
// with MLIR's parentheses and subtractions; set constraints moved to `e >= 0` / `e == 0`.
// Compared with mlir-opt-22 in tools/tests/it/compat.rs.
#set = affine_set<(d0, d1)[s0] : (d0 - 10 >= 0, s0 - d0 - 9 >= 0, d1 == 0)>
func.func @affine() {
  "test.use"() {a = affine_map<(d0)[s0] -> (s0 - d0 - 9, d0 * 2 + 3 * d0, (d0 + 1) * 2, 4 + d0, d0 floordiv 1, d0 mod 1, 2 * 3 + d0, d0 + d0, s0 + d0, d0 - d0)>} : () -> ()
  "test.use"() {a = affine_map<(d0, d1)[s0, s1] -> (d0 - (d0 floordiv 4) * 4, (d0 * 8) floordiv 4, d1 ceildiv -2, -(d0 + d1), s0 * s1, d0 mod s0, (d1 mod 8) mod 4, d0 floordiv s1)>} : () -> ()
  "test.use"() {s = #set, t = affine_set<(d0) : (d0 <= 5, d0 * 2 >= -3, d0 + 1 == 4)>, u = affine_set<() : (0 == 0)>, v = affine_set<(d0)[s0, s1] : (d0 mod 2 == 0, s1 - s0 >= 0)>, w = affine_set<(d0) : ()>} : () -> ()
  "test.use"() : () -> memref<4x8xf32, affine_map<(d0, d1) -> (d1 + d0 * 8)>>
  return
}
