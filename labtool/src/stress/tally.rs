//! What the runs of a stress session or a sweep come to, counted as they come in: per test,
//! the runs and their durations; per failed run, its seed, why it failed, its log and the
//! command that replays it. Failures are also announced on stderr as they happen.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::discover::TestCase;
use super::pool::{PoolEvent, RunReport};
use super::progress::Progress;
use super::run::{Verdict, SEED_VARIABLE, SIM_VARIABLE};
use super::summary::TestSummary;
use crate::color::{ColorChoice, Palette, Style};
use crate::scheduler::Scheduler;

/// A panic message longer than this is cut, so that a reason stays one line.
const MAX_REASON_CHARS: usize = 160;

/// How the runs are made, which the replay command must repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunMode {
    /// Built and run with `--release`.
    pub release: bool,
    /// Run in deterministic simulation (`LAB_SIM=1`).
    pub sim: bool,
    /// A run still going after this was killed.
    pub timeout: Duration,
}

/// One run that failed, timed out or could not start.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedRun {
    /// Index into the tests.
    pub case_index: usize,
    /// Its `LAB_SEED`.
    pub seed: u64,
    /// The scheduler that found it (`LAB_SCHED`).
    pub scheduler: Scheduler,
    /// One line: how it ended and, when the log has one, the first panic's message.
    pub reason: String,
    /// How long it ran.
    pub duration: Duration,
    /// Its log, kept.
    pub log_path: PathBuf,
}

/// How many of the runs one scheduler made, and how many of them failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulerCount {
    /// The scheduler.
    pub scheduler: Scheduler,
    /// Its runs that ended.
    pub runs: usize,
    /// How many of them failed.
    pub failures: usize,
}

/// The runs counted so far.
pub struct Tally<'a> {
    /// The tests being run.
    cases: &'a [TestCase],
    /// How they are run.
    mode: RunMode,
    /// One summary per test, same order as `cases`.
    pub summaries: Vec<TestSummary>,
    /// Every failed run, in the order they ended.
    pub failed_runs: Vec<FailedRun>,
    /// Runs and failures per scheduler, in the order the schedulers first ran.
    pub by_scheduler: Vec<SchedulerCount>,
    /// Colours for messages on stderr.
    stderr_palette: Palette,
}

impl<'a> Tally<'a> {
    /// Nothing counted yet.
    pub fn new(cases: &'a [TestCase], mode: RunMode, color: ColorChoice) -> Self {
        Tally {
            cases,
            mode,
            summaries: cases
                .iter()
                .map(|case| TestSummary::new(&case.package.name, &case.name))
                .collect(),
            failed_runs: Vec::new(),
            by_scheduler: Vec::new(),
            stderr_palette: Palette::for_stderr(color),
        }
    }

    /// Takes one event of the pool: counts a finished run, or moves the progress on.
    pub fn take(&mut self, event: PoolEvent, progress: &mut Progress) {
        match event {
            PoolEvent::Finished(report) => self.record(report, progress),
            PoolEvent::Idle => progress.tick(),
        }
    }

    /// Counts a finished run and announces it if it failed; an interrupted run does not count.
    fn record(&mut self, report: RunReport, progress: &mut Progress) {
        if report.verdict == Verdict::Interrupted {
            return;
        }
        let failed = report.verdict.is_failure();
        self.summaries[report.run.case_index].record(
            report.duration,
            failed,
            report.verdict == Verdict::TimedOut,
        );
        progress.record(failed);
        self.count_for_scheduler(report.run.scheduler, failed);
        if failed {
            let failed_run = FailedRun {
                case_index: report.run.case_index,
                seed: report.run.seed,
                scheduler: report.run.scheduler,
                reason: failure_reason(&report.verdict, self.mode.timeout, &report.log_path),
                duration: report.duration,
                log_path: report.log_path,
            };
            progress.println(&self.failure_message(&failed_run));
            self.failed_runs.push(failed_run);
        }
    }

    /// Counts one ended run under its scheduler.
    fn count_for_scheduler(&mut self, scheduler: Scheduler, failed: bool) {
        let position = self
            .by_scheduler
            .iter()
            .position(|count| count.scheduler == scheduler);
        let index = position.unwrap_or_else(|| {
            self.by_scheduler.push(SchedulerCount {
                scheduler,
                runs: 0,
                failures: 0,
            });
            self.by_scheduler.len() - 1
        });
        self.by_scheduler[index].runs += 1;
        self.by_scheduler[index].failures += usize::from(failed);
    }

    /// The runs that ended, passed or failed.
    pub fn runs(&self) -> usize {
        self.summaries.iter().map(|s| s.durations.len()).sum()
    }

    /// The runs that failed.
    pub fn failures(&self) -> usize {
        self.failed_runs.len()
    }

    /// The test a failed run ran.
    pub fn case_of(&self, failed_run: &FailedRun) -> &TestCase {
        &self.cases[failed_run.case_index]
    }

    /// The cargo command that replays `failed_run`.
    pub fn replay_command(&self, failed_run: &FailedRun) -> String {
        rerun_command(
            self.case_of(failed_run),
            failed_run.seed,
            failed_run.scheduler,
            self.mode,
        )
    }

    /// `FAIL test (seed) after s: why`, the log path and the command that reruns it; the
    /// scheduler beside the seed in simulation.
    fn failure_message(&self, failed_run: &FailedRun) -> String {
        let case = self.case_of(failed_run);
        let scheduler = if self.mode.sim {
            format!(", scheduler {}", failed_run.scheduler)
        } else {
            String::new()
        };
        let heading = format!("FAIL {} (seed {}{scheduler})", case.name, failed_run.seed);
        format!(
            "{} after {:.1} s: {}\n  log:   {}\n  rerun: {}",
            self.stderr_palette.paint(Some(Style::Red), &heading),
            failed_run.duration.as_secs_f64(),
            failed_run.reason,
            display_path(&failed_run.log_path),
            self.replay_command(failed_run)
        )
    }
}

/// The cargo command that replays one run of `case` with `seed`, in the same mode and (in
/// simulation) under the same scheduler, with a debug log on the terminal.
pub fn rerun_command(case: &TestCase, seed: u64, scheduler: Scheduler, mode: RunMode) -> String {
    let release = if mode.release { " --release" } else { "" };
    let sim = if mode.sim {
        format!("{SIM_VARIABLE}=1 {}", scheduler.env_assignment())
    } else {
        String::new()
    };
    format!(
        "{sim}{SEED_VARIABLE}={seed} RUST_LOG=debug cargo test -p {}{release} {} -- --exact {} --nocapture",
        case.package.name,
        case.binary.cargo_selector(),
        case.name
    )
}

/// How a failed run ended, with the first panic message of its log when there is one:
/// `failed (exit status: 101): expected one leader, got 2`.
pub fn failure_reason(verdict: &Verdict, timeout: Duration, log_path: &Path) -> String {
    let how = verdict.describe(timeout);
    let message = match verdict {
        Verdict::Failed(_) => first_panic_message(log_path),
        _ => None,
    };
    match message {
        Some(message) => format!("{how}: {message}"),
        None => how,
    }
}

/// The message of the first panic in a log, cut to one short line.
fn first_panic_message(log_path: &Path) -> Option<String> {
    let file = std::fs::File::open(log_path).ok()?;
    let lines = BufReader::new(file).lines().map_while(std::io::Result::ok);
    panic_message(lines).map(|message| shorten(&message))
}

/// The message of the first panic among `lines`: the line after
/// `thread '…' (id) panicked at file:line:column:` (newer Rusts print the id), or the quoted text
/// of the older `thread '…' panicked at 'message', file:line:column`.
fn panic_message(lines: impl Iterator<Item = String>) -> Option<String> {
    let mut lines = lines;
    while let Some(line) = lines.next() {
        if !line.starts_with("thread '") {
            continue;
        }
        let Some((_, place)) = line.split_once(" panicked at ") else {
            continue;
        };
        if let Some(quoted) = place.strip_prefix('\'') {
            let message = quoted
                .rsplit_once("', ")
                .map_or(quoted, |(message, _)| message);
            return Some(message.to_string());
        }
        let message = lines.next().unwrap_or_default();
        return Some(message.trim().to_string());
    }
    None
}

/// `text` cut to [`MAX_REASON_CHARS`] characters, with `…` where it was cut.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_REASON_CHARS {
        return text.to_string();
    }
    let kept: String = text.chars().take(MAX_REASON_CHARS).collect();
    format!("{kept}…")
}

/// `path` relative to the current directory when it is under it, for shorter messages.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|here| path.strip_prefix(here).ok().map(Path::to_path_buf));
    relative
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> impl Iterator<Item = String> + '_ {
        text.lines().map(str::to_string)
    }

    #[test]
    fn the_first_panic_gives_the_reason() {
        let log = "\
000120 DEBUG raft S1 T2 election: won
thread 'figure8_3c' (4242) panicked at raft/tests/tester/mod.rs:210:13:
  expected one leader in term 4, got 2
note: run with `RUST_BACKTRACE=1`
thread 'main' panicked at labsim/src/lib.rs:1:1:
a later panic
";
        assert_eq!(
            panic_message(lines(log)).as_deref(),
            Some("expected one leader in term 4, got 2")
        );
    }

    #[test]
    fn the_older_panic_format_is_read_too() {
        let log = "thread 'main' panicked at 'one: two', src/main.rs:2:5\n";
        assert_eq!(panic_message(lines(log)).as_deref(), Some("one: two"));
        assert_eq!(panic_message(lines("all quiet\n")), None);
    }

    #[test]
    fn long_reasons_are_cut() {
        let long = "x".repeat(MAX_REASON_CHARS + 10);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MAX_REASON_CHARS + 1);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("short"), "short");
    }

    #[test]
    fn a_reason_without_a_log_is_the_verdict() {
        let missing = Path::new("/no/such/log");
        let timeout = Duration::from_secs(5);
        let failed = Verdict::Failed("exit status: 101".into());
        assert_eq!(
            failure_reason(&failed, timeout, missing),
            "failed (exit status: 101)"
        );
        assert_eq!(
            failure_reason(&Verdict::TimedOut, timeout, missing),
            "timed out after 5 s"
        );
    }
}
