//! The DOT text of one function: ops as boxes labelled with what they compute, block
//! arguments as ellipses, values as edges labelled with their types, nested regions as
//! clusters. `view-op-graph` prints it as is; `egraph-opt`'s `--egraph-dot` adds costs and
//! colours through [`Annotation`]s.
//!
//! Labels are plain (never `record` or HTML), so the only characters DOT reads in them are `"`
//! and `\` (`\N`, `\l` and friends are escapes): both are escaped, and line breaks or other
//! control characters in names become spaces. `{`, `}`, `|`, `<` and `>` are ordinary text.

use std::fmt::Write;

use rustc_hash::FxHashMap;
use strata_ir::printer::loc_to_string;
use strata_ir::{AttrKind, Attribute, BlockId, Context, DenseElements, Ir, LocKind, Location, OpId, RegionId, Trait};
use strata_ir::{Type, Value, ValueDef};

/// Which op locations the labels show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locations {
    /// None at all.
    None,
    /// Names only (`loc("conv1")`, as ONNX node names arrive), not file positions.
    Names,
    /// Every location that is not `unknown`, as its text.
    All,
}

impl Locations {
    /// The option words, default first.
    pub const WORDS: &'static [&'static str] = &["names", "all", "none"];

    pub fn parse(word: &str) -> Option<Locations> {
        Some(match word {
            "names" => Locations::Names,
            "all" => Locations::All,
            "none" => Locations::None,
            _ => return None,
        })
    }
}

/// What the graph shows.
#[derive(Clone, Debug)]
pub struct GraphOptions {
    /// The longest type, attribute value or location text in a label (0: no limit); longer
    /// ones are cut to end in `...`, and lists of fused ops wrap at this width.
    pub max_label_len: usize,
    /// Every attribute, not only `layout` and `algorithm` (and a relayout's `from`/`to`).
    pub print_attrs: bool,
    /// Edges from each value's definition to its users, labelled with its type.
    pub data_flow_edges: bool,
    /// Dashed edges from each op to the next in its block, and from a branch to its targets.
    pub control_flow_edges: bool,
    /// Constant-like ops as small nodes; without them, they and their edges are left out.
    pub constants: bool,
    pub locations: Locations,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            max_label_len: 40,
            print_attrs: false,
            data_flow_edges: true,
            control_flow_edges: false,
            constants: true,
            locations: Locations::Names,
        }
    }
}

/// What a caller adds to an op's node.
#[derive(Clone, Debug, Default)]
pub struct Annotation {
    /// More label lines, after the op's own.
    pub lines: Vec<String>,
    /// A Graphviz colour name to fill the node with.
    pub fill: Option<&'static str>,
}

/// Attributes every label shows (string attributes only): what the graph optimizer chooses.
const KEY_ATTRS: &[&str] = &["layout", "algorithm", "from", "to"];

/// The `digraph` of `func`: its regions at the top level, titled with its symbol name (or its
/// op name) and the `title` lines. `annotate` adds to each op's node.
pub fn function_graph(
    ctx: &Context,
    ir: &Ir,
    func: OpId,
    opts: &GraphOptions,
    title: &[String],
    annotate: &dyn Fn(OpId) -> Annotation,
) -> String {
    let op = ir.op(func);
    let name = match op.attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)) {
        Some(sym) => format!("@{sym}"),
        None => ctx.ident_str(op.name()).to_string(),
    };
    let mut w = Writer {
        ctx,
        ir,
        opts,
        annotate,
        out: String::new(),
        ops: FxHashMap::default(),
        args: FxHashMap::default(),
        block_entries: FxHashMap::default(),
        drawn: Vec::new(),
        flow: Vec::new(),
        nodes: 0,
        clusters: 0,
        omitted: 0,
    };
    let _ = writeln!(w.out, "digraph \"{}\" {{", escape(&name));
    w.out.push_str(concat!(
        "  graph [rankdir=TB, nodesep=0.2, ranksep=0.3, fontname=\"Helvetica\", fontsize=10, labelloc=t];\n",
        "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10, ",
        "margin=\"0.08,0.03\", height=0.3];\n",
        "  edge [fontname=\"Helvetica\", fontsize=8, color=gray40, arrowsize=0.6];\n",
    ));
    let regions = op.regions();
    for (i, r) in regions.iter().enumerate() {
        w.region_in_cluster(*r, (regions.len() > 1).then(|| format!("region #{i}")), true, 1);
    }
    w.edges();
    let mut label = vec![name];
    label.extend(title.iter().cloned());
    if w.omitted > 0 {
        label.push(format!("{} constants not drawn", w.omitted));
    }
    let _ = writeln!(w.out, "  label=\"{}\";", join_lines(&label));
    w.out.push_str("}\n");
    w.out
}

struct Writer<'a> {
    ctx: &'a Context,
    ir: &'a Ir,
    opts: &'a GraphOptions,
    annotate: &'a dyn Fn(OpId) -> Annotation,
    out: String,
    /// The node of each drawn op and block argument.
    ops: FxHashMap<OpId, usize>,
    args: FxHashMap<Value, usize>,
    /// The first node of each drawn block (where branches to it point).
    block_entries: FxHashMap<BlockId, usize>,
    /// Drawn ops in the order drawn: their operands become the edges.
    drawn: Vec<OpId>,
    /// Control-flow edges.
    flow: Vec<(usize, usize)>,
    nodes: usize,
    clusters: usize,
    omitted: usize,
}

impl Writer<'_> {
    fn new_node(&mut self) -> usize {
        self.nodes += 1;
        self.nodes - 1
    }

    /// Opens `subgraph cluster_N` labelled `label` at `depth`; returns the depth inside it.
    fn open_cluster(&mut self, label: &str, depth: usize) -> usize {
        let pad = "  ".repeat(depth);
        let _ = writeln!(self.out, "{pad}subgraph cluster_{} {{", self.clusters);
        let _ = writeln!(self.out, "{pad}  label=\"{}\"; style=\"rounded,dashed\"; color=gray50;", escape(label));
        self.clusters += 1;
        depth + 1
    }

    fn close_cluster(&mut self, depth: usize) {
        let _ = writeln!(self.out, "{}}}", "  ".repeat(depth - 1));
    }

    /// Draws `region`, in a cluster labelled `cluster` if given; its blocks in clusters of
    /// their own when it has several.
    fn region_in_cluster(&mut self, region: RegionId, cluster: Option<String>, function_body: bool, depth: usize) {
        let inner = match &cluster {
            Some(label) => self.open_cluster(label, depth),
            None => depth,
        };
        let ir = self.ir;
        let blocks = ir.region(region).blocks();
        for (k, b) in blocks.iter().enumerate() {
            if blocks.len() > 1 {
                let d = self.open_cluster(&format!("^bb{k}"), inner);
                self.block(*b, function_body && k == 0, d);
                self.close_cluster(d);
            } else {
                self.block(*b, function_body, inner);
            }
        }
        if cluster.is_some() {
            self.close_cluster(inner);
        }
    }

    fn block(&mut self, block: BlockId, function_entry: bool, depth: usize) {
        let (pad, ir) = ("  ".repeat(depth), self.ir);
        let mut previous = None;
        for (i, a) in ir.block(block).args().iter().enumerate() {
            let id = self.new_node();
            let mut lines = vec![if function_entry { format!("%arg{i}") } else { format!("arg #{i}") }];
            lines.push(self.type_text(self.ir.value_type(*a)));
            if let Some(loc) = self.ir.value(*a).loc().and_then(|l| self.location(l)) {
                lines.push(loc);
            }
            let _ = writeln!(self.out, "{pad}n{id} [label=\"{}\", shape=ellipse, style=filled];", join_lines(&lines));
            self.args.insert(*a, id);
            self.block_entries.entry(block).or_insert(id);
        }
        for op in ir.block_ops(block) {
            let Some(id) = self.op(op, depth) else { continue };
            self.block_entries.entry(block).or_insert(id);
            if let Some(p) = previous {
                self.flow.push((p, id));
            }
            previous = Some(id);
        }
    }

    fn has_trait(&self, op: OpId, t: Trait) -> bool {
        self.ctx.op_def(self.ir.op(op).name()).is_some_and(|d| d.has_trait(t))
    }

    /// Draws `op` (and, unless it is a kernel whose body its label sums up, its regions in a
    /// cluster with it); `None` for an omitted constant.
    fn op(&mut self, op: OpId, depth: usize) -> Option<usize> {
        let constant = self.has_trait(op, Trait::ConstantLike);
        if constant && !self.opts.constants {
            self.omitted += 1;
            return None;
        }
        let (ctx, ir) = (self.ctx, self.ir);
        let o = ir.op(op);
        let name = ctx.ident_str(o.name());
        let nested = !is_kernel(name) && o.regions().iter().any(|r| !ir.region(*r).blocks().is_empty());
        let inner = if nested { self.open_cluster(name, depth) } else { depth };
        let id = self.new_node();
        let annotation = (self.annotate)(op);
        let mut lines = self.label(op);
        lines.extend(annotation.lines);
        let mut attrs = format!("label=\"{}\"", join_lines(&lines));
        if constant {
            attrs.push_str(", shape=plaintext, fontsize=8");
        }
        if let Some(fill) = annotation.fill {
            let _ = write!(attrs, ", fillcolor=\"{}\"", escape(fill));
        }
        let _ = writeln!(self.out, "{}n{id} [{attrs}];", "  ".repeat(inner));
        self.ops.insert(op, id);
        self.drawn.push(op);
        if nested {
            let regions = o.regions();
            for (i, r) in regions.iter().enumerate() {
                self.region_in_cluster(*r, (regions.len() > 1).then(|| format!("region #{i}")), false, inner);
            }
            self.close_cluster(inner);
        }
        Some(id)
    }

    /// The op's own label lines: name, result types, chosen attributes, fused ops, location.
    fn label(&self, op: OpId) -> Vec<String> {
        let (ctx, o) = (self.ctx, self.ir.op(op));
        let name = ctx.ident_str(o.name());
        let mut lines = vec![name.to_string()];
        if !o.results().is_empty() {
            let types: Vec<String> = o.results().iter().map(|r| self.type_text(self.ir.value_type(*r))).collect();
            lines.push(types.join(", "));
        }
        let key: Vec<String> = KEY_ATTRS
            .iter()
            .filter_map(|k| {
                let value = o.attr(ctx.ident(k)).and_then(|a| ctx.attr_as_str(a))?;
                Some(format!("{k}={}", self.cut(value)))
            })
            .collect();
        if !key.is_empty() {
            lines.push(key.join(" "));
        }
        if self.opts.print_attrs {
            // By name: the op's own order is that of interning, which depends on what was read before.
            let mut rest: Vec<(&str, Attribute)> = o
                .attrs()
                .iter()
                .map(|a| (ctx.ident_str(a.name), a.value))
                .filter(|(n, v)| {
                    !(KEY_ATTRS.contains(n) && ctx.attr_as_str(*v).is_some()) && *n != "operandSegmentSizes"
                })
                .collect();
            rest.sort_by_key(|(n, _)| *n);
            for (attr_name, value) in rest {
                lines.push(format!("{attr_name}={}", self.cut(&attr_text(ctx, value))));
            }
        }
        if is_kernel(name) {
            lines.extend(wrap("fuses: ", &self.body_ops(op), self.opts.max_label_len));
        }
        if let Some(loc) = self.location(o.loc()) {
            lines.push(loc);
        }
        lines
    }

    /// The ops in a kernel's body, by name without their dialect, leaving out constants and
    /// terminators (they compute nothing of the kernel's own).
    fn body_ops(&self, kernel: OpId) -> Vec<String> {
        let mut names = Vec::new();
        for op in self.ir.collect_ops(kernel).into_iter().skip(1) {
            if self.has_trait(op, Trait::ConstantLike) || self.has_trait(op, Trait::Terminator) {
                continue;
            }
            let name = self.ctx.ident_str(self.ir.op(op).name());
            names.push(name.split_once('.').map_or(name, |(_, short)| short).to_string());
        }
        names
    }

    /// `loc: ...` as the options ask, or `None`.
    fn location(&self, loc: Location) -> Option<String> {
        let text = match self.opts.locations {
            Locations::None => return None,
            Locations::Names => {
                let mut names = Vec::new();
                loc_names(self.ctx, loc, &mut names);
                names.join(", ")
            }
            Locations::All => match &*self.ctx.loc_kind(loc) {
                LocKind::Unknown => String::new(),
                _ => {
                    let text = loc_to_string(self.ctx, loc);
                    text.strip_prefix("loc(").and_then(|t| t.strip_suffix(')')).unwrap_or(&text).to_string()
                }
            },
        };
        (!text.is_empty()).then(|| format!("loc: {}", self.cut(&text)))
    }

    /// A type as labels show it: a ranked tensor by its shape and element (`1x64x56x56xf32`).
    fn type_text(&self, t: Type) -> String {
        let text = self.ctx.type_to_string(t);
        let short = text.strip_prefix("tensor<").and_then(|t| t.strip_suffix('>')).unwrap_or(&text);
        self.cut(short)
    }

    fn cut(&self, text: &str) -> String {
        cut(text, self.opts.max_label_len)
    }

    /// Data-flow edges (operands of drawn ops whose definitions are drawn), then control-flow.
    fn edges(&mut self) {
        let ir = self.ir;
        let drawn = std::mem::take(&mut self.drawn);
        if self.opts.data_flow_edges {
            for op in &drawn {
                let to = self.ops[op];
                for v in ir.op(*op).operands() {
                    let (from, index, results) = match ir.value(*v).def() {
                        ValueDef::Result { op: d, index } => {
                            (self.ops.get(&d).copied(), index, ir.op(d).results().len())
                        }
                        ValueDef::BlockArg { .. } | ValueDef::Placeholder => (self.args.get(v).copied(), 0, 1),
                    };
                    let Some(from) = from else { continue };
                    let ty = self.type_text(ir.value_type(*v));
                    let label = if results > 1 { format!("#{index} {ty}") } else { ty };
                    let _ = writeln!(self.out, "  n{from} -> n{to} [label=\"{}\"];", escape(&label));
                }
            }
        }
        if self.opts.control_flow_edges {
            for op in &drawn {
                for s in ir.op(*op).successors() {
                    if let Some(target) = self.block_entries.get(s) {
                        self.flow.push((self.ops[op], *target));
                    }
                }
            }
            for (from, to) in std::mem::take(&mut self.flow) {
                let _ = writeln!(self.out, "  n{from} -> n{to} [style=dashed, color=gray60];");
            }
        }
    }
}

/// Kernels carry a scalar body that their label lists rather than a cluster drawing.
fn is_kernel(name: &str) -> bool {
    name.starts_with("kernel.")
}

/// The names in a location: its own, or those of the locations it fuses or the callee's.
fn loc_names(ctx: &Context, loc: Location, out: &mut Vec<String>) {
    let nested = |a: &Attribute, out: &mut Vec<String>| {
        if let Some(l) = ctx.location(*a) {
            loc_names(ctx, l, out);
        }
    };
    match &*ctx.loc_kind(loc) {
        LocKind::Name { name, .. } => out.push(name.clone()),
        LocKind::Fused { locs, .. } => {
            for l in locs {
                nested(l, out);
            }
        }
        LocKind::CallSite { callee, .. } => nested(callee, out),
        _ => {}
    }
}

/// An attribute's text; the elements of a non-splat dense constant are left out (weights can be
/// megabytes, and would be cut to a few characters anyway).
fn attr_text(ctx: &Context, a: Attribute) -> String {
    match ctx.attr_kind(a) {
        AttrKind::DenseElements { ty, elements: DenseElements::Values(_) | DenseElements::Raw(_) } => {
            let count = ctx.num_elements(*ty).map_or_else(|_| "?".to_string(), |n| n.to_string());
            format!("dense<{count} values> : {}", ctx.type_to_string(*ty))
        }
        _ => ctx.attr_to_string(a),
    }
}

/// `text` cut to `max` characters (0: not cut), the last three being `...`.
fn cut(text: &str, max: usize) -> String {
    if max == 0 || text.chars().count() <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(3);
    let mut out: String = text.chars().take(keep).collect();
    out.push_str("...");
    out
}

/// `prefix` and `items` joined by `, `, in lines of at most `width` characters where the items
/// allow (0: one line); continuation lines are indented.
fn wrap(prefix: &str, items: &[String], width: usize) -> Vec<String> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut line = prefix.to_string();
    let mut fresh = true;
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        let needed = if fresh { item.len() + sep.len() } else { 1 + item.len() + sep.len() };
        if !fresh && width > 0 && line.chars().count() + needed > width {
            lines.push(std::mem::replace(&mut line, "  ".to_string()));
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(item);
        line.push_str(sep);
        fresh = false;
    }
    lines.push(line);
    lines
}

/// Escapes text for a double-quoted DOT string.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Label lines, each escaped, joined by DOT's centred line break.
fn join_lines(lines: &[String]) -> String {
    lines.iter().map(|l| escape(l)).collect::<Vec<_>>().join("\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_unescaped_quote_or_backslash() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        // `\N` would be the node's name in a label; escaped, it is a backslash and an N.
        assert_eq!(escape("x\\N"), "x\\\\N");
        assert_eq!(escape("line\nbreak\ttab"), "line break tab");
        assert_eq!(escape("{<|>}"), "{<|>}");
    }

    #[test]
    fn cutting_counts_characters_not_bytes() {
        assert_eq!(cut("abcdef", 0), "abcdef");
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdefg", 6), "abc...");
        assert_eq!(cut("ééééééé", 5), "éé...");
    }

    #[test]
    fn fused_op_lists_wrap_at_the_width() {
        let items: Vec<String> = ["addf", "mulf", "maximumf", "exp"].iter().map(|s| s.to_string()).collect();
        assert_eq!(wrap("fuses: ", &items, 0), ["fuses: addf, mulf, maximumf, exp"]);
        assert_eq!(wrap("fuses: ", &items, 20), ["fuses: addf, mulf,", "  maximumf, exp"]);
        assert!(wrap("fuses: ", &[], 20).is_empty());
    }
}
