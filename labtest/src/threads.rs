//! How many threads the process has, for testers that check nothing leaks threads.

/// The process's current thread count, from the `Threads:` line of `/proc/self/status`.
///
/// # Panics
///
/// If `/proc/self/status` cannot be read or has no `Threads:` line (not Linux): a tester that
/// counts threads cannot do its job there, and saying so beats passing silently.
pub fn thread_count() -> usize {
    let status = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_else(|error| panic!("cannot read /proc/self/status: {error}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Threads: line in /proc/self/status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_a_spawned_thread() {
        let (stop_sender, stop_receiver) = labsim::channel::bounded::<()>(0);
        let (ready_sender, ready_receiver) = labsim::channel::bounded(0);
        let before = thread_count();
        let handle = labsim::thread::spawn("counted", move || {
            ready_sender.send(thread_count()).unwrap();
            let _ = stop_receiver.recv();
        });
        let during = ready_receiver.recv().unwrap();
        drop(stop_sender);
        handle.join().unwrap();
        // Other tests of this binary may start or end threads meanwhile; ours is at least one.
        assert!(
            during >= 2 && before >= 1,
            "before {before}, during {during}"
        );
    }
}
