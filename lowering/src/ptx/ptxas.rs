//! `ptxas`, NVIDIA's PTX assembler, run on emitted text: the check that our PTX is valid for a
//! GPU when no GPU is at hand (CI installs it from the PyPI wheel `nvidia-cuda-nvcc-cu12`).

use std::path::PathBuf;
use std::process::Command;

use super::PtxTarget;

/// A `ptxas` found on this machine.
#[derive(Clone, Debug)]
pub struct Ptxas {
    pub path: PathBuf,
}

/// What `ptxas -v` said of one kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelReport {
    pub name: String,
    pub registers: u32,
    /// Bytes spilled to local memory (stores and loads).
    pub spill_stores: u32,
    pub spill_loads: u32,
}

impl Ptxas {
    /// `ptxas` from `STRATA_PTXAS`, the `PATH`, CUDA's usual folder, or the PyPI wheel of
    /// the Python on the `PATH`; or why none was found.
    pub fn find() -> Result<Ptxas, String> {
        let works = |p: &PathBuf| Command::new(p).arg("--version").output().is_ok_and(|o| o.status.success());
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(p) = std::env::var_os("STRATA_PTXAS") {
            candidates.push(p.into());
        }
        candidates.push("ptxas".into());
        candidates.push("/usr/local/cuda/bin/ptxas".into());
        let wheel = Command::new("python3")
            .args(["-c", "import nvidia.cuda_nvcc as n, os; print(os.path.join(list(n.__path__)[0], 'bin', 'ptxas'))"])
            .output();
        if let Some(o) = wheel.ok().filter(|o| o.status.success()) {
            candidates.push(String::from_utf8_lossy(&o.stdout).trim().into());
        }
        candidates
            .into_iter()
            .find(works)
            .map(|path| Ptxas { path })
            .ok_or_else(|| "no ptxas (set STRATA_PTXAS, put it on PATH, or pip install nvidia-cuda-nvcc-cu12)".into())
    }

    /// Assembles `ptx` for `target` with `-v`: each kernel's registers and spills, or
    /// ptxas's errors.
    pub fn assemble(&self, ptx: &str, target: PtxTarget) -> Result<Vec<KernelReport>, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("a scratch folder: {e}"))?;
        let input = dir.path().join("module.ptx");
        std::fs::write(&input, ptx).map_err(|e| format!("{}: {e}", input.display()))?;
        let out = Command::new(&self.path)
            .arg(format!("-arch=sm_{}", target.sm))
            .arg("-v")
            .arg(&input)
            .arg("-o")
            .arg(dir.path().join("module.cubin"))
            .output()
            .map_err(|e| format!("running {}: {e}", self.path.display()))?;
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            return Err(log);
        }
        Ok(parse_report(&log))
    }
}

/// The kernels of a `ptxas -v` log.
fn parse_report(log: &str) -> Vec<KernelReport> {
    let number = |line: &str, before: &str| -> u32 {
        line.split(before).next().and_then(|s| s.split_whitespace().last()).and_then(|n| n.parse().ok()).unwrap_or(0)
    };
    let mut out: Vec<KernelReport> = Vec::new();
    for line in log.lines() {
        if let Some(rest) = line.split("Compiling entry function '").nth(1) {
            let name = rest.split('\'').next().unwrap_or("").to_string();
            out.push(KernelReport { name, registers: 0, spill_stores: 0, spill_loads: 0 });
        } else if let Some(k) = out.last_mut() {
            if line.contains("spill stores") {
                k.spill_stores = number(line, " bytes spill stores");
                k.spill_loads = number(line, " bytes spill loads");
            } else if line.contains("Used ") && line.contains(" registers") {
                k.registers = number(line, " registers");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_read_per_kernel() {
        let log = "ptxas info    : Compiling entry function 'k0' for 'sm_90'\nptxas info    : Function properties for k0\n    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads\nptxas info    : Used 26 registers, used 0 barriers\nptxas info    : Compiling entry function 'k1' for 'sm_90'\n    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\nptxas info    : Used 20 registers\n";
        let r = parse_report(log);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], KernelReport { name: "k0".into(), registers: 26, spill_stores: 4, spill_loads: 12 });
        assert_eq!(r[1], KernelReport { name: "k1".into(), registers: 20, spill_stores: 0, spill_loads: 0 });
    }
}
