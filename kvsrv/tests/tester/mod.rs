//! The kvsrv tester: one key/value server on the simulated network, clerks whose calls are
//! counted and (when asked) recorded for the linearizability check, and the course's checks
//! of section 10 of the reference.

#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kvsrv::{Clerk, KvClerk, KvError, KvResult, KvServer, Version};
use labrpc::{Network, Server};
use labsim::thread;
use labsim::time::Instant;
use labtest::{Cluster, Counts, History, Stages, TestInfo};
use linearizability::models::{VersionedInput, VersionedModel, VersionedOutput};
use rand::distributions::Alphanumeric;
use rand::Rng;

/// The part every test of this lab carries: the course gives lab 2 no part letters.
pub const PART: &str = "2";

/// The server's name on the network.
const SERVER: &str = "kvserver";

/// What a test needs from the tester.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The Rust test's name.
    pub test: &'static str,
    /// The title for the banner and the results file.
    pub title: &'static str,
    /// Start with an unreliable network (10 % of requests and of replies lost).
    pub unreliable: bool,
    /// Record every clerk call for the linearizability check. The memory test leaves it
    /// off: a growing history would be counted as the server's memory.
    pub record: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            test: "",
            title: "",
            unreliable: false,
            record: true,
        }
    }
}

/// A test's server, network and history.
pub struct Config {
    /// The one server, as a cluster of one: its clerks' ends come from it.
    cluster: Cluster<Arc<KvServer>>,
    /// Clerks made so far; also the next clerk's number (its row in the picture).
    clerks: AtomicUsize,
    /// Every recorded call, for the linearizability check.
    history: History<VersionedInput, VersionedOutput>,
    /// Set when a client thread panics, so that the others stop at their next call instead
    /// of waiting forever for a lock the failed one holds.
    aborted: AtomicBool,
    spec: Spec,
    stages: Stages,
}

impl Config {
    /// A server on a fresh network, and the test's banner.
    pub fn new(spec: Spec) -> Config {
        labtest::init_logging();
        let seed = labrpc::seed_from_env().unwrap_or_else(|error| panic!("{error}"));
        let net = Arc::new(Network::with_seed(seed));
        net.set_reliable(!spec.unreliable);
        let cluster = Cluster::new(Arc::clone(&net), vec![SERVER.to_string()]);
        cluster.start(0, |_| {
            let server = KvServer::new();
            let host = Server::new().with_service(server.service());
            (server, host)
        });
        let test = TestInfo {
            lab: "kvsrv",
            part: PART,
            test: spec.test,
            title: String::new(),
            peers: 1,
            seed,
        };
        let stages = Stages::new(test, true, move || Counts {
            rpcs: net.total_count(),
            bytes: net.total_bytes(),
            commits: None,
            ops: None,
        });
        stages.begin(spec.title);
        Config {
            cluster,
            clerks: AtomicUsize::new(0),
            history: History::new(),
            aborted: AtomicBool::new(false),
            spec,
            stages,
        }
    }

    /// The network.
    pub fn network(&self) -> &Network {
        self.cluster.net()
    }

    /// A clerk with its own end to the server.
    pub fn make_clerk(&self) -> TestClerk<'_> {
        let number = self.clerks.fetch_add(1, Ordering::Relaxed);
        let mut ends = self.cluster.clerk_ends(&[0]).ends;
        TestClerk {
            config: self,
            clerk: Clerk::new(ends.remove(0)),
            client: number,
        }
    }

    /// Runs `clients` client threads, each with its own clerk, for `duration`; returns what
    /// each returned. `client(me, clerk, deadline)` should loop until `deadline`. If one
    /// client panics, the others' next clerk call panics too, so the test ends promptly.
    pub fn run_clients<R: Send>(
        &self,
        clients: usize,
        duration: Duration,
        client: impl Fn(usize, &TestClerk<'_>, Instant) -> R + Sync,
    ) -> Vec<R> {
        let deadline = Instant::now() + duration;
        thread::scope(|scope| {
            let handles: Vec<_> = (0..clients)
                .map(|me| {
                    let client = &client;
                    scope.spawn(format!("client-{me}"), move || {
                        let _abort = self.abort_on_panic();
                        let clerk = self.make_clerk();
                        client(me, &clerk, deadline)
                    })
                })
                .collect();
            let outcomes: Vec<std::thread::Result<R>> =
                handles.into_iter().map(|handle| handle.join()).collect();
            first_failure(&outcomes);
            // Every outcome is a value now: `first_failure` re-raised any failure.
            outcomes.into_iter().filter_map(Result::ok).collect()
        })
    }

    /// A guard that, if its thread panics while holding it, makes every test clerk's next
    /// call panic too, so that no thread of the test waits forever on a failed one.
    pub fn abort_on_panic(&self) -> AbortOnPanic<'_> {
        AbortOnPanic(&self.aborted)
    }

    /// A random string of `length` letters and digits from the network's seeded RNG.
    pub fn random_value(&self, length: usize) -> String {
        self.network().with_rng(|rng| {
            (0..length)
                .map(|_| rng.sample(Alphanumeric) as char)
                .collect()
        })
    }

    /// Counts a clerk call, and records it when the test records.
    fn record(
        &self,
        client: usize,
        input: impl FnOnce() -> VersionedInput,
        call: u64,
        output: VersionedOutput,
    ) {
        self.stages.count_op();
        if self.spec.record {
            self.history.record(client, input(), call, output);
        }
    }

    /// How many clerk calls the test made.
    pub fn op_count(&self) -> u64 {
        self.stages.ops()
    }

    /// How many calls the history holds.
    pub fn history_len(&self) -> usize {
        self.history.len()
    }

    /// Checks the recorded history within `timeout`, and notes the verdict for the results
    /// line. An illegal history fails the test with the path of its picture; a check that
    /// gives up is accepted, as in the course, and says why.
    pub fn check_linearizable(&self, timeout: Duration) {
        self.history.check(&VersionedModel, timeout, &self.stages);
    }

    /// Ends the test: checks the time limit, prints the result line, records the figures.
    pub fn end(&self) {
        self.stages.end();
    }
}

impl Drop for Config {
    /// Closes the network, so that any call still blocked on it ends.
    fn drop(&mut self) {
        self.network().cleanup();
    }
}

/// The payload a test clerk panics with when another thread of the test failed first.
struct Aborted;

/// Re-raises the first client failure that was not merely a client stopping because of
/// another's, so the test fails with the message that matters.
fn first_failure<R>(outcomes: &[std::thread::Result<R>]) {
    let failures = outcomes.iter().filter_map(|outcome| outcome.as_ref().err());
    let mut aborted = false;
    for payload in failures {
        if payload.is::<Aborted>() {
            aborted = true;
        } else if let Some(message) = payload.downcast_ref::<String>() {
            panic!("{message}");
        } else if let Some(message) = payload.downcast_ref::<&str>() {
            panic!("{message}");
        } else {
            panic!("a client failed");
        }
    }
    assert!(!aborted, "a client stopped, but none failed first");
}

/// Marks the test aborted if the thread holding it panics.
pub struct AbortOnPanic<'a>(&'a AtomicBool);

impl Drop for AbortOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

/// A clerk made by the tester: its calls are counted, and recorded when the test records.
pub struct TestClerk<'a> {
    config: &'a Config,
    pub clerk: Clerk,
    /// The clerk's number: its row in the history's picture.
    pub client: usize,
}

impl TestClerk<'_> {
    /// Stops this client if another one failed.
    fn check_not_aborted(&self) {
        if self.config.aborted.load(Ordering::SeqCst) {
            eprintln!(
                "client {} stops: another thread of the test failed",
                self.client
            );
            // Unwinds without the panic hook's message: the failure that matters is elsewhere.
            std::panic::resume_unwind(Box::new(Aborted));
        }
    }
}

impl KvClerk for TestClerk<'_> {
    fn get(&self, key: &str) -> KvResult<(String, Version)> {
        self.check_not_aborted();
        let call = self.config.history.now();
        let result = self.clerk.get(key);
        let output = match &result {
            Ok((value, version)) => VersionedOutput::Value {
                value: value.clone(),
                version: *version,
            },
            Err(error) => output_of(*error),
        };
        self.config
            .record(self.client, || VersionedInput::get(key), call, output);
        result
    }

    fn put(&self, key: &str, value: &str, version: Version) -> KvResult<()> {
        self.check_not_aborted();
        let call = self.config.history.now();
        let result = self.clerk.put(key, value, version);
        let output = match result {
            Ok(()) => VersionedOutput::Ok,
            Err(error) => output_of(error),
        };
        let input = || VersionedInput::put(key, value, version);
        self.config.record(self.client, input, call, output);
        result
    }
}

/// The history's form of an error.
fn output_of(error: KvError) -> VersionedOutput {
    match error {
        KvError::NoKey => VersionedOutput::NoKey,
        KvError::Version => VersionedOutput::Version,
        KvError::Maybe => VersionedOutput::Maybe,
    }
}
