//! What Raft hands the service, and why it refuses a request: the types the tester and the
//! services built on Raft match on. Both skeleton tiers give this file as it is.

/// What Raft hands the service on its apply channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyMsg {
    /// A committed command, delivered once and in index order.
    Command {
        /// Its log index (the first is 1).
        index: u64,
        /// The term in which it entered the log.
        term: u64,
        /// The service's bytes, as given to `start`.
        command: Vec<u8>,
    },
    /// A snapshot from the leader (3D): the service replaces its state with it. Commands
    /// after it start at `index + 1`.
    Snapshot {
        /// The last index the snapshot covers.
        index: u64,
        /// The term of that entry.
        term: u64,
        /// The service's snapshot bytes.
        snapshot: Vec<u8>,
    },
}

/// Why Raft refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// This peer is not the leader (or has been killed).
    #[error("not the leader{}", hint.map_or(String::new(), |leader| format!("; try peer {leader}")))]
    NotLeader {
        /// The leader of the current term, if this peer has heard from it.
        hint: Option<usize>,
    },
}

/// The result of Raft calls.
pub type Result<T> = std::result::Result<T, Error>;
