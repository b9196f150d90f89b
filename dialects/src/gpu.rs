//! `gpu`: upstream MLIR's target-neutral GPU level — kernels in modules of their own, their
//! launches from the host, and what a kernel sees of its launch (thread, block and grid ids
//! and sizes, workgroup and private memory, barriers, subgroup shuffles). It sits between the
//! loop level (`scf.parallel` nests mapped onto blocks and threads) and the PTX emitter, which
//! consumes `gpu.module`s of `gpu.func` kernels and the host's `gpu.launch_func`s. The syntax is
//! MLIR 22's, custom and generic, so text round-trips through `mlir-opt-22`:
//!
//! ```text
//! module attributes {gpu.container_module} {
//!   gpu.module @kernels {
//!     gpu.func @scale(%arg0: memref<256xf32>, %arg1: f32) workgroup(%arg2 : memref<32xf32, #gpu.address_space<workgroup>>) kernel {
//!       %thread_id_x = gpu.thread_id  x
//!       %block_id_x = gpu.block_id  x
//!       gpu.barrier
//!       gpu.return
//!     }
//!   }
//!   func.func @host(%arg0: memref<256xf32>, %arg1: f32) {
//!     %c1 = arith.constant 1 : index
//!     %c8 = arith.constant 8 : index
//!     %c32 = arith.constant 32 : index
//!     gpu.launch_func  @kernels::@scale blocks in (%c8, %c1, %c1) threads in (%c32, %c1, %c1)  args(%arg0 : memref<256xf32>, %arg1 : f32)
//!     return
//!   }
//! }
//! ```
//!
//! (The double spaces are mlir-opt-22's: its printers of enum attributes and of
//! `launch_func`'s custom directives add a space of their own.)
//!
//! What is stored where, as upstream:
//! - `gpu.func`: `function_type`, `arg_attrs`/`res_attrs`, `workgroup_attrib_attrs`/
//!   `private_attrib_attrs` and `known_{block,grid,cluster}_size` are properties; `sym_name`,
//!   `workgroup_attributions` (how many entry-block arguments after the function's inputs are
//!   workgroup buffers; the rest are private ones) and the unit `gpu.kernel` are discardable.
//! - `gpu.launch_func`: 13 operand segments (`asyncDependencies`, grid x/y/z, block x/y/z,
//!   cluster x/y/z, `dynamicSharedMemorySize`, `kernelOperands`, `asyncObject`) and the
//!   `kernel` property `@module::@function`; [`build_launch_func`] builds one.
//! - `gpu.launch`: 11 operand segments (no kernel operands or async object); its body takes
//!   block ids, thread ids, grid sizes and block sizes (x, y, z each; then cluster ids and
//!   sizes when launched with clusters), then workgroup and private attributions.
//! - Id ops: the dimension as `#gpu<dim x>`, an optional `upper_bound` of type `index`.
//! - `gpu.shuffle`: the mode as `#gpu<shuffle_mode xor>`.
//!
//! `#gpu...` attributes and `!gpu.async.token` are kept as opaque dialect attributes and
//! types; the helpers here read them.

use std::fmt;
use std::ops::Range;

use strata_ir::dialect::{
    attr_constraints as ac, constraints as tc, AttrConstraint, AttrSyntax, Dialect, OpDef, OpView, Trait,
    TypeConstraint,
};
use strata_ir::parser::{ArgumentDef, OpParser, ParseError, UnresolvedOperand};
use strata_ir::printer::OpPrinter;
use strata_ir::rewrite::{PatternRewriter, RewritePattern};
use strata_ir::symbol_table::lookup_symbol;
use strata_ir::{
    AttrKind, Attribute, Builder, Context, DenseArrayValues, Diagnostic, Ir, NamedAttr, OpId, OpState, Signedness,
    Type, TypeKind, Value,
};

use crate::function_like::{self, dict_array, dict_list, function_type, with_loc, ArgumentRules};

pub struct Gpu;

/// The dimensions, in the order of their values (0, 1, 2).
const DIMS: [&str; 3] = ["x", "y", "z"];
/// The shuffle modes in the order of their values (`xor` is 0, `down` 1, `up` 2, `idx` 3).
const SHUFFLE_MODES: [&str; 4] = ["xor", "down", "up", "idx"];
/// The modes as upstream lists them in diagnostics.
const SHUFFLE_MODES_LISTED: &str = "xor, up, down, idx";

/// The ops whose result is one coordinate of the launch, with a dimension.
const ID_OPS: [&str; 9] = [
    "gpu.thread_id",
    "gpu.block_id",
    "gpu.block_dim",
    "gpu.grid_dim",
    "gpu.global_id",
    "gpu.cluster_id",
    "gpu.cluster_dim",
    "gpu.cluster_block_id",
    "gpu.cluster_dim_blocks",
];

/// Index arguments of a `gpu.launch` body: block ids, thread ids, grid sizes, block sizes.
const LAUNCH_CONFIG_ARGS: usize = 12;

// ---------------------------------------------------------------------- opaque attributes
/// The text of an opaque `#gpu...` attribute with runs of spaces made one and none inside
/// the angle brackets' edges (`gpu<dim x>`), whatever the spacing it was written with.
fn opaque_text(ctx: &Context, a: Attribute) -> Option<String> {
    let AttrKind::Opaque { dialect, text } = ctx.attr_kind(a) else { return None };
    if dialect != "gpu" {
        return None;
    }
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(joined.replace("< ", "<").replace(" >", ">"))
}

fn opaque_attr(ctx: &Context, text: String) -> Attribute {
    ctx.intern_attr(AttrKind::Opaque { dialect: "gpu".into(), text })
}

/// The case of `#gpu<{mnemonic} case>` among `cases`.
fn enum_case(ctx: &Context, a: Attribute, mnemonic: &str, cases: &[&str]) -> Option<usize> {
    let text = opaque_text(ctx, a)?;
    let body = text.strip_prefix("gpu<")?.strip_suffix('>')?.strip_prefix(mnemonic)?.strip_prefix(' ')?;
    cases.iter().position(|c| *c == body)
}

/// `#gpu<dim x>` for dimension 0, `y` for 1, `z` for 2 (panics past 2).
pub fn dimension_attr(ctx: &Context, dim: usize) -> Attribute {
    opaque_attr(ctx, format!("gpu<dim {}>", DIMS[dim]))
}

/// `#gpu<shuffle_mode xor>` and the others, by name (`xor`, `up`, `down`, `idx`).
pub fn shuffle_mode_attr(ctx: &Context, mode: &str) -> Option<Attribute> {
    SHUFFLE_MODES.contains(&mode).then(|| opaque_attr(ctx, format!("gpu<shuffle_mode {mode}>")))
}

/// The dimension (0, 1, 2 for x, y, z) of an id op (`gpu.thread_id`, `gpu.block_id`,
/// `gpu.block_dim`, `gpu.grid_dim`, `gpu.global_id` and the cluster ones); `None` for any
/// other op or a malformed attribute.
pub fn dimension(ctx: &Context, ir: &Ir, op: OpId) -> Option<usize> {
    if !ID_OPS.contains(&ctx.ident_str(ir.op(op).name())) {
        return None;
    }
    enum_case(ctx, ir.op(op).attr(ctx.ident("dimension"))?, "dim", &DIMS)
}

/// The mode of a `gpu.shuffle` (`xor`, `down`, `up` or `idx`).
pub fn shuffle_mode(ctx: &Context, ir: &Ir, op: OpId) -> Option<&'static str> {
    if ctx.ident_str(ir.op(op).name()) != "gpu.shuffle" {
        return None;
    }
    let i = enum_case(ctx, ir.op(op).attr(ctx.ident("mode"))?, "shuffle_mode", &SHUFFLE_MODES)?;
    Some(SHUFFLE_MODES[i])
}

/// The `gpu` address space a memref is in: `Some("workgroup")` for
/// `#gpu.address_space<workgroup>`; `None` for any other memory space (numbers included).
fn address_space(ctx: &Context, t: Type) -> Option<String> {
    let TypeKind::MemRef { memory_space: Some(space), .. } = ctx.type_kind(t) else { return None };
    let text = opaque_text(ctx, *space)?;
    Some(text.strip_prefix("gpu.address_space<")?.strip_suffix('>')?.to_string())
}

// ---------------------------------------------------------------------- constraints
/// `!gpu.async.token`.
pub const ASYNC_TOKEN: TypeConstraint = TypeConstraint {
    description: "async token type",
    check: |c, t| matches!(c.type_kind(t), TypeKind::Opaque { body, .. } if body == "gpu.async.token"),
};

fn is_int_of(c: &Context, t: Type, w: u32) -> bool {
    matches!(c.type_kind(t), TypeKind::Integer { width, signedness: Signedness::Signless } if *width == w)
}

/// Launch sizes: `index`, `i32` or `i64`, as upstream's `LaunchIndx`.
const LAUNCH_INDEX: TypeConstraint = TypeConstraint {
    description: "index or 32-bit signless integer or 64-bit signless integer",
    check: |c, t| c.is_index(t) || is_int_of(c, t, 32) || is_int_of(c, t, 64),
};

const I32: TypeConstraint =
    TypeConstraint { description: "32-bit signless integer", check: |c, t| is_int_of(c, t, 32) };

/// `AnyIntegerOrFloatOr1DVector`: a signless integer or a float, or a 1-D vector of them.
const SHUFFLE_VALUE: TypeConstraint = TypeConstraint {
    description: "Integer or Float or fixed-length vector of Integer or Float values of ranks 1",
    check: |c, t| {
        let scalar = |t: Type| c.is_signless_integer(t) || c.is_float(t);
        match c.type_kind(t) {
            TypeKind::Vector { shape, scalable, element } => {
                shape.len() == 1 && !scalable.iter().any(|s| *s) && scalar(*element)
            }
            _ => scalar(t),
        }
    },
};

const DIMENSION: AttrConstraint = AttrConstraint {
    description: "a dimension, either 'x', 'y', or 'z'",
    check: |c, a| enum_case(c, a, "dim", &DIMS).is_some(),
    syntax: AttrSyntax::Full,
};

const SHUFFLE_MODE: AttrConstraint = AttrConstraint {
    description: "Indexing modes supported by gpu.shuffle.",
    check: |c, a| enum_case(c, a, "shuffle_mode", &SHUFFLE_MODES).is_some(),
    syntax: AttrSyntax::Full,
};

const INDEX_ATTR: AttrConstraint = AttrConstraint {
    description: "index attribute",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::Integer { ty, .. } if c.is_index(*ty)),
    syntax: AttrSyntax::Full,
};

const SYMBOL_REF: AttrConstraint = AttrConstraint {
    description: "symbol reference attribute",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::SymbolRef { .. }),
    syntax: AttrSyntax::Full,
};

const DIM_SIZE_HINT: AttrConstraint = AttrConstraint {
    description: "i32 dense array attribute with 3 elements (if present)",
    check: |c, a| {
        matches!(c.attr_kind(a), AttrKind::DenseArray { element, values: DenseArrayValues::Int(v) }
            if is_int_of(c, *element, 32) && v.len() == 3)
    },
    syntax: AttrSyntax::Full,
};

const TARGETS: AttrConstraint = AttrConstraint {
    description: "array of GPU target attributes with at least 1 elements",
    check: |c, a| matches!(c.attr_kind(a), AttrKind::Array(items) if !items.is_empty()),
    syntax: AttrSyntax::Full,
};

// ---------------------------------------------------------------------- the dialect
impl Dialect for Gpu {
    fn name(&self) -> &'static str {
        "gpu"
    }
    fn description(&self) -> &'static str {
        "target-neutral GPU kernels, their launches, and the ids, memory and synchronization they use"
    }
    fn operations(&self) -> Vec<OpDef> {
        let mut ops = vec![
            OpDef::new("gpu.module")
                .summary("a compilation unit of code to run on a GPU")
                .traits(&[
                    Trait::IsolatedFromAbove,
                    Trait::SymbolTable,
                    Trait::Symbol,
                    Trait::NoTerminator,
                    Trait::SingleBlock,
                    Trait::GraphRegions,
                ])
                .attr("sym_name", ac::SYMBOL_NAME)
                .optional_attr("targets", TARGETS)
                .optional_attr("offloadingHandler", ac::ANY)
                .region("bodyRegion", true)
                // Ops without a default dialect reset it, as in MLIR: nothing in the body
                // loses its prefix.
                .custom_syntax(parse_module, print_module)
                .verifier(verify_module),
            OpDef::new("gpu.func")
                .summary("a function executable on a GPU: a kernel (launched from the host) or a device function")
                .traits(&[Trait::IsolatedFromAbove, Trait::Symbol])
                .parent("gpu.module")
                .attr("function_type", ac::FUNCTION_TYPE)
                .optional_attr("arg_attrs", ac::DICT_ARRAY)
                .optional_attr("res_attrs", ac::DICT_ARRAY)
                .optional_attr("workgroup_attrib_attrs", ac::DICT_ARRAY)
                .optional_attr("private_attrib_attrs", ac::DICT_ARRAY)
                .optional_attr("known_block_size", DIM_SIZE_HINT)
                .optional_attr("known_grid_size", DIM_SIZE_HINT)
                .optional_attr("known_cluster_size", DIM_SIZE_HINT)
                .region("body", false)
                .custom_syntax(parse_func, print_func)
                .verifier(verify_func),
            OpDef::new("gpu.return")
                .summary("returns from a gpu.func")
                .traits(&[Trait::Pure, Trait::Terminator, Trait::ReturnLike])
                .parent("gpu.func")
                .variadic_operand("operands", tc::ANY)
                .format("attr-dict ($operands^ `:` type($operands))?")
                .verifier(verify_return),
            OpDef::new("gpu.launch_func")
                .summary("launches a gpu.func kernel on a grid of thread blocks")
                .traits(&[Trait::AttrSizedOperandSegments])
                .variadic_operand("asyncDependencies", ASYNC_TOKEN)
                .operand("gridSizeX", LAUNCH_INDEX)
                .operand("gridSizeY", LAUNCH_INDEX)
                .operand("gridSizeZ", LAUNCH_INDEX)
                .operand("blockSizeX", LAUNCH_INDEX)
                .operand("blockSizeY", LAUNCH_INDEX)
                .operand("blockSizeZ", LAUNCH_INDEX)
                .optional_operand("clusterSizeX", LAUNCH_INDEX)
                .optional_operand("clusterSizeY", LAUNCH_INDEX)
                .optional_operand("clusterSizeZ", LAUNCH_INDEX)
                .optional_operand("dynamicSharedMemorySize", I32)
                .variadic_operand("kernelOperands", tc::ANY)
                .optional_operand("asyncObject", tc::ANY)
                .variadic_result("asyncToken", ASYNC_TOKEN)
                .attr("kernel", SYMBOL_REF)
                .all_types_match(&["gridSizeX", "gridSizeY", "gridSizeZ", "blockSizeX", "blockSizeY", "blockSizeZ"])
                .custom_syntax(parse_launch_func, print_launch_func)
                .verifier(verify_launch_func),
            OpDef::new("gpu.launch")
                .summary("launches the body region as a kernel on a grid of thread blocks")
                .traits(&[Trait::AttrSizedOperandSegments])
                .variadic_operand("asyncDependencies", ASYNC_TOKEN)
                .operand("gridSizeX", tc::INDEX)
                .operand("gridSizeY", tc::INDEX)
                .operand("gridSizeZ", tc::INDEX)
                .operand("blockSizeX", tc::INDEX)
                .operand("blockSizeY", tc::INDEX)
                .operand("blockSizeZ", tc::INDEX)
                .optional_operand("clusterSizeX", tc::INDEX)
                .optional_operand("clusterSizeY", tc::INDEX)
                .optional_operand("clusterSizeZ", tc::INDEX)
                .optional_operand("dynamicSharedMemorySize", I32)
                .variadic_result("asyncToken", ASYNC_TOKEN)
                .optional_attr("module", ac::FLAT_SYMBOL_REF)
                .optional_attr("function", ac::FLAT_SYMBOL_REF)
                .region("body", false)
                .custom_syntax(parse_launch, print_launch)
                .verifier(verify_launch),
            OpDef::new("gpu.terminator")
                .summary("ends a gpu.launch body")
                .traits(&[Trait::Pure, Trait::Terminator])
                .parent("gpu.launch")
                .format("attr-dict"),
            OpDef::new("gpu.lane_id")
                .summary("the lane id within the subgroup")
                .traits(&[Trait::Pure])
                .optional_attr("upper_bound", INDEX_ATTR)
                .result("result", tc::INDEX)
                .custom_syntax(parse_lane_id, print_lane_id),
            OpDef::new("gpu.barrier")
                .summary("synchronizes the work items of a workgroup")
                .format("attr-dict")
                .canonicalization(EraseRedundantBarrier),
            OpDef::new("gpu.shuffle")
                .summary("moves values between the lanes of a subgroup")
                .traits(&[Trait::Pure])
                .operand("value", SHUFFLE_VALUE)
                .operand("offset", I32)
                .operand("width", I32)
                .attr("mode", SHUFFLE_MODE)
                .result("shuffleResult", SHUFFLE_VALUE)
                .result("valid", tc::I1)
                .all_types_match(&["value", "shuffleResult"])
                // Upstream names the results `%shuffleResult, %valid`; one name for both
                // (`%shuffleResult:2`, `%shuffleResult#1`) is what a single name can do, and it
                // keeps the numbering of other values the same as upstream's.
                .result_name(|_, _, _| Some("shuffleResult".to_string()))
                .custom_syntax(parse_shuffle, print_shuffle),
        ];
        for name in ID_OPS {
            ops.push(
                OpDef::new(name)
                    .summary(id_summary(name))
                    .traits(&[Trait::Pure])
                    .attr("dimension", DIMENSION)
                    .optional_attr("upper_bound", INDEX_ATTR)
                    .result("result", tc::INDEX)
                    .result_name(id_result_name)
                    .custom_syntax(parse_id, print_id),
            );
        }
        ops
    }
}

fn id_summary(name: &str) -> &'static str {
    match name {
        "gpu.thread_id" => "the thread's index within its block along a dimension",
        "gpu.block_id" => "the block's index within the grid along a dimension",
        "gpu.block_dim" => "the number of threads in a block along a dimension",
        "gpu.grid_dim" => "the number of blocks in the grid along a dimension",
        "gpu.global_id" => "the thread's index within the whole grid along a dimension",
        "gpu.cluster_id" => "the cluster's index within the grid along a dimension",
        "gpu.cluster_dim" => "the number of clusters in the grid along a dimension",
        "gpu.cluster_block_id" => "the block's index within its cluster along a dimension",
        _ => "the number of blocks in a cluster along a dimension",
    }
}

/// `%thread_id_x`, as upstream names the results of the id ops.
fn id_result_name(ctx: &Context, ir: &Ir, op: OpId) -> Option<String> {
    let d = dimension(ctx, ir, op)?;
    let name = ctx.ident_str(ir.op(op).name()).strip_prefix("gpu.")?;
    Some(format!("{name}_{}", DIMS[d]))
}

// ---------------------------------------------------------------------- small helpers
fn named(ctx: &Context, name: &str, value: Attribute) -> NamedAttr {
    NamedAttr { name: ctx.ident(name), value }
}

fn async_token_type(ctx: &Context) -> Type {
    ctx.intern_type(TypeKind::Opaque { dialect: "gpu".into(), body: "gpu.async.token".into() })
}

fn op_name<'c>(ctx: &'c Context, ir: &Ir, op: OpId) -> &'c str {
    ctx.ident_str(ir.op(op).name())
}

fn str_attr<'c>(ctx: &'c Context, ir: &Ir, op: OpId, name: &str) -> Option<&'c str> {
    ir.op(op).attr(ctx.ident(name)).and_then(|a| ctx.attr_as_str(a))
}

/// The number of workgroup attributions (`workgroup_attributions`, 0 when absent).
fn workgroup_count(ctx: &Context, ir: &Ir, op: OpId) -> Result<usize, String> {
    match ir.op(op).attr(ctx.ident("workgroup_attributions")) {
        None => Ok(0),
        Some(a) => ctx
            .attr_as_int(a)
            .and_then(|n| u32::try_from(n).ok())
            .map(|n| n as usize)
            .ok_or_else(|| "'workgroup_attributions' must be a non-negative 32-bit integer".to_string()),
    }
}

/// The operand groups of `op` (a `gpu.launch_func` of 13 or a `gpu.launch` of 11), read from
/// its `operandSegmentSizes` and checked: a size per group, adding up to the operands, one
/// for each single operand, at most one for each optional one.
fn checked_groups(ctx: &Context, ir: &Ir, op: OpId) -> Result<Vec<Range<usize>>, String> {
    let def = ctx.op_def(ir.op(op).name()).ok_or("unregistered op")?;
    let name = def.name;
    let operands = ir.op(op).operands().len();
    let sizes = match ir.op(op).attr(ctx.ident("operandSegmentSizes")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::DenseArray { values: DenseArrayValues::Int(v), .. }) => v.clone(),
        _ => return Err(format!("{name} needs an operandSegmentSizes property")),
    };
    if sizes.len() != def.operands.len() || sizes.iter().any(|s| *s < 0) {
        return Err(format!(
            "'operandSegmentSizes' must be {} non-negative sizes, one per operand group, not {sizes:?}",
            def.operands.len()
        ));
    }
    let total = sizes.iter().try_fold(0usize, |sum, n| sum.checked_add(usize::try_from(*n).ok()?));
    if total != Some(operands) {
        return Err("operand count does not match the 'operandSegmentSizes' property".into());
    }
    let mut start = 0;
    let mut out = Vec::new();
    for (spec, n) in def.operands.iter().zip(&sizes) {
        let n = *n as usize;
        match spec.arity {
            strata_ir::dialect::Arity::One if n != 1 => {
                return Err(format!("operand group '{}' requires 1 operand, but found {n}", spec.name))
            }
            strata_ir::dialect::Arity::Optional if n > 1 => {
                return Err(format!("operand group '{}' requires 0 or 1 operands, but found {n}", spec.name))
            }
            _ => {}
        }
        out.push(start..start + n);
        start += n;
    }
    Ok(out)
}

/// The groups of `op` as its definition reads them, without checks (for printing, which must
/// not fail on an op the verifier has not seen).
fn loose_groups<'a>(ctx: &Context, ir: &'a Ir, op: OpId) -> Vec<&'a [Value]> {
    let operands = ir.op(op).operands();
    match ctx.op_def(ir.op(op).name()) {
        Some(def) => def.operand_group_ranges(ctx, ir, op).into_iter().map(|r| &operands[r]).collect(),
        None => Vec::new(),
    }
}

/// The arguments of region `r`'s entry block (none without blocks).
fn entry_args(ir: &Ir, r: strata_ir::RegionId) -> Vec<Value> {
    ir.region(r).entry().map(|b| ir.block(b).args().to_vec()).unwrap_or_default()
}

fn group<'a>(groups: &[&'a [Value]], i: usize) -> &'a [Value] {
    groups.get(i).copied().unwrap_or(&[])
}

fn three(values: &[&[Value]]) -> Option<[Value; 3]> {
    Some([*values[0].first()?, *values[1].first()?, *values[2].first()?])
}

// ---------------------------------------------------------------------- public helpers
/// What a `gpu.launch_func` passes to its kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchOperands {
    /// The tokens it waits for (empty unless written `gpu.launch_func [%t] ...`).
    pub async_dependencies: Vec<Value>,
    /// Blocks along x, y, z.
    pub grid: [Value; 3],
    /// Threads per block along x, y, z.
    pub block: [Value; 3],
    /// Blocks per cluster along x, y, z, when launched with clusters.
    pub cluster: Option<[Value; 3]>,
    /// Bytes of dynamic shared memory per block (`i32`); `None` is zero.
    pub dynamic_shared_memory: Option<Value>,
    /// The kernel's arguments.
    pub kernel_operands: Vec<Value>,
    /// The stream or queue of `gpu.launch_func <%obj : type> ...`, if any.
    pub async_object: Option<Value>,
    /// The `gpu.module` holding the kernel (the root of `@module::@function`).
    pub module: String,
    /// The kernel `gpu.func` (the leaf of `@module::@function`).
    pub function: String,
}

/// The operands of the `gpu.launch_func` `op`, from its `operandSegmentSizes` (an error, not a
/// panic, when they are malformed or the kernel is not `@module::@function`).
pub fn launch_func_operands(ctx: &Context, ir: &Ir, op: OpId) -> Result<LaunchOperands, String> {
    if op_name(ctx, ir, op) != "gpu.launch_func" {
        return Err(format!("expected a gpu.launch_func, not {}", op_name(ctx, ir, op)));
    }
    let ranges = checked_groups(ctx, ir, op)?;
    let operands = ir.op(op).operands();
    let g: Vec<&[Value]> = ranges.into_iter().map(|r| &operands[r]).collect();
    let (module, function) = match ir.op(op).attr(ctx.ident("kernel")).map(|a| ctx.attr_kind(a)) {
        Some(AttrKind::SymbolRef { root, nested }) if nested.len() == 1 => (root.clone(), nested[0].clone()),
        _ => return Err("gpu.launch_func's kernel must be a symbol reference @module::@function".into()),
    };
    let cluster = three(&g[7..10]);
    if cluster.is_none() && g[7..10].iter().any(|s| !s.is_empty()) {
        return Err("cluster size must be all present".into());
    }
    Ok(LaunchOperands {
        async_dependencies: g[0].to_vec(),
        grid: three(&g[1..4]).expect("checked groups"),
        block: three(&g[4..7]).expect("checked groups"),
        cluster,
        dynamic_shared_memory: g[10].first().copied(),
        kernel_operands: g[11].to_vec(),
        async_object: g[12].first().copied(),
        module,
        function,
    })
}

/// Inserts, with `b`, `gpu.launch_func @module::@function blocks in (grid) threads in (block)
/// [dynamic_shared_memory_size %smem] args(kernel_operands)`, synchronous and without
/// clusters, and returns it. The sizes must all be `index` (or all `i32`, or all `i64`), the
/// shared memory size `i32`.
///
/// In generic form this is the op with the operands `grid ++ block ++ [smem] ++ operands`,
/// the property `kernel = @module::@function` and
/// `operandSegmentSizes = array<i32: 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, S, N, 0>` (S is 1 with a
/// shared memory size, N the number of kernel operands).
pub fn build_launch_func(
    b: &mut Builder,
    module: &str,
    function: &str,
    grid: [Value; 3],
    block: [Value; 3],
    dynamic_shared_memory: Option<Value>,
    kernel_operands: &[Value],
) -> OpId {
    let ctx = b.ctx;
    let mut operands: Vec<Value> = grid.iter().chain(&block).copied().collect();
    operands.extend(dynamic_shared_memory);
    operands.extend_from_slice(kernel_operands);
    let sizes = [0, 1, 1, 1, 1, 1, 1, 0, 0, 0, dynamic_shared_memory.is_some() as usize, kernel_operands.len(), 0];
    let kernel = ctx.intern_attr(AttrKind::SymbolRef { root: module.into(), nested: vec![function.into()] });
    let state = OpState::new(ctx, "gpu.launch_func", b.loc).operands(&operands).attr(ctx, "kernel", kernel).attr(
        ctx,
        "operandSegmentSizes",
        ctx.operand_segments(&sizes),
    );
    b.insert(state)
}

/// Inserts, with `b`, the id op `name` (`gpu.thread_id`, `gpu.block_id`, `gpu.block_dim`,
/// `gpu.grid_dim`, `gpu.global_id` ...) along dimension `dim` (0, 1, 2) and returns its
/// `index` result (panics past dimension 2).
pub fn build_id(b: &mut Builder, name: &str, dim: usize) -> Value {
    let ctx = b.ctx;
    let index = ctx.index_type();
    b.value(name, &[], index, &[("dimension", dimension_attr(ctx, dim))])
}

/// Whether `op` (a `gpu.func`) is a kernel: it has the unit attribute `gpu.kernel`.
pub fn is_kernel(ctx: &Context, ir: &Ir, op: OpId) -> bool {
    ir.op(op).attr(ctx.ident("gpu.kernel")).is_some()
}

/// The memory a `gpu.func` or `gpu.launch` body declares: workgroup (shared) buffers, then
/// private ones, as entry-block arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attributions {
    pub workgroup: Vec<Value>,
    pub private: Vec<Value>,
}

/// The workgroup and private attributions of a `gpu.func` (entry arguments after its
/// inputs) or a `gpu.launch` (after its 12, or 18 with clusters, configuration arguments).
pub fn attributions(ctx: &Context, ir: &Ir, op: OpId) -> Result<Attributions, String> {
    let skip = match op_name(ctx, ir, op) {
        "gpu.func" => function_type(ctx, ir, op).ok_or("gpu.func needs a function_type")?.0.len(),
        "gpu.launch" => {
            let g = checked_groups(ctx, ir, op)?;
            LAUNCH_CONFIG_ARGS + if g[7].is_empty() { 0 } else { 6 }
        }
        other => return Err(format!("expected a gpu.func or gpu.launch, not {other}")),
    };
    let workgroup = workgroup_count(ctx, ir, op)?;
    let body = ir.op(op).regions().first().ok_or("expected a body")?;
    let entry = ir.region(*body).entry().ok_or("expected a body")?;
    let args = ir.block(entry).args();
    if args.len() < skip + workgroup {
        return Err(format!("expected at least {} arguments to body region", skip + workgroup));
    }
    Ok(Attributions { workgroup: args[skip..skip + workgroup].to_vec(), private: args[skip + workgroup..].to_vec() })
}

// ---------------------------------------------------------------------- gpu.module
fn parse_module(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let name = p.parse_symbol_name()?;
    let mut attrs = vec![named(ctx, "sym_name", ctx.string_attr(&name))];
    if p.parse_optional_punct("<")? {
        let handler = p.parse_attribute()?;
        p.expect_punct(">")?;
        attrs.push(named(ctx, "offloadingHandler", handler));
    }
    if !p.peek_region()? && p.peek_keyword()? != Some("attributes") {
        let at = p.offset()?;
        let targets = p.parse_attribute()?;
        if !matches!(ctx.attr_kind(targets), AttrKind::Array(_)) {
            return Err(ParseError::new(at, "expected an array of targets".into()));
        }
        attrs.push(named(ctx, "targets", targets));
    }
    if p.parse_optional_keyword("attributes")? {
        p.parse_optional_attr_dict(&mut attrs)?;
    }
    let mut region = p.parse_region(None, true)?;
    if region.is_empty() {
        // The body is one block, even when empty.
        region.push(p.ir.create_block(&[]));
    }
    let pending = p.pending();
    pending.attrs = attrs;
    pending.regions = vec![region];
    Ok(())
}

fn print_module(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    p.write(" ")?;
    p.print_attr(ctx.symbol_ref_attr(str_attr(ctx, ir, op, "sym_name").unwrap_or("")))?;
    if let Some(h) = ir.op(op).attr(ctx.ident("offloadingHandler")) {
        p.write("<")?;
        p.print_attr(h)?;
        p.write(">")?;
    }
    if let Some(t) = ir.op(op).attr(ctx.ident("targets")) {
        p.write(" ")?;
        p.print_attr(t)?;
    }
    p.print_attr_dict(op, &["sym_name", "offloadingHandler", "targets"], true)?;
    p.write(" ")?;
    match ir.op(op).regions().first() {
        Some(r) => p.print_region(*r, true),
        None => p.write("{\n}"),
    }
}

fn verify_module(v: &OpView) -> Result<(), Diagnostic> {
    let blocks = v.ir.region(v.ir.op(v.op).regions()[0]).blocks().len();
    if blocks != 1 {
        return Err(v.error(format!(
            "region #0 ('bodyRegion') failed to verify constraint: region with 1 blocks, not {blocks}"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------- gpu.func
/// `keyword(%a : type {attrs}, ...)` if `keyword` is next; the arguments are appended to
/// `args` and their attribute dictionaries returned.
fn parse_attributions<'s>(
    p: &mut OpParser<'_, 's>,
    keyword: &str,
    args: &mut Vec<ArgumentDef<'s>>,
    with_attrs: bool,
) -> Result<Vec<Vec<NamedAttr>>, ParseError> {
    let mut dicts = Vec::new();
    if !p.parse_optional_keyword(keyword)? {
        return Ok(dicts);
    }
    p.expect_punct("(")?;
    if p.parse_optional_punct(")")? {
        return Ok(dicts);
    }
    loop {
        let a = p.parse_argument(with_attrs)?;
        let a = with_loc(p, a);
        dicts.push(a.attrs.clone());
        args.push(a);
        if p.parse_optional_punct(")")? {
            return Ok(dicts);
        }
        p.expect_punct(",")?;
    }
}

fn parse_func(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let rules = ArgumentRules { unnamed_error: Some("gpu.func requires named arguments"), default_locations: true };
    let sig = function_like::parse_signature(p, rules)?;
    let mut attrs = vec![sig.sym_name, sig.function_type_attr(ctx)];
    sig.push_arg_res_attrs(ctx, &mut attrs);
    let mut args = sig.args;
    let workgroup = parse_attributions(p, "workgroup", &mut args, true)?;
    attrs.push(named(ctx, "workgroup_attributions", ctx.i64_attr(workgroup.len() as i64)));
    if workgroup.iter().any(|a| !a.is_empty()) {
        attrs.push(named(ctx, "workgroup_attrib_attrs", dict_array(ctx, &workgroup)));
    }
    let private = parse_attributions(p, "private", &mut args, true)?;
    if private.iter().any(|a| !a.is_empty()) {
        attrs.push(named(ctx, "private_attrib_attrs", dict_array(ctx, &private)));
    }
    if p.parse_optional_keyword("kernel")? {
        attrs.push(named(ctx, "gpu.kernel", ctx.unit_attr()));
    }
    if p.parse_optional_keyword("attributes")? {
        p.parse_optional_attr_dict(&mut attrs)?;
    }
    let region = p.parse_region(Some(&args), true)?;
    let pending = p.pending();
    pending.attrs = attrs;
    pending.regions = vec![region];
    Ok(())
}

/// ` keyword(%a : type {attrs}, ...)`, nothing when `values` is empty.
fn print_attributions(
    p: &mut OpPrinter<'_, '_>,
    keyword: &str,
    values: &[Value],
    attrs: &[Vec<NamedAttr>],
) -> fmt::Result {
    if values.is_empty() {
        return Ok(());
    }
    p.write(" ")?;
    p.write(keyword)?;
    p.write("(")?;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            p.write(", ")?;
        }
        p.print_value(*v)?;
        p.write(" : ")?;
        p.print_type(p.ir.value_type(*v))?;
        if let Some(a) = attrs.get(i).filter(|a| !a.is_empty()) {
            p.write(" ")?;
            p.print_attr_list(a)?;
        }
    }
    p.write(")")
}

fn print_func(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let body = ir.op(op).regions().first().copied();
    let entry_args = body.map(|r| entry_args(ir, r)).unwrap_or_default();
    let inputs = function_like::print_signature(p, op, &entry_args)?;
    let rest = entry_args.get(inputs..).unwrap_or(&[]);
    let workgroup = workgroup_count(ctx, ir, op).unwrap_or(0).min(rest.len());
    let (wg, private) = rest.split_at(workgroup);
    print_attributions(p, "workgroup", wg, &dict_list(ctx, ir, op, "workgroup_attrib_attrs", wg.len()))?;
    print_attributions(p, "private", private, &dict_list(ctx, ir, op, "private_attrib_attrs", private.len()))?;
    if is_kernel(ctx, ir, op) {
        p.write(" kernel")?;
    }
    p.print_attr_dict(
        op,
        &[
            "sym_name",
            "function_type",
            "arg_attrs",
            "res_attrs",
            "workgroup_attributions",
            "gpu.kernel",
            "workgroup_attrib_attrs",
            "private_attrib_attrs",
        ],
        true,
    )?;
    match body {
        Some(r) => {
            p.write(" ")?;
            p.print_region(r, false)
        }
        None => Ok(()),
    }
}

/// Each attribution is a memref; one in a `#gpu.address_space` must be in `space`'s.
fn verify_attribution_spaces(v: &OpView, values: &[Value], space: &str) -> Result<(), Diagnostic> {
    for a in values {
        let t = v.ir.value_type(*a);
        if !matches!(v.ctx.type_kind(t), TypeKind::MemRef { .. }) {
            return Err(v.error("expected memref type in attribution"));
        }
        if address_space(v.ctx, t).is_some_and(|s| s != space) {
            return Err(v.error(format!("expected memory space {space} in attribution")));
        }
    }
    Ok(())
}

fn verify_func(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir, op) = (v.ctx, v.ir, v.op);
    if str_attr(ctx, ir, op, "sym_name").is_none() {
        return Err(v.error("requires string attribute 'sym_name'"));
    }
    let Some((inputs, results)) = function_type(ctx, ir, op) else {
        return Err(v.error("requires a 'function_type' of function type"));
    };
    for (what, n) in [("arg_attrs", inputs.len()), ("res_attrs", results.len())] {
        if let Some(AttrKind::Array(items)) = v.attr(what).map(|a| ctx.attr_kind(a)) {
            if items.len() != n {
                let kind = if what == "arg_attrs" { "argument" } else { "result" };
                return Err(
                    v.error(format!("expects {what} to have {n} elements, one per {kind}, not {}", items.len()))
                );
            }
        }
    }
    if is_kernel(ctx, ir, op) && !results.is_empty() {
        return Err(v.error("expected void return type for kernel function"));
    }
    let Some(entry) = ir.region(ir.op(op).regions()[0]).entry() else {
        return Err(v.error("expected body with at least one block"));
    };
    let workgroup = workgroup_count(ctx, ir, op).map_err(|m| v.error(m))?;
    let args = ir.block(entry).args();
    if args.len() < inputs.len() + workgroup {
        return Err(v.error(format!("expected at least {} arguments to body region", inputs.len() + workgroup)));
    }
    for (i, (a, t)) in args.iter().zip(&inputs).enumerate() {
        let got = ir.value_type(*a);
        if got != *t {
            return Err(v.error(format!(
                "expected body region argument #{i} to be of type '{}', got '{}'",
                ctx.type_to_string(*t),
                ctx.type_to_string(got)
            )));
        }
    }
    let rest = &args[inputs.len()..];
    verify_attribution_spaces(v, &rest[..workgroup], "workgroup")?;
    verify_attribution_spaces(v, &rest[workgroup..], "private")
}

fn verify_return(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir) = (v.ctx, v.ir);
    let Some(func) = ir.parent_op(v.op) else { return Ok(()) };
    let Some((_, results)) = function_type(ctx, ir, func) else { return Ok(()) };
    let operands = v.operands();
    if operands.len() != results.len() {
        return Err(v
            .error(format!("expected {} result operands", results.len()))
            .with_note(ir.op(func).loc(), "return type declared here"));
    }
    for (i, (o, r)) in operands.iter().zip(&results).enumerate() {
        let t = ir.value_type(*o);
        if t != *r {
            // Upstream's diagnostics quote types, inside its own quotes here.
            return Err(v.error(format!("unexpected type `'{}'' for operand #{i}", ctx.type_to_string(t))));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------- async dependencies
/// `async`? (`[` %t, ... `]`)?: whether the op yields a token, and the tokens it waits for.
fn parse_async<'s>(p: &mut OpParser<'_, 's>) -> Result<(bool, Vec<Value>), ParseError> {
    let token = async_token_type(p.ctx());
    let is_async = p.parse_optional_keyword("async")?;
    let mut deps = Vec::new();
    if p.parse_optional_punct("[")? {
        let list = p.parse_operand_list()?;
        p.expect_punct("]")?;
        for u in &list {
            deps.push(p.resolve_operand(u, token)?);
        }
    }
    Ok((is_async, deps))
}

fn print_value_group(p: &mut OpPrinter<'_, '_>, values: &[Value]) -> fmt::Result {
    p.write("[")?;
    p.print_value_list(values)?;
    p.write("]")
}

// ---------------------------------------------------------------------- gpu.launch_func
fn parse_launch_func(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let (is_async, deps) = parse_async(p)?;
    let mut async_object = None;
    if p.parse_optional_punct("<")? {
        let u = p.parse_operand()?;
        p.expect_punct(":")?;
        let t = p.parse_type()?;
        p.expect_punct(">")?;
        async_object = Some(p.resolve_operand(&u, t)?);
    }
    let at = p.offset()?;
    let kernel = p.parse_attribute()?;
    if !matches!(ctx.attr_kind(kernel), AttrKind::SymbolRef { .. }) {
        return Err(ParseError::new(at, "expected a symbol reference to the kernel (@module::@function)".into()));
    }
    let mut unresolved = Vec::new();
    let mut cluster = Vec::new();
    if p.parse_optional_keyword("clusters")? {
        parse_three_in(p, &mut cluster)?;
    }
    p.expect_keyword("blocks")?;
    parse_three_in(p, &mut unresolved)?;
    p.expect_keyword("threads")?;
    parse_three_in(p, &mut unresolved)?;
    let dim_type = if p.parse_optional_punct(":")? { p.parse_type()? } else { ctx.index_type() };
    let mut operands = deps.clone();
    for u in unresolved.iter().chain(&cluster) {
        operands.push(p.resolve_operand(u, dim_type)?);
    }
    let mut smem = 0;
    if p.parse_optional_keyword("dynamic_shared_memory_size")? {
        let u = p.parse_operand()?;
        operands.push(p.resolve_operand(&u, ctx.integer_type(32))?);
        smem = 1;
    }
    let mut args = 0;
    if p.parse_optional_keyword("args")? {
        p.expect_punct("(")?;
        if !p.parse_optional_punct(")")? {
            loop {
                let u = p.parse_operand()?;
                p.expect_punct(":")?;
                let t = p.parse_type()?;
                operands.push(p.resolve_operand(&u, t)?);
                args += 1;
                if p.parse_optional_punct(")")? {
                    break;
                }
                p.expect_punct(",")?;
            }
        }
    }
    operands.extend(async_object);
    let mut attrs = vec![named(ctx, "kernel", kernel)];
    p.parse_optional_attr_dict(&mut attrs)?;
    let c = cluster.len().min(1);
    let sizes = [deps.len(), 1, 1, 1, 1, 1, 1, c, c, c, smem, args, async_object.is_some() as usize];
    attrs.push(named(ctx, "operandSegmentSizes", ctx.operand_segments(&sizes)));
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    if is_async {
        pending.result_types = vec![async_token_type(ctx)];
    }
    Ok(())
}

/// `in (%x, %y, %z)`.
fn parse_three_in<'s>(p: &mut OpParser<'_, 's>, out: &mut Vec<UnresolvedOperand<'s>>) -> Result<(), ParseError> {
    p.expect_keyword("in")?;
    p.expect_punct("(")?;
    for i in 0..3 {
        if i > 0 {
            p.expect_punct(",")?;
        }
        out.push(p.parse_operand()?);
    }
    p.expect_punct(")")
}

/// ` (%a, %b, %c)` as `launch_func` writes its sizes: `keyword in (%x, %y, %z)`.
fn print_sizes(p: &mut OpPrinter<'_, '_>, keyword: &str, values: &[&[Value]]) -> fmt::Result {
    p.write(" ")?;
    p.write(keyword)?;
    p.write(" in (")?;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            p.write(", ")?;
        }
        if let Some(v) = v.first() {
            p.print_value(*v)?;
        }
    }
    p.write(")")
}

fn print_launch_func(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let g = loose_groups(ctx, ir, op);
    // mlir-opt-22's spacing, double spaces included: a space before each custom directive.
    p.write(" ")?;
    let has_token = !ir.op(op).results().is_empty();
    if has_token {
        p.write("async")?;
    }
    let deps = group(&g, 0);
    if !deps.is_empty() {
        if has_token {
            p.write(" ")?;
        }
        print_value_group(p, deps)?;
    }
    if let Some(obj) = group(&g, 12).first() {
        p.write("<")?;
        p.print_value(*obj)?;
        p.write(" : ")?;
        p.print_type(ir.value_type(*obj))?;
        p.write(">")?;
    }
    p.write(" ")?;
    if let Some(k) = ir.op(op).attr(ctx.ident("kernel")) {
        p.print_attr(k)?;
    }
    if !group(&g, 7).is_empty() {
        print_sizes(p, "clusters", &[group(&g, 7), group(&g, 8), group(&g, 9)])?;
    }
    print_sizes(p, "blocks", &[group(&g, 1), group(&g, 2), group(&g, 3)])?;
    print_sizes(p, "threads", &[group(&g, 4), group(&g, 5), group(&g, 6)])?;
    p.write(" ")?;
    if let Some(x) = group(&g, 1).first() {
        let t = ir.value_type(*x);
        if !ctx.is_index(t) {
            p.write(": ")?;
            p.print_type(t)?;
        }
    }
    if let Some(s) = group(&g, 10).first() {
        p.write(" dynamic_shared_memory_size ")?;
        p.print_value(*s)?;
    }
    p.write(" ")?;
    let args = group(&g, 11);
    if !args.is_empty() {
        p.write("args(")?;
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                p.write(", ")?;
            }
            p.print_value(*a)?;
            p.write(" : ")?;
            p.print_type(ir.value_type(*a))?;
        }
        p.write(")")?;
    }
    p.print_attr_dict(op, &["operandSegmentSizes", "kernel"], false)
}

/// The closest `builtin.module` around `op`.
fn enclosing_module(ctx: &Context, ir: &Ir, op: OpId) -> Option<OpId> {
    let mut at = ir.parent_op(op);
    while let Some(o) = at {
        if op_name(ctx, ir, o) == "builtin.module" {
            return Some(o);
        }
        at = ir.parent_op(o);
    }
    None
}

fn verify_token_results(v: &OpView) -> Result<(), Diagnostic> {
    if v.results().len() > 1 {
        return Err(v.error(format!("requires 0 or 1 results (an async token), but found {}", v.results().len())));
    }
    Ok(())
}

/// As upstream: the closest module is a GPU container module; the cluster sizes, when given,
/// share a type; and the kernel (checked in the container module, which upstream does for the
/// launches at a function's top level, here for all) is a `gpu.kernel` function of a
/// `gpu.module` whose arguments are the operands.
fn verify_launch_func(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir, op) = (v.ctx, v.ir, v.op);
    verify_token_results(v)?;
    let groups = checked_groups(ctx, ir, op).map_err(|m| v.error(m))?;
    let g: Vec<&[Value]> = groups.iter().map(|r| &v.operands()[r.clone()]).collect();
    if g[7..10].iter().any(|s| !s.is_empty()) && g[7..10].iter().any(|s| s.is_empty()) {
        return Err(v.error("cluster size must be all present"));
    }
    if let Some(cx) = g[7].first() {
        let t = ir.value_type(*cx);
        if g[8..10].iter().any(|s| ir.value_type(s[0]) != t) {
            return Err(v.error("expects types of the cluster dimensions must be the same"));
        }
    }
    // Every op the parser builds lies in a module; one with none around it is being verified
    // on its own, inside a function lent to a pass on another thread: the launch is checked
    // whenever the module around it is verified.
    let Some(module) = enclosing_module(ctx, ir, op) else { return Ok(()) };
    if !matches!(ir.op(module).attr(ctx.ident("gpu.container_module")).map(|a| ctx.attr_kind(a)), Some(AttrKind::Unit))
    {
        return Err(v.error("expected the closest surrounding module to have the 'gpu.container_module' attribute"));
    }
    let kernel = v.attr("kernel").expect("checked by the declared constraint");
    let shown = ctx.attr_to_string(kernel);
    let AttrKind::SymbolRef { root, nested } = ctx.attr_kind(kernel) else { unreachable!("a symbol reference") };
    let Some(container) = lookup_symbol(ctx, ir, module, root) else {
        return Err(v.error(format!("kernel container '{root}' is undefined")));
    };
    match op_name(ctx, ir, container) {
        "gpu.binary" => return Ok(()),
        "gpu.module" => {}
        _ => return Err(v.error(format!("kernel module '{root}' is undefined"))),
    }
    let mut func = Some(container);
    for name in nested {
        func = func.and_then(|t| lookup_symbol(ctx, ir, t, name));
    }
    let Some(func) = func else {
        return Err(v.error(format!("kernel function '{shown}' is undefined")));
    };
    if !matches!(op_name(ctx, ir, func), "gpu.func" | "func.func" | "llvm.func") {
        return Err(v
            .error(format!("referenced kernel '{shown}' is not a function"))
            .with_note(ir.op(func).loc(), "see the kernel definition here"));
    }
    if !matches!(ir.op(func).attr(ctx.ident("gpu.kernel")).map(|a| ctx.attr_kind(a)), Some(AttrKind::Unit)) {
        return Err(v.error("kernel function is missing the 'gpu.kernel' attribute"));
    }
    if op_name(ctx, ir, func) != "gpu.func" {
        return Ok(());
    }
    let (inputs, _) = function_type(ctx, ir, func).unwrap_or_default();
    let args = g[11];
    if args.len() != inputs.len() {
        return Err(v.error(format!("got {} kernel operands but expected {}", args.len(), inputs.len())));
    }
    for (i, (a, t)) in args.iter().zip(&inputs).enumerate() {
        if ir.value_type(*a) != *t {
            return Err(v.error(format!("type of function argument {i} does not match")));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------- gpu.launch
/// `(%id, %id, %id) in (%size = %operand, ...)`: appends the three ids to `ids`, the three
/// sizes to `sizes` and the operands to `operands`.
fn parse_size_assignment<'s>(
    p: &mut OpParser<'_, 's>,
    ids: &mut Vec<UnresolvedOperand<'s>>,
    sizes: &mut Vec<UnresolvedOperand<'s>>,
    operands: &mut Vec<UnresolvedOperand<'s>>,
) -> Result<(), ParseError> {
    p.expect_punct("(")?;
    for i in 0..3 {
        if i > 0 {
            p.expect_punct(",")?;
        }
        ids.push(p.parse_operand()?);
    }
    p.expect_punct(")")?;
    p.expect_keyword("in")?;
    p.expect_punct("(")?;
    for i in 0..3 {
        if i > 0 {
            p.expect_punct(",")?;
        }
        sizes.push(p.parse_operand()?);
        p.expect_punct("=")?;
        operands.push(p.parse_operand()?);
    }
    p.expect_punct(")")
}

fn parse_launch(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let index = ctx.index_type();
    let (is_async, deps) = parse_async(p)?;
    // Body arguments: block ids, thread ids, grid sizes, block sizes, cluster ids, cluster sizes.
    let (mut block_ids, mut thread_ids, mut grid, mut block) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut cluster_ids, mut cluster) = (Vec::new(), Vec::new());
    let mut size_operands = Vec::new();
    let mut cluster_operands = Vec::new();
    if p.parse_optional_keyword("clusters")? {
        parse_size_assignment(p, &mut cluster_ids, &mut cluster, &mut cluster_operands)?;
    }
    p.expect_keyword("blocks")?;
    parse_size_assignment(p, &mut block_ids, &mut grid, &mut size_operands)?;
    p.expect_keyword("threads")?;
    parse_size_assignment(p, &mut thread_ids, &mut block, &mut size_operands)?;
    let mut operands = deps.clone();
    for u in size_operands.iter().chain(&cluster_operands) {
        operands.push(p.resolve_operand(u, index)?);
    }
    let mut smem = 0;
    if p.parse_optional_keyword("dynamic_shared_memory_size")? {
        let u = p.parse_operand()?;
        operands.push(p.resolve_operand(&u, ctx.integer_type(32))?);
        smem = 1;
    }
    let mut attrs = Vec::new();
    for kw in ["module", "function"] {
        if p.parse_optional_keyword(kw)? {
            p.expect_punct("(")?;
            let name = p.parse_symbol_name()?;
            p.expect_punct(")")?;
            attrs.push(named(ctx, kw, ctx.symbol_ref_attr(&name)));
        }
    }
    let mut args: Vec<ArgumentDef<'_>> = Vec::new();
    for u in block_ids.iter().chain(&thread_ids).chain(&grid).chain(&block).chain(&cluster_ids).chain(&cluster) {
        if u.index != 0 {
            return Err(ParseError::new(u.offset, "expected SSA operand name without result number".into()));
        }
        let a = ArgumentDef { name: u.name, offset: u.offset, ty: index, attrs: Vec::new(), loc: None };
        args.push(with_loc(p, a));
    }
    let workgroup = parse_attributions(p, "workgroup", &mut args, false)?;
    attrs.push(named(ctx, "workgroup_attributions", ctx.i64_attr(workgroup.len() as i64)));
    parse_attributions(p, "private", &mut args, false)?;
    let region = p.parse_region(Some(&args), false)?;
    p.parse_optional_attr_dict(&mut attrs)?;
    let c = cluster_ids.len().min(1);
    let sizes = [deps.len(), 1, 1, 1, 1, 1, 1, c, c, c, smem];
    attrs.push(named(ctx, "operandSegmentSizes", ctx.operand_segments(&sizes)));
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.regions = vec![region];
    if is_async {
        pending.result_types = vec![async_token_type(ctx)];
    }
    Ok(())
}

/// `(%ids) in (%size = %operand, ...)`.
fn print_size_assignment(
    p: &mut OpPrinter<'_, '_>,
    ids: &[Value],
    sizes: &[Value],
    operands: &[&[Value]],
) -> fmt::Result {
    p.write("(")?;
    p.print_value_list(ids)?;
    p.write(") in (")?;
    for (i, s) in sizes.iter().enumerate() {
        if i > 0 {
            p.write(", ")?;
        }
        p.print_value(*s)?;
        p.write(" = ")?;
        if let Some(v) = operands.get(i).and_then(|o| o.first()) {
            p.print_value(*v)?;
        }
    }
    p.write(")")
}

fn print_launch(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    let g = loose_groups(ctx, ir, op);
    let deps = group(&g, 0);
    if !ir.op(op).results().is_empty() {
        p.write(" async")?;
        if !deps.is_empty() {
            p.write(" ")?;
            print_value_group(p, deps)?;
        }
    } else if !deps.is_empty() {
        // Upstream drops the dependencies of a launch without a token; keep them.
        p.write(" ")?;
        print_value_group(p, deps)?;
    }
    let body = ir.op(op).regions().first().copied();
    let args = body.map(|r| entry_args(ir, r)).unwrap_or_default();
    let has_cluster = !group(&g, 7).is_empty();
    let config = LAUNCH_CONFIG_ARGS + if has_cluster { 6 } else { 0 };
    if args.len() >= config {
        if has_cluster {
            p.write(" clusters")?;
            print_size_assignment(p, &args[12..15], &args[15..18], &[group(&g, 7), group(&g, 8), group(&g, 9)])?;
        }
        p.write(" blocks")?;
        print_size_assignment(p, &args[0..3], &args[6..9], &[group(&g, 1), group(&g, 2), group(&g, 3)])?;
        p.write(" threads")?;
        print_size_assignment(p, &args[3..6], &args[9..12], &[group(&g, 4), group(&g, 5), group(&g, 6)])?;
    }
    if let Some(s) = group(&g, 10).first() {
        p.write(" dynamic_shared_memory_size ")?;
        p.print_value(*s)?;
    }
    for kw in ["module", "function"] {
        if let Some(a) = ir.op(op).attr(ctx.ident(kw)) {
            p.write(" ")?;
            p.write(kw)?;
            p.write("(")?;
            p.print_attr(a)?;
            p.write(")")?;
        }
    }
    let rest = args.get(config..).unwrap_or(&[]);
    let workgroup = workgroup_count(ctx, ir, op).unwrap_or(0).min(rest.len());
    let (wg, private) = rest.split_at(workgroup);
    print_attributions(p, "workgroup", wg, &[])?;
    print_attributions(p, "private", private, &[])?;
    if let Some(r) = body {
        p.write(" ")?;
        p.print_region(r, false)?;
    }
    p.print_attr_dict(op, &["operandSegmentSizes", "workgroup_attributions", "module", "function"], false)
}

fn verify_launch(v: &OpView) -> Result<(), Diagnostic> {
    let (ctx, ir, op) = (v.ctx, v.ir, v.op);
    verify_token_results(v)?;
    let groups = checked_groups(ctx, ir, op).map_err(|m| v.error(m))?;
    let present = groups[7..10].iter().filter(|r| !r.is_empty()).count();
    if present != 0 && present != 3 {
        return Err(v.error("cluster size must be all present"));
    }
    let config = LAUNCH_CONFIG_ARGS + if present == 3 { 6 } else { 0 };
    let body = ir.op(op).regions()[0];
    let Some(entry) = ir.region(body).entry() else {
        return Err(v.error("expected a body block"));
    };
    let workgroup = workgroup_count(ctx, ir, op).map_err(|m| v.error(m))?;
    let args = ir.block(entry).args();
    if args.len() < config + workgroup {
        return Err(v.error("unexpected number of region arguments"));
    }
    if let Some(i) = args[..config].iter().position(|a| !ctx.is_index(ir.value_type(*a))) {
        return Err(v.error(format!("expected body region argument #{i} (a launch id or size) to be of type index")));
    }
    verify_attribution_spaces(v, &args[config..config + workgroup], "workgroup")?;
    verify_attribution_spaces(v, &args[config + workgroup..], "private")?;
    for &b in ir.region(body).blocks() {
        let Some(last) = ir.block(b).last_op() else { continue };
        if ir.op(last).successors().is_empty() && op_name(ctx, ir, last) != "gpu.terminator" {
            return Err(Diagnostic::error(
                ir.op(last).loc(),
                "expected 'gpu.terminator' or a terminator with successors",
            )
            .with_note(ir.op(op).loc(), "in 'gpu.launch' body region"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------- ids, lanes, shuffles
/// An enum written as a bare keyword (`x`), or in full (`#gpu<dim x>`).
fn parse_enum(
    p: &mut OpParser<'_, '_>,
    mnemonic: &str,
    cases: &[&str],
    listed: &str,
    what: &str,
) -> Result<Attribute, ParseError> {
    let ctx = p.ctx();
    let at = p.offset()?;
    let bad = || ParseError::new(at, format!("expected ::mlir::gpu::{what} to be one of: {listed}"));
    if let Some(kw) = p.peek_keyword()? {
        if !cases.contains(&kw) {
            return Err(bad());
        }
        p.parse_keyword()?;
        return Ok(opaque_attr(ctx, format!("gpu<{mnemonic} {kw}>")));
    }
    let a = p.parse_attribute()?;
    enum_case(ctx, a, mnemonic, cases).map(|_| a).ok_or_else(bad)
}

/// (`upper_bound` N)? attr-dict, N an `index` attribute written without its type.
fn parse_upper_bound_and_attrs(p: &mut OpParser<'_, '_>, attrs: &mut Vec<NamedAttr>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    if p.parse_optional_keyword("upper_bound")? {
        let n = p.parse_integer()?;
        attrs.push(named(ctx, "upper_bound", ctx.integer_attr(n, ctx.index_type())));
    }
    p.parse_optional_attr_dict(attrs)
}

fn print_upper_bound_and_attrs(p: &mut OpPrinter<'_, '_>, op: OpId, elided: &[&str]) -> fmt::Result {
    let (ctx, ir) = (p.ctx, p.ir);
    if let Some(b) = ir.op(op).attr(ctx.ident("upper_bound")) {
        p.write(" upper_bound ")?;
        match ctx.attr_as_int(b) {
            Some(n) => p.write(&n.to_string())?,
            None => p.print_attr(b)?,
        }
    }
    p.print_attr_dict(op, elided, false)
}

fn parse_id(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let dim = parse_enum(p, "dim", &DIMS, "x, y, z", "Dimension")?;
    let mut attrs = vec![named(ctx, "dimension", dim)];
    parse_upper_bound_and_attrs(p, &mut attrs)?;
    let pending = p.pending();
    pending.attrs = attrs;
    pending.result_types = vec![ctx.index_type()];
    Ok(())
}

/// A stripped enum as mlir-opt-22 prints one: with a space of its own (`gpu.thread_id  x`).
fn print_stripped_enum(p: &mut OpPrinter<'_, '_>, a: Option<Attribute>, mnemonic: &str, cases: &[&str]) -> fmt::Result {
    p.write("  ")?;
    match a {
        Some(a) => match enum_case(p.ctx, a, mnemonic, cases) {
            Some(i) => p.write(cases[i]),
            None => p.print_attr(a),
        },
        None => Ok(()),
    }
}

fn print_id(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let a = p.ir.op(op).attr(p.ctx.ident("dimension"));
    print_stripped_enum(p, a, "dim", &DIMS)?;
    print_upper_bound_and_attrs(p, op, &["dimension", "upper_bound"])
}

fn parse_lane_id(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let mut attrs = Vec::new();
    parse_upper_bound_and_attrs(p, &mut attrs)?;
    let pending = p.pending();
    pending.attrs = attrs;
    pending.result_types = vec![ctx.index_type()];
    Ok(())
}

fn print_lane_id(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    print_upper_bound_and_attrs(p, op, &["upper_bound"])
}

fn parse_shuffle(p: &mut OpParser<'_, '_>) -> Result<(), ParseError> {
    let ctx = p.ctx();
    let mode = parse_enum(p, "shuffle_mode", &SHUFFLE_MODES, SHUFFLE_MODES_LISTED, "ShuffleMode")?;
    let value = p.parse_operand()?;
    p.expect_punct(",")?;
    let offset = p.parse_operand()?;
    p.expect_punct(",")?;
    let width = p.parse_operand()?;
    let mut attrs = vec![named(ctx, "mode", mode)];
    p.parse_optional_attr_dict(&mut attrs)?;
    p.expect_punct(":")?;
    let t = p.parse_type()?;
    let i32 = ctx.integer_type(32);
    let operands =
        vec![p.resolve_operand(&value, t)?, p.resolve_operand(&offset, i32)?, p.resolve_operand(&width, i32)?];
    let pending = p.pending();
    pending.operands = operands;
    pending.attrs = attrs;
    pending.result_types = vec![t, ctx.i1()];
    Ok(())
}

fn print_shuffle(p: &mut OpPrinter<'_, '_>, op: OpId) -> fmt::Result {
    let ir = p.ir;
    let a = ir.op(op).attr(p.ctx.ident("mode"));
    print_stripped_enum(p, a, "shuffle_mode", &SHUFFLE_MODES)?;
    let operands = ir.op(op).operands().to_vec();
    p.write(" ")?;
    p.print_value_list(&operands)?;
    p.print_attr_dict(op, &["mode"], false)?;
    p.write(" : ")?;
    match operands.first() {
        Some(v) => p.print_type(ir.value_type(*v)),
        None => Ok(()),
    }
}

/// `gpu.barrier` right before another `gpu.barrier` is redundant: the threads are already
/// synchronized (upstream's canonicalization).
struct EraseRedundantBarrier;

impl RewritePattern for EraseRedundantBarrier {
    fn root(&self) -> Option<&str> {
        Some("gpu.barrier")
    }
    fn name(&self) -> &str {
        "eraseRedundantGpuBarrierOps"
    }
    fn match_and_rewrite(&self, op: OpId, rw: &mut PatternRewriter<'_>) -> bool {
        let Some(next) = rw.ir().op(op).next() else { return false };
        if op_name(rw.ctx, rw.ir(), next) != "gpu.barrier" {
            return false;
        }
        rw.erase_op(op);
        true
    }
}
