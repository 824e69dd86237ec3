//! The live progress of a stress run or a sweep: an indicatif bar on a terminal, and a plain
//! line every tenth of the runs (or of the budget) or every ten seconds when stderr
//! is a file or a CI log.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Longest gap between two plain progress lines, so a CI log shows a long run is alive.
const PLAIN_LINE_INTERVAL: Duration = Duration::from_secs(10);

/// A stress bar: elapsed, bar, runs done, failures (the message) and the estimate.
const RUNS_TEMPLATE: &str =
    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs, {msg}, ETA {eta_precise}";

/// A sweep bar: elapsed, the budget spent, then runs done and failures (the message).
const BUDGET_TEMPLATE: &str = "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} s, {msg}";

/// What the bar fills up towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// A known number of runs (`lab stress`).
    Runs(u64),
    /// A time budget (`lab sweep`): the number of runs is whatever fits.
    Budget(Duration),
}

/// Runs done and failed, shown as they happen.
pub struct Progress {
    /// The bar; hidden (drawing nothing) when stderr is not a terminal.
    bar: ProgressBar,
    /// What the bar counts towards.
    goal: Goal,
    /// The command, opening plain lines: `stress` or `sweep`.
    label: &'static str,
    /// Whether plain lines are printed instead of drawing the bar.
    plain: bool,
    /// Runs that ended so far.
    done: u64,
    /// Runs that failed so far.
    failures: u64,
    /// When the last plain line was printed.
    last_plain_line: Instant,
    /// With a run goal, print a plain line every this many runs.
    plain_every: u64,
}

impl Progress {
    /// Progress towards `goal`, drawn on stderr; plain lines open with `label`.
    pub fn new(goal: Goal, label: &'static str) -> Progress {
        let plain = !std::io::stderr().is_terminal();
        let (length, template) = match goal {
            Goal::Runs(total) => (total, RUNS_TEMPLATE),
            Goal::Budget(budget) => (budget.as_secs().max(1), BUDGET_TEMPLATE),
        };
        let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        let mut progress = Progress {
            bar,
            goal,
            label,
            plain,
            done: 0,
            failures: 0,
            last_plain_line: Instant::now(),
            plain_every: (length / 10).max(1),
        };
        progress.update_message();
        progress
    }

    /// Counts one finished run.
    pub fn record(&mut self, failed: bool) {
        self.done += 1;
        self.failures += u64::from(failed);
        self.update_message();
        match self.goal {
            Goal::Runs(total) => {
                self.bar.inc(1);
                if self.plain && (self.done % self.plain_every == 0 || self.done == total) {
                    self.print_plain_line();
                }
            }
            Goal::Budget(_) => self.tick(),
        }
    }

    /// Called while waiting: moves a budget bar on, and prints a plain line if none was
    /// printed for a while.
    pub fn tick(&mut self) {
        if let Goal::Budget(budget) = self.goal {
            let spent = self.bar.elapsed().min(budget);
            self.bar.set_position(spent.as_secs());
        }
        if self.plain && self.last_plain_line.elapsed() >= PLAIN_LINE_INTERVAL {
            self.print_plain_line();
        }
    }

    /// Prints `text` on stderr without tearing the bar.
    pub fn println(&self, text: &str) {
        self.bar.suspend(|| crate::output::note(text));
    }

    /// Removes the bar before the summary.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// The bar's message: failures for stress (the bar shows the runs), both for a sweep.
    fn update_message(&mut self) {
        let message = match self.goal {
            Goal::Runs(_) => format!("{} failed", self.failures),
            Goal::Budget(_) => format!("{} runs, {} failed", self.done, self.failures),
        };
        self.bar.set_message(message);
    }

    /// `stress: 12/40 runs, 1 failed, 35 s elapsed, ETA 80 s`, or for a sweep
    /// `sweep: 12 runs, 1 failed, 35 s of 600 s`.
    fn print_plain_line(&mut self) {
        self.last_plain_line = Instant::now();
        let elapsed = self.bar.elapsed();
        let (done, failures, label) = (self.done, self.failures, self.label);
        match self.goal {
            Goal::Runs(total) => {
                let eta = match plain_eta(elapsed, done, total) {
                    Some(eta) => format!("{} s", eta.as_secs()),
                    None => "unknown".to_string(),
                };
                crate::output::note(&format!(
                    "{label}: {done}/{total} runs, {failures} failed, {} s elapsed, ETA {eta}",
                    elapsed.as_secs(),
                ));
            }
            Goal::Budget(budget) => crate::output::note(&format!(
                "{label}: {done} runs, {failures} failed, {} s of {} s",
                elapsed.as_secs(),
                budget.as_secs()
            )),
        }
    }
}

/// The time left if the remaining runs go at the pace so far (the pace already reflects the
/// parallelism); unknown before the first run ends.
fn plain_eta(elapsed: Duration, done: u64, total: u64) -> Option<Duration> {
    if done == 0 {
        return None;
    }
    let remaining = total.saturating_sub(done);
    Some(elapsed.mul_f64(remaining as f64 / done as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_follows_the_pace_so_far() {
        let elapsed = Duration::from_secs(10);
        assert_eq!(plain_eta(elapsed, 2, 6), Some(Duration::from_secs(20)));
        assert_eq!(plain_eta(elapsed, 6, 6), Some(Duration::ZERO));
        assert_eq!(plain_eta(elapsed, 0, 6), None);
    }
}
