//! Upstream's half: the prepared text parsed by MLIR 22, lowered by its passes to the `llvm`
//! dialect, the wrappers moved in, and LLVM 22's JIT built for the host CPU.
//!
//! melior wraps most of the C API; what it does not (moving ops between modules, erasing a
//! declaration, a JIT whose creation can fail: melior's `ExecutionEngine::new` never reports
//! failure) goes through `mlir-sys` directly, in this file only.

use std::cell::RefCell;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use melior::dialect::DialectRegistry;
use melior::ir::operation::OperationLike;
use melior::ir::Module as MlirModule;
use melior::pass::PassManager;
use melior::utility::{
    parse_pass_pipeline, register_all_dialects, register_all_llvm_translations, register_all_passes,
};
use melior::Context as MlirContext;
use mlir_sys as sys;
use rustc_hash::FxHashSet;
use strata_ir::{Context, Ir, OpId};
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::profile::{self, record};
use strata_lowering::codegen::{abi, parallel};

use crate::prepare::parallel::Outlined;
use crate::prepare::split::{slot_symbol, trampoline_symbol, SideModule};
use crate::prepare::{self, weights::Weight, Prepared};
use crate::{wrappers, LlvmError, PIPELINE};

/// LLVM's optimization level for the JIT. Our loop-level IR arrives vectorized and blocked, so
/// -O3's extra passes found nothing to gain on ResNet-18 (29–32 ms either way) for half again
/// the compile time (5.2 s at -O2, 7.9 s at -O3, 2.0 s at -O0 with 34 ms runs; 2 loaded cores).
const OPT_LEVEL: i32 = 2;

/// An MLIR context that records every diagnostic instead of printing it.
pub(crate) struct Session {
    context: MlirContext,
    diagnostics: Rc<RefCell<Vec<String>>>,
}

impl Session {
    pub(crate) fn new() -> Session {
        let registry = DialectRegistry::new();
        register_all_dialects(&registry);
        let context = MlirContext::new();
        context.append_dialect_registry(&registry);
        context.load_all_available_dialects();
        register_all_llvm_translations(&context);
        // The pass registry is global and not safe to fill from two threads at once.
        static PASSES: std::sync::Once = std::sync::Once::new();
        PASSES.call_once(register_all_passes);
        let diagnostics = Rc::new(RefCell::new(Vec::new()));
        let sink = diagnostics.clone();
        context.attach_diagnostic_handler(move |d| {
            let mut text = format!("{}: {d}", d.location());
            for i in 0..d.note_count() {
                if let Ok(n) = d.note(i) {
                    text.push_str(&format!("\n  note: {}: {n}", n.location()));
                }
            }
            sink.borrow_mut().push(text);
            true
        });
        Session { context, diagnostics }
    }

    /// An error for `stage` with the diagnostics gathered so far; the first one located in a
    /// file becomes a Strata diagnostic at that place (we print modules with their locations,
    /// so it is the user's file).
    fn failed(&self, ctx: &Context, stage: &str) -> LlvmError {
        let mut diagnostics = std::mem::take(&mut *self.diagnostics.borrow_mut());
        if diagnostics.is_empty() {
            diagnostics.push("(no diagnostic)".into());
        }
        let located = diagnostics.iter().find_map(|d| {
            let (loc, message) = d.split_once(": ")?;
            let (file, line, col) = file_line_col(loc)?;
            let message = message.lines().next().unwrap_or(message);
            Some(Box::new(strata_ir::Diagnostic::error(ctx.file_loc(&file, line, col), format!("{message} ({stage})"))))
        });
        LlvmError::Mlir { stage: stage.into(), diagnostics, located }
    }
}

/// The first `"file":line:col` in a printed MLIR location (`loc("f.mlir":3:5)`, or nested in a
/// name or fused location).
fn file_line_col(loc: &str) -> Option<(String, u32, u32)> {
    let mut rest = loc;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let close = after.find('"')?;
        let (file, tail) = (&after[..close], &after[close + 1..]);
        if let Some(nums) = tail.strip_prefix(':') {
            let mut parts = nums.splitn(3, |c: char| !c.is_ascii_digit());
            if let (Some(line), Some(col)) =
                (parts.next().and_then(|l| l.parse().ok()), parts.next().and_then(|c| c.parse().ok()))
            {
                return Some((file.to_string(), line, col));
            }
        }
        rest = tail;
    }
    None
}

/// A string as MLIR's `StringRef` (borrowed for the call).
fn string_ref(s: &str) -> sys::MlirStringRef {
    sys::MlirStringRef { data: s.as_ptr() as *const _, length: s.len() }
}

/// # Safety
/// `r` must point at `length` valid bytes for the returned lifetime.
unsafe fn str_of<'a>(r: sys::MlirStringRef) -> &'a str {
    // SAFETY: the caller's contract; MLIR's identifiers and string attributes are UTF-8.
    unsafe { std::str::from_utf8(std::slice::from_raw_parts(r.data as *const u8, r.length)).unwrap_or("") }
}

/// The ops of a module's body, in order.
fn body_ops(module: &MlirModule) -> Vec<sys::MlirOperation> {
    let mut out = Vec::new();
    // SAFETY: walking a live module's block; the handles are read before anything moves.
    unsafe {
        let block = sys::mlirModuleGetBody(module.to_raw());
        let mut op = sys::mlirBlockGetFirstOperation(block);
        while !op.ptr.is_null() {
            out.push(op);
            op = sys::mlirOperationGetNextInBlock(op);
        }
    }
    out
}

/// An op's name and `sym_name` (empty when it has none), and whether its first region has a
/// block (a definition rather than a declaration).
fn describe(op: sys::MlirOperation) -> (String, String, bool) {
    // SAFETY: `op` is a live operation; strings are copied out at once.
    unsafe {
        let name = str_of(sys::mlirIdentifierStr(sys::mlirOperationGetName(op))).to_string();
        let attr = sys::mlirOperationGetAttributeByName(op, string_ref("sym_name"));
        let sym =
            if attr.ptr.is_null() { String::new() } else { str_of(sys::mlirStringAttrGetValue(attr)).to_string() };
        let defined = sys::mlirOperationGetNumRegions(op) > 0
            && !sys::mlirRegionGetFirstBlock(sys::mlirOperationGetRegion(op, 0)).ptr.is_null();
        (name, sym, defined)
    }
}

/// The main module lowered to the `llvm` dialect with the wrappers in it.
pub(crate) fn lower<'s>(session: &'s Session, ctx: &Context, prepared: &Prepared) -> Result<MlirModule<'s>, LlvmError> {
    let wrappers = wrappers::module(ctx, &prepared.entries, &prepared.nests).map_err(LlvmError::Internal)?;
    // The launchers were declarations at the loop level; their definitions replace them.
    let launchers: FxHashSet<&str> = prepared.nests.iter().map(|n| n.launcher.as_str()).collect();
    lower_with(session, ctx, &prepared.text, &wrappers, &launchers)
}

/// A side module lowered to the `llvm` dialect with its trampolines.
fn lower_side<'s>(session: &'s Session, ctx: &Context, side: &SideModule) -> Result<MlirModule<'s>, LlvmError> {
    let wrappers = wrappers::side_module(ctx, &side.nests).map_err(LlvmError::Internal)?;
    lower_with(session, ctx, &side.text, &wrappers, &FxHashSet::default())
}

/// `text` lowered by [`PIPELINE`], the definitions of `wrappers` moved in (replacing the
/// declarations named in `replaced`), and declarations of what it lacks.
fn lower_with<'s>(
    session: &'s Session,
    ctx: &Context,
    text: &str,
    wrappers: &str,
    replaced: &FxHashSet<&str>,
) -> Result<MlirModule<'s>, LlvmError> {
    let context = &session.context;
    let mut module = MlirModule::parse(context, text).ok_or_else(|| session.failed(ctx, "parsing"))?;
    if !module.as_operation().verify() {
        return Err(session.failed(ctx, "verification"));
    }
    let pm = PassManager::new(context);
    parse_pass_pipeline(pm.as_operation_pass_manager(), PIPELINE)
        .map_err(|e| LlvmError::Internal(format!("the pipeline {PIPELINE}: {e}")))?;
    pm.run(&mut module).map_err(|_| session.failed(ctx, "lowering to the llvm dialect"))?;
    let extra = MlirModule::parse(context, wrappers).ok_or_else(|| {
        let e = session.failed(ctx, "parsing the generated wrappers");
        LlvmError::Internal(format!("{e}\n{wrappers}"))
    })?;
    for op in body_ops(&module) {
        let (name, sym, defined) = describe(op);
        if name == "llvm.func" && !defined && replaced.contains(sym.as_str()) {
            // SAFETY: a declaration nothing else owns; its uses are calls by symbol.
            unsafe { sys::mlirOperationDestroy(op) };
        }
    }
    // Definitions move in, and declarations of what the module lacks (the runtime's
    // `__strata_parallel_for`, the slots of moved bodies); the rest is already defined there.
    let known: FxHashSet<String> = body_ops(&module).into_iter().map(|op| describe(op).1).collect();
    // SAFETY: both modules live in one context; each moved op is detached first and then
    // owned by the target block.
    unsafe {
        let target = sys::mlirModuleGetBody(module.to_raw());
        for op in body_ops(&extra) {
            let (name, sym, defined) = describe(op);
            let global_declaration = name == "llvm.mlir.global" && !known.contains(&sym);
            if (name == "llvm.func" && (defined || !known.contains(&sym))) || global_declaration {
                sys::mlirOperationRemoveFromParent(op);
                sys::mlirBlockAppendOwnedOperation(target, op);
            }
        }
    }
    drop(extra);
    if !module.as_operation().verify() {
        let e = session.failed(ctx, "verifying the wrapped module");
        return Err(LlvmError::Internal(e.to_string()));
    }
    Ok(module)
}

/// The LLVM IR text of a module in the `llvm` dialect.
pub(crate) fn to_llvm_ir(session: &Session, ctx: &Context, module: &MlirModule) -> Result<String, LlvmError> {
    // SAFETY: a verified module; the returned C string is malloc'd and ours to free.
    unsafe {
        let p = sys::mlirTranslateModuleToLLVMIRToString(module.as_operation().to_raw());
        if p.is_null() {
            return Err(session.failed(ctx, "translating to LLVM IR"));
        }
        let text = std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned();
        libc::free(p as *mut c_void);
        Ok(text)
    }
}

/// One module's JIT and the MLIR context it was made in (dropped after it).
struct Compiled {
    raw: sys::MlirExecutionEngine,
    _session: Session,
}

// SAFETY: an MLIR context and an LLVM JIT have no tie to the thread that made them; a side
// module's are made on a compile thread and then only used (looked up, dropped) by whoever
// owns the engine, one thread at a time. The diagnostics' `Rc` is touched only by MLIR calls
// on that context, which end before the move.
unsafe impl Send for Compiled {}

impl Compiled {
    /// Compiles the module `lower` makes in the `llvm` dialect, in a new context; the module
    /// itself is dropped once LLVM has its own copy.
    fn new(
        ctx: &Context,
        lower: impl for<'s> FnOnce(&'s Session) -> Result<MlirModule<'s>, LlvmError>,
    ) -> Result<Compiled, LlvmError> {
        let session = Session::new();
        let raw = {
            let module = lower(&session)?;
            // SAFETY: a verified module in the `llvm` dialect; no shared libraries.
            unsafe { sys::mlirExecutionEngineCreate(module.to_raw(), OPT_LEVEL, 0, std::ptr::null(), false, false) }
        };
        if raw.ptr.is_null() {
            return Err(session.failed(ctx, "translating to LLVM IR and compiling"));
        }
        let compiled = Compiled { raw, _session: session };
        for (name, f) in crate::builtins::symbols() {
            compiled.register(name, f as *const c_void);
        }
        Ok(compiled)
    }

    fn register(&self, name: &str, at: *const c_void) {
        // SAFETY: the address outlives the engine (a function, or memory the `Engine` owns).
        unsafe { sys::mlirExecutionEngineRegisterSymbol(self.raw, string_ref(name), at as *mut c_void) };
    }

    /// The address of a compiled function; the first lookup generates the machine code.
    fn lookup(&self, name: &str) -> Result<*const u8, LlvmError> {
        // SAFETY: a live engine.
        let p = unsafe { sys::mlirExecutionEngineLookup(self.raw, string_ref(name)) };
        if p.is_null() {
            return Err(LlvmError::Engine(format!("no symbol {name} in the compiled module")));
        }
        Ok(p as *const u8)
    }
}

impl Drop for Compiled {
    fn drop(&mut self) {
        // SAFETY: created by mlirExecutionEngineCreate, destroyed once, before its context.
        unsafe { sys::mlirExecutionEngineDestroy(self.raw) }
    }
}

/// LLVM's JIT over the lowered modules (the main one and its side modules, compiled at the
/// same time on threads of their own), with the weights and runtime functions they call.
pub struct Engine {
    main: Compiled,
    _sides: Vec<Compiled>,
    /// The addresses of the moved bodies' trampolines, which the main module's launchers read.
    _slots: Box<[AtomicUsize]>,
    /// The bytes behind external weight symbols: they must outlive the code.
    _weights: Vec<Weight>,
}

impl Engine {
    /// Lowers and compiles the main module and the side modules on the global thread pool,
    /// then fills the slots.
    fn new(ctx: &Context, prepared: &Prepared, weights: Vec<Weight>, profiled: bool) -> Result<Engine, LlvmError> {
        use rayon::prelude::*;
        let remote: Vec<&Outlined> = prepared.nests.iter().filter(|n| n.home > 0).collect();
        let slots: Box<[AtomicUsize]> = remote.iter().map(|_| AtomicUsize::new(0)).collect();
        let jobs: Vec<Option<&SideModule>> = std::iter::once(None).chain(prepared.side.iter().map(Some)).collect();
        let compiled: Vec<_> = jobs
            .into_par_iter()
            .map(|job| match job {
                None => compile_main(ctx, prepared, &weights, &remote, &slots, profiled).map(|m| (m, Vec::new())),
                Some(side) => compile_side(ctx, side),
            })
            .collect::<Result<_, _>>()?;
        let mut compiled = compiled.into_iter();
        let (main, _) = compiled.next().expect("the main module's job");
        let mut sides = Vec::new();
        for (engine, trampolines) in compiled {
            for (body, at) in trampolines {
                let k = remote.iter().position(|r| r.body == body).expect("a moved body has a slot");
                slots[k].store(at, Ordering::Release);
            }
            sides.push(engine);
        }
        // An empty slot would be a call through null at run time.
        if let Some(k) = slots.iter().position(|s| s.load(Ordering::Relaxed) == 0) {
            return Err(LlvmError::Internal(format!("no compiled body for {}", slot_symbol(remote[k]))));
        }
        Ok(Engine { main, _sides: sides, _slots: slots, _weights: weights })
    }

    /// The address of a compiled function of the main module.
    pub fn lookup(&self, name: &str) -> Result<*const u8, LlvmError> {
        self.main.lookup(name)
    }
}

/// The main module compiled to machine code, with the runtime's functions, the weights and
/// the slots bound.
fn compile_main(
    ctx: &Context,
    prepared: &Prepared,
    weights: &[Weight],
    remote: &[&Outlined],
    slots: &[AtomicUsize],
    profiled: bool,
) -> Result<Compiled, LlvmError> {
    let main = Compiled::new(ctx, |session| lower(session, ctx, prepared))?;
    if profiled {
        main.register(abi::PARALLEL_FOR, record::parallel_for as *const c_void);
        main.register(profile::BEGIN, record::begin as *const c_void);
        main.register(profile::END, record::end as *const c_void);
    } else {
        main.register(abi::PARALLEL_FOR, parallel::parallel_for as *const c_void);
    }
    for w in weights {
        main.register(&w.symbol, w.address() as *const c_void);
    }
    for (nest, slot) in remote.iter().zip(slots) {
        main.register(&slot_symbol(nest), slot.as_ptr() as *const c_void);
    }
    // The first lookup generates the machine code: here, on this job's thread.
    for sig in &prepared.entries {
        main.lookup(&abi::packed_symbol(sig))?;
    }
    Ok(main)
}

/// A side module compiled to machine code, with the address of each body's trampoline.
fn compile_side(ctx: &Context, side: &SideModule) -> Result<(Compiled, Vec<(String, usize)>), LlvmError> {
    let compiled = Compiled::new(ctx, |session| lower_side(session, ctx, side))?;
    let trampolines = side
        .nests
        .iter()
        .map(|n| Ok((n.body.clone(), compiled.lookup(&trampoline_symbol(n))? as usize)))
        .collect::<Result<Vec<_>, LlvmError>>()?;
    Ok((compiled, trampolines))
}

/// Modules to split a large module into: a few per core, so that the global thread pool
/// balances them (MLIR and LLVM take unequal times for equal numbers of our ops).
fn compile_parts() -> usize {
    4 * rayon::current_num_threads().min(8)
}

/// See [`crate::compile_jit`] and [`crate::compile_jit_profiled`].
pub fn compile_jit(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    entries: Option<&[&str]>,
    options: JitOptions,
    profiled: bool,
) -> Result<Jit, LlvmError> {
    let mut prepared = prepare::prepare(ctx, ir, root, entries, "jit", profiled, compile_parts())?;
    let weights = std::mem::take(&mut prepared.weights);
    let engine = Engine::new(ctx, &prepared, weights, profiled)?;
    let Prepared { entries, trap_sites, kernels, .. } = prepared;
    let mut compiled = Vec::new();
    for sig in entries {
        let f = engine.lookup(&abi::packed_symbol(&sig))?;
        compiled.push((sig, f));
    }
    let kernels = profiled.then_some(kernels);
    Jit::from_foreign(compiled, trap_sites, options, Box::new(engine), kernels)
        .map_err(|e| LlvmError::Engine(e.to_string()))
}

/// Runs an upstream MLIR pass pipeline (`builtin.module(canonicalize, ...)`, as `mlir-opt
/// --pass-pipeline` takes it) on a Strata module and reads the result back: the bridge to
/// upstream's passes for IR in the dialects both sides know. The module crosses as text, in
/// generic form with locations, so every op we and upstream share round-trips and
/// diagnostics still point into the user's file.
pub fn run_upstream_pipeline(
    ctx: &Context,
    m: &strata_ir::Module,
    pipeline: &str,
) -> Result<strata_ir::Module, LlvmError> {
    use melior::ir::operation::OperationPrintingFlags;
    let text = strata_ir::print_module(
        ctx,
        m,
        &strata_ir::PrintOptions { generic: false, debug_info: true, ..Default::default() },
    );
    let session = Session::new();
    session.context.allow_unregistered_dialects();
    let mut module = MlirModule::parse(&session.context, &text).ok_or_else(|| session.failed(ctx, "parsing"))?;
    let pm = PassManager::new(&session.context);
    parse_pass_pipeline(pm.as_operation_pass_manager(), pipeline).map_err(|e| LlvmError::Mlir {
        stage: "parsing the pipeline".into(),
        diagnostics: vec![e.to_string()],
        located: None,
    })?;
    pm.run(&mut module).map_err(|_| session.failed(ctx, &format!("running {pipeline}")))?;
    let flags = OperationPrintingFlags::new().print_generic_operation_form().enable_debug_info(true, false);
    let out = module
        .as_operation()
        .to_string_with_flags(flags)
        .map_err(|e| LlvmError::Internal(format!("printing upstream's result: {e}")))?;
    strata_ir::parse_source(ctx, "<upstream>", &out, &Default::default()).map_err(|e| LlvmError::Mlir {
        stage: "reading upstream's result back".into(),
        diagnostics: vec![e.to_string()],
        located: None,
    })
}
