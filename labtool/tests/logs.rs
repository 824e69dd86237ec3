//! `lab logs` on a sample log: columns per server, tester events across, unparsed lines kept
//! and marked, topic filters; and the errors for bad input.

mod support;

use support::{lab, lab_with, write_temp};

const SAMPLE: &str = "\
Test (3A): initial election ...
000001 DEBUG labrpc network seeded with 42
000010 DEBUG raft S0 T1 election: timeout, asking for votes
000011 DEBUG raft S1 T1 vote: granted to S0
000012 DEBUG raft S2 T1 vote: granted to S0
000013 INFO raft S0 T1 leader: won with 3 votes
000500 INFO tester partition [0 1] | [2]
000510 DEBUG raft S0 T1 append: to S1 entries 1..3
thread 'initial_election_3a' panicked at raft/tests/tester.rs:80:9:
";

/// The heading row (kept apart: a string continuation would eat its leading spaces).
const HEADING: &str = "    ms S0                S1                S2\n";

const EXPECTED_BODY: &str = "     ? Test (3A): initial election ...
000001 DEBUG labrpc: network seeded with 42
000010 T1 election:
       timeout, asking
       for votes
000011                   T1 vote: granted
                         to S0
000012                                     T1 vote: granted
                                           to S0
000013 T1 leader: won
       with 3 votes
000500 ── partition [0 1] | [2] ────────────────────────────
000510 T1 append: to S1
       entries 1..3
     ? thread 'initial_election_3a' panicked at
       raft/tests/tester.rs:80:9:
";

#[test]
fn sample_log_is_laid_out_in_columns() {
    let (_directory, path) = write_temp("run.log", SAMPLE);
    let run = lab(&["logs", "--width", "61", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, format!("{HEADING}{EXPECTED_BODY}"));
    assert!(
        run.stderr.contains("2 lines are not lab log lines"),
        "{}",
        run.stderr
    );
}

#[test]
fn standard_input_and_filters() {
    let arguments = [
        "logs", "--width", "100", "--just", "vote", "--ignore", "election", "-",
    ];
    let run = lab_with(&arguments, &[], Some(SAMPLE));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("vote: granted to S0"));
    assert!(!run.stdout.contains("leader: won"), "{}", run.stdout);
    assert!(!run.stdout.contains("election: timeout"), "{}", run.stdout);
    // Tester events and panics stay whatever the filter.
    assert!(run.stdout.contains("partition [0 1] | [2]"));
    assert!(run.stdout.contains("panicked"));
}

#[test]
fn columns_can_be_fixed() {
    let (_directory, path) = write_temp("run.log", SAMPLE);
    let run = lab(&[
        "logs",
        "--columns",
        "2",
        "--width",
        "61",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.starts_with("    ms S0"));
    // S2 has no column of its own now, so its line runs across with its id.
    assert!(
        run.stdout.contains("000012 S2 T1 vote: granted to S0"),
        "{}",
        run.stdout
    );
}

#[test]
fn colours_follow_topics() {
    let (_directory, path) = write_temp("run.log", SAMPLE);
    let run = lab(&["--color", "always", "logs", path.to_str().unwrap()]);
    assert!(
        run.stdout.contains("\x1b[93mT1 election:"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\x1b[36mT1 append:"), "{}", run.stdout);
}

#[test]
fn missing_file_is_an_error() {
    let run = lab(&["logs", "/nonexistent/run.log"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("cannot read /nonexistent/run.log"),
        "{}",
        run.stderr
    );
}

#[test]
fn input_without_any_log_line_is_an_error() {
    let (_directory, path) = write_temp("notes.txt", "hello\n12:00 lunch\n");
    let run = lab(&["logs", path.to_str().unwrap()]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("none of its 2 lines is a lab log line"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_topic_is_an_error() {
    let run = lab(&["logs", "--just", "elections", "-"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("unknown topic `elections`; topics are: election, vote, append"),
        "{}",
        run.stderr
    );
}
