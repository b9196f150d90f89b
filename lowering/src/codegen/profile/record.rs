//! Recording a profiled run in the JIT: the hooks compiled code calls around each kernel, a
//! `__strata_parallel_for` that also times each chunk of a parallel loop, and the events they
//! leave.
//!
//! A [`Profile`] is active on a thread while [`Profile::record`] runs an entry point there
//! (the JIT's [`Call::invoke`](crate::codegen::jit::Call::invoke) does so, on whichever pool
//! thread runs the call); hooks called on a thread where none is active do nothing. Kernel
//! spans are timed on the calling thread (one kernel is open at a time: entry points run their
//! kernels one after the other), chunks on the threads that run them, all against one
//! monotonic clock (`Instant`, the vDSO's `clock_gettime`: some 20 ns a reading).

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::super::parallel::{self, Body};
use super::Kernel;

/// What an event spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// One call of the entry point.
    Entry,
    /// One call of a kernel (an index into [`Profile::kernels`]).
    Kernel(u32),
    /// Iterations `[lo, hi)` of a parallel loop of a kernel, on one thread.
    Chunk { kernel: u32, lo: i64, hi: i64 },
}

/// A timed span: nanoseconds from the profile's start, on a thread numbered by [`thread`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub span: Span,
    pub thread: u32,
    pub start_ns: u64,
    pub dur_ns: u64,
}

/// The kernels of a profiled module and the events of its calls so far.
pub struct Profile {
    kernels: Vec<Kernel>,
    epoch: Instant,
    /// Events by thread number modulo [`SHARDS`]: threads ending chunks at the same moment
    /// each lock their own shard (one lock for all cost ResNet-18 40% on 16 threads).
    shards: Box<[Shard]>,
}

/// Threads whose events go to distinct shards.
const SHARDS: usize = 64;

/// One shard of events, on its own cache lines so that threads do not share them.
#[repr(align(128))]
#[derive(Default)]
struct Shard(Mutex<Vec<Event>>);

thread_local! {
    /// The profile being recorded on this thread (null when none).
    static ACTIVE: Cell<*const Profile> = const { Cell::new(std::ptr::null()) };
    /// The kernel open on this thread and when it began.
    static OPEN: Cell<Option<(u32, u64)>> = const { Cell::new(None) };
    static THREAD: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// A small number for the current thread, the same for its whole life (trace viewers show one
/// row per number).
pub fn thread() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    THREAD.with(|t| {
        if t.get() == u32::MAX {
            t.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        t.get()
    })
}

impl Profile {
    /// A profile of code instrumented for `kernels` (hook id `k` is `kernels[k]`).
    pub fn new(kernels: Vec<Kernel>) -> Profile {
        Profile { kernels, epoch: Instant::now(), shards: (0..SHARDS).map(|_| Shard::default()).collect() }
    }

    pub fn kernels(&self) -> &[Kernel] {
        &self.kernels
    }

    /// The events recorded since the last call, in the order they ended.
    pub fn take_events(&self) -> Vec<Event> {
        let mut events: Vec<Event> = Vec::new();
        for shard in &self.shards {
            events.append(&mut shard.0.lock().unwrap_or_else(|p| p.into_inner()));
        }
        events.sort_by_key(|e| e.start_ns + e.dur_ns);
        events
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    fn push(&self, span: Span, start_ns: u64) {
        let thread = thread();
        let event = Event { span, thread, start_ns, dur_ns: self.now().saturating_sub(start_ns) };
        self.shards[thread as usize % SHARDS].0.lock().unwrap_or_else(|p| p.into_inner()).push(event);
    }

    /// Runs `call` (one call of an entry point) with this profile active on this thread, and
    /// records it as an [`Span::Entry`].
    pub fn record<T>(&self, call: impl FnOnce() -> T) -> T {
        /// Restores the thread's state however `call` ends.
        struct Restore(*const Profile);
        impl Drop for Restore {
            fn drop(&mut self) {
                ACTIVE.with(|a| a.set(self.0));
                OPEN.with(|o| o.set(None));
            }
        }
        let _restore = Restore(ACTIVE.with(|a| a.replace(self)));
        OPEN.with(|o| o.set(None));
        let start = self.now();
        let out = call();
        self.push(Span::Entry, start);
        out
    }
}

/// The profile active on this thread.
fn active() -> Option<&'static Profile> {
    let p = ACTIVE.with(|a| a.get());
    // SAFETY: `ACTIVE` is non-null only inside `Profile::record`, which borrows the profile for
    // longer than anything on this thread can use the reference (the hooks below return first).
    unsafe { p.as_ref() }
}

/// `__strata_profile_begin(id)`.
pub extern "C" fn begin(kernel: u32) {
    if let Some(p) = active() {
        OPEN.with(|o| o.set(Some((kernel, p.now()))));
    }
}

/// `__strata_profile_end(id)`: records the kernel's span if it was the one begun.
pub extern "C" fn end(kernel: u32) {
    if let (Some(p), Some((open, start))) = (active(), OPEN.with(|o| o.take())) {
        if open == kernel {
            p.push(Span::Kernel(kernel), start);
        }
    }
}

/// `__strata_parallel_for` of profiled code: [`parallel::parallel_for`]'s split of the
/// iterations, each chunk timed on the thread that runs it, for the kernel open on the calling
/// thread.
///
/// # Safety
/// As [`parallel::parallel_for`].
pub unsafe extern "C" fn parallel_for(body: Body, ctx: *const u8, n: i64) {
    let (Some(p), Some((kernel, _))) = (active(), OPEN.with(|o| o.get())) else {
        // SAFETY: the caller's contract.
        return unsafe { parallel::parallel_for(body, ctx, n) };
    };
    let ctx = ctx as usize;
    parallel::for_chunks(n, |lo, hi| {
        let start = p.now();
        // SAFETY: the caller's contract; chunks are disjoint.
        unsafe { body(ctx as *const u8, lo, hi) };
        p.push(Span::Chunk { kernel, lo, hi }, start);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn count(ctx: *const u8, lo: i64, hi: i64) {
        let total = unsafe { &*(ctx as *const AtomicU32) };
        total.fetch_add((hi - lo) as u32, Ordering::Relaxed);
    }

    #[test]
    fn hooks_record_kernels_and_chunks_only_while_a_profile_is_active() {
        let p = Profile::new(Vec::new());
        begin(0);
        end(0);
        assert!(p.take_events().is_empty(), "no profile active: nothing recorded");
        let total = AtomicU32::new(0);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        pool.install(|| {
            p.record(|| {
                begin(3);
                // SAFETY: `count` only adds to the counter.
                unsafe { parallel_for(count, &total as *const AtomicU32 as *const u8, 100) };
                end(3);
                begin(4);
                end(5); // not the open kernel: dropped
            })
        });
        assert_eq!(total.load(Ordering::Relaxed), 100);
        let events = p.take_events();
        let chunks: Vec<(i64, i64)> = events
            .iter()
            .filter_map(|e| match e.span {
                Span::Chunk { kernel: 3, lo, hi } => Some((lo, hi)),
                _ => None,
            })
            .collect();
        assert_eq!(chunks.iter().map(|(lo, hi)| hi - lo).sum::<i64>(), 100, "{events:?}");
        let spans: Vec<Span> = events.iter().map(|e| e.span).filter(|s| !matches!(s, Span::Chunk { .. })).collect();
        assert_eq!(spans, [Span::Kernel(3), Span::Entry]);
        let (kernel, entry) = (events.iter().find(|e| e.span == Span::Kernel(3)).unwrap(), events.last().unwrap());
        assert!(entry.start_ns <= kernel.start_ns && kernel.start_ns + kernel.dur_ns <= entry.start_ns + entry.dur_ns);
        begin(1);
        end(1);
        assert!(p.take_events().is_empty(), "recording stops with the call");
    }
}
