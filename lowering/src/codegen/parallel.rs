//! Parallel loops at run time. Compiled code calls
//! `__strata_parallel_for(body, ctx, n)` for the outermost `scf.parallel` of each nest, with `body`
//! the outlined loop body over iterations `[lo, hi)`. The JIT binds it to [`parallel_for`], which
//! splits the range into a few chunks per thread (so a slow core does not hold the rest back)
//! and runs them on the call's spinning [`Team`], or on the rayon pool the call runs in when no
//! team serves it; the C drivers bind it to [`C_PARALLEL_FOR`] on pthreads.

use rayon::prelude::*;

use super::team::{Team, MAX_CHUNKS};

/// The outlined body of a parallel loop.
pub type Body = unsafe extern "C" fn(ctx: *const u8, lo: i64, hi: i64);

/// Chunks per thread: enough to even out a noisy machine, few enough that each chunk is long.
const CHUNKS_PER_THREAD: i64 = 4;

/// `__strata_parallel_for` for the JIT.
///
/// # Safety
/// `body` must be safe to call with `ctx` and any sub-range of `[0, n)`, from several threads at
/// once; compiled code guarantees that, as the iterations of an `scf.parallel` are independent.
pub unsafe extern "C" fn parallel_for(body: Body, ctx: *const u8, n: i64) {
    let ctx = ctx as usize;
    // SAFETY: the caller's contract; chunks are disjoint.
    for_chunks(n, |lo, hi| unsafe { body(ctx as *const u8, lo, hi) });
}

/// Runs `run` over `[0, n)` split into disjoint chunks on the team entered on this thread, else
/// on the current rayon pool (the whole range on this thread when there is one thread); shared
/// with the profiling `__strata_parallel_for` (`profile::record`), so both split alike.
pub(crate) fn for_chunks(n: i64, run: impl Fn(i64, i64) + Sync + Send) {
    if let Some(team) = Team::current() {
        let chunks = n.min(team.threads() as i64 * CHUNKS_PER_THREAD).min(i64::from(MAX_CHUNKS));
        if chunks <= 1 {
            run(0, n);
        } else {
            team.run(n, chunks as u32, &run);
        }
        return;
    }
    let threads = rayon::current_num_threads() as i64;
    if threads <= 1 || n <= 1 {
        run(0, n);
        return;
    }
    let chunks = n.min(threads * CHUNKS_PER_THREAD);
    (0..chunks).into_par_iter().for_each(|c| run(c * n / chunks, (c + 1) * n / chunks));
}

/// `__strata_parallel_for` in C, for drivers linked with an object: one pthread per core
/// (`STRATA_NUM_THREADS`, else the online CPUs), each taking an equal share.
pub const C_PARALLEL_FOR: &str = r#"
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef void (*strata_body)(const void *ctx, int64_t lo, int64_t hi);
struct strata_share { strata_body body; const void *ctx; int64_t lo, hi; };

static void *strata_run_share(void *p) {
  struct strata_share *s = (struct strata_share *)p;
  s->body(s->ctx, s->lo, s->hi);
  return NULL;
}

void __strata_parallel_for(strata_body body, const void *ctx, int64_t n) {
  static long threads = 0;
  if (threads == 0) {
    const char *env = getenv("STRATA_NUM_THREADS");
    threads = env ? atol(env) : sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
  }
  int64_t t = n < threads ? n : threads;
  if (t <= 1) { body(ctx, 0, n); return; }
  pthread_t ids[64];
  struct strata_share shares[64];
  for (int64_t i = 0; i < t; i++) {
    shares[i] = (struct strata_share){body, ctx, i * n / t, (i + 1) * n / t};
    if (i > 0) pthread_create(&ids[i], NULL, strata_run_share, &shares[i]);
  }
  strata_run_share(&shares[0]);
  for (int64_t i = 1; i < t; i++) pthread_join(ids[i], NULL);
}
"#;
