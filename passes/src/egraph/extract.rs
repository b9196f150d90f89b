//! DAG-aware extraction: a value used twice is paid once.
//!
//! Greedy over cost *sets* (as extraction-gym's "faster greedy DAG"): each class keeps its
//! best node with the set of classes that node's whole sub-graph needs, and its cost is the sum
//! over that set, so shared classes count once. A node whose sub-graph contains its own class
//! would be a cycle and is never chosen. Classes are revisited only when a child's choice
//! changed (a worklist over parents). The greedy choice is then refined against the cost of
//! the whole graph the roots need.

use egg::{Id, Language};
use rustc_hash::{FxHashMap, FxHashSet};

use super::analysis::NnGraph;
use super::language::Node;

/// The cost of a node alone (not its children), given its class.
pub type OwnCost<'a> = &'a dyn Fn(Id, &Node) -> f64;

/// Classes a sub-graph needs, sorted by id, with their own costs.
type CostSet = Vec<(Id, f64)>;

/// The union of sorted sets (a class in both keeps one cost: they agree).
fn union(a: &[(Id, f64)], b: &[(Id, f64)]) -> CostSet {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

pub struct DagExtractor<'a> {
    chosen: FxHashMap<Id, Node>,
    own: OwnCost<'a>,
}

impl<'a> DagExtractor<'a> {
    /// Greedy DAG extraction, then improved against the whole graph that `roots` need.
    /// Nodes of infinite cost are never chosen.
    pub fn new(g: &NnGraph, roots: &[Id], own: OwnCost<'a>) -> Self {
        // Each node's own cost, once.
        let costs: FxHashMap<Id, Vec<f64>> =
            g.classes().map(|c| (c.id, c.nodes.iter().map(|n| own(c.id, n)).collect())).collect();
        let mut best: FxHashMap<Id, (usize, CostSet, f64)> = FxHashMap::default();
        // First in, first out: leaves, then what they feed, close to a topological order.
        let mut work: std::collections::VecDeque<Id> =
            g.classes().filter(|c| c.nodes.iter().any(|n| n.is_leaf())).map(|c| c.id).collect();
        let mut queued: FxHashSet<Id> = work.iter().copied().collect();
        while let Some(class) = work.pop_front() {
            queued.remove(&class);
            let mut improved = false;
            for (k, node) in g[class].nodes.iter().enumerate() {
                let cost = costs[&class][k];
                if !cost.is_finite() {
                    continue;
                }
                let Some(sets) =
                    node.children().iter().map(|c| best.get(&g.find(*c)).map(|b| &b.1)).collect::<Option<Vec<_>>>()
                else {
                    continue;
                };
                let mut uses: CostSet = Vec::new();
                for set in sets {
                    uses = union(&uses, set);
                }
                if uses.binary_search_by_key(&class, |e| e.0).is_ok() {
                    continue; // a cycle through this class
                }
                uses = union(&uses, &[(class, cost)]);
                let total: f64 = uses.iter().map(|e| e.1).sum();
                if best.get(&class).is_none_or(|b| total < b.2) {
                    best.insert(class, (k, uses, total));
                    improved = true;
                }
            }
            if improved {
                for parent in g[class].parents() {
                    let parent = g.find(parent);
                    if queued.insert(parent) {
                        work.push_back(parent);
                    }
                }
            }
        }
        let chosen = best.into_iter().map(|(c, (k, _, _))| (c, g[c].nodes[k].clone())).collect();
        let mut x = DagExtractor { chosen, own };
        x.refine(g, roots, &costs);
        x
    }

    /// Greedy choices are best for each class alone; a value the rest of the graph needs anyway
    /// can make another node cheaper in context. Try every alternative of every needed class
    /// against the whole graph's cost and keep improvements, until none is left.
    fn refine(&mut self, g: &NnGraph, roots: &[Id], costs: &FxHashMap<Id, Vec<f64>>) {
        let index: FxHashMap<Id, usize> = FxHashMap::default();
        let mut choice: FxHashMap<Id, usize> = index;
        for (c, n) in &self.chosen {
            if let Some(k) = g[*c].nodes.iter().position(|m| m == n) {
                choice.insert(*c, k);
            }
        }
        let mut best = whole_cost(g, roots, &choice, costs);
        let mut improved = true;
        let mut rounds = 0;
        while improved && rounds < 8 {
            improved = false;
            rounds += 1;
            for class in reachable(g, roots, &choice) {
                let current = choice[&class];
                for k in 0..g[class].nodes.len() {
                    let node = &g[class].nodes[k];
                    if k == current
                        || !costs[&class][k].is_finite()
                        || node.children().iter().any(|c| !choice.contains_key(&g.find(*c)))
                    {
                        continue;
                    }
                    choice.insert(class, k);
                    let cost = whole_cost(g, roots, &choice, costs);
                    if cost < best {
                        best = cost;
                        improved = true;
                        break;
                    }
                    choice.insert(class, current);
                }
            }
        }
        self.chosen = choice.into_iter().map(|(c, k)| (c, g[c].nodes[k].clone())).collect();
    }

    /// Given choices, to price them.
    pub fn fixed(chosen: FxHashMap<Id, Node>, own: OwnCost<'a>) -> Self {
        DagExtractor { chosen, own }
    }

    /// Whether every root has a chosen node (an extraction exists).
    pub fn covers(&self, g: &NnGraph, roots: &[Id]) -> bool {
        roots.iter().all(|r| self.chosen.contains_key(&g.find(*r)))
    }

    /// The chosen node of `class`.
    pub fn node(&self, g: &NnGraph, class: Id) -> Node {
        self.chosen[&g.find(class)].clone()
    }

    /// The cost of everything `roots` need, each class once; infinite if the choices form a
    /// cycle.
    pub fn cost(&self, g: &NnGraph, roots: &[Id]) -> f64 {
        let choice: FxHashMap<Id, usize> =
            self.chosen.iter().filter_map(|(c, n)| g[*c].nodes.iter().position(|m| m == n).map(|k| (*c, k))).collect();
        let costs: FxHashMap<Id, Vec<f64>> =
            choice.keys().map(|c| (*c, g[*c].nodes.iter().map(|n| (self.own)(*c, n)).collect())).collect();
        whole_cost(g, roots, &choice, &costs)
    }
}

impl DagExtractor<'_> {
    /// The classes the chosen nodes reach from `roots`.
    pub fn reachable(&self, g: &NnGraph, roots: &[Id]) -> rustc_hash::FxHashSet<Id> {
        let choice: FxHashMap<Id, usize> =
            self.chosen.iter().filter_map(|(c, n)| g[*c].nodes.iter().position(|m| m == n).map(|k| (*c, k))).collect();
        reachable(g, roots, &choice).into_iter().collect()
    }
}

/// The classes the chosen nodes reach from `roots`.
fn reachable(g: &NnGraph, roots: &[Id], choice: &FxHashMap<Id, usize>) -> Vec<Id> {
    let mut seen = FxHashSet::default();
    let mut order = Vec::new();
    let mut stack: Vec<Id> = roots.iter().map(|r| g.find(*r)).collect();
    while let Some(c) = stack.pop() {
        if seen.insert(c) {
            order.push(c);
            if let Some(k) = choice.get(&c) {
                stack.extend(g[c].nodes[*k].children().iter().map(|x| g.find(*x)));
            }
        }
    }
    order
}

/// The cost of everything `roots` need under `choice`, each class once; infinite if the
/// choices form a cycle or leave a class without a node.
fn whole_cost(g: &NnGraph, roots: &[Id], choice: &FxHashMap<Id, usize>, costs: &FxHashMap<Id, Vec<f64>>) -> f64 {
    // Depth-first with colours: grey (false) on the path, black (true) when done.
    let mut colour: FxHashMap<Id, bool> = FxHashMap::default();
    let mut total = 0.0;
    let mut stack: Vec<(Id, bool)> = roots.iter().map(|r| (g.find(*r), false)).collect();
    while let Some((c, done)) = stack.pop() {
        if done {
            colour.insert(c, true);
            continue;
        }
        match colour.get(&c) {
            Some(true) => continue,
            Some(false) => return f64::INFINITY,
            None => {}
        }
        let Some(&k) = choice.get(&c) else { return f64::INFINITY };
        colour.insert(c, false);
        total += costs[&c][k];
        stack.push((c, true));
        for child in g[c].nodes[k].children() {
            let child = g.find(*child);
            match colour.get(&child) {
                Some(false) => return f64::INFINITY,
                Some(true) => {}
                None => stack.push((child, false)),
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use egg::{CostFunction, Extractor, Symbol};

    use super::*;
    use crate::egraph::analysis::NnAnalysis;

    /// Bytes each op writes: inputs are free.
    fn bytes(g: &NnGraph, class: Id, node: &Node) -> f64 {
        match node.op_name() {
            Some(n) if n != "input" => g[class].data.bytes() as f64,
            _ => 0.0,
        }
    }

    /// The same cost summed over the tree, as egg's own extractor sees it.
    struct TreeBytes<'a>(&'a NnGraph);
    impl CostFunction<Node> for TreeBytes<'_> {
        type Cost = f64;
        fn cost<C: FnMut(Id) -> f64>(&mut self, enode: &Node, mut costs: C) -> f64 {
            let class = self.0.lookup(enode.clone()).unwrap();
            enode.fold(bytes(self.0, class, enode), |sum, id| sum + costs(id))
        }
    }

    /// A residual block where B can be `gap(a)` (a is needed anyway) or `gap(abs(x))` (cheaper
    /// as a tree, dearer once a is paid for): tree and DAG extraction disagree.
    #[test]
    fn dag_cost_pays_shared_values_once_where_tree_cost_does_not() {
        let f32 = Symbol::from("f32");
        let mut g = NnGraph::new(NnAnalysis { inputs: vec![(vec![1, 10, 10, 10], f32)], consts: Vec::new() });
        let zero = g.add(Node::Int(0));
        let x = g.add(Node::op("input", vec![zero]));
        let e = g.add(Node::op("nn.exp", vec![x]));
        let s = g.add(Node::op("nn.sigmoid", vec![e]));
        let a = g.add(Node::op("nn.relu", vec![s]));
        let p = g.add(Node::op("nn.global_avg_pool2d", vec![a]));
        let ab = g.add(Node::op("nn.abs", vec![x]));
        let q = g.add(Node::op("nn.global_avg_pool2d", vec![ab]));
        g.union(p, q);
        let root = g.add(Node::op("nn.add", vec![a, p]));
        g.rebuild();
        let tree = Extractor::new(&g, TreeBytes(&g));
        let tree_choice = tree.find_best_node(p).clone();
        let own = |c: Id, n: &Node| bytes(&g, c, n);
        let dag = DagExtractor::new(&g, &[root], &own);
        let dag_choice = dag.node(&g, p);
        // The tree picks gap(abs(x)); the DAG picks gap(a).
        assert_eq!(tree_choice.children(), &[g.find(ab)]);
        assert_eq!(dag_choice.children(), &[g.find(a)]);
        // exp, sigmoid, relu, add: 4 x 4000 bytes; gap: 40.
        assert_eq!(dag.cost(&g, &[root]), (4 * 4000 + 40) as f64);
        // The chosen graph is acyclic: walking choices from the root terminates without revisiting.
        let mut stack = vec![(g.find(root), vec![g.find(root)])];
        while let Some((c, path)) = stack.pop() {
            for child in dag.node(&g, c).children() {
                let child = g.find(*child);
                assert!(!path.contains(&child), "cycle through {child}");
                let mut p = path.clone();
                p.push(child);
                stack.push((child, p));
            }
        }
    }
}
