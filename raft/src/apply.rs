//! Delivering committed entries and installed snapshots to the service, in order.
//!
//! The applier thread takes what is ready under the lock ([`RaftState::take_ready`]), then
//! releases the lock before sending: the service may call back into Raft (the tester calls
//! `snapshot()` from its apply-channel reader), so holding the lock while sending could
//! deadlock.

use crate::state::{peer_log, RaftState};
use crate::ApplyMsg;

/// The most messages the applier takes per lock acquisition.
pub const MAX_APPLY_BATCH: usize = 1024;

/// A snapshot installed from the leader, waiting for the applier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSnapshot {
    /// The last index it covers.
    pub index: u64,
    /// The term of that entry.
    pub term: u64,
    /// The bytes.
    pub data: Vec<u8>,
}

impl RaftState {
    /// Whether the applier has something to deliver.
    pub fn has_ready(&self) -> bool {
        self.pending_snapshot.is_some() || self.commit_index > self.last_applied
    }

    /// Takes what is ready to deliver, in order, and counts it as applied: an installed
    /// snapshot first (if any), else committed entries after `last_applied`.
    pub fn take_ready(&mut self, limit: usize) -> Vec<ApplyMsg> {
        if let Some(pending) = self.pending_snapshot.take() {
            if pending.index > self.last_applied {
                self.last_applied = pending.index;
                return vec![ApplyMsg::Snapshot {
                    index: pending.index,
                    term: pending.term,
                    snapshot: pending.data,
                }];
            }
        }
        let first = self.last_applied + 1;
        let last = self.commit_index.min(self.last_applied + limit as u64);
        let messages: Vec<ApplyMsg> = (first..=last)
            .map(|index| self.command_message(index))
            .collect();
        if let Some(ApplyMsg::Command { index, .. }) = messages.first() {
            peer_log!(trace, self, "apply", "{index}..={last}");
        }
        self.last_applied = last.max(self.last_applied);
        messages
    }

    fn command_message(&self, index: u64) -> ApplyMsg {
        let entry = self.log.entry(index).unwrap_or_else(|| {
            panic!(
                "S{} must apply {index}, but its log starts after {}",
                self.me,
                self.log.snapshot_index()
            )
        });
        ApplyMsg::Command {
            index,
            term: entry.term,
            command: entry.command.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::InstallSnapshotArgs;
    use crate::state::testing::*;
    use labsim::time::Instant;

    #[test]
    fn applies_committed_entries_once_and_in_order() {
        let mut state = peer_with_log(0, 3, 1, &[1, 1, 1]);
        assert!(!state.has_ready());
        state.commit_index = 2;
        let messages = state.take_ready(MAX_APPLY_BATCH);
        let indices: Vec<u64> = messages
            .iter()
            .map(|message| match message {
                ApplyMsg::Command { index, .. } => *index,
                ApplyMsg::Snapshot { .. } => panic!("no snapshot here"),
            })
            .collect();
        assert_eq!(indices, [1, 2]);
        assert!(state.take_ready(MAX_APPLY_BATCH).is_empty());
        state.commit_index = 3;
        assert_eq!(state.take_ready(1).len(), 1);
    }

    /// After an installed snapshot, the service gets the snapshot and then the commands
    /// after it, never the ones it replaced.
    #[test]
    fn an_installed_snapshot_comes_before_later_entries() {
        let now = Instant::now();
        let mut state = peer_with_log(1, 3, 1, &[1]);
        state.commit_index = 1;
        state.handle_install_snapshot(
            InstallSnapshotArgs {
                term: 1,
                leader: 0,
                last_included_index: 4,
                last_included_term: 1,
                data: vec![4],
            },
            now,
        );
        let messages = state.take_ready(MAX_APPLY_BATCH);
        assert_eq!(
            messages,
            [ApplyMsg::Snapshot {
                index: 4,
                term: 1,
                snapshot: vec![4]
            }]
        );
        assert_eq!(state.last_applied, 4);
        assert!(!state.has_ready());
    }
}
