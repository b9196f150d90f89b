//! Loading runtime plugins (`--load-pass-plugin`, `--load-dialect-plugin`).

use std::ffi::{c_char, CStr};

use libloading::Library;
use strata_ir::pass::plugin::{
    DialectPluginInfo, PassPluginInfo, BUILD_ID, DIALECT_PLUGIN_ENTRY, PASS_PLUGIN_ENTRY, PLUGIN_API_VERSION,
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

fn check(path: &str, api: u32, build: *const c_char, name: &str) -> Result<(), PluginError> {
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
    Ok(())
}

/// Loads a pass plugin and lets it register its passes. The library stays loaded.
pub fn load_pass_plugin(path: &str, registry: &mut PassRegistry) -> Result<(), PluginError> {
    let lib = open(path)?;
    // SAFETY: the symbol's type is the documented entry-point signature.
    let entry = unsafe { lib.get::<extern "C" fn() -> PassPluginInfo>(PASS_PLUGIN_ENTRY.as_bytes()) }
        .map_err(|_| PluginError::NoEntryPoint { path: path.into(), kind: "pass", entry: PASS_PLUGIN_ENTRY })?;
    let info = entry();
    let name = text(info.plugin_name);
    check(path, info.api_version, info.build_id, &name)?;
    // SAFETY: the plugin was built by the same toolchain against the same strata version.
    if !unsafe { (info.register)(registry) } {
        return Err(PluginError::Register { path: path.into(), name });
    }
    std::mem::forget(lib);
    Ok(())
}

/// Loads a dialect plugin and lets it register its dialects. The library stays loaded.
pub fn load_dialect_plugin(path: &str, ctx: &mut Context) -> Result<(), PluginError> {
    let lib = open(path)?;
    // SAFETY: the symbol's type is the documented entry-point signature.
    let entry = unsafe { lib.get::<extern "C" fn() -> DialectPluginInfo>(DIALECT_PLUGIN_ENTRY.as_bytes()) }
        .map_err(|_| PluginError::NoEntryPoint { path: path.into(), kind: "dialect", entry: DIALECT_PLUGIN_ENTRY })?;
    let info = entry();
    let name = text(info.plugin_name);
    check(path, info.api_version, info.build_id, &name)?;
    // SAFETY: as for pass plugins.
    if !unsafe { (info.register)(ctx) } {
        return Err(PluginError::Register { path: path.into(), name });
    }
    std::mem::forget(lib);
    Ok(())
}
