//! What changes when simulated threads are coroutines on one OS thread, and what must not:
//! names, unwinding order, scoped borrows, locks held by suspended threads, real blocking
//! calls, and many simulations at once.

use std::sync::Arc;
use std::time::Duration;

use labsim::channel;
use labsim::sync::Mutex;
use labsim::{thread, Sim, SimError};

/// Does a simulated thread see its own name (not the OS thread's, which runs them all)?
#[test]
fn a_simulated_thread_knows_its_name() {
    let names = Sim::new(1)
        .run(|| {
            let worker = thread::spawn("raft-S1-ticker", thread::current_name);
            (thread::current_name(), worker.join().unwrap())
        })
        .unwrap();
    assert_eq!(
        names,
        (Some("main".to_string()), Some("raft-S1-ticker".to_string()))
    );
}

/// A value whose `Drop` records which thread dropped it, to see that unwinding ran, and ran
/// as that simulated thread.
struct Counted(Arc<std::sync::Mutex<Vec<String>>>);

impl Drop for Counted {
    fn drop(&mut self) {
        let name = thread::current_name().unwrap_or_else(|| "(no name)".into());
        self.0.lock().unwrap().push(name);
    }
}

/// When the simulation fails, do the threads still alive unwind (their destructors run, as a
/// test's result line needs), each one to its end, as itself (a destructor sees its own
/// thread's name, and labsim's primitives still work there)?
#[test]
fn threads_left_when_a_simulation_fails_are_unwound() {
    let dropped = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&dropped);
    let error = Sim::new(2)
        .run(move || {
            let _main_value = Counted(Arc::clone(&seen));
            let (_tx, rx) = channel::unbounded::<()>();
            for i in 0..5 {
                let counted = Counted(Arc::clone(&seen));
                let rx = rx.clone();
                thread::spawn(format!("waiter-{i}"), move || {
                    let _counted = counted;
                    let _ = rx.recv();
                });
            }
            thread::sleep(Duration::from_millis(1));
            panic!("main gives up");
        })
        .unwrap_err();
    assert!(matches!(error, SimError::Panicked { .. }), "{error}");
    let mut names = dropped.lock().unwrap().clone();
    names.sort();
    assert_eq!(
        names,
        ["main", "waiter-0", "waiter-1", "waiter-2", "waiter-3", "waiter-4"]
    );
}

/// Threads of a scope borrow from their owner's stack. When the simulation fails while they
/// are suspended, are they unwound before the owner unwinds past what they borrow (their
/// destructors still see the borrowed value)?
#[test]
fn scoped_threads_finish_before_their_owner_unwinds() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let outside = Arc::clone(&seen);
    let error = Sim::new(3)
        .run(move || {
            let borrowed = String::from("still here");
            thread::scope(|scope| {
                for i in 0..3 {
                    let (borrowed, seen) = (&borrowed, &outside);
                    scope.spawn(format!("scoped-{i}"), move || {
                        struct Report<'a>(&'a str, &'a Mutex<Vec<String>>);
                        impl Drop for Report<'_> {
                            fn drop(&mut self) {
                                self.1.lock().push(self.0.to_string());
                            }
                        }
                        let _report = Report(borrowed, seen);
                        let (_keep, never) = channel::unbounded::<()>();
                        let _ = never.recv();
                    });
                }
                thread::sleep(Duration::from_millis(1));
                panic!("the owner fails");
            });
        })
        .unwrap_err();
    assert!(matches!(error, SimError::Panicked { .. }), "{error}");
    assert_eq!(*seen.lock(), vec!["still here".to_string(); 3]);
}

/// A thread holds a lock and is suspended when the simulation ends; another, unwinding, must
/// take that lock in a destructor. Does it get it (the holder is unwound first) instead of
/// waiting forever on the one OS thread?
#[test]
fn an_unwinding_thread_gets_a_lock_a_suspended_thread_holds() {
    let started = std::time::Instant::now();
    let error = Sim::new(4)
        .run(|| {
            let shared = Arc::new(Mutex::new(0u32));
            struct TakesLock(Arc<Mutex<u32>>);
            impl Drop for TakesLock {
                fn drop(&mut self) {
                    *self.0.lock() += 1;
                }
            }
            let _takes = TakesLock(Arc::clone(&shared));
            let holder_lock = Arc::clone(&shared);
            thread::spawn("holder", move || {
                let _held = holder_lock.lock();
                let (_keep, never) = channel::unbounded::<()>();
                let _ = never.recv();
            });
            thread::sleep(Duration::from_millis(1));
            let (_keep, never) = channel::unbounded::<()>();
            let _ = never.recv(); // a deadlock: both wait forever
        })
        .unwrap_err();
    assert!(matches!(error, SimError::Deadlock { .. }), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// A real blocking call inside a simulation stops every simulated thread (they share one OS
/// thread). Is it reported by name, as a stall, within about the stall limit?
#[test]
fn a_real_blocking_call_is_reported_by_name() {
    let started = std::time::Instant::now();
    let error = Sim::new(5)
        .stall_limit(Duration::from_millis(300))
        .run(|| {
            let sleeper = thread::spawn("real-sleeper", || {
                #[allow(clippy::disallowed_methods)] // the mistake under test
                std::thread::sleep(Duration::from_secs(2));
            });
            sleeper.join().unwrap();
        })
        .unwrap_err();
    match error {
        SimError::Stalled { thread, .. } => assert_eq!(thread, "real-sleeper"),
        other => panic!("expected a stall, got {other}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Many simulations at once on many OS threads (as libtest runs tests): does each keep its
/// own schedule, the same as when it runs alone?
#[test]
fn simulations_side_by_side_keep_their_own_schedules() {
    fn workload(seed: u64) -> u64 {
        let (_, stats) = Sim::new(seed)
            .run_with_stats(|| {
                let counter = Arc::new(Mutex::new(0u64));
                let workers: Vec<_> = (0..4)
                    .map(|i| {
                        let counter = Arc::clone(&counter);
                        thread::spawn(format!("w{i}"), move || {
                            for round in 0..200u64 {
                                *counter.lock() += round;
                                if round % 16 == 0 {
                                    thread::sleep(Duration::from_micros(round));
                                }
                            }
                        })
                    })
                    .collect();
                workers.into_iter().for_each(|w| w.join().unwrap());
            })
            .unwrap();
        stats.schedule_hash
    }
    let alone: Vec<u64> = (0..8).map(workload).collect();
    let together: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|seed| scope.spawn(move || workload(seed)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(alone, together);
}
