//! What a process must undo when it is interrupted: temporary files and directories to delete,
//! child process groups to end.
//!
//! Destructors do this on every ordinary path (`tempfile` removes its files on drop), but a
//! signal's default action ends the process without running them, so the tools install
//! [`install`]'s handler: on SIGINT, SIGTERM or SIGHUP it ends every registered process group,
//! deletes every registered path, and exits with status 128 + the signal (130 for SIGINT, 143
//! for SIGTERM), as a shell reports a process killed by that signal.
//!
//! The handler runs on an ordinary thread (signal-hook's iterator), not in signal context, so it
//! may lock, delete and wait. It holds the registry's lock from its first step until the process
//! exits: a thread that finishes a child or a file meanwhile blocks on unregistering it, so no
//! error about a killed child is printed, and no second exit races the handler's.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

enum Item {
    /// A file or directory, deleted (recursively) on a signal.
    Path(PathBuf),
    /// A child process, ended on a signal.
    Child(Proc),
}

/// A child and how to reach it: its whole process group when it leads one, else the process.
#[derive(Clone, Copy, Debug)]
enum Proc {
    Group(i32),
    Process(i32),
}

impl Proc {
    /// The id `kill` takes: negative for a group.
    fn target(self) -> i32 {
        match self {
            Proc::Group(g) => -g,
            Proc::Process(p) => p,
        }
    }

    fn signal(self, sig: i32) {
        // SAFETY: signals a process (group) this process started; a stale id fails with ESRCH.
        unsafe {
            libc::kill(self.target(), sig);
        }
    }

    /// Whether any process of it is left, zombies aside (an exited process not yet waited for
    /// takes no more signals and holds nothing).
    fn alive(self) -> bool {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            // No procfs: a zombie counts as alive, which costs the grace period, not correctness.
            // SAFETY: signal 0 only checks that the target exists.
            return unsafe { libc::kill(self.target(), 0) == 0 };
        };
        entries.flatten().any(|e| {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { return false };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { return false };
            // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { return false };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let (state, pgrp) = (fields.first().copied(), fields.get(2).and_then(|f| f.parse::<i32>().ok()));
            let member = match self {
                Proc::Group(g) => pgrp == Some(g),
                Proc::Process(p) => pid == p,
            };
            member && state != Some("Z")
        })
    }
}

#[derive(Default)]
struct Registry {
    next: u64,
    items: BTreeMap<u64, Item>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { next: 0, items: BTreeMap::new() });
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The registry, even after a panic elsewhere poisoned it: its data is a plain list, always
/// consistent, and cleanup matters most when something went wrong.
fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn add(registry: &mut Registry, item: Item) -> Registration {
    registry.next += 1;
    registry.items.insert(registry.next, item);
    Registration(registry.next)
}

/// A registered path or process group; dropping it unregisters it (once the file is gone or
/// the child has been waited for).
#[must_use = "dropping the registration unregisters at once"]
#[derive(Debug)]
pub struct Registration(u64);

impl Drop for Registration {
    fn drop(&mut self) {
        registry().items.remove(&self.0);
    }
}

/// Registers a temporary file or directory to delete if a signal ends the process. Register it
/// right after creating it and drop the registration after deleting it (or after handing the
/// path on, e.g. renaming the file into place).
pub fn register_path(path: impl Into<PathBuf>) -> Registration {
    add(&mut registry(), Item::Path(path.into()))
}

/// Runs `create` and registers the path it returns, with the registry locked in between, so
/// that a signal cannot land after the path exists but before it is registered.
pub fn create_registered<T>(
    create: impl FnOnce() -> io::Result<T>,
    path_of: impl FnOnce(&T) -> PathBuf,
) -> io::Result<(T, Registration)> {
    let mut registry = registry();
    let made = create()?;
    let path = path_of(&made);
    let registration = add(&mut registry, Item::Path(path));
    Ok((made, registration))
}

/// Whether [`install`] has run: children then go into their own process groups (see [`spawn`]).
pub fn installed() -> bool {
    INSTALLED.load(Ordering::Acquire)
}

/// Starts `cmd` and registers its process for cleanup. Once a handler is [`install`]ed, the child
/// leads its own process group, so the handler ends it and everything it started (a compiler's
/// subprocesses, an emulator); without a handler the child stays in this process's group, where
/// a terminal's Ctrl-C reaches it along with this process.
pub fn spawn(cmd: &mut Command) -> io::Result<(Child, Registration)> {
    spawn_with(cmd, installed())
}

/// Starts `cmd` as the leader of a new process group, registered for cleanup, whether or not a
/// handler is installed: for callers that end the whole group themselves ([`terminate_group`]).
pub fn spawn_group(cmd: &mut Command) -> io::Result<(Child, Registration)> {
    spawn_with(cmd, true)
}

fn spawn_with(cmd: &mut Command, own_group: bool) -> io::Result<(Child, Registration)> {
    use std::os::unix::process::CommandExt;
    if own_group {
        cmd.process_group(0);
    }
    // Locked across the start, so a signal cannot land between the start and the registration.
    let mut registry = registry();
    let child = cmd.spawn()?;
    let pid = child.id() as i32;
    let item = if own_group { Proc::Group(pid) } else { Proc::Process(pid) };
    let registration = add(&mut registry, Item::Child(item));
    Ok((child, registration))
}

/// How long processes get to exit after SIGTERM before SIGKILL: long enough for one of our own
/// tools to run its handler (delete its files, end its children), short enough for Ctrl-C.
const GRACE: Duration = Duration::from_millis(1000);

/// Ends children: SIGTERM to each (our own tools among them then clean up after themselves),
/// then SIGKILL to those still there after [`GRACE`].
fn end(children: &[Proc]) {
    for c in children {
        c.signal(libc::SIGTERM);
    }
    let start = Instant::now();
    while children.iter().any(|c| c.alive()) && start.elapsed() < GRACE {
        std::thread::sleep(Duration::from_millis(10));
    }
    for c in children {
        if c.alive() {
            c.signal(libc::SIGKILL);
        }
    }
}

/// Ends the process group led by `child` (started by [`spawn_group`]) and everything in it, and
/// waits for the leader: for a caller's own timeout.
pub fn terminate_group(child: &mut Child) -> io::Result<std::process::ExitStatus> {
    end(&[Proc::Group(child.id() as i32)]);
    child.wait()
}

/// Installs the handler (once; later calls do nothing): on SIGINT, SIGTERM or SIGHUP, end every
/// registered process group, delete every registered path, and exit with 128 + the signal.
pub fn install() -> io::Result<()> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        result = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]).and_then(|mut signals| {
            std::thread::Builder::new().name("strata-signals".into()).spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    clean_up_and_exit(sig);
                }
            })?;
            INSTALLED.store(true, Ordering::Release);
            Ok(())
        });
    });
    result
}

fn clean_up_and_exit(sig: i32) -> ! {
    let registry = registry();
    let children: Vec<Proc> = registry
        .items
        .values()
        .filter_map(|i| match i {
            Item::Child(c) => Some(*c),
            Item::Path(_) => None,
        })
        .collect();
    end(&children);
    // Children first: a child still writing into a directory would race its deletion.
    for item in registry.items.values() {
        if let Item::Path(p) = item {
            let _ = if p.is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
        }
    }
    // Exits with the lock held: see the module's documentation.
    std::process::exit(128 + sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each registration's own entry, not the registry's size: other tests of this binary
    /// (compiles registering their temporary files) run at the same time.
    #[test]
    fn registrations_come_and_go() {
        let a = register_path("/nonexistent/a");
        let b = register_path("/nonexistent/b");
        let (ka, kb) = (a.0, b.0);
        assert!(registry().items.contains_key(&ka) && registry().items.contains_key(&kb));
        drop(a);
        assert!(!registry().items.contains_key(&ka) && registry().items.contains_key(&kb));
        drop(b);
        assert!(!registry().items.contains_key(&kb));
    }

    #[test]
    fn a_group_is_ended_with_its_children() {
        // A shell that starts a grandchild and waits: ending the group ends both.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & wait"]);
        let (mut child, _registration) = spawn_group(&mut cmd).unwrap();
        let group = Proc::Group(child.id() as i32);
        std::thread::sleep(Duration::from_millis(100));
        let start = Instant::now();
        terminate_group(&mut child).unwrap();
        assert!(start.elapsed() < GRACE + Duration::from_secs(1));
        let deadline = Instant::now() + Duration::from_secs(5);
        while group.alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!group.alive(), "the grandchild outlived its group");
    }
}
