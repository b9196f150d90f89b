//! `arith`: integer and floating-point arithmetic, comparisons, casts and constants, with
//! folds. Names, operands, attributes and custom forms follow upstream MLIR.

use std::fmt;

use strata_ir::dialect::{
    constraints as tc, AttrConstraint, AttrSyntax, Dialect, InferInput, OpDef, OpView, Trait, TypeConstraint,
};
use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{
    as_unsigned, wrap_signed, AttrKind, Attribute, Context, Diagnostic, FoldResult, Ir, Location, OpId, OpState,
    Signedness, Type, TypeKind,
};

use crate::fold_util::{decode, int_width, is_splat_of, map1, map2, Scalar};

pub struct Arith;

/// `arith.cmpi` predicates, in value order.
pub const CMPI_PREDICATES: &[&str] = &["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"];
/// `arith.cmpf` predicates, in value order.
pub const CMPF_PREDICATES: &[&str] = &[
    "false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true",
];

/// `#arith.fastmath<...>`, written `fastmath<...>` in custom forms.
pub const FASTMATH: AttrConstraint = AttrConstraint {
    description: "fastmath flags (#arith.fastmath<...>)",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::Opaque { text, .. } if text.starts_with("arith.fastmath<")),
    syntax: AttrSyntax::Stripped("arith.fastmath"),
};
/// `#arith.overflow<...>`, written `overflow<...>` in custom forms.
pub const OVERFLOW: AttrConstraint = AttrConstraint {
    description: "integer overflow flags (#arith.overflow<...>)",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::Opaque { text, .. } if text.starts_with("arith.overflow<")),
    syntax: AttrSyntax::Stripped("arith.overflow"),
};
const CMPI_PREDICATE: AttrConstraint = AttrConstraint {
    description: "an arith.cmpi predicate (i64 in [0, 9])",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::Integer { value: 0..=9, .. }),
    syntax: AttrSyntax::IntEnum(CMPI_PREDICATES),
};
const CMPF_PREDICATE: AttrConstraint = AttrConstraint {
    description: "an arith.cmpf predicate (i64 in [0, 15])",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::Integer { value: 0..=15, .. }),
    syntax: AttrSyntax::IntEnum(CMPF_PREDICATES),
};
const TYPED_CONSTANT: AttrConstraint = AttrConstraint {
    description: "an integer, float or elements attribute",
    check: |c, a| {
        matches!(
            c.attr_kind(a),
            AttrKind::Integer { .. }
                | AttrKind::Float { .. }
                | AttrKind::WideFloat { .. }
                | AttrKind::DenseElements { .. }
                | AttrKind::DenseResource { .. }
                | AttrKind::Sparse { .. }
        )
    },
    syntax: AttrSyntax::Full,
};

/// An integer binary op at a width: `None` where MLIR leaves the result undefined (division by
/// zero, signed division overflow, shifts by the width or more).
pub type IntFn = fn(i128, i128, u32) -> Option<i128>;
type FloatFn = fn(f64, f64) -> f64;

fn int_binary(name: &'static str, summary: &'static str, overflow: bool, commutative: bool) -> OpDef {
    let mut d = OpDef::new(name)
        .summary(summary)
        .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise])
        .operand("lhs", tc::SIGNLESS_INTEGER_LIKE)
        .operand("rhs", tc::SIGNLESS_INTEGER_LIKE)
        .result("result", tc::SIGNLESS_INTEGER_LIKE);
    if commutative {
        d = d.traits(&[Trait::Commutative]);
    }
    if overflow {
        d = d
            .optional_attr("overflowFlags", OVERFLOW)
            .format("$lhs `,` $rhs (`overflow` `` $overflowFlags^)? attr-dict `:` type($result)");
    } else {
        d = d.format("$lhs `,` $rhs attr-dict `:` type($result)");
    }
    d.folder(fold_int_binary)
}

fn float_binary(name: &'static str, summary: &'static str, commutative: bool) -> OpDef {
    let mut d = OpDef::new(name)
        .summary(summary)
        .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise])
        .operand("lhs", tc::FLOAT_LIKE)
        .operand("rhs", tc::FLOAT_LIKE)
        .result("result", tc::FLOAT_LIKE)
        .optional_attr("fastmath", FASTMATH)
        .format("$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($result)");
    if commutative {
        d = d.traits(&[Trait::Commutative]);
    }
    d.folder(fold_float_binary)
}

fn cast(name: &'static str, summary: &'static str, from: TypeConstraint, to: TypeConstraint) -> OpDef {
    OpDef::new(name)
        .summary(summary)
        .traits(&[Trait::Pure, Trait::SameOperandsAndResultShape, Trait::Elementwise])
        .operand("in", from)
        .result("out", to)
        .format("$in attr-dict `:` type($in) `to` type($out)")
        .folder(fold_cast)
        .verifier(verify_cast)
}

/// Integer semantics of each binary op, on values sign-extended from `w` bits (`i1`'s true is
/// -1): what folds compute and the interpreter runs.
pub fn int_semantics(name: &str) -> Option<IntFn> {
    Some(match name {
        "arith.addi" => |a, b, _| Some(a.wrapping_add(b)),
        "arith.subi" => |a, b, _| Some(a.wrapping_sub(b)),
        "arith.muli" => |a, b, _| Some(a.wrapping_mul(b)),
        "arith.divsi" => |a, b, w| (b != 0 && !(a == wrap_signed(1 << (w - 1), w) && b == -1)).then(|| a / b),
        "arith.divui" => |a, b, w| (b != 0).then(|| (as_unsigned(a, w) / as_unsigned(b, w)) as i128),
        "arith.ceildivsi" => |a, b, w| {
            if b == 0 || (a == wrap_signed(1 << (w - 1), w) && b == -1) {
                return None;
            }
            let q = a / b;
            Some(if (a % b != 0) && ((a < 0) == (b < 0)) { q + 1 } else { q })
        },
        "arith.ceildivui" => |a, b, w| {
            let (x, y) = (as_unsigned(a, w), as_unsigned(b, w));
            (y != 0).then(|| x.div_ceil(y) as i128)
        },
        "arith.floordivsi" => |a, b, w| {
            if b == 0 || (a == wrap_signed(1 << (w - 1), w) && b == -1) {
                return None;
            }
            let q = a / b;
            Some(if (a % b != 0) && ((a < 0) != (b < 0)) { q - 1 } else { q })
        },
        "arith.remsi" => |a, b, _| (b != 0).then(|| a % b),
        "arith.remui" => |a, b, w| (b != 0).then(|| (as_unsigned(a, w) % as_unsigned(b, w)) as i128),
        "arith.andi" => |a, b, _| Some(a & b),
        "arith.ori" => |a, b, _| Some(a | b),
        "arith.xori" => |a, b, _| Some(a ^ b),
        "arith.shli" => |a, b, w| (as_unsigned(b, w) < w as u128).then(|| a << as_unsigned(b, w)),
        "arith.shrsi" => |a, b, w| (as_unsigned(b, w) < w as u128).then(|| a >> as_unsigned(b, w)),
        "arith.shrui" => {
            |a, b, w| (as_unsigned(b, w) < w as u128).then(|| (as_unsigned(a, w) >> as_unsigned(b, w)) as i128)
        }
        "arith.maxsi" => |a, b, _| Some(a.max(b)),
        "arith.minsi" => |a, b, _| Some(a.min(b)),
        "arith.maxui" => |a, b, w| Some(if as_unsigned(a, w) >= as_unsigned(b, w) { a } else { b }),
        "arith.minui" => |a, b, w| Some(if as_unsigned(a, w) <= as_unsigned(b, w) { a } else { b }),
        _ => return None,
    })
}

/// IEEE 754-2019 `maximum`: NaN if either is NaN, and +0 above -0.
pub fn ieee_maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        // Equal values differ at most in the sign of zero.
        if a.is_sign_negative() {
            b
        } else {
            a
        }
    } else {
        a.max(b)
    }
}

fn float_semantics(name: &str) -> Option<FloatFn> {
    Some(match name {
        "arith.addf" => |a, b| a + b,
        "arith.subf" => |a, b| a - b,
        "arith.mulf" => |a, b| a * b,
        "arith.divf" => |a, b| a / b,
        "arith.remf" => |a, b| a % b,
        "arith.maximumf" => ieee_maximum,
        "arith.minimumf" => |a, b| -ieee_maximum(-a, -b),
        "arith.maxnumf" => f64::max,
        "arith.minnumf" => f64::min,
        _ => return None,
    })
}

impl Dialect for Arith {
    fn name(&self) -> &'static str {
        "arith"
    }
    fn materialize_constant(&self, ctx: &Context, value: Attribute, ty: Type, loc: Location) -> Option<OpState> {
        constant_state(ctx, value, ty, loc)
    }
    fn description(&self) -> &'static str {
        "integer and floating-point arithmetic"
    }
    fn operations(&self) -> Vec<OpDef> {
        let mut ops = Vec::new();
        for (name, summary, overflow, comm) in [
            ("arith.addi", "integer addition", true, true),
            ("arith.subi", "integer subtraction", true, false),
            ("arith.muli", "integer multiplication", true, true),
            ("arith.shli", "shift left", true, false),
            ("arith.divsi", "signed division rounding toward zero", false, false),
            ("arith.divui", "unsigned division", false, false),
            ("arith.ceildivsi", "signed division rounding up", false, false),
            ("arith.ceildivui", "unsigned division rounding up", false, false),
            ("arith.floordivsi", "signed division rounding down", false, false),
            ("arith.remsi", "signed remainder", false, false),
            ("arith.remui", "unsigned remainder", false, false),
            ("arith.andi", "bitwise and", false, true),
            ("arith.ori", "bitwise or", false, true),
            ("arith.xori", "bitwise xor", false, true),
            ("arith.shrsi", "arithmetic shift right", false, false),
            ("arith.shrui", "logical shift right", false, false),
            ("arith.maxsi", "signed maximum", false, true),
            ("arith.maxui", "unsigned maximum", false, true),
            ("arith.minsi", "signed minimum", false, true),
            ("arith.minui", "unsigned minimum", false, true),
        ] {
            let op = int_binary(name, summary, overflow, comm);
            ops.push(match name {
                "arith.addi" => op.canonicalization(ReassociateConstants { op: "arith.addi" }),
                "arith.muli" => op.canonicalization(ReassociateConstants { op: "arith.muli" }),
                _ => op,
            });
        }
        for (name, summary, comm) in [
            ("arith.addf", "floating-point addition", true),
            ("arith.subf", "floating-point subtraction", false),
            ("arith.mulf", "floating-point multiplication", true),
            ("arith.divf", "floating-point division", false),
            ("arith.remf", "floating-point remainder", false),
            ("arith.maximumf", "maximum, propagating NaN", true),
            ("arith.minimumf", "minimum, propagating NaN", true),
            ("arith.maxnumf", "maximum, ignoring NaN", true),
            ("arith.minnumf", "minimum, ignoring NaN", true),
        ] {
            ops.push(float_binary(name, summary, comm));
        }
        ops.push(
            OpDef::new("arith.negf")
                .summary("floating-point negation")
                .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise, Trait::Involution])
                .operand("operand", tc::FLOAT_LIKE)
                .result("result", tc::FLOAT_LIKE)
                .optional_attr("fastmath", FASTMATH)
                .format("$operand (`fastmath` `` $fastmath^)? attr-dict `:` type($result)")
                .folder(fold_negf),
        );
        ops.push(
            OpDef::new("arith.constant")
                .summary("an integer, float or dense constant")
                .traits(&[Trait::Pure, Trait::ConstantLike])
                .attr("value", TYPED_CONSTANT)
                .result("result", tc::ANY)
                .format("attr-dict $value")
                .infer_types(|ctx, input| {
                    let v = (input.attr)("value").ok_or("requires attribute 'value'")?;
                    ctx.attr_type(v).map(|t| vec![t]).ok_or_else(|| "value must be a typed attribute".to_string())
                })
                .verifier(verify_constant)
                .folder(|v, _| v.attr("value").map(|a| vec![FoldResult::Attr(a)]))
                .result_name(constant_name),
        );
        ops.push(
            OpDef::new("arith.cmpi")
                .summary("integer comparison")
                .traits(&[Trait::Pure, Trait::SameTypeOperands, Trait::Elementwise])
                .attr("predicate", CMPI_PREDICATE)
                .operand("lhs", tc::SIGNLESS_INTEGER_LIKE)
                .operand("rhs", tc::SIGNLESS_INTEGER_LIKE)
                .result("result", tc::BOOL_LIKE)
                .format("$predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs)")
                .infer_types(infer_i1_like)
                .verifier(verify_i1_like_result)
                .folder(fold_cmpi),
        );
        ops.push(
            OpDef::new("arith.cmpf")
                .summary("floating-point comparison")
                .traits(&[Trait::Pure, Trait::SameTypeOperands, Trait::Elementwise])
                .attr("predicate", CMPF_PREDICATE)
                .operand("lhs", tc::FLOAT_LIKE)
                .operand("rhs", tc::FLOAT_LIKE)
                .result("result", tc::BOOL_LIKE)
                .optional_attr("fastmath", FASTMATH)
                .format("$predicate `,` $lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($lhs)")
                .infer_types(infer_i1_like)
                .verifier(verify_i1_like_result)
                .folder(fold_cmpf),
        );
        ops.push(
            OpDef::new("arith.select")
                .summary("chooses between two values by a condition")
                .traits(&[Trait::Pure, Trait::Elementwise])
                .operand("condition", tc::BOOL_LIKE)
                .operand("true_value", tc::ANY)
                .operand("false_value", tc::ANY)
                .result("result", tc::ANY)
                .all_types_match(&["true_value", "false_value", "result"])
                .custom_syntax(parse_select, print_select)
                .verifier(verify_select)
                .folder(fold_select),
        );
        ops.push(
            OpDef::new("arith.addui_extended")
                .summary("unsigned addition returning the sum and an overflow bit")
                .traits(&[Trait::Pure, Trait::Commutative, Trait::Elementwise])
                .operand("lhs", tc::SIGNLESS_INTEGER_LIKE)
                .operand("rhs", tc::SIGNLESS_INTEGER_LIKE)
                .result("sum", tc::SIGNLESS_INTEGER_LIKE)
                .result("overflow", tc::BOOL_LIKE)
                .all_types_match(&["lhs", "rhs", "sum"])
                .format("$lhs `,` $rhs attr-dict `:` type($sum) `,` type($overflow)"),
        );
        for (name, summary) in [
            ("arith.mulsi_extended", "signed multiplication returning the low and high halves"),
            ("arith.mului_extended", "unsigned multiplication returning the low and high halves"),
        ] {
            ops.push(
                OpDef::new(name)
                    .summary(summary)
                    .traits(&[Trait::Pure, Trait::Commutative, Trait::Elementwise])
                    .operand("lhs", tc::SIGNLESS_INTEGER_LIKE)
                    .operand("rhs", tc::SIGNLESS_INTEGER_LIKE)
                    .result("low", tc::SIGNLESS_INTEGER_LIKE)
                    .result("high", tc::SIGNLESS_INTEGER_LIKE)
                    .all_types_match(&["lhs", "rhs", "low", "high"])
                    .format("$lhs `,` $rhs attr-dict `:` type($lhs)"),
            );
        }
        let int_like = tc::SIGNLESS_FIXED_WIDTH_INTEGER_LIKE;
        for (name, summary, from, to) in [
            ("arith.extsi", "sign extension", int_like, int_like),
            ("arith.extui", "zero extension", int_like, int_like),
            ("arith.trunci", "integer truncation", int_like, int_like),
            ("arith.extf", "float extension", tc::FLOAT_LIKE, tc::FLOAT_LIKE),
            ("arith.truncf", "float truncation", tc::FLOAT_LIKE, tc::FLOAT_LIKE),
            ("arith.sitofp", "signed integer to float", int_like, tc::FLOAT_LIKE),
            ("arith.uitofp", "unsigned integer to float", int_like, tc::FLOAT_LIKE),
            ("arith.fptosi", "float to signed integer", tc::FLOAT_LIKE, int_like),
            ("arith.fptoui", "float to unsigned integer", tc::FLOAT_LIKE, int_like),
            (
                "arith.index_cast",
                "index to integer or back, sign-extending",
                tc::SIGNLESS_INTEGER_LIKE,
                tc::SIGNLESS_INTEGER_LIKE,
            ),
            (
                "arith.index_castui",
                "index to integer or back, zero-extending",
                tc::SIGNLESS_INTEGER_LIKE,
                tc::SIGNLESS_INTEGER_LIKE,
            ),
            (
                "arith.bitcast",
                "reinterprets the bits of a value of equal width",
                tc::SIGNLESS_INT_OR_FLOAT_LIKE,
                tc::SIGNLESS_INT_OR_FLOAT_LIKE,
            ),
        ] {
            ops.push(cast(name, summary, from, to));
        }
        ops
    }
}

fn constant_name(ctx: &Context, ir: &Ir, op: OpId) -> Option<String> {
    let v = ir.op(op).attr(ctx.ident("value"))?;
    Some(match ctx.attr_kind(v) {
        AttrKind::Integer { value, ty } => match ctx.type_kind(*ty) {
            TypeKind::Integer { width: 1, .. } => if *value != 0 { "true" } else { "false" }.to_string(),
            TypeKind::Index => format!("c{value}"),
            _ => format!("c{value}_{}", ctx.type_to_string(*ty)),
        },
        _ => "cst".to_string(),
    })
}

fn verify_constant(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let value = v.attr("value").expect("checked by the declared constraint");
    let ty = ctx.attr_type(value);
    if ty != Some(v.result_type(0)) {
        return Err(v.error(format!(
            "value type '{}' must match return type: '{}'",
            ty.map(|t| ctx.type_to_string(t)).unwrap_or_default(),
            ctx.type_to_string(v.result_type(0))
        )));
    }
    if let AttrKind::Integer { ty, .. } = ctx.attr_kind(value) {
        if !ctx.is_signless_integer(*ty) && !ctx.is_index(*ty) {
            return Err(v.error("integer return type must be signless"));
        }
    }
    Ok(())
}

fn infer_i1_like(ctx: &Context, input: &InferInput) -> Result<Vec<Type>, String> {
    let t = input.operand_types.first().ok_or("expected operands")?;
    Ok(vec![ctx.with_element_type(*t, ctx.i1())])
}

fn verify_i1_like_result(v: &OpView) -> Result<(), Diagnostic> {
    let want = v.ctx.with_element_type(v.operand_type(0), v.ctx.i1());
    if v.result_type(0) != want {
        return Err(v.error(format!("result type must be '{}'", v.ctx.type_to_string(want))));
    }
    Ok(())
}

fn verify_cast(v: &OpView) -> Result<(), Diagnostic> {
    let ctx = v.ctx;
    let name = v.def.name;
    let (src, dst) = (v.operand_type(0), v.result_type(0));
    let (es, ed) = (ctx.element_type_or_self(src), ctx.element_type_or_self(dst));
    let (ws, wd) = (ctx.int_or_float_width(es), ctx.int_or_float_width(ed));
    let ok = match name {
        "arith.extsi" | "arith.extui" | "arith.extf" => ws < wd,
        "arith.trunci" | "arith.truncf" => ws > wd,
        "arith.index_cast" | "arith.index_castui" => ctx.is_index(es) != ctx.is_index(ed),
        "arith.bitcast" => ws == wd && ws.is_some(),
        _ => true,
    };
    if !ok {
        return Err(v.error(format!(
            "operand type '{}' and result type '{}' are cast incompatible",
            ctx.type_to_string(src),
            ctx.type_to_string(dst)
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------- folds
fn fold_int_binary(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let ctx = v.ctx;
    let name = v.def.name;
    let (x, y) = (v.operands()[0], v.operands()[1]);
    let same = || Some(vec![FoldResult::Value(x)]);
    let zero_like = |a: Attribute| map1(ctx, a, v.result_type(0), |_, _| Some(Scalar::Int(0)));
    // Identities that need one constant, or none.
    match name {
        "arith.addi" | "arith.subi" | "arith.ori" | "arith.xori" | "arith.shli" | "arith.shrsi" | "arith.shrui"
            if is_splat_of(ctx, c[1], 0.0) =>
        {
            return same()
        }
        "arith.addi" | "arith.ori" | "arith.xori" if is_splat_of(ctx, c[0], 0.0) => {
            return Some(vec![FoldResult::Value(y)])
        }
        "arith.muli" | "arith.divsi" | "arith.divui" if is_splat_of(ctx, c[1], 1.0) => return same(),
        "arith.muli" if is_splat_of(ctx, c[0], 1.0) => return Some(vec![FoldResult::Value(y)]),
        "arith.muli" | "arith.andi" if is_splat_of(ctx, c[1], 0.0) => return zero_like(c[1]?),
        "arith.andi" if is_splat_of(ctx, c[1], -1.0) => return same(),
        "arith.andi" | "arith.ori" | "arith.maxsi" | "arith.minsi" | "arith.maxui" | "arith.minui" if x == y => {
            return same()
        }
        "arith.subi" | "arith.xori" if x == y => {
            let zero = crate::fold_util::encode(ctx, v.result_type(0), vec![Scalar::Int(0)], true)?;
            return Some(vec![FoldResult::Attr(zero)]);
        }
        _ => {}
    }
    if let Some(r) = fold_through_producer(v, name, x, y) {
        return Some(vec![FoldResult::Value(r)]);
    }
    let f = int_semantics(name)?;
    map2(ctx, c[0]?, c[1]?, v.result_type(0), |a, b, k| {
        let w = int_width(ctx, k.elem);
        // Attributes keep i1 as 0 or 1; the semantics take values sign-extended from w bits.
        f(wrap_signed(a.int()?, w), wrap_signed(b.int()?, w), w).map(Scalar::Int)
    })
}

/// The operands of `value`'s defining op when that op is `name`.
fn producer(v: &OpView, value: strata_ir::Value, name: &str) -> Option<(strata_ir::Value, strata_ir::Value)> {
    match v.ir.value(value).def() {
        strata_ir::ValueDef::Result { op, .. } if v.ctx.ident_str(v.ir.op(op).name()) == name => {
            let o = v.ir.op(op);
            (o.operands().len() == 2).then(|| (o.operand(0), o.operand(1)))
        }
        _ => None,
    }
}

/// Folds that look one op up, as MLIR's: `(a - b) + b = a`, `b + (a - b) = a`,
/// `(a + b) - b = a`, `(a + b) - a = b`, `(x ^ a) ^ a = x` (either side, either order) and
/// `a & (a & b) = a & b`.
fn fold_through_producer(v: &OpView, name: &str, x: strata_ir::Value, y: strata_ir::Value) -> Option<strata_ir::Value> {
    match name {
        "arith.addi" => {
            if let Some((a, b)) = producer(v, x, "arith.subi") {
                if b == y {
                    return Some(a);
                }
            }
            let (a, b) = producer(v, y, "arith.subi")?;
            (b == x).then_some(a)
        }
        "arith.subi" => {
            let (a, b) = producer(v, x, "arith.addi")?;
            if y == b {
                Some(a)
            } else {
                (y == a).then_some(b)
            }
        }
        "arith.xori" => {
            for (inner, other) in [(x, y), (y, x)] {
                if let Some((p, q)) = producer(v, inner, "arith.xori") {
                    if q == other {
                        return Some(p);
                    }
                    if p == other {
                        return Some(q);
                    }
                }
            }
            None
        }
        "arith.andi" => {
            for (inner, other) in [(x, y), (y, x)] {
                if let Some((p, q)) = producer(v, inner, "arith.andi") {
                    if other == p || other == q {
                        return Some(inner);
                    }
                }
            }
            None
        }
        _ => None,
    }
}

fn fold_float_binary(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let ctx = v.ctx;
    let name = v.def.name;
    let x = v.operands()[0];
    match name {
        "arith.addf" if is_splat_of(ctx, c[1], -0.0) => return Some(vec![FoldResult::Value(x)]),
        "arith.subf" if is_splat_of(ctx, c[1], 0.0) => return Some(vec![FoldResult::Value(x)]),
        "arith.mulf" | "arith.divf" if is_splat_of(ctx, c[1], 1.0) => return Some(vec![FoldResult::Value(x)]),
        _ => {}
    }
    let f = float_semantics(name)?;
    map2(ctx, c[0]?, c[1]?, v.result_type(0), |a, b, _| Some(Scalar::Float(f(a.float()?, b.float()?))))
}

fn fold_negf(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let ctx = v.ctx;
    let x = v.operands()[0];
    if let strata_ir::ValueDef::Result { op, .. } = v.ir.value(x).def() {
        if ctx.ident_str(v.ir.op(op).name()) == "arith.negf" {
            return Some(vec![FoldResult::Value(v.ir.op(op).operand(0))]);
        }
    }
    map1(ctx, c[0]?, v.result_type(0), |a, _| Some(Scalar::Float(-a.float()?)))
}

/// Evaluates a `cmpi` predicate on values sign-extended from `w` bits.
pub fn cmpi(pred: i128, a: i128, b: i128, w: u32) -> bool {
    let (ua, ub) = (as_unsigned(a, w), as_unsigned(b, w));
    match pred {
        0 => a == b,
        1 => a != b,
        2 => a < b,
        3 => a <= b,
        4 => a > b,
        5 => a >= b,
        6 => ua < ub,
        7 => ua <= ub,
        8 => ua > ub,
        _ => ua >= ub,
    }
}

/// Evaluates a `cmpf` predicate.
pub fn cmpf(pred: i128, a: f64, b: f64) -> bool {
    let unordered = a.is_nan() || b.is_nan();
    match pred {
        0 => false,
        1 => !unordered && a == b,
        2 => !unordered && a > b,
        3 => !unordered && a >= b,
        4 => !unordered && a < b,
        5 => !unordered && a <= b,
        6 => !unordered && a != b,
        7 => !unordered,
        8 => unordered || a == b,
        9 => unordered || a > b,
        10 => unordered || a >= b,
        11 => unordered || a < b,
        12 => unordered || a <= b,
        13 => unordered || a != b,
        14 => unordered,
        _ => true,
    }
}

fn fold_cmpi(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let ctx = v.ctx;
    let pred = ctx.attr_as_int(v.attr("predicate")?)?;
    let (x, y) = (v.operands()[0], v.operands()[1]);
    if x == y {
        let r = matches!(pred, 0 | 3 | 5 | 7 | 9);
        let a = crate::fold_util::encode(ctx, v.result_type(0), vec![Scalar::Int(r as i128)], true)?;
        return Some(vec![FoldResult::Attr(a)]);
    }
    map2(ctx, c[0]?, c[1]?, v.result_type(0), |a, b, k| {
        let w = int_width(ctx, k.elem);
        Some(Scalar::Int(cmpi(pred, wrap_signed(a.int()?, w), wrap_signed(b.int()?, w), w) as i128))
    })
}

fn fold_cmpf(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let ctx = v.ctx;
    let pred = ctx.attr_as_int(v.attr("predicate")?)?;
    map2(ctx, c[0]?, c[1]?, v.result_type(0), |a, b, _| Some(Scalar::Int(cmpf(pred, a.float()?, b.float()?) as i128)))
}

fn fold_select(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let ops = v.operands();
    if ops[1] == ops[2] {
        return Some(vec![FoldResult::Value(ops[1])]);
    }
    let cond = decode(v.ctx, c[0]?)?;
    if !cond.splat {
        return None;
    }
    Some(vec![FoldResult::Value(if cond.values[0].int()? != 0 { ops[1] } else { ops[2] })])
}

fn fold_cast(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let ctx = v.ctx;
    let name = v.def.name;
    let (src, dst) = (v.operand_type(0), v.result_type(0));
    // A cast of a cast back to the original type is the original value.
    if let strata_ir::ValueDef::Result { op, .. } = v.ir.value(v.operands()[0]).def() {
        let inner = ctx.ident_str(v.ir.op(op).name());
        let round_trip = matches!(
            (inner, name),
            ("arith.index_cast", "arith.index_cast")
                | ("arith.index_castui", "arith.index_castui")
                | ("arith.bitcast", "arith.bitcast")
        );
        if round_trip {
            let origin = v.ir.op(op).operand(0);
            if v.ir.value_type(origin) == dst {
                return Some(vec![FoldResult::Value(origin)]);
            }
        }
    }
    let (es, ed) = (ctx.element_type_or_self(src), ctx.element_type_or_self(dst));
    let (ws, wd) = (int_width(ctx, es), int_width(ctx, ed));
    let fkind = |t: Type| match ctx.type_kind(t) {
        TypeKind::Float(k) => Some(*k),
        _ => None,
    };
    map1(ctx, c[0]?, dst, |s, _| {
        Some(match name {
            "arith.extsi" | "arith.index_cast" => Scalar::Int(wrap_signed(s.int()?, ws)),
            "arith.extui" | "arith.index_castui" => Scalar::Int(as_unsigned(s.int()?, ws) as i128),
            "arith.trunci" => Scalar::Int(wrap_signed(s.int()?, wd)),
            "arith.extf" | "arith.truncf" => Scalar::Float(s.float()?),
            "arith.sitofp" => Scalar::Float(wrap_signed(s.int()?, ws) as f64),
            "arith.uitofp" => Scalar::Float(as_unsigned(s.int()?, ws) as f64),
            "arith.fptosi" | "arith.fptoui" => {
                let f = s.float()?.trunc();
                let unsigned = name == "arith.fptoui";
                let (lo, hi) = if unsigned {
                    (0.0, 2f64.powi(wd as i32))
                } else {
                    (-(2f64.powi(wd as i32 - 1)), 2f64.powi(wd as i32 - 1))
                };
                if !(f >= lo && f < hi) {
                    return None;
                }
                Scalar::Int(wrap_signed(f as i128, wd))
            }
            "arith.bitcast" => match (s, fkind(ed)) {
                (Scalar::Int(i), Some(k)) => Scalar::Float(strata_ir::float::from_bits(as_unsigned(i, ws), k)?),
                (Scalar::Float(f), None) => {
                    Scalar::Int(wrap_signed(strata_ir::float::to_bits(f, fkind(es)?)? as i128, wd))
                }
                (s, _) => s,
            },
            _ => return None,
        })
    })
}

// ---------------------------------------------------------------------- select syntax
/// `%r = arith.select %c, %a, %b : T` or `: vector<4xi1>, T` when the condition is shaped.
/// The condition is one `i1`, or an `i1` per element of the result (upstream's
/// `getI1SameShape`).
fn verify_select(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let (cond, result) = (ir.value_type(v.operands()[0]), ir.value_type(v.results()[0]));
    let i1 = ctx.integer_type(1);
    if cond == i1 || cond == ctx.with_element_type(result, i1) {
        return Ok(());
    }
    Err(v.error("failed to verify that condition is signless i1 or has matching shape"))
}

fn parse_select(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let c = p.parse_operand()?;
    p.expect_punct(",")?;
    let a = p.parse_operand()?;
    p.expect_punct(",")?;
    let b = p.parse_operand()?;
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let first = p.parse_type()?;
    let (cond_ty, ty) = if p.parse_optional_punct(",")? { (first, p.parse_type()?) } else { (p.ctx().i1(), first) };
    let operands = vec![p.resolve_operand(&c, cond_ty)?, p.resolve_operand(&a, ty)?, p.resolve_operand(&b, ty)?];
    let pending = p.pending();
    pending.operands = operands;
    pending.result_types = vec![ty];
    pending.attrs = attrs;
    Ok(())
}

fn print_select(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    let ops = ir.op(op).operands().to_vec();
    p.write(" ")?;
    p.print_value_list(&ops)?;
    p.print_attr_dict(op, &[], false)?;
    p.write(" : ")?;
    let cond_ty = ir.value_type(ops[0]);
    if matches!(p.ctx.type_kind(cond_ty), TypeKind::Integer { width: 1, signedness: Signedness::Signless }) {
        p.print_type(ir.value_type(ops[1]))
    } else {
        p.print_type(cond_ty)?;
        p.write(", ")?;
        p.print_type(ir.value_type(ops[1]))
    }
}

/// An `arith.constant` of `value` (an integer, float or dense attribute of type `ty`).
pub fn constant_state(ctx: &Context, value: Attribute, ty: Type, loc: Location) -> Option<OpState> {
    let typed = match ctx.attr_kind(value) {
        AttrKind::Integer { ty: t, .. } | AttrKind::Float { ty: t, .. } | AttrKind::WideFloat { ty: t, .. } => *t == ty,
        AttrKind::DenseElements { ty: t, .. } => *t == ty,
        _ => false,
    };
    typed.then(|| OpState::new(ctx, "arith.constant", loc).attr(ctx, "value", value).results(&[ty]))
}

/// `(x op c1) op c2` to `x op (c1 op c2)` for `addi` and `muli` on scalar integers, as MLIR's
/// `AddIAddConstant` and `MulIMulIConstant`. Overflow flags are dropped: the inner op's
/// may not hold for the combined constant.
struct ReassociateConstants {
    op: &'static str,
}

impl strata_ir::rewrite::RewritePattern for ReassociateConstants {
    fn root(&self) -> Option<&str> {
        Some(self.op)
    }
    fn name(&self) -> &str {
        if self.op == "arith.addi" {
            "AddIAddConstant"
        } else {
            "MulIMulIConstant"
        }
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut strata_ir::rewrite::PatternRewriter<'_>) -> bool {
        let (ctx, ir) = (rw.ctx, rw.ir());
        let ty = ir.value_type(ir.op(op).result(0));
        let TypeKind::Integer { width, .. } = *ctx.type_kind(ty) else { return false };
        let Some(c2) = rw.constant_int(ir.op(op).operand(1)) else { return false };
        let strata_ir::ValueDef::Result { op: inner, .. } = ir.value(ir.op(op).operand(0)).def() else { return false };
        if ctx.ident_str(ir.op(inner).name()) != self.op {
            return false;
        }
        let Some(c1) = rw.constant_int(ir.op(inner).operand(1)) else { return false };
        let x = ir.op(inner).operand(0);
        let combined = if self.op == "arith.addi" { c1.wrapping_add(c2) } else { c1.wrapping_mul(c2) };
        let value = ctx.integer_attr(wrap_signed(combined, width), ty);
        rw.set_insertion_point_before(op);
        let c = rw.op("arith.constant", &[], &[ty], &[("value", value)]);
        let c = rw.ir().op(c).result(0);
        let new = rw.op(self.op, &[x, c], &[ty], &[]);
        let v = rw.ir().op(new).result(0);
        rw.replace_op(op, &[v]);
        true
    }
}
