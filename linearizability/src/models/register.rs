//! A compare-and-swap register, as in the Jepsen etcd tests: read, write, cas on one value
//! that starts as nil.

use crate::model::Model;
use serde::{Deserialize, Serialize};

/// What a register client asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum RegisterInput {
    /// Read the value.
    Read,
    /// Overwrite the value.
    Write {
        /// The new value.
        value: i64,
    },
    /// Set the value to `to` if it equals `from`.
    Cas {
        /// The expected value.
        from: i64,
        /// The new value.
        to: i64,
    },
}

/// What a register client gets back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum RegisterOutput {
    /// A read's result; `None` is nil (never written).
    Read {
        /// The value read.
        value: Option<i64>,
    },
    /// A write completed.
    Write,
    /// Whether a compare-and-swap succeeded.
    Cas {
        /// True if the value was swapped.
        ok: bool,
    },
}

/// The register model; the state is `None` for nil.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegisterModel;

impl Model for RegisterModel {
    type State = Option<i64>;
    type Input = RegisterInput;
    type Output = RegisterOutput;

    fn init(&self) -> Option<i64> {
        None
    }

    fn is_read_only(&self, input: &RegisterInput, output: Option<&RegisterOutput>) -> bool {
        matches!(
            (input, output),
            (RegisterInput::Read, _)
                | (
                    RegisterInput::Cas { .. },
                    Some(RegisterOutput::Cas { ok: false })
                )
        )
    }

    fn step(
        &self,
        state: &Option<i64>,
        input: &RegisterInput,
        output: Option<&RegisterOutput>,
    ) -> Option<Option<i64>> {
        match (*input, output) {
            (RegisterInput::Read, None) => Some(*state),
            (RegisterInput::Read, Some(RegisterOutput::Read { value })) => {
                (value == state).then_some(*state)
            }
            (RegisterInput::Write { value }, None | Some(RegisterOutput::Write)) => {
                Some(Some(value))
            }
            (RegisterInput::Cas { from, to }, None) => Some(if *state == Some(from) {
                Some(to)
            } else {
                *state
            }),
            (RegisterInput::Cas { from, to }, Some(RegisterOutput::Cas { ok })) => {
                let matches = *state == Some(from);
                (matches == *ok).then_some(if matches { Some(to) } else { *state })
            }
            // An output of the wrong kind can never be explained.
            _ => None,
        }
    }

    fn describe_operation(&self, input: &RegisterInput, output: Option<&RegisterOutput>) -> String {
        let result = match output {
            None => "?".to_string(),
            Some(RegisterOutput::Read { value }) => describe_value(*value),
            Some(RegisterOutput::Write) => "ok".to_string(),
            Some(RegisterOutput::Cas { ok }) => (if *ok { "ok" } else { "fail" }).to_string(),
        };
        match input {
            RegisterInput::Read => format!("read() -> {result}"),
            RegisterInput::Write { value } => format!("write({value}) -> {result}"),
            RegisterInput::Cas { from, to } => format!("cas({from}, {to}) -> {result}"),
        }
    }

    fn describe_state(&self, state: &Option<i64>) -> String {
        describe_value(*state)
    }
}

fn describe_value(value: Option<i64>) -> String {
    value.map_or_else(|| "nil".to_string(), |value| value.to_string())
}
