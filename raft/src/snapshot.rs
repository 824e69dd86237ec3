//! Log compaction (§7): the service's snapshots, and InstallSnapshot for followers that lag
//! behind the leader's log.

use labsim::time::Instant;

// lab:hide 3D
use crate::apply::PendingSnapshot;
use crate::rpc::{InstallSnapshotArgs, InstallSnapshotReply};
// lab:hide 3D
use crate::state::peer_log;
use crate::state::RaftState;

impl RaftState {
    /// The service's snapshot of everything through `index` (callable on every peer): the log
    /// drops those entries and the snapshot is saved with the hard state in one step. Ignored
    /// if a snapshot already covers `index`, or if `index` is not yet committed.
    ///
    /// Use [`Log::compact_through`](crate::log::Log::compact_through), then
    /// [`persist_with_snapshot`](RaftState::persist_with_snapshot): saving the trimmed log
    /// without the snapshot, or the snapshot without the trimmed log, would lose one of them
    /// in a crash. The tester calls this from the thread that reads the apply channel, so it
    /// must not wait for anything (the given applier never holds the lock while sending).
    // lab:solution 3D
    pub fn take_snapshot(&mut self, index: u64, snapshot: Vec<u8>) {
        if index <= self.log.snapshot_index() || index > self.commit_index {
            peer_log!(
                debug,
                self,
                "snapshot",
                "ignoring the service's snapshot through {index}"
            );
            return;
        }
        self.log.compact_through(index);
        self.persist_with_snapshot(snapshot);
        peer_log!(debug, self, "snapshot", "service snapshot through {index}");
    }

    /// The arguments to send a follower the snapshot on stable storage.
    pub fn install_snapshot_args(&self) -> InstallSnapshotArgs {
        InstallSnapshotArgs {
            term: self.current_term,
            leader: self.me as u64,
            last_included_index: self.log.snapshot_index(),
            last_included_term: self.log.snapshot_term(),
            data: self.stored_snapshot(),
        }
    }

    /// The InstallSnapshot handler (Figure 13). A snapshot of entries this peer already knows
    /// committed is ignored. Otherwise the log keeps the entries after the snapshot if it
    /// holds the snapshot's last entry, and is discarded entirely if not; the snapshot is
    /// saved and queued for the service.
    ///
    /// - A request from an older term is refused (`installed: false`); otherwise
    ///   [`accept_leader`](RaftState::accept_leader), as for AppendEntries.
    /// - A snapshot through an index at or before `commit_index` is old news: reply
    ///   `installed: true` (the follower holds all of it), after saving any term change.
    /// - Otherwise: keep the entries after the snapshot if the log holds its last entry with
    ///   the same term ([`Log::compact_through`]), else discard the whole log
    ///   ([`Log::reset_to_snapshot`]); the commit index moves to the snapshot's index; save
    ///   the hard state and the snapshot together
    ///   ([`persist_with_snapshot`](RaftState::persist_with_snapshot)); and queue the
    ///   snapshot for the applier in `pending_snapshot`, which delivers it as
    ///   [`ApplyMsg::Snapshot`](crate::ApplyMsg::Snapshot) before any later command and moves
    ///   `last_applied` to its index.
    /// - The reply carries this peer's current term; `installed: true` once the snapshot is
    ///   saved. Everything is saved before returning.
    ///
    /// [`Log::compact_through`]: crate::log::Log::compact_through
    /// [`Log::reset_to_snapshot`]: crate::log::Log::reset_to_snapshot
    // lab:solution 3D
    pub fn handle_install_snapshot(
        &mut self,
        args: InstallSnapshotArgs,
        now: Instant,
    ) -> InstallSnapshotReply {
        if args.term < self.current_term {
            return InstallSnapshotReply {
                term: self.current_term,
                installed: false,
            };
        }
        self.accept_leader(args.term, args.leader as usize, now);
        let index = args.last_included_index;
        if index <= self.commit_index {
            self.persist_if_dirty();
            return InstallSnapshotReply {
                term: self.current_term,
                installed: true,
            };
        }
        if self.log.term_at(index) == Some(args.last_included_term) {
            self.log.compact_through(index);
        } else {
            self.log.reset_to_snapshot(index, args.last_included_term);
        }
        self.commit_index = index;
        self.persist_with_snapshot(args.data.clone());
        self.pending_snapshot = Some(PendingSnapshot {
            index,
            term: args.last_included_term,
            data: args.data,
        });
        peer_log!(
            debug,
            self,
            "snapshot",
            "installed the leader's snapshot through {index}"
        );
        InstallSnapshotReply {
            term: self.current_term,
            installed: true,
        }
    }

    /// The leader takes the reply to the InstallSnapshot `args` it sent `peer` as message
    /// `sequence` (`None`: the call failed). Like
    /// [`handle_append_entries_reply`](RaftState::handle_append_entries_reply): ignore it if
    /// killed, after a later term in the reply (`observe_term`), or unless still leader in
    /// `args.term`; clear the in-flight mark if it is `sequence`; record the time of any
    /// reply in `last_reply`; and if the follower installed it, it holds everything through
    /// `last_included_index`: [`record_match`](RaftState::record_match). The caller saves the
    /// state afterwards.
    // lab:solution 3D
    pub fn handle_install_snapshot_reply(
        &mut self,
        peer: usize,
        sequence: u64,
        args: &InstallSnapshotArgs,
        reply: Option<InstallSnapshotReply>,
        now: Instant,
    ) {
        if self.killed
            || reply
                .as_ref()
                .is_some_and(|reply| self.observe_term(reply.term, now))
        {
            self.persist_if_dirty();
            return;
        }
        if !self.is_leader() || self.current_term != args.term {
            return;
        }
        let progress = &mut self.progress[peer];
        if reply.is_none() {
            progress.call_failed(Some(sequence), now);
            return;
        }
        if progress.in_flight == Some(sequence) {
            progress.in_flight = None;
        }
        progress.retry_at = None;
        progress.last_reply = now;
        if reply.is_some_and(|reply| reply.installed) {
            self.record_match(peer, args.last_included_index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::{NextStep, Outgoing};
    use crate::state::testing::*;
    use crate::state::Role;

    fn install(term: u64, index: u64, last_term: u64) -> InstallSnapshotArgs {
        InstallSnapshotArgs {
            term,
            leader: 0,
            last_included_index: index,
            last_included_term: last_term,
            data: vec![index as u8],
        }
    }

    /// §7: the service's snapshot through `index` replaces the log's prefix; it is saved
    /// together with the trimmed log, and entries after it stay.
    #[test]
    fn service_snapshots_trim_the_log() {
        let mut peer_state = peer_with_log(0, 3, 2, &[1, 1, 2, 2]);
        peer_state.commit_index = 3;
        peer_state.take_snapshot(3, b"three".to_vec());
        assert_eq!(peer_state.log.snapshot_index(), 3);
        assert_eq!(peer_state.log.last_index(), 4);
        assert_eq!(peer_state.stored_snapshot(), b"three");
        assert_eq!(saved(&peer_state).log, peer_state.log);
        peer_state.take_snapshot(4, b"four".to_vec());
        assert_eq!(
            peer_state.log.snapshot_index(),
            3,
            "index 4 is not committed yet"
        );
    }

    /// Figure 13 rule 6: if the follower holds the snapshot's last entry, it keeps the entries
    /// that follow.
    #[test]
    fn install_keeps_a_matching_suffix() {
        let now = Instant::now();
        let mut follower = peer_with_log(1, 3, 2, &[1, 1, 2, 2]);
        follower.handle_install_snapshot(install(2, 3, 2), now);
        assert_eq!(
            (follower.log.snapshot_index(), follower.log.last_index()),
            (3, 4)
        );
        assert_eq!(follower.commit_index, 3);
        let pending = follower.pending_snapshot.as_ref().unwrap();
        assert_eq!((pending.index, pending.term), (3, 2));
        assert_eq!(follower.stored_snapshot(), vec![3]);
    }

    /// Figure 13 rule 7: otherwise the whole log is discarded; and a snapshot of entries the
    /// follower already has committed is ignored.
    #[test]
    fn install_discards_a_conflicting_log_and_ignores_old_snapshots() {
        let now = Instant::now();
        let mut follower = peer_with_log(1, 3, 3, &[1, 1]);
        follower.handle_install_snapshot(install(3, 5, 3), now);
        assert_eq!(
            (
                follower.log.snapshot_index(),
                follower.log.last_index(),
                follower.log.last_term()
            ),
            (5, 5, 3)
        );
        follower.pending_snapshot = None;
        follower.handle_install_snapshot(install(3, 4, 3), now);
        assert!(follower.pending_snapshot.is_none());
        assert_eq!(follower.log.snapshot_index(), 5);
    }

    /// A leader whose log no longer holds a follower's next entry sends its snapshot, and on
    /// the reply resumes with the entries after it.
    #[test]
    fn leader_sends_the_snapshot_to_a_lagging_follower() {
        let now = Instant::now();
        let mut leader = peer_with_log(0, 3, 1, &[1, 1, 1]);
        leader.become_candidate(now);
        leader.current_term = 2;
        leader.commit_index = 2;
        leader.take_snapshot(2, b"two".to_vec());
        leader.become_leader(now);
        leader.progress[1].next_index = 1;
        let NextStep::Send(Outgoing::Snapshot { sequence, args }) = leader.next_step(1, now) else {
            panic!("expected a snapshot")
        };
        assert_eq!(
            (args.last_included_index, args.data.as_slice()),
            (2, &b"two"[..])
        );
        leader.handle_install_snapshot_reply(
            1,
            sequence,
            &args,
            Some(InstallSnapshotReply {
                term: 2,
                installed: true,
            }),
            now,
        );
        assert_eq!(
            (
                leader.progress[1].match_index,
                leader.progress[1].next_index
            ),
            (2, 3)
        );
        assert_eq!(leader.role, Role::Leader);
    }

    /// An append whose prefix a snapshot already covers matches there: those entries are
    /// committed, so they match the leader's.
    #[test]
    fn appends_overlapping_the_snapshot_are_accepted() {
        let now = Instant::now();
        let mut follower = peer_with_log(1, 3, 2, &[1, 1, 2]);
        follower.commit_index = 3;
        follower.take_snapshot(3, vec![]);
        let entries = (0..5)
            .map(|i| crate::log::Entry {
                term: if i < 2 { 1 } else { 2 },
                command: vec![i],
            })
            .collect();
        let args = crate::rpc::AppendEntriesArgs {
            term: 2,
            leader: 0,
            prev_log_index: 0,
            prev_log_term: 0,
            entries,
            leader_commit: 3,
        };
        assert!(follower.handle_append_entries(&args, now).success);
        assert_eq!(follower.log.last_index(), 5);
    }
}
