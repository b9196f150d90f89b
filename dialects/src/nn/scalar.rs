//! The scalar form of each elementwise `nn` op, as `arith`/`math` ops: what a fused kernel's
//! body and a lowered loop compute per element.

use strata_ir::{Builder, Type, Value};

/// A float constant of type `elem`.
pub fn constant(b: &mut Builder, elem: Type, value: f64) -> Value {
    let attr = b.ctx.float_attr(value, elem);
    b.value("arith.constant", &[], elem, &[("value", attr)])
}

/// Emits elementwise op `name` (`nn.relu` or its scalar name `s.relu`) on scalars `x` of type
/// `elem`, with its float attributes `p` (`alpha`; `min`, `max`).
pub fn emit(b: &mut Builder, name: &str, p: &[f64], x: &[Value], elem: Type) -> Value {
    let t = elem;
    let bin = |b: &mut Builder, op: &str, l: Value, r: Value| b.value(op, &[l, r], t, &[]);
    let un = |b: &mut Builder, op: &str, v: Value| b.value(op, &[v], t, &[]);
    let scalar_name = name.strip_prefix("nn.").map_or(name.to_string(), |n| format!("s.{n}"));
    match scalar_name.as_str() {
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
        "s.exp" => un(b, "math.exp", x[0]),
        "s.log" => un(b, "math.log", x[0]),
        "s.sqrt" => un(b, "math.sqrt", x[0]),
        "s.rsqrt" => un(b, "math.rsqrt", x[0]),
        "s.abs" => un(b, "math.absf", x[0]),
        "s.neg" => un(b, "arith.negf", x[0]),
        other => unreachable!("no scalar form for {other}"),
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
    "nn.silu",
    "nn.exp",
    "nn.log",
    "nn.sqrt",
    "nn.rsqrt",
    "nn.abs",
    "nn.neg",
    "nn.clip",
];
