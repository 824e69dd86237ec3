//! A controller server: the RPC handlers over the replicated controller state.

use std::sync::Arc;

use kvraft::rsm::Rsm;
use labrpc::{ClientEnd, Service};
use raft::Persister;

use super::rpc::{CtrlerCommand, CtrlerHandler, CtrlerReply};
use super::state::CtrlerState;
use crate::Error;

/// One replica of the shard controller.
pub struct CtrlerServer {
    rsm: Arc<Rsm<CtrlerState>>,
}

impl CtrlerServer {
    /// Starts replica `me` over its Raft peers. The controller keeps few, small
    /// configurations, so it never snapshots (the course's controller has no maxraftstate).
    pub fn start(peers: Vec<ClientEnd>, me: usize, persister: Arc<Persister>) -> Arc<CtrlerServer> {
        let label = format!("ctrler-{me}");
        let rsm = Rsm::start(label, peers, me, persister, None, CtrlerState::default());
        Arc::new(CtrlerServer { rsm })
    }

    /// The services to host on this server's labrpc server: the controller and Raft.
    pub fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        vec![
            CtrlerHandler::into_service(Arc::clone(self)),
            self.rsm.raft().service(),
        ]
    }

    /// Whether this replica believes it is the leader (for testers).
    pub fn is_leader(&self) -> bool {
        self.rsm.is_leader()
    }

    /// Stops the server and its Raft, and joins their threads.
    pub fn kill(&self) {
        self.rsm.kill();
    }

    fn handle(&self, command: CtrlerCommand) -> CtrlerReply {
        CtrlerReply {
            result: self.rsm.submit(command).map_err(Error::from),
        }
    }
}

impl CtrlerHandler for CtrlerServer {
    fn join(&self, args: CtrlerCommand) -> CtrlerReply {
        self.handle(args)
    }

    fn leave(&self, args: CtrlerCommand) -> CtrlerReply {
        self.handle(args)
    }

    fn move_shard(&self, args: CtrlerCommand) -> CtrlerReply {
        self.handle(args)
    }

    fn query(&self, args: CtrlerCommand) -> CtrlerReply {
        self.handle(args)
    }
}
