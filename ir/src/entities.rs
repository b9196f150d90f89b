//! Operations, blocks, regions and values: the entities an [`Ir`](crate::Ir) stores.

use smallvec::SmallVec;

use crate::arena::define_id;
use crate::attributes::{Attribute, Location, NamedAttr};
use crate::context::Ident;
use crate::types::Type;

define_id!(
    /// An operation in an [`Ir`](crate::Ir).
    OpId, "op"
);
define_id!(
    /// A block in an [`Ir`](crate::Ir).
    BlockId, "bb"
);
define_id!(
    /// A region in an [`Ir`](crate::Ir).
    RegionId, "region"
);
define_id!(
    /// An SSA value: an op result or a block argument.
    Value, "%"
);

/// One use of a value: operand `index` of `op`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Use {
    pub op: OpId,
    pub index: u32,
}

/// Where a value comes from.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ValueDef {
    Result {
        op: OpId,
        index: u32,
    },
    BlockArg {
        block: BlockId,
        index: u32,
    },
    /// A forward reference the parser has not resolved yet; never present after a parse.
    Placeholder,
}

impl ValueDef {
    /// Whether the value is a parser placeholder.
    pub fn is_placeholder(self) -> bool {
        matches!(self, ValueDef::Placeholder)
    }
}

#[derive(Clone, Debug)]
pub struct ValueData {
    pub(crate) ty: Type,
    pub(crate) def: ValueDef,
    pub(crate) uses: SmallVec<[Use; 2]>,
    /// Source location of a block argument.
    pub(crate) loc: Option<Location>,
}

impl ValueData {
    pub fn ty(&self) -> Type {
        self.ty
    }
    pub fn def(&self) -> ValueDef {
        self.def
    }
    pub fn uses(&self) -> &[Use] {
        &self.uses
    }
    pub fn loc(&self) -> Option<Location> {
        self.loc
    }
}

/// An operation. Attributes are kept in one list sorted by name; for a registered op the
/// printer splits them into inherent ones (MLIR's properties, `<{...}>`) and discardable ones
/// by the op's definition. An unregistered op may carry opaque `properties`.
#[derive(Clone, Debug)]
pub struct Operation {
    pub(crate) name: Ident,
    pub(crate) operands: SmallVec<[Value; 3]>,
    pub(crate) results: SmallVec<[Value; 1]>,
    pub(crate) successors: SmallVec<[BlockId; 1]>,
    pub(crate) regions: SmallVec<[RegionId; 1]>,
    pub(crate) attrs: Vec<NamedAttr>,
    pub(crate) properties: Option<Attribute>,
    pub(crate) loc: Location,
    pub(crate) parent: Option<BlockId>,
    pub(crate) prev: Option<OpId>,
    pub(crate) next: Option<OpId>,
}

impl Operation {
    pub fn name(&self) -> Ident {
        self.name
    }
    pub fn operands(&self) -> &[Value] {
        &self.operands
    }
    pub fn operand(&self, i: usize) -> Value {
        self.operands[i]
    }
    pub fn results(&self) -> &[Value] {
        &self.results
    }
    pub fn result(&self, i: usize) -> Value {
        self.results[i]
    }
    pub fn successors(&self) -> &[BlockId] {
        &self.successors
    }
    pub fn regions(&self) -> &[RegionId] {
        &self.regions
    }
    pub fn attrs(&self) -> &[NamedAttr] {
        &self.attrs
    }
    pub fn attr(&self, name: Ident) -> Option<Attribute> {
        self.attrs.iter().find(|a| a.name == name).map(|a| a.value)
    }
    pub fn properties(&self) -> Option<Attribute> {
        self.properties
    }
    pub fn loc(&self) -> Location {
        self.loc
    }
    pub fn parent_block(&self) -> Option<BlockId> {
        self.parent
    }
    pub fn next(&self) -> Option<OpId> {
        self.next
    }
    pub fn prev(&self) -> Option<OpId> {
        self.prev
    }
}

/// A block: arguments and a doubly linked list of operations.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub(crate) args: SmallVec<[Value; 2]>,
    pub(crate) first: Option<OpId>,
    pub(crate) last: Option<OpId>,
    pub(crate) parent: Option<RegionId>,
}

impl Block {
    pub fn args(&self) -> &[Value] {
        &self.args
    }
    pub fn first_op(&self) -> Option<OpId> {
        self.first
    }
    pub fn last_op(&self) -> Option<OpId> {
        self.last
    }
    pub fn parent_region(&self) -> Option<RegionId> {
        self.parent
    }
}

/// A region: an ordered list of blocks, the first being the entry block.
#[derive(Clone, Debug, Default)]
pub struct Region {
    pub(crate) blocks: Vec<BlockId>,
    pub(crate) parent: Option<OpId>,
}

impl Region {
    pub fn blocks(&self) -> &[BlockId] {
        &self.blocks
    }
    pub fn entry(&self) -> Option<BlockId> {
        self.blocks.first().copied()
    }
    pub fn parent_op(&self) -> Option<OpId> {
        self.parent
    }
}
