//! Products and convolutions as tiled kernels: a nest whose body is one sum of products (a
//! matrix product, a direct convolution, a batched product) becomes a grid of blocks each
//! computing a tile of outputs from tiles of its two factors staged in workgroup memory, with
//! each thread holding a register tile of sums. It is the shared-memory GEMM of every CUDA
//! tutorial, found in the loop level rather than written for one op:
//!
//! - The body is recognised by its dependences. The innermost statement of the reduction
//!   loops adds `a · b` to the carried sum; the parallel dimensions `a` reads alone are the
//!   rows (M), those `b` reads alone the columns (N), those both read a batch; the reduction
//!   loops flattened are K. So a convolution's input window (with its padding test) is `a`,
//!   its weights `b`: implicit GEMM, with no im2col buffer.
//! - Each step of K, every thread loads a few elements of each factor's tile (the slice of
//!   the loop body that computes `a` or `b`, cloned with the indices of that element, zero
//!   outside the iteration space), neighbouring threads along the factor's unit-stride
//!   dimension; each thread then multiplies a column of the `a` tile by a row of the `b` tile
//!   into its sums. The elements of the next step are read from global memory before this
//!   step's products and stored to workgroup memory after them (between barriers), so their
//!   latency hides behind the arithmetic. A thread's outputs are strided by the threads along each side,
//!   so neighbouring threads read neighbouring words of workgroup memory (no bank conflicts)
//!   and store neighbouring outputs.
//! - Each output's sum is added in the loop's order (steps past K add `+0` products), so
//!   results equal the loop's but for the sign of a zero; split in parts, the sum is the
//!   initial value plus the parts' sums, within rounding. What the body did with the sum
//!   (bias, activation, the store) runs per output after the loop.
//!
//! The tile, and the parts K is split into, are those the shortest in a simple model: waves of
//! [`FILL_BLOCKS`] blocks, each at its tile's measured rate, plus the parts' round trip
//! through memory; so large tiles win on large products, and small products (batch 1, late
//! layers, a transformer's 128 tokens) spread over the GPU in small tiles or split along K.

use rustc_hash::FxHashMap;
use strata_ir::{Builder, Context, Diagnostic, InsertPoint, Ir, IrMapping, Location, OpId, OpState, Value, ValueDef};

use super::map::{build_launch, index_const, name};

/// A block's tile of outputs and how its threads share it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Tile {
    /// Outputs along M and N a block computes.
    rows: i64,
    cols: i64,
    /// Outputs along M and N a thread computes (strided by `rows / thread_rows` threads).
    thread_rows: i64,
    thread_cols: i64,
    /// Steps of K staged at once.
    depth: i64,
}

impl Tile {
    fn threads(self) -> i64 {
        (self.rows / self.thread_rows) * (self.cols / self.thread_cols)
    }
}

/// From large to small: 128×128 with 8×8 sums a thread is the classic register-blocked SGEMM;
/// the halves fit a side of 64 (ResNet's first channels) without computing padding. Every
/// tile has 256 threads, and each thread loads whole elements of both factors' tiles.
const TILES: [Tile; 6] = [
    Tile { rows: 128, cols: 128, thread_rows: 8, thread_cols: 8, depth: 8 },
    Tile { rows: 128, cols: 64, thread_rows: 8, thread_cols: 4, depth: 8 },
    Tile { rows: 64, cols: 128, thread_rows: 4, thread_cols: 8, depth: 8 },
    Tile { rows: 64, cols: 64, thread_rows: 4, thread_cols: 4, depth: 8 },
    Tile { rows: 32, cols: 32, thread_rows: 2, thread_cols: 2, depth: 8 },
    Tile { rows: 16, cols: 16, thread_rows: 1, thread_cols: 1, depth: 16 },
];

/// The tile written `ROWSxCOLS` (`128x64`), if there is one.
pub(super) fn tile(name: &str) -> Option<Tile> {
    let (r, c) = name.split_once('x')?;
    let (r, c) = (r.parse::<i64>().ok()?, c.parse::<i64>().ok()?);
    TILES.iter().find(|t| (t.rows, t.cols) == (r, c)).copied()
}

/// The tiles' names, for messages.
pub(super) fn tile_names() -> String {
    TILES.iter().map(|t| format!("{}x{}", t.rows, t.cols)).collect::<Vec<_>>().join(", ")
}

/// A multiprocessor's f32 multiply-add rate (an H100's 67 TFLOP/s over 132), the copy
/// bandwidth, a launch.
const SM_FLOPS: f64 = 0.5e12;
const BANDWIDTH: f64 = 2.5e12;
const LAUNCH_SECONDS: f64 = 3e-6;

/// The parts K may be split into; each part has at least [`MIN_SPLIT_STEPS`] steps.
const SPLITS: [i64; 8] = [1, 2, 3, 4, 6, 8, 12, 16];
const MIN_SPLIT_STEPS: i64 = 4;

impl Tile {
    /// The share of [`SM_FLOPS`] a block of this tile reaches, measured on an H100 with
    /// SGEMM 4096³ (each tile forced): 128×128 at 31.5 TFLOP/s, 128×64 and 64×128 at 26,
    /// 64×64 at 22, 32×32 at 12.5, 16×16 at 6.3.
    fn efficiency(self) -> f64 {
        match (self.thread_rows * self.thread_cols, self.rows) {
            (64, _) => 0.6,
            (32, _) => 0.5,
            (16, _) => 0.42,
            (4, _) => 0.24,
            _ => 0.12,
        }
    }

    /// Seconds in the model for `blocks` tiles of a product over `k`, split in `split` parts
    /// (the blocks in waves of [`FILL_BLOCKS`]; the parts of `outputs` written and read back).
    fn seconds(self, blocks: i64, k: i64, split: i64, outputs: i64) -> f64 {
        let steps = ceil(ceil(k, self.depth), split);
        let block = 2.0 * (self.rows * self.cols * steps * self.depth) as f64 / (SM_FLOPS * self.efficiency());
        let waves = ceil(blocks * split, FILL_BLOCKS) as f64;
        let parts =
            if split > 1 { (2 * split + 1) as f64 * 4.0 * outputs as f64 / BANDWIDTH + LAUNCH_SECONDS } else { 0.0 };
        waves * block + parts
    }
}

/// Blocks that fill an H100 (132 multiprocessors) once.
const FILL_BLOCKS: i64 = 132;

/// Workgroup rows are padded by this many words, so that threads storing along K (a factor
/// read along K in memory) hit distinct banks.
const PAD: i64 = 4;

/// The smallest M, N and K tiled: below, one thread per output does as well.
const MIN_EXTENT: i64 = 16;

/// One iteration dimension: lower bound, trip count, step (all constant).
#[derive(Clone, Copy, Debug)]
struct Dim {
    lower: i64,
    count: i64,
    step: i64,
}

/// A sum of products found in a nest, and how it will be tiled.
pub(super) struct Contraction {
    nest: OpId,
    /// The reduction loops, outermost first.
    loops: Vec<OpId>,
    /// The factors of the innermost product.
    a: Value,
    b: Value,
    /// The nest's dimensions on each side, in nest order.
    rows: Vec<usize>,
    cols: Vec<usize>,
    batch: Vec<usize>,
    dims: Vec<Dim>,
    reductions: Vec<Dim>,
    /// Ops after the reduction loop in the nest's body (what is done with the sum).
    epilogue: Vec<OpId>,
    /// Whether a factor is read along K in memory (its threads then load along K).
    a_along_k: bool,
    b_along_k: bool,
    /// Whether outputs are stored along M (threads then neighbour along M).
    store_along_rows: bool,
    tile: Tile,
    /// Parts K is split into: each block sums one part of K for its tile into a workspace, and
    /// a second launch adds the parts of each output and finishes it.
    split: i64,
}

fn is_pure(name: &str) -> bool {
    name.starts_with("arith.") || name.starts_with("math.") || name == "memref.load"
}

fn constant(ctx: &Context, ir: &Ir, v: Value) -> Option<i64> {
    crate::constant_index(ctx, ir, v)
}

fn dim(ctx: &Context, ir: &Ir, lower: Value, upper: Value, step: Value) -> Option<Dim> {
    let (l, u, s) = (constant(ctx, ir, lower)?, constant(ctx, ir, upper)?, constant(ctx, ir, step)?);
    if s <= 0 || u <= l {
        return None;
    }
    let count = u.checked_sub(l)?.checked_add(s - 1)? / s;
    Some(Dim { lower: l, count, step: s })
}

/// The product of `counts`, if it fits (and, with room for a tile past it, a 64-bit index).
fn product(counts: impl IntoIterator<Item = i64>) -> Option<i64> {
    counts.into_iter().try_fold(1i64, |a, c| a.checked_mul(c)).filter(|p| *p < i64::MAX / 4)
}

/// The induction variables a value depends on, as bits (the nest's dimensions, then the
/// reduction loops'); `None` where it depends on a carried sum or on an op that is not a pure
/// computation (arithmetic, loads, conditionals of those).
struct Deps<'a> {
    ctx: &'a Context,
    nest: OpId,
    ivs: Vec<Value>,
    /// The sum the reduction loops produce (what the epilogue reads): no dependence.
    sum: Value,
    memo: FxHashMap<Value, Option<u64>>,
}

impl Deps<'_> {
    fn of(&mut self, ir: &Ir, v: Value) -> Option<u64> {
        if let Some(i) = self.ivs.iter().position(|x| *x == v) {
            return Some(1 << i);
        }
        if v == self.sum {
            return Some(0);
        }
        if let Some(m) = self.memo.get(&v) {
            return *m;
        }
        let m = self.compute(ir, v);
        self.memo.insert(v, m);
        m
    }

    fn compute(&mut self, ir: &Ir, v: Value) -> Option<u64> {
        match ir.value(v).def() {
            ValueDef::BlockArg { block, .. } => {
                let inside = ir.block_parent_op(block).is_some_and(|o| ir.is_ancestor(self.nest, o));
                (!inside).then_some(0)
            }
            ValueDef::Placeholder => None,
            ValueDef::Result { op, .. } => {
                if !ir.is_ancestor(self.nest, op) {
                    return Some(0);
                }
                let n = name(self.ctx, ir, op);
                let reads: Vec<Value> = if n == "scf.if" {
                    let inner = ir.collect_ops(op);
                    if inner[1..].iter().any(|o| {
                        let n = name(self.ctx, ir, *o);
                        !(is_pure(n) || n == "scf.yield")
                    }) {
                        return None;
                    }
                    inner.iter().flat_map(|o| ir.op(*o).operands().to_vec()).collect()
                } else if is_pure(n) {
                    ir.op(op).operands().to_vec()
                } else {
                    return None;
                };
                let mut mask = 0;
                for r in reads {
                    mask |= self.of(ir, r)?;
                }
                Some(mask)
            }
        }
    }
}

/// The first `memref.load` among the ops computing `v` (inside the nest).
fn first_load(ctx: &Context, ir: &Ir, nest: OpId, v: Value) -> Option<OpId> {
    let mut stack = vec![v];
    let mut seen = rustc_hash::FxHashSet::default();
    while let Some(v) = stack.pop() {
        let ValueDef::Result { op, .. } = ir.value(v).def() else { continue };
        if !ir.is_ancestor(nest, op) || !seen.insert(op) {
            continue;
        }
        for o in ir.collect_ops(op) {
            if name(ctx, ir, o) == "memref.load" {
                return Some(o);
            }
            stack.extend(ir.op(o).operands().iter().rev());
        }
    }
    None
}

/// The nest as a tiled contraction, if its body is one: pure index arithmetic, one `scf.for`
/// chain summing `a · b` into one `f32` (constant bounds), then pure ops and stores using the
/// sum; M, N and K of at least [`MIN_EXTENT`].
/// `tile` and `split`, if given, are used whatever the sizes.
pub(super) fn plan(ctx: &Context, ir: &Ir, nest: OpId, tile: Option<Tile>, split: Option<i64>) -> Option<Contraction> {
    let p = strata_dialects::scf::parallel_operands(ctx, ir, nest).ok()?;
    if !p.inits.is_empty() {
        return None;
    }
    let dims: Vec<Dim> =
        (0..p.dims()).map(|d| dim(ctx, ir, p.lower[d], p.upper[d], p.steps[d])).collect::<Option<_>>()?;
    let body = *ir.region(ir.op(nest).regions()[0]).blocks().first()?;
    let ops: Vec<OpId> = ir.block_ops(body).collect();
    let (_, ops) = ops.split_last()?;
    let at = ops.iter().position(|o| !ir.op(*o).regions().is_empty())?;
    let outer = ops[at];
    if super::cooperate::chain(ctx, ir, outer) != Some(super::cooperate::Combine::AddF) {
        return None;
    }
    if ops[..at].iter().any(|o| !is_pure(name(ctx, ir, *o))) {
        return None;
    }
    // Inside the loops: the chain itself, and pure values (conditionals of them too).
    let inner = ir.collect_ops(outer);
    let for_ops = inner.iter().filter(|o| name(ctx, ir, **o) == "scf.for").count();
    if inner
        .iter()
        .any(|o| !matches!(name(ctx, ir, *o), "scf.for" | "scf.if" | "scf.yield") && !is_pure(name(ctx, ir, *o)))
    {
        return None;
    }
    let epilogue = ops[at + 1..].to_vec();
    if epilogue.iter().any(|o| {
        let n = name(ctx, ir, *o);
        !ir.op(*o).regions().is_empty() || !(is_pure(n) || n == "memref.store")
    }) {
        return None;
    }
    let store = *epilogue.iter().find(|o| name(ctx, ir, **o) == "memref.store")?;

    // The chain of loops down to the product.
    let mut loops = vec![outer];
    let term = loop {
        let l = *loops.last()?;
        let lbody = *ir.region(ir.op(l).regions()[0]).blocks().first()?;
        let yielded = *ir.op(ir.block(lbody).last_op()?).operands().first()?;
        let ValueDef::Result { op: def, .. } = ir.value(yielded).def() else { return None };
        match name(ctx, ir, def) {
            "scf.for" => loops.push(def),
            "arith.addf" => {
                let acc = ir.block(lbody).args()[1];
                let o = ir.op(def).operands();
                break if o[0] == acc { o[1] } else { o[0] };
            }
            _ => return None,
        }
    };
    if loops.len() != for_ops {
        return None;
    }
    let reductions: Vec<Dim> = loops
        .iter()
        .map(|l| {
            let o = ir.op(*l).operands();
            dim(ctx, ir, o[0], o[1], o[2])
        })
        .collect::<Option<_>>()?;
    let ValueDef::Result { op: multiply, .. } = ir.value(term).def() else { return None };
    if name(ctx, ir, multiply) != "arith.mulf" || ir.value(term).uses().len() != 1 {
        return None;
    }
    let (a, b) = (ir.op(multiply).operands()[0], ir.op(multiply).operands()[1]);
    // The tiles, the sums and the workspace are f32 (other types keep one thread per output).
    let f32 = ctx.f32_type();
    if [a, b, ir.op(outer).result(0)].iter().any(|v| ir.value_type(*v) != f32) {
        return None;
    }
    let nest_body = ir.block(body).args().to_vec();
    let loop_ivs =
        loops.iter().map(|l| ir.block(*ir.region(ir.op(*l).regions()[0]).blocks().first().unwrap()).args()[0]);
    let ivs: Vec<Value> = nest_body.iter().copied().chain(loop_ivs).collect();
    if ivs.len() > 64 {
        return None;
    }
    let sum = ir.op(outer).result(0);
    let mut deps = Deps { ctx, nest, ivs, sum, memo: FxHashMap::default() };
    let (da, db) = (deps.of(ir, a)?, deps.of(ir, b)?);
    let parallel = (1u64 << dims.len()) - 1;
    let (pa, pb) = (da & parallel, db & parallel);
    let side = |mask: u64| (0..dims.len()).filter(|d| mask >> d & 1 == 1).collect::<Vec<usize>>();
    // Dimensions neither factor reads (outputs repeated along them) go with the rows.
    let rows = side(parallel & !pb);
    let cols = side(pb & !pa);
    let batch = side(pa & pb);
    let extent = |ds: &[usize]| product(ds.iter().map(|d| dims[*d].count));
    let (m, n) = (extent(&rows)?, extent(&cols)?);
    let k = product(reductions.iter().map(|d| d.count))?;
    if m < MIN_EXTENT || n < MIN_EXTENT || k < MIN_EXTENT {
        return None;
    }
    for op in &epilogue {
        for v in ir.op(*op).operands() {
            deps.of(ir, *v)?;
        }
    }
    deps.of(ir, ir.op(outer).operands()[3])?;

    // Which way each factor and the output run in memory: along the last index.
    let innermost_loop = 1u64 << (dims.len() + loops.len() - 1);
    let mut along_k = |v: Value, own: &[usize]| -> Option<bool> {
        let load = first_load(ctx, ir, nest, v)?;
        let last = *ir.op(load).operands().last()?;
        let d = deps.of(ir, last)?;
        let own_innermost = own.last().is_some_and(|o| d >> o & 1 == 1);
        Some(!own_innermost && d & innermost_loop != 0)
    };
    let a_along_k = along_k(a, &rows).unwrap_or(false);
    let b_along_k = along_k(b, &cols).unwrap_or(false);
    let last_store_index = *ir.op(store).operands().last()?;
    let store_deps = deps.of(ir, last_store_index)?;
    let store_along_rows = rows.last().is_some_and(|r| store_deps >> r & 1 == 1);

    let batches = extent(&batch)?;
    // Every output, in every part of K: a count that fits (blocks are fewer).
    let outputs = product([batches, m, n])?;
    product([outputs, 64])?;
    let blocks = |t: &Tile| batches * ceil(m, t.rows) * ceil(n, t.cols);
    // Splitting K is for filling the GPU: tiles that fill it alone are not split (the parts'
    // round trip only adds traffic, and the model does not see the latency a split hides).
    let splits = |t: &Tile| -> Vec<i64> {
        match split {
            Some(s) => vec![s],
            None if blocks(t) >= FILL_BLOCKS => vec![1],
            None => SPLITS.iter().copied().filter(|s| *s == 1 || ceil(k, t.depth) / s >= MIN_SPLIT_STEPS).collect(),
        }
    };
    let tiles: Vec<Tile> = tile.map_or(TILES.to_vec(), |t| vec![t]);
    let (tile, split) = tiles
        .iter()
        .flat_map(|t| splits(t).into_iter().map(move |s| (*t, s)))
        .min_by(|(x, xs), (y, ys)| {
            x.seconds(blocks(x), k, *xs, outputs).total_cmp(&y.seconds(blocks(y), k, *ys, outputs))
        })
        .expect("a tile");
    Some(Contraction {
        nest,
        loops,
        a,
        b,
        rows,
        cols,
        batch,
        dims,
        reductions,
        epilogue,
        a_along_k,
        b_along_k,
        store_along_rows,
        tile,
        split,
    })
}

fn ceil(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// Builds index and float arithmetic at one insertion point.
struct At<'c> {
    ctx: &'c Context,
    at: InsertPoint,
    loc: Location,
    /// Whether flat positions split into indices fit 32 bits (see [`At::unflatten`]).
    narrow: bool,
}

impl<'c> At<'c> {
    fn new(ctx: &'c Context, at: InsertPoint, loc: Location, narrow: bool) -> Self {
        At { ctx, at, loc, narrow }
    }

    fn builder<'i>(&self, ir: &'i mut Ir) -> Builder<'c, 'i> {
        let mut b = Builder::new(self.ctx, ir, self.at);
        b.loc = self.loc;
        b
    }

    fn index(&self, ir: &mut Ir, v: i64) -> Value {
        index_const(self.ctx, ir, self.at, v)
    }

    fn op(&self, ir: &mut Ir, name: &str, x: Value, y: Value) -> Value {
        let t = ir.value_type(x);
        self.builder(ir).value(name, &[x, y], t, &[])
    }

    fn op_const(&self, ir: &mut Ir, name: &str, x: Value, c: i64) -> Value {
        let y = self.index(ir, c);
        self.op(ir, name, x, y)
    }

    /// `x + c·y`, folded where `c` is 0 or 1.
    fn add_scaled(&self, ir: &mut Ir, x: Value, c: i64, y: Value) -> Value {
        match c {
            0 => x,
            1 => self.op(ir, "arith.addi", x, y),
            _ => {
                let s = self.op_const(ir, "arith.muli", y, c);
                self.op(ir, "arith.addi", x, s)
            }
        }
    }

    fn below(&self, ir: &mut Ir, x: Value, bound: i64) -> Value {
        let y = self.index(ir, bound);
        let ult = self.ctx.integer_attr(6, self.ctx.i64_type());
        self.builder(ir).value("arith.cmpi", &[x, y], self.ctx.i1(), &[("predicate", ult)])
    }

    fn and(&self, ir: &mut Ir, x: Option<Value>, y: Option<Value>) -> Option<Value> {
        match (x, y) {
            (Some(x), Some(y)) => Some(self.builder(ir).value("arith.andi", &[x, y], self.ctx.i1(), &[])),
            (x, y) => x.or(y),
        }
    }

    fn f32_const(&self, ir: &mut Ir, v: f64) -> Value {
        let f32 = self.ctx.f32_type();
        self.builder(ir).value("arith.constant", &[], f32, &[("value", self.ctx.float_attr(v, f32))])
    }

    /// The indices of `dims` (row-major, the last fastest) at flat position `flat`. Where
    /// the positions fit 32 bits the divisions are made in 32 bits: a step of K splits its
    /// position into channel and taps every time, and a 64-bit division by a constant is some
    /// 20 instructions on an H100 against 5.
    fn unflatten(&self, ir: &mut Ir, flat: Value, dims: &[Dim]) -> Vec<Value> {
        let narrow = self.narrow && dims.iter().filter(|d| d.count > 1).count() > 1;
        let int = if narrow { self.ctx.integer_type(32) } else { self.ctx.index_type() };
        let index = self.ctx.index_type();
        let mut rest = if narrow { self.builder(ir).value("arith.index_cast", &[flat], int, &[]) } else { flat };
        let mut ivs = vec![flat; dims.len()];
        for d in (0..dims.len()).rev() {
            let Dim { lower, count, step } = dims[d];
            let within = if count == 1 {
                self.index(ir, 0)
            } else {
                let c = self.builder(ir).value(
                    "arith.constant",
                    &[],
                    int,
                    &[("value", self.ctx.integer_attr(count.into(), int))],
                );
                let within = if d == 0 { rest } else { self.op(ir, "arith.remui", rest, c) };
                if d > 0 {
                    rest = self.op(ir, "arith.divui", rest, c);
                }
                if narrow {
                    self.builder(ir).value("arith.index_castui", &[within], index, &[])
                } else {
                    within
                }
            };
            let lower = self.index(ir, lower);
            ivs[d] = self.add_scaled(ir, lower, step, within);
        }
        ivs
    }
}

/// Clones the ops computing values of the nest (with their regions) at one insertion point,
/// the induction variables mapped to new values, each op once.
struct Cloner {
    nest: OpId,
    at: InsertPoint,
    map: IrMapping,
}

impl Cloner {
    fn new(nest: OpId, at: InsertPoint, ivs: impl IntoIterator<Item = (Value, Value)>) -> Self {
        let mut map = IrMapping::default();
        map.values.extend(ivs);
        Cloner { nest, at, map }
    }

    fn value(&mut self, ir: &mut Ir, v: Value) -> Value {
        if let Some(m) = self.map.values.get(&v) {
            return *m;
        }
        let ValueDef::Result { op, .. } = ir.value(v).def() else { return v };
        if !ir.is_ancestor(self.nest, op) {
            return v;
        }
        self.op(ir, op);
        self.map.lookup(v)
    }

    /// Clones `op` after what it reads from outside itself.
    fn op(&mut self, ir: &mut Ir, op: OpId) -> OpId {
        let inner = ir.collect_ops(op);
        let reads: Vec<Value> = inner.iter().flat_map(|o| ir.op(*o).operands().to_vec()).collect();
        for r in reads {
            let outside = match ir.value(r).def() {
                ValueDef::Result { op: d, .. } => !ir.is_ancestor(op, d),
                ValueDef::BlockArg { block, .. } => ir.block_parent_op(block).is_none_or(|p| !ir.is_ancestor(op, p)),
                ValueDef::Placeholder => false,
            };
            if outside {
                self.value(ir, r);
            }
        }
        let copy = ir.clone_op(op, &mut self.map);
        ir.insert_op(copy, self.at);
        copy
    }
}

/// A factor's tile loaded into workgroup memory: which element of it each of a thread's loads
/// takes.
struct Loads {
    /// (position along the side, position along K) of each load.
    at: Vec<(Value, Value)>,
}

/// The positions of a thread's loads of a `side` × `depth` tile: neighbouring threads along K
/// when the factor runs along K in memory, else along the side.
fn loads(at: &At, ir: &mut Ir, thread: Value, side: i64, depth: i64, threads: i64, along_k: bool) -> Loads {
    let per_thread = side * depth / threads;
    let mut out = Vec::new();
    if along_k {
        let kk = at.op_const(ir, "arith.remui", thread, depth);
        let first = at.op_const(ir, "arith.divui", thread, depth);
        for r in 0..per_thread {
            let mm = at.op_const(ir, "arith.addi", first, r * (threads / depth));
            out.push((mm, kk));
        }
    } else {
        let mm = at.op_const(ir, "arith.remui", thread, side);
        let first = at.op_const(ir, "arith.divui", thread, side);
        for r in 0..per_thread {
            let kk = at.op_const(ir, "arith.addi", first, r * (threads / side));
            out.push((mm, kk));
        }
    }
    Loads { at: out }
}

/// One factor's part of a step of K: its loads into workgroup memory.
struct Factor<'a> {
    value: Value,
    dims: &'a [usize],
    loads: Loads,
    /// Each load's induction variables along its side, and whether it is inside.
    side_ivs: Vec<(Vec<Value>, Option<Value>)>,
    buffer: Value,
}

/// What a step of K loads: each factor's elements of the tile at some `k0`.
struct Staging<'a> {
    nest: OpId,
    reductions: &'a [Dim],
    k: i64,
    depth: i64,
    /// The batch's induction variables, mapped.
    batch: Vec<(Value, Value)>,
    loop_ivs: &'a [Value],
    nest_ivs: &'a [Value],
    factors: &'a [Factor<'a>],
}

impl Staging<'_> {
    /// Each load's element of the tile starting at `k0` (zero outside the iteration space;
    /// `guard_k`: also wherever `k0` is past K, not only in a last partial step).
    fn values(&self, ir: &mut Ir, at: &At, k0: Value, guard_k: bool) -> Vec<Value> {
        let mut out = Vec::new();
        for f in self.factors {
            let mut k_ivs: FxHashMap<Value, (Vec<Value>, Option<Value>)> = FxHashMap::default();
            for (r, (_, kk)) in f.loads.at.iter().enumerate() {
                let (kivs, k_inside) = match k_ivs.get(kk) {
                    Some(v) => v.clone(),
                    None => {
                        let kf = at.op(ir, "arith.addi", k0, *kk);
                        let inside = (guard_k || self.k % self.depth != 0).then(|| at.below(ir, kf, self.k));
                        let v = (at.unflatten(ir, kf, self.reductions), inside);
                        k_ivs.insert(*kk, v.clone());
                        v
                    }
                };
                let (sivs, s_inside) = f.side_ivs[r].clone();
                let mut ivs: Vec<(Value, Value)> =
                    f.dims.iter().zip(&sivs).map(|(d, v)| (self.nest_ivs[*d], *v)).collect();
                ivs.extend(self.batch.iter().copied());
                ivs.extend(self.loop_ivs.iter().copied().zip(kivs));
                let inside = at.and(ir, s_inside, k_inside);
                out.push(clone_or_zero(ir, at, self.nest, ivs, f.value, inside));
            }
        }
        out
    }

    /// The loaded elements into workgroup memory.
    fn store(&self, ir: &mut Ir, at: &At, values: &[Value]) {
        let mut values = values.iter();
        for f in self.factors {
            for (mm, kk) in &f.loads.at {
                let v = *values.next().expect("a value per load");
                at.builder(ir).op("memref.store", &[v, f.buffer, *kk, *mm], &[], &[]);
            }
        }
    }
}

/// Blocks of a tiled kernel kept resident on a multiprocessor (`nvvm.minctasm`, so `ptxas`
/// holds a 256-thread block to 128 registers): on an H100 a 4096³ product took 4.3 ms with
/// two blocks of 120 registers and 5.1 ms with one of 130 (the next step's elements held).
const BLOCKS_PER_SM: i64 = 2;

/// The contraction as a launch (see the module's documentation); `prefetch`: the next step's
/// elements read before this step's products.
pub(super) fn launch(ctx: &Context, ir: &mut Ir, c: Contraction, prefetch: bool) -> Result<(), Diagnostic> {
    let nest = c.nest;
    let loc = ir.op(nest).loc();
    let t = c.tile;
    let f32 = ctx.f32_type();
    let index = ctx.index_type();
    let extent = |ds: &[usize]| ds.iter().map(|d| c.dims[*d].count).product::<i64>();
    let (m, n) = (extent(&c.rows), extent(&c.cols));
    let k: i64 = c.reductions.iter().map(|d| d.count).product();
    let (row_tiles, col_tiles) = (ceil(m, t.rows), ceil(n, t.cols));
    let batches = extent(&c.batch);
    let split = c.split;
    let grid = batches * row_tiles * col_tiles * split;
    let threads = t.threads();
    let buffer = |len: i64| {
        ctx.parse_type(&format!("memref<{}x{len}xf32, #gpu.address_space<workgroup>>", t.depth))
            .map_err(|e| Diagnostic::error(loc, format!("the workgroup buffer's type: {e:?}")))
    };
    let workgroup = [buffer(t.rows + PAD)?, buffer(t.cols + PAD)?];
    let before = InsertPoint::Before(nest);
    // Each part's sums: [part, batch, row, column].
    let outputs = batches * m * n;
    let workspace = (split > 1)
        .then(|| {
            let ty = ctx
                .parse_type(&format!("memref<{}xf32>", split * outputs))
                .map_err(|e| Diagnostic::error(loc, format!("the workspace's type: {e:?}")))?;
            // At the start of the function, not in a host loop around the nest (the runtime
            // plans allocations once; one per trip would also grow without end).
            let mut b = Builder::new(ctx, ir, function_start(ctx, ir, nest));
            b.loc = loc;
            Ok::<Value, Diagnostic>(b.value(
                "memref.alloc",
                &[],
                ty,
                &[("operandSegmentSizes", ctx.operand_segments(&[0, 0]))],
            ))
        })
        .transpose()?;
    let grid_v = index_const(ctx, ir, before, grid);
    let threads_v = index_const(ctx, ir, before, threads);
    let (launch, body) = build_launch(ctx, ir, nest, loc, grid_v, threads_v, &workgroup);
    ir.set_attr(launch, ctx.ident("nvvm.minctasm"), ctx.i64_attr(BLOCKS_PER_SM));
    let args = ir.block(body).args().to_vec();
    let (block, thread) = (args[0], args[3]);
    // Every flat position split into indices stays below these (a tile past the end, a step of
    // K past it: the prefetch of the last step).
    let narrow = [m + t.rows, n + t.cols, k + 2 * t.depth, grid].iter().all(|v| *v < i64::from(i32::MAX));
    let at = At::new(ctx, InsertPoint::BlockEnd(body), loc, narrow);

    // The block's tile: columns fastest, then rows, then the batch.
    let col_tile = at.op_const(ir, "arith.remui", block, col_tiles);
    let rest = at.op_const(ir, "arith.divui", block, col_tiles);
    let row_tile = at.op_const(ir, "arith.remui", rest, row_tiles);
    let rest = at.op_const(ir, "arith.divui", rest, row_tiles);
    let (part, batch_flat) = if split > 1 {
        (at.op_const(ir, "arith.remui", rest, split), at.op_const(ir, "arith.divui", rest, split))
    } else {
        (at.index(ir, 0), rest)
    };
    let dims_of = |ds: &[usize]| ds.iter().map(|d| c.dims[*d]).collect::<Vec<Dim>>();
    let batch_ivs = at.unflatten(ir, batch_flat, &dims_of(&c.batch));
    let row0 = at.op_const(ir, "arith.muli", row_tile, t.rows);
    let col0 = at.op_const(ir, "arith.muli", col_tile, t.cols);
    let nest_ivs = ir.block(*ir.region(ir.op(nest).regions()[0]).blocks().first().unwrap()).args().to_vec();
    let loop_ivs: Vec<Value> = c
        .loops
        .iter()
        .map(|l| ir.block(*ir.region(ir.op(*l).regions()[0]).blocks().first().unwrap()).args()[0])
        .collect();
    let map_side =
        |ds: &[usize], ivs: &[Value]| ds.iter().zip(ivs).map(|(d, v)| (nest_ivs[*d], *v)).collect::<Vec<_>>();

    // The thread's outputs: rows tm + i·(rows/thread_rows), columns tn + j·(cols/thread_cols).
    let (row_threads, col_threads) = (t.rows / t.thread_rows, t.cols / t.thread_cols);
    let (tm, tn) = if c.store_along_rows {
        (at.op_const(ir, "arith.remui", thread, row_threads), at.op_const(ir, "arith.divui", thread, row_threads))
    } else {
        (at.op_const(ir, "arith.divui", thread, col_threads), at.op_const(ir, "arith.remui", thread, col_threads))
    };
    let row_at: Vec<Value> = (0..t.thread_rows).map(|i| at.op_const(ir, "arith.addi", tm, i * row_threads)).collect();
    let col_at: Vec<Value> = (0..t.thread_cols).map(|j| at.op_const(ir, "arith.addi", tn, j * col_threads)).collect();
    let output = |ir: &mut Ir, base: Value, within: &[Value], ds: &[usize], e: i64, tile: i64| {
        within
            .iter()
            .map(|w| {
                let flat = at.op(ir, "arith.addi", base, *w);
                let inside = (e % tile != 0).then(|| at.below(ir, flat, e));
                // With a split, the workspace takes flat positions: no indices needed.
                let ivs = if split > 1 { vec![flat] } else { at.unflatten(ir, flat, &dims_of(ds)) };
                (ivs, inside)
            })
            .collect::<Vec<_>>()
    };
    // Each output's indices, computed where they are used (before the loop only for initial
    // values that depend on them), so they are not live across it.
    let outputs =
        |ir: &mut Ir| (output(ir, row0, &row_at, &c.rows, m, t.rows), output(ir, col0, &col_at, &c.cols, n, t.cols));
    type Side = Vec<(Vec<Value>, Option<Value>)>;
    let element_ivs = |(rows, cols): &(Side, Side), i: usize, j: usize| {
        let mut ivs = map_side(&c.rows, &rows[i].0);
        ivs.extend(map_side(&c.cols, &cols[j].0));
        ivs.extend(map_side(&c.batch, &batch_ivs));
        ivs
    };

    // Each factor's loads and their indices along its side, fixed over K.
    let factor = |ir: &mut Ir, value, dims, base, ext, side, along_k, buffer| {
        let loads = loads(&at, ir, thread, side, t.depth, threads, along_k);
        let side_ivs = loads
            .at
            .iter()
            .map(|(mm, _)| {
                let flat = at.op(ir, "arith.addi", base, *mm);
                let inside = (ext % side != 0).then(|| at.below(ir, flat, ext));
                (at.unflatten(ir, flat, &dims_of(dims)), inside)
            })
            .collect();
        Factor { value, dims, loads, side_ivs, buffer }
    };
    let factors = [
        factor(ir, c.a, &c.rows, row0, m, t.rows, c.a_along_k, args[12]),
        factor(ir, c.b, &c.cols, col0, n, t.cols, c.b_along_k, args[13]),
    ];

    // The sums start from the loop's initial value.
    let outer = c.loops[0];
    let init = ir.op(outer).operands()[3];
    let sums = (t.thread_rows * t.thread_cols) as usize;
    let inits = match ir.value(init).def() {
        // A part's sums start from zero; the second launch adds the initial value.
        _ if split > 1 => vec![at.f32_const(ir, 0.0); sums],
        // Computed per output (it may read memory): only for outputs inside the iteration
        // space; the others' sums are never stored.
        ValueDef::Result { op, .. } if ir.is_ancestor(nest, op) => {
            let out = outputs(ir);
            let mut inits = Vec::new();
            for i in 0..t.thread_rows as usize {
                for j in 0..t.thread_cols as usize {
                    let ivs = element_ivs(&out, i, j);
                    let inside = at.and(ir, out.0[i].1, out.1[j].1);
                    inits.push(clone_or_zero(ir, &at, nest, ivs, init, inside));
                }
            }
            inits
        }
        _ => vec![init; sums],
    };

    // The steps of K, the first staged before them.
    let zero = at.index(ir, 0);
    let staging = Staging {
        nest,
        reductions: &c.reductions,
        k,
        depth: t.depth,
        batch: map_side(&c.batch, &batch_ivs),
        loop_ivs: &loop_ivs,
        nest_ivs: &nest_ivs,
        factors: &factors,
    };
    // The block's part of the steps (a last part may be empty).
    let steps = ceil(k, t.depth);
    let (first_step, last_step) = if split > 1 {
        let per = ceil(steps, split);
        let first = at.op_const(ir, "arith.muli", part, per);
        let end = at.op_const(ir, "arith.addi", first, per);
        let all = at.index(ir, steps);
        (first, at.op(ir, "arith.minui", end, all))
    } else {
        (zero, at.index(ir, steps))
    };
    let k_first = at.op_const(ir, "arith.muli", first_step, t.depth);
    let first = staging.values(ir, &at, k_first, split > 1);
    staging.store(ir, &at, &first);
    at.builder(ir).op("gpu.barrier", &[], &[], &[]);
    let one = at.index(ir, 1);
    let mut operands = vec![first_step, last_step, one];
    operands.extend(&inits);
    let kloop = at
        .builder(ir)
        .insert(OpState::new(ctx, "scf.for", loc).operands(&operands).results(&vec![f32; sums]).regions(1));
    let mut block_args = vec![index];
    block_args.extend(vec![f32; sums]);
    let kbody = ir.create_block(&block_args);
    ir.append_block(ir.op(kloop).regions()[0], kbody);
    let kargs = ir.block(kbody).args().to_vec();
    let kin = At::new(ctx, InsertPoint::BlockEnd(kbody), loc, narrow);
    // The next step's elements are read from global memory first, so their latency hides
    // behind this step's products; they are stored after it (the last step reads nothing: all
    // of K is behind it, so its elements are zeros).
    let prefetched = prefetch.then(|| {
        let next = kin.op_const(ir, "arith.addi", kargs[0], 1);
        let k_next = kin.op_const(ir, "arith.muli", next, t.depth);
        staging.values(ir, &kin, k_next, true)
    });

    let mut acc: Vec<Value> = kargs[1..].to_vec();
    for kk in 0..t.depth {
        let kkv = kin.index(ir, kk);
        let av: Vec<Value> = row_at
            .iter()
            .map(|r| kin.builder(ir).value("memref.load", &[factors[0].buffer, kkv, *r], f32, &[]))
            .collect();
        let bv: Vec<Value> = col_at
            .iter()
            .map(|cc| kin.builder(ir).value("memref.load", &[factors[1].buffer, kkv, *cc], f32, &[]))
            .collect();
        for (i, a) in av.iter().enumerate() {
            for (j, b) in bv.iter().enumerate() {
                let s = i * bv.len() + j;
                let p = kin.builder(ir).value("arith.mulf", &[*a, *b], f32, &[]);
                acc[s] = kin.builder(ir).value("arith.addf", &[acc[s], p], f32, &[]);
            }
        }
    }
    kin.builder(ir).op("gpu.barrier", &[], &[], &[]);
    // Without the prefetch, the next step's elements are read here (the last step's are all
    // past K, so zeros).
    let next_values = match prefetched {
        Some(values) => values,
        None => {
            let next = kin.op_const(ir, "arith.addi", kargs[0], 1);
            let k_next = kin.op_const(ir, "arith.muli", next, t.depth);
            staging.values(ir, &kin, k_next, true)
        }
    };
    staging.store(ir, &kin, &next_values);
    kin.builder(ir).op("gpu.barrier", &[], &[], &[]);
    kin.builder(ir).op("scf.yield", &acc, &[], &[]);

    // What the body did with each sum (or, split, the part's sums into the workspace).
    let sum = ir.op(outer).result(0);
    let out = outputs(ir);
    let part_base = workspace.map(|_| {
        let p = at.op_const(ir, "arith.muli", part, batches);
        let p = at.op(ir, "arith.addi", p, batch_flat);
        at.op_const(ir, "arith.muli", p, m * n)
    });
    for i in 0..t.thread_rows as usize {
        for j in 0..t.thread_cols as usize {
            let s = ir.op(kloop).result(i * t.thread_cols as usize + j);
            let inside = at.and(ir, out.0[i].1, out.1[j].1);
            if let (Some(ws), Some(base)) = (workspace, part_base) {
                let r = at.op_const(ir, "arith.muli", out.0[i].0[0], n);
                let at_row = at.op(ir, "arith.addi", base, r);
                let position = at.op(ir, "arith.addi", at_row, out.1[j].0[0]);
                let place = guarded(ctx, ir, &at, inside);
                Builder::new(ctx, ir, place).op("memref.store", &[s, ws, position], &[], &[]);
                continue;
            }
            let mut ivs = element_ivs(&out, i, j);
            ivs.push((sum, s));
            let place = guarded(ctx, ir, &at, inside);
            let mut cl = Cloner::new(nest, place, ivs);
            for op in &c.epilogue {
                cl.op(ir, *op);
            }
        }
    }
    Builder::at_end(ctx, ir, body).op("gpu.terminator", &[], &[], &[]);
    if let Some(ws) = workspace {
        combine_parts(ctx, ir, &c, ws, &nest_ivs)?;
    }
    ir.erase_op(nest);
    Ok(())
}

/// The start of the entry block of the function around `op` (before `op` if there is none).
fn function_start(ctx: &Context, ir: &Ir, op: OpId) -> InsertPoint {
    let mut at = op;
    while let Some(parent) = ir.parent_op(at) {
        if ctx.ident_str(ir.op(parent).name()) == "func.func" {
            if let Some(entry) = ir.op(parent).regions().first().and_then(|r| ir.region(*r).blocks().first()) {
                return InsertPoint::BlockStart(*entry);
            }
        }
        at = parent;
    }
    InsertPoint::Before(op)
}

/// `value` of the nest cloned at `at` with `ivs`: under an `scf.if` on `inside` (when there
/// is a condition) that yields `0.0` otherwise, so nothing past the iteration space is read.
fn clone_or_zero(
    ir: &mut Ir,
    at: &At,
    nest: OpId,
    ivs: Vec<(Value, Value)>,
    value: Value,
    inside: Option<Value>,
) -> Value {
    let Some(inside) = inside else { return Cloner::new(nest, at.at, ivs).value(ir, value) };
    let (ctx, loc, f32) = (at.ctx, at.loc, at.ctx.f32_type());
    let guard = at.builder(ir).insert(OpState::new(ctx, "scf.if", loc).operands(&[inside]).results(&[f32]).regions(2));
    let then = ir.create_block(&[]);
    ir.append_block(ir.op(guard).regions()[0], then);
    let v = Cloner::new(nest, InsertPoint::BlockEnd(then), ivs).value(ir, value);
    Builder::at_end(ctx, ir, then).op("scf.yield", &[v], &[], &[]);
    let otherwise = ir.create_block(&[]);
    ir.append_block(ir.op(guard).regions()[1], otherwise);
    let zero = At::new(ctx, InsertPoint::BlockEnd(otherwise), loc, false).f32_const(ir, 0.0);
    Builder::at_end(ctx, ir, otherwise).op("scf.yield", &[zero], &[], &[]);
    ir.op(guard).result(0)
}

/// Inserts at `at` an `scf.if` on `inside` (when there is a condition) and returns where its
/// body goes.
fn guarded(ctx: &Context, ir: &mut Ir, at: &At, inside: Option<Value>) -> InsertPoint {
    match inside {
        None => at.at,
        Some(inside) => {
            let guard = at.builder(ir).insert(OpState::new(ctx, "scf.if", at.loc).operands(&[inside]).regions(2));
            let then = ir.create_block(&[]);
            ir.append_block(ir.op(guard).regions()[0], then);
            Builder::at_end(ctx, ir, then).op("scf.yield", &[], &[], &[]);
            InsertPoint::Before(ir.block(then).last_op().expect("the yield"))
        }
    }
}

/// The second launch of a split product: a thread per output adds the loop's initial value and
/// the parts' sums, in order, and does what the body did with the sum.
fn combine_parts(
    ctx: &Context,
    ir: &mut Ir,
    c: &Contraction,
    workspace: Value,
    nest_ivs: &[Value],
) -> Result<(), Diagnostic> {
    const THREADS: i64 = 256;
    let nest = c.nest;
    let loc = ir.op(nest).loc();
    let f32 = ctx.f32_type();
    let extent = |ds: &[usize]| ds.iter().map(|d| c.dims[*d].count).product::<i64>();
    let (m, n, batches) = (extent(&c.rows), extent(&c.cols), extent(&c.batch));
    let outputs = batches * m * n;
    let before = InsertPoint::Before(nest);
    let grid = index_const(ctx, ir, before, ceil(outputs, THREADS));
    let threads = index_const(ctx, ir, before, THREADS);
    let (_, body) = build_launch(ctx, ir, nest, loc, grid, threads, &[]);
    let args = ir.block(body).args().to_vec();
    let narrow = outputs + THREADS < i64::from(i32::MAX);
    let end = Builder::at_end(ctx, ir, body).op("gpu.terminator", &[], &[], &[]);
    let at = At::new(ctx, InsertPoint::Before(end), loc, narrow);
    let first = at.op_const(ir, "arith.muli", args[0], THREADS);
    let flat = at.op(ir, "arith.addi", first, args[3]);
    let inside = (outputs % THREADS != 0).then(|| at.below(ir, flat, outputs));
    let place = guarded(ctx, ir, &at, inside);
    let at = At::new(ctx, place, loc, narrow);

    // The output's indices: [batch, row, column] row-major, each side as the nest's dimensions.
    let dims_of = |ds: &[usize]| ds.iter().map(|d| c.dims[*d]).collect::<Vec<Dim>>();
    let column = at.op_const(ir, "arith.remui", flat, n);
    let rest = at.op_const(ir, "arith.divui", flat, n);
    let row = at.op_const(ir, "arith.remui", rest, m);
    let batch = at.op_const(ir, "arith.divui", rest, m);
    let mut ivs = Vec::new();
    for (ds, v) in [(&c.rows, row), (&c.cols, column), (&c.batch, batch)] {
        let split = at.unflatten(ir, v, &dims_of(ds));
        ivs.extend(ds.iter().zip(split).map(|(d, x)| (nest_ivs[*d], x)));
    }
    let init = ir.op(c.loops[0]).operands()[3];
    let mut sum = Cloner::new(nest, at.at, ivs.clone()).value(ir, init);
    for p in 0..c.split {
        let position = at.op_const(ir, "arith.addi", flat, p * outputs);
        let v = at.builder(ir).value("memref.load", &[workspace, position], f32, &[]);
        sum = at.builder(ir).value("arith.addf", &[sum, v], f32, &[]);
    }
    ivs.push((ir.op(c.loops[0]).result(0), sum));
    let mut cl = Cloner::new(nest, at.at, ivs);
    for op in &c.epilogue {
        cl.op(ir, *op);
    }
    Ok(())
}
