//! Exact extraction as an integer linear program (good_lp with its pure-Rust solver), for
//! small graphs: a binary per e-node and per e-class, the roots active, an active class
//! choosing exactly one node, a chosen node activating its children's classes, and a
//! topological order per class (big-M) that forbids cycles. The objective is the sum of
//! chosen nodes' own costs, so a shared class is paid once. The greedy DAG extraction is the
//! warm start; a time limit bounds the search.

use std::time::Duration;

use egg::{Id, Language};
use good_lp::{
    microlp, variable, Expression, ProblemVariables, Solution, SolverModel, Variable, WithInitialSolution,
    WithTimeLimit,
};
use rustc_hash::FxHashMap;

use super::analysis::NnGraph;
use super::extract::{DagExtractor, OwnCost};
use super::language::Node;

/// Why the ILP gave no answer (the caller keeps the greedy one).
#[derive(Debug, thiserror::Error)]
pub enum IlpError {
    #[error("{nodes} e-nodes is over the ILP limit of {limit}")]
    TooLarge { nodes: usize, limit: usize },
    #[error("the solver failed: {0}")]
    Solver(String),
}

/// Solves the extraction of `roots` exactly; `warm` is a feasible start (greedy DAG).
pub fn extract<'a>(
    g: &NnGraph,
    roots: &[Id],
    own: OwnCost<'a>,
    warm: &DagExtractor<'_>,
    max_nodes: usize,
    time_limit: Duration,
) -> Result<DagExtractor<'a>, IlpError> {
    let tensor = |c: Id| g[g.find(c)].data.shape().is_some();
    let classes: Vec<Id> = g.classes().filter(|c| c.data.shape().is_some()).map(|c| c.id).collect();
    let nodes: usize = classes.iter().map(|c| g[*c].nodes.len()).sum();
    if nodes > max_nodes {
        return Err(IlpError::TooLarge { nodes, limit: max_nodes });
    }
    let big = classes.len() as f64 + 1.0;
    let mut vars = ProblemVariables::new();
    let mut active: FxHashMap<Id, Variable> = FxHashMap::default();
    let mut order: FxHashMap<Id, Variable> = FxHashMap::default();
    for c in &classes {
        active.insert(*c, vars.add(variable().binary()));
        order.insert(*c, vars.add(variable().min(0.0).max(big)));
    }
    // (class, node index, variable, cost in microseconds)
    let mut picks: Vec<(Id, usize, Variable, f64)> = Vec::new();
    for c in &classes {
        for (k, n) in g[*c].nodes.iter().enumerate() {
            let cost = own(*c, n);
            let self_loop = n.children().iter().any(|x| g.find(*x) == *c);
            if cost.is_finite() && !self_loop {
                picks.push((*c, k, vars.add(variable().binary()), cost * 1e6));
            }
        }
    }
    let objective: Expression = picks.iter().map(|(_, _, v, cost)| *cost * *v).sum();
    let mut model = vars.minimise(objective).using(microlp);
    for r in roots {
        model.add_constraint((Expression::from(active[&g.find(*r)])).eq(1.0));
    }
    let mut per_class: FxHashMap<Id, Expression> = FxHashMap::default();
    for (c, k, v, _) in &picks {
        *per_class.entry(*c).or_default() += *v;
        for child in g[*c].nodes[*k].children().iter().map(|x| g.find(*x)).filter(|x| tensor(*x)) {
            model.add_constraint(Expression::from(*v).leq(active[&child]));
            // Chosen: order(c) >= order(child) + 1.
            model.add_constraint((order[c] - order[&child] + big * (1.0 - *v)).geq(1.0));
        }
    }
    for c in &classes {
        let chosen = per_class.remove(c).unwrap_or_default();
        model.add_constraint(chosen.eq(active[c]));
    }
    // Warm start from the greedy choice, restricted to what the roots need.
    let needed = warm.reachable(g, roots);
    let mut start: Vec<(Variable, f64)> = Vec::new();
    for (c, k, v, _) in &picks {
        let on = needed.contains(c) && warm.node(g, *c) == g[*c].nodes[*k];
        start.push((*v, f64::from(on)));
    }
    for c in &classes {
        start.push((active[c], f64::from(needed.contains(c))));
    }
    let solution = model
        .with_initial_solution(start)
        .with_time_limit(time_limit.as_secs_f64())
        .solve()
        .map_err(|e| IlpError::Solver(e.to_string()))?;
    let mut chosen: FxHashMap<Id, Node> = g
        .classes()
        .filter(|c| c.data.shape().is_none())
        .filter_map(|c| c.nodes.first().map(|n| (c.id, n.clone())))
        .collect();
    for (c, k, v, _) in &picks {
        if solution.value(*v) > 0.5 {
            chosen.insert(*c, g[*c].nodes[*k].clone());
        }
    }
    Ok(DagExtractor::fixed(chosen, own))
}

#[cfg(test)]
mod tests {
    use egg::Symbol;

    use super::*;
    use crate::egraph::analysis::NnAnalysis;

    /// P and Q can each read B (or B') or C. C is dearer than B, so greedy picks B and B', and
    /// switching either one alone to C only adds C; switching both pays C once and drops B and
    /// B': the ILP finds it, greedy with one-at-a-time refinement does not.
    #[test]
    fn ilp_finds_a_joint_switch_that_greedy_misses() {
        let f32 = Symbol::from("f32");
        let mut g = NnGraph::new(NnAnalysis { inputs: vec![(vec![4], f32)], consts: Vec::new() });
        let zero = g.add(Node::Int(0));
        let x = g.add(Node::op("input", vec![zero]));
        let b = g.add(Node::op("nn.exp", vec![x]));
        let b2 = g.add(Node::op("nn.log", vec![x]));
        let c = g.add(Node::op("nn.tanh", vec![x]));
        let p1 = g.add(Node::op("nn.relu", vec![b]));
        let p2 = g.add(Node::op("nn.neg", vec![c]));
        let q1 = g.add(Node::op("nn.abs", vec![b2]));
        let q2 = g.add(Node::op("nn.sigmoid", vec![c]));
        g.union(p1, p2);
        g.union(q1, q2);
        let root = g.add(Node::op("nn.add", vec![p1, q1]));
        g.rebuild();
        let own = |_: Id, n: &Node| match n.op_name() {
            Some("nn.exp" | "nn.log") => 6.0,
            Some("nn.tanh") => 10.0,
            Some("input") | None => 0.0,
            _ => 1.0,
        };
        let greedy = DagExtractor::new(&g, &[root], &own);
        assert_eq!(greedy.cost(&g, &[root]), 15.0);
        let exact = extract(&g, &[root], &own, &greedy, 100, Duration::from_secs(10)).unwrap();
        assert_eq!(exact.cost(&g, &[root]), 13.0);
        assert_eq!(exact.node(&g, p1).op_name(), Some("nn.neg"));
        assert_eq!(exact.node(&g, q1).op_name(), Some("nn.sigmoid"));
        let too_small = extract(&g, &[root], &own, &greedy, 3, Duration::from_secs(1));
        assert!(matches!(too_small, Err(IlpError::TooLarge { .. })));
    }
}
