//! How values become PTX registers: one virtual register per scalar (per lane of a vector),
//! of the class its type needs. `ptxas` allocates the machine registers.
//!
//! | type | class | kept as |
//! |---|---|---|
//! | `i1` | `.pred` `%p` | a predicate |
//! | `i8`, `i16`, `i32` | `.b32` `%r` | the value sign-extended to 32 bits (the interpreter's canonical form) |
//! | `i64`, `index` | `.b64` `%rd` | 64 bits |
//! | `f16`, `bf16`, `f32` | `.f32` `%f` | `f32`; halves rounded to their type after each op |
//! | `f64` | `.f64` `%fd` | 64 bits |
//!
//! Halves are computed in `f32` and rounded after each op, as the Cranelift backend does:
//! exact, since `f32` has more than twice their precision. `.b16` `%h` registers hold a half
//! only on its way to and from memory.

use std::fmt;

use strata_ir::{Context, FloatKind, Type, TypeKind};

/// A register class.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Class {
    Pred,
    B16,
    B32,
    B64,
    F32,
    F64,
}

impl Class {
    pub const ALL: [Class; 6] = [Class::Pred, Class::B16, Class::B32, Class::B64, Class::F32, Class::F64];

    fn prefix(self) -> &'static str {
        match self {
            Class::Pred => "%p",
            Class::B16 => "%h",
            Class::B32 => "%r",
            Class::B64 => "%rd",
            Class::F32 => "%f",
            Class::F64 => "%fd",
        }
    }

    /// The declaration's type.
    pub fn decl(self) -> &'static str {
        match self {
            Class::Pred => ".pred",
            Class::B16 => ".b16",
            Class::B32 => ".b32",
            Class::B64 => ".b64",
            Class::F32 => ".f32",
            Class::F64 => ".f64",
        }
    }
}

/// A virtual register.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Reg {
    pub class: Class,
    pub n: u32,
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.class.prefix(), self.n)
    }
}

/// Hands out registers, counting each class for the declarations.
#[derive(Default)]
pub struct Regs {
    counts: [u32; 6],
}

impl Regs {
    pub fn new_reg(&mut self, class: Class) -> Reg {
        let i = Class::ALL.iter().position(|c| *c == class).expect("a class");
        self.counts[i] += 1;
        Reg { class, n: self.counts[i] }
    }

    /// `.reg .f32 %f<N>;` lines for every class used.
    pub fn declarations(&self) -> String {
        let mut out = String::new();
        for (c, n) in Class::ALL.iter().zip(self.counts) {
            if n > 0 {
                out.push_str(&format!("    .reg {} {}<{}>;\n", c.decl(), c.prefix(), n + 1));
            }
        }
        out
    }
}

/// A scalar element type as the emitter sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scalar {
    /// An integer of this many bits (1 to 64); `index` is 64.
    Int(u32),
    F16,
    BF16,
    F32,
    F64,
}

impl Scalar {
    pub fn of(ctx: &Context, t: Type) -> Option<Scalar> {
        Some(match ctx.type_kind(t) {
            TypeKind::Integer { width, .. } if *width <= 64 && [1, 8, 16, 32, 64].contains(width) => {
                Scalar::Int(*width)
            }
            TypeKind::Index => Scalar::Int(64),
            TypeKind::Float(FloatKind::F16) => Scalar::F16,
            TypeKind::Float(FloatKind::BF16) => Scalar::BF16,
            TypeKind::Float(FloatKind::F32) => Scalar::F32,
            TypeKind::Float(FloatKind::F64) => Scalar::F64,
            _ => return None,
        })
    }

    pub fn class(self) -> Class {
        match self {
            Scalar::Int(1) => Class::Pred,
            Scalar::Int(w) if w <= 32 => Class::B32,
            Scalar::Int(_) => Class::B64,
            Scalar::F16 | Scalar::BF16 | Scalar::F32 => Class::F32,
            Scalar::F64 => Class::F64,
        }
    }

    pub fn bytes(self) -> u32 {
        match self {
            Scalar::Int(w) => w.div_ceil(8),
            Scalar::F16 | Scalar::BF16 => 2,
            Scalar::F32 => 4,
            Scalar::F64 => 8,
        }
    }

    pub fn is_float(self) -> bool {
        !matches!(self, Scalar::Int(_))
    }

    /// The integer width, for integers.
    pub fn width(self) -> u32 {
        match self {
            Scalar::Int(w) => w,
            _ => 0,
        }
    }

    /// The signed-integer suffix of arithmetic in this type's registers.
    pub fn signed(self) -> &'static str {
        if self.class() == Class::B64 {
            "s64"
        } else {
            "s32"
        }
    }

    pub fn unsigned(self) -> &'static str {
        if self.class() == Class::B64 {
            "u64"
        } else {
            "u32"
        }
    }

    pub fn bits(self) -> &'static str {
        if self.class() == Class::B64 || self == Scalar::F64 {
            "b64"
        } else {
            "b32"
        }
    }

    /// The float suffix of arithmetic in this type's registers.
    pub fn float(self) -> &'static str {
        if self == Scalar::F64 {
            "f64"
        } else {
            "f32"
        }
    }
}

/// A value's type: a scalar, or a vector of `lanes` scalars.
pub fn shape_of(ctx: &Context, t: Type) -> Option<(Scalar, usize)> {
    match ctx.type_kind(t) {
        TypeKind::Vector { shape, element, .. } => {
            let lanes = shape.iter().try_fold(1usize, |a, d| usize::try_from(*d).ok().map(|d| a * d))?;
            Some((Scalar::of(ctx, *element)?, lanes))
        }
        _ => Some((Scalar::of(ctx, t)?, 1)),
    }
}
