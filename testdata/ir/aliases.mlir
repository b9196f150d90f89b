// Alias definitions; the printer makes its own aliases for affine maps and long repeated
// dialect types and attributes.
// RUN: strata-opt --allow-unregistered-dialect %s | strata-opt --allow-unregistered-dialect
#map0 = affine_map<(d0) -> (d0)>
!vec = vector<4xf32>
#attr = {key = [1, 2, 3]}
!fn = (i32) -> !vec
#long = #xt.a_rather_long_attribute_name<with_parameters = [1, 2, 3, 4]>
"xt.alias"() {m = #map0, a = #attr, t = !fn, l = #long} : () -> !vec
"xt.long_types"() {l = #long} : () -> (!xt.some_really_long_type_name<with, many, parameters>, !xt.some_really_long_type_name<with, many, parameters>)
"xt.memref_map"() : () -> memref<4xf32, #map0>
