//! The entry points: check a history, get a verdict and what the picture needs.

use crate::error::Result;
use crate::history::{Event, Operation};
use crate::model::Model;
use crate::schedule::{run_jobs, Job, Limits, RunReport};
use crate::search::Search;
use crate::view::{view_events, view_operations, HistoryView};
use std::time::{Duration, Instant};

/// The answer to "is this history linearizable?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Every partition has a linearization.
    Linearizable,
    /// Some partition has none: the history is not linearizable.
    Illegal,
    /// The search hit the timeout or the memory bound first. Testers usually read this as
    /// "assume it is fine", as the MIT kvraft tester does.
    Unknown,
}

/// How one partition's search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartitionStatus {
    /// A full linearization was found.
    Linearizable,
    /// The search was exhausted without one.
    Illegal,
    /// Stopped because another partition was Illegal.
    Cancelled,
    /// Stopped by the timeout.
    TimedOut,
    /// Stopped because the check used up its step limit ([`Checker::step_limit`]).
    OutOfSteps,
    /// Stopped because the memo outgrew the memory bound.
    MemoryLimit,
}

/// What the search learned about one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionInfo {
    /// Indices of the partition's operations in the history (for an event history, the
    /// `i`-th call event is operation `i`).
    pub operations: Vec<usize>,
    /// How its search ended.
    pub status: PartitionStatus,
    /// A full linearization if `Linearizable`, otherwise the longest linearizable prefix
    /// found, as operation indices in linearization order.
    pub linearization: Vec<usize>,
    /// For an Illegal partition, the operation whose return stopped the longest prefix:
    /// no remaining operation could be linearized before it returned.
    pub blocked: Option<usize>,
}

/// Why a check gave up with [`Verdict::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inconclusive {
    /// The timeout passed first.
    TimedOut {
        /// The timeout the check had.
        timeout: Duration,
    },
    /// The step limit was used up first ([`Checker::step_limit`]).
    OutOfSteps {
        /// The limit the check had, in search steps.
        steps: u64,
    },
    /// The search's memory grew past the bound.
    MemoryLimit {
        /// The bound the check had, in bytes.
        limit_bytes: usize,
        /// What the search held when it stopped, in bytes.
        reached_bytes: usize,
    },
}

impl std::fmt::Display for Inconclusive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Inconclusive::TimedOut { timeout } => write!(
                f,
                "the check timed out after {:.1} s; a longer timeout may decide it",
                timeout.as_secs_f64()
            ),
            Inconclusive::OutOfSteps { steps } => write!(
                f,
                "the check gave up after {steps} search steps; a larger step limit may decide it"
            ),
            Inconclusive::MemoryLimit {
                limit_bytes,
                reached_bytes,
            } => write!(
                f,
                "the search reached {} MiB of memory, past its bound of {} MiB; \
                 a larger bound or a shorter history may decide it",
                reached_bytes >> 20,
                limit_bytes >> 20
            ),
        }
    }
}

/// The result of a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is Unknown; `None` for the other verdicts.
    pub inconclusive: Option<Inconclusive>,
    /// One entry per partition, in the model's partition order.
    pub partitions: Vec<PartitionInfo>,
    /// How long the check took.
    pub elapsed: Duration,
    /// The most memory the search held at once, in bytes (an estimate that counts what the
    /// memory bound counts: memo entries, states and boundary trails).
    pub peak_memory_bytes: usize,
}

impl CheckResult {
    /// Whether the verdict is Linearizable.
    pub fn is_linearizable(&self) -> bool {
        self.verdict == Verdict::Linearizable
    }

    /// The verdict in words, with the reason when it is Unknown: `linearizable`,
    /// `not linearizable`, or `unknown: the check timed out after 1.0 s; ...`.
    pub fn describe(&self) -> String {
        match (self.verdict, self.inconclusive) {
            (Verdict::Linearizable, _) => "linearizable".to_string(),
            (Verdict::Illegal, _) => "not linearizable".to_string(),
            (Verdict::Unknown, Some(reason)) => format!("unknown: {reason}"),
            (Verdict::Unknown, None) => "unknown".to_string(),
        }
    }
}

/// Memo bytes a check may hold before giving up with Unknown, unless told otherwise. The
/// estimate leaves room for vector growth, so the process stays under about 1 GiB.
pub const DEFAULT_MEMORY_LIMIT: usize = 512 << 20;

/// A configured checker: timeout, step limit, memory bound, threads.
#[derive(Clone, Debug)]
pub struct Checker {
    timeout: Option<Duration>,
    step_limit: Option<u64>,
    memory_limit: usize,
    threads: usize,
}

impl Default for Checker {
    fn default() -> Self {
        Checker {
            timeout: None,
            step_limit: None,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl Checker {
    /// No timeout, [`DEFAULT_MEMORY_LIMIT`], one thread per core.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives up with Unknown after `timeout` (None: never).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Gives up with Unknown after `steps` iterations of the search loop over all partitions
    /// (None: never), counted in rounds of a few hundred, so the check stops within a round
    /// of the limit.
    ///
    /// A limit in steps instead of seconds makes the check a function of the history alone:
    /// a check with a step limit runs on one thread, whatever [`threads`](Checker::threads)
    /// says, so its verdict, its prefixes and its picture are the same on a loaded machine
    /// as on an idle one. A simulated tester needs that to replay a run from its seed. A
    /// timeout, if also set, still applies; leave it unset to keep the check deterministic.
    pub fn step_limit(mut self, steps: Option<u64>) -> Self {
        self.step_limit = steps;
        self
    }

    /// Gives up with Unknown once the memo holds about this many bytes.
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// How many threads share the partitions (at least one).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Checks an operation history.
    pub fn check_operations<M: Model>(
        &self,
        model: &M,
        history: &[Operation<M::Input, M::Output>],
    ) -> CheckResult {
        let started = Instant::now();
        self.check_view(model, view_operations(model, history), started)
    }

    /// Checks an event history. Fails only if the events do not pair up.
    pub fn check_events<M: Model>(
        &self,
        model: &M,
        history: &[Event<M::Input, M::Output>],
    ) -> Result<CheckResult> {
        let started = Instant::now();
        Ok(self.check_view(model, view_events(model, history)?, started))
    }

    fn check_view<M: Model>(
        &self,
        model: &M,
        view: HistoryView<'_, M>,
        started: Instant,
    ) -> CheckResult {
        let limits = Limits {
            deadline: self.timeout.map(|timeout| started + timeout),
            steps: self.step_limit,
            memory_bytes: self.memory_limit,
            threads: match self.step_limit {
                Some(_) => 1,
                None => self.threads,
            },
        };
        let jobs = view
            .partitions
            .into_iter()
            .map(|operations| {
                let views = operations
                    .iter()
                    .map(|&index| view.operations[index])
                    .collect();
                Job {
                    search: Search::new(model, views),
                    operations,
                }
            })
            .collect();
        let report = run_jobs(jobs, limits);
        let verdict = verdict_of(&report.partitions);
        let inconclusive = match verdict {
            Verdict::Unknown => Some(self.reason_for_unknown(&report)),
            _ => None,
        };
        CheckResult {
            verdict,
            inconclusive,
            partitions: report.partitions,
            elapsed: started.elapsed(),
            peak_memory_bytes: report.peak_memory_bytes,
        }
    }

    /// Why an Unknown run stopped: the memory bound if any partition says so, else the step
    /// limit if any says so, else the time.
    fn reason_for_unknown(&self, report: &RunReport) -> Inconclusive {
        let stopped_by = |status| {
            report
                .partitions
                .iter()
                .any(|partition| partition.status == status)
        };
        let memory = Inconclusive::MemoryLimit {
            limit_bytes: self.memory_limit,
            reached_bytes: report.peak_memory_bytes,
        };
        if stopped_by(PartitionStatus::MemoryLimit) {
            return memory;
        }
        match (self.step_limit, self.timeout) {
            (Some(steps), _) if stopped_by(PartitionStatus::OutOfSteps) => {
                Inconclusive::OutOfSteps { steps }
            }
            (_, Some(timeout)) => Inconclusive::TimedOut { timeout },
            _ => memory,
        }
    }
}

/// Illegal if any partition is; otherwise Unknown if any is unfinished; else Linearizable.
fn verdict_of(partitions: &[PartitionInfo]) -> Verdict {
    let statuses = || partitions.iter().map(|partition| partition.status);
    if statuses().any(|status| status == PartitionStatus::Illegal) {
        Verdict::Illegal
    } else if statuses().all(|status| status == PartitionStatus::Linearizable) {
        Verdict::Linearizable
    } else {
        Verdict::Unknown
    }
}

/// Checks an operation history with the default [`Checker`] and an optional timeout.
pub fn check_operations<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    timeout: Option<Duration>,
) -> CheckResult {
    Checker::new()
        .timeout(timeout)
        .check_operations(model, history)
}

/// Checks an event history with the default [`Checker`] and an optional timeout.
pub fn check_events<M: Model>(
    model: &M,
    history: &[Event<M::Input, M::Output>],
    timeout: Option<Duration>,
) -> Result<CheckResult> {
    Checker::new().timeout(timeout).check_events(model, history)
}
