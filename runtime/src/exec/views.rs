//! Views, slices and reshapes in the interpreter: `memref.subview`, `reinterpret_cast`,
//! `expand_shape`, `collapse_shape`, `extract_strided_metadata` and `realloc`; `tensor`'s
//! `extract_slice`, `insert_slice`, `pad`, `generate`, `reshape`, `expand_shape` and
//! `collapse_shape`.
//!
//! A memref view shares its source's bytes with its own sizes, strides and offset, so writes
//! through it land where they would on hardware; every window is checked against the buffer
//! at run time (a window past its source is an error naming the dimension), since dynamic
//! offsets and sizes escape the verifier.

use std::rc::Rc;

use strata_dialects::slicing::{dropped_dims, Window};
use strata_ir::{Context, Ir, OpId, Value, DYNAMIC};

use super::{elem_of, Machine, MemRef, RtValue};
use crate::tensor::{Elem, Scalar, Tensor};
use crate::RuntimeError;

/// What a view, slice or reshape op does, decoded once.
#[derive(Clone, Debug)]
pub(super) enum ShapedStep {
    /// `memref.subview`: the window, and which of its dimensions the result leaves out.
    Subview(Rc<Window>, Rc<[bool]>),
    ReinterpretCast(Rc<Window>),
    /// `expand_shape` (memref or tensor): the groups, and the output shape (`DYNAMIC` where
    /// an operand gives it).
    Expand(Rc<[Vec<usize>]>, Rc<[i64]>),
    /// `collapse_shape` (memref or tensor) by these groups.
    Collapse(Rc<[Vec<usize>]>),
    ExtractStridedMetadata,
    /// `memref.realloc` to the declared 1-D shape.
    Realloc(i64, Elem),
    ExtractSlice(Rc<Window>, Rc<[bool]>),
    InsertSlice(Rc<Window>),
    /// `tensor.pad` by these low and high amounts.
    Pad(Rc<[i64]>, Rc<[i64]>),
    /// `tensor.generate` of the declared shape.
    Generate(Rc<[i64]>, Elem),
    Reshape,
}

/// Decodes the view, slice or reshape `op` named `name`; `None` when it is none of them.
pub(super) fn decode(ctx: &Context, ir: &Ir, op: OpId, name: &str) -> Option<Result<ShapedStep, String>> {
    let o = ir.op(op);
    let result_shape = || o.results().first().and_then(|r| ctx.shape(ir.value_type(*r))).unwrap_or_default().to_vec();
    let window = || Rc::new(Window::of(ctx, ir, op));
    let dropped = |sizes: &[i64], reduced: &[i64]| -> Result<Rc<[bool]>, String> {
        dropped_dims(sizes, reduced).map(Into::into).ok_or_else(|| "the result is not the window's shape".to_string())
    };
    let groups = |expanded_rank: usize| -> Result<Rc<[Vec<usize>]>, String> {
        let r = o.attr(ctx.ident("reassociation")).ok_or("no reassociation")?;
        Ok(strata_dialects::shaped::reassociation_groups(ctx, r, expanded_rank)?.into())
    };
    let source_rank = || o.operands().first().and_then(|v| ctx.shape(ir.value_type(*v))).map_or(0, <[i64]>::len);
    let list = |n: &str| -> Rc<[i64]> { strata_dialects::slicing::int_array(ctx, ir, op, n).into() };
    Some(match name {
        // A subview's result layout says which unit dimensions it drops.
        "memref.subview" => strata_dialects::memref::subview_dropped_dims(ctx, ir, op)
            .map(|d| ShapedStep::Subview(window(), d.into()))
            .ok_or_else(|| "the result is not the window's shape and layout".to_string()),
        "tensor.extract_slice" => {
            let w = window();
            dropped(&w.sizes, &result_shape()).map(|d| ShapedStep::ExtractSlice(w, d))
        }
        "tensor.insert_slice" => Ok(ShapedStep::InsertSlice(window())),
        "memref.reinterpret_cast" => Ok(ShapedStep::ReinterpretCast(window())),
        "memref.expand_shape" | "tensor.expand_shape" => {
            groups(result_shape().len()).map(|g| ShapedStep::Expand(g, list("static_output_shape")))
        }
        "memref.collapse_shape" | "tensor.collapse_shape" => groups(source_rank()).map(ShapedStep::Collapse),
        "memref.extract_strided_metadata" => Ok(ShapedStep::ExtractStridedMetadata),
        "memref.realloc" => {
            let elem = elem_of(ctx, ir.value_type(o.results()[0]));
            Ok(ShapedStep::Realloc(result_shape().first().copied().unwrap_or(DYNAMIC), elem))
        }
        "tensor.pad" => Ok(ShapedStep::Pad(list("static_low"), list("static_high"))),
        "tensor.generate" => {
            Ok(ShapedStep::Generate(result_shape().into(), elem_of(ctx, ir.value_type(o.results()[0]))))
        }
        "tensor.reshape" => Ok(ShapedStep::Reshape),
        _ => return None,
    })
}

/// A window with its dynamic entries read.
struct Concrete {
    offsets: Vec<i64>,
    sizes: Vec<i64>,
    strides: Vec<i64>,
}

fn usizes(v: &[i64]) -> Vec<usize> {
    v.iter().map(|x| *x as usize).collect()
}

impl Machine<'_> {
    pub(super) fn run_shaped(&mut self, op: OpId, step: ShapedStep) -> Result<(), RuntimeError> {
        let ir = self.ir;
        let o = ir.op(op);
        let operands = o.operands();
        let result = match step {
            ShapedStep::Subview(w, dropped) => {
                let source = self.memref(op, operands[0])?;
                let c = self.concrete(op, &w, &operands[1..], &source.shape)?;
                // Inside the source, so no sum overflows.
                let mut offset = source.offset;
                for (d, o) in c.offsets.iter().enumerate() {
                    offset += *o as usize * source.strides[d] * source.elem.bytes();
                }
                let keep = |d: &usize| !dropped[*d];
                let dims = 0..c.sizes.len();
                RtValue::MemRef(MemRef {
                    shape: dims.clone().filter(keep).map(|d| c.sizes[d] as usize).collect(),
                    strides: dims.filter(keep).map(|d| source.strides[d] * c.strides[d] as usize).collect(),
                    offset,
                    ..source
                })
            }
            ShapedStep::ReinterpretCast(w) => {
                let source = self.memref(op, operands[0])?;
                let c = self.concrete(op, &w, &operands[1..], &[])?;
                let bad = |m: String| self.err(op, m);
                if let Some(x) = c.offsets.iter().chain(&c.sizes).chain(&c.strides).find(|x| **x < 0) {
                    return Err(bad(format!("a negative offset, size or stride: {x}")));
                }
                let elem = source.elem.bytes() as i128;
                let start = source.base as i128 + i128::from(c.offsets[0]) * elem;
                let last: i128 = c.sizes.iter().zip(&c.strides).map(|(n, s)| i128::from(n - 1) * i128::from(*s)).sum();
                let len = source.lock().len() as i128;
                if !c.sizes.contains(&0) && start + (last + 1) * elem > len {
                    return Err(bad(format!(
                        "the view runs past its buffer of {len} bytes (offset {}, sizes {:?}, strides {:?})",
                        c.offsets[0], c.sizes, c.strides
                    )));
                }
                RtValue::MemRef(MemRef {
                    shape: usizes(&c.sizes),
                    strides: usizes(&c.strides),
                    offset: start as usize,
                    ..source
                })
            }
            ShapedStep::Expand(groups, output) => {
                let mut out = self.shape_with(op, &output, &operands[1..])?;
                // The result type's static sizes win over output_shape's, as upstream's.
                let declared = self.ctx.shape(ir.value_type(o.result(0))).unwrap_or_default();
                for (n, d) in out.iter_mut().zip(declared) {
                    if *d != DYNAMIC {
                        *n = *d as usize;
                    }
                }
                let source_shape = self.shape_of(op, operands[0])?;
                for (c, g) in groups.iter().enumerate() {
                    let n = g.iter().try_fold(1usize, |p, d| p.checked_mul(out[*d]));
                    if n != Some(source_shape[c]) {
                        let n = n.map_or("more than 2^64".to_string(), |n| n.to_string());
                        return Err(self.err(
                            op,
                            format!(
                                "output_shape {out:?} splits dimension {c} of size {} into {n} elements",
                                source_shape[c]
                            ),
                        ));
                    }
                }
                match self.get(op, operands[0])?.clone() {
                    RtValue::MemRef(m) => {
                        let mut strides = vec![0; out.len()];
                        for (c, g) in groups.iter().enumerate() {
                            let mut s = m.strides[c];
                            for d in g.iter().rev() {
                                strides[*d] = s;
                                s *= out[*d];
                            }
                        }
                        RtValue::MemRef(MemRef { shape: out, strides, ..m })
                    }
                    RtValue::Tensor(t) => RtValue::Tensor(Rc::new((*t).clone().reshaped(&out))),
                    _ => return Err(self.err(op, "expected a memref or tensor operand")),
                }
            }
            ShapedStep::Collapse(groups) => match self.get(op, operands[0])?.clone() {
                RtValue::MemRef(m) => self.collapse_memref(op, m, &groups)?,
                RtValue::Tensor(t) => {
                    let shape: Vec<usize> = groups.iter().map(|g| g.iter().map(|d| t.shape[*d]).product()).collect();
                    RtValue::Tensor(Rc::new((*t).clone().reshaped(&shape)))
                }
                _ => return Err(self.err(op, "expected a memref or tensor operand")),
            },
            ShapedStep::ExtractStridedMetadata => {
                let m = self.memref(op, operands[0])?;
                let index = |n: usize| RtValue::Scalar(Scalar::Int(n as i64));
                let base = MemRef { shape: Vec::new(), strides: Vec::new(), offset: m.base, ..m.clone() };
                let mut values = vec![RtValue::MemRef(base), index((m.offset - m.base) / m.elem.bytes())];
                values.extend(m.shape.iter().chain(&m.strides).map(|n| index(*n)));
                for (r, v) in o.results().iter().zip(values) {
                    self.set(*r, v);
                }
                return Ok(());
            }
            ShapedStep::Realloc(size, elem) => {
                let source = self.memref(op, operands[0])?;
                let n = self.shape_with(op, &[size], &operands[1..])?;
                let fresh = MemRef::alloc(&n, elem).map_err(|e| self.err(op, e))?;
                for i in 0..n[0].min(source.shape[0]) as i64 {
                    let v = source.load(&[i]).map_err(|e| self.err(op, e))?;
                    fresh.store(&[i], v).map_err(|e| self.err(op, e))?;
                }
                RtValue::MemRef(fresh)
            }
            ShapedStep::ExtractSlice(w, dropped) => {
                let t = self.tensor(op, operands[0])?;
                let c = self.concrete(op, &w, &operands[1..], &t.shape)?;
                let strides = Tensor::strides(&t.shape);
                let sizes = usizes(&c.sizes);
                let offsets = Tensor::indices(&sizes).map(|i| window_offset(&c, &strides, &i));
                let shape = c.sizes.iter().zip(dropped.iter()).filter(|(_, d)| !**d).map(|(n, _)| *n as usize);
                RtValue::Tensor(Rc::new(t.gather(&shape.collect::<Vec<_>>(), offsets)))
            }
            ShapedStep::InsertSlice(w) => {
                let dest = self.tensor(op, operands[1])?;
                RtValue::Tensor(Rc::new(self.inserted(op, &w, &dest)?))
            }
            ShapedStep::Pad(low, high) => self.pad(op, &low, &high)?,
            ShapedStep::Generate(shape, elem) => {
                let shape = self.shape_with(op, &shape, operands)?;
                let region = o.regions()[0];
                let values =
                    Tensor::indices(&shape).map(|i| self.yielded(op, region, &i)).collect::<Result<Vec<_>, _>>()?;
                RtValue::Tensor(Rc::new(Tensor::from_scalars(&shape, elem, values)))
            }
            ShapedStep::Reshape => {
                let t = self.tensor(op, operands[0])?;
                let shape_tensor = self.tensor(op, operands[1])?;
                let mut shape = Vec::with_capacity(shape_tensor.len());
                for s in shape_tensor.scalars() {
                    match s {
                        Scalar::Int(n) if n >= 0 => shape.push(n as usize),
                        other => return Err(self.err(op, format!("a shape entry of {other:?}"))),
                    }
                }
                let declared = ir.value_type(o.results()[0]);
                let declared = self.ctx.shape(declared).unwrap_or_default();
                let fits = declared.len() == shape.len()
                    && declared.iter().zip(&shape).all(|(d, n)| *d == DYNAMIC || *d as usize == *n);
                if !fits || shape.iter().try_fold(1usize, |a, b| a.checked_mul(*b)) != Some(t.len()) {
                    return Err(self.err(op, format!("a tensor of {} elements reshaped to {shape:?}", t.len())));
                }
                RtValue::Tensor(Rc::new((*t).clone().reshaped(&shape)))
            }
        };
        self.set(o.result(0), result);
        Ok(())
    }

    /// `dest` with the window `w` of the insert `op` (`insert_slice` or
    /// `parallel_insert_slice`, whose source is its first operand and whose window's dynamic
    /// entries follow the destination) replaced by the source.
    pub(super) fn inserted(&self, op: OpId, w: &Window, dest: &Tensor) -> Result<Tensor, RuntimeError> {
        let operands = self.ir.op(op).operands();
        let source = self.tensor(op, operands[0])?;
        let mut dest = dest.clone();
        let c = self.concrete(op, w, &operands[2..], &dest.shape)?;
        let window: usize = c.sizes.iter().map(|n| *n as usize).product();
        if source.len() != window {
            return Err(
                self.err(op, format!("a source of {} elements for a window of {window} ({:?})", source.len(), c.sizes))
            );
        }
        let strides = Tensor::strides(&dest.shape);
        for (next, i) in Tensor::indices(&usizes(&c.sizes)).enumerate() {
            dest.set(window_offset(&c, &strides, &i), source.get(next));
        }
        Ok(dest)
    }

    pub(super) fn tensor(&self, op: OpId, v: Value) -> Result<Rc<Tensor>, RuntimeError> {
        match self.get(op, v)? {
            RtValue::Tensor(t) => Ok(t.clone()),
            _ => Err(self.err(op, "expected a tensor operand")),
        }
    }

    /// `w` with its dynamic entries read from `dynamic` (in list order), checked against
    /// `bounds` (the source's shape) when given: sizes and strides not negative, and every
    /// element of the window inside.
    fn concrete(&self, op: OpId, w: &Window, dynamic: &[Value], bounds: &[usize]) -> Result<Concrete, RuntimeError> {
        let mut next = dynamic.iter();
        let mut fill = |list: &[i64]| -> Result<Vec<i64>, RuntimeError> {
            list.iter()
                .map(|x| match *x {
                    DYNAMIC => {
                        let v = next.next().ok_or_else(|| self.err(op, "a dynamic entry without its operand"))?;
                        self.int(op, *v)
                    }
                    n => Ok(n),
                })
                .collect()
        };
        let c = Concrete { offsets: fill(&w.offsets)?, sizes: fill(&w.sizes)?, strides: fill(&w.strides)? };
        for (d, bound) in bounds.iter().enumerate() {
            let (offset, size, stride) = (c.offsets[d], c.sizes[d], c.strides[d]);
            if offset < 0 || size < 0 || stride < 0 {
                return Err(self.err(
                    op,
                    format!("a negative offset, size or stride in dimension {d}: {offset}, {size}, {stride}"),
                ));
            }
            let last = i128::from(offset) + i128::from(size.max(1) - 1) * i128::from(stride);
            let past = if size == 0 { offset as u128 > *bound as u128 } else { last >= *bound as i128 };
            if past {
                return Err(self.err(
                    op,
                    format!(
                    "the window (offset {offset}, size {size}, stride {stride}) runs past dimension {d} of size {bound}"
                ),
                ));
            }
        }
        Ok(c)
    }

    fn collapse_memref(&self, op: OpId, m: MemRef, groups: &[Vec<usize>]) -> Result<RtValue, RuntimeError> {
        let mut shape = Vec::with_capacity(groups.len());
        let mut strides = Vec::with_capacity(groups.len());
        for g in groups {
            let mut kept: Vec<usize> = g.iter().copied().filter(|d| m.shape[*d] != 1).collect();
            if kept.is_empty() {
                kept.push(*g.last().expect("groups are not empty"));
            }
            for pair in kept.windows(2) {
                if m.strides[pair[0]] != m.strides[pair[1]] * m.shape[pair[1]] {
                    return Err(self.err(op, format!("dimensions {g:?} of the source are not contiguous")));
                }
            }
            shape.push(g.iter().map(|d| m.shape[*d]).product());
            strides.push(m.strides[*kept.last().expect("kept is not empty")]);
        }
        Ok(RtValue::MemRef(MemRef { shape, strides, ..m }))
    }

    /// `tensor.pad`: the source inside, and what the region yields for each index outside.
    fn pad(&mut self, op: OpId, low: &[i64], high: &[i64]) -> Result<RtValue, RuntimeError> {
        let ir = self.ir;
        let o = ir.op(op);
        let source = self.tensor(op, o.operands()[0])?;
        let rank = source.shape.len();
        let dynamic = &o.operands()[1..];
        let amounts = |list: &[i64], skip: usize| -> Result<Vec<usize>, RuntimeError> {
            let mut next = dynamic.iter().skip(skip);
            list.iter()
                .map(|x| {
                    let n = match *x {
                        DYNAMIC => self.int(op, *next.next().ok_or_else(|| self.err(op, "a missing amount"))?)?,
                        n => n,
                    };
                    usize::try_from(n).map_err(|_| self.err(op, format!("a negative padding amount: {n}")))
                })
                .collect()
        };
        let lo = amounts(low, 0)?;
        let hi = amounts(high, low.iter().filter(|x| **x == DYNAMIC).count())?;
        let shape: Vec<usize> = (0..rank).map(|d| source.shape[d] + lo[d] + hi[d]).collect();
        let declared = self.ctx.shape(ir.value_type(o.result(0))).unwrap_or_default();
        if declared.iter().zip(&shape).any(|(d, n)| *d != DYNAMIC && *d as usize != *n) {
            return Err(self.err(op, format!("padding gives shape {shape:?}, not the declared {declared:?}")));
        }
        let strides = Tensor::strides(&source.shape);
        let region = o.regions()[0];
        let mut values = Vec::new();
        for i in Tensor::indices(&shape) {
            let inside = (0..rank).all(|d| i[d] >= lo[d] && i[d] - lo[d] < source.shape[d]);
            values.push(if inside {
                source.get((0..rank).map(|d| (i[d] - lo[d]) * strides[d]).sum())
            } else {
                self.yielded(op, region, &i)?
            });
        }
        let shape_declared = ir.value_type(o.result(0));
        let elem = elem_of(self.ctx, shape_declared);
        Ok(RtValue::Tensor(Rc::new(Tensor::from_scalars(&shape, elem, values))))
    }

    /// The scalar `region` of `op` yields for `index`.
    fn yielded(&mut self, op: OpId, region: strata_ir::RegionId, index: &[usize]) -> Result<Scalar, RuntimeError> {
        let args = index.iter().map(|i| RtValue::Scalar(Scalar::Int(*i as i64))).collect();
        match self.run_region(op, region, args)?.as_slice() {
            [RtValue::Scalar(x)] => Ok(*x),
            _ => Err(self.err(op, "the region must yield one scalar")),
        }
    }
}

/// The row-major offset in a tensor of `strides` of element `i` of window `c`.
fn window_offset(c: &Concrete, strides: &[usize], i: &[usize]) -> usize {
    (0..i.len()).map(|d| (c.offsets[d] as usize + i[d] * c.strides[d] as usize) * strides[d]).sum()
}
