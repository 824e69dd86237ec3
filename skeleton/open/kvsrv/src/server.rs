//! The server.

use std::sync::Arc;

use labrpc::Service;

/// The key/value server: `key -> (value, version)`, and nothing about clients.
///
/// labrpc runs each call's handler on a thread of its own, so handlers run at once: guard
/// the state with a `labsim::sync::Mutex`.
#[derive(Debug)]
pub struct KvServer {
    // Your state.
}

impl KvServer {
    /// A server with an empty store.
    pub fn new() -> Arc<KvServer> {
        todo!("2: KvServer::new")
    }

    /// The key/value service, to host on a labrpc server: the handlers of the RPC service
    /// you declare with `labrpc::service!` (its `into_service`).
    pub fn service(self: &Arc<Self>) -> Box<dyn Service> {
        todo!("2: KvServer::service")
    }
}
