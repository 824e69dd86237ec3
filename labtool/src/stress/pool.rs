//! Runs the planned runs on a fixed number of worker threads and hands each report to the
//! caller's thread as it arrives, so progress and messages come from one place. The runs come
//! from the caller one at a time as workers free up: a fixed list for `lab stress`, a planner
//! that watches the budget for `lab sweep`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::RecvTimeoutError;

use super::discover::TestCase;
use super::run::{run_once, RunSettings, RunSpec, Verdict};
use crate::scheduler::Scheduler;

/// How long the caller's thread waits for a report before calling its idle hook (used for
/// plain progress lines).
const IDLE_INTERVAL: Duration = Duration::from_millis(500);

/// One planned run: which test, with which seed and which scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedRun {
    /// Index into the tests being run.
    pub case_index: usize,
    /// The value of `LAB_SEED` for this run.
    pub seed: u64,
    /// The simulation's scheduler (`LAB_SCHED`); real runs ignore it.
    pub scheduler: Scheduler,
}

/// One finished run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// What was run.
    pub run: PlannedRun,
    /// How it ended.
    pub verdict: Verdict,
    /// How long it took.
    pub duration: Duration,
    /// Its log file (deleted unless the run failed).
    pub log_path: PathBuf,
}

/// What the caller's thread hears from the pool.
#[derive(Debug, Clone)]
pub enum PoolEvent {
    /// A run finished.
    Finished(RunReport),
    /// Nothing finished for a while (time for a plain progress line).
    Idle,
}

/// Everything the workers share.
pub struct Pool<'a> {
    /// The tests being run.
    pub cases: &'a [TestCase],
    /// How each run is started.
    pub settings: &'a RunSettings,
    /// Where logs go: one directory per crate (see [`log_path`]), one file per run.
    pub log_dir: PathBuf,
    /// Set by Ctrl-C: no new run starts and running ones are killed.
    pub stop: &'a AtomicBool,
}

impl Pool<'_> {
    /// Runs what `next_run` hands out, until it says `None`, with `jobs` workers, handing
    /// every event to `on_event` on this thread. Each worker asks for its next run as it
    /// frees up.
    pub fn run_all(
        &self,
        next_run: impl Fn() -> Option<PlannedRun> + Sync,
        jobs: usize,
        mut on_event: impl FnMut(PoolEvent),
    ) {
        let (sender, receiver) = crossbeam_channel::unbounded();
        std::thread::scope(|scope| {
            for _ in 0..jobs.max(1) {
                let sender = sender.clone();
                let next_run = &next_run;
                scope.spawn(move || self.work(next_run, &sender));
            }
            drop(sender);
            loop {
                match receiver.recv_timeout(IDLE_INTERVAL) {
                    Ok(report) => on_event(PoolEvent::Finished(report)),
                    Err(RecvTimeoutError::Timeout) => on_event(PoolEvent::Idle),
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        });
    }

    /// One worker: takes the next run until none is left or Ctrl-C was pressed.
    fn work(
        &self,
        next_run: &(impl Fn() -> Option<PlannedRun> + Sync),
        sender: &crossbeam_channel::Sender<RunReport>,
    ) {
        while !self.stop.load(Ordering::SeqCst) {
            let Some(run) = next_run() else {
                return;
            };
            let case = &self.cases[run.case_index];
            let log_path = log_path(&self.log_dir, case, &run);
            let spec = RunSpec {
                case,
                seed: run.seed,
                scheduler: run.scheduler,
            };
            let (verdict, duration) = run_once(spec, &log_path, self.settings, self.stop);
            let report = RunReport {
                run,
                verdict,
                duration,
                log_path,
            };
            if sender.send(report).is_err() {
                return;
            }
        }
    }
}

/// `<log_dir>/<crate>/<test>-seed-<seed>.log`: where the log of one run goes (written while
/// the run goes, deleted if it passes); `-pct` or `-pct2` before `.log` for a run under PCT.
pub fn log_path(log_dir: &Path, case: &TestCase, run: &PlannedRun) -> PathBuf {
    log_dir
        .join(&case.package.name)
        .join(log_file_name(&case.name, run.seed, run.scheduler))
}

/// `<test>-seed-<seed>.log` (`<test>-seed-<seed>-pct.log` under PCT), with `::` made `.` and
/// other path-unfriendly characters `_`.
pub fn log_file_name(test: &str, seed: u64, scheduler: Scheduler) -> String {
    let safe: String = test
        .replace("::", ".")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let scheduler = scheduler
        .env_value()
        .map(|value| format!("-{}", value.replace(':', "")))
        .unwrap_or_default();
    format!("{safe}-seed-{seed}{scheduler}.log")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names_carry_test_seed_and_scheduler() {
        let random = Scheduler::Random;
        assert_eq!(
            log_file_name("figure8_3c", 42, random),
            "figure8_3c-seed-42.log"
        );
        assert_eq!(
            log_file_name("tests::a b/c", 7, random),
            "tests.a_b_c-seed-7.log"
        );
        let pct = Scheduler::Pct {
            depth: Some(2),
            steps: None,
        };
        assert_eq!(
            log_file_name("persistence_3c::figure8_3c", 9, pct),
            "persistence_3c.figure8_3c-seed-9-pct2.log"
        );
    }
}
