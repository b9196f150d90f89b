//! A dialect defined outside the workspace's crates, with only the public API: operand,
//! result and attribute constraints, traits, a verifier, a folder, type inference, optional
//! groups, variadic operands, regions and successors in a declarative format, and a custom
//! syntax hook.

use std::fmt;

use strata_ir::dialect::{attr_constraints, constraints, AttrConstraint, AttrSyntax, Dialect, OpDef, OpView, Trait};
use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::*;

struct Shapes;

const SCALE: AttrConstraint = AttrConstraint {
    description: "a positive i64 scale",
    check: |c, a| c.attr_as_int(a).is_some_and(|v| v > 0),
    syntax: AttrSyntax::IntOfWidth(64),
};

impl Dialect for Shapes {
    fn name(&self) -> &'static str {
        "shp"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("shp.scale")
                .summary("multiplies by a constant scale")
                .traits(&[Trait::Pure, Trait::SameOperandsAndResultType])
                .operand("input", constraints::FLOAT_LIKE)
                .result("output", constraints::FLOAT_LIKE)
                .attr("factor", SCALE)
                .optional_attr("exact", attr_constraints::UNIT)
                .format("$input `by` $factor (`exactly` $exact^)? attr-dict `:` type($output)")
                .folder(|v, _| {
                    // Scaling by one is the identity.
                    (v.ctx.attr_as_int(v.attr("factor")?) == Some(1)).then(|| vec![FoldResult::Value(v.operands()[0])])
                }),
            OpDef::new("shp.concat")
                .summary("joins any number of tensors")
                .traits(&[Trait::Pure])
                .variadic_operand("inputs", constraints::ANY)
                .result("output", constraints::ANY)
                .format("`(` $inputs `)` attr-dict `:` functional-type($inputs, $output)")
                .verifier(
                    |v: &OpView| {
                        if v.operands().is_empty() {
                            Err(v.error("needs at least one input"))
                        } else {
                            Ok(())
                        }
                    },
                ),
            OpDef::new("shp.rank")
                .summary("the rank of a tensor, as an index")
                .operand("input", constraints::ANY)
                .result("rank", constraints::INDEX)
                .format("$input attr-dict `:` type($input)")
                .infer_types(|ctx, _| Ok(vec![ctx.index_type()])),
            OpDef::new("shp.loop").summary("a region that yields").region("body", true).format("$body attr-dict"),
            OpDef::new("shp.yield")
                .summary("ends a loop body")
                .traits(&[Trait::Terminator])
                .parent("shp.loop")
                .format("attr-dict"),
            OpDef::new("shp.jump")
                .summary("a branch with a custom syntax")
                .traits(&[Trait::Terminator, Trait::Branch])
                .variadic_operand("args", constraints::ANY)
                .successor("dest")
                .successor_operands(|_, ir, op, _| 0..ir.op(op).operands().len())
                .custom_syntax(parse_jump, print_jump),
        ]
    }
}

/// `shp.jump to ^bb1 with %a : i32`
fn parse_jump(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    p.expect_keyword("to")?;
    let dest = p.parse_successor()?;
    let mut operands = Vec::new();
    if p.parse_optional_keyword("with")? {
        let names = p.parse_operand_list()?;
        p.expect_punct(":")?;
        let types = p.parse_type_list()?;
        for (n, t) in names.iter().zip(types) {
            operands.push(p.resolve_operand(n, t)?);
        }
    }
    let pending = p.pending();
    pending.successors = vec![dest];
    pending.operands = operands;
    Ok(())
}

fn print_jump(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    p.write(" to ")?;
    p.print_block_ref(ir.op(op).successors()[0])?;
    let args = ir.op(op).operands().to_vec();
    if !args.is_empty() {
        p.write(" with ")?;
        p.print_value_list(&args)?;
        p.write(" : ")?;
        let types: Vec<_> = args.iter().map(|v| ir.value_type(*v)).collect();
        p.print_type_list(&types)?;
    }
    Ok(())
}

fn ctx() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx.register_dialect(Shapes).expect("valid dialect");
    ctx
}

const SRC: &str = r#"func.func @f(%x: tensor<4xf32>, %n: i32) -> index {
  %0 = shp.scale %x by 2 : tensor<4xf32>
  %1 = shp.scale %0 by 1 exactly : tensor<4xf32>
  %2 = shp.concat(%0, %1) : (tensor<4xf32>, tensor<4xf32>) -> tensor<8xf32>
  %3 = shp.rank %2 : tensor<8xf32>
  shp.loop {
    shp.yield
  }
  shp.jump to ^bb1 with %n : i32
^bb1(%m: i32):
  return %3 : index
}
"#;

#[test]
fn parses_verifies_and_round_trips() {
    let ctx = ctx();
    let m = parse_source(&ctx, "shp.mlir", SRC, &ParseOptions::default()).unwrap();
    verify(&ctx, &m.ir, m.root).unwrap();
    let custom = print_module(&ctx, &m, &PrintOptions::default());
    assert!(custom.contains("%1 = shp.scale %0 by 1 exactly : tensor<4xf32>"), "{custom}");
    assert!(custom.contains("%3 = shp.rank %2 : tensor<8xf32>"), "{custom}");
    assert!(custom.contains("shp.jump to ^bb1 with %arg1 : i32"), "{custom}");
    let generic = print_module(&ctx, &m, &PrintOptions { generic: true, ..Default::default() });
    assert!(
        generic.contains("\"shp.scale\"(%0) <{exact, factor = 1 : i64}> : (tensor<4xf32>) -> tensor<4xf32>"),
        "{generic}"
    );
    for text in [&custom, &generic] {
        let again = parse_source(&ctx, "again.mlir", text, &ParseOptions::default()).unwrap();
        assert_eq!(print_module(&ctx, &again, &PrintOptions::default()), custom);
    }
}

#[test]
fn declared_constraints_and_verifier_reject_bad_ops() {
    let ctx = ctx();
    let check = |src: &str, message: &str| {
        let m = parse_source(&ctx, "bad.mlir", src, &ParseOptions::default());
        let err = m.and_then(|m| verify(&ctx, &m.ir, m.root)).unwrap_err();
        assert!(err.message.contains(message), "{src}: got '{}', wanted '{message}'", err.message);
    };
    check(
        "func.func @f(%x: i32) {\n  %0 = \"shp.scale\"(%x) {factor = 2} : (i32) -> i32\n  return\n}",
        "operand #0 must be floating-point-like",
    );
    check(
        "func.func @f(%x: f32) {\n  %0 = shp.scale %x by 0 : f32\n  return\n}",
        "attribute 'factor' failed to satisfy constraint: a positive i64 scale",
    );
    check("func.func @f() {\n  %0 = \"shp.concat\"() : () -> i32\n  return\n}", "needs at least one input");
    check("\"shp.yield\"() : () -> ()", "expects parent op 'shp.loop'");
    check(
        "func.func @f() {\n  shp.jump to ^bb1\n^bb1(%a: i32):\n  return\n}",
        "branch has 0 operands for successor #0, but target block has 1",
    );
}

#[test]
fn folder_is_reachable_through_the_op_definition() {
    let ctx = ctx();
    let m = parse_source(&ctx, "f.mlir", SRC, &ParseOptions::default()).unwrap();
    let ops = m.ir.collect_ops(m.root);
    let scale_by_one = ops.iter().copied().filter(|o| ctx.ident_str(m.ir.op(*o).name()) == "shp.scale").nth(1).unwrap();
    let def = ctx.op_def(m.ir.op(scale_by_one).name()).unwrap();
    let view = OpView { ctx: &ctx, ir: &m.ir, op: scale_by_one, def };
    let folded = (def.fold.unwrap())(&view, &[None]).unwrap();
    assert_eq!(folded, vec![FoldResult::Value(m.ir.op(scale_by_one).operand(0))]);
}

#[test]
fn a_bad_format_is_reported_at_registration() {
    struct Broken;
    impl Dialect for Broken {
        fn name(&self) -> &'static str {
            "brk"
        }
        fn operations(&self) -> Vec<OpDef> {
            vec![OpDef::new("brk.op").operand("x", constraints::ANY).format("$y attr-dict")]
        }
    }
    let err = Context::new().register_dialect(Broken).unwrap_err();
    assert!(err.to_string().contains("'$y' names no operand"), "{err}");
}
