//! What measuring changed in the chosen graph: the convolutions (and products) whose
//! algorithm or layout differs between the graph extracted with the model's prices and the
//! one extracted with measured prices, each with both times.

use egg::{Id, Language};
use rustc_hash::FxHashMap;

use super::super::analysis::NnGraph;
use super::super::extract::DagExtractor;
use super::super::model::NodeCost;
use super::Candidate;

/// One kernel chosen differently.
#[derive(Clone, Debug)]
pub struct Change {
    pub by_model: Candidate,
    pub by_measurement: Candidate,
}

/// The measurable kernels of the graph `x` extracts, by the class of their weight and their
/// problem (what a layer keeps whatever layout and algorithm it takes; equal weights share a
/// class, so the problem tells their layers apart where their shapes differ).
fn kernels(
    g: &NnGraph,
    roots: &[Id],
    x: &DagExtractor<'_>,
    price: &NodeCost<'_>,
) -> FxHashMap<(Id, String), Candidate> {
    let mut out = FxHashMap::default();
    for class in x.reachable(g, roots) {
        let node = x.node(g, class);
        let Some(c) = price.work_of(class, &node).as_ref().and_then(Candidate::of) else { continue };
        let weight = match node.op_name() {
            Some("nn.conv2d") => node.children()[7],
            Some("kernel.conv2d") => node.children()[9],
            Some("nn.matmul") => node.children()[1],
            Some("kernel.matmul") => node.children()[2],
            _ => continue,
        };
        out.insert((g.find(weight), c.problem()), c);
    }
    out
}

/// The kernels `measured` chose otherwise than `model`, in a stable order.
pub fn changes(
    g: &NnGraph,
    roots: &[Id],
    price: &NodeCost<'_>,
    model: &DagExtractor<'_>,
    measured: &DagExtractor<'_>,
) -> Vec<Change> {
    let by_model = kernels(g, roots, model, price);
    let by_measurement = kernels(g, roots, measured, price);
    let mut out: Vec<Change> = by_model
        .iter()
        .filter_map(|(w, a)| {
            let b = by_measurement.get(w)?;
            (a.signature() != b.signature()).then(|| Change { by_model: a.clone(), by_measurement: b.clone() })
        })
        .collect();
    out.sort_by_key(|c| (c.by_model.problem(), c.by_model.signature(), c.by_measurement.signature()));
    out
}
