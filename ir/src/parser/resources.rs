//! The `{-# ... #-}` resource section, and the blobs `dense_resource<key>` attributes refer to.
//!
//! Entries of group `dialect_resources`, owner `builtin` are blobs: a hex string whose first 4
//! bytes are the alignment (little-endian) and the rest the data, decoded here into the
//! context's blob store ([`crate::resources`]). Every other entry (a reproducer's
//! `external_resources`, another dialect's resources) is kept as text in [`super::Module`].
//!
//! A file's keys are resolved when the whole file has been read, since MLIR prints the section
//! after the IR: a key used by a `dense_resource` and defined nowhere in the file is an error
//! at its first use (except [`ELIDED_KEY`], MLIR's mark for data left out). Each defined key
//! that is used goes into the context under its own name, or a `key_N` when the context holds
//! other data under it (another file's), in which case the file's attributes are rewritten to
//! the new key. Keys defined but never used are dropped, as MLIR's printer drops them.

use rustc_hash::FxHashMap;

use super::lexer::{Tok, Token};
use super::{unescape, OpParser, PResult, ParseError};
use crate::attributes::{AttrKind, Attribute};
use crate::hex::{self, HexError};
use crate::resources::{Blob, ELIDED_KEY};

/// A blob defined in the file being read, and where its value starts.
pub(super) struct BlobDef {
    blob: Blob,
    offset: usize,
}

impl<'s> OpParser<'_, 's> {
    /// `{-# group: { owner: { key: value, ... }, ... }, ... #-}` (the `{-#` is next).
    pub(super) fn parse_resource_section(&mut self) -> PResult<()> {
        self.expect_punct("{-#")?;
        if self.parse_optional_punct("#-}")? {
            return Ok(());
        }
        loop {
            let (group, _) = self.parse_resource_name("a resource group name")?;
            self.expect_punct(":")?;
            self.expect_punct("{")?;
            if !self.parse_optional_punct("}")? {
                loop {
                    let (owner, _) = self.parse_resource_name("a resource owner name")?;
                    self.expect_punct(":")?;
                    self.expect_punct("{")?;
                    if !self.parse_optional_punct("}")? {
                        loop {
                            self.parse_resource_entry(group, owner)?;
                            if !self.parse_optional_punct(",")? {
                                break;
                            }
                        }
                        self.expect_punct("}")?;
                    }
                    if !self.parse_optional_punct(",")? {
                        break;
                    }
                }
                self.expect_punct("}")?;
            }
            if !self.parse_optional_punct(",")? {
                break;
            }
        }
        self.expect_punct("#-}")
    }

    /// A name in the section: a keyword or a string. Its text as written and its value.
    fn parse_resource_name(&mut self, what: &str) -> PResult<(&'s str, String)> {
        if let Some(word) = self.peek_keyword()? {
            self.next()?;
            return Ok((word, word.to_string()));
        }
        let t = self.peek()?.clone();
        if t.kind == Tok::Str {
            self.next()?;
            let text = self.text(&t);
            return Ok((text, unescape(text)));
        }
        let found = self.describe_next()?;
        self.error_here(format!("expected {what}, found {found}"))
    }

    /// `key: value`, where a value is a string or `true`/`false`.
    fn parse_resource_entry(&mut self, group: &str, owner: &str) -> PResult<()> {
        let (key_text, key) = self.parse_resource_name("a resource key")?;
        self.expect_punct(":")?;
        let t = self.peek()?.clone();
        let text = self.text(&t);
        let is_value = t.kind == Tok::Str || (t.kind == Tok::BareId && matches!(text, "true" | "false"));
        if !is_value {
            let found = self.describe_next()?;
            return self.error_here(format!("expected a string or boolean resource value, found {found}"));
        }
        self.next()?;
        if group == "dialect_resources" && owner == "builtin" {
            return self.define_blob(key, &t);
        }
        self.resources.push([group.to_string(), owner.to_string(), key_text.to_string(), text.to_string()]);
        Ok(())
    }

    /// Decodes the blob `key: "0x..."` (MLIR's messages where it has one).
    fn define_blob(&mut self, key: String, t: &Token) -> PResult<()> {
        let text = self.text(t);
        let Some(digits) = text.strip_prefix("\"0x").and_then(|d| d.strip_suffix('"')).filter(|_| t.kind == Tok::Str)
        else {
            return Err(ParseError::new(t.start, format!("expected hex string blob for key '{key}'")));
        };
        let not_hex = |i: usize| {
            let at = t.start + 3 + i;
            let found = self.lex.src[at..].chars().next().unwrap_or('"');
            ParseError::new(at, format!("expected a hex digit in the blob for key '{key}', found '{found}'"))
        };
        let odd =
            || ParseError::new(t.start, format!("the hex string blob for key '{key}' has an odd number of digits"));
        // The alignment's 8 digits apart from the data's, which decode straight into the blob.
        let (head, data) = digits.as_bytes().split_at(digits.len().min(8));
        let (head, data) = match (hex::decode::<Vec<u8>>(head), hex::decode::<std::sync::Arc<[u8]>>(data)) {
            (Err(HexError::NotHex(i)), _) => return Err(not_hex(i)),
            (_, Err(HexError::NotHex(i))) => return Err(not_hex(head.len() + i)),
            (Err(HexError::OddLength), _) | (_, Err(HexError::OddLength)) => return Err(odd()),
            (Ok(head), Ok(data)) => match <[u8; 4]>::try_from(head) {
                Ok(head) => (head, data),
                Err(_) => {
                    return Err(ParseError::new(
                        t.start,
                        format!("expected hex string blob for key '{key}' to encode alignment in first 4 bytes"),
                    ))
                }
            },
        };
        // MLIR prints an empty blob with alignment 0; any power of two is as good for no data.
        let alignment = match u32::from_le_bytes(head) {
            0 if data.is_empty() => 1,
            a => a,
        };
        let blob = Blob::new(alignment, data).map_err(|_| {
            ParseError::new(
                t.start,
                format!(
                    "expected hex string blob for key '{key}' to encode alignment in first 4 bytes, but got non-power-of-2 value: {alignment}"
                ),
            )
        })?;
        match self.blob_defs.get(&key) {
            Some(earlier) if earlier.blob != blob => {
                let (line, _) = self.lines.line_col(earlier.offset);
                Err(ParseError::new(
                    t.start,
                    format!("resource '{key}' is defined twice with different data (first on line {line})"),
                ))
            }
            Some(_) => Ok(()),
            None => {
                self.blob_defs.insert(key, BlobDef { blob, offset: t.start });
                Ok(())
            }
        }
    }

    /// Puts the file's used blobs in the context and checks every used key was defined.
    pub(super) fn resolve_resources(&mut self) -> PResult<()> {
        let refs = std::mem::take(&mut *self.lex.resource_refs.borrow_mut());
        let mut refs: Vec<(String, usize)> = refs.into_iter().filter(|(k, _)| k != ELIDED_KEY).collect();
        refs.sort_by_key(|(_, at)| *at);
        if let Some((key, at)) = refs.iter().find(|(k, _)| !self.blob_defs.contains_key(k)) {
            return Err(ParseError::new(
                *at,
                format!("dense_resource key '{key}' is not defined in the file's dialect_resources section"),
            ));
        }
        let mut renamed: FxHashMap<String, String> = FxHashMap::default();
        for (key, _) in refs {
            let def = self.blob_defs.remove(&key).expect("checked above");
            let stored = self.ctx.insert_blob(&key, def.blob);
            if stored != key {
                renamed.insert(key, stored);
            }
        }
        self.blob_defs.clear();
        if !renamed.is_empty() {
            self.rename_resources(&renamed);
        }
        Ok(())
    }

    /// Rewrites `dense_resource` keys in every op's attributes and properties.
    fn rename_resources(&mut self, renamed: &FxHashMap<String, String>) {
        let mut memo = FxHashMap::default();
        for op in self.ir.all_ops() {
            let attrs: Vec<_> = self.ir.op(op).attrs().to_vec();
            for a in attrs {
                let new = self.renamed_attr(a.value, renamed, &mut memo);
                if new != a.value {
                    self.ir.set_attr(op, a.name, new);
                }
            }
            if let Some(p) = self.ir.op(op).properties() {
                let new = self.renamed_attr(p, renamed, &mut memo);
                self.ir.set_properties(op, Some(new));
            }
        }
    }

    fn renamed_attr(
        &self,
        a: Attribute,
        renamed: &FxHashMap<String, String>,
        memo: &mut FxHashMap<Attribute, Attribute>,
    ) -> Attribute {
        if let Some(done) = memo.get(&a) {
            return *done;
        }
        let ctx = self.ctx;
        // Arrays may nest as deep as the parser allows.
        let new = stacker::maybe_grow(64 * 1024, 1024 * 1024, || match ctx.attr_kind(a) {
            AttrKind::DenseResource { ty, handle } => match renamed.get(handle) {
                Some(key) => ctx.intern_attr(AttrKind::DenseResource { ty: *ty, handle: key.clone() }),
                None => a,
            },
            AttrKind::Array(items) => {
                let new: Vec<Attribute> = items.iter().map(|i| self.renamed_attr(*i, renamed, memo)).collect();
                if new == *items {
                    a
                } else {
                    ctx.array_attr(new)
                }
            }
            AttrKind::Dictionary(entries) => {
                let mut new = entries.clone();
                for e in &mut new {
                    e.value = self.renamed_attr(e.value, renamed, memo);
                }
                if new == *entries {
                    a
                } else {
                    ctx.intern_attr(AttrKind::Dictionary(new))
                }
            }
            _ => a,
        });
        memo.insert(a, new);
        new
    }
}

#[cfg(test)]
mod tests {
    use crate::{parse_source, print_module, AttrKind, Context, Module, ParseOptions, PrintOptions};

    const OPTS: ParseOptions = ParseOptions { allow_unregistered: true, implicit_module: true, first_line: 1 };

    fn parse(ctx: &Context, text: &str) -> Result<Module, (u32, u32, String)> {
        parse_source(ctx, "t.mlir", text, &OPTS).map_err(|d| {
            let (_, line, col) = ctx.loc_file_line_col(d.loc).expect("a file location");
            (line, col, d.message)
        })
    }

    /// The keys of every `dense_resource` in the op attributes, array elements, dictionary
    /// values and properties of `m`, in op order.
    fn keys(ctx: &Context, m: &Module) -> Vec<String> {
        fn walk(ctx: &Context, a: crate::Attribute, out: &mut Vec<String>) {
            match ctx.attr_kind(a) {
                AttrKind::DenseResource { handle, .. } => out.push(handle.clone()),
                AttrKind::Array(items) => items.iter().for_each(|i| walk(ctx, *i, out)),
                AttrKind::Dictionary(entries) => entries.iter().for_each(|e| walk(ctx, e.value, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for op in m.ir.collect_ops(m.root) {
            m.ir.op(op).attrs().iter().for_each(|a| walk(ctx, a.value, &mut out));
            if let Some(p) = m.ir.op(op).properties() {
                walk(ctx, p, &mut out);
            }
        }
        out
    }

    fn section(entries: &[(&str, String)]) -> String {
        let items: Vec<String> = entries.iter().map(|(k, v)| format!("      {k}: \"0x{v}\"")).collect();
        format!("{{-#\n  dialect_resources: {{\n    builtin: {{\n{}\n    }}\n  }}\n#-}}\n", items.join(",\n"))
    }

    const USES: &str = r#""t.a"() <{p = [dense_resource<w> : tensor<2xi8>]}> {d = {x = dense_resource<"a b"> : tensor<1xi16>}} : () -> ()
"t.b"() {e = dense_resource<w> : tensor<2xi8>} : () -> ()
"#;

    #[test]
    fn blobs_reach_the_context_from_attributes_arrays_dictionaries_and_properties() {
        let ctx = Context::new();
        let text = format!("{USES}{}", section(&[("w", "010000000A0B".into()), ("\"a b\"", "02000000FF7F".into())]));
        let m = parse(&ctx, &text).unwrap();
        // (Op attributes come before properties in this walk; the print has them the other way.)
        assert_eq!(keys(&ctx, &m), ["a b", "w", "w"]);
        let w = ctx.blob("w").unwrap();
        assert_eq!((w.alignment(), w.bytes()), (1, &[0x0A, 0x0B][..]));
        let ab = ctx.blob("a b").unwrap();
        assert_eq!((ab.alignment(), ab.bytes()), (2, &[0xFF, 0x7F][..]));
        // Printed in the order of first use, the quoted key quoted again.
        let printed = print_module(&ctx, &m, &PrintOptions::default());
        assert!(
            printed.ends_with(&section(&[("w", "010000000A0B".into()), ("\"a b\"", "02000000FF7F".into())])),
            "{printed}"
        );
        assert_eq!(print_module(&ctx, &parse(&ctx, &printed).unwrap(), &PrintOptions::default()), printed);
    }

    #[test]
    fn another_file_with_other_data_under_a_key_gets_a_new_key_everywhere() {
        let ctx = Context::new();
        let first = format!("{USES}{}", section(&[("w", "010000000A0B".into()), ("\"a b\"", "02000000FF7F".into())]));
        let other = format!("{USES}{}", section(&[("w", "010000000C0D".into()), ("\"a b\"", "02000000FF7F".into())]));
        parse(&ctx, &first).unwrap();
        let m = parse(&ctx, &other).unwrap();
        // `a b` holds the same data as before: the same key.
        assert_eq!(keys(&ctx, &m), ["a b", "w_1", "w_1"]);
        assert_eq!(ctx.blob("w_1").unwrap().bytes(), &[0x0C, 0x0D]);
        assert_eq!(ctx.blob("w").unwrap().bytes(), &[0x0A, 0x0B]);
        // Read again, each file finds its own data under the keys it had.
        assert_eq!(keys(&ctx, &parse(&ctx, &first).unwrap()), ["a b", "w", "w"]);
        let printed = print_module(&ctx, &m, &PrintOptions::default());
        assert_eq!(keys(&ctx, &parse(&ctx, &printed).unwrap()), ["a b", "w_1", "w_1"]);
    }

    #[test]
    fn sections_of_any_size_and_layout_read_back_byte_for_byte() {
        let ctx = Context::new();
        // Lengths that put the pest windows' ends (16 KiB) and the hand-read strings at
        // every kind of place: before, inside and after long strings, between entries.
        let mut state = 0x2545F4914F6CDD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut entries = Vec::new();
        let mut uses = String::new();
        for i in 0..300 {
            let len = match i % 50 {
                0 => 300_000,
                _ => (next() % 700) as usize,
            };
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            uses.push_str(&format!("\"t.op\"() {{v = dense_resource<k{i}> : tensor<{len}xi8>}} : () -> ()\n"));
            entries.push((format!("k{i}"), data));
        }
        let mut text = uses.clone();
        text.push_str("{-#\n  // a comment with \"quotes\" and {-#\n  dialect_resources: {\n    builtin: {\n");
        for (i, (k, data)) in entries.iter().enumerate() {
            let mut hex = String::new();
            crate::hex::encode_into(&[1, 0, 0, 0], &mut hex);
            crate::hex::encode_into(data, &mut hex);
            // Lower-case digits parse too.
            if i % 3 == 0 {
                hex = hex.to_lowercase();
            }
            let sep = if i + 1 < entries.len() { "," } else { "" };
            match i % 4 {
                0 => text.push_str(&format!("      {k}: \"0x{hex}\"{sep}\n")),
                1 => text.push_str(&format!("      \"{k}\"  :\n  // between\n\"0x{hex}\" {sep}")),
                _ => text.push_str(&format!("{k}:\"0x{hex}\"{sep}")),
            }
        }
        text.push_str(
            "}\n  },\n  external_resources: { other: { note: \"kept\", flag: true } }\n#-}\n\"t.after\"() : () -> ()\n",
        );
        let m = parse(&ctx, &text).unwrap();
        for (k, data) in &entries {
            assert_eq!(ctx.blob(k).unwrap().bytes(), &data[..], "{k}");
        }
        assert_eq!(
            m.resources,
            [["external_resources", "other", "note", "\"kept\""], ["external_resources", "other", "flag", "true"]]
        );
        let printed = print_module(&ctx, &m, &PrintOptions::default());
        assert_eq!(print_module(&ctx, &parse(&ctx, &printed).unwrap(), &PrintOptions::default()), printed);
    }

    #[test]
    fn bad_blobs_are_errors_where_they_are() {
        let ctx = Context::new();
        let use_w = "\"t.op\"() {v = dense_resource<w> : tensor<2xi8>} : () -> ()\n";
        let with = |value: &str| format!("{use_w}{{-#\n  dialect_resources: {{ builtin: {{ w: {value} }} }}\n#-}}\n");
        // (value, what the error points at within it, message)
        let cases = [
            ("\"0x010000000A0\"", 0, "has an odd number of digits"),
            ("\"0x010000000AzB\"", 13, "expected a hex digit in the blob for key 'w', found 'z'"),
            ("\"0x0100\"", 0, "to encode alignment in first 4 bytes"),
            ("\"0x030000000A0B\"", 0, "non-power-of-2 value: 3"),
            ("\"0A0B\"", 0, "expected hex string blob for key 'w'"),
            ("true", 0, "expected hex string blob for key 'w'"),
            ("\"0x010000000A0B\", w: \"0x010000000A0C\"", 21, "defined twice with different data"),
            ("12", 0, "expected a string or boolean resource value, found '12'"),
        ];
        for (value, offset, message) in cases {
            let text = with(value);
            let (line, col, got) = parse(&ctx, &text).expect_err(&text);
            assert!(got.contains(message), "{got}\n{text}");
            let at = text.lines().nth(2).unwrap().find(value).unwrap() + offset + 1;
            assert_eq!((line, col as usize), (3, at), "{got}\n{text}");
        }
        let (line, col, got) = parse(&ctx, use_w).unwrap_err();
        assert!(got.contains("dense_resource key 'w' is not defined"), "{got}");
        assert_eq!((line, col as usize), (1, use_w.find("w>").unwrap() + 1));
        // The same data twice is fine; so is the elided key, which has no data.
        parse(&ctx, &with("\"0x010000000A0B\", w: \"0x010000000A0B\"")).unwrap();
        parse(&ctx, "\"t.op\"() {v = dense_resource<__elided__> : tensor<2xi8>} : () -> ()").unwrap();
        // An error message shows the start of a long string, not all of it.
        let long = format!("{{-# dialect_resources: {{ builtin: {{ \"0x{}\" }} }} #-}}", "AB".repeat(100_000));
        let (_, _, got) = parse(&ctx, &long).unwrap_err();
        assert!(got.len() < 200, "{got}");
    }
}
