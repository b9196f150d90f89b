//! The IR as a library: building, use lists, replace-all-uses, erasure, cloning, walking, and
//! transforming isolated functions on several threads.

use strata_ir::*;

fn context() -> Context {
    let mut ctx = Context::new();
    strata_dialects::register_all(&mut ctx);
    ctx
}

fn parse(ctx: &Context, src: &str) -> Module {
    let m = parse_source(ctx, "t.mlir", src, &ParseOptions::default()).unwrap();
    verify(ctx, &m.ir, m.root).unwrap();
    m
}

fn find(ctx: &Context, m: &Module, name: &str) -> Vec<OpId> {
    m.ir.collect_ops(m.root).into_iter().filter(|o| ctx.ident_str(m.ir.op(*o).name()) == name).collect()
}

#[test]
fn builder_use_lists_and_replace_all_uses() {
    let ctx = context();
    let mut m = parse(&ctx, "func.func @f(%a: i32) -> i32 {\n  %0 = arith.addi %a, %a : i32\n  %1 = arith.muli %0, %0 : i32\n  return %1 : i32\n}\n");
    let add = find(&ctx, &m, "arith.addi")[0];
    let sum = m.ir.op(add).result(0);
    assert_eq!(m.ir.value(sum).uses().len(), 2);
    // Insert `%c = arith.constant 3 : i32` before the add and route the add's uses to it.
    let i32t = ctx.integer_type(32);
    let mut b = Builder::before(&ctx, &mut m.ir, add);
    let c = b.value("arith.constant", &[], i32t, &[("value", ctx.integer_attr(3, i32t))]);
    m.ir.replace_all_uses(sum, c);
    assert!(m.ir.value(sum).uses().is_empty());
    assert_eq!(m.ir.value(c).uses().len(), 2);
    m.ir.erase_op(add);
    verify(&ctx, &m.ir, m.root).unwrap();
    let text = print_module(&ctx, &m, &PrintOptions::default());
    assert!(text.contains("%c3_i32 = arith.constant 3 : i32\n    %0 = arith.muli %c3_i32, %c3_i32 : i32"), "{text}");
}

#[test]
fn set_operand_moves_and_clone_remaps() {
    let ctx = context();
    let mut m =
        parse(&ctx, "func.func @f(%a: i32, %b: i32) -> i32 {\n  %0 = arith.addi %a, %b : i32\n  return %0 : i32\n}\n");
    let add = find(&ctx, &m, "arith.addi")[0];
    let (a, b) = (m.ir.op(add).operand(0), m.ir.op(add).operand(1));
    m.ir.set_operand(add, 1, a);
    assert_eq!(m.ir.value(a).uses().len(), 2);
    assert!(m.ir.value(b).uses().is_empty());
    // Clone the whole function; the copy's values are its own.
    let func = find(&ctx, &m, "func.func")[0];
    let mut mapping = IrMapping::default();
    let copy = m.ir.clone_op(func, &mut mapping);
    m.ir.set_attr(copy, ctx.ident("sym_name"), ctx.string_attr("g"));
    m.ir.insert_op(copy, InsertPoint::After(func));
    verify(&ctx, &m.ir, m.root).unwrap();
    let add_copy = find(&ctx, &m, "arith.addi")[1];
    assert_ne!(m.ir.op(add_copy).operand(0), a);
    assert_eq!(m.ir.op(add_copy).operand(0), mapping.lookup(a));
    let text = print_module(&ctx, &m, &PrintOptions::default());
    assert!(
        text.contains("func.func @g(%arg0: i32, %arg1: i32) -> i32 {\n    %0 = arith.addi %arg0, %arg0 : i32"),
        "{text}"
    );
}

#[test]
fn cloning_keeps_branches_inside_the_copy() {
    let ctx = context();
    let src = "func.func @f(%c: i1) -> i32 {\n  %0 = arith.constant 1 : i32\n  cf.cond_br %c, ^bb1, ^bb2(%0 : i32)\n^bb1:\n  cf.br ^bb2(%0 : i32)\n^bb2(%x: i32):\n  return %x : i32\n}\n";
    let mut m = parse(&ctx, src);
    let func = find(&ctx, &m, "func.func")[0];
    let copy = m.ir.clone_op(func, &mut IrMapping::default());
    m.ir.set_attr(copy, ctx.ident("sym_name"), ctx.string_attr("g"));
    m.ir.insert_op(copy, InsertPoint::After(func));
    verify(&ctx, &m.ir, m.root).unwrap();
    let funcs = find(&ctx, &m, "func.func");
    let text_f = print_op(&ctx, &m.ir, funcs[0], &PrintOptions::default());
    let text_g = print_op(&ctx, &m.ir, funcs[1], &PrintOptions::default());
    assert_eq!(text_f.replace("@f", "@g"), text_g);
}

/// An op built without the operands or regions its custom form needs prints in generic form
/// (as mlir-opt prints ops that fail to verify) instead of tripping its printer.
#[test]
fn ops_short_of_their_declaration_print_generic() {
    let ctx = context();
    let mut m = parse(&ctx, "func.func @f() {\n  return\n}\n");
    let ret = find(&ctx, &m, "func.return")[0];
    let mut b = Builder::before(&ctx, &mut m.ir, ret);
    b.insert(OpState::new(&ctx, "scf.for", b.loc).regions(1));
    b.insert(OpState::new(&ctx, "scf.if", b.loc).regions(1));
    b.insert(OpState::new(&ctx, "scf.index_switch", b.loc));
    assert!(verify(&ctx, &m.ir, m.root).is_err());
    let text = print_module(&ctx, &m, &PrintOptions::default());
    for op in ["\"scf.for\"() ({\n", "\"scf.if\"() ({\n", "\"scf.index_switch\"() : () -> ()"] {
        assert!(text.contains(op), "{op} in\n{text}");
    }
}

#[test]
fn verifier_catches_api_built_isolation_violations() {
    let ctx = context();
    let mut m = parse(&ctx, "func.func @f(%a: i32) {\n  return\n}\nfunc.func @g() {\n  return\n}\n");
    let funcs = find(&ctx, &m, "func.func");
    let outer_arg = m.ir.block(m.ir.region(m.ir.op(funcs[0]).regions()[0]).entry().unwrap()).args()[0];
    let ret = find(&ctx, &m, "func.return")[1];
    let mut b = Builder::before(&ctx, &mut m.ir, ret);
    b.op("arith.addi", &[outer_arg, outer_arg], &[ctx.integer_type(32)], &[]);
    let err = verify(&ctx, &m.ir, m.root).unwrap_err();
    assert!(err.message.contains("using value defined outside the region"), "{}", err.message);
}

#[test]
fn walk_orders_and_interrupt() {
    let ctx = context();
    let m = parse(&ctx, "func.func @f() {\n  return\n}\nfunc.func @g() {\n  return\n}\n");
    let name = |o: OpId| ctx.ident_str(m.ir.op(o).name()).to_string();
    let mut post = Vec::new();
    m.ir.walk(m.root, WalkOrder::PostOrder, &mut |o| {
        post.push(name(o));
        WalkControl::Advance
    });
    assert_eq!(post, ["func.return", "func.func", "func.return", "func.func", "builtin.module"]);
    let mut seen = 0;
    let r = m.ir.walk(m.root, WalkOrder::PreOrder, &mut |_| {
        seen += 1;
        if seen == 2 {
            WalkControl::Interrupt
        } else {
            WalkControl::Advance
        }
    });
    assert_eq!((r, seen), (WalkControl::Interrupt, 2));
}

/// What a parallel function pass does: extract each function, transform the pieces on
/// threads sharing one `&Context`, and put them back. The result equals the sequential one.
#[test]
fn functions_transform_in_parallel_with_the_same_result() {
    let ctx = context();
    let mut src = String::new();
    for i in 0..64 {
        src.push_str(&format!("func.func @f{i}(%a: i32) -> i32 {{\n  %0 = arith.addi %a, %a : i32\n  %1 = arith.muli %0, %a : i32\n  return %1 : i32\n}}\n"));
    }
    // The transformation: swap the operands of every muli and tag the function.
    fn transform(ctx: &Context, ir: &mut Ir, root: OpId) {
        for op in ir.collect_ops(root) {
            if ctx.ident_str(ir.op(op).name()) == "arith.muli" {
                let (x, y) = (ir.op(op).operand(0), ir.op(op).operand(1));
                ir.set_operands(op, &[y, x]);
            }
        }
        ir.set_attr(root, ctx.ident("visited"), ctx.unit_attr());
    }
    let mut sequential = parse(&ctx, &src);
    for f in find(&ctx, &sequential, "func.func") {
        transform(&ctx, &mut sequential.ir, f);
    }
    let mut parallel = parse(&ctx, &src);
    let funcs = find(&ctx, &parallel, "func.func");
    let pieces: Vec<Extracted> = funcs.iter().map(|f| parallel.ir.extract(*f)).collect();
    let pieces: Vec<Extracted> = std::thread::scope(|s| {
        let handles: Vec<_> = pieces
            .into_iter()
            .map(|mut p| {
                let ctx = &ctx;
                s.spawn(move || {
                    transform(ctx, &mut p.ir, p.root);
                    p
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for p in pieces {
        parallel.ir.restore(p);
    }
    verify(&ctx, &parallel.ir, parallel.root).unwrap();
    let a = print_module(&ctx, &sequential, &PrintOptions::default());
    let b = print_module(&ctx, &parallel, &PrintOptions::default());
    assert_eq!(a, b);
    assert!(a.contains("arith.muli %arg0, %0") && a.contains("attributes {visited}"), "{a}");
}

/// 20,000 calls to 20,000 functions defined after the caller: each call's callee is found in
/// the module's symbol table, indexed once per `verify` (a scan per call made this quadratic:
/// 6.8 s in release, now milliseconds). Every call is still checked against its own callee.
#[test]
fn verifying_many_calls_resolves_each_callee_by_symbol() {
    let ctx = context();
    let n = 20_000;
    let module = |bad: Option<usize>| {
        let mut src = String::from("func.func @main(%x: i32) -> i32 {\n");
        for i in 0..n {
            let ty = if bad == Some(i) { "i64" } else { "i32" };
            src.push_str(&format!("  %r{i} = func.call @f{i}(%x) : (i32) -> {ty}\n"));
        }
        src.push_str("  return %x : i32\n}\n");
        for i in 0..n {
            src.push_str(&format!("func.func private @f{i}(i32) -> i32\n"));
        }
        parse_source(&ctx, "calls.mlir", &src, &ParseOptions::default()).unwrap()
    };
    let m = module(None);
    verify(&ctx, &m.ir, m.root).unwrap();
    let m = module(Some(n - 7));
    let e = verify(&ctx, &m.ir, m.root).unwrap_err();
    assert!(e.message.contains("result type mismatch at index 0: expected 'i32', but found 'i64'"), "{}", e.message);
    let line = match &*ctx.loc_kind(e.loc) {
        LocKind::File { line, .. } => Some(*line),
        _ => None,
    };
    assert_eq!(line, Some(n as u32 - 7 + 2), "the error is at the bad call");
}

/// Symbol lookup finds the nearest table's symbol, only while it exists: a table indexed
/// during one `verify` is not reused by the next (the IR may have changed in between).
#[test]
fn symbol_lookup_follows_the_ir_between_verifications() {
    let ctx = context();
    let src = "func.func private @g(i32) -> i32\nfunc.func @main(%x: i32) -> i32 {\n  %r = func.call @g(%x) : (i32) -> i32\n  return %r : i32\n}\n";
    let mut m = parse(&ctx, src);
    let g = find(&ctx, &m, "func.func")[0];
    let table = strata_ir::symbol_table::nearest_symbol_table(&ctx, &m.ir, g).unwrap();
    assert_eq!(table, m.root);
    assert_eq!(strata_ir::symbol_table::lookup_symbol(&ctx, &m.ir, table, "g"), Some(g));
    assert_eq!(strata_ir::symbol_table::lookup_symbol(&ctx, &m.ir, table, "h"), None);
    m.ir.set_attr(g, ctx.ident("sym_name"), ctx.string_attr("h"));
    let e = verify(&ctx, &m.ir, m.root).unwrap_err();
    assert!(e.message.contains("'g' does not reference a valid function"), "{}", e.message);
}
