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
