// Every location form, and location aliases defined after their use as mlir-opt prints them.
// RUN: strata-opt --allow-unregistered-dialect --mlir-print-debuginfo %s | strata-opt --allow-unregistered-dialect --mlir-print-debuginfo
"xt.file"() : () -> () loc("file.mlir":3:4)
"xt.unknown"() : () -> () loc(unknown)
"xt.name"() : () -> () loc("name"("f.mlir":1:2))
"xt.bare_name"() : () -> () loc("just a name")
"xt.callsite"() : () -> () loc(callsite("callee"("a.mlir":1:1) at "b.mlir":2:2))
"xt.fused"() : () -> () loc(fused["a.mlir":1:1, "b"])
"xt.fused_meta"() : () -> () loc(fused<"meta">["a.mlir":1:1])
"xt.region"() ({
^bb0(%arg0: i32 loc("arg.mlir":5:6)):
  "xt.x"() : () -> () loc(#loc)
}) : () -> ()
#loc = loc("alias.mlir":9:9)
"xt.range_same_line"() : () -> () loc("f.mlir":1:2 to :9)
"xt.range_lines"() : () -> () loc("f.mlir":1:2 to 3:4)
"xt.range_point"() : () -> () loc("f.mlir":5:6 to 5:6)
"xt.line_only"() : () -> () loc("f.mlir":7)
// Aliases as mlir-opt-22 numbers them: by nesting depth, then first visit (an op's location
// before its regions, block arguments' where they are printed); those block arguments use
// are defined first, the rest after the top-level op; a map only a deferred location holds
// is deferred with it; locations held as attribute values are aliased too.
"xt.shared"() ({
^bb0(%a: i32 loc(fused["p.mlir":1:1, "q.mlir":2:2]), %b: i32 loc("shared.mlir":1:1)):
  "xt.use"() {where = loc("attr.mlir":4:4)} : () -> () loc("shared.mlir":1:1)
  "xt.meta"() : () -> () loc(fused<affine_map<(d0) -> (d0 + 1)>>["p.mlir":1:1, "deep.mlir":3:3])
  "xt.call"() : () -> () loc(callsite("inner"("deep.mlir":3:3) at callsite("q.mlir":2:2 at "top.mlir":1:1)))
}) : () -> () loc(unknown)
// Fused locations as MLIR builds them: unknown parts dropped, repeats kept once, fused parts
// of the same metadata spliced in, one part alone is itself; a name's unknown child is none.
"xt.fused_repeats"() : () -> () loc(fused["a.mlir":1:1, "a.mlir":1:1, unknown])
"xt.fused_unknown"() : () -> () loc(fused[unknown])
"xt.fused_meta_unknown"() : () -> () loc(fused<"m">[unknown])
"xt.fused_nested"() : () -> () loc(fused<"m">["x":1:1, fused<"m">["y":2:2], fused["z":3:3, "w":4:4]])
"xt.name_unknown"() : () -> () loc("n"(unknown))
