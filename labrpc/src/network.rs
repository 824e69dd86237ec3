//! The simulated network: named client ends, named servers, and the faults between them.
//!
//! Every number here is the Go labrpc's (see the crate doc). The request path of one call,
//! run on the caller's own thread:
//!
//! 1. count the RPC and its request bytes;
//! 2. read the end's state (enabled, connected server, current server object) and the flags
//!    under one lock;
//! 3. unreachable: wait the failure delay (0-99 ms, or 0-6999 ms with long delays) and fail;
//! 4. unreliable: sleep 0-26 ms, then lose the request with probability 1/10;
//! 5. run the handler on a pool thread; every 100 ms, and again when it returns, check that
//!    the server is still alive (end enabled, same server object installed);
//! 6. unreliable: lose the reply with probability 1/10;
//! 7. long reordering: hold 2/3 of replies back 200-2200 ms;
//! 8. count the reply bytes and deliver.
//!
//! Threads, locks, channels, sleeps and the RNG are labsim's, so the same network runs in
//! real time or inside a deterministic simulation. In simulation each request and each reply
//! also takes [`SIMULATED_LINK_LATENCY`] of virtual time, so that virtual time moves even on
//! the reliable network; in real mode nothing is added.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use labsim::channel::{Receiver, Sender};
use labsim::rand::LabRng;
use labsim::sync::Mutex;
use rand::{Rng, SeedableRng};

use crate::error::{Error, Result, RpcError};
use crate::pool::ThreadPool;
use crate::service::{Endpoint, Server};

/// How long an idle handler thread waits for work before it exits.
const HANDLER_IDLE_LINGER: Duration = Duration::from_secs(10);

/// How long `cleanup` waits for running handlers to return before leaving them be.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How often a caller checks whether the server died while its handler runs.
const DEATH_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// Short delay on the unreliable network: uniform over 0..SHORT_DELAY_MS milliseconds.
const SHORT_DELAY_MS: u64 = 27;
/// Failure delay for an unreachable server, without long delays: 0..100 ms.
const SHORT_FAILURE_DELAY_MS: u64 = 100;
/// Failure delay for an unreachable server, with long delays: 0..7000 ms.
const LONG_FAILURE_DELAY_MS: u64 = 7000;
/// Probability, in thousandths, that the unreliable network loses a request or a reply.
const DROP_PER_MILLE: u32 = 100;
/// Under long reordering, the chance that a reply is held back: 600 out of 900.
const REORDER_NUMERATOR: u32 = 600;
const REORDER_DENOMINATOR: u32 = 900;
/// A held-back reply waits REORDER_BASE_MS + rand(0..rand(0..REORDER_SPREAD_MS)) ms.
const REORDER_BASE_MS: u64 = 200;
const REORDER_SPREAD_MS: u64 = 2000;

/// In simulation, the virtual time one message (a request, or a reply) takes on any link,
/// reliable or not. Without it a simulated RPC would take no time at all, and a peer that
/// calls in a loop would keep virtual time still. Real mode adds nothing: the real network
/// stack and scheduler take their own time. 1 ms is about what a message costs a real run of
/// these labs on a 2-core machine, processing included, so that a simulated test makes about
/// as many client operations as a real one (kvraft's one-client test: 3,649 simulated
/// against 3,408 real); at 250 us the simulated clients made four times as many, and the
/// suite took as much longer.
pub const SIMULATED_LINK_LATENCY: Duration = Duration::from_micros(1000);

/// The environment variable that fixes the seed of every network's random decisions.
pub const SEED_VAR: &str = "LAB_SEED";

/// The simulated network. Dropping it (or calling [`cleanup`](Network::cleanup)) makes every
/// pending and future call on its ends fail with [`RpcError::NetworkClosed`] and stops every
/// thread it started.
pub struct Network {
    core: Arc<Core>,
}

/// What ends, the network and its pool share.
struct Core {
    state: Mutex<State>,
    reliable: AtomicBool,
    long_delays: AtomicBool,
    long_reordering: AtomicBool,
    total_rpcs: AtomicU64,
    total_bytes: AtomicU64,
    /// The single source of randomness for every fault decision.
    rng: Mutex<LabRng>,
    seed: u64,
    pool: ThreadPool,
    /// Dropped at cleanup: every wait selects on it so that it ends at once.
    closing: Mutex<Option<Sender<()>>>,
    closed: Receiver<()>,
    /// Set at cleanup, checked before any new call starts.
    is_closed: AtomicBool,
}

/// Ends and servers by name. Ordered maps: the network never iterates them in a decision, but
/// `cleanup` drops every server, and a fixed order keeps a simulation's replay exact.
#[derive(Default)]
struct State {
    ends: BTreeMap<String, EndState>,
    servers: BTreeMap<String, Arc<Server>>,
}

struct EndState {
    enabled: bool,
    server: Option<String>,
    /// Never sent on; dropped with the end so that waits on its calls end at once.
    _alive: Sender<()>,
}

/// One client end: the sending side of a directed link to one server.
///
/// Cheap to clone; clones are the same end. Many calls may be in flight on one end at once.
#[derive(Clone)]
pub struct ClientEnd {
    name: Arc<str>,
    core: Arc<Core>,
    /// Disconnected when the end is deleted: a deleted end's pending calls fail at once, so a
    /// crashed peer's threads blocked in calls can be joined without waiting out long delays.
    gone: Receiver<()>,
}

/// Where a request is going, read under the network lock at send time.
struct Route {
    server: Arc<Server>,
    server_name: String,
    reliable: bool,
    long_reordering: bool,
}

impl Network {
    /// A network seeded as [`seed_from_env`] says: from `LAB_SEED` if set, otherwise from the
    /// operating system; inside a simulation, from the simulation.
    ///
    /// # Panics
    ///
    /// If `LAB_SEED` is set but is not an unsigned integer: a typo there would silently give
    /// a run that cannot be replayed. Use [`seed_from_env`] to handle that case yourself.
    pub fn new() -> Network {
        let seed = seed_from_env().unwrap_or_else(|error| panic!("{error}"));
        Network::with_seed(seed)
    }

    /// A network whose random decisions all come from `seed`.
    pub fn with_seed(seed: u64) -> Network {
        let (closing, closed) = labsim::channel::bounded(0);
        log::debug!(target: "labrpc", "network seeded with {seed}");
        Network {
            core: Arc::new(Core {
                state: Mutex::new(State::default()),
                reliable: AtomicBool::new(true),
                long_delays: AtomicBool::new(false),
                long_reordering: AtomicBool::new(false),
                total_rpcs: AtomicU64::new(0),
                total_bytes: AtomicU64::new(0),
                rng: Mutex::new(LabRng::seed_from_u64(seed)),
                seed,
                pool: ThreadPool::new("labrpc-handler", HANDLER_IDLE_LINGER),
                closing: Mutex::new(Some(closing)),
                closed,
                is_closed: AtomicBool::new(false),
            }),
        }
    }

    /// The seed of this network's random decisions (print it so a run can be replayed).
    pub fn seed(&self) -> u64 {
        self.core.seed
    }

    /// Draws from the network's seeded RNG, for testers that want their random choices
    /// (partitions, victims) replayable with the same seed.
    pub fn with_rng<T>(&self, draw: impl FnOnce(&mut LabRng) -> T) -> T {
        draw(&mut self.core.rng.lock())
    }

    /// Creates a client end named `name`, disabled and unconnected.
    pub fn create_end(&self, name: impl Into<String>) -> Result<ClientEnd> {
        let name: String = name.into();
        let mut state = self.core.state.lock();
        if state.ends.contains_key(&name) {
            return Err(Error::DuplicateEnd(name));
        }
        let (alive, gone) = labsim::channel::bounded(0);
        let end_state = EndState {
            enabled: false,
            server: None,
            _alive: alive,
        };
        state.ends.insert(name.clone(), end_state);
        Ok(ClientEnd {
            name: name.into(),
            core: Arc::clone(&self.core),
            gone,
        })
    }

    /// Forgets the end `name`: its pending calls fail at once and later ones are unreachable.
    pub fn delete_end(&self, name: &str) -> Result<()> {
        let removed = self.core.state.lock().ends.remove(name);
        removed
            .map(drop)
            .ok_or_else(|| Error::NoSuchEnd(name.into()))
    }

    /// Connects the end `end` to the server named `server` (which need not exist yet).
    pub fn connect(&self, end: &str, server: &str) -> Result<()> {
        let mut state = self.core.state.lock();
        let end_state = state
            .ends
            .get_mut(end)
            .ok_or_else(|| Error::NoSuchEnd(end.into()))?;
        end_state.server = Some(server.to_string());
        Ok(())
    }

    /// Enables or disables the end `end`. A disabled end reaches nobody, and a handler running
    /// for it is treated as dead.
    pub fn enable(&self, end: &str, enabled: bool) -> Result<()> {
        let mut state = self.core.state.lock();
        let end_state = state
            .ends
            .get_mut(end)
            .ok_or_else(|| Error::NoSuchEnd(end.into()))?;
        end_state.enabled = enabled;
        Ok(())
    }

    /// Installs `server` under `name`, replacing (and so killing) any server of that name.
    pub fn add_server(&self, name: impl Into<String>, server: Server) {
        let server = Arc::new(server);
        self.core.state.lock().servers.insert(name.into(), server);
    }

    /// Removes the server `name`: calls in flight to it fail, and none reach it again.
    pub fn delete_server(&self, name: &str) {
        self.core.state.lock().servers.remove(name);
    }

    /// Unreliable (`false`): 0-26 ms delays, 10 % of requests and 10 % of replies lost.
    pub fn set_reliable(&self, reliable: bool) {
        self.core.reliable.store(reliable, Ordering::Relaxed);
    }

    /// Whether the network is reliable.
    pub fn is_reliable(&self) -> bool {
        self.core.reliable.load(Ordering::Relaxed)
    }

    /// Long delays: a call to an unreachable server fails after 0-6999 ms instead of 0-99 ms.
    pub fn set_long_delays(&self, long_delays: bool) {
        self.core.long_delays.store(long_delays, Ordering::Relaxed);
    }

    /// Long reordering: 2/3 of replies are held back 200-2200 ms.
    pub fn set_long_reordering(&self, long_reordering: bool) {
        self.core
            .long_reordering
            .store(long_reordering, Ordering::Relaxed);
    }

    /// How many calls reached a handler of the server `name` (0 if there is none).
    pub fn count(&self, name: &str) -> u64 {
        let state = self.core.state.lock();
        state.servers.get(name).map_or(0, |server| server.count())
    }

    /// Every RPC ever sent, including those that were lost or went nowhere.
    pub fn total_count(&self) -> u64 {
        self.core.total_rpcs.load(Ordering::Relaxed)
    }

    /// Every request's bytes plus every delivered reply's bytes.
    pub fn total_bytes(&self) -> u64 {
        self.core.total_bytes.load(Ordering::Relaxed)
    }

    /// Closes the network: pending and future calls fail with [`RpcError::NetworkClosed`],
    /// and every handler thread that finishes within a short grace period is joined.
    pub fn cleanup(&self) {
        self.core.is_closed.store(true, Ordering::SeqCst);
        drop(self.core.closing.lock().take());
        self.core.pool.shutdown(Some(SHUTDOWN_GRACE));
        let mut state = self.core.state.lock();
        state.servers.clear();
    }
}

impl Default for Network {
    fn default() -> Self {
        Network::new()
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        self.cleanup();
    }
}

impl ClientEnd {
    /// The end's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Calls `service_method` with typed arguments and decodes the typed reply.
    #[track_caller]
    pub fn call<A, R>(&self, service_method: &str, args: &A) -> std::result::Result<R, RpcError>
    where
        A: serde::Serialize,
        R: serde::de::DeserializeOwned,
    {
        crate::service::call(self, service_method, args)
    }
}

impl Endpoint for ClientEnd {
    #[track_caller]
    fn call_bytes(
        &self,
        service_method: &str,
        request: Vec<u8>,
    ) -> std::result::Result<Vec<u8>, RpcError> {
        self.core.deliver(self, service_method, request)
    }
}

impl Core {
    /// Carries one call (its waits are reported at the caller's `file:line`).
    #[track_caller]
    fn deliver(
        self: &Arc<Self>,
        end: &ClientEnd,
        service_method: &str,
        request: Vec<u8>,
    ) -> std::result::Result<Vec<u8>, RpcError> {
        if self.is_closed.load(Ordering::SeqCst) {
            return Err(RpcError::NetworkClosed);
        }
        self.total_rpcs.fetch_add(1, Ordering::Relaxed);
        self.total_bytes
            .fetch_add(request.len() as u64, Ordering::Relaxed);

        let Some(route) = self.route(&end.name) else {
            return self.fail_unreachable(end);
        };
        self.simulated_latency(end)?;
        if !route.reliable {
            let delay = Duration::from_millis(self.draw(|rng| rng.gen_range(0..SHORT_DELAY_MS)));
            self.sleep(delay, end)?;
            if self.draw(|rng| rng.gen_range(0..1000) < DROP_PER_MILLE) {
                return Err(RpcError::RequestLost);
            }
        }
        let reply = self.run_handler(end, &route, service_method, request)?;
        if !route.reliable && self.draw(|rng| rng.gen_range(0..1000) < DROP_PER_MILLE) {
            return Err(RpcError::ReplyLost);
        }
        if route.long_reordering {
            if let Some(delay) = self.draw(reorder_delay) {
                self.sleep(delay, end)?;
            }
        }
        self.simulated_latency(end)?;
        self.total_bytes
            .fetch_add(reply.len() as u64, Ordering::Relaxed);
        Ok(reply)
    }

    /// The destination of a call on `end`, if it is enabled, connected and the server exists.
    fn route(&self, end: &str) -> Option<Route> {
        let state = self.state.lock();
        let end_state = state.ends.get(end).filter(|end| end.enabled)?;
        let server_name = end_state.server.as_ref()?;
        let server = state.servers.get(server_name)?;
        Some(Route {
            server: Arc::clone(server),
            server_name: server_name.clone(),
            reliable: self.reliable.load(Ordering::Relaxed),
            long_reordering: self.long_reordering.load(Ordering::Relaxed),
        })
    }

    /// Whether the call's server is gone: end disabled, or another (or no) server installed.
    fn is_dead(&self, end: &str, route: &Route) -> bool {
        let state = self.state.lock();
        let enabled = state.ends.get(end).is_some_and(|end| end.enabled);
        let same_server = state
            .servers
            .get(&route.server_name)
            .is_some_and(|server| Arc::ptr_eq(server, &route.server));
        !enabled || !same_server
    }

    /// Runs the handler on a pool thread and waits for it, checking for death as it goes.
    #[track_caller]
    fn run_handler(
        &self,
        end: &ClientEnd,
        route: &Route,
        service_method: &str,
        request: Vec<u8>,
    ) -> std::result::Result<Vec<u8>, RpcError> {
        let (reply_sender, reply_receiver) = labsim::channel::bounded(1);
        let server = Arc::clone(&route.server);
        let name = service_method.to_string();
        let started = self.pool.execute(move || {
            // The caller now waits for this thread: in simulation, a handler that waits for a
            // lock the caller holds (directly or through other calls) closes a cycle, which
            // labsim reports at once rather than at the test's time limit.
            reply_sender.bind_to_current_thread();
            // The caller may have given up on a dead server; then nobody reads the reply.
            let _ = reply_sender.send(server.dispatch(&name, &request));
        });
        if !started {
            return Err(RpcError::NetworkClosed);
        }
        loop {
            labsim::select! {
                recv(reply_receiver) -> reply => {
                    let reply = reply.map_err(|_| RpcError::ServerDead)?;
                    if self.is_dead(&end.name, route) {
                        return Err(RpcError::ServerDead);
                    }
                    if let Err(RpcError::UnknownMethod { name, valid }) = &reply {
                        log::error!(target: "labrpc", "unknown method {name:?}; valid: {valid:?}");
                    }
                    return reply;
                }
                recv(self.closed) -> _ => return Err(RpcError::NetworkClosed),
                recv(end.gone) -> _ => return Err(RpcError::ServerDead),
                default(DEATH_CHECK_INTERVAL) => {
                    if self.is_dead(&end.name, route) {
                        return Err(RpcError::ServerDead);
                    }
                }
            }
        }
    }

    /// An unreachable server answers nothing; the caller learns so after a simulated timeout.
    #[track_caller]
    fn fail_unreachable(&self, end: &ClientEnd) -> std::result::Result<Vec<u8>, RpcError> {
        let bound = if self.long_delays.load(Ordering::Relaxed) {
            LONG_FAILURE_DELAY_MS
        } else {
            SHORT_FAILURE_DELAY_MS
        };
        let delay = Duration::from_millis(self.draw(|rng| rng.gen_range(0..bound)));
        self.sleep(delay, end)?;
        Err(RpcError::Unreachable)
    }

    /// Sleeps on behalf of a call on `end`, but fails at once when the network closes or
    /// the end is deleted.
    #[track_caller]
    fn sleep(&self, duration: Duration, end: &ClientEnd) -> std::result::Result<(), RpcError> {
        if duration.is_zero() {
            return Ok(());
        }
        labsim::select! {
            recv(self.closed) -> _ => Err(RpcError::NetworkClosed),
            recv(end.gone) -> _ => Err(RpcError::Unreachable),
            default(duration) => Ok(()),
        }
    }

    /// In simulation, one message's trip over the link ([`SIMULATED_LINK_LATENCY`]); nothing
    /// in real mode.
    #[track_caller]
    fn simulated_latency(&self, end: &ClientEnd) -> std::result::Result<(), RpcError> {
        if labsim::is_simulated() {
            self.sleep(SIMULATED_LINK_LATENCY, end)?;
        }
        Ok(())
    }

    fn draw<T>(&self, decide: impl FnOnce(&mut LabRng) -> T) -> T {
        decide(&mut self.rng.lock())
    }
}

/// Long reordering: with probability 2/3, a delay of 200 + rand(0..rand(0..2000)) ms.
fn reorder_delay(rng: &mut LabRng) -> Option<Duration> {
    if rng.gen_range(0..REORDER_DENOMINATOR) >= REORDER_NUMERATOR {
        return None;
    }
    let spread = rng.gen_range(0..REORDER_SPREAD_MS);
    let extra = if spread == 0 {
        0
    } else {
        rng.gen_range(0..spread)
    };
    Some(Duration::from_millis(REORDER_BASE_MS + extra))
}

/// The seed from `LAB_SEED`, or a fresh one from the operating system when it is unset.
///
/// Inside a simulation it is drawn from the simulation instead, whose own seed came from
/// `LAB_SEED` (or was fresh): so the simulation's seed alone replays the run, whether or not
/// `LAB_SEED` was set the first time.
pub fn seed_from_env() -> Result<u64> {
    if labsim::is_simulated() {
        return Ok(labsim::rand::random());
    }
    match std::env::var(SEED_VAR) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| Error::BadSeed(text.clone())),
        Err(_) => Ok(labsim::rand::random()),
    }
}
