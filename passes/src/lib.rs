//! # strata-passes
//!
//! The standard passes, registered by [`register_all`]:
//!
//! | pass | what it does |
//! |------|--------------|
//! | `canonicalize` | folds, dead-op removal, constant hoisting, canonicalization patterns |
//! | `cse` | common sub-expression elimination over the dominator tree |
//! | `dce` | dead ops and unreachable blocks |
//! | `symbol-dce` | private symbols nothing refers to |
//! | `inline` | `func.call` inlining, callees first, then a cleanup pipeline |
//! | `apply-rules` | rewrite rules from a text file ([`rules`]) |
//! | `view-op-graph` | Graphviz of each function's data flow ([`view_op_graph`]) |
//!
//! Each pass module has an `info()` giving its [`PassInfo`](strata_ir::pass::PassInfo).

pub mod canonicalize;
pub mod cse;
pub mod dce;
pub mod egraph;
pub mod inline;
pub mod memory_plan;
pub mod rules;
pub mod symbol_dce;
mod symbols;
pub mod tutorial;
pub mod view_op_graph;

use strata_ir::pass::PassRegistry;

/// Registers the standard passes and the named pipeline `simplify` (`canonicalize,cse`).
pub fn register_all(registry: &mut PassRegistry) {
    for info in [
        canonicalize::info(),
        cse::info(),
        dce::info(),
        symbol_dce::info(),
        inline::info(),
        rules::info(),
        egraph::info(),
        memory_plan::info(),
        view_op_graph::info(),
    ] {
        // A tool registering the standard passes twice keeps the first registration.
        let _ = registry.register(info);
    }
    let _ = registry.register_pipeline("simplify", "Canonicalize, then CSE", "canonicalize,cse");
}
