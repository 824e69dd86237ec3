//! Unit tests of the checker on small hand-made histories.

mod common;

use common::*;
use linearizability::models::{
    KvInput, KvMapModel, KvModel, KvOutput, RegisterInput, RegisterModel, RegisterOutput,
};
use linearizability::{
    check_events, check_operations, Error, Event, Operation, PartitionStatus, Verdict,
};

/// Sequential operations whose reads see the latest writes are linearizable.
#[test]
fn sequential_history_is_linearizable() {
    let history = vec![
        put(0, "x", "a", 0, 10),
        append(1, "x", "b", 20, 30),
        get(0, "x", "ab", 40, 50),
        get(1, "y", "", 60, 70),
    ];
    let result = check_operations(&KvModel, &history, None);
    assert_eq!(result.verdict, Verdict::Linearizable);
    let linearized: usize = result
        .partitions
        .iter()
        .map(|p| p.linearization.len())
        .sum();
    assert_eq!(
        linearized,
        history.len(),
        "a full linearization is reported"
    );
}

/// A read that misses a write that completed before it began is illegal.
#[test]
fn stale_read_is_illegal() {
    let history = vec![put(0, "x", "a", 0, 10), get(1, "x", "", 20, 30)];
    let result = check_operations(&KvModel, &history, None);
    assert_eq!(result.verdict, Verdict::Illegal);
    let partition = &result.partitions[0];
    assert_eq!(partition.status, PartitionStatus::Illegal);
    assert_eq!(
        partition.linearization,
        vec![0],
        "the put is the longest prefix"
    );
    assert_eq!(partition.blocked, Some(1), "the get cannot be linearized");
}

/// Intervals are closed: a get called exactly when a put returned may precede it.
#[test]
fn touching_intervals_are_concurrent() {
    let touching = vec![put(0, "x", "a", 10, 20), get(1, "x", "", 20, 30)];
    assert_eq!(
        check_operations(&KvModel, &touching, None).verdict,
        Verdict::Linearizable
    );
    let apart = vec![put(0, "x", "a", 10, 20), get(1, "x", "", 21, 30)];
    assert_eq!(
        check_operations(&KvModel, &apart, None).verdict,
        Verdict::Illegal
    );
}

/// Concurrent writes may be ordered either way, but reads must agree on one order.
#[test]
fn concurrent_writes_need_one_order() {
    let agree = vec![
        put(0, "x", "a", 0, 100),
        put(1, "x", "b", 0, 100),
        get(2, "x", "a", 10, 20),
        get(2, "x", "b", 30, 40),
    ];
    assert_eq!(
        check_operations(&KvModel, &agree, None).verdict,
        Verdict::Linearizable
    );
    let disagree = vec![
        put(0, "x", "a", 0, 100),
        put(1, "x", "b", 0, 100),
        get(2, "x", "a", 10, 20),
        get(2, "x", "b", 30, 40),
        get(3, "x", "a", 50, 60),
    ];
    assert_eq!(
        check_operations(&KvModel, &disagree, None).verdict,
        Verdict::Illegal
    );
}

/// An operation whose client gave up may take effect at any later time, or never.
#[test]
fn unknown_outcome_may_take_effect_late_or_never() {
    let late = vec![
        Operation::unknown(0, KvInput::append("x", "a"), 0),
        get(1, "x", "", 10, 20),
        get(1, "x", "a", 30, 40),
    ];
    assert_eq!(
        check_operations(&KvModel, &late, None).verdict,
        Verdict::Linearizable
    );
    let never = vec![
        Operation::unknown(0, KvInput::append("x", "a"), 0),
        get(1, "x", "", 10, 20),
    ];
    assert_eq!(
        check_operations(&KvModel, &never, None).verdict,
        Verdict::Linearizable
    );
    let undone = vec![
        Operation::unknown(0, KvInput::append("x", "a"), 0),
        get(1, "x", "a", 10, 20),
        get(1, "x", "", 30, 40),
    ];
    assert_eq!(
        check_operations(&KvModel, &undone, None).verdict,
        Verdict::Illegal
    );
}

/// An unknown operation still cannot take effect before it was called.
#[test]
fn unknown_outcome_cannot_precede_its_call() {
    let history = vec![
        get(1, "x", "a", 0, 10),
        Operation::unknown(0, KvInput::append("x", "a"), 20),
    ];
    assert_eq!(
        check_operations(&KvModel, &history, None).verdict,
        Verdict::Illegal
    );
}

/// A returned operation with an unknown output accepts any result but keeps its interval.
#[test]
fn unknown_output_with_known_return() {
    let mut lost_reply = Operation::new(
        1,
        RegisterInput::Read,
        20,
        RegisterOutput::Read { value: None },
        30,
    );
    lost_reply.output = None;
    let history = vec![
        write(0, 1, 0, 10),
        lost_reply,
        write(0, 2, 40, 50),
        read(1, Some(2), 60, 70),
    ];
    assert_eq!(
        check_operations(&RegisterModel, &history, None).verdict,
        Verdict::Linearizable
    );
}

/// Compare-and-swap succeeds exactly when the expected value is there.
#[test]
fn register_compare_and_swap() {
    let good = vec![
        write(0, 1, 0, 10),
        cas(1, 1, 2, true, 20, 30),
        cas(0, 1, 3, false, 40, 50),
        read(1, Some(2), 60, 70),
    ];
    assert_eq!(
        check_operations(&RegisterModel, &good, None).verdict,
        Verdict::Linearizable
    );
    let bad = vec![write(0, 1, 0, 10), cas(1, 1, 2, false, 20, 30)];
    assert_eq!(
        check_operations(&RegisterModel, &bad, None).verdict,
        Verdict::Illegal
    );
    let nil = vec![read(0, None, 0, 10), cas(1, 0, 1, false, 20, 30)];
    assert_eq!(
        check_operations(&RegisterModel, &nil, None).verdict,
        Verdict::Linearizable
    );
}

/// Partitions are checked independently, and the illegal one is identified.
#[test]
fn partitions_by_key() {
    let history = vec![
        put(0, "a", "1", 0, 10),
        put(1, "b", "2", 0, 10),
        get(0, "a", "1", 20, 30),
        get(1, "b", "1", 20, 30),
    ];
    let result = check_operations(&KvModel, &history, None);
    assert_eq!(result.verdict, Verdict::Illegal);
    assert_eq!(result.partitions.len(), 2);
    let statuses: Vec<_> = result
        .partitions
        .iter()
        .map(|p| (p.operations.clone(), p.status))
        .collect();
    assert!(
        statuses.contains(&(vec![1, 3], PartitionStatus::Illegal)),
        "{statuses:?}"
    );
    assert_eq!(
        check_operations(&KvMapModel, &history, None).verdict,
        Verdict::Illegal
    );
}

/// The unpartitioned map model agrees with the per-key model.
#[test]
fn map_model_agrees_with_key_model() {
    let history = vec![
        put(0, "a", "1", 0, 10),
        append(1, "b", "2", 5, 15),
        get(0, "b", "2", 20, 30),
        get(1, "a", "1", 20, 30),
    ];
    assert_eq!(
        check_operations(&KvMapModel, &history, None).verdict,
        Verdict::Linearizable
    );
    assert_eq!(
        check_operations(&KvModel, &history, None).verdict,
        Verdict::Linearizable
    );
}

/// Event histories: positions are times, and a call never returned is an unknown outcome.
#[test]
fn event_history() {
    let call = |client, id, input| Event::Call { client, id, input };
    let ret = |client, id, value: &str| Event::Return {
        client,
        id,
        output: Some(KvOutput::new(value)),
    };
    let events = vec![
        call(0, 0, KvInput::put("x", "a")),
        call(1, 1, KvInput::append("x", "b")), // never returns
        ret(0, 0, ""),
        call(2, 2, KvInput::get("x")),
        ret(2, 2, "ab"),
    ];
    assert_eq!(
        check_events(&KvModel, &events, None).unwrap().verdict,
        Verdict::Linearizable
    );
    let mut stale = events.clone();
    stale[4] = ret(2, 2, "");
    assert_eq!(
        check_events(&KvModel, &stale, None).unwrap().verdict,
        Verdict::Illegal
    );
}

/// Events that do not pair up are an error, not a panic.
#[test]
fn unmatched_events_are_errors() {
    let orphan: Vec<Event<KvInput, KvOutput>> = vec![Event::Return {
        client: 0,
        id: 7,
        output: None,
    }];
    assert!(matches!(
        check_events(&KvModel, &orphan, None),
        Err(Error::UnmatchedReturn { position: 0, id: 7 })
    ));
    let twice = vec![
        Event::Call {
            client: 0,
            id: 1,
            input: KvInput::get("x"),
        },
        Event::Call {
            client: 1,
            id: 1,
            input: KvInput::get("x"),
        },
    ];
    assert!(matches!(
        check_events(&KvModel, &twice, None),
        Err(Error::DuplicateCall { position: 1, id: 1 })
    ));
}

/// An empty history is linearizable.
#[test]
fn empty_history() {
    let history: KvHistory = Vec::new();
    assert_eq!(
        check_operations(&KvModel, &history, None).verdict,
        Verdict::Linearizable
    );
    let events: Vec<Event<RegisterInput, RegisterOutput>> = Vec::new();
    assert_eq!(
        check_events(&RegisterModel, &events, None).unwrap().verdict,
        Verdict::Linearizable
    );
}

/// Timestamps may be u64 (nanoseconds since the test began), as testers record them.
#[test]
fn unsigned_timestamps() {
    let history = vec![
        Operation::new(0, KvInput::put("x", "a"), 0u64, KvOutput::default(), 10u64),
        Operation::new(1, KvInput::get("x"), 20u64, KvOutput::new("a"), u64::MAX),
    ];
    assert_eq!(
        check_operations(&KvModel, &history, None).verdict,
        Verdict::Linearizable
    );
}
