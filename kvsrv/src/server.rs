//! The server: the RPC handlers around one [`Store`] under a lock.

use std::sync::Arc;

use labrpc::Service;
use labsim::sync::Mutex;

use crate::rpc::{GetArgs, GetReply, KvHandler, PutArgs, PutReply};
use crate::store::Store;

/// The key/value server. It has no threads of its own: labrpc runs each handler on one of
/// the network's threads, so there is nothing to stop.
#[derive(Debug, Default)]
pub struct KvServer {
    /// Held only while a handler reads or changes the store, never across a call.
    store: Mutex<Store>,
}

impl KvServer {
    /// A server with an empty store.
    pub fn new() -> Arc<KvServer> {
        Arc::new(KvServer::default())
    }

    /// The key/value service, to host on a labrpc server.
    pub fn service(self: &Arc<Self>) -> Box<dyn Service> {
        Arc::clone(self).into_service()
    }
}

impl KvHandler for KvServer {
    fn get(&self, args: GetArgs) -> GetReply {
        let result = self.store.lock().get(&args.key);
        log::debug!(
            target: "kvsrv",
            "S0 get: {:?} -> {:?}",
            args.key,
            result.as_ref().map(|(_, version)| version)
        );
        GetReply { result }
    }

    fn put(&self, args: PutArgs) -> PutReply {
        let result = self.store.lock().put(&args.key, args.value, args.version);
        log::debug!(
            target: "kvsrv",
            "S0 put: {:?} at v{} -> {result:?}",
            args.key,
            args.version
        );
        PutReply { result }
    }
}
