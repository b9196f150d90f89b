//! Runs a function of `nn` and `kernel` ops (one block, graph level) on tensors.

use strata_dialects::nn::{self as nn_dialect, shape::Layout, shape::PadMode, shape::Pool2d, shape::PoolMode};
use strata_ir::{AttrKind, Context, DenseElements, DenseValue, Ir, OpId, Type};

use crate::nn;
use crate::scalar::Program;
use crate::scalar::{apply, BodyFault, Types};
use crate::tensor::{broadcast_offsets, Elem, Scalar, Tensor};
use crate::RuntimeError;

/// The shape and element type of a ranked tensor or memref type (a memref of vectors with
/// the vectors' dimensions last, as the interpreter holds it).
pub fn tensor_type(ctx: &Context, t: Type) -> Option<(Vec<usize>, Elem)> {
    if crate::exec::tensor_of_vectors(ctx, t) {
        return None;
    }
    let shape = crate::exec::buffer_shape(ctx, t)?;
    let shape = shape.iter().map(|d| usize::try_from(*d).ok()).collect::<Option<Vec<_>>>()?;
    let element = ctx.element_type_or_self(ctx.element_type_or_self(t));
    Some((shape, Elem::parse(&ctx.type_to_string(element))?))
}

/// The value of a `dense<...>` or `dense_resource<...>` attribute (integers exact); `None`
/// when it is not one, or cannot be had (see [`constant_tensor`] for why).
pub fn dense(ctx: &Context, attr: strata_ir::Attribute) -> Option<Tensor> {
    constant_tensor(ctx, attr).ok()
}

/// The value of a `dense<...>` attribute, or of a `dense_resource<...>` one from its blob in
/// the context, or why it cannot be had: not such an attribute of a static tensor type, a blob
/// that is missing or not the size of the type's elements, or more elements than this machine
/// holds.
pub fn constant_tensor(ctx: &Context, attr: strata_ir::Attribute) -> Result<Tensor, String> {
    let (AttrKind::DenseElements { ty, .. } | AttrKind::DenseResource { ty, .. } | AttrKind::Sparse { ty, .. }) =
        ctx.attr_kind(attr)
    else {
        return Err("only dense<...>, dense_resource<...> and sparse<...> constants run".into());
    };
    let (shape, elem) = tensor_type(ctx, *ty).ok_or("a dense constant needs a static tensor type of numbers")?;
    crate::limits::buffer_bytes(&shape, 8).map_err(|e| format!("a constant of {shape:?}: {e}"))?;
    if let AttrKind::DenseResource { .. } = ctx.attr_kind(attr) {
        let blob = ctx.resource_blob(attr).map_err(|e| e.to_string())?;
        // A blob holds elements as memory does (`Elem::write`'s encoding), `i1` a byte each,
        // any byte but 0 true (as C++ reads MLIR's bool blobs).
        if elem == Elem::Int(1) {
            return Ok(Tensor::from_ints(&shape, elem, blob.bytes().iter().map(|b| (*b != 0) as i64).collect()));
        }
        return Ok(Tensor::from_bytes(&shape, elem, blob.bytes()));
    }
    if let AttrKind::Sparse { indices, values, .. } = ctx.attr_kind(attr) {
        return sparse_values(ctx, &shape, elem, *indices, *values);
    }
    dense_values(ctx, attr).ok_or_else(|| "the constant's values do not match its type".to_string())
}

/// A `sparse<indices, values>` constant of `shape`: zero but at the indices (rows of
/// coordinates), which hold the values; of two values at one index, the later is kept.
fn sparse_values(
    ctx: &Context,
    shape: &[usize],
    elem: Elem,
    indices: strata_ir::Attribute,
    values: strata_ir::Attribute,
) -> Result<Tensor, String> {
    let malformed = || "a sparse<...> constant whose indices or values are not dense literals".to_string();
    let indices = constant_tensor(ctx, indices).map_err(|_| malformed())?;
    let values = constant_tensor(ctx, values).map_err(|_| malformed())?;
    let rank = shape.len();
    let count = values.len();
    let coordinates: Vec<i64> = indices.scalars().map(|c| if let Scalar::Int(c) = c { c } else { -1 }).collect();
    if coordinates.len() != count * rank {
        return Err(malformed());
    }
    let strides = Tensor::strides(shape);
    let mut out = vec![elem.from_int(0); shape.iter().product()];
    for (i, value) in values.scalars().enumerate() {
        let index = &coordinates[i * rank..(i + 1) * rank];
        let offset = index
            .iter()
            .zip(shape)
            .zip(&strides)
            .try_fold(0usize, |at, ((c, d), s)| usize::try_from(*c).ok().filter(|c| c < d).map(|c| at + c * s));
        out[offset.ok_or_else(|| format!("sparse index #{i} {index:?} is outside the shape {shape:?}"))?] = value;
    }
    Ok(Tensor::from_scalars(shape, elem, out))
}

fn dense_values(ctx: &Context, attr: strata_ir::Attribute) -> Option<Tensor> {
    let AttrKind::DenseElements { ty, elements } = ctx.attr_kind(attr) else { return None };
    let (shape, elem) = tensor_type(ctx, *ty)?;
    let scalar = |v: &DenseValue| match v {
        DenseValue::Float(bits) => Some(elem.from_f64(f64::from_bits(*bits))),
        DenseValue::Int(i) => Some(elem.from_int(*i)),
        _ => None,
    };
    let n: usize = shape.iter().product();
    let values: Vec<Scalar> = match elements {
        DenseElements::Splat(v) => vec![scalar(v)?; n],
        // MLIR's storage is memory's for whole-byte elements of power-of-two sizes (not for
        // packed `i1` or `i24`).
        DenseElements::Raw(raw) if elem != Elem::Int(1) && raw.bytes().len() == n * elem.bytes() => {
            return Some(Tensor::from_bytes(&shape, elem, raw.bytes()));
        }
        _ => ctx.dense_values(*ty, elements)?.iter().map(scalar).collect::<Option<Vec<_>>>()?,
    };
    (values.len() == n).then(|| Tensor::from_scalars(&shape, elem, values))
}

/// The `func.func` ops under `root` with bodies, by name, in order.
pub fn functions(ctx: &Context, ir: &Ir, root: OpId) -> Vec<(String, OpId)> {
    ir.collect_ops(root)
        .into_iter()
        .filter(|op| ctx.ident_str(ir.op(*op).name()) == "func.func")
        .filter(|op| ir.op(*op).regions().first().is_some_and(|r| !ir.region(*r).blocks().is_empty()))
        .map(|op| {
            let name = ir.op(op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("").to_string();
            (name, op)
        })
        .collect()
}

/// Runs `func` (a `func.func` with one block) on `inputs`.
///
/// ```
/// use strata_runtime::{run_function, Elem, Tensor};
/// let mut ctx = strata_ir::Context::new();
/// strata_dialects::register_all(&mut ctx);
/// let src = r#"func.func @f(%x: tensor<3xf32>) -> tensor<3xf32> {
///   %y = "nn.relu"(%x) : (tensor<3xf32>) -> tensor<3xf32>
///   return %y : tensor<3xf32>
/// }"#;
/// let m = strata_ir::parse_source(&ctx, "f.mlir", src, &Default::default()).unwrap();
/// let func = m.ir.block_ops(m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0]).next().unwrap();
/// let x = Tensor::from_fn(&[3], Elem::F32, |i| i as f64 - 1.0);
/// let y = run_function(&ctx, &m.ir, func, vec![x]).unwrap();
/// assert_eq!(*y[0].floats(), [0.0, 0.0, 1.0]);
/// ```
pub fn run_function(ctx: &Context, ir: &Ir, func: OpId, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, RuntimeError> {
    let region = *ir.op(func).regions().first().ok_or_else(|| at(ctx, ir, func, "a function without a body"))?;
    let block = *ir.region(region).blocks().first().ok_or_else(|| at(ctx, ir, func, "a function without a body"))?;
    let args = ir.block(block).args();
    if inputs.len() != args.len() {
        return Err(RuntimeError::BadInput {
            index: inputs.len().min(args.len()),
            message: format!("the function takes {} inputs, {} were given", args.len(), inputs.len()),
        });
    }
    let mut values = Vec::with_capacity(inputs.len());
    for (i, (a, t)) in args.iter().zip(inputs).enumerate() {
        let ty = ir.value_type(*a);
        let want = tensor_type(ctx, ty).or_else(|| {
            // A scalar argument takes a rank-0 tensor.
            crate::scalar::elem_of_type(ctx, ty).filter(|_| ctx.shape(ty).is_none()).map(|e| (Vec::new(), e))
        });
        if want.as_ref() != Some(&(t.shape.clone(), t.elem)) {
            return Err(RuntimeError::BadInput {
                index: i,
                message: format!(
                    "expected {}, got tensor<{}x{}>",
                    ctx.type_to_string(ty),
                    t.shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"),
                    t.elem
                ),
            });
        }
        values.push(crate::exec::to_runtime(ctx, ty, t));
    }
    // Calls resolve against the outermost op around the function.
    let mut root = func;
    while let Some(p) = ir.parent_op(root) {
        root = p;
    }
    let mut machine = crate::exec::Machine::new(ctx, ir, root);
    let results = machine.call(func, values)?;
    let result_types: Vec<Type> = match ctx
        .attr_kind(ir.op(func).attr(ctx.ident("function_type")).ok_or_else(|| at(ctx, ir, func, "no function_type"))?)
    {
        AttrKind::Type(t) => match ctx.type_kind(*t) {
            strata_ir::TypeKind::Function { results, .. } => results.clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    results
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let elem = result_types.get(i).and_then(|t| crate::scalar::elem_of_type(ctx, *t)).unwrap_or(Elem::F64);
            crate::exec::to_tensor(v, elem).map_err(|m| at(ctx, ir, func, &m))
        })
        .collect()
}

fn at(ctx: &Context, ir: &Ir, op: OpId, message: &str) -> RuntimeError {
    RuntimeError::at(ctx, ir, op, message)
}

/// A fault in a kernel's body, at the body's op.
fn body_fault(ctx: &Context, ir: &Ir, f: BodyFault) -> RuntimeError {
    RuntimeError::at(ctx, ir, f.op, f.fault.to_string())
}

/// Reads an op's attributes.
struct Attrs<'a> {
    ctx: &'a Context,
    ir: &'a Ir,
    op: OpId,
}

impl Attrs<'_> {
    fn get(&self, name: &str) -> Option<strata_ir::Attribute> {
        self.ir.op(self.op).attr(self.ctx.ident(name))
    }
    fn float(&self, name: &str, default: f64) -> f64 {
        self.get(name).and_then(|a| self.ctx.attr_as_f64(a)).unwrap_or(default)
    }
    fn int(&self, name: &str, default: i64) -> i64 {
        self.get(name).and_then(|a| self.ctx.attr_as_int(a)).map_or(default, |v| v as i64)
    }
    fn ints(&self, name: &str) -> Vec<i64> {
        self.get(name).and_then(|a| nn_dialect::ints(self.ctx, a)).unwrap_or_default()
    }
    /// A `true`/`false` attribute (absent: false).
    fn flag(&self, name: &str) -> bool {
        self.get(name).and_then(|a| self.ctx.attr_as_int(a)) == Some(1)
    }
    fn layout(&self, name: &str) -> Layout {
        self.get(name).and_then(|a| self.ctx.attr_as_str(a)).and_then(Layout::parse).unwrap_or(Layout::Nchw)
    }
}

fn axis(a: i64, rank: usize) -> usize {
    if a < 0 {
        (a + rank as i64) as usize
    } else {
        a as usize
    }
}

/// Evaluates one op on its operand tensors.
pub fn eval_op(ctx: &Context, ir: &Ir, op: OpId, x: &[&Tensor]) -> Result<Vec<Tensor>, RuntimeError> {
    let name = ctx.ident_str(ir.op(op).name());
    let attrs = Attrs { ctx, ir, op };
    let result_types: Vec<(Vec<usize>, Elem)> = ir
        .op(op)
        .results()
        .iter()
        .map(|r| tensor_type(ctx, ir.value_type(*r)).ok_or_else(|| at(ctx, ir, op, "results must be static tensors")))
        .collect::<Result<_, _>>()?;
    for (shape, _) in &result_types {
        // Values are held as 8 bytes each.
        crate::limits::buffer_bytes(shape, 8).map_err(|e| at(ctx, ir, op, &format!("a result of {shape:?}: {e}")))?;
    }
    let (out, elem) = result_types.first().cloned().unwrap_or_default_pair();
    let one = |t: Tensor| Ok(vec![t]);
    if let Some(f) = nn::binary(name, elem) {
        if let Some(t) = nn::float_binary(f, x[0], x[1], &out, elem) {
            return one(t);
        }
        let types = Types { result: elem, operand: x[0].elem };
        return one(nn::map_broadcast(&x[..2], &out, elem, &mut |a| apply(f, types, a))
            .map_err(|fault| at(ctx, ir, op, &fault.to_string()))?);
    }
    let params = [
        attrs.float(if name == "nn.clip" { "min" } else { "alpha" }, if name == "nn.clip" { 0.0 } else { 0.01 }),
        attrs.float("max", 6.0),
    ];
    if let Some(f) = nn::unary(name, &params) {
        return one(nn::map_floats(x[0], &*f));
    }
    match name {
        "nn.constant" => {
            let a = attrs.get("value").ok_or_else(|| at(ctx, ir, op, "a constant without a value"))?;
            one(constant_tensor(ctx, a).map_err(|m| at(ctx, ir, op, &m))?)
        }
        "nn.conv2d" | "kernel.conv2d" => {
            let conv = nn_dialect::conv_attrs(ctx, &|n| attrs.get(n)).map_err(|e| at(ctx, ir, op, &e.to_string()))?;
            let groups = strata_ir::OpDef::operand_group_ranges;
            let def = ctx.op_def_by_name(name).ok_or_else(|| at(ctx, ir, op, "unregistered"))?;
            let ranges = groups(def, ctx, ir, op);
            let bias = if name == "nn.conv2d" { x.get(2).copied() } else { ranges[2].clone().next().map(|i| x[i]) };
            let y = nn::conv2d(x[0], x[1], bias, &conv);
            if name == "nn.conv2d" {
                return one(y);
            }
            one(epilogue(ctx, ir, op, y, &ranges[3].clone().map(|i| x[i]).collect::<Vec<_>>())?)
        }
        "nn.conv_transpose2d" => {
            let c = nn_dialect::conv_transpose_attrs(ctx, &|n| attrs.get(n))
                .map_err(|e| at(ctx, ir, op, &e.to_string()))?;
            one(nn::conv_transpose2d(x[0], x[1], x.get(2).copied(), &c, &out))
        }
        "nn.matmul" => one(nn::matmul(x[0], x[1], &out)),
        "kernel.matmul" => {
            let y = nn::matmul(x[0], x[1], &out);
            one(epilogue(ctx, ir, op, y, &x[2..])?)
        }
        "kernel.elementwise" => {
            let program = body(ctx, ir, op)?;
            let mut regs = Vec::new();
            let y = nn::map_broadcast(x, &out, elem, &mut |a| program.run(a, &mut regs))
                .map_err(|f| body_fault(ctx, ir, f))?;
            one(y)
        }
        "nn.batch_norm" => one(nn::batch_norm(x[0], [x[1], x[2], x[3], x[4]], attrs.float("epsilon", 1e-5))),
        "nn.layer_norm" => {
            let a = axis(attrs.int("axis", -1), x[0].shape.len());
            one(nn::layer_norm(x[0], x[1], x[2], a, attrs.float("epsilon", 1e-5)))
        }
        "nn.softmax" => one(nn::softmax(x[0], axis(attrs.int("axis", -1), x[0].shape.len()))),
        "nn.log_softmax" => one(nn::log_softmax(x[0], axis(attrs.int("axis", -1), x[0].shape.len()))),
        "nn.reduce_sum" | "nn.reduce_mean" | "nn.reduce_max" | "nn.reduce_min" | "nn.reduce_prod" => {
            let axes = nn_dialect::shape::reduce_axes(x[0].shape.len(), &attrs.ints("axes"))
                .map_err(|e| at(ctx, ir, op, &e.to_string()))?;
            let kind = nn::Reduction::of(name).ok_or_else(|| at(ctx, ir, op, "an unknown reduction"))?;
            one(nn::reduce(x[0], &axes, kind, &out))
        }
        "nn.slice" => one(nn::slice(x[0], &attrs.ints("starts"), &attrs.ints("steps"), &out)),
        "nn.gather" => {
            let a = axis(attrs.int("axis", 0), x[0].shape.len());
            one(nn::gather(x[0], x[1], a, &out).map_err(|m| at(ctx, ir, op, &m))?)
        }
        "nn.broadcast" => one(nn::broadcast(x[0], &out)),
        "nn.max_pool2d" | "nn.avg_pool2d" => {
            let (k, s, p) = (attrs.ints("kernel"), attrs.ints("strides"), attrs.ints("padding"));
            let pool = Pool2d {
                kernel: [k[0], k[1]],
                strides: if s.len() == 2 { [s[0], s[1]] } else { [1, 1] },
                padding: if p.len() == 4 { [p[0], p[1], p[2], p[3]] } else { [0; 4] },
                layout: attrs.layout("layout"),
            };
            let mode =
                PoolMode { ceil_mode: attrs.flag("ceil_mode"), count_include_pad: attrs.flag("count_include_pad") };
            one(nn::pool2d(x[0], &pool, mode, name == "nn.max_pool2d", &out))
        }
        "nn.global_avg_pool2d" => one(nn::global_avg_pool2d(x[0])),
        "nn.reshape" => one(x[0].clone().reshaped(&out)),
        "nn.transpose" => {
            let perm: Vec<usize> = attrs.ints("perm").iter().map(|p| *p as usize).collect();
            one(nn::transpose(x[0], &perm))
        }
        "nn.concat" => one(nn::concat(x, axis(attrs.int("axis", 0), out.len()), &out)),
        "nn.split" => {
            let shapes: Vec<Vec<usize>> = result_types.iter().map(|(s, _)| s.clone()).collect();
            Ok(nn::split(x[0], axis(attrs.int("axis", 0), x[0].shape.len()), &shapes))
        }
        "nn.pad" => {
            let pads = attrs.ints("pads");
            let mode = attrs.get("mode").and_then(|a| ctx.attr_as_str(a)).and_then(PadMode::parse).unwrap_or_default();
            one(nn::pad(x[0], &pads[..x[0].shape.len()], mode, attrs.float("value", 0.0), &out))
        }
        "nn.relayout" => one(nn::from_nchw(&nn::to_nchw(x[0], attrs.layout("from")), attrs.layout("to"))),
        "nn.cast" => one(nn::cast(x[0], elem)),
        "nn.compare" => {
            let predicate = attrs.get("predicate").and_then(|a| ctx.attr_as_str(a)).unwrap_or("");
            let f = nn::compare(predicate, x[0].elem).ok_or_else(|| at(ctx, ir, op, "an unknown predicate"))?;
            let types = Types { result: elem, operand: x[0].elem };
            let y = nn::map_broadcast(&x[..2], &out, elem, &mut |a| apply(f, types, a))
                .map_err(|fault| at(ctx, ir, op, &fault.to_string()))?;
            one(y)
        }
        "nn.select" => {
            let y =
                nn::map_broadcast(&x[..3], &out, elem, &mut |a| apply(crate::scalar::Op::Select, Types::same(elem), a))
                    .map_err(|fault| at(ctx, ir, op, &fault.to_string()))?;
            one(y)
        }
        _ => Err(at(ctx, ir, op, "the interpreter does not run this op")),
    }
}

trait OrDefaultPair {
    fn unwrap_or_default_pair(self) -> (Vec<usize>, Elem);
}
impl OrDefaultPair for Option<(Vec<usize>, Elem)> {
    fn unwrap_or_default_pair(self) -> (Vec<usize>, Elem) {
        self.unwrap_or((Vec::new(), Elem::F32))
    }
}

fn body(ctx: &Context, ir: &Ir, op: OpId) -> Result<Program, RuntimeError> {
    let region = *ir.op(op).regions().first().ok_or_else(|| at(ctx, ir, op, "a kernel without a body"))?;
    let block = *ir.region(region).blocks().first().ok_or_else(|| at(ctx, ir, op, "a kernel without a body"))?;
    Program::compile(ctx, ir, block, op)
}

/// Applies a kernel's epilogue to `acc`, with `extras` broadcast to it.
fn epilogue(ctx: &Context, ir: &Ir, op: OpId, acc: Tensor, extras: &[&Tensor]) -> Result<Tensor, RuntimeError> {
    let program = body(ctx, ir, op)?;
    let offsets: Vec<Vec<usize>> = extras.iter().map(|e| broadcast_offsets(&e.shape, &acc.shape)).collect();
    let mut regs = Vec::new();
    let mut args = vec![Scalar::Int(0); extras.len() + 1];
    let mut values = Vec::with_capacity(acc.len());
    for (i, value) in acc.scalars().enumerate() {
        args[0] = value;
        for (k, (e, offsets)) in extras.iter().zip(&offsets).enumerate() {
            args[k + 1] = e.get(offsets[i]);
        }
        values.push(program.run(&args, &mut regs).map_err(|f| body_fault(ctx, ir, f))?);
    }
    Ok(Tensor::from_scalars(&acc.shape, acc.elem, values))
}
