//! Pooling: MaxPool and AveragePool (1-D and 2-D, `ceil_mode`, `count_include_pad`,
//! `auto_pad`), GlobalAveragePool and GlobalMaxPool.

use super::conv::{from_2d, to_2d, window};
use super::Cx;
use crate::graph::Val;
use crate::ImportError;

pub fn pool(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let mut x = cx.x(0)?;
    let max = cx.node.op_type() == "MaxPool";
    if max && cx.node.proto.output.get(1).is_some_and(|o| !o.is_empty()) {
        return Err(cx.err("the Indices output is not supported"));
    }
    let kernel = cx.node.ints("kernel_shape")?.ok_or_else(|| cx.err("attribute 'kernel_shape' is required"))?;
    let xs = cx.shape(&x);
    if xs.len() != kernel.len() + 2 {
        return Err(cx.err(format!("a {}-D kernel on an input of rank {}", kernel.len(), xs.len())));
    }
    let win = window(cx, &xs, &kernel)?;
    if win.dilations != [1, 1] {
        return Err(cx.err("dilated pooling is not supported"));
    }
    let one_d = kernel.len() == 1;
    if one_d {
        x = to_2d(cx, x)?;
    }
    let g = &cx.g;
    let mut attrs = vec![
        ("kernel", g.ints_attr(&win.kernel)),
        ("strides", g.ints_attr(&win.strides)),
        ("padding", g.ints_attr(&win.pads)),
    ];
    if cx.node.int("ceil_mode", 0)? != 0 {
        attrs.push(("ceil_mode", g.bool_attr(true)));
    }
    if !max && cx.node.int("count_include_pad", 0)? != 0 {
        attrs.push(("count_include_pad", g.bool_attr(true)));
    }
    let op = if max { "nn.max_pool2d" } else { "nn.avg_pool2d" };
    let y = cx.emit(op, &[x], &attrs)?;
    Ok(vec![if one_d { from_2d(cx, y)? } else { y }])
}

/// The mean or maximum over every spatial dimension, kept as size 1.
pub fn global(cx: &mut Cx) -> Result<Vec<Val>, ImportError> {
    let x = cx.x(0)?;
    let rank = cx.shape(&x).len();
    if rank < 3 {
        return Err(cx.err(format!("input of rank {rank}: (N, C, spatial...) expected")));
    }
    if cx.node.op_type() == "GlobalAveragePool" && rank == 4 {
        return Ok(vec![cx.emit("nn.global_avg_pool2d", &[x], &[])?]);
    }
    let op = if cx.node.op_type() == "GlobalMaxPool" { "nn.reduce_max" } else { "nn.reduce_mean" };
    let axes: Vec<i64> = (2..rank as i64).collect();
    let attrs = [("axes", cx.g.ints_attr(&axes)), ("keepdims", cx.g.bool_attr(true))];
    Ok(vec![cx.emit(op, &[x], &attrs)?])
}
