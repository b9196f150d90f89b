//! The context: interned identifiers, types and attributes, and the dialect registry.
//!
//! A [`Context`] is shared by reference. Interning something already interned takes a shared
//! (read) lock on a hash map, so threads that intern the same names side by side, as passes on
//! different functions do, never wait for each other; only new entries take it exclusively.
//! Lookups of interned data are lock-free (`boxcar` append-only storage gives stable references), so a
//! `&Context` can be used from many threads at once: it is `Send + Sync`. Registration of
//! dialects needs `&mut Context` and therefore happens before any parallel work starts.

use std::cell::RefCell;
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, RwLock};

use rustc_hash::{FxBuildHasher, FxHashMap};
use smallvec::SmallVec;

use crate::attributes::{AttrKind, Attribute};
use crate::dialect::{DefinitionError, Dialect, OpDef};
use crate::types::{Type, TypeKind};

/// Hash-consing storage: equal values get the same index, forever.
pub(crate) struct Interner<T> {
    items: boxcar::Vec<T>,
    map: RwLock<FxHashMap<u64, SmallVec<[u32; 1]>>>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner { items: boxcar::Vec::new(), map: RwLock::new(FxHashMap::default()) }
    }
}

impl<T: Eq + Hash> Interner<T> {
    pub(crate) fn intern_with<Q>(&self, key: &Q, make: impl FnOnce() -> T) -> u32
    where
        Q: Hash + ?Sized,
        T: std::borrow::Borrow<Q>,
        Q: PartialEq,
    {
        let hash = FxBuildHasher.hash_one(key);
        if let Some(id) = self.find(hash, |item| item.borrow() == key) {
            return id;
        }
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        let bucket = map.entry(hash).or_default();
        // Another thread may have added it between the two locks.
        if let Some(&id) = bucket.iter().find(|&&id| self.items[id as usize].borrow() == key) {
            return id;
        }
        let id = self.items.push(make()) as u32;
        bucket.push(id);
        id
    }

    /// The index of an interned item with this hash that `is` accepts, under the shared lock.
    fn find(&self, hash: u64, is: impl Fn(&T) -> bool) -> Option<u32> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.get(&hash)?.iter().copied().find(|&id| is(&self.items[id as usize]))
    }

    /// As [`Interner::intern_with`] for a value owned already: it is moved in, not copied (an
    /// attribute may hold millions of elements).
    pub(crate) fn intern(&self, value: T) -> u32 {
        let hash = FxBuildHasher.hash_one(&value);
        if let Some(id) = self.find(hash, |item| *item == value) {
            return id;
        }
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        let bucket = map.entry(hash).or_default();
        if let Some(&id) = bucket.iter().find(|&&id| self.items[id as usize] == value) {
            return id;
        }
        let id = self.items.push(value) as u32;
        bucket.push(id);
        id
    }

    pub(crate) fn get(&self, id: u32) -> &T {
        &self.items[id as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.items.count()
    }
}

/// An interned string: attribute names, op names, dialect names.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Ident(pub(crate) u32);

/// Owns everything interned, the registered dialects and the resource blobs ([`Context::add_blob`]).
///
/// ```
/// use strata_ir::Context;
/// let ctx = Context::new();
/// let t = ctx.parse_type("tensor<4x?xf32>").unwrap();
/// assert_eq!(ctx.type_to_string(t), "tensor<4x?xf32>");
/// ```
pub struct Context {
    idents: Interner<Box<str>>,
    pub(crate) types: Interner<TypeKind>,
    pub(crate) attrs: Interner<AttrKind>,
    ops: FxHashMap<Ident, Arc<OpDef>>,
    dialects: indexmap::IndexMap<String, Arc<dyn Dialect>>,
    pub(crate) common: CommonTypes,
    /// The data of `dense_resource` attributes, by key (`resources.rs`).
    pub(crate) blobs: crate::resources::BlobStore,
    /// The next id of [`Context::distinct_attr`].
    next_distinct: std::sync::atomic::AtomicU64,
    /// Tells this context's entries in thread-local caches from another's (never zero).
    id: u64,
}

/// Types used so often that looking them up again would show in profiles.
pub(crate) struct CommonTypes {
    pub(crate) i1: Type,
    pub(crate) i64: Type,
    pub(crate) index: Type,
    pub(crate) f64: Type,
    pub(crate) unit: Attribute,
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

impl Context {
    /// A context with no dialect registered; the builtin types and attributes always exist.
    pub fn new() -> Self {
        let types = Interner::default();
        let attrs = Interner::default();
        let mk = |k: TypeKind| Type(types.intern(k));
        let common = CommonTypes {
            i1: mk(TypeKind::Integer { width: 1, signedness: crate::types::Signedness::Signless }),
            i64: mk(TypeKind::Integer { width: 64, signedness: crate::types::Signedness::Signless }),
            index: mk(TypeKind::Index),
            f64: mk(TypeKind::Float(crate::types::FloatKind::F64)),
            unit: Attribute(attrs.intern_with(&AttrKind::Unit, || AttrKind::Unit)),
        };
        Context {
            idents: Interner::default(),
            types,
            attrs,
            ops: FxHashMap::default(),
            dialects: indexmap::IndexMap::new(),
            common,
            blobs: Default::default(),
            next_distinct: Default::default(),
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    /// Interns a string. Names are interned over and over (every `attr(ctx.ident("value"))`),
    /// so each thread keeps the ones it has seen: a hit touches nothing shared, which matters
    /// when passes on several functions look up the same names at once (MLIR's
    /// `StorageUniquer` keeps thread-local caches for the same reason).
    pub fn ident(&self, s: &str) -> Ident {
        thread_local! {
            static SEEN: RefCell<(u64, FxHashMap<Box<str>, Ident>)> = RefCell::new((0, FxHashMap::default()));
        }
        SEEN.with(|seen| {
            let mut seen = seen.borrow_mut();
            if seen.0 != self.id {
                *seen = (self.id, FxHashMap::default());
            }
            if let Some(id) = seen.1.get(s) {
                return *id;
            }
            let id = Ident(self.idents.intern_with(s, || s.into()));
            seen.1.insert(s.into(), id);
            id
        })
    }

    /// The text of an interned string.
    pub fn ident_str(&self, id: Ident) -> &str {
        self.idents.get(id.0)
    }

    /// Interns a type.
    pub fn intern_type(&self, kind: TypeKind) -> Type {
        // A memref whose layout is an identity map has no layout, as MLIR's
        // `MemRefType::get` has it (symbols do not count: `(d0)[s0] -> (d0)` is the identity).
        if let TypeKind::MemRef { shape, element, layout: Some(l), memory_space } = &kind {
            if matches!(self.attr_kind(*l), AttrKind::AffineMap(m) if m.results == crate::AffineMap::identity(m.num_dims).results)
            {
                let kind = TypeKind::MemRef {
                    shape: shape.clone(),
                    element: *element,
                    layout: None,
                    memory_space: *memory_space,
                };
                return Type(self.types.intern(kind));
            }
        }
        Type(self.types.intern(kind))
    }

    /// The structure of an interned type.
    pub fn type_kind(&self, t: Type) -> &TypeKind {
        self.types.get(t.0)
    }

    /// Interns an attribute.
    pub fn intern_attr(&self, kind: AttrKind) -> Attribute {
        // Elements in one canonical form, so that equal constants are one attribute.
        let kind = match kind {
            AttrKind::DenseElements { ty, elements } => {
                AttrKind::DenseElements { ty, elements: crate::dense_raw::canonical(self, ty, elements) }
            }
            kind => kind,
        };
        Attribute(self.attrs.intern(kind))
    }

    /// A new `distinct[..]<referenced>`, unequal to every other attribute.
    pub fn distinct_attr(&self, referenced: Attribute) -> Attribute {
        let id = self.next_distinct.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.intern_attr(AttrKind::Distinct { id, referenced })
    }

    /// The structure of an interned attribute.
    pub fn attr_kind(&self, a: Attribute) -> &AttrKind {
        self.attrs.get(a.0)
    }

    /// Number of distinct types and attributes interned so far (for memory statistics).
    pub fn interned_counts(&self) -> (usize, usize) {
        (self.types.len(), self.attrs.len())
    }

    /// Registers a dialect and all of its operations. Registering the same dialect twice is a
    /// no-op, so a tool can register what it needs without tracking what is there.
    pub fn register_dialect(&mut self, dialect: impl Dialect + 'static) -> Result<(), DefinitionError> {
        let name = dialect.name().to_string();
        if self.dialects.contains_key(&name) {
            return Ok(());
        }
        let dialect: Arc<dyn Dialect> = Arc::new(dialect);
        for def in dialect.operations() {
            let def = def.finish(self)?;
            debug_assert!(def.name.starts_with(&format!("{name}.")), "op {} registered by dialect {name}", def.name);
            let id = self.ident(def.name);
            self.ops.insert(id, Arc::new(def));
        }
        self.dialects.insert(name, dialect);
        Ok(())
    }

    /// A registered dialect by namespace.
    pub fn dialect(&self, name: &str) -> Option<&Arc<dyn Dialect>> {
        self.dialects.get(name)
    }

    /// The definition of a registered operation.
    pub fn op_def(&self, name: Ident) -> Option<&Arc<OpDef>> {
        self.ops.get(&name)
    }

    /// Looks up a registered operation by its full name (`"arith.addi"`).
    pub fn op_def_by_name(&self, name: &str) -> Option<&Arc<OpDef>> {
        self.ops.get(&self.ident(name))
    }

    /// Whether a dialect with this namespace is registered.
    pub fn is_dialect_registered(&self, name: &str) -> bool {
        self.dialects.contains_key(name)
    }

    /// Registered dialects in registration order.
    pub fn dialects(&self) -> impl Iterator<Item = &Arc<dyn Dialect>> {
        self.dialects.values()
    }

    /// All registered operations, sorted by name.
    pub fn registered_ops(&self) -> Vec<&Arc<OpDef>> {
        let mut defs: Vec<_> = self.ops.values().collect();
        defs.sort_by_key(|d| d.name);
        defs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn context_is_shareable_across_threads() {
        assert_send_sync::<Context>();
    }

    #[test]
    fn interning_is_stable_under_concurrency() {
        let ctx = Context::new();
        let ids: Vec<Vec<Ident>> = std::thread::scope(|s| {
            let handles: Vec<_> =
                (0..4).map(|_| s.spawn(|| (0..500).map(|i| ctx.ident(&format!("name{i}"))).collect())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(ctx.ident_str(ids[0][7]), "name7");
    }
}
