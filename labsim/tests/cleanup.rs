//! Simulations clean up after themselves: every OS thread they started has exited when
//! `run` returns, whether main finished, a thread panicked or the run deadlocked. (Its own
//! test binary, so that no other test's threads are counted.)

use std::time::Duration;

use labsim::{channel, thread, Sim};

/// Threads of this process, from `/proc`.
fn os_threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count())
}

/// A simulation that leaves threads blocked (or sleeping) behind in each way it can end.
fn leave_threads_behind(seed: u64) {
    let outcome = Sim::new(seed).run(move || {
        let (tx, rx) = channel::bounded::<u64>(0);
        for i in 0..3 {
            let rx = rx.clone();
            thread::spawn(format!("blocked-{i}"), move || rx.recv());
        }
        thread::spawn("sleeper", || thread::sleep(Duration::from_secs(3600)));
        match seed % 3 {
            0 => {}                       // main returns
            1 => panic!("main gives up"), // a panic
            _ => {
                let (_keep, never) = channel::unbounded::<()>();
                let _ = never.recv(); // a deadlock
            }
        }
        std::mem::forget(tx);
    });
    if seed % 3 == 0 {
        outcome.unwrap();
    }
}

/// After many simulations ending in every way, is the OS thread count back where it was?
/// And does a simulation that starts many short-lived threads keep few OS threads alive at
/// a time (exited ones are reaped as it goes)? One test, so that nothing runs beside it.
#[test]
fn os_threads_do_not_outlive_their_use() {
    no_os_thread_outlives_its_simulation();
    short_lived_threads_are_reaped_as_the_simulation_goes();
}

fn no_os_thread_outlives_its_simulation() {
    let before = os_threads();
    for seed in 0..30 {
        leave_threads_behind(seed);
    }
    let after = os_threads();
    assert_eq!(after, before, "OS threads before {before}, after {after}");
}

fn short_lived_threads_are_reaped_as_the_simulation_goes() {
    let peak = Sim::new(1)
        .run(|| {
            let mut peak = 0;
            for round in 0..300 {
                let worker = thread::spawn(format!("call-{round}"), move || round * 2);
                assert_eq!(worker.join().unwrap(), round * 2);
                peak = peak.max(os_threads());
            }
            peak
        })
        .unwrap();
    assert!(peak < 20, "{peak} OS threads at the peak");
}
