//! Ready-made models: the course's key/value service and a compare-and-swap register.

pub mod kv;
pub mod kv_map;
pub mod register;
pub mod versioned;

pub use kv::{KvInput, KvModel, KvOp, KvOutput, KvState};
pub use kv_map::{KvMapModel, KvMapState};
pub use register::{RegisterInput, RegisterModel, RegisterOutput};
pub use versioned::{VersionedInput, VersionedModel, VersionedOutput, VersionedState};

/// Cuts `text` to at most `limit` characters, marking the cut, so pictures stay small.
pub(crate) fn shorten(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}
