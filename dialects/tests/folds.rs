//! Folds checked against an independent reference: Rust's own integer and float arithmetic
//! at the operand width, on random operands (proptest). Float folds must match bit for bit:
//! the folder computes in f64 and rounds once, which is exact for +, -, *, / and fmod of f32
//! (f64 has more than 2·24+2 significand bits).

use proptest::prelude::*;
use strata_ir::*;

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

/// Which operands of the folded op are constants; the others are the function's arguments,
/// whose values the folder does not see (identities such as `x + 0` fold to such an operand).
#[derive(Clone, Copy, Debug)]
enum Known {
    Both,
    OnlyRhs,
    OnlyLhs,
}

const KNOWNS: [Known; 3] = [Known::Both, Known::OnlyRhs, Known::OnlyLhs];

/// `%r = OP %a, %b : T` in a function of `%x, %y : T`, `%a` and `%b` being constants or the
/// arguments as `known` says.
struct Folded {
    m: Module,
    result: Option<FoldResult>,
    /// The operands and the text of the value each stands for.
    operands: [(Value, String); 2],
}

fn fold_binary_with(ctx: &Context, op: &str, ty: &str, a: &str, b: &str, known: Known) -> Folded {
    let (lhs_const, rhs_const) = match known {
        Known::Both => (true, true),
        Known::OnlyRhs => (false, true),
        Known::OnlyLhs => (true, false),
    };
    let def = |name: &str, arg: &str, value: &str, constant: bool| {
        if constant {
            (format!("  %{name} = arith.constant {value} : {ty}\n"), format!("%{name}"))
        } else {
            (String::new(), arg.to_string())
        }
    };
    let (da, va) = def("a", "%x", a, lhs_const);
    let (db, vb) = def("b", "%y", b, rhs_const);
    let src = format!(
        "func.func @f(%x: {ty}, %y: {ty}) -> {ty} {{\n{da}{db}  %r = {op} {va}, {vb} : {ty}\n  return %r : {ty}\n}}\n"
    );
    let m =
        parse_source(ctx, "f.mlir", &src, &ParseOptions::default()).unwrap_or_else(|d| panic!("{}\n{src}", d.message));
    verify(ctx, &m.ir, m.root).unwrap();
    let op = m.ir.collect_ops(m.root).into_iter().find(|o| ctx.ident_str(m.ir.op(*o).name()) == op).unwrap();
    let result = fold::try_fold(ctx, &m.ir, op).map(|mut r| r.remove(0));
    let operands = [(m.ir.op(op).operand(0), a.to_string()), (m.ir.op(op).operand(1), b.to_string())];
    Folded { m, result, operands }
}

/// Folds `%r = OP %a, %b : T` with constant operands.
fn fold_binary(ctx: &Context, op: &str, ty: &str, a: &str, b: &str) -> Option<FoldResult> {
    fold_binary_with(ctx, op, ty, a, b, Known::Both).result
}

impl Folded {
    /// The text of what a fold result stands for: a constant, or the value of the operand it
    /// returned. A returned value that is neither operand is an error.
    fn answer_text(&self, ctx: &Context, r: &FoldResult) -> Result<String, String> {
        match r {
            FoldResult::Attr(a) => Ok(ctx.attr_to_string(*a)),
            FoldResult::Value(v) => self
                .operands
                .iter()
                .find(|(o, _)| o == v)
                .map(|(_, text)| text.clone())
                .ok_or_else(|| format!("the fold returned {v:?}, which is neither operand")),
        }
    }

    /// The integer a fold result stands for (`None`: no fold).
    fn int_answer(&self, ctx: &Context) -> Result<Option<i128>, String> {
        let Some(r) = &self.result else { return Ok(None) };
        match r {
            FoldResult::Attr(a) => ctx.attr_as_int(*a).map(Some).ok_or_else(|| format!("not an integer: {r:?}")),
            FoldResult::Value(_) => {
                let text = self.answer_text(ctx, r)?;
                text.parse().map(Some).map_err(|_| format!("operand '{text}' is not an integer"))
            }
        }
    }

    /// The float bits a fold result stands for.
    fn f32_answer(&self, ctx: &Context) -> Result<Option<f32>, String> {
        let Some(r) = &self.result else { return Ok(None) };
        match r {
            FoldResult::Attr(a) => Ok(ctx.attr_as_f64(*a).map(|x| x as f32)),
            FoldResult::Value(_) => {
                let text = self.answer_text(ctx, r)?;
                let bits = u32::from_str_radix(text.trim_start_matches("0x"), 16).map_err(|e| e.to_string())?;
                Ok(Some(f32::from_bits(bits)))
            }
        }
    }
}

/// Whether a fold agrees with the reference: no fold is always fine (folding is optional),
/// an undefined reference (division by zero) must not fold, anything else must be equal.
fn int_fold_agrees(got: Option<i128>, want: Option<i128>) -> bool {
    got.is_none() || got == want
}

macro_rules! int_reference {
    ($t:ty, $u:ty, $op:expr, $a:expr, $b:expr) => {{
        let (a, b): ($t, $t) = ($a, $b);
        let (ua, ub) = (a as $u, b as $u);
        let bits = <$t>::BITS;
        let r: Option<$t> = match $op {
            "arith.addi" => Some(a.wrapping_add(b)),
            "arith.subi" => Some(a.wrapping_sub(b)),
            "arith.muli" => Some(a.wrapping_mul(b)),
            "arith.divsi" => a.checked_div(b),
            "arith.divui" => ua.checked_div(ub).map(|x| x as $t),
            // The smallest value's remainder by -1 is 0, as upstream's fold (`APInt::srem`)
            // and the interpreter have it; only a zero divisor has none.
            "arith.remsi" => (b != 0).then(|| a.wrapping_rem(b)),
            "arith.remui" => ua.checked_rem(ub).map(|x| x as $t),
            "arith.floordivsi" => {
                a.checked_div(b).map(|q| if (a % b != 0) && ((a < 0) != (b < 0)) { q - 1 } else { q })
            }
            "arith.ceildivsi" => a.checked_div(b).map(|q| if (a % b != 0) && ((a < 0) == (b < 0)) { q + 1 } else { q }),
            "arith.ceildivui" => ua.checked_div(ub).map(|q| (if ua % ub != 0 { q + 1 } else { q }) as $t),
            "arith.andi" => Some(a & b),
            "arith.ori" => Some(a | b),
            "arith.xori" => Some(a ^ b),
            "arith.shli" => (ub < bits as $u).then(|| a << ub),
            "arith.shrsi" => (ub < bits as $u).then(|| a >> ub),
            "arith.shrui" => (ub < bits as $u).then(|| (ua >> ub) as $t),
            "arith.maxsi" => Some(a.max(b)),
            "arith.minsi" => Some(a.min(b)),
            "arith.maxui" => Some(ua.max(ub) as $t),
            "arith.minui" => Some(ua.min(ub) as $t),
            _ => unreachable!(),
        };
        r.map(|v| v as i128)
    }};
}

const INT_OPS: &[&str] = &[
    "arith.addi",
    "arith.subi",
    "arith.muli",
    "arith.divsi",
    "arith.divui",
    "arith.remsi",
    "arith.remui",
    "arith.floordivsi",
    "arith.ceildivsi",
    "arith.ceildivui",
    "arith.andi",
    "arith.ori",
    "arith.xori",
    "arith.shli",
    "arith.shrsi",
    "arith.shrui",
    "arith.maxsi",
    "arith.minsi",
    "arith.maxui",
    "arith.minui",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    // Each case folds with both operands constant and with one of them an argument: a fold to
    // an operand (`x + 0` is `x`) is checked by the value of the operand it returned.
    #[test]
    fn i8_folds_match_rust(op in prop::sample::select(INT_OPS), a in prop_oneof![any::<i8>(), -2i8..3], b in prop_oneof![any::<i8>(), -2i8..3], known in prop::sample::select(&KNOWNS[..])) {
        let ctx = context();
        let folded = fold_binary_with(&ctx, op, "i8", &a.to_string(), &b.to_string(), known);
        let got = folded.int_answer(&ctx).map_err(TestCaseError::fail)?;
        let want = int_reference!(i8, u8, op, a, b);
        prop_assert!(int_fold_agrees(got, want), "{} {} {} ({:?}): folded to {:?}, want {:?}", op, a, b, known, got, want);
    }

    #[test]
    fn i64_folds_match_rust(op in prop::sample::select(INT_OPS), a in prop_oneof![any::<i64>(), -2i64..3], b in prop_oneof![any::<i64>(), -2i64..3, 0i64..64], known in prop::sample::select(&KNOWNS[..])) {
        let ctx = context();
        let folded = fold_binary_with(&ctx, op, "i64", &a.to_string(), &b.to_string(), known);
        let got = folded.int_answer(&ctx).map_err(TestCaseError::fail)?;
        let want = int_reference!(i64, u64, op, a, b);
        prop_assert!(int_fold_agrees(got, want), "{} {} {} ({:?}): folded to {:?}, want {:?}", op, a, b, known, got, want);
    }

    #[test]
    fn cmpi_matches_rust(pred in 0usize..10, a in any::<i16>(), b in prop_oneof![any::<i16>(), Just(0i16)]) {
        let ctx = context();
        let name = strata_dialects::arith::CMPI_PREDICATES[pred];
        let src = format!("func.func @f(%x: i16) -> i1 {{\n  %a = arith.constant {a} : i16\n  %b = arith.constant {b} : i16\n  %r = arith.cmpi {name}, %a, %b : i16\n  return %r : i1\n}}\n");
        let m = parse_source(&ctx, "c.mlir", &src, &ParseOptions::default()).unwrap();
        let op = m.ir.collect_ops(m.root).into_iter().find(|o| ctx.ident_str(m.ir.op(*o).name()) == "arith.cmpi").unwrap();
        let got = match fold::try_fold(&ctx, &m.ir, op).map(|mut r| r.remove(0)) {
            Some(FoldResult::Attr(a)) => ctx.attr_as_int(a),
            other => return Err(TestCaseError::fail(format!("cmpi of constants folded to {other:?}"))),
        };
        let (ua, ub) = (a as u16, b as u16);
        let want = [a == b, a != b, a < b, a <= b, a > b, a >= b, ua < ub, ua <= ub, ua > ub, ua >= ub][pred];
        prop_assert_eq!(got, Some(want as i128));
    }

    #[test]
    fn f32_folds_match_rust_bit_for_bit(op in prop::sample::select(&["arith.addf", "arith.subf", "arith.mulf", "arith.divf", "arith.remf", "arith.maxnumf", "arith.minnumf"][..]), a in any::<f32>(), b in prop_oneof![any::<f32>(), Just(0.0f32), Just(-0.0f32), Just(1.0f32)], known in prop::sample::select(&KNOWNS[..])) {
        let ctx = context();
        let hex = |x: f32| format!("0x{:08X}", x.to_bits());
        let want = match op {
            "arith.addf" => a + b,
            "arith.subf" => a - b,
            "arith.mulf" => a * b,
            "arith.divf" => a / b,
            "arith.remf" => a % b,
            "arith.maxnumf" => a.max(b),
            _ => a.min(b),
        };
        // x + -0.0, x - 0.0, x * 1.0 and x / 1.0 fold to x itself: the operand returned is
        // checked by its value.
        let folded = fold_binary_with(&ctx, op, "f32", &hex(a), &hex(b), known);
        match folded.f32_answer(&ctx).map_err(TestCaseError::fail)? {
            Some(got) => prop_assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{} {} {} ({:?}) = {} want {}", op, a, b, known, got, want),
            None => prop_assert!(!matches!(known, Known::Both), "no fold for {} {} {}", op, a, b),
        }
    }
}

/// The checks above catch a fold that returns the wrong operand: `x - 0` folded to the `0`
/// rather than to `x` is rejected (before, a fold to a value was never compared).
#[test]
fn a_fold_to_the_wrong_operand_is_caught() {
    let ctx = context();
    let mut folded = fold_binary_with(&ctx, "arith.subi", "i32", "5", "0", Known::OnlyRhs);
    let (x, zero) = (folded.operands[0].0, folded.operands[1].0);
    assert_eq!(folded.result, Some(FoldResult::Value(x)), "x - 0 folds to x");
    let want = Some(5);
    assert!(int_fold_agrees(folded.int_answer(&ctx).unwrap(), want));
    folded.result = Some(FoldResult::Value(zero));
    assert!(!int_fold_agrees(folded.int_answer(&ctx).unwrap(), want), "a fold to the wrong operand must be caught");
    // A value that is neither operand cannot be checked, and is an error.
    let ret = folded.m.ir.collect_ops(folded.m.root).into_iter().last().unwrap();
    let func = folded.m.ir.parent_op(ret).unwrap();
    let arg_y = folded.m.ir.block(folded.m.ir.region(folded.m.ir.op(func).regions()[0]).blocks()[0]).args()[1];
    folded.result = Some(FoldResult::Value(arg_y));
    assert!(folded.int_answer(&ctx).is_err());
}

#[test]
fn identities_fold_to_an_operand() {
    let ctx = context();
    let cases = [
        ("func.func @f(%x: i32) -> i32 {\n  %c = arith.constant 0 : i32\n  %r = arith.addi %x, %c : i32\n  return %r : i32\n}\n", "arith.addi"),
        ("func.func @f(%x: i32) -> i32 {\n  %c = arith.constant 1 : i32\n  %r = arith.muli %x, %c : i32\n  return %r : i32\n}\n", "arith.muli"),
        ("func.func @f(%x: f32) -> f32 {\n  %c = arith.constant 1.0 : f32\n  %r = arith.mulf %x, %c : f32\n  return %r : f32\n}\n", "arith.mulf"),
        ("func.func @f(%c: i1, %x: i32) -> i32 {\n  %r = arith.select %c, %x, %x : i32\n  return %r : i32\n}\n", "arith.select"),
        ("func.func @f(%x: f32) -> f32 {\n  %n = arith.negf %x : f32\n  %r = arith.negf %n : f32\n  return %r : f32\n}\n", "arith.negf"),
        ("func.func @f(%x: index) -> index {\n  %i = arith.index_cast %x : index to i64\n  %r = arith.index_cast %i : i64 to index\n  return %r : index\n}\n", "arith.index_cast"),
    ];
    for (src, name) in cases {
        let m = parse_source(&ctx, "i.mlir", src, &ParseOptions::default()).unwrap();
        let op =
            m.ir.collect_ops(m.root).into_iter().filter(|o| ctx.ident_str(m.ir.op(*o).name()) == name).last().unwrap();
        let arg0 =
            m.ir.block(m.ir.region(m.ir.op(m.ir.collect_ops(m.root)[1]).regions()[0]).entry().unwrap())
                .args()
                .last()
                .copied()
                .unwrap();
        assert_eq!(fold::try_fold(&ctx, &m.ir, op), Some(vec![FoldResult::Value(arg0)]), "{name}");
    }
}

#[test]
fn splat_and_dense_constants_fold_elementwise() {
    let ctx = context();
    let src = "func.func @f() -> tensor<3xi32> {\n  %a = arith.constant dense<[1, 2, 3]> : tensor<3xi32>\n  %b = arith.constant dense<10> : tensor<3xi32>\n  %r = arith.muli %a, %b : tensor<3xi32>\n  return %r : tensor<3xi32>\n}\n";
    let m = parse_source(&ctx, "d.mlir", src, &ParseOptions::default()).unwrap();
    let op = m.ir.collect_ops(m.root).into_iter().find(|o| ctx.ident_str(m.ir.op(*o).name()) == "arith.muli").unwrap();
    let Some([FoldResult::Attr(a)]) = fold::try_fold(&ctx, &m.ir, op).as_deref().map(|r| [r[0].clone()]) else {
        panic!("no fold")
    };
    assert_eq!(ctx.attr_to_string(a), "dense<[10, 20, 30]> : tensor<3xi32>");
}

#[test]
fn casts_and_math_fold() {
    let ctx = context();
    let one = |src: &str, name: &str| -> String {
        let m = parse_source(&ctx, "c.mlir", src, &ParseOptions::default()).unwrap();
        let op = m.ir.collect_ops(m.root).into_iter().find(|o| ctx.ident_str(m.ir.op(*o).name()) == name).unwrap();
        match fold::try_fold(&ctx, &m.ir, op).unwrap().remove(0) {
            FoldResult::Attr(a) => ctx.attr_to_string(a),
            FoldResult::Value(_) => "value".into(),
        }
    };
    assert_eq!(one("%a = arith.constant -1 : i8\n%r = arith.extui %a : i8 to i32", "arith.extui"), "255 : i32");
    assert_eq!(one("%a = arith.constant -1 : i8\n%r = arith.extsi %a : i8 to i32", "arith.extsi"), "-1 : i32");
    assert_eq!(one("%a = arith.constant 300 : i32\n%r = arith.trunci %a : i32 to i8", "arith.trunci"), "44 : i8");
    assert_eq!(one("%a = arith.constant -2.7 : f32\n%r = arith.fptosi %a : f32 to i32", "arith.fptosi"), "-2 : i32");
    assert_eq!(
        one("%a = arith.constant 1.0 : f32\n%r = arith.bitcast %a : f32 to i32", "arith.bitcast"),
        "1065353216 : i32"
    );
    assert_eq!(one("%a = arith.constant 4.0 : f32\n%r = math.sqrt %a : f32", "math.sqrt"), "2.000000e+00 : f32");
    assert_eq!(one("%a = arith.constant 8 : i32\n%r = math.ctlz %a : i32", "math.ctlz"), "28 : i32");
}

#[test]
fn maximumf_and_minimumf_order_signed_zeros_and_propagate_nan() {
    let ctx = context();
    let fold_f = |op: &str, a: &str, b: &str| match fold_binary(&ctx, op, "f32", a, b) {
        Some(FoldResult::Attr(r)) => ctx.attr_as_f64(r).unwrap(),
        other => panic!("{op}: {other:?}"),
    };
    let (pz, nz) = ("0x00000000", "0x80000000");
    assert!(fold_f("arith.maximumf", nz, pz).is_sign_positive() && fold_f("arith.maximumf", pz, nz).is_sign_positive());
    assert!(fold_f("arith.minimumf", nz, pz).is_sign_negative() && fold_f("arith.minimumf", pz, nz).is_sign_negative());
    assert!(fold_f("arith.maximumf", "0x7FC00000", "1.0").is_nan());
    assert!(fold_f("arith.minimumf", "1.0", "0x7FC00000").is_nan());
    assert_eq!(fold_f("arith.maximumf", "-3.0", "2.0"), 2.0);
    assert_eq!(fold_f("arith.minimumf", "-3.0", "2.0"), -3.0);
}
