//! Determinism: in simulation one seed is one run, event for event (`labtest::replay` says
//! how it is checked).
//!
//! The first seed is `LAB_SEED` if set, else a fresh one (printed), so a failure replays with
//! `LAB_SEED=<first seed> cargo test -p kvsrv --test lab2 twenty_seeds`.

/// Short graded tests, run under 20 seeds, twice each: the same seed must give the same
/// schedule (`labtest::replay::assert_deterministic_across_seeds`). Chosen for their cost:
/// clients racing for one key, and versioned puts over an unreliable network, both ending in
/// a linearizability check; and the lock's clients over an unreliable network.
const ACROSS_SEEDS: &[labtest::replay::GradedTest] = &[
    (
        "kvsrv_2::put_concurrent_reliable_2",
        crate::kvsrv_2::put_concurrent_reliable_2,
    ),
    (
        "kvsrv_2::unreliable_net_2",
        crate::kvsrv_2::unreliable_net_2,
    ),
    (
        "lock_2::lock_many_clients_unreliable_2",
        crate::lock_2::lock_many_clients_unreliable_2,
    ),
];

/// Is every one of 20 seeds one run, event for event?
#[test]
fn twenty_seeds_are_deterministic() {
    labtest::replay::assert_deterministic_across_seeds(
        "replay::twenty_seeds_are_deterministic",
        ACROSS_SEEDS,
    );
}
