//! The few driver calls the runtime makes, through cudarc's thin `result` layer, each turned
//! into a [`CudaError`] that says what failed. The driver library is loaded at run time: its
//! absence is an error here, never cudarc's panic.

use std::ffi::{c_void, CString};
use std::sync::OnceLock;

use cudarc::driver::{result, sys};

use crate::CudaError;

fn driver(what: &'static str) -> impl Fn(result::DriverError) -> CudaError {
    move |e| CudaError::Driver { what, message: format!("{e:?}") }
}

/// The driver library, initialized once (or why it could not be).
fn init() -> Result<(), CudaError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        // SAFETY: only probes whether the shared library can be opened.
        if !unsafe { sys::is_culib_present() } {
            return Err("no CUDA driver: libcuda.so could not be loaded (is an NVIDIA driver installed?)".into());
        }
        result::init().map_err(|e| format!("the CUDA driver failed to initialize: {e:?}"))
    })
    .clone()
    .map_err(CudaError::NoDriver)
}

/// One GPU, its primary context (current on the calling thread) and a stream of our own.
pub struct Device {
    ctx: sys::CUcontext,
    pub(crate) stream: sys::CUstream,
    pub name: String,
    /// The compute capability (major, minor).
    pub capability: (i32, i32),
}

// SAFETY: a CUDA context may be used from any thread once made current there; `bind` does.
unsafe impl Send for Device {}
unsafe impl Sync for Device {}

impl Device {
    /// Device `ordinal`, or why there is none.
    pub fn open(ordinal: usize) -> Result<Device, CudaError> {
        init()?;
        let count = result::device::get_count().map_err(driver("counting devices"))?;
        if ordinal as i64 >= i64::from(count) {
            return Err(CudaError::NoDevice { ordinal, count: count.max(0) as usize });
        }
        let dev = result::device::get(ordinal as i32).map_err(driver("getting the device"))?;
        let name = result::device::get_name(dev).map_err(driver("reading the device name"))?;
        let attr = |a| unsafe { result::device::get_attribute(dev, a) };
        let major = attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
            .map_err(driver("reading the compute capability"))?;
        let minor = attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)
            .map_err(driver("reading the compute capability"))?;
        // SAFETY: `dev` is a valid device; the primary context lives as long as the process.
        let ctx = unsafe { result::primary_ctx::retain(dev) }.map_err(driver("creating the context"))?;
        unsafe { result::ctx::set_current(ctx) }.map_err(driver("making the context current"))?;
        let stream =
            // A blocking stream: the synchronous copies and fills (made on the legacy stream)
            // are ordered with its launches both ways.
            result::stream::create(result::stream::StreamKind::Default).map_err(driver("creating a stream"))?;
        Ok(Device { ctx, stream, name, capability: (major, minor) })
    }

    /// Makes the device's context current on this thread.
    pub fn bind(&self) -> Result<(), CudaError> {
        unsafe { result::ctx::set_current(self.ctx) }.map_err(driver("making the context current"))
    }

    pub fn synchronize(&self) -> Result<(), CudaError> {
        unsafe { result::stream::synchronize(self.stream) }.map_err(driver("running the kernels"))
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: the stream was created by `open` and is not used after the device.
        let _ = unsafe { result::stream::destroy(self.stream) };
    }
}

/// A device allocation, freed on drop.
pub struct Buffer {
    pub ptr: sys::CUdeviceptr,
    pub bytes: usize,
}

impl Buffer {
    pub fn new(bytes: usize) -> Result<Buffer, CudaError> {
        // SAFETY: the context is current (Device::open or bind).
        let ptr = unsafe { result::malloc_sync(bytes.max(1)) }
            .map_err(|e| CudaError::OutOfMemory { bytes, message: format!("{e:?}") })?;
        Ok(Buffer { ptr, bytes })
    }

    /// `[at, at + n)` within the buffer, or an error.
    fn check(&self, at: usize, n: usize) -> Result<(), CudaError> {
        match at.checked_add(n) {
            Some(end) if end <= self.bytes => Ok(()),
            _ => Err(CudaError::Launch(format!("{n} bytes at {at} overrun the {} bytes planned", self.bytes))),
        }
    }

    /// Fills bytes `[at, at + n)` with `byte`.
    pub fn fill(&self, at: usize, n: usize, byte: u8) -> Result<(), CudaError> {
        self.check(at, n)?;
        unsafe { result::memset_d8_sync(self.ptr + at as u64, byte, n) }.map_err(driver("filling memory"))
    }

    pub fn write(&self, at: usize, data: &[u8]) -> Result<(), CudaError> {
        self.check(at, data.len())?;
        unsafe { result::memcpy_htod_sync(self.ptr + at as u64, data) }.map_err(driver("copying to the device"))
    }

    pub fn read(&self, at: usize, out: &mut [u8]) -> Result<(), CudaError> {
        self.check(at, out.len())?;
        unsafe { result::memcpy_dtoh_sync(out, self.ptr + at as u64) }.map_err(driver("copying from the device"))
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: allocated by malloc_sync and not freed elsewhere.
        let _ = unsafe { result::free_sync(self.ptr) };
    }
}

/// A loaded PTX module.
pub struct Module {
    module: sys::CUmodule,
}

impl Module {
    /// Loads `ptx` (the driver assembles it for the device), reporting ptxas's log on failure.
    pub fn load(ptx: &str) -> Result<Module, CudaError> {
        let image = CString::new(ptx).map_err(|_| CudaError::Load("the PTX text holds a NUL byte".into()))?;
        let mut log = vec![0u8; 16 * 1024];
        let mut options =
            [sys::CUjit_option::CU_JIT_ERROR_LOG_BUFFER, sys::CUjit_option::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES];
        let mut values: [*mut c_void; 2] = [log.as_mut_ptr().cast(), log.len() as *mut c_void];
        let mut module = std::ptr::null_mut();
        // SAFETY: the image is NUL-terminated text; the option arrays outlive the call.
        let r = unsafe {
            sys::cuModuleLoadDataEx(
                &mut module,
                image.as_ptr().cast(),
                options.len() as u32,
                options.as_mut_ptr(),
                values.as_mut_ptr(),
            )
        };
        if r != sys::CUresult::CUDA_SUCCESS {
            let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
            return Err(CudaError::Load(format!("{r:?}: {}", String::from_utf8_lossy(&log[..end]).trim())));
        }
        Ok(Module { module })
    }

    pub fn function(&self, name: &str) -> Result<sys::CUfunction, CudaError> {
        let c = CString::new(name).map_err(|_| CudaError::Load(format!("kernel name {name:?}")))?;
        unsafe { result::module::get_function(self.module, c) }
            .map_err(|e| CudaError::Load(format!("no kernel {name} in the module: {e:?}")))
    }

    /// The address and size of a global of the module.
    pub fn global(&self, name: &str) -> Result<(sys::CUdeviceptr, usize), CudaError> {
        let c = CString::new(name).map_err(|_| CudaError::Load(format!("global name {name:?}")))?;
        unsafe { result::module::get_global(self.module, c) }
            .map_err(|e| CudaError::Load(format!("no global {name} in the module: {e:?}")))
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        // SAFETY: loaded by cuModuleLoadDataEx and unloaded only here.
        let _ = unsafe { result::module::unload(self.module) };
    }
}

/// One launch: a kernel, its grid and block, and its parameters' bytes (8 per parameter).
#[derive(Clone, Debug)]
pub struct Launch {
    pub function: sys::CUfunction,
    pub grid: (u32, u32, u32),
    pub block: (u32, u32, u32),
    pub shared_bytes: u32,
    pub params: Vec<[u8; 8]>,
}

impl Launch {
    pub fn enqueue(&self, device: &Device) -> Result<(), CudaError> {
        let mut storage = self.params.clone();
        let mut pointers: Vec<*mut c_void> = storage.iter_mut().map(|p| p.as_mut_ptr().cast()).collect();
        // SAFETY: the function comes from a loaded module; each parameter points to 8 bytes
        // holding a value of at most that size, kept alive through the call (the driver
        // copies parameters when the launch is enqueued).
        unsafe {
            result::launch_kernel(self.function, self.grid, self.block, self.shared_bytes, device.stream, &mut pointers)
        }
        .map_err(|e| CudaError::Launch(format!("{e:?}")))
    }
}

/// A CUDA event, for timing on the stream.
pub struct Event(sys::CUevent);

impl Event {
    pub fn new() -> Result<Event, CudaError> {
        result::event::create(sys::CUevent_flags::CU_EVENT_DEFAULT).map(Event).map_err(driver("creating an event"))
    }

    pub fn record(&self, device: &Device) -> Result<(), CudaError> {
        unsafe { result::event::record(self.0, device.stream) }.map_err(driver("recording an event"))
    }

    /// Milliseconds from `self` to `end` (both recorded and complete).
    pub fn elapsed_ms(&self, end: &Event) -> Result<f32, CudaError> {
        unsafe {
            result::event::synchronize(end.0).map_err(driver("waiting for an event"))?;
            result::event::elapsed(self.0, end.0)
        }
        .map_err(driver("timing events"))
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        let _ = unsafe { result::event::destroy(self.0) };
    }
}

/// A captured sequence of launches, replayed with one call.
pub struct Graph {
    graph: sys::CUgraph,
    exec: sys::CUgraphExec,
}

impl Graph {
    /// Captures `launches` on the device's stream into an instantiated graph.
    pub fn capture(device: &Device, launches: &[Launch]) -> Result<Graph, CudaError> {
        unsafe {
            result::stream::begin_capture(device.stream, sys::CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)
        }
        .map_err(driver("starting a graph capture"))?;
        let enqueued = launches.iter().try_for_each(|l| l.enqueue(device));
        let graph = unsafe { result::stream::end_capture(device.stream) }.map_err(driver("ending a graph capture"))?;
        if let Err(e) = enqueued {
            let _ = unsafe { result::graph::destroy(graph) };
            return Err(e);
        }
        let exec = unsafe { result::graph::instantiate(graph, sys::CUgraphInstantiate_flags(0)) }
            .map_err(driver("instantiating a graph"))?;
        Ok(Graph { graph, exec })
    }

    pub fn launch(&self, device: &Device) -> Result<(), CudaError> {
        unsafe { result::graph::launch(self.exec, device.stream) }.map_err(|e| CudaError::Launch(format!("{e:?}")))
    }
}

impl Drop for Graph {
    fn drop(&mut self) {
        unsafe {
            let _ = result::graph::exec_destroy(self.exec);
            let _ = result::graph::destroy(self.graph);
        }
    }
}
