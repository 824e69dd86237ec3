//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong outside the search itself. The search never fails: a hard
/// history gives [`crate::Verdict::Unknown`], not an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A history file could not be read from disk.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A line of a history file is malformed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file being parsed (`-` or `<memory>` when not from a file).
        path: PathBuf,
        /// The 1-based line number of the offending line.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// An event history returns an operation that was never called (or returns it twice).
    #[error("event {position}: return of id {id} without a pending call")]
    UnmatchedReturn {
        /// Index of the return event in the history.
        position: usize,
        /// The id it carried.
        id: u64,
    },
    /// An event history calls an id that is still pending.
    #[error("event {position}: call of id {id} while an earlier call with that id is pending")]
    DuplicateCall {
        /// Index of the call event in the history.
        position: usize,
        /// The id it carried.
        id: u64,
    },
    /// The HTML picture could not be written.
    #[error("{path}: cannot write the picture: {source}")]
    WriteHtml {
        /// Where the picture was to go.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
