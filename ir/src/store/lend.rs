//! Lending an isolated-from-above op to an [`Ir`] of its own, so that a pass can change it on
//! another thread, and taking it back: MLIR's function pipelines run in place on each function
//! at once; this is how an arena of ids does the same without copying the function.
//!
//! [`Ir::lend`] moves the op and everything in its regions into a new `Ir` whose arenas address
//! them by the ids they had, which is possible because the parser (and every earlier
//! [`Ir::take_back`]) leaves each function in one run of ids. [`Ir::take_back`] moves them back:
//! each entity keeps its id unless the pass outgrew the run, in which case the piece is
//! renumbered once, in one linear walk, and moves to the end of the arenas. Nothing outside the
//! op points into it (that is what isolated from above means), so only the op's own links to
//! its block, its neighbours and its operands need keeping aside.

use std::collections::HashMap;
use std::ops::Range;

use smallvec::SmallVec;

use super::Ir;
use rayon::prelude::*;

use crate::arena::{Arena, ArenaId, Placement};
use crate::entities::*;

/// An isolated op and everything in its regions, lent by [`Ir::lend`].
pub struct Piece {
    pub ir: Ir,
    /// The op itself, under its id in the lending `Ir`.
    pub root: OpId,
    lent: Lent,
    outside: OutsideLinks,
}

/// The id ranges a piece was lent from, one per arena.
struct Lent {
    ops: Range<usize>,
    blocks: Range<usize>,
    regions: Range<usize>,
    values: Range<usize>,
}

/// Where each kind of a piece's entities goes back.
struct Placements {
    ops: Placement,
    blocks: Placement,
    regions: Placement,
    values: Placement,
}

impl Placements {
    fn are_identity(&self) -> bool {
        self.ops.is_identity() && self.blocks.is_identity() && self.regions.is_identity() && self.values.is_identity()
    }
}

/// What the root op refers to outside its piece, held aside while it is lent: a pass on the
/// piece sees an op with no operands, results, successors or parent.
struct OutsideLinks {
    operands: SmallVec<[Value; 3]>,
    results: SmallVec<[Value; 1]>,
    successors: SmallVec<[BlockId; 1]>,
    parent: Option<BlockId>,
    prev: Option<OpId>,
    next: Option<OpId>,
}

impl OutsideLinks {
    fn none() -> Self {
        OutsideLinks {
            operands: SmallVec::new(),
            results: SmallVec::new(),
            successors: SmallVec::new(),
            parent: None,
            prev: None,
            next: None,
        }
    }
}

/// The entities of an isolated op, found by [`Ir::isolated_entities`] (which only reads, so
/// threads can look for every function's side by side) and moved by [`Ir::lend`].
pub struct IsolatedEntities {
    root: OpId,
    ops: Vec<OpId>,
    blocks: Vec<BlockId>,
    regions: Vec<RegionId>,
    values: Vec<Value>,
}

impl IsolatedEntities {
    /// Whether each kind of entity lies in a run of ids it mostly fills, so that lending it
    /// costs memory in proportion to its size. A module pass that created ops inside functions
    /// may scatter them; such pieces are not lent.
    pub fn is_compact(&self) -> bool {
        fn dense<I: ArenaId>(ids: &[I]) -> bool {
            span(ids).len() <= 2 * ids.len() + 64
        }
        dense(&self.ops) && dense(&self.blocks) && dense(&self.regions) && dense(&self.values)
    }
}

/// Pairs each piece's ids of one kind with the range they are lent from.
fn zip<'e, I>(
    entities: &'e [IsolatedEntities],
    lent: &[Lent],
    ids: impl Fn(&'e IsolatedEntities) -> &'e Vec<I>,
    range: impl Fn(&Lent) -> &Range<usize>,
) -> Vec<(&'e [I], Range<usize>)> {
    entities.iter().zip(lent).map(|(e, l)| (ids(e).as_slice(), range(l).clone())).collect()
}

/// The smallest range holding every id.
fn span<I: ArenaId>(ids: &[I]) -> Range<usize> {
    let lo = ids.iter().map(|i| i.index()).min();
    let hi = ids.iter().map(|i| i.index()).max();
    match (lo, hi) {
        (Some(lo), Some(hi)) => lo..hi + 1,
        _ => 0..0,
    }
}

impl Ir {
    /// The op `op`, which must be isolated from above, and everything in its regions (its own
    /// results excepted: they belong to the enclosing region).
    pub fn isolated_entities(&self, op: OpId) -> IsolatedEntities {
        let mut ops = Vec::new();
        self.collect_tree(op, &mut ops);
        let (mut blocks, mut regions, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for &o in &ops {
            let data = &self.ops[o];
            if o != op {
                values.extend_from_slice(&data.results);
            }
            for &r in &data.regions {
                regions.push(r);
                for &b in &self.regions[r].blocks {
                    blocks.push(b);
                    values.extend_from_slice(&self.blocks[b].args);
                }
            }
        }
        IsolatedEntities { root: op, ops, blocks, regions, values }
    }

    /// Moves isolated ops and their regions into `Ir`s of their own, under the same ids, on
    /// the threads where their ranges of ids do not overlap. Until [`Ir::take_back`], this
    /// `Ir` must not be changed or walked into those ops.
    pub fn lend(&mut self, entities: Vec<IsolatedEntities>) -> Vec<Piece> {
        let lent: Vec<Lent> = entities
            .iter()
            .map(|e| Lent {
                ops: span(&e.ops),
                blocks: span(&e.blocks),
                regions: span(&e.regions),
                values: span(&e.values),
            })
            .collect();
        let mut ops = self.ops.lend_each(&zip(&entities, &lent, |e| &e.ops, |l| &l.ops));
        let mut blocks = self.blocks.lend_each(&zip(&entities, &lent, |e| &e.blocks, |l| &l.blocks));
        let mut regions = self.regions.lend_each(&zip(&entities, &lent, |e| &e.regions, |l| &l.regions));
        let mut values = self.values.lend_each(&zip(&entities, &lent, |e| &e.values, |l| &l.values));
        let mut pieces = Vec::with_capacity(entities.len());
        for (e, lent) in entities.iter().zip(lent).rev() {
            let mut ir = Ir {
                ops: ops.pop().expect("one per piece"),
                blocks: blocks.pop().expect("one per piece"),
                regions: regions.pop().expect("one per piece"),
                values: values.pop().expect("one per piece"),
            };
            let root = &mut ir.ops[e.root];
            let outside = OutsideLinks {
                operands: std::mem::take(&mut root.operands),
                results: std::mem::take(&mut root.results),
                successors: std::mem::take(&mut root.successors),
                parent: root.parent.take(),
                prev: root.prev.take(),
                next: root.next.take(),
            };
            pieces.push(Piece { ir, root: e.root, lent, outside });
        }
        pieces.reverse();
        pieces
    }

    /// Moves pieces lent by [`Ir::lend`] back, with whatever a pass made of them.
    pub fn take_back(&mut self, pieces: Vec<Piece>) {
        let (mut ops_end, mut blocks_end, mut regions_end, mut values_end) =
            (self.ops.end(), self.blocks.end(), self.regions.end(), self.values.end());
        let mut placed: Vec<(Piece, Placements)> = pieces
            .into_iter()
            .map(|p| {
                let placements = Placements {
                    ops: Arena::placement(&p.ir.ops, p.lent.ops.clone(), &mut ops_end),
                    blocks: Arena::placement(&p.ir.blocks, p.lent.blocks.clone(), &mut blocks_end),
                    regions: Arena::placement(&p.ir.regions, p.lent.regions.clone(), &mut regions_end),
                    values: Arena::placement(&p.ir.values, p.lent.values.clone(), &mut values_end),
                };
                (p, placements)
            })
            .collect();
        placed.par_iter_mut().for_each(|(piece, placements)| {
            if !placements.are_identity() {
                piece.ir.renumber(placements);
            }
            let outside = std::mem::replace(&mut piece.outside, OutsideLinks::none());
            let root = &mut piece.ir.ops[piece.root];
            root.operands = outside.operands;
            root.results = outside.results;
            root.successors = outside.successors;
            root.parent = outside.parent;
            root.prev = outside.prev;
            root.next = outside.next;
        });
        let moved: Vec<(OpId, OpId)> = placed
            .iter()
            .map(|(piece, placements)| (piece.root, placements.ops.map(piece.root)))
            .filter(|(from, to)| from != to)
            .collect();
        let (mut ops, mut blocks, mut regions, mut values) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (piece, placements) in placed {
            ops.push((piece.ir.ops, placements.ops));
            blocks.push((piece.ir.blocks, placements.blocks));
            regions.push((piece.ir.regions, placements.regions));
            values.push((piece.ir.values, placements.values));
        }
        self.ops.take_back_each(ops);
        self.blocks.take_back_each(blocks);
        self.regions.take_back_each(regions);
        self.values.take_back_each(values);
        if moved.is_empty() {
            return;
        }
        // A root op that moved is relinked to its neighbours, which may have moved too.
        let new_id: HashMap<OpId, OpId> = moved.iter().copied().collect();
        for &(_, to) in &moved {
            let op = &mut self.ops[to];
            for id in [&mut op.prev, &mut op.next].into_iter().flatten() {
                *id = new_id.get(id).copied().unwrap_or(*id);
            }
        }
        for (from, to) in moved {
            self.relink_moved_op(from, to);
        }
    }

    /// Rewrites every id a piece's entities hold to the ids they take when they come back.
    fn renumber(&mut self, placements: &Placements) {
        let Placements { ops, blocks, regions, values } = placements;
        fn each<I: ArenaId>(ids: &mut [I], placement: &Placement) {
            for id in ids {
                *id = placement.map(*id);
            }
        }
        fn opt<I: ArenaId>(id: &mut Option<I>, placement: &Placement) {
            if let Some(i) = id {
                *i = placement.map(*i);
            }
        }
        for (_, op) in self.ops.iter_mut() {
            each(&mut op.operands, values);
            each(&mut op.results, values);
            each(&mut op.successors, blocks);
            each(&mut op.regions, regions);
            opt(&mut op.parent, blocks);
            opt(&mut op.prev, ops);
            opt(&mut op.next, ops);
        }
        for (_, block) in self.blocks.iter_mut() {
            each(&mut block.args, values);
            opt(&mut block.first, ops);
            opt(&mut block.last, ops);
            opt(&mut block.parent, regions);
        }
        for (_, region) in self.regions.iter_mut() {
            each(&mut region.blocks, blocks);
            opt(&mut region.parent, ops);
        }
        for (_, value) in self.values.iter_mut() {
            value.def = match value.def {
                ValueDef::Result { op, index } => ValueDef::Result { op: ops.map(op), index },
                ValueDef::BlockArg { block, index } => ValueDef::BlockArg { block: blocks.map(block), index },
                ValueDef::Placeholder => ValueDef::Placeholder,
            };
            for u in value.uses.iter_mut() {
                u.op = ops.map(u.op);
            }
        }
    }

    /// Points what refers to op `from` from outside it (its block, its neighbours, its results'
    /// definitions, its operands' uses) at `to`, where it now lives.
    fn relink_moved_op(&mut self, from: OpId, to: OpId) {
        let op = &self.ops[to];
        let (prev, next, parent) = (op.prev, op.next, op.parent);
        let (operands, results) = (op.operands.clone(), op.results.clone());
        match (prev, parent) {
            (Some(p), _) => self.ops[p].next = Some(to),
            (None, Some(b)) => self.blocks[b].first = Some(to),
            (None, None) => {}
        }
        match (next, parent) {
            (Some(n), _) => self.ops[n].prev = Some(to),
            (None, Some(b)) => self.blocks[b].last = Some(to),
            (None, None) => {}
        }
        for (index, r) in results.iter().enumerate() {
            self.values[*r].def = ValueDef::Result { op: to, index: index as u32 };
        }
        for v in operands {
            for u in self.values[v].uses.iter_mut().filter(|u| u.op == from) {
                u.op = to;
            }
        }
    }
}
