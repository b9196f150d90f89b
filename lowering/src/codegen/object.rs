//! Object files: a module compiled for x86-64 or AArch64 into a relocatable ELF object, with
//! its C header and a listing of the machine code (Cranelift's, for reading: no assembler takes
//! it).

use cranelift_object::{ObjectBuilder, ObjectModule};
use strata_ir::{Context, Ir, OpId};

use super::abi::EntrySignature;
use super::header::c_header;
use super::translate::{compile_module, CompileOptions, TrapSite};
use super::{CodegenError, Target};

/// An object file and what describes it.
#[derive(Debug)]
pub struct ObjectArtifacts {
    pub object: Vec<u8>,
    /// Declarations of the entry points (see [the ABI](super)).
    pub header: String,
    /// Cranelift's listing of every function's machine code, for reading (its first line says
    /// so): it names registers and blocks Cranelift's way, so no assembler accepts it.
    pub listing: String,
    pub entries: Vec<EntrySignature>,
    /// Where the code can stop: an entry's status `-k` is site `k` (see [`TrapSite`]).
    pub trap_sites: Vec<TrapSite>,
}

/// Compiles the functions under `root` for `target` into an object named `name`: all of them,
/// or with `entries`, those the named functions reach. Each of `entries` must be a public
/// function with a body, or nothing is compiled ([`CodegenError::NoSuchEntry`]).
pub fn emit_object(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    target: Target,
    name: &str,
    poison: bool,
    entries: Option<&[&str]>,
) -> Result<ObjectArtifacts, CodegenError> {
    if let Some(names) = entries {
        check_entries(ctx, ir, root, names)?;
    }
    let isa = target.isa(true)?;
    let builder = ObjectBuilder::new(isa, name, cranelift_module::default_libcall_names())
        .map_err(|e| CodegenError::Module(e.to_string()))?;
    let mut module = ObjectModule::new(builder);
    let compiled = compile_module(
        ctx,
        ir,
        root,
        &mut module,
        CompileOptions { poison, asm: true, module: name.to_string(), profile: false },
        entries,
    )?;
    let entries: Vec<EntrySignature> = compiled.entries.into_iter().map(|e| e.signature).collect();
    let product = module.finish();
    let object = product.emit().map_err(|e| CodegenError::Module(e.to_string()))?;
    let listing = format!(
        "; A listing of the machine code of '{name}' for {}, by Cranelift: for reading, not an\n\
         ; assembler's input (its registers and blocks are Cranelift's notation).\n\n{}",
        match target {
            Target::Host => "this machine",
            Target::X86_64 => "x86-64",
            Target::Aarch64 => "AArch64",
        },
        compiled.asm
    );
    let trap_sites = compiled.trap_sites;
    let traps: Vec<String> = trap_sites.iter().map(|t| t.describe(ctx)).collect();
    Ok(ObjectArtifacts { object, header: c_header(&entries, name, &traps), listing, entries, trap_sites })
}

/// The functions under `root` that get an exported symbol: public, with a body.
fn public_functions(ctx: &Context, ir: &Ir, root: OpId) -> Vec<String> {
    public_entries(ctx, ir, root).into_iter().map(|(name, _)| name).collect()
}

/// The functions under `root` that get an exported symbol (public, with a body), by name.
pub fn public_entries(ctx: &Context, ir: &Ir, root: OpId) -> Vec<(String, OpId)> {
    let str_attr = |op: OpId, name: &str| ir.op(op).attr(ctx.ident(name)).and_then(|a| ctx.attr_as_str(a));
    ir.collect_ops(root)
        .into_iter()
        .filter(|op| ctx.ident_str(ir.op(*op).name()) == "func.func")
        .filter(|op| ir.op(*op).regions().first().is_some_and(|r| !ir.region(*r).blocks().is_empty()))
        .filter(|op| str_attr(*op, "sym_visibility") != Some("private"))
        .filter_map(|op| str_attr(op, "sym_name").map(|n| (n.to_string(), op)))
        .collect()
}

/// `NoSuchEntry` for the first of `names` that `root` does not export.
pub fn check_entries(ctx: &Context, ir: &Ir, root: OpId, names: &[&str]) -> Result<(), CodegenError> {
    let known = public_functions(ctx, ir, root);
    match names.iter().find(|n| !known.iter().any(|k| k == *n)) {
        Some(missing) => Err(CodegenError::NoSuchEntry { name: missing.to_string(), known }),
        None => Ok(()),
    }
}
