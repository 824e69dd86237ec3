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
