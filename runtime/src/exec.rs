//! The general interpreter: runs a function at any level, from `nn`/`kernel` graphs on tensors
//! to loops (`scf`, `cf`) over buffers (`memref`) with `arith`/`math` scalars, and calls
//! (`func.call`). Each op is decoded once into a [`Step`]; values live in a slot per SSA value.
//!
//! Buffers hold real bytes in the element type's encoding, so views into an arena alias
//! exactly as they would on hardware. A fresh `memref.alloc` is poisoned (all bytes 0xFF: NaN
//! for floats, -1 for integers), so an element never written shows. Every access is checked:
//! an index out of bounds on either side is an error naming the op, the index and the
//! dimension, never a clamped or wrapped read. Nested regions run on a stack grown on demand,
//! so nests thousands deep run.

use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard};

use rustc_hash::FxHashMap;
use strata_ir::{BlockId, Context, Ir, OpId, RegionId, Type, TypeKind, Value};

use crate::scalar::{apply, decode, elem_of_type, Op, Types};
use crate::tensor::{Elem, Scalar, Tensor};
use crate::RuntimeError;

mod forall;
mod gpu;
mod vector;
mod views;

/// A buffer: shared bytes, an element type, and a strided window on them. The bytes are
/// behind a mutex so that the threads of a GPU block can run at once (`gpu.barrier`).
#[derive(Clone, Debug)]
pub struct MemRef {
    pub bytes: Arc<Mutex<Vec<u8>>>,
    pub elem: Elem,
    pub shape: Vec<usize>,
    /// In elements.
    pub strides: Vec<usize>,
    /// In bytes: where element 0 is.
    pub offset: usize,
    /// In bytes: where the buffer a view was made from starts (MLIR's aligned pointer), from
    /// which `reinterpret_cast` counts its offset.
    pub base: usize,
    /// The buffer of a `constant` `memref.global`: a store into it is an error.
    pub read_only: bool,
}

impl MemRef {
    /// A new buffer, poisoned; an error when its size overflows or exceeds the machine.
    pub fn alloc(shape: &[usize], elem: Elem) -> Result<MemRef, String> {
        let bytes = crate::limits::buffer_bytes(shape, elem.bytes()).map_err(|e| e.to_string())?;
        Ok(MemRef {
            bytes: Arc::new(Mutex::new(crate::limits::try_vec(bytes, 0xFF).map_err(|e| e.to_string())?)),
            elem,
            shape: shape.to_vec(),
            strides: Tensor::strides(shape),
            offset: 0,
            base: 0,
            read_only: false,
        })
    }

    /// The bytes, also after a thread that held them panicked (they are plain data).
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.bytes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The byte offset of `index`, or which index is out of bounds.
    fn at(&self, index: &[i64]) -> Result<usize, String> {
        if index.len() != self.shape.len() {
            return Err(format!("{} indices for a buffer of rank {}", index.len(), self.shape.len()));
        }
        let mut off = 0;
        for (d, (i, n)) in index.iter().zip(&self.shape).enumerate() {
            if *i < 0 || *i as u64 >= *n as u64 {
                return Err(format!("index {i} is out of bounds in dimension {d} of size {n}"));
            }
            off += *i as usize * self.strides[d];
        }
        Ok(self.offset + off * self.elem.bytes())
    }

    pub fn load(&self, index: &[i64]) -> Result<Scalar, String> {
        let at = self.at(index)?;
        let b = self.lock();
        Ok(self.elem.read(&b[at..at + self.elem.bytes()]))
    }

    pub fn store(&self, index: &[i64], v: Scalar) -> Result<(), String> {
        if self.read_only {
            return Err("a store into a constant global".into());
        }
        let at = self.at(index)?;
        let w = self.elem.bytes();
        self.elem.write(v, &mut self.lock()[at..at + w]);
        Ok(())
    }

    /// The `lanes` elements of the vector at `index` of a buffer of vectors, whose last
    /// dimensions are the vector's (see [`buffer_shape`]).
    pub fn load_vector(&self, index: &[i64], vector: &[usize]) -> Result<Vec<Scalar>, String> {
        lane_indices(index, vector).map(|i| self.load(&i)).collect()
    }

    /// Writes `lanes` as the vector at `index` of a buffer of vectors.
    pub fn store_vector(&self, index: &[i64], vector: &[usize], lanes: &[Scalar]) -> Result<(), String> {
        if vector.iter().try_fold(1usize, |a, d| a.checked_mul(*d)) != Some(lanes.len()) {
            return Err(format!("{} lanes for a vector of shape {vector:?}", lanes.len()));
        }
        lane_indices(index, vector).zip(lanes).try_for_each(|(i, v)| self.store(&i, *v))
    }

    pub fn from_tensor(t: &Tensor) -> MemRef {
        MemRef {
            bytes: Arc::new(Mutex::new(t.to_bytes())),
            elem: t.elem,
            shape: t.shape.clone(),
            strides: Tensor::strides(&t.shape),
            offset: 0,
            base: 0,
            read_only: false,
        }
    }

    pub fn to_tensor(&self) -> Result<Tensor, String> {
        // A view may show one element many times (a zero stride): its size is checked too.
        let n =
            crate::limits::buffer_bytes(&self.shape, self.elem.bytes()).map_err(|e| e.to_string())? / self.elem.bytes();
        let mut values = Vec::with_capacity(n);
        let mut index = vec![0i64; self.shape.len()];
        for _ in 0..n {
            values.push(self.load(&index)?);
            for d in (0..index.len()).rev() {
                index[d] += 1;
                if (index[d] as usize) < self.shape[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        Ok(Tensor::from_scalars(&self.shape, self.elem, values))
    }
}

/// A runtime value.
#[derive(Clone, Debug)]
pub enum RtValue {
    Scalar(Scalar),
    /// A `vector<N x T>`: its lanes.
    Vector(Rc<[Scalar]>),
    Tensor(Rc<Tensor>),
    MemRef(MemRef),
}

/// What an op is, decoded once.
#[derive(Clone, Debug)]
enum Step {
    /// A scalar op, or (with `lanes` > 0) the same op lane by lane on vectors.
    Scalar(Op, Types, usize),
    /// The same op element by element on tensors (`arith.addf %a, %b : tensor<4xf32>`).
    Elementwise(Op, Types),
    /// `vector` ops (`vector.rs`).
    Vector(vector::VectorStep),
    /// `memref.load` and `memref.store`, of a vector of this shape from a buffer of vectors
    /// (empty: of a scalar).
    Load(Rc<[usize]>),
    Store(Rc<[usize]>),
    /// `memref.prefetch`: a hint, with no effect, but its indices must be inside the memref (a
    /// lowering that prefetches past a buffer names memory that is not the buffer's).
    Prefetch,
    /// `memref.alloc`/`alloca` of the type's shape, its dynamic sizes (`DYNAMIC`) from the
    /// leading operands.
    Alloc(Rc<[i64]>, Elem),
    /// `memref.dim`.
    Dim,
    /// `memref.rank`.
    Rank,
    /// `memref.cast` to a type with these sizes (`DYNAMIC` where any size goes).
    Cast(Rc<[i64]>),
    /// `memref.dealloc`: buffers are freed with their last reference.
    NoEffect,
    View(Rc<[usize]>, Elem),
    /// Views, slices and reshapes (`views.rs`).
    Shaped(views::ShapedStep),
    Copy,
    /// `scf.for`; `true` compares the bounds as unsigned (`unsignedCmp`).
    For(bool),
    /// `scf.while`: the `before` region decides, the `after` region runs, until the condition
    /// is false.
    While,
    /// `scf.execute_region`: its region once.
    ExecuteRegion,
    /// `scf.index_switch` with these case values (the default region first, then the cases').
    IndexSwitch(Rc<[i64]>),
    /// `scf.parallel` of this many dimensions (its initial values follow the steps).
    Parallel(usize),
    /// `scf.forall` of these loops.
    Forall(Rc<strata_dialects::scf::ForallLoops>),
    /// `scf.forall.in_parallel`: the iteration's slices written into the shared outputs,
    /// which it passes on.
    InParallel,
    If,
    /// A terminator passing values on (`scf.yield`, `scf.reduce`, `scf.reduce.return`,
    /// `func.return`, `kernel.yield`).
    Exit,
    Br,
    CondBr,
    /// `cf.assert`: a false condition is an error with its message.
    Assert,
    Call(OpId),
    /// `nn` and `kernel` ops on tensors.
    Graph,
    ToBuffer,
    ToTensor,
    /// `tensor.empty` (poisoned) or, with a value to repeat, `tensor.splat`, of the type's
    /// shape, its dynamic sizes (`DYNAMIC`) from the size operands.
    TensorFill(Rc<[i64]>, Elem, bool),
    TensorExtract,
    TensorInsert,
    FromElements(Rc<[usize]>, Elem),
    /// `gpu.launch`: its region once per thread.
    Launch,
    /// `gpu.launch_func` of this `gpu.func`.
    LaunchFunc(OpId),
    /// A GPU thread's id or size in a dimension.
    GpuId(gpu::Id, usize),
    Barrier,
    Shuffle(gpu::Shuffle),
    /// `memref.get_global`: the named buffer, made on first use: its `initial_value`, read-only
    /// when the global is `constant`; else poisoned (uninitialized, or not defined yet: an
    /// arena before `materialize-arenas`).
    GetGlobal(String, Rc<[usize]>, Elem),
    TensorConstant(Rc<Tensor>),
}

/// The ops (or dialects) that take buffers of vectors (`memref<8xvector<4xf32>>`): the other
/// views and vector ops read a buffer's dimensions as its scalars'.
const RUNS_BUFFERS_OF_VECTORS: [&str; 12] = [
    "func",
    "scf",
    "cf",
    "memref.load",
    "memref.store",
    "memref.alloc",
    "memref.alloca",
    "memref.dealloc",
    "memref.dim",
    "memref.rank",
    "memref.cast",
    "memref.copy",
];

/// How a block ended.
enum Flow {
    Exit(Vec<RtValue>),
    Jump(BlockId, Vec<RtValue>),
}

fn elem_of(ctx: &Context, t: Type) -> Elem {
    elem_of_type(ctx, t).unwrap_or(Elem::F64)
}

/// The shape of a vector element type of the memref `t` (`[4]` for `memref<8xvector<4xf32>>`);
/// empty for other types. The interpreter holds such a buffer as one of scalars with the
/// vector's dimensions last (`8x4xf32`): the layout MLIR gives it, and what `.npy` files hold.
pub fn vector_element_shape(ctx: &Context, t: Type) -> Vec<usize> {
    let TypeKind::MemRef { element, .. } = ctx.type_kind(t) else { return Vec::new() };
    match ctx.type_kind(*element) {
        TypeKind::Vector { shape, .. } => shape.iter().map(|d| *d as usize).collect(),
        _ => Vec::new(),
    }
}

/// Whether `t` is a tensor of vectors (`tensor<8xvector<4xf32>>`), which the interpreter does
/// not hold.
pub fn tensor_of_vectors(ctx: &Context, t: Type) -> bool {
    let TypeKind::RankedTensor { element, .. } = ctx.type_kind(t) else { return false };
    matches!(ctx.type_kind(*element), TypeKind::Vector { .. })
}

/// `t`'s shape, with a memref's vector element's dimensions after its own.
pub fn buffer_shape(ctx: &Context, t: Type) -> Option<Vec<i64>> {
    let mut shape = ctx.shape(t)?.to_vec();
    shape.extend(vector_element_shape(ctx, t).iter().map(|d| *d as i64));
    Some(shape)
}

/// The full indices of each lane of the vector at `index`, in row-major order.
fn lane_indices<'a>(index: &'a [i64], vector: &'a [usize]) -> impl Iterator<Item = Vec<i64>> + 'a {
    Tensor::indices(vector).map(move |lane| index.iter().copied().chain(lane.iter().map(|l| *l as i64)).collect())
}

fn static_shape(ctx: &Context, t: Type) -> Option<Vec<usize>> {
    buffer_shape(ctx, t)?.iter().map(|d| usize::try_from(*d).ok()).collect()
}

/// Stack kept free before entering a nested region, and how much more to take when less is
/// left: deep nests recurse once per level.
const STACK_RED_ZONE: usize = 128 * 1024;
const STACK_GROWTH: usize = 4 * 1024 * 1024;

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
    /// Static buffers (`memref.global`), by name, made on first use.
    globals: FxHashMap<String, MemRef>,
    /// The `memref.global` definitions under the root, by name.
    global_defs: FxHashMap<String, OpId>,
    /// The thread being run, inside a GPU launch.
    gpu: Option<gpu::ThreadState>,
}

impl<'a> Machine<'a> {
    /// A machine for the functions under `root` (a module, or one function).
    pub fn new(ctx: &'a Context, ir: &'a Ir, root: OpId) -> Self {
        let mut functions = FxHashMap::default();
        let mut global_defs = FxHashMap::default();
        for op in ir.collect_ops(root) {
            let symbols = match ctx.ident_str(ir.op(op).name()) {
                "func.func" => &mut functions,
                "memref.global" => &mut global_defs,
                _ => continue,
            };
            if let Some(name) = ir.op(op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)) {
                symbols.insert(name.to_string(), op);
            }
        }
        for (name, kernel) in gpu::kernels(ctx, ir, root) {
            functions.insert(name, kernel);
        }
        Machine::with_symbols(ctx, ir, functions, global_defs)
    }

    /// A machine with these functions (and kernels, by `@module::@kernel`) and globals.
    fn with_symbols(
        ctx: &'a Context,
        ir: &'a Ir,
        functions: FxHashMap<String, OpId>,
        global_defs: FxHashMap<String, OpId>,
    ) -> Self {
        Machine {
            ctx,
            ir,
            values: Vec::new(),
            steps: Vec::new(),
            functions,
            active: Vec::new(),
            globals: FxHashMap::default(),
            global_defs,
            gpu: None,
        }
    }

    fn err(&self, op: OpId, message: impl Into<String>) -> RuntimeError {
        RuntimeError::at(self.ctx, self.ir, op, message)
    }

    fn set(&mut self, v: Value, x: RtValue) {
        let i = v.index();
        if i >= self.values.len() {
            self.values.resize(i + 1, None);
        }
        self.values[i] = Some(x);
    }

    fn get(&self, op: OpId, v: Value) -> Result<&RtValue, RuntimeError> {
        self.values
            .get(v.index())
            .and_then(Option::as_ref)
            .ok_or_else(|| self.err(op, "an operand has no value (the IR did not verify)"))
    }

    fn scalar(&self, op: OpId, v: Value) -> Result<Scalar, RuntimeError> {
        match self.get(op, v)? {
            RtValue::Scalar(x) => Ok(*x),
            _ => Err(self.err(op, "expected a scalar operand")),
        }
    }

    fn memref(&self, op: OpId, v: Value) -> Result<MemRef, RuntimeError> {
        match self.get(op, v)? {
            RtValue::MemRef(m) => Ok(m.clone()),
            _ => Err(self.err(op, "expected a memref operand")),
        }
    }

    /// The runtime shape of a memref or tensor operand (a buffer of vectors without the
    /// vector's dimensions).
    fn shape_of(&self, op: OpId, v: Value) -> Result<Vec<usize>, RuntimeError> {
        match self.get(op, v)? {
            RtValue::MemRef(m) => {
                let lanes = vector_element_shape(self.ctx, self.ir.value_type(v)).len();
                Ok(m.shape[..m.shape.len().saturating_sub(lanes)].to_vec())
            }
            RtValue::Tensor(t) => Ok(t.shape.clone()),
            _ => Err(self.err(op, "expected a memref or tensor operand")),
        }
    }

    /// A type's `shape` with its dynamic sizes (`DYNAMIC`) taken from `sizes`, in order.
    fn shape_with(&self, op: OpId, shape: &[i64], sizes: &[Value]) -> Result<Vec<usize>, RuntimeError> {
        let mut given = sizes.iter();
        let mut dims = Vec::with_capacity(shape.len());
        for d in shape {
            let n = match *d {
                strata_ir::DYNAMIC => {
                    let v = *given.next().ok_or_else(|| self.err(op, "a dynamic size without its operand"))?;
                    self.int(op, v)?
                }
                n => n,
            };
            dims.push(usize::try_from(n).map_err(|_| self.err(op, format!("a negative size: {n}")))?);
        }
        Ok(dims)
    }

    /// An integer or index operand's value.
    fn int(&self, op: OpId, v: Value) -> Result<i64, RuntimeError> {
        match self.scalar(op, v)? {
            Scalar::Int(i) => Ok(i),
            Scalar::Float(_) => Err(self.err(op, "expected an integer or index operand")),
        }
    }

    fn indices(&self, op: OpId, vs: &[Value]) -> Result<Vec<i64>, RuntimeError> {
        vs.iter().map(|v| self.int(op, *v)).collect()
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
            TypeKind::Vector { shape, .. } => shape.iter().try_fold(1usize, |a, d| a.checked_mul(*d as usize)),
            _ => None,
        });
        let types = || {
            let result = result_type.map_or(Elem::F64, |t| elem_of(ctx, t));
            let operand = o.operands().first().map_or(result, |v| elem_of(ctx, ir.value_type(*v)));
            Types { result, operand }
        };
        let shaped = |what: &str| -> Result<Rc<[usize]>, RuntimeError> {
            let t = result_type.ok_or_else(|| self.err(op, "no result"))?;
            let shape = static_shape(ctx, t)
                .ok_or_else(|| self.err(op, format!("{what}: dynamic shapes are not supported")))?;
            Ok(shape.into())
        };
        // The result type's shape as declared, `DYNAMIC` where the op's operands give the size.
        let declared = || -> Result<Rc<[i64]>, RuntimeError> {
            let t = result_type.ok_or_else(|| self.err(op, "no result"))?;
            Ok(buffer_shape(ctx, t).unwrap_or_default().into())
        };
        let value_types = || o.operands().iter().chain(o.results()).map(|v| ir.value_type(*v));
        if value_types().any(|t| tensor_of_vectors(ctx, t)) {
            return Err(self.err(op, "tensors of vectors do not run in the interpreter (buffers of vectors do)"));
        }
        if !RUNS_BUFFERS_OF_VECTORS.contains(&name.split('.').next().unwrap_or_default())
            && !RUNS_BUFFERS_OF_VECTORS.contains(&name)
            && value_types().any(|t| !vector_element_shape(ctx, t).is_empty())
        {
            return Err(
                self.err(op, "buffers of vectors run through memref.load, store, alloc, dim, rank, cast and copy only")
            );
        }
        // f80 and f128 values would be rounded to f64 without a word.
        let wide = |v: &Value| {
            let e = ctx.element_type_or_self(ctx.element_type_or_self(ir.value_type(*v)));
            matches!(ctx.type_kind(e), TypeKind::Float(strata_ir::FloatKind::F80 | strata_ir::FloatKind::F128))
        };
        if let Some(v) = o.operands().iter().chain(o.results()).find(|v| wide(v)) {
            let t = ctx.type_to_string(ir.value_type(*v));
            return Err(self.err(op, format!("{t}: the interpreter holds floats as f64, which f80 and f128 exceed")));
        }
        let step = if let Some(s) = decode(ctx, ir, op) {
            let on_tensors = result_type.is_some_and(|t| matches!(ctx.type_kind(t), TypeKind::RankedTensor { .. }));
            if on_tensors {
                Step::Elementwise(s, types())
            } else {
                Step::Scalar(s, types(), lanes.unwrap_or(0))
            }
        } else if let Some(s) = views::decode(ctx, ir, op, name) {
            Step::Shaped(s.map_err(|m| self.err(op, m))?)
        } else if let Some(s) = vector::decode(ctx, ir, op, name) {
            Step::Vector(s.map_err(|m| self.err(op, m))?)
        } else if name == "arith.constant" && result_type.is_some_and(|t| ctx.shape(t).is_some() && lanes.is_none()) {
            // A tensor constant (`arith.constant dense<...> : tensor<...>`).
            let a = o.attr(ctx.ident("value")).ok_or_else(|| self.err(op, "no value"))?;
            let t = crate::interp::constant_tensor(ctx, a).map_err(|m| self.err(op, m))?;
            Step::TensorConstant(Rc::new(t))
        } else if name == "arith.constant" && lanes.is_some() {
            // A vector constant: its lanes.
            let a = o.attr(ctx.ident("value")).ok_or_else(|| self.err(op, "no value"))?;
            let t = crate::interp::constant_tensor(ctx, a).map_err(|m| self.err(op, m))?;
            Step::Vector(vector::VectorStep::Constant(t.scalars().collect::<Vec<_>>().into()))
        } else {
            match name {
                "memref.load" => Step::Load(vector_element_shape(ctx, ir.value_type(o.operands()[0])).into()),
                "memref.store" => Step::Store(vector_element_shape(ctx, ir.value_type(o.operands()[1])).into()),
                "memref.alloc" | "memref.alloca" => Step::Alloc(declared()?, types().result),
                "memref.dim" => Step::Dim,
                "memref.rank" => Step::Rank,
                // Compared with the operand's shape, which a buffer of vectors gives without
                // the vectors' dimensions.
                "memref.cast" | "tensor.cast" => {
                    let t = result_type.ok_or_else(|| self.err(op, "no result"))?;
                    Step::Cast(ctx.shape(t).unwrap_or_default().into())
                }
                "memref.view" => Step::View(shaped(name)?, types().result),
                "memref.dealloc" => Step::NoEffect,
                "memref.prefetch" => Step::Prefetch,
                "bufferization.to_buffer" => Step::ToBuffer,
                "tensor.empty" | "tensor.splat" => {
                    Step::TensorFill(declared()?, types().result, name == "tensor.splat")
                }
                "tensor.dim" => Step::Dim,
                "tensor.rank" => Step::Rank,
                "tensor.from_elements" => Step::FromElements(shaped(name)?, types().result),
                "tensor.extract" => Step::TensorExtract,
                "tensor.insert" => Step::TensorInsert,
                "memref.get_global" => {
                    let global = o.attr(ctx.ident("name")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                    Step::GetGlobal(global.trim_start_matches('@').to_string(), shaped(name)?, types().result)
                }
                "bufferization.to_tensor" => Step::ToTensor,
                "memref.copy" => Step::Copy,
                "scf.for" => Step::For(o.attr(ctx.ident("unsignedCmp")).is_some()),
                "scf.while" => Step::While,
                "scf.execute_region" => Step::ExecuteRegion,
                "scf.index_switch" => Step::IndexSwitch(strata_dialects::scf::index_switch_cases(ctx, ir, op).into()),
                "scf.parallel" => {
                    let p = strata_dialects::scf::parallel_operands(ctx, ir, op).map_err(|m| self.err(op, m))?;
                    Step::Parallel(p.dims())
                }
                "scf.forall" => {
                    let loops = strata_dialects::scf::forall_loops(ctx, ir, op).map_err(|m| self.err(op, m))?;
                    Step::Forall(Rc::new(loops))
                }
                "scf.forall.in_parallel" => Step::InParallel,
                "scf.if" => Step::If,
                "scf.yield" | "scf.reduce" | "scf.reduce.return" | "scf.condition" | "func.return" | "kernel.yield"
                | "tensor.yield" | "vector.yield" | "gpu.return" | "gpu.terminator" => Step::Exit,
                "gpu.launch" => Step::Launch,
                "gpu.launch_func" => {
                    let kernel = o.attr(ctx.ident("kernel")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                    let f = *self.functions.get(&kernel).ok_or_else(|| self.err(op, format!("no kernel {kernel}")))?;
                    Step::LaunchFunc(f)
                }
                "gpu.barrier" => Step::Barrier,
                "gpu.shuffle" => {
                    let mode = o.attr(ctx.ident("mode")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                    let mode = [
                        ("xor", gpu::Shuffle::Xor),
                        ("up", gpu::Shuffle::Up),
                        ("down", gpu::Shuffle::Down),
                        ("idx", gpu::Shuffle::Idx),
                    ]
                    .into_iter()
                    .find(|(m, _)| mode.contains(m))
                    .ok_or_else(|| self.err(op, format!("shuffle mode {mode}")))?;
                    Step::Shuffle(mode.1)
                }
                n if gpu::Id::of(n).is_some() => {
                    let id = gpu::Id::of(n).expect("checked");
                    let dim = match o.attr(ctx.ident("dimension")).map(|a| ctx.attr_to_string(a)) {
                        Some(d) if d.contains('y') => 1,
                        Some(d) if d.contains('z') => 2,
                        _ => 0,
                    };
                    Step::GpuId(id, dim)
                }
                "cf.br" => Step::Br,
                "cf.cond_br" => Step::CondBr,
                "cf.assert" => Step::Assert,
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
        let out = self.run_region(func, region, args);
        self.active.pop();
        out
    }

    /// Runs a region of `owner` from its entry block until a terminator leaves it, on a stack
    /// grown when little is left (each nesting level recurses once).
    fn run_region(&mut self, owner: OpId, region: RegionId, args: Vec<RtValue>) -> Result<Vec<RtValue>, RuntimeError> {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.run_region_here(owner, region, args))
    }

    fn run_region_here(
        &mut self,
        owner: OpId,
        region: RegionId,
        args: Vec<RtValue>,
    ) -> Result<Vec<RtValue>, RuntimeError> {
        let ir = self.ir;
        let mut block = *ir.region(region).blocks().first().ok_or_else(|| self.err(owner, "an empty region"))?;
        let mut args = args;
        loop {
            for (a, v) in ir.block(block).args().iter().zip(args.drain(..)) {
                self.set(*a, v);
            }
            match self.run_block(owner, block)? {
                Flow::Exit(values) => return Ok(values),
                Flow::Jump(next, values) => {
                    block = next;
                    args = values;
                }
            }
        }
    }

    fn values(&self, op: OpId, vs: &[Value]) -> Result<Vec<RtValue>, RuntimeError> {
        vs.iter().map(|v| self.get(op, *v).cloned()).collect()
    }

    fn run_block(&mut self, owner: OpId, block: BlockId) -> Result<Flow, RuntimeError> {
        let ir = self.ir;
        let mut buf = [Scalar::Int(0); 3];
        for op in ir.block_ops(block) {
            let o = ir.op(op);
            let operands = o.operands();
            match self.step(op)? {
                Step::Scalar(s, types, 0) => {
                    let n = operands.len().min(3);
                    for (slot, v) in buf.iter_mut().zip(operands) {
                        *slot = self.scalar(op, *v)?;
                    }
                    let r = apply(s, types, &buf[..n]).map_err(|f| self.err(op, f.to_string()))?;
                    self.set(o.result(0), RtValue::Scalar(r));
                }
                Step::Scalar(s, types, lanes) => {
                    let values: Vec<RtValue> = self.values(op, operands)?;
                    let lane = |v: &RtValue, l: usize| match v {
                        RtValue::Vector(xs) => xs.get(l).copied(),
                        RtValue::Scalar(x) => Some(*x),
                        _ => None,
                    };
                    let n = operands.len().min(3);
                    let mut out = Vec::with_capacity(lanes);
                    for l in 0..lanes {
                        let mut args = [Scalar::Int(0); 3];
                        for (a, v) in args.iter_mut().zip(&values) {
                            *a = lane(v, l).ok_or_else(|| self.err(op, "vector operands of different lengths"))?;
                        }
                        out.push(apply(s, types, &args[..n]).map_err(|f| self.err(op, format!("lane {l}: {f}")))?);
                    }
                    self.set(o.result(0), RtValue::Vector(out.into()));
                }
                Step::Elementwise(s, types) => {
                    let result = self.elementwise(op, s, types)?;
                    self.set(o.result(0), RtValue::Tensor(Rc::new(result)));
                }
                Step::Vector(step) => self.run_vector(op, step)?,
                Step::Load(vector) => {
                    let m = self.memref(op, operands[0])?;
                    let index = self.indices(op, &operands[1..])?;
                    let v = if vector.is_empty() {
                        RtValue::Scalar(m.load(&index).map_err(|e| self.err(op, e))?)
                    } else {
                        RtValue::Vector(m.load_vector(&index, &vector).map_err(|e| self.err(op, e))?.into())
                    };
                    self.set(o.result(0), v);
                }
                Step::Prefetch => {
                    let m = self.memref(op, operands[0])?;
                    m.load(&self.indices(op, &operands[1..])?).map_err(|e| self.err(op, e))?;
                }
                Step::Store(vector) => {
                    let m = self.memref(op, operands[1])?;
                    let index = self.indices(op, &operands[2..])?;
                    if vector.is_empty() {
                        let v = self.scalar(op, operands[0])?;
                        m.store(&index, v).map_err(|e| self.err(op, e))?;
                    } else {
                        let RtValue::Vector(lanes) = self.get(op, operands[0])? else {
                            return Err(self.err(op, "expected a vector operand"));
                        };
                        m.store_vector(&index, &vector, lanes).map_err(|e| self.err(op, e))?;
                    }
                }
                Step::Alloc(shape, elem) => {
                    let dims = self.shape_with(op, &shape, operands)?;
                    let m = MemRef::alloc(&dims, elem).map_err(|e| self.err(op, e))?;
                    self.set(o.result(0), RtValue::MemRef(m));
                }
                Step::Dim => {
                    let shape = self.shape_of(op, operands[0])?;
                    let i = self.int(op, operands[1])?;
                    let n = usize::try_from(i)
                        .ok()
                        .and_then(|i| shape.get(i).copied())
                        .ok_or_else(|| self.err(op, format!("dimension {i} of a value of rank {}", shape.len())))?;
                    self.set(o.result(0), RtValue::Scalar(Scalar::Int(n as i64)));
                }
                Step::Rank => {
                    let rank = self.shape_of(op, operands[0])?.len();
                    self.set(o.result(0), RtValue::Scalar(Scalar::Int(rank as i64)));
                }
                Step::Cast(to) => {
                    let shape = self.shape_of(op, operands[0])?;
                    let fits = shape.len() == to.len()
                        && shape.iter().zip(to.iter()).all(|(n, t)| *t == strata_ir::DYNAMIC || *n as i64 == *t);
                    if !fits {
                        return Err(self.err(op, format!("a value of shape {shape:?} cast to {to:?}")));
                    }
                    let v = self.get(op, operands[0])?.clone();
                    self.set(o.result(0), v);
                }
                Step::View(shape, elem) => {
                    let arena = self.memref(op, operands[0])?;
                    let shift = self.int(op, operands[1])?;
                    let bytes =
                        crate::limits::buffer_bytes(&shape, elem.bytes()).map_err(|e| self.err(op, e.to_string()))?;
                    let end = usize::try_from(shift).ok().and_then(|s| (arena.offset + s).checked_add(bytes));
                    if end.is_none_or(|end| end > arena.lock().len()) {
                        return Err(self.err(op, format!("a view of {bytes} bytes at {shift} overruns the arena")));
                    }
                    let view = MemRef {
                        bytes: arena.bytes.clone(),
                        elem,
                        shape: shape.to_vec(),
                        strides: Tensor::strides(&shape),
                        offset: arena.offset + shift as usize,
                        base: arena.offset + shift as usize,
                        read_only: arena.read_only,
                    };
                    self.set(o.result(0), RtValue::MemRef(view));
                }
                Step::Shaped(step) => self.run_shaped(op, step)?,
                Step::NoEffect => {}
                Step::Copy => {
                    let (src, dst) = (self.memref(op, operands[0])?, self.memref(op, operands[1])?);
                    let t = src.to_tensor().map_err(|e| self.err(op, e))?;
                    if t.shape != dst.shape {
                        return Err(self.err(op, format!("copies {:?} into {:?}", t.shape, dst.shape)));
                    }
                    let mut index = vec![0i64; t.shape.len()];
                    for v in t.scalars() {
                        dst.store(&index, v).map_err(|e| self.err(op, e))?;
                        for d in (0..index.len()).rev() {
                            index[d] += 1;
                            if (index[d] as usize) < t.shape[d] {
                                break;
                            }
                            index[d] = 0;
                        }
                    }
                }
                Step::For(unsigned) => {
                    let iv_elem = elem_of(self.ctx, ir.value_type(operands[0]));
                    // Bounds compared, and the induction variable stepped, in the loop's own
                    // reading of its type: a step past its largest value ends the loop rather
                    // than wrapping around.
                    let read = |x: i64| if unsigned { iv_elem.unsigned(x) as i128 } else { x as i128 };
                    let largest =
                        if unsigned { iv_elem.unsigned(-1) as i128 } else { iv_elem.signed_range().1 as i128 };
                    let (lb, ub, step) = (
                        read(self.int(op, operands[0])?),
                        read(self.int(op, operands[1])?),
                        read(self.int(op, operands[2])?),
                    );
                    if step <= 0 {
                        return Err(self.err(op, format!("the step must be positive, not {step}")));
                    }
                    let mut carried: Vec<RtValue> = self.values(op, &operands[3..])?;
                    let region = o.regions()[0];
                    let mut i = lb;
                    while i < ub {
                        let mut args = vec![RtValue::Scalar(Scalar::Int(iv_elem.wrap(i)))];
                        args.extend(carried);
                        carried = self.run_region(op, region, args)?;
                        i += step;
                        if i > largest {
                            break;
                        }
                    }
                    for (r, v) in o.results().iter().zip(carried) {
                        self.set(*r, v);
                    }
                }
                Step::While => {
                    let (before, after) = (o.regions()[0], o.regions()[1]);
                    let mut args = self.values(op, operands)?;
                    let results = loop {
                        // scf.condition passes its flag, then the values.
                        let mut passed = self.run_region(op, before, args)?;
                        if passed.is_empty() {
                            return Err(self.err(op, "the 'before' region passed no condition"));
                        }
                        let go_on = match passed.remove(0) {
                            RtValue::Scalar(Scalar::Int(c)) => c != 0,
                            _ => return Err(self.err(op, "the condition is not an i1")),
                        };
                        if !go_on {
                            break passed;
                        }
                        args = self.run_region(op, after, passed)?;
                    };
                    for (r, v) in o.results().iter().zip(results) {
                        self.set(*r, v);
                    }
                }
                Step::ExecuteRegion => {
                    let values = self.run_region(op, o.regions()[0], Vec::new())?;
                    for (r, v) in o.results().iter().zip(values) {
                        self.set(*r, v);
                    }
                }
                Step::IndexSwitch(cases) => {
                    let k = self.int(op, operands[0])?;
                    let which = cases.iter().position(|c| *c == k).map_or(0, |i| i + 1);
                    let region = *o.regions().get(which).ok_or_else(|| self.err(op, "a case without a region"))?;
                    let values = self.run_region(op, region, Vec::new())?;
                    for (r, v) in o.results().iter().zip(values) {
                        self.set(*r, v);
                    }
                }
                Step::Parallel(n) => {
                    let results = self.parallel(op, n)?;
                    for (r, v) in o.results().iter().zip(results) {
                        self.set(*r, v);
                    }
                }
                Step::Forall(loops) => {
                    let results = self.forall(op, &loops)?;
                    for (r, v) in o.results().iter().zip(results) {
                        self.set(*r, v);
                    }
                }
                Step::InParallel => return Ok(Flow::Exit(self.in_parallel(op)?)),
                Step::If => {
                    let region = if self.int(op, operands[0])? != 0 { o.regions()[0] } else { o.regions()[1] };
                    let values = if ir.region(region).blocks().is_empty() {
                        Vec::new()
                    } else {
                        self.run_region(op, region, Vec::new())?
                    };
                    for (r, v) in o.results().iter().zip(values) {
                        self.set(*r, v);
                    }
                }
                Step::Exit => return Ok(Flow::Exit(self.values(op, operands)?)),
                Step::Br => return Ok(Flow::Jump(o.successors()[0], self.values(op, operands)?)),
                Step::CondBr => {
                    let def = self.ctx.op_def(o.name()).ok_or_else(|| self.err(op, "an unregistered branch"))?;
                    let groups = def.operand_group_ranges(self.ctx, ir, op);
                    let (which, group) =
                        if self.int(op, operands[0])? != 0 { (0, &groups[1]) } else { (1, &groups[2]) };
                    let values = self.values(op, &operands[group.clone()])?;
                    return Ok(Flow::Jump(o.successors()[which], values));
                }
                Step::Assert => {
                    if self.int(op, operands[0])? == 0 {
                        let msg = o.attr(self.ctx.ident("msg")).and_then(|a| self.ctx.attr_as_str(a));
                        return Err(self.err(op, msg.unwrap_or("assertion failed")));
                    }
                }
                Step::Call(f) => {
                    let args = self.values(op, operands)?;
                    let results = self.call(f, args)?;
                    for (r, v) in o.results().iter().zip(results) {
                        self.set(*r, v);
                    }
                }
                Step::ToBuffer => {
                    let m = match self.get(op, operands[0])? {
                        RtValue::Tensor(t) => MemRef::from_tensor(t),
                        _ => return Err(self.err(op, "expected a tensor")),
                    };
                    self.set(o.result(0), RtValue::MemRef(m));
                }
                Step::TensorFill(shape, elem, splat) => {
                    let (value, sizes) = if splat { (Some(operands[0]), &operands[1..]) } else { (None, operands) };
                    let shape = self.shape_with(op, &shape, sizes)?;
                    let n = crate::limits::buffer_bytes(&shape, elem.bytes())
                        .map_err(|e| self.err(op, e.to_string()))?
                        / elem.bytes();
                    // Unwritten elements read as poison, as fresh buffers do (NaN, or -1).
                    let fill = match value {
                        Some(v) => self.scalar(op, v)?,
                        None => elem.poison(),
                    };
                    let t = Tensor::from_scalars(&shape, elem, std::iter::repeat_n(fill, n));
                    self.set(o.result(0), RtValue::Tensor(Rc::new(t)));
                }
                Step::FromElements(shape, elem) => {
                    let values = operands.iter().map(|v| self.scalar(op, *v)).collect::<Result<Vec<_>, _>>()?;
                    let t = Tensor::from_scalars(&shape, elem, values);
                    self.set(o.result(0), RtValue::Tensor(Rc::new(t)));
                }
                Step::TensorExtract => {
                    let RtValue::Tensor(t) = self.get(op, operands[0])? else {
                        return Err(self.err(op, "expected a tensor"));
                    };
                    let t = t.clone();
                    let idx = self.indices(op, &operands[1..])?;
                    let off = tensor_offset(&t, &idx).map_err(|e| self.err(op, e))?;
                    self.set(o.result(0), RtValue::Scalar(t.get(off)));
                }
                Step::TensorInsert => {
                    let RtValue::Tensor(t) = self.get(op, operands[1])? else {
                        return Err(self.err(op, "expected a tensor"));
                    };
                    let mut t = (**t).clone();
                    let idx = self.indices(op, &operands[2..])?;
                    let off = tensor_offset(&t, &idx).map_err(|e| self.err(op, e))?;
                    t.set(off, self.scalar(op, operands[0])?);
                    self.set(o.result(0), RtValue::Tensor(Rc::new(t)));
                }
                Step::GetGlobal(name, shape, elem) => {
                    let m = match self.globals.get(&name) {
                        Some(m) => m.clone(),
                        None => {
                            let m = self.global(op, &name, &shape, elem)?;
                            self.globals.insert(name, m.clone());
                            m
                        }
                    };
                    self.set(o.result(0), RtValue::MemRef(m));
                }
                Step::TensorConstant(t) => self.set(o.result(0), RtValue::Tensor(t)),
                Step::Launch => self.launch(op)?,
                Step::LaunchFunc(f) => self.launch_func(op, f)?,
                Step::GpuId(id, dim) => {
                    let v = self.gpu_id(op, id, dim)?;
                    self.set(o.result(0), RtValue::Scalar(v));
                }
                Step::Barrier => self.barrier(op)?,
                Step::Shuffle(mode) => {
                    let v = self.scalar(op, operands[0])?;
                    let (offset, width) = (self.int(op, operands[1])?, self.int(op, operands[2])?);
                    let (x, valid) = self.shuffle(op, mode, v, offset, width)?;
                    self.set(o.result(0), RtValue::Scalar(x));
                    self.set(o.result(1), RtValue::Scalar(Scalar::Int(i64::from(valid))));
                }
                Step::ToTensor => {
                    let t = self.memref(op, operands[0])?.to_tensor().map_err(|e| self.err(op, e))?;
                    self.set(o.result(0), RtValue::Tensor(Rc::new(t)));
                }
                Step::Graph => {
                    let tensors: Vec<Rc<Tensor>> = operands
                        .iter()
                        .map(|v| match self.get(op, *v)? {
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
        Err(self.err(owner, "a block without a terminator"))
    }
}

impl Machine<'_> {
    /// The scalar op `s` applied to each element of `op`'s tensor operands (all of one shape;
    /// a scalar operand, as `arith.select`'s condition may be, goes to every element).
    fn elementwise(&self, op: OpId, s: Op, types: Types) -> Result<Tensor, RuntimeError> {
        let values = self.values(op, self.ir.op(op).operands())?;
        let shape = values.iter().find_map(|v| if let RtValue::Tensor(t) = v { Some(t.shape.clone()) } else { None });
        let shape = shape.ok_or_else(|| self.err(op, "expected a tensor operand"))?;
        let n = values.len().min(3);
        let mut out = Vec::with_capacity(shape.iter().product());
        for i in 0..shape.iter().product::<usize>() {
            let mut args = [Scalar::Int(0); 3];
            for (a, v) in args.iter_mut().zip(&values) {
                *a = match v {
                    RtValue::Tensor(t) if t.shape == shape => t.get(i),
                    RtValue::Scalar(x) => *x,
                    RtValue::Tensor(t) => {
                        return Err(self.err(op, format!("tensor operands of shapes {:?} and {shape:?}", t.shape)))
                    }
                    _ => return Err(self.err(op, "expected tensor or scalar operands")),
                };
            }
            out.push(apply(s, types, &args[..n]).map_err(|f| self.err(op, format!("element {i}: {f}")))?);
        }
        Ok(Tensor::from_scalars(&shape, types.result, out))
    }

    /// Runs the `scf.parallel` `op` of `n` dimensions in row-major order of its iterations
    /// and returns its reductions: each starts at its initial value, and each iteration's
    /// value is combined into it by its region of the body's `scf.reduce`, in iteration order
    /// (one valid order of upstream's unspecified one).
    fn parallel(&mut self, op: OpId, n: usize) -> Result<Vec<RtValue>, RuntimeError> {
        let ir = self.ir;
        let operands = ir.op(op).operands();
        let lb = self.indices(op, &operands[..n])?;
        let ub = self.indices(op, &operands[n..2 * n])?;
        let st = self.indices(op, &operands[2 * n..3 * n])?;
        let mut acc = self.values(op, &operands[3 * n..])?;
        if let Some(s) = st.iter().find(|s| **s <= 0) {
            return Err(self.err(op, format!("steps must be positive, not {s}")));
        }
        if lb.iter().zip(&ub).any(|(l, u)| l >= u) {
            return Ok(acc);
        }
        let region = ir.op(op).regions()[0];
        let reduce = ir.region(region).blocks().first().and_then(|b| ir.block(*b).last_op());
        let reduce = reduce.ok_or_else(|| self.err(op, "the body has no terminator"))?;
        let combiners = ir.op(reduce).regions().to_vec();
        if combiners.len() != acc.len() {
            return Err(self.err(op, "the body's scf.reduce needs one region per initial value"));
        }
        let mut iv = lb.clone();
        'nest: loop {
            let values = self.run_region(op, region, iv.iter().map(|x| RtValue::Scalar(Scalar::Int(*x))).collect())?;
            if values.len() != acc.len() {
                return Err(self.err(reduce, "needs one value per initial value of its scf.parallel"));
            }
            for ((a, v), r) in acc.iter_mut().zip(values).zip(&combiners) {
                let previous = std::mem::replace(a, RtValue::Scalar(Scalar::Int(0)));
                let mut combined = self.run_region(reduce, *r, vec![previous, v])?;
                *a = combined
                    .pop()
                    .filter(|_| combined.is_empty())
                    .ok_or_else(|| self.err(reduce, "a reduction region must return one value (scf.reduce.return)"))?;
            }
            for d in (0..n).rev() {
                iv[d] = iv[d].saturating_add(st[d]);
                if iv[d] < ub[d] {
                    continue 'nest;
                }
                iv[d] = lb[d];
            }
            return Ok(acc);
        }
    }

    /// The buffer of global `name` on its first use by `op`: its contents when its definition
    /// has an `initial_value` (a `dense<...>` or a `dense_resource<...>` blob), read-only when
    /// it is `constant`; poisoned otherwise.
    fn global(&self, op: OpId, name: &str, shape: &[usize], elem: Elem) -> Result<MemRef, RuntimeError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let def = self.global_defs.get(name).map(|d| ir.op(*d));
        let initial = def.and_then(|d| d.attr(ctx.ident("initial_value"))).filter(|a| {
            matches!(
                ctx.attr_kind(*a),
                strata_ir::AttrKind::DenseElements { .. } | strata_ir::AttrKind::DenseResource { .. }
            )
        });
        let Some(initial) = initial else { return MemRef::alloc(shape, elem).map_err(|e| self.err(op, e)) };
        let t = crate::interp::constant_tensor(ctx, initial).map_err(|m| self.err(op, format!("@{name}: {m}")))?;
        if t.shape != shape || t.elem != elem {
            return Err(self.err(op, format!("@{name}'s initial value is not a {shape:?} buffer of {elem}")));
        }
        let constant = def.is_some_and(|d| d.attr(ctx.ident("constant")).is_some());
        Ok(MemRef { read_only: constant, ..MemRef::from_tensor(&t) })
    }
}

/// The row-major offset of `index` in `t`, or which index is out of bounds.
fn tensor_offset(t: &Tensor, index: &[i64]) -> Result<usize, String> {
    if index.len() != t.shape.len() {
        return Err(format!("{} indices for a tensor of rank {}", index.len(), t.shape.len()));
    }
    let mut off = 0;
    for (d, ((i, n), s)) in index.iter().zip(&t.shape).zip(Tensor::strides(&t.shape)).enumerate() {
        if *i < 0 || *i as u64 >= *n as u64 {
            return Err(format!("index {i} is out of bounds in dimension {d} of size {n}"));
        }
        off += *i as usize * s;
    }
    Ok(off)
}

/// How a function argument of type `t` takes a tensor: as a tensor, a memref or a scalar.
pub fn to_runtime(ctx: &Context, t: Type, value: Tensor) -> RtValue {
    match ctx.type_kind(t) {
        TypeKind::MemRef { .. } => RtValue::MemRef(MemRef::from_tensor(&value)),
        TypeKind::RankedTensor { .. } => RtValue::Tensor(Rc::new(value)),
        TypeKind::Vector { .. } => RtValue::Vector(value.scalars().collect::<Vec<_>>().into()),
        _ => RtValue::Scalar(if value.is_empty() { value.elem.zero() } else { value.get(0) }),
    }
}

/// A result as a tensor (memrefs are read out; scalars become rank-0 tensors).
pub fn to_tensor(v: RtValue, elem: Elem) -> Result<Tensor, String> {
    match v {
        RtValue::Tensor(t) => Ok(Rc::try_unwrap(t).unwrap_or_else(|t| (*t).clone())),
        RtValue::MemRef(m) => m.to_tensor(),
        RtValue::Scalar(x) => Ok(Tensor::from_scalars(&[], elem, [x])),
        RtValue::Vector(xs) => Ok(Tensor::from_scalars(&[xs.len()], elem, xs.iter().copied())),
    }
}
