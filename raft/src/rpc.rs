//! The Raft RPCs (Figure 2 and §7): their arguments, replies and the labrpc service.
//!
//! Peers are numbered by their position in the `peers` list (`u64` on the wire). The
//! AppendEntries reply carries the follower's hint for backing up `next_index` quickly over
//! a conflicting log (the "accelerated log backtracking" of §5.3's closing paragraphs).

use serde::{Deserialize, Serialize};

use crate::log::Entry;

/// RequestVote arguments (Figure 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteArgs {
    /// The candidate's term.
    pub term: u64,
    /// The candidate requesting the vote.
    pub candidate: u64,
    /// Index of the candidate's last log entry (§5.4).
    pub last_log_index: u64,
    /// Term of the candidate's last log entry (§5.4).
    pub last_log_term: u64,
    /// A pre-vote: "would you vote for me in `term`?", which changes no one's term or vote
    /// (Ongaro's dissertation, §9.6).
    pub pre_vote: bool,
}

/// RequestVote reply (Figure 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteReply {
    /// The voter's current term, for the candidate to update itself.
    pub term: u64,
    /// Whether the candidate received the vote.
    pub vote_granted: bool,
}

/// AppendEntries arguments (Figure 2); no entries makes it a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesArgs {
    /// The leader's term.
    pub term: u64,
    /// The leader, so followers can point clients to it.
    pub leader: u64,
    /// Index of the entry just before the new ones.
    pub prev_log_index: u64,
    /// Term of that entry.
    pub prev_log_term: u64,
    /// Entries to store, starting at `prev_log_index + 1`.
    pub entries: Vec<Entry>,
    /// The leader's commit index.
    pub leader_commit: u64,
}

/// AppendEntries reply (Figure 2, plus the back-up hint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesReply {
    /// The follower's current term, for the leader to update itself.
    pub term: u64,
    /// Whether the follower held an entry matching `prev_log_index` and `prev_log_term`.
    pub success: bool,
    /// On a mismatch: the term of the follower's conflicting entry at `prev_log_index`, or
    /// `None` if its log is too short to have one.
    pub conflict_term: Option<u64>,
    /// On a mismatch: the first index the follower holds of `conflict_term`, or, if its log
    /// is too short, one past its last index.
    pub conflict_index: u64,
}

/// InstallSnapshot arguments (Figure 13), sent whole rather than in chunks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotArgs {
    /// The leader's term.
    pub term: u64,
    /// The leader.
    pub leader: u64,
    /// The snapshot replaces every entry through this index.
    pub last_included_index: u64,
    /// The term of that entry.
    pub last_included_term: u64,
    /// The service's snapshot bytes.
    #[serde(with = "labcodec::bytes")]
    pub data: Vec<u8>,
}

/// InstallSnapshot reply (Figure 13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotReply {
    /// The follower's current term, for the leader to update itself.
    pub term: u64,
    /// Whether the follower now holds everything through `last_included_index` (installed
    /// now or committed before). Only a killed peer says no: it must acknowledge nothing.
    pub installed: bool,
}

labrpc::service! {
    /// The RPCs Raft peers send each other.
    service Raft {
        handler RaftHandler;
        client RaftClient;
        /// Invoked by candidates to gather votes (§5.2).
        fn request_vote(RequestVoteArgs) -> RequestVoteReply;
        /// Invoked by the leader to replicate log entries (§5.3); also the heartbeat (§5.2).
        fn append_entries(AppendEntriesArgs) -> AppendEntriesReply;
        /// Invoked by the leader to send a snapshot to a follower that lags behind it (§7).
        fn install_snapshot(InstallSnapshotArgs) -> InstallSnapshotReply;
    }
}
