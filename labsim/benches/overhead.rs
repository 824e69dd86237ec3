//! Real-mode overhead of labsim against the raw crates it wraps: lock/unlock, uncontended
//! send+recv, `Instant::now`. The goal is within 10% of the raw crate.
//!
//! Run with `cargo bench -p labsim --bench overhead`.
//!
//! The lab machines are shared, so besides criterion's figures the bench first prints an
//! interleaved comparison that is robust to load: raw and labsim runs alternate, and each
//! side keeps its fastest round.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

fn lock_unlock(c: &mut Criterion) {
    let mut group = c.benchmark_group("lock_unlock");
    let raw = parking_lot::Mutex::new(0u64);
    group.bench_function("parking_lot", |b| b.iter(|| *black_box(&raw).lock() += 1));
    let wrapped = labsim::sync::Mutex::new(0u64);
    group.bench_function("labsim", |b| b.iter(|| *black_box(&wrapped).lock() += 1));
    group.finish();
}

fn send_recv(c: &mut Criterion) {
    let mut group = c.benchmark_group("send_recv_unbounded");
    let (raw_tx, raw_rx) = crossbeam_channel::unbounded::<u64>();
    group.bench_function("crossbeam", |b| {
        b.iter(|| {
            raw_tx.send(black_box(1)).unwrap();
            black_box(raw_rx.recv().unwrap())
        })
    });
    let (tx, rx) = labsim::channel::unbounded::<u64>();
    group.bench_function("labsim", |b| {
        b.iter(|| {
            tx.send(black_box(1)).unwrap();
            black_box(rx.recv().unwrap())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("send_recv_bounded");
    let (raw_tx, raw_rx) = crossbeam_channel::bounded::<u64>(16);
    group.bench_function("crossbeam", |b| {
        b.iter(|| {
            raw_tx.send(black_box(1)).unwrap();
            black_box(raw_rx.recv().unwrap())
        })
    });
    let (tx, rx) = labsim::channel::bounded::<u64>(16);
    group.bench_function("labsim", |b| {
        b.iter(|| {
            tx.send(black_box(1)).unwrap();
            black_box(rx.recv().unwrap())
        })
    });
    group.finish();
}

fn instant_now(c: &mut Criterion) {
    let mut group = c.benchmark_group("instant_now");
    group.bench_function("std", |b| b.iter(std::time::Instant::now));
    group.bench_function("labsim", |b| b.iter(labsim::time::Instant::now));
    group.finish();
}

/// Iterations per timed round of the interleaved comparison.
const ROUND_ITERATIONS: u32 = 200_000;
/// Rounds per side; the fastest one counts.
const ROUNDS: u32 = 40;

/// Prints nanoseconds per iteration, fastest of [`ROUNDS`] rounds, with the rounds
/// of `raw` and `wrapped` alternating so that both see the same load.
fn interleaved(name: &str, mut raw: impl FnMut(), mut wrapped: impl FnMut()) {
    let time = |operation: &mut dyn FnMut()| {
        let start = std::time::Instant::now();
        for _ in 0..ROUND_ITERATIONS {
            operation();
        }
        start.elapsed().as_nanos() as f64 / f64::from(ROUND_ITERATIONS)
    };
    let (mut best_raw, mut best_wrapped) = (f64::MAX, f64::MAX);
    for _ in 0..ROUNDS {
        best_raw = best_raw.min(time(&mut raw));
        best_wrapped = best_wrapped.min(time(&mut wrapped));
    }
    println!(
        "interleaved {name}: raw {best_raw:.2} ns, labsim {best_wrapped:.2} ns, overhead {:+.1}%",
        (best_wrapped / best_raw - 1.0) * 100.0
    );
}

fn interleaved_comparisons(_: &mut Criterion) {
    let raw = parking_lot::Mutex::new(0u64);
    let wrapped = labsim::sync::Mutex::new(0u64);
    interleaved(
        "lock_unlock",
        || *black_box(&raw).lock() += 1,
        || *black_box(&wrapped).lock() += 1,
    );
    let (raw_tx, raw_rx) = crossbeam_channel::unbounded::<u64>();
    let (tx, rx) = labsim::channel::unbounded::<u64>();
    interleaved(
        "send_recv_unbounded",
        || {
            raw_tx.send(black_box(1)).unwrap();
            black_box(raw_rx.recv().unwrap());
        },
        || {
            tx.send(black_box(1)).unwrap();
            black_box(rx.recv().unwrap());
        },
    );
    let (raw_tx, raw_rx) = crossbeam_channel::bounded::<u64>(16);
    let (tx, rx) = labsim::channel::bounded::<u64>(16);
    interleaved(
        "send_recv_bounded",
        || {
            raw_tx.send(black_box(1)).unwrap();
            black_box(raw_rx.recv().unwrap());
        },
        || {
            tx.send(black_box(1)).unwrap();
            black_box(rx.recv().unwrap());
        },
    );
    interleaved(
        "instant_now",
        || {
            black_box(std::time::Instant::now());
        },
        || {
            black_box(labsim::time::Instant::now());
        },
    );
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = overhead;
    config = config();
    targets = interleaved_comparisons, lock_unlock, send_recv, instant_now
}
criterion_main!(overhead);
