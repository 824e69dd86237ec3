//! Log replication (§5.3, §5.4.2): what the leader sends each follower, how a follower
//! takes it, and how the leader backs up and commits.
//!
//! The leader sends each follower one message at a time with entries (all it has from the
//! follower's `next_index`, so entries started meanwhile go out together in the next one),
//! and a heartbeat when it has sent nothing for [`HEARTBEAT_INTERVAL`]. A heartbeat that
//! falls due while entries are still unacknowledged carries them again, so a follower that
//! was unreachable catches up within one interval of coming back.

use std::time::Duration;

use labsim::time::Instant;

use crate::log::Entry;
use crate::rpc::{AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs};
// lab:hide 3A
use crate::state::peer_log;
use crate::state::{RaftState, Role};
use crate::Error;

/// How often the leader sends each follower something when there is nothing new: under the
/// course's limit of 10 per second per peer (checked by the RPC-count test) with room to
/// spare, yet more than two per shortest election timeout, so that one lost heartbeat does
/// not make a follower ask for votes. (If losses do, the pre-vote is refused by the peers
/// that still hear the leader, so the leader stays.)
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(150);

/// The slower heartbeat pace for a follower that has not answered for
/// [`UNRESPONSIVE_AFTER`]: it is most likely cut off, and every call to it costs an RPC that
/// waits up to 7 s to fail. Still under the shortest election timeout, so a follower that is
/// merely slow to answer keeps hearing from the leader, and a reconnected one hears again
/// within this interval.
pub const UNRESPONSIVE_HEARTBEAT_INTERVAL: Duration = Duration::from_millis(300);

/// How long without any reply makes a follower count as unresponsive: three heartbeats.
pub const UNRESPONSIVE_AFTER: Duration = Duration::from_millis(450);

/// How long the leader waits before sending again a payload whose call failed (lost, or the
/// follower unreachable). Long enough that a call that fails at once (a closed network, a
/// dead peer) is not retried in a loop at one instant; short beside a heartbeat, so that a
/// message lost on an unreliable network goes again almost at once.
pub const RETRY_PAUSE: Duration = Duration::from_millis(20);

/// The most entries one AppendEntries carries, so a far-behind follower gets bounded chunks.
pub const MAX_ENTRIES_PER_APPEND: usize = 4096;

/// The leader's view of one follower (Figure 2, "volatile state on leaders").
#[derive(Debug, Clone)]
pub struct Progress {
    /// Index of the next entry to send.
    pub next_index: u64,
    /// Highest index known replicated on the follower.
    pub match_index: u64,
    /// When something was last sent, to pace heartbeats.
    pub last_sent: Option<Instant>,
    /// When the follower last answered anything, to slow heartbeats to one that does not.
    pub last_reply: Instant,
    /// The sequence number of the unacknowledged message carrying entries or a snapshot.
    pub in_flight: Option<u64>,
    /// After a failed call, when the payload may go again ([`RETRY_PAUSE`]).
    pub retry_at: Option<Instant>,
    /// The commit index the follower was last told.
    pub commit_sent: u64,
    /// The sequence number the next such message gets.
    next_sequence: u64,
}

impl Progress {
    /// A follower about which the new leader knows nothing yet (taken to be responsive).
    pub fn new(next_index: u64, now: Instant) -> Progress {
        Progress {
            next_index,
            match_index: 0,
            last_sent: None,
            last_reply: now,
            in_flight: None,
            retry_at: None,
            commit_sent: 0,
            next_sequence: 0,
        }
    }

    /// Whether the follower has answered anything lately.
    fn is_responsive(&self, now: Instant) -> bool {
        now < self.last_reply + UNRESPONSIVE_AFTER
    }

    /// How long to wait between heartbeats to this follower.
    fn heartbeat_interval(&self, now: Instant) -> Duration {
        if self.is_responsive(now) {
            HEARTBEAT_INTERVAL
        } else {
            UNRESPONSIVE_HEARTBEAT_INTERVAL
        }
    }

    /// A call to the follower failed (no reply): the payload in flight, if it was `sequence`,
    /// may go again after [`RETRY_PAUSE`].
    // lab:hide 3B
    pub(crate) fn call_failed(&mut self, sequence: Option<u64>, now: Instant) {
        if sequence.is_some() && self.in_flight == sequence {
            self.in_flight = None;
            self.retry_at = Some(now + RETRY_PAUSE);
        }
    }

    /// Records that a message with a payload leaves now; returns its sequence number.
    fn send_payload(&mut self, now: Instant) -> u64 {
        self.next_sequence += 1;
        self.in_flight = Some(self.next_sequence);
        self.last_sent = Some(now);
        self.next_sequence
    }
}

/// A message the leader is to send one follower.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// AppendEntries; `sequence` is set when it carries entries.
    Append {
        /// Identifies the payload, to clear it from `in_flight` on the reply.
        sequence: Option<u64>,
        /// The arguments.
        args: AppendEntriesArgs,
    },
    /// InstallSnapshot, for a follower that needs entries the log no longer has.
    Snapshot {
        /// Identifies the payload.
        sequence: u64,
        /// The arguments.
        args: InstallSnapshotArgs,
    },
}

/// What a follower's replicator should do next.
#[derive(Debug)]
pub enum NextStep {
    /// Send this now.
    Send(Outgoing),
    /// Nothing to send before this instant (unless woken).
    WaitUntil(Instant),
    /// Not leader: wait to be woken.
    Idle,
}

impl RaftState {
    /// A client command (the service's `Start`): the leader appends it to its log and returns
    /// its index and term at once; anyone else returns [`Error::NotLeader`] with the leader it
    /// knows of (`leader_hint`, but never itself), a killed peer included
    /// ([`is_leader`](RaftState::is_leader) is false once killed).
    ///
    /// - The entry gets the current term and the next index; the leader's own `match_index`
    ///   in `progress` moves to it.
    /// - Replication starts at once without more from you: the caller wakes the replicators,
    ///   and [`next_step`](RaftState::next_step) sends the new entry to every idle follower.
    /// - A lone peer (`majority() == 1`) is its own majority: save, then
    ///   [`maybe_commit`](RaftState::maybe_commit) now, since no reply will ever come to do it.
    /// - 3C: the log changed, so [`mark_dirty`](RaftState::mark_dirty): `next_step` saves
    ///   before the entry is sent.
    // lab:solution 3B
    pub fn start(&mut self, command: Vec<u8>) -> Result<(u64, u64), Error> {
        if !self.is_leader() {
            return Err(Error::NotLeader {
                hint: self.leader_hint.filter(|leader| *leader != self.me),
            });
        }
        let term = self.current_term;
        let index = self.log.push(Entry { term, command });
        self.progress[self.me].match_index = index;
        // Saved before it is sent (next_step); a lone peer commits it right away.
        self.mark_dirty();
        if self.majority() == 1 {
            self.persist_if_dirty();
            self.maybe_commit();
        }
        peer_log!(trace, self, "client", "start at {index}");
        Ok((index, term))
    }

    /// Decides what to send `peer` now (the leader's replicator loop calls this): entries
    /// (or the snapshot) when it lacks some and none are in flight, or when a heartbeat is
    /// due; else a heartbeat when one is due, or when the commit index moved and the follower,
    /// answering and idle, should hear of it now rather than a heartbeat later (so that it
    /// applies the entry within a round trip of the leader).
    pub fn next_step(&mut self, peer: usize, now: Instant) -> NextStep {
        if !self.is_leader() {
            return NextStep::Idle;
        }
        let progress = &self.progress[peer];
        let interval = progress.heartbeat_interval(now);
        let heartbeat_due = !matches!(progress.last_sent, Some(sent) if now < sent + interval);
        let has_payload = progress.next_index <= self.log.last_index();
        let idle = progress.in_flight.is_none();
        let heartbeat = progress.last_sent.unwrap_or(now) + interval;
        if has_payload && (idle || heartbeat_due) {
            if let Some(retry) = progress.retry_at.filter(|at| now < *at && !heartbeat_due) {
                // The last call failed a moment ago: the payload goes again after the pause.
                return NextStep::WaitUntil(retry.min(heartbeat));
            }
            self.persist_if_dirty();
            return NextStep::Send(self.payload_for(peer, now));
        }
        let commit_news =
            idle && progress.commit_sent < self.commit_index && progress.is_responsive(now);
        if heartbeat_due || commit_news {
            self.persist_if_dirty();
            self.progress[peer].last_sent = Some(now);
            let args = self.append_args(peer, 0);
            return NextStep::Send(Outgoing::Append {
                sequence: None,
                args,
            });
        }
        NextStep::WaitUntil(heartbeat)
    }

    /// Entries from the follower's `next_index`, or the snapshot if the log no longer has them.
    fn payload_for(&mut self, peer: usize, now: Instant) -> Outgoing {
        let sequence = self.progress[peer].send_payload(now);
        if self.progress[peer].next_index <= self.log.snapshot_index() {
            let args = self.install_snapshot_args();
            return Outgoing::Snapshot { sequence, args };
        }
        let args = self.append_args(peer, MAX_ENTRIES_PER_APPEND);
        Outgoing::Append {
            sequence: Some(sequence),
            args,
        }
    }

    /// AppendEntries for `peer` with up to `limit` entries from its `next_index`.
    fn append_args(&mut self, peer: usize, limit: usize) -> AppendEntriesArgs {
        self.progress[peer].commit_sent = self.commit_index;
        let prev_log_index = self.progress[peer].next_index - 1;
        let prev_log_term = self
            .log
            .term_at(prev_log_index)
            .unwrap_or_else(|| panic!("no term for prev index {prev_log_index} of S{peer}"));
        AppendEntriesArgs {
            term: self.current_term,
            leader: self.me as u64,
            prev_log_index,
            prev_log_term,
            entries: self.log.entries_from(prev_log_index + 1, limit),
            leader_commit: self.commit_index,
        }
    }

    /// The AppendEntries handler (Figure 2). The reply carries this peer's current term (after
    /// any update).
    ///
    /// 3A (heartbeats, no log yet):
    ///
    /// - a request from an older term is refused (`success: false`, §5.1), changing nothing;
    /// - otherwise the sender is the leader of its term: [`accept_leader`] (which adopts a
    ///   later term, turns a candidate into a follower, records the leader and resets the
    ///   election timer), and reply `success: true`.
    ///
    /// 3B (the log): success depends on the log matching at `prev_log_index`
    /// ([`matching_suffix`], §5.3). On a match, store the entries ([`merge_entries`]) and
    /// follow the leader's commit index, but only as far as this request showed the log to
    /// match: `min(leader_commit, prev_log_index + entries.len())` ([`follow_commit`]). On a
    /// mismatch, reply with the hint `matching_suffix` gives (`conflict_term`,
    /// `conflict_index`).
    ///
    /// 3C: save (`persist_if_dirty`) before returning: the reply leaves as soon as this
    /// returns, and the leader counts it as a replica.
    ///
    /// [`accept_leader`]: RaftState::accept_leader
    /// [`matching_suffix`]: RaftState::matching_suffix
    /// [`merge_entries`]: RaftState::merge_entries
    /// [`follow_commit`]: RaftState::follow_commit
    // lab:solution 3A
    pub fn handle_append_entries(
        &mut self,
        args: &AppendEntriesArgs,
        now: Instant,
    ) -> AppendEntriesReply {
        if args.term < self.current_term {
            return self.append_reply(false, None, 0);
        }
        self.accept_leader(args.term, args.leader as usize, now);
        let reply = match self.matching_suffix(args) {
            Ok(entries_after) => {
                self.merge_entries(args.prev_log_index + 1 + entries_after.0, entries_after.1);
                let last_new = args.prev_log_index + args.entries.len() as u64;
                self.follow_commit(args.leader_commit.min(last_new));
                self.append_reply(true, None, 0)
            }
            Err(reply) => reply,
        };
        self.persist_if_dirty();
        reply
    }

    /// §5.2: an AppendEntries or InstallSnapshot from the leader of a term at least ours makes
    /// this peer its follower and resets the election timer.
    pub fn accept_leader(&mut self, term: u64, leader: usize, now: Instant) {
        if term > self.current_term || self.role != Role::Follower {
            self.become_follower(term, now);
        }
        self.leader_hint = Some(leader);
        self.last_leader_contact = Some(now);
        self.reset_election_timer(now);
    }

    /// Figure 2 receiver rule 2 (§5.3 log matching): does this log hold an entry at
    /// `args.prev_log_index` with term `args.prev_log_term`?
    ///
    /// - If so, `Ok((0, &args.entries[..]))`: all the entries are to be stored.
    /// - If `prev_log_index` is inside this peer's snapshot (before `log.snapshot_index()`,
    ///   3D), the log matches there (everything a snapshot covers is committed, hence the
    ///   leader's), but the entries the snapshot already covers are skipped: `Ok((skipped,
    ///   the rest))`.
    /// - Otherwise the mismatch reply (`success: false`, this peer's term) with the back-up
    ///   hint the leader needs (see [`AppendEntriesReply`]): if the log holds an entry at
    ///   `prev_log_index` with another term, `conflict_term` is that term and
    ///   `conflict_index` the first index of its run ([`Log::first_index_of_term_at`]); if
    ///   the log is too short, `conflict_term` is `None` and `conflict_index` is one past the
    ///   last index.
    ///
    /// [`Log::first_index_of_term_at`]: crate::log::Log::first_index_of_term_at
    // lab:solution 3B
    pub fn matching_suffix<'a>(
        &self,
        args: &'a AppendEntriesArgs,
    ) -> Result<(u64, &'a [Entry]), AppendEntriesReply> {
        let snapshot_index = self.log.snapshot_index();
        if args.prev_log_index < snapshot_index {
            // Everything through the snapshot is committed, and so matches the leader's log.
            let skip = (snapshot_index - args.prev_log_index).min(args.entries.len() as u64);
            return Ok((skip, &args.entries[skip as usize..]));
        }
        match self.log.term_at(args.prev_log_index) {
            Some(term) if term == args.prev_log_term => Ok((0, &args.entries[..])),
            Some(term) => {
                let first = self.log.first_index_of_term_at(args.prev_log_index);
                Err(self.append_reply(false, Some(term), first))
            }
            None => Err(self.append_reply(false, None, self.log.last_index() + 1)),
        }
    }

    /// Stores `entries` starting at index `first`: "if an existing entry conflicts with a new
    /// one (same index but different terms), delete the existing entry and all that follow
    /// it; append any new entries not already in the log" (Figure 2). Matching entries are
    /// kept, so a stale, shorter AppendEntries never shortens the log.
    ///
    /// Never remove a committed entry (at or before `commit_index`): panic with a message if
    /// it would come to that, since the leader and this log would disagree on it. 3C: mark
    /// the state dirty if the log changed (and only then).
    // lab:solution 3B
    pub fn merge_entries(&mut self, first: u64, entries: &[Entry]) {
        for (offset, entry) in entries.iter().enumerate() {
            let index = first + offset as u64;
            match self.log.term_at(index) {
                Some(term) if term == entry.term => continue,
                Some(_) => {
                    assert!(
                        index > self.commit_index,
                        "S{} would remove committed entry {index}",
                        self.me
                    );
                    self.log.truncate_from(index);
                }
                None => {}
            }
            for entry in &entries[offset..] {
                self.log.push(entry.clone());
            }
            self.mark_dirty();
            return;
        }
    }

    /// A follower's commit rule (Figure 2 receiver rule 5): `commitIndex = min(leaderCommit,
    /// index of last new entry)`, which the caller computes as `known_committed`. The commit
    /// index never goes back: a smaller value changes nothing. The given applier delivers
    /// what is newly committed.
    // lab:solution 3B
    pub fn follow_commit(&mut self, known_committed: u64) {
        if known_committed > self.commit_index {
            self.commit_index = known_committed;
            peer_log!(
                trace,
                self,
                "commit",
                "follower commits through {known_committed}"
            );
        }
    }

    // lab:hide 3A
    fn append_reply(
        &self,
        success: bool,
        conflict_term: Option<u64>,
        conflict_index: u64,
    ) -> AppendEntriesReply {
        AppendEntriesReply {
            term: self.current_term,
            success,
            conflict_term,
            conflict_index,
        }
    }

    /// The leader takes the reply to the AppendEntries `args` it sent `peer` (`None`: the call
    /// failed). `sequence` is the message's number if it carried entries
    /// ([`Outgoing::Append`]), `None` for a heartbeat. Runs on the call thread after the lock
    /// was released for the call (the caller saves the state afterwards), so:
    ///
    /// 3A:
    ///
    /// - a killed peer ignores it; a reply with a later term makes this peer a follower
    ///   ([`observe_term`](RaftState::observe_term));
    /// - it is ignored unless this peer is still leader in the term the request was sent in
    ///   (`args.term`);
    /// - if `sequence` is the follower's in-flight message (`progress.in_flight`), clear the
    ///   mark (even if the call failed): the replicator sends entries to a follower only
    ///   when nothing is in flight, else only with the next heartbeat;
    /// - any reply (not a failed call) records the time in `progress.last_reply`: the
    ///   replicator slows its heartbeats to followers that stop answering.
    ///
    /// 3B:
    ///
    /// - on success the follower holds the log through `prev_log_index + entries.len()`:
    ///   [`record_match`](RaftState::record_match), which also tries to commit;
    /// - on a mismatch, move `next_index` to [`backed_up_next_index`], clamped between
    ///   `match_index + 1` (never behind what the follower is known to hold: the reply may be
    ///   stale) and one past the leader's last index; and clear the in-flight mark, so that
    ///   the retry goes out at once.
    ///
    /// [`backed_up_next_index`]: RaftState::backed_up_next_index
    // lab:solution 3A
    pub fn handle_append_entries_reply(
        &mut self,
        peer: usize,
        sequence: Option<u64>,
        args: &AppendEntriesArgs,
        reply: Option<AppendEntriesReply>,
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
        let Some(reply) = reply else {
            progress.call_failed(sequence, now);
            return;
        };
        if sequence.is_some() && progress.in_flight == sequence {
            progress.in_flight = None;
        }
        progress.retry_at = None;
        progress.last_reply = now;
        if reply.success {
            self.record_match(peer, args.prev_log_index + args.entries.len() as u64);
        } else {
            let next_index = self.backed_up_next_index(&reply);
            let progress = &mut self.progress[peer];
            progress.next_index =
                next_index.clamp(progress.match_index + 1, self.log.last_index() + 1);
            progress.in_flight = None;
            peer_log!(
                trace,
                self,
                "append",
                "S{peer} mismatch at {}, next {}",
                args.prev_log_index,
                progress.next_index
            );
        }
    }

    /// Records that `peer` holds the leader's log through `index`, and commits what can be.
    pub fn record_match(&mut self, peer: usize, index: u64) {
        let progress = &mut self.progress[peer];
        progress.match_index = progress.match_index.max(index);
        progress.next_index = progress.next_index.max(progress.match_index + 1);
        self.maybe_commit();
    }

    /// Where to resume after a mismatch, from the follower's hint: just past the leader's last
    /// entry of the follower's conflicting term if the leader has that term
    /// ([`Log::last_index_of_term`](crate::log::Log::last_index_of_term)), else the
    /// follower's `conflict_index` (its first index of that term, or its log's end when it
    /// has no `conflict_term`). Never below 1. So a whole conflicting term is skipped per
    /// round trip, not one entry.
    // lab:solution 3B
    pub fn backed_up_next_index(&self, reply: &AppendEntriesReply) -> u64 {
        reply
            .conflict_term
            .and_then(|term| self.log.last_index_of_term(term))
            .map_or(reply.conflict_index, |last| last + 1)
            .max(1)
    }

    /// §5.4.2 (the Figure 8 rule): the leader commits the highest index that a majority holds
    /// (by `progress[..].match_index`, counting its own last index for itself), but only if
    /// that entry is from its current term; earlier entries commit with it. The commit index
    /// never goes back. Called by [`record_match`](RaftState::record_match) and by `start` on
    /// a lone peer; the given applier delivers what is newly committed.
    // lab:solution 3B
    pub fn maybe_commit(&mut self) {
        let mut matched: Vec<u64> = self
            .progress
            .iter()
            .map(|progress| progress.match_index)
            .collect();
        matched[self.me] = self.log.last_index();
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let majority_index = matched[self.majority() - 1];
        if majority_index > self.commit_index
            && self.log.term_at(majority_index) == Some(self.current_term)
        {
            self.commit_index = majority_index;
            peer_log!(
                trace,
                self,
                "commit",
                "leader commits through {majority_index}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::testing::*;

    fn append(
        term: u64,
        prev: (u64, u64),
        entry_terms: &[u64],
        leader_commit: u64,
    ) -> AppendEntriesArgs {
        AppendEntriesArgs {
            term,
            leader: 1,
            prev_log_index: prev.0,
            prev_log_term: prev.1,
            entries: entry_terms
                .iter()
                .map(|term| Entry {
                    term: *term,
                    command: vec![*term as u8],
                })
                .collect(),
            leader_commit,
        }
    }

    fn terms(state: &RaftState) -> Vec<u64> {
        (1..=state.log.last_index())
            .map(|index| state.log.term_at(index).unwrap())
            .collect()
    }

    fn leader_with_log(peer_count: usize, term: u64, log_terms: &[u64]) -> RaftState {
        let mut state = peer_with_log(0, peer_count, term - 1, log_terms);
        state.become_candidate(Instant::now());
        state.current_term = term;
        state.become_leader(Instant::now());
        state
    }

    /// §5.3 log matching: the follower refuses entries unless it holds an entry at
    /// `prev_log_index` with `prev_log_term`, and says where its log diverges.
    #[test]
    fn rejects_entries_that_do_not_follow_a_matching_entry() {
        let now = Instant::now();
        let mut follower = peer_with_log(2, 3, 3, &[1, 1, 2, 2]);
        let reply = follower.handle_append_entries(&append(3, (4, 3), &[3], 0), now);
        assert_eq!(
            (reply.success, reply.conflict_term, reply.conflict_index),
            (false, Some(2), 3)
        );
        let reply = follower.handle_append_entries(&append(3, (7, 3), &[3], 0), now);
        assert_eq!(
            (reply.success, reply.conflict_term, reply.conflict_index),
            (false, None, 5)
        );
        assert_eq!(
            terms(&follower),
            [1, 1, 2, 2],
            "a rejected append changes nothing"
        );
    }

    /// Figure 2 receiver rule 3-4: a conflicting entry and all that follow it are deleted and
    /// the new entries appended; entries that match are kept, so a stale, shorter append
    /// never shortens the log.
    #[test]
    fn replaces_conflicting_entries_only() {
        let now = Instant::now();
        let mut follower = peer_with_log(2, 3, 3, &[1, 1, 2, 2, 2]);
        let reply = follower.handle_append_entries(&append(3, (2, 1), &[3, 3], 0), now);
        assert!(reply.success);
        assert_eq!(terms(&follower), [1, 1, 3, 3]);
        follower.handle_append_entries(&append(3, (2, 1), &[3], 0), now);
        assert_eq!(
            terms(&follower),
            [1, 1, 3, 3],
            "the stale prefix keeps the suffix"
        );
        assert_eq!(
            saved(&follower).log,
            follower.log,
            "persisted before replying"
        );
    }

    /// Figure 2 receiver rule 5: commitIndex = min(leaderCommit, index of last new entry).
    #[test]
    fn follower_commits_up_to_what_it_knows_matches() {
        let now = Instant::now();
        let mut follower = peer_with_log(2, 3, 1, &[1, 1, 1, 1]);
        follower.handle_append_entries(&append(1, (1, 1), &[1], 9), now);
        assert_eq!(
            follower.commit_index, 2,
            "only entries verified by this append"
        );
        follower.handle_append_entries(&append(1, (4, 1), &[], 3), now);
        assert_eq!(follower.commit_index, 3);
    }

    /// §5.1: an append from an older term is refused with the newer term; one from the current
    /// term turns a candidate into a follower of that leader.
    #[test]
    fn stale_leaders_are_refused_and_current_ones_obeyed() {
        let now = Instant::now();
        let mut peer_state = peer(2, 3);
        peer_state.become_candidate(now);
        peer_state.become_candidate(now);
        let reply = peer_state.handle_append_entries(&append(1, (0, 0), &[], 0), now);
        assert_eq!((reply.success, reply.term), (false, 2));
        assert_eq!(peer_state.role, Role::Candidate);
        let reply = peer_state.handle_append_entries(&append(2, (0, 0), &[], 0), now);
        assert!(reply.success);
        assert_eq!(
            (peer_state.role, peer_state.leader_hint),
            (Role::Follower, Some(1))
        );
    }

    /// §5.4.2, Figure 8: a leader never commits an entry of an earlier term by counting
    /// replicas; it commits it only by committing an entry of its own term after it.
    #[test]
    fn commits_only_current_term_entries_by_counting() {
        let mut leader = leader_with_log(5, 4, &[1, 2]);
        leader.record_match(1, 2);
        leader.record_match(2, 2);
        assert_eq!(
            leader.commit_index, 0,
            "entry 2 of term 2 is on a majority but not committed"
        );
        let (index, term) = leader.start(b"x".to_vec()).unwrap();
        assert_eq!((index, term), (3, 4));
        leader.record_match(1, 3);
        assert_eq!(leader.commit_index, 0, "2 of 5 is no majority");
        leader.record_match(2, 3);
        assert_eq!(
            leader.commit_index, 3,
            "the current term's entry commits, and 1-2 with it"
        );
    }

    /// The leader backs up over a whole conflicting term per round trip, and never below what
    /// the follower is known to match.
    #[test]
    fn backs_up_next_index_by_terms() {
        let now = Instant::now();
        let mut leader = leader_with_log(3, 6, &[1, 1, 4, 4, 5, 5]);
        let args = append(6, (6, 5), &[], 0);
        // Follower has term 2 at index 6, starting at index 3: the leader has no term 2.
        let conflict = AppendEntriesReply {
            term: 6,
            success: false,
            conflict_term: Some(2),
            conflict_index: 3,
        };
        leader.handle_append_entries_reply(1, None, &args, Some(conflict), now);
        assert_eq!(leader.progress[1].next_index, 3);
        // Follower has term 4 from index 3: resume after the leader's last term-4 entry.
        let conflict = AppendEntriesReply {
            term: 6,
            success: false,
            conflict_term: Some(4),
            conflict_index: 3,
        };
        leader.handle_append_entries_reply(2, None, &args, Some(conflict), now);
        assert_eq!(leader.progress[2].next_index, 5);
        // Too short a log: resume at its end, but not below a known match.
        leader.record_match(2, 4);
        let short = AppendEntriesReply {
            term: 6,
            success: false,
            conflict_term: None,
            conflict_index: 2,
        };
        leader.handle_append_entries_reply(2, None, &args, Some(short), now);
        assert_eq!(leader.progress[2].next_index, 5);
    }

    /// Entries started while a message is in flight wait for its reply and then go together;
    /// heartbeats keep their pace meanwhile.
    #[test]
    fn sends_one_payload_at_a_time_and_paces_heartbeats() {
        let now = Instant::now();
        let mut leader = leader_with_log(3, 2, &[1]);
        let NextStep::Send(Outgoing::Append {
            sequence: None,
            args,
        }) = leader.next_step(1, now)
        else {
            panic!("a new leader sends a heartbeat at once")
        };
        assert_eq!((args.prev_log_index, args.entries.len()), (1, 0));
        leader.start(b"a".to_vec()).unwrap();
        let NextStep::Send(Outgoing::Append {
            sequence: Some(sequence),
            args,
        }) = leader.next_step(1, now)
        else {
            panic!("start sends at once")
        };
        assert_eq!((args.prev_log_index, args.entries.len()), (1, 1));
        leader.start(b"b".to_vec()).unwrap();
        leader.start(b"c".to_vec()).unwrap();
        assert!(
            matches!(leader.next_step(1, now), NextStep::WaitUntil(_)),
            "one payload in flight"
        );
        let ok = AppendEntriesReply {
            term: 2,
            success: true,
            conflict_term: None,
            conflict_index: 0,
        };
        leader.handle_append_entries_reply(1, Some(sequence), &args, Some(ok), now);
        let NextStep::Send(Outgoing::Append { args, .. }) = leader.next_step(1, now) else {
            panic!("the batch goes out after the reply")
        };
        assert_eq!((args.prev_log_index, args.entries.len()), (2, 2));
        assert!(matches!(leader.next_step(1, now), NextStep::WaitUntil(_)));
        let later = now + HEARTBEAT_INTERVAL;
        assert!(
            matches!(
                leader.next_step(1, later),
                NextStep::Send(Outgoing::Append {
                    sequence: Some(_),
                    ..
                })
            ),
            "unacknowledged entries go again with the heartbeat"
        );
    }

    /// A leader of three (term 2) that has sent its first heartbeat to follower 1, then
    /// started one command: the AppendEntries carrying it to follower 1, sent at `now`.
    fn leader_sending_one_entry(now: Instant) -> (RaftState, Option<u64>, AppendEntriesArgs) {
        let mut leader = leader_with_log(3, 2, &[]);
        let NextStep::Send(_) = leader.next_step(1, now) else {
            panic!("first heartbeat")
        };
        leader.start(b"a".to_vec()).unwrap();
        let NextStep::Send(Outgoing::Append { sequence, args }) = leader.next_step(1, now) else {
            panic!("start sends at once")
        };
        (leader, sequence, args)
    }

    /// When the commit index moves, an idle follower that answers hears of it at once.
    #[test]
    fn tells_idle_followers_of_new_commits_at_once() {
        let now = Instant::now();
        let (mut leader, sequence, args) = leader_sending_one_entry(now);
        assert!(
            matches!(leader.next_step(2, now), NextStep::Send(_)),
            "to the other follower"
        );
        let ok = AppendEntriesReply {
            term: 2,
            success: true,
            conflict_term: None,
            conflict_index: 0,
        };
        leader.handle_append_entries_reply(1, sequence, &args, Some(ok), now);
        assert_eq!(leader.commit_index, 1);
        let NextStep::Send(Outgoing::Append { args, .. }) = leader.next_step(1, now) else {
            panic!("the new commit index goes out at once")
        };
        assert_eq!((args.leader_commit, args.entries.len()), (1, 0));
        assert!(
            matches!(leader.next_step(1, now), NextStep::WaitUntil(_)),
            "told once"
        );
        assert!(
            matches!(leader.next_step(2, now), NextStep::WaitUntil(_)),
            "payload still in flight"
        );
    }

    /// A call carrying entries fails at once (a closed network, a dead peer): do the entries
    /// go again after the pause, not in a loop at the same instant, and not as an empty
    /// heartbeat meanwhile (whose previous entry could be inside a snapshot by then)?
    #[test]
    fn a_failed_payload_goes_again_after_a_pause() {
        let now = Instant::now();
        let (mut leader, sequence, args) = leader_sending_one_entry(now);
        leader.handle_append_entries_reply(1, sequence, &args, None, now);
        let NextStep::WaitUntil(retry) = leader.next_step(1, now) else {
            panic!("a failed call is not sent again at the same instant")
        };
        assert_eq!(retry, now + RETRY_PAUSE);
        let NextStep::Send(Outgoing::Append { args, .. }) = leader.next_step(1, retry) else {
            panic!("the entries go again after the pause")
        };
        assert_eq!(args.entries.len(), 1);
    }

    /// A follower that has answered nothing for a while gets heartbeats at the slower pace;
    /// any reply restores the normal pace.
    #[test]
    fn slows_heartbeats_to_unresponsive_followers() {
        let now = Instant::now();
        let mut leader = leader_with_log(3, 2, &[]);
        let NextStep::Send(Outgoing::Append { args, .. }) = leader.next_step(1, now) else {
            panic!("a new leader sends at once")
        };
        let silent = leader.progress[1].last_reply + UNRESPONSIVE_AFTER;
        leader.progress[1].last_sent = Some(silent);
        let NextStep::WaitUntil(next) = leader.next_step(1, silent) else {
            panic!("just sent")
        };
        assert_eq!(next, silent + UNRESPONSIVE_HEARTBEAT_INTERVAL);
        let ok = AppendEntriesReply {
            term: 2,
            success: true,
            conflict_term: None,
            conflict_index: 0,
        };
        leader.handle_append_entries_reply(1, None, &args, Some(ok), silent);
        let NextStep::WaitUntil(next) = leader.next_step(1, silent) else {
            panic!("just sent")
        };
        assert_eq!(next, silent + HEARTBEAT_INTERVAL);
    }

    #[test]
    fn followers_refuse_commands_and_name_the_leader() {
        let now = Instant::now();
        let mut follower = peer(2, 3);
        assert_eq!(
            follower.start(vec![1]),
            Err(Error::NotLeader { hint: None })
        );
        follower.handle_append_entries(&append(1, (0, 0), &[], 0), now);
        assert_eq!(
            follower.start(vec![1]),
            Err(Error::NotLeader { hint: Some(1) })
        );
    }
}
