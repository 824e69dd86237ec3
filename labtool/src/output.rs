//! Writing to the terminal without panicking: `lab results | head` closes the pipe after ten
//! lines, and `print!` would panic on the next write with a backtrace. Here a closed stdout is
//! [`Error::OutputClosed`], which `lab` ends on quietly (the reader has what it wanted), and
//! notes on stderr are best effort: a note that cannot be delivered has nowhere else to go.

use std::io::Write;

use crate::error::{Error, Result};

/// Writes `text` to stdout and flushes it; a closed pipe is [`Error::OutputClosed`].
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)
}

/// Writes a stress or sweep report to stdout. A closed pipe is not an error here: the runs
/// went as they went, and the exit code still says so.
pub fn print_report(text: &str) -> Result<()> {
    match print(text) {
        Err(Error::OutputClosed) => Ok(()),
        other => other,
    }
}

/// The error for a failed write to stdout: [`Error::OutputClosed`] when the reader went away.
pub fn stdout_error(source: std::io::Error) -> Error {
    if source.kind() == std::io::ErrorKind::BrokenPipe {
        Error::OutputClosed
    } else {
        Error::Stdout(source)
    }
}

/// Writes one line to stderr, ignoring failure.
pub fn note(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_a_quiet_end_and_other_errors_are_not() {
        let closed = stdout_error(std::io::ErrorKind::BrokenPipe.into());
        assert!(matches!(closed, Error::OutputClosed));
        let full = stdout_error(std::io::Error::other("disk full"));
        assert!(matches!(full, Error::Stdout(_)));
    }
}
