//! Exact replay: in simulation one seed is one run, event for event.
//!
//! The test reruns this very test binary as a child process, once per run, on a few of the
//! hardest graded tests with `LAB_SIM=1 LAB_SEED=<seed> RUST_LOG=trace`, and compares the
//! children's full debug logs (standard error: every Raft, labrpc and tester line, each
//! stamped with virtual time) byte for byte. Two runs with one seed must match; a run with
//! another seed must not. It runs the same way in both modes: the children always simulate.
//!
//! Its seed is `LAB_SEED` if set, else a fresh one (printed), so a failure replays with
//! `LAB_SEED=<seed> cargo test -p raft --test lab3 replay`.

/// The graded tests replayed: the ones with the most crashes, partitions, losses and
/// reordering, where any leak of real timing into the schedule would show first.
const REPLAYED: [&str; 3] = [
    "persistence_3c::figure8_unreliable_3c",
    "persistence_3c::unreliable_churn_3c",
    "snapshots_3d::snapshot_install_unreliable_3d",
];

#[test]
fn one_seed_replays_exactly() {
    labtest::replay::assert_replays_exactly(&REPLAYED);
}

/// Short graded tests, run under 20 seeds, twice each: the same seed must give the same
/// schedule (`labtest::replay::assert_deterministic_across_seeds`). Chosen for their cost: an election after the leader is cut off, and agreement with a follower cut off and back.
const ACROSS_SEEDS: &[labtest::replay::GradedTest] = &[
    (
        "election_3a::re_election_3a",
        crate::election_3a::re_election_3a,
    ),
    (
        "agreement_3b::fail_agree_3b",
        crate::agreement_3b::fail_agree_3b,
    ),
];

/// Is every one of 20 seeds one run, event for event? Replays with
/// `LAB_SEED=<first seed> cargo test -p raft --test lab3 twenty_seeds`.
#[test]
fn twenty_seeds_are_deterministic() {
    labtest::replay::assert_deterministic_across_seeds(
        "replay::twenty_seeds_are_deterministic",
        ACROSS_SEEDS,
    );
}
