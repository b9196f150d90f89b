//! Builtin types.
//!
//! Types are interned in the [`Context`]; a [`Type`] is a 32-bit handle compared by identity.
//! Types from dialects without a registered type parser are kept as [`TypeKind::Opaque`]
//! (`!dialect.mnemonic<body>`), which prints back exactly as it was read.

use crate::attributes::Attribute;
use crate::Context;

/// An interned type.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Type(pub(crate) u32);

/// The size of a dynamic dimension (`?`), as MLIR's `ShapedType::kDynamic`.
pub const DYNAMIC: i64 = i64::MIN;

#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Signedness {
    Signless,
    Signed,
    Unsigned,
}

/// Every builtin float type of MLIR 22: the IEEE-like ones and the 8-, 6- and 4-bit formats
/// of the OCP and ML accelerators (their value sets are in `float.rs`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum FloatKind {
    F4E2M1FN,
    F6E2M3FN,
    F6E3M2FN,
    F8E5M2,
    F8E4M3,
    F8E4M3FN,
    F8E5M2FNUZ,
    F8E4M3FNUZ,
    F8E4M3B11FNUZ,
    F8E3M4,
    F8E8M0FNU,
    BF16,
    F16,
    TF32,
    F32,
    F64,
    F80,
    F128,
}

/// Each float kind with its keyword.
const FLOAT_KEYWORDS: [(FloatKind, &str); 18] = [
    (FloatKind::F4E2M1FN, "f4E2M1FN"),
    (FloatKind::F6E2M3FN, "f6E2M3FN"),
    (FloatKind::F6E3M2FN, "f6E3M2FN"),
    (FloatKind::F8E5M2, "f8E5M2"),
    (FloatKind::F8E4M3, "f8E4M3"),
    (FloatKind::F8E4M3FN, "f8E4M3FN"),
    (FloatKind::F8E5M2FNUZ, "f8E5M2FNUZ"),
    (FloatKind::F8E4M3FNUZ, "f8E4M3FNUZ"),
    (FloatKind::F8E4M3B11FNUZ, "f8E4M3B11FNUZ"),
    (FloatKind::F8E3M4, "f8E3M4"),
    (FloatKind::F8E8M0FNU, "f8E8M0FNU"),
    (FloatKind::BF16, "bf16"),
    (FloatKind::F16, "f16"),
    (FloatKind::TF32, "tf32"),
    (FloatKind::F32, "f32"),
    (FloatKind::F64, "f64"),
    (FloatKind::F80, "f80"),
    (FloatKind::F128, "f128"),
];

impl FloatKind {
    pub fn width(self) -> u32 {
        match self {
            FloatKind::F4E2M1FN => 4,
            FloatKind::F6E2M3FN | FloatKind::F6E3M2FN => 6,
            FloatKind::F8E5M2
            | FloatKind::F8E4M3
            | FloatKind::F8E4M3FN
            | FloatKind::F8E5M2FNUZ
            | FloatKind::F8E4M3FNUZ
            | FloatKind::F8E4M3B11FNUZ
            | FloatKind::F8E3M4
            | FloatKind::F8E8M0FNU => 8,
            FloatKind::BF16 | FloatKind::F16 => 16,
            FloatKind::TF32 => 19,
            FloatKind::F32 => 32,
            FloatKind::F64 => 64,
            FloatKind::F80 => 80,
            FloatKind::F128 => 128,
        }
    }

    pub fn keyword(self) -> &'static str {
        FLOAT_KEYWORDS.iter().find(|(k, _)| *k == self).map_or("", |(_, s)| s)
    }

    pub fn from_keyword(s: &str) -> Option<FloatKind> {
        FLOAT_KEYWORDS.iter().find(|(_, k)| *k == s).map(|(k, _)| *k)
    }
}

/// The structure of a type.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum TypeKind {
    Integer {
        width: u32,
        signedness: Signedness,
    },
    Index,
    Float(FloatKind),
    None,
    Complex(Type),
    Tuple(Vec<Type>),
    Function {
        inputs: Vec<Type>,
        results: Vec<Type>,
    },
    /// `tensor<4x?xf32, #encoding>`; dynamic dimensions are [`DYNAMIC`].
    RankedTensor {
        shape: Vec<i64>,
        element: Type,
        encoding: Option<Attribute>,
    },
    UnrankedTensor {
        element: Type,
    },
    /// `memref<4x?xf32, layout, memory_space>`.
    MemRef {
        shape: Vec<i64>,
        element: Type,
        layout: Option<Attribute>,
        memory_space: Option<Attribute>,
    },
    UnrankedMemRef {
        element: Type,
        memory_space: Option<Attribute>,
    },
    /// `vector<[4]x8xf32>`: `scalable[i]` marks a scalable dimension.
    Vector {
        shape: Vec<i64>,
        scalable: Vec<bool>,
        element: Type,
    },
    /// `!dialect.mnemonic<body>` or `!dialect<body>`, kept as text.
    Opaque {
        dialect: String,
        body: String,
    },
}

impl Context {
    pub fn integer_type(&self, width: u32) -> Type {
        match width {
            1 => self.common.i1,
            64 => self.common.i64,
            _ => self.intern_type(TypeKind::Integer { width, signedness: Signedness::Signless }),
        }
    }
    pub fn i1(&self) -> Type {
        self.common.i1
    }
    pub fn i64_type(&self) -> Type {
        self.common.i64
    }
    pub fn index_type(&self) -> Type {
        self.common.index
    }
    pub fn float_type(&self, kind: FloatKind) -> Type {
        match kind {
            FloatKind::F64 => self.common.f64,
            _ => self.intern_type(TypeKind::Float(kind)),
        }
    }
    pub fn f64_type(&self) -> Type {
        self.common.f64
    }
    pub fn f32_type(&self) -> Type {
        self.float_type(FloatKind::F32)
    }
    pub fn none_type(&self) -> Type {
        self.intern_type(TypeKind::None)
    }
    pub fn function_type(&self, inputs: Vec<Type>, results: Vec<Type>) -> Type {
        self.intern_type(TypeKind::Function { inputs, results })
    }
    pub fn tensor_type(&self, shape: Vec<i64>, element: Type) -> Type {
        self.intern_type(TypeKind::RankedTensor { shape, element, encoding: None })
    }
    /// `memref<shape x element>` with the identity layout in the default memory space.
    pub fn memref_type(&self, shape: Vec<i64>, element: Type) -> Type {
        self.intern_type(TypeKind::MemRef { shape, element, layout: None, memory_space: None })
    }
    pub fn vector_type(&self, shape: Vec<i64>, element: Type) -> Type {
        let scalable = vec![false; shape.len()];
        self.intern_type(TypeKind::Vector { shape, scalable, element })
    }

    /// Width in bits of an integer or float type.
    pub fn int_or_float_width(&self, t: Type) -> Option<u32> {
        match self.type_kind(t) {
            TypeKind::Integer { width, .. } => Some(*width),
            TypeKind::Float(k) => Some(k.width()),
            _ => None,
        }
    }

    pub fn is_integer(&self, t: Type) -> bool {
        matches!(self.type_kind(t), TypeKind::Integer { .. })
    }
    pub fn is_signless_integer(&self, t: Type) -> bool {
        matches!(self.type_kind(t), TypeKind::Integer { signedness: Signedness::Signless, .. })
    }
    pub fn is_index(&self, t: Type) -> bool {
        matches!(self.type_kind(t), TypeKind::Index)
    }
    pub fn is_float(&self, t: Type) -> bool {
        matches!(self.type_kind(t), TypeKind::Float(_))
    }

    /// The element type of a shaped type (tensor, memref, vector), or the type itself.
    pub fn element_type_or_self(&self, t: Type) -> Type {
        self.element_type(t).unwrap_or(t)
    }

    /// The element type of a shaped type.
    pub fn element_type(&self, t: Type) -> Option<Type> {
        match self.type_kind(t) {
            TypeKind::RankedTensor { element, .. }
            | TypeKind::UnrankedTensor { element }
            | TypeKind::MemRef { element, .. }
            | TypeKind::UnrankedMemRef { element, .. }
            | TypeKind::Vector { element, .. } => Some(*element),
            _ => None,
        }
    }

    /// The shape of a ranked shaped type.
    pub fn shape(&self, t: Type) -> Option<&[i64]> {
        match self.type_kind(t) {
            TypeKind::RankedTensor { shape, .. } | TypeKind::MemRef { shape, .. } | TypeKind::Vector { shape, .. } => {
                Some(shape)
            }
            _ => None,
        }
    }

    /// `t` with its element type replaced (`tensor<4xf32>` → `tensor<4xi1>`), or `element` for
    /// a scalar `t`. Used by ops such as `arith.cmpi` whose result mirrors the operand's shape.
    pub fn with_element_type(&self, t: Type, element: Type) -> Type {
        let kind = match self.type_kind(t).clone() {
            TypeKind::RankedTensor { shape, encoding, .. } => TypeKind::RankedTensor { shape, element, encoding },
            TypeKind::UnrankedTensor { .. } => TypeKind::UnrankedTensor { element },
            TypeKind::Vector { shape, scalable, .. } => TypeKind::Vector { shape, scalable, element },
            TypeKind::MemRef { shape, layout, memory_space, .. } => {
                TypeKind::MemRef { shape, element, layout, memory_space }
            }
            TypeKind::UnrankedMemRef { memory_space, .. } => TypeKind::UnrankedMemRef { element, memory_space },
            _ => return element,
        };
        self.intern_type(kind)
    }

    /// Whether two types have the same shape (both scalars, or shaped with equal shapes and kind).
    pub fn same_shape(&self, a: Type, b: Type) -> bool {
        use TypeKind::*;
        match (self.type_kind(a), self.type_kind(b)) {
            (RankedTensor { shape: x, .. }, RankedTensor { shape: y, .. }) => x == y,
            (Vector { shape: x, scalable: sx, .. }, Vector { shape: y, scalable: sy, .. }) => x == y && sx == sy,
            (UnrankedTensor { .. }, UnrankedTensor { .. }) => true,
            (x, y) => {
                self.element_type(a).is_none() && self.element_type(b).is_none() && {
                    let _ = (x, y);
                    true
                }
            }
        }
    }
}
