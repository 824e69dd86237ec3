//! Part 3C, scripted: safety scenarios that the course's randomized tests build only by
//! chance, built here on purpose from the tester's crashes, restarts and partitions alone
//! (the Raft is a black box: `start`, `state`, and what it applies).
//!
//! Each test's doc names the rule it checks and the Raft paper's section. Peers are named
//! by their role in the scenario (`s1` .. `s5` follow the paper's Figure 8), since which
//! peer wins an election is up to the Raft.

use std::time::Duration;

use labsim::thread::sleep;

use crate::tester::{command, Config, Spec, RAFT_ELECTION_TIMEOUT};

fn spec(test: &'static str, title: &'static str, servers: usize) -> Spec {
    Spec {
        part: "3C",
        test,
        title,
        servers,
        unreliable: false,
        snapshots: false,
    }
}

/// Time for a leader to save a new entry and send it to the followers it can reach, and for
/// them to answer: many round trips of the reliable network, and more than a heartbeat
/// interval (at least 100 ms under the course's limit of 10 per second), for a Raft that
/// sends new entries only with its heartbeats.
const SPREAD_PAUSE: Duration = RAFT_ELECTION_TIMEOUT;

/// The leader's start of `value`, which must land at `index`.
fn start_at(cfg: &Config, leader: usize, value: u64, index: u64) {
    let (got, _) = cfg.start(leader, command(value)).unwrap_or_else(|| {
        panic!("S{leader} was just found leading, and nobody else can be elected; it must accept a command")
    });
    assert_eq!(
        got, index,
        "S{leader} put the command at index {got}, expected {index}"
    );
}

/// The peers of `group` other than `peer`.
fn others(group: &[usize], peer: usize) -> Vec<usize> {
    group
        .iter()
        .copied()
        .filter(|other| *other != peer)
        .collect()
}

/// The Raft paper's Figure 8, step by step (§5.4.2): a leader may not commit an entry from an
/// earlier term by counting the servers that hold it, because a server that lacks it can
/// still be elected and overwrite it. Only entries of the leader's own term commit by
/// counting; earlier ones commit with them.
///
/// 1. (a) S1 leads; its entry X at index 2 reaches S2 only.
/// 2. (b) S1 crashes; S3, S4, S5 elect one of them (call it S5) in a later term, which takes
///    entry Y at index 2 alone, then crashes.
/// 3. (c) S1 restarts and S1 or S2 is elected by S1, S2, S3 in a still later term; it copies X
///    to S3. X is now on a majority but is from an earlier term, so a correct leader does not
///    commit it yet (with nothing of its own term to send, it commits nothing). One that
///    commits it applies X at index 2. That leader crashes.
/// 4. (d) S5 restarts beside the other holder of X and S3 (both restarted, as crashed servers),
///    and only S5 can win among them: its last term is later than X's. It replaces X by Y
///    and commits a command of its own term: Y is applied at index 2. If X was applied
///    there in (c), the apply check fails.
///
/// A Raft that appends a no-op entry when elected commits X legitimately in (c), with the
/// no-op; then S5 cannot win in (d), and one of the others commits after X.
#[test]
fn figure8_scripted_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec("figure8_scripted_3c", "Figure 8, scripted", servers));
        cfg.one(&command(101), servers, true);

        // (a) S1 leads and gets X to S2 alone.
        let s1 = cfg.check_one_leader();
        let s2 = (s1 + 1) % servers;
        let trio: Vec<usize> = (2..servers).map(|k| (s1 + k) % servers).collect();
        for &peer in &trio {
            cfg.disconnect(peer);
        }
        start_at(&cfg, s1, 102, 2);
        sleep(SPREAD_PAUSE);

        // (b) S1 crashes; the other three elect S5, which gets Y alone and crashes.
        cfg.crash(s1);
        cfg.disconnect(s2);
        for &peer in &trio {
            cfg.connect(peer);
        }
        let s5 = cfg.check_one_leader();
        let [s3, s4] = others(&trio, s5)[..] else {
            unreachable!("three peers less the leader")
        };
        cfg.disconnect(s3);
        cfg.disconnect(s4);
        start_at(&cfg, s5, 103, 2);
        sleep(SPREAD_PAUSE);
        cfg.crash(s5);

        // (c) S1 restarts; S1 or S2 leads S1, S2, S3 and copies X to S3.
        cfg.restart(s1);
        for peer in [s1, s2, s3] {
            cfg.connect(peer);
        }
        let leader = cfg.check_one_leader();
        assert!(
            leader == s1 || leader == s2,
            "S{leader} lacks the entry at index 2 that S{s1} and S{s2} hold, yet won their \
             votes: a candidate's log must be at least as up-to-date as the voter's (§5.4.1)"
        );
        sleep(SPREAD_PAUSE);
        let holder = if leader == s1 { s2 } else { s1 };
        cfg.crash(leader);

        // (d) S5, the other holder of X, and S3 restart; a command commits among them.
        for peer in [s5, holder, s3] {
            cfg.restart(peer);
            cfg.connect(peer);
        }
        cfg.one(&command(104), 3, true);

        // Everyone back: all must agree.
        cfg.restart(leader);
        cfg.connect(leader);
        cfg.connect(s4);
        cfg.one(&command(105), servers, true);
        cfg.end();
    });
}

/// The election restriction (§5.4.1): a voter grants its vote only to a candidate whose log
/// is at least as up-to-date as its own (a later last term, or the same last term and at
/// least as long). So a server that lacks a committed entry cannot be elected, whatever its
/// term, and Leader Completeness (§5.4.3) holds.
///
/// Each round commits an entry on a bare majority of 5 while two peers (the laggards) are
/// cut off, then crashes that majority but one peer, which is restarted (as from a crash)
/// and joins the laggards: it alone holds the entry, so it must be the one elected. A Raft
/// that grants votes without comparing logs most likely elects a laggard instead, since they
/// have been waiting out their election timeouts while the holder's has just restarted. The
/// rounds rotate the roles.
#[test]
fn election_restriction_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec(
            "election_restriction_3c",
            "up-to-date check in elections",
            servers,
        ));
        let mut value = 200;
        cfg.one(&command(value), servers, true);
        for round in 0..3 {
            let leader = cfg.check_one_leader();
            let laggards = [
                (leader + 1 + round) % servers,
                (leader + 2 + round) % servers,
            ];
            let majority: Vec<usize> = (0..servers).filter(|p| !laggards.contains(p)).collect();
            for peer in laggards {
                cfg.disconnect(peer);
            }
            value += 1;
            let index = cfg.one(&command(value), majority.len(), true);

            // All but one of the majority crash; the holder restarts and meets the laggards.
            let holder = majority[round % majority.len()];
            for &peer in &majority {
                cfg.crash(peer);
            }
            for peer in laggards {
                cfg.connect(peer);
            }
            cfg.restart(holder);
            cfg.connect(holder);
            let elected = cfg.check_one_leader();
            assert_eq!(
                elected, holder,
                "S{elected} was elected without committed entry {index} (only S{holder} of \
                 the connected peers holds it): a voter must refuse a candidate whose log is \
                 less up-to-date than its own (§5.4.1)"
            );

            for peer in others(&majority, holder) {
                cfg.restart(peer);
                cfg.connect(peer);
            }
            value += 1;
            cfg.one(&command(value), servers, true);
        }
        cfg.end();
    });
}

/// One vote per term (§5.2), kept across crashes (Figure 2: `votedFor` is persistent state):
/// a voter that voted for one candidate in a term refuses any other in that term, even after
/// it restarts, so no term has two leaders (election safety).
///
/// Each round, with 5 peers: two late candidates crash in term T; the other three hold a new
/// election (the leader restarts), so its winner A was elected in term T+1 with the votes of
/// both others. Then A and one voter crash, and the other voter restarts beside the two late
/// candidates, which restart still in term T. A Raft without pre-votes has the first late
/// candidate to time out ask for votes in term T+1, and the voter must refuse: one that
/// grants makes it a second leader of T+1, which the tester's leader watch reports. (With
/// pre-votes, the late candidates ask for T+1 only in pre-votes, which the voter refuses since
/// it is in T+1 already.) If the voter times out first (one chance in three) it is elected
/// legitimately, so the rounds repeat with rotated roles.
#[test]
fn one_vote_per_term_3c() {
    labsim::run(|| {
        let servers = 5;
        let cfg = Config::new(spec(
            "one_vote_per_term_3c",
            "one vote per term, across restarts",
            servers,
        ));
        let mut value = 300;
        cfg.one(&command(value), servers, true);
        for _ in 0..3 {
            let first = cfg.check_one_leader();
            let late = [(first + 1) % servers, (first + 3) % servers];
            let electors = [first, (first + 2) % servers, (first + 4) % servers];
            for peer in late {
                cfg.crash(peer);
            }
            cfg.restart(first);
            cfg.connect(first);
            let a = cfg.check_one_leader();
            let [voter, other_voter] = others(&electors, a)[..] else {
                unreachable!("three electors less the winner")
            };

            cfg.crash(a);
            cfg.crash(other_voter);
            for peer in [voter, late[0], late[1]] {
                cfg.restart(peer);
                cfg.connect(peer);
            }
            cfg.check_one_leader();

            for peer in [a, other_voter] {
                cfg.restart(peer);
                cfg.connect(peer);
            }
            value += 1;
            cfg.one(&command(value), servers, true);
        }
        cfg.end();
    });
}
