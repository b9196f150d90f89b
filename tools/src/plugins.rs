//! Loading runtime plugins (`--load-pass-plugin`, `--load-dialect-plugin`).

use std::ffi::{c_char, CStr};

use libloading::Library;
use strata_ir::pass::plugin::{
    DialectPluginInfo, PassPluginInfo, BUILD_ID, DIALECT_PLUGIN_ENTRY, LAYOUT_FINGERPRINT, PASS_PLUGIN_ENTRY,
    PLUGIN_API_VERSION,
};
use strata_ir::pass::PassRegistry;
use strata_ir::Context;

/// Why a plugin was refused.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("could not load plugin '{path}': {reason}")]
    Load { path: String, reason: String },
    #[error("'{path}' is not a Strata {kind} plugin: it does not export '{entry}'")]
    NoEntryPoint { path: String, kind: &'static str, entry: &'static str },
    #[error(
        "plugin '{name}' ({path}) was built for plugin API version {found}, but this tool supports version {expected}; rebuild the plugin against this version of strata"
    )]
    ApiVersion { path: String, name: String, found: u32, expected: u32 },
    #[error(
        "plugin '{name}' ({path}) was built with {found}, but this tool was built with {expected}; Rust has no stable ABI, so rebuild the plugin with the same toolchain and strata version"
    )]
    Toolchain { path: String, name: String, found: String, expected: String },
    #[error(
        "plugin '{name}' ({path}) shares strata's types with other layouts than this tool (fingerprint {found:#x}, expected {expected:#x}): a dependency was built with other features; build the plugin and the tool in one cargo build of the same workspace"
    )]
    Layout { path: String, name: String, found: u64, expected: u64 },
    #[error("plugin '{name}' ({path}) failed to register")]
    Register { path: String, name: String },
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: plugin entry points return NUL-terminated static strings.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn open(path: &str) -> Result<Library, PluginError> {
    // SAFETY: loading runs the library's initialisers; a plugin is trusted code the user named.
    unsafe { Library::new(path) }.map_err(|e| PluginError::Load { path: path.into(), reason: e.to_string() })
}

fn check(path: &str, api: u32, build: *const c_char, layout: u64, name: &str) -> Result<(), PluginError> {
    if api != PLUGIN_API_VERSION {
        return Err(PluginError::ApiVersion {
            path: path.into(),
            name: name.into(),
            found: api,
            expected: PLUGIN_API_VERSION,
        });
    }
    let found = text(build);
    let expected = BUILD_ID.trim_end_matches('\0');
    if found != expected {
        return Err(PluginError::Toolchain { path: path.into(), name: name.into(), found, expected: expected.into() });
    }
    if layout != LAYOUT_FINGERPRINT {
        return Err(PluginError::Layout {
            path: path.into(),
            name: name.into(),
            found: layout,
            expected: LAYOUT_FINGERPRINT,
        });
    }
    Ok(())
}

/// What both kinds of entry point report.
trait EntryInfo {
    /// API version, build id, layout fingerprint, name.
    fn header(&self) -> (u32, *const c_char, u64, *const c_char);
}

impl EntryInfo for PassPluginInfo {
    fn header(&self) -> (u32, *const c_char, u64, *const c_char) {
        (self.api_version, self.build_id, self.layout, self.plugin_name)
    }
}

impl EntryInfo for DialectPluginInfo {
    fn header(&self) -> (u32, *const c_char, u64, *const c_char) {
        (self.api_version, self.build_id, self.layout, self.plugin_name)
    }
}

/// Opens `path`, calls its `entry` and checks what it reports; then `register` runs with the
/// info and the library stays loaded.
fn load<I: EntryInfo>(
    path: &str,
    kind: &'static str,
    entry: &'static str,
    register: impl FnOnce(&I) -> bool,
) -> Result<(), PluginError> {
    let lib = open(path)?;
    // SAFETY: the symbol's type is the documented entry-point signature.
    let get = unsafe { lib.get::<extern "C" fn() -> I>(entry.as_bytes()) }.map_err(|_| PluginError::NoEntryPoint {
        path: path.into(),
        kind,
        entry,
    })?;
    let info = get();
    let (api, build, layout, name) = info.header();
    let name = text(name);
    check(path, api, build, layout, &name)?;
    if !register(&info) {
        return Err(PluginError::Register { path: path.into(), name });
    }
    std::mem::forget(lib);
    Ok(())
}

/// Loads a pass plugin and lets it register its passes. The library stays loaded.
pub fn load_pass_plugin(path: &str, registry: &mut PassRegistry) -> Result<(), PluginError> {
    // SAFETY: the plugin was built by the same toolchain against the same strata version.
    load(path, "pass", PASS_PLUGIN_ENTRY, |info: &PassPluginInfo| unsafe { (info.register)(registry) })
}

/// Loads a dialect plugin and lets it register its dialects. The library stays loaded.
pub fn load_dialect_plugin(path: &str, ctx: &mut Context) -> Result<(), PluginError> {
    // SAFETY: as for pass plugins.
    load(path, "dialect", DIALECT_PLUGIN_ENTRY, |info: &DialectPluginInfo| unsafe { (info.register)(ctx) })
}
