//! Real mode: outside any simulation the primitives behave as the crates they wrap.

use std::sync::Arc;
use std::time::Duration;

use labsim::channel::{self, RecvTimeoutError, Select, TryRecvError};
use labsim::sync::{Condvar, Mutex, MutexGuard};
use labsim::time::Instant;
use labsim::{thread, Mode};

/// Do threads, a lock and a condvar hand work over as with parking_lot and std?
#[test]
fn threads_locks_and_condvars() {
    assert!(!labsim::is_simulated());
    let pair = Arc::new((Mutex::new(0u32), Condvar::new()));
    let worker = {
        let pair = Arc::clone(&pair);
        thread::spawn("worker", move || {
            assert_eq!(thread::current_name().as_deref(), Some("worker"));
            *pair.0.lock() += 1;
            pair.1.notify_all();
            7
        })
    };
    assert_eq!(worker.name(), Some("worker"));
    let (lock, condvar) = &*pair;
    let mut count = lock.lock();
    let deadline = Instant::now() + Duration::from_secs(10);
    while *count == 0 {
        assert!(!condvar.wait_until(&mut count, deadline).timed_out());
    }
    let answer = MutexGuard::unlocked(&mut count, || worker.join().unwrap());
    assert_eq!((answer, *count), (7, 1));
    assert!(condvar
        .wait_for(&mut count, Duration::from_millis(5))
        .timed_out());
}

/// Do channels time out, disconnect and select as crossbeam's do?
#[test]
fn channels_and_select() {
    let (tx, rx) = channel::bounded::<u8>(1);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let start = Instant::now();
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(20)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(start.elapsed() >= Duration::from_millis(20));
    tx.send(1).unwrap();
    let (_tx2, rx2) = channel::unbounded::<u8>();
    let mut select = Select::new();
    let first = select.recv(&rx);
    select.recv(&rx2);
    let operation = select.select_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(operation.index(), first);
    assert_eq!(operation.recv(&rx), Ok(1));
    drop(tx);
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)),
        Err(RecvTimeoutError::Disconnected)
    );
}

/// Does a real sleep take real time, and is the default mode real?
#[test]
fn sleep_and_mode() {
    let start = Instant::now();
    thread::sleep(Duration::from_millis(10));
    assert!(start.elapsed() >= Duration::from_millis(10));
    if std::env::var_os(labsim::SIM_VAR).is_none() {
        assert_eq!(Mode::from_env(), Mode::Real);
    }
    assert_eq!(labsim::virtual_time(), None);
}

/// Does `select!` work on real channels, with `continue` in a timed arm?
#[test]
fn select_macro_in_real_mode() {
    let (tx, rx) = channel::unbounded::<u8>();
    let sender = thread::spawn("sender", move || {
        thread::sleep(Duration::from_millis(15));
        tx.send(1).unwrap();
    });
    let mut timeouts = 0;
    let value = loop {
        labsim::select! {
            recv(rx) -> message => break message.unwrap(),
            default(Duration::from_millis(5)) => {
                timeouts += 1;
                continue;
            }
        }
    };
    assert_eq!(value, 1);
    assert!(timeouts >= 1);
    sender.join().unwrap();
}

/// The same code, with threads, a condvar, channels and timeouts: does it compute the same
/// result in real mode and in simulation?
#[test]
fn same_code_in_both_modes() {
    fn pipeline() -> u64 {
        let jobs = Arc::new((Mutex::new((1..=20u64).collect::<Vec<_>>()), Condvar::new()));
        let (results_tx, results_rx) = channel::bounded(4);
        let workers: Vec<_> = (0..3)
            .map(|worker| {
                let (jobs, results_tx) = (Arc::clone(&jobs), results_tx.clone());
                thread::spawn(format!("worker-{worker}"), move || loop {
                    let Some(job) = jobs.0.lock().pop() else {
                        return;
                    };
                    thread::sleep(Duration::from_micros(100 * job));
                    results_tx.send(job * job).unwrap();
                })
            })
            .collect();
        drop(results_tx);
        let mut total = 0;
        loop {
            match results_rx.recv_timeout(Duration::from_secs(5)) {
                Ok(square) => total += square,
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("a worker is stuck"),
            }
        }
        workers
            .into_iter()
            .for_each(|worker| worker.join().unwrap());
        total
    }
    let expected: u64 = (1..=20u64).map(|job| job * job).sum();
    assert_eq!(pipeline(), expected);
    assert_eq!(labsim::Sim::new(3).run(pipeline).unwrap(), expected);
}

/// Are the types as shareable as the ones they replace (the lab crates keep join handles
/// and channel ends in structs shared between threads)?
#[test]
fn types_are_send_and_sync_like_the_originals() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Mutex<Vec<u8>>>();
    send_sync::<Condvar>();
    send_sync::<channel::Sender<Vec<u8>>>();
    send_sync::<channel::Receiver<Vec<u8>>>();
    send_sync::<Instant>();
    send_sync::<labsim::rand::LabRng>();
    send_sync::<labsim::Sim>();
    send_sync::<labsim::SimError>();
    send::<thread::JoinHandle<Vec<u8>>>();
    send_sync::<Mutex<Vec<thread::JoinHandle<()>>>>();
}

#[test]
fn a_real_thread_panic_is_remembered_with_the_thread_name() {
    let handle = thread::spawn("doomed-worker", || -> u32 {
        panic!("not yet implemented: 3A: tick")
    });
    assert!(handle.join().is_err(), "the panic still reaches join");
    let panics = thread::real_panics();
    assert!(
        panics.contains(&(
            "doomed-worker".to_string(),
            "not yet implemented: 3A: tick".to_string()
        )),
        "{panics:?}"
    );
    let fine = thread::spawn("fine-worker", || 7);
    assert_eq!(fine.join().unwrap(), 7);
    assert!(!thread::real_panics()
        .iter()
        .any(|(name, _)| name == "fine-worker"));
}
