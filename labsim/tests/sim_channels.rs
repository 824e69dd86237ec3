//! Channel semantics in simulation: capacity, rendezvous, disconnection, select with sends.

use std::time::Duration;

use labsim::channel::{self, RecvError, Select, SendError, TryRecvError, TrySendError};
use labsim::{thread, Sim};

/// Does a bounded channel refuse a message beyond its capacity, and do disconnections
/// report as crossbeam's do?
#[test]
fn bounded_capacity_and_disconnection() {
    Sim::new(1)
        .run(|| {
            let (tx, rx) = channel::bounded(2);
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
            assert_eq!(rx.len(), 2);
            assert_eq!(rx.recv(), Ok(1));
            let tx2 = tx.clone();
            drop(tx);
            tx2.send(3).unwrap();
            drop(tx2);
            assert_eq!(rx.iter().collect::<Vec<_>>(), vec![2, 3]);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
            assert_eq!(rx.recv(), Err(RecvError));

            let (tx, rx) = channel::unbounded::<i32>();
            drop(rx);
            assert_eq!(tx.send(4), Err(SendError(4)));
        })
        .unwrap();
}

/// Does a send on a full channel wait for room, and one on a zero-capacity channel wait for
/// a receiver?
#[test]
fn blocking_sends() {
    for seed in 0..8 {
        Sim::new(seed)
            .run(|| {
                let (tx, rx) = channel::bounded(1);
                let producer = thread::spawn("producer", move || {
                    for i in 0..5 {
                        tx.send(i).unwrap();
                    }
                });
                let received: Vec<i32> = rx.iter().collect();
                assert_eq!(received, vec![0, 1, 2, 3, 4]);
                producer.join().unwrap();

                let (tx, rx) = channel::bounded::<&str>(0);
                assert_eq!(tx.try_send("nobody"), Err(TrySendError::Full("nobody")));
                let sender = thread::spawn("rendezvous", move || tx.send("hello").unwrap());
                thread::sleep(Duration::from_millis(10));
                assert!(
                    !sender.is_finished(),
                    "a rendezvous send waits for a receiver"
                );
                assert_eq!(rx.recv(), Ok("hello"));
                sender.join().unwrap();
            })
            .unwrap();
    }
}

/// Does dropping every sender wake a blocked receiver (the labrpc "closing" signal)?
#[test]
fn dropping_senders_wakes_receivers() {
    Sim::new(5)
        .run(|| {
            let (closing, closed) = channel::bounded::<()>(0);
            let watcher = thread::spawn("watcher", move || closed.recv());
            thread::sleep(Duration::from_secs(1));
            drop(closing);
            assert_eq!(watcher.join().unwrap(), Err(RecvError));
        })
        .unwrap();
}

/// Does a select complete a send when there is room (the raft applier's pattern), and its
/// receive when the stop signal comes?
#[test]
fn select_with_send_and_recv() {
    for seed in 0..8 {
        Sim::new(seed)
            .run(|| {
                let (apply_tx, apply_rx) = channel::bounded::<u32>(1);
                let (stop, stopped) = channel::bounded::<()>(0);
                let applier = thread::spawn("applier", move || {
                    let mut sent = 0;
                    for message in 0.. {
                        let mut select = Select::new();
                        let send = select.send(&apply_tx);
                        let recv = select.recv(&stopped);
                        let operation = select.select();
                        if operation.index() == send {
                            operation.send(&apply_tx, message).unwrap();
                            sent += 1;
                        } else {
                            assert_eq!(operation.index(), recv);
                            let _ = operation.recv(&stopped);
                            return sent;
                        }
                    }
                    unreachable!()
                });
                for expected in 0..3 {
                    assert_eq!(apply_rx.recv(), Ok(expected));
                }
                drop(stop);
                let sent = applier.join().unwrap();
                assert!((3..=5).contains(&sent), "sent {sent}");
            })
            .unwrap();
    }
}

/// Can a thread outside the simulation read a simulated channel after `run` returns?
#[test]
fn simulated_channel_outlives_its_simulation() {
    let receiver = Sim::new(6)
        .run(|| {
            let (tx, rx) = channel::unbounded();
            tx.send("kept").unwrap();
            rx
        })
        .unwrap();
    assert_eq!(receiver.recv_timeout(Duration::from_secs(1)), Ok("kept"));
    assert_eq!(receiver.recv(), Err(RecvError));
}

/// The labrpc and raft shapes of `select!`: does a timed select with `return`s in its arms,
/// and a send-or-stop select, behave in simulation as crossbeam's macro does?
#[test]
fn select_macro_in_simulation() {
    /// labrpc's sleep: fails at once when the network closes, else waits out `duration`.
    fn sleep_unless_closed(
        closed: &channel::Receiver<()>,
        duration: Duration,
    ) -> Result<(), &'static str> {
        labsim::select! {
            recv(closed) -> _ => Err("closed"),
            default(duration) => Ok(()),
        }
    }

    /// raft's applier: sends every message unless stopped.
    fn apply(apply_tx: &channel::Sender<u32>, stopped: &channel::Receiver<()>) -> u32 {
        let mut sent = 0;
        for message in 0..100 {
            labsim::select! {
                send(apply_tx, message) -> result => {
                    if result.is_err() {
                        return sent;
                    }
                    sent += 1;
                }
                recv(stopped) -> _ => return sent,
            }
        }
        sent
    }

    Sim::new(9)
        .run(|| {
            let (closing, closed) = channel::bounded::<()>(0);
            let start = labsim::time::Instant::now();
            assert_eq!(
                sleep_unless_closed(&closed, Duration::from_millis(30)),
                Ok(())
            );
            assert_eq!(start.elapsed(), Duration::from_millis(30));
            drop(closing);
            assert_eq!(
                sleep_unless_closed(&closed, Duration::from_secs(9)),
                Err("closed")
            );

            let (apply_tx, apply_rx) = channel::bounded::<u32>(2);
            let (stop, stopped) = channel::bounded::<()>(0);
            let applier = thread::spawn("applier", move || apply(&apply_tx, &stopped));
            assert_eq!(apply_rx.recv(), Ok(0));
            drop(stop);
            let sent = applier.join().unwrap();
            assert!((1..=4).contains(&sent), "sent {sent}");

            let (_tx, rx) = channel::unbounded::<u8>();
            let polled = labsim::select! {
                recv(rx) -> message => message.ok(),
                default => None,
            };
            assert_eq!(polled, None);
        })
        .unwrap();
}
