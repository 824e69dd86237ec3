//! The timeout and the memory bound hold on histories no search can finish, and an illegal
//! partition stops a hard one at once.

mod common;

use common::*;
use linearizability::generate::KvSpec;
use linearizability::models::KvModel;
use linearizability::{check_operations, Checker, Inconclusive, PartitionStatus, Verdict};
use std::time::{Duration, Instant};

/// How far past its timeout a check may return. The loop looks at the clock every few hundred
/// iterations (well under a millisecond in release); debug builds and a busy 2-core machine
/// get a generous margin.
const TIMEOUT_SLACK: Duration = Duration::from_millis(150);

/// A history too hard to finish returns Unknown, on time.
#[test]
fn timeout_holds_on_a_hard_history() {
    let history = hard_kv_history("x", 24);
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let result = check_operations(&KvModel, &history, Some(timeout));
    let elapsed = started.elapsed();
    assert_eq!(result.verdict, Verdict::Unknown);
    assert_eq!(result.partitions[0].status, PartitionStatus::TimedOut);
    assert_eq!(
        result.inconclusive,
        Some(Inconclusive::TimedOut { timeout })
    );
    assert!(
        result.describe().contains("timed out after 0.3 s"),
        "{}",
        result.describe()
    );
    assert!(
        elapsed < timeout + TIMEOUT_SLACK,
        "took {elapsed:?} with a {timeout:?} timeout"
    );
}

/// Several hard partitions on few threads: the timeout still holds for all of them.
#[test]
fn timeout_holds_with_many_hard_partitions() {
    let mut history = Vec::new();
    for key in ["a", "b", "c", "d", "e"] {
        history.extend(hard_kv_history(key, 20));
    }
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let result = Checker::new()
        .threads(2)
        .timeout(Some(timeout))
        .check_operations(&KvModel, &history);
    assert_eq!(result.verdict, Verdict::Unknown);
    assert!(
        started.elapsed() < timeout + TIMEOUT_SLACK,
        "took {:?}",
        started.elapsed()
    );
}

/// An illegal partition is found, and cancels the rest, even when it is queued behind hard
/// partitions on a single thread: partitions take turns.
#[test]
fn illegal_partition_cancels_hard_ones() {
    let mut history = Vec::new();
    for key in ["a", "b", "c"] {
        history.extend(hard_kv_history(key, 22));
    }
    history.push(put(0, "z", "1", 0, 10));
    history.push(get(1, "z", "", 20, 30));
    let started = Instant::now();
    let result = Checker::new()
        .threads(1)
        .check_operations(&KvModel, &history);
    assert_eq!(result.verdict, Verdict::Illegal);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let cancelled = result
        .partitions
        .iter()
        .filter(|p| p.status == PartitionStatus::Cancelled)
        .count();
    assert_eq!(cancelled, 3);
}

/// The memo's memory bound gives Unknown instead of exhausting memory.
#[test]
fn memory_bound_gives_unknown() {
    let history = hard_kv_history("x", 24);
    let result = Checker::new()
        .memory_limit(4 << 20)
        .check_operations(&KvModel, &history);
    assert_eq!(result.verdict, Verdict::Unknown);
    assert_eq!(result.partitions[0].status, PartitionStatus::MemoryLimit);
    match result.inconclusive {
        Some(Inconclusive::MemoryLimit {
            limit_bytes,
            reached_bytes,
        }) => {
            assert_eq!(limit_bytes, 4 << 20);
            assert!(reached_bytes > limit_bytes, "reached {reached_bytes}");
        }
        other => panic!("expected the memory bound as the reason, got {other:?}"),
    }
    assert!(
        result.describe().contains("past its bound of 4 MiB"),
        "{}",
        result.describe()
    );
}

/// A long history needs the memory of its hardest stretch, not of its length: 200,000
/// operations (40,000 per key) fit in a bound that one bitset per memo entry over a whole key
/// (5 KB each) would pass after a few thousand entries.
#[test]
fn long_history_fits_a_small_memory_bound() {
    let history = KvSpec::long(20, 200_000).generate(3);
    let result = Checker::new()
        .memory_limit(32 << 20)
        .check_operations(&KvModel, &history);
    assert_eq!(
        result.verdict,
        Verdict::Linearizable,
        "{}",
        result.describe()
    );
    assert!(result.peak_memory_bytes < 32 << 20);
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

/// The same long history with one read broken is found illegal, and the failing partition's
/// prefix stops at that read.
#[test]
fn long_broken_history_is_illegal() {
    let spec = KvSpec::long(20, 100_000);
    let history = spec.broken(5);
    let result = check_operations(&KvModel, &history, None);
    assert_eq!(result.verdict, Verdict::Illegal);
    let failing = result
        .partitions
        .iter()
        .find(|p| p.status == PartitionStatus::Illegal)
        .expect("one partition is illegal");
    let blocked = failing
        .blocked
        .expect("the illegal partition names what blocked it");
    assert_eq!(
        history[blocked]
            .output
            .as_ref()
            .map(|output| output.value.as_str()),
        Some("a value nobody wrote"),
        "the blocked operation is the broken read"
    );
}

/// A step limit stops a search no one can finish, with its own reason, and the check is a
/// function of the history alone: run again, on a loaded machine or with more threads asked
/// for, it stops at the same place with the same prefixes.
#[test]
fn step_limit_gives_the_same_unknown_every_time() {
    let mut history = Vec::new();
    for key in ["a", "b", "c"] {
        history.extend(hard_kv_history(key, 22));
    }
    let steps = 200_000;
    let check = |threads| {
        Checker::new()
            .threads(threads)
            .step_limit(Some(steps))
            .check_operations(&KvModel, &history)
    };
    let first = check(1);
    assert_eq!(first.verdict, Verdict::Unknown);
    assert_eq!(first.inconclusive, Some(Inconclusive::OutOfSteps { steps }));
    assert!(
        first
            .describe()
            .contains("gave up after 200000 search steps"),
        "{}",
        first.describe()
    );
    assert!(first
        .partitions
        .iter()
        .all(|p| p.status == PartitionStatus::OutOfSteps));
    for threads in [1, 4] {
        let again = check(threads);
        assert_eq!(again.partitions, first.partitions, "with {threads} threads");
        assert_eq!(again.peak_memory_bytes, first.peak_memory_bytes);
    }
}

/// A step limit large enough lets the search decide: an illegal partition behind hard ones is
/// still found (the partitions take turns), and a short legal history is decided in a few
/// steps.
#[test]
fn step_limit_still_decides_what_it_can() {
    let mut history = Vec::new();
    for key in ["a", "b"] {
        history.extend(hard_kv_history(key, 22));
    }
    history.push(put(0, "z", "1", 0, 10));
    history.push(get(1, "z", "", 20, 30));
    let result = Checker::new()
        .step_limit(Some(1_000_000))
        .check_operations(&KvModel, &history);
    assert_eq!(result.verdict, Verdict::Illegal, "{}", result.describe());

    let legal = vec![put(0, "k", "1", 0, 10), get(1, "k", "1", 5, 30)];
    let result = Checker::new()
        .step_limit(Some(1_000))
        .check_operations(&KvModel, &legal);
    assert_eq!(result.verdict, Verdict::Linearizable);
}
