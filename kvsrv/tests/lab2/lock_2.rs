//! Lab 2, the lock: one acquire and release, two locks held at once, and clients taking
//! turns in a critical section on reliable and unreliable networks.

use std::time::Duration;

use labsim::thread;
use labsim::time::Instant;

use kvsrv::{KvClerk, KvError, Lock};

use crate::tester::{Config, Spec, TestClerk};

/// How long the lock clients run.
const CLIENT_DURATION: Duration = Duration::from_secs(2);

/// How long a client stays in the critical section, so that a second client let in by a
/// broken lock finds the first one's mark (the course's 10 ms).
const CRITICAL_SECTION: Duration = Duration::from_millis(10);

/// How long a second client must stay shut out of a held lock.
const SHUT_OUT: Duration = Duration::from_millis(200);

/// How soon a second client must get a lock once it is released; generous, for a loaded
/// machine.
const HANDOVER_LIMIT: Duration = Duration::from_secs(5);

/// The key the critical section writes.
const MARK_KEY: &str = "l0";

#[test]
fn lock_reliable_basic_2() {
    labsim::run(|| {
        let config = Config::new(Spec {
            test: "lock_reliable_basic_2",
            title: "one lock client, acquire and release",
            ..Spec::default()
        });
        let clerk = config.make_clerk();
        let lock = Lock::new(&clerk, "l");
        lock.acquire();
        lock.release();
        // Is it free again? Another lock client of the same name takes it at once.
        let other = Lock::new(&clerk, "l");
        other.acquire();
        other.release();
        config.end();
    });
}

/// Two locks of different names held at once, taken in both orders; while each is held,
/// another client cannot take it, and gets it once it is released.
#[test]
fn lock_reliable_nested_2() {
    labsim::run(|| {
        let config = Config::new(Spec {
            test: "lock_reliable_nested_2",
            title: "two locks held at once, in both orders",
            ..Spec::default()
        });
        let clerk = config.make_clerk();
        let first = Lock::new(&clerk, "la");
        let second = Lock::new(&clerk, "lb");

        first.acquire();
        second.acquire();
        check_exclusion(&config, "la", || first.release());
        second.release();

        second.acquire();
        first.acquire();
        check_exclusion(&config, "lb", || second.release());
        first.release();
        config.end();
    });
}

#[test]
fn lock_one_client_reliable_2() {
    labsim::run(|| {
        let spec = Spec {
            test: "lock_one_client_reliable_2",
            title: "1 lock client, reliable network",
            ..Spec::default()
        };
        run_lock_clients(1, spec);
    });
}

#[test]
fn lock_many_clients_reliable_2() {
    labsim::run(|| {
        let spec = Spec {
            test: "lock_many_clients_reliable_2",
            title: "10 lock clients, reliable network",
            ..Spec::default()
        };
        run_lock_clients(10, spec);
    });
}

#[test]
fn lock_one_client_unreliable_2() {
    labsim::run(|| {
        let spec = Spec {
            test: "lock_one_client_unreliable_2",
            title: "1 lock client, unreliable network",
            unreliable: true,
            ..Spec::default()
        };
        run_lock_clients(1, spec);
    });
}

#[test]
pub(crate) fn lock_many_clients_unreliable_2() {
    labsim::run(|| {
        let spec = Spec {
            test: "lock_many_clients_unreliable_2",
            title: "10 lock clients, unreliable network",
            unreliable: true,
            ..Spec::default()
        };
        run_lock_clients(10, spec);
    });
}

/// Runs `clients` of the course's lock clients for [`CLIENT_DURATION`].
fn run_lock_clients(clients: usize, spec: Spec) {
    let config = Config::new(Spec {
        record: false,
        ..spec
    });
    let acquisitions: usize = config
        .run_clients(clients, CLIENT_DURATION, lock_client)
        .into_iter()
        .sum();
    assert!(acquisitions > 0, "no client ever acquired the lock");
    println!("  ... the lock was acquired {acquisitions} times");
    config.end();
}

/// One lock client until `deadline`: acquire; the mark must be empty (else two clients hold
/// the lock); write our mark, wait, clear it; release. Returns how often it got the lock.
fn lock_client(me: usize, clerk: &TestClerk<'_>, deadline: Instant) -> usize {
    let lock = Lock::new(clerk, "l");
    // Every client tries to create the mark; one put takes effect, the others are refused.
    let _ = clerk.put(MARK_KEY, "", 0);
    let mut acquisitions = 0;
    while Instant::now() < deadline {
        lock.acquire();
        let (mark, version) = clerk
            .get(MARK_KEY)
            .unwrap_or_else(|error| panic!("client {me}: Get({MARK_KEY}) answered {error:?}"));
        assert!(
            mark.is_empty(),
            "client {me}: two clients acquired lock (client {mark} holds it too)"
        );
        check_put(me, clerk.put(MARK_KEY, &me.to_string(), version));
        thread::sleep(CRITICAL_SECTION);
        check_put(me, clerk.put(MARK_KEY, "", version + 1));
        lock.release();
        acquisitions += 1;
    }
    acquisitions
}

/// Inside the critical section only its holder writes the mark, so a put there takes effect:
/// `Ok`, or `Maybe` on an unreliable network.
fn check_put(me: usize, answer: Result<(), KvError>) {
    assert!(
        matches!(answer, Ok(()) | Err(KvError::Maybe)),
        "client {me}: Put({MARK_KEY}) in the critical section answered {answer:?}"
    );
}

/// While this client holds the lock `name`, another client's acquire must wait; once
/// `release` has run, it must succeed.
fn check_exclusion(config: &Config, name: &str, release: impl FnOnce()) {
    let (acquired, on_acquired) = labsim::channel::bounded(1);
    thread::scope(|scope| {
        // Dropped while this closure unwinds, before the scope waits for the contender.
        let _abort = config.abort_on_panic();
        scope.spawn("contender", || {
            let _abort = config.abort_on_panic();
            let clerk = config.make_clerk();
            let contender = Lock::new(&clerk, name);
            contender.acquire();
            acquired.send(()).expect("the test waits for it");
            contender.release();
        });
        assert!(
            on_acquired.recv_timeout(SHUT_OUT).is_err(),
            "a second client acquired lock {name:?} while it was held"
        );
        release();
        on_acquired
            .recv_timeout(HANDOVER_LIMIT)
            .unwrap_or_else(|_| {
                panic!("lock {name:?} released, but a waiting client never got it")
            });
    });
}
