//! The replica.

use std::sync::Arc;

use labrpc::{ClientEnd, Service};
use raft::{Persister, Raft};

/// One replica of the key/value service: a Raft peer and the state machine it drives.
pub struct KvServer {
    // Your state.
}

impl KvServer {
    /// Starts replica `me`: its Raft peer over `peers` (`peers[me]` is this replica's own)
    /// and `persister`, its state restored from what the persister holds, and whatever
    /// threads it needs. Returns at once. `max_raft_state` is the course's `maxraftstate`
    /// (`None` for −1: never snapshot).
    pub fn start(
        peers: Vec<ClientEnd>,
        me: usize,
        persister: Arc<Persister>,
        max_raft_state: Option<usize>,
    ) -> Arc<KvServer> {
        let _ = (peers, me, persister, max_raft_state);
        todo!("4A: KvServer::start")
    }

    /// The services to host on this replica's labrpc server: the key/value service and
    /// Raft's.
    pub fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        todo!("4A: KvServer::services")
    }

    /// This replica's Raft peer, for the tester to look at terms and leadership.
    pub fn raft(&self) -> &Raft {
        todo!("4A: KvServer::raft")
    }

    /// Stops the replica and its Raft peer (`Raft::kill`) and joins their threads, so that a
    /// crashed replica's threads do not pile up over a test's many restarts. Idempotent.
    pub fn kill(&self) {
        todo!("4A: KvServer::kill")
    }
}
