//! How a peer's hard state is encoded into its [`Persister`](crate::Persister): what Raft saves
//! and restores across a crash (Figure 2, "persistent state on all servers").
//!
//! [`encode_hard_state`] turns term, vote and log into the bytes
//! [`RaftState::persist`](crate::state::RaftState::persist) saves; [`decode_hard_state`] turns
//! them back into a [`HardState`] when a restarted peer is built. The two must agree exactly:
//! whatever `encode` writes, `decode` gives back field for field.

use serde::{Deserialize, Serialize};

use crate::log::Log;

/// What Raft must remember across a crash (Figure 2, "persistent state on all servers"),
/// plus where the log's snapshot ends (§7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HardState {
    /// Latest term this peer has seen.
    pub current_term: u64,
    /// Candidate that received this peer's vote in `current_term`, if any.
    pub voted_for: Option<u64>,
    /// The log after the snapshot, with the snapshot's last index and term.
    pub log: Log,
}

/// Encodes the hard state (term, vote, log) with labcodec, into bytes that
/// [`decode_hard_state`] reads back as the same [`HardState`]. Called on every save, so avoid
/// cloning the log: `labcodec::encode` takes any `Serialize` value, including one that
/// borrows the log (a struct with the same fields as `HardState` and `log: &Log` serializes
/// to the same bytes). The reference goes further: a struct's encoding is its fields' one
/// after another, so it encodes term and vote, then lets [`Log::encode_into`] append the log,
/// which encodes only the entries appended since the last save.
// lab:solution 3C
pub fn encode_hard_state(current_term: u64, voted_for: Option<usize>, log: &Log) -> Vec<u8> {
    let mut bytes = labcodec::encode(&(current_term, voted_for.map(|peer| peer as u64)));
    log.encode_into(&mut bytes);
    bytes
}

/// Decodes the hard state a peer saved with [`encode_hard_state`] (`labcodec::decode`); empty
/// bytes are the state of a brand-new peer ([`HardState::default`]: term 0, no vote, an
/// empty log).
///
/// # Panics
///
/// If the bytes are not a hard state: stable storage that Raft wrote cannot be corrupt in
/// the labs, and going on with a guess could break safety.
// lab:solution 3C
pub fn decode_hard_state(bytes: &[u8]) -> HardState {
    if bytes.is_empty() {
        return HardState::default();
    }
    labcodec::decode(bytes)
        .unwrap_or_else(|error| panic!("persisted Raft state is corrupt: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Entry;

    #[test]
    fn hard_state_round_trips() {
        let mut log = Log::new();
        log.push(Entry {
            term: 1,
            command: b"x".to_vec(),
        });
        log.push(Entry {
            term: 2,
            command: b"y".to_vec(),
        });
        log.compact_through(1);
        let bytes = encode_hard_state(3, Some(2), &log);
        let state = decode_hard_state(&bytes);
        assert_eq!(state.current_term, 3);
        assert_eq!(state.voted_for, Some(2));
        assert_eq!(state.log, log);
        let whole = HardState {
            current_term: 3,
            voted_for: Some(2),
            log: log.clone(),
        };
        assert_eq!(
            bytes,
            labcodec::encode(&whole),
            "the bytes of the whole state"
        );
        assert_eq!(decode_hard_state(&[]), HardState::default());
    }
}
