//! mtiming and rtiming: measure how many workers run maps (or reduces) at the same time.
//!
//! Each call drops a marker file `mr-worker-<phase>-<pid>` in the working directory, counts
//! the markers whose process is alive, sleeps a second so that concurrent calls overlap, and
//! removes its marker.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{sorted_joined, App};

/// How long each call holds its marker: long enough for concurrent workers to see it.
const OVERLAP_WINDOW: Duration = Duration::from_secs(1);

/// Map emits `("times-<pid>", now)` and `("parallel-<pid>", live mappers)`; reduce sorts
/// and joins the values.
pub struct MapTiming;

/// Map emits the keys a-j; reduce outputs how many reducers were running at once.
pub struct ReduceTiming;

impl App for MapTiming {
    fn map(&self, _filename: &str, _contents: &str, emit: &mut dyn FnMut(&str, &str)) {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        let pid = std::process::id();
        let running = count_parallel("map");
        emit(&format!("times-{pid}"), &format!("{seconds:.1}"));
        emit(&format!("parallel-{pid}"), &running.to_string());
    }

    fn reduce(&self, _key: &str, values: &[&str]) -> String {
        sorted_joined(values)
    }
}

impl App for ReduceTiming {
    fn map(&self, _filename: &str, _contents: &str, emit: &mut dyn FnMut(&str, &str)) {
        for key in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] {
            emit(key, "1");
        }
    }

    fn reduce(&self, _key: &str, _values: &[&str]) -> String {
        count_parallel("reduce").to_string()
    }
}

/// The course's `nparallel`: marks this process as running `phase`, counts the live
/// processes so marked, waits [`OVERLAP_WINDOW`], and unmarks.
fn count_parallel(phase: &str) -> usize {
    let prefix = format!("mr-worker-{phase}-");
    let marker = format!("{prefix}{}", std::process::id());
    if let Err(error) = std::fs::write(&marker, "x") {
        log::error!("cannot write marker {marker}: {error}");
    }
    let running = live_marked_pids(&prefix);
    std::thread::sleep(OVERLAP_WINDOW);
    if let Err(error) = std::fs::remove_file(&marker) {
        log::error!("cannot remove marker {marker}: {error}");
    }
    running
}

/// How many `<prefix><pid>` files in the working directory name a live process.
fn live_marked_pids(prefix: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(".") else {
        return 0;
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_prefix(prefix)?.parse::<u32>().ok()
        })
        .filter(|pid| is_alive(*pid))
        .count()
}

/// Whether process `pid` exists (as `kill(pid, 0)` succeeds), read from `/proc` on Linux.
fn is_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}
