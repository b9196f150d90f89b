// The generic op form: result packs, operands, successors, properties, regions, attributes.
// RUN: strata-opt --allow-unregistered-dialect %s | strata-opt --allow-unregistered-dialect
%0:2 = "xt.pair"() : () -> (i32, f32)
"xt.use"(%0#0, %0#1) : (i32, f32) -> ()
%r, %s:2 = "xt.three"() : () -> (i1, i2, i3)
"xt.use3"(%r, %s#0, %s#1) : (i1, i2, i3) -> ()
"xt.props"() <{p = 1 : i32}> {d = 2 : i32} : () -> ()
"xt.opaque_props"() <[1, 2]> : () -> ()
"xt.regions"() ({
  "xt.inner"() : () -> ()
}, {
^bb0(%a: i32, %b: f32):
  "xt.br"(%a)[^bb1] : (i32) -> ()
^bb1(%c: i32):
  "xt.cond"(%c)[^bb1, ^bb2] : (i32) -> ()
^bb2:
  "xt.ret"(%a, %b) : (i32, f32) -> ()
}, {
}) : () -> ()
// The module body is a graph region: a use may come before its definition.
%late = "xt.later"(%early) : (i32) -> i32
%early = "xt.def"() : () -> i32
"xt.quoted.name"() {"attr with space" = 1 : i32} : () -> ()
