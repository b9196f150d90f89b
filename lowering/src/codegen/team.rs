//! A team of threads that spin between parallel loops, for calls of compiled code.
//!
//! A model is a few hundred parallel nests in a row, a few to a few hundred microseconds each
//! (MobileNetV2: ~300 a call). rayon's workers go to sleep as soon as they run out of work,
//! and waking one took 10–13 µs here after each gap between nests (0.9 µs back to back), so
//! two threads spent a tenth to a third of a call waking up. onnxruntime's pool and OpenMP's
//! active wait spin instead; so does this team: while a call runs, its workers poll for the
//! next loop and take chunks of it as soon as it is posted, and park only after [`SPIN`] with
//! nothing to do (between calls).
//!
//! One call at a time uses a team ([`Team::enter`]); the thread making the call takes chunks
//! too, so a team of `n` threads has `n - 1` workers. Loops posted while no team is entered on
//! the thread (a second call at once) go to rayon as before ([`super::parallel::for_chunks`]).
//! Compiled modules share one team per thread count ([`Team::shared`]): with a team each, the
//! workers of one module spun while another's call ran, and on two cores a layer called
//! alternately with another took three times as long (0.55 against 1.67 ms) whenever they did.
//!
//! The posted loop is one word, `generation | chunks | next chunk` ([`Word`]): a thread claims
//! chunk `c` by moving the word from `(g, n, c)` to `(g, n, c + 1)` when `c < n`, so a claim
//! checks everything it depends on and fails once the poster has moved on. The loop's other
//! fields (its iteration count and job) are only read after a claim, while the poster waits
//! for that chunk, so they cannot change under the reader.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a worker polls for the next loop before it parks.
pub const SPIN: Duration = Duration::from_micros(200);

/// The loop a team runs: a range `[lo, hi)` of `[0, n)`.
type Job<'a> = &'a (dyn Fn(i64, i64) + Sync);

/// The posted loop's word: a 24-bit generation, then 20 bits of chunk count and 20 of the
/// next chunk to claim.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Word(u64);

impl Word {
    const FIELD: u64 = (1 << 20) - 1;
    const GENERATIONS: u64 = 1 << 24;

    fn new(generation: u64, chunks: u64, next: u64) -> Word {
        Word((generation % Self::GENERATIONS) << 40 | (chunks & Self::FIELD) << 20 | (next & Self::FIELD))
    }
    fn generation(self) -> u64 {
        self.0 >> 40
    }
    fn chunks(self) -> u64 {
        (self.0 >> 20) & Self::FIELD
    }
    fn next(self) -> u64 {
        self.0 & Self::FIELD
    }
}

/// Most chunks a loop is split into (what [`Word`] holds).
pub const MAX_CHUNKS: u32 = Word::FIELD as u32;

/// What the threads of a team share.
struct Shared {
    /// The loop posted last ([`Word`]).
    word: AtomicU64,
    /// The posted loop's iteration count and job (the address of a [`Job`] on the poster's
    /// stack).
    n: AtomicI64,
    job: AtomicUsize,
    /// Chunks of the posted loop run to the end.
    completed: AtomicU32,
    /// Workers parked or about to park.
    sleepers: AtomicU32,
    /// A chunk of the posted loop panicked.
    panicked: AtomicBool,
    /// A call holds the team.
    busy: AtomicBool,
    stop: AtomicBool,
}

/// A team of `threads` threads (the caller and `threads - 1` workers).
pub struct Team {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

thread_local! {
    /// The team entered on this thread, if any.
    static CURRENT: Cell<*const Team> = const { Cell::new(std::ptr::null()) };
}

impl Team {
    /// A team of `threads` threads; `None` for one thread (loops then run on the caller) or if
    /// the system will not start the workers.
    pub fn new(threads: usize) -> Option<Team> {
        if threads <= 1 {
            return None;
        }
        let shared = Arc::new(Shared {
            word: AtomicU64::new(0),
            n: AtomicI64::new(0),
            job: AtomicUsize::new(0),
            completed: AtomicU32::new(0),
            sleepers: AtomicU32::new(0),
            panicked: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let mut workers = Vec::new();
        for i in 1..threads {
            let s = shared.clone();
            let spawned = std::thread::Builder::new().name(format!("strata-team-{i}")).spawn(move || work(&s));
            match spawned {
                Ok(h) => workers.push(h),
                Err(_) => {
                    stop(&shared, &workers);
                    return None;
                }
            }
        }
        Some(Team { shared, workers })
    }

    /// The process's team of `threads` threads, started on first use and kept (its workers
    /// park when unused); `None` for one thread or if the workers cannot be started.
    pub fn shared(threads: usize) -> Option<Arc<Team>> {
        static TEAMS: Mutex<Vec<Arc<Team>>> = Mutex::new(Vec::new());
        let mut teams = TEAMS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(team) = teams.iter().find(|t| t.threads() == threads) {
            return Some(team.clone());
        }
        let team = Arc::new(Team::new(threads)?);
        teams.push(team.clone());
        Some(team)
    }

    /// Runs `call` with this team serving the parallel loops it posts on this thread; `None`
    /// (and `call` not run) when another call holds the team.
    pub fn enter<T>(&self, call: impl FnOnce() -> T) -> Option<T> {
        if self.shared.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            return None;
        }
        /// Leaves the team however `call` ends.
        struct Leave<'a>(&'a Shared, *const Team);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.1));
                self.0.busy.store(false, Ordering::Release);
            }
        }
        let _leave = Leave(&self.shared, CURRENT.with(|c| c.replace(self)));
        Some(call())
    }

    /// The team entered on this thread.
    pub fn current() -> Option<&'static Team> {
        let t = CURRENT.with(|c| c.get());
        // SAFETY: non-null only inside `Team::enter`, which borrows the team for longer than
        // anything on this thread can use the reference (loops end before `enter` returns).
        unsafe { t.as_ref() }
    }

    /// Threads of the team: its workers and the caller.
    pub fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Runs `job` over `[0, n)` in `chunks` (at most [`MAX_CHUNKS`]) disjoint ranges on the
    /// team, this thread included; returns when all have run. Only the thread that entered the
    /// team ([`Team::enter`]) may post loops: `for_chunks` posts on [`Team::current`].
    pub(crate) fn run(&self, n: i64, chunks: u32, job: Job) {
        assert!(chunks <= MAX_CHUNKS, "{chunks} chunks");
        let s = &*self.shared;
        let generation = Word(s.word.load(Ordering::Relaxed)).generation() + 1;
        s.n.store(n, Ordering::Relaxed);
        s.job.store(&job as *const Job as usize, Ordering::Relaxed);
        s.completed.store(0, Ordering::Relaxed);
        // Posting is sequentially consistent with the sleepers' count (see `work`), so a
        // worker either sees this loop before it parks or is counted here and woken.
        let posted = Word::new(generation, u64::from(chunks), 0);
        s.word.store(posted.0, Ordering::SeqCst);
        if s.sleepers.load(Ordering::SeqCst) > 0 {
            for w in &self.workers {
                w.thread().unpark();
            }
        }
        // A loop posted from inside one of this loop's chunks goes to rayon, not to this team.
        let entered = CURRENT.with(|c| c.replace(std::ptr::null()));
        run_chunks(s, posted.generation());
        CURRENT.with(|c| c.set(entered));
        while s.completed.load(Ordering::Acquire) < chunks {
            std::hint::spin_loop();
        }
        if s.panicked.swap(false, Ordering::Relaxed) {
            // Under compiled code (`__strata_parallel_for` is `extern "C"`) this aborts the
            // process: still better than waiting forever.
            panic!("a chunk of a parallel loop panicked");
        }
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        stop(&self.shared, &self.workers);
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn stop(shared: &Shared, workers: &[JoinHandle<()>]) {
    shared.stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.thread().unpark();
    }
}

/// Claims and runs chunks of loop `generation` until none is left.
fn run_chunks(s: &Shared, generation: u64) {
    loop {
        let word = Word(s.word.load(Ordering::Acquire));
        if word.generation() != generation || word.next() >= word.chunks() {
            return;
        }
        let claimed = Word::new(generation, word.chunks(), word.next() + 1);
        if s.word.compare_exchange_weak(word.0, claimed.0, Ordering::AcqRel, Ordering::Relaxed).is_err() {
            continue;
        }
        let (c, chunks) = (word.next() as i64, word.chunks() as i64);
        let n = s.n.load(Ordering::Relaxed);
        // SAFETY: the poster keeps the job alive until every chunk has completed, and this
        // claimed chunk has not.
        let job = unsafe { *(s.job.load(Ordering::Relaxed) as *const Job) };
        // A chunk that panics still completes, so that the poster does not wait forever; the
        // poster panics in its turn once the loop is done.
        let run = std::panic::AssertUnwindSafe(|| job(c * n / chunks, (c + 1) * n / chunks));
        if std::panic::catch_unwind(run).is_err() {
            s.panicked.store(true, Ordering::Relaxed);
        }
        s.completed.fetch_add(1, Ordering::Release);
    }
}

/// A worker: polls for loops, runs their chunks, parks after [`SPIN`] without one.
fn work(s: &Shared) {
    let mut seen = 0u64;
    loop {
        let idle_since = Instant::now();
        let mut polls = 0u32;
        loop {
            if s.stop.load(Ordering::Relaxed) {
                return;
            }
            let generation = Word(s.word.load(Ordering::Acquire)).generation();
            if generation != seen {
                seen = generation;
                break;
            }
            polls = polls.wrapping_add(1);
            if !polls.is_multiple_of(64) || idle_since.elapsed() < SPIN {
                std::hint::spin_loop();
                continue;
            }
            s.sleepers.fetch_add(1, Ordering::SeqCst);
            if Word(s.word.load(Ordering::SeqCst)).generation() == seen && !s.stop.load(Ordering::SeqCst) {
                std::thread::park();
            }
            s.sleepers.fetch_sub(1, Ordering::SeqCst);
        }
        run_chunks(s, seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_iteration_runs_once_across_many_loops() {
        let team = Team::new(3).unwrap();
        let counts: Vec<AtomicU32> = (0..1000).map(|_| AtomicU32::new(0)).collect();
        team.enter(|| {
            for round in 0..200u32 {
                let n = 1 + (round as i64 * 37) % 1000;
                let chunks = (n as u32).min(12);
                team.run(n, chunks, &|lo, hi| {
                    for i in lo..hi {
                        counts[i as usize].fetch_add(1, Ordering::Relaxed);
                    }
                });
                // A pause long enough for the workers to park now and then.
                if round % 50 == 0 {
                    std::thread::sleep(SPIN * 3);
                }
            }
        })
        .unwrap();
        let expected: Vec<u32> =
            (0..1000).map(|i| (0..200).filter(|r| i < 1 + (*r as i64 * 37) % 1000).count() as u32).collect();
        let got: Vec<u32> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn the_workers_take_chunks() {
        let team = Team::new(2).unwrap();
        let main = std::thread::current().id();
        let elsewhere = AtomicU32::new(0);
        team.enter(|| {
            for _ in 0..100 {
                team.run(64, 8, &|_, _| {
                    if std::thread::current().id() != main {
                        elsewhere.fetch_add(1, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_micros(20));
                });
            }
        });
        assert!(elsewhere.load(Ordering::Relaxed) > 0);
    }

    #[test]
    fn the_word_holds_generation_chunks_and_next_and_wraps_its_generation() {
        let w = Word::new(7, 12, 3);
        assert_eq!((w.generation(), w.chunks(), w.next()), (7, 12, 3));
        assert_eq!(Word::new(Word::GENERATIONS + 2, MAX_CHUNKS.into(), 0).generation(), 2);
    }

    /// A short loop then a longer one, many times: a worker late from the short loop must
    /// not claim a chunk of it against the longer loop's count (each iteration runs once).
    #[test]
    fn a_late_worker_never_claims_a_chunk_of_a_finished_loop() {
        let team = Team::new(2).unwrap();
        let counts: Vec<AtomicU32> = (0..64).map(|_| AtomicU32::new(0)).collect();
        team.enter(|| {
            for _ in 0..5000 {
                team.run(3, 3, &|_, _| {});
                team.run(64, 8, &|lo, hi| {
                    for i in lo..hi {
                        counts[i as usize].fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 5000));
    }

    #[test]
    fn a_loop_posted_from_a_chunk_runs_elsewhere() {
        let team = Team::new(2).unwrap();
        let total = AtomicU32::new(0);
        team.enter(|| {
            team.run(4, 4, &|_, _| {
                assert!(Team::current().is_none(), "no team is entered inside a chunk");
                super::super::parallel::for_chunks(10, |lo, hi| {
                    _ = total.fetch_add((hi - lo) as u32, Ordering::Relaxed)
                });
            })
        });
        assert_eq!(total.load(Ordering::Relaxed), 40);
    }

    #[test]
    fn a_panicking_chunk_ends_the_loop_with_a_panic_not_a_hang() {
        let team = Team::new(2).unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            team.enter(|| team.run(8, 8, &|lo, _| assert!(lo != 3, "chunk 3")));
        }));
        assert!(caught.is_err());
        // The team still serves loops afterwards.
        let total = AtomicU32::new(0);
        team.enter(|| team.run(100, 8, &|lo, hi| _ = total.fetch_add((hi - lo) as u32, Ordering::Relaxed)));
        assert_eq!(total.load(Ordering::Relaxed), 100);
    }

    #[test]
    fn one_call_holds_the_team_at_a_time_and_it_is_current_only_inside() {
        let team = Team::new(2).unwrap();
        assert!(Team::current().is_none());
        team.enter(|| {
            assert!(std::ptr::eq(Team::current().unwrap(), &team));
            assert!(team.enter(|| ()).is_none(), "held by this call");
        });
        assert!(Team::current().is_none());
        assert_eq!(team.enter(|| 7), Some(7));
        assert!(Team::new(1).is_none());
        // Modules of as many threads share one team.
        let (a, b) = (Team::shared(3).unwrap(), Team::shared(3).unwrap());
        assert!(Arc::ptr_eq(&a, &b) && a.threads() == 3);
        assert!(Team::shared(1).is_none());
    }
}
