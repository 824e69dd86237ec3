//! Benchmarks on porcupine's test data, beside porcupine's own figures (2-core machine):
//! all etcd logs ~0.6 s, etcd_002 ~255 ms, etcd_007 ~140 ms, kv c50-ok 130-430 ms,
//! c50-bad 9-35 ms (partitioned), kv c10 without partitioning ~2.5 s.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-lin cargo bench -p linearizability`. The data is read
//! from `$PORCUPINE_DATA` or `<repo>/../shared/data/porcupine`; cases whose files are missing
//! are skipped with a notice.

use criterion::{criterion_group, criterion_main, Criterion};
use linearizability::formats::{jepsen, porcupine_kv};
use linearizability::models::{
    KvInput, KvMapModel, KvModel, KvOutput, RegisterInput, RegisterModel, RegisterOutput,
};
use linearizability::{check_events, Event, Verdict};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn data_dir() -> PathBuf {
    std::env::var_os("PORCUPINE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/porcupine")
        })
}

fn load_kv(name: &str) -> Option<Vec<Event<KvInput, KvOutput>>> {
    let path = data_dir().join("kv").join(name);
    let text = std::fs::read_to_string(&path)
        .map_err(|_| eprintln!("skipping: {} not found", path.display()))
        .ok()?;
    Some(porcupine_kv::parse(&text, &path).expect("porcupine's kv data parses"))
}

fn load_etcd(path: &Path) -> Option<Vec<Event<RegisterInput, RegisterOutput>>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(jepsen::parse(&text, path).expect("porcupine's etcd data parses"))
}

fn etcd_logs() -> Vec<Vec<Event<RegisterInput, RegisterOutput>>> {
    let Ok(entries) = std::fs::read_dir(data_dir().join("jepsen")) else {
        eprintln!(
            "skipping etcd benches: {} not found",
            data_dir().join("jepsen").display()
        );
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|path| load_etcd(path))
        .filter(|events| !events.is_empty())
        .collect()
}

fn etcd(c: &mut Criterion) {
    let logs = etcd_logs();
    if logs.is_empty() {
        return;
    }
    let mut group = c.benchmark_group("etcd");
    group.sample_size(10);
    group.bench_function("all_102_logs", |b| {
        b.iter(|| {
            for log in &logs {
                check_events(&RegisterModel, log, None).unwrap();
            }
        })
    });
    for name in ["etcd_002", "etcd_007", "etcd_099", "etcd_057"] {
        let Some(log) = load_etcd(&data_dir().join(format!("jepsen/{name}.log"))) else {
            continue;
        };
        group.bench_function(name, |b| {
            b.iter(|| check_events(&RegisterModel, &log, None).unwrap())
        });
    }
    group.finish();
}

fn kv(c: &mut Criterion) {
    let mut group = c.benchmark_group("kv");
    group.sample_size(20);
    for (name, expected) in [
        ("c10-ok", Verdict::Linearizable),
        ("c10-bad", Verdict::Illegal),
        ("c50-ok", Verdict::Linearizable),
        ("c50-bad", Verdict::Illegal),
    ] {
        let Some(events) = load_kv(&format!("{name}.txt")) else {
            continue;
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                assert_eq!(
                    check_events(&KvModel, &events, None).unwrap().verdict,
                    expected
                )
            })
        });
    }
    group.finish();
}

fn kv_no_partition(c: &mut Criterion) {
    let mut group = c.benchmark_group("kv_no_partition");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    for (name, expected) in [
        ("c10-ok", Verdict::Linearizable),
        ("c10-bad", Verdict::Illegal),
    ] {
        let Some(events) = load_kv(&format!("{name}.txt")) else {
            continue;
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                assert_eq!(
                    check_events(&KvMapModel, &events, None).unwrap().verdict,
                    expected
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, etcd, kv, kv_no_partition);
criterion_main!(benches);
