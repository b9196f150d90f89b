//! The printer: MLIR text in custom or generic form, with value names, aliases for
//! affine maps and long repeated dialect types/attributes, and optional locations.

use std::fmt::{self, Write};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::attributes::{
    as_unsigned, AttrKind, Attribute, DenseArrayValues, DenseElements, DenseValue, LocKind, Location,
};
use crate::entities::{BlockId, OpId, RegionId, Value};
use crate::parser::Module;
use crate::resources::{is_bare_key, Blob};
use crate::store::Ir;
use crate::types::{Signedness, Type, TypeKind, DYNAMIC};
use crate::Context;

/// Printing choices, named after mlir-opt's flags; the default is mlir-opt's.
#[derive(Clone, Debug)]
pub struct PrintOptions {
    /// `--mlir-print-op-generic`.
    pub generic: bool,
    /// `--mlir-print-debuginfo`.
    pub debug_info: bool,
    /// `--mlir-print-local-scope`: no alias definitions (`#name = ...` at the top), every
    /// attribute and type written where it is used.
    pub local_scope: bool,
    /// `--mlir-elide-elementsattrs-if-larger=N`: a `dense` attribute of more than N elements
    /// that is not a splat (not all equal) prints as `dense_resource<__elided__>`, as mlir-opt
    /// does.
    pub elide_elements_if_larger: Option<u64>,
    /// `--mlir-print-elementsattrs-with-hex-if-larger=N`: an integer, index, float or complex
    /// `dense` attribute of more than N elements that is not a splat prints as its raw data in
    /// hexadecimal (`dense<"0x...">`, [`crate::dense_raw`]). mlir-opt's default is 100; `None`
    /// (mlir-opt's -1) never does.
    pub hex_elements_if_larger: Option<u64>,
}

/// mlir-opt's default for [`PrintOptions::hex_elements_if_larger`].
pub const HEX_ELEMENTS_IF_LARGER: u64 = 100;

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            generic: false,
            debug_info: false,
            local_scope: false,
            elide_elements_if_larger: None,
            hex_elements_if_larger: Some(HEX_ELEMENTS_IF_LARGER),
        }
    }
}

/// Opaque dialect types and attributes longer than this, used at least twice, get an alias.
const ALIAS_MIN_LEN: usize = 32;

/// Prints a whole module: alias definitions, the top-level op, and the resource section (the
/// module's text entries, and the context's blobs that its `dense_resource` attributes use, in
/// the order they are first printed, as MLIR does).
pub fn print_module(ctx: &Context, module: &Module, opts: &PrintOptions) -> String {
    print_top_level(ctx, &module.ir, module.root, &module.resources, opts)
}

/// Prints `op` as MLIR prints an op with no parent: alias definitions, the op, a newline, the
/// deferred aliases and the resource section (with `resources`' text entries), the first and
/// last only outside local scope. IR dumps of a top-level op print this way.
pub fn print_top_level(ctx: &Context, ir: &Ir, op: OpId, resources: &[[String; 4]], opts: &PrintOptions) -> String {
    let aliases = if opts.local_scope { Aliases::default() } else { Aliases::collect(ctx, ir, op, opts) }.limits(opts);
    let mut out = String::new();
    aliases.write_definitions(ctx, &mut out);
    let mut p = OpPrinter::new(ctx, ir, opts, &aliases, &mut out);
    p.names.name_isolated(ctx, ir, op);
    let _ = p.print_op(op);
    out.push('\n');
    aliases.write_deferred_definitions(ctx, &mut out);
    // In local scope mlir-opt leaves the resource section out, as it does aliases.
    if !opts.local_scope {
        write_resources(ctx, &aliases, resources, &mut out);
    }
    out
}

/// [`print_op`] followed by the resource section of the blobs its `dense_resource`
/// attributes use, so that the text parses on its own (crash reproducers).
pub fn print_op_with_blobs(ctx: &Context, ir: &Ir, op: OpId, opts: &PrintOptions) -> String {
    let aliases = Aliases::default().limits(opts);
    let mut out = String::new();
    let mut p = OpPrinter::new(ctx, ir, opts, &aliases, &mut out);
    p.names.name_isolated(ctx, ir, op);
    let _ = p.print_op(op);
    out.push('\n');
    write_resources(ctx, &aliases, &[], &mut out);
    out
}

/// Prints one op (and what is nested in it) without aliases.
pub fn print_op(ctx: &Context, ir: &Ir, op: OpId, opts: &PrintOptions) -> String {
    let aliases = Aliases::default().limits(opts);
    let mut out = String::new();
    let mut p = OpPrinter::new(ctx, ir, opts, &aliases, &mut out);
    p.names.name_isolated(ctx, ir, op);
    let _ = p.print_op(op);
    out
}

/// A value in the resource section.
enum ResourceValue<'a> {
    Text(&'a str),
    Blob(&'a Blob),
}

/// `{-# group: { owner: { key: value } } #-}`, when there is anything to write: the blobs that
/// printing used (`aliases.used_resources`) under `dialect_resources`/`builtin` (first, as MLIR
/// prints them), then the text entries, grouped in the order they first appear.
fn write_resources(ctx: &Context, aliases: &Aliases, entries: &[[String; 4]], out: &mut String) {
    let used = aliases.used_resources.take();
    // Keys without a blob (`__elided__`, or one a pass made up) have nothing to print.
    let blobs: Vec<(String, Blob)> = used.into_iter().filter_map(|k| ctx.blob(&k).map(|b| (k, b))).collect();
    if entries.is_empty() && blobs.is_empty() {
        return;
    }
    type Owners<'a> = Vec<(&'a str, Vec<(String, ResourceValue<'a>)>)>;
    let mut groups: Vec<(&str, Owners)> = Vec::new();
    if !blobs.is_empty() {
        let keys = blobs.iter().map(|(k, b)| (resource_key_text(k), ResourceValue::Blob(b))).collect();
        groups.push(("dialect_resources", vec![("builtin", keys)]));
    }
    for [group, owner, key, value] in entries {
        let g = match groups.iter().position(|(name, _)| name == group) {
            Some(g) => g,
            None => {
                groups.push((group, Vec::new()));
                groups.len() - 1
            }
        };
        let owners = &mut groups[g].1;
        let o = match owners.iter().position(|(name, _)| name == owner) {
            Some(o) => o,
            None => {
                owners.push((owner, Vec::new()));
                owners.len() - 1
            }
        };
        owners[o].1.push((key.clone(), ResourceValue::Text(value)));
    }
    let size: usize = blobs.iter().map(|(_, b)| 2 * b.bytes().len() + 64).sum();
    out.reserve(size);
    out.push_str("\n{-#\n");
    for (gi, (group, owners)) in groups.iter().enumerate() {
        let _ = writeln!(out, "  {group}: {{");
        for (oi, (owner, items)) in owners.iter().enumerate() {
            let _ = writeln!(out, "    {owner}: {{");
            for (ii, (key, value)) in items.iter().enumerate() {
                let _ = write!(out, "      {key}: ");
                match value {
                    ResourceValue::Text(text) => out.push_str(text),
                    ResourceValue::Blob(blob) => {
                        out.push_str("\"0x");
                        crate::hex::encode_into(&blob.alignment().to_le_bytes(), out);
                        crate::hex::encode_into(blob.bytes(), out);
                        out.push('"');
                    }
                }
                out.push_str(if ii + 1 < items.len() { ",\n" } else { "\n" });
            }
            let _ = writeln!(out, "    }}{}", if oi + 1 < owners.len() { "," } else { "" });
        }
        let _ = writeln!(out, "  }}{}", if gi + 1 < groups.len() { "," } else { "" });
    }
    out.push_str("#-}\n");
}

/// A resource key as MLIR writes it: bare when it is a keyword, else quoted.
fn resource_key_text(key: &str) -> String {
    if is_bare_key(key) {
        key.to_string()
    } else {
        format!("\"{}\"", escape(key))
    }
}

// ---------------------------------------------------------------------- aliases
/// Alias names chosen for attributes and types, and what printing found the text uses.
#[derive(Default)]
pub struct Aliases {
    attrs: Vec<(Attribute, String)>,
    types: Vec<(Type, String)>,
    attr_names: FxHashMap<Attribute, String>,
    type_names: FxHashMap<Type, String>,
    /// Aliases reached only through operations' locations, defined after the top-level op as
    /// MLIR defers them.
    deferred: FxHashSet<Attribute>,
    /// What printing wrote, when asked to note it: op printers decide which block arguments
    /// show their locations (a function's, not a loop's induction variable) and which
    /// terminators are left implied, and only what is printed gets an alias.
    noted: std::cell::RefCell<Option<Printed>>,
    /// `dense_resource` keys in the order they were printed (the section lists their blobs).
    used_resources: std::cell::RefCell<indexmap::IndexSet<String>>,
    /// `distinct[N]` numbers, given in the order the attributes are first printed (alias
    /// definitions first), as MLIR numbers them.
    distinct_numbers: std::cell::RefCell<FxHashMap<u64, usize>>,
    /// [`PrintOptions::elide_elements_if_larger`] and [`PrintOptions::hex_elements_if_larger`],
    /// which attributes are printed under.
    elide_elements_if_larger: Option<u64>,
    hex_elements_if_larger: Option<u64>,
}

impl Aliases {
    fn limits(self, opts: &PrintOptions) -> Self {
        Aliases {
            elide_elements_if_larger: opts.elide_elements_if_larger,
            hex_elements_if_larger: opts.hex_elements_if_larger,
            ..self
        }
    }

    /// Aliases for what printing `root` will show, visited in the order MLIR's alias
    /// initializer visits it; with `debug_info`, every location too.
    fn collect(ctx: &Context, ir: &Ir, root: OpId, opts: &PrintOptions) -> Self {
        let mut counter = AliasCounter { debug_info: opts.debug_info, ..AliasCounter::default() };
        if opts.debug_info {
            // Which block arguments show their locations only printing tells.
            let noting = Aliases { noted: Some(Printed::default()).into(), ..Aliases::default() };
            let mut text = String::new();
            let mut p = OpPrinter::new(ctx, ir, opts, &noting, &mut text);
            p.names.name_isolated(ctx, ir, root);
            let _ = p.print_op(root);
            for shown in noting.noted.take().unwrap_or_default().0 {
                match shown {
                    Shown::Op(op) => counter.op(ctx, ir, op),
                    Shown::ArgLoc(arg) => {
                        if let Some(l) = ir.value(arg).loc() {
                            counter.attr(ctx, ctx.loc_attr(l));
                        }
                    }
                }
            }
        } else {
            // In storage order: printing may show a region or a terminator otherwise, which
            // only the noting pass above tells.
            for op in ir.collect_ops(root) {
                counter.op(ctx, ir, op);
            }
        }
        let mut aliases = Aliases::default();
        let mut used: FxHashSet<String> = FxHashSet::default();
        // The next suffix to try for each base: a file of a million locations has a million
        // `#locN`, which must not each search from `#loc`.
        let mut next: FxHashMap<String, usize> = FxHashMap::default();
        let mut unique = |base: &str| {
            let n = next.entry(base.to_string()).or_insert(0);
            let mut name = if *n == 0 { base.to_string() } else { format!("{base}{n}") };
            while used.contains(&name) {
                *n += 1;
                name = format!("{base}{n}");
            }
            *n += 1;
            used.insert(name.clone());
            name
        };
        let mut candidates = Vec::new();
        for (a, count) in counter.attr_order.iter().map(|a| (*a, counter.attr_counts[a])) {
            let base = match ctx.attr_kind(a) {
                AttrKind::AffineMap(_) => "map".to_string(),
                AttrKind::IntegerSet(_) => "set".to_string(),
                AttrKind::Distinct { referenced, .. } if !matches!(ctx.attr_kind(*referenced), AttrKind::Unit) => {
                    "distinct".to_string()
                }
                AttrKind::Opaque { text, .. } if count >= 2 && text.len() > ALIAS_MIN_LEN => alias_base(text),
                AttrKind::Location(kind) if !matches!(kind, LocKind::Deferred(_)) => "loc".to_string(),
                _ => continue,
            };
            if !counter.upfront.contains(&a) {
                aliases.deferred.insert(a);
            }
            aliases.attr_names.insert(a, String::new());
            candidates.push((a, base));
        }
        // Numbered and defined as MLIR orders them: by how deep aliases nest in the
        // definition, then by name, then by first use.
        let mut depths = FxHashMap::default();
        let mut keyed: Vec<(usize, String, Attribute)> =
            candidates.into_iter().map(|(a, base)| (aliases.alias_depth(ctx, a, &mut depths), base, a)).collect();
        keyed.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
        for (_, base, a) in keyed {
            let name = unique(&base);
            aliases.attr_names.insert(a, name.clone());
            aliases.attrs.push((a, name));
        }
        for (t, count) in counter.type_order.iter().map(|t| (*t, counter.type_counts[t])) {
            if let TypeKind::Opaque { body, .. } = ctx.type_kind(t) {
                if count >= 2 && body.len() > ALIAS_MIN_LEN {
                    let name = unique(&alias_base(body));
                    aliases.type_names.insert(t, name.clone());
                    aliases.types.push((t, name));
                }
            }
        }
        aliases
    }

    /// `#name = ...` and `!name = ...`, in the order [`Aliases::collect`] numbered them, but
    /// for the deferred ones ([`Aliases::write_deferred_definitions`]). An attribute alias's
    /// definition uses the other attribute aliases, so one that holds another
    /// (`#distinct1 = distinct[1]<#map>`) comes after it. `distinct` numbers given here
    /// continue into the body.
    fn write_definitions(&self, ctx: &Context, out: &mut String) {
        self.write_attr_definitions(ctx, false, out);
        let none = Aliases { distinct_numbers: self.distinct_numbers.take().into(), ..Aliases::default() };
        for (t, name) in &self.types {
            let _ = writeln!(out, "!{name} = {}", TypeDisplay { ctx, ty: *t, aliases: &none });
        }
        self.distinct_numbers.replace(none.distinct_numbers.take());
    }

    /// The definitions of the aliases only operations' locations use, which MLIR prints
    /// after the top-level op (`#loc = loc("f.mlir":0:0)`).
    fn write_deferred_definitions(&self, ctx: &Context, out: &mut String) {
        self.write_attr_definitions(ctx, true, out);
    }

    fn write_attr_definitions(&self, ctx: &Context, deferred: bool, out: &mut String) {
        let mut others = Aliases {
            attr_names: self.attr_names.clone(),
            distinct_numbers: self.distinct_numbers.take().into(),
            ..Aliases::default()
        };
        for (a, name) in &self.attrs {
            others.attr_names.remove(a);
            if self.deferred.contains(a) == deferred {
                let _ = writeln!(out, "#{name} = {}", AttrDisplay { ctx, attr: *a, aliases: &others });
            }
            others.attr_names.insert(*a, name.clone());
        }
        self.distinct_numbers.replace(others.distinct_numbers.take());
    }

    /// How deep aliased attributes nest inside the definition of `a`: 0 when it holds none.
    fn alias_depth(&self, ctx: &Context, a: Attribute, depths: &mut FxHashMap<Attribute, usize>) -> usize {
        if let Some(d) = depths.get(&a) {
            return *d;
        }
        let depth = nested_attrs(ctx, a)
            .into_iter()
            .map(|i| {
                let d = self.alias_depth(ctx, i, depths);
                if self.attr_names.contains_key(&i) {
                    d + 1
                } else {
                    d
                }
            })
            .max()
            .unwrap_or(0);
        depths.insert(a, depth);
        depth
    }
}

/// `dialect.mnemonic<...>` → `dialect_mnemonic`.
fn alias_base(text: &str) -> String {
    let head: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '.' || *c == '_').collect();
    head.replace('.', "_")
}

/// What printing showed, in the order it showed it: ops (as they begin) and block arguments'
/// locations.
#[derive(Default)]
struct Printed(Vec<Shown>);

enum Shown {
    Op(OpId),
    ArgLoc(Value),
}

/// The attributes printed inside `a`'s text (an array's items, a location's parts).
fn nested_attrs(ctx: &Context, a: Attribute) -> Vec<Attribute> {
    match ctx.attr_kind(a) {
        AttrKind::Array(items) => items.clone(),
        AttrKind::Dictionary(entries) => entries.iter().map(|e| e.value).collect(),
        AttrKind::Distinct { referenced, .. } => vec![*referenced],
        AttrKind::Location(LocKind::Name { child, .. }) => child.iter().copied().collect(),
        AttrKind::Location(LocKind::CallSite { callee, caller }) => vec![*callee, *caller],
        AttrKind::Location(LocKind::Fused { locs, metadata }) => locs.iter().chain(metadata).copied().collect(),
        _ => Vec::new(),
    }
}

/// What printing will show, counted in the order it is first visited.
#[derive(Default)]
struct AliasCounter {
    attr_counts: FxHashMap<Attribute, usize>,
    attr_order: Vec<Attribute>,
    type_counts: FxHashMap<Type, usize>,
    type_order: Vec<Type>,
    /// Attributes reached from somewhere other than an operation's location: their aliases
    /// are defined before the top-level op, the others after it.
    upfront: FxHashSet<Attribute>,
    /// Whether locations are printed, and so visited.
    debug_info: bool,
}

impl AliasCounter {
    /// One op: its location (when printed) first, then its attributes and types, and its
    /// blocks' argument types.
    fn op(&mut self, ctx: &Context, ir: &Ir, op: OpId) {
        let o = ir.op(op);
        if self.debug_info {
            self.attr_in(ctx, ctx.loc_attr(o.loc()), true);
        }
        // In name order, so alias numbering does not depend on interning order.
        let mut attrs = o.attrs().to_vec();
        attrs.sort_by(|a, b| ctx.ident_str(a.name).cmp(ctx.ident_str(b.name)));
        for a in attrs {
            self.attr(ctx, a.value);
        }
        if let Some(p) = o.properties() {
            self.attr(ctx, p);
        }
        for v in o.results() {
            self.ty(ctx, ir.value_type(*v));
        }
        for &v in o.operands() {
            self.ty(ctx, ir.value_type(v));
        }
        for &r in o.regions() {
            for &b in ir.region(r).blocks() {
                for &a in ir.block(b).args() {
                    self.ty(ctx, ir.value_type(a));
                }
            }
        }
    }

    fn attr(&mut self, ctx: &Context, a: Attribute) {
        self.attr_in(ctx, a, false);
    }

    /// Counts `a` and, the first time, what it holds; `deferrable` when an op's location is
    /// what reaches it.
    fn attr_in(&mut self, ctx: &Context, a: Attribute, deferrable: bool) {
        let c = self.attr_counts.entry(a).or_insert(0);
        *c += 1;
        if *c > 1 {
            if !deferrable {
                self.keep_upfront(ctx, a);
            }
            return;
        }
        self.attr_order.push(a);
        if !deferrable {
            self.upfront.insert(a);
        }
        if let AttrKind::Type(t) = ctx.attr_kind(a) {
            self.ty(ctx, *t);
        }
        for inner in nested_attrs(ctx, a) {
            self.attr_in(ctx, inner, deferrable);
        }
    }

    /// Marks `a` and what it holds as defined before the top-level op.
    fn keep_upfront(&mut self, ctx: &Context, a: Attribute) {
        if self.upfront.insert(a) {
            for inner in nested_attrs(ctx, a) {
                self.keep_upfront(ctx, inner);
            }
        }
    }

    fn ty(&mut self, ctx: &Context, t: Type) {
        let c = self.type_counts.entry(t).or_insert(0);
        *c += 1;
        if *c > 1 {
            return;
        }
        self.type_order.push(t);
        match ctx.type_kind(t) {
            TypeKind::Function { inputs, results } => inputs.iter().chain(results).for_each(|t| self.ty(ctx, *t)),
            TypeKind::Tuple(items) => items.iter().for_each(|t| self.ty(ctx, *t)),
            TypeKind::MemRef { layout: Some(l), .. } => self.attr(ctx, *l),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------- value names
/// SSA names: `%argN` for entry block arguments, numbers or op-chosen names otherwise, given
/// as MLIR 22 gives them, so that what we print is what mlir-opt prints: a region's values are
/// all named before the regions nested in it, each of which continues from its parent's
/// counters (siblings reuse the same numbers); an op-chosen name already taken in the region
/// or its ancestors gets the next free `_N` suffix. Isolated-from-above ops are no exception
/// (a module's functions start from zero because the module's region defines no values).
#[derive(Default)]
struct Names {
    values: FxHashMap<Value, String>,
    blocks: FxHashMap<BlockId, String>,
    /// Whether ops choose their results' names (`%c0`, `%cst`): not in generic form, where
    /// mlir-opt numbers every result.
    op_chosen: bool,
}

/// The counters a region continues from.
#[derive(Clone, Copy, Default)]
struct Counters {
    next_value: usize,
    next_arg: usize,
    next_conflict: usize,
}

/// Op-chosen names in use: one set per open region, innermost last.
struct UsedNames {
    scopes: Vec<FxHashSet<String>>,
}

impl UsedNames {
    fn contains(&self, name: &str) -> bool {
        self.scopes.iter().any(|names| names.contains(name))
    }
}

impl Names {
    /// Names everything under `root`.
    fn name_isolated(&mut self, ctx: &Context, ir: &Ir, root: OpId) {
        let mut used = UsedNames { scopes: vec![FxHashSet::default()] };
        let mut c = Counters::default();
        self.name_results(ctx, ir, root, &mut c, &mut used);
        // Regions left to name, with the counters they start from and how many scopes of
        // `used` are theirs to see.
        let mut work: Vec<(RegionId, Counters, usize)> = ir.op(root).regions().iter().map(|r| (*r, c, 1)).collect();
        work.reverse();
        while let Some((r, start, depth)) = work.pop() {
            used.scopes.truncate(depth);
            used.scopes.push(FxHashSet::default());
            let mut c = start;
            for (bi, &b) in ir.region(r).blocks().iter().enumerate() {
                self.blocks.insert(b, format!("bb{bi}"));
                for &a in ir.block(b).args() {
                    let name = if bi == 0 {
                        c.next_arg += 1;
                        format!("arg{}", c.next_arg - 1)
                    } else {
                        c.next_value += 1;
                        (c.next_value - 1).to_string()
                    };
                    self.values.insert(a, name);
                }
                for op in ir.block_ops(b) {
                    self.name_results(ctx, ir, op, &mut c, &mut used);
                }
            }
            let depth = used.scopes.len();
            let mut nested = Vec::new();
            for b in ir.region(r).blocks() {
                for op in ir.block_ops(*b) {
                    nested.extend(ir.op(op).regions().iter().map(|r| (*r, c, depth)));
                }
            }
            work.extend(nested.into_iter().rev());
        }
    }

    fn name_results(&mut self, ctx: &Context, ir: &Ir, op: OpId, c: &mut Counters, used: &mut UsedNames) {
        let o = ir.op(op);
        if o.results().is_empty() {
            return;
        }
        let def = ctx.op_def(o.name()).filter(|_| self.op_chosen);
        if let Some(def) = def.filter(|d| d.name_result_groups) {
            for (spec, range) in def.results.iter().zip(def.result_group_ranges(o.results().len())) {
                if !range.is_empty() {
                    let name = Names::free_name(spec.name, c, used);
                    self.name_group(&o.results()[range], &name);
                }
            }
            return;
        }
        let chosen = def.and_then(|d| d.result_name).and_then(|f| f(ctx, ir, op));
        let name = match chosen {
            Some(base) => Names::free_name(&base, c, used),
            None => {
                c.next_value += 1;
                (c.next_value - 1).to_string()
            }
        };
        self.name_group(o.results(), &name);
    }

    /// `base`, or the first `base_N` not yet used, claimed in the innermost scope.
    fn free_name(base: &str, c: &mut Counters, used: &mut UsedNames) -> String {
        let mut name = base.to_string();
        while used.contains(&name) {
            name = format!("{base}_{}", c.next_conflict);
            c.next_conflict += 1;
        }
        used.scopes.last_mut().expect("a scope").insert(name.clone());
        name
    }

    /// Names `results` as one group: `%name`, or `%name#i` for several.
    fn name_group(&mut self, results: &[Value], name: &str) {
        if let [r] = results {
            self.values.insert(*r, name.to_string());
        } else {
            for (i, r) in results.iter().enumerate() {
                self.values.insert(*r, format!("{name}#{i}"));
            }
        }
    }
}

// ---------------------------------------------------------------------- op printer
/// Prints operations; custom printers use its public methods.
pub struct OpPrinter<'c, 'o> {
    pub ctx: &'c Context,
    pub ir: &'c Ir,
    opts: &'c PrintOptions,
    aliases: &'c Aliases,
    out: &'o mut String,
    names: Names,
    indent: usize,
    default_dialects: Vec<Option<&'static str>>,
}

impl<'c, 'o> OpPrinter<'c, 'o> {
    fn new(ctx: &'c Context, ir: &'c Ir, opts: &'c PrintOptions, aliases: &'c Aliases, out: &'o mut String) -> Self {
        let names = Names { op_chosen: !opts.generic, ..Names::default() };
        OpPrinter { ctx, ir, opts, aliases, out, names, indent: 0, default_dialects: Vec::new() }
    }

    pub fn write(&mut self, s: &str) -> fmt::Result {
        self.out.push_str(s);
        Ok(())
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push(' ');
        }
    }

    /// Starts a new line at the current indentation plus `extra` spaces (for custom printers
    /// that spread an op over several lines).
    pub fn print_newline(&mut self, extra: usize) -> fmt::Result {
        self.newline();
        for _ in 0..extra {
            self.out.push(' ');
        }
        Ok(())
    }

    /// `%name` of a value (`%<<UNKNOWN>>` for one defined outside what is printed).
    pub fn print_value(&mut self, v: Value) -> fmt::Result {
        match self.names.values.get(&v) {
            Some(n) => write!(self.out, "%{n}"),
            None => self.write("%<<UNKNOWN SSA VALUE>>"),
        }
    }

    pub fn print_value_list(&mut self, values: &[Value]) -> fmt::Result {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.write(", ")?;
            }
            self.print_value(*v)?;
        }
        Ok(())
    }

    pub fn print_type(&mut self, t: Type) -> fmt::Result {
        write!(self.out, "{}", TypeDisplay { ctx: self.ctx, ty: t, aliases: self.aliases })
    }

    pub fn print_type_list(&mut self, types: &[Type]) -> fmt::Result {
        for (i, t) in types.iter().enumerate() {
            if i > 0 {
                self.write(", ")?;
            }
            self.print_type(*t)?;
        }
        Ok(())
    }

    /// Results of a function type: a lone non-function type bare, otherwise parenthesized.
    pub fn print_function_results(&mut self, results: &[Type]) -> fmt::Result {
        match results {
            [t] if !matches!(self.ctx.type_kind(*t), TypeKind::Function { .. }) => self.print_type(*t),
            _ => {
                self.write("(")?;
                self.print_type_list(results)?;
                self.write(")")
            }
        }
    }

    pub fn print_attr(&mut self, a: Attribute) -> fmt::Result {
        write!(self.out, "{}", AttrDisplay { ctx: self.ctx, attr: a, aliases: self.aliases })
    }

    /// Prints an attribute without its trailing `: type`, as MLIR's `printAttributeWithoutType`
    /// (for attributes whose type the op implies, such as a `memref.global`'s contents).
    pub fn print_attr_without_type(&mut self, a: Attribute) -> fmt::Result {
        let start = self.out.len();
        self.print_attr(a)?;
        let ty = match self.ctx.attr_kind(a) {
            AttrKind::DenseElements { ty, .. } | AttrKind::DenseResource { ty, .. } | AttrKind::Sparse { ty, .. } => {
                Some(*ty)
            }
            AttrKind::Integer { ty, .. } | AttrKind::Float { ty, .. } | AttrKind::WideFloat { ty, .. } => Some(*ty),
            _ => None,
        };
        if let Some(ty) = ty {
            let suffix = format!(" : {}", self.ctx.type_to_string(ty));
            if self.out[start..].ends_with(&suffix) {
                self.out.truncate(self.out.len() - suffix.len());
            }
        }
        Ok(())
    }

    pub fn print_block_ref(&mut self, b: BlockId) -> fmt::Result {
        match self.names.blocks.get(&b) {
            Some(n) => write!(self.out, "^{n}"),
            None => self.write("^INVALIDBLOCK"),
        }
    }

    /// ` {a = 1, b}` without the names in `elided`; with `keyword`, ` attributes {...}`.
    pub fn print_attr_dict(&mut self, op: OpId, elided: &[&str], keyword: bool) -> fmt::Result {
        let ctx = self.ctx;
        let attrs: Vec<_> =
            self.ir.op(op).attrs().iter().filter(|a| !elided.contains(&ctx.ident_str(a.name))).copied().collect();
        if attrs.is_empty() {
            return Ok(());
        }
        self.write(if keyword { " attributes {" } else { " {" })?;
        self.print_named_attrs(&attrs)?;
        self.write("}")
    }

    fn print_named_attrs(&mut self, attrs: &[crate::NamedAttr]) -> fmt::Result {
        // Sorted by name, as MLIR's dictionaries are.
        let mut attrs = attrs.to_vec();
        attrs.sort_by(|a, b| self.ctx.ident_str(a.name).cmp(self.ctx.ident_str(b.name)));
        for (i, a) in attrs.iter().enumerate() {
            if i > 0 {
                self.write(", ")?;
            }
            write_attr_name(self.out, self.ctx.ident_str(a.name));
            if !matches!(self.ctx.attr_kind(a.value), AttrKind::Unit) {
                self.write(" = ")?;
                self.print_attr(a.value)?;
            }
        }
        Ok(())
    }

    /// Prints one operation with its results and trailing location.
    pub fn print_op(&mut self, op: OpId) -> fmt::Result {
        let o = self.ir.op(op);
        let results = o.results();
        if !results.is_empty() {
            // Consecutive results named alike form a group: `%a, %b:2 = `. (No allocation:
            // this runs for every op printed.)
            let base = |r: &Value| -> (&str, bool) {
                let name = self.names.values.get(r).map(String::as_str).unwrap_or_default();
                name.split_once('#').map_or((name, false), |(b, _)| (b, true))
            };
            let mut start = 0;
            while start < results.len() {
                let (name, numbered) = base(&results[start]);
                let end = start + 1 + results[start + 1..].iter().take_while(|r| base(r).0 == name).count();
                if start > 0 {
                    self.out.push_str(", ");
                }
                write!(self.out, "%{name}")?;
                if numbered {
                    write!(self.out, ":{}", end - start)?;
                }
                start = end;
            }
            self.write(" = ")?;
        }
        self.print_op_without_results(op)
    }

    /// Prints an operation without its results (`vector.mask`'s region shows its one op so,
    /// as upstream does), with its trailing location. (mlir-opt leaves that location out
    /// there, and so loses it; it reads it back when written.)
    pub fn print_op_without_results(&mut self, op: OpId) -> fmt::Result {
        self.print_custom_or_generic_op(op)?;
        self.print_trailing_loc(self.ir.op(op).loc())
    }

    /// An operation without its results or location (MLIR's `printCustomOrGenericOp`).
    fn print_custom_or_generic_op(&mut self, op: OpId) -> fmt::Result {
        if let Some(printed) = self.aliases.noted.borrow_mut().as_mut() {
            printed.0.push(Shown::Op(op));
        }
        let ctx = self.ctx;
        let o = self.ir.op(op);
        let def = ctx.op_def(o.name()).cloned();
        match def {
            // An op without the operands or regions it declares (IR printed before it was
            // verified) prints in generic form, as mlir-opt prints ops that fail to verify.
            Some(def) if !self.opts.generic && def.has_custom_syntax() && def.fits_counts(ctx, self.ir, op) => {
                let full = def.name;
                // As in MLIR, the prefix is left out only for ops of the default dialect, which
                // is `builtin` until an op such as `func.func` names another.
                let default = self.default_dialects.last().copied().unwrap_or(Some("builtin"));
                let shown = match (default, full.split_once('.')) {
                    (Some(d), Some((dialect, short))) if d == dialect => short,
                    _ => full,
                };
                self.write(shown)?;
                // An op in custom form names its regions' default dialect (none unless it
                // says); one in generic form leaves its parent's in force (MLIR's parser reads
                // them so).
                self.default_dialects.push(def.default_dialect);
                let r = match (&def.custom_print, &def.format) {
                    (Some(hook), _) => hook(self, op),
                    (None, Some(format)) => format.print(self, op, &def),
                    (None, None) => unreachable!(),
                };
                self.default_dialects.pop();
                r?;
            }
            _ => self.print_generic(op)?,
        }
        Ok(())
    }

    /// ` loc(...)` after an op, as its alias where it has one.
    fn print_trailing_loc(&mut self, loc: Location) -> fmt::Result {
        self.print_loc(loc, true)
    }

    /// ` loc(...)` after a block argument, written out (the locations inside it as aliases).
    fn print_arg_loc(&mut self, arg: Value, loc: Location) -> fmt::Result {
        if let Some(printed) = self.aliases.noted.borrow_mut().as_mut() {
            printed.0.push(Shown::ArgLoc(arg));
        }
        self.print_loc(loc, false)
    }

    fn print_loc(&mut self, loc: Location, aliased: bool) -> fmt::Result {
        if self.opts.debug_info {
            self.write(" ")?;
            write!(self.out, "{}", LocDisplay { ctx: self.ctx, loc, aliases: self.aliases, wrapped: true, aliased })?;
        }
        Ok(())
    }

    fn print_generic(&mut self, op: OpId) -> fmt::Result {
        let ctx = self.ctx;
        let o = self.ir.op(op);
        write!(self.out, "\"{}\"(", escape(ctx.ident_str(o.name())))?;
        let operands = o.operands().to_vec();
        self.print_value_list(&operands)?;
        self.write(")")?;
        let o = self.ir.op(op);
        if !o.successors().is_empty() {
            self.write("[")?;
            for (i, s) in o.successors().to_vec().into_iter().enumerate() {
                if i > 0 {
                    self.write(", ")?;
                }
                self.print_block_ref(s)?;
            }
            self.write("]")?;
        }
        let def = ctx.op_def(o.name()).cloned();
        let (inherent, discardable): (Vec<_>, Vec<_>) = match &def {
            Some(d) => o.attrs().iter().partition(|a| d.is_inherent_attr(ctx.ident_str(a.name))),
            None => (Vec::new(), o.attrs().iter().collect()),
        };
        if !inherent.is_empty() {
            self.write(" <{")?;
            let inherent: Vec<_> = inherent.into_iter().copied().collect();
            self.print_named_attrs(&inherent)?;
            self.write("}>")?;
        } else if let Some(p) = self.ir.op(op).properties() {
            self.write(" <")?;
            self.print_attr(p)?;
            self.write(">")?;
        }
        let regions = self.ir.op(op).regions().to_vec();
        if !regions.is_empty() {
            // As mlir-opt prints them: ops in the regions of one in generic form keep their
            // dialect's prefix (its parser would read them either way).
            self.default_dialects.push(def.as_ref().and_then(|d| d.default_dialect));
            self.write(" (")?;
            for (i, r) in regions.into_iter().enumerate() {
                if i > 0 {
                    self.write(", ")?;
                }
                self.print_region_impl(r, true, true, None)?;
            }
            self.write(")")?;
            self.default_dialects.pop();
        }
        if !discardable.is_empty() {
            self.write(" {")?;
            let d: Vec<_> = discardable.into_iter().copied().collect();
            self.print_named_attrs(&d)?;
            self.write("}")?;
        }
        let o = self.ir.op(op);
        let inputs: Vec<Type> = o.operands().iter().map(|v| self.ir.value_type(*v)).collect();
        let results: Vec<Type> = o.results().iter().map(|v| self.ir.value_type(*v)).collect();
        self.write(" : (")?;
        self.print_type_list(&inputs)?;
        self.write(") -> ")?;
        self.print_function_results(&results)
    }

    /// Prints a region. With `print_entry_args` false, the entry block's label and arguments
    /// are left out (the op printed them, as a function signature does).
    pub fn print_region(&mut self, r: RegionId, print_entry_args: bool) -> fmt::Result {
        self.print_region_impl(r, print_entry_args, false, None)
    }

    /// Prints a region whose blocks' terminator the op's syntax implies, as MLIR's
    /// `printBlockTerminators = false`: a terminator named `implied` is left out when it
    /// carries nothing (no operands, results, attributes or regions), which the op's parser
    /// puts back ([`crate::OpParser::ensure_terminator`]); `None` prints every terminator.
    pub fn print_region_with(&mut self, r: RegionId, print_entry_args: bool, implied: Option<&str>) -> fmt::Result {
        self.print_region_impl(r, print_entry_args, false, implied)
    }

    /// `print_empty_block` labels an empty entry block (`^bb0:`) so that it survives a
    /// reparse, as the generic form needs.
    fn print_region_impl(
        &mut self,
        r: RegionId,
        print_entry_args: bool,
        print_empty_block: bool,
        implied: Option<&str>,
    ) -> fmt::Result {
        // Regions are where printing recurses; grow the stack here rather than once per op.
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
            self.print_region_body(r, print_entry_args, print_empty_block, implied)
        })
    }

    /// Whether `op` is a terminator named `name` that carries nothing, so that leaving it out
    /// loses nothing: its regions, if any, hold one empty block at most (the one its parser
    /// makes, as `scf.forall.in_parallel`'s).
    fn is_bare_terminator(&self, op: OpId, name: &str) -> bool {
        let o = self.ir.op(op);
        let empty_region = |r: &crate::RegionId| match self.ir.region(*r).blocks() {
            [] => true,
            [b] => self.ir.block(*b).first_op().is_none() && self.ir.block(*b).args().is_empty(),
            _ => false,
        };
        self.ctx.ident_str(o.name()) == name
            && o.operands().is_empty()
            && o.results().is_empty()
            && o.attrs().is_empty()
            && o.properties().is_none()
            && o.regions().iter().all(empty_region)
            && o.successors().is_empty()
    }

    fn print_region_body(
        &mut self,
        r: RegionId,
        print_entry_args: bool,
        print_empty_block: bool,
        implied: Option<&str>,
    ) -> fmt::Result {
        let blocks = self.ir.region(r).blocks().to_vec();
        self.write("{")?;
        self.indent += 2;
        for (i, &b) in blocks.iter().enumerate() {
            let empty = self.ir.block(b).first_op().is_none();
            let show_label =
                i > 0 || (print_entry_args && !self.ir.block(b).args().is_empty()) || (print_empty_block && empty);
            if show_label {
                self.indent -= 2;
                self.newline();
                self.indent += 2;
                self.print_block_ref(b)?;
                let args = self.ir.block(b).args().to_vec();
                if !args.is_empty() {
                    self.write("(")?;
                    for (k, a) in args.into_iter().enumerate() {
                        if k > 0 {
                            self.write(", ")?;
                        }
                        self.print_value(a)?;
                        self.write(": ")?;
                        self.print_type(self.ir.value_type(a))?;
                        if let (true, Some(l)) = (self.opts.debug_info, self.ir.value(a).loc()) {
                            self.print_arg_loc(a, l)?;
                        }
                    }
                    self.write(")")?;
                }
                self.write(":")?;
            }
            let mut ops: Vec<OpId> = self.ir.block_ops(b).collect();
            if implied.is_some_and(|name| ops.last().is_some_and(|t| self.is_bare_terminator(*t, name))) {
                ops.pop();
            }
            for o in ops {
                self.newline();
                self.print_op(o)?;
            }
        }
        self.indent -= 2;
        self.newline();
        self.write("}")
    }

    /// The printed name of a value, for custom printers (`%arg0`).
    pub fn value_name(&self, v: Value) -> String {
        self.names.values.get(&v).map(|n| format!("%{n}")).unwrap_or_default()
    }

    /// Whether locations are printed.
    pub fn debug_info(&self) -> bool {
        self.opts.debug_info
    }

    /// Prints ` loc(...)` for a block argument when locations are printed.
    pub fn print_optional_arg_loc(&mut self, v: Value) -> fmt::Result {
        if let (true, Some(l)) = (self.opts.debug_info, self.ir.value(v).loc()) {
            return self.print_arg_loc(v, l);
        }
        Ok(())
    }

    /// Prints `{a = 1, ...}` for a list of named attributes (nothing when empty).
    pub fn print_attr_list(&mut self, attrs: &[crate::NamedAttr]) -> fmt::Result {
        if attrs.is_empty() {
            return Ok(());
        }
        self.write("{")?;
        self.print_named_attrs(attrs)?;
        self.write("}")
    }
}

/// Writes an attribute name, quoting it when it is not a bare identifier.
fn write_attr_name(out: &mut String, name: &str) {
    let bare = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_$.".contains(c));
    if bare {
        out.push_str(name);
    } else {
        let _ = write!(out, "\"{}\"", escape(name));
    }
}

/// Escapes a string for an MLIR string literal as MLIR does (`llvm::printEscapedString`): a
/// backslash doubled, printable ASCII but `"` as it is, every other byte as two hex digits
/// (`"` is `\22`, a newline `\0A`; non-ASCII UTF-8 byte by byte).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\22"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:02X}");
            }
        }
    }
    out
}

// ---------------------------------------------------------------------- types and attributes
struct TypeDisplay<'a> {
    ctx: &'a Context,
    ty: Type,
    aliases: &'a Aliases,
}

impl fmt::Display for TypeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = self.ctx;
        if let Some(name) = self.aliases.type_names.get(&self.ty) {
            return write!(f, "!{name}");
        }
        let t = |ty: Type| TypeDisplay { ctx, ty, aliases: self.aliases };
        let a = |attr: Attribute| AttrDisplay { ctx, attr, aliases: self.aliases };
        let list = |f: &mut fmt::Formatter<'_>, items: &[Type]| -> fmt::Result {
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", t(*x))?;
            }
            Ok(())
        };
        let dims = |f: &mut fmt::Formatter<'_>, shape: &[i64]| -> fmt::Result {
            for d in shape {
                if *d == DYNAMIC {
                    f.write_str("?x")?;
                } else {
                    write!(f, "{d}x")?;
                }
            }
            Ok(())
        };
        match ctx.type_kind(self.ty) {
            TypeKind::Integer { width, signedness } => {
                let p = match signedness {
                    Signedness::Signless => "i",
                    Signedness::Signed => "si",
                    Signedness::Unsigned => "ui",
                };
                write!(f, "{p}{width}")
            }
            TypeKind::Index => f.write_str("index"),
            TypeKind::Float(k) => f.write_str(k.keyword()),
            TypeKind::None => f.write_str("none"),
            TypeKind::Complex(e) => write!(f, "complex<{}>", t(*e)),
            TypeKind::Tuple(items) => {
                f.write_str("tuple<")?;
                list(f, items)?;
                f.write_str(">")
            }
            TypeKind::Function { inputs, results } => {
                f.write_str("(")?;
                list(f, inputs)?;
                f.write_str(") -> ")?;
                match results.as_slice() {
                    [r] if !matches!(ctx.type_kind(*r), TypeKind::Function { .. }) => write!(f, "{}", t(*r)),
                    _ => {
                        f.write_str("(")?;
                        list(f, results)?;
                        f.write_str(")")
                    }
                }
            }
            TypeKind::RankedTensor { shape, element, encoding } => {
                f.write_str("tensor<")?;
                dims(f, shape)?;
                write!(f, "{}", t(*element))?;
                if let Some(e) = encoding {
                    write!(f, ", {}", a(*e))?;
                }
                f.write_str(">")
            }
            TypeKind::UnrankedTensor { element } => write!(f, "tensor<*x{}>", t(*element)),
            TypeKind::MemRef { shape, element, layout, memory_space } => {
                f.write_str("memref<")?;
                dims(f, shape)?;
                write!(f, "{}", t(*element))?;
                if let Some(l) = layout {
                    write!(f, ", {}", a(*l))?;
                }
                if let Some(m) = memory_space {
                    write!(f, ", {}", MemorySpace(ctx, a(*m)))?;
                }
                f.write_str(">")
            }
            TypeKind::UnrankedMemRef { element, memory_space } => {
                write!(f, "memref<*x{}", t(*element))?;
                if let Some(m) = memory_space {
                    write!(f, ", {}", MemorySpace(ctx, a(*m)))?;
                }
                f.write_str(">")
            }
            TypeKind::Vector { shape, scalable, element } => {
                f.write_str("vector<")?;
                for (d, s) in shape.iter().zip(scalable) {
                    if *s {
                        write!(f, "[{d}]x")?;
                    } else {
                        write!(f, "{d}x")?;
                    }
                }
                write!(f, "{}>", t(*element))
            }
            TypeKind::Opaque { body, .. } => write!(f, "!{body}"),
        }
    }
}

/// A memref memory space: an `i64` integer prints without its type, as in MLIR.
struct MemorySpace<'a>(&'a Context, AttrDisplay<'a>);

impl fmt::Display for MemorySpace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.attr_kind(self.1.attr) {
            AttrKind::Integer { value, ty } if *ty == self.0.i64_type() => write!(f, "{value}"),
            _ => write!(f, "{}", self.1),
        }
    }
}

struct AttrDisplay<'a> {
    ctx: &'a Context,
    attr: Attribute,
    aliases: &'a Aliases,
}

impl AttrDisplay<'_> {
    /// The body of a `dense` literal of type `ty`: a lone value for a splat, else nested lists,
    /// or (where `hex` allows, above the hex limit) the raw storage in hex.
    fn dense_body(&self, f: &mut fmt::Formatter<'_>, ty: Type, elements: &DenseElements, hex: bool) -> fmt::Result {
        let ctx = self.ctx;
        let element = ctx.element_type_or_self(ty);
        match elements {
            DenseElements::Splat(v) => self.scalar(f, v, element),
            DenseElements::Raw(raw)
                if hex && self.aliases.hex_elements_if_larger.is_some_and(|n| listed_count(ctx, ty) > n) =>
            {
                write!(f, "\"{}\"", crate::dense_raw::hex(raw))
            }
            _ => {
                let values = ctx.dense_values(ty, elements).unwrap_or_default();
                if values.is_empty() {
                    return Ok(());
                }
                // Values that do not fill the type (built so through the API; the verifier
                // reports them) print as one list.
                let shape = ctx.shape(ty).filter(|_| values.len() as u64 == listed_count(ctx, ty));
                self.nested(f, &values, shape.unwrap_or(&[values.len() as i64]), element)
            }
        }
    }

    /// Whether elements of type `ty` print elided (`--mlir-elide-elementsattrs-if-larger`).
    /// Splats (interning makes one of values all equal, as MLIR does) never are.
    fn elided(&self, ty: Type, elements: &DenseElements) -> bool {
        !matches!(elements, DenseElements::Splat(_))
            && self.aliases.elide_elements_if_larger.is_some_and(|n| listed_count(self.ctx, ty) > n)
    }

    /// `sparse<indices, values> : ty`, elided when either part would be (as MLIR does).
    fn sparse(&self, f: &mut fmt::Formatter<'_>, ty: Type, indices: Attribute, values: Attribute) -> fmt::Result {
        let ctx = self.ctx;
        let t = TypeDisplay { ctx, ty, aliases: self.aliases };
        let (
            AttrKind::DenseElements { ty: indices_ty, elements: indices },
            AttrKind::DenseElements { ty: values_ty, elements: values },
        ) = (ctx.attr_kind(indices), ctx.attr_kind(values))
        else {
            // Not what the parser builds: shown whole, for a diagnostic to make sense of.
            let a = |attr| AttrDisplay { ctx, attr, aliases: self.aliases };
            return write!(f, "sparse<{}, {}> : {t}", a(indices), a(values));
        };
        if self.elided(*indices_ty, indices) || self.elided(*values_ty, values) {
            return write!(f, "dense_resource<__elided__> : {t}");
        }
        f.write_str("sparse<")?;
        let index_count = listed_count(ctx, *indices_ty);
        let rank = ctx.shape(ty).map_or(0, |s| s.len() as u64);
        if let (DenseElements::Splat(v), true) = (indices, index_count > rank.max(1)) {
            // MLIR writes equal indices as one coordinate, which reads back as one index
            // (upstream then rejects its own output): listed, they read back as written.
            let listed = vec![v.clone(); index_count as usize];
            self.nested(f, &listed, ctx.shape(*indices_ty).unwrap_or(&[]), ctx.i64_type())?;
            f.write_str(", ")?;
            self.dense_body(f, *values_ty, values, true)?;
        } else if index_count != 0 {
            self.dense_body(f, *indices_ty, indices, false)?;
            f.write_str(", ")?;
            self.dense_body(f, *values_ty, values, true)?;
        }
        write!(f, "> : {t}")
    }

    fn scalar(&self, f: &mut fmt::Formatter<'_>, v: &DenseValue, element: Type) -> fmt::Result {
        let ctx = self.ctx;
        match v {
            DenseValue::Int(i) => match ctx.type_kind(element) {
                TypeKind::Integer { width: 1, .. } => f.write_str(if *i != 0 { "true" } else { "false" }),
                TypeKind::Integer { width, signedness: Signedness::Unsigned } => {
                    write!(f, "{}", as_unsigned(*i, *width))
                }
                _ => write!(f, "{i}"),
            },
            DenseValue::Float(bits) => match ctx.type_kind(element) {
                TypeKind::Float(k) => f.write_str(&crate::float::format(f64::from_bits(*bits), *k)),
                _ => f.write_str(&crate::float::format(f64::from_bits(*bits), crate::types::FloatKind::F64)),
            },
            DenseValue::WideFloat(bits) => match ctx.type_kind(element) {
                TypeKind::Float(k) => f.write_str(&crate::float::format_bits(*bits, *k)),
                _ => write!(f, "0x{bits:X}"),
            },
            DenseValue::Complex(parts) => {
                let inner = match ctx.type_kind(element) {
                    TypeKind::Complex(e) => *e,
                    _ => element,
                };
                f.write_str("(")?;
                self.scalar(f, &parts.0, inner)?;
                f.write_str(",")?;
                self.scalar(f, &parts.1, inner)?;
                f.write_str(")")
            }
            DenseValue::Str(s) => write!(f, "\"{}\"", escape(s)),
        }
    }

    fn nested(&self, f: &mut fmt::Formatter<'_>, values: &[DenseValue], shape: &[i64], element: Type) -> fmt::Result {
        match shape {
            [] => self.scalar(f, &values[0], element),
            [n, rest @ ..] => {
                let stride: i64 = rest.iter().product();
                f.write_str("[")?;
                for i in 0..*n {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    let s = (i * stride) as usize;
                    self.nested(f, &values[s..s + stride as usize], rest, element)?;
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for AttrDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = self.ctx;
        if let Some(name) = self.aliases.attr_names.get(&self.attr) {
            return write!(f, "#{name}");
        }
        let t = |ty: Type| TypeDisplay { ctx, ty, aliases: self.aliases };
        let a = |attr: Attribute| AttrDisplay { ctx, attr, aliases: self.aliases };
        match ctx.attr_kind(self.attr) {
            AttrKind::Unit => f.write_str("unit"),
            AttrKind::Integer { value, ty } => match ctx.type_kind(*ty) {
                TypeKind::Integer { width: 1, signedness: Signedness::Signless } => {
                    f.write_str(if *value != 0 { "true" } else { "false" })
                }
                TypeKind::Integer { width, signedness: Signedness::Unsigned } => {
                    write!(f, "{} : {}", as_unsigned(*value, *width), t(*ty))
                }
                _ => write!(f, "{value} : {}", t(*ty)),
            },
            AttrKind::Float { bits, ty } => {
                let kind = match ctx.type_kind(*ty) {
                    TypeKind::Float(k) => *k,
                    _ => crate::types::FloatKind::F64,
                };
                write!(f, "{} : {}", crate::float::format(f64::from_bits(*bits), kind), t(*ty))
            }
            AttrKind::WideFloat { bits, ty } => match ctx.type_kind(*ty) {
                TypeKind::Float(kind) => write!(f, "{} : {}", crate::float::format_bits(*bits, *kind), t(*ty)),
                _ => write!(f, "0x{bits:X} : {}", t(*ty)),
            },
            AttrKind::String { value, ty } => {
                write!(f, "\"{}\"", escape(value))?;
                if let Some(ty) = ty {
                    write!(f, " : {}", t(*ty))?;
                }
                Ok(())
            }
            AttrKind::Array(items) => {
                f.write_str("[")?;
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    // Inside arrays MLIR leaves out the default types, i64 and f64.
                    match ctx.attr_kind(*x) {
                        AttrKind::Integer { value, ty } if *ty == ctx.i64_type() => write!(f, "{value}")?,
                        AttrKind::Float { bits, ty } if *ty == ctx.f64_type() => {
                            f.write_str(&crate::float::format(f64::from_bits(*bits), crate::types::FloatKind::F64))?
                        }
                        _ => write!(f, "{}", a(*x))?,
                    }
                }
                f.write_str("]")
            }
            AttrKind::Dictionary(entries) => {
                f.write_str("{")?;
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    let mut name = String::new();
                    write_attr_name(&mut name, ctx.ident_str(e.name));
                    f.write_str(&name)?;
                    if !matches!(ctx.attr_kind(e.value), AttrKind::Unit) {
                        write!(f, " = {}", a(e.value))?;
                    }
                }
                f.write_str("}")
            }
            AttrKind::Type(ty) => write!(f, "{}", t(*ty)),
            AttrKind::SymbolRef { root, nested } => {
                write_symbol(f, root)?;
                for n in nested {
                    f.write_str("::")?;
                    write_symbol(f, n)?;
                }
                Ok(())
            }
            AttrKind::DenseElements { ty, elements } if self.elided(*ty, elements) => {
                write!(f, "dense_resource<__elided__> : {}", t(*ty))
            }
            AttrKind::DenseElements { ty, elements } => {
                f.write_str("dense<")?;
                self.dense_body(f, *ty, elements, true)?;
                write!(f, "> : {}", t(*ty))
            }
            AttrKind::Sparse { ty, indices, values } => self.sparse(f, *ty, *indices, *values),
            AttrKind::DenseResource { ty, handle } => {
                if !self.aliases.used_resources.borrow().contains(handle) {
                    self.aliases.used_resources.borrow_mut().insert(handle.clone());
                }
                write!(f, "dense_resource<{}> : {}", resource_key_text(handle), t(*ty))
            }
            AttrKind::DenseArray { element, values } => {
                write!(f, "array<{}", t(*element))?;
                let n = match values {
                    DenseArrayValues::Int(v) => v.len(),
                    DenseArrayValues::Float(v) => v.len(),
                };
                if n > 0 {
                    f.write_str(": ")?;
                }
                match values {
                    DenseArrayValues::Int(v) => {
                        let is_bool = ctx.int_or_float_width(*element) == Some(1);
                        let items: Vec<String> =
                            v.iter().map(|x| if is_bool { (*x != 0).to_string() } else { x.to_string() }).collect();
                        f.write_str(&items.join(", "))?;
                    }
                    DenseArrayValues::Float(v) => {
                        let kind = match ctx.type_kind(*element) {
                            TypeKind::Float(k) => *k,
                            _ => crate::types::FloatKind::F64,
                        };
                        let items: Vec<String> =
                            v.iter().map(|b| crate::float::format(f64::from_bits(*b), kind)).collect();
                        f.write_str(&items.join(", "))?;
                    }
                }
                f.write_str(">")
            }
            AttrKind::AffineMap(m) => write!(f, "affine_map<{m}>"),
            AttrKind::IntegerSet(set) => write!(f, "affine_set<{set}>"),
            AttrKind::Strided { strides, offset } => {
                let show = |v: i64| if v == DYNAMIC { "?".to_string() } else { v.to_string() };
                let s: Vec<String> = strides.iter().map(|v| show(*v)).collect();
                write!(f, "strided<[{}]", s.join(", "))?;
                if *offset != 0 {
                    write!(f, ", offset: {}", show(*offset))?;
                }
                f.write_str(">")
            }
            AttrKind::Distinct { id, referenced } => {
                let n = {
                    let mut numbers = self.aliases.distinct_numbers.borrow_mut();
                    let next = numbers.len();
                    *numbers.entry(*id).or_insert(next)
                };
                write!(f, "distinct[{n}]<")?;
                if !matches!(ctx.attr_kind(*referenced), AttrKind::Unit) {
                    write!(f, "{}", a(*referenced))?;
                }
                f.write_str(">")
            }
            AttrKind::Location(_) => {
                let loc = ctx.location(self.attr).expect("a location attribute");
                write!(f, "{}", LocDisplay { ctx, loc, aliases: self.aliases, wrapped: true, aliased: false })
            }
            AttrKind::Opaque { text, .. } => write!(f, "#{text}"),
        }
    }
}

/// The number of elements a dense attribute of type `ty` lists.
fn listed_count(ctx: &Context, ty: Type) -> u64 {
    ctx.shape(ty).map_or(0, |s| s.iter().map(|d| (*d).max(0) as u64).product())
}

fn write_symbol(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    // MLIR's suffix-id: digits only, or a letter or `_$.-` followed by those and digits.
    let digits = !name.is_empty() && name.chars().all(|c| c.is_ascii_digit());
    let word = name.starts_with(|c: char| c.is_ascii_alphabetic() || "_$.-".contains(c))
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_$.-".contains(c));
    let bare = digits || word;
    if bare {
        write!(f, "@{name}")
    } else {
        write!(f, "@\"{}\"", escape(name))
    }
}

struct LocDisplay<'a> {
    ctx: &'a Context,
    loc: Location,
    aliases: &'a Aliases,
    wrapped: bool,
    /// Whether the location itself may print as its alias; the locations inside it always
    /// may. MLIR writes a block argument's location out, an op's as its alias.
    aliased: bool,
}

impl fmt::Display for LocDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = self.ctx;
        let inner = |loc: Attribute| LocDisplay {
            ctx,
            loc: ctx.location(loc).unwrap_or_else(|| ctx.unknown_loc()),
            aliases: self.aliases,
            wrapped: false,
            aliased: true,
        };
        if self.wrapped {
            f.write_str("loc(")?;
        }
        let alias = (self.aliased && !self.aliases.attr_names.is_empty())
            .then(|| self.aliases.attr_names.get(&ctx.loc_attr(self.loc)))
            .flatten();
        if let Some(name) = alias {
            write!(f, "#{name}")?;
            return if self.wrapped { f.write_str(")") } else { Ok(()) };
        }
        match &*ctx.loc_kind(self.loc) {
            LocKind::Unknown => f.write_str("unknown")?,
            LocKind::File { file, line, col } => write!(f, "\"{}\":{line}:{col}", escape(ctx.ident_str(*file)))?,
            LocKind::FileRange { file, line, col, end_line, end_col } => {
                write!(f, "\"{}\":{line}:{col} to ", escape(ctx.ident_str(*file)))?;
                if end_line != line {
                    write!(f, "{end_line}")?;
                }
                write!(f, ":{end_col}")?
            }
            LocKind::Name { name, child } => {
                write!(f, "\"{}\"", escape(name))?;
                if let Some(c) = child {
                    write!(f, "({})", inner(*c))?;
                }
            }
            LocKind::CallSite { callee, caller } => write!(f, "callsite({} at {})", inner(*callee), inner(*caller))?,
            LocKind::Fused { locs, metadata } => {
                f.write_str("fused")?;
                if let Some(m) = metadata {
                    write!(f, "<{}>", AttrDisplay { ctx, attr: *m, aliases: self.aliases })?;
                }
                f.write_str("[")?;
                for (i, l) in locs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", inner(*l))?;
                }
                f.write_str("]")?;
            }
            LocKind::Deferred(name) => write!(f, "#{name}")?,
        }
        if self.wrapped {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// `loc(...)` text of a location.
pub fn loc_to_string(ctx: &Context, loc: Location) -> String {
    LocDisplay { ctx, loc, aliases: &Aliases::default(), wrapped: true, aliased: false }.to_string()
}

impl Context {
    /// The text of a type.
    pub fn type_to_string(&self, t: Type) -> String {
        TypeDisplay { ctx: self, ty: t, aliases: &Aliases::default() }.to_string()
    }
    /// The text of an attribute.
    pub fn attr_to_string(&self, a: Attribute) -> String {
        AttrDisplay { ctx: self, attr: a, aliases: &Aliases::default() }.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OpState;

    /// A module of one unregistered op per attribute.
    fn module(ctx: &Context, attrs: &[Attribute], resources: Vec<[String; 4]>) -> Module {
        let mut ir = Ir::new();
        let root = ir.create_op(OpState::new(ctx, "builtin.module", ctx.unknown_loc()).regions(1));
        let block = ir.create_block(&[]);
        ir.append_block(ir.op(root).regions()[0], block);
        for a in attrs {
            let op = ir.create_op(OpState::new(ctx, "t.op", ctx.unknown_loc()).attr(ctx, "v", *a));
            ir.insert_op(op, crate::InsertPoint::BlockEnd(block));
        }
        Module { ir, root, resources }
    }

    #[test]
    fn the_section_lists_the_blobs_used_in_first_use_order_then_text_entries() {
        let ctx = Context::new();
        let ty = ctx.parse_type("tensor<2xi16>").unwrap();
        let w = ctx.dense_resource_attr("w", ty, vec![0x01, 0x00, 0xAB, 0xCD]).unwrap();
        let q = ctx.dense_resource_attr("two words", ty, vec![0xFF; 4]).unwrap();
        // In the context but used by nothing printed: left out.
        ctx.dense_resource_attr("unused", ty, vec![0; 4]).unwrap();
        let elided = ctx.intern_attr(AttrKind::DenseResource { ty, handle: crate::resources::ELIDED_KEY.into() });
        let nested =
            ctx.array_attr(vec![ctx.dictionary_attr(vec![crate::NamedAttr { name: ctx.ident("k"), value: q }])]);
        let reproducer = ["external_resources", "mlir_reproducer", "pipeline", "\"builtin.module(cse)\""];
        let m = module(&ctx, &[nested, w, elided, w], vec![reproducer.map(String::from)]);
        let printed = print_module(&ctx, &m, &PrintOptions::default());
        assert!(printed.contains(r#"{v = [{k = dense_resource<"two words"> : tensor<2xi16>}]}"#), "{printed}");
        assert!(printed.contains("{v = dense_resource<__elided__> : tensor<2xi16>}"), "{printed}");
        let section = r#"
{-#
  dialect_resources: {
    builtin: {
      "two words": "0x02000000FFFFFFFF",
      w: "0x020000000100ABCD"
    }
  },
  external_resources: {
    mlir_reproducer: {
      pipeline: "builtin.module(cse)"
    }
  }
#-}
"#;
        assert!(printed.ends_with(section), "{printed}");
        // Nothing used, nothing listed: no section at all.
        assert!(!print_module(&ctx, &module(&ctx, &[elided], Vec::new()), &PrintOptions::default()).contains("{-#"));
        // One op printed alone lists the blobs it uses, so that it parses alone.
        let op = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).nth(1).unwrap();
        let alone = print_op_with_blobs(&ctx, &m.ir, op, &PrintOptions::default());
        assert!(alone.ends_with("    builtin: {\n      w: \"0x020000000100ABCD\"\n    }\n  }\n#-}\n"), "{alone}");
        let opts = crate::ParseOptions { allow_unregistered: true, ..Default::default() };
        crate::parse_source(&ctx, "alone.mlir", &alone, &opts).unwrap();
    }

    #[test]
    fn resource_keys_print_bare_only_when_they_are_keywords() {
        for (key, text) in
            [("w", "w"), ("_x.y$1", "_x.y$1"), ("1w", "\"1w\""), ("a-b", "\"a-b\""), ("q\"", "\"q\\22\"")]
        {
            assert_eq!(resource_key_text(key), text);
        }
    }
}
