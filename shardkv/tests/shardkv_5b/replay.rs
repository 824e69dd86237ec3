//! Exact replay: in simulation one seed is one run, event for event, history included
//! (`labtest::replay` says how it is checked).
//!
//! Its seed is `LAB_SEED` if set, else a fresh one (printed), so a failure replays with
//! `LAB_SEED=<seed> cargo test -p shardkv --test shardkv_5b replay`.

/// The graded tests replayed: concurrent clients over an unreliable network while groups
/// join and leave, and concurrent appends while whole groups crash and restart; where any
/// leak of real timing into the schedule would show first.
const REPLAYED: [&str; 2] = ["unreliable3_5b", "concurrent2_5b"];

#[test]
fn one_seed_replays_exactly() {
    labtest::replay::assert_replays_exactly(&REPLAYED);
}

/// Short graded tests, run under 20 seeds, twice each: the same seed must give the same
/// schedule (`labtest::replay::assert_deterministic_across_seeds`). Chosen for their cost: groups joining and leaving, and concurrent clients over an unreliable network with a linearizability check.
const ACROSS_SEEDS: &[labtest::replay::GradedTest] = &[
    ("join_leave_5b", super::join_leave_5b),
    ("unreliable1_5b", super::unreliable1_5b),
];

/// Is every one of 20 seeds one run, event for event? Replays with
/// `LAB_SEED=<first seed> cargo test -p shardkv --test shardkv_5b twenty_seeds`.
#[test]
fn twenty_seeds_are_deterministic() {
    labtest::replay::assert_deterministic_across_seeds(
        "replay::twenty_seeds_are_deterministic",
        ACROSS_SEEDS,
    );
}
