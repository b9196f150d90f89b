//! `math`: elementary functions on floats and integers, with constant folds.

use strata_ir::dialect::{constraints as tc, Dialect, OpDef, OpView, Trait};
use strata_ir::{Attribute, FoldResult};

use crate::arith::FASTMATH;
use crate::fold_util::{int_width, map1, map2, Scalar};

pub struct Math;

/// The scalar semantics of each unary float op (`None` where no exact folder is provided).
fn unary_float(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "math.absf" => f64::abs,
        "math.acos" => f64::acos,
        "math.acosh" => f64::acosh,
        "math.asin" => f64::asin,
        "math.asinh" => f64::asinh,
        "math.atan" => f64::atan,
        "math.atanh" => f64::atanh,
        "math.cbrt" => f64::cbrt,
        "math.ceil" => f64::ceil,
        "math.cos" => f64::cos,
        "math.cosh" => f64::cosh,
        "math.exp" => f64::exp,
        "math.exp2" => f64::exp2,
        "math.expm1" => f64::exp_m1,
        "math.floor" => f64::floor,
        "math.log" => f64::ln,
        "math.log10" => f64::log10,
        "math.log1p" => f64::ln_1p,
        "math.log2" => f64::log2,
        "math.round" => f64::round,
        "math.roundeven" => f64::round_ties_even,
        "math.rsqrt" => |x| 1.0 / x.sqrt(),
        "math.sin" => f64::sin,
        "math.sinh" => f64::sinh,
        "math.sqrt" => f64::sqrt,
        "math.tan" => f64::tan,
        "math.tanh" => f64::tanh,
        "math.trunc" => f64::trunc,
        _ => return None,
    })
}

const UNARY_FLOAT: &[&str] = &[
    "absf",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cbrt",
    "ceil",
    "cos",
    "cosh",
    "erf",
    "erfc",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "log",
    "log10",
    "log1p",
    "log2",
    "round",
    "roundeven",
    "rsqrt",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "trunc",
];

fn leak(s: String) -> &'static str {
    // Op names live as long as the registry; the dialect is registered once per context.
    Box::leak(s.into_boxed_str())
}

fn fold_unary_float(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let f = unary_float(v.def.name)?;
    map1(v.ctx, c[0]?, v.result_type(0), |a, _| Some(Scalar::Float(f(a.float()?))))
}

fn fold_binary_float(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let f: fn(f64, f64) -> f64 = match v.def.name {
        "math.atan2" => f64::atan2,
        "math.copysign" => f64::copysign,
        "math.powf" => f64::powf,
        _ => return None,
    };
    map2(v.ctx, c[0]?, c[1]?, v.result_type(0), |a, b, _| Some(Scalar::Float(f(a.float()?, b.float()?))))
}

fn fold_int_unary(v: &OpView, c: &[Option<Attribute>]) -> Option<Vec<FoldResult>> {
    let name = v.def.name;
    let ctx = v.ctx;
    map1(ctx, c[0]?, v.result_type(0), |a, k| {
        let w = int_width(ctx, k.elem);
        let u = strata_ir::as_unsigned(a.int()?, w);
        Some(Scalar::Int(match name {
            "math.absi" => strata_ir::wrap_signed(a.int()?.wrapping_abs(), w),
            "math.ctpop" => u.count_ones() as i128,
            "math.ctlz" => (u.leading_zeros() - (128 - w)) as i128,
            "math.cttz" => u.trailing_zeros().min(w) as i128,
            _ => return None,
        }))
    })
}

impl Dialect for Math {
    fn name(&self) -> &'static str {
        "math"
    }
    fn materialize_constant(
        &self,
        ctx: &strata_ir::Context,
        value: strata_ir::Attribute,
        ty: strata_ir::Type,
        loc: strata_ir::Location,
    ) -> Option<strata_ir::OpState> {
        crate::arith::constant_state(ctx, value, ty, loc)
    }
    fn description(&self) -> &'static str {
        "elementary mathematical functions"
    }
    fn operations(&self) -> Vec<OpDef> {
        let mut ops = Vec::new();
        for short in UNARY_FLOAT {
            let name = leak(format!("math.{short}"));
            let mut d = OpDef::new(name)
                .summary("elementwise unary float function")
                .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise])
                .operand("operand", tc::FLOAT_LIKE)
                .result("result", tc::FLOAT_LIKE)
                .optional_attr("fastmath", FASTMATH)
                .format("$operand (`fastmath` `` $fastmath^)? attr-dict `:` type($result)");
            if unary_float(name).is_some() {
                d = d.folder(fold_unary_float);
            }
            ops.push(d);
        }
        for short in ["atan2", "copysign", "powf"] {
            ops.push(
                OpDef::new(leak(format!("math.{short}")))
                    .summary("elementwise binary float function")
                    .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise])
                    .operand("lhs", tc::FLOAT_LIKE)
                    .operand("rhs", tc::FLOAT_LIKE)
                    .result("result", tc::FLOAT_LIKE)
                    .optional_attr("fastmath", FASTMATH)
                    .format("$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($result)")
                    .folder(fold_binary_float),
            );
        }
        ops.push(
            OpDef::new("math.fma")
                .summary("fused multiply-add: a * b + c rounded once")
                .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise])
                .operand("a", tc::FLOAT_LIKE)
                .operand("b", tc::FLOAT_LIKE)
                .operand("c", tc::FLOAT_LIKE)
                .result("result", tc::FLOAT_LIKE)
                .optional_attr("fastmath", FASTMATH)
                .format("$a `,` $b `,` $c (`fastmath` `` $fastmath^)? attr-dict `:` type($result)"),
        );
        for short in ["absi", "ctlz", "cttz", "ctpop"] {
            ops.push(
                OpDef::new(leak(format!("math.{short}")))
                    .summary("elementwise integer function")
                    .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise])
                    .operand("operand", tc::SIGNLESS_INTEGER_LIKE)
                    .result("result", tc::SIGNLESS_INTEGER_LIKE)
                    .format("$operand attr-dict `:` type($result)")
                    .folder(fold_int_unary),
            );
        }
        ops.push(
            OpDef::new("math.ipowi")
                .summary("integer power")
                .traits(&[Trait::Pure, Trait::SameOperandsAndResultType, Trait::Elementwise])
                .operand("lhs", tc::SIGNLESS_INTEGER_LIKE)
                .operand("rhs", tc::SIGNLESS_INTEGER_LIKE)
                .result("result", tc::SIGNLESS_INTEGER_LIKE)
                .format("$lhs `,` $rhs attr-dict `:` type($result)"),
        );
        ops.push(
            OpDef::new("math.fpowi")
                .summary("float raised to an integer power")
                .traits(&[Trait::Pure, Trait::Elementwise])
                .operand("lhs", tc::FLOAT_LIKE)
                .operand("rhs", tc::SIGNLESS_INTEGER_LIKE)
                .result("result", tc::FLOAT_LIKE)
                .optional_attr("fastmath", FASTMATH)
                .all_types_match(&["lhs", "result"])
                .format("$lhs `,` $rhs (`fastmath` `` $fastmath^)? attr-dict `:` type($lhs) `,` type($rhs)"),
        );
        for short in ["isnan", "isinf", "isfinite", "isnormal"] {
            ops.push(
                OpDef::new(leak(format!("math.{short}")))
                    .summary("classifies a float")
                    .traits(&[Trait::Pure, Trait::Elementwise])
                    .operand("operand", tc::FLOAT_LIKE)
                    .result("result", tc::BOOL_LIKE)
                    .optional_attr("fastmath", FASTMATH)
                    .format("$operand (`fastmath` `` $fastmath^)? attr-dict `:` type($operand)")
                    .infer_types(|ctx, input| Ok(vec![ctx.with_element_type(input.operand_types[0], ctx.i1())])),
            );
        }
        ops
    }
}
