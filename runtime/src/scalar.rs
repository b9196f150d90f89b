//! Scalar semantics: each `arith`/`math` op the interpreter runs, on [`Scalar`]s, as MLIR
//! defines it at every width; and scalar bodies (`kernel.*` regions) compiled once into a
//! register program and run per element.
//!
//! Integers wrap at their width (`addi`, `subi`, `muli`, shifts, casts); `divsi`, `divui`,
//! `remsi`, `remui`, `floordivsi`, `ceildivsi` and `ceildivui` by zero, `divsi`/`floordivsi`/
//! `ceildivsi` of the smallest value by -1, and shifts by the width or more are undefined in
//! MLIR: here they are a [`Fault`], never a made-up value, so the interpreter cannot hide such
//! a bug. `remsi` of the smallest value by -1 is 0. `fptosi`/`fptoui` saturate to the
//! result's range and take NaN to 0, as the compiled targets do (MLIR leaves out-of-range
//! conversions undefined).

use rustc_hash::FxHashMap;
use strata_dialects::arith::{int_semantics, IntFn};
use strata_ir::{AttrKind, BlockId, Context, Ir, OpId, Type, Value};

use crate::tensor::{Elem, Scalar};
use crate::RuntimeError;

/// Why an op produced no value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error("integer division by zero")]
    DivisionByZero,
    #[error("signed division overflow (the smallest i{width} divided by -1)")]
    DivisionOverflow { width: u32 },
    #[error("shift by {amount}, not below the width {width} (poison in MLIR)")]
    ShiftOutOfRange { amount: u64, width: u32 },
    /// Verified IR never hands an op a value of the other kind.
    #[error("expected {0} operands")]
    WrongKind(&'static str),
}

/// A conversion between element types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    /// `extsi`, `index_cast`, `trunci`: the signed value, wrapped to the result.
    Signed,
    /// `extui`, `index_castui`: the unsigned value, wrapped to the result.
    Unsigned,
    SignedToFloat,
    UnsignedToFloat,
    FloatToSigned,
    FloatToUnsigned,
    /// `extf`, `truncf`: rounded to the result type.
    Float,
    /// `bitcast`: the same bits.
    Bits,
}

/// A scalar `arith`/`math` operation, decoded once.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Const(Scalar),
    AddF,
    SubF,
    MulF,
    DivF,
    NegF,
    /// `maximumf`/`minimumf`: NaN if either operand is NaN, +0 above -0.
    MaximumF,
    MinimumF,
    /// `maxnumf`/`minnumf`: the other operand if one is NaN.
    MaxNumF,
    MinNumF,
    Pow,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Tanh,
    Erf,
    AbsF,
    /// `math.fma`: a·b + c rounded once.
    Fma,
    /// An integer binary op (what kind of fault it can have) and its semantics at a width
    /// (`arith::int_semantics`).
    Int(IntOp, IntFn),
    /// `arith.cmpf` with its predicate number.
    CmpF(i64),
    /// `arith.cmpi` with its predicate number.
    CmpI(i64),
    Select,
    Cast(Cast),
}

/// The element types an op computes in: its result's and its first operand's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Types {
    pub result: Elem,
    pub operand: Elem,
}

impl Types {
    pub fn same(e: Elem) -> Types {
        Types { result: e, operand: e }
    }
}

/// What an integer binary op's undefined results are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOp {
    /// Divisions and remainders: by zero, and (signed) the smallest value by -1.
    Division,
    /// Shifts by the width or more.
    Shift,
    /// Always defined (wrapping).
    Total,
}

impl IntOp {
    /// The kind of `arith` integer op `name`.
    pub fn of(name: &str) -> IntOp {
        if name.starts_with("arith.sh") {
            IntOp::Shift
        } else if name.contains("div") || name.contains("rem") {
            IntOp::Division
        } else {
            IntOp::Total
        }
    }
}

/// The operation `op` computes, if it is a scalar one the interpreter knows.
pub fn decode(ctx: &Context, ir: &Ir, op: OpId) -> Option<Op> {
    let o = ir.op(op);
    let name = ctx.ident_str(o.name());
    if let Some(semantics) = int_semantics(name) {
        return Some(Op::Int(IntOp::of(name), semantics));
    }
    let predicate = || o.attr(ctx.ident("predicate")).and_then(|a| ctx.attr_as_int(a)).unwrap_or(0) as i64;
    Some(match name {
        "arith.constant" => {
            let a = o.attr(ctx.ident("value"))?;
            let elem = o.results().first().and_then(|r| elem_of_type(ctx, ir.value_type(*r)))?;
            match ctx.attr_kind(a) {
                AttrKind::Float { bits, .. } => Op::Const(elem.from_f64(f64::from_bits(*bits))),
                AttrKind::Integer { value, .. } => Op::Const(elem.from_int(*value)),
                _ => return None,
            }
        }
        "arith.addf" => Op::AddF,
        "arith.subf" => Op::SubF,
        "arith.mulf" => Op::MulF,
        "arith.divf" => Op::DivF,
        "arith.negf" => Op::NegF,
        "arith.maximumf" => Op::MaximumF,
        "arith.minimumf" => Op::MinimumF,
        "arith.maxnumf" => Op::MaxNumF,
        "arith.minnumf" => Op::MinNumF,
        "math.powf" => Op::Pow,
        "math.exp" => Op::Exp,
        "math.log" => Op::Log,
        "math.sqrt" => Op::Sqrt,
        "math.rsqrt" => Op::Rsqrt,
        "math.tanh" => Op::Tanh,
        "math.erf" => Op::Erf,
        "math.absf" => Op::AbsF,
        "math.fma" | "vector.fma" => Op::Fma,
        "arith.select" => Op::Select,
        "arith.cmpf" => Op::CmpF(predicate()),
        "arith.cmpi" => Op::CmpI(predicate()),
        "arith.extsi" | "arith.index_cast" | "arith.trunci" => Op::Cast(Cast::Signed),
        "arith.extui" | "arith.index_castui" => Op::Cast(Cast::Unsigned),
        "arith.sitofp" => Op::Cast(Cast::SignedToFloat),
        "arith.uitofp" => Op::Cast(Cast::UnsignedToFloat),
        "arith.fptosi" => Op::Cast(Cast::FloatToSigned),
        "arith.fptoui" => Op::Cast(Cast::FloatToUnsigned),
        "arith.extf" | "arith.truncf" => Op::Cast(Cast::Float),
        "arith.bitcast" => Op::Cast(Cast::Bits),
        _ => return None,
    })
}

/// The op that combines two values by `vector`'s combining kind `kind` (`add`, `maxsi`,
/// ...), on floats or on integers.
pub fn combining(kind: &str, float: bool) -> Option<Op> {
    if float {
        return Some(match kind {
            "add" => Op::AddF,
            "mul" => Op::MulF,
            "minnumf" => Op::MinNumF,
            "maxnumf" => Op::MaxNumF,
            "minimumf" => Op::MinimumF,
            "maximumf" => Op::MaximumF,
            _ => return None,
        });
    }
    let name = match kind {
        "add" => "arith.addi",
        "mul" => "arith.muli",
        "minui" => "arith.minui",
        "minsi" => "arith.minsi",
        "maxui" => "arith.maxui",
        "maxsi" => "arith.maxsi",
        "and" => "arith.andi",
        "or" => "arith.ori",
        "xor" => "arith.xori",
        _ => return None,
    };
    Some(Op::Int(IntOp::of(name), int_semantics(name)?))
}

/// The element type of a scalar, vector or shaped type (`index` is `i64`).
pub fn elem_of_type(ctx: &Context, t: Type) -> Option<Elem> {
    // Through a shaped type's elements to their scalars (a memref of vectors holds floats).
    let e = ctx.element_type_or_self(ctx.element_type_or_self(t));
    if ctx.is_index(e) {
        return Some(Elem::Int(64));
    }
    Elem::parse(&ctx.type_to_string(e))
}

fn float(s: Scalar) -> Result<f64, Fault> {
    match s {
        Scalar::Float(x) => Ok(x),
        Scalar::Int(_) => Err(Fault::WrongKind("float")),
    }
}

fn int(s: Scalar) -> Result<i64, Fault> {
    match s {
        Scalar::Int(i) => Ok(i),
        Scalar::Float(_) => Err(Fault::WrongKind("integer")),
    }
}

/// `op` on `x` (as many operands as it takes), its result converted to `t.result`.
pub fn apply(op: Op, t: Types, x: &[Scalar]) -> Result<Scalar, Fault> {
    let f = |k: usize| float(x[k]);
    let out = t.result;
    let real = |v: f64| Ok(Scalar::Float(out.round(v)));
    match op {
        Op::Const(v) => Ok(out.normalize(v)),
        Op::AddF => real(f(0)? + f(1)?),
        Op::SubF => real(f(0)? - f(1)?),
        Op::MulF => real(f(0)? * f(1)?),
        Op::DivF => real(f(0)? / f(1)?),
        Op::NegF => real(-f(0)?),
        Op::MaximumF => real(maximum(f(0)?, f(1)?)),
        Op::MinimumF => real(-maximum(-f(0)?, -f(1)?)),
        Op::MaxNumF => real(f(0)?.max(f(1)?)),
        Op::MinNumF => real(f(0)?.min(f(1)?)),
        Op::Pow => real(f(0)?.powf(f(1)?)),
        Op::Exp => real(f(0)?.exp()),
        Op::Log => real(f(0)?.ln()),
        Op::Sqrt => real(f(0)?.sqrt()),
        Op::Rsqrt => real(1.0 / f(0)?.sqrt()),
        Op::Tanh => real(f(0)?.tanh()),
        Op::Erf => real(libm::erf(f(0)?)),
        Op::AbsF => real(f(0)?.abs()),
        // Rounded once in f32; f16 and bf16 through f64 (a rare double rounding).
        Op::Fma if out == Elem::F32 => real(f64::from((f(0)? as f32).mul_add(f(1)? as f32, f(2)? as f32))),
        Op::Fma => real(f(0)?.mul_add(f(1)?, f(2)?)),
        Op::Int(kind, semantics) => {
            let w = out.width().ok_or(Fault::WrongKind("integer"))?;
            let (a, b) = (out.signed(int(x[0])?), out.signed(int(x[1])?));
            match semantics(a as i128, b as i128, w) {
                Some(v) => Ok(Scalar::Int(out.wrap(v))),
                None => Err(int_fault(kind, out, b)),
            }
        }
        Op::CmpF(p) => Ok(Scalar::Int(i64::from(strata_dialects::arith::cmpf(p as i128, f(0)?, f(1)?)))),
        Op::CmpI(p) => {
            let e = t.operand;
            let w = e.width().ok_or(Fault::WrongKind("integer"))?;
            let (a, b) = (e.signed(int(x[0])?), e.signed(int(x[1])?));
            Ok(Scalar::Int(i64::from(strata_dialects::arith::cmpi(p as i128, a as i128, b as i128, w))))
        }
        Op::Select => Ok(if int(x[0])? != 0 { x[1] } else { x[2] }),
        Op::Cast(c) => cast(c, t, x[0]),
    }
}

/// The fault of an integer op whose semantics gave no value.
fn int_fault(kind: IntOp, t: Elem, rhs: i64) -> Fault {
    let width = t.width().unwrap_or(64);
    if kind == IntOp::Shift {
        Fault::ShiftOutOfRange { amount: t.unsigned(rhs), width }
    } else if rhs == 0 {
        Fault::DivisionByZero
    } else {
        Fault::DivisionOverflow { width }
    }
}

fn cast(c: Cast, t: Types, x: Scalar) -> Result<Scalar, Fault> {
    let (from, to) = (t.operand, t.result);
    Ok(match c {
        Cast::Signed => to.from_int(from.signed(int(x)?) as i128),
        Cast::Unsigned => to.from_int(from.unsigned(int(x)?) as i128),
        Cast::SignedToFloat => to.from_int(from.signed(int(x)?) as i128),
        Cast::UnsignedToFloat => to.from_int(from.unsigned(int(x)?) as i128),
        Cast::FloatToSigned => {
            let (lo, hi) = to.signed_range();
            let v = float(x)?;
            // Saturating, NaN to 0: Rust's `as` on the full range, then the range of `to`.
            Scalar::Int(to.wrap((v as i128).clamp(lo as i128, hi as i128)))
        }
        Cast::FloatToUnsigned => {
            let max = to.unsigned(-1) as i128;
            Scalar::Int(to.wrap((float(x)? as i128).clamp(0, max)))
        }
        Cast::Float => Scalar::Float(to.round(float(x)?)),
        Cast::Bits => {
            let mut bytes = vec![0u8; from.bytes()];
            from.write(x, &mut bytes);
            to.read(&bytes)
        }
    })
}

#[derive(Clone, Debug)]
struct Instr {
    op: Op,
    args: [usize; 3],
    arity: usize,
    types: Types,
    /// The op, for faults.
    source: OpId,
}

/// A compiled body: registers 0..arity hold the block arguments.
#[derive(Clone, Debug)]
pub struct Program {
    arity: usize,
    code: Vec<Instr>,
    result: usize,
}

/// A fault in a body, with the op that raised it.
#[derive(Clone, Debug)]
pub struct BodyFault {
    pub op: OpId,
    pub fault: Fault,
}

fn elem_of(ctx: &Context, ir: &Ir, v: Value) -> Elem {
    elem_of_type(ctx, ir.value_type(v)).unwrap_or(Elem::F64)
}

impl Program {
    /// Compiles the single block `block`, which ends in `kernel.yield` of one value.
    pub fn compile(ctx: &Context, ir: &Ir, block: BlockId, owner: OpId) -> Result<Program, RuntimeError> {
        let err = |op: OpId, m: String| RuntimeError::at(ctx, ir, op, m);
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
                    .ok_or_else(|| err(op, format!("operand {k} is not defined in the body")))
            };
            if name == "kernel.yield" {
                result = Some(operand(0)?);
                break;
            }
            let kind = decode(ctx, ir, op)
                .ok_or_else(|| err(op, format!("the interpreter does not run '{name}' in a kernel body")))?;
            let mut a = [0usize; 3];
            let arity = o.operands().len().min(3);
            for (k, slot) in a.iter_mut().enumerate().take(arity) {
                *slot = operand(k)?;
            }
            let reg = args.len() + code.len();
            let r = o.result(0);
            let operand_elem = o.operands().first().map_or(elem_of(ctx, ir, r), |v| elem_of(ctx, ir, *v));
            let types = Types { result: elem_of(ctx, ir, r), operand: operand_elem };
            code.push(Instr { op: kind, args: a, arity, types, source: op });
            regs.insert(r, reg);
        }
        let result = result.ok_or_else(|| err(owner, "the body does not end in kernel.yield".into()))?;
        Ok(Program { arity: args.len(), code, result })
    }

    pub fn arity(&self) -> usize {
        self.arity
    }

    /// Runs the body on `inputs`, using `regs` as scratch.
    pub fn run(&self, inputs: &[Scalar], regs: &mut Vec<Scalar>) -> Result<Scalar, BodyFault> {
        regs.clear();
        regs.extend_from_slice(inputs);
        let mut args = [Scalar::Int(0); 3];
        for ins in &self.code {
            for (slot, r) in args.iter_mut().zip(ins.args).take(ins.arity) {
                *slot = regs.get(r).copied().unwrap_or(Scalar::Int(0));
            }
            let v =
                apply(ins.op, ins.types, &args[..ins.arity]).map_err(|fault| BodyFault { op: ins.source, fault })?;
            regs.push(v);
        }
        Ok(regs[self.result])
    }
}

/// IEEE maximum propagating NaN (`arith.maximumf`), +0 above -0.
pub fn maximum(a: f64, b: f64) -> f64 {
    strata_dialects::arith::ieee_maximum(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int_op(name: &'static str) -> Op {
        Op::Int(IntOp::of(name), int_semantics(name).unwrap())
    }

    #[test]
    fn faults_instead_of_made_up_values() {
        let i32t = Types::same(Elem::Int(32));
        let min = Scalar::Int(i64::from(i32::MIN));
        assert_eq!(apply(int_op("arith.divsi"), i32t, &[Scalar::Int(7), Scalar::Int(0)]), Err(Fault::DivisionByZero));
        assert_eq!(
            apply(int_op("arith.divsi"), i32t, &[min, Scalar::Int(-1)]),
            Err(Fault::DivisionOverflow { width: 32 })
        );
        assert_eq!(apply(int_op("arith.remsi"), i32t, &[min, Scalar::Int(-1)]), Ok(Scalar::Int(0)));
        assert_eq!(
            apply(int_op("arith.shli"), i32t, &[Scalar::Int(1), Scalar::Int(32)]),
            Err(Fault::ShiftOutOfRange { amount: 32, width: 32 })
        );
        let m = Scalar::Int(i64::from(i32::MAX));
        assert_eq!(apply(int_op("arith.muli"), i32t, &[m, m]), Ok(Scalar::Int(1)));
    }

    #[test]
    fn conversions_saturate_and_keep_bits() {
        let to_i8 = Types { result: Elem::Int(8), operand: Elem::F32 };
        assert_eq!(apply(Op::Cast(Cast::FloatToSigned), to_i8, &[Scalar::Float(300.0)]), Ok(Scalar::Int(127)));
        assert_eq!(apply(Op::Cast(Cast::FloatToSigned), to_i8, &[Scalar::Float(f64::NAN)]), Ok(Scalar::Int(0)));
        assert_eq!(apply(Op::Cast(Cast::FloatToUnsigned), to_i8, &[Scalar::Float(300.0)]), Ok(Scalar::Int(-1)));
        let bits = Types { result: Elem::Int(32), operand: Elem::F32 };
        assert_eq!(apply(Op::Cast(Cast::Bits), bits, &[Scalar::Float(1.0)]), Ok(Scalar::Int(0x3F80_0000)));
        let widen = Types { result: Elem::Int(64), operand: Elem::Int(1) };
        assert_eq!(apply(Op::Cast(Cast::Signed), widen, &[Scalar::Int(1)]), Ok(Scalar::Int(-1)));
        assert_eq!(apply(Op::Cast(Cast::Unsigned), widen, &[Scalar::Int(1)]), Ok(Scalar::Int(1)));
        let big = Types { result: Elem::F64, operand: Elem::Int(64) };
        let u = apply(Op::Cast(Cast::UnsignedToFloat), big, &[Scalar::Int(-1)]);
        assert_eq!(u, Ok(Scalar::Float(18446744073709551615.0)));
    }
}
