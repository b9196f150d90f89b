//! Weights stay out of the IR handed to upstream: a constant `memref.global` larger than
//! [`INLINE_BYTES`] becomes an external declaration, and its bytes are bound to the symbol when
//! the code is loaded (the JIT registers them; objects get them from a data object).
//!
//! Written as initializers, ResNet-18's weights made a 387 MB `.ll` that took 12.8 s to
//! translate (`../shared/DESIGN.md`); MLIR and LLVM have nothing to learn from the values of a
//! model's weights that is worth that.

use strata_ir::{AttrKind, Context, Ir, OpId};

use crate::LlvmError;

/// Constants up to this size stay initializers: small tables, where LLVM may fold loads.
pub const INLINE_BYTES: usize = 256;

/// A constant global's bytes, bound to `symbol` at load time, in 64-byte aligned storage.
pub struct Weight {
    pub symbol: String,
    storage: Vec<u64>,
    bytes: usize,
}

impl Weight {
    fn new(symbol: String, data: &[u8]) -> Weight {
        // Eight spare words so the data can start on a 64-byte boundary (vector loads of
        // packed panels are aligned in the IR).
        let mut storage = vec![0u64; data.len().div_ceil(8) + 8];
        let p = storage.as_mut_ptr() as *mut u8;
        let off = p.align_offset(64);
        // SAFETY: `off + data.len()` is within the storage's `8 * (len/8 + 8)` bytes.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p.add(off), data.len()) };
        Weight { symbol, storage, bytes: data.len() }
    }

    /// The address of the first byte.
    pub fn address(&self) -> *const u8 {
        let p = self.storage.as_ptr() as *const u8;
        // SAFETY: the same offset as when the data was written.
        unsafe { p.add(p.align_offset(64)) }
    }

    pub fn len(&self) -> usize {
        self.bytes
    }

    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// The bytes, for a data object.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `bytes` were written at `address()`.
        unsafe { std::slice::from_raw_parts(self.address(), self.bytes) }
    }
}

/// Turns every large constant global of `module` into a declaration of a symbol scoped by
/// `scope` (the module's name: objects of several modules link together); returns their bytes.
pub fn externalize(ctx: &Context, ir: &mut Ir, module: OpId, scope: &str) -> Result<Vec<Weight>, LlvmError> {
    let block = ir.region(ir.op(module).regions()[0]).blocks()[0];
    let globals: Vec<OpId> =
        ir.block_ops(block).filter(|o| ctx.ident_str(ir.op(*o).name()) == "memref.global").collect();
    let init = ctx.ident("initial_value");
    let mut out = Vec::new();
    for g in globals {
        let o = ir.op(g);
        if o.attr(ctx.ident("constant")).is_none() {
            continue;
        }
        let Some(value) = o.attr(init) else { continue };
        // A blob's bytes are the elements as memory holds them (not for i1, a byte of any
        // value): shared, not copied, until `Weight::new` aligns them.
        let bytes: std::sync::Arc<[u8]> = match ctx.attr_kind(value) {
            AttrKind::DenseResource { ty, .. } if ctx.element_type_or_self(*ty) != ctx.integer_type(1) => ctx
                .resource_blob(value)
                .map(|b| b.shared_bytes())
                .map_err(|e| LlvmError::unsupported(ctx, ir, g, &e.to_string()))?,
            AttrKind::DenseElements { .. } | AttrKind::DenseResource { .. } => {
                strata_runtime::interp::constant_tensor(ctx, value)
                    .map_err(|e| LlvmError::unsupported(ctx, ir, g, &e))?
                    .to_bytes()
                    .into()
            }
            _ => continue,
        };
        if bytes.len() <= INLINE_BYTES {
            continue;
        }
        let name = o.attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or_default().to_string();
        let symbol = format!("__strata_w_{}", strata_lowering::codegen::abi::c_identifier(&format!("{scope}_{name}")));
        rename_global(ctx, ir, module, g, &name, &symbol);
        ir.remove_attr(g, init);
        // An external global must be public to upstream's verifier; the name is ours.
        ir.remove_attr(g, ctx.ident("sym_visibility"));
        out.push(Weight::new(symbol, &bytes));
    }
    Ok(out)
}

/// Renames global `g` from `old` to `new`, and every `memref.get_global` of it.
fn rename_global(ctx: &Context, ir: &mut Ir, module: OpId, g: OpId, old: &str, new: &str) {
    ir.set_attr(g, ctx.ident("sym_name"), ctx.string_attr(new));
    let name = ctx.ident("name");
    for op in ir.collect_ops(module) {
        let uses = ctx.ident_str(ir.op(op).name()) == "memref.get_global"
            && ir.op(op).attr(name).and_then(|a| ctx.attr_as_symbol(a)) == Some(old);
        if uses {
            ir.set_attr(op, name, ctx.symbol_ref_attr(new));
        }
    }
}
