//! Part 3B: log replication (reference section 4.3).

use std::time::Duration;

use labsim::thread::sleep;

use crate::tester::{command, command_value, text_command, Config, Spec, RAFT_ELECTION_TIMEOUT};

fn spec(test: &'static str, title: &'static str, servers: usize) -> Spec {
    Spec {
        part: "3B",
        test,
        title,
        servers,
        unreliable: false,
        snapshots: false,
    }
}

/// A pause that gives a solution time to settle before a test tries again.
const SETTLE_PAUSE: Duration = Duration::from_secs(3);

#[test]
fn basic_agree_3b() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec("basic_agree_3b", "basic agreement", servers));

        for index in 1..=3 {
            let (count, _) = cfg.n_committed(index);
            assert_eq!(count, 0, "some have committed before Start()");

            let xindex = cfg.one(&command(index * 100), servers, false);
            assert_eq!(xindex, index, "got index {xindex} but expected {index}");
        }
        cfg.end();
    });
}

/// Does each command go to each follower only once?
#[test]
fn rpc_bytes_3b() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec("rpc_bytes_3b", "RPC byte count", servers));

        cfg.one(&command(99), servers, false);
        let bytes0 = cfg.bytes_total();

        let mut sent = 0;
        for index in 2..12 {
            let text = cfg.random_string(5000);
            let xindex = cfg.one(&text_command(&text), servers, false);
            assert_eq!(xindex, index, "got index {xindex} but expected {index}");
            sent += text.len() as u64;
        }

        let got = cfg.bytes_total() - bytes0;
        let expected = servers as u64 * sent;
        // The course's bound; our encoding is smaller than gob's, so it holds with more room.
        assert!(
            got <= expected + 50_000,
            "too many RPC bytes; got {got}, expected {expected}"
        );
        cfg.end();
    });
}

#[test]
fn follower_failure_3b() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec(
            "follower_failure_3b",
            "test progressive failure of followers",
            servers,
        ));

        cfg.one(&command(101), servers, false);

        // Disconnect one follower from the network.
        let leader1 = cfg.check_one_leader();
        cfg.disconnect((leader1 + 1) % servers);

        // The leader and the remaining follower should be able to agree despite the
        // disconnected follower.
        cfg.one(&command(102), servers - 1, false);
        sleep(RAFT_ELECTION_TIMEOUT);
        cfg.one(&command(103), servers - 1, false);

        // Disconnect the remaining follower.
        let leader2 = cfg.check_one_leader();
        cfg.disconnect((leader2 + 1) % servers);
        cfg.disconnect((leader2 + 2) % servers);

        // Submit a command.
        let (index, _) = cfg
            .start(leader2, command(104))
            .expect("leader rejected Start()");
        assert_eq!(index, 4, "expected index 4, got {index}");

        sleep(2 * RAFT_ELECTION_TIMEOUT);

        // Did command 104 commit?
        let (count, _) = cfg.n_committed(index);
        assert_eq!(count, 0, "{count} committed but no majority");
        cfg.end();
    });
}

#[test]
fn leader_failure_3b() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec(
            "leader_failure_3b",
            "test failure of leaders",
            servers,
        ));

        cfg.one(&command(101), servers, false);

        // Disconnect the first leader.
        let leader1 = cfg.check_one_leader();
        cfg.disconnect(leader1);

        // The remaining followers should elect a new leader.
        cfg.one(&command(102), servers - 1, false);
        sleep(RAFT_ELECTION_TIMEOUT);
        cfg.one(&command(103), servers - 1, false);

        // Disconnect the new leader.
        let leader2 = cfg.check_one_leader();
        cfg.disconnect(leader2);

        // Submit a command to each server.
        for peer in 0..servers {
            cfg.start(peer, command(104));
        }

        sleep(2 * RAFT_ELECTION_TIMEOUT);

        // Did command 104 commit?
        let (count, _) = cfg.n_committed(4);
        assert_eq!(count, 0, "{count} committed but no majority");
        cfg.end();
    });
}

/// Do the servers agree after a disconnected follower reconnects?
#[test]
pub(crate) fn fail_agree_3b() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec(
            "fail_agree_3b",
            "agreement after follower reconnects",
            servers,
        ));

        cfg.one(&command(101), servers, false);

        // Disconnect one follower from the network.
        let leader = cfg.check_one_leader();
        cfg.disconnect((leader + 1) % servers);

        // The leader and the remaining follower should be able to agree despite the
        // disconnected follower.
        cfg.one(&command(102), servers - 1, false);
        cfg.one(&command(103), servers - 1, false);
        sleep(RAFT_ELECTION_TIMEOUT);
        cfg.one(&command(104), servers - 1, false);
        cfg.one(&command(105), servers - 1, false);

        // Reconnect.
        cfg.connect((leader + 1) % servers);

        // The full set of servers should preserve previous agreements, and be able to agree on
        // new commands.
        cfg.one(&command(106), servers, true);
        sleep(RAFT_ELECTION_TIMEOUT);
        cfg.one(&command(107), servers, true);
        cfg.end();
    });
}

#[test]
fn fail_no_agree_3b() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec(
            "fail_no_agree_3b",
            "no agreement if too many followers disconnect",
            servers,
        ));

        cfg.one(&command(10), servers, false);

        // 3 of 5 followers disconnect.
        let leader = cfg.check_one_leader();
        cfg.disconnect((leader + 1) % servers);
        cfg.disconnect((leader + 2) % servers);
        cfg.disconnect((leader + 3) % servers);

        let (index, _) = cfg
            .start(leader, command(20))
            .expect("leader rejected Start()");
        assert_eq!(index, 2, "expected index 2, got {index}");

        sleep(2 * RAFT_ELECTION_TIMEOUT);

        let (count, _) = cfg.n_committed(index);
        assert_eq!(count, 0, "{count} committed but no majority");

        // Repair.
        cfg.connect((leader + 1) % servers);
        cfg.connect((leader + 2) % servers);
        cfg.connect((leader + 3) % servers);

        // The disconnected majority may have chosen a leader from among their own ranks,
        // forgetting index 2.
        let leader2 = cfg.check_one_leader();
        let (index2, _) = cfg
            .start(leader2, command(30))
            .expect("leader2 rejected Start()");
        assert!((2..=3).contains(&index2), "unexpected index {index2}");

        cfg.one(&command(1000), servers, true);
        cfg.end();
    });
}

#[test]
fn concurrent_starts_3b() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec("concurrent_starts_3b", "concurrent Start()s", servers));

        let mut success = false;
        'tries: for attempt in 0..5 {
            if attempt > 0 {
                // Give the solution some time to settle.
                sleep(SETTLE_PAUSE);
            }

            let leader = cfg.check_one_leader();
            let Some((_, term)) = cfg.start(leader, command(1)) else {
                // The leader moved on really quickly.
                continue;
            };

            let iterations = 5;
            let indices: Vec<u64> = labsim::thread::scope(|scope| {
                let starts: Vec<_> = (0..iterations)
                    .map(|i| {
                        let cfg = &cfg;
                        scope.spawn(format!("starter-{i}"), move || {
                            match cfg.start(leader, command(100 + i)) {
                                Some((index, term1)) if term1 == term => Some(index),
                                _ => None,
                            }
                        })
                    })
                    .collect();
                starts
                    .into_iter()
                    .filter_map(|start| start.join().unwrap())
                    .collect()
            });

            for peer in 0..servers {
                if cfg
                    .state(peer)
                    .is_some_and(|(peer_term, _)| peer_term != term)
                {
                    // The term changed: we can't expect low RPC counts.
                    continue 'tries;
                }
            }

            let mut values = Vec::new();
            for index in indices {
                match cfg.wait(index, servers, Some(term)) {
                    Some(value) => values.push(command_value(&value)),
                    // Peers have moved on to later terms, so we can't expect all Start()s to
                    // have succeeded.
                    None => continue 'tries,
                }
            }

            for i in 0..iterations {
                let x = 100 + i;
                assert!(values.contains(&x), "cmd {x} missing in {values:?}");
            }

            success = true;
            break;
        }

        assert!(success, "term changed too often");
        cfg.end();
    });
}

#[test]
fn rejoin_3b() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec("rejoin_3b", "rejoin of partitioned leader", servers));

        cfg.one(&command(101), servers, true);

        // Leader network failure.
        let leader1 = cfg.check_one_leader();
        cfg.disconnect(leader1);

        // Make the old leader try to agree on some entries.
        cfg.start(leader1, command(102));
        cfg.start(leader1, command(103));
        cfg.start(leader1, command(104));

        // The new leader commits, also for index 2.
        cfg.one(&command(103), 2, true);

        // New leader network failure.
        let leader2 = cfg.check_one_leader();
        cfg.disconnect(leader2);

        // Old leader connected again.
        cfg.connect(leader1);

        cfg.one(&command(104), 2, true);

        // All together now.
        cfg.connect(leader2);

        cfg.one(&command(105), servers, true);
        cfg.end();
    });
}

#[test]
fn backup_3b() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec(
            "backup_3b",
            "leader backs up quickly over incorrect follower logs",
            servers,
        ));

        cfg.one(&cfg.random_command(), servers, true);

        // Put the leader and one follower in a partition.
        let leader1 = cfg.check_one_leader();
        cfg.disconnect((leader1 + 2) % servers);
        cfg.disconnect((leader1 + 3) % servers);
        cfg.disconnect((leader1 + 4) % servers);

        // Submit lots of commands that won't commit.
        for _ in 0..50 {
            cfg.start(leader1, cfg.random_command());
        }

        sleep(RAFT_ELECTION_TIMEOUT / 2);

        cfg.disconnect(leader1);
        cfg.disconnect((leader1 + 1) % servers);

        // Allow the other partition to recover.
        cfg.connect((leader1 + 2) % servers);
        cfg.connect((leader1 + 3) % servers);
        cfg.connect((leader1 + 4) % servers);

        // Lots of successful commands to the new group.
        for _ in 0..50 {
            cfg.one(&cfg.random_command(), 3, true);
        }

        // Now another partitioned leader and one follower.
        let leader2 = cfg.check_one_leader();
        let mut other = (leader1 + 2) % servers;
        if leader2 == other {
            other = (leader2 + 1) % servers;
        }
        cfg.disconnect(other);

        // Lots more commands that won't commit.
        for _ in 0..50 {
            cfg.start(leader2, cfg.random_command());
        }

        sleep(RAFT_ELECTION_TIMEOUT / 2);

        // Bring the original leader back to life.
        for peer in 0..servers {
            cfg.disconnect(peer);
        }
        cfg.connect(leader1);
        cfg.connect((leader1 + 1) % servers);
        cfg.connect(other);

        // Lots of successful commands to the new group.
        for _ in 0..50 {
            cfg.one(&cfg.random_command(), 3, true);
        }

        // Now everyone.
        for peer in 0..servers {
            cfg.connect(peer);
        }
        cfg.one(&cfg.random_command(), servers, true);
        cfg.end();
    });
}

#[test]
fn count_3b() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec("count_3b", "RPC counts aren't too high", servers));

        let rpcs = || (0..servers).map(|peer| cfg.rpc_count(peer)).sum::<u64>();

        let mut leader = cfg.check_one_leader();

        let mut total1 = rpcs();
        assert!(
            (1..=30).contains(&total1),
            "too many or few RPCs ({total1}) to elect initial leader"
        );

        let mut total2 = 0;
        let mut success = false;
        'tries: for attempt in 0..5 {
            if attempt > 0 {
                // Give the solution some time to settle.
                sleep(SETTLE_PAUSE);
            }

            leader = cfg.check_one_leader();
            total1 = rpcs();

            let iterations = 10;
            let Some((start_index, term)) = cfg.start(leader, command(1)) else {
                // The leader moved on really quickly.
                continue;
            };
            let mut values = Vec::new();
            for i in 1..iterations + 2 {
                let x = cfg.random_below(1 << 31);
                values.push(x);
                match cfg.start(leader, command(x)) {
                    // The term changed while starting, or this is no longer the leader.
                    Some((_, term1)) if term1 != term => continue 'tries,
                    None => continue 'tries,
                    Some((index1, _)) => assert_eq!(start_index + i, index1, "Start() failed"),
                }
            }

            for i in 1..iterations + 1 {
                match cfg.wait(start_index + i, servers, Some(term)) {
                    // The term changed: try again.
                    None => continue 'tries,
                    Some(value) => {
                        let expected = values[(i - 1) as usize];
                        assert_eq!(
                            command_value(&value),
                            expected,
                            "wrong value committed for index {}; expected {values:?}",
                            start_index + i
                        );
                    }
                }
            }

            let mut failed = false;
            total2 = 0;
            for peer in 0..servers {
                if cfg
                    .state(peer)
                    .is_some_and(|(peer_term, _)| peer_term != term)
                {
                    // The term changed: can't expect low RPC counts. Keep going to update total2.
                    failed = true;
                }
                total2 += cfg.rpc_count(peer);
            }
            if failed {
                continue;
            }

            let used = total2 - total1;
            assert!(
                used <= (iterations + 1 + 3) * 3,
                "too many RPCs ({used}) for {iterations} entries"
            );

            success = true;
            break;
        }

        assert!(success, "term changed too often");

        sleep(RAFT_ELECTION_TIMEOUT);

        let total3: u64 = (0..servers).map(|peer| cfg.rpc_count(peer)).sum();
        let idle = total3 - total2;
        assert!(
            idle <= 3 * 20,
            "too many RPCs ({idle}) for 1 second of idleness"
        );
        let _ = leader;
        cfg.end();
    });
}
