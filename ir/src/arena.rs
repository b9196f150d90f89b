//! Typed arenas addressed by small ids.
//!
//! Every IR entity (operation, block, region, value) lives in an [`Arena`] of the [`Ir`](crate::Ir)
//! that owns it and is named by a 32-bit id. Ids are `Copy`, hashable and cheap to store in use
//! lists; erased slots go on a free list and are reused.
//!
//! An arena can lend sets of its entities to other arenas that keep their ids
//! ([`Arena::lend_each`]) and take them back, with whatever the borrowers created
//! ([`Arena::take_back_each`]): that is how a function pipeline works on each function in place, on
//! its own thread.

use std::fmt;
use std::ops::Range;

use rayon::prelude::*;

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
pub trait ArenaId: Copy + Send + Sync {
    fn from_index(index: usize) -> Self;
    fn index(self) -> usize;
}

/// A vector of optional slots with a free list.
#[derive(Clone)]
pub struct Arena<I, T> {
    slots: Vec<Option<T>>,
    /// The id of `slots[0]`: zero, except in an arena lent a range of another arena's ids.
    base: usize,
    /// Free slots, by id.
    free: Vec<u32>,
    live: usize,
    _id: std::marker::PhantomData<I>,
}

impl<I: ArenaId, T> Default for Arena<I, T> {
    fn default() -> Self {
        Arena { slots: Vec::new(), base: 0, free: Vec::new(), live: 0, _id: std::marker::PhantomData }
    }
}

impl<I: ArenaId, T> Arena<I, T> {
    pub fn alloc(&mut self, value: T) -> I {
        self.live += 1;
        if let Some(id) = self.free.pop() {
            self.slots[id as usize - self.base] = Some(value);
            I::from_index(id as usize)
        } else {
            self.slots.push(Some(value));
            I::from_index(self.base + self.slots.len() - 1)
        }
    }

    pub fn remove(&mut self, id: I) -> T {
        let value = self.slots[id.index() - self.base].take().expect("arena: entity erased twice");
        self.free.push(id.index() as u32);
        self.live -= 1;
        value
    }

    pub fn contains(&self, id: I) -> bool {
        id.index().checked_sub(self.base).and_then(|i| self.slots.get(i)).is_some_and(Option::is_some)
    }

    pub fn len(&self) -> usize {
        self.live
    }

    /// Live ids in slot order.
    pub fn ids(&self) -> impl Iterator<Item = I> + '_ {
        self.slots.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| I::from_index(self.base + i))
    }

    /// Live entities, by id.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (I, &mut T)> + '_ {
        let base = self.base;
        self.slots.iter_mut().enumerate().filter_map(move |(i, s)| s.as_mut().map(|v| (I::from_index(base + i), v)))
    }

    /// The position of `id`'s slot: dense over this arena, even one lent a range of ids.
    pub fn slot_index(&self, id: I) -> usize {
        id.index() - self.base
    }

    /// One past the largest id this arena has had a slot for.
    pub fn end(&self) -> usize {
        self.base + self.slots.len()
    }

    /// Lends each `(ids, range)` to a new arena that addresses the entities by the same ids:
    /// they move there, and their slots here stay empty, and off the free list, until
    /// [`Arena::take_back_each`]. Ranges that do not overlap (as functions' do not) are moved
    /// on the threads, each from its own window of the slots.
    pub fn lend_each(&mut self, loans: &[(&[I], Range<usize>)]) -> Vec<Arena<I, T>>
    where
        T: Send,
    {
        let ranges: Vec<Range<usize>> = loans.iter().map(|(_, r)| r.clone()).collect();
        self.live -= loans.iter().map(|(ids, _)| ids.len()).sum::<usize>();
        let lend = |window: &mut [Option<T>], ids: &[I], range: &Range<usize>| {
            let mut borrowed = Arena { base: range.start, ..Arena::default() };
            borrowed.slots.resize_with(range.len(), || None);
            for &id in ids {
                let i = id.index() - range.start;
                borrowed.slots[i] = window[i].take();
            }
            borrowed.live = ids.len();
            borrowed
        };
        let base = self.base;
        match self.windows(&ranges) {
            Some(windows) => windows.into_par_iter().zip(loans).map(|(w, (ids, range))| lend(w, ids, range)).collect(),
            // An empty range (a declaration has no blocks) may lie below `base`.
            None => loans
                .iter()
                .map(|(ids, range)| match range.is_empty() {
                    true => lend(&mut [], ids, range),
                    false => lend(&mut self.slots[range.start - base..range.end - base], ids, range),
                })
                .collect(),
        }
    }

    /// Mutable windows of the slots for `ids` ranges, in the order given; `None` when two
    /// overlap.
    fn windows(&mut self, ranges: &[Range<usize>]) -> Option<Vec<&mut [Option<T>]>> {
        let mut order: Vec<usize> = (0..ranges.len()).collect();
        order.sort_by_key(|&i| ranges[i].start);
        let mut windows: Vec<&mut [Option<T>]> = ranges.iter().map(|_| <&mut [Option<T>]>::default()).collect();
        let mut rest: &mut [Option<T>] = &mut self.slots;
        // The id of `rest[0]`.
        let mut at = self.base;
        for i in order {
            let range = &ranges[i];
            if range.is_empty() {
                continue;
            }
            if range.start < at {
                return None;
            }
            let (window, tail) = std::mem::take(&mut rest).split_at_mut(range.start - at).1.split_at_mut(range.len());
            windows[i] = window;
            rest = tail;
            at = range.end;
        }
        Some(windows)
    }

    /// Where the entities of `borrowed`, lent from `range` by [`Arena::lend_each`], go back:
    /// each keeps its id where it can. Ids the borrower created past the range take the range's
    /// freed slots; when those do not suffice, every entity moves to new slots from `end` on
    /// (so that a piece stays in one run of ids and can be lent again cheaply), and `end`
    /// advances past them.
    pub fn placement(borrowed: &Arena<I, T>, range: Range<usize>, end: &mut usize) -> Placement {
        let in_range = |id: &u32| range.contains(&(*id as usize));
        let grown: Vec<usize> = (range.len()..borrowed.slots.len()).filter(|i| borrowed.slots[*i].is_some()).collect();
        let mut vacated: Vec<u32> = borrowed.free.iter().copied().filter(in_range).collect();
        if grown.is_empty() {
            return Placement { lent: range, new_ids: None, vacated, relocated: false };
        }
        let mut new_ids: Vec<u32> = (range.start as u32..(range.start + borrowed.slots.len()) as u32).collect();
        if grown.len() <= vacated.len() {
            for i in grown {
                new_ids[i] = vacated.pop().expect("counted above");
            }
            return Placement { lent: range, new_ids: Some(new_ids), vacated, relocated: false };
        }
        for (i, slot) in borrowed.slots.iter().enumerate() {
            if slot.is_some() {
                if i < range.len() {
                    vacated.push(new_ids[i]);
                }
                new_ids[i] = u32::try_from(*end).expect("arena overflow: more than 2^32 entities");
                *end += 1;
            }
        }
        Placement { lent: range, new_ids: Some(new_ids), vacated, relocated: true }
    }

    /// Moves the entities of each borrower back to the ids its placement gave them; the ids
    /// the borrowers freed become free here. Those that stay in their lent ranges move back on
    /// the threads; relocated ones go to the end in order.
    pub fn take_back_each(&mut self, back: Vec<(Arena<I, T>, Placement)>)
    where
        T: Send,
    {
        let put = |window: &mut [Option<T>], at: usize, borrowed: Arena<I, T>, placement: &Placement| {
            for (i, slot) in borrowed.slots.into_iter().enumerate() {
                if let Some(value) = slot {
                    let id = placement.id(placement.lent.start + i) as usize - at;
                    assert!(window[id].is_none(), "arena: a lent id was taken twice");
                    window[id] = Some(value);
                }
            }
        };
        self.live += back.iter().map(|(b, _)| b.live).sum::<usize>();
        let (stay, relocated): (Vec<_>, Vec<_>) = back.into_iter().partition(|(_, p)| !p.relocated);
        let mut vacated: Vec<u32> = Vec::new();
        let ranges: Vec<Range<usize>> = stay.iter().map(|(_, p)| p.lent.clone()).collect();
        let base = self.base;
        match self.windows(&ranges) {
            Some(windows) => windows
                .into_par_iter()
                .zip(stay)
                .map(|(w, (borrowed, placement))| {
                    put(w, placement.lent.start, borrowed, &placement);
                    placement.vacated
                })
                .collect::<Vec<_>>()
                .into_iter()
                .for_each(|v| vacated.extend(v)),
            None => {
                for (borrowed, placement) in stay {
                    put(&mut self.slots, base, borrowed, &placement);
                    vacated.extend(placement.vacated);
                }
            }
        }
        for (borrowed, placement) in relocated {
            // Past the last live entity: slots the borrower freed keep ids that go nowhere.
            let end = (borrowed.slots.iter().enumerate())
                .filter(|(_, slot)| slot.is_some())
                .map(|(i, _)| placement.id(placement.lent.start + i) as usize + 1)
                .max()
                .unwrap_or(0);
            if end > self.end() {
                self.slots.resize_with(end - base, || None);
            }
            put(&mut self.slots, base, borrowed, &placement);
            vacated.extend(placement.vacated);
        }
        self.free.extend(vacated);
    }
}

/// The ids that entities lent by [`Arena::lend_each`] take when they come back: see
/// [`Arena::placement`].
pub struct Placement {
    /// The range the entities were lent from.
    lent: Range<usize>,
    /// The new id of each slot of the borrower; `None` when every id stays.
    new_ids: Option<Vec<u32>>,
    /// Lent ids that come back empty.
    vacated: Vec<u32>,
    /// Whether the entities move to the end of the lender.
    relocated: bool,
}

impl Placement {
    /// Whether every entity keeps its id.
    pub fn is_identity(&self) -> bool {
        self.new_ids.is_none()
    }

    /// The id that the borrower's id `id` becomes.
    pub fn id(&self, id: usize) -> u32 {
        match &self.new_ids {
            None => id as u32,
            Some(new_ids) => new_ids[id - self.lent.start],
        }
    }

    /// [`Placement::id`] for a typed id.
    pub fn map<I: ArenaId>(&self, id: I) -> I {
        I::from_index(self.id(id.index()) as usize)
    }
}

impl<I: ArenaId, T> std::ops::Index<I> for Arena<I, T> {
    type Output = T;
    fn index(&self, id: I) -> &T {
        self.slots[id.index() - self.base].as_ref().expect("arena: use of an erased entity")
    }
}

impl<I: ArenaId, T> std::ops::IndexMut<I> for Arena<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        self.slots[id.index() - self.base].as_mut().expect("arena: use of an erased entity")
    }
}

impl<I, T> fmt::Debug for Arena<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Arena({} live)", self.live)
    }
}
