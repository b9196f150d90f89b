//! `nn`: the tensor graph dialect. Ops keep their attributes in generic form as an interface
//! (tests outside the project write graphs that way):
//!
//! ```text
//! %y = "nn.conv2d"(%x, %w, %b) {strides = [1, 1], padding = [1, 1, 1, 1], dilations = [1, 1],
//!        groups = 1 : i64, layout = "NCHW"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>,
//!        tensor<4xf32>) -> tensor<1x4x8x8xf32>
//! ```
//!
//! Every op infers its result types from its operands and attributes ([`shape`]); the
//! verifier checks the written types against them and says which operand and dimension
//! disagree.

pub mod scalar;
pub mod shape;

use strata_ir::dialect::{attr_constraints as ac, Dialect, InferInput, OpDef, OpView, Trait, TypeConstraint};
use strata_ir::{AttrKind, Attribute, Context, DenseArrayValues, Diagnostic, Type, TypeKind};

use shape::{Conv2d, ConvAlgorithm, ConvTranspose2d, Layout, PadMode, Pool2d, PoolMode, ShapeError};

pub struct Nn;

/// A ranked tensor.
pub const TENSOR: TypeConstraint = TypeConstraint {
    description: "ranked tensor",
    check: |c, t| matches!(c.type_kind(t), TypeKind::RankedTensor { .. }),
};
/// A ranked tensor of floats.
pub const FLOAT_TENSOR: TypeConstraint = TypeConstraint {
    description: "ranked tensor of floating-point values",
    check: |c, t| matches!(c.type_kind(t), TypeKind::RankedTensor { element, .. } if c.is_float(*element)),
};

/// Integers of an array attribute (`[1, 2]` or `array<i64: 1, 2>`).
pub fn ints(ctx: &Context, a: Attribute) -> Option<Vec<i64>> {
    match ctx.attr_kind(a) {
        AttrKind::Array(items) => items.iter().map(|i| ctx.attr_as_int(*i).map(|v| v as i64)).collect(),
        AttrKind::DenseArray { values: DenseArrayValues::Int(v), .. } => Some(v.clone()),
        _ => None,
    }
}

/// Reads op attributes by name, with the errors a verifier reports.
struct Attrs<'a> {
    ctx: &'a Context,
    get: &'a dyn Fn(&str) -> Option<Attribute>,
}

impl Attrs<'_> {
    fn ints(&self, name: &str, len: usize, default: &[i64]) -> Result<Vec<i64>, ShapeError> {
        match (self.get)(name) {
            None => Ok(default.to_vec()),
            Some(a) => match ints(self.ctx, a) {
                Some(v) if v.len() == len || len == 0 => Ok(v),
                _ if len == 0 => Err(ShapeError {
                    operand: None,
                    message: format!("attribute '{name}' must be an array of integers"),
                }),
                _ => Err(ShapeError {
                    operand: None,
                    message: format!("attribute '{name}' must be an array of {len} integers"),
                }),
            },
        }
    }
    fn int(&self, name: &str, default: i64) -> Result<i64, ShapeError> {
        match (self.get)(name) {
            None => Ok(default),
            Some(a) => self
                .ctx
                .attr_as_int(a)
                .map(|v| v as i64)
                .ok_or_else(|| ShapeError { operand: None, message: format!("attribute '{name}' must be an integer") }),
        }
    }
    fn bool(&self, name: &str) -> Result<bool, ShapeError> {
        match (self.get)(name) {
            None => Ok(false),
            Some(a) if (BOOL_ATTR.check)(self.ctx, a) => Ok(self.ctx.attr_as_int(a) == Some(1)),
            Some(_) => Err(ShapeError { operand: None, message: format!("attribute '{name}' must be true or false") }),
        }
    }
    fn layout(&self, name: &str) -> Result<Layout, ShapeError> {
        match (self.get)(name) {
            None => Ok(Layout::Nchw),
            Some(a) => self.ctx.attr_as_str(a).and_then(Layout::parse).ok_or_else(|| ShapeError {
                operand: None,
                message: format!("attribute '{name}' must be one of \"NCHW\", \"NHWC\", \"NCHW4c\", \"NCHW8c\""),
            }),
        }
    }
    fn conv(&self) -> Result<Conv2d, ShapeError> {
        let s = self.ints("strides", 2, &[1, 1])?;
        let p = self.ints("padding", 4, &[0, 0, 0, 0])?;
        let d = self.ints("dilations", 2, &[1, 1])?;
        if let Some(a) = (self.get)("algorithm") {
            if self.ctx.attr_as_str(a).and_then(ConvAlgorithm::parse).is_none() {
                let names: Vec<&str> = ConvAlgorithm::ALL.iter().map(|a| a.name()).collect();
                return Err(ShapeError {
                    operand: None,
                    message: format!("attribute 'algorithm' must be one of {}", names.join(", ")),
                });
            }
        }
        Ok(Conv2d {
            strides: [s[0], s[1]],
            padding: [p[0], p[1], p[2], p[3]],
            dilations: [d[0], d[1]],
            groups: self.int("groups", 1)?,
            layout: self.layout("layout")?,
        })
    }
    fn pad_mode(&self) -> Result<PadMode, ShapeError> {
        match (self.get)("mode") {
            None => Ok(PadMode::Constant),
            Some(a) => self.ctx.attr_as_str(a).and_then(PadMode::parse).ok_or_else(|| ShapeError {
                operand: None,
                message: "attribute 'mode' must be one of \"constant\", \"reflect\", \"edge\"".into(),
            }),
        }
    }
    fn conv_transpose(&self) -> Result<ConvTranspose2d, ShapeError> {
        let s = self.ints("strides", 2, &[1, 1])?;
        let p = self.ints("padding", 4, &[0, 0, 0, 0])?;
        let d = self.ints("dilations", 2, &[1, 1])?;
        let o = self.ints("output_padding", 2, &[0, 0])?;
        Ok(ConvTranspose2d {
            strides: [s[0], s[1]],
            padding: [p[0], p[1], p[2], p[3]],
            dilations: [d[0], d[1]],
            output_padding: [o[0], o[1]],
            groups: self.int("groups", 1)?,
        })
    }
    fn pool(&self) -> Result<Pool2d, ShapeError> {
        let k = self.ints("kernel", 2, &[])?;
        if k.len() != 2 {
            return Err(ShapeError { operand: None, message: "attribute 'kernel' (2 integers) is required".into() });
        }
        let s = self.ints("strides", 2, &[1, 1])?;
        let p = self.ints("padding", 4, &[0, 0, 0, 0])?;
        Ok(Pool2d {
            kernel: [k[0], k[1]],
            strides: [s[0], s[1]],
            padding: [p[0], p[1], p[2], p[3]],
            layout: self.layout("layout")?,
        })
    }
}

/// Declares a convolution's attributes (`strides`, `padding`, `dilations`, `groups`, `layout`,
/// `algorithm`, all optional), as `nn.conv2d` and `kernel.conv2d` take them.
pub fn conv_attributes(def: OpDef) -> OpDef {
    def.optional_attr("strides", ac::ARRAY)
        .optional_attr("padding", ac::ARRAY)
        .optional_attr("dilations", ac::ARRAY)
        .optional_attr("groups", ac::I64)
        .optional_attr("layout", ac::STRING)
        .optional_attr("algorithm", ac::STRING)
}

/// The convolution an op's attributes describe (`strides`, `padding`, `dilations`, `groups`,
/// `layout`, `algorithm`), with `nn.conv2d`'s defaults; shared with `kernel.conv2d`.
pub fn conv_attrs(ctx: &Context, get: &dyn Fn(&str) -> Option<Attribute>) -> Result<Conv2d, ShapeError> {
    Attrs { ctx, get }.conv()
}

/// The transposed convolution an op's attributes describe (`strides`, `padding`, `dilations`,
/// `output_padding`, `groups`), with `nn.conv_transpose2d`'s defaults.
pub fn conv_transpose_attrs(
    ctx: &Context,
    get: &dyn Fn(&str) -> Option<Attribute>,
) -> Result<ConvTranspose2d, ShapeError> {
    Attrs { ctx, get }.conv_transpose()
}

/// The shape of a ranked tensor type (empty for anything else).
pub fn shape_of(ctx: &Context, t: Type) -> Vec<i64> {
    ctx.shape(t).map(<[i64]>::to_vec).unwrap_or_default()
}

/// The element type all tensor operands share (operand 0's).
fn element(ctx: &Context, types: &[Type]) -> Result<Type, ShapeError> {
    let e = ctx.element_type_or_self(types[0]);
    for (i, t) in types.iter().enumerate().skip(1) {
        if ctx.element_type_or_self(*t) != e {
            return Err(ShapeError {
                operand: Some((i, "operand")),
                message: format!(
                    "element type {} differs from operand #0's {}",
                    ctx.type_to_string(ctx.element_type_or_self(*t)),
                    ctx.type_to_string(e)
                ),
            });
        }
    }
    Ok(e)
}

type Inferred = Result<Vec<Type>, ShapeError>;

fn tensor(ctx: &Context, shape: Vec<i64>, e: Type) -> Inferred {
    Ok(vec![ctx.tensor_type(shape, e)])
}

fn to_string(r: Inferred) -> Result<Vec<Type>, String> {
    r.map_err(|e| e.to_string())
}

fn attrs<'a>(ctx: &'a Context, input: &'a InferInput<'a>) -> Attrs<'a> {
    Attrs { ctx, get: input.attr }
}

fn infer_broadcast(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let e = element(ctx, i.operand_types)?;
        tensor(ctx, shape::broadcast(&shape_of(ctx, i.operand_types[0]), &shape_of(ctx, i.operand_types[1]))?, e)
    })())
}

fn infer_same(_: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    Ok(vec![i.operand_types[0]])
}

fn infer_conv(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let e = element(ctx, i.operand_types)?;
        let c = attrs(ctx, i).conv()?;
        let shapes: Vec<Vec<i64>> = i.operand_types.iter().map(|t| shape_of(ctx, *t)).collect();
        tensor(ctx, c.output(&shapes[0], &shapes[1], shapes.get(2).map(Vec::as_slice))?, e)
    })())
}

fn infer_conv_transpose(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let e = element(ctx, i.operand_types)?;
        let c = attrs(ctx, i).conv_transpose()?;
        let shapes: Vec<Vec<i64>> = i.operand_types.iter().map(|t| shape_of(ctx, *t)).collect();
        tensor(ctx, c.output(&shapes[0], &shapes[1], shapes.get(2).map(Vec::as_slice))?, e)
    })())
}

fn infer_matmul(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let e = element(ctx, i.operand_types)?;
        tensor(ctx, shape::matmul(&shape_of(ctx, i.operand_types[0]), &shape_of(ctx, i.operand_types[1]))?, e)
    })())
}

fn infer_pool(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let e = element(ctx, i.operand_types)?;
        let a = attrs(ctx, i);
        let mode = PoolMode { ceil_mode: a.bool("ceil_mode")?, count_include_pad: a.bool("count_include_pad")? };
        tensor(ctx, a.pool()?.output_with(&shape_of(ctx, i.operand_types[0]), mode)?, e)
    })())
}

fn infer_global_pool(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let e = element(ctx, i.operand_types)?;
        let s = shape_of(ctx, i.operand_types[0]);
        if s.len() != 4 {
            return Err(ShapeError {
                operand: Some((0, "input")),
                message: format!("an NCHW input has rank 4, not {}", s.len()),
            });
        }
        tensor(ctx, vec![s[0], s[1], 1, 1], e)
    })())
}

/// A shape function of an input shape and an integer-list attribute.
type ShapeFn = fn(&[i64], &[i64]) -> Result<Vec<i64>, ShapeError>;

/// A result of the operand's element type, its shape from the operand's and attribute `name`.
fn infer_reshaped(ctx: &Context, i: &InferInput, name: &str, f: ShapeFn) -> Result<Vec<Type>, String> {
    to_string((|| {
        let attr = attrs(ctx, i).ints(name, 0, &[])?;
        tensor(ctx, f(&shape_of(ctx, i.operand_types[0]), &attr)?, ctx.element_type_or_self(i.operand_types[0]))
    })())
}

fn infer_reshape(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    infer_reshaped(ctx, i, "shape", shape::reshape)
}

fn infer_transpose(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    infer_reshaped(ctx, i, "perm", shape::transpose)
}

fn infer_concat(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let e = element(ctx, i.operand_types)?;
        let shapes: Vec<Vec<i64>> = i.operand_types.iter().map(|t| shape_of(ctx, *t)).collect();
        let refs: Vec<&[i64]> = shapes.iter().map(Vec::as_slice).collect();
        tensor(ctx, shape::concat(&refs, attrs(ctx, i).int("axis", 0)?)?, e)
    })())
}

fn infer_split(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let a = attrs(ctx, i);
        let e = ctx.element_type_or_self(i.operand_types[0]);
        let outs = shape::split(&shape_of(ctx, i.operand_types[0]), a.int("axis", 0)?, &a.ints("sizes", 0, &[])?)?;
        Ok(outs.into_iter().map(|s| ctx.tensor_type(s, e)).collect())
    })())
}

fn infer_pad(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let a = attrs(ctx, i);
        let p = a.ints("pads", 0, &[])?;
        let shape = shape::pad_with(&shape_of(ctx, i.operand_types[0]), &p, a.pad_mode()?)?;
        tensor(ctx, shape, ctx.element_type_or_self(i.operand_types[0]))
    })())
}

fn infer_relayout(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let a = attrs(ctx, i);
        let (from, to) = (a.layout("from")?, a.layout("to")?);
        tensor(
            ctx,
            shape::relayout(&shape_of(ctx, i.operand_types[0]), from, to)?,
            ctx.element_type_or_self(i.operand_types[0]),
        )
    })())
}

/// Per-channel operands of batch_norm and the normalized dims of layer_norm.
fn infer_batch_norm(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        element(ctx, i.operand_types)?;
        let x = shape_of(ctx, i.operand_types[0]);
        if x.len() < 2 {
            return Err(ShapeError {
                operand: Some((0, "x")),
                message: "batch_norm needs rank 2 or more (N, C, ...)".into(),
            });
        }
        for (k, name) in ["scale", "bias", "mean", "var"].into_iter().enumerate() {
            let s = shape_of(ctx, i.operand_types[k + 1]);
            if s != [x[1]] {
                return Err(ShapeError {
                    operand: Some((k + 1, name)),
                    message: format!(
                        "shape [{}] should be [{}], one value per channel (dimension 1 of x)",
                        shape::join(&s),
                        x[1]
                    ),
                });
            }
        }
        Ok(vec![i.operand_types[0]])
    })())
}

fn infer_layer_norm(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        element(ctx, i.operand_types)?;
        let x = shape_of(ctx, i.operand_types[0]);
        let a = shape::axis(attrs(ctx, i).int("axis", -1)?, x.len())?;
        for (k, name) in ["scale", "bias"].into_iter().enumerate() {
            let s = shape_of(ctx, i.operand_types[k + 1]);
            if s != x[a..] {
                return Err(ShapeError {
                    operand: Some((k + 1, name)),
                    message: format!(
                        "shape [{}] should be [{}], the normalized dimensions of x",
                        shape::join(&s),
                        shape::join(&x[a..])
                    ),
                });
            }
        }
        Ok(vec![i.operand_types[0]])
    })())
}

fn infer_softmax(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        shape::axis(attrs(ctx, i).int("axis", -1)?, shape_of(ctx, i.operand_types[0]).len())?;
        Ok(vec![i.operand_types[0]])
    })())
}

fn infer_reduce(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let a = attrs(ctx, i);
        let shape = shape::reduce(&shape_of(ctx, i.operand_types[0]), &a.ints("axes", 0, &[])?, a.bool("keepdims")?)?;
        tensor(ctx, shape, ctx.element_type_or_self(i.operand_types[0]))
    })())
}

fn infer_slice(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let a = attrs(ctx, i);
        let (starts, sizes, steps) = (a.ints("starts", 0, &[])?, a.ints("sizes", 0, &[])?, a.ints("steps", 0, &[])?);
        let shape = shape::slice(&shape_of(ctx, i.operand_types[0]), &starts, &sizes, &steps)?;
        tensor(ctx, shape, ctx.element_type_or_self(i.operand_types[0]))
    })())
}

fn infer_gather(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    to_string((|| {
        let index = ctx.element_type_or_self(i.operand_types[1]);
        if index != ctx.integer_type(32) && index != ctx.integer_type(64) {
            return Err(ShapeError {
                operand: Some((1, "indices")),
                message: format!("indices are i32 or i64, not {}", ctx.type_to_string(index)),
            });
        }
        let (data, indices) = (shape_of(ctx, i.operand_types[0]), shape_of(ctx, i.operand_types[1]));
        let shape = shape::gather(&data, &indices, attrs(ctx, i).int("axis", 0)?)?;
        tensor(ctx, shape, ctx.element_type_or_self(i.operand_types[0]))
    })())
}

fn infer_broadcast_to(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    infer_reshaped(ctx, i, "shape", shape::broadcast_to)
}

fn infer_constant(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    let v = (i.attr)("value").ok_or("attribute 'value' is required")?;
    ctx.attr_type(v).map(|t| vec![t]).ok_or_else(|| "attribute 'value' must be a typed (dense) attribute".to_string())
}

/// Checks the written result types against the inferred ones.
fn verify_inferred(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    verify_sizes(v)?;
    let Some(infer) = v.def.infer else { return Ok(()) };
    let types: Vec<Type> = v.operands().iter().map(|o| ir.value_type(*o)).collect();
    let get = |name: &str| v.attr(name);
    let inferred = infer(ctx, &InferInput { operand_types: &types, attr: &get }).map_err(|m| v.error(m))?;
    let results: Vec<Type> = v.results().iter().map(|r| ir.value_type(*r)).collect();
    if results.len() != inferred.len() {
        return Err(v.error(format!(
            "has {} results, but its operands and attributes give {}",
            results.len(),
            inferred.len()
        )));
    }
    for (k, (r, t)) in results.iter().zip(&inferred).enumerate() {
        if r != t {
            return Err(v.error(format!(
                "result #{k} has type {}, but its operands and attributes give {}",
                ctx.type_to_string(*r),
                ctx.type_to_string(*t)
            )));
        }
    }
    Ok(())
}

/// Every tensor an op reads or writes must have an element count and a byte size that fit
/// in i64: buffers, offsets and loops are planned with them, and the shape functions below
/// multiply dimensions. (Dynamic and unranked types have no static size to check.)
fn verify_sizes(v: &OpView) -> Result<(), Diagnostic> {
    for (what, values) in [("operand", v.operands()), ("result", v.results())] {
        for (i, value) in values.iter().enumerate() {
            match v.ctx.byte_size(v.ir.value_type(*value)) {
                Err(e) if e.is_overflow() => return Err(v.error(format!("{what} #{i}: {e}"))),
                _ => {}
            }
        }
    }
    Ok(())
}

fn op(name: &'static str, summary: &'static str) -> OpDef {
    OpDef::new(name).summary(summary).traits(&[Trait::Pure]).verifier(verify_inferred)
}

const FLOAT_ATTR: strata_ir::dialect::AttrConstraint = ac::FLOAT;

/// MLIR's `BoolAttr`: `true` or `false` (an `i1` integer).
const BOOL_ATTR: strata_ir::dialect::AttrConstraint = strata_ir::dialect::AttrConstraint {
    description: "bool attribute (true or false)",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::Integer { ty, .. } if *ty == c.i1()),
    syntax: strata_ir::dialect::AttrSyntax::Full,
};

impl Dialect for Nn {
    fn name(&self) -> &'static str {
        "nn"
    }
    fn description(&self) -> &'static str {
        "tensor graphs for deep learning: convolutions, matmuls, elementwise ops, norms, pooling"
    }
    fn operations(&self) -> Vec<OpDef> {
        let mut ops = Vec::new();
        for (name, summary) in [
            ("nn.add", "elementwise sum with numpy broadcasting"),
            ("nn.sub", "elementwise difference with numpy broadcasting"),
            ("nn.mul", "elementwise product with numpy broadcasting"),
            ("nn.div", "elementwise quotient with numpy broadcasting"),
            ("nn.max", "elementwise maximum with numpy broadcasting"),
            ("nn.min", "elementwise minimum with numpy broadcasting"),
            ("nn.pow", "elementwise power with numpy broadcasting"),
        ] {
            // Integers have no `pow` in `arith` (and ONNX's integer Pow is rare).
            let t = if name == "nn.pow" { FLOAT_TENSOR } else { TENSOR };
            let mut d = op(name, summary)
                .traits(&[Trait::Elementwise])
                .operand("lhs", t)
                .operand("rhs", t)
                .result("result", t)
                .infer_types(infer_broadcast);
            if matches!(name, "nn.add" | "nn.mul" | "nn.max" | "nn.min") {
                d = d.traits(&[Trait::Commutative]);
            }
            ops.push(d);
        }
        for (name, summary) in [
            ("nn.relu", "max(x, 0)"),
            ("nn.relu6", "min(max(x, 0), 6)"),
            ("nn.sigmoid", "1 / (1 + exp(-x))"),
            ("nn.tanh", "hyperbolic tangent"),
            ("nn.gelu", "x * (1 + erf(x / sqrt 2)) / 2"),
            ("nn.erf", "the error function, 2/sqrt(pi) times the integral of exp(-t^2) from 0 to x"),
            ("nn.silu", "x * sigmoid(x)"),
            ("nn.exp", "e^x"),
            ("nn.log", "natural logarithm"),
            ("nn.sqrt", "square root"),
            ("nn.rsqrt", "1 / sqrt(x)"),
            ("nn.abs", "absolute value"),
            ("nn.neg", "-x"),
        ] {
            ops.push(
                op(name, summary)
                    .traits(&[Trait::Elementwise, Trait::SameOperandsAndResultType])
                    .operand("input", FLOAT_TENSOR)
                    .result("result", FLOAT_TENSOR)
                    .infer_types(infer_same),
            );
        }
        ops.push(
            op("nn.leaky_relu", "x if x > 0 else alpha * x")
                .traits(&[Trait::Elementwise, Trait::SameOperandsAndResultType])
                .operand("input", FLOAT_TENSOR)
                .result("result", FLOAT_TENSOR)
                .optional_attr("alpha", FLOAT_ATTR)
                .infer_types(infer_same),
        );
        ops.push(
            op("nn.clip", "min(max(x, min), max)")
                .traits(&[Trait::Elementwise, Trait::SameOperandsAndResultType])
                .operand("input", FLOAT_TENSOR)
                .result("result", FLOAT_TENSOR)
                .attr("min", FLOAT_ATTR)
                .attr("max", FLOAT_ATTR)
                .infer_types(infer_same),
        );
        ops.push(
            conv_attributes(
                op("nn.conv2d", "2-D convolution (weight OIHW), optional bias; groups, dilation, layouts")
                    .operand("input", FLOAT_TENSOR)
                    .operand("weight", FLOAT_TENSOR)
                    .optional_operand("bias", FLOAT_TENSOR)
                    .result("result", FLOAT_TENSOR),
            )
            .infer_types(infer_conv),
        );
        ops.push(
            op(
                "nn.conv_transpose2d",
                "2-D transposed convolution (NCHW; weight [C_in, C_out/groups, kH, kW]), optional bias; \
                 strides, padding, dilations, output_padding, groups",
            )
            .operand("input", FLOAT_TENSOR)
            .operand("weight", FLOAT_TENSOR)
            .optional_operand("bias", FLOAT_TENSOR)
            .result("result", FLOAT_TENSOR)
            .optional_attr("strides", ac::ARRAY)
            .optional_attr("padding", ac::ARRAY)
            .optional_attr("dilations", ac::ARRAY)
            .optional_attr("output_padding", ac::ARRAY)
            .optional_attr("groups", ac::I64)
            .infer_types(infer_conv_transpose),
        );
        ops.push(
            op("nn.matmul", "matrix product, batched with broadcast batch dimensions")
                .operand("lhs", TENSOR)
                .operand("rhs", TENSOR)
                .result("result", TENSOR)
                .infer_types(infer_matmul),
        );
        ops.push(
            op("nn.batch_norm", "inference batch normalization: (x - mean) / sqrt(var + epsilon) * scale + bias")
                .operand("x", FLOAT_TENSOR)
                .operand("scale", FLOAT_TENSOR)
                .operand("bias", FLOAT_TENSOR)
                .operand("mean", FLOAT_TENSOR)
                .operand("var", FLOAT_TENSOR)
                .result("result", FLOAT_TENSOR)
                .optional_attr("epsilon", FLOAT_ATTR)
                .infer_types(infer_batch_norm),
        );
        ops.push(
            op("nn.layer_norm", "normalization over the dimensions from axis on, then scale and bias")
                .operand("x", FLOAT_TENSOR)
                .operand("scale", FLOAT_TENSOR)
                .operand("bias", FLOAT_TENSOR)
                .result("result", FLOAT_TENSOR)
                .optional_attr("axis", ac::I64)
                .optional_attr("epsilon", FLOAT_ATTR)
                .infer_types(infer_layer_norm),
        );
        ops.push(
            op("nn.softmax", "softmax along an axis")
                .operand("input", FLOAT_TENSOR)
                .result("result", FLOAT_TENSOR)
                .optional_attr("axis", ac::I64)
                .infer_types(infer_softmax),
        );
        for (name, summary) in [
            ("nn.reduce_sum", "sum over `axes` (floats accumulate in f64 in the interpreter)"),
            ("nn.reduce_mean", "mean over `axes` (floats only)"),
            ("nn.reduce_max", "maximum over `axes` (a NaN wins)"),
            ("nn.reduce_min", "minimum over `axes` (a NaN wins)"),
            ("nn.reduce_prod", "product over `axes`"),
        ] {
            let t = if name == "nn.reduce_mean" { FLOAT_TENSOR } else { TENSOR };
            ops.push(
                op(name, summary)
                    .operand("input", t)
                    .result("result", t)
                    .attr("axes", ac::ARRAY)
                    .optional_attr("keepdims", BOOL_ATTR)
                    .infer_types(infer_reduce),
            );
        }
        ops.push(
            op("nn.log_softmax", "log of softmax along an axis: x - max - log(sum(exp(x - max)))")
                .operand("input", FLOAT_TENSOR)
                .result("result", FLOAT_TENSOR)
                .optional_attr("axis", ac::I64)
                .infer_types(infer_softmax),
        );
        ops.push(
            op("nn.slice", "result[i...] = input[starts[d] + i_d * steps[d]...]: a strided window, steps non-zero")
                .operand("input", TENSOR)
                .result("result", TENSOR)
                .attr("starts", ac::ARRAY)
                .attr("sizes", ac::ARRAY)
                .attr("steps", ac::ARRAY)
                .infer_types(infer_slice),
        );
        ops.push(
            op(
                "nn.gather",
                "ONNX Gather: slices of data along `axis` at i32/i64 indices in [-n, n) (negatives from the end)",
            )
            .operand("data", TENSOR)
            .operand("indices", TENSOR)
            .result("result", TENSOR)
            .optional_attr("axis", ac::I64)
            .infer_types(infer_gather),
        );
        ops.push(
            op("nn.broadcast", "numpy broadcasting of the input to exactly `shape`")
                .operand("input", TENSOR)
                .result("result", TENSOR)
                .attr("shape", ac::ARRAY)
                .infer_types(infer_broadcast_to),
        );
        for (name, summary) in [
            ("nn.max_pool2d", "2-D max pooling; `ceil_mode` as ONNX's"),
            (
                "nn.avg_pool2d",
                "2-D average pooling; `ceil_mode` and `count_include_pad` as ONNX's (by default the average \
                 is over the input elements a window covers)",
            ),
        ] {
            let mut d = op(name, summary)
                .operand("input", FLOAT_TENSOR)
                .result("result", FLOAT_TENSOR)
                .attr("kernel", ac::ARRAY)
                .optional_attr("strides", ac::ARRAY)
                .optional_attr("padding", ac::ARRAY)
                .optional_attr("layout", ac::STRING)
                .optional_attr("ceil_mode", BOOL_ATTR)
                .infer_types(infer_pool);
            if name == "nn.avg_pool2d" {
                d = d.optional_attr("count_include_pad", BOOL_ATTR);
            }
            ops.push(d);
        }
        ops.push(
            op("nn.global_avg_pool2d", "mean over H and W (NCHW)")
                .operand("input", FLOAT_TENSOR)
                .result("result", FLOAT_TENSOR)
                .infer_types(infer_global_pool),
        );
        ops.push(
            op("nn.reshape", "same elements, new shape (one dimension may be -1)")
                .operand("input", TENSOR)
                .result("result", TENSOR)
                .attr("shape", ac::ARRAY)
                .infer_types(infer_reshape),
        );
        ops.push(
            op("nn.transpose", "permutes dimensions")
                .operand("input", TENSOR)
                .result("result", TENSOR)
                .attr("perm", ac::ARRAY)
                .infer_types(infer_transpose),
        );
        ops.push(
            op("nn.concat", "joins tensors along an axis")
                .variadic_operand("inputs", TENSOR)
                .result("result", TENSOR)
                .attr("axis", ac::I64)
                .infer_types(infer_concat),
        );
        ops.push(
            op("nn.split", "cuts a tensor along an axis into pieces of the given sizes")
                .operand("input", TENSOR)
                .variadic_result("results", TENSOR)
                .attr("axis", ac::I64)
                .attr("sizes", ac::ARRAY)
                .infer_types(infer_split),
        );
        ops.push(
            op(
                "nn.pad",
                "pads (negative pads crop): pads = all befores, then all afters; mode \"constant\" (`value`), \
                 \"reflect\" or \"edge\" as ONNX's",
            )
            .operand("input", TENSOR)
            .result("result", TENSOR)
            .attr("pads", ac::ARRAY)
            .optional_attr("value", FLOAT_ATTR)
            .optional_attr("mode", ac::STRING)
            .infer_types(infer_pad),
        );
        ops.push(
            op("nn.relayout", "the same tensor in another layout")
                .operand("input", TENSOR)
                .result("result", TENSOR)
                .attr("from", ac::STRING)
                .attr("to", ac::STRING)
                .infer_types(infer_relayout),
        );
        ops.push(
            op("nn.constant", "a constant tensor")
                .traits(&[Trait::ConstantLike])
                .result("result", TENSOR)
                .attr("value", ac::ANY)
                .infer_types(infer_constant),
        );
        ops.push(
            op(
                "nn.cast",
                "each element converted to the type `to`: floats rounded to nearest, floats to integers \
                 truncated toward zero (saturating, NaN to 0), integers sign-extended or wrapped, \
                 anything to i1 as x != 0, i1 to a number as 0 or 1",
            )
            .traits(&[Trait::Elementwise])
            .operand("input", TENSOR)
            .result("result", TENSOR)
            .attr("to", ac::TYPE)
            .infer_types(infer_cast),
        );
        ops.push(
            op(
                "nn.compare",
                "elementwise comparison with numpy broadcasting, an i1 tensor: predicate eq, ne, lt, le, \
                 gt or ge (integers signed; floats ordered, except ne, which holds for NaN)",
            )
            .traits(&[Trait::Elementwise])
            .operand("lhs", TENSOR)
            .operand("rhs", TENSOR)
            .result("result", TENSOR)
            .attr("predicate", ac::STRING)
            .infer_types(infer_compare),
        );
        ops.push(
            op("nn.select", "elementwise choice, with numpy broadcasting of all three: x where cond, else y")
                .traits(&[Trait::Elementwise])
                .operand("cond", TENSOR)
                .operand("x", TENSOR)
                .operand("y", TENSOR)
                .result("result", TENSOR)
                .infer_types(infer_select),
        );
        ops
    }
}

/// `nn.compare`'s predicates.
pub const COMPARE_PREDICATES: &[&str] = &["eq", "ne", "lt", "le", "gt", "ge"];

fn infer_cast(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    let to = (i.attr)("to").and_then(|a| ctx.attr_as_type(a)).ok_or("attribute 'to' must be a type")?;
    if ctx.shape(to).is_some() || !(ctx.is_float(to) || matches!(ctx.type_kind(to), TypeKind::Integer { .. })) {
        return Err(format!("attribute 'to' must be an integer or float type, not {}", ctx.type_to_string(to)));
    }
    Ok(vec![ctx.tensor_type(shape_of(ctx, i.operand_types[0]), to)])
}

fn infer_compare(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    let p = (i.attr)("predicate").and_then(|a| ctx.attr_as_str(a)).unwrap_or("");
    if !COMPARE_PREDICATES.contains(&p) {
        return Err(format!("predicate '{p}' is not one of {}", COMPARE_PREDICATES.join(", ")));
    }
    to_string((|| {
        element(ctx, i.operand_types)?;
        tensor(ctx, shape::broadcast(&shape_of(ctx, i.operand_types[0]), &shape_of(ctx, i.operand_types[1]))?, ctx.i1())
    })())
}

fn infer_select(ctx: &Context, i: &InferInput) -> Result<Vec<Type>, String> {
    if ctx.element_type_or_self(i.operand_types[0]) != ctx.i1() {
        return Err(format!(
            "operand #0 (cond) must be a tensor of i1, not {}",
            ctx.type_to_string(i.operand_types[0])
        ));
    }
    let e = ctx.element_type_or_self(i.operand_types[1]);
    if ctx.element_type_or_self(i.operand_types[2]) != e {
        return Err(format!(
            "operand #2 (y) has element type {}, operand #1 (x) {}",
            ctx.type_to_string(ctx.element_type_or_self(i.operand_types[2])),
            ctx.type_to_string(e)
        ));
    }
    to_string((|| {
        let shapes: Vec<Vec<i64>> = i.operand_types.iter().map(|t| shape_of(ctx, *t)).collect();
        let out = shape::broadcast(&shape::broadcast(&shapes[0], &shapes[1])?, &shapes[2])?;
        tensor(ctx, out, e)
    })())
}
