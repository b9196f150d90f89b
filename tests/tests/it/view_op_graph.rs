//! Graphviz pictures: `egraph-opt`'s (`--egraph-dot`) shows the graph as written, after
//! folding, with costs that add up to the optimizer's estimate; `view-op-graph`'s labels survive
//! odd location names; both render with Graphviz's `dot` where it is installed (SKIPPED
//! otherwise, unless `STRATA_REQUIRE_ALL=1` makes its absence a failure). The DOT text of small
//! graphs is checked by `testdata/passes/view-op-graph.mlir` and `testdata/nn/egraph-stats.mlir`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use strata_ir::{parse_source, Context, Module, OpId, ParseOptions, Trait};
use strata_passes::egraph::{cost::Target, EGraphOpt, Report};
use strata_passes::view_op_graph::{graphs, GraphOptions};

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn first_function(m: &Module) -> OpId {
    let body = m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0];
    m.ir.block_ops(body).next().unwrap()
}

fn resnet18(ctx: &Context) -> Module {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/models/resnet18.mlir");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_source(ctx, "resnet18.mlir", &text, &ParseOptions::default()).unwrap()
}

/// ResNet-18 optimized for x86-64, with the DOT text `--egraph-dot` wrote for it.
fn optimized_resnet18(ctx: &Context) -> (Module, Report, String) {
    let mut m = resnet18(ctx);
    let func = first_function(&m);
    let path = std::env::temp_dir().join(format!("strata-egraph-dot-{}.dot", std::process::id()));
    let report = EGraphOpt::new(Target::X86_64)
        .with_dot_file(path.to_str().unwrap())
        .optimize(ctx, &mut m.ir, func)
        .unwrap()
        .expect("ResNet-18 is a graph egraph-opt models");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    (m, report, text)
}

/// The label of each node statement (`  nK [label="...", ...];`), escapes kept.
fn node_labels(dot: &str) -> Vec<&str> {
    let mut labels = Vec::new();
    for line in dot.lines() {
        let Some((id, rest)) = line.trim_start().split_once(" [label=\"") else { continue };
        if id.strip_prefix('n').is_none_or(|k| k.parse::<u32>().is_err()) {
            continue;
        }
        // The label ends at the first quote that no backslash escapes.
        let (mut end, mut escaped) = (None, false);
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        labels.push(&rest[..end.unwrap_or_else(|| panic!("an unterminated label: {line}"))]);
    }
    labels
}

/// Microseconds in a cost line (`12.3 us`, `1.234 ms`).
fn micros(line: &str) -> Option<f64> {
    let (number, unit) = line.split_once(' ')?;
    let x: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(x),
        "ms" => Some(x * 1e3),
        _ => None,
    }
}

#[test]
fn the_egraph_picture_is_the_graph_as_written_with_its_costs() {
    let ctx = context();
    let (m, report, dot) = optimized_resnet18(&ctx);
    // The written function's ops, constants aside (the picture leaves them out).
    let func = first_function(&m);
    let ops: Vec<OpId> = m.ir.collect_ops(func).into_iter().skip(1).collect();
    let is_constant = |op: OpId| ctx.op_def(m.ir.op(op).name()).is_some_and(|d| d.has_trait(Trait::ConstantLike));
    let kernel_body = |op: OpId| m.ir.parent_op(op).is_some_and(|p| p != func);
    let drawn: Vec<OpId> = ops.into_iter().filter(|o| !is_constant(*o) && !kernel_body(*o)).collect();
    let labels = node_labels(&dot);
    let op_labels: Vec<&str> = labels.iter().copied().filter(|l| !l.starts_with("%arg")).collect();
    assert_eq!(op_labels.len(), drawn.len(), "one node per op of the written function:\n{dot}");
    for (label, op) in op_labels.iter().zip(&drawn) {
        assert!(label.starts_with(ctx.ident_str(m.ir.op(*op).name())), "{label}");
    }
    // Batch norms were folded into the convolutions' weights: nothing of them is left.
    assert!(!dot.contains("batch_norm") && !dot.contains("fused ops]"), "{dot}");
    let kernels: Vec<&&str> = op_labels.iter().filter(|l| l.starts_with("kernel.")).collect();
    assert!(kernels.len() > 10, "ResNet-18's convolutions are fused with their ReLUs:\n{dot}");
    for k in &kernels {
        // The ops of the body by name (a ReLU is `maximumf`, a residual or bias an `addf`).
        let fuses = k.split("\\n").find_map(|l| l.strip_prefix("fuses: ")).unwrap_or_else(|| panic!("{k}"));
        assert!(fuses.split(", ").all(|op| op == "addf" || op == "maximumf"), "{k}");
    }
    for conv in op_labels.iter().filter(|l| l.contains("conv2d")) {
        let layout = conv.split("\\nlayout=").nth(1).and_then(|rest| rest.split(' ').next());
        assert!(layout.and_then(strata_dialects::nn::shape::Layout::parse).is_some(), "{conv}");
        assert!(conv.contains(" algorithm="), "{conv}");
    }
    // The title has the optimizer's own total, and the nodes' costs add up to it (each is
    // rounded to 0.05 us, or 0.5 us when printed in ms).
    let total =
        format!("estimated {:.3} ms as written, {:.3} ms as read", report.cost_after * 1e3, report.cost_before * 1e3);
    assert!(dot.contains(&total), "no '{total}' in:\n{dot}");
    let costs: Vec<f64> = op_labels.iter().filter_map(|l| l.rsplit("\\n").next().and_then(micros)).collect();
    let sum: f64 = costs.iter().sum();
    let slack = 0.5 * costs.len() as f64;
    assert!(
        (sum - report.cost_after * 1e6).abs() <= slack,
        "nodes add up to {sum} us, the total is {} us",
        report.cost_after * 1e6
    );
}

#[test]
fn odd_location_names_stay_inside_their_labels() {
    let ctx = context();
    let src = r#"func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
      %y = "nn.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32> loc("a\"b\\c\n{d}<e>|f \\N é")
      return %y : tensor<4xf32>
    }"#;
    let m = parse_source(&ctx, "f.mlir", src, &ParseOptions::default()).unwrap();
    let dot = graphs(&ctx, &m.ir, m.root, &GraphOptions::default());
    // Quotes and backslashes escaped, the line break a space; braces, angle brackets and bars
    // are plain text in a plain label.
    assert!(dot.contains(r#"n1 [label="nn.relu\n4xf32\nloc: a\"b\\c {d}<e>|f \\N é"];"#), "{dot}");
    let Some(svg) = svg(&dot, "odd location names rendered by dot") else { return };
    // What Graphviz read back is the name itself (its SVG escapes <, > and ").
    assert!(svg.contains(r#"loc: a&quot;b\c {d}&lt;e&gt;|f \N é"#), "{svg}");
}

#[test]
fn resnet18_pictures_render_with_dot() {
    let ctx = context();
    let m = resnet18(&ctx);
    let as_read = graphs(&ctx, &m.ir, m.root, &GraphOptions::default());
    let (_, _, optimized) = optimized_resnet18(&ctx);
    for (what, dot) in [("view-op-graph of ResNet-18", as_read), ("egraph-opt's picture of ResNet-18", optimized)] {
        let Some(svg) = svg(&dot, what) else { return };
        let nodes = node_labels(&dot).len();
        assert_eq!(svg.matches("class=\"node\"").count(), nodes, "{what}: dot drew other nodes than the text has");
    }
}

/// `dot` for the tests that render, or `None` after printing `SKIPPED: {what}: why`.
fn svg(dot: &str, what: &str) -> Option<String> {
    let child =
        Command::new("dot").arg("-Tsvg").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            let required = std::env::var("STRATA_REQUIRE_ALL").is_ok_and(|v| v == "1");
            assert!(!required, "STRATA_REQUIRE_ALL=1 but Graphviz's dot is missing ({e}); apt-get install graphviz");
            eprintln!("SKIPPED: {what}: Graphviz's dot not found ({e}); apt-get install graphviz");
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // dot warns (and still succeeds) on some syntax errors: any message is a failure here.
    assert!(out.status.success() && stderr.trim().is_empty(), "{what}: dot failed:\n{stderr}\n{dot}");
    Some(String::from_utf8(out.stdout).unwrap())
}
