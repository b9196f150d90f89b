//! Typed arenas addressed by small ids.
//!
//! Every IR entity (operation, block, region, value) lives in an [`Arena`] of the [`Ir`](crate::Ir)
//! that owns it and is named by a 32-bit id. Ids are `Copy`, hashable and cheap to store in use
//! lists; erased slots go on a free list and are reused.

use std::fmt;

/// Defines a `u32` id newtype for an arena slot.
macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) u32);

        impl $name {
            /// The slot index of this id.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl $crate::arena::ArenaId for $name {
            fn from_index(index: usize) -> Self {
                $name(u32::try_from(index).expect("arena overflow: more than 2^32 entities"))
            }
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}
pub(crate) use define_id;

/// Implemented by the id types of [`Arena`]s.
pub trait ArenaId: Copy {
    fn from_index(index: usize) -> Self;
    fn index(self) -> usize;
}

/// A vector of optional slots with a free list.
#[derive(Clone)]
pub struct Arena<I, T> {
    slots: Vec<Option<T>>,
    free: Vec<u32>,
    live: usize,
    _id: std::marker::PhantomData<I>,
}

impl<I: ArenaId, T> Default for Arena<I, T> {
    fn default() -> Self {
        Arena { slots: Vec::new(), free: Vec::new(), live: 0, _id: std::marker::PhantomData }
    }
}

impl<I: ArenaId, T> Arena<I, T> {
    pub fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
    }

    pub fn alloc(&mut self, value: T) -> I {
        self.live += 1;
        if let Some(index) = self.free.pop() {
            self.slots[index as usize] = Some(value);
            I::from_index(index as usize)
        } else {
            self.slots.push(Some(value));
            I::from_index(self.slots.len() - 1)
        }
    }

    pub fn remove(&mut self, id: I) -> T {
        let value = self.slots[id.index()].take().expect("arena: entity erased twice");
        self.free.push(id.index() as u32);
        self.live -= 1;
        value
    }

    pub fn contains(&self, id: I) -> bool {
        self.slots.get(id.index()).is_some_and(Option::is_some)
    }

    pub fn len(&self) -> usize {
        self.live
    }

    /// Live ids in slot order.
    pub fn ids(&self) -> impl Iterator<Item = I> + '_ {
        self.slots.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| I::from_index(i))
    }
}

impl<I: ArenaId, T> std::ops::Index<I> for Arena<I, T> {
    type Output = T;
    fn index(&self, id: I) -> &T {
        self.slots[id.index()].as_ref().expect("arena: use of an erased entity")
    }
}

impl<I: ArenaId, T> std::ops::IndexMut<I> for Arena<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        self.slots[id.index()].as_mut().expect("arena: use of an erased entity")
    }
}

impl<I, T> fmt::Debug for Arena<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Arena({} live)", self.live)
    }
}
