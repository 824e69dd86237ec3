//! Stages and histories as a key/value tester uses them: banners and result lines per
//! stage, counters measured per stage, a failure recorded when a test dies mid-stage, and
//! the linearizability check's verdicts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use labtest::results::{ResultLine, RESULTS_VAR};
use labtest::{Counts, History, Stages, TestInfo};
use linearizability::models::{KvInput, KvModel, KvOutput};

fn info() -> TestInfo {
    TestInfo {
        lab: "demo",
        part: "4A",
        test: "stages_4a",
        title: String::new(),
        peers: 5,
        seed: 42,
    }
}

fn results() -> Vec<ResultLine> {
    let path = std::env::var_os(RESULTS_VAR).expect("set by the test");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| serde_json::from_str(line).expect("a results line"))
        .collect()
}

#[test]
#[allow(clippy::disallowed_methods)] // the process id names a scratch directory, no seed
fn each_stage_has_its_title_its_own_counts_and_its_verdict() {
    let directory = std::env::temp_dir().join(format!("labtest-stages-{}", std::process::id()));
    std::env::set_var(RESULTS_VAR, directory.join("results.jsonl"));
    let rpcs = Arc::new(AtomicU64::new(100));
    let counted = Arc::clone(&rpcs);
    let stages = Stages::new(info(), true, move || Counts {
        rpcs: counted.load(Ordering::Relaxed),
        bytes: 0,
        commits: None,
        ops: None,
    });

    stages.begin(format!("one client ({})", "4A"));
    rpcs.fetch_add(7, Ordering::Relaxed);
    stages.count_op();
    stages.count_op();
    let history: History<KvInput, KvOutput> = History::new();
    let call = history.now();
    history.record(0, KvInput::put("k", "v"), call, KvOutput::default());
    let call = history.now();
    history.record(1, KvInput::get("k"), call, KvOutput::new("v"));
    history.check(&KvModel, Duration::from_secs(1), &stages);
    stages.end();

    stages.begin("many clients");
    rpcs.fetch_add(3, Ordering::Relaxed);
    stages.count_op();
    drop(stages);

    let lines = results();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0].title, "one client (4A)");
    assert_eq!((lines[0].rpcs, lines[0].ops), (7, Some(2)));
    assert!(lines[0].passed);
    assert_eq!(lines[0].linearizability.as_deref(), Some("linearizable"));
    assert_eq!(lines[1].title, "many clients");
    assert_eq!((lines[1].rpcs, lines[1].ops), (3, Some(1)));
    assert!(!lines[1].passed, "a stage dropped before its end failed");
    std::fs::remove_dir_all(directory).unwrap();
}

/// Fails `history` (a read of a value never written) and returns the panic message.
fn illegal_history_message(stages: &Stages) -> String {
    let history: History<KvInput, KvOutput> = History::new();
    let call = history.now();
    history.record(0, KvInput::put("k", "v"), call, KvOutput::default());
    let call = history.now();
    history.record(1, KvInput::get("k"), call, KvOutput::new("w"));
    let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        history.check(&KvModel, Duration::from_secs(1), stages);
    }))
    .expect_err("a read of a value never written is illegal");
    failure
        .downcast_ref::<String>()
        .expect("a formatted message")
        .clone()
}

/// The picture's path from a failure message, after checking that the picture exists.
fn picture_of(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    let path = first
        .strip_prefix("history is not linearizable; see ")
        .unwrap_or_else(|| panic!("no picture in {message}"));
    assert!(std::fs::metadata(path).is_ok(), "the picture exists");
    path.to_string()
}

#[test]
fn an_illegal_history_fails_with_its_picture() {
    let stages = Stages::new(info(), true, Counts::default);
    let message = illegal_history_message(&stages);
    let path = picture_of(&message);
    assert!(path.ends_with("demo-stages_4a-42.html"), "{message}");
    assert!(
        message.ends_with(
            "with the same faults (not the same timing) with: \
             LAB_SEED=42 cargo test -p demo stages_4a -- --nocapture"
        ),
        "{message}"
    );
    let _ = std::fs::remove_file(path);
}

/// In simulation the picture is named by the simulation's seed, the one that replays the
/// run (not the network's, which the tester drew before the simulation's replaced it), and
/// the message says how to replay it.
#[test]
fn a_simulated_picture_is_named_by_the_seed_that_replays_it() {
    let seed = 977_531;
    let message = labsim::Sim::new(seed)
        .run(|| {
            // No stage begins: its result line would join another test's results file.
            let stages = Stages::new(info(), true, Counts::default);
            illegal_history_message(&stages)
        })
        .expect("the simulation runs");
    let path = picture_of(&message);
    assert!(
        path.ends_with(&format!("demo-stages_4a-{seed}.html")),
        "{message}"
    );
    assert!(
        message.ends_with(&format!(
            "replay it exactly with: LAB_SIM=1 LAB_SEED={seed} \
             cargo test -p demo stages_4a -- --nocapture"
        )),
        "{message}"
    );
    let _ = std::fs::remove_file(path);
}
