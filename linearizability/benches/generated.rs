//! Benchmarks on generated key/value histories (`linearizability::generate`): a long history
//! like the demo's, and crowded ones where many operations overlap.
//!
//! Run: `cargo bench -p linearizability --bench generated`. Each case is generated once,
//! outside the timing; the check's verdict is asserted where it is decided.
//!
//! - `long_1m`: 1,000,000 operations, 20 clients on 5 keys, operations lasting about a third
//!   of the pause between them (so overlaps are short and quiescent points frequent).
//! - `crowded_50`: 50 clients × 60 operations on 10 keys, 45% gets and mostly appends, each
//!   operation lasting about twice the pause between a client's operations. Porcupine is
//!   still Unknown after 60 s and 24 GB on this shape.
//! - `crowded_100`: the same with 100 clients.
//!
//! The crowded cases run with the bounds, 5 s and 1 GiB, and must be decided.

use criterion::{criterion_group, criterion_main, Criterion};
use linearizability::generate::KvSpec;
use linearizability::models::KvModel;
use linearizability::{Checker, Verdict};
use std::time::Duration;

fn long(c: &mut Criterion) {
    let history = KvSpec::long(20, 1_000_000).generate(1);
    let mut group = c.benchmark_group("generated");
    group.sample_size(10);
    group.bench_function("long_1m", |b| {
        b.iter(|| {
            let result = Checker::new().check_operations(&KvModel, &history);
            assert_eq!(
                result.verdict,
                Verdict::Linearizable,
                "{}",
                result.describe()
            );
        })
    });
    group.finish();
}

fn crowded(c: &mut Criterion) {
    let mut group = c.benchmark_group("generated");
    group.sample_size(10);
    for (clients, seed) in [(50, 1), (50, 2), (100, 1), (100, 2)] {
        let history = KvSpec::crowded(clients).generate(seed);
        group.bench_function(format!("crowded_{clients}_seed_{seed}"), |b| {
            b.iter(|| {
                let result = Checker::new()
                    .timeout(Some(Duration::from_secs(5)))
                    .memory_limit(1 << 30)
                    .check_operations(&KvModel, &history);
                assert_eq!(
                    result.verdict,
                    Verdict::Linearizable,
                    "{}",
                    result.describe()
                );
            })
        });
    }
    group.finish();
}

criterion_group!(benches, long, crowded);
criterion_main!(benches);
