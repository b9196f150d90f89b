//! Dialect conversion: rewrite every op a [`ConversionTarget`] calls illegal through
//! [`ConversionPattern`]s, converting types with a [`TypeConverter`] and bridging values whose
//! type changed with materializations (`builtin.unrealized_conversion_cast` by default).
//!
//! Conversion runs in one pass over the IR without rollback (as MLIR's one-shot conversion):
//! a pattern that does not match must leave the IR untouched. Ops a pattern creates are
//! legalized in turn. Casts that end up unused or that cancel out are removed at the end.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::rewriter::{PatternRewriter, RewriteListener};
use crate::attributes::Location;
use crate::diagnostic::Diagnostic;
use crate::entities::{BlockId, OpId, Value, ValueDef};
use crate::store::{InsertPoint, Ir, OpState};
use crate::types::Type;
use crate::walk::{WalkControl, WalkOrder};
use crate::Context;

/// Whether an op may stay after conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legality {
    Legal,
    /// Must be converted; its survival fails partial and full conversion alike.
    Illegal,
    /// Not mentioned by the target: fails full conversion only.
    Unknown,
}

type DynamicLegality = Arc<dyn Fn(&Context, &Ir, OpId) -> bool + Send + Sync>;

/// Which ops and dialects are legal after conversion.
#[derive(Clone, Default)]
pub struct ConversionTarget {
    legal_dialects: Vec<String>,
    illegal_dialects: Vec<String>,
    legal_ops: Vec<String>,
    illegal_ops: Vec<String>,
    dynamic: Vec<(String, DynamicLegality)>,
}

impl ConversionTarget {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add_legal_dialect(&mut self, d: &str) -> &mut Self {
        self.legal_dialects.push(d.into());
        self
    }
    pub fn add_illegal_dialect(&mut self, d: &str) -> &mut Self {
        self.illegal_dialects.push(d.into());
        self
    }
    pub fn add_legal_op(&mut self, op: &str) -> &mut Self {
        self.legal_ops.push(op.into());
        self
    }
    pub fn add_illegal_op(&mut self, op: &str) -> &mut Self {
        self.illegal_ops.push(op.into());
        self
    }
    /// `op` is legal when `f` says so (e.g. `func.func` once its signature is converted).
    pub fn add_dynamically_legal_op(
        &mut self,
        op: &str,
        f: impl Fn(&Context, &Ir, OpId) -> bool + Send + Sync + 'static,
    ) -> &mut Self {
        self.dynamic.push((op.into(), Arc::new(f)));
        self
    }

    /// Op rules win over dialect rules; dynamic rules win over static ones.
    pub fn legality(&self, ctx: &Context, ir: &Ir, op: OpId) -> Legality {
        let name = ctx.ident_str(ir.op(op).name());
        if let Some((_, f)) = self.dynamic.iter().find(|(n, _)| n == name) {
            return if f(ctx, ir, op) { Legality::Legal } else { Legality::Illegal };
        }
        if self.illegal_ops.iter().any(|n| n == name) {
            return Legality::Illegal;
        }
        if self.legal_ops.iter().any(|n| n == name) {
            return Legality::Legal;
        }
        let dialect = name.split('.').next().unwrap_or("");
        if self.illegal_dialects.iter().any(|d| d == dialect) {
            return Legality::Illegal;
        }
        if self.legal_dialects.iter().any(|d| d == dialect) {
            return Legality::Legal;
        }
        Legality::Unknown
    }
}

type TypeRule = Arc<dyn Fn(&Context, Type) -> Option<Type> + Send + Sync>;
/// Builds an op turning `value` into a value of type `ty`, at the insertion point.
type Materializer = Arc<dyn Fn(&Context, Value, Type, Location) -> OpState + Send + Sync>;

/// How types change in a conversion, and how to bridge a value across a change.
#[derive(Clone, Default)]
pub struct TypeConverter {
    rules: Vec<TypeRule>,
    materialize: Option<Materializer>,
}

impl TypeConverter {
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a rule; rules added later are tried first, and the first `Some` wins. A type no
    /// rule converts is left as it is.
    pub fn add_conversion(&mut self, f: impl Fn(&Context, Type) -> Option<Type> + Send + Sync + 'static) -> &mut Self {
        self.rules.push(Arc::new(f));
        self
    }
    /// Replaces the default materialization (`builtin.unrealized_conversion_cast`).
    pub fn set_materialization(
        &mut self,
        f: impl Fn(&Context, Value, Type, Location) -> OpState + Send + Sync + 'static,
    ) -> &mut Self {
        self.materialize = Some(Arc::new(f));
        self
    }
    pub fn convert_type(&self, ctx: &Context, ty: Type) -> Type {
        self.rules.iter().rev().find_map(|r| r(ctx, ty)).unwrap_or(ty)
    }
    pub fn is_legal(&self, ctx: &Context, ty: Type) -> bool {
        self.convert_type(ctx, ty) == ty
    }
    fn cast(&self, ctx: &Context, v: Value, ty: Type, loc: Location) -> OpState {
        match &self.materialize {
            Some(m) => m(ctx, v, ty, loc),
            None => OpState::new(ctx, CAST, loc).operands(&[v]).results(&[ty]),
        }
    }
}

const CAST: &str = "builtin.unrealized_conversion_cast";

/// A rewrite that sees the op's operands already converted to their new types.
pub trait ConversionPattern: Send + Sync {
    fn root(&self) -> Option<&str>;
    fn benefit(&self) -> u16 {
        1
    }
    /// Replaces `op` (through `rw`, whose insertion point is before `op`) using `operands`,
    /// the converted counterparts of its operands. Returns false, with the IR untouched,
    /// when it does not apply.
    fn match_and_rewrite(&self, op: OpId, operands: &[Value], rw: &mut ConversionRewriter<'_, '_>) -> bool;
}

/// The rewriter a [`ConversionPattern`] works through.
pub struct ConversionRewriter<'r, 'a> {
    pub rewriter: &'r mut PatternRewriter<'a>,
    pub types: &'r TypeConverter,
}

impl ConversionRewriter<'_, '_> {
    pub fn ctx(&self) -> &Context {
        self.rewriter.ctx
    }
    pub fn ir(&self) -> &Ir {
        self.rewriter.ir()
    }
    pub fn convert_type(&self, ty: Type) -> Type {
        self.types.convert_type(self.rewriter.ctx, ty)
    }
    pub fn op(
        &mut self,
        name: &str,
        operands: &[Value],
        result_types: &[Type],
        attrs: &[(&str, crate::Attribute)],
    ) -> OpId {
        self.rewriter.op(name, operands, result_types, attrs)
    }
    pub fn create(&mut self, state: OpState) -> OpId {
        self.rewriter.create(state)
    }

    /// Replaces `op` with `values`, which may have converted types: users that still expect
    /// the old type get a materialization back to it.
    pub fn replace_op(&mut self, op: OpId, values: &[Value]) {
        let ctx = self.rewriter.ctx;
        let olds = self.rewriter.ir().op(op).results().to_vec();
        let mut replacements = Vec::new();
        for (old, new) in olds.iter().zip(values) {
            let (old_ty, new_ty) = (self.rewriter.ir().value_type(*old), self.rewriter.ir().value_type(*new));
            if old_ty == new_ty || self.rewriter.ir().value(*old).uses().is_empty() {
                replacements.push(*new);
            } else {
                let loc = self.rewriter.ir().op(op).loc();
                let cast = self.rewriter.create(self.types.cast(ctx, *new, old_ty, loc));
                replacements.push(self.rewriter.ir().op(cast).result(0));
            }
        }
        self.rewriter.replace_op(op, &replacements);
    }

    /// Converts the argument types of every block of `op`'s regions; uses that still expect
    /// an old type get a materialization at the start of the block.
    pub fn convert_region_types(&mut self, op: OpId) {
        let ctx = self.rewriter.ctx;
        let blocks: Vec<BlockId> = self
            .rewriter
            .ir()
            .op(op)
            .regions()
            .iter()
            .flat_map(|r| self.rewriter.ir().region(*r).blocks().to_vec())
            .collect();
        for b in blocks {
            let args = self.rewriter.ir().block(b).args().to_vec();
            for a in args {
                let old = self.rewriter.ir().value_type(a);
                let new = self.types.convert_type(ctx, old);
                if new == old {
                    continue;
                }
                let loc = self.rewriter.ir().value(a).loc().unwrap_or_else(|| ctx.unknown_loc());
                self.rewriter.ir_mut().set_value_type(a, new);
                if self.rewriter.ir().value(a).uses().is_empty() {
                    continue;
                }
                let at = InsertPoint::BlockStart(b);
                let users: Vec<(OpId, usize)> =
                    self.rewriter.ir().value(a).uses().iter().map(|u| (u.op, u.index as usize)).collect();
                let cast = self.rewriter.ir_mut().create_op(self.types.cast(ctx, a, old, loc));
                self.rewriter.ir_mut().insert_op(cast, at);
                let bridged = self.rewriter.ir().op(cast).result(0);
                for (user, index) in users {
                    self.rewriter.ir_mut().set_operand(user, index, bridged);
                    self.rewriter.notify_modified(user);
                }
            }
        }
        self.rewriter.notify_modified(op);
    }
}

struct Queue(Vec<OpId>);
impl RewriteListener for Queue {
    fn op_inserted(&mut self, op: OpId) {
        self.0.push(op);
    }
}

/// Converts what `target` calls illegal; ops it does not mention may stay.
pub fn apply_partial_conversion(
    ctx: &Context,
    ir: &mut Ir,
    root: OpId,
    target: &ConversionTarget,
    patterns: &[Arc<dyn ConversionPattern>],
    types: &TypeConverter,
) -> Result<(), Diagnostic> {
    convert(ctx, ir, root, target, patterns, types, false)
}

/// Converts every op under `root` to ops `target` calls legal.
pub fn apply_full_conversion(
    ctx: &Context,
    ir: &mut Ir,
    root: OpId,
    target: &ConversionTarget,
    patterns: &[Arc<dyn ConversionPattern>],
    types: &TypeConverter,
) -> Result<(), Diagnostic> {
    convert(ctx, ir, root, target, patterns, types, true)
}

fn convert(
    ctx: &Context,
    ir: &mut Ir,
    root: OpId,
    target: &ConversionTarget,
    patterns: &[Arc<dyn ConversionPattern>],
    types: &TypeConverter,
    full: bool,
) -> Result<(), Diagnostic> {
    let mut by_root: FxHashMap<&str, Vec<Arc<dyn ConversionPattern>>> = FxHashMap::default();
    let mut any: Vec<Arc<dyn ConversionPattern>> = Vec::new();
    for p in patterns {
        match p.root() {
            Some(r) => by_root.entry(r).or_default().push(p.clone()),
            None => any.push(p.clone()),
        }
    }
    for list in by_root.values_mut() {
        list.extend(any.iter().cloned());
        list.sort_by_key(|p| std::cmp::Reverse(p.benefit()));
    }
    any.sort_by_key(|p| std::cmp::Reverse(p.benefit()));
    let mut pending = Vec::new();
    ir.walk(root, WalkOrder::PreOrder, &mut |o| {
        if o != root {
            pending.push(o);
        }
        WalkControl::Advance
    });
    let mut queue = Queue(Vec::new());
    let mut casts: Vec<OpId> = Vec::new();
    let mut i = 0;
    while i < pending.len() || !queue.0.is_empty() {
        if i == pending.len() {
            pending.append(&mut queue.0);
            continue;
        }
        let op = pending[i];
        i += 1;
        if !ir.contains_op(op) || ir.op(op).parent_block().is_none() {
            continue;
        }
        let name = ctx.ident_str(ir.op(op).name());
        if name == CAST {
            casts.push(op);
        }
        let legality = target.legality(ctx, ir, op);
        if legality == Legality::Legal {
            continue;
        }
        let candidates = by_root.get(name).unwrap_or(&any);
        let mut converted = false;
        for pattern in candidates {
            let operands = adapt_operands(ctx, ir, op, types, &mut casts);
            let mut rw = PatternRewriter::new(ctx, ir, &mut queue);
            rw.set_insertion_point_before(op);
            let mut crw = ConversionRewriter { rewriter: &mut rw, types };
            if pattern.match_and_rewrite(op, &operands, &mut crw) {
                converted = true;
                break;
            }
        }
        if !converted && (legality == Legality::Illegal || full) && name != CAST {
            let why = if legality == Legality::Illegal { " that was explicitly marked illegal" } else { "" };
            return Err(Diagnostic::error(ir.op(op).loc(), format!("failed to legalize operation '{name}'{why}")));
        }
    }
    clean_up_casts(ctx, ir, casts);
    Ok(())
}

/// The operands of `op` in their converted types: a value of an illegal type is taken back
/// through the cast that produced it, or bridged by a new one.
fn adapt_operands(ctx: &Context, ir: &mut Ir, op: OpId, types: &TypeConverter, casts: &mut Vec<OpId>) -> Vec<Value> {
    let operands = ir.op(op).operands().to_vec();
    let mut out = Vec::with_capacity(operands.len());
    for v in operands {
        let ty = ir.value_type(v);
        let want = types.convert_type(ctx, ty);
        if want == ty {
            out.push(v);
            continue;
        }
        if let ValueDef::Result { op: def, .. } = ir.value(v).def() {
            if ctx.ident_str(ir.op(def).name()) == CAST
                && ir.op(def).operands().len() == 1
                && ir.value_type(ir.op(def).operand(0)) == want
            {
                out.push(ir.op(def).operand(0));
                continue;
            }
        }
        let loc = ir.op(op).loc();
        let cast = ir.create_op(types.cast(ctx, v, want, loc));
        ir.insert_op(cast, InsertPoint::Before(op));
        casts.push(cast);
        out.push(ir.op(cast).result(0));
    }
    out
}

/// Removes casts that are unused, and `cast(cast(x: A -> B): B -> A)` pairs.
fn clean_up_casts(ctx: &Context, ir: &mut Ir, casts: Vec<OpId>) {
    let mut changed = true;
    while changed {
        changed = false;
        for &c in &casts {
            if !ir.contains_op(c) || ctx.ident_str(ir.op(c).name()) != CAST || ir.op(c).results().len() != 1 {
                continue;
            }
            let result = ir.op(c).result(0);
            if ir.value(result).uses().is_empty() {
                ir.erase_op(c);
                changed = true;
                continue;
            }
            if ir.op(c).operands().len() != 1 {
                continue;
            }
            let input = ir.op(c).operand(0);
            if let ValueDef::Result { op: inner, .. } = ir.value(input).def() {
                if ctx.ident_str(ir.op(inner).name()) == CAST
                    && ir.op(inner).operands().len() == 1
                    && ir.value_type(ir.op(inner).operand(0)) == ir.value_type(result)
                {
                    let original = ir.op(inner).operand(0);
                    ir.replace_all_uses(result, original);
                    ir.erase_op(c);
                    changed = true;
                }
            }
        }
    }
}
