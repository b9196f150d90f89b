//! A tiny parser of affine expression text, for tests only: it calls the simplifying
//! constructors in the order MLIR's `AffineParser` does, so the tests of construction and
//! printing do not depend on the main parser.
//!
//! Grammar (MLIR's): `expr ::= term (('+' | '-') term)*`,
//! `term ::= operand (('*' | 'floordiv' | 'ceildiv' | 'mod') operand)*`,
//! `operand ::= integer | dN | sN | '(' expr ')' | '-' operand`. All binary operators associate
//! to the left; negation binds tighter than any of them (`-d0 floordiv 2` is `(-d0) floordiv 2`).
//! `a - b` is built as `a + b * -1` and `-x` as `x * -1`, as MLIR builds them.

use super::AffineExpr;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Int(String),
    Word(String),
    Punct(char),
}

/// Parses `text` over dimensions `d0..d{num_dims-1}` and symbols `s0..s{num_syms-1}`; `Err`
/// carries MLIR's message for what MLIR rejects (non-affine products and divisions, constants
/// beyond `i64::MAX`).
pub(super) fn parse_expr(text: &str, num_dims: u32, num_syms: u32) -> Result<AffineExpr, String> {
    let mut p = Parser { tokens: tokenize(text)?, pos: 0, num_dims, num_syms };
    let e = p.expr()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(format!("unexpected token {t:?}")),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek().filter(|(_, c)| c.is_ascii_alphanumeric() || *c == '_') {
                end = i + c.len_utf8();
                chars.next();
            }
            let word = text[start..end].to_string();
            tokens.push(if c.is_ascii_digit() { Token::Int(word) } else { Token::Word(word) });
        } else if "()+-*".contains(c) {
            tokens.push(Token::Punct(c));
            chars.next();
        } else {
            return Err(format!("unexpected character '{c}'"));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    num_dims: u32,
    num_syms: u32,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(&Token::Punct(c));
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expr(&mut self) -> Result<AffineExpr, String> {
        let mut acc = self.term()?;
        loop {
            if self.eat_punct('+') {
                acc = AffineExpr::add(acc, self.term()?);
            } else if self.eat_punct('-') {
                acc = AffineExpr::sub(acc, self.term()?);
            } else {
                return Ok(acc);
            }
        }
    }

    fn term(&mut self) -> Result<AffineExpr, String> {
        let mut acc = self.operand()?;
        while let Some(op) = self.high_op() {
            let rhs = self.operand()?;
            acc = apply_high(op, acc, rhs)?;
        }
        Ok(acc)
    }

    /// Consumes `*`, `floordiv`, `ceildiv` or `mod`.
    fn high_op(&mut self) -> Option<&'static str> {
        let op = match self.peek()? {
            Token::Punct('*') => "*",
            Token::Word(w) if w == "floordiv" => "floordiv",
            Token::Word(w) if w == "ceildiv" => "ceildiv",
            Token::Word(w) if w == "mod" => "mod",
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn operand(&mut self) -> Result<AffineExpr, String> {
        match self.next() {
            Some(Token::Int(digits)) => integer(&digits),
            Some(Token::Punct('(')) => {
                let e = self.expr()?;
                if self.eat_punct(')') {
                    Ok(e)
                } else {
                    Err("expected ')'".to_string())
                }
            }
            Some(Token::Punct('-')) => Ok(AffineExpr::neg(self.operand()?)),
            Some(Token::Word(w)) => self.identifier(&w),
            t => Err(format!("expected affine expression, found {t:?}")),
        }
    }

    fn identifier(&self, word: &str) -> Result<AffineExpr, String> {
        let index = |prefix: char, bound: u32| {
            word.strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok()).filter(|&i| i < bound)
        };
        if let Some(i) = index('d', self.num_dims) {
            Ok(AffineExpr::Dim(i))
        } else if let Some(i) = index('s', self.num_syms) {
            Ok(AffineExpr::Symbol(i))
        } else {
            Err(format!("use of undeclared identifier '{word}'"))
        }
    }
}

/// A non-negative literal; MLIR 22 rejects one beyond `i64::MAX`.
fn integer(digits: &str) -> Result<AffineExpr, String> {
    match digits.parse::<i64>() {
        Ok(v) => Ok(AffineExpr::Const(v)),
        Err(_) => Err("constant too large for index".to_string()),
    }
}

/// A high-precedence operation, with the affinity checks of MLIR's parser.
fn apply_high(op: &str, lhs: AffineExpr, rhs: AffineExpr) -> Result<AffineExpr, String> {
    if op == "*" {
        if !lhs.is_symbolic_or_constant() && !rhs.is_symbolic_or_constant() {
            return Err("non-affine expression: at least one of the multiply operands has to be either a constant or \
                        symbolic"
                .to_string());
        }
        return Ok(AffineExpr::mul(lhs, rhs));
    }
    if !rhs.is_symbolic_or_constant() {
        return Err(format!("non-affine expression: right operand of {op} has to be either a constant or symbolic"));
    }
    Ok(match op {
        "floordiv" => AffineExpr::floor_div(lhs, rhs),
        "ceildiv" => AffineExpr::ceil_div(lhs, rhs),
        _ => AffineExpr::modulo(lhs, rhs),
    })
}
