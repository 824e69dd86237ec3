//! One logger for every tester, in the line format the `lab logs` viewer reads.
//!
//! A line is `<ms since start, 6 digits> <LEVEL> <target> <message>`:
//!
//! ```text
//! 001234 DEBUG raft S2 T7 election: won with 2 votes
//! 001240 INFO tester crash 2
//! ```
//!
//! Servers start their messages with `S<id> T<term> <topic>: `; tester lines use the target
//! `tester`.
//!
//! A line logged inside a simulation carries the simulation's virtual time instead, so its
//! logs are the same, byte for byte, on every replay of its seed.

use std::io::Write;
use std::sync::OnceLock;

use labsim::time::Instant;

/// When logging was installed: the zero of every real-mode line's timestamp (simulated lines
/// use their simulation's clock, which starts at zero).
static START: OnceLock<Instant> = OnceLock::new();

/// The environment variable that turns logging on, in `env_logger` filter syntax
/// (`RUST_LOG=raft=debug,tester=info`).
pub const LOG_VAR: &str = "RUST_LOG";

/// Installs the logger once per process; later calls do nothing.
///
/// Silent unless `RUST_LOG` is set. Lines go to standard error.
pub fn init_logging() {
    let start = *START.get_or_init(Instant::now);
    let mut builder = env_logger::Builder::new();
    match std::env::var(LOG_VAR) {
        Ok(filters) => builder.parse_filters(&filters),
        Err(_) => builder.filter_level(log::LevelFilter::Off),
    };
    builder.format(move |buf, record| {
        writeln!(
            buf,
            "{:06} {} {} {}",
            millis_at(start),
            record.level(),
            record.target(),
            record.args()
        )
    });
    // Another tester in the same process may have installed it first; that one is ours too.
    let _ = builder.try_init();
}

/// Milliseconds since [`init_logging`] first ran (0 before that); inside a simulation, the
/// simulation's virtual milliseconds.
pub fn millis_since_start() -> u128 {
    START.get().map_or(0, |start| millis_at(*start))
}

/// A line's timestamp: virtual time in simulation, else real time since `start`.
fn millis_at(start: Instant) -> u128 {
    match labsim::virtual_time() {
        Some(virtual_time) => virtual_time.as_millis(),
        None => start.elapsed().as_millis(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_twice_is_harmless() {
        init_logging();
        init_logging();
        log::debug!(target: "tester", "not shown unless RUST_LOG is set");
        assert!(millis_since_start() < 60_000);
    }
}
