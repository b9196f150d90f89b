//! One `gpu.func` as a PTX `.entry`: parameters, then the body op by op.

use std::fmt::Write as _;

use crate::magic::{SignedDivision, UnsignedDivision};
use rustc_hash::FxHashMap;
use strata_ir::{AttrKind, BlockId, Context, DenseElements, DenseValue, Ir, OpId, Type, TypeKind, Value, ValueDef};

use super::align;
use super::regs::{shape_of, Class, Reg, Regs, Scalar};
use super::{Param, PtxError, PtxKernel, PtxTarget, TrapSite, TRAP_SYMBOL};

/// Where a buffer lives.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Space {
    Global,
    Shared,
    Local,
}

impl Space {
    fn suffix(self) -> &'static str {
        match self {
            Space::Global => "global",
            Space::Shared => "shared",
            Space::Local => "local",
        }
    }
}

/// A memref's static layout.
struct Layout {
    elem: Scalar,
    /// In bytes.
    strides: Vec<i64>,
    space: Space,
}

pub(super) fn emit(
    ctx: &Context,
    ir: &Ir,
    func: OpId,
    target: PtxTarget,
    traps: &mut Vec<TrapSite>,
) -> Result<(PtxKernel, String), PtxError> {
    let symbol = ir.op(func).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("").to_string();
    let name = crate::codegen::abi::c_identifier(&symbol);
    let mut k = Kernel {
        ctx,
        ir,
        func,
        regs: Regs::default(),
        body: String::new(),
        values: FxHashMap::default(),
        labels: 0,
        traps,
        inputs: 0,
    };
    let entry = *ir
        .region(ir.op(func).regions()[0])
        .blocks()
        .first()
        .ok_or_else(|| k.unsupported(func, "a kernel without a body"))?;
    if ir.region(ir.op(func).regions()[0]).blocks().len() != 1 {
        return Err(k.unsupported(func, "kernels with more than one block (unstructured control flow)"));
    }
    let mut params = Vec::new();
    let mut decls = Vec::new();
    let inputs = match ir.op(func).attr(ctx.ident("function_type")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::Type(t)) => match ctx.type_kind(*t) {
            TypeKind::Function { inputs, .. } => inputs.len(),
            _ => 0,
        },
        _ => 0,
    };
    k.inputs = inputs;
    let args = ir.block(entry).args().to_vec();
    // Workgroup attributions are `.shared` arrays of the block, private ones `.local` arrays
    // of the thread, declared in the kernel's scope.
    let mut arrays = String::new();
    for (n, a) in args.iter().enumerate().skip(inputs) {
        let t = ir.value_type(*a);
        let layout = k.layout(func, t)?;
        let bytes = ctx.byte_size(t).map_err(|e| PtxError::Invalid(e.to_string()))?;
        let (space, what) = match layout.space {
            Space::Shared => (".shared", "workgroup"),
            Space::Local => (".local", "private"),
            Space::Global => return Err(k.unsupported(func, "an attribution in global memory")),
        };
        let var = format!("{name}_{what}_{}", n - inputs);
        arrays.push_str(&format!("    {space} .align 16 .b8 {var}[{}];\n", bytes.max(1)));
        let r = k.regs.new_reg(Class::B64);
        k.line(format!("mov.u64 {r}, {var}"));
        k.values.insert(*a, vec![r]);
    }
    for (i, a) in args.iter().enumerate().take(inputs) {
        let t = ir.value_type(*a);
        let pname = format!("{name}_param_{i}");
        if let TypeKind::MemRef { .. } = ctx.type_kind(t) {
            k.layout(func, t)?;
            let raw = k.regs.new_reg(Class::B64);
            let addr = k.regs.new_reg(Class::B64);
            k.line(format!("ld.param.u64 {raw}, [{pname}]"));
            k.line(format!("cvta.to.global.u64 {addr}, {raw}"));
            k.values.insert(*a, vec![addr]);
            params.push(Param::Pointer);
            decls.push(format!(".param .u64 {pname}"));
            continue;
        }
        let (s, lanes) = shape_of(ctx, t)
            .filter(|x| x.1 == 1)
            .ok_or_else(|| k.unsupported(func, &format!("a parameter of type {}", ctx.type_to_string(t))))?;
        let r = k.regs.new_reg(s.class());
        debug_assert_eq!(lanes, 1);
        match s.class() {
            Class::B64 => {
                k.line(format!("ld.param.u64 {r}, [{pname}]"));
                params.push(Param::Int(64));
                decls.push(format!(".param .u64 {pname}"));
            }
            Class::B32 | Class::Pred => {
                let w = k.regs.new_reg(Class::B32);
                k.line(format!("ld.param.u32 {w}, [{pname}]"));
                if s.class() == Class::Pred {
                    k.line(format!("setp.ne.u32 {r}, {w}, 0"));
                } else {
                    k.line(format!("mov.b32 {r}, {w}"));
                    k.canonical(r, s);
                }
                params.push(Param::Int(s.width()));
                decls.push(format!(".param .u32 {pname}"));
            }
            Class::F32 => {
                k.line(format!("ld.param.f32 {r}, [{pname}]"));
                params.push(Param::F32);
                decls.push(format!(".param .f32 {pname}"));
            }
            Class::F64 => {
                k.line(format!("ld.param.f64 {r}, [{pname}]"));
                params.push(Param::F64);
                decls.push(format!(".param .f64 {pname}"));
            }
            Class::B16 => unreachable!("no scalar type is held in .b16"),
        }
        k.values.insert(*a, vec![r]);
    }
    let end = k.block(entry)?;
    let name_of_end = ctx.ident_str(ir.op(end).name());
    if name_of_end != "gpu.return" {
        return Err(k.unsupported(end, "a kernel body must end in gpu.return"));
    }
    k.line("ret".into());

    let mut text = String::new();
    let _ = writeln!(text, ".visible .entry {name}(");
    let _ = write!(text, "{}", decls.iter().map(|d| format!("    {d}")).collect::<Vec<_>>().join(",\n"));
    text.push_str("\n)");
    if let Some(AttrKind::DenseArray { values: strata_ir::DenseArrayValues::Int(b), .. }) =
        ir.op(func).attr(ctx.ident("known_block_size")).map(|a| ctx.attr_kind(a))
    {
        if b.len() == 3 {
            let _ = write!(text, "\n.maxntid {}, {}, {}", b[0], b[1], b[2]);
            // Blocks to keep resident on a multiprocessor (`ptxas` then caps the registers):
            // measured on an H100; for sm_80 the same cap made `ptxas` spill ResNet-18's tiled
            // convolutions, so there it is left out. Without the hint, `.maxntid` alone lets
            // `ptxas` aim at full occupancy and hold a kernel to 32 registers even where it
            // then spills (a naive convolution over 8×8 pixels did), and any lower cap we
            // tried (48, 64, 96) had it unroll loops to the cap and spill others: `.maxnreg
            // 255`, the architecture's most, ends that target (the models' kernels stay under
            // 64 registers). Kernels of cooperating threads (with barriers) keep `ptxas`'s own
            // choice: with a cap of 48 a layer norm over rows of 4096 went from 0.207 to
            // 0.245 ms on an H100.
            let barriers = ir.collect_ops(func).iter().any(|o| ctx.ident_str(ir.op(*o).name()) == "gpu.barrier");
            match ir.op(func).attr(ctx.ident("nvvm.minctasm")).and_then(|a| ctx.attr_as_int(a)) {
                Some(n) if target.sm >= 90 && n >= 1 => {
                    let _ = write!(text, "\n.minnctapersm {n}");
                }
                Some(_) => {}
                None if !barriers => text.push_str("\n.maxnreg 255"),
                None => {}
            }
        }
    }
    text.push_str("\n{\n");
    text.push_str(&arrays);
    text.push_str(&k.regs.declarations());
    text.push('\n');
    text.push_str(&k.body);
    text.push_str("}\n");
    Ok((PtxKernel { symbol, name, params }, text))
}

struct Kernel<'a> {
    ctx: &'a Context,
    ir: &'a Ir,
    func: OpId,
    regs: Regs,
    body: String,
    /// Each value's registers: one per lane (one for scalars and memrefs).
    values: FxHashMap<Value, Vec<Reg>>,
    labels: u32,
    traps: &'a mut Vec<TrapSite>,
    /// Entry arguments that are parameters (the rest are attributions).
    inputs: usize,
}

/// What a division's divisor is checked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Division {
    /// Zero, and -1 under the smallest dividend (overflow).
    Signed,
    /// Zero; -1 becomes 1 (the remainder is 0 either way, and PTX's may not be).
    SignedRemainder,
    /// Zero only.
    Unsigned,
}

/// The type suffix of a vector access to 32-bit elements.
fn vector_suffix(s: Scalar) -> &'static str {
    if s == Scalar::F32 {
        "f32"
    } else {
        "u32"
    }
}

/// An integer comparison's PTX condition and whether it is unsigned.
fn int_predicate(p: i64) -> Option<(&'static str, bool)> {
    Some(match p {
        0 => ("eq", false),
        1 => ("ne", false),
        2 => ("lt", false),
        3 => ("le", false),
        4 => ("gt", false),
        5 => ("ge", false),
        6 => ("lo", true),
        7 => ("ls", true),
        8 => ("hi", true),
        9 => ("hs", true),
        _ => return None,
    })
}

/// A float comparison's PTX condition (`None` for `false`/`true`).
fn float_predicate(p: i64) -> Option<&'static str> {
    Some(match p {
        1 => "eq",
        2 => "gt",
        3 => "ge",
        4 => "lt",
        5 => "le",
        6 => "ne",
        7 => "num",
        8 => "equ",
        9 => "gtu",
        10 => "geu",
        11 => "ltu",
        12 => "leu",
        13 => "neu",
        14 => "nan",
        _ => return None,
    })
}

fn float_literal(s: Scalar, v: f64) -> String {
    if s == Scalar::F64 {
        format!("0d{:016X}", v.to_bits())
    } else {
        format!("0f{:08X}", (v as f32).to_bits())
    }
}

impl<'a> Kernel<'a> {
    fn line(&mut self, s: String) {
        self.body.push_str("    ");
        self.body.push_str(&s);
        self.body.push_str(";\n");
    }

    fn label(&mut self, l: &str) {
        self.body.push_str(l);
        self.body.push_str(":\n");
    }

    fn new_label(&mut self, what: &str) -> String {
        self.labels += 1;
        format!("$L_{what}_{}", self.labels)
    }

    fn op_name(&self, op: OpId) -> &'a str {
        self.ctx.ident_str(self.ir.op(op).name())
    }

    fn unsupported(&self, op: OpId, message: &str) -> PtxError {
        PtxError::Unsupported {
            op: self.op_name(op).to_string(),
            loc: self.ir.op(op).loc(),
            message: message.to_string(),
        }
    }

    fn reg(&self, op: OpId, v: Value) -> Result<Vec<Reg>, PtxError> {
        self.values.get(&v).cloned().ok_or_else(|| self.unsupported(op, "an operand defined outside the kernel"))
    }

    fn scalar_reg(&self, op: OpId, v: Value) -> Result<Reg, PtxError> {
        Ok(self.reg(op, v)?[0])
    }

    fn scalar_of(&self, op: OpId, t: Type) -> Result<(Scalar, usize), PtxError> {
        shape_of(self.ctx, t).ok_or_else(|| self.unsupported(op, &format!("the type {}", self.ctx.type_to_string(t))))
    }

    fn layout(&self, op: OpId, t: Type) -> Result<Layout, PtxError> {
        let TypeKind::MemRef { shape, element, layout, memory_space } = self.ctx.type_kind(t) else {
            return Err(self.unsupported(op, "expected a memref"));
        };
        if layout.is_some() {
            return Err(self.unsupported(op, "memrefs with a layout (identity layouts only)"));
        }
        if shape.iter().any(|d| *d < 0) {
            return Err(self.unsupported(op, "memrefs of dynamic shape"));
        }
        let elem = Scalar::of(self.ctx, *element)
            .ok_or_else(|| self.unsupported(op, &format!("memrefs of {}", self.ctx.type_to_string(*element))))?;
        let space = match memory_space.map(|a| self.ctx.attr_to_string(a)) {
            None => Space::Global,
            Some(s) if s == "1 : i64" || s == "1" || s.contains("global") => Space::Global,
            Some(s) if s == "3 : i64" || s == "3" || s.contains("workgroup") => Space::Shared,
            Some(s) if s == "5 : i64" || s == "5" || s.contains("private") => Space::Local,
            Some(s) => return Err(self.unsupported(op, &format!("memory space {s}"))),
        };
        let mut strides = vec![0i64; shape.len()];
        let mut s = i64::from(elem.bytes());
        for d in (0..shape.len()).rev() {
            strides[d] = s;
            s = s.saturating_mul(shape[d]);
        }
        Ok(Layout { elem, strides, space })
    }

    /// Rounds a half held in `r` (an `f32` register) to its type, or re-extends a narrow
    /// integer's sign after an op that may have carried out of its width.
    fn canonical(&mut self, r: Reg, s: Scalar) {
        match s {
            Scalar::Int(w @ (8 | 16)) => self.line(format!("bfe.s32 {r}, {r}, 0, {w}")),
            Scalar::F16 => {
                let h = self.regs.new_reg(Class::B16);
                self.line(format!("cvt.rn.f16.f32 {h}, {r}"));
                self.line(format!("cvt.f32.f16 {r}, {h}"));
            }
            Scalar::BF16 => {
                let h = self.regs.new_reg(Class::B16);
                self.line(format!("cvt.rn.bf16.f32 {h}, {r}"));
                self.bf16_to_f32(h, r);
            }
            _ => {}
        }
    }

    fn bf16_to_f32(&mut self, h: Reg, r: Reg) {
        let w = self.regs.new_reg(Class::B32);
        self.line(format!("cvt.u32.u16 {w}, {h}"));
        self.line(format!("shl.b32 {w}, {w}, 16"));
        self.line(format!("mov.b32 {r}, {w}"));
    }

    /// A narrow integer's bits zero-extended (for unsigned ops), in a new register.
    fn zext(&mut self, r: Reg, s: Scalar) -> Reg {
        match s {
            Scalar::Int(w @ (8 | 16)) => {
                let z = self.regs.new_reg(Class::B32);
                self.line(format!("and.b32 {z}, {r}, {}", (1u32 << w) - 1));
                z
            }
            _ => r,
        }
    }

    /// Records `op` as trap site `k` when `pred` holds (`negate`: when it does not).
    fn trap_if(&mut self, op: OpId, pred: Reg, negate: bool, message: &str) {
        self.traps.push(TrapSite {
            op: self.op_name(op).to_string(),
            loc: self.ir.op(op).loc(),
            message: message.to_string(),
        });
        let site = self.traps.len();
        let bang = if negate { "!" } else { "" };
        let w = self.regs.new_reg(Class::B32);
        self.line(format!("mov.u32 {w}, {site}"));
        self.line(format!("@{bang}{pred} st.global.u32 [{TRAP_SYMBOL}], {w}"));
    }

    /// Emits the ops of `block` but its terminator, which it returns.
    fn block(&mut self, block: BlockId) -> Result<OpId, PtxError> {
        let ir = self.ir;
        let ops: Vec<OpId> = ir.block_ops(block).collect();
        let (last, rest) = ops.split_last().ok_or_else(|| self.unsupported(self.func, "an empty block"))?;
        for &op in rest {
            self.op(op)?;
        }
        Ok(*last)
    }

    /// New registers for the results of `op` (one per lane).
    fn results(&mut self, op: OpId) -> Result<Vec<Vec<Reg>>, PtxError> {
        let mut out = Vec::new();
        for r in self.ir.op(op).results().to_vec() {
            let t = self.ir.value_type(r);
            let regs = if let TypeKind::MemRef { .. } = self.ctx.type_kind(t) {
                vec![self.regs.new_reg(Class::B64)]
            } else {
                let (s, lanes) = self.scalar_of(op, t)?;
                (0..lanes).map(|_| self.regs.new_reg(s.class())).collect()
            };
            self.values.insert(r, regs.clone());
            out.push(regs);
        }
        Ok(out)
    }

    fn mov(&mut self, dst: Reg, src: Reg) {
        let t = match dst.class {
            Class::Pred => "pred",
            Class::B16 => "b16",
            Class::B32 => "b32",
            Class::B64 => "b64",
            Class::F32 => "f32",
            Class::F64 => "f64",
        };
        self.line(format!("mov.{t} {dst}, {src}"));
    }

    /// Copies `src` into `dst` as one parallel copy (a yield may swap carried values).
    fn parallel_copy(&mut self, dst: &[Reg], src: &[Reg]) {
        let temps: Vec<Reg> = src
            .iter()
            .map(|s| {
                let t = self.regs.new_reg(s.class);
                self.mov(t, *s);
                t
            })
            .collect();
        for (d, t) in dst.iter().zip(temps) {
            self.mov(*d, t);
        }
    }

    fn flat_regs(&self, op: OpId, vs: &[Value]) -> Result<Vec<Reg>, PtxError> {
        let mut out = Vec::new();
        for v in vs {
            out.extend(self.reg(op, *v)?);
        }
        Ok(out)
    }

    fn constant_index(&self, v: Value) -> Option<i64> {
        crate::constant_index(self.ctx, self.ir, v)
    }

    /// The address of `memref[indices]` (plus `extra` elements along the last dimension) as a
    /// register and a constant byte offset.
    fn address(&mut self, op: OpId, memref: Value, indices: &[Value]) -> Result<(Reg, i64, Layout), PtxError> {
        let layout = self.layout(op, self.ir.value_type(memref))?;
        let mut base = self.scalar_reg(op, memref)?;
        let mut offset = 0i64;
        for (d, i) in indices.iter().enumerate() {
            let stride = layout.strides[d];
            if let Some(c) = self.constant_index(*i) {
                offset += c * stride;
                continue;
            }
            // `x + c` folds c into the offset.
            let (x, c) = match self.ir.value(*i).def() {
                ValueDef::Result { op: def, .. } if self.op_name(def) == "arith.addi" => {
                    let o = self.ir.op(def).operands();
                    match (self.constant_index(o[0]), self.constant_index(o[1])) {
                        (_, Some(c)) => (o[0], c),
                        (Some(c), _) => (o[1], c),
                        _ => (*i, 0),
                    }
                }
                _ => (*i, 0),
            };
            offset += c * stride;
            let xr = self.scalar_reg(op, x)?;
            let xr = if xr.class == Class::B32 {
                let w = self.regs.new_reg(Class::B64);
                self.line(format!("cvt.s64.s32 {w}, {xr}"));
                w
            } else {
                xr
            };
            let next = self.regs.new_reg(Class::B64);
            self.line(format!("mad.lo.s64 {next}, {xr}, {stride}, {base}"));
            base = next;
        }
        Ok((base, offset, layout))
    }

    /// How many of an access's `lanes` go in one vector instruction: 4 or 2 where the
    /// elements are 32-bit and the address is known to be aligned to the whole vector
    /// ([`super::align`]), else 1.
    fn vector_width(&self, memref: Value, indices: &[Value], layout: &Layout, off: i64, lanes: usize) -> usize {
        if lanes < 2 || !matches!(layout.elem, Scalar::F32 | Scalar::Int(32)) {
            return 1;
        }
        let (ctx, ir) = (self.ctx, self.ir);
        let mut alignment = align::of_memref(ctx, ir, self.func, self.inputs, memref).min(align::of_constant(off));
        for (d, i) in indices.iter().enumerate() {
            if crate::constant_index(ctx, ir, *i).is_none() {
                alignment = alignment.min(align::of_index(ctx, ir, *i) * align::of_constant(layout.strides[d]));
            }
        }
        [4usize, 2].into_iter().find(|w| lanes.is_multiple_of(*w) && alignment >= 4 * *w as u64).unwrap_or(1)
    }

    fn load(&mut self, space: Space, s: Scalar, dst: Reg, addr: Reg, off: i64) {
        let sp = space.suffix();
        let at = if off == 0 { format!("[{addr}]") } else { format!("[{addr}+{off}]") };
        match s {
            Scalar::Int(1) => {
                let w = self.regs.new_reg(Class::B32);
                self.line(format!("ld.{sp}.u8 {w}, {at}"));
                self.line(format!("setp.ne.u32 {dst}, {w}, 0"));
            }
            Scalar::Int(8) => self.line(format!("ld.{sp}.s8 {dst}, {at}")),
            Scalar::Int(16) => self.line(format!("ld.{sp}.s16 {dst}, {at}")),
            Scalar::Int(32) => self.line(format!("ld.{sp}.u32 {dst}, {at}")),
            Scalar::Int(_) => self.line(format!("ld.{sp}.u64 {dst}, {at}")),
            Scalar::F16 => {
                let h = self.regs.new_reg(Class::B16);
                self.line(format!("ld.{sp}.b16 {h}, {at}"));
                self.line(format!("cvt.f32.f16 {dst}, {h}"));
            }
            Scalar::BF16 => {
                let h = self.regs.new_reg(Class::B16);
                self.line(format!("ld.{sp}.b16 {h}, {at}"));
                self.bf16_to_f32(h, dst);
            }
            Scalar::F32 => self.line(format!("ld.{sp}.f32 {dst}, {at}")),
            Scalar::F64 => self.line(format!("ld.{sp}.f64 {dst}, {at}")),
        }
    }

    fn store(&mut self, space: Space, s: Scalar, src: Reg, addr: Reg, off: i64) {
        let sp = space.suffix();
        let at = if off == 0 { format!("[{addr}]") } else { format!("[{addr}+{off}]") };
        match s {
            Scalar::Int(1) => {
                let w = self.regs.new_reg(Class::B32);
                self.line(format!("selp.u32 {w}, 1, 0, {src}"));
                self.line(format!("st.{sp}.u8 {at}, {w}"));
            }
            Scalar::Int(8) => self.line(format!("st.{sp}.u8 {at}, {src}")),
            Scalar::Int(16) => self.line(format!("st.{sp}.u16 {at}, {src}")),
            Scalar::Int(32) => self.line(format!("st.{sp}.u32 {at}, {src}")),
            Scalar::Int(_) => self.line(format!("st.{sp}.u64 {at}, {src}")),
            Scalar::F16 => {
                let h = self.regs.new_reg(Class::B16);
                self.line(format!("cvt.rn.f16.f32 {h}, {src}"));
                self.line(format!("st.{sp}.b16 {at}, {h}"));
            }
            Scalar::BF16 => {
                let h = self.regs.new_reg(Class::B16);
                self.line(format!("cvt.rn.bf16.f32 {h}, {src}"));
                self.line(format!("st.{sp}.b16 {at}, {h}"));
            }
            Scalar::F32 => self.line(format!("st.{sp}.f32 {at}, {src}")),
            Scalar::F64 => self.line(format!("st.{sp}.f64 {at}, {src}")),
        }
    }

    fn op(&mut self, op: OpId) -> Result<(), PtxError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let o = ir.op(op);
        let name = self.op_name(op);
        let operands = o.operands().to_vec();
        match name {
            "arith.constant" => self.constant(op),
            "memref.load" | "vector.load" => {
                let (addr, off, layout) = self.address(op, operands[0], &operands[1..])?;
                let out = self.results(op)?.remove(0);
                let width = self.vector_width(operands[0], &operands[1..], &layout, off, out.len());
                for (c, lanes) in out.chunks(width).enumerate() {
                    let at = off + (c * width) as i64 * i64::from(layout.elem.bytes());
                    if width > 1 {
                        let regs = lanes.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ");
                        let (sp, t) = (layout.space.suffix(), vector_suffix(layout.elem));
                        self.line(format!("ld.{sp}.v{width}.{t} {{{regs}}}, [{addr}+{at}]"));
                    } else {
                        self.load(layout.space, layout.elem, lanes[0], addr, at);
                    }
                }
                Ok(())
            }
            "memref.store" | "vector.store" => {
                let (addr, off, layout) = self.address(op, operands[1], &operands[2..])?;
                let values = self.reg(op, operands[0])?;
                let width = self.vector_width(operands[1], &operands[2..], &layout, off, values.len());
                for (c, lanes) in values.chunks(width).enumerate() {
                    let at = off + (c * width) as i64 * i64::from(layout.elem.bytes());
                    if width > 1 {
                        let regs = lanes.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ");
                        let (sp, t) = (layout.space.suffix(), vector_suffix(layout.elem));
                        self.line(format!("st.{sp}.v{width}.{t} [{addr}+{at}], {{{regs}}}"));
                    } else {
                        self.store(layout.space, layout.elem, lanes[0], addr, at);
                    }
                }
                Ok(())
            }
            "memref.view" => {
                let base = self.scalar_reg(op, operands[0])?;
                let shift = self.scalar_reg(op, operands[1])?;
                self.layout(op, ir.value_type(o.result(0)))?;
                let r = self.results(op)?[0][0];
                self.line(format!("add.s64 {r}, {base}, {shift}"));
                Ok(())
            }
            "memref.collapse_shape" | "memref.expand_shape" | "memref.cast" => {
                self.layout(op, ir.value_type(o.result(0)))?;
                let src = self.scalar_reg(op, operands[0])?;
                self.values.insert(o.result(0), vec![src]);
                Ok(())
            }
            "vector.broadcast" | "vector.splat" => {
                let src = self.reg(op, operands[0])?;
                if src.len() != 1 {
                    return Err(self.unsupported(op, "broadcasts of vectors"));
                }
                let out = self.results(op)?.remove(0);
                for r in out {
                    self.mov(r, src[0]);
                }
                Ok(())
            }
            "scf.for" => self.for_loop(op),
            "scf.if" => self.if_op(op),
            "scf.parallel" => self.parallel(op),
            "cf.assert" => {
                let p = self.scalar_reg(op, operands[0])?;
                let msg = o.attr(ctx.ident("msg")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("assertion failed");
                self.trap_if(op, p, true, msg);
                Ok(())
            }
            "gpu.thread_id" | "gpu.block_id" | "gpu.block_dim" | "gpu.grid_dim" => {
                let dim = match o.attr(ctx.ident("dimension")).map(|a| ctx.attr_to_string(a)) {
                    Some(s) if s.contains('x') => "x",
                    Some(s) if s.contains('y') => "y",
                    Some(s) if s.contains('z') => "z",
                    _ => return Err(self.unsupported(op, "no dimension")),
                };
                let special = match name {
                    "gpu.thread_id" => "%tid",
                    "gpu.block_id" => "%ctaid",
                    "gpu.block_dim" => "%ntid",
                    _ => "%nctaid",
                };
                let w = self.regs.new_reg(Class::B32);
                self.line(format!("mov.u32 {w}, {special}.{dim}"));
                let r = self.results(op)?[0][0];
                self.line(format!("cvt.u64.u32 {r}, {w}"));
                Ok(())
            }
            "gpu.lane_id" => {
                let w = self.regs.new_reg(Class::B32);
                self.line(format!("mov.u32 {w}, %laneid"));
                let r = self.results(op)?[0][0];
                self.line(format!("cvt.u64.u32 {r}, {w}"));
                Ok(())
            }
            "gpu.barrier" => {
                self.line("bar.sync 0".into());
                Ok(())
            }
            "gpu.shuffle" => self.shuffle(op),
            _ => self.lanewise(op),
        }
    }

    fn constant(&mut self, op: OpId) -> Result<(), PtxError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let o = ir.op(op);
        let a = o.attr(ctx.ident("value")).ok_or_else(|| self.unsupported(op, "a constant without a value"))?;
        let t = ir.value_type(o.result(0));
        let (s, _) = self.scalar_of(op, t)?;
        let value = match ctx.attr_kind(a) {
            AttrKind::Integer { value, .. } => Some(DenseValue::Int(*value)),
            AttrKind::Float { bits, .. } => Some(DenseValue::Float(*bits)),
            AttrKind::DenseElements { elements: DenseElements::Splat(v), .. } => Some(v.clone()),
            _ => None,
        };
        let value = value.ok_or_else(|| self.unsupported(op, "constants other than scalars and splats"))?;
        let out = self.results(op)?.remove(0);
        for r in out {
            match (&value, s) {
                (DenseValue::Int(v), Scalar::Int(1)) => {
                    let b = if *v & 1 == 1 { 1 } else { 0 };
                    self.line(format!("setp.eq.u32 {r}, {b}, 1"));
                }
                (DenseValue::Int(v), s) if s.class() == Class::B64 => {
                    self.line(format!("mov.u64 {r}, {}", *v as i64 as u64))
                }
                (DenseValue::Int(v), _) => self.line(format!("mov.u32 {r}, {}", *v as i64 as i32 as u32)),
                (DenseValue::Float(bits), s) => {
                    self.line(format!("mov.{} {r}, {}", s.float(), float_literal(s, f64::from_bits(*bits))))
                }
                _ => return Err(self.unsupported(op, "this constant's value")),
            }
        }
        Ok(())
    }

    fn for_loop(&mut self, op: OpId) -> Result<(), PtxError> {
        let ir = self.ir;
        let o = ir.op(op);
        let operands = o.operands().to_vec();
        let (lb, ub, step) =
            (self.scalar_reg(op, operands[0])?, self.scalar_reg(op, operands[1])?, self.scalar_reg(op, operands[2])?);
        let (ivs, _) = self.scalar_of(op, ir.value_type(operands[0]))?;
        let inits = self.flat_regs(op, &operands[3..])?;
        let results = self.results(op)?;
        let carried: Vec<Reg> = results.iter().flatten().copied().collect();
        for (c, i) in carried.iter().zip(&inits) {
            self.mov(*c, *i);
        }
        let iv = self.regs.new_reg(ivs.class());
        self.mov(iv, lb);
        let body = ir.region(o.regions()[0]).blocks()[0];
        let args = ir.block(body).args().to_vec();
        self.values.insert(args[0], vec![iv]);
        for (a, regs) in args[1..].iter().zip(&results) {
            self.values.insert(*a, regs.clone());
        }
        let (head, exit) = (self.new_label("for"), self.new_label("end_for"));
        let p = self.regs.new_reg(Class::Pred);
        self.label(&head);
        let unsigned = o.attr(self.ctx.ident("unsignedCmp")).is_some();
        // Narrow integers are held sign-extended, and the step's addition does not extend
        // them again: compared as unsigned, a count past the sign bit would run on.
        if unsigned && self.ctx.int_or_float_width(ir.value_type(operands[0])).is_some_and(|w| w < 32) {
            return Err(self.unsupported(op, "unsigned loops over integers narrower than 32 bits"));
        }
        let compare = if unsigned { ivs.unsigned() } else { ivs.signed() };
        self.line(format!("setp.ge.{compare} {p}, {iv}, {ub}"));
        self.line(format!("@{p} bra {exit}"));
        let yield_op = self.block(body)?;
        let yielded = self.flat_regs(yield_op, ir.op(yield_op).operands())?;
        self.parallel_copy(&carried, &yielded);
        self.line(format!("add.{} {iv}, {iv}, {step}", ivs.signed()));
        self.line(format!("bra.uni {head}"));
        self.label(&exit);
        Ok(())
    }

    fn if_op(&mut self, op: OpId) -> Result<(), PtxError> {
        let ir = self.ir;
        let o = ir.op(op);
        let cond = self.scalar_reg(op, o.operands()[0])?;
        let results = self.results(op)?;
        let out: Vec<Reg> = results.iter().flatten().copied().collect();
        let (other, end) = (self.new_label("else"), self.new_label("end_if"));
        self.line(format!("@!{cond} bra {other}"));
        let regions = o.regions().to_vec();
        for (i, region) in regions.iter().enumerate() {
            if i == 1 {
                self.line(format!("bra.uni {end}"));
                self.label(&other);
            }
            if let Some(&b) = ir.region(*region).blocks().first() {
                let y = self.block(b)?;
                let yielded = self.flat_regs(y, ir.op(y).operands())?;
                self.parallel_copy(&out, &yielded);
            }
        }
        if regions.len() < 2 {
            self.label(&other);
        }
        self.label(&end);
        Ok(())
    }

    /// A nested `scf.parallel` runs its iterations in order in its thread; reductions are
    /// combined in that order by the regions of its `scf.reduce`.
    fn parallel(&mut self, op: OpId) -> Result<(), PtxError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let p = strata_dialects::scf::parallel_operands(ctx, ir, op).map_err(|m| self.unsupported(op, &m))?;
        let n = p.dims();
        let bounds: Vec<(Reg, Reg, Reg)> = (0..n)
            .map(|d| {
                Ok((
                    self.scalar_reg(op, p.lower[d])?,
                    self.scalar_reg(op, p.upper[d])?,
                    self.scalar_reg(op, p.steps[d])?,
                ))
            })
            .collect::<Result<_, PtxError>>()?;
        let inits = self.flat_regs(op, p.inits)?;
        let results = self.results(op)?;
        let acc: Vec<Reg> = results.iter().flatten().copied().collect();
        for (a, i) in acc.iter().zip(&inits) {
            self.mov(*a, *i);
        }
        let body = ir.region(ir.op(op).regions()[0]).blocks()[0];
        let args = ir.block(body).args().to_vec();
        let mut exits = Vec::new();
        let mut heads = Vec::new();
        let mut ivs = Vec::new();
        for (d, (lb, ub, _)) in bounds.iter().enumerate() {
            let iv = self.regs.new_reg(Class::B64);
            self.mov(iv, *lb);
            self.values.insert(args[d], vec![iv]);
            let (head, exit) = (self.new_label("par"), self.new_label("end_par"));
            let pr = self.regs.new_reg(Class::Pred);
            self.label(&head);
            self.line(format!("setp.ge.s64 {pr}, {iv}, {ub}"));
            self.line(format!("@{pr} bra {exit}"));
            heads.push(head);
            exits.push(exit);
            ivs.push(iv);
        }
        let reduce = self.block(body)?;
        let values = self.flat_regs(reduce, ir.op(reduce).operands())?;
        for (i, region) in ir.op(reduce).regions().to_vec().into_iter().enumerate() {
            let b = ir.region(region).blocks()[0];
            let bargs = ir.block(b).args().to_vec();
            self.values.insert(bargs[0], vec![acc[i]]);
            self.values.insert(bargs[1], vec![values[i]]);
            let ret = self.block(b)?;
            let r = self.scalar_reg(ret, ir.op(ret).operands()[0])?;
            self.mov(acc[i], r);
        }
        for d in (0..n).rev() {
            self.line(format!("add.s64 {}, {}, {}", ivs[d], ivs[d], bounds[d].2));
            self.line(format!("bra.uni {}", heads[d]));
            self.label(&exits[d]);
        }
        Ok(())
    }

    fn shuffle(&mut self, op: OpId) -> Result<(), PtxError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let o = ir.op(op);
        let operands = o.operands().to_vec();
        let mode = o.attr(ctx.ident("mode")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
        let mode = ["xor", "up", "down", "idx"]
            .into_iter()
            .find(|m| mode.contains(m))
            .ok_or_else(|| self.unsupported(op, "a shuffle mode"))?;
        let (s, _) = self.scalar_of(op, ir.value_type(operands[0]))?;
        if s.class() != Class::B32 && s.class() != Class::F32 {
            return Err(self.unsupported(op, "shuffles of other than 32-bit values"));
        }
        let (v, offset, width) =
            (self.scalar_reg(op, operands[0])?, self.scalar_reg(op, operands[1])?, self.scalar_reg(op, operands[2])?);
        let out = self.results(op)?;
        let (r, valid) = (out[0][0], out[1][0]);
        // c = ((32 - width) << 8) | clamp, the clamp 31 except for `up`.
        let c = self.regs.new_reg(Class::B32);
        self.line(format!("sub.s32 {c}, 32, {width}"));
        self.line(format!("shl.b32 {c}, {c}, 8"));
        let ptx_mode = match mode {
            "xor" => "bfly",
            "up" => "up",
            "down" => "down",
            _ => "idx",
        };
        if mode != "up" {
            self.line(format!("or.b32 {c}, {c}, 31"));
        }
        self.line(format!("shfl.sync.{ptx_mode}.b32 {r}|{valid}, {v}, {offset}, {c}, -1"));
        Ok(())
    }

    /// Scalar `arith`/`math` ops, lane by lane on vectors.
    fn lanewise(&mut self, op: OpId) -> Result<(), PtxError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let o = ir.op(op);
        let name = self.op_name(op);
        if o.results().len() != 1 || !o.regions().is_empty() {
            return Err(self.unsupported(op, "no PTX lowering for this op"));
        }
        let operands = o.operands().to_vec();
        if name == "arith.mulf" && self.fuses_into_add(op) {
            // Emitted by its `addf` as one `fma.rn`.
            return Ok(());
        }
        let rt = ir.value_type(o.result(0));
        let (rs, _) = self.scalar_of(op, rt)?;
        let os = match operands.first() {
            Some(v) => self.scalar_of(op, ir.value_type(*v))?.0,
            None => rs,
        };
        // `addf(mulf)` of a single use: one fused multiply-add (not on halves, which round per op).
        let fused = (name == "arith.addf" && !matches!(rs, Scalar::F16 | Scalar::BF16))
            .then(|| crate::fusable_mul(ctx, ir, &operands))
            .flatten();
        let regs: Vec<Vec<Reg>> = if fused.is_some() {
            Vec::new()
        } else {
            operands.iter().map(|v| self.reg(op, *v)).collect::<Result<_, _>>()?
        };
        let out = self.results(op)?.remove(0);
        for (l, r) in out.into_iter().enumerate() {
            let lane = |i: usize| regs[i][if regs[i].len() == 1 { 0 } else { l }];
            if let Some(((a, b), c)) = fused {
                let (ra, rb, rc) = (self.reg(op, a)?, self.reg(op, b)?, self.reg(op, c)?);
                let pick = |v: &Vec<Reg>| v[if v.len() == 1 { 0 } else { l }];
                self.line(format!("fma.rn.{} {r}, {}, {}, {}", rs.float(), pick(&ra), pick(&rb), pick(&rc)));
                continue;
            }
            let args: Vec<Reg> = (0..operands.len()).map(lane).collect();
            self.scalar(op, name, rs, os, r, &args)?;
        }
        Ok(())
    }

    /// Whether the `arith.mulf` `op` is the product its only user, an `addf`, fuses.
    fn fuses_into_add(&self, op: OpId) -> bool {
        let (ctx, ir) = (self.ctx, self.ir);
        let result = ir.op(op).result(0);
        let [u] = ir.value(result).uses() else { return false };
        let user = u.op;
        if self.op_name(user) != "arith.addf" {
            return false;
        }
        let half = shape_of(ctx, ir.value_type(result)).is_some_and(|(s, _)| matches!(s, Scalar::F16 | Scalar::BF16));
        // The product `fusable_mul` picks is the operand that is not its other addend.
        !half && crate::fusable_mul(ctx, ir, ir.op(user).operands()).is_some_and(|(_, other)| other != result)
    }

    fn scalar(&mut self, op: OpId, name: &str, rs: Scalar, os: Scalar, r: Reg, a: &[Reg]) -> Result<(), PtxError> {
        let ctx = self.ctx;
        let o = self.ir.op(op);
        let f = rs.float();
        let predicate = || o.attr(ctx.ident("predicate")).and_then(|a| ctx.attr_as_int(a)).unwrap_or(0) as i64;
        match name {
            "arith.addf" | "arith.subf" | "arith.mulf" | "arith.divf" => {
                let i = &name[6..9];
                self.line(format!("{i}.rn.{f} {r}, {}, {}", a[0], a[1]));
                self.canonical(r, rs);
            }
            "arith.negf" => self.line(format!("neg.{f} {r}, {}", a[0])),
            "math.absf" => self.line(format!("abs.{f} {r}, {}", a[0])),
            "math.sqrt" => {
                self.line(format!("sqrt.rn.{f} {r}, {}", a[0]));
                self.canonical(r, rs);
            }
            "math.rsqrt" => {
                self.line(format!("sqrt.rn.{f} {r}, {}", a[0]));
                self.line(format!("rcp.rn.{f} {r}, {r}"));
                self.canonical(r, rs);
            }
            "math.fma" => {
                self.line(format!("fma.rn.{f} {r}, {}, {}, {}", a[0], a[1], a[2]));
                self.canonical(r, rs);
            }
            "math.floor" => self.line(format!("cvt.rmi.{f}.{f} {r}, {}", a[0])),
            "math.ceil" => self.line(format!("cvt.rpi.{f}.{f} {r}, {}", a[0])),
            "math.copysign" => self.line(format!("copysign.{f} {r}, {}, {}", a[1], a[0])),
            "arith.maximumf" | "arith.minimumf" => {
                let m = if name == "arith.maximumf" { "max" } else { "min" };
                if rs == Scalar::F64 {
                    let (t, n, p) =
                        (self.regs.new_reg(Class::F64), self.regs.new_reg(Class::F64), self.regs.new_reg(Class::Pred));
                    self.line(format!("{m}.f64 {t}, {}, {}", a[0], a[1]));
                    self.line(format!("add.rn.f64 {n}, {}, {}", a[0], a[1]));
                    self.line(format!("setp.nan.f64 {p}, {}, {}", a[0], a[1]));
                    self.line(format!("selp.f64 {r}, {n}, {t}, {p}"));
                } else {
                    self.line(format!("{m}.NaN.f32 {r}, {}, {}", a[0], a[1]));
                }
            }
            "arith.maxnumf" | "arith.minnumf" => {
                let m = &name[6..9];
                self.line(format!("{m}.{f} {r}, {}, {}", a[0], a[1]));
            }
            "arith.cmpf" => match float_predicate(predicate()) {
                Some(c) => self.line(format!("setp.{c}.{} {r}, {}, {}", os.float(), a[0], a[1])),
                None => {
                    let b = if predicate() == 15 { 1 } else { 0 };
                    self.line(format!("setp.eq.u32 {r}, {b}, 1"));
                }
            },
            "arith.select" => {
                if r.class == Class::Pred {
                    let (t, e) = (self.regs.new_reg(Class::Pred), self.regs.new_reg(Class::Pred));
                    self.line(format!("and.pred {t}, {}, {}", a[0], a[1]));
                    self.line(format!("and.pred {e}, !{}, {}", a[0], a[2]));
                    self.line(format!("or.pred {r}, {t}, {e}"));
                } else {
                    let t = match r.class {
                        Class::B64 => "b64",
                        Class::F32 => "f32",
                        Class::F64 => "f64",
                        _ => "b32",
                    };
                    self.line(format!("selp.{t} {r}, {}, {}, {}", a[1], a[2], a[0]));
                }
            }
            "arith.cmpi" => {
                let (c, unsigned) = int_predicate(predicate()).ok_or_else(|| self.unsupported(op, "a predicate"))?;
                if os == Scalar::Int(1) {
                    match c {
                        "eq" => {
                            self.line(format!("xor.pred {r}, {}, {}", a[0], a[1]));
                            self.line(format!("not.pred {r}, {r}"));
                        }
                        "ne" => self.line(format!("xor.pred {r}, {}, {}", a[0], a[1])),
                        _ => return Err(self.unsupported(op, "ordered comparisons of i1")),
                    }
                } else if unsigned {
                    let (x, y) = (self.zext(a[0], os), self.zext(a[1], os));
                    self.line(format!("setp.{c}.{} {r}, {x}, {y}", os.unsigned()));
                } else {
                    self.line(format!("setp.{c}.{} {r}, {}, {}", os.signed(), a[0], a[1]));
                }
            }
            _ => return self.integer_or_cast(op, name, rs, os, r, a),
        }
        Ok(())
    }

    fn integer_or_cast(
        &mut self,
        op: OpId,
        name: &str,
        rs: Scalar,
        os: Scalar,
        r: Reg,
        a: &[Reg],
    ) -> Result<(), PtxError> {
        let (s, u) = (rs.signed(), rs.unsigned());
        let b = rs.bits();
        if rs == Scalar::Int(1) && matches!(name, "arith.andi" | "arith.ori" | "arith.xori") {
            let i = match name {
                "arith.andi" => "and",
                "arith.ori" => "or",
                _ => "xor",
            };
            self.line(format!("{i}.pred {r}, {}, {}", a[0], a[1]));
            return Ok(());
        }
        match name {
            "arith.addi" | "arith.subi" => {
                self.line(format!("{}.{s} {r}, {}, {}", &name[6..9], a[0], a[1]));
                self.canonical(r, rs);
            }
            "arith.muli" => {
                self.line(format!("mul.lo.{s} {r}, {}, {}", a[0], a[1]));
                self.canonical(r, rs);
            }
            "arith.andi" => self.line(format!("and.{b} {r}, {}, {}", a[0], a[1])),
            "arith.ori" => self.line(format!("or.{b} {r}, {}, {}", a[0], a[1])),
            "arith.xori" => self.line(format!("xor.{b} {r}, {}, {}", a[0], a[1])),
            "arith.maxsi" | "arith.minsi" => self.line(format!("{}.{s} {r}, {}, {}", &name[6..9], a[0], a[1])),
            "arith.maxui" | "arith.minui" => {
                let (x, y) = (self.zext(a[0], rs), self.zext(a[1], rs));
                self.line(format!("{}.{u} {r}, {x}, {y}", &name[6..9]));
                self.canonical(r, rs);
            }
            "arith.shli" | "arith.shrsi" | "arith.shrui" => {
                let width = rs.width();
                let p = self.regs.new_reg(Class::Pred);
                let amount_t = if a[1].class == Class::B64 { "u64" } else { "u32" };
                let amount_bits = self.zext(a[1], rs);
                self.line(format!("setp.ge.{amount_t} {p}, {amount_bits}, {width}"));
                self.trap_if(op, p, false, &format!("shifts by the width {width} or more (poison in MLIR)"));
                let amount = if a[1].class == Class::B64 {
                    let w = self.regs.new_reg(Class::B32);
                    self.line(format!("cvt.u32.u64 {w}, {}", a[1]));
                    w
                } else {
                    a[1]
                };
                match name {
                    "arith.shli" => self.line(format!("shl.{b} {r}, {}, {amount}", a[0])),
                    "arith.shrsi" => self.line(format!("shr.{s} {r}, {}, {amount}", a[0])),
                    _ => {
                        let x = self.zext(a[0], rs);
                        self.line(format!("shr.{u} {r}, {x}, {amount}"));
                    }
                }
                self.canonical(r, rs);
            }
            "arith.divsi" | "arith.remsi" | "arith.floordivsi" | "arith.ceildivsi"
                if self.divide_by_constant(op, name, rs, r, a[0]) => {}
            "arith.divui" | "arith.remui" | "arith.ceildivui" if self.divide_by_constant(op, name, rs, r, a[0]) => {}
            "arith.divsi" | "arith.remsi" | "arith.floordivsi" | "arith.ceildivsi" => {
                let kind = if name == "arith.remsi" { Division::SignedRemainder } else { Division::Signed };
                let divisor = self.checked_divisor(op, rs, a[1], a[0], kind)?;
                let q = if name == "arith.remsi" { r } else { self.regs.new_reg(r.class) };
                if name == "arith.remsi" {
                    self.line(format!("rem.{s} {r}, {}, {divisor}", a[0]));
                    return Ok(());
                }
                self.line(format!("div.{s} {q}, {}, {divisor}", a[0]));
                if name == "arith.divsi" {
                    self.mov(r, q);
                    self.canonical(r, rs);
                    return Ok(());
                }
                // Adjust the truncated quotient where the remainder is not zero and its sign
                // says the exact quotient lies below (floor) or above (ceil) it.
                let rem = self.regs.new_reg(r.class);
                self.line(format!("rem.{s} {rem}, {}, {divisor}", a[0]));
                let (nz, rneg, dneg, differ, adjust) = (
                    self.regs.new_reg(Class::Pred),
                    self.regs.new_reg(Class::Pred),
                    self.regs.new_reg(Class::Pred),
                    self.regs.new_reg(Class::Pred),
                    self.regs.new_reg(Class::Pred),
                );
                self.line(format!("setp.ne.{s} {nz}, {rem}, 0"));
                self.line(format!("setp.lt.{s} {rneg}, {rem}, 0"));
                self.line(format!("setp.lt.{s} {dneg}, {divisor}, 0"));
                self.line(format!("xor.pred {differ}, {rneg}, {dneg}"));
                if name == "arith.floordivsi" {
                    self.line(format!("and.pred {adjust}, {nz}, {differ}"));
                    self.line(format!("sub.{s} {r}, {q}, 1"));
                } else {
                    self.line(format!("and.pred {adjust}, {nz}, !{differ}"));
                    self.line(format!("add.{s} {r}, {q}, 1"));
                }
                self.line(format!("selp.{b} {r}, {r}, {q}, {adjust}"));
                self.canonical(r, rs);
            }
            "arith.divui" | "arith.remui" | "arith.ceildivui" => {
                let (x, y) = (self.zext(a[0], rs), self.zext(a[1], rs));
                let divisor = self.checked_divisor(op, rs, y, x, Division::Unsigned)?;
                let i = if name == "arith.remui" { "rem" } else { "div" };
                self.line(format!("{i}.{u} {r}, {x}, {divisor}"));
                if name == "arith.ceildivui" {
                    let (rem, nz, up) =
                        (self.regs.new_reg(r.class), self.regs.new_reg(Class::Pred), self.regs.new_reg(r.class));
                    self.line(format!("rem.{u} {rem}, {x}, {divisor}"));
                    self.line(format!("setp.ne.{u} {nz}, {rem}, 0"));
                    self.line(format!("add.{u} {up}, {r}, 1"));
                    self.line(format!("selp.{b} {r}, {up}, {r}, {nz}"));
                }
                self.canonical(r, rs);
            }
            "arith.extsi" | "arith.extui" | "arith.trunci" | "arith.index_cast" | "arith.index_castui" => {
                let unsigned = matches!(name, "arith.extui" | "arith.index_castui");
                self.int_cast(os, rs, unsigned, r, a[0]);
            }
            "arith.sitofp" | "arith.uitofp" => {
                let x = if os == Scalar::Int(1) {
                    let w = self.regs.new_reg(Class::B32);
                    let v = if name == "arith.sitofp" { "-1" } else { "1" };
                    self.line(format!("selp.s32 {w}, {v}, 0, {}", a[0]));
                    w
                } else if name == "arith.uitofp" {
                    self.zext(a[0], os)
                } else {
                    a[0]
                };
                let it = if name == "arith.sitofp" { os.signed() } else { os.unsigned() };
                let it = if os == Scalar::Int(1) { "s32" } else { it };
                self.line(format!("cvt.rn.{}.{it} {r}, {x}", rs.float()));
                self.canonical(r, rs);
            }
            "arith.fptosi" | "arith.fptoui" => {
                let signed = name == "arith.fptosi";
                let w = rs.width();
                if w == 1 {
                    return Err(self.unsupported(op, "float to i1"));
                }
                let it = if signed { rs.signed() } else { rs.unsigned() };
                // `cvt.rzi` saturates and takes NaN to 0, as the other targets do.
                self.line(format!("cvt.rzi.{it}.{} {r}, {}", os.float(), a[0]));
                if w < 32 {
                    let (lo, hi) =
                        if signed { (-(1i64 << (w - 1)), (1i64 << (w - 1)) - 1) } else { (0, (1i64 << w) - 1) };
                    self.line(format!("max.{it} {r}, {r}, {lo}"));
                    self.line(format!("min.{it} {r}, {r}, {hi}"));
                    self.canonical(r, rs);
                }
            }
            "arith.truncf" if os == Scalar::F64 && rs == Scalar::F16 => {
                // Once: through f32 would round twice.
                let h = self.regs.new_reg(Class::B16);
                self.line(format!("cvt.rn.f16.f64 {h}, {}", a[0]));
                self.line(format!("cvt.f32.f16 {r}, {h}"));
            }
            "arith.extf" | "arith.truncf" => {
                match (os.class(), rs.class()) {
                    (Class::F32, Class::F64) => self.line(format!("cvt.f64.f32 {r}, {}", a[0])),
                    (Class::F64, Class::F32) => self.line(format!("cvt.rn.f32.f64 {r}, {}", a[0])),
                    _ => self.mov(r, a[0]),
                }
                self.canonical(r, rs);
            }
            "arith.bitcast" => {
                if matches!(rs, Scalar::F16 | Scalar::BF16)
                    || matches!(os, Scalar::F16 | Scalar::BF16)
                    || rs.width() == 16
                {
                    return Err(self.unsupported(op, "bitcasts of 16-bit values"));
                }
                let t = if rs.bytes() == 8 { "b64" } else { "b32" };
                self.line(format!("mov.{t} {r}, {}", a[0]));
            }
            _ => return Err(self.unsupported(op, "no PTX lowering for this op")),
        }
        Ok(())
    }

    /// A division by a constant (unsigned, or signed by 2 or more) as a multiply-high and
    /// shifts ([`crate::magic`]), which cannot trap; false (nothing written) for any other.
    fn divide_by_constant(&mut self, op: OpId, name: &str, rs: Scalar, r: Reg, x: Reg) -> bool {
        let Some(d) = self.constant_index(self.ir.op(op).operands()[1]) else { return false };
        let w = rs.width();
        if w < 8 {
            return false;
        }
        let n = if r.class == Class::B64 { 64 } else { 32 };
        let (s, u, b) = (format!("s{n}"), format!("u{n}"), format!("b{n}"));
        let q = self.regs.new_reg(r.class);
        let unsigned = name.ends_with("ui");
        if unsigned {
            let d = d as u64 & if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
            let Some(division) = UnsignedDivision::new(d, n) else { return false };
            let x = self.zext(x, rs);
            match division {
                UnsignedDivision::Shift(k) => self.line(format!("shr.{u} {q}, {x}, {k}")),
                UnsignedDivision::Multiply { multiplier, shift } => {
                    let (t, h) = (self.regs.new_reg(r.class), self.regs.new_reg(r.class));
                    self.line(format!("mul.hi.{u} {t}, {x}, {multiplier:#x}U"));
                    self.line(format!("sub.{u} {h}, {x}, {t}"));
                    self.line(format!("shr.{u} {h}, {h}, 1"));
                    self.line(format!("add.{u} {h}, {h}, {t}"));
                    self.line(format!("shr.{u} {q}, {h}, {shift}"));
                }
            }
            match name {
                "arith.divui" => self.mov(r, q),
                "arith.remui" => self.remainder(r, x, q, d as i64, &u),
                _ => {
                    let (rem, nz, up) =
                        (self.regs.new_reg(r.class), self.regs.new_reg(Class::Pred), self.regs.new_reg(r.class));
                    self.remainder(rem, x, q, d as i64, &u);
                    self.line(format!("setp.ne.{u} {nz}, {rem}, 0"));
                    self.line(format!("add.{u} {up}, {q}, 1"));
                    self.line(format!("selp.{b} {r}, {up}, {q}, {nz}"));
                }
            }
        } else {
            let Some(division) = SignedDivision::new(d, n) else { return false };
            if w < n && d >= 1i64 << (w - 1) {
                return false;
            }
            match division {
                SignedDivision::Shift(k) => {
                    let sign = self.regs.new_reg(r.class);
                    self.line(format!("shr.{s} {sign}, {x}, {}", n - 1));
                    self.line(format!("shr.{u} {sign}, {sign}, {}", n - k));
                    self.line(format!("add.{s} {sign}, {x}, {sign}"));
                    self.line(format!("shr.{s} {q}, {sign}, {k}"));
                }
                SignedDivision::Multiply { multiplier, add, shift } => {
                    let m = ((multiplier << (64 - n)) as i64) >> (64 - n);
                    self.line(format!("mul.hi.{s} {q}, {x}, {m}"));
                    if add {
                        self.line(format!("add.{s} {q}, {q}, {x}"));
                    }
                    self.line(format!("shr.{s} {q}, {q}, {shift}"));
                    let negative = self.regs.new_reg(r.class);
                    self.line(format!("shr.{u} {negative}, {x}, {}", n - 1));
                    self.line(format!("add.{s} {q}, {q}, {negative}"));
                }
            }
            match name {
                "arith.divsi" => self.mov(r, q),
                "arith.remsi" => self.remainder(r, x, q, d, &s),
                _ => {
                    // The divisor is positive: the truncated quotient is one above the floor
                    // where the remainder is negative, one below the ceiling where positive.
                    let (rem, off, moved) =
                        (self.regs.new_reg(r.class), self.regs.new_reg(Class::Pred), self.regs.new_reg(r.class));
                    self.remainder(rem, x, q, d, &s);
                    if name == "arith.floordivsi" {
                        self.line(format!("setp.lt.{s} {off}, {rem}, 0"));
                        self.line(format!("sub.{s} {moved}, {q}, 1"));
                    } else {
                        self.line(format!("setp.gt.{s} {off}, {rem}, 0"));
                        self.line(format!("add.{s} {moved}, {q}, 1"));
                    }
                    self.line(format!("selp.{b} {r}, {moved}, {q}, {off}"));
                }
            }
        }
        self.canonical(r, rs);
        true
    }

    /// `r = x - q·d`.
    fn remainder(&mut self, r: Reg, x: Reg, q: Reg, d: i64, t: &str) {
        let p = self.regs.new_reg(r.class);
        self.line(format!("mul.lo.{t} {p}, {q}, {d}"));
        self.line(format!("sub.{t} {r}, {x}, {p}"));
    }

    /// The divisor of a division, with its undefined cases recorded as a trap and replaced
    /// by 1: zero, and (signed, `overflow`) -1 under the smallest dividend. A signed
    /// remainder by -1 is 0, as by 1.
    fn checked_divisor(
        &mut self,
        op: OpId,
        s: Scalar,
        divisor: Reg,
        dividend: Reg,
        kind: Division,
    ) -> Result<Reg, PtxError> {
        let t = if s.class() == Class::B64 { "s64" } else { "s32" };
        let b = s.bits();
        let zero = self.regs.new_reg(Class::Pred);
        self.line(format!("setp.eq.{t} {zero}, {divisor}, 0"));
        self.trap_if(op, zero, false, "integer division by zero");
        let safe = self.regs.new_reg(divisor.class);
        self.line(format!("selp.{b} {safe}, 1, {divisor}, {zero}"));
        // All ones is a large unsigned divisor, not -1.
        if kind == Division::Unsigned {
            return Ok(safe);
        }
        let overflow = kind == Division::Signed;
        let minus_one = self.regs.new_reg(Class::Pred);
        self.line(format!("setp.eq.{t} {minus_one}, {divisor}, -1"));
        if overflow {
            let w = s.width();
            let smallest = if w == 64 { i64::MIN } else { -(1i64 << (w - 1)) };
            let (at_min, both) = (self.regs.new_reg(Class::Pred), self.regs.new_reg(Class::Pred));
            self.line(format!("setp.eq.{t} {at_min}, {dividend}, {smallest}"));
            self.line(format!("and.pred {both}, {at_min}, {minus_one}"));
            self.trap_if(op, both, false, &format!("signed division overflow (the smallest i{w} divided by -1)"));
            let fixed = self.regs.new_reg(divisor.class);
            self.line(format!("selp.{b} {fixed}, 1, {safe}, {both}"));
            return Ok(fixed);
        }
        let fixed = self.regs.new_reg(divisor.class);
        self.line(format!("selp.{b} {fixed}, 1, {safe}, {minus_one}"));
        Ok(fixed)
    }

    fn int_cast(&mut self, from: Scalar, to: Scalar, unsigned: bool, r: Reg, x: Reg) {
        if from == Scalar::Int(1) {
            let v = if unsigned { "1" } else { "-1" };
            let t = if to.class() == Class::B64 { "s64" } else { "s32" };
            self.line(format!("selp.{t} {r}, {v}, 0, {x}"));
            return;
        }
        if to == Scalar::Int(1) {
            let w = self.regs.new_reg(x.class);
            let b = if x.class == Class::B64 { "b64" } else { "b32" };
            self.line(format!("and.{b} {w}, {x}, 1"));
            self.line(format!("setp.ne.{b} {r}, {w}, 0"));
            return;
        }
        let src = if unsigned && to.width() > from.width() { self.zext(x, from) } else { x };
        match (src.class, to.class()) {
            (Class::B32, Class::B64) => {
                let t = if unsigned && to.width() > from.width() { "u64.u32" } else { "s64.s32" };
                self.line(format!("cvt.{t} {r}, {src}"));
            }
            (Class::B64, Class::B32) => self.line(format!("cvt.u32.u64 {r}, {src}")),
            _ => self.mov(r, src),
        }
        self.canonical(r, to);
    }
}
