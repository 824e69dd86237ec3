//! The plan of a sweep: which test runs next, with which seed, and when to stop.
//!
//! The tests take turns (round-robin over every test of every crate), so whenever the sweep
//! stops, the numbers of runs of any two tests differ by at most one among the runs started.
//! The whole first round is always handed out, even past the budget, so that every test runs
//! at least once; after it, a run is handed out only while the budget lasts. Seeds come from one
//! RNG seeded with the sweep's seed, so the same sweep seed hands out the same runs in the same
//! order.
//!
//! The schedulers take turns by round: the first round runs under the random scheduler, the
//! second under PCT, and so on ([`SWEEP_ROTATION`]), so every test's runs alternate between
//! them whatever the number of tests.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::scheduler::SWEEP_ROTATION;
use crate::stress::pool::PlannedRun;

/// Hands out the runs of a sweep one at a time.
#[derive(Debug)]
pub struct Planner {
    /// How many tests take turns.
    tests: usize,
    /// No run starts after this much time (except in the first round).
    budget: Duration,
    /// Draws each run's seed.
    seeds: StdRng,
    /// How many runs were handed out; the next test is `handed_out % tests`.
    handed_out: usize,
    /// Whether a run of the first round was handed out after the budget was spent.
    overran: bool,
}

impl Planner {
    /// A plan over `tests` tests within `budget`, its seeds drawn from `sweep_seed`.
    pub fn new(tests: usize, budget: Duration, sweep_seed: u64) -> Planner {
        Planner {
            tests,
            budget,
            seeds: StdRng::seed_from_u64(sweep_seed),
            handed_out: 0,
            overran: false,
        }
    }

    /// The next run when `elapsed` of the budget is spent, or `None` once the first round is
    /// out and the budget is spent (and from then on). Seeds stay below 2^32 so that a replay
    /// command is short to type.
    pub fn next(&mut self, elapsed: Duration) -> Option<PlannedRun> {
        if self.tests == 0 {
            return None;
        }
        let over_budget = elapsed >= self.budget;
        if over_budget && self.first_round_done() {
            return None;
        }
        self.overran |= over_budget;
        let round = self.handed_out / self.tests;
        let run = PlannedRun {
            case_index: self.handed_out % self.tests,
            seed: u64::from(self.seeds.gen::<u32>()),
            scheduler: SWEEP_ROTATION[round % SWEEP_ROTATION.len()],
        };
        self.handed_out += 1;
        Some(run)
    }

    /// Whether every test was handed out at least once.
    pub fn first_round_done(&self) -> bool {
        self.handed_out >= self.tests
    }

    /// Whether the first round had to go on past the budget.
    pub fn overran(&self) -> bool {
        self.overran
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUDGET: Duration = Duration::from_secs(10);

    /// The test indices handed out while the clock reads `elapsed`, until `None`.
    fn hand_out_all(planner: &mut Planner, elapsed: Duration) -> Vec<usize> {
        std::iter::from_fn(|| planner.next(elapsed))
            .map(|run| run.case_index)
            .take(1000)
            .collect()
    }

    #[test]
    fn tests_take_turns_while_the_budget_lasts() {
        let mut planner = Planner::new(3, BUDGET, 1);
        let order: Vec<usize> = (0..7)
            .map(|_| planner.next(Duration::from_secs(1)).unwrap().case_index)
            .collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(hand_out_all(&mut planner, BUDGET), Vec::<usize>::new());
        assert!(!planner.overran());
    }

    #[test]
    fn the_first_round_is_whole_even_past_the_budget() {
        let mut planner = Planner::new(4, BUDGET, 1);
        assert_eq!(planner.next(Duration::ZERO).unwrap().case_index, 0);
        // The budget runs out during the first round: the other three tests still run once.
        assert_eq!(hand_out_all(&mut planner, BUDGET * 2), [1, 2, 3]);
        assert!(planner.overran());
        assert!(
            planner.next(BUDGET * 3).is_none(),
            "nothing after a spent budget"
        );
    }

    #[test]
    fn no_test_is_starved_wherever_the_budget_ends() {
        for tests in 1..6 {
            for stop_after in 0..20 {
                let mut planner = Planner::new(tests, BUDGET, 7);
                let mut runs = vec![0; tests];
                for _ in 0..stop_after {
                    runs[planner.next(Duration::ZERO).unwrap().case_index] += 1;
                }
                for index in hand_out_all(&mut planner, BUDGET) {
                    runs[index] += 1;
                }
                let (least, most) = (runs.iter().min().unwrap(), runs.iter().max().unwrap());
                assert!(
                    *least >= 1,
                    "{tests} tests, stop after {stop_after}: {runs:?}"
                );
                assert!(
                    most - least <= 1,
                    "{tests} tests, stop after {stop_after}: {runs:?}"
                );
            }
        }
    }

    #[test]
    fn one_sweep_seed_gives_the_same_runs() {
        let seeds = |sweep_seed| {
            let mut planner = Planner::new(3, BUDGET, sweep_seed);
            (0..6)
                .map(|_| planner.next(Duration::ZERO).unwrap().seed)
                .collect::<Vec<u64>>()
        };
        assert_eq!(seeds(42), seeds(42));
        assert_ne!(seeds(42), seeds(43));
        assert!(seeds(42).iter().all(|&seed| seed <= u64::from(u32::MAX)));
    }

    #[test]
    fn each_test_alternates_the_schedulers() {
        use crate::scheduler::Scheduler;
        for tests in [1, 2, 3] {
            let mut planner = Planner::new(tests, BUDGET, 3);
            let mut seen = vec![Vec::new(); tests];
            for _ in 0..tests * 4 {
                let run = planner.next(Duration::ZERO).unwrap();
                seen[run.case_index].push(run.scheduler);
            }
            let pct = Scheduler::Pct {
                depth: None,
                steps: None,
            };
            for schedulers in seen {
                assert_eq!(
                    schedulers,
                    [Scheduler::Random, pct, Scheduler::Random, pct],
                    "{tests} tests"
                );
            }
        }
    }

    #[test]
    fn no_tests_no_runs() {
        assert!(Planner::new(0, BUDGET, 1).next(Duration::ZERO).is_none());
    }
}
