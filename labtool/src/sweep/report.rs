//! The grade report of a sweep: the table of runs per test, then every failed run under its
//! test with its seed, the scheduler that found it, why it failed, its log and the command that
//! replays it exactly, then the runs per scheduler, the tests left out as real-only, and one
//! closing line.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use crate::color::{Palette, Style};
use crate::real_only::{self, LeftOut};
use crate::stress::summary::{self, Layout};
use crate::stress::tally::{display_path, Tally};
use crate::stress::StressOutcome;

/// Everything the report says.
pub struct SweepReport<'a> {
    /// The runs.
    pub tally: &'a Tally<'a>,
    /// The tests picked but left out because they run in real time only.
    pub left_out: &'a [LeftOut],
    /// The budget asked for.
    pub budget: Duration,
    /// From the first run's start to the last run's end.
    pub elapsed: Duration,
    /// The seed the runs' seeds were drawn from.
    pub sweep_seed: u64,
    /// Whether the first round went on past the budget.
    pub overran: bool,
    /// Whether Ctrl-C stopped the sweep.
    pub interrupted: bool,
    /// Where the failed runs' logs are.
    pub log_dir: &'a Path,
}

impl SweepReport<'_> {
    /// The report as text.
    pub fn render(&self, palette: Palette) -> String {
        let mut text = summary::render(&self.tally.summaries, Layout::CratesAndTests, palette);
        text.push_str(&self.failed_runs(palette));
        text.push_str(&self.scheduler_line());
        text.push_str(&real_only::left_out_lines(self.left_out));
        if self.overran && !self.interrupted {
            let _ = writeln!(
                text,
                "note: the budget of {} s ran out before every test had run once; \
                 each test still ran once",
                self.budget.as_secs()
            );
        }
        text.push_str(&self.closing_line());
        text
    }

    /// How the sweep ended, for the exit code.
    pub fn outcome(&self) -> StressOutcome {
        if self.interrupted {
            StressOutcome::Interrupted
        } else if self.tally.failures() > 0 {
            StressOutcome::SomeFailed
        } else {
            StressOutcome::AllPassed
        }
    }

    /// The failed runs grouped under their tests, in table order; nothing when all passed.
    fn failed_runs(&self, palette: Palette) -> String {
        let mut text = String::new();
        if self.tally.failures() == 0 {
            return text;
        }
        let _ = writeln!(
            text,
            "\nfailed runs (each replays exactly with its command; logs in {}):",
            display_path(self.log_dir)
        );
        for (index, summary) in self.tally.summaries.iter().enumerate() {
            let mut failed = self
                .tally
                .failed_runs
                .iter()
                .filter(|run| run.case_index == index)
                .peekable();
            if failed.peek().is_none() {
                continue;
            }
            let heading = format!(
                "{} {}: {} of {} runs failed",
                summary.krate,
                summary.name,
                summary.failures,
                summary.durations.len()
            );
            let _ = writeln!(text, "{}", palette.paint(Some(Style::Red), &heading));
            for run in failed {
                let _ = writeln!(
                    text,
                    "  seed {} (scheduler {}) after {:.1} s: {}\n    log:    {}\n    replay: {}",
                    run.seed,
                    run.scheduler,
                    run.duration.as_secs_f64(),
                    run.reason,
                    display_path(&run.log_path),
                    self.tally.replay_command(run)
                );
            }
        }
        text
    }

    /// `by scheduler: random 24 runs, 0 failed; pct 24 runs, 1 failed`; nothing before any
    /// run ended.
    fn scheduler_line(&self) -> String {
        if self.tally.by_scheduler.is_empty() {
            return String::new();
        }
        let counts: Vec<String> = self
            .tally
            .by_scheduler
            .iter()
            .map(|count| {
                format!(
                    "{} {} runs, {} failed",
                    count.scheduler, count.runs, count.failures
                )
            })
            .collect();
        format!("by scheduler: {}\n", counts.join("; "))
    }

    /// `48 runs of 27 tests in 121 s, 1 failure (sweep seed 12345)`.
    fn closing_line(&self) -> String {
        let runs = self.tally.runs();
        let tests = self.tally.summaries.len();
        let failures = self.tally.failures();
        let plural = if failures == 1 { "" } else { "s" };
        let seconds = self.elapsed.as_secs_f64();
        let body = format!(
            "{runs} runs of {tests} tests in {seconds:.0} s, {failures} failure{plural} \
             (sweep seed {})",
            self.sweep_seed
        );
        if self.interrupted {
            format!("interrupted: {body}\n")
        } else {
            format!("{body}\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::color::ColorChoice;
    use crate::scheduler::Scheduler;
    use crate::stress::build::TestBinary;
    use crate::stress::discover::TestCase;
    use crate::stress::tally::{FailedRun, RunMode};
    use crate::workspace::Package;
    use std::path::PathBuf;

    fn case(krate: &str, binary: &str, name: &str) -> TestCase {
        TestCase {
            package: Package {
                name: krate.to_string(),
                directory: PathBuf::from(format!("/w/{krate}")),
            },
            binary: TestBinary {
                path: PathBuf::from(format!("/w/target/debug/deps/{binary}-1")),
                target_name: binary.to_string(),
                target_kind: "test".to_string(),
            },
            name: name.to_string(),
        }
    }

    const MODE: RunMode = RunMode {
        release: false,
        sim: true,
        timeout: Duration::from_secs(120),
    };

    fn report<'a>(tally: &'a Tally<'a>, interrupted: bool) -> SweepReport<'a> {
        SweepReport {
            tally,
            left_out: &[],
            budget: Duration::from_secs(60),
            elapsed: Duration::from_millis(61_400),
            sweep_seed: 99,
            overran: false,
            interrupted,
            log_dir: Path::new("/w/target/sweep"),
        }
    }

    #[test]
    fn failed_runs_are_listed_under_their_test_with_replay_commands() {
        let cases = [
            case("kvsrv", "lab2", "kvsrv_2::reliable_put_2"),
            case("raft", "lab3", "election_3a::initial_election_3a"),
        ];
        let mut tally = Tally::new(&cases, MODE, ColorChoice::Never);
        for summary in &mut tally.summaries {
            summary.record(Duration::from_secs(1), false, false);
            summary.record(Duration::from_secs(1), false, false);
        }
        tally.summaries[1].record(Duration::from_secs(2), true, false);
        tally.failed_runs.push(FailedRun {
            case_index: 1,
            seed: 1234,
            scheduler: Scheduler::Pct {
                depth: None,
                steps: None,
            },
            reason: "failed (exit status: 101): two leaders in term 3".to_string(),
            duration: Duration::from_secs(2),
            log_path: PathBuf::from("/w/target/sweep/raft/x-seed-1234-pct.log"),
        });
        let report = report(&tally, false);
        let text = report.render(Palette::plain());
        let expected_tail = "\
failed runs (each replays exactly with its command; logs in /w/target/sweep):
raft election_3a::initial_election_3a: 1 of 3 runs failed
  seed 1234 (scheduler pct) after 2.0 s: failed (exit status: 101): two leaders in term 3
    log:    /w/target/sweep/raft/x-seed-1234-pct.log
    replay: LAB_SIM=1 LAB_SCHED=pct LAB_SEED=1234 RUST_LOG=debug cargo test -p raft --test lab3 -- --exact election_3a::initial_election_3a --nocapture
5 runs of 2 tests in 61 s, 1 failure (sweep seed 99)
";
        assert!(text.ends_with(expected_tail), "{text}");
        assert!(text.starts_with("crate  test"), "{text}");
        assert!(
            !text.contains("kvsrv kvsrv_2"),
            "a passing test has no heading"
        );
        assert_eq!(report.outcome(), StressOutcome::SomeFailed);
    }

    #[test]
    fn a_clean_sweep_ends_with_its_count() {
        let cases = [case("raft", "lab3", "election_3a::initial_election_3a")];
        let mut tally = Tally::new(&cases, MODE, ColorChoice::Never);
        tally.summaries[0].record(Duration::from_secs(1), false, false);
        let text = report(&tally, false).render(Palette::plain());
        assert!(!text.contains("failed runs"), "{text}");
        assert!(
            text.ends_with("\n1 runs of 1 tests in 61 s, 0 failures (sweep seed 99)\n"),
            "{text}"
        );
        assert_eq!(report(&tally, false).outcome(), StressOutcome::AllPassed);
        assert_eq!(report(&tally, true).outcome(), StressOutcome::Interrupted);
        let interrupted = report(&tally, true).render(Palette::plain());
        assert!(interrupted.contains("interrupted: 1 runs"), "{interrupted}");
    }

    #[test]
    fn an_overrun_budget_is_said() {
        let cases = [case("raft", "lab3", "a_3a")];
        let tally = Tally::new(&cases, MODE, ColorChoice::Never);
        let mut report = report(&tally, false);
        report.overran = true;
        let text = report.render(Palette::plain());
        assert!(
            text.contains("the budget of 60 s ran out before every test had run once"),
            "{text}"
        );
    }
}
