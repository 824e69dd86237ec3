//! Virtual time: sleeps, timed waits and timeouts advance the simulation's clock, not the
//! wall clock.

use std::sync::Arc;
use std::time::Duration;

use labsim::channel::{self, RecvTimeoutError, Select};
use labsim::sync::{Condvar, Mutex};
use labsim::time::Instant;
use labsim::{thread, Sim};

/// Does a long virtual sleep return at once in real time, with the clock moved by exactly
/// its length?
#[test]
fn sleep_advances_virtual_time_only() {
    let real_start = std::time::Instant::now();
    let elapsed = Sim::new(1)
        .run(|| {
            let start = Instant::now();
            thread::sleep(Duration::from_secs(3600));
            start.elapsed()
        })
        .unwrap();
    assert_eq!(elapsed, Duration::from_secs(3600));
    assert!(real_start.elapsed() < Duration::from_secs(5));
}

/// Do sleeping threads wake in deadline order, whatever the seed?
#[test]
fn sleepers_wake_in_deadline_order() {
    for seed in 0..10 {
        let order = Sim::new(seed)
            .run(|| {
                let log = Arc::new(Mutex::new(Vec::new()));
                let handles: Vec<_> = [30u64, 10, 20]
                    .into_iter()
                    .map(|millis| {
                        let log = Arc::clone(&log);
                        thread::spawn(format!("sleeper-{millis}"), move || {
                            thread::sleep(Duration::from_millis(millis));
                            log.lock().push((millis, labsim::virtual_time().unwrap()));
                        })
                    })
                    .collect();
                handles.into_iter().for_each(|h| h.join().unwrap());
                let log = log.lock().clone();
                log
            })
            .unwrap();
        let expected: Vec<_> = [10u64, 20, 30]
            .into_iter()
            .map(|millis| (millis, Duration::from_millis(millis)))
            .collect();
        assert_eq!(order, expected, "seed {seed}");
    }
}

/// Does `recv_timeout` on a silent channel time out after exactly its virtual timeout, and
/// does a message sent before the deadline arrive instead?
#[test]
fn recv_timeout_in_virtual_time() {
    Sim::new(2)
        .run(|| {
            let (tx, rx) = channel::unbounded::<u32>();
            let start = Instant::now();
            assert_eq!(
                rx.recv_timeout(Duration::from_millis(250)),
                Err(RecvTimeoutError::Timeout)
            );
            assert_eq!(start.elapsed(), Duration::from_millis(250));
            let sender = thread::spawn("sender", move || {
                thread::sleep(Duration::from_millis(100));
                tx.send(5).unwrap();
            });
            assert_eq!(rx.recv_timeout(Duration::from_secs(1)), Ok(5));
            assert_eq!(start.elapsed(), Duration::from_millis(350));
            sender.join().unwrap();
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(1)),
                Err(RecvTimeoutError::Disconnected)
            );
        })
        .unwrap();
}

/// Does a condvar wait time out at its virtual deadline, and does a notification end it
/// early?
#[test]
fn condvar_timed_waits() {
    Sim::new(3)
        .run(|| {
            let pair = Arc::new((Mutex::new(false), Condvar::new()));
            let start = Instant::now();
            {
                let (lock, condvar) = &*pair;
                let mut ready = lock.lock();
                assert!(condvar
                    .wait_for(&mut ready, Duration::from_millis(40))
                    .timed_out());
                assert_eq!(start.elapsed(), Duration::from_millis(40));
            }
            let notifier = {
                let pair = Arc::clone(&pair);
                thread::spawn("notifier", move || {
                    thread::sleep(Duration::from_millis(10));
                    *pair.0.lock() = true;
                    pair.1.notify_all();
                })
            };
            let (lock, condvar) = &*pair;
            let mut ready = lock.lock();
            let deadline = Instant::now() + Duration::from_secs(5);
            while !*ready {
                assert!(!condvar.wait_until(&mut ready, deadline).timed_out());
            }
            assert_eq!(start.elapsed(), Duration::from_millis(50));
            drop(ready);
            notifier.join().unwrap();
        })
        .unwrap();
}

/// Does a select over silent channels time out in virtual time, and pick the channel that
/// gets a message?
#[test]
fn select_timeout_in_virtual_time() {
    Sim::new(4)
        .run(|| {
            let (_tx_a, rx_a) = channel::unbounded::<u8>();
            let (tx_b, rx_b) = channel::bounded::<u8>(1);
            let start = Instant::now();
            let mut select = Select::new();
            select.recv(&rx_a);
            select.recv(&rx_b);
            assert!(select.select_timeout(Duration::from_millis(70)).is_err());
            assert_eq!(start.elapsed(), Duration::from_millis(70));

            let sender = thread::spawn("sender", move || {
                thread::sleep(Duration::from_millis(5));
                tx_b.send(9).unwrap();
            });
            let mut select = Select::new();
            let a = select.recv(&rx_a);
            let b = select.recv(&rx_b);
            let operation = select.select_timeout(Duration::from_secs(1)).unwrap();
            assert_eq!(operation.index(), b);
            assert_eq!(operation.recv(&rx_b), Ok(9));
            assert_ne!(a, b);
            assert_eq!(start.elapsed(), Duration::from_millis(75));
            sender.join().unwrap();
        })
        .unwrap();
}

/// Do scoped threads borrow from the caller and get joined when the scope ends, in virtual
/// time (as the raft tester's `std::thread::scope` uses do)?
#[test]
fn scoped_threads_borrow_and_join() {
    for seed in 0..4 {
        let (total, elapsed) = Sim::new(seed)
            .run(|| {
                let counter = Mutex::new(0u32);
                let start = Instant::now();
                thread::scope(|scope| {
                    let handle = scope.spawn("adder", || {
                        thread::sleep(Duration::from_millis(20));
                        *counter.lock() += 1;
                        5
                    });
                    scope.spawn("late", || {
                        thread::sleep(Duration::from_millis(50));
                        *counter.lock() += 10;
                    });
                    assert_eq!(handle.join().unwrap(), 5);
                });
                let total = *counter.lock();
                (total, start.elapsed())
            })
            .unwrap();
        assert_eq!((total, elapsed), (11, Duration::from_millis(50)));
    }
    let mut values = vec![1, 2, 3];
    thread::scope(|scope| {
        scope.spawn("real", || values.push(4));
    });
    assert_eq!(values, [1, 2, 3, 4]);
}

/// A timed wait whose deadline has already passed returns at once but lets a little virtual
/// time pass: does a loop that waits for `now > deadline` (strictly) end, and does a thread
/// polling with zero timeouts get the message a sleeping thread sends?
#[test]
fn expired_deadlines_let_time_move() {
    Sim::new(7)
        .run(|| {
            let pair = (Mutex::new(()), Condvar::new());
            let deadline = Instant::now() + Duration::from_millis(1);
            let mut guard = pair.0.lock();
            let mut waits = 0;
            while Instant::now() <= deadline {
                pair.1.wait_until(&mut guard, deadline);
                waits += 1;
            }
            assert!(waits <= 2, "{waits} waits");
            drop(guard);

            let (tx, rx) = channel::unbounded();
            let sender = thread::spawn("sender", move || {
                thread::sleep(Duration::from_micros(50));
                tx.send(()).unwrap();
            });
            let mut polls = 0;
            while rx.recv_timeout(Duration::ZERO).is_err() {
                polls += 1;
            }
            assert!((40..=60).contains(&polls), "{polls} polls");
            sender.join().unwrap();
        })
        .unwrap();
}

/// Does an `Instant` print as virtual time inside a simulation, the same on every run?
#[test]
fn instants_print_as_virtual_time() {
    let printed = |seed| {
        Sim::new(seed)
            .run(|| {
                thread::sleep(Duration::from_millis(1250));
                format!("{:?}", Instant::now())
            })
            .unwrap()
    };
    assert_eq!(printed(1), "Instant(+1.25s)");
    assert_eq!(printed(2), printed(1));
}

/// Are huge timeouts waits without a deadline, rather than clock overflows?
#[test]
fn huge_timeouts_mean_forever() {
    Sim::new(8)
        .run(|| {
            thread::spawn("forever", || thread::sleep(Duration::MAX));
            let (tx, rx) = channel::unbounded();
            let sender = thread::spawn("sender", move || {
                thread::sleep(Duration::from_secs(2));
                tx.send(1).unwrap();
            });
            let start = Instant::now();
            assert_eq!(rx.recv_timeout(Duration::MAX), Ok(1));
            assert_eq!(start.elapsed(), Duration::from_secs(2));
            sender.join().unwrap();
            // main returns while "forever" still sleeps: it is unwound, and run returns.
        })
        .unwrap();
}
