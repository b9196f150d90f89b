//! Runtime plugins: shared libraries that add passes or dialects through a versioned C-ABI
//! entry point, in the manner of MLIR's `mlirGetPassPluginInfo`.
//!
//! A plugin crate (`crate-type = ["cdylib"]`) declares its entry point with a macro:
//!
//! ```ignore
//! strata_ir::pass_plugin!("my-passes", "0.1", |registry| {
//!     registry.register(my_pass_info()).unwrap();
//! });
//! ```
//!
//! The host checks [`PLUGIN_API_VERSION`], the build id (strata version and `rustc -V`) and a
//! fingerprint of the layouts of the types that cross the boundary ([`LAYOUT_FINGERPRINT`])
//! before calling anything else: Rust types cross the boundary, so both sides must come from
//! the same toolchain and strata version, and their shared dependencies must be built with the
//! same features (cargo unifies features per build, so a plugin built alone can get other
//! layouts than the tool it is loaded into).

use std::ffi::c_char;

use super::PassRegistry;
use crate::Context;

/// Version of the plugin entry-point layout; bumped when [`PassPluginInfo`] or
/// [`DialectPluginInfo`] change.
pub const PLUGIN_API_VERSION: u32 = 2;

/// Strata version and compiler, NUL-terminated, as this copy of strata-ir was built.
pub const BUILD_ID: &str = concat!("strata ", env!("CARGO_PKG_VERSION"), ", ", env!("STRATA_RUSTC_VERSION"), "\0");

/// Sizes and alignments of the types a plugin shares with its host, folded into one number.
pub const LAYOUT_FINGERPRINT: u64 = {
    use std::mem::{align_of, size_of};
    let parts = [
        size_of::<Context>(),
        align_of::<Context>(),
        size_of::<crate::Ir>(),
        size_of::<crate::Operation>(),
        size_of::<crate::Block>(),
        size_of::<crate::ValueData>(),
        size_of::<crate::OpDef>(),
        size_of::<PassRegistry>(),
        size_of::<super::PassInfo>(),
        size_of::<super::PassContext<'static>>(),
        size_of::<crate::Diagnostic>(),
        size_of::<smallvec::SmallVec<[u32; 4]>>(),
    ];
    // FNV-1a over the numbers.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < parts.len() {
        h ^= parts[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
};

/// Symbol a pass plugin exports.
pub const PASS_PLUGIN_ENTRY: &str = "strataGetPassPluginInfo";
/// Symbol a dialect plugin exports.
pub const DIALECT_PLUGIN_ENTRY: &str = "strataGetDialectPluginInfo";

/// What `strataGetPassPluginInfo` returns.
#[repr(C)]
pub struct PassPluginInfo {
    pub api_version: u32,
    /// NUL-terminated [`BUILD_ID`] of the plugin's build.
    pub build_id: *const c_char,
    pub plugin_name: *const c_char,
    pub plugin_version: *const c_char,
    /// Adds the plugin's passes; returns false if registration failed (a name clash).
    pub register: unsafe extern "C" fn(*mut PassRegistry) -> bool,
    /// [`LAYOUT_FINGERPRINT`] of the plugin's build.
    pub layout: u64,
}

/// What `strataGetDialectPluginInfo` returns.
#[repr(C)]
pub struct DialectPluginInfo {
    pub api_version: u32,
    pub build_id: *const c_char,
    pub plugin_name: *const c_char,
    pub plugin_version: *const c_char,
    /// Adds the plugin's dialects; returns false if registration failed.
    pub register: unsafe extern "C" fn(*mut Context) -> bool,
    /// [`LAYOUT_FINGERPRINT`] of the plugin's build.
    pub layout: u64,
}

/// Registers a plugin's passes with every pass wrapped so that a panic inside it is caught
/// on the plugin's side. (A plugin carries its own copy of the Rust runtime; a panic
/// unwinding out of it into the host would abort the process.) Called by [`pass_plugin!`].
pub fn register_plugin_passes(registry: &mut PassRegistry, f: fn(&mut PassRegistry) -> Result<(), String>) -> bool {
    super::install_quiet_panic_hook();
    let mut local = PassRegistry::new();
    if !call_register(&mut local, f) {
        return false;
    }
    for info in local.passes() {
        if let Err(e) = registry.register(info.clone().catching_panics()) {
            eprintln!("error: plugin registration failed: {e}");
            return false;
        }
    }
    for p in local.pipelines() {
        if let Err(e) = registry.register_pipeline(p.name, p.summary, &p.text) {
            eprintln!("error: plugin registration failed: {e}");
            return false;
        }
    }
    true
}

/// Calls a plugin's registration function, turning a panic or an error into `false`.
pub fn call_register<T>(target: &mut T, f: fn(&mut T) -> Result<(), String>) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(target))) {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            eprintln!("error: plugin registration failed: {e}");
            false
        }
        Err(_) => false,
    }
}

/// Declares a pass plugin's entry point. `$register` is a `fn(&mut PassRegistry) -> Result<(), String>`.
#[macro_export]
macro_rules! pass_plugin {
    ($name:literal, $version:literal, $register:expr) => {
        #[no_mangle]
        pub extern "C" fn strataGetPassPluginInfo() -> $crate::pass::plugin::PassPluginInfo {
            unsafe extern "C" fn register(registry: *mut $crate::pass::PassRegistry) -> bool {
                let f: fn(&mut $crate::pass::PassRegistry) -> Result<(), String> = $register;
                // SAFETY: the host passes a valid, exclusive registry pointer.
                $crate::pass::plugin::register_plugin_passes(unsafe { &mut *registry }, f)
            }
            $crate::pass::plugin::PassPluginInfo {
                api_version: $crate::pass::plugin::PLUGIN_API_VERSION,
                build_id: $crate::pass::plugin::BUILD_ID.as_ptr().cast(),
                plugin_name: concat!($name, "\0").as_ptr().cast(),
                plugin_version: concat!($version, "\0").as_ptr().cast(),
                register,
                layout: $crate::pass::plugin::LAYOUT_FINGERPRINT,
            }
        }
    };
}

/// Declares a dialect plugin's entry point. `$register` is a `fn(&mut Context) -> Result<(), String>`.
#[macro_export]
macro_rules! dialect_plugin {
    ($name:literal, $version:literal, $register:expr) => {
        #[no_mangle]
        pub extern "C" fn strataGetDialectPluginInfo() -> $crate::pass::plugin::DialectPluginInfo {
            unsafe extern "C" fn register(ctx: *mut $crate::Context) -> bool {
                let f: fn(&mut $crate::Context) -> Result<(), String> = $register;
                // SAFETY: the host passes a valid, exclusive context pointer.
                $crate::pass::plugin::call_register(unsafe { &mut *ctx }, f)
            }
            $crate::pass::plugin::DialectPluginInfo {
                api_version: $crate::pass::plugin::PLUGIN_API_VERSION,
                build_id: $crate::pass::plugin::BUILD_ID.as_ptr().cast(),
                plugin_name: concat!($name, "\0").as_ptr().cast(),
                plugin_version: concat!($version, "\0").as_ptr().cast(),
                register,
                layout: $crate::pass::plugin::LAYOUT_FINGERPRINT,
            }
        }
    };
}
