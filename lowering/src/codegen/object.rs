//! Object files: a module compiled for x86-64 or AArch64 into a relocatable ELF object, with
//! its C header and an assembly listing.

use cranelift_object::{ObjectBuilder, ObjectModule};
use strata_ir::{Context, Ir, OpId};

use super::abi::EntrySignature;
use super::header::c_header;
use super::translate::{compile_module, CompileOptions};
use super::{CodegenError, Target};

/// An object file and what describes it.
#[derive(Debug)]
pub struct ObjectArtifacts {
    pub object: Vec<u8>,
    /// Declarations of the entry points (see [the ABI](super)).
    pub header: String,
    /// Cranelift's listing of every function.
    pub asm: String,
    pub entries: Vec<EntrySignature>,
}

/// Compiles the functions under `root` for `target` into an object named `name`: all of them,
/// or with `entries`, those the named functions reach.
pub fn emit_object(
    ctx: &Context,
    ir: &Ir,
    root: OpId,
    target: Target,
    name: &str,
    poison: bool,
    entries: Option<&[&str]>,
) -> Result<ObjectArtifacts, CodegenError> {
    let isa = target.isa(true)?;
    let builder = ObjectBuilder::new(isa, name, cranelift_module::default_libcall_names())
        .map_err(|e| CodegenError::Module(e.to_string()))?;
    let mut module = ObjectModule::new(builder);
    let compiled = compile_module(ctx, ir, root, &mut module, CompileOptions { poison, asm: true }, entries)?;
    let entries: Vec<EntrySignature> = compiled.entries.into_iter().map(|e| e.signature).collect();
    let product = module.finish();
    let object = product.emit().map_err(|e| CodegenError::Module(e.to_string()))?;
    Ok(ObjectArtifacts { object, header: c_header(&entries, name), asm: compiled.asm, entries })
}
