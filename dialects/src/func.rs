//! `func`: functions, calls and returns.

use std::fmt;

use strata_ir::dialect::{attr_constraints as ac, constraints as tc, Dialect, OpDef, OpView, Trait};
use strata_ir::parser::{OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::symbol_table::{lookup_symbol, nearest_symbol_table};
use strata_ir::{Attribute, Context, Diagnostic, Ir, NamedAttr, OpId, Type, TypeKind};

pub use crate::function_like::function_type;
use crate::function_like::{self, sym_name, ArgumentRules};

pub struct Func;

impl Dialect for Func {
    fn name(&self) -> &'static str {
        "func"
    }
    fn description(&self) -> &'static str {
        "functions, calls and returns"
    }
    fn operations(&self) -> Vec<OpDef> {
        vec![
            OpDef::new("func.func")
                .summary("a function: a symbol with a signature and an optional body")
                .traits(&[Trait::IsolatedFromAbove, Trait::Symbol])
                .attr("sym_name", ac::SYMBOL_NAME)
                .attr("function_type", ac::FUNCTION_TYPE)
                .optional_attr("sym_visibility", ac::STRING)
                .optional_attr("arg_attrs", ac::DICT_ARRAY)
                .optional_attr("res_attrs", ac::DICT_ARRAY)
                .optional_attr("no_inline", ac::UNIT)
                .region("body", false)
                .default_dialect("func")
                .custom_syntax(parse_func, print_func)
                .verifier(verify_func),
            OpDef::new("func.return")
                .summary("returns from a function")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
                .variadic_operand("operands", tc::ANY)
                .parent("func.func")
                .format("attr-dict ($operands^ `:` type($operands))?")
                .verifier(verify_return),
            OpDef::new("func.call")
                .summary("calls a function by symbol")
                .variadic_operand("operands", tc::ANY)
                .variadic_result("results", tc::ANY)
                .attr("callee", ac::FLAT_SYMBOL_REF)
                .optional_attr("arg_attrs", ac::DICT_ARRAY)
                .optional_attr("res_attrs", ac::DICT_ARRAY)
                .optional_attr("no_inline", ac::UNIT)
                .format("$callee `(` $operands `)` attr-dict `:` functional-type($operands, results)")
                .verifier(verify_call),
            OpDef::new("func.call_indirect")
                .summary("calls a function value")
                .operand("callee", tc::ANY)
                .variadic_operand("callee_operands", tc::ANY)
                .variadic_result("results", tc::ANY)
                .optional_attr("arg_attrs", ac::DICT_ARRAY)
                .optional_attr("res_attrs", ac::DICT_ARRAY)
                .custom_syntax(parse_call_indirect, print_call_indirect)
                .verifier(verify_call_indirect),
            OpDef::new("func.constant")
                .summary("a function value from a symbol")
                .traits(&[Trait::Pure, Trait::ConstantLike])
                .attr("value", ac::FLAT_SYMBOL_REF)
                .result("result", tc::ANY)
                .format("attr-dict $value `:` type(results)")
                .verifier(verify_constant)
                // MLIR names function values `%f`.
                .result_name(|_, _, _| Some("f".to_string())),
        ]
    }
}

fn parse_func(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let mut attrs = Vec::new();
    let named = |n: &str, v: Attribute| NamedAttr { name: ctx.ident(n), value: v };
    for vis in ["private", "public", "nested"] {
        if p.parse_optional_keyword(vis)? {
            attrs.push(named("sym_visibility", ctx.string_attr(vis)));
        }
    }
    let rules = ArgumentRules { unnamed_error: None, default_locations: false };
    let sig = function_like::parse_signature(p, rules)?;
    attrs.push(sig.sym_name);
    if p.parse_optional_keyword("attributes")? {
        let at = p.offset()?;
        let before = attrs.len();
        p.parse_optional_attr_dict(&mut attrs)?;
        // What the custom form says itself may not be said again in the dictionary.
        for a in &attrs[before..] {
            let name = ctx.ident_str(a.name);
            if ["sym_name", "function_type", "sym_visibility"].contains(&name) {
                return Err(ParseError::new(
                    at,
                    format!("custom op 'func.func' '{name}' is an inferred attribute and should not be specified in the explicit attribute dictionary"),
                ));
            }
        }
    }
    sig.push_arg_res_attrs(ctx, &mut attrs);
    attrs.push(sig.function_type_attr(ctx));
    let mut region = Vec::new();
    if p.peek_region()? {
        // Arguments written as bare types leave the entry block to declare them
        // (`func.func @f(i32) { ^bb0(%a: i32): ...`); the verifier compares the two.
        region = p.parse_region(Some(&sig.args), true)?;
    }
    let pending = p.pending();
    pending.attrs = attrs;
    pending.regions = vec![region];
    Ok(())
}

fn print_func(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ctx = p.ctx;
    let ir = p.ir;
    let o = ir.op(op);
    if let Some(v) = o.attr(ctx.ident("sym_visibility")).and_then(|a| ctx.attr_as_str(a)) {
        p.write(" ")?;
        p.write(v)?;
    }
    let body = o.regions()[0];
    let entry = ir.region(body).entry();
    function_like::print_signature(p, op, entry.map(|b| ir.block(b).args()).unwrap_or(&[]))?;
    p.print_attr_dict(op, &["sym_name", "function_type", "sym_visibility", "arg_attrs", "res_attrs"], true)?;
    if entry.is_some() {
        p.write(" ")?;
        p.print_region(body, false)?;
    }
    Ok(())
}

fn verify_func(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir, op) = (v.ctx, v.ir, v.op);
    let Some((inputs, _)) = function_type(ctx, ir, op) else {
        return Err(v.error("requires a 'function_type' of function type"));
    };
    for (name, what, n) in [
        ("arg_attrs", "argument", inputs.len()),
        ("res_attrs", "result", function_type(ctx, ir, op).map_or(0, |t| t.1.len())),
    ] {
        let count = v.attr(name).and_then(|a| match ctx.attr_kind(a) {
            strata_ir::AttrKind::Array(items) => Some(items.len()),
            _ => None,
        });
        if let Some(count) = count.filter(|c| *c != n) {
            return Err(v.error(format!(
                "expects {what} attribute array to have the same number of elements as the number of function {what}s, got {count}, but expected {n}"
            )));
        }
    }
    let body = ir.op(op).regions()[0];
    if let Some(entry) = ir.region(body).entry() {
        let args = ir.block(entry).args();
        if args.len() != inputs.len() {
            return Err(
                v.error(format!("entry block must have {} arguments to match function signature", inputs.len()))
            );
        }
        for (i, (a, t)) in args.iter().zip(&inputs).enumerate() {
            if ir.value_type(*a) != *t {
                return Err(v.error(format!(
                    "type of entry block argument #{i}('{}') must match the type of the corresponding argument in function signature('{}')",
                    ctx.type_to_string(ir.value_type(*a)),
                    ctx.type_to_string(*t)
                )));
            }
        }
    } else if v.attr("sym_visibility").and_then(|a| ctx.attr_as_str(a)) != Some("private") {
        return Err(v.error("symbol declaration cannot have public visibility"));
    }
    Ok(())
}

fn verify_return(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let Some(func) = ir.parent_op(v.op) else { return Ok(()) };
    let Some((_, results)) = function_type(ctx, ir, func) else { return Ok(()) };
    let name = sym_name(ctx, ir, func);
    let operands = v.operands();
    if operands.len() != results.len() {
        return Err(v.error(format!(
            "has {} operands, but enclosing function (@{name}) returns {}",
            operands.len(),
            results.len()
        )));
    }
    for (i, (o, r)) in operands.iter().zip(&results).enumerate() {
        let t = ir.value_type(*o);
        if t != *r {
            return Err(v.error(format!(
                "type of return operand {i} ('{}') doesn't match function result type ('{}') in function @{name}",
                ctx.type_to_string(t),
                ctx.type_to_string(*r)
            )));
        }
    }
    Ok(())
}

/// Finds a `func.func` by name in the nearest enclosing symbol table: `None` without one
/// (a function verified on its own, as a pass on one function does), `Some(None)` when the
/// table lacks it or the symbol is not a function. The table is indexed once per `verify`
/// (`strata_ir::symbol_table`), so verifying N calls is linear, not N × functions.
fn lookup_function(ctx: &Context, ir: &Ir, from: OpId, name: &str) -> Option<Option<OpId>> {
    let table = nearest_symbol_table(ctx, ir, from)?;
    let f = lookup_symbol(ctx, ir, table, name);
    Some(f.filter(|f| ctx.ident_str(ir.op(*f).name()) == "func.func"))
}

/// `func.constant @f : T`: `@f` is a function of type `T`.
fn verify_constant(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let Some(name) = v.attr("value").and_then(|a| ctx.attr_as_symbol(a).map(str::to_string)) else { return Ok(()) };
    let f = match lookup_function(ctx, ir, v.op, &name) {
        // Verified on its own (a function lent to a pass on another thread), as `func.call` is:
        // the reference is checked whenever the module around it is verified.
        None => return Ok(()),
        Some(None) => return Err(v.error(format!("reference to undefined function '{name}'"))),
        Some(Some(f)) => f,
    };
    let declared = ir.op(f).attr(ctx.ident("function_type")).and_then(|a| ctx.attr_as_type(a));
    match v.results().first() {
        Some(r) if Some(ir.value_type(*r)) != declared => Err(v.error("reference to function with mismatched type")),
        _ => Ok(()),
    }
}

fn verify_call(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let Some(callee) = v.attr("callee").and_then(|a| ctx.attr_as_symbol(a).map(str::to_string)) else { return Ok(()) };
    let f = match lookup_function(ctx, ir, v.op, &callee) {
        None => return Ok(()),
        Some(None) => return Err(v.error(format!("'{callee}' does not reference a valid function"))),
        Some(Some(f)) => f,
    };
    let (inputs, results) = function_type(ctx, ir, f).unwrap_or_default();
    let operand_types: Vec<Type> = v.operands().iter().map(|o| ir.value_type(*o)).collect();
    let result_types: Vec<Type> = v.results().iter().map(|o| ir.value_type(*o)).collect();
    if operand_types.len() != inputs.len() {
        return Err(v.error("incorrect number of operands for callee"));
    }
    for (i, (a, b)) in operand_types.iter().zip(&inputs).enumerate() {
        if a != b {
            return Err(v.error(format!(
                "operand type mismatch: expected operand type '{}', but provided '{}' for operand number {i}",
                ctx.type_to_string(*b),
                ctx.type_to_string(*a)
            )));
        }
    }
    if result_types.len() != results.len() {
        return Err(v.error("incorrect number of results for callee"));
    }
    for (i, (a, b)) in result_types.iter().zip(&results).enumerate() {
        if a != b {
            return Err(v.error(format!(
                "result type mismatch at index {i}: expected '{}', but found '{}'",
                ctx.type_to_string(*b),
                ctx.type_to_string(*a)
            )));
        }
    }
    Ok(())
}

fn parse_call_indirect(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let callee = p.parse_operand()?;
    p.expect_punct("(")?;
    let args = p.parse_operand_list()?;
    p.expect_punct(")")?;
    let mut attrs = Vec::new();
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let at = p.offset()?;
    let fn_type = p.parse_type()?;
    let TypeKind::Function { inputs, results } = p.ctx().type_kind(fn_type).clone() else {
        return Err(ParseError { offset: at, message: "expected function type".into() });
    };
    if inputs.len() != args.len() {
        return Err(ParseError {
            offset: at,
            message: format!("{} operands present, but expected {}", args.len(), inputs.len()),
        });
    }
    let mut operands = vec![p.resolve_operand(&callee, fn_type)?];
    for (a, t) in args.iter().zip(&inputs) {
        operands.push(p.resolve_operand(a, *t)?);
    }
    let pending = p.pending();
    pending.operands = operands;
    pending.result_types = results;
    pending.attrs = attrs;
    Ok(())
}

fn print_call_indirect(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    let operands = ir.op(op).operands().to_vec();
    p.write(" ")?;
    p.print_value(operands[0])?;
    p.write("(")?;
    p.print_value_list(&operands[1..])?;
    p.write(")")?;
    p.print_attr_dict(op, &[], false)?;
    p.write(" : ")?;
    p.print_type(ir.value_type(operands[0]))
}

fn verify_call_indirect(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let TypeKind::Function { inputs, results } = ctx.type_kind(v.operand_type(0)) else {
        return Err(v.error("callee must have function type"));
    };
    let args: Vec<Type> = v.operands()[1..].iter().map(|o| ir.value_type(*o)).collect();
    let res: Vec<Type> = v.results().iter().map(|o| ir.value_type(*o)).collect();
    if &args != inputs || &res != results {
        return Err(v.error("operand or result types do not match the callee's function type"));
    }
    Ok(())
}
