//! Functions written in the `llvm` dialect after upstream's conversion, where a memref is its
//! descriptor's fields (MLIR's calling convention: `ptr allocated, ptr aligned, i64 offset,
//! i64 sizes[R], i64 strides[R]` as separate parameters, a struct when returned):
//!
//! - `__strata_packed_<symbol>(void **slots) -> i32`: the packed entry the JIT calls (the same
//!   contract as the Cranelift backend's, `strata_lowering::codegen::jit`): slots point at the
//!   arguments' descriptors or scalars, then at the results'. It checks each argument's sizes and
//!   strides against the compiled shape (`k + 1` for the first that differs), clears the trap
//!   flag, calls the function, returns `-site` if it trapped, else writes the results (a
//!   result's `allocated` is null unless the caller owns the buffer) and returns 0.
//! - `<symbol>(desc *arg0, ..., desc *result0, ...) -> i32`: the C entry of the module docs in
//!   `strata_lowering::codegen`, which packs its parameters and calls the above.
//! - For each outlined parallel nest ([`crate::prepare::parallel`]), its launcher (captures into
//!   a stack block, then `__strata_parallel_for(body, block, n)`) and the body's trampoline of C
//!   type `void (const void *, i64 lo, i64 hi)` that unpacks them. Where the body was moved to a
//!   side module ([`crate::prepare::split`]), the trampoline is defined and exported there
//!   ([`side_module`]), and the launcher reads its address from the slot the loader fills.
//!
//! The text is a module of its own: it declares what it calls, and `mlir::lower` moves its
//! definitions into the converted module.

use std::fmt::Write;

use strata_ir::{Context, Type, TypeKind};
use strata_lowering::codegen::abi::{packed_symbol, EntrySignature, Param, PARALLEL_FOR};
use strata_runtime::tensor::Elem;

use crate::prepare::faults::TRAP_FLAG;
use crate::prepare::parallel::Outlined;
use crate::prepare::split::{slot_symbol, trampoline_symbol};

/// The address upstream gives the `allocated` pointer of a global's memref (not owned).
const UNOWNED: u64 = 0xdeadbeef;

/// The LLVM types a value of type `t` becomes as function parameters.
pub fn fields(ctx: &Context, t: Type) -> Result<Vec<String>, String> {
    Ok(match ctx.type_kind(t) {
        TypeKind::MemRef { shape, layout: None, .. } => memref_fields(shape.len()),
        TypeKind::Vector { shape, .. } if shape.len() == 1 => {
            let e = scalar(ctx, ctx.element_type_or_self(t))?;
            vec![format!("vector<{}x{e}>", shape[0])]
        }
        _ => vec![scalar(ctx, t)?],
    })
}

/// A memref descriptor of rank `rank` as parameters: allocated and aligned pointers, offset,
/// sizes, strides.
fn memref_fields(rank: usize) -> Vec<String> {
    let mut f = vec!["!llvm.ptr".to_string(), "!llvm.ptr".into(), "i64".into()];
    f.extend(std::iter::repeat_n("i64".to_string(), 2 * rank));
    f
}

/// The LLVM spelling of a scalar type.
fn scalar(ctx: &Context, t: Type) -> Result<String, String> {
    match ctx.type_kind(t) {
        TypeKind::Index => Ok("i64".into()),
        TypeKind::Integer { .. } | TypeKind::Float(_) => Ok(ctx.type_to_string(t)),
        _ => Err(format!("{} has no LLVM form here", ctx.type_to_string(t))),
    }
}

/// The struct a memref descriptor of rank `rank` is.
fn descriptor(rank: usize) -> String {
    if rank == 0 {
        "!llvm.struct<(ptr, ptr, i64)>".into()
    } else {
        format!("!llvm.struct<(ptr, ptr, i64, array<{rank} x i64>, array<{rank} x i64>)>")
    }
}

/// What a parameter is returned as (a descriptor struct for a memref).
fn returned(p: &Param) -> String {
    match p {
        Param::MemRef { shape, .. } => descriptor(shape.len()),
        Param::Scalar(e) => e.to_string(),
    }
}

/// The converted function's result type: void, one value, or a struct of them.
fn result_type(results: &[Param]) -> String {
    match results {
        [] => "!llvm.void".into(),
        [one] => returned(one),
        many => format!(
            "!llvm.struct<({})>",
            many.iter().map(|p| returned(p).replace("!llvm.", "")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Parameter types of the converted entry function.
fn entry_params(sig: &EntrySignature) -> Vec<String> {
    let mut out = Vec::new();
    for p in &sig.args {
        match p {
            Param::MemRef { shape, .. } => out.extend(memref_fields(shape.len())),
            Param::Scalar(e) => out.push(e.to_string()),
        }
    }
    out
}

/// A counter of SSA names and block labels.
#[derive(Default)]
struct Names(usize);

impl Names {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("%v{}", self.0)
    }
    fn block(&mut self) -> String {
        self.0 += 1;
        format!("^b{}", self.0)
    }
}

/// The wrapper module for `entries` and `nests`.
pub fn module(ctx: &Context, entries: &[EntrySignature], nests: &[Outlined]) -> Result<String, String> {
    let mut out = String::from("module {\n");
    writeln!(out, "  llvm.mlir.global external @{TRAP_FLAG}() {{addr_space = 0 : i32}} : i32").unwrap();
    writeln!(out, "  llvm.func @{PARALLEL_FOR}(!llvm.ptr, !llvm.ptr, i64)").unwrap();
    for sig in entries {
        let params = entry_params(sig).join(", ");
        let body = crate::prepare::body_symbol(sig);
        writeln!(out, "  llvm.func @{body}({params}) -> {}", result_type(&sig.results)).unwrap();
        packed(&mut out, sig);
        c_entry(&mut out, sig);
    }
    for nest in nests {
        let fields = capture_fields(ctx, nest)?;
        if nest.home == 0 {
            body_declaration(&mut out, nest, &fields);
            trampoline(&mut out, nest, &fields, "internal");
        } else {
            writeln!(out, "  llvm.mlir.global external @{}() {{addr_space = 0 : i32}} : !llvm.ptr", slot_symbol(nest))
                .unwrap();
        }
        launcher(&mut out, nest, &fields);
    }
    out.push_str("}\n");
    Ok(out)
}

/// The wrappers of a side module: each body's trampoline, exported for the loader to put in
/// the main module's slot.
pub fn side_module(ctx: &Context, nests: &[Outlined]) -> Result<String, String> {
    let mut out = String::from("module {\n");
    for nest in nests {
        let fields = capture_fields(ctx, nest)?;
        body_declaration(&mut out, nest, &fields);
        trampoline(&mut out, nest, &fields, "external");
    }
    out.push_str("}\n");
    Ok(out)
}

/// The LLVM types of a nest's captures, field by field.
fn capture_fields(ctx: &Context, nest: &Outlined) -> Result<Vec<String>, String> {
    Ok(nest.captures.iter().map(|t| fields(ctx, *t)).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect())
}

fn body_declaration(out: &mut String, nest: &Outlined, fields: &[String]) {
    let mut body_params = vec!["i64".to_string(), "i64".into()];
    body_params.extend(fields.iter().cloned());
    writeln!(out, "  llvm.func @{}({})", nest.body, body_params.join(", ")).unwrap();
}

fn packed(out: &mut String, sig: &EntrySignature) {
    let mut n = Names::default();
    let mut b = String::new();
    let w = &mut b;
    writeln!(w, "  llvm.func @{}(%slots: !llvm.ptr) -> i32 {{", packed_symbol(sig)).unwrap();
    let mut call_args: Vec<(String, String)> = Vec::new();
    let mut allocated = Vec::new();
    let slot = |w: &mut String, n: &mut Names, k: usize| {
        let p = n.next();
        writeln!(w, "    {p} = llvm.getelementptr %slots[{k}] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr").unwrap();
        let v = n.next();
        writeln!(w, "    {v} = llvm.load {p} : !llvm.ptr -> !llvm.ptr").unwrap();
        v
    };
    for (k, p) in sig.args.iter().enumerate() {
        let at = slot(w, &mut n, k);
        match p {
            Param::MemRef { shape, .. } => {
                let d = descriptor(shape.len());
                let s = n.next();
                writeln!(w, "    {s} = llvm.load {at} : !llvm.ptr -> {d}").unwrap();
                let mut fields = Vec::new();
                for (i, ty) in ["!llvm.ptr", "!llvm.ptr", "i64"].iter().enumerate() {
                    let f = n.next();
                    writeln!(w, "    {f} = llvm.extractvalue {s}[{i}] : {d}").unwrap();
                    fields.push((f, ty.to_string()));
                }
                allocated.push(fields[0].0.clone());
                let strides = strata_runtime::tensor::Tensor::strides(shape);
                let mut ok = None::<String>;
                let mut sizes = Vec::new();
                let mut strs = Vec::new();
                for (part, expected, out_fields) in [(3, shape.clone(), &mut sizes), (4, strides, &mut strs)] {
                    for (i, e) in expected.iter().enumerate() {
                        let f = n.next();
                        writeln!(w, "    {f} = llvm.extractvalue {s}[{part}, {i}] : {d}").unwrap();
                        let c = n.next();
                        writeln!(w, "    {c} = llvm.mlir.constant({e} : i64) : i64").unwrap();
                        let eq = n.next();
                        writeln!(w, "    {eq} = llvm.icmp \"eq\" {f}, {c} : i64").unwrap();
                        ok = Some(match ok {
                            None => eq,
                            Some(prev) => {
                                let a = n.next();
                                writeln!(w, "    {a} = llvm.and {prev}, {eq} : i1").unwrap();
                                a
                            }
                        });
                        out_fields.push((f, "i64".to_string()));
                    }
                }
                fields.extend(sizes);
                fields.extend(strs);
                if let Some(ok) = ok {
                    let (good, bad) = (n.block(), n.block());
                    writeln!(w, "    llvm.cond_br {ok}, {good}, {bad}").unwrap();
                    writeln!(w, "  {bad}:").unwrap();
                    let c = n.next();
                    writeln!(w, "    {c} = llvm.mlir.constant({} : i32) : i32", k + 1).unwrap();
                    writeln!(w, "    llvm.return {c} : i32").unwrap();
                    writeln!(w, "  {good}:").unwrap();
                }
                call_args.extend(fields);
            }
            Param::Scalar(e) => {
                let ty = e.to_string();
                let v = n.next();
                if *e == Elem::Int(1) {
                    // i1 crosses the ABI as a byte of 0 or 1.
                    let byte = n.next();
                    writeln!(w, "    {byte} = llvm.load {at} : !llvm.ptr -> i8").unwrap();
                    writeln!(w, "    {v} = llvm.trunc {byte} : i8 to i1").unwrap();
                } else {
                    writeln!(w, "    {v} = llvm.load {at} : !llvm.ptr -> {ty}").unwrap();
                }
                call_args.push((v, ty));
            }
        }
    }
    let flag = n.next();
    writeln!(w, "    {flag} = llvm.mlir.addressof @{TRAP_FLAG} : !llvm.ptr").unwrap();
    let zero = n.next();
    writeln!(w, "    {zero} = llvm.mlir.constant(0 : i32) : i32").unwrap();
    writeln!(w, "    llvm.store {zero}, {flag} : i32, !llvm.ptr").unwrap();
    let names = call_args.iter().map(|a| a.0.as_str()).collect::<Vec<_>>().join(", ");
    let types = call_args.iter().map(|a| a.1.as_str()).collect::<Vec<_>>().join(", ");
    let rt = result_type(&sig.results);
    let r = n.next();
    if sig.results.is_empty() {
        writeln!(w, "    llvm.call @{}({names}) : ({types}) -> ()", crate::prepare::body_symbol(sig)).unwrap();
    } else {
        writeln!(w, "    {r} = llvm.call @{}({names}) : ({types}) -> {rt}", crate::prepare::body_symbol(sig)).unwrap();
    }
    let t = n.next();
    writeln!(w, "    {t} = llvm.load {flag} : !llvm.ptr -> i32").unwrap();
    let trapped = n.next();
    writeln!(w, "    {trapped} = llvm.icmp \"ne\" {t}, {zero} : i32").unwrap();
    let (trap, fine) = (n.block(), n.block());
    writeln!(w, "    llvm.cond_br {trapped}, {trap}, {fine}").unwrap();
    writeln!(w, "  {trap}:").unwrap();
    let neg = n.next();
    writeln!(w, "    {neg} = llvm.sub {zero}, {t} : i32").unwrap();
    writeln!(w, "    llvm.return {neg} : i32").unwrap();
    writeln!(w, "  {fine}:").unwrap();
    for (j, p) in sig.results.iter().enumerate() {
        let v = if sig.results.len() == 1 {
            r.clone()
        } else {
            let v = n.next();
            writeln!(w, "    {v} = llvm.extractvalue {r}[{j}] : {rt}").unwrap();
            v
        };
        let at = slot(w, &mut n, sig.args.len() + j);
        match p {
            Param::MemRef { shape, .. } => {
                let d = descriptor(shape.len());
                // The caller frees what it owns: not a global's memory (upstream marks it with
                // 0xdeadbeef), an argument handed back, nor a buffer an earlier result owns
                // (two results may be views of one allocation).
                let a = n.next();
                writeln!(w, "    {a} = llvm.extractvalue {v}[0] : {d}").unwrap();
                let ai = n.next();
                writeln!(w, "    {ai} = llvm.ptrtoint {a} : !llvm.ptr to i64").unwrap();
                let dead = n.next();
                writeln!(w, "    {dead} = llvm.mlir.constant({UNOWNED} : i64) : i64").unwrap();
                let mut unowned = n.next();
                writeln!(w, "    {unowned} = llvm.icmp \"eq\" {ai}, {dead} : i64").unwrap();
                for arg in &allocated {
                    let same = n.next();
                    writeln!(w, "    {same} = llvm.icmp \"eq\" {a}, {arg} : !llvm.ptr").unwrap();
                    let either = n.next();
                    writeln!(w, "    {either} = llvm.or {unowned}, {same} : i1").unwrap();
                    unowned = either;
                }
                let null = n.next();
                writeln!(w, "    {null} = llvm.mlir.zero : !llvm.ptr").unwrap();
                let owner = n.next();
                writeln!(w, "    {owner} = llvm.select {unowned}, {null}, {a} : i1, !llvm.ptr").unwrap();
                allocated.push(a.clone());
                let fixed = n.next();
                writeln!(w, "    {fixed} = llvm.insertvalue {owner}, {v}[0] : {d}").unwrap();
                writeln!(w, "    llvm.store {fixed}, {at} : {d}, !llvm.ptr").unwrap();
            }
            Param::Scalar(e) if *e == Elem::Int(1) => {
                let byte = n.next();
                writeln!(w, "    {byte} = llvm.zext {v} : i1 to i8").unwrap();
                writeln!(w, "    llvm.store {byte}, {at} : i8, !llvm.ptr").unwrap();
            }
            Param::Scalar(e) => {
                writeln!(w, "    llvm.store {v}, {at} : {}, !llvm.ptr", e).unwrap();
            }
        }
    }
    writeln!(w, "    llvm.return {zero} : i32").unwrap();
    writeln!(w, "  }}").unwrap();
    out.push_str(&b);
}

fn c_entry(out: &mut String, sig: &EntrySignature) {
    let n = sig.args.len() + sig.results.len();
    let params: Vec<String> = (0..n)
        .map(|k| match sig.args.get(k) {
            Some(Param::Scalar(e)) => format!("%p{k}: {e}"),
            _ => format!("%p{k}: !llvm.ptr"),
        })
        .collect();
    writeln!(out, "  llvm.func @{}({}) -> i32 {{", sig.symbol, params.join(", ")).unwrap();
    writeln!(out, "    %n = llvm.mlir.constant({} : i64) : i64", n.max(1)).unwrap();
    writeln!(out, "    %one = llvm.mlir.constant(1 : i64) : i64").unwrap();
    writeln!(out, "    %slots = llvm.alloca %n x !llvm.ptr : (i64) -> !llvm.ptr").unwrap();
    for k in 0..n {
        let mut at = format!("%p{k}");
        if let Some(Param::Scalar(e)) = sig.args.get(k) {
            // A scalar argument is passed by value in C; the packed entry reads it from memory.
            writeln!(out, "    %s{k} = llvm.alloca %one x {} : (i64) -> !llvm.ptr", e).unwrap();
            writeln!(out, "    llvm.store %p{k}, %s{k} : {}, !llvm.ptr", e).unwrap();
            at = format!("%s{k}");
        }
        writeln!(out, "    %g{k} = llvm.getelementptr %slots[{k}] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr").unwrap();
        writeln!(out, "    llvm.store {at}, %g{k} : !llvm.ptr, !llvm.ptr").unwrap();
    }
    writeln!(out, "    %r = llvm.call @{}(%slots) : (!llvm.ptr) -> i32", packed_symbol(sig)).unwrap();
    writeln!(out, "    llvm.return %r : i32").unwrap();
    writeln!(out, "  }}").unwrap();
}

/// The struct a nest's captures travel in, from its launcher to its trampoline.
fn context_struct(fields: &[String]) -> String {
    format!("!llvm.struct<({})>", fields.iter().map(|f| f.replace("!llvm.", "")).collect::<Vec<_>>().join(", "))
}

fn launcher(out: &mut String, nest: &Outlined, fields: &[String]) {
    let strukt = context_struct(fields);
    let params: Vec<String> = fields.iter().enumerate().map(|(i, t)| format!("%a{i}: {t}")).collect();
    let mut all = vec!["%n: i64".to_string()];
    all.extend(params);
    writeln!(out, "  llvm.func internal @{}({}) {{", nest.launcher, all.join(", ")).unwrap();
    if fields.is_empty() {
        writeln!(out, "    %ctx = llvm.mlir.zero : !llvm.ptr").unwrap();
    } else {
        writeln!(out, "    %one = llvm.mlir.constant(1 : i64) : i64").unwrap();
        writeln!(out, "    %ctx = llvm.alloca %one x {strukt} : (i64) -> !llvm.ptr").unwrap();
        for (i, t) in fields.iter().enumerate() {
            writeln!(out, "    %f{i} = llvm.getelementptr %ctx[0, {i}] : (!llvm.ptr) -> !llvm.ptr, {strukt}").unwrap();
            writeln!(out, "    llvm.store %a{i}, %f{i} : {t}, !llvm.ptr").unwrap();
        }
    }
    if nest.home == 0 {
        writeln!(out, "    %body = llvm.mlir.addressof @{} : !llvm.ptr", trampoline_symbol(nest)).unwrap();
    } else {
        writeln!(out, "    %slot = llvm.mlir.addressof @{} : !llvm.ptr", slot_symbol(nest)).unwrap();
        writeln!(out, "    %body = llvm.load %slot : !llvm.ptr -> !llvm.ptr").unwrap();
    }
    writeln!(out, "    llvm.call @{PARALLEL_FOR}(%body, %ctx, %n) : (!llvm.ptr, !llvm.ptr, i64) -> ()").unwrap();
    writeln!(out, "    llvm.return").unwrap();
    writeln!(out, "  }}").unwrap();
}

/// The body's trampoline, `void (const void *ctx, i64 lo, i64 hi)`, with `linkage`.
fn trampoline(out: &mut String, nest: &Outlined, fields: &[String], linkage: &str) {
    let strukt = context_struct(fields);
    writeln!(out, "  llvm.func {linkage} @{}(%ctx: !llvm.ptr, %lo: i64, %hi: i64) {{", trampoline_symbol(nest))
        .unwrap();
    let mut args = vec!["%lo".to_string(), "%hi".to_string()];
    for (i, t) in fields.iter().enumerate() {
        writeln!(out, "    %f{i} = llvm.getelementptr %ctx[0, {i}] : (!llvm.ptr) -> !llvm.ptr, {strukt}").unwrap();
        writeln!(out, "    %l{i} = llvm.load %f{i} : !llvm.ptr -> {t}").unwrap();
        args.push(format!("%l{i}"));
    }
    let mut types = vec!["i64".to_string(), "i64".into()];
    types.extend(fields.iter().cloned());
    writeln!(out, "    llvm.call @{}({}) : ({}) -> ()", nest.body, args.join(", "), types.join(", ")).unwrap();
    writeln!(out, "    llvm.return").unwrap();
    writeln!(out, "  }}").unwrap();
}
