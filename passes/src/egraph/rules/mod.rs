//! The built-in rewrite rules, one family per module, and rules read from text.
//!
//! - [`simplify`]: cancellations, idempotent activations, batch norm folded into convolution
//!   weights or into a scale and shift;
//! - [`fusion`]: elementwise ops become kernels, chains and trees of kernels merge, and
//!   kernels become the epilogues of convolutions and matmuls;
//! - [`layout`]: convolutions and pools in the target's layouts, relayouts pushed through
//!   elementwise ops and cancelled;
//! - [`algorithm`]: the convolution algorithms the target offers, where they apply.
//!
//! Constant folding needs no rule: a node computed from constants alone costs nothing (it is
//! evaluated at compile time when the graph is written back).

pub mod algorithm;
pub mod fusion;
pub mod layout;
pub mod simplify;

use egg::{Id, Rewrite, Subst, Var};

use super::analysis::{Data, NnAnalysis, NnGraph};
use super::cost::Target;
use super::language::Node;

/// Every built-in rule for `target`.
pub fn all(target: Target) -> Vec<Rewrite<Node, NnAnalysis>> {
    let mut rules = simplify::rules();
    rules.extend(fusion::rules());
    rules.extend(layout::rules(target));
    rules.extend(algorithm::rules(target));
    rules
}

/// A condition on the data of one matched variable.
pub(crate) fn on(var: &str, test: impl Fn(&Data) -> bool) -> impl Fn(&mut NnGraph, Id, &Subst) -> bool {
    let v: Var = var.parse().expect("a pattern variable");
    move |g, _, s| test(&g[s[v]].data)
}

/// All listed variables are compile-time constants.
pub(crate) fn constants(vars: &[&str]) -> impl Fn(&mut NnGraph, Id, &Subst) -> bool {
    let vs: Vec<Var> = vars.iter().map(|v| v.parse().expect("a pattern variable")).collect();
    move |g, _, s| vs.iter().all(|v| g[s[*v]].data.is_constant())
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
