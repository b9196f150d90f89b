//! Every file under testdata/ir prints stably in custom, generic and debug-info forms:
//! print, reparse, print gives the same text. Representative files are snapshotted.

use std::path::PathBuf;

use strata_ir::{parse_source, print_module, verify, Context, ParseOptions, PrintOptions};

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/ir");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mlir"))
        .collect();
    files.sort();
    files
}

const OPTS: ParseOptions = ParseOptions { allow_unregistered: true, implicit_module: true, first_line: 1 };

fn print(ctx: &Context, name: &str, text: &str, opts: &PrintOptions) -> String {
    let m = parse_source(ctx, name, text, &OPTS).unwrap_or_else(|d| panic!("{name}: {}", d.message));
    verify(ctx, &m.ir, m.root).unwrap_or_else(|d| panic!("{name}: {}", d.message));
    print_module(ctx, &m, opts)
}

#[test]
fn every_file_prints_stably_in_every_form() {
    let ctx = context();
    let forms = [
        PrintOptions::default(),
        PrintOptions { generic: true, ..Default::default() },
        PrintOptions { debug_info: true, ..Default::default() },
        PrintOptions { generic: true, debug_info: true, ..Default::default() },
    ];
    let files = corpus();
    assert!(files.len() >= 10, "corpus went missing");
    for file in files {
        let name = file.display().to_string();
        let src = std::fs::read_to_string(&file).unwrap();
        for opts in &forms {
            let once = print(&ctx, &name, &src, opts);
            // A fresh context: nothing may depend on what was interned before.
            let twice = print(&context(), &name, &once, opts);
            assert_eq!(once, twice, "{name} ({opts:?}) is not stable");
        }
        // Custom and generic forms describe the same IR.
        let custom = print(&ctx, &name, &src, &forms[0]);
        let generic = print(&ctx, &name, &src, &forms[1]);
        assert_eq!(print(&ctx, &name, &custom, &forms[1]), generic, "{name}: custom and generic disagree");
        assert_eq!(print(&ctx, &name, &generic, &forms[0]), custom, "{name}: generic does not read back to custom");
    }
}

fn snapshot(file: &str, opts: PrintOptions) -> String {
    let ctx = context();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/ir").join(file);
    print(&ctx, file, &std::fs::read_to_string(path).unwrap(), &opts)
}

#[test]
fn snapshot_arith_custom() {
    insta::assert_snapshot!(snapshot("arith.mlir", PrintOptions::default()));
}

#[test]
fn snapshot_cf_custom() {
    insta::assert_snapshot!(snapshot("cf.mlir", PrintOptions::default()));
}

#[test]
fn snapshot_func_generic() {
    insta::assert_snapshot!(snapshot("func.mlir", PrintOptions { generic: true, ..Default::default() }));
}

#[test]
fn snapshot_attributes() {
    insta::assert_snapshot!(snapshot("attributes.mlir", PrintOptions::default()));
}

#[test]
fn snapshot_aliases_and_locations() {
    insta::assert_snapshot!(snapshot("aliases.mlir", PrintOptions::default()));
    insta::assert_snapshot!(snapshot("locations.mlir", PrintOptions { debug_info: true, ..Default::default() }));
}

/// An `f80` list element an `f64` does not hold (1 + 2^-63) prints as its bits, exactly,
/// rather than through an `f64` (where it would print as 1.0); the others in decimal.
#[test]
fn f80_values_an_f64_cannot_hold_print_as_their_bits() {
    let ctx = context();
    let wide = "\"xt.wide\"() {v = dense<\"0x0100000000000080FF3F0000000000000080FF3F\"> : tensor<2xf80>} : () -> ()\n";
    let printed = print(&ctx, "wide.mlir", wide, &PrintOptions::default());
    assert!(printed.contains("dense<[0x3FFF8000000000000001, 1.000000e+00]> : tensor<2xf80>"), "{printed}");
    let scalar = "\"xt.wide\"() {v = 0x3FFF8000000000000001 : f80, w = 0.1 : f80} : () -> ()\n";
    let printed = print(&ctx, "scalar.mlir", scalar, &PrintOptions::default());
    assert!(printed.contains("{v = 0x3FFF8000000000000001 : f80, w = 0.100000000000000005551 : f80}"), "{printed}");
}
