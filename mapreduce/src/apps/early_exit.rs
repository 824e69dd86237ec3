//! early_exit: some reduce tasks are slow, to catch workers or a coordinator that exit early.

use std::time::Duration;

use super::App;

/// How long the reduce of a "sherlock" or "tom" key sleeps: long enough that a process
/// exiting before the job is done would be caught with output missing.
const SLOW_REDUCE: Duration = Duration::from_secs(3);

/// Map emits `(filename, "1")`; reduce sleeps for keys containing "sherlock" or "tom", then
/// counts the values.
pub struct EarlyExit;

impl App for EarlyExit {
    fn map(&self, filename: &str, _contents: &str, emit: &mut dyn FnMut(&str, &str)) {
        emit(filename, "1");
    }

    fn reduce(&self, key: &str, values: &[&str]) -> String {
        if key.contains("sherlock") || key.contains("tom") {
            std::thread::sleep(SLOW_REDUCE);
        }
        values.len().to_string()
    }
}
