//! `apply-rules{file=my.rules}`: rewrite rules written in a text file and loaded at run time.
//!
//! ```text
//! // x + 0 = x, for any integer type
//! rule add_zero: arith.addi($x, arith.constant() {value = 0}) => $x;
//! // x * 2 = x + x, only on i32 and i64, and only when the product has one use
//! rule mul_two (benefit = 2): arith.muli($x, arith.constant() {value = 2})
//!     if type($x) : i32 | i64 => arith.addi($x, $x);
//! // -(-x) = x
//! rule neg_neg: arith.negf(arith.negf($x)) => $x;
//! // x - x = 0, with the zero's type taken from x
//! rule sub_self: arith.subi($x, $x) => arith.constant() {value = 0} : type($x);
//! ```
//!
//! A pattern is an op with operand patterns: `$name` binds a value (a name used twice must
//! bind the same value), `_` matches anything, a nested op matches the operand's defining op.
//! `{attr = $a}` binds an attribute; `{attr = literal}` requires it (an integer or float
//! literal without a type matches that number in any type). Constraints after `if`:
//! `type($x) : t1 | t2` (types, or `integer`, `float`, `index`, `any`), `one_use($x)`,
//! `$a == literal`. The replacement is a bound value or ops to build; a built op's result
//! type is `: type($x)`, a written type, or by default the matched op's result type, and an
//! untyped number literal takes that type.

use std::sync::Arc;

use pest::iterators::Pair;
use pest::Parser as _;
use rustc_hash::FxHashMap;
use strata_ir::pass::{OptionSpec, Pass, PassContext, PassInfo};
use strata_ir::rewrite::{
    apply_patterns_greedily, limit_error, FrozenPatterns, GreedyConfig, PatternRewriter, RewritePattern,
};
use strata_ir::{AttrKind, Attribute, Context, Diagnostic, OpId, Type, TypeKind, Value, ValueDef};

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "rules/rules.pest"]
    pub struct RulesGrammar;
}
use grammar::{Rule as G, RulesGrammar};

/// An error in a rules file, at a line and column (1-based).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct RulesError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
enum OperandPat {
    Var(String),
    Any,
    Op(Box<OpPat>),
}

/// An attribute in a rule: a variable, or a literal (`loose`: an untyped number).
#[derive(Debug, Clone)]
enum AttrValue {
    Var(String),
    Literal { attr: Attribute, loose: bool },
}

#[derive(Debug, Clone)]
struct OpPat {
    name: String,
    operands: Vec<OperandPat>,
    attrs: Vec<(String, AttrValue)>,
}

#[derive(Debug, Clone)]
enum TypeAlt {
    Integer,
    Float,
    Index,
    Any,
    Exact(Type),
}

#[derive(Debug, Clone)]
enum Constraint {
    TypeIs(String, Vec<TypeAlt>),
    OneUse(String),
    AttrEquals(String, AttrValue),
}

#[derive(Debug, Clone)]
enum TypeRef {
    Of(String),
    Exact(Type),
}

#[derive(Debug, Clone)]
enum Build {
    Var(String),
    Op { name: String, operands: Vec<Build>, attrs: Vec<(String, AttrValue)>, ty: Option<TypeRef> },
}

/// One rule of a rules file, ready to apply.
#[derive(Debug, Clone)]
pub struct RewriteRule {
    name: String,
    benefit: u16,
    pattern: OpPat,
    constraints: Vec<Constraint>,
    result: Build,
}

fn error_at(pair: &Pair<'_, G>, message: impl Into<String>) -> RulesError {
    let (line, column) = pair.as_span().start_pos().line_col();
    RulesError { line, column, message: message.into() }
}

/// Reads rules from text.
pub fn parse_rules(ctx: &Context, text: &str) -> Result<Vec<RewriteRule>, RulesError> {
    let file = RulesGrammar::parse(G::file, text).map_err(|e| {
        let (line, column) = match e.line_col {
            pest::error::LineColLocation::Pos(p) | pest::error::LineColLocation::Span(p, _) => p,
        };
        let message = match &e.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
                let names: Vec<String> = positives.iter().map(|r| describe(*r)).collect();
                format!("expected {}", names.join(" or "))
            }
            _ => "syntax error".to_string(),
        };
        RulesError { line, column, message }
    })?;
    let mut rules = Vec::new();
    for rule in file.into_iter().next().unwrap().into_inner() {
        if rule.as_rule() != G::rule {
            continue;
        }
        rules.push(compile_rule(ctx, rule)?);
    }
    Ok(rules)
}

fn describe(r: G) -> String {
    match r {
        G::rule => "'rule'",
        G::op_pat | G::op_build => "an op (dialect.name(...))",
        G::operand_pat => "an operand pattern ($x, _ or an op)",
        G::result => "a replacement ($x or an op)",
        G::var => "a variable ($name)",
        G::literal => "an attribute or type",
        G::constraint => "a constraint",
        G::ident => "a name",
        _ => return format!("{r:?}"),
    }
    .to_string()
}

fn compile_rule(ctx: &Context, pair: Pair<'_, G>) -> Result<RewriteRule, RulesError> {
    let mut inner = pair.into_inner();
    let name = inner.next().unwrap().as_str().to_string();
    let mut benefit = 1u16;
    let mut next = inner.next().unwrap();
    if next.as_rule() == G::benefit {
        let n = next.clone().into_inner().next().unwrap();
        benefit = n.as_str().parse().map_err(|_| error_at(&n, "benefit must be between 0 and 65535"))?;
        next = inner.next().unwrap();
    }
    let pattern_pair = next.clone();
    let pattern = op_pat(ctx, next)?;
    let mut constraints = Vec::new();
    let mut constraint_pair = None;
    let mut next = inner.next().unwrap();
    if next.as_rule() == G::constraints {
        constraint_pair = Some(next.clone());
        for c in next.into_inner() {
            constraints.push(constraint(ctx, c.into_inner().next().unwrap())?);
        }
        next = inner.next().unwrap();
    }
    check_variables(&name, pattern_pair, constraint_pair, next.clone())?;
    let result = build(ctx, next)?;
    Ok(RewriteRule { name, benefit, pattern, constraints, result })
}

/// What a `$name` is where it is written: bound by the pattern (a value or an attribute) or
/// used by a constraint or the replacement.
#[derive(Clone, Copy, PartialEq, Eq)]
enum VarRole {
    BindsValue,
    BindsAttr,
    UsesValue,
    UsesAttr,
}

/// Every variable under `pair` with its role, known from the rule it is written in.
fn variables<'i>(pair: Pair<'i, G>, out: &mut Vec<(VarRole, Pair<'i, G>)>) {
    let role = match pair.as_rule() {
        G::operand_pat => Some(VarRole::BindsValue),
        G::attr_pat => Some(VarRole::BindsAttr),
        G::type_constraint | G::one_use | G::result | G::type_of => Some(VarRole::UsesValue),
        G::equal_constraint | G::attr_build => Some(VarRole::UsesAttr),
        _ => None,
    };
    for child in pair.into_inner() {
        match (child.as_rule(), role) {
            (G::var, Some(role)) => out.push((role, child)),
            _ => variables(child, out),
        }
    }
}

/// Every variable a constraint or the replacement names must be bound by the pattern; an
/// unbound one is reported where it is written.
fn check_variables<'i>(
    rule: &str,
    pattern: Pair<'i, G>,
    constraints: Option<Pair<'i, G>>,
    result: Pair<'i, G>,
) -> Result<(), RulesError> {
    let mut bound = Vec::new();
    variables(pattern, &mut bound);
    let mut used = Vec::new();
    for p in constraints.into_iter().chain([result]) {
        variables(p, &mut used);
    }
    for (role, var) in used {
        let (binder, kind) =
            if role == VarRole::UsesValue { (VarRole::BindsValue, "value") } else { (VarRole::BindsAttr, "attribute") };
        if !bound.iter().any(|(r, b)| *r == binder && b.as_str() == var.as_str()) {
            return Err(error_at(
                &var,
                format!("rule '{rule}': {kind} '{}' is not bound by the pattern", var.as_str()),
            ));
        }
    }
    Ok(())
}

fn op_pat(ctx: &Context, pair: Pair<'_, G>) -> Result<OpPat, RulesError> {
    let mut inner = pair.into_inner();
    let name = inner.next().unwrap().as_str().to_string();
    let mut operands = Vec::new();
    let mut attrs = Vec::new();
    for p in inner {
        match p.as_rule() {
            G::operand_pat => {
                let o = p.into_inner().next().unwrap();
                operands.push(match o.as_rule() {
                    G::var => OperandPat::Var(o.as_str().to_string()),
                    G::wildcard => OperandPat::Any,
                    _ => OperandPat::Op(Box::new(op_pat(ctx, o)?)),
                });
            }
            G::attr_pats => {
                for a in p.into_inner() {
                    attrs.push(named_attr(ctx, a)?);
                }
            }
            _ => {}
        }
    }
    Ok(OpPat { name, operands, attrs })
}

fn named_attr(ctx: &Context, pair: Pair<'_, G>) -> Result<(String, AttrValue), RulesError> {
    let mut inner = pair.into_inner();
    let name = inner.next().unwrap().as_str().to_string();
    let v = inner.next().unwrap();
    Ok((name, attr_value(ctx, v)?))
}

fn attr_value(ctx: &Context, v: Pair<'_, G>) -> Result<AttrValue, RulesError> {
    if v.as_rule() == G::var {
        return Ok(AttrValue::Var(v.as_str().to_string()));
    }
    let text = v.as_str().trim();
    let attr = ctx.parse_attribute(text).map_err(|e| error_at(&v, format!("bad attribute '{text}': {}", e.message)))?;
    let loose = !text.contains(':')
        && matches!(ctx.attr_kind(attr), AttrKind::Integer { .. } | AttrKind::Float { .. })
        && !matches!(text, "true" | "false");
    Ok(AttrValue::Literal { attr, loose })
}

fn constraint(ctx: &Context, pair: Pair<'_, G>) -> Result<Constraint, RulesError> {
    let kind = pair.as_rule();
    let mut inner = pair.into_inner();
    let var = inner.next().unwrap().as_str().to_string();
    Ok(match kind {
        G::type_constraint => {
            let mut alts = Vec::new();
            for t in inner {
                let text = t.as_str().trim();
                alts.push(match text {
                    "integer" => TypeAlt::Integer,
                    "float" => TypeAlt::Float,
                    "index" => TypeAlt::Index,
                    "any" => TypeAlt::Any,
                    _ => TypeAlt::Exact(
                        ctx.parse_type(text).map_err(|e| error_at(&t, format!("bad type '{text}': {}", e.message)))?,
                    ),
                });
            }
            Constraint::TypeIs(var, alts)
        }
        G::one_use => Constraint::OneUse(var),
        _ => Constraint::AttrEquals(var, attr_value(ctx, inner.next().unwrap())?),
    })
}

fn build(ctx: &Context, pair: Pair<'_, G>) -> Result<Build, RulesError> {
    let b = pair.into_inner().next().unwrap();
    if b.as_rule() == G::var {
        return Ok(Build::Var(b.as_str().to_string()));
    }
    let mut inner = b.into_inner();
    let name = inner.next().unwrap().as_str().to_string();
    let (mut operands, mut attrs, mut ty) = (Vec::new(), Vec::new(), None);
    for p in inner {
        match p.as_rule() {
            G::result => operands.push(build(ctx, p)?),
            G::attr_builds => {
                for a in p.into_inner() {
                    attrs.push(named_attr(ctx, a)?);
                }
            }
            G::type_ref => {
                let t = p.into_inner().next().unwrap();
                ty = Some(if t.as_rule() == G::type_of {
                    TypeRef::Of(t.into_inner().next().unwrap().as_str().to_string())
                } else {
                    let text = t.as_str().trim();
                    TypeRef::Exact(
                        ctx.parse_type(text).map_err(|e| error_at(&t, format!("bad type '{text}': {}", e.message)))?,
                    )
                });
            }
            _ => {}
        }
    }
    Ok(Build::Op { name, operands, attrs, ty })
}

#[derive(Default)]
struct Bindings {
    values: FxHashMap<String, Value>,
    attrs: FxHashMap<String, Attribute>,
}

fn literal_matches(ctx: &Context, actual: Attribute, expected: Attribute, loose: bool) -> bool {
    if !loose {
        return actual == expected;
    }
    match (ctx.attr_kind(actual), ctx.attr_kind(expected)) {
        (AttrKind::Integer { value: a, .. }, AttrKind::Integer { value: b, .. }) => a == b,
        (AttrKind::Float { .. }, AttrKind::Float { .. }) => ctx.attr_as_f64(actual) == ctx.attr_as_f64(expected),
        _ => false,
    }
}

impl RewriteRule {
    fn match_op(&self, ctx: &Context, ir: &strata_ir::Ir, pat: &OpPat, op: OpId, b: &mut Bindings) -> bool {
        let o = ir.op(op);
        if ctx.ident_str(o.name()) != pat.name || o.operands().len() != pat.operands.len() {
            return false;
        }
        for (p, &v) in pat.operands.iter().zip(o.operands()) {
            let ok = match p {
                OperandPat::Any => true,
                OperandPat::Var(name) => *b.values.entry(name.clone()).or_insert(v) == v,
                OperandPat::Op(inner) => match ir.value(v).def() {
                    ValueDef::Result { op: d, .. } => self.match_op(ctx, ir, inner, d, b),
                    _ => false,
                },
            };
            if !ok {
                return false;
            }
        }
        for (name, want) in &pat.attrs {
            let Some(actual) = o.attr(ctx.ident(name)) else { return false };
            let ok = match want {
                AttrValue::Var(v) => *b.attrs.entry(v.clone()).or_insert(actual) == actual,
                AttrValue::Literal { attr, loose } => literal_matches(ctx, actual, *attr, *loose),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    fn constraints_hold(&self, ctx: &Context, ir: &strata_ir::Ir, b: &Bindings) -> bool {
        self.constraints.iter().all(|c| match c {
            Constraint::TypeIs(v, alts) => {
                let ty = ir.value_type(b.values[v]);
                alts.iter().any(|a| match a {
                    TypeAlt::Any => true,
                    TypeAlt::Exact(t) => *t == ty,
                    TypeAlt::Index => matches!(ctx.type_kind(ty), TypeKind::Index),
                    TypeAlt::Integer => matches!(ctx.type_kind(ty), TypeKind::Integer { .. }),
                    TypeAlt::Float => matches!(ctx.type_kind(ty), TypeKind::Float(_)),
                })
            }
            Constraint::OneUse(v) => ir.value(b.values[v]).uses().len() == 1,
            Constraint::AttrEquals(v, AttrValue::Literal { attr, loose }) => {
                literal_matches(ctx, b.attrs[v], *attr, *loose)
            }
            Constraint::AttrEquals(..) => false,
        })
    }

    fn build(&self, rw: &mut PatternRewriter<'_>, b: &Bindings, what: &Build, default_ty: Type) -> Value {
        match what {
            Build::Var(v) => b.values[v],
            Build::Op { name, operands, attrs, ty } => {
                let ctx = rw.ctx;
                let values: Vec<Value> = operands.iter().map(|o| self.build(rw, b, o, default_ty)).collect();
                let ty = match ty {
                    Some(TypeRef::Of(v)) => rw.ir().value_type(b.values[v]),
                    Some(TypeRef::Exact(t)) => *t,
                    None => default_ty,
                };
                let attrs: Vec<(&str, Attribute)> = attrs
                    .iter()
                    .map(|(k, v)| {
                        let a = match v {
                            AttrValue::Var(x) => b.attrs[x],
                            AttrValue::Literal { attr, loose: true } => retype(ctx, *attr, ty),
                            AttrValue::Literal { attr, .. } => *attr,
                        };
                        (k.as_str(), a)
                    })
                    .collect();
                let op = rw.op(name, &values, &[ty], &attrs);
                rw.ir().op(op).result(0)
            }
        }
    }
}

/// An untyped number literal in a replacement takes the type of the op it goes on.
fn retype(ctx: &Context, attr: Attribute, ty: Type) -> Attribute {
    match (ctx.attr_kind(attr), ctx.type_kind(ty)) {
        (AttrKind::Integer { value, .. }, TypeKind::Integer { .. } | TypeKind::Index) => {
            ctx.intern_attr(AttrKind::Integer { value: *value, ty })
        }
        (AttrKind::Float { .. }, TypeKind::Float(_)) => ctx.float_attr(ctx.attr_as_f64(attr).unwrap_or(0.0), ty),
        _ => attr,
    }
}

impl RewritePattern for RewriteRule {
    fn root(&self) -> Option<&str> {
        Some(&self.pattern.name)
    }
    fn benefit(&self) -> u16 {
        self.benefit
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
        let mut b = Bindings::default();
        if rw.ir().op(op).results().len() != 1
            || !self.match_op(rw.ctx, rw.ir(), &self.pattern, op, &mut b)
            || !self.constraints_hold(rw.ctx, rw.ir(), &b)
        {
            return false;
        }
        let default_ty = rw.ir().value_type(rw.ir().op(op).result(0));
        if let Build::Var(v) = &self.result {
            if rw.ir().value_type(b.values[v]) != default_ty {
                return false;
            }
        }
        rw.set_insertion_point_before(op);
        let v = self.build(rw, &b, &self.result, default_ty);
        rw.replace_op(op, &[v]);
        true
    }
}

pub fn info() -> PassInfo {
    PassInfo::new("apply-rules", "ApplyRules", "Apply rewrite rules read from a file", |o, _| {
        let file = o.str("file").to_string();
        if file.is_empty() {
            return Err("needs a rules file: apply-rules{file=path}".into());
        }
        let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read rules file '{file}': {e}"))?;
        // Check the file now, so a bad rule fails the pipeline before anything runs.
        parse_rules(&Context::new(), &text).map_err(|e| format!("{file}:{}:{}: {}", e.line, e.column, e.message))?;
        Ok(Box::new(ApplyRules { file, text, max_iterations: o.int("max-iterations") }))
    })
    .option(OptionSpec::string("file", "", "Path of the rules file"))
    .option(OptionSpec::int("max-iterations", 10, "Max. sweeps of the greedy driver"))
    .statistic("num-rewrites", "Number of rule applications")
}

pub struct ApplyRules {
    file: String,
    text: String,
    max_iterations: i64,
}

impl Pass for ApplyRules {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        // Rules name types and attributes, which belong to a context: compile per run.
        let rules = parse_rules(cx.ctx, &self.text).map_err(|e| {
            Diagnostic::error(cx.ir.op(cx.op).loc(), format!("{}:{}:{}: {}", self.file, e.line, e.column, e.message))
        })?;
        let patterns: Vec<Arc<dyn RewritePattern>> =
            rules.into_iter().map(|r| Arc::new(r) as Arc<dyn RewritePattern>).collect();
        let frozen = FrozenPatterns::new(cx.ctx, patterns);
        let config = GreedyConfig { fold: false, max_iterations: self.max_iterations, ..GreedyConfig::default() };
        let outcome = apply_patterns_greedily(cx.ctx, cx.ir, cx.op, &frozen, &config);
        cx.add_stat("num-rewrites", outcome.rewrites);
        // Rules are the user's: rules that never settle (a rule whose output it matches again,
        // two rules undoing each other) are a bug to report, with the rule that applied last.
        if let Some(limit) = &outcome.stopped {
            return Err(limit_error(cx.ctx, cx.ir, cx.op, "apply-rules", limit));
        }
        Ok(())
    }
}
