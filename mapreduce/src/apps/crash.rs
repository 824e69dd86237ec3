//! crash and nocrash: a map and reduce that describe their input, and that (crash) often
//! exit or stall at random to test the coordinator's recovery.

use std::time::Duration;

use rand::Rng;

use super::{sorted_joined, App};

/// A draw below this (out of 1000) exits the process: 33 %.
const CRASH_BELOW: u32 = 330;

/// A draw below this (and not a crash) stalls for up to [`MAX_STALL_MILLIS`]: 33 %.
const STALL_BELOW: u32 = 660;

/// The longest stall, in ms (the course's 10 s, so a stall can outlast the task timeout).
const MAX_STALL_MILLIS: u64 = 10_000;

/// Map emits `a=filename, b=len(filename), c=len(contents), d="xyzzy"`; reduce sorts and
/// joins the values. With `crashes`, each call first may exit or stall.
pub struct Crash {
    /// Whether to crash and stall (`crash`) or not (`nocrash`).
    pub crashes: bool,
}

impl Crash {
    /// The course's `maybeCrash`: exit(1) a third of the time, sleep 0-9999 ms a third.
    fn maybe_crash(&self) {
        if !self.crashes {
            return;
        }
        let mut rng = rand::thread_rng();
        let draw = rng.gen_range(0..1000);
        if draw < CRASH_BELOW {
            std::process::exit(1);
        } else if draw < STALL_BELOW {
            let millis = rng.gen_range(0..MAX_STALL_MILLIS);
            std::thread::sleep(Duration::from_millis(millis));
        }
    }
}

impl App for Crash {
    fn map(&self, filename: &str, contents: &str, emit: &mut dyn FnMut(&str, &str)) {
        self.maybe_crash();
        emit("a", filename);
        emit("b", &filename.len().to_string());
        emit("c", &contents.len().to_string());
        emit("d", "xyzzy");
    }

    fn reduce(&self, _key: &str, values: &[&str]) -> String {
        self.maybe_crash();
        sorted_joined(values)
    }
}
