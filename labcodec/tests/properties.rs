//! Property tests: decoding never panics on any input, and every value round-trips.

use std::collections::{BTreeMap, HashMap};

use labcodec::{decode, encode, Error};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

/// An enum with every variant shape serde knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Command {
    Noop,
    Put(String, String),
    Append { key: String, value: String },
    Batch(Vec<Command>),
}

/// A nested struct like an AppendEntries request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Request {
    term: u64,
    leader: i32,
    prev_log_index: usize,
    entries: Vec<(u64, Command)>,
    snapshot: Option<Vec<u8>>,
    table: BTreeMap<String, u64>,
    hashed: HashMap<u32, String>,
    ratio: f64,
    done: bool,
    nested: Vec<Vec<i16>>,
}

fn command() -> impl Strategy<Value = Command> {
    let leaf = prop_oneof![
        Just(Command::Noop),
        (".*", ".*").prop_map(|(k, v)| Command::Put(k, v)),
        (".*", ".*").prop_map(|(key, value)| Command::Append { key, value }),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Command::Batch)
    })
}

fn request() -> impl Strategy<Value = Request> {
    (
        any::<u64>(),
        any::<i32>(),
        any::<usize>(),
        prop::collection::vec((any::<u64>(), command()), 0..6),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..64)),
        prop::collection::btree_map(".{0,8}", any::<u64>(), 0..5),
        prop::collection::hash_map(any::<u32>(), ".{0,8}", 0..5),
        any::<f64>().prop_filter("NaN is not equal to itself", |x| !x.is_nan()),
        any::<bool>(),
        prop::collection::vec(prop::collection::vec(any::<i16>(), 0..4), 0..4),
    )
        .prop_map(
            |(
                term,
                leader,
                prev_log_index,
                entries,
                snapshot,
                table,
                hashed,
                ratio,
                done,
                nested,
            )| {
                Request {
                    term,
                    leader,
                    prev_log_index,
                    entries,
                    snapshot,
                    table,
                    hashed,
                    ratio,
                    done,
                    nested,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nested_structs_round_trip(value in request()) {
        prop_assert_eq!(decode::<Request>(&encode(&value)), Ok(value));
    }

    #[test]
    fn enums_round_trip(value in command()) {
        prop_assert_eq!(decode::<Command>(&encode(&value)), Ok(value));
    }

    #[test]
    fn strings_and_byte_buffers_round_trip(text in ".*", bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assert_eq!(decode::<String>(&encode(&text)), Ok(text));
        prop_assert_eq!(decode::<Vec<u8>>(&encode(&bytes)), Ok(bytes));
    }

    #[test]
    fn decoding_random_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        // Any outcome is fine except a panic; proptest turns a panic into a failure.
        let _ = decode::<Request>(&bytes);
        let _ = decode::<Command>(&bytes);
        let _ = decode::<String>(&bytes);
        let _ = decode::<Vec<Vec<u64>>>(&bytes);
        let _ = decode::<BTreeMap<String, Vec<u8>>>(&bytes);
        let _ = decode::<(u8, i64, char, Option<bool>)>(&bytes);
    }

    #[test]
    fn every_strict_prefix_is_truncated(value in request()) {
        let bytes = encode(&value);
        for end in 0..bytes.len() {
            prop_assert!(decode::<Request>(&bytes[..end]).is_err());
        }
    }

    #[test]
    fn any_suffix_is_trailing(value in command(), extra in prop::collection::vec(any::<u8>(), 1..16)) {
        let mut bytes = encode(&value);
        bytes.extend_from_slice(&extra);
        prop_assert_eq!(
            decode::<Command>(&bytes),
            Err(Error::TrailingBytes { count: extra.len() })
        );
    }
}
