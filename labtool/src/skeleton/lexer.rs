//! Just enough of Rust's lexical grammar to find a function's body: comments (nested block
//! comments too), string, byte, C and raw string literals, char literals told apart from
//! lifetimes, identifiers (raw ones too) and single punctuation characters. Everything else
//! (numbers, operators) comes out as identifiers or punctuation, which is all the brace
//! matcher needs.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Spaces, tabs, newlines.
    Whitespace,
    /// `// ...` up to the end of the line (doc comments included).
    LineComment,
    /// `/* ... */`, nested ones included.
    BlockComment,
    /// Any string literal: `"..."`, `b"..."`, `c"..."`, `r#"..."#`, with its suffix.
    Str,
    /// A char or byte literal: `'x'`, `'\''`, `b'{'`.
    Char,
    /// A lifetime or loop label: `'a`, `'static`, `'_`.
    Lifetime,
    /// An identifier, keyword or number (`fn`, `r#type`, `0x1f`).
    Ident,
    /// One punctuation character.
    Punct(char),
}

/// One token: its kind and where it is in the source (byte offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
}

impl Token {
    /// The token's text.
    pub fn text(self, source: &str) -> &str {
        &source[self.start..self.end]
    }

    /// Whether the token is whitespace or a comment.
    pub fn is_trivia(self) -> bool {
        matches!(
            self.kind,
            Kind::Whitespace | Kind::LineComment | Kind::BlockComment
        )
    }
}

/// A literal or comment that runs to the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unterminated {
    /// Byte offset where it starts.
    pub start: usize,
    /// What it is (`string literal`, `block comment`, ...).
    pub what: &'static str,
}

/// Splits `source` into tokens; the tokens cover the source with no gaps.
pub fn tokenize(source: &str) -> Result<Vec<Token>, Unterminated> {
    let mut lexer = Lexer {
        source,
        bytes: source.as_bytes(),
        position: 0,
    };
    let mut tokens = Vec::new();
    while lexer.position < source.len() {
        let start = lexer.position;
        let kind = lexer.next_kind()?;
        tokens.push(Token {
            kind,
            start,
            end: lexer.position,
        });
    }
    Ok(tokens)
}

/// The state of a tokenization.
struct Lexer<'s> {
    source: &'s str,
    bytes: &'s [u8],
    position: usize,
}

impl Lexer<'_> {
    /// The byte `ahead` bytes past the current position, if any.
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.position + ahead).copied()
    }

    /// The character at byte offset `at`.
    fn char_at(&self, at: usize) -> Option<char> {
        self.source.get(at..).and_then(|rest| rest.chars().next())
    }

    /// Lexes one token starting at the current position and returns its kind.
    fn next_kind(&mut self) -> Result<Kind, Unterminated> {
        let start = self.position;
        let first = self.char_at(start).unwrap_or('\0');
        if first.is_whitespace() {
            while self.char_at(self.position).is_some_and(char::is_whitespace) {
                self.position += self.char_at(self.position).map_or(1, char::len_utf8);
            }
            return Ok(Kind::Whitespace);
        }
        match (self.peek(0), self.peek(1)) {
            (Some(b'/'), Some(b'/')) => {
                self.position = self.source[start..]
                    .find('\n')
                    .map_or(self.source.len(), |offset| start + offset);
                return Ok(Kind::LineComment);
            }
            (Some(b'/'), Some(b'*')) => return self.block_comment(),
            (Some(b'"'), _) => return self.quoted(1, "string literal"),
            (Some(b'\''), _) => return self.char_or_lifetime(),
            _ => {}
        }
        if let Some(kind) = self.prefixed_literal()? {
            return Ok(kind);
        }
        if first == '_' || first.is_alphanumeric() {
            self.identifier_tail();
            return Ok(Kind::Ident);
        }
        self.position += first.len_utf8();
        Ok(Kind::Punct(first))
    }

    /// A block comment, counting nested `/* */` pairs.
    fn block_comment(&mut self) -> Result<Kind, Unterminated> {
        let start = self.position;
        self.position += 2;
        let mut depth = 1;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (None, _) => {
                    return Err(Unterminated {
                        start,
                        what: "block comment",
                    })
                }
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.position += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.position += 2;
                }
                _ => self.position += 1,
            }
        }
        Ok(Kind::BlockComment)
    }

    /// A `"`-delimited literal whose opening quote is `skip` bytes ahead (after a `b` or `c`
    /// prefix), with backslash escapes, then any suffix.
    fn quoted(&mut self, skip: usize, what: &'static str) -> Result<Kind, Unterminated> {
        let start = self.position;
        self.position += skip;
        loop {
            match self.peek(0) {
                None => return Err(Unterminated { start, what }),
                Some(b'\\') => self.position += 2,
                Some(b'"') => {
                    self.position += 1;
                    break;
                }
                Some(_) => self.position += 1,
            }
        }
        self.identifier_tail();
        Ok(Kind::Str)
    }

    /// A raw string whose `r` is `skip` bytes ahead: `r"..."`, `r#"..."#`, and so on.
    fn raw_string(&mut self, skip: usize) -> Result<Kind, Unterminated> {
        let start = self.position;
        self.position += skip + 1;
        let mut hashes = 0;
        while self.peek(0) == Some(b'#') {
            hashes += 1;
            self.position += 1;
        }
        // The caller checked that a quote follows the hashes.
        self.position += 1;
        let closing = format!("\"{}", "#".repeat(hashes));
        match self.source[self.position..].find(&closing) {
            Some(offset) => self.position += offset + closing.len(),
            None => {
                return Err(Unterminated {
                    start,
                    what: "raw string literal",
                })
            }
        }
        self.identifier_tail();
        Ok(Kind::Str)
    }

    /// A literal with a letter prefix (`b"`, `c"`, `r"`, `r#"`, `br"`, `cr#"`, `b'`), or `None`
    /// when the letters start an identifier (`r#type` included).
    fn prefixed_literal(&mut self) -> Result<Option<Kind>, Unterminated> {
        let letters = match (self.peek(0), self.peek(1)) {
            (Some(b'b' | b'c'), Some(b'r')) => 2,
            (Some(b'b' | b'c' | b'r'), _) => 1,
            _ => return Ok(None),
        };
        // Not a prefix when glued to the end of an identifier (`abc"` cannot happen, but `xr`
        // is lexed as one identifier before reaching here anyway).
        let raw = self.peek(letters - 1) == Some(b'r');
        if raw {
            let mut at = letters;
            while self.peek(at) == Some(b'#') {
                at += 1;
            }
            if self.peek(at) == Some(b'"') {
                return self.raw_string(letters - 1).map(Some);
            }
            return Ok(None);
        }
        match self.peek(1) {
            Some(b'"') => self.quoted(2, "string literal").map(Some),
            Some(b'\'') if self.peek(0) == Some(b'b') => {
                self.position += 1;
                self.char_or_lifetime().map(Some)
            }
            _ => Ok(None),
        }
    }

    /// After a `'`: a char literal (`'x'`, `'\n'`, `'{'`) or a lifetime (`'a`, `'static`).
    fn char_or_lifetime(&mut self) -> Result<Kind, Unterminated> {
        let start = self.position;
        let quote = self.position;
        let unterminated = Unterminated {
            start,
            what: "char literal",
        };
        let Some(next) = self.char_at(quote + 1) else {
            return Err(unterminated);
        };
        if next == '\\' {
            // An escape: scan to the closing quote (`'\''` and `'\u{7f}'` included).
            let mut at = quote + 3;
            while at <= self.source.len() {
                if self.bytes.get(at) == Some(&b'\'') {
                    self.position = at + 1;
                    return Ok(Kind::Char);
                }
                if self.bytes.get(at) == Some(&b'\n') || at == self.source.len() {
                    break;
                }
                at += 1;
            }
            return Err(unterminated);
        }
        let after = quote + 1 + next.len_utf8();
        if self.bytes.get(after) == Some(&b'\'') {
            self.position = after + 1;
            return Ok(Kind::Char);
        }
        // A lifetime or label: the quote, then an identifier (possibly raw, `'r#a`).
        self.position = quote + 1;
        if self.peek(0) == Some(b'r') && self.peek(1) == Some(b'#') {
            self.position += 2;
        }
        self.identifier_tail();
        Ok(Kind::Lifetime)
    }

    /// Moves past identifier characters (letters, digits, `_`; also `#` right after a lone `r`
    /// for raw identifiers).
    fn identifier_tail(&mut self) {
        if self.peek(0) == Some(b'r') && self.peek(1) == Some(b'#') {
            self.position += 2;
        }
        while let Some(c) = self.char_at(self.position) {
            if c == '_' || c.is_alphanumeric() {
                self.position += c.len_utf8();
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The non-whitespace tokens as (kind, text).
    fn lex(source: &str) -> Vec<(Kind, &str)> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .filter(|token| token.kind != Kind::Whitespace)
            .map(|token| (token.kind, token.text(source)))
            .collect()
    }

    #[test]
    fn tokens_cover_the_source() {
        let source = "fn f<'a>(x: &'a str) -> char { let c = '{'; /* } */ \"}\" }";
        let tokens = tokenize(source).unwrap();
        let joined: String = tokens.iter().map(|token| token.text(source)).collect();
        assert_eq!(joined, source);
    }

    #[test]
    fn chars_and_lifetimes_are_told_apart() {
        assert_eq!(
            lex("'a' 'a '\\'' '\\u{7b}' 'static b'{' '_ '🦀'"),
            [
                (Kind::Char, "'a'"),
                (Kind::Lifetime, "'a"),
                (Kind::Char, "'\\''"),
                (Kind::Char, "'\\u{7b}'"),
                (Kind::Lifetime, "'static"),
                (Kind::Char, "b'{'"),
                (Kind::Lifetime, "'_"),
                (Kind::Char, "'🦀'"),
            ]
        );
    }

    #[test]
    fn strings_of_every_shape() {
        assert_eq!(
            lex(r###"r#"{"# br"}" b"\"{" c"x" r##"a"#b"## "\\" "a"suffix r#type"###),
            [
                (Kind::Str, r##"r#"{"#"##),
                (Kind::Str, r#"br"}""#),
                (Kind::Str, r#"b"\"{""#),
                (Kind::Str, r#"c"x""#),
                (Kind::Str, r###"r##"a"#b"##"###),
                (Kind::Str, r#""\\""#),
                (Kind::Str, r#""a"suffix"#),
                (Kind::Ident, "r#type"),
            ]
        );
    }

    #[test]
    fn nested_block_comments_end_at_the_outer_close() {
        assert_eq!(
            lex("/* a /* { */ } */ x // }\ny"),
            [
                (Kind::BlockComment, "/* a /* { */ } */"),
                (Kind::Ident, "x"),
                (Kind::LineComment, "// }"),
                (Kind::Ident, "y"),
            ]
        );
    }

    #[test]
    fn unterminated_literals_are_reported() {
        assert_eq!(tokenize("x \"abc").unwrap_err().what, "string literal");
        assert_eq!(tokenize("/* /* */").unwrap_err().what, "block comment");
        assert_eq!(
            tokenize("r#\"abc\"").unwrap_err().what,
            "raw string literal"
        );
    }
}
