//! Operations: the top level (aliases, resources, the implicit module), result lists, the
//! generic form, and custom forms through an op's format or hook.

use rustc_hash::FxHashMap;

use super::lexer::Tok;
use super::{unescape, OpParser, PResult, ParseError, PendingOp, ValueScope};
use crate::attributes::{AttrKind, LocKind};
use crate::dialect::{OpDef, Trait};
use crate::entities::{BlockId, OpId};
use crate::store::{InsertPoint, OpState};
use crate::types::TypeKind;

impl<'s> OpParser<'_, 's> {
    pub(super) fn parse_top_level(&mut self) -> PResult<OpId> {
        self.scopes.push(ValueScope::default());
        self.scope().region_defs.push(Vec::new());
        self.scope().region_starts.push(0);
        self.labels.push(FxHashMap::default());
        let top = self.ir.create_block(&[]);
        loop {
            let t = self.peek()?.clone();
            match t.kind {
                Tok::Eof => break,
                Tok::AttrAliasName | Tok::TypeAliasName if self.peek_at(1).map(|n| n.kind == Tok::Punct)? => {
                    self.parse_alias_definition()?;
                }
                Tok::Attr(_) | Tok::Type(_)
                    if self.text(&t).starts_with(['#', '!']) && {
                        let n = self.peek_at(1)?.clone();
                        self.text(&n) == "="
                    } =>
                {
                    return self.error_here(format!("redefinition of symbol alias id '{}'", &self.text(&t)[1..]));
                }
                Tok::Punct if self.text(&t) == "{-#" => self.parse_resource_section()?,
                _ => self.parse_operation(top)?,
            }
        }
        self.close_isolated_scope()?;
        self.resolve_deferred_locations()?;
        self.resolve_resources()?;
        let ops: Vec<OpId> = self.ir.block_ops(top).collect();
        let module_name = self.ctx.ident("builtin.module");
        if !self.opts.implicit_module {
            return match ops.as_slice() {
                [op] => {
                    self.ir.detach_op(*op);
                    Ok(*op)
                }
                _ => Err(ParseError::new(
                    0,
                    "source must contain a single top-level operation if the implicit module is disabled".into(),
                )),
            };
        }
        if let [op] = ops.as_slice() {
            if self.ir.op(*op).name() == module_name {
                self.ir.detach_op(*op);
                return Ok(*op);
            }
        }
        // Line 0, column 0 of the file: written nowhere in it (MLIR's choice).
        let loc = self.ctx.file_loc_in(self.file, 0, 0);
        let module = self.ir.create_op(OpState::new(self.ctx, "builtin.module", loc).regions(1));
        let region = self.ir.op(module).regions()[0];
        self.ir.append_block(region, top);
        Ok(module)
    }

    pub(super) fn parse_alias_definition(&mut self) -> PResult<()> {
        let t = self.next()?;
        let name = &self.text(&t)[1..];
        self.expect_punct("=")?;
        if t.kind == Tok::AttrAliasName {
            let a = self.parse_attribute()?;
            self.lex.attr_aliases.insert(name.to_string(), a);
        } else {
            let ty = self.parse_type()?;
            self.lex.type_aliases.insert(name.to_string(), ty);
        }
        self.lex.relex_buffer();
        Ok(())
    }

    pub(super) fn resolve_deferred_locations(&mut self) -> PResult<()> {
        let ctx = self.ctx;
        let ops: Vec<OpId> = self.ir.all_ops();
        for op in ops {
            let loc = self.ir.op(op).loc();
            if let LocKind::Deferred(name) = &*ctx.loc_kind(loc) {
                match self.lex.attr_aliases.get(name).and_then(|a| ctx.location(*a)) {
                    Some(l) => self.ir.set_loc(op, l),
                    _ => {
                        return Err(ParseError::new(self.lex.src.len(), format!("undefined location alias '#{name}'")))
                    }
                }
            }
        }
        Ok(())
    }

    /// Parses one operation (with its results) and appends it to `block`.
    pub(super) fn parse_operation(&mut self, block: BlockId) -> PResult<()> {
        let start = self.offset()?;
        let mut defs: Vec<(&'s str, usize, usize)> = Vec::new();
        if self.peek_value()? {
            loop {
                let u = self.parse_operand()?;
                if self.has_result_number(&u) {
                    return Err(ParseError::new(u.offset, "expected result name without '#N'".into()));
                }
                let mut count = 1;
                if self.parse_optional_punct(":")? {
                    let at = self.offset()?;
                    let n = self.parse_attribute()?;
                    count = match self.ctx.attr_as_int(n) {
                        Some(c) if c > 0 => c as usize,
                        _ => return Err(ParseError::new(at, "expected positive result group size".into())),
                    };
                }
                defs.push((u.name, count, u.offset));
                if !self.parse_optional_punct(",")? {
                    break;
                }
            }
            self.expect_punct("=")?;
        }
        // An op is located at its name, as MLIR locates it (not at its results).
        let t = self.peek()?.clone();
        let op = match t.kind {
            Tok::Attr(a) if matches!(self.ctx.attr_kind(a), AttrKind::String { ty: None, .. }) => {
                self.parse_generic_op(t.start)?
            }
            Tok::BareId => self.parse_custom_op(t.start)?,
            _ => {
                let found = self.describe_next()?;
                return self.error_here(format!("expected operation name in quotes, found {found}"));
            }
        };
        self.ir.insert_op(op, InsertPoint::BlockEnd(block));
        let results = self.ir.op(op).results().to_vec();
        let wanted: usize = defs.iter().map(|d| d.1).sum();
        if !defs.is_empty() && wanted != results.len() {
            return Err(ParseError::new(
                start,
                format!("operation defines {} results but was provided {wanted} to bind", results.len()),
            ));
        }
        let mut next = 0;
        for (name, count, offset) in defs {
            self.define_values(name, offset, &results[next..next + count])?;
            next += count;
        }
        Ok(())
    }

    pub(super) fn check_registered(&mut self, name: &str, at: usize) -> PResult<Option<std::sync::Arc<OpDef>>> {
        if let Some(def) = self.ctx.op_def_by_name(name) {
            return Ok(Some(def.clone()));
        }
        if name.is_empty() {
            return Err(ParseError::new(at, "empty operation name is invalid".into()));
        }
        let dialect = name.split_once('.').map_or("", |(d, _)| d);
        if self.ctx.is_dialect_registered(dialect) {
            return Err(ParseError::new(
                at,
                format!("unregistered operation '{name}' found in dialect ('{dialect}') that does not allow unknown operations"),
            ));
        }
        if !self.opts.allow_unregistered {
            return Err(ParseError::new(
                at,
                format!("operation being parsed with an unregistered dialect '{dialect}' ('{name}'); pass --allow-unregistered-dialect to allow it"),
            ));
        }
        Ok(None)
    }

    pub(super) fn parse_generic_op(&mut self, start: usize) -> PResult<OpId> {
        let name_tok = self.next()?;
        let (name, def) = match self.generic_names.get(self.text(&name_tok)) {
            Some(known) => known.clone(),
            None => {
                let name = self.ctx.ident(&unescape(self.text(&name_tok)));
                let def = self.check_registered(self.ctx.ident_str(name), name_tok.start)?;
                self.generic_names.insert(self.text(&name_tok), (name, def.clone()));
                (name, def)
            }
        };
        self.expect_punct("(")?;
        let mut operands = Vec::new();
        if !self.peek_punct(")")? {
            operands = self.parse_operand_list()?;
        }
        self.expect_punct(")")?;
        let mut successors = Vec::new();
        if self.parse_optional_punct("[")? {
            loop {
                successors.push(self.parse_successor()?);
                if self.parse_optional_punct("]")? {
                    break;
                }
                self.expect_punct(",")?;
            }
        }
        let mut properties = None;
        if self.parse_optional_punct("<")? {
            properties = Some(self.parse_attribute()?);
            self.expect_punct(">")?;
        }
        let mut regions = Vec::new();
        if self.peek_punct("(")? {
            self.next()?;
            self.push_default_dialect(def.as_deref(), false);
            let isolated = def.as_ref().is_some_and(|d| d.has_trait(Trait::IsolatedFromAbove));
            loop {
                regions.push(self.parse_region(None, isolated)?);
                if self.parse_optional_punct(")")? {
                    break;
                }
                self.expect_punct(",")?;
            }
            self.default_dialects.pop();
        }
        let mut attrs = Vec::new();
        self.parse_optional_attr_dict(&mut attrs)?;
        self.expect_punct(":")?;
        let fn_at = self.offset()?;
        let fn_type = self.parse_type()?;
        // Borrowed from the context, which outlives this parser: no copy per op.
        let ctx = self.ctx;
        let TypeKind::Function { inputs, results } = ctx.type_kind(fn_type) else {
            return Err(ParseError::new(fn_at, "expected function type".into()));
        };
        if inputs.len() != operands.len() {
            return Err(ParseError::new(
                fn_at,
                format!("expected {} operand type(s) but had {}", operands.len(), inputs.len()),
            ));
        }
        let values = operands
            .iter()
            .zip(inputs.iter())
            .map(|(u, t)| self.resolve_operand(u, *t))
            .collect::<PResult<Vec<_>>>()?;
        if let (Some(_), Some(p)) = (&def, properties) {
            // A registered op's properties are its inherent attributes.
            match self.ctx.attr_kind(p) {
                AttrKind::Dictionary(entries) => attrs.extend(entries.iter().copied()),
                _ => return Err(ParseError::new(fn_at, "expected a dictionary of properties".into())),
            }
            properties = None;
        }
        let loc = match self.parse_optional_location()? {
            Some(l) => l,
            None => self.loc_at(start),
        };
        let state = OpState {
            name,
            operands: values,
            result_types: results.clone(),
            attrs,
            properties,
            successors,
            num_regions: regions.len(),
            loc,
        };
        Ok(self.finish_op(state, regions))
    }

    /// The default dialect of an op's regions, as MLIR's parser sets it: an op in custom form
    /// names its own (none unless it says); one in generic form (`custom` false) leaves its
    /// parent's in force.
    pub(super) fn push_default_dialect(&mut self, def: Option<&OpDef>, custom: bool) {
        let inherited = self.default_dialects.last().copied().flatten();
        let own = def.and_then(|d| d.default_dialect);
        self.default_dialects.push(if custom { own } else { own.or(inherited) });
    }

    pub(super) fn finish_op(&mut self, state: OpState, regions: Vec<Vec<BlockId>>) -> OpId {
        // Ops like `builtin.module` always own one block, even when written `{}`.
        let needs_block = self
            .ctx
            .op_def(state.name)
            .is_some_and(|d| d.has_trait(Trait::SingleBlock) && d.has_trait(Trait::NoTerminator));
        let op = self.ir.create_op(state);
        for (i, mut blocks) in regions.into_iter().enumerate() {
            let r = self.ir.op(op).regions()[i];
            if blocks.is_empty() && needs_block {
                blocks.push(self.ir.create_block(&[]));
            }
            for b in blocks {
                self.ir.append_block(r, b);
            }
        }
        op
    }

    pub(super) fn resolve_custom_name(&mut self, written: &'s str) -> Option<std::sync::Arc<OpDef>> {
        let default = self.default_dialects.last().copied().flatten();
        if let Some(d) = self.custom_names.get(&(written, default)) {
            return d.clone();
        }
        let found = self.lookup_custom_name(written);
        self.custom_names.insert((written, default), found.clone());
        found
    }

    pub(super) fn lookup_custom_name(&self, written: &str) -> Option<std::sync::Arc<OpDef>> {
        if written.contains('.') {
            if let Some(d) = self.ctx.op_def_by_name(written) {
                return Some(d.clone());
            }
        }
        if let Some(Some(dialect)) = self.default_dialects.last() {
            if let Some(d) = self.ctx.op_def_by_name(&format!("{dialect}.{written}")) {
                return Some(d.clone());
            }
        }
        self.ctx.op_def_by_name(&format!("builtin.{written}")).cloned()
    }

    pub(super) fn parse_custom_op(&mut self, start: usize) -> PResult<OpId> {
        let name_tok = self.next()?;
        let written = self.text(&name_tok);
        let Some(def) = self.resolve_custom_name(written) else {
            return Err(ParseError::new(name_tok.start, format!("custom op '{written}' is unknown")));
        };
        if !def.has_custom_syntax() {
            return Err(ParseError::new(
                name_tok.start,
                format!("op '{}' has no custom assembly form; write it in generic form", def.name),
            ));
        }
        let saved = self.pending.replace(PendingOp { start, ..PendingOp::default() });
        self.push_default_dialect(Some(&def), true);
        let parsed = match (&def.format, def.custom_parse) {
            (_, Some(hook)) => hook(self),
            (Some(format), None) => format.parse(self, &def),
            (None, None) => unreachable!("has_custom_syntax"),
        };
        self.default_dialects.pop();
        let pending = std::mem::replace(&mut self.pending, saved).expect("pending op");
        parsed?;
        let loc = match self.parse_optional_location()? {
            Some(l) => l,
            None => self.loc_at(start),
        };
        let state = OpState {
            name: def.ident,
            operands: pending.operands,
            result_types: pending.result_types,
            attrs: pending.attrs,
            properties: pending.properties,
            successors: pending.successors,
            num_regions: pending.regions.len(),
            loc,
        };
        Ok(self.finish_op(state, pending.regions))
    }
}
