//! The pass manager, analysis manager, instrumentation and rewrite drivers through the
//! library API.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use strata_ir::pass::{
    Analysis, OptionKind, OptionSpec, Pass, PassContext, PassEvent, PassInfo, PassInstrumentation, PassManager,
    PassRegistry,
};
use strata_ir::rewrite::{
    apply_full_conversion, apply_partial_conversion, apply_patterns_greedily, Budget, ConversionPattern,
    ConversionRewriter, ConversionTarget, FrozenPatterns, GreedyConfig, GreedyLimit, PatternRewriter, RewritePattern,
    TypeConverter, DEFAULT_MAX_CHANGES, DEFAULT_MAX_GROWTH,
};
use strata_ir::{parse_source, print_module, verify, Context, Diagnostic, Ir, Module, OpId, ParseOptions, Value};

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn parse(ctx: &Context, src: &str) -> Module {
    parse_source(ctx, "t.mlir", src, &ParseOptions { allow_unregistered: true, ..Default::default() }).unwrap()
}

struct Nothing;
impl Pass for Nothing {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        cx.preserve_all();
        Ok(())
    }
}

fn registry_with_options() -> PassRegistry {
    let mut r = PassRegistry::new();
    strata_passes::register_all(&mut r);
    r.register(
        PassInfo::new("opts", "Opts", "every option kind", |_, _| Ok(Box::new(Nothing)))
            .option(OptionSpec::bool("flag", false, ""))
            .option(OptionSpec::int("n", -1, ""))
            .option(OptionSpec::uint("u", 4, ""))
            .option(OptionSpec::float("x", 0.5, ""))
            .option(OptionSpec::string("s", "", ""))
            .option(OptionSpec::choice("mode", &["fast", "slow"], "fast", ""))
            .option(OptionSpec::list("names", OptionKind::String, ""))
            .option(OptionSpec::list("sizes", OptionKind::Int, ""))
            .option(OptionSpec::group(
                "nested",
                vec![OptionSpec::int("depth", 1, ""), OptionSpec::list("tags", OptionKind::String, "")],
                "",
            )),
    )
    .unwrap();
    r
}

#[test]
fn pipelines_round_trip_with_nested_and_typed_options() {
    let r = registry_with_options();
    for text in [
        "builtin.module(func.func(opts{flag n=-3 u=7 x=2.25 s=\"a b,c\" mode=slow names=p,q sizes=1,2,3 nested={depth=5 tags=x,y}}, cse), any(canonicalize{max-iterations=2}))",
        "builtin.module(opts{s='quoted \"inside\"' nested={}})",
        "builtin.module(func.func(func.func(cse)))",
        "builtin.module()",
    ] {
        let pm = r.parse_pipeline(text).unwrap_or_else(|e| panic!("{}", e.render(text)));
        for all in [false, true] {
            let printed = pm.to_text(all);
            let again = r.parse_pipeline(&printed).unwrap_or_else(|e| panic!("{}", e.render(&printed)));
            assert_eq!(again.to_text(all), printed, "round trip of {text}");
            assert_eq!(again.to_text(!all), pm.to_text(!all));
        }
    }
    let pm = r.parse_pipeline("builtin.module(opts{nested={depth=5}})").unwrap();
    assert!(pm.to_text(false).contains("nested={depth=5 tags=}"), "{}", pm.to_text(false));
}

#[test]
fn option_errors_point_into_the_option_text() {
    let r = registry_with_options();
    for (text, column_of, message) in [
        ("builtin.module(opts{n=1 u=-1})", "u=-1", "expected a non-negative integer"),
        ("builtin.module(opts{nested={depth=x}})", "nested=", "bad value for option 'depth'"),
        ("builtin.module(opts{mode=medium})", "mode", "expected one of fast, slow"),
        ("builtin.module(opts{s=\"open})", "{", "missing their closing '}'"),
    ] {
        let err = r.parse_pipeline(text).err().unwrap();
        assert!(err.message.contains(message), "{text}: {}", err.message);
        let at = text.find(column_of).unwrap();
        assert_eq!(err.offset, at, "{text}");
    }
}

struct CountedOps(usize);
static COMPUTED: AtomicUsize = AtomicUsize::new(0);
impl Analysis for CountedOps {
    fn compute(_: &Context, ir: &Ir, op: OpId) -> Self {
        COMPUTED.fetch_add(1, Ordering::SeqCst);
        CountedOps(ir.collect_ops(op).len())
    }
}

/// Reads the analysis; preserves it or not.
struct UseAnalysis {
    preserve: bool,
}
impl Pass for UseAnalysis {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let a = cx.analysis::<CountedOps>();
        assert!(a.0 > 0);
        if self.preserve {
            cx.preserve::<CountedOps>();
        }
        Ok(())
    }
}

#[test]
fn analyses_are_cached_until_a_pass_invalidates_them() {
    let mut r = PassRegistry::new();
    r.register(PassInfo::new("keep", "Keep", "", |_, _| Ok(Box::new(UseAnalysis { preserve: true })))).unwrap();
    r.register(PassInfo::new("drop", "Drop", "", |_, _| Ok(Box::new(UseAnalysis { preserve: false })))).unwrap();
    let ctx = context();
    let mut m = parse(&ctx, "func.func @f() { return }");
    COMPUTED.store(0, Ordering::SeqCst);
    // keep, keep, keep: computed once. Then drop (uses the cached one, invalidates), keep
    // (recomputes), keep (cached).
    let pm = PassManager::new(r.parse_pipeline("builtin.module(keep,keep,keep)").unwrap());
    pm.run(&ctx, &mut m.ir, m.root).unwrap();
    assert_eq!(COMPUTED.load(Ordering::SeqCst), 1);
    let pm = PassManager::new(r.parse_pipeline("builtin.module(drop,keep,keep)").unwrap());
    pm.run(&ctx, &mut m.ir, m.root).unwrap();
    assert_eq!(COMPUTED.load(Ordering::SeqCst), 3);
}

#[derive(Default)]
struct Events {
    before: AtomicUsize,
    after: AtomicUsize,
}
impl PassInstrumentation for Events {
    fn before_pass(&self, e: &PassEvent<'_>, log: &mut String) {
        self.before.fetch_add(1, Ordering::SeqCst);
        log.push_str(&format!("before {} on {}\n", e.pass.name, e.scope.join("/")));
    }
    fn after_pass(&self, _: &PassEvent<'_>, _: &mut String) {
        self.after.fetch_add(1, Ordering::SeqCst);
    }
}

struct SharedBuf(Arc<std::sync::Mutex<Vec<u8>>>);
impl std::io::Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn instrumentation_sees_every_pass_in_op_order_even_on_threads() {
    let mut r = PassRegistry::new();
    strata_passes::register_all(&mut r);
    let ctx = context();
    let src: String = (0..50).map(|i| format!("func.func @f{i}() {{ return }}\n")).collect();
    let mut m = parse(&ctx, &src);
    let mut pm = PassManager::new(r.parse_pipeline("builtin.module(func.func(cse,canonicalize),symbol-dce)").unwrap());
    let events = Arc::new(Events::default());
    pm.add_instrumentation(events.clone());
    let buf = Arc::new(std::sync::Mutex::new(Vec::new()));
    pm.set_output(Box::new(SharedBuf(buf.clone())));
    pm.run(&ctx, &mut m.ir, m.root).unwrap();
    assert_eq!(events.before.load(Ordering::SeqCst), 101);
    assert_eq!(events.after.load(Ordering::SeqCst), 101);
    let log = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    let expected: String = (0..50)
        .map(|i| {
            format!(
                "before cse on builtin_module_no-symbol-name/func_func_f{i}\nbefore canonicalize on builtin_module_no-symbol-name/func_func_f{i}\n"
            )
        })
        .chain(std::iter::once("before symbol-dce on builtin_module_no-symbol-name\n".to_string()))
        .collect();
    assert_eq!(log, expected);
}

/// `xt.double(x) -> xt.add(x, x)`, and a pattern that would undo it at a lower benefit.
struct Double;
impl RewritePattern for Double {
    fn root(&self) -> Option<&str> {
        Some("xt.double")
    }
    fn benefit(&self) -> u16 {
        2
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
        let x = rw.ir().op(op).operand(0);
        let ty = rw.ir().value_type(x);
        rw.set_insertion_point_before(op);
        let add = rw.op("xt.add", &[x, x], &[ty], &[]);
        let v = rw.ir().op(add).result(0);
        rw.replace_op(op, &[v]);
        true
    }
}
struct Never;
impl RewritePattern for Never {
    fn root(&self) -> Option<&str> {
        Some("xt.double")
    }
    fn match_and_rewrite(&self, _: OpId, _: &mut PatternRewriter<'_>) -> bool {
        panic!("the higher-benefit pattern should have been tried first")
    }
}
/// Swaps the operands of `xt.pair` forever: never converges.
struct Swap;
impl RewritePattern for Swap {
    fn root(&self) -> Option<&str> {
        Some("xt.pair")
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
        let ops = rw.ir().op(op).operands().to_vec();
        rw.modify(op, |ir| ir.set_operands(op, &[ops[1], ops[0]]));
        true
    }
}

#[test]
fn the_greedy_driver_orders_by_benefit_and_stops_at_its_limit() {
    let ctx = context();
    let mut m = parse(
        &ctx,
        "func.func @f(%a: i32) -> i32 {\n  %d = \"xt.double\"(%a) : (i32) -> i32\n  \"xt.pair\"(%a, %d) : (i32, i32) -> ()\n  return %d : i32\n}",
    );
    let patterns = FrozenPatterns::new(&ctx, vec![Arc::new(Never), Arc::new(Double)]);
    let out = apply_patterns_greedily(&ctx, &mut m.ir, m.root, &patterns, &GreedyConfig::default());
    assert!(out.converged && out.rewrites == 1);
    assert!(print_module(&ctx, &m, &Default::default()).contains("\"xt.add\"(%arg0, %arg0)"));
    let looping = FrozenPatterns::new(&ctx, vec![Arc::new(Swap)]);
    // Within a sweep the swapped op is revisited forever; the sweep budget ends it, and the
    // iteration limit ends the run.
    let config = GreedyConfig { max_iterations: 3, ..GreedyConfig::default() };
    let out = apply_patterns_greedily(&ctx, &mut m.ir, m.root, &looping, &config);
    assert!(!out.converged);
    assert_eq!(out.iterations, 3);
    assert_eq!(out.stopped, Some(GreedyLimit::Iterations(3)));
    let config = GreedyConfig { max_rewrites: 5, ..GreedyConfig::default() };
    let out = apply_patterns_greedily(&ctx, &mut m.ir, m.root, &looping, &config);
    assert!(!out.converged);
    assert_eq!(out.rewrites, 5);
}

/// Replaces `xt.grow(x)` by `xt.grow(xt.leaf(x))`: its output matches again, so each rewrite
/// adds an op, forever (the shape of `rule grow` in the rules file).
struct Grow;
impl RewritePattern for Grow {
    fn root(&self) -> Option<&str> {
        Some("xt.grow")
    }
    fn name(&self) -> &str {
        "grow"
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
        let x = rw.ir().op(op).operand(0);
        let ty = rw.ir().value_type(x);
        rw.set_insertion_point_before(op);
        let leaf = rw.op("xt.leaf", &[x], &[ty], &[]);
        let leaf = rw.ir().op(leaf).result(0);
        let grown = rw.op("xt.grow", &[leaf], &[ty], &[]);
        let v = rw.ir().op(grown).result(0);
        rw.replace_op(op, &[v]);
        true
    }
}

/// Without a limit on sweeps or rewrites, patterns that never converge are stopped by the
/// driver's default budgets, which scale with the input: by work (patterns undoing each
/// other) or by growth (a pattern feeding itself), with the pattern that applied last.
#[test]
fn the_greedy_driver_budgets_bound_work_and_growth() {
    let ctx = context();
    let unlimited = GreedyConfig { max_iterations: -1, ..GreedyConfig::default() };
    let src = "func.func @f(%a: i32) -> i32 {\n  %d = \"xt.grow\"(%a) : (i32) -> i32\n  \"xt.pair\"(%a, %d) : (i32, i32) -> ()\n  return %d : i32\n}";
    let mut m = parse(&ctx, src);
    let func = m.ir.collect_ops(m.root)[1];
    let input_ops = m.ir.collect_ops(func).len() - 1;
    let start = m.ir.num_ops() as u64;
    let out =
        apply_patterns_greedily(&ctx, &mut m.ir, func, &FrozenPatterns::new(&ctx, vec![Arc::new(Grow)]), &unlimited);
    let budget = DEFAULT_MAX_GROWTH.limit(input_ops);
    assert_eq!(
        out.stopped,
        Some(GreedyLimit::Growth { grown: budget + 1, budget, input_ops, last_pattern: Some("grow".into()) })
    );
    assert!(!out.converged && out.stopped.as_ref().is_some_and(|l| l.is_budget()));
    assert_eq!(m.ir.num_ops() as u64, start + budget + 1, "the IR stops growing at the budget");
    let e = out.budget_error(&ctx, &m.ir, func, "test").unwrap();
    assert!(
        e.message.starts_with("'func.func' op test: the greedy rewriter did not converge: the IR grew by"),
        "{}",
        e.message
    );
    assert!(e.message.ends_with("the last rewrite was by pattern 'grow'"), "{}", e.message);

    let mut m = parse(&ctx, src);
    let func = m.ir.collect_ops(m.root)[1];
    let out =
        apply_patterns_greedily(&ctx, &mut m.ir, func, &FrozenPatterns::new(&ctx, vec![Arc::new(Swap)]), &unlimited);
    let budget = DEFAULT_MAX_CHANGES.limit(input_ops);
    assert_eq!(out.stopped, Some(GreedyLimit::Changes { budget, input_ops, last_pattern: Some(String::new()) }));
    assert_eq!(out.rewrites, budget + 1);
    // A budget of the caller's own.
    let tight = GreedyConfig { max_changes: Some(Budget { per_op: 0, base: 7 }), ..unlimited.clone() };
    let out = apply_patterns_greedily(&ctx, &mut m.ir, func, &FrozenPatterns::new(&ctx, vec![Arc::new(Swap)]), &tight);
    assert_eq!(out.rewrites, 8);
    // A limit the caller chose is not a budget: no error.
    let few = GreedyConfig { max_iterations: 2, ..GreedyConfig::default() };
    let out = apply_patterns_greedily(&ctx, &mut m.ir, func, &FrozenPatterns::new(&ctx, vec![Arc::new(Swap)]), &few);
    assert_eq!(out.stopped, Some(GreedyLimit::Iterations(2)));
    assert!(out.budget_error(&ctx, &m.ir, func, "test").is_none());
}

/// Converts `xt.inc` on i32 to `xt.inc64` on i64.
struct Widen;
impl ConversionPattern for Widen {
    fn root(&self) -> Option<&str> {
        Some("xt.inc")
    }
    fn match_and_rewrite(&self, op: OpId, operands: &[Value], rw: &mut ConversionRewriter<'_, '_>) -> bool {
        let ty = rw.convert_type(rw.ir().value_type(rw.ir().op(op).result(0)));
        let new = rw.op("xt.inc64", &[operands[0]], &[ty], &[]);
        let v = rw.ir().op(new).result(0);
        rw.replace_op(op, &[v]);
        true
    }
}

#[test]
fn dialect_conversion_converts_types_and_bridges_with_casts() {
    let ctx = context();
    let i32t = ctx.parse_type("i32").unwrap();
    let i64t = ctx.parse_type("i64").unwrap();
    let mut types = TypeConverter::new();
    types.add_conversion(move |_, t| (t == i32t).then_some(i64t));
    let mut target = ConversionTarget::new();
    target.add_illegal_op("xt.inc").add_legal_op("xt.inc64").add_legal_dialect("func");
    let patterns: Vec<Arc<dyn ConversionPattern>> = vec![Arc::new(Widen)];
    let src = "func.func @f(%a: i32) -> i32 {\n  %b = \"xt.inc\"(%a) : (i32) -> i32\n  %c = \"xt.inc\"(%b) : (i32) -> i32\n  %d = \"xt.other\"(%c) : (i32) -> i32\n  return %d : i32\n}";
    let mut m = parse(&ctx, src);
    apply_partial_conversion(&ctx, &mut m.ir, m.root, &target, &patterns, &types).unwrap();
    verify(&ctx, &m.ir, m.root).unwrap();
    let text = print_module(&ctx, &m, &Default::default());
    // One cast in (the argument stays i32), none between the two converted ops (the pair of
    // casts cancels), one cast out to the op that was not converted.
    assert_eq!(text.matches("builtin.unrealized_conversion_cast").count(), 2, "{text}");
    assert!(text.contains("\"xt.inc64\"(%1) : (i64) -> i64"), "{text}");
    assert!(!text.contains("\"xt.inc\""), "{text}");
    // Full conversion fails on the op the target does not know.
    let mut m = parse(&ctx, src);
    let err = apply_full_conversion(&ctx, &mut m.ir, m.root, &target, &patterns, &types).unwrap_err();
    assert_eq!(err.message, "failed to legalize operation 'xt.other'");
    // An op marked illegal with no pattern fails partial conversion too.
    target.add_illegal_op("xt.other");
    let mut m = parse(&ctx, src);
    let err = apply_partial_conversion(&ctx, &mut m.ir, m.root, &target, &patterns, &types).unwrap_err();
    assert!(err.message.contains("explicitly marked illegal"));
}

struct Panics;
impl Pass for Panics {
    fn run(&self, _: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        panic!("boom")
    }
}

#[test]
fn a_panicking_pass_fails_the_run_instead_of_the_process() {
    let mut r = PassRegistry::new();
    r.register(PassInfo::new("panics", "Panics", "", |_, _| Ok(Box::new(Panics)))).unwrap();
    let ctx = context();
    let src: String = (0..8).map(|i| format!("func.func @f{i}() {{ return }}\n")).collect();
    for pipeline in ["builtin.module(panics)", "builtin.module(func.func(panics))"] {
        let mut m = parse(&ctx, &src);
        let pm = PassManager::new(r.parse_pipeline(pipeline).unwrap());
        let failure = pm.run(&ctx, &mut m.ir, m.root).unwrap_err();
        assert!(failure.crashed && failure.pass == "panics");
        assert!(failure.diagnostic.message.contains("pass 'panics' crashed: boom"), "{}", failure.diagnostic.message);
    }
}

/// Points every `func.call` at a function that does not exist.
struct Retarget;
impl Pass for Retarget {
    fn run(&self, cx: &mut PassContext<'_>) -> Result<(), Diagnostic> {
        let calls: Vec<OpId> = cx
            .ir
            .collect_ops(cx.op)
            .into_iter()
            .filter(|o| cx.ctx.ident_str(cx.ir.op(*o).name()) == "func.call")
            .collect();
        for call in calls {
            cx.ir.set_attr(call, cx.ctx.ident("callee"), cx.ctx.symbol_ref_attr("nothere"));
        }
        Ok(())
    }
}

/// A function pass that breaks a reference to another function fails verification with
/// threads as without: on threads each function is verified on its own, so the references are
/// checked once the module is whole again.
#[test]
fn broken_references_between_functions_fail_on_threads_too() {
    let mut r = PassRegistry::new();
    r.register(PassInfo::new("retarget", "Retarget", "", |_, _| Ok(Box::new(Retarget)))).unwrap();
    let ctx = context();
    let src = "func.func @id(%a: i32) -> i32 {\n  return %a : i32\n}\n\
               func.func @calls(%a: i32) -> i32 {\n  %r = func.call @id(%a) : (i32) -> i32\n  return %r : i32\n}\n";
    for threading in [false, true] {
        let mut m = parse(&ctx, src);
        let mut pm = PassManager::new(r.parse_pipeline("builtin.module(func.func(retarget))").unwrap());
        pm.threading = threading;
        let failure = pm.run(&ctx, &mut m.ir, m.root).unwrap_err();
        assert!(
            failure.diagnostic.message.contains("'nothere' does not reference a valid function"),
            "threading {threading}: {}",
            failure.diagnostic.message
        );
    }
}

mod fuzz {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Pipeline text from the characters pipelines are made of never panics the parser.
        #[test]
        fn pipeline_text_never_panics(text in "[a-z.(){}=, '\"0-9_-]{0,60}") {
            let mut r = super::registry_with_options();
            strata_passes::register_all(&mut r);
            if let Err(e) = r.parse_pipeline(&text) {
                prop_assert!(e.offset <= text.len());
                let _ = e.render(&text);
            }
        }

        /// Rules text, likewise.
        #[test]
        fn rules_text_never_panics(text in "(rule [a-z]{1,3}( \\(benefit = [0-9]\\))?: )?[a-z.$(){}=,:|;_ 0-9>-]{0,60}") {
            let ctx = super::context();
            let _ = strata_passes::rules::parse_rules(&ctx, &text);
        }
    }
}
