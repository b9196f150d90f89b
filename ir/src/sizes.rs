//! Element counts and byte sizes of shaped types, checked. A count or size beyond `i64::MAX`
//! (what an `index`, a buffer offset or an `.npy` header can hold) is an error, never a
//! wrapped number: `tensor<9223372036854775807x9223372036854775807xf32>` must not become a
//! 64-byte buffer.

use thiserror::Error;

use crate::types::{Type, TypeKind};
use crate::Context;

/// Why a type has no element count or byte size.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SizeError {
    #[error("'{0}' is not a ranked tensor, memref or vector")]
    NotShaped(String),
    #[error("'{0}' has a dynamic dimension")]
    Dynamic(String),
    #[error("'{0}' has a negative dimension")]
    Negative(String),
    #[error("the elements of '{0}' have no fixed bit width")]
    NoElementWidth(String),
    #[error("'{0}' has more than {max} elements (the count overflows i64)", max = i64::MAX)]
    TooManyElements(String),
    #[error("'{0}' takes more than {max} bytes (the size overflows i64)", max = i64::MAX)]
    TooManyBytes(String),
}

impl SizeError {
    /// Whether the type is too large, as opposed to having no static size at all.
    pub fn is_overflow(&self) -> bool {
        matches!(self, SizeError::TooManyElements(_) | SizeError::TooManyBytes(_))
    }
}

/// The element count of a static `shape`: `None` for a dynamic or negative dimension or a
/// count beyond `i64::MAX`. A zero dimension makes the count 0 whatever the others are.
///
/// ```
/// use strata_ir::sizes::checked_num_elements;
/// assert_eq!(checked_num_elements(&[2, 3, 4]), Some(24));
/// assert_eq!(checked_num_elements(&[i64::MAX, 2]), None);
/// assert_eq!(checked_num_elements(&[i64::MAX, i64::MAX, 0]), Some(0));
/// ```
pub fn checked_num_elements(shape: &[i64]) -> Option<u64> {
    if shape.iter().any(|d| *d < 0) {
        return None;
    }
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().try_fold(1i64, |n, d| n.checked_mul(*d)).map(|n| n as u64)
}

/// Bytes of `count` elements of `bits` each, packed (`ceil(count * bits / 8)`), as the memory
/// plan and the lowering lay buffers out; `None` beyond `i64::MAX`.
pub fn checked_byte_size(count: u64, bits: u64) -> Option<u64> {
    let size = (count as u128 * bits as u128).div_ceil(8);
    (size <= i64::MAX as u128).then_some(size as u64)
}

impl Context {
    /// The element count of a ranked tensor, memref or vector with a static shape.
    pub fn num_elements(&self, t: Type) -> Result<u64, SizeError> {
        let shape = self.shape(t).ok_or_else(|| SizeError::NotShaped(self.type_to_string(t)))?;
        if shape.contains(&crate::DYNAMIC) {
            return Err(SizeError::Dynamic(self.type_to_string(t)));
        }
        if shape.iter().any(|d| *d < 0) {
            return Err(SizeError::Negative(self.type_to_string(t)));
        }
        checked_num_elements(shape).ok_or_else(|| SizeError::TooManyElements(self.type_to_string(t)))
    }

    /// Bits of one value of a scalar or vector type: integers and floats by width, `index`
    /// as 64 (the width the interpreter and code generator give it), complex numbers as two
    /// parts, vectors as all their lanes.
    pub fn element_bits(&self, t: Type) -> Option<u64> {
        match self.type_kind(t) {
            TypeKind::Integer { width, .. } => Some(*width as u64),
            TypeKind::Float(k) => Some(k.width() as u64),
            TypeKind::Index => Some(64),
            TypeKind::Complex(part) => self.element_bits(*part)?.checked_mul(2),
            TypeKind::Vector { element, .. } => {
                let bits = self.element_bits(*element)?;
                self.num_elements(t).ok()?.checked_mul(bits)
            }
            _ => None,
        }
    }

    /// The bytes a ranked tensor, memref or vector with a static shape takes, packed
    /// ([`checked_byte_size`]).
    ///
    /// ```
    /// let ctx = strata_ir::Context::new();
    /// let t = ctx.parse_type("tensor<9223372036854775807x9223372036854775807xf32>").unwrap();
    /// assert!(ctx.byte_size(t).unwrap_err().is_overflow());
    /// let t = ctx.parse_type("memref<3x5xi1>").unwrap();
    /// assert_eq!(ctx.byte_size(t), Ok(2));
    /// ```
    pub fn byte_size(&self, t: Type) -> Result<u64, SizeError> {
        let count = self.num_elements(t)?;
        let element = self.element_type(t).unwrap_or(t);
        let bits = self.element_bits(element).ok_or_else(|| SizeError::NoElementWidth(self.type_to_string(t)))?;
        checked_byte_size(count, bits).ok_or_else(|| SizeError::TooManyBytes(self.type_to_string(t)))
    }
}
