//! Leader election (§5.2, §5.4.1): starting an election, voting, counting votes.
//!
//! The ticker (in `node`) calls [`RaftState::start_election`] when the election timeout runs
//! out, and hands the returned [`RequestVoteArgs`] to call threads, one per other peer. Each
//! reply comes back to [`RaftState::handle_request_vote_reply`] on its call thread, after the
//! lock was released for the call: by then the peer may have moved on.

use labsim::time::Instant;

// lab:hide 3A
use crate::replication::Progress;
use crate::rpc::{RequestVoteArgs, RequestVoteReply};
// lab:hide 3A
use crate::state::peer_log;
use crate::state::{RaftState, Role};

impl RaftState {
    /// Whether this peer's election timeout has run out (leaders never time out).
    pub fn election_due(&self, now: Instant) -> bool {
        self.role != Role::Leader && !self.killed && now >= self.election_deadline
    }

    /// The election timeout ran out (the ticker calls this when
    /// [`election_due`](RaftState::election_due)): start an election, and return the
    /// RequestVote arguments the ticker sends every other peer.
    ///
    /// Without pre-vote, which the tests do not need, this is just
    /// [`become_candidate`](RaftState::become_candidate). With the optional pre-vote (see
    /// [`prevote`](crate::prevote)), it is [`start_pre_vote`](RaftState::start_pre_vote)
    /// instead, and the real election starts when a majority grants the pre-vote.
    // lab:solution 3A
    pub fn start_election(&mut self, now: Instant) -> RequestVoteArgs {
        self.start_pre_vote(now)
    }

    /// §5.2: become a candidate in the next term and return the RequestVote arguments to send
    /// every other peer (`pre_vote: false`, this peer's last log index and term). What the
    /// given code relies on:
    ///
    /// - `current_term` goes up by one; the role becomes `Candidate`; the peer votes for
    ///   itself (`voted_for`), and `votes` records exactly that one vote (one flag per peer);
    /// - `pre_vote_term` is cleared (a pre-vote round, if any, is over) and so is the leader
    ///   hint (no leader is known in the new term);
    /// - the election timer is reset ([`reset_election_timer`](RaftState::reset_election_timer)),
    ///   so that a split vote ends in a new election after a fresh random timeout;
    /// - a lone peer (`majority() == 1`) has its majority already and becomes leader at once;
    /// - 3C: term and vote changed, so [`mark_dirty`](RaftState::mark_dirty); the ticker saves
    ///   before the requests leave.
    // lab:solution 3A
    pub fn become_candidate(&mut self, now: Instant) -> RequestVoteArgs {
        self.current_term += 1;
        self.pre_vote_term = None;
        self.role = Role::Candidate;
        self.voted_for = Some(self.me);
        self.leader_hint = None;
        self.mark_dirty();
        self.votes = vec![false; self.peer_count];
        self.votes[self.me] = true;
        self.reset_election_timer(now);
        peer_log!(
            debug,
            self,
            "election",
            "starting, last log {}/{}",
            self.log.last_index(),
            self.log.last_term()
        );
        if self.majority() == 1 {
            self.become_leader(now);
        }
        RequestVoteArgs {
            term: self.current_term,
            candidate: self.me as u64,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
            pre_vote: false,
        }
    }

    /// The RequestVote handler (Figure 2): grant at most one vote per term (§5.2), and only
    /// to a candidate whose log is at least as up-to-date as ours (§5.4.1).
    ///
    /// - A request with a later term makes this peer a follower in that term first
    ///   ([`observe_term`](RaftState::observe_term)), whether or not it grants the vote.
    /// - The vote is granted if the request's term is the current one, this peer has not
    ///   voted in it or voted for this same candidate (a repeated request is granted again:
    ///   the first reply may have been lost), and the candidate's log is up-to-date
    ///   ([`is_up_to_date`](RaftState::is_up_to_date)).
    /// - Granting records the vote in `voted_for` and resets the election timer, so that a
    ///   peer that just voted does not start a competing election.
    /// - The reply carries this peer's current term (after any update).
    /// - A pre-vote request (`args.pre_vote`, sent only by peers that run the optional
    ///   pre-vote) is answered by [`handle_pre_vote`](RaftState::handle_pre_vote) instead,
    ///   which changes nothing.
    /// - 3C: a changed term or vote is marked dirty and saved (`persist_if_dirty`) before
    ///   returning: the reply leaves the peer as soon as this returns.
    // lab:solution 3A
    pub fn handle_request_vote(
        &mut self,
        args: &RequestVoteArgs,
        now: Instant,
    ) -> RequestVoteReply {
        if args.pre_vote {
            return self.handle_pre_vote(args, now);
        }
        self.observe_term(args.term, now);
        let candidate = args.candidate as usize;
        let vote_free = self.voted_for.is_none() || self.voted_for == Some(candidate);
        let vote_granted = args.term == self.current_term
            && vote_free
            && self.is_up_to_date(args.last_log_term, args.last_log_index);
        if vote_granted {
            self.voted_for = Some(candidate);
            self.mark_dirty();
            // Granting a vote counts as hearing from a would-be leader.
            self.reset_election_timer(now);
        }
        peer_log!(
            debug,
            self,
            "vote",
            "S{candidate} asks in T{}: granted {vote_granted}",
            args.term
        );
        self.persist_if_dirty();
        RequestVoteReply {
            term: self.current_term,
            vote_granted,
        }
    }

    /// §5.4.1: a log is more up-to-date if its last term is later, or, with equal last terms,
    /// if it is longer.
    // lab:solution 3A
    pub fn is_up_to_date(&self, last_log_term: u64, last_log_index: u64) -> bool {
        let my_term = self.log.last_term();
        last_log_term > my_term
            || (last_log_term == my_term && last_log_index >= self.log.last_index())
    }

    /// Counts a vote or pre-vote reply to the request `args` sent to `peer` (`None`: the call
    /// failed, which counts as nothing). Runs on the call thread, after the lock was released
    /// for the call, so first check the reply still matters:
    ///
    /// - a killed peer ignores it; a reply with a later term makes this peer a follower in
    ///   that term ([`observe_term`](RaftState::observe_term)) and counts for nothing;
    /// - a vote counts only while this peer is still a candidate in the term the request was
    ///   sent in (`args.term`); each peer's vote counts once (`votes[peer]`);
    /// - a candidate whose granted votes, its own included, reach
    ///   [`majority`](RaftState::majority) becomes leader ([`become_leader`]).
    ///
    /// Returns the vote requests of a new election to send, or `None`. Without pre-vote it is
    /// always `None`. With the optional pre-vote, a pre-vote reply (`args.pre_vote`) goes to
    /// [`count_pre_vote`](RaftState::count_pre_vote), and its result is returned: the caller
    /// sends those requests. The caller saves the state afterwards.
    ///
    /// [`become_leader`]: RaftState::become_leader
    // lab:solution 3A
    pub fn handle_request_vote_reply(
        &mut self,
        peer: usize,
        args: &RequestVoteArgs,
        reply: Option<RequestVoteReply>,
        now: Instant,
    ) -> Option<RequestVoteArgs> {
        let reply = reply?;
        if self.killed || self.observe_term(reply.term, now) {
            return None;
        }
        if args.pre_vote {
            return self.count_pre_vote(peer, args, reply.vote_granted, now);
        }
        self.count_vote(peer, args, reply.vote_granted, now);
        None
    }

    // lab:hide 3A
    fn count_vote(
        &mut self,
        peer: usize,
        args: &RequestVoteArgs,
        vote_granted: bool,
        now: Instant,
    ) {
        if self.role != Role::Candidate || self.current_term != args.term || !vote_granted {
            return;
        }
        self.votes[peer] = true;
        let granted = self.votes.iter().filter(|vote| **vote).count();
        if granted >= self.majority() {
            peer_log!(debug, self, "election", "won with {granted} votes");
            self.become_leader(now);
        }
    }

    /// §5.3: a candidate that won its election becomes leader. Called only on a candidate:
    /// panic with a message naming the transition otherwise.
    ///
    /// - The role becomes `Leader`, and the leader hint names this peer.
    /// - `progress` gets one [`Progress::new`](crate::replication::Progress::new) per peer
    ///   (this one included), each with `next_index` just past this peer's last log entry
    ///   and `match_index` 0; this peer's own `match_index` is its last index.
    /// - Heartbeats go out at once without more from you: the given code wakes the
    ///   replicators when it sees a leader, and [`next_step`](RaftState::next_step) sends a
    ///   new leader's first heartbeat immediately.
    // lab:solution 3A
    pub fn become_leader(&mut self, now: Instant) {
        assert_eq!(
            self.role,
            Role::Candidate,
            "invalid transition [{:?} -> leader]",
            self.role
        );
        self.role = Role::Leader;
        self.leader_hint = Some(self.me);
        let next_index = self.log.last_index() + 1;
        self.progress = (0..self.peer_count)
            .map(|_| Progress::new(next_index, now))
            .collect();
        self.progress[self.me].match_index = self.log.last_index();
        peer_log!(
            info,
            self,
            "leader",
            "elected at {now:?}, last index {}",
            self.log.last_index()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::testing::*;

    fn vote_request(
        term: u64,
        candidate: u64,
        last_log_index: u64,
        last_log_term: u64,
    ) -> RequestVoteArgs {
        RequestVoteArgs {
            term,
            candidate,
            last_log_index,
            last_log_term,
            pre_vote: false,
        }
    }

    /// §5.2 election safety: "each server will vote for at most one candidate in a given
    /// term, on a first-come-first-served basis". A repeated request from the same candidate
    /// is granted again (its first reply may have been lost).
    #[test]
    fn votes_at_most_once_per_term() {
        let now = Instant::now();
        let mut voter = peer(0, 3);
        assert!(
            voter
                .handle_request_vote(&vote_request(1, 1, 0, 0), now)
                .vote_granted
        );
        assert!(
            !voter
                .handle_request_vote(&vote_request(1, 2, 0, 0), now)
                .vote_granted
        );
        assert!(
            voter
                .handle_request_vote(&vote_request(1, 1, 0, 0), now)
                .vote_granted
        );
        assert_eq!(
            saved(&voter).voted_for,
            Some(1),
            "the vote is persisted before replying"
        );
        assert!(
            voter
                .handle_request_vote(&vote_request(2, 2, 0, 0), now)
                .vote_granted,
            "a new term frees the vote"
        );
    }

    /// §5.1: a request with a stale term is rejected, and the reply carries the newer term.
    #[test]
    fn rejects_a_stale_term() {
        let now = Instant::now();
        let mut voter = peer_with_log(0, 3, 5, &[]);
        let reply = voter.handle_request_vote(&vote_request(4, 1, 0, 0), now);
        assert_eq!(
            reply,
            RequestVoteReply {
                term: 5,
                vote_granted: false
            }
        );
    }

    /// §5.4.1 up-to-date check: the voter denies its vote if its own log is more up-to-date:
    /// a later last term wins; with equal last terms, the longer log wins.
    #[test]
    fn denies_candidates_with_stale_logs() {
        let now = Instant::now();
        let voter = || peer_with_log(0, 3, 3, &[1, 1, 3]);
        // Last term 2 < 3, even though longer.
        assert!(
            !voter()
                .handle_request_vote(&vote_request(4, 1, 10, 2), now)
                .vote_granted
        );
        // Same last term, shorter.
        assert!(
            !voter()
                .handle_request_vote(&vote_request(4, 1, 2, 3), now)
                .vote_granted
        );
        // Same last term, as long.
        assert!(
            voter()
                .handle_request_vote(&vote_request(4, 1, 3, 3), now)
                .vote_granted
        );
        // Later last term, shorter.
        assert!(
            voter()
                .handle_request_vote(&vote_request(4, 1, 1, 4), now)
                .vote_granted
        );
        // A denied candidate's term is still adopted (§5.1).
        let mut denying = voter();
        denying.handle_request_vote(&vote_request(9, 1, 0, 0), now);
        assert_eq!((denying.current_term, denying.voted_for), (9, None));
    }

    /// §5.2: a candidate wins once it has votes from a majority of the full cluster, and
    /// only for the term it asked in.
    #[test]
    fn a_majority_of_votes_makes_a_leader() {
        let now = Instant::now();
        let mut candidate = peer(0, 5);
        let args = candidate.become_candidate(now);
        assert_eq!(args.term, 1);
        let yes = Some(RequestVoteReply {
            term: 1,
            vote_granted: true,
        });
        candidate.handle_request_vote_reply(1, &args, yes.clone(), now);
        candidate.handle_request_vote_reply(1, &args, yes.clone(), now);
        assert_eq!(
            candidate.role,
            Role::Candidate,
            "one vote counted once: 2 of 5"
        );
        candidate.handle_request_vote_reply(2, &args, yes, now);
        assert_eq!(candidate.role, Role::Leader);
        assert_eq!(candidate.progress[3].next_index, 1);
    }

    #[test]
    fn stale_votes_and_newer_terms() {
        let now = Instant::now();
        let mut candidate = peer(0, 3);
        let old_args = candidate.become_candidate(now);
        let _new_args = candidate.become_candidate(now);
        let yes = Some(RequestVoteReply {
            term: 1,
            vote_granted: true,
        });
        candidate.handle_request_vote_reply(1, &old_args, yes, now);
        assert_eq!(
            candidate.role,
            Role::Candidate,
            "a vote from an older election does not count"
        );
        let newer = Some(RequestVoteReply {
            term: 7,
            vote_granted: false,
        });
        candidate.handle_request_vote_reply(2, &old_args, newer, now);
        assert_eq!(
            (candidate.role, candidate.current_term),
            (Role::Follower, 7)
        );
    }

    #[test]
    fn a_lone_peer_elects_itself() {
        let now = Instant::now();
        let mut alone = peer(0, 1);
        alone.become_candidate(now);
        assert!(alone.is_leader());
    }
}
