//! Loop-building helpers: index constants and arithmetic, parallel nests, counted loops with
//! a carried value, conditionals, loads and stores, and layout-aware addressing.

use strata_dialects::nn::shape::Layout;
use strata_ir::{BlockId, Builder, Context, InsertPoint, Ir, Location, OpState, Type, Value};

/// Emits ops at an insertion point.
pub struct Emit<'c, 'i> {
    pub ctx: &'c Context,
    pub ir: &'i mut Ir,
    pub at: InsertPoint,
    /// Where the next result buffer goes when the memory plan placed it: the arena and the
    /// byte offset. Taken by the first [`Emit::alloc`].
    pub planned: Option<(Value, i64)>,
    /// With a memory plan, scratch buffers go to the arena too, after the planned part: the
    /// arena and the next free byte of the current op's scratch.
    pub scratch_at: Option<(Value, i64)>,
    /// The location of the op being lowered: every op emitted for it carries it, so errors in
    /// later passes and at run time point at the source.
    pub loc: Location,
    /// The packed GEMM's tile and blockings for the target.
    pub gemm: super::gemm::GemmKernel,
}

impl<'c, 'i> Emit<'c, 'i> {
    pub fn b(&mut self) -> Builder<'c, '_> {
        let mut b = Builder::new(self.ctx, self.ir, self.at);
        b.loc = self.loc;
        b
    }

    pub fn value(&mut self, name: &str, operands: &[Value], ty: Type) -> Value {
        self.b().value(name, operands, ty, &[])
    }

    pub fn index(&mut self, v: i64) -> Value {
        let (t, a) = (self.ctx.index_type(), self.ctx.integer_attr(v as i128, self.ctx.index_type()));
        self.b().value("arith.constant", &[], t, &[("value", a)])
    }

    fn index_op(&mut self, name: &str, a: Value, b: Value) -> Value {
        let t = self.ctx.index_type();
        self.value(name, &[a, b], t)
    }
    pub fn add(&mut self, a: Value, b: Value) -> Value {
        self.index_op("arith.addi", a, b)
    }
    pub fn mul(&mut self, a: Value, b: Value) -> Value {
        self.index_op("arith.muli", a, b)
    }
    pub fn sub(&mut self, a: Value, b: Value) -> Value {
        self.index_op("arith.subi", a, b)
    }
    pub fn div(&mut self, a: Value, b: Value) -> Value {
        self.index_op("arith.divsi", a, b)
    }
    pub fn rem(&mut self, a: Value, b: Value) -> Value {
        self.index_op("arith.remsi", a, b)
    }
    /// `a * k + c` with constants `k` and `c` (folded when trivial).
    pub fn affine(&mut self, a: Value, k: i64, c: i64) -> Value {
        let scaled = if k == 1 {
            a
        } else {
            let kv = self.index(k);
            self.mul(a, kv)
        };
        if c == 0 {
            scaled
        } else {
            let cv = self.index(c);
            self.add(scaled, cv)
        }
    }

    /// `0 <= v < bound`.
    pub fn in_range(&mut self, v: Value, bound: i64) -> Value {
        let (zero, hi) = (self.index(0), self.index(bound));
        let i1 = self.ctx.integer_type(1);
        let (sge, slt) =
            (self.ctx.integer_attr(5, self.ctx.integer_type(64)), self.ctx.integer_attr(2, self.ctx.integer_type(64)));
        let lo_ok = self.b().value("arith.cmpi", &[v, zero], i1, &[("predicate", sge)]);
        let hi_ok = self.b().value("arith.cmpi", &[v, hi], i1, &[("predicate", slt)]);
        self.value("arith.andi", &[lo_ok, hi_ok], i1)
    }

    pub fn load(&mut self, m: Value, idx: &[Value]) -> Value {
        let elem = self.ctx.element_type_or_self(self.ir.value_type(m));
        let mut operands = vec![m];
        operands.extend_from_slice(idx);
        self.value("memref.load", &operands, elem)
    }

    pub fn store(&mut self, v: Value, m: Value, idx: &[Value]) {
        let mut operands = vec![v, m];
        operands.extend_from_slice(idx);
        self.b().op("memref.store", &operands, &[], &[]);
    }

    /// A scratch buffer of the lowering itself (never the op's planned result): in the
    /// arena past the planned part when there is a plan, else a fresh allocation.
    pub fn scratch(&mut self, shape: &[i64], elem: Type) -> Value {
        let t = self.ctx.memref_type(shape.to_vec(), elem);
        match self.scratch_at {
            Some((arena, offset)) => {
                let bits = self.ctx.int_or_float_width(elem).unwrap_or(32) as i64;
                let bytes = (shape.iter().product::<i64>().max(0) as u64 * bits as u64).div_ceil(8);
                self.scratch_at = Some((arena, offset + (bytes.div_ceil(64) * 64) as i64));
                let off = self.index(offset);
                self.b().value("memref.view", &[arena, off], t, &[])
            }
            None => self.fresh(t),
        }
    }

    /// A `memref.alloc` of static type `t` (no dynamic sizes, no symbols).
    fn fresh(&mut self, t: Type) -> Value {
        self.static_alloc("memref.alloc", t)
    }

    /// `memref.alloc` or `memref.alloca` (`name`) of static type `t`.
    fn static_alloc(&mut self, name: &str, t: Type) -> Value {
        let segments = self.ctx.operand_segments(&[0, 0]);
        self.b().value(name, &[], t, &[("operandSegmentSizes", segments)])
    }

    /// The buffer of an op's result: a view into the arena where the memory plan put it,
    /// else a fresh allocation.
    pub fn alloc(&mut self, shape: &[i64], elem: Type) -> Value {
        let t = self.ctx.memref_type(shape.to_vec(), elem);
        match self.planned.take() {
            Some((arena, offset)) => {
                let off = self.index(offset);
                self.b().value("memref.view", &[arena, off], t, &[])
            }
            None => self.fresh(t),
        }
    }

    /// Runs `f` with the insertion point at the end of `block`.
    pub fn within<R>(&mut self, block: BlockId, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = self.at;
        self.at = InsertPoint::BlockEnd(block);
        let r = f(self);
        self.at = saved;
        r
    }

    fn region_op(
        &mut self,
        name: &str,
        operands: &[Value],
        results: &[Type],
        attrs: &[(&str, strata_ir::Attribute)],
        args: &[Type],
    ) -> (strata_ir::OpId, BlockId) {
        let mut state = OpState::new(self.ctx, name, self.loc).operands(operands).results(results).regions(1);
        for (n, a) in attrs {
            state = state.attr(self.ctx, n, *a);
        }
        let op = self.b().insert(state);
        let block = self.ir.create_block(args);
        let region = self.ir.op(op).regions()[0];
        self.ir.append_block(region, block);
        (op, block)
    }

    /// `scf.parallel` over `0..ubs[d]` (no reductions): `f` gets the induction variables.
    pub fn parallel(&mut self, ubs: &[i64], f: impl FnOnce(&mut Self, &[Value])) {
        if ubs.is_empty() {
            f(self, &[]);
            return;
        }
        let zeros: Vec<Value> = ubs.iter().map(|_| self.index(0)).collect();
        let highs: Vec<Value> = ubs.iter().map(|u| self.index(*u)).collect();
        self.parallel_between(&zeros, &highs, f);
    }

    /// An `scf.parallel` nest over `[lows[d], highs[d])` in each dimension `d` (not empty).
    pub fn parallel_between(&mut self, lows: &[Value], highs: &[Value], f: impl FnOnce(&mut Self, &[Value])) {
        let ones: Vec<Value> = lows.iter().map(|_| self.index(1)).collect();
        let (_, block) = strata_dialects::scf::build_parallel(&mut self.b(), lows, highs, &ones);
        let ivs = self.ir.block(block).args().to_vec();
        self.within(block, |e| {
            f(e, &ivs);
            e.b().op("scf.reduce", &[], &[], &[]);
        });
    }

    /// `scf.for` over `0..ub` carrying `init`; `f` gets the induction variable and the carried
    /// value and returns the next one. Returns the final value.
    pub fn for_acc(&mut self, ub: i64, init: Value, f: impl FnOnce(&mut Self, Value, Value) -> Value) -> Value {
        let (lo, hi, one) = (self.index(0), self.index(ub), self.index(1));
        let t = self.ir.value_type(init);
        let index = self.ctx.index_type();
        let (op, block) = self.region_op("scf.for", &[lo, hi, one, init], &[t], &[], &[index, t]);
        let args = self.ir.block(block).args().to_vec();
        self.within(block, |e| {
            let next = f(e, args[0], args[1]);
            e.b().op("scf.yield", &[next], &[], &[]);
        });
        self.ir.op(op).result(0)
    }

    /// `scf.for` over `0..ub` without carried values.
    pub fn for_each(&mut self, ub: i64, f: impl FnOnce(&mut Self, Value)) {
        let (lo, hi, one) = (self.index(0), self.index(ub), self.index(1));
        let index = self.ctx.index_type();
        let (_, block) = self.region_op("scf.for", &[lo, hi, one], &[], &[], &[index]);
        let iv = self.ir.block(block).args()[0];
        self.within(block, |e| {
            f(e, iv);
            e.b().op("scf.yield", &[], &[], &[]);
        });
    }

    /// `scf.for` over `lo..hi` carrying `inits`; `f` gets the induction variable and the
    /// carried values and returns the next ones. Returns the final values.
    pub fn for_range(
        &mut self,
        lo: Value,
        hi: Value,
        inits: &[Value],
        f: impl FnOnce(&mut Self, Value, &[Value]) -> Vec<Value>,
    ) -> Vec<Value> {
        self.for_range_by(lo, hi, 1, inits, f)
    }

    /// [`Self::for_range`] with a step of `step`.
    pub fn for_range_by(
        &mut self,
        lo: Value,
        hi: Value,
        step: i64,
        inits: &[Value],
        f: impl FnOnce(&mut Self, Value, &[Value]) -> Vec<Value>,
    ) -> Vec<Value> {
        let step = self.index(step);
        let types: Vec<Type> = inits.iter().map(|v| self.ir.value_type(*v)).collect();
        let index = self.ctx.index_type();
        let mut operands = vec![lo, hi, step];
        operands.extend_from_slice(inits);
        let mut args = vec![index];
        args.extend(types.iter().copied());
        let (op, block) = self.region_op("scf.for", &operands, &types, &[], &args);
        let params = self.ir.block(block).args().to_vec();
        self.within(block, |e| {
            let next = f(e, params[0], &params[1..]);
            e.b().op("scf.yield", &next, &[], &[]);
        });
        self.ir.op(op).results().to_vec()
    }

    /// `m` as one dimension (`memref.collapse_shape`), the same elements in the same order.
    pub fn flat(&mut self, m: Value) -> Value {
        let t = self.ir.value_type(m);
        let shape = self.ctx.shape(t).expect("a ranked memref").to_vec();
        let elem = self.ctx.element_type_or_self(t);
        let i64t = self.ctx.integer_type(64);
        let dims = (0..shape.len()).map(|d| self.ctx.integer_attr(d as i128, i64t)).collect();
        let group = self.ctx.intern_attr(strata_ir::AttrKind::Array(dims));
        let reassociation = self.ctx.intern_attr(strata_ir::AttrKind::Array(vec![group]));
        let flat = self.ctx.memref_type(vec![shape.iter().product()], elem);
        self.b().value("memref.collapse_shape", &[m], flat, &[("reassociation", reassociation)])
    }

    /// The row-major offset of `idx` in an array of `shape`, ending in `+ idx.last()` (which
    /// `vectorize` reads as contiguous when that index is its lane).
    pub fn linearize(&mut self, idx: &[Value], shape: &[i64]) -> Value {
        let Some((first, rest)) = idx.split_first() else { return self.index(0) };
        let mut flat = *first;
        for (i, d) in rest.iter().zip(&shape[1..]) {
            let scaled = self.affine(flat, *d, 0);
            flat = self.add(scaled, *i);
        }
        flat
    }

    /// The smaller of two indices.
    pub fn min(&mut self, a: Value, b: Value) -> Value {
        self.index_op("arith.minsi", a, b)
    }

    /// A buffer on the stack of the current region (a tile's private scratch).
    pub fn alloca(&mut self, shape: &[i64], elem: Type) -> Value {
        let t = self.ctx.memref_type(shape.to_vec(), elem);
        self.static_alloc("memref.alloca", t)
    }

    /// `scf.if` yielding `then()` or `otherwise()` (both of type `t`).
    pub fn select_if(
        &mut self,
        cond: Value,
        t: Type,
        then: impl FnOnce(&mut Self) -> Value,
        otherwise: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        let state = OpState::new(self.ctx, "scf.if", self.loc).operands(&[cond]).results(&[t]).regions(2);
        let op = self.b().insert(state);
        for region in self.ir.op(op).regions().to_vec() {
            let block = self.ir.create_block(&[]);
            self.ir.append_block(region, block);
        }
        let regions = self.ir.op(op).regions().to_vec();
        let then_block = self.ir.region(regions[0]).blocks()[0];
        let else_block = self.ir.region(regions[1]).blocks()[0];
        self.within(then_block, |e| {
            let v = then(e);
            e.b().op("scf.yield", &[v], &[], &[]);
        });
        self.within(else_block, |e| {
            let v = otherwise(e);
            e.b().op("scf.yield", &[v], &[], &[]);
        });
        self.ir.op(op).result(0)
    }
}

impl Emit<'_, '_> {
    /// `scf.if` without results and without an else region: `then()` runs when `cond` holds.
    pub fn if_then(&mut self, cond: Value, then: impl FnOnce(&mut Self)) {
        let state = OpState::new(self.ctx, "scf.if", self.loc).operands(&[cond]).regions(2);
        let op = self.b().insert(state);
        let region = self.ir.op(op).regions()[0];
        let block = self.ir.create_block(&[]);
        self.ir.append_block(region, block);
        self.within(block, |e| {
            then(e);
            e.b().op("scf.yield", &[], &[], &[]);
        });
    }

    /// `a < b` on indices.
    pub fn less(&mut self, a: Value, b: Value) -> Value {
        let i1 = self.ctx.integer_type(1);
        let slt = self.ctx.integer_attr(2, self.ctx.integer_type(64));
        self.b().value("arith.cmpi", &[a, b], i1, &[("predicate", slt)])
    }
}

/// The physical index of logical element (n, c, h, w) of a tensor in `layout`.
pub fn physical(e: &mut Emit, layout: Layout, [n, c, h, w]: [Value; 4]) -> Vec<Value> {
    match layout {
        Layout::Nchw => vec![n, c, h, w],
        Layout::Nhwc => vec![n, h, w, c],
        Layout::Nchw4c | Layout::Nchw8c => {
            let b = e.index(layout.block().unwrap_or(1));
            let (outer, inner) = (e.div(c, b), e.rem(c, b));
            vec![n, outer, h, w, inner]
        }
    }
}

/// The physical index of element (n, channel block · `block` + lane, h, w) in `layout`, whose
/// block (if any) is `block`: no division, and the channel written `addi(block start, lane)`,
/// which `vectorize` reads as contiguous.
pub fn physical_blocked(e: &mut Emit, layout: Layout, block: i64, [n, cb, lane, h, w]: [Value; 5]) -> Vec<Value> {
    let channel = |e: &mut Emit| {
        let start = e.affine(cb, block, 0);
        e.add(start, lane)
    };
    match layout {
        Layout::Nchw => vec![n, channel(e), h, w],
        Layout::Nhwc => {
            let c = channel(e);
            vec![n, h, w, c]
        }
        Layout::Nchw4c | Layout::Nchw8c => vec![n, cb, h, w, lane],
    }
}
