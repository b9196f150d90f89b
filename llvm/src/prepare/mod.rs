//! Loop-level Strata IR made ready for upstream MLIR, on a copy of the caller's IR: math
//! functions as our polynomials (`expand-math`), multiply-adds fused, faults recorded instead of
//! trapping, parallel nests outlined for the thread pool (equal ones once), weights kept out of
//! the text. The result is the module's text (with locations, so upstream's diagnostics point
//! into the user's file) and what the wrappers and the loader need.

pub mod contract;
pub mod dedupe;
pub mod faults;
pub mod parallel;
pub mod profile;
pub mod split;
pub mod streaming;
pub mod weights;

use strata_ir::pass::{PassManager, PassRegistry};
use strata_ir::{Context, Ir, Module, OpId, PrintOptions};
use strata_lowering::codegen::abi::{self, EntrySignature};
use strata_lowering::codegen::profile::Kernel;
use strata_lowering::codegen::TrapSite;

use crate::LlvmError;
use parallel::Outlined;
use weights::Weight;

/// A module ready for upstream, and what the wrappers and the loader need.
pub struct Prepared {
    /// The main module's text, with locations.
    pub text: String,
    /// The public functions, with the exported symbols `module_name` gives them.
    pub entries: Vec<EntrySignature>,
    /// Every outlined nest; the main module launches them all.
    pub nests: Vec<Outlined>,
    /// Bodies compiled apart, on other threads ([`split`]).
    pub side: Vec<split::SideModule>,
    pub trap_sites: Vec<TrapSite>,
    pub weights: Vec<Weight>,
    /// With profiling hooks, the kernels their ids name.
    pub kernels: Vec<Kernel>,
}

/// Prepares the functions under `root` (a `builtin.module`) that `only` names (all public ones
/// with `None`) and those they call, for upstream; `module_name` scopes the exported symbols
/// (`abi::c_symbol`). With `profiled`, each kernel is bracketed by the profiling hooks
/// ([`profile`]). Up to `parts - 1` side modules take outlined bodies, when the module is large
/// enough to be worth compiling on `parts` threads ([`split`]).
pub fn prepare(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    only: Option<&[&str]>,
    module_name: &str,
    profiled: bool,
    parts: usize,
) -> Result<Prepared, LlvmError> {
    if ctx.ident_str(ir.op(root).name()) != "builtin.module" {
        return Err(LlvmError::unsupported(ctx, ir, root, "the LLVM backend compiles a builtin.module"));
    }
    let mut ir = ir.clone();
    if let Some(only) = only {
        strata_lowering::codegen::object::check_entries(ctx, &ir, root, only)?;
        strata_lowering::keep_reachable(ctx, &mut ir, root, only);
    }
    let mut registry = PassRegistry::new();
    strata_lowering::register_all(&mut registry);
    let pipeline = registry
        .parse_pipeline("builtin.module(func.func(expand-math))")
        .map_err(|e| LlvmError::Internal(format!("expand-math: {e:?}")))?;
    PassManager::new(pipeline).run(ctx, &mut ir, root).map_err(|f| LlvmError::Diagnostic(f.diagnostic))?;
    contract::fuse_multiply_add(ctx, &mut ir, root);
    streaming::mark(ctx, &mut ir, root);
    let kernels = if profiled { profile::instrument(ctx, &mut ir, root) } else { Vec::new() };
    let mut entries = Vec::new();
    let block = ir.region(ir.op(root).regions()[0]).blocks()[0];
    for (_, f) in strata_lowering::codegen::object::public_entries(ctx, &ir, root) {
        let mut sig = abi::entry_signature(ctx, &ir, f).map_err(|m| LlvmError::unsupported(ctx, &ir, f, &m))?;
        sig.symbol = abi::c_symbol(module_name, &sig.name);
        entries.push(sig);
    }
    rename_entries(ctx, &mut ir, root, &entries);
    let trap_sites = faults::guard(ctx, &mut ir, root)?;
    add_trap_flag(ctx, &mut ir, block);
    let nests = parallel::outline(ctx, &mut ir, root, module_name)?;
    let mut nests = dedupe::merge_identical(ctx, &mut ir, root, nests);
    let side = split::split(ctx, &mut ir, root, &mut nests, parts);
    let weights = weights::externalize(ctx, &mut ir, root, module_name)?;
    let module = Module { ir, root, resources: Vec::new() };
    let text =
        strata_ir::print_module(ctx, &module, &PrintOptions { generic: false, debug_info: true, ..Default::default() });
    Ok(Prepared { text, entries, nests, side, trap_sites, weights, kernels })
}

/// The local symbol of an entry's body: only its C entry and packed wrapper are exported, so
/// any entry name works (`main` included) and modules link together, as with Cranelift.
pub fn body_symbol(sig: &EntrySignature) -> String {
    format!("__strata_{}", sig.symbol)
}

/// Renames each entry to [`body_symbol`], private, and the calls of it.
fn rename_entries(ctx: &Context, ir: &mut Ir, root: OpId, entries: &[EntrySignature]) {
    let block = ir.region(ir.op(root).regions()[0]).blocks()[0];
    let renamed: Vec<(String, String)> = entries.iter().map(|e| (e.name.clone(), body_symbol(e))).collect();
    let (sym_name, callee) = (ctx.ident("sym_name"), ctx.ident("callee"));
    for f in ir.block_ops(block).collect::<Vec<_>>() {
        let name = ir.op(f).attr(sym_name).and_then(|a| ctx.attr_as_str(a)).map(str::to_string);
        if let Some((_, new)) = renamed.iter().find(|(old, _)| Some(old) == name.as_ref()) {
            ir.set_attr(f, sym_name, ctx.string_attr(new));
            ir.set_attr(f, ctx.ident("sym_visibility"), ctx.string_attr("private"));
        }
    }
    for op in ir.collect_ops(root) {
        let target = ir.op(op).attr(callee).and_then(|a| ctx.attr_as_symbol(a)).map(str::to_string);
        if let Some((_, new)) = renamed.iter().find(|(old, _)| Some(old) == target.as_ref()) {
            ir.set_attr(op, callee, ctx.symbol_ref_attr(new));
        }
    }
}

/// `memref.global "private" @__strata_trap : memref<i32> = dense<0>`.
fn add_trap_flag(ctx: &Context, ir: &mut Ir, block: strata_ir::BlockId) {
    let i32t = ctx.integer_type(32);
    let t = ctx.memref_type(vec![], i32t);
    let zero = ctx.intern_attr(strata_ir::AttrKind::DenseElements {
        ty: ctx.tensor_type(vec![], i32t),
        elements: strata_ir::DenseElements::Splat(strata_ir::DenseValue::Int(0)),
    });
    let state = strata_ir::OpState::new(ctx, "memref.global", ctx.unknown_loc())
        .attr(ctx, "sym_name", ctx.string_attr(faults::TRAP_FLAG))
        .attr(ctx, "sym_visibility", ctx.string_attr("private"))
        .attr(ctx, "type", ctx.type_attr(t))
        .attr(ctx, "initial_value", zero);
    strata_ir::Builder::new(ctx, ir, strata_ir::InsertPoint::BlockStart(block)).insert(state);
}
