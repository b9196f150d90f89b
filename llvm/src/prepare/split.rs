//! A large module compiled on several threads: outlined bodies move into side modules that
//! MLIR and LLVM compile at the same time as the main one (each in its own context and JIT),
//! while the main module keeps the entries, the globals and every launcher.
//!
//! LLVM's JIT compiles one module on one thread, and ResNet-18's took 3.9 s of its 4.6 s of
//! JIT there. A body can move when it refers to no symbol: [`super::parallel`] passes it all
//! its memory, so it reads nothing but its arguments and constants. The main module then
//! needs only the address of each moved body's C-typed trampoline, which it reads from a
//! slot ([`slot_symbol`]) that the loader fills once every module is compiled; so no module
//! waits for another to be compiled before its own code is linked.

use rustc_hash::FxHashMap;
use strata_ir::symbol_table::{refs_of_op, symbols_of};
use strata_ir::{Context, Ir, OpId, PrintOptions};

use super::parallel::Outlined;

/// A side module: outlined bodies, and the nests whose launchers call them.
pub struct SideModule {
    pub text: String,
    pub nests: Vec<Outlined>,
}

/// Operations (ours, of the whole module) per part: a module is split into at most
/// `total / OPS_PER_PART` parts, since below this a second MLIR context and JIT cost more than
/// the time won.
pub const OPS_PER_PART: usize = 1000;

/// The symbol of the slot the main module reads a moved body's trampoline address from.
pub fn slot_symbol(nest: &Outlined) -> String {
    format!("{}_slot", nest.body)
}

/// The symbol of a body's C-typed trampoline (`void (const void *ctx, i64 lo, i64 hi)`), which
/// `__strata_parallel_for` calls.
pub fn trampoline_symbol(nest: &Outlined) -> String {
    format!("{}_body", nest.body)
}

/// Moves bodies of `nests` out of `root` into at most `parts - 1` side modules, balancing the
/// operations each module compiles (the main module's entries count for it); a nest whose
/// body moved is marked `home > 0` in `nests`.
pub fn split(ctx: &Context, ir: &mut Ir, root: OpId, nests: &mut [Outlined], parts: usize) -> Vec<SideModule> {
    let funcs: FxHashMap<String, OpId> = symbols_of(ctx, ir, root).into_iter().collect();
    let size = |ir: &Ir, f: OpId| ir.collect_ops(f).len();
    let total: usize = funcs.values().map(|f| size(ir, *f)).sum();
    let parts = parts.min(total / OPS_PER_PART).max(1);
    if parts == 1 {
        return Vec::new();
    }
    // Movable bodies, largest first, each to the least loaded module.
    let mut movable: Vec<(usize, OpId, usize)> = nests
        .iter()
        .enumerate()
        .map(|(i, n)| (i, funcs[&n.body]))
        .filter(|(_, f)| !refers_to_symbols(ctx, ir, *f))
        .map(|(i, f)| (i, f, size(ir, f)))
        .collect();
    movable.sort_by_key(|m| std::cmp::Reverse(m.2));
    let mut load = vec![0usize; parts];
    load[0] = total - movable.iter().map(|m| m.2).sum::<usize>();
    let mut assigned: Vec<Vec<(usize, OpId)>> = vec![Vec::new(); parts];
    for (i, f, n) in movable {
        let part = (0..parts).min_by_key(|p| load[*p]).unwrap_or(0);
        load[part] += n;
        assigned[part].push((i, f));
    }
    let options = PrintOptions { generic: false, debug_info: true, ..Default::default() };
    let mut sides = Vec::new();
    for members in assigned.into_iter().skip(1).filter(|m| !m.is_empty()) {
        let mut text = String::from("module {\n");
        let mut moved = Vec::new();
        for (i, f) in members {
            text.push_str(&strata_ir::print_op(ctx, ir, f, &options));
            text.push('\n');
            ir.erase_op(f);
            nests[i].home = sides.len() + 1;
            moved.push(nests[i].clone());
        }
        text.push_str("}\n");
        sides.push(SideModule { text, nests: moved });
    }
    sides
}

/// Whether anything under `f` names a symbol (a call, a global): such a body stays with the
/// symbols it needs.
fn refers_to_symbols(ctx: &Context, ir: &Ir, f: OpId) -> bool {
    ir.collect_ops(f).into_iter().filter(|op| *op != f).any(|op| !refs_of_op(ctx, ir, op).is_empty())
}
