//! What the binaries share: logging setup and turning an error into a message and an exit
//! code.

use std::process::ExitCode;

use crate::error::Result;

/// Installs the logger (silent unless `RUST_LOG` is set), runs `body`, and on failure prints
/// `"<program>: <error>"` to stderr and exits 1.
pub fn run_main(program: &str, body: impl FnOnce() -> Result<()>) -> ExitCode {
    let _ = env_logger::try_init();
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{program}: {error}");
            ExitCode::FAILURE
        }
    }
}
