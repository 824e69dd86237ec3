//! How a simulation fails: deadlock reports, panics, stalls, leftover threads.

use std::sync::Arc;
use std::time::Duration;

use labsim::channel;
use labsim::sync::{Condvar, Mutex};
use labsim::{thread, Sim, SimError};

/// Two threads take two locks in opposite orders: does the report name both threads, where
/// each waits, and which lock each waits for and who holds it? Does a replay report the
/// same, byte for byte?
#[test]
fn lock_order_deadlock_is_reported() {
    let error = Sim::new(1).run(lock_order_mistake).unwrap_err();
    let report = error.to_string();
    let here = "labsim/tests/sim_failures.rs:";
    assert!(
        matches!(error, SimError::Deadlock { seed: 1, .. }),
        "{report}"
    );
    assert!(
        report.contains(&format!("thread 'main' (#0) at {here}")),
        "{report}"
    );
    assert!(report.contains("joins thread 'first'"), "{report}");
    assert!(
        report.contains(&format!("thread 'first' (#1) at {here}")),
        "{report}"
    );
    assert!(report.contains(&format!("held by 'second' (#2, locked at {here}")));
    assert!(report.contains(&format!("held by 'first' (#1, locked at {here}")));
    assert!(report.contains("locks mutex#1 held") && report.contains("locks mutex#2 held"));
    let replayed = Sim::new(1).run(lock_order_mistake).unwrap_err();
    assert_eq!(replayed.to_string(), report);
}

/// The same mistake while a watchdog's deadline is pending, as a graded test always has one:
/// is the cycle reported at once (virtual milliseconds, not at the watchdog's 120 s), its two
/// threads first and the watchdog apart?
#[test]
fn lock_order_cycle_is_reported_before_pending_timers() {
    let error = Sim::new(3)
        .run(|| {
            let (_stop, stopped) = channel::bounded::<()>(0);
            thread::spawn("watchdog", move || {
                let _ = stopped.recv_timeout(Duration::from_secs(120));
            });
            lock_order_mistake();
        })
        .unwrap_err();
    let SimError::Deadlock { at, ref report, .. } = error else {
        panic!("expected a deadlock: {error}");
    };
    assert!(
        at < Duration::from_millis(10),
        "reported at {at:?}: {report}"
    );
    let (cycle, others) = report.split_once(" other threads:").expect(report);
    assert!(
        cycle.starts_with("a cycle of waits: 2 thread(s)"),
        "{report}"
    );
    let here = "labsim/tests/sim_failures.rs:";
    for thread in ["'first' (#2)", "'second' (#3)"] {
        assert!(
            cycle.contains(&format!("thread {thread} at {here}")),
            "{report}"
        );
    }
    assert!(others.contains("thread 'watchdog' (#1)"), "{report}");
}

/// Two threads that take two locks in opposite orders, with a sleep in between.
fn lock_order_mistake() {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let first = thread::spawn("first", move || {
        let _a = a2.lock();
        thread::sleep(Duration::from_millis(1));
        let _b = b2.lock();
    });
    let second = thread::spawn("second", move || {
        let _b = b.lock();
        thread::sleep(Duration::from_millis(1));
        let _a = a.lock();
    });
    first.join().unwrap();
    second.join().unwrap();
}

/// A receiver whose sender is kept alive but silent, and a condvar nobody notifies: are both
/// waits described?
#[test]
fn channel_and_condvar_deadlock_is_reported() {
    let error = Sim::new(2)
        .run(|| {
            let (tx, rx) = channel::unbounded::<()>();
            let pair = Arc::new((Mutex::new(()), Condvar::new()));
            let waiter = {
                let pair = Arc::clone(&pair);
                thread::spawn("waiter", move || {
                    let mut guard = pair.0.lock();
                    pair.1.wait(&mut guard);
                })
            };
            let _keep = tx;
            let _ = rx.recv();
            waiter.join().unwrap();
        })
        .unwrap_err();
    let report = error.to_string();
    assert!(
        report.contains("'main' (#0) at labsim/tests/sim_failures.rs:"),
        "{report}"
    );
    assert!(
        report.contains("receives from channel#1 (empty)"),
        "{report}"
    );
    assert!(
        report.contains("'waiter' (#1) at labsim/tests/sim_failures.rs:"),
        "{report}"
    );
    assert!(report.contains("waits on condvar#"), "{report}");
}

/// Does a panic in a spawned thread end the simulation, naming the thread, while main is
/// blocked forever?
#[test]
fn panic_in_a_thread_ends_the_simulation() {
    let error = Sim::new(3)
        .run(|| {
            let (_tx, rx) = channel::unbounded::<()>();
            thread::spawn("doomed", || {
                thread::sleep(Duration::from_millis(5));
                panic!("boom at 5 ms");
            });
            let _ = rx.recv(); // never returns: the panic ends the run
        })
        .unwrap_err();
    match error {
        SimError::Panicked {
            thread,
            message,
            at,
            ..
        } => {
            assert_eq!(thread, "doomed");
            assert_eq!(message, "boom at 5 ms");
            assert_eq!(at, Duration::from_millis(5));
        }
        other => panic!("expected a panic, got {other}"),
    }
}

/// Does a busy loop fail by name within about the stall limit?
#[test]
fn busy_loop_is_caught_by_the_watchdog() {
    let real_start = std::time::Instant::now();
    let error = Sim::new(4)
        .stall_limit(Duration::from_millis(300))
        .run(move || {
            let spinner = thread::spawn("spinner", move || {
                let start = labsim::time::Instant::now();
                // Virtual time never moves while this thread runs: a classic mistake.
                while start.elapsed() < Duration::from_millis(10) {
                    std::hint::spin_loop();
                    if real_start.elapsed() > Duration::from_secs(1) {
                        break; // never let the test hang
                    }
                }
            });
            spinner.join().unwrap();
        })
        .unwrap_err();
    match error {
        SimError::Stalled { thread, .. } => assert_eq!(thread, "spinner"),
        other => panic!("expected a stall, got {other}"),
    }
    assert!(real_start.elapsed() < Duration::from_secs(15));
}

/// When main returns while other threads still wait, does `run` return promptly with main's
/// value (the others are unwound)?
#[test]
fn leftover_threads_are_unwound_when_main_returns() {
    let real_start = std::time::Instant::now();
    let value = Sim::new(5)
        .run(|| {
            let (tx, rx) = channel::unbounded::<()>();
            for i in 0..4 {
                let rx = rx.clone();
                thread::spawn(format!("idle-{i}"), move || {
                    let _ = rx.recv();
                });
            }
            thread::spawn("sleeper", || thread::sleep(Duration::from_secs(1000)));
            std::mem::forget(tx);
            17
        })
        .unwrap();
    assert_eq!(value, 17);
    assert!(real_start.elapsed() < Duration::from_secs(5));
}

/// Is a blocking wait on a channel created outside the simulation refused with a clear
/// message (it would stop every thread of the simulation)?
#[test]
fn blocking_on_an_outside_channel_is_refused() {
    let (_tx, rx) = channel::unbounded::<()>();
    let error = Sim::new(6).run(move || rx.recv()).unwrap_err();
    assert!(
        error.to_string().contains("created outside the simulation"),
        "{error}"
    );
}

/// Does `Sim::run` refuse to nest?
#[test]
fn nested_run_is_refused() {
    let error = Sim::new(7)
        .run(|| Sim::new(8).run(|| ()).map(|_| ()))
        .unwrap_err();
    assert!(error.to_string().contains("inside a simulation"), "{error}");
}

/// A loop that polls a channel without ever sleeping keeps virtual time still forever: is it
/// caught as a livelock?
#[test]
fn polling_loop_is_caught_as_a_livelock() {
    let error = Sim::new(8)
        .stall_limit(Duration::from_millis(300))
        .run(|| {
            let (tx, rx) = channel::unbounded::<()>();
            let poller = thread::spawn("poller", move || {
                let start = labsim::time::Instant::now();
                while rx.try_recv().is_err() {
                    thread::yield_now();
                    if start.elapsed() > Duration::from_secs(1) {
                        return; // virtual time never gets here
                    }
                }
            });
            thread::spawn("sender", move || {
                thread::sleep(Duration::from_secs(1));
                let _ = tx.send(());
            });
            poller.join().unwrap();
        })
        .unwrap_err();
    assert!(matches!(error, SimError::Livelock { .. }), "{error}");
}

/// A select with nothing ready and no timeout: does the report list its operations?
#[test]
fn select_deadlock_is_reported() {
    let error = Sim::new(9)
        .run(|| {
            let (_keep, never) = channel::unbounded::<()>();
            let (full_tx, _full_rx) = channel::bounded::<u8>(1);
            full_tx.send(0).unwrap();
            labsim::select! {
                recv(never) -> _ => {},
                send(full_tx, 1) -> _ => {},
            }
        })
        .unwrap_err();
    let report = error.to_string();
    assert!(
        report.contains("selects, none ready: receive from channel#1, send to channel#2"),
        "{report}"
    );
}

/// Waits on a condvar until nobody is busy any more, as a thread pool's shutdown does, from
/// a `Drop`: after a failure it runs while its thread unwinds.
struct WaitsInDrop(Arc<(Mutex<usize>, Condvar)>);

impl Drop for WaitsInDrop {
    fn drop(&mut self) {
        let (busy, idle) = &*self.0;
        let mut busy = busy.lock();
        while *busy > 0 {
            if idle.wait_for(&mut busy, Duration::from_secs(2)).timed_out() {
                break;
            }
        }
    }
}

/// A thread panics while main holds a value whose `Drop` waits on a condvar with a
/// timeout. Main unwinds through that wait after the simulation ended, when nobody can
/// notify: does the wait end (as a timeout) instead of spinning, so that main's OS thread
/// exits and `run` returns at once?
#[test]
fn a_timed_wait_while_unwinding_ends() {
    let started = std::time::Instant::now();
    let error = Sim::new(3)
        .run(|| {
            let state = Arc::new((Mutex::new(1usize), Condvar::new()));
            let _waits = WaitsInDrop(Arc::clone(&state));
            let worker = thread::spawn("worker", || panic!("worker fails"));
            thread::sleep(Duration::from_secs(1));
            worker.join().unwrap();
        })
        .unwrap_err();
    assert!(matches!(error, SimError::Panicked { .. }), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "main did not exit: run took {:?}",
        started.elapsed()
    );
}

/// Two threads that answer each other at once forever, both blocking on every message, so
/// that virtual time never moves (a call that fails at once, retried at once): is it caught,
/// with where each thread stands?
#[test]
fn threads_that_never_wait_for_time_are_caught() {
    let error = Sim::new(8)
        .stall_limit(Duration::from_millis(400))
        .run(|| {
            let (ping, pinged) = channel::bounded::<u32>(0);
            let (pong, ponged) = channel::bounded::<u32>(0);
            let echo = thread::spawn("echo", move || {
                while let Ok(value) = pinged.recv() {
                    if pong.send(value + 1).is_err() {
                        return;
                    }
                }
            });
            let mut value = 0;
            while ping.send(value).is_ok() {
                value = ponged.recv().unwrap();
            }
            echo.join().unwrap();
        })
        .unwrap_err();
    let report = error.to_string();
    assert!(
        matches!(error, SimError::TimeStoodStill { at, .. } if at.is_zero()),
        "{report}"
    );
    assert!(
        report.contains("thread 'echo' (#1)") && report.contains("thread 'main' (#0)"),
        "{report}"
    );
}
