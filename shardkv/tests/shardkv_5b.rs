//! Part 5B: shards move between groups while clients keep using them, across snapshots,
//! missed configurations, crashes and an unreliable network; and both challenges.

#[path = "shardkv_5b/replay.rs"]
mod replay;
mod tester;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use labsim::thread;
use labsim::time::Instant;
use rand::Rng;
use shardkv::{key_to_shard, NSHARDS};
use tester::groups::{random_value, TestClerk, Tester};

/// The course's pause letting shards move after a configuration change.
const TRANSFER_WAIT: Duration = Duration::from_secs(1);

/// Puts `count` keys "0", "1", ... with random values of `length`; returns keys and values.
fn put_keys(
    tester: &Tester,
    clerk: &TestClerk,
    count: usize,
    length: usize,
) -> (Vec<String>, Vec<String>) {
    let keys: Vec<String> = (0..count).map(|i| i.to_string()).collect();
    let values = keys
        .iter()
        .map(|key| {
            let value = random_value(&tester.network, length);
            tester.put(clerk, key, &value);
            value
        })
        .collect();
    (keys, values)
}

/// Checks every key, then appends `length` random characters to each.
fn check_and_append(
    tester: &Tester,
    clerk: &TestClerk,
    keys: &[String],
    values: &mut [String],
    length: usize,
) {
    for (key, value) in keys.iter().zip(values.iter_mut()) {
        tester.check(clerk, key, value);
        let extra = random_value(&tester.network, length);
        tester.append(clerk, key, &extra);
        value.push_str(&extra);
    }
}

fn check_all(tester: &Tester, clerk: &TestClerk, keys: &[String], values: &[String]) {
    for (key, value) in keys.iter().zip(values) {
        tester.check(clerk, key, value);
    }
}

/// Runs one appender per key, each with its own clerk, appending `length` random
/// characters and pausing `pause` between appends, while `script` runs; then stops them
/// and returns the values they predict.
fn with_appenders(
    tester: &Tester,
    keys: &[String],
    values: Vec<String>,
    length: usize,
    pause: Duration,
    script: impl FnOnce(),
) -> Vec<String> {
    let done = AtomicBool::new(false);
    thread::scope(|scope| {
        let appenders: Vec<_> = keys
            .iter()
            .zip(values)
            .map(|(key, mut value)| {
                let done = &done;
                scope.spawn(format!("appender-{key}"), move || {
                    let clerk = tester.make_clerk();
                    while !done.load(Ordering::Relaxed) {
                        let extra = random_value(&tester.network, length);
                        tester.append(&clerk, key, &extra);
                        value.push_str(&extra);
                        thread::sleep(pause);
                    }
                    value
                })
            })
            .collect();
        script();
        done.store(true, Ordering::Relaxed);
        appenders
            .into_iter()
            .map(|appender| {
                appender
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// A random pause below `bound`, from the network's seeded RNG.
fn random_pause(tester: &Tester, bound: Duration) -> Duration {
    let millis = bound.as_millis() as u64;
    Duration::from_millis(tester.network.with_rng(|rng| rng.gen_range(0..millis)))
}

#[test]
fn join_leave_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "join_leave_5b", false, None);
        let clerk = tester.make_clerk();
        tester.stages.begin("join then leave");
        tester.join(0);
        let (keys, mut values) = put_keys(&tester, &clerk, 10, 5);
        check_all(&tester, &clerk, &keys, &values);
        let first = tester.query();
        tester.join(1);
        check_and_append(&tester, &clerk, &keys, &mut values, 5);
        let joined = tester.query();
        tester.leave(0);
        check_and_append(&tester, &clerk, &keys, &mut values, 5);
        let left = tester.query();

        // Allow time for shards to transfer.
        thread::sleep(TRANSFER_WAIT);
        tester.check_logs();

        // Only the shards that changed owner moved: join 1 takes 5 from group 100, leave 0
        // gives group 101 the other 5.
        let changed = |before: &shardkv::Config, after: &shardkv::Config| {
            (0..NSHARDS)
                .filter(|&s| before.shards[s] != after.shards[s])
                .count() as u64
        };
        let expected = changed(&first, &joined) + changed(&joined, &left);
        let (shards, bytes) = tester.migrated();
        println!(
            "  ... migrated {shards} shards ({expected} changed owner), {bytes} bytes of shard data"
        );
        assert_eq!(
            shards, expected,
            "migration moved shards that did not change owner"
        );

        tester.crash_group(0);
        check_all(&tester, &clerk, &keys, &values);
        tester.stages.end();
    });
}

#[test]
fn snapshot_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "snapshot_5b", false, Some(1000));
        let clerk = tester.make_clerk();
        tester.stages.begin("snapshots, join, and leave");
        tester.join(0);
        let (keys, mut values) = put_keys(&tester, &clerk, 30, 20);
        check_all(&tester, &clerk, &keys, &values);
        tester.join(1);
        tester.join(2);
        tester.leave(0);
        check_and_append(&tester, &clerk, &keys, &mut values, 20);
        tester.leave(1);
        tester.join(0);
        check_and_append(&tester, &clerk, &keys, &mut values, 20);
        thread::sleep(TRANSFER_WAIT);
        check_all(&tester, &clerk, &keys, &values);
        thread::sleep(TRANSFER_WAIT);
        tester.check_logs();
        for gi in 0..3 {
            tester.crash_group(gi);
        }
        for gi in 0..3 {
            tester.restart_group(gi);
        }
        check_all(&tester, &clerk, &keys, &values);
        tester.stages.end();
    });
}

#[test]
fn miss_change_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "miss_change_5b", false, Some(1000));
        let clerk = tester.make_clerk();
        tester.stages.begin("servers miss configuration changes");
        tester.join(0);
        let (keys, mut values) = put_keys(&tester, &clerk, 10, 20);
        check_all(&tester, &clerk, &keys, &values);
        tester.join(1);
        for gi in 0..3 {
            tester.crash(gi, 0);
        }
        tester.join(2);
        tester.leave(1);
        tester.leave(0);
        check_and_append(&tester, &clerk, &keys, &mut values, 20);
        tester.join(1);
        check_and_append(&tester, &clerk, &keys, &mut values, 20);
        for gi in 0..3 {
            tester.restart(gi, 0);
        }
        check_and_append(&tester, &clerk, &keys, &mut values, 20);
        thread::sleep(2 * TRANSFER_WAIT);
        for gi in 0..3 {
            tester.crash(gi, 1);
        }
        tester.join(0);
        tester.leave(2);
        check_and_append(&tester, &clerk, &keys, &mut values, 20);
        for gi in 0..3 {
            tester.restart(gi, 1);
        }
        check_all(&tester, &clerk, &keys, &values);
        tester.stages.end();
    });
}

#[test]
fn concurrent1_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "concurrent1_5b", false, Some(100));
        let clerk = tester.make_clerk();
        tester
            .stages
            .begin("concurrent puts and configuration changes");
        tester.join(0);
        let (keys, values) = put_keys(&tester, &clerk, 10, 5);
        let values = with_appenders(&tester, &keys, values, 5, Duration::from_millis(10), || {
            thread::sleep(Duration::from_millis(150));
            tester.join(1);
            thread::sleep(Duration::from_millis(500));
            tester.join(2);
            thread::sleep(Duration::from_millis(500));
            tester.leave(0);
            tester.crash_group(0);
            thread::sleep(Duration::from_millis(100));
            tester.crash_group(1);
            thread::sleep(Duration::from_millis(100));
            tester.crash_group(2);
            tester.leave(2);
            thread::sleep(Duration::from_millis(100));
            for gi in 0..3 {
                tester.restart_group(gi);
            }
            thread::sleep(Duration::from_millis(100));
            tester.join(0);
            tester.leave(1);
            thread::sleep(Duration::from_millis(500));
            tester.join(1);
            thread::sleep(Duration::from_secs(1));
        });
        check_all(&tester, &clerk, &keys, &values);
        tester.check_linearizable();
        tester.stages.end();
    });
}

/// The various sources from which a restarting group may need to fetch shards.
#[test]
fn concurrent2_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "concurrent2_5b", false, None);
        let clerk = tester.make_clerk();
        tester
            .stages
            .begin("more concurrent puts and configuration changes");
        tester.join(1);
        tester.join(0);
        tester.join(2);
        let (keys, values) = put_keys(&tester, &clerk, 10, 1);
        let values = with_appenders(&tester, &keys, values, 1, Duration::from_millis(50), || {
            let cycle = Duration::from_secs(3);
            tester.leave(0);
            tester.leave(2);
            thread::sleep(cycle);
            tester.join(0);
            tester.join(2);
            tester.leave(1);
            thread::sleep(cycle);
            tester.join(1);
            tester.leave(0);
            tester.leave(2);
            thread::sleep(cycle);
            tester.crash_group(1);
            tester.crash_group(2);
            thread::sleep(Duration::from_secs(1));
            tester.restart_group(1);
            tester.restart_group(2);
            thread::sleep(Duration::from_secs(2));
        });
        check_all(&tester, &clerk, &keys, &values);
        tester.check_linearizable();
        tester.stages.end();
    });
}

#[test]
fn concurrent3_5b() {
    labsim::run(|| {
        const SCRIPT_TIME: Duration = Duration::from_secs(12);
        const MAX_PAUSE: Duration = Duration::from_millis(900);
        let tester = Tester::new("5B", "concurrent3_5b", false, Some(300));
        let clerk = tester.make_clerk();
        tester
            .stages
            .begin("concurrent configuration change and restart");
        tester.join(0);
        let (keys, values) = put_keys(&tester, &clerk, 10, 1);
        let values = with_appenders(&tester, &keys, values, 1, Duration::ZERO, || {
            let started = Instant::now();
            while started.elapsed() < SCRIPT_TIME {
                tester.join(2);
                tester.join(1);
                thread::sleep(random_pause(&tester, MAX_PAUSE));
                for gi in 0..3 {
                    tester.crash_group(gi);
                }
                for gi in 0..3 {
                    tester.restart_group(gi);
                }
                thread::sleep(random_pause(&tester, MAX_PAUSE));
                tester.leave(1);
                tester.leave(2);
                thread::sleep(random_pause(&tester, MAX_PAUSE));
            }
            thread::sleep(Duration::from_secs(2));
        });
        check_all(&tester, &clerk, &keys, &values);
        tester.check_linearizable();
        tester.stages.end();
    });
}

#[test]
fn unreliable1_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "unreliable1_5b", true, Some(100));
        let clerk = tester.make_clerk();
        tester.stages.begin("unreliable 1");
        tester.join(0);
        let (keys, mut values) = put_keys(&tester, &clerk, 10, 5);
        tester.join(1);
        tester.join(2);
        tester.leave(0);
        for round in 0..keys.len() * 2 {
            let i = round % keys.len();
            tester.check(&clerk, &keys[i], &values[i]);
            let extra = random_value(&tester.network, 5);
            tester.append(&clerk, &keys[i], &extra);
            values[i].push_str(&extra);
        }
        tester.join(0);
        tester.leave(1);
        for round in 0..keys.len() * 2 {
            let i = round % keys.len();
            tester.check(&clerk, &keys[i], &values[i]);
        }
        tester.check_linearizable();
        tester.stages.end();
    });
}

/// The configuration changes of unreliable 2 and 3, with the network made reliable again
/// at the end so that the final checks finish.
fn unreliable_script(tester: &Tester) {
    let step = Duration::from_millis(500);
    thread::sleep(Duration::from_millis(150));
    tester.join(1);
    thread::sleep(step);
    tester.join(2);
    thread::sleep(step);
    tester.leave(0);
    thread::sleep(step);
    tester.leave(1);
    thread::sleep(step);
    tester.join(1);
    tester.join(0);
    thread::sleep(Duration::from_secs(2));
}

#[test]
fn unreliable2_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "unreliable2_5b", true, Some(100));
        let clerk = tester.make_clerk();
        tester.stages.begin("unreliable 2");
        tester.join(0);
        let (keys, values) = put_keys(&tester, &clerk, 10, 5);
        let values = with_appenders(&tester, &keys, values, 5, Duration::ZERO, || {
            unreliable_script(&tester);
            tester.network.set_reliable(true);
        });
        check_all(&tester, &clerk, &keys, &values);
        tester.check_linearizable();
        tester.stages.end();
    });
}

/// Clients do random Gets, Puts and Appends on 10 keys while the configuration changes;
/// the history must be linearizable.
#[test]
fn unreliable3_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "unreliable3_5b", true, Some(100));
        let clerk = tester.make_clerk();
        tester.stages.begin("unreliable 3");
        tester.join(0);
        let (keys, _) = put_keys(&tester, &clerk, 10, 5);
        let done = AtomicBool::new(false);
        thread::scope(|scope| {
            for client in 0..keys.len() {
                let (tester, keys, done) = (&tester, &keys, &done);
                scope.spawn(format!("client-{client}"), move || {
                    let own = tester.make_clerk();
                    while !done.load(Ordering::Relaxed) {
                        let (key, draw, put_draw) = tester.network.with_rng(|rng| {
                            (
                                rng.gen_range(0..keys.len()),
                                rng.gen_range(0..1000),
                                rng.gen_range(0..1000),
                            )
                        });
                        let value = random_value(&tester.network, 5);
                        if draw < 500 {
                            tester.append(&own, &keys[key], &value);
                        } else if put_draw < 100 {
                            tester.put(&own, &keys[key], &value);
                        } else {
                            tester.get(&own, &keys[key]);
                        }
                    }
                });
            }
            unreliable_script(&tester);
            done.store(true, Ordering::Relaxed);
            tester.network.set_reliable(true);
        });
        tester.check_linearizable();
        tester.stages.end();
    });
}

/// Old shards must be deleted: with a snapshot after every entry, what all nine servers
/// persist must stay near one copy of the data per replica.
#[test]
fn challenge1_delete_5b() {
    labsim::run(|| {
        const KEYS: usize = 30;
        const VALUE_LENGTH: usize = 1000;
        const PAUSE: Duration = Duration::from_secs(3);
        let tester = Tester::new("5B", "challenge1_delete_5b", false, Some(1));
        let clerk = tester.make_clerk();
        tester.stages.begin("shard deletion (challenge 1)");
        tester.join(0);
        let (keys, values) = put_keys(&tester, &clerk, KEYS, VALUE_LENGTH);
        let check_first_three = || check_all(&tester, &clerk, &keys[..3], &values[..3]);
        check_first_three();
        for _ in 0..2 {
            tester.join(1);
            tester.leave(0);
            tester.join(2);
            thread::sleep(PAUSE);
            check_first_three();
            tester.leave(1);
            tester.join(0);
            tester.leave(2);
            thread::sleep(PAUSE);
            check_first_three();
        }
        tester.join(1);
        tester.join(2);
        for _ in 0..3 {
            thread::sleep(Duration::from_secs(1));
            check_first_three();
        }
        let total = tester.total_persisted_bytes();
        // 27 keys stored once, 3 keys also in client duplicate tables, on 3 replicas, plus slop.
        let bound = 3 * ((KEYS - 3) * VALUE_LENGTH + 2 * 3 * VALUE_LENGTH + 6000);
        println!("  ... persisted {total} bytes over all servers (bound {bound})");
        assert!(
            total <= bound,
            "snapshot + persisted Raft state are too big: {total} > {bound}"
        );
        check_all(&tester, &clerk, &keys, &values);
        tester.stages.end();
    });
}

/// Shards a group already owned stay available while it cannot fetch the shards a change
/// gave it from a dead group.
#[test]
fn challenge2_unaffected_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "challenge2_unaffected_5b", true, Some(100));
        let clerk = tester.make_clerk();
        tester.stages.begin("unaffected shard access (challenge 2)");
        tester.join(0);
        let keys: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let mut values = vec!["100".to_string(); keys.len()];
        for key in &keys {
            tester.put(&clerk, key, "100");
        }
        tester.join(1);
        let config = tester.query();
        let owned: Vec<bool> = (0..NSHARDS)
            .map(|s| config.shards[s] == tester.gid(1))
            .collect();

        // Wait for the migration, and for clients to use the new configuration.
        thread::sleep(Duration::from_secs(1));
        for (i, key) in keys.iter().enumerate() {
            if owned[key_to_shard(key)] {
                values[i] = "101".into();
                tester.put(&clerk, key, "101");
            }
        }
        // Group 101 never gets the chance to fetch group 100's shards.
        tester.crash_group(0);
        tester.leave(0);
        thread::sleep(Duration::from_secs(1));
        for (key, value) in keys.iter().zip(&values) {
            if owned[key_to_shard(key)] {
                tester.check(&clerk, key, value);
                tester.put(&clerk, key, &format!("{value}-1"));
                tester.check(&clerk, key, &format!("{value}-1"));
            }
        }
        tester.stages.end();
    });
}

/// Shards that arrived from a live group are served even though other shards of the same
/// change never arrive from a dead one.
#[test]
fn challenge2_partial_5b() {
    labsim::run(|| {
        let tester = Tester::new("5B", "challenge2_partial_5b", true, Some(100));
        let clerk = tester.make_clerk();
        tester
            .stages
            .begin("partial migration shard access (challenge 2)");
        tester.joinm(&[0, 1, 2]);
        thread::sleep(Duration::from_secs(1));
        let keys: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        for key in &keys {
            tester.put(&clerk, key, "100");
        }
        let config = tester.query();
        let owned: Vec<bool> = (0..NSHARDS)
            .map(|s| config.shards[s] == tester.gid(2))
            .collect();
        // Group 101 can get 102's old shards, but never 100's.
        tester.crash_group(0);
        tester.leavem(&[0, 2]);
        thread::sleep(Duration::from_secs(1));
        for key in &keys {
            if owned[key_to_shard(key)] {
                tester.check(&clerk, key, "100");
                tester.put(&clerk, key, "100-2");
                tester.check(&clerk, key, "100-2");
            }
        }
        tester.stages.end();
    });
}
