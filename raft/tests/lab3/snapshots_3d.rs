//! Part 3D: log compaction (reference section 4.3), with the snapshot applier.

use crate::tester::{Config, Spec, SNAPSHOT_INTERVAL};

fn spec(test: &'static str, title: &'static str, reliable: bool) -> Spec {
    Spec {
        part: "3D",
        test,
        title,
        servers: 3,
        unreliable: !reliable,
        snapshots: true,
    }
}

/// Enough commands to perhaps get a snapshot: 5 to 14.
fn commands_for_a_snapshot(cfg: &Config) -> u64 {
    SNAPSHOT_INTERVAL / 2 + cfg.random_below(SNAPSHOT_INTERVAL)
}

/// The common body of the snapshot tests: 30 iterations, each optionally disconnecting or
/// crashing a victim (a follower, or on every third iteration the leader), sending a burst of
/// commands, checking the log stays small, and bringing the victim back.
fn snap_common(cfg: &Config, disconnect: bool, crash: bool) {
    let iterations = 30;
    let servers = cfg.n();

    cfg.one(&cfg.random_command(), servers, true);
    let mut leader1 = cfg.check_one_leader();

    for i in 0..iterations {
        let mut victim = (leader1 + 1) % servers;
        let mut sender = leader1;
        if i % 3 == 1 {
            sender = (leader1 + 1) % servers;
            victim = leader1;
        }

        if disconnect {
            cfg.disconnect(victim);
            cfg.one(&cfg.random_command(), servers - 1, true);
        }
        if crash {
            cfg.crash(victim);
            cfg.one(&cfg.random_command(), servers - 1, true);
        }

        // Perhaps send enough to get a snapshot.
        for _ in 0..commands_for_a_snapshot(cfg) {
            cfg.start(sender, cfg.random_command());
        }

        // Let the applier threads catch up with the Start()s.
        if !disconnect && !crash {
            // Make sure all followers have caught up, so that an InstallSnapshot RPC isn't
            // required for the basic test.
            cfg.one(&cfg.random_command(), servers, true);
        } else {
            cfg.one(&cfg.random_command(), servers - 1, true);
        }

        cfg.check_log_size();

        if disconnect {
            // Reconnect a follower, who may be behind and need a snapshot to catch up.
            cfg.connect(victim);
            cfg.one(&cfg.random_command(), servers, true);
            leader1 = cfg.check_one_leader();
        }
        if crash {
            cfg.restart(victim);
            cfg.connect(victim);
            cfg.one(&cfg.random_command(), servers, true);
            leader1 = cfg.check_one_leader();
        }
    }
}

#[test]
fn snapshot_basic_3d() {
    labsim::run(|| {
        let cfg = Config::new(spec("snapshot_basic_3d", "snapshots basic", true));
        snap_common(&cfg, false, false);
        cfg.end();
    });
}

#[test]
fn snapshot_install_3d() {
    labsim::run(|| {
        let cfg = Config::new(spec(
            "snapshot_install_3d",
            "install snapshots (disconnect)",
            true,
        ));
        snap_common(&cfg, true, false);
        cfg.end();
    });
}

#[test]
fn snapshot_install_unreliable_3d() {
    labsim::run(|| {
        let cfg = Config::new(spec(
            "snapshot_install_unreliable_3d",
            "install snapshots (disconnect+unreliable)",
            false,
        ));
        snap_common(&cfg, true, false);
        cfg.end();
    });
}

#[test]
fn snapshot_install_crash_3d() {
    labsim::run(|| {
        let cfg = Config::new(spec(
            "snapshot_install_crash_3d",
            "install snapshots (crash)",
            true,
        ));
        snap_common(&cfg, false, true);
        cfg.end();
    });
}

#[test]
fn snapshot_install_uncrash_3d() {
    labsim::run(|| {
        let cfg = Config::new(spec(
            "snapshot_install_uncrash_3d",
            "install snapshots (unreliable+crash)",
            false,
        ));
        snap_common(&cfg, false, true);
        cfg.end();
    });
}

/// Do all servers persist their snapshots, and restart correctly from them?
#[test]
fn snapshot_all_crash_3d() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec(
            "snapshot_all_crash_3d",
            "crash and restart all servers",
            true,
        ));

        cfg.one(&cfg.random_command(), servers, true);

        for _ in 0..5 {
            // Perhaps enough to get a snapshot.
            for _ in 0..commands_for_a_snapshot(&cfg) {
                cfg.one(&cfg.random_command(), servers, true);
            }

            let index1 = cfg.one(&cfg.random_command(), servers, true);

            // Crash all.
            for peer in 0..servers {
                cfg.crash(peer);
            }

            // Revive all.
            for peer in 0..servers {
                cfg.restart(peer);
                cfg.connect(peer);
            }

            let index2 = cfg.one(&cfg.random_command(), servers, true);
            assert!(index2 > index1, "index decreased from {index1} to {index2}");
        }
        cfg.end();
    });
}

/// Do servers correctly initialize their in-memory copy of the snapshot, making sure that
/// future writes to persistent state don't lose state?
#[test]
fn snapshot_init_3d() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec(
            "snapshot_init_3d",
            "snapshot initialization after crash",
            true,
        ));

        cfg.one(&cfg.random_command(), servers, true);

        // Enough ops to make a snapshot.
        for _ in 0..SNAPSHOT_INTERVAL + 1 {
            cfg.one(&cfg.random_command(), servers, true);
        }

        // Crash all, and revive all.
        for peer in 0..servers {
            cfg.crash(peer);
        }
        for peer in 0..servers {
            cfg.restart(peer);
            cfg.connect(peer);
        }

        // A single op, to get something written back to persistent storage.
        cfg.one(&cfg.random_command(), servers, true);

        // Crash all, and revive all, again.
        for peer in 0..servers {
            cfg.crash(peer);
        }
        for peer in 0..servers {
            cfg.restart(peer);
            cfg.connect(peer);
        }

        // Another op, to trigger a potential bug.
        cfg.one(&cfg.random_command(), servers, true);
        cfg.end();
    });
}
