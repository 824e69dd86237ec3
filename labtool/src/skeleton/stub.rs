//! The markers and what they do to one source file.
//!
//! A marker is a line comment alone on its line, directly above what it marks (doc comments,
//! attributes and blank lines may sit between them). There are three:
//!
//! - `// lab:solution 3A` above a function: the marker line is gone and the function's body,
//!   braces included, becomes a stub: a call of `todo!` whose message is the part and the
//!   function's name, `"3A: tick"`. The stub sits on its own line, indented one level inside
//!   the closing brace's indentation, or on the same line as the braces when the body was
//!   written on one line. When the function has named parameters, a `let _ = (&a, &mut b);`
//!   before the call uses them, so a stub never warns about an unused parameter. Attributes,
//!   doc comments and the signature stay as they are.
//! - `// lab:hide 3A` above an item (`use`, `const`, `static`, `type`, `fn`, `struct`, `enum`,
//!   `union`, `impl`, `trait`, `mod`): the item is left out, with its attributes and doc
//!   comments, those above the marker included. For imports and helpers only solutions use.
//! - `// lab:given 3A` above an item, a field or a variant: the marker line becomes
//!   `#[expect(dead_code, reason = "...")]`, for what the skeleton gives on purpose but only
//!   the student's code will use. Once it is used, the compiler reports the expectation as
//!   unfulfilled, and its reason says to delete the attribute.
//!
//! (The stub is never spelled out in this crate's sources: CI greps them for leftover stubs.)

use super::lexer::{tokenize, Kind, Token};

/// The part labels a marker may carry: labs 1 (MapReduce) and 2 (kvsrv), which have no part
/// letters, and the parts of labs 3 to 5.
pub const PARTS: [&str; 10] = ["1", "2", "3A", "3B", "3C", "3D", "4A", "4B", "5A", "5B"];

/// The text every marker starts with, after `//`.
pub const MARKER_PREFIX: &str = "lab:";

/// The directive that stubs a function's body.
const SOLUTION: &str = "lab:solution";

/// The directive that leaves an item out.
const HIDE: &str = "lab:hide";

/// The directive that marks a given item the student's code will use.
const GIVEN: &str = "lab:given";

/// The three directives, as the syntax help lists them.
const DIRECTIVES: [&str; 3] = [SOLUTION, HIDE, GIVEN];

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
    /// The items left out (`lab:hide`), in file order; `name` is the item's name.
    pub hidden: Vec<Stub>,
    /// The items marked given (`lab:given`), in file order; `name` is the item's name.
    pub given: Vec<Stub>,
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
    let mut edits: Vec<Edit> = Vec::new();
    let mut stubbed = Stubbed {
        text: String::new(),
        stubs: Vec::new(),
        hidden: Vec::new(),
        given: Vec::new(),
    };
    let mut problems = Vec::new();
    // Markers inside a body replaced or an item left out go with it.
    let mut replaced_up_to = 0;
    for (index, token) in tokens.iter().enumerate() {
        if token.start < replaced_up_to {
            continue;
        }
        let Some(words) = marker_text(*token, source) else {
            continue;
        };
        let line = line_of(source, token.start);
        match apply_marker(source, &tokens, index, words) {
            Ok(applied) => {
                replaced_up_to = applied.edits.last().map_or(token.end, |edit| edit.end);
                edits.extend(applied.edits);
                let marked = Stub {
                    line,
                    part: applied.part,
                    name: applied.name,
                };
                match applied.directive {
                    Directive::Solution => stubbed.stubs.push(marked),
                    Directive::Hide => stubbed.hidden.push(marked),
                    Directive::Given => stubbed.given.push(marked),
                }
            }
            Err(detail) => problems.push(Problem { line, detail }),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut text = String::with_capacity(source.len());
    let mut copied_up_to = 0;
    for edit in edits {
        text.push_str(&source[copied_up_to..edit.start]);
        text.push_str(&edit.replacement);
        copied_up_to = edit.end;
    }
    text.push_str(&source[copied_up_to..]);
    stubbed.text = text;
    Ok(stubbed)
}

/// The stubs an open-tier template spells out: each call of `todo!` with a literal message
/// `"PART: name"`. A stub whose message does not start with a known part is a problem.
pub fn template_stubs(source: &str) -> Result<Vec<Stub>, Vec<Problem>> {
    let tokens = tokenize(source).map_err(|unterminated| {
        vec![Problem {
            line: line_of(source, unterminated.start),
            detail: format!("unterminated {}", unterminated.what),
        }]
    })?;
    let solid: Vec<Token> = tokens.into_iter().filter(|t| !t.is_trivia()).collect();
    let mut stubs = Vec::new();
    let mut problems = Vec::new();
    for window in solid.windows(4) {
        let [name, bang, open, message] = window else {
            continue;
        };
        let is_stub = name.kind == Kind::Ident
            && name.text(source) == "todo"
            && bang.kind == Kind::Punct('!')
            && open.kind == Kind::Punct('(');
        if !is_stub {
            continue;
        }
        let line = line_of(source, name.start);
        let text = message.text(source);
        let parsed = (message.kind == Kind::Str)
            .then(|| text.strip_prefix('"')?.strip_suffix('"')?.split_once(": "))
            .flatten()
            .filter(|(part, _)| PARTS.contains(part));
        match parsed {
            Some((part, function)) => stubs.push(Stub {
                line,
                part: part.to_string(),
                name: function.to_string(),
            }),
            None => problems.push(Problem {
                line,
                detail: format!(
                    "a stub's message must be \"PART: name\", PART one of {}",
                    PARTS.join(", ")
                ),
            }),
        }
    }
    if problems.is_empty() {
        Ok(stubs)
    } else {
        Err(problems)
    }
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

/// What a marker asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    /// `lab:solution`: stub the function's body.
    Solution,
    /// `lab:hide`: leave the item out.
    Hide,
    /// `lab:given`: expect the item to be unused until the student uses it.
    Given,
}

/// One replacement of a byte range of the source.
struct Edit {
    start: usize,
    end: usize,
    replacement: String,
}

/// What applying one marker found.
struct Applied {
    directive: Directive,
    part: String,
    name: String,
    /// The replacements, in source order.
    edits: Vec<Edit>,
}

/// Checks the marker at `tokens[index]` and applies it to what is below it.
fn apply_marker(
    source: &str,
    tokens: &[Token],
    index: usize,
    words: &str,
) -> Result<Applied, String> {
    let marker = tokens[index];
    let syntax = format!(
        "the syntax is `// {SOLUTION} <PART>` above a function, `// {HIDE} <PART>` above an \
         item or `// {GIVEN} <PART>` above an item, field or variant, alone on its line, PART \
         one of {}",
        PARTS.join(", ")
    );
    let mut parts = words.split_whitespace();
    let (Some(directive), Some(part), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("malformed marker `// {words}`: {syntax}"));
    };
    let directive = match directive {
        SOLUTION => Directive::Solution,
        HIDE => Directive::Hide,
        GIVEN => Directive::Given,
        _ => {
            return Err(format!(
                "malformed marker `// {words}`: the directives are {}; {syntax}",
                DIRECTIVES.join(", ")
            ))
        }
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
    let at = At {
        source,
        tokens,
        index,
        words,
        syntax: &syntax,
        part,
    };
    let (name, edits) = match directive {
        Directive::Solution => stub_function(&at)?,
        Directive::Hide => hide_item(&at)?,
        Directive::Given => give_item(&at)?,
    };
    Ok(Applied {
        directive,
        part: part.to_string(),
        name,
        edits,
    })
}

/// A marker being applied: the source, its tokens, the marker's index among them, its words,
/// the syntax help for messages, and its part.
#[derive(Clone, Copy)]
struct At<'a> {
    source: &'a str,
    tokens: &'a [Token],
    index: usize,
    words: &'a str,
    syntax: &'a str,
    part: &'a str,
}

/// `lab:solution`: the marker line goes and the body below becomes a stub.
fn stub_function(at: &At) -> Result<(String, Vec<Edit>), String> {
    let At {
        source,
        tokens,
        index,
        words,
        syntax,
        part,
    } = *at;
    let marker = tokens[index];
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
    let used = parameters(source, tokens, function.after_name)
        .map_err(|why| format!("marker `// {words}` is above `fn {}`, {why}", function.name))?;
    let uses = match used.as_slice() {
        [] => String::new(),
        [one] => format!("let _ = {one};"),
        many => format!("let _ = ({});", many.join(", ")),
    };
    let message = format!("{STUB_MACRO}\"{part}: {}\")", function.name);
    let (open, close) = (tokens[body.0], tokens[body.1]);
    // A body on one line stays on one line when the stub is one expression; with a `let`
    // before it, it takes lines as rustfmt would lay it out.
    let replacement = if source[open.start..close.end].contains('\n') || !uses.is_empty() {
        let line = &source[line_start(source, close.start)..close.start];
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        let uses = if uses.is_empty() {
            uses
        } else {
            format!("{indent}    {uses}\n")
        };
        format!("{{\n{uses}{indent}    {message}\n{indent}}}")
    } else {
        format!("{{ {message} }}")
    };
    Ok((
        function.name,
        vec![
            Edit {
                start: line_start(source, marker.start),
                end: line_end(source, marker.end),
                replacement: String::new(),
            },
            Edit {
                start: open.start,
                end: close.end,
                replacement,
            },
        ],
    ))
}

/// `lab:hide`: the item below goes, with the marker, its attributes and doc comments (those
/// on the lines just above the marker too) and one of the blank lines around it.
fn hide_item(at: &At) -> Result<(String, Vec<Edit>), String> {
    let At {
        source,
        tokens,
        index,
        words,
        syntax,
        ..
    } = *at;
    let marker = tokens[index];
    let item = find_item(source, tokens, index + 1).map_err(|found| {
        format!("marker `// {words}` is not followed by an item ({found}): {syntax}")
    })?;
    let Some(kind) = item.kind else {
        return Err(format!(
            "marker `// {words}` is above `{}`, which is not an item (a field or a variant \
             cannot be left out; give it with `// {GIVEN}` or hide what uses it): {syntax}",
            item.name
        ));
    };
    let last = item_end(tokens, item.keyword, kind).ok_or_else(|| {
        format!(
            "marker `// {words}` is above `{} {}`, whose end is missing",
            tokens[item.keyword].text(source),
            item.name
        )
    })?;
    let mut start = line_start(source, marker.start);
    while start > 0 {
        let above = line_start(source, start - 1);
        let line = source[above..start].trim();
        if (line.starts_with("///") && !line.starts_with("////")) || line.starts_with("#[") {
            start = above;
        } else {
            break;
        }
    }
    // One blank line of those around the item goes with it, as rustfmt would have it: none
    // is left twice in a row, nor just inside a brace.
    let mut end = line_end(source, tokens[last].end);
    let above = (start > 0).then(|| line_start(source, start - 1));
    let line_above = above.map_or("", |above| source[above..start].trim());
    let line_below = source[end..line_end(source, end)].trim();
    let blank_above = above.is_some() && line_above.is_empty();
    let blank_below = end < source.len() && line_below.is_empty();
    if (blank_above || above.is_none() || line_above.ends_with('{')) && blank_below {
        end = line_end(source, end);
    } else if blank_above && (line_below.starts_with('}') || end == source.len()) {
        start = above.unwrap_or(start);
    }
    Ok((
        item.name,
        vec![Edit {
            start,
            end,
            replacement: String::new(),
        }],
    ))
}

/// `lab:given`: the marker line becomes an expectation that the thing below is dead code.
fn give_item(at: &At) -> Result<(String, Vec<Edit>), String> {
    let At {
        source,
        tokens,
        index,
        words,
        syntax,
        part,
    } = *at;
    let marker = tokens[index];
    let item = find_item(source, tokens, index + 1).map_err(|found| {
        format!(
            "marker `// {words}` is not followed by an item, field or variant ({found}): {syntax}"
        )
    })?;
    if item.kind == Some(ItemKind::Use) {
        return Err(format!(
            "marker `// {words}` is above a `use`: an unused import is not dead code; hide \
             it with `// {HIDE} {part}` instead"
        ));
    }
    let start = line_start(source, marker.start);
    let indent = &source[start..marker.start];
    Ok((
        item.name,
        vec![Edit {
            start,
            end: line_end(source, marker.end),
            replacement: format!(
                "{indent}#[expect(dead_code, reason = \"{}\")]\n",
                given_reason(part)
            ),
        }],
    ))
}

/// The reason a `lab:given` expectation gives, which the compiler repeats when it is
/// unfulfilled. Short, so that the attribute stays on one line as rustfmt writes it.
fn given_reason(part: &str) -> String {
    format!("given for {part}: delete this once your code uses it")
}

/// The kinds of item `lab:hide` knows the end of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    /// `use`: ends at its `;`.
    Use,
    /// `const`, `static`, `type`: end at their `;`, whatever braces their value holds.
    Semicolon,
    /// `fn`, `struct`, `enum`, `union`, `impl`, `trait`, `mod`: end at their closing brace
    /// (or their `;`: a unit or tuple struct, a declaration).
    Braced,
}

/// What `find_item` found: the first token after the attributes, visibility and qualifiers.
struct Item {
    /// The index of that token: the item's keyword, or a field's or variant's name.
    keyword: usize,
    /// The kind of item; `None` for a field or a variant.
    kind: Option<ItemKind>,
    /// The item's name (`use` items: their path), or the field's or variant's.
    name: String,
}

/// Finds the item (or field or variant) below a marker.
fn find_item(source: &str, tokens: &[Token], from: usize) -> Result<Item, String> {
    let start = skip_prelude(source, tokens, from)?;
    let token = tokens[start.index];
    let text = token.text(source);
    if token.kind != Kind::Ident {
        return Err(format!("found `{}`", first_line(text)));
    }
    let kind = match text {
        "use" => Some(ItemKind::Use),
        "const" | "static" | "type" => Some(ItemKind::Semicolon),
        "fn" | "struct" | "enum" | "union" | "impl" | "trait" | "mod" => Some(ItemKind::Braced),
        _ if start.is_const => return Err("found `const` without an item".to_string()),
        _ => None,
    };
    let name = match kind {
        None => text.to_string(),
        Some(ItemKind::Use) => {
            let end = (start.index..tokens.len())
                .find(|&at| tokens[at].kind == Kind::Punct(';'))
                .map_or(source.len(), |at| tokens[at].start);
            let path: String = source[tokens[start.index].end..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            path
        }
        Some(_) => next_solid(tokens, start.index + 1)
            .filter(|&at| tokens[at].kind == Kind::Ident)
            .map_or_else(
                || text.to_string(),
                |at| tokens[at].text(source).to_string(),
            ),
    };
    Ok(Item {
        keyword: start.index,
        kind,
        name,
    })
}

/// The index of an item's last token, from its keyword at `from`.
fn item_end(tokens: &[Token], from: usize, kind: ItemKind) -> Option<usize> {
    let mut depth = 0usize;
    for (at, token) in tokens.iter().enumerate().skip(from) {
        match token.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']') => depth = depth.saturating_sub(1),
            Kind::Punct('}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 && kind == ItemKind::Braced {
                    return Some(at);
                }
            }
            Kind::Punct(';') if depth == 0 => return Some(at),
            _ => {}
        }
    }
    None
}

/// The expressions a stub uses its parameters with (`&a`, `&mut b`), from the token after the
/// function's name. `self` and names starting with `_` need none; a parameter that is a
/// pattern rather than a name is refused, since the stub could not name it.
fn parameters(source: &str, tokens: &[Token], from: usize) -> Result<Vec<String>, String> {
    let mut at = next_solid(tokens, from).ok_or("whose parameters are missing")?;
    if tokens[at].kind == Kind::Punct('<') {
        at = close_angle(tokens, at).ok_or("whose generics do not close")? + 1;
        at = next_solid(tokens, at).ok_or("whose parameters are missing")?;
    }
    if tokens[at].kind != Kind::Punct('(') {
        return Err("whose parameter list is not where it should be".to_string());
    }
    let close = matching(tokens, at, '(', ')').ok_or("whose parameter list does not close")?;
    let mut used = Vec::new();
    let mut depth = 0usize;
    let mut parameter: Vec<Token> = Vec::new();
    for index in at + 1..=close {
        let token = tokens[index];
        let after_dash =
            tokens[index - 1].kind == Kind::Punct('-') && tokens[index - 1].end == token.start;
        let ends = index == close || (depth == 0 && token.kind == Kind::Punct(','));
        if ends {
            if let Some(expression) = use_of(source, &parameter)? {
                used.push(expression);
            }
            parameter.clear();
            continue;
        }
        match token.kind {
            Kind::Punct('(' | '[' | '{' | '<') => depth += 1,
            Kind::Punct('>') if after_dash => {}
            Kind::Punct(')' | ']' | '}' | '>') => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !token.is_trivia() {
            parameter.push(token);
        }
    }
    Ok(used)
}

/// How a stub uses one parameter (its non-trivia tokens), if it must.
fn use_of(source: &str, parameter: &[Token]) -> Result<Option<String>, String> {
    // Attributes on the parameter come first.
    let mut rest = parameter;
    while rest.first().map(|t| t.kind) == Some(Kind::Punct('#')) {
        let close = rest.iter().position(|t| t.kind == Kind::Punct(']'));
        rest = &rest[close.map_or(rest.len(), |at| at + 1)..];
    }
    if rest.is_empty() {
        return Ok(None);
    }
    let texts: Vec<&str> = rest.iter().map(|t| t.text(source)).collect();
    let colon = (0..texts.len()).find(|&at| {
        texts[at] == ":" && texts.get(at + 1) != Some(&":") && (at == 0 || texts[at - 1] != ":")
    });
    let pattern = &texts[..colon.unwrap_or(texts.len())];
    if pattern.contains(&"self") {
        return Ok(None);
    }
    match pattern {
        [name] if name.starts_with('_') => Ok(None),
        ["mut", name] if name.starts_with('_') => Ok(None),
        [name] if is_name(name) => Ok(Some(format!("&{name}"))),
        ["mut", name] if is_name(name) => Ok(Some(format!("&mut {name}"))),
        _ => Err(format!(
            "whose parameter `{}` is a pattern: name it, so that the stub can use it",
            pattern.join(" ")
        )),
    }
}

/// Whether `text` is a plain (or raw) identifier.
fn is_name(text: &str) -> bool {
    let bare = text.strip_prefix("r#").unwrap_or(text);
    bare.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && bare.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The index of the `>` closing the `<` at `at`; a `>` of `->` does not count.
fn close_angle(tokens: &[Token], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for index in at..tokens.len() {
        let token = tokens[index];
        let after_dash = index > 0
            && tokens[index - 1].kind == Kind::Punct('-')
            && tokens[index - 1].end == token.start;
        match token.kind {
            Kind::Punct('<') => depth += 1,
            Kind::Punct('>') if !after_dash => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// The function item found below a marker.
struct Function {
    name: String,
    is_const: bool,
    /// The index of the first token after the name.
    after_name: usize,
}

/// Finds `fn NAME` below a marker, past attributes, visibility and qualifiers. The error says
/// what was found instead.
fn find_function(source: &str, tokens: &[Token], from: usize) -> Result<Function, String> {
    let start = skip_prelude(source, tokens, from)?;
    let token = tokens[start.index];
    let text = token.text(source);
    if token.kind != Kind::Ident || text != "fn" {
        return Err(format!("found `{}`", first_line(text)));
    }
    let at = next_solid(tokens, start.index + 1)
        .filter(|&at| tokens[at].kind == Kind::Ident)
        .ok_or("found `fn` without a name")?;
    let name = tokens[at].text(source);
    Ok(Function {
        name: name.strip_prefix("r#").unwrap_or(name).to_string(),
        is_const: start.is_const,
        after_name: at + 1,
    })
}

/// Where an item starts after what may precede its keyword.
struct Prelude {
    /// The index of the first token that is not trivia, an attribute, a visibility or a
    /// qualifier.
    index: usize,
    /// Whether `const` was among the qualifiers (`const fn`).
    is_const: bool,
}

/// Skips trivia, attributes, visibility and qualifiers from `tokens[from]`. The error says
/// what was found instead of an item.
fn skip_prelude(source: &str, tokens: &[Token], from: usize) -> Result<Prelude, String> {
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
                let next = next_solid(tokens, index + 1).map(|at| tokens[at].text(source));
                if !matches!(next, Some("fn" | "unsafe" | "async" | "extern")) {
                    return Ok(Prelude { index, is_const });
                }
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
            _ => return Ok(Prelude { index, is_const }),
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
