//! Resource blobs: the bytes behind `dense_resource<key> : tensor<...>` attributes.
//!
//! Weights are megabytes; as `dense<...>` literals they would cost a `DenseValue` (32 bytes)
//! per element and a decimal number each in the text. MLIR keeps them instead as *blobs*: raw
//! little-endian element data with an alignment, stored beside the IR and referenced by key,
//! printed once at the end of a file:
//!
//! ```text
//! "nn.constant"() <{value = dense_resource<conv1> : tensor<64x3x7x7xf32>}> : ...
//! {-#
//!   dialect_resources: {
//!     builtin: {
//!       conv1: "0x04000000<the bytes in hex>"
//!     }
//!   }
//! #-}
//! ```
//!
//! The hex string's first 4 bytes are the alignment (a little-endian `u32`), the rest the data.
//!
//! Blobs live in the [`Context`], keyed by a unique name ([`Context::add_blob`]), and are shared
//! cheaply ([`Blob`] holds an `Arc<[u8]>`). A key is unique in its context: adding data under a
//! key that holds other data picks the first free `key_N`, as MLIR does; adding the same data
//! under the same key gives the existing key back, so parsing a printed module again in the
//! same context finds the same keys. The parser resolves a file's keys this way when the whole
//! file has been read (a key defined in one file never answers a reference in another).
//! `dense_resource<__elided__>` ([`ELIDED_KEY`]) is MLIR's mark for data left out of a print:
//! it parses, and has no blob.

use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;
use thiserror::Error;

use crate::attributes::{AttrKind, Attribute, DenseValue};
use crate::types::{FloatKind, Type, TypeKind};
use crate::Context;

/// The key MLIR prints for a blob whose data was elided (`--mlir-elide-resource-strings-if-larger`).
pub const ELIDED_KEY: &str = "__elided__";

/// The data of a blob and the alignment its reader may rely on (a power of two).
#[derive(Clone, Debug)]
pub struct Blob {
    alignment: u32,
    bytes: Arc<[u8]>,
}

impl PartialEq for Blob {
    fn eq(&self, other: &Blob) -> bool {
        self.alignment == other.alignment && (Arc::ptr_eq(&self.bytes, &other.bytes) || self.bytes == other.bytes)
    }
}

impl Eq for Blob {}

impl Blob {
    /// A blob of `bytes`; `alignment` must be a power of two (MLIR's rule).
    pub fn new(alignment: u32, bytes: impl Into<Arc<[u8]>>) -> Result<Blob, ResourceError> {
        if !alignment.is_power_of_two() {
            return Err(ResourceError::Alignment(alignment));
        }
        Ok(Blob { alignment, bytes: bytes.into() })
    }

    pub fn alignment(&self) -> u32 {
        self.alignment
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, shared (no copy).
    pub fn shared_bytes(&self) -> Arc<[u8]> {
        self.bytes.clone()
    }
}

/// Why a blob could not be made or read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ResourceError {
    #[error("blob alignment {0} is not a power of two")]
    Alignment(u32),
    #[error("'{0}' is not a dense_resource attribute")]
    NotResource(String),
    #[error("dense_resource<{ELIDED_KEY}> has no data: it was left out when the IR was printed")]
    Elided,
    #[error("no blob is named '{0}'")]
    Undefined(String),
    #[error("'{0}' is not a static shape of integers or floats of 1, 2, 4 or 8 bytes")]
    UnsupportedType(String),
    #[error("blob '{key}' holds {bytes} bytes but '{ty}' needs {expected}")]
    SizeMismatch { key: String, ty: String, bytes: usize, expected: u128 },
}

/// The blobs of a context, by key.
#[derive(Default)]
pub(crate) struct BlobStore {
    inner: RwLock<StoreInner>,
}

#[derive(Default)]
struct StoreInner {
    blobs: FxHashMap<Box<str>, Blob>,
    /// The last suffix given to each name hint, so that adding under one hint N times probes
    /// N keys in all rather than N² (folding names every constant it makes alike).
    last_suffix: FxHashMap<Box<str>, u64>,
}

impl BlobStore {
    /// Stores `blob` under `hint`, or under the first free `hint_N` when `hint` holds other
    /// data; the key it is stored under.
    pub(crate) fn insert(&self, hint: &str, blob: Blob) -> String {
        let hint = if hint.is_empty() { "blob" } else { hint };
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        match inner.blobs.get(hint) {
            Some(existing) if *existing == blob => return hint.to_string(),
            Some(_) => {}
            None => {
                inner.blobs.insert(hint.into(), blob);
                return hint.to_string();
            }
        }
        let mut n = inner.last_suffix.get(hint).copied().unwrap_or(0);
        loop {
            n += 1;
            let key = format!("{hint}_{n}");
            if !inner.blobs.contains_key(key.as_str()) {
                inner.last_suffix.insert(hint.into(), n);
                inner.blobs.insert(key.as_str().into(), blob);
                return key;
            }
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Blob> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).blobs.get(key).cloned()
    }
}

/// Bytes one element of `element` takes in a blob: the smallest power of two that holds its
/// bits (`i1` is a byte, `i24` four), as in memory; `None` for types with no such size.
pub fn element_storage_bytes(ctx: &Context, element: Type) -> Option<usize> {
    match ctx.type_kind(element) {
        TypeKind::Integer { width: 1..=64, .. } | TypeKind::Float(_) | TypeKind::Index => {
            let bits = ctx.int_or_float_width(element).unwrap_or(64);
            let bytes = (bits as usize).div_ceil(8).next_power_of_two();
            (bytes <= 8).then_some(bytes)
        }
        _ => None,
    }
}

/// How the elements of a type are read from little-endian bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ElementCoding {
    Float(FloatKind),
    /// `i1`: any byte but 0 is true (as C++ reads MLIR's bool blobs).
    Bool,
    /// An integer of this width, sign-extended (as `dense<...>` literals keep integers).
    Int(u32),
}

impl ElementCoding {
    pub(crate) fn of(ctx: &Context, element: Type) -> Option<ElementCoding> {
        Some(match ctx.type_kind(element) {
            TypeKind::Float(kind) => ElementCoding::Float(*kind),
            TypeKind::Integer { width: 1, .. } => ElementCoding::Bool,
            TypeKind::Integer { width, .. } => ElementCoding::Int(*width),
            TypeKind::Index => ElementCoding::Int(64),
            _ => return None,
        })
    }

    /// The value of one element stored in `raw_bytes`, as `dense<...>` literals hold it.
    pub(crate) fn value(self, raw_bytes: &[u8]) -> DenseValue {
        let mut raw = 0u128;
        for (i, b) in raw_bytes.iter().enumerate() {
            raw |= (*b as u128) << (8 * i);
        }
        match self {
            ElementCoding::Float(kind) => {
                let raw = if kind.width() < 128 { raw & ((1 << kind.width()) - 1) } else { raw };
                DenseValue::of_float_bits(raw, kind)
            }
            ElementCoding::Bool => DenseValue::Int((raw != 0) as i128),
            ElementCoding::Int(width) => DenseValue::Int(crate::attributes::wrap_signed(raw as i128, width)),
        }
    }
}

/// The elements of a blob, decoded one at a time ([`Context::resource_elements`]): a check
/// that stops early (is every weight 1?) reads no further than it needs.
#[derive(Clone, Debug)]
pub struct ResourceElements {
    blob: Blob,
    coding: ElementCoding,
    size: usize,
    next: usize,
}

impl Iterator for ResourceElements {
    type Item = DenseValue;

    fn next(&mut self) -> Option<DenseValue> {
        let bytes = self.blob.bytes().get(self.next..self.next + self.size)?;
        self.next += self.size;
        Some(self.coding.value(bytes))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.blob.bytes().len() - self.next) / self.size;
        (left, Some(left))
    }
}

impl ExactSizeIterator for ResourceElements {}

impl Context {
    /// Stores `bytes` with `alignment` (a power of two) under a key made from `name_hint`: the
    /// hint itself, or `name_hint_N` when the hint already names other data. Returns the key
    /// that [`AttrKind::DenseResource`] attributes use.
    ///
    /// ```
    /// use strata_ir::Context;
    /// let ctx = Context::new();
    /// let a = ctx.add_blob("w", 4, vec![0u8; 8]).unwrap();
    /// let b = ctx.add_blob("w", 4, vec![1u8; 8]).unwrap();
    /// assert_eq!((a.as_str(), b.as_str()), ("w", "w_1"));
    /// assert_eq!(ctx.blob("w_1").unwrap().bytes(), &[1u8; 8]);
    /// // The same data under the same key is the same blob.
    /// assert_eq!(ctx.add_blob("w", 4, vec![0u8; 8]).unwrap(), "w");
    /// assert!(ctx.add_blob("x", 3, vec![0u8; 3]).is_err());
    /// ```
    pub fn add_blob(
        &self,
        name_hint: &str,
        alignment: u32,
        bytes: impl Into<Arc<[u8]>>,
    ) -> Result<String, ResourceError> {
        Ok(self.insert_blob(name_hint, Blob::new(alignment, bytes)?))
    }

    /// [`Context::add_blob`] for a blob already made.
    pub fn insert_blob(&self, name_hint: &str, blob: Blob) -> String {
        self.blobs.insert(name_hint, blob)
    }

    /// The blob stored under `key` (a cheap copy: the bytes are shared).
    pub fn blob(&self, key: &str) -> Option<Blob> {
        self.blobs.get(key)
    }

    /// A `dense_resource<key> : ty` attribute over `bytes`, the elements of the static shaped
    /// type `ty` in little-endian order ([`element_storage_bytes`] each), stored as a blob
    /// aligned to the element size under a key made from `name_hint`.
    ///
    /// ```
    /// use strata_ir::Context;
    /// let ctx = Context::new();
    /// let ty = ctx.parse_type("tensor<2xf32>").unwrap();
    /// let bytes: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
    /// let attr = ctx.dense_resource_attr("weights", ty, bytes).unwrap();
    /// assert_eq!(ctx.attr_to_string(attr), "dense_resource<weights> : tensor<2xf32>");
    /// let blob = ctx.resource_blob(attr).unwrap();
    /// assert_eq!((blob.alignment(), blob.bytes().len()), (4, 8));
    /// // The size must match the type.
    /// assert!(ctx.dense_resource_attr("short", ty, vec![0u8; 7]).is_err());
    /// ```
    pub fn dense_resource_attr(
        &self,
        name_hint: &str,
        ty: Type,
        bytes: impl Into<Arc<[u8]>>,
    ) -> Result<Attribute, ResourceError> {
        let bytes = bytes.into();
        let size = self.check_resource_size(name_hint, ty, bytes.len())?;
        let key = self.add_blob(name_hint, size as u32, bytes)?;
        Ok(self.intern_attr(AttrKind::DenseResource { ty, handle: key }))
    }

    /// The blob behind a `dense_resource` attribute, checked to hold exactly the elements of
    /// the attribute's type.
    pub fn resource_blob(&self, attr: Attribute) -> Result<Blob, ResourceError> {
        let AttrKind::DenseResource { ty, handle } = self.attr_kind(attr) else {
            return Err(ResourceError::NotResource(self.attr_to_string(attr)));
        };
        if handle == ELIDED_KEY {
            return Err(ResourceError::Elided);
        }
        let blob = self.blob(handle).ok_or_else(|| ResourceError::Undefined(handle.clone()))?;
        self.check_resource_size(handle, *ty, blob.bytes().len())?;
        Ok(blob)
    }

    /// The elements of a `dense_resource` attribute as `dense<...>` literals hold them
    /// (floats as `f64` bits, integers sign-extended, `i1` 0 or 1), decoded as they are read.
    pub fn resource_elements(&self, attr: Attribute) -> Result<ResourceElements, ResourceError> {
        let blob = self.resource_blob(attr)?;
        let ty = self.attr_type(attr).expect("a dense_resource has a type");
        let element = self.element_type_or_self(ty);
        let unsupported = || ResourceError::UnsupportedType(self.type_to_string(ty));
        let size = element_storage_bytes(self, element).ok_or_else(unsupported)?;
        let coding = ElementCoding::of(self, element).ok_or_else(unsupported)?;
        Ok(ResourceElements { blob, coding, size, next: 0 })
    }

    /// All the elements of a `dense_resource` attribute ([`Context::resource_elements`]).
    pub fn resource_values(&self, attr: Attribute) -> Result<Vec<DenseValue>, ResourceError> {
        Ok(self.resource_elements(attr)?.collect())
    }

    /// The element size of `ty`, checked to make `len` bytes.
    fn check_resource_size(&self, key: &str, ty: Type, len: usize) -> Result<usize, ResourceError> {
        let unsupported = || ResourceError::UnsupportedType(self.type_to_string(ty));
        if !matches!(self.type_kind(ty), TypeKind::RankedTensor { .. } | TypeKind::Vector { .. }) {
            return Err(unsupported());
        }
        let count = self.num_elements(ty).map_err(|_| unsupported())?;
        let size = element_storage_bytes(self, self.element_type_or_self(ty)).ok_or_else(unsupported)?;
        let expected = count as u128 * size as u128;
        if expected != len as u128 {
            return Err(ResourceError::SizeMismatch {
                key: key.to_string(),
                ty: self.type_to_string(ty),
                bytes: len,
                expected,
            });
        }
        Ok(size)
    }
}

/// Whether a resource key prints bare (MLIR's keyword: a letter or `_`, then letters, digits
/// and `_$.`); others print as quoted strings.
pub(crate) fn is_bare_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.bytes().all(|c| c.is_ascii_alphanumeric() || b"_$.".contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_reused_for_equal_data() {
        let ctx = Context::new();
        let keys: Vec<String> = (0..5).map(|i| ctx.add_blob("folded", 1, vec![i as u8]).unwrap()).collect();
        assert_eq!(keys, ["folded", "folded_1", "folded_2", "folded_3", "folded_4"]);
        // A key someone chose that looks like a suffixed one is skipped, not overwritten.
        ctx.add_blob("k_1", 1, vec![9u8]).unwrap();
        assert_eq!(ctx.add_blob("k", 1, vec![1u8]).unwrap(), "k");
        assert_eq!(ctx.add_blob("k", 1, vec![2u8]).unwrap(), "k_2");
        assert_eq!(ctx.blob("k_1").unwrap().bytes(), &[9]);
        // Equal bytes with another alignment are other data.
        assert_eq!(ctx.add_blob("k", 2, vec![1u8]).unwrap(), "k_3");
        assert_eq!(ctx.add_blob("", 1, vec![]).unwrap(), "blob");
    }

    #[test]
    fn adding_from_threads_gives_distinct_keys() {
        let ctx = Context::new();
        let ctx = &ctx;
        let keys: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4u8)
                .map(|t| {
                    s.spawn(move || (0..50u8).map(|i| ctx.add_blob("w", 1, vec![t, i]).unwrap()).collect::<Vec<_>>())
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 200);
    }

    #[test]
    fn element_sizes_follow_memory_layout() {
        let ctx = Context::new();
        let size = |t: &str| element_storage_bytes(&ctx, ctx.parse_type(t).unwrap());
        assert_eq!(
            ["i1", "i8", "i16", "i24", "i32", "i64", "f16", "bf16", "f32", "f64", "index", "i65"].map(size),
            [Some(1), Some(1), Some(2), Some(4), Some(4), Some(8), Some(2), Some(2), Some(4), Some(8), Some(8), None]
        );
    }

    #[test]
    fn reading_checks_the_size_against_the_type() {
        let ctx = Context::new();
        let ty = ctx.parse_type("tensor<2x2xi16>").unwrap();
        let attr = ctx.dense_resource_attr("w", ty, vec![1, 0, 0xFF, 0xFF, 2, 0, 0, 0x80]).unwrap();
        let values = ctx.resource_values(attr).unwrap();
        assert_eq!(values, [1, -1, 2, -32768].map(DenseValue::Int));
        let wrong = ctx
            .intern_attr(AttrKind::DenseResource { ty: ctx.parse_type("tensor<3xi16>").unwrap(), handle: "w".into() });
        assert!(matches!(ctx.resource_blob(wrong), Err(ResourceError::SizeMismatch { bytes: 8, expected: 6, .. })));
        let missing = ctx.intern_attr(AttrKind::DenseResource { ty, handle: "nope".into() });
        assert_eq!(ctx.resource_blob(missing), Err(ResourceError::Undefined("nope".into())));
        let elided = ctx.intern_attr(AttrKind::DenseResource { ty, handle: ELIDED_KEY.into() });
        assert_eq!(ctx.resource_blob(elided), Err(ResourceError::Elided));
        let dynamic = ctx.parse_type("tensor<?xf32>").unwrap();
        assert!(matches!(ctx.dense_resource_attr("d", dynamic, vec![]), Err(ResourceError::UnsupportedType(_))));
    }
}
