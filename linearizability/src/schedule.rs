//! Runs the partitions' searches on a few threads, in fair time slices.
//!
//! Every search is a resumable state machine, so a small pool of workers (one per core) can
//! take turns on all of them. The queue always hands out the search that has run least so
//! far (least-attained-service scheduling), for a slice as long as what it has already had:
//! every partition starts at once, cheap ones finish first whatever their order, and a hard
//! one gets ever longer slices, so switching costs stay small. The first Illegal stops
//! everyone, and the deadline and the step limit are checked every few hundred iterations.

use crate::check::{PartitionInfo, PartitionStatus};
use crate::model::Model;
use crate::search::{Progress, Search};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Search iterations between two looks at the clock and the stop flag: a few hundred
/// microseconds at most, which is what keeps a check within its timeout.
const ITERATIONS_PER_CHECK: usize = 256;
/// How long the calling thread works alone before starting helpers.
const SOLO_TIME: std::time::Duration = std::time::Duration::from_millis(1);
/// The shortest and the longest slice, in checks (of `ITERATIONS_PER_CHECK` iterations).
const MIN_CHECKS_PER_SLICE: usize = 2;
const MAX_CHECKS_PER_SLICE: usize = 256;

/// Why the workers were told to stop.
const RUNNING: u8 = 0;
const STOPPED_ILLEGAL: u8 = 1;
const STOPPED_TIMEOUT: u8 = 2;
const STOPPED_MEMORY: u8 = 3;
const STOPPED_STEPS: u8 = 4;

/// What bounds a run.
pub(crate) struct Limits {
    pub deadline: Option<Instant>,
    /// Search iterations all jobs together may run.
    pub steps: Option<u64>,
    pub memory_bytes: usize,
    pub threads: usize,
}

/// A partition's search and the original indices of its operations.
pub(crate) struct Job<'a, 'h, M: Model> {
    pub operations: Vec<usize>,
    pub search: Search<'a, 'h, M>,
}

/// A job in the queue, ordered by the service it has had (least first), then by slot.
struct Queued<'a, 'h, M: Model> {
    checks_done: usize,
    slot: usize,
    job: Job<'a, 'h, M>,
}

impl<M: Model> Queued<'_, '_, M> {
    fn priority(&self) -> Reverse<(usize, usize)> {
        Reverse((self.checks_done, self.slot))
    }
}

impl<M: Model> PartialEq for Queued<'_, '_, M> {
    fn eq(&self, other: &Self) -> bool {
        self.priority() == other.priority()
    }
}

impl<M: Model> Eq for Queued<'_, '_, M> {}

impl<M: Model> PartialOrd for Queued<'_, '_, M> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<M: Model> Ord for Queued<'_, '_, M> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.priority().cmp(&other.priority())
    }
}

/// State shared by the workers.
struct Shared<'a, 'h, M: Model> {
    queue: Mutex<BinaryHeap<Queued<'a, 'h, M>>>,
    results: Mutex<Vec<Option<PartitionInfo>>>,
    stop: AtomicU8,
    /// Search iterations run so far, in whole checks of `ITERATIONS_PER_CHECK`.
    steps_taken: AtomicU64,
    /// Bytes the searches hold now, and the most they held at once.
    memory_bytes: AtomicUsize,
    peak_memory_bytes: AtomicUsize,
    limits: Limits,
}

/// What a run found, beside each partition's result.
pub(crate) struct RunReport {
    pub partitions: Vec<PartitionInfo>,
    /// The most bytes the searches held at once.
    pub peak_memory_bytes: usize,
}

/// Runs every job to an outcome; results come back in the jobs' order.
pub(crate) fn run_jobs<M: Model>(jobs: Vec<Job<'_, '_, M>>, limits: Limits) -> RunReport {
    let count = jobs.len();
    let queue = jobs
        .into_iter()
        .enumerate()
        .map(|(slot, job)| Queued {
            checks_done: 0,
            slot,
            job,
        })
        .collect();
    let threads = limits.threads.clamp(1, count.max(1));
    let shared = Shared {
        queue: Mutex::new(queue),
        results: Mutex::new((0..count).map(|_| None).collect()),
        stop: AtomicU8::new(RUNNING),
        steps_taken: AtomicU64::new(0),
        memory_bytes: AtomicUsize::new(0),
        peak_memory_bytes: AtomicUsize::new(0),
        limits,
    };
    // Most histories take well under a millisecond: try alone first, and only then pay for
    // helper threads.
    work(&shared, Some(Instant::now() + SOLO_TIME));
    if threads > 1 && !lock(&shared.queue).is_empty() {
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(|| work(&shared, None));
            }
            work(&shared, None);
        });
    } else {
        work(&shared, None);
    }
    let peak_memory_bytes = shared.peak_memory_bytes.load(Ordering::Relaxed);
    let results = shared
        .results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    RunReport {
        partitions: results
            .into_iter()
            .map(|info| info.expect("every job leaves a result"))
            .collect(),
        peak_memory_bytes,
    }
}

/// One worker: take a job, run a slice, requeue or record it; stop when the queue is empty
/// (or, for the solo start, when `until` has passed).
fn work<M: Model>(shared: &Shared<'_, '_, M>, until: Option<Instant>) {
    loop {
        if until.is_some_and(|until| Instant::now() >= until) {
            return;
        }
        let Some(mut queued) = lock(&shared.queue).pop() else {
            return;
        };
        let checks = queued
            .checks_done
            .clamp(MIN_CHECKS_PER_SLICE, MAX_CHECKS_PER_SLICE);
        queued.checks_done += checks;
        let Queued { slot, job, .. } = &mut queued;
        let (slot, job) = (*slot, job);
        match run_slice(shared, job, checks) {
            None => lock(&shared.queue).push(queued),
            Some(status) => {
                shared
                    .memory_bytes
                    .fetch_sub(job.search.memory_bytes(), Ordering::Relaxed);
                lock(&shared.results)[slot] = Some(finish(queued.job, status));
            }
        }
    }
}

/// Runs one slice of a job; `Some(status)` once it has an outcome.
fn run_slice<M: Model>(
    shared: &Shared<'_, '_, M>,
    job: &mut Job<'_, '_, M>,
    checks: usize,
) -> Option<PartitionStatus> {
    for _ in 0..checks {
        if let Some(status) = stopped_status(shared) {
            return Some(status);
        }
        let before = job.search.memory_bytes();
        let progress = job.search.run(ITERATIONS_PER_CHECK);
        shared
            .steps_taken
            .fetch_add(ITERATIONS_PER_CHECK as u64, Ordering::Relaxed);
        let total = account(shared, before, job.search.memory_bytes());
        match progress {
            Progress::Linearizable => return Some(PartitionStatus::Linearizable),
            Progress::Illegal => {
                let _ = shared.stop.compare_exchange(
                    RUNNING,
                    STOPPED_ILLEGAL,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
                return Some(PartitionStatus::Illegal);
            }
            Progress::Running if total > shared.limits.memory_bytes => {
                let _ = shared.stop.compare_exchange(
                    RUNNING,
                    STOPPED_MEMORY,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
            }
            Progress::Running => {}
        }
    }
    None
}

/// Moves the shared memory count from a job's `before` bytes to its `after` bytes, and
/// returns the new total.
fn account<M: Model>(shared: &Shared<'_, '_, M>, before: usize, after: usize) -> usize {
    let total = if after >= before {
        let grown = after - before;
        shared.memory_bytes.fetch_add(grown, Ordering::Relaxed) + grown
    } else {
        let shrunk = before - after;
        shared.memory_bytes.fetch_sub(shrunk, Ordering::Relaxed) - shrunk
    };
    shared.peak_memory_bytes.fetch_max(total, Ordering::Relaxed);
    total
}

/// Whether this job must stop now, and with what status.
fn stopped_status<M: Model>(shared: &Shared<'_, '_, M>) -> Option<PartitionStatus> {
    if shared.stop.load(Ordering::Acquire) == RUNNING {
        let reason = limit_reached(shared)?;
        let _ = shared
            .stop
            .compare_exchange(RUNNING, reason, Ordering::AcqRel, Ordering::Acquire);
    }
    Some(match shared.stop.load(Ordering::Acquire) {
        STOPPED_ILLEGAL => PartitionStatus::Cancelled,
        STOPPED_MEMORY => PartitionStatus::MemoryLimit,
        STOPPED_STEPS => PartitionStatus::OutOfSteps,
        _ => PartitionStatus::TimedOut,
    })
}

/// The step limit or the deadline, if one of them is reached (the steps first: they are what
/// a deterministic check counts on).
fn limit_reached<M: Model>(shared: &Shared<'_, '_, M>) -> Option<u8> {
    let limits = &shared.limits;
    if limits
        .steps
        .is_some_and(|steps| shared.steps_taken.load(Ordering::Relaxed) >= steps)
    {
        Some(STOPPED_STEPS)
    } else if limits
        .deadline
        .is_some_and(|deadline| Instant::now() >= deadline)
    {
        Some(STOPPED_TIMEOUT)
    } else {
        None
    }
}

/// Memos holding more than this are freed on a background thread: freeing millions of states
/// can take seconds, which must not count against the timeout.
const BACKGROUND_FREE_BYTES: usize = 32 << 20;

/// Turns a finished job into its public summary, in original operation indices.
fn finish<M: Model>(mut job: Job<'_, '_, M>, status: PartitionStatus) -> PartitionInfo {
    if job.search.memory_bytes() > BACKGROUND_FREE_BYTES {
        let memos = job.search.take_memos();
        std::thread::spawn(move || drop(memos));
    }
    let (longest, blocked) = job.search.longest_prefix();
    let original = |local: &u32| job.operations[*local as usize];
    PartitionInfo {
        status,
        linearization: longest.iter().map(original).collect(),
        blocked: blocked.as_ref().map(original),
        operations: job.operations.clone(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
