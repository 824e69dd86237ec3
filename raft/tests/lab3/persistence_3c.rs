//! Part 3C: persistence (reference section 4.3). Restarts use `restart` (the course's
//! `start1`); the Figure 8 test crashes with `crash` (the course's `crash1`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use labsim::thread::sleep;

use crate::tester::{command, command_value, Config, Spec, RAFT_ELECTION_TIMEOUT};

fn spec(test: &'static str, title: &'static str, servers: usize, unreliable: bool) -> Spec {
    Spec {
        part: "3C",
        test,
        title,
        servers,
        unreliable,
        snapshots: false,
    }
}

#[test]
fn persist1_3c() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec("persist1_3c", "basic persistence", servers, false));

        cfg.one(&command(11), servers, true);

        // Crash and restart all.
        for peer in 0..servers {
            cfg.restart(peer);
        }
        for peer in 0..servers {
            cfg.disconnect(peer);
            cfg.connect(peer);
        }

        cfg.one(&command(12), servers, true);

        let leader1 = cfg.check_one_leader();
        cfg.disconnect(leader1);
        cfg.restart(leader1);
        cfg.connect(leader1);

        cfg.one(&command(13), servers, true);

        let leader2 = cfg.check_one_leader();
        cfg.disconnect(leader2);
        cfg.one(&command(14), servers - 1, true);
        cfg.restart(leader2);
        cfg.connect(leader2);

        // Wait for leader2 to join before killing i3.
        cfg.wait(4, servers, None);

        let i3 = (cfg.check_one_leader() + 1) % servers;
        cfg.disconnect(i3);
        cfg.one(&command(15), servers - 1, true);
        cfg.restart(i3);
        cfg.connect(i3);

        cfg.one(&command(16), servers, true);
        cfg.end();
    });
}

#[test]
fn persist2_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec("persist2_3c", "more persistence", servers, false));

        let mut index = 1;
        for _ in 0..5 {
            cfg.one(&command(10 + index), servers, true);
            index += 1;

            let leader1 = cfg.check_one_leader();

            cfg.disconnect((leader1 + 1) % servers);
            cfg.disconnect((leader1 + 2) % servers);

            cfg.one(&command(10 + index), servers - 2, true);
            index += 1;

            cfg.disconnect(leader1);
            cfg.disconnect((leader1 + 3) % servers);
            cfg.disconnect((leader1 + 4) % servers);

            cfg.restart((leader1 + 1) % servers);
            cfg.restart((leader1 + 2) % servers);
            cfg.connect((leader1 + 1) % servers);
            cfg.connect((leader1 + 2) % servers);

            sleep(RAFT_ELECTION_TIMEOUT);

            cfg.restart((leader1 + 3) % servers);
            cfg.connect((leader1 + 3) % servers);

            cfg.one(&command(10 + index), servers - 2, true);
            index += 1;

            cfg.connect((leader1 + 4) % servers);
            cfg.connect(leader1);
        }

        cfg.one(&command(1000), servers, true);
        cfg.end();
    });
}

#[test]
fn persist3_3c() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec(
            "persist3_3c",
            "partitioned leader and one follower crash, leader restarts",
            servers,
            false,
        ));

        cfg.one(&command(101), 3, true);

        let leader = cfg.check_one_leader();
        cfg.disconnect((leader + 2) % servers);

        cfg.one(&command(102), 2, true);

        cfg.crash(leader);
        cfg.crash((leader + 1) % servers);
        cfg.connect((leader + 2) % servers);
        cfg.restart(leader);
        cfg.connect(leader);

        cfg.one(&command(103), 2, true);

        cfg.restart((leader + 1) % servers);
        cfg.connect((leader + 1) % servers);

        cfg.one(&command(104), servers, true);
        cfg.end();
    });
}

/// A pause between Figure 8 steps: mostly 0-12 ms, and 10 % of the time up to half an
/// election timeout, so that sometimes a new leader is elected before the next crash.
fn figure8_pause(cfg: &Config) -> Duration {
    let half_timeout = RAFT_ELECTION_TIMEOUT.as_millis() as u64 / 2;
    if cfg.random_below(1000) < 100 {
        Duration::from_millis(cfg.random_below(half_timeout))
    } else {
        Duration::from_millis(cfg.random_below(13))
    }
}

/// Test the scenarios described in Figure 8 of the extended Raft paper. Each iteration asks
/// a leader, if there is one, to insert a command in the Raft log. If there is a leader,
/// that leader will fail quickly with a high probability (perhaps without committing the
/// command), or crash after a while with low probability (most likely committing the
/// command). If the number of alive servers isn't enough to form a majority, perhaps start
/// a new server. The leader in a new term may try to finish replicating log entries that
/// haven't been committed yet.
#[test]
fn figure8_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec("figure8_3c", "Figure 8", servers, false));

        cfg.one(&cfg.random_command(), 1, true);

        let mut up = servers;
        for _ in 0..1000 {
            let mut leader = None;
            for peer in 0..servers {
                if cfg.start(peer, cfg.random_command()).is_some() {
                    leader = Some(peer);
                }
            }

            sleep(figure8_pause(&cfg));

            if let Some(leader) = leader {
                cfg.crash(leader);
                up -= 1;
            }

            if up < 3 {
                let peer = cfg.random_below(servers as u64) as usize;
                if cfg.raft(peer).is_none() {
                    cfg.restart(peer);
                    cfg.connect(peer);
                    up += 1;
                }
            }
        }

        for peer in 0..servers {
            if cfg.raft(peer).is_none() {
                cfg.restart(peer);
                cfg.connect(peer);
            }
        }

        cfg.one(&cfg.random_command(), servers, true);
        cfg.end();
    });
}

#[test]
fn unreliable_agree_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec(
            "unreliable_agree_3c",
            "unreliable agreement",
            servers,
            true,
        ));

        labsim::thread::scope(|scope| {
            for iteration in 1..50 {
                for j in 0..4 {
                    let cfg = &cfg;
                    scope.spawn(format!("client-{iteration}-{j}"), move || {
                        cfg.one(&command(100 * iteration + j), 1, true)
                    });
                }
                cfg.one(&command(iteration), 1, true);
            }

            cfg.set_unreliable(false);
            // The scope waits for the concurrent one()s.
        });

        cfg.one(&command(100), servers, true);
        cfg.end();
    });
}

#[test]
fn figure8_unreliable_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec(
            "figure8_unreliable_3c",
            "Figure 8 (unreliable)",
            servers,
            true,
        ));

        cfg.one(&command(cfg.random_below(10_000)), 1, true);

        let mut up = servers;
        for iteration in 0..1000 {
            if iteration == 200 {
                cfg.set_long_reordering(true);
            }
            let mut leader = None;
            for peer in 0..servers {
                let accepted = cfg.start(peer, command(cfg.random_below(10_000))).is_some();
                if accepted && cfg.is_connected(peer) {
                    leader = Some(peer);
                }
            }

            sleep(figure8_pause(&cfg));

            let half_timeout = RAFT_ELECTION_TIMEOUT.as_millis() as u64 / 2;
            if let Some(leader) = leader {
                if cfg.random_below(1000) < half_timeout {
                    cfg.disconnect(leader);
                    up -= 1;
                }
            }

            if up < 3 {
                let peer = cfg.random_below(servers as u64) as usize;
                if !cfg.is_connected(peer) {
                    cfg.connect(peer);
                    up += 1;
                }
            }
        }

        for peer in 0..servers {
            if !cfg.is_connected(peer) {
                cfg.connect(peer);
            }
        }

        cfg.one(&command(cfg.random_below(10_000)), servers, true);
        cfg.end();
    });
}

/// How long a churn client waits, in turn, for its accepted command to commit.
const CHURN_COMMIT_POLLS: [u64; 5] = [10, 20, 50, 100, 200];

/// A churn client: keeps offering random commands to every peer and returns those it saw
/// committed, until `stop` is set.
fn churn_client(cfg: &Config, me: u64, stop: &AtomicBool) -> Vec<u64> {
    let mut values = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let x = cfg.random();
        let mut accepted = None;
        for peer in 0..cfg.n() {
            // Try them all; maybe one of them is a leader.
            if let Some((index, _)) = cfg.start(peer, command(x)) {
                accepted = Some(index);
            }
        }
        let Some(index) = accepted else {
            sleep(Duration::from_millis(79 + me * 17));
            continue;
        };
        // Maybe the leader will commit our value, maybe not; but don't wait forever.
        for pause in CHURN_COMMIT_POLLS {
            let (count, value) = cfg.n_committed(index);
            if count > 0 {
                if value.is_some_and(|value| command_value(&value) == x) {
                    values.push(x);
                }
                break;
            }
            sleep(Duration::from_millis(pause));
        }
    }
    values
}

fn internal_churn(cfg: &Config, servers: usize) {
    let stop = AtomicBool::new(false);
    let values: Vec<u64> = labsim::thread::scope(|scope| {
        let clients: Vec<_> = (0..3)
            .map(|me| {
                let stop = &stop;
                scope.spawn(format!("churn-client-{me}"), move || {
                    churn_client(cfg, me, stop)
                })
            })
            .collect();

        for _ in 0..20 {
            if cfg.random_below(1000) < 200 {
                let peer = cfg.random_below(servers as u64) as usize;
                cfg.disconnect(peer);
            }

            if cfg.random_below(1000) < 500 {
                let peer = cfg.random_below(servers as u64) as usize;
                if cfg.raft(peer).is_none() {
                    cfg.restart(peer);
                }
                cfg.connect(peer);
            }

            if cfg.random_below(1000) < 200 {
                let peer = cfg.random_below(servers as u64) as usize;
                if cfg.raft(peer).is_some() {
                    cfg.crash(peer);
                }
            }

            // Make crash/restart infrequent enough that the peers can often keep up, but not
            // so infrequent that everything has settled down from one change to the next.
            // Pick a value smaller than the election timeout, but not hugely smaller.
            sleep(RAFT_ELECTION_TIMEOUT * 7 / 10);
        }

        sleep(RAFT_ELECTION_TIMEOUT);
        cfg.set_unreliable(false);
        for peer in 0..servers {
            if cfg.raft(peer).is_none() {
                cfg.restart(peer);
            }
            cfg.connect(peer);
        }

        stop.store(true, Ordering::SeqCst);
        clients
            .into_iter()
            .flat_map(|client| client.join().expect("client failed"))
            .collect()
    });

    sleep(RAFT_ELECTION_TIMEOUT);

    let last_index = cfg.one(&cfg.random_command(), servers, true);

    let mut really = Vec::new();
    for index in 1..=last_index {
        let value = cfg
            .wait(index, servers, None)
            .expect("no term was given, so wait returns a value");
        really.push(command_value(&value));
    }

    for value in values {
        assert!(really.contains(&value), "didn't find a value");
    }
}

#[test]
fn reliable_churn_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec("reliable_churn_3c", "churn", servers, false));
        internal_churn(&cfg, servers);
        cfg.end();
    });
}

#[test]
fn unreliable_churn_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec(
            "unreliable_churn_3c",
            "unreliable churn",
            servers,
            true,
        ));
        internal_churn(&cfg, servers);
        cfg.end();
    });
}
