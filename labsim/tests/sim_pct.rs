//! The PCT scheduler against the random one, on two bugs in the style of the PCT paper
//! (Burckhardt et al., ASPLOS 2010): one of depth 1 (a thread must be starved through a long
//! stretch) and one of depth 2 (an atomicity violation whose window is a long stretch). The
//! random scheduler switches threads every 8 scheduling points on average, so it practically
//! never keeps a runnable thread waiting through hundreds of them; PCT does so whenever the
//! priorities fall that way.
//!
//! Each test prints how many of its seeds found the bug under each scheduler; run with
//! `--nocapture` to see them.

use std::panic;
use std::sync::{Arc, Once};

use labsim::sync::{Condvar, Mutex};
use labsim::{thread, Policy, Sim, SimError};

/// Seeds tried per scheduler.
const SEEDS: u64 = 1000;

/// A gate that lets every worker start at once, after all have been spawned (so that the
/// order of spawning decides nothing).
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock();
        while !*open {
            self.opened.wait(&mut open);
        }
    }

    fn open(&self) {
        *self.open.lock() = true;
        self.opened.notify_all();
    }
}

/// One step of work: a scheduling point (a lock taken and let go).
fn step(work: &Mutex<u64>) {
    *work.lock() += 1;
}

/// A worker thread: its name and its body.
type Worker = (&'static str, Box<dyn FnOnce() + Send>);

/// Runs `workers` behind a gate; main joins them.
fn run_workers(workers: Vec<Worker>) {
    let gate = Arc::new(Gate::default());
    let handles: Vec<_> = workers
        .into_iter()
        .map(|(name, body)| {
            let gate = Arc::clone(&gate);
            thread::spawn(name, move || {
                gate.wait();
                body();
            })
        })
        .collect();
    gate.open();
    for handle in handles {
        handle.join().unwrap();
    }
}

/// How many steps the watcher takes while it expects the worker to make progress.
const WATCH_STEPS: u64 = 100;

/// Depth 1: `watcher` assumes that `worker` makes progress within its own 100 steps (a
/// timeout counted in steps). It fails only when the worker is starved through the whole
/// stretch.
fn starvation_bug() {
    let progress = Arc::new(Mutex::new(0u64));
    let work = Arc::new(Mutex::new(0u64));
    let (progress2, work2) = (Arc::clone(&progress), Arc::clone(&work));
    run_workers(vec![
        (
            "worker",
            Box::new(move || {
                for _ in 0..WATCH_STEPS {
                    step(&progress2);
                }
            }),
        ),
        (
            "watcher",
            Box::new(move || {
                for _ in 0..WATCH_STEPS {
                    step(&work2);
                }
                assert!(*progress.lock() > 0, "the worker never ran: starved");
            }),
        ),
    ]);
}

/// The reader's stretch between its read and its write.
const READER_STRETCH: u64 = 1000;
/// The writer's stretch before its one write: longer than the reader's, so that its write
/// lands inside the reader's window only if the reader is kept waiting.
const WRITER_STRETCH: u64 = 1500;

/// Depth 2: `reader` reads a counter, works through a long stretch, and writes back what it
/// read plus one; `writer` works through a longer stretch and then adds one. The update is
/// lost when the writer's write falls between the reader's read and write (two ordering
/// constraints).
fn lost_update_bug() {
    let counter = Arc::new(Mutex::new(0u64));
    let (counter2, counter3) = (Arc::clone(&counter), Arc::clone(&counter));
    let (work, work2) = (Arc::new(Mutex::new(0u64)), Arc::new(Mutex::new(0u64)));
    run_workers(vec![
        (
            "reader",
            Box::new(move || {
                let seen = *counter2.lock();
                for _ in 0..READER_STRETCH {
                    step(&work);
                }
                *counter2.lock() = seen + 1;
            }),
        ),
        (
            "writer",
            Box::new(move || {
                for _ in 0..WRITER_STRETCH {
                    step(&work2);
                }
                *counter3.lock() += 1;
            }),
        ),
    ]);
    assert_eq!(*counter.lock(), 2, "an update was lost");
}

/// Keeps the panics of the bugs' threads off the output (hundreds of them are expected); any
/// other panic prints as usual.
fn quiet_bug_panics() {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let name = thread::current_name();
            if !matches!(name.as_deref(), Some("watcher" | "reader" | "writer")) {
                default(info);
            }
        }));
    });
}

/// How many of `SEEDS` seeds fail `program` under `policy`; panics on a failure that is not
/// the bug's panic.
fn failures(program: fn(), policy: Policy, bug: &str) -> u64 {
    quiet_bug_panics();
    (0..SEEDS)
        .filter(|seed| match Sim::new(*seed).policy(policy).run(program) {
            Ok(()) => false,
            Err(SimError::Panicked { message, .. }) if message.contains(bug) => true,
            Err(error) => panic!("unexpected failure: {error}"),
        })
        .count() as u64
}

/// The scheduling points one run of `program` takes (PCT spreads its change points over them).
fn steps_of(program: fn()) -> u64 {
    let (_, stats) = Sim::new(0).run_with_stats(program).unwrap();
    stats.scheduling_points
}

#[test]
fn pct_finds_a_starved_thread_that_random_misses() {
    let random = failures(starvation_bug, Policy::Random, "starved");
    let pct = Policy::Pct {
        depth: 1,
        steps: steps_of(starvation_bug),
    };
    let found = failures(starvation_bug, pct, "starved");
    println!("depth 1: random found it in {random} of {SEEDS} seeds, {pct} in {found}");
    assert_eq!(random, 0, "random found the starvation in {random} seeds");
    assert!(found >= SEEDS / 3, "{pct} found it in only {found} seeds");
}

#[test]
fn pct_finds_a_lost_update_that_random_misses() {
    let random = failures(lost_update_bug, Policy::Random, "an update was lost");
    let pct = Policy::Pct {
        depth: 2,
        steps: steps_of(lost_update_bug),
    };
    let found = failures(lost_update_bug, pct, "an update was lost");
    println!("depth 2: random found it in {random} of {SEEDS} seeds, {pct} in {found}");
    assert_eq!(random, 0, "random found the lost update in {random} seeds");
    // The bound from the paper for 3 threads and k steps is 1/(3k); the stretch makes the
    // window a large share of the run, so the share found is far above it.
    assert!(found >= SEEDS / 10, "{pct} found it in only {found} seeds");
}

/// Does a seed replay exactly under PCT, and do two seeds give two schedules?
#[test]
fn pct_replays_exactly() {
    let fingerprint = |seed| {
        let (_, stats) = Sim::new(seed)
            .policy(Policy::pct(3))
            .run_with_stats(|| {
                let _ = panic::catch_unwind(lost_update_bug);
            })
            .unwrap();
        stats.schedule_hash
    };
    assert_eq!(fingerprint(11), fingerprint(11));
    assert_ne!(fingerprint(11), fingerprint(12));
}
