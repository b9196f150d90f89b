//! Simplification: cancellations, idempotent activations, involutions, copies that move
//! nothing, and batch norm folded away.

use egg::{rewrite as rw, Id, Rewrite, Subst, Var};

use super::super::analysis::{Data, NnAnalysis, NnGraph};
use super::super::language::Node;
use super::{constants, on};

/// `?p1` then `?p2` compose to the identity permutation.
fn inverse_perms(p1: &'static str, p2: &'static str) -> impl Fn(&mut NnGraph, Id, &Subst) -> bool {
    let (v1, v2): (Var, Var) = (p1.parse().unwrap(), p2.parse().unwrap());
    move |g, _, s| match (&g[s[v1]].data, &g[s[v2]].data) {
        (Data::Ints(a), Data::Ints(b)) if a.len() == b.len() => {
            b.iter().enumerate().all(|(i, &j)| j >= 0 && (j as usize) < a.len() && a[j as usize] == i as i64)
        }
        _ => false,
    }
}

/// `?x` already has the shape of the class being rewritten.
fn same_shape(x: &'static str) -> impl Fn(&mut NnGraph, Id, &Subst) -> bool {
    let v: Var = x.parse().unwrap();
    move |g, class, s| match (g[class].data.shape(), g[s[v]].data.shape()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// A slice from 0 with steps of 1 to `?x`'s own shape: all of `?x`, in order.
fn whole_slice(
    starts: &'static str,
    steps: &'static str,
    x: &'static str,
) -> impl Fn(&mut NnGraph, Id, &Subst) -> bool {
    let (st, sp): (Var, Var) = (starts.parse().unwrap(), steps.parse().unwrap());
    let same = same_shape(x);
    move |g, class, s| {
        let from_zero = matches!(&g[s[st]].data, Data::Ints(v) if v.iter().all(|i| *i == 0));
        let in_order = matches!(&g[s[sp]].data, Data::Ints(v) if v.iter().all(|i| *i == 1));
        from_zero && in_order && same(g, class, s)
    }
}

fn identity_perm(d: &Data) -> bool {
    matches!(d, Data::Ints(p) if p.iter().enumerate().all(|(i, &j)| j == i as i64))
}

/// `scale / sqrt(var + epsilon)`: batch norm's factor per channel.
const FACTOR: &str = "(nn.div ?s (nn.sqrt (nn.add ?v (fill ?eps [1]))))";

pub fn rules() -> Vec<Rewrite<Node, NnAnalysis>> {
    let folded_weight = format!("(nn.mul ?w (nn.reshape [-1,1,1,1] {FACTOR}))");
    let shift = format!("(nn.sub ?bi (nn.mul ?m {FACTOR}))");
    let shift_with_bias = format!("(nn.add (nn.mul (nn.sub ?b ?m) {FACTOR}) ?bi)");
    let bn_conv = "(nn.batch_norm ?eps (nn.conv2d ?st ?pd ?dl ?g NCHW ?alg ?x ?w) ?s ?bi ?m ?v)";
    let bn_conv_bias = "(nn.batch_norm ?eps (nn.conv2d ?st ?pd ?dl ?g NCHW ?alg ?x ?w ?b) ?s ?bi ?m ?v)";
    let parse = |t: &str| -> egg::Pattern<Node> { t.parse().expect("a built-in pattern") };
    let scale_shift = format!("(nn.add (nn.mul ?x (nn.reshape [-1,1,1] {FACTOR})) (nn.reshape [-1,1,1] {shift}))");
    vec![
        rw!("relu-idempotent"; "(nn.relu (nn.relu ?x))" => "(nn.relu ?x)"),
        rw!("relu6-of-relu"; "(nn.relu6 (nn.relu ?x))" => "(nn.relu6 ?x)"),
        rw!("relu-of-relu6"; "(nn.relu (nn.relu6 ?x))" => "(nn.relu6 ?x)"),
        rw!("abs-idempotent"; "(nn.abs (nn.abs ?x))" => "(nn.abs ?x)"),
        rw!("abs-of-neg"; "(nn.abs (nn.neg ?x))" => "(nn.abs ?x)"),
        rw!("neg-involution"; "(nn.neg (nn.neg ?x))" => "?x"),
        rw!("transpose-cancel"; "(nn.transpose ?p2 (nn.transpose ?p1 ?x))" => "?x" if inverse_perms("?p1", "?p2")),
        rw!("reshape-reshape"; "(nn.reshape ?s2 (nn.reshape ?s1 ?x))" => "(nn.reshape ?s2 ?x)"),
        rw!("reshape-noop"; "(nn.reshape ?s ?x)" => "?x" if same_shape("?x")),
        rw!("transpose-identity"; "(nn.transpose ?p ?x)" => "?x" if on("?p", identity_perm)),
        // Copies that move nothing: a broadcast to the input's own shape, a slice of all of it
        // in order, a pad of nothing (in any mode).
        rw!("broadcast-noop"; "(nn.broadcast ?s ?x)" => "?x" if same_shape("?x")),
        rw!("slice-noop"; "(nn.slice ?st ?sz ?sp ?x)" => "?x"
            if whole_slice("?st", "?sp", "?x")),
        rw!("pad-noop"; "(nn.pad ?p ?v ?m ?x)" => "?x" if on("?p", |d| matches!(d, Data::Ints(p) if p.iter().all(|v| *v == 0)))),
        // Joining all the parts of a split, in order, gives back its input (a cycle in the
        // e-graph: x = concat(split(x)); extraction filters it).
        rw!("concat-split-2"; "(nn.concat ?a (nn.split.part 0 ?a ?s ?x) (nn.split.part 1 ?a ?s ?x))" => "?x"
            if on("?s", |d| matches!(d, Data::Ints(v) if v.len() == 2))),
        rw!("concat-split-3"; "(nn.concat ?a (nn.split.part 0 ?a ?s ?x) (nn.split.part 1 ?a ?s ?x) (nn.split.part 2 ?a ?s ?x))" => "?x"
            if on("?s", |d| matches!(d, Data::Ints(v) if v.len() == 3))),
        Rewrite::new(
            "batch-norm-into-conv",
            parse(bn_conv),
            egg::ConditionalApplier {
                condition: constants(&["?w", "?s", "?bi", "?m", "?v"]),
                applier: parse(&format!("(nn.conv2d ?st ?pd ?dl ?g NCHW ?alg ?x {folded_weight} {shift})")),
            },
        )
        .expect("a built-in rule"),
        Rewrite::new(
            "batch-norm-into-conv-bias",
            parse(bn_conv_bias),
            egg::ConditionalApplier {
                condition: constants(&["?w", "?b", "?s", "?bi", "?m", "?v"]),
                applier: parse(&format!("(nn.conv2d ?st ?pd ?dl ?g NCHW ?alg ?x {folded_weight} {shift_with_bias})")),
            },
        )
        .expect("a built-in rule"),
        Rewrite::new(
            "batch-norm-to-scale-shift",
            parse("(nn.batch_norm ?eps ?x ?s ?bi ?m ?v)"),
            egg::ConditionalApplier {
                condition: move |g: &mut NnGraph, id: Id, s: &Subst| {
                    constants(&["?s", "?bi", "?m", "?v"])(g, id, s)
                        && on("?x", |d| d.shape().is_some_and(|s| s.len() == 4))(g, id, s)
                },
                applier: parse(&scale_shift),
            },
        )
        .expect("a built-in rule"),
    ]
}
