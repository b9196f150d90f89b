//! The GPU level in the interpreter: `gpu.launch` regions and `gpu.launch_func` kernels run
//! every thread of every block, so the mapping and outlining passes are checked by execution
//! like every other lowering.
//!
//! Blocks run one after another (CUDA gives them no order and no way to wait for each other).
//! The threads of a block run one after another too, unless the body synchronizes
//! (`gpu.barrier`, `gpu.shuffle`): then each thread of the block is an OS thread with a
//! machine of its own, sharing the buffers, and barriers and shuffles are real rendezvous of
//! the whole block at one op. Threads that leave or wait elsewhere while others wait (a
//! divergent barrier, undefined on a GPU), a failing or panicking thread, or one that cannot be
//! started are an error, never a hang. Workgroup attributions are one poisoned buffer per block,
//! private ones one per thread.

use std::sync::{Arc, Condvar, Mutex};

use rustc_hash::FxHashMap;
use strata_ir::{OpId, RegionId, Value};

use super::{elem_of, static_shape, Machine, MemRef, RtValue};
use crate::tensor::Scalar;
use crate::RuntimeError;

/// Threads in a warp (shuffles exchange within one).
const WARP: usize = 32;
/// Threads a block may have.
const MAX_BLOCK: i64 = 1024;

/// Which id or size a `gpu.*_id`/`*_dim` op reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Id {
    Thread,
    Block,
    BlockDim,
    GridDim,
    Global,
    Lane,
}

impl Id {
    pub(super) fn of(name: &str) -> Option<Id> {
        Some(match name {
            "gpu.thread_id" => Id::Thread,
            "gpu.block_id" => Id::Block,
            "gpu.block_dim" => Id::BlockDim,
            "gpu.grid_dim" => Id::GridDim,
            "gpu.global_id" => Id::Global,
            "gpu.lane_id" => Id::Lane,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shuffle {
    Xor,
    Up,
    Down,
    Idx,
}

/// The thread a machine is running.
#[derive(Clone)]
pub(super) struct ThreadState {
    block: [i64; 3],
    thread: [i64; 3],
    grid: [i64; 3],
    block_dim: [i64; 3],
    /// The block's rendezvous, when its threads run at once.
    sync: Option<Arc<BlockSync>>,
}

impl ThreadState {
    fn linear(&self) -> usize {
        let [x, y, z] = self.thread;
        let [dx, dy, _] = self.block_dim;
        (x + dx * (y + dy * z)) as usize
    }
}

/// A barrier that fails instead of hanging when a thread leaves while others wait.
struct Gate {
    total: usize,
    state: Mutex<GateState>,
    cv: Condvar,
}

#[derive(Default)]
struct GateState {
    arrived: usize,
    generation: u64,
    /// The op the threads of this generation wait at: all must wait at the same one.
    site: Option<OpId>,
    left: usize,
    broken: Option<String>,
}

impl Gate {
    fn new(total: usize) -> Gate {
        Gate { total, state: Mutex::new(GateState::default()), cv: Condvar::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until every thread of the block waits at `site` (a barrier or a shuffle); an
    /// error when a thread waits at another op or has left (divergence), or another failed.
    fn wait(&self, site: OpId) -> Result<(), String> {
        let mut s = self.lock();
        if let Some(why) = &s.broken {
            return Err(why.clone());
        }
        let diverged = s.left > 0 || s.site.is_some_and(|other| other != site);
        if diverged {
            let why = "threads of a block diverged: they do not all reach the same barrier or shuffle".to_string();
            s.broken = Some(why.clone());
            self.cv.notify_all();
            return Err(why);
        }
        s.site = Some(site);
        s.arrived += 1;
        if s.arrived == self.total {
            s.arrived = 0;
            s.site = None;
            s.generation += 1;
            self.cv.notify_all();
            return Ok(());
        }
        let generation = s.generation;
        while s.generation == generation && s.broken.is_none() {
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        match &s.broken {
            Some(why) if s.generation == generation => Err(why.clone()),
            _ => Ok(()),
        }
    }

    /// Nobody can go on (a thread could not be started).
    fn break_with(&self, why: &str) {
        let mut s = self.lock();
        s.broken.get_or_insert_with(|| why.to_string());
        self.cv.notify_all();
    }

    /// A thread is done (`why`: it failed); threads waiting for it can never go on.
    fn leave(&self, why: Option<&str>) {
        let mut s = self.lock();
        s.left += 1;
        if s.broken.is_none() && (s.arrived > 0 || why.is_some()) {
            s.broken = Some(why.map_or_else(
                || "threads of a block diverged: some left the kernel while others waited at a barrier".to_string(),
                |w| format!("another thread of the block failed: {w}"),
            ));
        }
        self.cv.notify_all();
    }
}

/// What the threads of one block share to synchronize. Shuffles meet at the block's gate
/// too, so every thread of a block that shuffles must reach the same shuffle (stricter than a
/// GPU, which needs only the warp's lanes): a kernel that shuffles in some warps only is
/// reported as divergent, never left hanging between two gates.
pub(super) struct BlockSync {
    block: Gate,
    /// A shuffle's values, one slot per thread.
    slots: Mutex<Vec<Scalar>>,
}

/// Leaves the block's gate when a thread ends, by returning or by panicking.
struct Leaving<'s> {
    gate: &'s Gate,
    why: Option<String>,
    done: bool,
}

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        let panicked = (!self.done).then_some("a thread panicked");
        self.gate.leave(self.why.as_deref().or(panicked));
    }
}

/// A value a kernel takes from the host, which can go to another thread.
#[derive(Clone)]
enum Arg {
    Scalar(Scalar),
    MemRef(MemRef),
}

impl Arg {
    fn of(v: &RtValue) -> Option<Arg> {
        match v {
            RtValue::Scalar(s) => Some(Arg::Scalar(*s)),
            RtValue::MemRef(m) => Some(Arg::MemRef(m.clone())),
            _ => None,
        }
    }

    fn value(self) -> RtValue {
        match self {
            Arg::Scalar(s) => RtValue::Scalar(s),
            Arg::MemRef(m) => RtValue::MemRef(m),
        }
    }
}

/// What the threads run: a kernel's body or a launch's region.
#[derive(Clone, Copy)]
struct Body {
    owner: OpId,
    region: RegionId,
    /// A `gpu.launch` region takes its ids as its first 12 arguments.
    launch_region: bool,
}

impl<'a> Machine<'a> {
    /// The grid and block of a launch; a grid without blocks (a loop's empty tail) launches
    /// nothing, as upstream's `gpu.launch` of zero blocks does.
    fn sizes(&self, op: OpId, vs: &[Value]) -> Result<([i64; 3], [i64; 3]), RuntimeError> {
        let v = self.indices(op, vs)?;
        let grid = [v[0], v[1], v[2]];
        let block = [v[3], v[4], v[5]];
        if grid.iter().any(|n| *n < 0) || block.iter().any(|n| *n < 1) {
            return Err(
                self.err(op, format!("a launch of {grid:?} blocks of {block:?} threads: sizes must be positive"))
            );
        }
        if block.iter().product::<i64>() > MAX_BLOCK {
            return Err(self.err(op, format!("a block of {block:?} threads: at most {MAX_BLOCK}")));
        }
        Ok((grid, block))
    }

    /// `gpu.launch`: its region once per thread.
    pub(super) fn launch(&mut self, op: OpId) -> Result<(), RuntimeError> {
        let ir = self.ir;
        let operands = ir.op(op).operands();
        let segments = self.launch_segments(op)?;
        if segments[0] != 0 {
            return Err(self.err(op, "asynchronous launches are not run"));
        }
        let sizes: Vec<Value> = operands[..6].to_vec();
        let (grid, block) = self.sizes(op, &sizes)?;
        let region = ir.op(op).regions()[0];
        // Values from the enclosing function that the region reads go to every thread.
        let mut captured = Vec::new();
        for inner in ir.collect_ops(op).into_iter().skip(1) {
            for v in ir.op(inner).operands() {
                let inside =
                    ir.value_block(*v).and_then(|b| ir.block_parent_op(b)).is_some_and(|p| ir.is_ancestor(op, p));
                if !inside && !captured.iter().any(|(c, _)| c == v) {
                    if let Some(x) = self.values.get(v.index()).and_then(Option::as_ref).and_then(Arg::of) {
                        captured.push((*v, x));
                    }
                }
            }
        }
        let body = Body { owner: op, region, launch_region: true };
        self.run_grid(op, body, grid, block, Vec::new(), captured)
    }

    fn launch_segments(&self, op: OpId) -> Result<Vec<usize>, RuntimeError> {
        let ctx = self.ctx;
        match self.ir.op(op).attr(ctx.ident("operandSegmentSizes")).map(|a| ctx.attr_kind(a)) {
            Some(strata_ir::AttrKind::DenseArray { values: strata_ir::DenseArrayValues::Int(v), .. }) => {
                Ok(v.iter().map(|n| *n as usize).collect())
            }
            _ => Err(self.err(op, "no operandSegmentSizes")),
        }
    }

    /// `gpu.launch_func` of the kernel `func`.
    pub(super) fn launch_func(&mut self, op: OpId, func: OpId) -> Result<(), RuntimeError> {
        let ir = self.ir;
        let seg = self.launch_segments(op)?;
        if seg.len() != 13 || seg[0] != 0 || seg[12] != 0 {
            return Err(self.err(op, "asynchronous launches are not run"));
        }
        let operands = ir.op(op).operands();
        let (grid, block) = self.sizes(op, &operands[seg[0]..seg[0] + 6])?;
        let first = seg[..11].iter().sum::<usize>();
        let args = operands[first..first + seg[11]]
            .iter()
            .map(|v| self.get(op, *v).map(Arg::of)?.ok_or_else(|| self.err(op, "kernels take scalars and memrefs")))
            .collect::<Result<Vec<_>, _>>()?;
        let region = *ir.op(func).regions().first().ok_or_else(|| self.err(func, "a kernel without a body"))?;
        let body = Body { owner: func, region, launch_region: false };
        self.run_grid(op, body, grid, block, args, Vec::new())
    }

    /// The buffers of the attributions after `first` block arguments: workgroup ones shared by
    /// the block (`block_shared`), private ones new for each thread.
    fn attributions(&self, body: Body, first: usize, shared: &[Arg]) -> Result<Vec<RtValue>, RuntimeError> {
        let ir = self.ir;
        let entry = ir.region(body.region).blocks()[0];
        let extra = &ir.block(entry).args()[first..];
        let mut out: Vec<RtValue> = shared.iter().cloned().map(Arg::value).collect();
        for a in &extra[shared.len()..] {
            out.push(RtValue::MemRef(self.fresh_buffer(body.owner, *a)?));
        }
        Ok(out)
    }

    fn fresh_buffer(&self, owner: OpId, a: Value) -> Result<MemRef, RuntimeError> {
        let t = self.ir.value_type(a);
        let shape = static_shape(self.ctx, t).ok_or_else(|| self.err(owner, "attributions of dynamic shape"))?;
        MemRef::alloc(&shape, elem_of(self.ctx, t)).map_err(|e| self.err(owner, e))
    }

    /// The workgroup attributions of `body` (after `first` arguments), one set per block.
    fn workgroup(&self, body: Body, first: usize) -> Result<Vec<Arg>, RuntimeError> {
        let ctx = self.ctx;
        let n = self
            .ir
            .op(body.owner)
            .attr(ctx.ident("workgroup_attributions"))
            .and_then(|a| ctx.attr_as_int(a))
            .unwrap_or(0) as usize;
        let entry = self.ir.region(body.region).blocks()[0];
        let args = self.ir.block(entry).args();
        args.get(first..first + n)
            .ok_or_else(|| self.err(body.owner, "fewer arguments than workgroup attributions"))?
            .iter()
            .map(|a| Ok(Arg::MemRef(self.fresh_buffer(body.owner, *a)?)))
            .collect()
    }

    fn synchronizes(&self, body: Body) -> bool {
        self.ir
            .collect_ops(body.owner)
            .into_iter()
            .any(|o| matches!(self.ctx.ident_str(self.ir.op(o).name()), "gpu.barrier" | "gpu.shuffle"))
    }

    fn run_grid(
        &mut self,
        op: OpId,
        body: Body,
        grid: [i64; 3],
        block: [i64; 3],
        args: Vec<Arg>,
        captured: Vec<(Value, Arg)>,
    ) -> Result<(), RuntimeError> {
        let concurrent = self.synchronizes(body);
        let first = if body.launch_region { 12 } else { args.len() };
        let saved = self.gpu.take();
        for (v, x) in &captured {
            self.set(*v, x.clone().value());
        }
        let mut result = Ok(());
        'blocks: for bz in 0..grid[2] {
            for by in 0..grid[1] {
                for bx in 0..grid[0] {
                    let shared = match self.workgroup(body, first) {
                        Ok(s) => s,
                        Err(e) => {
                            result = Err(e);
                            break 'blocks;
                        }
                    };
                    let state = ThreadState { block: [bx, by, bz], thread: [0; 3], grid, block_dim: block, sync: None };
                    result = if concurrent {
                        self.run_block_at_once(op, body, state, &args, &shared, &captured)
                    } else {
                        self.run_block_in_turn(body, state, &args, &shared)
                    };
                    if result.is_err() {
                        break 'blocks;
                    }
                }
            }
        }
        self.gpu = saved;
        result
    }

    fn thread_args(
        &self,
        body: Body,
        s: &ThreadState,
        args: &[Arg],
        shared: &[Arg],
    ) -> Result<Vec<RtValue>, RuntimeError> {
        let mut values: Vec<RtValue> = if body.launch_region {
            s.block
                .iter()
                .chain(&s.thread)
                .chain(&s.grid)
                .chain(&s.block_dim)
                .map(|i| RtValue::Scalar(Scalar::Int(*i)))
                .collect()
        } else {
            args.iter().cloned().map(Arg::value).collect()
        };
        let first = values.len();
        values.extend(self.attributions(body, first, shared)?);
        Ok(values)
    }

    fn threads(block: [i64; 3]) -> impl Iterator<Item = [i64; 3]> {
        (0..block[2]).flat_map(move |z| (0..block[1]).flat_map(move |y| (0..block[0]).map(move |x| [x, y, z])))
    }

    fn run_block_in_turn(
        &mut self,
        body: Body,
        mut state: ThreadState,
        args: &[Arg],
        shared: &[Arg],
    ) -> Result<(), RuntimeError> {
        for t in Self::threads(state.block_dim) {
            state.thread = t;
            let values = self.thread_args(body, &state, args, shared)?;
            self.gpu = Some(state.clone());
            self.run_region(body.owner, body.region, values)?;
        }
        Ok(())
    }

    /// Every thread of the block on an OS thread of its own, each with a machine that shares
    /// this one's functions and buffers.
    fn run_block_at_once(
        &mut self,
        op: OpId,
        body: Body,
        state: ThreadState,
        args: &[Arg],
        shared: &[Arg],
        captured: &[(Value, Arg)],
    ) -> Result<(), RuntimeError> {
        let n = state.block_dim.iter().product::<i64>() as usize;
        let sync = Arc::new(BlockSync { block: Gate::new(n), slots: Mutex::new(vec![Scalar::Int(0); n]) });
        let (ctx, ir) = (self.ctx, self.ir);
        let functions = self.functions.clone();
        let global_defs = self.global_defs.clone();
        let globals: Vec<(String, Arg)> =
            self.globals.iter().map(|(k, m)| (k.clone(), Arg::MemRef(m.clone()))).collect();
        let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let mut handles = Vec::with_capacity(n);
            let mut results = Vec::new();
            for t in Self::threads(state.block_dim) {
                let mut s = state.clone();
                s.thread = t;
                s.sync = Some(sync.clone());
                let (functions, global_defs, globals) = (functions.clone(), global_defs.clone(), globals.clone());
                let (args, shared, captured) = (args.to_vec(), shared.to_vec(), captured.to_vec());
                let sync_of_thread = sync.clone();
                let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                    let mut leaving = Leaving { gate: &sync_of_thread.block, why: None, done: false };
                    let mut m = Machine::with_symbols(ctx, ir, functions, global_defs);
                    for (k, g) in globals {
                        if let Arg::MemRef(g) = g {
                            m.globals.insert(k, g);
                        }
                    }
                    for (v, x) in captured {
                        m.set(v, x.value());
                    }
                    let out = m
                        .thread_args(body, &s, &args, &shared)
                        .and_then(|values| {
                            m.gpu = Some(s);
                            m.run_region(body.owner, body.region, values)
                        })
                        .map(|_| ())
                        .map_err(|e| e.to_string());
                    leaving.why = out.as_ref().err().cloned();
                    leaving.done = true;
                    out
                });
                match spawned {
                    Ok(h) => handles.push(h),
                    Err(e) => {
                        // Threads already started must not wait for this one.
                        let why = format!("could not start a thread for the block ({e})");
                        sync.block.break_with(&why);
                        results.push(Err(why));
                        break;
                    }
                }
            }
            results.extend(handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into()))));
            results
        });
        // The first failure that is not another thread's echo of it.
        let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
        match errors.iter().find(|e| !e.contains("another thread of the block failed")).or(errors.first()) {
            Some(e) => Err(self.err(op, format!("in a thread of the kernel: {e}"))),
            None => Ok(()),
        }
    }

    pub(super) fn gpu_id(&self, op: OpId, id: Id, dim: usize) -> Result<Scalar, RuntimeError> {
        let s = self.gpu.as_ref().ok_or_else(|| self.err(op, "outside a GPU kernel or launch"))?;
        let v = match id {
            Id::Thread => s.thread[dim],
            Id::Block => s.block[dim],
            Id::BlockDim => s.block_dim[dim],
            Id::GridDim => s.grid[dim],
            Id::Global => s.block[dim] * s.block_dim[dim] + s.thread[dim],
            Id::Lane => (s.linear() % WARP) as i64,
        };
        Ok(Scalar::Int(v))
    }

    pub(super) fn barrier(&self, op: OpId) -> Result<(), RuntimeError> {
        let s = self.gpu.as_ref().ok_or_else(|| self.err(op, "outside a GPU kernel or launch"))?;
        // Threads run one after another only when the body has no barrier.
        let sync = s.sync.as_ref().ok_or_else(|| self.err(op, "a barrier outside a synchronizing block"))?;
        sync.block.wait(op).map_err(|e| self.err(op, e))
    }

    /// `gpu.shuffle`: the value of another lane of the warp, and whether that lane is in range.
    pub(super) fn shuffle(
        &self,
        op: OpId,
        mode: Shuffle,
        v: Scalar,
        offset: i64,
        width: i64,
    ) -> Result<(Scalar, bool), RuntimeError> {
        let s = self.gpu.as_ref().ok_or_else(|| self.err(op, "outside a GPU kernel or launch"))?;
        let sync = s.sync.as_ref().ok_or_else(|| self.err(op, "a shuffle outside a synchronizing block"))?;
        if !(1..=WARP as i64).contains(&width) {
            return Err(self.err(op, format!("width {width}: from 1 to {WARP}")));
        }
        let me = s.linear();
        let (lane, warp) = ((me % WARP) as i64, me / WARP);
        let segment = lane / width * width;
        let source = match mode {
            Shuffle::Xor => lane ^ offset,
            Shuffle::Up => lane - offset,
            Shuffle::Down => lane + offset,
            Shuffle::Idx => segment + offset,
        };
        // In range: within the lane's segment of `width` lanes (and so within its warp).
        let valid = source >= segment && source < segment + width;
        let lock = || sync.slots.lock().unwrap_or_else(|e| e.into_inner());
        lock()[me] = v;
        sync.block.wait(op).map_err(|e| self.err(op, e))?;
        let at = warp * WARP + source as usize;
        let got = if valid { lock().get(at).copied() } else { None };
        sync.block.wait(op).map_err(|e| self.err(op, e))?;
        match got {
            Some(x) => Ok((x, true)),
            None => Ok((v, false)),
        }
    }
}

/// The kernels of `gpu.launch_func`s, by `@module::@kernel`.
pub(super) fn kernels(ctx: &strata_ir::Context, ir: &strata_ir::Ir, root: OpId) -> FxHashMap<String, OpId> {
    let mut out = FxHashMap::default();
    for m in ir.collect_ops(root) {
        if ctx.ident_str(ir.op(m).name()) != "gpu.module" {
            continue;
        }
        let name =
            |o: OpId| ir.op(o).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("").to_string();
        let mname = name(m);
        for f in ir.collect_ops(m) {
            if ctx.ident_str(ir.op(f).name()) == "gpu.func" {
                out.insert(format!("@{mname}::@{}", name(f)), f);
            }
        }
    }
    out
}
