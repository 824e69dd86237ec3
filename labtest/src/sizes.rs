//! The course's checks on what servers persist.

/// What one server has persisted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persisted {
    /// The server's name, for the failure message.
    pub server: String,
    /// Bytes of Raft state (`RaftStateSize()`).
    pub raft_state: usize,
    /// Bytes of snapshot.
    pub snapshot: usize,
}

/// How far past `maxraftstate` a server's Raft state may grow before the course calls its
/// log untrimmed: the course's `checklogs` allows 8 times.
pub const TRIM_SLACK: usize = 8;

/// The course's `checklogs`: with `maxraftstate` set, every server's Raft state is within
/// [`TRIM_SLACK`] × `maxraftstate`; with -1 (`None`), no server took a snapshot.
///
/// # Panics
///
/// At the first server that breaks the rule, naming it and its sizes.
pub fn check_trimmed(persisted: &[Persisted], max_raft_state: Option<usize>) {
    for server in persisted {
        match max_raft_state {
            Some(limit) => assert!(
                server.raft_state <= TRIM_SLACK * limit,
                "logs were not trimmed: {} persisted {} bytes of Raft state > {TRIM_SLACK} × maxraftstate {limit}",
                server.server,
                server.raft_state
            ),
            None => assert_eq!(
                server.snapshot, 0,
                "maxraftstate is -1, but {} persisted a {}-byte snapshot",
                server.server, server.snapshot
            ),
        }
    }
}

/// Raft's 3D check: every server's Raft state is under `limit` bytes (the course's
/// `MAXLOGSIZE`: a state of exactly the limit already fails).
///
/// # Panics
///
/// At the first server that reached the limit, naming it and its size.
pub fn check_raft_state_under(persisted: &[Persisted], limit: usize) {
    for server in persisted {
        assert!(
            server.raft_state < limit,
            "log size too large: {} persisted {} bytes of Raft state, the limit is {limit}",
            server.server,
            server.raft_state
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(raft_state: usize, snapshot: usize) -> Persisted {
        Persisted {
            server: "S1".into(),
            raft_state,
            snapshot,
        }
    }

    #[test]
    fn trimmed_logs_pass_and_the_first_untrimmed_one_fails() {
        check_trimmed(&[server(8000, 5), server(100, 0)], Some(1000));
        check_trimmed(&[server(100_000, 0)], None);
        let untrimmed = std::panic::catch_unwind(|| check_trimmed(&[server(8001, 0)], Some(1000)));
        assert!(untrimmed.is_err());
        let snapshot = std::panic::catch_unwind(|| check_trimmed(&[server(10, 1)], None));
        assert!(snapshot.is_err());
    }

    #[test]
    fn the_3d_limit_is_exclusive_as_in_the_course() {
        check_raft_state_under(&[server(1999, 0)], 2000);
        let at = std::panic::catch_unwind(|| check_raft_state_under(&[server(2000, 0)], 2000));
        assert!(at.is_err());
    }
}
