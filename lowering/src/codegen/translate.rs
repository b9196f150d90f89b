//! Loops over buffers to Cranelift IR, one `func.func` at a time, into any Cranelift
//! [`Module`] (the JIT's or an object's). The rules for values, vectors, parallel loops and the
//! entry ABI are in [the module docs](super).

use std::panic::{catch_unwind, AssertUnwindSafe};

use cranelift_codegen::ir::condcodes::{CondCode, FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, Endianness, FuncRef, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, Type as ClType, UserFuncName, Value as ClValue,
};
use cranelift_codegen::Context as ClContext;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module};
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;
use strata_ir::{BlockId, Context, Ir, OpId, Type, TypeKind, Value, ValueDef};
use strata_runtime::tensor::{Elem, Scalar, Tensor};

use super::abi::{self, EntrySignature, Param};
use super::half::{self, Half};
use super::math::F32Math;
use super::profile::{self, Kernel};
use super::CodegenError;

/// The machine values of one IR value: one for scalars and memrefs, one per 128-bit part for
/// vectors.
type Parts = SmallVec<[ClValue; 2]>;

/// Options for [`compile_module`].
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Fill fresh buffers (heap, stack, arenas) with 0xFF bytes, as the interpreter does, so an
    /// element never written reads as NaN (or -1).
    pub poison: bool,
    /// Keep each function's assembly for [`Compiled::asm`].
    pub asm: bool,
    /// The module's name, which scopes exported symbols ([`abi::c_symbol`]).
    pub module: String,
    /// Bracket each kernel (the ops lowered from one graph op, tagged by `profile-kernels`)
    /// with calls of the profiling hooks ([`super::profile`]); off, nothing is emitted.
    pub profile: bool,
}

/// The functions under `root` that `entries` reach through `func.call`, entries included.
fn reachable(ctx: &Context, ir: &Ir, root: OpId, entries: &[&str]) -> FxHashSet<String> {
    let by_name: FxHashMap<String, OpId> = strata_runtime::interp::functions(ctx, ir, root).into_iter().collect();
    let mut seen: FxHashSet<String> = FxHashSet::default();
    let mut work: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
    while let Some(name) = work.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(&f) = by_name.get(&name) else { continue };
        for op in ir.collect_ops(f) {
            if ctx.ident_str(ir.op(op).name()) == "func.call" {
                let callee = ir.op(op).attr(ctx.ident("callee")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                work.push(callee.trim_start_matches('@').to_string());
            }
        }
    }
    seen
}

/// An entry point's exported symbols.
#[derive(Debug)]
pub struct Entry {
    pub signature: EntrySignature,
    /// `int32_t <module>_f(args..., results...)`, the C ABI.
    pub typed: FuncId,
    /// `int32_t __strata_packed_<symbol>(void **slots)`: the same call with one pointer per argument
    /// and result (a descriptor, or the scalar's slot), for callers that cannot build a call of
    /// any arity (the JIT).
    pub packed: FuncId,
}

/// What [`compile_module`] declared: the entry points and, on request, the assembly.
#[derive(Debug, Default)]
pub struct Compiled {
    /// Public functions with their exported wrappers.
    pub entries: Vec<Entry>,
    /// The listing of every function, in order.
    pub asm: String,
    /// Where compiled code can stop: an entry point returns `-k` when it stopped at site
    /// `trap_sites[k - 1]`.
    pub trap_sites: Vec<TrapSite>,
    /// With [`CompileOptions::profile`], the kernels the hooks name: id `k` is `kernels[k]`.
    pub kernels: Vec<Kernel>,
}

/// An op where compiled code checks for a fault (a division by zero, a shift too far, an
/// allocation that failed) and, if it happens, records the site and returns: every function
/// on the way out returns at once, and the entry point returns `-k` for site `k`.
#[derive(Clone, Debug)]
pub struct TrapSite {
    pub function: String,
    pub op: String,
    pub loc: strata_ir::Location,
    pub message: String,
}

impl TrapSite {
    /// `file:line:col: 'op' op message` (the location left out when there is none).
    pub fn describe(&self, ctx: &Context) -> String {
        let at = ctx.loc_file_line_col(self.loc).map(|(f, l, c)| format!("{f}:{l}:{c}: ")).unwrap_or_default();
        format!("{at}'{}' op {} (in @{})", self.op, self.message, self.function)
    }

    /// The error an entry point's status `-k` stands for.
    pub fn error(&self) -> CodegenError {
        CodegenError::Trap {
            function: self.function.clone(),
            op: self.op.clone(),
            loc: self.loc,
            message: self.message.clone(),
        }
    }
}

/// What all functions of a module share while being translated.
struct Shared<'a, M: Module> {
    ctx: &'a Context,
    ir: &'a Ir,
    module: &'a mut M,
    options: CompileOptions,
    fma: bool,
    /// x86-64, whose `fmax`/`fmin` on vectors are ten instructions (AArch64's are one).
    x86: bool,
    /// Internal bodies by symbol name.
    functions: FxHashMap<String, (FuncId, OpId)>,
    globals: FxHashMap<String, DataId>,
    imports: FxHashMap<&'static str, FuncId>,
    /// Parallel loops waiting to be outlined: their function, the op and what they capture.
    outlines: Vec<(FuncId, OpId, Vec<Value>)>,
    asm: String,
    /// The module's trap flag (`i32`, 0 or the site that stopped the run) and its sites.
    trap_flag: Option<DataId>,
    trap_sites: Vec<TrapSite>,
    /// Profiled kernels, and each one's id by its tag.
    kernels: Vec<Kernel>,
    kernel_ids: FxHashMap<strata_ir::Attribute, u32>,
}

fn err(ctx: &Context, ir: &Ir, function: &str, op: OpId, message: impl Into<String>) -> CodegenError {
    CodegenError::Unsupported {
        function: function.to_string(),
        op: ctx.ident_str(ir.op(op).name()).to_string(),
        message: message.into(),
    }
}

fn module_err(e: impl std::fmt::Display) -> CodegenError {
    CodegenError::Module(e.to_string())
}

/// Machine types of a scalar element (`i1` is a byte).
fn scalar_type(e: Elem) -> Option<ClType> {
    Some(match e {
        Elem::F32 => types::F32,
        Elem::F64 => types::F64,
        Elem::Int(1 | 8) => types::I8,
        Elem::Int(16) => types::I16,
        Elem::Int(32) => types::I32,
        Elem::Int(64) => types::I64,
        _ => return None,
    })
}

/// The register type of a scalar element: halves are carried in `f32` ([`super::half`]).
fn register_type(e: Elem) -> Option<ClType> {
    match e {
        Elem::F16 | Elem::BF16 => Some(types::F32),
        _ => scalar_type(e),
    }
}

/// The half format of an element type, if it is one.
fn half_of(e: Elem) -> Option<Half> {
    match e {
        Elem::F16 => Some(Half::F16),
        Elem::BF16 => Some(Half::BF16),
        _ => None,
    }
}

/// The machine types an IR type is carried in.
fn machine_types(ctx: &Context, t: Type, ptr: ClType) -> Result<SmallVec<[ClType; 2]>, String> {
    let bad = || format!("type {} is not supported by code generation", ctx.type_to_string(t));
    match ctx.type_kind(t) {
        TypeKind::MemRef { .. } => {
            abi::param(ctx, t)?;
            Ok(SmallVec::from_slice(&[ptr]))
        }
        TypeKind::Vector { shape, scalable, element } => {
            if shape.len() != 1 || scalable.iter().any(|s| *s) {
                return Err(format!("{}: only fixed one-dimensional vectors", ctx.type_to_string(t)));
            }
            let n = shape[0] as u32;
            let lane = if ctx.int_or_float_width(*element) == Some(1) {
                // A mask: 32-bit lanes, as comparisons of f32x4 produce.
                types::I32
            } else {
                scalar_type(abi::elem_of(ctx, *element).ok_or_else(bad)?).ok_or_else(bad)?
            };
            let per = 128 / lane.bits();
            if n == 0 || !n.is_multiple_of(per) {
                return Err(format!("{}: vectors must fill 128-bit registers", ctx.type_to_string(t)));
            }
            Ok((0..n / per).map(|_| lane.by(per).expect("128-bit vector")).collect())
        }
        _ => Ok(SmallVec::from_slice(&[register_type(abi::elem_of(ctx, t).ok_or_else(bad)?).ok_or_else(bad)?])),
    }
}

/// The memref shape and element of a value's type.
fn memref_of(ctx: &Context, t: Type) -> Option<(Vec<usize>, Elem)> {
    match abi::param(ctx, t).ok()? {
        Param::MemRef { shape, elem } => Some((shape, elem)),
        Param::Scalar(_) => None,
    }
}

fn signature_of<M: Module>(module: &M, params: &[ClType], returns: &[ClType]) -> Signature {
    let mut s = module.make_signature();
    s.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    s.returns.extend(returns.iter().map(|t| AbiParam::new(*t)));
    s
}

/// Translates the functions under `root` into `module` (all of them, or with `only`, those the
/// named entry points reach) and declares an exported C-ABI wrapper for each public one. Call
/// `module.finalize_definitions()` (JIT) or `finish()` (object) afterwards.
pub fn compile_module<M: Module>(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    module: &mut M,
    options: CompileOptions,
    only: Option<&[&str]>,
) -> Result<Compiled, CodegenError> {
    let wanted = only.map(|names| reachable(ctx, ir, root, names));
    let fma = super::has_fma(module.isa());
    let x86 = module.isa().name() == "x64";
    let ptr = module.target_config().pointer_type();
    let mut s = Shared {
        ctx,
        ir,
        module,
        options,
        fma,
        x86,
        functions: FxHashMap::default(),
        globals: FxHashMap::default(),
        imports: FxHashMap::default(),
        outlines: Vec::new(),
        asm: String::new(),
        trap_flag: None,
        trap_sites: Vec::new(),
        kernels: Vec::new(),
        kernel_ids: FxHashMap::default(),
    };
    let mut bodies = Vec::new();
    for op in ir.collect_ops(root) {
        let o = ir.op(op);
        match ctx.ident_str(o.name()) {
            "memref.global" => s.declare_global(op)?,
            "func.func" if o.regions().first().is_some_and(|r| !ir.region(*r).blocks().is_empty()) => {
                let name = o.attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or_default();
                if wanted.as_ref().is_some_and(|w| !w.contains(name)) {
                    continue;
                }
                let mut sig = abi::entry_signature(ctx, ir, op).map_err(|m| CodegenError::Unsupported {
                    function: name.to_string(),
                    op: "func.func".into(),
                    message: m,
                })?;
                let ty = o.attr(ctx.ident("function_type")).and_then(|a| ctx.attr_as_type(a));
                let Some(TypeKind::Function { inputs, results }) = ty.map(|t| ctx.type_kind(t)) else { continue };
                let flat = |ts: &[Type]| -> Result<Vec<ClType>, CodegenError> {
                    let mut out = Vec::new();
                    for t in ts {
                        out.extend(machine_types(ctx, *t, ptr).map_err(|m| CodegenError::Unsupported {
                            function: sig.name.clone(),
                            op: "func.func".into(),
                            message: m,
                        })?);
                    }
                    Ok(out)
                };
                sig.symbol = abi::c_symbol(&s.options.module, &sig.name);
                let signature = signature_of(s.module, &flat(inputs)?, &flat(results)?);
                let id = s
                    .module
                    .declare_function(&format!("__strata_{}", sig.name), Linkage::Local, &signature)
                    .map_err(module_err)?;
                s.functions.insert(sig.name.clone(), (id, op));
                let private = o.attr(ctx.ident("sym_visibility")).and_then(|a| ctx.attr_as_str(a)) == Some("private");
                bodies.push((sig, id, op, !private));
            }
            _ => {}
        }
    }
    // Distinct names can make one C identifier (`f.1`, `f_1`): refused rather than clashing.
    let mut exported: FxHashMap<&str, &str> = FxHashMap::default();
    for (sig, _, _, public) in &bodies {
        if let Some(other) = exported.insert(&sig.symbol, &sig.name).filter(|_| *public) {
            return Err(CodegenError::Unsupported {
                function: sig.name.clone(),
                op: "func.func".into(),
                message: format!("its C symbol {} is also @{other}'s; rename one of them", sig.symbol),
            });
        }
    }
    let mut compiled = Compiled::default();
    for (sig, id, op, public) in bodies {
        s.function(&sig.name, id, op)?;
        while let Some((oid, par, captures)) = s.outlines.pop() {
            s.outlined(&sig.name, oid, par, &captures)?;
        }
        if public {
            let typed = s.wrapper(&sig, id, op)?;
            let packed = s.packed(&sig, typed)?;
            compiled.entries.push(Entry { signature: sig, typed, packed });
        }
    }
    compiled.asm = std::mem::take(&mut s.asm);
    compiled.trap_sites = std::mem::take(&mut s.trap_sites);
    compiled.kernels = std::mem::take(&mut s.kernels);
    Ok(compiled)
}

impl<M: Module> Shared<'_, M> {
    fn ptr(&self) -> ClType {
        self.module.target_config().pointer_type()
    }

    fn import(&mut self, name: &'static str, params: &[ClType], returns: &[ClType]) -> Result<FuncId, CodegenError> {
        if let Some(id) = self.imports.get(name) {
            return Ok(*id);
        }
        let sig = signature_of(self.module, params, returns);
        let id = self.module.declare_function(name, Linkage::Import, &sig).map_err(module_err)?;
        self.imports.insert(name, id);
        Ok(id)
    }

    /// The module's trap flag, declared on first use.
    fn trap_flag(&mut self) -> Result<DataId, CodegenError> {
        if let Some(id) = self.trap_flag {
            return Ok(id);
        }
        let mut data = DataDescription::new();
        data.set_align(4);
        data.define_zeroinit(4);
        let id = self.module.declare_data("__strata.trap", Linkage::Local, true, false).map_err(module_err)?;
        self.module.define_data(id, &data).map_err(module_err)?;
        self.trap_flag = Some(id);
        Ok(id)
    }

    /// A new trap site at `op` (1-based, as entry points report it).
    fn trap_site(&mut self, function: &str, op: OpId, message: String) -> i64 {
        let o = self.ir.op(op);
        self.trap_sites.push(TrapSite {
            function: function.to_string(),
            op: self.ctx.ident_str(o.name()).to_string(),
            loc: o.loc(),
            message,
        });
        self.trap_sites.len() as i64
    }

    fn declare_global(&mut self, op: OpId) -> Result<(), CodegenError> {
        let (ctx, ir) = (self.ctx, self.ir);
        let o = ir.op(op);
        let name = o.attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or_default().to_string();
        let t = o.attr(ctx.ident("type")).and_then(|a| ctx.attr_as_type(a));
        let (shape, elem) = t
            .and_then(|t| memref_of(ctx, t))
            .ok_or_else(|| err(ctx, ir, &name, op, "a global needs a static memref type"))?;
        let bytes = strata_runtime::limits::buffer_bytes(&shape, elem.bytes())
            .map_err(|e| err(ctx, ir, &name, op, format!("a static buffer of {shape:?}: {e}")))?;
        let mut data = DataDescription::new();
        let align = o.attr(ctx.ident("alignment")).and_then(|a| ctx.attr_as_int(a)).unwrap_or(64);
        data.set_align(u64::try_from(align).unwrap_or(64).max(64));
        // Contents: `dense<...>` or a `dense_resource<...>` blob (its bytes as they are);
        // `unit` or none, uninitialized (poisoned when asked, as the interpreter does).
        let initial =
            o.attr(ctx.ident("initial_value")).filter(|a| !matches!(ctx.attr_kind(*a), strata_ir::AttrKind::Unit));
        match initial {
            Some(a) => {
                let t = strata_runtime::interp::constant_tensor(ctx, a).map_err(|m| err(ctx, ir, &name, op, m))?;
                if t.shape != shape || t.elem != elem {
                    return Err(err(
                        ctx,
                        ir,
                        &name,
                        op,
                        format!("the initial value is not a {shape:?} buffer of {elem}"),
                    ));
                }
                data.define(t.to_bytes().into_boxed_slice())
            }
            None if self.options.poison => data.define(vec![0xFF; bytes.max(1)].into_boxed_slice()),
            None => data.define_zeroinit(bytes.max(1)),
        }
        // A constant global is never written: read-only data (`.rodata` in objects).
        let writable = o.attr(ctx.ident("constant")).is_none();
        let id = self.module.declare_data(&format!("__strata.global.{name}"), Linkage::Local, writable, false);
        let id = id.map_err(module_err)?;
        self.module.define_data(id, &data).map_err(module_err)?;
        self.globals.insert(name, id);
        Ok(())
    }

    /// A data object holding a constant tensor's elements.
    fn constant_data(&mut self, values: &Tensor) -> Result<DataId, CodegenError> {
        let mut data = DataDescription::new();
        data.set_align(64);
        data.define(values.to_bytes().into_boxed_slice());
        // Writable: a lowered program may reuse a constant's buffer, as the interpreter allows.
        let id = self.module.declare_anonymous_data(true, false).map_err(module_err)?;
        self.module.define_data(id, &data).map_err(module_err)?;
        Ok(id)
    }

    /// Compiles a finished Cranelift function, behind `catch_unwind`: a Cranelift panic or
    /// verifier error becomes a diagnostic naming the function.
    fn define(&mut self, function: &str, id: FuncId, cl: &mut ClContext) -> Result<(), CodegenError> {
        cl.set_disasm(self.options.asm);
        let module = &mut *self.module;
        let result = quietly(|| catch_unwind(AssertUnwindSafe(|| module.define_function(id, cl).map_err(Box::new))));
        let fail = |message: String| CodegenError::Cranelift { function: function.to_string(), message };
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(fail(format!("{e:?}"))),
            Err(p) => {
                let m = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                return Err(fail(format!("panicked: {}", m.unwrap_or_default())));
            }
        }
        if self.options.asm {
            if let Some(text) = cl.compiled_code().and_then(|c| c.vcode.clone()) {
                self.asm.push_str(&format!("{function} ({}):\n{text}\n", cl.func.name));
            }
        }
        Ok(())
    }

    /// Builds function `id` of `signature` with `body`, then compiles it (see [`Self::define`]).
    /// `namespace` keeps the names of bodies, outlined loops and wrappers apart in listings.
    fn build(
        &mut self,
        label: &str,
        id: FuncId,
        signature: Signature,
        namespace: u32,
        body: impl FnOnce(&mut Self, &mut FunctionBuilder) -> Result<(), CodegenError>,
    ) -> Result<(), CodegenError> {
        let mut cl = ClContext::new();
        cl.func.signature = signature;
        cl.func.name = UserFuncName::user(namespace, id.as_u32());
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut cl.func, &mut fctx);
        body(self, &mut b)?;
        b.seal_all_blocks();
        b.finalize(self.module.target_config());
        self.define(label, id, &mut cl)
    }

    fn function(&mut self, name: &str, id: FuncId, op: OpId) -> Result<(), CodegenError> {
        let signature = self.module.declarations().get_function_decl(id).signature.clone();
        self.build(name, id, signature, 0, |s, b| Translator::new(s, b, name.to_string(), true).body(op))
    }

    fn outlined(&mut self, name: &str, id: FuncId, par: OpId, captures: &[Value]) -> Result<(), CodegenError> {
        let ptr = self.ptr();
        let signature = signature_of(self.module, &[ptr, types::I64, types::I64], &[]);
        self.build(name, id, signature, 1, |s, b| {
            Translator::new(s, b, name.to_string(), false).outlined_body(par, captures)
        })
    }

    /// The exported wrapper: checks descriptors, calls the body, fills result descriptors.
    fn wrapper(&mut self, sig: &EntrySignature, body: FuncId, op: OpId) -> Result<FuncId, CodegenError> {
        let ptr = self.ptr();
        let mut params = Vec::new();
        for p in &sig.args {
            params.push(match p {
                Param::MemRef { .. } => ptr,
                Param::Scalar(e) => scalar_type(*e).unwrap_or(types::I64),
            });
        }
        params.extend(sig.results.iter().map(|_| ptr));
        let signature = signature_of(self.module, &params, &[types::I32]);
        let id = self.module.declare_function(&sig.symbol, Linkage::Export, &signature).map_err(module_err)?;
        let owned = owned_results(self.ctx, self.ir, op, sig.results.len());
        self.build(&sig.name, id, signature, 2, |this, b| {
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let values = b.block_params(entry).to_vec();
            let flags = MemFlagsData::trusted();
            let mut call_args = Vec::new();
            for (k, p) in sig.args.iter().enumerate() {
                let v = values[k];
                let Param::MemRef { shape, elem } = p else {
                    call_args.push(v);
                    continue;
                };
                let rank = shape.len() as i32;
                let mut ok = b.ins().iconst(types::I8, 1);
                let mut stride = 1i64;
                for d in (0..shape.len()).rev() {
                    let size = b.ins().load(types::I64, flags, v, 24 + 8 * d as i32);
                    let same = b.ins().icmp_imm_s(IntCC::Equal, size, shape[d] as i64);
                    ok = b.ins().band(ok, same);
                    if shape[d] > 1 {
                        let st = b.ins().load(types::I64, flags, v, 24 + 8 * (rank + d as i32));
                        let same = b.ins().icmp_imm_s(IntCC::Equal, st, stride);
                        ok = b.ins().band(ok, same);
                    }
                    stride *= shape[d] as i64;
                }
                let (next, fail) = (b.create_block(), b.create_block());
                b.ins().brif(ok, next, &[], fail, &[]);
                b.switch_to_block(fail);
                let code = b.ins().iconst(types::I32, k as i64 + 1);
                b.ins().return_(&[code]);
                b.switch_to_block(next);
                let aligned = b.ins().load(ptr, flags, v, 8);
                let offset = b.ins().load(types::I64, flags, v, 16);
                let bytes = b.ins().imul_imm_s(offset, elem.bytes() as i64);
                call_args.push(b.ins().iadd(aligned, bytes));
            }
            // The trap flag: cleared before the call; a site there after it is the status.
            let flag = this.trap_flag()?;
            let flag = this.module.declare_data_in_func(flag, b.func);
            let flag = b.ins().symbol_value(ptr, flag);
            let zero = b.ins().iconst(types::I32, 0);
            b.ins().store(flags, zero, flag, 0);
            let f = this.module.declare_func_in_func(body, b.func);
            let call = b.ins().call(f, &call_args);
            let results = b.inst_results(call).to_vec();
            let site = b.ins().load(types::I32, flags, flag, 0);
            let (trapped, done) = (b.create_block(), b.create_block());
            b.ins().brif(site, trapped, &[], done, &[]);
            b.set_cold_block(trapped);
            b.switch_to_block(trapped);
            let status = b.ins().ineg(site);
            b.ins().return_(&[status]);
            b.switch_to_block(done);
            for (i, p) in sig.results.iter().enumerate() {
                let out = values[sig.args.len() + i];
                let r = results[i];
                match p {
                    Param::MemRef { shape, .. } => {
                        let zero = b.ins().iconst(ptr, 0);
                        b.ins().store(flags, if owned[i] { r } else { zero }, out, 0);
                        b.ins().store(flags, r, out, 8);
                        b.ins().store(flags, zero, out, 16);
                        let mut stride = 1i64;
                        let rank = shape.len() as i32;
                        for d in (0..shape.len()).rev() {
                            let size = b.ins().iconst(types::I64, shape[d] as i64);
                            b.ins().store(flags, size, out, 24 + 8 * d as i32);
                            let st = b.ins().iconst(types::I64, stride);
                            b.ins().store(flags, st, out, 24 + 8 * (rank + d as i32));
                            stride *= shape[d] as i64;
                        }
                    }
                    Param::Scalar(_) => {
                        b.ins().store(flags, r, out, 0);
                    }
                }
            }
            let zero = b.ins().iconst(types::I32, 0);
            b.ins().return_(&[zero]);
            Ok(())
        })?;
        Ok(id)
    }
}

impl<M: Module> Shared<'_, M> {
    /// The packed wrapper of `typed`: loads each argument through its slot pointer.
    fn packed(&mut self, sig: &EntrySignature, typed: FuncId) -> Result<FuncId, CodegenError> {
        let ptr = self.ptr();
        let signature = signature_of(self.module, &[ptr], &[types::I32]);
        let name = abi::packed_symbol(sig);
        let id = self.module.declare_function(&name, Linkage::Export, &signature).map_err(module_err)?;
        self.build(&name, id, signature, 3, |this, b| {
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let slots = b.block_params(entry)[0];
            let flags = MemFlagsData::trusted();
            let mut args = Vec::new();
            for (i, p) in sig.args.iter().chain(&sig.results).enumerate() {
                let slot = b.ins().load(ptr, flags, slots, 8 * i as i32);
                args.push(match p {
                    Param::Scalar(e) if i < sig.args.len() => {
                        b.ins().load(scalar_type(*e).unwrap_or(types::I64), flags, slot, 0)
                    }
                    _ => slot,
                });
            }
            let f = this.module.declare_func_in_func(typed, b.func);
            let call = b.ins().call(f, &args);
            let status = b.inst_results(call)[0];
            b.ins().return_(&[status]);
            Ok(())
        })?;
        Ok(id)
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with panic messages of this thread kept off stderr: a Cranelift panic becomes a
/// diagnostic, not a backtrace. Other threads' panics still print.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let out = f();
    QUIET.with(|q| q.set(false));
    out
}

/// Whether result `i` of `func` is always a fresh `memref.alloc` (which the caller then owns),
/// and not one returned again at an earlier position (it is owned, and freed, once).
fn owned_results(ctx: &Context, ir: &Ir, func: OpId, n: usize) -> Vec<bool> {
    let returns: Vec<OpId> =
        ir.collect_ops(func).into_iter().filter(|op| ctx.ident_str(ir.op(*op).name()) == "func.return").collect();
    (0..n)
        .map(|i| {
            !returns.is_empty()
                && returns.iter().all(|r| {
                    let operands = ir.op(*r).operands();
                    let v = operands[i];
                    !operands[..i].contains(&v)
                        && matches!(ir.value(v).def(), ValueDef::Result { op, .. }
                        if ctx.ident_str(ir.op(op).name()) == "memref.alloc")
                })
        })
        .collect()
}

/// Where a captured value sits in the block handed to an outlined body: its byte offset and
/// machine types.
type CaptureSlot = (u32, SmallVec<[ClType; 2]>);

/// Loop depth from which induction variables live in stack slots (see `loop_begin`).
const DEEP_LOOP: usize = 32;

/// A counted loop being built: its header and exit, the induction variable (a header
/// parameter, or a load from its slot in deep nests) and the carried values.
struct Loop {
    header: Block,
    exit: Block,
    iv: ClValue,
    slot: Option<cranelift_codegen::ir::StackSlot>,
    carried: Vec<ClValue>,
}

/// Translates one function body (or an outlined loop body) with a Cranelift builder.
struct Translator<'s, 'a, 'b, 'f, M: Module> {
    s: &'s mut Shared<'a, M>,
    b: &'b mut FunctionBuilder<'f>,
    function: String,
    values: FxHashMap<Value, Parts>,
    /// Whether an `scf.parallel` here is handed to the thread pool (not inside one already).
    outline: bool,
    /// Heap buffers made in the entry block, freed at `func.return` unless returned.
    heap: Vec<Value>,
    funcs: FxHashMap<FuncId, FuncRef>,
    /// Counted loops open around the op being translated.
    loop_depth: usize,
    /// Profiling hooks to call before and after top-level ops: kernel ids.
    hooks: FxHashMap<OpId, (Option<u32>, Option<u32>)>,
}

impl<'s, 'a, 'b, 'f, M: Module> Translator<'s, 'a, 'b, 'f, M> {
    fn new(s: &'s mut Shared<'a, M>, b: &'b mut FunctionBuilder<'f>, function: String, outline: bool) -> Self {
        Translator {
            s,
            b,
            function,
            values: FxHashMap::default(),
            outline,
            heap: Vec::new(),
            funcs: FxHashMap::default(),
            loop_depth: 0,
            hooks: FxHashMap::default(),
        }
    }

    fn err(&self, op: OpId, message: impl Into<String>) -> CodegenError {
        err(self.s.ctx, self.s.ir, &self.function, op, message)
    }

    fn func_ref(&mut self, id: FuncId) -> FuncRef {
        if let Some(f) = self.funcs.get(&id) {
            return *f;
        }
        let f = self.s.module.declare_func_in_func(id, self.b.func);
        self.funcs.insert(id, f);
        f
    }

    fn get(&self, v: Value) -> &Parts {
        &self.values[&v]
    }

    fn one(&self, v: Value) -> ClValue {
        self.values[&v][0]
    }

    fn set(&mut self, v: Value, parts: Parts) {
        self.values.insert(v, parts);
    }

    fn types_of(&self, op: OpId, t: Type) -> Result<SmallVec<[ClType; 2]>, CodegenError> {
        machine_types(self.s.ctx, t, self.s.ptr()).map_err(|m| self.err(op, m))
    }

    /// The function body: one Cranelift block per IR block.
    fn body(&mut self, func: OpId) -> Result<(), CodegenError> {
        let ir = self.s.ir;
        let region = ir.op(func).regions()[0];
        let blocks: Vec<BlockId> = ir.region(region).blocks().to_vec();
        if self.s.options.profile {
            for blk in &blocks {
                self.plan_hooks(*blk);
            }
        }
        let mut map = FxHashMap::default();
        for (i, blk) in blocks.iter().enumerate() {
            let cb = self.b.create_block();
            if i == 0 {
                self.b.append_block_params_for_function_params(cb);
            }
            map.insert(*blk, cb);
        }
        // The entry block's parameters are the function's; other blocks take their arguments.
        for (i, blk) in blocks.iter().enumerate() {
            let cb = map[blk];
            self.b.switch_to_block(cb);
            let params: Vec<ClValue> = if i == 0 {
                self.b.block_params(cb).to_vec()
            } else {
                let mut ps = Vec::new();
                for a in ir.block(*blk).args() {
                    for t in self.types_of(func, ir.value_type(*a))? {
                        ps.push(self.b.append_block_param(cb, t));
                    }
                }
                ps
            };
            self.bind_args(ir.block(*blk).args(), &params, func)?;
            let Some(term) = self.ops(*blk)? else { return Err(self.err(func, "a block without a terminator")) };
            self.terminator(term, &map)?;
        }
        Ok(())
    }

    fn bind_args(&mut self, args: &[Value], params: &[ClValue], op: OpId) -> Result<(), CodegenError> {
        let mut at = 0;
        for a in args {
            let n = self.types_of(op, self.s.ir.value_type(*a))?.len();
            let parts: Parts = params[at..at + n].iter().copied().collect();
            self.set(*a, parts);
            at += n;
        }
        Ok(())
    }

    fn flat(&self, vs: &[Value]) -> Vec<ClValue> {
        vs.iter().flat_map(|v| self.get(*v).iter().copied()).collect()
    }

    fn terminator(&mut self, op: OpId, map: &FxHashMap<BlockId, Block>) -> Result<(), CodegenError> {
        let (ctx, ir) = (self.s.ctx, self.s.ir);
        let o = ir.op(op);
        match ctx.ident_str(o.name()) {
            "func.return" => {
                self.free_heap(o.operands());
                let vals = self.flat(o.operands());
                self.b.ins().return_(&vals);
            }
            "cf.br" => {
                let vals: Vec<_> = self.flat(o.operands()).into_iter().map(Into::into).collect();
                self.b.ins().jump(map[&o.successors()[0]], &vals);
            }
            "cf.cond_br" => {
                let def = ctx.op_def(o.name()).expect("registered");
                let groups = def.operand_group_ranges(ctx, ir, op);
                let ops = o.operands();
                let t: Vec<_> = self.flat(&ops[groups[1].clone()]).into_iter().map(Into::into).collect();
                let f: Vec<_> = self.flat(&ops[groups[2].clone()]).into_iter().map(Into::into).collect();
                let c = self.one(ops[0]);
                self.b.ins().brif(c, map[&o.successors()[0]], &t, map[&o.successors()[1]], &f);
            }
            other => return Err(self.err(op, format!("'{other}' cannot end a function's block"))),
        }
        Ok(())
    }

    /// The address of the module's trap flag.
    fn trap_flag_addr(&mut self) -> Result<ClValue, CodegenError> {
        let id = self.s.trap_flag()?;
        let gv = self.s.module.declare_data_in_func(id, self.b.func);
        Ok(self.b.ins().symbol_value(self.s.ptr(), gv))
    }

    /// Leaves the function at once, as after a trap: frees its heap buffers and returns zeros
    /// (never read: the entry point reports the trap instead of results).
    fn leave(&mut self) {
        self.free_heap(&[]);
        let returns: Vec<ClType> = self.b.func.signature.returns.iter().map(|p| p.value_type).collect();
        let zeros: Vec<ClValue> = returns.iter().map(|t| zero_of(self.b, *t)).collect();
        self.b.ins().return_(&zeros);
    }

    /// Where `cond` holds, records trap site `op` (the first site to trap wins) and leaves.
    fn trap_if(&mut self, cond: ClValue, op: OpId, message: String) -> Result<(), CodegenError> {
        let site = self.s.trap_site(&self.function, op, message);
        let flag = self.trap_flag_addr()?;
        let (trapped, cont) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(cond, trapped, &[], cont, &[]);
        self.b.set_cold_block(trapped);
        self.b.switch_to_block(trapped);
        let (none, id) = (self.b.ins().iconst(types::I32, 0), self.b.ins().iconst(types::I32, site));
        self.b.ins().atomic_cas(MemFlagsData::trusted(), flag, none, id);
        self.leave();
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// After a call into compiled code (a function, a parallel loop): leaves too if it trapped.
    fn leave_if_trapped(&mut self) -> Result<(), CodegenError> {
        let flag = self.trap_flag_addr()?;
        let site = self.b.ins().load(types::I32, MemFlagsData::trusted(), flag, 0);
        let (trapped, cont) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(site, trapped, &[], cont, &[]);
        self.b.set_cold_block(trapped);
        self.b.switch_to_block(trapped);
        self.leave();
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// The checks before a scalar integer op that MLIR leaves undefined on some operands (the
    /// interpreter's faults): division by zero, signed division of the smallest value by -1,
    /// shifts by the width or more. Constant operands that cannot fault need none.
    fn check_integer_faults(&mut self, op: OpId, name: &str, x: ClValue, y: ClValue) -> Result<(), CodegenError> {
        use strata_runtime::Fault;
        let (ctx, ir) = (self.s.ctx, self.s.ir);
        let o = ir.op(op);
        let elem = ctx.element_type_or_self(ir.value_type(o.operands()[0]));
        let width = if ctx.is_index(elem) { 64 } else { ctx.int_or_float_width(elem).unwrap_or(64) };
        let rhs = crate::constant_index(ctx, ir, o.operands()[1]);
        // i1 is a byte of 0 or 1: its smallest value (true, -1) and -1 are both 1.
        let (min, minus_one) = if width == 1 { (1, 1) } else { (i64::MIN >> (64 - width), -1) };
        let divides = matches!(
            name,
            "arith.divsi" | "arith.divui" | "arith.remsi" | "arith.remui" | "arith.floordivsi" | "arith.ceildivsi"
        );
        if divides && rhs.is_none_or(|d| d == 0) {
            let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
            self.trap_if(zero, op, Fault::DivisionByZero.to_string())?;
        }
        let signed = matches!(name, "arith.divsi" | "arith.floordivsi" | "arith.ceildivsi");
        if signed && rhs.is_none_or(|d| d == minus_one) {
            let a = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
            let b = self.b.ins().icmp_imm_s(IntCC::Equal, y, minus_one);
            let overflow = self.b.ins().band(a, b);
            self.trap_if(overflow, op, Fault::DivisionOverflow { width }.to_string())?;
        }
        if matches!(name, "arith.shli" | "arith.shrsi" | "arith.shrui") {
            let amount = rhs.map(|r| (r as u64) & (u64::MAX >> (64 - width)));
            if amount.is_none_or(|a| a >= u64::from(width)) {
                let far = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, y, i64::from(width));
                // The amount is known here only when it is a constant.
                let message = match amount {
                    Some(amount) => Fault::ShiftOutOfRange { amount, width }.to_string(),
                    None => format!("shift by {width} or more, not below the width {width} (poison in MLIR)"),
                };
                self.trap_if(far, op, message)?;
            }
        }
        Ok(())
    }

    fn free_heap(&mut self, returned: &[Value]) {
        let heap = std::mem::take(&mut self.heap);
        for v in &heap {
            if returned.contains(v) {
                continue;
            }
            let Ok(free) = self.s.import("free", &[self.s.ptr()], &[]) else { continue };
            let f = self.func_ref(free);
            let p = self.one(*v);
            self.b.ins().call(f, &[p]);
        }
        self.heap = heap;
    }

    /// Translates the ops of `block` up to its terminator, which it returns untranslated.
    fn ops(&mut self, block: BlockId) -> Result<Option<OpId>, CodegenError> {
        let ir = self.s.ir;
        for op in ir.block_ops(block) {
            let name = self.s.ctx.ident_str(ir.op(op).name());
            if matches!(name, "func.return" | "cf.br" | "cf.cond_br" | "scf.yield" | "scf.reduce" | "scf.reduce.return")
            {
                return Ok(Some(op));
            }
            let (begin, end) = self.hooks.get(&op).copied().unwrap_or_default();
            if let Some(id) = begin {
                self.profile_hook(profile::BEGIN, id)?;
            }
            self.op(op)?;
            if let Some(id) = end {
                self.profile_hook(profile::END, id)?;
            }
        }
        Ok(None)
    }

    /// Where the kernels of `block` (a function body's) begin and end ([`profile::segments`]).
    fn plan_hooks(&mut self, block: BlockId) {
        let (ctx, ir) = (self.s.ctx, self.s.ir);
        for (segment, kernel) in profile::segments(ctx, ir, ir.block_ops(block)) {
            let next = self.s.kernels.len() as u32;
            let id = *self.s.kernel_ids.entry(segment.tag).or_insert(next);
            if id == next {
                self.s.kernels.push(kernel);
            }
            self.hooks.entry(segment.first).or_default().0 = Some(id);
            self.hooks.entry(segment.last).or_default().1 = Some(id);
        }
    }

    /// A call of profiling hook `name` with kernel `id`.
    fn profile_hook(&mut self, name: &'static str, id: u32) -> Result<(), CodegenError> {
        let hook = self.s.import(name, &[types::I32], &[])?;
        let f = self.func_ref(hook);
        let id = self.b.ins().iconst(types::I32, i64::from(id));
        self.b.ins().call(f, &[id]);
        Ok(())
    }

    /// Translates a single-block region given its arguments; returns what its terminator
    /// (`scf.yield`, `scf.reduce`, `scf.reduce.return`) passes on.
    /// Nested regions recurse, on a stack grown when little is left: nests thousands deep
    /// translate.
    fn region(
        &mut self,
        region: strata_ir::RegionId,
        args: &[ClValue],
        op: OpId,
    ) -> Result<Vec<ClValue>, CodegenError> {
        stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, || self.region_here(region, args, op))
    }

    fn region_here(
        &mut self,
        region: strata_ir::RegionId,
        args: &[ClValue],
        op: OpId,
    ) -> Result<Vec<ClValue>, CodegenError> {
        let ir = self.s.ir;
        let Some(&blk) = ir.region(region).blocks().first() else { return Ok(Vec::new()) };
        if ir.region(region).blocks().len() != 1 {
            return Err(self.err(op, "regions of structured ops must have one block"));
        }
        self.bind_args(ir.block(blk).args(), args, op)?;
        match self.ops(blk)? {
            Some(term) => Ok(self.flat(ir.op(term).operands())),
            None => Ok(Vec::new()),
        }
    }

    fn op(&mut self, op: OpId) -> Result<(), CodegenError> {
        let (ctx, ir) = (self.s.ctx, self.s.ir);
        let o = ir.op(op);
        let name = ctx.ident_str(o.name());
        let operands = o.operands();
        match name {
            "arith.constant" => self.constant(op),
            "scf.for" => self.scf_for(op),
            "scf.parallel" => {
                let (n, reductions) = self.parallel_shape(op)?;
                // A nest with reductions runs in this thread: its partial results would
                // otherwise need combining across threads.
                if self.outline && reductions == 0 {
                    self.parallel_outlined(op, n)
                } else {
                    self.parallel_sequential(op, n)
                }
            }
            "scf.if" => self.scf_if(op),
            "memref.load" | "vector.load" => {
                let (addr, mut off) = self.address(op, operands[0], &operands[1..])?;
                let ty = self.types_of(op, ir.value_type(o.result(0)))?;
                let flags = self.load_flags(op, name == "vector.load");
                if let Some(kind) = memref_of(ctx, ir.value_type(operands[0])).and_then(|(_, e)| half_of(e)) {
                    let bits = self.b.ins().load(types::I16, flags, addr, off);
                    let v = half::to_f32(self.b, kind, bits);
                    self.set(o.result(0), SmallVec::from_slice(&[v]));
                    return Ok(());
                }
                let mut parts = Parts::new();
                for t in ty {
                    parts.push(self.b.ins().load(t, flags, addr, off));
                    off += t.bytes() as i32;
                }
                self.set(o.result(0), parts);
                Ok(())
            }
            "memref.store" | "vector.store" => {
                let (addr, mut off) = self.address(op, operands[1], &operands[2..])?;
                let flags =
                    if name == "vector.store" { MemFlagsData::new().with_notrap() } else { MemFlagsData::trusted() };
                let parts = self.get(operands[0]).clone();
                if let Some(kind) = memref_of(ctx, ir.value_type(operands[1])).and_then(|(_, e)| half_of(e)) {
                    let bits = half::from_f32(self.b, kind, parts[0]);
                    self.b.ins().store(flags, bits, addr, off);
                    return Ok(());
                }
                for p in parts {
                    self.b.ins().store(flags, p, addr, off);
                    off += self.b.func.dfg.value_type(p).bytes() as i32;
                }
                Ok(())
            }
            "vector.broadcast" => {
                let ty = self.types_of(op, ir.value_type(o.result(0)))?;
                let x = self.one(operands[0]);
                let parts = ty.iter().map(|t| self.b.ins().splat(*t, x)).collect();
                self.set(o.result(0), parts);
                Ok(())
            }
            "memref.alloc" | "memref.alloca" => self.alloc(op, name == "memref.alloca"),
            // A false condition stops the run at a trap site with the assertion's message.
            "cf.assert" => {
                let failed = self.one(operands[0]);
                let failed = self.b.ins().icmp_imm_u(IntCC::Equal, failed, 0);
                let message = o.attr(ctx.ident("msg")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("assertion failed");
                self.trap_if(failed, op, message.to_string())
            }
            // Cranelift has no prefetch instruction: the hint is dropped.
            "memref.prefetch" => Ok(()),
            "memref.dealloc" => {
                let free = self.s.import("free", &[self.s.ptr()], &[])?;
                let f = self.func_ref(free);
                let p = self.one(operands[0]);
                self.heap.retain(|v| *v != operands[0]);
                self.b.ins().call(f, &[p]);
                Ok(())
            }
            "memref.view" => {
                let base = self.one(operands[0]);
                let shift = self.one(operands[1]);
                let p = self.b.ins().iadd(base, shift);
                self.set(o.result(0), SmallVec::from_slice(&[p]));
                Ok(())
            }
            // Memrefs are contiguous here: merging dimensions keeps the pointer.
            "memref.collapse_shape" => {
                let p = self.one(operands[0]);
                self.set(o.result(0), SmallVec::from_slice(&[p]));
                Ok(())
            }
            "memref.get_global" => {
                let g = o.attr(ctx.ident("name")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                let g = g.trim_start_matches('@');
                let id = *self.s.globals.get(g).ok_or_else(|| self.err(op, format!("no memref.global @{g}")))?;
                let gv = self.s.module.declare_data_in_func(id, self.b.func);
                let p = self.b.ins().symbol_value(self.s.ptr(), gv);
                self.set(o.result(0), SmallVec::from_slice(&[p]));
                Ok(())
            }
            "memref.copy" => {
                let (shape, elem) =
                    memref_of(ctx, ir.value_type(operands[0])).ok_or_else(|| self.err(op, "a static memref"))?;
                let bytes = shape.iter().product::<usize>() * elem.bytes();
                let (src, dst) = (self.one(operands[0]), self.one(operands[1]));
                let n = self.b.ins().iconst(self.s.ptr(), bytes as i64);
                let config = self.s.module.target_config();
                self.b.call_memcpy(config, dst, src, n);
                Ok(())
            }
            "bufferization.to_buffer" => self.constant_buffer(op),
            "func.call" => {
                let callee = o.attr(ctx.ident("callee")).map(|a| ctx.attr_to_string(a)).unwrap_or_default();
                let callee = callee.trim_start_matches('@');
                let (id, _) =
                    *self.s.functions.get(callee).ok_or_else(|| self.err(op, format!("no function body @{callee}")))?;
                let f = self.func_ref(id);
                let args = self.flat(operands);
                let call = self.b.ins().call(f, &args);
                let results = self.b.inst_results(call).to_vec();
                self.leave_if_trapped()?;
                self.bind_args(o.results(), &results, op)
            }
            // Nothing to do: a tensor that only feeds `to_buffer` is data (see `to_buffer`).
            "nn.constant" => Ok(()),
            _ if name.starts_with("arith.") || name.starts_with("math.") => self.arith(op, name),
            _ if name.starts_with("nn.") || name.starts_with("kernel.") || name.starts_with("tensor.") => {
                Err(self.err(op, "graph and tensor ops must be lowered to loops first (lower-to-loops)"))
            }
            _ => Err(self.err(op, "code generation does not handle this op")),
        }
    }

    /// The address of `memref[indices]` as a base and a constant byte offset (for the load's
    /// immediate). Strides are static, so the address is Σ index·stride: terms are summed in
    /// index order, so the part of an outer, loop-invariant prefix is hoisted by Cranelift's
    /// LICM, and constant indices fold into the offset.
    fn address(&mut self, op: OpId, memref: Value, indices: &[Value]) -> Result<(ClValue, i32), CodegenError> {
        let (shape, elem) = memref_of(self.s.ctx, self.s.ir.value_type(memref))
            .ok_or_else(|| self.err(op, "the memref must have a static shape and the identity layout"))?;
        let strides = strata_runtime::Tensor::strides(&shape);
        let mut constant = 0i64;
        let mut sum: Option<ClValue> = None;
        for (d, i) in indices.iter().enumerate() {
            let (i, c) = self.split_constant(*i);
            constant = constant.wrapping_add(c.wrapping_mul(strides[d] as i64));
            let Some(i) = i else { continue };
            let iv = self.one(i);
            let term = if strides[d] == 1 { iv } else { self.b.ins().imul_imm_s(iv, strides[d] as i64) };
            sum = Some(match sum {
                Some(s) => self.b.ins().iadd(s, term),
                None => term,
            });
        }
        let base = self.one(memref);
        let bytes = elem.bytes() as i64;
        let addr = match sum {
            Some(s) => {
                let scaled = self.b.ins().imul_imm_s(s, bytes);
                self.b.ins().iadd(base, scaled)
            }
            None => base,
        };
        match i32::try_from(constant * bytes) {
            Ok(off) => Ok((addr, off)),
            Err(_) => Ok((self.b.ins().iadd_imm_s(addr, constant * bytes), 0)),
        }
    }

    /// An index as `rest + constant` (`rest` absent when it is all constant), looking through
    /// `arith.addi`/`arith.subi` of constants: the constant part of every index goes to the
    /// load's immediate, so the rows of a tile (`panel · 4 + r`) share one address register.
    fn split_constant(&self, v: Value) -> (Option<Value>, i64) {
        let (ctx, ir) = (self.s.ctx, self.s.ir);
        if let Some(c) = crate::constant_index(ctx, ir, v) {
            return (None, c);
        }
        let ValueDef::Result { op, .. } = ir.value(v).def() else { return (Some(v), 0) };
        let o = ir.op(op);
        let (name, operands) = (ctx.ident_str(o.name()), o.operands());
        let constant = |x: Value| crate::constant_index(ctx, ir, x);
        let (rest, c) = match (name, operands) {
            ("arith.addi", &[a, b]) => match (constant(a), constant(b)) {
                (_, Some(c)) => (a, c),
                (Some(c), _) => (b, c),
                _ => return (Some(v), 0),
            },
            ("arith.subi", &[a, b]) => match constant(b) {
                Some(c) => (a, c.wrapping_neg()),
                None => return (Some(v), 0),
            },
            _ => return (Some(v), 0),
        };
        let (rest, inner) = self.split_constant(rest);
        (rest, inner.wrapping_add(c))
    }

    /// Flags for a load: `strata.invariant` (memory not written while the enclosing parallel
    /// loop runs, as packed GEMM panels) makes it read-only and movable, so it can sink into its
    /// use (a broadcast or FMA with a memory operand) instead of occupying a register.
    fn load_flags(&self, op: OpId, vector: bool) -> MemFlagsData {
        let base = if vector { MemFlagsData::new().with_notrap() } else { MemFlagsData::trusted() };
        if self.s.ir.op(op).attr(self.s.ctx.ident("strata.invariant")).is_some() {
            base.with_readonly().with_can_move()
        } else {
            base
        }
    }

    fn alloc(&mut self, op: OpId, stack: bool) -> Result<(), CodegenError> {
        let o = self.s.ir.op(op);
        let (shape, elem) =
            memref_of(self.s.ctx, self.s.ir.value_type(o.result(0))).ok_or_else(|| self.err(op, "a static memref"))?;
        let bytes =
            strata_runtime::limits::buffer_bytes(&shape, elem.bytes()).map_err(|e| self.err(op, e.to_string()))?.max(1);
        let ptr = self.s.ptr();
        if stack && bytes > u32::MAX as usize {
            return Err(self.err(op, format!("a stack buffer of {bytes} bytes (memref.alloc puts it on the heap)")));
        }
        let p = if stack {
            let slot = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, bytes as u32, 6));
            self.b.ins().stack_addr(ptr, slot, 0)
        } else {
            let alloc = self.s.import("aligned_alloc", &[ptr, ptr], &[ptr])?;
            let f = self.func_ref(alloc);
            let align = self.b.ins().iconst(ptr, 64);
            let size = self.b.ins().iconst(ptr, bytes.div_ceil(64) as i64 * 64);
            let call = self.b.ins().call(f, &[align, size]);
            let p = self.b.inst_results(call)[0];
            let failed = self.b.ins().icmp_imm_u(IntCC::Equal, p, 0);
            let what =
                format!("the allocation of {} failed (out of memory)", strata_runtime::limits::human(bytes as u64));
            self.trap_if(failed, op, what)?;
            if self.outline && self.s.ir.op(op).parent_block() == self.entry_block_of_function(op) {
                self.heap.push(o.result(0));
            }
            p
        };
        if self.s.options.poison {
            let config = self.s.module.target_config();
            let ff = self.b.ins().iconst(types::I8, 0xFF);
            let n = self.b.ins().iconst(ptr, bytes as i64);
            self.b.call_memset(config, p, ff, n);
        }
        self.set(o.result(0), SmallVec::from_slice(&[p]));
        Ok(())
    }

    fn entry_block_of_function(&self, op: OpId) -> Option<BlockId> {
        let ir = self.s.ir;
        let func = ir.parent_op(op)?;
        (self.s.ctx.ident_str(ir.op(func).name()) == "func.func")
            .then(|| ir.region(ir.op(func).regions()[0]).blocks().first().copied())
            .flatten()
    }

    fn constant_buffer(&mut self, op: OpId) -> Result<(), CodegenError> {
        let (ctx, ir) = (self.s.ctx, self.s.ir);
        let o = ir.op(op);
        let src = o.operands()[0];
        let value = match ir.value(src).def() {
            ValueDef::Result { op: def, .. }
                if matches!(ctx.ident_str(ir.op(def).name()), "nn.constant" | "arith.constant") =>
            {
                ir.op(def).attr(ctx.ident("value"))
            }
            _ => None,
        };
        let value = value.ok_or_else(|| self.err(op, "only constant tensors become buffers in compiled code"))?;
        let t = strata_runtime::interp::constant_tensor(ctx, value).map_err(|m| self.err(op, m))?;
        let (_, elem) = memref_of(ctx, ir.value_type(o.result(0))).ok_or_else(|| self.err(op, "a static memref"))?;
        if elem != t.elem {
            return Err(self.err(op, format!("a constant of {} for a buffer of {elem}", t.elem)));
        }
        let id = self.s.constant_data(&t)?;
        let gv = self.s.module.declare_data_in_func(id, self.b.func);
        let p = self.b.ins().symbol_value(self.s.ptr(), gv);
        self.set(o.result(0), SmallVec::from_slice(&[p]));
        Ok(())
    }

    fn constant(&mut self, op: OpId) -> Result<(), CodegenError> {
        let (ctx, ir) = (self.s.ctx, self.s.ir);
        let o = ir.op(op);
        let r = o.result(0);
        let t = ir.value_type(r);
        let ty = self.types_of(op, t)?;
        let attr = o.attr(ctx.ident("value")).ok_or_else(|| self.err(op, "no value"))?;
        let value = if let TypeKind::Vector { .. } = ctx.type_kind(t) {
            let d = strata_runtime::interp::dense(ctx, attr).ok_or_else(|| self.err(op, "a dense vector value"))?;
            let first = d.get(0);
            if !d.scalars().all(|x| x == first || (x.as_f64().is_nan() && first.as_f64().is_nan())) {
                return Err(self.err(op, "only splat vector constants are supported"));
            }
            first
        } else {
            match ctx.attr_as_int(attr) {
                Some(i) => Scalar::Int(i as i64),
                None => Scalar::Float(ctx.attr_as_f64(attr).ok_or_else(|| self.err(op, "a scalar value"))?),
            }
        };
        let parts = ty
            .iter()
            .map(|t| {
                let lane = t.lane_type();
                let v = match (lane, value) {
                    (types::F32, v) => self.b.ins().f32const(v.as_f64() as f32),
                    (types::F64, v) => self.b.ins().f64const(v.as_f64()),
                    (_, Scalar::Int(i)) => self.b.ins().iconst(lane, i),
                    (_, Scalar::Float(x)) => self.b.ins().iconst(lane, x as i64),
                };
                if t.is_vector() {
                    self.b.ins().splat(*t, v)
                } else {
                    v
                }
            })
            .collect();
        self.set(r, parts);
        Ok(())
    }

    /// Starts a counted loop `for iv = lb; iv < ub; iv += step`: returns the header (to jump
    /// back to), the exit, and the induction variable, with the body's block current.
    fn loop_begin(&mut self, lb: ClValue, ub: ClValue, extra: &[ClType], init: &[ClValue]) -> Loop {
        let header = self.b.create_block();
        let body = self.b.create_block();
        let exit = self.b.create_block();
        self.loop_depth += 1;
        // Deep in a nest, the induction variable lives in a stack slot: as a value it would be
        // live through every inner loop, and register allocation over n nested loops with n
        // such values grows as n^3 (thousands of levels took minutes). Real kernels are far
        // shallower and keep it in a register.
        let slot = (self.loop_depth > DEEP_LOOP)
            .then(|| self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3)));
        // The induction variable is the header's last parameter: Cranelift computes a jump's
        // arguments in their order, so the step is placed after the body's last use of the
        // old value and can overwrite its register (first, it needs a copy every iteration).
        let carried: Vec<ClValue> = extra.iter().map(|t| self.b.append_block_param(header, *t)).collect();
        let param = slot.is_none().then(|| self.b.append_block_param(header, types::I64));
        for t in extra {
            self.b.append_block_param(exit, *t);
        }
        let mut args: Vec<BlockArg> = init.iter().map(|v| BlockArg::from(*v)).collect();
        match slot {
            Some(slot) => {
                self.b.ins().stack_store(self.s.ptr(), lb, slot, 0);
            }
            None => args.push(lb.into()),
        }
        self.b.ins().jump(header, &args);
        self.b.switch_to_block(header);
        let iv = match (param, slot) {
            (Some(iv), _) => iv,
            (None, Some(slot)) => self.b.ins().stack_load(self.s.ptr(), types::I64, slot, 0),
            (None, None) => unreachable!("a parameter or a slot"),
        };
        // The exit is the branch's first target on purpose: Cranelift 0.135's elaboration
        // forgets the enclosing loops when it visits a loop's exit before its body (the loop
        // stack is not restored between dominator-tree siblings), and then hoists nothing out
        // of inner loops. Exit first, loop-invariant address arithmetic leaves the loop.
        let done = self.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, iv, ub);
        let out: Vec<_> = carried.iter().map(|v| (*v).into()).collect();
        self.b.ins().brif(done, exit, &out, body, &[]);
        self.b.switch_to_block(body);
        Loop { header, exit, iv, slot, carried }
    }

    fn loop_end(&mut self, l: &Loop, step: ClValue, carried: &[ClValue]) -> Vec<ClValue> {
        let mut args: Vec<BlockArg> = carried.iter().map(|v| BlockArg::from(*v)).collect();
        match l.slot {
            Some(slot) => {
                let ptr = self.s.ptr();
                let now = self.b.ins().stack_load(ptr, types::I64, slot, 0);
                let next = self.b.ins().iadd(now, step);
                self.b.ins().stack_store(ptr, next, slot, 0);
            }
            None => {
                let next = self.b.ins().iadd(l.iv, step);
                args.push(next.into());
            }
        }
        self.b.ins().jump(l.header, &args);
        self.b.switch_to_block(l.exit);
        self.loop_depth -= 1;
        self.b.block_params(l.exit).to_vec()
    }

    fn scf_for(&mut self, op: OpId) -> Result<(), CodegenError> {
        let ir = self.s.ir;
        let o = ir.op(op);
        let ops = o.operands();
        // Loops here count in 64-bit registers, compared as signed: what lowering makes.
        let ctx = self.s.ctx;
        if ir.value_type(ops[0]) != ctx.index_type() || o.attr(ctx.ident("unsignedCmp")).is_some() {
            return Err(self.err(op, "only loops over index bounds compared as signed are compiled"));
        }
        let (lb, ub, step) = (self.one(ops[0]), self.one(ops[1]), self.one(ops[2]));
        let init = self.flat(&ops[3..]);
        let mut tys = Vec::new();
        for r in o.results() {
            tys.extend(self.types_of(op, ir.value_type(*r))?);
        }
        let l = self.loop_begin(lb, ub, &tys, &init);
        let (iv, carried) = (l.iv, l.carried.clone());
        let mut args = vec![iv];
        args.extend(carried);
        let yielded = self.region(o.regions()[0], &args, op)?;
        let results = self.loop_end(&l, step, &yielded);
        self.bind_args(o.results(), &results, op)
    }

    fn scf_if(&mut self, op: OpId) -> Result<(), CodegenError> {
        let ir = self.s.ir;
        let o = ir.op(op);
        let c = self.one(o.operands()[0]);
        let (then, other, merge) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
        for r in o.results() {
            for t in self.types_of(op, ir.value_type(*r))? {
                self.b.append_block_param(merge, t);
            }
        }
        self.b.ins().brif(c, then, &[], other, &[]);
        for (blk, region) in [(then, o.regions()[0]), (other, o.regions()[1])] {
            self.b.switch_to_block(blk);
            let vals: Vec<_> = self.region(region, &[], op)?.into_iter().map(Into::into).collect();
            self.b.ins().jump(merge, &vals);
        }
        self.b.switch_to_block(merge);
        let results = self.b.block_params(merge).to_vec();
        self.bind_args(o.results(), &results, op)
    }

    /// The number of dimensions and of reductions of an `scf.parallel`.
    fn parallel_shape(&self, op: OpId) -> Result<(usize, usize), CodegenError> {
        let p = strata_dialects::scf::parallel_operands(self.s.ctx, self.s.ir, op).map_err(|m| self.err(op, m))?;
        Ok((p.dims(), p.inits.len()))
    }

    /// A parallel nest run in this thread: one counted loop per dimension, carrying the
    /// reductions, whose values are combined in iteration order (as the interpreter does).
    fn parallel_sequential(&mut self, op: OpId, n: usize) -> Result<(), CodegenError> {
        let ir = self.s.ir;
        let o = ir.op(op);
        let ops = o.operands();
        let bounds: Vec<(ClValue, ClValue, ClValue)> =
            (0..n).map(|d| (self.one(ops[d]), self.one(ops[n + d]), self.one(ops[2 * n + d]))).collect();
        let mut tys = Vec::new();
        for r in o.results() {
            tys.extend(self.types_of(op, ir.value_type(*r))?);
        }
        let init = self.flat(&ops[3 * n..]);
        let results = self.nest(op, &bounds, Vec::new(), &tys, init)?;
        self.bind_args(o.results(), &results, op)
    }

    /// Loops over the dimensions of `bounds` from the `ivs.len()`-th on, carrying `acc` (of
    /// machine types `tys`); returns the reductions after the last iteration.
    fn nest(
        &mut self,
        op: OpId,
        bounds: &[(ClValue, ClValue, ClValue)],
        mut ivs: Vec<ClValue>,
        tys: &[ClType],
        acc: Vec<ClValue>,
    ) -> Result<Vec<ClValue>, CodegenError> {
        let Some(&(lb, ub, step)) = bounds.get(ivs.len()) else {
            let region = self.s.ir.op(op).regions()[0];
            let values = self.region(region, &ivs, op)?;
            return self.combine(op, acc, values);
        };
        let l = self.loop_begin(lb, ub, tys, &acc);
        ivs.push(l.iv);
        let carried = l.carried.clone();
        let next = self.nest(op, bounds, ivs, tys, carried)?;
        Ok(self.loop_end(&l, step, &next))
    }

    /// Each reduction of the nest `op` combined with its value of this iteration by its
    /// region of the body's `scf.reduce` (`acc` and `values` are flat machine values).
    fn combine(&mut self, op: OpId, acc: Vec<ClValue>, values: Vec<ClValue>) -> Result<Vec<ClValue>, CodegenError> {
        if acc.is_empty() {
            return Ok(acc);
        }
        let ir = self.s.ir;
        let body = ir.region(ir.op(op).regions()[0]).blocks()[0];
        let reduce = ir.block(body).last_op().ok_or_else(|| self.err(op, "the body has no terminator"))?;
        let mut out = Vec::with_capacity(acc.len());
        let mut at = 0;
        for (x, r) in ir.op(reduce).operands().iter().zip(ir.op(reduce).regions()) {
            let parts = self.types_of(reduce, ir.value_type(*x))?.len();
            let mut args = acc[at..at + parts].to_vec();
            args.extend_from_slice(&values[at..at + parts]);
            out.extend(self.region(*r, &args, reduce)?);
            at += parts;
        }
        Ok(out)
    }

    fn is_constant(&self, v: Value) -> bool {
        let ir = self.s.ir;
        matches!(ir.value(v).def(), ValueDef::Result { op, .. } if self.s.ctx.ident_str(ir.op(op).name()) == "arith.constant")
    }

    /// Hands a parallel nest to `strata_parallel_for`: its captures and bounds go into a stack
    /// block, and the body becomes a function of `(block, lo, hi)` over the iterations of the
    /// leading dimensions (see [`Self::outlined_body`]).
    fn parallel_outlined(&mut self, op: OpId, n: usize) -> Result<(), CodegenError> {
        let o = self.s.ir.op(op);
        let ops = o.operands().to_vec();
        // Constants are rebuilt inside, so addresses still fold.
        let captures: Vec<Value> =
            crate::captured_values(self.s.ir, op).into_iter().filter(|v| !self.is_constant(*v)).collect();
        let (layout, dims_at) = self.capture_layout(op, &captures)?;
        let size = dims_at as u32 + 32 * n as u32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size.max(8), 4));
        let ptr = self.s.ptr();
        let base = self.b.ins().stack_addr(ptr, slot, 0);
        let flags = MemFlagsData::trusted();
        for (v, (off, _)) in captures.iter().zip(&layout) {
            let mut at = *off as i32;
            for p in self.get(*v).clone() {
                self.b.ins().store(flags, p, base, at);
                at += self.b.func.dfg.value_type(p).bytes() as i32;
            }
        }
        let k = crate::parallel_split_dims(self.s.ctx, self.s.ir, &ops[..3 * n], n);
        let mut total = self.b.ins().iconst(types::I64, 1);
        for d in 0..n {
            let (lb, ub, step) = (self.one(ops[d]), self.one(ops[n + d]), self.one(ops[2 * n + d]));
            // Trip count: max(0, ceil((ub - lb) / step)).
            let span = self.b.ins().isub(ub, lb);
            let s1 = self.b.ins().iadd_imm_s(step, -1);
            let span = self.b.ins().iadd(span, s1);
            let count = self.b.ins().sdiv(span, step);
            let zero = self.b.ins().iconst(types::I64, 0);
            let count = self.b.ins().smax(count, zero);
            for (j, v) in [lb, ub, step, count].into_iter().enumerate() {
                self.b.ins().store(flags, v, base, dims_at + 32 * d as i32 + 8 * j as i32);
            }
            if d < k {
                total = self.b.ins().imul(total, count);
            }
        }
        let sig_ptr = self.s.ptr();
        let id = self
            .s
            .module
            .declare_anonymous_function(&signature_of(self.s.module, &[sig_ptr, types::I64, types::I64], &[]))
            .map_err(module_err)?;
        self.s.outlines.push((id, op, captures));
        let pf = self.s.import(abi::PARALLEL_FOR, &[ptr, ptr, types::I64], &[])?;
        let body = self.func_ref(id);
        let body = self.b.ins().func_addr(ptr, body);
        let pf = self.func_ref(pf);
        self.b.ins().call(pf, &[body, base, total]);
        self.leave_if_trapped()
    }

    /// Byte offsets (and machine types) of each capture in the block passed to the body, and
    /// where the loop bounds follow them (lb, ub, step, trip count: 32 bytes a dimension).
    fn capture_layout(&self, op: OpId, captures: &[Value]) -> Result<(Vec<CaptureSlot>, i32), CodegenError> {
        let mut at = 0u32;
        let mut out = Vec::new();
        for v in captures {
            let ts = self.types_of(op, self.s.ir.value_type(*v))?;
            let align = ts.iter().map(|t| t.bytes()).max().unwrap_or(8).max(8);
            at = at.div_ceil(align) * align;
            out.push((at, ts.clone()));
            at += ts.iter().map(|t| t.bytes()).sum::<u32>();
        }
        Ok((out, at.div_ceil(8) as i32 * 8))
    }

    /// The outlined body of a parallel nest: iterations `[lo, hi)` of its `k` leading dimensions
    /// (flattened), each running the remaining dimensions as sequential loops.
    fn outlined_body(&mut self, op: OpId, captures: &[Value]) -> Result<(), CodegenError> {
        let ir = self.s.ir;
        let (n, _) = self.parallel_shape(op)?;
        let ops = ir.op(op).operands().to_vec();
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let params = self.b.block_params(entry).to_vec();
        let (base, lo, hi) = (params[0], params[1], params[2]);
        let (layout, dims_at) = self.capture_layout(op, captures)?;
        // Read-only, but not `can_move`: movable loads are placed at their uses, which would
        // reload every capture inside the loops.
        let flags = MemFlagsData::trusted().with_readonly();
        for (v, (off, ts)) in captures.iter().zip(&layout) {
            let mut at = *off as i32;
            let mut parts = Parts::new();
            for t in ts {
                parts.push(self.b.ins().load(*t, flags, base, at));
                at += t.bytes() as i32;
            }
            self.set(*v, parts);
        }
        // Constants used inside are rebuilt here.
        for inner in ir.collect_ops(op).into_iter().skip(1) {
            for v in ir.op(inner).operands() {
                if let ValueDef::Result { op: def, .. } = ir.value(*v).def() {
                    if !self.values.contains_key(v) && self.is_constant(*v) && !ir.is_ancestor(op, def) {
                        self.constant(def)?;
                    }
                }
            }
        }
        let dims: Vec<[ClValue; 4]> = (0..n)
            .map(|d| {
                std::array::from_fn(|j| {
                    self.b.ins().load(types::I64, flags, base, dims_at + 32 * d as i32 + 8 * j as i32)
                })
            })
            .collect();
        let k = crate::parallel_split_dims(self.s.ctx, ir, &ops[..3 * n], n);
        let one = self.b.ins().iconst(types::I64, 1);
        let l = self.loop_begin(lo, hi, &[], &[]);
        let lin = l.iv;
        let mut ivs = vec![lin; k];
        let mut rest = lin;
        for d in (0..k).rev() {
            let [lb, _, step, count] = dims[d];
            let i = if d > 0 { self.b.ins().urem(rest, count) } else { rest };
            if d > 0 {
                rest = self.b.ins().udiv(rest, count);
            }
            let scaled = self.b.ins().imul(i, step);
            ivs[d] = self.b.ins().iadd(lb, scaled);
        }
        let bounds: Vec<(ClValue, ClValue, ClValue)> = dims.iter().map(|[lb, ub, step, _]| (*lb, *ub, *step)).collect();
        self.nest(op, &bounds, ivs, &[], Vec::new())?;
        self.loop_end(&l, one, &[]);
        self.b.ins().return_(&[]);
        Ok(())
    }

    fn arith(&mut self, op: OpId, name: &str) -> Result<(), CodegenError> {
        let (ctx, ir) = (self.s.ctx, self.s.ir);
        let o = ir.op(op);
        let operands = o.operands().to_vec();
        let r = o.result(0);
        let rty = self.types_of(op, ir.value_type(r))?;
        let args: Vec<Parts> = operands.iter().map(|v| self.get(*v).clone()).collect();
        let pred = || o.attr(ctx.ident("predicate")).and_then(|a| ctx.attr_as_int(a)).unwrap_or(0) as i64;
        let src_ty = operands.first().map(|v| ir.value_type(*v));
        let src_is_i1 = src_ty.is_some_and(|t| ctx.int_or_float_width(ctx.element_type_or_self(t)) == Some(1));
        // Halves compute in f32 and round after each op ([`half`]); a fused multiply-add would
        // round once where the IR rounds twice.
        let out_half = abi::elem_of(ctx, ir.value_type(r)).and_then(half_of);
        let in_elem = src_ty.and_then(|t| abi::elem_of(ctx, t));
        let fused = if name == "arith.addf" && self.s.fma && out_half.is_none() {
            crate::fusable_mul(ctx, ir, &operands)
        } else {
            None
        };
        let divisor = operands.get(1).and_then(|v| crate::constant_index(ctx, ir, *v));
        // maximumf/minimumf against a constant that `clamp_by_constant` takes: which operand it
        // is, and its value.
        let bound = if self.s.x86 && matches!(name, "arith.maximumf" | "arith.minimumf") {
            let takes = |c: &f64| !c.is_nan() && (name == "arith.maximumf" || !is_negative_zero(*c));
            (0..2).find_map(|i| crate::constant_float(ctx, ir, operands[i]).filter(takes).map(|c| (i, c)))
        } else {
            None
        };
        if rty.len() == 1 && !rty[0].is_vector() && args.len() == 2 && ctx.ident_str(o.name()).starts_with("arith.") {
            let (x, y) = (args[0][0], args[1][0]);
            self.check_integer_faults(op, name, x, y)?;
        }
        // i1 is a byte of 0 or 1, so true reads as +1: ops whose result depends on the sign
        // of a true (or on carries out of the bit) are rewritten below.
        let i1 = src_ty.is_some_and(|t| ctx.int_or_float_width(ctx.element_type_or_self(t)) == Some(1))
            && !name.starts_with("arith.cmpf");
        let mut parts = Parts::new();
        for p in 0..rty.len() {
            let a = |i: usize| args[i].get(p).copied().unwrap_or(args[i][0]);
            let ty = rty[p];
            let v = match name {
                // Into a half: from f64 through f32 rounded to odd, else from an f32 register.
                "arith.truncf" | "arith.extf" if out_half.is_some() => {
                    let kind = out_half.unwrap_or(Half::F16);
                    if in_elem == Some(Elem::F64) {
                        half::round_f64(self.b, kind, a(0))
                    } else {
                        half::round(self.b, kind, a(0))
                    }
                }
                "arith.sitofp" | "arith.uitofp" if out_half.is_some() => {
                    let kind = out_half.unwrap_or(Half::F16);
                    let wide = if name == "arith.uitofp" || src_is_i1 {
                        self.b.ins().fcvt_from_uint(types::F64, a(0))
                    } else {
                        self.b.ins().fcvt_from_sint(types::F64, a(0))
                    };
                    let wide = if name == "arith.sitofp" && src_is_i1 { self.b.ins().fneg(wide) } else { wide };
                    half::round_f64(self.b, kind, wide)
                }
                // Out of a half (an f32 register): to f32 it is already there.
                "arith.extf" if in_elem.and_then(half_of).is_some() && ty == types::F32 => a(0),
                "arith.addf" => match fused {
                    Some((m, other)) => {
                        let (x, y) = (self.values[&m.0][p], self.values[&m.1][p]);
                        let c = self.values[&other][p];
                        self.b.ins().fma(x, y, c)
                    }
                    None => self.b.ins().fadd(a(0), a(1)),
                },
                "arith.subf" => self.b.ins().fsub(a(0), a(1)),
                "arith.mulf" => self.b.ins().fmul(a(0), a(1)),
                "arith.divf" => self.b.ins().fdiv(a(0), a(1)),
                // A vector's sign bits flip through a constant mask (one `xorps` from the
                // constant pool); Cranelift's `fneg` builds the mask in registers each time.
                "arith.negf" if ty.is_vector() => {
                    let lane = ty.lane_type();
                    let zero =
                        if lane == types::F32 { self.b.ins().f32const(-0.0f32) } else { self.b.ins().f64const(-0.0) };
                    let mask = self.b.ins().splat(ty, zero);
                    self.b.ins().bxor(a(0), mask)
                }
                "arith.negf" => self.b.ins().fneg(a(0)),
                "arith.maximumf" | "arith.minimumf" if bound.is_some() => {
                    let (i, c) = bound.unwrap_or((1, 0.0));
                    clamp_by_constant(self.b, ty, name == "arith.maximumf", a(1 - i), (a(i), c))
                }
                "arith.maximumf" | "arith.minimumf" if self.s.x86 && ty.is_vector() => {
                    lanewise_extremum(self.b, ty, name == "arith.maximumf", a(0), a(1))
                }
                "arith.maximumf" => self.b.ins().fmax(a(0), a(1)),
                "arith.minimumf" => self.b.ins().fmin(a(0), a(1)),
                "arith.maxnumf" | "arith.minnumf" => {
                    let cc = if name == "arith.maxnumf" { FloatCC::GreaterThan } else { FloatCC::LessThan };
                    // NaN-ignoring: take b unless a wins or b is NaN.
                    let c = fcmp(self.b, cc, a(0), a(1));
                    let bnan = fcmp(self.b, FloatCC::Unordered, a(1), a(1));
                    let c = self.b.ins().bor(c, bnan);
                    select(self.b, ty, c, a(0), a(1))
                }
                // On i1, sums and differences are exclusive or: no carry out of the bit.
                "arith.addi" | "arith.subi" if i1 => self.b.ins().bxor(a(0), a(1)),
                "arith.maxsi" if i1 => self.b.ins().umin(a(0), a(1)),
                "arith.minsi" if i1 => self.b.ins().umax(a(0), a(1)),
                "arith.addi" => self.b.ins().iadd(a(0), a(1)),
                "arith.subi" => self.b.ins().isub(a(0), a(1)),
                "arith.muli" => self.b.ins().imul(a(0), a(1)),
                "arith.divsi" | "arith.remsi" if !ty.is_vector() && divisor.is_some_and(|d| d.abs() >= 2) => {
                    // By a constant: multiply-high and shifts, pure, so loops can hoist it.
                    let d = divisor.unwrap_or(2);
                    let q = super::divide::sdiv_by_constant(self.b, a(0), d);
                    if name == "arith.divsi" {
                        q
                    } else {
                        let qd = self.b.ins().imul_imm_s(q, d);
                        self.b.ins().isub(a(0), qd)
                    }
                }
                "arith.divsi" => self.b.ins().sdiv(a(0), a(1)),
                "arith.remsi" => self.b.ins().srem(a(0), a(1)),
                "arith.divui" => self.b.ins().udiv(a(0), a(1)),
                "arith.remui" => self.b.ins().urem(a(0), a(1)),
                "arith.floordivsi" | "arith.ceildivsi" => {
                    let (x, y) = (a(0), a(1));
                    let q = self.b.ins().sdiv(x, y);
                    let rem = self.b.ins().srem(x, y);
                    let inexact = self.b.ins().icmp_imm_s(IntCC::NotEqual, rem, 0);
                    let sx = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
                    let sy = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, y, 0);
                    let differ = self.b.ins().bxor(sx, sy);
                    let (cond, delta) = if name == "arith.floordivsi" {
                        (self.b.ins().band(inexact, differ), -1)
                    } else {
                        let same = self.b.ins().bxor_imm_u(differ, 1);
                        (self.b.ins().band(inexact, same), 1)
                    };
                    let adjusted = self.b.ins().iadd_imm_s(q, delta);
                    self.b.ins().select(cond, adjusted, q)
                }
                "arith.maxsi" => self.b.ins().smax(a(0), a(1)),
                "arith.minsi" => self.b.ins().smin(a(0), a(1)),
                "arith.maxui" => self.b.ins().umax(a(0), a(1)),
                "arith.minui" => self.b.ins().umin(a(0), a(1)),
                "arith.andi" => self.b.ins().band(a(0), a(1)),
                "arith.ori" => self.b.ins().bor(a(0), a(1)),
                "arith.xori" => self.b.ins().bxor(a(0), a(1)),
                "arith.shli" => self.b.ins().ishl(a(0), a(1)),
                "arith.shrsi" => self.b.ins().sshr(a(0), a(1)),
                "arith.shrui" => self.b.ins().ushr(a(0), a(1)),
                "arith.select" => {
                    let c = a(0);
                    select(self.b, ty, c, a(1), a(2))
                }
                "arith.cmpf" => {
                    let (x, y) = (a(0), a(1));
                    match float_cc(pred()) {
                        Some(cc) => fcmp(self.b, cc, x, y),
                        None => {
                            let c = self.b.ins().iconst(types::I8, i64::from(pred() == 15));
                            if ty.is_vector() {
                                let c = self.b.ins().ineg(c);
                                let c = self.b.ins().sextend(types::I32, c);
                                self.b.ins().splat(ty, c)
                            } else {
                                c
                            }
                        }
                    }
                }
                "arith.cmpi" => {
                    let cc = int_cc(pred()).ok_or_else(|| self.err(op, "unknown predicate"))?;
                    // On i1, true (1) is -1 signed: signed order is unsigned order reversed.
                    let cc = if i1 && (2..=5).contains(&pred()) { cc.swap_args() } else { cc };
                    let cc = if i1 && (2..=5).contains(&pred()) { unsigned_of(cc) } else { cc };
                    self.b.ins().icmp(cc, a(0), a(1))
                }
                "arith.index_cast" | "arith.index_castui" | "arith.extsi" | "arith.extui" | "arith.trunci" => {
                    let from = self.b.func.dfg.value_type(a(0));
                    let x = a(0);
                    if from.bits() < ty.bits() {
                        let signed = name != "arith.extui" && name != "arith.index_castui";
                        if src_is_i1 && signed {
                            // i1 true is -1 when sign-extended.
                            let wide = self.b.ins().uextend(ty, x);
                            self.b.ins().ineg(wide)
                        } else if signed {
                            self.b.ins().sextend(ty, x)
                        } else {
                            self.b.ins().uextend(ty, x)
                        }
                    } else if from.bits() > ty.bits() {
                        let t = self.b.ins().ireduce(ty, x);
                        if ctx.int_or_float_width(ctx.element_type_or_self(ir.value_type(r))) == Some(1) {
                            self.b.ins().band_imm_u(t, 1)
                        } else {
                            t
                        }
                    } else {
                        x
                    }
                }
                "arith.sitofp" if src_is_i1 => {
                    let one = self.b.ins().fcvt_from_uint(ty, a(0));
                    self.b.ins().fneg(one)
                }
                "arith.sitofp" => self.b.ins().fcvt_from_sint(ty, a(0)),
                "arith.uitofp" => self.b.ins().fcvt_from_uint(ty, a(0)),
                // To i1, whose signed range is [-1, 0] and unsigned range [0, 1]: saturate,
                // then a byte of 0 or 1.
                "arith.fptosi" if ctx.int_or_float_width(ctx.element_type_or_self(ir.value_type(r))) == Some(1) => {
                    let v = self.b.ins().fcvt_to_sint_sat(ty, a(0));
                    self.b.ins().icmp_imm_s(IntCC::SignedLessThan, v, 0)
                }
                "arith.fptoui" if ctx.int_or_float_width(ctx.element_type_or_self(ir.value_type(r))) == Some(1) => {
                    let v = self.b.ins().fcvt_to_uint_sat(ty, a(0));
                    self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, v, 0)
                }
                "arith.fptosi" => self.b.ins().fcvt_to_sint_sat(ty, a(0)),
                "arith.fptoui" => self.b.ins().fcvt_to_uint_sat(ty, a(0)),
                "arith.extf" => self.b.ins().fpromote(ty, a(0)),
                "arith.truncf" => self.b.ins().fdemote(ty, a(0)),
                "math.sqrt" => self.b.ins().sqrt(a(0)),
                "math.rsqrt" => {
                    let s = self.b.ins().sqrt(a(0));
                    let one = float_const(self.b, ty, 1.0);
                    self.b.ins().fdiv(one, s)
                }
                "math.absf" => self.b.ins().fabs(a(0)),
                "math.exp" | "math.log" | "math.tanh" | "math.erf" if ty.lane_type() == types::F32 => {
                    let fma = self.s.fma;
                    let mut m = F32Math { b: self.b, ty, fma };
                    match name {
                        "math.exp" => m.exp(a(0)),
                        "math.log" => m.log(a(0)),
                        "math.tanh" => m.tanh(a(0)),
                        _ => m.erf(a(0)),
                    }
                }
                "math.exp" | "math.log" | "math.tanh" | "math.erf" | "math.powf" => {
                    let f32 = ty.lane_type() == types::F32;
                    let base = &name["math.".len()..];
                    let lib = match (base, f32) {
                        ("exp", _) => "exp",
                        ("log", _) => "log",
                        ("tanh", _) => "tanh",
                        ("erf", _) => "erf",
                        (_, true) => "powf",
                        _ => "pow",
                    };
                    let ins_args: Vec<ClValue> = (0..operands.len()).map(a).collect();
                    self.libcall(op, lib, ty, &ins_args)?
                }
                _ => return Err(self.err(op, "code generation does not handle this op")),
            };
            let rounds = matches!(
                name,
                "arith.addf"
                    | "arith.subf"
                    | "arith.mulf"
                    | "arith.divf"
                    | "math.sqrt"
                    | "math.rsqrt"
                    | "math.exp"
                    | "math.log"
                    | "math.tanh"
                    | "math.erf"
                    | "math.powf"
            );
            let v = match out_half {
                Some(kind) if rounds => half::round(self.b, kind, v),
                _ => v,
            };
            parts.push(v);
        }
        self.set(r, parts);
        Ok(())
    }

    /// A C library function, lane by lane (`exp`, `log`, `tanh`, `erf`, `pow`, `powf`).
    fn libcall(&mut self, op: OpId, name: &'static str, ty: ClType, args: &[ClValue]) -> Result<ClValue, CodegenError> {
        let lane = ty.lane_type();
        if lane != types::F32 && lane != types::F64 {
            return Err(self.err(op, "math functions take floats"));
        }
        let params: Vec<ClType> = args.iter().map(|_| lane).collect();
        let id = self.s.import(name, &params, &[lane])?;
        let f = self.func_ref(id);
        if !ty.is_vector() {
            let call = self.b.ins().call(f, args);
            return Ok(self.b.inst_results(call)[0]);
        }
        let mut out = args[0];
        for l in 0..ty.lane_count() as u8 {
            let lanes: Vec<ClValue> = args.iter().map(|a| self.b.ins().extractlane(*a, l)).collect();
            let call = self.b.ins().call(f, &lanes);
            let r = self.b.inst_results(call)[0];
            out = self.b.ins().insertlane(out, r, l);
        }
        Ok(out)
    }
}

fn float_const(b: &mut FunctionBuilder, ty: ClType, v: f64) -> ClValue {
    let c = if ty.lane_type() == types::F32 { b.ins().f32const(v as f32) } else { b.ins().f64const(v) };
    if ty.is_vector() {
        b.ins().splat(ty, c)
    } else {
        c
    }
}

/// A float comparison. On vectors, predicates that admit NaN are built from ordered ones
/// (AArch64's Cranelift lowers only those); on scalars every predicate is native.
pub(crate) fn fcmp(b: &mut FunctionBuilder, cc: FloatCC, x: ClValue, y: ClValue) -> ClValue {
    if !b.func.dfg.value_type(x).is_vector() {
        return b.ins().fcmp(cc, x, y);
    }
    let not = |b: &mut FunctionBuilder, cc: FloatCC| {
        let c = fcmp(b, cc, x, y);
        b.ins().bnot(c)
    };
    match cc {
        FloatCC::UnorderedOrLessThan => not(b, FloatCC::GreaterThanOrEqual),
        FloatCC::UnorderedOrLessThanOrEqual => not(b, FloatCC::GreaterThan),
        FloatCC::UnorderedOrGreaterThan => not(b, FloatCC::LessThanOrEqual),
        FloatCC::UnorderedOrGreaterThanOrEqual => not(b, FloatCC::LessThan),
        FloatCC::UnorderedOrEqual => not(b, FloatCC::OrderedNotEqual),
        FloatCC::NotEqual => not(b, FloatCC::Equal),
        FloatCC::Unordered => not(b, FloatCC::Ordered),
        FloatCC::OrderedNotEqual => {
            let (lt, gt) = (b.ins().fcmp(FloatCC::LessThan, x, y), b.ins().fcmp(FloatCC::GreaterThan, x, y));
            b.ins().bor(lt, gt)
        }
        FloatCC::Ordered => {
            let (xx, yy) = (b.ins().fcmp(FloatCC::Equal, x, x), b.ins().fcmp(FloatCC::Equal, y, y));
            b.ins().band(xx, yy)
        }
        cc => b.ins().fcmp(cc, x, y),
    }
}

fn is_negative_zero(c: f64) -> bool {
    c == 0.0 && c.is_sign_negative()
}

/// `maximumf(v, c)` or `minimumf(v, c)` for a constant `c` that is not NaN (nor -0 for the
/// minimum), as `v < c ? c : v` (`c < v ? c : v`): the forms Cranelift turns into one
/// `maxps`/`minps` (`maxss`/`minss`) instead of the ten instructions of `fmax`, whose other
/// operand may be NaN too. A NaN `v` fails the comparison and is the result, as `maximumf`
/// wants; only `maximumf(-0, +0)` would come out -0, so against +0 an added +0 makes it +0
/// (and leaves every other value as it is). A ReLU is these two instructions.
fn clamp_by_constant(
    b: &mut FunctionBuilder,
    ty: ClType,
    max: bool,
    v: ClValue,
    (c, value): (ClValue, f64),
) -> ClValue {
    let take_c = if max { fcmp(b, FloatCC::LessThan, v, c) } else { fcmp(b, FloatCC::LessThan, c, v) };
    let r = select(b, ty, take_c, c, v);
    if max && value == 0.0 && !value.is_sign_negative() {
        b.ins().fadd(r, c)
    } else {
        r
    }
}

/// `maximumf`/`minimumf` of two vectors in five x86-64 instructions, not `fmax`'s ten: `maxps` both
/// ways round (each returns its second operand for NaN and for equal operands), then the AND
/// of the two (the OR for the minimum) picks +0 over -0 (-0 for the minimum) and is either
/// one elsewhere, and lanes where an operand is NaN become all ones, a NaN. (NaN payloads are
/// not specified; `fmax` gives the canonical one.)
fn lanewise_extremum(b: &mut FunctionBuilder, ty: ClType, max: bool, x: ClValue, y: ClValue) -> ClValue {
    // `y < x ? x : y` is `maxps x, y`; `x < y ? x : y` is `minps x, y`.
    let one_way = |b: &mut FunctionBuilder, p: ClValue, q: ClValue| {
        let c = if max { fcmp(b, FloatCC::LessThan, q, p) } else { fcmp(b, FloatCC::LessThan, p, q) };
        select(b, ty, c, p, q)
    };
    let (m1, m2) = (one_way(b, x, y), one_way(b, y, x));
    let m = if max { b.ins().band(m1, m2) } else { b.ins().bor(m1, m2) };
    let nan = b.ins().fcmp(FloatCC::Unordered, x, y);
    let nan = as_lanes(b, ty, nan);
    b.ins().bor(m, nan)
}

/// A lane mask (the integer vector a vector comparison gives) as a vector of type `ty`.
fn as_lanes(b: &mut FunctionBuilder, ty: ClType, mask: ClValue) -> ClValue {
    if b.func.dfg.value_type(mask) == ty {
        return mask;
    }
    let f = MemFlagsData::new().with_endianness(Endianness::Little);
    b.ins().bitcast(ty, f, mask)
}

/// `c ? x : y`: `select` for a scalar condition, a bit select for a lane mask.
fn select(b: &mut FunctionBuilder, ty: ClType, c: ClValue, x: ClValue, y: ClValue) -> ClValue {
    let cty = b.func.dfg.value_type(c);
    if cty.is_vector() {
        let mask = as_lanes(b, ty, c);
        b.ins().bitselect(mask, x, y)
    } else {
        b.ins().select(c, x, y)
    }
}

fn float_cc(p: i64) -> Option<FloatCC> {
    Some(match p {
        1 => FloatCC::Equal,
        2 => FloatCC::GreaterThan,
        3 => FloatCC::GreaterThanOrEqual,
        4 => FloatCC::LessThan,
        5 => FloatCC::LessThanOrEqual,
        6 => FloatCC::OrderedNotEqual,
        7 => FloatCC::Ordered,
        8 => FloatCC::UnorderedOrEqual,
        9 => FloatCC::UnorderedOrGreaterThan,
        10 => FloatCC::UnorderedOrGreaterThanOrEqual,
        11 => FloatCC::UnorderedOrLessThan,
        12 => FloatCC::UnorderedOrLessThanOrEqual,
        13 => FloatCC::NotEqual,
        14 => FloatCC::Unordered,
        _ => return None,
    })
}

/// The unsigned condition of a signed one (the same order on other bits).
fn unsigned_of(cc: IntCC) -> IntCC {
    match cc {
        IntCC::SignedLessThan => IntCC::UnsignedLessThan,
        IntCC::SignedLessThanOrEqual => IntCC::UnsignedLessThanOrEqual,
        IntCC::SignedGreaterThan => IntCC::UnsignedGreaterThan,
        IntCC::SignedGreaterThanOrEqual => IntCC::UnsignedGreaterThanOrEqual,
        other => other,
    }
}

/// A zero of machine type `t` (a vector of zeros for vectors).
fn zero_of(b: &mut FunctionBuilder, t: ClType) -> ClValue {
    if t.is_vector() {
        let lane = zero_of(b, t.lane_type());
        return b.ins().splat(t, lane);
    }
    match t {
        types::F32 => b.ins().f32const(0.0),
        types::F64 => b.ins().f64const(0.0),
        _ => b.ins().iconst(t, 0),
    }
}

fn int_cc(p: i64) -> Option<IntCC> {
    Some(match p {
        0 => IntCC::Equal,
        1 => IntCC::NotEqual,
        2 => IntCC::SignedLessThan,
        3 => IntCC::SignedLessThanOrEqual,
        4 => IntCC::SignedGreaterThan,
        5 => IntCC::SignedGreaterThanOrEqual,
        6 => IntCC::UnsignedLessThan,
        7 => IntCC::UnsignedLessThanOrEqual,
        8 => IntCC::UnsignedGreaterThan,
        9 => IntCC::UnsignedGreaterThanOrEqual,
        _ => return None,
    })
}
