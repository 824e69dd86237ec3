//! The picture stays small and useful on long histories: it shows one part, says which, and
//! can be pointed at another.

use linearizability::generate::KvSpec;
use linearizability::models::{KvInput, KvModel, KvOutput};
use linearizability::visualize::{self, Focus, MAX_DRAWN_OPERATIONS};
use linearizability::{check_operations, Operation, Verdict};

/// The value of the first `"name":` in the page's embedded data, as JSON text.
fn field(html: &str, name: &str) -> String {
    let key = format!("\"{name}\":");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in the page"))
        + key.len();
    let mut values =
        serde_json::Deserializer::from_str(&html[start..]).into_iter::<serde_json::Value>();
    match values.next() {
        Some(Ok(serde_json::Value::String(text))) => text,
        Some(Ok(value)) => value.to_string(),
        other => panic!("{name} is not JSON: {other:?}"),
    }
}

/// How many operation bars the page holds.
fn drawn_operations(html: &str) -> usize {
    html.matches("\"client\":").count()
}

#[test]
fn a_long_passing_history_shows_the_busiest_key_last_operations() {
    let history = KvSpec::long(20, 60_000).generate(1);
    let result = check_operations(&KvModel, &history, None);
    assert_eq!(result.verdict, Verdict::Linearizable);
    let html = visualize::render_html(&KvModel, &history, &result);
    assert_eq!(drawn_operations(&html), MAX_DRAWN_OPERATIONS);
    let focus = field(&html, "focus");
    assert!(focus.contains("the busiest of 5"), "{focus}");
    assert!(
        focus.contains(&format!("of {}", busiest_key_count(&history))),
        "{focus}"
    );
    assert!(html.len() < 8 << 20, "page of {} bytes", html.len());
}

fn busiest_key_count(history: &[Operation<KvInput, KvOutput>]) -> usize {
    let mut counts = std::collections::BTreeMap::new();
    for op in history {
        *counts.entry(op.input.key.clone()).or_insert(0) += 1;
    }
    counts.into_values().max().unwrap_or(0)
}

#[test]
fn a_chosen_key_and_window_are_drawn_and_nothing_else() {
    let history = KvSpec::long(20, 60_000).generate(2);
    let result = check_operations(&KvModel, &history, None);
    let (from, to) = (200_000, 210_000);
    let focus = Focus {
        partition: Some("3".to_string()),
        window: Some((from, to)),
        max_operations: None,
    };
    let html = visualize::render_html_focused(&KvModel, &history, &result, &focus);
    let expected = history
        .iter()
        .filter(|op| op.input.key == "3" && op.call <= to && op.ret.unwrap() >= from)
        .count();
    assert!(expected > 10, "the window holds {expected} operations");
    assert_eq!(drawn_operations(&html), expected);
    let text = field(&html, "focus");
    assert!(
        text.contains("partition 3") && text.contains("times 200000 to 210000"),
        "{text}"
    );
}

#[test]
fn an_unknown_key_says_which_keys_there_are() {
    let history = KvSpec::long(5, 2_000).generate(3);
    let result = check_operations(&KvModel, &history, None);
    let focus = Focus {
        partition: Some("nope".to_string()),
        ..Focus::default()
    };
    let html = visualize::render_html_focused(&KvModel, &history, &result, &focus);
    assert_eq!(drawn_operations(&html), 0);
    assert!(field(&html, "focus").contains("the labels are 0, 1, 2, 3, 4"));
}

#[test]
fn a_long_failing_history_shows_the_failure() {
    let history = KvSpec::long(20, 60_000).broken(4);
    let result = check_operations(&KvModel, &history, None);
    assert_eq!(result.verdict, Verdict::Illegal);
    let html = visualize::render_html(&KvModel, &history, &result);
    assert!(drawn_operations(&html) <= MAX_DRAWN_OPERATIONS);
    let text = field(&html, "focus");
    assert!(
        text.contains("(illegal)") && text.contains("around the failure"),
        "{text}"
    );
    assert!(
        html.contains("a value nobody wrote"),
        "the broken read is drawn"
    );
    assert!(
        !field(&html, "blocked").starts_with("null"),
        "the blocked read is marked"
    );
    // A small window too must be the one around the failure, not the partition's end.
    let focus = Focus {
        max_operations: Some(200),
        ..Focus::default()
    };
    let html = visualize::render_html_focused(&KvModel, &history, &result, &focus);
    assert_eq!(drawn_operations(&html), 200);
    assert!(
        html.contains("a value nobody wrote"),
        "the broken read is in the small window"
    );
}

/// An append that cannot be linearized is outlined in red, but what convicts it is a read
/// elsewhere: here `append(b)` returned before a get that saw `a` alone began, so `b` must
/// come before that get, which never saw it. The page names the get as the evidence (and
/// not the append's own client, nor the reads that agree with it).
#[test]
fn the_evidence_against_a_red_append_is_marked() {
    let op = |client, input, call, output: &str, ret| {
        Operation::new(client, input, call, KvOutput::new(output), ret)
    };
    let history = vec![
        op(1, KvInput::append("k", "b"), 10u64, "", 44u64),
        op(3, KvInput::append("k", "a"), 17, "", 48),
        op(2, KvInput::get("k"), 46, "a", 47),
        op(0, KvInput::append("k", "a"), 48, "", 87),
    ];
    let result = check_operations(&KvModel, &history, None);
    assert_eq!(result.verdict, Verdict::Illegal);
    assert_eq!(
        result.partitions[0].blocked,
        Some(0),
        "the append of b is red"
    );
    let html = visualize::render_html(&KvModel, &history, &result);
    assert_eq!(field(&html, "blocked"), "0");
    assert_eq!(field(&html, "evidence"), "[2]", "the get that saw only a");
}

/// A read that is wrong in itself is its own evidence: nothing else is marked.
#[test]
fn a_red_read_needs_no_other_evidence() {
    let history = vec![
        Operation::new(0, KvInput::put("k", "x"), 0u64, KvOutput::default(), 10u64),
        Operation::new(1, KvInput::get("k"), 20u64, KvOutput::new("y"), 30u64),
    ];
    let result = check_operations(&KvModel, &history, None);
    let html = visualize::render_html(&KvModel, &history, &result);
    assert_eq!(field(&html, "blocked"), "1");
    assert_eq!(field(&html, "evidence"), "[]");
}
