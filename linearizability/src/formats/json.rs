//! The JSON history format: an array of operations.
//!
//! ```json
//! [
//!   {"client": 0, "input": {"op": "put", "key": "x", "value": "1"},
//!    "call": 0, "output": {"value": ""}, "return": 10},
//!   {"client": 1, "input": {"op": "get", "key": "x"}, "call": 5}
//! ]
//! ```
//!
//! An operation without `output` has an unknown outcome; without `return` it never
//! returned. Inputs and outputs are the model's types in serde's JSON form.

use super::parse_error;
use crate::error::Result;
use crate::history::Operation;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parses a JSON operation history; `path` is only used in error messages.
pub fn parse_operations<I: DeserializeOwned, O: DeserializeOwned>(
    text: &str,
    path: &Path,
) -> Result<Vec<Operation<I, O>>> {
    serde_json::from_str(text)
        .map_err(|error| parse_error(path, error.line().max(1), error.to_string()))
}
