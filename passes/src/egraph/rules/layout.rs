//! Layout propagation: each convolution and pool may run in any of the target's layouts,
//! wrapped in `relayout`s; relayouts move through elementwise ops and cancel in pairs, so a
//! chain of ops can stay in one layout end to end. `relayout` is an explicit node with its own
//! cost, and the extractor picks the layouts of the whole graph at once.

use egg::{rewrite as rw, Id, Pattern, Rewrite, Subst, Var};
use strata_dialects::nn::shape::Layout;

use super::super::analysis::{Data, NnAnalysis, NnGraph};
use super::super::cost::Target;
use super::super::language::{Node, ELEMENTWISE};

/// The channels of NCHW tensor `x` (and the output channels of weight `w`, if given) fit
/// `layout`'s block.
fn fits(layout: Layout, x: &'static str, w: Option<&'static str>) -> impl Fn(&mut NnGraph, Id, &Subst) -> bool {
    let xv: Var = x.parse().unwrap();
    let wv: Option<Var> = w.map(|w| w.parse().unwrap());
    move |g, _, s| {
        // Only NCHW tensors (or tensors no op has put in another layout) enter a layout.
        if g[s[xv]].data.layout().is_some_and(|l| l != Layout::Nchw) {
            return false;
        }
        let channels = |d: &Data, i: usize| d.shape().filter(|s| s.len() == 4).map(|s| s[i]);
        let Some(c) = channels(&g[s[xv]].data, 1) else { return false };
        let o = match wv {
            Some(w) => match channels(&g[s[w]].data, 0) {
                Some(o) => o,
                None => return false,
            },
            None => c,
        };
        layout.block().is_none_or(|b| c % b == 0 && o % b == 0)
    }
}

fn same_shapes(a: &'static str, b: &'static str) -> impl Fn(&mut NnGraph, Id, &Subst) -> bool {
    let (a, b): (Var, Var) = (a.parse().unwrap(), b.parse().unwrap());
    move |g, _, s| g[s[a]].data.shape().is_some() && g[s[a]].data.shape() == g[s[b]].data.shape()
}

fn rule(name: String, lhs: &str, rhs: &str) -> Rewrite<Node, NnAnalysis> {
    let (l, r): (Pattern<Node>, Pattern<Node>) = (lhs.parse().unwrap(), rhs.parse().unwrap());
    Rewrite::new(name, l, r).unwrap()
}

fn conditional(
    name: String,
    lhs: &str,
    rhs: &str,
    condition: impl Fn(&mut NnGraph, Id, &Subst) -> bool + Send + Sync + 'static,
) -> Rewrite<Node, NnAnalysis> {
    let (l, r): (Pattern<Node>, Pattern<Node>) = (lhs.parse().unwrap(), rhs.parse().unwrap());
    Rewrite::new(name, l, egg::ConditionalApplier { condition, applier: r }).unwrap()
}

pub fn rules(target: Target) -> Vec<Rewrite<Node, NnAnalysis>> {
    let mut rules = vec![
        rw!("relayout-pair"; "(nn.relayout ?b ?c (nn.relayout ?a ?b ?x))" => "(nn.relayout ?a ?c ?x)"),
        rw!("relayout-identity"; "(nn.relayout ?a ?a ?x)" => "?x"),
    ];
    for &layout in target.layouts() {
        if layout == Layout::Nchw {
            continue;
        }
        let l = layout.name();
        for (suffix, operands) in [("", "?x ?w"), ("-bias", "?x ?w ?b")] {
            let weight_and_bias = operands.trim_start_matches("?x ");
            rules.push(conditional(
                format!("conv-{l}{suffix}"),
                &format!("(nn.conv2d ?st ?pd ?dl ?g NCHW ?alg {operands})"),
                &format!("(nn.relayout {l} NCHW (nn.conv2d ?st ?pd ?dl ?g {l} ?alg (nn.relayout NCHW {l} ?x) {weight_and_bias}))"),
                fits(layout, "?x", Some("?w")),
            ));
        }
        // A global average pool reads NCHW only: in another layout it is a mean over the
        // spatial axes, whose 1×1 result is relaid cheaply (the network's head then keeps the
        // body's layout instead of relaying its last feature map).
        let spatial = if layout == Layout::Nhwc { "[1,2]" } else { "[2,3]" };
        rules.push(rule(
            format!("global_avg_pool2d-{l}"),
            &format!("(nn.global_avg_pool2d (nn.relayout {l} NCHW ?x))"),
            &format!("(nn.relayout {l} NCHW (nn.reduce_mean {spatial} true ?x))"),
        ));
        // Pools: the window, the layout, then their flags (`ceil_mode`, and the average's
        // `count_include_pad`).
        for (pool, flags) in [("nn.max_pool2d", "?cm"), ("nn.avg_pool2d", "?cm ?cip")] {
            let short = pool.trim_start_matches("nn.");
            rules.push(conditional(
                format!("{short}-{l}"),
                &format!("({pool} ?k ?st ?pd NCHW {flags} ?x)"),
                &format!("(nn.relayout {l} NCHW ({pool} ?k ?st ?pd {l} {flags} (nn.relayout NCHW {l} ?x)))"),
                fits(layout, "?x", None),
            ));
        }
    }
    for &(name, attrs, operands, _) in ELEMENTWISE {
        let short = name.trim_start_matches("nn.");
        let p: Vec<String> = (0..attrs).map(|i| format!("?p{i}")).collect();
        let p = p.join(" ");
        // Both directions: into an op (to meet a relayout coming the other way and cancel)
        // and out of it (so the op can join the kernel before the relayout).
        if operands == 1 {
            let (outside, inside) =
                (format!("(nn.relayout ?f ?t ({name} {p} ?x))"), format!("({name} {p} (nn.relayout ?f ?t ?x))"));
            rules.push(rule(format!("relayout-into-{short}"), &outside, &inside));
            rules.push(rule(format!("relayout-out-of-{short}"), &inside, &outside));
        } else {
            let (outside, inside) = (
                format!("(nn.relayout ?f ?t ({name} ?a ?b))"),
                format!("({name} (nn.relayout ?f ?t ?a) (nn.relayout ?f ?t ?b))"),
            );
            rules.push(conditional(format!("relayout-into-{short}"), &outside, &inside, same_shapes("?a", "?b")));
            rules.push(conditional(format!("relayout-out-of-{short}"), &inside, &outside, same_shapes("?a", "?b")));
        }
    }
    rules
}
