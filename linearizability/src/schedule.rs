//! Runs the partitions' searches on a few threads, in fair time slices.
//!
//! Every search is a resumable state machine, so a small pool of workers (one per core) can
//! take turns on all of them: each worker pops a search, runs one slice, and requeues it if
//! unfinished. No partition waits for a slow one to finish before it starts, the first
//! Illegal stops everyone, and the deadline is checked every few hundred iterations.

use crate::check::{PartitionInfo, PartitionStatus};
use crate::model::Model;
use crate::search::{Progress, Search};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Search iterations between two looks at the clock and the stop flag: a few hundred
/// microseconds at most, which is what keeps a check within its timeout.
const ITERATIONS_PER_CHECK: usize = 256;
/// Checks per slice before a worker lets another partition run.
const CHECKS_PER_SLICE: usize = 32;

/// Why the workers were told to stop.
const RUNNING: u8 = 0;
const STOPPED_ILLEGAL: u8 = 1;
const STOPPED_TIMEOUT: u8 = 2;
const STOPPED_MEMORY: u8 = 3;

/// What bounds a run.
pub(crate) struct Limits {
    pub deadline: Option<Instant>,
    pub memory_bytes: usize,
    pub threads: usize,
}

/// A partition's search and the original indices of its operations.
pub(crate) struct Job<'a, 'h, M: Model> {
    pub operations: Vec<usize>,
    pub search: Search<'a, 'h, M>,
}

/// State shared by the workers.
struct Shared<'a, 'h, M: Model> {
    queue: Mutex<VecDeque<(usize, Job<'a, 'h, M>)>>,
    results: Mutex<Vec<Option<PartitionInfo>>>,
    stop: AtomicU8,
    memo_bytes: AtomicUsize,
    limits: Limits,
}

/// Runs every job to an outcome; results come back in the jobs' order.
pub(crate) fn run_jobs<M: Model>(jobs: Vec<Job<'_, '_, M>>, limits: Limits) -> Vec<PartitionInfo> {
    let count = jobs.len();
    let mut order: Vec<_> = jobs.into_iter().enumerate().collect();
    // Largest first, so the likely slowest partitions start at once.
    order.sort_by_key(|(_, job)| std::cmp::Reverse(job.search.len()));
    let threads = limits.threads.clamp(1, count.max(1));
    let shared = Shared {
        queue: Mutex::new(order.into()),
        results: Mutex::new((0..count).map(|_| None).collect()),
        stop: AtomicU8::new(RUNNING),
        memo_bytes: AtomicUsize::new(0),
        limits,
    };
    if threads == 1 {
        work(&shared);
    } else {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| work(&shared));
            }
        });
    }
    let results = shared
        .results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    results
        .into_iter()
        .map(|info| info.expect("every job leaves a result"))
        .collect()
}

/// One worker: take a job, run a slice, requeue or record it; stop when the queue is empty.
fn work<M: Model>(shared: &Shared<'_, '_, M>) {
    loop {
        let Some((slot, mut job)) = lock(&shared.queue).pop_front() else {
            return;
        };
        match run_slice(shared, &mut job) {
            None => lock(&shared.queue).push_back((slot, job)),
            Some(status) => {
                shared
                    .memo_bytes
                    .fetch_sub(job.search.memo_bytes(), Ordering::Relaxed);
                lock(&shared.results)[slot] = Some(finish(job, status));
            }
        }
    }
}

/// Runs one slice of a job; `Some(status)` once it has an outcome.
fn run_slice<M: Model>(
    shared: &Shared<'_, '_, M>,
    job: &mut Job<'_, '_, M>,
) -> Option<PartitionStatus> {
    for _ in 0..CHECKS_PER_SLICE {
        if let Some(status) = stopped_status(shared) {
            return Some(status);
        }
        let memo_before = job.search.memo_bytes();
        let progress = job.search.run(ITERATIONS_PER_CHECK);
        let grown = job.search.memo_bytes() - memo_before;
        let total = shared.memo_bytes.fetch_add(grown, Ordering::Relaxed) + grown;
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

/// Whether this job must stop now, and with what status.
fn stopped_status<M: Model>(shared: &Shared<'_, '_, M>) -> Option<PartitionStatus> {
    if shared.stop.load(Ordering::Acquire) == RUNNING {
        if !shared
            .limits
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return None;
        }
        let _ = shared.stop.compare_exchange(
            RUNNING,
            STOPPED_TIMEOUT,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }
    Some(match shared.stop.load(Ordering::Acquire) {
        STOPPED_ILLEGAL => PartitionStatus::Cancelled,
        STOPPED_MEMORY => PartitionStatus::MemoryLimit,
        _ => PartitionStatus::TimedOut,
    })
}

/// Turns a finished job into its public summary, in original operation indices.
fn finish<M: Model>(job: Job<'_, '_, M>, status: PartitionStatus) -> PartitionInfo {
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
