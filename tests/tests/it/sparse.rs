//! `sparse<indices, values>` constants run as the `dense` literal of the same elements: random
//! shapes, element types and indices (repeated ones included: the later value is kept, as MLIR
//! reads them), written out as a dense list by this test, not by the code under test; and the
//! printed form parses back to the same attribute.

use proptest::prelude::*;
use strata_ir::{parse_source, print_module, AttrKind, Context, ParseOptions, PrintOptions};
use strata_runtime::run_function;

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// `shape` as nested lists of `values` (row-major).
fn nested(shape: &[usize], values: &[String]) -> String {
    match shape {
        [] => values[0].clone(),
        [n, rest @ ..] => {
            let stride = values.len() / n;
            let items: Vec<String> = (0..*n).map(|i| nested(rest, &values[i * stride..(i + 1) * stride])).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn sparse_constants_run_as_their_dense_equivalent(
        shape in proptest::collection::vec(1usize..5, 1..4),
        element in prop::sample::select(&["i8", "i32", "i64", "f32", "f64", "f16"][..]),
        picks in proptest::collection::vec((0usize..1000, -100i32..100), 1..12),
    ) {
        let ctx = context();
        let count: usize = shape.iter().product();
        let is_float = element.starts_with('f');
        let literal = |v: i32| if is_float { format!("{}.5", v) } else { v.to_string() };
        let zero = if is_float { "0.0" } else { "0" };
        let strides: Vec<usize> = (0..shape.len()).map(|d| shape[d + 1..].iter().product()).collect();
        let mut dense = vec![zero.to_string(); count];
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for (flat, v) in &picks {
            let flat = flat % count;
            let index: Vec<String> = strides.iter().zip(&shape).map(|(s, d)| (flat / s % d).to_string()).collect();
            indices.push(format!("[{}]", index.join(", ")));
            values.push(literal(*v));
            dense[flat] = literal(*v);
        }
        let dims: String = shape.iter().map(|d| format!("{d}x")).collect();
        let ty = format!("tensor<{dims}{element}>");
        let sparse = format!("sparse<[{}], [{}]> : {ty}", indices.join(", "), values.join(", "));
        let dense = format!("dense<{}> : {ty}", nested(&shape, &dense));
        let text = format!(
            "func.func @sparse() -> {ty} {{\n  %c = arith.constant {sparse}\n  return %c : {ty}\n}}\n\
             func.func @dense() -> {ty} {{\n  %c = arith.constant {dense}\n  return %c : {ty}\n}}\n"
        );
        let m = parse_source(&ctx, "sparse.mlir", &text, &ParseOptions::default())
            .unwrap_or_else(|d| panic!("{}\n{text}", d.message));
        let funcs = strata_runtime::functions(&ctx, &m.ir, m.root);
        let got = run_function(&ctx, &m.ir, funcs[0].1, vec![]).unwrap();
        let want = run_function(&ctx, &m.ir, funcs[1].1, vec![]).unwrap();
        prop_assert!(got[0].same(&want[0]), "{sparse}\nran as\n{:?}\nnot\n{:?}", got[0], want[0]);
        // Printed and read back: the same attribute.
        let printed = print_module(&ctx, &m, &PrintOptions::default());
        let again = parse_source(&ctx, "again.mlir", &printed, &ParseOptions::default())
            .unwrap_or_else(|d| panic!("{}\n{printed}", d.message));
        let constant = |m: &strata_ir::Module| {
            m.ir.collect_ops(m.root).into_iter().find_map(|op| {
                let a = m.ir.op(op).attr(ctx.ident("value"))?;
                matches!(ctx.attr_kind(a), AttrKind::Sparse { .. }).then_some(a)
            })
        };
        prop_assert_eq!(constant(&again), constant(&m), "{}", printed);
    }
}
