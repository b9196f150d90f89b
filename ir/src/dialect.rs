//! The dialect API: how a dialect declares its operations.
//!
//! An operation is declared with an [`OpDef`]: its name, operand/result/attribute/region
//! constraints, [`Trait`]s, an optional verifier, folder and type inference, and a declarative
//! assembly format from which both its printer and its parser come. A dialect is a type that
//! implements [`Dialect`]. Nothing here is private to the workspace: a dialect in another crate
//! is written exactly like `arith`.
//!
//! ```
//! use strata_ir::dialect::*;
//! use strata_ir::{attr_constraints, constraints, parse_source, print_module, verify, Context, ParseOptions, PrintOptions};
//!
//! struct Toy;
//! impl Dialect for Toy {
//!     fn name(&self) -> &'static str { "toy" }
//!     fn operations(&self) -> Vec<OpDef> {
//!         vec![
//!             OpDef::new("toy.constant")
//!                 .traits(&[Trait::ConstantLike])
//!                 .attr("value", attr_constraints::TYPED)
//!                 .result("result", constraints::ANY)
//!                 .format("attr-dict $value")
//!                 .infer_types(|ctx, input| {
//!                     let value = (input.attr)("value").ok_or("needs a value")?;
//!                     Ok(vec![ctx.attr_type(value).ok_or("value needs a type")?])
//!                 }),
//!             OpDef::new("toy.add")
//!                 .summary("adds two values of the same type")
//!                 .traits(&[Trait::Pure, Trait::Commutative, Trait::SameOperandsAndResultType])
//!                 .operand("lhs", constraints::ANY)
//!                 .operand("rhs", constraints::ANY)
//!                 .result("result", constraints::ANY)
//!                 .format("$lhs `,` $rhs attr-dict `:` type($result)"),
//!         ]
//!     }
//! }
//!
//! let mut ctx = Context::new();
//! ctx.register_dialect(Toy).unwrap();
//! let src = "%0 = toy.constant 1 : i32\n%1 = toy.add %0, %0 : i32\n";
//! let m = parse_source(&ctx, "toy.mlir", src, &ParseOptions::default()).unwrap();
//! verify(&ctx, &m.ir, m.root).unwrap();
//! let text = print_module(&ctx, &m, &PrintOptions::default());
//! assert!(text.contains("%1 = toy.add %0, %0 : i32"), "{text}");
//! ```

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::attributes::{AttrKind, Attribute, Location};
use crate::diagnostic::Diagnostic;
use crate::entities::{OpId, Value};
use crate::format::Format;
use crate::parser::OpParser;
use crate::printer::OpPrinter;
use crate::rewrite::RewritePattern;
use crate::store::{Ir, OpState};
use crate::types::Type;
use crate::Context;

/// A dialect: a namespace of operations.
pub trait Dialect: Send + Sync {
    /// The namespace (`"arith"`).
    fn name(&self) -> &'static str;
    /// The operations it defines.
    fn operations(&self) -> Vec<OpDef>;
    /// One line for `--help` listings.
    fn description(&self) -> &'static str {
        ""
    }
    /// An op producing constant `value` of type `ty`, for folding (`arith.constant`);
    /// `None` if the dialect cannot build one.
    fn materialize_constant(&self, _ctx: &Context, _value: Attribute, _ty: Type, _loc: Location) -> Option<OpState> {
        None
    }
}

/// Properties an op declares, as MLIR's op traits.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum Trait {
    /// No side effects and speculatable.
    Pure = 1 << 0,
    Commutative = 1 << 1,
    SameOperandsAndResultType = 1 << 2,
    SameTypeOperands = 1 << 3,
    SameOperandsAndResultShape = 1 << 4,
    /// Must be the last op of its block.
    Terminator = 1 << 5,
    ReturnLike = 1 << 6,
    /// Regions cannot see values defined outside the op.
    IsolatedFromAbove = 1 << 7,
    /// The op's regions hold symbols whose names must be unique.
    SymbolTable = 1 << 8,
    /// The op defines a symbol (`sym_name`).
    Symbol = 1 << 9,
    /// Blocks of its regions need no terminator.
    NoTerminator = 1 << 10,
    SingleBlock = 1 << 11,
    /// Operand groups are sized by the `operandSegmentSizes` property.
    AttrSizedOperandSegments = 1 << 12,
    ConstantLike = 1 << 13,
    Elementwise = 1 << 14,
    /// Regions are graph regions: no dominance, no terminator required.
    GraphRegions = 1 << 15,
    /// `IsIdempotent`: `f(f(x)) == f(x)`.
    Idempotent = 1 << 16,
    /// `IsInvolution`: `f(f(x)) == x`.
    Involution = 1 << 17,
    /// Branches to its successors (MLIR's `BranchOpInterface`).
    Branch = 1 << 18,
    /// No side effects, but not speculatable: it may be undefined where it is not reached
    /// (`tensor.dim` out of range). Unused, it is dead; equal ones are one (MLIR's
    /// `NoMemoryEffect` without `AlwaysSpeculatable`).
    NoMemoryEffect = 1 << 19,
    /// Its only effect is allocating its results (`memref.alloc`): unused, it is dead, but
    /// two are never one (MLIR's `MemAlloc` on results).
    AllocatesResults = 1 << 20,
}

/// A set of [`Trait`]s.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Traits(u32);

impl Traits {
    pub fn has(self, t: Trait) -> bool {
        self.0 & t as u32 != 0
    }
}

/// A named predicate on types, with the description used in diagnostics.
#[derive(Copy, Clone)]
pub struct TypeConstraint {
    pub description: &'static str,
    pub check: fn(&Context, Type) -> bool,
}

impl fmt::Debug for TypeConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description)
    }
}

/// How an attribute is written in a custom assembly format.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AttrSyntax {
    /// The full attribute text (`42 : i32`, `@callee`, `"msg"`).
    Full,
    /// An `i64` enum written as a bare keyword (`slt`); the cases in value order.
    IntEnum(&'static [&'static str]),
    /// A dialect attribute written without `#dialect.mnemonic` (`<fast>` for
    /// `#arith.fastmath<fast>`); holds `dialect.mnemonic`.
    Stripped(&'static str),
    /// A unit attribute whose presence is its value: an optional group's anchor.
    Unit,
    /// A string attribute written as a symbol (`@name`), as `sym_name` is.
    SymbolName,
    /// A signless integer of this width written without its type (`2` for `2 : i64`), as MLIR
    /// writes attributes whose type the op fixes.
    IntOfWidth(u32),
    /// A dense integer array of this element width written as a bare list (`[10, 20]` for
    /// `array<i32: 10, 20>`), as formats write `DenseI32ArrayAttr` operands.
    IntList(u32),
}

/// A named predicate on attributes.
#[derive(Copy, Clone)]
pub struct AttrConstraint {
    pub description: &'static str,
    pub check: fn(&Context, Attribute) -> bool,
    pub syntax: AttrSyntax,
}

impl fmt::Debug for AttrConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description)
    }
}

/// How many values (or regions, successors) a declared argument stands for.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Arity {
    One,
    Optional,
    Variadic,
}

impl Arity {
    /// Whether a group of this arity may hold `n` values.
    pub fn admits(self, n: usize) -> bool {
        match self {
            Arity::One => n == 1,
            Arity::Optional => n <= 1,
            Arity::Variadic => true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub constraint: TypeConstraint,
    pub arity: Arity,
}

#[derive(Clone, Debug)]
pub struct AttrSpec {
    pub name: &'static str,
    pub constraint: AttrConstraint,
    pub optional: bool,
}

#[derive(Clone, Debug)]
pub struct RegionSpec {
    pub name: &'static str,
    pub arity: Arity,
    pub single_block: bool,
}

#[derive(Clone, Debug)]
pub struct SuccessorSpec {
    pub name: &'static str,
    pub arity: Arity,
}

/// A read-only view of one op, given to verifiers, folders and hooks.
#[derive(Copy, Clone)]
pub struct OpView<'a> {
    pub ctx: &'a Context,
    pub ir: &'a Ir,
    pub op: OpId,
    pub def: &'a OpDef,
}

impl<'a> OpView<'a> {
    pub fn operands(&self) -> &'a [Value] {
        self.ir.op(self.op).operands()
    }
    pub fn results(&self) -> &'a [Value] {
        self.ir.op(self.op).results()
    }
    pub fn operand_type(&self, i: usize) -> Type {
        self.ir.value_type(self.operands()[i])
    }
    pub fn result_type(&self, i: usize) -> Type {
        self.ir.value_type(self.results()[i])
    }
    /// An attribute by name.
    pub fn attr(&self, name: &str) -> Option<Attribute> {
        self.ir.op(self.op).attr(self.ctx.ident(name))
    }
    /// The values of the operand group declared as `name`.
    pub fn operand_group(&self, name: &str) -> &'a [Value] {
        let i = self.def.operands.iter().position(|s| s.name == name).expect("no such operand group");
        let ranges = self.def.operand_group_ranges(self.ctx, self.ir, self.op);
        &self.operands()[ranges[i].clone()]
    }
    /// An error at the op's location, prefixed as MLIR does: `'arith.addi' op ...`.
    pub fn error(&self, message: impl fmt::Display) -> Diagnostic {
        Diagnostic::error(self.ir.op(self.op).loc(), format!("'{}' op {message}", self.def.name))
    }
}

/// What a folder found: one entry per result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FoldResult {
    Attr(Attribute),
    Value(Value),
}

pub type VerifyFn = fn(&OpView) -> Result<(), Diagnostic>;
/// A folder gets the op and, per operand, its constant value if it has one.
pub type FoldFn = fn(&OpView, &[Option<Attribute>]) -> Option<Vec<FoldResult>>;
/// Infers result types from operand types and attributes (MLIR's `InferTypeOpInterface`).
pub type InferFn = fn(&Context, &InferInput) -> Result<Vec<Type>, String>;
pub type CustomParseFn = fn(&mut OpParser<'_, '_>) -> Result<(), crate::parser::ParseError>;
pub type CustomPrintFn = fn(&mut OpPrinter<'_, '_>, OpId) -> fmt::Result;
/// The name the printer gives a result (`c0` for `arith.constant 0 : index`).
pub type ResultNameFn = fn(&Context, &Ir, OpId) -> Option<String>;
/// The operands passed to successor `i` of a branch.
pub type SuccessorOperandsFn = fn(&Context, &Ir, OpId, usize) -> Range<usize>;

/// Input to an [`InferFn`].
pub struct InferInput<'a> {
    pub operand_types: &'a [Type],
    pub attr: &'a dyn Fn(&str) -> Option<Attribute>,
}

/// The definition of an operation.
#[derive(Clone)]
pub struct OpDef {
    pub name: &'static str,
    /// `name`, interned when the dialect is registered.
    pub ident: crate::Ident,
    pub summary: &'static str,
    pub traits: Traits,
    pub operands: Vec<ArgSpec>,
    pub results: Vec<ArgSpec>,
    pub attributes: Vec<AttrSpec>,
    pub regions: Vec<RegionSpec>,
    pub successors: Vec<SuccessorSpec>,
    /// Operands and results (by name) that must share one type (`AllTypesMatch`).
    pub type_equalities: Vec<Vec<&'static str>>,
    /// Ops this op may appear directly inside (`HasParent`).
    pub parents: Vec<&'static str>,
    /// The dialect whose prefix may be left out in the op's regions (`return` in `func.func`).
    pub default_dialect: Option<&'static str>,
    pub verify: Option<VerifyFn>,
    pub fold: Option<FoldFn>,
    pub infer: Option<InferFn>,
    pub result_name: Option<ResultNameFn>,
    /// Each declared result group prints under its own name (`%base_buffer, %sizes:2 = ...`).
    pub name_result_groups: bool,
    pub successor_operands: Option<SuccessorOperandsFn>,
    pub custom_parse: Option<CustomParseFn>,
    pub custom_print: Option<CustomPrintFn>,
    format_src: Option<&'static str>,
    pub format: Option<Format>,
    /// Patterns `canonicalize` applies to this op besides its folder.
    pub canonicalization: Vec<Arc<dyn RewritePattern>>,
}

impl fmt::Debug for OpDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpDef({})", self.name)
    }
}

/// Error in a dialect definition, reported at registration.
#[derive(Debug, thiserror::Error)]
#[error("op '{op}': {message}")]
pub struct DefinitionError {
    pub op: String,
    pub message: String,
}

impl OpDef {
    /// Starts the definition of `dialect.name`.
    pub fn new(name: &'static str) -> Self {
        OpDef {
            name,
            ident: crate::Ident(u32::MAX),
            summary: "",
            traits: Traits::default(),
            operands: Vec::new(),
            results: Vec::new(),
            attributes: Vec::new(),
            regions: Vec::new(),
            successors: Vec::new(),
            type_equalities: Vec::new(),
            parents: Vec::new(),
            default_dialect: None,
            verify: None,
            fold: None,
            infer: None,
            result_name: None,
            name_result_groups: false,
            successor_operands: None,
            custom_parse: None,
            custom_print: None,
            format_src: None,
            format: None,
            canonicalization: Vec::new(),
        }
    }
    /// Adds a canonicalization pattern rooted at this op.
    pub fn canonicalization(mut self, pattern: impl RewritePattern + 'static) -> Self {
        self.canonicalization.push(Arc::new(pattern));
        self
    }
    pub fn summary(mut self, s: &'static str) -> Self {
        self.summary = s;
        self
    }
    pub fn traits(mut self, traits: &[Trait]) -> Self {
        for t in traits {
            self.traits.0 |= *t as u32;
        }
        self
    }
    pub fn operand(mut self, name: &'static str, constraint: TypeConstraint) -> Self {
        self.operands.push(ArgSpec { name, constraint, arity: Arity::One });
        self
    }
    pub fn optional_operand(mut self, name: &'static str, constraint: TypeConstraint) -> Self {
        self.operands.push(ArgSpec { name, constraint, arity: Arity::Optional });
        self
    }
    pub fn variadic_operand(mut self, name: &'static str, constraint: TypeConstraint) -> Self {
        self.operands.push(ArgSpec { name, constraint, arity: Arity::Variadic });
        self
    }
    pub fn result(mut self, name: &'static str, constraint: TypeConstraint) -> Self {
        self.results.push(ArgSpec { name, constraint, arity: Arity::One });
        self
    }
    pub fn variadic_result(mut self, name: &'static str, constraint: TypeConstraint) -> Self {
        self.results.push(ArgSpec { name, constraint, arity: Arity::Variadic });
        self
    }
    pub fn attr(mut self, name: &'static str, constraint: AttrConstraint) -> Self {
        self.attributes.push(AttrSpec { name, constraint, optional: false });
        self
    }
    pub fn optional_attr(mut self, name: &'static str, constraint: AttrConstraint) -> Self {
        self.attributes.push(AttrSpec { name, constraint, optional: true });
        self
    }
    pub fn region(mut self, name: &'static str, single_block: bool) -> Self {
        self.regions.push(RegionSpec { name, arity: Arity::One, single_block });
        self
    }
    /// Any number of regions (MLIR's `VariadicRegion`), after the fixed ones.
    pub fn variadic_region(mut self, name: &'static str, single_block: bool) -> Self {
        self.regions.push(RegionSpec { name, arity: Arity::Variadic, single_block });
        self
    }
    pub fn successor(mut self, name: &'static str) -> Self {
        self.successors.push(SuccessorSpec { name, arity: Arity::One });
        self
    }
    pub fn variadic_successor(mut self, name: &'static str) -> Self {
        self.successors.push(SuccessorSpec { name, arity: Arity::Variadic });
        self
    }
    pub fn all_types_match(mut self, names: &[&'static str]) -> Self {
        self.type_equalities.push(names.to_vec());
        self
    }
    pub fn parent(mut self, op: &'static str) -> Self {
        self.parents.push(op);
        self
    }
    pub fn default_dialect(mut self, dialect: &'static str) -> Self {
        self.default_dialect = Some(dialect);
        self
    }
    pub fn verifier(mut self, f: VerifyFn) -> Self {
        self.verify = Some(f);
        self
    }
    pub fn folder(mut self, f: FoldFn) -> Self {
        self.fold = Some(f);
        self
    }
    pub fn infer_types(mut self, f: InferFn) -> Self {
        self.infer = Some(f);
        self
    }
    pub fn result_name(mut self, f: ResultNameFn) -> Self {
        self.result_name = Some(f);
        self
    }
    /// Names each result group as declared, as upstream's `getAsmResultNames` for ops such
    /// as `memref.extract_strided_metadata`.
    pub fn name_result_groups(mut self) -> Self {
        self.name_result_groups = true;
        self
    }
    pub fn successor_operands(mut self, f: SuccessorOperandsFn) -> Self {
        self.successor_operands = Some(f);
        self
    }
    /// A declarative assembly format, MLIR's syntax (``$lhs `,` $rhs attr-dict `:` type($result)``).
    pub fn format(mut self, format: &'static str) -> Self {
        self.format_src = Some(format);
        self
    }
    /// Hand-written syntax, for ops a declarative format cannot describe (`func.func`).
    pub fn custom_syntax(mut self, parse: CustomParseFn, print: CustomPrintFn) -> Self {
        self.custom_parse = Some(parse);
        self.custom_print = Some(print);
        self
    }

    pub fn has_trait(&self, t: Trait) -> bool {
        self.traits.has(t)
    }

    /// Whether the op prints in a custom form.
    pub fn has_custom_syntax(&self) -> bool {
        self.format.is_some() || self.custom_print.is_some()
    }

    /// The dialect namespace of the op.
    pub fn dialect(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(d, _)| d)
    }

    /// Compiles the assembly format; called by `Context::register_dialect`.
    pub(crate) fn finish(mut self, ctx: &crate::Context) -> Result<OpDef, DefinitionError> {
        self.ident = ctx.ident(self.name);
        if let Some(src) = self.format_src {
            let format = Format::compile(src, &self, ctx)
                .map_err(|message| DefinitionError { op: self.name.into(), message })?;
            self.format = Some(format);
        }
        Ok(self)
    }

    /// Whether `name` is a declared (inherent) attribute; MLIR prints those as properties.
    pub fn is_inherent_attr(&self, name: &str) -> bool {
        name == "operandSegmentSizes" && self.has_trait(Trait::AttrSizedOperandSegments)
            || self.attributes.iter().any(|a| a.name == name)
    }

    /// Whether `op` has the operands, results, regions and successors this definition
    /// declares (counts only, as the verifier checks them first): custom printers may rely
    /// on them, so an op that lacks them prints in generic form.
    pub fn fits_counts(&self, ctx: &Context, ir: &Ir, op: OpId) -> bool {
        fn fits<T>(specs: &[T], arity: impl Fn(&T) -> Arity, n: usize) -> bool {
            let fixed = specs.iter().filter(|s| arity(s) == Arity::One).count();
            let optional = specs.iter().filter(|s| arity(s) == Arity::Optional).count();
            let variadic = specs.iter().any(|s| arity(s) == Arity::Variadic);
            n >= fixed && (variadic || n <= fixed + optional)
        }
        let o = ir.op(op);
        let operands = if self.has_trait(Trait::AttrSizedOperandSegments) {
            let ranges = self.operand_group_ranges(ctx, ir, op);
            let each = self.operands.iter().zip(&ranges).all(|(s, r)| s.arity.admits(r.len()));
            each && ranges.len() == self.operands.len()
                && ranges.iter().map(|r| r.len()).sum::<usize>() == o.operands().len()
        } else {
            fits(&self.operands, |s| s.arity, o.operands().len())
        };
        operands
            && fits(&self.results, |s| s.arity, o.results().len())
            && fits(&self.regions, |s| s.arity, o.regions().len())
            && fits(&self.successors, |s| s.arity, o.successors().len())
    }

    /// The operand index range of each declared operand group of `op`.
    pub fn operand_group_ranges(&self, ctx: &Context, ir: &Ir, op: OpId) -> Vec<Range<usize>> {
        let total = ir.op(op).operands().len();
        let sizes: Vec<usize> = if self.has_trait(Trait::AttrSizedOperandSegments) {
            match ir.op(op).attr(ctx.ident("operandSegmentSizes")).map(|a| ctx.attr_kind(a)) {
                Some(AttrKind::DenseArray { values: crate::attributes::DenseArrayValues::Int(v), .. }) => {
                    v.iter().map(|x| (*x).max(0) as usize).collect()
                }
                _ => vec![0; self.operands.len()],
            }
        } else {
            let fixed = self.operands.iter().filter(|s| s.arity == Arity::One).count();
            let flexible = self.operands.len() - fixed;
            let rest = total.saturating_sub(fixed);
            self.operands
                .iter()
                .map(|s| match s.arity {
                    Arity::One => 1,
                    _ if flexible == 1 => rest,
                    _ => 0,
                })
                .collect()
        };
        let mut start = 0;
        sizes
            .iter()
            .map(|&n| {
                let end = (start + n).min(total);
                let r = start..end;
                start = end;
                r
            })
            .collect()
    }

    /// The result index range of each declared result group; several variadic groups share
    /// the rest equally (MLIR's `SameVariadicResultSize`).
    pub fn result_group_ranges(&self, total: usize) -> Vec<Range<usize>> {
        let fixed = self.results.iter().filter(|s| s.arity == Arity::One).count();
        let variadic = (self.results.len() - fixed).max(1);
        let rest = total.saturating_sub(fixed) / variadic;
        let mut start = 0;
        self.results
            .iter()
            .map(|s| {
                let n = if s.arity == Arity::One { 1 } else { rest };
                let r = start..(start + n).min(total);
                start = r.end;
                r
            })
            .collect()
    }
}

/// Ready-made type constraints, named as in MLIR's ODS.
pub mod constraints {
    use super::TypeConstraint;
    use crate::types::{Signedness, TypeKind};
    use crate::Context;

    fn elem(ctx: &Context, t: crate::Type) -> crate::Type {
        match ctx.type_kind(t) {
            TypeKind::RankedTensor { .. } | TypeKind::UnrankedTensor { .. } | TypeKind::Vector { .. } => {
                ctx.element_type_or_self(t)
            }
            _ => t,
        }
    }

    pub const ANY: TypeConstraint = TypeConstraint { description: "any type", check: |_, _| true };
    pub const I1: TypeConstraint = TypeConstraint {
        description: "1-bit signless integer",
        check: |c, t| matches!(c.type_kind(t), TypeKind::Integer { width: 1, signedness: Signedness::Signless }),
    };
    pub const BOOL_LIKE: TypeConstraint = TypeConstraint {
        description: "bool-like (i1, or a vector or tensor of i1)",
        check: |c, t| {
            matches!(c.type_kind(elem(c, t)), TypeKind::Integer { width: 1, signedness: Signedness::Signless })
        },
    };
    pub const INDEX: TypeConstraint = TypeConstraint { description: "index", check: |c, t| c.is_index(t) };
    pub const SIGNLESS_INTEGER: TypeConstraint =
        TypeConstraint { description: "signless integer", check: |c, t| c.is_signless_integer(t) };
    pub const SIGNLESS_INTEGER_OR_INDEX: TypeConstraint = TypeConstraint {
        description: "signless integer or index",
        check: |c, t| c.is_signless_integer(t) || c.is_index(t),
    };
    pub const SIGNLESS_INTEGER_LIKE: TypeConstraint = TypeConstraint {
        description: "signless-integer-like (signless integer or index, or a vector or tensor of them)",
        check: |c, t| {
            let e = elem(c, t);
            c.is_signless_integer(e) || c.is_index(e)
        },
    };
    pub const SIGNLESS_FIXED_WIDTH_INTEGER_LIKE: TypeConstraint = TypeConstraint {
        description: "signless-fixed-width-integer-like (signless integer, or a vector or tensor of them)",
        check: |c, t| c.is_signless_integer(elem(c, t)),
    };
    pub const FLOAT: TypeConstraint = TypeConstraint { description: "floating-point", check: |c, t| c.is_float(t) };
    pub const FLOAT_LIKE: TypeConstraint = TypeConstraint {
        description: "floating-point-like (a float, or a vector or tensor of floats)",
        check: |c, t| c.is_float(elem(c, t)),
    };
    pub const INT_OR_FLOAT_LIKE: TypeConstraint = TypeConstraint {
        description: "integer, index or float, or a vector or tensor of them",
        check: |c, t| {
            let e = elem(c, t);
            c.is_integer(e) || c.is_index(e) || c.is_float(e)
        },
    };
    pub const SIGNLESS_INT_OR_FLOAT_LIKE: TypeConstraint = TypeConstraint {
        description: "signless integer, index or float, or a vector or tensor of them",
        check: |c, t| {
            let e = elem(c, t);
            c.is_signless_integer(e) || c.is_index(e) || c.is_float(e)
        },
    };
    pub const COMPLEX_OR_FLOAT_LIKE: TypeConstraint = TypeConstraint {
        description: "floating-point-like or complex",
        check: |c, t| {
            let e = elem(c, t);
            c.is_float(e) || matches!(c.type_kind(e), TypeKind::Complex(_))
        },
    };
}

/// Ready-made attribute constraints.
pub mod attr_constraints {
    use super::{AttrConstraint, AttrSyntax};
    use crate::attributes::AttrKind;

    pub const ANY: AttrConstraint =
        AttrConstraint { description: "any attribute", check: |_, _| true, syntax: AttrSyntax::Full };
    pub const TYPED: AttrConstraint = AttrConstraint {
        description: "typed attribute",
        check: |c, a| c.attr_type(a).is_some(),
        syntax: AttrSyntax::Full,
    };
    pub const STRING: AttrConstraint = AttrConstraint {
        description: "string attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::String { .. }),
        syntax: AttrSyntax::Full,
    };
    pub const SYMBOL_NAME: AttrConstraint = AttrConstraint { syntax: AttrSyntax::SymbolName, ..STRING };
    pub const FLAT_SYMBOL_REF: AttrConstraint = AttrConstraint {
        description: "flat symbol reference attribute",
        check: |c, a| c.attr_as_symbol(a).is_some(),
        syntax: AttrSyntax::Full,
    };
    pub const TYPE: AttrConstraint = AttrConstraint {
        description: "type attribute",
        check: |c, a| c.attr_as_type(a).is_some(),
        syntax: AttrSyntax::Full,
    };
    pub const FUNCTION_TYPE: AttrConstraint = AttrConstraint {
        description: "type attribute of function type",
        check: |c, a| c.attr_as_type(a).is_some_and(|t| matches!(c.type_kind(t), crate::TypeKind::Function { .. })),
        syntax: AttrSyntax::Full,
    };
    pub const ARRAY: AttrConstraint = AttrConstraint {
        description: "array attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::Array(_)),
        syntax: AttrSyntax::Full,
    };
    pub const DICT_ARRAY: AttrConstraint = AttrConstraint {
        description: "array of dictionary attributes",
        check: |c, a| match c.attr_kind(a) {
            AttrKind::Array(items) => items.iter().all(|i| matches!(c.attr_kind(*i), AttrKind::Dictionary(_))),
            _ => false,
        },
        syntax: AttrSyntax::Full,
    };
    pub const DENSE_I32_ARRAY: AttrConstraint = AttrConstraint {
        description: "i32 dense array attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::DenseArray { .. }),
        syntax: AttrSyntax::Full,
    };
    /// An `array<i32: ...>` that a format writes as a bare list (`weights([10, 20])`).
    pub const DENSE_I32_LIST: AttrConstraint = AttrConstraint {
        description: "i32 dense array attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::DenseArray { element, .. } if *element == c.integer_type(32)),
        syntax: AttrSyntax::IntList(32),
    };
    pub const DENSE_I64_ARRAY: AttrConstraint = AttrConstraint {
        description: "i64 dense array attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::DenseArray { element, .. } if *element == c.i64_type()),
        syntax: AttrSyntax::Full,
    };
    pub const UNIT: AttrConstraint = AttrConstraint {
        description: "unit attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::Unit),
        syntax: AttrSyntax::Unit,
    };
    pub const I64: AttrConstraint = AttrConstraint {
        description: "64-bit signless integer attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::Integer { ty, .. } if *ty == c.i64_type()),
        syntax: AttrSyntax::IntOfWidth(64),
    };
    pub const I32: AttrConstraint = AttrConstraint {
        description: "32-bit signless integer attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::Integer { ty, .. } if *ty == c.integer_type(32)),
        syntax: AttrSyntax::IntOfWidth(32),
    };
    pub const BOOL: AttrConstraint = AttrConstraint {
        description: "bool attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::Integer { ty, .. } if *ty == c.integer_type(1)),
        syntax: AttrSyntax::Full,
    };
    pub const INTEGER: AttrConstraint = AttrConstraint {
        description: "integer attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::Integer { .. }),
        syntax: AttrSyntax::Full,
    };
    pub const FLOAT: AttrConstraint = AttrConstraint {
        description: "float attribute",
        check: |c, a| matches!(c.attr_kind(a), AttrKind::Float { .. } | AttrKind::WideFloat { .. }),
        syntax: AttrSyntax::Full,
    };
}
