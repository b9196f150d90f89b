//! Between IR and e-graph: a function body of `nn` ops becomes e-classes; the chosen e-nodes
//! become ops again, each class built once (so shared values stay shared).

use egg::{Id, Symbol};
use rustc_hash::FxHashMap;
use strata_ir::{
    AttrKind, Attribute, Builder, Context, DenseArrayValues, DenseElements, DenseValue, InsertPoint, Ir, Location,
    OpId, OpState, Type, Value,
};

use super::analysis::{Data, NnAnalysis, NnGraph};
use strata_dialects::nn::shape;

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
    /// Where each class computed by an op of the function came from: what is written for the
    /// class (a fused kernel too) keeps that location, so later diagnostics and run-time errors
    /// point at the source.
    pub locs: FxHashMap<Id, Location>,
}

fn attr_node(ctx: &Context, a: Attribute) -> Node {
    match ctx.attr_kind(a) {
        AttrKind::Integer { value, ty } if *ty == ctx.i1() => Node::word(if *value != 0 { "true" } else { "false" }),
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
    let mut locs = FxHashMap::default();
    let mut k = 0;
    for op in ir.block_ops(block) {
        let o = ir.op(op);
        let name = ctx.ident_str(o.name());
        if name == "func.return" {
            terminator = Some(op);
            continue;
        }
        if name == "nn.split" {
            // One node per result: `(nn.split.part k axis sizes x)`.
            let x = *ids.get(o.operands().first()?)?;
            let axis = egraph.add(o.attr(ctx.ident("axis")).map_or(Node::Int(0), |a| attr_node(ctx, a)));
            let sizes = egraph.add(attr_node(ctx, o.attr(ctx.ident("sizes"))?));
            for (k, r) in o.results().iter().enumerate() {
                let index = egraph.add(Node::Int(k as i64));
                let part = egraph.add(Node::op("nn.split.part", vec![index, axis, sizes, x]));
                if let Data::Invalid(_) = egraph[part].data {
                    return None;
                }
                ids.insert(*r, part);
            }
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
        locs.entry(id).or_insert(o.loc());
        ids.insert(o.result(0), id);
    }
    let terminator = terminator?;
    let roots = ir.op(terminator).operands().iter().map(|v| ids.get(v).copied()).collect::<Option<Vec<_>>>()?;
    egraph.rebuild();
    let locs = locs.into_iter().map(|(id, loc)| (egraph.find(id), loc)).collect();
    Some(Graph { egraph, roots, constants, block, terminator, locs })
}

/// What has been written: a value per class, and each split op by (axis, sizes, input).
#[derive(Default)]
struct Built {
    values: FxHashMap<Id, Value>,
    splits: FxHashMap<(Id, Id, Id), OpId>,
    /// `Graph::locs` by the classes' canonical ids after saturation (classes merged since
    /// reading take the location of the earliest op among them).
    locs: FxHashMap<Id, Location>,
}

/// Builds the chosen node of each class needed by the roots before the terminator, points
/// the terminator at them, and erases what became dead.
/// An error is a class the writer cannot express (a body op without a form for its type): the
/// analysis should have kept it out, so it is reported rather than written wrong.
pub fn write(ctx: &Context, ir: &mut Ir, g: &Graph, choose: &dyn Fn(Id) -> Node) -> Result<(), String> {
    let mut built = Built::default();
    let mut read: Vec<(Id, Location)> = g.locs.iter().map(|(id, loc)| (*id, *loc)).collect();
    read.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
    built.locs = read.into_iter().map(|(id, loc)| (g.egraph.find(id), loc)).collect();
    let old: Vec<OpId> = ir.block_ops(g.block).filter(|o| *o != g.terminator).collect();
    let args = ir.block(g.block).args().to_vec();
    let mut new_roots = Vec::new();
    for &root in &g.roots {
        new_roots.push(build(ctx, ir, g, choose, root, &mut built, &args)?);
    }
    ir.set_operands(g.terminator, &new_roots);
    for op in old.into_iter().rev() {
        if ir.op(op).results().iter().all(|r| ir.value(*r).uses().is_empty()) {
            ir.erase_op(op);
        }
    }
    Ok(())
}

fn build(
    ctx: &Context,
    ir: &mut Ir,
    g: &Graph,
    choose: &dyn Fn(Id) -> Node,
    class: Id,
    built: &mut Built,
    args: &[Value],
) -> Result<Value, String> {
    let class = g.egraph.find(class);
    if let Some(v) = built.values.get(&class) {
        return Ok(*v);
    }
    let loc = built.locs.get(&class).copied().unwrap_or_else(|| ctx.unknown_loc());
    let node = choose(class);
    let Node::Op(name, children) = &node else { unreachable!("attribute classes are not values") };
    let index = |c: Id| match g.egraph[c].data {
        Data::Int(i) => i as usize,
        _ => unreachable!("input and const hold an index"),
    };
    let (shape, elem) = match &g.egraph[class].data {
        Data::Tensor { shape, elem, .. } => (shape.clone(), *elem),
        other => unreachable!("a value class holds a tensor, not {other:?}"),
    };
    let elem = ctx.parse_type(elem.as_str()).expect("element types print and parse");
    let ty = ctx.tensor_type(shape, elem);
    let value = match name.as_str() {
        "input" => args[index(children[0])],
        // Reuse the constant where it is (it stays defined before every use we build).
        "const" => ir.op(g.constants[index(children[0])]).result(0),
        "nn.split.part" => {
            // All parts of one split come from one op, built with the first part needed.
            let key = (g.egraph.find(children[1]), g.egraph.find(children[2]), g.egraph.find(children[3]));
            let op = match built.splits.get(&key) {
                Some(op) => *op,
                None => {
                    let x = build(ctx, ir, g, choose, children[3], built, args)?;
                    let (axis, sizes) = (&g.egraph[key.0].data, &g.egraph[key.1].data);
                    let (Data::Int(axis), Data::Ints(sizes)) = (axis, sizes) else { unreachable!("split attributes") };
                    let parts = shape::split(g.egraph[key.2].data.shape().unwrap_or(&[]), *axis, sizes)
                        .expect("a valid split class");
                    let types: Vec<Type> = parts.into_iter().map(|p| ctx.tensor_type(p, elem)).collect();
                    let attrs = [
                        ("axis", ctx.i64_attr(*axis)),
                        ("sizes", ctx.array_attr(sizes.iter().map(|i| ctx.i64_attr(*i)).collect())),
                    ];
                    let mut b = Builder::new(ctx, ir, InsertPoint::Before(g.terminator));
                    b.loc = loc;
                    let op = b.op("nn.split", &[x], &types, &attrs);
                    built.splits.insert(key, op);
                    op
                }
            };
            ir.op(op).result(index(children[0]))
        }
        "fill" => {
            let value = word_float(g, children[0]).unwrap_or(0.0);
            let dense = ctx
                .intern_attr(AttrKind::DenseElements { ty, elements: DenseElements::Splat(element(ctx, value, elem)) });
            let mut b = Builder::new(ctx, ir, InsertPoint::Before(g.terminator));
            b.loc = loc;
            b.value("nn.constant", &[], ty, &[("value", dense)])
        }
        op => {
            let (attr_names, rest): (&[(&str, &str)], &[Id]) = match op {
                "kernel.conv2d" => (signature("nn.conv2d").unwrap_or(&[]), &children[6..]),
                _ => {
                    let sig = signature(op).unwrap_or(&[]);
                    (sig, &children[sig.len()..])
                }
            };
            let mut attrs = attributes(ctx, g, op, attr_names, children);
            // Kernels: the body first, then the tensors.
            let (body, tensors) = match op {
                "kernel.conv2d" => {
                    let nbias = index(rest[0]);
                    let tensors = &rest[2..];
                    let segments = [1, 1, nbias as i64, tensors.len() as i64 - 2 - nbias as i64];
                    let i32t = ctx.integer_type(32);
                    let seg = ctx.intern_attr(AttrKind::DenseArray {
                        element: i32t,
                        values: DenseArrayValues::Int(segments.to_vec()),
                    });
                    attrs.push(("operandSegmentSizes", seg));
                    (Some((rest[1], 2 + nbias)), tensors)
                }
                "kernel.matmul" => (Some((rest[0], 2)), &rest[1..]),
                "kernel.elementwise" => (Some((rest[0], 0)), &rest[1..]),
                _ => (None, rest),
            };
            let operands: Vec<Value> =
                tensors.iter().map(|c| build(ctx, ir, g, choose, *c, built, args)).collect::<Result<_, _>>()?;
            let mut b = Builder::new(ctx, ir, InsertPoint::Before(g.terminator));
            b.loc = loc;
            match body {
                None => b.value(op, &operands, ty, &attrs),
                Some((body, skip)) => {
                    let mut state = OpState::new(ctx, op, loc).operands(&operands).results(&[ty]).regions(1);
                    for (n, a) in &attrs {
                        state = state.attr(ctx, n, *a);
                    }
                    let kernel = b.insert(state);
                    // Body arguments: one scalar per input; epilogues take the accumulator first.
                    let mut arg_types = Vec::new();
                    if skip > 0 {
                        arg_types.push(elem);
                    }
                    arg_types.extend(operands[skip..].iter().map(|v| ctx.element_type_or_self(ir.value_type(*v))));
                    let block = ir.create_block(&arg_types);
                    let region = ir.op(kernel).regions()[0];
                    ir.append_block(region, block);
                    let block_args = ir.block(block).args().to_vec();
                    let mut scalars = ScalarBuilder { g, elem, args: block_args, built: FxHashMap::default() };
                    let mut b = Builder::at_end(ctx, ir, block);
                    b.loc = loc;
                    let result = scalars.emit(&mut b, body)?;
                    b.op("kernel.yield", &[result], &[], &[]);
                    ir.op(kernel).result(0)
                }
            }
        }
    };
    built.values.insert(class, value);
    Ok(value)
}

/// Whether attribute `attr` of `op` is a string (its word is the string, not attribute text).
fn is_string_attr(op: &str, attr: &str) -> bool {
    matches!(
        (op, attr),
        (_, "layout" | "algorithm") | ("nn.relayout", "from" | "to") | ("nn.compare", "predicate") | ("nn.pad", "mode")
    )
}

/// The attributes `names` of a node from its leading children; `algorithm = any`, flags at
/// their default `false` and a pad's default mode are left out (as the op reads them absent).
fn attributes<'a>(
    ctx: &Context,
    g: &Graph,
    op: &str,
    names: &[(&'a str, &str)],
    children: &[Id],
) -> Vec<(&'a str, Attribute)> {
    let mut attrs = Vec::new();
    for (k, (attr, default)) in names.iter().enumerate() {
        let c = g.egraph.find(children[k]);
        let a = match &g.egraph[c].data {
            Data::Int(i) => ctx.i64_attr(*i),
            Data::Ints(v) => ctx.array_attr(v.iter().map(|i| ctx.i64_attr(*i)).collect()),
            Data::Word(w) if *attr == "algorithm" && w.as_str() == "any" => continue,
            Data::Word(w) if *default == "false" && w.as_str() == "false" => continue,
            Data::Word(w) if *attr == "mode" && w.as_str() == *default => continue,
            Data::Word(w) if is_string_attr(op, attr) => ctx.string_attr(w.as_str()),
            Data::Word(w) => match ctx.parse_attribute(w.as_str()) {
                Ok(a) => a,
                Err(_) => continue,
            },
            _ => continue,
        };
        attrs.push((*attr, a));
    }
    attrs
}

/// The number a word attribute (`1.000000e-05 : f32`) holds.
fn word_float(g: &Graph, id: Id) -> Option<f64> {
    match &g.egraph[g.egraph.find(id)].data {
        Data::Word(w) => w.as_str().split(':').next()?.trim().parse().ok(),
        _ => None,
    }
}

/// An element of type `elem` holding `value`: a float rounded as the IR stores it, or an
/// integer (truncated).
fn element(ctx: &Context, value: f64, elem: Type) -> DenseValue {
    if !ctx.is_float(elem) {
        return DenseValue::Int(value as i128);
    }
    let rounded = if ctx.type_to_string(elem) == "f64" { value } else { value as f32 as f64 };
    DenseValue::Float(rounded.to_bits())
}

/// Emits a kernel's scalar body as `arith` and `math` ops.
struct ScalarBuilder<'a> {
    g: &'a Graph,
    elem: Type,
    args: Vec<Value>,
    built: FxHashMap<Id, Value>,
}

impl ScalarBuilder<'_> {
    fn emit(&mut self, b: &mut Builder, class: Id) -> Result<Value, String> {
        let class = self.g.egraph.find(class);
        if let Some(v) = self.built.get(&class) {
            return Ok(*v);
        }
        let node = self.g.egraph[class].nodes[0].clone();
        let Node::Op(name, children) = &node else { unreachable!("a body holds scalar nodes") };
        let name = name.as_str();
        let value = if name == "arg" {
            match self.g.egraph[children[0]].data {
                Data::Int(i) => self.args[i as usize],
                _ => unreachable!("(arg i) holds an index"),
            }
        } else {
            let attrs = crate::egraph::language::elementwise(name).map_or(0, |e| e.1);
            let params: Vec<f64> = children[..attrs].iter().map(|c| word_float(self.g, *c).unwrap_or(0.0)).collect();
            let xs: Vec<Value> = children[attrs..].iter().map(|c| self.emit(b, *c)).collect::<Result<_, _>>()?;
            strata_dialects::nn::scalar::emit(b, name, &params, &xs, self.elem)?
        };
        self.built.insert(class, value);
        Ok(value)
    }
}
