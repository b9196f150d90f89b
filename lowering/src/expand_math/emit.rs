//! [`Emit`]: `arith`/`math` ops on one shape of lanes (scalars, or vectors of one shape) in
//! front of the op being expanded, with its location. Constants are splats of that shape,
//! each made once per expansion.

use rustc_hash::FxHashMap;
use strata_ir::{AttrKind, Attribute, Builder, DenseElements, DenseValue, Type, TypeKind, Value};

/// `arith.cmpf` predicates (MLIR's numbering).
pub mod cmpf {
    pub const OEQ: i64 = 1;
    pub const OGT: i64 = 2;
    pub const OGE: i64 = 3;
    pub const OLT: i64 = 4;
    pub const ULT: i64 = 11;
}

/// `arith.cmpi` predicates (MLIR's numbering).
pub mod cmpi {
    pub const NE: i64 = 1;
    pub const SLT: i64 = 2;
}

pub struct Emit<'c, 'i> {
    pub b: Builder<'c, 'i>,
    /// The vector shape and its scalable dimensions, `None` for scalars.
    lanes: Option<(Vec<i64>, Vec<bool>)>,
    constants: FxHashMap<(Type, Attribute), Value>,
    /// Whether `mul_add` is one `math.fma` (else `mulf` then `addf`).
    fma: bool,
}

impl<'c, 'i> Emit<'c, 'i> {
    /// Ops on values of type `like` (a scalar, or a vector whose shape the results take).
    pub fn new(b: Builder<'c, 'i>, like: Type, fma: bool) -> Self {
        let lanes = match b.ctx.type_kind(like) {
            TypeKind::Vector { shape, scalable, .. } => Some((shape.clone(), scalable.clone())),
            _ => None,
        };
        Emit { b, lanes, constants: FxHashMap::default(), fma }
    }

    /// `elem`, or a vector of `elem` of the shape of the lanes.
    pub fn of(&self, elem: Type) -> Type {
        match &self.lanes {
            Some((shape, scalable)) => self.b.ctx.intern_type(TypeKind::Vector {
                shape: shape.clone(),
                scalable: scalable.clone(),
                element: elem,
            }),
            None => elem,
        }
    }

    pub fn f32(&self) -> Type {
        self.of(self.b.ctx.f32_type())
    }
    pub fn f64(&self) -> Type {
        self.of(self.b.ctx.f64_type())
    }
    pub fn i32(&self) -> Type {
        self.of(self.b.ctx.integer_type(32))
    }
    pub fn i64(&self) -> Type {
        self.of(self.b.ctx.i64_type())
    }

    /// A constant of element type `elem`: the scalar `value`, or its splat.
    fn constant(&mut self, elem: Type, scalar: Attribute, value: DenseValue) -> Value {
        let ty = self.of(elem);
        if let Some(v) = self.constants.get(&(ty, scalar)) {
            return *v;
        }
        let attr = if self.lanes.is_some() {
            self.b.ctx.intern_attr(AttrKind::DenseElements { ty, elements: DenseElements::Splat(value) })
        } else {
            scalar
        };
        let v = self.b.value("arith.constant", &[], ty, &[("value", attr)]);
        self.constants.insert((ty, scalar), v);
        v
    }

    /// An `f32` constant (splat).
    pub fn f(&mut self, x: f32) -> Value {
        let elem = self.b.ctx.f32_type();
        self.float(elem, f64::from(x))
    }
    /// An `f64` constant (splat).
    pub fn d(&mut self, x: f64) -> Value {
        let elem = self.b.ctx.f64_type();
        self.float(elem, x)
    }
    fn float(&mut self, elem: Type, x: f64) -> Value {
        let scalar = self.b.ctx.float_attr(x, elem);
        self.constant(elem, scalar, DenseValue::Float(x.to_bits()))
    }
    /// An `i32` constant (splat).
    pub fn i(&mut self, x: i32) -> Value {
        self.int(32, i64::from(x))
    }
    /// An `i64` constant (splat).
    pub fn l(&mut self, x: i64) -> Value {
        self.int(64, x)
    }
    /// An `i1` constant (splat).
    pub fn bool(&mut self, x: bool) -> Value {
        self.int(1, i64::from(x))
    }
    fn int(&mut self, width: u32, x: i64) -> Value {
        let elem = self.b.ctx.integer_type(width);
        let scalar = self.b.ctx.integer_attr(i128::from(x), elem);
        self.constant(elem, scalar, DenseValue::Int(i128::from(x)))
    }

    /// `name(operands)` with the type of its last operand (`addf`, `andi`, `select`, `fma`).
    pub fn op(&mut self, name: &str, operands: &[Value]) -> Value {
        let ty = self.b.ir.value_type(operands[operands.len() - 1]);
        self.b.value(name, operands, ty, &[])
    }
    /// A conversion (`bitcast`, `sitofp`, `extf`, `truncf`) of `x` to `ty`.
    pub fn cast(&mut self, name: &str, x: Value, ty: Type) -> Value {
        self.b.value(name, &[x], ty, &[])
    }
    pub fn cmpf(&mut self, predicate: i64, a: Value, b: Value) -> Value {
        self.compare("arith.cmpf", predicate, a, b)
    }
    pub fn cmpi(&mut self, predicate: i64, a: Value, b: Value) -> Value {
        self.compare("arith.cmpi", predicate, a, b)
    }
    fn compare(&mut self, name: &str, predicate: i64, a: Value, b: Value) -> Value {
        let ty = self.of(self.b.ctx.i1());
        let p = self.b.ctx.i64_attr(predicate);
        self.b.value(name, &[a, b], ty, &[("predicate", p)])
    }
    /// `cond ? a : b`, lane by lane.
    pub fn select(&mut self, cond: Value, a: Value, b: Value) -> Value {
        self.op("arith.select", &[cond, a, b])
    }

    /// `a * b + c`: rounded once with `fma`, else twice.
    pub fn mul_add(&mut self, a: Value, b: Value, c: Value) -> Value {
        if self.fma {
            self.op("math.fma", &[a, b, c])
        } else {
            let m = self.op("arith.mulf", &[a, b]);
            self.op("arith.addf", &[m, c])
        }
    }

    /// The `f32` polynomial with `coefficients` (highest degree first) at `x`, by Horner's rule.
    pub fn horner(&mut self, x: Value, coefficients: &[f32]) -> Value {
        let mut acc = self.f(coefficients[0]);
        for c in &coefficients[1..] {
            let c = self.f(*c);
            acc = self.mul_add(acc, x, c);
        }
        acc
    }

    /// The `f64` polynomial with `coefficients` (highest degree first) at `x`.
    pub fn horner_f64(&mut self, x: Value, coefficients: &[f64]) -> Value {
        let mut acc = self.d(coefficients[0]);
        for c in &coefficients[1..] {
            let c = self.d(*c);
            acc = self.mul_add(acc, x, c);
        }
        acc
    }
}
