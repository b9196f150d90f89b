//! Integer graphs are exact everywhere: random `nn` graphs of i8, i32 and i64 (wrapping add,
//! sub and mul, signed max, min and division, comparisons, selects and casts between integer
//! widths and i1) give bit-identical results on the interpreter, the host JIT and AArch64
//! under qemu, after the default pipeline (inlining, egraph-opt's fusion into integer kernels,
//! the memory plan, loops, vectors). No tolerance: integer arithmetic has one right answer.
//!
//! Inputs span each type's whole range, so products and sums wrap; divisors are constants
//! without 0 or -1 (which have no defined quotient, a fault tested elsewhere).

use proptest::prelude::*;
use strata_ir::pass::PassManager;
use strata_ir::{parse_source, Context, Module, ParseOptions};
use strata_lowering::codegen::driver::Program;
use strata_lowering::codegen::jit::{Jit, JitOptions};
use strata_lowering::codegen::object::emit_object;
use strata_lowering::codegen::{default_pipeline, Target};
use strata_runtime::compare::{compare, Tolerance};
use strata_runtime::random::SplitMix;
use strata_runtime::{run_function, Elem, Tensor};

const TYPES: [&str; 3] = ["i8", "i32", "i64"];
const SHAPE: &str = "4x6";

/// A random graph: its text and its inputs.
struct Case {
    src: String,
    inputs: Vec<Tensor>,
}

fn elem(t: &str) -> Elem {
    Elem::parse(t).expect("an integer type")
}

/// A value of the integer type `t`, drawn across its whole range half the time and small
/// otherwise (so both wrapping and ordinary arithmetic are exercised).
fn value(r: &mut SplitMix, t: &str) -> i64 {
    let e = elem(t);
    if r.below(2) == 0 {
        r.range(-9, 9)
    } else {
        e.wrap(r.next_u64() as i128)
    }
}

fn draw(seed: u64) -> Case {
    let mut r = SplitMix(seed);
    let main = *r.pick(&TYPES);
    let tensor = |t: &str| format!("tensor<{SHAPE}x{t}>");
    let mut body = String::new();
    // Values of the main type available as operands.
    let mut values = vec!["%x".to_string(), "%y".to_string()];
    let mut next = 0;
    let mut fresh = || {
        next += 1;
        format!("%v{next}")
    };
    let steps = 3 + r.below(6);
    for _ in 0..steps {
        let a = r.pick(&values).clone();
        let b = r.pick(&values).clone();
        let t = tensor(main);
        let out = fresh();
        match r.below(6) {
            0 | 1 => {
                let op = r.pick(&["add", "sub", "mul", "max", "min"]);
                body += &format!("  {out} = \"nn.{op}\"({a}, {b}) : ({t}, {t}) -> {t}\n");
            }
            2 => {
                // Division by a constant row without 0 and -1.
                let c = fresh();
                let row: Vec<String> = (0..6)
                    .map(|_| {
                        let v = loop {
                            let v = value(&mut r, main);
                            if v != 0 && v != -1 {
                                break v;
                            }
                        };
                        v.to_string()
                    })
                    .collect();
                let ct = format!("tensor<6x{main}>");
                body +=
                    &format!("  {c} = \"nn.constant\"() {{value = dense<[{}]> : {ct}}} : () -> {ct}\n", row.join(", "));
                body += &format!("  {out} = \"nn.div\"({a}, {c}) : ({t}, {ct}) -> {t}\n");
            }
            3 => {
                // A comparison choosing between two values.
                let p = r.pick(&["eq", "ne", "lt", "le", "gt", "ge"]);
                let cond = fresh();
                let mask = tensor("i1");
                body +=
                    &format!("  {cond} = \"nn.compare\"({a}, {b}) {{predicate = \"{p}\"}} : ({t}, {t}) -> {mask}\n");
                body += &format!("  {out} = \"nn.select\"({cond}, {b}, {a}) : ({mask}, {t}, {t}) -> {t}\n");
            }
            4 => {
                // Through another width and back: truncation wraps, extension sign-extends.
                let other = *r.pick(&TYPES);
                let mid = fresh();
                let mt = tensor(other);
                body += &format!("  {mid} = \"nn.cast\"({a}) {{to = {other}}} : ({t}) -> {mt}\n");
                body += &format!("  {out} = \"nn.cast\"({mid}) {{to = {main}}} : ({mt}) -> {t}\n");
            }
            _ => {
                // A comparison's i1 as a number (0 or 1), added in.
                let cond = fresh();
                let num = fresh();
                let mask = tensor("i1");
                body += &format!("  {cond} = \"nn.compare\"({a}, {b}) {{predicate = \"gt\"}} : ({t}, {t}) -> {mask}\n");
                body += &format!("  {num} = \"nn.cast\"({cond}) {{to = {main}}} : ({mask}) -> {t}\n");
                body += &format!("  {out} = \"nn.add\"({num}, {b}) : ({t}, {t}) -> {t}\n");
            }
        }
        values.push(out);
    }
    let last = values.last().expect("a value").clone();
    let t = tensor(main);
    let src = format!(
        "func.func @g(%x: {t}, %y: {t}) -> ({t}, {t}) {{\n{body}  return {last}, {} : {t}, {t}\n}}\n",
        values[values.len() / 2]
    );
    let e = elem(main);
    let inputs =
        (0..2).map(|_| Tensor::from_ints(&[4, 6], e, (0..24).map(|_| value(&mut r, main)).collect())).collect();
    Case { src, inputs }
}

fn parse(ctx: &Context, src: &str) -> Module {
    let m = parse_source(ctx, "g.mlir", src, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e:?}\n{src}"));
    strata_ir::verify(ctx, &m.ir, m.root).unwrap_or_else(|e| panic!("{}\n{src}", e.message));
    m
}

/// The module lowered by `target`'s default pipeline.
fn lowered(ctx: &Context, src: &str, target: Target) -> Module {
    let mut m = parse(ctx, src);
    let mut registry = strata_ir::pass::PassRegistry::new();
    strata_passes::register_all(&mut registry);
    strata_lowering::register_all(&mut registry);
    let pm = PassManager::new(registry.parse_pipeline(default_pipeline(target)).expect("the default pipeline"));
    pm.run(ctx, &mut m.ir, m.root).unwrap_or_else(|f| panic!("{}\n{src}", f.diagnostic.message));
    m
}

fn reference(ctx: &Context, case: &Case) -> Vec<Tensor> {
    let m = parse(ctx, &case.src);
    let f = strata_runtime::functions(ctx, &m.ir, m.root)[0].1;
    run_function(ctx, &m.ir, f, case.inputs.clone()).unwrap_or_else(|e| panic!("{e}\n{}", case.src))
}

fn assert_same(want: &[Tensor], got: &[Tensor], what: &str, src: &str) {
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if let Err(m) = compare(g, w, Tolerance::EXACT) {
            panic!("{what}, output #{i}: {m}\n{src}");
        }
    }
}

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// The interpreter against the JIT, on one or two threads.
    #[test]
    fn integer_graphs_are_exact_on_the_host(seed in any::<u64>()) {
        let ctx = context();
        let case = draw(seed);
        let want = reference(&ctx, &case);
        let m = lowered(&ctx, &case.src, Target::Host);
        let threads = 1 + (seed % 2) as usize;
        let jit = Jit::compile(&ctx, &m.ir, m.root, JitOptions { threads: Some(threads), poison: true })
            .unwrap_or_else(|e| panic!("{e}\n{}", case.src));
        let got = jit.run("g", &case.inputs).unwrap_or_else(|e| panic!("{e}\n{}", case.src));
        assert_same(&want, &got, "host JIT", &case.src);
    }
}

/// The same graphs compiled for AArch64 and run under qemu (each case links a program, so
/// fewer cases).
#[test]
fn integer_graphs_are_exact_on_aarch64() {
    let Some(tools) = crate::aarch64::toolchain("integer graphs on AArch64") else { return };
    let ctx = context();
    for k in 0..16u64 {
        let case = draw(k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA64);
        let want = reference(&ctx, &case);
        let m = lowered(&ctx, &case.src, Target::Aarch64);
        let artifacts = emit_object(&ctx, &m.ir, m.root, Target::Aarch64, "g", true, None)
            .unwrap_or_else(|e| panic!("{e}\n{}", case.src));
        let program = Program::link(&artifacts, "g", &tools).unwrap_or_else(|e| panic!("{e}"));
        let (got, _) = program.run(&case.inputs, None, Some(2)).unwrap_or_else(|e| panic!("{e}\n{}", case.src));
        assert_same(&want, &got, "AArch64", &case.src);
    }
}
