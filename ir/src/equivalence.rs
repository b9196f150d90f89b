//! Structural equivalence of operations, as MLIR's `OperationEquivalence` with
//! `IgnoreLocations`: two ops are equivalent when they have the same names, attributes, types
//! and successors, and their operands and regions correspond position by position.
//!
//! [`StructuralKey`] is that structure written out once, so that a pass comparing many ops
//! (merging identical outlined functions, say) hashes each op once instead of comparing pairs.
//! Attributes, types and names are interned, so comparing their ids is comparing them.
//!
//! Values defined inside the op are numbered in definition order; values from outside (the
//! operands of the op itself, or values its regions capture) are numbered by first use, apart:
//! two ops with equal keys compute the same thing when their outside values correspond in
//! that order ([`StructuralKey::outside`]). For an op isolated from above (a function), equal
//! keys mean interchangeable ops.

use rustc_hash::FxHashMap;

use crate::{Attribute, Ident, Ir, OpId, Type, Value};

/// One element of an op's written-out structure.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Token {
    Op(Ident),
    Attr(Ident, Attribute),
    Properties(Attribute),
    Operand(u32),
    Outside(u32),
    Result(Type),
    Successor(u32),
    Region(u32),
    Block(u32),
    BlockArg(Type),
    End,
}

/// An op's structure without its locations; equal keys mean equivalent ops (see the module's
/// documentation for values from outside).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct StructuralKey {
    tokens: Vec<Token>,
    outside: Vec<Value>,
}

impl StructuralKey {
    /// The key of `op` and everything nested in it.
    pub fn of(ir: &Ir, op: OpId) -> StructuralKey {
        StructuralKey::of_ignoring(ir, op, &[])
    }

    /// The key of `op` without its own attributes named in `ignored` (a function's
    /// `sym_name`, to find functions that differ only in their names).
    pub fn of_ignoring(ir: &Ir, op: OpId, ignored: &[Ident]) -> StructuralKey {
        let mut key = Writer::write(ir, op, ignored);
        // The outside values themselves are not the structure: two ops reading different
        // values in the same pattern are equivalent up to them.
        key.outside.clear();
        key
    }

    /// The values from outside the op, in the order the key numbers them.
    pub fn outside(ir: &Ir, op: OpId) -> Vec<Value> {
        Writer::write(ir, op, &[]).outside
    }
}

struct Writer<'a> {
    ir: &'a Ir,
    key: StructuralKey,
    /// Values defined inside, by definition order.
    inside: FxHashMap<Value, u32>,
    /// Values from outside, by first use.
    outside: FxHashMap<Value, u32>,
    /// Blocks, by order of appearance (successors name them).
    blocks: FxHashMap<crate::BlockId, u32>,
}

impl<'a> Writer<'a> {
    fn write(ir: &'a Ir, op: OpId, ignored: &'a [Ident]) -> StructuralKey {
        let mut w = Writer {
            ir,
            key: StructuralKey { tokens: Vec::new(), outside: Vec::new() },
            inside: FxHashMap::default(),
            outside: FxHashMap::default(),
            blocks: FxHashMap::default(),
        };
        // Everything defined inside is numbered first: a use may precede its definition in
        // the text (a block listed after one it dominates, a graph region).
        w.define_all(op);
        w.op(op, ignored);
        w.key
    }

    fn define_all(&mut self, op: OpId) {
        let ir = self.ir;
        let o = ir.op(op);
        for &r in o.results() {
            let n = self.inside.len() as u32;
            self.inside.insert(r, n);
        }
        for &region in o.regions() {
            for &b in ir.region(region).blocks() {
                for &a in ir.block(b).args() {
                    let n = self.inside.len() as u32;
                    self.inside.insert(a, n);
                }
                for inner in ir.block_ops(b) {
                    self.define_all(inner);
                }
            }
        }
    }

    fn block_number(&mut self, b: crate::BlockId) -> u32 {
        let n = self.blocks.len() as u32;
        *self.blocks.entry(b).or_insert(n)
    }

    fn op(&mut self, op: OpId, ignored: &[Ident]) {
        let o = self.ir.op(op);
        self.key.tokens.push(Token::Op(o.name()));
        for a in o.attrs().iter().filter(|a| !ignored.contains(&a.name)) {
            self.key.tokens.push(Token::Attr(a.name, a.value));
        }
        if let Some(p) = o.properties() {
            self.key.tokens.push(Token::Properties(p));
        }
        for &v in o.operands() {
            let t = match self.inside.get(&v) {
                Some(&n) => Token::Operand(n),
                None => {
                    let n = self.outside.len() as u32;
                    let n = *self.outside.entry(v).or_insert_with(|| {
                        self.key.outside.push(v);
                        n
                    });
                    Token::Outside(n)
                }
            };
            self.key.tokens.push(t);
        }
        for &s in o.successors() {
            let n = self.block_number(s);
            self.key.tokens.push(Token::Successor(n));
        }
        for &r in o.results() {
            self.key.tokens.push(Token::Result(self.ir.value_type(r)));
        }
        for &region in o.regions() {
            let blocks = self.ir.region(region).blocks();
            self.key.tokens.push(Token::Region(blocks.len() as u32));
            for &b in blocks {
                let n = self.block_number(b);
                self.key.tokens.push(Token::Block(n));
                for &a in self.ir.block(b).args() {
                    self.key.tokens.push(Token::BlockArg(self.ir.value_type(a)));
                }
            }
            for &b in blocks {
                for inner in self.ir.block_ops(b) {
                    self.op(inner, &[]);
                }
                self.key.tokens.push(Token::End);
            }
        }
        self.key.tokens.push(Token::End);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_source, Context, Module, ParseOptions};

    /// The top-level ops of `src` (generic form, unregistered ops).
    fn ops(ctx: &Context, src: &str) -> (Module, Vec<OpId>) {
        let options = ParseOptions { allow_unregistered: true, ..Default::default() };
        let m = parse_source(ctx, "t.mlir", src, &options).unwrap();
        let block = m.ir.region(m.ir.op(m.root).regions()[0]).blocks()[0];
        let ops = m.ir.block_ops(block).collect();
        (m, ops)
    }

    #[test]
    fn ops_differing_only_in_locations_and_value_names_are_equivalent() {
        let ctx = Context::new();
        let (m, o) = ops(
            &ctx,
            r#"
            "t.f"() ({
            ^bb0(%a: i32):
              %x = "t.add"(%a, %a) {k = 1 : i32} : (i32, i32) -> i32 loc("a.mlir":1:1)
              "t.br"(%x)[^bb1] : (i32) -> ()
            ^bb1(%y: i32):
              "t.ret"(%y) : (i32) -> ()
            }) : () -> ()
            "t.f"() ({
            ^bb0(%b: i32):
              %z = "t.add"(%b, %b) {k = 1 : i32} : (i32, i32) -> i32 loc("b.mlir":7:3)
              "t.br"(%z)[^bb1] : (i32) -> ()
            ^bb1(%w: i32):
              "t.ret"(%w) : (i32) -> ()
            }) : () -> ()
            "#,
        );
        assert_eq!(StructuralKey::of(&m.ir, o[0]), StructuralKey::of(&m.ir, o[1]));
    }

    #[test]
    fn attributes_types_operand_order_and_successors_tell_ops_apart() {
        let ctx = Context::new();
        let (m, o) = ops(
            &ctx,
            r#"
            %p, %q = "t.def"() : () -> (i32, i32)
            "t.use"(%p, %q) {k = 1 : i32} : (i32, i32) -> ()
            "t.use"(%p, %q) {k = 2 : i32} : (i32, i32) -> ()
            "t.use"(%q, %p) {k = 1 : i32} : (i32, i32) -> ()
            "t.use"(%p, %p) {k = 1 : i32} : (i32, i32) -> ()
            "t.f"() ({
              %x = "t.c"() : () -> i64
              "t.ret"(%x) : (i64) -> ()
            }) : () -> ()
            "t.f"() ({
              %x = "t.c"() : () -> i32
              "t.ret"(%x) : (i32) -> ()
            }) : () -> ()
            "#,
        );
        let key = |i: usize| StructuralKey::of(&m.ir, o[i]);
        // Different outside values in the same pattern: equivalent, up to those values.
        assert_eq!(key(1), key(3));
        assert_eq!(
            StructuralKey::outside(&m.ir, o[1]),
            StructuralKey::outside(&m.ir, o[3]).into_iter().rev().collect::<Vec<_>>()
        );
        assert_ne!(key(1), key(2), "an attribute");
        assert_ne!(key(1), key(4), "one value used twice");
        assert_ne!(key(5), key(6), "a result type");
    }

    #[test]
    fn a_use_written_before_its_definition_refers_to_the_inside_value() {
        let ctx = Context::new();
        let (m, o) = ops(
            &ctx,
            r#"
            %v = "t.def"() : () -> i32
            "t.g"() ({
              "t.use"(%x) : (i32) -> ()
              %x = "t.c"() : () -> i32
            }) : () -> ()
            "t.g"() ({
              "t.use"(%v) : (i32) -> ()
              %y = "t.c"() : () -> i32
            }) : () -> ()
            "#,
        );
        assert_ne!(StructuralKey::of(&m.ir, o[1]), StructuralKey::of(&m.ir, o[2]));
        assert!(StructuralKey::outside(&m.ir, o[1]).is_empty());
    }
}
