//! The course's lab 2 service since 2025: `Get` and versioned `Put` on string keys, with the
//! clerk's "maybe" answer for a put it cannot vouch for. Partitioned by key.
//!
//! Each key holds a value and a version; a missing key is version 0. `Put(key, value, v)`
//! installs `value` and makes the version `v + 1` when `v` is the stored version (0 creates a
//! missing key), and otherwise changes nothing and is refused: `Version`, or `NoKey` for a
//! missing key. `Get` answers the value and version, or `NoKey`.
//!
//! # Maybe
//!
//! A clerk answers `Maybe` when a *retransmitted* put met a version mismatch: its first
//! attempt may or may not have been applied. The model accepts `Maybe` wherever a put can be
//! placed, and lets the state decide what it did: placed where its version matches, it took
//! effect; placed where it does not, it did nothing. That covers both outcomes. If the first
//! attempt was applied, the put linearizes at that moment, where the version matched; if no
//! attempt was, the retransmission that met the mismatch lies inside the put's interval and
//! the put linearizes there, as a refusal.

use crate::history::{Event, Operation};
use crate::model::{partition_events_by_key, partition_operations_by_key, Model};
use crate::models::kv::ARC_HEADER_BYTES;
use crate::models::shorten;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A key's version: 0 for a missing key, then one more for every put that took effect.
pub type Version = u64;

/// Values longer than this are shortened in the picture, so the version and the outcome that
/// follow them stay visible.
const MAX_PICTURED_VALUE: usize = 40;

/// What a client asks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum VersionedInput {
    /// Read a key's value and version.
    Get {
        /// The key.
        key: String,
    },
    /// Install `value` if the key's version is `version`.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: String,
        /// The version the client believes the key has.
        version: Version,
    },
}

impl VersionedInput {
    /// A get of `key`.
    pub fn get(key: impl Into<String>) -> Self {
        VersionedInput::Get { key: key.into() }
    }

    /// A put of `value` at `key`, expecting `version`.
    pub fn put(key: impl Into<String>, value: impl Into<String>, version: Version) -> Self {
        VersionedInput::Put {
            key: key.into(),
            value: value.into(),
            version,
        }
    }

    /// The key the operation works on.
    pub fn key(&self) -> &str {
        match self {
            VersionedInput::Get { key } | VersionedInput::Put { key, .. } => key,
        }
    }
}

/// What a client gets back.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum VersionedOutput {
    /// A get found the key.
    Value {
        /// Its value.
        value: String,
        /// Its version (at least 1).
        version: Version,
    },
    /// A put took effect.
    Ok,
    /// A get of a missing key, or a put at a non-zero version of a missing key.
    NoKey,
    /// A put at a version other than the stored one; nothing changed.
    Version,
    /// A put that may or may not have taken effect.
    Maybe,
}

/// One key's value and version; shared rather than copied on every step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VersionedState {
    value: Arc<str>,
    version: Version,
}

impl VersionedState {
    /// A key that was never written: version 0.
    pub fn missing() -> Self {
        VersionedState {
            value: "".into(),
            version: 0,
        }
    }

    /// A key holding `value` at `version`.
    pub fn new(value: &str, version: Version) -> Self {
        VersionedState {
            value: value.into(),
            version,
        }
    }

    /// The value (`""` for a missing key).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The version (0 for a missing key).
    pub fn version(&self) -> Version {
        self.version
    }

    /// Whether the key was never written.
    pub fn is_missing(&self) -> bool {
        self.version == 0
    }

    /// What a put at a mismatched version is told: no such key, or wrong version.
    fn refusal(&self) -> VersionedOutput {
        if self.is_missing() {
            VersionedOutput::NoKey
        } else {
            VersionedOutput::Version
        }
    }
}

/// The versioned key/value model, one key per partition.
#[derive(Clone, Copy, Debug, Default)]
pub struct VersionedModel;

/// Whether `output` is a legal answer to a get in `state`.
fn get_answer_is_legal(state: &VersionedState, output: Option<&VersionedOutput>) -> bool {
    match output {
        None => true,
        Some(VersionedOutput::NoKey) => state.is_missing(),
        Some(VersionedOutput::Value { value, version }) => {
            !state.is_missing() && *version == state.version && **value == *state.value
        }
        Some(_) => false,
    }
}

/// The state after a put placed in `state`, if `output` is a legal answer to it there.
fn step_put(
    state: &VersionedState,
    value: &str,
    version: Version,
    output: Option<&VersionedOutput>,
) -> Option<VersionedState> {
    if version == state.version {
        let legal = matches!(
            output,
            None | Some(VersionedOutput::Ok) | Some(VersionedOutput::Maybe)
        );
        legal.then(|| VersionedState::new(value, version + 1))
    } else {
        let legal = match output {
            None | Some(VersionedOutput::Maybe) => true,
            Some(refusal) => *refusal == state.refusal(),
        };
        legal.then(|| state.clone())
    }
}

impl Model for VersionedModel {
    type State = VersionedState;
    type Input = VersionedInput;
    type Output = VersionedOutput;

    fn init(&self) -> VersionedState {
        VersionedState::missing()
    }

    fn step(
        &self,
        state: &VersionedState,
        input: &VersionedInput,
        output: Option<&VersionedOutput>,
    ) -> Option<VersionedState> {
        match input {
            VersionedInput::Get { .. } => get_answer_is_legal(state, output).then(|| state.clone()),
            VersionedInput::Put { value, version, .. } => step_put(state, value, *version, output),
        }
    }

    fn is_read_only(&self, input: &VersionedInput, output: Option<&VersionedOutput>) -> bool {
        // A get, or a put the server refused: neither changes the key.
        matches!(
            (input, output),
            (VersionedInput::Get { .. }, _)
                | (
                    VersionedInput::Put { .. },
                    Some(VersionedOutput::Version | VersionedOutput::NoKey)
                )
        )
    }

    const CAN_FOLLOW_PRUNES: bool = true;

    fn can_follow(
        &self,
        state: &VersionedState,
        input: &VersionedInput,
        output: Option<&VersionedOutput>,
        _between: &mut dyn Iterator<Item = &VersionedInput>,
    ) -> bool {
        // Versions never go down and keys are never deleted: an answer that saw a lower
        // version, or no key, cannot come after a state past it.
        match (input, output) {
            (VersionedInput::Get { .. }, Some(VersionedOutput::Value { version, .. })) => {
                state.version <= *version
            }
            (VersionedInput::Get { .. }, Some(VersionedOutput::NoKey)) => state.is_missing(),
            (VersionedInput::Put { version, .. }, Some(VersionedOutput::Ok)) => {
                state.version <= *version
            }
            _ => true,
        }
    }

    fn state_bytes(&self, state: &VersionedState) -> usize {
        std::mem::size_of::<VersionedState>() + ARC_HEADER_BYTES + state.value.len()
    }

    fn partition_label(&self, input: &VersionedInput) -> Option<String> {
        Some(input.key().to_string())
    }

    fn partition_operations(
        &self,
        history: &[Operation<VersionedInput, VersionedOutput>],
    ) -> Vec<Vec<usize>> {
        partition_operations_by_key(history, |input| input.key().to_string())
    }

    fn partition_events(
        &self,
        history: &[Event<VersionedInput, VersionedOutput>],
    ) -> Vec<Vec<usize>> {
        partition_events_by_key(history, |input| input.key().to_string())
    }

    fn describe_operation(
        &self,
        input: &VersionedInput,
        output: Option<&VersionedOutput>,
    ) -> String {
        let call = match input {
            VersionedInput::Get { key } => format!("get('{key}')"),
            VersionedInput::Put {
                key,
                value,
                version,
            } => format!("put('{key}', '{}', v{version})", pictured(value)),
        };
        let answer = match output {
            None => "?".to_string(),
            Some(VersionedOutput::Value { value, version }) => {
                format!("'{}' v{version}", pictured(value))
            }
            Some(VersionedOutput::Ok) => "ok".to_string(),
            Some(VersionedOutput::NoKey) => "no key".to_string(),
            Some(VersionedOutput::Version) => "wrong version".to_string(),
            Some(VersionedOutput::Maybe) => "maybe".to_string(),
        };
        format!("{call} -> {answer}")
    }

    fn describe_state(&self, state: &VersionedState) -> String {
        if state.is_missing() {
            "no key".to_string()
        } else {
            format!("'{}' v{}", pictured(&state.value), state.version)
        }
    }
}

/// A value as the picture shows it.
fn pictured(value: &str) -> String {
    shorten(value, MAX_PICTURED_VALUE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_operations, Verdict};
    use crate::visualize::render_html;
    use std::time::Duration;

    use VersionedOutput::{Maybe, NoKey, Ok as PutOk, Version as WrongVersion};

    fn value(value: &str, version: Version) -> VersionedOutput {
        VersionedOutput::Value {
            value: value.into(),
            version,
        }
    }

    fn step(
        state: &VersionedState,
        input: &VersionedInput,
        output: VersionedOutput,
    ) -> Option<VersionedState> {
        VersionedModel.step(state, input, Some(&output))
    }

    fn op(
        client: usize,
        input: VersionedInput,
        call: u64,
        output: VersionedOutput,
        ret: u64,
    ) -> Operation<VersionedInput, VersionedOutput> {
        Operation::new(client, input, call, output, ret)
    }

    fn verdict(history: &[Operation<VersionedInput, VersionedOutput>]) -> Verdict {
        check_operations(&VersionedModel, history, Some(Duration::from_secs(5))).verdict
    }

    /// A missing key reads as `NoKey`, never as a value, not even the empty one at version 0.
    #[test]
    fn get_of_a_missing_key_is_no_key() {
        let missing = VersionedModel.init();
        let get = VersionedInput::get("k");
        assert_eq!(step(&missing, &get, NoKey), Some(missing.clone()));
        assert_eq!(step(&missing, &get, value("", 0)), None);
        assert_eq!(step(&missing, &get, PutOk), None);
        assert_eq!(VersionedModel.step(&missing, &get, None), Some(missing));
    }

    /// A get must see exactly the stored value and version.
    #[test]
    fn get_sees_value_and_version() {
        let state = VersionedState::new("a", 3);
        let get = VersionedInput::get("k");
        assert_eq!(step(&state, &get, value("a", 3)), Some(state.clone()));
        assert_eq!(step(&state, &get, value("a", 2)), None);
        assert_eq!(step(&state, &get, value("b", 3)), None);
        assert_eq!(step(&state, &get, NoKey), None);
    }

    /// A put at the stored version installs its value and bumps the version; it may be
    /// answered `Ok` or `Maybe`, never a refusal.
    #[test]
    fn put_at_the_stored_version_takes_effect() {
        let missing = VersionedModel.init();
        let create = VersionedInput::put("k", "a", 0);
        let created = VersionedState::new("a", 1);
        assert_eq!(step(&missing, &create, PutOk), Some(created.clone()));
        assert_eq!(step(&missing, &create, Maybe), Some(created.clone()));
        assert_eq!(VersionedModel.step(&missing, &create, None), Some(created));
        assert_eq!(step(&missing, &create, NoKey), None);
        assert_eq!(step(&missing, &create, WrongVersion), None);

        let state = VersionedState::new("a", 4);
        let put = VersionedInput::put("k", "b", 4);
        assert_eq!(step(&state, &put, PutOk), Some(VersionedState::new("b", 5)));
        assert_eq!(step(&state, &put, WrongVersion), None);
    }

    /// A put at another version changes nothing; it may be answered `Version` or `Maybe`.
    #[test]
    fn put_at_another_version_is_refused() {
        let state = VersionedState::new("a", 2);
        for version in [0, 1, 3] {
            let put = VersionedInput::put("k", "b", version);
            assert_eq!(step(&state, &put, WrongVersion), Some(state.clone()));
            assert_eq!(step(&state, &put, Maybe), Some(state.clone()));
            assert_eq!(step(&state, &put, PutOk), None);
            assert_eq!(step(&state, &put, NoKey), None);
        }
    }

    /// A put at a non-zero version of a missing key is `NoKey` (or `Maybe`), not `Version`.
    #[test]
    fn put_of_a_missing_key_at_a_nonzero_version_is_no_key() {
        let missing = VersionedModel.init();
        let put = VersionedInput::put("y", "b", 1);
        assert_eq!(step(&missing, &put, NoKey), Some(missing.clone()));
        assert_eq!(step(&missing, &put, Maybe), Some(missing.clone()));
        assert_eq!(step(&missing, &put, WrongVersion), None);
        assert_eq!(step(&missing, &put, PutOk), None);
    }

    /// A get never answers like a put, nor a put like a get.
    #[test]
    fn answers_of_the_wrong_kind_are_illegal() {
        let state = VersionedState::new("a", 1);
        assert_eq!(step(&state, &VersionedInput::get("k"), Maybe), None);
        assert_eq!(
            step(&state, &VersionedInput::put("k", "b", 1), value("b", 2)),
            None
        );
    }

    /// The clerk's `Maybe` after its first attempt took effect: a later get sees the put.
    #[test]
    fn a_maybe_put_that_took_effect_is_linearizable() {
        let history = [
            op(0, VersionedInput::put("k", "a", 0), 0, Maybe, 10),
            op(0, VersionedInput::get("k"), 20, value("a", 1), 30),
        ];
        assert_eq!(verdict(&history), Verdict::Linearizable);
    }

    /// The clerk's `Maybe` when no attempt took effect: another client's put got in first,
    /// and this one's retransmission met the mismatch.
    #[test]
    fn a_maybe_put_that_did_not_take_effect_is_linearizable() {
        let history = [
            op(0, VersionedInput::put("k", "a", 0), 0, Maybe, 50),
            op(1, VersionedInput::put("k", "b", 0), 10, PutOk, 20),
            op(1, VersionedInput::get("k"), 60, value("b", 1), 70),
        ];
        assert_eq!(verdict(&history), Verdict::Linearizable);
    }

    /// Two puts at the same version cannot both take effect.
    #[test]
    fn two_successful_puts_at_one_version_are_illegal() {
        let history = [
            op(0, VersionedInput::put("k", "a", 0), 0, PutOk, 10),
            op(1, VersionedInput::put("k", "b", 0), 20, PutOk, 30),
        ];
        assert_eq!(verdict(&history), Verdict::Illegal);
    }

    /// A retried put applied twice shows as a version two ahead of the puts that succeeded.
    #[test]
    fn a_put_applied_twice_is_illegal() {
        let history = [
            op(0, VersionedInput::put("k", "a", 0), 0, PutOk, 10),
            op(0, VersionedInput::get("k"), 20, value("a", 2), 30),
        ];
        assert_eq!(verdict(&history), Verdict::Illegal);
    }

    /// A get that misses a put which returned before it began is stale.
    #[test]
    fn a_stale_get_is_illegal() {
        let history = [
            op(0, VersionedInput::put("k", "a", 0), 0, PutOk, 10),
            op(0, VersionedInput::put("k", "b", 1), 20, PutOk, 30),
            op(1, VersionedInput::get("k"), 40, value("a", 1), 50),
        ];
        assert_eq!(verdict(&history), Verdict::Illegal);
    }

    /// Keys are checked apart: a violation on one key is found among legal histories on others.
    #[test]
    fn keys_are_partitions() {
        let history = [
            op(0, VersionedInput::put("x", "a", 0), 0, PutOk, 10),
            op(1, VersionedInput::put("y", "a", 0), 0, PutOk, 10),
            op(1, VersionedInput::get("y"), 20, NoKey, 30),
        ];
        let partitions = VersionedModel.partition_operations(&history);
        assert_eq!(partitions, vec![vec![0], vec![1, 2]]);
        assert_eq!(verdict(&history), Verdict::Illegal);
        assert_eq!(verdict(&history[..2]), Verdict::Linearizable);
    }

    /// The picture names versions in operations and states, and keeps them visible when the
    /// value is long.
    #[test]
    fn the_picture_shows_versions() {
        let long = "z".repeat(1000);
        let history = [
            op(0, VersionedInput::put("k", long.as_str(), 0), 0, PutOk, 10),
            op(1, VersionedInput::get("k"), 20, value("b", 1), 30),
        ];
        let result = check_operations(&VersionedModel, &history, None);
        assert_eq!(result.verdict, Verdict::Illegal);
        let html = render_html(&VersionedModel, &history, &result);
        let short = format!("{}…", "z".repeat(MAX_PICTURED_VALUE));
        for text in [
            format!("put('k', '{short}', v0) -> ok"),
            "get('k') -> 'b' v1".to_string(),
            format!("'{short}' v1"),
            "no key".to_string(),
        ] {
            assert!(html.contains(&text), "the picture lacks {text:?}");
        }
    }

    /// Histories are readable as JSON, one object per input and output.
    #[test]
    fn inputs_and_outputs_have_a_json_form() {
        let input: VersionedInput =
            serde_json::from_str(r#"{"op":"put","key":"k","value":"a","version":2}"#).unwrap();
        assert_eq!(input, VersionedInput::put("k", "a", 2));
        let output: VersionedOutput =
            serde_json::from_str(r#"{"result":"value","value":"a","version":3}"#).unwrap();
        assert_eq!(output, value("a", 3));
        let maybe: VersionedOutput = serde_json::from_str(r#"{"result":"maybe"}"#).unwrap();
        assert_eq!(maybe, Maybe);
    }
}
