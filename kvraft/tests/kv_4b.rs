//! Part 4B: the key/value service with snapshots (maxraftstate 1000).
//!
//! Every test body runs inside `labsim::run`: on real threads and the real clock by default,
//! as one deterministic simulation in virtual time under `LAB_SIM=1` (`make test-sim`), where
//! the banner's seed replays the run exactly (`LAB_SIM=1 LAB_SEED=<seed>`). The tests, their
//! bounds and the linearizability check are the same in both modes; in simulation the bounds
//! hold in virtual time and the history's times are virtual.

mod replay;
mod tester;

use labsim::thread;

use tester::generic::Generic;
use tester::{Config, Spec, ELECTION_TIMEOUT};

const MAX_RAFT_STATE: usize = 1000;

/// The 4B cluster of the test named `test`: servers snapshotting at [`MAX_RAFT_STATE`]; the
/// caller's struct literal turns on the rest.
fn spec(test: &'static str) -> Spec {
    Spec {
        part: "4B",
        test,
        max_raft_state: Some(MAX_RAFT_STATE),
        ..Spec::default()
    }
}

/// A server cut off while the others snapshot must be brought up to date by InstallSnapshot.
#[test]
fn snapshot_rpc_4b() {
    labsim::run(|| {
        let config = Config::new(Spec {
            servers: 3,
            ..spec("snapshot_rpc_4b")
        });
        let clerk = config.make_clerk(&config.all());
        config.begin("InstallSnapshot RPC (4B)");
        config.put(&clerk, 0, "a", "A");
        config.check(&clerk, 0, "a", "A");

        // A bunch of puts into the majority partition.
        config.partition(&[0, 1], &[2]);
        let majority = config.make_clerk(&[0, 1]);
        for i in 0..50 {
            config.put(&majority, 1, &i.to_string(), &i.to_string());
        }
        thread::sleep(ELECTION_TIMEOUT);
        config.put(&majority, 1, "b", "B");

        // Has the majority thrown away most of its log?
        config.check_log_sizes();

        // A majority that needs the lagging server, so it has to catch up.
        config.partition(&[0, 2], &[1]);
        let catching_up = config.make_clerk(&[0, 2]);
        config.put(&catching_up, 2, "c", "C");
        config.put(&catching_up, 2, "d", "D");
        config.check(&catching_up, 2, "a", "A");
        config.check(&catching_up, 2, "b", "B");
        config.check(&catching_up, 2, "1", "1");
        config.check(&catching_up, 2, "49", "49");

        // Now everybody.
        config.partition(&[0, 1, 2], &[]);
        config.put(&clerk, 0, "e", "E");
        config.check(&clerk, 0, "c", "C");
        config.check(&clerk, 0, "e", "E");
        config.check(&clerk, 0, "1", "1");
        config.end();
    });
}

/// 800 operations on one key: logs stay trimmed and the snapshot stays small.
#[test]
fn snapshot_size_4b() {
    labsim::run(|| {
        const MAX_SNAPSHOT_STATE: usize = 500;
        let config = Config::new(Spec {
            servers: 3,
            ..spec("snapshot_size_4b")
        });
        let clerk = config.make_clerk(&config.all());
        config.begin("snapshot size is reasonable (4B)");
        for _ in 0..200 {
            config.put(&clerk, 0, "x", "0");
            config.check(&clerk, 0, "x", "0");
            config.put(&clerk, 0, "x", "1");
            config.check(&clerk, 0, "x", "1");
        }
        config.check_log_sizes();
        let snapshot = config.snapshot_size();
        assert!(
            snapshot <= MAX_SNAPSHOT_STATE,
            "snapshot too large ({snapshot} > {MAX_SNAPSHOT_STATE})"
        );
        config.end();
    });
}

#[test]
fn speed_4b() {
    labsim::run(|| {
        let config = Config::new(Spec {
            servers: 3,
            ..spec("speed_4b")
        });
        tester::speed(&config, "4B");
    });
}

#[test]
fn snapshot_recover_4b() {
    labsim::run(|| {
        Generic {
            clients: 1,
            crash: true,
            cluster: spec("snapshot_recover_4b"),
            ..Generic::default()
        }
        .run();
    });
}

#[test]
fn snapshot_recover_many_clients_4b() {
    labsim::run(|| {
        Generic {
            clients: 20,
            crash: true,
            cluster: spec("snapshot_recover_many_clients_4b"),
            ..Generic::default()
        }
        .run();
    });
}

#[test]
fn snapshot_unreliable_4b() {
    labsim::run(|| {
        Generic {
            clients: 5,
            cluster: Spec {
                unreliable: true,
                ..spec("snapshot_unreliable_4b")
            },
            ..Generic::default()
        }
        .run();
    });
}

#[test]
fn snapshot_unreliable_recover_4b() {
    labsim::run(|| {
        Generic {
            clients: 5,
            crash: true,
            cluster: Spec {
                unreliable: true,
                ..spec("snapshot_unreliable_recover_4b")
            },
            ..Generic::default()
        }
        .run();
    });
}

#[test]
fn snapshot_unreliable_recover_concurrent_partition_4b() {
    labsim::run(|| {
        Generic {
            clients: 5,
            crash: true,
            partitions: true,
            cluster: Spec {
                unreliable: true,
                ..spec("snapshot_unreliable_recover_concurrent_partition_4b")
            },
            ..Generic::default()
        }
        .run();
    });
}

#[test]
fn snapshot_unreliable_recover_concurrent_partition_linearizable_4b() {
    labsim::run(|| {
        Generic {
            clients: 15,
            crash: true,
            partitions: true,
            random_keys: true,
            cluster: Spec {
                servers: 7,
                unreliable: true,
                ..spec("snapshot_unreliable_recover_concurrent_partition_linearizable_4b")
            },
        }
        .run();
    });
}
