//! `vector` in the interpreter: a vector of any rank is its lanes in row-major order (a 0-d
//! vector has one), and each op moves or combines lanes as upstream defines it. Loads,
//! stores and transfers read the trailing dimensions of a buffer; transfers pad lanes out of
//! bounds or masked off (and never touch memory for them), and `vector.mask` runs its one op
//! on the lanes the mask enables. Combining kinds use the scalar ops' exact semantics.

use std::rc::Rc;

use strata_dialects::vector::{contract_maps, transfer_map, vector_attr_body};
use strata_ir::{AffineExpr, AffineMap, AttrKind, Context, Ir, OpId, Type, TypeKind, Value, DYNAMIC};

use super::{elem_of, Machine, MemRef, RtValue};
use crate::scalar::{apply, combining, Op, Types};
use crate::tensor::{Elem, Scalar, Tensor};
use crate::RuntimeError;

/// What a `vector` op does, decoded once.
#[derive(Clone, Debug)]
pub(super) enum VectorStep {
    /// `arith.constant` of a vector: its lanes.
    Constant(Rc<[Scalar]>),
    /// `vector.load` / `vector.store` of a block of this shape.
    Load(Rc<[usize]>),
    Store(Rc<[usize]>),
    /// `vector.broadcast` from a scalar or a vector of the first shape to the second.
    Broadcast(Rc<[usize]>, Rc<[usize]>),
    /// `vector.shuffle`: the mask, and the lanes of each leading slice.
    Shuffle(Rc<[i64]>, usize),
    /// `vector.extract` / `insert` at these positions (`DYNAMIC` for an operand) of a vector
    /// of this shape.
    Extract(Rc<[i64]>, Rc<[usize]>),
    Insert(Rc<[i64]>, Rc<[usize]>),
    /// `vector.extract_strided_slice`: offsets and sizes of the leading dimensions.
    StridedSlice(Rc<[usize]>, Rc<[usize]>, Rc<[usize]>),
    /// `vector.reduction` by this op, in these element types.
    Reduction(Op, Types, Scalar),
    Transpose(Rc<[usize]>, Rc<[usize]>),
    /// `vector.interleave` / `deinterleave` of vectors whose last dimension has this many
    /// lanes (the source's for interleave, the result's for deinterleave).
    Interleave(usize),
    Deinterleave(usize),
    Bitcast(Elem, Elem),
    /// `vector.shape_cast`: the same lanes.
    Same,
    FromElements,
    Step(usize),
    TransferRead(Rc<Transfer>),
    TransferWrite(Rc<Transfer>),
    Mask,
    Contract(Rc<Contract>),
}

/// A transfer's shapes and map.
#[derive(Debug)]
pub(super) struct Transfer {
    vector: Vec<usize>,
    map: AffineMap,
    in_bounds: Vec<bool>,
    /// The operand range of each group (read: base, indices, padding, mask; write: value,
    /// base, indices, mask), decoded once.
    groups: Vec<std::ops::Range<usize>>,
}

/// A contraction's maps, iteration space and combining op.
#[derive(Debug)]
pub(super) struct Contract {
    maps: [AffineMap; 3],
    space: Vec<usize>,
    shapes: [Vec<usize>; 3],
    mul: Op,
    combine: Op,
    types: Types,
}

fn dims(ctx: &Context, t: Type) -> Vec<usize> {
    ctx.shape(t).unwrap_or_default().iter().map(|d| (*d).max(0) as usize).collect()
}

/// The value a combining kind starts from when no lane and no accumulator is given.
fn neutral(kind: &str, elem: Elem) -> Scalar {
    let float = elem.is_float();
    let (lo, hi) = elem.signed_range();
    match (kind, float) {
        ("mul", true) => Scalar::Float(1.0),
        ("minnumf" | "minimumf", _) => Scalar::Float(f64::INFINITY),
        ("maxnumf" | "maximumf", _) => Scalar::Float(f64::NEG_INFINITY),
        (_, true) => Scalar::Float(0.0),
        ("mul", false) => Scalar::Int(1),
        ("and" | "minui", false) => Scalar::Int(-1),
        ("minsi", false) => Scalar::Int(hi),
        ("maxsi", false) => Scalar::Int(lo),
        _ => Scalar::Int(0),
    }
}

/// Decodes `vector` op `op` named `name`; `None` when it is not one handled here.
pub(super) fn decode(ctx: &Context, ir: &Ir, op: OpId, name: &str) -> Option<Result<VectorStep, String>> {
    let o = ir.op(op);
    if !name.starts_with("vector.") {
        return None;
    }
    // Lanes are held in memory like a buffer's elements: as many as a buffer may have.
    for r in o.results() {
        if let TypeKind::Vector { shape, .. } = ctx.type_kind(ir.value_type(*r)) {
            let dims: Vec<usize> = shape.iter().map(|d| (*d).max(0) as usize).collect();
            if let Err(e) = crate::limits::buffer_bytes(&dims, 8) {
                return Some(Err(format!("a vector result too large to hold: {e}")));
            }
        }
    }
    let operand = |i: usize| o.operands().get(i).map(|v| ir.value_type(*v));
    let result = || o.results().first().map(|r| ir.value_type(*r));
    let shape_of = |t: Option<Type>| -> Rc<[usize]> { t.map(|t| dims(ctx, t)).unwrap_or_default().into() };
    let list = |n: &str| -> Rc<[i64]> { strata_dialects::slicing::int_array(ctx, ir, op, n).into() };
    let ints = |n: &str| -> Vec<usize> {
        match o.attr(ctx.ident(n)).map(|a| ctx.attr_kind(a)) {
            Some(AttrKind::Array(items)) => {
                items.iter().filter_map(|i| ctx.attr_as_int(*i)).map(|i| i.max(0) as usize).collect()
            }
            _ => Vec::new(),
        }
    };
    Some(Ok(match name {
        "vector.load" => VectorStep::Load(shape_of(result())),
        "vector.store" => VectorStep::Store(shape_of(operand(0))),
        "vector.broadcast" => VectorStep::Broadcast(shape_of(operand(0)), shape_of(result())),
        "vector.shuffle" => {
            let trailing = shape_of(operand(0)).iter().skip(1).product();
            VectorStep::Shuffle(list("mask"), trailing)
        }
        "vector.extract" => VectorStep::Extract(list("static_position"), shape_of(operand(0))),
        "vector.insert" => VectorStep::Insert(list("static_position"), shape_of(operand(1))),
        "vector.extract_strided_slice" => {
            VectorStep::StridedSlice(ints("offsets").into(), ints("sizes").into(), shape_of(operand(0)))
        }
        "vector.reduction" => {
            let elem = elem_of(ctx, result()?);
            let kind = o.attr(ctx.ident("kind")).and_then(|a| vector_attr_body(ctx, a, "kind")).unwrap_or("add");
            let Some(combine) = combining(kind, elem.is_float()) else {
                return Some(Err(format!("no combining kind '{kind}' for {elem}")));
            };
            VectorStep::Reduction(combine, Types::same(elem), neutral(kind, elem))
        }
        "vector.transpose" => {
            let perm: Vec<usize> = list("permutation").iter().map(|p| (*p).max(0) as usize).collect();
            VectorStep::Transpose(perm.into(), shape_of(operand(0)))
        }
        "vector.interleave" => VectorStep::Interleave(shape_of(operand(0)).last().copied().unwrap_or(1)),
        "vector.deinterleave" => VectorStep::Deinterleave(shape_of(result()).last().copied().unwrap_or(1)),
        "vector.bitcast" => VectorStep::Bitcast(elem_of(ctx, operand(0)?), elem_of(ctx, result()?)),
        "vector.shape_cast" => VectorStep::Same,
        "vector.from_elements" => VectorStep::FromElements,
        "vector.step" => VectorStep::Step(shape_of(result()).iter().product()),
        "vector.transfer_read" | "vector.transfer_write" => {
            let read = name == "vector.transfer_read";
            let (source, vector) = if read { (operand(0)?, result()?) } else { (operand(1)?, operand(0)?) };
            let in_bounds = match o.attr(ctx.ident("in_bounds")).map(|a| ctx.attr_kind(a)) {
                Some(AttrKind::Array(items)) => items.iter().map(|b| *b == ctx.bool_attr(true)).collect(),
                _ => Vec::new(),
            };
            let t = Rc::new(Transfer {
                vector: dims(ctx, vector),
                map: transfer_map(ctx, ir, op, source, vector),
                in_bounds,
                groups: strata_dialects::slicing::group_ranges(ctx, ir, op),
            });
            if read {
                VectorStep::TransferRead(t)
            } else {
                VectorStep::TransferWrite(t)
            }
        }
        "vector.mask" => VectorStep::Mask,
        "vector.contract" => return Some(decode_contract(ctx, ir, op).map(|c| VectorStep::Contract(Rc::new(c)))),
        _ => return None,
    }))
}

fn decode_contract(ctx: &Context, ir: &Ir, op: OpId) -> Result<Contract, String> {
    let o = ir.op(op);
    let maps = o.attr(ctx.ident("indexing_maps")).and_then(|a| contract_maps(ctx, a)).unwrap_or_default();
    let [a, b, c]: [AffineMap; 3] =
        maps.try_into().map_err(|_| "a contraction needs three indexing maps".to_string())?;
    let shapes = [0, 1, 2].map(|i| dims(ctx, ir.value_type(o.operands()[i])));
    let mut space = vec![1usize; a.num_dims as usize];
    for (m, s) in [&a, &b, &c].iter().zip(&shapes) {
        for (e, n) in m.results.iter().zip(s) {
            if let AffineExpr::Dim(d) = e {
                space[*d as usize] = *n;
            }
        }
    }
    let elem = elem_of(ctx, ir.value_type(o.operands()[2]));
    let kind = o.attr(ctx.ident("kind")).and_then(|a| vector_attr_body(ctx, a, "kind")).unwrap_or("add");
    let mul = combining("mul", elem.is_float()).ok_or("no multiplication")?;
    let combine = combining(kind, elem.is_float()).ok_or_else(|| format!("no combining kind '{kind}' for {elem}"))?;
    Ok(Contract { maps: [a, b, c], space, shapes, mul, combine, types: Types::same(elem) })
}

/// The row-major offset of `index` in `shape`'s lanes.
fn offset(shape: &[usize], index: &[usize]) -> usize {
    index.iter().zip(Tensor::strides(shape)).map(|(i, s)| i * s).sum()
}

impl Machine<'_> {
    fn lanes(&self, op: OpId, v: Value) -> Result<Rc<[Scalar]>, RuntimeError> {
        match self.get(op, v)? {
            RtValue::Vector(x) => Ok(x.clone()),
            RtValue::Scalar(x) => Ok(Rc::from(vec![*x])),
            _ => Err(self.err(op, "expected a vector operand")),
        }
    }

    /// Sets `op`'s result to `lanes`: a vector, or a scalar when the result type is not one.
    fn set_lanes(&mut self, op: OpId, result: usize, lanes: Vec<Scalar>) {
        let r = self.ir.op(op).results()[result];
        let v = if matches!(self.ctx.type_kind(self.ir.value_type(r)), TypeKind::Vector { .. }) {
            RtValue::Vector(lanes.into())
        } else {
            RtValue::Scalar(lanes[0])
        };
        self.set(r, v);
    }

    /// Positions `statics` with `DYNAMIC` entries read from `dynamic`, checked inside `shape`:
    /// the offset and the number of lanes they select; `None` for a poison position (-1).
    fn position(
        &self,
        op: OpId,
        statics: &[i64],
        dynamic: &[Value],
        shape: &[usize],
    ) -> Result<Option<(usize, usize)>, RuntimeError> {
        let mut next = dynamic.iter();
        let mut at = 0;
        let s = Tensor::strides(shape);
        for (d, p) in statics.iter().enumerate() {
            let p = match *p {
                DYNAMIC => self.int(op, *next.next().ok_or_else(|| self.err(op, "a missing position operand"))?)?,
                p => p,
            };
            if p == -1 {
                return Ok(None);
            }
            let p = usize::try_from(p).ok().filter(|p| *p < shape[d]).ok_or_else(|| {
                self.err(op, format!("position {p} is out of bounds in dimension {d} of size {}", shape[d]))
            })?;
            at += p * s[d];
        }
        Ok(Some((at, shape[statics.len()..].iter().product())))
    }

    pub(super) fn run_vector(&mut self, op: OpId, step: VectorStep) -> Result<(), RuntimeError> {
        let ir = self.ir;
        let o = ir.op(op);
        let operands = o.operands();
        let out: Vec<Scalar> = match step {
            VectorStep::Constant(lanes) => lanes.to_vec(),
            VectorStep::Load(shape) => {
                let m = self.memref(op, operands[0])?;
                let at = self.indices(op, &operands[1..])?;
                let mut out = Vec::with_capacity(shape.iter().product());
                for i in Tensor::indices(&shape) {
                    out.push(m.load(&block_index(&at, &i)).map_err(|e| self.err(op, e))?);
                }
                out
            }
            VectorStep::Store(shape) => {
                let lanes = self.lanes(op, operands[0])?;
                let m = self.memref(op, operands[1])?;
                let at = self.indices(op, &operands[2..])?;
                for (i, v) in Tensor::indices(&shape).zip(lanes.iter()) {
                    m.store(&block_index(&at, &i), *v).map_err(|e| self.err(op, e))?;
                }
                return Ok(());
            }
            VectorStep::Broadcast(from, to) => {
                let lanes = self.lanes(op, operands[0])?;
                let lead = to.len() - from.len();
                Tensor::indices(&to)
                    .map(|i| {
                        let src: Vec<usize> =
                            from.iter().zip(&i[lead..]).map(|(n, x)| if *n == 1 { 0 } else { *x }).collect();
                        lanes[offset(&from, &src)]
                    })
                    .collect()
            }
            VectorStep::Shuffle(mask, trailing) => {
                let (a, b) = (self.lanes(op, operands[0])?, self.lanes(op, operands[1])?);
                let both: Vec<Scalar> = a.iter().chain(b.iter()).copied().collect();
                let elem = elem_of(self.ctx, ir.value_type(o.results()[0]));
                let mut out = Vec::with_capacity(mask.len() * trailing);
                for m in mask.iter() {
                    match usize::try_from(*m) {
                        Ok(m) => out.extend_from_slice(&both[m * trailing..(m + 1) * trailing]),
                        // -1: a poison lane, shown as such.
                        Err(_) => out.extend(std::iter::repeat_n(elem.poison(), trailing)),
                    }
                }
                out
            }
            VectorStep::Extract(position, shape) => {
                let lanes = self.lanes(op, operands[0])?;
                match self.position(op, &position, &operands[1..], &shape)? {
                    Some((at, n)) => lanes[at..at + n].to_vec(),
                    None => {
                        let elem = elem_of(self.ctx, ir.value_type(o.results()[0]));
                        vec![elem.poison(); shape[position.len()..].iter().product()]
                    }
                }
            }
            VectorStep::Insert(position, shape) => {
                let value = self.lanes(op, operands[0])?;
                let mut lanes = self.lanes(op, operands[1])?.to_vec();
                // A poison position leaves the whole result poison, as upstream's.
                match self.position(op, &position, &operands[2..], &shape)? {
                    Some((at, n)) => lanes[at..at + n].copy_from_slice(&value[..n]),
                    None => lanes.fill(elem_of(self.ctx, ir.value_type(o.results()[0])).poison()),
                }
                lanes
            }
            VectorStep::StridedSlice(offsets, sizes, shape) => {
                let lanes = self.lanes(op, operands[0])?;
                let mut out_shape = sizes.to_vec();
                out_shape.extend(&shape[sizes.len()..]);
                Tensor::indices(&out_shape)
                    .map(|i| {
                        let src: Vec<usize> =
                            i.iter().enumerate().map(|(d, x)| x + offsets.get(d).copied().unwrap_or(0)).collect();
                        lanes[offset(&shape, &src)]
                    })
                    .collect()
            }
            VectorStep::Reduction(combine, types, start) => {
                let lanes = self.lanes(op, operands[0])?;
                let acc = match operands.get(1) {
                    Some(a) => Some(self.scalar(op, *a)?),
                    None => None,
                };
                vec![self.reduce(op, combine, types, start, acc, lanes.iter().copied())?]
            }
            VectorStep::Transpose(perm, shape) => {
                let lanes = self.lanes(op, operands[0])?;
                let out_shape: Vec<usize> = perm.iter().map(|p| shape[*p]).collect();
                Tensor::indices(&out_shape)
                    .map(|i| {
                        let mut src = vec![0; shape.len()];
                        for (d, p) in perm.iter().enumerate() {
                            src[*p] = i[d];
                        }
                        lanes[offset(&shape, &src)]
                    })
                    .collect()
            }
            VectorStep::Interleave(n) => {
                let (a, b) = (self.lanes(op, operands[0])?, self.lanes(op, operands[1])?);
                a.chunks(n).zip(b.chunks(n)).flat_map(|(x, y)| x.iter().zip(y).flat_map(|(p, q)| [*p, *q])).collect()
            }
            VectorStep::Deinterleave(n) => {
                let lanes = self.lanes(op, operands[0])?;
                let (mut even, mut odd) = (Vec::new(), Vec::new());
                for row in lanes.chunks(2 * n) {
                    even.extend(row.iter().step_by(2));
                    odd.extend(row.iter().skip(1).step_by(2));
                }
                self.set_lanes(op, 1, odd);
                even
            }
            VectorStep::Bitcast(from, to) => bitcast(&self.lanes(op, operands[0])?, from, to),
            VectorStep::Same => self.lanes(op, operands[0])?.to_vec(),
            VectorStep::FromElements => operands.iter().map(|v| self.scalar(op, *v)).collect::<Result<_, _>>()?,
            VectorStep::Step(n) => (0..n as i64).map(Scalar::Int).collect(),
            VectorStep::TransferRead(t) => self.transfer_read(op, &t, None, None)?,
            VectorStep::TransferWrite(t) => return self.transfer_write(op, &t, None),
            VectorStep::Mask => return self.mask(op),
            VectorStep::Contract(c) => self.contract(op, &c)?,
        };
        self.set_lanes(op, 0, out);
        Ok(())
    }

    /// Combines `lanes` into `acc` (or, without one, into the first lane; the kind's neutral
    /// value when there is none) in lane order.
    fn reduce(
        &self,
        op: OpId,
        combine: Op,
        types: Types,
        start: Scalar,
        acc: Option<Scalar>,
        lanes: impl Iterator<Item = Scalar>,
    ) -> Result<Scalar, RuntimeError> {
        let mut total = acc;
        for l in lanes {
            total = Some(match total {
                None => l,
                Some(t) => apply(combine, types, &[t, l]).map_err(|f| self.err(op, f.to_string()))?,
            });
        }
        Ok(total.unwrap_or(start))
    }

    /// The source index lane `i` of a transfer reads or writes, or `None` when it falls
    /// outside the source in a dimension the transfer may leave (a lane to pad or skip); an
    /// error when it falls outside in one marked `in_bounds`, or outside the dimensions the
    /// vector does not span (the transfer's own indices).
    fn transfer_index(
        &self,
        op: OpId,
        t: &Transfer,
        base: &[i64],
        i: &[usize],
        shape: &[usize],
    ) -> Result<Option<Vec<i64>>, RuntimeError> {
        let mut index = base.to_vec();
        let mut spanned = vec![None; shape.len()];
        for (d, e) in t.map.results.iter().enumerate() {
            if let AffineExpr::Dim(s) = e {
                let x = &mut index[*s as usize];
                *x = x.checked_add(i[d] as i64).ok_or_else(|| self.err(op, "a transfer index overflows"))?;
                spanned[*s as usize] = Some(d);
            }
        }
        let mut pad = false;
        for (s, (x, n)) in index.iter().zip(shape).enumerate() {
            if *x >= 0 && (*x as usize) < *n {
                continue;
            }
            match spanned[s] {
                Some(d) if t.in_bounds.get(d) != Some(&true) => pad = true,
                _ => {
                    return Err(self.err(
                        op,
                        format!("an access at {index:?}, outside {shape:?}, in a dimension the transfer must stay in"),
                    ))
                }
            }
        }
        Ok((!pad).then_some(index))
    }

    /// The mask bit of lane `i` of a transfer: masks hold one bit per source dimension the
    /// map reads, in the source's order.
    fn mask_bit(t: &Transfer, mask: &[Scalar], i: &[usize]) -> bool {
        let mut read: Vec<(u32, usize, usize)> = t
            .map
            .results
            .iter()
            .enumerate()
            .filter_map(|(d, e)| match e {
                AffineExpr::Dim(s) => Some((*s, i[d], t.vector[d])),
                _ => None,
            })
            .collect();
        read.sort_by_key(|(s, _, _)| *s);
        let shape: Vec<usize> = read.iter().map(|(_, _, n)| *n).collect();
        let index: Vec<usize> = read.iter().map(|(_, x, _)| *x).collect();
        matches!(mask.get(offset(&shape, &index)), Some(Scalar::Int(b)) if *b != 0)
    }

    /// A transfer read; with `mask` (from `vector.mask`), a masked-off lane is `passthru`'s
    /// lane when one is given, else the padding.
    fn transfer_read(
        &self,
        op: OpId,
        t: &Transfer,
        mask: Option<&[Scalar]>,
        passthru: Option<&[Scalar]>,
    ) -> Result<Vec<Scalar>, RuntimeError> {
        let ir = self.ir;
        let groups = &t.groups;
        let operands = ir.op(op).operands();
        let base = self.indices(op, &operands[groups[1].clone()])?;
        let padding = self.scalar(op, operands[groups[2].start])?;
        let mask = match (mask, operands.get(groups[3].clone()).and_then(|m| m.first())) {
            (Some(m), _) => Some(m.to_vec()),
            (None, Some(m)) => Some(self.lanes(op, *m)?.to_vec()),
            (None, None) => None,
        };
        let source = self.get(op, operands[0])?.clone();
        let shape = match &source {
            RtValue::MemRef(m) => m.shape.clone(),
            RtValue::Tensor(x) => x.shape.clone(),
            _ => return Err(self.err(op, "expected a memref or tensor to read")),
        };
        let mut out = Vec::with_capacity(t.vector.iter().product());
        for i in Tensor::indices(&t.vector) {
            if mask.as_deref().is_some_and(|m| !Self::mask_bit(t, m, &i)) {
                out.push(passthru.map_or(padding, |p| p[out.len()]));
                continue;
            }
            let Some(index) = self.transfer_index(op, t, &base, &i, &shape)? else {
                out.push(padding);
                continue;
            };
            out.push(match &source {
                RtValue::MemRef(m) => m.load(&index).map_err(|e| self.err(op, e))?,
                RtValue::Tensor(x) => x.get(offset(&x.shape, &index.iter().map(|v| *v as usize).collect::<Vec<_>>())),
                _ => unreachable!("checked above"),
            });
        }
        Ok(out)
    }

    fn transfer_write(&mut self, op: OpId, t: &Transfer, mask: Option<&[Scalar]>) -> Result<(), RuntimeError> {
        let ir = self.ir;
        let groups = &t.groups;
        let o = ir.op(op);
        let operands = o.operands();
        let lanes = self.lanes(op, operands[0])?;
        let base = self.indices(op, &operands[groups[2].clone()])?;
        let mask = match (mask, operands.get(groups[3].clone()).and_then(|m| m.first())) {
            (Some(m), _) => Some(m.to_vec()),
            (None, Some(m)) => Some(self.lanes(op, *m)?.to_vec()),
            (None, None) => None,
        };
        let mut tensor = match self.get(op, operands[1])? {
            RtValue::Tensor(x) => Some((**x).clone()),
            _ => None,
        };
        let memref: Option<MemRef> = if tensor.is_none() { Some(self.memref(op, operands[1])?) } else { None };
        let shape = tensor
            .as_ref()
            .map_or_else(|| memref.as_ref().map(|m| m.shape.clone()).unwrap_or_default(), |x| x.shape.clone());
        for (i, v) in Tensor::indices(&t.vector).zip(lanes.iter()) {
            if mask.as_deref().is_some_and(|m| !Self::mask_bit(t, m, &i)) {
                continue;
            }
            let Some(index) = self.transfer_index(op, t, &base, &i, &shape)? else { continue };
            match (&mut tensor, &memref) {
                (Some(x), _) => {
                    let at = offset(&x.shape, &index.iter().map(|v| *v as usize).collect::<Vec<_>>());
                    x.set(at, *v);
                }
                (None, Some(m)) => m.store(&index, *v).map_err(|e| self.err(op, e))?,
                (None, None) => unreachable!("one of the two"),
            }
        }
        if let Some(x) = tensor {
            self.set(o.results()[0], RtValue::Tensor(Rc::new(x)));
        }
        Ok(())
    }

    /// `vector.mask`: its op run on the enabled lanes; a result's disabled lanes take the
    /// passthru's when one is given.
    fn mask(&mut self, op: OpId) -> Result<(), RuntimeError> {
        let ir = self.ir;
        let o = ir.op(op);
        let mask = self.lanes(op, o.operands()[0])?;
        let region = o.regions()[0];
        let inner = ir.region(region).blocks().first().and_then(|b| ir.block_ops(*b).next());
        let inner = inner.filter(|i| self.ctx.ident_str(ir.op(*i).name()) != "vector.yield");
        let Some(inner) = inner else {
            // Only a yield: its values, whatever the mask.
            let values = self.run_region(op, region, Vec::new())?;
            for (r, v) in o.results().iter().zip(values) {
                self.set(*r, v);
            }
            return Ok(());
        };
        let passthru = match o.operands().get(1) {
            Some(p) => Some(self.lanes(op, *p)?),
            None => None,
        };
        let lanes = match self.step(inner)? {
            super::Step::Vector(VectorStep::TransferRead(t)) => {
                self.transfer_read(inner, &t, Some(&mask), passthru.as_deref())?
            }
            super::Step::Vector(VectorStep::TransferWrite(t)) => {
                self.transfer_write(inner, &t, Some(&mask))?;
                let results = ir.op(inner).results().to_vec();
                let values = self.values(inner, &results)?;
                for (r, v) in o.results().iter().zip(values) {
                    self.set(*r, v);
                }
                return Ok(());
            }
            super::Step::Vector(VectorStep::Reduction(combine, types, start)) => {
                let io = ir.op(inner).operands();
                let lanes = self.lanes(inner, io[0])?;
                let acc = match io.get(1) {
                    Some(a) => Some(self.scalar(inner, *a)?),
                    None => None,
                };
                let on = lanes.iter().zip(mask.iter()).filter(|(_, m)| matches!(m, Scalar::Int(b) if *b != 0));
                let r = self.reduce(inner, combine, types, start, acc, on.map(|(l, _)| *l))?;
                self.set(o.results()[0], RtValue::Scalar(r));
                return Ok(());
            }
            _ => {
                let name = self.ctx.ident_str(ir.op(inner).name());
                return Err(self.err(op, format!("the interpreter masks transfers and reductions, not '{name}'")));
            }
        };
        self.set_lanes(op, 0, lanes);
        Ok(())
    }

    /// `vector.contract`: for every point of the iteration space in row-major order, the
    /// accumulator's element combined with the product of the inputs' elements there.
    fn contract(&self, op: OpId, c: &Contract) -> Result<Vec<Scalar>, RuntimeError> {
        let operands = self.ir.op(op).operands();
        let (a, b) = (self.lanes(op, operands[0])?, self.lanes(op, operands[1])?);
        let mut acc = self.lanes(op, operands[2])?.to_vec();
        let at = |m: &AffineMap, shape: &[usize], point: &[i64]| -> usize {
            let index: Vec<usize> = m.eval(point, &[]).unwrap_or_default().iter().map(|x| *x as usize).collect();
            offset(shape, &index)
        };
        for point in Tensor::indices(&c.space) {
            let point: Vec<i64> = point.iter().map(|x| *x as i64).collect();
            let (x, y) = (a[at(&c.maps[0], &c.shapes[0], &point)], b[at(&c.maps[1], &c.shapes[1], &point)]);
            let product = apply(c.mul, c.types, &[x, y]).map_err(|f| self.err(op, f.to_string()))?;
            let k = at(&c.maps[2], &c.shapes[2], &point);
            acc[k] = apply(c.combine, c.types, &[acc[k], product]).map_err(|f| self.err(op, f.to_string()))?;
        }
        Ok(acc)
    }
}

/// The width in bits of an element type.
fn bits(e: Elem) -> usize {
    e.width().map_or(64, |w| w as usize)
}

/// `lanes` of `from` read as lanes of `to`: the bits of each lane in turn, least significant
/// first (the lane order of a little-endian machine), also for widths below a byte.
fn bitcast(lanes: &[Scalar], from: Elem, to: Elem) -> Vec<Scalar> {
    let (wf, wt) = (bits(from), bits(to));
    let mut stream = vec![false; lanes.len() * wf];
    for (l, x) in lanes.iter().enumerate() {
        let v = lane_bits(*x, from);
        for b in 0..wf {
            stream[l * wf + b] = (v >> b) & 1 == 1;
        }
    }
    stream
        .chunks(wt)
        .map(|c| from_bits(c.iter().enumerate().fold(0u128, |v, (b, on)| v | (u128::from(*on) << b)), to))
        .collect()
}

/// The low `width` bits of lane `x` of type `e`.
fn lane_bits(x: Scalar, e: Elem) -> u128 {
    let w = bits(e);
    let mask = if w >= 128 { u128::MAX } else { (1u128 << w) - 1 };
    match x {
        Scalar::Int(i) => (i as i128 as u128) & mask,
        Scalar::Float(_) => {
            let mut b = [0u8; 16];
            e.write(x, &mut b[..e.bytes()]);
            u128::from_le_bytes(b) & mask
        }
    }
}

/// A lane of type `e` from its bits.
fn from_bits(v: u128, e: Elem) -> Scalar {
    if e.is_float() {
        e.read(&v.to_le_bytes()[..e.bytes()])
    } else {
        e.from_int(v as i128)
    }
}

/// A block's element `i`: `at` with `i` added to its trailing dimensions.
fn block_index(at: &[i64], i: &[usize]) -> Vec<i64> {
    let lead = at.len().saturating_sub(i.len());
    at.iter().enumerate().map(|(d, x)| if d >= lead { x + i[d - lead] as i64 } else { *x }).collect()
}
