//! One peer's protocol state and its role transitions.
//!
//! [`RaftState`] is plain data plus methods: no threads, no locks, no network. Every RPC
//! handler, reply handler and client call is a method on it (in `election`, `replication`,
//! `snapshot` and `apply`), so unit tests drive it directly. The node wraps it in one mutex.

use std::sync::Arc;
use std::time::Duration;

use labsim::rand::LabRng;
use labsim::time::Instant;
use rand::Rng;

use crate::apply::PendingSnapshot;
use crate::log::Log;
use crate::persist::{decode_hard_state, encode_hard_state, HardState};
use crate::persister::Persister;
use crate::replication::Progress;

/// Shortest election timeout. More than two heartbeat intervals, so that a lost heartbeat on
/// the unreliable network does not start an election, yet short enough that a new leader
/// emerges well within the tester's 5 s.
pub const ELECTION_TIMEOUT_MIN: Duration = Duration::from_millis(400);

/// Longest election timeout. The spread keeps two candidates from splitting the vote twice in
/// a row (§5.2).
pub const ELECTION_TIMEOUT_MAX: Duration = Duration::from_millis(700);

/// What a peer currently is (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Answers RPCs; becomes a candidate when it hears nothing for an election timeout.
    Follower,
    /// Gathering votes for its term.
    Candidate,
    /// Replicating its log to every follower.
    Leader,
}

/// A peer's whole protocol state (Figure 2 and §7).
#[derive(Debug)]
pub struct RaftState {
    /// This peer's index in the peer list.
    pub me: usize,
    /// How many peers there are, this one included.
    pub peer_count: usize,
    /// Latest term seen (persistent).
    pub current_term: u64,
    /// Who got this peer's vote in `current_term` (persistent).
    pub voted_for: Option<usize>,
    /// The log after the snapshot (persistent).
    pub log: Log,
    /// Follower, candidate or leader.
    pub role: Role,
    /// The leader of `current_term`, when this peer has heard from it: a hint for clients.
    pub leader_hint: Option<usize>,
    /// Highest index known committed.
    pub commit_index: u64,
    /// Highest index handed to the applier (in a command or a snapshot).
    pub last_applied: u64,
    /// Candidate or pre-candidate: which peers granted their vote (or pre-vote).
    pub votes: Vec<bool>,
    /// Pre-candidate: the term it asks pre-votes for (the current term + 1).
    pub pre_vote_term: Option<u64>,
    /// When this peer last heard from a leader of its term; pre-votes are refused for a while
    /// after.
    pub last_leader_contact: Option<Instant>,
    /// Leader: replication progress per peer (empty otherwise).
    pub progress: Vec<Progress>,
    /// When this peer starts an election if it hears nothing from a leader or candidate.
    pub election_deadline: Instant,
    /// A snapshot from the leader that the applier has yet to deliver to the service.
    pub pending_snapshot: Option<PendingSnapshot>,
    /// Set by `kill()`: the peer takes no more actions.
    pub killed: bool,
    /// The hard state changed since it was last saved.
    dirty: bool,
    persister: Arc<Persister>,
    /// Draws election timeouts; seeded by the simulation in simulation, so runs replay.
    rng: LabRng,
}

/// Logs a line in the shape `lab logs` lays out in columns: `S<peer> T<term> <topic>: <text>`.
///
/// Inside Raft, `peer_log!(debug, state, "election", "won with {granted} votes")` takes the
/// peer and the term from a `RaftState` (its `me` and `current_term`) and logs on the target
/// `raft`. A service on Raft names its target, peer and term itself, as kvraft does:
/// `raft::peer_log!(debug, target: "kvraft", peer: me, term: term, "client", "...")`. The
/// topic is one lowercase word (`election`, `vote`, `append`, `commit`, `apply`, `snapshot`,
/// `persist`, `leader`, `client`). Like every `log` macro, it evaluates its arguments only
/// when the line's level is on.
#[macro_export]
macro_rules! peer_log {
    ($level:ident, target: $target:literal, peer: $peer:expr, term: $term:expr, $topic:literal, $($arg:tt)+) => {
        ::log::$level!(
            target: $target,
            "S{} T{} {}: {}",
            $peer,
            $term,
            $topic,
            ::std::format_args!($($arg)+)
        )
    };
    ($level:ident, $state:expr, $topic:literal, $($arg:tt)+) => {
        $crate::peer_log!(
            $level,
            target: "raft",
            peer: $state.me,
            term: $state.current_term,
            $topic,
            $($arg)+
        )
    };
}
pub(crate) use crate::peer_log;

impl RaftState {
    /// The state of peer `me` of `peer_count`, restored from `persister` (empty for a new
    /// peer). Everything through the snapshot counts as committed and applied: the service
    /// restores itself from the snapshot before it starts Raft.
    pub fn restore(
        me: usize,
        peer_count: usize,
        persister: Arc<Persister>,
        now: Instant,
    ) -> RaftState {
        let saved = persister.raft_state();
        // A brand-new peer has saved nothing; there is nothing to decode.
        let hard_state = if saved.is_empty() {
            HardState::default()
        } else {
            decode_hard_state(&saved)
        };
        let snapshot_index = hard_state.log.snapshot_index();
        let mut state = RaftState {
            me,
            peer_count,
            current_term: hard_state.current_term,
            voted_for: hard_state.voted_for.map(|peer| peer as usize),
            log: hard_state.log,
            role: Role::Follower,
            leader_hint: None,
            commit_index: snapshot_index,
            last_applied: snapshot_index,
            votes: vec![false; peer_count],
            pre_vote_term: None,
            last_leader_contact: None,
            progress: Vec::new(),
            election_deadline: now,
            pending_snapshot: None,
            killed: false,
            dirty: false,
            persister,
            rng: LabRng::new(),
        };
        state.reset_election_timer(now);
        state
    }

    /// Whether this peer is the leader (and not killed).
    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader && !self.killed
    }

    /// How many peers make a majority.
    pub fn majority(&self) -> usize {
        self.peer_count / 2 + 1
    }

    /// The other peers' indices.
    pub fn others(&self) -> impl Iterator<Item = usize> {
        let me = self.me;
        (0..self.peer_count).filter(move |peer| *peer != me)
    }

    /// Picks a fresh random election timeout from `now`.
    pub fn reset_election_timer(&mut self, now: Instant) {
        let timeout = self
            .rng
            .gen_range(ELECTION_TIMEOUT_MIN..=ELECTION_TIMEOUT_MAX);
        self.election_deadline = now + timeout;
    }

    /// §5.1: a peer that sees a larger term adopts it and becomes a follower. Returns whether
    /// the term was larger.
    pub fn observe_term(&mut self, term: u64, now: Instant) -> bool {
        if term <= self.current_term {
            return false;
        }
        self.become_follower(term, now);
        true
    }

    /// Becomes a follower in `term` (§5.1). [`observe_term`](RaftState::observe_term) calls it
    /// for any message with a later term, and `accept_leader` for a message from the leader of
    /// `term`.
    ///
    /// - `term` is never older than `current_term`: panic with a message if it is.
    /// - A new term (`term > current_term`) is adopted, and with it the vote (`voted_for`)
    ///   and the leader hint are forgotten: they belonged to the old term. (3C: the term and
    ///   vote changed, so [`mark_dirty`](RaftState::mark_dirty).)
    /// - A leader that steps down resets its election timer: it has not been counting down
    ///   while it led, and should give the new leader time to be heard. A candidate or a
    ///   follower keeps its timer running (whoever heard from a leader resets it there).
    /// - The role becomes `Follower`, and the leader's `progress` is cleared.
    /// - Nothing else changes: `votes` and `pre_vote_term` stay as they are. A candidate's
    ///   late vote replies no longer count once it is a follower (the reply handler checks
    ///   the role), and a pre-vote round's replies are checked against `pre_vote_term` and
    ///   the term.
    // lab:solution 3A
    pub fn become_follower(&mut self, term: u64, now: Instant) {
        assert!(
            term >= self.current_term,
            "invalid transition to the older term {term}"
        );
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
            self.leader_hint = None;
            self.mark_dirty();
        }
        if self.role == Role::Leader {
            // A deposed leader has not been counting down; give the new leader time to speak.
            self.reset_election_timer(now);
            peer_log!(info, self, "leader", "stepping down");
        }
        self.role = Role::Follower;
        self.progress.clear();
    }

    /// Records that the hard state (term, vote, log) changed and must be saved (3C). Every
    /// method that changes `current_term`, `voted_for` or the log calls it; the change is
    /// then saved by the next [`persist_if_dirty`](RaftState::persist_if_dirty), before
    /// anything that depends on it leaves the peer.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Saves the hard state if it changed since the last save ([`mark_dirty`]); does nothing
    /// otherwise, so calling it often is cheap. Called before any reply or request that
    /// depends on the hard state leaves this peer (Figure 2: "updated on stable storage
    /// before responding to RPCs"):
    ///
    /// - by the RPC handlers (`handle_request_vote`, `handle_append_entries`,
    ///   `handle_install_snapshot`) before they return their reply;
    /// - by the given threads: the ticker after starting an election, the call threads after
    ///   every reply handler, and [`next_step`](RaftState::next_step) before it hands out a
    ///   message to send.
    ///
    /// [`mark_dirty`]: RaftState::mark_dirty
    pub fn persist_if_dirty(&mut self) {
        if self.dirty {
            self.persist();
        }
    }

    /// Saves the hard state now, keeping the stored snapshot: encodes term, vote and log
    /// ([`encode_hard_state`]), stores the bytes with [`Persister::save_raft_state`] (which
    /// leaves the snapshot alone), and clears the dirty mark. [`restore`](RaftState::restore)
    /// reads the same bytes back after a crash.
    // lab:solution 3C
    pub fn persist(&mut self) {
        let bytes = encode_hard_state(self.current_term, self.voted_for, &self.log);
        peer_log!(
            trace,
            self,
            "persist",
            "{} bytes, last index {}",
            bytes.len(),
            self.log.last_index()
        );
        self.persister.save_raft_state(bytes);
        self.dirty = false;
    }

    /// Saves the hard state and a new snapshot in one atomic step.
    pub fn persist_with_snapshot(&mut self, snapshot: Vec<u8>) {
        let bytes = encode_hard_state(self.current_term, self.voted_for, &self.log);
        peer_log!(
            debug,
            self,
            "persist",
            "{} bytes and a {}-byte snapshot through {}",
            bytes.len(),
            snapshot.len(),
            self.log.snapshot_index()
        );
        self.persister.save(bytes, Some(snapshot));
        self.dirty = false;
    }

    /// The snapshot on stable storage (what the leader sends in InstallSnapshot).
    pub fn stored_snapshot(&self) -> Vec<u8> {
        self.persister.snapshot()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the unit tests: peers built in memory.

    use super::*;
    use crate::log::Entry;

    /// Peer `me` of `peer_count`, fresh.
    pub fn peer(me: usize, peer_count: usize) -> RaftState {
        RaftState::restore(me, peer_count, Arc::new(Persister::new()), Instant::now())
    }

    /// Peer `me` of `peer_count` in `term` whose log holds entries of the given terms.
    pub fn peer_with_log(me: usize, peer_count: usize, term: u64, terms: &[u64]) -> RaftState {
        let mut state = peer(me, peer_count);
        state.current_term = term;
        for (i, entry_term) in terms.iter().enumerate() {
            state.log.push(Entry {
                term: *entry_term,
                command: vec![i as u8 + 1],
            });
        }
        state
    }

    /// The hard state as last saved.
    pub fn saved(state: &RaftState) -> crate::persist::HardState {
        decode_hard_state(&state.persister.raft_state())
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    /// §5.1: "If a server receives a request with a stale term number, it rejects the request";
    /// one that sees a larger term updates its term and reverts to follower.
    #[test]
    fn a_larger_term_makes_a_follower_and_clears_the_vote() {
        let now = Instant::now();
        let mut state = peer(0, 3);
        state.become_candidate(now);
        assert_eq!((state.role, state.voted_for), (Role::Candidate, Some(0)));
        assert!(state.observe_term(5, now));
        assert_eq!(
            (state.role, state.current_term, state.voted_for),
            (Role::Follower, 5, None)
        );
        assert!(!state.observe_term(4, now), "an older term changes nothing");
        state.persist_if_dirty();
        assert_eq!(saved(&state).current_term, 5, "the new term is persisted");
    }

    /// Restarting from stable storage gives back term, vote and log (Figure 2's persistent
    /// state), and a follower role.
    #[test]
    fn restore_reads_the_hard_state() {
        let now = Instant::now();
        let mut state = peer_with_log(1, 3, 4, &[1, 2, 4]);
        state.voted_for = Some(2);
        state.persist();
        let restored = RaftState::restore(1, 3, Arc::clone(&state.persister), now);
        assert_eq!(restored.current_term, 4);
        assert_eq!(restored.voted_for, Some(2));
        assert_eq!(restored.log, state.log);
        assert_eq!(restored.role, Role::Follower);
        assert_eq!(restored.commit_index, 0);
    }

    #[test]
    fn election_timeouts_are_randomized_within_bounds() {
        let now = Instant::now();
        let mut state = peer(0, 3);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            state.reset_election_timer(now);
            let timeout = state.election_deadline - now;
            assert!((ELECTION_TIMEOUT_MIN..=ELECTION_TIMEOUT_MAX).contains(&timeout));
            seen.insert(timeout.as_millis());
        }
        assert!(seen.len() > 10, "timeouts should vary: {seen:?}");
    }
}
