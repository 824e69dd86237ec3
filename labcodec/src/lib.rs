//! labcodec: the one encoder of the labs.
//!
//! Every RPC argument and reply, every persisted Raft state and every snapshot goes through
//! [`encode`] and [`decode`], so peers never share memory by reference and every byte the
//! simulated network carries is counted.
//!
//! # Contract
//!
//! - [`encode`] turns any `serde::Serialize` value into compact bytes (postcard: varint
//!   integers, length-prefixed strings and sequences, no field names). It fails only for
//!   values serde cannot describe without a length (an iterator of unknown size), which no lab
//!   type is; [`encode`] therefore panics with a message naming the type in that case.
//! - [`decode`] reads a value back. It never panics, whatever the bytes: it returns
//!   [`Error::TooLarge`] for input over [`MAX_DECODE_LEN`], [`Error::Truncated`] when the input
//!   ends inside the value, [`Error::TrailingBytes`] when bytes are left over after it, and
//!   [`Error::Malformed`] for anything else that is not a valid encoding of the type.
//! - `decode(&encode(&v)) == Ok(v)` for every value of every serde type the labs use.
//!
//! # Layout
//!
//! This file: two functions, one error enum and one size limit; [`bytes`]: a `Vec<u8>` field
//! encoded as one block (`#[serde(with = "labcodec::bytes")]`), the same bytes on the wire.

#![warn(missing_docs)]

pub mod bytes;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The largest input [`decode`] accepts: 64 MiB.
///
/// The biggest honest payload in the labs is a shardkv snapshot or a MapReduce frame of a few
/// megabytes; anything larger is a corrupt length or an attack, and refusing it up front keeps
/// a bad length prefix from making the decoder allocate gigabytes.
pub const MAX_DECODE_LEN: usize = 64 << 20;

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input is longer than [`MAX_DECODE_LEN`].
    #[error("input of {len} bytes exceeds the {limit}-byte decode limit")]
    TooLarge {
        /// Length of the rejected input.
        len: usize,
        /// The limit it exceeded.
        limit: usize,
    },
    /// The input ended before the value was complete.
    #[error("input ended before the value was complete")]
    Truncated,
    /// A whole value was decoded, but bytes were left after it.
    #[error("{count} trailing bytes after the encoded value")]
    TrailingBytes {
        /// How many bytes were left over.
        count: usize,
    },
    /// The bytes are not an encoding of the requested type.
    #[error("malformed input: {reason}")]
    Malformed {
        /// What the decoder objected to.
        reason: String,
    },
}

/// The result of [`decode`].
pub type Result<T> = std::result::Result<T, Error>;

/// Encodes `value` into compact bytes.
///
/// # Panics
///
/// Only if serde cannot serialize the value without knowing a length up front (a
/// `serialize_seq(None)` from a hand-written `Serialize`); no derived type does that.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).unwrap_or_else(|error| {
        panic!(
            "labcodec cannot encode a value of type {}: {error}",
            std::any::type_name::<T>()
        )
    })
}

/// Decodes a `T` from exactly all of `bytes`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    if bytes.len() > MAX_DECODE_LEN {
        return Err(Error::TooLarge {
            len: bytes.len(),
            limit: MAX_DECODE_LEN,
        });
    }
    let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(classify)?;
    if !rest.is_empty() {
        return Err(Error::TrailingBytes { count: rest.len() });
    }
    Ok(value)
}

/// Maps postcard's error onto ours, keeping "ran out of input" apart from "bad input".
fn classify(error: postcard::Error) -> Error {
    match error {
        postcard::Error::DeserializeUnexpectedEnd => Error::Truncated,
        other => Error::Malformed {
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Entry {
        term: u64,
        command: Vec<u8>,
    }

    #[test]
    fn round_trips_a_struct() {
        let entry = Entry {
            term: 7,
            command: b"put x 1".to_vec(),
        };
        let bytes = encode(&entry);
        assert_eq!(decode::<Entry>(&bytes), Ok(entry));
    }

    #[test]
    fn encoding_is_compact() {
        // A small integer is one byte, a short string its length plus one.
        assert_eq!(encode(&5u64).len(), 1);
        assert_eq!(encode("abc").len(), 4);
    }

    #[test]
    fn rejects_trailing_bytes() {
        let mut bytes = encode(&42u32);
        bytes.push(0);
        assert_eq!(
            decode::<u32>(&bytes),
            Err(Error::TrailingBytes { count: 1 })
        );
    }

    #[test]
    fn rejects_truncated_input() {
        let bytes = encode(&String::from("hello"));
        assert_eq!(
            decode::<String>(&bytes[..bytes.len() - 1]),
            Err(Error::Truncated)
        );
        assert_eq!(decode::<u64>(&[]), Err(Error::Truncated));
    }

    #[test]
    fn rejects_oversized_input() {
        let bytes = vec![0u8; MAX_DECODE_LEN + 1];
        assert_eq!(
            decode::<Vec<u8>>(&bytes),
            Err(Error::TooLarge {
                len: MAX_DECODE_LEN + 1,
                limit: MAX_DECODE_LEN
            })
        );
    }

    #[test]
    fn rejects_malformed_input() {
        // 0xff is not a valid bool.
        assert!(matches!(
            decode::<bool>(&[0xff]),
            Err(Error::Malformed { .. })
        ));
        // Invalid UTF-8 inside a string.
        assert!(matches!(
            decode::<String>(&[2, 0xc3, 0x28]),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn huge_length_prefix_does_not_allocate() {
        // A length prefix of u64::MAX elements followed by nothing.
        let bytes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert!(decode::<Vec<u64>>(&bytes).is_err());
    }
}
