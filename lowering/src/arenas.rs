//! `materialize-arenas`: the module-level half of `lower-to-loops` (function passes cannot add
//! module-level ops, so `lower-to-loops` runs this after them). It writes the `memref.global`s
//! the lowered functions need, as upstream MLIR defines them:
//!
//! - every static buffer a function reads with `memref.get_global` that the module does not
//!   define yet (arenas, packed weight panels and their "packed" flags) becomes a private
//!   definition aligned to 64 bytes (a cache line, and the widest vector). Its contents are
//!   the get_global's `strata.initial_value` when it has one (a flag must start at zero),
//!   moved to the global; else `unit`, uninitialized (without an `initial_value` upstream
//!   would read it as a declaration of a buffer defined elsewhere);
//! - every constant buffer (`bufferization.to_buffer` of an `nn.constant`, which is how
//!   `convert-nn-to-loops` leaves a constant, so that it can pack constant weight panels once)
//!   becomes a private `constant` global `@<function>_constant_<n>` holding the constant's
//!   value as written (a `dense_resource` blob stays the same blob, never expanded into text),
//!   read with `memref.get_global`. No graph op is left at the loop level.

use rustc_hash::{FxHashMap, FxHashSet};
use strata_ir::pass::{Pass, PassContext, PassInfo};
use strata_ir::{AttrKind, Attribute, Builder, Context, Diagnostic, InsertPoint, Ir, OpId, OpState, Type, ValueDef};

pub fn info() -> PassInfo {
    PassInfo::new(
        "materialize-arenas",
        "MaterializeArenas",
        "Define the memref.global of each static buffer a function uses; constant buffers become constant globals",
        |_, _| Ok(Box::new(MaterializeArenas)),
    )
    .anchor("builtin.module")
    .statistic("constants", "Constant buffers made constant globals")
}

/// The discardable attribute of a `memref.get_global` giving the contents of the global it
/// reads when this pass defines it.
pub const INITIAL_VALUE: &str = "strata.initial_value";

/// The alignment of every global this pass defines, in bytes.
const ALIGNMENT: i64 = 64;

struct MaterializeArenas;

impl Pass for MaterializeArenas {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let ctx = cx.ctx;
        let body = cx.ir.region(cx.ir.op(cx.op).regions()[0]).blocks()[0];
        let mut symbols: FxHashSet<String> = cx
            .ir
            .block_ops(body)
            .filter_map(|o| cx.ir.op(o).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)))
            .map(str::to_string)
            .collect();
        let functions: Vec<OpId> =
            cx.ir.block_ops(body).filter(|o| ctx.ident_str(cx.ir.op(*o).name()) == "func.func").collect();
        let mut constants = 0;
        for func in functions {
            constants += constant_globals(ctx, cx.ir, func, &mut symbols)?;
        }
        define_buffers(ctx, cx.ir, cx.op, body, &symbols)?;
        cx.add_stat("constants", constants as u64);
        Ok(())
    }
}

/// A private global `name` of type `ty` with contents `initial` (`unit` for none).
fn global(ctx: &Context, name: &str, ty: Type, initial: Attribute, constant: bool) -> OpState {
    let mut state = OpState::new(ctx, "memref.global", ctx.unknown_loc())
        .attr(ctx, "sym_name", ctx.string_attr(name))
        .attr(ctx, "sym_visibility", ctx.string_attr("private"))
        .attr(ctx, "type", ctx.type_attr(ty))
        .attr(ctx, "initial_value", initial)
        .attr(ctx, "alignment", ctx.integer_attr(ALIGNMENT as i128, ctx.i64_type()));
    if constant {
        state = state.attr(ctx, "constant", ctx.intern_attr(AttrKind::Unit));
    }
    state
}

/// Makes each constant buffer of `func` a read of a constant global (one global per distinct
/// constant of the function); returns how many buffers it replaced.
fn constant_globals(
    ctx: &Context,
    ir: &mut Ir,
    func: OpId,
    symbols: &mut FxHashSet<String>,
) -> Result<usize, Diagnostic> {
    let func_name = ir.op(func).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("f").to_string();
    let mut made: FxHashMap<(Attribute, Type), String> = FxHashMap::default();
    let mut next = 0usize;
    let mut replaced = 0;
    for op in ir.collect_ops(func) {
        if ctx.ident_str(ir.op(op).name()) != "bufferization.to_buffer" {
            continue;
        }
        let ValueDef::Result { op: source, .. } = ir.value(ir.op(op).operands()[0]).def() else { continue };
        if ctx.ident_str(ir.op(source).name()) != "nn.constant" {
            continue;
        }
        let loc = ir.op(op).loc();
        let ty = ir.value_type(ir.op(op).result(0));
        let value = ir
            .op(source)
            .attr(ctx.ident("value"))
            .ok_or_else(|| Diagnostic::error(loc, "a constant without a value"))?;
        // Upstream wants the contents typed as the tensor of the buffer's shape and elements.
        let want = ctx.tensor_type(ctx.shape(ty).unwrap_or(&[]).to_vec(), ctx.element_type_or_self(ty));
        let elements = matches!(ctx.attr_kind(value), AttrKind::DenseElements { .. } | AttrKind::DenseResource { .. });
        if !elements || ctx.attr_type(value) != Some(want) {
            return Err(Diagnostic::error(
                loc,
                format!(
                    "materialize-arenas: a constant buffer of {} needs a dense or dense_resource value of {}",
                    ctx.type_to_string(ty),
                    ctx.type_to_string(want)
                ),
            ));
        }
        let name = match made.get(&(value, ty)) {
            Some(name) => name.clone(),
            None => {
                let name = loop {
                    let candidate = format!("{func_name}_constant_{next}");
                    next += 1;
                    if symbols.insert(candidate.clone()) {
                        break candidate;
                    }
                };
                Builder::new(ctx, ir, InsertPoint::Before(func)).insert(global(ctx, &name, ty, value, true));
                made.insert((value, ty), name.clone());
                name
            }
        };
        let symbol = ctx.intern_attr(AttrKind::SymbolRef { root: name, nested: Vec::new() });
        let mut b = Builder::new(ctx, ir, InsertPoint::Before(op));
        b.loc = loc;
        let read = b.value("memref.get_global", &[], ty, &[("name", symbol)]);
        ir.replace_op(op, &[read]);
        if ir.value(ir.op(source).result(0)).uses().is_empty() {
            ir.erase_op(source);
        }
        replaced += 1;
    }
    Ok(replaced)
}

/// Defines each global that a `memref.get_global` under `root` reads and nothing defines.
fn define_buffers(
    ctx: &Context,
    ir: &mut Ir,
    root: OpId,
    body: strata_ir::BlockId,
    symbols: &FxHashSet<String>,
) -> Result<(), Diagnostic> {
    let initial_value = ctx.ident(INITIAL_VALUE);
    let mut made: FxHashMap<String, (Type, Option<Attribute>)> = FxHashMap::default();
    let mut order = Vec::new();
    for op in ir.collect_ops(root) {
        if ctx.ident_str(ir.op(op).name()) != "memref.get_global" {
            continue;
        }
        let Some(AttrKind::SymbolRef { root: name, .. }) = ir.op(op).attr(ctx.ident("name")).map(|a| ctx.attr_kind(a))
        else {
            continue;
        };
        let loc = ir.op(op).loc();
        let ty = ir.value_type(ir.op(op).result(0));
        let contents = ir.remove_attr(op, initial_value);
        if symbols.contains(name) {
            if contents.is_some() {
                return Err(Diagnostic::error(
                    loc,
                    format!("materialize-arenas: @{name} is already defined; its contents cannot be given here"),
                ));
            }
            continue;
        }
        match made.get_mut(name) {
            Some((t, c)) => {
                if *t != ty || (contents.is_some() && c.is_some() && contents != *c) {
                    return Err(Diagnostic::error(
                        loc,
                        format!("materialize-arenas: @{name} is read with another type or other contents"),
                    ));
                }
                *c = c.or(contents);
            }
            None => {
                made.insert(name.clone(), (ty, contents));
                order.push(name.clone());
            }
        }
    }
    let unit = ctx.intern_attr(AttrKind::Unit);
    for name in order.into_iter().rev() {
        let (ty, contents) = made[&name];
        Builder::new(ctx, ir, InsertPoint::BlockStart(body)).insert(global(
            ctx,
            &name,
            ty,
            contents.unwrap_or(unit),
            false,
        ));
    }
    Ok(())
}
