//! The course's generic test and the clients and partitioner it runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use labsim::thread::{self, sleep};
use rand::Rng;

use super::{Config, Spec, ELECTION_TIMEOUT};

/// How long each of the three iterations lets the clients run.
const CLIENT_RUN_TIME: Duration = Duration::from_secs(5);

/// How long clients run undisturbed before the partitioner starts.
const PARTITION_START_DELAY: Duration = Duration::from_secs(1);

/// The options of the course's `GenericTest`, as a struct literal: the cluster it runs on,
/// and what the clients and the tester do to it.
///
/// ```ignore
/// Generic {
///     clients: 5,
///     crash: true,
///     cluster: Spec { unreliable: true, ..spec },
///     ..Generic::default()
/// }
/// .run();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Generic {
    /// The servers: how many, the network, `maxraftstate`, and the test's part and name.
    pub cluster: Spec,
    /// How many client threads append and read at once.
    pub clients: usize,
    /// Crash and restart every server at the end of each iteration.
    pub crash: bool,
    /// Split the servers at random while the clients run.
    pub partitions: bool,
    /// Clients pick a random key for each operation (and also put), instead of appending
    /// to their own key and checking every read.
    pub random_keys: bool,
}

impl Default for Generic {
    /// One client on the default cluster ([`Spec::default`]): no faults, each client on its
    /// own key.
    fn default() -> Self {
        Generic {
            cluster: Spec::default(),
            clients: 1,
            crash: false,
            partitions: false,
            random_keys: false,
        }
    }
}

impl Generic {
    /// The course's title, built from the parameters as the course builds it.
    pub fn title(&self) -> String {
        let mut title = String::new();
        let features = [
            (self.cluster.unreliable, "unreliable net, "),
            (self.crash, "restarts, "),
            (self.partitions, "partitions, "),
            (self.cluster.max_raft_state.is_some(), "snapshots, "),
            (self.random_keys, "random keys, "),
        ];
        for (on, words) in features {
            if on {
                title.push_str(words);
            }
        }
        title.push_str(if self.clients > 1 {
            "many clients"
        } else {
            "one client"
        });
        format!("{title} ({})", self.cluster.part)
    }

    /// Three iterations of: clients append and read for 5 s (while partitions change, if
    /// asked), heal, crash and restart every server (if asked), then check every client's
    /// appends, the log sizes, and finally the whole history's linearizability.
    pub fn run(self) {
        let config = Config::new(self.cluster);
        let checker = config.make_clerk(&config.all());
        config.begin(&self.title());
        for _iteration in 0..3 {
            let done_clients = AtomicBool::new(false);
            let done_partitioner = AtomicBool::new(false);
            let counts: Vec<usize> = thread::scope(|scope| {
                let clients: Vec<_> = (0..self.clients)
                    .map(|client| {
                        let (config, done) = (&config, &done_clients);
                        scope.spawn(format!("client-{client}"), move || {
                            self.client(config, client, done)
                        })
                    })
                    .collect();
                let partitioner = self.partitions.then(|| {
                    sleep(PARTITION_START_DELAY);
                    let (config, done) = (&config, &done_partitioner);
                    scope.spawn("partitioner", move || partitioner(config, done))
                });
                sleep(CLIENT_RUN_TIME);
                done_clients.store(true, Ordering::Relaxed);
                done_partitioner.store(true, Ordering::Relaxed);
                if let Some(partitioner) = partitioner {
                    partitioner.join().expect("partitioner panicked");
                    config.connect_all();
                    // Wait for a new term to start after the heal.
                    sleep(ELECTION_TIMEOUT);
                }
                if self.crash {
                    self.crash_and_restart_all(&config);
                }
                clients
                    .into_iter()
                    .map(|client| {
                        client
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            });
            for (client, count) in counts.into_iter().enumerate() {
                let value = config.get(&checker, 0, &client.to_string());
                if !self.random_keys {
                    check_client_appends(client, &value, count);
                }
            }
            config.check_log_sizes();
        }
        config.check_linearizable();
        config.end();
    }

    fn crash_and_restart_all(&self, config: &Config) {
        for i in config.all() {
            config.crash(i);
        }
        // Wait for a while for servers to shut down, since shutdown isn't a real crash and
        // isn't instantaneous.
        sleep(ELECTION_TIMEOUT);
        for i in config.all() {
            config.restart(i);
        }
        config.connect_all();
    }

    /// One client: appends (half the time), puts (random keys only, 10 % of the rest) or
    /// reads until told to stop. Without random keys it works on its own key and checks every
    /// read against the value it predicts. Returns how many writes it made.
    fn client(&self, config: &Config, client: usize, done: &AtomicBool) -> usize {
        let clerk = config.make_clerk(&config.all());
        let mut key = client.to_string();
        let mut expected = String::new();
        let mut writes = 0;
        if !self.random_keys {
            config.put(&clerk, client, &key, "");
        }
        while !done.load(Ordering::Relaxed) {
            let (draw, put_draw, key_draw) = config.network().with_rng(|rng| {
                (
                    rng.gen_range(0..1000),
                    rng.gen_range(0..1000),
                    rng.gen_range(0..self.clients),
                )
            });
            if self.random_keys {
                key = key_draw.to_string();
            }
            let value = format!("x {client} {writes} y");
            if draw < 500 {
                config.append(&clerk, client, &key, &value);
                if !self.random_keys {
                    expected.push_str(&value);
                }
                writes += 1;
            } else if self.random_keys && put_draw < 100 {
                config.put(&clerk, client, &key, &value);
                writes += 1;
            } else {
                let got = config.get(&clerk, client, &key);
                if !self.random_keys {
                    assert_eq!(got, expected, "get wrong value, key {key}");
                }
            }
        }
        config.delete_clerk(clerk);
        writes
    }
}

/// Every `ELECTION_TIMEOUT` plus 0-199 ms, splits the servers in two at random.
fn partitioner(config: &Config, done: &AtomicBool) {
    let n = config.server_count();
    while !done.load(Ordering::Relaxed) {
        let (sides, pause) = config.network().with_rng(|rng| {
            let sides: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.5)).collect();
            (sides, rng.gen_range(0..200))
        });
        let left: Vec<usize> = (0..n).filter(|&i| sides[i]).collect();
        let right: Vec<usize> = (0..n).filter(|&i| !sides[i]).collect();
        config.partition(&left, &right);
        sleep(ELECTION_TIMEOUT + Duration::from_millis(pause));
    }
}

/// Every append `x <client> <j> y` for j below `count` must be in `value` exactly once and in
/// order.
pub fn check_client_appends(client: usize, value: &str, count: usize) {
    let mut last_offset = None;
    for j in 0..count {
        let wanted = format!("x {client} {j} y");
        let offset = value.find(&wanted).unwrap_or_else(|| {
            panic!("{client} missing element {wanted} in Append result {value}")
        });
        assert_eq!(
            value.rfind(&wanted),
            Some(offset),
            "duplicate element {wanted} in Append result"
        );
        assert!(
            last_offset.is_none_or(|last| offset > last),
            "wrong order for element {wanted} in Append result"
        );
        last_offset = Some(offset);
    }
}
