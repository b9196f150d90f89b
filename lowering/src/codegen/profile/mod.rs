//! Per-kernel profiles of compiled code (`strata-run --profile`).
//!
//! A *kernel* is what one graph-level op (`nn.*`, or a fused `kernel.*`) becomes: the loop
//! nests `lower-to-loops` writes for it. The mapping survives lowering through locations:
//!
//! 1. `profile-kernels` ([`tag`]), run on the graph just before `lower-to-loops`, wraps each
//!    graph op's location in `loc(fused<{strata.kernel = {...}}>[original])`, the metadata
//!    naming the op (function, index, op name, algorithm, fused body ops, result type) and its
//!    work ([`work`]: operations and bytes from its shapes). The lowering gives every op it
//!    emits for a graph op that op's location, so each nest carries its kernel's tag; the
//!    original location is still the one diagnostics and trap sites report.
//! 2. With [`CompileOptions::profile`](super::CompileOptions::profile), the translator brackets
//!    each kernel's run of top-level ops in a function body ([`segments`]) with calls to
//!    `__strata_profile_begin(id)` and `__strata_profile_end(id)`. Without it nothing is
//!    emitted: the default compile is the same machine code, tags or not.
//! 3. The JIT binds the hooks to [`record`], which times each call on the calling thread and,
//!    through a profiling `__strata_parallel_for`, each chunk of a parallel loop on the thread
//!    that ran it.
//!
//! Objects for x86-64 and AArch64 are not instrumented: their C drivers define no hooks.

pub mod record;
pub mod tag;
pub mod work;

use strata_ir::{Attribute, Context, Ir, LocKind, Location, OpId};

pub use work::Work;

/// The hook called before a kernel's code, with the kernel's id (`void (int32_t)`).
pub const BEGIN: &str = "__strata_profile_begin";
/// The hook called after it.
pub const END: &str = "__strata_profile_end";

/// The key of the metadata dictionary in a tagged location.
const KEY: &str = "strata.kernel";

/// What a kernel is: the graph op it was lowered from, and the work of one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kernel {
    /// The function the op was in.
    pub function: String,
    /// The op's position among the graph ops of its function.
    pub index: u32,
    /// `kernel.conv2d`, `nn.max_pool2d` …
    pub op: String,
    /// A convolution's algorithm (`im2col_gemm`, `winograd_f43` …).
    pub algorithm: Option<String>,
    /// The `arith`/`math` ops of a fused body or epilogue, in order (`addf`, `maximumf`).
    pub fused: Vec<String>,
    /// The op's source location: an ONNX node's name, or `file:line:col`.
    pub location: String,
    /// The result type(s).
    pub result: String,
    pub work: Work,
}

impl Kernel {
    /// `kernel.conv2d[im2col_gemm](maximumf)`: the op, its algorithm, what it fused.
    pub fn name(&self) -> String {
        let mut s = self.op.clone();
        if let Some(a) = &self.algorithm {
            s.push_str(&format!("[{a}]"));
        }
        if !self.fused.is_empty() {
            s.push_str(&format!("({})", self.fused.join(",")));
        }
        s
    }
}

/// The location as a profile shows it: a name (an ONNX node) as written, a file location as
/// `file:line:col` with the file's last component, an inlined op where it was written.
pub fn describe_loc(ctx: &Context, loc: Location) -> String {
    let nested = |a: &Attribute| describe_loc(ctx, ctx.location(*a).unwrap_or_else(|| ctx.unknown_loc()));
    match &*ctx.loc_kind(loc) {
        LocKind::File { file, line, col } => {
            let file = ctx.ident_str(*file);
            let base = std::path::Path::new(file).file_name().and_then(|f| f.to_str()).unwrap_or(file);
            format!("{base}:{line}:{col}")
        }
        LocKind::Name { name, .. } => name.clone(),
        LocKind::CallSite { callee, .. } => nested(callee),
        LocKind::Fused { locs, .. } => {
            let mut parts: Vec<String> = Vec::new();
            for l in locs {
                let d = nested(l);
                if !parts.contains(&d) {
                    parts.push(d);
                }
            }
            parts.join("+")
        }
        _ => "unknown".into(),
    }
}

/// The kernel a location was tagged with by [`tag`], and the tag's metadata (one attribute
/// per kernel: the key that tells kernels apart).
pub fn kernel_of(ctx: &Context, loc: Location) -> Option<(Attribute, Kernel)> {
    let LocKind::Fused { locs, metadata: Some(meta) } = &*ctx.loc_kind(loc) else {
        return None;
    };
    let d = ctx.dict_get(*meta, KEY)?;
    let text = |k: &str| ctx.dict_get(d, k).and_then(|a| ctx.attr_as_str(a)).map(str::to_string);
    let int = |k: &str| ctx.dict_get(d, k).and_then(|a| ctx.attr_as_int(a));
    let original = locs.first().and_then(|l| ctx.location(*l)).unwrap_or_else(|| ctx.unknown_loc());
    let kernel = Kernel {
        function: text("function")?,
        index: u32::try_from(int("index")?).ok()?,
        op: text("op")?,
        algorithm: text("algorithm"),
        fused: text("fused").map(|f| f.split(',').filter(|s| !s.is_empty()).map(String::from).collect())?,
        location: describe_loc(ctx, original),
        result: text("result")?,
        work: Work { flops: int("flops").map(|f| f as u64), bytes: int("bytes")? as u64 },
    };
    Some((*meta, kernel))
}

/// Whether a top-level op of a lowered function does work that belongs to a kernel: loops and
/// conditionals, stores, copies, calls and allocations. Constants, views and index arithmetic
/// between two of a kernel's nests neither start nor end it.
fn does_work(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    let o = ir.op(op);
    !o.regions().is_empty()
        || matches!(
            ctx.ident_str(o.name()),
            "memref.store" | "vector.store" | "memref.copy" | "memref.alloc" | "memref.dealloc" | "func.call"
        )
}

/// A kernel's run of ops in a block: from `first` to `last` (both ops that do work).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub first: OpId,
    pub last: OpId,
    pub tag: Attribute,
}

/// The kernels' runs of ops among `ops` (a block's, in order): consecutive working ops with
/// the same tag make one segment; a working op without a tag ends the current one (its time
/// is outside every kernel). Each segment comes with its kernel.
pub fn segments(ctx: &Context, ir: &Ir, ops: impl IntoIterator<Item = OpId>) -> Vec<(Segment, Kernel)> {
    let mut out: Vec<(Segment, Kernel)> = Vec::new();
    let mut open = false;
    for op in ops {
        if !does_work(ctx, ir, op) {
            continue;
        }
        match kernel_of(ctx, ir.op(op).loc()) {
            Some((tag, _)) if open && out.last().is_some_and(|(s, _)| s.tag == tag) => {
                out.last_mut().expect("an open segment").0.last = op;
            }
            Some((tag, kernel)) => {
                out.push((Segment { first: op, last: op, tag }, kernel));
                open = true;
            }
            None => open = false,
        }
    }
    out
}
