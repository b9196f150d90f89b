//! Running an object file outside this process: a generated C `main` reads each argument from a
//! raw file, calls the entry point through the C ABI and writes each result to a raw file. It is
//! linked with the object by a C compiler for the target (`cc` for x86-64,
//! `aarch64-linux-gnu-gcc` for AArch64, statically) and run natively or under `qemu-aarch64`.

pub mod cleanup;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use strata_runtime::tensor::Tensor;

use super::abi::{EntrySignature, Param};
use super::object::ObjectArtifacts;
use super::parallel::C_PARALLEL_FOR;
use super::{CodegenError, Target, TrapSite};

/// How to link and run objects for a target.
#[derive(Clone, Debug)]
pub struct Toolchain {
    pub cc: String,
    pub cc_flags: Vec<String>,
    /// The emulator, when the target is not this machine.
    pub runner: Option<String>,
}

fn exists(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

impl Toolchain {
    /// The toolchain for `target` on this machine, or what is missing.
    pub fn find(target: Target) -> Result<Toolchain, String> {
        let (cc, flags, runner) = match target {
            Target::Host | Target::X86_64 if cfg!(target_arch = "x86_64") => ("cc", vec!["-O2"], None),
            Target::Aarch64 if cfg!(target_arch = "aarch64") => ("cc", vec!["-O2"], None),
            Target::Aarch64 => ("aarch64-linux-gnu-gcc", vec!["-O2", "-static"], Some("qemu-aarch64")),
            _ => return Err("no x86-64 toolchain on this machine".into()),
        };
        if !exists(cc) {
            return Err(format!("'{cc}' was not found (Debian: gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"));
        }
        if let Some(r) = runner {
            if !exists(r) {
                return Err(format!("'{r}' was not found (Debian: qemu-user)"));
            }
        }
        Ok(Toolchain {
            cc: cc.into(),
            cc_flags: flags.into_iter().map(String::from).collect(),
            runner: runner.map(String::from),
        })
    }
}

/// A C `main` that runs `entry` with arguments and results in raw files named on its command
/// line (arguments first), and prints the median time of `STRATA_REPEAT` calls when set.
pub fn c_driver(entry: &EntrySignature, header: &str) -> String {
    let mut c = String::new();
    c.push_str(
        "#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n",
    );
    c.push_str(&format!("#include \"{header}\"\n"));
    c.push_str(C_PARALLEL_FOR);
    c.push_str(
        r#"
static void *read_raw(const char *path, size_t bytes) {
  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  FILE *f = fopen(path, "rb");
  if (!p || !f || fread(p, 1, bytes, f) != bytes) { fprintf(stderr, "cannot read %zu bytes from %s\n", bytes, path); exit(2); }
  fclose(f);
  return p;
}

static void write_raw(const char *path, const void *p, size_t bytes) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, bytes, f) != bytes) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
  fclose(f);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
"#,
    );
    let n = entry.args.len() + entry.results.len();
    c.push_str(&format!(
        "\nint main(int argc, char **argv) {{\n  if (argc != {}) {{ fprintf(stderr, \"usage: %s {} files\\n\", argv[0]); return 2; }}\n",
        n + 1,
        n
    ));
    let mut call = Vec::new();
    for (i, p) in entry.args.iter().enumerate() {
        let bytes = bytes_of(p);
        match p {
            Param::MemRef { shape, .. } => {
                let strides = Tensor::strides(shape);
                let rank = shape.len();
                let dims =
                    if rank == 0 { String::new() } else { format!(", {{{}}}, {{{}}}", join(shape), join(&strides)) };
                c.push_str(&format!(
                    "  {e} *in{i} = ({e} *)read_raw(argv[{k}], {bytes});\n  {t} arg{i} = {{in{i}, in{i}, 0{dims}}};\n",
                    e = p.c_elem(),
                    t = p.c_type(),
                    k = i + 1
                ));
                call.push(format!("&arg{i}"));
            }
            Param::Scalar(_) => {
                c.push_str(&format!(
                    "  {e} arg{i} = *({e} *)read_raw(argv[{k}], {bytes});\n",
                    e = p.c_elem(),
                    k = i + 1
                ));
                call.push(format!("arg{i}"));
            }
        }
    }
    for (i, p) in entry.results.iter().enumerate() {
        c.push_str(&format!("  {} result{i};\n", p.c_type()));
        call.push(format!("&result{i}"));
    }
    let call = format!("{}({})", entry.symbol, call.join(", "));
    c.push_str(&format!(
        "  int32_t status = {call};\n  if (status < 0) {{ fprintf(stderr, \"{TRAP_MARK}%d\\n\", -status); return {TRAP_EXIT}; }}\n  if (status) {{ fprintf(stderr, \"argument %d has the wrong shape\\n\", status - 1); return 3; }}\n"
    ));
    c.push_str(&format!(
        "  const char *repeat = getenv(\"STRATA_REPEAT\");\n  if (repeat) {{\n    int n = atoi(repeat);\n    double *t = malloc(sizeof(double) * (n > 0 ? n : 1));\n    for (int r = 0; r < n; r++) {{\n      double t0 = now();\n      {call};\n      t[r] = now() - t0;\n    }}\n    qsort(t, n, sizeof(double), by_value);\n    if (n > 0) printf(\"median %.6f ms\\n\", 1e3 * t[n / 2]);\n  }}\n"
    ));
    for (i, p) in entry.results.iter().enumerate() {
        let k = entry.args.len() + i + 1;
        let bytes = bytes_of(p);
        match p {
            Param::MemRef { .. } => {
                c.push_str(&format!("  write_raw(argv[{k}], result{i}.aligned + result{i}.offset, {bytes});\n",))
            }
            Param::Scalar(_) => c.push_str(&format!("  write_raw(argv[{k}], &result{i}, {bytes});\n")),
        }
    }
    // Freed only once all are written: a buffer returned twice is owned (and freed) once.
    for (i, p) in entry.results.iter().enumerate() {
        if let Param::MemRef { .. } = p {
            c.push_str(&format!("  if (result{i}.allocated) free(result{i}.allocated);\n"));
        }
    }
    c.push_str("  return 0;\n}\n");
    c
}

fn join(xs: &[usize]) -> String {
    xs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

fn bytes_of(p: &Param) -> usize {
    match p {
        Param::MemRef { shape, elem } => shape.iter().product::<usize>() * elem.bytes(),
        Param::Scalar(e) => e.bytes(),
    }
}

/// A scratch directory (`strata-PID-XXXXXX` in the temporary folder), removed on drop, and on a
/// signal once a handler is installed ([`cleanup`]). With `STRATA_KEEP_TEMP` set it is kept, to
/// profile or debug the linked program, and its path is printed.
struct Scratch {
    // Fields drop in order: the directory goes before its registration, so a signal in between
    // finds it registered (and deleting it twice is harmless).
    dir: tempfile::TempDir,
    _registration: Option<cleanup::Registration>,
}

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        let keep = std::env::var_os("STRATA_KEEP_TEMP").is_some();
        let prefix = format!("strata-{}-", std::process::id());
        let create = || tempfile::Builder::new().prefix(&prefix).disable_cleanup(keep).tempdir();
        if keep {
            let dir = create()?;
            eprintln!("kept {}", dir.path().display());
            return Ok(Scratch { dir, _registration: None });
        }
        let (dir, registration) = cleanup::create_registered(create, |d| d.path().to_path_buf())?;
        Ok(Scratch { dir, _registration: Some(registration) })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs `cmd` to completion with its output captured, registered for cleanup while it runs (see
/// [`cleanup::spawn`]), so a signal to this process ends it too.
fn run_registered(cmd: &mut Command) -> std::io::Result<Output> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let (child, registration) = cleanup::spawn(cmd)?;
    let out = child.wait_with_output();
    drop(registration);
    out
}

/// How a driver reports a trap: this line on stderr with the site's number, and this exit
/// status; [`Program::run`] turns it into the site's error.
const TRAP_MARK: &str = "strata-trap ";
const TRAP_EXIT: i32 = 4;

/// A linked program for one entry point of an object.
pub struct Program {
    dir: Scratch,
    entry: EntrySignature,
    runner: Option<String>,
    trap_sites: Vec<TrapSite>,
}

fn fail(entry: &str, message: String) -> CodegenError {
    CodegenError::Run { function: entry.to_string(), message }
}

impl Program {
    /// Links `entry` of `artifacts` with a generated driver.
    pub fn link(artifacts: &ObjectArtifacts, entry: &str, tools: &Toolchain) -> Result<Program, CodegenError> {
        let sig = artifacts
            .entries
            .iter()
            .find(|e| e.name == entry)
            .ok_or_else(|| fail(entry, "no such public function".into()))?
            .clone();
        let dir = Scratch::new().map_err(|e| {
            fail(entry, format!("cannot create a temporary directory in {}: {e}", std::env::temp_dir().display()))
        })?;
        let write = |name: &str, bytes: &[u8]| {
            std::fs::write(dir.path().join(name), bytes).map_err(|e| fail(entry, format!("{name}: {e}")))
        };
        write("module.o", &artifacts.object)?;
        write("module.h", artifacts.header.as_bytes())?;
        write("driver.c", c_driver(&sig, "module.h").as_bytes())?;
        let mut cc = Command::new(&tools.cc);
        cc.current_dir(dir.path()).args(&tools.cc_flags).args([
            "-o",
            "program",
            "driver.c",
            "module.o",
            "-lpthread",
            "-lm",
        ]);
        let out = run_registered(&mut cc).map_err(|e| fail(entry, format!("{}: {e}", tools.cc)))?;
        if !out.status.success() {
            return Err(fail(entry, format!("linking failed:\n{}", String::from_utf8_lossy(&out.stderr))));
        }
        Ok(Program { dir, entry: sig, runner: tools.runner.clone(), trap_sites: artifacts.trap_sites.clone() })
    }

    /// The directory holding the object, header, driver and program.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the program on `inputs` with `threads` for parallel loops (default: one per core);
    /// with `repeat`, also the median time of that many calls.
    pub fn run(
        &self,
        inputs: &[Tensor],
        repeat: Option<usize>,
        threads: Option<usize>,
    ) -> Result<(Vec<Tensor>, Option<String>), CodegenError> {
        let name = &self.entry.name;
        if inputs.len() != self.entry.args.len() {
            return Err(fail(name, format!("expects {} arguments, got {}", self.entry.args.len(), inputs.len())));
        }
        let mut files = Vec::new();
        for (i, (p, t)) in self.entry.args.iter().zip(inputs).enumerate() {
            let shape = match p {
                Param::MemRef { shape, .. } => shape.clone(),
                Param::Scalar(_) => Vec::new(),
            };
            if t.shape != shape {
                return Err(fail(name, format!("argument {i} has shape {:?}, expected {shape:?}", t.shape)));
            }
            if t.elem != p.elem() {
                return Err(fail(name, format!("argument {i} has element type {}, expected {}", t.elem, p.elem())));
            }
            let path = self.dir.path().join(format!("in{i}.raw"));
            std::fs::write(&path, t.to_bytes()).map_err(|e| fail(name, e.to_string()))?;
            files.push(path);
        }
        for i in 0..self.entry.results.len() {
            files.push(self.dir.path().join(format!("out{i}.raw")));
        }
        let program = self.dir.path().join("program");
        let mut cmd = match &self.runner {
            Some(r) => {
                let mut c = Command::new(r);
                c.arg(&program);
                c
            }
            None => Command::new(&program),
        };
        if let Some(n) = repeat {
            cmd.env("STRATA_REPEAT", n.to_string());
        }
        if let Some(t) = threads {
            cmd.env("STRATA_NUM_THREADS", t.to_string());
        }
        let out = run_registered(cmd.args(&files)).map_err(|e| fail(name, format!("{}: {e}", program.display())))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let site = (out.status.code() == Some(TRAP_EXIT))
                .then(|| stderr.lines().find_map(|l| l.strip_prefix(TRAP_MARK)?.trim().parse::<usize>().ok()))
                .flatten()
                .and_then(|k| self.trap_sites.get(k.checked_sub(1)?));
            if let Some(site) = site {
                return Err(site.error());
            }
            return Err(fail(name, format!("the program failed ({}): {stderr}", out.status)));
        }
        let mut results = Vec::new();
        for (i, p) in self.entry.results.iter().enumerate() {
            let bytes = std::fs::read(&files[self.entry.args.len() + i]).map_err(|e| fail(name, e.to_string()))?;
            let shape = match p {
                Param::MemRef { shape, .. } => shape.clone(),
                Param::Scalar(_) => Vec::new(),
            };
            results.push(Tensor::from_bytes(&shape, p.elem(), &bytes));
        }
        let timing = repeat.map(|_| String::from_utf8_lossy(&out.stdout).trim().to_string());
        Ok((results, timing))
    }
}
