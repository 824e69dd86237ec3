//! Part 3A: leader election (reference section 4.3).

use std::time::Duration;

use labsim::thread::sleep;

use crate::tester::{Config, Spec, RAFT_ELECTION_TIMEOUT};

fn spec(test: &'static str, title: &'static str, servers: usize) -> Spec {
    Spec {
        part: "3A",
        test,
        title,
        servers,
        unreliable: false,
        snapshots: false,
    }
}

#[test]
fn initial_election_3a() {
    labsim::run(|| {
        let cfg = Config::new(spec("initial_election_3a", "initial election", 3));

        // Is a leader elected?
        cfg.check_one_leader();

        // Sleep a bit to avoid racing with followers learning of the election, then check that
        // all peers agree on the term.
        sleep(Duration::from_millis(50));
        let term1 = cfg.check_terms();
        assert!(term1 >= 1, "term is {term1}, but should be at least 1");

        // Do the leader and term stay the same if there is no network failure?
        sleep(2 * RAFT_ELECTION_TIMEOUT);
        let term2 = cfg.check_terms();
        if term1 != term2 {
            println!("warning: term changed even though there were no failures");
        }

        // There should still be a leader.
        cfg.check_one_leader();
        cfg.end();
    });
}

#[test]
pub(crate) fn re_election_3a() {
    labsim::run(|| {
        let servers = 3;
        let cfg = Config::new(spec(
            "re_election_3a",
            "election after network failure",
            servers,
        ));

        let leader1 = cfg.check_one_leader();

        // If the leader disconnects, a new one should be elected.
        cfg.disconnect(leader1);
        cfg.check_one_leader();

        // If the old leader rejoins, that shouldn't disturb the new leader, and the old leader
        // should switch to follower.
        cfg.connect(leader1);
        let leader2 = cfg.check_one_leader();

        // If there's no quorum, no new leader should be elected.
        cfg.disconnect(leader2);
        cfg.disconnect((leader2 + 1) % servers);
        sleep(2 * RAFT_ELECTION_TIMEOUT);

        // Does the one connected server think it is the leader?
        cfg.check_no_leader();

        // If a quorum arises, it should elect a leader.
        cfg.connect((leader2 + 1) % servers);
        cfg.check_one_leader();

        // Re-joining the last node shouldn't prevent a leader from existing.
        cfg.connect(leader2);
        cfg.check_one_leader();
        cfg.end();
    });
}

#[test]
fn many_elections_3a() {
    labsim::run(|| {
        let servers = 7;
        let cfg = Config::new(spec("many_elections_3a", "multiple elections", servers));

        cfg.check_one_leader();

        let iterations = 10;
        for _ in 1..iterations {
            // Disconnect three nodes (not necessarily distinct).
            let victims: Vec<usize> = (0..3)
                .map(|_| cfg.random_below(servers as u64) as usize)
                .collect();
            for victim in &victims {
                cfg.disconnect(*victim);
            }

            // Either the current leader should still be alive, or the remaining four should elect
            // a new one.
            cfg.check_one_leader();

            for victim in &victims {
                cfg.connect(*victim);
            }
        }

        cfg.check_one_leader();
        cfg.end();
    });
}
