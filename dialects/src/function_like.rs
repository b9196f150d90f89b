//! What function-like ops (`func.func`, `gpu.func`) share, as MLIR's
//! `function_interface_impl`: their `function_type`, `sym_name`, `arg_attrs` and `res_attrs`,
//! and the custom syntax of their name and signature,
//! `@name(%a: T {attrs} loc(...), ...) -> (R {attrs}, ...)`, parsed and printed. What comes
//! before the name (`func.func`'s visibility) and after the signature (`gpu.func`'s
//! attributions and `kernel`, attribute dictionaries, the body) is each op's own.

use std::fmt;

use strata_ir::parser::{ArgumentDef, OpParser, ParseError};
use strata_ir::printer::OpPrinter;
use strata_ir::{AttrKind, Attribute, Context, Ir, NamedAttr, OpId, Type, TypeKind, Value};

/// The signature of a function-like op (`func.func`, `gpu.func`): the inputs and results of
/// its `function_type`, `None` when it has none of function type.
pub fn function_type(ctx: &Context, ir: &Ir, op: OpId) -> Option<(Vec<Type>, Vec<Type>)> {
    let t = ir.op(op).attr(ctx.ident("function_type")).and_then(|a| ctx.attr_as_type(a))?;
    match ctx.type_kind(t) {
        TypeKind::Function { inputs, results } => Some((inputs.clone(), results.clone())),
        _ => None,
    }
}

/// The op's `sym_name`, empty when it has none.
pub(crate) fn sym_name(ctx: &Context, ir: &Ir, op: OpId) -> String {
    ir.op(op).attr(ctx.ident("sym_name")).and_then(|a| ctx.attr_as_str(a)).unwrap_or("").to_string()
}

/// An argument's location: as written, else the place of its name, as MLIR gives it.
pub(crate) fn with_loc<'s>(p: &OpParser<'_, 's>, mut a: ArgumentDef<'s>) -> ArgumentDef<'s> {
    if a.loc.is_none() {
        a.loc = Some(p.loc_at(a.offset));
    }
    a
}

/// An array of dictionaries, one for each list (`arg_attrs`, `res_attrs` and the like).
pub(crate) fn dict_array(ctx: &Context, lists: &[Vec<NamedAttr>]) -> Attribute {
    ctx.array_attr(lists.iter().map(|l| ctx.dictionary_attr(l.clone())).collect())
}

/// The dictionaries of `op`'s array attribute `name`, padded with empty ones to `n` (and cut
/// to `n`); `n` empty ones when it has none.
pub(crate) fn dict_list(ctx: &Context, ir: &Ir, op: OpId, name: &str, n: usize) -> Vec<Vec<NamedAttr>> {
    let items = match ir.op(op).attr(ctx.ident(name)).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    items
        .iter()
        .map(|d| match ctx.attr_kind(*d) {
            AttrKind::Dictionary(e) => e.clone(),
            _ => Vec::new(),
        })
        .chain(std::iter::repeat(Vec::new()))
        .take(n)
        .collect()
}

/// How an op's arguments may be written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ArgumentRules {
    /// The error, at the start of the signature, for an argument written without a name;
    /// `None` lets them all be unnamed (`(i32, f32)`, a declaration's), though not mixed
    /// with named ones.
    pub unnamed_error: Option<&'static str>,
    /// Whether a named argument written without a location takes the place of its name
    /// ([`with_loc`]); else it has none.
    pub default_locations: bool,
}

/// A signature as written.
pub(crate) struct Signature<'s> {
    /// `sym_name = "name"`.
    pub sym_name: NamedAttr,
    /// The named arguments, the entry block's first ones (empty when written unnamed).
    pub args: Vec<ArgumentDef<'s>>,
    pub inputs: Vec<Type>,
    /// One dictionary for each input, empty where none was written.
    pub arg_attrs: Vec<Vec<NamedAttr>>,
    pub results: Vec<Type>,
    /// One dictionary for each result, empty where none was written.
    pub res_attrs: Vec<Vec<NamedAttr>>,
}

impl Signature<'_> {
    /// `function_type = (inputs) -> results`.
    pub fn function_type_attr(&self, ctx: &Context) -> NamedAttr {
        let value = ctx.type_attr(ctx.function_type(self.inputs.clone(), self.results.clone()));
        NamedAttr { name: ctx.ident("function_type"), value }
    }

    /// Appends `arg_attrs` and `res_attrs` to `attrs`, each only where a dictionary was
    /// written.
    pub fn push_arg_res_attrs(&self, ctx: &Context, attrs: &mut Vec<NamedAttr>) {
        for (name, lists) in [("arg_attrs", &self.arg_attrs), ("res_attrs", &self.res_attrs)] {
            if lists.iter().any(|a| !a.is_empty()) {
                let value = dict_array(ctx, lists);
                attrs.push(NamedAttr { name: ctx.ident(name), value });
            }
        }
    }
}

/// `@name(%a: T {attrs} loc(...), ...) -> (R {attrs}, ...)`; the signature may also be one
/// function type (`(i32) -> i32`, its inputs unnamed), and the results one bare type or none.
pub(crate) fn parse_signature<'s>(p: &mut OpParser<'_, 's>, rules: ArgumentRules) -> Result<Signature<'s>, ParseError> {
    let ctx = p.ctx();
    let name = p.parse_symbol_name()?;
    let value = ctx.string_attr(&name);
    let sym_name = NamedAttr { name: ctx.ident("sym_name"), value };
    let at = p.offset()?;
    let unnamed = || rules.unnamed_error.map(|m| ParseError::new(at, m.into()));
    let mut sig = Signature {
        sym_name,
        args: Vec::new(),
        inputs: Vec::new(),
        arg_attrs: Vec::new(),
        results: Vec::new(),
        res_attrs: Vec::new(),
    };
    if p.peek_type()? {
        // `(i32) -> i32`, read as one function type.
        let (ins, outs) = p.parse_function_type()?;
        if !ins.is_empty() {
            if let Some(e) = unnamed() {
                return Err(e);
            }
        }
        sig.arg_attrs = vec![Vec::new(); ins.len()];
        sig.res_attrs = vec![Vec::new(); outs.len()];
        sig.inputs = ins;
        sig.results = outs;
        return Ok(sig);
    }
    p.expect_punct("(")?;
    if !p.parse_optional_punct(")")? {
        loop {
            if p.peek_value()? {
                if !sig.inputs.is_empty() && sig.args.is_empty() {
                    return p.error_here("expected a type: mixing named and unnamed arguments");
                }
                let mut a = p.parse_argument(true)?;
                if rules.default_locations {
                    a = with_loc(p, a);
                }
                sig.inputs.push(a.ty);
                sig.arg_attrs.push(a.attrs.clone());
                sig.args.push(a);
            } else {
                if let Some(e) = unnamed() {
                    return Err(e);
                }
                if !sig.args.is_empty() {
                    return p.error_here("expected SSA identifier: mixing named and unnamed arguments");
                }
                sig.inputs.push(p.parse_type()?);
                let mut a = Vec::new();
                p.parse_optional_attr_dict(&mut a)?;
                sig.arg_attrs.push(a);
                p.parse_optional_location()?;
            }
            if p.parse_optional_punct(")")? {
                break;
            }
            p.expect_punct(",")?;
        }
    }
    if p.parse_optional_punct("->")? {
        if p.parse_optional_punct("(")? {
            if !p.parse_optional_punct(")")? {
                loop {
                    sig.results.push(p.parse_type()?);
                    let mut a = Vec::new();
                    p.parse_optional_attr_dict(&mut a)?;
                    sig.res_attrs.push(a);
                    if p.parse_optional_punct(")")? {
                        break;
                    }
                    p.expect_punct(",")?;
                }
            }
        } else {
            sig.results.push(p.parse_type()?);
            sig.res_attrs.push(Vec::new());
        }
    }
    Ok(sig)
}

/// ` @name(%a: T {attrs} loc(...), ...) -> (R {attrs}, ...)` for `op`, its inputs named by
/// `entry_args` (its entry block's arguments; an input without one is printed bare), and
/// the results bare when there is one without attributes that is not a function type.
/// Returns how many inputs there are: the entry block's arguments past them are the op's
/// own (`gpu.func`'s attributions).
pub(crate) fn print_signature(p: &mut OpPrinter<'_, '_>, op: OpId, entry_args: &[Value]) -> Result<usize, fmt::Error> {
    let (ctx, ir) = (p.ctx, p.ir);
    p.write(" ")?;
    p.print_attr(ctx.symbol_ref_attr(&sym_name(ctx, ir, op)))?;
    let (inputs, results) = function_type(ctx, ir, op).unwrap_or_default();
    let arg_attrs = dict_list(ctx, ir, op, "arg_attrs", inputs.len());
    let res_attrs = dict_list(ctx, ir, op, "res_attrs", results.len());
    p.write("(")?;
    for (i, t) in inputs.iter().enumerate() {
        if i > 0 {
            p.write(", ")?;
        }
        let arg = entry_args.get(i).copied();
        if let Some(a) = arg {
            p.print_value(a)?;
            p.write(": ")?;
        }
        p.print_type(*t)?;
        if !arg_attrs[i].is_empty() {
            p.write(" ")?;
            p.print_attr_list(&arg_attrs[i])?;
        }
        if let Some(a) = arg {
            p.print_optional_arg_loc(a)?;
        }
    }
    p.write(")")?;
    if !results.is_empty() {
        p.write(" -> ")?;
        let bare = results.len() == 1
            && res_attrs[0].is_empty()
            && !matches!(ctx.type_kind(results[0]), TypeKind::Function { .. });
        if bare {
            p.print_type(results[0])?;
        } else {
            p.write("(")?;
            for (i, t) in results.iter().enumerate() {
                if i > 0 {
                    p.write(", ")?;
                }
                p.print_type(*t)?;
                if !res_attrs[i].is_empty() {
                    p.write(" ")?;
                    p.print_attr_list(&res_attrs[i])?;
                }
            }
            p.write(")")?;
        }
    }
    Ok(inputs.len())
}
