//! Simulation speed: how many run-token hand-overs per second a simulation makes, and what a
//! ping-pong round trip costs. Each line also prints the schedule's fingerprint, so two
//! versions of labsim can be compared for the same schedule. A hand-over is a switch of
//! stacks in user space (it was a switch between OS threads, about 17 us, until the
//! coroutines came).
//!
//! Run with `cargo bench -p labsim --bench switches`.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use labsim::{channel, sync::Mutex, thread, Sim, SimStats};

/// Two threads bounce a counter `rounds` times over two rendezvous-free channels.
fn ping_pong(rounds: u64) -> SimStats {
    let (_, stats) = Sim::new(1)
        .run_with_stats(move || {
            let (ping_tx, ping_rx) = channel::bounded::<u64>(1);
            let (pong_tx, pong_rx) = channel::bounded::<u64>(1);
            let echo = thread::spawn("echo", move || {
                while let Ok(value) = ping_rx.recv() {
                    pong_tx.send(value + 1).unwrap();
                }
            });
            for round in 0..rounds {
                ping_tx.send(round).unwrap();
                assert_eq!(pong_rx.recv().unwrap(), round + 1);
            }
            drop(ping_tx);
            echo.join().unwrap();
        })
        .unwrap();
    stats
}

/// Four threads increment one counter under one lock, `rounds` times each, sleeping a
/// virtual millisecond now and then so that virtual time moves.
fn contended_lock(rounds: u64) -> SimStats {
    let (_, stats) = Sim::new(2)
        .run_with_stats(move || {
            let counter = std::sync::Arc::new(Mutex::new(0u64));
            let workers: Vec<_> = (0..4)
                .map(|worker| {
                    let counter = std::sync::Arc::clone(&counter);
                    thread::spawn(format!("worker-{worker}"), move || {
                        for round in 0..rounds {
                            *counter.lock() += 1;
                            if round % 8 == 0 {
                                thread::sleep(Duration::from_millis(1));
                            }
                        }
                    })
                })
                .collect();
            workers.into_iter().for_each(|w| w.join().unwrap());
        })
        .unwrap();
    stats
}

/// A Raft-shaped workload: a leader sends a heartbeat to 4 followers every 100 ms (virtual)
/// and waits for their replies, which take 1 ms of network latency; each follower's election
/// ticker waits on a condvar with a deadline that every heartbeat pushes back. `rounds` is
/// the number of heartbeats: 300 is 30 virtual seconds.
fn heartbeats(rounds: u64) -> SimStats {
    use labsim::sync::Condvar;
    use labsim::time::Instant;
    use std::sync::Arc;

    const FOLLOWERS: usize = 4;
    const HEARTBEAT: Duration = Duration::from_millis(100);
    const ELECTION_TIMEOUT: Duration = Duration::from_millis(300);

    /// A follower's state: when its election timer fires, and whether it is shut down.
    struct Follower {
        deadline: Instant,
        killed: bool,
        elections: u32,
    }

    let (_, stats) = Sim::new(3)
        .run_with_stats(move || {
            let (reply_tx, reply_rx) = channel::unbounded::<usize>();
            let mut requests = Vec::new();
            let mut threads = Vec::new();
            let mut followers = Vec::new();
            for peer in 0..FOLLOWERS {
                let state = Arc::new((
                    Mutex::new(Follower {
                        deadline: Instant::now() + ELECTION_TIMEOUT,
                        killed: false,
                        elections: 0,
                    }),
                    Condvar::new(),
                ));
                let (request_tx, request_rx) = channel::unbounded::<u64>();
                requests.push(request_tx);
                followers.push(Arc::clone(&state));
                let (handler_state, reply_tx) = (Arc::clone(&state), reply_tx.clone());
                threads.push(thread::spawn(format!("S{peer}-handler"), move || {
                    while request_rx.recv().is_ok() {
                        {
                            let mut follower = handler_state.0.lock();
                            follower.deadline = Instant::now() + ELECTION_TIMEOUT;
                            handler_state.1.notify_all();
                        }
                        thread::sleep(Duration::from_millis(1)); // network latency
                        let _ = reply_tx.send(peer);
                    }
                }));
                threads.push(thread::spawn(format!("S{peer}-ticker"), move || {
                    let (lock, condvar) = &*state;
                    let mut follower = lock.lock();
                    while !follower.killed {
                        if Instant::now() >= follower.deadline {
                            follower.elections += 1;
                            follower.deadline = Instant::now() + ELECTION_TIMEOUT;
                        }
                        let deadline = follower.deadline;
                        condvar.wait_until(&mut follower, deadline);
                    }
                }));
            }
            drop(reply_tx);
            for round in 0..rounds {
                let sent_at = Instant::now();
                for request in &requests {
                    request.send(round).unwrap();
                }
                for _ in 0..FOLLOWERS {
                    reply_rx.recv_timeout(HEARTBEAT).unwrap();
                }
                thread::sleep(HEARTBEAT.saturating_sub(sent_at.elapsed()));
            }
            drop(requests);
            for follower in &followers {
                follower.0.lock().killed = true;
                follower.1.notify_all();
            }
            threads.into_iter().for_each(|t| t.join().unwrap());
            let elections: u32 = followers.iter().map(|f| f.0.lock().elections).sum();
            assert_eq!(
                elections, 0,
                "heartbeats keep followers from starting elections"
            );
        })
        .unwrap();
    stats
}

/// Prints switches per second of real time for one run of `scenario`.
fn report(name: &str, scenario: impl Fn(u64) -> SimStats, rounds: u64) {
    let start = Instant::now();
    let stats = scenario(rounds);
    let real = start.elapsed();
    println!(
        "{name}: {rounds} rounds, {} switches, {} decisions in {real:?} real ({:?} virtual): \
         {:.0} switches/s, {:.0} ns/switch, fingerprint {:016x}",
        stats.switches,
        stats.decisions,
        stats.virtual_time,
        stats.switches as f64 / real.as_secs_f64(),
        real.as_secs_f64() * 1e9 / stats.switches.max(1) as f64,
        stats.schedule_hash,
    );
}

/// What the stack switch alone costs, without any scheduling: a coroutine suspended and
/// resumed `rounds` times (two switches a round), as labsim's threads are.
fn bare_switch(rounds: u64) {
    let mut coroutine = corosensei::Coroutine::new(|yielder, ()| loop {
        yielder.suspend(());
    });
    let start = Instant::now();
    for _ in 0..rounds {
        coroutine.resume(());
    }
    let real = start.elapsed();
    println!(
        "bare_switch: {rounds} rounds in {real:?}: {:.1} ns/switch (the stack switch alone)",
        real.as_secs_f64() * 1e9 / (2 * rounds) as f64
    );
}

fn switches(c: &mut Criterion) {
    bare_switch(1_000_000);
    report("ping_pong", ping_pong, 20_000);
    report("contended_lock", contended_lock, 5_000);
    report("heartbeats_30s", heartbeats, 300);
    let mut group = c.benchmark_group("simulation");
    group.bench_function("ping_pong_round_trip", |b| {
        b.iter_custom(|iterations| {
            let start = Instant::now();
            ping_pong(iterations);
            start.elapsed()
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = simulation;
    config = config();
    targets = switches
}
criterion_main!(simulation);
