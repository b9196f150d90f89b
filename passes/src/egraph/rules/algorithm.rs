//! Convolution algorithm selection: a convolution whose algorithm is not fixed (`any`) may use
//! each algorithm the target offers where it applies (see [`applicable`]); the cost provider
//! prices each and extraction keeps the cheapest.

use egg::{Id, Pattern, Rewrite, Subst, Var};
use strata_dialects::nn::shape::{Conv2d, ConvAlgorithm, Layout};

use super::super::analysis::{Data, NnAnalysis, NnGraph};
use super::super::cost::{applicable, Target};
use super::super::language::Node;

/// The convolution of the matched attributes and weight allows `algorithm`.
fn allows(algorithm: ConvAlgorithm) -> impl Fn(&mut NnGraph, Id, &Subst) -> bool {
    let vars: Vec<Var> = ["?st", "?pd", "?dl", "?g", "?l", "?w"].iter().map(|v| v.parse().unwrap()).collect();
    move |g, _, s| {
        let d = |i: usize| &g[s[vars[i]]].data;
        let (Data::Ints(st), Data::Ints(pd), Data::Ints(dl), Data::Int(groups), Data::Word(l)) =
            (d(0), d(1), d(2), d(3), d(4))
        else {
            return false;
        };
        let (Some(layout), Some(w)) = (Layout::parse(l.as_str()), d(5).shape()) else { return false };
        if st.len() != 2 || pd.len() != 4 || dl.len() != 2 || w.len() != 4 {
            return false;
        }
        let conv = Conv2d {
            strides: [st[0], st[1]],
            padding: [pd[0], pd[1], pd[2], pd[3]],
            dilations: [dl[0], dl[1]],
            groups: *groups,
            layout,
        };
        applicable(algorithm, &conv, [w[0], w[1], w[2], w[3]])
    }
}

pub fn rules(target: Target) -> Vec<Rewrite<Node, NnAnalysis>> {
    let mut rules = Vec::new();
    for &algorithm in target.algorithms() {
        let a = algorithm.name();
        for (suffix, operands) in [("", "?x ?w"), ("-bias", "?x ?w ?b")] {
            let lhs: Pattern<Node> = format!("(nn.conv2d ?st ?pd ?dl ?g ?l any {operands})").parse().unwrap();
            let rhs: Pattern<Node> = format!("(nn.conv2d ?st ?pd ?dl ?g ?l {a} {operands})").parse().unwrap();
            let applier = egg::ConditionalApplier { condition: allows(algorithm), applier: rhs };
            rules.push(Rewrite::new(format!("conv-{a}{suffix}"), lhs, applier).unwrap());
        }
    }
    rules
}
