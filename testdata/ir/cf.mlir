// cf: branches with block arguments, a switch, an assertion; dominance across blocks.
// RUN: strata-opt %s | strata-opt
func.func @branches(%c: i1, %x: i32, %flag: i32) -> i32 {
  cf.assert %c, "c must hold"
  cf.cond_br %c, ^bb1(%x : i32), ^bb2
^bb1(%a: i32):
  cf.br ^bb3(%a, %a : i32, i32)
^bb2:
  cf.switch %flag : i32, [
    default: ^bb3(%x, %x : i32, i32),
    42: ^bb4,
    -7: ^bb3(%flag, %x : i32, i32)
  ]
^bb3(%p: i32, %q: i32):
  %s = arith.addi %p, %q : i32
  cf.br ^bb4
^bb4:
  return %x : i32
}
func.func @loop(%n: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  cf.br ^header(%c0 : index)
^header(%i: index):
  %done = arith.cmpi sge, %i, %n : index
  cf.cond_br %done, ^exit, ^body
^body:
  %next = arith.addi %i, %c1 : index
  cf.br ^header(%next : index)
^exit:
  return %i : index
}
