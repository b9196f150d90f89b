//! The general interpreter: runs a function at any level, from `nn`/`kernel` graphs on tensors
//! to loops (`scf`, `cf`) over buffers (`memref`) with `arith`/`math` scalars, and calls
//! (`func.call`). Each op is decoded once into a [`Step`]; values live in a slot per SSA value.
//!
//! Buffers hold real bytes in the element type's encoding, so views into an arena alias
//! exactly as they would on hardware. A fresh `memref.alloc` is poisoned (all bytes 0xFF: NaN
//! for floats, -1 for integers), so an element never written shows.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use strata_ir::{BlockId, Context, Ir, OpId, RegionId, Type, TypeKind, Value};

use crate::scalar::{apply, decode, Op};
use crate::tensor::{Elem, Tensor};
use crate::RuntimeError;

/// A buffer: shared bytes, an element type, and a strided window on them.
#[derive(Clone, Debug)]
pub struct MemRef {
    pub bytes: Rc<RefCell<Vec<u8>>>,
    pub elem: Elem,
    pub shape: Vec<usize>,
    /// In elements.
    pub strides: Vec<usize>,
    /// In bytes.
    pub offset: usize,
}

impl MemRef {
    /// A new buffer, poisoned.
    pub fn alloc(shape: &[usize], elem: Elem) -> MemRef {
        let n: usize = shape.iter().product();
        MemRef {
            bytes: Rc::new(RefCell::new(vec![0xFF; n * elem.bytes()])),
            elem,
            shape: shape.to_vec(),
            strides: Tensor::strides(shape),
            offset: 0,
        }
    }

    fn at(&self, index: &[usize]) -> Result<usize, String> {
        let mut off = 0;
        for (d, (i, n)) in index.iter().zip(&self.shape).enumerate() {
            if i >= n {
                return Err(format!("index {i} is out of bounds in dimension {d} of size {n}"));
            }
            off += i * self.strides[d];
        }
        Ok(self.offset + off * self.elem.bytes())
    }

    pub fn load(&self, index: &[usize]) -> Result<f64, String> {
        let at = self.at(index)?;
        let b = self.bytes.borrow();
        Ok(self.elem.read(&b[at..at + self.elem.bytes()]))
    }

    pub fn store(&self, index: &[usize], v: f64) -> Result<(), String> {
        let at = self.at(index)?;
        let w = self.elem.bytes();
        self.elem.write(v, &mut self.bytes.borrow_mut()[at..at + w]);
        Ok(())
    }

    pub fn from_tensor(t: &Tensor) -> MemRef {
        let m = MemRef::alloc(&t.shape, t.elem);
        {
            let mut b = m.bytes.borrow_mut();
            let w = t.elem.bytes();
            for (i, v) in t.data.iter().enumerate() {
                t.elem.write(*v, &mut b[i * w..(i + 1) * w]);
            }
        }
        m
    }

    pub fn to_tensor(&self) -> Result<Tensor, String> {
        let n: usize = self.shape.iter().product();
        let mut data = Vec::with_capacity(n);
        let mut index = vec![0usize; self.shape.len()];
        for _ in 0..n {
            data.push(self.load(&index)?);
            for d in (0..index.len()).rev() {
                index[d] += 1;
                if index[d] < self.shape[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        Ok(Tensor { shape: self.shape.clone(), elem: self.elem, data })
    }
}

/// A runtime value.
#[derive(Clone, Debug)]
pub enum RtValue {
    Scalar(f64),
    /// A `vector<N x T>`: its lanes.
    Vector(Rc<[f64]>),
    Tensor(Rc<Tensor>),
    MemRef(MemRef),
}

/// What an op is, decoded once.
#[derive(Clone, Debug)]
enum Step {
    /// A scalar op, or (with `lanes` > 0) the same op lane by lane on vectors.
    Scalar(Op, Elem, usize),
    VectorLoad(usize),
    VectorStore,
    Broadcast(usize),
    Load,
    Store,
    Alloc(Rc<[usize]>, Elem),
    Dealloc,
    View(Rc<[usize]>, Elem),
    /// `memref.collapse_shape` to this shape.
    Collapse(Rc<[usize]>),
    Copy,
    For,
    Parallel(usize),
    If,
    /// A terminator passing values on (`scf.yield`, `func.return`, `kernel.yield`).
    Exit,
    Br,
    CondBr,
    Call(OpId),
    /// `nn` and `kernel` ops on tensors.
    Graph,
    ToBuffer,
    ToTensor,
    TensorEmpty(Rc<[usize]>, Elem),
    TensorExtract,
    TensorInsert,
    FromElements(Rc<[usize]>, Elem),
    /// `memref.get_global`: the named buffer, made (poisoned) on first use.
    GetGlobal(String, Rc<[usize]>, Elem),
}

/// How a block ended.
enum Flow {
    Exit(Vec<RtValue>),
    Jump(BlockId, Vec<RtValue>),
}

fn elem_of(ctx: &Context, t: Type) -> Elem {
    let e = ctx.element_type_or_self(t);
    if ctx.is_index(e) {
        return Elem::Int(64);
    }
    Elem::parse(&ctx.type_to_string(e)).unwrap_or(Elem::F64)
}

fn static_shape(ctx: &Context, t: Type) -> Option<Vec<usize>> {
    ctx.shape(t)?.iter().map(|d| usize::try_from(*d).ok()).collect()
}

/// Runs functions of one IR.
pub struct Machine<'a> {
    ctx: &'a Context,
    ir: &'a Ir,
    values: Vec<Option<RtValue>>,
    /// Decoded ops, by op index.
    steps: Vec<Option<Step>>,
    /// Functions by symbol name, for `func.call`.
    functions: FxHashMap<String, OpId>,
    active: Vec<OpId>,
    /// Static buffers (`memref.global`), by name.
    globals: FxHashMap<String, MemRef>,
}

impl<'a> Machine<'a> {
    /// A machine for the functions under `root` (a module, or one function).
    pub fn new(ctx: &'a Context, ir: &'a Ir, root: OpId) -> Self {
        let mut functions = FxHashMap::default();
        for op in ir.collect_ops(root) {
            if ctx.ident_str(ir.op(op).name()) == "func.func" {
                if let Some(name) = ir.op(op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)) {
                    functions.insert(name.to_string(), op);
                }
            }
        }
        Machine {
            ctx,
            ir,
            values: Vec::new(),
            steps: Vec::new(),
            functions,
            active: Vec::new(),
            globals: FxHashMap::default(),
        }
    }

    fn err(&self, op: OpId, message: impl Into<String>) -> RuntimeError {
        RuntimeError::Unsupported { op: self.ctx.ident_str(self.ir.op(op).name()).to_string(), message: message.into() }
    }

    fn set(&mut self, v: Value, x: RtValue) {
        let i = v.index();
        if i >= self.values.len() {
            self.values.resize(i + 1, None);
        }
        self.values[i] = Some(x);
    }

    fn get(&self, v: Value) -> &RtValue {
        self.values[v.index()].as_ref().expect("values are defined before use (the IR verified)")
    }

    fn scalar(&self, v: Value) -> f64 {
        match self.get(v) {
            RtValue::Scalar(x) => *x,
            _ => f64::NAN,
        }
    }

    fn memref(&self, op: OpId, v: Value) -> Result<MemRef, RuntimeError> {
        match self.get(v) {
            RtValue::MemRef(m) => Ok(m.clone()),
            _ => Err(self.err(op, "expected a memref operand")),
        }
    }

    fn indices(&self, vs: &[Value]) -> Vec<usize> {
        vs.iter().map(|v| self.scalar(*v).max(0.0) as usize).collect()
    }

    fn step(&mut self, op: OpId) -> Result<Step, RuntimeError> {
        if let Some(Some(s)) = self.steps.get(op.index()) {
            return Ok(s.clone());
        }
        let (ctx, ir) = (self.ctx, self.ir);
        let o = ir.op(op);
        let name = ctx.ident_str(o.name());
        let result_type = o.results().first().map(|r| ir.value_type(*r));
        let lanes = result_type.and_then(|t| match ctx.type_kind(t) {
            TypeKind::Vector { shape, .. } => Some(shape.iter().product::<i64>() as usize),
            _ => None,
        });
        let step = if let Some(s) = decode(ctx, ir, op) {
            Step::Scalar(s, result_type.map_or(Elem::F64, |t| elem_of(ctx, t)), lanes.unwrap_or(0))
        } else if name == "arith.constant" && lanes.is_some() {
            // A splat vector constant.
            let a = o.attr(ctx.ident("value")).ok_or_else(|| self.err(op, "no value"))?;
            let value = crate::interp::dense(ctx, a).and_then(|t| t.data.first().copied());
            let v = value.ok_or_else(|| self.err(op, "only splat vector constants run"))?;
            Step::Scalar(Op::Const(v), result_type.map_or(Elem::F64, |t| elem_of(ctx, t)), lanes.unwrap_or(0))
        } else {
            match name {
                "memref.load" => Step::Load,
                "vector.load" => Step::VectorLoad(lanes.unwrap_or(1)),
                "vector.store" => Step::VectorStore,
                "vector.broadcast" => Step::Broadcast(lanes.unwrap_or(1)),
                "memref.store" => Step::Store,
                "memref.alloc" | "memref.alloca" | "memref.view" => {
                    let t = result_type.ok_or_else(|| self.err(op, "no result"))?;
                    let shape = static_shape(ctx, t).ok_or_else(|| self.err(op, "dynamic shapes are not supported"))?;
                    if name == "memref.view" {
                        Step::View(shape.into(), elem_of(ctx, t))
                    } else {
                        Step::Alloc(shape.into(), elem_of(ctx, t))
                    }
                }
                "memref.collapse_shape" => {
                    let t = result_type.ok_or_else(|| self.err(op, "no result"))?;
                    let shape = static_shape(ctx, t).ok_or_else(|| self.err(op, "dynamic shapes are not supported"))?;
                    Step::Collapse(shape.into())
                }
                "memref.dealloc" => Step::Dealloc,
                "bufferization.to_buffer" => Step::ToBuffer,
                "tensor.empty" | "tensor.from_elements" => {
                    let t = result_type.ok_or_else(|| self.err(op, "no result"))?;
                    let shape = static_shape(ctx, t).ok_or_else(|| self.err(op, "dynamic shapes are not supported"))?;
                    if name == "tensor.empty" {
                        Step::TensorEmpty(shape.into(), elem_of(ctx, t))
                    } else {
                        Step::FromElements(shape.into(), elem_of(ctx, t))
                    }
                }
                "tensor.extract" => Step::TensorExtract,
                "tensor.insert" => Step::TensorInsert,
                "memref.get_global" => {
                    let t = result_type.ok_or_else(|| self.err(op, "no result"))?;
                    let shape = static_shape(ctx, t).ok_or_else(|| self.err(op, "dynamic shapes are not supported"))?;
                    let name = o.attr(ctx.ident("name")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                    Step::GetGlobal(name.trim_start_matches('@').to_string(), shape.into(), elem_of(ctx, t))
                }
                "bufferization.to_tensor" => Step::ToTensor,
                "memref.copy" => Step::Copy,
                "scf.for" => Step::For,
                "scf.parallel" => Step::Parallel(o.operands().len() / 3),
                "scf.if" => Step::If,
                "scf.yield" | "func.return" | "kernel.yield" => Step::Exit,
                "cf.br" => Step::Br,
                "cf.cond_br" => Step::CondBr,
                "func.call" => {
                    let callee = o
                        .attr(ctx.ident("callee"))
                        .map(|a| ctx.attr_to_string(a))
                        .map(|s| s.trim_start_matches('@').to_string())
                        .unwrap_or_default();
                    let f =
                        *self.functions.get(&callee).ok_or_else(|| self.err(op, format!("no function @{callee}")))?;
                    Step::Call(f)
                }
                n if n.starts_with("nn.") || n.starts_with("kernel.") => Step::Graph,
                other => return Err(self.err(op, format!("the interpreter does not run '{other}'"))),
            }
        };
        if op.index() >= self.steps.len() {
            self.steps.resize(op.index() + 1, None);
        }
        self.steps[op.index()] = Some(step.clone());
        Ok(step)
    }

    /// Calls `func` with `args`.
    pub fn call(&mut self, func: OpId, args: Vec<RtValue>) -> Result<Vec<RtValue>, RuntimeError> {
        if self.active.contains(&func) {
            return Err(self.err(func, "recursive calls are not supported"));
        }
        let region = *self.ir.op(func).regions().first().ok_or_else(|| self.err(func, "a function without a body"))?;
        self.active.push(func);
        let out = self.run_region(region, args);
        self.active.pop();
        out
    }

    /// Runs a region from its entry block until a terminator leaves it.
    fn run_region(&mut self, region: RegionId, args: Vec<RtValue>) -> Result<Vec<RtValue>, RuntimeError> {
        let ir = self.ir;
        let mut block = *ir
            .region(region)
            .blocks()
            .first()
            .ok_or(RuntimeError::Unsupported { op: "region".into(), message: "an empty region".into() })?;
        let mut args = args;
        loop {
            for (a, v) in ir.block(block).args().iter().zip(args.drain(..)) {
                self.set(*a, v);
            }
            match self.run_block(block)? {
                Flow::Exit(values) => return Ok(values),
                Flow::Jump(next, values) => {
                    block = next;
                    args = values;
                }
            }
        }
    }

    fn run_block(&mut self, block: BlockId) -> Result<Flow, RuntimeError> {
        let ir = self.ir;
        let mut buf = [0.0f64; 3];
        for op in ir.block_ops(block) {
            let o = ir.op(op);
            let operands = o.operands();
            match self.step(op)? {
                Step::Scalar(s, elem, 0) => {
                    for (slot, v) in buf.iter_mut().zip(operands) {
                        *slot = self.scalar(*v);
                    }
                    let r = elem.round(apply(s, &buf[..operands.len().min(3)]));
                    self.set(o.result(0), RtValue::Scalar(r));
                }
                Step::Scalar(s, elem, lanes) => {
                    let lane = |v: &RtValue, l: usize| match v {
                        RtValue::Vector(xs) => xs[l],
                        RtValue::Scalar(x) => *x,
                        _ => f64::NAN,
                    };
                    let values: Vec<&RtValue> = operands.iter().map(|v| self.get(*v)).collect();
                    let n = operands.len().min(3);
                    let out: Vec<f64> = (0..lanes)
                        .map(|l| {
                            let mut args = [0.0; 3];
                            for (a, v) in args.iter_mut().zip(&values) {
                                *a = lane(v, l);
                            }
                            elem.round(apply(s, &args[..n]))
                        })
                        .collect();
                    self.set(o.result(0), RtValue::Vector(out.into()));
                }
                Step::VectorLoad(lanes) => {
                    let m = self.memref(op, operands[0])?;
                    let mut idx = self.indices(&operands[1..]);
                    let last = idx.len() - 1;
                    let start = idx[last];
                    let mut out = Vec::with_capacity(lanes);
                    for l in 0..lanes {
                        idx[last] = start + l;
                        out.push(m.load(&idx).map_err(|e| self.err(op, e))?);
                    }
                    self.set(o.result(0), RtValue::Vector(out.into()));
                }
                Step::VectorStore => {
                    let m = self.memref(op, operands[1])?;
                    let lanes = match self.get(operands[0]) {
                        RtValue::Vector(v) => v.clone(),
                        _ => return Err(self.err(op, "expected a vector to store")),
                    };
                    let mut idx = self.indices(&operands[2..]);
                    let last = idx.len() - 1;
                    let start = idx[last];
                    for (l, v) in lanes.iter().enumerate() {
                        idx[last] = start + l;
                        m.store(&idx, *v).map_err(|e| self.err(op, e))?;
                    }
                }
                Step::Broadcast(lanes) => {
                    let x = self.scalar(operands[0]);
                    self.set(o.result(0), RtValue::Vector(vec![x; lanes].into()));
                }
                Step::Load => {
                    let m = self.memref(op, operands[0])?;
                    let v = m.load(&self.indices(&operands[1..])).map_err(|e| self.err(op, e))?;
                    self.set(o.result(0), RtValue::Scalar(v));
                }
                Step::Store => {
                    let m = self.memref(op, operands[1])?;
                    let v = self.scalar(operands[0]);
                    m.store(&self.indices(&operands[2..]), v).map_err(|e| self.err(op, e))?;
                }
                Step::Alloc(shape, elem) => self.set(o.result(0), RtValue::MemRef(MemRef::alloc(&shape, elem))),
                Step::View(shape, elem) => {
                    let arena = self.memref(op, operands[0])?;
                    let shift = self.scalar(operands[1]) as usize;
                    let bytes: usize = shape.iter().product::<usize>() * elem.bytes();
                    if arena.offset + shift + bytes > arena.bytes.borrow().len() {
                        return Err(self.err(op, format!("a view of {bytes} bytes at {shift} overruns the arena")));
                    }
                    let strides = Tensor::strides(&shape);
                    let view = MemRef {
                        bytes: arena.bytes.clone(),
                        elem,
                        shape: shape.to_vec(),
                        strides,
                        offset: arena.offset + shift,
                    };
                    self.set(o.result(0), RtValue::MemRef(view));
                }
                Step::Collapse(shape) => {
                    let source = self.memref(op, operands[0])?;
                    if source.strides != Tensor::strides(&source.shape) {
                        return Err(self.err(op, "the source is not contiguous"));
                    }
                    let view = MemRef { shape: shape.to_vec(), strides: Tensor::strides(&shape), ..source };
                    self.set(o.result(0), RtValue::MemRef(view));
                }
                Step::Dealloc => {}
                Step::Copy => {
                    let (src, dst) = (self.memref(op, operands[0])?, self.memref(op, operands[1])?);
                    let t = src.to_tensor().map_err(|e| self.err(op, e))?;
                    let mut index = vec![0usize; t.shape.len()];
                    for v in &t.data {
                        dst.store(&index, *v).map_err(|e| self.err(op, e))?;
                        for d in (0..index.len()).rev() {
                            index[d] += 1;
                            if index[d] < t.shape[d] {
                                break;
                            }
                            index[d] = 0;
                        }
                    }
                }
                Step::For => {
                    let (lb, ub, step) = (self.scalar(operands[0]), self.scalar(operands[1]), self.scalar(operands[2]));
                    if step <= 0.0 {
                        return Err(self.err(op, "the step must be positive"));
                    }
                    let mut carried: Vec<RtValue> = operands[3..].iter().map(|v| self.get(*v).clone()).collect();
                    let region = o.regions()[0];
                    let mut i = lb;
                    while i < ub {
                        let mut args = vec![RtValue::Scalar(i)];
                        args.extend(carried);
                        carried = self.run_region(region, args)?;
                        i += step;
                    }
                    for (r, v) in o.results().iter().zip(carried) {
                        self.set(*r, v);
                    }
                }
                Step::Parallel(n) => {
                    let lb: Vec<f64> = operands[..n].iter().map(|v| self.scalar(*v)).collect();
                    let ub: Vec<f64> = operands[n..2 * n].iter().map(|v| self.scalar(*v)).collect();
                    let st: Vec<f64> = operands[2 * n..3 * n].iter().map(|v| self.scalar(*v)).collect();
                    if st.iter().any(|s| *s <= 0.0) {
                        return Err(self.err(op, "steps must be positive"));
                    }
                    if lb.iter().zip(&ub).any(|(l, u)| l >= u) {
                        continue;
                    }
                    let region = o.regions()[0];
                    let mut iv = lb.clone();
                    'nest: loop {
                        self.run_region(region, iv.iter().map(|x| RtValue::Scalar(*x)).collect())?;
                        for d in (0..n).rev() {
                            iv[d] += st[d];
                            if iv[d] < ub[d] {
                                continue 'nest;
                            }
                            iv[d] = lb[d];
                        }
                        break;
                    }
                }
                Step::If => {
                    let region = if self.scalar(operands[0]) != 0.0 { o.regions()[0] } else { o.regions()[1] };
                    let values = if ir.region(region).blocks().is_empty() {
                        Vec::new()
                    } else {
                        self.run_region(region, Vec::new())?
                    };
                    for (r, v) in o.results().iter().zip(values) {
                        self.set(*r, v);
                    }
                }
                Step::Exit => return Ok(Flow::Exit(operands.iter().map(|v| self.get(*v).clone()).collect())),
                Step::Br => {
                    return Ok(Flow::Jump(o.successors()[0], operands.iter().map(|v| self.get(*v).clone()).collect()));
                }
                Step::CondBr => {
                    let def = self.ctx.op_def(o.name()).expect("registered");
                    let groups = def.operand_group_ranges(self.ctx, ir, op);
                    let (which, group) =
                        if self.scalar(operands[0]) != 0.0 { (0, &groups[1]) } else { (1, &groups[2]) };
                    let values = operands[group.clone()].iter().map(|v| self.get(*v).clone()).collect();
                    return Ok(Flow::Jump(o.successors()[which], values));
                }
                Step::Call(f) => {
                    let args = operands.iter().map(|v| self.get(*v).clone()).collect();
                    let results = self.call(f, args)?;
                    for (r, v) in o.results().iter().zip(results) {
                        self.set(*r, v);
                    }
                }
                Step::ToBuffer => {
                    let m = match self.get(operands[0]) {
                        RtValue::Tensor(t) => MemRef::from_tensor(t),
                        _ => return Err(self.err(op, "expected a tensor")),
                    };
                    self.set(o.result(0), RtValue::MemRef(m));
                }
                Step::TensorEmpty(shape, elem) => {
                    // Unwritten elements read as NaN (poison), as fresh buffers do.
                    let t = Tensor { shape: shape.to_vec(), elem, data: vec![f64::NAN; shape.iter().product()] };
                    self.set(o.result(0), RtValue::Tensor(Rc::new(t)));
                }
                Step::FromElements(shape, elem) => {
                    let data = operands.iter().map(|v| elem.round(self.scalar(*v))).collect();
                    self.set(o.result(0), RtValue::Tensor(Rc::new(Tensor { shape: shape.to_vec(), elem, data })));
                }
                Step::TensorExtract => {
                    let RtValue::Tensor(t) = self.get(operands[0]) else {
                        return Err(self.err(op, "expected a tensor"));
                    };
                    let t = t.clone();
                    let idx = self.indices(&operands[1..]);
                    if idx.iter().zip(&t.shape).any(|(i, n)| i >= n) {
                        return Err(self.err(op, format!("index {idx:?} is out of bounds of {:?}", t.shape)));
                    }
                    self.set(o.result(0), RtValue::Scalar(t.at(&idx)));
                }
                Step::TensorInsert => {
                    let RtValue::Tensor(t) = self.get(operands[1]) else {
                        return Err(self.err(op, "expected a tensor"));
                    };
                    let mut t = (**t).clone();
                    let idx = self.indices(&operands[2..]);
                    if idx.iter().zip(&t.shape).any(|(i, n)| i >= n) {
                        return Err(self.err(op, format!("index {idx:?} is out of bounds of {:?}", t.shape)));
                    }
                    let off: usize = idx.iter().zip(Tensor::strides(&t.shape)).map(|(i, s)| i * s).sum();
                    t.data[off] = t.elem.round(self.scalar(operands[0]));
                    self.set(o.result(0), RtValue::Tensor(Rc::new(t)));
                }
                Step::GetGlobal(name, shape, elem) => {
                    let m = self.globals.entry(name).or_insert_with(|| MemRef::alloc(&shape, elem)).clone();
                    self.set(o.result(0), RtValue::MemRef(m));
                }
                Step::ToTensor => {
                    let t = self.memref(op, operands[0])?.to_tensor().map_err(|e| self.err(op, e))?;
                    self.set(o.result(0), RtValue::Tensor(Rc::new(t)));
                }
                Step::Graph => {
                    let tensors: Vec<Rc<Tensor>> = operands
                        .iter()
                        .map(|v| match self.get(*v) {
                            RtValue::Tensor(t) => Ok(t.clone()),
                            _ => Err(self.err(op, "graph ops take tensors")),
                        })
                        .collect::<Result<_, _>>()?;
                    let refs: Vec<&Tensor> = tensors.iter().map(|t| t.as_ref()).collect();
                    let results = crate::interp::eval_op(self.ctx, ir, op, &refs)?;
                    for (r, t) in o.results().iter().zip(results) {
                        self.set(*r, RtValue::Tensor(Rc::new(t)));
                    }
                }
            }
        }
        Err(RuntimeError::Unsupported { op: "block".into(), message: "a block without a terminator".into() })
    }
}

/// How a function argument of type `t` takes a tensor: as a tensor, a memref or a scalar.
pub fn to_runtime(ctx: &Context, t: Type, value: Tensor) -> RtValue {
    match ctx.type_kind(t) {
        TypeKind::MemRef { .. } => RtValue::MemRef(MemRef::from_tensor(&value)),
        TypeKind::RankedTensor { .. } => RtValue::Tensor(Rc::new(value)),
        TypeKind::Vector { .. } => RtValue::Vector(value.data.into()),
        _ => RtValue::Scalar(value.data.first().copied().unwrap_or(0.0)),
    }
}

/// A result as a tensor (memrefs are read out; scalars become rank-0 tensors).
pub fn to_tensor(v: RtValue, elem: Elem) -> Result<Tensor, String> {
    match v {
        RtValue::Tensor(t) => Ok(Rc::try_unwrap(t).unwrap_or_else(|t| (*t).clone())),
        RtValue::MemRef(m) => m.to_tensor(),
        RtValue::Scalar(x) => Ok(Tensor { shape: Vec::new(), elem, data: vec![x] }),
        RtValue::Vector(xs) => Ok(Tensor { shape: vec![xs.len()], elem, data: xs.to_vec() }),
    }
}
