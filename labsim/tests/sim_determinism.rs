//! Replay: one seed gives one schedule, event for event; different seeds explore different
//! interleavings.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use labsim::channel::{self, Select};
use labsim::rand::LabRng;
use labsim::sync::{Condvar, Mutex};
use labsim::time::Instant;
use labsim::{thread, Sim, SimStats};
use rand::Rng;

/// One event of the traced program: who did what, when (virtual time).
type Trace = Vec<String>;

/// A small system with every primitive: three workers take jobs from a shared queue under a
/// lock and condvar, sleep random virtual times, report over a channel, and a collector
/// selects between reports and a ticker. Every step is logged with the virtual time.
fn traced_program() -> Trace {
    let trace = Arc::new(Mutex::new(Trace::new()));
    let log = {
        let trace = Arc::clone(&trace);
        move |event: String| {
            let at = labsim::virtual_time().unwrap();
            trace.lock().push(format!("{at:?} {event}"));
        }
    };
    let jobs = Arc::new((Mutex::new((0..9).collect::<Vec<u32>>()), Condvar::new()));
    let (report_tx, report_rx) = channel::bounded::<(usize, u32)>(2);
    let (tick_tx, tick_rx) = channel::unbounded::<u32>();

    let mut handles = Vec::new();
    for worker in 0..3 {
        let (jobs, report_tx, log) = (Arc::clone(&jobs), report_tx.clone(), log.clone());
        handles.push(thread::spawn(format!("worker-{worker}"), move || {
            let mut rng = LabRng::new();
            loop {
                let job = {
                    let (queue, condvar) = &*jobs;
                    let mut queue = queue.lock();
                    match queue.pop() {
                        Some(job) => job,
                        None => {
                            condvar.notify_all();
                            return;
                        }
                    }
                };
                log(format!("worker-{worker} took job {job}"));
                thread::sleep(Duration::from_millis(rng.gen_range(1..20)));
                report_tx.send((worker, job)).unwrap();
            }
        }));
    }
    drop(report_tx);
    let ticker_log = log.clone();
    handles.push(thread::spawn("ticker", move || {
        for tick in 0..4 {
            thread::sleep(Duration::from_millis(7));
            ticker_log(format!("tick {tick}"));
            if tick_tx.send(tick).is_err() {
                return;
            }
        }
    }));
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut ticks_open = true;
    loop {
        let mut select = Select::new();
        let reports = select.recv(&report_rx);
        let ticks = ticks_open.then(|| select.recv(&tick_rx));
        let Ok(operation) = select.select_timeout(deadline - Instant::now()) else {
            break;
        };
        if operation.index() == reports {
            match operation.recv(&report_rx) {
                Ok((worker, job)) => log(format!("collector got job {job} from worker-{worker}")),
                Err(_) => break,
            }
        } else {
            assert_eq!(Some(operation.index()), ticks);
            match operation.recv(&tick_rx) {
                Ok(tick) => log(format!("collector got tick {tick}")),
                Err(_) => ticks_open = false,
            }
        }
    }
    for handle in handles {
        handle.join().unwrap();
    }
    let trace = trace.lock().clone();
    trace
}

fn run_traced(seed: u64) -> (Trace, SimStats) {
    Sim::new(seed).run_with_stats(traced_program).unwrap()
}

/// Do two runs with one seed produce the same trace and the same schedule fingerprint, and
/// does another seed produce a different one?
#[test]
fn same_seed_same_run_event_for_event() {
    let (first, first_stats) = run_traced(42);
    let (second, second_stats) = run_traced(42);
    assert!(first.len() > 20, "the program is nontrivial: {first:?}");
    assert_eq!(first, second);
    assert_eq!(first_stats, second_stats);
    assert!(first_stats.switches > 10, "{first_stats:?}");

    let (other, other_stats) = run_traced(43);
    assert_ne!(first_stats.schedule_hash, other_stats.schedule_hash);
    assert_ne!(first, other, "seeds 42 and 43 gave the same trace");
}

/// Two threads race to push to a shared Vec: do both orders appear across seeds, each
/// seed always giving the same one?
#[test]
fn racing_threads_take_both_orders_across_seeds() {
    let race = |seed| {
        Sim::new(seed)
            .run(|| {
                let shared = Arc::new(Mutex::new(Vec::new()));
                let handles: Vec<_> = ["a", "b"]
                    .into_iter()
                    .map(|name| {
                        let shared = Arc::clone(&shared);
                        thread::spawn(name, move || shared.lock().push(name))
                    })
                    .collect();
                handles.into_iter().for_each(|h| h.join().unwrap());
                let order = shared.lock().clone();
                order
            })
            .unwrap()
    };
    let orders: BTreeSet<Vec<&str>> = (0..20).map(race).collect();
    assert_eq!(orders.len(), 2, "orders seen: {orders:?}");
    for seed in 0..5 {
        assert_eq!(race(seed), race(seed));
    }
}

/// Is a `LabRng` created in a simulation a function of the seed?
#[test]
fn random_numbers_replay_with_the_seed() {
    let draw = |seed| {
        Sim::new(seed)
            .run(|| {
                let mut rng = LabRng::new();
                (0..4).map(|_| rng.gen::<u64>()).collect::<Vec<_>>()
            })
            .unwrap()
    };
    assert_eq!(draw(9), draw(9));
    assert_ne!(draw(9), draw(10));
    let (a, b) = Sim::new(11)
        .run(|| (labsim::rand::random::<u64>(), labsim::rand::random::<u64>()))
        .unwrap();
    assert_ne!(a, b, "successive generators differ");
}

/// Do simulations running at once on several OS threads stay independent (each equal to
/// itself run alone)?
#[test]
fn parallel_simulations_are_independent() {
    let alone: Vec<_> = (0..4).map(|seed| run_traced(seed).0).collect();
    let together: Vec<_> = (0..4)
        .map(|seed| std::thread::spawn(move || run_traced(seed).0))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .collect();
    assert_eq!(alone, together);
}

/// Does the traced program complete under many schedules (no lost wake-up, no spurious
/// deadlock), the collector getting every job exactly once, and do the schedules differ?
#[test]
fn many_schedules_complete() {
    let mut hashes = BTreeSet::new();
    for seed in 100..300 {
        let (trace, stats) = run_traced(seed);
        hashes.insert(stats.schedule_hash);
        let mut jobs: Vec<u32> = trace
            .iter()
            .filter_map(|event| event.split("collector got job ").nth(1))
            .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
            .collect();
        jobs.sort_unstable();
        assert_eq!(jobs, (0..9).collect::<Vec<_>>(), "seed {seed}: {trace:?}");
    }
    assert!(
        hashes.len() > 190,
        "only {} distinct schedules",
        hashes.len()
    );
}
