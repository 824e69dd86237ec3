//! Leader election (§5.2, §5.4.1): starting an election, voting, counting votes.

use labsim::time::Instant;

use crate::replication::Progress;
use crate::rpc::{RequestVoteArgs, RequestVoteReply};
use crate::state::{peer_log, RaftState, Role};

impl RaftState {
    /// Whether this peer's election timeout has run out (leaders never time out).
    pub fn election_due(&self, now: Instant) -> bool {
        self.role != Role::Leader && !self.killed && now >= self.election_deadline
    }

    /// §5.2: increment the term, vote for self, reset the election timer, and ask every other
    /// peer for its vote with the returned arguments. A lone peer wins at once.
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

    /// Counts a vote or pre-vote reply (`None`: the call failed). A candidate that gathers a
    /// majority in the term it asked in becomes leader; a pre-candidate that does starts the
    /// real election, and the returned arguments are its vote requests.
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

    /// §5.3: a new leader starts each follower's next index just after its own last entry
    /// and its match index at 0, and sends heartbeats at once.
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
