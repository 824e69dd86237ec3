//! `lab results` on sample results files: the table beside the staff figures, malformed lines
//! reported by number, and the errors for a missing or unreadable file.

mod support;

use support::{lab, lab_with, write_temp};

const SAMPLE: &str = r#"{"lab":"raft","part":"3A","test":"initial_election_3a","title":"initial election","seconds":4.0,"peers":3,"rpcs":70,"bytes":16000,"commits":0,"ops":null,"seed":1,"passed":false}
{"lab":"raft","part":"3A","test":"initial_election_3a","title":"initial election","seconds":3.5,"peers":3,"rpcs":58,"bytes":16840,"commits":0,"ops":null,"seed":2,"passed":true}
this line is not json
{"lab":"raft","part":"3C","test":"figure8_3c","title":"Figure 8","seconds":62.4,"peers":5,"rpcs":580,"bytes":130675,"commits":32,"seed":3,"passed":true}
{"lab":"kvraft","part":"4A","test":"basic_4a","title":"one client (4A)","seconds":15.5,"peers":5,"rpcs":4576,"ops":903,"seed":4,"passed":true}
{"lab":"shardkv","part":"5A","test":"static_5a","title":"static shards","seconds":2.0,"peers":3,"rpcs":300,"ops":20,"seed":5,"passed":true}
"#;

#[test]
fn sample_file_becomes_a_table_per_part() {
    let (_directory, path) = write_temp("lab-results.jsonl", SAMPLE);
    let run = lab(&["results", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Is the latest run shown, with the number of runs seen and the ratio to the staff's?
    assert!(
        run.stdout.contains("initial election  ok         2  3.5    3.5  1.00x    58     58  1.00x  16840  16840  1.00x        0      0"),
        "{}",
        run.stdout
    );
    // Is Figure 8's doubled time flagged by its ratio?
    assert!(run.stdout.contains("62.4   31.2  2.00x"), "{}", run.stdout);
    // Parts in order, kv parts counting ops, shardkv without staff figures.
    let headings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| {
            line.starts_with("raft ") || line.starts_with("kvraft ") || line.starts_with("shardkv ")
        })
        .collect();
    assert_eq!(headings, ["raft 3A", "raft 3C", "kvraft 4A", "shardkv 5A"]);
    assert!(run.stdout.contains("no MIT staff figures for this part"));
    // Is the malformed line reported with file and line number?
    let where_ = format!("{}:3: skipped malformed result line", path.display());
    assert!(run.stderr.contains(&where_), "{}", run.stderr);
}

#[test]
fn results_path_comes_from_lab_results() {
    let (_directory, path) = write_temp("elsewhere.jsonl", SAMPLE);
    let run = lab_with(
        &["results"],
        &[("LAB_RESULTS", path.to_str().unwrap())],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("raft 3A"));
}

#[test]
fn missing_file_is_an_error() {
    let run = lab(&["results", "/nonexistent/lab-results.jsonl"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("cannot read /nonexistent/lab-results.jsonl"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_with_nothing_readable_is_an_error() {
    let (_directory, path) = write_temp("bad.jsonl", "garbage\n{\"lab\":\"raft\"}\n");
    let run = lab(&["results", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(":1: skipped malformed result line"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(":2: skipped malformed result line: missing field"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no readable result line (2 malformed"),
        "{}",
        run.stderr
    );
}

/// `lab <arguments>` with `input` on stdin, its stdout a pipe whose reader is gone before `lab`
/// writes a byte: the reader end is closed first, then the input is written and closed, and
/// `lab` reads its input before it writes. So every write meets a closed pipe.
fn into_a_closed_pipe(arguments: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["--color", "never"])
        .args(arguments)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lab binary starts");
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(input.as_bytes())
        .expect("lab takes its input");
    drop(stdin);
    child.wait_with_output().expect("lab ends")
}

#[test]
fn a_closed_pipe_ends_results_and_logs_quietly() {
    let results = into_a_closed_pipe(&["results", "/dev/stdin"], SAMPLE);
    let logs = into_a_closed_pipe(&["logs", "-"], "000001 DEBUG raft S0 T1 vote: a\n");
    for output in [results, logs] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(output.status.code(), Some(0), "{stderr}");
    }
}
