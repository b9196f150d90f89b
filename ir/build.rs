//! Records the compiler version, so runtime plugins built with another toolchain are refused
//! (Rust has no stable ABI).

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown rustc".into());
    println!("cargo:rustc-env=STRATA_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-changed=build.rs");
}
