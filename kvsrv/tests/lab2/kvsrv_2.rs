//! Lab 2, the key/value server: versioned puts on a reliable network, clients racing for one
//! key, and one client on an unreliable network.

use std::time::Duration;

use labsim::time::Instant;

use kvsrv::{KvClerk, KvError, Version};

use crate::tester::{Config, Spec, TestClerk};

/// The course's limit on the linearizability check of the racing clients.
const RACING_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// The course's limit on the linearizability check of the unreliable test.
const UNRELIABLE_CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// Put and get semantics on a reliable network, step by step.
#[test]
fn reliable_put_2() {
    labsim::run(|| {
        const VALUE: &str = "6.5840";
        let config = Config::new(Spec {
            test: "reliable_put_2",
            title: "one client and reliable Put",
            ..Spec::default()
        });
        let clerk = config.make_clerk();

        // Does version 0 create a key, and does the get see version 1?
        assert_eq!(
            clerk.put("k", VALUE, 0),
            Ok(()),
            "Put of a new key at version 0"
        );
        assert_eq!(
            clerk.get("k"),
            Ok((VALUE.to_string(), 1)),
            "Get after one Put must give the value at version 1"
        );
        // Is a put at a stale version refused?
        assert_eq!(
            clerk.put("k", VALUE, 0),
            Err(KvError::Version),
            "Put at version 0 of a key at version 1"
        );
        // Is a missing key refused at a non-zero version, and still missing afterwards?
        assert_eq!(
            clerk.put("y", VALUE, 1),
            Err(KvError::NoKey),
            "Put of a missing key at version 1"
        );
        assert_eq!(clerk.get("y"), Err(KvError::NoKey), "Get of a missing key");
        config.check_linearizable(UNRELIABLE_CHECK_TIMEOUT);
        config.end();
    });
}

/// Ten clients read the version of one key and put at it, as fast as they can, for a second.
/// Each put that answers `Ok` took effect and no other did, so the final version is the
/// number of `Ok`s; and the history must be linearizable.
#[test]
pub(crate) fn put_concurrent_reliable_2() {
    labsim::run(|| {
        const CLIENTS: usize = 10;
        const DURATION: Duration = Duration::from_secs(1);
        let config = Config::new(Spec {
            test: "put_concurrent_reliable_2",
            title: "many clients racing to put values to the same key",
            ..Spec::default()
        });
        let counts = config.run_clients(CLIENTS, DURATION, |me, clerk, deadline| {
            put_until(me, clerk, "k", deadline)
        });
        let total = counts.iter().fold(PutCounts::default(), PutCounts::add);
        let clerk = config.make_clerk();
        check_put_concurrent(&clerk, "k", total, config.network().is_reliable());
        println!(
            "  ... {} puts took effect, {} maybe, over {} calls",
            total.ok,
            total.maybe,
            config.op_count()
        );
        config.check_linearizable(RACING_CHECK_TIMEOUT);
        config.end();
    });
}

/// One client, 100 rounds on an unreliable network. In round `r` it puts at version `r`, and
/// again while the answer is `Maybe`: with one client, `Maybe` means the put took effect, so
/// a put retried after it must answer `Version`. The version must then be `r + 1`: a put
/// applied twice, or not at all, shows. The clerk must have answered `Maybe` at least once.
#[test]
pub(crate) fn unreliable_net_2() {
    labsim::run(|| {
        const ROUNDS: Version = 100;
        let config = Config::new(Spec {
            test: "unreliable_net_2",
            title: "one client, unreliable network",
            unreliable: true,
            ..Spec::default()
        });
        let clerk = config.make_clerk();
        let mut saw_maybe = false;
        for round in 0..ROUNDS {
            for attempt in 0.. {
                let answer = clerk.put("k", &format!("round {round} attempt {attempt}"), round);
                match (attempt, answer) {
                    (_, Err(KvError::Maybe)) => saw_maybe = true,
                    (0, Ok(())) => break,
                    (_, Err(KvError::Version)) if attempt > 0 => break,
                    (0, other) => {
                        panic!("round {round}: Put at the key's version answered {other:?}")
                    }
                    (_, other) => panic!(
                        "round {round}: Put retried after Maybe answered {other:?}, not Version: \
                         the first took effect, so this one must not have"
                    ),
                }
            }
            let version = clerk
                .get("k")
                .unwrap_or_else(|error| panic!("round {round}: Get answered {error:?}"))
                .1;
            assert_eq!(
                version,
                round + 1,
                "wrong version after round {round}: a put took effect twice, or not at all"
            );
        }
        assert!(saw_maybe, "Clerk.Put never answered Maybe");
        config.check_linearizable(UNRELIABLE_CHECK_TIMEOUT);
        config.end();
    });
}

/// What one racing client's puts answered.
#[derive(Debug, Clone, Copy, Default)]
struct PutCounts {
    ok: u64,
    maybe: u64,
}

impl PutCounts {
    fn add(self, other: &PutCounts) -> PutCounts {
        PutCounts {
            ok: self.ok + other.ok,
            maybe: self.maybe + other.maybe,
        }
    }
}

/// Until `deadline`: read `key`'s version and put a value of this client's at it.
fn put_until(me: usize, clerk: &TestClerk<'_>, key: &str, deadline: Instant) -> PutCounts {
    let mut counts = PutCounts::default();
    let mut attempt = 0;
    while Instant::now() < deadline {
        let version = version_of(clerk, key);
        match clerk.put(key, &format!("client {me} put {attempt}"), version) {
            Ok(()) => counts.ok += 1,
            Err(KvError::Maybe) => counts.maybe += 1,
            Err(KvError::Version) => {}
            Err(KvError::NoKey) => panic!("client {me}: Put({key}) at v{version} answered NoKey"),
        }
        attempt += 1;
    }
    counts
}

/// The version of `key`, 0 if it is missing.
fn version_of(clerk: &TestClerk<'_>, key: &str) -> Version {
    match clerk.get(key) {
        Ok((_, version)) => version,
        Err(KvError::NoKey) => 0,
        Err(error) => panic!("Get({key}) answered {error:?}"),
    }
}

/// The key's version counts the puts that took effect: exactly the `Ok`s on a reliable
/// network; on an unreliable one, at least the `Ok`s and at most the `Ok`s and `Maybe`s.
fn check_put_concurrent(clerk: &TestClerk<'_>, key: &str, total: PutCounts, reliable: bool) {
    let version = version_of(clerk, key);
    if reliable {
        assert_eq!(
            total.maybe, 0,
            "a clerk answered Maybe on a reliable network"
        );
        assert_eq!(
            version, total.ok,
            "the version ({version}) is not the number of puts that answered Ok ({})",
            total.ok
        );
    } else {
        assert!(
            total.ok <= version && version <= total.ok + total.maybe,
            "the version ({version}) is outside [Ok, Ok + Maybe] = [{}, {}]",
            total.ok,
            total.ok + total.maybe
        );
    }
}
