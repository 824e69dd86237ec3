//! The replicated log, with the prefix that a snapshot replaced cut off.
//!
//! Indices are the paper's: the first entry is index 1, and index 0 is a sentinel of term 0
//! that every log matches. After a snapshot through index `s` (of term `t`), the log keeps
//! only entries `s+1..`, and `(s, t)` becomes the sentinel: [`Log::term_at`] answers for `s`
//! but not for anything before it.

use std::cell::RefCell;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One log entry: the term in which a leader received it, and the service's command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The leader's term when it appended the entry.
    pub term: u64,
    /// The command, opaque bytes the service encoded (copied as one block when encoded:
    /// the whole log is encoded on every save).
    #[serde(with = "labcodec::bytes")]
    pub command: Vec<u8>,
}

/// The log after its last snapshot.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Log {
    /// Index of the last entry the snapshot covers (0: no snapshot).
    snapshot_index: u64,
    /// Term of that entry (0: no snapshot).
    snapshot_term: u64,
    /// Entries `snapshot_index + 1 ..`, in order.
    entries: Vec<Entry>,
    /// The encoding of a prefix of `entries`, for [`Log::encode_into`]; not part of the log.
    #[serde(skip)]
    encoded: RefCell<EncodedEntries>,
}

/// The labcodec encoding of the first entries of a log, one after another, kept between saves
/// so that a save encodes only the entries appended since the last one. In 4A, with no
/// snapshots, the log only grows, and encoding all of it at every save was three quarters of
/// a kvraft test's time. The log's own changes keep it true: a truncation cuts it, a
/// compaction drops its front.
#[derive(Clone, Default)]
struct EncodedEntries {
    bytes: Vec<u8>,
    /// Where each encoded entry ends in `bytes`.
    ends: Vec<usize>,
}

impl EncodedEntries {
    /// Brings the encoding up to `entries` (whose first `ends.len()` it already holds).
    fn extend_to(&mut self, entries: &[Entry]) {
        for entry in &entries[self.ends.len()..] {
            self.bytes.extend_from_slice(&labcodec::encode(entry));
            self.ends.push(self.bytes.len());
        }
    }

    /// Keeps the encoding of the first `count` entries only.
    fn truncate(&mut self, count: usize) {
        if count < self.ends.len() {
            let end = count.checked_sub(1).map_or(0, |last| self.ends[last]);
            self.bytes.truncate(end);
            self.ends.truncate(count);
        }
    }

    /// Drops the encoding of the first `count` entries.
    fn drop_front(&mut self, count: usize) {
        if count >= self.ends.len() {
            *self = EncodedEntries::default();
            return;
        }
        let cut = count.checked_sub(1).map_or(0, |last| self.ends[last]);
        self.bytes.drain(..cut);
        self.ends.drain(..count);
        for end in &mut self.ends {
            *end -= cut;
        }
    }
}

impl PartialEq for Log {
    fn eq(&self, other: &Log) -> bool {
        self.snapshot_index == other.snapshot_index
            && self.snapshot_term == other.snapshot_term
            && self.entries == other.entries
    }
}

impl Eq for Log {}

impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Log")
            .field("snapshot_index", &self.snapshot_index)
            .field("snapshot_term", &self.snapshot_term)
            .field("entries", &self.entries)
            .finish()
    }
}

impl Log {
    /// An empty log with no snapshot.
    pub fn new() -> Log {
        Log::default()
    }

    /// Index of the last entry covered by the snapshot (0 if none).
    pub fn snapshot_index(&self) -> u64 {
        self.snapshot_index
    }

    /// Term of the last entry covered by the snapshot (0 if none).
    pub fn snapshot_term(&self) -> u64 {
        self.snapshot_term
    }

    /// Index of the last entry, in the log or in the snapshot.
    pub fn last_index(&self) -> u64 {
        self.snapshot_index + self.entries.len() as u64
    }

    /// Term of the last entry, in the log or in the snapshot.
    pub fn last_term(&self) -> u64 {
        self.entries
            .last()
            .map_or(self.snapshot_term, |entry| entry.term)
    }

    /// The term of the entry at `index`: known for the snapshot's last index and everything
    /// after it up to [`last_index`](Log::last_index), `None` otherwise.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snapshot_index {
            return Some(self.snapshot_term);
        }
        self.entry(index).map(|entry| entry.term)
    }

    /// The entry at `index`, if the log (not the snapshot) holds it.
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        let position = self.position(index)?;
        self.entries.get(position)
    }

    /// Copies of the entries from `from` through the last, at most `limit` of them.
    ///
    /// # Panics
    ///
    /// If `from` is inside the snapshot: the caller should send the snapshot instead.
    pub fn entries_from(&self, from: u64, limit: usize) -> Vec<Entry> {
        let start = self.position(from).unwrap_or_else(|| {
            panic!(
                "entries from {from} requested, but the snapshot covers through {}",
                self.snapshot_index
            )
        });
        let start = start.min(self.entries.len());
        let end = self.entries.len().min(start.saturating_add(limit));
        self.entries[start..end].to_vec()
    }

    /// The first index of the run of entries of `term` that contains `index`.
    pub fn first_index_of_term_at(&self, index: u64) -> u64 {
        let term = self.term_at(index);
        let mut first = index;
        while first > self.snapshot_index + 1 && self.term_at(first - 1) == term {
            first -= 1;
        }
        first
    }

    /// The last index holding an entry of `term`, if any entry after the snapshot has it.
    pub fn last_index_of_term(&self, term: u64) -> Option<u64> {
        let position = self.entries.iter().rposition(|entry| entry.term == term)?;
        Some(self.snapshot_index + 1 + position as u64)
    }

    /// Appends the log's labcodec encoding to `out`: the same bytes as
    /// `labcodec::encode(&log)`, but only the entries appended since the last call are encoded
    /// now (the others' encoding is kept).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let mut encoded = self.encoded.borrow_mut();
        encoded.extend_to(&self.entries);
        // A struct encodes as its fields one after another, a sequence as its length and then
        // its elements: the tuple is the three fields up to the entries themselves.
        out.extend_from_slice(&labcodec::encode(&(
            self.snapshot_index,
            self.snapshot_term,
            self.entries.len(),
        )));
        out.extend_from_slice(&encoded.bytes);
    }

    /// Appends one entry and returns its index.
    pub fn push(&mut self, entry: Entry) -> u64 {
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes the entry at `index` and every entry after it.
    ///
    /// # Panics
    ///
    /// If `index` is inside the snapshot: committed entries are never removed.
    pub fn truncate_from(&mut self, index: u64) {
        assert!(
            index > self.snapshot_index,
            "truncating from {index} would cut into the snapshot through {}",
            self.snapshot_index
        );
        let keep = (index - self.snapshot_index - 1) as usize;
        self.entries.truncate(keep);
        self.encoded.get_mut().truncate(keep);
    }

    /// Drops the entries through `index`, which a snapshot now covers (§7). Entries after
    /// `index` are kept. Does nothing if the snapshot already covers `index`.
    ///
    /// # Panics
    ///
    /// If `index` is past the last entry: the log cannot know that entry's term.
    pub fn compact_through(&mut self, index: u64) {
        if index <= self.snapshot_index {
            return;
        }
        let term = self.term_at(index).unwrap_or_else(|| {
            panic!(
                "compacting through {index}, past the last index {}",
                self.last_index()
            )
        });
        let drop_count = (index - self.snapshot_index) as usize;
        self.entries.drain(..drop_count);
        self.encoded.get_mut().drop_front(drop_count);
        self.snapshot_index = index;
        self.snapshot_term = term;
    }

    /// Replaces the whole log by a snapshot through `(index, term)`, with no entries after it.
    pub fn reset_to_snapshot(&mut self, index: u64, term: u64) {
        self.entries.clear();
        *self.encoded.get_mut() = EncodedEntries::default();
        self.snapshot_index = index;
        self.snapshot_term = term;
    }

    /// Where `index` sits in `entries`, if it is after the snapshot.
    fn position(&self, index: u64) -> Option<usize> {
        index
            .checked_sub(self.snapshot_index + 1)
            .map(|position| position as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of_terms(terms: &[u64]) -> Log {
        let mut log = Log::new();
        for (i, term) in terms.iter().enumerate() {
            log.push(Entry {
                term: *term,
                command: vec![i as u8],
            });
        }
        log
    }

    /// Index 0 is the sentinel of term 0 that every log matches (Figure 2, "prevLogIndex").
    #[test]
    fn the_empty_log_has_the_sentinel() {
        let log = Log::new();
        assert_eq!((log.last_index(), log.last_term()), (0, 0));
        assert_eq!(log.term_at(0), Some(0));
        assert_eq!(log.term_at(1), None);
    }

    #[test]
    fn terms_runs_and_truncation() {
        let mut log = log_of_terms(&[1, 1, 2, 2, 2, 3]);
        assert_eq!(log.term_at(4), Some(2));
        assert_eq!(log.first_index_of_term_at(5), 3);
        assert_eq!(log.last_index_of_term(2), Some(5));
        assert_eq!(log.last_index_of_term(7), None);
        log.truncate_from(4);
        assert_eq!((log.last_index(), log.last_term()), (3, 2));
        assert_eq!(log.entries_from(2, 10).len(), 2);
        assert_eq!(log.entries_from(4, 10).len(), 0);
        assert_eq!(log.entries_from(1, 2).len(), 2);
    }

    /// §7: a snapshot through index i replaces entries 1..=i; later entries stay, and the
    /// snapshot's last index and term stand in for the discarded prefix.
    #[test]
    fn snapshot_trimming_keeps_the_suffix() {
        let mut log = log_of_terms(&[1, 1, 2, 2, 3]);
        log.compact_through(3);
        assert_eq!((log.snapshot_index(), log.snapshot_term()), (3, 2));
        assert_eq!(log.term_at(3), Some(2));
        assert_eq!(log.term_at(2), None);
        assert_eq!(
            log.entry(4).map(|entry| entry.command.clone()),
            Some(vec![3])
        );
        assert_eq!((log.last_index(), log.last_term()), (5, 3));
        assert_eq!(
            log.first_index_of_term_at(4),
            4,
            "the run stops at the snapshot"
        );
        log.compact_through(2);
        assert_eq!(log.snapshot_index(), 3, "an older snapshot changes nothing");
        log.reset_to_snapshot(9, 4);
        assert_eq!((log.last_index(), log.last_term()), (9, 4));
    }

    #[test]
    #[should_panic(expected = "cut into the snapshot")]
    fn committed_entries_are_never_truncated() {
        let mut log = log_of_terms(&[1, 1, 2]);
        log.compact_through(2);
        log.truncate_from(2);
    }
    /// A log that has been appended to, truncated, compacted and reset in every order: is its
    /// kept encoding always exactly labcodec's encoding of the whole log, and does it decode
    /// back to the same log?
    #[test]
    fn the_kept_encoding_is_always_the_whole_encoding() {
        let mut log = Log::new();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below.max(1)
        };
        for step in 0..3000 {
            match next(20) {
                0..=11 => {
                    let term = log.last_term() + next(2);
                    let length = next(40) as usize;
                    log.push(Entry {
                        term,
                        command: vec![step as u8; length],
                    });
                }
                12..=14 if log.last_index() > log.snapshot_index() => {
                    let span = log.last_index() - log.snapshot_index();
                    log.truncate_from(log.snapshot_index() + 1 + next(span));
                }
                15..=17 if log.last_index() > log.snapshot_index() => {
                    let span = log.last_index() - log.snapshot_index();
                    log.compact_through(log.snapshot_index() + 1 + next(span));
                }
                18 => {
                    let index = log.last_index() + next(3);
                    log.reset_to_snapshot(index, log.last_term() + 1);
                }
                _ => {}
            }
            if next(3) == 0 {
                let mut kept = Vec::new();
                log.encode_into(&mut kept);
                assert_eq!(kept, labcodec::encode(&log), "after step {step}");
                assert_eq!(labcodec::decode::<Log>(&kept).unwrap(), log);
            }
        }
    }
}
