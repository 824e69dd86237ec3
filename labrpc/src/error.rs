//! The errors of labrpc: why a call failed, and why a network operation was refused.

use thiserror::Error;

/// Why an RPC did not produce a reply.
///
/// Every variant means the same thing to a protocol: no reply, try again later or elsewhere.
/// The variants exist so that logs and tests can say *why*.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RpcError {
    /// The unreliable network lost the request; the handler never ran.
    #[error("request lost by the unreliable network")]
    RequestLost,
    /// The handler ran, but the unreliable network lost its reply.
    #[error("reply lost by the unreliable network")]
    ReplyLost,
    /// The end is disabled, not connected, or its server was deleted; no handler ran.
    #[error("server unreachable (end disabled, unconnected, or server deleted)")]
    Unreachable,
    /// The server was deleted or cut off while the handler ran; any reply was discarded.
    #[error("server died while handling the call")]
    ServerDead,
    /// The network (or the socket connection) was shut down.
    #[error("network closed")]
    NetworkClosed,
    /// The server hosts no such service or method.
    #[error("unknown method {name:?}; valid methods: {}", valid.join(", "))]
    UnknownMethod {
        /// The `"Service.method"` name that was called.
        name: String,
        /// Every `"Service.method"` the server does host.
        valid: Vec<String>,
    },
    /// The arguments or the reply could not be decoded as the expected type.
    #[error("codec error: {0}")]
    Codec(#[from] labcodec::Error),
    /// The transport failed (socket transport only): I/O error, bad frame, peer hung up.
    #[error("transport error: {0}")]
    Transport(String),
}

/// Why a network configuration call was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// `create_end` was given a name that is already in use.
    #[error("a client end named {0:?} already exists")]
    DuplicateEnd(String),
    /// The named end does not exist.
    #[error("no client end named {0:?}")]
    NoSuchEnd(String),
    /// `LAB_SEED` is set to something that is not an unsigned integer.
    #[error("LAB_SEED={0:?} is not a seed; use an unsigned integer such as 12345")]
    BadSeed(String),
}

/// The result of network configuration calls.
pub type Result<T> = std::result::Result<T, Error>;
