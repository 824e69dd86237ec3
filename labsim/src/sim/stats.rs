//! Counters of one simulation run.

use std::time::Duration;

/// What a finished simulation did; see [`Sim::run_with_stats`](crate::Sim::run_with_stats).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Hand-overs of the run token from one simulated thread to another (each a switch of
    /// stacks in user space); picks of the thread already running are not counted.
    pub switches: u64,
    /// Scheduling choices made among two or more candidates.
    pub decisions: u64,
    /// Scheduling points reached (the steps PCT counts: see [`Policy::Pct`](crate::Policy)).
    pub scheduling_points: u64,
    /// Threads that took part, `main` included.
    pub threads: u64,
    /// Virtual time when the main closure returned.
    pub virtual_time: Duration,
    /// A fingerprint of every scheduling decision and hand-over: two runs with equal
    /// fingerprints took the same schedule.
    pub schedule_hash: u64,
}
