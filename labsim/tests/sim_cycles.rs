//! Cycles of waits are reported the moment they close, even while timers are pending (a
//! graded test always has its watchdog's deadline pending), and a hang that is no cycle shows
//! every thread in `thread_report`.

use std::sync::Arc;
use std::time::Duration;

use labsim::channel::{self, Receiver, Sender};
use labsim::sync::Mutex;
use labsim::time::Instant;
use labsim::{thread, Sim, SimError};

/// A graded test's watchdog: a thread with a deadline far away, so that "nothing is due"
/// never holds while the test runs.
fn watchdog() -> Sender<()> {
    let (stop, stopped) = channel::bounded::<()>(0);
    thread::spawn("watchdog", move || {
        let _ = stopped.recv_timeout(Duration::from_secs(120));
    });
    stop
}

/// An RPC made under a lock, as a Raft ticker that sends RequestVote while holding its lock:
/// a caller locks its own server, then waits (with a periodic liveness check, as labrpc's
/// calls do) for a handler thread that needs the other server's lock.
fn call_under_lock(mine: &Arc<Mutex<()>>, theirs: &Arc<Mutex<()>>, claim: bool, name: &str) {
    let _held = mine.lock();
    thread::sleep(Duration::from_millis(1));
    let (reply_tx, reply_rx) = channel::bounded::<()>(1);
    let (theirs, name) = (Arc::clone(theirs), format!("handler-for-{name}"));
    thread::spawn(name, move || {
        if claim {
            reply_tx.bind_to_current_thread();
        }
        let _handled = theirs.lock();
        let _ = reply_tx.send(());
    });
    wait_for_reply(&reply_rx);
}

/// Waits for the reply, checking every 100 ms whether to give up (it never does).
fn wait_for_reply(reply: &Receiver<()>) {
    loop {
        labsim::select! {
            recv(reply) -> _ => return,
            default(Duration::from_millis(100)) => {}
        }
    }
}

/// Two servers whose tickers call each other under their own locks.
fn two_servers_calling_under_locks(claim: bool) -> Result<(), SimError> {
    Sim::new(4).run(move || {
        let _watchdog = watchdog();
        let start = Instant::now();
        let (zero, one) = (Arc::new(Mutex::new(())), Arc::new(Mutex::new(())));
        let (zero2, one2) = (Arc::clone(&zero), Arc::clone(&one));
        let ticker = thread::spawn("ticker-1", move || {
            call_under_lock(&one2, &zero2, claim, "1");
        });
        let watch = thread::spawn("late-watcher", move || {
            thread::sleep(Duration::from_secs(30));
            panic!("still stuck after {:?}", start.elapsed());
        });
        call_under_lock(&zero, &one, claim, "0");
        ticker.join().unwrap();
        watch.join().unwrap();
    })
}

/// Does the cycle through two calls and two locks close at once, naming the four threads,
/// when the handlers claimed their reply channels?
#[test]
fn cycle_through_claimed_channels_is_reported() {
    let error = two_servers_calling_under_locks(true).unwrap_err();
    let SimError::Deadlock { at, ref report, .. } = error else {
        panic!("expected a deadlock: {error}");
    };
    assert!(at < Duration::from_secs(1), "reported at {at:?}: {report}");
    let (cycle, others) = report.split_once(" other threads:").expect(report);
    assert!(
        cycle.starts_with("a cycle of waits: 4 thread(s)"),
        "{report}"
    );
    assert!(
        cycle.contains("selects, none ready: receive from channel#")
            && cycle.contains(", whose sending side 'handler-for-0' (#"),
        "{report}"
    );
    assert!(cycle.contains("thread 'handler-for-1' (#"), "{report}");
    assert!(
        others.contains("'late-watcher'") && others.contains("sleeps"),
        "{report}"
    );
    let replayed = two_servers_calling_under_locks(true).unwrap_err();
    assert_eq!(
        replayed.to_string(),
        error.to_string(),
        "a replay reports the same"
    );
}

/// Unclaimed, the same channels name no waker, so no cycle can be proved: the run goes on
/// (here until the late watcher panics the test at 30 virtual seconds, standing in for the
/// test's time limit).
#[test]
fn unclaimed_channels_prove_no_cycle() {
    let error = two_servers_calling_under_locks(false).unwrap_err();
    assert!(
        matches!(&error, SimError::Panicked { at, thread, .. }
            if *at == Duration::from_secs(30) && thread == "late-watcher"),
        "{error}"
    );
}

/// Does `thread_report` list every unfinished thread with where it waits, marking the caller,
/// and is it `None` outside a simulation?
#[test]
fn thread_report_lists_every_thread() {
    assert_eq!(labsim::thread_report(), None);
    let report = Sim::new(5)
        .run(|| {
            let (_keep, never) = channel::unbounded::<()>();
            let reader = thread::spawn("reader", move || {
                let _ = never.recv();
            });
            thread::sleep(Duration::from_millis(1));
            let report = labsim::thread_report().unwrap();
            drop(reader);
            report
        })
        .unwrap();
    assert!(
        report.contains("thread 'main' (#0) is running (it asked for this list)"),
        "{report}"
    );
    assert!(
        report.contains("thread 'reader' (#1) at labsim/tests/sim_cycles.rs:")
            && report.contains("receives from channel#1 (empty)"),
        "{report}"
    );
}
