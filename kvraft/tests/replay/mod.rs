//! Exact replay: in simulation one seed is one run, event for event, history included
//! (`labtest::replay` says how it is checked).
//!
//! Its seed is `LAB_SEED` if set, else a fresh one (printed), so a failure replays with
//! `LAB_SEED=<seed> cargo test -p kvraft --test kv_4b replay`.

/// The graded test replayed: crashes, partitions, an unreliable network and snapshots at
/// once, where any leak of real timing into the schedule would show first.
const REPLAYED: &str = "snapshot_unreliable_recover_concurrent_partition_4b";

#[test]
fn one_seed_replays_exactly() {
    labtest::replay::assert_replays_exactly(&[REPLAYED]);
}

/// Short graded tests, run under 20 seeds, twice each: the same seed must give the same
/// schedule (`labtest::replay::assert_deterministic_across_seeds`). Chosen for their cost (a few hundredths of a second each in simulation): a partition, a lagging server brought up by InstallSnapshot.
const ACROSS_SEEDS: &[labtest::replay::GradedTest] = &[("snapshot_rpc_4b", super::snapshot_rpc_4b)];

/// Is every one of 20 seeds one run, event for event? Replays with
/// `LAB_SEED=<first seed> cargo test -p kvraft --test kv_4b twenty_seeds`.
#[test]
fn twenty_seeds_are_deterministic() {
    labtest::replay::assert_deterministic_across_seeds(
        "replay::twenty_seeds_are_deterministic",
        ACROSS_SEEDS,
    );
}
