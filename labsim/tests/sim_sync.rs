//! Locks and condvars in simulation.

use std::sync::Arc;
use std::time::Duration;

use labsim::sync::{Condvar, Mutex, MutexGuard};
use labsim::{thread, Sim, SimError};

/// Does `MutexGuard::unlocked` let another thread take the lock meanwhile, and give it back?
#[test]
fn unlocked_releases_and_retakes() {
    for seed in 0..6 {
        Sim::new(seed)
            .run(|| {
                let shared = Arc::new(Mutex::new(Vec::new()));
                let mut guard = shared.lock();
                guard.push("before");
                let other = {
                    let shared = Arc::clone(&shared);
                    thread::spawn("other", move || shared.lock().push("other"))
                };
                MutexGuard::unlocked(&mut guard, || other.join().unwrap());
                guard.push("after");
                assert_eq!(*guard, ["before", "other", "after"]);
                assert!(shared.try_lock().is_none(), "still held by this guard");
            })
            .unwrap();
    }
}

/// Does `notify_one` wake exactly one of several waiters, and `notify_all` the rest?
#[test]
fn notify_one_wakes_one() {
    Sim::new(3)
        .run(|| {
            let state = Arc::new((Mutex::new(0u32), Condvar::new()));
            let waiters: Vec<_> = (0..3)
                .map(|i| {
                    let state = Arc::clone(&state);
                    thread::spawn(format!("waiter-{i}"), move || {
                        let (lock, condvar) = &*state;
                        let mut woken = lock.lock();
                        condvar.wait(&mut woken);
                        *woken += 1;
                    })
                })
                .collect();
            thread::sleep(Duration::from_millis(1)); // every waiter is waiting by now
            let (lock, condvar) = &*state;
            assert!(condvar.notify_one());
            thread::sleep(Duration::from_millis(1));
            assert_eq!(*lock.lock(), 1);
            assert_eq!(condvar.notify_all(), 2);
            waiters.into_iter().for_each(|w| w.join().unwrap());
            assert_eq!(*lock.lock(), 3);
            assert!(!condvar.notify_one(), "nobody is left waiting");
        })
        .unwrap();
}

/// Does `wait_while` return once the predicate turns false?
#[test]
fn wait_while_rechecks() {
    Sim::new(4)
        .run(|| {
            let state = Arc::new((Mutex::new(0u32), Condvar::new()));
            let producer = {
                let state = Arc::clone(&state);
                thread::spawn("producer", move || {
                    for _ in 0..5 {
                        thread::sleep(Duration::from_millis(3));
                        *state.0.lock() += 1;
                        state.1.notify_all();
                    }
                })
            };
            let mut count = state.0.lock();
            state.1.wait_while(&mut count, |count| *count < 5);
            assert_eq!(*count, 5);
            drop(count);
            producer.join().unwrap();
        })
        .unwrap();
}

/// Does a panic inside a scope end the simulation (its threads could never be joined
/// otherwise) rather than hang?
#[test]
fn panic_inside_a_scope_ends_the_simulation() {
    let error = Sim::new(5)
        .run(|| {
            let (_tx, rx) = labsim::channel::unbounded::<()>();
            thread::scope(|scope| {
                scope.spawn("stuck", || rx.recv());
                panic!("the scope body failed");
            });
        })
        .unwrap_err();
    match error {
        SimError::Panicked {
            thread, message, ..
        } => {
            assert_eq!(
                (thread.as_str(), message.as_str()),
                ("main", "the scope body failed")
            );
        }
        other => panic!("expected a panic, got {other}"),
    }
}

/// Can a thread join a handle that another thread spawned (as a thread pool's shutdown
/// joins threads its workers started)? The joiner blocks, not the spawner: the spawner keeps
/// running meanwhile.
#[test]
fn a_handle_is_joined_by_whoever_holds_it() {
    for seed in 0..20 {
        Sim::new(seed)
            .run(|| {
                let (handles, handed) = labsim::channel::unbounded();
                let spawner = thread::spawn("spawner", move || {
                    let worker = thread::spawn("worker", || {
                        thread::sleep(Duration::from_millis(5));
                        7
                    });
                    handles.send(worker).unwrap();
                    thread::sleep(Duration::from_millis(10));
                    "spawner done"
                });
                let worker = handed.recv().unwrap();
                assert_eq!(worker.join().unwrap(), 7);
                assert_eq!(spawner.join().unwrap(), "spawner done");
            })
            .unwrap();
    }
}
