//! `strata-onnx`: ONNX models to one `func.func` of `nn` ops.
//!
//! ```no_run
//! let mut ctx = strata_ir::Context::new();
//! strata_dialects::register_all(&mut ctx);
//! let opts = strata_onnx::ImportOptions::default();
//! let module = strata_onnx::import_file(&ctx, "model.onnx".as_ref(), &opts).unwrap();
//! println!("{}", strata_ir::print_module(&ctx, &module, &Default::default()));
//! ```
//!
//! The function is named after the graph; its arguments are the graph's inputs that are not
//! initializers and its results the graph's outputs, each carrying its ONNX name as
//! `{onnx.name = "..."}`. Every op has the location `loc("<node name>")`, so a diagnostic
//! from any later pass names the ONNX node it came from. Weights are `nn.constant`s whose
//! values are `dense_resource` blobs (a few elements are written as literals).
//!
//! How it works, file by file: [`proto`] is the protobuf schema (prost), [`constant`]
//! decodes tensors, [`node`] reads attributes, [`graph`] builds the function and folds ops
//! whose inputs are all constants (so shape sub-graphs vanish at import), `convert` holds the
//! per-op rules, `weights` decides how a constant is written. Every op type of a model is
//! checked against the rules before anything is converted, and an import that fails returns
//! no module.
//!
//! Supported: opsets 11 to [`MAX_OPSET`] of the default domain, static shapes (a symbolic
//! dimension is fixed with [`ImportOptions::input_shapes`]), the ops listed in `convert`.

pub mod constant;
mod convert;
pub mod error;
pub mod graph;
pub mod node;
pub mod proto;
mod weights;

use std::path::Path;
use std::rc::Rc;

use prost::Message;
use strata_ir::{Context, InsertPoint, Ir, Module, NamedAttr, OpState, Type};

pub use error::{ImportError, UnsupportedNode};
use graph::{Graph, Val};
use node::Node;
use proto::type_proto;

/// The oldest opset of the default domain this importer reads.
pub const MIN_OPSET: i64 = 11;
/// The newest (that of the `onnx` package the rules were checked against).
pub const MAX_OPSET: i64 = 28;

/// Options of an import.
#[derive(Clone, Default)]
pub struct ImportOptions<'a> {
    /// Shapes for graph inputs, by name: they fix symbolic dimensions (a dynamic batch).
    pub input_shapes: Vec<(String, Vec<i64>)>,
    /// Graph inputs whose values are known, by name: they become constants (what shape
    /// operands a model takes as inputs, such as `Reshape`'s shape, need to be).
    pub input_values: Vec<(String, strata_runtime::Tensor)>,
    /// Told (nodes converted, nodes in all) after each node.
    pub progress: Option<&'a dyn Fn(usize, usize)>,
}

/// `name=1x3x224x224` as a name and a shape (`name=` alone is a scalar).
pub fn parse_input_shape(text: &str) -> Result<(String, Vec<i64>), String> {
    let (name, dims) = text.split_once('=').ok_or_else(|| format!("'{text}': expected NAME=D0xD1x..."))?;
    let dims = if dims.is_empty() {
        Vec::new()
    } else {
        dims.split('x')
            .map(|d| {
                d.parse::<i64>().ok().filter(|d| *d >= 1).ok_or_else(|| format!("'{text}': '{d}' is not a dimension"))
            })
            .collect::<Result<_, _>>()?
    };
    Ok((name.to_string(), dims))
}

/// Imports the model in `path` (external data is read from its directory).
pub fn import_file(ctx: &Context, path: &Path, opts: &ImportOptions) -> Result<Module, ImportError> {
    let io = |source| ImportError::Io { path: path.display().to_string(), source };
    let bytes = std::fs::read(path).map_err(io)?;
    import_bytes(ctx, &bytes, path.parent(), opts)
}

/// Imports a serialized `ModelProto`. `base` is where external data files are.
pub fn import_bytes(
    ctx: &Context,
    bytes: &[u8],
    base: Option<&Path>,
    opts: &ImportOptions,
) -> Result<Module, ImportError> {
    let model = proto::ModelProto::decode(bytes)?;
    let graph = model.graph.as_ref().ok_or_else(|| ImportError::Model("the model has no graph".into()))?;
    let opset = default_opset(&model)?;
    check_supported(graph, opset)?;

    let (ir, root, block) = skeleton(ctx);
    let mut g = Graph::new(ctx, ir, block);
    for init in &graph.initializer {
        let c = constant::decode(init, base)
            .map_err(|m| ImportError::Model(format!("initializer '{}': {m}", init.name())))?;
        g.bind(init.name(), Val::Const(Rc::new(c)));
    }
    for (name, value) in &opts.input_values {
        g.bind(name, Val::Const(Rc::new(constant::Constant::from_tensor(value.clone()))));
    }
    let inputs = graph_inputs(ctx, &g, graph, opts)?;
    let func = function(&mut g, &graph_name(graph), &inputs);

    for (done, n) in graph.node.iter().enumerate() {
        if let Some(progress) = opts.progress {
            progress(done, graph.node.len());
        }
        let node = Node { proto: n, opset };
        g.loc = ctx.name_loc(node.name());
        let inputs = n
            .input
            .iter()
            .map(|name| {
                if name.is_empty() {
                    return Ok(None);
                }
                g.lookup(name).cloned().map(Some).ok_or_else(|| {
                    node.error(format!(
                        "input '{name}' is not defined before this node (nodes must be in topological order)"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rule = convert::rule(n.op_type()).ok_or_else(|| node.error("no conversion rule"))?;
        let mut cx = convert::Cx { g: &mut g, node: &node, inputs };
        let outputs = rule(&mut cx)?;
        for (name, v) in n.output.iter().zip(outputs) {
            if !name.is_empty() {
                g.bind(name, v);
            }
        }
    }
    finish(&mut g, func, graph)?;
    let module = Module { ir: g.ir, root, resources: Vec::new() };
    strata_ir::verify(ctx, &module.ir, module.root)
        .map_err(|d| ImportError::Model(format!("the imported module does not verify: {}", d.message)))?;
    Ok(module)
}

/// The opset of the default domain, in the supported range.
fn default_opset(model: &proto::ModelProto) -> Result<i64, ImportError> {
    let v = model
        .opset_import
        .iter()
        .find(|o| o.domain().is_empty() || o.domain() == "ai.onnx")
        .map(|o| o.version())
        .ok_or_else(|| ImportError::Model("the model imports no opset of the default domain".into()))?;
    if !(MIN_OPSET..=MAX_OPSET).contains(&v) {
        return Err(ImportError::Model(format!("opset {v}: this importer reads opsets {MIN_OPSET} to {MAX_OPSET}")));
    }
    Ok(v)
}

/// Every node whose op has no rule, all at once.
fn check_supported(graph: &proto::GraphProto, opset: i64) -> Result<(), ImportError> {
    let unsupported: Vec<UnsupportedNode> = graph
        .node
        .iter()
        .filter(|n| !(n.domain().is_empty() || n.domain() == "ai.onnx") || convert::rule(n.op_type()).is_none())
        .map(|n| UnsupportedNode {
            node: node::name_of(n).to_string(),
            op_type: n.op_type().to_string(),
            domain: if n.domain().is_empty() { "ai.onnx".into() } else { n.domain().to_string() },
            opset,
        })
        .collect();
    if unsupported.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Unsupported(unsupported))
    }
}

/// An empty `builtin.module`: the IR, the module op and its body block.
fn skeleton(ctx: &Context) -> (Ir, strata_ir::OpId, strata_ir::BlockId) {
    let mut ir = Ir::new();
    let module = ir.create_op(OpState::new(ctx, "builtin.module", ctx.unknown_loc()).regions(1));
    let region = ir.op(module).regions()[0];
    let block = ir.create_block(&[]);
    ir.append_block(region, block);
    (ir, module, block)
}

/// A graph input: name and type.
struct Input {
    name: String,
    ty: Type,
}

/// The graph's inputs that are not initializers, with static shapes.
fn graph_inputs(
    ctx: &Context,
    g: &Graph,
    graph: &proto::GraphProto,
    opts: &ImportOptions,
) -> Result<Vec<Input>, ImportError> {
    let real: Vec<&proto::ValueInfoProto> = graph.input.iter().filter(|i| g.lookup(i.name()).is_none()).collect();
    let named = opts.input_shapes.iter().map(|(n, _)| n).chain(opts.input_values.iter().map(|(n, _)| n));
    for name in named {
        if !graph.input.iter().any(|i| i.name() == name) {
            let names: Vec<&str> = real.iter().map(|i| i.name()).collect();
            return Err(ImportError::InputShape(format!(
                "{name}: the graph has no input of that name (inputs: {})",
                names.join(", ")
            )));
        }
    }
    real.iter()
        .map(|info| {
            let name = info.name().to_string();
            let bad = |m: String| ImportError::Model(format!("graph input '{name}': {m}"));
            let Some(type_proto::Value::TensorType(t)) = info.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
                return Err(bad("only tensor inputs are supported".into()));
            };
            let elem = constant::elem_of(t.elem_type()).map_err(bad)?;
            let dims = t.shape.as_ref().map(|s| s.dim.as_slice()).unwrap_or_default();
            let given = opts.input_shapes.iter().find(|(n, _)| *n == name).map(|(_, s)| s);
            let mut shape = Vec::with_capacity(dims.len());
            if let Some(s) = given {
                if s.len() != dims.len() {
                    return Err(ImportError::InputShape(format!(
                        "{name}: rank {} given, the model's is {}",
                        s.len(),
                        dims.len()
                    )));
                }
            }
            for (k, d) in dims.iter().enumerate() {
                use proto::tensor_shape_proto::dimension::Value as D;
                let fixed = match &d.value {
                    Some(D::DimValue(v)) if *v >= 1 => Some(*v),
                    _ => None,
                };
                let dim = match (fixed, given) {
                    (Some(v), Some(s)) if s[k] != v => {
                        return Err(ImportError::InputShape(format!(
                            "{name}: dimension {k} is {v} in the model, not {}",
                            s[k]
                        )))
                    }
                    (_, Some(s)) => s[k],
                    (Some(v), None) => v,
                    (None, None) => {
                        let param = match &d.value {
                            Some(D::DimParam(p)) => p.clone(),
                            _ => "?".into(),
                        };
                        return Err(ImportError::DynamicDim { input: name.clone(), dim: k, param });
                    }
                };
                shape.push(dim);
            }
            Ok(Input { ty: ctx.tensor_type(shape, g.elem_type(elem)), name })
        })
        .collect()
}

/// A symbol name from the graph's name (`main_graph` when it has none).
fn graph_name(graph: &proto::GraphProto) -> String {
    let mut s: String =
        graph.name().chars().map(|c| if c.is_ascii_alphanumeric() || "_$.".contains(c) { c } else { '_' }).collect();
    if s.is_empty() {
        s = "main_graph".into();
    } else if s.starts_with(|c: char| c.is_ascii_digit() || c == '$' || c == '.') {
        s.insert(0, '_');
    }
    s
}

/// `{onnx.name = "..."}` for each name.
fn name_dicts(ctx: &Context, names: impl Iterator<Item = String>) -> strata_ir::Attribute {
    ctx.array_attr(
        names
            .map(|n| ctx.dictionary_attr(vec![NamedAttr { name: ctx.ident("onnx.name"), value: ctx.string_attr(&n) }]))
            .collect(),
    )
}

/// The `func.func` with the inputs as arguments, its body the graph's block; the inputs bound.
fn function(g: &mut Graph, name: &str, inputs: &[Input]) -> strata_ir::OpId {
    let ctx = g.ctx;
    let types: Vec<Type> = inputs.iter().map(|i| i.ty).collect();
    // Arguments are located at their graph input's name, as ops are at their node's.
    let body = g.ir.create_block(&[]);
    for input in inputs {
        let loc = ctx.name_loc(&input.name);
        g.ir.add_block_arg(body, input.ty, Some(loc));
    }
    let state = OpState::new(ctx, "func.func", ctx.unknown_loc())
        .regions(1)
        .attr(ctx, "sym_name", ctx.string_attr(name))
        .attr(ctx, "function_type", ctx.type_attr(ctx.function_type(types.clone(), Vec::new())))
        .attr(ctx, "arg_attrs", name_dicts(ctx, inputs.iter().map(|i| i.name.clone())));
    let module_block = g.block;
    let func = g.ir.create_op(state);
    g.ir.insert_op(func, InsertPoint::BlockEnd(module_block));
    let region = g.ir.op(func).regions()[0];
    g.ir.append_block(region, body);
    g.block = body;
    let args = g.ir.block(body).args().to_vec();
    for (input, arg) in inputs.iter().zip(args) {
        g.bind(&input.name, Val::Ir(arg));
    }
    func
}

/// Returns the graph's outputs and completes the signature.
fn finish(g: &mut Graph, func: strata_ir::OpId, graph: &proto::GraphProto) -> Result<(), ImportError> {
    let ctx = g.ctx;
    let mut values = Vec::new();
    for out in &graph.output {
        let v = g
            .lookup(out.name())
            .cloned()
            .ok_or_else(|| ImportError::Model(format!("graph output '{}' is never computed", out.name())))?;
        g.loc = ctx.name_loc(out.name());
        values.push(g.value(&v));
    }
    let results: Vec<Type> = values.iter().map(|v| g.ir.value_type(*v)).collect();
    let mut b = strata_ir::Builder::at_end(ctx, &mut g.ir, g.block);
    b.op("func.return", &values, &[], &[]);
    let args: Vec<Type> = g.ir.block(g.block).args().iter().map(|a| g.ir.value_type(*a)).collect();
    g.ir.set_attr(func, ctx.ident("function_type"), ctx.type_attr(ctx.function_type(args, results)));
    g.ir.set_attr(func, ctx.ident("res_attrs"), name_dicts(ctx, graph.output.iter().map(|o| o.name().to_string())));
    Ok(())
}
