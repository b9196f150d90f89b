//! Runtime functions the JIT's code may call that a Rust process does not export: LLVM lowers
//! some conversions to `f16`/`bf16` to compiler-rt calls (`__truncdfbf2` …), which C programs
//! get from libgcc but a JIT must be given. Each rounds to nearest even, as the instruction
//! would (the `half` crate's conversions).
//!
//! On x86-64, `_Float16` and `__bf16` are passed and returned in the low 16 bits of an SSE
//! register, which is where an `f32`'s low bits go: the functions take and return `f32`s
//! carrying those bits.

use half::{bf16, f16};

fn bits_out(b: u16) -> f32 {
    f32::from_bits(u32::from(b))
}

fn bits_in(x: f32) -> u16 {
    x.to_bits() as u16
}

extern "C" fn truncdfbf2(x: f64) -> f32 {
    bits_out(bf16::from_f64(x).to_bits())
}

extern "C" fn truncsfbf2(x: f32) -> f32 {
    bits_out(bf16::from_f32(x).to_bits())
}

extern "C" fn truncdfhf2(x: f64) -> f32 {
    bits_out(f16::from_f64(x).to_bits())
}

extern "C" fn truncsfhf2(x: f32) -> f32 {
    bits_out(f16::from_f32(x).to_bits())
}

extern "C" fn extendhfsf2(x: f32) -> f32 {
    f16::from_bits(bits_in(x)).to_f32()
}

extern "C" fn extendbfsf2(x: f32) -> f32 {
    bf16::from_bits(bits_in(x)).to_f32()
}

/// (symbol, address) of every function above.
pub fn symbols() -> Vec<(&'static str, *const u8)> {
    vec![
        ("__truncdfbf2", truncdfbf2 as *const u8),
        ("__truncsfbf2", truncsfbf2 as *const u8),
        ("__truncdfhf2", truncdfhf2 as *const u8),
        ("__truncsfhf2", truncsfhf2 as *const u8),
        ("__extendhfsf2", extendhfsf2 as *const u8),
        ("__extendbfsf2", extendbfsf2 as *const u8),
    ]
}
