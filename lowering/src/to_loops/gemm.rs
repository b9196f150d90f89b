//! Matrix products as a packed, register-blocked GEMM in `vector` ops, the shape of a BLAS
//! kernel written at the loop level (so the interpreter checks it and every code generator
//! gets it):
//!
//! 1. Pack A into row panels of [`MR`] rows, k-major (`Ap[batch][M/MR][K][MR]`), and B into
//!    column panels of [`NR`] columns (`Bp[batch][N/NR][K][NR]`), zero-padded to whole panels,
//!    so the micro-kernel reads both contiguously and never needs an edge case.
//! 2. For each column panel (the parallel dimension) and each block of [`KC`] steps of k, for
//!    each row panel: an MR × NR tile of accumulators, `MR · NR / 4` vectors of four lanes
//!    held in registers across the k loop, each step one broadcast of an A element per row and
//!    one vector load of B per four columns, multiplied and added (fused by the code
//!    generator). Tiles accumulate into a padded result `Cp`, kept per panel in cache.
//! 3. The valid part of `Cp` goes to the real result through `finish` (bias, epilogue, layout).
//!
//! Panels are flat buffers: the micro-kernel's loop carries one offset per operand, so every
//! load of a step is a register plus a constant (no index arithmetic, and no address registers
//! spilled). A can also be plain rows written by the caller ([`PackedGemm::with_a_rows`]),
//! read at constant distances (the row stride) from one offset.
//!
//! 4 × 8 uses 8 accumulators, 2 B vectors per step (4 with the unrolling) and the broadcasts
//! with their copies (Cranelift's x86-64 FMA overwrites a factor): within the 16 vector
//! registers of x86-64 (AArch64 has 32). Larger tiles spill there. KC = 256 keeps a B panel
//! block (8 KiB) in L1 while A streams from L2.

use strata_ir::{Type, Value};

use super::emit::Emit;
use super::ops::zero;

/// Rows of a micro-tile.
pub const MR: i64 = 4;
/// Columns of a micro-tile: two vectors of four lanes.
pub const NR: i64 = 8;
/// Steps of k per block.
pub const KC: i64 = 256;
/// Rows per block of A (MC × KC floats stay in L2).
pub const MC: i64 = 256;
/// Steps of k per iteration of the micro-kernel's loop (K is padded with zeros to a multiple).
pub const UNROLL: i64 = 2;
const LANES: i64 = 4;

/// A batch of `batch` products of (m × k) by (k × n).
#[derive(Clone, Copy, Debug)]
pub struct GemmShape {
    pub batch: i64,
    pub m: i64,
    pub n: i64,
    pub k: i64,
}

impl GemmShape {
    /// Whether the packed kernel pays off: f32, and more than a sliver of a tile in each
    /// direction (a matrix-vector product would waste most of every tile).
    pub fn worth_packing(&self, e: &Emit, elem: Type) -> bool {
        e.ctx.type_to_string(elem) == "f32" && self.m >= 2 && self.n >= 4 && self.k >= 4
    }
}

/// Packed operands kept across calls: for an operand that is a constant (weights), its panels
/// go to a static buffer of this name, packed on the first call only (a flag beside it, `i32`
/// 1 once filled, says so).
#[derive(Clone, Debug, Default)]
pub struct PackCache {
    pub a: Option<String>,
    pub b: Option<String>,
}

/// Emits `finish(C[b, i, j], [b, i, j])` for C = A · B, reading A and B element by element
/// through `load_a([b, i, kk])` and `load_b([b, kk, j])` when packing. `prelude` runs before A
/// is packed (and, when A's panels are cached, only when they are packed): what A's loads read
/// is made there.
#[allow(clippy::too_many_arguments)]
pub fn packed_gemm(
    e: &mut Emit,
    s: GemmShape,
    elem: Type,
    cache: PackCache,
    prelude: impl FnOnce(&mut Emit),
    load_a: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    load_b: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    finish: impl FnOnce(&mut Emit, Value, [Value; 3]),
) {
    let g = PackedGemm::new(e, s, elem, &cache);
    g.pack_a(e, prelude, load_a);
    g.pack_b(e, |_| {}, load_b);
    g.compute(e);
    g.finish(e, finish);
}

/// The packed GEMM step by step, for callers that write B's panels or read the padded result
/// themselves (Winograd's transforms, which then need no copy of their own).
pub struct PackedGemm {
    pub shape: GemmShape,
    elem: Type,
    a_pack: (Value, Option<Value>),
    /// How the micro-kernel reads A.
    a_layout: ALayout,
    b_pack: (Value, Option<Value>),
    /// The padded result, `[batch, M rounded up to MR, N rounded up to NR]`.
    pub c_pad: Value,
    mb: i64,
    nb: i64,
    kq: i64,
}

impl PackedGemm {
    /// Buffers for the panels (static where `cache` names them) and the padded result.
    pub fn new(e: &mut Emit, s: GemmShape, elem: Type, cache: &PackCache) -> PackedGemm {
        Self::build(e, s, elem, cache, ALayout::Panels)
    }

    fn build(e: &mut Emit, s: GemmShape, elem: Type, cache: &PackCache, a_layout: ALayout) -> PackedGemm {
        let (mb, nb) = ((s.m + MR - 1) / MR, (s.n + NR - 1) / NR);
        let kq = (s.k + UNROLL - 1) / UNROLL;
        // Flat, so the micro-kernel walks them with one offset each (see `micro_tile`).
        let a_pack = match a_layout {
            ALayout::Panels => panels(e, &cache.a, s.batch * mb * kq * UNROLL * MR, elem),
            ALayout::Rows { stride } => (e.scratch(&[s.batch * mb * MR * stride], elem), None),
        };
        let b_pack = panels(e, &cache.b, s.batch * nb * kq * UNROLL * NR, elem);
        let c_pad = e.scratch(&[s.batch, mb * MR, nb * NR], elem);
        PackedGemm { shape: s, elem, a_pack, a_layout, b_pack, c_pad, mb, nb, kq }
    }

    /// A GEMM whose A the caller writes as plain rows ([`Self::store_a`]) instead of panels:
    /// a producer vectorized along k (Winograd's input transform, channels innermost) writes
    /// them with whole vectors, which panels (k-major) would scatter.
    pub fn with_a_rows(e: &mut Emit, s: GemmShape, elem: Type, cache_b: Option<String>) -> PackedGemm {
        let stride = (s.k + UNROLL - 1) / UNROLL * UNROLL;
        Self::build(e, s, elem, &PackCache { a: None, b: cache_b }, ALayout::Rows { stride })
    }

    /// For a caller writing A's rows ([`Self::with_a_rows`]): zeros in the rows past M and
    /// the columns past K that tiles and the unrolling read (nothing when there are none).
    pub fn clear_a_padding(&self, e: &mut Emit) {
        let ALayout::Rows { stride } = self.a_layout else { return };
        let (s, buffer, rows) = (self.shape, self.a_pack.0, self.mb * MR);
        let z = zero(e, self.elem);
        let clear = |e: &mut Emit, [rows_from, rows_to, cols_from]: [i64; 3]| {
            if rows_from < rows_to && cols_from < stride {
                e.parallel(&[s.batch, rows_to - rows_from, stride - cols_from], |e, ivs| {
                    let row = e.affine(ivs[1], 1, rows_from);
                    let col = e.affine(ivs[2], 1, cols_from);
                    let at = e.linearize(&[ivs[0], row, col], &[s.batch, rows, stride]);
                    e.store(z, buffer, &[at]);
                });
            }
        };
        clear(e, [s.m, rows, 0]);
        clear(e, [0, s.m, s.k]);
    }

    /// Stores `v` as element (i, kk) of batch `b` of A, for a GEMM made
    /// [`Self::with_a_rows`]; `kk` is the last term of the address, so a nest along k
    /// vectorizes.
    pub fn store_a(&self, e: &mut Emit, v: Value, [b, i, kk]: [Value; 3]) {
        let ALayout::Rows { stride } = self.a_layout else { panic!("store_a needs a GEMM with A as rows") };
        let at = e.linearize(&[b, i, kk], &[self.shape.batch, self.mb * MR, stride]);
        e.store(v, self.a_pack.0, &[at]);
    }

    /// Panels of A: rows past M and steps past K are zeros.
    pub fn pack_a(
        &self,
        e: &mut Emit,
        prelude: impl FnOnce(&mut Emit),
        load_a: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    ) {
        let s = self.shape;
        self.pack(e, self.a_pack, [self.mb, MR, s.m], prelude, load_a);
    }

    /// Panels of B: columns past N and steps past K are zeros. `prelude` is as for A.
    pub fn pack_b(
        &self,
        e: &mut Emit,
        prelude: impl FnOnce(&mut Emit),
        load_b: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    ) {
        let s = self.shape;
        self.pack(e, self.b_pack, [self.nb, NR, s.n], prelude, |e, [b, j, kk]| load_b(e, [b, kk, j]));
    }

    /// Fills `panels` (`[batch][count][K / UNROLL][UNROLL][width]`) with `load([b, row, kk])`,
    /// zero past `bound` rows and past K; once when the panels are cached.
    fn pack(
        &self,
        e: &mut Emit,
        (buffer, flag): (Value, Option<Value>),
        [count, width, bound]: [i64; 3],
        prelude: impl FnOnce(&mut Emit),
        load: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    ) {
        let (s, elem, kq) = (self.shape, self.elem, self.kq);
        once(e, flag, |e| {
            prelude(e);
            e.parallel(&[s.batch, count, kq, UNROLL], |e, ivs| {
                let (b, p, q, u) = (ivs[0], ivs[1], ivs[2], ivs[3]);
                let kk = {
                    let base = e.affine(q, UNROLL, 0);
                    e.add(base, u)
                };
                e.for_each(width, |e, r| {
                    let row = {
                        let base = e.affine(p, width, 0);
                        e.add(base, r)
                    };
                    let v = guarded(e, elem, [(row, bound, width), (kk, s.k, UNROLL)], |e| load(e, [b, row, kk]));
                    let at = e.linearize(&[b, p, q, u, r], &[s.batch, count, kq, UNROLL, width]);
                    e.store(v, buffer, &[at]);
                });
            });
        });
    }

    /// For a caller writing B's panels itself: zeros where the panels pad N and K (nothing
    /// when they do not), then `store(v, [b, kk, j])` puts element (kk, j) of batch b.
    pub fn clear_b_padding(&self, e: &mut Emit) {
        let s = self.shape;
        if s.n % NR == 0 && s.k % UNROLL == 0 {
            return;
        }
        let b_pack = self.b_pack.0;
        let z = zero(e, self.elem);
        e.parallel(&[s.batch * self.nb * self.kq * UNROLL * NR], |e, ivs| e.store(z, b_pack, ivs));
    }

    /// Stores `v` as element (kk, j) of batch `b` of B, in its panel.
    pub fn store_b(&self, e: &mut Emit, v: Value, [b, kk, j]: [Value; 3]) {
        let (nr, u) = (e.index(NR), e.index(UNROLL));
        let (p, c) = (e.div(j, nr), e.rem(j, nr));
        let (q, r) = (e.div(kk, u), e.rem(kk, u));
        let at = e.linearize(&[b, p, q, r, c], &[self.shape.batch, self.nb, self.kq, UNROLL, NR]);
        e.store(v, self.b_pack.0, &[at]);
    }

    /// C = A · B into the padded result.
    pub fn compute(&self, e: &mut Emit) {
        let (s, elem) = (self.shape, self.elem);
        let (mb, nb, kq) = (self.mb, self.nb, self.kq);
        let (a_pack, b_pack, c_pad, a_layout) = (self.a_pack.0, self.b_pack.0, self.c_pad, self.a_layout);
        let kb = (kq * UNROLL + KC - 1) / KC;
        let vt = e.ctx.vector_type(vec![LANES], elem);
        // The padded result starts at zero; tiles accumulate into it block by block of k.
        let z = zero(e, elem);
        let zv = e.value("vector.broadcast", &[z], vt);
        e.parallel(&[s.batch, mb * MR], |e, ivs| {
            e.for_each(nb * NR / LANES, |e, c| {
                let col = e.affine(c, LANES, 0);
                e.b().op("vector.store", &[zv, c_pad, ivs[0], ivs[1], col], &[], &[]);
            });
        });
        // Goto's loop order: for each block of KC steps and each block of MC rows (their A
        // panels stay in L2), the threads take B panels (each KC × NR in L1) and run the
        // micro-kernel down the row panels of the block.
        let panels_per_block = MC / MR;
        let mcb = (mb + panels_per_block - 1) / panels_per_block;
        e.for_each(kb, |e, kblock| {
            // In units of UNROLL steps.
            let k0 = e.affine(kblock, KC / UNROLL, 0);
            let k_end = e.affine(kblock, KC / UNROLL, KC / UNROLL);
            let kmax = e.index(kq);
            let k1 = e.min(k_end, kmax);
            e.for_each(mcb, |e, mblock| {
                let p0 = e.affine(mblock, panels_per_block, 0);
                let p_end = e.affine(mblock, panels_per_block, panels_per_block);
                let pmax = e.index(mb);
                let p1 = e.min(p_end, pmax);
                e.parallel(&[s.batch, nb], |e, ivs| {
                    let (b, p) = (ivs[0], ivs[1]);
                    let cols: Vec<Value> = (0..NR / LANES).map(|q| e.affine(p, NR, q * LANES)).collect();
                    e.for_range(p0, p1, &[], |e, panel, _| {
                        let a_at = match a_layout {
                            ALayout::Panels => {
                                let at = e.linearize(&[b, panel, k0], &[s.batch, mb, kq]);
                                e.affine(at, UNROLL * MR, 0)
                            }
                            ALayout::Rows { stride } => {
                                let row = e.affine(panel, MR, 0);
                                let k = e.affine(k0, UNROLL, 0);
                                e.linearize(&[b, row, k], &[s.batch, mb * MR, stride])
                            }
                        };
                        let b_at = e.linearize(&[b, p, k0], &[s.batch, nb, kq]);
                        let b_at = e.affine(b_at, UNROLL * NR, 0);
                        let packs = [(a_pack, a_at), (b_pack, b_at)];
                        micro_tile(e, vt, elem, (packs, a_layout), c_pad, [b, panel], &cols, k0, k1);
                        Vec::new()
                    });
                });
            });
        });
    }

    /// The valid part of the result, through `finish`.
    pub fn finish(&self, e: &mut Emit, finish: impl FnOnce(&mut Emit, Value, [Value; 3])) {
        let (s, c_pad) = (self.shape, self.c_pad);
        e.parallel(&[s.batch, s.m, s.n], |e, ivs| {
            let acc = e.load(c_pad, ivs);
            finish(e, acc, [ivs[0], ivs[1], ivs[2]]);
        });
    }
}

/// One MR × NR tile of `Cp`, accumulated over the k range `[k0, k1)` (in units of UNROLL).
/// The panels are read at flat offsets carried by the loop (`a_at`, `b_at` at `k0`), so each
/// step's loads address a register plus constants, with no index arithmetic.
#[allow(clippy::too_many_arguments)]
fn micro_tile(
    e: &mut Emit,
    vt: Type,
    elem: Type,
    ([(a_pack, a_at), (b_pack, b_at)], a_layout): ([(Value, Value); 2], ALayout),
    c_pad: Value,
    [b, panel]: [Value; 2],
    cols: &[Value],
    k0: Value,
    k1: Value,
) {
    let rows: Vec<Value> = (0..MR).map(|r| e.affine(panel, MR, r)).collect();
    let mut inits = vec![a_at, b_at];
    for row in &rows {
        for c in cols {
            inits.push(e.value("vector.load", &[c_pad, b, *row, *c], vt));
        }
    }
    let done = e.for_range(k0, k1, &inits, |e, _, carried| {
        let (a_at, b_at) = (carried[0], carried[1]);
        let mut accs = carried[2..].to_vec();
        for u in 0..UNROLL {
            let bs: Vec<Value> = (0..NR / LANES)
                .map(|c| {
                    let at = e.affine(b_at, 1, u * NR + c * LANES);
                    invariant_load(e, "vector.load", &[b_pack, at], vt)
                })
                .collect();
            let mut next = Vec::with_capacity(accs.len());
            for r in 0..MR {
                let at = e.affine(a_at, 1, a_layout.element(r, u));
                let a = invariant_load(e, "memref.load", &[a_pack, at], elem);
                let av = e.value("vector.broadcast", &[a], vt);
                for (c, bv) in bs.iter().enumerate() {
                    let prod = e.value("arith.mulf", &[av, *bv], vt);
                    let acc = accs[r as usize * bs.len() + c];
                    next.push(e.value("arith.addf", &[acc, prod], vt));
                }
            }
            accs = next;
        }
        let mut carried = vec![e.affine(a_at, 1, a_layout.step()), e.affine(b_at, 1, UNROLL * NR)];
        carried.extend(accs);
        carried
    });
    for (r, row) in rows.iter().enumerate() {
        for (q, c) in cols.iter().enumerate() {
            let v = done[2 + r * cols.len() + q];
            e.b().op("vector.store", &[v, c_pad, b, *row, *c], &[], &[]);
        }
    }
}

/// How A reaches the micro-kernel.
#[derive(Clone, Copy, Debug)]
enum ALayout {
    /// Packed panels, `[batch][M/MR][K/UNROLL][UNROLL][MR]`.
    Panels,
    /// Rows of `stride` elements, `[batch][M'][stride]`: the MR rows of a tile are read at
    /// constant distances from one offset.
    Rows { stride: i64 },
}

impl ALayout {
    /// Where element (row r, unrolled step u) of a tile's step is, from the step's offset.
    fn element(self, r: i64, u: i64) -> i64 {
        match self {
            ALayout::Panels => u * MR + r,
            ALayout::Rows { stride } => r * stride + u,
        }
    }

    /// How far the offset moves per iteration (UNROLL steps of k).
    fn step(self) -> i64 {
        match self {
            ALayout::Panels => UNROLL * MR,
            ALayout::Rows { .. } => UNROLL,
        }
    }
}

/// The buffer for an operand's panels: static and flagged when cached, else scratch.
fn panels(e: &mut Emit, cached: &Option<String>, size: i64, elem: Type) -> (Value, Option<Value>) {
    let shape = &[size];
    match cached {
        Some(name) => {
            let global = |e: &mut Emit, name: &str, t: Type| {
                let sym =
                    e.ctx.intern_attr(strata_ir::AttrKind::SymbolRef { root: name.to_string(), nested: Vec::new() });
                e.b().value("memref.get_global", &[], t, &[("name", sym)])
            };
            let buffer = global(e, name, e.ctx.memref_type(shape.to_vec(), elem));
            let flag = global(e, &format!("{name}_ready"), e.ctx.memref_type(vec![1], e.ctx.integer_type(32)));
            (buffer, Some(flag))
        }
        None => (e.scratch(shape, elem), None),
    }
}

/// Runs `fill` when there is no flag, or once: while the flag is not 1, then sets it.
fn once(e: &mut Emit, flag: Option<Value>, fill: impl FnOnce(&mut Emit)) {
    let Some(flag) = flag else {
        fill(e);
        return;
    };
    let zero_index = e.index(0);
    let state = e.load(flag, &[zero_index]);
    let i32t = e.ctx.integer_type(32);
    let one_attr = e.ctx.integer_attr(1, i32t);
    let one = e.b().value("arith.constant", &[], i32t, &[("value", one_attr)]);
    let ne = e.ctx.integer_attr(1, e.ctx.integer_type(64));
    let i1 = e.ctx.integer_type(1);
    let pending = e.b().value("arith.cmpi", &[state, one], i1, &[("predicate", ne)]);
    e.if_then(pending, |e| {
        fill(e);
        let zero_index = e.index(0);
        e.store(one, flag, &[zero_index]);
    });
}

/// A static-storage name for the packed panels of `operand` when it is a constant
/// (`bufferization.to_buffer` of an `nn.constant`): the function's name, `what` and the op's
/// number, unique in the module.
pub fn constant_cache_name(e: &Emit, operand: Value, op: strata_ir::OpId, what: &str) -> Option<String> {
    let ir = &*e.ir;
    let strata_ir::ValueDef::Result { op: def, .. } = ir.value(operand).def() else { return None };
    if e.ctx.ident_str(ir.op(def).name()) != "bufferization.to_buffer" {
        return None;
    }
    let strata_ir::ValueDef::Result { op: source, .. } = ir.value(ir.op(def).operands()[0]).def() else {
        return None;
    };
    if e.ctx.ident_str(ir.op(source).name()) != "nn.constant" {
        return None;
    }
    let mut func = op;
    while e.ctx.ident_str(ir.op(func).name()) != "func.func" {
        func = ir.parent_op(func)?;
    }
    let name = ir.op(func).attr(e.ctx.ident("sym_name")).and_then(|a| e.ctx.attr_as_str(a))?;
    Some(format!("{name}_{what}{}", op.index()))
}

/// A load from a packed panel, marked `strata.invariant`: nothing writes the panels while the
/// micro-kernel runs, so a code generator may move the load to its use.
fn invariant_load(e: &mut Emit, name: &str, operands: &[Value], ty: Type) -> Value {
    let unit = e.ctx.intern_attr(strata_ir::AttrKind::Unit);
    e.b().value(name, operands, ty, &[("strata.invariant", unit)])
}

/// `load()` where every `(index, bound, step)` has `index < bound`, else zero; a check is only
/// emitted where `bound` is not a multiple of the panel `step` (padding exists).
fn guarded<const N: usize>(
    e: &mut Emit,
    elem: Type,
    checks: [(Value, i64, i64); N],
    load: impl FnOnce(&mut Emit) -> Value,
) -> Value {
    let mut cond: Option<Value> = None;
    for (i, bound, step) in checks {
        if bound % step != 0 {
            let bv = e.index(bound);
            let c = e.less(i, bv);
            cond = Some(match cond {
                Some(prev) => e.value("arith.andi", &[prev, c], e.ctx.integer_type(1)),
                None => c,
            });
        }
    }
    match cond {
        Some(c) => e.select_if(c, elem, load, |e| zero(e, elem)),
        None => load(e),
    }
}
