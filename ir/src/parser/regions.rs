//! Regions and blocks: labels, block arguments, forward-referenced successors, scopes.

use rustc_hash::FxHashMap;

use super::lexer::Tok;
use super::{ArgumentDef, Label, OpParser, PResult, ParseError, ValueScope};
use crate::entities::BlockId;

impl<'s> OpParser<'_, 's> {
    /// `%name : type` followed by optional `{attrs}` and `loc(...)`.
    pub fn parse_argument(&mut self, with_attrs: bool) -> PResult<ArgumentDef<'s>> {
        let u = self.parse_operand()?;
        if u.index != 0 || self.has_result_number(&u) {
            return Err(ParseError::new(u.offset, "expected argument name without result number".into()));
        }
        self.expect_punct(":")?;
        let ty = self.parse_type()?;
        let mut attrs = Vec::new();
        if with_attrs {
            self.parse_optional_attr_dict(&mut attrs)?;
        }
        let loc = self.parse_optional_location()?;
        Ok(ArgumentDef { name: u.name, offset: u.offset, ty, attrs, loc })
    }

    /// A successor `^bb` (the block is created if it is a forward reference).
    pub fn parse_successor(&mut self) -> PResult<BlockId> {
        let t = self.peek()?.clone();
        if t.kind != Tok::Block {
            let found = self.describe_next()?;
            return self.error_here(format!("expected block name, found {found}"));
        }
        self.next()?;
        let name = self.text(&t);
        let Some(labels) = self.labels.last_mut() else {
            return Err(ParseError::new(t.start, "block reference outside of a region".into()));
        };
        if let Some(l) = labels.get(name) {
            return Ok(l.block);
        }
        let block = self.ir.create_block(&[]);
        self.labels.last_mut().unwrap().insert(name, Label { block, defined: false, first_use: t.start });
        Ok(block)
    }

    /// Whether a block name is next.
    pub fn peek_successor(&mut self) -> PResult<bool> {
        Ok(self.peek()?.kind == Tok::Block)
    }

    /// Whether a region (`{`) is next.
    pub fn peek_region(&mut self) -> PResult<bool> {
        self.peek_punct("{")
    }

    /// A region. `entry_args`, when given, become the entry block's arguments (as in a
    /// function signature). `isolated` starts a fresh value scope.
    pub fn parse_region(&mut self, entry_args: Option<&[ArgumentDef<'s>]>, isolated: bool) -> PResult<Vec<BlockId>> {
        stacker::maybe_grow(128 * 1024, 8 * 1024 * 1024, || self.parse_region_inner(entry_args, isolated))
    }

    pub(super) fn parse_region_inner(
        &mut self,
        entry_args: Option<&[ArgumentDef<'s>]>,
        isolated: bool,
    ) -> PResult<Vec<BlockId>> {
        // As in MLIR, an empty argument list is the same as none: the body may label its entry.
        let entry_args = entry_args.filter(|a| !a.is_empty());
        let open = self.offset()?;
        self.expect_punct("{")?;
        if isolated {
            self.scopes.push(ValueScope::default());
        }
        self.scope().region_defs.push(Vec::new());
        self.scope().region_starts.push(open);
        self.labels.push(FxHashMap::default());
        let mut blocks = Vec::new();
        if let Some(args) = entry_args {
            let b = self.ir.create_block(&[]);
            self.define_block_args(b, args)?;
            blocks.push(b);
        }
        loop {
            let t = self.peek()?.clone();
            match t.kind {
                Tok::Punct if self.text(&t) == "}" => break,
                Tok::Eof => return Err(ParseError::new(open, "expected '}' to close this region".into())),
                Tok::Block => {
                    if entry_args.is_some() && blocks.len() == 1 && self.ir.block(blocks[0]).first_op().is_none() {
                        return self.error_here("invalid block name in region with named arguments");
                    }
                    let b = self.parse_block_label()?;
                    blocks.push(b);
                }
                _ => {
                    if blocks.is_empty() {
                        blocks.push(self.ir.create_block(&[]));
                    }
                    let block = *blocks.last().unwrap();
                    self.parse_operation(block)?;
                }
            }
        }
        self.next()?;
        let labels = self.labels.pop().unwrap();
        if let Some(l) = labels.values().filter(|l| !l.defined).min_by_key(|l| l.first_use) {
            return Err(ParseError::new(l.first_use, "reference to an undefined block".into()));
        }
        let names = self.scope().region_defs.pop().unwrap();
        self.scope().region_starts.pop();
        for n in names {
            self.scope().defs.remove(n);
        }
        if isolated {
            self.close_isolated_scope()?;
        }
        Ok(blocks)
    }

    pub(super) fn close_isolated_scope(&mut self) -> PResult<()> {
        let scope = self.scopes.pop().unwrap();
        if let Some(((name, index), (_, at))) = scope.forward.iter().min_by_key(|(_, (_, at))| *at) {
            let shown = if *index == 0 { format!("%{name}") } else { format!("%{name}#{index}") };
            return Err(ParseError::new(*at, format!("use of undeclared SSA value name '{shown}'")));
        }
        Ok(())
    }

    pub(super) fn define_block_args(&mut self, block: BlockId, args: &[ArgumentDef<'s>]) -> PResult<()> {
        for a in args {
            // Without `loc(...)`, where the argument is written (as MLIR's parser does).
            let loc = a.loc.unwrap_or_else(|| self.loc_at(a.offset));
            let v = self.ir.add_block_arg(block, a.ty, Some(loc));
            self.define_values(a.name, a.offset, &[v])?;
        }
        Ok(())
    }

    /// `^name(%a: t, ...):` — returns the block, creating it or taking a forward-referenced one.
    pub(super) fn parse_block_label(&mut self) -> PResult<BlockId> {
        let t = self.next()?;
        let name = self.text(&t);
        let labels = self.labels.last_mut().unwrap();
        let block = match labels.get_mut(name) {
            Some(l) if l.defined => return Err(ParseError::new(t.start, format!("redefinition of block '{name}'"))),
            Some(l) => {
                l.defined = true;
                l.block
            }
            None => {
                let b = self.ir.create_block(&[]);
                labels.insert(name, Label { block: b, defined: true, first_use: t.start });
                b
            }
        };
        if self.parse_optional_punct("(")? && !self.parse_optional_punct(")")? {
            {
                let mut args = Vec::new();
                loop {
                    args.push(self.parse_argument(false)?);
                    if self.parse_optional_punct(")")? {
                        break;
                    }
                    self.expect_punct(",")?;
                }
                self.define_block_args(block, &args)?;
            }
        }
        self.expect_punct(":")?;
        Ok(block)
    }
}
