//! Pre-vote (Ongaro's dissertation, §9.6): an election starts only once a majority says it
//! would take part.
//!
//! When its election timeout runs out, a peer first asks the others "would you vote for me
//! in term T+1?" without changing its own term. A peer says yes only if the asker's log is
//! up-to-date (§5.4.1) and it has not heard from a leader lately ([`LEADER_STICKINESS`]).
//! So a peer cut off from the others never raises its term, and when it comes back
//! it cannot depose a leader that is working: the leader keeps its term, and the entries it
//! is replicating commit without waiting for a new election.
//!
//! The reference starts every election this way. In the student's copy pre-vote is an
//! optional exercise: the tests pass without it. To switch it on, write the three functions
//! here, answer pre-vote requests in `handle_request_vote` with [`RaftState::handle_pre_vote`],
//! hand pre-vote replies in `handle_request_vote_reply` to [`RaftState::count_pre_vote`], and
//! make `start_election` call [`RaftState::start_pre_vote`] instead of `become_candidate`.
//! The given code needs nothing more: [`RequestVoteArgs::pre_vote`] tells the two kinds of
//! request apart, the ticker and the call threads send whatever arguments you return, and
//! `accept_leader` records [`RaftState::last_leader_contact`].

use std::time::Duration;

use labsim::time::Instant;

use crate::rpc::{RequestVoteArgs, RequestVoteReply};
// lab:hide 3A
use crate::state::peer_log;
use crate::state::{RaftState, Role};

/// How long after hearing from a leader a peer refuses pre-votes: two heartbeat intervals,
/// so the followers of a live leader refuse, but less than the shortest election timeout, so
/// that when the leader dies, the first peer to time out finds the others ready to vote
/// rather than waiting out another timeout.
pub const LEADER_STICKINESS: Duration = Duration::from_millis(300);

impl RaftState {
    /// Optional. The election timeout ran out: ask every other peer for a pre-vote in the
    /// next term, with the returned arguments (`term: current_term + 1`, `pre_vote: true`,
    /// this peer's last log index and term). Changes no term, no vote and no role (the peer
    /// stays a follower or a candidate while it asks), but:
    ///
    /// - resets the election timer, so that a refused round is tried again after a fresh
    ///   timeout;
    /// - records the round in `pre_vote_term` (the term asked for), and starts `votes` with
    ///   this peer's own pre-vote only.
    ///
    /// A lone peer (`majority() == 1`) needs no one's agreement: it goes straight to
    /// [`become_candidate`](RaftState::become_candidate) (and wins).
    // lab:solution 3A
    pub fn start_pre_vote(&mut self, now: Instant) -> RequestVoteArgs {
        if self.majority() == 1 {
            return self.become_candidate(now);
        }
        self.reset_election_timer(now);
        self.pre_vote_term = Some(self.current_term + 1);
        self.votes = vec![false; self.peer_count];
        self.votes[self.me] = true;
        peer_log!(debug, self, "election", "asking for pre-votes");
        RequestVoteArgs {
            term: self.current_term + 1,
            candidate: self.me as u64,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
            pre_vote: true,
        }
    }

    /// Optional. The pre-vote handler: would this peer vote for the asker in `args.term`? It
    /// would if that term is later than its own, it has heard from no leader lately
    /// ([`hears_from_leader`](RaftState::hears_from_leader)), and the asker's log is
    /// up-to-date ([`is_up_to_date`](RaftState::is_up_to_date)). Nothing changes here: not the
    /// term (a pre-vote's term is not adopted), not the vote, not the timer. The reply
    /// carries this peer's current term.
    // lab:solution 3A
    pub fn handle_pre_vote(&mut self, args: &RequestVoteArgs, now: Instant) -> RequestVoteReply {
        let vote_granted = args.term > self.current_term
            && !self.hears_from_leader(now)
            && self.is_up_to_date(args.last_log_term, args.last_log_index);
        peer_log!(
            debug,
            self,
            "vote",
            "S{} asks for a pre-vote in T{}: granted {vote_granted}",
            args.candidate,
            args.term
        );
        RequestVoteReply {
            term: self.current_term,
            vote_granted,
        }
    }

    /// Whether this peer leads, or heard from a leader within [`LEADER_STICKINESS`].
    pub fn hears_from_leader(&self, now: Instant) -> bool {
        self.role == Role::Leader
            || self
                .last_leader_contact
                .is_some_and(|contact| now < contact + LEADER_STICKINESS)
    }

    /// Optional. Counts a pre-vote from `peer` for the round `args` asked in (the caller has
    /// already dealt with a later term in the reply). It counts only if that round is still
    /// this peer's (`pre_vote_term` is `args.term`, which is still `current_term + 1`), this
    /// peer is not leader, and the pre-vote was granted. Once the granted pre-votes, its own
    /// included, reach a majority, the round is over: clear `pre_vote_term`, start the real
    /// election with [`become_candidate`](RaftState::become_candidate), and return its vote
    /// requests for the caller to send. Otherwise `None`.
    // lab:solution 3A
    pub fn count_pre_vote(
        &mut self,
        peer: usize,
        args: &RequestVoteArgs,
        vote_granted: bool,
        now: Instant,
    ) -> Option<RequestVoteArgs> {
        let current = self.pre_vote_term == Some(args.term) && args.term == self.current_term + 1;
        if !current || self.role == Role::Leader || !vote_granted {
            return None;
        }
        self.votes[peer] = true;
        let granted = self.votes.iter().filter(|vote| **vote).count();
        if granted < self.majority() {
            return None;
        }
        self.pre_vote_term = None;
        Some(self.become_candidate(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::AppendEntriesArgs;
    use crate::state::testing::*;

    fn yes(term: u64) -> Option<RequestVoteReply> {
        Some(RequestVoteReply {
            term,
            vote_granted: true,
        })
    }

    /// A pre-vote changes no term and no vote, on either side; a majority of pre-votes starts
    /// the real election in the next term.
    #[test]
    fn pre_votes_change_nothing_until_a_majority_agrees() {
        let now = Instant::now();
        let mut asker = peer(0, 5);
        let args = asker.start_pre_vote(now);
        assert_eq!((args.term, args.pre_vote, asker.current_term), (1, true, 0));
        let mut voter = peer(1, 5);
        let reply = voter.handle_request_vote(&args, now);
        assert!(reply.vote_granted);
        assert_eq!(
            (voter.current_term, voter.voted_for),
            (0, None),
            "the voter changed nothing"
        );
        assert!(asker
            .handle_request_vote_reply(1, &args, Some(reply), now)
            .is_none());
        let election = asker
            .handle_request_vote_reply(2, &args, yes(0), now)
            .expect("a majority of 5");
        assert_eq!(
            (
                election.term,
                election.pre_vote,
                asker.current_term,
                asker.role
            ),
            (1, false, 1, Role::Candidate)
        );
    }

    /// A peer that hears from a leader refuses pre-votes: a peer that was cut off cannot
    /// depose a working leader when it comes back.
    #[test]
    fn peers_with_a_live_leader_refuse_pre_votes() {
        let now = Instant::now();
        let mut follower = peer(1, 3);
        let heartbeat = AppendEntriesArgs {
            term: 3,
            leader: 2,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![],
            leader_commit: 0,
        };
        follower.handle_append_entries(&heartbeat, now);
        let mut asker = peer(0, 3);
        asker.current_term = 7;
        let args = asker.start_pre_vote(now);
        assert!(!follower.handle_request_vote(&args, now).vote_granted);
        assert_eq!(follower.current_term, 3, "a pre-vote's term is not adopted");
        let later = now + LEADER_STICKINESS;
        assert!(
            follower.handle_request_vote(&args, later).vote_granted,
            "once the leader is silent"
        );
    }

    /// The stickiness window spans two heartbeats but ends before anyone's election timeout.
    #[test]
    fn stickiness_sits_between_heartbeats_and_election_timeouts() {
        use crate::replication::HEARTBEAT_INTERVAL;
        use crate::state::ELECTION_TIMEOUT_MIN;
        assert!(LEADER_STICKINESS >= 2 * HEARTBEAT_INTERVAL);
        assert!(LEADER_STICKINESS < ELECTION_TIMEOUT_MIN);
    }

    /// Pre-votes are refused to a peer whose log is behind (§5.4.1), and old pre-vote replies
    /// do not count after the term has moved on.
    #[test]
    fn stale_logs_and_stale_replies() {
        let now = Instant::now();
        let mut voter = peer_with_log(1, 3, 2, &[1, 2]);
        let mut asker = peer_with_log(0, 3, 2, &[1]);
        let args = asker.start_pre_vote(now);
        assert!(!voter.handle_request_vote(&args, now).vote_granted);
        asker.observe_term(3, now);
        assert!(asker
            .handle_request_vote_reply(1, &args, yes(2), now)
            .is_none());
        assert_eq!(asker.role, Role::Follower);
    }
}
