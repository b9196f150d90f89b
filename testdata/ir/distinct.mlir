// `distinct[N]<attr>`: attributes equal only to themselves. `N` pairs the uses within a file;
// printing renumbers in print order, alias definitions (one per distinct attribute that refers
// to something other than `unit`) first. Compared with mlir-opt-22 in tools/tests/it/compat.rs.
"test.op"() {a = distinct[7]<>, b = distinct[7]<>, c = distinct[3]<42 : i32>, d = [distinct[9]<"x">, distinct[3]<42 : i32>]} : () -> ()
"test.op"() {e = distinct[3]<42 : i32>, f = distinct[12]<>, g = distinct[4]<[distinct[7]<>, {k = distinct[5]<unit>}]>} : () -> ()
func.func @uses() attributes {h = distinct[9]<"x">, i = distinct[1000000]<affine_map<(d0) -> (d0 + 1)>>} {
  return
}
