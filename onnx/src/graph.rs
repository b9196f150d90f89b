//! The function being built: ONNX value names bound to IR values or constants, ops created
//! with their result types inferred by the `nn` dialect, and import-time folding.
//!
//! A value whose producer had only constant inputs is itself a constant ([`Val::Const`]): the
//! op is evaluated right away by the interpreter (`strata_runtime::eval_op`), never written.
//! That is how shape sub-graphs (`Shape`, `Gather` on shapes, `Concat`, `ConstantOfShape`
//! ...) disappear at import, and how a constant becomes an operand only where a computed value
//! uses it: each constant is written once, as an `nn.constant`, at its first such use.

use std::collections::HashMap;
use std::rc::Rc;

use strata_ir::{Attribute, BlockId, Builder, Context, FloatKind, InsertPoint, Ir, Location, OpId, Type, Value};
use strata_runtime::Elem;

use crate::constant::Constant;

/// An ONNX value: computed at run time, or known now.
#[derive(Clone, Debug)]
pub enum Val {
    Ir(Value),
    Const(Rc<Constant>),
}

impl Val {
    pub fn constant(&self) -> Option<&Rc<Constant>> {
        match self {
            Val::Const(c) => Some(c),
            Val::Ir(_) => None,
        }
    }
}

pub struct Graph<'c> {
    pub ctx: &'c Context,
    pub ir: Ir,
    pub block: BlockId,
    /// The location ops get: the node being converted.
    pub loc: Location,
    names: HashMap<String, Val>,
    /// The `nn.constant` written for each constant, by the constant's address (the constant
    /// is kept alive here, so the address is not reused by another).
    written: HashMap<*const Constant, (Rc<Constant>, Value)>,
    /// The last `nn.constant` written: constants head the body in the order they were needed.
    last_constant: Option<OpId>,
}

impl<'c> Graph<'c> {
    pub fn new(ctx: &'c Context, ir: Ir, block: BlockId) -> Graph<'c> {
        Graph {
            ctx,
            ir,
            block,
            loc: ctx.unknown_loc(),
            names: HashMap::new(),
            written: HashMap::new(),
            last_constant: None,
        }
    }

    pub fn bind(&mut self, name: &str, v: Val) {
        self.names.insert(name.to_string(), v);
    }

    pub fn lookup(&self, name: &str) -> Option<&Val> {
        self.names.get(name)
    }

    /// The IR type of an element type.
    pub fn elem_type(&self, e: Elem) -> Type {
        match e {
            Elem::F32 => self.ctx.float_type(FloatKind::F32),
            Elem::F64 => self.ctx.float_type(FloatKind::F64),
            Elem::F16 => self.ctx.float_type(FloatKind::F16),
            Elem::BF16 => self.ctx.float_type(FloatKind::BF16),
            Elem::Narrow(kind) => self.ctx.float_type(kind),
            Elem::Int(w) => self.ctx.integer_type(w),
        }
    }

    pub fn ty(&self, v: &Val) -> Type {
        match v {
            Val::Ir(v) => self.ir.value_type(*v),
            Val::Const(c) => self.const_type(c),
        }
    }

    fn const_type(&self, c: &Constant) -> Type {
        self.ctx.tensor_type(c.shape.iter().map(|d| *d as i64).collect(), self.elem_type(c.elem))
    }

    pub fn shape(&self, v: &Val) -> Vec<i64> {
        self.ctx.shape(self.ty(v)).map(<[i64]>::to_vec).unwrap_or_default()
    }

    pub fn rank(&self, v: &Val) -> usize {
        self.shape(v).len()
    }

    pub fn elem(&self, v: &Val) -> Elem {
        match v {
            Val::Const(c) => c.elem,
            Val::Ir(_) => {
                let t = self.ctx.element_type_or_self(self.ty(v));
                Elem::parse(&self.ctx.type_to_string(t)).unwrap_or(Elem::F32)
            }
        }
    }

    // ---- attributes

    pub fn i64_attr(&self, v: i64) -> Attribute {
        self.ctx.integer_attr(v as i128, self.ctx.integer_type(64))
    }

    pub fn ints_attr(&self, v: &[i64]) -> Attribute {
        self.ctx.array_attr(v.iter().map(|x| self.i64_attr(*x)).collect())
    }

    pub fn f32_attr(&self, v: f64) -> Attribute {
        self.ctx.float_attr(v, self.ctx.float_type(FloatKind::F32))
    }

    pub fn bool_attr(&self, v: bool) -> Attribute {
        self.ctx.bool_attr(v)
    }

    pub fn str_attr(&self, v: &str) -> Attribute {
        self.ctx.string_attr(v)
    }

    // ---- values

    /// A constant as an operand: its `nn.constant`, written after the constants before it at
    /// the start of the body the first time it is needed.
    pub fn value(&mut self, v: &Val) -> Value {
        match v {
            Val::Ir(v) => *v,
            Val::Const(c) => {
                let key = Rc::as_ptr(c);
                if let Some((_, v)) = self.written.get(&key) {
                    return *v;
                }
                let ty = self.const_type(c);
                let attr = crate::weights::attr(self.ctx, c, ty);
                let at = match self.last_constant {
                    Some(op) => InsertPoint::After(op),
                    None => InsertPoint::BlockStart(self.block),
                };
                let mut b = Builder::new(self.ctx, &mut self.ir, at);
                b.loc = self.loc;
                let op = b.op("nn.constant", &[], &[ty], &[("value", attr)]);
                let value = self.ir.op(op).result(0);
                self.last_constant = Some(op);
                self.written.insert(key, (c.clone(), value));
                value
            }
        }
    }

    /// The result types `op` has on these operands and attributes, from the dialect's inference.
    fn infer(&self, op: &str, operands: &[Type], attrs: &[(&str, Attribute)]) -> Result<Vec<Type>, String> {
        let def = self.ctx.op_def_by_name(op).ok_or_else(|| format!("'{op}' is not a registered op"))?;
        let infer = def.infer.ok_or_else(|| format!("'{op}' does not infer its result types"))?;
        let get = |name: &str| attrs.iter().find(|(n, _)| *n == name).map(|(_, a)| *a);
        infer(self.ctx, &strata_ir::dialect::InferInput { operand_types: operands, attr: &get })
            .map_err(|e| format!("{op}: {e}"))
    }

    /// Creates `op`, or evaluates it when every operand is a constant.
    pub fn emit(&mut self, op: &str, operands: &[Val], attrs: &[(&str, Attribute)]) -> Result<Vec<Val>, String> {
        let types: Vec<Type> = operands.iter().map(|v| self.ty(v)).collect();
        let results = self.infer(op, &types, attrs)?;
        if !operands.is_empty() && operands.iter().all(|v| v.constant().is_some()) {
            return self.fold(op, operands, &types, &results, attrs);
        }
        let values: Vec<Value> = operands.iter().map(|v| self.value(v)).collect();
        let mut b = Builder::at_end(self.ctx, &mut self.ir, self.block);
        b.loc = self.loc;
        let id = b.op(op, &values, &results, attrs);
        Ok(self.ir.op(id).results().iter().map(|r| Val::Ir(*r)).collect())
    }

    /// [`Graph::emit`] for an op with one result.
    pub fn emit1(&mut self, op: &str, operands: &[Val], attrs: &[(&str, Attribute)]) -> Result<Val, String> {
        Ok(self.emit(op, operands, attrs)?.remove(0))
    }

    /// Runs `op` on constant operands in a scratch IR and returns its results as constants.
    fn fold(
        &self,
        op: &str,
        operands: &[Val],
        types: &[Type],
        results: &[Type],
        attrs: &[(&str, Attribute)],
    ) -> Result<Vec<Val>, String> {
        let mut scratch = Ir::new();
        let block = scratch.create_block(types);
        let args = scratch.block(block).args().to_vec();
        let id = Builder::at_end(self.ctx, &mut scratch, block).op(op, &args, results, attrs);
        let tensors: Vec<&strata_runtime::Tensor> =
            operands.iter().filter_map(|v| v.constant()).map(|c| c.tensor()).collect();
        let out = strata_runtime::eval_op(self.ctx, &scratch, id, &tensors).map_err(|e| e.to_string())?;
        Ok(out.into_iter().map(|t| Val::Const(Rc::new(Constant::from_tensor(t)))).collect())
    }

    /// A constant value.
    pub fn constant(&self, t: strata_runtime::Tensor) -> Val {
        Val::Const(Rc::new(Constant::from_tensor(t)))
    }

    /// A scalar constant of element type `e` holding `x`, shaped `[]`.
    pub fn scalar(&self, e: Elem, x: f64) -> Val {
        self.constant(strata_runtime::Tensor::from_scalars(&[], e, [e.from_f64(x)]))
    }
}
