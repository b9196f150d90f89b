//! Fusion: every elementwise op is also a one-op `kernel.elementwise`; a kernel that reads
//! another kernel's result may compute it inline instead (chains and trees merge); a kernel
//! that reads a convolution's or matmul's whole result may become its epilogue; and a kernel
//! that reads a broadcast may read the broadcast's input (kernels broadcast their inputs).
//!
//! Fusion only adds alternatives. Whether a shared producer is recomputed inside each consumer
//! or written once is the extractor's choice: the cost model charges the producer's flops in
//! every kernel that inlines it and the memory traffic of every tensor written, so cheap
//! elementwise producers get fused and an expensive convolution is never computed twice.

use egg::{Id, Language, Pattern, Rewrite, SearchMatches, Searcher, Subst, Symbol, Var};
use rustc_hash::FxHashMap;

use super::super::analysis::{Data, NnAnalysis, NnGraph};
use super::super::language::{scalar_name, Node, ELEMENTWISE};

/// Most tensors one fused kernel reads.
pub const MAX_INPUTS: usize = 8;
/// Most scalar operations in one fused body.
pub const MAX_BODY_OPS: usize = 48;

pub fn rules() -> Vec<Rewrite<Node, NnAnalysis>> {
    let mut rules = Vec::new();
    for &(name, attrs, operands, _) in ELEMENTWISE {
        let attr_vars: Vec<String> = (0..attrs).map(|i| format!("?p{i}")).collect();
        let inputs: Vec<String> = (0..operands).map(|i| format!("?x{i}")).collect();
        let args: Vec<String> = (0..operands).map(|i| format!("(arg {i})")).collect();
        let lhs = format!("({name} {})", [attr_vars.clone(), inputs.clone()].concat().join(" "));
        let body = format!("({} {})", scalar_name(name), [attr_vars, args].concat().join(" "));
        let rhs = format!("(kernel.elementwise {body} {})", inputs.join(" "));
        let (lhs, rhs): (Pattern<Node>, Pattern<Node>) = (lhs.parse().unwrap(), rhs.parse().unwrap());
        rules.push(Rewrite::new(format!("kernel-{}", name.trim_start_matches("nn.")), lhs, rhs).unwrap());
    }
    rules.push(
        Rewrite::new("fuse-elementwise", Fusible { into_epilogue: false }, Fuse { into_epilogue: false }).unwrap(),
    );
    rules.push(Rewrite::new("fuse-epilogue", Fusible { into_epilogue: true }, Fuse { into_epilogue: true }).unwrap());
    rules.push(Rewrite::new("kernel-reads-broadcast", ReadsBroadcast, ReadsBroadcast).unwrap());
    rules
}

/// The kernels of `class` with an input that is an `nn.broadcast`, reading the broadcast's
/// input instead: a kernel broadcasts its inputs itself, so where the kernel's shape stays the
/// same, the broadcast copy need not be written.
fn without_broadcasts(g: &NnGraph, class: Id) -> Vec<Node> {
    let Some(shape) = g[class].data.shape() else { return Vec::new() };
    let mut out = Vec::new();
    for node in &g[class].nodes {
        if node.op_name() != Some("kernel.elementwise") {
            continue;
        }
        let children = node.children();
        for k in 1..children.len() {
            for b in &g[children[k]].nodes {
                if b.op_name() != Some("nn.broadcast") {
                    continue;
                }
                let mut replaced = children.to_vec();
                replaced[k] = b.children()[1];
                let result = replaced[1..]
                    .iter()
                    .try_fold(Vec::new(), |s, c| strata_dialects::nn::shape::broadcast(&s, g[*c].data.shape()?).ok());
                if result.as_deref() == Some(shape) {
                    out.push(Node::op("kernel.elementwise", replaced));
                }
            }
        }
    }
    out
}

/// Finds and applies [`without_broadcasts`].
struct ReadsBroadcast;

impl Searcher<Node, NnAnalysis> for ReadsBroadcast {
    fn search_eclass_with_limit(&self, g: &NnGraph, eclass: Id, limit: usize) -> Option<SearchMatches<'_, Node>> {
        if limit == 0 || without_broadcasts(g, eclass).is_empty() {
            return None;
        }
        Some(SearchMatches { eclass, substs: vec![Subst::default()], ast: None })
    }
    fn vars(&self) -> Vec<Var> {
        Vec::new()
    }
}

impl egg::Applier<Node, NnAnalysis> for ReadsBroadcast {
    fn apply_one(
        &self,
        g: &mut NnGraph,
        eclass: Id,
        _: &Subst,
        _: Option<&egg::PatternAst<Node>>,
        _: Symbol,
    ) -> Vec<Id> {
        let mut changed = Vec::new();
        for node in without_broadcasts(g, eclass) {
            let id = g.add(node);
            if g.union(eclass, id) {
                changed.push(eclass);
            }
        }
        changed
    }
}

fn is_producer(node: &Node, into_epilogue: bool) -> bool {
    match node.op_name() {
        Some("kernel.elementwise") => !into_epilogue,
        Some("nn.conv2d" | "kernel.conv2d" | "nn.matmul" | "kernel.matmul") => into_epilogue,
        _ => false,
    }
}

/// All of `operands` but `skip` are shallower than `depth`.
fn shallower(g: &NnGraph, operands: &[Id], skip: Option<Id>, depth: u32) -> bool {
    operands.iter().map(|o| g.find(*o)).filter(|o| Some(*o) != skip).all(|o| g[o].data.depth() < depth)
}

/// The (consumer node, producer class, producer node) pairs of a class that can fuse: the
/// fused kernel's operands must all be shallower than the class (see [`Data::Tensor`]).
fn candidates(g: &NnGraph, class: Id, into_epilogue: bool) -> Vec<(Node, Id, Node)> {
    let mut out = Vec::new();
    let depth = g[class].data.depth();
    for node in &g[class].nodes {
        let Node::Op(name, children) = node else { continue };
        if name.as_str() != "kernel.elementwise" {
            continue;
        }
        for &p in &children[1..] {
            let p = g.find(p);
            if p == class || !shallower(g, &children[1..], Some(p), depth) {
                continue;
            }
            // An epilogue sees the producer's result element for element, never broadcast.
            if into_epilogue && g[p].data.shape() != g[class].data.shape() {
                continue;
            }
            for pn in &g[p].nodes {
                let leading = match pn.op_name() {
                    Some("kernel.elementwise" | "kernel.matmul") => 1,
                    Some("nn.conv2d") => 6,
                    Some("kernel.conv2d") => 8,
                    _ => 0,
                };
                let tensors = pn.children().get(leading..).unwrap_or(&[]);
                // The producer too must read only shallower classes, or a node that reads its own
                // class (`x = relu(x)` after `relu(relu(x)) = relu(x)`) would unroll forever.
                let pdepth = g[p].data.depth();
                if is_producer(pn, into_epilogue) && shallower(g, tensors, None, depth.min(pdepth)) {
                    out.push((node.clone(), p, pn.clone()));
                }
            }
        }
    }
    out
}

/// Finds classes holding a kernel that reads a fusible producer.
struct Fusible {
    into_epilogue: bool,
}

impl Searcher<Node, NnAnalysis> for Fusible {
    fn search_eclass_with_limit(&self, g: &NnGraph, eclass: Id, limit: usize) -> Option<SearchMatches<'_, Node>> {
        if limit == 0 || candidates(g, eclass, self.into_epilogue).is_empty() {
            return None;
        }
        Some(SearchMatches { eclass, substs: vec![Subst::default()], ast: None })
    }
    fn vars(&self) -> Vec<Var> {
        Vec::new()
    }
}

/// Adds every fusion of the matched class's kernels with their producers.
struct Fuse {
    into_epilogue: bool,
}

impl egg::Applier<Node, NnAnalysis> for Fuse {
    fn apply_one(
        &self,
        g: &mut NnGraph,
        eclass: Id,
        _: &Subst,
        _: Option<&egg::PatternAst<Node>>,
        _: Symbol,
    ) -> Vec<Id> {
        let mut changed = Vec::new();
        for (consumer, producer_class, producer) in candidates(g, eclass, self.into_epilogue) {
            let fused = if self.into_epilogue {
                epilogue(g, &consumer, producer_class, &producer)
            } else {
                elementwise(g, &consumer, producer_class, &producer)
            };
            if let Some(id) = fused {
                if g.union(eclass, id) {
                    changed.push(eclass);
                }
            }
        }
        changed
    }
}

/// Tensor operands without repeats, with where each original one went.
#[derive(Default)]
struct Operands {
    list: Vec<Id>,
    index: FxHashMap<Id, usize>,
}

impl Operands {
    fn add(&mut self, g: &NnGraph, id: Id) -> usize {
        let id = g.find(id);
        let next = self.list.len();
        *self.index.entry(id).or_insert_with(|| {
            self.list.push(id);
            next
        })
    }
}

fn arg(g: &mut NnGraph, i: usize) -> Id {
    let index = g.add(Node::Int(i as i64));
    g.add(Node::op("arg", vec![index]))
}

/// Copies the scalar body in `class`, replacing `(arg i)` by `map(i)`.
fn rebuild(g: &mut NnGraph, class: Id, map: &mut dyn FnMut(&mut NnGraph, usize) -> Id) -> Id {
    let node = g[class].nodes[0].clone();
    let Node::Op(name, children) = &node else { return class };
    if name.as_str() == "arg" {
        let i = match g[children[0]].data {
            Data::Int(i) => i as usize,
            _ => 0,
        };
        return map(g, i);
    }
    let attrs = super::super::language::elementwise(name.as_str()).map_or(0, |e| e.1);
    let mut out = children.clone();
    for c in out.iter_mut().skip(attrs) {
        *c = rebuild(g, *c, map);
    }
    g.add(Node::Op(*name, out))
}

fn body_ops(g: &NnGraph, body: Id) -> usize {
    match g[body].data {
        Data::Body { ops, .. } => ops,
        _ => usize::MAX,
    }
}

/// `consumer` with `producer` (a kernel.elementwise of class `p`) computed inline.
fn elementwise(g: &mut NnGraph, consumer: &Node, p: Id, producer: &Node) -> Option<Id> {
    let (cbody, cins) = consumer.children().split_first()?;
    let (pbody, pins) = producer.children().split_first()?;
    if body_ops(g, *cbody).saturating_add(body_ops(g, *pbody)) > MAX_BODY_OPS {
        return None;
    }
    let mut ops = Operands::default();
    let cmap: Vec<Option<usize>> =
        cins.iter().map(|c| if g.find(*c) == p { None } else { Some(ops.add(g, *c)) }).collect();
    let pmap: Vec<usize> = pins.iter().map(|c| ops.add(g, *c)).collect();
    if ops.list.len() > MAX_INPUTS {
        return None;
    }
    let body = rebuild(g, *cbody, &mut |g, i| match cmap.get(i).copied().flatten() {
        Some(k) => arg(g, k),
        None => rebuild(g, *pbody, &mut |g, k| arg(g, pmap[k])),
    });
    let mut children = vec![body];
    children.extend(ops.list);
    Some(g.add(Node::op("kernel.elementwise", children)))
}

/// `consumer` as the epilogue of `producer` (a convolution or matmul of class `p`).
fn epilogue(g: &mut NnGraph, consumer: &Node, p: Id, producer: &Node) -> Option<Id> {
    let (cbody, cins) = consumer.children().split_first()?;
    let Node::Op(name, pc) = producer else { return None };
    // Split the producer into what stays (attributes, main operands), its epilogue, and extras.
    let (head, pbody, extras, kernel): (Vec<Id>, Option<Id>, &[Id], &str) = match name.as_str() {
        "nn.conv2d" => {
            let nbias = g.add(Node::Int(pc.len() as i64 - 8));
            let mut head = pc[..6].to_vec();
            head.push(nbias);
            head.extend(&pc[6..]);
            (head, None, &[], "kernel.conv2d")
        }
        "kernel.conv2d" => {
            let nbias = match g[pc[6]].data {
                Data::Int(n) => n as usize,
                _ => return None,
            };
            let mut head = pc[..7].to_vec();
            head.extend(&pc[8..10 + nbias]);
            (head, Some(pc[7]), &pc[10 + nbias..], "kernel.conv2d")
        }
        "nn.matmul" => (pc.to_vec(), None, &[], "kernel.matmul"),
        "kernel.matmul" => (pc[1..3].to_vec(), Some(pc[0]), &pc[3..], "kernel.matmul"),
        _ => return None,
    };
    if body_ops(g, *cbody).saturating_add(pbody.map_or(0, |b| body_ops(g, b))) > MAX_BODY_OPS {
        return None;
    }
    let mut ops = Operands::default();
    let emap: Vec<usize> = extras.iter().map(|c| ops.add(g, *c)).collect();
    let cmap: Vec<Option<usize>> =
        cins.iter().map(|c| if g.find(*c) == p { None } else { Some(ops.add(g, *c)) }).collect();
    if ops.list.len() + head.len() > MAX_INPUTS + 10 {
        return None;
    }
    // Epilogue arguments: 0 is the producer's element, k + 1 extra k.
    let body = rebuild(g, *cbody, &mut |g, i| match cmap.get(i).copied().flatten() {
        Some(k) => arg(g, k + 1),
        None => match pbody {
            Some(pb) => rebuild(g, pb, &mut |g, k| if k == 0 { arg(g, 0) } else { arg(g, emap[k - 1] + 1) }),
            None => arg(g, 0),
        },
    });
    let children: Vec<Id> = if kernel == "kernel.conv2d" {
        let mut c = head[..7].to_vec();
        c.push(body);
        c.extend(&head[7..]);
        c.extend(ops.list);
        c
    } else {
        let mut c = vec![body];
        c.extend(head);
        c.extend(ops.list);
        c
    };
    Some(g.add(Node::op(kernel, children)))
}
