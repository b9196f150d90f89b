//! Builtin attributes, including locations (which are attributes in MLIR too).

use crate::affine::AffineMap;
use crate::context::Ident;
use crate::types::{Type, TypeKind};
use crate::Context;

/// An interned attribute.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Attribute(pub(crate) u32);

/// Where an op, a block argument or a diagnostic comes from: a location (`loc(...)`).
///
/// A file location (`"f":line:col`) whose numbers fit is held in the value itself rather than
/// interned: a parsed file has one per op, and interning them cost an attribute and a hash
/// table entry each, a quarter of the parser's memory. Every other location is an interned
/// location attribute. A file location that fits is always held inline, so equal locations
/// compare equal. [`Context::location`] makes one from an attribute, [`Context::loc_kind`]
/// reads it, [`Context::loc_attr`] gives it as an attribute (for nesting in another). An
/// interned one holds its attribute's id plus one, so that no location is zero and an
/// `Option<Location>` takes no more room than a location.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Location(std::num::NonZeroU64);

impl Location {
    const INLINE: u64 = 1 << 63;
    const FILE_BITS: u32 = 20;
    const LINE_BITS: u32 = 25;
    const COL_BITS: u32 = 18;

    /// The inline form of a file location, when its numbers fit.
    fn inline_file(file: Ident, line: u32, col: u32) -> Option<Location> {
        let fits = |v: u32, bits: u32| u64::from(v) < 1 << bits;
        (fits(file.0, Self::FILE_BITS) && fits(line, Self::LINE_BITS) && fits(col, Self::COL_BITS)).then(|| {
            let bits = Self::INLINE
                | u64::from(file.0) << (Self::LINE_BITS + Self::COL_BITS)
                | u64::from(line) << Self::COL_BITS
                | u64::from(col);
            Location(std::num::NonZeroU64::new(bits).expect("the inline flag is set"))
        })
    }

    /// An interned location attribute.
    fn interned(a: Attribute) -> Location {
        Location(std::num::NonZeroU64::MIN.saturating_add(u64::from(a.0)))
    }

    /// What the value holds.
    fn form(self) -> LocForm {
        let bits = self.0.get();
        if bits & Self::INLINE == 0 {
            return LocForm::Interned(Attribute((bits - 1) as u32));
        }
        let field = |shift: u32, width: u32| ((bits >> shift) & ((1 << width) - 1)) as u32;
        LocForm::File(
            Ident(field(Self::LINE_BITS + Self::COL_BITS, Self::FILE_BITS)),
            field(Self::COL_BITS, Self::LINE_BITS),
            field(0, Self::COL_BITS),
        )
    }
}

/// A [`Location`] taken apart.
enum LocForm {
    File(Ident, u32, u32),
    Interned(Attribute),
}

/// A named attribute of an operation or a dictionary.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct NamedAttr {
    pub name: Ident,
    pub value: Attribute,
}

/// One scalar of a `dense<...>` literal. Floats are stored as `f64` bits, already rounded to the
/// element type, so equal constants intern to the same attribute.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum DenseValue {
    Int(i128),
    Float(u64),
    /// An `f80` or `f128` value an `f64` cannot hold (or a NaN whose payload it cannot), as
    /// the type's bit pattern. [`DenseValue::of_float_bits`] keeps the two forms apart.
    WideFloat(u128),
    Complex(Box<(DenseValue, DenseValue)>),
    Str(String),
}

impl DenseValue {
    /// The value of a float bit pattern of `kind` (no wider than the type): an `f64` where one
    /// holds it exactly, else, for `f80` and `f128`, the pattern itself.
    pub fn of_float_bits(bits: u128, kind: crate::types::FloatKind) -> DenseValue {
        use crate::types::FloatKind;
        match crate::float::from_bits(bits, kind) {
            Some(v) => DenseValue::Float(v.to_bits()),
            None if matches!(kind, FloatKind::F80 | FloatKind::F128) => DenseValue::WideFloat(bits),
            None => DenseValue::Float(f64::NAN.to_bits()),
        }
    }
}

/// The values of a `dense<...>` attribute, row-major.
///
/// Interning makes the form canonical, as MLIR's storage is: values all equal are a
/// [`DenseElements::Splat`], and integer, index, float and complex elements are held
/// [`DenseElements::Raw`]. Build attributes from whichever form is handy; read listed values
/// with [`Context::dense_values`](crate::Context::dense_values).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum DenseElements {
    Splat(DenseValue),
    /// Elements without a raw form (strings), or none at all.
    Values(Vec<DenseValue>),
    /// Integer, index, float or complex elements in MLIR's storage layout.
    Raw(RawElements),
}

/// Elements as MLIR's `DenseIntOrFPElementsAttr` stores them, little-endian: each scalar in
/// its width rounded up to whole bytes (`index` in 8; a width short of whole bytes
/// zero-extended, one above 128 bits sign-extended), a complex number as its real then
/// imaginary part, `i1` packed eight to a byte, first element in the lowest bit. The bytes of
/// a float are its own bit pattern, so NaN payloads and `f80` values are kept as written.
///
/// Only the crate makes one, from bytes checked against the element type
/// ([`crate::dense_raw`]). Bits above an element's width are kept as a hex literal wrote them
/// (MLIR keeps and prints them too) and are not part of its value.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct RawElements(pub(crate) Box<[u8]>);

impl RawElements {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The values of an `array<T: ...>` attribute.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum DenseArrayValues {
    Int(Vec<i64>),
    Float(Vec<u64>),
}

/// The structure of a location.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum LocKind {
    Unknown,
    File {
        file: Ident,
        line: u32,
        col: u32,
    },
    /// `"file":line:col to end_line:end_col` (`to :end_col` on one line), MLIR's
    /// `FileLineColRange` where it spans more than one point.
    FileRange {
        file: Ident,
        line: u32,
        col: u32,
        end_line: u32,
        end_col: u32,
    },
    Name {
        name: String,
        child: Option<Attribute>,
    },
    CallSite {
        callee: Attribute,
        caller: Attribute,
    },
    Fused {
        locs: Vec<Attribute>,
        metadata: Option<Attribute>,
    },
    /// `loc(#name)` read before `#name` was defined (mlir-opt prints location aliases last);
    /// the parser resolves these when the file is read.
    Deferred(String),
}

/// The structure of an attribute.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum AttrKind {
    Unit,
    /// An integer of integer or index type; `i1` integers are MLIR's `BoolAttr` (`true`/`false`).
    /// The value is kept sign-extended from the type's width.
    Integer {
        value: i128,
        ty: Type,
    },
    /// A float of float type, as `f64` bits after rounding to the type.
    Float {
        bits: u64,
        ty: Type,
    },
    /// An `f80` or `f128` float an `f64` cannot hold, as the type's own bit pattern. Folders
    /// and the interpreter, which compute in `f64`, leave it alone.
    WideFloat {
        bits: u128,
        ty: Type,
    },
    String {
        value: String,
        ty: Option<Type>,
    },
    Array(Vec<Attribute>),
    /// Entries sorted by name, as MLIR keeps them.
    Dictionary(Vec<NamedAttr>),
    Type(Type),
    SymbolRef {
        root: String,
        nested: Vec<String>,
    },
    DenseElements {
        ty: Type,
        elements: DenseElements,
    },
    DenseResource {
        ty: Type,
        handle: String,
    },
    DenseArray {
        element: Type,
        values: DenseArrayValues,
    },
    /// `sparse<indices, values> : ty`: the elements of `ty` at `indices` (an `i64` dense
    /// attribute of shape `[N, rank]`, `[N]` for rank 1) are `values` (a dense attribute of
    /// shape `[N]`), the others zero (MLIR's `SparseElementsAttr`).
    Sparse {
        ty: Type,
        indices: Attribute,
        values: Attribute,
    },
    AffineMap(AffineMap),
    /// `affine_set<...>`.
    IntegerSet(crate::affine::IntegerSet),
    Strided {
        strides: Vec<i64>,
        offset: i64,
    },
    Location(LocKind),
    /// `distinct[N]<attr>`: an attribute equal only to itself however equal what it refers to
    /// is (MLIR's `DistinctAttr`). `id` is unique in the context ([`Context::distinct_attr`]);
    /// the `N` of a text only pairs the uses within one file, and printing renumbers from 0.
    Distinct {
        id: u64,
        referenced: Attribute,
    },
    /// `#dialect.mnemonic<body>`, kept as the text after `#`.
    Opaque {
        dialect: String,
        text: String,
    },
}

impl Context {
    pub fn unit_attr(&self) -> Attribute {
        self.common.unit
    }
    /// An integer attribute, wrapped to the width of `ty` (or kept whole for `index`).
    pub fn integer_attr(&self, value: i128, ty: Type) -> Attribute {
        let value = match self.type_kind(ty) {
            // i1 is MLIR's bool: keep it 0 or 1 rather than sign-extended.
            TypeKind::Integer { width: 1, .. } => value & 1,
            TypeKind::Integer { width, .. } => wrap_signed(value, *width),
            _ => value,
        };
        self.intern_attr(AttrKind::Integer { value, ty })
    }
    pub fn i64_attr(&self, value: i64) -> Attribute {
        self.integer_attr(value as i128, self.i64_type())
    }
    pub fn bool_attr(&self, value: bool) -> Attribute {
        self.integer_attr(value as i128, self.i1())
    }
    /// A float attribute; the value is rounded to the precision of `ty`.
    pub fn float_attr(&self, value: f64, ty: Type) -> Attribute {
        let rounded = match self.type_kind(ty) {
            TypeKind::Float(kind) => crate::float::round_to(value, *kind),
            _ => value,
        };
        self.intern_attr(AttrKind::Float { bits: rounded.to_bits(), ty })
    }
    pub fn string_attr(&self, value: &str) -> Attribute {
        self.intern_attr(AttrKind::String { value: value.to_string(), ty: None })
    }
    pub fn type_attr(&self, ty: Type) -> Attribute {
        self.intern_attr(AttrKind::Type(ty))
    }
    pub fn array_attr(&self, items: Vec<Attribute>) -> Attribute {
        self.intern_attr(AttrKind::Array(items))
    }
    /// `array<i64: ...>`.
    pub fn dense_i64_array(&self, values: Vec<i64>) -> Attribute {
        self.intern_attr(AttrKind::DenseArray { element: self.i64_type(), values: DenseArrayValues::Int(values) })
    }
    /// `array<i32: ...>` of `sizes`: an op's `operandSegmentSizes`.
    pub fn operand_segments(&self, sizes: &[usize]) -> Attribute {
        let values = DenseArrayValues::Int(sizes.iter().map(|s| *s as i64).collect());
        self.intern_attr(AttrKind::DenseArray { element: self.integer_type(32), values })
    }
    /// `#dialect.attr : type`: an opaque dialect attribute with its trailing type, kept as text
    /// since the dialect is not known to give the type a meaning.
    pub fn typed_opaque_attr(&self, opaque: Attribute, ty: Type) -> Attribute {
        match self.attr_kind(opaque) {
            AttrKind::Opaque { dialect, text } => {
                let text = format!("{text} : {}", self.type_to_string(ty));
                self.intern_attr(AttrKind::Opaque { dialect: dialect.clone(), text })
            }
            _ => opaque,
        }
    }
    /// The integers of a dense integer array attribute (`array<i64: 1, 2>`).
    pub fn attr_as_int_array(&self, a: Attribute) -> Option<&[i64]> {
        match self.attr_kind(a) {
            AttrKind::DenseArray { values: DenseArrayValues::Int(v), .. } => Some(v),
            _ => None,
        }
    }
    pub fn symbol_ref_attr(&self, root: &str) -> Attribute {
        self.intern_attr(AttrKind::SymbolRef { root: root.to_string(), nested: Vec::new() })
    }
    /// A dictionary; entries are sorted by name and later duplicates replace earlier ones.
    pub fn dictionary_attr(&self, mut entries: Vec<NamedAttr>) -> Attribute {
        entries.sort_by(|a, b| self.ident_str(a.name).cmp(self.ident_str(b.name)));
        entries.dedup_by(|later, earlier| {
            let same = later.name == earlier.name;
            if same {
                earlier.value = later.value;
            }
            same
        });
        self.intern_attr(AttrKind::Dictionary(entries))
    }
    pub fn unknown_loc(&self) -> Location {
        Location::interned(self.intern_attr(AttrKind::Location(LocKind::Unknown)))
    }
    pub fn file_loc(&self, file: &str, line: u32, col: u32) -> Location {
        self.file_loc_in(self.ident(file), line, col)
    }
    /// `loc("name")`.
    pub fn name_loc(&self, name: &str) -> Location {
        Location::interned(self.intern_attr(AttrKind::Location(LocKind::Name { name: name.to_string(), child: None })))
    }
    /// `"name"(child)` as an attribute; an unknown child is no child, as MLIR prints it.
    pub fn name_loc_attr(&self, name: String, child: Option<Attribute>) -> Attribute {
        let child = child.filter(|c| !matches!(self.attr_kind(*c), AttrKind::Location(LocKind::Unknown)));
        self.intern_attr(AttrKind::Location(LocKind::Name { name, child }))
    }
    /// `fused<metadata>[locs]` as MLIR's `FusedLoc::get` makes it: unknown parts dropped,
    /// repeated ones kept once, fused parts with the same metadata spliced in; no part left
    /// is `unknown` (or `fused<metadata>[unknown]`), one part without metadata is that part.
    pub fn fused_loc_attr(&self, locs: Vec<Attribute>, metadata: Option<Attribute>) -> Attribute {
        let mut parts = indexmap::IndexSet::new();
        for l in locs {
            match self.attr_kind(l) {
                AttrKind::Location(LocKind::Fused { locs: inner, metadata: m }) if *m == metadata => {
                    parts.extend(inner.iter().copied())
                }
                AttrKind::Location(LocKind::Unknown) => {}
                _ => {
                    parts.insert(l);
                }
            }
        }
        let unknown = self.intern_attr(AttrKind::Location(LocKind::Unknown));
        match (parts.len(), metadata) {
            (0, None) => unknown,
            (0, Some(_)) => self.intern_attr(AttrKind::Location(LocKind::Fused { locs: vec![unknown], metadata })),
            (1, None) => parts[0],
            _ => self.intern_attr(AttrKind::Location(LocKind::Fused { locs: parts.into_iter().collect(), metadata })),
        }
    }
    /// A file location of an interned file name.
    pub fn file_loc_in(&self, file: Ident, line: u32, col: u32) -> Location {
        Location::inline_file(file, line, col).unwrap_or_else(|| {
            Location::interned(self.intern_attr(AttrKind::Location(LocKind::File { file, line, col })))
        })
    }
    /// The location an attribute holds; `None` when it is not a location.
    pub fn location(&self, a: Attribute) -> Option<Location> {
        match self.attr_kind(a) {
            AttrKind::Location(LocKind::File { file, line, col }) => Some(self.file_loc_in(*file, *line, *col)),
            AttrKind::Location(_) => Some(Location::interned(a)),
            _ => None,
        }
    }
    /// What a location is.
    pub fn loc_kind(&self, loc: Location) -> std::borrow::Cow<'_, LocKind> {
        match loc.form() {
            LocForm::File(file, line, col) => std::borrow::Cow::Owned(LocKind::File { file, line, col }),
            LocForm::Interned(a) => match self.attr_kind(a) {
                AttrKind::Location(kind) => std::borrow::Cow::Borrowed(kind),
                _ => unreachable!("a Location holds a location attribute"),
            },
        }
    }
    /// A location as an attribute, to nest it in another location or store it as a value.
    pub fn loc_attr(&self, loc: Location) -> Attribute {
        match loc.form() {
            LocForm::File(file, line, col) => self.intern_attr(AttrKind::Location(LocKind::File { file, line, col })),
            LocForm::Interned(a) => a,
        }
    }

    /// The value of an integer (or bool) attribute.
    pub fn attr_as_int(&self, a: Attribute) -> Option<i128> {
        match self.attr_kind(a) {
            AttrKind::Integer { value, .. } => Some(*value),
            _ => None,
        }
    }
    /// The value of a float attribute.
    pub fn attr_as_f64(&self, a: Attribute) -> Option<f64> {
        match self.attr_kind(a) {
            AttrKind::Float { bits, .. } => Some(f64::from_bits(*bits)),
            _ => None,
        }
    }
    /// The text of a string attribute.
    pub fn attr_as_str(&self, a: Attribute) -> Option<&str> {
        match self.attr_kind(a) {
            AttrKind::String { value, .. } => Some(value),
            _ => None,
        }
    }
    /// The type carried by a type attribute.
    pub fn attr_as_type(&self, a: Attribute) -> Option<Type> {
        match self.attr_kind(a) {
            AttrKind::Type(t) => Some(*t),
            _ => None,
        }
    }
    /// The type of a typed attribute (integer, float, dense, string with a type).
    pub fn attr_type(&self, a: Attribute) -> Option<Type> {
        match self.attr_kind(a) {
            AttrKind::Integer { ty, .. }
            | AttrKind::Float { ty, .. }
            | AttrKind::WideFloat { ty, .. }
            | AttrKind::DenseElements { ty, .. }
            | AttrKind::DenseResource { ty, .. }
            | AttrKind::Sparse { ty, .. } => Some(*ty),
            AttrKind::String { ty, .. } => *ty,
            _ => None,
        }
    }
    /// The first (root) name of a symbol reference.
    pub fn attr_as_symbol(&self, a: Attribute) -> Option<&str> {
        match self.attr_kind(a) {
            AttrKind::SymbolRef { root, nested } if nested.is_empty() => Some(root),
            _ => None,
        }
    }
    /// Looks an entry up in a dictionary attribute.
    pub fn dict_get(&self, dict: Attribute, name: &str) -> Option<Attribute> {
        match self.attr_kind(dict) {
            AttrKind::Dictionary(entries) => entries.iter().find(|e| self.ident_str(e.name) == name).map(|e| e.value),
            _ => None,
        }
    }

    /// The file, line and column of a location, looking through names, call sites and fusions.
    pub fn loc_file_line_col(&self, loc: Location) -> Option<(&str, u32, u32)> {
        let nested = |a: &Attribute| self.location(*a).and_then(|l| self.loc_file_line_col(l));
        match &*self.loc_kind(loc) {
            LocKind::File { file, line, col } | LocKind::FileRange { file, line, col, .. } => {
                Some((self.ident_str(*file), *line, *col))
            }
            LocKind::Name { child: Some(c), .. } => nested(c),
            LocKind::CallSite { caller, .. } => nested(caller),
            LocKind::Fused { locs, .. } => locs.iter().find_map(nested),
            _ => None,
        }
    }
}

/// Sign-extends the low `width` bits of `value`.
pub fn wrap_signed(value: i128, width: u32) -> i128 {
    if width == 0 || width >= 128 {
        return value;
    }
    let shift = 128 - width;
    (value << shift) >> shift
}

/// The low `width` bits of `value` read as unsigned.
pub fn as_unsigned(value: i128, width: u32) -> u128 {
    if width >= 128 {
        return value as u128;
    }
    (value as u128) & ((1u128 << width) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_locations_are_held_inline_when_they_fit_and_compare_equal_either_way() {
        let ctx = Context::new();
        let file = ctx.ident("a.mlir");
        for (line, col) in
            [(3, 7), (0, 0), ((1 << 25) - 1, (1 << 18) - 1), (1 << 25, 7), (3, 1 << 18), (u32::MAX, u32::MAX)]
        {
            let loc = ctx.file_loc_in(file, line, col);
            assert_eq!(*ctx.loc_kind(loc), LocKind::File { file, line, col });
            assert_eq!(ctx.loc_file_line_col(loc), Some(("a.mlir", line, col)));
            // Through an attribute (as a `loc(...)` in the text or a fused location's part) and
            // back: the same value, whichever form it has.
            let attr = ctx.loc_attr(loc);
            assert_eq!(ctx.attr_kind(attr), &AttrKind::Location(LocKind::File { file, line, col }));
            assert_eq!(ctx.location(attr), Some(loc));
            assert_eq!(crate::printer::loc_to_string(&ctx, loc), format!("loc(\"a.mlir\":{line}:{col})"));
        }
        assert_ne!(ctx.file_loc_in(file, 3, 7), ctx.file_loc_in(file, 3, 8));
        assert_ne!(ctx.file_loc_in(file, 3, 7), ctx.file_loc("b.mlir", 3, 7));
        let named = ctx.name_loc("n");
        assert_eq!(ctx.location(ctx.loc_attr(named)), Some(named));
        assert_eq!(ctx.location(ctx.i64_attr(1)), None);
        assert_eq!(std::mem::size_of::<Option<Location>>(), std::mem::size_of::<Location>());
    }
}
