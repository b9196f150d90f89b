//! Matrix products as a packed, register-blocked GEMM in `vector` ops, the shape of a BLAS
//! kernel written at the loop level (so the interpreter checks it and every code generator
//! gets it):
//!
//! The tile (MR × NR of vectors of `lanes`) and the blockings (KC, MC) are the target's
//! [`GemmKernel`], carried by [`Emit`]: `convert-nn-to-loops{vector-bits l1-bytes l2-bytes}`.
//!
//! 1. Pack A into row panels of MR rows, k-major (`Ap[batch][M/MR][K][MR]`), and B into
//!    column panels of NR columns (`Bp[batch][N/NR][K][NR]`), zero-padded to whole panels,
//!    so the micro-kernel reads both contiguously and never needs an edge case.
//! 2. For each block of k (KC steps, or K whole: [`GemmKernel::blocking`]) and each work
//!    item (the parallel dimension: a column panel and a group of row panels), for each row
//!    panel: an MR × NR tile of accumulators, `MR · NR / 4` vectors of four lanes
//!    held in registers across the k loop, each step one broadcast of an A element per row and
//!    one vector load of B per four columns, multiplied and added (fused by the code
//!    generator). The first block of k starts from zero; the others accumulate into a padded
//!    result `Cp`.
//! 3. The valid part of `Cp` goes to the real result through `finish` (bias, epilogue, layout).
//!
//! Three things follow the product's shape rather than the target alone
//! ([`GemmKernel::blocking`], [`PackedGemm::next_b_panel`], [`PackedGemm::compute_into`]):
//! a product whose rows are one block runs every block of k inside each work item; a result
//! larger than L2 takes K in
//! one block where B's panel fits L2, as later blocks would stream the whole of `Cp` through
//! memory again; and where a B panel serves few tiles (few rows: the deep layers of a network
//! at batch 1), the tiles of each work item prefetch the next item's panel into L2, as its
//! first tile would otherwise wait on memory for it.
//!
//! Panels are flat buffers: the micro-kernel's loop runs over B's offset and carries A's, so
//! every load of a step is a register plus a constant (no index arithmetic, and no address
//! registers spilled). A can also be plain rows, read at constant distances (the row stride)
//! from one offset: written by the caller ([`PackedGemm::with_a_rows`]), or the caller's own
//! row-major A read in place ([`PackedGemm::with_a_in_place`], what `nn.matmul` does), which
//! saves packing it (3% of SGEMM 1024³).
//!
//! At 128 bits (the default, and Cranelift's vectors), 6 × 8 holds 12 accumulators, 2 B
//! vectors and a broadcast: 15 of x86-64's 16 vector registers (AArch64 has 32). Twelve independent multiply-add chains are what two FMA pipes of
//! four cycles' latency need with room to spare (8, a 4 × 8 tile, is exactly enough and loses
//! a fifth to any stall), and the accumulators stay in place because the code generator's FMA
//! overwrites the addend (`vfmadd231ps`, see `vendor/README.md`). k is not unrolled:
//! Cranelift schedules an unrolled step's loads early and the tile then spills. KC = 1024 puts
//! a B panel block (32 KiB) in a 48 KiB L1 beside A's stream from L2; on this machine it beat
//! 512 by 4% at K = 1024 (one block, so no pass reloads `Cp`) and matched it at K = 2048.
//! At 512 bits (LLVM on AVX-512, 32 registers), 8 × 32 of `vector<16xf32>` holds 16
//! accumulators; with KC = 256 (a 32 KiB B block again) SGEMM 1024³ went from 50 to about 110
//! GFLOP/s on one core of this machine, and ResNet-18 from 52 to 30 ms.
//! `Cp`'s rows are padded by [`C_ROW_PAD`] so that a tile's rows do not all fall in one L1 set
//! when a row is a multiple of 4 KiB.

use strata_ir::{Type, Value};

use super::emit::Emit;
use super::ops::zero;

/// Elements past the end of each row of `Cp` (one cache line).
pub const C_ROW_PAD: i64 = 16;

/// The micro-kernel's shape and the blockings, chosen for a target (its vector registers and
/// caches) by whoever builds the pipeline: `convert-nn-to-loops{vector-bits=… l1-bytes=…
/// l2-bytes=…}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GemmKernel {
    /// Lanes of each vector of the tile.
    pub lanes: i64,
    /// Rows of a micro-tile.
    pub mr: i64,
    /// Columns of a micro-tile, a whole number of vectors.
    pub nr: i64,
    /// Most steps of k per block; K is split into equal blocks of at most this many (a short
    /// last block would reload every tile for little work), unless the product's result
    /// outgrows L2 ([`GemmKernel::blocking`], which overrides a `kc` option there too).
    pub kc: i64,
    /// Rows per block of A (MC × KC floats stay in L2), a whole number of micro-tiles.
    pub mc: i64,
    /// Bytes of L2 per core, for the blocking of products whose result outgrows it
    /// ([`GemmKernel::blocking`]).
    pub l2_bytes: i64,
    /// Whether the code generator honours `memref.prefetch` (`convert-nn-to-loops{prefetch}`):
    /// then work items with few tiles prefetch the next item's B panel
    /// ([`PackedGemm::next_b_panel`]), a pointer more carried through the micro-kernel's loop,
    /// which a code generator that drops prefetches pays for in vain (Cranelift: ResNet-18 1 to
    /// 2% slower).
    pub prefetch: bool,
    /// Whether the loops are shaped for vector units (`convert-nn-to-loops{vector-units}`):
    /// products through the packed kernel, row sums in interleaved partial sums. A GPU maps
    /// loop nests onto threads, where a register tile per thread over cache-sized blocks is
    /// the wrong shape: there, products are one parallel nest over the result with the sum
    /// inside, and a row's sum is one accumulator (which threads then share out).
    pub packed: bool,
}

/// Bytes of L1d and L2 (per core) of the machine the defaults were measured on, which give
/// today's 128-bit blocking (KC = 1024, MC = 256).
pub const DEFAULT_L1_BYTES: i64 = 48 * 1024;
pub const DEFAULT_L2_BYTES: i64 = 2048 * 1024;

impl Default for GemmKernel {
    fn default() -> Self {
        GemmKernel::new(128, DEFAULT_L1_BYTES, DEFAULT_L2_BYTES).expect("the 128-bit kernel")
    }
}

impl GemmKernel {
    /// The tile for `vector_bits`-bit registers, blocked for an L1d of `l1_bytes` and an L2
    /// of `l2_bytes`:
    ///
    /// - 128 (SSE, NEON; Cranelift everywhere): 6 × 8 of `vector<4>`, 12 accumulators, two B
    ///   vectors and a broadcast in 15 of x86-64's 16 registers;
    /// - 256 (AVX2, 16 ymm): 6 × 16 of `vector<8>`, the same count of registers;
    /// - 512 (AVX-512, 32 zmm): 8 × 32 of `vector<16>`, 16 accumulators (see `lower-to-loops`'s
    ///   measurements in the module's documentation).
    ///
    /// KC: a B panel block (KC × NR floats) fills two thirds of L1, beside A's stream from L2
    /// (1024 at 128 bits and 256 at 512 with a 48 KiB L1: both measured best); MC: MC × KC
    /// floats of A fill half of L2.
    pub fn new(vector_bits: i64, l1_bytes: i64, l2_bytes: i64) -> Result<GemmKernel, String> {
        // Two vectors of B a step: enough columns to reuse each broadcast of A twice.
        let (lanes, mr) = match vector_bits {
            128 => (4, 6),
            256 => (8, 6),
            512 => (16, 8),
            _ => return Err(format!("vector-bits={vector_bits}: the GEMM has kernels for 128, 256 and 512 bits")),
        };
        if l1_bytes < 1024 || l2_bytes < l1_bytes {
            return Err(format!("l1-bytes={l1_bytes}, l2-bytes={l2_bytes}: L1 of at least 1 KiB and an L2 no smaller"));
        }
        let nr = 2 * lanes;
        let kc = (l1_bytes * 2 / 3 / (nr * 4)).max(16);
        let mc = (l2_bytes / 2 / (kc * 4) / mr * mr).max(mr);
        Ok(GemmKernel { lanes, mr, nr, kc, mc, l2_bytes, prefetch: false, packed: true })
    }

    /// With MR rows per micro-tile given (where non-zero) instead of the vector width's
    /// default, MC rounded to whole tiles of them.
    pub fn with_rows(self, mr: i64) -> Result<GemmKernel, String> {
        if mr == 0 {
            return Ok(self);
        }
        if !(1..=32).contains(&mr) {
            return Err(format!("mr={mr}: a micro-tile has 1 to 32 rows"));
        }
        let mc = (self.l2_bytes / 2 / (self.kc * 4) / mr * mr).max(mr);
        Ok(GemmKernel { mr, mc, ..self })
    }

    /// With KC and MC given (each where non-zero) instead of derived from the caches; MC is
    /// rounded down to whole micro-tiles.
    pub fn with_blocks(self, kc: i64, mc: i64) -> Result<GemmKernel, String> {
        if kc < 0 || mc < 0 {
            return Err(format!("kc={kc}, mc={mc}: blocks cannot be negative"));
        }
        let kc = if kc > 0 { kc } else { self.kc };
        let mc = if mc > 0 { (mc / self.mr * self.mr).max(self.mr) } else { self.mc };
        Ok(GemmKernel { kc, mc, ..self })
    }

    /// How a product of shape `s` is blocked: K in equal blocks of at most KC steps, MC rows
    /// of A per block of rows, as the caches give them; but a product whose padded result
    /// outgrows L2 takes K whole when its B panel (K × NR) still fits a sixteenth of L2.
    /// Each later block of k reads and writes every tile of the padded result once more, from
    /// memory at that size, which costs more than reading B's panel from L2 rather than L1
    /// (where the micro-kernel alone loses 5 to 10%): SGEMM 4096×4096×1024 on one core of
    /// this machine (AVX-512) went from 254–260 ms to 223–228 with K whole, and 1024³ from
    /// 15.1–15.7 to 14.2–14.7 (alternate runs).
    pub fn blocking(&self, s: GemmShape) -> Blocking {
        let rows = (s.m + self.mr - 1) / self.mr * self.mr;
        let cols = (s.n + self.nr - 1) / self.nr * self.nr + C_ROW_PAD;
        let result_bytes = s.batch.saturating_mul(rows).saturating_mul(cols).saturating_mul(4);
        let panel_bytes = s.k.saturating_mul(self.nr).saturating_mul(4);
        if s.k > self.kc && result_bytes > self.l2_bytes && panel_bytes.saturating_mul(16) <= self.l2_bytes {
            let mc = (self.l2_bytes / 2 / (s.k * 4) / self.mr * self.mr).max(self.mr);
            return Blocking { blocks: 1, size: s.k, mc };
        }
        let blocks = (s.k + self.kc - 1) / self.kc;
        Blocking { blocks, size: (s.k + blocks - 1) / blocks, mc: self.mc }
    }
}

/// The blocking of one product ([`GemmKernel::blocking`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocking {
    /// Blocks of k.
    pub blocks: i64,
    /// Steps of k per block (the last may have fewer).
    pub size: i64,
    /// Rows of A per block of rows, a whole number of micro-tiles.
    pub mc: i64,
}

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
        e.gemm.packed && e.ctx.type_to_string(elem) == "f32" && self.m >= 2 && self.n >= 4 && self.k >= 4
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
/// through `load_a([b, i, kk])` and `load_b([b, kk, j])` when packing. With `a_rows`, A is
/// that flat, row-major `[batch · M · K]` buffer and is read where it is
/// ([`PackedGemm::with_a_in_place`]); `load_a` and `cache.a` are then not used.
#[allow(clippy::too_many_arguments)]
pub fn packed_gemm(
    e: &mut Emit,
    s: GemmShape,
    elem: Type,
    cache: PackCache,
    a_rows: Option<Value>,
    load_a: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    load_b: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    finish: impl Fn(&mut Emit, Value, [Value; 3]),
) {
    let g = match a_rows {
        Some(a) => PackedGemm::with_a_in_place(e, s, elem, a, cache.b),
        None => PackedGemm::new(e, s, elem, &cache),
    };
    g.pack_a(e, |_| {}, load_a);
    g.pack_b(e, |_| {}, load_b);
    g.compute_into(e, &finish);
}

/// What the caller does with each element of the result, `finish(e, value, [b, i, j])`,
/// applied by [`PackedGemm::compute_into`] to each micro-tile as it is done.
pub type Finish<'f> = &'f dyn Fn(&mut Emit, Value, [Value; 3]);

/// The packed GEMM step by step, for callers that write B's panels or read the padded result
/// themselves (Winograd's transforms, which then need no copy of their own).
pub struct PackedGemm {
    pub shape: GemmShape,
    elem: Type,
    a_pack: (Value, Option<Value>),
    /// How the micro-kernel reads A.
    a_layout: ALayout,
    /// For A read in place with M not a multiple of MR: the last row panel's rows, copied and
    /// padded with zeros (`[batch][MR][K]`).
    a_tail: Option<Value>,
    b_pack: (Value, Option<Value>),
    /// The padded result, `[batch, M rounded up to MR, N rounded up to NR + C_ROW_PAD]`,
    /// allocated (in the op's scratch) by the computation that needs it: not when every tile
    /// is finished in place ([`Self::compute_into`] with k in one block).
    c_pad: std::cell::OnceCell<Value>,
    mb: i64,
    nb: i64,
    /// A's rows are those of the current block of MC rows only ([`Self::with_a_by_blocks`]).
    a_by_blocks: bool,
}

impl PackedGemm {
    /// Buffers for the panels (static where `cache` names them) and the padded result.
    pub fn new(e: &mut Emit, s: GemmShape, elem: Type, cache: &PackCache) -> PackedGemm {
        Self::build(e, s, elem, cache, ALayout::Panels)
    }

    fn build(e: &mut Emit, s: GemmShape, elem: Type, cache: &PackCache, a_layout: ALayout) -> PackedGemm {
        let kn = e.gemm;
        let mb = (s.m + kn.mr - 1) / kn.mr;
        // Flat, so the micro-kernel walks them with one offset each (see `micro_tile`).
        let a_pack = match a_layout {
            ALayout::Panels => panels(e, &cache.a, s.batch * mb * s.k * kn.mr, elem),
            ALayout::Rows { stride, rows } => (e.scratch(&[s.batch * rows * stride], elem), None),
        };
        Self::with_a(e, s, elem, cache.b.clone(), (a_pack, a_layout, None))
    }

    fn with_a(
        e: &mut Emit,
        s: GemmShape,
        elem: Type,
        cache_b: Option<String>,
        (a_pack, a_layout, a_tail): ((Value, Option<Value>), ALayout, Option<Value>),
    ) -> PackedGemm {
        let kn = e.gemm;
        let (mb, nb) = ((s.m + kn.mr - 1) / kn.mr, (s.n + kn.nr - 1) / kn.nr);
        let b_pack = panels(e, &cache_b, s.batch * nb * s.k * kn.nr, elem);
        let c_pad = std::cell::OnceCell::new();
        PackedGemm { shape: s, elem, a_pack, a_layout, a_tail, b_pack, c_pad, mb, nb, a_by_blocks: false }
    }

    /// A GEMM that reads A where it is: `a` is A's rows, flat and row-major
    /// (`[batch · M · K]`), read by the micro-kernel at constant distances like
    /// [`Self::with_a_rows`]'s. Only a last row panel that M does not fill is copied (with zero
    /// rows). Packing A would copy and transpose all of it for a kernel that reads MR
    /// consecutive elements of each step anyway; in place, A costs nothing before the kernel.
    pub fn with_a_in_place(e: &mut Emit, s: GemmShape, elem: Type, a: Value, cache_b: Option<String>) -> PackedGemm {
        let kn = e.gemm;
        let tail = (s.m % kn.mr != 0).then(|| e.scratch(&[s.batch * kn.mr * s.k], elem));
        Self::with_a(e, s, elem, cache_b, ((a, None), ALayout::Rows { stride: s.k, rows: s.m }, tail))
    }

    /// A GEMM whose A the caller writes as plain rows ([`Self::store_a`]) instead of panels:
    /// a producer vectorized along k (Winograd's input transform, channels innermost) writes
    /// them with whole vectors, which panels (k-major) would scatter.
    pub fn with_a_rows(e: &mut Emit, s: GemmShape, elem: Type, cache_b: Option<String>) -> PackedGemm {
        let kn = e.gemm;
        let rows = (s.m + kn.mr - 1) / kn.mr * kn.mr;
        Self::build(e, s, elem, &PackCache { a: None, b: cache_b }, ALayout::Rows { stride: s.k, rows })
    }

    /// A GEMM whose A the caller writes as plain rows one block of MC rows at a time, just
    /// before the micro-kernels read them ([`Self::compute_by_blocks`]), into one block's
    /// buffer, reused: A never leaves L2 (im2col's copy of a large input otherwise goes to
    /// memory and back: ResNet-18's first convolution writes 7 MiB of it). `None` when k has
    /// several blocks, each of which would need the rows again.
    pub fn with_a_by_blocks(e: &mut Emit, s: GemmShape, elem: Type, cache_b: Option<String>) -> Option<PackedGemm> {
        let kn = e.gemm;
        let blocking = kn.blocking(s);
        if blocking.blocks > 1 {
            return None;
        }
        let rows = blocking.mc.min((s.m + kn.mr - 1) / kn.mr * kn.mr);
        let a = e.scratch(&[s.batch * rows * s.k], elem);
        let mut g = Self::with_a(e, s, elem, cache_b, ((a, None), ALayout::Rows { stride: s.k, rows }, None));
        g.a_by_blocks = true;
        Some(g)
    }

    /// For a caller writing A's rows ([`Self::with_a_rows`]): zeros in the rows past M that
    /// the last row panel reads (nothing when there are none).
    pub fn clear_a_padding(&self, e: &mut Emit) {
        let (s, buffer, rows) = (self.shape, self.a_pack.0, self.mb * e.gemm.mr);
        if matches!(self.a_layout, ALayout::Panels) || self.a_tail.is_some() || self.a_by_blocks || rows == s.m {
            return;
        }
        let z = zero(e, self.elem);
        e.parallel(&[s.batch, rows - s.m, s.k], |e, ivs| {
            let row = e.affine(ivs[1], 1, s.m);
            let at = e.linearize(&[ivs[0], row, ivs[2]], &[s.batch, rows, s.k]);
            e.store(z, buffer, &[at]);
        });
    }

    /// Stores `v` as element (i, kk) of batch `b` of A, for a GEMM made
    /// [`Self::with_a_rows`] (or [`Self::with_a_by_blocks`], `i` then counted from the
    /// block's first row); `kk` is the last term of the address, so a nest along k
    /// vectorizes.
    pub fn store_a(&self, e: &mut Emit, v: Value, [b, i, kk]: [Value; 3]) {
        let (buffer, at) = self.a_element(e, [b, i, kk]);
        e.store(v, buffer, &[at]);
    }

    /// Where [`Self::store_a`] puts element (i, kk) of batch `b`: A's flat buffer and the
    /// offset in it, elements along k consecutive (for callers storing whole vectors).
    pub fn a_element(&self, e: &mut Emit, [b, i, kk]: [Value; 3]) -> (Value, Value) {
        let ALayout::Rows { stride, rows } = self.a_layout else { panic!("store_a needs a GEMM with A as rows") };
        (self.a_pack.0, e.linearize(&[b, i, kk], &[self.shape.batch, rows, stride]))
    }

    /// Panels of A: rows past M are zeros. `prelude` runs first (and, when A's panels are
    /// cached, only when they are packed): what `load_a` reads is made there. For A in place,
    /// `prelude` and a copy of the last partial panel's rows only (`load_a` is not used).
    pub fn pack_a(
        &self,
        e: &mut Emit,
        prelude: impl FnOnce(&mut Emit),
        load_a: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    ) {
        let (s, kn) = (self.shape, e.gemm);
        if let ALayout::Rows { stride, rows } = self.a_layout {
            prelude(e);
            let (Some(tail), source) = (self.a_tail, self.a_pack.0) else { return };
            let first = s.m / kn.mr * kn.mr;
            e.parallel(&[s.batch, kn.mr, s.k], |e, ivs| {
                let (b, r, kk) = (ivs[0], ivs[1], ivs[2]);
                let row = e.affine(r, 1, first);
                let v = guarded(e, self.elem, (row, s.m, kn.mr), |e| {
                    let at = e.linearize(&[b, row, kk], &[s.batch, rows, stride]);
                    e.load(source, &[at])
                });
                let at = e.linearize(&[b, r, kk], &[s.batch, kn.mr, s.k]);
                e.store(v, tail, &[at]);
            });
            return;
        }
        self.pack(e, self.a_pack, [self.mb, kn.mr, s.m], SourceOrder::AlongK, prelude, load_a);
    }

    /// Panels of B: columns past N are zeros. `prelude` is as for A.
    pub fn pack_b(
        &self,
        e: &mut Emit,
        prelude: impl FnOnce(&mut Emit),
        load_b: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    ) {
        let (s, kn) = (self.shape, e.gemm);
        self.pack(e, self.b_pack, [self.nb, kn.nr, s.n], SourceOrder::AlongPanels, prelude, |e, [b, j, kk]| {
            load_b(e, [b, kk, j])
        });
    }

    /// Fills `panels` (`[batch][count][K][width]`) with `load([b, row, kk])`, zero past
    /// `bound` rows; once when the panels are cached.
    fn pack(
        &self,
        e: &mut Emit,
        (buffer, flag): (Value, Option<Value>),
        [count, width, bound]: [i64; 3],
        order: SourceOrder,
        prelude: impl FnOnce(&mut Emit),
        load: impl FnOnce(&mut Emit, [Value; 3]) -> Value,
    ) {
        let (s, elem) = (self.shape, self.elem);
        once(e, flag, |e| {
            prelude(e);
            // The source is read along its contiguous index: k for A (rows of A are
            // consecutive in k), the panel's rows for B (a row of B spans the panels).
            let dims = match order {
                SourceOrder::AlongK => [s.batch, count, s.k, width],
                SourceOrder::AlongPanels => [s.batch, s.k, count, width],
            };
            e.parallel(&dims, |e, ivs| {
                let (b, r) = (ivs[0], ivs[3]);
                let (p, kk) = match order {
                    SourceOrder::AlongK => (ivs[1], ivs[2]),
                    SourceOrder::AlongPanels => (ivs[2], ivs[1]),
                };
                let row = {
                    let base = e.affine(p, width, 0);
                    e.add(base, r)
                };
                let v = guarded(e, elem, (row, bound, width), |e| load(e, [b, row, kk]));
                let at = e.linearize(&[b, p, kk, r], &[s.batch, count, s.k, width]);
                e.store(v, buffer, &[at]);
            });
        });
    }

    /// For a caller writing B's panels itself: zeros where the panels pad N (nothing
    /// when they do not), then `store(v, [b, kk, j])` puts element (kk, j) of batch b.
    pub fn clear_b_padding(&self, e: &mut Emit) {
        let (s, kn) = (self.shape, e.gemm);
        if s.n % kn.nr == 0 {
            return;
        }
        let b_pack = self.b_pack.0;
        let z = zero(e, self.elem);
        e.parallel(&[s.batch * self.nb * s.k * kn.nr], |e, ivs| e.store(z, b_pack, ivs));
    }

    /// Stores `v` as element (kk, j) of batch `b` of B, in its panel.
    pub fn store_b(&self, e: &mut Emit, v: Value, [b, kk, j]: [Value; 3]) {
        let kn = e.gemm;
        let nr = e.index(kn.nr);
        let (p, c) = (e.div(j, nr), e.rem(j, nr));
        let at = e.linearize(&[b, p, kk, c], &[self.shape.batch, self.nb, self.shape.k, kn.nr]);
        e.store(v, self.b_pack.0, &[at]);
    }

    /// The padded result, once [`Self::compute`], [`Self::compute_then`] or
    /// [`Self::compute_by_blocks`] has made it (a caller reading it before is a bug here).
    pub fn c_pad(&self) -> Value {
        *self.c_pad.get().expect("the padded result is read after the computation that writes it")
    }

    /// The padded result, allocated on first use; called where the computation starts, at the
    /// op's top level, so the buffer dominates every later use.
    fn padded_result(&self, e: &mut Emit) -> Value {
        let (s, kn) = (self.shape, e.gemm);
        let shape = [s.batch, self.mb * kn.mr, self.nb * kn.nr + C_ROW_PAD];
        *self.c_pad.get_or_init(|| e.scratch(&shape, self.elem))
    }

    /// C = A · B into the padded result.
    pub fn compute(&self, e: &mut Emit) {
        self.compute_then(e, |_, _| {});
    }

    /// C = A · B into the padded result, then `done(e, [r0, r1])` for its finished rows
    /// `[r0, r1)` of every batch: when k is one block, after each block of MC rows, while
    /// their part of the padded result is still in L2 (a thin-k GEMM, as pointwise
    /// convolutions are, then writes its result to memory once rather than three times:
    /// padded, read back, stored); else once, for all M rows.
    pub fn compute_then(&self, e: &mut Emit, done: impl FnOnce(&mut Emit, [Value; 2])) {
        self.padded_result(e);
        // The first block of k starts the tiles from zero, the others add to them.
        let (blocks, size) = self.k_blocks(e.gemm);
        let first = e.index(0);
        if blocks == 1 {
            self.k_block(e, first, size, true, None::<NoRows>, Some(done), None);
            return;
        }
        self.k_blocks_but_last(e, blocks, size);
        let last = e.index(blocks - 1);
        self.k_block(e, last, size, false, None::<NoRows>, None::<NoRows>, None);
        let (r0, r1) = (e.index(0), e.index(self.shape.m));
        done(e, [r0, r1]);
    }

    /// C = A · B with each micro-tile of the last block of k finished where it is: its
    /// accumulators go to a tile of the work item's own (in L1) and `finish` runs on each of
    /// its valid elements at once, so the result is written once, from L1, while the next
    /// tiles compute. The padded result is not touched when k is one block; that is what a
    /// thin-k product (a pointwise convolution) spends most of its time on otherwise, writing
    /// it and reading it back.
    pub fn compute_into(&self, e: &mut Emit, finish: Finish<'_>) {
        let (blocks, size) = self.k_blocks(e.gemm);
        let kn = e.gemm;
        // A's rows for all of K are read by every item: only where they stay in L2.
        let a_bytes = self.mb * kn.mr * self.shape.k * 4;
        if blocks > 1 && self.mb <= kn.blocking(self.shape).mc / kn.mr && a_bytes <= kn.l2_bytes / 2 {
            self.compute_into_by_items(e, blocks, size, finish);
            return;
        }
        if blocks > 1 {
            self.padded_result(e);
            self.k_blocks_but_last(e, blocks, size);
        }
        let last = e.index(blocks - 1);
        let staging = self.staging(e);
        self.k_block(e, last, size, blocks == 1, None::<NoRows>, None::<NoRows>, Some((staging, finish)));
    }

    /// [`Self::compute_into`] for a product whose rows are one block (and fit half of L2 for
    /// all of K) and whose k is several:
    /// each work item runs its tiles over every block of k in turn (the first from zero, the
    /// last finished where it is), inside one parallel loop, instead of one parallel loop per
    /// block of k. Its part of the padded result stays in its core's cache between blocks, and
    /// the item streams its B panel from memory once, in order, each block's tiles
    /// prefetching the next block's part. ResNet-18's 512-channel layers at 7² (49 rows, K =
    /// 4608 in 18 blocks) took 18 parallel loops of a few tens of µs each.
    fn compute_into_by_items(&self, e: &mut Emit, blocks: i64, size: i64, finish: Finish<'_>) {
        debug_assert!(!self.a_by_blocks, "A by blocks has k in one block");
        let (s, kn, mb, nb) = (self.shape, e.gemm, self.mb, self.nb);
        self.padded_result(e);
        let staging = self.staging(e);
        let (groups, per_group) = self.work_items(kn);
        let (p0, p1) = (e.index(0), e.index(mb));
        e.parallel(&[s.batch, groups, nb], |e, ivs| {
            let it = self.item(e, ivs, (groups, per_group), [p0, p1]);
            // Each block's tiles prefetch the next block's part of the panel; the last block's,
            // the next item's panel from its start (with one group a panel).
            let next_block = |e: &mut Emit, kblock: Value| {
                let k0 = e.affine(kblock, size, 0);
                let start = e.linearize(&[it.b, it.p, k0], &[s.batch, nb, s.k]);
                let start = e.affine(start, kn.nr, size * kn.nr);
                self.prefetch_from(e, start, per_group, size)
            };
            let first = e.index(0);
            let b_next = next_block(e, first);
            self.item_tiles(e, &it, (first, size), (true, None), b_next);
            if blocks > 2 {
                let (second, last) = (e.index(1), e.index(blocks - 1));
                e.for_range(second, last, &[], |e, kblock, _| {
                    let b_next = next_block(e, kblock);
                    self.item_tiles(e, &it, (kblock, size), (false, None), b_next);
                    Vec::new()
                });
            }
            let last = e.index(blocks - 1);
            let zero = e.index(0);
            let b_next = if groups == 1 {
                let next = e.affine(it.item, 1, 1);
                let start = e.linearize(&[next, zero], &[s.batch * nb + 1, s.k]);
                let start = e.affine(start, kn.nr, 0);
                self.prefetch_from(e, start, per_group, size)
            } else {
                None
            };
            self.item_tiles(e, &it, (last, size), (false, Some((staging, finish))), b_next);
        });
    }

    /// K in equal blocks ([`GemmKernel::blocking`]): how many, and the steps of each (the last
    /// may have fewer).
    fn k_blocks(&self, kn: GemmKernel) -> (i64, i64) {
        let blocking = kn.blocking(self.shape);
        (blocking.blocks, blocking.size)
    }

    /// Blocks `0 .. blocks - 1` of k into the padded result: the first from zero, the others
    /// adding to it.
    fn k_blocks_but_last(&self, e: &mut Emit, blocks: i64, size: i64) {
        let first = e.index(0);
        self.k_block(e, first, size, true, None::<NoRows>, None::<NoRows>, None);
        if blocks > 2 {
            let (second, last) = (e.index(1), e.index(blocks - 1));
            e.for_range(second, last, &[], |e, kblock, _| {
                self.k_block(e, kblock, size, false, None::<NoRows>, None::<NoRows>, None);
                Vec::new()
            });
        }
    }

    /// The parallel work items of [`Self::k_block`]: (batch, group of row panels, column
    /// panel). Thin products (a pointwise convolution's 96 columns: three panels) would
    /// leave threads idle with the column panels alone, so a block's row panels are split
    /// into groups, each reading the same B panel (from L2 after the first). Returns the
    /// groups and the row panels in each.
    fn work_items(&self, kn: GemmKernel) -> (i64, i64) {
        let (s, mb, nb) = (self.shape, self.mb, self.nb);
        let panels_per_block = kn.blocking(s).mc / kn.mr;
        let groups = (PARALLEL_ITEMS + s.batch * nb - 1) / (s.batch * nb);
        let groups = groups.clamp(1, panels_per_block.min(mb));
        let per_group = (panels_per_block.min(mb) + groups - 1) / groups;
        (groups, per_group)
    }

    /// One MR × NR tile per work item, where [`Self::compute_into`] puts a finished tile.
    fn staging(&self, e: &mut Emit) -> Value {
        let kn = e.gemm;
        let (groups, _) = self.work_items(kn);
        e.scratch(&[self.shape.batch * self.nb * groups, kn.mr, kn.nr], self.elem)
    }

    /// The products of block `kblock` of k (`size` steps), for every tile: Goto's loop order,
    /// for each block of MC rows (their A panels stay in L2) the threads take B panels (each
    /// `size` × NR in L1) and run the micro-kernel down the row panels of the block.
    /// With `fill`, it is called before each block of rows with the rows to write into A
    /// ([`Self::with_a_by_blocks`]); with `done`, after it with the rows finished. With
    /// `finish` (a staging buffer of a tile per work item, and what to do with each element),
    /// each tile is finished as soon as it is done instead of going to the padded result.
    #[allow(clippy::too_many_arguments)]
    fn k_block(
        &self,
        e: &mut Emit,
        kblock: Value,
        size: i64,
        first: bool,
        fill: Option<impl FnOnce(&mut Emit, [Value; 2])>,
        done: Option<impl FnOnce(&mut Emit, [Value; 2])>,
        finish: Option<(Value, Finish<'_>)>,
    ) {
        let (s, kn, mb, nb) = (self.shape, e.gemm, self.mb, self.nb);
        let k0 = e.affine(kblock, size, 0);
        let k_end = e.affine(kblock, size, size);
        let kmax = e.index(s.k);
        let k1 = e.min(k_end, kmax);
        let panels_per_block = kn.blocking(s).mc / kn.mr;
        e.for_each((mb + panels_per_block - 1) / panels_per_block, |e, mblock| {
            let p0 = e.affine(mblock, panels_per_block, 0);
            let p_end = e.affine(mblock, panels_per_block, panels_per_block);
            let pmax = e.index(mb);
            let p1 = e.min(p_end, pmax);
            let rows = |e: &mut Emit| {
                let r0 = e.affine(p0, kn.mr, 0);
                let r_end = e.affine(p1, kn.mr, 0);
                let m = e.index(s.m);
                [r0, e.min(r_end, m)]
            };
            if let Some(fill) = fill {
                let [r0, r1] = rows(e);
                fill(e, [r0, r1]);
                self.clear_block_padding(e, [r0, r1], p1);
            }
            let (groups, per_group) = self.work_items(kn);
            // Items in (batch, group, column panel) order, so that a thread's items share rows
            // of A, which the threads wrote split by rows (packing, im2col, `fill`): split by
            // column panels, every thread read every row, half of them from the other core's
            // cache (ResNet-18's stem on two threads: its GEMM took as long as on one).
            e.parallel(&[s.batch, groups, nb], |e, ivs| {
                let it = self.item(e, ivs, (groups, per_group), [p0, p1]);
                let b_next = self.next_b_panel(e, (it.item, groups, per_group), [k0, k1], size);
                self.item_tiles(e, &it, (kblock, size), (first, finish), b_next);
            });
            if let Some(done) = done {
                let finished = rows(e);
                done(e, finished);
            }
        });
    }

    /// Where the B panel of the work item after `item` (of `groups` per column panel, each
    /// running `tiles` tiles; with one group, item i runs panel i of the batches' panels)
    /// starts, in this block of k (`[k0, k1)`, `size` steps a block) or, for the last item, in
    /// the next block: its lines are prefetched into L2 while this item's tiles run, spread over
    /// all their steps ([`Self::prefetch_from`]). `None` with several groups a panel, where the
    /// next item mostly reads this item's panel.
    ///
    /// A product with few rows (ResNet-18's 512-channel layers at 7², 49 rows: seven tiles a
    /// panel) otherwise waits on each panel of its weights from memory in its first tile; with
    /// the prefetch those layers went from 2.4–2.5 to 2.0–2.3 ms on one core here.
    fn next_b_panel(
        &self,
        e: &mut Emit,
        (item, groups, tiles): (Value, i64, i64),
        [k0, k1]: [Value; 2],
        size: i64,
    ) -> Option<BPrefetch> {
        let (s, kn, nb) = (self.shape, e.gemm, self.nb);
        if groups > 1 || self.prefetch_stride(kn, tiles, size).is_none() {
            return None;
        }
        let total = e.index(s.batch * nb);
        let next = e.affine(item, 1, 1);
        let has_next = e.less(next, total);
        let index = e.ctx.index_type();
        let start = e.select_if(
            has_next,
            index,
            |e| {
                let kv = e.index(s.k);
                let at = e.mul(next, kv);
                let at = e.add(at, k0);
                e.affine(at, kn.nr, 0)
            },
            |e| e.affine(k1, kn.nr, 0),
        );
        self.prefetch_from(e, start, tiles, size)
    }

    /// A prefetch of `size` steps of B's panels from `start` (clamped so that they stay inside
    /// the panels) by the `tiles` tiles of a work item, each its share: the pointer moves
    /// `stride` elements a step, so that together they cover it. `None` where the code
    /// generator drops prefetches, where a panel serves enough tiles that loading it is a
    /// small part of their time, and where the panels are too small to prefetch ahead in.
    fn prefetch_from(&self, e: &mut Emit, start: Value, tiles: i64, size: i64) -> Option<BPrefetch> {
        let stride = self.prefetch_stride(e.gemm, tiles, size)?;
        let panels = self.shape.batch * self.nb * self.shape.k * e.gemm.nr;
        let last = e.index(panels - size * stride * tiles);
        Some(BPrefetch { at: e.min(start, last), stride })
    }

    /// The stride of [`Self::prefetch_from`]'s pointer, where it prefetches (decided before
    /// any of its code is emitted).
    fn prefetch_stride(&self, kn: GemmKernel, tiles: i64, size: i64) -> Option<i64> {
        let stride = (kn.nr + tiles - 1) / tiles;
        let panels = self.shape.batch * self.nb * self.shape.k * kn.nr;
        (kn.prefetch && tiles <= PREFETCH_TILES && panels >= 2 * size * stride * tiles).then_some(stride)
    }

    /// Work item `ivs` (batch, group, column panel) of the row panels `[p0, p1)`.
    fn item(&self, e: &mut Emit, ivs: &[Value], (groups, per_group): (i64, i64), [p0, p1]: [Value; 2]) -> Item {
        let (s, kn, nb) = (self.shape, e.gemm, self.nb);
        let (b, g, p) = (ivs[0], ivs[1], ivs[2]);
        let g_start = e.affine(g, per_group, 0);
        let g_lo = e.add(p0, g_start);
        let g_end = e.affine(g_lo, 1, per_group);
        let g_hi = e.min(g_end, p1);
        let cols: Vec<Value> = (0..kn.nr / kn.lanes).map(|q| e.affine(p, kn.nr, q * kn.lanes)).collect();
        let item = e.linearize(&ivs[..3], &[s.batch, groups, nb]);
        Item { b, p, p0, panels: [g_lo, g_hi], cols, item }
    }

    /// The tiles of work item `it` over block `kblock` of k (`size` steps a block): from zero
    /// when `first`, else adding to the padded result; each finished where it is with
    /// `finish`, else stored to the padded result. `b_next` is what its tiles prefetch.
    fn item_tiles(
        &self,
        e: &mut Emit,
        it: &Item,
        (kblock, size): (Value, i64),
        (first, finish): (bool, Option<(Value, Finish<'_>)>),
        b_next: Option<BPrefetch>,
    ) {
        let (s, kn, elem, mb, nb) = (self.shape, e.gemm, self.elem, self.mb, self.nb);
        let (a_pack, b_pack, c_pad, a_layout) =
            (self.a_pack.0, self.b_pack.0, self.c_pad.get().copied(), self.a_layout);
        let vt = e.ctx.vector_type(vec![kn.lanes], elem);
        let (b, p, p0, [g_lo, g_hi], cols, item) = (it.b, it.p, it.p0, it.panels, &it.cols, it.item);
        let k0 = e.affine(kblock, size, 0);
        let k_end = e.affine(kblock, size, size);
        let kmax = e.index(s.k);
        let k1 = e.min(k_end, kmax);
        let b_at = e.linearize(&[b, p, k0], &[s.batch, nb, s.k]);
        let b_at = e.affine(b_at, kn.nr, 0);
        let tile = |e: &mut Emit, panel: Value, a: (Value, ALayout, Value), which: RowPanels| {
            let packs = [(a.0, a.2), (b_pack, b_at)];
            // The tile's part of the padded result is read (a later block of k) or
            // written (the tile is not finished here), or both.
            let c_pad_use = (!first || finish.is_none()).then_some(CpUse { read: !first });
            let c_pad = c_pad_use.map(|u| (c_pad.expect("the padded result exists where a tile uses it"), u));
            // This tile's share of the next panel, after the earlier tiles' shares.
            let b_next = b_next.map(|next| {
                let nth = e.sub(panel, g_lo);
                let offset = e.affine(nth, size * next.stride, 0);
                BPrefetch { at: e.add(next.at, offset), ..next }
            });
            let sums = micro_tile(e, (kn, vt, elem), (packs, a.1, b_next), c_pad, [b, panel], cols, [k0, k1]);
            match finish {
                None => {
                    let (c_pad, _) = c_pad.expect("a tile not finished in place goes to the padded result");
                    for (r, row_sums) in sums.chunks(cols.len()).enumerate() {
                        let row = e.affine(panel, kn.mr, r as i64);
                        for (v, c) in row_sums.iter().zip(cols) {
                            e.b().op("vector.store", &[*v, c_pad, b, row, *c], &[], &[]);
                        }
                    }
                }
                Some((staging, finish)) => self.finish_tile(e, (staging, item), &sums, ([b, p, panel], which), finish),
            }
        };
        // Where a panel's A starts at k0.
        let a_at = |e: &mut Emit, panel: Value| match a_layout {
            ALayout::Panels => {
                let at = e.linearize(&[b, panel, k0], &[s.batch, mb, s.k]);
                e.affine(at, kn.mr, 0)
            }
            ALayout::Rows { stride, rows } => {
                let first = if self.a_by_blocks { e.sub(panel, p0) } else { panel };
                let row = e.affine(first, kn.mr, 0);
                e.linearize(&[b, row, k0], &[s.batch, rows, stride])
            }
        };
        // With A in place and a partial last panel, that panel is read from its copy,
        // after the full ones, where it is in this block.
        let full = self.a_tail.map(|_| e.index(s.m / kn.mr));
        let end = match full {
            Some(full) => e.min(g_hi, full),
            None => g_hi,
        };
        // Past the whole panels' loop only the partial one is left.
        let which = if full.is_some() { RowPanels::Whole } else { RowPanels::Any };
        e.for_range(g_lo, end, &[], |e, panel, _| {
            let at = a_at(e, panel);
            tile(e, panel, (a_pack, a_layout, at), which);
            Vec::new()
        });
        if let (Some(tail), Some(full)) = (self.a_tail, full) {
            // The group whose range holds the partial panel runs it.
            let after_full = e.affine(full, 1, 1);
            let (from_here, before_end) = (e.less(g_lo, after_full), e.less(full, g_hi));
            let has_tail = e.value("arith.andi", &[from_here, before_end], e.ctx.integer_type(1));
            e.if_then(has_tail, |e| {
                let zero_row = e.index(0);
                let at = e.linearize(&[b, zero_row, k0], &[s.batch, kn.mr, s.k]);
                tile(e, full, (tail, ALayout::Rows { stride: s.k, rows: kn.mr }, at), RowPanels::Last);
            });
        }
    }

    /// For A by blocks: zeros in the rows of the block's last panel past M (rows `[r1 - r0,
    /// (p1 - p0) · MR)` of the block; none but in the last block), which earlier blocks wrote.
    fn clear_block_padding(&self, e: &mut Emit, [r0, r1]: [Value; 2], p1: Value) {
        let (s, kn, buffer) = (self.shape, e.gemm, self.a_pack.0);
        let ALayout::Rows { stride, rows } = self.a_layout else { return };
        let (from, end) = (e.sub(r1, r0), e.affine(p1, kn.mr, 0));
        let to = e.sub(end, r0);
        let (zero_index, batch, k) = (e.index(0), e.index(s.batch), e.index(s.k));
        let z = zero(e, self.elem);
        e.parallel_between(&[from, zero_index, zero_index], &[to, batch, k], |e, ivs| {
            let at = e.linearize(&[ivs[1], ivs[0], ivs[2]], &[s.batch, rows, stride]);
            e.store(z, buffer, &[at]);
        });
    }

    /// C = A · B with A written block by block ([`Self::with_a_by_blocks`]): `fill(e, [r0,
    /// r1))` writes rows `[r0, r1)` of every batch (at rows `i - r0` of the buffer, through
    /// [`Self::store_a`]) just before they are used, and `done` is as for
    /// [`Self::compute_then`].
    pub fn compute_by_blocks(
        &self,
        e: &mut Emit,
        fill: impl FnOnce(&mut Emit, [Value; 2]),
        done: impl FnOnce(&mut Emit, [Value; 2]),
    ) {
        assert!(self.a_by_blocks, "compute_by_blocks needs a GEMM made with_a_by_blocks");
        self.padded_result(e);
        let first = e.index(0);
        self.k_block(e, first, self.shape.k, true, Some(fill), Some(done), None);
    }

    /// [`Self::compute_by_blocks`] with each tile finished as [`Self::compute_into`] does.
    pub fn compute_by_blocks_into(&self, e: &mut Emit, fill: impl FnOnce(&mut Emit, [Value; 2]), finish: Finish<'_>) {
        assert!(self.a_by_blocks, "compute_by_blocks_into needs a GEMM made with_a_by_blocks");
        let first = e.index(0);
        let staging = self.staging(e);
        self.k_block(e, first, self.shape.k, true, Some(fill), None::<NoRows>, Some((staging, finish)));
    }

    /// Finishes the tile of row panel `panel` and column panel `p`: its sums (vectors, row by
    /// row) go to the work item's staging tile, then `finish` runs on its elements inside
    /// the result, in a nest over (row, column) with constant bounds, so that `vectorize`
    /// takes it along the columns: whole tiles, and the partial ones of the last row or
    /// column panel, each under its own condition (rows only those `which` allows).
    fn finish_tile(
        &self,
        e: &mut Emit,
        (staging, item): (Value, Value),
        sums: &[Value],
        ([b, p, panel], which): ([Value; 3], RowPanels),
        finish: Finish<'_>,
    ) {
        let (s, kn) = (self.shape, e.gemm);
        let vectors = kn.nr / kn.lanes;
        for (at, v) in sums.iter().enumerate() {
            let (r, q) = (e.index(at as i64 / vectors), e.index(at as i64 % vectors * kn.lanes));
            e.b().op("vector.store", &[*v, staging, item, r, q], &[], &[]);
        }
        // (extent, condition) along rows and along columns: whole panels, then the last
        // partial one (only when M or N leaves one).
        let along = |e: &mut Emit, at: Value, total: i64, width: i64| {
            let (whole, rest) = (total / width, total % width);
            let mut cases: Vec<(i64, Option<Value>)> = Vec::new();
            if whole > 0 {
                let cond = (rest > 0).then(|| {
                    let w = e.index(whole);
                    e.less(at, w)
                });
                cases.push((width, cond));
            }
            if rest > 0 {
                let cond = (whole > 0).then(|| {
                    let w = e.index(whole - 1);
                    e.less(w, at)
                });
                cases.push((rest, cond));
            }
            cases
        };
        let row_cases = match which {
            RowPanels::Any => along(e, panel, s.m, kn.mr),
            RowPanels::Whole => vec![(kn.mr, None)],
            RowPanels::Last => vec![(s.m % kn.mr, None)],
        };
        let col_cases = along(e, p, s.n, kn.nr);
        for (rows, row_cond) in &row_cases {
            for (cols, col_cond) in &col_cases {
                let nest = |e: &mut Emit| {
                    e.parallel(&[*rows, *cols], |e, ivs| {
                        let v = e.load(staging, &[item, ivs[0], ivs[1]]);
                        let i = {
                            let start = e.affine(panel, kn.mr, 0);
                            e.add(start, ivs[0])
                        };
                        let j = {
                            let start = e.affine(p, kn.nr, 0);
                            e.add(start, ivs[1])
                        };
                        finish(e, v, [b, i, j]);
                    })
                };
                match (row_cond, col_cond) {
                    (None, None) => nest(e),
                    (Some(c), None) | (None, Some(c)) => e.if_then(*c, nest),
                    (Some(a), Some(c)) => {
                        let both = e.value("arith.andi", &[*a, *c], e.ctx.integer_type(1));
                        e.if_then(both, nest);
                    }
                }
            }
        }
    }
}

/// How a micro-tile uses its part of the padded result `Cp`: adds it to its sums when `read`
/// (a later block of k), else only writes it.
#[derive(Clone, Copy)]
struct CpUse {
    read: bool,
}

/// The sums of one MR × NR tile over the k range `[k0, k1)` (MR · NR / lanes vectors, row by
/// row), plus the tile's part of `Cp` when its use (`c_pad`) reads it. The panels are read at flat
/// offsets carried by the loop (`a_at`, `b_at` at `k0`), so each step's loads address a
/// register plus constants, with no index arithmetic.
///
/// The sums start from zero and `Cp` is added after the loop, its lines prefetched before it
/// (for writing when the tile only writes them): a tile's rows of `Cp` are a row stride apart,
/// which no hardware prefetcher follows, and loaded as the accumulators' initial values they
/// stalled the loop's start on memory where `Cp` is large (SGEMM 4096×4096×1024: 64 MiB).
#[allow(clippy::too_many_arguments)]
fn micro_tile(
    e: &mut Emit,
    (kn, vt, elem): (GemmKernel, Type, Type),
    ([(a_pack, a_at), (b_pack, b_at)], a_layout, b_next): ([(Value, Value); 2], ALayout, Option<BPrefetch>),
    c_pad: Option<(Value, CpUse)>,
    [b, panel]: [Value; 2],
    cols: &[Value],
    [k0, k1]: [Value; 2],
) -> Vec<Value> {
    let rows: Vec<Value> = (0..kn.mr).map(|r| e.affine(panel, kn.mr, r)).collect();
    if let Some((c_pad, usage)) = c_pad {
        // One per cache line of 64 bytes (a row of the tile is NR elements).
        let per_line = (64 / (e.ctx.int_or_float_width(elem).unwrap_or(32) as i64 / 8)).max(1);
        let lines: Vec<Value> = (0..kn.nr).step_by(per_line as usize).map(|c| e.affine(cols[0], 1, c)).collect();
        for row in &rows {
            for col in &lines {
                prefetch(e, c_pad, &[b, *row, *col], !usage.read, IN_L1);
            }
        }
    }
    let sums_count = rows.len() * cols.len();
    let z = zero(e, elem);
    let zeros = e.value("vector.broadcast", &[z], vt);
    let mut inits = vec![zeros; sums_count];
    inits.extend(b_next.map(|next| next.at));
    // A's offset last, for the reason the code generator puts the induction variable last.
    inits.push(a_at);
    // The loop runs over B's offset, so a step advances two registers and tests one.
    let steps = e.sub(k1, k0);
    let b_len = e.affine(steps, kn.nr, 0);
    let b_end = e.add(b_at, b_len);
    let done = e.for_range_by(b_at, b_end, kn.nr, &inits, |e, b_at, carried| {
        let a_at = carried[carried.len() - 1];
        let bs: Vec<Value> = (0..kn.nr / kn.lanes)
            .map(|c| {
                let at = e.affine(b_at, 1, c * kn.lanes);
                invariant_load(e, "vector.load", &[b_pack, at], vt)
            })
            .collect();
        let mut next = Vec::new();
        for r in 0..kn.mr {
            let at = e.affine(a_at, 1, a_layout.element(r));
            let a = invariant_load(e, "memref.load", &[a_pack, at], elem);
            let av = e.value("vector.broadcast", &[a], vt);
            for (c, bv) in bs.iter().enumerate() {
                let prod = e.value("arith.mulf", &[av, *bv], vt);
                let acc = carried[r as usize * bs.len() + c];
                next.push(e.value("arith.addf", &[acc, prod], vt));
            }
        }
        if let Some(BPrefetch { stride, .. }) = b_next {
            let ahead = carried[sums_count];
            prefetch(e, b_pack, &[ahead], false, IN_L2);
            next.push(e.affine(ahead, 1, stride));
        }
        next.push(e.affine(a_at, 1, a_layout.step(kn.mr)));
        next
    });
    let mut sums = done[..sums_count].to_vec();
    if let Some((c_pad, CpUse { read: true })) = c_pad {
        for (r, row) in rows.iter().enumerate() {
            for (q, c) in cols.iter().enumerate() {
                let before = e.value("vector.load", &[c_pad, b, *row, *c], vt);
                let at = r * cols.len() + q;
                sums[at] = e.value("arith.addf", &[before, sums[at]], vt);
            }
        }
    }
    sums
}

/// The row panels a call of [`PackedGemm::finish_tile`] may be given.
#[derive(Clone, Copy)]
enum RowPanels {
    /// Any: whole ones, or the last, partial one.
    Any,
    /// Whole ones only (the loop over the panels read in place, before the partial one).
    Whole,
    /// The last, partial one (A's copied tail).
    Last,
}

/// Work items a GEMM's parallel nest should offer at least (a few per thread of a small
/// machine; more only where there are column panels enough).
const PARALLEL_ITEMS: i64 = 16;

/// A callback on a range of rows, where none is given.
type NoRows = fn(&mut Emit, [Value; 2]);

/// The order in which packing reads an operand: the index its memory is contiguous in.
#[derive(Clone, Copy, Debug)]
enum SourceOrder {
    AlongK,
    AlongPanels,
}

/// How A reaches the micro-kernel.
#[derive(Clone, Copy, Debug)]
enum ALayout {
    /// Packed panels, `[batch][M/MR][K][MR]`.
    Panels,
    /// Rows of `stride` elements, `[batch][rows][stride]`: the MR rows of a tile are read at
    /// constant distances from one offset.
    Rows { stride: i64, rows: i64 },
}

impl ALayout {
    /// Where row r of a tile's step is, from the step's offset.
    fn element(self, r: i64) -> i64 {
        match self {
            ALayout::Panels => r,
            ALayout::Rows { stride, .. } => r * stride,
        }
    }

    /// How far the offset moves per step of k, for tiles of `mr` rows.
    fn step(self, mr: i64) -> i64 {
        match self {
            ALayout::Panels => mr,
            ALayout::Rows { .. } => 1,
        }
    }
}

/// The buffer for an operand's panels: static and flagged when cached, else scratch.
fn panels(e: &mut Emit, cached: &Option<String>, size: i64, elem: Type) -> (Value, Option<Value>) {
    let shape = &[size];
    match cached {
        Some(name) => {
            let global = |e: &mut Emit, name: &str, t: Type, attrs: &[(&str, strata_ir::Attribute)]| {
                let sym =
                    e.ctx.intern_attr(strata_ir::AttrKind::SymbolRef { root: name.to_string(), nested: Vec::new() });
                let mut attrs = attrs.to_vec();
                attrs.push(("name", sym));
                e.b().value("memref.get_global", &[], t, &attrs)
            };
            let buffer = global(e, name, e.ctx.memref_type(shape.to_vec(), elem), &[]);
            // The flag starts at zero, which `materialize-arenas` writes into its definition
            // (an uninitialized global may hold anything, 1 included, once compiled by LLVM).
            let i32t = e.ctx.integer_type(32);
            let zero = e.ctx.intern_attr(strata_ir::AttrKind::DenseElements {
                ty: e.ctx.tensor_type(vec![1], i32t),
                elements: strata_ir::DenseElements::Splat(strata_ir::DenseValue::Int(0)),
            });
            let flag_type = e.ctx.memref_type(vec![1], i32t);
            let flag = global(e, &format!("{name}_ready"), flag_type, &[(crate::arenas::INITIAL_VALUE, zero)]);
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

/// MLIR's `localityHint` for a line wanted in L1 (`prefetcht0` on x86-64) and for one wanted
/// in L2 but not L1 (`prefetcht1`), where it does not evict what the running tile reads.
const IN_L1: i64 = 3;
const IN_L2: i64 = 2;

/// `memref.prefetch` of the line holding `memref[indices]`, for writing or reading, with
/// `locality` ([`IN_L1`], [`IN_L2`]).
fn prefetch(e: &mut Emit, memref: Value, indices: &[Value], write: bool, locality: i64) {
    let attrs = [
        ("isWrite", e.ctx.bool_attr(write)),
        ("localityHint", e.ctx.integer_attr(locality.into(), e.ctx.integer_type(32))),
        ("isDataCache", e.ctx.bool_attr(true)),
    ];
    let mut operands = vec![memref];
    operands.extend_from_slice(indices);
    e.b().op("memref.prefetch", &operands, &[], &attrs);
}

/// One parallel work item: batch `b`, column panel `p`, and its row panels
/// `panels` (of the block of rows starting at panel `p0`); `cols` are the first columns of
/// its tile's vectors, `item` its number (its staging tile).
struct Item {
    b: Value,
    p: Value,
    p0: Value,
    panels: [Value; 2],
    cols: Vec<Value>,
    item: Value,
}

/// The next work item's B panel, prefetched while this item's tiles run
/// ([`PackedGemm::next_b_panel`]).
#[derive(Clone, Copy)]
struct BPrefetch {
    /// Where this tile's share of it starts, in B's panels.
    at: Value,
    /// Elements the pointer moves per step of k: NR over the item's tiles, rounded up, so
    /// that its tiles together cover the panel (with many tiles, a line is prefetched on
    /// several steps running: the repeats hit L1 and cost a load slot each).
    stride: i64,
}

/// Tiles per work item up to which the next item's B panel is prefetched: with more, loading
/// a panel is a small part of the time its tiles take, and prefetching it cost SGEMM 1024³
/// 1.5% when K was cut in blocks (128 tiles an item). With K whole, SGEMM has 32 tiles an
/// item, and the prefetch took 4096×4096×1024 from 239 to 200–206 ms.
const PREFETCH_TILES: i64 = 32;

/// A load from a packed panel, marked `strata.invariant`: nothing writes the panels while the
/// micro-kernel runs, so a code generator may move the load to its use.
fn invariant_load(e: &mut Emit, name: &str, operands: &[Value], ty: Type) -> Value {
    let unit = e.ctx.intern_attr(strata_ir::AttrKind::Unit);
    e.b().value(name, operands, ty, &[("strata.invariant", unit)])
}

/// `load()` where `index < bound`, else zero; the check is only emitted where `bound` is not
/// a multiple of the panel width `step` (padding exists).
fn guarded(
    e: &mut Emit,
    elem: Type,
    (i, bound, step): (Value, i64, i64),
    load: impl FnOnce(&mut Emit) -> Value,
) -> Value {
    if bound % step == 0 {
        return load(e);
    }
    let bv = e.index(bound);
    let c = e.less(i, bv);
    e.select_if(c, elem, load, |e| zero(e, elem))
}

#[cfg(test)]
mod tests {
    use super::{Blocking, GemmKernel, GemmShape};

    /// K is cut into blocks of KC unless the padded result outgrows L2 and B's panel for all
    /// of K fits a sixteenth of it; then the rows per block follow from K.
    #[test]
    fn a_result_larger_than_l2_takes_k_whole() {
        let k512 = GemmKernel::new(512, 48 << 10, 2 << 20).unwrap();
        let shape = |m, n, k| GemmShape { batch: 1, m, n, k };
        // SGEMM 1024³: a 4 MiB result; a panel of 128 KiB.
        assert_eq!(k512.blocking(shape(1024, 1024, 1024)), Blocking { blocks: 1, size: 1024, mc: 256 });
        // ResNet-18's 7² layers: a small result, K in 18 blocks of 256.
        assert_eq!(k512.blocking(shape(49, 512, 4608)), Blocking { blocks: 18, size: 256, mc: k512.mc });
        // A large result, but a panel of 576 KiB for K = 4608: blocks of KC.
        assert_eq!(k512.blocking(shape(4096, 4096, 4608)).blocks, 18);
        // K within one block of KC: as it was.
        assert_eq!(k512.blocking(shape(4096, 4096, 200)), Blocking { blocks: 1, size: 200, mc: k512.mc });
    }

    /// The cost model prices a GEMM's rows in whole micro-tiles of the target's height.
    #[test]
    fn the_cost_model_counts_rows_in_these_tiles() {
        for bits in [128, 256, 512] {
            let kernel = GemmKernel::new(bits, 48 << 10, 2 << 20).unwrap();
            assert_eq!(kernel.mr as f64, strata_passes::egraph::cost::gemm_tile_rows(bits as u32), "{bits} bits");
        }
    }

    /// The blockings from the caches are the ones measured best on a 48 KiB L1 and 2 MiB L2
    /// (the defaults, the 128-bit kernel's KC = 1024 and 42 row panels per block; KC = 256 for
    /// the 512-bit one), whole tiles of rows per block, and bad options are errors.
    #[test]
    fn blockings_follow_the_caches() {
        let k128 = GemmKernel::default();
        assert_eq!((k128.lanes, k128.mr, k128.nr, k128.kc, k128.mc), (4, 6, 8, 1024, 252));
        let k512 = GemmKernel::new(512, 48 << 10, 2 << 20).unwrap();
        assert_eq!((k512.lanes, k512.nr, k512.kc), (16, 32, 256));
        assert_eq!(k512.mc % k512.mr, 0);
        assert!(k512.mc * k512.kc * 4 <= 1 << 20);
        let small = GemmKernel::new(256, 32 << 10, 256 << 10).unwrap();
        assert_eq!((small.lanes, small.nr, small.kc), (8, 16, 341));
        assert_eq!(small.with_blocks(100, 50).unwrap(), GemmKernel { kc: 100, mc: 48, ..small });
        assert_eq!(k512.with_rows(12).unwrap().mc % 12, 0);
        assert!(k512.with_rows(33).is_err());
        assert!(GemmKernel::new(64, 48 << 10, 2 << 20).is_err());
        assert!(GemmKernel::new(128, 512, 2 << 20).is_err());
        assert!(k128.with_blocks(-1, 0).is_err());
    }
}
