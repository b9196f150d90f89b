//! The machine's peaks, measured once per profiled run with a short calibration (some 0.3 s),
//! on as many threads as the profiled code runs on: a constant would be wrong on the next
//! machine, and a shared machine's peak is what its cores give now.
//!
//! - Operations: a loop of multiply-adds on the vectors the profiled code's backend uses,
//!   independent accumulators per thread so that the FMA units, not their latency, bound it,
//!   compiled by the same backend and split by the same `__strata_parallel_for` as the
//!   profiled code: Cranelift's 128-bit vectors (`vector<4xf32>`, a multiply and an add
//!   it fuses, 8 flops), or the LLVM backend's: the machine's widest as `math.fma`
//!   (`vector<16xf32>` with AVX-512, 32 flops; `vector<8xf32>` with AVX2). Each backend's
//!   kernels run on its own vectors, so this is the peak they can reach.
//! - Memory: a copy of 64 MiB (far past the caches) split over the threads, counting the
//!   bytes read and written.
//!
//! Each is the best of five runs. The benchmarks time the same kernel (`fma_source`) for the
//! LLVM backend's peak.

use std::time::Instant;

use rayon::prelude::*;
use strata_ir::Context;
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_runtime::tensor::{Elem, Tensor};

/// Peak operations and memory bandwidth, per second.
#[derive(Clone, Copy, Debug)]
pub struct Peaks {
    pub flops: f64,
    pub bytes: f64,
    pub threads: usize,
    /// f32 lanes of the vectors `flops` was measured on.
    pub lanes: usize,
}

/// Loop iterations per chunk; four chunks per thread.
const ITERATIONS: usize = 1 << 19;
/// The copied buffer.
const COPY_BYTES: usize = 64 << 20;
const REPEATS: usize = 5;

/// The vectors a backend's kernels run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vectors {
    /// Cranelift's: 4 lanes, a multiply and an add that it fuses.
    Cranelift,
    /// The LLVM backend's on this machine (`--cpu native`): 16 lanes with AVX-512, 8 with
    /// AVX2, as `math.fma` (LLVM fuses only what it is told to).
    Llvm,
}

impl Vectors {
    /// Independent accumulators per thread: the FMA's latency (4 cycles) times its units (2),
    /// with room, within the registers (16 of AVX-512's 32; 12 of the 16 that SSE and AVX2
    /// have, `a` and `b` beside them).
    pub fn accumulators(self) -> usize {
        if self.lanes() == 16 {
            16
        } else {
            12
        }
    }

    pub fn lanes(self) -> usize {
        match self {
            Vectors::Cranelift => 4,
            Vectors::Llvm => strata_llvm::host_vector_bits() as usize / 32,
        }
    }
}

/// `@fma(%ab)`: `chunks` parallel iterations, each running `steps` steps of `acc = acc * a + b`
/// on [`Vectors::accumulators`] vectors from `b` (`a` = 0.999 and `b` = 0.001 from `%ab`, so the values
/// stay in (0, 1): no overflow, no denormals) and returning them.
pub fn fma_source(chunks: usize, steps: usize, vectors: Vectors) -> String {
    let n = vectors.accumulators();
    let lanes = vectors.lanes();
    let v = format!("vector<{lanes}xf32>");
    let list = |f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>().join(", ");
    let types = list(&|_| v.clone());
    let mut body = String::new();
    for k in 0..n {
        body.push_str(&match vectors {
            Vectors::Cranelift => {
                format!("        %m{k} = arith.mulf %acc{k}, %a : {v}\n        %s{k} = arith.addf %m{k}, %b : {v}\n")
            }
            Vectors::Llvm => format!("        %s{k} = math.fma %acc{k}, %a, %b : {v}\n"),
        });
    }
    let mut stores = String::new();
    for k in 0..n {
        stores.push_str(&format!(
            "    %o{k} = arith.constant {} : index\n    vector.store %r#{k}, %out[%p, %o{k}] : memref<{chunks}x{}xf32>, {v}\n",
            lanes * k,
            lanes * n
        ));
    }
    format!(
        r#"func.func @fma(%ab: memref<{ab}xf32>) -> memref<{chunks}x{w}xf32> {{
  %out = memref.alloc() : memref<{chunks}x{w}xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %lanes = arith.constant {lanes} : index
  %chunks = arith.constant {chunks} : index
  %steps = arith.constant {steps} : index
  "scf.parallel"(%c0, %chunks, %c1) <{{operandSegmentSizes = array<i32: 1, 1, 1, 0>}}> ({{
  ^bb0(%p: index):
    %a = vector.load %ab[%c0] : memref<{ab}xf32>, {v}
    %b = vector.load %ab[%lanes] : memref<{ab}xf32>, {v}
    %r:{n} = "scf.for"(%c0, %steps, %c1, {inits}) ({{
      ^bb0(%i: index, {args}):
{body}        "scf.yield"({yields}) : ({types}) -> ()
    }}) : (index, index, index, {types}) -> ({types})
{stores}    "scf.reduce"() : () -> ()
  }}) : (index, index, index) -> ()
  return %out : memref<{chunks}x{w}xf32>
}}"#,
        w = lanes * n,
        ab = 2 * lanes,
        inits = list(&|_| "%b".to_string()),
        args = list(&|k| format!("%acc{k}: {v}")),
        yields = list(&|k| format!("%s{k}")),
    )
}

/// `%ab` of `@fma`: a vector of `a`, one of `b`.
pub fn coefficients(vectors: Vectors) -> Tensor {
    let lanes = vectors.lanes();
    let ab = [vec![0.999; lanes], vec![0.001; lanes]].concat();
    Tensor::from_floats(&[2 * lanes], Elem::F32, ab)
}

/// The best of `REPEATS` timings of `f`, in seconds.
fn best(mut f: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    let mut best = f64::INFINITY;
    for _ in 0..REPEATS {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// The calibration kernel compiled by the backend that `vectors` are of.
fn compile(ctx: &Context, vectors: Vectors, chunks: usize, options: JitOptions) -> Result<Jit, String> {
    let src = fma_source(chunks, ITERATIONS, vectors);
    let m = strata_ir::parse_source(ctx, "peak.mlir", &src, &Default::default()).map_err(|e| format!("{e:?}"))?;
    match vectors {
        Vectors::Cranelift => Jit::compile(ctx, &m.ir, m.root, options).map_err(|e| e.to_string()),
        Vectors::Llvm => strata_llvm::compile_jit(ctx, &m.ir, m.root, None, options).map_err(|e| e.to_string()),
    }
}

/// What the peaks are measured on: the profiled code's threads (rayon's default, one per
/// core, with `None`) and the vectors of the backend it was compiled by.
#[derive(Clone, Copy, Debug)]
pub struct Calibration {
    pub threads: Option<usize>,
    pub vectors: Vectors,
}

/// Measures the peaks as `calibration` says.
pub fn measure(ctx: &Context, Calibration { threads, vectors }: Calibration) -> Result<Peaks, String> {
    let fail = |e: String| format!("error: measuring the machine's peaks: {e}");
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads.unwrap_or(0)).build().map_err(|e| fail(e.to_string()))?;
    let threads = pool.current_num_threads();
    let chunks = 4 * threads;
    let jit = compile(ctx, vectors, chunks, JitOptions { threads: Some(threads), poison: false }).map_err(fail)?;
    let mut call = jit.prepare("fma", &[coefficients(vectors)]).map_err(|e| fail(e.to_string()))?;
    let fma_seconds = best(|| call.invoke().map_err(|e| fail(e.to_string())))?;
    let flops = (chunks * ITERATIONS * vectors.accumulators() * 2 * vectors.lanes()) as f64 / fma_seconds;

    // Filled with non-zero bytes so that every page is real before the timing.
    let from = vec![1u8; COPY_BYTES];
    let mut to = vec![2u8; COPY_BYTES];
    let part = COPY_BYTES.div_ceil(threads);
    let copy_seconds = best(|| {
        pool.install(|| to.par_chunks_mut(part).zip(from.par_chunks(part)).for_each(|(d, s)| d.copy_from_slice(s)));
        Ok(())
    })?;
    Ok(Peaks { flops, bytes: (2 * COPY_BYTES) as f64 / copy_seconds, threads, lanes: vectors.lanes() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel `vectors` are of, `steps` steps on 3 chunks, run: every lane of every
    /// accumulator.
    fn run(vectors: Vectors, steps: usize) -> Vec<f64> {
        let mut ctx = Context::new();
        strata_dialects::register_all(&mut ctx);
        let m =
            strata_ir::parse_source(&ctx, "peak.mlir", &fma_source(3, steps, vectors), &Default::default()).unwrap();
        strata_ir::verify(&ctx, &m.ir, m.root).unwrap();
        let options = JitOptions { threads: Some(2), poison: true };
        let jit = match vectors {
            Vectors::Cranelift => Jit::compile(&ctx, &m.ir, m.root, options).unwrap(),
            Vectors::Llvm => strata_llvm::compile_jit(&ctx, &m.ir, m.root, None, options).unwrap(),
        };
        let out = jit.run("fma", &[coefficients(vectors)]).unwrap();
        assert_eq!(out[0].shape, [3, vectors.lanes() * vectors.accumulators()]);
        out[0].floats().to_vec()
    }

    /// acc(n) = 1 - (1 - acc(0)) * 0.999^n from acc(0) = 0.001, in f32 with one rounding per
    /// step (two unfused): within 1e-5 after 10 steps (an error of a few ulps per step).
    fn check(got: &[f64], steps: usize) {
        let want = 1.0 - 0.999 * 0.999f64.powi(steps as i32);
        for (i, x) in got.iter().enumerate() {
            assert!((x - want).abs() < 1e-5, "lane {i}: {x}, want {want}");
        }
    }

    #[test]
    fn the_calibration_kernel_runs_every_step_of_every_accumulator() {
        check(&run(Vectors::Cranelift, 10), 10);
    }

    /// With the backend built in (`cargo test -p strata-tools --features llvm`).
    #[cfg(feature = "llvm")]
    #[test]
    fn the_llvm_calibration_kernel_runs_every_step_of_every_accumulator() {
        check(&run(Vectors::Llvm, 10), 10);
    }
}
