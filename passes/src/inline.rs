//! `inline`: inline `func.call`s of functions with bodies, callees first, skipping
//! recursion; run an optimization pipeline (`canonicalize` by default) on every function, as
//! MLIR's inliner does; erase private functions left without references.

use rustc_hash::FxHashMap;
use strata_ir::pass::{OpPassManager, OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::{BlockId, Context, Diagnostic, InsertPoint, Ir, IrMapping, OpId, OpState, WalkControl, WalkOrder};

use crate::symbols::{is_private, is_symbol_table, refs_of_op, symbol_name, symbols_of};

pub fn info() -> PassInfo {
    PassInfo::new("inline", "Inliner", "Inline function calls", |o, registry| {
        let text = o.str("default-pipeline");
        let pipeline = if text.is_empty() { None } else { Some(registry.parse_pipeline(text).map_err(|e| e.message)?) };
        Ok(Box::new(Inline { pipeline, max_iterations: o.int("max-iterations").max(1) as usize }))
    })
    .option(OptionSpec::string(
        "default-pipeline",
        "canonicalize",
        "The optimizer pipeline used for callables that do not have a dedicated optimizer pipeline",
    ))
    .option(OptionSpec::uint("max-iterations", 4, "Maximum number of iterations when inlining within an SCC"))
    .statistic("num-inlined-calls", "Number of inlined calls")
    .statistic("num-erased-callables", "Number of private functions erased after inlining")
}

pub struct Inline {
    pipeline: Option<OpPassManager>,
    max_iterations: usize,
}

fn is_func(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    ctx.ident_str(ir.op(op).name()) == "func.func"
}

fn has_body(ir: &Ir, f: OpId) -> bool {
    ir.op(f).regions().first().is_some_and(|r| !ir.region(*r).blocks().is_empty())
}

/// The `func.call`s in `f` with the function each calls.
fn calls_in(ctx: &Context, ir: &Ir, f: OpId, funcs: &FxHashMap<String, OpId>) -> Vec<(OpId, OpId)> {
    let callee = ctx.ident("callee");
    let mut out = Vec::new();
    ir.walk(f, WalkOrder::PreOrder, &mut |o| {
        if ctx.ident_str(ir.op(o).name()) == "func.call" {
            if let Some(target) = ir.op(o).attr(callee).and_then(|a| ctx.attr_as_symbol(a)).and_then(|n| funcs.get(n)) {
                out.push((o, *target));
            }
        }
        WalkControl::Advance
    });
    out
}

/// Strongly connected components of the call graph, callees before callers (Tarjan).
fn sccs(nodes: &[OpId], edges: &FxHashMap<OpId, Vec<OpId>>) -> Vec<Vec<OpId>> {
    struct State<'a> {
        edges: &'a FxHashMap<OpId, Vec<OpId>>,
        index: FxHashMap<OpId, usize>,
        low: FxHashMap<OpId, usize>,
        stack: Vec<OpId>,
        on_stack: rustc_hash::FxHashSet<OpId>,
        out: Vec<Vec<OpId>>,
    }
    fn visit(s: &mut State<'_>, v: OpId) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in s.edges.get(&v).map(|e| e.as_slice()).unwrap_or(&[]) {
            if !s.index.contains_key(&w) {
                visit(s, w);
                let lw = s.low[&w];
                let lv = s.low.get_mut(&v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low.get_mut(&v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[&v] == s.index[&v] {
            let mut scc = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                scc.push(w);
                if w == v {
                    break;
                }
            }
            s.out.push(scc);
        }
    }
    let mut s = State {
        edges,
        index: FxHashMap::default(),
        low: FxHashMap::default(),
        stack: Vec::new(),
        on_stack: Default::default(),
        out: Vec::new(),
    };
    for &n in nodes {
        if !s.index.contains_key(&n) {
            visit(&mut s, n);
        }
    }
    s.out
}

/// Whether `callee`'s body can replace `call`: a body of several blocks needs a region that
/// takes several (a function's, not a structured op's such as `scf.for`, whose regions have
/// one block; MLIR would wrap it in an `scf.execute_region`, which this inliner does not do
/// yet).
fn fits(ctx: &Context, ir: &Ir, call: OpId, callee: OpId) -> bool {
    let blocks = ir.op(callee).regions().first().map_or(0, |r| ir.region(*r).blocks().len());
    blocks <= 1 || ir.parent_op(call).is_some_and(|p| is_func(ctx, ir, p))
}

fn inline_call(ctx: &Context, ir: &mut Ir, call: OpId, callee: OpId) {
    let mut mapping = IrMapping::default();
    let copy = ir.clone_op(callee, &mut mapping);
    let region = ir.op(copy).regions()[0];
    let blocks = ir.region(region).blocks().to_vec();
    let args = ir.op(call).operands().to_vec();
    let results = ir.op(call).results().to_vec();
    let call_block = ir.op(call).parent_block().expect("call in a block");
    let caller_region = ir.block(call_block).parent_region().expect("block in a region");
    if blocks.len() == 1 {
        let body = blocks[0];
        let ret = ir.block(body).last_op().expect("function body ends in a terminator");
        ir.inline_block(body, InsertPoint::Before(call), &args);
        let returned = ir.op(ret).operands().to_vec();
        for (r, v) in results.iter().zip(returned) {
            ir.replace_all_uses(*r, v);
        }
        ir.erase_op(ret);
    } else {
        // Split the caller's block after the call; returns branch to the continuation.
        let types: Vec<_> = results.iter().map(|r| ir.value_type(*r)).collect();
        let cont = ir.create_block(&types);
        let position = ir.region(caller_region).blocks().iter().position(|b| *b == call_block).unwrap();
        ir.insert_block(caller_region, position + 1, cont);
        let mut next = ir.op(call).next();
        while let Some(o) = next {
            next = ir.op(o).next();
            ir.move_op(o, InsertPoint::BlockEnd(cont));
        }
        for (i, r) in results.iter().enumerate() {
            let arg = ir.block(cont).args()[i];
            ir.replace_all_uses(*r, arg);
        }
        for (k, &b) in blocks.iter().enumerate().skip(1) {
            ir.detach_block(b);
            ir.insert_block(caller_region, position + k, b);
        }
        ir.inline_block(blocks[0], InsertPoint::Before(call), &args);
        let moved: Vec<BlockId> = std::iter::once(call_block).chain(blocks[1..].iter().copied()).collect();
        for b in moved {
            let Some(t) = ir.block(b).last_op() else { continue };
            if ctx.ident_str(ir.op(t).name()) == "func.return" {
                let state =
                    OpState::new(ctx, "cf.br", ir.op(t).loc()).operands(ir.op(t).operands()).successors(&[cont]);
                let br = ir.create_op(state);
                ir.insert_op(br, InsertPoint::Before(t));
                ir.erase_op(t);
            }
        }
    }
    ir.erase_op(call);
    ir.erase_op(copy);
}

impl Pass for Inline {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let (ctx, root) = (cx.ctx, cx.op);
        if !is_symbol_table(ctx, cx.ir, root) {
            return Err(Diagnostic::error(
                cx.ir.op(root).loc(),
                "inline must run on a symbol table (such as 'builtin.module')",
            ));
        }
        let funcs: FxHashMap<String, OpId> =
            symbols_of(ctx, cx.ir, root).into_iter().filter(|(_, o)| is_func(ctx, cx.ir, *o)).collect();
        let mut nodes: Vec<OpId> = funcs.values().copied().collect();
        nodes.sort_unstable_by_key(|o| symbol_name(ctx, cx.ir, *o).map(str::to_string));
        let edges: FxHashMap<OpId, Vec<OpId>> = nodes
            .iter()
            .map(|f| (*f, calls_in(ctx, cx.ir, *f, &funcs).into_iter().map(|(_, t)| t).collect()))
            .collect();
        let components = sccs(&nodes, &edges);
        let component_of: FxHashMap<OpId, usize> =
            components.iter().enumerate().flat_map(|(i, c)| c.iter().map(move |f| (*f, i))).collect();
        let mut inlined = 0u64;
        let mut inlined_callees = rustc_hash::FxHashSet::default();
        for component in &components {
            for &f in component {
                for _ in 0..self.max_iterations {
                    let calls: Vec<(OpId, OpId)> = calls_in(ctx, cx.ir, f, &funcs)
                        .into_iter()
                        .filter(|(_, t)| component_of[t] != component_of[&f] && has_body(cx.ir, *t))
                        .filter(|(call, t)| fits(ctx, cx.ir, *call, *t))
                        .collect();
                    if calls.is_empty() {
                        break;
                    }
                    for (call, target) in calls {
                        inline_call(ctx, cx.ir, call, target);
                        inlined_callees.insert(target);
                        inlined += 1;
                    }
                }
                if let (Some(pm), true) = (&self.pipeline, has_body(cx.ir, f)) {
                    cx.run_pipeline(pm, f).map_err(|e| e.diagnostic)?;
                }
            }
        }
        // Private functions whose calls were all inlined and that nothing else names go.
        let mut referenced = rustc_hash::FxHashSet::default();
        cx.ir.walk(root, WalkOrder::PreOrder, &mut |o| {
            referenced.extend(refs_of_op(ctx, cx.ir, o));
            WalkControl::Advance
        });
        let mut erased = 0u64;
        for f in nodes {
            let name = symbol_name(ctx, cx.ir, f).unwrap_or("").to_string();
            if inlined_callees.contains(&f) && is_private(ctx, cx.ir, f) && !referenced.contains(&name) {
                cx.ir.erase_op(f);
                erased += 1;
            }
        }
        cx.add_stat("num-inlined-calls", inlined);
        cx.add_stat("num-erased-callables", erased);
        Ok(())
    }
}
