//! Between IR and e-graph: a function body of `nn` ops becomes e-classes; the chosen e-nodes
//! become ops again, each class built once (so shared values stay shared).

use egg::{Id, Symbol};
use rustc_hash::FxHashMap;
use strata_ir::{AttrKind, Attribute, Builder, Context, InsertPoint, Ir, OpId, Type, Value};

use super::analysis::{Data, NnAnalysis, NnGraph};
use super::language::{signature, IntList, Node};

/// A function body read into an e-graph.
pub struct Graph {
    pub egraph: NnGraph,
    /// The classes the function returns, in order.
    pub roots: Vec<Id>,
    /// The constant ops, by `(const i)` index.
    pub constants: Vec<OpId>,
    /// The body's block and its terminator.
    pub block: strata_ir::BlockId,
    pub terminator: OpId,
}

fn attr_node(ctx: &Context, a: Attribute) -> Node {
    match ctx.attr_kind(a) {
        AttrKind::Integer { value, .. } => Node::Int(*value as i64),
        AttrKind::String { value, .. } => Node::word(value),
        _ => match strata_dialects::nn::ints(ctx, a) {
            Some(v) => Node::Ints(IntList(v)),
            None => Node::word(&ctx.attr_to_string(a)),
        },
    }
}

fn default_node(text: &str) -> Node {
    if let Ok(i) = text.parse::<i64>() {
        Node::Int(i)
    } else if let Ok(l) = text.parse::<IntList>() {
        Node::Ints(l)
    } else {
        Node::word(text)
    }
}

fn tensor_info(ctx: &Context, t: Type) -> Option<(Vec<i64>, Symbol)> {
    let shape = ctx.shape(t)?.to_vec();
    Some((shape, Symbol::from(ctx.type_to_string(ctx.element_type_or_self(t)))))
}

/// Reads the single-block body of `func`; `None` when it holds something the e-graph does not
/// model (ops outside `nn`, several results, several blocks).
pub fn read(ctx: &Context, ir: &Ir, func: OpId) -> Option<Graph> {
    let region = *ir.op(func).regions().first()?;
    let [block] = ir.region(region).blocks() else { return None };
    let block = *block;
    let mut analysis = NnAnalysis::default();
    for a in ir.block(block).args() {
        analysis.inputs.push(tensor_info(ctx, ir.value_type(*a))?);
    }
    let mut constants = Vec::new();
    for op in ir.block_ops(block) {
        if ctx.ident_str(ir.op(op).name()) == "nn.constant" {
            analysis.consts.push(tensor_info(ctx, ir.value_type(ir.op(op).result(0)))?);
            constants.push(op);
        }
    }
    let mut egraph = NnGraph::new(analysis);
    let mut ids: FxHashMap<Value, Id> = FxHashMap::default();
    for (i, a) in ir.block(block).args().iter().enumerate() {
        let idx = egraph.add(Node::Int(i as i64));
        ids.insert(*a, egraph.add(Node::op("input", vec![idx])));
    }
    let mut terminator = None;
    let mut k = 0;
    for op in ir.block_ops(block) {
        let o = ir.op(op);
        let name = ctx.ident_str(o.name());
        if name == "func.return" {
            terminator = Some(op);
            continue;
        }
        if o.results().len() != 1 {
            return None;
        }
        let id = if name == "nn.constant" {
            let idx = egraph.add(Node::Int(k));
            k += 1;
            egraph.add(Node::op("const", vec![idx]))
        } else {
            let sig = signature(name)?;
            let mut children = Vec::new();
            for (attr, default) in sig {
                let node = match o.attr(ctx.ident(attr)) {
                    Some(a) => attr_node(ctx, a),
                    None => default_node(default),
                };
                children.push(egraph.add(node));
            }
            for v in o.operands() {
                children.push(*ids.get(v)?);
            }
            egraph.add(Node::op(name, children))
        };
        if let Data::Invalid(_) = egraph[id].data {
            return None;
        }
        ids.insert(o.result(0), id);
    }
    let terminator = terminator?;
    let roots = ir.op(terminator).operands().iter().map(|v| ids.get(v).copied()).collect::<Option<Vec<_>>>()?;
    egraph.rebuild();
    Some(Graph { egraph, roots, constants, block, terminator })
}

/// Builds the chosen node of each class needed by the roots before the terminator, points
/// the terminator at them, and erases what became dead.
pub fn write(ctx: &Context, ir: &mut Ir, g: &Graph, choose: &dyn Fn(Id) -> Node) {
    let mut built: FxHashMap<Id, Value> = FxHashMap::default();
    let old: Vec<OpId> = ir.block_ops(g.block).filter(|o| *o != g.terminator).collect();
    let args = ir.block(g.block).args().to_vec();
    let mut new_roots = Vec::new();
    for &root in &g.roots {
        new_roots.push(build(ctx, ir, g, choose, root, &mut built, &args));
    }
    ir.set_operands(g.terminator, &new_roots);
    for op in old.into_iter().rev() {
        if ir.op(op).results().iter().all(|r| ir.value(*r).uses().is_empty()) {
            ir.erase_op(op);
        }
    }
}

fn build(
    ctx: &Context,
    ir: &mut Ir,
    g: &Graph,
    choose: &dyn Fn(Id) -> Node,
    class: Id,
    built: &mut FxHashMap<Id, Value>,
    args: &[Value],
) -> Value {
    let class = g.egraph.find(class);
    if let Some(v) = built.get(&class) {
        return *v;
    }
    let node = choose(class);
    let Node::Op(name, children) = &node else { unreachable!("attribute classes are not values") };
    let index = |c: Id| match g.egraph[c].data {
        Data::Int(i) => i as usize,
        _ => unreachable!("input and const hold an index"),
    };
    let value = match name.as_str() {
        "input" => args[index(children[0])],
        "const" => {
            let original = g.constants[index(children[0])];
            // Reuse the constant where it is (it stays defined before every use we build).
            ir.op(original).result(0)
        }
        op => {
            let sig = signature(op).unwrap_or(&[]);
            let mut attrs: Vec<(&str, Attribute)> = Vec::new();
            for (k, (attr, _)) in sig.iter().enumerate() {
                let c = g.egraph.find(children[k]);
                let a = match &g.egraph[c].data {
                    Data::Int(i) => ctx.i64_attr(*i),
                    Data::Ints(v) => ctx.array_attr(v.iter().map(|i| ctx.i64_attr(*i)).collect()),
                    Data::Word(w) if *attr == "algorithm" && w.as_str() == "any" => continue,
                    Data::Word(w) if matches!(*attr, "layout" | "algorithm" | "from" | "to") => {
                        ctx.string_attr(w.as_str())
                    }
                    Data::Word(w) => match ctx.parse_attribute(w.as_str()) {
                        Ok(a) => a,
                        Err(_) => continue,
                    },
                    _ => continue,
                };
                attrs.push((attr, a));
            }
            let operands: Vec<Value> =
                children[sig.len()..].iter().map(|c| build(ctx, ir, g, choose, *c, built, args)).collect();
            let (shape, elem) = match &g.egraph[class].data {
                Data::Tensor { shape, elem } => (shape.clone(), *elem),
                other => unreachable!("a value class holds a tensor, not {other:?}"),
            };
            let elem = ctx.parse_type(elem.as_str()).expect("element types print and parse");
            let ty = ctx.tensor_type(shape, elem);
            let mut b = Builder::new(ctx, ir, InsertPoint::Before(g.terminator));
            b.value(op, &operands, ty, &attrs)
        }
    };
    built.insert(class, value);
    value
}
