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
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Parses a JSON operation history; `path` is only used in error messages.
pub fn parse_operations<I: DeserializeOwned, O: DeserializeOwned>(
    text: &str,
    path: &Path,
) -> Result<Vec<Operation<I, O>>> {
    serde_json::from_str(text)
        .map_err(|error| parse_error(path, error.line().max(1), error.to_string()))
}

/// Writes `history` in this format, one operation per line, so `lincheck` (or another tool)
/// can check it again.
pub fn write_operations<I: Serialize, O: Serialize>(
    history: &[Operation<I, O>],
    out: &mut impl Write,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    for (index, operation) in history.iter().enumerate() {
        out.write_all(if index == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, operation)?;
    }
    out.write_all(b"\n]\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::{parse_operations, write_operations};
    use crate::models::{KvInput, KvOutput};
    use crate::Operation;
    use std::path::Path;

    #[test]
    fn written_histories_read_back() {
        let history = vec![
            Operation::new(0, KvInput::put("x", "1"), 0u64, KvOutput::default(), 10u64),
            Operation::new(1, KvInput::get("x"), 5u64, KvOutput::new("1"), 20u64),
            Operation::unknown(2, KvInput::append("x", "2"), 7u64),
        ];
        let mut bytes = Vec::new();
        write_operations(&history, &mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.lines().count(), 5, "one operation per line: {text}");
        let read: Vec<Operation<KvInput, KvOutput>> =
            parse_operations(&text, Path::new("<memory>")).unwrap();
        assert_eq!(read, history);
        let empty: Vec<Operation<KvInput, KvOutput>> = Vec::new();
        let mut bytes = Vec::new();
        write_operations(&empty, &mut bytes).unwrap();
        let read: Vec<Operation<KvInput, KvOutput>> =
            parse_operations(std::str::from_utf8(&bytes).unwrap(), Path::new("-")).unwrap();
        assert!(read.is_empty());
    }
}
