//! The markers and what they do to one source file.
//!
//! A marker is a line comment alone on its line, `// lab:solution 3A`, directly above a
//! function (doc comments, attributes and blank lines may sit between them). In the skeleton
//! the marker line is gone and the function's body, braces included, becomes a stub: a call of
//! `todo!` whose message is the part and the function's name, `"3A: tick"`. The stub sits on
//! its own line, indented one level inside the closing brace's indentation, or on the same line
//! as the braces when the body was written on one line. Attributes, doc comments and the
//! signature stay as they are.
//!
//! (The stub is never spelled out in this crate's sources: CI greps them for leftover stubs.)

use super::lexer::{tokenize, Kind, Token};

/// The part labels a marker may carry: labs 1 (MapReduce) and 2 (kvsrv), which have no part
/// letters, and the parts of labs 3 to 5.
pub const PARTS: [&str; 10] = ["1", "2", "3A", "3B", "3C", "3D", "4A", "4B", "5A", "5B"];

/// The text every marker starts with, after `//`.
pub const MARKER_PREFIX: &str = "lab:";

/// The one marker directive.
const SOLUTION: &str = "lab:solution";

/// The start of the stub macro call. Spelled in two pieces so that this file never contains
/// the stub itself: CI greps the sources for leftover stubs.
const STUB_MACRO: &str = concat!("todo", "!(");

/// One function whose body was replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stub {
    /// The marker's line (1-based) in the original file.
    pub line: usize,
    /// Its part label, e.g. `3A`.
    pub part: String,
    /// The function's name.
    pub name: String,
}

/// A marker that cannot be applied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (1-based) of the marker or of the trouble.
    pub line: usize,
    /// What is wrong, for the user.
    pub detail: String,
}

/// A file with its markers applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stubbed {
    /// The new text.
    pub text: String,
    /// The functions stubbed, in file order.
    pub stubs: Vec<Stub>,
}

/// Whether `source` may hold markers at all (a cheap test before lexing).
pub fn may_have_markers(source: &str) -> bool {
    source.contains(MARKER_PREFIX)
}

/// Applies every marker of `source`. All problems of the file are returned together.
pub fn stub_markers(source: &str) -> Result<Stubbed, Vec<Problem>> {
    let tokens = tokenize(source).map_err(|unterminated| {
        vec![Problem {
            line: line_of(source, unterminated.start),
            detail: format!(
                "unterminated {} (the file must lex for its markers to be applied)",
                unterminated.what
            ),
        }]
    })?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut stubs = Vec::new();
    let mut problems = Vec::new();
    // Markers inside a body already replaced go with it.
    let mut replaced_up_to = 0;
    for (index, token) in tokens.iter().enumerate() {
        if token.start < replaced_up_to {
            continue;
        }
        let Some(marker) = marker_text(*token, source) else {
            continue;
        };
        let line = line_of(source, token.start);
        match apply_marker(source, &tokens, index, marker) {
            Ok(found) => {
                edits.push((
                    line_start(source, token.start),
                    line_end(source, token.end),
                    String::new(),
                ));
                edits.push((found.body.0, found.body.1, found.replacement));
                replaced_up_to = found.body.1;
                stubs.push(Stub {
                    line,
                    part: found.part,
                    name: found.name,
                });
            }
            Err(detail) => problems.push(Problem { line, detail }),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut text = String::with_capacity(source.len());
    let mut copied_up_to = 0;
    for (start, end, replacement) in edits {
        text.push_str(&source[copied_up_to..start]);
        text.push_str(&replacement);
        copied_up_to = end;
    }
    text.push_str(&source[copied_up_to..]);
    Ok(Stubbed { text, stubs })
}

/// The marker's words after `//` when the token is a marker comment (`// lab:...`), else
/// `None`. Doc comments are never markers.
fn marker_text(token: Token, source: &str) -> Option<&str> {
    if token.kind != Kind::LineComment {
        return None;
    }
    let text = token.text(source);
    let is_doc = (text.starts_with("///") && !text.starts_with("////")) || text.starts_with("//!");
    let words = text[2..].trim();
    (!is_doc && words.starts_with(MARKER_PREFIX)).then_some(words)
}

/// What applying one marker found.
struct Applied {
    part: String,
    name: String,
    /// The body's byte range, braces included.
    body: (usize, usize),
    replacement: String,
}

/// Checks the marker at `tokens[index]` and finds the function below it.
fn apply_marker(
    source: &str,
    tokens: &[Token],
    index: usize,
    words: &str,
) -> Result<Applied, String> {
    let marker = tokens[index];
    let syntax = format!(
        "the syntax is `// {SOLUTION} <PART>` alone on the line above a function, PART one of {}",
        PARTS.join(", ")
    );
    let mut parts = words.split_whitespace();
    let (Some(SOLUTION), Some(part), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("malformed marker `// {words}`: {syntax}"));
    };
    if !PARTS.contains(&part) {
        return Err(format!(
            "unknown part `{part}` in `// {words}`; parts are: {}",
            PARTS.join(", ")
        ));
    }
    if !source[line_start(source, marker.start)..marker.start]
        .trim()
        .is_empty()
    {
        return Err(format!(
            "marker `// {words}` shares its line with code: {syntax}"
        ));
    }
    let function = find_function(source, tokens, index + 1).map_err(|found| {
        format!("marker `// {words}` is not followed by a function ({found}): {syntax}")
    })?;
    let body = find_body(source, tokens, function.after_name)
        .map_err(|why| format!("marker `// {words}` is above `fn {}`, {why}", function.name))?;
    if function.is_const {
        return Err(format!(
            "marker `// {words}` is above `const fn {}`: a const fn cannot be stubbed, the \
             stub's panic message is not const; mark the functions it calls instead",
            function.name
        ));
    }
    let message = format!("{STUB_MACRO}\"{part}: {}\")", function.name);
    let (open, close) = (tokens[body.0], tokens[body.1]);
    let replacement = if source[open.start..close.end].contains('\n') {
        let line = &source[line_start(source, close.start)..close.start];
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        format!("{{\n{indent}    {message}\n{indent}}}")
    } else {
        format!("{{ {message} }}")
    };
    Ok(Applied {
        part: part.to_string(),
        name: function.name,
        body: (open.start, close.end),
        replacement,
    })
}

/// The function item found below a marker.
struct Function {
    name: String,
    is_const: bool,
    /// The index of the first token after the name.
    after_name: usize,
}

/// Skips trivia, attributes and qualifiers from `tokens[from]` to `fn NAME`. The error says
/// what was found instead.
fn find_function(source: &str, tokens: &[Token], from: usize) -> Result<Function, String> {
    let mut index = from;
    let mut is_const = false;
    loop {
        let Some(token) = tokens.get(index).copied() else {
            return Err("found the end of the file".to_string());
        };
        let text = token.text(source);
        match token.kind {
            Kind::LineComment if marker_text(token, source).is_some() => {
                return Err(format!("found a second marker, `{text}`"));
            }
            _ if token.is_trivia() => index += 1,
            Kind::Punct('#') => {
                let open = next_solid(tokens, index + 1);
                let open = match open.map(|at| tokens[at].kind) {
                    Some(Kind::Punct('!')) => next_solid(tokens, open.unwrap_or(index) + 1),
                    _ => open,
                };
                match open {
                    Some(at) if tokens[at].kind == Kind::Punct('[') => {
                        index = matching(tokens, at, '[', ']')
                            .ok_or("found an attribute without its closing `]`")?
                            + 1;
                    }
                    _ => return Err("found a `#` that does not start an attribute".to_string()),
                }
            }
            Kind::Ident if text == "pub" => {
                index += 1;
                if let Some(at) = next_solid(tokens, index) {
                    if tokens[at].kind == Kind::Punct('(') {
                        index = matching(tokens, at, '(', ')')
                            .ok_or("found `pub(` without its closing `)`")?
                            + 1;
                    }
                }
            }
            Kind::Ident if text == "const" => {
                is_const = true;
                index += 1;
            }
            Kind::Ident if matches!(text, "async" | "unsafe" | "default" | "safe" | "extern") => {
                index += 1;
                if let Some(at) = next_solid(tokens, index) {
                    if text == "extern" && tokens[at].kind == Kind::Str {
                        index = at + 1;
                    }
                }
            }
            Kind::Ident if text == "fn" => {
                let at = next_solid(tokens, index + 1)
                    .filter(|&at| tokens[at].kind == Kind::Ident)
                    .ok_or("found `fn` without a name")?;
                let name = tokens[at].text(source);
                return Ok(Function {
                    name: name.strip_prefix("r#").unwrap_or(name).to_string(),
                    is_const,
                    after_name: at + 1,
                });
            }
            _ => return Err(format!("found `{}`", first_line(text))),
        }
    }
}

/// Finds the body after a function's name: its opening and closing brace tokens. Generics,
/// parameters, the return type and a where clause come first; a brace inside them (a const
/// generic argument) is skipped whole.
fn find_body(source: &str, tokens: &[Token], from: usize) -> Result<(usize, usize), String> {
    let mut depth = 0usize;
    let mut returns = false;
    let mut index = from;
    while let Some(token) = tokens.get(index).copied() {
        let after_dash = index > 0
            && tokens[index - 1].kind == Kind::Punct('-')
            && tokens[index - 1].end == token.start;
        match token.kind {
            Kind::Punct('(' | '[' | '<') => depth += 1,
            Kind::Punct('>') if after_dash => returns |= depth == 0,
            Kind::Punct(')' | ']' | '>') => depth = depth.saturating_sub(1),
            Kind::Punct('{') => {
                let close =
                    matching(tokens, index, '{', '}').ok_or("whose body has no closing `}`")?;
                if depth == 0 {
                    return Ok((index, close));
                }
                index = close;
            }
            Kind::Punct(';') if depth == 0 => {
                return Err("which has no body (a marker needs a function with a body)".to_string())
            }
            Kind::Ident if returns && token.text(source) == "impl" => {
                return Err(
                    "which returns `impl Trait`: the stub's `!` would become `()`, which \
                            does not implement the trait; return a named type or mark the \
                            functions it calls instead"
                        .to_string(),
                )
            }
            _ => {}
        }
        index += 1;
    }
    Err("whose body is missing (end of file)".to_string())
}

/// The index of the first non-trivia token at or after `from`.
fn next_solid(tokens: &[Token], from: usize) -> Option<usize> {
    (from..tokens.len()).find(|&at| !tokens[at].is_trivia())
}

/// The index of the `close` token matching the `open` token at `at`.
fn matching(tokens: &[Token], at: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate().skip(at) {
        if token.kind == Kind::Punct(open) {
            depth += 1;
        } else if token.kind == Kind::Punct(close) {
            depth -= 1;
            if depth == 0 {
                return Some(index);
            }
        }
    }
    None
}

/// The 1-based line of byte offset `at`.
fn line_of(source: &str, at: usize) -> usize {
    source[..at].matches('\n').count() + 1
}

/// The byte offset where the line holding `at` starts.
fn line_start(source: &str, at: usize) -> usize {
    source[..at].rfind('\n').map_or(0, |newline| newline + 1)
}

/// The byte offset just past the newline ending the line holding `at` (or the end of file).
fn line_end(source: &str, at: usize) -> usize {
    source[at..]
        .find('\n')
        .map_or(source.len(), |offset| at + offset + 1)
}

/// The first line of a token's text, for messages.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
