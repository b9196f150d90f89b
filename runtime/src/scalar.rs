//! Scalar bodies (`kernel.*` regions of `arith` and `math` ops), compiled once into a
//! register program and run per element.

use rustc_hash::FxHashMap;
use strata_ir::{AttrKind, BlockId, Context, Ir, OpId, Value};

use crate::tensor::Elem;
use crate::RuntimeError;

#[derive(Clone, Copy, Debug)]
enum Op {
    Const(f64),
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
    Neg,
    Pow,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Tanh,
    Erf,
    Abs,
    /// `arith.cmpf` with its predicate number.
    Cmp(i64),
    Select,
}

#[derive(Clone, Debug)]
struct Instr {
    op: Op,
    args: [usize; 3],
    elem: Elem,
}

/// A compiled body: registers 0..arity hold the block arguments.
#[derive(Clone, Debug)]
pub struct Program {
    arity: usize,
    code: Vec<Instr>,
    result: usize,
}

fn elem_of(ctx: &Context, ir: &Ir, v: Value) -> Elem {
    Elem::parse(&ctx.type_to_string(ir.value_type(v))).unwrap_or(Elem::F64)
}

impl Program {
    /// Compiles the single block `block`, which ends in `kernel.yield` of one value.
    pub fn compile(ctx: &Context, ir: &Ir, block: BlockId, owner: OpId) -> Result<Program, RuntimeError> {
        let err =
            |m: String| RuntimeError::Unsupported { op: ctx.ident_str(ir.op(owner).name()).to_string(), message: m };
        let mut regs: FxHashMap<Value, usize> = FxHashMap::default();
        let args = ir.block(block).args();
        for (i, a) in args.iter().enumerate() {
            regs.insert(*a, i);
        }
        let mut code = Vec::new();
        let mut result = None;
        for op in ir.block_ops(block) {
            let o = ir.op(op);
            let name = ctx.ident_str(o.name());
            let operand = |k: usize| -> Result<usize, RuntimeError> {
                o.operands()
                    .get(k)
                    .and_then(|v| regs.get(v).copied())
                    .ok_or_else(|| err(format!("{name}: operand {k} is not defined in the body")))
            };
            if name == "kernel.yield" {
                result = Some(operand(0)?);
                break;
            }
            let kind = match name {
                "arith.constant" => {
                    let a = o.attr(ctx.ident("value")).ok_or_else(|| err("arith.constant without value".into()))?;
                    let v = match ctx.attr_kind(a) {
                        AttrKind::Float { bits, .. } => f64::from_bits(*bits),
                        AttrKind::Integer { value, .. } => *value as f64,
                        _ => return Err(err("arith.constant of a non-scalar value".into())),
                    };
                    Op::Const(v)
                }
                "arith.addf" | "arith.addi" => Op::Add,
                "arith.subf" | "arith.subi" => Op::Sub,
                "arith.mulf" | "arith.muli" => Op::Mul,
                "arith.divf" => Op::Div,
                "arith.maximumf" | "arith.maxnumf" => Op::Max,
                "arith.minimumf" | "arith.minnumf" => Op::Min,
                "arith.negf" => Op::Neg,
                "math.powf" => Op::Pow,
                "math.exp" => Op::Exp,
                "math.log" => Op::Log,
                "math.sqrt" => Op::Sqrt,
                "math.rsqrt" => Op::Rsqrt,
                "math.tanh" => Op::Tanh,
                "math.erf" => Op::Erf,
                "math.absf" => Op::Abs,
                "arith.select" => Op::Select,
                "arith.cmpf" => {
                    let p = o.attr(ctx.ident("predicate")).and_then(|a| ctx.attr_as_int(a)).unwrap_or(0);
                    Op::Cmp(p as i64)
                }
                other => return Err(err(format!("the interpreter does not run '{other}' in a kernel body"))),
            };
            let mut a = [0usize; 3];
            for (k, slot) in a.iter_mut().enumerate().take(o.operands().len().min(3)) {
                *slot = operand(k)?;
            }
            let reg = args.len() + code.len();
            let r = o.result(0);
            code.push(Instr { op: kind, args: a, elem: elem_of(ctx, ir, r) });
            regs.insert(r, reg);
        }
        let result = result.ok_or_else(|| err("the body does not end in kernel.yield".into()))?;
        Ok(Program { arity: args.len(), code, result })
    }

    pub fn arity(&self) -> usize {
        self.arity
    }

    /// Runs the body on `inputs`, using `regs` as scratch.
    pub fn run(&self, inputs: &[f64], regs: &mut Vec<f64>) -> f64 {
        regs.clear();
        regs.extend_from_slice(inputs);
        for ins in &self.code {
            let [a, b, c] = ins.args;
            let x = |i: usize| regs[i];
            let v = match ins.op {
                Op::Const(v) => v,
                Op::Add => x(a) + x(b),
                Op::Sub => x(a) - x(b),
                Op::Mul => x(a) * x(b),
                Op::Div => x(a) / x(b),
                Op::Max => maximum(x(a), x(b)),
                Op::Min => -maximum(-x(a), -x(b)),
                Op::Neg => -x(a),
                Op::Pow => x(a).powf(x(b)),
                Op::Exp => x(a).exp(),
                Op::Log => x(a).ln(),
                Op::Sqrt => x(a).sqrt(),
                Op::Rsqrt => 1.0 / x(a).sqrt(),
                Op::Tanh => x(a).tanh(),
                Op::Erf => libm::erf(x(a)),
                Op::Abs => x(a).abs(),
                Op::Cmp(p) => f64::from(compare(p, x(a), x(b))),
                Op::Select => {
                    if x(a) != 0.0 {
                        x(b)
                    } else {
                        x(c)
                    }
                }
            };
            regs.push(ins.elem.round(v));
        }
        regs[self.result]
    }
}

/// IEEE maximum propagating NaN (`arith.maximumf`).
pub fn maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// `arith.cmpf` predicates in value order: false, oeq, ogt, oge, olt, ole, one, ord, ueq,
/// ugt, uge, ult, ule, une, uno, true.
fn compare(p: i64, a: f64, b: f64) -> bool {
    let unordered = a.is_nan() || b.is_nan();
    let ordered = |f: bool| !unordered && f;
    let or_unordered = |f: bool| unordered || f;
    match p {
        1 => ordered(a == b),
        2 => ordered(a > b),
        3 => ordered(a >= b),
        4 => ordered(a < b),
        5 => ordered(a <= b),
        6 => ordered(a != b),
        7 => !unordered,
        8 => or_unordered(a == b),
        9 => or_unordered(a > b),
        10 => or_unordered(a >= b),
        11 => or_unordered(a < b),
        12 => or_unordered(a <= b),
        13 => or_unordered(a != b),
        14 => unordered,
        15 => true,
        _ => false,
    }
}
