//! The errors of the MapReduce binaries.

use std::path::PathBuf;

use thiserror::Error;

/// Why a coordinator, worker or sequential run failed.
#[derive(Debug, Error)]
pub enum MrError {
    /// The app name is not one of the compiled-in apps.
    #[error("unknown app {name:?}; valid apps: {}", crate::apps::APP_NAMES.join(", "))]
    UnknownApp {
        /// The name that was asked for.
        name: String,
    },
    /// No input files were named.
    #[error("no input files; name at least one text file")]
    NoInputs,
    /// `--n-reduce 0`: a job needs at least one reduce task.
    #[error("the number of reduce tasks must be at least 1")]
    NoReduceTasks,
    /// A file could not be read, written or renamed.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// An intermediate file is not in the format the workers write.
    #[error("{path}: corrupt intermediate file: {reason}")]
    CorruptIntermediate {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The coordinator's socket could not be served.
    #[error("cannot serve on {path}: {source}")]
    Serve {
        /// The socket path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The worker never reached the coordinator.
    #[error("cannot reach the coordinator at {path}: {source}")]
    CoordinatorUnreachable {
        /// The socket path.
        path: PathBuf,
        /// The failed call.
        source: labrpc::RpcError,
    },
}

impl MrError {
    /// A file error about `path`, for `map_err`.
    pub fn file(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> MrError {
        let path = path.into();
        move |source| MrError::File { path, source }
    }
}

/// The result of MapReduce operations.
pub type Result<T> = std::result::Result<T, MrError>;
