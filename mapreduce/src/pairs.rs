//! Key/value pairs in one arena, sorted and grouped by key; and the intermediate file format.
//!
//! A word count over a 200 MB corpus makes tens of millions of pairs. Two `String`s per pair
//! would cost over 100 bytes each; here a pair costs its bytes plus 24, so the sequential run
//! and each reduce task hold their pairs comfortably in memory.
//!
//! # Intermediate files
//!
//! `mr-X-Y` is a sequence of records, each `key length (u32 little-endian), key bytes,
//! value length (u32 little-endian), value bytes`, in the order the map emitted them. Keys and
//! values are UTF-8. Any other content is [`MrError::CorruptIntermediate`].

use std::io::Write;
use std::path::Path;

use crate::error::{MrError, Result};

/// The course's `ihash`: 32-bit FNV-1a of the key, masked to a non-negative `i32`. A key
/// goes to reduce task `ihash(key) % n_reduce`.
pub fn ihash(key: &str) -> u32 {
    const FNV_OFFSET_BASIS: u32 = 0x811c_9dc5;
    const FNV_PRIME: u32 = 0x0100_0193;
    let hash = key.bytes().fold(FNV_OFFSET_BASIS, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(FNV_PRIME)
    });
    hash & 0x7fff_ffff
}

/// Where one pair lives in the arena.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The key's first 8 bytes, big-endian, zero-padded: comparing these orders most keys
    /// without touching the arena, which keeps the sort out of cache misses.
    prefix: u64,
    /// Offset of the key; the value follows it directly.
    start: usize,
    /// Key length in bytes.
    key_len: u32,
    /// Value length in bytes.
    value_len: u32,
}

/// Many key/value pairs in one string.
#[derive(Debug, Default)]
pub struct Pairs {
    /// Every key and value, back to back.
    text: String,
    /// One entry per pair, in insertion order until sorted.
    entries: Vec<Entry>,
}

impl Pairs {
    /// No pairs.
    pub fn new() -> Pairs {
        Pairs::default()
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends one pair.
    pub fn push(&mut self, key: &str, value: &str) {
        let entry = Entry {
            prefix: key_prefix(key),
            start: self.text.len(),
            key_len: length_u32(key),
            value_len: length_u32(value),
        };
        self.text.push_str(key);
        self.text.push_str(value);
        self.entries.push(entry);
    }

    /// Sorts the pairs by key (byte order). The order of equal keys' values is unspecified,
    /// as in the course (Go's `sort.Sort`); apps whose output depends on it sort the values.
    pub fn sort_by_key(&mut self) {
        let text = &self.text;
        self.entries.sort_unstable_by(|a, b| {
            a.prefix
                .cmp(&b.prefix)
                .then_with(|| key_of(text, a).as_bytes().cmp(key_of(text, b).as_bytes()))
        });
    }

    /// Calls `reduce(key, values)` once per run of equal keys, in order; the pairs should be
    /// sorted first. Stops at the first error.
    pub fn for_each_group<E>(
        &self,
        mut reduce: impl FnMut(&str, &[&str]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut values = Vec::new();
        let mut index = 0;
        while index < self.entries.len() {
            let key = key_of(&self.text, &self.entries[index]);
            values.clear();
            while index < self.entries.len() && key_of(&self.text, &self.entries[index]) == key {
                values.push(value_of(&self.text, &self.entries[index]));
                index += 1;
            }
            reduce(key, &values)?;
        }
        Ok(())
    }

    /// Appends every record of the intermediate file at `path`.
    pub fn read_intermediate(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(MrError::file(path))?;
        let corrupt = |reason: &str| MrError::CorruptIntermediate {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let key = take_field(&mut rest).ok_or_else(|| corrupt("record cut short"))?;
            let value = take_field(&mut rest).ok_or_else(|| corrupt("record cut short"))?;
            let key = std::str::from_utf8(key).map_err(|_| corrupt("key is not UTF-8"))?;
            let value = std::str::from_utf8(value).map_err(|_| corrupt("value is not UTF-8"))?;
            self.push(key, value);
        }
        Ok(())
    }
}

/// Writes one intermediate record.
pub fn write_record(writer: &mut impl Write, key: &str, value: &str) -> std::io::Result<()> {
    writer.write_all(&length_u32(key).to_le_bytes())?;
    writer.write_all(key.as_bytes())?;
    writer.write_all(&length_u32(value).to_le_bytes())?;
    writer.write_all(value.as_bytes())
}

/// Splits one length-prefixed field off the front of `rest`.
fn take_field<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (prefix, after) = rest.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*prefix) as usize;
    if after.len() < len {
        return None;
    }
    let (field, after) = after.split_at(len);
    *rest = after;
    Some(field)
}

/// A string's length as the u32 the formats store.
///
/// # Panics
///
/// For a key or value of 4 GiB or more, which no app emits.
fn length_u32(text: &str) -> u32 {
    u32::try_from(text.len()).expect("a key or value of 4 GiB or more")
}

/// The first 8 bytes of `key` as a big-endian number, zero-padded. If two keys' prefixes
/// differ, their order is the order of the keys; if equal, the keys must be compared.
fn key_prefix(key: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let len = key.len().min(8);
    bytes[..len].copy_from_slice(&key.as_bytes()[..len]);
    u64::from_be_bytes(bytes)
}

fn key_of<'a>(text: &'a str, entry: &Entry) -> &'a str {
    &text[entry.start..entry.start + entry.key_len as usize]
}

fn value_of<'a>(text: &'a str, entry: &Entry) -> &'a str {
    let start = entry.start + entry.key_len as usize;
    &text[start..start + entry.value_len as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ihash_matches_go_fnv1a() {
        // hash/fnv New32a of "" is the offset basis; "a" is 0xe40c292c.
        assert_eq!(ihash(""), 0x811c_9dc5 & 0x7fff_ffff);
        assert_eq!(ihash("a"), 0xe40c_292c & 0x7fff_ffff);
    }

    #[test]
    fn groups_sorted_pairs_by_key() {
        let mut pairs = Pairs::new();
        for (key, value) in [("b", "1"), ("a", "2"), ("b", "3"), ("", "4")] {
            pairs.push(key, value);
        }
        pairs.sort_by_key();
        let mut groups = Vec::new();
        pairs
            .for_each_group(|key, values| {
                groups.push(format!("{key}={}", values.join(",")));
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(groups, ["=4", "a=2", "b=1,3"]);
    }

    #[test]
    fn sorts_in_byte_order_across_the_prefix() {
        let keys = [
            "abcdefghZ",
            "abcdefgh",
            "ab\0x",
            "ab",
            "b",
            "abcdefghA",
            "",
            "B",
        ];
        let mut pairs = Pairs::new();
        for key in keys {
            pairs.push(key, "v");
        }
        pairs.sort_by_key();
        let mut sorted = Vec::new();
        pairs
            .for_each_group(|key, _| {
                sorted.push(key.to_string());
                Ok::<(), ()>(())
            })
            .unwrap();
        let mut expected: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
        expected.sort();
        assert_eq!(sorted, expected);
    }

    #[test]
    fn intermediate_records_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mr-0-0");
        let mut bytes = Vec::new();
        write_record(&mut bytes, "key with spaces\n", "välue").unwrap();
        write_record(&mut bytes, "", "").unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let mut pairs = Pairs::new();
        pairs.read_intermediate(&path).unwrap();
        assert_eq!(pairs.len(), 2);
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let error = Pairs::new().read_intermediate(&path).unwrap_err();
        assert!(
            matches!(error, MrError::CorruptIntermediate { .. }),
            "{error}"
        );
    }
}
