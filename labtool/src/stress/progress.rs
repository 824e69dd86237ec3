//! The live progress of a stress run: an indicatif bar on a terminal, and a plain line every
//! tenth of the runs or every [`PLAIN_LINE_INTERVAL`] when stderr is a file or a CI log.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Longest gap between two plain progress lines, so a CI log shows a long run is alive.
const PLAIN_LINE_INTERVAL: Duration = Duration::from_secs(10);

/// The bar's layout: elapsed, bar, runs done, failures (the message) and the estimate.
const BAR_TEMPLATE: &str =
    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs, {msg}, ETA {eta_precise}";

/// Runs done and failed, shown as they happen.
pub struct Progress {
    /// The bar; hidden (drawing nothing) when stderr is not a terminal.
    bar: ProgressBar,
    /// Whether plain lines are printed instead of drawing the bar.
    plain: bool,
    /// Runs that failed so far.
    failures: u64,
    /// When the last plain line was printed.
    last_plain_line: Instant,
    /// Print a plain line every this many runs.
    plain_every: u64,
}

impl Progress {
    /// Progress over `total` runs, drawn on stderr.
    pub fn new(total: u64) -> Progress {
        let plain = !std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(BAR_TEMPLATE) {
            bar.set_style(style);
        }
        bar.set_message("0 failed");
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress {
            bar,
            plain,
            failures: 0,
            last_plain_line: Instant::now(),
            plain_every: (total / 10).max(1),
        }
    }

    /// Counts one finished run.
    pub fn record(&mut self, failed: bool) {
        if failed {
            self.failures += 1;
            self.bar.set_message(format!("{} failed", self.failures));
        }
        self.bar.inc(1);
        let done = self.bar.position();
        if self.plain && (done % self.plain_every == 0 || done == self.total()) {
            self.print_plain_line();
        }
    }

    /// Called while waiting: prints a plain line if none was printed for a while.
    pub fn tick(&mut self) {
        if self.plain && self.last_plain_line.elapsed() >= PLAIN_LINE_INTERVAL {
            self.print_plain_line();
        }
    }

    /// Prints `text` on stderr without tearing the bar.
    pub fn println(&self, text: &str) {
        self.bar.suspend(|| eprintln!("{text}"));
    }

    /// Removes the bar before the summary.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// The number of runs planned.
    fn total(&self) -> u64 {
        self.bar.length().unwrap_or(0)
    }

    /// `stress: 12/40 runs, 1 failed, 35 s elapsed, ETA 80 s`.
    fn print_plain_line(&mut self) {
        self.last_plain_line = Instant::now();
        let done = self.bar.position();
        let elapsed = self.bar.elapsed();
        let eta = match plain_eta(elapsed, done, self.total()) {
            Some(eta) => format!("{} s", eta.as_secs()),
            None => "unknown".to_string(),
        };
        eprintln!(
            "stress: {done}/{} runs, {} failed, {} s elapsed, ETA {eta}",
            self.total(),
            self.failures,
            elapsed.as_secs(),
        );
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
