//! jobcount: counts how many map tasks ran, to catch tasks run more than once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rand::Rng;

use super::App;

/// The marker files' prefix; reduce counts files with it.
const MARKER_PREFIX: &str = "mr-worker-jobcount";

/// Each map sleeps a random time in this range (ms), as the course's 2000 + rand(3000).
const MAP_SLEEP_MILLIS: std::ops::Range<u64> = 2000..5000;

/// Map creates a unique marker file, sleeps 2-5 s and emits `("a", "x")`; reduce counts the
/// marker files in the working directory.
pub struct JobCount;

/// Map calls made by this process, to make marker names unique.
static MAPS_RUN: AtomicUsize = AtomicUsize::new(0);

impl App for JobCount {
    fn map(&self, _filename: &str, _contents: &str, emit: &mut dyn FnMut(&str, &str)) {
        let count = MAPS_RUN.fetch_add(1, Ordering::SeqCst);
        let marker = format!("{MARKER_PREFIX}-{}-{count}", std::process::id());
        if let Err(error) = std::fs::write(&marker, "x") {
            log::error!("jobcount cannot write {marker}: {error}");
        }
        let millis = rand::thread_rng().gen_range(MAP_SLEEP_MILLIS);
        std::thread::sleep(Duration::from_millis(millis));
        emit("a", "x");
    }

    fn reduce(&self, _key: &str, _values: &[&str]) -> String {
        let markers = std::fs::read_dir(".")
            .map(|entries| {
                entries
                    .filter_map(|entry| entry.ok())
                    .filter(|entry| {
                        entry
                            .file_name()
                            .to_string_lossy()
                            .starts_with(MARKER_PREFIX)
                    })
                    .count()
            })
            .unwrap_or(0);
        markers.to_string()
    }
}
