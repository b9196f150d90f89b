//! The scalar form of each elementwise `nn` op, as `arith`/`math` ops: what a fused kernel's
//! body and a lowered loop compute per element, for every element type the op allows (floats;
//! integers for the arithmetic binaries, `nn.cast`, `nn.compare` and `nn.select`).

use strata_ir::{Builder, Type, TypeKind, Value};

/// A constant of scalar type `elem` holding `value` (truncated toward zero for an integer type).
pub fn constant(b: &mut Builder, elem: Type, value: f64) -> Value {
    let attr =
        if b.ctx.is_float(elem) { b.ctx.float_attr(value, elem) } else { b.ctx.integer_attr(value as i128, elem) };
    b.value("arith.constant", &[], elem, &[("value", attr)])
}

/// The integer width of `t` (`index` is 64), or `None` for a float.
fn int_width(b: &Builder, t: Type) -> Option<u32> {
    match b.ctx.type_kind(t) {
        TypeKind::Integer { width, .. } => Some(*width),
        TypeKind::Index => Some(64),
        _ => None,
    }
}

/// The integer form of the elementwise ops that have one (`nn.add` or `s.add`): MLIR's
/// wrapping arithmetic, signed division (by zero undefined: a run-time error on every target)
/// and signed extrema.
pub fn integer_form(name: &str) -> Option<&'static str> {
    Some(match name.strip_prefix("nn.").or_else(|| name.strip_prefix("s.")).unwrap_or(name) {
        "add" => "arith.addi",
        "sub" => "arith.subi",
        "mul" => "arith.muli",
        "div" => "arith.divsi",
        "max" => "arith.maxsi",
        "min" => "arith.minsi",
        _ => return None,
    })
}

/// Whether [`emit`] has a form of `name` for element type `elem`.
pub fn has_form(ctx: &strata_ir::Context, name: &str, elem: Type) -> bool {
    ctx.is_float(elem) || integer_form(name).is_some()
}

/// Emits elementwise op `name` (`nn.relu` or its scalar name `s.relu`) on scalars `x` of type
/// `elem`, with its float attributes `p` (`alpha`; `min`, `max`). An op that has no form for
/// `elem` (a float op on integers) is an error, never ill-typed IR.
pub fn emit(b: &mut Builder, name: &str, p: &[f64], x: &[Value], elem: Type) -> Result<Value, String> {
    let t = elem;
    let bin = |b: &mut Builder, op: &str, l: Value, r: Value| b.value(op, &[l, r], t, &[]);
    let un = |b: &mut Builder, op: &str, v: Value| b.value(op, &[v], t, &[]);
    if int_width(b, elem).is_some() {
        let op =
            integer_form(name).ok_or_else(|| format!("'{name}' has no form for {}", b.ctx.type_to_string(elem)))?;
        return Ok(bin(b, op, x[0], x[1]));
    }
    let scalar_name = name.strip_prefix("nn.").map_or(name.to_string(), |n| format!("s.{n}"));
    Ok(match scalar_name.as_str() {
        "s.add" => bin(b, "arith.addf", x[0], x[1]),
        "s.sub" => bin(b, "arith.subf", x[0], x[1]),
        "s.mul" => bin(b, "arith.mulf", x[0], x[1]),
        "s.div" => bin(b, "arith.divf", x[0], x[1]),
        "s.max" => bin(b, "arith.maximumf", x[0], x[1]),
        "s.min" => bin(b, "arith.minimumf", x[0], x[1]),
        "s.pow" => bin(b, "math.powf", x[0], x[1]),
        "s.relu" => {
            let zero = constant(b, elem, 0.0);
            bin(b, "arith.maximumf", x[0], zero)
        }
        "s.relu6" | "s.clip" => {
            let (lo, hi) = if scalar_name == "s.relu6" { (0.0, 6.0) } else { (p[0], p[1]) };
            let (lo, hi) = (constant(b, elem, lo), constant(b, elem, hi));
            let m = bin(b, "arith.maximumf", x[0], lo);
            bin(b, "arith.minimumf", m, hi)
        }
        "s.leaky_relu" => {
            let (zero, alpha) = (constant(b, elem, 0.0), constant(b, elem, p[0]));
            let ogt = b.ctx.i64_attr(2);
            let positive = b.value("arith.cmpf", &[x[0], zero], b.ctx.integer_type(1), &[("predicate", ogt)]);
            let scaled = bin(b, "arith.mulf", x[0], alpha);
            b.value("arith.select", &[positive, x[0], scaled], t, &[])
        }
        "s.sigmoid" | "s.silu" => {
            let one = constant(b, elem, 1.0);
            let n = un(b, "arith.negf", x[0]);
            let e = un(b, "math.exp", n);
            let d = bin(b, "arith.addf", one, e);
            let s = bin(b, "arith.divf", one, d);
            if scalar_name == "s.silu" {
                bin(b, "arith.mulf", x[0], s)
            } else {
                s
            }
        }
        "s.gelu" => {
            let (half, one, r2) =
                (constant(b, elem, 0.5), constant(b, elem, 1.0), constant(b, elem, std::f64::consts::FRAC_1_SQRT_2));
            let scaled = bin(b, "arith.mulf", x[0], r2);
            let e = un(b, "math.erf", scaled);
            let sum = bin(b, "arith.addf", one, e);
            let h = bin(b, "arith.mulf", x[0], half);
            bin(b, "arith.mulf", h, sum)
        }
        "s.tanh" => un(b, "math.tanh", x[0]),
        "s.erf" => un(b, "math.erf", x[0]),
        "s.exp" => un(b, "math.exp", x[0]),
        "s.log" => un(b, "math.log", x[0]),
        "s.sqrt" => un(b, "math.sqrt", x[0]),
        "s.rsqrt" => un(b, "math.rsqrt", x[0]),
        "s.abs" => un(b, "math.absf", x[0]),
        "s.neg" => un(b, "arith.negf", x[0]),
        other => return Err(format!("'{other}' is not an elementwise op")),
    })
}

/// The `arith.cmpi` (integers, signed) or `arith.cmpf` (floats: ordered, but `ne` unordered,
/// so NaN != x holds) predicate number of `nn.compare`'s `predicate`.
pub fn compare_predicate(predicate: &str, float: bool) -> Option<i64> {
    Some(match (predicate, float) {
        ("eq", false) => 0,
        ("ne", false) => 1,
        ("lt", false) => 2,
        ("le", false) => 3,
        ("gt", false) => 4,
        ("ge", false) => 5,
        ("eq", true) => 1,
        ("gt", true) => 2,
        ("ge", true) => 3,
        ("lt", true) => 4,
        ("le", true) => 5,
        ("ne", true) => 13,
        _ => return None,
    })
}

/// `nn.compare` of scalars `x` and `y` of type `elem`: an `i1`.
pub fn emit_compare(b: &mut Builder, predicate: &str, x: Value, y: Value, elem: Type) -> Result<Value, String> {
    let float = int_width(b, elem).is_none();
    let p = compare_predicate(predicate, float).ok_or_else(|| format!("unknown predicate '{predicate}'"))?;
    let op = if float { "arith.cmpf" } else { "arith.cmpi" };
    let attr = b.ctx.i64_attr(p);
    Ok(b.value(op, &[x, y], b.ctx.i1(), &[("predicate", attr)]))
}

/// `nn.cast` of scalar `x` from type `from` to `to`: floats rounded (`extf`/`truncf`, through
/// f32 between f16 and bf16), floats to integers with `fptosi` (saturating where compiled),
/// integers with `sitofp`, `extsi` or `trunci`; to i1 as `x != 0` (NaN too), from i1 as 0 or 1.
pub fn emit_cast(b: &mut Builder, x: Value, from: Type, to: Type) -> Value {
    if from == to {
        return x;
    }
    let one = |b: &mut Builder, op: &str, v: Value, t: Type| b.value(op, &[v], t, &[]);
    let width = |b: &Builder, t: Type| -> u32 {
        int_width(b, t).unwrap_or_else(|| match b.ctx.type_to_string(t).as_str() {
            "f64" => 64,
            "f32" => 32,
            _ => 16,
        })
    };
    let (fw, tw) = (width(b, from), width(b, to));
    match (int_width(b, from), int_width(b, to)) {
        (_, Some(1)) => {
            let zero = constant(b, from, 0.0);
            emit_compare(b, "ne", x, zero, from).expect("ne is a predicate")
        }
        (Some(1), Some(_)) => one(b, "arith.extui", x, to),
        (Some(1), None) => one(b, "arith.uitofp", x, to),
        (Some(_), Some(_)) if tw > fw => one(b, "arith.extsi", x, to),
        (Some(_), Some(_)) => one(b, "arith.trunci", x, to),
        (Some(_), None) => one(b, "arith.sitofp", x, to),
        (None, Some(_)) => one(b, "arith.fptosi", x, to),
        (None, None) if tw > fw => one(b, "arith.extf", x, to),
        (None, None) if tw < fw => one(b, "arith.truncf", x, to),
        (None, None) => {
            // f16 and bf16: no direct conversion in `arith`.
            let f32t = b.ctx.f32_type();
            let wide = one(b, "arith.extf", x, f32t);
            one(b, "arith.truncf", wide, to)
        }
    }
}

/// The elementwise `nn` ops (what [`emit`] computes).
pub const ELEMENTWISE: &[&str] = &[
    "nn.add",
    "nn.sub",
    "nn.mul",
    "nn.div",
    "nn.max",
    "nn.min",
    "nn.pow",
    "nn.relu",
    "nn.relu6",
    "nn.leaky_relu",
    "nn.sigmoid",
    "nn.tanh",
    "nn.gelu",
    "nn.erf",
    "nn.silu",
    "nn.exp",
    "nn.log",
    "nn.sqrt",
    "nn.rsqrt",
    "nn.abs",
    "nn.neg",
    "nn.clip",
];
