//! Byte strings encoded as one block: `#[serde(with = "labcodec::bytes")]` on a `Vec<u8>` field.
//!
//! serde treats a `Vec<u8>` as a sequence of `u8`, encoded and decoded one element at a time.
//! On postcard's wire a sequence of bytes and a byte string are the same (a varint length,
//! then the bytes), so this changes no encoded byte, only the cost: a Raft log entry's command
//! or a snapshot is copied in one go instead of walked byte by byte. That matters where a
//! whole log is encoded on every save.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};

/// Encodes `bytes` as a byte string.
pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(bytes)
}

/// Decodes a byte string (or a sequence of bytes, for formats that write one).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    deserializer.deserialize_byte_buf(ByteBuf)
}

struct ByteBuf;

impl<'de> Visitor<'de> for ByteBuf {
    type Value = Vec<u8>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a byte string")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
        Ok(bytes.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(bytes)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(byte) = seq.next_element()? {
            bytes.push(byte);
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Plain {
        term: u64,
        command: Vec<u8>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Block {
        term: u64,
        #[serde(with = "crate::bytes")]
        command: Vec<u8>,
    }

    proptest! {
        /// The same bytes on the wire as serde's default, read back either way.
        #[test]
        fn a_byte_block_encodes_as_the_default_sequence(term: u64, command: Vec<u8>) {
            let plain = Plain { term, command: command.clone() };
            let block = Block { term, command };
            let encoded = crate::encode(&block);
            prop_assert_eq!(&encoded, &crate::encode(&plain));
            prop_assert_eq!(crate::decode::<Block>(&encoded).unwrap(), block);
            prop_assert_eq!(crate::decode::<Plain>(&encoded).unwrap(), plain);
        }
    }

    #[test]
    fn a_truncated_block_is_an_error_not_a_panic() {
        let encoded = crate::encode(&Block {
            term: 3,
            command: vec![7; 300],
        });
        for end in 0..encoded.len() {
            assert!(
                crate::decode::<Block>(&encoded[..end]).is_err(),
                "cut at {end}"
            );
        }
    }
}
