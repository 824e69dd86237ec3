//! Reading history files: the crate's JSON format, porcupine's kv logs, Jepsen etcd logs.
//!
//! Every parser reports a malformed line as [`Error::Parse`] with its file and line; none
//! panics on any input.

pub mod jepsen;
pub mod json;
pub mod porcupine_kv;

use crate::error::{Error, Result};
use std::path::Path;

/// A history file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of [`crate::Operation`] objects (see the crate README).
    Json,
    /// Porcupine's kv test logs: `{:process P, :type :invoke|:ok, :f :get|:put|:append, ...}`.
    PorcupineKv,
    /// Jepsen etcd logs: `INFO  jepsen.util - P :invoke|:ok|:fail|:info :read|:write|:cas V`.
    Jepsen,
}

impl Format {
    /// Guesses a format from a file name: `.json`, `.txt` (porcupine kv) or `.log` (Jepsen).
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "txt" => Some(Format::PorcupineKv),
            "log" => Some(Format::Jepsen),
            _ => None,
        }
    }
}

/// Reads a whole file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        parse_error(path, line_count(valid), "not valid UTF-8")
    })
}

fn line_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// A parse error at `path:line`.
pub(crate) fn parse_error(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}
