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
