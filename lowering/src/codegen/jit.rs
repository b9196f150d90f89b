//! JIT compilation for the host: compile a module once, then call its entry points on tensors
//! (through the packed wrappers of the C ABI), on a thread pool of a chosen size.
//!
//! ```
//! use strata_lowering::codegen::jit::{Jit, JitOptions};
//! use strata_runtime::tensor::{Elem, Tensor};
//! let mut ctx = strata_ir::Context::new();
//! strata_dialects::register_all(&mut ctx);
//! let src = r#"func.func @twice(%a: memref<5xf32>) -> memref<5xf32> {
//!   %out = memref.alloc() : memref<5xf32>
//!   %c0 = arith.constant 0 : index
//!   %c1 = arith.constant 1 : index
//!   %c5 = arith.constant 5 : index
//!   "scf.parallel"(%c0, %c5, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
//!   ^bb0(%i: index):
//!     %x = memref.load %a[%i] : memref<5xf32>
//!     %y = arith.addf %x, %x : f32
//!     memref.store %y, %out[%i] : memref<5xf32>
//!     "scf.reduce"() : () -> ()
//!   }) : (index, index, index) -> ()
//!   return %out : memref<5xf32>
//! }"#;
//! let m = strata_ir::parse_source(&ctx, "twice.mlir", src, &Default::default()).unwrap();
//! let jit = Jit::compile(&ctx, &m.ir, m.root, JitOptions::default()).unwrap();
//! let x = Tensor::from_floats(&[5], Elem::F32, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
//! let y = jit.run("twice", &[x]).unwrap();
//! assert_eq!(*y[0].floats(), [2.0, 4.0, 6.0, 8.0, 10.0]);
//! ```

use std::ffi::c_void;

use cranelift_jit::{JITBuilder, JITModule};
use rustc_hash::FxHashMap;
use strata_ir::{Context, Ir, OpId};
use strata_runtime::tensor::{Elem, Tensor};

use super::abi::{EntrySignature, Param};
use super::profile::{self, record, record::Profile};
use super::team::Team;
use super::translate::{compile_module, CompileOptions, TrapSite};
use super::{parallel, CodegenError, Target};

extern "C" {
    fn free(p: *mut c_void);
}

/// How to compile and run.
#[derive(Clone, Copy, Debug, Default)]
pub struct JitOptions {
    /// Threads for parallel loops (default: rayon's global pool, one per core).
    pub threads: Option<usize>,
    /// Poison fresh buffers (see [`CompileOptions::poison`]).
    pub poison: bool,
}

/// A compiled module in memory.
pub struct Jit {
    code: Code,
    entries: FxHashMap<String, (EntrySignature, *const u8)>,
    pool: Option<rayon::ThreadPool>,
    /// The spinning threads that serve one call at a time (`None` with one thread), shared
    /// with the other modules of as many threads.
    team: Option<std::sync::Arc<Team>>,
    /// Where the compiled code can stop; a status of `-k` is site `k`.
    trap_sites: Vec<TrapSite>,
    /// What calls of profiled code record ([`Jit::compile_profiled`]).
    profile: Option<Profile>,
}

/// What owns the machine code: Cranelift's JIT module, or another backend's (the LLVM one in
/// `strata-llvm`), kept alive and dropped with the `Jit`.
enum Code {
    Cranelift(Box<JITModule>),
    /// Held for its `Drop`: the other backend's engine and the data its code reads.
    Foreign(#[allow(dead_code)] Box<dyn std::any::Any>),
    Freed,
}

/// A buffer in the C ABI's terms: 64-byte aligned storage and its descriptor.
struct Buffer {
    storage: Vec<u64>,
    descriptor: Vec<i64>,
}

impl Buffer {
    /// A buffer for `shape` elements of `elem`; an error when it is larger than the machine.
    fn new(shape: &[usize], elem: Elem) -> Result<Buffer, CodegenError> {
        let bytes = strata_runtime::limits::buffer_bytes(shape, elem.bytes())
            .map_err(|e| CodegenError::Run { function: String::new(), message: e.to_string() })?;
        let mut storage = Vec::new();
        storage
            .try_reserve_exact(bytes.div_ceil(8) + 8)
            .map_err(|e| CodegenError::Run { function: String::new(), message: e.to_string() })?;
        storage.resize(bytes.div_ceil(8) + 8, 0u64);
        let mut b = Buffer { storage, descriptor: Vec::new() };
        let p = b.aligned() as i64;
        b.descriptor = vec![p, p, 0];
        b.descriptor.extend(shape.iter().map(|d| *d as i64));
        b.descriptor.extend(Tensor::strides(shape).into_iter().map(|s| s as i64));
        Ok(b)
    }

    fn aligned(&mut self) -> *mut u8 {
        let p = self.storage.as_mut_ptr() as *mut u8;
        // SAFETY: at most 63 bytes into a buffer with 64 spare bytes.
        unsafe { p.add(p.align_offset(64)) }
    }
}

impl Jit {
    /// Compiles every function under `root` for this machine.
    pub fn compile(ctx: &Context, ir: &Ir, root: OpId, options: JitOptions) -> Result<Jit, CodegenError> {
        Jit::compile_entries(ctx, ir, root, None, options)
    }

    /// Compiles the functions that `entries` reach (all of them with `None`).
    pub fn compile_entries(
        ctx: &Context,
        ir: &Ir,
        root: OpId,
        entries: Option<&[&str]>,
        options: JitOptions,
    ) -> Result<Jit, CodegenError> {
        Jit::compile_with(ctx, ir, root, entries, options, false)
    }

    /// As [`Jit::compile_entries`], with each kernel timed on every call ([`profile`]: the
    /// graph must have been through `profile-kernels` before `lower-to-loops`); read the
    /// events with [`Jit::profile`].
    pub fn compile_profiled(
        ctx: &Context,
        ir: &Ir,
        root: OpId,
        entries: Option<&[&str]>,
        options: JitOptions,
    ) -> Result<Jit, CodegenError> {
        Jit::compile_with(ctx, ir, root, entries, options, true)
    }

    fn compile_with(
        ctx: &Context,
        ir: &Ir,
        root: OpId,
        entries: Option<&[&str]>,
        options: JitOptions,
        profiled: bool,
    ) -> Result<Jit, CodegenError> {
        let isa = Target::Host.isa(false)?;
        let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        if profiled {
            builder.symbol(super::abi::PARALLEL_FOR, record::parallel_for as *const u8);
            builder.symbol(profile::BEGIN, record::begin as *const u8);
            builder.symbol(profile::END, record::end as *const u8);
        } else {
            builder.symbol(super::abi::PARALLEL_FOR, parallel::parallel_for as *const u8);
        }
        let mut module = JITModule::new(builder);
        let compiled = compile_module(
            ctx,
            ir,
            root,
            &mut module,
            CompileOptions { poison: options.poison, asm: false, module: "jit".into(), profile: profiled },
            entries,
        )?;
        module.finalize_definitions().map_err(|e| CodegenError::Module(e.to_string()))?;
        let trap_sites = compiled.trap_sites;
        let profile = profiled.then(|| Profile::new(compiled.kernels));
        let entries = compiled
            .entries
            .into_iter()
            .map(|e| {
                let (sig, p) = (e.signature, module.get_finalized_function(e.packed));
                (sig.name.clone(), (sig, p))
            })
            .collect();
        let (pool, team) = (thread_pool(options.threads)?, team(options.threads));
        Ok(Jit { code: Code::Cranelift(Box::new(module)), entries, pool, team, trap_sites, profile })
    }

    /// A `Jit` over code another backend compiled: `entries` are packed wrappers with this
    /// backend's contract (`int32_t f(void **slots)`: the arguments' descriptors or scalars, then
    /// the results'; 0, `k + 1` for a mismatching argument `k`, or `-site` for `trap_sites`), and
    /// `code` owns the memory they live in. Code that calls the profiling hooks
    /// ([`record::begin`], [`record::end`], [`record::parallel_for`]) comes with the
    /// `kernels` their ids name, and its calls are recorded as [`Jit::compile_profiled`]'s.
    pub fn from_foreign(
        entries: Vec<(EntrySignature, *const u8)>,
        trap_sites: Vec<TrapSite>,
        options: JitOptions,
        code: Box<dyn std::any::Any>,
        kernels: Option<Vec<profile::Kernel>>,
    ) -> Result<Jit, CodegenError> {
        let entries = entries.into_iter().map(|(sig, p)| (sig.name.clone(), (sig, p))).collect();
        let (pool, team) = (thread_pool(options.threads)?, team(options.threads));
        Ok(Jit { code: Code::Foreign(code), entries, pool, team, trap_sites, profile: kernels.map(Profile::new) })
    }

    /// The kernels and recorded calls of a profiled compile ([`Jit::compile_profiled`]).
    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_ref()
    }

    /// The signature of entry point `name`.
    pub fn signature(&self, name: &str) -> Option<&EntrySignature> {
        self.entries.get(name).map(|(s, _)| s)
    }

    /// Calls `name` on `inputs` (shapes must match its arguments) and reads its results out.
    pub fn run(&self, name: &str, inputs: &[Tensor]) -> Result<Vec<Tensor>, CodegenError> {
        let mut call = self.prepare(name, inputs)?;
        call.invoke()?;
        call.results()
    }

    /// Sets up a call of `name` on `inputs` that can be invoked many times (benchmarks).
    pub fn prepare(&self, name: &str, inputs: &[Tensor]) -> Result<Call<'_>, CodegenError> {
        let fail = |message: String| CodegenError::Run { function: name.to_string(), message };
        let (sig, f) = self.entries.get(name).ok_or_else(|| fail("no such public function".into()))?;
        if inputs.len() != sig.args.len() {
            return Err(fail(format!("expects {} arguments, got {}", sig.args.len(), inputs.len())));
        }
        let mut args = Vec::new();
        for (i, (p, t)) in sig.args.iter().zip(inputs).enumerate() {
            let shape = match p {
                Param::MemRef { shape, .. } => shape.clone(),
                Param::Scalar(_) => Vec::new(),
            };
            if t.shape != shape {
                return Err(fail(format!("argument {i} has shape {:?}, expected {shape:?}", t.shape)));
            }
            if t.elem != p.elem() {
                return Err(fail(format!("argument {i} has element type {}, expected {}", t.elem, p.elem())));
            }
            let mut b = Buffer::new(&shape, p.elem())?;
            let bytes = t.to_bytes();
            // SAFETY: the buffer was sized for this shape and element type.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), b.aligned(), bytes.len()) };
            args.push(b);
        }
        let results = sig
            .results
            .iter()
            .map(|p| {
                let mut b = Buffer::new(&[], p.elem())?;
                if let Param::MemRef { shape, .. } = p {
                    b.descriptor = vec![0; 3 + 2 * shape.len()];
                }
                Ok(b)
            })
            .collect::<Result<_, CodegenError>>()?;
        Ok(Call { jit: self, sig, f: *f, args, results, owned: Vec::new() })
    }
}

/// A prepared call: argument buffers and result descriptors.
pub struct Call<'a> {
    jit: &'a Jit,
    sig: &'a EntrySignature,
    f: *const u8,
    args: Vec<Buffer>,
    results: Vec<Buffer>,
    /// Result buffers the caller owns, freed on drop or the next call.
    owned: Vec<*mut c_void>,
}

impl Call<'_> {
    /// Reads every argument buffer, a word per cache line, so that the arguments are in the
    /// cache when the call starts, as a network's activations are when the op before it has
    /// just written them (Fast-Run, which evicts the rest first: the weights come from memory).
    pub fn warm_arguments(&self) {
        let sum = self.args.iter().flat_map(|b| b.storage.iter().step_by(8)).fold(0u64, |a, &w| a.wrapping_add(w));
        std::hint::black_box(sum);
    }

    /// Runs the entry point once.
    pub fn invoke(&mut self) -> Result<(), CodegenError> {
        self.release();
        let mut packed: Vec<*mut u8> = Vec::new();
        for (p, b) in self.sig.args.iter().zip(&mut self.args) {
            packed.push(match p {
                Param::MemRef { .. } => b.descriptor.as_mut_ptr() as *mut u8,
                Param::Scalar(_) => b.aligned(),
            });
        }
        for (p, b) in self.sig.results.iter().zip(&mut self.results) {
            packed.push(match p {
                Param::MemRef { .. } => b.descriptor.as_mut_ptr() as *mut u8,
                Param::Scalar(_) => b.aligned(),
            });
        }
        // SAFETY: `f` is the packed wrapper compiled for this signature; every pointer in
        // `packed` points at a descriptor or scalar slot of the right kind and size.
        let packed_fn: unsafe extern "C" fn(*mut *mut u8) -> i32 = unsafe { std::mem::transmute(self.f) };
        let slots = packed.as_mut_ptr() as usize;
        // SAFETY: as above; the slots outlive the call.
        let run = || unsafe { packed_fn(slots as *mut *mut u8) };
        let profile = self.jit.profile.as_ref();
        let call = move || match profile {
            Some(profile) => profile.record(run),
            None => run(),
        };
        // The team serves one call at a time; another call at once runs on the rayon pool.
        let status = match self.jit.team.as_ref().and_then(|team| team.enter(call)) {
            Some(status) => status,
            None => match &self.jit.pool {
                Some(pool) => pool.install(call),
                None => call(),
            },
        };
        if status < 0 {
            let site = self.jit.trap_sites.get((-status - 1) as usize);
            return Err(site.map_or_else(
                || CodegenError::Run { function: self.sig.name.clone(), message: format!("status {status}") },
                TrapSite::error,
            ));
        }
        if status > 0 {
            return Err(CodegenError::Run {
                function: self.sig.name.clone(),
                message: format!("argument {} does not match the compiled shape", status - 1),
            });
        }
        for (p, b) in self.sig.results.iter().zip(&self.results) {
            if matches!(p, Param::MemRef { .. }) && b.descriptor[0] != 0 {
                self.owned.push(b.descriptor[0] as *mut c_void);
            }
        }
        Ok(())
    }

    /// The results of the last [`Call::invoke`].
    pub fn results(&mut self) -> Result<Vec<Tensor>, CodegenError> {
        let mut out = Vec::new();
        for (p, b) in self.sig.results.iter().zip(&mut self.results) {
            let elem = p.elem();
            let (shape, at): (Vec<usize>, *const u8) = match p {
                Param::MemRef { shape, .. } => {
                    (shape.clone(), (b.descriptor[1] + b.descriptor[2] * elem.bytes() as i64) as *const u8)
                }
                Param::Scalar(_) => (Vec::new(), b.aligned()),
            };
            let n: usize = shape.iter().product();
            // SAFETY: the callee filled the descriptor with a buffer of this shape.
            let bytes = unsafe { std::slice::from_raw_parts(at, n * elem.bytes()) };
            out.push(Tensor::from_bytes(&shape, elem, bytes));
        }
        Ok(out)
    }

    fn release(&mut self) {
        for p in self.owned.drain(..) {
            // SAFETY: allocated by the compiled code with aligned_alloc and handed to us.
            unsafe { free(p) };
        }
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

/// The team for `threads` threads (default: one per core), or none for one.
fn team(threads: Option<usize>) -> Option<std::sync::Arc<Team>> {
    Team::shared(threads.unwrap_or_else(rayon::current_num_threads))
}

/// A pool of `threads` threads, or none (rayon's global pool).
fn thread_pool(threads: Option<usize>) -> Result<Option<rayon::ThreadPool>, CodegenError> {
    threads
        .map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| CodegenError::Target(format!("thread pool: {e}")))
        })
        .transpose()
}

impl Drop for Jit {
    fn drop(&mut self) {
        if let Code::Cranelift(m) = std::mem::replace(&mut self.code, Code::Freed) {
            // SAFETY: no function pointer outlives the Jit (calls borrow it).
            unsafe { m.free_memory() };
        }
    }
}
