//! Weights as `dense_resource` blobs end to end: read back as the values they hold (against
//! the same values written as `dense<...>`), for every element type the interpreter knows;
//! folded into new blobs by `egraph-opt` and run in the interpreter and JIT-compiled code;
//! folded by `arith` folders; printed and parsed again; and the parser's hand-read path for
//! long strings fuzzed (no input panics it, good blobs read back exactly, a damaged one is an
//! error at the damage).

use proptest::prelude::*;
use strata_ir::{
    parse_source, print_module, AttrKind, Context, DenseElements, DenseValue, FloatKind, FoldResult, Module,
    ParseOptions, PrintOptions,
};
use strata_runtime::compare::{compare, max_abs, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn parse(ctx: &Context, text: &str) -> Module {
    parse_source(ctx, "resources.mlir", text, &ParseOptions::default())
        .unwrap_or_else(|d| panic!("{}\n{text}", d.message))
}

/// Upper-case hex of `bytes`, written here rather than by the printer under test.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// `dialect_resources` entries of alignment 4 as MLIR writes them.
fn section(blobs: &[(&str, &[u8])]) -> String {
    let entries: Vec<String> = blobs.iter().map(|(k, b)| format!("      {k}: \"0x04000000{}\"", hex(b))).collect();
    format!("{{-#\n  dialect_resources: {{\n    builtin: {{\n{}\n    }}\n  }}\n#-}}\n", entries.join(",\n"))
}

/// `n` random values of `elem` as a literal holds them (floats rounded to the type), and
/// their little-endian bytes, encoded here from the values' bits (not by the runtime).
fn random_values(elem: &str, n: usize, rng: &mut SplitMix) -> (Vec<DenseValue>, Vec<u8>) {
    let mut values = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..n {
        let float = match elem {
            "f64" => Some((FloatKind::F64, 8)),
            "f32" => Some((FloatKind::F32, 4)),
            "f16" => Some((FloatKind::F16, 2)),
            "bf16" => Some((FloatKind::BF16, 2)),
            _ => None,
        };
        if let Some((kind, size)) = float {
            let v = strata_ir::float::round_to(rng.uniform(-100.0, 100.0), kind);
            values.push(DenseValue::Float(v.to_bits()));
            bytes.extend_from_slice(
                &strata_ir::float::to_bits(v, kind).expect("every test value has a pattern").to_le_bytes()[..size],
            );
            continue;
        }
        let width: u32 = elem[1..].parse().unwrap();
        let v = strata_ir::wrap_signed(rng.next_u64() as i64 as i128, width);
        let v = if width == 1 { v & 1 } else { v };
        values.push(DenseValue::Int(v));
        bytes.extend_from_slice(&v.to_le_bytes()[..(width as usize).div_ceil(8)]);
    }
    (values, bytes)
}

/// The value of the `nn.constant` that function `name` of `m` returns.
fn run(ctx: &Context, m: &Module, name: &str, inputs: Vec<Tensor>) -> Vec<Tensor> {
    let func = strata_runtime::functions(ctx, &m.ir, m.root).into_iter().find(|(n, _)| n == name).unwrap().1;
    run_function(ctx, &m.ir, func, inputs).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn blobs_run_as_the_values_written_as_dense_literals() {
    let ctx = context();
    let mut rng = SplitMix(41);
    for elem in ["f32", "f64", "f16", "bf16", "i1", "i8", "i16", "i32", "i64"] {
        let n = 37;
        let ty = format!("tensor<{n}x{elem}>");
        let (values, bytes) = random_values(elem, n, &mut rng);
        assert!(values.iter().any(|v| *v != values[0]), "{elem}: random values that differ");
        let dense = ctx.intern_attr(AttrKind::DenseElements {
            ty: ctx.parse_type(&ty).unwrap(),
            elements: DenseElements::Values(values),
        });
        let text = format!(
            "func.func @dense() -> {ty} {{\n  %c = \"nn.constant\"() {{value = {}}} : () -> {ty}\n  return %c : {ty}\n}}\n\
             func.func @blob() -> {ty} {{\n  %c = \"nn.constant\"() {{value = dense_resource<w> : {ty}}} : () -> {ty}\n  return %c : {ty}\n}}\n{}",
            ctx.attr_to_string(dense),
            section(&[("w", &bytes)])
        );
        let m = parse(&ctx, &text);
        let (want, got) = (run(&ctx, &m, "dense", vec![]), run(&ctx, &m, "blob", vec![]));
        assert!(got[0].same(&want[0]), "{elem}: the blob reads as\n{:?}\nnot\n{:?}", got[0], want[0]);
        // arith's folders read blobs too: the same values as the literal.
        let blob_attr = ctx.dense_resource_attr("check", ctx.parse_type(&ty).unwrap(), bytes.clone()).unwrap();
        assert_eq!(ctx.resource_values(blob_attr).unwrap(), ctx_values(&ctx, dense), "{elem}");
        // A blob one element short is an error naming both sizes, not a short tensor.
        let short = format!("tensor<{}x{elem}>", n + 1);
        let wrong = text.replace(
            &format!("dense_resource<w> : {ty}}} : () -> {ty}"),
            &format!("dense_resource<w> : {short}}} : () -> {short}"),
        );
        let wrong = wrong.replace(&format!("func.func @blob() -> {ty}"), &format!("func.func @blob() -> {short}"));
        let wrong = wrong.replace(&format!("return %c : {ty}\n}}\n{{-#"), &format!("return %c : {short}\n}}\n{{-#"));
        let m = parse(&ctx, &wrong);
        let func = strata_runtime::functions(&ctx, &m.ir, m.root)[1].1;
        let err = run_function(&ctx, &m.ir, func, vec![]).unwrap_err().to_string();
        assert!(err.contains(&format!("holds {} bytes", bytes.len())), "{elem}: {err}");
    }
}

fn ctx_values(ctx: &Context, dense: strata_ir::Attribute) -> Vec<DenseValue> {
    match ctx.attr_kind(dense) {
        AttrKind::DenseElements { ty, elements } => {
            ctx.dense_values(*ty, elements).expect("values that differ").into_owned()
        }
        _ => unreachable!("built as a dense attribute"),
    }
}

/// f32 values of `shape` in [lo, hi) as little-endian bytes.
fn random_f32(shape: &[usize], lo: f64, hi: f64, rng: &mut SplitMix) -> Vec<u8> {
    let n: usize = shape.iter().product();
    (0..n).flat_map(|_| (rng.uniform(lo, hi) as f32).to_le_bytes()).collect()
}

/// Batch norm after a convolution with random weights (blobs) folds into new weights, which
/// are blobs too; the graph computes what it did, interpreted and compiled.
#[test]
fn folded_weights_are_blobs_and_compute_what_the_graph_did() {
    use strata_lowering::codegen::jit::{Jit, JitOptions};
    use strata_lowering::codegen::{default_pipeline, Target};
    let ctx = context();
    let mut rng = SplitMix(5);
    let w = random_f32(&[8, 4, 3, 3], -0.5, 0.5, &mut rng);
    let scale = random_f32(&[8], 0.5, 1.5, &mut rng);
    let shift = random_f32(&[8], -1.0, 1.0, &mut rng);
    let mean = random_f32(&[8], -0.5, 0.5, &mut rng);
    let var = random_f32(&[8], 0.5, 2.0, &mut rng);
    let text = format!(
        r#"func.func @conv_bn(%x: tensor<1x4x10x10xf32>) -> tensor<1x8x10x10xf32> {{
  %w = "nn.constant"() {{value = dense_resource<w> : tensor<8x4x3x3xf32>}} : () -> tensor<8x4x3x3xf32>
  %s = "nn.constant"() {{value = dense_resource<scale> : tensor<8xf32>}} : () -> tensor<8xf32>
  %b = "nn.constant"() {{value = dense_resource<shift> : tensor<8xf32>}} : () -> tensor<8xf32>
  %m = "nn.constant"() {{value = dense_resource<mean> : tensor<8xf32>}} : () -> tensor<8xf32>
  %v = "nn.constant"() {{value = dense_resource<var> : tensor<8xf32>}} : () -> tensor<8xf32>
  %c = "nn.conv2d"(%x, %w) {{padding = [1, 1, 1, 1]}} : (tensor<1x4x10x10xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x10x10xf32>
  %n = "nn.batch_norm"(%c, %s, %b, %m, %v) {{epsilon = 1.0e-5 : f32}} : (tensor<1x8x10x10xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x10x10xf32>
  return %n : tensor<1x8x10x10xf32>
}}
{}"#,
        section(&[("w", &w), ("scale", &scale), ("shift", &shift), ("mean", &mean), ("var", &var)])
    );
    let before = parse(&ctx, &text);
    let input = Tensor::from_bytes(&[1, 4, 10, 10], Elem::F32, &random_f32(&[1, 4, 10, 10], -1.0, 1.0, &mut rng));
    let want = run(&ctx, &before, "conv_bn", vec![input.clone()]);
    let after = crate::models::optimize(&ctx, &before, "builtin.module(func.func(egraph-opt))");
    let printed = print_module(&ctx, &after, &PrintOptions::default());
    assert!(!printed.contains("nn.batch_norm"), "{printed}");
    // The folded weights (288 values) are a blob, printed in the section; the folded bias
    // (8 values, at most `fold::LITERAL_ELEMENTS`) a literal.
    assert!(
        printed.contains("dense_resource<folded> : tensor<8x4x3x3xf32>")
            && printed.contains("      folded: \"0x04000000"),
        "{printed}"
    );
    assert!(printed.contains("value = dense<[") && printed.contains("> : tensor<8xf32>}>"), "{printed}");
    // Within 2e-6 of the output's scale: the folded weights are rounded to f32 once (w times
    // a per-channel factor), against the exact sums the graph makes; 36 products per output.
    let tolerance = |t: &[Tensor]| Tolerance { rtol: 0.0, atol: 2e-6 * (1.0 + max_abs(&t[0])) };
    let got = run(&ctx, &after, "conv_bn", vec![input.clone()]);
    compare(&got[0], &want[0], tolerance(&want)).unwrap_or_else(|m| panic!("interpreted after folding: {m}"));
    // The same through text: the blobs print and parse back.
    let fresh = context();
    let reread = parse(&fresh, &printed);
    let got = run(&fresh, &reread, "conv_bn", vec![input.clone()]);
    compare(&got[0], &want[0], tolerance(&want)).unwrap_or_else(|m| panic!("printed and parsed: {m}"));
    // Compiled code takes its weights from the blobs too.
    let host = crate::models::optimize(&ctx, &before, default_pipeline(Target::Host));
    let jit = Jit::compile(&ctx, &host.ir, host.root, JitOptions { threads: Some(1), poison: true })
        .unwrap_or_else(|e| panic!("{e}"));
    let got = jit.run("conv_bn", &[input]).unwrap_or_else(|e| panic!("{e}"));
    compare(&got[0], &want[0], tolerance(&want)).unwrap_or_else(|m| panic!("JIT-compiled: {m}"));
}

#[test]
fn arith_folds_read_blob_operands() {
    let ctx = context();
    let mut rng = SplitMix(8);
    let a = random_f32(&[20], -10.0, 10.0, &mut rng);
    let text = format!(
        "func.func @f() -> tensor<20xf32> {{\n  %a = arith.constant dense_resource<a> : tensor<20xf32>\n  \
         %b = arith.constant dense<2.5> : tensor<20xf32>\n  %c = arith.mulf %a, %b : tensor<20xf32>\n  \
         return %c : tensor<20xf32>\n}}\n{}",
        section(&[("a", &a)])
    );
    let m = parse(&ctx, &text);
    let mul =
        m.ir.collect_ops(m.root).into_iter().find(|op| ctx.ident_str(m.ir.op(*op).name()) == "arith.mulf").unwrap();
    let results = strata_ir::fold::try_fold(&ctx, &m.ir, mul);
    let Some([FoldResult::Attr(folded)]) = results.as_deref() else {
        panic!("arith.mulf of two constants folds to one");
    };
    let got = ctx_values(&ctx, *folded);
    let want: Vec<DenseValue> = a
        .chunks_exact(4)
        .map(|b| DenseValue::Float(((f32::from_le_bytes(b.try_into().unwrap()) * 2.5) as f64).to_bits()))
        .collect();
    assert_eq!(got, want);
}

/// Ours, in custom and generic form, with blobs of every size class, reads back as itself.
#[test]
fn modules_with_blobs_print_and_parse_back_unchanged() {
    let ctx = context();
    let mut rng = SplitMix(3);
    let sizes = [0usize, 1, 3, 100, 70_000];
    let mut ops = String::new();
    let mut blobs = Vec::new();
    for (i, n) in sizes.iter().enumerate() {
        ops.push_str(&format!(
            "  %c{i} = \"nn.constant\"() {{value = dense_resource<b{i}> : tensor<{n}xf32>}} : () -> tensor<{n}xf32>\n"
        ));
        blobs.push((format!("b{i}"), random_f32(&[*n], -1.0, 1.0, &mut rng)));
    }
    let refs: Vec<(&str, &[u8])> = blobs.iter().map(|(k, b)| (k.as_str(), b.as_slice())).collect();
    let text = format!("func.func @f() {{\n{ops}  return\n}}\n{}", section(&refs));
    for generic in [false, true] {
        let opts = PrintOptions { generic, ..Default::default() };
        let printed = print_module(&ctx, &parse(&ctx, &text), &opts);
        // Each blob once, in the order of use.
        let at: Vec<usize> =
            (0..sizes.len()).map(|i| printed.find(&format!("      b{i}: \"0x04000000")).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{printed}");
        for ctx in [&ctx, &context()] {
            assert_eq!(print_module(ctx, &parse(ctx, &printed), &opts), printed);
        }
    }
}

/// What parsing a damaged blob must give.
#[derive(Debug)]
enum Expect {
    Data(Vec<u8>),
    /// An error at this byte offset.
    ErrorAt(usize),
    /// An error somewhere after the damage (a quote or an escape that ends the string
    /// elsewhere leaves text that no longer lexes).
    Error,
}

/// A file using one blob of `data` written in one of three layouts, damaged by `damage`,
/// and what parsing it must give.
fn damaged(data: &[u8], damage: &Damage, layout: u8) -> (String, Expect) {
    let use_line = format!("\"t.op\"() {{v = dense_resource<blob> : tensor<{}xi8>}} : () -> ()\n", data.len());
    let head = match layout {
        0 => "{-#\n  dialect_resources: {\n    builtin: {\n      blob: ",
        1 => "{-# dialect_resources: { builtin: { blob:",
        _ => "{-#\n// \"a comment\" {-#\n dialect_resources : {builtin:{\"blob\"\n:\n",
    };
    // Digit i of the string (after its quote) is at `quote + 1 + i`.
    let quote = use_line.len() + head.len();
    let mut digits = format!("0x01000000{}", hex(data));
    let expect = match *damage {
        Damage::None => Expect::Data(data.to_vec()),
        Damage::DropLast => {
            digits.pop();
            Expect::ErrorAt(quote)
        }
        Damage::Replace(i, c) => {
            // Past the alignment: a data digit, or one more at the end.
            let i = 10 + i % (digits.len() - 9);
            let appended = i == digits.len();
            if appended {
                digits.push(c);
            } else {
                digits.replace_range(i..i + 1, &c.to_string());
            }
            match c {
                '"' => Expect::Error,
                '\\' if i + 1 >= digits.len() => Expect::Error,
                _ if !c.is_ascii_hexdigit() => Expect::ErrorAt(quote + 1 + i),
                _ if appended => Expect::ErrorAt(quote),
                _ => Expect::Data(
                    (10..digits.len()).step_by(2).map(|k| u8::from_str_radix(&digits[k..k + 2], 16).unwrap()).collect(),
                ),
            }
        }
    };
    (format!("{use_line}{head}\"{digits}\"\n}}\n}}\n#-}}\n"), expect)
}

#[derive(Clone, Debug)]
enum Damage {
    None,
    Replace(usize, char),
    DropLast,
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        2 => Just(Damage::None),
        3 => (any::<usize>(), prop::sample::select(vec!['g', 'G', 'z', ' ', '\\', '"', '#', '{', '7', 'c'])).prop_map(|(i, c)| Damage::Replace(i, c)),
        1 => Just(Damage::DropLast),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn hand_read_blobs_read_exactly_or_fail_at_the_damage(
        data in prop::collection::vec(any::<u8>(), 0..40_000),
        damage in damage(),
        layout in 0u8..3,
    ) {
        let ctx = Context::new();
        let (text, expect) = damaged(&data, &damage, layout);
        let opts = ParseOptions { allow_unregistered: true, ..Default::default() };
        match (parse_source(&ctx, "fuzz.mlir", &text, &opts), expect) {
            (Ok(m), Expect::Data(want)) => {
                let blob = ctx.blob("blob").unwrap();
                prop_assert_eq!(blob.bytes(), &want[..]);
                let printed = print_module(&ctx, &m, &PrintOptions::default());
                let line = format!("blob: \"0x01000000{}\"", hex(&want));
                prop_assert!(printed.contains(&line));
            }
            (Err(d), Expect::ErrorAt(at)) => {
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let want = (text[..at].matches('\n').count() as u32 + 1, (at - line_start) as u32 + 1);
                let (_, line, col) = ctx.loc_file_line_col(d.loc).unwrap();
                prop_assert_eq!((line, col), want, "{}", d.message);
            }
            (Err(_), Expect::Error) => {}
            (Ok(_), expect) => prop_assert!(false, "{:?} was accepted, expected {:?}", damage, expect),
            (Err(d), expect) => prop_assert!(false, "{:?}: {} (expected {:?})", damage, d.message, expect),
        }
    }
}
