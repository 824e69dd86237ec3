//! One graded test run: its banner, its time limit and its result line.
//!
//! The clock and the watchdog are labsim's, so inside a simulation the time limit, the
//! elapsed time and the result line's seconds are all virtual time.

use std::time::Duration;

use labsim::channel::{RecvTimeoutError, Sender};
use labsim::thread::JoinHandle;
use labsim::time::Instant;

use crate::results::ResultLine;

/// The course's limit on one test's wall-clock time (virtual time in simulation).
pub const TEST_TIME_LIMIT: Duration = Duration::from_secs(120);

/// The message a test over [`TEST_TIME_LIMIT`] fails with, as in the course.
pub const TIME_LIMIT_MESSAGE: &str = "test took longer than 120 seconds";

/// What a test is, for its banner and its results line.
#[derive(Debug, Clone)]
pub struct TestInfo {
    /// The lab crate: `"raft"`.
    pub lab: &'static str,
    /// The part: `"3A"`.
    pub part: &'static str,
    /// The Rust test function's name: `"initial_election_3a"`.
    pub test: &'static str,
    /// The course's title: `"initial election"`.
    pub title: String,
    /// How many servers the test runs.
    pub peers: usize,
    /// The seed that replays the run: the network's in real mode; [`Run::begin`] puts the
    /// simulation's there in simulation (with `LAB_SEED` set, the two are equal).
    pub seed: u64,
}

/// The counters of a finished run, as the result line shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// RPCs sent during the test.
    pub rpcs: u64,
    /// Bytes carried during the test.
    pub bytes: u64,
    /// Raft: highest committed index reached since the start.
    pub commits: Option<u64>,
    /// KV: client operations.
    pub ops: Option<u64>,
}

impl Counts {
    /// How much each counter grew since `start` (counters never go down; a reset one
    /// counts from zero).
    pub fn since(self, start: Counts) -> Counts {
        let grown = |now: Option<u64>, then: Option<u64>| match (now, then) {
            (Some(now), then) => Some(now.saturating_sub(then.unwrap_or(0))),
            (None, _) => None,
        };
        Counts {
            rpcs: self.rpcs.saturating_sub(start.rpcs),
            bytes: self.bytes.saturating_sub(start.bytes),
            commits: grown(self.commits, start.commits),
            ops: grown(self.ops, start.ops),
        }
    }
}

/// A test in progress. Drop it without [`pass`](Run::pass) and it records a failure.
pub struct Run {
    info: TestInfo,
    started: Instant,
    /// Dropping it stops the watchdog.
    watchdog_stop: Option<Sender<()>>,
    watchdog: Option<JoinHandle<()>>,
    /// Whether the results line has been written (pass or fail).
    recorded: bool,
    /// The time limit: [`TEST_TIME_LIMIT`] unless begun with [`Run::begin_with_limit`].
    limit: Duration,
    /// The linearizability checker's verdict, for the results line.
    linearizability: Option<String>,
}

impl Run {
    /// Prints the banner (with the mode and the seed) and starts the clock and the watchdog.
    pub fn begin(info: TestInfo) -> Run {
        Run::begin_with_limit(info, TEST_TIME_LIMIT)
    }

    /// [`begin`](Run::begin) with `limit` for the watchdog and [`pass`](Run::pass) in place of
    /// [`TEST_TIME_LIMIT`], for a suite whose course bound is not 120 s per test (MapReduce's
    /// test-mr.sh bounds each process, not each test).
    pub fn begin_with_limit(mut info: TestInfo, limit: Duration) -> Run {
        crate::init_logging();
        let mode = match labsim::current_seed() {
            Some(seed) => {
                info.seed = seed;
                "simulated, "
            }
            None => "",
        };
        println!(
            "Test ({}): {} ... {mode}seed {}",
            info.part, info.title, info.seed
        );
        log::info!(target: "tester", "begin {} {mode}seed {}", info.test, info.seed);
        let (watchdog_stop, stopped) = labsim::channel::bounded::<()>(0);
        let watched = info.clone();
        let watchdog = labsim::thread::spawn("labtest-watchdog", move || {
            if let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(limit) {
                time_out(&watched, limit);
            }
        });
        Run {
            info,
            started: Instant::now(),
            watchdog_stop: Some(watchdog_stop),
            watchdog: Some(watchdog),
            recorded: false,
            limit,
            linearizability: None,
        }
    }

    /// The test's description.
    pub fn info(&self) -> &TestInfo {
        &self.info
    }

    /// Time since the banner.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Notes the linearizability checker's verdict in words (`CheckResult::describe`), for
    /// the results line; the last one noted counts.
    pub fn note_linearizability(&mut self, verdict: impl Into<String>) {
        self.linearizability = Some(verdict.into());
    }

    /// Fails the test if it has run longer than its limit ([`TEST_TIME_LIMIT`] by default).
    pub fn check_time_limit(&self) {
        if self.elapsed() > self.limit {
            panic!("{}", time_limit_message(self.limit));
        }
    }

    /// Checks the time limit, prints the result line and records a pass.
    pub fn pass(&mut self, counts: Counts) {
        self.check_time_limit();
        self.stop_watchdog();
        let seconds = self.elapsed().as_secs_f64();
        let last = counts.commits.or(counts.ops).unwrap_or(0);
        println!(
            "  ... Passed --  {:4.1}  {} {:5} {:6} {:4}",
            seconds, self.info.peers, counts.rpcs, counts.bytes, last
        );
        self.record(counts, true);
    }

    /// Records a failure (once; later calls and the drop do nothing more).
    pub fn fail(&mut self, counts: Counts) {
        self.stop_watchdog();
        self.record(counts, false);
    }

    fn record(&mut self, counts: Counts, passed: bool) {
        if self.recorded {
            return;
        }
        self.recorded = true;
        let mut line = result_line(&self.info, self.elapsed(), counts, passed);
        line.linearizability = self.linearizability.take();
        if let Err(error) = line.append() {
            eprintln!("labtest: cannot append to the results file: {error}");
        }
    }

    fn stop_watchdog(&mut self) {
        drop(self.watchdog_stop.take());
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.fail(Counts::default());
    }
}

fn result_line(info: &TestInfo, elapsed: Duration, counts: Counts, passed: bool) -> ResultLine {
    ResultLine {
        lab: info.lab.into(),
        part: info.part.into(),
        test: info.test.into(),
        title: info.title.clone(),
        seconds: (elapsed.as_secs_f64() * 10.0).round() / 10.0,
        peers: info.peers,
        rpcs: counts.rpcs,
        bytes: counts.bytes,
        commits: counts.commits,
        ops: counts.ops,
        linearizability: None,
        simulated: labsim::is_simulated(),
        seed: info.seed,
        passed,
    }
}

/// [`TIME_LIMIT_MESSAGE`], or the same words for another limit.
fn time_limit_message(limit: Duration) -> String {
    if limit == TEST_TIME_LIMIT {
        TIME_LIMIT_MESSAGE.to_string()
    } else {
        format!("test took longer than {} seconds", limit.as_secs_f64())
    }
}

/// The watchdog fired: record the failure and stop the test. In real mode that ends the
/// process, since the test's own thread may be stuck and nothing else would ever stop it;
/// in simulation a panic ends the simulation (every thread of it), and the report lists
/// where each thread waits and names the seed that replays it.
fn time_out(info: &TestInfo, limit: Duration) -> ! {
    let message = time_limit_message(limit);
    let line = result_line(info, limit, Counts::default(), false);
    let _ = line.append();
    if let Some(threads) = labsim::thread_report() {
        // No cycle closed (labsim reports those at once), so something waits for what never
        // comes: a lost wake-up, a channel nobody reads, a leader that cannot commit. Say
        // where every thread stands.
        let report = format!("{message}; where each thread stands:\n{threads}");
        eprintln!("{}: {report} (seed {})", info.test, info.seed);
        panic!("{report}");
    }
    // Exiting loses what libtest captured of the test's output, the panics of its threads
    // included, so say here, past the capture, what ended and which threads died of what.
    let report = format!(
        "{}: {message} (seed {})\n{}",
        info.test,
        info.seed,
        panic_summary(&labsim::thread::real_panics())
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), report.as_bytes());
    std::process::exit(101);
}

/// How many distinct panic messages [`panic_summary`] shows.
const PANICS_SHOWN: usize = 8;

/// The panics of real threads, (thread, message) oldest first, as lines for a report: one per
/// distinct message in order of first appearance, with the first thread and how many others
/// died of it (a handler stub panics in every call); empty when there is none.
fn panic_summary(panics: &[(String, String)]) -> String {
    if panics.is_empty() {
        return String::new();
    }
    let mut distinct: Vec<(&str, &str, usize)> = Vec::new();
    for (thread, message) in panics {
        match distinct.iter_mut().find(|(_, seen, _)| seen == message) {
            Some((_, _, count)) => *count += 1,
            None => distinct.push((thread, message, 1)),
        }
    }
    let mut lines = format!(
        "threads of this test process that panicked ({}), first panic first:\n",
        panics.len()
    );
    for (thread, message, count) in distinct.iter().take(PANICS_SHOWN) {
        let others = match count - 1 {
            0 => String::new(),
            1 => " (and 1 other thread)".to_string(),
            more => format!(" (and {more} other threads)"),
        };
        lines.push_str(&format!("  {thread}{others}: {message}\n"));
    }
    if distinct.len() > PANICS_SHOWN {
        lines.push_str(&format!(
            "  ... and {} other messages\n",
            distinct.len() - PANICS_SHOWN
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_summed_up_by_message() {
        assert_eq!(panic_summary(&[]), "");
        let panic = |thread: &str, message: &str| (thread.to_string(), message.to_string());
        let panics = [
            panic("handler-1", "not yet implemented: 4A: submit"),
            panic("raft-S0-ticker", "index out of bounds"),
            panic("handler-2", "not yet implemented: 4A: submit"),
            panic("handler-3", "not yet implemented: 4A: submit"),
        ];
        assert_eq!(
            panic_summary(&panics),
            "threads of this test process that panicked (4), first panic first:\n  \
             handler-1 (and 2 other threads): not yet implemented: 4A: submit\n  \
             raft-S0-ticker: index out of bounds\n"
        );
        let many: Vec<(String, String)> = (0..10)
            .map(|at| panic("t", &format!("message {at}")))
            .collect();
        assert!(panic_summary(&many).ends_with("  t: message 7\n  ... and 2 other messages\n"));
    }

    #[test]
    fn another_limit_is_named_in_its_message() {
        assert_eq!(time_limit_message(TEST_TIME_LIMIT), TIME_LIMIT_MESSAGE);
        assert_eq!(
            time_limit_message(Duration::from_secs(600)),
            "test took longer than 600 seconds"
        );
    }

    #[test]
    fn a_quick_run_passes_and_stops_its_watchdog() {
        // A scratch directory apart from other test processes': the process id names it
        // (clippy.toml forbids it as a seed, not as a name).
        #[allow(clippy::disallowed_methods)]
        let directory = std::env::temp_dir().join(format!("labtest-run-{}", std::process::id()));
        let path = directory.join("results.jsonl");
        std::env::set_var(crate::results::RESULTS_VAR, &path);
        let mut run = Run::begin(TestInfo {
            lab: "demo",
            part: "0A",
            test: "a_quick_run_0a",
            title: "a quick run".into(),
            peers: 1,
            seed: 7,
        });
        run.pass(Counts {
            rpcs: 1,
            bytes: 2,
            commits: Some(3),
            ops: None,
        });
        assert!(run.watchdog.is_none());
        drop(run);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().count(),
            1,
            "pass then drop writes one line: {text}"
        );
        assert!(text.contains("\"passed\":true"));
        std::fs::remove_dir_all(directory).unwrap();
    }
}
