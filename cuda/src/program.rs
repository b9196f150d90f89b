//! A program: an entry's host code, its kernels loaded, and its memory planned.

use rustc_hash::FxHashMap;
use strata_ir::{Context, Diagnostic, Ir, OpId, Type, TypeKind, Value, ValueDef};
use strata_lowering::ptx::{self, Param, PtxTarget};
use strata_runtime::scalar::{apply, decode, elem_of_type, Types};
use strata_runtime::{Elem, Scalar, Tensor};

use crate::driver::{Buffer, Device, Event, Graph, Launch, Module};
use crate::CudaError;

/// Alignment of every planned buffer, as the kernels assume it.
const ALIGN: usize = strata_lowering::ptx::BUFFER_ALIGNMENT as usize;

/// A value of host code.
#[derive(Clone, Copy, Debug)]
enum HostValue {
    Scalar(Scalar),
    /// A buffer: its device address.
    Buffer(u64),
}

/// How a call treats launches and device reads.
enum Mode<'m> {
    /// Launches are enqueued as they come; device reads are made and remembered.
    Eager,
    /// As `Eager`, each launch between two events (`launch_func` op, start, end).
    Profile(&'m mut Vec<(OpId, Event, Event)>),
    /// Launches are collected for a graph; device reads come from the last eager call.
    Trace(&'m mut Vec<Launch>),
}

pub struct Program<'a> {
    ctx: &'a Context,
    ir: &'a Ir,
    func: OpId,
    device: Device,
    /// Kept loaded while its kernels are used.
    _module: Module,
    /// Kernels by `@module::@kernel`: the function and its parameters.
    kernels: FxHashMap<String, (cudarc::driver::sys::CUfunction, Vec<Param>)>,
    traps: Vec<ptx::TrapSite>,
    trap_word: u64,
    /// Every planned byte: inputs, then globals.
    memory: Buffer,
    globals: FxHashMap<String, usize>,
    /// Each `memref.alloc` of the host function: its planned offset (the same buffer each call).
    allocs: FxHashMap<OpId, usize>,
    /// The globals that no kernel is given: only the host writes them (first-call flags), so a
    /// recorded graph may assume what the host read of them. By planned offset range.
    host_only: Vec<(usize, usize)>,
    /// Each input's offset in `memory`, shape and element type.
    inputs: Vec<(usize, Vec<usize>, Elem)>,
    /// What the last eager call read from the device, by address.
    reads: FxHashMap<u64, Vec<u8>>,
    graph: Option<Graph>,
    /// The results of the last call (a replayed graph's are the recorded call's buffers).
    last: Option<Vec<HostValue>>,
}

fn unsupported(ir: &Ir, op: OpId, message: String) -> CudaError {
    CudaError::Unsupported(Diagnostic::error(ir.op(op).loc(), message))
}

fn align(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

/// A memref type's static shape and element type.
fn buffer_type(ctx: &Context, t: Type) -> Option<(Vec<usize>, Elem)> {
    let TypeKind::MemRef { shape, element, layout: None, .. } = ctx.type_kind(t) else { return None };
    let shape = shape.iter().map(|d| usize::try_from(*d).ok()).collect::<Option<Vec<_>>>()?;
    Some((shape, elem_of_type(ctx, *element)?))
}

impl<'a> Program<'a> {
    /// Loads the kernels under `root` and plans the memory of entry `func` on `device`.
    pub fn load(ctx: &'a Context, ir: &'a Ir, root: OpId, func: OpId, device: Device) -> Result<Self, CudaError> {
        let sm = if device.capability.0 >= 9 { 90 } else { 80 };
        if device.capability.0 < 8 {
            return Err(CudaError::Load(format!(
                "{} has compute capability {}.{}: PTX is written for sm_80 and newer",
                device.name, device.capability.0, device.capability.1
            )));
        }
        let ptx = ptx::emit(ctx, ir, root, PtxTarget { sm })?;
        let module = Module::load(&ptx.text)?;
        let mut kernels = FxHashMap::default();
        for (mname, m) in ptx::gpu_modules(ctx, ir, root) {
            for f in ir.collect_ops(m) {
                if ctx.ident_str(ir.op(f).name()) != "gpu.func" {
                    continue;
                }
                let symbol = ir.op(f).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("");
                let k = ptx.kernels.iter().find(|k| k.symbol == symbol).expect("every gpu.func is emitted");
                kernels.insert(format!("@{mname}::@{symbol}"), (module.function(&k.name)?, k.params.clone()));
            }
        }
        let (trap_word, _) = module.global(ptx::TRAP_SYMBOL)?;

        // The plan: inputs, then every global, each aligned.
        let mut at = 0usize;
        let mut inputs = Vec::new();
        let entry = *ir
            .region(ir.op(func).regions()[0])
            .blocks()
            .first()
            .ok_or_else(|| unsupported(ir, func, "the entry has no body".into()))?;
        for a in ir.block(entry).args() {
            let t = ir.value_type(*a);
            let (shape, elem) = buffer_type(ctx, t).ok_or_else(|| {
                unsupported(
                    ir,
                    func,
                    format!("an argument of type {} (buffers of static shape only)", ctx.type_to_string(t)),
                )
            })?;
            let bytes = strata_runtime::limits::buffer_bytes(&shape, elem.bytes())
                .map_err(|e| unsupported(ir, func, e.to_string()))?;
            inputs.push((at, shape, elem));
            at = align(at + bytes);
        }
        let mut globals = FxHashMap::default();
        let mut ranges = Vec::new();
        let mut contents = Vec::new();
        for g in ir.collect_ops(root) {
            if ctx.ident_str(ir.op(g).name()) != "memref.global" {
                continue;
            }
            let o = ir.op(g);
            let name = o.attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("").to_string();
            let t = o.attr(ctx.ident("type")).and_then(|a| match ctx.attr_kind(a) {
                strata_ir::AttrKind::Type(t) => Some(*t),
                _ => None,
            });
            let (shape, elem) = t
                .and_then(|t| buffer_type(ctx, t))
                .ok_or_else(|| unsupported(ir, g, "a global that is not a buffer of static shape".into()))?;
            let bytes = strata_runtime::limits::buffer_bytes(&shape, elem.bytes())
                .map_err(|e| unsupported(ir, g, e.to_string()))?;
            let initial = o.attr(ctx.ident("initial_value")).filter(|a| {
                matches!(
                    ctx.attr_kind(*a),
                    strata_ir::AttrKind::DenseElements { .. } | strata_ir::AttrKind::DenseResource { .. }
                )
            });
            if let Some(initial) = initial {
                let value = strata_runtime::interp::constant_tensor(ctx, initial)
                    .map_err(|m| unsupported(ir, g, format!("@{name}: {m}")))?;
                contents.push((at, value.to_bytes()));
            }
            ranges.push((name.clone(), at, at + bytes));
            globals.insert(name, at);
            at = align(at + bytes);
        }
        let given = globals_given_to_kernels(ctx, ir, func);
        let host_only = ranges.into_iter().filter(|(n, _, _)| !given.contains(n)).map(|(_, a, b)| (a, b)).collect();
        // Buffers the host function allocates (loop-level code; graphs have an arena): one
        // planned place each, so a call allocates nothing. One inside a host loop would be
        // several live buffers.
        let mut allocs = FxHashMap::default();
        for op in ir.collect_ops(func) {
            if !matches!(ctx.ident_str(ir.op(op).name()), "memref.alloc" | "memref.alloca") {
                continue;
            }
            let mut parent = ir.parent_op(op);
            while let Some(p) = parent.filter(|p| *p != func) {
                if matches!(ctx.ident_str(ir.op(p).name()), "scf.for" | "scf.while" | "scf.parallel") {
                    return Err(unsupported(
                        ir,
                        op,
                        "an allocation inside a host loop (plan-memory places graphs' buffers)".into(),
                    ));
                }
                parent = ir.parent_op(p);
            }
            let t = ir.value_type(ir.op(op).result(0));
            let (shape, elem) =
                buffer_type(ctx, t).ok_or_else(|| unsupported(ir, op, "an allocation of dynamic shape".into()))?;
            let bytes = strata_runtime::limits::buffer_bytes(&shape, elem.bytes())
                .map_err(|e| unsupported(ir, op, e.to_string()))?;
            allocs.insert(op, at);
            at = align(at + bytes);
        }
        let memory = Buffer::new(at)?;
        // Poison, then the initial values.
        memory.fill(0, at, 0xFF)?;
        for (offset, bytes) in contents {
            memory.write(offset, &bytes)?;
        }
        Ok(Program {
            ctx,
            ir,
            func,
            device,
            _module: module,
            kernels,
            traps: ptx.traps,
            trap_word,
            memory,
            globals,
            allocs,
            host_only,
            inputs,
            reads: FxHashMap::default(),
            graph: None,
            last: None,
        })
    }

    /// The device the program runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// How many bytes the program's one allocation holds.
    pub fn planned_bytes(&self) -> usize {
        self.memory.bytes
    }

    /// Copies `inputs` into their planned buffers.
    pub fn set_inputs(&self, inputs: &[Tensor]) -> Result<(), CudaError> {
        if inputs.len() != self.inputs.len() {
            return Err(CudaError::BadInput {
                index: inputs.len().min(self.inputs.len()),
                message: format!("the entry takes {} inputs, not {}", self.inputs.len(), inputs.len()),
            });
        }
        self.device.bind()?;
        self.device.synchronize()?;
        for (index, (t, (offset, shape, elem))) in inputs.iter().zip(&self.inputs).enumerate() {
            if &t.shape != shape || t.elem != *elem {
                return Err(CudaError::BadInput {
                    index,
                    message: format!("expected {shape:?} of {elem}, got {:?} of {}", t.shape, t.elem),
                });
            }
            self.memory.write(*offset, &t.to_bytes())?;
        }
        Ok(())
    }

    /// One call on the inputs last set: eager, or the recorded graph once there is one.
    /// Returns the results.
    pub fn call(&mut self) -> Result<Vec<Tensor>, CudaError> {
        self.device.bind()?;
        self.clear_trap()?;
        let results = match &self.graph {
            Some(g) => {
                g.launch(&self.device)?;
                self.results_of_last_call()?
            }
            None => self.host(Mode::Eager)?,
        };
        let results = self.finish(results)?;
        Ok(results)
    }

    /// Captures a call's launches as a CUDA graph, which later calls replay. Needs an eager
    /// call first (its device reads decide the host's branches). Returns whether a graph was
    /// made: a call is not recorded when the host writes the device, reads memory a kernel is
    /// given (its value could change with the inputs), or returns a scalar.
    pub fn record(&mut self) -> Result<bool, CudaError> {
        self.device.bind()?;
        let mut launches = Vec::new();
        let results = match self.host(Mode::Trace(&mut launches)) {
            Ok(r) => r,
            Err(CudaError::Unsupported(_)) => return Ok(false),
            Err(e) => return Err(e),
        };
        // A scalar the host computed would be replayed as it was.
        if results.iter().any(|r| matches!(r, HostValue::Scalar(_))) {
            return Ok(false);
        }
        self.last = Some(results);
        self.graph = Some(Graph::capture(&self.device, &launches)?);
        Ok(true)
    }

    /// Milliseconds of device time of each of `n` calls (inputs as last set), by CUDA events
    /// around each call's launches.
    pub fn time(&mut self, n: usize) -> Result<Vec<f64>, CudaError> {
        self.device.bind()?;
        let (start, end) = (Event::new()?, Event::new()?);
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            start.record(&self.device)?;
            match &self.graph {
                Some(g) => g.launch(&self.device)?,
                None => {
                    self.host(Mode::Eager)?;
                }
            }
            end.record(&self.device)?;
            times.push(f64::from(start.elapsed_ms(&end)?));
        }
        self.check_trap()?;
        Ok(times)
    }

    /// Device milliseconds of each launch of one eager call, by `gpu.launch_func` op, in
    /// launch order (a host loop launches an op many times).
    pub fn profile(&mut self) -> Result<Vec<(OpId, f64)>, CudaError> {
        self.device.bind()?;
        let mut events = Vec::new();
        self.host(Mode::Profile(&mut events))?;
        self.device.synchronize()?;
        self.check_trap()?;
        events.iter().map(|(op, a, b)| Ok((*op, f64::from(a.elapsed_ms(b)?)))).collect()
    }

    fn clear_trap(&self) -> Result<(), CudaError> {
        self.device.synchronize()?;
        // SAFETY-free: the trap word is a 4-byte global of the loaded module.
        let zero = [0u8; 4];
        unsafe { cudarc::driver::result::memcpy_htod_sync(self.trap_word, &zero[..]) }
            .map_err(|e| CudaError::Driver { what: "clearing the trap word", message: format!("{e:?}") })
    }

    fn check_trap(&self) -> Result<(), CudaError> {
        self.device.synchronize()?;
        let mut word = [0u8; 4];
        unsafe { cudarc::driver::result::memcpy_dtoh_sync(&mut word[..], self.trap_word) }
            .map_err(|e| CudaError::Driver { what: "reading the trap word", message: format!("{e:?}") })?;
        let site = u32::from_le_bytes(word) as usize;
        match site {
            0 => Ok(()),
            k => Err(match self.traps.get(k - 1) {
                Some(t) => CudaError::Trap(t.diagnostic()),
                None => CudaError::Launch(format!("a kernel recorded trap site {k}, which no kernel has")),
            }),
        }
    }

    /// Waits for the call, checks the trap word and reads the results.
    fn finish(&mut self, results: Vec<HostValue>) -> Result<Vec<Tensor>, CudaError> {
        self.device.synchronize()?;
        self.check_trap()?;
        self.last = Some(results.clone());
        let ir = self.ir;
        let types = match self.ctx.type_kind(
            ir.op(self.func)
                .attr(self.ctx.ident("function_type"))
                .and_then(|a| match self.ctx.attr_kind(a) {
                    strata_ir::AttrKind::Type(t) => Some(*t),
                    _ => None,
                })
                .unwrap_or(self.ctx.index_type()),
        ) {
            TypeKind::Function { results, .. } => results.clone(),
            _ => Vec::new(),
        };
        results
            .iter()
            .zip(types)
            .map(|(v, t)| match v {
                HostValue::Scalar(s) => {
                    let elem = elem_of_type(self.ctx, t).unwrap_or(Elem::F64);
                    Ok(Tensor::from_scalars(&[], elem, [*s]))
                }
                HostValue::Buffer(addr) => {
                    let (shape, elem) = buffer_type(self.ctx, t).ok_or_else(|| {
                        unsupported(ir, self.func, "a result that is not a buffer of static shape".into())
                    })?;
                    let n = strata_runtime::limits::buffer_bytes(&shape, elem.bytes())
                        .map_err(|e| unsupported(ir, self.func, e.to_string()))?;
                    let mut bytes = vec![0u8; n];
                    let at = (*addr - self.memory.ptr) as usize;
                    self.memory.read(at, &mut bytes)?;
                    Ok(Tensor::from_bytes(&shape, elem, &bytes))
                }
            })
            .collect()
    }

    fn results_of_last_call(&self) -> Result<Vec<HostValue>, CudaError> {
        self.last.clone().ok_or_else(|| CudaError::Launch("a graph replayed before any call".into()))
    }

    /// Runs the host function.
    fn host(&mut self, mut mode: Mode<'_>) -> Result<Vec<HostValue>, CudaError> {
        let ir = self.ir;
        let entry = ir.region(ir.op(self.func).regions()[0]).blocks()[0];
        let mut values: FxHashMap<Value, HostValue> = FxHashMap::default();
        for (a, (offset, _, _)) in ir.block(entry).args().iter().zip(&self.inputs) {
            values.insert(*a, HostValue::Buffer(self.memory.ptr + *offset as u64));
        }
        self.block(entry, &mut values, &mut mode)
    }

    fn get(&self, values: &FxHashMap<Value, HostValue>, op: OpId, v: Value) -> Result<HostValue, CudaError> {
        values.get(&v).copied().ok_or_else(|| unsupported(self.ir, op, "an operand the host did not compute".into()))
    }

    fn int(&self, values: &FxHashMap<Value, HostValue>, op: OpId, v: Value) -> Result<i64, CudaError> {
        match self.get(values, op, v)? {
            HostValue::Scalar(Scalar::Int(i)) => Ok(i),
            _ => Err(unsupported(self.ir, op, "expected an integer".into())),
        }
    }

    fn address(
        &self,
        values: &FxHashMap<Value, HostValue>,
        op: OpId,
        memref: Value,
        idx: &[Value],
    ) -> Result<(u64, Elem), CudaError> {
        let HostValue::Buffer(base) = self.get(values, op, memref)? else {
            return Err(unsupported(self.ir, op, "expected a buffer".into()));
        };
        let (shape, elem) = buffer_type(self.ctx, self.ir.value_type(memref))
            .ok_or_else(|| unsupported(self.ir, op, "a buffer of static shape and identity layout".into()))?;
        let strides = Tensor::strides(&shape);
        let mut off = 0u64;
        for (d, i) in idx.iter().enumerate() {
            let i = self.int(values, op, *i)?;
            if i < 0 || i as usize >= shape[d] {
                return Err(unsupported(
                    self.ir,
                    op,
                    format!("index {i} is out of bounds in dimension {d} of size {}", shape[d]),
                ));
            }
            off += (i as usize * strides[d] * elem.bytes()) as u64;
        }
        Ok((base + off, elem))
    }

    /// Runs `block`'s ops and returns its terminator's operands.
    fn block(
        &mut self,
        block: strata_ir::BlockId,
        values: &mut FxHashMap<Value, HostValue>,
        mode: &mut Mode<'_>,
    ) -> Result<Vec<HostValue>, CudaError> {
        let (ctx, ir) = (self.ctx, self.ir);
        for op in ir.block_ops(block) {
            let o = ir.op(op);
            let name = ctx.ident_str(o.name());
            let operands = o.operands();
            match name {
                "func.return" | "scf.yield" => {
                    return operands.iter().map(|v| self.get(values, op, *v)).collect();
                }
                "memref.get_global" => {
                    let g = o.attr(ctx.ident("name")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                    let at = *self
                        .globals
                        .get(g.trim_start_matches('@'))
                        .ok_or_else(|| unsupported(ir, op, format!("no global {g}")))?;
                    values.insert(o.result(0), HostValue::Buffer(self.memory.ptr + at as u64));
                }
                "memref.alloc" | "memref.alloca" => {
                    let at =
                        *self.allocs.get(&op).ok_or_else(|| unsupported(ir, op, "an unplanned allocation".into()))?;
                    values.insert(o.result(0), HostValue::Buffer(self.memory.ptr + at as u64));
                }
                "memref.dealloc" => {}
                "memref.view" => {
                    let HostValue::Buffer(base) = self.get(values, op, operands[0])? else {
                        return Err(unsupported(ir, op, "a view of a non-buffer".into()));
                    };
                    let shift = self.int(values, op, operands[1])?;
                    let bytes = buffer_type(ctx, ir.value_type(o.result(0)))
                        .and_then(|(shape, elem)| strata_runtime::limits::buffer_bytes(&shape, elem.bytes()).ok())
                        .ok_or_else(|| unsupported(ir, op, "a view of dynamic or oversized shape".into()))?;
                    let end = u64::try_from(shift)
                        .ok()
                        .and_then(|s| (base - self.memory.ptr).checked_add(s)?.checked_add(bytes as u64));
                    if end.is_none_or(|e| e > self.memory.bytes as u64) {
                        return Err(unsupported(
                            ir,
                            op,
                            format!("a view of {bytes} bytes at {shift} overruns its buffer"),
                        ));
                    }
                    values.insert(o.result(0), HostValue::Buffer(base + shift as u64));
                }
                "memref.collapse_shape" | "memref.expand_shape" | "memref.cast" => {
                    let v = self.get(values, op, operands[0])?;
                    values.insert(o.result(0), v);
                }
                "memref.load" => {
                    let (addr, elem) = self.address(values, op, operands[0], &operands[1..])?;
                    let bytes = self.read_device(mode, op, addr, elem.bytes())?;
                    values.insert(o.result(0), HostValue::Scalar(elem.read(&bytes)));
                }
                "memref.store" => {
                    let HostValue::Scalar(v) = self.get(values, op, operands[0])? else {
                        return Err(unsupported(ir, op, "a store of a non-scalar".into()));
                    };
                    let (addr, elem) = self.address(values, op, operands[1], &operands[2..])?;
                    if let Mode::Trace(_) = mode {
                        return Err(unsupported(ir, op, "the host writes the device: the call is not recorded".into()));
                    }
                    let mut bytes = vec![0u8; elem.bytes()];
                    elem.write(v, &mut bytes);
                    self.device.synchronize()?;
                    let at = (addr - self.memory.ptr) as usize;
                    self.memory.write(at, &bytes)?;
                }
                "scf.for" => {
                    // The host steps loops as signed 64-bit counts: what lowering makes.
                    if ir.value_type(operands[0]) != self.ctx.index_type()
                        || o.attr(self.ctx.ident("unsignedCmp")).is_some()
                    {
                        let message = "only loops over index bounds compared as signed run on the host".into();
                        return Err(unsupported(ir, op, message));
                    }
                    let (lb, ub, step) = (
                        self.int(values, op, operands[0])?,
                        self.int(values, op, operands[1])?,
                        self.int(values, op, operands[2])?,
                    );
                    if step <= 0 {
                        return Err(unsupported(ir, op, format!("the step must be positive, not {step}")));
                    }
                    let mut carried: Vec<HostValue> =
                        operands[3..].iter().map(|v| self.get(values, op, *v)).collect::<Result<_, _>>()?;
                    let body = ir.region(o.regions()[0]).blocks()[0];
                    let args = ir.block(body).args().to_vec();
                    let mut i = lb;
                    while i < ub {
                        values.insert(args[0], HostValue::Scalar(Scalar::Int(i)));
                        for (a, v) in args[1..].iter().zip(&carried) {
                            values.insert(*a, *v);
                        }
                        carried = self.block(body, values, mode)?;
                        match i.checked_add(step) {
                            Some(next) => i = next,
                            None => break,
                        }
                    }
                    for (r, v) in o.results().iter().zip(carried) {
                        values.insert(*r, v);
                    }
                }
                "scf.if" => {
                    let region = if self.int(values, op, operands[0])? != 0 { o.regions()[0] } else { o.regions()[1] };
                    let out = match ir.region(region).blocks().first() {
                        Some(b) => self.block(*b, values, mode)?,
                        None => Vec::new(),
                    };
                    for (r, v) in o.results().iter().zip(out) {
                        values.insert(*r, v);
                    }
                }
                "cf.assert" => {
                    if self.int(values, op, operands[0])? == 0 {
                        let msg =
                            o.attr(ctx.ident("msg")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("assertion failed");
                        return Err(CudaError::Trap(Diagnostic::error(o.loc(), format!("'cf.assert' op {msg}"))));
                    }
                }
                "gpu.launch_func" => match (self.launch(values, op)?, &mut *mode) {
                    (None, _) => {}
                    (Some(l), Mode::Eager) => l.enqueue(&self.device)?,
                    (Some(l), Mode::Profile(events)) => {
                        let (a, b) = (Event::new()?, Event::new()?);
                        a.record(&self.device)?;
                        l.enqueue(&self.device)?;
                        b.record(&self.device)?;
                        events.push((op, a, b));
                    }
                    (Some(l), Mode::Trace(launches)) => launches.push(l),
                },
                _ => {
                    let s = decode(ctx, ir, op).ok_or_else(|| {
                        unsupported(ir, op, format!("the CUDA runtime does not run '{name}' on the host"))
                    })?;
                    let args: Vec<Scalar> = operands
                        .iter()
                        .map(|v| match self.get(values, op, *v)? {
                            HostValue::Scalar(x) => Ok(x),
                            HostValue::Buffer(_) => Err(unsupported(ir, op, "a buffer operand".into())),
                        })
                        .collect::<Result<_, _>>()?;
                    let result = o.results().first().map(|r| ir.value_type(*r));
                    let elem = |t: Option<Type>| t.and_then(|t| elem_of_type(ctx, t)).unwrap_or(Elem::F64);
                    let types = Types {
                        result: elem(result),
                        operand: elem(operands.first().map(|v| ir.value_type(*v)).or(result)),
                    };
                    let r = apply(s, types, &args)
                        .map_err(|f| CudaError::Trap(Diagnostic::error(o.loc(), format!("'{name}' op {f}"))))?;
                    values.insert(o.result(0), HostValue::Scalar(r));
                }
            }
        }
        Err(unsupported(ir, block_owner(ir, block), "a block without a terminator".into()))
    }

    /// One element read from the device: made and remembered in eager calls, remembered in
    /// traced ones.
    fn read_device(&mut self, mode: &Mode<'_>, op: OpId, addr: u64, n: usize) -> Result<Vec<u8>, CudaError> {
        match mode {
            Mode::Eager | Mode::Profile(_) => {
                self.device.synchronize()?;
                let mut bytes = vec![0u8; n];
                self.memory.read((addr - self.memory.ptr) as usize, &mut bytes)?;
                self.reads.insert(addr, bytes.clone());
                Ok(bytes)
            }
            Mode::Trace(_) if !self.host_only(addr) => Err(unsupported(
                self.ir,
                op,
                "the host reads memory a kernel is given: the call is not recorded".into(),
            )),
            Mode::Trace(_) => self.reads.get(&addr).cloned().ok_or_else(|| {
                unsupported(self.ir, op, "a device read no eager call made: the call is not recorded".into())
            }),
        }
    }

    /// Whether `addr` lies in a global no kernel is given.
    fn host_only(&self, addr: u64) -> bool {
        let at = (addr - self.memory.ptr) as usize;
        self.host_only.iter().any(|(a, b)| *a <= at && at < *b)
    }

    fn launch(&self, values: &FxHashMap<Value, HostValue>, op: OpId) -> Result<Option<Launch>, CudaError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let o = ir.op(op);
        let kernel = o.attr(ctx.ident("kernel")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
        let (function, params) =
            self.kernels.get(&kernel).cloned().ok_or_else(|| unsupported(ir, op, format!("no kernel {kernel}")))?;
        let seg: Vec<usize> = match o.attr(ctx.ident("operandSegmentSizes")).map(|a| ctx.attr_kind(a)) {
            Some(strata_ir::AttrKind::DenseArray { values: strata_ir::DenseArrayValues::Int(v), .. })
                if v.len() == 13 =>
            {
                v.iter().map(|n| *n as usize).collect()
            }
            _ => return Err(unsupported(ir, op, "a launch without 13 operand segments".into())),
        };
        if seg[0] != 0 || seg[7] + seg[8] + seg[9] != 0 || seg[12] != 0 {
            return Err(unsupported(ir, op, "asynchronous launches and clusters are not run".into()));
        }
        let operands = o.operands();
        let mut sizes = [0u32; 6];
        for (i, s) in sizes.iter_mut().enumerate() {
            let v = self.int(values, op, operands[i])?;
            *s = u32::try_from(v)
                .ok()
                .filter(|v| *v > 0 || (i < 3 && *v == 0))
                .ok_or_else(|| unsupported(ir, op, format!("a launch dimension of {v}")))?;
        }
        if sizes[..3].contains(&0) {
            // A grid without blocks (a loop's empty tail) launches nothing.
            return Ok(None);
        }
        let mut at = 6;
        let shared_bytes = if seg[10] == 1 {
            at += 1;
            u32::try_from(self.int(values, op, operands[6])?)
                .map_err(|_| unsupported(ir, op, "dynamic shared memory size".into()))?
        } else {
            0
        };
        let args = &operands[at..at + seg[11]];
        if args.len() != params.len() {
            return Err(unsupported(
                ir,
                op,
                format!("{} arguments for a kernel of {} parameters", args.len(), params.len()),
            ));
        }
        let mut bytes = Vec::with_capacity(args.len());
        for (v, p) in args.iter().zip(&params) {
            let mut b = [0u8; 8];
            match (self.get(values, op, *v)?, p) {
                (HostValue::Buffer(addr), Param::Pointer) => b.copy_from_slice(&addr.to_le_bytes()),
                (HostValue::Scalar(Scalar::Int(i)), Param::Int(w)) if *w > 32 => b.copy_from_slice(&i.to_le_bytes()),
                (HostValue::Scalar(Scalar::Int(i)), Param::Int(_)) => b[..4].copy_from_slice(&(i as u32).to_le_bytes()),
                (HostValue::Scalar(Scalar::Float(x)), Param::F32) => b[..4].copy_from_slice(&(x as f32).to_le_bytes()),
                (HostValue::Scalar(Scalar::Float(x)), Param::F64) => b.copy_from_slice(&x.to_le_bytes()),
                _ => return Err(unsupported(ir, op, "an argument that does not match its kernel parameter".into())),
            }
            bytes.push(b);
        }
        Ok(Some(Launch {
            function,
            grid: (sizes[0], sizes[1], sizes[2]),
            block: (sizes[3], sizes[4], sizes[5]),
            shared_bytes,
            params: bytes,
        }))
    }
}

/// The globals whose buffers (or views of them) some `gpu.launch_func` of `func` is given.
fn globals_given_to_kernels(ctx: &Context, ir: &Ir, func: OpId) -> rustc_hash::FxHashSet<String> {
    let mut out = rustc_hash::FxHashSet::default();
    for op in ir.collect_ops(func) {
        if ctx.ident_str(ir.op(op).name()) != "gpu.launch_func" {
            continue;
        }
        for v in ir.op(op).operands() {
            let mut v = *v;
            // Back through views to the buffer's root.
            while let ValueDef::Result { op: def, .. } = ir.value(v).def() {
                let o = ir.op(def);
                match ctx.ident_str(o.name()) {
                    "memref.view" | "memref.collapse_shape" | "memref.expand_shape" | "memref.cast" => {
                        v = o.operands()[0]
                    }
                    "memref.get_global" => {
                        let g = o.attr(ctx.ident("name")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                        out.insert(g.trim_start_matches('@').to_string());
                        break;
                    }
                    _ => break,
                }
            }
        }
    }
    out
}

fn block_owner(ir: &Ir, block: strata_ir::BlockId) -> OpId {
    ir.block_parent_op(block).expect("a function's block has an owner")
}
