//! A replica group server: RPC handlers over the replicated group state, and two threads
//! that act only while this replica leads: the poller (fetches the next configuration) and
//! the migrator (pulls shards and asks old owners to delete them).

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
// lab:hide 5A
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use kvraft::rsm::Rsm;
use labrpc::{ClientEnd, Service};
use labsim::channel::{Receiver, RecvTimeoutError, Sender};
use labsim::sync::Mutex;
use labsim::thread::JoinHandle;
use raft::Persister;

use super::rpc::{
    ClientArgs, ClientReply, Command, DeleteArgs, DeleteReply, PullArgs, PullReply, ShardKvClient,
    ShardKvHandler,
};
use super::state::{GroupState, Transfer};
use super::MakeEnd;
use crate::config::{key_to_shard, Gid};
use crate::ctrler::CtrlerClerk;
use crate::error::Error;

/// How often the leader asks the controller for the next configuration. The course asks
/// for about every 100 ms; much slower makes clerks wait on stale groups.
const CONFIG_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How often the leader retries pulls and deletion requests that are still due. Shorter
/// than the poll interval so that a shard is served soon after its configuration arrives.
const MIGRATION_INTERVAL: Duration = Duration::from_millis(50);

/// How many shards this replica installed from other groups and their encoded bytes.
pub use super::state::InstallStats as MigrationStats;

/// One server of a replica group.
pub struct ShardKv {
    gid: Gid,
    /// `"<gid>-<me>"`, for logs.
    label: String,
    rsm: Arc<Rsm<GroupState>>,
    /// The controller's clerk, for the poller.
    // lab:given 5A
    ctrler: CtrlerClerk,
    /// Makes client ends to other groups' servers, by the names configurations list.
    make_end: MakeEnd,
    /// Clients of other groups' servers, by server name, made on first use.
    peers: Mutex<BTreeMap<String, ShardKvClient>>,
    /// The last term in which this replica, as leader, logged a no-op.
    // lab:given 5A
    noop_term: AtomicU64,
    /// Dropped by `kill`: the poller and migrator wait on it between rounds and stop.
    stop: Mutex<Option<Sender<()>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl ShardKv {
    /// Starts server `me` of group `gid` over its Raft peers, with ends to the controller
    /// servers and `make_end` to reach other groups. `max_raft_state` is the course's
    /// `maxraftstate` (`None` for −1).
    pub fn start(
        peers: Vec<ClientEnd>,
        me: usize,
        persister: Arc<Persister>,
        max_raft_state: Option<usize>,
        gid: Gid,
        ctrler_ends: Vec<ClientEnd>,
        make_end: MakeEnd,
    ) -> Arc<ShardKv> {
        let label = format!("{gid}-{me}");
        let state = GroupState::new(gid);
        let rsm = Rsm::start(label.clone(), peers, me, persister, max_raft_state, state);
        let (stop_sender, stop_receiver) = labsim::channel::bounded(0);
        let server = Arc::new(ShardKv {
            gid,
            label,
            rsm,
            ctrler: CtrlerClerk::new(ctrler_ends),
            make_end,
            peers: Mutex::new(BTreeMap::new()),
            noop_term: AtomicU64::new(0),
            stop: Mutex::new(Some(stop_sender)),
            threads: Mutex::new(Vec::new()),
        });
        server.spawn(
            "poller",
            CONFIG_POLL_INTERVAL,
            &stop_receiver,
            ShardKv::poll_once,
        );
        server.spawn(
            "migrator",
            MIGRATION_INTERVAL,
            &stop_receiver,
            ShardKv::migrate_once,
        );
        server
    }

    /// The services to host on this server's labrpc server: the group's service and Raft.
    pub fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        vec![
            ShardKvHandler::into_service(Arc::clone(self)),
            self.rsm.raft().service(),
        ]
    }

    /// Whether this replica believes it leads its group.
    pub fn is_leader(&self) -> bool {
        self.rsm.is_leader()
    }

    /// The number of the configuration this replica has applied.
    pub fn config_num(&self) -> u64 {
        self.rsm.read(|state| state.current().num)
    }

    /// Shards this replica installed from other groups, and their bytes (for testers).
    pub fn migration_stats(&self) -> MigrationStats {
        self.rsm.read(GroupState::install_stats)
    }

    /// Stops the server, its threads and its Raft, and joins them. Idempotent.
    ///
    /// The replica goes first: that wakes a poller or migrator waiting on a submitted
    /// command at once, instead of after the apply timeout.
    pub fn kill(&self) {
        drop(self.stop.lock().take());
        self.rsm.kill();
        let threads: Vec<_> = self.threads.lock().drain(..).collect();
        for thread in threads {
            let _ = thread.join();
        }
    }

    /// Starts a thread that runs `round` every `interval` until the server is killed.
    fn spawn(
        self: &Arc<Self>,
        name: &str,
        interval: Duration,
        stop: &Receiver<()>,
        round: fn(&ShardKv),
    ) {
        let server = Arc::clone(self);
        let stop = stop.clone();
        let handle = labsim::thread::spawn(format!("{}-{name}", self.label), move || {
            while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(interval) {
                round(&server);
            }
        });
        self.threads.lock().push(handle);
    }

    /// The poller's round, run every [`CONFIG_POLL_INTERVAL`] until the server is killed:
    /// moves the group to the next configuration, through its log.
    ///
    /// - Only the leader acts (`rsm.raft().state()`); on any other replica, return at once.
    /// - Once per term, a new leader submits [`Command::Noop`] (`noop_term` remembers the
    ///   term): Raft commits entries of earlier terms only together with one of its own, and
    ///   a group with no clerk traffic would otherwise never apply a configuration or a
    ///   migration step that an old leader logged.
    /// - Only when the group is settled (`GroupState::is_settled`: no shard pulling,
    ///   offering or received) may it move on. Ask the controller for configuration
    ///   `current + 1`, exactly one past the group's own (never the latest: a group that
    ///   missed changes goes through each), with `ctrler.try_query`, which asks each
    ///   controller server once and never blocks; and submit
    ///   `Command::Reconfigure` only if the answer has that number (the controller answers
    ///   a number past its latest with its latest).
    ///
    /// Return promptly: `kill` waits for this thread. Never hold the state across a call
    /// (`rsm.read` copies what you need out).
    // lab:solution 5A
    fn poll_once(&self) {
        let (term, is_leader) = self.rsm.raft().state();
        if !is_leader {
            return;
        }
        if self.noop_term.swap(term, Ordering::Relaxed) != term {
            let _ = self.rsm.submit(Command::Noop);
        }
        let (settled, num) = self
            .rsm
            .read(|state| (state.is_settled(), state.current().num));
        if !settled {
            return;
        }
        if let Some(config) = self.ctrler.try_query(Some(num + 1)) {
            if config.num == num + 1 {
                log::info!(target: "shardkv", "S{} config: moving to {}", self.label, config.num);
                let _ = self.rsm.submit(Command::Reconfigure { config });
            }
        }
    }

    /// The migrator's round: as leader, pull every pulling shard and ask for the deletion
    /// of every received one, one thread per other group so that a group that cannot be
    /// reached delays nobody else's shards.
    fn migrate_once(&self) {
        if !self.rsm.is_leader() {
            return;
        }
        let (num, pulls, deletions) = self.rsm.read(|state| {
            (
                state.current().num,
                state.pulls_needed(),
                state.deletions_needed(),
            )
        });
        labsim::thread::scope(|scope| {
            for transfer in &pulls {
                let name = format!("{}-pull-{}", self.label, transfer.gid);
                scope.spawn(name, move || self.pull(num, transfer));
            }
            for transfer in &deletions {
                let name = format!("{}-delete-{}", self.label, transfer.gid);
                scope.spawn(name, move || self.request_deletion(num, transfer));
            }
        });
    }

    /// Pulls `transfer`'s shards from their owner in configuration `num - 1` and installs
    /// them through the log. Runs on its own thread of the migrator's round
    /// ([`migrate_once`](ShardKv::migrate_once)), once per round for as long as the shards
    /// are pulling, so one round is enough: the next one retries.
    ///
    /// Ask each of `transfer.servers` in turn (a client from [`peer`](ShardKv::peer)) with
    /// `PullArgs { config_num: num, shards }`. The first `Ok` reply carries each shard's data
    /// and duplicate table: submit `Command::InstallShards { config_num: num, shards }`
    /// and stop. Any other answer (not the leader, not at that configuration yet, a failed
    /// call) means: try the next server. Hold no lock across a call.
    // lab:solution 5B
    fn pull(&self, num: u64, transfer: &Transfer) {
        let args = PullArgs {
            config_num: num,
            shards: transfer.shards.clone(),
        };
        for server in &transfer.servers {
            let Ok(PullReply { result: Ok(shards) }) = self.peer(server).pull_shards(&args) else {
                continue;
            };
            log::info!(target: "shardkv", "S{} migrate: pulled {:?} of config {num} from {}", self.label, transfer.shards, transfer.gid);
            let _ = self.rsm.submit(Command::InstallShards {
                config_num: num,
                shards,
            });
            return;
        }
    }

    /// Asks `transfer`'s group to delete its copies of the shards this group received in
    /// configuration `num`, and logs the confirmation. Runs like [`pull`](ShardKv::pull):
    /// on its own thread, every migrator round while the shards are received.
    ///
    /// Ask each of `transfer.servers` in turn with `DeleteArgs { config_num: num, shards }`.
    /// The first `Ok(())` reply means the old owner has deleted them (now or earlier): submit
    /// `Command::DeletionConfirmed { config_num: num, shards }` and stop. Any other answer
    /// means: try the next server.
    // lab:solution 5B
    fn request_deletion(&self, num: u64, transfer: &Transfer) {
        let args = DeleteArgs {
            config_num: num,
            shards: transfer.shards.clone(),
        };
        for server in &transfer.servers {
            let Ok(DeleteReply { result: Ok(()) }) = self.peer(server).delete_shards(&args) else {
                continue;
            };
            log::info!(target: "shardkv", "S{} migrate: {} deleted {:?} of config {num}", self.label, transfer.gid, transfer.shards);
            let _ = self.rsm.submit(Command::DeletionConfirmed {
                config_num: num,
                shards: transfer.shards.clone(),
            });
            return;
        }
    }

    /// A client of the server named `name`, made on first use.
    // lab:given 5B
    fn peer(&self, name: &str) -> ShardKvClient {
        self.peers
            .lock()
            .entry(name.to_string())
            .or_insert_with(|| ShardKvClient::new((self.make_end)(name)))
            .clone()
    }
}

impl ShardKvHandler for ShardKv {
    fn request(&self, args: ClientArgs) -> ClientReply {
        // Refuse at once what the group surely does not serve; the log decides the rest.
        let shard = key_to_shard(args.op.key());
        if let Err(error) = self.rsm.read(|state| state.check_serving(shard)) {
            return ClientReply { result: Err(error) };
        }
        let command = Command::Client {
            id: args.id,
            op: args.op,
        };
        ClientReply {
            result: self
                .rsm
                .submit(command)
                .map_err(Error::from)
                .and_then(|output| output),
        }
    }

    fn pull_shards(&self, args: PullArgs) -> PullReply {
        if !self.rsm.is_leader() {
            return PullReply {
                result: Err(Error::WrongLeader),
            };
        }
        PullReply {
            result: self
                .rsm
                .read(|state| state.offered(args.config_num, &args.shards)),
        }
    }

    fn delete_shards(&self, args: DeleteArgs) -> DeleteReply {
        // Past that configuration, the shards were deleted before the group moved on.
        if self.rsm.read(|state| state.current().num > args.config_num) {
            return DeleteReply { result: Ok(()) };
        }
        let command = Command::DeleteShards {
            config_num: args.config_num,
            shards: args.shards,
        };
        DeleteReply {
            result: self
                .rsm
                .submit(command)
                .map_err(Error::from)
                .and_then(|output| output.map(drop)),
        }
    }
}

impl std::fmt::Debug for ShardKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShardKv {} (group {})", self.label, self.gid)
    }
}
