//! [`Ir`]: the arena that owns a tree of operations, and every way to change it.
//!
//! # Threads
//!
//! An `Ir` is plain data (`Send`), and all interned data lives in the shared `&Context`
//! (`Sync`), so independent `Ir`s can be transformed on different threads at once. A pass manager
//! runs a function pass in parallel by [`Ir::lend`]ing each isolated-from-above op (a
//! `func.func`) to an `Ir` of its own — legal because no value crosses its boundary — under the
//! ids it has, transforming the pieces on a thread pool, and taking them back
//! ([`Ir::take_back`]) in their original order; see [`lend`] for how that avoids copying. The
//! result does not depend on thread timing.

use smallvec::SmallVec;

use crate::arena::Arena;
use crate::attributes::{Attribute, Location, NamedAttr};
use crate::context::Ident;
use crate::entities::*;
use crate::types::Type;
use crate::Context;

pub mod lend;

/// Everything needed to create an operation (MLIR's `OperationState`).
#[derive(Clone, Debug)]
pub struct OpState {
    pub name: Ident,
    pub operands: Vec<Value>,
    pub result_types: Vec<Type>,
    pub attrs: Vec<NamedAttr>,
    pub properties: Option<Attribute>,
    pub successors: Vec<BlockId>,
    pub num_regions: usize,
    pub loc: Location,
}

impl OpState {
    pub fn new(ctx: &Context, name: &str, loc: Location) -> Self {
        OpState {
            name: ctx.ident(name),
            operands: Vec::new(),
            result_types: Vec::new(),
            attrs: Vec::new(),
            properties: None,
            successors: Vec::new(),
            num_regions: 0,
            loc,
        }
    }
    pub fn operands(mut self, operands: &[Value]) -> Self {
        self.operands.extend_from_slice(operands);
        self
    }
    pub fn results(mut self, types: &[Type]) -> Self {
        self.result_types.extend_from_slice(types);
        self
    }
    pub fn attr(mut self, ctx: &Context, name: &str, value: Attribute) -> Self {
        self.attrs.push(NamedAttr { name: ctx.ident(name), value });
        self
    }
    pub fn successors(mut self, blocks: &[BlockId]) -> Self {
        self.successors.extend_from_slice(blocks);
        self
    }
    pub fn regions(mut self, n: usize) -> Self {
        self.num_regions = n;
        self
    }
}

/// Where to insert an operation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InsertPoint {
    BlockEnd(BlockId),
    BlockStart(BlockId),
    Before(OpId),
    After(OpId),
}

/// Maps values and blocks of an original to those of a copy.
#[derive(Default, Debug)]
pub struct IrMapping {
    pub values: rustc_hash::FxHashMap<Value, Value>,
    pub blocks: rustc_hash::FxHashMap<BlockId, BlockId>,
}

impl IrMapping {
    pub fn lookup(&self, v: Value) -> Value {
        self.values.get(&v).copied().unwrap_or(v)
    }
}

/// The arena owning operations, blocks, regions and values.
#[derive(Default, Clone, Debug)]
pub struct Ir {
    ops: Arena<OpId, Operation>,
    blocks: Arena<BlockId, Block>,
    regions: Arena<RegionId, Region>,
    values: Arena<Value, ValueData>,
}

impl Ir {
    pub fn new() -> Self {
        Self::default()
    }

    // ------------------------------------------------------------------ access
    pub fn op(&self, id: OpId) -> &Operation {
        &self.ops[id]
    }
    pub fn block(&self, id: BlockId) -> &Block {
        &self.blocks[id]
    }
    pub fn region(&self, id: RegionId) -> &Region {
        &self.regions[id]
    }
    pub fn value(&self, v: Value) -> &ValueData {
        &self.values[v]
    }
    pub fn value_type(&self, v: Value) -> Type {
        self.values[v].ty
    }
    pub fn contains_region(&self, id: RegionId) -> bool {
        self.regions.contains(id)
    }
    pub fn contains_op(&self, id: OpId) -> bool {
        self.ops.contains(id)
    }
    /// Ids of all live operations.
    pub fn op_ids(&self) -> impl Iterator<Item = OpId> + '_ {
        self.ops.ids()
    }

    /// A small index for `op`, dense over this `Ir`'s ops, for side tables indexed by op: an
    /// `Ir` lent one function ([`Ir::lend`]) numbers from where the function's ids start.
    pub fn op_index(&self, op: OpId) -> usize {
        self.ops.slot_index(op)
    }

    /// Number of live operations.
    pub fn num_ops(&self) -> usize {
        self.ops.len()
    }

    /// The operations of a block, in order.
    pub fn block_ops(&self, block: BlockId) -> BlockOps<'_> {
        BlockOps { ir: self, next: self.blocks[block].first }
    }

    /// The op that owns the block containing `op`.
    pub fn parent_op(&self, op: OpId) -> Option<OpId> {
        let block = self.ops[op].parent?;
        self.regions[self.blocks[block].parent?].parent
    }

    /// The op owning a block, if the block is in a region.
    pub fn block_parent_op(&self, block: BlockId) -> Option<OpId> {
        self.regions[self.blocks[block].parent?].parent
    }

    /// The block that defines a value (the block of its op, or the block of the argument).
    pub fn value_block(&self, v: Value) -> Option<BlockId> {
        match self.values[v].def {
            ValueDef::Result { op, .. } => self.ops[op].parent,
            ValueDef::BlockArg { block, .. } => Some(block),
            ValueDef::Placeholder => None,
        }
    }

    /// Whether `ancestor` is `op` or contains it through regions.
    pub fn is_ancestor(&self, ancestor: OpId, mut op: OpId) -> bool {
        loop {
            if op == ancestor {
                return true;
            }
            match self.parent_op(op) {
                Some(p) => op = p,
                None => return false,
            }
        }
    }

    // ------------------------------------------------------------------ creation
    /// Creates a detached operation with fresh result values and empty regions.
    pub fn create_op(&mut self, state: OpState) -> OpId {
        let op = self.ops.alloc(Operation {
            name: state.name,
            operands: SmallVec::new(),
            results: SmallVec::new(),
            successors: state.successors.into_iter().collect(),
            regions: SmallVec::new(),
            attrs: Vec::new(),
            properties: state.properties,
            loc: state.loc,
            parent: None,
            prev: None,
            next: None,
        });
        for (index, v) in state.operands.into_iter().enumerate() {
            self.values[v].uses.push(Use { op, index: index as u32 });
            self.ops[op].operands.push(v);
        }
        for (index, ty) in state.result_types.into_iter().enumerate() {
            let v = self.values.alloc(ValueData {
                ty,
                def: ValueDef::Result { op, index: index as u32 },
                uses: SmallVec::new(),
                loc: None,
            });
            self.ops[op].results.push(v);
        }
        for _ in 0..state.num_regions {
            let r = self.regions.alloc(Region { blocks: Vec::new(), parent: Some(op) });
            self.ops[op].regions.push(r);
        }
        let mut attrs = state.attrs;
        attrs.sort_by_key(|a| a.name);
        attrs.dedup_by_key(|a| a.name);
        self.ops[op].attrs = attrs;
        op
    }

    /// Creates a detached block with arguments of the given types.
    pub fn create_block(&mut self, arg_types: &[Type]) -> BlockId {
        let block = self.blocks.alloc(Block::default());
        for &ty in arg_types {
            self.add_block_arg(block, ty, None);
        }
        block
    }

    /// Appends an argument to a block.
    pub fn add_block_arg(&mut self, block: BlockId, ty: Type, loc: Option<Location>) -> Value {
        let index = self.blocks[block].args.len() as u32;
        let v =
            self.values.alloc(ValueData { ty, def: ValueDef::BlockArg { block, index }, uses: SmallVec::new(), loc });
        self.blocks[block].args.push(v);
        v
    }

    /// Creates a value standing for a not yet defined one (used by the parser).
    pub(crate) fn create_placeholder(&mut self, ty: Type) -> Value {
        self.values.alloc(ValueData { ty, def: ValueDef::Placeholder, uses: SmallVec::new(), loc: None })
    }

    /// Frees an unused placeholder value.
    pub(crate) fn erase_placeholder(&mut self, v: Value) {
        debug_assert!(self.values[v].uses.is_empty() && self.values[v].def == ValueDef::Placeholder);
        self.values.remove(v);
    }

    /// Appends a block to a region.
    pub fn append_block(&mut self, region: RegionId, block: BlockId) {
        self.blocks[block].parent = Some(region);
        self.regions[region].blocks.push(block);
    }

    /// Inserts a detached block into a region at a position.
    pub fn insert_block(&mut self, region: RegionId, index: usize, block: BlockId) {
        self.blocks[block].parent = Some(region);
        self.regions[region].blocks.insert(index, block);
    }

    /// Moves the ops of `block` to `at` (in order), replacing the block's arguments with
    /// `args`, and erases the block. Returns the moved ops.
    pub fn inline_block(&mut self, block: BlockId, at: InsertPoint, args: &[Value]) -> Vec<OpId> {
        let params = self.blocks[block].args.clone();
        for (p, a) in params.into_iter().zip(args) {
            self.replace_all_uses(p, *a);
        }
        let ops: Vec<OpId> = self.block_ops(block).collect();
        let mut cursor = at;
        for &o in &ops {
            self.move_op(o, cursor);
            cursor = InsertPoint::After(o);
        }
        self.erase_block(block);
        ops
    }

    /// Takes a block out of its region, keeping its ops; insert it again with
    /// [`Ir::insert_block`].
    pub fn detach_block(&mut self, block: BlockId) {
        if let Some(region) = self.blocks[block].parent.take() {
            self.regions[region].blocks.retain(|b| *b != block);
        }
    }

    // ------------------------------------------------------------------ linking
    /// Links a detached operation at an insertion point.
    pub fn insert_op(&mut self, op: OpId, at: InsertPoint) {
        debug_assert!(self.ops[op].parent.is_none(), "insert_op: op is already in a block");
        let (block, prev, next) = match at {
            InsertPoint::BlockEnd(b) => (b, self.blocks[b].last, None),
            InsertPoint::BlockStart(b) => (b, None, self.blocks[b].first),
            InsertPoint::Before(o) => {
                (self.ops[o].parent.expect("insert before a detached op"), self.ops[o].prev, Some(o))
            }
            InsertPoint::After(o) => {
                (self.ops[o].parent.expect("insert after a detached op"), Some(o), self.ops[o].next)
            }
        };
        let data = &mut self.ops[op];
        data.parent = Some(block);
        data.prev = prev;
        data.next = next;
        match prev {
            Some(p) => self.ops[p].next = Some(op),
            None => self.blocks[block].first = Some(op),
        }
        match next {
            Some(n) => self.ops[n].prev = Some(op),
            None => self.blocks[block].last = Some(op),
        }
    }

    /// Unlinks an operation from its block, keeping it alive.
    pub fn detach_op(&mut self, op: OpId) {
        let Some(block) = self.ops[op].parent else { return };
        let (prev, next) = (self.ops[op].prev, self.ops[op].next);
        match prev {
            Some(p) => self.ops[p].next = next,
            None => self.blocks[block].first = next,
        }
        match next {
            Some(n) => self.ops[n].prev = prev,
            None => self.blocks[block].last = prev,
        }
        let data = &mut self.ops[op];
        data.parent = None;
        data.prev = None;
        data.next = None;
    }

    /// Moves an operation to another place.
    pub fn move_op(&mut self, op: OpId, to: InsertPoint) {
        self.detach_op(op);
        self.insert_op(op, to);
    }

    // ------------------------------------------------------------------ uses
    /// Sets operand `index` of `op` to `v`, updating both use lists.
    pub fn set_operand(&mut self, op: OpId, index: usize, v: Value) {
        let old = self.ops[op].operands[index];
        self.remove_use(old, Use { op, index: index as u32 });
        self.values[v].uses.push(Use { op, index: index as u32 });
        self.ops[op].operands[index] = v;
    }

    /// Replaces the whole operand list of `op`.
    pub fn set_operands(&mut self, op: OpId, operands: &[Value]) {
        self.drop_operand_uses(op);
        for (index, &v) in operands.iter().enumerate() {
            self.values[v].uses.push(Use { op, index: index as u32 });
        }
        self.ops[op].operands = operands.iter().copied().collect();
    }

    fn remove_use(&mut self, v: Value, u: Use) {
        let uses = &mut self.values[v].uses;
        if let Some(pos) = uses.iter().position(|x| *x == u) {
            uses.swap_remove(pos);
        }
    }

    fn drop_operand_uses(&mut self, op: OpId) {
        let operands = std::mem::take(&mut self.ops[op].operands);
        for (index, v) in operands.into_iter().enumerate() {
            self.remove_use(v, Use { op, index: index as u32 });
        }
    }

    /// Replaces every use of `from` by `to`.
    pub fn replace_all_uses(&mut self, from: Value, to: Value) {
        if from == to {
            return;
        }
        let uses = std::mem::take(&mut self.values[from].uses);
        for u in &uses {
            self.ops[u.op].operands[u.index as usize] = to;
        }
        self.values[to].uses.extend(uses);
    }

    /// Replaces the results of `op` by `values` and erases `op`.
    pub fn replace_op(&mut self, op: OpId, values: &[Value]) {
        let results = self.ops[op].results.clone();
        assert_eq!(results.len(), values.len(), "replace_op: result count mismatch");
        for (r, &v) in results.iter().zip(values) {
            self.replace_all_uses(*r, v);
        }
        self.erase_op(op);
    }

    // ------------------------------------------------------------------ attributes
    /// Sets (or replaces) an attribute.
    pub fn set_attr(&mut self, op: OpId, name: Ident, value: Attribute) {
        let attrs = &mut self.ops[op].attrs;
        match attrs.binary_search_by_key(&name, |a| a.name) {
            Ok(i) => attrs[i].value = value,
            Err(i) => attrs.insert(i, NamedAttr { name, value }),
        }
    }

    /// Replaces an op's opaque properties (the parser renames resource keys in them).
    pub(crate) fn set_properties(&mut self, op: OpId, properties: Option<Attribute>) {
        self.ops[op].properties = properties;
    }

    /// Removes an attribute, returning its value.
    pub fn remove_attr(&mut self, op: OpId, name: Ident) -> Option<Attribute> {
        let attrs = &mut self.ops[op].attrs;
        let i = attrs.binary_search_by_key(&name, |a| a.name).ok()?;
        Some(attrs.remove(i).value)
    }

    pub fn set_loc(&mut self, op: OpId, loc: Location) {
        self.ops[op].loc = loc;
    }

    pub fn set_value_type(&mut self, v: Value, ty: Type) {
        self.values[v].ty = ty;
    }

    // ------------------------------------------------------------------ erasure
    /// Erases an operation and everything nested in it. Its results must have no uses left
    /// outside the erased tree.
    pub fn erase_op(&mut self, op: OpId) {
        self.detach_op(op);
        // Drop every operand use inside the tree first, so uses between nested ops vanish.
        let mut tree = Vec::new();
        self.collect_tree(op, &mut tree);
        for &o in &tree {
            self.drop_operand_uses(o);
        }
        for &o in tree.iter().rev() {
            let data = self.ops.remove(o);
            for r in data.results {
                assert!(self.values[r].uses.is_empty(), "erase_op: a result of the erased op is still used");
                self.values.remove(r);
            }
            for region in data.regions {
                for block in self.regions.remove(region).blocks {
                    for a in self.blocks.remove(block).args {
                        self.values.remove(a);
                    }
                }
            }
        }
    }

    /// Drops the operand uses of every op in `block` (nested ones included), so a set of
    /// blocks that use each other's values can be erased one by one.
    pub fn drop_block_uses(&mut self, block: BlockId) {
        let ops: Vec<OpId> = self.block_ops(block).collect();
        for o in ops {
            self.drop_operand_uses_tree(o);
        }
    }

    /// Erases a block and its ops. Values defined in it must not be used outside it.
    pub fn erase_block(&mut self, block: BlockId) {
        if let Some(region) = self.blocks[block].parent {
            self.regions[region].blocks.retain(|b| *b != block);
        }
        let ops: Vec<OpId> = self.block_ops(block).collect();
        for &o in &ops {
            self.drop_operand_uses(o);
        }
        for o in ops.into_iter().rev() {
            self.erase_op(o);
        }
        for a in self.blocks.remove(block).args {
            self.values.remove(a);
        }
    }

    /// Pre-order list of `op` and every op nested in it.
    fn collect_tree(&self, op: OpId, out: &mut Vec<OpId>) {
        let mut stack = vec![op];
        while let Some(o) = stack.pop() {
            out.push(o);
            for &r in self.ops[o].regions.iter().rev() {
                for &b in self.regions[r].blocks.iter().rev() {
                    let ops: Vec<OpId> = self.block_ops(b).collect();
                    stack.extend(ops.into_iter().rev());
                }
            }
        }
    }

    // ------------------------------------------------------------------ copying
    /// Clones `op` (with its regions) into this `Ir`, detached. Operands are remapped through
    /// `mapping`, which receives the results and blocks of the copy.
    pub fn clone_op(&mut self, op: OpId, mapping: &mut IrMapping) -> OpId {
        self.copy_op(None, op, mapping)
    }

    /// Copies `op` of another `Ir` (with its regions) into this one, detached.
    pub fn copy_op_from(&mut self, src: &Ir, op: OpId, mapping: &mut IrMapping) -> OpId {
        self.copy_op(Some(src), op, mapping)
    }

    /// What a copy reads: another `Ir`, or this one when cloning. Each read is a short borrow
    /// that ends before the copy writes.
    fn source<'a>(&'a self, src: Option<&'a Ir>) -> &'a Ir {
        src.unwrap_or(self)
    }

    fn copy_op(&mut self, src: Option<&Ir>, op: OpId, mapping: &mut IrMapping) -> OpId {
        let s = self.source(src).ops[op].clone();
        let result_types = s.results.iter().map(|r| self.source(src).values[*r].ty).collect();
        let new = self.create_op(OpState {
            name: s.name,
            operands: s.operands.iter().map(|v| mapping.lookup(*v)).collect(),
            result_types,
            attrs: s.attrs,
            properties: s.properties,
            successors: s.successors.iter().map(|b| mapping.blocks.get(b).copied().unwrap_or(*b)).collect(),
            num_regions: s.regions.len(),
            loc: s.loc,
        });
        for (a, b) in s.results.iter().zip(self.ops[new].results.clone()) {
            mapping.values.insert(*a, b);
        }
        for (i, &r) in s.regions.iter().enumerate() {
            let dst = self.ops[new].regions[i];
            self.copy_region(src, r, dst, mapping);
        }
        new
    }

    /// Appends copies of the blocks of region `r` of the source to `dst_region`.
    fn copy_region(&mut self, src: Option<&Ir>, r: RegionId, dst_region: RegionId, mapping: &mut IrMapping) {
        let blocks = self.source(src).regions[r].blocks.clone();
        // Create all blocks first, so a branch to a later block finds its copy in `mapping`
        // (remapping afterwards would be wrong: source and copy ids may collide).
        for &b in &blocks {
            let nb = self.blocks.alloc(Block::default());
            let args: Vec<(Value, Type, Option<Location>)> = {
                let from = self.source(src);
                from.blocks[b].args.iter().map(|a| (*a, from.values[*a].ty, from.values[*a].loc)).collect()
            };
            for (a, ty, loc) in args {
                let na = self.add_block_arg(nb, ty, loc);
                mapping.values.insert(a, na);
            }
            mapping.blocks.insert(b, nb);
            self.append_block(dst_region, nb);
        }
        for &b in &blocks {
            let nb = mapping.blocks[&b];
            let ops: Vec<OpId> = self.source(src).block_ops(b).collect();
            for o in ops {
                let c = self.copy_op(src, o, mapping);
                self.insert_op(c, InsertPoint::BlockEnd(nb));
            }
        }
    }

    /// Erases every block of a region.
    pub fn clear_region(&mut self, r: RegionId) {
        let blocks = self.regions[r].blocks.clone();
        for &b in &blocks {
            let ops: Vec<OpId> = self.block_ops(b).collect();
            for o in ops {
                self.drop_operand_uses_tree(o);
            }
        }
        for b in blocks.into_iter().rev() {
            self.erase_block(b);
        }
    }

    fn drop_operand_uses_tree(&mut self, op: OpId) {
        let mut tree = Vec::new();
        self.collect_tree(op, &mut tree);
        for o in tree {
            self.drop_operand_uses(o);
        }
    }
}

/// Iterator over the ops of a block.
pub struct BlockOps<'a> {
    ir: &'a Ir,
    next: Option<OpId>,
}

impl Iterator for BlockOps<'_> {
    type Item = OpId;
    fn next(&mut self) -> Option<OpId> {
        let op = self.next?;
        self.next = self.ir.ops[op].next;
        Some(op)
    }
}
