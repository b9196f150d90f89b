//! Built-in rewrite rules: simplification (so far: idempotent activations, involutions,
//! transpose and reshape cancellation).

use egg::{rewrite as rw, Id, Rewrite, Subst, Var};

use super::analysis::{Data, NnAnalysis, NnGraph};
use super::language::Node;

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

/// Rules from text, one per line in the built-in syntax: `name: (lhs pattern) => (rhs pattern)`;
/// `#` starts a comment. Errors name the line.
///
/// ```
/// let rules = strata_passes::egraph::rules::parse_rules("relu-relu: (nn.relu (nn.relu ?x)) => (nn.relu ?x)\n").unwrap();
/// assert_eq!(rules.len(), 1);
/// assert!(strata_passes::egraph::rules::parse_rules("broken (nn.relu ?x)").is_err());
/// ```
pub fn parse_rules(text: &str) -> Result<Vec<Rewrite<Node, NnAnalysis>>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        let (name, rule) = line.split_once(':').ok_or(format!("line {n}: expected 'name: lhs => rhs'"))?;
        let (lhs, rhs) = rule.split_once("=>").ok_or(format!("line {n}: expected '=>' between the patterns"))?;
        let lhs: egg::Pattern<Node> = lhs.trim().parse().map_err(|e| format!("line {n}: bad pattern: {e}"))?;
        let rhs: egg::Pattern<Node> = rhs.trim().parse().map_err(|e| format!("line {n}: bad pattern: {e}"))?;
        out.push(Rewrite::new(name.trim(), lhs, rhs).map_err(|e| format!("line {n}: {e}"))?);
    }
    Ok(out)
}

pub fn simplification() -> Vec<Rewrite<Node, NnAnalysis>> {
    vec![
        rw!("relu-idempotent"; "(nn.relu (nn.relu ?x))" => "(nn.relu ?x)"),
        rw!("relu6-of-relu"; "(nn.relu6 (nn.relu ?x))" => "(nn.relu6 ?x)"),
        rw!("abs-idempotent"; "(nn.abs (nn.abs ?x))" => "(nn.abs ?x)"),
        rw!("neg-involution"; "(nn.neg (nn.neg ?x))" => "?x"),
        rw!("transpose-cancel"; "(nn.transpose ?p2 (nn.transpose ?p1 ?x))" => "?x" if inverse_perms("?p1", "?p2")),
        rw!("reshape-reshape"; "(nn.reshape ?s2 (nn.reshape ?s1 ?x))" => "(nn.reshape ?s2 ?x)"),
        rw!("reshape-noop"; "(nn.reshape ?s ?x)" => "?x" if same_shape("?x")),
        rw!("transpose-noop"; "(nn.transpose ?p ?x)" => "?x" if same_shape("?x")),
    ]
}
