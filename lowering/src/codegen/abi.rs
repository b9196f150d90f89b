//! What an entry point takes and gives, read off its `func.func` type: the contract behind the
//! C ABI described in [the module docs](super), shared by the JIT, the C header and the
//! generated drivers.
//!
//! ```
//! use strata_lowering::codegen::abi::Param;
//! use strata_runtime::tensor::Elem;
//! let p = Param::MemRef { shape: vec![2, 3], elem: Elem::F32 };
//! assert_eq!(p.descriptor_bytes(), 8 * (3 + 2 * 2));
//! assert_eq!(p.c_type(), "strata_memref_2d_f32");
//! ```

use strata_ir::{Context, Ir, OpId, Type, TypeKind};
use strata_runtime::tensor::Elem;

/// One argument or result of an entry point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    /// A contiguous buffer of a static shape, passed as MLIR's strided descriptor.
    MemRef { shape: Vec<usize>, elem: Elem },
    /// A scalar (`index` is a 64-bit integer).
    Scalar(Elem),
}

impl Param {
    /// The element type.
    pub fn elem(&self) -> Elem {
        match self {
            Param::MemRef { elem, .. } | Param::Scalar(elem) => *elem,
        }
    }

    /// Bytes of the descriptor: two pointers, the offset, then sizes and strides.
    pub fn descriptor_bytes(&self) -> usize {
        match self {
            Param::MemRef { shape, .. } => 8 * (3 + 2 * shape.len()),
            Param::Scalar(e) => e.bytes(),
        }
    }

    /// The C spelling of the element type.
    pub fn c_elem(&self) -> &'static str {
        c_elem(self.elem())
    }

    /// The C type a descriptor or scalar has in the generated header.
    pub fn c_type(&self) -> String {
        match self {
            Param::MemRef { shape, elem } => format!("strata_memref_{}d_{elem}", shape.len()),
            Param::Scalar(e) => c_elem(*e).to_string(),
        }
    }
}

/// The C type of an element (`i1` is a byte).
pub fn c_elem(e: Elem) -> &'static str {
    match e {
        Elem::F64 => "double",
        Elem::F32 => "float",
        Elem::Int(64) => "int64_t",
        Elem::Int(32) => "int32_t",
        Elem::Int(16) => "int16_t",
        Elem::F16 | Elem::BF16 => "uint16_t",
        Elem::Narrow(_) if e.bytes() == 4 => "uint32_t",
        Elem::Int(_) | Elem::Narrow(_) => "int8_t",
    }
}

/// The element type of a scalar or shaped type (`index` as `i64`); `None` for the narrow
/// float formats (f8, f6, f4, tf32), which the interpreter runs and the code generators do not.
pub fn elem_of(ctx: &Context, t: Type) -> Option<Elem> {
    let e = ctx.element_type_or_self(t);
    if ctx.is_index(e) {
        return Some(Elem::Int(64));
    }
    Elem::parse(&ctx.type_to_string(e)).filter(|e| !matches!(e, Elem::Narrow(_)))
}

/// How a value of type `t` crosses the ABI, or why it cannot.
pub fn param(ctx: &Context, t: Type) -> Result<Param, String> {
    match ctx.type_kind(t) {
        TypeKind::MemRef { shape, layout: None, .. } => {
            let shape = shape
                .iter()
                .map(|d| usize::try_from(*d).map_err(|_| format!("dynamic shape in {}", ctx.type_to_string(t))))
                .collect::<Result<Vec<_>, _>>()?;
            let elem = elem_of(ctx, t).ok_or_else(|| format!("element type of {}", ctx.type_to_string(t)))?;
            Ok(Param::MemRef { shape, elem })
        }
        TypeKind::Index | TypeKind::Integer { .. } | TypeKind::Float(_) => {
            match elem_of(ctx, t).ok_or_else(|| format!("type {}", ctx.type_to_string(t)))? {
                // A half is an f32 in registers but 16 bits in memory: it crosses as a memref.
                Elem::F16 | Elem::BF16 => {
                    Err(format!("a scalar {} cannot cross the C ABI: pass a memref<{0}>", ctx.type_to_string(t)))
                }
                e => Ok(Param::Scalar(e)),
            }
        }
        _ => Err(format!("{} cannot cross the C ABI (lower tensors to memrefs first)", ctx.type_to_string(t))),
    }
}

/// An entry point: its name, its exported symbol and parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntrySignature {
    /// The `func.func`'s symbol name.
    pub name: String,
    /// The exported C symbol: [`c_symbol`] of the module and the name.
    pub symbol: String,
    pub args: Vec<Param>,
    pub results: Vec<Param>,
}

/// `text` as a C identifier: letters, digits and `_` kept, anything else `_`; a leading digit
/// or `_` gets an `m` before it (identifiers starting with `_` are the implementation's, and
/// ours use `__strata`).
pub fn c_identifier(text: &str) -> String {
    let mut out: String = text.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit() || c == '_') {
        out.insert(0, 'm');
    }
    out
}

/// The exported symbol of entry `name` of module `module`: `<module>_<name>`, a C identifier.
/// Symbols are scoped by module, so any entry name works (`main` included, which would
/// otherwise be C's `main`) and two modules link into one program.
///
/// ```
/// use strata_lowering::codegen::abi::c_symbol;
/// assert_eq!(c_symbol("model", "main"), "model_main");
/// assert_eq!(c_symbol("resnet-18", "f.1"), "resnet_18_f_1");
/// ```
pub fn c_symbol(module: &str, name: &str) -> String {
    c_identifier(&format!("{module}_{name}"))
}

/// The runtime hook compiled code calls for each parallel loop (defined by the JIT and by
/// drivers; see [`super::parallel`]). Its `__strata` prefix keeps it apart from any entry's
/// symbol.
pub const PARALLEL_FOR: &str = "__strata_parallel_for";

/// The packed wrapper of an entry (`int32_t f(void **slots)`), what the JIT calls.
pub fn packed_symbol(sig: &EntrySignature) -> String {
    format!("__strata_packed_{}", sig.symbol)
}

/// The signature of `func.func` op `func`.
pub fn entry_signature(ctx: &Context, ir: &Ir, func: OpId) -> Result<EntrySignature, String> {
    let o = ir.op(func);
    let name = o.attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or_default().to_string();
    let ty = o.attr(ctx.ident("function_type")).and_then(|a| ctx.attr_as_type(a)).ok_or("no function_type")?;
    let TypeKind::Function { inputs, results } = ctx.type_kind(ty) else { return Err("not a function type".into()) };
    let args = inputs.iter().map(|t| param(ctx, *t)).collect::<Result<_, _>>()?;
    let results = results.iter().map(|t| param(ctx, *t)).collect::<Result<_, _>>()?;
    let symbol = c_identifier(&name);
    Ok(EntrySignature { name, symbol, args, results })
}
