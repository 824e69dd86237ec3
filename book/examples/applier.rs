//! The shape of every lab thread, in miniature: a state behind one lock, a thread that waits
//! on a condvar for work, takes it *under* the lock, and sends it on a channel *after*
//! releasing the lock. Run twice in simulation with the same seed, it gives the same schedule.
//!
//! `make book-check` compiles and runs this file against the workspace's labsim
//! (book/check.sh); the book includes it in "Threads, locks and time".

use std::sync::Arc;
use std::time::Duration;

use labsim::channel::{bounded, Sender};
use labsim::sync::{Condvar, Mutex};
use labsim::{thread, Sim};

/// What the lock guards: everything the threads share.
struct State {
    committed: Vec<u64>,
    applied: usize,
    killed: bool,
}

/// The state and the condvar that says "something changed".
struct Node {
    state: Mutex<State>,
    wake_applier: Condvar,
}

// ANCHOR: applier
/// 1. wait for something to apply; 2. take it and release the lock; 3. send it, in order.
fn run_applier(node: Arc<Node>, apply_tx: Sender<u64>) {
    loop {
        let ready: Vec<u64> = {
            let mut state = node.state.lock();
            while !state.killed && state.applied == state.committed.len() {
                node.wake_applier.wait(&mut state);
            }
            if state.killed {
                return;
            }
            let ready = state.committed[state.applied..].to_vec();
            state.applied = state.committed.len();
            ready
        }; // The guard is dropped here: no lock is held while sending.
        for entry in ready {
            if apply_tx.send(entry).is_err() {
                return; // The receiver is gone.
            }
        }
    }
}
// ANCHOR_END: applier

/// Commits five entries from a "leader" thread and returns the order of events seen.
fn scenario() -> Vec<String> {
    let node = Arc::new(Node {
        state: Mutex::new(State {
            committed: Vec::new(),
            applied: 0,
            killed: false,
        }),
        wake_applier: Condvar::new(),
    });
    let (apply_tx, apply_rx) = bounded(0);
    let applier = {
        let node = Arc::clone(&node);
        thread::spawn("applier", move || run_applier(node, apply_tx))
    };
    let leader = {
        let node = Arc::clone(&node);
        thread::spawn("leader", move || {
            for index in 1..=5 {
                thread::sleep(Duration::from_millis(10));
                node.state.lock().committed.push(index);
                node.wake_applier.notify_one();
            }
        })
    };
    let mut events = Vec::new();
    for _ in 0..5 {
        let entry = apply_rx.recv().expect("the applier sends five entries");
        events.push(format!("applied {entry}"));
    }
    leader.join().expect("the leader thread");
    node.state.lock().killed = true;
    node.wake_applier.notify_one();
    applier.join().expect("the applier thread");
    events
}

fn main() {
    // Entries arrive in order whatever the schedule; the same seed gives the same run.
    let first = Sim::new(7).run(scenario).expect("the simulation ends cleanly");
    let again = Sim::new(7).run(scenario).expect("the simulation ends cleanly");
    assert_eq!(first, again, "one seed, one run");
    assert_eq!(first.len(), 5);
    println!("{}", first.join(", "));
}
