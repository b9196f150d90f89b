//! Scalar bodies (`kernel.*` regions of `arith` and `math` ops), compiled once into a
//! register program and run per element.

use rustc_hash::FxHashMap;
use strata_ir::{AttrKind, BlockId, Context, Ir, OpId, Value};

use crate::tensor::Elem;
use crate::RuntimeError;

/// A scalar `arith`/`math` operation, decoded once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Const(f64),
    Add,
    Sub,
    Mul,
    Div,
    /// Signed and unsigned integer division and remainder (truncating).
    DivS,
    RemS,
    DivU,
    RemU,
    FloorDivS,
    CeilDivS,
    Max,
    Min,
    MaxS,
    MinS,
    Neg,
    Pow,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Tanh,
    Erf,
    Abs,
    And,
    Or,
    Xor,
    Shl,
    ShrS,
    /// `arith.cmpf` with its predicate number.
    Cmp(i64),
    /// `arith.cmpi` with its predicate number.
    CmpI(i64),
    Select,
    /// Casts and conversions: the value, rounded to the result's type.
    Convert,
    /// `arith.fptosi`/`fptoui`: truncation toward zero.
    Truncate,
}

/// The operation `op` computes, if it is a scalar one the interpreter knows.
pub fn decode(ctx: &Context, ir: &Ir, op: OpId) -> Option<Op> {
    let o = ir.op(op);
    Some(match ctx.ident_str(o.name()) {
        "arith.constant" => {
            let a = o.attr(ctx.ident("value"))?;
            match ctx.attr_kind(a) {
                AttrKind::Float { bits, .. } => Op::Const(f64::from_bits(*bits)),
                AttrKind::Integer { value, .. } => Op::Const(*value as f64),
                _ => return None,
            }
        }
        "arith.addf" | "arith.addi" => Op::Add,
        "arith.subf" | "arith.subi" => Op::Sub,
        "arith.mulf" | "arith.muli" => Op::Mul,
        "arith.divf" => Op::Div,
        "arith.divsi" => Op::DivS,
        "arith.remsi" => Op::RemS,
        "arith.divui" => Op::DivU,
        "arith.remui" => Op::RemU,
        "arith.floordivsi" => Op::FloorDivS,
        "arith.ceildivsi" => Op::CeilDivS,
        "arith.maximumf" | "arith.maxnumf" => Op::Max,
        "arith.minimumf" | "arith.minnumf" => Op::Min,
        "arith.maxsi" => Op::MaxS,
        "arith.minsi" => Op::MinS,
        "arith.negf" => Op::Neg,
        "arith.andi" => Op::And,
        "arith.ori" => Op::Or,
        "arith.xori" => Op::Xor,
        "arith.shli" => Op::Shl,
        "arith.shrsi" => Op::ShrS,
        "math.powf" => Op::Pow,
        "math.exp" => Op::Exp,
        "math.log" => Op::Log,
        "math.sqrt" => Op::Sqrt,
        "math.rsqrt" => Op::Rsqrt,
        "math.tanh" => Op::Tanh,
        "math.erf" => Op::Erf,
        "math.absf" => Op::Abs,
        "arith.select" => Op::Select,
        "arith.cmpf" => Op::Cmp(o.attr(ctx.ident("predicate")).and_then(|a| ctx.attr_as_int(a)).unwrap_or(0) as i64),
        "arith.cmpi" => Op::CmpI(o.attr(ctx.ident("predicate")).and_then(|a| ctx.attr_as_int(a)).unwrap_or(0) as i64),
        "arith.index_cast" | "arith.index_castui" | "arith.sitofp" | "arith.uitofp" | "arith.extf" | "arith.truncf"
        | "arith.extsi" | "arith.extui" | "arith.trunci" => Op::Convert,
        "arith.fptosi" | "arith.fptoui" => Op::Truncate,
        _ => return None,
    })
}

/// `op` on `x` (as many operands as it takes), before rounding to the result type.
pub fn apply(op: Op, x: &[f64]) -> f64 {
    let i = |k: usize| x[k] as i64;
    match op {
        Op::Const(v) => v,
        Op::Add => x[0] + x[1],
        Op::Sub => x[0] - x[1],
        Op::Mul => x[0] * x[1],
        Op::Div => x[0] / x[1],
        Op::DivS | Op::DivU => i(0).checked_div(i(1)).unwrap_or(0) as f64,
        Op::RemS | Op::RemU => i(0).checked_rem(i(1)).unwrap_or(0) as f64,
        Op::FloorDivS => (x[0] / x[1]).floor(),
        Op::CeilDivS => (x[0] / x[1]).ceil(),
        Op::Max => maximum(x[0], x[1]),
        Op::Min => -maximum(-x[0], -x[1]),
        Op::MaxS => x[0].max(x[1]),
        Op::MinS => x[0].min(x[1]),
        Op::Neg => -x[0],
        Op::Pow => x[0].powf(x[1]),
        Op::Exp => x[0].exp(),
        Op::Log => x[0].ln(),
        Op::Sqrt => x[0].sqrt(),
        Op::Rsqrt => 1.0 / x[0].sqrt(),
        Op::Tanh => x[0].tanh(),
        Op::Erf => libm::erf(x[0]),
        Op::Abs => x[0].abs(),
        Op::And => (i(0) & i(1)) as f64,
        Op::Or => (i(0) | i(1)) as f64,
        Op::Xor => (i(0) ^ i(1)) as f64,
        Op::Shl => i(0).wrapping_shl(i(1) as u32) as f64,
        Op::ShrS => i(0).wrapping_shr(i(1) as u32) as f64,
        Op::Cmp(p) => f64::from(strata_dialects::arith::cmpf(p as i128, x[0], x[1])),
        Op::CmpI(p) => f64::from(strata_dialects::arith::cmpi(p as i128, x[0] as i128, x[1] as i128, 64)),
        Op::Select => {
            if x[0] != 0.0 {
                x[1]
            } else {
                x[2]
            }
        }
        Op::Convert => x[0],
        Op::Truncate => x[0].trunc(),
    }
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
            let kind = decode(ctx, ir, op)
                .ok_or_else(|| err(format!("the interpreter does not run '{name}' in a kernel body")))?;
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
        let mut args = [0.0; 3];
        for ins in &self.code {
            for (slot, r) in args.iter_mut().zip(ins.args) {
                *slot = regs.get(r).copied().unwrap_or(0.0);
            }
            let v = apply(ins.op, &args);
            regs.push(ins.elem.round(v));
        }
        regs[self.result]
    }
}

/// IEEE maximum propagating NaN (`arith.maximumf`), +0 above -0.
pub fn maximum(a: f64, b: f64) -> f64 {
    strata_dialects::arith::ieee_maximum(a, b)
}
