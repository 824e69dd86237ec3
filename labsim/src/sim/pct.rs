//! The PCT scheduler (probabilistic concurrency testing: Burckhardt, Kothari, Musuvathi and
//! Nagarakatte, ASPLOS 2010), on labsim's scheduling points and virtual time.
//!
//! Every thread gets a random priority when it is created, and the runnable thread with the
//! highest priority always runs. At `depth - 1` *change points*, steps drawn at random from
//! the first `steps` scheduling points, the running thread drops below every other: the i-th
//! change point gives it priority i, under every priority given at creation. A bug that needs
//! `d` ordering constraints (its depth) is then found in one run with probability at least
//! 1 / (n k^(d-1)), for n threads and k steps; in particular a bug that needs one thread to
//! starve through a long stretch is found about every other run, where the random scheduler
//! almost never keeps a runnable thread waiting that long.
//!
//! Three things PCT does not say, decided here:
//!
//! - a thread that yields of its own accord (`thread::yield_now`, or a timed wait already
//!   due) drops to the bottom, as a change point would but without using one, so a polling
//!   loop lets the others run instead of spinning at the top forever;
//! - so does the thread running when one virtual instant has taken [`STEPS_PER_INSTANT`]
//!   scheduling points, so that threads waking each other at one instant forever cannot
//!   starve the rest for good;
//! - a thread blocked in a wait keeps its priority, so it runs as soon as its wait ends if it
//!   is still the highest.

use super::rng::SplitMix64;
use super::wait::Tid;

/// Priorities given at creation are at least this, above every change point and yield.
const CREATED_BASE: u64 = 1 << 62;

/// Priorities given by yields count down from here, below every change point (a change point
/// gives 1 to `depth - 1`, so yields start well above any depth).
const YIELD_BASE: u64 = 1 << 40;

/// Scheduling points one virtual instant may take before the running thread is lowered as
/// if it had yielded. PCT is unfair on purpose, but a group of threads that wake each other
/// at one instant forever (a call that fails at once and is retried at once) would starve
/// every lower thread for good, and virtual time would never move again; no interleaving a
/// lab needs is that long at one instant.
const STEPS_PER_INSTANT: u64 = 10_000;

/// The PCT state of one simulation.
#[derive(Debug)]
pub(crate) struct Pct {
    /// Per thread, its priority; higher runs first.
    priorities: Vec<u64>,
    /// The steps at which a change point falls, in increasing order.
    change_points: Vec<u64>,
    /// How many change points have passed.
    changes: u64,
    /// Scheduling points so far.
    steps: u64,
    /// The priority the next yield gives (each lower than the last, so yielders take turns).
    next_yield: u64,
    /// The virtual instant of the last step, and how many steps it has taken so far.
    instant: (std::time::Duration, u64),
}

impl Pct {
    /// PCT for a bug of depth `depth` (at least 1) within the first `steps` scheduling
    /// points, its change points drawn from `rng`.
    pub(crate) fn new(depth: usize, steps: u64, rng: &mut SplitMix64) -> Pct {
        let mut change_points: Vec<u64> = (1..depth.max(1))
            .map(|_| 1 + rng.next_u64() % steps.max(1))
            .collect();
        change_points.sort_unstable();
        Pct {
            priorities: Vec::new(),
            change_points,
            changes: 0,
            steps: 0,
            next_yield: YIELD_BASE,
            instant: (std::time::Duration::ZERO, 0),
        }
    }

    /// Gives a new thread (ids come in order) a random priority above every lowered one.
    pub(crate) fn add_thread(&mut self, tid: Tid, rng: &mut SplitMix64) {
        debug_assert_eq!(tid, self.priorities.len(), "threads are added in order");
        self.priorities
            .push(CREATED_BASE + (rng.next_u64() >> 2).max(1));
    }

    /// Counts one scheduling point of `running` at virtual time `now`, lowering it if a
    /// change point falls here, or if this instant has taken [`STEPS_PER_INSTANT`] steps.
    pub(crate) fn step(&mut self, running: Option<Tid>, now: std::time::Duration) {
        self.steps += 1;
        if self.instant.0 == now {
            self.instant.1 += 1;
        } else {
            self.instant = (now, 0);
        }
        if self.instant.1 >= STEPS_PER_INSTANT {
            self.instant.1 = 0;
            if let Some(tid) = running {
                self.yield_priority(tid);
            }
        }
        while self
            .change_points
            .get(self.changes as usize)
            .is_some_and(|at| *at <= self.steps)
        {
            self.changes += 1;
            if let Some(tid) = running {
                self.priorities[tid] = self.changes;
            }
        }
    }

    /// `tid` yields of its own accord: below everyone, after the earlier yielders.
    pub(crate) fn yield_priority(&mut self, tid: Tid) {
        self.next_yield -= 1;
        self.priorities[tid] = self.next_yield;
    }

    /// The position in `candidates` of the thread with the highest priority (`candidates`
    /// is not empty).
    pub(crate) fn highest(&self, candidates: &[Tid]) -> usize {
        (0..candidates.len())
            .max_by_key(|index| self.priorities[candidates[*index]])
            .expect("a candidate")
    }

    /// Whether `tid` outranks every thread of `others`.
    pub(crate) fn outranks(&self, tid: Tid, others: &[Tid]) -> bool {
        others
            .iter()
            .all(|other| self.priorities[tid] > self.priorities[*other])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(depth: usize, steps: u64, threads: usize) -> Pct {
        let mut rng = SplitMix64::new(9, 1);
        let mut pct = Pct::new(depth, steps, &mut rng);
        for tid in 0..threads {
            pct.add_thread(tid, &mut rng);
        }
        pct
    }

    #[test]
    fn depth_one_has_no_change_point_and_the_highest_runs() {
        let pct = pct(1, 100, 3);
        assert!(pct.change_points.is_empty());
        let best = pct.highest(&[0, 1, 2]);
        let others: Vec<Tid> = (0..3).filter(|tid| *tid != best).collect();
        assert!(pct.outranks(best, &others));
    }

    #[test]
    fn a_change_point_drops_the_running_thread_below_all() {
        let mut pct = pct(3, 10, 3);
        assert_eq!(pct.change_points.len(), 2);
        let first = pct.change_points[0];
        let top = [0, 1, 2][pct.highest(&[0, 1, 2])];
        for _ in 0..first {
            pct.step(Some(top), std::time::Duration::from_millis(pct.steps));
        }
        assert_eq!(pct.priorities[top], 1);
        let others: Vec<Tid> = (0..3).filter(|tid| *tid != top).collect();
        assert!(others.iter().all(|other| pct.outranks(*other, &[top])));
    }

    #[test]
    fn yielders_go_below_everyone_and_take_turns() {
        let mut pct = pct(1, 10, 3);
        pct.yield_priority(0);
        pct.yield_priority(1);
        assert!(pct.outranks(2, &[0, 1]));
        assert!(pct.outranks(0, &[1]), "the later yielder is lower");
    }

    #[test]
    fn a_long_instant_lowers_whoever_runs() {
        let mut pct = pct(1, 10, 2);
        let top = [0, 1][pct.highest(&[0, 1])];
        for _ in 0..STEPS_PER_INSTANT {
            pct.step(Some(top), std::time::Duration::ZERO);
        }
        assert!(
            pct.outranks(1 - top, &[top]),
            "lowered after a long instant"
        );
    }
}
