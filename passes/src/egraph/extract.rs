//! DAG-aware extraction: a value used twice is paid once.
//!
//! Greedy over cost *sets* (as extraction-gym's "faster greedy DAG"): each class keeps its
//! best node with the set of classes that node's whole sub-graph needs, and its cost is the sum
//! over that set, so shared classes count once. A node whose sub-graph contains its own class
//! would be a cycle and is never chosen.

use egg::{Id, Language};
use rustc_hash::FxHashMap;

use super::analysis::NnGraph;
use super::language::Node;

/// The chosen node of each class, with the classes its sub-graph uses and their own costs.
struct Choice {
    node: Node,
    uses: FxHashMap<Id, f64>,
    total: f64,
}

/// The cost of a node alone (not its children), given its class.
pub type OwnCost<'a> = &'a dyn Fn(Id, &Node) -> f64;

pub struct DagExtractor<'a> {
    chosen: FxHashMap<Id, Node>,
    own: OwnCost<'a>,
}

impl<'a> DagExtractor<'a> {
    /// Greedy DAG extraction, then improved against the whole graph that `roots` need.
    /// Nodes of infinite cost are never chosen.
    pub fn new(g: &NnGraph, roots: &[Id], own: OwnCost<'a>) -> Self {
        let mut choices: FxHashMap<Id, Choice> = FxHashMap::default();
        let mut changed = true;
        while changed {
            changed = false;
            for class in g.classes() {
                for node in &class.nodes {
                    let children: Vec<Id> = node.children().iter().map(|c| g.find(*c)).collect();
                    if children.iter().any(|c| !choices.contains_key(c)) {
                        continue;
                    }
                    let cost = own(class.id, node);
                    if !cost.is_finite() {
                        continue;
                    }
                    let mut uses: FxHashMap<Id, f64> = FxHashMap::default();
                    for c in &children {
                        for (k, v) in &choices[c].uses {
                            uses.insert(*k, *v);
                        }
                    }
                    if uses.contains_key(&class.id) {
                        continue; // a cycle through this class
                    }
                    uses.insert(class.id, cost);
                    let total: f64 = uses.values().sum();
                    if choices.get(&class.id).is_none_or(|old| total < old.total) {
                        choices.insert(class.id, Choice { node: node.clone(), uses, total });
                        changed = true;
                    }
                }
            }
        }
        let mut x = DagExtractor { chosen: choices.into_iter().map(|(k, c)| (k, c.node)).collect(), own };
        x.refine(g, roots);
        x
    }

    /// Greedy choices are best for each class alone; a value the rest of the graph needs anyway
    /// can make another node cheaper in context. Try every alternative of every needed class
    /// against the whole graph's cost and keep improvements, until none is left.
    fn refine(&mut self, g: &NnGraph, roots: &[Id]) {
        let mut best = self.cost(g, roots);
        let mut improved = true;
        let mut rounds = 0;
        while improved && rounds < 8 {
            improved = false;
            rounds += 1;
            let needed = self.reachable(g, roots);
            for class in needed {
                let current = self.chosen[&class].clone();
                for node in &g[class].nodes {
                    if *node == current || node.children().iter().any(|c| !self.chosen.contains_key(&g.find(*c))) {
                        continue;
                    }
                    self.chosen.insert(class, node.clone());
                    let cost = self.cost(g, roots);
                    if cost < best {
                        best = cost;
                        improved = true;
                        break;
                    }
                    self.chosen.insert(class, current.clone());
                }
            }
        }
    }

    fn reachable(&self, g: &NnGraph, roots: &[Id]) -> Vec<Id> {
        let mut seen = rustc_hash::FxHashSet::default();
        let mut order = Vec::new();
        let mut stack: Vec<Id> = roots.iter().map(|r| g.find(*r)).collect();
        while let Some(c) = stack.pop() {
            if seen.insert(c) {
                order.push(c);
                if let Some(n) = self.chosen.get(&c) {
                    stack.extend(n.children().iter().map(|x| g.find(*x)));
                }
            }
        }
        order
    }

    /// The chosen node of `class`.
    pub fn node(&self, g: &NnGraph, class: Id) -> Node {
        self.chosen[&g.find(class)].clone()
    }

    /// Given choices, to price them.
    pub fn fixed(chosen: FxHashMap<Id, Node>, own: OwnCost<'a>) -> Self {
        DagExtractor { chosen, own }
    }

    /// Whether every root has a chosen node (an extraction exists).
    pub fn covers(&self, g: &NnGraph, roots: &[Id]) -> bool {
        roots.iter().all(|r| self.chosen.contains_key(&g.find(*r)))
    }

    /// The cost of everything `roots` need, each class once; infinite if the choices form a
    /// cycle.
    pub fn cost(&self, g: &NnGraph, roots: &[Id]) -> f64 {
        // Depth-first with colours: grey on the path, black when done.
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
            let Some(n) = self.chosen.get(&c) else { return f64::INFINITY };
            colour.insert(c, false);
            total += (self.own)(c, n);
            stack.push((c, true));
            for child in n.children() {
                let child = g.find(*child);
                if colour.get(&child) == Some(&false) {
                    return f64::INFINITY;
                }
                if !colour.contains_key(&child) {
                    stack.push((child, false));
                }
            }
        }
        total
    }
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
