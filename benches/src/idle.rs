//! Whether the machine was idle around a measurement: the CPU time the other processes took,
//! from Linux's `/proc`. Shared machines run other people's builds and tests, and a timing taken
//! beside them says little, so benchmarks wait for quiet and report what they got.

use std::time::{Duration, Instant};

/// A machine whose other processes keep less than this share of one core busy is idle.
pub const IDLE_BUSY_CORES: f64 = 0.1;

/// What the other processes did with the CPUs around one measurement (say Strata's and its
/// peer's timings of one model on one thread count), in cores kept busy on average.
#[derive(Clone, Copy)]
pub struct Load {
    /// Over the last second before it, while this process slept.
    pub before: f64,
    /// Over the measurement itself.
    pub during: f64,
}

impl Load {
    pub fn idle(&self) -> bool {
        self.before < IDLE_BUSY_CORES && self.during < IDLE_BUSY_CORES
    }

    pub fn text(&self) -> String {
        let state = if self.idle() { "idle" } else { "BUSY" };
        format!("{state} (other processes: {:.2} cores before, {:.2} during)", self.before, self.during)
    }
}

/// The CPU time spent on the machine since a start, split into this process's (with its
/// finished children's: the onnxruntime peer) and the others'. Linux's `/proc`.
pub struct CpuMeter {
    busy: u64,
    total: u64,
    own: u64,
    cpus: usize,
}

impl CpuMeter {
    pub fn start() -> Result<CpuMeter, String> {
        let (busy, total, cpus) = cpu_jiffies()?;
        Ok(CpuMeter { busy, total, own: own_jiffies()?, cpus })
    }

    /// Cores the other processes kept busy since the start, on average.
    pub fn others(&self) -> Result<f64, String> {
        let (busy, total, _) = cpu_jiffies()?;
        let others = (busy - self.busy).saturating_sub(own_jiffies()? - self.own);
        Ok(others as f64 / (total - self.total).max(1) as f64 * self.cpus as f64)
    }
}

/// Busy and total jiffies of all CPUs (`/proc/stat`'s first line) and the number of CPUs.
fn cpu_jiffies() -> Result<(u64, u64, usize), String> {
    let stat = std::fs::read_to_string("/proc/stat").map_err(|e| format!("/proc/stat: {e}"))?;
    let first = stat.lines().next().unwrap_or("");
    let v: Vec<u64> = first.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    if v.len() < 8 {
        return Err(format!("/proc/stat: unexpected first line '{first}'"));
    }
    // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
    let total: u64 = v.iter().take(8).sum();
    let cpus =
        stat.lines().filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit)).count();
    Ok((total - v[3] - v[4], total, cpus.max(1)))
}

/// This process's user and system jiffies and its waited-for children's (`/proc/self/stat`
/// fields 14 to 17, counted after the command name, which may hold spaces).
fn own_jiffies() -> Result<u64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc/self/stat: {e}"))?;
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    (11..15)
        .map(|i| fields.get(i).and_then(|f| f.parse::<u64>().ok()).ok_or("/proc/self/stat: no CPU times".into()))
        .sum()
}

/// Samples the machine a second at a time until the other processes leave it idle or `wait`
/// has passed: their cores in the last second.
pub fn wait_idle(wait: Duration) -> Result<f64, String> {
    let start = Instant::now();
    loop {
        let meter = CpuMeter::start()?;
        std::thread::sleep(Duration::from_secs(1));
        let others = meter.others()?;
        if others < IDLE_BUSY_CORES || start.elapsed() >= wait {
            return Ok(others);
        }
    }
}

/// One measurement watched: quiet waited for before it, the others' CPU time counted during it.
pub struct Watch {
    before: f64,
    meter: CpuMeter,
}

impl Watch {
    /// Waits up to `wait` for the other processes to leave the CPUs idle, then starts counting.
    pub fn start(wait: Duration) -> Result<Watch, String> {
        let before = wait_idle(wait)?;
        Ok(Watch { before, meter: CpuMeter::start()? })
    }

    /// The load before the measurement and since its start.
    pub fn load(&self) -> Result<Load, String> {
        Ok(Load { before: self.before, during: self.meter.others()? })
    }
}
