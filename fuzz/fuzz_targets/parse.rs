//! Parser, verifier, folders and printer on arbitrary bytes: no panic, no stack overflow, and
//! whatever verifies prints to text that reads back to the same print.
//!
//! `cargo fuzz run parse fuzz/corpus-seed` (seed with `testdata/ir` and `testdata/invalid`).

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use strata_ir::{fold, parse_source, print_module, verify, Context, ParseOptions, PrintOptions};

static CONTEXT: LazyLock<Context> = LazyLock::new(|| {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ctx = &*CONTEXT;
    let opts = ParseOptions { allow_unregistered: true, ..Default::default() };
    let Ok(m) = parse_source(ctx, "fuzz.mlir", text, &opts) else { return };
    if verify(ctx, &m.ir, m.root).is_err() {
        return;
    }
    for op in m.ir.collect_ops(m.root) {
        let _ = fold::try_fold(ctx, &m.ir, op);
    }
    let printed = print_module(ctx, &m, &PrintOptions { generic: true, debug_info: true });
    let again = parse_source(ctx, "again.mlir", &printed, &opts).expect("printed text parses");
    verify(ctx, &again.ir, again.root).expect("printed text verifies");
    assert_eq!(print_module(ctx, &again, &PrintOptions { generic: true, debug_info: true }), printed);
});
