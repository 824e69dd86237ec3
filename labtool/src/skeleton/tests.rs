//! The body replacement on tricky inputs, with the exact text expected.

use super::stub::{stub_markers, Problem, Stub};

/// The stub call as the output spells it, built from pieces like the generator's.
fn stub(message: &str) -> String {
    format!("{}\"{message}\")", concat!("todo", "!("))
}

/// Applies the markers and returns the text, failing the test on a problem.
fn apply(source: &str) -> String {
    match stub_markers(source) {
        Ok(stubbed) => stubbed.text,
        Err(problems) => panic!("unexpected problems: {problems:?}"),
    }
}

/// Applies the markers and returns the problems, failing the test if there is none.
fn problems(source: &str) -> Vec<Problem> {
    match stub_markers(source) {
        Ok(stubbed) => panic!("expected a problem, got:\n{}", stubbed.text),
        Err(problems) => problems,
    }
}

#[test]
fn a_body_becomes_a_stub_and_the_marker_goes() {
    let source = "\
use std::fmt;

/// Counts.
// lab:solution 3A
#[inline]
pub fn tick(count: &mut u32) -> u32 {
    *count += 1;
    *count
}

fn other() {}
";
    let expected = format!(
        "\
use std::fmt;

/// Counts.
#[inline]
pub fn tick(count: &mut u32) -> u32 {{
    let _ = &count;
    {}
}}

fn other() {{}}
",
        stub("3A: tick")
    );
    assert_eq!(apply(source), expected);
    let stubbed = stub_markers(source).unwrap();
    assert_eq!(
        stubbed.stubs,
        [Stub {
            line: 4,
            part: "3A".to_string(),
            name: "tick".to_string()
        }]
    );
}

#[test]
fn a_one_line_body_stays_on_one_line() {
    let source = "// lab:solution 1\nfn f() -> u8 { 1 }\n";
    assert_eq!(
        apply(source),
        format!("fn f() -> u8 {{ {} }}\n", stub("1: f"))
    );
}

#[test]
fn braces_in_strings_chars_and_comments_do_not_count() {
    let source = r####"    // lab:solution 3B
    fn tricky<'a>(s: &'a str) -> &'a str {
        let _ = "}"; let _ = r#"{"#; let _ = r##"}"#}"##; let _ = b"\"}";
        let _ = '{'; let _ = '}'; let _ = b'}'; let _ = '\'';
        /* } /* nested } */ still a comment } */
        // } in a line comment
        'outer: loop { break 'outer; }
        s
    }
    fn after() {}
"####;
    let expected = format!(
        "    fn tricky<'a>(s: &'a str) -> &'a str {{\n        let _ = &s;\n        {}\n    }}\n    fn after() {{}}\n",
        stub("3B: tricky")
    );
    assert_eq!(apply(source), expected);
}

#[test]
fn nested_functions_and_closures_are_inside_the_body() {
    let source = "\
// lab:solution 4A
fn outer() -> impl_free::Thing {
    fn inner() -> u8 { 2 }
    let add = |x: u8| { x + inner() };
    struct Local { f: u8 }
    add(Local { f: 1 }.f)
}
fn kept() -> u8 { 3 }
";
    let expected = format!(
        "fn outer() -> impl_free::Thing {{\n    {}\n}}\nfn kept() -> u8 {{ 3 }}\n",
        stub("4A: outer")
    );
    assert_eq!(apply(source), expected);
}

#[test]
fn generics_and_where_clauses_come_before_the_body() {
    let source = "\
// lab:solution 3C
pub(crate) async unsafe fn call<F, T: Into<Vec<u8>>, const N: usize>(f: F, t: [T; { N + 1 }]) -> Result<Option<Wrap<{ N }>>, String>
where
    F: Fn(&[u8]) -> bool + Send + 'static,
    T: Clone,
{
    let bytes: Vec<u8> = t[0].clone().into();
    Ok(f(&bytes).then_some(Wrap::<{ N }>::new()?))
}
";
    let expected = format!(
        "pub(crate) async unsafe fn call<F, T: Into<Vec<u8>>, const N: usize>(f: F, t: [T; {{ N + 1 }}]) -> Result<Option<Wrap<{{ N }}>>, String>
where
    F: Fn(&[u8]) -> bool + Send + 'static,
    T: Clone,
{{
    let _ = (&f, &t);
    {}
}}
",
        stub("3C: call")
    );
    assert_eq!(apply(source), expected);
}

#[test]
fn methods_and_trait_default_methods() {
    let source = "\
impl Raft {
    /// Starts an election.
    // lab:solution 3A
    pub fn start_election(&mut self) {
        self.term += 1;
    }

    // lab:solution 3B
    fn r#match(&self) -> bool { self.term > 0 }
}

trait Machine {
    fn required(&self);

    // lab:solution 4B
    fn apply(&mut self, op: &str) -> String {
        format!(\"{op}\")
    }
}
";
    let expected = format!(
        "\
impl Raft {{
    /// Starts an election.
    pub fn start_election(&mut self) {{
        {}
    }}

    fn r#match(&self) -> bool {{ {} }}
}}

trait Machine {{
    fn required(&self);

    fn apply(&mut self, op: &str) -> String {{
        let _ = &op;
        {}
    }}
}}
",
        stub("3A: start_election"),
        stub("3B: match"),
        stub("4B: apply")
    );
    assert_eq!(apply(source), expected);
    let names: Vec<String> = stub_markers(source)
        .unwrap()
        .stubs
        .into_iter()
        .map(|stub| format!("{} {}", stub.part, stub.name))
        .collect();
    assert_eq!(names, ["3A start_election", "3B match", "4B apply"]);
}

#[test]
fn a_marker_inside_a_stubbed_body_goes_with_it() {
    let source = "// lab:solution 5A\nfn a() {\n    // lab:solution 5B\n    fn b() {}\n}\n";
    let stubbed = stub_markers(source).unwrap();
    assert_eq!(
        stubbed.text,
        format!("fn a() {{\n    {}\n}}\n", stub("5A: a"))
    );
    assert_eq!(stubbed.stubs.len(), 1);
}

#[test]
fn text_that_only_looks_like_a_marker_is_left_alone() {
    let source = "/// lab:solution 3A in a doc comment\nfn a() {}\nconst S: &str = \"// lab:solution 3A\";\n/* lab:solution 3A */\nfn b() {}\n";
    let stubbed = stub_markers(source).unwrap();
    assert_eq!(stubbed.text, source);
    assert!(stubbed.stubs.is_empty());
}

#[test]
fn a_marker_not_above_a_function_is_refused() {
    let found = problems("mod m {\n    // lab:solution 3A\n    pub struct S;\n}\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 2);
    assert!(
        found[0].detail.starts_with(
            "marker `// lab:solution 3A` is not followed by a function (found `struct`)"
        ),
        "{}",
        found[0].detail
    );
    let at_end = problems("fn a() {}\n// lab:solution 3A\n");
    assert!(at_end[0].detail.contains("found the end of the file"));
}

#[test]
fn unknown_parts_and_malformed_markers_are_refused_all_at_once() {
    let found = problems(
        "// lab:solution 3E\nfn a() {}\n// lab:solutoin 3A\nfn b() {}\n// lab:solution\nfn c() {}\nfn d() {} // lab:solution 3A\nfn e() {}\n",
    );
    let lines: Vec<usize> = found.iter().map(|problem| problem.line).collect();
    assert_eq!(lines, [1, 3, 5, 7]);
    assert_eq!(
        found[0].detail,
        "unknown part `3E` in `// lab:solution 3E`; parts are: 1, 2, 3A, 3B, 3C, 3D, 4A, 4B, 5A, 5B"
    );
    assert!(found[1]
        .detail
        .starts_with("malformed marker `// lab:solutoin 3A`"));
    assert!(found[2]
        .detail
        .starts_with("malformed marker `// lab:solution`"));
    assert!(found[3].detail.contains("shares its line with code"));
}

#[test]
fn functions_that_cannot_be_stubbed_are_refused() {
    let no_body = problems("trait T {\n    // lab:solution 3A\n    fn f(&self);\n}\n");
    assert!(
        no_body[0].detail.contains("`fn f`, which has no body"),
        "{}",
        no_body[0].detail
    );
    let opaque = problems("// lab:solution 3A\nfn it() -> impl Iterator<Item = u8> { 0..3 }\n");
    assert!(
        opaque[0].detail.contains("returns `impl Trait`"),
        "{}",
        opaque[0].detail
    );
    let constant = problems("// lab:solution 3A\npub const fn k() -> u8 { 1 }\n");
    assert!(
        constant[0].detail.contains("const fn k"),
        "{}",
        constant[0].detail
    );
    let twice = problems("// lab:solution 3A\n// lab:solution 3B\nfn f() {}\n");
    assert!(
        twice[0].detail.contains("second marker"),
        "{}",
        twice[0].detail
    );
}

#[test]
fn impl_trait_arguments_are_fine() {
    let source =
        "// lab:solution 3D\nfn take(items: impl Iterator<Item = u8>) -> usize { items.count() }\n";
    assert_eq!(
        apply(source),
        format!(
            "fn take(items: impl Iterator<Item = u8>) -> usize {{\n    let _ = &items;\n    {}\n}}\n",
            stub("3D: take")
        )
    );
}

#[test]
fn unterminated_literals_are_reported_with_their_line() {
    let found = problems("// lab:solution 3A\nfn f() {\n    let s = \"open;\n}\n");
    assert_eq!(found[0].line, 3);
    assert!(found[0].detail.starts_with("unterminated string literal"));
}

#[test]
fn the_summary_counts_per_part_and_per_crate() {
    use super::{SkeletonReport, Tier};
    use std::path::PathBuf;
    let stub_at = |path: &str, part: &str| {
        let stub = Stub {
            line: 1,
            part: part.to_string(),
            name: "f".to_string(),
        };
        (PathBuf::from(path), stub)
    };
    let mut report = SkeletonReport {
        root: PathBuf::from("/w"),
        out_dir: PathBuf::from("out"),
        tier: Tier::Guided,
        files: 3,
        stubs: vec![
            stub_at("raft/src/election.rs", "3B"),
            stub_at("kvraft/src/server.rs", "4A"),
            stub_at("raft/src/election.rs", "3A"),
        ],
        hidden: 4,
        given: 2,
    };
    assert_eq!(
        report.summary(),
        [
            "wrote the guided tier: 3 files of /w to out",
            "stubbed 3 functions: 3A 1, 3B 1, 4A 1 (raft 2, kvraft 1)",
            "left out 4 solution-only items; 2 given items expect your code to use them",
            "build its tests with: cd out && cargo test --offline --locked --no-run",
        ]
    );
    report.stubs.truncate(1);
    assert_eq!(report.summary()[1], "stubbed 1 function: 3B 1 (raft 1)");
    report.stubs.clear();
    assert!(report.summary()[1].starts_with("stubbed 0 functions: no `// lab:solution` marker"));
    report.tier = Tier::Open;
    assert_eq!(
        report.summary()[1],
        "stubbed 0 functions: no stub in the templates"
    );
    assert_eq!(report.summary().len(), 3, "the open tier hides nothing");
}

#[test]
fn template_stubs_are_found_by_their_messages() {
    use super::stub::template_stubs;
    let source = format!(
        "impl Raft {{\n    pub fn new() -> Raft {{\n        {}\n    }}\n    // {} in a comment\n}}\n",
        stub("3A: Raft::new"),
        stub("3A: not this")
    );
    let found = template_stubs(&source).unwrap();
    assert_eq!(
        found,
        [Stub {
            line: 3,
            part: "3A".to_string(),
            name: "Raft::new".to_string(),
        }]
    );
    let bad = template_stubs(&format!("fn f() {{ {} }}\n", stub("3Z: f"))).unwrap_err();
    assert!(bad[0].detail.contains("must be \"PART: name\""), "{bad:?}");
}

#[test]
fn a_stub_uses_its_named_parameters() {
    let source = "\
// lab:solution 3B
fn send<T: Into<u8>>(&self, mut to: Vec<u8>, _unused: u8, #[allow(unused)] f: impl Fn(u8) -> u8, map: HashMap<u8, (u8, u8)>) {
    to.push(f(1));
}
// lab:solution 3B
fn none(self: Box<Self>, _: u8) -> u8 { 1 }
";
    let expected = format!(
        "\
fn send<T: Into<u8>>(&self, mut to: Vec<u8>, _unused: u8, #[allow(unused)] f: impl Fn(u8) -> u8, map: HashMap<u8, (u8, u8)>) {{
    let _ = (&mut to, &f, &map);
    {}
}}
fn none(self: Box<Self>, _: u8) -> u8 {{ {} }}
",
        stub("3B: send"),
        stub("3B: none")
    );
    assert_eq!(apply(source), expected);

    let pattern = problems("// lab:solution 3B\nfn pair((a, b): (u8, u8)) -> u8 { a + b }\n");
    assert!(
        pattern[0]
            .detail
            .contains("`fn pair`, whose parameter `( a , b )` is a pattern: name it"),
        "{pattern:?}"
    );
}

#[test]
fn hidden_items_go_with_their_docs_attributes_and_one_blank_line() {
    let source = "\
use std::fmt;
// lab:hide 3A
use std::time::Duration;

/// Kept.
const KEPT: u8 = 1;

/// How long to wait.
// lab:hide 3A
const WAIT: Wrap = Wrap { ms: 10 };

// lab:hide 3B
#[derive(Debug)]
pub(crate) struct Tuple(u8, [u8; 2]);

impl Raft {
    /// Given.
    fn given(&self) {}

    /// A helper only solutions call.
    #[inline]
    // lab:hide 3B
    fn helper(&self) -> [u8; 2] {
        // lab:solution 3B
        fn inner() {}
        [0; 2]
    }
}
";
    let stubbed = stub_markers(source).unwrap();
    assert_eq!(
        stubbed.text,
        "\
use std::fmt;

/// Kept.
const KEPT: u8 = 1;

impl Raft {
    /// Given.
    fn given(&self) {}
}
"
    );
    let names: Vec<&str> = stubbed.hidden.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["std::time::Duration", "WAIT", "Tuple", "helper"]);
    assert!(
        stubbed.stubs.is_empty(),
        "a marker inside a hidden item goes with it"
    );

    let field = problems("struct S {\n    // lab:hide 3A\n    votes: u8,\n}\n");
    assert!(
        field[0]
            .detail
            .contains("is above `votes`, which is not an item"),
        "{field:?}"
    );
    let unclosed = problems("// lab:hide 3A\nconst X: u8 = 1\n");
    assert!(
        unclosed[0].detail.contains("whose end is missing"),
        "{unclosed:?}"
    );
}

#[test]
fn given_things_expect_to_be_dead_code() {
    let source = "\
pub struct Raft {
    // lab:given 3A
    /// Votes.
    votes: u8,
}

enum Phase {
    // lab:given 1
    Running(u8),
}

// lab:given 4A
const RETRY: u8 = 1;
";
    let attribute = |indent: &str, part: &str| {
        format!(
            "{indent}#[expect(dead_code, reason = \"given for {part}: delete this once your code \
             uses it\")]\n"
        )
    };
    let stubbed = stub_markers(source).unwrap();
    assert_eq!(
        stubbed.text,
        format!(
            "pub struct Raft {{\n{}    /// Votes.\n    votes: u8,\n}}\n\nenum Phase {{\n{}    Running(u8),\n}}\n\n{}const RETRY: u8 = 1;\n",
            attribute("    ", "3A"),
            attribute("    ", "1"),
            attribute("", "4A")
        )
    );
    let names: Vec<&str> = stubbed.given.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["votes", "Running", "RETRY"]);

    let import = problems("// lab:given 3A\nuse std::fmt;\n");
    assert!(
        import[0].detail.contains("hide it with `// lab:hide 3A`"),
        "{import:?}"
    );
    let unknown = problems("// lab:remove 3A\nconst X: u8 = 1;\n");
    assert!(
        unknown[0]
            .detail
            .contains("the directives are lab:solution, lab:hide, lab:given"),
        "{unknown:?}"
    );
}
