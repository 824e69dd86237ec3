//! The key/value server: RPC handlers that submit commands through the replicated state
//! machine ([`Rsm`]) over a [`Store`].

use std::sync::Arc;

use labrpc::{ClientEnd, Service};
use raft::{Persister, Raft};

use crate::rpc::{
    Command, GetArgs, GetReply, KvError, KvHandler, KvResult, Op, PutAppendArgs, PutAppendReply,
};
use crate::rsm::{Brief, Rsm};
use crate::store::Store;

/// One replica of the key/value service.
pub struct KvServer {
    rsm: Arc<Rsm<Store>>,
}

impl KvServer {
    /// Starts a server: builds its Raft over `peers`, restores the latest snapshot, and starts
    /// the applier. `max_raft_state` is the course's `maxraftstate` (`None` for −1).
    pub fn start(
        peers: Vec<ClientEnd>,
        me: usize,
        persister: Arc<Persister>,
        max_raft_state: Option<usize>,
    ) -> Arc<KvServer> {
        let rsm = Rsm::start(
            me.to_string(),
            peers,
            me,
            persister,
            max_raft_state,
            Store::default(),
        );
        Arc::new(KvServer { rsm })
    }

    /// The services to host on this server's labrpc server: the key/value service and Raft.
    pub fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        vec![
            KvHandler::into_service(Arc::clone(self)),
            self.rsm.raft().service(),
        ]
    }

    /// This server's Raft, for testers that look at terms and leadership.
    pub fn raft(&self) -> &Raft {
        self.rsm.raft()
    }

    /// Stops the server and its Raft, and joins their threads. Idempotent.
    pub fn kill(&self) {
        self.rsm.kill();
    }

    /// Submits a command and waits for its result. A write already applied (a retry whose
    /// first attempt got through) is answered at once, without another trip through the log.
    fn submit(&self, command: Command) -> KvResult<String> {
        let id = command.id;
        let me = self.rsm.me();
        raft::peer_log!(trace, target: "kvraft", peer: me, term: self.rsm.known_term(), "client",
            "{id:?}: {}", Brief(&command.op));
        if self.rsm.read(|store| store.is_duplicate(&command)) {
            raft::peer_log!(debug, target: "kvraft", peer: me, term: self.rsm.known_term(),
                "client", "{id:?}: already applied, answered at once");
            return Ok(String::new());
        }
        let result = self.rsm.submit(command).and_then(|output| output);
        // Every follower answers every clerk's first try this way: detail, not news (a
        // leader that lost a command it had started logs that in `rsm`).
        if result == Err(KvError::WrongLeader) {
            raft::peer_log!(trace, target: "kvraft", peer: me, term: self.rsm.known_term(),
                "client", "{id:?}: answered WrongLeader");
        } else {
            raft::peer_log!(debug, target: "kvraft", peer: me, term: self.rsm.known_term(),
                "client", "{id:?}: answered {}", Brief(&result));
        }
        result
    }
}

impl KvHandler for KvServer {
    fn get(&self, args: GetArgs) -> GetReply {
        let command = Command {
            id: args.id,
            op: Op::Get { key: args.key },
        };
        GetReply {
            result: self.submit(command),
        }
    }

    fn put(&self, args: PutAppendArgs) -> PutAppendReply {
        let command = Command {
            id: args.id,
            op: Op::Put {
                key: args.key,
                value: args.value,
            },
        };
        PutAppendReply {
            result: self.submit(command).map(drop),
        }
    }

    fn append(&self, args: PutAppendArgs) -> PutAppendReply {
        let command = Command {
            id: args.id,
            op: Op::Append {
                key: args.key,
                value: args.value,
            },
        };
        PutAppendReply {
            result: self.submit(command).map(drop),
        }
    }
}
